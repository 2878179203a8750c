// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace tunables under /proc/sys/net/xtcp/: their defaults,
 * ranges, and registration with each namespace.
 *
 * A new namespace starts from the defaults, never from its parent's values.
 * Writing needs CAP_NET_ADMIN over the namespace (xtcp_dointvec);
 * proc_dointvec_minmax refuses out-of-range values with EINVAL and keeps
 * the old value.
 */
#include <linux/capability.h>
#include <linux/sysctl.h>
#include <net/netns/generic.h>
#include <net/tcp.h>

#include "xtcp.h"

static unsigned int xtcp_net_id __read_mostly;

struct xtcp_net *xtcp_net(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/* Ranges follow Linux TCP's limits (include/net/tcp.h) where it has them. */
struct xtcp_range {
	int min, max;
};

static const struct xtcp_range syncnt = { 1, 127 };		/* MAX_TCP_SYNCNT */
static const struct xtcp_range syn_linear = { 0, 127 };	/* MAX_TCP_SYNCNT */
static const struct xtcp_range u8_count = { 0, 255 };
static const struct xtcp_range keepidle = { 1, 32767 };	/* MAX_TCP_KEEPIDLE */
static const struct xtcp_range keepcnt = { 1, 127 };		/* MAX_TCP_KEEPCNT */
static const struct xtcp_range fin_timeout = { 1, 3600 };	/* s */
static const struct xtcp_range ms = { 1, 3600 * 1000 };
static const struct xtcp_range delack = { 1, 499 };		/* MUST-40: < 0.5 s */
static const struct xtcp_range onoff = { 0, 1 };
static const struct xtcp_range dupthresh = { 1, U16_MAX };	/* segments */
static const struct xtcp_range count = { 0, INT_MAX };
static const struct xtcp_range early_retrans = { 0, 4 };
static const struct xtcp_range recovery = { 0, 255 };	/* TCP_RACK_* bits, u8 */
static const struct xtcp_range syncookies = { 0, 2 };
static const struct xtcp_range syn_backlog = { 1, INT_MAX };
static const struct xtcp_range mtu_probing = { 0, 2 };
static const struct xtcp_range mss = { 48, 65535 };	/* TCP_MIN_SND_MSS */
static const struct xtcp_range probe_interval = { 0, INT_MAX / HZ };	/* s */

/*
 * Writes need CAP_NET_ADMIN over the namespace that owns the value. The
 * proc layer alone lets any euid 0 write (net_ctl_permissions gives root
 * the owner's bits); xtcp insists on the capability, as the timers these
 * steer serve every connection of the namespace.
 *
 * extra1 is the entry's range, extra2 its namespace's struct xtcp_net.
 */
static int xtcp_dointvec(const struct ctl_table *table, int write,
			 void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct xtcp_range *r = table->extra1;
	const struct xtcp_net *xn = table->extra2;
	struct ctl_table tmp = *table;

	if (write && !ns_capable(xn->net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	tmp.extra1 = (void *)&r->min;
	tmp.extra2 = (void *)&r->max;
	return proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
}

/* .data holds the field's offset in struct xtcp_net until registration. */
#define XTCP_SYSCTL(field, r)						\
	{								\
		.procname	= #field,				\
		.data		= (void *)offsetof(struct xtcp_net, field), \
		.maxlen		= sizeof(int),				\
		.mode		= 0644,					\
		.proc_handler	= xtcp_dointvec,			\
		.extra1		= (void *)&(r),				\
	}

static const struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL(syn_retries, syncnt),
	XTCP_SYSCTL(syn_linear_timeouts, syn_linear),
	XTCP_SYSCTL(synack_retries, u8_count),
	XTCP_SYSCTL(retries1, u8_count),
	XTCP_SYSCTL(retries2, u8_count),
	XTCP_SYSCTL(orphan_retries, u8_count),
	XTCP_SYSCTL(fin_timeout, fin_timeout),
	XTCP_SYSCTL(keepalive_time, keepidle),
	XTCP_SYSCTL(keepalive_intvl, keepidle),
	XTCP_SYSCTL(keepalive_probes, keepcnt),
	XTCP_SYSCTL(rto_initial_ms, ms),
	XTCP_SYSCTL(rto_min_ms, ms),
	XTCP_SYSCTL(rto_max_ms, ms),
	XTCP_SYSCTL(msl_ms, ms),
	XTCP_SYSCTL(delack_ms, delack),
	XTCP_SYSCTL(window_scaling, onoff),
	XTCP_SYSCTL(timestamps, onoff),
	XTCP_SYSCTL(sack, onoff),
	XTCP_SYSCTL(dsack, onoff),
	XTCP_SYSCTL(reordering, dupthresh),
	XTCP_SYSCTL(max_reordering, dupthresh),
	XTCP_SYSCTL(early_retrans, early_retrans),
	XTCP_SYSCTL(recovery, recovery),
	XTCP_SYSCTL(max_tw_buckets, count),
	XTCP_SYSCTL(syncookies, syncookies),
	XTCP_SYSCTL(max_syn_backlog, syn_backlog),
	XTCP_SYSCTL(challenge_ack_limit, count),
	XTCP_SYSCTL(max_orphans, count),
	XTCP_SYSCTL(mtu_probing, mtu_probing),
	XTCP_SYSCTL(base_mss, mss),
	XTCP_SYSCTL(mtu_probe_floor, mss),
	XTCP_SYSCTL(probe_interval, probe_interval),
	XTCP_SYSCTL(probe_threshold, count),
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
	xn->syn_linear_timeouts = 4;	/* since Linux 6.12 */
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
	xn->window_scaling = 1;
	xn->timestamps = 1;
	xn->sack = 1;
	xn->dsack = 1;			/* tcp_dsack */
	xn->reordering = 3;		/* RFC 5681 3.2; TCP_FASTRETRANS_THRESH */
	xn->max_reordering = 300;
	xn->early_retrans = 3;		/* tail loss probes (RFC 8985 7) */
	xn->recovery = XTCP_RACK_LOSS_DETECTION;	/* tcp_recovery */
	/* Linux: half the established hash (tcp_sk_init); ours is global */
	xn->max_tw_buckets = XTCP_EHASH_SIZE / 2;
	xn->syncookies = 1;		/* when a SYN queue is full */
	xn->mtu_probing = 0;		/* tcp_mtu_probing */
	xn->base_mss = TCP_BASE_MSS;
	xn->mtu_probe_floor = TCP_MIN_SND_MSS;
	xn->probe_interval = TCP_PROBE_INTERVAL;	/* s, RFC 4821's ten minutes */
	xn->probe_threshold = TCP_PROBE_THRESHOLD;
	/* Linux: max(128, ehash entries / 128) (tcp_sk_init) */
	xn->max_syn_backlog = max(128, XTCP_EHASH_SIZE / 128);
	/* Linux's since 6.0: no namespace-wide limit, the per-connection
	 * one (500 ms) only (CVE-2016-5696 made a shared counter a leak)
	 */
	xn->challenge_ack_limit = INT_MAX;
	/* Linux: half the established hash (tcp_init) */
	xn->max_orphans = XTCP_EHASH_SIZE / 2;
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
		const struct xtcp_range *r = t->extra1;

		if (v < r->min || v > r->max)
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
	xn->net = net;
	if (xtcp_stats_init_net(xn))
		return -ENOMEM;

	tbl = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
		      GFP_KERNEL);
	if (!tbl) {
		xtcp_stats_exit_net(xn);
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(xtcp_sysctl_template) - 1; i++) {
		tbl[i].data = (char *)xn + (uintptr_t)tbl[i].data;
		tbl[i].extra2 = xn;
	}

	xn->sysctl_hdr = register_net_sysctl_sz(net, "net/xtcp", tbl,
						ARRAY_SIZE(xtcp_sysctl_template) - 1);
	if (!xn->sysctl_hdr)
		goto free_tbl;
	if (xtcp_proc_init_net(net))
		goto unregister;
	return 0;

unregister:
	unregister_net_sysctl_table(xn->sysctl_hdr);
free_tbl:
	kfree(tbl);
	xtcp_stats_exit_net(xn);
	return -ENOMEM;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_net(net);
	const struct ctl_table *tbl = xn->sysctl_hdr->ctl_table_arg;

	xtcp_proc_exit_net(net);
	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(tbl);
	xtcp_stats_exit_net(xn);
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
