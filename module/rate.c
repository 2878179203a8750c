// SPDX-License-Identifier: GPL-2.0
/*
 * What the peer got, how fast, and what the sender's time went on: the
 * delivery counts and rates TCP_INFO reports (tcpi_delivered,
 * tcpi_delivery_rate, tcpi_dsack_dups, tcpi_pacing_rate, tcpi_busy_time,
 * tcpi_rwnd_limited, tcpi_sndbuf_limited), with Linux's meanings.
 *
 * Linux counts deliveries per segment of its retransmission queue and
 * samples the rate on every ACK from each segment's send time
 * (net/ipv4/tcp_rate.c, draft-cheng-iccrg-delivery-rate-estimation).
 * xtcp's send queue keeps bytes, not segments, so here:
 *   - what the peer holds is what SND.UNA passed plus what the board
 *     shows SACKed; an ACK's deliveries are what that adds beyond its
 *     highest so far (a timeout forgets SACKs, the peer reports them
 *     again: counted once), in segments of the send MSS, rounded up (an
 *     ACK covers whole segments, the last of a write perhaps short);
 *   - the rate is the bytes delivered over an interval of at least one
 *     smoothed round trip, measured from ACK to ACK, begun afresh once
 *     nothing is in flight (so an idle spell lowers no sample); an
 *     interval in which the application had nothing more to send
 *     (app-limited) lowers no rate either, as in tcp_rate_gen().
 *
 * RFC 2883 4: the peer reports a duplicate it received with a D-SACK, a
 * first SACK block below SEG.ACK or within the second block.
 *
 * The pacing rate is Linux's tcp_update_pacing_rate(): what xtcp sizes its
 * GSO skbs by (output.c). Like Linux's TCP under Reno or CUBIC without
 * the fq qdisc, xtcp reports it but does not pace to it; it is computed
 * when asked, where Linux's is set on each ACK.
 *
 * The chronograph is Linux's tcp_chrono_start()/stop(): one state at a
 * time, the most telling winning (limited by the send buffer over limited
 * by the peer's window over merely busy), its time added when it ends.
 * busy_time is all of it.
 *
 * All under the socket lock: from ACK processing (input.c), from sending
 * (output.c) and from xtcp_write_space() (stream.c).
 */
#include <net/sock.h>

#include "seq.h"
#include "xtcp.h"

/* Linux's tcp_pacing_ss_ratio and tcp_pacing_ca_ratio, percent */
#define XTCP_PACING_SS_RATIO	200
#define XTCP_PACING_CA_RATIO	120

/**
 * xtcp_pacing_rate() - the rate Linux would pace this connection at
 * (tcp_update_pacing_rate()): cwnd per smoothed RTT, doubled in slow start
 * (cwnd below half ssthresh), 1.2 times in congestion avoidance
 * @xs: the connection
 *
 * Return: bytes a second; 0 before the first RTT sample.
 */
u64 xtcp_pacing_rate(const struct xtcp_sock *xs)
{
	u64 rate = (u64)max(xs->cong.cwnd, xs->snd_nxt - xs->snd_una) *
		   USEC_PER_SEC *
		   (xs->cong.cwnd < xs->cong.ssthresh / 2 ?
		    XTCP_PACING_SS_RATIO : XTCP_PACING_CA_RATIO);

	if (!xs->rtt.srtt_us)
		return 0;
	return div64_u64(rate, 100ULL * xs->rtt.srtt_us);
}

static void chrono_set(struct xtcp_counts *n, enum xtcp_chrono type)
{
	ktime_t now = ktime_get();

	if (n->chrono != XTCP_CHRONO_NONE)
		n->chrono_us[n->chrono - 1] += ktime_us_delta(now,
							      n->chrono_start);
	n->chrono_start = now;
	n->chrono = type;
}

/**
 * xtcp_chrono_start() - @type began; it runs if more telling than what
 * does (tcp_chrono_start())
 * @sk: the connection, locked
 * @type: what the sender now waits on
 */
void xtcp_chrono_start(struct sock *sk, enum xtcp_chrono type)
{
	struct xtcp_counts *n = &xtcp_sk(sk)->counts;

	if (type > n->chrono)
		chrono_set(n, type);
}

/**
 * xtcp_chrono_stop() - @type ended: nothing at all once every byte
 * written is acknowledged, else busy if @type was running
 * (tcp_chrono_stop())
 * @sk: the connection, locked
 * @type: what ended
 */
void xtcp_chrono_stop(struct sock *sk, enum xtcp_chrono type)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_una == xs->write_seq + xs->fin_queued)	/* FIN too */
		chrono_set(&xs->counts, XTCP_CHRONO_NONE);
	else if (type == xs->counts.chrono)
		chrono_set(&xs->counts, XTCP_CHRONO_BUSY);
}

/**
 * xtcp_chrono_end() - the queues were purged (a reset, an abort): no clock
 * runs on (tcp_write_queue_purge())
 * @sk: the connection, locked
 */
void xtcp_chrono_end(struct sock *sk)
{
	chrono_set(&xtcp_sk(sk)->counts, XTCP_CHRONO_NONE);
}

/**
 * xtcp_chrono_info() - TCP_INFO's times, the running one's so far
 * included (tcp_get_info_chrono_stats())
 * @xs: the connection, locked
 * @info: filled
 */
void xtcp_chrono_info(const struct xtcp_sock *xs, struct tcp_info *info)
{
	const struct xtcp_counts *n = &xs->counts;
	u64 us[3] = { n->chrono_us[0], n->chrono_us[1], n->chrono_us[2] };

	if (n->chrono != XTCP_CHRONO_NONE)
		us[n->chrono - 1] += ktime_us_delta(ktime_get(),
						    n->chrono_start);
	info->tcpi_busy_time = us[0] + us[1] + us[2];
	info->tcpi_rwnd_limited = us[1];
	info->tcpi_sndbuf_limited = us[2];
}

/**
 * xtcp_rate_on_ack() - an acceptable ACK past our SYN's was processed:
 * count what it delivered, and close the rate's interval once a round
 * trip long
 * @sk: the connection, locked
 */
void xtcp_rate_on_ack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_counts *n = &xs->counts;
	bool fin = xtcp_fin_sent(xs) && xs->snd_una == xs->snd_nxt;
	u64 held, bytes;
	ktime_t now;
	s64 us;

	if (!n->una_passed && !n->rate_una)	/* the first: from our SYN */
		n->rate_una = xs->iss + 1;
	n->una_passed += xs->snd_una - n->rate_una;
	n->rate_una = xs->snd_una;
	/* what the peer holds, data only: our FIN is no byte of it */
	held = n->una_passed - fin + xs->cong.sb.sacked;
	if (held <= n->delivered_bytes) {
		/* a FIN acknowledged alone: a segment of its own (Linux
		 * counts a FIN skb once); none if it rode on data
		 */
		if (fin && !n->fin_delivered)
			n->delivered++;
		n->fin_delivered |= fin;
		return;
	}
	n->fin_delivered |= fin;
	bytes = held - n->delivered_bytes;
	n->delivered += DIV_ROUND_UP_ULL(bytes, xtcp_send_mss(xs));
	n->delivered_bytes = held;

	now = ktime_get();
	if (!n->rate_stamp) {
		n->rate_stamp = now;
		n->rate_base = n->delivered_bytes;
		return;
	}
	us = ktime_us_delta(now, n->rate_stamp);
	if (us > 0 && us >= xs->rtt.srtt_us) {
		u64 rate = div64_u64((n->delivered_bytes - n->rate_base) *
				     USEC_PER_SEC, us);

		/* an interval the application left short says less of the
		 * path: it lowers no rate (tcp_rate_gen())
		 */
		if (!n->rate_app_limited || rate >= n->delivery_rate) {
			n->delivery_rate = rate;
			n->delivery_app_limited = n->rate_app_limited;
		}
		n->rate_app_limited = 0;
		n->rate_stamp = now;
		n->rate_base = n->delivered_bytes;
	}
	if (xs->snd_una == xs->snd_nxt)	/* idle now: the next begins anew */
		n->rate_stamp = 0;
}

/**
 * xtcp_rate_app_limited() - a send found nothing more to send with room
 * left in cwnd: the application, not the path, sets the pace of this
 * interval (Linux's tcp_rate_check_app_limited())
 * @sk: the connection, locked
 */
void xtcp_rate_app_limited(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_nxt == xs->write_seq &&
	    xs->snd_nxt - xs->snd_una < xs->cong.cwnd)
		xs->counts.rate_app_limited = 1;
}

/**
 * xtcp_rate_dsack() - count a D-SACK among an ACK's SACK blocks (RFC 2883
 * 4, as Linux's tcp_check_dsack() and tcp_dsack_seen()): the event (TcpExt
 * TCPDSACKRecv below SEG.ACK, TCPDSACKOfoRecv within the second block),
 * its segments (tcpi_dsack_dups, TCPDSACKRecvSegs), or TCPDSACKIgnoredDubious
 * @sk: the connection, locked
 * @b: the blocks as received
 * @n: how many
 * @ack: SEG.ACK
 */
void xtcp_rate_dsack(struct sock *sk, const struct xtcp_sack_block *b,
		     unsigned int n, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 len = b[0].end - b[0].start, segs = 0;

	if (!xtcp_sack_is_dsack(b, n, ack))
		return;
	XTCP_EXT_INC(net, xtcp_seq_before(b[0].start, ack) ?
		     LINUX_MIB_TCPDSACKRECV : LINUX_MIB_TCPDSACKOFORECV);
	/* dubious: empty, more than the peer's window ever was, or more
	 * duplicates than we ever resent (tcp_dsack_seen())
	 */
	if (xtcp_seq_before(b[0].start, b[0].end) && len <= xs->max_snd_wnd) {
		segs = DIV_ROUND_UP(len, xtcp_send_mss(xs));
		xs->counts.dsack_dups += segs;
		if (xs->counts.dsack_dups > xs->counts.total_retrans)
			segs = 0;
	}
	if (!segs) {
		XTCP_EXT_INC(net, LINUX_MIB_TCPDSACKIGNOREDDUBIOUS);
		return;
	}
	XTCP_EXT_ADD(net, LINUX_MIB_TCPDSACKRECVSEGS, segs);
}
