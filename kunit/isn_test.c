// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_isn: RFC 6528 initial sequence numbers: a 4-us clock
 * plus a keyed hash of the 4-tuple.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

#define A	htonl(0x7f000001)
#define B	htonl(0x0a000002)

static u32 isn(u64 ns)
{
	return xtcp_isn_at(A, B, htons(1000), htons(80), ns);
}

static void isn_clock_ticks_every_4us(struct kunit *test)
{
	u64 t = 30864197ULL * 4000;	/* on a tick */
	u32 base = isn(t);

	KUNIT_EXPECT_EQ(test, isn(t + 3999), base);
	KUNIT_EXPECT_EQ(test, isn(t + 4000), base + 1);
	KUNIT_EXPECT_EQ(test, isn(t + 4 * NSEC_PER_MSEC), base + 1000);
	/* M wraps modulo 2^32 like the sequence space */
	KUNIT_EXPECT_EQ(test, isn(t + (1ULL << 32) * 4000), base);
}

static void isn_same_tuple_same_time(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_isn_at(A, B, htons(1), htons(2), 5000),
			xtcp_isn_at(A, B, htons(1), htons(2), 5000));
}

/* F differs per 4-tuple: one changed port or address moves the ISN. */
static void isn_tuples_differ(struct kunit *test)
{
	u32 base = xtcp_isn_at(A, B, htons(1000), htons(80), 0);

	KUNIT_EXPECT_NE(test, xtcp_isn_at(A, B, htons(1001), htons(80), 0), base);
	KUNIT_EXPECT_NE(test, xtcp_isn_at(A, B, htons(1000), htons(81), 0), base);
	KUNIT_EXPECT_NE(test, xtcp_isn_at(B, A, htons(1000), htons(80), 0), base);
	KUNIT_EXPECT_NE(test, xtcp_isn_at(A, B, htons(80), htons(1000), 0), base);
}

/* Over many ports the ISNs spread: no two of 1000 alike (birthday ~1e-4). */
static void isn_spread(struct kunit *test)
{
	u32 *v = kunit_kcalloc(test, 1000, sizeof(*v), GFP_KERNEL);
	int i, j, same = 0;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 1000; i++)
		v[i] = xtcp_isn_at(A, B, htons(20000 + i), htons(80), 0);
	for (i = 0; i < 1000; i++)
		for (j = i + 1; j < 1000; j++)
			same += v[i] == v[j];
	KUNIT_EXPECT_EQ(test, same, 0);
}

static struct kunit_case xtcp_isn_cases[] = {
	KUNIT_CASE(isn_clock_ticks_every_4us),
	KUNIT_CASE(isn_same_tuple_same_time),
	KUNIT_CASE(isn_tuples_differ),
	KUNIT_CASE(isn_spread),
	{}
};

static struct kunit_suite xtcp_isn_suite = {
	.name = "xtcp_isn",
	.test_cases = xtcp_isn_cases,
};

kunit_test_suite(xtcp_isn_suite);
