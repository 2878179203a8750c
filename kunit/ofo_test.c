// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_ofo: the out-of-order queue (RFC 9293 3.10.7.4 seventh
 * check) and its SACK blocks (RFC 2018 4): ordering, trims with their
 * payload checked byte by byte, FIN, wrap-around, the pull to the
 * receive queue, and the D-SACK block of text received twice (RFC 2883).
 */
#include <kunit/test.h>
#include <linux/skbuff.h>

#include "../module/xtcp.h"
#include "../module/ofo.h"

/* The byte a segment carries at sequence number @seq, so trims show. */
static u8 byte_at(u32 seq)
{
	return seq ^ (seq >> 8) ^ (seq >> 16) ^ (seq >> 24);
}

/**
 * struct ofo_fixture - each case's queue and receive queue
 * @o: the out-of-order queue
 * @to: what xtcp_ofo_pull() moves out of it
 *
 * Both are purged by the suite's exit, which also runs after a failed
 * assertion: no case leaks an skb (the debug kernel runs kmemleak).
 */
struct ofo_fixture {
	struct xtcp_ofo o;
	struct sk_buff_head to;
};

/* An expected skb: text [seq, seq + len), FIN or not. */
struct seg {
	u32 seq;
	u32 len;
	bool fin;
};

static int ofo_test_init(struct kunit *test)
{
	struct ofo_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	xtcp_ofo_init(&f->o);
	skb_queue_head_init(&f->to);
	test->priv = f;
	return 0;
}

static void ofo_test_exit(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	xtcp_ofo_purge(&f->o);
	__skb_queue_purge(&f->to);
}

/* Offer [seq, seq + len) to the queue, freeing it as the caller would. */
static bool add(struct kunit *test, u32 seq, u32 len, u8 flags)
{
	struct ofo_fixture *f = test->priv;
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	struct xtcp_skb_cb *cb;
	u8 *p;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	p = skb_put(skb, len);
	for (i = 0; i < len; i++)
		p[i] = byte_at(seq + i);
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = seq;
	cb->end_seq = seq + len + !!(flags & XTCP_FIN);
	cb->flags = flags | XTCP_ACK;
	cb->offset = 7;			/* the queue must reset it */
	if (xtcp_ofo_insert(&f->o, skb))
		return true;
	kfree_skb(skb);
	return false;
}

/* @skb must be @want[@i], with the bytes of its range. */
static void expect_seg(struct kunit *test, const struct sk_buff *skb,
		       const struct seg *want, int i)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool fin = cb->flags & XTCP_FIN;
	u32 j;

	KUNIT_EXPECT_EQ_MSG(test, cb->seq, want[i].seq, "skb %d", i);
	KUNIT_EXPECT_EQ_MSG(test, skb->len, want[i].len, "skb %d", i);
	KUNIT_EXPECT_EQ_MSG(test, fin, want[i].fin, "skb %d", i);
	KUNIT_EXPECT_EQ_MSG(test, cb->end_seq, cb->seq + skb->len + fin,
			    "skb %d", i);
	KUNIT_EXPECT_EQ_MSG(test, cb->offset, 0u, "skb %d", i);
	for (j = 0; j < skb->len; j++)
		if (skb->data[j] != byte_at(cb->seq + j))
			break;
	KUNIT_EXPECT_EQ_MSG(test, j, skb->len,
			    "skb %d: payload wrong from byte %u", i, j);
}

/* The out-of-order queue @o must hold exactly @want, in order. */
static void expect_ofo(struct kunit *test, const struct xtcp_ofo *o,
		       const struct seg *want, int n)
{
	struct sk_buff *skb;
	int i = 0;

	for (skb = skb_rb_first(&o->root); skb; skb = skb_rb_next(skb)) {
		if (i < n)
			expect_seg(test, skb, want, i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

#define EXPECT_OFO(test, o, ...) do {					\
	const struct seg w_[] = { __VA_ARGS__ };			\
	expect_ofo(test, o, w_, ARRAY_SIZE(w_));			\
} while (0)

/* @q must hold exactly @want, each skb with the bytes of its range. */
static void expect_segs(struct kunit *test, struct sk_buff_head *q,
			const struct seg *want, int n)
{
	struct sk_buff *skb;
	int i = 0;

	KUNIT_EXPECT_EQ(test, skb_queue_len(q), (u32)n);
	skb_queue_walk(q, skb) {
		if (i == n)
			break;
		expect_seg(test, skb, want, i++);
	}
}

/* The SACK blocks must be @want, in that order. */
static void expect_blocks(struct kunit *test, const struct xtcp_ofo *o,
			  const struct xtcp_sack_block *want, int n)
{
	int i;

	KUNIT_ASSERT_EQ(test, o->nblocks, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, o->blocks[i].start, want[i].start,
				    "block %d", i);
		KUNIT_EXPECT_EQ_MSG(test, o->blocks[i].end, want[i].end,
				    "block %d", i);
	}
}

#define EXPECT_SEGS(test, q, ...) do {					\
	const struct seg w_[] = { __VA_ARGS__ };			\
	expect_segs(test, q, w_, ARRAY_SIZE(w_));			\
} while (0)

#define EXPECT_BLOCKS(test, o, ...) do {				\
	const struct xtcp_sack_block w_[] = { __VA_ARGS__ };	\
	expect_blocks(test, o, w_, ARRAY_SIZE(w_));			\
} while (0)

/* The blocks the next ACK carries (D-SACK on) must be @want, in order. */
static void expect_ack_blocks(struct kunit *test, struct xtcp_ofo *o,
			      const struct xtcp_sack_block *want, int n)
{
	struct xtcp_sack_block out[XTCP_MAX_SACK_BLOCKS];
	int i, got = xtcp_ofo_sack_blocks(o, true, out);

	KUNIT_ASSERT_EQ(test, got, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, out[i].start, want[i].start,
				    "block %d", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].end, want[i].end,
				    "block %d", i);
	}
}

#define EXPECT_ACK_BLOCKS(test, o, ...) do {				\
	const struct xtcp_sack_block w_[] = { __VA_ARGS__ };	\
	expect_ack_blocks(test, o, w_, ARRAY_SIZE(w_));		\
} while (0)

/* Segments after a hole, in order: one growing run, one block. */
static void ofo_in_order_beyond_hole(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	u32 s;

	for (s = 2000; s < 2500; s += 100) {
		KUNIT_EXPECT_TRUE(test, add(test, s, 100, 0));
		EXPECT_BLOCKS(test, &f->o, { 2000, s + 100 });
	}
	EXPECT_OFO(test, &f->o, { 2000, 100 }, { 2100, 100 },
		   { 2200, 100 }, { 2300, 100 }, { 2400, 100 });
}

/* Before the head, between two, after the tail: sorted, blocks newest first. */
static void ofo_insert_positions(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 3000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));	/* before */
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 100, 0));	/* between */
	KUNIT_EXPECT_TRUE(test, add(test, 4000, 100, 0));	/* after */
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 2000, 100 },
		   { 3000, 100 }, { 4000, 100 });
	EXPECT_BLOCKS(test, &f->o, { 4000, 4100 }, { 2000, 2100 },
		      { 1000, 1100 }, { 3000, 3100 });
}

/* Text all queued already: refused, queue and blocks untouched. */
static void ofo_duplicate(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 100, 0));
	EXPECT_BLOCKS(test, &f->o, { 3000, 3100 }, { 1000, 1200 });

	KUNIT_EXPECT_FALSE(test, add(test, 1000, 100, 0));	/* exact */
	KUNIT_EXPECT_FALSE(test, add(test, 1020, 50, 0));	/* inside one */
	KUNIT_EXPECT_FALSE(test, add(test, 1050, 100, 0));	/* across two */
	KUNIT_EXPECT_FALSE(test, add(test, 1000, 200, 0));	/* both whole */
	KUNIT_EXPECT_FALSE(test, add(test, 1100, 100, 0));
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 },
		   { 3000, 100 });
	EXPECT_BLOCKS(test, &f->o, { 3000, 3100 }, { 1000, 1200 });
}

/* Overlapping the previous skb: the new one loses its head. */
static void ofo_overlap_head(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1050, 100, 0));
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 50 });
	/* same start, longer: cut, then it replaces the one it covers */
	KUNIT_EXPECT_TRUE(test, add(test, 1000, 200, 0));
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1200 });
}

/* Overlapping the next skb: the new one loses its tail. */
static void ofo_overlap_tail(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1000, 150, 0));
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1200 });
}

/* Overlapping both neighbours: only the hole between them is kept. */
static void ofo_overlap_both(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1200, 100, 0));
	EXPECT_BLOCKS(test, &f->o, { 1200, 1300 }, { 1000, 1100 });
	KUNIT_EXPECT_TRUE(test, add(test, 1050, 200, 0));
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 },
		   { 1200, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1300 });
}

/* A segment covering several queued ones replaces them. */
static void ofo_cover_several(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1100, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1200, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1300, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1500, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1000, 400, 0));
	EXPECT_OFO(test, &f->o, { 1000, 400 }, { 1500, 50 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1400 }, { 1500, 1550 });

	/* head cut, two covered, tail cut, all at once */
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2150, 20, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2180, 20, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2300, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2050, 300, 0));
	EXPECT_OFO(test, &f->o, { 1000, 400 }, { 1500, 50 },
		   { 2000, 100 }, { 2100, 200 }, { 2300, 100 });
	/* the blocks of 1000 and 1500 were pushed out by 2180 and 2300 */
	EXPECT_BLOCKS(test, &f->o, { 2000, 2400 });
}

/* Sequence numbers wrapping past 2^32 - 1, in the queue and the pull. */
static void ofo_wraparound(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin;

	/* RCV.NXT = 0xffffff00 */
	KUNIT_EXPECT_TRUE(test, add(test, 0xffffffc0, 0x80, 0)); /* to 0x40 */
	KUNIT_EXPECT_TRUE(test, add(test, 0xffffff80, 0x50, 0)); /* tail cut */
	KUNIT_EXPECT_TRUE(test, add(test, 0x40, 0x40, XTCP_FIN));
	KUNIT_EXPECT_FALSE(test, add(test, 0x20, 0x40, 0));
	KUNIT_EXPECT_FALSE(test, add(test, 0xfffffff0, 0x60, 0)); /* queued */
	EXPECT_OFO(test, &f->o, { 0xffffff80, 0x40 },
		   { 0xffffffc0, 0x80 }, { 0x40, 0x40, true });
	EXPECT_BLOCKS(test, &f->o, { 0xffffff80, 0x80 });

	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 0xffffff00, &f->to, &fin),
			0xffffff00u);
	KUNIT_EXPECT_FALSE(test, fin);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 0xffffffa0, &f->to, &fin),
			0x80u);
	KUNIT_EXPECT_TRUE(test, fin);
	EXPECT_SEGS(test, &f->to, { 0xffffffa0, 0x20 },
		    { 0xffffffc0, 0x80 }, { 0x40, 0x40, true });
	KUNIT_EXPECT_TRUE(test, xtcp_ofo_empty(&f->o));
	KUNIT_EXPECT_EQ(test, f->o.nblocks, 0);
}

/* FIN belongs to the skb whose text ends where the FIN is. */
static void ofo_fin(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	/* kept */
	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, XTCP_FIN));
	/* kept when the head is cut */
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2050, 100, XTCP_FIN));
	/* lost when the tail is cut: text lies beyond it */
	KUNIT_EXPECT_TRUE(test, add(test, 3100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 150, XTCP_FIN));
	/* passed on by the skb covered whole that ends there */
	KUNIT_EXPECT_TRUE(test, add(test, 4100, 100, XTCP_FIN));
	KUNIT_EXPECT_TRUE(test, add(test, 4000, 200, 0));
	/* moved onto the queued skb by a duplicate carrying it */
	KUNIT_EXPECT_TRUE(test, add(test, 5000, 100, 0));
	KUNIT_EXPECT_FALSE(test, add(test, 5050, 50, XTCP_FIN));
	/* not moved by a duplicate ending elsewhere */
	KUNIT_EXPECT_TRUE(test, add(test, 6000, 100, 0));
	KUNIT_EXPECT_FALSE(test, add(test, 6000, 50, XTCP_FIN));
	EXPECT_OFO(test, &f->o, { 1000, 100, true },
		   { 2000, 100 }, { 2100, 50, true },
		   { 3000, 100 }, { 3100, 100 },
		   { 4000, 200, true },
		   { 5000, 100, true },
		   { 6000, 100 });
}

/* The head straddles RCV.NXT: its duplicate part is cut off. */
static void ofo_pull_partial(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin = true;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 1050, &f->to, &fin), 1200u);
	KUNIT_EXPECT_FALSE(test, fin);
	EXPECT_SEGS(test, &f->to, { 1050, 50 }, { 1100, 100 });
	KUNIT_EXPECT_TRUE(test, xtcp_ofo_empty(&f->o));
	KUNIT_EXPECT_EQ(test, f->o.nblocks, 0);
}

/* Skbs wholly before RCV.NXT are freed, not delivered again. */
static void ofo_pull_duplicates(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1300, 100, 0));
	EXPECT_BLOCKS(test, &f->o, { 1300, 1400 }, { 1000, 1200 });
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 1200, &f->to, &fin), 1200u);
	KUNIT_EXPECT_FALSE(test, fin);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&f->to));
	EXPECT_OFO(test, &f->o, { 1300, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1300, 1400 });

	/* a duplicate's FIN at RCV.NXT still counts */
	KUNIT_EXPECT_TRUE(test, add(test, 1400, 100, XTCP_FIN));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 1500, &f->to, &fin), 1500u);
	KUNIT_EXPECT_TRUE(test, fin);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&f->to));
	KUNIT_EXPECT_TRUE(test, xtcp_ofo_empty(&f->o));
}

/* The pull stops at a gap, and does nothing with one before the head. */
static void ofo_pull_stops_at_hole(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin;

	KUNIT_EXPECT_TRUE(test, add(test, 2000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2300, 100, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 1000, &f->to, &fin), 1000u);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&f->to));
	EXPECT_BLOCKS(test, &f->o, { 2300, 2400 }, { 2000, 2200 });

	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 2000, &f->to, &fin), 2200u);
	KUNIT_EXPECT_FALSE(test, fin);
	EXPECT_SEGS(test, &f->to, { 2000, 100 }, { 2100, 100 });
	EXPECT_OFO(test, &f->o, { 2300, 100 });
	EXPECT_BLOCKS(test, &f->o, { 2300, 2400 });
}

/* The pull stops after a FIN, even with (contradicting) text beyond it. */
static void ofo_pull_fin(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, XTCP_FIN));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 1000, &f->to, &fin), 1100u);
	KUNIT_EXPECT_TRUE(test, fin);
	EXPECT_SEGS(test, &f->to, { 1000, 100, true });
	EXPECT_OFO(test, &f->o, { 1100, 100 });
}

/*
 * RFC 2018 4: the first block holds the newest segment, then the blocks
 * reported before, newest first, without those merged into the first,
 * at most XTCP_MAX_SACK_BLOCKS.
 */
static void ofo_sack_blocks(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	bool fin;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 4000, 10, 0));
	EXPECT_BLOCKS(test, &f->o, { 4000, 4010 }, { 3000, 3010 },
		      { 2000, 2010 }, { 1000, 1010 });
	/* a fifth: the oldest is forgotten */
	KUNIT_EXPECT_TRUE(test, add(test, 5000, 10, 0));
	EXPECT_BLOCKS(test, &f->o, { 5000, 5010 }, { 4000, 4010 },
		      { 3000, 3010 }, { 2000, 2010 });
	/* extending a run moves its block to the front */
	KUNIT_EXPECT_TRUE(test, add(test, 3010, 10, 0));
	EXPECT_BLOCKS(test, &f->o, { 3000, 3020 }, { 5000, 5010 },
		      { 4000, 4010 }, { 2000, 2010 });
	/* filling between two runs merges their blocks */
	KUNIT_EXPECT_TRUE(test, add(test, 2010, 990, 0));
	EXPECT_BLOCKS(test, &f->o, { 2000, 3020 }, { 5000, 5010 },
		      { 4000, 4010 });
	/* next to the forgotten run: the first block still has it whole */
	KUNIT_EXPECT_TRUE(test, add(test, 990, 10, 0));
	EXPECT_BLOCKS(test, &f->o, { 990, 1010 }, { 2000, 3020 },
		      { 5000, 5010 }, { 4000, 4010 });
	KUNIT_EXPECT_TRUE(test, add(test, 1010, 990, 0));
	EXPECT_BLOCKS(test, &f->o, { 990, 3020 }, { 5000, 5010 },
		      { 4000, 4010 });
	/* delivered text takes its blocks with it */
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 990, &f->to, &fin), 3020u);
	EXPECT_BLOCKS(test, &f->o, { 5000, 5010 }, { 4000, 4010 });
	EXPECT_OFO(test, &f->o, { 4000, 10 }, { 5000, 10 });
	KUNIT_EXPECT_EQ(test, skb_queue_len(&f->to), 7u);
}

/*
 * RFC 2883 4: text queued already, whole or in part, is reported once as
 * the first block of the next ACK; the block holding it comes second,
 * then the others, most recent first.
 */
static void ofo_dsack_queued(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 100, 0));
	EXPECT_ACK_BLOCKS(test, &f->o, { 3000, 3100 }, { 1000, 1200 });

	KUNIT_EXPECT_FALSE(test, add(test, 1020, 50, 0));	/* inside one */
	EXPECT_ACK_BLOCKS(test, &f->o, { 1020, 1070 }, { 1000, 1200 },
			  { 3000, 3100 });
	/* reported once */
	EXPECT_ACK_BLOCKS(test, &f->o, { 3000, 3100 }, { 1000, 1200 });

	KUNIT_EXPECT_FALSE(test, add(test, 1050, 100, 0));	/* across two */
	EXPECT_ACK_BLOCKS(test, &f->o, { 1050, 1150 }, { 1000, 1200 },
			  { 3000, 3100 });

	/* new text too: only the part queued already is a duplicate */
	KUNIT_EXPECT_TRUE(test, add(test, 1150, 100, 0));	/* head */
	EXPECT_ACK_BLOCKS(test, &f->o, { 1150, 1200 }, { 1000, 1250 },
			  { 3000, 3100 });
	KUNIT_EXPECT_TRUE(test, add(test, 2950, 100, 0));	/* tail */
	EXPECT_ACK_BLOCKS(test, &f->o, { 3000, 3050 }, { 2950, 3100 },
			  { 1000, 1250 });
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 },
		   { 1200, 50 }, { 2950, 50 }, { 3000, 100 });
}

/* Several runs queued already: the first contiguous one is reported. */
static void ofo_dsack_first_run(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 4000, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 4100, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3990, 200, 0));	/* covers both */
	EXPECT_ACK_BLOCKS(test, &f->o, { 4000, 4050 }, { 3990, 4190 });

	/* a cut head runs on into a covered skb right after it */
	KUNIT_EXPECT_TRUE(test, add(test, 5000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 5100, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 5200, 50, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 5050, 300, 0));
	EXPECT_ACK_BLOCKS(test, &f->o, { 5050, 5150 }, { 5000, 5350 },
			  { 3990, 4190 });
	/* covered skbs give way to the new one */
	EXPECT_OFO(test, &f->o, { 3990, 200 }, { 5000, 100 },
		   { 5100, 250 });
}

/*
 * The waiting D-SACK block: one that overlaps or touches it extends it,
 * any other replaces it (the most recent duplicate); off, it is dropped
 * unsent; purge forgets it; at most XTCP_MAX_SACK_BLOCKS in all, across
 * the wrap of sequence space.
 */
static void ofo_dsack_pending(struct kunit *test)
{
	struct xtcp_sack_block out[XTCP_MAX_SACK_BLOCKS];
	struct ofo_fixture *f = test->priv;

	xtcp_ofo_dsack(&f->o, 500, 600);	/* below RCV.NXT */
	xtcp_ofo_dsack(&f->o, 600, 700);
	EXPECT_ACK_BLOCKS(test, &f->o, { 500, 700 });
	xtcp_ofo_dsack(&f->o, 500, 600);
	xtcp_ofo_dsack(&f->o, 800, 900);
	EXPECT_ACK_BLOCKS(test, &f->o, { 800, 900 });
	xtcp_ofo_dsack(&f->o, 900, 900);	/* empty: nothing */
	KUNIT_EXPECT_EQ(test, xtcp_ofo_sack_blocks(&f->o, true, out), 0u);

	xtcp_ofo_dsack(&f->o, 500, 600);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_sack_blocks(&f->o, false, out), 0u);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_sack_blocks(&f->o, true, out), 0u);

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 4000, 10, 0));
	KUNIT_EXPECT_FALSE(test, add(test, 2000, 10, 0));
	EXPECT_ACK_BLOCKS(test, &f->o, { 2000, 2010 }, { 2000, 2010 },
			  { 4000, 4010 }, { 3000, 3010 });
	xtcp_ofo_dsack(&f->o, 0xfffffff0, 0x10);
	xtcp_ofo_dsack(&f->o, 0x10, 0x20);
	EXPECT_ACK_BLOCKS(test, &f->o, { 0xfffffff0, 0x20 }, { 4000, 4010 },
			  { 3000, 3010 }, { 2000, 2010 });
	xtcp_ofo_dsack(&f->o, 500, 600);
	xtcp_ofo_purge(&f->o);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_sack_blocks(&f->o, true, out), 0u);
}

/* Purge empties everything; the queue is usable again after. */
static void ofo_purge(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 100, XTCP_FIN));
	xtcp_ofo_purge(&f->o);
	KUNIT_EXPECT_TRUE(test, xtcp_ofo_empty(&f->o));
	KUNIT_EXPECT_EQ(test, f->o.nblocks, 0);
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 100, 0));
	EXPECT_BLOCKS(test, &f->o, { 2000, 2100 });
}

/*
 * Pruning (tcp_prune_ofo_queue()) drops from the tail, never text before
 * the segment that wants room, and cuts back the blocks that reported
 * what went: a run cut in two keeps its lower part.
 */
static void ofo_prune_tail(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1100, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 100, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 5000, 100, XTCP_FIN));
	/* one skb's worth: the FIN'd tail goes, its block with it */
	KUNIT_EXPECT_GT(test, xtcp_ofo_prune(&f->o, 0, 1), 0u);
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 }, { 3000, 100 });
	EXPECT_BLOCKS(test, &f->o, { 3000, 3100 }, { 1000, 1200 });
	/* nothing from 3000 on, to make room at 3000: just that skb */
	KUNIT_EXPECT_GT(test, xtcp_ofo_prune(&f->o, 3000, UINT_MAX), 0u);
	EXPECT_OFO(test, &f->o, { 1000, 100 }, { 1100, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1200 });
	/* the run [1000, 1200) loses its upper skb: its block shrinks */
	KUNIT_EXPECT_GT(test, xtcp_ofo_prune(&f->o, 1050, UINT_MAX), 0u);
	EXPECT_OFO(test, &f->o, { 1000, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1100 });
	/* a segment before everything: the rest goes, no block is left */
	KUNIT_EXPECT_GT(test, xtcp_ofo_prune(&f->o, 500, UINT_MAX), 0u);
	KUNIT_EXPECT_TRUE(test, xtcp_ofo_empty(&f->o));
	KUNIT_EXPECT_EQ(test, f->o.nblocks, 0);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_prune(&f->o, 500, UINT_MAX), 0u);
}

/*
 * Collapsing (tcp_collapse_ofo_queue()) copies each group of small skbs
 * in a run into one of at most a page: same text byte for byte, same
 * blocks; lone skbs stay; a second pass finds nothing worth copying (no
 * page-sized skb is copied again).
 */
static void ofo_collapse_runs(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	const u32 chunk = SKB_MAX_ORDER(0, 0) / 10 * 10;
	struct seg want[8] = { { 1000, 500 }, { 2000, 10 } };
	u32 s, n = 2;
	bool fin;

	for (s = 1000; s < 1500; s += 10)
		KUNIT_EXPECT_TRUE(test, add(test, s, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 10, 0));
	for (s = 8990; s >= 3000; s -= 10)		/* descending */
		KUNIT_EXPECT_TRUE(test, add(test, s, 10, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, UINT_MAX), 650u);
	for (s = 3000; s < 9000 && n < ARRAY_SIZE(want); s += chunk)
		want[n++] = (struct seg){ s, min(chunk, 9000 - s) };
	expect_ofo(test, &f->o, want, n);
	EXPECT_BLOCKS(test, &f->o, { 3000, 9000 }, { 2000, 2010 },
		      { 1000, 1500 });
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, UINT_MAX), 0u);
	/* and it is delivered as any text is */
	KUNIT_EXPECT_TRUE(test, add(test, 900, 100, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_pull(&f->o, 900, &f->to, &fin), 1500u);
	KUNIT_EXPECT_FALSE(test, fin);
}

/*
 * A FIN ends a group: text a misbehaving peer sent after its FIN is not
 * merged into it, and the FIN stays where it was.
 */
static void ofo_collapse_fin(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	u32 s;

	for (s = 1000; s < 1040; s += 10)
		KUNIT_EXPECT_TRUE(test, add(test, s, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1040, 10, XTCP_FIN));
	KUNIT_EXPECT_TRUE(test, add(test, 1050, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 1060, 10, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, UINT_MAX), 7u);
	EXPECT_OFO(test, &f->o, { 1000, 50, true }, { 1050, 20 });
}

/* A group that crosses 2^32 collapses like any other. */
static void ofo_collapse_wrap(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;
	u32 s;

	for (s = -100; s != 100; s += 10)
		KUNIT_EXPECT_TRUE(test, add(test, s, 10, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, UINT_MAX), 20u);
	EXPECT_OFO(test, &f->o, { -100, 200 });
	EXPECT_BLOCKS(test, &f->o, { -100, 100 });
}

/* A queue of lone skbs is walked no further than the budget says. */
static void ofo_collapse_budget(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 2000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3000, 10, 0));
	KUNIT_EXPECT_TRUE(test, add(test, 3010, 10, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, 1), 0u);
	KUNIT_EXPECT_EQ(test, xtcp_ofo_collapse(&f->o, NULL, UINT_MAX), 2u);
	EXPECT_OFO(test, &f->o, { 1000, 10 }, { 2000, 10 }, { 3000, 20 });
}

/* Nothing beyond the segment that wants room: nothing goes. */
static void ofo_prune_keeps_earlier(struct kunit *test)
{
	struct ofo_fixture *f = test->priv;

	KUNIT_EXPECT_TRUE(test, add(test, 1000, 100, 0));
	KUNIT_EXPECT_EQ(test, xtcp_ofo_prune(&f->o, 2000, UINT_MAX), 0u);
	EXPECT_OFO(test, &f->o, { 1000, 100 });
	EXPECT_BLOCKS(test, &f->o, { 1000, 1100 });
}

static struct kunit_case xtcp_ofo_cases[] = {
	KUNIT_CASE(ofo_in_order_beyond_hole),
	KUNIT_CASE(ofo_insert_positions),
	KUNIT_CASE(ofo_duplicate),
	KUNIT_CASE(ofo_overlap_head),
	KUNIT_CASE(ofo_overlap_tail),
	KUNIT_CASE(ofo_overlap_both),
	KUNIT_CASE(ofo_cover_several),
	KUNIT_CASE(ofo_wraparound),
	KUNIT_CASE(ofo_fin),
	KUNIT_CASE(ofo_pull_partial),
	KUNIT_CASE(ofo_pull_duplicates),
	KUNIT_CASE(ofo_pull_stops_at_hole),
	KUNIT_CASE(ofo_pull_fin),
	KUNIT_CASE(ofo_sack_blocks),
	KUNIT_CASE(ofo_purge),
	KUNIT_CASE(ofo_prune_tail),
	KUNIT_CASE(ofo_prune_keeps_earlier),
	KUNIT_CASE(ofo_collapse_runs),
	KUNIT_CASE(ofo_collapse_fin),
	KUNIT_CASE(ofo_collapse_wrap),
	KUNIT_CASE(ofo_collapse_budget),
	KUNIT_CASE(ofo_dsack_queued),
	KUNIT_CASE(ofo_dsack_first_run),
	KUNIT_CASE(ofo_dsack_pending),
	{}
};

static struct kunit_suite xtcp_ofo_suite = {
	.name = "xtcp_ofo",
	.init = ofo_test_init,
	.exit = ofo_test_exit,
	.test_cases = xtcp_ofo_cases,
};

kunit_test_suite(xtcp_ofo_suite);
