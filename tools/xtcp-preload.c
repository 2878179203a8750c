// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim: an unmodified program's TCP sockets become xtcp
 * sockets. socket(AF_INET, SOCK_STREAM, 0 or IPPROTO_TCP) is created in
 * the xtcp family instead; everything else passes through. Since xtcp
 * takes sockaddr_in and Linux TCP's options, nothing else has to change.
 *
 *   tools/xtcp-run curl http://127.0.0.1:8080/
 *
 * XTCP_FAMILY overrides the family number (default: the loaded module's,
 * from /sys/module/xtcp/parameters/family, else AF_XTCP).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "xtcp-family.h"

static int xtcp_family(void)
{
	const char *env = getenv("XTCP_FAMILY");

	return env ? atoi(env) : xtcp_loaded_family();
}

int socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);
	static int family;

	if (!real_socket)
		real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (domain == AF_INET && (type & 0xf) == SOCK_STREAM &&
	    (protocol == 0 || protocol == IPPROTO_TCP)) {
		if (!family)
			family = xtcp_family();
		return real_socket(family, type, protocol);
	}
	return real_socket(domain, type, protocol);
}
