#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The send path: a bulk sender hands the IP layer skbs of several
segments, which the device or the stack cuts into segments (Linux's TCP
does so with TSO/GSO), both ends count segments, not skbs, and a sender
whose send buffer is small streams as ACKs free it.

    netns xgso_a: ga 198.18.0.1/24 <---- veth ----> gb 198.18.0.2/24 :netns xgso_b

For each stack (both ends the same stack), 8 MiB from A to B, checked by
hash:
  gso_send   A's OutSegs grew by at least twice the packets its veth
             sent (tx_packets): a sender without GSO hands the device
             one skb per segment
  segs_in    B's tcpi_data_segs_in is A's tcpi_data_segs_out, within
             2 %: an skb that arrives holding several segments counts as
             those segments (tcp_segs_in())
  small_sndbuf  SO_SNDBUF 8192 and 10 ms of delay on A's side: 2 MiB
             arrive intact within 60 s (a send queue that frees memory
             only per whole buffer, or never for acknowledged data it
             keeps, stalls or crawls); the time is printed
  acks       8 MiB to a reader that falls behind (256 KiB reads, 3 ms
             apart): B sends at most 0.6 ACKs per skb of data it
             receives (gb's tx_packets against rx_packets; the kernel's
             TCP sends 0.3-0.45). While its window shrinks a receiver
             acknowledges as its reader frees room, not each skb
             (Linux's __tcp_ack_snd_check()): each ACK would cost the
             sender a smaller burst, and over veth the whole rate
Runs inside UML, as root. TAP.
"""
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import (netns, run, tap_cases, tcp_socket,  # noqa: E402
                         veth_namespaces, xtcp_socket)

NA, NB = 'xgso_a', 'xgso_b'
A_IP, B_IP = '198.18.0.1', '198.18.0.2'
MAKE = {'kernel': tcp_socket, 'xtcp': xtcp_socket}
MIB = 8


def topo():
    veth_namespaces(NA, NB, 'ga', 'gb', A_IP, B_IP)


def out_segs(stack):
    path = '/proc/net/snmp' if stack == 'kernel' else '/proc/net/xtcp_snmp'
    with netns(NA):
        with open(path) as f:
            lines = [ln.split() for ln in f if ln.startswith('Tcp:')]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))['OutSegs']


def packets(ns=NA, dev='ga'):
    """(rx_packets, tx_packets) of @dev in @ns."""
    out = run('ip', '-n', ns, '-j', '-s', 'link', 'show', dev).stdout
    st = json.loads(out)[0]['stats64']
    return st['rx']['packets'], st['tx']['packets']


def tx_packets():
    return packets()[1]


def data_segs(s):
    """tcpi_data_segs_in and tcpi_data_segs_out (struct tcp_info)."""
    info = s.getsockopt(socket.SOL_TCP, socket.TCP_INFO, 160)
    return struct.unpack_from('II', info, 152)


def transfer(stack, port):
    """8 MiB A -> B; returns (OutSegs delta, tx_packets delta, A's
    data_segs_out, B's data_segs_in, whether the hash matched)."""
    lst = MAKE[stack](NB)
    lst.bind((B_IP, port))
    lst.listen(1)
    lst.settimeout(60)
    got = {}

    def sink():
        s, _ = lst.accept()
        s.settimeout(60)
        h, buf = hashlib.sha256(), bytearray(1 << 16)
        while True:
            n = s.recv_into(buf)
            if not n:
                break
            h.update(buf[:n])
        got['hash'] = h.hexdigest()
        got['segs'] = data_segs(s)[0]
        s.close()

    t = threading.Thread(target=sink)
    t.start()
    data = os.urandom(MIB << 20)
    segs0, pkts0 = out_segs(stack), tx_packets()
    c = MAKE[stack](NA)
    c.settimeout(60)
    c.connect((B_IP, port))
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(60)
    c.recv(1)
    sent = data_segs(c)[1]
    c.close()
    t.join(60)
    lst.close()
    return (out_segs(stack) - segs0, tx_packets() - pkts0, sent,
            got.get('segs', 0), got.get('hash') == hashlib.sha256(data).hexdigest())


RESULTS = {}


def result(stack, port):
    """The one transfer of @stack both cases read (its failure too)."""
    if stack not in RESULTS:
        try:
            RESULTS[stack] = transfer(stack, port)
        except Exception as e:      # noqa: BLE001 - each case reports it
            RESULTS[stack] = e
    if isinstance(RESULTS[stack], Exception):
        raise RESULTS[stack]
    return RESULTS[stack]


def gso_send(stack, port):
    segs, pkts, _, _, intact = result(stack, port)
    bad = [] if intact else ['the data arrived changed']
    if segs < 2 * pkts:
        bad.append(f'{segs} segments in {pkts} packets: under 2 a packet')
    return bad, [f'OutSegs +{segs}, veth tx_packets +{pkts} '
                 f'({segs / max(pkts, 1):.1f} segments a packet)']


def segs_in(stack, port):
    _, _, sent, got, intact = result(stack, port)
    bad = [] if intact else ['the data arrived changed']
    if abs(got - sent) > sent / 50:
        bad.append(f'receiver counted {got} data segments of {sent} sent')
    return bad, [f'data_segs_out {sent}, data_segs_in {got}']


def acks(stack, port):
    """8 MiB to a slow reader; B's packets in and out."""
    lst = MAKE[stack](NB)
    lst.bind((B_IP, port))
    lst.listen(1)
    lst.settimeout(60)
    data = os.urandom(MIB << 20)
    got = {}

    def sink():
        s, _ = lst.accept()
        s.settimeout(60)
        h, buf, reads = hashlib.sha256(), bytearray(1 << 18), 0
        while True:
            n = s.recv_into(buf)
            if not n:
                break
            h.update(buf[:n])
            reads += 1
            time.sleep(0.003)
        got['ok'] = h.hexdigest() == hashlib.sha256(data).hexdigest()
        got['reads'] = reads
        s.close()

    t = threading.Thread(target=sink)
    t.start()
    c = MAKE[stack](NA)
    c.settimeout(60)
    c.connect((B_IP, port))
    b0, t0 = packets(NB, 'gb'), time.monotonic()
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    t.join(60)
    took = time.monotonic() - t0
    rx, tx = (b - a for a, b in zip(b0, packets(NB, 'gb')))
    c.close()
    lst.close()
    bad = [] if got.get('ok') else ['the data did not arrive whole']
    if tx > 0.6 * rx:
        bad.append(f'{tx} ACKs for {rx} skbs of data: over 0.6 a skb')
    return bad, [f'{tx} ACKs for {rx} skbs of data ({tx / max(rx, 1):.2f} '
                 f'a skb), {got.get("reads")} reads, {took:.2f} s']


def small_sndbuf(stack, port):
    """2 MiB from a sender with SO_SNDBUF 8192 over a 10 ms delay."""
    run('ip', 'netns', 'exec', NA, 'tc', 'qdisc', 'replace', 'dev', 'ga',
        'root', 'netem', 'delay', '10ms')
    try:
        lst = MAKE[stack](NB)
        lst.bind((B_IP, port))
        lst.listen(1)
        lst.settimeout(60)
        data = os.urandom(2 << 20)
        got = {}

        def sink():
            s, _ = lst.accept()
            s.settimeout(60)
            buf = b''
            while True:
                d = s.recv(1 << 16)
                if not d:
                    break
                buf += d
            got['ok'] = buf == data
            s.close()

        t = threading.Thread(target=sink)
        t.start()
        c = MAKE[stack](NA)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
        c.settimeout(60)
        c.connect((B_IP, port))
        t0 = time.monotonic()
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        t.join(60)
        took = time.monotonic() - t0
        c.close()
        lst.close()
    finally:
        run('ip', 'netns', 'exec', NA, 'tc', 'qdisc', 'del', 'dev', 'ga',
            'root', check=False)
    bad = [] if got.get('ok') else ['the data did not arrive whole']
    return bad, [f'2 MiB in {took:.2f} s']


def main():
    topo()
    try:
        plan = []
        for name, case, port in (('gso_send', gso_send, 7100),
                                 ('segs_in', segs_in, 7100),
                                 ('small_sndbuf', small_sndbuf, 7110),
                                 ('acks', acks, 7120)):
            for i, stack in enumerate(('kernel', 'xtcp')):
                plan.append((name, stack,
                             lambda c=case, s=stack, p=port + i: c(s, p)))
        tap_cases(plan)
    finally:
        for n in (NA, NB):
            run('ip', 'netns', 'del', n, check=False)


if __name__ == '__main__':
    main()
