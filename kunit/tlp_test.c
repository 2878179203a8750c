// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_tlp: the tail loss probe's timeout and what an ACK says
 * of a probe (RFC 8985 7.2, 7.4), with Linux's values
 * (tcp_schedule_loss_probe(), tcp_process_tlp_ack()).
 */
#include <kunit/test.h>
#include <linux/time64.h>

#include "../module/cong.h"
#include "../module/xtcp.h"

#define MIN_US		(200 * USEC_PER_MSEC)	/* rto_min_ms 200 */
#define INIT_US		USEC_PER_SEC		/* rto_initial_ms 1000 */

/* 7.2: 2 SRTT, plus the delayed-ACK allowance with one segment out */
static void tlp_pto_two_srtt(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(10000, true, MIN_US, INIT_US),
			220000u);
	/* several out: Linux's TCP_TIMEOUT_MIN_US, 2 ms */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(10000, false, MIN_US, INIT_US),
			22000u);
	/* no sample yet: the initial RTO (TCP_TIMEOUT_INIT) */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_pto_us(0, false, MIN_US, INIT_US),
			(u32)INIT_US);
}

/* 7.4.2: an ACK below the probe's end says nothing yet */
static void tlp_verdict_below_end_waits(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 4999, false, true),
			XTCP_TLP_WAIT);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 4999, true, false),
			XTCP_TLP_WAIT);
}

/* a probe of new data, once acknowledged, repaired nothing */
static void tlp_verdict_new_data_no_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, false, 5000, false, true),
			XTCP_TLP_NO_LOSS);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, false, 6000, false, true),
			XTCP_TLP_NO_LOSS);
}

/* a D-SACK of the probe: the original had arrived */
static void tlp_verdict_dsack_no_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 5000, true, true),
			XTCP_TLP_NO_LOSS);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 6000, true, true),
			XTCP_TLP_NO_LOSS);
}

/* SND.UNA beyond the probe, no D-SACK: the probe repaired a loss */
static void tlp_verdict_beyond_end_loss(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 5001, false, true),
			XTCP_TLP_LOSS);
	/* across the wrap */
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(0xfffffff0u, true, 0x10, false,
					       true), XTCP_TLP_LOSS);
}

/*
 * At the probe's end: an ACK with news waits for a D-SACK that may come;
 * a pure duplicate ACK there says both copies arrived.
 */
static void tlp_verdict_at_end(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 5000, false, true),
			XTCP_TLP_WAIT);
	KUNIT_EXPECT_EQ(test, xtcp_tlp_verdict(5000, true, 5000, false, false),
			XTCP_TLP_NO_LOSS);
}

/* the response: ssthresh from the flight, cwnd down to it, never up */
static void tlp_loss_reduces_cwnd(struct kunit *test)
{
	struct xtcp_cong c;

	xtcp_cong_init(&c, 1000);
	c.cwnd = 20000;
	xtcp_cong_on_tlp_loss(&c, 0, 16000, 1000);
	KUNIT_EXPECT_EQ(test, c.ssthresh, 8000u);
	KUNIT_EXPECT_EQ(test, c.cwnd, 8000u);
	KUNIT_EXPECT_EQ(test, c.state, (u8)XTCP_CA_OPEN);
	/* a small flight: at least two segments (RFC 5681 equation 4) */
	c.cwnd = 1500;
	xtcp_cong_on_tlp_loss(&c, 0, 1000, 1000);
	KUNIT_EXPECT_EQ(test, c.ssthresh, 2000u);
	KUNIT_EXPECT_EQ(test, c.cwnd, 1500u);
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
	KUNIT_CASE(tlp_verdict_below_end_waits),
	KUNIT_CASE(tlp_verdict_new_data_no_loss),
	KUNIT_CASE(tlp_verdict_dsack_no_loss),
	KUNIT_CASE(tlp_verdict_beyond_end_loss),
	KUNIT_CASE(tlp_verdict_at_end),
	KUNIT_CASE(tlp_loss_reduces_cwnd),
	KUNIT_CASE(tlp_dsack_predicate),
	{}
};

static struct kunit_suite xtcp_tlp_suite = {
	.name = "xtcp_tlp",
	.test_cases = xtcp_tlp_cases,
};

kunit_test_suite(xtcp_tlp_suite);
