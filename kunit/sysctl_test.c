// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_sysctl: the tunables' defaults are Linux TCP's and lie
 * inside the ranges the sysctl table enforces.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

static void sysctl_defaults_are_linux(struct kunit *test)
{
	struct xtcp_net xn = {};

	xtcp_net_set_defaults(&xn);
	KUNIT_EXPECT_EQ(test, xn.syn_retries, 6);
	KUNIT_EXPECT_EQ(test, xn.synack_retries, 5);
	KUNIT_EXPECT_EQ(test, xn.retries1, 3);
	KUNIT_EXPECT_EQ(test, xn.retries2, 15);
	KUNIT_EXPECT_EQ(test, xn.fin_timeout, 60);
	KUNIT_EXPECT_EQ(test, xn.keepalive_time, 7200);
	KUNIT_EXPECT_EQ(test, xn.keepalive_intvl, 75);
	KUNIT_EXPECT_EQ(test, xn.keepalive_probes, 9);
	KUNIT_EXPECT_EQ(test, xn.rto_initial_ms, 1000);
	KUNIT_EXPECT_EQ(test, xn.rto_min_ms, 200);
	KUNIT_EXPECT_EQ(test, xn.rto_max_ms, 120000);
	KUNIT_EXPECT_EQ(test, 2 * xn.msl_ms, 60000);
	KUNIT_EXPECT_EQ(test, xn.reordering, 3);
	KUNIT_EXPECT_EQ(test, xn.max_reordering, 300);
	KUNIT_EXPECT_EQ(test, xn.sack, 1);
	KUNIT_EXPECT_EQ(test, xn.dsack, 1);
	KUNIT_EXPECT_EQ(test, xn.max_tw_buckets, XTCP_EHASH_SIZE / 2);
	KUNIT_EXPECT_EQ(test, xn.syncookies, 1);
	KUNIT_EXPECT_EQ(test, xn.max_syn_backlog, 128);
	KUNIT_EXPECT_EQ(test, xn.challenge_ack_limit, INT_MAX);
	KUNIT_EXPECT_EQ(test, xn.max_orphans, XTCP_EHASH_SIZE / 2);
}

static void sysctl_defaults_in_range(struct kunit *test)
{
	struct xtcp_net xn = {};

	xtcp_net_set_defaults(&xn);
	KUNIT_EXPECT_NULL(test, xtcp_sysctl_check(&xn));
}

static void sysctl_range_check_catches(struct kunit *test)
{
	struct xtcp_net xn = {};

	xtcp_net_set_defaults(&xn);
	xn.syn_retries = 0;		/* Linux refuses 0 SYN retries */
	KUNIT_EXPECT_STREQ(test, xtcp_sysctl_check(&xn), "syn_retries");

	xtcp_net_set_defaults(&xn);
	xn.delack_ms = 500;		/* MUST-40: under half a second */
	KUNIT_EXPECT_STREQ(test, xtcp_sysctl_check(&xn), "delack_ms");

	xtcp_net_set_defaults(&xn);
	xn.synack_retries = 256;
	KUNIT_EXPECT_STREQ(test, xtcp_sysctl_check(&xn), "synack_retries");
}

static struct kunit_case xtcp_sysctl_cases[] = {
	KUNIT_CASE(sysctl_defaults_are_linux),
	KUNIT_CASE(sysctl_defaults_in_range),
	KUNIT_CASE(sysctl_range_check_catches),
	{}
};

static struct kunit_suite xtcp_sysctl_suite = {
	.name = "xtcp_sysctl",
	.test_cases = xtcp_sysctl_cases,
};

kunit_test_suite(xtcp_sysctl_suite);
