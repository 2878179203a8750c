// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_input: the segment acceptability test of RFC 9293
 * 3.10.7.4 (first check), all four cases with a zero and a non-zero
 * receive window, at the window's edges and across the sequence wrap.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

struct acc_case {
	const char *name;
	u32 seq, len, nxt, wnd;
	bool ok;
};

static const struct acc_case acc_cases[] = {
	/* SEG.LEN = 0, RCV.WND = 0: SEG.SEQ = RCV.NXT */
	{ "len0 wnd0 at nxt", 1000, 0, 1000, 0, true },
	{ "len0 wnd0 before", 999, 0, 1000, 0, false },
	{ "len0 wnd0 after", 1001, 0, 1000, 0, false },
	/* SEG.LEN = 0, RCV.WND > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND */
	{ "len0 wnd at nxt", 1000, 0, 1000, 100, true },
	{ "len0 wnd last", 1099, 0, 1000, 100, true },
	{ "len0 wnd edge", 1100, 0, 1000, 100, false },
	{ "len0 wnd before", 999, 0, 1000, 100, false },
	/* SEG.LEN > 0, RCV.WND = 0: not acceptable */
	{ "len wnd0 at nxt", 1000, 10, 1000, 0, false },
	{ "len wnd0 before", 990, 10, 1000, 0, false },
	/* SEG.LEN > 0, RCV.WND > 0: either end inside the window */
	{ "len wnd inside", 1010, 10, 1000, 100, true },
	{ "len wnd head in", 1095, 10, 1000, 100, true },
	{ "len wnd tail in", 995, 10, 1000, 100, true },
	{ "len wnd old", 980, 10, 1000, 100, false },
	{ "len wnd ends at nxt-1", 990, 10, 1000, 100, false },
	{ "len wnd beyond", 1100, 10, 1000, 100, false },
	{ "len wnd covers all", 990, 200, 1000, 100, false },
	/* the same across the 2^32 wrap */
	{ "wrap len0", 0x10, 0, 0xfffffff0u, 0x40, true },
	{ "wrap len tail in", 0xffffffe8u, 0x10, 0xfffffff0u, 0x40, true },
	{ "wrap len beyond", 0x30, 0x10, 0xfffffff0u, 0x40, false },
};

static void acceptability_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(acc_cases); i++) {
		const struct acc_case *c = &acc_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, xtcp_seq_acceptable(c->seq, c->len,
							      c->nxt, c->wnd),
				    c->ok, "%s", c->name);
	}
}

static struct kunit_case xtcp_input_cases[] = {
	KUNIT_CASE(acceptability_table),
	{}
};

static struct kunit_suite xtcp_input_suite = {
	.name = "xtcp_input",
	.test_cases = xtcp_input_cases,
};

kunit_test_suite(xtcp_input_suite);
