#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flow control on the wire, captured with tcpdump on a veth: how xtcp
sends small writes (Nagle, TCP_NODELAY, TCP_CORK), how it treats a shut
window (persist), the windows it advertises (receiver SWS avoidance,
auto-tuning), and that it never sends beyond the peer's window. Runs
inside UML, as root; topology and tools in xtcp_timers.py, xtcp_wire.py.

    init_net (A) 198.51.100.1 va <--veth--> vb 198.51.100.2 netns xtb (B)
    the sender, xtcp (or kernel           the receiver, kernel TCP or
    TCP for the reference runs)           xtcp; tcpdump -i vb

  Nagle      RFC 9293 3.7.4 (SHLD-7): while data is unacknowledged, small
             writes are held and coalesce; no segment shorter than the
             MSS leaves while earlier (short) data is unacknowledged
             (Minshall's change, as Linux: the writes here are all
             short). B's ACKs are delayed 40 ms (netem) so data stays
             unacknowledged.
  NODELAY    TCP_NODELAY (MUST-17): every write leaves at once, alone.
  TCP_CORK   full segments leave, a partial one waits for the uncork, then
             goes as one segment; left corked, it goes on its own after
             the RTO (module/timer.c: the SWS override timer, MUST-38 (4);
             at least rto_min_ms = 200 ms, Linux's own cork ceiling).
  persist    RFC 9293 3.8.6.1 (MUST-36, MUST-37): a receiver with a small
             SO_RCVBUF that does not read shuts its window; the sender
             fills the window and stops, probes with growing intervals,
             and resumes as soon as the window opens; the data arrives
             intact. An xtcp receiver answers the kernel's probes and
             opens its window as soon as it reads, never moving its
             right edge left (SHLD-14).
  lost update  the receiver's window update is lost (netem drops all it
             sends for a while) and the sender's next 1-byte probe lands
             in the window it now offers: the persist timer must still
             bring the transfer to its end, and the two ends must not
             answer each other's ACKs forever.
  shrink     RFC 9293 3.8.6.2.1 (MUST-34): the kernel's TCP receiving,
             allowed to shrink its window (tcp_shrink_window = 1), with a
             64 KB buffer it does not read for 1.5 s, moves its right edge
             left; the sender sends no new data beyond the shrunk edge and
             the data arrives intact.
  SWS        RFC 9293 3.8.6.2.2 (MUST-39): a receiver reading a few bytes
             at a time moves its right window edge only in steps of at
             least min(RCV.BUFF / 2, Eff.snd.MSS).
  window     RFC 9293 3.8.6.2.1: the sender never sends beyond the right
             edge the receiver advertised (a 1-byte zero-window probe
             excepted), also in loss recovery through netem.
  auto-tune  module/stream.c xtcp_rcv_space_adjust(): with default
             buffers the first window is tcp_rmem[1] / 2 (64 KB), and once
             per round trip the buffer grows to 4x what the application
             read, up to tcp_rmem[2]; a 4 MiB transfer over a 10 ms path
             must see the advertised window exceed AUTOTUNE_MIN = 4 x 64 KB.

The same scenarios run with the kernel's TCP in xtcp's place ("kernel
TCP, reference"): those cases check that the scenario shows what it is
meant to, and print what Linux does next to what xtcp does.
"""
import os
import socket
import struct
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_tap import Tap  # noqa: E402
from xtcp_timers import A_IP, NS, Topo, connect_pair, run  # noqa: E402
from xtcp_wire import (M32, Conn, Tcpdump, netem, payload, seq_diff, seq_le,  # noqa: E402
                       seq_lt, sysctl, transfer, window_overruns)

TCP_NODELAY, TCP_CORK = 1, 3
WRITES, WSIZE, WGAP = 20, 100, 0.010    # the small writes
ACK_DELAY = '40ms'                      # netem on B's ACKs for Nagle
RTO_MIN = 0.200
AUTOTUNE_MIN = 4 * 65536


def eff_mss(conn, side):
    """The payload of a full-sized segment from side: the MSS the other
    end announced, less 12 bytes of Timestamps if they are in use."""
    peer = conn.syn['b' if side == 'a' else 'a']
    mss = peer['opts'].get('mss', 536) if peer else 536
    ts = conn.syn['a'] and conn.syn['b'] and 'ts' in conn.syn['a']['opts'] and \
        'ts' in conn.syn['b']['opts']
    return mss - (12 if ts else 0)


def data_of(conn, side):
    return [s for s in conn.of(side) if s['len'] and 'S' not in s['flags']]


class Pair:
    """A connection from A (client, the sender) to B (server), captured.
    stacks: (A's, B's)."""

    def __init__(self, port, a_stack, b_stack, rcvbuf=None, netem_a=None, netem_b=None):
        self.cap = Tcpdump(f'tcp port {port}')
        self.stacks = (a_stack, b_stack)
        if netem_a:
            netem('a', netem_a)
        if netem_b:
            netem('b', netem_b)
        self.cli, self.srv, lst = connect_pair(port, server_stack=b_stack,
                                               client_stack=a_stack, rcvbuf=rcvbuf)
        lst.close()
        self.conn = None

    def finish(self):
        for s in (self.cli, self.srv):
            try:
                s.close()
            except OSError:
                pass
        time.sleep(0.1)
        netem('a', None)
        netem('b', None)
        self.cap.stop()
        self.conn = Conn(self.cap.segs, A_IP)
        return self.conn

    def ex(self, segs, limit=12):
        return ['tcpdump:'] + ['  ' + ln for ln in self.cap.excerpt(segs, limit)]

    def close(self):
        self.cap.close()


def reader(sock, n, out):
    """Reads n bytes in a thread; out['data'] once done."""
    def go():
        got = bytearray()
        try:
            while len(got) < n:
                b = sock.recv(65536)
                if not b:
                    break
                got += b
        except OSError as e:
            out['err'] = e
        out['data'] = bytes(got)
    th = threading.Thread(target=go, daemon=True)
    th.start()
    return th


def small_writes(sock):
    """WRITES writes of WSIZE bytes, WGAP apart; returns (data, times)."""
    data, times = b'', []
    for i in range(WRITES):
        chunk = bytes([65 + i % 26]) * WSIZE
        times.append(time.time())
        sock.send(chunk)
        data += chunk
        time.sleep(WGAP)
    return data, times


# --- Nagle and TCP_NODELAY --------------------------------------------------

def nagle_run(port, stack, nodelay):
    p = Pair(port, stack, 'tcp', netem_b=f'delay {ACK_DELAY}')
    try:
        if nodelay:
            p.cli.setsockopt(socket.IPPROTO_TCP, TCP_NODELAY, 1)
        out = {}
        th = reader(p.srv, WRITES * WSIZE, out)
        time.sleep(0.1)
        data, times = small_writes(p.cli)
        th.join(10)
        conn = p.finish()
        bad = []
        if out.get('data') != data:
            bad.append(f"receiver got {len(out.get('data') or b'')} of {len(data)} bytes"
                       + (', different' if len(out.get('data') or b'') == len(data) else ''))
        return p, conn, data_of(conn, 'a'), times, bad
    except Exception:
        p.finish()
        p.close()
        raise


def nagle_violations(conn):
    """Data segments of A shorter than the MSS sent while earlier data of
    A was unacknowledged in everything seen before them."""
    mss, acked, sent_hi, bad = eff_mss(conn, 'a'), None, None, []
    for s in conn.segs:
        if conn.side(s) == 'b':
            if '.' in s['flags'] and (acked is None or seq_lt(acked, s['ack'])):
                acked = s['ack']
            continue
        if not s['len'] or 'S' in s['flags']:
            continue
        if s['len'] < mss and sent_hi is not None and seq_lt(acked, sent_hi) and \
                seq_le(sent_hi, s['seq']):
            bad.append((s, seq_diff(sent_hi, acked)))
        end = (s['seq'] + s['len']) % 2**32
        sent_hi = end if sent_hi is None or seq_lt(sent_hi, end) else sent_hi
    return bad


def case_nagle(port):
    res = []
    p, conn, segs, _, bad = nagle_run(port, 'xtcp', False)
    try:
        sizes = [s['len'] for s in segs]
        notes = [f'{WRITES} writes of {WSIZE} bytes went as {len(segs)} segments: {sizes}']
        b1 = list(bad)
        if len(segs) >= WRITES:
            b1.append(f'{len(segs)} segments for {WRITES} writes: nothing coalesced')
            b1 += p.ex(segs, 8)
        res.append((b1, notes))
        viol = nagle_violations(conn)
        b2 = []
        for s, out in viol[:3]:
            b2.append(f'{s["len"]}-byte segment sent with {out} bytes unacknowledged:')
            b2 += ['  ' + ln for ln in p.cap.around(s, 4, 0)]
        res.append((b2, [f'{len(viol)} small segments sent with data unacknowledged']))
    finally:
        p.close()

    p, conn, segs, times, bad = nagle_run(port + 1, 'xtcp', True)
    try:
        sizes = [s['len'] for s in segs]
        lag = [s['t'] - t for s, t in zip(segs, times)]
        notes = [f'{len(segs)} segments: {sizes}',
                 'write to wire: ' + ', '.join(f'{x * 1000:.1f}' for x in lag) + ' ms']
        b = list(bad)
        if sizes != [WSIZE] * WRITES:
            b.append(f'want {WRITES} segments of {WSIZE} bytes, one per write')
            b += p.ex(segs, 8)
        elif max(lag) > 0.030:
            b.append(f'a write waited {max(lag) * 1000:.1f} ms to leave (ACKs take 40 ms)')
        res.append((b, notes))
    finally:
        p.close()

    # The same with the kernel's TCP sending: the scenario's premise.
    p, conn, segs, _, bad = nagle_run(port + 2, 'tcp', False)
    p.close()
    p2, conn2, segs2, _, bad2 = nagle_run(port + 3, 'tcp', True)
    p2.close()
    notes = [f'Nagle: {len(segs)} segments {[s["len"] for s in segs]}',
             f'TCP_NODELAY: {len(segs2)} segments {[s["len"] for s in segs2]}']
    b = bad + bad2
    if len(segs) >= WRITES:
        b.append('kernel TCP did not coalesce with Nagle on: the scenario is wrong')
    if len(segs2) != WRITES:
        b.append('kernel TCP with TCP_NODELAY did not send one segment per write')
    res.append((b, notes))
    return res


# --- TCP_CORK -----------------------------------------------------------------

def cork_run(port, stack):
    """Three corked episodes on one connection; returns per episode
    (times, data segments) and problems."""
    p = Pair(port, stack, 'tcp')
    try:
        out = {}
        mss = None
        th = reader(p.srv, 5 * WSIZE + 3000 + WSIZE, out)
        time.sleep(0.1)
        ep = {}
        # 1: five small writes corked, then uncork
        p.cli.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 1)
        t0 = time.time()
        for i in range(5):
            p.cli.send(b'c' * WSIZE)
            time.sleep(WGAP)
        time.sleep(0.03)
        t1 = time.time()
        p.cli.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 0)
        time.sleep(0.5)
        ep['small'] = (t0, t1, time.time())
        # 2: 3000 bytes corked: full segments go, the tail waits
        p.cli.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 1)
        t0 = time.time()
        p.cli.send(b'd' * 3000)
        time.sleep(0.08)
        t1 = time.time()
        p.cli.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 0)
        time.sleep(0.5)
        ep['full'] = (t0, t1, time.time())
        # 3: corked and left so
        p.cli.setsockopt(socket.IPPROTO_TCP, TCP_CORK, 1)
        t0 = time.time()
        p.cli.send(b'e' * WSIZE)
        time.sleep(1.5)
        ep['ceiling'] = (t0, time.time(), time.time())
        th.join(5)
        conn = p.finish()
        mss = eff_mss(conn, 'a')
        segs = data_of(conn, 'a')
        per = {k: ([s for s in segs if t0 <= s['t'] < t1], [s for s in segs if t1 <= s['t'] < t2])
               for k, (t0, t1, t2) in ep.items()}
        bad = []
        if len(out.get('data') or b'') != 5 * WSIZE + 3000 + WSIZE:
            bad.append(f"receiver got {len(out.get('data') or b'')} bytes")
        return p, per, ep, mss, bad
    except Exception:
        p.finish()
        p.close()
        raise


def cork_checks(p, per, ep, mss, bad, who):
    res = []
    before, after = per['small']
    b, notes = list(bad), [f'{who}: before uncork {[s["len"] for s in before]}, '
                           f'after {[s["len"] for s in after]}']
    if before:
        b.append(f'{len(before)} segments left while corked:')
        b += p.ex(before, 6)
    if [s['len'] for s in after] != [5 * WSIZE]:
        b.append(f'after the uncork: {[s["len"] for s in after]}, want one segment of '
                 f'{5 * WSIZE} bytes')
        b += p.ex(after, 6)
    elif after[0]['t'] - ep['small'][1] > 0.05:
        b.append(f"the uncork's segment left {(after[0]['t'] - ep['small'][1]) * 1000:.1f} ms "
                 'after the uncork')
    res.append((b, notes))

    before, after = per['full']
    full = 3000 // mss
    tail = 3000 - full * mss
    b = []
    notes = [f'{who}: 3000 bytes corked: before uncork {[s["len"] for s in before]}, after '
             f'{[s["len"] for s in after]} (MSS {mss})']
    if [s['len'] for s in before] != [mss] * full:
        b.append(f'while corked: {[s["len"] for s in before]}, want {full} full segments')
        b += p.ex(before, 6)
    if [s['len'] for s in after] != [tail]:
        b.append(f'after the uncork: {[s["len"] for s in after]}, want the {tail}-byte tail')
        b += p.ex(after, 6)
    res.append((b, notes))

    before, _ = per['ceiling']
    t0 = ep['ceiling'][0]
    b = []
    waits = [s['t'] - t0 for s in before]
    notes = [f'{who}: left corked, {WSIZE} bytes left after '
             + ', '.join(f'{w * 1000:.1f}' for w in waits) + ' ms']
    if [s['len'] for s in before] != [WSIZE]:
        b.append(f'in 1.5 s: {[s["len"] for s in before]}, want one {WSIZE}-byte segment')
        b += p.ex(before, 6)
    elif not RTO_MIN - 0.005 <= waits[0] <= 1.0:
        b.append(f'it left after {waits[0] * 1000:.1f} ms, want [{RTO_MIN * 1000:.0f} ms '
                 '(rto_min_ms, Linux\'s ceiling), 1 s]')
    res.append((b, notes))
    return res


def case_cork(port):
    p, per, ep, mss, bad = cork_run(port, 'xtcp')
    try:
        res = cork_checks(p, per, ep, mss, bad, 'xtcp')
    finally:
        p.close()
    p, per, ep, mss, bad = cork_run(port + 1, 'tcp')
    try:
        ref = cork_checks(p, per, ep, mss, bad, 'kernel TCP')
    finally:
        p.close()
    b = [f'kernel TCP: {x}' for r in ref for x in r[0]]
    return res + [(b, [n for r in ref for n in r[1]])]


# --- zero window, persist, the sender within the window -----------------------

ZW_TOTAL, ZW_SHUT = 100000, 3.5


def zero_window(port, recv_stack, send_stack='xtcp', rcvbuf=4096, total=ZW_TOTAL):
    """A sends total bytes to B, whose SO_RCVBUF is rcvbuf (None: the
    default, auto-tuned and scaled) and who does not read for ZW_SHUT
    seconds, then reads everything."""
    p = Pair(port, send_stack, recv_stack, rcvbuf=rcvbuf)
    try:
        data = payload(total, 7)
        sent = {}

        def send():
            try:
                p.cli.settimeout(30)
                p.cli.sendall(data)
                sent['t'] = time.time()
            except OSError as e:
                sent['err'] = e
        th = threading.Thread(target=send, daemon=True)
        th.start()
        time.sleep(ZW_SHUT)
        t_read = time.time()
        got = bytearray()
        p.srv.settimeout(20)
        err = None
        try:
            while len(got) < total:
                b = p.srv.recv(65536)
                if not b:
                    break
                got += b
        except OSError as e:
            err = e
        th.join(10)
        conn = p.finish()
        bad = []
        if err or 'err' in sent or th.is_alive():
            bad.append(f"receiver: {err}; sender: {sent.get('err', 'blocked' if th.is_alive() else 'ok')}")
        if bytes(got) != data:
            bad.append(f'{len(got)} of {total} bytes arrived'
                       + (', different' if len(got) == total else ''))
        return p, conn, t_read, bad
    except Exception:
        p.finish()
        p.close()
        raise


def zw_checks(p, conn, t_read, bad, who):
    """(stops at the edge, probes, resumes + intact, within window)"""
    res = []
    mss = eff_mss(conn, 'a')
    segs = conn.segs
    zero = next((s for s in segs if conn.side(s) == 'b' and '.' in s['flags'] and
                 s['win'] == 0 and 'S' not in s['flags']), None)
    if zero is None:
        fail = [f'{who}: the receiver never advertised a zero window']
        return [(fail, []), (fail, []), (bad + fail, []), (fail, [])]
    reopen = next((s for s in segs if s['i'] > zero['i'] and conn.side(s) == 'b' and
                   s['win'] > 0 and 'R' not in s['flags']), None)
    shut = [s for s in segs if s['i'] > zero['i'] and (reopen is None or s['i'] < reopen['i'])]
    edge = (zero['ack'] + conn.window(zero)) % 2**32
    # 1. the sender filled the window and stopped
    before = [s for s in data_of(conn, 'a') if s['i'] < zero['i']]
    hi = max(((s['seq'] + s['len']) % 2**32 for s in before), key=lambda x: seq_diff(x, zero['ack']),
             default=zero['ack'])
    # a probe: Linux's <SEQ=SND.UNA-1><CTL=ACK>, or a byte of new text
    # (RFC 9293 3.8.6.1 allows both)
    probes = [s for s in shut if conn.side(s) == 'a' and 'R' not in s['flags'] and
              (s['len'] or s['seq'] == (zero['ack'] - 1) % 2**32)]
    notes = [f'zero window at ack {zero["ack"]}; data sent up to {hi} before it; '
             f'opened {reopen["t"] - zero["t"]:.3f} s later' if reopen else 'never reopened']
    b = []
    if reopen is None:
        b.append('the window never reopened')
    big = [s for s in probes if s['len'] > 1]
    if big:
        b.append('data sent into the zero window:')
        b += p.ex(big, 6)
    if seq_lt(hi, (edge - mss) % 2**32) and not seq_lt(edge, zero['ack']):
        b.append(f'stopped {seq_diff(edge, hi)} bytes short of the right edge {edge}')
    res.append((b, notes))
    # 2. probes with backoff
    b = []
    iv = [y['t'] - x['t'] for x, y in zip(probes, probes[1:])]
    lastack = max((s['t'] for s in segs if conn.side(s) == 'b' and s['i'] <= zero['i']),
                  default=zero['t'])
    first = probes[0]['t'] - lastack if probes else None
    notes = [f'{len(probes)} probes in {ZW_SHUT} s; first {first * 1000:.1f} ms after the '
             'last ACK; intervals ' + ', '.join(f'{x * 1000:.1f}' for x in iv) + ' ms'
             if probes else 'no probe']
    notes += ['  ' + ln for ln in p.cap.excerpt(probes, 3)]
    if len(probes) < 3:
        b.append(f'{len(probes)} window probes while the window was shut for {ZW_SHUT} s, '
                 'want >= 3')
    if not all(y > x for x, y in zip(iv, iv[1:])):
        b.append('probe intervals do not grow (MUST-37 allows backoff; RFC 6298 5.5)')
    if first is not None and first < RTO_MIN - 0.005:
        b.append(f'first probe {first * 1000:.1f} ms after the last ACK, before rto_min')
    for pr in probes:
        if pr['seq'] != (zero['ack'] - (not pr['len'])) % 2**32:
            b.append(f"probe at seq {pr['seq']}, not SND.UNA {zero['ack']} "
                     "(or SND.UNA - 1 without text)")
            break
        if not any(s['i'] > pr['i'] and conn.side(s) == 'b' for s in segs):
            b.append(f"probe not answered: {p.cap.lines([pr['i']])}")
    res.append((b, notes))
    # 3. resumes at once, completes
    b = list(bad)
    if reopen is not None:
        nxt = next((s for s in data_of(conn, 'a') if s['i'] > reopen['i']), None)
        if nxt is None:
            b.append('no data after the window reopened')
        else:
            lag = nxt['t'] - reopen['t']
            notes = [f'data resumed {lag * 1000:.1f} ms after the window update '
                     f'({reopen["t"] - t_read:.3f} s after the receiver began to read)']
            if lag > 0.1:
                b.append(f'data resumed only {lag * 1000:.1f} ms after the window opened:')
                b += ['  ' + ln for ln in p.cap.around(reopen, 1, 4)]
    res.append((b, notes))
    # 4. never beyond the window
    over, flight = window_overruns(conn, 'a')
    b = []
    for s, by in over[:3]:
        b.append(f'{s["len"]} bytes sent {by} bytes beyond the advertised right edge:')
        b += ['  ' + ln for ln in p.cap.around(s, 6, 1)]
    res.append((b, [f'largest flight {flight} bytes']))
    return res


def zw_receiver_checks(p, conn, t_read, bad):
    """xtcp receiving (B), the kernel's TCP sending: the window shuts,
    never moves left, each of the kernel's probes is answered with the
    window, and reading opens it at once."""
    res = []
    zero = next((s for s in conn.of('b') if s['win'] == 0 and 'S' not in s['flags']), None)
    if zero is None:
        fail = ['xtcp never advertised a zero window']
        return [(fail, []), (fail, []), (bad + fail, [])]
    # 1. the right edge never moves left (RFC 9293 3.8.6.2.2, SHLD-14)
    b, edge = [], None
    for s in conn.of('b'):
        if 'S' in s['flags'] or 'R' in s['flags']:
            continue
        e = (s['ack'] + conn.window(s)) % 2**32
        if edge is not None and seq_lt(e, edge):
            b.append(f'right edge moved left by {seq_diff(edge, e)} bytes:')
            b += ['  ' + ln for ln in p.cap.around(s, 2, 0)]
            break
        edge = e
    res.append((b, [f'window shift {conn.ws["b"]}; shut at ack {zero["ack"]}']))
    # 2. probes answered with the (still zero) window
    reopen = next((s for s in conn.of('b') if s['i'] > zero['i'] and s['win'] > 0), None)
    probes = [s for s in conn.of('a') if s['i'] > zero['i'] and
              (reopen is None or s['i'] < reopen['i'])]
    b = []
    notes = [f'{len(probes)} kernel probes while shut']
    notes += ['  ' + ln for ln in p.cap.excerpt(probes, 3)]
    if len(probes) < 2:
        b.append(f'{len(probes)} probes from the kernel: the scenario did not happen')
    for pr in probes:
        ans = next((s for s in conn.of('b') if s['i'] > pr['i']), None)
        if ans is None or (reopen is not None and ans['i'] >= reopen['i'] and
                           ans['t'] < t_read):
            b.append('probe not answered:')
            b += ['  ' + ln for ln in p.cap.around(pr, 1, 2)]
        elif ans['t'] - pr['t'] > 0.05 or ans['ack'] != zero['ack']:
            b.append(f'probe answered after {(ans["t"] - pr["t"]) * 1000:.1f} ms, ack '
                     f'{ans["ack"]} (want {zero["ack"]}):')
            b += ['  ' + ln for ln in p.cap.around(pr, 1, 2)]
    res.append((b, notes))
    # 3. reading opens the window at once; the data arrive intact
    b = list(bad)
    notes = []
    if reopen is None:
        b.append('the window never reopened')
    else:
        lag = reopen['t'] - t_read
        notes.append(f'window update {lag * 1000:.1f} ms after the application began to read: '
                     + p.cap.lines([reopen['i']])[0])
        if lag > 0.1:
            b.append(f'window update only {lag * 1000:.1f} ms after the read (the kernel '
                     'would wait for its next probe):')
            b += ['  ' + ln for ln in p.cap.around(reopen, 3, 1)]
    res.append((b, notes))
    return res


def case_zero_window(port):
    res = []
    for n, stack in enumerate(('tcp', 'xtcp')):
        p, conn, t_read, bad = zero_window(port + n, stack)
        try:
            res += zw_checks(p, conn, t_read, bad, f'{stack} receiver')
        finally:
            p.close()
    p, conn, t_read, bad = zero_window(port + 2, 'xtcp', 'tcp', None, 300000)
    try:
        res += zw_receiver_checks(p, conn, t_read, bad)
    finally:
        p.close()
    return res


LOST_WAIT = 5
STORM_RUN = 20


def lost_update_run(port, send_stack, recv_stack='tcp'):
    """The window update is lost: A sends 100000 bytes to B (SO_RCVBUF
    4096, not reading); once the window is shut and A probes, B's kernel
    goes silent (netem loss 100% on vb), B reads what it holds (its window
    update is dropped) and A's next probe byte lands in the window B now
    offers, its ACK dropped too; then B talks again, through a 5 ms netem
    delay (which keeps any exchange of ACKs that never ends at ~100 round
    trips a second instead of a soft lockup). Only A's persist timer can
    find out that the window opened (RFC 9293 3.8.6.1). Both ends close
    with SO_LINGER 0, so nothing outlives the case."""
    p = Pair(port, send_stack, recv_stack, rcvbuf=4096)
    try:
        data = payload(ZW_TOTAL, 11)
        sent = {}

        def send():
            try:
                p.cli.settimeout(15)
                p.cli.sendall(data)
            except OSError as e:
                sent['err'] = e
        th = threading.Thread(target=send, daemon=True)
        th.start()
        got = bytearray()
        time.sleep(1.0)             # shut at ~0; probes at ~0.2, 0.6, 1.4, 3.0 s
        netem('b', 'loss 100%')
        t_silent = time.time()
        p.srv.setblocking(False)
        try:
            while True:
                got += p.srv.recv(65536)
        except BlockingIOError:
            pass
        time.sleep(1.2)             # A's next probe arrives meanwhile
        netem('b', 'delay 5ms')
        t_talk = time.time()
        p.srv.settimeout(1)
        end = time.monotonic() + LOST_WAIT
        err = None
        while len(got) < ZW_TOTAL and time.monotonic() < end:
            try:
                b = p.srv.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                err = e
                break
            if not b:
                break
            got += b
        t_done = time.time()
        for sk in (p.cli, p.srv):
            sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        conn = p.finish()
        th.join(1)
        bad = []
        if bytes(got) != data:
            bad.append(f'{len(got)} of {ZW_TOTAL} bytes arrived within {LOST_WAIT} s of B '
                       'talking again' + (f' ({err})' if err else ''))
        return p, conn, (t_silent, t_talk, t_done), bad
    except Exception:
        p.finish()
        p.close()
        raise


def lost_update_checks(p, conn, ts, bad, who):
    """(recovered, no endless exchange of ACKs)"""
    t_silent, t_talk, t_done = ts
    quiet = [s for s in conn.segs if t_silent <= s['t'] < t_talk]
    after = [s for s in conn.segs if t_talk <= s['t'] <= t_done]
    run = longest = 0
    for s in after:
        run = 0 if s['len'] or set(s['flags']) & set('SFR') else run + 1
        if run > longest:
            longest, at = run, s
    notes = [f'{who}: while B was silent: {len(quiet)} segments from A; then in '
             f'{t_done - t_talk:.2f} s: {len(after)} segments, '
             f'{len([s for s in after if not s["len"]])} without data, at most '
             f'{longest} in a row']
    if bad:
        notes.append('tcpdump, from B silent on (| marks where B talks again):')
        lines = p.cap.excerpt(quiet, 6) + ['|'] + p.cap.excerpt(after, 12)
        notes += ['  ' + ln for ln in lines]
    elif not [s for s in quiet if conn.side(s) == 'a']:
        bad = bad + ['no probe while B was silent: the scenario did not happen']
    storm = []
    if longest >= STORM_RUN:
        storm.append(f'{longest} segments without data in a row, neither end sending '
                     'anything new: the two ends answer each other\'s ACKs forever; '
                     'the first of them:')
        first = after[[i for i, s in enumerate(after) if s is at][0] - longest + 1]
        storm += ['  ' + ln for ln in p.cap.around(first, 2, 6)]
    return [(bad, notes), (storm, [])]


def case_lost_update(port):
    res = []
    for n, rcv in enumerate(('tcp', 'xtcp')):
        p, conn, ts, bad = lost_update_run(port + n, 'xtcp', rcv)
        try:
            res += lost_update_checks(p, conn, ts, bad, f'xtcp -> {rcv}')
        finally:
            p.close()
    p, conn, ts, bad = lost_update_run(port + 2, 'tcp')
    try:
        res += lost_update_checks(p, conn, ts, bad, 'kernel TCP')[:1]
    finally:
        p.close()
    return res


# --- the window on a lossy path -----------------------------------------------

LOSSY = 'delay 2ms reorder 25% 50% loss 2%'


def case_window_lossy(port):
    """xtcp sends 1 MiB to a kernel receiver with SO_RCVBUF 32768 (so the
    window, not cwnd, binds) through netem reordering and loss: loss
    recovery (RFC 6675) must stay within the window too."""
    p = Pair(port, 'xtcp', 'tcp', rcvbuf=32768, netem_a=LOSSY)
    try:
        bad = transfer(p.cli, p.srv, 1 << 20)
        conn = p.finish()
        over, flight = window_overruns(conn, 'a')
        wins = [conn.window(s) for s in conn.of('b') if 'S' not in s['flags']]
        rtx = 0
        hi = None
        for s in data_of(conn, 'a'):
            end = (s['seq'] + s['len']) % 2**32
            if hi is not None and seq_le(end, hi):
                rtx += 1
            hi = end if hi is None or seq_lt(hi, end) else hi
        for s, by in over[:3]:
            bad.append(f'{s["len"]} bytes sent {by} bytes beyond the advertised right edge:')
            bad += ['  ' + ln for ln in p.cap.around(s, 6, 1)]
        if not rtx:
            bad.append('no retransmission: netem caused no loss, the scenario did not happen')
        return [(bad, [f'largest window {max(wins, default=0)}, largest flight {flight}, '
                       f'{rtx} retransmitted segments'])]
    finally:
        p.close()


# --- receiver SWS avoidance ------------------------------------------------------

SWS_TOTAL, SWS_READ, SWS_RCVBUF = 40000, 50, 8192


def sws_run(port, recv_stack):
    """B (recv_stack, SO_RCVBUF 8192) takes SWS_TOTAL bytes from A (kernel
    TCP), first not reading until the window is shut, then SWS_READ
    bytes at a time."""
    p = Pair(port, 'tcp', recv_stack, rcvbuf=SWS_RCVBUF)
    try:
        data = payload(SWS_TOTAL, 9)
        th = threading.Thread(target=lambda: p.cli.sendall(data), daemon=True)
        th.start()
        time.sleep(0.5)
        got = bytearray()
        p.srv.settimeout(10)
        while len(got) < SWS_TOTAL:
            b = p.srv.recv(SWS_READ)
            if not b:
                break
            got += b
            time.sleep(0.001)
        th.join(10)
        conn = p.finish()
        bad = [] if bytes(got) == data else [f'{len(got)} of {SWS_TOTAL} bytes arrived']
        return p, conn, bad
    except Exception:
        p.finish()
        p.close()
        raise


def edge_steps(conn, side):
    """The advances of side's right window edge: [(segment, by, pure)],
    pure when the segment acknowledged nothing new (a window update).
    The other end's FIN is not counted: its ACK moves the edge by the one
    sequence number the FIN takes."""
    fin = next((s for s in conn.segs if conn.side(s) != side and 'F' in s['flags']), None)
    fin_end = (fin['seq'] + fin['len'] + 1) % 2**32 if fin else None
    edge, ack, out = None, None, []
    for s in conn.of(side):
        if 'S' in s['flags'] or 'R' in s['flags'] or '.' not in s['flags']:
            continue
        if s['ack'] == fin_end:
            break
        e = (s['ack'] + conn.window(s)) % 2**32
        if edge is not None and seq_lt(edge, e):
            out.append((s, seq_diff(e, edge), s['ack'] == ack))
        if edge is None or seq_lt(edge, e):
            edge = e
        ack = s['ack']
    return out


def sws_checks(p, conn, bad, who, pure_only):
    """Every advance of the right edge (xtcp: xtcp_select_window() moves
    it only in steps of xtcp_rcv_sws_step()), or, for the kernel's
    reference, every window update (an ACK of nothing new), is at least
    min(RCV.BUFF / 2, Eff.snd.MSS); RCV.BUFF taken as the largest window
    offered."""
    wins = [conn.window(s) for s in conn.of('b') if 'S' not in s['flags']]
    buff = max(wins, default=0)
    mss = eff_mss(conn, 'a')
    step = min(buff // 2, mss)
    steps = edge_steps(conn, 'b')
    checked = [(s, by) for s, by, pure in steps if pure or not pure_only]
    small = [(s, by) for s, by in checked if by < step]
    notes = [f'{who}: largest window (RCV.BUFF) {buff}, Eff.snd.MSS {mss}: minimum '
             f'step {step}; {len(steps)} advances of the right edge '
             f'({sum(1 for x in steps if x[2])} by window updates), smallest '
             f'{min((by for _, by, _ in steps), default=0)}, smallest update '
             f'{min((by for _, by, pure in steps if pure), default=0)}']
    b = list(bad)
    if sum(1 for x in steps if x[2]) < 3:
        b.append(f'{sum(1 for x in steps if x[2])} window updates: the scenario did not happen')
    for s, by in small[:4]:
        b.append(f'right edge advanced by {by} < {step} bytes:')
        b += ['  ' + ln for ln in p.cap.around(s, 2, 0)]
    if len(small) > 4:
        b.append(f'... {len(small) - 4} more')
    return b, notes


def case_sws(port):
    p, conn, bad = sws_run(port, 'xtcp')
    try:
        r = sws_checks(p, conn, bad, 'xtcp', False)
    finally:
        p.close()
    p, conn, bad = sws_run(port + 1, 'tcp')
    try:
        ref = sws_checks(p, conn, bad, 'kernel TCP', True)
    finally:
        p.close()
    return [r, ref]


# --- a shrinking window -------------------------------------------------------

SHRINK_TOTAL = 2 << 20


def shrink_run(port, stack):
    """stack sends SHRINK_TOTAL bytes to the kernel's TCP, which may shrink
    its window (net.ipv4.tcp_shrink_window = 1), SO_RCVBUF 64 KB, and does
    not read for 1.5 s."""
    p = Pair(port, stack, 'tcp', rcvbuf=65536)
    data = payload(SHRINK_TOTAL, port)
    res = {}

    def send():
        p.cli.settimeout(30)
        try:
            p.cli.sendall(data)
        except OSError as e:
            res['err'] = e
    th = threading.Thread(target=send)
    th.start()
    time.sleep(1.5)
    got = bytearray()
    p.srv.settimeout(20)
    bad = []
    try:
        while len(got) < SHRINK_TOTAL:
            b = p.srv.recv(65536)
            if not b:
                break
            got += b
            time.sleep(0.005)
    except OSError as e:
        bad.append(f'receiver: {e} after {len(got)} bytes')
    th.join(20)
    if 'err' in res or th.is_alive():
        bad.append(f"sender: {res.get('err', 'still blocked')}")
    if bytes(got) != data:
        bad.append(f'{len(got)} of {SHRINK_TOTAL} bytes arrived'
                   + (', different' if len(got) == SHRINK_TOTAL else ''))
    return p, p.finish(), bad


def shrink_checks(p, conn, bad, who):
    """RFC 9293 3.8.6.2.1 (MUST-34): once the receiver moved its right edge
    left, no new data beyond the new edge; old data may be resent, and a
    1-byte probe is allowed.

    The rule binds the sender only once it has processed the shrinking
    ACK, and the capture shows when an ACK arrived, not when the sender
    took it: Linux's tcp_sendmsg() sends up to 16 segments between
    backlog flushes.  The sender's own TSecr says how far it has read
    (RFC 7323 4.3: TS.Recent is the TSval of the latest segment it
    processed): each data segment is judged against the window of the
    ACKs up to the first that carries its TSecr.

    Only ACKs that update the sender's window count: by RFC 9293
    3.10.7.4's rule for xtcp, which follows it; by Linux's
    tcp_may_update_window() for the kernel's TCP, where a duplicate ACK
    may only open the window or close it to zero: a shrink carried by a
    duplicate ACK binds no Linux sender, and the reference run sent past
    such edges."""
    bad, shrinks, over, unjudged = list(bad), 0, [], 0
    hi, edge = None, None              # highest edge, the current one
    wl1 = wl2 = wnd = None             # the sender's view of the last update
    seen = {}                          # TSval -> (edge, hi) at its first ACK
    top = None                         # highest data sent
    for s in conn.segs:
        if conn.side(s) == 'b':
            if '.' in s['flags'] and 'S' not in s['flags'] and 'R' not in s['flags']:
                w = conn.window(s)
                dup_may = who == 'xtcp' or wnd is None or w > wnd or w == 0
                if wl1 is None or seq_lt(wl2, s['ack']) or seq_lt(wl1, s['seq']) or \
                        (s['seq'] == wl1 and not seq_lt(s['ack'], wl2) and dup_may):
                    wl1, wnd = s['seq'], w
                    wl2 = s['ack'] if wl2 is None or seq_lt(wl2, s['ack']) else wl2
                    edge = (s['ack'] + w) % M32
                    if hi is not None and seq_lt(edge, hi):
                        shrinks += 1
                    hi = edge if hi is None or seq_lt(hi, edge) else hi
            if 'ts' in s['opts']:
                seen.setdefault(s['opts']['ts'][0], (edge, hi))
            continue
        if not s['len'] or 'S' in s['flags']:
            continue
        end = (s['seq'] + s['len']) % M32
        new = top is None or seq_lt(top, end)
        top = end if new else top
        if not new or s['len'] <= 1:
            continue
        if 'ts' not in s['opts'] or s['opts']['ts'][1] not in seen:
            unjudged += 1
            continue
        e, h = seen[s['opts']['ts'][1]]
        if e is not None and seq_lt(e, end) and seq_lt(e, h):
            over.append(s)
    notes = [f'{who}: the receiver moved its right edge left {shrinks} times; '
             f'{unjudged} segments of new data echoed no ACK seen']
    if not shrinks:
        bad.append('the receiver never shrank its window: nothing was checked')
    if over:
        bad.append(f'{len(over)} segments of new data beyond a shrunk right edge '
                   'the sender had read (its TSecr):')
        for s in over[:2]:
            bad += ['  ' + ln for ln in p.cap.around(s, 6, 1)]
    return bad, notes


def case_shrink(port):
    old = sysctl('net/ipv4/tcp_shrink_window', ns=NS)
    sysctl('net/ipv4/tcp_shrink_window', '1', ns=NS)
    res = []
    try:
        for n, (stack, who) in enumerate((('xtcp', 'xtcp'), ('tcp', 'kernel TCP'))):
            p, conn, bad = shrink_run(port + n, stack)
            try:
                res.append(shrink_checks(p, conn, bad, who))
            finally:
                p.close()
    finally:
        sysctl('net/ipv4/tcp_shrink_window', old, ns=NS)
    return res


# --- auto-tuning ---------------------------------------------------------------

AT_TOTAL, AT_DELAY = 4 << 20, 'delay 10ms'


def autotune_run(port, send_stack, recv_stack):
    p = Pair(port, send_stack, recv_stack, netem_a=AT_DELAY)
    try:
        t0 = time.monotonic()
        bad = transfer(p.cli, p.srv, AT_TOTAL)
        took = time.monotonic() - t0
        try:
            rcvbuf = p.srv.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        except OSError as e:
            rcvbuf = str(e)
        conn = p.finish()
        return p, conn, bad, took, rcvbuf
    except Exception:
        p.finish()
        p.close()
        raise


def case_autotune(port):
    rmem = [int(x) for x in sysctl('net/ipv4/tcp_rmem', ns=NS).split()]
    res = []
    for n, (snd, rcv) in enumerate((('tcp', 'xtcp'), ('xtcp', 'xtcp'), ('tcp', 'tcp'))):
        p, conn, bad, took, rcvbuf = autotune_run(port + n, snd, rcv)
        try:
            wins = [conn.window(s) for s in conn.of('b') if 'S' not in s['flags']]
            first = wins[0] if wins else 0
            notes = [f'{snd} -> {rcv}: {AT_TOTAL} bytes in {took:.2f} s over {AT_DELAY}; '
                     f'first window {first}, largest {max(wins, default=0)} '
                     f'(tcp_rmem {rmem}); SO_RCVBUF at the end {rcvbuf}']
            b = list(bad)
            if max(wins, default=0) < AUTOTUNE_MIN:
                b.append(f'largest window {max(wins, default=0)} < {AUTOTUNE_MIN}: the '
                         'receive buffer did not grow')
            res.append((b, notes))
            if snd == 'xtcp':
                over, flight = window_overruns(conn, 'a')
                b = []
                for s, by in over[:3]:
                    b.append(f'{s["len"]} bytes sent {by} bytes beyond the right edge:')
                    b += ['  ' + ln for ln in p.cap.around(s, 6, 1)]
                res.append((b, [f'largest flight {flight} bytes']))
        finally:
            p.close()
    return res


CASES = [
    (case_nagle, 7400, [
        f'Nagle: {WRITES} writes of {WSIZE} bytes with data unacknowledged coalesce',
        'Nagle: no segment shorter than the MSS while data is unacknowledged (RFC 9293 3.7.4)',
        f'TCP_NODELAY: each of {WRITES} writes leaves at once as its own segment',
        'kernel TCP, reference: Nagle coalesces, TCP_NODELAY does not']),
    (case_cork, 7410, [
        'TCP_CORK: small writes held until uncork, then one segment',
        'TCP_CORK: full segments leave at once, the partial tail waits for uncork',
        'TCP_CORK left on: the held segment leaves after the RTO (>= 200 ms, < 1 s)',
        'kernel TCP, reference: the same three TCP_CORK episodes']),
    (case_zero_window, 7420, [
        'zero window, kernel receiver: sender fills the window and stops',
        'zero window, kernel receiver: window probes with backoff (MUST-36/37)',
        'zero window, kernel receiver: resumes at the window update, 100000 bytes intact',
        'zero window, kernel receiver: sender never beyond the advertised window',
        'zero window, xtcp receiver: sender fills the window and stops',
        'zero window, xtcp receiver: window probes with backoff (MUST-36/37)',
        'zero window, xtcp receiver: resumes at the window update, 100000 bytes intact',
        'zero window, xtcp receiver: sender never beyond the advertised window',
        'zero window, kernel sender -> xtcp receiver (default buffers, scaled): '
        'xtcp never moves its right edge left (SHLD-14)',
        'zero window, kernel sender -> xtcp receiver: every probe answered with the window',
        'zero window, kernel sender -> xtcp receiver: reading opens the window at once, '
        '300000 bytes intact']),
    (case_lost_update, 7426, [
        'zero window, kernel receiver, window update lost, probe byte accepted: the '
        'persist timer recovers and 100000 bytes arrive (RFC 9293 3.8.6.1)',
        'zero window, kernel receiver, window update lost: no endless exchange of ACKs',
        'zero window, xtcp receiver, window update lost, probe byte accepted: the '
        'persist timer recovers and 100000 bytes arrive',
        'zero window, xtcp receiver, window update lost: no endless exchange of ACKs',
        'kernel TCP, reference: the same lost window update']),
    (case_window_lossy, 7425, [
        f'netem "{LOSSY}", kernel receiver SO_RCVBUF 32768: xtcp sender in loss recovery '
        'never beyond the advertised window, 1 MiB intact']),
    (case_sws, 7430, [
        f'receiver SWS: xtcp reading {SWS_READ} bytes at a time moves its window edge '
        'by >= min(RCV.BUFF/2, MSS) (MUST-39)',
        'kernel TCP, reference: window updates by >= min(RCV.BUFF/2, MSS)']),
    (case_shrink, 7436, [
        'shrinking window (MUST-34): the kernel receiver (tcp_shrink_window = 1) moves '
        'its right edge left; xtcp sends no new data beyond it, 2 MiB intact',
        'kernel TCP, reference: the same shrinking window']),
    (case_autotune, 7440, [
        f'auto-tuning: kernel TCP -> xtcp, window grows beyond {AUTOTUNE_MIN} bytes',
        f'auto-tuning: xtcp -> xtcp, window grows beyond {AUTOTUNE_MIN} bytes',
        'xtcp -> xtcp bulk: sender never beyond the advertised window',
        'kernel TCP, reference: the same auto-tuning check']),
]


def main(argv):
    only = set(argv[1:])
    cases = [c for c in CASES if not only or c[0].__name__ in only]
    tap = Tap(sum(len(names) for _, _, names in cases))
    topo = Topo()
    # One wire segment per segment from init_net too (kernel TCP there).
    run('ip', 'link', 'set', 'va', 'gso_max_segs', '1', check=False)
    try:
        for fn, port, names in cases:
            t0 = time.monotonic()
            try:
                results = fn(port)
            except Exception as e:   # noqa: BLE001 - every case of the group fails
                results = [([f'{type(e).__name__}: {e}'] + traceback.format_exc().splitlines(),
                            [])] * len(names)
            if len(results) != len(names):
                results = (results + [(['missing'], [])] * len(names))[:len(names)]
            for name, (bad, notes) in zip(names, results):
                tap.check(name, not bad, '\n'.join(bad + ['  ' + n for n in notes]))
            print(f'# ({fn.__name__}: {time.monotonic() - t0:.1f} s)', flush=True)
    finally:
        netem('a', None)
        netem('b', None)
        topo.close()
    return tap.status()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
