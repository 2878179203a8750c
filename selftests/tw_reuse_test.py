#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many short connections through one xtcp listener, the server closing
first: each leaves a TIME-WAIT record, and the kernel hands out the same
ephemeral client ports again while those records live. A SYN for a
4-tuple in TIME-WAIT must reach the listener (RFC 9293 3.10.7.4, MAY-2:
its sequence number is beyond the old connection's), so every connect()
succeeds.

Then net.xtcp.max_tw_buckets (Linux's tcp_max_tw_buckets), in a namespace
of its own: CAP server-first closes leave CAP records, the rest close at
once and count as TimeWaitOverflow; every connection still delivers its
byte, and the records leave with their 2 MSL. Prints TAP.
"""
import subprocess
import sys
import time

from xtcp_tap import Tap, xtcp_socket  # noqa: E402
from xtcp_timers import netns  # noqa: E402
from xtcp_wire import sysctl  # noqa: E402

N = 3000
CAP, EXTRA = 5, 7	# max_tw_buckets, and connections beyond it
CAP_NS = 'xtcp-twcap'
CAP_MSL_MS = 1000	# 2 s of TIME-WAIT in that namespace


def xtcp_stat():
    """/proc/net/xtcp_stat of the current namespace, by name."""
    with open('/proc/net/xtcp_stat') as f:
        names, values = f.read().split('\n')[:2]
    return dict(zip(names.split()[1:], map(int, values.split()[1:])))


def time_waits():
    return xtcp_stat()['TimeWaits']


def tw_lines():
    """TIME-WAIT rows (st 06) of /proc/net/xtcp."""
    with open('/proc/net/xtcp') as f:
        return sum(1 for ln in f.readlines()[1:] if ln.split()[3] == '06')


def cap_cases(tap):
    subprocess.run(['ip', 'netns', 'add', CAP_NS], check=True)
    try:
        subprocess.run(['ip', '-n', CAP_NS, 'link', 'set', 'lo', 'up'], check=True)
        with netns(CAP_NS):
            sysctl('net/xtcp/max_tw_buckets', CAP)
            sysctl('net/xtcp/msl_ms', CAP_MSL_MS)
            lst = xtcp_socket()
            lst.bind(('127.0.0.1', 0))
            lst.listen(16)
            err = None
            for i in range(CAP + EXTRA):
                try:
                    c = xtcp_socket()
                    c.settimeout(5)
                    c.connect(lst.getsockname())
                    s, _ = lst.accept()
                    s.sendall(b'x')
                    s.close()	# the server closes first: its side waits
                    if c.recv(2) != b'x' or c.recv(1) != b'':
                        err = f'connection {i}: not one byte then EOF'
                    c.close()
                except OSError as e:
                    err = f'connection {i}: {e}'
                    break
            time.sleep(0.2)	# the last closes' ACKs
            st, rows = xtcp_stat(), tw_lines()
            time.sleep(2 * CAP_MSL_MS / 1000 + 1)
            after = xtcp_stat()
            lst.close()
    finally:
        subprocess.run(['ip', 'netns', 'del', CAP_NS])
    tap.check(f'max_tw_buckets={CAP}: {CAP + EXTRA} server-first closes, each '
              'delivers its byte and EOF', err is None, err or '')
    tap.check(f'max_tw_buckets={CAP}: {CAP} TIME-WAIT records, {EXTRA} overflows',
              st['TimeWaits'] == CAP and rows == CAP and
              st['TimeWaitOverflow'] == EXTRA,
              f'TimeWaits {st["TimeWaits"]}, /proc/net/xtcp rows {rows}, '
              f'TimeWaitOverflow {st["TimeWaitOverflow"]}')
    tap.check('the records leave after 2 MSL, the count with them',
              after['TimeWaits'] == 0, f'TimeWaits {after["TimeWaits"]} after 2 MSL')


def main():
    tap = Tap(5)
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
    cap_cases(tap)
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
