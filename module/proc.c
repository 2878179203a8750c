// SPDX-License-Identifier: GPL-2.0
/*
 * What xtcp shows in /proc/net of each namespace: its connections, in the
 * layout of /proc/net/tcp (so tools and eyes used to that one can read
 * it), and its counters (stats.c), in the layouts of /proc/net/snmp's
 * Tcp: and /proc/net/netstat's TcpExt: lines (xtcp_snmp) and as xtcp
 * first showed them (xtcp_stat).
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
enum { TR_NONE = 0, TR_RTX = 1, TR_KEEPALIVE = 2, TR_TW = 3, TR_PROBE0 = 4 };

/* Time left on @t, in clock ticks (USER_HZ) as /proc/net/tcp shows it. */
static unsigned long left(const struct hrtimer *t)
{
	s64 ns = hrtimer_active(t) ? ktime_to_ns(hrtimer_get_remaining(t)) : 0;

	return ns > 0 ? jiffies_to_clock_t(nsecs_to_jiffies(ns)) : 0;
}

static unsigned long ms_to_clock_t(u32 ms)
{
	return jiffies_to_clock_t(msecs_to_jiffies(ms));
}

/*
 * One socket, in get_tcp4_sock()'s layout: ... inode, refcount, pointer,
 * RTO, ATO (clock ticks), quick-ACK mode, cwnd and ssthresh (segments,
 * -1 in the initial slow start); then xtcp's own: SRTT and RTTVAR (us),
 * the send MSS, the options (tcpi_options bits, hex), both window shifts,
 * the segments resent, and a listener's backlog, which tools/xtcp-ss
 * shows as ss -i and ss's Send-Q do.
 * Read without the socket lock, as Linux's: a value may be a moment old.
 */
static void show_sock(struct sock *sk, void *arg)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	/* a disconnect zeroes the connection under us: never divide by 0 */
	u32 mss = max(xtcp_send_mss(xs), 1U), rto = xs->rtt.rto_ms;
	struct walk *w = arg;
	int tr = TR_NONE, rx;
	unsigned long when = 0;

	if (hrtimer_active(&xs->rtx_timer)) {
		tr = xs->snd_una == xs->snd_nxt && xs->write_seq != xs->snd_nxt ?
		     TR_PROBE0 : TR_RTX;
		when = left(&xs->rtx_timer);
	} else if (hrtimer_active(&xs->ka_timer)) {
		tr = TR_KEEPALIVE;
		when = left(&xs->ka_timer);
	}
	rx = sk->sk_state == TCP_LISTEN ? READ_ONCE(xs->accept_qlen) :
	     max_t(int, READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq), 0);
	seq_printf(w->seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d %u %u %u %x %u %u %u %u\n",
		   w->sl++, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), sk->sk_state,
		   xs->write_seq - xs->snd_una, rx, tr, when, xs->retries,
		   from_kuid_munged(seq_user_ns(w->seq), sock_i_uid(sk)),
		   xs->probes_out, sock_i_ino(sk), refcount_read(&sk->sk_refcnt),
		   sk, ms_to_clock_t(rto ?: READ_ONCE(xn->rto_initial_ms)),
		   ms_to_clock_t(READ_ONCE(xn->delack_ms)), 0,
		   DIV_ROUND_UP(xs->cong.cwnd, mss),
		   xs->cong.ssthresh >= XTCP_CWND_MAX ? -1 :
		   (int)(xs->cong.ssthresh / mss),
		   xs->rtt.srtt_us, xs->rtt.rttvar_us, mss, xtcp_info_options(xs),
		   xs->ws_ok ? xs->snd_wscale : 0, xs->ws_ok ? xs->rcv_wscale : 0,
		   xs->counts.total_retrans, READ_ONCE(sk->sk_max_ack_backlog));
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

/* A counter of /proc/net/xtcp_snmp: Linux's name, Linux's number. */
struct xtcp_mib_item {
	const char *name;
	int field;
};

/* /proc/net/snmp's Tcp: line (snmp4_tcp_list), in its order. */
static const struct xtcp_mib_item tcp_items[] = {
	{ "RtoAlgorithm", TCP_MIB_RTOALGORITHM },
	{ "RtoMin", TCP_MIB_RTOMIN },
	{ "RtoMax", TCP_MIB_RTOMAX },
	{ "MaxConn", TCP_MIB_MAXCONN },
	{ "ActiveOpens", TCP_MIB_ACTIVEOPENS },
	{ "PassiveOpens", TCP_MIB_PASSIVEOPENS },
	{ "AttemptFails", TCP_MIB_ATTEMPTFAILS },
	{ "EstabResets", TCP_MIB_ESTABRESETS },
	{ "CurrEstab", TCP_MIB_CURRESTAB },
	{ "InSegs", TCP_MIB_INSEGS },
	{ "OutSegs", TCP_MIB_OUTSEGS },
	{ "RetransSegs", TCP_MIB_RETRANSSEGS },
	{ "InErrs", TCP_MIB_INERRS },
	{ "OutRsts", TCP_MIB_OUTRSTS },
	{ "InCsumErrors", TCP_MIB_CSUMERRORS },
};

/*
 * The TcpExt: counters xtcp keeps, by /proc/net/netstat's names
 * (snmp4_net_list) and in its order; the others it has no use for.
 */
static const struct xtcp_mib_item ext_items[] = {
	{ "SyncookiesSent", LINUX_MIB_SYNCOOKIESSENT },
	{ "SyncookiesRecv", LINUX_MIB_SYNCOOKIESRECV },
	{ "SyncookiesFailed", LINUX_MIB_SYNCOOKIESFAILED },
	{ "PruneCalled", LINUX_MIB_PRUNECALLED },
	{ "RcvPruned", LINUX_MIB_RCVPRUNED },
	{ "OfoPruned", LINUX_MIB_OFOPRUNED },
	{ "OutOfWindowIcmps", LINUX_MIB_OUTOFWINDOWICMPS },
	{ "LockDroppedIcmps", LINUX_MIB_LOCKDROPPEDICMPS },
	{ "TW", LINUX_MIB_TIMEWAITED },
	{ "DelayedACKs", LINUX_MIB_DELAYEDACKS },
	{ "ListenOverflows", LINUX_MIB_LISTENOVERFLOWS },
	{ "ListenDrops", LINUX_MIB_LISTENDROPS },
	{ "TCPRenoRecovery", LINUX_MIB_TCPRENORECOVERY },
	{ "TCPSackRecovery", LINUX_MIB_TCPSACKRECOVERY },
	{ "TCPTimeouts", LINUX_MIB_TCPTIMEOUTS },
	{ "TCPRcvCollapsed", LINUX_MIB_TCPRCVCOLLAPSED },
	{ "TCPAbortOnData", LINUX_MIB_TCPABORTONDATA },
	{ "TCPAbortOnClose", LINUX_MIB_TCPABORTONCLOSE },
	{ "TCPAbortOnMemory", LINUX_MIB_TCPABORTONMEMORY },
	{ "TCPAbortOnTimeout", LINUX_MIB_TCPABORTONTIMEOUT },
	{ "TCPAbortOnLinger", LINUX_MIB_TCPABORTONLINGER },
	{ "TCPMemoryPressures", LINUX_MIB_TCPMEMORYPRESSURES },
	{ "TCPMemoryPressuresChrono", LINUX_MIB_TCPMEMORYPRESSURESCHRONO },
	{ "TCPMinTTLDrop", LINUX_MIB_TCPMINTTLDROP },
	{ "TCPDeferAcceptDrop", LINUX_MIB_TCPDEFERACCEPTDROP },
	{ "TCPTimeWaitOverflow", LINUX_MIB_TCPTIMEWAITOVERFLOW },
	{ "TCPRcvCoalesce", LINUX_MIB_TCPRCVCOALESCE },
	{ "TCPOFOQueue", LINUX_MIB_TCPOFOQUEUE },
	{ "TCPChallengeACK", LINUX_MIB_TCPCHALLENGEACK },
	{ "TCPACKSkippedSynRecv", LINUX_MIB_TCPACKSKIPPEDSYNRECV },
	{ "TCPACKSkippedChallenge", LINUX_MIB_TCPACKSKIPPEDCHALLENGE },
	{ "TCPWinProbe", LINUX_MIB_TCPWINPROBE },
	{ "TCPKeepAlive", LINUX_MIB_TCPKEEPALIVE },
	{ "TCPMTUPFail", LINUX_MIB_TCPMTUPFAIL },
	{ "TCPMTUPSuccess", LINUX_MIB_TCPMTUPSUCCESS },
	{ "TCPDSACKRecv", LINUX_MIB_TCPDSACKRECV },
	{ "TCPDSACKRecvSegs", LINUX_MIB_TCPDSACKRECVSEGS },
	{ "TCPDSACKOfoRecv", LINUX_MIB_TCPDSACKOFORECV },
	{ "TCPDSACKIgnoredDubious", LINUX_MIB_TCPDSACKIGNOREDDUBIOUS },
	{ "TCPSACKReneging", LINUX_MIB_TCPSACKRENEGING },
	{ "TCPLossProbes", LINUX_MIB_TCPLOSSPROBES },
	{ "TCPLossProbeRecovery", LINUX_MIB_TCPLOSSPROBERECOVERY },
};

/* RFC 2012's constants, as Linux fills them (tcp_mib_init()). */
static long tcp_constant(const struct xtcp_net *xn, int field)
{
	switch (field) {
	case TCP_MIB_RTOALGORITHM:
		return 1;	/* "other": RFC 6298 */
	case TCP_MIB_RTOMIN:
		return READ_ONCE(xn->rto_min_ms);
	case TCP_MIB_RTOMAX:
		return READ_ONCE(xn->rto_max_ms);
	case TCP_MIB_MAXCONN:
		return -1;	/* dynamic */
	}
	return xtcp_stats_tcp(xn, field);
}

/* /proc/net/xtcp_snmp: /proc/net/snmp's Tcp: and netstat's TcpExt: lines */
static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_net(seq_file_single_net(seq));
	int i;

	seq_puts(seq, "Tcp:");
	for (i = 0; i < ARRAY_SIZE(tcp_items); i++)
		seq_printf(seq, " %s", tcp_items[i].name);
	seq_puts(seq, "\nTcp:");
	for (i = 0; i < ARRAY_SIZE(tcp_items); i++) /* MaxConn is signed */
		seq_printf(seq, tcp_items[i].field == TCP_MIB_MAXCONN ?
			   " %ld" : " %lu", tcp_constant(xn, tcp_items[i].field));
	seq_puts(seq, "\nTcpExt:");
	for (i = 0; i < ARRAY_SIZE(ext_items); i++)
		seq_printf(seq, " %s", ext_items[i].name);
	seq_puts(seq, "\nTcpExt:");
	for (i = 0; i < ARRAY_SIZE(ext_items); i++)
		seq_printf(seq, " %lu", xtcp_stats_ext(xn, ext_items[i].field));
	seq_putc(seq, '\n');
	return 0;
}

/*
 * /proc/net/xtcp_stat: the counters of what xtcp drops or gives up on,
 * as the first releases showed them (tests and tools read them by name).
 */
static int xtcp_stat_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_net(seq_file_single_net(seq));
	static const int ext[] = {
		LINUX_MIB_LISTENDROPS, LINUX_MIB_LISTENOVERFLOWS, -1,
		LINUX_MIB_SYNCOOKIESSENT, LINUX_MIB_SYNCOOKIESRECV,
		LINUX_MIB_SYNCOOKIESFAILED, LINUX_MIB_TCPCHALLENGEACK,
		LINUX_MIB_TCPACKSKIPPEDCHALLENGE, LINUX_MIB_TCPACKSKIPPEDSYNRECV,
		LINUX_MIB_TCPABORTONMEMORY, LINUX_MIB_TCPABORTONLINGER,
		LINUX_MIB_TCPMEMORYPRESSURES,
		LINUX_MIB_TCPMEMORYPRESSURESCHRONO, LINUX_MIB_PRUNECALLED,
		LINUX_MIB_TCPRCVCOLLAPSED, LINUX_MIB_OFOPRUNED,
		LINUX_MIB_RCVPRUNED,
	};
	int i;

	/* TimeWaits stays last: tools read it as the last field */
	seq_puts(seq, "Xtcp: BadSegs ListenDrops ListenOverflows SynAckTimeouts SyncookiesSent SyncookiesRecv SyncookiesFailed TCPChallengeACK TCPACKSkippedChallenge TCPACKSkippedSynRecv TCPAbortOnMemory TCPAbortOnLinger TCPMemoryPressures TCPMemoryPressuresChrono PruneCalled TCPRcvCollapsed OfoPruned RcvPruned IcmpErrors PmtuReduced MtuBlackHoles Orphans TimeWaitOverflow TimeWaits\n");
	seq_printf(seq, "Xtcp: %lu", xtcp_stats_tcp(xn, TCP_MIB_INERRS));
	for (i = 0; i < ARRAY_SIZE(ext); i++)
		seq_printf(seq, " %lu", ext[i] < 0 ?
			   atomic_long_read(&xn->synack_timeouts) :
			   xtcp_stats_ext(xn, ext[i]));
	seq_printf(seq, " %lu %lu %lu", atomic_long_read(&xn->icmp_errors),
		   atomic_long_read(&xn->pmtu_reduced),
		   atomic_long_read(&xn->mtu_black_holes));
	seq_printf(seq, " %d %lu %d\n", xtcp_orphans(),
		   xtcp_stats_ext(xn, LINUX_MIB_TCPTIMEWAITOVERFLOW),
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
				    xtcp_stat_show, NULL))
		goto no_stat;
	if (!proc_create_net_single("xtcp_snmp", 0444, net->proc_net,
				    xtcp_snmp_show, NULL))
		goto no_snmp;
	return 0;

no_snmp:
	remove_proc_entry("xtcp_stat", net->proc_net);
no_stat:
	remove_proc_entry("xtcp", net->proc_net);
	return -ENOMEM;
}

void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("xtcp_snmp", net->proc_net);
	remove_proc_entry("xtcp_stat", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}
