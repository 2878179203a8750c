/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp's shared definitions: the socket, the per-namespace state, and the
 * entry points each file offers the others.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "compat.h"

/**
 * struct xtcp_sock - one xtcp stream socket
 * @inet: the IPv4 socket it is (addresses, ports, IP options); first, so
 *	that the IP output path can treat an xtcp socket as an inet socket.
 */
struct xtcp_sock {
	struct inet_sock inet;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/**
 * struct xtcp_net - per-network-namespace tunables (/proc/sys/net/xtcp/)
 *
 * Names, units and defaults are Linux TCP's where Linux has the knob; the
 * _ms knobs expose what Linux keeps fixed, so tests can run in milliseconds.
 * Values are read when a timer is armed, so a write affects timers armed
 * afterwards. Written only through proc_dointvec_minmax (range-checked).
 */
struct xtcp_net {
	int syn_retries;
	int synack_retries;
	int retries1;
	int retries2;
	int orphan_retries;
	int fin_timeout;	/* seconds */
	int keepalive_time;	/* seconds */
	int keepalive_intvl;	/* seconds */
	int keepalive_probes;
	int rto_initial_ms;
	int rto_min_ms;
	int rto_max_ms;
	int msl_ms;		/* TIME-WAIT lasts 2 * msl_ms */
	int delack_ms;
	struct ctl_table_header *sysctl_hdr;
};

struct xtcp_net *xtcp_net(const struct net *net);

/* sysctl.c */
int xtcp_sysctl_register(void);
void xtcp_sysctl_unregister(void);
void xtcp_net_set_defaults(struct xtcp_net *xn);
const char *xtcp_sysctl_check(const struct xtcp_net *xn);

/* af.c */
extern int xtcp_family;
int xtcp_af_register(void);
void xtcp_af_unregister(void);

#endif /* _XTCP_H */
