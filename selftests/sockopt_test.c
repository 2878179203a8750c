// SPDX-License-Identifier: GPL-2.0
/*
 * What tcp(7) promises a program beyond send and receive: TCP_INFO, the
 * queue ioctls and the SOL_TCP and SOL_SOCKET options a program tunes a
 * connection with. Every case runs the same steps on the kernel's TCP and
 * on xtcp in the same boot and compares what each answers: Linux's
 * answer is the expected one, so a case the kernel's TCP fails is broken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/xtcp.h>

#include "kselftest_harness.h"

#ifndef SOL_TCP
#define SOL_TCP		IPPROTO_TCP
#endif

#define WAIT_MS		5000
/* tcpi_state values (net/tcp_states.h); not in the uapi headers */
#define TCP_ESTABLISHED		1
#define TCP_CLOSE		7
#define TCP_CA_NAME_MAX		16

static const int stacks[2] = { AF_INET, AF_XTCP };

static const char *stack_name(int family)
{
	return family == AF_INET ? "tcp" : "xtcp";
}

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return a;
}

/* A listener of @family on loopback, its port in @port. */
static int listener(int family, int backlog, unsigned short *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_port(int fd, unsigned short port)
{
	struct sockaddr_in a = loopback(port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/*
 * A connection of @family over loopback: @c the client (set up by @prep
 * before it connects, if given), @s the accepted server side.
 */
static int pair_prep(int family, int *c, int *s, void (*prep)(int fd))
{
	unsigned short port;
	int l = listener(family, 8, &port);

	*c = *s = -1;
	if (l < 0)
		return -1;
	*c = socket(family, SOCK_STREAM, 0);
	if (*c >= 0 && prep)
		prep(*c);
	if (*c < 0 || connect_port(*c, port)) {
		close(l);
		return -1;
	}
	*s = accept(l, NULL, NULL);
	close(l);
	return *s < 0 ? -1 : 0;
}

static int pair(int family, int *c, int *s)
{
	return pair_prep(family, c, s, NULL);
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Read exactly @len bytes (the peer sent them), or fail. */
static int read_n(int fd, size_t len)
{
	char buf[4096];

	while (len) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

static int write_n(int fd, size_t len)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (len) {
		ssize_t n = write(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

static int get_int(int fd, int level, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(fd, level, opt, val, &len);
}

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* An answer: the call's return value and errno, or the value read. */
struct answer {
	int ret;
	int err;
	int val;
};

static struct answer ask_int(int fd, int level, int opt)
{
	struct answer a = { 0 };

	a.ret = get_int(fd, level, opt, &a.val);
	a.err = a.ret ? errno : 0;
	return a;
}

static struct answer tell_int(int fd, int level, int opt, int val)
{
	struct answer a = { 0 };

	a.ret = set_int(fd, level, opt, val);
	a.err = a.ret ? errno : 0;
	if (!a.ret)
		get_int(fd, level, opt, &a.val);
	return a;
}

static struct answer ask_ioctl(int fd, unsigned long req)
{
	struct answer a = { 0 };

	a.ret = ioctl(fd, req, &a.val);
	a.err = a.ret ? errno : 0;
	return a;
}

/* The kernel's TCP's answer @a[0] and xtcp's @a[1] are the same. */
static void same_answer(struct __test_metadata *_metadata, const char *what,
			const struct answer *a)
{
	EXPECT_EQ(a[0].ret, a[1].ret) TH_LOG("%s: return", what);
	EXPECT_EQ(a[0].err, a[1].err) TH_LOG("%s: errno", what);
	EXPECT_EQ(a[0].val, a[1].val) TH_LOG("%s: value", what);
}

#define EXPECT_SAME_ANSWER(what, a)	same_answer(_metadata, what, a)

/*
 * An Ethernet-sized MSS: on loopback (MTU 65536) Linux bounds its MSS to
 * half the peer's largest window (tcp_bound_to_half_wnd()), xtcp does not.
 */
static void maxseg_1460(int fd)
{
	set_int(fd, SOL_TCP, TCP_MAXSEG, 1460);
}

/*
 * One exchange on a fresh connection of @family: 1000 bytes from the
 * client, 500 back, each read in full, then a pause for the last ACKs.
 * The client's TCP_INFO in @info, its length in @len.
 */
static int exchange_info(int family, struct tcp_info *info, socklen_t *len)
{
	int c, s, ret = -1;

	if (pair_prep(family, &c, &s, maxseg_1460))
		goto out;
	if (write_n(c, 1000) || read_n(s, 1000) || write_n(s, 500) ||
	    read_n(c, 500))
		goto out;
	sleep_ms(300);
	memset(info, 0, *len);
	ret = getsockopt(c, SOL_TCP, TCP_INFO, info, len);
out:
	close(c);
	close(s);
	return ret;
}

/*
 * The fields of a connection's TCP_INFO that are counts or negotiated
 * values: after the same exchange they are the kernel's TCP's exactly.
 */
static const char * const exact_names[] = {
	"state", "ca_state", "retransmits", "probes", "backoff", "options",
	"snd_wscale", "rcv_wscale", "snd_mss", "rcv_mss", "unacked", "sacked",
	"lost", "retrans", "pmtu", "advmss", "reordering", "total_retrans",
	"snd_ssthresh", "bytes_acked", "bytes_received", "notsent_bytes",
	"data_segs_in", "data_segs_out", "bytes_sent", "bytes_retrans",
	"dsack_dups", "rcv_ooopack",
};

#define N_EXACT	ARRAY_SIZE(exact_names)

static void exact_fields(const struct tcp_info *t, unsigned long long *v)
{
	int n = 0;

	v[n++] = t->tcpi_state;
	v[n++] = t->tcpi_ca_state;
	v[n++] = t->tcpi_retransmits;
	v[n++] = t->tcpi_probes;
	v[n++] = t->tcpi_backoff;
	v[n++] = t->tcpi_options;
	v[n++] = t->tcpi_snd_wscale;
	v[n++] = t->tcpi_rcv_wscale;
	v[n++] = t->tcpi_snd_mss;
	v[n++] = t->tcpi_rcv_mss;
	v[n++] = t->tcpi_unacked;
	v[n++] = t->tcpi_sacked;
	v[n++] = t->tcpi_lost;
	v[n++] = t->tcpi_retrans;
	v[n++] = t->tcpi_pmtu;
	v[n++] = t->tcpi_advmss;
	v[n++] = t->tcpi_reordering;
	v[n++] = t->tcpi_total_retrans;
	v[n++] = t->tcpi_snd_ssthresh;
	v[n++] = t->tcpi_bytes_acked;
	v[n++] = t->tcpi_bytes_received;
	v[n++] = t->tcpi_notsent_bytes;
	v[n++] = t->tcpi_data_segs_in;
	v[n++] = t->tcpi_data_segs_out;
	v[n++] = t->tcpi_bytes_sent;
	v[n++] = t->tcpi_bytes_retrans;
	v[n++] = t->tcpi_dsack_dups;
	v[n++] = t->tcpi_rcv_ooopack;
}

/* Times and estimates: in range on each stack. */
static void info_in_range(struct __test_metadata *_metadata,
			  const struct tcp_info *t, const char *stack)
{
	TH_LOG("%s: rto %u rtt %u rttvar %u min_rtt %u cwnd %u", stack,
	       t->tcpi_rto, t->tcpi_rtt, t->tcpi_rttvar, t->tcpi_min_rtt,
	       t->tcpi_snd_cwnd);
	TH_LOG("%s: since sent %u recv %u ack %u; segs out %u in %u", stack,
	       t->tcpi_last_data_sent, t->tcpi_last_data_recv,
	       t->tcpi_last_ack_recv, t->tcpi_segs_out, t->tcpi_segs_in);
	TH_LOG("%s: rcv_space %u rcv_ssthresh %u snd_wnd %u", stack,
	       t->tcpi_rcv_space, t->tcpi_rcv_ssthresh, t->tcpi_snd_wnd);
	EXPECT_LE(200000U, t->tcpi_rto);
	EXPECT_GE(1000000U, t->tcpi_rto);
	EXPECT_LT(0U, t->tcpi_rtt);
	EXPECT_GT(200000U, t->tcpi_rtt);
	EXPECT_LT(0U, t->tcpi_rttvar);
	EXPECT_LT(0U, t->tcpi_min_rtt);
	EXPECT_LE(t->tcpi_min_rtt, t->tcpi_rtt);
	EXPECT_LE(10U, t->tcpi_snd_cwnd);
	EXPECT_LE(200U, t->tcpi_last_data_sent);
	EXPECT_GT(5000U, t->tcpi_last_data_sent);
	EXPECT_GT(5000U, t->tcpi_last_data_recv);
	EXPECT_GT(5000U, t->tcpi_last_ack_recv);
	EXPECT_LE(t->tcpi_data_segs_out + 2, t->tcpi_segs_out);
	EXPECT_LE(t->tcpi_data_segs_in + 1, t->tcpi_segs_in);
	EXPECT_LT(0U, t->tcpi_rcv_space);
	EXPECT_LT(0U, t->tcpi_rcv_ssthresh);
	EXPECT_LT(0U, t->tcpi_snd_wnd);
}

/* Buffers larger than either kernel's struct tcp_info. */
struct big_info {
	struct tcp_info ti;
	char room[256];
};

/*
 * A connection's TCP_INFO after a plain exchange, field by field: what
 * is a count or a negotiated value is the kernel's TCP's exactly; what
 * is a time or an estimate is in range on both.
 */
TEST(tcp_info_established)
{
	unsigned long long v[2][N_EXACT];
	struct big_info b[2];
	socklen_t len[2];

	for (int i = 0; i < 2; i++) {
		len[i] = sizeof(b[i]);
		ASSERT_EQ(0, exchange_info(stacks[i], &b[i].ti, &len[i]))
			TH_LOG("%s: %s", stack_name(stacks[i]), strerror(errno));
	}
	/* Linux copies its whole struct tcp_info into a larger buffer. */
	EXPECT_EQ(len[0], len[1]);
	for (int i = 0; i < 2; i++)
		exact_fields(&b[i].ti, v[i]);
	for (unsigned int f = 0; f < N_EXACT; f++) {
		EXPECT_EQ(v[0][f], v[1][f])
			TH_LOG("tcpi_%s: tcp %llu, xtcp %llu", exact_names[f],
			       v[0][f], v[1][f]);
	}
	info_in_range(_metadata, &b[0].ti, "tcp");
	info_in_range(_metadata, &b[1].ti, "xtcp");
}

/* A socket never connected: Linux's initial values. */
TEST(tcp_info_unconnected)
{
	struct tcp_info ti[2];

	for (int i = 0; i < 2; i++) {
		socklen_t len = sizeof(ti[i]);
		int fd = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, fd);
		memset(&ti[i], 0xa5, sizeof(ti[i]));
		ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, &ti[i], &len));
		EXPECT_EQ(sizeof(ti[i]), len);
		close(fd);
	}
	EXPECT_EQ(ti[0].tcpi_state, ti[1].tcpi_state);
	EXPECT_EQ(ti[0].tcpi_options, ti[1].tcpi_options);
	EXPECT_EQ(ti[0].tcpi_rto, ti[1].tcpi_rto);
	EXPECT_EQ(ti[0].tcpi_snd_mss, ti[1].tcpi_snd_mss);
	EXPECT_EQ(ti[0].tcpi_snd_cwnd, ti[1].tcpi_snd_cwnd);
	EXPECT_EQ(ti[0].tcpi_snd_ssthresh, ti[1].tcpi_snd_ssthresh);
	EXPECT_EQ(ti[0].tcpi_reordering, ti[1].tcpi_reordering);
	EXPECT_EQ(ti[0].tcpi_unacked, ti[1].tcpi_unacked);
	EXPECT_EQ(ti[0].tcpi_bytes_acked, ti[1].tcpi_bytes_acked);
	EXPECT_EQ(ti[0].tcpi_segs_out, ti[1].tcpi_segs_out);
	EXPECT_EQ((int)TCP_CLOSE, (int)ti[1].tcpi_state);
}

/* A listener's TCP_INFO: unacked is its accept queue, sacked its backlog. */
TEST(tcp_info_listener)
{
	struct tcp_info ti[2];

	for (int i = 0; i < 2; i++) {
		socklen_t len = sizeof(ti[i]);
		unsigned short port;
		int l = listener(stacks[i], 7, &port);
		int c1 = socket(stacks[i], SOCK_STREAM, 0);
		int c2 = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, l);
		ASSERT_EQ(0, connect_port(c1, port));
		ASSERT_EQ(0, connect_port(c2, port));
		sleep_ms(100);
		ASSERT_EQ(0, getsockopt(l, SOL_TCP, TCP_INFO, &ti[i], &len));
		close(c1);
		close(c2);
		close(l);
	}
	EXPECT_EQ(ti[0].tcpi_state, ti[1].tcpi_state);
	EXPECT_EQ(ti[0].tcpi_unacked, ti[1].tcpi_unacked);
	EXPECT_EQ(ti[0].tcpi_sacked, ti[1].tcpi_sacked);
	EXPECT_EQ(2U, ti[1].tcpi_unacked);
	EXPECT_EQ(7U, ti[1].tcpi_sacked);
}

/* A short buffer gets the head of the structure; a negative length fails. */
TEST(tcp_info_short_buffer)
{
	struct answer a[2], neg[2];

	for (int i = 0; i < 2; i++) {
		struct tcp_info ti;
		socklen_t len = 8;
		int bad = -1, c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		memset(&ti, 0, sizeof(ti));
		a[i].ret = getsockopt(c, SOL_TCP, TCP_INFO, &ti, &len);
		a[i].err = a[i].ret ? errno : 0;
		a[i].val = len * 1000 + ti.tcpi_state + ti.tcpi_rto;
		neg[i].ret = getsockopt(c, SOL_TCP, TCP_INFO, &ti,
					(socklen_t *)&bad);
		neg[i].err = neg[i].ret ? errno : 0;
		neg[i].val = 0;
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("8 bytes", a);
	EXPECT_EQ(8 * 1000 + TCP_ESTABLISHED, a[1].val);
	EXPECT_SAME_ANSWER("length -1", neg);
}

/* Wait until ioctl @cmd of @fd answers @n. */
static int wait_ioctl(int fd, unsigned long cmd, int n)
{
	for (int t = 0; t < WAIT_MS / 10; t++) {
		int q = -1;

		if (ioctl(fd, cmd, &q) == 0 && q == n)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

/* Wait until SIOCINQ of @fd shows @n bytes (the peer's sent them). */
static int wait_inq(int fd, int n)
{
	return wait_ioctl(fd, SIOCINQ, n);
}

/*
 * SIOCINQ counts unread bytes (the peer's FIN not among them),
 * SIOCOUTQ unacknowledged ones, SIOCOUTQNSD unsent ones; a listener
 * refuses them with EINVAL.
 */
TEST(ioctl_queues)
{
	struct answer inq[2], inq_fin[2], outq[2], nsd[2], mark[2];
	struct answer outq_fin[2], nsd_fin[2];
	struct answer l_inq[2], l_outq[2], l_nsd[2], fresh[2];

	for (int i = 0; i < 2; i++) {
		unsigned short port;
		int l = listener(stacks[i], 8, &port);
		int f = socket(stacks[i], SOCK_STREAM, 0);
		int c, s;

		ASSERT_LE(0, l);
		l_inq[i] = ask_ioctl(l, SIOCINQ);
		l_outq[i] = ask_ioctl(l, SIOCOUTQ);
		l_nsd[i] = ask_ioctl(l, SIOCOUTQNSD);
		fresh[i] = ask_ioctl(f, SIOCINQ);
		close(f);
		close(l);

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, write_n(c, 3000));
		ASSERT_EQ(0, wait_inq(s, 3000));
		sleep_ms(100);
		inq[i] = ask_ioctl(s, SIOCINQ);
		outq[i] = ask_ioctl(c, SIOCOUTQ);
		nsd[i] = ask_ioctl(c, SIOCOUTQNSD);
		mark[i] = ask_ioctl(s, SIOCATMARK);
		ASSERT_EQ(0, shutdown(c, SHUT_WR));
		sleep_ms(100);
		inq_fin[i] = ask_ioctl(s, SIOCINQ);
		/* our FIN sent and acknowledged: nothing left either way */
		outq_fin[i] = ask_ioctl(c, SIOCOUTQ);
		nsd_fin[i] = ask_ioctl(c, SIOCOUTQNSD);
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("SIOCINQ", inq);
	EXPECT_EQ(3000, inq[1].val);
	EXPECT_SAME_ANSWER("SIOCINQ after FIN", inq_fin);
	EXPECT_SAME_ANSWER("SIOCOUTQ", outq);
	EXPECT_SAME_ANSWER("SIOCOUTQNSD", nsd);
	EXPECT_SAME_ANSWER("SIOCATMARK", mark);
	EXPECT_SAME_ANSWER("SIOCOUTQ after our FIN", outq_fin);
	EXPECT_SAME_ANSWER("SIOCOUTQNSD after our FIN", nsd_fin);
	EXPECT_SAME_ANSWER("listener SIOCINQ", l_inq);
	EXPECT_SAME_ANSWER("listener SIOCOUTQ", l_outq);
	EXPECT_SAME_ANSWER("listener SIOCOUTQNSD", l_nsd);
	EXPECT_SAME_ANSWER("unconnected SIOCINQ", fresh);
}

/* Bytes the peer has not acknowledged, and those not yet sent. */
TEST(ioctl_outq_against_closed_window)
{
	int unacked[2], unsent[2];

	for (int i = 0; i < 2; i++) {
		int c, s, flags;
		long sent = 0;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		flags = fcntl(c, F_GETFL);
		ASSERT_EQ(0, fcntl(c, F_SETFL, flags | O_NONBLOCK));
		/* The server never reads: its window closes. */
		for (int t = 0; t < 200; t++) {
			char buf[65536] = { 0 };
			ssize_t n = write(c, buf, sizeof(buf));

			if (n > 0)
				sent += n;
			else
				sleep_ms(10);
		}
		ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &unacked[i]));
		ASSERT_EQ(0, ioctl(c, SIOCOUTQNSD, &unsent[i]));
		EXPECT_LT(0, unsent[i]) TH_LOG("%s", stack_name(stacks[i]));
		EXPECT_LE(unsent[i], unacked[i]);
		EXPECT_LT(unacked[i], sent);
		close(c);
		close(s);
	}
}

/*
 * TCP_MAXSEG: 536 before a connection (Linux's default MSS), a user's
 * value read back before connecting, and the segment size both ends end
 * up with when the client set it.
 */
static void maxseg_1000(int fd)
{
	set_int(fd, SOL_TCP, TCP_MAXSEG, 1000);
}

TEST(maxseg)
{
	struct answer dflt[2], small[2], big[2], set[2], cli[2], srv[2];

	for (int i = 0; i < 2; i++) {
		int fd = socket(stacks[i], SOCK_STREAM, 0);
		int c, s;

		ASSERT_LE(0, fd);
		dflt[i] = ask_int(fd, SOL_TCP, TCP_MAXSEG);
		small[i] = tell_int(fd, SOL_TCP, TCP_MAXSEG, 20);
		big[i] = tell_int(fd, SOL_TCP, TCP_MAXSEG, 70000);
		set[i] = tell_int(fd, SOL_TCP, TCP_MAXSEG, 1000);
		close(fd);

		ASSERT_EQ(0, pair_prep(stacks[i], &c, &s, maxseg_1000));
		cli[i] = ask_int(c, SOL_TCP, TCP_MAXSEG);
		srv[i] = ask_int(s, SOL_TCP, TCP_MAXSEG);
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("default", dflt);
	EXPECT_EQ(536, dflt[1].val);
	EXPECT_SAME_ANSWER("20", small);
	EXPECT_SAME_ANSWER("70000", big);
	EXPECT_SAME_ANSWER("1000", set);
	EXPECT_SAME_ANSWER("client's MSS", cli);
	EXPECT_SAME_ANSWER("server's MSS", srv);
}

static void clamp_5000(int fd)
{
	set_int(fd, SOL_TCP, TCP_WINDOW_CLAMP, 5000);
}

/*
 * TCP_WINDOW_CLAMP: the most window we offer. Before a connection any
 * value is taken (at least SOCK_MIN_RCVBUF / 2) and 0 clears it; once
 * connected 0 is EINVAL. A client clamped to 5000 offers no window
 * scaling beyond what 5000 needs (shift 0), and its handshake offers
 * the server no more than 5000 bytes of window. (Linux 6.12 lets the
 * clamp go at the first data, tcp_measure_rcv_mss() resetting it from
 * the buffer; xtcp keeps it, so no check follows data.)
 */
TEST(window_clamp)
{
	struct answer dflt[2], tiny[2], zero[2], neg[2], set[2], conn[2];
	struct answer cleared[2];
	int wscale[2], wnd_ok[2];

	for (int i = 0; i < 2; i++) {
		int fd = socket(stacks[i], SOCK_STREAM, 0);
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		int c, s;

		ASSERT_LE(0, fd);
		dflt[i] = ask_int(fd, SOL_TCP, TCP_WINDOW_CLAMP);
		tiny[i] = tell_int(fd, SOL_TCP, TCP_WINDOW_CLAMP, 100);
		zero[i] = tell_int(fd, SOL_TCP, TCP_WINDOW_CLAMP, 0);
		neg[i] = tell_int(fd, SOL_TCP, TCP_WINDOW_CLAMP, -1);
		set[i] = tell_int(fd, SOL_TCP, TCP_WINDOW_CLAMP, 5000);
		close(fd);

		ASSERT_EQ(0, pair_prep(stacks[i], &c, &s, clamp_5000));
		conn[i] = ask_int(c, SOL_TCP, TCP_WINDOW_CLAMP);
		cleared[i] = tell_int(c, SOL_TCP, TCP_WINDOW_CLAMP, 0);
		ASSERT_EQ(0, getsockopt(c, SOL_TCP, TCP_INFO, &ti, &len));
		wscale[i] = ti.tcpi_rcv_wscale;
		len = sizeof(ti);
		ASSERT_EQ(0, getsockopt(s, SOL_TCP, TCP_INFO, &ti, &len));
		wnd_ok[i] = ti.tcpi_snd_wnd > 0 && ti.tcpi_snd_wnd <= 5000;
		TH_LOG("%s: client's shift %d, server sees window %u",
		       stack_name(stacks[i]), wscale[i], ti.tcpi_snd_wnd);
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("unset", dflt);
	EXPECT_SAME_ANSWER("100", tiny);
	EXPECT_SAME_ANSWER("0 before connect", zero);
	EXPECT_SAME_ANSWER("-1", neg);
	EXPECT_SAME_ANSWER("5000", set);
	EXPECT_SAME_ANSWER("connected, clamped", conn);
	EXPECT_SAME_ANSWER("0 once connected", cleared);
	EXPECT_EQ(wscale[0], wscale[1]);
	EXPECT_TRUE(wnd_ok[0]);
	EXPECT_TRUE(wnd_ok[1]);
}

/* TCP_SYNCNT: 1..127, the namespace's syn_retries until set. */
TEST(syncnt)
{
	struct answer dflt[2], zero[2], over[2], three[2];

	for (int i = 0; i < 2; i++) {
		int fd = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, fd);
		dflt[i] = ask_int(fd, SOL_TCP, TCP_SYNCNT);
		zero[i] = tell_int(fd, SOL_TCP, TCP_SYNCNT, 0);
		over[i] = tell_int(fd, SOL_TCP, TCP_SYNCNT, 128);
		three[i] = tell_int(fd, SOL_TCP, TCP_SYNCNT, 3);
		close(fd);
	}
	EXPECT_SAME_ANSWER("default", dflt);
	EXPECT_SAME_ANSWER("0", zero);
	EXPECT_SAME_ANSWER("128", over);
	EXPECT_SAME_ANSWER("3", three);
}

/*
 * TCP_SYNCNT's effect: a SYN no one answers (sent into a veth whose peer
 * has no address) is resent until the time that many doubling timeouts
 * take has passed, so connect() fails with ETIMEDOUT after 1 + 2 s at
 * TCP_SYNCNT 1 (two SYNs resent, Linux 6.12's first timeouts being
 * linear), on both stacks alike.
 */
TEST(syncnt_gives_up)
{
	double took[2];
	int err[2];

	ASSERT_EQ(0, system("ip link add xso0 type veth peer name xso1"));
	ASSERT_EQ(0, system("ip addr add 198.51.100.1/24 dev xso0"));
	ASSERT_EQ(0, system("ip link set xso0 up && ip link set xso1 up"));
	/* A neighbour that never answers: no ARP failure cuts it short */
	ASSERT_EQ(0, system("ip neigh replace 198.51.100.2 dev xso0 lladdr 02:00:00:00:00:02"));
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = loopback(9);
		struct timespec t0, t1;
		int fd = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, set_int(fd, SOL_TCP, TCP_SYNCNT, 1));
		a.sin_addr.s_addr = htonl(0xc6336402);	/* 198.51.100.2 */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
		err[i] = errno;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		took[i] = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		close(fd);
	}
	EXPECT_EQ(0, system("ip link del xso0"));
	EXPECT_EQ(ETIMEDOUT, err[0]);
	EXPECT_EQ(err[0], err[1]);
	TH_LOG("connect() gave up after %.2f s (tcp), %.2f s (xtcp)",
	       took[0], took[1]);
	EXPECT_LT(2.5, took[0]);
	EXPECT_GT(4.5, took[0]);
	EXPECT_LT(2.5, took[1]);
	EXPECT_GT(4.5, took[1]);
}

/* TCP_LINGER2: seconds in FIN-WAIT-2; -1 none; capped at 120. */
TEST(linger2)
{
	struct answer dflt[2], off[2], thirty[2], big[2], zero[2];

	for (int i = 0; i < 2; i++) {
		int fd = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, fd);
		dflt[i] = ask_int(fd, SOL_TCP, TCP_LINGER2);
		off[i] = tell_int(fd, SOL_TCP, TCP_LINGER2, -1);
		thirty[i] = tell_int(fd, SOL_TCP, TCP_LINGER2, 30);
		big[i] = tell_int(fd, SOL_TCP, TCP_LINGER2, 1000);
		zero[i] = tell_int(fd, SOL_TCP, TCP_LINGER2, 0);
		close(fd);
	}
	EXPECT_SAME_ANSWER("default", dflt);
	EXPECT_SAME_ANSWER("-1", off);
	EXPECT_SAME_ANSWER("30", thirty);
	EXPECT_SAME_ANSWER("1000", big);
	EXPECT_SAME_ANSWER("0", zero);
}

/* The state of @fd, from TCP_INFO. */
static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

/*
 * TCP_LINGER2 -1: an orphan does not wait in FIN-WAIT-2 but resets, so
 * the peer leaves CLOSE-WAIT at once: when close() finds the socket in
 * FIN-WAIT-2 (after shutdown()), and when the ACK of the FIN close()
 * sent arrives.
 */
TEST(linger2_off_resets)
{
	int after_close[2][2];

	for (int i = 0; i < 2; i++) {
		for (int shut = 0; shut < 2; shut++) {
			int c, s;

			ASSERT_EQ(0, pair(stacks[i], &c, &s));
			ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_LINGER2, -1));
			if (shut) {
				ASSERT_EQ(0, shutdown(c, SHUT_WR));
				sleep_ms(100);
			}
			close(c);
			sleep_ms(200);
			after_close[i][shut] = tcp_state(s);
			close(s);
		}
	}
	EXPECT_EQ(TCP_CLOSE, after_close[0][0]);
	EXPECT_EQ(after_close[0][0], after_close[1][0]);
	EXPECT_EQ(TCP_CLOSE, after_close[0][1]);
	EXPECT_EQ(after_close[0][1], after_close[1][1]);
}

/*
 * TCP_NODELAY set on a corked socket sends the partial segment cork held
 * back at once (tcp(7): "If set, ... data is flushed"); cork stays on.
 */
TEST(nodelay_flushes_cork)
{
	struct answer held[2], flushed[2];

	for (int i = 0; i < 2; i++) {
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_CORK, 1));
		ASSERT_EQ(0, write_n(c, 100));
		sleep_ms(50);
		held[i] = ask_ioctl(s, SIOCINQ);
		ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_NODELAY, 1));
		sleep_ms(30);
		flushed[i] = ask_ioctl(s, SIOCINQ);
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("corked", held);
	EXPECT_EQ(0, held[1].val);
	EXPECT_SAME_ANSWER("after TCP_NODELAY", flushed);
	EXPECT_EQ(100, flushed[1].val);
}

/*
 * MSG_MORE holds a short segment back as TCP_CORK does, for that call:
 * the next write without it sends both together.
 */
TEST(msg_more)
{
	struct answer held[2], sent[2];
	struct tcp_info ti[2];

	for (int i = 0; i < 2; i++) {
		char buf[150] = { 0 };
		socklen_t len = sizeof(ti[i]);
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(100, send(c, buf, 100, MSG_MORE));
		sleep_ms(50);
		held[i] = ask_ioctl(s, SIOCINQ);
		ASSERT_EQ(50, send(c, buf, 50, 0));
		sleep_ms(50);
		sent[i] = ask_ioctl(s, SIOCINQ);
		ASSERT_EQ(0, getsockopt(s, SOL_TCP, TCP_INFO, &ti[i], &len));
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("after MSG_MORE", held);
	EXPECT_EQ(0, held[1].val);
	EXPECT_SAME_ANSWER("after the next write", sent);
	EXPECT_EQ(150, sent[1].val);
	EXPECT_EQ(ti[0].tcpi_data_segs_in, ti[1].tcpi_data_segs_in);
	EXPECT_EQ(1U, ti[1].tcpi_data_segs_in);
}

/*
 * MSG_EOR ends a record: what is written after it never shares a segment
 * with it, even when cork held both back.
 */
TEST(msg_eor)
{
	unsigned int segs[2];

	for (int i = 0; i < 2; i++) {
		char buf[100] = { 0 };
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_CORK, 1));
		ASSERT_EQ(100, send(c, buf, 100, MSG_EOR));
		ASSERT_EQ(100, send(c, buf, 100, 0));
		ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_CORK, 0));
		ASSERT_EQ(0, wait_inq(s, 200));
		ASSERT_EQ(0, getsockopt(s, SOL_TCP, TCP_INFO, &ti, &len));
		segs[i] = ti.tcpi_data_segs_in;
		close(c);
		close(s);
	}
	EXPECT_EQ(segs[0], segs[1]);
	EXPECT_EQ(2U, segs[1]);
}

/*
 * A record that fills xtcp's send buffer chunk (16064 bytes) exactly, to
 * a peer that ACKs at once (the kernel's TCP at a connection's start):
 * the ACK may free the chunk while the write is still marking it as the
 * record's end. Each write must just succeed, ten times over.
 */
TEST(msg_eor_full_chunk_acked_at_once)
{
	static char buf[16064];
	unsigned short port;
	int l = listener(AF_INET, 16, &port);

	ASSERT_LE(0, l);
	for (int n = 0; n < 10; n++) {
		int c = socket(AF_XTCP, SOCK_STREAM, 0), s;

		ASSERT_EQ(0, connect_port(c, port));
		s = accept(l, NULL, NULL);
		ASSERT_LE(0, s);
		EXPECT_EQ((ssize_t)sizeof(buf), send(c, buf, sizeof(buf), MSG_EOR));
		ASSERT_EQ(0, read_n(s, sizeof(buf)));
		close(c);
		close(s);
	}
	close(l);
}

/*
 * A small record, acknowledged, then more: with a small send buffer the
 * next write must go, not wait for room that only an ACK would free.
 */
TEST(msg_eor_then_small_sndbuf)
{
	ssize_t got[2];

	for (int i = 0; i < 2; i++) {
		struct timeval tv = { 1, 0 };
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, set_int(c, SOL_SOCKET, SO_SNDBUF, 4096));
		ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv,
					sizeof(tv)));
		ASSERT_EQ(1, send(c, "a", 1, MSG_EOR));
		ASSERT_EQ(0, read_n(s, 1));
		sleep_ms(100);
		got[i] = send(c, "b", 1, 0);
		close(c);
		close(s);
	}
	EXPECT_EQ(got[0], got[1]);
	EXPECT_EQ(1, got[1]);
}

/* TCP_CONGESTION: each stack names its algorithm; "reno" is everywhere. */
TEST(congestion)
{
	char name[2][TCP_CA_NAME_MAX], renoed[2][TCP_CA_NAME_MAX];
	int nosuch[2], reno[2];

	for (int i = 0; i < 2; i++) {
		socklen_t len = sizeof(name[i]);
		int fd = socket(stacks[i], SOCK_STREAM, 0);

		ASSERT_LE(0, fd);
		memset(name[i], 0, sizeof(name[i]));
		ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_CONGESTION, name[i],
					&len));
		nosuch[i] = setsockopt(fd, SOL_TCP, TCP_CONGESTION, "nosuch",
				       6) ? errno : 0;
		reno[i] = setsockopt(fd, SOL_TCP, TCP_CONGESTION, "reno", 4) ?
			  errno : 0;
		len = sizeof(renoed[i]);
		memset(renoed[i], 0, sizeof(renoed[i]));
		ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_CONGESTION, renoed[i],
					&len));
		close(fd);
	}
	TH_LOG("tcp uses %s, xtcp %s", name[0], name[1]);
	EXPECT_STREQ("reno", name[1]);
	EXPECT_EQ(nosuch[0], nosuch[1]);
	EXPECT_EQ(ENOENT, nosuch[1]);
	EXPECT_EQ(reno[0], reno[1]);
	EXPECT_STREQ(renoed[0], renoed[1]);
}

/*
 * SO_RCVLOWAT: poll() says readable only once that many bytes wait, and
 * a blocking read waits for them.
 */
TEST(rcvlowat)
{
	short before[2], after[2];
	ssize_t got[2];

	for (int i = 0; i < 2; i++) {
		struct pollfd p;
		char buf[200];
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, set_int(s, SOL_SOCKET, SO_RCVLOWAT, 100));
		ASSERT_EQ(0, write_n(c, 50));
		ASSERT_EQ(0, wait_inq(s, 50));
		p = (struct pollfd){ .fd = s, .events = POLLIN };
		before[i] = poll(&p, 1, 100) > 0 ? p.revents : 0;
		ASSERT_EQ(0, write_n(c, 60));
		ASSERT_EQ(0, wait_inq(s, 110));
		p = (struct pollfd){ .fd = s, .events = POLLIN };
		after[i] = poll(&p, 1, 100) > 0 ? p.revents : 0;
		got[i] = read(s, buf, sizeof(buf));
		close(c);
		close(s);
	}
	EXPECT_EQ(before[0], before[1]);
	EXPECT_EQ(0, before[1]);
	EXPECT_EQ(after[0], after[1]);
	EXPECT_EQ(got[0], got[1]);
}

/*
 * A blocking read with SO_RCVLOWAT returns what there is when SO_RCVTIMEO
 * ends; woken by that many new bytes, it returns all it has.
 */
TEST(rcvlowat_read_waits)
{
	ssize_t short_read[2], full_read[2];
	double waited[2];

	for (int i = 0; i < 2; i++) {
		struct timeval tv = { 0, 300000 };
		struct timespec t0, t1;
		char buf[400];
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		ASSERT_EQ(0, set_int(s, SOL_SOCKET, SO_RCVLOWAT, 100));
		ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
					sizeof(tv)));
		ASSERT_EQ(0, write_n(c, 50));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		short_read[i] = read(s, buf, sizeof(buf));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		waited[i] = t1.tv_sec - t0.tv_sec +
			    (t1.tv_nsec - t0.tv_nsec) / 1e9;

		ASSERT_EQ(0, write_n(c, 50));
		if (fork() == 0) {
			sleep_ms(100);
			write_n(c, 100);
			_exit(0);
		}
		full_read[i] = read(s, buf, sizeof(buf));
		wait(NULL);
		close(c);
		close(s);
	}
	EXPECT_EQ(short_read[0], short_read[1]);
	EXPECT_EQ(50, short_read[1]);
	EXPECT_LT(0.25, waited[0]);
	EXPECT_LT(0.25, waited[1]);
	EXPECT_EQ(full_read[0], full_read[1]);
	EXPECT_EQ(150, full_read[1]);
}

/* A receive buffer the application fixed (SO_RCVBUF locks it). */
static void rcvbuf_16k(int fd)
{
	set_int(fd, SOL_SOCKET, SO_RCVBUF, 16384);
}

/*
 * SO_RCVLOWAT beyond what the window can bring: with a locked receive
 * buffer it is capped at half of it; with a growing one the buffer grows
 * to fit. Either way poll() reports the data once the peer can send no
 * more, never waiting for ever.
 */
TEST(rcvlowat_beyond_window)
{
	struct answer capped[2], grown[2];
	short ready[2][2];

	for (int i = 0; i < 2; i++) {
		for (int locked = 0; locked < 2; locked++) {
			struct pollfd p;
			int c, s;

			ASSERT_EQ(0, pair(stacks[i], &c, &s));
			if (locked)
				rcvbuf_16k(s);
			ASSERT_EQ(0, set_int(s, SOL_SOCKET, SO_RCVLOWAT, 80000));
			(locked ? capped : grown)[i] =
				ask_int(s, SOL_SOCKET, SO_RCVLOWAT);
			ASSERT_EQ(0, fcntl(c, F_SETFL, O_NONBLOCK));
			for (int t = 0; t < 100; t++) {
				char buf[4096] = { 0 };

				if (write(c, buf, sizeof(buf)) < 0)
					sleep_ms(10);
			}
			p = (struct pollfd){ .fd = s, .events = POLLIN };
			ready[i][locked] = poll(&p, 1, 3000) > 0 ? p.revents : 0;
			close(c);
			close(s);
		}
	}
	EXPECT_SAME_ANSWER("locked 16 KiB buffer", capped);
	EXPECT_SAME_ANSWER("growing buffer", grown);
	EXPECT_EQ(ready[0][0], ready[1][0]);
	EXPECT_EQ(POLLIN, ready[1][0]);
	EXPECT_EQ(ready[0][1], ready[1][1]);
	EXPECT_EQ(POLLIN, ready[1][1]);
}

/*
 * TCP_NOTSENT_LOWAT: the socket is writable only while fewer unsent
 * bytes than that are queued, whatever room the send buffer has.
 */
TEST(notsent_lowat)
{
	struct answer set[2];
	short full[2], drained[2];

	for (int i = 0; i < 2; i++) {
		struct pollfd p;
		int c, s, flags;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		set[i] = tell_int(c, SOL_TCP, TCP_NOTSENT_LOWAT, 4096);
		flags = fcntl(c, F_GETFL);
		ASSERT_EQ(0, fcntl(c, F_SETFL, flags | O_NONBLOCK));
		/* Fill the peer's window: EAGAIN for 200 ms on end. */
		for (int t = 0, again = 0; t < 2000 && again < 10; t++) {
			char buf[65536] = { 0 };

			if (write(c, buf, sizeof(buf)) > 0) {
				again = 0;
				continue;
			}
			ASSERT_EQ(EAGAIN, errno);
			again++;
			sleep_ms(20);
		}
		p = (struct pollfd){ .fd = c, .events = POLLOUT };
		full[i] = poll(&p, 1, 0) > 0 ? p.revents : 0;
		/* The server reads it all: the queue drains. */
		ASSERT_EQ(0, fcntl(s, F_SETFL, O_NONBLOCK));
		for (int t = 0; t < 500; t++) {
			char buf[65536];
			int nsd = 0;

			while (read(s, buf, sizeof(buf)) > 0)
				;
			if (!ioctl(c, SIOCOUTQNSD, &nsd) && !nsd)
				break;
			sleep_ms(10);
		}
		p = (struct pollfd){ .fd = c, .events = POLLOUT };
		drained[i] = poll(&p, 1, 1000) > 0 ? p.revents : 0;
		close(c);
		close(s);
	}
	EXPECT_SAME_ANSWER("4096", set);
	EXPECT_EQ(full[0], full[1]);
	EXPECT_EQ(0, full[1]);
	EXPECT_EQ(drained[0], drained[1]);
	EXPECT_EQ(POLLOUT, drained[1]);
}

/*
 * A listener's TCP_NOTSENT_LOWAT is its children's: a child that gets
 * data before accept() has no struct socket yet, and must take it.
 */
TEST(notsent_lowat_child_before_accept)
{
	struct answer inherited[2];

	for (int i = 0; i < 2; i++) {
		unsigned short port;
		int l = listener(stacks[i], 8, &port);
		int c = socket(stacks[i], SOCK_STREAM, 0), s;

		ASSERT_LE(0, l);
		ASSERT_EQ(0, set_int(l, SOL_TCP, TCP_NOTSENT_LOWAT, 4096));
		ASSERT_EQ(0, connect_port(c, port));
		ASSERT_EQ(0, write_n(c, 1000));
		sleep_ms(100);		/* data at the child, not yet accepted */
		s = accept(l, NULL, NULL);
		ASSERT_LE(0, s);
		inherited[i] = ask_int(s, SOL_TCP, TCP_NOTSENT_LOWAT);
		ASSERT_EQ(0, read_n(s, 1000));
		close(c);
		close(s);
		close(l);
	}
	EXPECT_SAME_ANSWER("the child's", inherited);
}

/* TCP_INQ: each read's control message says how many bytes remain. */
TEST(inq_cmsg)
{
	int left[2], set[2], after[2];

	for (int i = 0; i < 2; i++) {
		char buf[100], ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		struct cmsghdr *cm;
		int c, s;

		ASSERT_EQ(0, pair(stacks[i], &c, &s));
		set[i] = tell_int(s, SOL_TCP, TCP_INQ, 1).val;
		ASSERT_EQ(0, write_n(c, 300));
		ASSERT_EQ(0, wait_inq(s, 300));
		ASSERT_EQ(100, recvmsg(s, &m, 0));
		cm = CMSG_FIRSTHDR(&m);
		left[i] = -1;
		if (cm && cm->cmsg_level == SOL_TCP &&
		    cm->cmsg_type == TCP_CM_INQ)
			memcpy(&left[i], CMSG_DATA(cm), sizeof(int));
		after[i] = tell_int(s, SOL_TCP, TCP_INQ, 0).val;
		close(c);
		close(s);
	}
	EXPECT_EQ(set[0], set[1]);
	EXPECT_EQ(200, left[0]);
	EXPECT_EQ(left[0], left[1]);
	EXPECT_EQ(after[0], after[1]);
}

/*
 * TCP_DEFER_ACCEPT: seconds in, the SYN-ACK retransmissions covering them
 * kept, those retransmissions' seconds out (secs_to_retrans() and
 * retrans_to_secs() of Linux, from a 1 s initial RTO).
 */
TEST(defer_accept)
{
	static const int vals[] = { 0, 1, 2, 3, 5, 10, 60, 200, 100000, -1 };
	struct answer dflt[2], got[ARRAY_SIZE(vals)][2];

	for (int i = 0; i < 2; i++) {
		unsigned short port;
		int fd = listener(stacks[i], 4, &port);

		ASSERT_LE(0, fd);
		dflt[i] = ask_int(fd, SOL_TCP, TCP_DEFER_ACCEPT);
		for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
			got[v][i] = tell_int(fd, SOL_TCP, TCP_DEFER_ACCEPT, vals[v]);
		close(fd);
	}
	EXPECT_SAME_ANSWER("default", dflt);
	for (size_t v = 0; v < ARRAY_SIZE(vals); v++) {
		char what[32];

		snprintf(what, sizeof(what), "%d s", vals[v]);
		EXPECT_SAME_ANSWER(what, got[v]);
	}
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - t0->tv_sec + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * TCP_DEFER_ACCEPT 3 (two SYN-ACK timeouts, 1 + 2 s): a connection whose
 * client sends data is accepted with its data; one whose client only
 * completes the handshake is not accepted until the deferral is over
 * (the SYN-ACK resent at 3 s draws an ACK that completes it), on both
 * stacks alike.
 */
TEST(defer_accept_waits_for_data)
{
	int early[2], with_data[2], late[2], got[2];
	double when[2];

	for (int i = 0; i < 2; i++) {
		struct pollfd p = { .events = POLLIN };
		struct timespec t0;
		unsigned short port;
		int lfd = listener(stacks[i], 4, &port), c, s;
		char b = 0;

		ASSERT_LE(0, lfd);
		ASSERT_EQ(0, set_int(lfd, SOL_TCP, TCP_DEFER_ACCEPT, 3));
		p.fd = lfd;
		/* data: accepted as soon as it comes, with it */
		c = socket(stacks[i], SOCK_STREAM, 0);
		ASSERT_EQ(0, connect_port(c, port));
		early[i] = poll(&p, 1, 500);
		ASSERT_EQ(1, write(c, "x", 1));
		with_data[i] = poll(&p, 1, 1000);
		s = accept(lfd, NULL, NULL);
		got[i] = s >= 0 ? (int)recv(s, &b, 1, MSG_DONTWAIT) : -1;
		close(s);
		close(c);
		/* no data: accepted once the deferral is over */
		c = socket(stacks[i], SOCK_STREAM, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, connect_port(c, port));
		late[i] = poll(&p, 1, 8000);
		when[i] = since(&t0);
		s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		EXPECT_LE(0, s) TH_LOG("%s: accept: %s", stack_name(stacks[i]), strerror(errno));
		close(s);
		close(c);
		close(lfd);
	}
	TH_LOG("accepted without data after %.2f s (tcp), %.2f s (xtcp)",
	       when[0], when[1]);
	for (int i = 0; i < 2; i++) {
		const char *name = stack_name(stacks[i]);

		EXPECT_EQ(0, early[i]) TH_LOG("%s: ready before data", name);
		EXPECT_EQ(1, with_data[i]) TH_LOG("%s: not ready with data", name);
		EXPECT_EQ(1, got[i]) TH_LOG("%s: no data at accept", name);
		EXPECT_EQ(1, late[i]) TH_LOG("%s: never accepted", name);
		EXPECT_LT(2.5, when[i]) TH_LOG("%s: accepted too soon", name);
		EXPECT_GT(6.0, when[i]);
	}
}

/*
 * accept() on @fd[0] and @fd[1] (-1: none; non-blocking listeners) until
 * @want connections came, or WAIT_MS passed; how many each gave in @got.
 */
static void accept_from(const int *fd, int want, int *got)
{
	struct timespec t0, t;

	got[0] = 0;
	got[1] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 2; i++) {
			int s = fd[i] < 0 ? -1 : accept4(fd[i], NULL, NULL, SOCK_NONBLOCK);

			if (s >= 0) {
				close(s);
				got[i]++;
			}
		}
		if (got[0] + got[1] >= want)
			return;
		sleep_ms(10);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < WAIT_MS);
}

/*
 * A non-blocking socket of @family with SO_REUSEPORT @on, bound to
 * loopback @port.
 */
static int reuseport_bound(int family, int on, unsigned short port, int *err)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(family, SOCK_STREAM, 0);

	*err = 0;
	if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) ||
	    set_int(fd, SOL_SOCKET, SO_REUSEPORT, on) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * SO_REUSEPORT: two listeners of one owner share a port when both set it;
 * one without it gets EADDRINUSE, and so does the other stack even with
 * it; connections are spread over both listeners, each accepted once;
 * once one listener closes, the other takes every new connection. The
 * same on both stacks.
 */
TEST(reuseport)
{
	int second[2], third[2], other[2], got_a[2], got_b[2], after[2];
	int clients[50];

	for (int i = 0; i < 2; i++) {
		struct sockaddr_in addr;
		socklen_t len = sizeof(addr);
		unsigned short port;
		int a, b, x, err, fds[2], got[2];

		a = reuseport_bound(stacks[i], 1, 0, &err);
		ASSERT_LE(0, a) TH_LOG("%s: %s", stack_name(stacks[i]), strerror(err));
		ASSERT_EQ(0, listen(a, 64));
		ASSERT_EQ(0, getsockname(a, (struct sockaddr *)&addr, &len));
		port = ntohs(addr.sin_port);
		b = reuseport_bound(stacks[i], 1, port, &second[i]);
		if (b >= 0)
			second[i] = listen(b, 64) ? errno : 0;
		x = reuseport_bound(stacks[i], 0, port, &third[i]);
		if (x >= 0)
			close(x);
		x = reuseport_bound(stacks[1 - i], 1, port, &other[i]);
		if (x >= 0)
			close(x);
		for (int c = 0; c < 40; c++) {
			clients[c] = socket(stacks[i], SOCK_STREAM, 0);
			ASSERT_EQ(0, connect_port(clients[c], port));
		}
		fds[0] = a;
		fds[1] = b;
		accept_from(fds, 40, got);
		got_a[i] = got[0];
		got_b[i] = got[1];
		close(a);
		for (int c = 40; c < 50; c++) {
			clients[c] = socket(stacks[i], SOCK_STREAM, 0);
			EXPECT_EQ(0, connect_port(clients[c], port));
		}
		fds[0] = -1;
		accept_from(fds, 10, got);
		after[i] = got[1];
		for (int c = 0; c < 50; c++)
			close(clients[c]);
		if (b >= 0)
			close(b);
	}
	TH_LOG("40 connections: %d and %d (tcp), %d and %d (xtcp)",
	       got_a[0], got_b[0], got_a[1], got_b[1]);
	for (int i = 0; i < 2; i++) {
		const char *name = stack_name(stacks[i]);

		EXPECT_EQ(0, second[i]) TH_LOG("%s: second: %s", name, strerror(second[i]));
		EXPECT_EQ(EADDRINUSE, third[i]) TH_LOG("%s: without it", name);
		EXPECT_EQ(EADDRINUSE, other[i]) TH_LOG("%s: the other stack", name);
		EXPECT_EQ(40, got_a[i] + got_b[i]) TH_LOG("%s", name);
		EXPECT_LT(0, got_a[i]) TH_LOG("%s: none to the first", name);
		EXPECT_LT(0, got_b[i]) TH_LOG("%s: none to the second", name);
		EXPECT_EQ(10, after[i]) TH_LOG("%s: after a close", name);
	}
}

/*
 * Urgent data (RFC 9293 3.8.5, MUST-30..33 and MUST-62) as Linux's TCP
 * presents it: the sender's MSG_OOB byte is marked by the urgent
 * pointer; the receiver gets SIGURG and POLLPRI, a read stops at the
 * mark (SIOCATMARK), and the byte is read apart with MSG_OOB, or in line
 * with SO_OOBINLINE. Every pairing of the two stacks, so the urgent
 * pointer on the wire is each one's as the other reads it.
 */

/* Wait until SIOCOUTQ of @fd is @n: the peer has acknowledged the rest. */
static int wait_outq(int fd, int n)
{
	return wait_ioctl(fd, SIOCOUTQ, n);
}

/* Client and server stacks: each reads the other's urgent pointer. */
static const int pairing[4][2] = {
	{ AF_INET, AF_INET }, { AF_XTCP, AF_XTCP },
	{ AF_INET, AF_XTCP }, { AF_XTCP, AF_INET },
};

/* SIGURG blocked: it stays pending until taken (sigtimedwait()). */
static sigset_t sigurg_blocked(void)
{
	sigset_t urg;

	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigprocmask(SIG_BLOCK, &urg, NULL);
	return urg;
}

/* Whether SIGURG (blocked) is pending; takes it. */
static int urg_signal_taken(void)
{
	struct timespec now = { 0 };
	sigset_t urg = sigurg_blocked();

	return sigtimedwait(&urg, NULL, &now) == SIGURG;
}

/*
 * A connection from a @cf client to an @sf server whose SIGURG comes to
 * this process; the listener's SO_RCVBUF @rcvbuf if not 0.
 */
static int urg_pair(int cf, int sf, int rcvbuf, int *c, int *s)
{
	unsigned short port;
	int l = listener(sf, 8, &port);

	*c = *s = -1;
	if (l < 0)
		return -1;
	if (rcvbuf)
		set_int(l, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	*c = socket(cf, SOCK_STREAM, 0);
	if (*c < 0 || connect_port(*c, port)) {
		close(l);
		return -1;
	}
	*s = accept(l, NULL, NULL);
	close(l);
	return *s < 0 || fcntl(*s, F_SETOWN, getpid()) ? -1 : 0;
}

struct urg_seen {
	int pri;		/* poll() showed POLLPRI */
	int sigurg;		/* SIGURG came (blocked: pending) */
	int inq;		/* SIOCINQ: up to the mark, unless in line */
	int mark_before;	/* SIOCATMARK before any read */
	char first[8];		/* the first read stops at the mark */
	int mark_at;		/* SIOCATMARK there */
	int oob, oob_err;	/* recv(MSG_OOB): its byte, or -errno */
	int again_err;		/* a second recv(MSG_OOB): errno */
	char rest[8];		/* what the next reads give */
};

enum urg_how { URG_READ_OOB, URG_SKIP_OOB, URG_INLINE };

/* "abc", "X" with MSG_OOB, "def" from a @cf client to an @sf server. */
static int urgent_run(int cf, int sf, enum urg_how how, struct urg_seen *u)
{
	struct pollfd p = { .events = POLLPRI };
	int c, s, on = 1;
	char b;
	ssize_t n;

	memset(u, 0, sizeof(*u));
	if (urg_pair(cf, sf, 0, &c, &s))
		return -1;
	if (how == URG_INLINE)
		setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	urg_signal_taken();
	if (send(c, "abc", 3, 0) != 3 || send(c, "X", 1, MSG_OOB) != 1 ||
	    send(c, "def", 3, 0) != 3 || wait_outq(c, 0))
		return -1;
	ioctl(s, SIOCINQ, &u->inq);
	p.fd = s;
	u->pri = poll(&p, 1, 1000) == 1 && (p.revents & POLLPRI);
	u->sigurg = urg_signal_taken();
	ioctl(s, SIOCATMARK, &u->mark_before);
	n = recv(s, u->first, sizeof(u->first) - 1, MSG_DONTWAIT);
	ioctl(s, SIOCATMARK, &u->mark_at);
	if (how != URG_SKIP_OOB) {
		n = recv(s, &b, 1, MSG_OOB);
		u->oob = n == 1 ? b : -errno;
		u->again_err = recv(s, &b, 1, MSG_OOB) < 0 ? errno : 0;
	}
	for (size_t got = 0; got < sizeof(u->rest) - 1; got += n) {
		n = recv(s, u->rest + got, sizeof(u->rest) - 1 - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
	}
	if (how == URG_SKIP_OOB)
		u->again_err = recv(s, &b, 1, MSG_OOB) < 0 ? errno : 0;
	close(c);
	close(s);
	return 0;
}

static void urgent_case(struct __test_metadata *_metadata, enum urg_how how,
			const struct urg_seen *want)
{
	sigurg_blocked();

	for (int i = 0; i < 4; i++) {
		const char *cn = stack_name(pairing[i][0]);
		const char *sn = stack_name(pairing[i][1]);
		struct urg_seen u;

		ASSERT_EQ(0, urgent_run(pairing[i][0], pairing[i][1], how, &u))
			TH_LOG("%s -> %s: %s", cn, sn, strerror(errno));
		TH_LOG("%s -> %s: SIOCINQ %d, POLLPRI %d, SIGURG %d, mark %d, read \"%s\"",
		       cn, sn, u.inq, u.pri, u.sigurg, u.mark_before, u.first);
		TH_LOG("%s -> %s: then mark %d, MSG_OOB %d, again %s, then \"%s\"",
		       cn, sn, u.mark_at, u.oob, strerror(u.again_err), u.rest);
		EXPECT_EQ(want->pri, u.pri) TH_LOG("%s -> %s: POLLPRI", cn, sn);
		EXPECT_LE(1, u.sigurg) TH_LOG("%s -> %s: no SIGURG", cn, sn);
		EXPECT_EQ(want->inq, u.inq);
		EXPECT_EQ(want->mark_before, u.mark_before);
		EXPECT_STREQ(want->first, u.first);
		EXPECT_EQ(want->mark_at, u.mark_at);
		EXPECT_EQ(want->oob, u.oob);
		EXPECT_EQ(want->again_err, u.again_err);
		EXPECT_STREQ(want->rest, u.rest);
	}
}

TEST(urgent_oob)
{
	struct urg_seen want = {
		.inq = 3, .pri = 1, .mark_before = 0, .first = "abc", .mark_at = 1,
		.oob = 'X', .again_err = EINVAL, .rest = "def",
	};

	urgent_case(_metadata, URG_READ_OOB, &want);
}

/* Read past the mark without MSG_OOB: the urgent byte is not in line. */
TEST(urgent_oob_unread)
{
	struct urg_seen want = {
		.inq = 3, .pri = 1, .mark_before = 0, .first = "abc", .mark_at = 1,
		.again_err = EINVAL, .rest = "def",
	};

	urgent_case(_metadata, URG_SKIP_OOB, &want);
}

TEST(urgent_oobinline)
{
	struct urg_seen want = {
		.inq = 7, .pri = 1, .mark_before = 0, .first = "abc", .mark_at = 1,
		.oob = -EINVAL, .again_err = EINVAL, .rest = "Xdef",
	};

	urgent_case(_metadata, URG_INLINE, &want);
}

/*
 * The point of urgent data: telling a peer that has stopped reading. The
 * server's window is closed, 30000 bytes wait unsent, then one urgent
 * byte: the urgent pointer rides on what the sender may still send (its
 * window probes), so SIGURG comes before any of the data is read, and
 * the byte is read apart once the reader reaches the mark.
 */
TEST(urgent_through_closed_window)
{
	sigset_t urg = sigurg_blocked();

	for (int i = 0; i < 4; i++) {
		const char *cn = stack_name(pairing[i][0]);
		const char *sn = stack_name(pairing[i][1]);
		struct timespec wait = { 8, 0 }, t0;
		int c, s, mark = 0, sig, before = 0, oob = -1;
		char buf[4096], b;
		ssize_t n;

		ASSERT_EQ(0, urg_pair(pairing[i][0], pairing[i][1], 4096, &c, &s));
		urg_signal_taken();
		ASSERT_EQ(0, write_n(c, 30000));
		sleep_ms(500);
		ASSERT_EQ(1, send(c, "U", 1, MSG_OOB));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sig = sigtimedwait(&urg, NULL, &wait);
		TH_LOG("%s -> %s: SIGURG %s after %.2f s", cn, sn,
		       sig == SIGURG ? "came" : "never came", since(&t0));
		EXPECT_EQ(SIGURG, sig) TH_LOG("%s -> %s: no SIGURG", cn, sn);
		/* read up to the mark, then the byte apart */
		while (before < 30000) {
			ioctl(s, SIOCATMARK, &mark);
			if (mark)
				break;
			n = recv(s, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			before += n;
		}
		ioctl(s, SIOCATMARK, &mark);
		for (int t = 0; t < 100 && oob < 0; t++) {
			n = recv(s, &b, 1, MSG_OOB);
			if (n == 1)
				oob = b;
			else
				sleep_ms(20);
		}
		TH_LOG("%s -> %s: %d bytes before the mark, MSG_OOB %d", cn, sn,
		       before, oob);
		EXPECT_EQ(30000, before) TH_LOG("%s -> %s", cn, sn);
		EXPECT_EQ(1, mark) TH_LOG("%s -> %s: not at the mark", cn, sn);
		EXPECT_EQ('U', oob) TH_LOG("%s -> %s", cn, sn);
		close(c);
		close(s);
	}
}

/* The SIGURG handler of urgent_read_by_handler: the byte, apart. */
static int handler_fd;
static char handler_got;

static void read_urgent(int sig)
{
	char b;

	if (recv(handler_fd, &b, 1, MSG_OOB) == 1)
		handler_got = b;
}

/*
 * As telnet does: a reader blocked in recv() when the urgent data comes;
 * its SIGURG handler reads the byte with MSG_OOB. The read woken at the
 * mark must let the handler run first (EINTR, restarted: SA_RESTART), not
 * pass the byte, which the handler would then never find.
 */
TEST(urgent_read_by_handler)
{
	struct sigaction sa = { .sa_handler = read_urgent, .sa_flags = SA_RESTART };
	sigset_t urg;

	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigaction(SIGURG, &sa, NULL);
	sigprocmask(SIG_UNBLOCK, &urg, NULL);
	for (int i = 0; i < 4; i++) {
		const char *cn = stack_name(pairing[i][0]);
		const char *sn = stack_name(pairing[i][1]);
		char buf[8] = "";
		pid_t child;
		ssize_t n;
		int c, s;

		ASSERT_EQ(0, urg_pair(pairing[i][0], pairing[i][1], 0, &c, &s));
		handler_fd = s;
		handler_got = 0;
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			sleep_ms(300);
			send(c, "X", 1, MSG_OOB);
			send(c, "def", 3, 0);
			_exit(0);
		}
		n = recv(s, buf, sizeof(buf) - 1, 0);
		waitpid(child, NULL, 0);
		TH_LOG("%s -> %s: the handler read '%c'; recv() gave %zd \"%s\"",
		       cn, sn, handler_got ?: '-', n, n > 0 ? buf : "");
		EXPECT_EQ('X', handler_got) TH_LOG("%s -> %s", cn, sn);
		EXPECT_LT(0, n);
		EXPECT_EQ(NULL, strchr(buf, 'X'));
		close(c);
		close(s);
	}
}

static unsigned int snd_cwnd(int fd)
{
	struct tcp_info t = { 0 };
	socklen_t len = sizeof(t);

	return getsockopt(fd, SOL_TCP, TCP_INFO, &t, &len) ? 0 : t.tcpi_snd_cwnd;
}

/*
 * Congestion window validation (RFC 7661's aim; Linux's
 * tcp_is_cwnd_limited()): ACKs grow cwnd only while the sender uses it.
 * 500 request-sized writes, each read before the next, keep one segment
 * in flight: the window stays where it began. A bulk transfer after
 * them fills it, and it grows. MSS 1460 on both stacks (so both start
 * at 10 segments).
 */
TEST(cwnd_app_limited)
{
	unsigned int start[2], idle[2], bulk[2];

	for (int i = 0; i < 2; i++) {
		int c, s, one = 1;
		pid_t child;

		ASSERT_EQ(0, pair_prep(stacks[i], &c, &s, maxseg_1460));
		setsockopt(c, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
		start[i] = snd_cwnd(c);
		for (int k = 0; k < 500; k++) {
			ASSERT_EQ(0, write_n(c, 1000));
			ASSERT_EQ(0, read_n(s, 1000));
		}
		sleep_ms(100);
		idle[i] = snd_cwnd(c);
		child = fork();
		ASSERT_LE(0, child);
		if (!child)
			_exit(read_n(s, 4 << 20) ? 1 : 0);
		/*
		 * The largest cwnd seen while sending, not the last: on a
		 * loaded machine the reader may stall for longer than an
		 * RTO, and Linux then restarts an idle cwnd (RFC 5681 4.1).
		 */
		bulk[i] = 0;
		for (int k = 0; k < 64; k++) {
			unsigned int now;

			ASSERT_EQ(0, write_n(c, 64 << 10));
			now = snd_cwnd(c);
			if (now > bulk[i])
				bulk[i] = now;
		}
		waitpid(child, NULL, 0);
		TH_LOG("%s: cwnd %u at first, %u after 500 small exchanges, at most %u in 4 MiB",
		       stack_name(stacks[i]), start[i], idle[i], bulk[i]);
		close(c);
		close(s);
	}
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(start[i], idle[i])
			TH_LOG("%s: cwnd grew while it was not used", stack_name(stacks[i]));
		EXPECT_LT(start[i], bulk[i])
			TH_LOG("%s: cwnd did not grow in use", stack_name(stacks[i]));
	}
}

TEST_HARNESS_MAIN
