/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP options on the wire (RFC 9293 3.1, 3.7.1): what xtcp reads from a
 * segment and writes into one.
 */
#ifndef _XTCP_OPTIONS_H
#define _XTCP_OPTIONS_H

#include <linux/types.h>

#define XTCP_OPT_EOL	0	/* End of Option List */
#define XTCP_OPT_NOP	1	/* No-Operation */
#define XTCP_OPT_MSS	2	/* Maximum Segment Size, length 4 */
#define XTCP_OLEN_MSS	4

/* Room for MSS on a SYN; later options (WS, TS, SACK) extend it. */
#define XTCP_SYN_OPTIONS_LEN	4

/**
 * struct xtcp_options - options read from one segment
 * @mss: the MSS option's value, 0 if absent or malformed
 */
struct xtcp_options {
	u16 mss;
};

int xtcp_parse_options(const u8 *ptr, int len, struct xtcp_options *opts);
unsigned int xtcp_write_syn_options(u8 *ptr, u16 mss);

#endif /* _XTCP_OPTIONS_H */
