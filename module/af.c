// SPDX-License-Identifier: GPL-2.0
/*
 * The xtcp address family: the socket calls (socket, bind, connect,
 * listen, accept, getsockname, poll, shutdown, close) as a program sees
 * them, with Linux TCP's errno values. The protocol behind them lives in
 * the other files; this one translates.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <net/inet_common.h>
#include <net/l3mdev.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/sock.h>

#include <uapi/linux/xtcp.h>

#include "xtcp.h"

int xtcp_family = AF_XTCP;
EXPORT_SYMBOL_IF_KUNIT(xtcp_family);
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default "
		 __stringify(AF_XTCP) ", must be free and below AF_MAX)");

static void xtcp_keepalive(struct sock *sk, int valbool);
static int xtcp_prot_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			     int flags, int *addr_len);

/*
 * Not .owner = THIS_MODULE: orphaned connections (TIME-WAIT, FIN-WAIT-2)
 * must not pin the module. Sockets a process holds pin it through
 * xtcp_family_ops and xtcp_stream_ops; module exit aborts the orphans.
 */
struct proto xtcp_prot = {
	.name		= "XTCP",
	.obj_size	= sizeof(struct xtcp_sock),
	.release_cb	= xtcp_release_cb,
	.keepalive	= xtcp_keepalive,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.ioctl		= xtcp_ioctl,
	.stream_memory_free = xtcp_stream_memory_free,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_prot_recvmsg,
	.backlog_rcv	= xtcp_backlog_rcv,
	.no_autobind	= true,	/* ports come from xtcp_port_get() */
};
EXPORT_SYMBOL_IF_KUNIT(xtcp_prot);

static int xtcp_prot_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			     int flags, int *addr_len)
{
	return xtcp_recvmsg(sk, msg, len, flags, addr_len);
}

/* A sockaddr_in from userspace: AF_INET, or AF_XTCP for symmetry. */
static int check_addr(const struct sockaddr *uaddr, int addr_len)
{
	if (addr_len < (int)sizeof(struct sockaddr_in))
		return -EINVAL;
	if (uaddr->sa_family != AF_INET && uaddr->sa_family != xtcp_family)
		return -EAFNOSUPPORT;
	return 0;
}

/*
 * IP_BIND_ADDRESS_NO_PORT with port 0: the address only, its port left to
 * connect() (or listen()), under __inet_bind()'s rules for the address
 */
static int bind_addr_only(struct sock *sk, __be32 addr)
{
	struct net *net = sock_net(sk);
	u32 tb_id = l3mdev_fib_table_by_index(net, sk->sk_bound_dev_if) ?:
		    RT_TABLE_LOCAL;
	int type = inet_addr_type_table(net, addr, tb_id);

	if (!inet_addr_valid_or_nonlocal(net, inet_sk(sk), addr, type))
		return -EADDRNOTAVAIL;
	inet_sk(sk)->inet_rcv_saddr = addr;
	/* a multicast or broadcast address: the device's, as Linux */
	inet_sk(sk)->inet_saddr = type == RTN_MULTICAST ||
				  type == RTN_BROADCAST ? 0 : addr;
	/* no port yet, no former peer (a disconnect keeps them) */
	inet_sk(sk)->inet_sport = 0;
	inet_sk(sk)->inet_daddr = 0;
	inet_sk(sk)->inet_dport = 0;
	sk_dst_reset(sk);
	return 0;
}

static int xtcp_bind(struct socket *sock, struct sockaddr *uaddr,
		     int addr_len)
{
	const struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	int err;

	/* AF_UNSPEC with INADDR_ANY is tolerated, as by inet_bind(). */
	if (addr_len < (int)sizeof(*sin) || uaddr->sa_family != AF_UNSPEC ||
	    sin->sin_addr.s_addr != htonl(INADDR_ANY)) {
		err = check_addr(uaddr, addr_len);
		if (err)
			return err;
	}

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || xtcp_sk(sk)->port)
		goto out;
	if (!sin->sin_port && inet_test_bit(BIND_ADDRESS_NO_PORT, sk))
		err = bind_addr_only(sk, sin->sin_addr.s_addr);
	else
		err = xtcp_port_get(sk, sin->sin_addr.s_addr, sin->sin_port,
				    sk->sk_reuse);
	if (err)
		goto out;
	/* As __inet_bind(): what the application chose, a disconnect keeps. */
	if (sin->sin_addr.s_addr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (sin->sin_port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
out:
	release_sock(sk);
	return err;
}

/* The address bind() chose, if it chose one: a new port keeps to it. */
static __be32 bound_addr(const struct sock *sk)
{
	return sk->sk_userlocks & SOCK_BINDADDR_LOCK ?
	       inet_sk(sk)->inet_rcv_saddr : htonl(INADDR_ANY);
}

/* RFC 9293 3.10.1 OPEN, active: route, port, ISS, SYN. */
static int active_open(struct sock *sk, const struct sockaddr_in *sin)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct rtable *rt;
	int err;

	if (!xs->port) {
		err = xtcp_port_get(sk, bound_addr(sk), 0, sk->sk_reuse);
		if (err)
			return err;
	}
	xtcp_rehash_wait(sk);
	rt = ip_route_connect(fl4, sin->sin_addr.s_addr, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP,
			      inet->inet_sport, sin->sin_port, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr) {
		inet->inet_saddr = fl4->saddr;
		inet->inet_rcv_saddr = fl4->saddr;
	}
	inet->inet_daddr = sin->sin_addr.s_addr;
	inet->inet_dport = sin->sin_port;
	sk_setup_caps(sk, &rt->dst);	/* GSO limits too */

	xs->rcv_mss = xtcp_route_mss(sk);
	if (xs->reconnect_iss && xs->reconnect_daddr == inet->inet_daddr)
		xs->iss = xs->reconnect_iss;	/* as tcp_v4_connect() */
	else
		xs->iss = xtcp_isn(inet->inet_saddr, inet->inet_daddr,
				   inet->inet_sport, inet->inet_dport);
	atomic_set(&inet->inet_id, get_random_u16());	/* tcp_v4_connect() */
	WRITE_ONCE(xs->snd_una, xs->iss);
	xs->snd_sml = xs->iss;	/* no short segment yet (Nagle) */
	WRITE_ONCE(xs->snd_nxt, xs->iss + 1);
	WRITE_ONCE(xs->write_seq, xs->iss + 1);
	xtcp_syn_offer(sk);
	WRITE_ONCE(sk->sk_err, 0);	/* as tcp_connect_init() */
	WRITE_ONCE(sk->sk_err_soft, 0);	/* an old connection's ICMP */

	err = xtcp_ehash(sk);
	if (err) {
		inet->inet_daddr = 0;
		inet->inet_dport = 0;
		sk_dst_reset(sk);
		return err;
	}
	xs->reconnect_iss = 0;
	xtcp_transition(sk, XTCP_EV_ACTIVE_OPEN);	/* CLOSED -> SYN-SENT */
	err = xtcp_send_syn(sk);
	xtcp_timer_event_sent(sk, true);	/* a lost SYN is retransmitted */
	return 0;
}

static void listen_stop(struct sock *sk);

/*
 * tcp_need_reset(): the states where the peer knows of the connection
 * and ABORT owes it a RST (RFC 9293 3.10.5).
 */
static bool need_reset(int state)
{
	return (1 << state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
			       TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
			       TCPF_SYN_RECV);
}

/**
 * disconnect() - connect(AF_UNSPEC), and the end of a failed connect():
 * ABORT (RFC 9293 3.10.5) and back to an unconnected socket, as
 * tcp_disconnect()
 * @sk: the socket, locked by its process
 *
 * The options stay, and so do an address and a port the application
 * bound; one bind() did not choose goes, as a TCP socket's does when it
 * closes. The connection's state starts from zero (xtcp_conn_reset), so
 * the next connect() is a connection like any other. A peer that knew of
 * the connection gets a RST, and the application sees ECONNRESET in
 * SO_ERROR.
 */
static void disconnect(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	int old_state = sk->sk_state;

	if (old_state == TCP_LISTEN) {
		listen_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_port_unlisten(sk);
	} else if (old_state != TCP_CLOSE) {
		if (need_reset(old_state) ||
		    (xs->snd_nxt != xs->write_seq &&
		     ((1 << old_state) & (TCPF_CLOSING | TCPF_LAST_ACK)))) {
			xtcp_send_rst(sk);
			WRITE_ONCE(sk->sk_err, ECONNRESET);
		} else if (old_state == TCP_SYN_SENT) {
			WRITE_ONCE(sk->sk_err, ECONNRESET);
		}
		xtcp_transition(sk, XTCP_EV_ABORT);
	}
	/* Segments of a connection (live, or closed by a reset or a
	 * timeout) may still be on their way: the next one to the same
	 * address starts past its sequence space, as tcp_disconnect()
	 * moves write_seq.
	 */
	if (old_state != TCP_LISTEN && inet->inet_dport) {
		xs->reconnect_iss = xs->write_seq + xs->max_snd_wnd + 2 ?: 1;
		xs->reconnect_daddr = inet->inet_daddr;
	}
	xtcp_timers_stop(sk);
	xtcp_purge_queues(sk);
	xtcp_unhash(sk);
	/* as tcp_disconnect(): a listener's children would copy the page */
	if (sk->sk_frag.page) {
		put_page(sk->sk_frag.page);
		sk->sk_frag.page = NULL;
		sk->sk_frag.offset = 0;
	}

	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	/* As inet_bhash2_reset_saddr() and inet_put_port(). */
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	/* The port goes with leaving a state, as tcp_set_state(TCP_CLOSE);
	 * a connection that ended by itself let go of it in xtcp_done().
	 */
	if (old_state != TCP_CLOSE && !(sk->sk_userlocks & SOCK_BINDPORT_LOCK)) {
		if (xs->port)
			xtcp_port_put(sk, true);
		inet->inet_num = 0;	/* inet_sport stays, as inet_put_port() */
	}
	sk_dst_reset(sk);
	WRITE_ONCE(sk->sk_shutdown, 0);
	WRITE_ONCE(xs->window_clamp, 0);	/* as tcp_disconnect() */
	sock_reset_flag(sk, SOCK_DONE);
	xtcp_conn_reset(sk);
	sk_error_report(sk);
}

/* Mirrors __inet_stream_connect(): the same errno in the same situation. */
static int xtcp_connect(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC) {
		/* As __inet_stream_connect(): sk_prot->disconnect(). */
		lock_sock(sk);
		sk->sk_disconnects++;	/* sleepers see EPIPE */
		disconnect(sk);
		sock->state = SS_UNCONNECTED;
		release_sock(sk);
		return 0;
	}
	err = check_addr(uaddr, addr_len);
	if (err)
		return err;

	lock_sock(sk);
	switch (sock->state) {
	default:
		err = -EINVAL;
		goto out;
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;		/* blocking callers wait again below */
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = active_open(sk, (struct sockaddr_in *)uaddr);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		DEFINE_WAIT_FUNC(wait, woken_wake_function);

		if (!timeo)
			goto out;	/* EINPROGRESS or EALREADY */
		add_wait_queue(sk_sleep(sk), &wait);
		while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			release_sock(sk);
			timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
			lock_sock(sk);
			if (signal_pending(current) || !timeo)
				break;
		}
		remove_wait_queue(sk_sleep(sk), &wait);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			/* Still connecting: EINPROGRESS or EALREADY, as set. */
			if (signal_pending(current))
				err = sock_intr_errno(timeo);
			goto out;
		}
	}

	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		sk->sk_disconnects++;
		disconnect(sk);
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

/**
 * xtcp_accept_queue_full() - whether a listener's accept queue is full:
 * more than the backlog, as Linux's sk_acceptq_is_full()
 * @sk: the listener
 */
bool xtcp_accept_queue_full(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->accept_qlen) >
	       READ_ONCE(sk->sk_max_ack_backlog);
}

/**
 * xtcp_syn_queue_full() - whether a listener's SYN queue is full: more
 * than the backlog, as Linux's inet_csk_reqsk_queue_is_full()
 * @sk: the listener
 */
bool xtcp_syn_queue_full(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->syn_qlen) >
	       READ_ONCE(sk->sk_max_ack_backlog);
}

/**
 * xtcp_child_enqueue() - put a new child in its listener's SYN queue
 * @parent: the listener, locked
 * @child: the child; the queue holds its owner's reference
 */
void xtcp_child_enqueue(struct sock *parent, struct sock *child)
{
	struct xtcp_sock *xp = xtcp_sk(parent);

	spin_lock_bh(&xp->queue_lock);
	list_add_tail(&xtcp_sk(child)->queue_node, &xp->syn_queue);
	WRITE_ONCE(xp->syn_qlen, xp->syn_qlen + 1);
	spin_unlock_bh(&xp->queue_lock);
}

/**
 * xtcp_child_established() - move a child that completed its handshake to
 * the accept queue and wake accept()
 * @child: the child, locked
 *
 * Return: false if the accept queue is full: the caller ignores the ACK,
 * as Linux does; the peer's next ACK or our SYN-ACK retransmission retry.
 */
bool xtcp_child_established(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;
	struct xtcp_sock *xp = xtcp_sk(parent);
	bool ok = false;

	spin_lock_bh(&xp->queue_lock);
	if (parent->sk_state == TCP_LISTEN && !list_empty(&xs->queue_node) &&
	    xp->accept_qlen <= READ_ONCE(parent->sk_max_ack_backlog)) {
		list_move_tail(&xs->queue_node, &xp->accept_queue);
		xs->in_accept_queue = 1;
		WRITE_ONCE(xp->syn_qlen, xp->syn_qlen - 1);
		WRITE_ONCE(xp->accept_qlen, xp->accept_qlen + 1);
		ok = true;
	}
	spin_unlock_bh(&xp->queue_lock);
	if (ok)
		parent->sk_data_ready(parent);
	return ok;
}

/**
 * xtcp_child_unlink() - take a child that is going away out of its
 * listener's queue, unless accept() took it first
 * @child: the child, locked
 *
 * Return: true if unlinked: the child is now an orphan (SOCK_DEAD), and
 * the queue's reference is the orphan's. False if accept() is taking it:
 * the new owner sees it CLOSED, with its error.
 */
bool xtcp_child_unlink(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;
	struct xtcp_sock *xp = xtcp_sk(parent);
	bool linked;

	spin_lock_bh(&xp->queue_lock);
	linked = !list_empty(&xs->queue_node);
	if (linked) {
		/* Not from the state: it may already say CLOSED. */
		if (xs->in_accept_queue)
			WRITE_ONCE(xp->accept_qlen, xp->accept_qlen - 1);
		else
			WRITE_ONCE(xp->syn_qlen, xp->syn_qlen - 1);
		list_del_init(&xs->queue_node);
	}
	spin_unlock_bh(&xp->queue_lock);
	if (!linked)
		return false;
	xs->parent = NULL;
	sock_set_flag(child, SOCK_DEAD);
	sock_put(parent);
	return true;
}

/* Close a listener's children: RST the established, drop the half-open. */
static void listen_stop(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);
	struct xtcp_sock *xs;
	struct sock *child;

	for (;;) {
		spin_lock_bh(&xp->queue_lock);
		xs = list_first_entry_or_null(&xp->accept_queue,
					      struct xtcp_sock, queue_node) ?:
		     list_first_entry_or_null(&xp->syn_queue,
					      struct xtcp_sock, queue_node);
		if (xs)
			sock_hold(&xs->inet.sk);
		spin_unlock_bh(&xp->queue_lock);
		if (!xs)
			break;
		child = &xs->inet.sk;
		local_bh_disable();
		bh_lock_sock(child);
		if (xs->parent == sk && !list_empty(&xs->queue_node)) {
			if (child->sk_state == TCP_SYN_RECV) {
				xtcp_transition(child, XTCP_EV_TIMEOUT);
				xtcp_done(child);
			} else {
				xtcp_abort(child, ECONNRESET);
			}
		}
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);
	}
}

static int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_LISTEN) {
		err = 0;	/* only the backlog changes */
		goto out;
	}
	if (xtcp_sk(sk)->in_ehash || sk->sk_shutdown)
		goto out;	/* a former connection */
	if (!xtcp_sk(sk)->port) {
		err = xtcp_port_get(sk, bound_addr(sk), 0, sk->sk_reuse);
		if (err)
			goto out;
	}
	xtcp_rehash_wait(sk);
	xtcp_sk(sk)->pingpong = 0;	/* inet_csk_listen_start() */
	xtcp_transition(sk, XTCP_EV_PASSIVE_OPEN);	/* CLOSED -> LISTEN */
	xtcp_lhash(sk);
	err = xtcp_port_listen(sk);
	if (err) {
		xtcp_set_state(sk, TCP_CLOSE);
		goto out;
	}
out:
	release_sock(sk);
	return err;
}

static int xtcp_accept(struct socket *sock, struct socket *newsock,
		       struct proto_accept_arg *arg)
{
	struct sock *sk = sock->sk, *child = NULL;
	struct xtcp_sock *xp = xtcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct xtcp_sock *xs;
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, arg->flags & O_NONBLOCK);

	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	for (;;) {
		spin_lock_bh(&xp->queue_lock);
		xs = list_first_entry_or_null(&xp->accept_queue,
					      struct xtcp_sock, queue_node);
		if (xs) {
			list_del_init(&xs->queue_node);
			WRITE_ONCE(xp->accept_qlen, xp->accept_qlen - 1);
		}
		spin_unlock_bh(&xp->queue_lock);
		if (xs)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (!xs)
		goto out;

	child = &xs->inet.sk;
	lock_sock_nested(child, SINGLE_DEPTH_NESTING);
	xs->parent = NULL;
	sock_graft(child, newsock);
	newsock->ops = sock->ops;
	set_bit(SOCK_CUSTOM_SOCKOPT, &newsock->flags);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	sock_put(sk);		/* the child's reference on its listener */
	err = 0;
out:
	release_sock(sk);
	arg->err = err;
	return err;
}

static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(xtcp_sk(sk)->accept_qlen) ?
		       EPOLLIN | EPOLLRDNORM : 0;

	/* As tcp_poll(): HUP once both directions are done, or CLOSED. */
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (xtcp_readable(sk, xtcp_urg_at_hidden_mark(sk)))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (xtcp_urg_pri(sk))
			mask |= EPOLLPRI;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (__sk_stream_is_writeable(sk, 1)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Pairs with xtcp_write_space(): recheck after
				 * announcing we wait, or a wakeup may be lost.
				 */
				smp_mb__after_atomic();
				if (__sk_stream_is_writeable(sk, 1))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	/* Pairs with the error report of a reset. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/* Mirrors inet_shutdown() and tcp_shutdown(). */
static int xtcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD 0 -> RCV_SHUTDOWN 1, SHUT_WR -> 2, SHUT_RDWR -> 3 */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		/* As inet_shutdown(): sk_prot->disconnect(). */
		disconnect(sk);
		sock->state = SS_UNCONNECTED;
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if ((how & SEND_SHUTDOWN) && !xtcp_sk(sk)->fin_queued &&
		    xtcp_transition(sk, XTCP_EV_CLOSE)) {
			xtcp_sk(sk)->fin_queued = 1;
			xtcp_push(sk);
		}
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/* RFC 9293 3.10.4 CLOSE, and what Linux adds: RST on unread data. */
static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs;
	long linger = 0;

	if (!sk)
		return 0;
	xs = xtcp_sk(sk);
	if (sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING))
		linger = sk->sk_lingertime;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		listen_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_port_unlisten(sk);
	} else if (sk->sk_state == TCP_SYN_SENT) {
		xtcp_transition(sk, XTCP_EV_CLOSE);	/* delete the TCB */
	} else if (sk->sk_state != TCP_CLOSE) {
		if (!skb_queue_empty(&sk->sk_receive_queue) ||
		    (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
			/* Unread data (RFC 2525 2.17) or SO_LINGER 0: RST
			 * (tcp_close(): TCPAbortOnClose, TCPAbortOnData)
			 */
			XTCP_EXT_INC(sock_net(sk),
				     skb_queue_empty(&sk->sk_receive_queue) ?
				     LINUX_MIB_TCPABORTONDATA :
				     LINUX_MIB_TCPABORTONCLOSE);
			xtcp_abort(sk, 0);
		} else if (!xs->fin_queued &&
			   xtcp_transition(sk, XTCP_EV_CLOSE)) {
			xs->fin_queued = 1;
			xtcp_push(sk);
		}
	}
	if (linger && sk->sk_state != TCP_CLOSE)
		sk_stream_wait_close(sk, linger);
	/* TCP_LINGER2 -1: no wait in FIN-WAIT-2, a RST (tcp_close()) */
	if (sk->sk_state == TCP_FIN_WAIT2 && READ_ONCE(xs->linger2) < 0)
		xtcp_abort_on_linger(sk);
	/* Room for one more orphan? Else a RST now, as tcp_close(). */
	if (sk->sk_state != TCP_CLOSE && xtcp_check_oom(sk, 0))
		xtcp_abort_on_memory(sk);

	/*
	 * The process lets go: from here on the socket is an orphan whose
	 * own reference xtcp_done() drops when it reaches CLOSED. That may
	 * happen inside release_sock(), replaying the peer's ACK of our FIN
	 * from the backlog: this function's reference keeps the socket
	 * until release_sock() is done with it, as in tcp_close().
	 */
	sock_hold(sk);
	sock_orphan(sk);
	sock->sk = NULL;
	if (sk->sk_state != TCP_CLOSE)
		xtcp_orphan_count(sk);
	xtcp_timer_event_orphaned(sk);
	if (sk->sk_state == TCP_CLOSE) {
		xtcp_timers_stop(sk);
		xtcp_purge_queues(sk);
		xtcp_port_put(sk, true);
		__sock_put(sk);		/* the orphan's: ours is still held */
	}
	release_sock(sk);
	sock_put(sk);
	return 0;
}

static int xtcp_sock_sendmsg(struct socket *sock, struct msghdr *msg,
			     size_t size)
{
	return xtcp_sendmsg(sock->sk, msg, size);
}

static int xtcp_sock_recvmsg(struct socket *sock, struct msghdr *msg,
			     size_t size, int flags)
{
	int addr_len = 0;
	int err;

	err = xtcp_recvmsg(sock->sk, msg, size, flags, &addr_len);
	if (err >= 0)		/* MSG_ERRQUEUE names the peer (inet_recvmsg) */
		msg->msg_namelen = addr_len;
	return err;
}

static int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	return inet_getname(sock, uaddr, peer);
}

/*
 * SOL_SOCKET comes here too (SOCK_CUSTOM_SOCKOPT, set at creation):
 * sk_setsockopt() refuses SO_REUSEPORT to a family that is not AF_INET's,
 * as xtcp's is not, so xtcp sets it as sk_setsockopt() does for TCP; the
 * rest goes where it would have gone.
 */
static int xtcp_ops_setsockopt(struct socket *sock, int level, int optname,
			       sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val;

	if (level != SOL_SOCKET)
		return sock_common_setsockopt(sock, level, optname, optval,
					      optlen);
	if (optname != SO_REUSEPORT)
		return sock_setsockopt(sock, level, optname, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	sk->sk_reuseport = !!val;	/* bind() reads it (conn_table.c) */
	release_sock(sk);
	return 0;
}

static const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,	/* informational; xtcp_family rules */
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= inet_ioctl,	/* the rest: xtcp_ioctl() */
	.listen		= xtcp_listen,
	.shutdown	= xtcp_shutdown,
	.setsockopt	= xtcp_ops_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= xtcp_sock_sendmsg,
	.recvmsg	= xtcp_sock_recvmsg,
	.splice_read	= xtcp_splice_read,
	.splice_eof	= xtcp_splice_eof,
	.mmap		= sock_no_mmap,
	.set_rcvlowat	= xtcp_set_rcvlowat,
};

/* SO_KEEPALIVE, from sk_setsockopt() with the socket locked. */
static void xtcp_keepalive(struct sock *sk, int valbool)
{
	xtcp_timer_event_keepalive(sk, valbool);
}

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, xtcp_family, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;
	set_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);	/* SO_REUSEPORT */
	sock_init_data(sock, sk);
	xtcp_sock_init(sk);
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

/**
 * xtcp_af_register() - register the socket layer with the family
 * @xtcp_family. Sockets hold a reference on the module, so rmmod waits
 * for the last one to close.
 *
 * Return: 0, or -EINVAL for a number out of range, -EEXIST if taken.
 */
int xtcp_af_register(void)
{
	int err;

	if (xtcp_family <= AF_UNSPEC || xtcp_family >= NPROTO) {
		pr_err("family=%d is not between 1 and %d\n",
		       xtcp_family, NPROTO - 1);
		return -EINVAL;
	}
	/* Even if free (ipv6.disable=1, a module not loaded): the core
	 * takes a socket of these for theirs (sk_is_tcp(), sk_setup_caps(),
	 * sk_is_stream_unix(), sk_is_vsock())
	 */
	if (xtcp_family == AF_INET || xtcp_family == AF_INET6 ||
	    xtcp_family == AF_UNIX || xtcp_family == AF_VSOCK) {
		pr_err("family=%d is one the core tests sockets for\n",
		       xtcp_family);
		return -EINVAL;
	}

	err = xtcp_prot_mem_init(&xtcp_prot);
	if (err)
		return err;
	err = proto_register(&xtcp_prot, 1);
	if (err) {
		xtcp_prot_mem_exit();
		return err;
	}

	xtcp_family_ops.family = xtcp_family;
	err = sock_register(&xtcp_family_ops);
	if (err) {
		pr_err("address family %d is taken (%d); load with family=N\n",
		       xtcp_family, err);
		xtcp_proto_unregister();
	}
	return err;
}

void xtcp_af_unregister(void)
{
	sock_unregister(xtcp_family);
}

void xtcp_proto_unregister(void)
{
	proto_unregister(&xtcp_prot);
	xtcp_prot_mem_exit();
}
