// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_timer: the RFC 6298 estimator on worked sequences,
 * Karn's algorithm, clamping, backoff, the retry schedules the tunables
 * produce, and the delayed-ACK engine's estimate of the peer's MSS.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

#define MIN_MS	200
#define MAX_MS	120000

/* 2.2: first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR */
static void rtt_first_sample(struct kunit *test)
{
	struct xtcp_rtt e = {};

	xtcp_rtt_sample(&e, 100000, MIN_MS, MAX_MS);	/* R = 100 ms */
	KUNIT_EXPECT_EQ(test, e.srtt_us, 100000u);
	KUNIT_EXPECT_EQ(test, e.rttvar_us, 50000u);
	KUNIT_EXPECT_EQ(test, e.rto_ms, 300u);		/* 100 + 4 * 50 */
}

/* 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|; SRTT = 7/8 SRTT + 1/8 R' */
static void rtt_subsequent_samples(struct kunit *test)
{
	struct xtcp_rtt e = {};

	xtcp_rtt_sample(&e, 100000, MIN_MS, MAX_MS);
	xtcp_rtt_sample(&e, 180000, MIN_MS, MAX_MS);
	/* RTTVAR = 37500 + 20000, SRTT = 87500 + 22500 */
	KUNIT_EXPECT_EQ(test, e.rttvar_us, 57500u);
	KUNIT_EXPECT_EQ(test, e.srtt_us, 110000u);
	KUNIT_EXPECT_EQ(test, e.rto_ms, 340u);		/* 110 + 230 */

	xtcp_rtt_sample(&e, 110000, MIN_MS, MAX_MS);	/* R' = SRTT */
	KUNIT_EXPECT_EQ(test, e.rttvar_us, 43125u);	/* 3/4 of 57500 */
	KUNIT_EXPECT_EQ(test, e.srtt_us, 110000u);
	KUNIT_EXPECT_EQ(test, e.rto_ms, 283u);		/* ceil(282.5) */
}

/* A steady path converges: RTTVAR shrinks, RTO approaches SRTT. */
static void rtt_converges(struct kunit *test)
{
	struct xtcp_rtt e = {};
	int i;

	for (i = 0; i < 200; i++)
		xtcp_rtt_sample(&e, 500000, MIN_MS, MAX_MS);
	KUNIT_EXPECT_EQ(test, e.srtt_us, 500000u);
	KUNIT_EXPECT_LT(test, e.rttvar_us, 1000u);
	KUNIT_EXPECT_LE(test, e.rto_ms, 504u);
	KUNIT_EXPECT_GE(test, e.rto_ms, 500u);
}

/* 2.4 / 2.5: the RTO stays within [rto_min, rto_max]. */
static void rtt_clamped(struct kunit *test)
{
	struct xtcp_rtt e = {};

	xtcp_rtt_sample(&e, 50, MIN_MS, MAX_MS);	/* loopback: 50 us */
	KUNIT_EXPECT_EQ(test, e.rto_ms, (u32)MIN_MS);
	e = (struct xtcp_rtt){};
	xtcp_rtt_sample(&e, 100000000, MIN_MS, MAX_MS);	/* 100 s */
	KUNIT_EXPECT_EQ(test, e.rto_ms, (u32)MAX_MS);
	e = (struct xtcp_rtt){};
	xtcp_rtt_sample(&e, 50, 1, MAX_MS);		/* rto_min_ms = 1 */
	KUNIT_EXPECT_EQ(test, e.rto_ms, 1u);
}

/* Karn: a measurement spanning a retransmission yields no sample. */
static void rtt_karn(struct kunit *test)
{
	struct xtcp_rtt e = {};
	ktime_t t0 = ms_to_ktime(1000);
	u32 us = 0;

	xtcp_rtt_sent(&e, 1100, t0);
	KUNIT_EXPECT_FALSE(test, xtcp_rtt_acked(&e, 1050, t0 + 10000, &us));
	xtcp_rtt_retransmitted(&e);
	KUNIT_EXPECT_FALSE(test, xtcp_rtt_acked(&e, 1100, t0 + 20000, &us));

	/* The next new data is timed again, one measurement at a time. */
	xtcp_rtt_sent(&e, 1200, t0 + 30000);
	xtcp_rtt_sent(&e, 1300, t0 + 40000);
	KUNIT_EXPECT_TRUE(test, xtcp_rtt_acked(&e, 1250, t0 + 80000, &us));
	KUNIT_EXPECT_EQ(test, us, 50u);
	KUNIT_EXPECT_FALSE(test, xtcp_rtt_acked(&e, 1300, t0 + 90000, &us));
}

/* A measurement ends by an ACK across the sequence wrap too. */
static void rtt_acked_across_wrap(struct kunit *test)
{
	struct xtcp_rtt e = {};
	u32 us = 0;

	xtcp_rtt_sent(&e, 0x10, 0);
	KUNIT_EXPECT_FALSE(test, xtcp_rtt_acked(&e, 0xfffffff0u, 5000, &us));
	KUNIT_EXPECT_TRUE(test, xtcp_rtt_acked(&e, 0x20, 7000, &us));
	KUNIT_EXPECT_EQ(test, us, 7u);
}

/* 5.5: backoff doubles, to rto_max and no further, without overflow. */
static void rto_backoff(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_rto_backoff(1000, MAX_MS), 2000u);
	KUNIT_EXPECT_EQ(test, xtcp_rto_backoff(80000, MAX_MS), (u32)MAX_MS);
	KUNIT_EXPECT_EQ(test, xtcp_rto_backoff(MAX_MS, MAX_MS), (u32)MAX_MS);
	KUNIT_EXPECT_EQ(test, xtcp_rto_backoff(0x90000000u, 0xffffffffu),
			0xffffffffu);
}

/*
 * The SYN schedule of the defaults (rto_initial 1 s, syn_retries 6):
 * retransmissions at 1, 3, 7, 15, 31, 63 s, connect() fails at 127 s,
 * as Linux's.
 */
static void syn_schedule(struct kunit *test)
{
	static const u32 at[] = { 1000, 3000, 7000, 15000, 31000, 63000 };
	struct xtcp_net xn = {};
	u32 t = 0, rto;
	int i;

	xtcp_net_set_defaults(&xn);
	rto = xn.rto_initial_ms;
	for (i = 0; i < xn.syn_retries; i++) {
		t += rto;
		KUNIT_EXPECT_EQ(test, t, at[i]);
		rto = xtcp_rto_backoff(rto, xn.rto_max_ms);
	}
	KUNIT_EXPECT_EQ(test, t + rto, 127000u);
}

/* SYN-ACKs (synack_retries 5) and R2 (retries2 15) from 200 ms. */
static void synack_and_r2_schedules(struct kunit *test)
{
	struct xtcp_net xn = {};
	u32 t = 0, rto;
	int i;

	xtcp_net_set_defaults(&xn);
	for (rto = xn.rto_initial_ms, i = 0; i <= xn.synack_retries; i++) {
		t += rto;
		rto = xtcp_rto_backoff(rto, xn.rto_max_ms);
	}
	KUNIT_EXPECT_EQ(test, t, 63000u);	/* 1+2+4+8+16+32 s */

	/* From rto_min, 15 retries reach rto_max and stay there. */
	for (t = 0, rto = xn.rto_min_ms, i = 0; i <= xn.retries2; i++) {
		t += rto;
		rto = xtcp_rto_backoff(rto, xn.rto_max_ms);
	}
	KUNIT_EXPECT_EQ(test, rto, (u32)MAX_MS);
	KUNIT_EXPECT_EQ(test, t, 924600u);	/* Linux's 924.6 s */
}

/* In-order text of @len bytes with @flags, as xtcp_queue_data() has it. */
static struct sk_buff *text(struct kunit *test, u32 len, u8 flags)
{
	struct sk_buff *skb = alloc_skb(MAX_TCP_HEADER + len, GFP_KERNEL);
	struct tcphdr *th;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, MAX_TCP_HEADER);
	skb_put_zero(skb, len);
	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->doff = 5;
	__skb_pull(skb, sizeof(*th));
	XTCP_SKB_CB(skb)->flags = flags;
	return skb;
}

/* Feed one segment to the estimator; free it. */
static void measure(struct kunit *test, struct sock *sk, u32 len, u8 flags)
{
	struct sk_buff *skb = text(test, len, flags);

	xtcp_measure_rcv_mss(sk, skb, len);
	kfree_skb(skb);
}

/*
 * The estimate at the handshake, as tcp_initialize_rcv_mss(): 536, or half
 * a small window, at least 88; a later call keeps what text taught.
 */
static void rcv_mss_initial(struct kunit *test)
{
	struct xtcp_sock *xs = kunit_kzalloc(test, sizeof(*xs), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, xs);
	xs->rcv_mss = 1460;
	xs->snd_mss = 1460;
	xs->rcv_wnd = 65535;
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 536u);	/* before */
	xtcp_rcv_mss_init(xs);
	KUNIT_EXPECT_EQ(test, xs->rcv_mss_est, 536);
	xs->rcv_mss_est = 0;
	xs->rcv_wnd = 400;
	xtcp_rcv_mss_init(xs);
	KUNIT_EXPECT_EQ(test, xs->rcv_mss_est, 200);
	xs->rcv_mss_est = 0;
	xs->rcv_wnd = 100;
	xtcp_rcv_mss_init(xs);
	KUNIT_EXPECT_EQ(test, xs->rcv_mss_est, TCP_MIN_MSS);
	xs->rcv_mss_est = 1000;
	xtcp_rcv_mss_init(xs);
	KUNIT_EXPECT_EQ(test, xs->rcv_mss_est, 1000);
}

/*
 * The peer's MSS as Linux's tcp_measure_rcv_mss() estimates it: 536 before
 * text; a full segment sets it (a GSO skb by its gso_size), and if pushed
 * marks the ACK pushed; short pushed text does not lower it but marks the
 * ACK pushed (twice: PUSHED2); two unpushed segments in a row of the same
 * size lower it to theirs, less the Timestamps option if agreed.
 */
static void rcv_mss_estimate(struct kunit *test)
{
	struct xtcp_sock *xs = kunit_kzalloc(test, sizeof(*xs), GFP_KERNEL);
	struct sock *sk = (struct sock *)xs;
	const u8 psh = XTCP_ACK | XTCP_PSH;
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, xs);
	xs->rcv_mss = 1460;
	xs->snd_mss = 1460;
	xs->rcv_wnd = 65535;
	xtcp_rcv_mss_init(xs);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 536u);

	measure(test, sk, 100, psh);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 536u);
	KUNIT_EXPECT_EQ(test, xs->ack_pushed, XTCP_ACK_PUSHED);
	measure(test, sk, 100, psh);
	KUNIT_EXPECT_EQ(test, xs->ack_pushed,
			XTCP_ACK_PUSHED | XTCP_ACK_PUSHED2);

	measure(test, sk, 1460, XTCP_ACK);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1460u);
	measure(test, sk, 2000, XTCP_ACK);		/* at most our MSS */
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1460u);

	measure(test, sk, 1000, XTCP_ACK);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1460u);
	measure(test, sk, 1000, XTCP_ACK);		/* twice: lowered */
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1000u);

	measure(test, sk, 300, psh);
	measure(test, sk, 300, psh);			/* pushed: kept */
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1000u);
	measure(test, sk, 600, psh);
	measure(test, sk, 600, psh);			/* 536 or more: taken */
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 600u);

	xs->ack_pushed = 0;
	measure(test, sk, 1460, psh);			/* full, pushed */
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1460u);
	KUNIT_EXPECT_EQ(test, xs->ack_pushed, XTCP_ACK_PUSHED);

	skb = text(test, 8000, XTCP_ACK);		/* GRO: 5 x 1448 + 760 */
	skb_shinfo(skb)->gso_size = 1448;
	xtcp_measure_rcv_mss(sk, skb, skb->len);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1460u);	/* not lowered */

	xs->ts_ok = 1;				/* 12 bytes of options */
	xs->rcv_mss_est = 1448;
	measure(test, sk, 1000 + TCPOLEN_TSTAMP_ALIGNED, XTCP_ACK);
	measure(test, sk, 1000 + TCPOLEN_TSTAMP_ALIGNED, XTCP_ACK);
	KUNIT_EXPECT_EQ(test, xtcp_peer_mss(xs), 1000u);
}

static struct kunit_case xtcp_timer_cases[] = {
	KUNIT_CASE(rtt_first_sample),
	KUNIT_CASE(rtt_subsequent_samples),
	KUNIT_CASE(rtt_converges),
	KUNIT_CASE(rtt_clamped),
	KUNIT_CASE(rtt_karn),
	KUNIT_CASE(rtt_acked_across_wrap),
	KUNIT_CASE(rto_backoff),
	KUNIT_CASE(syn_schedule),
	KUNIT_CASE(synack_and_r2_schedules),
	KUNIT_CASE(rcv_mss_initial),
	KUNIT_CASE(rcv_mss_estimate),
	{}
};

static struct kunit_suite xtcp_timer_suite = {
	.name = "xtcp_timer",
	.test_cases = xtcp_timer_cases,
};

kunit_test_suite(xtcp_timer_suite);
