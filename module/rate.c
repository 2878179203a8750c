// SPDX-License-Identifier: GPL-2.0
/*
 * What the peer got, and how fast: the delivery counts and rate TCP_INFO
 * reports (tcpi_delivered, tcpi_delivery_rate, tcpi_dsack_dups), with
 * Linux's meanings.
 *
 * Linux counts deliveries per segment of its retransmission queue and
 * samples the rate on every ACK from each segment's send time
 * (net/ipv4/tcp_rate.c, draft-cheng-iccrg-delivery-rate-estimation).
 * xtcp's send queue keeps bytes, not segments, so here:
 *   - an ACK's deliveries are the bytes it newly acknowledges or SACKs,
 *     in segments of the send MSS, rounded up (an ACK covers whole
 *     segments, the last of a write perhaps short);
 *   - the rate is the bytes delivered over an interval of at least one
 *     smoothed round trip, measured from ACK to ACK, begun afresh once
 *     nothing is in flight (so an idle spell lowers no sample).
 *
 * RFC 2883 4: the peer reports a duplicate it received with a D-SACK, a
 * first SACK block below SEG.ACK or within the second block.
 *
 * All under the socket lock, from ACK processing (input.c).
 */
#include <net/sock.h>

#include "seq.h"
#include "xtcp.h"

/**
 * xtcp_rate_on_ack() - an acceptable ACK was processed: count what it
 * delivered, and close the rate's interval once a round trip long
 * @sk: the connection, locked
 * @prior_una: SND.UNA before the ACK
 * @prior_sacked: bytes SACKed above SND.UNA before it
 */
void xtcp_rate_on_ack(struct sock *sk, u32 prior_una, u32 prior_sacked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_counts *n = &xs->counts;
	s64 bytes = (s64)(xs->snd_una - prior_una) + xs->cong.sb.sacked -
		    prior_sacked;
	ktime_t now;
	s64 us;

	if (bytes <= 0)
		return;
	/* our FIN: a segment of its own if it went alone (Linux counts a
	 * FIN skb once), none if it rode on the last data
	 */
	if (xtcp_fin_sent(xs) && xs->snd_una == xs->snd_nxt &&
	    prior_una != xs->snd_una && !--bytes) {
		n->delivered++;
		return;
	}
	n->delivered += DIV_ROUND_UP_ULL(bytes, xtcp_send_mss(xs));
	n->delivered_bytes += bytes;

	now = ktime_get();
	if (!n->rate_stamp) {
		n->rate_stamp = now;
		n->rate_base = n->delivered_bytes;
		return;
	}
	us = ktime_us_delta(now, n->rate_stamp);
	if (us > 0 && us >= xs->rtt.srtt_us) {
		n->delivery_rate = div64_u64((n->delivered_bytes - n->rate_base) *
					     USEC_PER_SEC, us);
		n->rate_stamp = now;
		n->rate_base = n->delivered_bytes;
	}
	if (xs->snd_una == xs->snd_nxt)	/* idle now: the next begins anew */
		n->rate_stamp = 0;
}

/**
 * xtcp_rate_dsack() - count a D-SACK among an ACK's SACK blocks (RFC 2883
 * 4, as Linux's tcp_check_dsack() and tcp_dsack_seen()): its segments
 * (tcpi_dsack_dups) and the event (TcpExt TCPDSACKRecv, TCPDSACKRecvSegs)
 * @sk: the connection, locked
 * @b: the blocks as received
 * @n: how many
 * @ack: SEG.ACK
 */
void xtcp_rate_dsack(struct sock *sk, const struct xtcp_sack_block *b,
		     unsigned int n, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 len = b[0].end - b[0].start, segs;

	if (!xtcp_seq_before(b[0].start, ack) &&
	    !(n > 1 && xtcp_seq_after_eq(b[0].start, b[1].start) &&
	      xtcp_seq_before_eq(b[0].end, b[1].end)))
		return;
	/* dubious: empty, or more than the peer's window ever was */
	if (!xtcp_seq_before(b[0].start, b[0].end) || len > xs->max_snd_wnd)
		return;
	segs = DIV_ROUND_UP(len, xtcp_send_mss(xs));
	xs->counts.dsack_dups += segs;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPDSACKRECV);
	XTCP_EXT_ADD(sock_net(sk), LINUX_MIB_TCPDSACKRECVSEGS, segs);
}
