/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP options on the wire (RFC 9293 3.1, 3.7.1; RFC 7323 window scale and
 * timestamps; RFC 2018 SACK): what xtcp reads from a segment and writes
 * into one.
 */
#ifndef _XTCP_OPTIONS_H
#define _XTCP_OPTIONS_H

#include <linux/types.h>

#include "ofo.h"

#define XTCP_OPT_EOL		0	/* End of Option List */
#define XTCP_OPT_NOP		1	/* No-Operation */
#define XTCP_OPT_MSS		2	/* Maximum Segment Size */
#define XTCP_OPT_WINDOW		3	/* Window Scale (RFC 7323 2) */
#define XTCP_OPT_SACK_PERM	4	/* SACK-Permitted (RFC 2018 2) */
#define XTCP_OPT_SACK		5	/* SACK (RFC 2018 3) */
#define XTCP_OPT_TIMESTAMP	8	/* Timestamps (RFC 7323 3) */

#define XTCP_OLEN_MSS		4
#define XTCP_OLEN_WINDOW	3
#define XTCP_OLEN_SACK_PERM	2
#define XTCP_OLEN_TIMESTAMP	10
#define XTCP_OLEN_TS_ALIGNED	12	/* NOP, NOP, Timestamps */
#define XTCP_OLEN_SACK_BASE	2
#define XTCP_OLEN_SACK_BLOCK	8

/* RFC 7323 2.3: a shift above 14 is used as 14 */
#define XTCP_MAX_WSCALE		14

/* MSS, SACK-Permitted, Timestamps, NOP, Window Scale: Linux's layout */
#define XTCP_SYN_OPTIONS_LEN	20
#define XTCP_MAX_OPTIONS_LEN	40

/**
 * struct xtcp_options - options read from one segment
 * @mss: the MSS option's value, 0 if absent or malformed
 * @wscale: the Window Scale shift (clamped to 14), if @saw_wscale
 * @saw_wscale: a well-formed Window Scale option was present
 * @sack_ok: a well-formed SACK-Permitted option was present
 * @saw_tstamp: a well-formed Timestamps option was present
 * @num_sacks: SACK blocks in @sacks (0 if none or malformed)
 * @tsval: TSval, if @saw_tstamp
 * @tsecr: TSecr, if @saw_tstamp
 * @sacks: the SACK blocks as sent, not yet checked against anything
 *
 * Window Scale and SACK-Permitted mean something only on a SYN; the
 * caller ignores them elsewhere (RFC 7323 2.2, RFC 2018 2).
 */
struct xtcp_options {
	u16 mss;
	u8 wscale;
	u8 saw_wscale:1;
	u8 sack_ok:1;
	u8 saw_tstamp:1;
	u8 num_sacks;
	u32 tsval;
	u32 tsecr;
	struct xtcp_sack_block sacks[XTCP_MAX_SACK_BLOCKS];
};

/**
 * struct xtcp_syn_options - what our SYN or SYN-ACK offers
 * @mss: our MSS (MUST-14: on every SYN)
 * @wscale: our receive window shift, or -1 to send no Window Scale
 * @sack_ok: send SACK-Permitted
 * @tstamp: send Timestamps
 * @tsval: TSval, if @tstamp
 * @tsecr: TSecr, if @tstamp (0 on a SYN, RFC 7323 3.2)
 */
struct xtcp_syn_options {
	u16 mss;
	s8 wscale;
	bool sack_ok;
	bool tstamp;
	u32 tsval;
	u32 tsecr;
};

int xtcp_parse_options(const u8 *ptr, int len, struct xtcp_options *opts);
unsigned int xtcp_write_syn_options(u8 *ptr, const struct xtcp_syn_options *o);
unsigned int xtcp_write_options(u8 *ptr, bool tstamp, u32 tsval, u32 tsecr,
				const struct xtcp_sack_block *sacks,
				unsigned int nsacks);

#endif /* _XTCP_OPTIONS_H */
