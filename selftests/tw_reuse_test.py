#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many short connections through one xtcp listener, the server closing
first: each leaves a TIME-WAIT record, and the kernel hands out the same
ephemeral client ports again while those records live. A SYN for a
4-tuple in TIME-WAIT must reach the listener (RFC 9293 3.10.7.4, MAY-2:
its sequence number is beyond the old connection's), so every connect()
succeeds. Prints TAP.
"""
import ctypes
import socket
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
N = 3000


def xtcp_socket():
    with open('/sys/module/xtcp/parameters/family') as f:
        fd = libc.socket(int(f.read()), socket.SOCK_STREAM, 0)
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)


def time_waits():
    with open('/proc/net/xtcp_stat') as f:
        return int(f.read().split('\n')[1].split()[-1])


def main():
    print('TAP version 13')
    print('1..2')
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
    print(('ok' if ok else 'not ok'), 1, f'{N} connections, server closing '
          'first, all succeed')
    if not ok:
        print('#', err)
    tw = time_waits()
    # More connections than distinct client ports means ports were reused
    # while their 4-tuple was in TIME-WAIT; the records are still there.
    ok2 = ok and len(ports) < N and tw >= len(ports)
    print(('ok' if ok2 else 'not ok'), 2, 'ports were reused while in '
          'TIME-WAIT, and the records remain')
    print(f'# {len(ports)} distinct client ports, {tw} TIME-WAIT records')
    lst.close()
    return 0 if ok and ok2 else 1


if __name__ == '__main__':
    sys.exit(main())
