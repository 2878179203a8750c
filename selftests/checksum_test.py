#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed segments are dropped and counted, never answered.

SYNs are sent to an xtcp listener through a raw IP socket, so they arrive
with no checksum offload state and xtcp must verify the checksum itself
(RFC 9293 3.1, MUST-2/MUST-3). A good SYN gets a SYN-ACK; one with a bad
checksum, and one whose data offset is below 5, get nothing and show in
/proc/net/xtcp_stat's BadSegs. Prints TAP.
"""
import socket
import struct
import sys
import time

TRACE = '/sys/kernel/tracing'
from xtcp_tap import Tap, xtcp_socket  # noqa: E402
from xtcp_timers import _csum as csum  # noqa: E402


def syn(sport, dport, seq, doff=5, corrupt=False):
    src = dst = socket.inet_aton('127.0.0.1')
    hdr = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, doff << 4, 0x02,
                      65535, 0, 0)
    pseudo = src + dst + struct.pack('!BBH', 0, socket.IPPROTO_TCP, len(hdr))
    c = csum(pseudo + hdr) ^ (0x5555 if corrupt else 0)
    return hdr[:16] + struct.pack('!H', c) + hdr[18:]


def bad_segs():
    with open('/proc/net/xtcp_stat') as f:
        return int(f.read().split('\n')[1].split()[1])


def synacks(port):
    n = 0
    with open(f'{TRACE}/trace') as f:
        for line in f:
            if 'xtcp_segment:' in line and ' out ' in line and \
               f'127.0.0.1:{port} >' in line and '[S.]' in line:
                n += 1
    return n


def main():
    tap = Tap(4)
    check = tap.check
    with open(f'{TRACE}/trace', 'w'):
        pass
    with open(f'{TRACE}/events/xtcp/enable', 'w') as f:
        f.write('1')
    lst = xtcp_socket()
    lst.bind(('127.0.0.1', 0))
    lst.listen(8)
    port = lst.getsockname()[1]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)

    base = bad_segs()
    raw.sendto(syn(40001, port, 1000), ('127.0.0.1', 0))
    time.sleep(0.3)
    check('a good raw SYN is answered with a SYN-ACK', synacks(port) == 1,
          f'{synacks(port)} SYN-ACKs')

    raw.sendto(syn(40002, port, 2000, corrupt=True), ('127.0.0.1', 0))
    time.sleep(0.3)
    check('a SYN with a bad checksum gets no answer', synacks(port) == 1,
          f'{synacks(port)} SYN-ACKs')
    check('and is counted in BadSegs', bad_segs() == base + 1,
          f'BadSegs {base} -> {bad_segs()}')

    raw.sendto(syn(40003, port, 3000, doff=4), ('127.0.0.1', 0))
    time.sleep(0.3)
    check('a data offset below 5 is dropped and counted',
          synacks(port) == 1 and bad_segs() == base + 2,
          f'{synacks(port)} SYN-ACKs, BadSegs {base} -> {bad_segs()}')
    lst.close()
    with open(f'{TRACE}/events/xtcp/enable', 'w') as f:
        f.write('0')
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
