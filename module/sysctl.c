// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace tunables under /proc/sys/net/xtcp/: their defaults,
 * ranges, and registration with each namespace.
 *
 * A new namespace starts from the defaults, never from its parent's values.
 * Writing needs CAP_NET_ADMIN over the namespace (net_ctl_permissions);
 * proc_dointvec_minmax refuses out-of-range values with EINVAL and keeps
 * the old value.
 */
#include <linux/sysctl.h>
#include <net/netns/generic.h>

#include "xtcp.h"

static unsigned int xtcp_net_id __read_mostly;

struct xtcp_net *xtcp_net(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/* Ranges follow Linux TCP's limits (include/net/tcp.h) where it has them. */
static const int zero;
static const int one = 1;
static const int max_u8 = 255;
static const int max_syncnt = 127;		/* MAX_TCP_SYNCNT */
static const int max_keepidle = 32767;		/* MAX_TCP_KEEPIDLE, s */
static const int max_keepcnt = 127;		/* MAX_TCP_KEEPCNT */
static const int max_fin_timeout = 3600;	/* s */
static const int max_rto_ms = 3600 * 1000;
static const int max_msl_ms = 3600 * 1000;
static const int max_delack_ms = 499;		/* RFC 9293 MUST-40: < 0.5 s */

/* .data holds the field's offset in struct xtcp_net until registration. */
#define XTCP_SYSCTL(field, lo, hi)					\
	{								\
		.procname	= #field,				\
		.data		= (void *)offsetof(struct xtcp_net, field), \
		.maxlen		= sizeof(int),				\
		.mode		= 0644,					\
		.proc_handler	= proc_dointvec_minmax,			\
		.extra1		= (void *)&(lo),			\
		.extra2		= (void *)&(hi),			\
	}

static const struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL(syn_retries, one, max_syncnt),
	XTCP_SYSCTL(synack_retries, zero, max_u8),
	XTCP_SYSCTL(retries1, zero, max_u8),
	XTCP_SYSCTL(retries2, zero, max_u8),
	XTCP_SYSCTL(orphan_retries, zero, max_u8),
	XTCP_SYSCTL(fin_timeout, one, max_fin_timeout),
	XTCP_SYSCTL(keepalive_time, one, max_keepidle),
	XTCP_SYSCTL(keepalive_intvl, one, max_keepidle),
	XTCP_SYSCTL(keepalive_probes, one, max_keepcnt),
	XTCP_SYSCTL(rto_initial_ms, one, max_rto_ms),
	XTCP_SYSCTL(rto_min_ms, one, max_rto_ms),
	XTCP_SYSCTL(rto_max_ms, one, max_rto_ms),
	XTCP_SYSCTL(msl_ms, one, max_msl_ms),
	XTCP_SYSCTL(delack_ms, one, max_delack_ms),
	{ }	/* sentinel for kernels before 6.5 */
};

/**
 * xtcp_net_set_defaults() - Linux TCP's defaults (ip-sysctl.rst), and RFC
 * 6298's initial RTO of one second.
 * @xn: the namespace's tunables
 */
void xtcp_net_set_defaults(struct xtcp_net *xn)
{
	xn->syn_retries = 6;
	xn->synack_retries = 5;
	xn->retries1 = 3;
	xn->retries2 = 15;
	xn->orphan_retries = 0;
	xn->fin_timeout = 60;
	xn->keepalive_time = 7200;
	xn->keepalive_intvl = 75;
	xn->keepalive_probes = 9;
	xn->rto_initial_ms = 1000;
	xn->rto_min_ms = 200;
	xn->rto_max_ms = 120 * 1000;
	xn->msl_ms = 30 * 1000;
	xn->delack_ms = 40;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_net_set_defaults);

/**
 * xtcp_sysctl_check() - whether @xn is inside every range the table sets
 * @xn: tunables to check
 *
 * Return: the name of the first out-of-range tunable, or NULL.
 */
const char *xtcp_sysctl_check(const struct xtcp_net *xn)
{
	const struct ctl_table *t;

	for (t = xtcp_sysctl_template; t->procname; t++) {
		int v = *(const int *)((const char *)xn + (uintptr_t)t->data);

		if (v < *(const int *)t->extra1 || v > *(const int *)t->extra2)
			return t->procname;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sysctl_check);

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_net(net);
	struct ctl_table *tbl;
	int i;

	xtcp_net_set_defaults(xn);

	tbl = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
		      GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(xtcp_sysctl_template) - 1; i++)
		tbl[i].data = (char *)xn + (uintptr_t)tbl[i].data;

	xn->sysctl_hdr = register_net_sysctl_sz(net, "net/xtcp", tbl,
						ARRAY_SIZE(xtcp_sysctl_template) - 1);
	if (!xn->sysctl_hdr) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_net(net);
	const struct ctl_table *tbl = xn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(tbl);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

int xtcp_sysctl_register(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

void xtcp_sysctl_unregister(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
