// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace counters of what xtcp drops or gives up on silently, so
 * that silence can still be observed.
 */
#include "xtcp.h"

void xtcp_stats_bad_segment(struct net *net)
{
	atomic_long_inc(&xtcp_net(net)->bad_segments);
}

void xtcp_stats_listen_drop(struct sock *sk)
{
	atomic_long_inc(&xtcp_sk_net(sk)->listen_drops);
}

/* A SYN or cookie ACK dropped for a full accept queue (ListenOverflows) */
void xtcp_stats_listen_overflow(struct sock *sk)
{
	atomic_long_inc(&xtcp_sk_net(sk)->listen_overflows);
	xtcp_stats_listen_drop(sk);
}

void xtcp_stats_synack_timeout(struct sock *sk)
{
	atomic_long_inc(&xtcp_sk_net(sk)->synack_timeouts);
}
