// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp sockets used from several threads at once: writers sharing one
 * connection, a close racing blocked calls, and many connections through
 * one listener in parallel. The runner then checks nothing leaked and
 * the module unloads.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/xtcp.h>

#include "kselftest_harness.h"

static int family(void)
{
	const char *env = getenv("XTCP_TEST_FAMILY");

	return env ? atoi(env) : AF_XTCP;
}

static int listener(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(family(), SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(const struct sockaddr_in *addr)
{
	int fd = socket(family(), SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read exactly @len bytes or fail. */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Writers: each sends records "thread id, counter" of RECLEN bytes with
 * one write() each; the stream may interleave whole records only if the
 * socket serializes writers, which it must not be relied on to do for
 * partial writes, so each record is small enough to be written whole.
 */
#define WRITERS	4
#define RECORDS	2000
#define RECLEN	64

struct writer {
	int fd;
	int id;
	int err;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	char rec[RECLEN];
	int i;

	for (i = 0; i < RECORDS; i++) {
		memset(rec, 'a' + w->id, sizeof(rec));
		memcpy(rec, &i, sizeof(i));
		if (write(w->fd, rec, sizeof(rec)) != sizeof(rec)) {
			w->err = errno ?: EIO;
			break;
		}
	}
	return NULL;
}

TEST(writers_share_a_connection)
{
	struct sockaddr_in addr;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	int next[WRITERS] = {};
	char rec[RECLEN];
	int lfd, cfd, sfd, i, n;

	lfd = listener(&addr, 4);
	ASSERT_LE(0, lfd);
	cfd = connect_to(&addr);
	ASSERT_LE(0, cfd);
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .fd = cfd, .id = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, writer_fn, &w[i]));
	}
	/* Every record arrives whole, each writer's in its own order. */
	for (n = 0; n < WRITERS * RECORDS; n++) {
		int id, cnt, j;

		ASSERT_EQ(0, read_full(sfd, rec, sizeof(rec)));
		id = rec[sizeof(rec) - 1] - 'a';
		ASSERT_TRUE(id >= 0 && id < WRITERS);
		memcpy(&cnt, rec, sizeof(cnt));
		ASSERT_EQ(next[id], cnt);
		next[id]++;
		for (j = sizeof(cnt); j < RECLEN; j++)
			ASSERT_EQ('a' + id, rec[j]);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		ASSERT_EQ(0, w[i].err);
	}
	close(cfd);
	ASSERT_EQ(0, read(sfd, rec, sizeof(rec)));	/* then EOF */
	close(sfd);
	close(lfd);
}

struct blocked {
	int fd;
	ssize_t ret;
};

static void *reader_fn(void *arg)
{
	struct blocked *b = arg;
	char c;

	b->ret = recv(b->fd, &c, 1, 0);
	return NULL;
}

/* shutdown() from one thread wakes a recv() blocked in another. */
TEST(shutdown_wakes_blocked_reader)
{
	struct sockaddr_in addr;
	struct blocked b = { .ret = -2 };
	pthread_t th;
	int lfd, cfd, sfd;

	lfd = listener(&addr, 4);
	ASSERT_LE(0, lfd);
	cfd = connect_to(&addr);
	ASSERT_LE(0, cfd);
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);

	b.fd = cfd;
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_fn, &b));
	usleep(100 * 1000);	/* let it block; correctness does not depend on it */
	ASSERT_EQ(0, shutdown(cfd, SHUT_RDWR));
	pthread_join(th, NULL);
	ASSERT_EQ(0, b.ret);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* Many clients at once through one listener, each echoing its own data. */
#define CLIENTS	8
#define CONNS	25

struct client {
	struct sockaddr_in addr;
	int id;
	int failed;
};

static void *client_fn(void *arg)
{
	struct client *c = arg;
	unsigned int out[256], in[256];
	int i, k, fd;

	for (i = 0; i < CONNS; i++) {
		fd = connect_to(&c->addr);
		if (fd < 0) {
			c->failed++;
			continue;
		}
		for (k = 0; k < 256; k++)
			out[k] = c->id << 24 | i << 12 | k;
		if (write(fd, out, sizeof(out)) != sizeof(out) ||
		    shutdown(fd, SHUT_WR) ||
		    read_full(fd, in, sizeof(in)) ||
		    memcmp(in, out, sizeof(in)))
			c->failed++;
		close(fd);
	}
	return NULL;
}

static void *echo_fn(void *arg)
{
	int fd = (intptr_t)arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			break;
	close(fd);
	return NULL;
}

TEST(parallel_connections)
{
	struct client c[CLIENTS];
	pthread_t th[CLIENTS], echo;
	struct sockaddr_in addr;
	int lfd, i, total = 0;

	lfd = listener(&addr, 64);
	ASSERT_LE(0, lfd);
	for (i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){ .addr = addr, .id = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, client_fn, &c[i]));
	}
	for (i = 0; i < CLIENTS * CONNS; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		ASSERT_EQ(1, poll(&p, 1, 30000));
		fd = accept(lfd, NULL, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, pthread_create(&echo, NULL, echo_fn,
					    (void *)(intptr_t)fd));
		pthread_detach(echo);
	}
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		total += c[i].failed;
	}
	ASSERT_EQ(0, total);
	close(lfd);
}

TEST_HARNESS_MAIN
