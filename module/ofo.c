// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's out-of-order queue: text that arrived beyond RCV.NXT, held
 * sorted and without overlaps until the gap before it fills (RFC 9293
 * 3.10.7.4 seventh check), the SACK blocks that describe it (RFC 2018 4),
 * and the D-SACK block that reports text received twice (RFC 2883 4).
 *
 * Every SACK block kept in struct xtcp_ofo is a maximal run of contiguous
 * queued text: xtcp_ofo_insert() computes the run holding the new segment
 * and drops the blocks it absorbed, xtcp_ofo_pull() drops what it delivered.
 * So a block's edges are run edges, and sack_update() jumps over a whole
 * run when it meets one instead of walking its skbs. The skbs are in an
 * rbtree: a segment's place is found in O(log n) wherever it lands.
 */
#include "xtcp.h"
#include "ofo.h"
#include "seq.h"

/* The sequence number after @skb's last byte of text (its FIN excluded). */
static u32 data_end(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->seq + skb->len;
}

/* The skb before @skb, NULL at the head. */
static struct sk_buff *prev_skb(const struct sk_buff *skb)
{
	return skb_rb_prev(skb);
}

/* The skb after @skb, NULL at the tail; @skb NULL: the head. */
static struct sk_buff *next_skb(const struct xtcp_ofo *o,
				const struct sk_buff *skb)
{
	return skb ? skb_rb_next(skb) : skb_rb_first(&o->root);
}

/* The last skb that starts at or before @seq, NULL if none: O(log n). */
static struct sk_buff *find_prev(const struct xtcp_ofo *o, u32 seq)
{
	struct rb_node *n = o->root.rb_node;
	struct sk_buff *skb, *best = NULL;

	while (n) {
		skb = rb_to_skb(n);
		if (xtcp_seq_after(XTCP_SKB_CB(skb)->seq, seq)) {
			n = n->rb_left;
		} else {
			best = skb;
			n = n->rb_right;
		}
	}
	return best;
}

/* Put @skb in the tree, by its sequence number (no skb there overlaps). */
static void tree_insert(struct xtcp_ofo *o, struct sk_buff *skb)
{
	struct rb_node **p = &o->root.rb_node, *parent = NULL;
	u32 seq = XTCP_SKB_CB(skb)->seq;

	while (*p) {
		parent = *p;
		if (xtcp_seq_before(seq, XTCP_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &o->root);
}

/* Set @skb's FIN flag to @fin, keeping end_seq = seq + len + FIN. */
static void set_fin(struct sk_buff *skb, bool fin)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (fin)
		cb->flags |= XTCP_FIN;
	else
		cb->flags &= ~XTCP_FIN;
	cb->end_seq = data_end(skb) + fin;
}

/**
 * xtcp_ofo_init() - an empty out-of-order queue
 * @o: the queue
 */
void xtcp_ofo_init(struct xtcp_ofo *o)
{
	o->root = RB_ROOT;
	o->nblocks = 0;
	o->has_dsack = false;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_init);

/**
 * xtcp_ofo_dsack() - text [@start, @end) arrived a second time: report it
 * as the first block of the next ACK (RFC 2883 4, a D-SACK block)
 * @o: the receiver's queue
 * @start: the first duplicate sequence number
 * @end: the sequence number after the last
 *
 * One D-SACK block goes in an ACK, for "the most recent packet": a
 * duplicate that overlaps or touches one still waiting extends it (as
 * Linux's tcp_dsack_extend), any other takes its place.
 */
void xtcp_ofo_dsack(struct xtcp_ofo *o, u32 start, u32 end)
{
	struct xtcp_sack_block *d = &o->dsack;

	if (!xtcp_seq_before(start, end))
		return;
	if (o->has_dsack && xtcp_seq_before_eq(start, d->end) &&
	    xtcp_seq_after_eq(end, d->start)) {
		d->start = xtcp_seq_min(d->start, start);
		d->end = xtcp_seq_max(d->end, end);
		return;
	}
	*d = (struct xtcp_sack_block){ .start = start, .end = end };
	o->has_dsack = true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_dsack);

/* @in lies within @b. */
static bool block_holds(const struct xtcp_sack_block *b,
			const struct xtcp_sack_block *in)
{
	return xtcp_seq_before_eq(b->start, in->start) &&
	       xtcp_seq_after_eq(b->end, in->end);
}

/**
 * xtcp_ofo_sack_blocks() - the SACK blocks of the ACK about to go
 * @o: the receiver's queue
 * @dsack: D-SACK is on (net.xtcp.dsack): report a waiting duplicate
 * @out: XTCP_MAX_SACK_BLOCKS blocks
 *
 * RFC 2883 4: a waiting D-SACK block goes first; if it lies within a
 * block of the queue, that block goes second; the rest follow most recent
 * first (RFC 2018 4). The D-SACK block is reported once, and forgotten
 * even when D-SACK is off.
 *
 * Return: how many blocks @out holds.
 */
unsigned int xtcp_ofo_sack_blocks(struct xtcp_ofo *o, bool dsack,
				  struct xtcp_sack_block *out)
{
	unsigned int i, n = 0, held = XTCP_MAX_SACK_BLOCKS;

	if (o->has_dsack && dsack) {
		out[n++] = o->dsack;
		for (i = 0; i < o->nblocks; i++) {
			if (block_holds(&o->blocks[i], &o->dsack)) {
				out[n++] = o->blocks[i];
				held = i;
				break;
			}
		}
	}
	o->has_dsack = false;
	for (i = 0; i < o->nblocks && n < XTCP_MAX_SACK_BLOCKS; i++)
		if (i != held)
			out[n++] = o->blocks[i];
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_sack_blocks);

/* The block that ends at @seq, NULL if none. */
static const struct xtcp_sack_block *block_ending_at(const struct xtcp_ofo *o,
						     u32 seq)
{
	int i;

	for (i = 0; i < o->nblocks; i++)
		if (o->blocks[i].end == seq)
			return &o->blocks[i];
	return NULL;
}

/* The block that starts at @seq, NULL if none. */
static const struct xtcp_sack_block *
block_starting_at(const struct xtcp_ofo *o, u32 seq)
{
	int i;

	for (i = 0; i < o->nblocks; i++)
		if (o->blocks[i].start == seq)
			return &o->blocks[i];
	return NULL;
}

/**
 * sack_update() - the SACK blocks after @skb was queued
 * @o: the queue, @skb in it
 * @skb: the segment just queued
 *
 * RFC 2018 4: "The first SACK block ... MUST specify the contiguous block
 * of data containing the segment which triggered this ACK", then "the
 * most recently reported SACK blocks" that are not subsets of it. The run
 * around @skb is found by walking its neighbours until a gap, or until an
 * edge of a remembered block, which is the edge of a whole run. A run no
 * block remembers any more (more than XTCP_MAX_SACK_BLOCKS of them) is
 * walked skb by skb, so the first block is always exact.
 */
static void sack_update(struct xtcp_ofo *o, const struct sk_buff *skb)
{
	struct xtcp_sack_block nb[XTCP_MAX_SACK_BLOCKS];
	const struct xtcp_sack_block *b;
	const struct sk_buff *p;
	u32 start = XTCP_SKB_CB(skb)->seq, end = data_end(skb);
	int i, n = 0;

	for (p = skb; ; start = XTCP_SKB_CB(p)->seq) {
		b = block_ending_at(o, start);
		if (b) {
			start = b->start;
			break;
		}
		p = prev_skb(p);
		if (!p || data_end(p) != start)
			break;
	}
	for (p = skb; ; end = data_end(p)) {
		b = block_starting_at(o, end);
		if (b) {
			end = b->end;
			break;
		}
		p = next_skb(o, p);
		if (!p || XTCP_SKB_CB(p)->seq != end)
			break;
	}

	nb[n++] = (struct xtcp_sack_block){ .start = start, .end = end };
	for (i = 0; i < o->nblocks && n < XTCP_MAX_SACK_BLOCKS; i++) {
		b = &o->blocks[i];
		/* merged into the new run (touching counts: runs are maximal) */
		if (xtcp_seq_before_eq(b->start, end) &&
		    xtcp_seq_after_eq(b->end, start))
			continue;
		nb[n++] = *b;
	}
	memcpy(o->blocks, nb, n * sizeof(nb[0]));
	o->nblocks = n;
}

/*
 * [@start, @end) of a segment being inserted is queued already: it starts
 * the first such run @dup if that is empty, or extends it if contiguous.
 */
static void dup_extend(struct xtcp_sack_block *dup, u32 start, u32 end)
{
	if (dup->start == dup->end)
		*dup = (struct xtcp_sack_block){ .start = start, .end = end };
	else if (dup->end == start)
		dup->end = end;
}

/**
 * xtcp_ofo_insert() - hold a segment that arrived beyond RCV.NXT
 * @o: the queue
 * @skb: text [seq, seq + len) with len > 0 and seq after RCV.NXT;
 *	 XTCP_SKB_CB(skb)->flags may hold XTCP_FIN, at seq + len
 *
 * RFC 9293 3.10.7.4 seventh check: "segments with higher beginning
 * sequence numbers may be held for later processing". The queue stays
 * sorted and free of overlaps: text already queued is cut from @skb's head
 * (pskb_pull) or tail (pskb_trim, which takes its FIN away: that FIN
 * contradicts the text queued after it); queued skbs @skb covers whole are
 * freed, and their FIN passes to @skb if it sat at @skb's end. A FIN on a
 * segment whose text is all queued already moves to the queued skb that
 * ends where the FIN is. The place is found in O(log n). The SACK
 * blocks are updated (RFC 2018 4, see sack_update()), and the first run
 * of @skb's text that was queued already waits to be reported as a
 * D-SACK (RFC 2883 4).
 * @skb's cb->seq and cb->end_seq follow the trims, cb->offset is set to
 * 0. Nothing is done to @skb's memory charge: freeing it uncharges it.
 *
 * Return: true if @skb is queued (the queue owns it); false if it brings
 * no new text or trimming it failed for want of memory: the caller frees
 * it, and the queue and its blocks are as before (but for a FIN moved).
 */
bool xtcp_ofo_insert(struct xtcp_ofo *o, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *prev, *stop, *last, *next;
	u32 seq = cb->seq, end = data_end(skb), at;
	/* the first run of @skb's text that is queued already: a D-SACK */
	struct xtcp_sack_block dup = { .start = seq, .end = seq };
	bool fin = cb->flags & XTCP_FIN, gap = false;

	if (!skb->len)
		return false;

	/* prev: the last skb starting at or before @skb */
	prev = find_prev(o, seq);

	if (prev && xtcp_seq_after(data_end(prev), seq)) {
		if (xtcp_seq_after_eq(data_end(prev), end)) {
			if (fin && data_end(prev) == end)
				set_fin(prev, true);
			xtcp_ofo_dsack(o, seq, end);
			return false;		/* all queued already */
		}
		seq = data_end(prev);		/* cut the head */
		dup.end = seq;
	}

	/*
	 * The skbs after prev that @skb covers whole (freed below if it
	 * brings any new text); stop: the first one it does not.
	 */
	last = NULL;
	at = seq;
	for (stop = next_skb(o, prev);
	     stop && xtcp_seq_before_eq(data_end(stop), end);
	     stop = next_skb(o, stop)) {
		gap |= XTCP_SKB_CB(stop)->seq != at;
		at = data_end(stop);
		last = stop;
		dup_extend(&dup, XTCP_SKB_CB(stop)->seq, at);
	}
	if (last && at == end && (XTCP_SKB_CB(last)->flags & XTCP_FIN))
		fin = true;
	if (stop && xtcp_seq_before(XTCP_SKB_CB(stop)->seq, end)) {
		dup_extend(&dup, XTCP_SKB_CB(stop)->seq, end);
		end = XTCP_SKB_CB(stop)->seq;	/* cut the tail */
		fin = false;
	}
	if (!gap && at == end) {		/* all queued already */
		if (fin && last)
			set_fin(last, true);
		xtcp_ofo_dsack(o, dup.start, dup.end);
		return false;
	}

	/* Trim first: a failure must leave the queue as it was. */
	if (seq != cb->seq) {
		if (!pskb_pull(skb, seq - cb->seq))
			return false;
		cb->seq = seq;
	}
	if (end != data_end(skb) && pskb_trim(skb, end - seq))
		return false;

	for (next = next_skb(o, prev); next != stop; ) {
		struct sk_buff *covered = next;

		next = next_skb(o, next);
		rb_erase(&covered->rbnode, &o->root);
		kfree_skb(covered);
	}

	set_fin(skb, fin);
	cb->offset = 0;
	tree_insert(o, skb);
	sack_update(o, skb);
	xtcp_ofo_dsack(o, dup.start, dup.end);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_insert);

/**
 * xtcp_ofo_pull() - move the text that is now in order to the receive queue
 * @o: the queue
 * @rcv_nxt: RCV.NXT
 * @to: where in-order skbs go, at the tail (the receive queue)
 * @fin: set true if the last skb moved carries a FIN, else false
 *
 * RFC 9293 3.10.7.4 seventh check: once the gap is filled, held segments
 * are processed in order. Skbs that end at or before @rcv_nxt are freed
 * (their FIN still counts if it sits at @rcv_nxt); one straddling @rcv_nxt
 * loses its head. The pull stops at a gap, after a FIN (the caller takes
 * the FIN, RCV.NXT + 1, eighth check), or if cutting a head fails for want
 * of memory. SACK blocks below the new RCV.NXT are dropped (RFC 2018 4:
 * blocks report only data above the cumulative ACK).
 *
 * Return: the new RCV.NXT, past the text moved (the FIN not counted).
 */
u32 xtcp_ofo_pull(struct xtcp_ofo *o, u32 rcv_nxt, struct sk_buff_head *to,
		  bool *fin)
{
	struct sk_buff *skb;
	int i, n = 0;

	*fin = false;
	while ((skb = skb_rb_first(&o->root))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 end = data_end(skb);
		bool skb_fin = cb->flags & XTCP_FIN;

		if (xtcp_seq_after(cb->seq, rcv_nxt))
			break;				/* a gap */
		if (xtcp_seq_before_eq(end, rcv_nxt)) {	/* a duplicate */
			rb_erase(&skb->rbnode, &o->root);
			kfree_skb(skb);
			if (skb_fin && end == rcv_nxt) {
				*fin = true;
				break;
			}
			continue;
		}
		if (cb->seq != rcv_nxt) {
			if (!pskb_pull(skb, rcv_nxt - cb->seq))
				break;
			cb->seq = rcv_nxt;
		}
		rb_erase(&skb->rbnode, &o->root);
		__skb_queue_tail(to, skb);
		rcv_nxt = end;
		if (skb_fin) {
			*fin = true;
			break;
		}
	}

	for (i = 0; i < o->nblocks; i++) {
		struct xtcp_sack_block b = o->blocks[i];

		if (xtcp_seq_before_eq(b.end, rcv_nxt))
			continue;
		b.start = xtcp_seq_max(b.start, rcv_nxt);
		o->blocks[n++] = b;
	}
	o->nblocks = n;
	return rcv_nxt;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_pull);

/*
 * The skbs from @head on that one page-sized skb can hold: contiguous
 * text, at most SKB_MAX_ORDER(0, 0) of it, ending at the first FIN (a
 * FIN ends what may be copied: text after it is not merged into it).
 * Return the skb after the group; *@len is its text, *@n its skbs,
 * *@truesize what they cost.
 */
static struct sk_buff *group_end(const struct xtcp_ofo *o,
				 struct sk_buff *head, u32 *len,
				 unsigned int *n, unsigned int *truesize)
{
	struct sk_buff *skb = head;

	*len = 0;
	*n = 0;
	*truesize = 0;
	do {
		if (*n && (XTCP_SKB_CB(skb)->seq != data_end(prev_skb(skb)) ||
			   *len + skb->len > SKB_MAX_ORDER(0, 0)))
			break;
		*len += skb->len;
		*truesize += skb->truesize;
		(*n)++;
		if (XTCP_SKB_CB(skb)->flags & XTCP_FIN) {
			skb = next_skb(o, skb);
			break;
		}
		skb = next_skb(o, skb);
	} while (skb);
	return skb;
}

/*
 * Replace the @n skbs from @head (a group, see group_end()) by one skb
 * holding their @len bytes, charged to @sk (none if NULL), if that costs
 * less than @truesize. As in tcp_collapse(), the copy is charged before
 * the sources go, so the forward allocation their uncharge refills
 * covers it and never ends below zero. Return whether it was done.
 */
static bool collapse_group(struct xtcp_ofo *o, struct sock *sk,
			   struct sk_buff *head, u32 len, unsigned int n,
			   unsigned int truesize)
{
	struct sk_buff *nskb, *skb = head, *next;
	bool fin = false;

	nskb = alloc_skb(len, GFP_ATOMIC);
	if (!nskb)
		return false;
	if (nskb->truesize >= truesize) {
		kfree_skb(nskb);
		return false;
	}
	if (sk)
		skb_set_owner_r(nskb, sk);
	memcpy(nskb->cb, head->cb, sizeof(struct xtcp_skb_cb));
	XTCP_SKB_CB(nskb)->offset = 0;
	while (n--) {
		next = next_skb(o, skb);
		/* cannot fail: nskb has room, skb holds skb->len bytes */
		if (skb_copy_bits(skb, 0, skb_put(nskb, skb->len), skb->len))
			WARN_ON_ONCE(1);
		fin = XTCP_SKB_CB(skb)->flags & XTCP_FIN;
		rb_erase(&skb->rbnode, &o->root);
		__kfree_skb(skb);	/* copied, not dropped (tcp_collapse_one) */
		skb = next;
	}
	set_fin(nskb, fin);
	tree_insert(o, nskb);
	return true;
}

/**
 * xtcp_ofo_collapse() - copy runs of small skbs into as few page-sized
 * ones as hold their text (Linux's tcp_collapse_ofo_queue())
 * @o: the queue
 * @sk: the owner the new skbs are charged to (NULL: none)
 * @budget: stop once small skbs that could not be merged (alone in their
 *	    run, or already as cheap as a copy) add up to this much
 *	    truesize: such a queue is not walked whole for every segment
 *	    that wants room (Linux: rcvbuf / 8)
 *
 * A peer sending tiny segments makes each byte cost a whole skb's
 * overhead (truesize); under memory pressure the text is worth keeping
 * and the overhead is not. Only groups whose copy costs less than they
 * do are replaced, so a collapsed queue is left alone the next time. The
 * text and the SACK blocks stay as they were; a FIN ends a group.
 *
 * Return: the number of skbs replaced (TCPRcvCollapsed counts them).
 */
unsigned int xtcp_ofo_collapse(struct xtcp_ofo *o, struct sock *sk,
			       unsigned int budget)
{
	struct sk_buff *head = next_skb(o, NULL), *stop;
	unsigned int replaced = 0, kept = 0, n, truesize;
	u32 len;

	while (head) {
		stop = group_end(o, head, &len, &n, &truesize);
		if (n > 1 && collapse_group(o, sk, head, len, n, truesize)) {
			replaced += n;
		} else if (len < SKB_WITH_OVERHEAD(PAGE_SIZE)) {
			kept += truesize;
			if (kept > budget)
				break;
		}
		head = stop;
	}
	return replaced;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_collapse);

/* Keep the SACK blocks to text still queued, which now ends at @end. */
static void blocks_cut(struct xtcp_ofo *o, u32 end, bool empty)
{
	int i, n = 0;

	for (i = 0; i < o->nblocks; i++) {
		struct xtcp_sack_block b = o->blocks[i];

		if (empty || xtcp_seq_after_eq(b.start, end))
			continue;
		b.end = xtcp_seq_min(b.end, end);
		o->blocks[n++] = b;
	}
	o->nblocks = n;
}

/**
 * xtcp_ofo_prune() - free the latest text held to make room for a segment
 * at @seq (Linux's tcp_prune_ofo_queue())
 * @o: the queue
 * @seq: where the segment that wants room starts: text from before it is
 *	 kept (were it dropped, the segment would land last anyway)
 * @goal: bytes of truesize to free before stopping
 *
 * The text dropped was SACKed: the receiver reneges (RFC 2018 8 allows
 * it; the sender keeps SACKed text until it is cumulatively ACKed). The
 * blocks that reported it are cut back to what is still queued, so no ACK
 * reports it again.
 *
 * Return: bytes of truesize freed; 0 if nothing could go.
 */
unsigned int xtcp_ofo_prune(struct xtcp_ofo *o, u32 seq, unsigned int goal)
{
	struct rb_node *last = rb_last(&o->root);
	unsigned int freed = 0;
	struct sk_buff *skb;

	while (last && freed < goal) {
		skb = rb_to_skb(last);
		if (xtcp_seq_before(XTCP_SKB_CB(skb)->seq, seq))
			break;
		last = rb_prev(last);
		rb_erase(&skb->rbnode, &o->root);
		freed += skb->truesize;
		kfree_skb(skb);
	}
	if (freed)
		blocks_cut(o, last ? data_end(rb_to_skb(last)) : 0, !last);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_prune);

/**
 * xtcp_ofo_purge() - free every held segment and forget the SACK blocks
 * @o: the queue
 */
void xtcp_ofo_purge(struct xtcp_ofo *o)
{
	struct sk_buff *skb, *next;

	for (skb = skb_rb_first(&o->root); skb; skb = next) {
		next = skb_rb_next(skb);
		rb_erase(&skb->rbnode, &o->root);
		kfree_skb(skb);
	}
	o->nblocks = 0;
	o->has_dsack = false;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_ofo_purge);
