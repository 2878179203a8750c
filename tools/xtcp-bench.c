// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-bench: one measurement of one byte-stream stack, for `make bench`
 * (scripts/bench-stacks runs it for xtcp, the kernel's TCP and AF_UNIX,
 * interleaved, and prints medians and ratios). Client and server are
 * threads of this process, each in the network namespace it is given,
 * so the stacks' cost, not a scripting language's, is what is timed.
 *
 *   xtcp-bench STACK TEST [options]
 *     STACK  tcp | xtcp | unix
 *     TEST   stream  -P conns, -b bytes each: MiB/s, and CPU (user, system
 *                    and softirq time of the whole machine, /proc/stat) in
 *                    ms per GiB
 *            rr      -n round trips of 1 byte: p50 and p99 in us
 *            crr     -n connections, each connect, 1 byte each way, the
 *                    client closing first (its side keeps TIME-WAIT):
 *                    connections per second
 *            idle    -n connections held open: kernel memory per
 *                    connection (Slab plus page-table-free kernel pages:
 *                    the /proc/meminfo MemAvailable delta) in bytes; with
 *                    -t TEST, that test runs while they are held
 *     -s NS  the server's namespace, -c NS the client's (default: this)
 *     -a IP  the server's address (default 127.0.0.1), -p PORT
 *
 * Prints one line: "TEST key=value ...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xtcp-family.h"

#define USAGE_OPTS "[-P conns] [-b bytes] [-n count] [-t rr|crr] " \
	"[-s ns] [-c ns] [-a ip] [-p port]"

static const char *stack = "tcp", *test, *inner, *srv_ns, *cli_ns;
static const char *addr = "127.0.0.1";
static int port = 7300, conns = 1;
static long count = 10000;
static long long bytes = 1LL << 30;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int family(void)
{
	if (!strcmp(stack, "tcp"))
		return AF_INET;
	if (!strcmp(stack, "unix"))
		return AF_UNIX;
	return xtcp_loaded_family();
}

/* Enter namespace @ns (this thread only), if one is named. */
static void enter(const char *ns)
{
	char path[256];
	int fd;

	if (!ns)
		return;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	close(fd);
}

/* The server's address, as this stack takes it. */
static socklen_t server_addr(struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (!strcmp(stack, "unix")) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		un->sun_family = AF_UNIX;
		/* abstract: nothing to unlink */
		snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1,
			 "xtcp-bench-%d", port);
		return sizeof(*un);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) != 1)
		die(addr);
	return sizeof(struct sockaddr_in);
}

static int stream_socket(void)
{
	int fd = socket(family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		die("socket");
	if (strcmp(stack, "unix"))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int listener(void)
{
	struct sockaddr_storage ss;
	socklen_t len = server_addr(&ss);
	int fd, one = 1;

	enter(srv_ns);
	fd = stream_socket();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096))
		die("bind/listen");
	return fd;
}

static int dial(void)
{
	struct sockaddr_storage ss;
	socklen_t len = server_addr(&ss);
	int fd = stream_socket();

	while (connect(fd, (struct sockaddr *)&ss, len)) {
		if (errno != EADDRNOTAVAIL && errno != EAGAIN)
			die("connect");
		usleep(1000);	/* ports still in TIME-WAIT: wait for one */
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t k = write(fd, buf, n);

		if (k <= 0)
			die("write");
		buf += k;
		n -= k;
	}
}

static void read_exact(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t k = read(fd, buf, n);

		if (k <= 0)
			die("read");
		buf += k;
		n -= k;
	}
}

/* Busy CPU time of the whole machine, ms: user, system, softirq... */
static double busy_ms(void)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "re");
	double hz = sysconf(_SC_CLK_TCK);

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			 &v[7]) != 8)
		die("/proc/stat");
	fclose(f);
	/* all but idle (3) and iowait (4) */
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000.0 / hz;
}

/* --- stream --------------------------------------------------------- */

static int lfd;

static void *sink(void *arg)
{
	static char buf[1 << 18];
	long long *got = arg;
	int fd = accept(lfd, NULL, NULL);
	ssize_t k;

	if (fd < 0)
		die("accept");
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		*got += k;
	close(fd);
	return NULL;
}

static void *source(void *arg)
{
	static char buf[1 << 18];
	long long left = bytes;
	int fd;

	(void)arg;
	enter(cli_ns);
	fd = dial();
	while (left > 0) {
		size_t n = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);

		write_all(fd, buf, n);
		left -= n;
	}
	close(fd);
	return NULL;
}

static void run_stream(void)
{
	pthread_t s[64], c[64];
	long long got[64] = { 0 }, total = 0;
	double t0, t1, c0, c1;
	int i;

	if (conns > 64)
		conns = 64;
	lfd = listener();
	c0 = busy_ms();
	t0 = now();
	for (i = 0; i < conns; i++) {
		pthread_create(&s[i], NULL, sink, &got[i]);
		pthread_create(&c[i], NULL, source, NULL);
	}
	for (i = 0; i < conns; i++) {
		pthread_join(c[i], NULL);
		pthread_join(s[i], NULL);
		total += got[i];
	}
	t1 = now();
	c1 = busy_ms();
	if (total != bytes * conns) {
		fprintf(stderr, "stream: %lld of %lld bytes\n", total,
			bytes * conns);
		exit(1);
	}
	printf("stream conns=%d mib_s=%.1f cpu_ms_per_gib=%.0f\n", conns,
	       total / (t1 - t0) / (1 << 20), (c1 - c0) / (total / 1073741824.0));
}

/* --- rr ------------------------------------------------------------- */

static void *echo(void *arg)
{
	int fd = accept(lfd, NULL, NULL);
	char c;

	(void)arg;
	if (fd < 0)
		die("accept");
	while (read(fd, &c, 1) == 1)
		write_all(fd, &c, 1);
	close(fd);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *rr_client(void *arg)
{
	double *lat = arg;
	char c = 'x';
	long i;
	int fd;

	enter(cli_ns);
	fd = dial();
	for (i = 0; i < count; i++) {
		double t = now();

		write_all(fd, &c, 1);
		read_exact(fd, &c, 1);
		lat[i] = (now() - t) * 1e6;
	}
	close(fd);
	return NULL;
}

static void run_rr(void)
{
	double *lat = calloc(count, sizeof(*lat));
	pthread_t s, c;

	if (!lat)
		die("calloc");
	lfd = listener();
	pthread_create(&s, NULL, echo, NULL);
	pthread_create(&c, NULL, rr_client, lat);
	pthread_join(c, NULL);
	pthread_join(s, NULL);
	qsort(lat, count, sizeof(*lat), cmp);
	printf("rr n=%ld p50_us=%.1f p99_us=%.1f\n", count,
	       lat[count / 2], lat[count * 99 / 100]);
	free(lat);
}

/* --- crr ------------------------------------------------------------ */

static void *crr_server(void *arg)
{
	char c;
	long i;

	(void)arg;
	for (i = 0; i < count; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		read_exact(fd, &c, 1);
		write_all(fd, &c, 1);
		/* the client closes first; wait for its FIN */
		if (read(fd, &c, 1) != 0)
			die("crr: data after the request");
		close(fd);
	}
	return NULL;
}

static void *crr_client(void *arg)
{
	double *rate = arg;
	double t0 = now();
	char c = 'x';
	long i;

	enter(cli_ns);
	for (i = 0; i < count; i++) {
		int fd = dial();

		write_all(fd, &c, 1);
		read_exact(fd, &c, 1);
		close(fd);
	}
	*rate = count / (now() - t0);
	return NULL;
}

static void run_crr(void)
{
	pthread_t s, c;
	double rate;

	lfd = listener();
	pthread_create(&s, NULL, crr_server, NULL);
	pthread_create(&c, NULL, crr_client, &rate);
	pthread_join(c, NULL);
	pthread_join(s, NULL);
	printf("crr n=%ld conn_s=%.0f\n", count, rate);
}

/* --- idle ------------------------------------------------------------ */

static long long mem_kb(const char *key)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			sscanf(line + strlen(key), ":%lld", &v);
	fclose(f);
	return v;
}

static void *accept_all(void *arg)
{
	int *fds = arg;
	long i;

	for (i = 0; i < count; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			die("accept");
	}
	return NULL;
}

static void *dial_all(void *arg)
{
	int *fds = arg;
	long i;

	enter(cli_ns);
	for (i = 0; i < count; i++)
		fds[i] = dial();
	return NULL;
}

static void run_idle(void)
{
	int *sfd = calloc(count, sizeof(int)), *cfd = calloc(count, sizeof(int));
	struct rlimit rl = { 4 * count + 1024, 4 * count + 1024 };
	long long slab0, avail0;
	pthread_t s, c;

	if (!sfd || !cfd || setrlimit(RLIMIT_NOFILE, &rl))
		die("idle setup");
	lfd = listener();
	sync();
	slab0 = mem_kb("Slab");
	avail0 = mem_kb("MemAvailable");
	pthread_create(&s, NULL, accept_all, sfd);
	pthread_create(&c, NULL, dial_all, cfd);
	pthread_join(c, NULL);
	pthread_join(s, NULL);
	usleep(500000);
	printf("idle n=%ld slab_b=%.0f mem_b=%.0f", count,
	       (mem_kb("Slab") - slab0) * 1024.0 / count / 2,
	       (avail0 - mem_kb("MemAvailable")) * 1024.0 / count / 2);
	if (inner) {
		/* the test the option named, beside them, on the next port */
		printf(" | ");
		fflush(stdout);
		close(lfd);
		port++;
		count = strcmp(inner, "rr") ? 2000 : 20000;
		if (!strcmp(inner, "rr"))
			run_rr();
		else
			run_crr();
	} else {
		printf("\n");
	}
	/* the held connections close as the process exits */
}

int main(int argc, char **argv)
{
	int opt;

	if (argc < 3) {
		fprintf(stderr, "usage: %s tcp|xtcp|unix stream|rr|crr|idle %s\n",
			argv[0], USAGE_OPTS);
		return 2;
	}
	stack = argv[1];
	test = argv[2];
	optind = 3;
	while ((opt = getopt(argc, argv, "P:b:n:t:s:c:a:p:")) != -1) {
		switch (opt) {
		case 'P':
			conns = atoi(optarg);
			break;
		case 'b':
			bytes = atoll(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 't':
			inner = optarg;
			break;
		case 's':
			srv_ns = optarg;
			break;
		case 'c':
			cli_ns = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!strcmp(test, "stream"))
		run_stream();
	else if (!strcmp(test, "rr"))
		run_rr();
	else if (!strcmp(test, "crr"))
		run_crr();
	else if (!strcmp(test, "idle"))
		run_idle();
	else
		return 2;
	return 0;
}
