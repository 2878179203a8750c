// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 8985 (RACK-TLP) as far as xtcp's send queue, a byte range without
 * per-segment send times, lets it go. The tail loss probe: when the last
 * segments of a flight are lost no duplicate ACKs come to start a fast
 * recovery, and only the retransmission timeout would resend them. A
 * probe sent about two round trips after the last segment asks the peer
 * for an ACK whose SACK blocks let the recovery begin at once. And RACK's
 * reordering window for a hole below SACKed data, where fewer than
 * DupThresh segments were SACKed.
 *
 * Where an RFC 8985 rule lives:
 *   7.2: when a probe is due (the PTO)           xtcp_tlp_pto_ns, armed by
 *                                                timer.c's tlp_arm()
 *   7.3: what the probe sends: new data, else
 *        the last segment again; one at a time   output.c's
 *                                                xtcp_send_loss_probe()
 *   7.3: the RTO armed afresh after a probe      timer.c's tlp_expired()
 *   7.4: whether the probe repaired a loss       xtcp_tlp_on_ack
 *   6.2: a hole below SACKed data is lost once   xtcp_rack_timeout_ns, armed
 *        the reordering window has passed        by timer.c's rack_arm()
 *   an RTO, a recovery or an MTU loss ends the   timer.c's rtx_expired(),
 *   episode                                      input.c's rcv_ack(),
 *                                                output.c
 *
 * As Linux, a probe is only for SACK connections in the open state with
 * nothing SACKed (Linux's Open, not Disorder), and net.xtcp.early_retrans
 * (Linux's tcp_early_retrans) turns it off below 3. Where RFC 8985 7
 * leaves Linux, xtcp follows Linux: no new RTT sample is awaited between
 * two probes' episodes, and an expiry that sends no probe leaves the RTO
 * due when it was. "One segment out" (the PTO's delayed-ACK allowance)
 * is told by bytes, at most one MSS, where Linux counts packets.
 */
#include <linux/jiffies.h>
#include <net/tcp.h>

#include "cong.h"
#include "seq.h"
#include "xtcp.h"

/* Linux's TCP_TIMEOUT_MIN_US: the PTO's allowance with several segments out */
#define XTCP_TLP_MIN_US		(2 * USEC_PER_MSEC)

/**
 * xtcp_tlp_pto_us() - RFC 8985 7.2's probe timeout, as Linux's
 * tcp_schedule_loss_probe(): two smoothed round trips, plus the peer's
 * delayed-ACK time (the RTO floor) when only one segment is out, for its
 * ACK may wait for a second; one initial RTO before any sample
 * @srtt_us: SRTT, 0 before the first sample
 * @one_out: only one segment is unacknowledged
 * @rto_min_us: net.xtcp.rto_min_ms, in microseconds
 * @initial_us: the initial RTO, in microseconds
 *
 * Return: the PTO in microseconds.
 */
u64 xtcp_tlp_pto_us(u32 srtt_us, bool one_out, u64 rto_min_us, u64 initial_us)
{
	if (!srtt_us)
		return initial_us;
	return 2ULL * srtt_us + (one_out ? rto_min_us : XTCP_TLP_MIN_US);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tlp_pto_us);

/**
 * xtcp_tlp_pto_ns() - whether a probe is to be armed now, and after how
 * long (the retransmission timer's remaining time caps it: timer.c)
 * @sk: the connection, locked
 *
 * The PTO is rounded up to whole jiffies, as Linux's usecs_to_jiffies()
 * rounds it for its timer wheel: on a kernel of 100 Hz a path of a
 * millisecond gets a 10 ms probe timeout, not 4 ms, which a receiver
 * that is late now and then would draw spurious probes from.
 *
 * Return: the PTO in nanoseconds, or 0 when no probe applies: TLP turned
 * off, no SACK, nothing in flight, data SACKed, or loss recovery under
 * way.
 */
s64 xtcp_tlp_pto_ns(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	int early_retrans = READ_ONCE(xn->early_retrans);
	u64 us;

	if ((early_retrans != 3 && early_retrans != 4) || !xs->sack_ok ||
	    xs->snd_nxt == xs->snd_una || xs->cong.state != XTCP_CA_OPEN ||
	    xs->cong.sb.n || !xtcp_can_send_data(sk))
		return 0;
	/* one segment out: SND.UNA reached the last one sent (not bytes:
	 * Linux's packets_out counts two short segments as two)
	 */
	us = xtcp_tlp_pto_us(xs->rtt.srtt_us,
			     !xtcp_seq_before(xs->snd_una, xs->last_seg),
			     (u64)READ_ONCE(xn->rto_min_ms) * USEC_PER_MSEC,
			     (u64)READ_ONCE(xn->rto_initial_ms) * USEC_PER_MSEC);
	return jiffies_to_nsecs(usecs_to_jiffies(min_t(u64, us, U32_MAX)));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tlp_pto_ns);

/**
 * xtcp_rack_timeout_ns() - RACK's reordering window (RFC 8985 6.2, as
 * Linux's tcp_rack_reo_wnd() and tcp_rack_mark_lost()), for the one case
 * DupThresh leaves to the RTO: unSACKed data below SACKed data, fewer
 * than DupThresh segments SACKed
 * @sk: the connection, locked
 *
 * RACK takes a segment as lost once one sent after it was delivered and
 * its send time plus RACK.rtt (from that delivered one's sending to its
 * ACK) plus the reordering window has passed. Without per-segment send
 * times, xtcp uses what sequence order tells of original sends: what
 * lies below a SACKed block went before it, so each hole's time is up by
 * the ACK's arrival plus the window at the latest. The window is Linux's:
 * a quarter of the minimum RTT, at most SRTT, plus its 2 ms, in whole
 * jiffies.
 *
 * Return: when the holes below the highest SACKed byte are lost, in
 * nanoseconds from now, or 0 when RACK does not apply (net.xtcp.recovery
 * without its RACK bit, no SACK, a recovery under way, copies resent
 * before an undo still out, no hole).
 */
s64 xtcp_rack_timeout_ns(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_cong *c = &xs->cong;
	u32 fack = xtcp_cong_fack(c, xs->snd_una), reo;

	if (!(READ_ONCE(xtcp_sk_net(sk)->recovery) & XTCP_RACK_LOSS_DETECTION) ||
	    !xs->sack_ok || c->state != XTCP_CA_OPEN ||
	    xtcp_cong_rack_held(c, xs->snd_una) ||
	    !xtcp_seq_after(fack, xs->snd_una) ||
	    !xtcp_sb_unsacked(&c->sb, xs->snd_una, fack))
		return 0;
	reo = min(xs->rtt.min_us / 4, xs->rtt.srtt_us);
	return jiffies_to_nsecs(usecs_to_jiffies(reo + XTCP_TLP_MIN_US));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rack_timeout_ns);

/**
 * xtcp_tlp_judge() - what an ACK says of the probe that is out (RFC 8985
 * 7.4.2, as Linux's tcp_process_tlp_ack())
 * @end: SND.NXT when the probe went (TLP.end_seq)
 * @resent: the probe resent data (else it was new data)
 * @ack: SEG.ACK
 * @dsacked: the ACK carries a D-SACK of the probe: the original arrived
 * @news: the ACK moved SND.UNA, SACKed data, carried data or a FIN, or
 *	  may update the window (tcp_may_update_window(); else a pure
 *	  duplicate ACK)
 *
 * Return: XTCP_TLP_WAIT while the episode goes on, XTCP_TLP_NO_LOSS when
 * it ended with nothing lost, XTCP_TLP_LOSS when the probe repaired a
 * loss: SND.UNA went beyond it, with no D-SACK to say the original came.
 */
enum xtcp_tlp_verdict xtcp_tlp_judge(u32 end, bool resent, u32 ack,
				     bool dsacked, bool news)
{
	if (xtcp_seq_before(ack, end))
		return XTCP_TLP_WAIT;
	if (!resent || dsacked)
		return XTCP_TLP_NO_LOSS;
	if (xtcp_seq_after(ack, end))
		return XTCP_TLP_LOSS;
	/* at the probe's end: a D-SACK may follow; a pure duplicate ACK
	 * there says both copies arrived
	 */
	return news ? XTCP_TLP_WAIT : XTCP_TLP_NO_LOSS;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tlp_judge);

/*
 * A D-SACK (RFC 2883 4: the first block below SEG.ACK, or within the
 * second) of one segment at most, ending where the probe ended: the
 * probe's copy (Linux's FLAG_DSACK_TLP, tcp_dsack_seen()).
 */
static bool probe_dsacked(const struct xtcp_sock *xs,
			  const struct xtcp_sack_block *b, unsigned int n,
			  u32 ack)
{
	u32 len = b[0].end - b[0].start;

	return n && xtcp_sack_is_dsack(b, n, ack) && b[0].end == xs->tlp_end &&
	       len && len <= xtcp_send_mss(xs);
}

/**
 * xtcp_tlp_on_ack() - an acceptable ACK while a probe is out (RFC 8985
 * 7.4): end the episode, and if the probe repaired a loss respond as to a
 * fast recovery (cong.c) and count TcpExt TCPLossProbeRecovery
 * @sk: the connection, locked
 * @ack: SEG.ACK
 * @prior_una: SND.UNA before the ACK; one below it is old and says
 *	       nothing (Linux's old_ack path)
 * @b: its SACK blocks as received
 * @n: how many
 * @news: what xtcp_tlp_judge() takes as @news
 */
void xtcp_tlp_on_ack(struct sock *sk, u32 ack, u32 prior_una,
		     const struct xtcp_sack_block *b, unsigned int n,
		     bool news)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->tlp_out || xtcp_seq_before(ack, prior_una))
		return;
	switch (xtcp_tlp_judge(xs->tlp_end, xs->tlp_retrans, ack,
			       probe_dsacked(xs, b, n, ack), news)) {
	case XTCP_TLP_WAIT:
		return;
	case XTCP_TLP_LOSS:
		xtcp_cong_on_tlp_loss(&xs->cong, xtcp_send_mss(xs));
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPLOSSPROBERECOVERY);
		fallthrough;
	case XTCP_TLP_NO_LOSS:
		xs->tlp_out = 0;
	}
}
