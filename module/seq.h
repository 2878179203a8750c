/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP sequence-number arithmetic: comparisons modulo 2^32 (RFC 9293 3.4).
 *
 * Sequence numbers wrap, so "a before b" means b lies in the 2^31 numbers
 * after a. Everything that compares SEQ, ACK or window edges goes through
 * these helpers; never compare sequence numbers with < directly.
 */
#ifndef _XTCP_SEQ_H
#define _XTCP_SEQ_H

#include <linux/types.h>

/* a < b in sequence space */
static inline bool xtcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

/* a > b in sequence space */
static inline bool xtcp_seq_after(u32 a, u32 b)
{
	return xtcp_seq_before(b, a);
}

/* a <= b in sequence space */
static inline bool xtcp_seq_before_eq(u32 a, u32 b)
{
	return !xtcp_seq_after(a, b);
}

/* a >= b in sequence space */
static inline bool xtcp_seq_after_eq(u32 a, u32 b)
{
	return !xtcp_seq_before(a, b);
}

/* lo <= x < hi, the half-open windows of RFC 9293 3.10.7.4 */
static inline bool xtcp_seq_in_window(u32 x, u32 lo, u32 hi)
{
	return xtcp_seq_after_eq(x, lo) && xtcp_seq_before(x, hi);
}

/* lo <= x <= hi, as for an acceptable ACK: SND.UNA < SEG.ACK =< SND.NXT */
static inline bool xtcp_seq_between(u32 x, u32 lo, u32 hi)
{
	return xtcp_seq_after_eq(x, lo) && xtcp_seq_before_eq(x, hi);
}

/* The later of two sequence numbers. */
static inline u32 xtcp_seq_max(u32 a, u32 b)
{
	return xtcp_seq_after(a, b) ? a : b;
}

/* The earlier of two sequence numbers. */
static inline u32 xtcp_seq_min(u32 a, u32 b)
{
	return xtcp_seq_before(a, b) ? a : b;
}

#endif /* _XTCP_SEQ_H */
