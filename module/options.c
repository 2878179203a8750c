// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing TCP options (RFC 9293 3.1, 3.7.1).
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "options.h"
#include "xtcp.h"

/**
 * xtcp_parse_options() - read the options area of a TCP header
 * @ptr: first option byte
 * @len: bytes of options (data offset * 4 - 20)
 * @opts: filled in; fields of absent options are 0
 *
 * Unknown kinds are skipped by their length (MUST-6). A length below 2 or
 * running past the header ends parsing (MUST-7): what was read before it
 * stands, as in Linux, and the segment itself is still processed. An MSS
 * option of the wrong length or of value 0 is ignored.
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

		switch (kind) {
		case XTCP_OPT_MSS:
			if (olen == XTCP_OLEN_MSS)
				opts->mss = get_unaligned_be16(ptr + 2);
			break;
		default:
			break;	/* MUST-6: ignore what we do not implement */
		}
		ptr += olen;
		len -= olen;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_parse_options);

/**
 * xtcp_write_syn_options() - the options of a SYN or SYN-ACK
 * @ptr: where they go; XTCP_SYN_OPTIONS_LEN bytes
 * @mss: our MSS (MUST-14: sent on every SYN)
 *
 * Return: bytes written, a multiple of 4.
 */
unsigned int xtcp_write_syn_options(u8 *ptr, u16 mss)
{
	ptr[0] = XTCP_OPT_MSS;
	ptr[1] = XTCP_OLEN_MSS;
	put_unaligned_be16(mss, ptr + 2);
	return XTCP_SYN_OPTIONS_LEN;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_write_syn_options);
