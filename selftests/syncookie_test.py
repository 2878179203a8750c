#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SYN cookies (RFC 4987 3.6; issue 11), each case on xtcp and on the
kernel's TCP in the same boot, with the same setting of each stack's
syncookies knob (net.xtcp.syncookies, net.ipv4.tcp_syncookies): a case
the kernel's TCP fails is a broken case, and is reported as such.

    init_net (the listener under test, A)   netns "xtb" (the peer, B)
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24
                                            capture and injector on vb;
                                            B's own kernel silenced when
                                            the injector plays the peer

  cookie_options     syncookies=2: a SYN offering MSS 1460, window scale
                     7, SACK and timestamps gets one SYN-ACK that offers
                     them back, the peer's scale and SACK in the low six
                     bits of its TSval (Linux's encoding), and is never
                     resent (no state kept); the ACK that returns the
                     cookie 2.5 s later, carrying data, makes a connection
                     accept() returns, with the data; counters move
  cookie_no_options  a SYN with only MSS 1000: the SYN-ACK offers no
                     window scale, SACK or timestamps (nowhere to keep
                     them), and the connection sends 536-byte segments
                     (the MSS table rounds 1000 down to 536)
  cookie_maxseg      a listener with TCP_MAXSEG 1000, a SYN offering MSS
                     1460: the SYN-ACK offers 1000, and the cookie keeps
                     the smaller of the two, so the connection sends
                     536-byte segments (the table again), never 1460
  cookie_bad_ack     an ACK whose cookie is wrong draws <SEQ=SEG.ACK>
                     <CTL=RST>, makes no connection, and moves
                     SyncookiesFailed
  cookie_on_overflow syncookies=1, backlog 1: of three SYNs the first
                     two are queued (their SYN-ACKs resent), the third
                     answered with a cookie (not resent)
  cookie_transfer    syncookies=2: ten connections from B's kernel TCP,
                     64 KiB each way on each, hashes compared
  dup_syn_ratelimit  a SYN queued (no cookie), then 20 copies of it 10 ms
                     apart: the SYN-ACK is resent for the first copy only
                     (tcp_check_req() rate-limits resends, as
                     tcp_oow_rate_limited(): one per 500 ms; one more per
                     500 ms the copies took, should UML be that slow),
                     the others counted as TCPACKSkippedSynRecv; a
                     spoofer cannot turn a listener into a SYN-ACK
                     amplifier

Runs inside UML, as root. TAP: one case per rule and stack.
"""
import hashlib
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from review_test import STACKS, out_to  # noqa: E402
from xtcp_timers import (A_IP, NS, Capture, Injector, Topo,  # noqa: E402
                         run, show, stack_counters, tap_cases,
                         tcp_socket, tsopt)

KNOB = {'kernel': '/proc/sys/net/ipv4/tcp_syncookies',
        'xtcp': '/proc/sys/net/xtcp/syncookies'}


counters = stack_counters


def delta(stack, before, name):
    return counters(stack)[name] - before[name]


def set_knob(stack, value):
    with open(KNOB[stack], 'w') as f:
        f.write(f'{value}\n')


def options_of(seg):
    """(kinds present, MSS, window scale) of a captured segment."""
    o, i, kinds, mss, ws = seg['opts'], 0, set(), None, None
    while i < len(o) and o[i] != 0:
        if o[i] == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        kinds.add(o[i])
        if o[i] == 2:
            mss = int.from_bytes(o[i + 2:i + 4], 'big')
        if o[i] == 3:
            ws = o[i + 2]
        i += o[i + 1]
    return kinds, mss, ws


def listener(stack, port, backlog=4):
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((A_IP, port))
    lst.listen(backlog)
    lst.settimeout(3)
    return lst


def synacks(cap, cport):
    return cap.get(lambda s: out_to(cport)(s) and set('S.') <= set(s['flags']))


def case_options(ctx, stack, port):
    topo, cap, inj = ctx
    set_knob(stack, 2)
    lst = listener(stack, port)
    before = counters(stack)
    bad, notes = [], []
    cport = 41000 + port % 1000
    topo.silence(True)
    cap.clear()
    inj.send(cport, port, 5000, 0, 'S', win=65535, mss=1460, wscale=7,
             ts=(1000, 0), sack=True)
    time.sleep(2.5)
    sa = synacks(cap, cport)
    if len(sa) != 1:
        return [f'{len(sa)} SYN-ACKs in 2.5 s, want exactly 1 (a cookie '
                'keeps no state to resend from)'] + [show(s) for s in sa], notes
    sa = sa[0]
    kinds, mss, ws = options_of(sa)
    ts = tsopt(sa)
    notes.append(f'SYN-ACK {show(sa)} options {sorted(kinds)} mss {mss} ws {ws} ts {ts}')
    if sa['ack'] != 5001:
        bad.append(f'SYN-ACK acks {sa["ack"]}, want 5001')
    if not {2, 3, 4, 8} <= kinds:
        bad.append('SYN-ACK does not offer MSS, window scale, SACK and timestamps back')
    if ts is None or ts[1] != 1000:
        bad.append(f'SYN-ACK TSecr {ts and ts[1]}, want 1000')
    y = sa['seq']
    cap.clear()
    inj.send(cport, port, 5001, y + 1, 'P.', win=65535 >> 7, payload=b'hello',
             ts=(3500, ts[0] if ts else 0))
    try:
        srv, _ = lst.accept()
    except OSError as e:
        now = counters(stack)
        return bad + [f'accept() after the cookie ACK: {e}'] + \
            [show(s) for s in cap.get(out_to(cport))] + \
            [f'{k} +{now[k] - before[k]}' for k in now if now[k] != before.get(k)], notes
    srv.settimeout(3)
    got = srv.recv(100)
    if got != b'hello':
        bad.append(f'the ACK\'s data: got {got!r}, want b"hello"')
    srv.sendall(b'x' * 100)
    d = cap.wait(lambda s: out_to(cport)(s) and s['len'] == 100, 3)
    if d is None:
        bad.append('100 bytes written, never sent')
    else:
        notes.append(f'data {show(d)} ts {tsopt(d)}')
        if d['ack'] != 5006:
            bad.append(f'data acks {d["ack"]}, want 5006')
        if d['seq'] != y + 1:
            bad.append(f'data at {d["seq"]}, want {y + 1}: ISS is the cookie')
        dts = tsopt(d)
        if dts is None or dts[1] != 3500:
            bad.append(f'data TSecr {dts and dts[1]}, want 3500')
        elif ts and not 0 <= dts[0] - ts[0] < 10000:
            bad.append(f'data TSval {dts[0]} not on the SYN-ACK\'s clock {ts[0]}')
        # The peer's scale came back in the cookie: window 511 << 7
        cap.clear()
        inj.send(cport, port, 5006, y + 101, '.', win=65535 >> 7,
                 ts=(3600, dts[0] if dts else 0))
        srv.sendall(b'w' * 20000)
        time.sleep(0.5)
        out = sum(s['len'] for s in cap.get(out_to(cport)))
        notes.append(f'{out} bytes sent into a window of 511 << 7')
        if out <= 511:
            bad.append(f'{out} bytes sent into a window of 511 << 7: the '
                       'peer\'s window scale was lost')
    sent, recv = delta(stack, before, 'SyncookiesSent'), delta(stack, before, 'SyncookiesRecv')
    notes.append(f'SyncookiesSent +{sent}, SyncookiesRecv +{recv}')
    if sent != 1 or recv != 1:
        bad.append('want SyncookiesSent +1 and SyncookiesRecv +1')
    inj.send(cport, port, 5006, y + 20101, 'R')
    srv.close()
    lst.close()
    return bad, notes


def one_mss_per_skb(fn, *args):
    """fn(*args) with syncookies=2 and one MSS per skb on the wire, so the
    capture sees segment sizes."""
    run('ip', 'link', 'set', 'va', 'gso_max_segs', '1')
    try:
        return fn(*args)
    finally:
        run('ip', 'link', 'set', 'va', 'gso_max_segs', '65535')


def cookie_segments(ctx, lst, port, cport, isn, peer_mss, judge, total):
    """A SYN offering MSS @peer_mss alone, answered with a cookie;
    @judge(SYN-ACK) -> (bad, notes) says what it must offer. The cookie's
    connection then sends @total bytes in segments of at most 536, some
    of 536 (Linux's MSS table)."""
    topo, cap, inj = ctx
    topo.silence(True)
    cap.clear()
    inj.send(cport, port, isn, 0, 'S', win=65535, mss=peer_mss)
    sa = cap.wait(lambda s: out_to(cport)(s) and 'S' in s['flags'], 3)
    if sa is None:
        return ['no SYN-ACK'], []
    bad, notes = judge(sa)
    inj.send(cport, port, isn + 1, sa['seq'] + 1, '.', win=65535)
    try:
        srv, _ = lst.accept()
    except OSError as e:
        return bad + [f'accept() after the cookie ACK: {e}'], notes
    cap.clear()
    srv.sendall(b'z' * total)
    time.sleep(0.5)
    lens = [s['len'] for s in cap.get(out_to(cport)) if s['len']]
    notes.append(f'data segments {lens}')
    if not lens or max(lens) != 536:
        bad.append(f'segment sizes {lens}, want 536 at most and some of 536')
    inj.send(cport, port, isn + 1, sa['seq'] + 1 + sum(lens), 'R')
    srv.close()
    return bad, notes


def case_no_options(ctx, stack, port):
    def judge(sa):
        kinds = options_of(sa)[0]
        bad = [] if kinds == {2} else [f'SYN-ACK options {sorted(kinds)}, want the MSS alone']
        return bad, [f'SYN-ACK {show(sa)} options {sorted(kinds)}']

    set_knob(stack, 2)
    lst = listener(stack, port)
    try:
        return one_mss_per_skb(cookie_segments, ctx, lst, port, 42000 + port % 1000,
                               6000, 1000, judge, 1500)
    finally:
        lst.close()


def case_maxseg(ctx, stack, port):
    def judge(sa):
        mss = options_of(sa)[1]
        bad = [] if mss == 1000 else [f'SYN-ACK offers MSS {mss}, want 1000 (TCP_MAXSEG)']
        return bad, [f'SYN-ACK {show(sa)} MSS {mss}']

    set_knob(stack, 2)
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(3)
    try:
        return one_mss_per_skb(cookie_segments, ctx, lst, port, 44000 + port % 1000,
                               7000, 1460, judge, 3000)
    finally:
        lst.close()


def case_bad_ack(ctx, stack, port):
    topo, cap, inj = ctx
    set_knob(stack, 2)
    lst = listener(stack, port)
    before = counters(stack)
    bad, notes = [], []
    cport = 43000 + port % 1000
    topo.silence(True)
    cap.clear()
    inj.send(cport, port, 7000, 0, 'S', win=65535, mss=1460)
    sa = cap.wait(lambda s: out_to(cport)(s) and 'S' in s['flags'], 3)
    if sa is None:
        return ['no SYN-ACK'], notes
    cap.clear()
    wrong = (sa['seq'] + 1 + 12345) % 2**32
    inj.send(cport, port, 7001, wrong, '.', win=65535)
    rst = cap.wait(lambda s: out_to(cport)(s) and 'R' in s['flags'], 2)
    if rst is None:
        bad.append('no RST for the ACK of a wrong cookie')
    else:
        notes.append(f'RST {show(rst)}')
        if rst['seq'] != wrong:
            bad.append(f'RST seq {rst["seq"]}, want SEG.ACK {wrong}')
    lst.settimeout(0.5)
    try:
        lst.accept()
        bad.append('accept() returned a connection for a wrong cookie')
    except OSError:
        pass
    failed = delta(stack, before, 'SyncookiesFailed')
    notes.append(f'SyncookiesFailed +{failed}')
    if failed != 1:
        bad.append('want SyncookiesFailed +1')
    lst.close()
    return bad, notes


def case_overflow(ctx, stack, port):
    topo, cap, inj = ctx
    set_knob(stack, 1)
    lst = listener(stack, port, backlog=1)
    before = counters(stack)
    bad, notes = [], []
    ports = [44000 + port % 1000 + i for i in range(3)]
    topo.silence(True)
    cap.clear()
    for i, p in enumerate(ports):
        inj.send(p, port, 8000 + i * 1000, 0, 'S', win=65535, mss=1460)
        time.sleep(0.05)
    time.sleep(2.5)
    counts = [len(synacks(cap, p)) for p in ports]
    sent = delta(stack, before, 'SyncookiesSent')
    notes.append(f'SYN-ACKs per SYN in 2.5 s: {counts}; SyncookiesSent +{sent}')
    if counts[0] < 2 or counts[1] < 2 or counts[2] != 1:
        bad.append('want the first two SYN-ACKs resent (queued) and the '
                   'third sent once (a cookie)')
    if sent != 1:
        bad.append('want SyncookiesSent +1')
    for i, p in enumerate(ports):
        inj.send(p, port, 8001 + i * 1000, 0, 'R')
    lst.close()
    return bad, notes


def case_dup_syn(ctx, stack, port):
    topo, cap, inj = ctx
    set_knob(stack, 1)
    lst = listener(stack, port)
    before = counters(stack)
    cport = 45000 + port % 1000
    topo.silence(True)
    cap.clear()
    inj.send(cport, port, 9000, 0, 'S', win=65535, mss=1460)
    time.sleep(0.05)
    t0 = time.monotonic()
    for _ in range(20):
        inj.send(cport, port, 9000, 0, 'S', win=65535, mss=1460)
        time.sleep(0.01)
    took = time.monotonic() - t0
    time.sleep(0.05)		# before the first timeout's resend (1 s)
    n = len(synacks(cap, cport))
    want = 2 + int(took / 0.5)
    skipped = (counters(stack).get('TCPACKSkippedSynRecv', 0) -
               before.get('TCPACKSkippedSynRecv', 0))
    inj.send(cport, port, 9001, 0, 'R')
    lst.close()
    notes = [f'SYN-ACKs for one SYN and 20 copies in {took:.2f} s: {n}; '
             f'TCPACKSkippedSynRecv +{skipped}']
    bad = []
    if not 2 <= n <= want:
        bad.append(f'want 2 to {want}: the first, and one resent for the '
                   'first copy (and per 500 ms after)')
    if skipped < 15:
        bad.append('want the copies held back counted')
    return bad, notes


def case_transfer(ctx, stack, port):
    topo, cap = ctx
    set_knob(stack, 2)
    lst = listener(stack, port, backlog=16)
    lst.settimeout(10)
    before = counters(stack)
    bad, notes = [], []
    n, size = 10, 64 * 1024
    results = {}

    def client(i):
        data = os.urandom(size)
        c = tcp_socket(NS)
        c.settimeout(10)
        try:
            c.connect((A_IP, port))
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            got = b''
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got += b
            results[i] = (hashlib.sha256(data).hexdigest(), got)
        except OSError as e:
            results[i] = (None, e)
        c.close()

    def serve(s):
        s.settimeout(10)
        got = b''
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.sendall(hashlib.sha256(got).hexdigest().encode())
        s.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    servers = []
    try:
        for _ in range(n):
            s, _ = lst.accept()
            t = threading.Thread(target=serve, args=(s,))
            t.start()
            servers.append(t)
    except OSError as e:
        bad.append(f'accept(): {e}')
    for t in threads + servers:
        t.join(20)
    ok = sum(1 for want, got in results.values()
             if want is not None and got == want.encode())
    notes.append(f'{ok} of {n} connections carried {size} bytes intact')
    if ok != n:
        bad.append(f'only {ok} of {n} transfers intact: '
                   f'{[r[1] for r in results.values() if r[0] is None][:3]}')
    recv = delta(stack, before, 'SyncookiesRecv')
    notes.append(f'SyncookiesRecv +{recv}')
    if recv != n:
        bad.append(f'want SyncookiesRecv +{n}')
    lst.close()
    return bad, notes


CASES = [
    ('cookie_options', case_options, 'inject'),
    ('cookie_no_options', case_no_options, 'inject'),
    ('cookie_maxseg', case_maxseg, 'inject'),
    ('cookie_bad_ack', case_bad_ack, 'inject'),
    ('cookie_on_overflow', case_overflow, 'inject'),
    ('cookie_transfer', case_transfer, 'capture'),
    ('dup_syn_ratelimit', case_dup_syn, 'inject'),
]


def main():
    topo = Topo()
    cap = Capture()
    inj = Injector(topo)
    saved = {}
    for st, path in KNOB.items():
        try:
            saved[st] = open(path).read().strip()
        except OSError:
            pass
    ports = iter(range(7610, 8000, 10))
    tap_cases([(n, st, lambda f=f, k=k, st=st, p=next(ports):
                f((topo, cap) if k == 'capture' else (topo, cap, inj), st, p))
               for n, f, k in CASES for st in ('kernel', 'xtcp')],
              before=lambda: topo.silence(False))
    for st, v in saved.items():
        set_knob(st, v)
    topo.silence(False)
    cap.close()
    inj.close()
    topo.close()


if __name__ == '__main__':
    main()
