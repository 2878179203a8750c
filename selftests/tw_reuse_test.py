#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many short connections through one xtcp listener, the server closing
first: each leaves a TIME-WAIT record, and the kernel hands out the same
ephemeral client ports again while those records live. A SYN for a
4-tuple in TIME-WAIT must reach the listener (RFC 9293 3.10.7.4, MAY-2:
its sequence number is beyond the old connection's), so every connect()
succeeds. Prints TAP.
"""
import socket
import sys
import time

from xtcp_tap import Tap, xtcp_socket  # noqa: E402

N = 3000


def time_waits():
    with open('/proc/net/xtcp_stat') as f:
        return int(f.read().split('\n')[1].split()[-1])


def main():
    tap = Tap(2)
    lst = xtcp_socket()
    lst.bind(('127.0.0.1', 0))
    lst.listen(128)
    addr = lst.getsockname()
    ports, err = set(), None
    for i in range(N):
        try:
            c = xtcp_socket()
            c.settimeout(5)
            c.connect(addr)
            ports.add(c.getsockname()[1])
            s, _ = lst.accept()
            s.close()		# the server closes first: its side waits
            c.recv(1)
            c.close()
        except OSError as e:
            err = f'connection {i}: {e}'
            break
    ok = err is None
    tap.check(f'{N} connections, server closing first, all succeed', ok,
              err or '')
    tw = time_waits()
    # More connections than distinct client ports means ports were reused
    # while their 4-tuple was in TIME-WAIT; the records are still there.
    tap.check('ports were reused while in TIME-WAIT, and the records remain',
              ok and len(ports) < N and tw >= len(ports),
              f'{len(ports)} distinct client ports, {tw} TIME-WAIT records')
    lst.close()
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
