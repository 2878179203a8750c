// SPDX-License-Identifier: GPL-2.0
/*
 * What a connection tells about itself: struct tcp_info as Linux's
 * tcp_get_info() fills it, every field xtcp has with Linux's meaning and
 * unit (segments where Linux counts segments, microseconds, milliseconds
 * since), the rest left zero.
 */
#include <linux/tcp.h>
#include <net/tcp.h>

#include "xtcp.h"

/* Linux's tcp_ca_state numbers for xtcp's recovery states (cong.h). */
static u8 ca_state(const struct xtcp_cong *c)
{
	switch (c->state) {
	case XTCP_CA_RECOVERY:
		return TCP_CA_Recovery;
	case XTCP_CA_LOSS:
		return TCP_CA_Loss;
	}
	return TCP_CA_Open;
}

static u32 ms_since(ktime_t t)
{
	return t ? ktime_ms_delta(ktime_get(), t) : 0;
}

/**
 * xtcp_info_options() - the RFC 7323 and RFC 2018 options agreed in the
 * handshake, as tcpi_options bits (TCP_INFO, /proc/net/xtcp)
 * @xs: the connection
 */
unsigned int xtcp_info_options(const struct xtcp_sock *xs)
{
	return (xs->ts_ok ? TCPI_OPT_TIMESTAMPS : 0) |
	       (xs->sack_ok ? TCPI_OPT_SACK : 0) |
	       (xs->ws_ok ? TCPI_OPT_WSCALE : 0);
}

static void options(const struct xtcp_sock *xs, struct tcp_info *info)
{
	info->tcpi_options = xtcp_info_options(xs);
	if (xs->ws_ok) {
		info->tcpi_snd_wscale = xs->snd_wscale;
		info->tcpi_rcv_wscale = xs->rcv_wscale;
	}
}

/* The sender: windows in segments of the current MSS, as Linux counts. */
static void sender(const struct sock *sk, struct tcp_info *info)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_cong *c = &xs->cong;
	u32 mss = xtcp_send_mss(xs), lost = 0, retrans = 0;

	info->tcpi_ca_state = ca_state(c);
	info->tcpi_snd_mss = mss;
	info->tcpi_snd_cwnd = DIV_ROUND_UP(c->cwnd, mss);
	info->tcpi_snd_ssthresh = c->ssthresh >= XTCP_CWND_MAX ?
				  TCP_INFINITE_SSTHRESH : c->ssthresh / mss;
	info->tcpi_reordering = c->reordering ?:
				READ_ONCE(xtcp_sk_net(sk)->reordering);
	if (sk->sk_state == TCP_CLOSE)
		return;
	info->tcpi_unacked = DIV_ROUND_UP(xs->snd_nxt - xs->snd_una, mss);
	info->tcpi_sacked = DIV_ROUND_UP(c->sb.sacked, mss);
	if (c->state != XTCP_CA_OPEN) {
		lost = xtcp_sb_unsacked(&c->sb, xs->snd_una, c->lost_end);
		retrans = xtcp_sb_unsacked(&c->sb, xs->snd_una, c->high_rxt);
	}
	info->tcpi_lost = DIV_ROUND_UP(lost, mss);
	info->tcpi_retrans = DIV_ROUND_UP(retrans, mss);
	info->tcpi_notsent_bytes = max_t(int, 0, xs->write_seq + xs->fin_queued -
						 xs->snd_nxt);
	info->tcpi_snd_wnd = xs->snd_wnd;
}

/* The retransmission timer and the round-trip estimates, microseconds. */
static void timing(const struct sock *sk, struct tcp_info *info)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 rto_ms = xs->rtt.rto_ms ?: READ_ONCE(xn->rto_initial_ms);

	info->tcpi_retransmits = xs->retries;
	info->tcpi_probes = xs->probes_out;
	info->tcpi_backoff = xs->probes_out ? xs->probe_backoff : xs->retries;
	info->tcpi_rto = rto_ms * USEC_PER_MSEC;	/* backed off (timer.c) */
	info->tcpi_ato = READ_ONCE(xn->delack_ms) * USEC_PER_MSEC;
	info->tcpi_rtt = xs->rtt.srtt_us;
	info->tcpi_rttvar = xs->rtt.rttvar_us;
	info->tcpi_min_rtt = xs->rtt.min_us ?: ~0U;
	info->tcpi_rcv_rtt = xs->rcv_rtt_us;
}

/* The receiver: what it advertises and what it was sent. */
static void receiver(const struct sock *sk, struct tcp_info *info)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	struct dst_entry *dst = __sk_dst_get((struct sock *)sk);

	info->tcpi_advmss = xtcp_advmss(xs);
	info->tcpi_rcv_mss = READ_ONCE(xs->rcv_mss_est);	/* 0 before */
	info->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	info->tcpi_rcv_ssthresh = xs->rcv_ssthresh;
	/* Linux's first round starts from the initial window */
	info->tcpi_rcv_space = xs->rcvq_space ?: xs->rcv_wnd;
	info->tcpi_rcv_wnd = xs->rcv_wnd;
}

/* RFC 4898's counters (struct xtcp_counts) and the idle times. */
static void counts(const struct xtcp_sock *xs, struct tcp_info *info)
{
	const struct xtcp_counts *n = &xs->counts;

	info->tcpi_total_retrans = n->total_retrans;
	info->tcpi_bytes_acked = n->bytes_acked;
	info->tcpi_bytes_received = n->bytes_received;
	info->tcpi_bytes_sent = n->bytes_sent;
	info->tcpi_bytes_retrans = n->bytes_retrans;
	info->tcpi_segs_out = n->segs_out;
	info->tcpi_segs_in = n->segs_in;
	info->tcpi_data_segs_out = n->data_segs_out;
	info->tcpi_data_segs_in = n->data_segs_in;
	info->tcpi_rcv_ooopack = n->rcv_ooopack;
	/* our SYN, once acknowledged, is one more, as Linux counts it */
	info->tcpi_delivered = n->delivered + (xs->snd_una != xs->iss);
	info->tcpi_delivery_rate = n->delivery_rate;
	info->tcpi_delivery_rate_app_limited = n->delivery_app_limited;
	info->tcpi_dsack_dups = n->dsack_dups;
	info->tcpi_reord_seen = xs->cong.reord_seen;
	xtcp_chrono_info(xs, info);
	info->tcpi_last_data_sent = ms_since(xs->last_send);
	info->tcpi_last_data_recv = ms_since(n->last_data_rcv);
	info->tcpi_last_ack_recv = ms_since(xs->last_rcv);
}

/**
 * xtcp_get_info() - getsockopt(TCP_INFO), as tcp_get_info()
 * @sk: the socket, not locked
 * @info: filled; a listener reports its accept queue in tcpi_unacked and
 *	  its backlog in tcpi_sacked, as Linux's do
 */
void xtcp_get_info(struct sock *sk, struct tcp_info *info)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long rate;
	u64 pacing;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	rate = READ_ONCE(sk->sk_max_pacing_rate);
	info->tcpi_max_pacing_rate = rate != ~0UL ? rate : ~0ULL;
	info->tcpi_pacing_rate = info->tcpi_max_pacing_rate;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_snd_cwnd = DIV_ROUND_UP(xs->cong.cwnd,
						   xtcp_send_mss(xs));
		info->tcpi_reordering = READ_ONCE(xtcp_sk_net(sk)->reordering);
		info->tcpi_unacked = READ_ONCE(xs->accept_qlen);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		options(xs, info);
		sender(sk, info);
		timing(sk, info);
		receiver(sk, info);
		counts(xs, info);
		/* Linux's, before the first RTT sample too: unlimited */
		pacing = xtcp_pacing_rate(xs);
		if (pacing)
			info->tcpi_pacing_rate = min(pacing,
						     info->tcpi_max_pacing_rate);
	}
	release_sock(sk);
}
