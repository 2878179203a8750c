// SPDX-License-Identifier: GPL-2.0
/*
 * The SOL_TCP socket options and the queue ioctls of tcp(7), with Linux's
 * numbers, ranges, units and errno values (do_tcp_setsockopt(),
 * do_tcp_getsockopt(), tcp_ioctl()), and what they change: the write
 * and read thresholds poll() and the calls obey.
 */
#include <linux/ioctl.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xtcp.h"

/* The one congestion control xtcp has (cong.c), by Linux's name for it. */
static const char xtcp_cong_name[TCP_CA_NAME_MAX] = "reno";

/**
 * xtcp_syn_retries() - how often a SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED)
 * is resent: TCP_SYNCNT, else the namespace's syn_retries or
 * synack_retries (a listener's TCP_SYNCNT rules its children's SYN-ACKs,
 * as in Linux's reqsk_timer_handler())
 * @sk: the connection
 */
int xtcp_syn_retries(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	int own = READ_ONCE(xtcp_sk(sk)->syn_retries);

	if (own)
		return own;
	/* a listener's child; a simultaneous open counts as SYN-SENT */
	return sk->sk_state == TCP_SYN_RECV && xtcp_sk(sk)->parent ?
	       READ_ONCE(xn->synack_retries) : READ_ONCE(xn->syn_retries);
}

/**
 * xtcp_fin_timeout_ms() - how long an orphan waits in FIN-WAIT-2 for the
 * peer's FIN: TCP_LINGER2, else fin_timeout (Linux's tcp_fin_time()); 0
 * for TCP_LINGER2 -1
 * @sk: the connection
 */
int xtcp_fin_timeout_ms(const struct sock *sk)
{
	int own = READ_ONCE(xtcp_sk(sk)->linger2);

	if (own < 0)
		return 0;
	return (own ?: READ_ONCE(xtcp_sk_net(sk)->fin_timeout)) * MSEC_PER_SEC;
}

/**
 * xtcp_inq() - bytes the application has yet to read, the peer's FIN not
 * counted (Linux's tcp_inq(), without urgent data)
 * @sk: the connection
 */
int xtcp_inq(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int n;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_LISTEN))
		return 0;
	n = READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq);
	/* a bit field, so no READ_ONCE: poll() may read a stale one */
	if (n > 0 && data_race(!!xs->fin_rcvd))
		n--;
	return max(n, 0);
}

/**
 * xtcp_readable() - poll()'s EPOLLIN for a connection: SO_RCVLOWAT bytes
 * wait, or fewer while the receive buffer is nearly full, lest the
 * application and the peer each wait for the other (tcp_epollin_ready())
 * @sk: the connection
 * @extra: bytes a read would pass without returning them (the urgent
 *	   byte at the mark, not in line: urg.c)
 */
bool xtcp_readable(const struct sock *sk, int extra)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int lowat = max(READ_ONCE(sk->sk_rcvlowat), 1) + extra, rcvbuf;

	if (skb_queue_empty_lockless(&sk->sk_receive_queue))
		return false;
	if (lowat == 1 || xtcp_inq(sk) >= lowat)
		return true;
	rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	if (atomic_read(&sk->sk_rmem_alloc) > rcvbuf - (rcvbuf >> 3) ||
	    xtcp_under_memory_pressure(sk))
		return true;
	/* the window we offered has at most one of the peer's segments left */
	return (int)(READ_ONCE(xs->rcv_wup) + READ_ONCE(xs->rcv_wnd) -
		     READ_ONCE(xs->rcv_nxt)) <= (int)xtcp_peer_mss(xs);
}

/**
 * xtcp_set_rcvlowat() - proto_ops->set_rcvlowat, as tcp_set_rcvlowat():
 * SO_RCVLOWAT is capped at half what the receive buffer may grow to, the
 * buffer grows to hold it, and a reader it now satisfies is woken
 * @sk: the socket, locked
 * @val: the new low-water mark
 *
 * Return: 0.
 */
int xtcp_set_rcvlowat(struct sock *sk, int val)
{
	int cap;

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		cap = READ_ONCE(sk->sk_rcvbuf) >> 1;
	else
		cap = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]) >> 1;
	val = min(val, cap);
	WRITE_ONCE(sk->sk_rcvlowat, val ?: 1);
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    2 * val > READ_ONCE(sk->sk_rcvbuf))
		WRITE_ONCE(sk->sk_rcvbuf, 2 * val);
	if (xtcp_readable(sk, 0))
		sk->sk_data_ready(sk);
	return 0;
}

/*
 * The end of the send queue in sequence space: Linux counts a queued FIN
 * in write_seq, xtcp does not (xtcp_fin_sent()).
 */
static u32 send_end(const struct xtcp_sock *xs)
{
	/* a bit field, so no READ_ONCE: poll() may read a stale one */
	return READ_ONCE(xs->write_seq) + data_race(!!xs->fin_queued);
}

/**
 * xtcp_stream_memory_free() - sk_prot->stream_memory_free: with
 * TCP_NOTSENT_LOWAT, the socket is writable only while fewer unsent
 * bytes are queued (@wake doubles them: poll() and the writer's wakeup
 * want half that, as tcp_poll())
 * @sk: the connection
 * @wake: 1 when deciding whether to wake a writer
 */
bool xtcp_stream_memory_free(const struct sock *sk, int wake)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 lowat = READ_ONCE(xs->notsent_lowat) ?: UINT_MAX;
	u32 unsent = send_end(xs) - READ_ONCE(xs->snd_nxt);

	if ((1 << inet_sk_state_load(sk)) & (TCPF_SYN_SENT | TCPF_CLOSE))
		unsent = 0;
	return ((u64)unsent << wake) < lowat;
}

/**
 * xtcp_ioctl() - sk_prot->ioctl, behind inet_ioctl(): the queue sizes
 * (tcp_ioctl())
 * @sk: the socket
 * @cmd: SIOCINQ, SIOCOUTQ, SIOCOUTQNSD or SIOCATMARK
 * @karg: the answer
 *
 * Return: 0, -EINVAL on a listener, -ENOIOCTLCMD for other commands.
 */
int xtcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int state = inet_sk_state_load(sk);
	bool slow;

	switch (cmd) {
	case SIOCINQ:
		if (state == TCP_LISTEN)
			return -EINVAL;
		slow = lock_sock_fast(sk);
		*karg = xtcp_urg_inq(sk, xtcp_inq(sk));
		unlock_sock_fast(sk, slow);
		return 0;
	case SIOCATMARK:
		*karg = xtcp_urg_at_mark(sk);
		return 0;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			*karg = 0;
		else
			*karg = send_end(xs) -
				(cmd == SIOCOUTQ ? READ_ONCE(xs->snd_una) :
						   READ_ONCE(xs->snd_nxt));
		return 0;
	}
	return -ENOIOCTLCMD;
}

/* TCP_CONGESTION: only xtcp's own algorithm exists (ENOENT, as Linux). */
static int set_congestion(sockptr_t optval, unsigned int optlen)
{
	char name[TCP_CA_NAME_MAX];
	long n;

	if (optlen < 1)
		return -EINVAL;
	n = strncpy_from_sockptr(name, optval,
				 min_t(long, TCP_CA_NAME_MAX - 1, optlen));
	if (n < 0)
		return -EFAULT;
	name[n] = 0;
	return strcmp(name, xtcp_cong_name) ? -ENOENT : 0;
}

/*
 * TCP_DEFER_ACCEPT's seconds as SYN-ACK timeouts from a 1 s initial RTO,
 * doubling up to 120 s, and back (net/ipv4/tcp.c, secs_to_retrans() and
 * retrans_to_secs()).
 */
static u8 defer_secs_to_retrans(int seconds)
{
	int timeout = TCP_TIMEOUT_INIT / HZ, period = timeout;
	u8 res = 0;

	if (seconds <= 0)
		return 0;
	res = 1;
	while (seconds > period && res < 255) {
		res++;
		timeout <<= 1;
		if (timeout > TCP_RTO_MAX / HZ)
			timeout = TCP_RTO_MAX / HZ;
		period += timeout;
	}
	return res;
}

static int defer_retrans_to_secs(u8 retrans)
{
	int timeout = TCP_TIMEOUT_INIT / HZ, period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > TCP_RTO_MAX / HZ)
				timeout = TCP_RTO_MAX / HZ;
			period += timeout;
		}
	}
	return period;
}

/*
 * TCP_QUICKACK, as Linux's __tcp_sock_set_quickack(): 0 enters ping-pong
 * mode, where ACKs wait for the delayed-ACK timer or for our answer.
 * Otherwise leave it, and an ACK owed is marked pushed and goes as after
 * a read (xtcp_rbuf_cleaned()): now if the reader has taken everything
 * or more than a segment waits; else, for an odd value, at the read that
 * empties the queue. An even value then enters ping-pong mode again. It
 * is no lasting mode: what the connection does next decides as before.
 */
static void set_quickack(struct sock *sk, int val)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->pingpong = !val;
	if (!val || !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) ||
	    xs->rcv_nxt == xs->rcv_acked)
		return;
	xs->ack_pushed |= XTCP_ACK_PUSHED;
	xtcp_rbuf_cleaned(sk, true);
	if (!(val & 1))
		xs->pingpong = 1;
}

/* The options that take an int, under the socket lock. */
static int set_int_option(struct sock *sk, int optname, int val)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 old;

	switch (optname) {
	case TCP_NODELAY:
		/* As Linux: setting it sends what Nagle held back, and what
		 * TCP_CORK held back too (tcp(7); TCP_NAGLE_PUSH).
		 */
		xs->nodelay = !!val;
		if (val) {
			xs->push_pending = xs->cork;
			xtcp_push(sk);
		}
		return 0;
	case TCP_CORK:
		/* Uncorking sends the partial segment held back. */
		xs->cork = !!val;
		if (!val)
			xtcp_push(sk);
		return 0;
	case TCP_MAXSEG:
		/* Applies to the next handshake (xtcp_set_mss) */
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		xs->user_mss = val;
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		xs->keepidle = val;
		if (sock_flag(sk, SOCK_KEEPOPEN))
			xtcp_timer_event_keepalive(sk, true);
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		xs->keepintvl = val;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		xs->keepcnt = val;
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		WRITE_ONCE(xs->syn_retries, val);
		return 0;
	case TCP_LINGER2:
		/* seconds; -1: none (an orphan leaves FIN-WAIT-2 at once) */
		if (val < 0)
			val = -1;
		WRITE_ONCE(xs->linger2, min(val, TCP_FIN_TIMEOUT_MAX / HZ));
		return 0;
	case TCP_DEFER_ACCEPT:
		WRITE_ONCE(xs->defer_accept, defer_secs_to_retrans(val));
		return 0;
	case TCP_WINDOW_CLAMP:
		/* as tcp_set_window_clamp(): 0 clears it before a connection;
		 * compared unsigned, so a negative value is no clamp at all
		 */
		if (!val && sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		old = xs->window_clamp;
		WRITE_ONCE(xs->window_clamp,
			   val ? max_t(u32, SOCK_MIN_RCVBUF / 2, val) : 0);
		if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			xtcp_rcv_ssthresh_clamp(sk, old);
		return 0;
	case TCP_QUICKACK:
		set_quickack(sk, val);
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		xs->user_timeout = val;
		return 0;
	case TCP_NOTSENT_LOWAT:
		WRITE_ONCE(xs->notsent_lowat, val);
		sk->sk_write_space(sk);
		return 0;
	case TCP_INQ:
		if (val < 0 || val > 1)
			return -EINVAL;
		xs->recvmsg_inq = val;
		return 0;
	}
	return -ENOPROTOOPT;
}

/*
 * SOL_IP through the IP layer, as tcp_setsockopt() passes it on; but a
 * multicast membership, which TCP has no use for, xtcp refuses as Linux
 * refuses IP_ADD_MEMBERSHIP to TCP: nothing would drop it at close, since
 * ip_mc_drop_socket() is not exported. IP_OPTIONS change the room left
 * in each segment (pmtu.c).
 */
static int set_ip_option(struct sock *sk, int level, int optname,
			 sockptr_t optval, unsigned int optlen)
{
	int err;

	switch (optname) {
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP:
	case IP_ADD_SOURCE_MEMBERSHIP:
	case IP_DROP_SOURCE_MEMBERSHIP:
	case IP_BLOCK_SOURCE:
	case IP_UNBLOCK_SOURCE:
	case IP_MSFILTER:
	case MCAST_JOIN_GROUP:
	case MCAST_LEAVE_GROUP:
	case MCAST_JOIN_SOURCE_GROUP:
	case MCAST_LEAVE_SOURCE_GROUP:
	case MCAST_BLOCK_SOURCE:
	case MCAST_UNBLOCK_SOURCE:
	case MCAST_MSFILTER:
		if (level == SOL_IP)
			return -EPROTO;
	}
	err = ip_setsockopt(sk, level, optname, optval, optlen);
	if (!err && level == SOL_IP && optname == IP_OPTIONS) {
		lock_sock(sk);
		xtcp_ip_options_changed(sk);
		release_sock(sk);
	}
	return err;
}

/**
 * xtcp_setsockopt() - sk_prot->setsockopt: SOL_TCP options, and SOL_IP's
 * through the IP layer (as tcp_setsockopt())
 * @sk: the socket
 * @level: SOL_TCP or SOL_IP
 * @optname: the option
 * @optval: its value
 * @optlen: its length
 *
 * Return: 0 or -errno, as Linux's TCP answers.
 */
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	int val, err;

	if (level != SOL_TCP)
		return set_ip_option(sk, level, optname, optval, optlen);
	if (optname == TCP_CONGESTION)
		return set_congestion(optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	err = set_int_option(sk, optname, val);
	release_sock(sk);
	return err;
}

/* TCP_MAXSEG's answer: the user's value until connected, else the MSS. */
static int maxseg(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->user_mss &&
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		return xs->user_mss;
	return xtcp_send_mss(xs);
}

/* The options that answer an int; -ENOPROTOOPT for others. */
static int get_int_option(struct sock *sk, int optname, int *val)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	switch (optname) {
	case TCP_MAXSEG:
		*val = maxseg(sk);
		break;
	case TCP_NODELAY:
		*val = xs->nodelay;
		break;
	case TCP_CORK:
		*val = xs->cork;
		break;
	case TCP_KEEPIDLE:
		*val = xtcp_keepidle(sk);
		break;
	case TCP_KEEPINTVL:
		*val = xtcp_keepintvl(sk);
		break;
	case TCP_KEEPCNT:
		*val = xtcp_keepcnt(sk);
		break;
	case TCP_SYNCNT:
		*val = READ_ONCE(xs->syn_retries) ?:
		       READ_ONCE(xtcp_sk_net(sk)->syn_retries);
		break;
	case TCP_LINGER2:
		*val = READ_ONCE(xs->linger2);
		if (*val >= 0)
			*val = xtcp_fin_timeout_ms(sk) / MSEC_PER_SEC;
		break;
	case TCP_QUICKACK:
		*val = !xs->pingpong;
		break;
	case TCP_DEFER_ACCEPT:
		*val = defer_retrans_to_secs(READ_ONCE(xs->defer_accept));
		break;
	case TCP_WINDOW_CLAMP:
		/* unset: 0 before a connection, then (as Linux's after
		 * tcp_init_buffer_space()) about what the buffer offers
		 */
		*val = READ_ONCE(xs->window_clamp);
		if (!*val && !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
			/* the shift, fixed at the handshake, read unlocked */
			*val = min(data_race(xtcp_max_window(xs)),
				   (u32)READ_ONCE(sk->sk_rcvbuf) / 2);
		}
		break;
	case TCP_USER_TIMEOUT:
		*val = xs->user_timeout;
		break;
	case TCP_NOTSENT_LOWAT:
		*val = READ_ONCE(xs->notsent_lowat);
		break;
	case TCP_INQ:
		*val = xs->recvmsg_inq;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return 0;
}

/* Copy @len bytes of @buf out, truncated to its @size, and say how many. */
static int put_struct(char __user *optval, int __user *optlen,
		      const void *buf, unsigned int size, int len)
{
	len = min_t(unsigned int, len, size);
	if (put_user(len, optlen) || copy_to_user(optval, buf, len))
		return -EFAULT;
	return 0;
}

/**
 * xtcp_getsockopt() - sk_prot->getsockopt: SOL_TCP options, and SOL_IP's
 * through the IP layer (as tcp_getsockopt())
 * @sk: the socket
 * @level: SOL_TCP or SOL_IP
 * @optname: the option
 * @optval: where the value goes
 * @optlen: its room, then its length
 *
 * Return: 0 or -errno, as Linux's TCP answers.
 */
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	struct tcp_info info;
	int len, val, err;

	if (level != SOL_TCP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_INFO:
		xtcp_get_info(sk, &info);
		return put_struct(optval, optlen, &info, sizeof(info), len);
	case TCP_CONGESTION:
		return put_struct(optval, optlen, xtcp_cong_name,
				  sizeof(xtcp_cong_name), len);
	}
	err = get_int_option(sk, optname, &val);
	if (err)
		return err;
	return put_struct(optval, optlen, &val, sizeof(val), len);
}
