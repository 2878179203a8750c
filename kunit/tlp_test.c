// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_tlp: the tail loss probe's timeout and what an ACK says
 * of a probe (RFC 8985 7.2, 7.4), with Linux's values
 * (tcp_schedule_loss_probe(), tcp_process_tlp_ack()).
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/time64.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "../module/cong.h"
#include "../module/xtcp.h"

#define MIN_US		(200 * USEC_PER_MSEC)	/* rto_min_ms 200 */
#define INIT_US		USEC_PER_SEC		/* rto_initial_ms 1000 */

/* 7.2: 2 SRTT, plus the delayed-ACK allowance with one segment out */
static void tlp_pto_two_srtt(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(10000, true, MIN_US, INIT_US),
			220000ull);
	/* several out: Linux's TCP_TIMEOUT_MIN_US, 2 ms */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(10000, false, MIN_US, INIT_US),
			22000ull);
	/* no sample yet: the initial RTO (TCP_TIMEOUT_INIT) */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(0, false, MIN_US, INIT_US),
			(u64)INIT_US);
	/* no wrap with the largest rto_min_ms */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(U32_MAX, true,
					      3600ull * USEC_PER_SEC, INIT_US),
			2ull * U32_MAX + 3600ull * USEC_PER_SEC);
}

/* An xtcp socket of init_net, ESTABLISHED with SACK and an MSS of 1000 */
static struct socket *sack_conn(struct kunit *test)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, xtcp_family,
					       SOCK_STREAM, 0, &sock), 0);
	sock->sk->sk_state = TCP_ESTABLISHED;
	xtcp_sk(sock->sk)->sack_ok = 1;
	xtcp_sk(sock->sk)->snd_mss = 1000;
	return sock;
}

/*
 * When a probe is due, on a socket of init_net (rto_min_ms 200): two
 * segments out, 2 SRTT + 2 ms in whole jiffies; one out (SND.UNA at the
 * last segment sent, however short the one before), 2 SRTT + 200 ms;
 * none with data SACKed (Linux's Disorder state), in a recovery, or
 * without SACK.
 */
static void tlp_pto_when_due(struct kunit *test)
{
	struct socket *sock = sack_conn(test);
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rtt.srtt_us = 10000;
	xs->snd_una = 1000;
	xs->last_seg = 2000;
	xs->snd_nxt = 3000;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(22000)));
	KUNIT_EXPECT_GE(test, xtcp_tlp_pto_ns(sk), 22000 * NSEC_PER_USEC);
	xs->last_seg = 1100;		/* 100 bytes, then 1900: two */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(22000)));
	xs->snd_una = 1100;		/* the short one acknowledged */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(220000)));
	xs->snd_una = 1000;
	xs->last_seg = 1000;
	xs->snd_nxt = 2000;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(220000)));
	xs->cong.sb.n = 1;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk), 0);
	xs->cong.sb.n = 0;
	xs->cong.state = XTCP_CA_RECOVERY;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk), 0);
	xs->cong.state = XTCP_CA_OPEN;
	xs->sack_ok = 0;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk), 0);
	xs->sack_ok = 1;
	xs->snd_nxt = xs->snd_una;
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_ns(sk), 0);

	sk->sk_state = TCP_CLOSE;
	sock_release(sock);
}

/* 7.4.2: an ACK below the probe's end says nothing yet */
static void tlp_verdict_below_end_waits(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 4999, false, true),
			XTCP_TLP_WAIT);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 4999, true, false),
			XTCP_TLP_WAIT);
}

/* a probe of new data, once acknowledged, repaired nothing */
static void tlp_verdict_new_data_no_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, false, 5000, false, true),
			XTCP_TLP_NO_LOSS);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, false, 6000, false, true),
			XTCP_TLP_NO_LOSS);
}

/* a D-SACK of the probe: the original had arrived */
static void tlp_verdict_dsack_no_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 5000, true, true),
			XTCP_TLP_NO_LOSS);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 6000, true, true),
			XTCP_TLP_NO_LOSS);
}

/* SND.UNA beyond the probe, no D-SACK: the probe repaired a loss */
static void tlp_verdict_beyond_end_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 5001, false, true),
			XTCP_TLP_LOSS);
	/* across the wrap */
	KUNIT_EXPECT_EQ(test,
			xtcp_tlp_judge(0xfffffff0u, true, 0x10, false, true),
			XTCP_TLP_LOSS);
}

/*
 * At the probe's end: an ACK with news waits for a D-SACK that may come;
 * a pure duplicate ACK there says both copies arrived.
 */
static void tlp_verdict_at_end(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 5000, false, true),
			XTCP_TLP_WAIT);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_judge(5000, true, 5000, false, false),
			XTCP_TLP_NO_LOSS);
}

/* the response: ssthresh half of cwnd (Linux's CWR), cwnd down to it */
static void tlp_loss_reduces_cwnd(struct kunit *test)
{
	struct xtcp_cong c;

	xtcp_cong_init(&c, 1000);
	c.cwnd = 20000;
	xtcp_cong_on_tlp_loss(&c, 1000);
	KUNIT_EXPECT_EQ(test, c.ssthresh, 10000u);
	KUNIT_EXPECT_EQ(test, c.cwnd, 10000u);
	KUNIT_EXPECT_EQ(test, c.state, (u8)XTCP_CA_OPEN);
	/* at least two segments (tcp_reno_ssthresh()); cwnd never grows */
	c.cwnd = 1500;
	xtcp_cong_on_tlp_loss(&c, 1000);
	KUNIT_EXPECT_EQ(test, c.ssthresh, 2000u);
	KUNIT_EXPECT_EQ(test, c.cwnd, 1500u);
}

/*
 * RACK (RFC 8985 6.2): the holes below the SACKed byte the window was
 * armed at are lost, a fast recovery begins; none in a recovery, none
 * without a hole.
 */
static void rack_lost_begins_recovery(struct kunit *test)
{
	struct xtcp_sack_block b = { 2000, 3000 };
	struct xtcp_cong c;

	xtcp_cong_init(&c, 1000);
	c.cwnd = 10000;
	xtcp_cong_on_sack(&c, &b, 1, 1000, 5000, 1000);
	KUNIT_EXPECT_FALSE(test, xtcp_cong_on_rack_lost(&c, 2000, 5000, 3000,
							1000));
	KUNIT_EXPECT_TRUE(test, xtcp_cong_on_rack_lost(&c, 1000, 5000, 3000,
						       1000));
	KUNIT_EXPECT_EQ(test, c.state, (u8)XTCP_CA_RECOVERY);
	KUNIT_EXPECT_EQ(test, c.lost_end, 3000u);
	KUNIT_EXPECT_EQ(test, c.recover, 5000u);
	KUNIT_EXPECT_FALSE(test, xtcp_cong_on_rack_lost(&c, 1000, 5000, 3000,
							1000));
}

/*
 * RACK's window on a real socket of init_net (net.xtcp.recovery 1): a
 * quarter of the minimum RTT, at most SRTT, plus 2 ms, in whole jiffies,
 * with a hole below SACKed data; none without a hole, in a recovery, or
 * while copies resent before an undo are out.
 */
static void rack_window_when_due(struct kunit *test)
{
	struct xtcp_sack_block b = { 2000, 3000 };
	struct socket *sock = sack_conn(test);
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rtt.srtt_us = 20000;
	xs->rtt.min_us = 40000;
	xs->snd_una = 1000;
	xs->snd_nxt = 5000;
	KUNIT_EXPECT_EQ(test, xtcp_rack_timeout_ns(sk), 0);	/* no hole */
	xtcp_cong_init(&xs->cong, 1000);
	xtcp_cong_on_sack(&xs->cong, &b, 1, 1000, 5000, 1000);
	/* min RTT / 4 is 10 ms, SRTT 20 ms: 10 ms + 2 ms */
	KUNIT_EXPECT_EQ(test, xtcp_rack_timeout_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(12000)));
	xs->rtt.srtt_us = 4000;		/* capped by SRTT */
	KUNIT_EXPECT_EQ(test, xtcp_rack_timeout_ns(sk),
			(s64)jiffies_to_nsecs(usecs_to_jiffies(6000)));
	xs->cong.rack_hold = 1;
	xs->cong.rack_after = 1500;
	KUNIT_EXPECT_EQ(test, xtcp_rack_timeout_ns(sk), 0);
	xs->snd_una = 1500;		/* the copies are acknowledged */
	KUNIT_EXPECT_NE(test, xtcp_rack_timeout_ns(sk), 0);
	KUNIT_EXPECT_EQ(test, xs->cong.rack_hold, 0);
	xs->cong.state = XTCP_CA_RECOVERY;
	KUNIT_EXPECT_EQ(test, xtcp_rack_timeout_ns(sk), 0);

	sk->sk_state = TCP_CLOSE;
	sock_release(sock);
}

/* RFC 2883 4: the first block below SEG.ACK, or within the second */
static void tlp_dsack_predicate(struct kunit *test)
{
	struct xtcp_sack_block below[] = { { 1000, 2000 } };
	struct xtcp_sack_block within[] = { { 3000, 3500 }, { 3000, 4000 } };
	struct xtcp_sack_block plain[] = { { 3000, 3500 }, { 5000, 6000 } };

	KUNIT_EXPECT_TRUE(test, xtcp_sack_is_dsack(below, 1, 2000));
	KUNIT_EXPECT_TRUE(test, xtcp_sack_is_dsack(within, 2, 2000));
	KUNIT_EXPECT_FALSE(test, xtcp_sack_is_dsack(plain, 2, 2000));
	KUNIT_EXPECT_FALSE(test, xtcp_sack_is_dsack(plain, 1, 2000));
}

static struct kunit_case xtcp_tlp_cases[] = {
	KUNIT_CASE(tlp_pto_two_srtt),
	KUNIT_CASE(tlp_pto_when_due),
	KUNIT_CASE(tlp_verdict_below_end_waits),
	KUNIT_CASE(tlp_verdict_new_data_no_loss),
	KUNIT_CASE(tlp_verdict_dsack_no_loss),
	KUNIT_CASE(tlp_verdict_beyond_end_loss),
	KUNIT_CASE(tlp_verdict_at_end),
	KUNIT_CASE(tlp_loss_reduces_cwnd),
	KUNIT_CASE(tlp_dsack_predicate),
	KUNIT_CASE(rack_lost_begins_recovery),
	KUNIT_CASE(rack_window_when_due),
	{}
};

static struct kunit_suite xtcp_tlp_suite = {
	.name = "xtcp_tlp",
	.test_cases = xtcp_tlp_cases,
};

kunit_test_suite(xtcp_tlp_suite);
