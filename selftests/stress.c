// SPDX-License-Identifier: GPL-2.0
/*
 * stress: xtcp's socket calls from many threads at once while connections
 * are made, accepted, reset and torn down, for selftests/stress_test.sh
 * (which builds the topology and reads the kernel's verdict). Each
 * scenario is a TAP case; the counts of what it did are printed with it.
 *
 *   listener_owner  a thread loops setsockopt/getsockopt on a listener (it
 *                   owns the socket, so SYNs and ACKs go to its backlog and
 *                   are replayed by release_sock) while clients of both
 *                   stacks connect; every connection echoes a seeded byte
 *                   stream, checked byte for byte
 *   shared_calls    several threads per socket (each on its own dup()):
 *                   send, recv, poll, shutdown, setsockopt, getsockopt and
 *                   close, on both ends, while the peer does the same
 *   close_races     close() racing the peer's ACK and FIN: both ends close
 *                   at once, close right after the peer's shutdown, close
 *                   with unread data (RST), SO_LINGER 0 while the peer sends
 *   orphans         closed connections to a peer that then goes silent die
 *                   by retransmission limits (orphan_retries), by keepalive,
 *                   and in FIN-WAIT-2 by fin_timeout (reaping is checked by
 *                   stress_test.sh in /proc/net/xtcp)
 *
 * usage: stress -d SECONDS -l LOCAL_ADDR -r REMOTE_ADDR -n NETNS
 *               -o ORPHAN_LOCAL -O ORPHAN_REMOTE -s SILENCE_CMD
 * Connections run over loopback and over the veth pair LOCAL <-> REMOTE
 * (REMOTE lives in NETNS); SILENCE_CMD makes the peer of the orphan link
 * drop everything it sends.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/xtcp.h>

#define MAXFD_WAIT_MS	5000
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int xtcp_family = AF_XTCP;
static double deadline;
static const char *netns_path;
static struct in_addr local_addr, remote_addr, orphan_local, orphan_remote;
static const char *silence_cmd;

static atomic_long n_connects, n_accepts, n_bytes_checked, n_bad_bytes;
static atomic_long n_sends, n_recvs, n_polls, n_shutdowns, n_closes;
static atomic_long n_setsockopts, n_getsockopts, n_resets, n_errors;
static atomic_long n_races;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool running(void)
{
	return now() < deadline;
}

/* xorshift, per thread */
static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The byte at @off of the stream seeded with @seed. */
static uint8_t stream_byte(unsigned int seed, uint64_t off)
{
	unsigned int x = seed * 2654435761u + (unsigned int)(off / 4) * 40503u + 1;

	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return x >> (8 * (off % 4));
}

/* A socket of @stack (0: the kernel's TCP, 1: xtcp), in @ns if set. */
static int sock_in(bool xtcp, bool in_ns)
{
	int fd, home = -1, ns;

	if (in_ns) {
		home = open("/proc/thread-self/ns/net", O_RDONLY);
		ns = open(netns_path, O_RDONLY);
		if (home < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
			perror("setns");
			exit(2);
		}
		close(ns);
	}
	fd = socket(xtcp ? xtcp_family : AF_INET, SOCK_STREAM, 0);
	if (in_ns) {
		if (setns(home, CLONE_NEWNET)) {
			perror("setns home");
			exit(2);
		}
		close(home);
	}
	return fd;
}

static struct sockaddr_in sin_of(struct in_addr a, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr = a,
				 .sin_port = htons(port) };

	return s;
}

static int listener(bool xtcp, bool in_ns, struct in_addr a, int backlog,
		    int *port)
{
	struct sockaddr_in s = sin_of(a, 0);
	socklen_t len = sizeof(s);
	int fd = sock_in(xtcp, in_ns), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&s, &len)) {
		perror("listener");
		exit(2);
	}
	*port = ntohs(s.sin_port);
	return fd;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int connect_to(bool xtcp, struct in_addr a, int port)
{
	struct sockaddr_in s = sin_of(a, port);
	int fd = sock_in(xtcp, false);

	if (fd < 0)
		return -1;
	set_timeouts(fd, MAXFD_WAIT_MS);
	if (connect(fd, (struct sockaddr *)&s, sizeof(s))) {
		close(fd);
		return -1;
	}
	atomic_fetch_add(&n_connects, 1);
	return fd;
}

/* Accept with a bounded wait; -1 when nothing came. */
static int accept_wait(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		atomic_fetch_add(&n_accepts, 1);
		set_timeouts(fd, MAXFD_WAIT_MS);
	}
	return fd;
}

static void linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* --- listener_owner -------------------------------------------------------- */

struct owner_arg {
	int lfd;
	struct in_addr addr;
	int port;
	unsigned int seed;
};

/* The listener's owner: every call takes its socket lock. */
static void *owner_loop(void *p)
{
	struct owner_arg *a = p;
	int v, i = 0;
	socklen_t len;

	while (running()) {
		v = 65536 + (i++ % 16) * 4096;
		if (!setsockopt(a->lfd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
			atomic_fetch_add(&n_setsockopts, 1);
		v = i & 1;
		setsockopt(a->lfd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
		atomic_fetch_add(&n_setsockopts, 1);
		len = sizeof(v);
		if (!getsockopt(a->lfd, SOL_SOCKET, SO_RCVBUF, &v, &len))
			atomic_fetch_add(&n_getsockopts, 1);
	}
	return NULL;
}

/* Echo what arrives until EOF, then close. */
static void *echo_conn(void *p)
{
	int fd = (int)(intptr_t)p;
	char buf[8192];
	ssize_t n, w, off;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		atomic_fetch_add(&n_recvs, 1);
		for (off = 0; off < n; off += w) {
			w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
			if (w <= 0)
				goto out;
			atomic_fetch_add(&n_sends, 1);
		}
	}
out:
	close(fd);
	atomic_fetch_add(&n_closes, 1);
	return NULL;
}

static void *acceptor(void *p)
{
	struct owner_arg *a = p;
	pthread_t t;
	int fd;

	while (running()) {
		fd = accept_wait(a->lfd, 100);
		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, echo_conn, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

/* A client: send a seeded stream, half-close, check the echo. */
static void *echo_client(void *p)
{
	struct owner_arg *a = p;
	unsigned int s = a->seed;
	char buf[4096];

	while (running()) {
		size_t total = 1 + rnd(&s) % 60000, sent = 0, got = 0, i;
		unsigned int seed = rnd(&s);
		int fd = connect_to(rnd(&s) & 1, a->addr, a->port);
		ssize_t n;

		if (fd < 0) {
			atomic_fetch_add(&n_errors, 1);
			usleep(1000);
			continue;
		}
		while (sent < total || got < total) {
			struct pollfd pf = { .fd = fd, .events = POLLIN };

			if (sent < total)
				pf.events |= POLLOUT;
			if (poll(&pf, 1, MAXFD_WAIT_MS) <= 0)
				break;
			atomic_fetch_add(&n_polls, 1);
			if ((pf.revents & POLLOUT) && sent < total) {
				size_t k = total - sent < sizeof(buf) ?
					   total - sent : sizeof(buf);

				for (i = 0; i < k; i++)
					buf[i] = stream_byte(seed, sent + i);
				n = send(fd, buf, k, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (n > 0) {
					sent += n;
					atomic_fetch_add(&n_sends, 1);
					if (sent == total) {
						shutdown(fd, SHUT_WR);
						atomic_fetch_add(&n_shutdowns, 1);
					}
				}
			}
			if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
				n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (n == 0 || (n < 0 && errno != EAGAIN))
					break;
				if (n < 0)
					continue;
				atomic_fetch_add(&n_recvs, 1);
				for (i = 0; i < (size_t)n; i++)
					if ((uint8_t)buf[i] !=
					    stream_byte(seed, got + i))
						atomic_fetch_add(&n_bad_bytes, 1);
				got += n;
			}
		}
		if (got == total && sent == total)
			atomic_fetch_add(&n_bytes_checked, total);
		else
			atomic_fetch_add(&n_errors, 1);
		close(fd);
		atomic_fetch_add(&n_closes, 1);
	}
	return NULL;
}

/* --- shared_calls ---------------------------------------------------------- */

struct shared_arg {
	int fd;		/* this thread's own dup() of the socket */
	unsigned int seed;
};

static void *shared_worker(void *p)
{
	struct shared_arg *a = p;
	unsigned int s = a->seed;
	char buf[2048] = { 0 };
	int v, i, iters = 20 + rnd(&s) % 200;
	socklen_t len;
	struct pollfd pf;

	for (i = 0; i < iters && running(); i++) {
		switch (rnd(&s) % 10) {
		case 0:
		case 1:
			if (send(a->fd, buf, 1 + rnd(&s) % sizeof(buf),
				 MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
				atomic_fetch_add(&n_sends, 1);
			break;
		case 2:
		case 3:
			if (recv(a->fd, buf, sizeof(buf), MSG_DONTWAIT |
				 (rnd(&s) & 1 ? MSG_PEEK : 0)) >= 0)
				atomic_fetch_add(&n_recvs, 1);
			break;
		case 4:
			pf.fd = a->fd;
			pf.events = POLLIN | POLLOUT | POLLRDHUP;
			poll(&pf, 1, rnd(&s) % 3);
			atomic_fetch_add(&n_polls, 1);
			break;
		case 5:
			if (rnd(&s) % 8 == 0) {
				shutdown(a->fd, rnd(&s) % 3);
				atomic_fetch_add(&n_shutdowns, 1);
			}
			break;
		case 6: {
			static const int opts[][2] = {
				{ IPPROTO_TCP, TCP_NODELAY },
				{ IPPROTO_TCP, TCP_CORK },
				{ IPPROTO_TCP, TCP_QUICKACK },
				{ IPPROTO_TCP, TCP_KEEPIDLE },
				{ SOL_SOCKET, SO_KEEPALIVE },
				{ SOL_SOCKET, SO_RCVBUF },
				{ SOL_SOCKET, SO_SNDBUF },
			};
			int k = rnd(&s) % 7;

			v = opts[k][1] == SO_RCVBUF || opts[k][1] == SO_SNDBUF ?
			    4096 + rnd(&s) % 200000 :
			    opts[k][1] == TCP_KEEPIDLE ? 1 + rnd(&s) % 10 :
			    (int)(rnd(&s) & 1);
			setsockopt(a->fd, opts[k][0], opts[k][1], &v, sizeof(v));
			atomic_fetch_add(&n_setsockopts, 1);
			break;
		}
		case 7:
		case 8:
			len = sizeof(v);
			getsockopt(a->fd, rnd(&s) & 1 ? SOL_SOCKET : IPPROTO_TCP,
				   rnd(&s) & 1 ? SO_ERROR : TCP_MAXSEG, &v, &len);
			atomic_fetch_add(&n_getsockopts, 1);
			break;
		case 9:
			if (rnd(&s) % 16 == 0)
				goto out;	/* an early close of this dup */
			break;
		}
	}
out:
	if (rnd(&s) % 4 == 0)
		linger0(a->fd);
	close(a->fd);
	atomic_fetch_add(&n_closes, 1);
	return NULL;
}

#define SHARED_THREADS	4

/* One pair, both ends worked by SHARED_THREADS threads each. */
static void shared_pair(int lfd, struct in_addr addr, int port, unsigned int *s)
{
	struct shared_arg args[2 * SHARED_THREADS];
	pthread_t t[2 * SHARED_THREADS];
	int c, a, i, n = 0;

	c = connect_to(rnd(s) & 1, addr, port);
	if (c < 0) {
		atomic_fetch_add(&n_errors, 1);
		return;
	}
	a = accept_wait(lfd, MAXFD_WAIT_MS);
	if (a < 0) {
		close(c);
		atomic_fetch_add(&n_errors, 1);
		return;
	}
	for (i = 0; i < 2 * SHARED_THREADS; i++) {
		args[i].fd = dup(i < SHARED_THREADS ? c : a);
		args[i].seed = rnd(s) | 1;
		if (args[i].fd < 0 ||
		    pthread_create(&t[n], NULL, shared_worker, &args[i])) {
			if (args[i].fd >= 0)
				close(args[i].fd);
			continue;
		}
		n++;
	}
	close(c);
	close(a);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

struct shared_loop_arg {
	int lfd;
	struct in_addr addr;
	int port;
	unsigned int seed;
};

static void *shared_loop(void *p)
{
	struct shared_loop_arg *a = p;
	unsigned int s = a->seed;

	while (running())
		shared_pair(a->lfd, a->addr, a->port, &s);
	return NULL;
}

/* --- close_races ------------------------------------------------------------ */

struct race_arg {
	int fd;
	int how;
	pthread_barrier_t *bar;
};

static void *race_side(void *p)
{
	struct race_arg *a = p;
	char buf[4096] = { 0 };
	int i;

	switch (a->how) {
	case 0:		/* close at the barrier */
		pthread_barrier_wait(a->bar);
		break;
	case 1:		/* the peer half-closes, then we close at once */
		pthread_barrier_wait(a->bar);
		shutdown(a->fd, SHUT_WR);
		atomic_fetch_add(&n_shutdowns, 1);
		break;
	case 2:		/* send a burst while the other end resets */
		pthread_barrier_wait(a->bar);
		for (i = 0; i < 8; i++)
			if (send(a->fd, buf, sizeof(buf),
				 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				break;
		atomic_fetch_add(&n_sends, 1);
		break;
	case 3:		/* reset with SO_LINGER 0 */
		linger0(a->fd);
		atomic_fetch_add(&n_resets, 1);
		pthread_barrier_wait(a->bar);
		break;
	case 4:		/* close with unread data: RST (RFC 2525 2.17) */
		usleep(rand() % 500);
		pthread_barrier_wait(a->bar);
		atomic_fetch_add(&n_resets, 1);
		break;
	}
	close(a->fd);
	atomic_fetch_add(&n_closes, 1);
	return NULL;
}

static const int race_pairs[][2] = {
	{ 0, 0 },	/* simultaneous close */
	{ 1, 0 },	/* close right after the peer's FIN */
	{ 0, 1 },
	{ 2, 3 },	/* linger 0 while the peer sends */
	{ 3, 2 },
	{ 2, 4 },	/* unread data on close */
};

struct race_loop_arg {
	int lfd;
	struct in_addr addr;
	int port;
	unsigned int seed;
};

static void *race_loop(void *p)
{
	struct race_loop_arg *a = p;
	unsigned int s = a->seed;
	pthread_barrier_t bar;

	pthread_barrier_init(&bar, NULL, 2);
	while (running()) {
		int k = rnd(&s) % ARRAY_SIZE(race_pairs);
		struct race_arg x, y;
		pthread_t tx, ty;
		int c, d;

		c = connect_to(rnd(&s) & 1, a->addr, a->port);
		if (c < 0) {
			atomic_fetch_add(&n_errors, 1);
			continue;
		}
		d = accept_wait(a->lfd, MAXFD_WAIT_MS);
		if (d < 0) {
			close(c);
			atomic_fetch_add(&n_errors, 1);
			continue;
		}
		if (race_pairs[k][1] == 4 || race_pairs[k][0] == 4) {
			char b[100] = { 0 };

			send(race_pairs[k][0] == 4 ? d : c, b, sizeof(b),
			     MSG_NOSIGNAL);
			usleep(200);
		}
		x = (struct race_arg){ c, race_pairs[k][0], &bar };
		y = (struct race_arg){ d, race_pairs[k][1], &bar };
		pthread_create(&tx, NULL, race_side, &x);
		pthread_create(&ty, NULL, race_side, &y);
		pthread_join(tx, NULL);
		pthread_join(ty, NULL);
		atomic_fetch_add(&n_races, 1);
	}
	pthread_barrier_destroy(&bar);
	return NULL;
}

/* --- orphans ---------------------------------------------------------------- */

/*
 * Connections from xtcp to a kernel TCP listener in the peer namespace
 * over the orphan link. Some close with their FIN acknowledged and
 * keepalive on (they wait in FIN-WAIT-2, then keepalive gives up once
 * the peer is silent), some without keepalive (fin_timeout ends them),
 * some close with data unacknowledged after the peer went silent
 * (orphan_retries ends them).
 */
#define ORPHANS_EACH	8

static int orphans(void)
{
	int lfd, port, i, ka[ORPHANS_EACH], fw2[ORPHANS_EACH], rtx[ORPHANS_EACH];
	int peers[3 * ORPHANS_EACH], np = 0, one = 1, v;
	char buf[16384] = { 0 };

	lfd = listener(false, true, orphan_remote, 64, &port);
	for (i = 0; i < ORPHANS_EACH; i++) {
		ka[i] = connect_to(true, orphan_remote, port);
		fw2[i] = connect_to(true, orphan_remote, port);
		rtx[i] = connect_to(true, orphan_remote, port);
		if (ka[i] < 0 || fw2[i] < 0 || rtx[i] < 0)
			return -1;
		setsockopt(ka[i], SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		v = 1;
		setsockopt(ka[i], IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
		setsockopt(ka[i], IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
		setsockopt(ka[i], IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	}
	/* The peer accepts and never closes: its ends stay open. */
	while (np < 3 * ORPHANS_EACH) {
		int fd = accept_wait(lfd, MAXFD_WAIT_MS);

		if (fd < 0)
			return -1;
		peers[np++] = fd;
	}
	/* FIN-WAIT-2 orphans: FIN acknowledged, the peer's never comes. */
	for (i = 0; i < ORPHANS_EACH; i++) {
		close(ka[i]);
		close(fw2[i]);
		atomic_fetch_add(&n_closes, 2);
	}
	usleep(300 * 1000);
	if (system(silence_cmd))
		return -1;
	/* Retransmitting orphans: data and FIN the silent peer never acks. */
	for (i = 0; i < ORPHANS_EACH; i++) {
		send(rtx[i], buf, sizeof(buf), MSG_NOSIGNAL);
		close(rtx[i]);
		atomic_fetch_add(&n_closes, 1);
	}
	for (i = 0; i < np; i++)
		close(peers[i]);
	close(lfd);
	return 0;
}

/* --- main ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "%s: -d S -l ADDR -r ADDR -n NETNS -o ADDR -O ADDR -s CMD\n",
		program_invocation_short_name);
	exit(2);
}

#define CLIENTS		4

int main(int argc, char **argv)
{
	struct owner_arg own_lo, own_veth;
	struct shared_loop_arg sh_lo, sh_veth;
	struct race_loop_arg rc_lo, rc_veth;
	pthread_t t[64];
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	int nt = 0, i, c, orphans_ok, dur = 20;
	long before;
	FILE *f;

	while ((c = getopt(argc, argv, "d:l:r:n:o:O:s:")) != -1) {
		switch (c) {
		case 'd':
			dur = atoi(optarg);
			break;
		case 'l':
			inet_pton(AF_INET, optarg, &local_addr);
			break;
		case 'r':
			inet_pton(AF_INET, optarg, &remote_addr);
			break;
		case 'n':
			netns_path = optarg;
			break;
		case 'o':
			inet_pton(AF_INET, optarg, &orphan_local);
			break;
		case 'O':
			inet_pton(AF_INET, optarg, &orphan_remote);
			break;
		case 's':
			silence_cmd = optarg;
			break;
		default:
			usage();
		}
	}
	if (!netns_path || !silence_cmd || !remote_addr.s_addr ||
	    !orphan_remote.s_addr)
		usage();
	f = fopen("/sys/module/xtcp/parameters/family", "r");
	if (!f || fscanf(f, "%d", &xtcp_family) != 1) {
		fprintf(stderr, "xtcp is not loaded\n");
		return 2;
	}
	fclose(f);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..4\n");

	deadline = now() + dur;
	/* listener_owner: an xtcp listener on lo, one in the peer namespace */
	own_lo.lfd = listener(true, false, lo, 128, &own_lo.port);
	own_lo.addr = lo;
	own_veth.lfd = listener(true, true, remote_addr, 128, &own_veth.port);
	own_veth.addr = remote_addr;
	for (i = 0; i < 2; i++) {
		struct owner_arg *o = i ? &own_veth : &own_lo;

		o->seed = 0x1234567 + i;
		pthread_create(&t[nt++], NULL, owner_loop, o);
		pthread_create(&t[nt++], NULL, acceptor, o);
	}
	for (i = 0; i < CLIENTS; i++) {
		static struct owner_arg cl[CLIENTS];

		cl[i] = i & 1 ? own_veth : own_lo;
		cl[i].seed = 0x9e3779b9u * (i + 1);
		pthread_create(&t[nt++], NULL, echo_client, &cl[i]);
	}
	/* shared_calls and close_races, over lo and over the veth */
	sh_lo = (struct shared_loop_arg){ 0, lo, 0, 77 };
	sh_lo.lfd = listener(true, false, lo, 64, &sh_lo.port);
	sh_veth = (struct shared_loop_arg){ 0, remote_addr, 0, 78 };
	sh_veth.lfd = listener(true, true, remote_addr, 64, &sh_veth.port);
	rc_lo = (struct race_loop_arg){ 0, lo, 0, 79 };
	rc_lo.lfd = listener(true, false, lo, 64, &rc_lo.port);
	rc_veth = (struct race_loop_arg){ 0, remote_addr, 0, 80 };
	rc_veth.lfd = listener(true, true, remote_addr, 64, &rc_veth.port);
	pthread_create(&t[nt++], NULL, shared_loop, &sh_lo);
	pthread_create(&t[nt++], NULL, shared_loop, &sh_veth);
	pthread_create(&t[nt++], NULL, race_loop, &rc_lo);
	pthread_create(&t[nt++], NULL, race_loop, &rc_veth);

	/* orphans, while all of the above runs */
	sleep(dur / 3 > 0 ? dur / 3 : 1);
	orphans_ok = orphans() == 0;

	for (i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	/* Echo servers still draining finish within their timeouts. */
	usleep(200 * 1000);

	before = atomic_load(&n_bytes_checked);
	printf("%s 1 listener_owner\n",
	       !atomic_load(&n_bad_bytes) && before > 0 &&
	       atomic_load(&n_setsockopts) > 0 ? "ok" : "not ok");
	printf("# %ld connects, %ld accepts, %ld bytes echoed and checked,\n"
	       "# %ld bad bytes, %ld setsockopt, %ld getsockopt\n",
	       atomic_load(&n_connects), atomic_load(&n_accepts), before,
	       atomic_load(&n_bad_bytes), atomic_load(&n_setsockopts),
	       atomic_load(&n_getsockopts));
	printf("%s 2 shared_calls\n", atomic_load(&n_polls) > 0 ? "ok" : "not ok");
	printf("# %ld send, %ld recv, %ld poll, %ld shutdown, %ld close calls\n",
	       atomic_load(&n_sends), atomic_load(&n_recvs),
	       atomic_load(&n_polls), atomic_load(&n_shutdowns),
	       atomic_load(&n_closes));
	printf("%s 3 close_races\n", atomic_load(&n_races) > 0 ? "ok" : "not ok");
	printf("# %ld races, %ld resets; %ld connections failed or cut short\n"
	       "# (lossy veth, resets: expected)\n",
	       atomic_load(&n_races),
	       atomic_load(&n_resets), atomic_load(&n_errors));
	printf("%s 4 orphans\n", orphans_ok ? "ok" : "not ok");
	printf("# %d orphans made: %d keepalive, %d FIN-WAIT-2, %d retransmitting\n",
	       3 * ORPHANS_EACH, ORPHANS_EACH, ORPHANS_EACH, ORPHANS_EACH);
	close(own_lo.lfd);
	close(own_veth.lfd);
	close(sh_lo.lfd);
	close(sh_veth.lfd);
	close(rc_lo.lfd);
	close(rc_veth.lfd);
	return 0;
}
