// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_defer: timer expiries that meet other contexts. A
 * retransmission timeout deferred while a process owned the socket must
 * be dropped if an ACK re-armed the timer meanwhile; a FIN that reaches a
 * TIME-WAIT record while its timer callback runs must not leave the timer
 * queued on a record that has left the table (module unload could not
 * find it); a timer armed again, twice, while its callback runs must own
 * exactly one socket reference, and one stopped then must not keep the
 * socket for the time it was armed for. The races are built
 * deterministically here, on real sockets and records.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/ip.h>
#include <linux/net.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "../module/tw.h"
#include "../module/xtcp.h"

static struct sock *new_sock(struct kunit *test, struct socket **sock)
{
	int err = sock_create_kern(&init_net, xtcp_family, SOCK_STREAM, 0,
				   sock);

	KUNIT_ASSERT_EQ(test, err, 0);
	return (*sock)->sk;
}

/*
 * @sk, owned by the caller, as an established connection with 100 bytes
 * in flight (SND.UNA 1000, SND.NXT 1100), to loopback's discard port:
 * nothing answers for this tuple.
 */
static void in_flight(struct kunit *test, struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	inet_sk(sk)->inet_saddr = htonl(INADDR_LOOPBACK);
	inet_sk(sk)->inet_daddr = htonl(INADDR_LOOPBACK);
	inet_sk(sk)->inet_sport = htons(9);
	inet_sk(sk)->inet_dport = htons(9);
	sk->sk_state = TCP_ESTABLISHED;
	xs->snd_una = 1000;
	xs->snd_nxt = 1100;
	xs->write_seq = 1100;
	skb = alloc_skb(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	XTCP_SKB_CB(skb)->seq = 1000;
	skb_put_zero(skb, 100);
	/* charged as xtcp_sendmsg() charges it (net.xtcp.mem) */
	KUNIT_ASSERT_TRUE(test, sk_wmem_schedule(sk, skb->truesize));
	__skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
}

/*
 * An RTO expires while a process owns the socket (the expiry is
 * deferred), then an ACK that was waiting in the backlog moves SND.UNA
 * and re-arms the timer: at release_sock() the deferred expiry is stale
 * and must not count as a timeout (no retry, no retransmission), as
 * tcp_write_timer_handler() checks icsk_timeout.
 */
static void deferred_rto_after_rearm(struct kunit *test)
{
	struct xtcp_sock *xs;
	struct socket *sock;
	struct sock *sk;
	int i;

	sk = new_sock(test, &sock);
	xs = xtcp_sk(sk);
	lock_sock(sk);
	in_flight(test, sk);

	xs->rtt.rto_ms = 1;
	xtcp_timer_event_sent(sk, false);	/* in_flight() armed nothing */
	/* It fires while we own the socket: deferred. */
	for (i = 0; i < 200 && !test_bit(XTCP_DEFER_RTX, &xs->deferred); i++)
		usleep_range(5000, 10000);
	KUNIT_EXPECT_TRUE(test, test_bit(XTCP_DEFER_RTX, &xs->deferred));

	xs->rtt.rto_ms = 10000;
	xs->snd_una = 1050;	/* the backlogged ACK */
	xtcp_timer_event_acked(sk, 0);
	release_sock(sk);	/* replays the deferred expiry */

	KUNIT_EXPECT_EQ(test, xs->retries, 0);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&xs->rtx_timer));

	lock_sock(sk);
	xtcp_timers_stop(sk);
	sk->sk_state = TCP_CLOSE;
	release_sock(sk);
	sock_release(sock);
}

/* A FIN for @tw, as segment arrival hands it to xtcp_tw_rcv(). */
static struct sk_buff *tw_fin(struct kunit *test, const struct xtcp_tw *tw)
{
	struct sk_buff *skb = alloc_skb(MAX_TCP_HEADER, GFP_KERNEL);
	struct tcphdr *th;
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, MAX_TCP_HEADER);
	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = tw->dport;
	th->dest = tw->sport;
	th->seq = htonl(tw->rcv_nxt - 1);
	th->ack_seq = htonl(tw->snd_nxt);
	th->doff = 5;
	th->fin = 1;
	th->ack = 1;
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = tw->daddr;
	iph->daddr = tw->saddr;
	skb_pull(skb, sizeof(*iph) + sizeof(*th));
	XTCP_SKB_CB(skb)->seq = tw->rcv_nxt - 1;
	XTCP_SKB_CB(skb)->end_seq = tw->rcv_nxt;
	XTCP_SKB_CB(skb)->ack_seq = tw->snd_nxt;
	XTCP_SKB_CB(skb)->flags = XTCP_FIN | XTCP_ACK;
	return skb;
}

static struct {
	struct xtcp_tw *tw;
	struct sk_buff *fin;
	enum hrtimer_restart (*expire)(struct hrtimer *t);
} race;

/* The 2 MSL expiry, with a FIN from another CPU arriving as it starts. */
static enum hrtimer_restart expiry_meets_fin(struct hrtimer *t)
{
	xtcp_tw_rcv(race.tw, race.fin);
	return race.expire(t);
}

static void tw_fin_during_expiry(struct kunit *test)
{
	/* On loopback: the ACK the FIN draws stays on this host. */
	const __be32 local = htonl(0x7f000001), remote = htonl(0x7f000002);
	const __be16 lport = htons(40001), rport = htons(40002);
	struct xtcp_tw *tw, *again;
	struct xtcp_sock *xs;
	struct socket *sock;
	struct sock *sk;
	bool queued;
	int i;

	/* A connection entering TIME-WAIT (127.0.0.1 -> 127.0.0.2). */
	sk = new_sock(test, &sock);
	xs = xtcp_sk(sk);
	lock_sock(sk);
	inet_sk(sk)->inet_saddr = local;
	inet_sk(sk)->inet_daddr = remote;
	inet_sk(sk)->inet_sport = lport;
	inet_sk(sk)->inet_dport = rport;
	xs->snd_nxt = 6000;
	xs->rcv_nxt = 5000;
	xs->rcv_wnd = 65535;
	sk->sk_state = TCP_TIME_WAIT;
	KUNIT_ASSERT_TRUE(test, xtcp_time_wait(sk));
	release_sock(sk);
	sock_release(sock);

	tw = xtcp_tw_lookup(&init_net, remote, rport, local, lport, 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, tw);
	/* Take over the armed 2 MSL timer and fire it in 1 ms instead. */
	KUNIT_ASSERT_EQ(test, hrtimer_try_to_cancel(&tw->timer), 1);
	race.tw = tw;
	race.fin = tw_fin(test, tw);
	race.expire = tw->timer.function;
	tw->timer.function = expiry_meets_fin;
	hrtimer_start(&tw->timer, ms_to_ktime(1), HRTIMER_MODE_REL_SOFT);
	for (i = 0; i < 200; i++) {
		again = xtcp_tw_lookup(&init_net, remote, rport, local, lport, 0, 0);
		if (!again)
			break;
		xtcp_tw_put(again);
		usleep_range(5000, 10000);
	}
	KUNIT_EXPECT_NULL(test, again);
	if (again)
		xtcp_tw_put(again);
	/* Out of the table means no timer left to fire into freed text. */
	queued = hrtimer_is_queued(&tw->timer);
	KUNIT_EXPECT_FALSE(test, queued);
	if (hrtimer_cancel(&tw->timer))
		xtcp_tw_put(tw);	/* the stray arming's reference */
	kfree_skb(race.fin);
	xtcp_tw_put(tw);
}

static struct {
	struct sock *sk;
	enum hrtimer_restart (*expire)(struct hrtimer *t);
	int rearmed;
} rearm;

/*
 * Arm @sk's retransmission timer for 1 ms with @hook in its place, and
 * wait until the hook ran on the first expiry; rearm.expire is the real
 * callback, to be put back by the caller.
 */
static void rto_meets(struct kunit *test, struct sock *sk,
		      enum hrtimer_restart (*hook)(struct hrtimer *t))
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int i;

	rearm.sk = sk;
	rearm.rearmed = 0;
	rearm.expire = xs->rtx_timer.function;
	xs->rtx_timer.function = hook;
	xs->rtt.rto_ms = 1;
	xtcp_timer_event_sent(sk, false);	/* in_flight() armed nothing */
	for (i = 0; i < 200 && !READ_ONCE(rearm.rearmed); i++)
		usleep_range(5000, 10000);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(rearm.rearmed));
}

/*
 * The RTO callback has started (hrtimer_try_to_cancel() now answers -1
 * for this timer) when the owner, on another CPU, replays two ACKs from
 * the backlog: each restarts the retransmission timer.
 */
static enum hrtimer_restart expiry_meets_two_acks(struct hrtimer *t)
{
	struct xtcp_sock *xs = xtcp_sk(rearm.sk);

	if (!READ_ONCE(rearm.rearmed)) {	/* the first expiry only */
		xs->rtt.rto_ms = 10000;
		xs->snd_una = 1050;
		xtcp_timer_event_acked(rearm.sk, 0);
		xs->snd_una = 1060;
		xtcp_timer_event_acked(rearm.sk, 0);
		WRITE_ONCE(rearm.rearmed, 1);
	}
	return rearm.expire(t);
}

/*
 * One queued timer, one reference: a timer armed again while its
 * callback runs (re-queued, the callback still to return) and then
 * armed once more must not take a second reference for the same queued
 * instance, or the socket is never freed and rmmod waits for ever.
 */
static void rearm_twice_during_expiry(struct kunit *test)
{
	struct xtcp_sock *xs;
	struct socket *sock;
	struct sock *sk;
	int refs, i;

	sk = new_sock(test, &sock);
	xs = xtcp_sk(sk);
	refs = refcount_read(&sk->sk_refcnt);
	lock_sock(sk);
	in_flight(test, sk);

	rto_meets(test, sk, expiry_meets_two_acks);
	for (i = 0; i < 200 && hrtimer_callback_running(&xs->rtx_timer); i++)
		usleep_range(5000, 10000);
	xs->rtx_timer.function = rearm.expire;
	/* All acknowledged: the timer stops, what was deferred is run... */
	xs->snd_una = xs->snd_nxt;
	xtcp_timer_event_acked(sk, 0);
	release_sock(sk);
	lock_sock(sk);
	xtcp_timers_stop(sk);
	sk->sk_state = TCP_CLOSE;
	release_sock(sk);
	/* ...so every timer reference is gone again. */
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_refcnt), refs);
	if (refcount_read(&sk->sk_refcnt) > refs)	/* let it be freed */
		refcount_set(&sk->sk_refcnt, refs);
	sock_release(sock);
}

/*
 * The connection ends while the RTO callback runs, after the owner armed
 * the timer again: the stop cannot dequeue it (hrtimer_try_to_cancel()
 * answers -1), yet the socket must not stay held for the 10 s it was set
 * for: the timer expires at once, to nothing, and lets its reference go.
 */
static enum hrtimer_restart expiry_meets_ack_and_stop(struct hrtimer *t)
{
	struct xtcp_sock *xs = xtcp_sk(rearm.sk);

	if (!READ_ONCE(rearm.rearmed)) {	/* the first expiry only */
		xs->rtt.rto_ms = 10000;
		xs->snd_una = 1050;
		xtcp_timer_event_acked(rearm.sk, 0);
		xtcp_timers_stop(rearm.sk);
		WRITE_ONCE(rearm.rearmed, 1);
	}
	return rearm.expire(t);
}

static void stop_during_expiry(struct kunit *test)
{
	struct xtcp_sock *xs;
	struct socket *sock;
	struct sock *sk;
	int refs, i;

	sk = new_sock(test, &sock);
	xs = xtcp_sk(sk);
	refs = refcount_read(&sk->sk_refcnt);
	lock_sock(sk);
	in_flight(test, sk);

	rto_meets(test, sk, expiry_meets_ack_and_stop);
	/* Well under the 10 s it was armed for, it is gone. */
	for (i = 0; i < 40 && hrtimer_active(&xs->rtx_timer); i++)
		usleep_range(5000, 10000);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(&xs->rtx_timer));
	xs->rtx_timer.function = rearm.expire;
	release_sock(sk);
	lock_sock(sk);
	xtcp_timers_stop(sk);
	sk->sk_state = TCP_CLOSE;
	release_sock(sk);
	KUNIT_EXPECT_EQ(test, refcount_read(&sk->sk_refcnt), refs);
	if (hrtimer_cancel(&xs->rtx_timer))	/* let it be freed */
		__sock_put(sk);
	if (refcount_read(&sk->sk_refcnt) > refs)
		refcount_set(&sk->sk_refcnt, refs);
	sock_release(sock);
}

static struct kunit_case defer_cases[] = {
	KUNIT_CASE(deferred_rto_after_rearm),
	KUNIT_CASE(tw_fin_during_expiry),
	KUNIT_CASE(rearm_twice_during_expiry),
	KUNIT_CASE(stop_during_expiry),
	{}
};

static struct kunit_suite defer_suite = {
	.name = "xtcp_defer",
	.test_cases = defer_cases,
};

kunit_test_suite(defer_suite);
