// SPDX-License-Identifier: GPL-2.0
/*
 * What xtcp shows in /proc/net of each namespace: its connections, in the
 * layout of /proc/net/tcp (so tools and eyes used to that one can read
 * it), and its counters, in the layout of /proc/net/netstat.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "tw.h"
#include "xtcp.h"

struct walk {
	struct seq_file *seq;
	int sl;
};

/* Timer codes of /proc/net/tcp's "tr" column. */
enum { TR_NONE = 0, TR_RTX = 1, TR_KEEPALIVE = 2, TR_TW = 3 };

static unsigned long left(const struct hrtimer *t)
{
	s64 ns = hrtimer_active(t) ? ktime_to_ns(hrtimer_get_remaining(t)) : 0;

	return ns > 0 ? nsecs_to_jiffies(ns) : 0;
}

static void show_sock(struct sock *sk, void *arg)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	struct walk *w = arg;
	int tr = TR_NONE, rx;
	unsigned long when = 0;

	if (hrtimer_active(&xs->rtx_timer)) {
		tr = TR_RTX;
		when = left(&xs->rtx_timer);
	} else if (hrtimer_active(&xs->ka_timer)) {
		tr = TR_KEEPALIVE;
		when = left(&xs->ka_timer);
	}
	rx = sk->sk_state == TCP_LISTEN ? READ_ONCE(xs->accept_qlen) :
	     atomic_read(&sk->sk_rmem_alloc);
	seq_printf(w->seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK\n",
		   w->sl++, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), sk->sk_state,
		   xs->write_seq - xs->snd_una, rx, tr, when, xs->retries,
		   from_kuid_munged(seq_user_ns(w->seq), sock_i_uid(sk)), 0,
		   sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk);
}

static void show_tw(struct xtcp_tw *tw, void *arg)
{
	struct walk *w = arg;

	seq_printf(w->seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK\n",
		   w->sl++, tw->saddr, ntohs(tw->sport), tw->daddr,
		   ntohs(tw->dport), TCP_TIME_WAIT, 0, 0, TR_TW,
		   left(&tw->timer), 0, 0, 0, 0, refcount_read(&tw->ref), tw);
}

static int xtcp_seq_show(struct seq_file *seq, void *v)
{
	struct walk w = { .seq = seq };

	seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	xtcp_tables_walk(seq_file_single_net(seq), show_sock, show_tw, &w);
	return 0;
}

static int xtcp_stat_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_net(seq_file_single_net(seq));

	/* TimeWaits stays last: tools read it as the last field */
	seq_puts(seq, "Xtcp: BadSegs ListenDrops ListenOverflows SynAckTimeouts SyncookiesSent SyncookiesRecv SyncookiesFailed TCPChallengeACK TCPACKSkippedChallenge TCPACKSkippedSynRecv TCPAbortOnMemory TCPAbortOnLinger TCPMemoryPressures TCPMemoryPressuresChrono PruneCalled TCPRcvCollapsed OfoPruned RcvPruned Orphans TimeWaitOverflow TimeWaits\n");
	seq_printf(seq, "Xtcp: %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %d %ld %d\n",
		   atomic_long_read(&xn->bad_segments),
		   atomic_long_read(&xn->listen_drops),
		   atomic_long_read(&xn->listen_overflows),
		   atomic_long_read(&xn->synack_timeouts),
		   atomic_long_read(&xn->cookies_sent),
		   atomic_long_read(&xn->cookies_recv),
		   atomic_long_read(&xn->cookies_failed),
		   atomic_long_read(&xn->challenge_acks),
		   atomic_long_read(&xn->challenge_skipped),
		   atomic_long_read(&xn->synrecv_skipped),
		   atomic_long_read(&xn->abort_on_memory),
		   atomic_long_read(&xn->abort_on_linger),
		   atomic_long_read(&xn->memory_pressures),
		   atomic_long_read(&xn->memory_pressure_ms),
		   atomic_long_read(&xn->prune_called),
		   atomic_long_read(&xn->rcv_collapsed),
		   atomic_long_read(&xn->ofo_pruned),
		   atomic_long_read(&xn->rcv_pruned),
		   xtcp_orphans(),
		   atomic_long_read(&xn->tw_overflows),
		   atomic_read(&xn->tw_count));
	return 0;
}

/* Called from the namespace's init (sysctl.c's pernet operations). */
int xtcp_proc_init_net(struct net *net)
{
	if (!proc_create_net_single("xtcp", 0444, net->proc_net,
				    xtcp_seq_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("xtcp_stat", 0444, net->proc_net,
				    xtcp_stat_show, NULL)) {
		remove_proc_entry("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("xtcp_stat", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}
