#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Giving up on data that is never acknowledged (RFC 9293 3.8.3).

    A (init_net, xtcp client) 10.0.0.x  <-- veth -->  B (netns, kernel TCP)
                                         B's egress: netem loss 100%

An xtcp client sends to a kernel-TCP server whose every reply is lost:
  R2              exactly retries2 retransmissions, then a RST and
                  ETIMEDOUT for the application;
  user timeout    TCP_USER_TIMEOUT ends it after that long instead, long
                  before retries2 (15) would;
  orphan          a close()d socket gives up after orphan_retries.
Tunables are shortened (rto_min_ms 50); counts are exact, times only
bounded below. A tail loss probe (RFC 8985 7, SACK is agreed) may go
before the first timeout, as Linux's does: it is no retransmission R2
counts (Linux counts only timeouts in icsk_retransmits), so the counts
take it out, one at most, as TcpExt TCPLossProbes tells (after close()
the probe is the FIN alone, the last segment sent, as Linux's is).
Prints TAP.
"""
import errno
import socket
import sys
import time

from xtcp_timers import (Topo, Trace, Tunables, connect_pair,  # noqa: E402
                         A_IP, B_IP)

from xtcp_tap import Tap  # noqa: E402

TCP_USER_TIMEOUT = 18


def data_out(trace, local):
    """xtcp's data segments from @local, in order: (time, seq)."""
    return [(e['t'], e['seq']) for e in trace.events()
            if e['type'] == 'segment' and e['io'] == 'out'
            and e['src'] == local and e['len'] > 0]


def rst_out(trace, local):
    return [e for e in trace.events() if e['type'] == 'segment' and
            e['io'] == 'out' and e['src'] == local and 'R' in e['flags']]


def loss_probes():
    """xtcp's TcpExt TCPLossProbes in this namespace."""
    with open('/proc/net/xtcp_snmp') as f:
        lines = [ln.split() for ln in f if ln.startswith('TcpExt:')]
    return int(dict(zip(lines[0][1:], lines[1][1:]))['TCPLossProbes'])


def wait_error(sock, limit):
    """recv() until it fails; the errno, or None."""
    sock.settimeout(limit)
    try:
        sock.recv(16)
    except OSError as e:
        return e.errno
    return None


def lost_data(topo, trace, tun, port, setup):
    cli, srv, lst = connect_pair(port)
    local = f'{A_IP}:{cli.getsockname()[1]}'
    setup(cli)
    topo.silence(True)
    trace.clear()
    t0 = time.monotonic()
    cli.send(b'x' * 1000)
    return cli, srv, lst, local, t0


def main():
    tap = Tap(6)
    check = tap.check
    topo, trace, tun = Topo(), Trace(), Tunables()
    try:
        tun.set(rto_min_ms=50, rto_initial_ms=200, retries2=3)

        # R2: three retransmissions, then RST and ETIMEDOUT.
        probes = loss_probes()
        cli, srv, lst, local, t0 = lost_data(topo, trace, tun, 7301,
                                             lambda s: None)
        err = wait_error(cli, 20)
        segs = data_out(trace, local)
        probes = loss_probes() - probes
        check('retries2=3: the data is sent once and retransmitted 3 times',
              probes <= 1 and len(segs) == 4 + probes and
              len({s for _, s in segs}) == 1,
              f'{len(segs)} transmissions of seqs {sorted({s for _, s in segs})}, '
              f'{probes} of them tail loss probes')
        check('then a RST, and the application sees ETIMEDOUT',
              err == errno.ETIMEDOUT and len(rst_out(trace, local)) == 1,
              f'errno {err}, {len(rst_out(trace, local))} RSTs')
        for s in (cli, srv, lst):
            s.close()
        topo.silence(False)

        # TCP_USER_TIMEOUT 600 ms with retries2 15.
        tun.set(retries2=15)
        cli, srv, lst, local, t0 = lost_data(
            topo, trace, tun, 7302,
            lambda s: s.setsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, 600))
        err = wait_error(cli, 20)
        took = time.monotonic() - t0
        n = len(data_out(trace, local)) - 1
        check('TCP_USER_TIMEOUT=600: ETIMEDOUT, not before 600 ms',
              err == errno.ETIMEDOUT and took >= 0.6,
              f'errno {err} after {took * 1000:.0f} ms')
        check('... long before retries2=15 retransmissions',
              0 < n < 15, f'{n} retransmissions')
        for s in (cli, srv, lst):
            s.close()
        topo.silence(False)

        # An orphan with unacknowledged data: orphan_retries=2.
        tun.set(orphan_retries=2)
        probes = loss_probes()
        cli, srv, lst, local, t0 = lost_data(topo, trace, tun, 7303,
                                             lambda s: None)
        cli.close()
        remote = f'{B_IP}:7303'
        end = trace.wait_state(local, remote, None, 'CLOSED', 20)
        segs = [e for e in trace.events() if e['type'] == 'segment' and
                e['io'] == 'out' and e['src'] == local and
                (e['len'] > 0 or 'F' in e['flags'])]
        first = [e for e in segs if e['len'] > 0]
        probes = loss_probes() - probes
        check('orphan_retries=2: a closed socket stops after 2 retransmissions',
              end is not None and probes <= 1 and len(first) == 3,
              f'CLOSED {"seen" if end else "not seen"}; '
              f'{len(first)} data transmissions, {probes} of them tail loss probes')
        check('... and resets the peer', len(rst_out(trace, local)) == 1,
              f'{len(rst_out(trace, local))} RSTs')
        srv.close()
        lst.close()
    finally:
        tun.restore()
        trace.close()
        topo.close()
    return tap.status()


if __name__ == '__main__':
    sys.exit(main())
