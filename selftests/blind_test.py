#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Blind attacks on a live transfer (RFC 5961, RFC 7323 5.3; issue 11),
on xtcp and on the kernel's TCP in the same boot: a case the kernel's TCP
fails is a broken case, and is reported as such.

    init_net (the receiver under test, A)   netns "xtb" (sender B and
    va 198.51.100.1/24 <------ veth ------> vb 198.51.100.2/24  attacker)

B's kernel TCP sends 8 MiB to A. Meanwhile an attacker who knows the
4-tuple, and (to aim inside the window) A's last ACK, injects segments
from B's address and port, about 400 a second for 3 s:

  rst_in_window   RSTs inside the receive window but not at RCV.NXT: a
                  challenge ACK each at most (RFC 5961 3.2), never a reset
  syn             SYNs at random sequence numbers: challenge ACKs (RFC
                  5961 4.2), never a reset
  data_bad_ack    data inside the window whose ACK is far beyond SND.NXT
                  or far below SND.UNA: dropped (RFC 5961 5.2), so never
                  in the stream
  ts_forged       the same, with TSval far ahead: TS.Recent must not move
                  (RFC 7323 5.3), or PAWS would refuse the true sender
  random          RST, SYN, ACK and data at random sequence and ACK
                  numbers, mostly out of the window

Each case: the 8 MiB arrive intact (SHA-256), the connection is not
reset, and challenge ACKs stay within the per-connection rate limit
(one per 500 ms, Linux's tcp_invalid_ratelimit), counted as
TCPChallengeACK. Runs inside UML, as root. TAP.
"""
import hashlib
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from review_test import STACKS  # noqa: E402
from xtcp_timers import (A_IP, NS, Capture, Injector, Topo,  # noqa: E402
                         stack_counters, tap_cases, tcp_socket)

SIZE = 8 << 20
SECONDS = 3
RATE = 400
M32 = 2**32


counters = stack_counters


def attack(kind, inj, cap, port, cport, stop):
    """Inject segments of @kind until @stop; returns how many."""
    n, rnd = 0, random.Random(kind)
    gap = 1.0 / RATE
    while not stop.is_set():
        last = cap.get(lambda s: s['dir'] == 'out' and s['sport'] == port)
        if not last:
            time.sleep(0.01)
            continue
        rcv_nxt, snd_nxt = last[-1]['ack'], last[-1]['seq']
        inwin = (rcv_nxt + rnd.randint(1, 1000)) % M32
        far = (rcv_nxt + rnd.randint(1 << 30, 3 << 30)) % M32
        badack = (snd_nxt + rnd.choice([1, -1]) * rnd.randint(1 << 24, 1 << 30)) % M32
        if kind == 'rst_in_window':
            inj.send(cport, port, inwin, 0, 'R')
        elif kind == 'syn':
            inj.send(cport, port, rnd.randrange(M32), 0, 'S', mss=1460)
        elif kind == 'data_bad_ack':
            inj.send(cport, port, inwin, badack, 'P.', payload=b'EVIL' * 64)
        elif kind == 'ts_forged':
            inj.send(cport, port, inwin, badack, 'P.', payload=b'EVIL' * 64,
                     ts=(rnd.randrange(M32), 0))
        else:
            fl = rnd.choice(['R', 'S', '.', 'P.', 'R.', 'F.'])
            inj.send(cport, port, far if rnd.random() < 0.8 else inwin,
                     rnd.randrange(M32), fl,
                     payload=b'EVIL' * 16 if 'P' in fl else b'')
        n += 1
        time.sleep(gap)
    return n


def case(kind, ctx, stack, port):
    topo, cap, inj = ctx
    bad, notes = [], []
    lst = STACKS[stack]()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((A_IP, port))
    lst.listen(1)
    lst.settimeout(5)
    data = os.urandom(SIZE)
    cli = tcp_socket(NS)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 << 10)
    cli.settimeout(60)
    cli.connect((A_IP, port))
    cport = cli.getsockname()[1]
    srv, _ = lst.accept()
    srv.settimeout(60)
    # A reader slow enough that the transfer outlasts the attack
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 << 10)
    before = counters(stack)
    cap.clear()
    got, err = [], []

    def send():
        try:
            cli.sendall(data)
            cli.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(f'sender: {e}')

    def recv():
        t_end = time.monotonic() + SECONDS + 1
        try:
            while True:
                b = srv.recv(65536)
                if not b:
                    break
                got.append(b)
                if time.monotonic() < t_end:
                    time.sleep(0.002)
        except OSError as e:
            err.append(f'receiver: {e}')

    stop = threading.Event()
    count = []
    ts = [threading.Thread(target=send), threading.Thread(target=recv),
          threading.Thread(target=lambda: count.append(
              attack(kind, inj, cap, port, cport, stop)))]
    for t in ts:
        t.start()
    time.sleep(SECONDS)
    stop.set()
    for t in ts:
        t.join(90)
    rcvd = b''.join(got)
    after = counters(stack)
    chal = after.get('TCPChallengeACK', 0) - before.get('TCPChallengeACK', 0)
    notes.append(f'{count[0] if count else 0} segments injected; '
                 f'{len(rcvd)} of {SIZE} bytes received; '
                 f'TCPChallengeACK +{chal}')
    bad += err
    if hashlib.sha256(rcvd).digest() != hashlib.sha256(data).digest():
        bad.append(f'the stream differs: {len(rcvd)} bytes, '
                   f'{rcvd.count(b"EVIL")} injected words in it')
    if 'TCPChallengeACK' not in after:
        bad.append('no TCPChallengeACK counter')
    elif chal > 2 * SECONDS + 2:
        bad.append(f'{chal} challenge ACKs: above one per 500 ms')
    srv.close()
    cli.close()
    lst.close()
    return bad, notes


KINDS = ['rst_in_window', 'syn', 'data_bad_ack', 'ts_forged', 'random']


def main():
    topo = Topo()
    cap = Capture()
    inj = Injector(topo)
    ports = iter(range(7810, 8200, 10))
    tap_cases([(k, st, lambda k=k, st=st, p=next(ports):
                case(k, (topo, cap, inj), st, p))
               for k in KINDS for st in ('kernel', 'xtcp')])
    cap.close()
    inj.close()
    topo.close()


if __name__ == '__main__':
    main()
