/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp: an alternative TCP as a loadable module. This header is all a
 * userspace program needs: the address family number. Addresses are plain
 * struct sockaddr_in and socket options are Linux TCP's (SOL_TCP), so a
 * program moves to xtcp by changing only its socket() call:
 *
 *	fd = socket(AF_XTCP, SOCK_STREAM, 0);
 *
 * AF_XTCP is a slot below AF_MAX that no in-tree family registers (22 was
 * reserved for the Linux SNA project, which never merged). If another module
 * holds it, load xtcp with "insmod xtcp.ko family=N"; the number in use is
 * then in /sys/module/xtcp/parameters/family.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#define AF_XTCP		22
#define PF_XTCP		AF_XTCP

/* Where the family number of the loaded module can be read at run time. */
#define XTCP_FAMILY_PATH	"/sys/module/xtcp/parameters/family"

/* Per-network-namespace tunables live in this directory. */
#define XTCP_SYSCTL_DIR		"/proc/sys/net/xtcp"

#endif /* _UAPI_LINUX_XTCP_H */
