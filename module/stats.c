// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp's counters: per CPU and per namespace, numbered as Linux's TCP MIB
 * (RFC 4022, TCP_MIB_*) and its TcpExt extension (LINUX_MIB_*) in
 * include/uapi/linux/snmp.h, so that /proc/net/xtcp_snmp shows them
 * under Linux's names (proc.c) and an operator reads them as for TCP.
 * Counted with XTCP_INC_STATS() and XTCP_EXT_INC() (xtcp.h), in any
 * context; read by summing the CPUs (snmp_fold_field()).
 */
#include <net/ip.h>
#include <net/snmp.h>

#include "xtcp.h"

/**
 * xtcp_stats_init_net() - a new namespace's counters, all zero
 * @xn: its xtcp state
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_stats_init_net(struct xtcp_net *xn)
{
	xn->tcp_stats = alloc_percpu(struct tcp_mib);
	xn->ext_stats = alloc_percpu(struct linux_mib);
	if (xn->tcp_stats && xn->ext_stats)
		return 0;
	xtcp_stats_exit_net(xn);
	return -ENOMEM;
}

void xtcp_stats_exit_net(struct xtcp_net *xn)
{
	free_percpu(xn->tcp_stats);
	free_percpu(xn->ext_stats);
	xn->tcp_stats = NULL;
	xn->ext_stats = NULL;
}

/* The sum over CPUs of one TCP_MIB_* counter. */
unsigned long xtcp_stats_tcp(const struct xtcp_net *xn, int field)
{
	return snmp_fold_field(xn->tcp_stats, field);
}

/* The sum over CPUs of one LINUX_MIB_* counter. */
unsigned long xtcp_stats_ext(const struct xtcp_net *xn, int field)
{
	return snmp_fold_field(xn->ext_stats, field);
}

/* A SYN or cookie ACK dropped (ListenDrops). */
void xtcp_stats_listen_drop(struct sock *sk)
{
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_LISTENDROPS);
}

/* ... for a full accept queue (ListenOverflows, and ListenDrops). */
void xtcp_stats_listen_overflow(struct sock *sk)
{
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_LISTENOVERFLOWS);
	xtcp_stats_listen_drop(sk);
}

/* A half-open child given up after its SYN-ACK retries (xtcp's own). */
void xtcp_stats_synack_timeout(struct sock *sk)
{
	atomic_long_inc(&xtcp_sk_net(sk)->synack_timeouts);
}

/*
 * What a state change counts (tcp_set_state(), tcp_connect(),
 * tcp_create_openreq_child()): connections opened actively and passively,
 * those reset once established, and the gauge of the ESTABLISHED and
 * CLOSE-WAIT ones (RFC 4022 tcpCurrEstab).
 */
void xtcp_stats_state(struct sock *sk, int old, int state)
{
	struct net *net = sock_net(sk);
	bool was = old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT;
	bool is = state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT;

	if (is && !was)
		XTCP_INC_STATS(net, TCP_MIB_CURRESTAB);
	else if (was && !is)
		XTCP_DEC_STATS(net, TCP_MIB_CURRESTAB);
	if (state == TCP_ESTABLISHED && old == TCP_SYN_RECV &&
	    xtcp_sk(sk)->parent)
		XTCP_INC_STATS(net, TCP_MIB_PASSIVEOPENS);
	else if (state == TCP_SYN_SENT)
		XTCP_INC_STATS(net, TCP_MIB_ACTIVEOPENS);
	else if (state == TCP_CLOSE && was)
		XTCP_INC_STATS(net, TCP_MIB_ESTABRESETS);
}

/*
 * A handshake failed: reset, or out of retries (tcp_done() counts these;
 * a close() or an unanswered child's SYN-ACKs do not count).
 */
void xtcp_stats_attempt_failed(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		XTCP_INC_STATS(sock_net(sk), TCP_MIB_ATTEMPTFAILS);
}
