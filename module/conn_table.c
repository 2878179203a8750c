// SPDX-License-Identifier: GPL-2.0
/*
 * Where xtcp finds its sockets: the port reservations shared with the
 * kernel's TCP, and the lookup tables segment arrival searches (by 4-tuple
 * for connections, by local port for listeners).
 *
 * Ports. Every bound xtcp socket holds a "shadow": a kernel TCP socket
 * bound to the same address and port (and listening while xtcp listens).
 * The kernel's TCP therefore refuses that port with EADDRINUSE, and an
 * xtcp bind to a port the kernel's TCP holds fails the same way, with the
 * kernel's own rules for SO_REUSEADDR, CAP_NET_BIND_SERVICE and ephemeral
 * ports. The shadow never sees a segment: input.c steals every segment for
 * a port xtcp holds before the kernel's TCP runs. Children of a listener
 * share its reservation (struct xtcp_port is reference counted), and so
 * do sockets that bind the same address and port with SO_REUSEPORT, as
 * the kernel's TCP lets them: all with it set, all of one owner. The
 * shadow itself never has SO_REUSEPORT, so the kernel's TCP cannot join
 * such a group; among the group's listeners, a new connection goes to
 * the one its 4-tuple hashes to (reuseport_select_sock()'s choice).
 *
 * Tables. Readers walk them under RCU and keep a socket only if they win
 * a reference (sockets are SOCK_RCU_FREE); writers take the table's lock.
 */
#include <linux/jhash.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/netns/hash.h>
#include <net/sock.h>

#include "tw.h"
#include "xtcp.h"

/**
 * struct xtcp_port - a local port xtcp holds in one namespace
 * @ref: the sockets using it (listeners, their children, records)
 * @shadow: the kernel TCP socket that reserves the port
 * @reuseport: bound with SO_REUSEPORT: others of @uid's may share it
 * @uid: the owner of the socket that bound it
 * @listen_lock: serialises @listeners and the shadow's listening
 * @listeners: xtcp sockets listening on it; the shadow listens while
 *	there is one
 * @net: its namespace (not a reference: the sockets hold one)
 * @addr: the bound local address, or INADDR_ANY
 * @num: the port, network order
 * @node: link in port_hash, under tables_lock
 * @rcu: for freeing after lockless readers of port_hash
 * @release: releases the shadow from process context
 *
 * The shadow is a kernel socket, which holds no reference on its
 * namespace, so the port holds one until the shadow is gone.
 */
struct xtcp_port {
	refcount_t ref;
	struct socket *shadow;
	bool reuseport;
	kuid_t uid;
	struct mutex listen_lock;	/* guards @listeners: see above */
	int listeners;
	struct net *net;
	__be32 addr;
	__be16 num;
	struct hlist_node node;
	struct rcu_head rcu;
	struct work_struct release;
};

/* What a shadow's sk_user_data points to, telling it from other sockets. */
static u64 shadow_mark __aligned(8);

/* Releases shadows (sock_release sleeps); drained at module unload. */
struct workqueue_struct *xtcp_wq;

#define LHASH_BITS	8

static struct hlist_head ehash[XTCP_EHASH_SIZE];	/* by 4-tuple */
static struct hlist_head twhash[XTCP_EHASH_SIZE];	/* TIME-WAIT records */
static struct hlist_head lhash[1 << LHASH_BITS];	/* listeners by port */
static struct hlist_head port_hash[1 << LHASH_BITS];	/* held ports */
/* Guards all four tables' chains; readers use RCU. */
static DEFINE_SPINLOCK(tables_lock);

static u32 ehashfn(const struct net *net, __be32 laddr, __be16 lport,
		   __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    (__force u32)lport << 16 | (__force u32)rport,
			    net_hash_mix(net)) & (XTCP_EHASH_SIZE - 1);
}

static u32 porthashfn(const struct net *net, __be16 port)
{
	return hash_32(net_hash_mix(net) ^ (__force u32)port, LHASH_BITS);
}

/* @sk uses @p: its local address and port are @p's. */
static void port_assign(struct sock *sk, struct xtcp_port *p)
{
	struct inet_sock *inet = inet_sk(sk);

	xtcp_sk(sk)->port = p;
	inet->inet_num = ntohs(p->num);
	inet->inet_sport = p->num;
	inet->inet_rcv_saddr = p->addr;
	inet->inet_saddr = p->addr;
}

/*
 * SO_REUSEPORT: the port @sk may share, bound to exactly @addr:@port with
 * SO_REUSEPORT by a socket of the same owner (inet_csk_bind_conflict()'s
 * rule), with a reference for @sk; NULL if none.
 */
static struct xtcp_port *reuseport_join(struct sock *sk, __be32 addr,
					__be16 port)
{
	struct net *net = sock_net(sk);
	kuid_t uid = sock_i_uid(sk);
	struct xtcp_port *p;

	rcu_read_lock();
	hlist_for_each_entry_rcu(p, &port_hash[porthashfn(net, port)], node) {
		if (p->num == port && net_eq(p->net, net) && p->addr == addr &&
		    p->reuseport && uid_eq(p->uid, uid) &&
		    refcount_inc_not_zero(&p->ref)) {
			rcu_read_unlock();
			return p;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/**
 * xtcp_port_get() - reserve a local port for @sk
 * @sk: the socket, locked, not yet bound
 * @addr: local address or INADDR_ANY
 * @port: port in network order, 0 for an ephemeral one
 * @reuse: SO_REUSEADDR
 *
 * Sleeps. The errors are the kernel TCP bind()'s: EADDRINUSE,
 * EADDRNOTAVAIL, EACCES.
 *
 * Return: 0 with inet_num, inet_sport and inet_rcv_saddr set, or -errno.
 */
int xtcp_port_get(struct sock *sk, __be32 addr, __be16 port, bool reuse)
{
	struct net *net = sock_net(sk);
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
		.sin_port = port,
	};
	struct xtcp_port *p;
	int err;

	if (port && sk->sk_reuseport) {
		p = reuseport_join(sk, addr, port);
		if (p) {
			port_assign(sk, p);
			return 0;
		}
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOBUFS;
	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &p->shadow);
	if (err)
		goto err_free;
	if (reuse)
		sock_set_reuseaddr(p->shadow->sk);
	/*
	 * bind()'s address rules as the xtcp socket asked (its privilege
	 * checked when it set them): FREEBIND stands for TRANSPARENT too,
	 * which would make a listening shadow one that TPROXY hands SYNs to
	 */
	inet_assign_bit(FREEBIND, p->shadow->sk,
			inet_test_bit(FREEBIND, sk) ||
			inet_test_bit(TRANSPARENT, sk));
	err = kernel_bind(p->shadow, (struct sockaddr *)&sin, sizeof(sin));
	if (err)
		goto err_release;
	/* Keep the port when the shadow stops listening (tcp_set_state). */
	p->shadow->sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	/* NOCOPY: a child the shadow might make is not a shadow */
	__rcu_assign_sk_user_data_with_flags(p->shadow->sk, &shadow_mark,
					     SK_USER_DATA_NOCOPY);

	refcount_set(&p->ref, 1);
	p->reuseport = sk->sk_reuseport;
	p->uid = sock_i_uid(sk);
	mutex_init(&p->listen_lock);
	p->net = get_net(net);
	p->addr = addr;
	p->num = inet_sk(p->shadow->sk)->inet_sport;

	spin_lock_bh(&tables_lock);
	hlist_add_head_rcu(&p->node, &port_hash[porthashfn(net, p->num)]);
	spin_unlock_bh(&tables_lock);

	port_assign(sk, p);
	return 0;

err_release:
	sock_release(p->shadow);
err_free:
	kfree(p);
	return err;
}

/**
 * xtcp_port_hold() - one more user of a port (a TIME-WAIT record beside
 * the socket that still holds it)
 * @p: the port
 */
void xtcp_port_hold(struct xtcp_port *p)
{
	refcount_inc(&p->ref);
}

/**
 * xtcp_port_share() - let @child use the port of @parent
 * @child: a new child socket
 * @parent: its listener, locked
 */
void xtcp_port_share(struct sock *child, struct sock *parent)
{
	struct xtcp_port *p = xtcp_sk(parent)->port;

	refcount_inc(&p->ref);
	xtcp_sk(child)->port = p;
}

/**
 * xtcp_port_listen() - make the reservation a listening one, so that the
 * kernel's TCP refuses the port even with SO_REUSEADDR, as it would for a
 * TCP listener. Called after the xtcp listener is hashed: no SYN for the
 * port can reach the shadow.
 * @sk: the listener, locked; may sleep
 *
 * Return: 0 or -errno (EADDRINUSE if a kernel TCP socket shares the port).
 */
int xtcp_port_listen(struct sock *sk)
{
	struct xtcp_port *p = xtcp_sk(sk)->port;
	int err = 0;

	mutex_lock(&p->listen_lock);
	if (!p->listeners)
		err = kernel_listen(p->shadow, 1);
	if (!err)
		p->listeners++;
	mutex_unlock(&p->listen_lock);
	return err;
}

/**
 * xtcp_port_unlisten() - the xtcp listener stopped: its shadow stops
 * listening too, keeping the port for children still using it
 * @sk: the former listener, locked; may sleep
 */
void xtcp_port_unlisten(struct sock *sk)
{
	struct xtcp_port *p = xtcp_sk(sk)->port;

	if (!p)
		return;
	mutex_lock(&p->listen_lock);
	if (!--p->listeners)	/* the last of an SO_REUSEPORT group */
		kernel_sock_shutdown(p->shadow, SHUT_RDWR);
	mutex_unlock(&p->listen_lock);
}

/*
 * Release the shadow, then stop claiming the port. In that order: while
 * the shadow exists the kernel's TCP would answer for the port, so xtcp
 * keeps stealing its segments (and resetting them) until it is gone.
 */
static void port_free(struct xtcp_port *p)
{
	struct net *net = p->net;

	sock_release(p->shadow);
	mutex_destroy(&p->listen_lock);
	spin_lock_bh(&tables_lock);
	hlist_del_rcu(&p->node);
	spin_unlock_bh(&tables_lock);
	kfree_rcu(p, rcu);	/* xtcp_port_held() may still be looking */
	put_net(net);
}

static void port_release(struct work_struct *work)
{
	port_free(container_of(work, struct xtcp_port, release));
}

/**
 * xtcp_port_put() - drop @sk's use of its port; the last user frees it
 * @sk: the socket
 * @can_sleep: true in process context (close, shutdown): the port is free
 *	when this returns, as after close() of a TCP socket. Otherwise (an
 *	orphan dying in softirq) a work item releases it, since
 *	sock_release() sleeps.
 */
void xtcp_port_put(struct sock *sk, bool can_sleep)
{
	struct xtcp_port *p = xtcp_sk(sk)->port;

	xtcp_sk(sk)->port = NULL;
	xtcp_port_drop(p, can_sleep);
}

/**
 * xtcp_port_drop() - drop one use of a port (a TIME-WAIT record's)
 * @p: the port, or NULL
 * @can_sleep: as for xtcp_port_put()
 */
void xtcp_port_drop(struct xtcp_port *p, bool can_sleep)
{
	if (!p || !refcount_dec_and_test(&p->ref))
		return;

	if (can_sleep) {
		port_free(p);
		return;
	}
	INIT_WORK(&p->release, port_release);
	queue_work(xtcp_wq, &p->release);
}

/**
 * xtcp_is_shadow() - whether @sk, a socket of the kernel's TCP, is one
 * of the shadows that reserve xtcp's ports
 * @sk: a socket from a lookup in the kernel's tables, referenced; under
 *	rcu_read_lock()
 */
bool xtcp_is_shadow(struct sock *sk)
{
	void *mark;

	if (!sk_fullsock(sk))
		return false;
	mark = __rcu_dereference_sk_user_data_with_flags(sk,
							 SK_USER_DATA_NOCOPY);
	return mark == &shadow_mark;
}

/**
 * xtcp_port_held() - whether xtcp holds @port on @addr in @net
 * @net: namespace
 * @addr: the segment's destination address
 * @port: the segment's destination port
 *
 * A segment to such a port that matches no xtcp socket is answered by
 * xtcp (RST), not by the kernel's TCP. Caller holds rcu_read_lock().
 */
bool xtcp_port_held(struct net *net, __be32 addr, __be16 port)
{
	struct xtcp_port *p;

	hlist_for_each_entry_rcu(p, &port_hash[porthashfn(net, port)], node)
		if (p->num == port && net_eq(p->net, net) &&
		    (!p->addr || p->addr == addr))
			return true;
	return false;
}

static bool ehash_match(const struct sock *sk, const struct net *net,
			__be32 raddr, __be16 rport, __be32 laddr, __be16 lport);

static bool tw_match(const struct xtcp_tw *tw, const struct net *net,
		     __be32 raddr, __be16 rport, __be32 laddr, __be16 lport)
{
	return tw->dport == rport && tw->sport == lport &&
	       tw->daddr == raddr && tw->saddr == laddr &&
	       net_eq(tw->net, net);
}

/**
 * xtcp_tw_hash() - make a TIME-WAIT record findable by its 4-tuple
 * @tw: the record; the table takes over its initial reference
 */
void xtcp_tw_hash(struct xtcp_tw *tw)
{
	u32 h = ehashfn(tw->net, tw->saddr, tw->sport, tw->daddr, tw->dport);

	spin_lock_bh(&tables_lock);
	hlist_add_head_rcu(&tw->node, &twhash[h]);
	spin_unlock_bh(&tables_lock);
}

/**
 * xtcp_tw_unhash() - take a record out of the table
 * @tw: the record
 *
 * Return: whether it was in the table.
 */
bool xtcp_tw_unhash(struct xtcp_tw *tw)
{
	bool hashed;

	spin_lock_bh(&tables_lock);
	hashed = !hlist_unhashed(&tw->node);
	if (hashed)
		hlist_del_init_rcu(&tw->node);
	spin_unlock_bh(&tables_lock);
	return hashed;
}

/**
 * xtcp_tw_lookup() - the TIME-WAIT record of a segment's 4-tuple, if the
 * connection's bound device (SO_BINDTODEVICE) lets it hear the segment
 * @net: namespace
 * @saddr: the segment's source (remote) address
 * @sport: its source port
 * @daddr: its destination (local) address
 * @dport: its destination port
 * @dif: the device it arrived on
 * @sdif: the VRF device over it, or 0
 *
 * Return: the record with a reference, or NULL.
 */
struct xtcp_tw *xtcp_tw_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport, int dif, int sdif)
{
	struct xtcp_tw *tw;
	u32 h = ehashfn(net, daddr, dport, saddr, sport);

	rcu_read_lock();
	hlist_for_each_entry_rcu(tw, &twhash[h], node) {
		if (tw_match(tw, net, saddr, sport, daddr, dport) &&
		    inet_sk_bound_dev_eq(net, tw->oif, dif, sdif) &&
		    refcount_inc_not_zero(&tw->ref))
			break;
	}
	rcu_read_unlock();
	return tw;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_tw_lookup);

/**
 * xtcp_tw_first() - any record still in the table, with a reference
 * (module unload drains the table with it)
 */
struct xtcp_tw *xtcp_tw_first(void)
{
	struct xtcp_tw *tw = NULL;
	int i;

	spin_lock_bh(&tables_lock);
	for (i = 0; i < ARRAY_SIZE(twhash) && !tw; i++) {
		tw = hlist_entry_safe(twhash[i].first, struct xtcp_tw, node);
		if (tw)
			refcount_inc(&tw->ref);
	}
	spin_unlock_bh(&tables_lock);
	return tw;
}

/**
 * xtcp_ehash() - make @sk findable by its 4-tuple
 * @sk: a connection with addresses and ports set
 *
 * Return: 0, or -EADDRNOTAVAIL if another connection has the 4-tuple
 * (as connect() on Linux TCP).
 */
int xtcp_ehash(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	u32 h = ehashfn(net, inet->inet_saddr, inet->inet_sport,
			inet->inet_daddr, inet->inet_dport);
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;
	int err = 0;

	spin_lock_bh(&tables_lock);
	hlist_for_each_entry(xs, &ehash[h], ehash_node) {
		if (ehash_match(&xs->inet.sk, net, inet->inet_daddr,
				inet->inet_dport, inet->inet_saddr,
				inet->inet_sport)) {
			err = -EADDRNOTAVAIL;
			goto out;
		}
	}
	hlist_for_each_entry(tw, &twhash[h], node) {
		if (tw_match(tw, net, inet->inet_daddr, inet->inet_dport,
			     inet->inet_saddr, inet->inet_sport)) {
			err = -EADDRNOTAVAIL;	/* as Linux without tw_reuse */
			goto out;
		}
	}
	if (!xtcp_sk(sk)->in_ehash) {
		hlist_add_head_rcu(&xtcp_sk(sk)->ehash_node, &ehash[h]);
		xtcp_sk(sk)->in_ehash = 1;
		sock_hold(sk);	/* the table's reference */
	}
out:
	spin_unlock_bh(&tables_lock);
	return err;
}

/**
 * xtcp_lhash() - make listener @sk findable by its local port
 * @sk: the listener, locked
 */
void xtcp_lhash(struct sock *sk)
{
	u32 h = porthashfn(sock_net(sk), inet_sk(sk)->inet_sport);

	spin_lock_bh(&tables_lock);
	if (!xtcp_sk(sk)->in_lhash) {
		hlist_add_head_rcu(&xtcp_sk(sk)->lhash_node, &lhash[h]);
		xtcp_sk(sk)->in_lhash = 1;
		sock_hold(sk);
	}
	spin_unlock_bh(&tables_lock);
}

/**
 * xtcp_unhash() - take @sk out of every lookup table
 * @sk: the socket
 *
 * Readers already inside the table may still find it; they see it CLOSED.
 */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int refs = 0;

	spin_lock_bh(&tables_lock);
	if (xs->in_ehash) {
		hlist_del_init_rcu(&xs->ehash_node);
		xs->in_ehash = 0;
		refs++;
	}
	if (xs->in_lhash) {
		hlist_del_init_rcu(&xs->lhash_node);
		xs->in_lhash = 0;
		refs++;
	}
	spin_unlock_bh(&tables_lock);
	if (refs) {
		xs->rehash_gp = get_state_synchronize_rcu();
		xs->rehash_wait = 1;
	}
	while (refs--)
		__sock_put(sk);	/* never the last: the caller holds one */
}

/**
 * xtcp_rehash_wait() - before hashing again a socket that left a table:
 * wait out the grace period that began when it left, if it is not over
 * @sk: the socket, owned by a process (this may sleep)
 *
 * The tables are plain hlists under RCU: a reader standing on a socket
 * follows its ->next. Hashed again into another chain at once, the
 * socket would lead that reader away from the rest of the chain it was
 * walking, and a segment for a live connection further down would find
 * none (and be answered with a RST). Linux avoids it with hlist_nulls
 * and a restart; a socket here is re-hashed only by connect() or
 * listen() after a disconnect, rarely enough to wait.
 */
void xtcp_rehash_wait(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	might_sleep();
	if (!xs->rehash_wait)
		return;
	cond_synchronize_rcu(xs->rehash_gp);
	xs->rehash_wait = 0;
}

static bool ehash_match(const struct sock *sk, const struct net *net,
			__be32 raddr, __be16 rport, __be32 laddr, __be16 lport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_dport == rport && inet->inet_sport == lport &&
	       inet->inet_daddr == raddr && inet->inet_saddr == laddr &&
	       net_eq(sock_net(sk), net);
}

/* A socket bound to a device (SO_BINDTODEVICE) hears only that device,
 * or the VRF over it, as inet_sk_bound_dev_eq() lets the kernel's TCP; an
 * unbound one hears no VRF member device unless net.ipv4.tcp_l3mdev_accept
 * says so, as the kernel's TCP.
 */
static bool dev_match(const struct sock *sk, const struct net *net,
		      int dif, int sdif)
{
	return inet_sk_bound_dev_eq(net, READ_ONCE(sk->sk_bound_dev_if),
				    dif, sdif);
}

/*
 * How well a listener fits a segment, as compute_score() in
 * inet_hashtables.c: -1 not at all; its exact address before the
 * wildcard, then bound to the device before not.
 */
static int lhash_score(const struct sock *sk, const struct net *net,
		       __be32 laddr, __be16 lport, int dif, int sdif)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (inet->inet_sport != lport || sk->sk_state != TCP_LISTEN ||
	    (inet->inet_rcv_saddr && inet->inet_rcv_saddr != laddr) ||
	    !net_eq(sock_net(sk), net) || !dev_match(sk, net, dif, sdif))
		return -1;
	return (inet->inet_rcv_saddr ? 4 : 0) +
	       (READ_ONCE(sk->sk_bound_dev_if) ? 2 : 1);
}

/**
 * xtcp_lookup_established() - the connection a segment belongs to
 * @net: namespace the segment arrived in
 * @saddr: the segment's source address (the remote end)
 * @sport: its source port
 * @daddr: its destination address (local)
 * @dport: its destination port
 * @dif: the device it arrived on
 * @sdif: the VRF device over it, or 0
 *
 * Segment arrival looks for a connection, then a TIME-WAIT record, then a
 * listener (RFC 9293 3.10.7), as __inet_lookup() does.
 *
 * Return: the socket with a reference, or NULL.
 */
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif)
{
	u32 h = ehashfn(net, daddr, dport, saddr, sport);
	struct xtcp_sock *xs;
	struct sock *sk;

	rcu_read_lock();
	hlist_for_each_entry_rcu(xs, &ehash[h], ehash_node) {
		sk = &xs->inet.sk;
		if (!ehash_match(sk, net, saddr, sport, daddr, dport) ||
		    !dev_match(sk, net, dif, sdif))
			continue;
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		if (ehash_match(sk, net, saddr, sport, daddr, dport) &&
		    dev_match(sk, net, dif, sdif))
			goto found;
		sock_put(sk);
	}
	sk = NULL;
found:
	rcu_read_unlock();
	return sk;
}

/*
 * SO_REUSEPORT: of the listeners sharing @best's port that fit as well as
 * it (@hi), the one a hash of the 4-tuple picks, so that each connection
 * stays with one listener while the group is unchanged. Under RCU.
 */
static struct sock *reuseport_pick(struct sock *best, int hi,
				   const struct xtcp_lookup *l)
{
	struct hlist_head *chain = &lhash[porthashfn(l->net, l->dport)];
	const struct xtcp_port *port = READ_ONCE(xtcp_sk(best)->port);
	u32 n = 0, pick;
	struct xtcp_sock *xs;
	struct sock *sk;

	hlist_for_each_entry_rcu(xs, chain, lhash_node)
		n += READ_ONCE(xs->port) == port &&
		     lhash_score(&xs->inet.sk, l->net, l->daddr, l->dport,
				 l->dif, l->sdif) == hi;
	pick = reciprocal_scale(jhash_3words((__force u32)l->daddr,
					     (__force u32)l->saddr,
					     (__force u32)l->dport << 16 |
					     (__force u32)l->sport,
					     net_hash_mix(l->net)), n);
	hlist_for_each_entry_rcu(xs, chain, lhash_node) {
		sk = &xs->inet.sk;
		if (READ_ONCE(xs->port) == port &&
		    lhash_score(sk, l->net, l->daddr, l->dport, l->dif,
				l->sdif) == hi && !pick--)
			return sk;
	}
	return best;	/* the group changed under us */
}

/**
 * xtcp_lookup_listener() - the listener that fits a segment best (see
 * lhash_score()), and of an SO_REUSEPORT group the one its 4-tuple picks
 * @l: the segment's namespace, addresses, ports and devices
 *
 * Return: the listener with a reference, or NULL.
 */
struct sock *xtcp_lookup_listener(const struct xtcp_lookup *l)
{
	struct sock *sk, *best = NULL;
	const struct xtcp_port *port;
	struct xtcp_sock *xs;
	int score, hi = -1;

	rcu_read_lock();
	hlist_for_each_entry_rcu(xs, &lhash[porthashfn(l->net, l->dport)],
				 lhash_node) {
		sk = &xs->inet.sk;
		score = lhash_score(sk, l->net, l->daddr, l->dport, l->dif,
				    l->sdif);
		if (score > hi) {
			best = sk;
			hi = score;
		}
	}
	/* a port goes after RCU readers (kfree_rcu), if a closing listener's */
	port = best ? READ_ONCE(xtcp_sk(best)->port) : NULL;
	if (port && port->reuseport)
		best = reuseport_pick(best, hi, l);
	if (best && !refcount_inc_not_zero(&best->sk_refcnt))
		best = NULL;
	rcu_read_unlock();
	return best;
}

/**
 * xtcp_tables_walk() - call @sock_fn on every listener and connection of
 * @net, @tw_fn on every TIME-WAIT record (for /proc)
 * @net: the namespace
 * @sock_fn: called under RCU, must not sleep
 * @tw_fn: likewise
 * @arg: passed to both
 */
void xtcp_tables_walk(struct net *net, void (*sock_fn)(struct sock *, void *),
		      void (*tw_fn)(struct xtcp_tw *, void *), void *arg)
{
	struct xtcp_sock *xs;
	struct xtcp_tw *tw;
	int i;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(lhash); i++)
		hlist_for_each_entry_rcu(xs, &lhash[i], lhash_node)
			if (net_eq(sock_net(&xs->inet.sk), net))
				sock_fn(&xs->inet.sk, arg);
	for (i = 0; i < ARRAY_SIZE(ehash); i++)
		hlist_for_each_entry_rcu(xs, &ehash[i], ehash_node)
			if (net_eq(sock_net(&xs->inet.sk), net))
				sock_fn(&xs->inet.sk, arg);
	for (i = 0; i < ARRAY_SIZE(twhash); i++)
		hlist_for_each_entry_rcu(tw, &twhash[i], node)
			if (net_eq(tw->net, net))
				tw_fn(tw, arg);
	rcu_read_unlock();
}

/**
 * xtcp_tables_drain() - call @fn on every hashed xtcp socket until the
 * tables are empty (module unload)
 * @fn: called with a reference held and no lock; must unhash the socket
 */
void xtcp_tables_drain(void (*fn)(struct sock *sk))
{
	struct xtcp_sock *xs;
	struct sock *sk;
	int i;

	for (i = 0; i < ARRAY_SIZE(ehash) + ARRAY_SIZE(lhash); i++) {
		struct hlist_head *head = i < ARRAY_SIZE(ehash) ?
			&ehash[i] : &lhash[i - ARRAY_SIZE(ehash)];
restart:
		sk = NULL;
		spin_lock_bh(&tables_lock);
		if (i < ARRAY_SIZE(ehash)) {
			xs = hlist_entry_safe(head->first, struct xtcp_sock,
					      ehash_node);
		} else {
			xs = hlist_entry_safe(head->first, struct xtcp_sock,
					      lhash_node);
		}
		if (xs) {
			sk = &xs->inet.sk;
			sock_hold(sk);
		}
		spin_unlock_bh(&tables_lock);
		if (sk) {
			fn(sk);		/* must unhash sk */
			sock_put(sk);
			goto restart;
		}
	}
}
