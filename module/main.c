// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and exit: brings xtcp's parts up in dependency order and
 * takes them down in reverse.
 */
#include <linux/module.h>

#include "xtcp.h"

static int __init xtcp_init(void)
{
	int err;

	/* Tunables first: a socket may read them as soon as it exists. */
	err = xtcp_sysctl_register();
	if (err)
		return err;

	err = xtcp_af_register();
	if (err)
		goto err_sysctl;

	pr_info("loaded, address family %d\n", xtcp_family);
	return 0;

err_sysctl:
	xtcp_sysctl_unregister();
	return err;
}

static void __exit xtcp_exit(void)
{
	/* No socket is left: each held a module reference. */
	xtcp_af_unregister();
	xtcp_sysctl_unregister();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: an alternative RFC 9293 TCP over IPv4");
MODULE_AUTHOR("The xtcp developers");
