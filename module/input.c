// SPDX-License-Identifier: GPL-2.0
/*
 * Segment arrival: taking xtcp's segments from the IP layer before the
 * kernel's TCP sees them, checking them, and RFC 9293 3.10.7 "SEGMENT
 * ARRIVES" for each state, in the RFC's order of checks.
 *
 * Where an RFC rule lives:
 *   3.10.7.1 CLOSED (no socket)          xtcp_nf_hook -> xtcp_reply_rst
 *   host policy, as tcp_v4_rcv():        xtcp_nf_hook (IPsec), filter_drop
 *            (socket filter, cgroup-BPF ingress, LSM)
 *   3.10.7.2 LISTEN                      rcv_listen
 *            RFC 4987 3.6: SYN cookies   syncookie.c
 *   3.10.7.3 SYN-SENT                    rcv_syn_sent
 *   3.10.7.4 other states, checks 1-8    rcv_synchronized
 *            RFC 7323 5.3 R1: PAWS       paws_reject
 *            1st: acceptability test     xtcp_seq_acceptable
 *            RFC 7323 4.3: TS.Recent     rcv_synchronized
 *            2nd: RST (RFC 5961 3.2)     check_rst
 *            4th: SYN (RFC 5961 4.2)     rcv_synchronized
 *            5th: ACK                    rcv_ack
 *                 window scale           rcv_ack (RFC 7323 2.3)
 *                 SACK, dup ACKs, cwnd   rcv_ack_sample -> cong.c
 *                 RTT from timestamps    rcv_ack (RFC 7323 4.1)
 *            6th: URG                    xtcp_urg_rcv (urg.c)
 *            7th: segment text           xtcp_queue_data (stream.c)
 *                 out of order           ofo.c
 *            8th: FIN                    rcv_fin
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netns/generic.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "options.h"
#include "seq.h"
#include "trace.h"
#include "tw.h"
#include "xtcp.h"

/**
 * xtcp_seq_acceptable() - RFC 9293 3.10.7.4 first check, the four cases
 * @seg_seq: SEG.SEQ
 * @seg_len: SEG.LEN, counting SYN and FIN
 * @rcv_nxt: RCV.NXT
 * @rcv_wnd: RCV.WND
 *
 *   SEG.LEN  RCV.WND  test
 *   0        0        SEG.SEQ = RCV.NXT
 *   0        >0       RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
 *   >0       0        not acceptable
 *   >0       >0       RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, or
 *                     RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
 */
bool xtcp_seq_acceptable(u32 seg_seq, u32 seg_len, u32 rcv_nxt, u32 rcv_wnd)
{
	if (!seg_len) {
		if (!rcv_wnd)
			return seg_seq == rcv_nxt;
		return xtcp_seq_in_window(seg_seq, rcv_nxt, rcv_nxt + rcv_wnd);
	}
	if (!rcv_wnd)
		return false;
	return xtcp_seq_in_window(seg_seq, rcv_nxt, rcv_nxt + rcv_wnd) ||
	       xtcp_seq_in_window(seg_seq + seg_len - 1, rcv_nxt,
				  rcv_nxt + rcv_wnd);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_seq_acceptable);

/* RCV.WND: what is left of the window we last advertised. */
static u32 rcv_wnd(const struct xtcp_sock *xs)
{
	u32 edge = xs->rcv_wup + xs->rcv_wnd;

	return xtcp_seq_after(edge, xs->rcv_nxt) ? edge - xs->rcv_nxt : 0;
}

/* Reply to @skb with a RST from @sk's namespace; consumes nothing. */
static void reply_rst(struct sock *sk, struct sk_buff *skb)
{
	xtcp_reply_rst(sock_net(sk), skb);
}

/*
 * Whether a SYN that gets no cookie finds the SYN queue full. Without
 * cookies, the last quarter of max_syn_backlog is kept, as Linux keeps it
 * for peers it has seen before (xtcp remembers none): tcp_conn_request().
 */
static bool syn_queue_no_room(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	int max = READ_ONCE(xn->max_syn_backlog);

	return xtcp_syn_queue_full(sk) ||
	       (!READ_ONCE(xn->syncookies) &&
		max - (int)READ_ONCE(xtcp_sk(sk)->syn_qlen) < (max >> 2));
}

/*
 * RFC 9293 3.10.7.2: a segment for a listener. Return true if @skb was
 * consumed (the ACK of a SYN cookie, now its connection's).
 */
static bool rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	enum xtcp_cookie_verdict v = XTCP_COOKIE_NONE;
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_options opts;
	struct sock *child;

	if (cb->flags & XTCP_RST)
		return false;			/* first: ignore a RST */
	/* Looked up before the listener left its port or address (a
	 * disconnect and listen() while this waited in the backlog).
	 */
	if (tcp_hdr(skb)->dest != inet_sk(sk)->inet_sport ||
	    (inet_sk(sk)->inet_rcv_saddr &&
	     inet_sk(sk)->inet_rcv_saddr != ip_hdr(skb)->daddr))
		return false;
	if (cb->flags & XTCP_ACK) {
		/* RFC 4987 3.6: it may return one of our SYN cookies */
		if (!(cb->flags & XTCP_SYN))
			v = xtcp_cookie_ack(sk, skb);
		if (v == XTCP_COOKIE_TAKEN)
			return true;
		if (v == XTCP_COOKIE_NONE)
			reply_rst(sk, skb);	/* second: <SEQ=SEG.ACK><CTL=RST> */
		return false;
	}
	if (!(cb->flags & XTCP_SYN))
		return false;			/* fourth: drop anything else */
	/* A SYN with FIN is no way to open a connection: drop it, as Linux
	 * (RFC 9293 leaves it open; a FIN in LISTEN is "not be processed").
	 */
	if (cb->flags & XTCP_FIN)
		return false;

	/* third: a SYN. Bounded queues, as Linux; cookies past them. */
	xtcp_parse_options((u8 *)(tcp_hdr(skb) + 1),
			   tcp_hdr(skb)->doff * 4 - sizeof(struct tcphdr), &opts);
	if (xtcp_accept_queue_full(sk)) {
		xtcp_stats_listen_overflow(sk);
		return false;
	}
	if (xtcp_cookie_wanted(sk)) {
		xtcp_cookie_send_synack(sk, skb, &opts);
		return false;
	}
	if (syn_queue_no_room(sk)) {
		xtcp_stats_listen_drop(sk);
		return false;
	}
	/* The child's spinlock is taken with BHs off even when a SYN is
	 * replayed from the backlog (xtcp_backlog_rcv), lest a softirq on
	 * this CPU spin on it (see "Locking strategy" in xtcp.h).
	 */
	DEBUG_NET_WARN_ON_ONCE(!in_softirq());
	child = xtcp_child_create(sk, skb);	/* bh-locked, subclass 0 */
	if (!child)
		return false;

	xtcp_syn_offer(child);
	xtcp_syn_negotiate(child, &opts);
	xtcp_set_mss(child, opts.mss);
	xtcp_transition(child, XTCP_EV_RCV_SYN);	/* LISTEN -> SYN-RECEIVED */
	xtcp_child_enqueue(sk, child);
	/* Ours across the unlock: xtcp_done() may drop the queue's. */
	sock_hold(child);
	if (xtcp_ehash(child)) {
		/* A connection with this 4-tuple already exists. */
		xtcp_done(child);
	} else {
		/* Data on a SYN is not acknowledged: the peer resends it. */
		xtcp_send_syn(child);			/* <SYN,ACK> */
		xtcp_timer_event_sent(child, true);
	}
	bh_unlock_sock(child);
	sock_put(child);
	return false;
}

/* RFC 9293 3.10.7.3: a segment for our SYN. */
static void rcv_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_options opts;
	bool ack_ok = false;

	/* first: the ACK bit */
	if (cb->flags & XTCP_ACK) {
		if (xtcp_seq_before_eq(cb->ack_seq, xs->iss) ||
		    xtcp_seq_after(cb->ack_seq, xs->snd_nxt)) {
			if (!(cb->flags & XTCP_RST))
				reply_rst(sk, skb);
			return;
		}
		ack_ok = true;	/* SND.UNA < SEG.ACK =< SND.NXT, SND.UNA = ISS */
	}

	/* second: RST, valid only with an acceptable ACK (RFC 5961 3.2) */
	if (cb->flags & XTCP_RST) {
		if (ack_ok)
			xtcp_reset(sk, ECONNREFUSED);
		return;
	}

	/* fifth: neither SYN nor RST: drop */
	if (!(cb->flags & XTCP_SYN))
		return;

	/* fourth: SYN */
	xs->irs = cb->seq;
	WRITE_ONCE(xs->rcv_nxt, cb->seq + 1);
	WRITE_ONCE(xs->copied_seq, xs->rcv_nxt);
	xs->rcv_wup = xs->rcv_nxt;	/* nothing advertised yet */
	xtcp_parse_options((u8 *)(tcp_hdr(skb) + 1),
			   tcp_hdr(skb)->doff * 4 - sizeof(struct tcphdr), &opts);
	xtcp_syn_negotiate(sk, &opts);
	xtcp_set_mss(sk, opts.mss);
	xs->snd_wnd = cb->wnd;		/* a SYN's window is not scaled */
	xs->max_snd_wnd = cb->wnd;
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
	xtcp_sndbuf_expand(sk);
	xtcp_rcv_mss_init(xs);

	if (ack_ok) {
		xs->counts.bytes_acked += cb->ack_seq - xs->snd_una;
		xs->counts.last_data_rcv = ktime_get();
		WRITE_ONCE(xs->snd_una, cb->ack_seq);
		WRITE_ONCE(sk->sk_err_soft, 0);
		xtcp_timer_event_acked(sk, 0);
		if (xs->syn_rtx)	/* RFC 5681 3.1: a lost SYN: IW 1 */
			xs->cong.cwnd = xtcp_send_mss(xs);
		/* Our SYN is acknowledged: ESTABLISHED, <SEQ=SND.NXT><ACK> */
		xtcp_transition(sk, XTCP_EV_RCV_SYNACK);
		xtcp_send_ack(sk);
		xtcp_timer_event_received(sk);
		xtcp_timer_event_keepalive(sk, sock_flag(sk, SOCK_KEEPOPEN));
		sk->sk_state_change(sk);
		xtcp_push(sk);
		return;
	}
	/* Simultaneous open (MUST-10): SYN-RECEIVED, <SEQ=ISS><ACK><SYN,ACK> */
	xtcp_transition(sk, XTCP_EV_RCV_SYN);
	xtcp_send_syn(sk);
}

/* Second check: a RST in a synchronized state (RFC 9293 3.10.7.4). */
static void check_rst(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->seq != xs->rcv_nxt) {
		/* In the window but not exact: challenge ACK (RFC 5961 3.2) */
		xtcp_send_challenge_ack(sk);
		return;
	}
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		/* Passive open: the child goes, the listener stays; active
		 * (simultaneous) open: "connection refused".
		 */
		if (xs->parent) {
			xtcp_transition(sk, XTCP_EV_RCV_RST);
			xtcp_done(sk);
		} else {
			xtcp_reset(sk, ECONNREFUSED);
		}
		return;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		xtcp_reset(sk, ECONNRESET);
		return;
	case TCP_CLOSE_WAIT:
		xtcp_reset(sk, EPIPE);	/* as Linux: we already saw its FIN */
		return;
	default:			/* CLOSING, LAST-ACK, TIME-WAIT */
		xtcp_transition(sk, XTCP_EV_RCV_RST);
		xtcp_done(sk);
	}
}

/*
 * RFC 7323 4.1: a round trip measured as now - TSecr, in microseconds (at
 * least one millisecond, the clock's tick), or 0 if the segment gives none.
 */
static u32 ts_rtt_us(const struct xtcp_sock *xs,
		     const struct xtcp_options *opts)
{
	u32 ms;

	if (!xs->ts_ok || !opts->saw_tstamp || !opts->tsecr)
		return 0;
	ms = xtcp_ts_now(xs) - opts->tsecr;
	if (ms >= 3600 * MSEC_PER_SEC)
		return 0;	/* an echo from the future, or ancient */
	return max(ms, 1U) * USEC_PER_MSEC;
}

/*
 * RFC 7323 4.3 (and 5.3 R3): TS.Recent from a segment that covers
 * Last.ACK.sent, so our ACKs echo the segment that made them (the one
 * that filled a hole, not those held beyond it).
 */
static void ts_recent_update(struct xtcp_sock *xs, const struct xtcp_skb_cb *cb,
			     const struct xtcp_options *opts)
{
	if (xs->ts_ok && opts->saw_tstamp &&
	    xtcp_seq_after_eq(opts->tsval, xs->ts_recent) &&
	    xtcp_seq_before_eq(cb->seq, xs->rcv_acked)) {
		xs->ts_recent = opts->tsval;
		xs->ts_recent_stamp = ktime_get_seconds();
	}
}

/*
 * Whether SEG.ACK is one rcv_ack() takes: not beyond SND.NXT (RFC 9293
 * 3.10.7.4), not below SND.UNA - MAX.SND.WND (RFC 5961 5.2).
 */
static bool ack_acceptable(const struct xtcp_sock *xs,
			   const struct xtcp_skb_cb *cb)
{
	return (cb->flags & XTCP_ACK) &&
	       !xtcp_seq_after(cb->ack_seq, xs->snd_nxt) &&
	       !xtcp_seq_before(cb->ack_seq, xs->snd_una - xs->max_snd_wnd);
}

/*
 * TCP_DEFER_ACCEPT: while the listener's deferral lasts (counted in
 * SYN-ACK timeouts, timer.c), an ACK that brings no data does not
 * complete a child's handshake; the child waits for data (Linux's
 * tcp_check_req()).
 */
static bool defer_bare_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* a SYN cookie's child has no SYN-ACK to resend: not deferred */
	if (!xs->parent || xs->from_cookie || skb->len ||
	    (XTCP_SKB_CB(skb)->flags & XTCP_FIN) ||
	    xs->retries >= READ_ONCE(xtcp_sk(xs->parent)->defer_accept))
		return false;
	xs->defer_acked = 1;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPDEFERACCEPTDROP);
	return true;
}

/*
 * Fifth check: the ACK field. Return false if the segment is to be
 * dropped here.
 */
static bool rcv_ack(struct sock *sk, struct sk_buff *skb,
		    const struct xtcp_options *opts)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 ack = cb->ack_seq, prior_una = xs->snd_una, prior_fack;
	u32 wnd = (u32)cb->wnd << xs->snd_wscale;	/* RFC 7323 2.3 */
	u32 newly_sacked = 0;
	bool dupack;

	if (!(cb->flags & XTCP_ACK))
		return false;

	if (sk->sk_state == TCP_SYN_RECV) {
		/* SND.UNA < SEG.ACK =< SND.NXT completes the handshake. */
		if (!xtcp_seq_after(ack, xs->snd_una) ||
		    xtcp_seq_after(ack, xs->snd_nxt)) {
			reply_rst(sk, skb);	/* <SEQ=SEG.ACK><CTL=RST> */
			return false;
		}
		if (defer_bare_ack(sk, skb))
			return false;
		if (xs->parent && !xtcp_child_established(sk)) {
			/* accept queue full: as if lost; the peer is known
			 * to be there, so a deferral resends no SYN-ACK
			 * until its last timeout (tcp_check_req())
			 */
			xs->defer_acked = 1;
			return false;
		}
		xtcp_transition(sk, XTCP_EV_RCV_ACK_OF_SYN);
		if (xs->syn_rtx)	/* RFC 5681 3.1: a lost SYN-ACK: IW 1 */
			xs->cong.cwnd = xtcp_send_mss(xs);
		xs->snd_wnd = wnd;
		xs->max_snd_wnd = wnd;
		xs->snd_wl1 = cb->seq;
		xs->snd_wl2 = ack;
		xtcp_sndbuf_expand(sk);
		xtcp_rcv_mss_init(xs);
		xtcp_timer_event_keepalive(sk, sock_flag(sk, SOCK_KEEPOPEN));
		xs->counts.last_data_rcv = ktime_get();
		sk->sk_state_change(sk);
	}

	if (xtcp_seq_after(ack, xs->snd_nxt)) {
		/* Acknowledges something not yet sent: ACK, drop (3.10.7.4) */
		xtcp_send_oow_ack(sk);
		return false;
	}
	if (xtcp_seq_before(ack, xs->snd_una - xs->max_snd_wnd)) {
		/* Far below SND.UNA: RFC 5961 5.2 says drop and ACK. */
		xtcp_send_challenge_ack(sk);
		return false;
	}
	/* Acceptable: only now may its TSval become TS.Recent (RFC 7323
	 * 5.3), lest a forged segment move it and PAWS refuse the true
	 * peer (Linux updates it in tcp_ack() past the same checks). So
	 * may the keepalive clock: only an acceptable segment shows the
	 * peer alive (tcp_ack() sets rcv_tstamp).
	 */
	ts_recent_update(xs, cb, opts);
	xtcp_timer_event_received(sk);

	/* RFC 5681 2: a duplicate ACK (the window unchanged, or SACK news) */
	dupack = ack == xs->snd_una && xs->snd_una != xs->snd_nxt &&
		 !skb->len && !(cb->flags & (XTCP_SYN | XTCP_FIN)) &&
		 (wnd == xs->snd_wnd || opts->num_sacks);
	prior_fack = xtcp_cong_fack(&xs->cong, prior_una);
	if (xs->sack_ok && opts->num_sacks) {
		xtcp_rate_dsack(sk, opts->sacks, opts->num_sacks, ack);
		newly_sacked = xtcp_cong_on_sack(&xs->cong, opts->sacks,
						 opts->num_sacks,
						 xtcp_seq_max(ack, xs->snd_una),
						 xs->snd_nxt,
						 xtcp_send_mss(xs));
	}

	if (xtcp_seq_after(ack, xs->snd_una)) {
		u32 rtt_us = ts_rtt_us(xs, opts);

		/* An echo of a copy sent before we resent measures our
		 * wait too (Karn's rule, cong.c)
		 */
		if (xtcp_cong_echo_predates_rtx(&xs->cong, opts->tsecr))
			rtt_us = 0;
		/* not a passive opener's SYN: Linux's starts past it */
		xs->counts.bytes_acked += ack - xtcp_seq_max(xs->snd_una,
							     xs->iss + 1);
		WRITE_ONCE(xs->snd_una, ack);
		xtcp_urg_acked(xs);
		if (ack == xs->snd_nxt)		/* nothing in flight */
			xtcp_chrono_stop(sk, XTCP_CHRONO_BUSY);
		WRITE_ONCE(sk->sk_err_soft, 0);	/* an ICMP's doubt is over */
		xtcp_clean_acked(sk);
		xtcp_timer_event_acked(sk, rtt_us);
	}
	if (xtcp_seq_after(prior_una, xs->iss)) {	/* not our SYN's ACK */
		u8 prior_state = xs->cong.state;
		struct xtcp_ack_sample a = {
			.prior_una = prior_una,
			.prior_fack = prior_fack,
			.snd_una = xs->snd_una,
			.snd_nxt = xs->snd_nxt,
			.dupack = dupack,
			.sack_ok = xs->sack_ok,
			.ts_echo = xs->ts_ok && opts->saw_tstamp,
			.tsecr = opts->tsecr,
			.mss = xtcp_send_mss(xs),
		};

		/* RFC 8985 7.4: did a tail loss probe repair a loss? Not
		 * when the ACK is a pure duplicate (tcp_process_tlp_ack():
		 * no data or FIN, nothing new acknowledged or SACKed, no
		 * window update, as tcp_may_update_window() tells)
		 */
		xtcp_tlp_on_ack(sk, ack, prior_una, opts->sacks,
				opts->num_sacks,
				xs->snd_una != prior_una || newly_sacked ||
				skb->len || (cb->flags & XTCP_FIN) ||
				xtcp_seq_after(cb->seq, xs->snd_wl1) ||
				(cb->seq == xs->snd_wl1 &&
				 (wnd > xs->snd_wnd || !wnd)));
		xtcp_cong_on_ack(&xs->cong, &a);
		xtcp_rate_on_ack(sk);
		/* before counting a recovery: a lost probe begins none */
		xtcp_mtu_probe_acked(sk, prior_state);
		/* a recovery (or a lost MTU probe's) ends a probe's episode */
		if (xs->cong.state != XTCP_CA_OPEN)
			xs->tlp_out = 0;
		if (xs->cong.state == XTCP_CA_RECOVERY &&
		    prior_state != XTCP_CA_RECOVERY)
			XTCP_EXT_INC(sock_net(sk), xs->sack_ok ?
				     LINUX_MIB_TCPSACKRECOVERY :
				     LINUX_MIB_TCPRENORECOVERY);
		if (xs->snd_una != prior_una)
			xtcp_timer_event_ack_done(sk);
		if (xs->snd_una != prior_una || newly_sacked)
			xtcp_timer_event_delivered(sk);
		if (xs->snd_una != prior_una &&
		    xtcp_cong_sack_reneged(&xs->cong, xs->snd_una))
			xtcp_timer_event_sack_reneged(sk);
	}

	/*
	 * Window update (RFC 9293 3.10.7.4): "If SND.UNA =< SEG.ACK =<
	 * SND.NXT, the send window should be updated. If (SND.WL1 < SEG.SEQ
	 * or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK))". An ACK below
	 * SND.UNA is old: its window is too.
	 */
	if (!xtcp_seq_before(ack, prior_una) &&
	    (xtcp_seq_before(xs->snd_wl1, cb->seq) ||
	     (xs->snd_wl1 == cb->seq && xtcp_seq_before_eq(xs->snd_wl2, ack)))) {
		if (!xs->snd_wnd && wnd)
			xtcp_timer_event_window_opened(sk);
		xs->snd_wnd = wnd;
		xs->snd_wl1 = cb->seq;
		xs->snd_wl2 = ack;
		if (xs->snd_wnd > xs->max_snd_wnd) {
			xs->max_snd_wnd = xs->snd_wnd;
			xtcp_sndbuf_expand(sk);
		}
	}

	/* Our FIN acknowledged: the per-state arcs of the diagram. */
	if (xtcp_fin_sent(xs) && xs->snd_una == xs->snd_nxt) {
		switch (sk->sk_state) {
		case TCP_FIN_WAIT1:
			xtcp_transition(sk, XTCP_EV_RCV_ACK_OF_FIN);
			sk->sk_state_change(sk);
			if (!sock_flag(sk, SOCK_DEAD))
				break;
			if (READ_ONCE(xs->linger2) < 0) {
				xtcp_abort_on_linger(sk);
				return false;
			}
			xtcp_timer_event_fin_wait2(sk);
			break;
		case TCP_CLOSING:
			xtcp_transition(sk, XTCP_EV_RCV_ACK_OF_FIN);
			xtcp_time_wait(sk);
			return false;
		case TCP_LAST_ACK:
			xtcp_transition(sk, XTCP_EV_RCV_ACK_OF_FIN);
			xtcp_done(sk);
			return false;
		}
	}
	return true;
}

/*
 * RFC 7323 5.3 R1 (PAWS): a segment whose TSval is older than TS.Recent
 * is an old duplicate: drop it, and ACK unless it is a RST. TS.Recent
 * older than 24 days is stale (5.5) and rejects nothing.
 */
static bool paws_reject(struct sock *sk, struct sk_buff *skb,
			const struct xtcp_options *opts)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ts_ok || !opts->saw_tstamp ||
	    (XTCP_SKB_CB(skb)->flags & XTCP_RST) ||
	    !xtcp_seq_before(opts->tsval, xs->ts_recent))
		return false;
	if (ktime_get_seconds() - xs->ts_recent_stamp > 24 * 24 * 3600)
		return false;
	xtcp_send_ack(sk);
	return true;
}

/*
 * The receiver's round-trip time, for receive buffer auto-tuning: how
 * long our TSval took to come back on the peer's data (as Linux's
 * tcp_rcv_rtt_measure_ts), smoothed 7/8.
 */
static void rcv_rtt_measure(struct xtcp_sock *xs,
			    const struct xtcp_options *opts)
{
	u32 us = ts_rtt_us(xs, opts);

	if (!us)
		return;
	xs->rcv_rtt_us = xs->rcv_rtt_us ? xs->rcv_rtt_us - xs->rcv_rtt_us / 8 +
					  us / 8 : us;
}

/* Eighth check: FIN. @skb's FIN is in sequence (at RCV.NXT). */
static void rcv_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	WRITE_ONCE(xs->rcv_nxt, xs->rcv_nxt + 1);	/* the FIN's */
	xs->counts.bytes_received++;
	xs->fin_rcvd = 1;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	xtcp_send_ack(sk);

	/* FIN-WAIT-1 whose FIN is acked went to FIN-WAIT-2 in rcv_ack(). */
	xtcp_transition(sk, XTCP_EV_RCV_FIN);
	if (sk->sk_state == TCP_TIME_WAIT) {
		xtcp_time_wait(sk);
		return;
	}

	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		/* POLL_HUP when both directions are done, POLL_IN otherwise */
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/*
 * RFC 9293 3.10.7.4: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2,
 * CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT. Return true if @skb was
 * queued for the application (consumed).
 */
static bool rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 wnd = rcv_wnd(xs);
	bool text_ok = true, queued = false, fin, ofo_fin = false;
	struct xtcp_options opts;
	u32 end_seq;

	xtcp_parse_options((u8 *)(tcp_hdr(skb) + 1),
			   tcp_hdr(skb)->doff * 4 - sizeof(struct tcphdr), &opts);

	/* TIME-WAIT: a FIN again (ours was lost): ACK it, wait anew. */
	if (sk->sk_state == TCP_TIME_WAIT && (cb->flags & XTCP_FIN) &&
	    !(cb->flags & XTCP_RST)) {
		xtcp_send_ack(sk);
		xtcp_timer_event_time_wait(sk);
		return false;
	}

	/*
	 * A duplicate of the SYN that made this child: resend SYN-ACK, at
	 * most once per 500 ms (tcp_check_req()): a spoofer repeating the
	 * SYN must not get a SYN-ACK for each copy.
	 */
	if (sk->sk_state == TCP_SYN_RECV && (cb->flags & XTCP_SYN) &&
	    !(cb->flags & (XTCP_ACK | XTCP_RST)) && cb->seq == xs->irs) {
		if (xtcp_oow_rate_limited(sk))
			XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPACKSKIPPEDSYNRECV);
		else
			xtcp_send_syn(sk);
		return false;
	}

	if (paws_reject(sk, skb, &opts))
		return false;

	/* first: sequence number */
	if (!xtcp_seq_acceptable(cb->seq, cb->end_seq - cb->seq,
				 xs->rcv_nxt, wnd)) {
		/*
		 * "If the RCV.WND is zero, no segments will be acceptable,
		 * but special allowance should be made to accept valid ACKs,
		 * URGs, and RSTs": a segment at RCV.NXT keeps its control
		 * bits; its text is dropped.
		 */
		if (wnd || cb->seq != xs->rcv_nxt) {
			u32 data_seq = cb->seq + !!(cb->flags & XTCP_SYN);

			/* Text: the peer resends, ACK it now. A zero window
			 * answers every probe (3.8.6.1). Else no text may be
			 * an ACK loop: rate-limited (tcp_oow_rate_limited).
			 */
			if (cb->flags & XTCP_RST)
				return false;
			/*
			 * A resending of what we have: our ACK was lost.
			 * The reply echoes this copy's TSval. RFC 7323 5.3
			 * would echo what filled the last hole, and the
			 * peer would take the time it waited to resend for
			 * a round trip: under heavy loss its RTO grew to
			 * tens of seconds. Only a copy at most a receive
			 * buffer old, whose ACK rcv_ack() would take,
			 * counts: TS.Recent guards PAWS, and a forged copy
			 * must not move it (Linux too updates it from a
			 * duplicate only past its ACK check).
			 */
			if (xtcp_seq_after_eq(cb->seq, xs->rcv_nxt -
					      READ_ONCE(sk->sk_rcvbuf)) &&
			    ack_acceptable(xs, cb))
				ts_recent_update(xs, cb, &opts);
			/* Text we have whole: a D-SACK (RFC 2883 4) */
			if (skb->len && xtcp_seq_before_eq(data_seq + skb->len,
							   xs->rcv_nxt))
				xtcp_ofo_dsack(&xs->ofo, data_seq,
					       data_seq + skb->len);
			if (cb->flags & XTCP_SYN)	/* RFC 5961 4.2 */
				xtcp_send_challenge_ack(sk);
			else if (skb->len || !wnd)
				xtcp_send_ack(sk);
			else
				xtcp_send_oow_ack(sk);
			return false;
		}
		text_ok = false;
	}

	/* second: RST */
	if (cb->flags & XTCP_RST) {
		check_rst(sk, skb);
		return false;
	}

	/* fourth: SYN in a synchronized state: challenge ACK (RFC 5961 4.2) */
	if (cb->flags & XTCP_SYN) {
		xtcp_send_challenge_ack(sk);
		return false;
	}

	/* fifth: ACK (TS.Recent moves there, once the ACK is acceptable) */
	if (!rcv_ack(sk, skb, &opts))
		return false;

	/* sixth: the URG bit (urg.c) */
	xtcp_urg_rcv(sk, skb);

	/*
	 * seventh: text, in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2. The
	 * skb may be queued: read the FIN flag and end before that.
	 */
	fin = (cb->flags & XTCP_FIN) && (text_ok || !skb->len);
	end_seq = cb->end_seq;

	/*
	 * New text for a socket the application closed for reading (close(),
	 * not shutdown(SHUT_WR)) has nobody to go to: RFC 1122 4.2.2.13 says
	 * reset, as Linux does (LINUX_MIB_TCPABORTONDATA).
	 */
	if (text_ok && skb->len && (sk->sk_shutdown & RCV_SHUTDOWN) &&
	    ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	    xtcp_seq_after(end_seq - !!(cb->flags & XTCP_FIN), xs->rcv_nxt)) {
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPABORTONDATA);
		xtcp_abort(sk, 0);
		return false;
	}
	if (text_ok && skb->len &&
	    ((1 << sk->sk_state) &
	     (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))) {
		rcv_rtt_measure(xs, &opts);
		queued = xtcp_queue_data(sk, skb, &ofo_fin);
	}

	/* eighth: FIN, once everything before it has arrived (this
	 * segment's, or one held out of order that it completed)
	 */
	if (((fin && end_seq - 1 == xs->rcv_nxt) || ofo_fin) &&
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT)))
		rcv_fin(sk);

	xtcp_push(sk);
	/* What went out may leave fewer bytes unsent than
	 * TCP_NOTSENT_LOWAT: wake the writer then (tcp_check_space()).
	 */
	if (xs->notsent_lowat && sk->sk_socket &&	/* none yet: a child */
	    test_bit(SOCK_NOSPACE, &sk->sk_socket->flags))
		sk->sk_write_space(sk);
	return queued;
}

/**
 * xtcp_rcv_state_process() - process one segment for @sk
 * @sk: the socket, locked (by softirq, or owned by a process replaying
 *	its backlog)
 * @skb: the segment: data at the payload, XTCP_SKB_CB filled; consumed
 */
void xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	xtcp_assert_locked(sk);
	trace_xtcp_segment(sk, sk->sk_state, false, ip_hdr(skb)->saddr,
			   ip_hdr(skb)->daddr, tcp_hdr(skb), skb->len,
			   (1 << sk->sk_state) & (TCPF_LISTEN | TCPF_SYN_SENT) ?
			   XTCP_TRACE_WSCALE_UNKNOWN : xtcp_sk(sk)->snd_wscale);

	if (sk->sk_state != TCP_LISTEN) {	/* as tcp_segs_in() */
		u16 segs = max_t(u16, 1, skb_shinfo(skb)->gso_segs);

		xtcp_sk(sk)->counts.segs_in += segs;
		if (skb->len)
			xtcp_sk(sk)->counts.data_segs_in += segs;
	}
	switch (sk->sk_state) {
	case TCP_CLOSE:
		/*
		 * Found before it closed (a lookup on another CPU, the
		 * backlog): the connection may live on as a TIME-WAIT
		 * record that would ACK this, so no RST (3.10.7.1 is for
		 * no TCB at all, answered by xtcp_nf_hook); the peer
		 * resends. Linux's tcp_rcv_state_process() drops it too.
		 */
		break;
	case TCP_LISTEN:
		if (rcv_listen(sk, skb))
			return;		/* a SYN cookie's connection took it */
		break;
	case TCP_SYN_SENT:
		rcv_syn_sent(sk, skb);
		break;
	default:
		if (rcv_synchronized(sk, skb))
			return;		/* queued for the application */
	}
	kfree_skb(skb);
}

/*
 * sk->sk_backlog_rcv: segments that arrived while a process owned @sk,
 * replayed by __release_sock() in process context with BHs enabled. BHs
 * go off here, as in the softirq path: a listener locks the child it
 * makes (rcv_listen), and what it sends on loopback or veth is received
 * in a softirq on this CPU as soon as BHs are enabled again.
 */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	local_bh_disable();
	xtcp_rcv_state_process(sk, skb);
	local_bh_enable();
	return 0;
}

/* The segment's flag byte, as XTCP_SKB_CB()->flags holds it. */
static u8 th_flags(const struct tcphdr *th)
{
	return ((const u8 *)th)[13] & 0x3f;
}

/*
 * Check the TCP header of @skb (data at the TCP header) and fill
 * XTCP_SKB_CB. Return false for a segment to drop: short header, bad
 * data offset, bad checksum (RFC 9293 3.1: MUST-2, MUST-3). Counted as
 * tcp_v4_rcv() counts: InSegs, and InErrs (InCsumErrors) for the bad.
 */
static bool segment_valid(struct net *net, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th;
	unsigned int hlen;

	XTCP_INC_STATS(net, TCP_MIB_INSEGS);
	if (!pskb_may_pull(skb, sizeof(*th)))
		return false;
	th = tcp_hdr(skb);
	hlen = th->doff * 4;
	if (hlen < sizeof(*th)) {
		XTCP_INC_STATS(net, TCP_MIB_INERRS);
		return false;
	}
	if (!pskb_may_pull(skb, hlen))
		return false;
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    (!skb_csum_unnecessary(skb) && __skb_checksum_complete(skb))) {
		XTCP_INC_STATS(net, TCP_MIB_CSUMERRORS);
		XTCP_INC_STATS(net, TCP_MIB_INERRS);
		return false;
	}

	th = tcp_hdr(skb);
	cb->seq = ntohl(th->seq);
	cb->flags = th_flags(th);
	cb->end_seq = cb->seq + skb->len - hlen +
		      !!(cb->flags & XTCP_SYN) + !!(cb->flags & XTCP_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->wnd = ntohs(th->window);
	cb->offset = 0;
	__skb_pull(skb, hlen);		/* data at the payload from here on */
	return true;
}

/*
 * What tcp_filter() asks of a segment before its socket sees it, through
 * sk_filter_trim_cap(), shown the TCP header at offset 0: the socket's
 * filter (SO_ATTACH_FILTER, SO_ATTACH_BPF), then cgroup-BPF ingress and
 * the LSM's sock_rcv_skb. The last two look only at AF_INET and AF_INET6
 * sockets (SELinux, Smack and __cgroup_bpf_run_filter_skb() return early
 * for other families), so for xtcp's they pass everything: see README,
 * "Not yet". A filter may trim the payload, never the header. Return
 * true to drop @skb.
 */
static bool filter_drop(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	unsigned int hlen = tcp_hdrlen(skb);

	__skb_push(skb, hlen);
	if (sk_filter_trim_cap(sk, skb, hlen)) {
		__skb_pull(skb, hlen);
		return true;
	}
	__skb_pull(skb, hlen);
	cb->end_seq = cb->seq + skb->len + !!(cb->flags & XTCP_SYN) +
		      !!(cb->flags & XTCP_FIN);
	return false;
}

/*
 * Process @skb for @sk now, or queue it on the backlog of the process that
 * owns @sk (dropped if that is full: the peer retransmits). Consumes @skb
 * and the caller's reference on @sk, once.
 */
static void deliver(struct sock *sk, struct sk_buff *skb)
{
	/* As tcp_add_backlog(): room for a full receive buffer twice, half
	 * the send buffer in ACKs, and some slack.
	 */
	u64 limit = ((u64)READ_ONCE(sk->sk_rcvbuf) << 1) +
		    (READ_ONCE(sk->sk_sndbuf) >> 1) + 64 * 1024;

	if (filter_drop(sk, skb)) {
		kfree_skb(skb);
		sock_put(sk);
		return;
	}
	skb->dev = NULL;	/* held without a reference, as tcp_v4_rcv() */
	/* Subclass 1, so a listener can lock a new child (as tcp_v4_rcv). */
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk))
		xtcp_rcv_state_process(sk, skb);
	else if (sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX)))
		kfree_skb(skb);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * Confirm @skb's connection-tracking entry, as the last LOCAL_IN hook
 * (nf_confirm) would have after xtcp's: else the entry of each of xtcp's
 * connections dies unconfirmed with every segment, and NAT cannot map
 * the replies back (a REDIRECT to an xtcp listener would answer from the
 * port it redirected to). Through nf_ct_hook, so that xtcp needs no
 * conntrack module; what nf_confirm() adds besides (helpers, sequence
 * adjustment, cached events) xtcp's connections go without. Return false
 * if conntrack wants @skb dropped.
 */
static bool ct_confirm(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	const struct nf_ct_hook *ct_hook;
	struct nf_conn *ct = (struct nf_conn *)skb_nfct(skb);
	int verdict = NF_ACCEPT;

	if (!ct || nf_ct_is_confirmed(ct))
		return true;
	rcu_read_lock();
	ct_hook = rcu_dereference(nf_ct_hook);
	if (ct_hook)
		verdict = ct_hook->confirm(skb);
	rcu_read_unlock();
	return verdict == NF_ACCEPT;
#else
	return true;
#endif
}

/* Take @skb off the IP layer for xtcp: data at the TCP header. */
static void steal(struct sk_buff *skb, unsigned int thoff)
{
	__skb_pull(skb, thoff);
	skb_reset_transport_header(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
}

/* The listener for a segment (conn_table.c), SO_REUSEPORT's pick made. */
static struct sock *listener_for(struct net *net, const struct iphdr *iph,
				 const struct tcphdr *th, int dif, int sdif)
{
	const struct xtcp_lookup l = {
		.net = net,
		.saddr = iph->saddr, .daddr = iph->daddr,
		.sport = th->source, .dport = th->dest,
		.dif = dif, .sdif = sdif,
	};

	return xtcp_lookup_listener(&l);
}

/*
 * A segment for a connection in TIME-WAIT (tw.c); a new SYN goes on to a
 * listener, as if the record had not been there.
 */
static unsigned int tw_segment(struct net *net, struct xtcp_tw *tw,
			       struct sk_buff *skb, unsigned int thoff,
			       int dif, int sdif)
{
	enum xtcp_tw_verdict v = XTCP_TW_DONE;
	struct sock *sk;

	if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb) || !ct_confirm(skb)) {
		xtcp_tw_put(tw);
		return NF_DROP;
	}
	steal(skb, thoff);
	if (!segment_valid(net, skb)) {
		xtcp_tw_put(tw);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	v = xtcp_tw_rcv(tw, skb);
	if (v == XTCP_TW_NEW_SYN) {
		/* The record ends only if a listener takes the SYN. */
		sk = listener_for(net, ip_hdr(skb), tcp_hdr(skb), dif, sdif);
		if (sk) {
			xtcp_tw_kill(tw);
			xtcp_tw_put(tw);
			deliver(sk, skb);
			return NF_STOLEN;
		}
		xtcp_tw_ack(tw);
	}
	xtcp_tw_put(tw);
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * Sharing a port with the kernel's TCP (SO_REUSEADDR on both sides): a
 * segment is the kernel's if the kernel's TCP has a connection, request
 * or TIME-WAIT of its own for its 4-tuple, or, where no xtcp socket wants
 * it, a listener of its own on its port. As tcp_v4_rcv() looks up, but
 * for a yes or no (no skb for reuseport or sk_lookup programs to select
 * with: the answer is the same); xtcp's own shadows do not count. @dif
 * and @sdif are the device's, read before the skb's cb was taken over.
 * The netfilter hook runs under rcu_read_lock(), which these need.
 *
 * With @listener_waits (an xtcp listener holds the port), a SYN that may
 * start a new connection over a kernel TIME-WAIT (beyond its sequence
 * space, as tcp_timewait_state_process()'s TCP_TW_SYN) is not the
 * kernel's: that TIME-WAIT ends, as the kernel ends it for its own
 * listener, and the SYN goes to xtcp's. (Handed to the kernel, it would
 * find the listening shadow.)
 */
static bool kernel_tcp_conn(struct net *net, const struct iphdr *iph,
			    const struct tcphdr *th, int dif, int sdif,
			    bool listener_waits)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct sock *ksk;
	bool theirs;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "xtcp: lookup outside RCU");
	ksk = __inet_lookup_established(net, hinfo, iph->saddr, th->source,
					iph->daddr, ntohs(th->dest), dif, sdif);
	if (!ksk)
		return false;
	if (listener_waits && ksk->sk_state == TCP_TIME_WAIT &&
	    (th_flags(th) & (XTCP_SYN | XTCP_ACK | XTCP_FIN | XTCP_RST)) ==
	    XTCP_SYN &&
	    xtcp_seq_after(ntohl(th->seq), tcp_twsk(ksk)->tw_rcv_nxt)) {
		inet_twsk_deschedule_put(inet_twsk(ksk));
		return false;
	}
	theirs = !xtcp_is_shadow(ksk);
	sock_gen_put(ksk);
	return theirs;
}

/* ... and a listener of its own. */
static bool kernel_tcp_listener(struct net *net, const struct iphdr *iph,
				const struct tcphdr *th, int dif, int sdif)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct sock *ksk;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "xtcp: lookup outside RCU");
	ksk = __inet_lookup_listener(net, hinfo, NULL, 0, iph->saddr,
				     th->source, iph->daddr, ntohs(th->dest),
				     dif, sdif);
	return ksk && !xtcp_is_shadow(ksk);	/* RCU, no reference */
}

/*
 * A segment for one of xtcp's TIME-WAIT records @tw that is the kernel's
 * all the same: the kernel's TCP has a connection on the 4-tuple, or it
 * is a SYN the record would pass on to a listener (RFC 9293 MAY-2, the
 * record's own test) and the kernel's TCP, not xtcp, has the listener.
 * The record then ends, as when an xtcp listener takes such a SYN: the
 * connection's later segments must reach the kernel too (with SYN
 * cookies its listener keeps nothing for them to match).
 */
static bool tw_leaves_to_kernel(struct net *net, struct xtcp_tw *tw,
				const struct iphdr *iph,
				const struct tcphdr *th, int dif, int sdif)
{
	struct sock *sk;

	if (kernel_tcp_conn(net, iph, th, dif, sdif, false))
		return true;
	if (!xtcp_tw_syn_anew(tw, th_flags(th), ntohl(th->seq)))
		return false;
	sk = listener_for(net, iph, th, dif, sdif);
	if (sk) {
		sock_put(sk);
		return false;
	}
	if (!kernel_tcp_listener(net, iph, th, dif, sdif))
		return false;
	xtcp_tw_kill(tw);
	return true;
}

/*
 * NF_INET_LOCAL_IN: take the segments of xtcp's sockets and ports
 * (NF_STOLEN), leave every other packet to the stack (NF_ACCEPT).
 */
static unsigned int xtcp_nf_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct net *net = state->net;
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct xtcp_tw *tw;
	unsigned int thoff;
	struct sock *sk;
	int dif, sdif;
	bool held;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_ICMP)
		return xtcp_icmp_rcv(net, skb);		/* icmp.c */
	if (iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	dif = inet_iif(skb);		/* IPCB: before XTCP_SKB_CB takes cb */
	sdif = inet_sdif(skb);
	thoff = ip_hdrlen(skb);
	if (!pskb_may_pull(skb, thoff + sizeof(*th)))
		return NF_ACCEPT;	/* the kernel's TCP drops it */
	iph = ip_hdr(skb);
	th = (const struct tcphdr *)(skb->data + thoff);

	/*
	 * A connection, else a TIME-WAIT record, else a listener; the last
	 * two only if the kernel's TCP has no connection for the 4-tuple,
	 * and a record's new SYN only if no kernel listener would take it.
	 */
	sk = xtcp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				     th->dest, dif, sdif);
	if (!sk) {
		tw = xtcp_tw_lookup(net, iph->saddr, th->source, iph->daddr,
				    th->dest, dif, sdif);
		if (tw && !tw_leaves_to_kernel(net, tw, iph, th, dif, sdif))
			return tw_segment(net, tw, skb, thoff, dif, sdif);
		if (tw) {
			xtcp_tw_put(tw);
			return NF_ACCEPT;
		}
		sk = listener_for(net, iph, th, dif, sdif);
		if (sk && kernel_tcp_conn(net, iph, th, dif, sdif, true)) {
			sock_put(sk);
			return NF_ACCEPT;
		}
	}
	if (!sk) {
		rcu_read_lock();
		held = xtcp_port_held(net, iph->daddr, th->dest) &&
		       !kernel_tcp_conn(net, iph, th, dif, sdif, false) &&
		       !kernel_tcp_listener(net, iph, th, dif, sdif);
		rcu_read_unlock();
		if (!held)
			return NF_ACCEPT;
	}

	/* IP_MINTTL (RFC 5082), as tcp_v4_rcv() */
	if (sk && iph->ttl < READ_ONCE(inet_sk(sk)->min_ttl)) {
		XTCP_EXT_INC(net, LINUX_MIB_TCPMINTTLDROP);
		sock_put(sk);
		return NF_DROP;
	}

	/* Ours from here on: first the IPsec policy, as tcp_v4_rcv(). */
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb) || !ct_confirm(skb)) {
		if (sk)
			sock_put(sk);
		return NF_DROP;
	}
	steal(skb, thoff);
	if (!segment_valid(net, skb))
		goto drop;
	if (!sk) {
		/* 3.10.7.1: a port of ours with no such connection */
		trace_xtcp_segment(NULL, TCP_CLOSE, false, ip_hdr(skb)->saddr,
				   ip_hdr(skb)->daddr, tcp_hdr(skb), skb->len,
				   XTCP_TRACE_WSCALE_UNKNOWN);
		xtcp_reply_rst(net, skb);
		goto drop;
	}

	deliver(sk, skb);
	return NF_STOLEN;

drop:
	if (sk)
		sock_put(sk);
	kfree_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops xtcp_nf_ops = {
	.hook		= xtcp_nf_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	/* After filtering and NAT, so iptables rules apply to xtcp too. */
	.priority	= NF_IP_PRI_LAST - 1,
};

static int __net_init xtcp_input_net_init(struct net *net)
{
	return nf_register_net_hook(net, &xtcp_nf_ops);
}

static void __net_exit xtcp_input_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &xtcp_nf_ops);
}

static struct pernet_operations xtcp_input_net_ops = {
	.init = xtcp_input_net_init,
	.exit = xtcp_input_net_exit,
};

int xtcp_input_register(void)
{
	return register_pernet_subsys(&xtcp_input_net_ops);
}

void xtcp_input_unregister(void)
{
	unregister_pernet_subsys(&xtcp_input_net_ops);
}
