#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Rules of the wire that a review of xtcp found broken (issue 10), each
checked on xtcp and on the kernel's TCP in the same boot: a case the
kernel's TCP fails is a broken case, and is reported as such.

    init_net (the stack under test, A)      netns "xtb" (the peer, B)
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24
                                            capture and injector on vb;
                                            B's own kernel silenced when
                                            the injector plays the peer

  ip_header_ttl_df   every segment A sends (SYN, SYN-ACK, data, FIN) has
                     the namespace's default TTL (RFC 1122 3.2.1.7: never
                     0) and DF set (path MTU discovery on, as Linux)
  listen_syn_fin     a listener drops SYN+FIN (as Linux), and still
                     answers the plain SYN that follows
  old_ack_no_window  an ACK below SND.UNA does not update SND.WND (RFC
                     9293 3.10.7.4: only SND.UNA =< SEG.ACK =< SND.NXT):
                     a zero window carried by it is ignored, new data goes
                     out whole, and the segment's text is still taken
  time_wait_window   TIME-WAIT acknowledges with the window the connection
                     last advertised, scaled (RFC 7323 2.3), even when it
                     is above 65535 bytes
  time_wait_syn_no_listener
                     a SYN for a 4-tuple in TIME-WAIT with no listener on
                     the port draws an ACK of the old connection, and the
                     wait goes on (Linux's TCP_TW_SYN -> TCP_TW_ACK)
  disconnect_iss     after connect(AF_UNSPEC), a reconnection of the same
                     4-tuple starts past the old connection's sequence
                     space (tcp_disconnect(): write_seq + max_window + 2),
                     so its delayed segments cannot land in the new one
  ts_recent_bad_ack  TS.Recent moves only with an acceptable segment (RFC
                     7323 5.3; issue 11): a FIN whose ACK lies beyond
                     SND.NXT, carrying a TSval far ahead, is dropped, and
                     the in-order text that follows with the true clock
                     is delivered, not refused by PAWS
  ts_recent_old_dup  nor with a resent duplicate of text already received
                     whose ACK lies beyond SND.NXT (a blind attacker needs
                     no ACK value for the old copy's path otherwise)
  keepalive_oow      only acceptable segments show the peer alive (issue
                     11): out-of-window segments every 300 ms do not hold
                     back keepalive probes (idle 1 s)
  time_wait_timestamps
                     TIME-WAIT's ACK of a retransmitted FIN carries the
                     Timestamps option the connection agreed on (RFC 7323
                     3.2: on every segment but a RST), echoing TS.Recent
Runs inside UML, as root. TAP: one case per rule and stack.
"""
import ctypes
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import (A_IP, B_IP, NS, scripted_cases,  # noqa: E402
                         show, tcp_socket, tsopt, xtcp_socket)

M32 = 2**32
STACKS = {'xtcp': xtcp_socket, 'kernel': tcp_socket}


def out_to(port):
    return lambda s: s['dir'] == 'out' and s['dport'] == port


class Peer:
    """The scripted peer B: its kernel silenced, segments injected."""

    def __init__(self, topo, cap, inj, lport, cport, isn=7000000):
        self.topo, self.cap, self.inj = topo, cap, inj
        self.lport, self.cport, self.isn = lport, cport, isn
        self.topo.silence(True)

    def handshake(self, wscale=None, tsval=None, sack=False):
        """SYN to A's listener, the third ACK; returns A's SYN-ACK."""
        self.cap.clear()
        self.inj.send(self.cport, self.lport, self.isn, 0, 'S', win=65535,
                      mss=1460, wscale=wscale,
                      ts=None if tsval is None else (tsval, 0), sack=sack)
        sa = self.cap.wait(lambda s: out_to(self.cport)(s) and 'S' in s['flags'], 3)
        if sa is None:
            raise AssertionError('no SYN-ACK from the listener')
        self.y = sa['seq']
        ts = None
        if tsval is not None:
            if tsopt(sa) is None:
                raise AssertionError(f'no Timestamps in the SYN-ACK: {show(sa)}')
            ts = (tsval + 1, tsopt(sa)[0])
        self.inj.send(self.cport, self.lport, self.isn + 1, self.y + 1, '.',
                      win=65535 if wscale is None else 65535 >> wscale, ts=ts)
        return sa


def conn_segments(topo, cap, stack, port):
    """A (stack) as client and as server with B's kernel TCP: returns
    every segment A sent in both connections."""
    mk = STACKS[stack]
    bad = []
    # A as client of a listener in B.
    lst = tcp_socket(NS)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((B_IP, port))
    lst.listen(4)
    cli = mk()
    cli.settimeout(5)
    cli.connect((B_IP, port))
    srv, _ = lst.accept()
    cli.sendall(b'x' * 3000)
    got = b''
    while len(got) < 3000:
        got += srv.recv(4096)
    cli.close()
    srv.close()
    lst.close()
    # A as server for a client in B.
    lst = mk()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((A_IP, port + 1))
    lst.listen(4)
    cli = tcp_socket(NS)
    cli.settimeout(5)
    cli.connect((A_IP, port + 1))
    lst.settimeout(5)
    srv, _ = lst.accept()
    srv.sendall(b'y' * 3000)
    got = b''
    while len(got) < 3000:
        got += cli.recv(4096)
    srv.close()
    cli.close()
    lst.close()
    time.sleep(0.3)
    return [s for s in cap.get() if s['dir'] == 'out'], bad


def case_ttl_df(ctx, stack, port):
    topo, cap = ctx
    cap.clear()
    want_ttl = int(open('/proc/sys/net/ipv4/ip_default_ttl').read())
    segs, bad = conn_segments(topo, cap, stack, port)
    kinds = set()
    for s in segs:
        if s['sport'] not in (port, port + 1) and s['dport'] not in (port, port + 1):
            continue
        kinds.add('SYN-ACK' if set('S.') <= set(s['flags']) else
                  'SYN' if 'S' in s['flags'] else 'FIN' if 'F' in s['flags'] else
                  'data' if s['len'] else 'ACK')
        if s['ttl'] != want_ttl:
            bad.append(f"TTL {s['ttl']}, want {want_ttl}: {show(s)}")
        if not s['df']:
            bad.append(f'DF clear: {show(s)}')
    for k in ('SYN', 'SYN-ACK', 'data', 'FIN'):
        if k not in kinds:
            bad.append(f'no {k} from A seen')
    return bad[:8], [f'{len(segs)} segments from A, TTL {want_ttl} and DF wanted on each']


def case_syn_fin(ctx, stack, port):
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    topo.silence(True)
    cap.clear()
    bad, notes = [], []
    inj.send(45000 + port % 1000, port, 1000, 0, 'SF', mss=1460)
    time.sleep(0.5)
    for s in cap.get(out_to(45000 + port % 1000)):
        bad.append(f'answer to SYN+FIN (want none): {show(s)}')
    inj.send(46000 + port % 1000, port, 2000, 0, 'S', mss=1460)
    sa = cap.wait(lambda s: out_to(46000 + port % 1000)(s) and 'S' in s['flags'], 3)
    if sa is None:
        bad.append('no SYN-ACK to the plain SYN after it: the check cannot tell')
    else:
        notes.append(f'plain SYN answered: {show(sa)}')
    lst.close()
    return bad, notes


def peer_connection(ctx, stack, port, **handshake):
    """A listener of @stack on @port, the scripted peer's handshake to it
    (with Peer.handshake()'s options) and the socket accepted: (listener,
    peer, server)."""
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 47000 + port % 1000)
    peer.handshake(**handshake)
    srv, _ = lst.accept()
    return lst, peer, srv


def case_old_ack(ctx, stack, port):
    _, cap, inj = ctx
    lst, peer, srv = peer_connection(ctx, stack, port)
    bad, notes = [], []
    srv.settimeout(5)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    una = peer.y + 1
    cap.clear()
    srv.sendall(b'a' * 100)
    d = cap.wait(lambda s: out_to(peer.cport)(s) and s['len'] == 100, 3)
    if d is None:
        return ['first 100 bytes never sent'], notes
    una += 100
    # Text from B acknowledging everything: SND.WL1 moves to its SEQ.
    inj.send(peer.cport, port, peer.isn + 1, una, 'P.', win=65535,
             payload=b'0123456789')
    time.sleep(0.2)
    # More text (SEG.SEQ > SND.WL1) whose ACK lies 50 below SND.UNA and
    # offers window 0: the window must not change.
    inj.send(peer.cport, port, peer.isn + 11, una - 50, 'P.', win=0,
             payload=b'abcdefghij')
    got = b''
    try:
        while len(got) < 20:
            got += srv.recv(100)
    except socket.timeout:
        pass
    if got != b'0123456789abcdefghij':
        bad.append(f'the text was not all delivered: {got!r}')
    cap.clear()
    srv.sendall(b'b' * 100)
    d = cap.wait(lambda s: out_to(peer.cport)(s) and s['len'] > 0, 3)
    if d is None:
        bad.append('no data sent after the old ACK within 3 s')
    elif d['len'] != 100 or d['seq'] != una % M32:
        bad.append(f'after an old ACK with window 0 the sender treats the window as '
                   f'closed: {show(d)} (want 100 bytes at {una % M32})')
    else:
        notes.append(f'data after the old ACK: {show(d)}')
    srv.close()
    lst.close()
    return bad, notes


def case_tw_window(ctx, stack, port):
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 48000 + port % 1000)
    bad, notes = [], []
    sa = peer.handshake(wscale=7)
    srv, _ = lst.accept()
    srv.settimeout(5)
    rcv = peer.isn + 1
    # Enough text for the kernel's TCP to open its window past 64 KB.
    for i in range(60):
        inj.send(peer.cport, port, rcv, peer.y + 1, '.', win=65535 >> 7,
                 payload=b'z' * 1400)
        rcv += 1400
        if i % 8 == 7:
            time.sleep(0.02)
    n = 0
    while n < 60 * 1400:
        n += len(srv.recv(65536))
    time.sleep(0.1)
    cap.clear()
    srv.close()                                   # A's FIN
    fin = cap.wait(lambda s: out_to(peer.cport)(s) and 'F' in s['flags'], 3)
    if fin is None:
        return ['no FIN from A'], notes
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535 >> 7)
    ack1 = cap.wait(lambda s: out_to(peer.cport)(s) and s['ack'] == (rcv + 1) % M32
                    and 'F' not in s['flags'], 3)
    if ack1 is None:
        return ['no ACK of our FIN: A did not reach TIME-WAIT'], notes
    time.sleep(0.2)
    cap.clear()
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535 >> 7)   # again
    ack2 = cap.wait(out_to(peer.cport), 3)
    shift = None
    for k, v in [(sa['opts'][i], sa['opts'][i + 2]) for i in range(len(sa['opts']) - 2)
                 if sa['opts'][i] == 3 and sa['opts'][i + 1] == 3]:
        shift = v
    notes.append(f"A's window shift {shift}; ACK entering TIME-WAIT: "
                 f"win {ack1['win']} (= {ack1['win'] << (shift or 0)} bytes)")
    if ack2 is None:
        bad.append('no ACK from TIME-WAIT for the retransmitted FIN')
    else:
        notes.append(f"TIME-WAIT's ACK: win {ack2['win']}")
        if abs(ack2['win'] - ack1['win']) > 1 or ack2['win'] == 0:
            bad.append(f"TIME-WAIT advertises win {ack2['win']}, the connection last "
                       f"{ack1['win']} (scaled by {shift})")
    if (ack1['win'] << (shift or 0)) <= 65535:
        bad.append(f"the window was {ack1['win'] << (shift or 0)} bytes, not above "
                   '65535: the case did not test what it is for')
    lst.close()
    return bad, notes


def case_tw_syn(ctx, stack, port):
    """TIME-WAIT, no listener on the port: a new SYN is answered with an
    ACK of the old connection and the record stays (Linux: TCP_TW_SYN
    falls back to TCP_TW_ACK); it must not end the wait or draw a RST."""
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 49000 + port % 1000)
    bad, notes = [], []
    peer.handshake()
    srv, _ = lst.accept()
    lst.close()                                   # no listener from here on
    rcv = peer.isn + 1
    cap.clear()
    srv.close()                                   # A's FIN
    fin = cap.wait(lambda s: out_to(peer.cport)(s) and 'F' in s['flags'], 3)
    if fin is None:
        return ['no FIN from A'], notes
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535)
    if cap.wait(lambda s: out_to(peer.cport)(s) and s['ack'] == (rcv + 1) % M32
                and 'F' not in s['flags'], 3) is None:
        return ['no ACK of our FIN: A did not reach TIME-WAIT'], notes
    time.sleep(0.2)
    cap.clear()
    inj.send(peer.cport, port, rcv + 100000, 0, 'S', mss=1460)
    time.sleep(0.5)
    got = cap.get(out_to(peer.cport))
    for g in got:
        if 'R' in g['flags'] or 'S' in g['flags']:
            bad.append(f'answer to the SYN ends TIME-WAIT: {show(g)}')
    if not any(g['flags'] == '.' and g['ack'] == (rcv + 1) % M32 for g in got):
        bad.append('no ACK of the old connection for the SYN: '
                   + ('; '.join(show(g) for g in got) or 'nothing'))
    cap.clear()
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535)   # again
    ack = cap.wait(out_to(peer.cport), 3)
    if ack is None or ack['flags'] != '.' or ack['ack'] != (rcv + 1) % M32:
        bad.append('TIME-WAIT is gone after the SYN: the retransmitted FIN got '
                   + (show(ack) if ack else 'nothing'))
    else:
        notes.append(f'TIME-WAIT still answers: {show(ack)}')
    return bad, notes


def disconnect(sock):
    """connect(AF_UNSPEC): Python's connect() takes no other family."""
    libc = ctypes.CDLL(None, use_errno=True)
    unspec = ctypes.create_string_buffer(16)        # sa_family 0
    if libc.connect(sock.fileno(), unspec, 16) != 0:
        raise OSError(ctypes.get_errno(), 'connect(AF_UNSPEC)')


def case_disconnect_iss(ctx, stack, port):
    topo, cap = ctx
    bad, notes = [], []
    lst = tcp_socket(NS)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((B_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    cli = STACKS[stack]()
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cli.bind((A_IP, port + 1))
    cli.settimeout(5)
    cap.clear()
    cli.connect((B_IP, port))
    srv, _ = lst.accept()
    n, got = 8 << 20, 0
    srv.settimeout(5)
    for _ in range(n // 32768):                   # B reads as A sends
        cli.sendall(b'q' * 32768)
        while got < _ * 32768 + 32768:
            got += len(srv.recv(1 << 16))
    syn1 = cap.wait(lambda s: out_to(port)(s) and s['flags'] == 'S', 1)
    disconnect(cli)
    srv.close()
    time.sleep(0.2)
    cap.clear()
    cli.connect((B_IP, port))                     # the same 4-tuple
    syn2 = cap.wait(lambda s: out_to(port)(s) and s['flags'] == 'S', 1)
    cli.close()
    lst.close()
    if syn1 is None or syn2 is None:
        return ['SYNs not seen: the case cannot tell'], notes
    # RFC 6528's clock moves an ISN 250,000 a second: a fresh ISN falls
    # inside the old space only while fewer than n of them have passed.
    if (syn2['t'] - syn1['t']) * 250000 >= n:
        return [f"{syn2['t'] - syn1['t']:.1f} s between the SYNs: a fresh ISN "
                'would be past the old space anyway, the case cannot tell'], notes
    end = (syn1['seq'] + 1 + n) % M32
    ahead = (syn2['seq'] - end) % M32
    notes.append(f"old ISS {syn1['seq']}, {n} bytes sent, new ISS {syn2['seq']}: "
                 f"{ahead if ahead < M32 // 2 else ahead - M32} past the old end")
    if ahead == 0 or ahead >= M32 // 2:
        bad.append('the new ISS lies inside the old connection\'s sequence space')
    return bad, notes


def forged_then_text(ctx, stack, port, cport, first, forged, what):
    """A connection with Timestamps (the peer's clock at 100..201); the
    text @first (if any), then a @forged segment (seq offset, ack offset,
    flags, payload) with TSval 300000, then in-order text on the peer's
    true clock, which must be delivered: TS.Recent may not move with an
    unacceptable segment, or PAWS refuses the peer (RFC 7323 5.3)."""
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, cport)
    bad, notes = [], []
    sa = peer.handshake(tsval=100)
    srv, _ = lst.accept()
    srv.settimeout(2)
    ecr = tsopt(sa)[0]
    una, seq = peer.y + 1, peer.isn + 1
    if first:
        inj.send(peer.cport, port, seq, una, 'P.', win=65535, payload=first,
                 ts=(150, ecr))
        if srv.recv(100) != first:
            return ['the first text was not delivered: the case cannot tell'], notes
        time.sleep(0.1)
    dseq, dack, flags, payload = forged
    inj.send(peer.cport, port, seq + dseq, una + dack, flags, win=65535,
             payload=payload, ts=(300000, ecr))
    time.sleep(0.2)
    inj.send(peer.cport, port, seq + len(first), una, 'P.', win=65535,
             payload=b'hello', ts=(201, ecr))
    try:
        got = srv.recv(100)
    except socket.timeout:
        got = None
    if got != b'hello':
        bad.append(f'the text after the forged {what} was not delivered ({got!r}): '
                   'TS.Recent moved with it, PAWS refused the peer')
    else:
        notes.append(f'text after the forged {what} delivered')
    srv.close()
    lst.close()
    return bad, notes


def case_ts_recent_bad_ack(ctx, stack, port):
    # A FIN acknowledging 5000 bytes A never sent.
    return forged_then_text(ctx, stack, port, 51000 + port % 1000, b'',
                            (0, 5000, 'F.', b''), 'FIN')


def case_ts_recent_old_dup(ctx, stack, port):
    # A copy of text already received, its ACK beyond SND.NXT.
    return forged_then_text(ctx, stack, port, 53000 + port % 1000, b'0123456789',
                            (0, 5000, 'P.', b'0123456789'), 'copy')


def case_keepalive_oow(ctx, stack, port):
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 52000 + port % 1000)
    bad, notes = [], []
    peer.handshake()
    srv, _ = lst.accept()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    una = peer.y + 1
    cap.clear()
    t0 = time.monotonic()
    probe = None
    while time.monotonic() - t0 < 4 and probe is None:
        # Text far outside A's window, acknowledging what A sent.
        inj.send(peer.cport, port, peer.isn + 1 + (1 << 30), una, 'P.',
                 win=65535, payload=b'x')
        time.sleep(0.3)
        probe = cap.wait(lambda s: out_to(peer.cport)(s) and
                         s['seq'] == (una - 1) % M32, 0)
    if probe is None:
        bad.append('no keepalive probe within 4 s of idle (1 s): out-of-window '
                   'segments counted as the peer being alive')
    else:
        notes.append(f'keepalive probe: {show(probe)}')
    srv.close()
    lst.close()
    return bad, notes


def case_tw_ts(ctx, stack, port):
    """TIME-WAIT with Timestamps agreed: the ACK of a retransmitted FIN
    carries TSopt (RFC 7323 3.2), its TSecr the peer's last TSval."""
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.bind((A_IP, port))
    lst.listen(4)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 50000 + port % 1000)
    bad, notes = [], []
    peer.handshake(tsval=1000)
    srv, _ = lst.accept()
    rcv = peer.isn + 1
    cap.clear()
    srv.close()                                   # A's FIN
    fin = cap.wait(lambda s: out_to(peer.cport)(s) and 'F' in s['flags'], 3)
    if fin is None or tsopt(fin) is None:
        return [f'no FIN with Timestamps from A: {show(fin) if fin else None}'], notes
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535,
             ts=(2000, tsopt(fin)[0]))
    if cap.wait(lambda s: out_to(peer.cport)(s) and s['ack'] == (rcv + 1) % M32
                and 'F' not in s['flags'], 3) is None:
        return ['no ACK of our FIN: A did not reach TIME-WAIT'], notes
    time.sleep(0.2)
    cap.clear()
    inj.send(peer.cport, port, rcv, fin['seq'] + 1, 'F.', win=65535,
             ts=(2001, tsopt(fin)[0]))            # the FIN again
    ack = cap.wait(out_to(peer.cport), 3)
    if ack is None:
        return ['no ACK from TIME-WAIT for the retransmitted FIN'], notes
    ts = tsopt(ack)
    notes.append(f'TIME-WAIT\'s ACK: {show(ack)} TS {ts}')
    if ts is None:
        bad.append('TIME-WAIT\'s ACK has no Timestamps option (RFC 7323 3.2)')
    elif ts[1] != 2000:
        bad.append(f'TIME-WAIT echoes TSecr {ts[1]}, want 2000: the FIN that made '
                   'it (a retransmitted FIN is out of window, RFC 7323 4.3)')
    elif ts[0] < tsopt(fin)[0] or ts[0] - tsopt(fin)[0] > 10000:
        bad.append(f'TIME-WAIT\'s TSval {ts[0]} is not on the clock of the '
                   f'connection\'s ({tsopt(fin)[0]})')
    lst.close()
    return bad, notes


CASES = [
    ('ip_header_ttl_df', case_ttl_df, 'capture'),
    ('listen_syn_fin', case_syn_fin, 'inject'),
    ('old_ack_no_window', case_old_ack, 'inject'),
    ('time_wait_window', case_tw_window, 'inject'),
    ('time_wait_syn_no_listener', case_tw_syn, 'inject'),
    ('disconnect_iss', case_disconnect_iss, 'capture'),
    ('ts_recent_bad_ack', case_ts_recent_bad_ack, 'inject'),
    ('ts_recent_old_dup', case_ts_recent_old_dup, 'inject'),
    ('keepalive_oow', case_keepalive_oow, 'inject'),
    ('time_wait_timestamps', case_tw_ts, 'inject'),
]


def main():
    scripted_cases([(n, lambda ctx, st, p, f=f, k=k:
                     f(ctx[:2] if k == 'capture' else ctx, st, p))
                    for n, f, k in CASES], 7410)


if __name__ == '__main__':
    main()
