// SPDX-License-Identifier: GPL-2.0
/*
 * Every timer of a connection, on hrtimers, and the events that arm and
 * disarm them. Callers say what happened (xtcp_timer_event_*), never
 * "start timer X"; this file decides what that means.
 *
 *   timer       armed by                          on expiry
 *   ----------  --------------------------------  ------------------------
 *   rtx         event_sent: SYN, SYN-ACK, data    loss window (cong.c),
 *               or FIN outstanding;               resend the oldest segment,
 *                                                 double the RTO (RFC 6298
 *               event_acked: restart while data   5.5); give up after
 *               is outstanding, stop when all is  syn_retries, synack_retries
 *               acknowledged (RFC 6298 5.2, 5.3)  or retries2 (RFC 9293 R2);
 *                                                 a SYN's first
 *                                                 syn_linear_timeouts keep
 *                                                 the RTO, and add as many
 *                                                 SYNs (Linux 6.12)
 *               event_sack_reneged: SRTT / 2,
 *               at least 10 ms (RFC 2018 8)
 *   reorder     event_delivered: holes below      the holes are lost: a
 *   (rtx)       SACKed data, fewer than DupThresh fast recovery resends
 *               SACKed: RACK's window (RFC 8985   them (tlp.c, cong.c)
 *               6.2), if sooner than the RTO
 *   loss probe  event_sent (new data) and         a tail loss probe (tlp.c,
 *   (rtx)       event_ack_done, on a SACK         RFC 8985 7.3): new data
 *               connection not in recovery: the   or the last segment
 *               PTO if sooner than the RTO        again; then the RTO
 *               (RFC 8985 7.2)                    afresh
 *   persist     event_window_closed: data queued, window 0: send a probe
 *   (rtx)       nothing in flight                 and back off (MUST-35..37)
 *               event_window_opened: the backoff  until the peer stops
 *               goes, one RTO for the data        answering or an orphan's
 *                                                 interval reaches rto_max;
 *                                                 window open: send the
 *                                                 short segment SWS, Nagle
 *                                                 or TCP_CORK held (MUST-38)
 *   wait        event_time_wait: 2 * msl_ms       CLOSED (RFC 9293 3.10.7.4)
 *               event_fin_wait2: fin_timeout for  CLOSED
 *               an orphan
 *   keepalive   event_keepalive: SO_KEEPALIVE on  after keepalive_time idle,
 *               (off by default, MUST-25);        a probe every
 *               event_received moves the idle     keepalive_intvl; after
 *               clock (MUST-26: probes only once  keepalive_probes unanswered
 *               idle)                             RST, ETIMEDOUT (3.8.4)
 *   delack      event_data_in: in-order text,     send the ACK (MUST-40:
 *               unless a second full-sized        within delack_ms < 500 ms;
 *               segment is due an ACK (SHLD-19)   SHLD-19); leave pingpong
 *               and the window holds, or quick-   (interactive) mode
 *               ACK mode sends it now
 *               event_ack_sent: any ACK went out  (disarmed)
 *
 * TCP_USER_TIMEOUT bounds how long data may stay unacknowledged: the
 * retransmission timer gives up at it instead of at the retry count, and
 * keepalive at it once a probe is out (RFC 5482, as Linux).
 *
 * Each timer runs in softirq (HRTIMER_MODE_REL_SOFT) and holds a socket
 * reference while queued (timer_refs, under timer_lock). An expiry that
 * finds the socket owned by a process is deferred to xtcp_release_cb()
 * through xtcp_sock.deferred.
 * A flag in xtcp_sock.armed says whether an expiry is still wanted: an
 * expiry racing with a stop sees it clear and does nothing. An expiry
 * that acts is reported by the xtcp_timer tracepoint.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <net/tcp.h>

#include "seq.h"
#include "trace.h"
#include "xtcp.h"

enum {
	ARMED_RTX = BIT(0),
	ARMED_WAIT = BIT(1),
	ARMED_KA = BIT(2),
	ARMED_DELACK = BIT(3),
};

/* The xtcp_timer tracepoint: @kind fired and acts. */
static void timer_trace(const struct sock *sk, enum xtcp_timer_kind kind,
			u32 backoff, u32 rto_ms)
{
	const struct inet_sock *inet = inet_sk(sk);

	trace_xtcp_timer(sk, inet->inet_saddr, inet->inet_daddr,
			 inet->inet_sport, inet->inet_dport, kind, backoff,
			 rto_ms, sk->sk_state);
}

/*
 * The reference a timer holds belongs to the queued timer, one for one.
 * hrtimer_try_to_cancel() cannot tell it: it answers -1 while the
 * callback runs, whether or not the timer was queued again since, and a
 * process that owns the socket may arm it on one CPU while its callback
 * runs on another. So xtcp_sock.timer_refs says which timers own a
 * reference, changed under timer_lock by arming, stopping and the
 * callback (timer_claim) alike.
 */
static void timer_arm_ns(struct sock *sk, struct hrtimer *t, u8 bit, s64 ns)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	spin_lock_bh(&xs->timer_lock);
	if (!(xs->timer_refs & bit)) {
		xs->timer_refs |= bit;
		sock_hold(sk);
	}
	hrtimer_start(t, ns_to_ktime(ns), HRTIMER_MODE_REL_SOFT);
	spin_unlock_bh(&xs->timer_lock);
}

static void timer_arm(struct sock *sk, struct hrtimer *t, u8 bit, u32 ms)
{
	timer_arm_ns(sk, t, bit, (s64)ms * NSEC_PER_MSEC);
}

static void timer_stop(struct sock *sk, struct hrtimer *t, u8 bit)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool put = false;
	int ret;

	/* Whoever stops a timer first says no expiry is wanted. */
	DEBUG_NET_WARN_ON_ONCE(xs->armed & bit);
	spin_lock_bh(&xs->timer_lock);
	ret = hrtimer_try_to_cancel(t);
	if (ret == 1) {
		xs->timer_refs &= ~bit;
		put = true;
	} else if (ret < 0 && hrtimer_is_queued(t)) {
		/* Armed again while its callback runs, it cannot be
		 * dequeued now: let it expire at once, to nothing (its
		 * bit in armed is clear), rather than keep the socket
		 * for as long as it was set for.
		 */
		hrtimer_start(t, 0, HRTIMER_MODE_REL_SOFT);
	}
	spin_unlock_bh(&xs->timer_lock);
	if (put)
		__sock_put(sk);	/* the caller holds another */
}

/*
 * In the callback, first: take over the queued timer's reference, unless
 * the timer was armed again since it fired; then that arming kept the
 * reference for the timer now queued, and this expiry is stale.
 */
static bool timer_claim(struct sock *sk, struct hrtimer *t, u8 bit)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool mine;

	spin_lock(&xs->timer_lock);
	mine = !hrtimer_is_queued(t);
	if (mine)
		xs->timer_refs &= ~bit;
	spin_unlock(&xs->timer_lock);
	return mine;
}

static void rtx_arm(struct sock *sk, u32 ms)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->armed |= ARMED_RTX;
	xs->rtx_probe = 0;
	xs->rtx_reo = 0;
	xs->rto_at = ktime_add_ms(ktime_get(), ms);
	timer_arm(sk, &xs->rtx_timer, ARMED_RTX, ms);
}

static void rtx_stop(struct sock *sk)
{
	xtcp_sk(sk)->armed &= ~ARMED_RTX;
	xtcp_sk(sk)->rtx_probe = 0;
	xtcp_sk(sk)->rtx_reo = 0;
	timer_stop(sk, &xtcp_sk(sk)->rtx_timer, ARMED_RTX);
}

/* The RTO at the time it was armed for, in a loss probe's place. */
static void rto_resume(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s64 left = ktime_to_ns(ktime_sub(xs->rto_at, ktime_get()));

	xs->rtx_probe = 0;
	xs->rtx_reo = 0;
	xs->armed |= ARMED_RTX;
	timer_arm_ns(sk, &xs->rtx_timer, ARMED_RTX, max_t(s64, left, 1));
}

/*
 * RACK's reordering window (RFC 8985 6.2, tlp.c) for the holes below the
 * highest SACKed byte, in the retransmission timer's place when sooner
 * (Linux's ICSK_TIME_REO_TIMEOUT); an armed one keeps its time: a later
 * ACK would only put it off.
 */
static void rack_arm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s64 ns, left;

	if (xs->rtx_reo || !(xs->armed & ARMED_RTX))
		return;
	ns = xtcp_rack_timeout_ns(sk);
	left = ktime_to_ns(ktime_sub(xs->rto_at, ktime_get()));
	if (!ns || left <= ns)		/* the RTO comes first anyway */
		return;
	xs->rack_fack = xtcp_cong_fack(&xs->cong, xs->snd_una);
	xs->rtx_probe = 0;
	xs->rtx_reo = 1;
	timer_arm_ns(sk, &xs->rtx_timer, ARMED_RTX, ns);
}

/*
 * The retransmission timer, armed for the RTO (rto_at), fires for a tail
 * loss probe first if one is due sooner (RFC 8985 7.2, as Linux's
 * tcp_schedule_loss_probe() puts ICSK_TIME_LOSS_PROBE in its place). A
 * probe no longer due (a recovery began) gives the RTO back its place.
 */
static void tlp_arm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s64 pto, left;

	if (!(xs->armed & ARMED_RTX))
		return;
	pto = xtcp_tlp_pto_ns(sk);
	if (!pto) {
		if (xs->rtx_probe)
			rto_resume(sk);
		return;
	}
	left = ktime_to_ns(ktime_sub(xs->rto_at, ktime_get()));
	if (left <= 0)		/* the RTO is due: let it fire */
		return;
	pto = min(pto, left);
	xs->rtx_probe = 1;
	xs->rtx_reo = 0;
	timer_arm_ns(sk, &xs->rtx_timer, ARMED_RTX, pto);
}

static void wait_arm(struct sock *sk, u32 ms)
{
	xtcp_sk(sk)->armed |= ARMED_WAIT;
	timer_arm(sk, &xtcp_sk(sk)->wait_timer, ARMED_WAIT, ms);
}

static void ka_arm(struct sock *sk, u32 ms)
{
	xtcp_sk(sk)->armed |= ARMED_KA;
	timer_arm(sk, &xtcp_sk(sk)->ka_timer, ARMED_KA, ms);
}

static void ka_stop(struct sock *sk)
{
	xtcp_sk(sk)->armed &= ~ARMED_KA;
	timer_stop(sk, &xtcp_sk(sk)->ka_timer, ARMED_KA);
}

static void delack_stop(struct sock *sk)
{
	xtcp_sk(sk)->armed &= ~ARMED_DELACK;
	timer_stop(sk, &xtcp_sk(sk)->delack_timer, ARMED_DELACK);
}

/*
 * Whether an expiry of @t is to act: it is still wanted (@bit in armed),
 * and the timer was not armed again since it fired. A deferred expiry
 * (xtcp_release_cb) can find it armed again by what the backlog replayed,
 * an ACK restarting the retransmission timer above all: then this expiry
 * is stale and the timer will fire at its new time, as
 * tcp_write_timer_handler() checks icsk_timeout. Clears @bit if due.
 */
static bool timer_due(struct sock *sk, struct hrtimer *t, u8 bit)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!(xs->armed & bit) || hrtimer_is_queued(t))
		return false;
	xs->armed &= ~bit;
	return true;
}

/* The socket's keepalive settings, else its namespace's (seconds). */
int xtcp_keepidle(const struct sock *sk)
{
	return xtcp_sk(sk)->keepidle ?:
	       READ_ONCE(xtcp_sk_net(sk)->keepalive_time);
}

int xtcp_keepintvl(const struct sock *sk)
{
	return xtcp_sk(sk)->keepintvl ?:
	       READ_ONCE(xtcp_sk_net(sk)->keepalive_intvl);
}

int xtcp_keepcnt(const struct sock *sk)
{
	return xtcp_sk(sk)->keepcnt ?:
	       READ_ONCE(xtcp_sk_net(sk)->keepalive_probes);
}

/**
 * rto_initial() - the RTO before any RTT sample (RFC 6298 2.1)
 * @sk: the connection
 */
static u32 rto_initial(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk_net(sk)->rto_initial_ms);
}

/**
 * xtcp_rtt_sample() - fold one RTT measurement into SRTT and RTTVAR and
 * compute the RTO (RFC 6298 2.2, 2.3), clamped to [rto_min, rto_max]
 * @est: the estimator
 * @rtt_us: the sample, microseconds
 * @rto_min_ms: lower bound (RFC 6298 2.4; Linux's 200 ms by default)
 * @rto_max_ms: upper bound (RFC 6298 2.5)
 */
void xtcp_rtt_sample(struct xtcp_rtt *est, u32 rtt_us, u32 rto_min_ms,
		     u32 rto_max_ms)
{
	u32 rto_us;

	est->min_us = est->min_us ? min(est->min_us, rtt_us) : max(rtt_us, 1U);
	if (!est->srtt_us) {
		/* 2.2: SRTT <- R, RTTVAR <- R/2 */
		est->srtt_us = max(rtt_us, 1U);
		est->rttvar_us = rtt_us / 2;
	} else {
		/* 2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|,
		 *      SRTT <- 7/8 SRTT + 1/8 R'
		 */
		u32 delta = abs_diff(est->srtt_us, rtt_us);

		est->rttvar_us = est->rttvar_us - est->rttvar_us / 4 + delta / 4;
		est->srtt_us = est->srtt_us - est->srtt_us / 8 + rtt_us / 8;
	}
	/* RTO <- SRTT + max(G, K*RTTVAR), K = 4, G = 1 us here */
	rto_us = est->srtt_us + max(4 * est->rttvar_us, 1U);
	est->rto_ms = clamp(DIV_ROUND_UP(rto_us, USEC_PER_MSEC), rto_min_ms,
			    rto_max_ms);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rtt_sample);

/* How many expiries the current state allows before giving up. */
static int retry_limit(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	int orphan;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		/* and the linear timeouts' SYNs (tcp_write_timeout()) */
		return xtcp_syn_retries(sk) +
		       READ_ONCE(xn->syn_linear_timeouts);
	case TCP_SYN_RECV:
		/* a child whose peer ACKed outlasts TCP_DEFER_ACCEPT; one
		 * that never heard back gives up as ever (syn_ack_recalc())
		 */
		if (!xtcp_sk(sk)->defer_acked || !xtcp_sk(sk)->parent)
			return xtcp_syn_retries(sk);
		return max_t(int, xtcp_syn_retries(sk),
			     READ_ONCE(xtcp_sk(xtcp_sk(sk)->parent)->defer_accept));
	}
	if (sock_flag(sk, SOCK_DEAD)) {
		orphan = READ_ONCE(xn->orphan_retries);
		return orphan ?: 8;	/* 0 means 8, as in Linux */
	}
	return READ_ONCE(xn->retries2);
}

/**
 * xtcp_rtt_sent() - new data went out: time it, unless a measurement is
 * already running (one at a time, RFC 6298 3)
 * @est: the estimator
 * @snd_nxt: SND.NXT after the segment: its ACK ends the measurement
 * @now: the time
 */
void xtcp_rtt_sent(struct xtcp_rtt *est, u32 snd_nxt, ktime_t now)
{
	if (est->timing)
		return;
	est->timing = true;
	est->seq = snd_nxt;
	est->start = now;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rtt_sent);

/**
 * xtcp_rtt_acked() - SND.UNA moved: does that end the measurement?
 * @est: the estimator
 * @snd_una: the new SND.UNA
 * @now: the time
 * @rtt_us: the sample, when there is one
 *
 * Return: true with a sample in @rtt_us.
 */
bool xtcp_rtt_acked(struct xtcp_rtt *est, u32 snd_una, ktime_t now,
		    u32 *rtt_us)
{
	s64 us;

	if (!est->timing || xtcp_seq_before(snd_una, est->seq))
		return false;
	est->timing = false;
	us = ktime_us_delta(now, est->start);
	*rtt_us = clamp_t(s64, us, 0, U32_MAX);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rtt_acked);

/**
 * xtcp_rtt_retransmitted() - Karn's algorithm (RFC 6298 3): an ACK after
 * a retransmission cannot tell which copy it answers: no sample from it
 * @est: the estimator
 */
void xtcp_rtt_retransmitted(struct xtcp_rtt *est)
{
	est->timing = false;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rtt_retransmitted);

/**
 * xtcp_rto_backoff() - the RTO after an expiry: doubled (RFC 6298 5.5),
 * at most @rto_max_ms (5.5 allows a maximum; 2.5: at least 60 s)
 * @rto_ms: the RTO that expired
 * @rto_max_ms: the ceiling
 */
u32 xtcp_rto_backoff(u32 rto_ms, u32 rto_max_ms)
{
	return min_t(u64, (u64)rto_ms * 2, rto_max_ms);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rto_backoff);

/**
 * xtcp_timer_event_sent() - a segment that needs an ACK went out
 * @sk: the connection, locked
 * @idle: nothing was in flight before it
 *
 * Starts a round-trip measurement if none is running (one at a time, of
 * new data only: Karn's algorithm), and the retransmission timer if it is
 * not running (RFC 6298 5.1) or ran for an empty flight (persist, the SWS
 * override: Linux's tcp_event_new_data_sent() rearms it then too).
 */
void xtcp_timer_event_sent(struct sock *sk, bool idle)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	ktime_t now = ktime_get();

	/*
	 * Sent within the delayed-ACK time of the peer's text: an answer,
	 * the exchange interactive, its ACKs better delayed to ride on the
	 * answers (Linux's pingpong mode, tcp_event_data_sent())
	 */
	if (xs->last_data_in &&
	    ktime_before(now, ktime_add_ms(xs->last_data_in,
					   READ_ONCE(xtcp_sk_net(sk)->delack_ms))))
		xs->pingpong = 1;
	xtcp_rtt_sent(&xs->rtt, xs->snd_nxt, now);
	if (idle || !(xs->armed & ARMED_RTX)) {
		/* A new schedule: it keeps the tunables of this moment. */
		xs->una_since = now;	/* the oldest byte just left */
		xs->retry_limit = retry_limit(sk);
		rtx_arm(sk, xs->rtt.rto_ms ?: rto_initial(sk));
	}
	tlp_arm(sk);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_timer_event_sent);

/**
 * xtcp_timer_event_acked() - the peer acknowledged new data (SND.UNA moved)
 * @sk: the connection, locked
 * @ts_rtt_us: a round-trip sample from the Timestamps option, or 0
 */
void xtcp_timer_event_acked(struct sock *sk, u32 ts_rtt_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 us;

	/* The timed segment's sample if there is one (microseconds), else
	 * the Timestamps option's (RFC 7323 4.1, milliseconds; valid even
	 * for retransmitted data, so recovery keeps the estimate fresh).
	 */
	if (!xtcp_rtt_acked(&xs->rtt, xs->snd_una, ktime_get(), &us))
		us = ts_rtt_us;
	if (us)
		xtcp_rtt_sample(&xs->rtt, us, READ_ONCE(xn->rto_min_ms),
				READ_ONCE(xn->rto_max_ms));
	xs->retries = 0;
	xs->una_since = ktime_get();
	xs->retry_limit = retry_limit(sk);
	if (xs->snd_una == xs->snd_nxt)
		rtx_stop(sk);			/* RFC 6298 5.2 */
	else
		rtx_arm(sk, xs->rtt.rto_ms ?: rto_initial(sk));	/* 5.3 */
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_timer_event_acked);

/**
 * xtcp_timer_event_ack_done() - an ACK that moved SND.UNA has been through
 * loss recovery (cong.c): with data still in flight, a tail loss probe
 * takes the RTO's place if it is due sooner (RFC 8985 7.2; Linux's
 * tcp_set_xmit_timer())
 * @sk: the connection, locked
 */
void xtcp_timer_event_ack_done(struct sock *sk)
{
	tlp_arm(sk);
}

/**
 * xtcp_timer_event_delivered() - an ACK moved SND.UNA or SACKed new data
 * (RACK advanced, RFC 8985 6.2): with holes below SACKed data, RACK's
 * reordering window starts
 * @sk: the connection, locked, the ACK through loss recovery
 */
void xtcp_timer_event_delivered(struct sock *sk)
{
	rack_arm(sk);
}

/**
 * xtcp_timer_event_sack_reneged() - the peer dropped data it had SACKed
 * (xtcp_cong_sack_reneged()): time out soon, not after a whole RTO, so
 * that the loss window resends it and forgets the SACKs (RFC 2018 8), as
 * Linux's tcp_check_sack_reneging(): SRTT / 2 (its srtt_us >> 4, srtt_us
 * being eight times the SRTT), at least 10 ms, leaving time for ACKs that
 * put the SACKs right
 * @sk: the connection, locked, data in flight
 */
void xtcp_timer_event_sack_reneged(struct sock *sk)
{
	rtx_arm(sk, max_t(u32, DIV_ROUND_UP(xtcp_sk(sk)->rtt.srtt_us / 2,
					    USEC_PER_MSEC), 10));
}

/**
 * xtcp_timer_event_window_closed() - data waits, nothing is in flight and
 * the peer's window is zero: probe it (RFC 9293 3.8.6.1, MUST-35)
 * @sk: the connection, locked
 */
void xtcp_timer_event_window_closed(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!(xs->armed & ARMED_RTX))
		rtx_arm(sk, xs->rtt.rto_ms ?: rto_initial(sk));
}

/**
 * xtcp_timer_event_window_opened() - the peer's window was zero and is
 * not any more: the probes are over (tcp_ack_probe()). Their backoff goes,
 * and the probe timer: the push that follows the ACK sends the data and
 * starts a retransmission schedule of its own (event_sent), or arms the
 * timer again if it still holds the data back (event_window_closed).
 * @sk: the connection, locked
 */
void xtcp_timer_event_window_opened(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->probe_backoff = 0;
	xs->probes_out = 0;
	xs->probes_since = 0;
	if (xs->snd_una == xs->snd_nxt && (xs->armed & ARMED_RTX))
		rtx_stop(sk);
}

/**
 * xtcp_timer_event_time_wait() - entered TIME-WAIT, or a FIN came again
 * during it: wait 2 MSL from now (RFC 9293 3.10.7.4, eighth check)
 * @sk: the connection, locked
 */
void xtcp_timer_event_time_wait(struct sock *sk)
{
	rtx_stop(sk);
	wait_arm(sk, 2 * READ_ONCE(xtcp_sk_net(sk)->msl_ms));
}

/**
 * xtcp_timer_event_orphaned() - the application closed the socket: from
 * now on orphan_retries bound its retransmissions (as Linux's
 * tcp_orphan_retries()), even within a schedule already running, and in
 * FIN-WAIT-2 it waits fin_timeout for the peer's FIN
 * @sk: the socket, locked, SOCK_DEAD
 */
void xtcp_timer_event_orphaned(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->retry_limit = retry_limit(sk);
	if (sk->sk_state == TCP_FIN_WAIT2)
		xtcp_timer_event_fin_wait2(sk);
}

/**
 * xtcp_timer_event_fin_wait2() - an orphan reached FIN-WAIT-2: it waits
 * fin_timeout for the peer's FIN (Linux's tcp_fin_timeout)
 * @sk: the connection, locked
 */
void xtcp_timer_event_fin_wait2(struct sock *sk)
{
	wait_arm(sk, xtcp_fin_timeout_ms(sk));
}

/**
 * xtcp_timer_event_received() - the peer sent a segment: it is alive
 * @sk: the connection, locked
 *
 * Cheap on purpose (every segment calls it): the keepalive timer is not
 * touched; on expiry it measures the idle time from here.
 */
void xtcp_timer_event_received(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->last_rcv = ktime_get();
	xs->ka_probes = 0;
	xs->probes_out = 0;
}

/**
 * xtcp_timer_event_keepalive() - SO_KEEPALIVE switched, a keepalive
 * setting changed, or a connection with it on was established
 * @sk: the socket, locked
 * @on: whether keepalive is on
 */
void xtcp_timer_event_keepalive(struct sock *sk, bool on)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s64 idle_ns, elapsed;

	if (!on || ((1 << sk->sk_state) &
		    (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))) {
		ka_stop(sk);
		return;
	}
	/* The idle time is counted from the last segment heard, exactly. */
	idle_ns = (s64)xtcp_keepidle(sk) * NSEC_PER_SEC;
	elapsed = xs->last_rcv ? ktime_to_ns(ktime_sub(ktime_get(),
						       xs->last_rcv)) : 0;
	xs->armed |= ARMED_KA;
	timer_arm_ns(sk, &xs->ka_timer, ARMED_KA,
		     max_t(s64, idle_ns - elapsed, 1));
}

/*
 * Quick-ACK mode (Linux's tcp_incr_quickack()): the next ACKs go at once,
 * as many as half our window holds of the peer's segments, at most 16.
 */
static void quickack_more(struct xtcp_sock *xs)
{
	u32 n = xs->rcv_wnd / (2 * xtcp_peer_mss(xs));

	n = min_t(u32, n ?: 2, TCP_MAX_QUICKACKS);
	if (n > xs->quick)
		xs->quick = n;
}

/* In-order text came: quick-ACK mode if it is the first, or the first
 * after a silence longer than the RTO (tcp_event_data_recv()).
 */
static void text_in(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	ktime_t now = ktime_get();

	if (!xs->last_data_in ||
	    ktime_after(now, ktime_add_ms(xs->last_data_in,
					  xs->rtt.rto_ms ?: rto_initial(sk))))
		quickack_more(xs);
	xs->last_data_in = now;
}

/**
 * xtcp_timer_event_gap_filled() - in-order text filled a gap, and what
 * waited out of order follows it: the ACK goes now (RFC 5681 4.2), unless
 * the ACK of a FIN that came with it will carry it
 * @sk: the connection, locked
 * @fin: a FIN came in order with the text
 */
void xtcp_timer_event_gap_filled(struct sock *sk, bool fin)
{
	text_in(sk);
	if (!fin)
		xtcp_send_ack(sk);
}

/*
 * Linux's __tcp_ack_snd_check(): text is acknowledged at once only if the
 * window would not shrink by it (rwnd.c's rcv_ssthresh holds the window
 * steady while the buffer has room beyond it), or the reader waits for
 * more (SO_RCVLOWAT). A shrinking window means the reader is behind: the
 * ACK then goes as it reads (xtcp_rbuf_cleaned()) or with the timer, not
 * for each skb, each of which would cost the sender a smaller burst.
 */
static bool window_holds(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xs->rcv_nxt - xs->copied_seq < READ_ONCE(sk->sk_rcvlowat) ||
	       xtcp_rcv_window_now(sk) >= xs->rcv_wnd;
}

/**
 * xtcp_rcv_mss_init() - the estimate of the peer's MSS before its text, as
 * Linux's tcp_initialize_rcv_mss() when the connection is established:
 * 536, or less if our MSS, its MSS or half our window is, at least 88
 * @xs: the connection, locked
 */
void xtcp_rcv_mss_init(struct xtcp_sock *xs)
{
	u32 hint = min3(xtcp_advmss(xs), xs->snd_mss ?: TCP_MSS_DEFAULT,
			xs->rcv_wnd / 2);

	if (!xs->rcv_mss_est)
		WRITE_ONCE(xs->rcv_mss_est,
			   clamp_t(u32, hint, TCP_MIN_MSS, TCP_MSS_DEFAULT));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_mss_init);

/**
 * xtcp_measure_rcv_mss() - learn the peer's segment size from its text, in
 * order or not, as Linux's tcp_measure_rcv_mss(): "full-sized" for RFC
 * 5681 4.2's ACK of every second full-sized segment
 * @sk: the connection, locked
 * @skb: the segment, taken into a queue
 * @len: its text as it came, before any trimming
 *
 * A segment at least the estimate sets it (at most our MSS), and if
 * pushed marks the ACK pushed: it ended a write. A shorter one lowers it
 * if the one before had the same size, both unpushed or of 536 bytes or
 * more; else it marks the ACK pushed, a second time PUSHED2: a read that
 * takes it should not wait to ACK it.
 */
void xtcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb, u32 len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 lss = xs->last_seg_size, hdr = sizeof(struct tcphdr);
	bool psh = XTCP_SKB_CB(skb)->flags & XTCP_PSH;

	xs->last_seg_size = 0;
	len = skb_shinfo(skb)->gso_size ?: len;
	if (len >= xtcp_peer_mss(xs)) {
		WRITE_ONCE(xs->rcv_mss_est, min(len, xtcp_advmss(xs)));
		if (psh)	/* a full segment ends a write */
			xs->ack_pushed |= XTCP_ACK_PUSHED;
		return;
	}
	/* whole segment length less our fixed header: SACK blocks vary */
	len += tcp_hdr(skb)->doff * 4;
	if (len >= TCP_MSS_DEFAULT + hdr ||
	    (len >= TCP_MIN_MSS + hdr &&
	     !(XTCP_SKB_CB(skb)->flags &
	       (XTCP_FIN | XTCP_URG | XTCP_SYN | XTCP_PSH)))) {
		len -= hdr + (xs->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
		xs->last_seg_size = len;
		if (len == lss) {
			WRITE_ONCE(xs->rcv_mss_est, len);
			return;
		}
	}
	if (xs->ack_pushed & XTCP_ACK_PUSHED)
		xs->ack_pushed |= XTCP_ACK_PUSHED2;
	xs->ack_pushed |= XTCP_ACK_PUSHED;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_measure_rcv_mss);

/**
 * xtcp_timer_event_data_in() - in-order text arrived: ACK now or soon
 * @sk: the connection, locked
 *
 * SHLD-19: an ACK for at least every second full-sized segment (as
 * Linux: once more than one segment of xtcp_peer_mss() is unacknowledged);
 * MUST-40: no ACK delayed by more than delack_ms (< 0.5 s).
 * Also now once half the window we offered is unacknowledged: the sender
 * may be waiting for that window (one 64 KB loopback segment fills it).
 * Both only while the window holds (window_holds()).
 * And now in quick-ACK mode, as Linux's tcp_event_data_recv() enters it:
 * at the first text, and at the first after a silence longer than the
 * RTO, a sender (re)starting its window waits for no delayed ACK; not in
 * an interactive exchange, where the ACK rides on our answer (or after
 * TCP_QUICKACK 0, which enters that mode: set_quickack() in sockopt.c).
 */
void xtcp_timer_event_data_in(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 pending = xs->rcv_nxt - xs->rcv_acked;

	text_in(sk);
	/* an ACK that could not go now goes with the timer (as Linux) */
	if (((xs->quick && !xs->pingpong) ||
	     ((pending > xtcp_peer_mss(xs) || pending >= xs->rcv_wnd / 2) &&
	      window_holds(sk))) &&
	    !xtcp_send_ack(sk))
		return;
	if (!(xs->armed & ARMED_DELACK)) {
		xs->armed |= ARMED_DELACK;
		timer_arm(sk, &xs->delack_timer, ARMED_DELACK,
			  READ_ONCE(xtcp_sk_net(sk)->delack_ms));
	}
}

/**
 * xtcp_timer_event_ack_sent() - a segment carrying an ACK went out
 * @sk: the connection, locked
 */
void xtcp_timer_event_ack_sent(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* one quick ACK spent, if it acknowledged text (tcp_dec_quickack_mode) */
	if (xs->quick && xs->rcv_acked != xs->rcv_nxt)
		xs->quick--;
	xs->rcv_acked = xs->rcv_nxt;
	xs->ack_pushed = 0;
	if (xs->armed & ARMED_DELACK)
		delack_stop(sk);
}

/**
 * xtcp_timers_stop() - disarm every timer (the connection is CLOSED)
 * @sk: the connection, locked
 */
void xtcp_timers_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->armed = 0;
	timer_stop(sk, &xs->rtx_timer, ARMED_RTX);
	timer_stop(sk, &xs->wait_timer, ARMED_WAIT);
	timer_stop(sk, &xs->ka_timer, ARMED_KA);
	timer_stop(sk, &xs->delack_timer, ARMED_DELACK);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_timers_stop);

/*
 * Persist (RFC 9293 3.8.6.1): probe a zero window as long as the peer
 * answers (MUST-37; RFC 1122 4.2.2.17), but give up, as Linux's
 * tcp_probe_timer(), after retries2 probes in a row it did not answer;
 * an orphan after orphan_retries (8 while its probe interval is below
 * rto_max), and once the interval has backed off to rto_max even if the
 * peer answers every probe: nobody will ever read the data it holds.
 * An orphan is also reset if orphans are too many or memory short
 * (tcp_out_of_resources()); TCP_USER_TIMEOUT
 * bounds how long any connection probes, from its first probe. @ran is
 * the interval that just ran out. Return true if @sk was given up.
 */
static bool persist_give_up(struct sock *sk, u32 ran, u32 rto_max)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int max = READ_ONCE(xtcp_sk_net(sk)->retries2);

	if (!xs->probes_since)
		xs->probes_since = ktime_get();
	else if (xs->user_timeout &&
		 ktime_ms_delta(ktime_get(), xs->probes_since) >=
		 xs->user_timeout)
		goto give_up;
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = ran < rto_max;

		max = READ_ONCE(xtcp_sk_net(sk)->orphan_retries);
		if (!max && alive)
			max = 8;	/* tcp_orphan_retries() */
		if (!alive && xs->probe_backoff >= max)
			goto give_up;
		if (xtcp_check_oom(sk, 0)) {
			xtcp_abort_on_memory(sk);
			return true;
		}
	}
	if (xs->probes_out < max)
		return false;
give_up:
	xtcp_give_up(sk);
	return true;
}

/*
 * The probe interval: the RTO doubled per backoff, at most rto_max, nor
 * past what is left of TCP_USER_TIMEOUT (tcp_probe0_when(),
 * tcp_clamp_probe0_to_user_timeout()).
 */
static u32 persist_interval(const struct xtcp_sock *xs, u32 rto, u32 rto_max)
{
	u32 when = min_t(u64, (u64)rto << min_t(u8, xs->probe_backoff, 31),
			 rto_max);
	s64 left;

	if (xs->user_timeout && xs->probes_since) {
		left = xs->user_timeout -
		       ktime_ms_delta(ktime_get(), xs->probes_since);
		when = clamp_t(s64, left, 1, when);
	}
	return when;
}

/*
 * TCP_DEFER_ACCEPT (Linux's syn_ack_recalc()): a child whose bare ACK was
 * dropped waits for data without resending its SYN-ACK, until the last
 * timeout of the deferral, whose SYN-ACK draws the ACK that completes it.
 * @sk's retries already count this expiry.
 */
static bool synack_wanted(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return sk->sk_state != TCP_SYN_RECV || !xs->defer_acked ||
	       !xs->parent ||
	       xs->retries >= READ_ONCE(xtcp_sk(xs->parent)->defer_accept);
}

/*
 * RFC 8985 7.3: the probe timeout. A probe that goes has the RTO armed
 * afresh; with none (one is still out, nothing could go, or a recovery
 * began since) the RTO stays due when it was (tcp_send_loss_probe(),
 * tcp_rearm_rto()).
 */
static void tlp_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rto = xs->rtt.rto_ms ?: rto_initial(sk);

	if (xtcp_tlp_pto_ns(sk) && xtcp_send_loss_probe(sk)) {
		timer_trace(sk, XTCP_TIMER_LOSS_PROBE, xs->retries, rto);
		rtx_arm(sk, rto);
		return;
	}
	rto_resume(sk);
}

/*
 * Linux's tcp_model_timeout(): how long @boundary retransmissions take
 * from the first sending, the RTO doubling from @base_ms up to @max_ms.
 */
static u64 model_timeout_ms(u32 boundary, u32 base_ms, u32 max_ms)
{
	u64 t = 0, rto = base_ms;
	u32 i;

	for (i = 0; i <= boundary; i++) {
		t += rto;
		rto = min_t(u64, rto * 2, max_ms);
	}
	return t;
}

/*
 * A SYN's retransmissions end after what TCP_SYNCNT or syn_retries of
 * them would take backing off from the initial RTO, even while the
 * linear timeouts' extra SYNs are not all sent (retransmits_timed_out(),
 * with its allowance of a jiffy for the timer)
 */
static bool syn_timed_out(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	s64 waited = ktime_ms_delta(ktime_get(), xs->una_since);

	return sk->sk_state == TCP_SYN_SENT && xs->retries &&
	       (u64)max_t(s64, waited + jiffies_to_msecs(1), 0) >=
	       model_timeout_ms(xtcp_syn_retries(sk), rto_initial(sk),
				READ_ONCE(xtcp_sk_net(sk)->rto_max_ms));
}

/*
 * RFC 6298 5.5: back the RTO off, but not for the first
 * syn_linear_timeouts of a SYN's (Linux's tcp_syn_linear_timeouts: a
 * SYN lost early goes again after one initial RTO each time)
 */
static bool rto_backs_off(const struct sock *sk)
{
	return sk->sk_state != TCP_SYN_SENT ||
	       xtcp_sk(sk)->retries >
	       READ_ONCE(xtcp_sk_net(sk)->syn_linear_timeouts);
}

/*
 * RFC 8985 6.2: the reordering window passed with the holes below the
 * SACKed data it was armed for still there: they are lost, and a fast
 * recovery resends them, the RTO counting afresh from that (Linux's
 * tcp_rack_reo_timeout(), tcp_rearm_rto()). Else the RTO stays due when
 * it was.
 */
static void rack_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 fack = xtcp_cong_fack(&xs->cong, xs->snd_una);

	rto_resume(sk);
	/* a full board may have forgotten SACKed data since (cong.c) */
	if (!xtcp_rack_timeout_ns(sk) ||
	    !xtcp_cong_on_rack_lost(&xs->cong, xs->snd_una, xs->snd_nxt,
				    xtcp_seq_min(xs->rack_fack, fack),
				    xtcp_send_mss(xs)))
		return;
	timer_trace(sk, XTCP_TIMER_REORDER, xs->retries, xs->rtt.rto_ms);
	xs->tlp_out = 0;	/* a recovery ends a probe's episode */
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPSACKRECOVERY);
	xtcp_push(sk);
	rtx_arm(sk, xs->rtt.rto_ms ?: rto_initial(sk));
}

static void rtx_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rto_max = READ_ONCE(xtcp_sk_net(sk)->rto_max_ms);
	u32 rto = xs->rtt.rto_ms ?: rto_initial(sk);

	if (!timer_due(sk, &xs->rtx_timer, ARMED_RTX))
		return;
	if (xs->rtx_probe) {
		xs->rtx_probe = 0;
		tlp_expired(sk);
		return;
	}
	if (xs->rtx_reo) {
		xs->rtx_reo = 0;
		rack_expired(sk);
		return;
	}

	if (xs->snd_una == xs->snd_nxt) {
		if (!xtcp_seq_before(xs->snd_nxt, xs->write_seq))
			return;
		if (xs->snd_wnd) {
			/* Sender SWS override (MUST-38 (4)), TCP_CORK's
			 * ceiling: send the short segment held back.
			 */
			timer_trace(sk, XTCP_TIMER_OVERRIDE, 0, rto);
			xtcp_push_forced(sk);
			return;
		}
		timer_trace(sk, XTCP_TIMER_PERSIST, xs->probe_backoff,
			    persist_interval(xs, rto, rto_max));
		/* Persist: the RTO itself is left alone (tcp_probe0_when()) */
		if (persist_give_up(sk, persist_interval(xs, rto, rto_max),
				    rto_max))
			return;
		xtcp_send_probe(sk);
		xs->probes_out = min_t(u32, xs->probes_out + 1, U8_MAX);
		/* Up to retries2, and no further once at rto_max */
		if (xs->probe_backoff < READ_ONCE(xtcp_sk_net(sk)->retries2) &&
		    persist_interval(xs, rto, rto_max) < rto_max)
			xs->probe_backoff++;
		rtx_arm(sk, max(persist_interval(xs, rto, rto_max), 1U));
		return;
	}

	timer_trace(sk, XTCP_TIMER_RTX, xs->retries, rto);
	/* TCP_DEFER_ACCEPT: a bare ACK since the SYN-ACK lengthens it */
	if (sk->sk_state == TCP_SYN_RECV)
		xs->retry_limit = retry_limit(sk);
	/* An orphan, when orphans or memory run short (tcp_write_timeout) */
	if (sock_flag(sk, SOCK_DEAD) &&
	    !((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) &&
	    xtcp_check_oom(sk, 0)) {
		xtcp_abort_on_memory(sk);
		return;
	}
	/* A SYN's or SYN-ACK's count holds even under TCP_USER_TIMEOUT,
	 * which only replaces the modelled time (tcp_write_timeout())
	 */
	if (((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) &&
	    xs->retries >= xs->retry_limit) {
		xtcp_give_up(sk);
		return;
	}
	if (xs->user_timeout) {
		s64 waited = ktime_ms_delta(ktime_get(), xs->una_since);

		if (waited >= xs->user_timeout) {
			xtcp_give_up(sk);
			return;
		}
		/* Do not sleep past the user timeout (as Linux). */
		rto_max = min_t(s64, rto_max, xs->user_timeout - waited);
	} else if (xs->retries >= xs->retry_limit || syn_timed_out(sk)) {
		xtcp_give_up(sk);
		return;
	}
	xs->retries++;
	xs->tlp_out = 0;	/* the timeout ends a probe's episode */
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPTIMEOUTS);
	xtcp_rtt_retransmitted(&xs->rtt);
	/* RFC 9293 3.8.3: at R1, ask IP for another route (negative advice) */
	if (xs->retries == READ_ONCE(xtcp_sk_net(sk)->retries1))
		sk_dst_reset(sk);
	if (!((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))) {
		/* past R1, a black hole may eat big segments (pmtu.c) */
		if (xs->retries >= READ_ONCE(xtcp_sk_net(sk)->retries1))
			xtcp_mtu_black_hole(sk);
		if (xtcp_cong_sack_reneged(&xs->cong, xs->snd_una))
			XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPSACKRENEGING);
		/* RFC 5681 3.1: the loss window; resend from SND.UNA */
		xtcp_cong_on_rto(&xs->cong, xs->snd_una, xs->snd_nxt,
				 xtcp_send_mss(xs));
	}
	if (synack_wanted(sk))
		xtcp_retransmit_head(sk);
	if (rto_backs_off(sk))
		xs->rtt.rto_ms = xtcp_rto_backoff(rto, rto_max);
	else
		xs->rtt.rto_ms = min(rto, rto_max);
	rtx_arm(sk, max(xs->rtt.rto_ms, 1U));
}

static void ka_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s64 elapsed, idle, intvl;

	if (!timer_due(sk, &xs->ka_timer, ARMED_KA))
		return;
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT |
				    TCPF_SYN_RECV | TCPF_TIME_WAIT)))
		return;

	idle = (s64)xtcp_keepidle(sk) * MSEC_PER_SEC;
	intvl = (s64)xtcp_keepintvl(sk) * MSEC_PER_SEC;
	/* Data in flight or waiting: the retransmission timer watches. */
	if (xs->snd_una != xs->snd_nxt || xs->snd_nxt != xs->write_seq) {
		ka_arm(sk, idle);
		return;
	}
	elapsed = ktime_ms_delta(ktime_get(), xs->last_rcv);
	if (ktime_before(ktime_get(), ktime_add_ms(xs->last_rcv, idle))) {
		/* Heard from since: wake exactly when the idle time is up. */
		s64 ns = ktime_to_ns(ktime_sub(ktime_add_ms(xs->last_rcv, idle),
					       ktime_get()));

		xs->armed |= ARMED_KA;
		timer_arm_ns(sk, &xs->ka_timer, ARMED_KA, max_t(s64, ns, 1));
		return;
	}
	timer_trace(sk, XTCP_TIMER_KEEPALIVE, xs->ka_probes, xs->rtt.rto_ms);
	if ((xs->user_timeout && elapsed >= xs->user_timeout &&
	     xs->ka_probes) ||
	    (!xs->user_timeout && xs->ka_probes >= xtcp_keepcnt(sk))) {
		xtcp_abort(sk, ETIMEDOUT);
		return;
	}
	xtcp_send_keepalive(sk);
	xs->ka_probes++;
	ka_arm(sk, intvl);
}

static void delack_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!timer_due(sk, &xs->delack_timer, ARMED_DELACK))
		return;
	if (xs->rcv_nxt != xs->rcv_acked &&
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
		timer_trace(sk, XTCP_TIMER_DELACK, 0, xs->rtt.rto_ms);
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_DELAYEDACKS);
		/* no answer carried it: not interactive after all (Linux) */
		xs->pingpong = 0;
		/* no memory for it: try again later (__tcp_send_ack()) */
		if (xtcp_send_ack(sk) == -ENOBUFS) {
			xs->armed |= ARMED_DELACK;
			timer_arm(sk, &xs->delack_timer, ARMED_DELACK,
				  READ_ONCE(xtcp_sk_net(sk)->delack_ms));
		}
	}
}

static void wait_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!timer_due(sk, &xs->wait_timer, ARMED_WAIT))
		return;
	if (sk->sk_state == TCP_TIME_WAIT ||
	    (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD))) {
		timer_trace(sk, sk->sk_state == TCP_TIME_WAIT ?
			    XTCP_TIMER_TIME_WAIT : XTCP_TIMER_FIN_WAIT2,
			    0, xs->rtt.rto_ms);
		xtcp_transition(sk, XTCP_EV_TIMEOUT);
		xtcp_done(sk);
	}
}

/*
 * Run @fn now, or leave it to release_sock() if a process owns @sk; an
 * expiry the timer was armed again after does nothing (timer_claim).
 */
static enum hrtimer_restart timer_fire(struct sock *sk, struct hrtimer *t,
				       u8 armed_bit, int defer_bit,
				       void (*fn)(struct sock *sk))
{
	if (!timer_claim(sk, t, armed_bit))
		return HRTIMER_NORESTART;
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		fn(sk);
	else if (!test_and_set_bit(defer_bit, &xtcp_sk(sk)->deferred))
		sock_hold(sk);		/* for xtcp_release_cb() */
	bh_unlock_sock(sk);
	sock_put(sk);			/* the queued timer's reference */
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart rtx_timer_fn(struct hrtimer *t)
{
	struct xtcp_sock *xs = container_of(t, struct xtcp_sock, rtx_timer);

	return timer_fire(&xs->inet.sk, t, ARMED_RTX, XTCP_DEFER_RTX,
			  rtx_expired);
}

static enum hrtimer_restart wait_timer_fn(struct hrtimer *t)
{
	struct xtcp_sock *xs = container_of(t, struct xtcp_sock, wait_timer);

	return timer_fire(&xs->inet.sk, t, ARMED_WAIT, XTCP_DEFER_WAIT,
			  wait_expired);
}

static enum hrtimer_restart ka_timer_fn(struct hrtimer *t)
{
	struct xtcp_sock *xs = container_of(t, struct xtcp_sock, ka_timer);

	return timer_fire(&xs->inet.sk, t, ARMED_KA, XTCP_DEFER_KA,
			  ka_expired);
}

static enum hrtimer_restart delack_timer_fn(struct hrtimer *t)
{
	struct xtcp_sock *xs = container_of(t, struct xtcp_sock, delack_timer);

	return timer_fire(&xs->inet.sk, t, ARMED_DELACK, XTCP_DEFER_DELACK,
			  delack_expired);
}

/**
 * xtcp_release_cb() - run the expiries deferred while a process owned the
 * socket (struct proto.release_cb, called from release_sock())
 * @sk: the socket, still owned; release_sock() holds its spinlock with
 *	BHs off, so a timer callback of this socket meanwhile spins on it
 *
 * An expiry may end an orphan (retries exhausted: xtcp_done drops the
 * orphan's reference); each deferred one's reference is dropped after
 * it, which is never the last only because the caller of release_sock()
 * on an orphan holds its own (xtcp.h, "References across release_sock").
 */
void xtcp_release_cb(struct sock *sk)
	__must_hold(&sk->sk_lock.slock)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	lockdep_assert_held(&sk->sk_lock.slock);

	if (test_and_clear_bit(XTCP_DEFER_RTX, &xs->deferred)) {
		rtx_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DEFER_WAIT, &xs->deferred)) {
		wait_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DEFER_KA, &xs->deferred)) {
		ka_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DEFER_DELACK, &xs->deferred)) {
		delack_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DEFER_MTU, &xs->deferred)) {
		xtcp_mtu_reduced(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DEFER_ICMP, &xs->deferred)) {
		xtcp_icmp_deferred(sk);
		__sock_put(sk);
	}
}

void xtcp_timers_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	spin_lock_init(&xs->timer_lock);
	xs->timer_refs = 0;
	hrtimer_init(&xs->rtx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	xs->rtx_timer.function = rtx_timer_fn;
	hrtimer_init(&xs->wait_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	xs->wait_timer.function = wait_timer_fn;
	hrtimer_init(&xs->ka_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	xs->ka_timer.function = ka_timer_fn;
	hrtimer_init(&xs->delack_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	xs->delack_timer.function = delack_timer_fn;
}
