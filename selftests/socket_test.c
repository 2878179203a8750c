// SPDX-License-Identifier: GPL-2.0
/*
 * Socket creation and teardown through the xtcp family: the calls a
 * program makes before any connection exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/xtcp.h>

#include "kselftest_harness.h"

/* The family the loaded module registered (module parameter "family"). */
static int xtcp_family(void)
{
	FILE *f = fopen(XTCP_FAMILY_PATH, "r");
	int fam = -1;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = -1;
		fclose(f);
	}
	return fam;
}

TEST(family_is_default)
{
	ASSERT_EQ(AF_XTCP, xtcp_family());
}

TEST(create_and_close)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, close(fd));
}

TEST(create_with_ipproto_tcp)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, IPPROTO_TCP);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
}

TEST(create_with_flags)
{
	int fd = socket(AF_XTCP, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, close(fd));
}

TEST(datagram_type_refused)
{
	ASSERT_EQ(-1, socket(AF_XTCP, SOCK_DGRAM, 0));
	ASSERT_EQ(ESOCKTNOSUPPORT, errno);
}

TEST(other_protocol_refused)
{
	ASSERT_EQ(-1, socket(AF_XTCP, SOCK_STREAM, IPPROTO_UDP));
	ASSERT_EQ(EPROTONOSUPPORT, errno);
}

TEST(so_type_and_protocol)
{
	int fd = socket(AF_XTCP, SOCK_STREAM, 0);
	int v = 0;
	socklen_t len = sizeof(v);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	ASSERT_EQ(SOCK_STREAM, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	ASSERT_EQ(IPPROTO_TCP, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	ASSERT_EQ(AF_XTCP, v);
	close(fd);
}

/* Many sockets opened and closed: the runner then checks rmmod and leaks. */
TEST(many_open_close)
{
	enum { N = 1000 };
	static int fds[N];
	int i;

	for (i = 0; i < N; i++) {
		fds[i] = socket(AF_XTCP, SOCK_STREAM, 0);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, close(fds[i]));
}

TEST_HARNESS_MAIN
