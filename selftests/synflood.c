// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: a SYN flood and the legitimate traffic that must get through
 * it, for selftests/synflood_test.sh, which runs each mode in its own
 * network namespace, once with the kernel's TCP and once with xtcp.
 *
 *   flood    spoofed SYNs through a raw socket (IP_HDRINCL): a random
 *            source address in --src-net, random source port, ISN and
 *            timestamp, and the options of a Linux SYN (MSS 1460,
 *            SACK-permitted, timestamps, window scale 7: a 60-byte IP
 *            packet), paced at --rate per second for --seconds (sent in
 *            batches, one sendmmsg per millisecond tick). Prints
 *            "sent N in T s (R/s)", and the kernel's slab memory
 *            (/proc/meminfo Slab) before and at its peak during the flood.
 *   connect  --count connections paced at --rate per second, as many at
 *            once as the pacing makes (nonblocking connect and epoll):
 *            each connects, sends a byte, reads it back and closes, within
 *            --timeout-ms. Prints "connects ok O failed X p50_ms A p99_ms
 *            B" and, if any failed, why. Exits 0 whatever the outcome.
 *   serve    a listener (--backlog) that echoes one byte on each accepted
 *            connection and closes it; runs until SIGTERM or SIGINT.
 *
 * --family is the socket() family: 2 (AF_INET) for the kernel's TCP, the
 * number in /sys/module/xtcp/parameters/family for xtcp; addresses are
 * struct sockaddr_in either way.
 *
 * usage: synflood flood --rate R --seconds S --dst A.B.C.D --port P
 *                       [--src-net 198.18.0.0/15]
 *        synflood connect --family F --count N --rate R --dst A.B.C.D
 *                         --port P [--timeout-ms 3000]
 *        synflood serve --family F --port P [--backlog 128]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL
#define NSEC_PER_MSEC	1000000LL
#define FLOOD_BATCH	16		/* SYNs per sendmmsg */
#define SYN_OPT_LEN	20		/* MSS, SACK-perm, TS, NOP, WS */
#define SYN_LEN		(sizeof(struct iphdr) + sizeof(struct tcphdr) + SYN_OPT_LEN)
#define SLAB_EVERY_NS	(100 * NSEC_PER_MSEC)
#define CONNECT_EVENTS	256		/* epoll events per wait */
#define SERVE_MAX	4096		/* accepted connections at once */
#define SERVE_IDLE_NS	(5 * NSEC_PER_SEC)

struct args {
	long rate, seconds, count, timeout_ms, backlog;
	int family, port;
	struct in_addr dst;
	__u32 src_net, src_mask;	/* host order */
};

static atomic_bool stop;

static __s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* splitmix64: fast, and good enough to look like many hosts. */
static __u64 rnd_state;

static __u64 rnd(void)
{
	__u64 z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The kernel's slab memory in kB (/proc/meminfo "Slab:"), -1 if unknown. */
static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The one's complement sum of @len bytes at @p, added to @sum. */
static __u32 csum_add(__u32 sum, const void *p, size_t len)
{
	const __u8 *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (b[0] << 8) | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* Fill @pkt with a SYN from a random host of the source net to @a. */
static void make_syn(__u8 *pkt, const struct args *a)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	__u8 *opt = (__u8 *)(th + 1);
	__u32 host, tsval, pseudo;
	__u64 r = rnd();

	/* A host address, neither the net's first nor its last. */
	host = (__u32)r & ~a->src_mask;
	if (~a->src_mask > 2)
		host = 1 + host % (~a->src_mask - 1);
	memset(pkt, 0, SYN_LEN);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(SYN_LEN);
	ip->id = htons((__u16)(r >> 32));
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = htonl(a->src_net | host);
	ip->daddr = a->dst.s_addr;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));

	th->source = htons(1024 + (__u16)(r >> 48) % (65536 - 1024));
	th->dest = htons(a->port);
	r = rnd();
	th->seq = htonl((__u32)r);
	th->doff = (sizeof(*th) + SYN_OPT_LEN) / 4;
	th->syn = 1;
	th->window = htons(64240);
	/* As Linux orders them: MSS, SACK-perm + TS, NOP, WS. */
	tsval = htonl((__u32)(r >> 32));
	opt[0] = TCPOPT_MAXSEG;
	opt[1] = TCPOLEN_MAXSEG;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;
	opt[4] = TCPOPT_SACK_PERMITTED;
	opt[5] = TCPOLEN_SACK_PERMITTED;
	opt[6] = TCPOPT_TIMESTAMP;
	opt[7] = TCPOLEN_TIMESTAMP;
	memcpy(&opt[8], &tsval, 4);		/* TSecr (opt[12..15]) is 0 */
	opt[16] = TCPOPT_NOP;
	opt[17] = TCPOPT_WINDOW;
	opt[18] = TCPOLEN_WINDOW;
	opt[19] = 7;

	/* Pseudo-header: addresses, protocol, TCP length. */
	pseudo = csum_add(0, &ip->saddr, 8);
	pseudo += IPPROTO_TCP + sizeof(*th) + SYN_OPT_LEN;
	th->check = csum_fold(csum_add(pseudo, th, sizeof(*th) + SYN_OPT_LEN));
}

static int flood(const struct args *a)
{
	static __u8 pkts[FLOOD_BATCH][SYN_LEN];
	struct mmsghdr msgs[FLOOD_BATCH];
	struct iovec iov[FLOOD_BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr = a->dst };
	__s64 start, end, t, next_tick, next_slab;
	long slab0, slab, slab_peak;
	__u64 paced = 0, sent = 0, due, errors = 0;
	int fd, i, n, last_errno = 0;
	double secs;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);	/* IP_HDRINCL implied */
	if (fd < 0)
		die("socket(SOCK_RAW)");
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < FLOOD_BATCH; i++) {
		iov[i].iov_base = pkts[i];
		iov[i].iov_len = SYN_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}

	slab0 = slab_kb();
	slab_peak = slab0;
	printf("flooding %s:%d at %ld/s for %ld s\n", inet_ntoa(a->dst), a->port,
	       a->rate, a->seconds);
	start = now_ns();
	end = start + a->seconds * NSEC_PER_SEC;
	next_slab = start + SLAB_EVERY_NS;
	for (t = start; t < end && !stop; t = now_ns()) {
		/* What the pace asks for by now, sent in batches. */
		due = (__u64)((double)(t - start) * a->rate / NSEC_PER_SEC);
		while (paced < due && !stop && now_ns() < end) {
			n = due - paced < FLOOD_BATCH ? due - paced : FLOOD_BATCH;
			for (i = 0; i < n; i++)
				make_syn(pkts[i], a);
			i = sendmmsg(fd, msgs, n, 0);
			if (i < 0) {
				/* Lost to the pace: never retried. */
				last_errno = errno;
				errors += n;
				paced += n;
				continue;
			}
			sent += i;
			paced += i;
		}
		if (t >= next_slab) {
			slab = slab_kb();
			if (slab > slab_peak)
				slab_peak = slab;
			next_slab += SLAB_EVERY_NS;
		}
		/* Sleep to the next millisecond tick, unless already late. */
		next_tick = start + ((t - start) / NSEC_PER_MSEC + 1) * NSEC_PER_MSEC;
		if (now_ns() < next_tick) {
			struct timespec ts = {
				.tv_sec = next_tick / NSEC_PER_SEC,
				.tv_nsec = next_tick % NSEC_PER_SEC,
			};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
	secs = (double)(now_ns() - start) / NSEC_PER_SEC;
	slab = slab_kb();
	if (slab > slab_peak)
		slab_peak = slab;
	printf("sent %llu in %.2f s (%.0f/s)\n", (unsigned long long)sent, secs,
	       secs > 0 ? sent / secs : 0);
	printf("slab_kb before %ld peak %ld end %ld\n", slab0, slab_peak, slab);
	if (errors)
		printf("send errors %llu (last: %s)\n",
		       (unsigned long long)errors, strerror(last_errno));
	close(fd);
	return 0;
}

enum conn_state { C_IDLE, C_CONNECTING, C_ECHO, C_DONE };

struct conn {
	int fd;
	enum conn_state state;
	__s64 t0;
};

/* Why connections failed: errno values, and the two kinds of timeout. */
#define WHY_TIMEOUT_CONNECT	(4096)
#define WHY_TIMEOUT_ECHO	(4097)
#define WHY_EOF			(4098)
#define WHY_MAX			(4099)

static long why_count[WHY_MAX];
static struct conn *conns;	/* connect's, indexed as epoll's data */
static int epfd;

static void conn_fail(struct conn *c, int why, long *failed)
{
	if (why < 0 || why >= WHY_MAX)
		why = 0;
	why_count[why]++;
	(*failed)++;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_DONE;
}

static void conn_start(struct conn *c, long i, const struct args *a,
		       long *failed)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = i };
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr = a->dst,
		.sin_port = htons(a->port),
	};

	c->t0 = now_ns();
	c->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		conn_fail(c, errno, failed);
		return;
	}
	c->state = C_CONNECTING;
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS)
		conn_fail(c, errno, failed);
	else if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev))
		die("epoll_ctl");
}

/* Advance @c, which epoll says is ready; true when it succeeded. */
static bool conn_step(struct conn *c, long *failed)
{
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(int);
	char b = 'x';
	int err = 0;
	ssize_t n;

	if (c->state == C_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err) {
			conn_fail(c, err, failed);
			return false;
		}
		if (send(c->fd, &b, 1, MSG_NOSIGNAL) != 1) {
			conn_fail(c, errno, failed);
			return false;
		}
		c->state = C_ECHO;
		ev.data.u64 = c - conns;
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev))
			die("epoll_ctl");
		return false;
	}
	n = recv(c->fd, &b, 1, 0);
	if (n == 1) {
		close(c->fd);
		c->fd = -1;
		c->state = C_DONE;
		return true;
	}
	if (n == 0)
		conn_fail(c, WHY_EOF, failed);
	else if (errno != EAGAIN && errno != EINTR)
		conn_fail(c, errno, failed);
	return false;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The nearest-rank @q quantile of the sorted @v[@n]. */
static double quantile(const double *v, long n, double q)
{
	long k = (long)(q * n + 0.999999);

	if (!n)
		return 0;
	return v[k < 1 ? 0 : k - 1];
}

static int connect_many(const struct args *a)
{
	__s64 start, t, next_at, wait, timeout = a->timeout_ms * NSEC_PER_MSEC;
	long i, next = 0, oldest = 0, active = 0, ok = 0, failed = 0;
	struct conn *c = conns = calloc(a->count, sizeof(*c));
	double *lat = calloc(a->count, sizeof(*lat));
	struct epoll_event ev[CONNECT_EVENTS];
	int n, why;

	if (!c || !lat)
		die("calloc");
	epfd = epoll_create1(0);
	if (epfd < 0)
		die("epoll_create1");
	start = now_ns();
	while (next < a->count || active) {
		t = now_ns();
		/* Start every connection whose time has come. */
		while (next < a->count &&
		       start + next * NSEC_PER_SEC / a->rate <= t) {
			conn_start(&c[next], next, a, &failed);
			if (c[next].state != C_DONE)
				active++;
			next++;
		}
		/* Time out the late ones: they started, and end, in order. */
		for (; oldest < next; oldest++) {
			if (c[oldest].state == C_DONE)
				continue;
			if (t - c[oldest].t0 < timeout)
				break;
			why = c[oldest].state == C_CONNECTING ? WHY_TIMEOUT_CONNECT
							      : WHY_TIMEOUT_ECHO;
			conn_fail(&c[oldest], why, &failed);
			active--;
		}
		next_at = next < a->count ? start + next * NSEC_PER_SEC / a->rate
					  : t + NSEC_PER_SEC;
		if (oldest < next && c[oldest].t0 + timeout < next_at)
			next_at = c[oldest].t0 + timeout;
		wait = next_at - t;
		wait = wait <= 0 ? 0 : (wait + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
		n = epoll_wait(epfd, ev, CONNECT_EVENTS, (int)wait);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			struct conn *ci = &c[ev[i].data.u64];

			if (ci->state == C_DONE)
				continue;
			if (conn_step(ci, &failed))
				lat[ok++] = (double)(now_ns() - ci->t0) / NSEC_PER_MSEC;
			if (ci->state == C_DONE)
				active--;
		}
	}
	qsort(lat, ok, sizeof(*lat), cmp_double);
	printf("connects ok %ld failed %ld p50_ms %.1f p99_ms %.1f\n", ok, failed,
	       quantile(lat, ok, 0.50), quantile(lat, ok, 0.99));
	if (failed) {
		printf("failures");
		for (why = 0; why < WHY_MAX; why++) {
			if (!why_count[why])
				continue;
			if (why == WHY_TIMEOUT_CONNECT)
				printf(" timeout_connect %ld", why_count[why]);
			else if (why == WHY_TIMEOUT_ECHO)
				printf(" timeout_echo %ld", why_count[why]);
			else if (why == WHY_EOF)
				printf(" eof %ld", why_count[why]);
			else
				printf(" %s %ld", strerrorname_np(why) ?: "errno?",
				       why_count[why]);
		}
		printf("\n");
	}
	close(epfd);
	free(c);
	free(lat);
	return 0;
}

static void on_signal(int sig)
{
	stop = true;
}

static int serve(const struct args *a)
{
	static struct pollfd pfd[1 + SERVE_MAX];
	static __s64 since[1 + SERVE_MAX];
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(a->port),
	};
	long accepted = 0, echoed = 0, dropped = 0;
	int lfd, fd, one = 1, n = 1, i;
	__s64 t;
	char b;

	lfd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	if (listen(lfd, a->backlog))
		die("listen");
	printf("listening family %d port %d backlog %ld\n", a->family, a->port,
	       a->backlog);
	fflush(stdout);

	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	while (!stop) {
		if (poll(pfd, n, 100) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		t = now_ns();
		/* Echo, or close what hung up or idled too long; compact. */
		for (i = 1; i < n; i++) {
			fd = pfd[i].fd;
			if (pfd[i].revents) {
				ssize_t r = recv(fd, &b, 1, 0);

				if (r < 0 && errno == EAGAIN)
					continue;
				if (r == 1 && send(fd, &b, 1, MSG_NOSIGNAL) == 1)
					echoed++;
			} else if (t - since[i] < SERVE_IDLE_NS) {
				continue;
			}
			close(fd);
			n--;
			pfd[i] = pfd[n];
			since[i] = since[n];
			i--;
		}
		if (!pfd[0].revents)
			continue;
		while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
			accepted++;
			if (n == 1 + SERVE_MAX) {
				close(fd);
				dropped++;
				continue;
			}
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			since[n++] = t;
		}
	}
	printf("served accepted %ld echoed %ld dropped %ld\n", accepted, echoed,
	       dropped);
	return 0;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: synflood flood --rate R --seconds S --dst A --port P [--src-net NET/LEN]\n"
		"       synflood connect --family F --count N --rate R --dst A --port P [--timeout-ms MS]\n"
		"       synflood serve --family F --port P [--backlog B]\n");
	exit(2);
}

static void parse_net(const char *s, struct args *a)
{
	char buf[32], *slash;
	struct in_addr in;
	long len;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		bad_usage();
	*slash = '\0';
	len = strtol(slash + 1, NULL, 10);
	if (!inet_aton(buf, &in) || len < 1 || len > 30)
		bad_usage();
	a->src_mask = ~0U << (32 - len);
	a->src_net = ntohl(in.s_addr) & a->src_mask;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "src-net", required_argument, NULL, 'n' },
		{ "family", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "backlog", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct args a = { .family = AF_INET, .timeout_ms = 3000, .backlog = 128 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *mode;
	bool have_dst = false;
	int o;

	if (argc < 2)
		bad_usage();
	mode = argv[1];
	parse_net("198.18.0.0/15", &a);
	while ((o = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			a.rate = atol(optarg);
			break;
		case 's':
			a.seconds = atol(optarg);
			break;
		case 'd':
			have_dst = inet_aton(optarg, &a.dst);
			break;
		case 'p':
			a.port = atoi(optarg);
			break;
		case 'n':
			parse_net(optarg, &a);
			break;
		case 'f':
			a.family = atoi(optarg);
			break;
		case 'c':
			a.count = atol(optarg);
			break;
		case 't':
			a.timeout_ms = atol(optarg);
			break;
		case 'b':
			a.backlog = atol(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc - 1 || a.port <= 0 || a.port > 65535)
		bad_usage();
	rnd_state = (__u64)now_ns() ^ ((__u64)getpid() << 32);
	/* SIGTERM or SIGINT: stop, and print what was done so far. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "flood")) {
		if (a.rate <= 0 || a.seconds <= 0 || !have_dst)
			bad_usage();
		return flood(&a);
	}
	if (!strcmp(mode, "connect")) {
		if (a.rate <= 0 || a.count <= 0 || a.timeout_ms <= 0 || !have_dst)
			bad_usage();
		return connect_many(&a);
	}
	if (!strcmp(mode, "serve"))
		return serve(&a);
	bad_usage();
	return 2;
}
