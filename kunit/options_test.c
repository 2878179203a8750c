// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_options: reading TCP options (RFC 9293 3.1, MUST-4..7;
 * RFC 7323; RFC 2018) well-formed and malformed, and writing them.
 */
#include <kunit/test.h>

#include "../module/compat.h"
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
	const struct xtcp_syn_options so = { .mss = 65483, .wscale = -1 };
	u8 o[XTCP_SYN_OPTIONS_LEN];
	struct xtcp_options opts;
	unsigned int n = xtcp_write_syn_options(o, &so);

	KUNIT_EXPECT_EQ(test, n, 4u);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 65483);
	KUNIT_EXPECT_FALSE(test, opts.saw_wscale);
	KUNIT_EXPECT_FALSE(test, opts.sack_ok);
	KUNIT_EXPECT_FALSE(test, opts.saw_tstamp);
}

/* Offset of the first option of @kind in @o[0..@len), or -1. */
static int find_option(const u8 *o, int len, u8 kind)
{
	int i = 0;

	while (i < len && o[i] != XTCP_OPT_EOL) {
		if (o[i] == kind)
			return i;
		i += o[i] == XTCP_OPT_NOP ? 1 : o[i + 1];
	}
	return -1;
}

/* RFC 7323 2.2, 2.3: a shift above 14 is used as 14. */
static void options_wscale(struct kunit *test)
{
	static const u8 ok[] = { 1, 3, 3, 7 };
	static const u8 big[] = { 1, 3, 3, 15 };
	static const u8 huge[] = { 3, 3, 255, 1 };
	static const u8 zero[] = { 3, 3, 0, 1 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(ok, sizeof(ok), &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, 7);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(big, sizeof(big), &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, XTCP_MAX_WSCALE);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(huge, sizeof(huge), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.wscale, XTCP_MAX_WSCALE);
	/* A shift of 0 is still an offer of scaling. */
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(zero, sizeof(zero), &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, 0);
}

static void options_wscale_bad_length(struct kunit *test)
{
	/* Window Scale of length 4, then an MSS that must still be read */
	static const u8 o[] = { 3, 4, 7, 0, 2, 4, 0x05, 0xb4 };
	static const u8 short_ws[] = { 3, 2, 1, 1 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, sizeof(o), &opts), 0);
	KUNIT_EXPECT_FALSE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(short_ws, sizeof(short_ws),
						 &opts), 0);
	KUNIT_EXPECT_FALSE(test, opts.saw_wscale);
}

/* RFC 2018 2: kind 4, length 2. */
static void options_sack_perm(struct kunit *test)
{
	static const u8 ok[] = { 1, 1, 4, 2 };
	static const u8 bad[] = { 4, 3, 0, 1, 2, 4, 0x02, 0x18 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(ok, sizeof(ok), &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.sack_ok);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(bad, sizeof(bad), &opts), 0);
	KUNIT_EXPECT_FALSE(test, opts.sack_ok);
	KUNIT_EXPECT_EQ(test, opts.mss, 536);
}

/* RFC 7323 3.2: kind 8, length 10, TSval then TSecr, big-endian. */
static void options_timestamps(struct kunit *test)
{
	static const u8 ok[] = { 1, 1, 8, 10, 0x01, 0x02, 0x03, 0x04,
				 0xff, 0xff, 0xff, 0xfe };
	static const u8 bad[] = { 8, 8, 1, 2, 3, 4, 5, 6,
				  2, 4, 0x05, 0xb4 };
	struct xtcp_options opts;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(ok, sizeof(ok), &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_tstamp);
	KUNIT_EXPECT_EQ(test, opts.tsval, 0x01020304u);
	KUNIT_EXPECT_EQ(test, opts.tsecr, 0xfffffffeu);

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(bad, sizeof(bad), &opts), 0);
	KUNIT_EXPECT_FALSE(test, opts.saw_tstamp);
	KUNIT_EXPECT_EQ(test, opts.tsval, 0u);
	KUNIT_EXPECT_EQ(test, opts.tsecr, 0u);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
}

/* Write NOP, NOP, SACK with @n blocks (start 1000 * (i + 1), +100). */
static int put_sack(u8 *o, unsigned int n)
{
	unsigned int i;

	o[0] = XTCP_OPT_NOP;
	o[1] = XTCP_OPT_NOP;
	o[2] = XTCP_OPT_SACK;
	o[3] = XTCP_OLEN_SACK_BASE + n * XTCP_OLEN_SACK_BLOCK;
	for (i = 0; i < n; i++) {
		put_unaligned_be32(1000 * (i + 1), o + 4 + 8 * i);
		put_unaligned_be32(1000 * (i + 1) + 100, o + 8 + 8 * i);
	}
	return 4 + 8 * n;
}

/* RFC 2018 3: 1 to 4 blocks, each Left Edge then Right Edge. */
static void options_sack_blocks(struct kunit *test)
{
	struct xtcp_options opts;
	unsigned int n, i;
	u8 o[40];

	for (n = 1; n <= XTCP_MAX_SACK_BLOCKS; n++) {
		int len = put_sack(o, n);

		KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, len, &opts), 0);
		KUNIT_ASSERT_EQ(test, opts.num_sacks, n);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, opts.sacks[i].start,
					1000 * (i + 1));
			KUNIT_EXPECT_EQ(test, opts.sacks[i].end,
					1000 * (i + 1) + 100);
		}
	}
}

/*
 * A SACK option that is not 2 + 8 * n, n = 1..4, is ignored; the options
 * around it are read.
 */
static void options_sack_malformed(struct kunit *test)
{
	/* MSS, SACK of 11 (2 + 8 + 1), Window Scale */
	static const u8 odd[] = { 2, 4, 0x05, 0xb4,
				  5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 9,
				  3, 3, 7, 0 };
	/* SACK of 2 (no block), then Timestamps */
	static const u8 empty[] = { 5, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };
	struct xtcp_options opts;
	u8 five[64];
	int len;

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(odd, sizeof(odd), &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 1460);
	KUNIT_EXPECT_TRUE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, 7);

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(empty, sizeof(empty), &opts),
			0);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_tstamp);
	KUNIT_EXPECT_EQ(test, opts.tsval, 9u);
	KUNIT_EXPECT_EQ(test, opts.tsecr, 8u);

	/*
	 * Five blocks (42 bytes) cannot fit in a header's 40; given more
	 * room, the parser still refuses them and reads on.
	 */
	memset(five, XTCP_OPT_NOP, sizeof(five));
	len = put_sack(five, 5);
	five[len] = XTCP_OPT_MSS;
	five[len + 1] = XTCP_OLEN_MSS;
	put_unaligned_be16(536, five + len + 2);
	len += XTCP_OLEN_MSS;
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(five, len, &opts), 0);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
	KUNIT_EXPECT_EQ(test, opts.mss, 536);
	/* In a real 40-byte area it runs past the header (MUST-7). */
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(five, XTCP_MAX_OPTIONS_LEN,
						 &opts), -EINVAL);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
}

/*
 * All four SACK-Permitted / Timestamps combinations, with and without
 * Window Scale: a multiple of 4 bytes, within XTCP_SYN_OPTIONS_LEN,
 * TSval 4-byte aligned, and read back as written.
 */
static void options_write_syn_layouts(struct kunit *test)
{
	unsigned int i, n, want;
	struct xtcp_options opts;
	u8 o[XTCP_SYN_OPTIONS_LEN + 8];
	int ts;

	for (i = 0; i < 8; i++) {
		const struct xtcp_syn_options so = {
			.mss = 1460,
			.sack_ok = i & 1,
			.tstamp = i & 2,
			.wscale = i & 4 ? 9 : -1,
			.tsval = 0x11223344,
			.tsecr = 0x55667788,
		};

		memset(o, 0xee, sizeof(o));
		n = xtcp_write_syn_options(o, &so);
		want = 4 + (so.tstamp ? 12 : so.sack_ok ? 4 : 0) +
		       (so.wscale >= 0 ? 4 : 0);
		KUNIT_EXPECT_EQ_MSG(test, n, want, "layout %u", i);
		KUNIT_EXPECT_EQ_MSG(test, n % 4, 0u, "layout %u", i);
		KUNIT_EXPECT_LE_MSG(test, n, XTCP_SYN_OPTIONS_LEN, "layout %u", i);
		KUNIT_EXPECT_EQ_MSG(test, o[n], 0xee, "layout %u overran", i);

		KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
		KUNIT_EXPECT_EQ(test, opts.mss, 1460);
		KUNIT_EXPECT_EQ_MSG(test, (bool)opts.sack_ok, so.sack_ok, "layout %u", i);
		KUNIT_EXPECT_EQ_MSG(test, (bool)opts.saw_tstamp, so.tstamp,
				    "layout %u", i);
		KUNIT_EXPECT_EQ_MSG(test, (bool)opts.saw_wscale, so.wscale >= 0,
				    "layout %u", i);
		KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
		if (so.wscale >= 0)
			KUNIT_EXPECT_EQ(test, opts.wscale, 9);
		if (so.tstamp) {
			KUNIT_EXPECT_EQ(test, opts.tsval, 0x11223344u);
			KUNIT_EXPECT_EQ(test, opts.tsecr, 0x55667788u);
			ts = find_option(o, n, XTCP_OPT_TIMESTAMP);
			KUNIT_EXPECT_EQ_MSG(test, (ts + 2) % 4, 0, "layout %u", i);
		}
	}
}

/* Our own shift above 14 goes out as 14 (RFC 7323 2.3). */
static void options_write_syn_wscale_clamped(struct kunit *test)
{
	const struct xtcp_syn_options so = { .mss = 536, .wscale = 20 };
	u8 o[XTCP_SYN_OPTIONS_LEN];
	struct xtcp_options opts;
	unsigned int n = xtcp_write_syn_options(o, &so);

	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_wscale);
	KUNIT_EXPECT_EQ(test, opts.wscale, XTCP_MAX_WSCALE);
	KUNIT_EXPECT_EQ(test, o[n - 1], XTCP_MAX_WSCALE);
}

static const struct xtcp_sack_block blocks[] = {
	{ 0x1000, 0x2000 }, { 0x3000, 0x4000 }, { 0xfffff000, 0x10 },
	{ 0x7000, 0x8000 },
};

/* Check the SACK option written in @o[0..@n): aligned, blocks in order. */
static void expect_sack(struct kunit *test, const u8 *o, unsigned int n,
			unsigned int nblocks)
{
	struct xtcp_options opts;
	unsigned int i;
	int at;

	KUNIT_EXPECT_EQ(test, n % 4, 0u);
	KUNIT_EXPECT_LE(test, n, XTCP_MAX_OPTIONS_LEN);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_ASSERT_EQ(test, opts.num_sacks, nblocks);
	for (i = 0; i < nblocks; i++) {
		KUNIT_EXPECT_EQ(test, opts.sacks[i].start, blocks[i].start);
		KUNIT_EXPECT_EQ(test, opts.sacks[i].end, blocks[i].end);
	}
	at = find_option(o, n, XTCP_OPT_SACK);
	KUNIT_ASSERT_GE(test, at, 0);
	KUNIT_EXPECT_EQ(test, (at + 2) % 4, 0);		/* edges aligned */
}

/*
 * RFC 2018 3: with Timestamps (12 bytes) only 3 blocks fit in 40; the
 * first ones are kept (RFC 2018 4: the first is the most recent).
 */
static void options_write_tstamp_sacks(struct kunit *test)
{
	struct xtcp_options opts;
	u8 o[XTCP_MAX_OPTIONS_LEN];
	unsigned int n;
	int at;

	n = xtcp_write_options(o, true, 0xa0b0c0d0, 7, blocks, 4);
	KUNIT_EXPECT_EQ(test, n, 40u);
	expect_sack(test, o, n, 3);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_tstamp);
	KUNIT_EXPECT_EQ(test, opts.tsval, 0xa0b0c0d0u);
	KUNIT_EXPECT_EQ(test, opts.tsecr, 7u);
	at = find_option(o, n, XTCP_OPT_TIMESTAMP);
	KUNIT_EXPECT_EQ(test, (at + 2) % 4, 0);

	n = xtcp_write_options(o, true, 1, 2, blocks, 1);
	KUNIT_EXPECT_EQ(test, n, 24u);
	expect_sack(test, o, n, 1);

	n = xtcp_write_options(o, true, 1, 2, NULL, 0);
	KUNIT_EXPECT_EQ(test, n, 12u);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_TRUE(test, opts.saw_tstamp);
	KUNIT_EXPECT_EQ(test, opts.num_sacks, 0);
}

/* Without Timestamps all 4 blocks fit (36 bytes); no option: 0 bytes. */
static void options_write_sacks(struct kunit *test)
{
	struct xtcp_options opts;
	u8 o[XTCP_MAX_OPTIONS_LEN];
	unsigned int n;

	n = xtcp_write_options(o, false, 0, 0, blocks, 4);
	KUNIT_EXPECT_EQ(test, n, 36u);
	expect_sack(test, o, n, 4);
	KUNIT_EXPECT_EQ(test, xtcp_parse_options(o, n, &opts), 0);
	KUNIT_EXPECT_FALSE(test, opts.saw_tstamp);

	n = xtcp_write_options(o, false, 0, 0, blocks, 2);
	KUNIT_EXPECT_EQ(test, n, 20u);
	expect_sack(test, o, n, 2);

	KUNIT_EXPECT_EQ(test, xtcp_write_options(o, false, 0, 0, blocks, 0), 0u);
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
	KUNIT_CASE(options_wscale),
	KUNIT_CASE(options_wscale_bad_length),
	KUNIT_CASE(options_sack_perm),
	KUNIT_CASE(options_timestamps),
	KUNIT_CASE(options_sack_blocks),
	KUNIT_CASE(options_sack_malformed),
	KUNIT_CASE(options_write_syn_layouts),
	KUNIT_CASE(options_write_syn_wscale_clamped),
	KUNIT_CASE(options_write_tstamp_sacks),
	KUNIT_CASE(options_write_sacks),
	{}
};

static struct kunit_suite xtcp_options_suite = {
	.name = "xtcp_options",
	.test_cases = xtcp_options_cases,
};

kunit_test_suite(xtcp_options_suite);
