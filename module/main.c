// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and exit: brings xtcp's parts up in dependency order and
 * takes them down in reverse.
 */
#include <linux/module.h>
#include <linux/workqueue.h>

#include "tw.h"
#include "xtcp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Unload: connections no process holds are reset, not left to time out. */
static void abort_orphan(struct sock *sk)
{
	local_bh_disable();
	bh_lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE)
		xtcp_abort(sk, 0);
	else
		xtcp_unhash(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
}

static int __init xtcp_init(void)
{
	int err;

	xtcp_isn_init();
	err = xtcp_tw_init();
	if (err)
		return err;
	xtcp_wq = alloc_workqueue("xtcp", 0, 0);
	if (!xtcp_wq) {
		xtcp_tw_exit();
		return -ENOMEM;
	}

	/* Tunables first: a socket reads them as soon as it exists. */
	err = xtcp_sysctl_register();
	if (err)
		goto err_wq;
	err = xtcp_mem_sysctl_register();
	if (err)
		goto err_sysctl;
	err = xtcp_input_register();
	if (err)
		goto err_mem;
	err = xtcp_af_register();
	if (err)
		goto err_input;

	pr_info("loaded, address family %d\n", xtcp_family);
	return 0;

err_input:
	xtcp_input_unregister();
err_mem:
	xtcp_mem_sysctl_unregister();
err_sysctl:
	xtcp_sysctl_unregister();
err_wq:
	destroy_workqueue(xtcp_wq);
	xtcp_tw_exit();
	return err;
}

/*
 * No process holds an xtcp socket (each pins the module), but orphans may
 * live on: TIME-WAIT, FIN-WAIT-2, data still being retransmitted.
 * 1. No new sockets: the family goes.
 * 2. No new segments: the netfilter hook goes (it waits for running ones).
 * 3. The orphans are aborted: each leaves the tables, drops its timers;
 *    TIME-WAIT records end.
 * 4. Wait until every socket is freed (in-flight skbs, timers, RCU).
 * 5. The shadows go with the workqueue, then the slab with the proto.
 */
static void __exit xtcp_exit(void)
{
	xtcp_af_unregister();
	xtcp_input_unregister();
	xtcp_tables_drain(abort_orphan);
	xtcp_tw_purge();
	xtcp_socks_wait();
	destroy_workqueue(xtcp_wq);
	rcu_barrier();		/* TIME-WAIT records, ports */
	xtcp_tw_exit();
	xtcp_proto_unregister();
	xtcp_mem_sysctl_unregister();
	xtcp_sysctl_unregister();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: an alternative RFC 9293 TCP over IPv4");
MODULE_AUTHOR("The xtcp developers");
