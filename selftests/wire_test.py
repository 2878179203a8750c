#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xtcp on the wire: what a packet socket on lo sees of a connection's
opening, data and close, for xtcp <-> kernel TCP (both ways) and
xtcp <-> xtcp, with the active close on either end. Runs inside UML, as root.

Each flow: connect, 2000 bytes client -> server, 1500 bytes server -> client,
then the closer's CLOSE, and the checks follow RFC 9293:
  handshake  Figure 6, "Basic Three-Way Handshake": SYN seq=x;
             SYN,ACK seq=y ack=x+1; ACK seq=x+1 ack=y+1.
  data       3.4 "Sequence Numbers": every octet, and SYN and FIN, takes one
             sequence number, so the FIN comes at ISN + 1 + bytes sent.
  teardown   Figure 12, "Normal Close Sequence": FIN seq=u; ACK ack=u+1;
             FIN seq=w ack=u+1; ACK seq=u+1 ack=w+1.
  states     Figure 12 and Figure 5 (state diagram): the closer goes
             FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, the other end
             CLOSE-WAIT -> LAST-ACK -> CLOSED, each at its step.
  TIME-WAIT  3.6.1: TIME-WAIT lasts 2 MSL, then CLOSED.
  ladder     tools/xtcp-trace --svg draws every segment seen on the wire as
             one arrow from its sender, labelled with its flags, SEQ and
             ACK (relative to the ISNs), length and window in bytes (the
             field scaled by the sender's Window Scale, RFC 7323 2.3), none
             lost, the closer's TIME-WAIT among its states, and (an xtcp
             closer) its time-wait timer firing.

Segments come from the wire (AF_PACKET on lo); states from xtcp's tracepoint
and the kernel TCP's sock:inet_sock_set_state, read through tools/xtcp-trace
--json. Legitimate variations are allowed: delayed ACKs (the test waits for
the ACK of the FIN, which RFC 9293 3.8.6.3 bounds to 500 ms, before the
other end closes, so Figure 12's four segments are what must appear), pure
duplicate ACKs, data in the third handshake segment, and the kernel's TCP
moving TIME-WAIT into a timewait socket (its tracepoint reports CLOSED there;
/proc/net/tcp must then show the connection in TIME_WAIT).
"""
import ctypes
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE = '/sys/kernel/tracing'
MSL = '/proc/sys/net/xtcp/msl_ms'
MSL_MS = 200
WAIT = 5.0               # bound on every wait for something to happen
C2S, S2C = 2000, 1500    # bytes client -> server, server -> client

# (name, client stack, server stack, who closes first, how)
FLOWS = [
    ('xtcp client, tcp server, xtcp closes', 'xtcp', 'tcp', 'client', 'shutdown'),
    ('xtcp client, tcp server, tcp closes', 'xtcp', 'tcp', 'server', 'shutdown'),
    ('tcp client, xtcp server, xtcp closes', 'tcp', 'xtcp', 'server', 'shutdown'),
    ('tcp client, xtcp server, tcp closes', 'tcp', 'xtcp', 'client', 'shutdown'),
    ('xtcp client, xtcp server, client close()s', 'xtcp', 'xtcp', 'client', 'close'),
    ('xtcp client, xtcp server, server close()s', 'xtcp', 'xtcp', 'server', 'close'),
]
CHECKS = ['handshake segments', 'handshake states', 'data sequence numbers',
          'teardown segments', 'teardown states', 'TIME-WAIT', 'ladder diagram']

libc = ctypes.CDLL(None, use_errno=True)
FAMILY = int(open('/sys/module/xtcp/parameters/family').read())


def new_socket(stack):
    """A socket of the kernel's TCP or of xtcp. Python has no xtcp family, so
    an xtcp socket is made with libc's socket() and handed to Python as
    AF_INET: its addresses are sockaddr_in all the same."""
    if stack == 'tcp':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    else:
        fd = libc.socket(FAMILY, socket.SOCK_STREAM, 0)
        if fd < 0:
            raise OSError(ctypes.get_errno(), 'socket(AF_XTCP)')
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)
    s.settimeout(WAIT)
    return s


def wscale(opts):
    """The shift a SYN's Window Scale option offers (RFC 7323 2.2), None if
    it carries none."""
    i = 0
    while i < len(opts) and opts[i] != 0:
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if opts[i] == 3 and opts[i + 1] == 3 and i + 2 < len(opts):
            return min(opts[i + 2], 14)
        i += opts[i + 1]
    return None


class Capture(threading.Thread):
    """Every TCP segment on lo, once (the loopback's outgoing copies are
    skipped), as dicts in arrival order."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(0x0800))
        self.sock.bind(('lo', 0))
        self.segs, self.cond, self.stop = [], threading.Condition(), False

    def run(self):
        while not self.stop:
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            frame, addr = self.sock.recvfrom(65600)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            ip = frame[14:]
            if len(ip) < 40 or ip[9] != socket.IPPROTO_TCP:
                continue
            ihl, total = (ip[0] & 15) * 4, struct.unpack('!H', ip[2:4])[0]
            tcp = ip[ihl:]
            sport, dport, seq, ack, off, fl, win = struct.unpack('!HHIIBBH', tcp[:16])
            src = f'{socket.inet_ntoa(ip[12:16])}:{sport}'
            dst = f'{socket.inet_ntoa(ip[16:20])}:{dport}'
            seg = {'src': src, 'dst': dst, 'seq': seq, 'ack': ack, 'win': win,
                   'len': total - ihl - (off >> 4) * 4,
                   'wscale': wscale(tcp[20:(off >> 4) * 4]) if fl & 2 else None,
                   'flags': ''.join(c for b, c in ((2, 'S'), (1, 'F'), (4, 'R'),
                                                   (8, 'P'), (32, 'U'), (16, '.'))
                                    if fl & b)}
            with self.cond:
                self.segs.append(seg)
                self.cond.notify_all()

    def flow(self, a, b):
        with self.cond:
            return [s for s in self.segs if {s['src'], s['dst']} == {a, b}]

    def wait(self, a, b, pred, what):
        """Waits (bounded) for a segment of flow a<->b matching pred."""
        end = time.monotonic() + WAIT
        with self.cond:
            while True:
                for s in self.segs:
                    if {s['src'], s['dst']} == {a, b} and pred(s):
                        return s
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f'no {what} on the wire within {WAIT:.0f} s')
                self.cond.wait(left)


def show(s):
    return (f"{s['src']} > {s['dst']} [{s['flags']}] seq={s['seq']} "
            f"ack={s['ack']} win={s['win']} len={s['len']}")


def wait_trace(needle):
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        with open(f'{TRACE}/trace') as f:
            if needle in f.read():
                return True
        time.sleep(0.05)
    return False


def run_flow(cap, port, client_stack, server_stack, closer, how):
    """Drives one connection; returns its 4-tuple and what it saw."""
    lst = new_socket(server_stack)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(('127.0.0.1', port))
    lst.listen(1)
    cli = new_socket(client_stack)
    cli.connect(('127.0.0.1', port))
    srv, _ = lst.accept()
    srv.settimeout(WAIT)
    a = '%s:%d' % cli.getsockname()
    b = '%s:%d' % srv.getsockname()
    notes = []

    cli.sendall(b'c' * C2S)
    got = b''
    while len(got) < C2S:
        got += srv.recv(C2S)
    srv.sendall(b's' * S2C)
    got = b''
    while len(got) < S2C:
        got += cli.recv(S2C)

    first, other = (cli, srv) if closer == 'client' else (srv, cli)
    me, peer = (a, b) if closer == 'client' else (b, a)
    # The closer's CLOSE. shutdown(SHUT_WR) is RFC 9293's CLOSE and keeps
    # the socket, so the kernel's TCP reports every state of the close;
    # close() orphans the connection, which must close all the same.
    if how == 'shutdown':
        first.shutdown(socket.SHUT_WR)
    else:
        first.close()
    fin = cap.wait(me, peer, lambda s: s['src'] == me and 'F' in s['flags'],
                   'FIN from the closer')
    if other.recv(100) != b'':
        notes.append('passive end: recv() after the FIN did not return EOF')
    # Figure 12 line 3: the other end ACKs the FIN before its user closes.
    cap.wait(me, peer, lambda s: s['src'] == peer and '.' in s['flags'] and
             s['ack'] == (fin['seq'] + 1) % 2**32, 'ACK of the FIN')
    other.close()
    fin2 = cap.wait(me, peer, lambda s: s['src'] == peer and 'F' in s['flags'],
                    'FIN from the passive end')
    if how == 'shutdown':
        if first.recv(100) != b'':
            notes.append('closer: recv() after the FIN did not return EOF')
        first.close()
    cap.wait(me, peer, lambda s: s['src'] == me and '.' in s['flags'] and
             s['ack'] == (fin2['seq'] + 1) % 2**32, 'ACK of the second FIN')
    closer_stack = client_stack if closer == 'client' else server_stack
    tw = None
    if closer_stack == 'xtcp':
        wait_trace(f'{me} {peer} TIME-WAIT -> CLOSED')
    else:
        tw = timewait_listed(me, peer)
    lst.close()
    return a, b, tw, notes


def timewait_listed(local, remote):
    """Is local<->remote in TIME_WAIT (st 06) in /proc/net/tcp?"""
    def hexaddr(ap):
        ip, port = ap.split(':')
        return '%08X:%04X' % (struct.unpack('<I', socket.inet_aton(ip))[0], int(port))
    want = (hexaddr(local), hexaddr(remote), '06')
    with open('/proc/net/tcp') as f:
        return any(tuple(l.split()[1:4]) == want for l in f.readlines()[1:])


# --- checks: each returns a list of problems (empty: pass) ---------------

def check_handshake_segments(w, x, y):
    bad = []
    if len(w) < 3:
        return [f'only {len(w)} segments on the wire']
    syn, synack, ack = w[0], w[1], w[2]
    cl, sv = syn['src'], syn['dst']
    if syn['flags'] != 'S' or syn['src'] != cl:
        bad.append(f'segment 1 should be <SEQ=x><CTL=SYN>: {show(syn)}')
    if (synack['src'] != sv or set(synack['flags']) != set('S.')
            or synack['ack'] != (x + 1) % 2**32):
        bad.append(f'segment 2 should be <SEQ=y><ACK=x+1={(x + 1) % 2**32}>'
                   f'<CTL=SYN,ACK>: {show(synack)}')
    if (ack['src'] != cl or '.' not in ack['flags'] or set(ack['flags']) & set('SFR')
            or ack['seq'] != (x + 1) % 2**32 or ack['ack'] != (y + 1) % 2**32):
        bad.append(f'segment 3 should be <SEQ=x+1={(x + 1) % 2**32}>'
                   f'<ACK=y+1={(y + 1) % 2**32}><CTL=ACK>: {show(ack)}')
    return bad


def check_data(w, cl, x, y):
    """Each direction's data fills [ISN+1, ISN+1+n) without gaps, nothing
    beyond, and the receiver ACKs ISN+1+n."""
    bad = []
    for who, from_client, isn, n in (('client', True, x, C2S), ('server', False, y, S2C)):
        start, covered = (isn + 1) % 2**32, 0
        for s in w:
            if (s['src'] == cl) != from_client or not s['len']:
                continue
            off = (s['seq'] - start) % 2**32
            if off > covered:
                bad.append(f'{who} data: gap before {show(s)}, next byte was ISN+1+{covered}')
            covered = max(covered, off + s['len'])
        if covered != n:
            bad.append(f'{who} data covers ISN+1 .. ISN+1+{covered}, want exactly {n} bytes')
        # ACKs are cumulative (RFC 9293 3.4): the data is acknowledged by
        # ISN+1+n itself, or, with a delayed ACK, by the ACK of the FIN
        # right after it (ISN+1+n+1); never by anything beyond that.
        acks = [(s['ack'] - start) % 2**32 for s in w
                if (s['src'] == cl) != from_client and '.' in s['flags']]
        if n not in acks and n + 1 not in acks:
            bad.append(f'{who} data: no ACK of ISN+1+{n} = {(start + n) % 2**32}'
                       ' (nor of the FIN after it)')
    return bad


def teardown(w, me, u, v):
    """Figure 12's four segments, found by content: FIN u, the ACK of u+1,
    FIN w, the ACK of w+1. Returns (segments, problems)."""
    bad, notes = [], []
    i = next((i for i, s in enumerate(w) if 'F' in s['flags']), None)
    if i is None:
        return None, ['no FIN on the wire'], []
    rest = w[i:]
    f1 = rest[0]
    mine = [s for s in rest[1:] if s['src'] == me]
    theirs = [s for s in rest[1:] if s['src'] != me]
    a1 = next((s for s in theirs if '.' in s['flags'] and s['ack'] == (u + 1) % 2**32), None)
    f2 = next((s for s in theirs if 'F' in s['flags']), None)
    a2 = (next((s for s in mine if '.' in s['flags'] and f2 and
                s['ack'] == (f2['seq'] + 1) % 2**32), None))
    want = [
        (f1, 'FIN from the closer', f1['src'] == me and set(f1['flags']) <= set('F.P')
         and f1['seq'] == u and f1['ack'] == v and f1['len'] == 0,
         f'<SEQ=u={u}><ACK={v}><CTL=FIN,ACK>'),
        (a1, 'ACK of the FIN', a1 and set(a1['flags']) == {'.'} and a1['seq'] == v
         and a1['len'] == 0, f'<SEQ={v}><ACK=u+1={(u + 1) % 2**32}><CTL=ACK>'),
        (f2, 'FIN from the other end', f2 and set(f2['flags']) <= set('F.P') and '.' in f2['flags']
         and f2['seq'] == v and f2['ack'] == (u + 1) % 2**32 and f2['len'] == 0,
         f'<SEQ=w={v}><ACK=u+1={(u + 1) % 2**32}><CTL=FIN,ACK>'),
        (a2, 'last ACK', a2 and set(a2['flags']) == {'.'} and a2['seq'] == (u + 1) % 2**32
         and a2['len'] == 0, f'<SEQ=u+1={(u + 1) % 2**32}><ACK=w+1={(v + 1) % 2**32}><CTL=ACK>'),
    ]
    for seg, name, ok, expect in want:
        if not ok:
            bad.append(f"{name}: want {expect}, got {show(seg) if seg else 'none'}")
    order = [rest.index(s) for s in (f1, a1, f2, a2) if s is not None]
    if order != sorted(order):
        bad.append('the four segments are out of Figure 12\'s order')
    for s in rest:
        if s in (f1, a1, f2, a2):
            continue
        if set(s['flags']) == {'.'} and s['len'] == 0:
            notes.append(f'tolerated: duplicate ACK {show(s)}')
        else:
            bad.append(f'unexpected segment in the close: {show(s)}')
    for s in w:
        if 'R' in s['flags']:
            bad.append(f'RST: {show(s)}')
    return (f1, a1, f2, a2), bad, notes


def trace_conn(conns, a, b):
    for c in conns:
        if {c['a'], c['b']} == {a, b}:
            return c
    return None


def match(c, side, wseg):
    """The trace's record of a wire segment sent by side."""
    for ev in c['events']:
        if (ev['type'] == 'segment' and ev['src'] == side and ev['seq'] == wseg['seq']
                and ev['ack'] == wseg['ack'] and set(ev['flags']) == set(wseg['flags'])
                and ev['len'] == wseg['len']):
            return ev
    return None


def at(ev, side):
    """Where a segment sits in the trace from side's point of view: the line
    where side logged it, else where its (xtcp) peer did."""
    own = [l['line'] for l in ev['logged'] if l['side'] == side]
    return own[0] if own else ev['logged'][0]['line']


def transitions(c, side):
    return [e for e in c['events'] if e['type'] == 'state' and e['side'] == side]


def check_handshake_states(c):
    """Figure 6: A CLOSED -> SYN-SENT -> ESTABLISHED; B LISTEN ->
    SYN-RECEIVED -> ESTABLISHED. The kernel's TCP reports its passive side
    from SYN-RECEIVED (the request before it has no socket of its own)."""
    bad = []
    want = {'a': [('CLOSED', 'SYN-SENT'), ('SYN-SENT', 'ESTABLISHED')],
            'b': [('LISTEN', 'SYN-RECEIVED'), ('SYN-RECEIVED', 'ESTABLISHED')]}
    for side in 'ab':
        got = []
        for e in transitions(c, side):
            got.append((e['from'], e['to']))
            if e['to'] == 'ESTABLISHED':
                break
        exp = want[side]
        if c['stack'][side] == 'tcp' and side == 'b':
            exp = exp[1:]
        if got != exp:
            bad.append(f"{'AB'[side == 'b']} ({c['stack'][side]}): states "
                       f"{' ; '.join('%s -> %s' % t for t in got)}, want "
                       f"{' ; '.join('%s -> %s' % t for t in exp)}")
    # xtcp's own record of each handshake segment names its state then.
    segs = [e for e in c['events'] if e['type'] == 'segment'][:3]
    want_state = [{'a': 'SYN-SENT', 'b': 'LISTEN'}, {'a': 'SYN-SENT', 'b': 'SYN-RECEIVED'},
                  {'a': 'ESTABLISHED', 'b': 'SYN-RECEIVED'}]
    for n, (e, ws) in enumerate(zip(segs, want_state), 1):
        for l in e['logged']:
            if l['state'] != ws[l['side']]:
                bad.append(f"segment {n} logged by {'AB'[l['side'] == 'b']} ({l['io']}) in "
                           f"{l['state']}, want {ws[l['side']]}")
    return bad


def check_teardown_states(c, cs, ps, segs, closer_stack, tw_listed):
    """Figure 12, one side at a time: the states in order, and each change
    between the segments that cause it. Positions are trace lines; a
    segment's position is where that side logged it, or where the xtcp
    peer did (the kernel's TCP does not log segments)."""
    bad = []
    f1, a1, f2, a2 = segs
    tf1, ta1, tf2, ta2 = (match(c, s, w) for s, w in
                          ((cs, f1), (ps, a1), (ps, f2), (cs, a2)))
    if None in (tf1, ta1, tf2, ta2):
        return ['a teardown segment seen on the wire is missing from the trace']
    tw = 'TIME-WAIT'
    # (side, from, to, after segment, before segment); None: no bound
    want = {
        cs: [('ESTABLISHED', 'FIN-WAIT-1', None, tf1),
             ('FIN-WAIT-1', 'FIN-WAIT-2', ta1, tf2),
             # TIME-WAIT may come just after sending the ACK (RFC 9293
             # 3.10.7.4, eighth check, sends it first; so does Linux), but
             # before that ACK reaches the other end.
             ('FIN-WAIT-2', tw, tf2, (ta2, ps) if c['stack'][ps] == 'xtcp' else None)],
        ps: [('ESTABLISHED', 'CLOSE-WAIT', tf1, tf2),
             ('CLOSE-WAIT', 'LAST-ACK', ta1, tf2),
             ('LAST-ACK', 'CLOSED', ta2, None)],
    }
    if closer_stack == 'xtcp':
        want[cs].append((tw, 'CLOSED', ta2, None))
    names = {cs: 'closer', ps: 'other end'}
    for side, steps in want.items():
        got = [e for e in transitions(c, side)]
        est = max((i for i, e in enumerate(got) if e['to'] == 'ESTABLISHED'), default=-1)
        got = got[est + 1:]
        seen = []
        for e in got:
            to = e['to']
            if e.get('timewait'):
                to = tw     # the kernel's CLOSED into a timewait socket
            seen.append((e['from'], to, e))
        if [s[:2] for s in seen] != [s[:2] for s in steps]:
            bad.append(f"{names[side]} ({c['stack'][side]}) went "
                       f"{' ; '.join('%s -> %s' % s[:2] for s in seen) or 'nowhere'}, want "
                       f"{' ; '.join('%s -> %s' % s[:2] for s in steps)}")
            continue
        for (old, new, e), (_, _, after, before) in zip(seen, steps):
            if after is not None and not e['line'] > at(after, side):
                bad.append(f"{names[side]}: {old} -> {new} before segment "
                           f"seq={after['seq']} ack={after['ack']} [{after['flags']}] that causes it")
            view = side
            if isinstance(before, tuple):
                before, view = before
            if before is not None and not e['line'] < at(before, view):
                bad.append(f"{names[side]}: {old} -> {new} only after segment "
                           f"seq={before['seq']} ack={before['ack']} [{before['flags']}]")
    if closer_stack == 'tcp' and not tw_listed:
        bad.append('kernel closer: connection not in TIME_WAIT in /proc/net/tcp')
    return bad


def check_timewait(c, cs, closer_stack, tw_listed):
    """3.6.1: TIME-WAIT lasts 2 MSL (xtcp: msl_ms), then CLOSED. The kernel's
    TCP keeps a fixed 60 s TIME-WAIT: it must be listed as such."""
    if closer_stack == 'tcp':
        return [] if tw_listed else ['kernel closer not in TIME_WAIT in /proc/net/tcp']
    ts = transitions(c, cs)
    start = next((e for e in ts if e['to'] == 'TIME-WAIT'), None)
    end = next((e for e in ts if e['from'] == 'TIME-WAIT'), None)
    if start is None:
        return ['closer never entered TIME-WAIT']
    if end is None or end['to'] != 'CLOSED':
        return [f'TIME-WAIT did not end in CLOSED within {WAIT:.0f} s '
                f'(msl_ms={MSL_MS}): {end and end["to"]}']
    lasted = end['t'] - start['t']
    tick = 0.011    # the trace clock's granularity in UML (HZ=100)
    if lasted < 2 * MSL_MS / 1000 - tick:
        return [f'TIME-WAIT lasted {lasted:.3f} s, less than 2*msl_ms = '
                f'{2 * MSL_MS / 1000:.3f} s']
    return []


def check_ladder(svg, w, a, b, cs, closer_stack):
    """The SVG's arrows for a<->b are the wire's segments, one for one."""
    g = next((g for g in svg.iter('{http://www.w3.org/2000/svg}g')
              if g.get('class') == 'connection' and {g.get('data-a'), g.get('data-b')} == {a, b}),
             None)
    if g is None:
        return ['connection not in the SVG']
    side = {a: 'a', b: 'b'} if g.get('data-a') == a else {a: 'b', b: 'a'}
    isn = {s['src']: s['seq'] for s in w if 'S' in s['flags']}
    # Window Scale counts only if both SYNs carry it (RFC 7323 2.2).
    syns = [s for s in w if 'S' in s['flags']]
    both = len({s['src'] for s in syns if s['wscale'] is not None}) == 2
    shift = {s['src']: s['wscale'] for s in syns} if both else {}
    arrows = [e for e in g.iter('{http://www.w3.org/2000/svg}g') if e.get('class') == 'segment']
    bad = []
    if len(arrows) != len(w):
        bad.append(f'{len(arrows)} arrows for the {len(w)} segments on the wire')
    left = list(arrows)
    for s in w:
        want = {'from': side[s['src']], 'flags': set(s['flags']),
                'seq': str((s['seq'] - isn.get(s['src'], 0)) % 2**32),
                'ack': str((s['ack'] - isn.get(s['dst'], 0)) % 2**32) if '.' in s['flags'] else '',
                'len': str(s['len']),
                'wnd': str(s['win'] if 'S' in s['flags'] else s['win'] << (shift.get(s['src']) or 0)),
                'lost': '0'}
        hit = next((e for e in left if all(
            (set(e.get('data-flags')) if k == 'flags' else e.get(f'data-{k}')) == v
            for k, v in want.items())), None)
        if hit is None:
            bad.append(f'no arrow for {show(s)} (want {want})')
            continue
        left.remove(hit)
        text = ''.join(t.text or '' for t in hit.iter('{http://www.w3.org/2000/svg}text'))
        for part in (f"SEQ={want['seq']}", f"len={want['len']}", f"win={want['wnd']} B"):
            if part not in text:
                bad.append(f'label {text!r} lacks {part!r}')
    bad += [f'arrow not on the wire: {dict(e.attrib)}' for e in left]
    states = [t.text for t in g.iter('{http://www.w3.org/2000/svg}text')
              if f'side-{side[cs]}' in (t.get('class') or '').split()
              and 'state' in (t.get('class') or '').split()]
    if not any(st.startswith('TIME-WAIT') for st in states):
        bad.append(f'closer states {states}: no TIME-WAIT')
    timers = [e.get('data-timer') for e in g.iter('{http://www.w3.org/2000/svg}g')
              if e.get('class') == 'timer' and e.get('data-side') == side[cs]]
    if closer_stack == 'xtcp' and 'time-wait' not in timers:
        bad.append(f'closer timers {timers}: no time-wait')
    return bad


def main():
    print('TAP version 13')
    print(f'1..{len(FLOWS) * len(CHECKS)}')
    old_msl = open(MSL).read().strip()
    events = [f'{TRACE}/events/xtcp/enable',
              f'{TRACE}/events/sock/inet_sock_set_state/enable']
    results = []
    cap = Capture()
    cap.start()
    try:
        open(MSL, 'w').write(str(MSL_MS))
        open(f'{TRACE}/trace', 'w').write('')
        for e in events:
            open(e, 'w').write('1')
        for n, (name, cstack, sstack, closer, how) in enumerate(FLOWS):
            try:
                results.append((run_flow(cap, 5100 + n, cstack, sstack, closer, how), None))
            except Exception as e:   # noqa: BLE001 - reported as this flow's failure
                results.append((None, f'{type(e).__name__}: {e}'))
        with open(f'{TRACE}/trace') as f:
            saved = f.read()
    finally:
        for e in events:
            open(e, 'w').write('0')
        open(MSL, 'w').write(old_msl)
        cap.stop = True
    tracefile = '/tmp/wire_test.trace.%d' % os.getpid()
    with open(tracefile, 'w') as f:
        f.write(saved)
    conns = json.loads(subprocess.run([f'{TOP}/tools/xtcp-trace', '--json', tracefile],
                                      check=True, capture_output=True, text=True).stdout)
    table = subprocess.run([f'{TOP}/tools/xtcp-trace', '--absolute', tracefile],
                           capture_output=True, text=True).stdout
    svg = subprocess.run([f'{TOP}/tools/xtcp-trace', '--svg', '-', tracefile],
                         capture_output=True, text=True).stdout
    try:
        svg = ET.fromstring(svg)
    except ET.ParseError as e:
        svg = f'tools/xtcp-trace --svg: not XML: {e}'
    os.unlink(tracefile)

    t, failed = 0, 0
    for (name, cstack, sstack, closer, how), (res, err) in zip(FLOWS, results):
        outcome = {}
        diag = []
        if err:
            for chk in CHECKS:
                outcome[chk] = [f'flow failed: {err}']
            a = b = None
        else:
            a, b, tw_listed, notes = res
            diag += notes
        if a is not None:
            w = cap.flow(a, b)
            c = trace_conn(conns, a, b)
            cs, ps = ('a', 'b') if closer == 'client' else ('b', 'a')
            closer_stack = cstack if closer == 'client' else sstack
            x, y = w[0]['seq'], (w[1]['seq'] if len(w) > 1 else 0)
            outcome['handshake segments'] = check_handshake_segments(w, x, y)
            outcome['data sequence numbers'] = check_data(w, a, x, y)
            me = a if closer == 'client' else b
            u = (x + 1 + C2S) % 2**32 if closer == 'client' else (y + 1 + S2C) % 2**32
            v = (y + 1 + S2C) % 2**32 if closer == 'client' else (x + 1 + C2S) % 2**32
            segs, bad, tnotes = teardown(w, me, u, v)
            outcome['teardown segments'] = bad + notes
            diag += tnotes
            if c is None:
                for chk in ('handshake states', 'teardown states', 'TIME-WAIT'):
                    outcome[chk] = ['connection not found in the trace']
            else:
                outcome['handshake states'] = check_handshake_states(c)
                outcome['teardown states'] = (
                    check_teardown_states(c, cs, ps, segs, closer_stack, tw_listed)
                    if segs and None not in segs else ['teardown segments missing'])
                outcome['TIME-WAIT'] = check_timewait(c, cs, closer_stack, tw_listed)
            outcome['ladder diagram'] = (check_ladder(svg, w, a, b, me, closer_stack)
                                         if not isinstance(svg, str) else [svg])
        flow_failed = False
        for chk in CHECKS:
            t += 1
            bad = outcome.get(chk, [])
            if bad:
                failed += 1
                flow_failed = True
                print(f'not ok {t} {name}: {chk}')
                for line in bad:
                    print(f'# {line}')
            else:
                print(f'ok {t} {name}: {chk}')
        if a is not None and (flow_failed or diag):
            for line in diag:
                print(f'# {line}')
            if flow_failed:
                print('# on the wire:')
                for s in cap.flow(a, b):
                    print(f'#   {show(s)}')
                print('# tools/xtcp-trace:')
                block = table.split('\n\n')
                for blk in block:
                    if a in blk.split('\n')[0] and b in blk.split('\n')[0]:
                        for line in blk.splitlines():
                            print(f'#   {line}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
