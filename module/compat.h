/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels xtcp builds on (6.1 to 6.12), in one
 * place, so the protocol code reads as if written for the newest one.
 * The XTCP_HAVE_* flags are feature probes run by module/Kbuild against
 * the kernel tree, not version numbers.
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/sysctl.h>
#include <net/net_namespace.h>

/* 6.5 gave register_net_sysctl a table size; xtcp's tables keep a sentinel. */
#ifndef XTCP_HAVE_REGISTER_NET_SYSCTL_SZ
static inline struct ctl_table_header *
register_net_sysctl_sz(struct net *net, const char *path,
		       struct ctl_table *table, size_t table_size)
{
	return register_net_sysctl(net, path, table);
}
#endif

/* 6.2 added EXPORT_SYMBOL_IF_KUNIT for tests in another module. */
#ifdef XTCP_HAVE_KUNIT_VISIBILITY_H
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, EXPORTED_FOR_KUNIT_TESTING)
#endif

/* 6.12 moved the unaligned accessors out of asm/. */
#ifdef XTCP_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.12 moved skb_frag_ref() and friends to their own header. */
#ifdef XTCP_HAVE_SKBUFF_REF_H
#include <linux/skbuff_ref.h>
#else
#include <linux/skbuff.h>
#endif

#endif /* _XTCP_COMPAT_H */
