// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing TCP options (RFC 9293 3.1, 3.7.1; RFC 7323; RFC 2018).
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "options.h"
#include "xtcp.h"

/* One option of kind @kind and length @olen at @p; a bad length: ignored. */
static void parse_one(const u8 *p, u8 kind, u8 olen, struct xtcp_options *o)
{
	unsigned int i, n;

	switch (kind) {
	case XTCP_OPT_MSS:
		if (olen == XTCP_OLEN_MSS)
			o->mss = get_unaligned_be16(p + 2);
		break;
	case XTCP_OPT_WINDOW:
		if (olen == XTCP_OLEN_WINDOW) {
			o->saw_wscale = 1;
			o->wscale = min_t(u8, p[2], XTCP_MAX_WSCALE);
		}
		break;
	case XTCP_OPT_SACK_PERM:
		if (olen == XTCP_OLEN_SACK_PERM)
			o->sack_ok = 1;
		break;
	case XTCP_OPT_TIMESTAMP:
		if (olen == XTCP_OLEN_TIMESTAMP) {
			o->saw_tstamp = 1;
			o->tsval = get_unaligned_be32(p + 2);
			o->tsecr = get_unaligned_be32(p + 6);
		}
		break;
	case XTCP_OPT_SACK:
		/* RFC 2018 3: 2 + 8 * n bytes; at most 4 blocks fit */
		n = (olen - XTCP_OLEN_SACK_BASE) / XTCP_OLEN_SACK_BLOCK;
		if ((olen - XTCP_OLEN_SACK_BASE) % XTCP_OLEN_SACK_BLOCK || !n ||
		    n > XTCP_MAX_SACK_BLOCKS)
			break;
		for (i = 0; i < n; i++) {
			const u8 *b = p + XTCP_OLEN_SACK_BASE +
				      i * XTCP_OLEN_SACK_BLOCK;

			o->sacks[i].start = get_unaligned_be32(b);
			o->sacks[i].end = get_unaligned_be32(b + 4);
		}
		o->num_sacks = n;
		break;
	default:
		break;	/* MUST-6: ignore what we do not implement */
	}
}

/**
 * xtcp_parse_options() - read the options area of a TCP header
 * @ptr: first option byte
 * @len: bytes of options (data offset * 4 - 20)
 * @opts: filled in; fields of absent options are 0
 *
 * Unknown kinds are skipped by their length (MUST-6). A length below 2 or
 * running past the header ends parsing (MUST-7): what was read before it
 * stands, as in Linux, and the segment itself is still processed. An
 * option of a wrong length for its kind, an MSS of 0, a SACK option of
 * other than 1 to 4 whole blocks are ignored.
 *
 * Return: 0, or -EINVAL if the options area was malformed.
 */
int xtcp_parse_options(const u8 *ptr, int len, struct xtcp_options *opts)
{
	memset(opts, 0, sizeof(*opts));

	while (len > 0) {
		u8 kind = ptr[0], olen;

		if (kind == XTCP_OPT_EOL)
			return 0;
		if (kind == XTCP_OPT_NOP) {
			ptr++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		olen = ptr[1];
		if (olen < 2 || olen > len)
			return -EINVAL;
		parse_one(ptr, kind, olen, opts);
		ptr += olen;
		len -= olen;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_parse_options);

/* NOP, NOP, Timestamps: 12 bytes, the TS values 4-byte aligned. */
static u8 *write_tstamp(u8 *p, u32 tsval, u32 tsecr)
{
	*p++ = XTCP_OPT_NOP;
	*p++ = XTCP_OPT_NOP;
	*p++ = XTCP_OPT_TIMESTAMP;
	*p++ = XTCP_OLEN_TIMESTAMP;
	put_unaligned_be32(tsval, p);
	put_unaligned_be32(tsecr, p + 4);
	return p + 8;
}

/**
 * xtcp_write_syn_options() - the options of a SYN or SYN-ACK, laid out as
 * Linux does: MSS, SACK-Permitted with Timestamps, NOP and Window Scale
 * @ptr: where they go; XTCP_SYN_OPTIONS_LEN bytes
 * @o: what to offer
 *
 * Return: bytes written, a multiple of 4.
 */
unsigned int xtcp_write_syn_options(u8 *ptr, const struct xtcp_syn_options *o)
{
	u8 *p = ptr;

	*p++ = XTCP_OPT_MSS;
	*p++ = XTCP_OLEN_MSS;
	put_unaligned_be16(o->mss, p);
	p += 2;
	if (o->sack_ok && o->tstamp) {
		*p++ = XTCP_OPT_SACK_PERM;
		*p++ = XTCP_OLEN_SACK_PERM;
		*p++ = XTCP_OPT_TIMESTAMP;
		*p++ = XTCP_OLEN_TIMESTAMP;
		put_unaligned_be32(o->tsval, p);
		put_unaligned_be32(o->tsecr, p + 4);
		p += 8;
	} else if (o->tstamp) {
		p = write_tstamp(p, o->tsval, o->tsecr);
	} else if (o->sack_ok) {
		*p++ = XTCP_OPT_NOP;
		*p++ = XTCP_OPT_NOP;
		*p++ = XTCP_OPT_SACK_PERM;
		*p++ = XTCP_OLEN_SACK_PERM;
	}
	if (o->wscale >= 0) {
		*p++ = XTCP_OPT_NOP;
		*p++ = XTCP_OPT_WINDOW;
		*p++ = XTCP_OLEN_WINDOW;
		*p++ = min_t(u8, o->wscale, XTCP_MAX_WSCALE);
	}
	return p - ptr;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_write_syn_options);

/**
 * xtcp_write_options() - the options of a segment after the handshake:
 * Timestamps (RFC 7323 3.2: on every segment once negotiated) and SACK
 * blocks (RFC 2018 3), each behind two NOPs for alignment
 * @ptr: where they go; up to XTCP_MAX_OPTIONS_LEN bytes
 * @tstamp: write Timestamps
 * @tsval: TSval
 * @tsecr: TSecr
 * @sacks: SACK blocks, the first the most recent
 * @nsacks: how many; as many as fit are written (4, or 3 with Timestamps)
 *
 * Return: bytes written, a multiple of 4.
 */
unsigned int xtcp_write_options(u8 *ptr, bool tstamp, u32 tsval, u32 tsecr,
				const struct xtcp_sack_block *sacks,
				unsigned int nsacks)
{
	u8 *p = ptr;
	unsigned int i, room;

	if (tstamp)
		p = write_tstamp(p, tsval, tsecr);
	room = (XTCP_MAX_OPTIONS_LEN - (p - ptr) - 2 - XTCP_OLEN_SACK_BASE) /
	       XTCP_OLEN_SACK_BLOCK;
	nsacks = min(nsacks, room);
	if (nsacks) {
		*p++ = XTCP_OPT_NOP;
		*p++ = XTCP_OPT_NOP;
		*p++ = XTCP_OPT_SACK;
		*p++ = XTCP_OLEN_SACK_BASE + nsacks * XTCP_OLEN_SACK_BLOCK;
		for (i = 0; i < nsacks; i++) {
			put_unaligned_be32(sacks[i].start, p);
			put_unaligned_be32(sacks[i].end, p + 4);
			p += 8;
		}
	}
	return p - ptr;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_write_options);
