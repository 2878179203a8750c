// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_kunit.ko: xtcp's KUnit suites, run when the module is loaded next to
 * xtcp.ko, whose internals they reach through EXPORT_SYMBOL_IF_KUNIT.
 */
#include <linux/module.h>
#include <kunit/test.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xtcp");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
