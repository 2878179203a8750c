/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TIME-WAIT records: what is left of a connection while it waits 2 MSL,
 * without its socket (tw.c), found by 4-tuple (conn_table.c).
 */
#ifndef _XTCP_TW_H
#define _XTCP_TW_H

#include <linux/hrtimer.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

struct xtcp_port;

/**
 * struct xtcp_tw - a connection in TIME-WAIT (RFC 9293 3.6.1)
 * @node: link in the TIME-WAIT table, under conn_table.c's lock
 * @ref: the table's, an armed timer's, and each lookup's
 * @net: namespace (its port holds a reference on it)
 * @id: the socket it was, naming the connection in traces
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @snd_nxt: after our FIN: the SEQ of our ACKs
 * @rcv_nxt: after the peer's FIN: the ACK of our ACKs
 * @rcv_wnd: the window our ACKs offer, bytes
 * @rcv_wscale: our window shift (RFC 7323 2.3), 0 without Window Scale
 * @snd_wscale: the peer's, for the trace
 * @ts_ok: Timestamps were agreed: every ACK carries them (RFC 7323 3.2)
 * @ts_offset: the connection's TSval offset from our clock (ms)
 * @ts_recent: TS.Recent, echoed in TSecr
 * @oif: the device the socket was bound to, or 0
 * @mark: the socket's routing mark
 * @port: the port reservation, moved here from the socket
 * @lock: guards @dead and the arming of @timer
 * @dead: the record has left the table
 * @timer: the 2 MSL wait
 * @rcu: for freeing after lockless lookups
 *
 * About 180 bytes, against several KB for a socket.
 */
struct xtcp_tw {
	struct hlist_node node;
	refcount_t ref;
	struct net *net;
	const void *id;
	__be32 saddr, daddr;
	__be16 sport, dport;
	u32 snd_nxt;
	u32 rcv_nxt;
	u32 rcv_wnd;
	u8 rcv_wscale;
	u8 snd_wscale;
	bool ts_ok;
	u32 ts_offset;
	u32 ts_recent;
	int oif;
	u32 mark;
	struct xtcp_port *port;
	spinlock_t lock;	/* guards @dead and arming @timer */
	bool dead;
	struct hrtimer timer;
	struct rcu_head rcu;
};

/* What the segment arrival path does after xtcp_tw_rcv(). */
enum xtcp_tw_verdict {
	XTCP_TW_DONE,		/* handled (or dropped) by the record */
	XTCP_TW_NEW_SYN,	/* a new connection's SYN: to a listener, if any */
};

/* tw.c */
bool xtcp_time_wait(struct sock *sk);
bool xtcp_tw_syn_anew(const struct xtcp_tw *tw, u8 flags, u32 seq);
enum xtcp_tw_verdict xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb);
void xtcp_tw_put(struct xtcp_tw *tw);
void xtcp_tw_kill(struct xtcp_tw *tw);
void xtcp_tw_ack(struct xtcp_tw *tw);
void xtcp_tw_purge(void);

/* conn_table.c */
void xtcp_tw_hash(struct xtcp_tw *tw);
bool xtcp_tw_unhash(struct xtcp_tw *tw);
struct xtcp_tw *xtcp_tw_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport, int dif, int sdif);
struct xtcp_tw *xtcp_tw_first(void);

#endif /* _XTCP_TW_H */
