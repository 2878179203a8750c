// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_seq: sequence-number comparisons across the 2^32 wrap
 * (RFC 9293 3.4), which every acceptability and ACK test depends on.
 */
#include <kunit/test.h>

#include "../module/seq.h"

static void seq_before_after_plain(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, xtcp_seq_before(1, 2));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_before(2, 1));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_before(5, 5));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after(2, 1));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_after(5, 5));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_before_eq(5, 5));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after_eq(5, 5));
}

static void seq_across_wrap(struct kunit *test)
{
	/* 0xfffffff0 + 0x20 wraps to 0x10, which is still "after". */
	KUNIT_EXPECT_TRUE(test, xtcp_seq_before(0xfffffff0u, 0x10));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after(0x10, 0xfffffff0u));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_before(0xffffffffu, 0));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after(0, 0xffffffffu));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_before(0x10, 0xfffffff0u));
}

static void seq_half_space_boundary(struct kunit *test)
{
	/* Within 2^31 - 1 ahead is after; exactly 2^31 away is "before". */
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after(0x7fffffffu, 0));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_before(0x80000000u, 0));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_after(0x80000000u + 100, 101));
}

static void seq_in_window(struct kunit *test)
{
	/* RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND, window straddling 0 */
	u32 nxt = 0xffffff00u, wnd = 0x200;

	KUNIT_EXPECT_TRUE(test, xtcp_seq_in_window(nxt, nxt, nxt + wnd));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_in_window(0, nxt, nxt + wnd));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_in_window(0xff, nxt, nxt + wnd));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_in_window(0x100, nxt, nxt + wnd));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_in_window(nxt - 1, nxt, nxt + wnd));
	/* An empty window holds nothing. */
	KUNIT_EXPECT_FALSE(test, xtcp_seq_in_window(nxt, nxt, nxt));
}

static void seq_between_for_ack(struct kunit *test)
{
	/* SND.UNA =< SEG.ACK =< SND.NXT across the wrap */
	u32 una = 0xfffffffeu, nxt = 3;

	KUNIT_EXPECT_TRUE(test, xtcp_seq_between(una, una, nxt));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_between(0, una, nxt));
	KUNIT_EXPECT_TRUE(test, xtcp_seq_between(nxt, una, nxt));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_between(nxt + 1, una, nxt));
	KUNIT_EXPECT_FALSE(test, xtcp_seq_between(una - 1, una, nxt));
}

static void seq_min_max(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_seq_max(0xfffffff0u, 0x10), 0x10u);
	KUNIT_EXPECT_EQ(test, xtcp_seq_min(0xfffffff0u, 0x10), 0xfffffff0u);
	KUNIT_EXPECT_EQ(test, xtcp_seq_max(7, 7), 7u);
}

static struct kunit_case xtcp_seq_cases[] = {
	KUNIT_CASE(seq_before_after_plain),
	KUNIT_CASE(seq_across_wrap),
	KUNIT_CASE(seq_half_space_boundary),
	KUNIT_CASE(seq_in_window),
	KUNIT_CASE(seq_between_for_ack),
	KUNIT_CASE(seq_min_max),
	{}
};

static struct kunit_suite xtcp_seq_suite = {
	.name = "xtcp_seq",
	.test_cases = xtcp_seq_cases,
};

kunit_test_suite(xtcp_seq_suite);
