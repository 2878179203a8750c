// SPDX-License-Identifier: GPL-2.0
/*
 * TIME-WAIT without a socket: when a connection enters TIME-WAIT its
 * socket hands a small record the little it still needs (the 4-tuple,
 * SND.NXT, RCV.NXT, the port) and closes, so that many connections can
 * wait out 2 MSL cheaply (RFC 9293 3.6.1). The record re-acknowledges a
 * retransmitted FIN and restarts the wait, dies on an acceptable RST, and
 * lets a new SYN through to a listener (RFC 9293 3.10.7.4; MAY-2).
 *
 * References: the table holds one until the record is killed, an armed
 * timer one, each lookup one; the last put frees it after RCU.
 *
 * A namespace holds at most net.xtcp.max_tw_buckets records: beyond that
 * a connection entering TIME-WAIT closes at once, as Linux's does
 * (tcp_max_tw_buckets: "only to prevent simple DoS attacks"). Its port
 * is free again and a late FIN of the peer is answered by a RST.
 */
#include <linux/slab.h>
#include <net/tcp.h>

#include "seq.h"
#include "trace.h"
#include "tw.h"
#include "xtcp.h"

static struct kmem_cache *tw_cache;

static void tw_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tw_cache, container_of(head, struct xtcp_tw, rcu));
}

void xtcp_tw_put(struct xtcp_tw *tw)
{
	if (refcount_dec_and_test(&tw->ref))
		call_rcu(&tw->rcu, tw_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tw_put);

/*
 * (Re)start the 2 MSL wait, unless the record is dying. If the wait is
 * ending right now (its callback runs on another CPU), the record dies
 * with it: a FIN that races the end of TIME-WAIT finds no one, as if it
 * had come a moment later. Re-arming there would leave the timer queued
 * on a record the callback takes out of the table, where module unload
 * (xtcp_tw_purge) could no longer find it.
 */
static void tw_arm(struct xtcp_tw *tw)
{
	u32 ms = 2 * READ_ONCE(xtcp_net(tw->net)->msl_ms);
	int queued;

	spin_lock_bh(&tw->lock);
	if (!tw->dead) {
		queued = hrtimer_try_to_cancel(&tw->timer);
		if (queued >= 0) {
			if (!queued)
				refcount_inc(&tw->ref);	/* the armed timer's */
			hrtimer_start(&tw->timer, ms_to_ktime(ms),
				      HRTIMER_MODE_REL_SOFT);
		}
	}
	spin_unlock_bh(&tw->lock);
}

/**
 * xtcp_tw_kill() - leave the table and let the port go: TIME-WAIT ->
 * CLOSED (an acceptable RST, the 2 MSL expiry, a new SYN a listener takes)
 * @tw: the record, with the caller's reference
 */
void xtcp_tw_kill(struct xtcp_tw *tw)
{
	bool was_armed;

	spin_lock_bh(&tw->lock);
	if (tw->dead) {
		spin_unlock_bh(&tw->lock);
		return;
	}
	tw->dead = true;
	was_armed = hrtimer_try_to_cancel(&tw->timer) == 1;
	spin_unlock_bh(&tw->lock);

	trace_xtcp_state(tw->id, tw->saddr, tw->daddr, tw->sport, tw->dport,
			 TCP_TIME_WAIT, TCP_CLOSE);
	xtcp_tw_unhash(tw);
	/* before the port, whose last drop may let the namespace go */
	atomic_dec(&xtcp_net(tw->net)->tw_count);
	xtcp_port_drop(tw->port, false);
	if (was_armed)
		xtcp_tw_put(tw);
	xtcp_tw_put(tw);	/* the table's */
}

static enum hrtimer_restart tw_timer_fn(struct hrtimer *t)
{
	struct xtcp_tw *tw = container_of(t, struct xtcp_tw, timer);

	XTCP_EXT_INC(tw->net, LINUX_MIB_TIMEWAITED);	/* as tw_timer_handler() */
	if (!data_race(tw->dead))	/* else killed meanwhile: no event */
		trace_xtcp_timer(tw->id, tw->saddr, tw->daddr, tw->sport,
				 tw->dport, XTCP_TIMER_TIME_WAIT, 0, 0,
				 TCP_TIME_WAIT);
	xtcp_tw_kill(tw);
	xtcp_tw_put(tw);	/* the expired timer's */
	return HRTIMER_NORESTART;
}

/**
 * xtcp_time_wait() - move a connection entering TIME-WAIT into a record
 * @sk: the connection, locked, just transitioned to TIME-WAIT
 *
 * Return: true if the socket is now CLOSED: handed over to a record, or
 * closed at once as the namespace has max_tw_buckets records already;
 * false if no record could be allocated: then the socket itself waits 2
 * MSL.
 */
bool xtcp_time_wait(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_tw *tw;

	if (atomic_inc_return(&xn->tw_count) > READ_ONCE(xn->max_tw_buckets)) {
		atomic_dec(&xn->tw_count);
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPTIMEWAITOVERFLOW);
		net_info_ratelimited("xtcp: time wait bucket table overflow\n");
		xtcp_done(sk);
		return true;
	}
	tw = kmem_cache_zalloc(tw_cache, GFP_ATOMIC);
	if (!tw) {
		atomic_dec(&xn->tw_count);
		xtcp_timer_event_time_wait(sk);
		return false;
	}
	refcount_set(&tw->ref, 1);
	spin_lock_init(&tw->lock);
	hrtimer_init(&tw->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	tw->timer.function = tw_timer_fn;
	tw->net = sock_net(sk);
	tw->id = sk;
	tw->saddr = inet->inet_saddr;
	tw->daddr = inet->inet_daddr;
	tw->sport = inet->inet_sport;
	tw->dport = inet->inet_dport;
	tw->snd_nxt = xs->snd_nxt;
	tw->rcv_nxt = xs->rcv_nxt;
	tw->rcv_wnd = xs->rcv_wnd;
	tw->rcv_wscale = xs->ws_ok ? xs->rcv_wscale : 0;
	tw->snd_wscale = xs->ws_ok ? xs->snd_wscale : 0;
	tw->ts_ok = xs->ts_ok;
	tw->ts_offset = xs->ts_offset;
	tw->ts_recent = xs->ts_recent;
	tw->oif = sk->sk_bound_dev_if;
	tw->mark = READ_ONCE(sk->sk_mark);
	/*
	 * The record holds the port until 2 MSL are over. A socket a process
	 * still holds keeps a port bind() chose too (its next connect() or
	 * listen() uses it), as Linux's time-wait socket and the socket share
	 * the bind bucket; one bind() did not choose, it lets go as a TCP
	 * socket does on reaching CLOSED (inet_put_port).
	 */
	tw->port = xs->port;
	if (!sock_flag(sk, SOCK_DEAD) && (sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		xtcp_port_hold(xs->port);
	else
		xs->port = NULL;

	/* Findable before the socket leaves: no segment falls in between. */
	xtcp_tw_hash(tw);
	tw_arm(tw);
	xs->tw_moved = 1;
	xtcp_done(sk);
	if (!xs->port)
		inet->inet_num = 0;	/* getsockname() still shows it, as Linux */
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_time_wait);

/**
 * xtcp_tw_ack() - acknowledge as the connection's last state: <SEQ=SND.NXT>
 * <ACK=RCV.NXT><CTL=ACK> with the last window
 * @tw: the record
 */
void xtcp_tw_ack(struct xtcp_tw *tw)
{
	struct xtcp_raw r = {
		.net = tw->net,
		.id = tw->id,
		.state = TCP_TIME_WAIT,
		.saddr = tw->saddr,
		.daddr = tw->daddr,
		.sport = tw->sport,
		.dport = tw->dport,
		.seq = tw->snd_nxt,
		.ack = tw->rcv_nxt,
		.flags = XTCP_ACK,
		.win = tw->rcv_wnd >> tw->rcv_wscale,	/* RFC 7323 2.3 */
		.wscale = tw->rcv_wscale,
		.oif = tw->oif,
		.mark = tw->mark,
		.ts_ok = tw->ts_ok,	/* RFC 7323 3.2 */
		.tsval = xtcp_ts_clock(tw->ts_offset),
		.tsecr = tw->ts_recent,
	};

	xtcp_send_raw(&r);
}

/**
 * xtcp_tw_syn_anew() - RFC 9293 MAY-2: a SYN (no ACK, FIN or RST) whose
 * sequence number lies beyond the old connection's may start a new one
 * over the record
 * @tw: the record
 * @flags: the segment's XTCP_* flags
 * @seq: its sequence number
 */
bool xtcp_tw_syn_anew(const struct xtcp_tw *tw, u8 flags, u32 seq)
{
	return (flags & (XTCP_SYN | XTCP_ACK | XTCP_FIN | XTCP_RST)) ==
	       XTCP_SYN && xtcp_seq_after(seq, tw->rcv_nxt);
}

/**
 * xtcp_tw_rcv() - a segment for a connection in TIME-WAIT
 * @tw: the record, with the caller's reference
 * @skb: the segment, data at the payload, XTCP_SKB_CB filled; not consumed
 *
 * Return: XTCP_TW_NEW_SYN if @skb may open a new incarnation of the
 * 4-tuple (the caller kills the record and hands @skb to a listener, or
 * ACKs if there is none), else XTCP_TW_DONE.
 */
enum xtcp_tw_verdict xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	trace_xtcp_segment(tw->id, TCP_TIME_WAIT, false, ip_hdr(skb)->saddr,
			   ip_hdr(skb)->daddr, tcp_hdr(skb), skb->len,
			   tw->snd_wscale);

	if (cb->flags & XTCP_RST) {
		/* RFC 5961 3.2: exactly RCV.NXT resets, in window challenges */
		if (cb->seq == tw->rcv_nxt)
			xtcp_tw_kill(tw);
		else if (xtcp_seq_in_window(cb->seq, tw->rcv_nxt,
					    tw->rcv_nxt + tw->rcv_wnd))
			xtcp_tw_ack(tw);
		return XTCP_TW_DONE;
	}
	if ((cb->flags & (XTCP_SYN | XTCP_ACK | XTCP_FIN)) == XTCP_SYN) {
		/*
		 * MAY-2: a SYN beyond the old connection's last sequence
		 * number may start a new one: the caller kills the record
		 * only if a listener takes the SYN, and ACKs otherwise, as
		 * Linux (TCP_TW_SYN). Any other SYN is answered with an ACK
		 * of the old connection (RFC 5961 4.2).
		 */
		if (xtcp_tw_syn_anew(tw, cb->flags, cb->seq))
			return XTCP_TW_NEW_SYN;
		xtcp_tw_ack(tw);
		return XTCP_TW_DONE;
	}
	if (cb->flags & XTCP_FIN) {
		/* Our last ACK was lost: acknowledge again, wait anew. */
		xtcp_tw_ack(tw);
		tw_arm(tw);
		return XTCP_TW_DONE;
	}
	/* Anything else is old; unacceptable segments get an ACK (3.10.7.4). */
	if (cb->end_seq != cb->seq || cb->seq != tw->rcv_nxt)
		xtcp_tw_ack(tw);
	return XTCP_TW_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tw_rcv);

/**
 * xtcp_tw_purge() - end every TIME-WAIT now (module unload)
 */
void xtcp_tw_purge(void)
{
	struct xtcp_tw *tw;

	while ((tw = xtcp_tw_first())) {
		xtcp_tw_kill(tw);
		hrtimer_cancel(&tw->timer);
		xtcp_tw_put(tw);	/* xtcp_tw_first()'s */
	}
}

int xtcp_tw_init(void)
{
	tw_cache = KMEM_CACHE(xtcp_tw, 0);
	return tw_cache ? 0 : -ENOMEM;
}

void xtcp_tw_exit(void)
{
	kmem_cache_destroy(tw_cache);
}
