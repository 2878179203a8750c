/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels xtcp builds on (6.1 to 6.12), in one
 * place, so the protocol code reads as if written for the newest one.
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/version.h>
#include <net/net_namespace.h>

/* 6.5 gave register_net_sysctl a table size; xtcp's tables keep a sentinel. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define register_net_sysctl_sz(net, path, table, size) \
	register_net_sysctl(net, path, table)
#endif

/* 6.2 added EXPORT_SYMBOL_IF_KUNIT for tests in another module. */
#if __has_include(<kunit/visibility.h>)
#include <kunit/visibility.h>
#else
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym) \
	EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#endif
#endif

/* 6.12 moved the unaligned accessors out of asm/. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _XTCP_COMPAT_H */
