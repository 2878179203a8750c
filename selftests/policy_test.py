#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host's packet policy applies to xtcp as to the kernel's TCP (issue
11): each case on the kernel's TCP first, then xtcp, in the same boot; a
case the kernel's TCP fails is a broken case, and is reported as such.

    init_net (the server under test, A)      netns "xtb" (client B: the
    va  198.51.100.1/24 <----- veth -----> vb  198.51.100.2/24   kernel's
    va2 203.0.113.1/24  <----- veth -----> vb2 203.0.113.2/24    TCP)

  xfrm_block       an IPsec policy `ip xfrm policy ... dir in action
                   block` for the listener's port: B's SYNs never reach
                   it (connect() times out); with the policy gone, B
                   connects
  redirect         nftables `redirect to :P2` in A's prerouting for port
                   P1, the listener on P2: B connects to P1 and 64 KiB
                   go both ways (conntrack must see A's connection
                   confirmed, or A's replies leave from P2 and B resets)
  conntrack_count  conntrack on: 8 MiB each way through one connection
                   leave the namespace's conntrack table at a handful of
                   entries, and every segment from B belongs to the
                   original direction of the entry B's SYN made (an
                   entry left unconfirmed would let A's SYN-ACK make one
                   the other way round)
  bindtodevice     a listener bound to va (SO_BINDTODEVICE) on the
                   wildcard address: B reaches it through va, and is
                   refused through va2 (no socket there: RST)

Socket filters are api_test's (socket_filter_*). Runs inside UML (the
debug kernel, built with nftables and xfrm), as root. TAP.
"""
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from review_test import STACKS  # noqa: E402
from xtcp_timers import (A_IP, B_IP, NS, Topo, run, tap_cases,  # noqa: E402
                         tcp_socket)

A2_IP, B2_IP = '203.0.113.1', '203.0.113.2'


def add_second_link():
    run('ip', 'link', 'add', 'va2', 'type', 'veth', 'peer', 'name', 'vb2',
        'netns', NS)
    run('ip', 'addr', 'add', f'{A2_IP}/24', 'dev', 'va2')
    run('ip', 'link', 'set', 'va2', 'up')
    run('ip', '-n', NS, 'addr', 'add', f'{B2_IP}/24', 'dev', 'vb2')
    run('ip', '-n', NS, 'link', 'set', 'vb2', 'up')


def listener(stack, port, addr=A_IP, dev=None):
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if dev:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    lst.bind((addr, port))
    lst.listen(8)
    lst.settimeout(5)
    return lst


def try_connect(addr, port, timeout):
    """B's kernel TCP connects: None, or the error."""
    c = tcp_socket(NS)
    c.settimeout(timeout)
    try:
        c.connect((addr, port))
        return None, c
    except OSError as e:
        c.close()
        return e, None


def exchange(cli, srv, size):
    """size bytes each way at once; returns whether both arrived intact."""
    a, b = os.urandom(size), os.urandom(size)
    got = {}

    def send(s, data):
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)

    def recv(s, key):
        buf = []
        while True:
            x = s.recv(65536)
            if not x:
                break
            buf.append(x)
        got[key] = b''.join(buf)

    cli.settimeout(60)
    srv.settimeout(60)
    ts = [threading.Thread(target=send, args=(cli, a)),
          threading.Thread(target=send, args=(srv, b)),
          threading.Thread(target=recv, args=(cli, 'cli')),
          threading.Thread(target=recv, args=(srv, 'srv'))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return (hashlib.sha256(got.get('cli', b'')).digest() == hashlib.sha256(b).digest() and
            hashlib.sha256(got.get('srv', b'')).digest() == hashlib.sha256(a).digest())


def case_xfrm(stack, port):
    bad, notes = [], []
    lst = listener(stack, port)
    pol = ['src', f'{B_IP}/32', 'dst', f'{A_IP}/32', 'proto', 'tcp',
           'dport', str(port), 'dir', 'in']
    run('ip', 'xfrm', 'policy', 'add', *pol, 'action', 'block')
    try:
        err, c = try_connect(A_IP, port, 1.5)
        notes.append(f'with the policy: {err or "connected"}')
        if err is None:
            bad.append('B connected through a blocking IPsec policy')
            c.close()
    finally:
        run('ip', 'xfrm', 'policy', 'delete', *pol)
    err, c = try_connect(A_IP, port, 5)
    notes.append(f'without: {err or "connected"}')
    if err:
        bad.append(f'without the policy: {err}')
    else:
        c.close()
    lst.close()
    return bad, notes


def nft(script):
    r = subprocess.run(['nft', '-f', '-'], input=script, text=True,
                       capture_output=True)
    if r.returncode:
        raise RuntimeError(f'nft: {r.stderr.strip()}')


def case_redirect(stack, port):
    bad, notes = [], []
    lst = listener(stack, port + 1, addr='0.0.0.0')
    nft(f'table ip xtcp_redir {{\n chain pre {{\n'
        f'  type nat hook prerouting priority -100\n'
        f'  tcp dport {port} redirect to :{port + 1}\n }}\n}}\n')
    try:
        err, c = try_connect(A_IP, port, 5)
        if err:
            return [f'connect to the redirected port: {err}'], notes
        srv, peer = lst.accept()
        notes.append(f'accepted {peer} on {srv.getsockname()}, B sees '
                     f'{c.getpeername()}')
        if not exchange(c, srv, 64 << 10):
            bad.append('64 KiB each way did not arrive intact')
        c.close()
        srv.close()
    finally:
        nft('delete table ip xtcp_redir')
        lst.close()
    return bad, notes


def ct_count():
    with open('/proc/sys/net/netfilter/nf_conntrack_count') as f:
        return int(f.read())


def case_conntrack(stack, port):
    bad, notes = [], []
    lst = listener(stack, port)
    # Conntrack on, and B's segments counted by the direction conntrack
    # gave them: all "original" if A's connection was confirmed from B's
    # SYN; "reply" if an entry made by A's own SYN-ACK caught them
    nft('table ip xtcp_ct {\n chain in {\n'
        '  type filter hook input priority 0\n'
        f'  tcp dport {port} ct direction original counter\n'
        f'  tcp dport {port} ct direction reply counter\n'
        '  ct state invalid counter\n }\n}\n')
    try:
        time.sleep(0.2)
        base = ct_count()
        err, c = try_connect(A_IP, port, 5)
        if err:
            return [f'connect: {err}'], notes
        srv, _ = lst.accept()
        peak = [ct_count()]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(ct_count())
                time.sleep(0.05)
        t = threading.Thread(target=sample)
        t.start()
        ok = exchange(c, srv, 8 << 20)
        stop.set()
        t.join()
        out = subprocess.run(['nft', 'list', 'table', 'ip', 'xtcp_ct'],
                             capture_output=True, text=True).stdout
        rules = [ln.strip() for ln in out.splitlines() if 'counter' in ln]
        pkts = [int(ln.split('packets ')[1].split()[0]) for ln in rules]
        notes.append(f'conntrack entries: {base} before, at most {max(peak)} '
                     f'during 8 MiB each way; ' + '; '.join(rules))
        if len(pkts) != 3 or not pkts[0] or pkts[1]:
            bad.append('B\'s segments were not all in the original direction '
                       'of a confirmed entry')
        if not ok:
            bad.append('8 MiB each way did not arrive intact')
        if max(peak) - base > 4:
            bad.append(f'the conntrack table grew by {max(peak) - base}: '
                       'entries are made and not confirmed')
        c.close()
        srv.close()
    finally:
        nft('delete table ip xtcp_ct')
        lst.close()
    return bad, notes


def case_bindtodevice(stack, port):
    bad, notes = [], []
    lst = listener(stack, port, addr='0.0.0.0', dev='va')
    err, c = try_connect(A_IP, port, 5)
    notes.append(f'through va: {err or "connected"}')
    if err:
        bad.append(f'through va, the bound device: {err}')
    else:
        lst.accept()[0].close()
        c.close()
    err, c = try_connect(A2_IP, port, 3)
    notes.append(f'through va2: {err or "connected"}')
    if not isinstance(err, ConnectionRefusedError):
        bad.append(f'through va2: {err or "connected"}, want ECONNREFUSED '
                   '(the listener is bound to va)')
    if c:
        c.close()
    lst.close()
    return bad, notes


CASES = [('xfrm_block', case_xfrm), ('redirect', case_redirect),
         ('conntrack_count', case_conntrack), ('bindtodevice', case_bindtodevice)]


def main():
    topo = Topo()
    add_second_link()
    ports = iter(range(8110, 8500, 10))
    tap_cases([(n, st, lambda f=f, st=st, p=next(ports): f(st, p))
               for n, f in CASES for st in ('kernel', 'xtcp')])
    topo.close()


if __name__ == '__main__':
    main()
