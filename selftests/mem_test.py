#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Global memory limits (issue 11): net.xtcp.mem against 1,000 peers that
never read, on xtcp and on the kernel's TCP (net.ipv4.tcp_mem) in the same
boot.

    init_net (the servers under test, A)    netns "xtb" (1,000 clients B,
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24  of the
                                            other stack: never read)

The clients are the other stack's sockets, so the memory each stack counts
is its servers' alone.

  zero_window_1000  mem = 1024 2048 4096 pages. A accepts 1,000
                    connections, gives each a 384 KiB send buffer
                    (SO_SNDBUF) and writes until it would block; B's
                    4 KiB receive buffers fill and B advertises a zero
                    window for ever. Without a limit that is 375 MiB held.
                    The stack's memory (/proc/net/protocols, pages) must
                    stay within mem[2], give or take what the per-CPU
                    batching of charges hides (net.core.mem_pcpu_rsv
                    pages per CPU), and the stack must enter memory
                    pressure. (The kernel's TCP peaked at mem[2] exactly in
                    every run here.)
                    Then A closes them all: orphans over the limit are
                    reset at once (TCPAbortOnMemory, tcp_check_oom()), the
                    others given up as tcp_probe_timer() gives orphans up
                    once their probes back off to the RTO ceiling; within
                    60 s every one is gone and the memory is back under
                    mem[0]. The kernel's ceiling is 120 s (about 3.5
                    minutes of probes), so that part runs on xtcp alone
                    with rto_max_ms 3200 and fin_timeout 5 (the peers
                    that did take all their data leave FIN-WAIT-2
                    orphans); with MEM_FULL=1 (make soak),
                    on both stacks at their defaults (600 s each).

  pressure_window   the window stops growing under memory pressure (as
                    Linux's tcp_adjust_rcv_ssthresh()): B sends 3 MiB
                    that A, with SO_RCVBUFFORCE 2 MiB, never reads; with mem =
                    1 1 4194304 pages the stack is under pressure once A
                    holds more than the per-CPU batching hides (1 MiB),
                    and A's tcpi_rcv_ssthresh, the ceiling of the window
                    it offers, is then at most four segments (4
                    tcpi_advmss); without pressure (mem 1M 2M 4M pages)
                    it stays above that.

Runs inside UML, as root. TAP.
"""
import os
import resource
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from review_test import STACKS  # noqa: E402
from xtcp_timers import (A_IP, NS, Topo, netns, rd,  # noqa: E402
                         stack_counters, tap_cases, wr)

FULL = os.environ.get('MEM_FULL') == '1'
N = 1000
MEM = (1024, 2048, 4096)
SNDBUF = 196608			# doubled by the kernel: 384 KiB
SO_RCVBUFFORCE = 33		# SO_RCVBUF past net.core.rmem_max
PAGE = os.sysconf('SC_PAGE_SIZE')
KNOBS = {
    'kernel': {'mem': '/proc/sys/net/ipv4/tcp_mem'},
    'xtcp': {'mem': '/proc/sys/net/xtcp/mem',
             'rto_max': '/proc/sys/net/xtcp/rto_max_ms',
             'fin_timeout': '/proc/sys/net/xtcp/fin_timeout'},
}
PROTO = {'kernel': 'TCP', 'xtcp': 'XTCP'}
OTHER = {'kernel': 'xtcp', 'xtcp': 'kernel'}


def memory(stack):
    """The stack's memory_allocated in pages, from /proc/net/protocols
    (-1: it keeps no account)."""
    with open('/proc/net/protocols') as f:
        rows = [ln.split() for ln in f]
    col = rows[0].index('memory')
    for r in rows[1:]:
        if r[0] == PROTO[stack]:
            return int(r[col])
    raise RuntimeError(f'{PROTO[stack]} not in /proc/net/protocols')


def pressure(stack):
    """Whether the stack says it is under memory pressure now."""
    with open('/proc/net/protocols') as f:
        rows = [ln.split() for ln in f]
    col = rows[0].index('press')
    for r in rows[1:]:
        if r[0] == PROTO[stack]:
            return r[col]
    return None


def states(stack, port):
    """A's sockets and records on @port by state (hex, as /proc/net/tcp),
    the listener excluded."""
    path = '/proc/net/tcp' if stack == 'kernel' else '/proc/net/xtcp'
    seen = {}
    with open(path) as f:
        for ln in list(f)[1:]:
            p = ln.split()
            if int(p[1].split(':')[1], 16) == port and p[3] != '0A':
                seen[p[3]] = seen.get(p[3], 0) + 1
    return seen


class Sampler(threading.Thread):
    """Polls the stack's memory every 20 ms: the peak, and pressure."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.stack, self.peak, self.pressed, self.stop = stack, -1, False, False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, memory(self.stack))
            self.pressed |= pressure(self.stack) == 'yes'
            time.sleep(0.02)


def connect_all(stack, port):
    """N connections from B (the other stack) to A's listener on @port."""
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((A_IP, port))
    lst.listen(N)
    lst.settimeout(10)
    clis, srvs = [], []
    with netns(NS):
        for _ in range(N):
            c = STACKS[OTHER[stack]]()
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            clis.append(c)
    for c in clis:
        c.connect((A_IP, port))
        s, _ = lst.accept()
        srvs.append(s)
    lst.close()
    return clis, srvs


def fill(srvs):
    """Write to each of A's sockets until it would block; bytes written."""
    buf, sent = b'z' * 65536, 0
    for s in srvs:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        s.setblocking(False)
        while True:
            try:
                sent += s.send(buf)
            except BlockingIOError:
                break
    return sent


def case_zero_window(ctx, stack, port):
    knobs = KNOBS[stack]
    if memory(stack) < 0:
        return ([f'{PROTO[stack]} keeps no memory account '
                 '(/proc/net/protocols memory -1): nothing bounds it'], [])
    old = {k: rd(p) for k, p in knobs.items()}
    before = stack_counters(stack)
    bad, notes = [], []
    wr(knobs['mem'], ' '.join(map(str, MEM)))
    reap = FULL or stack == 'xtcp'
    if not FULL and stack == 'xtcp':
        wr(knobs['rto_max'], 3200)
        wr(knobs['fin_timeout'], 5)
    smp = Sampler(stack)
    try:
        clis, srvs = connect_all(stack, port)
        smp.start()
        sent = fill(srvs)
        time.sleep(1)
        held = memory(stack)
        t0 = time.monotonic()
        for s in srvs:
            s.close()
        seen, left, limit = {}, N, (600 if FULL else 60) if reap else 5
        while time.monotonic() - t0 < limit:
            seen = states(stack, port)
            left = sum(seen.values())
            if not left and memory(stack) < MEM[0]:
                break
            time.sleep(0.2)
        reaped = time.monotonic() - t0
        smp.stop = True
        smp.join()
        after = memory(stack)
        for c in clis:
            c.close()
    finally:
        for k, p in knobs.items():
            wr(p, old[k])
    delta = {k: v - before.get(k, 0) for k, v in stack_counters(stack).items()}
    # Charges are batched per CPU: the account may lag by
    # net.core.mem_pcpu_rsv pages on each.
    slack = int(rd('/proc/sys/net/core/mem_pcpu_rsv')) * os.cpu_count()
    bound = MEM[2] + slack
    notes.append(f'{sent >> 20} MiB written to {N} connections; memory held '
                 f'{held} pages after the writes, peak {smp.peak} pages '
                 f'({smp.peak * PAGE >> 20} MiB; bound {bound} = mem[2] '
                 f'{MEM[2]} + per-CPU batching {slack}); pressure seen: '
                 f'{smp.pressed}')
    notes.append(f'after close(): {N - left} of {N} gone in {reaped:.1f} s, '
                 f'memory {after} pages; TCPAbortOnMemory '
                 f'+{delta.get("TCPAbortOnMemory", 0)}, TCPMemoryPressures '
                 f'+{delta.get("TCPMemoryPressures", 0)}')
    if smp.peak > bound:
        bad.append(f'peak {smp.peak} pages passed the bound {bound}')
    if not smp.pressed:
        bad.append('memory pressure never entered')
    if not reap:
        notes.append('orphans given up: not checked (the kernel\'s RTO '
                     'ceiling is 120 s; MEM_FULL=1 checks it)')
    elif left:
        bad.append(f'{left} connections still there {limit} s after close(), '
                   f'by state: {seen}')
    elif after >= MEM[0]:
        bad.append(f'{after} pages still held, want under mem[0] {MEM[0]}')
    return bad, notes


def rcv_ceiling(stack, port, mem):
    """B (the other stack) sends A (@stack) 3 MiB that A does not read,
    @stack's memory limits at @mem: A's tcpi_rcv_ssthresh and tcpi_advmss
    then, and whether @stack was under memory pressure."""
    knob = KNOBS[stack]['mem']
    saved = rd(knob)
    wr(knob, ' '.join(map(str, mem)))
    try:
        lst = STACKS[stack]()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 2 << 20)
        lst.bind((A_IP, port))
        lst.listen(1)
        with netns(NS):
            c = STACKS[OTHER[stack]]()
        c.connect((A_IP, port))
        s, _ = lst.accept()
        c.setblocking(False)
        sent, end, buf = 0, time.monotonic() + 3, b'p' * 16384
        while sent < 3 << 20 and time.monotonic() < end:
            try:
                sent += c.send(buf)
            except BlockingIOError:
                time.sleep(0.01)
        time.sleep(0.3)
        pressed = pressure(stack) == 'yes'
        raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        ssthresh, advmss = (struct.unpack_from('I', raw, off)[0]
                            for off in (64, 84))
        for x in (c, s, lst):
            x.close()
    finally:
        wr(knob, saved)
    return ssthresh, advmss, pressed


def case_pressure_window(stack, port):
    bad, notes = [], []
    for mem, want in (((1 << 20, 1 << 21, 1 << 22), False),
                      ((1, 1, 1 << 22), True)):
        ssthresh, advmss, pressed = rcv_ceiling(stack, port, mem)
        port += 1
        notes.append(f'mem {mem[0]} {mem[1]} {mem[2]}: '
                     f'{"" if pressed else "no "}pressure, rcv_ssthresh '
                     f'{ssthresh}, advmss {advmss}')
        if pressed != want:
            bad.append(f'pressure {pressed} with mem {mem}')
        if (ssthresh <= 4 * advmss) != want:
            bad.append(f'rcv_ssthresh {ssthresh} with mem {mem}: want '
                       f'{"at most" if want else "above"} 4 x {advmss}')
    return bad, notes


def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (4 * N, 4 * N))
    topo = Topo()
    try:
        tap_cases([('zero_window_1000', st,
                    lambda st=st, p=port: case_zero_window(topo, st, p))
                   for st, port in (('kernel', 7101), ('xtcp', 7102))] +
                  [('pressure_window', st,
                    lambda st=st, p=port: case_pressure_window(st, p))
                   for st, port in (('kernel', 7110), ('xtcp', 7120))])
    finally:
        topo.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
