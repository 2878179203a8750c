#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A peer that sends tiny segments in descending sequence order beyond a
hole (issue 11): each lands before all the others in the out-of-order
queue, the worst case for a sorted list searched from its tail. Each
case on the kernel's TCP first, then xtcp, in the same boot.

    init_net (the receiver under test, A)   netns "xtb" (the scripted
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24    peer B)

For n = 1000 and 4n: B opens a connection to A's listener, then sends n
one-byte segments for sequence numbers ISN+n+1 down to ISN+2, then the
byte at ISN+1 that fills the hole. A's application reads n+1 bytes: they
must be exactly what was sent. The time to send the n segments, which in
UML includes A's processing of each (it runs in the sender's softirq), is
printed per segment for n and 4n: with an rbtree (as Linux) it stays
about flat; with a list searched from the tail it grows with n. The
figures are
printed, never judged (machines are shared and noisy: make bench judges
speed), but a case fails if the data is wrong or incomplete.

Runs inside UML, as root. TAP.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from review_test import STACKS, Peer, out_to  # noqa: E402
from xtcp_timers import A_IP, Capture, Injector, Topo, tap_cases  # noqa: E402

SO_RCVBUFFORCE = 33
SIZES = tuple(int(x) for x in os.environ.get('OFO_SIZES', '1000,4000').split(','))


def flood(ctx, stack, port, n):
    topo, cap, inj = ctx
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    lst.bind((A_IP, port))
    lst.listen(1)
    lst.settimeout(5)
    peer = Peer(topo, cap, inj, port, 48000 + port % 1000, isn=1000000)
    sa = peer.handshake()
    srv, _ = lst.accept()
    srv.settimeout(10)
    data = bytes((i * 7 + 3) % 251 for i in range(n + 1))
    base = peer.isn + 1
    cap.clear()
    t0 = time.monotonic()
    for k in range(n, 0, -1):
        inj.send(peer.cport, port, base + k, sa['seq'] + 1, 'P.',
                 win=65535, payload=data[k:k + 1])
    # In UML the receiver runs in the sender's softirq: the loop's time
    # is the injector's cost plus the receiver's.
    span = time.monotonic() - t0
    time.sleep(0.5)
    acks = cap.get(out_to(peer.cport))
    inj.send(peer.cport, port, base, sa['seq'] + 1, 'P.', win=65535,
             payload=data[:1])
    got = b''
    try:
        while len(got) < n + 1:
            b = srv.recv(65536)
            if not b:
                break
            got += b
    except OSError as e:
        return None, f'recv: {e} after {len(got)} bytes'
    inj.send(peer.cport, port, base + n + 1, sa['seq'] + 1, 'R')
    srv.close()
    lst.close()
    if got != data:
        return None, (f'{len(got)} of {n + 1} bytes, '
                      f'{"intact" if data.startswith(got) else "wrong"}; '
                      f'{len(acks)} ACKs for {n} segments')
    return span / n * 1e6, f'n={n}: sent and taken in {span:.3f} s, {len(acks)} ACKs seen'


def main():
    topo = Topo()
    cap = Capture()
    inj = Injector(topo)
    ports = iter(range(8310, 8700, 10))

    def case(stack):
        bad, notes, per = [], [], {}
        for n in SIZES:
            topo.silence(False)
            try:
                us, note = flood((topo, cap, inj), stack, next(ports), n)
            except Exception as e:      # noqa: BLE001 - a size's failure is the case's
                us, note = None, f'{type(e).__name__}: {e}'
            notes.append(note)
            if us is None:
                bad.append(f'n={n}: {note}')
            else:
                per[n] = us
        if len(per) == len(SIZES):
            notes.append('µs per segment, sent and taken: ' + ', '.join(
                f'n={n} {per[n]:.1f}' for n in SIZES) +
                f'; ratio 4n/n {per[SIZES[1]] / per[SIZES[0]]:.2f}')
        return bad, notes

    tap_cases([('descending_tiny_segments', st, lambda st=st: case(st))
               for st in ('kernel', 'xtcp')])
    topo.silence(False)
    cap.close()
    inj.close()
    topo.close()


if __name__ == '__main__':
    main()
