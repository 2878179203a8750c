/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receiver's out-of-order queue and the SACK blocks it makes (RFC 9293
 * 3.10.7.4 seventh check: "segments with higher beginning sequence numbers
 * may be held", RFC 2018 4: which blocks a SACK option reports).
 */
#ifndef _XTCP_OFO_H
#define _XTCP_OFO_H

#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#define XTCP_MAX_SACK_BLOCKS	4	/* 4 fit in 40 option bytes */

/**
 * struct xtcp_sack_block - one SACK block: [start, end) in sequence space
 * @start: first sequence number of the block (Left Edge)
 * @end: sequence number after its last byte (Right Edge)
 */
struct xtcp_sack_block {
	u32 start;
	u32 end;
};

/**
 * struct xtcp_ofo - segments that arrived beyond RCV.NXT
 * @root: the segments in an rbtree by sequence number (skb->rbnode, as
 *	  Linux's out_of_order_queue), never overlapping: each skb's data
 *	  is [XTCP_SKB_CB(skb)->seq, seq + skb->len). Finding a segment's
 *	  place costs O(log n) wherever it lands: tiny segments sent in
 *	  descending order no longer walk the whole queue each.
 * @blocks: the SACK blocks to report, the most recently changed first
 *	    (RFC 2018 4: the first block holds the segment that triggered
 *	    the ACK; then the most recently reported ones), each a maximal
 *	    run of contiguous queued text; runs beyond the first
 *	    XTCP_MAX_SACK_BLOCKS are not reported (the queue still holds them)
 * @nblocks: how many of @blocks are valid
 * @dsack: text that arrived again, to report once as the first block of
 *	   the next ACK (a D-SACK block, RFC 2883 4); below RCV.NXT or within
 *	   the queue
 * @has_dsack: @dsack is waiting to be reported
 */
struct xtcp_ofo {
	struct rb_root root;
	struct xtcp_sack_block blocks[XTCP_MAX_SACK_BLOCKS];
	struct xtcp_sack_block dsack;
	u8 nblocks;
	bool has_dsack;
};

/* Whether nothing is held. */
static inline bool xtcp_ofo_empty(const struct xtcp_ofo *o)
{
	return RB_EMPTY_ROOT(&o->root);
}

void xtcp_ofo_init(struct xtcp_ofo *o);
void xtcp_ofo_dsack(struct xtcp_ofo *o, u32 start, u32 end);
unsigned int xtcp_ofo_sack_blocks(struct xtcp_ofo *o, bool dsack,
				  struct xtcp_sack_block *out);
bool xtcp_ofo_insert(struct xtcp_ofo *o, struct sk_buff *skb);
u32 xtcp_ofo_pull(struct xtcp_ofo *o, u32 rcv_nxt, struct sk_buff_head *to,
		  bool *fin);
void xtcp_ofo_purge(struct xtcp_ofo *o);
unsigned int xtcp_ofo_collapse(struct xtcp_ofo *o, struct sock *sk,
			       unsigned int budget);
unsigned int xtcp_ofo_prune(struct xtcp_ofo *o, u32 seq, unsigned int goal);

#endif /* _XTCP_OFO_H */
