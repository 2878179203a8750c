// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_options: reading TCP options (RFC 9293 3.1, MUST-4..7)
 * well-formed and malformed, and writing a SYN's.
 */
#include <kunit/test.h>

#include "../module/options.h"

static void options_mss(struct kunit *test)
{
	static const u8 o[] = { 2, 4, 0x05, 0xb4 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
}

static void options_nop_eol_and_unknown(struct kunit *test)
{
	/* NOP, unknown kind 30 length 3, MSS, EOL, then garbage ignored */
	static const u8 o[] = { 1, 30, 3, 0xff, 2, 4, 0x02, 0x18, 0, 2, 0 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 536);
}

static void options_empty(struct kunit *test)
{
	struct xtcp_options opts = { .mss = 7 };

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(NULL, 0, &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

static void options_length_zero(struct kunit *test)
{
	/* MUST-7: an illegal length stops parsing, never loops */
	static const u8 o[] = { 2, 4, 0x05, 0xb4, 30, 0, 2, 4 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), -EINVAL);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);	/* what came before stands */
}

static void options_length_one(struct kunit *test)
{
	static const u8 o[] = { 30, 1, 2, 4, 0x05, 0xb4 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), -EINVAL);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

static void options_past_header(struct kunit *test)
{
	/* MSS claims 4 bytes, 3 remain; kind without its length byte */
	static const u8 o1[] = { 1, 1, 1, 2, 4, 0x05 };
	static const u8 o2[] = { 1, 1, 1, 2 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o1, sizeof(o1), &opts), -EINVAL);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o2, sizeof(o2), &opts), -EINVAL);
}

static void options_mss_bad_length_or_zero(struct kunit *test)
{
	static const u8 bad_len[] = { 2, 6, 0x05, 0xb4, 0, 0 };
	static const u8 zero[] = { 2, 4, 0, 0 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(bad_len, sizeof(bad_len), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(zero, sizeof(zero), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

static void options_all_nops(struct kunit *test)
{
	u8 o[40];
	struct xtcp_options opts;

	memset(o, 1, sizeof(o));
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 0);
}

static void options_write_syn(struct kunit *test)
{
	u8 o[XTCP_SYN_OPTIONS_LEN];
	struct xtcp_options opts;
	unsigned int n = xtcp_write_syn_options(o, 65483);

	KUNIT_EXPECT_EQ(test, n % 4, 0u);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 65483);
}

static struct kunit_case xtcp_options_cases[] = {
	KUNIT_CASE(options_mss),
	KUNIT_CASE(options_nop_eol_and_unknown),
	KUNIT_CASE(options_empty),
	KUNIT_CASE(options_length_zero),
	KUNIT_CASE(options_length_one),
	KUNIT_CASE(options_past_header),
	KUNIT_CASE(options_mss_bad_length_or_zero),
	KUNIT_CASE(options_all_nops),
	KUNIT_CASE(options_write_syn),
	{}
};

static struct kunit_suite xtcp_options_suite = {
	.name = "xtcp_options",
	.test_cases = xtcp_options_cases,
};

kunit_test_suite(xtcp_options_suite);
