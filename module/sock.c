// SPDX-License-Identifier: GPL-2.0
/*
 * The life of an xtcp socket: creation, the children a listener spawns,
 * and teardown, whoever triggers it (close, RST, timeout, module unload).
 *
 * References on a socket:
 *   - its owner's: the struct socket's, or for a child not yet accepted,
 *     its listener queue's; on close() it becomes the orphan's own, dropped
 *     by xtcp_done() when the orphan reaches CLOSED;
 *   - one per lookup table it is in (conn_table.c);
 *   - one per armed timer, and one per deferred expiry (timer.c);
 *   - a child holds one on its listener until it is accepted or dropped.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/xfrm.h>

#include "options.h"
#include "xtcp.h"

static atomic_t live_socks = ATOMIC_INIT(0);

static void xtcp_sock_destruct(struct sock *sk)
{
	xfrm_sk_free_policy(sk);	/* as inet_csk_destroy_sock() */
	inet_sock_destruct(sk);
	sk_sockets_allocated_dec(sk);
	atomic_dec(&live_socks);
}

/*
 * The inet_sock fields inet_create() sets for a new AF_INET socket, which
 * sk_alloc() and sock_init_data() leave zero (a TTL of 0 among them: RFC
 * 1122 3.2.1.7 forbids sending it). inet_create() is static; this follows
 * it line for line for what applies to a stream socket.
 */
static void inet_fields_init(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);

	inet_clear_bit(NODEFRAG, sk);
	if (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc))
		inet->pmtudisc = IP_PMTUDISC_DONT;
	else
		inet->pmtudisc = IP_PMTUDISC_WANT;
	atomic_set(&inet->inet_id, 0);
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);
	inet->uc_ttl = -1;
	inet_set_bit(MC_LOOP, sk);
	inet->mc_ttl = 1;
	inet_set_bit(MC_ALL, sk);
	inet->mc_index = 0;
	inet->mc_list = NULL;
	inet->rcv_tos = 0;
}

/* The machinery every socket object has once: timers, queues, links. */
static void machinery_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->deferred = 0;
	xtcp_timers_init(sk);
	spin_lock_init(&xs->queue_lock);
	INIT_LIST_HEAD(&xs->syn_queue);
	INIT_LIST_HEAD(&xs->accept_queue);
	xs->syn_qlen = 0;
	xs->accept_qlen = 0;
	xs->parent = NULL;
	INIT_LIST_HEAD(&xs->queue_node);
	xs->in_accept_queue = 0;
	xs->in_ehash = 0;
	xs->in_lhash = 0;
	xs->rehash_wait = 0;
	INIT_HLIST_NODE(&xs->ehash_node);
	INIT_HLIST_NODE(&xs->lhash_node);
}

/**
 * xtcp_conn_reset() - a connection's state as before its first segment
 * @sk: a socket whose queues are empty and whose timers are stopped
 *
 * Everything in xtcp_sock.conn goes to zero first, then gets what a new
 * connection starts with.
 */
void xtcp_conn_reset(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	memset(&xs->conn, 0, sizeof(xs->conn));
	xs->snd_mss = 536;	/* MUST-15: until the peer's MSS is known */
	xtcp_cong_init(&xs->cong, xs->snd_mss);
	xtcp_ofo_init(&xs->ofo);
}

/**
 * xtcp_sock_init() - state every new xtcp socket starts with
 * @sk: a socket fresh from sk_alloc() and sock_init_data()
 */
void xtcp_sock_init(struct sock *sk)
{
	atomic_inc(&live_socks);
	sk_sockets_allocated_inc(sk);	/* sk_clone_lock() counts children */
	inet_fields_init(sk);
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_protocol = IPPROTO_TCP;
	sk->sk_gso_type = SKB_GSO_TCPV4;	/* as tcp_v4_connect() */
	sk->sk_backlog_rcv = xtcp_backlog_rcv;
	sk->sk_write_space = xtcp_write_space;
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	/* Lookups run under RCU and take a reference only if it is not 0. */
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_state = TCP_CLOSE;
	/* Linux TCP's starting buffers (tcp_rmem[1], tcp_wmem[1]). */
	sk->sk_rcvbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[1]);
	sk->sk_sndbuf = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_wmem[1]);

	machinery_init(sk);
	xtcp_conn_reset(sk);
}

/**
 * xtcp_child_create() - a connection for a SYN that reached a listener
 * (RFC 9293 3.10.7.2: "set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ";
 * "ISS should be selected")
 * @parent: the listener, locked, BHs disabled
 * @skb: the SYN, XTCP_SKB_CB filled, data at the TCP payload
 *
 * sk_clone_lock() copies the listener, socket options and all, as
 * tcp_create_openreq_child() inherits them; what belongs to the
 * listener's own life (timers, queues, table links) is set up anew and
 * the connection starts from zero. The child starts in its listener's
 * LISTEN state, not yet hashed or queued.
 *
 * Return: the child, bh-locked (as sk_clone_lock() returns it), holding
 * its owner's reference, or NULL.
 */
struct sock *xtcp_child_create(struct sock *parent, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct inet_sock *inet;
	struct xtcp_sock *xs;
	struct sock *sk;

	sk = sk_clone_lock(parent, GFP_ATOMIC);
	if (!sk)
		return NULL;
	/* sk_clone_lock() counts the caller's reference and a table's: the
	 * queue's is the one kept; xtcp_ehash() takes the table's itself.
	 */
	__sock_put(sk);
	atomic_inc(&live_socks);
	machinery_init(sk);
	xtcp_conn_reset(sk);
	/* TCP_QUICKACK 0 on the listener: its children's ACKs wait too */
	xtcp_sk(sk)->pingpong = xtcp_sk(parent)->pingpong;
	sk->sk_priority = READ_ONCE(parent->sk_priority);
	/* Its own identity, not the listener's (sk_clone_lock copies both) */
	atomic64_set(&sk->sk_cookie, 0);
	sk_set_txhash(sk);

	/* What tcp_v4_syn_recv_sock() sets from the SYN. */
	inet = inet_sk(sk);
	inet->inet_saddr = iph->daddr;
	inet->inet_rcv_saddr = iph->daddr;
	inet->inet_daddr = iph->saddr;
	inet->inet_sport = th->dest;
	inet->inet_num = ntohs(th->dest);
	inet->inet_dport = th->source;
	inet->mc_list = NULL;
	inet->mc_index = inet_iif(skb);
	inet->mc_ttl = iph->ttl;
	inet->rcv_tos = iph->tos;
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	atomic_set(&inet->inet_id, get_random_u16());

	xs = xtcp_sk(sk);
	xs->reconnect_iss = 0;		/* the listener's, if it had one */
	xs->defer_accept = 0;		/* a listener's alone, as Linux's */
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;	/* nothing advertised yet */
	xs->iss = xtcp_isn(iph->daddr, iph->saddr, th->dest, th->source);
	xs->snd_una = xs->iss;
	xs->snd_sml = xs->iss;	/* no short segment yet (Nagle) */
	xs->snd_nxt = xs->iss + 1;
	xs->write_seq = xs->iss + 1;
	xs->snd_wnd = cb->wnd;
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = xs->iss;
	xtcp_port_share(sk, parent);
	/* The child is the listening TCB of RFC 9293's diagram that a SYN
	 * moves on to SYN-RECEIVED; the listener itself stays in LISTEN.
	 */
	sk->sk_state = TCP_LISTEN;

	sock_hold(parent);
	xs->parent = parent;
	return sk;
}

/**
 * xtcp_set_mss() - the segment sizes of a connection (RFC 9293 3.7.1)
 * @sk: the connection, locked, addresses set
 * @peer_mss: the MSS option of the peer's SYN, 0 if it sent none
 *
 * We receive up to our route's MTU less headers (what our SYN carries,
 * MUST-14); we send at most the peer's MSS, 536 without one (MUST-15),
 * and never more than our route carries (MUST-16).
 */
void xtcp_set_mss(struct sock *sk, u16 peer_mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	if (!__sk_dst_get(sk)) {
		/* ip_queue_xmit() takes the IP addresses from cork.fl. */
		struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
		struct rtable *rt;

		rt = ip_route_output_ports(sock_net(sk), fl4, sk,
					   inet->inet_daddr, inet->inet_saddr,
					   inet->inet_dport, inet->inet_sport,
					   IPPROTO_TCP, inet->tos,
					   sk->sk_bound_dev_if);
		if (!IS_ERR(rt))
			sk_setup_caps(sk, &rt->dst);	/* GSO limits too */
	}
	xs->rcv_mss = xtcp_route_mss(sk);
	/* the most either end allows, fixed now (Linux's mss_clamp) */
	xs->peer_mss = min_t(u32, peer_mss ?: 536,
			     READ_ONCE(xs->user_mss) ?: U16_MAX);
	xtcp_mtu_init(sk);
	/* MUST-16, and at least 64: a peer's absurd MSS cannot stall us */
	xtcp_sync_mss(sk, __sk_dst_get(sk) ? dst_mtu(__sk_dst_get(sk)) : 576);
	xtcp_cong_init(&xs->cong, xtcp_send_mss(xs));
	xtcp_cong_set_reordering(&xs->cong,
				 READ_ONCE(xtcp_sk_net(sk)->reordering),
				 READ_ONCE(xtcp_sk_net(sk)->max_reordering));
}

/**
 * xtcp_send_mss() - the most data one of our segments carries: the MSS
 * less the options every segment has (RFC 9293 3.7.1: the MSS counts no
 * TCP options; a Timestamps option takes 12 bytes of it)
 * @xs: the connection
 */
u32 xtcp_send_mss(const struct xtcp_sock *xs)
{
	return xs->snd_mss - (xs->ts_ok ? 12 : 0);
}

/**
 * xtcp_ts_now() - our TSval clock: milliseconds, offset at random per
 * connection (RFC 7323 5.4)
 * @xs: the connection
 */
u32 xtcp_ts_now(const struct xtcp_sock *xs)
{
	return xtcp_ts_clock(xs->ts_offset);
}

/* TSval now for a connection whose offset is @offset (RFC 7323 5.4). */
u32 xtcp_ts_clock(u32 offset)
{
	return (u32)ktime_to_ms(ktime_get()) + offset;
}

/*
 * RFC 7323 2.3: the smallest shift that lets the window cover the largest
 * receive buffer this socket may grow to (tcp_rmem[2], or SO_RCVBUF), or
 * TCP_WINDOW_CLAMP if that is less (tcp_select_initial_window()).
 */
u8 xtcp_rcv_wscale_for(const struct sock *sk)
{
	u32 space = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]);
	u8 ws = 0;

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		space = READ_ONCE(sk->sk_rcvbuf);
	space = max_t(u32, space, READ_ONCE(sk->sk_rcvbuf));
	/* no shift beyond what TCP_WINDOW_CLAMP lets us offer */
	space = min(space, READ_ONCE(xtcp_sk(sk)->window_clamp) ?: U32_MAX);
	while (space > 65535 && ws < XTCP_MAX_WSCALE) {
		space >>= 1;
		ws++;
	}
	return ws;
}

/**
 * xtcp_syn_offer() - what our SYN offers: the options the namespace
 * enables (window_scaling, timestamps, sack)
 * @sk: a connection about to send its SYN, locked
 */
void xtcp_syn_offer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_net *xn = xtcp_sk_net(sk);

	xs->ws_ok = !!READ_ONCE(xn->window_scaling);
	xs->rcv_wscale = xs->ws_ok ? xtcp_rcv_wscale_for(sk) : 0;
	xs->snd_wscale = 0;
	xs->sack_ok = !!READ_ONCE(xn->sack);
	xs->ts_ok = !!READ_ONCE(xn->timestamps);
	xs->ts_offset = get_random_u32();
}

/**
 * xtcp_syn_negotiate() - keep what both SYNs carry (RFC 7323 2.2, 3.2;
 * RFC 2018 2): on the SYN-ACK for an active open, on the SYN for a
 * passive one (after xtcp_syn_offer)
 * @sk: the connection, locked
 * @peer: the options of the peer's SYN
 */
void xtcp_syn_negotiate(struct sock *sk, const struct xtcp_options *peer)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ws_ok = xs->ws_ok && peer->saw_wscale;
	xs->snd_wscale = xs->ws_ok ? peer->wscale : 0;
	if (!xs->ws_ok)
		xs->rcv_wscale = 0;
	xs->sack_ok = xs->sack_ok && peer->sack_ok;
	xs->ts_ok = xs->ts_ok && peer->saw_tstamp;
	if (xs->ts_ok) {
		xs->ts_recent = peer->tsval;
		xs->ts_recent_stamp = ktime_get_seconds();
	}
}

/*
 * Orphans not yet CLOSED, in all namespaces, as Linux's tcp_orphan_count:
 * what max_orphans bounds.
 */
static atomic_t orphans = ATOMIC_INIT(0);

int xtcp_orphans(void)
{
	return atomic_read(&orphans);
}

/*
 * Whether the orphans already there, doubled @shift times (0, or more to
 * penalize a peer not heard from), pass the namespace's max_orphans
 * (tcp_too_many_orphans()).
 */
static bool orphans_too_many(const struct sock *sk, int shift)
{
	return atomic_read(&orphans) << shift >
	       READ_ONCE(xtcp_sk_net(sk)->max_orphans);
}

/**
 * xtcp_check_oom() - whether an orphan, or a socket about to become one,
 * must go for want of resources: too many orphans, or net.xtcp.mem's max
 * passed while it holds data (tcp_check_oom())
 * @sk: the socket
 * @shift: as for the orphan count, see above
 */
bool xtcp_check_oom(const struct sock *sk, int shift)
{
	bool too_many = orphans_too_many(sk, shift);
	bool no_memory = xtcp_out_of_memory(sk);

	if (too_many)
		net_info_ratelimited("too many orphaned sockets\n");
	if (no_memory)
		net_info_ratelimited("out of memory -- consider tuning net.xtcp.mem\n");
	return too_many || no_memory;
}

/**
 * xtcp_orphan_count() - the socket became an orphan short of CLOSED
 * @sk: the socket, locked
 */
void xtcp_orphan_count(struct sock *sk)
{
	xtcp_sk(sk)->orphan_counted = 1;
	atomic_inc(&orphans);
}

/**
 * xtcp_abort_on_memory() - reset a connection for want of resources
 * (xtcp_check_oom()), counted as Linux's TCPAbortOnMemory
 * @sk: the socket, locked
 */
void xtcp_abort_on_memory(struct sock *sk)
{
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPABORTONMEMORY);
	xtcp_abort(sk, 0);
}

/**
 * xtcp_abort_on_linger() - reset an orphan that reached FIN-WAIT-2 with
 * TCP_LINGER2 -1 instead of waiting there (tcp_close(), and what
 * tcp_rcv_state_process() does when the ACK of its FIN arrives),
 * counted as Linux's TCPAbortOnLinger
 * @sk: the socket, locked
 */
void xtcp_abort_on_linger(struct sock *sk)
{
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPABORTONLINGER);
	xtcp_abort(sk, 0);
}

/**
 * xtcp_destroy() - release what an orphan holds and drop its last
 * owner's reference
 * @sk: a CLOSED orphan, locked; the caller holds another reference
 *
 * 1. Queued data goes: nobody will read or resend it.
 * 2. The port reservation goes (conn_table.c), the shadow socket with it
 *    once no sibling uses it.
 * 3. The orphan's reference goes; the socket is freed after an RCU grace
 *    period once the caller's and any in-flight skb's references go too.
 */
static void xtcp_destroy(struct sock *sk)
{
	if (xtcp_sk(sk)->orphan_counted)
		atomic_dec(&orphans);
	xtcp_purge_queues(sk);
	xtcp_port_put(sk, false);
	sock_put(sk);
}

/**
 * xtcp_done() - the connection reached CLOSED (RFC 9293 "delete the TCB")
 * @sk: the socket, locked; the caller holds a reference
 *
 * An application still holding the socket is woken and sees CLOSED; an
 * orphan is destroyed.
 */
void xtcp_done(struct sock *sk)
{
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_timers_stop(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	/*
	 * A port bind() did not choose goes with the connection, as in
	 * tcp_set_state(TCP_CLOSE): a refused or reset connect() leaves the
	 * socket free to bind() or to connect() from another port. An
	 * orphan's goes when it is destroyed; getsockname() still shows it,
	 * as after inet_put_port().
	 */
	if (xtcp_sk(sk)->port && !sock_flag(sk, SOCK_DEAD) &&
	    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK) &&
	    !xtcp_sk(sk)->parent) {
		xtcp_port_put(sk, false);
		inet_sk(sk)->inet_num = 0;
	}

	/*
	 * A child no one accepted: its listener forgets it and it becomes an
	 * orphan, unless accept() is taking it (then its new owner sees it
	 * CLOSED).
	 */
	if (xtcp_sk(sk)->parent && !xtcp_child_unlink(sk))
		return;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		xtcp_destroy(sk);
}

/* The connection is gone, with @err for the application; no RST. */
static void fail(struct sock *sk, int err, enum xtcp_event event)
{
	WRITE_ONCE(sk->sk_err, err);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
	xtcp_purge_queues(sk);
	xtcp_stats_attempt_failed(sk);
	xtcp_transition(sk, event);
	xtcp_done(sk);
}

/**
 * xtcp_reset() - the connection is gone with an error the application
 * sees: a RST arrived, or retransmissions gave up (RFC 9293 3.10.7.4)
 * @sk: the socket, locked
 * @err: ECONNREFUSED, ECONNRESET, EPIPE or ETIMEDOUT
 */
void xtcp_reset(struct sock *sk, int err)
{
	fail(sk, err, XTCP_EV_RCV_RST);
}

/**
 * xtcp_icmp_abort() - an ICMP error ends the connection being opened
 * (icmp.c): the peer cannot be reached, so no RST
 * @sk: the socket, locked
 * @err: the error the application sees
 */
void xtcp_icmp_abort(struct sock *sk, int err)
{
	fail(sk, err, XTCP_EV_ABORT);
}

/**
 * xtcp_abort() - ABORT (RFC 9293 3.10.4): a RST to the peer if it
 * knows of us, then CLOSED
 * @sk: the socket, locked
 * @err: the error an application still holding the socket sees, or 0
 */
void xtcp_abort(struct sock *sk, int err)
{
	if ((1 << sk->sk_state) & (TCPF_SYN_RECV | TCPF_ESTABLISHED |
				   TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				   TCPF_CLOSE_WAIT))
		xtcp_send_rst(sk);
	if (err)
		WRITE_ONCE(sk->sk_err, err);
	if (err && !sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
	xtcp_purge_queues(sk);
	xtcp_transition(sk, XTCP_EV_ABORT);
	xtcp_done(sk);
}

/**
 * xtcp_give_up() - retransmissions are exhausted (RFC 9293 3.8.3, R2)
 * @sk: the socket, locked
 *
 * A child in SYN-RECEIVED is dropped silently (its peer never completed
 * the handshake); anything else fails with ETIMEDOUT and, once
 * synchronized, tells the peer with a RST.
 */
void xtcp_give_up(struct sock *sk)
{
	if (sk->sk_state == TCP_SYN_RECV && xtcp_sk(sk)->parent) {
		xtcp_stats_synack_timeout(sk);
		xtcp_transition(sk, XTCP_EV_TIMEOUT);
		xtcp_done(sk);
		return;
	}
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPABORTONTIMEOUT);
	xtcp_stats_attempt_failed(sk);
	/* why the peer did not answer, if an ICMP error said (icmp.c) */
	xtcp_abort(sk, READ_ONCE(sk->sk_err_soft) ?: ETIMEDOUT);
}

/**
 * xtcp_purge_queues() - drop queued data in both directions
 * @sk: the socket, locked
 */
void xtcp_purge_queues(struct sock *sk)
{
	struct sk_buff *skb;

	__skb_queue_purge(&sk->sk_receive_queue);
	/* nothing left to read: SIOCINQ and TCP_INQ say so */
	WRITE_ONCE(xtcp_sk(sk)->copied_seq, xtcp_sk(sk)->rcv_nxt);
	xtcp_ofo_purge(&xtcp_sk(sk)->ofo);
	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_wmem_free_skb(sk, skb);
	xtcp_sk(sk)->eor_queued = 0;
	xtcp_chrono_end(sk);
}

/**
 * xtcp_socks_wait() - wait until every xtcp socket is freed (module unload)
 *
 * Sockets still referenced by skbs in flight, timers finishing or RCU
 * callbacks go within moments once nothing can create new ones.
 */
void xtcp_socks_wait(void)
{
	int i;

	for (i = 0; atomic_read(&live_socks); i++) {
		rcu_barrier();
		if (i == 100)
			pr_warn("waiting for %d sockets to be freed\n",
				atomic_read(&live_socks));
		msleep(20);
	}
	/* Timer callbacks run in softirq: let the last ones return. */
	synchronize_rcu();
}
