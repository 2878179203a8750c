#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP options on the wire, captured with tcpdump on a veth: what xtcp
offers in its SYN and SYN-ACK, and that it then uses what was agreed and
nothing else, against the kernel's TCP both ways and against itself. Runs
inside UML, as root; topology and tools in xtcp_timers.py, xtcp_wire.py.

    init_net: xtcp (A) 198.51.100.1 va <--veth--> vb 198.51.100.2 netns xtb (B)
                                               kernel TCP or xtcp; tcpdump

  offer      RFC 9293 3.7.1 (MUST-14), RFC 2018 2, RFC 7323 2.2, 3.2:
             xtcp's SYN and SYN-ACK carry MSS (the route's: 1460 on veth),
             SACK-Permitted, Timestamps and Window Scale, its shift the
             smallest that covers tcp_rmem[2] (2.3); a SYN's TSecr is 0,
             a SYN-ACK's echoes the SYN's TSval.
  TSopt      RFC 7323 3.2: once agreed, in every non-RST segment; 4.3:
             TSecr echoes a TSval the peer sent (seen before on the wire),
             never going back; TSval never goes back either.
  scaling    RFC 7323 2.3: with a bulk transfer towards xtcp, its window
             field << its shift exceeds 65535 (so scaling is really used)
             and stays within tcp_rmem[2].
  SACK       RFC 2018 3, 4: with netem reordering and loss on the path
             towards xtcp, its ACKs carry SACK blocks, each above the
             cumulative ACK (but a D-SACK block first, RFC 2883 4) and
             within the data sent; sending through
             them, it never retransmits what the receiver SACKed (RFC
             6675 4).
  dup echo   the kernel's TCP sending to xtcp while xtcp's segments are
             dropped (netem loss 100 %), then let through: xtcp's answer
             to the kernel's next retransmission, a duplicate, echoes
             that copy's TSval, not the first copy's (a deliberate
             departure from RFC 7323 5.3; README), and reports it as
             a D-SACK block first (RFC 2883 4), unless net.xtcp.dsack=0.
  sysctls    /proc/sys/net/xtcp/{sack,timestamps,window_scaling} = 0: the
             option is missing from xtcp's SYN (the others remain), xtcp
             never uses it, and a transfer still arrives intact.
  peer off   net.ipv4.tcp_{sack,timestamps,window_scaling} = 0 in the
             peer's namespace: xtcp's SYN-ACK does not offer what the SYN
             lacked (RFC 7323 2.2, 3.2; Linux for SACK), and neither end
             of xtcp uses the option afterwards; transfers arrive intact.

Every transfer is checked by SHA-256. Failing cases print tcpdump's lines
of the segments at fault.
"""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_tap import Tap  # noqa: E402
from xtcp_timers import A_IP, B_IP, NS, Topo, connect_pair, run  # noqa: E402
from xtcp_wire import (Conn, Tcpdump, netem, rcv_wscale_for, seq_le,  # noqa: E402
                       seq_lt, show, sysctl, transfer, window_overruns)

BULK = 1 << 20          # bytes each way in the plain flows
SMALL = 256 << 10       # bytes each way in the option-off flows
LOSSY = 'delay 2ms reorder 25% 50% loss 2%'
DUP_BYTES = 4096        # sent while the receiver's ACKs are dropped
OPTS = {                # sysctl name: (option key in parse_options, name)
    'sack': ('sackok', 'SACK-Permitted'),
    'timestamps': ('ts', 'Timestamps'),
    'window_scaling': ('wscale', 'Window Scale'),
}
PEER_SYSCTL = {'sack': 'tcp_sack', 'timestamps': 'tcp_timestamps',
               'window_scaling': 'tcp_window_scaling'}


def rmem_max(ns=None):
    return int(sysctl('net/ipv4/tcp_rmem', ns=ns).split()[2])


class Session:
    """One connection on port, client and server stacks as given, with
    netem on a's or b's end, captured; then transferred both ways."""

    def __init__(self, port, client, server, n_c2s, n_s2c, netem_a=None, netem_b=None):
        # client: ('xtcp'|'tcp', 'a'|'b'); the server is on the other end
        self.cap = Tcpdump(f'tcp port {port}')
        self.bad = []
        stack = {client[1]: client[0], server[1]: server[0]}
        self.stack = stack
        try:
            if netem_a:
                netem('a', netem_a)
            if netem_b:
                netem('b', netem_b)
            on_a = client[1] == 'a'
            cli, srv, lst = connect_pair(
                port, server_stack=server[0], client_stack=client[0],
                client_ns=None if on_a else NS, server_ns=NS if on_a else None,
                server_ip=B_IP if on_a else A_IP)
            lst.close()
            try:
                self.bad = transfer(cli, srv, n_c2s, n_s2c)
            finally:
                cli.close()
                srv.close()
            time.sleep(0.2)     # the close's last segments
        except Exception as e:   # noqa: BLE001 - the transfer's failure
            self.bad.append(f'{type(e).__name__}: {e}')
        finally:
            netem('a', None)
            netem('b', None)
            self.cap.stop()
        self.conn = Conn(self.cap.segs, A_IP)

    def ex(self, segs):
        return ['tcpdump:'] + ['  ' + ln for ln in self.cap.excerpt(segs)]

    def close(self):
        self.cap.close()


# --- checks: each returns (problems, notes) -------------------------------

def check_offer(ses, side, rmem2):
    """xtcp's SYN (or SYN-ACK) offers all four options, sensibly."""
    c = ses.conn
    s, peer = c.syn[side], c.syn['b' if side == 'a' else 'a']
    if s is None:
        return ['no SYN from this end in the capture'], []
    o, bad = s['opts'], []
    for key, name in (('mss', 'MSS'), ('sackok', 'SACK-Permitted'), ('ts', 'Timestamps'),
                      ('wscale', 'Window Scale')):
        if key not in o:
            bad.append(f'{name} missing')
    if o.get('mss', 1460) != 1460:
        bad.append(f"MSS {o['mss']}, want 1460 (veth MTU 1500 - 40)")
    want_ws = rcv_wscale_for(rmem2)
    if 'wscale' in o and o['wscale'] != want_ws:
        bad.append(f"window shift {o['wscale']}, want {want_ws} (covers tcp_rmem[2] = {rmem2})")
    if 'ts' in o:
        if '.' not in s['flags'] and o['ts'][1] != 0:
            bad.append(f"SYN's TSecr is {o['ts'][1]}, want 0 (RFC 7323 3.2)")
        if '.' in s['flags'] and peer and 'ts' in peer['opts'] and \
                o['ts'][1] != peer['opts']['ts'][0]:
            bad.append(f"SYN-ACK's TSecr {o['ts'][1]} does not echo the SYN's TSval "
                       f"{peer['opts']['ts'][0]}")
    if s['win'] > 65535 or not s['win']:
        bad.append(f"SYN window {s['win']}")
    return (bad + ses.ex([x for x in (peer, s) if x]) if bad else []), [show(s)]


def check_timestamps(ses, side):
    """Every non-RST segment after the SYN carries TSopt; TSecr echoes a
    TSval of the peer seen before it and never goes back; TSval neither."""
    c = ses.conn
    seen, bad, last_ecr, last_val, n = set(), [], None, None, 0
    for s in c.segs:
        if c.side(s) != side:
            if 'ts' in s['opts']:
                seen.add(s['opts']['ts'][0])
            continue
        if 'S' in s['flags'] or 'R' in s['flags']:
            continue
        n += 1
        ts = s['opts'].get('ts')
        if ts is None:
            bad.append(('no Timestamps option', s))
            continue
        val, ecr = ts
        if ecr not in seen:
            bad.append((f'TSecr {ecr} is no TSval the peer sent before', s))
        if last_ecr is not None and seq_lt(ecr, last_ecr):
            bad.append((f'TSecr went back from {last_ecr} to {ecr}', s))
        if last_val is not None and seq_lt(val, last_val):
            bad.append((f'TSval went back from {last_val} to {val}', s))
        last_ecr, last_val = ecr, val
    notes = [f'{n} segments after the handshake checked']
    if not n:
        return ['no segment after the handshake'], notes
    if not bad:
        return [], notes
    out = [f'{len(bad)} of {n} segments wrong; first ones:']
    for why, s in bad[:3]:
        out.append(f'{why}:')
        out += ['  ' + ln for ln in ses.cap.around(s)]
    return out, notes


def check_scaling_used(ses, side, rmem2):
    c = ses.conn
    wins = [c.window(s) for s in c.of(side) if 'S' not in s['flags'] and 'R' not in s['flags']]
    notes = [f"window shift {c.ws[side]}; largest window advertised "
             f"{max(wins, default=0)} bytes (field << shift)"]
    bad = []
    if not c.ws[side]:
        bad.append('no window shift in force')
    if max(wins, default=0) <= 65535:
        bad.append(f'largest window advertised in a {BULK}-byte transfer towards it is '
                   f'{max(wins, default=0)}: scaling not used')
    big = [s for s in c.of(side) if 'S' not in s['flags'] and c.window(s) > rmem2]
    if big:
        bad.append(f'window beyond tcp_rmem[2] = {rmem2}:')
        bad += ses.ex(big)
    return bad, notes


def is_dsack(blocks, ack):
    """RFC 2883 4: the first block reports a duplicate (D-SACK) if it lies
    at or below the ACK, or within the second block."""
    left, right = blocks[0]
    if seq_le(right, ack):
        return True
    return len(blocks) > 1 and seq_le(blocks[1][0], left) and seq_le(right, blocks[1][1])


def sack_problems(ses, side):
    """SACK blocks of side's segments: each above the ACK (a D-SACK first
    block aside), ordered, within the data the peer had sent before.
    Returns (problems, number of segments with blocks, number of peer data
    segments out of order)."""
    c = ses.conn
    top, bad, with_blocks, ooo = None, [], 0, 0
    for s in c.segs:
        if c.side(s) != side:
            if s['len']:
                end = (s['seq'] + s['len']) % 2**32
                if top is not None and seq_lt(s['seq'], top) and \
                        seq_lt((s['seq'] + s['len']) % 2**32, top):
                    ooo += 1        # a hole filled (or a retransmission)
                top = end if top is None or seq_lt(top, end) else top
            continue
        blocks = s['opts'].get('sack')
        if not blocks:
            continue
        with_blocks += 1
        for i, (left, right) in enumerate(blocks):
            if not seq_lt(s['ack'], left) and not (i == 0 and is_dsack(blocks, s['ack'])):
                bad.append((f'block {left}-{right} not above the ACK {s["ack"]}', s))
            if not seq_lt(left, right):
                bad.append((f'empty or reversed block {left}-{right}', s))
            if top is None or seq_lt(top, right):
                bad.append((f'block {left}-{right} beyond the data sent ({top})', s))
        if len(blocks) > (3 if 'ts' in s['opts'] else 4):
            bad.append((f'{len(blocks)} blocks do not fit the option space', s))
    return bad, with_blocks, ooo


def check_sack_sent(ses, side):
    _, n, ooo = sack_problems(ses, side)
    notes = [f'{n} of its segments carried SACK blocks; {ooo} peer data segments '
             'filled holes']
    if not ooo:
        return ['netem caused no hole: the scenario did not happen'], notes
    if not n:
        return ['holes in the data, but no SACK block in any of its ACKs'], notes
    return [], notes


def check_sack_valid(ses, side):
    bad, n, _ = sack_problems(ses, side)
    if not n:
        return ['no SACK blocks to check'], []
    if not bad:
        return [], []
    out = [f'{len(bad)} bad blocks; first ones:']
    for why, s in bad[:3]:
        out.append(f'{why}:')
        out += ['  ' + ln for ln in ses.cap.around(s)]
    return out, []


def check_sack_used(ses, side):
    """side, sending through loss, never retransmits data the receiver
    had SACKed (RFC 6675 4, NextSeg (): only what is not SACKed), in an
    ACK side had certainly processed: the peer's segments arrive in order
    (netem is on side's end only), and a segment's TSecr names the latest
    of them side had taken (RFC 7323 4.3), so every peer segment up to
    the first whose TSval it echoes had been processed. RFC 2018 lets a
    sender forget SACK information at a retransmission timeout, so a
    retransmission after 150 ms of silence is exempt."""
    c = ses.conn
    peer = [s for s in c.segs if c.side(s) != side]
    hi, last_t, bad, rtx, nblocks = None, None, [], 0, 0
    for s in c.segs:
        if c.side(s) != side:
            nblocks += len(s['opts'].get('sack', []))
            continue
        if not s['len'] or 'S' in s['flags'] or 'ts' not in s['opts']:
            continue
        end = (s['seq'] + s['len']) % 2**32
        if hi is not None and seq_le(end, hi):
            rtx += 1
            ecr = s['opts']['ts'][1]
            known = []
            for q in peer:
                if q['i'] > s['i'] or 'ts' not in q['opts'] or seq_lt(ecr, q['opts']['ts'][0]):
                    break
                known.append(q)
                if q['opts']['ts'][0] == ecr:
                    break
            ov = [(q, lft, r) for q in known for lft, r in q['opts'].get('sack', [])
                  if seq_le(lft, s['seq']) and seq_le(end, r)]
            if ov and s['t'] - last_t < 0.150:
                q, lft, r = ov[-1]
                bad.append((f'retransmits {s["seq"]}:{end} (TSecr {ecr}), which the ACK '
                            f'with TSval {q["opts"]["ts"][0]} had SACKed as {lft}:{r}', s, q))
        last_t = s['t']
        hi = end if hi is None or seq_lt(hi, end) else hi
    notes = [f'{rtx} retransmitted segments, {nblocks} SACK blocks received, '
             f'{len(bad)} retransmissions of SACKed data']
    if not rtx or not nblocks:
        return ['no retransmission or no SACK block: the scenario did not happen'], notes
    out = []
    for why, s, q in bad[:2]:
        out.append(why + ':')
        out += ['  ' + ln for ln in ses.cap.lines(range(q['i'] - 2, s['i'] + 1))]
    return out, notes


def dup_answers(ses, side):
    """The peer's duplicates of data side (xtcp, receiving) already had
    (all of it, and all before it, arrived before), each with side's
    first segment after it if nothing else came in between: a list of
    (duplicate, answer)."""
    c = ses.conn
    arrived, edge, pending, pairs = [], None, None, []
    for s in c.segs:
        if 'R' in s['flags'] or 'ts' not in s['opts']:
            continue
        if c.side(s) == side:
            if pending is not None and 'S' not in s['flags']:
                pairs.append((pending, s))
            pending = None
            continue
        if 'S' in s['flags']:
            edge = (s['seq'] + 1) % 2**32
            continue
        pending = None
        if edge is None or not s['len']:
            continue
        if seq_le((s['seq'] + s['len']) % 2**32, edge):
            pending = s
            continue
        arrived.append((s['seq'], (s['seq'] + s['len']) % 2**32))
        moved = True
        while moved:
            moved = False
            for a, b in arrived:
                if seq_le(a, edge) and seq_lt(edge, b):
                    edge, moved = b, True
    return pairs


def judge_answers(ses, pairs, wrong, what):
    """(problems, notes) for the answers to duplicates where wrong(dup,
    answer) returns a complaint."""
    bad = [(d, a, wrong(d, a)) for d, a in pairs if wrong(d, a)]
    notes = [f'{len(pairs)} answers to duplicates checked']
    if not pairs:
        return ['no duplicate was answered in the capture (nothing to check)'], notes
    if not bad:
        return [], notes
    out = [f'{len(bad)} of {len(pairs)} answers {what}; first ones:']
    for _, ans, why in bad[:3]:
        out.append(why + ':')
        out += ['  ' + ln for ln in ses.cap.around(ans)]
    return out, notes


def check_dup_echo(ses, side):
    """side answers a duplicate (its ACKs were lost) with an echo of the
    duplicate's own TSval: RFC 7323 5.3 would echo the older copy's, and
    the sender would count its wait for a round trip (README: "One
    deliberate departure")."""
    def wrong(dup, ans):
        if ans['opts']['ts'][1] != dup['opts']['ts'][0]:
            return (f"TSecr {ans['opts']['ts'][1]}, the duplicate's TSval "
                    f"{dup['opts']['ts'][0]}")
        return None
    return judge_answers(ses, dup_answers(ses, side), wrong,
                         "do not echo the duplicate's TSval")


def check_dsack(ses, side, on):
    """RFC 2883 4: side's answer to a duplicate reports it as the first
    SACK block (a D-SACK block, below the ACK); with net.xtcp.dsack=0, no
    block below the ACK."""
    def wrong(dup, ans):
        blocks = ans['opts'].get('sack', [])
        want = (dup['seq'], (dup['seq'] + dup['len']) % 2**32)
        if on and (not blocks or tuple(blocks[0]) != want):
            return f'first SACK block {blocks[0] if blocks else None}, want {want}'
        if not on and any(seq_le(r, ans['ack']) for _, r in blocks):
            return f'a block below ACK {ans["ack"]} with dsack off: {blocks}'
        return None
    return judge_answers(ses, dup_answers(ses, side), wrong,
                         'report the duplicate wrongly' if on else 'carry a D-SACK block')


def check_transfer(ses):
    return ses.bad, []


def used(ses, side, opt):
    """The segments of side (after its SYN) that use opt anyway."""
    c = ses.conn
    segs = [s for s in c.of(side) if 'S' not in s['flags']]
    if opt == 'sack':
        return [s for s in segs if s['opts'].get('sack')]
    if opt == 'timestamps':
        return [s for s in segs if 'ts' in s['opts']]
    return []


def check_not_used(ses, side, opt):
    """opt is off for this connection: side never uses it. For Window
    Scale the segments cannot show a shift, so: its windows stay sensible
    unscaled (a wrong shift would shrink them to a few hundred bytes), and
    as a sender it never overruns the peer's unscaled window."""
    c = ses.conn
    bad, notes = [], []
    if opt == 'window_scaling':
        if c.ws['a'] or c.ws['b']:
            return ['Window Scale was agreed: both SYNs carried it'], []
        wins = [s['win'] for s in c.of(side) if 'S' not in s['flags'] and 'R' not in s['flags']]
        notes.append(f'largest window field {max(wins, default=0)}')
        if max(wins, default=0) < 16384:
            bad.append(f'windows of at most {max(wins, default=0)} bytes: shifted?')
        over, flight = window_overruns(c, side)
        notes.append(f'largest flight {flight} bytes')
        for s, by in over[:3]:
            bad.append(f'data {by} bytes beyond the unscaled window:')
            bad += ['  ' + ln for ln in ses.cap.around(s, 6, 1)]
        return bad, notes
    if opt == 'sack' and not sack_problems(ses, side)[2]:
        bad.append('netem caused no hole in the data: SACK blocks were never due')
    u = used(ses, side, opt)
    if u:
        bad.append(f'{len(u)} segments carry {OPTS[opt][1]} all the same:')
        bad += ses.ex(u, 6)
    return bad, notes


def check_offer_without(ses, side, opt):
    """side's SYN (or SYN-ACK) lacks opt; the other options remain (for a
    SYN-ACK only those the SYN offered)."""
    c = ses.conn
    s, peer = c.syn[side], c.syn['b' if side == 'a' else 'a']
    if s is None:
        return ['no SYN from this end'], []
    key, name = OPTS[opt]
    bad = []
    if key in s['opts']:
        bad.append(f'{name} offered all the same')
    for o, (k, n) in OPTS.items():
        if o == opt:
            continue
        if '.' in s['flags'] and peer is not None and k not in peer['opts']:
            continue
        if k not in s['opts']:
            bad.append(f'{n} missing')
    if 'mss' not in s['opts']:
        bad.append('MSS missing')
    return (bad + ses.ex([x for x in (peer, s) if x]) if bad else []), [show(s)]


# --- scenarios ------------------------------------------------------------

FLOWS = [   # name, client (stack, end), server (stack, end), xtcp ends
    ('xtcp client -> kernel server', ('xtcp', 'a'), ('tcp', 'b'), ['a']),
    ('kernel client -> xtcp server', ('tcp', 'b'), ('xtcp', 'a'), ['a']),
    ('xtcp client -> xtcp server', ('xtcp', 'a'), ('xtcp', 'b'), ['a', 'b']),
]
SACK_FLOWS = [  # the peer (b) sends 1 MiB to xtcp (a) through netem
    ('kernel sender -> xtcp receiver', ('xtcp', 'a'), ('tcp', 'b')),
    ('xtcp sender -> xtcp receiver', ('xtcp', 'a'), ('xtcp', 'b')),
]


def role(side, client):
    return 'client' if side == client[1] else 'server'


def plain_flows(port):
    for n, (name, cli, srv, xends) in enumerate(FLOWS):
        cases = []
        for x in xends:
            cases.append(f"{name}: {role(x, cli)}'s {'SYN' if role(x, cli) == 'client' else 'SYN-ACK'}"
                         ' offers MSS, SACK-Permitted, Timestamps, Window Scale')
        for x in xends:
            cases.append(f"{name}: {role(x, cli)} sends Timestamps on every segment, "
                         'TSecr echoing the peer')
        for x in xends:
            cases.append(f'{name}: {role(x, cli)} scales its window beyond 64 KB')
        cases.append(f'{name}: {BULK} bytes each way intact')

        def run_it(cli=cli, srv=srv, xends=xends, port=port + n):
            ses = Session(port, cli, srv, BULK, BULK)
            try:
                res = []
                for x in xends:
                    res.append(check_offer(ses, x, rmem_max(None if x == 'a' else NS)))
                for x in xends:
                    res.append(check_timestamps(ses, x))
                for x in xends:
                    res.append(check_scaling_used(ses, x, rmem_max(None if x == 'a' else NS)))
                res.append(check_transfer(ses))
                return res
            finally:
                ses.close()
        yield cases, run_it


def sack_flows(port):
    for n, (name, cli, srv) in enumerate(SACK_FLOWS):
        cases = [f'{name}, netem "{LOSSY}": receiver ACKs carry SACK blocks',
                 f'{name}: every SACK block lies above the ACK (a D-SACK first block '
                 'aside) and within the data sent',
                 f'{name}: {BULK} bytes intact']

        def run_it(cli=cli, srv=srv, port=port + n):
            ses = Session(port, cli, srv, 0, BULK, netem_b=LOSSY)
            try:
                return [check_sack_sent(ses, 'a'), check_sack_valid(ses, 'a'),
                        check_transfer(ses)]
            finally:
                ses.close()
        yield cases, run_it


def sack_sender_flow(port):
    cases = [f'xtcp sender -> kernel receiver, netem "{LOSSY}" on its data: no '
             'retransmission of SACKed data',
             f'xtcp sender -> kernel receiver through netem: {BULK} bytes intact']

    def run_it():
        ses = Session(port, ('xtcp', 'a'), ('tcp', 'b'), BULK, 0, netem_a=LOSSY)
        try:
            return [check_sack_used(ses, 'a'), check_transfer(ses)]
        finally:
            ses.close()
    yield cases, run_it


class DupSession:
    """The kernel's TCP (a) sends to xtcp (b) while every segment of b is
    dropped: b gets the data, a hears nothing and resends it by RTO; then
    b's segments pass again, and b answers a duplicate."""

    def __init__(self, port, dsack=True):
        self.cap = Tcpdump(f'tcp port {port}')
        self.bad = []
        old = sysctl('net/xtcp/dsack', int(dsack), ns=NS)
        try:
            cli, srv, lst = connect_pair(port, server_stack='xtcp', client_stack='tcp')
            lst.close()
            data = os.urandom(DUP_BYTES)
            try:
                netem('b', 'loss 100%')
                cli.sendall(data)
                time.sleep(1.0)         # a few of a's RTOs go unanswered
                netem('b', None)
                # a's next RTO: a duplicate answered (reading first
                # would send a window update that ends a's resending)
                time.sleep(2.5)
                got = b''
                srv.settimeout(10)
                while len(got) < len(data):
                    chunk = srv.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                if got != data:
                    self.bad.append(f'{len(got)} of {len(data)} bytes, '
                                    + ('differing' if len(got) == len(data) else 'short'))
            finally:
                netem('b', None)
                cli.close()
                srv.close()
            time.sleep(0.2)
        except Exception as e:   # noqa: BLE001 - the exchange's failure
            self.bad.append(f'{type(e).__name__}: {e}')
        finally:
            sysctl('net/xtcp/dsack', old, ns=NS)
            self.cap.stop()
        self.conn = Conn(self.cap.segs, A_IP)

    def close(self):
        self.cap.close()


def dup_echo_flow(port):
    cases = ["kernel sender -> xtcp receiver, xtcp's ACKs dropped for 1 s: its answer "
             "to the resent duplicate echoes the duplicate's TSval",
             'the same: the answer reports the duplicate in a D-SACK block (RFC 2883 4)',
             f'kernel sender -> xtcp receiver, ACKs dropped: {DUP_BYTES} bytes intact',
             'the same with net.xtcp.dsack=0: no D-SACK block in the answer',
             f'net.xtcp.dsack=0: {DUP_BYTES} bytes intact']

    def run_it():
        ses = DupSession(port)
        off = DupSession(port + 1, dsack=False)
        try:
            return [check_dup_echo(ses, 'b'), check_dsack(ses, 'b', True),
                    check_transfer(ses), check_dsack(off, 'b', False),
                    check_transfer(off)]
        finally:
            ses.close()
            off.close()
    yield cases, run_it


def sysctl_off_flows(port):
    for n, opt in enumerate(OPTS):
        what = f'net.xtcp.{opt}=0'
        cases = [f'{what}: xtcp SYN omits {OPTS[opt][1]}, offers the rest',
                 f'{what}: xtcp never uses {OPTS[opt][1]}',
                 f'{what}: {SMALL} bytes each way intact']

        def run_it(opt=opt, port=port + n):
            old = sysctl(f'net/xtcp/{opt}', 0)
            try:
                ses = Session(port, ('xtcp', 'a'), ('tcp', 'b'), SMALL, SMALL,
                              netem_b=LOSSY if opt == 'sack' else None)
            finally:
                sysctl(f'net/xtcp/{opt}', old)
            try:
                return [check_offer_without(ses, 'a', opt), check_not_used(ses, 'a', opt),
                        check_transfer(ses)]
            finally:
                ses.close()
        yield cases, run_it


def peer_off_flows(port):
    for n, opt in enumerate(OPTS):
        what = f'peer net.ipv4.{PEER_SYSCTL[opt]}=0'
        cases = [f'{what}, xtcp client: xtcp does not use {OPTS[opt][1]}',
                 f"{what}, xtcp server: SYN-ACK omits {OPTS[opt][1]}",
                 f'{what}, xtcp server: xtcp does not use {OPTS[opt][1]}',
                 f'{what}: {SMALL} bytes each way intact, xtcp client and server']

        def run_it(opt=opt, port=port + 2 * n):
            lossy = LOSSY if opt == 'sack' else None
            old = sysctl(f'net/ipv4/{PEER_SYSCTL[opt]}', 0, ns=NS)
            try:
                s1 = Session(port, ('xtcp', 'a'), ('tcp', 'b'), SMALL, SMALL, netem_b=lossy)
                s2 = Session(port + 1, ('tcp', 'b'), ('xtcp', 'a'), SMALL, SMALL, netem_b=lossy)
            finally:
                sysctl(f'net/ipv4/{PEER_SYSCTL[opt]}', old, ns=NS)
            try:
                peer_syn = s1.conn.syn['b']
                r1 = check_not_used(s1, 'a', opt)
                if peer_syn and OPTS[opt][0] in peer_syn['opts']:
                    r1 = (['the kernel peer offered it all the same: scenario broken']
                          + r1[0], r1[1])
                return [r1, check_offer_without(s2, 'a', opt), check_not_used(s2, 'a', opt),
                        (['client: ' + b for b in s1.bad] + ['server: ' + b for b in s2.bad],
                         [])]
            finally:
                s1.close()
                s2.close()
        yield cases, run_it


def main():
    groups = (list(plain_flows(7300)) + list(sack_flows(7320)) + list(sack_sender_flow(7330)) +
              list(dup_echo_flow(7335)) +
              list(sysctl_off_flows(7340)) + list(peer_off_flows(7360)))
    tap = Tap(sum(len(c) for c, _ in groups))
    topo = Topo()
    # One wire segment per segment from init_net too (kernel TCP there).
    run('ip', 'link', 'set', 'va', 'gso_max_segs', '1', check=False)
    try:
        for cases, fn in groups:
            t0 = time.monotonic()
            try:
                results = fn()
            except Exception as e:   # noqa: BLE001 - every case of the group fails
                results = [([f'{type(e).__name__}: {e}'] + traceback.format_exc().splitlines(),
                            [])] * len(cases)
            for name, (bad, notes) in zip(cases, results):
                tap.check(name, not bad, '\n'.join(bad + ['  ' + n for n in notes]))
            print(f'# ({time.monotonic() - t0:.1f} s)', flush=True)
    finally:
        netem('a', None)
        netem('b', None)
        topo.close()
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
