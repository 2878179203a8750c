#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Simultaneous open and simultaneous close between two xtcp sockets.

    A 127.0.0.1:pa  ---- SYN -->   <-- SYN ----  B 127.0.0.1:pb
    (both connect() to each other; lo delays every packet 100 ms, so
     both SYNs cross in flight and neither side ever listens)

RFC 9293 3.5 Figure 8 (MUST-10): each side goes SYN-SENT -> SYN-RECEIVED
-> ESTABLISHED, and data flows. Figure 13: both close at once, each goes
FIN-WAIT-1 -> CLOSING -> TIME-WAIT -> CLOSED. States come from xtcp's
state tracepoint; prints TAP.
"""
import os
import socket
import subprocess
import sys
import time

TRACE = '/sys/kernel/tracing'
SYSCTL = '/proc/sys/net/xtcp/msl_ms'
from xtcp_tap import Tap, xtcp_socket  # noqa: E402


def states(port_a, port_b):
    """Each side's state path, from xtcp_state lines."""
    paths = {port_a: [], port_b: []}
    with open(os.path.join(TRACE, 'trace')) as f:
        for line in f:
            if 'xtcp_state:' not in line:
                continue
            parts = line.split('xtcp_state:')[1].split()
            local = int(parts[1].rsplit(':', 1)[1])
            if local in paths:
                old, new = parts[3], parts[5]
                if not paths[local]:
                    paths[local].append(old)
                paths[local].append(new)
    return paths


def wait_closed(paths_fn, ports, limit=10.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        p = paths_fn()
        if all(p[x] and p[x][-1] == 'CLOSED' for x in ports):
            return p
        time.sleep(0.05)
    return paths_fn()


def main():
    tap = Tap(4)
    check = tap.check
    with open(SYSCTL) as f:
        msl = f.read().strip()
    with open(SYSCTL, 'w') as f:
        f.write('100')
    with open(os.path.join(TRACE, 'trace'), 'w'):
        pass
    with open(os.path.join(TRACE, 'events/xtcp/enable'), 'w') as f:
        f.write('1')
    subprocess.run(['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem',
                    'delay', '100ms'], check=True)
    try:
        a, b = xtcp_socket(), xtcp_socket()
        a.bind(('127.0.0.1', 0))
        b.bind(('127.0.0.1', 0))
        pa, pb = a.getsockname()[1], b.getsockname()[1]
        a.setblocking(False)
        b.setblocking(False)
        for s, peer in ((a, pb), (b, pa)):
            try:
                s.connect(('127.0.0.1', peer))
            except BlockingIOError:
                pass
        for s in (a, b):
            s.settimeout(5)
            s.setblocking(True)
        # connect() again completes (or says EISCONN) once established.
        errs = []
        for s, peer in ((a, pb), (b, pa)):
            deadline = time.monotonic() + 5
            while True:
                err = s.connect_ex(('127.0.0.1', peer))
                if err in (0, 106):		# 0 or EISCONN: connected
                    break
                if time.monotonic() > deadline or err not in (114, 115):
                    errs.append(os.strerror(err))
                    break
                time.sleep(0.05)
        a.sendall(b'from a')
        b.sendall(b'from b')
        got = (b.recv(16), a.recv(16))
        p = states(pa, pb)
        want = ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']
        check('simultaneous open: both connect() succeed, data flows',
              not errs and got == (b'from a', b'from b'),
              f'connect errors {errs}, received {got}')
        check('simultaneous open: SYN-SENT -> SYN-RECEIVED -> ESTABLISHED '
              'on both sides (RFC 9293 Figure 8)',
              p[pa][:4] == want and p[pb][:4] == want,
              f'A {p[pa]}\nB {p[pb]}')

        # Both FINs cross in flight (Figure 13).
        a.shutdown(socket.SHUT_WR)
        b.shutdown(socket.SHUT_WR)
        eof = (a.recv(16), b.recv(16))
        p = wait_closed(lambda: states(pa, pb), (pa, pb))
        want = ['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']
        check('simultaneous close: both see EOF', eof == (b'', b''),
              f'received {eof}')
        check('simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT -> '
              'CLOSED on both sides (RFC 9293 Figure 13)',
              p[pa][-4:] == want and p[pb][-4:] == want,
              f'A {p[pa]}\nB {p[pb]}')
        a.close()
        b.close()
    finally:
        subprocess.run(['tc', 'qdisc', 'del', 'dev', 'lo', 'root'])
        with open(SYSCTL, 'w') as f:
            f.write(msl)
        with open(os.path.join(TRACE, 'events/xtcp/enable'), 'w') as f:
            f.write('0')
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
