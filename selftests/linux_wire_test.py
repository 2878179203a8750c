#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Behaviour on the wire where the RFCs leave room and Linux's choice is
what users and peers expect (issue 13), each case run on the kernel's TCP
and on xtcp in the same boot against a scripted peer: a case the kernel's
TCP fails is a broken case, and is reported as such.

    init_net (the stack under test, A)      netns "xtb" (the peer, B)
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24
                                            capture and injector on vb;
                                            B's own kernel silenced

  sack_first_rtx     SACK loss recovery resends the first lost segment as
                     it begins, whatever the pipe (RFC 6675 5 step 4.3;
                     Linux's PRR sends at least one): ten segments out,
                     the first lost, the next three SACKed by three
                     duplicate ACKs leave a pipe of six against a cwnd of
                     five, and the first segment must still go at once,
                     not wait for the retransmission timeout
  sack_reneging      a receiver that SACKed data and then acknowledges
                     only up to it has dropped it (RFC 2018 8): the
                     sender resends it soon, as Linux's
                     tcp_check_sack_reneging() rearms its timer to
                     max(SRTT / 2, 10 ms), not at the RTO (1 s here):
                     four segments out, the second and third SACKed,
                     then an ACK of the first alone; the second must go
                     again within 500 ms
  quickack           quick-ACK mode, as Linux's tcp_event_data_recv():
                     the first data of a connection is ACKed at once,
                     not after the delayed-ACK timeout, and so are the
                     next ones up to a limit (16 at most); the mode then
                     ends (a later segment's ACK is delayed), and the
                     first data after an idle spell longer than the RTO
                     is ACKed at once again. 100-byte segments every
                     100 ms, the application not reading; an ACK that
                     waited is one TcpExt DelayedACKs counts
  peek_acks          a reader that sleeps in recv(MSG_PEEK | MSG_WAITALL)
                     first sends the ACK owed for more than a full-sized
                     segment, as tcp_recvmsg() calls tcp_cleanup_rbuf()
                     before sk_wait_data(), and so does a peek that
                     returns at once (tcp_cleanup_rbuf() as the call
                     ends): a peek consumes nothing, so no later read
                     would send it. With a 16 KB SO_RCVBUF and quick-ACK
                     mode over, two full segments' ACK waits (the window
                     would shrink, Linux's __tcp_ack_snd_check()) and the
                     delayed-ACK timer sends it; two more, still unACKed
                     10 ms later, then a peek: the ACK goes at once
Runs inside UML, as root. TAP: one case per rule and stack.
"""
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import (B_IP, rd, run, scripted_cases,  # noqa: E402
                         show, wr)
from review_test import out_to, peer_connection  # noqa: E402

M32 = 2**32
MSS = 1460
RTO_MIN = '/proc/sys/net/xtcp/rto_min_ms'


def slow_rto(on, saved=[None]):
    """A minimum RTO of 1 s on both stacks (the route's rto_min for the
    kernel's TCP): a retransmission within 150 ms is not the timer's."""
    if on:
        saved[0] = rd(RTO_MIN)
        wr(RTO_MIN, 1000)
        run('ip', 'route', 'replace', f'{B_IP}/32', 'dev', 'va', 'rto_min', '1s')
    else:
        wr(RTO_MIN, saved[0])
        run('ip', 'route', 'del', f'{B_IP}/32', check=False)


def data_segments(cap, peer, n):
    """Up to @n data segments the stack sends the peer, each within 2 s."""
    segs = []
    for _ in range(n):
        d = cap.wait(lambda s: out_to(peer.cport)(s) and s['len'] > 0 and
                     s not in segs, 2)
        if d is None:
            break
        segs.append(d)
    return segs


def with_slow_rto(case):
    """@case run with slow_rto() on, whatever happens."""
    def run_slowly(ctx, stack, port):
        slow_rto(True)
        try:
            return case(ctx, stack, port)
        finally:
            slow_rto(False)
    return run_slowly


def sack_burst(ctx, stack, port, n):
    """A SACK connection whose stack end, with TCP_NODELAY, sends @n
    segments: (listener, peer, the stack's socket, SND.UNA, the data
    segments captured)."""
    cap = ctx[1]
    lst, peer, srv = peer_connection(ctx, stack, port, sack=True)
    srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cap.clear()
    srv.sendall(b'd' * (n * MSS))
    return lst, peer, srv, peer.y + 1, data_segments(cap, peer, n)


@with_slow_rto
def case_sack_first_rtx(ctx, stack, port):
    _, cap, inj = ctx
    lst, peer, srv, una, segs = sack_burst(ctx, stack, port, 10)
    bad, notes = [], []
    if len(segs) < 10:
        return [f'{len(segs)} segments went out, not the initial ten'], notes
    # The first is lost; each of three duplicate ACKs SACKs one more.
    cap.clear()
    for n in range(1, 4):
        inj.send(peer.cport, port, peer.isn + 1, una, '.', win=65535,
                 sacks=[(una + MSS, una + (n + 1) * MSS)])
    rtx = cap.wait(lambda s: out_to(peer.cport)(s) and s['len'] > 0 and
                   s['seq'] == una % M32, 0.15)
    if rtx is None:
        bad.append('the first lost segment was not resent within 150 ms '
                   'of the third duplicate ACK')
    else:
        notes.append(f'resent at once: {show(rtx)}')
    srv.close()
    lst.close()
    return bad, notes


@with_slow_rto
def case_sack_reneging(ctx, stack, port):
    _, cap, inj = ctx
    lst, peer, srv, una, segs = sack_burst(ctx, stack, port, 4)
    bad, notes = [], []
    if len(segs) < 4:
        return [f'{len(segs)} segments went out, not four'], notes
    # The peer SACKs the second and third, then acknowledges only the
    # first: it dropped what it SACKed (RFC 2018 8 lets it).
    cap.clear()
    inj.send(peer.cport, port, peer.isn + 1, una, '.', win=65535,
             sacks=[(una + MSS, una + 3 * MSS)])
    t0 = time.time()
    inj.send(peer.cport, port, peer.isn + 1, una + MSS, '.', win=65535)
    rtx = cap.wait(lambda s: out_to(peer.cport)(s) and s['len'] > 0 and
                   s['seq'] == (una + MSS) % M32, 0.5)
    if rtx is None:
        bad.append('the reneged segment was not resent within 500 ms '
                   '(the RTO is 1 s)')
    else:
        notes.append(f'resent {(rtx["t"] - t0) * 1000:.0f} ms after the '
                     f'reneging ACK: {show(rtx)}')
    srv.close()
    lst.close()
    return bad, notes


def delayed_acks(stack):
    """TcpExt DelayedACKs of @stack in init_net: ACKs its delayed-ACK timer
    sent."""
    path = '/proc/net/netstat' if stack == 'kernel' else '/proc/net/xtcp_snmp'
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.startswith('TcpExt:')]
    return int(lines[1][lines[0].index('DelayedACKs')])


def case_quickack(ctx, stack, port):
    _, cap, inj = ctx
    lst, peer, srv = peer_connection(ctx, stack, port)
    bad, notes = [], []
    ack = peer.y + 1
    cap.clear()
    t0 = time.monotonic()
    # 20 segments 100 ms apart, then one after 1.5 s of silence. Whether
    # an ACK waited is told by the counter of ACKs the delayed-ACK timer
    # sent, read once each segment's ACK is out; the delays are printed.
    when = [0.1 * i for i in range(20)] + [1.9 + 1.5]
    timer = []      # each segment's ACK sent by the delayed-ACK timer
    delays = []
    for i, t in enumerate(when):
        time.sleep(max(0, t0 + t - time.monotonic()))
        seq = peer.isn + 1 + 100 * i
        end = (seq + 100) % M32
        before = delayed_acks(stack)
        sent = time.time()      # before it leaves: no ACK comes earlier
        inj.send(peer.cport, port, seq, ack, 'P.', win=65535,
                 payload=b'q' * 100)
        a = cap.wait(lambda s: out_to(peer.cport)(s) and '.' in s['flags']
                     and s['t'] >= sent and (s['ack'] - end) % M32 < 2**31,
                     0.25)
        if a is None:
            srv.close()
            lst.close()
            return [f'no ACK within 250 ms for segment {i + 1}'], notes
        delays.append(max(0, a['t'] - sent))
        timer.append(delayed_acks(stack) > before)
    srv.close()
    lst.close()
    run_ = next((i for i, d in enumerate(timer) if d), len(timer))
    notes.append('ACK delays (ms): ' +
                 ' '.join(f'{x * 1000:.0f}' for x in delays))
    notes.append(f'{run_} ACKed at once from the start; sent by the '
                 f'delayed-ACK timer: {sum(timer)} of {len(timer)}')
    if timer[0]:
        bad.append('the first data segment waited for the delayed-ACK timer')
    if not any(timer[:20]):
        bad.append('quick-ACK mode never ended: no ACK waited for the timer')
    if timer[20]:
        bad.append('the first segment after 1.5 s idle waited for the '
                   'delayed-ACK timer')
    return bad, notes


def ack_for(cap, peer, end, sent, wait):
    """The stack's first ACK to the peer at or after @sent covering @end,
    within @wait seconds, or None."""
    return cap.wait(lambda s: out_to(peer.cport)(s) and '.' in s['flags']
                    and s['t'] >= sent and (s['ack'] - end) % M32 < 2**31,
                    wait)


def held_ack_connection(ctx, stack, port):
    """A connection to the scripted peer whose next two full segments' ACK
    waits: 16 KB SO_RCVBUF, 1 s SO_RCVTIMEO, quick-ACK mode over (it ends
    after at most 16 ACKs: 20 small segments, each read as it comes).
    (listener, peer, server, next SEQ, ACK)."""
    _, cap, inj = ctx
    lst, peer, srv = peer_connection(ctx, stack, port)
    ack, seq = peer.y + 1, peer.isn + 1
    srv.settimeout(None)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                   struct.pack('ll', 1, 0))
    for _ in range(20):
        inj.send(peer.cport, port, seq, ack, 'P.', win=65535,
                 payload=b'q' * 100)
        seq += 100
        srv.recv(100)
    # Whatever ACK was owed goes, and less than an RTO passes (a longer
    # silence starts quick-ACK mode again).
    time.sleep(0.08)
    return lst, peer, srv, seq, ack


def two_full(ctx, stack, port, peek):
    """On a fresh held_ack_connection(), two full segments, then (@peek
    'sleep' or 'dontwait') 10 ms later a peek: (the ACK, whether the
    delayed-ACK timer sent it, when the peek began or the segments were
    sent)."""
    _, cap, inj = ctx
    lst, peer, srv, seq, ack = held_ack_connection(ctx, stack, port)
    try:
        before = delayed_acks(stack)
        sent = time.time()
        for _ in range(2):
            inj.send(peer.cport, port, seq, ack, '.', win=65535,
                     payload=b'f' * MSS)
            seq += MSS
        if not peek:
            a = ack_for(cap, peer, seq % M32, sent, 0.5)
            return a, delayed_acks(stack) > before, sent
        if ack_for(cap, peer, seq % M32, sent, 0.01):
            raise RuntimeError('ACKed before the peek: nothing owed')
        began = time.time()
        flags = socket.MSG_PEEK | (socket.MSG_WAITALL if peek == 'sleep'
                                   else socket.MSG_DONTWAIT)
        reader = threading.Thread(target=srv.recv, args=(1 << 20, flags))
        reader.start()
        a = ack_for(cap, peer, seq % M32, began, 0.5)
        by_timer = delayed_acks(stack) > before
        reader.join()
        return a, by_timer, began
    finally:
        srv.close()
        lst.close()


def case_peek_acks(ctx, stack, port):
    bad, notes = [], []
    a, by_timer, sent = two_full(ctx, stack, port, None)
    if a is None:
        bad.append('two full segments were not ACKed within 500 ms')
    elif not by_timer:
        bad.append('two full segments were ACKed at once, not held: '
                   'nothing is owed for the peek to send')
    else:
        notes.append(f'unread: ACK after {(a["t"] - sent) * 1000:.0f} ms, '
                     'sent by the delayed-ACK timer')
    for n, (how, what) in enumerate((('sleep', 'slept in a peek'),
                                     ('dontwait', 'peeked without waiting'))):
        if bad:
            break
        a, by_timer, began = two_full(ctx, stack, port + 1 + n, how)
        if a is None:
            bad.append(f'{what}: no ACK within 500 ms')
        elif by_timer:
            bad.append(f'the reader {what} without sending the ACK owed: '
                       'the delayed-ACK timer sent it '
                       f'{(a["t"] - began) * 1000:.0f} ms after the peek')
        else:
            notes.append(f'{what}: ACK {(a["t"] - began) * 1000:.0f} ms '
                         'after the peek began, not the timer\'s')
    return bad, notes


CASES = [
    ('sack_first_rtx', case_sack_first_rtx),
    ('quickack', case_quickack),
    ('sack_reneging', case_sack_reneging),
    ('peek_acks', case_peek_acks),
]


def one_segment_each(topo):
    """One wire segment per TCP segment from A's kernel too, as a NIC
    without TSO shows them."""
    run('ip', 'link', 'set', 'va', 'gso_max_segs', '1')


def main():
    scripted_cases(CASES, 8410, setup=one_segment_each)


if __name__ == '__main__':
    main()
