#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
"""Routed networks: TTL, DSCP, ICMP errors and path MTU discovery, each
scenario run on the kernel's TCP and on xtcp in the same boot, their
results printed side by side. The small-MTU link lies between the two
routers, so neither end's own interface MTU (and so neither MSS option)
reveals it:

  xrc (client)            xr1 (router)           xr2 (router)       xrs (server)
  c0 198.51.100.1 (kernel) ---- r1a .2
     198.51.100.3 (xtcp)        r1b 192.0.2.1 ==== r2a 192.0.2.2
     (.5, .7: pmtu upload)           MTU 1280           r2b 203.0.113.1 ---- s0 203.0.113.2 (kernel)
                                                                                203.0.113.3 (xtcp)
                                                                                (.4, .5: pmtu upload)
  xr1 also routes:  198.18.1.0/24 unreachable (ICMP host unreachable)
                    198.18.2.0/24 no route    (ICMP net unreachable)
                    198.18.4.0/24 prohibit    (ICMP host prohibited)
                    198.18.3.0/24 via xr2, where a responder answers each
                                  SYN with ICMP port unreachable

Each stack has its own addresses at both ends, so the path MTU one learns
is not cached for the other. Cases:

  ttl          the SYN and the data reach the server with TTL 64 - 2,
               and with IP_TTL 20 set, 18; IP IDs as Linux's TCP picks
               them: each connection's from a random start, one more
               per segment
  dscp         IP_TOS on the client and on the listener: every segment,
               the SYN-ACK too, carries it, both ways
  pmtu         16 MiB each way through the 1280 link completes (same
               hash), no fragment reaches either end (Ip ReasmReqds), the
               sender's MSS drops to 1228 after ICMP fragmentation needed;
               prints how long from that ICMP to the first segment that fits
  black-hole   the same upload with the routers' ICMP errors dropped
               (nftables in both): with mtu_probing 0 the transfer
               stalls (no byte for 8 s after the first window), as the
               kernel's does; with 1 (RFC 4821 black hole detection) 4 MiB
               complete, and the search upward from base_mss finds the
               path again: the MSS ends above base_mss, within the path,
               and TcpExt TCPMTUPSuccess and TCPMTUPFail both move; with
               2 (probing from base_mss at once) the same for 8 MiB (room
               for the search to finish, on either stack)
  probe-icmp   mtu_probing 2 with the routers' ICMP: a probe too big for
               the link draws fragmentation needed, and the search stays
               within the route's MTU after it (no Ip FragFails at the
               client), ending above base_mss with 2 MiB through
  unreach-*    connect() fails with the kernel's errno, in about its time
  errqueue     with IP_RECVERR, the error queue holds the ICMP error as
               the kernel's TCP queues it
  soft         an in-window port unreachable for an established
               connection is a soft error (RFC 5927 4.2): SO_ERROR says
               ECONNREFUSED once, and the connection goes on
  minttl       IP_MINTTL 63 on the listener drops the SYN that crossed two
               routers (TTL 62), TCPMinTTLDrop counts it; 62 lets it in
  ip-options   IP_OPTIONS (4 bytes) on the client: a 1 MiB upload across
               the 1280 path still fits, the MSS makes room for them
  forged       ICMP errors quoting an out-of-window sequence number change
               nothing: a 4 MiB transfer completes, the MSS stays, the counter
               of ignored ICMP (OutOfWindowIcmps) moves by their number
  marks        SO_MARK 7 and SO_PRIORITY 6 on the client: every segment
               it sends to the server carries both (nftables counts them
               in its output hook)
  bindtodevice SO_BINDTODEVICE: a client bound to lo sends its SYN out
               of lo, not c0 (nftables counts); a listener bound to lo
               ignores SYNs that arrive on s0 (the client gets
               ECONNREFUSED), one bound to s0 takes them; as the kernel's
               TCP
  freebind     a client binds to an address its host lacks: refused
               without IP_FREEBIND or IP_TRANSPARENT (EADDRNOTAVAIL); with
               IP_FREEBIND, connect() finds no route from it
               (ENETUNREACH); with IP_TRANSPARENT its SYN leaves from it.
               IP_BIND_ADDRESS_NO_PORT: port 0 after bind(), a port once
               connect() picks one. As the kernel's TCP
  sockopts     each SOL_IP option and the SOL_SOCKET ones that touch IP:
               set, read back and errno cases (those that need
               CAP_NET_RAW or CAP_NET_ADMIN also from uid 65534: EPERM),
               the same as the kernel's

Runs inside UML, as root. TAP. Arguments, if any, name the cases to run.
"""
import ctypes
import errno
import hashlib
import json
import os
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import _csum as csum  # noqa: E402
from xtcp_timers import netns, run, tcp_socket, xtcp_socket  # noqa: E402

NSS = ('xrc', 'xr1', 'xr2', 'xrs')
ADDR = {'kernel': ('198.51.100.1', '203.0.113.2'),
        'xtcp': ('198.51.100.3', '203.0.113.3')}
# pmtu's upload: ends of their own, whose routes have learnt nothing yet
# (a cached path MTU shrinks the MSS option the other end is offered)
UP_ADDR = {'kernel': ('198.51.100.5', '203.0.113.4'),
           'xtcp': ('198.51.100.7', '203.0.113.5')}
# black-hole's: no path MTU is ever learnt there
BH_ADDR = {'kernel': ('198.51.100.9', '203.0.113.6'),
           'xtcp': ('198.51.100.11', '203.0.113.7')}
MTU_PROBING = {'kernel': 'net.ipv4.tcp_mtu_probing',
               'xtcp': 'net.xtcp.mtu_probing'}
MAKE = {'kernel': tcp_socket, 'xtcp': xtcp_socket}
STACKS = ('kernel', 'xtcp')
IP_MTU_DISCOVER, IP_RECVERR, IP_MTU, IP_FREEBIND = 10, 11, 14, 15
IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT = 19, 24
IP_OPTIONS, IP_MINTTL, IP_ADD_MEMBERSHIP = 4, 21, 35
SO_MARK, SO_PRIORITY, SO_INCOMING_CPU, SO_BINDTODEVICE = 36, 12, 49, 25
TCP_SYNCNT = 7
BIG = 16 << 20
FORGED = 4 << 20
PORT_UNREACH_NET = '198.18.3.'


def ip(ns, *args):
    run('ip', '-n', ns, *args)


def sysctl(ns, name, value):
    with netns(ns):
        with open('/proc/sys/' + name.replace('.', '/'), 'w') as f:
            f.write(str(value))


def topology():
    for ns in NSS:
        run('ip', 'netns', 'del', ns, check=False)
        run('ip', 'netns', 'add', ns)
        ip(ns, 'link', 'set', 'lo', 'up')
    for a, na, b, nb in (('c0', 'xrc', 'r1a', 'xr1'),
                         ('r1b', 'xr1', 'r2a', 'xr2'),
                         ('r2b', 'xr2', 's0', 'xrs')):
        run('ip', 'link', 'add', a, 'netns', na, 'type', 'veth', 'peer',
            'name', b, 'netns', nb)
    for ns, dev, addrs in (('xrc', 'c0', ('198.51.100.1', '198.51.100.3',
                                          '198.51.100.5', '198.51.100.7',
                                          '198.51.100.9', '198.51.100.11')),
                           ('xr1', 'r1a', ('198.51.100.2',)),
                           ('xr1', 'r1b', ('192.0.2.1',)),
                           ('xr2', 'r2a', ('192.0.2.2',)),
                           ('xr2', 'r2b', ('203.0.113.1',)),
                           ('xrs', 's0', ('203.0.113.2', '203.0.113.3',
                                          '203.0.113.4', '203.0.113.5',
                                          '203.0.113.6', '203.0.113.7'))):
        for a in addrs:
            ip(ns, 'addr', 'add', a + '/24', 'dev', dev)
        ip(ns, 'link', 'set', dev, 'up')
    for ns, dev in (('xr1', 'r1b'), ('xr2', 'r2a')):
        ip(ns, 'link', 'set', dev, 'mtu', '1280')
    ip('xrc', 'route', 'add', 'default', 'via', '198.51.100.2')
    ip('xrs', 'route', 'add', 'default', 'via', '203.0.113.1')
    ip('xr1', 'route', 'add', '203.0.113.0/24', 'via', '192.0.2.2')
    ip('xr1', 'route', 'add', '198.18.3.0/24', 'via', '192.0.2.2')
    ip('xr1', 'route', 'add', 'unreachable', '198.18.1.0/24')
    ip('xr1', 'route', 'add', 'prohibit', '198.18.4.0/24')
    ip('xr2', 'route', 'add', '198.51.100.0/24', 'via', '192.0.2.1')
    ip('xr2', 'route', 'add', 'blackhole', '198.18.3.0/24')
    for ns in ('xr1', 'xr2'):
        sysctl(ns, 'net.ipv4.ip_forward', 1)
        sysctl(ns, 'net.ipv4.icmp_ratelimit', 0)


def teardown():
    for ns in NSS:
        run('ip', 'netns', 'del', ns, check=False)


# --- the wire --------------------------------------------------------------

class Tap(threading.Thread):
    """Every IPv4 packet on @dev in netns @ns: dicts with the IP header's
    fields, 'out' for what the device sent, and TCP's ports and sequence
    number or ICMP's type and code."""

    def __init__(self, ns, dev):
        super().__init__(daemon=True)
        with netns(ns):
            # SOCK_DGRAM: the IP packet without the link header;
            # ETH_P_ALL: what the device sends too
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                      socket.htons(0x0003))
        self.sock.bind((dev, 0))
        self.pkts, self.lock, self.stop = [], threading.Lock(), False
        self.start()

    def run(self):
        while not self.stop:
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            try:
                frame, addr = self.sock.recvfrom(65600)
            except OSError as e:
                # a link that just came up reports it once (ENETDOWN)
                if e.errno == errno.ENETDOWN:
                    continue
                raise
            t = time.monotonic()
            p = parse_ip(frame)
            if p:
                p.update(t=t, out=addr[2] == socket.PACKET_OUTGOING)
                with self.lock:
                    self.pkts.append(p)

    def get(self, pred=lambda p: True):
        with self.lock:
            return [p for p in self.pkts if pred(p)]

    def close(self):
        self.stop = True
        self.join(1)
        self.sock.close()


def parse_ip(b):
    if len(b) < 20 or b[0] >> 4 != 4:
        return None
    ihl = (b[0] & 15) * 4
    frag = struct.unpack('!H', b[6:8])[0]
    p = {'tos': b[1], 'len': struct.unpack('!H', b[2:4])[0], 'ttl': b[8],
         'id': struct.unpack('!H', b[4:6])[0],
         'proto': b[9], 'df': bool(frag & 0x4000),
         'frag': bool(frag & 0x3fff), 'src': socket.inet_ntoa(b[12:16]),
         'dst': socket.inet_ntoa(b[16:20]), 'raw': b}
    l4 = b[ihl:]
    if p['proto'] == 6 and len(l4) >= 20 and not p['frag']:
        p['sport'], p['dport'], p['seq'] = struct.unpack('!HHI', l4[:8])
        p['flags'] = l4[13]
        p['data'] = p['len'] - ihl - (l4[12] >> 4) * 4
    if p['proto'] == 1 and len(l4) >= 8:
        p['type'], p['code'] = l4[0], l4[1]
    return p


def icmp_error(typ, code, quoted, rest=0):
    """An ICMP error quoting @quoted (IP header and 8 bytes at least)."""
    body = struct.pack('!BBHI', typ, code, 0, rest) + quoted
    return body[:2] + struct.pack('!H', csum(body)) + body[4:]


def quote(src, dst, sport, dport, seq):
    """What an ICMP error quotes of a TCP segment src -> dst."""
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    return iph + struct.pack('!HHI', sport, dport, seq)


def send_icmp(ns, to, pkt):
    with netns(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        s.sendto(pkt, (to, 0))
    finally:
        s.close()


class PortUnreach(threading.Thread):
    """In xr2: answers each SYN to 198.18.3.0/24 with ICMP port
    unreachable, as a host without that port (and without TCP's RST)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.tap = Tap('xr2', 'r2a')
        self.seen, self.stop = 0, False
        self.start()

    def run(self):
        while not self.stop:
            for p in self.tap.get()[self.seen:]:
                self.seen += 1
                if (p['proto'] == 6 and not p['out'] and
                        p['dst'].startswith(PORT_UNREACH_NET) and
                        p['flags'] & 0x12 == 0x02):
                    ihl = (p['raw'][0] & 15) * 4
                    send_icmp('xr2', p['src'],
                              icmp_error(3, 3, p['raw'][:ihl + 8]))
            time.sleep(0.01)

    def close(self):
        self.stop = True
        self.join(1)
        self.tap.close()


# --- helpers ----------------------------------------------------------------

def counters(ns, path, tag):
    with netns(ns):
        with open(path) as f:
            lines = [ln.split() for ln in f if ln.startswith(tag)]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def ext(stack, ns='xrc'):
    path = '/proc/net/netstat' if stack == 'kernel' else '/proc/net/xtcp_snmp'
    return counters(ns, path, 'TcpExt:')


def reasm(ns):
    return counters(ns, '/proc/net/snmp', 'Ip:')['ReasmReqds']


def snd_mss(s):
    return struct.unpack('I', s.getsockopt(socket.SOL_TCP, socket.TCP_INFO,
                                           104)[16:20])[0]


def pair(stack, port, cli_opts=(), lst_opts=(), addr=ADDR):
    """A connected (client, server) of @stack through the routers."""
    caddr, saddr = addr[stack]
    lst = MAKE[stack]('xrs')
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for lvl, opt, val in lst_opts:
        lst.setsockopt(lvl, opt, val)
    lst.bind((saddr, port))
    lst.listen(4)
    cli = MAKE[stack]('xrc')
    for lvl, opt, val in cli_opts:
        cli.setsockopt(lvl, opt, val)
    cli.bind((caddr, 0))
    cli.settimeout(10)
    cli.connect((saddr, port))
    lst.settimeout(10)
    srv, _ = lst.accept()
    srv.settimeout(60)
    cli.settimeout(60)
    lst.close()
    return cli, srv


def transfer(tx, rx, n, during=None):
    """@n bytes tx -> rx; their SHA-256 both sides, or an exception."""
    res = {}

    def sender():
        h, chunk, left = hashlib.sha256(), os.urandom(65536), n
        try:
            while left:
                b = chunk[:left]
                tx.sendall(b)
                h.update(b)
                left -= len(b)
            tx.shutdown(socket.SHUT_WR)
        except OSError as e:
            res['tx_err'] = e
        res['tx'] = h.hexdigest()

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    h = hashlib.sha256()
    got = 0
    try:
        while True:
            b = rx.recv(1 << 16)
            if not b:
                break
            h.update(b)
            got += len(b)
            if during and got > n // 4:
                during()
                during = None
    except OSError as e:
        res['rx_err'] = e
    t.join(5)
    res['rx'], res['got'] = h.hexdigest(), got
    return res


# --- cases ------------------------------------------------------------------

def case_ttl(stack, port):
    tap = Tap('xrs', 's0')
    try:
        ttls, ids = [], []
        for opts in ((), ((socket.SOL_IP, socket.IP_TTL, 20),)):
            try:
                cli, srv = pair(stack, port, cli_opts=opts)
            except OSError as e:
                return False, f'{e}'
            cli.sendall(b'x' * 100)
            srv.recv(100)
            time.sleep(0.1)
            caddr = ADDR[stack][0]
            mine = tap.get(lambda p: p['proto'] == 6 and p['src'] == caddr and
                           p['sport'] == cli.getsockname()[1])
            ttls.append(sorted({p['ttl'] for p in mine}))
            ids.append([p['id'] for p in mine])
            cli.close()
            srv.close()
            port += 1
        steps = {(b - a) & 0xffff for c in ids for a, b in zip(c, c[1:])}
        ok = (ttls == [[62], [18]] and ids[0][0] != ids[1][0] and
              steps == {1})
        return ok, (f'TTL at the server {ttls[0]}, with IP_TTL 20 {ttls[1]}; '
                    f'IP IDs from {ids[0][0]} and {ids[1][0]}, steps {sorted(steps)}')
    finally:
        tap.close()


def case_dscp(stack, port):
    tap = Tap('xrs', 's0')
    try:
        try:
            cli, srv = pair(stack, port,
                            cli_opts=((socket.SOL_IP, socket.IP_TOS, 0x28),),
                            lst_opts=((socket.SOL_IP, socket.IP_TOS, 0xb8),))
        except OSError as e:
            return False, f'{e}'
        cli.sendall(b'x' * 100)
        srv.recv(100)
        srv.sendall(b'y' * 100)
        cli.recv(100)
        cli.close()
        srv.close()
        time.sleep(0.2)
        caddr, saddr = ADDR[stack]
        up = {p['tos'] for p in tap.get(lambda p: p['proto'] == 6 and
                                        p['src'] == caddr and p['dport'] == port)}
        down = {p['tos'] for p in tap.get(lambda p: p['proto'] == 6 and
                                          p['src'] == saddr and p['sport'] == port)}
        synack = [p['tos'] for p in tap.get(lambda p: p['proto'] == 6 and
                                            p['src'] == saddr and
                                            p['flags'] & 0x12 == 0x12)]
        ok = up == {0x28} and down == {0xb8} and synack == [0xb8]
        return ok, (f'client->server TOS {sorted(map(hex, up))}, server->client '
                    f'{sorted(map(hex, down))}, SYN-ACK {list(map(hex, synack))}')
    finally:
        tap.close()


def pmtu_direction(stack, port, upload):
    """16 MiB one way; the sender's side of the path is watched at its
    first router."""
    addr = UP_ADDR if upload else ADDR
    if upload:
        tap_ns, tap_dev, snd_addr = 'xr1', 'r1a', addr[stack][0]
    else:
        tap_ns, tap_dev, snd_addr = 'xr2', 'r2b', addr[stack][1]
    before = reasm('xrc'), reasm('xrs')
    tap = Tap(tap_ns, tap_dev)
    try:
        cli, srv = pair(stack, port, addr=addr)
        tx, rx = (cli, srv) if upload else (srv, cli)
        mss0 = snd_mss(tx)
        t0 = time.monotonic()
        res = transfer(tx, rx, BIG)
        took = time.monotonic() - t0
        mss1 = snd_mss(tx)
        cli.close()
        srv.close()
    finally:
        time.sleep(0.1)
        tap.close()
    frags = (reasm('xrc') - before[0]) + (reasm('xrs') - before[1])
    icmp = [p for p in tap.pkts if p['proto'] == 1 and p['out'] and
            p.get('type') == 3 and p.get('code') == 4 and p['dst'] == snd_addr]
    react = None
    if icmp:
        fit = [p for p in tap.pkts if p['proto'] == 6 and not p['out'] and
               p['src'] == snd_addr and p['t'] > icmp[0]['t'] and
               p['data'] > 0 and p['len'] <= 1280]
        if fit:
            react = (fit[0]['t'] - icmp[0]['t']) * 1000
    ok = (res.get('got') == BIG and res.get('tx') == res.get('rx') and
          frags == 0 and mss1 == 1228 and bool(icmp))
    what = ('up' if upload else 'down')
    note = (f'{what}: {res.get("got", 0)} bytes, hash {"same" if res.get("tx") == res.get("rx") else "DIFFERENT"}, '
            f'{took:.2f} s, MSS {mss0} -> {mss1}, ICMP frag-needed {len(icmp)}, '
            f'fragments reassembled {frags}, ICMP -> first fitting segment '
            + (f'{react:.1f} ms' if react is not None else 'never')
            + (f', error {res.get("tx_err") or res.get("rx_err")}'
               if 'tx_err' in res or 'rx_err' in res else ''))
    return ok, note


def case_pmtu(stack, port):
    # Down first: once the client has learnt the path MTU, its SYN's MSS
    # option says it, and the server would never send too big.
    ok1, n1 = pmtu_direction(stack, port, False)
    ok2, n2 = pmtu_direction(stack, port + 1, True)
    return ok1 and ok2, n1 + '; ' + n2


def black_hole(on):
    """The routers drop the ICMP "fragmentation needed" they send."""
    for ns in ('xr1', 'xr2'):
        if on:
            run('ip', 'netns', 'exec', ns, 'nft',
                'add table ip bh; '
                'add chain ip bh out { type filter hook output priority 0 ; } ; '
                'add rule ip bh out icmp type destination-unreachable '
                'icmp code frag-needed drop')
        else:
            run('ip', 'netns', 'exec', ns, 'nft', 'delete', 'table', 'ip', 'bh',
                check=False)


def abort(*socks):
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()


def case_black_hole(stack, port):
    notes, verdict = [], []
    black_hole(True)
    try:
        for probing, n, limit in ((0, 1 << 20, 8), (1, FORGED, 120),
                                  (2, 8 << 20, 120)):
            sysctl('xrc', MTU_PROBING[stack], probing)
            cli, srv = pair(stack, port, addr=BH_ADDR)
            port += 1
            cli.settimeout(limit)
            srv.settimeout(limit)
            before = ext(stack)
            t0 = time.monotonic()
            res = transfer(cli, srv, n)
            took = time.monotonic() - t0
            done = res.get('got') == n and res.get('tx') == res.get('rx')
            mss = snd_mss(cli)
            abort(cli, srv)
            after = ext(stack)
            moved = {k: after.get(k, 0) - before.get(k, 0)
                     for k in ('TCPMTUPSuccess', 'TCPMTUPFail')}
            verdict.append(done == bool(probing))
            if probing:
                # RFC 4821: the search from base_mss (1024) up finds
                # what passes (a 1280 path: 1228 with timestamps)
                verdict.append(1024 < mss <= 1228 and all(moved.values()))
            notes.append(f'mtu_probing {probing}: ' +
                         (f'{n} bytes in {took:.2f} s' if done else
                          f'stalled at {res.get("got")} of {n} bytes') +
                         f', MSS {mss}' +
                         (''.join(f', {k} +{v}' for k, v in moved.items())
                          if probing else ''))
    finally:
        sysctl('xrc', MTU_PROBING[stack], 0)
        black_hole(False)
    return all(verdict) and len(verdict) == 5, '; '.join(notes)


def case_probe_icmp(stack, port):
    """mtu_probing 2 where the routers do send their ICMP: a probe too big
    for the 1280 link draws "fragmentation needed"; the search must stay
    within what the route then says, never sending what its own IP layer
    refuses to fragment (Ip FragFails)."""
    sysctl('xrc', MTU_PROBING[stack], 2)
    try:
        before = counters('xrc', '/proc/net/snmp', 'Ip:')['FragFails']
        ext0 = ext(stack)
        cli, srv = pair(stack, port, addr=BH_ADDR)
        res = transfer(cli, srv, 2 << 20)
        mss = snd_mss(cli)
        abort(cli, srv)
        fails = counters('xrc', '/proc/net/snmp', 'Ip:')['FragFails'] - before
        ok_ = ext(stack).get('TCPMTUPSuccess', 0) - ext0.get('TCPMTUPSuccess', 0)
    finally:
        sysctl('xrc', MTU_PROBING[stack], 0)
    done = res.get('got') == 2 << 20 and res.get('tx') == res.get('rx')
    return (done and 1024 < mss <= 1228 and fails == 0 and ok_ > 0,
            f'{res.get("got", 0)} bytes, hash '
            f'{"same" if res.get("tx") == res.get("rx") else "DIFFERENT"}, '
            f'MSS {mss}, TCPMTUPSuccess +{ok_}, Ip FragFails +{fails}')


def timed_connect(stack, dst, port, recverr=False, syncnt=2):
    s = MAKE[stack]('xrc')
    s.setsockopt(socket.SOL_TCP, TCP_SYNCNT, syncnt)
    if recverr:
        s.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
    s.bind((ADDR[stack][0], 0))
    s.settimeout(20)
    t0 = time.monotonic()
    try:
        s.connect((dst, port))
        err = 0
    except OSError as e:
        err = e.errno or -1
    return s, err, time.monotonic() - t0


def unreach_case(dst):
    def case(stack, port):
        s, err, took = timed_connect(stack, dst, port)
        s.close()
        return (err, took), f'{errno.errorcode.get(err, err)} after {took:.2f} s'
    return case


def case_errqueue(stack, port):
    s, err, _ = timed_connect(stack, '198.18.1.9', port, recverr=True)
    try:
        _, anc, _, peer = s.recvmsg(0, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
    except OSError as e:
        s.close()
        return (err, f'recvmsg {errno.errorcode.get(e.errno)}'), \
            f'connect {errno.errorcode.get(err, err)}, MSG_ERRQUEUE: {e}'
    s.close()
    got = []
    for lvl, typ, data in anc:
        if lvl == socket.SOL_IP and typ == IP_RECVERR:
            ee_errno, origin, itype, code = struct.unpack('IBBB', data[:7])
            offender = socket.inet_ntoa(data[20:24])    # ee, sockaddr_in
            got.append((errno.errorcode.get(ee_errno), origin, itype, code,
                        offender))
    return (err, got, peer[0], peer[1] == port), (
        f'connect {errno.errorcode.get(err, err)}, '
        f'queued {got}, about {peer}')


def case_forged(stack, port):
    """ICMP errors from xr1 for the client's connection, quoting a sequence
    number 1 GiB behind SND.UNA, while 4 MiB go up."""
    caddr, saddr = ADDR[stack]
    before = ext(stack).get('OutOfWindowIcmps', 0)
    tap = Tap('xr1', 'r1a')
    try:
        cli, srv = pair(stack, port)
    except OSError as e:
        tap.close()
        return False, f'{e}'
    sport = cli.getsockname()[1]

    def forge():
        segs = tap.get(lambda p: p['proto'] == 6 and p['src'] == caddr and
                       p['sport'] == sport and p['data'] > 0)
        seq = (segs[-1]['seq'] - (1 << 30)) & 0xffffffff
        q = quote(caddr, saddr, sport, port, seq)
        for typ, code, rest in ((3, 4, 576), (3, 1, 0), (3, 3, 0),
                                (11, 0, 0), (12, 0, 0)):
            send_icmp('xr1', caddr, icmp_error(typ, code, q, rest))
    mss0 = snd_mss(cli)
    res = transfer(cli, srv, FORGED, during=forge)
    mss1 = snd_mss(cli)
    soerr = cli.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    cli.close()
    srv.close()
    tap.close()
    moved = ext(stack).get('OutOfWindowIcmps', 0) - before
    ok = (res.get('got') == FORGED and res.get('tx') == res.get('rx') and
          mss1 == mss0 and soerr == 0 and moved == 5)
    return ok, (f'{res.get("got")} bytes, MSS {mss0} -> {mss1}, SO_ERROR {soerr}, '
                f'OutOfWindowIcmps +{moved}')


def case_soft(stack, port):
    caddr, saddr = ADDR[stack]
    tap = Tap('xr1', 'r1a')
    try:
        cli, srv = pair(stack, port)
        cli.sendall(b'x' * 1000)
        srv.recv(1000)
        time.sleep(0.2)
        sport = cli.getsockname()[1]
        last = tap.get(lambda p: p['proto'] == 6 and p['src'] == caddr and
                       p['sport'] == sport and p['data'] > 0)[-1]
        q = quote(caddr, saddr, sport, port, (last['seq'] + last['data']) & 0xffffffff)
        send_icmp('xr1', caddr, icmp_error(3, 3, q))
        time.sleep(0.2)
        soerr = cli.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        cli.sendall(b'y' * 100)
        works = srv.recv(100) == b'y' * 100
        cli.close()
        srv.close()
    finally:
        tap.close()
    return (errno.errorcode.get(soerr, soerr), works), \
        f'SO_ERROR {errno.errorcode.get(soerr, soerr)}, then the connection ' + \
        ('works' if works else 'is gone')


def case_minttl(stack, port):
    caddr, saddr = ADDR[stack]
    out = []
    before = ext(stack, 'xrs').get('TCPMinTTLDrop', 0)
    for minttl in (63, 62):
        lst = MAKE[stack]('xrs')
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.setsockopt(socket.SOL_IP, IP_MINTTL, minttl)
        lst.bind((saddr, port))
        lst.listen(4)
        s, err, _ = timed_connect(stack, saddr, port, syncnt=1)
        s.close()
        lst.close()
        out.append(errno.errorcode.get(err, err))
        port += 1
    moved = ext(stack, 'xrs').get('TCPMinTTLDrop', 0) - before
    return (out, moved > 0), f'IP_MINTTL 63: {out[0]}, 62: {out[1]}; TCPMinTTLDrop +{moved}'


def case_ip_options(stack, port):
    cli, srv = pair(stack, port, cli_opts=((socket.SOL_IP, IP_OPTIONS,
                                            b'\x01\x01\x01\x00'),))
    res = transfer(cli, srv, 1 << 20)
    mss = snd_mss(cli)
    cli.close()
    srv.close()
    ok = res.get('got') == 1 << 20 and res.get('tx') == res.get('rx')
    return ok, f'{res.get("got")} bytes, MSS {mss}'


def nft_packets(ns, table):
    """The packet count of each counter in table @table of @ns, in order."""
    r = run('ip', 'netns', 'exec', ns, 'nft', 'list', 'table', 'ip', table)
    return [int(w.split()[1]) for w in r.stdout.split('counter ')[1:]]


def case_marks(stack, port):
    """SO_MARK and SO_PRIORITY on every segment the client sends, counted
    in its namespace's output hook by nftables."""
    saddr = ADDR[stack][1]
    match = f'ip daddr {saddr} tcp dport {port}'
    run('ip', 'netns', 'exec', 'xrc', 'nft',
        'add table ip mk; '
        'add chain ip mk out { type filter hook output priority 0 ; } ; '
        f'add rule ip mk out {match} counter; '
        f'add rule ip mk out {match} meta mark 7 counter; '
        f'add rule ip mk out {match} meta priority 0:6 counter')
    try:
        cli, srv = pair(stack, port,
                        cli_opts=((socket.SOL_SOCKET, SO_MARK, 7),
                                  (socket.SOL_SOCKET, SO_PRIORITY, 6)))
        res = transfer(cli, srv, 256 << 10)
        cli.close()
        srv.close()
        time.sleep(0.3)
        every, marked, prio = nft_packets('xrc', 'mk')
    finally:
        run('ip', 'netns', 'exec', 'xrc', 'nft', 'delete', 'table', 'ip', 'mk',
            check=False)
    ok = res.get('got') == 256 << 10 and every > 0 and marked == every == prio
    return ok, (f'{every} segments to the server, {marked} with mark 7, '
                f'{prio} with priority 6')


def case_bindtodevice(stack, port):
    """SO_BINDTODEVICE: a client bound to lo has no route to the server;
    a listener bound to lo ignores SYNs that arrive on s0 (the client is
    refused), one bound to s0 takes them."""
    caddr, saddr = ADDR[stack]
    match = f'ip daddr {saddr} tcp dport {port}'
    run('ip', 'netns', 'exec', 'xrc', 'nft',
        'add table ip bd; '
        'add chain ip bd out { type filter hook output priority 0 ; } ; '
        f'add rule ip bd out {match} oifname "lo" counter; '
        f'add rule ip bd out {match} oifname "c0" counter')
    try:
        c = MAKE[stack]('xrc')
        c.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, b'lo')
        c.setblocking(False)
        c.connect_ex((saddr, port))
        time.sleep(0.3)
        c.close()
        on_lo, on_c0 = nft_packets('xrc', 'bd')
    finally:
        run('ip', 'netns', 'exec', 'xrc', 'nft', 'delete', 'table', 'ip', 'bd',
            check=False)
    got = [f'client on lo: SYN out lo {"yes" if on_lo else "no"}, '
           f'out c0 {"yes" if on_c0 else "no"}']
    for dev in (b'lo', b's0'):
        lst = MAKE[stack]('xrs')
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev)
        lst.bind((saddr, port))
        lst.listen(4)
        c = MAKE[stack]('xrc')
        c.bind((caddr, 0))
        c.settimeout(10)
        try:
            c.connect((saddr, port))
            got.append(f'listener on {dev.decode()}: connected')
        except OSError as e:
            got.append(f'listener on {dev.decode()}: '
                       f'{errno.errorcode.get(e.errno, e.errno)}')
        c.close()
        lst.close()
        port += 1
    want = ['client on lo: SYN out lo yes, out c0 no',
            'listener on lo: ECONNREFUSED', 'listener on s0: connected']
    return got, ', '.join(got) + ('' if got == want else
                                  f' (expected {", ".join(want)})')


def case_freebind(stack, port):
    """IP_FREEBIND and IP_TRANSPARENT: a client bound to an address the
    host does not have sends its SYN from it; IP_BIND_ADDRESS_NO_PORT: a
    bind to port 0 takes no port until connect() does."""
    saddr = ADDR[stack][1]
    got = []
    for i, opt in enumerate((IP_FREEBIND, IP_TRANSPARENT, None)):
        name = {IP_FREEBIND: 'IP_FREEBIND', IP_TRANSPARENT: 'IP_TRANSPARENT',
                None: 'neither'}[opt]
        src = f'198.51.100.{200 + i}'
        tap = Tap('xrc', 'c0')
        time.sleep(0.1)
        c = MAKE[stack]('xrc')
        try:
            if opt:
                c.setsockopt(socket.SOL_IP, opt, 1)
            c.bind((src, 0))
            c.setblocking(False)
            e = c.connect_ex((saddr, port))
            if e != errno.EINPROGRESS:
                got.append(f'{name}: connect {errno.errorcode.get(e, e)}')
                continue
            end = time.monotonic() + 2
            while True:
                syn = tap.get(lambda p: p['proto'] == 6 and p['out'] and
                              p['dport'] == port)
                if syn or time.monotonic() > end:
                    break
                time.sleep(0.05)
            got.append(f'{name}: SYN from {syn[0]["src"] if syn else "none"}')
        except OSError as e:
            got.append(f'{name}: {errno.errorcode.get(e.errno, e.errno)}')
        finally:
            c.close()
            tap.close()
    c = MAKE[stack]('xrc')
    c.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    c.bind((ADDR[stack][0], 0))
    before = c.getsockname()[1]
    lst = MAKE[stack]('xrs')
    lst.bind((saddr, port + 1))
    lst.listen(1)
    c.settimeout(10)
    c.connect((saddr, port + 1))
    after = c.getsockname()[1]
    c.close()
    lst.close()
    got.append(f'IP_BIND_ADDRESS_NO_PORT: port {before} after bind, '
               f'{"a port" if after else "none"} after connect')
    return got, ', '.join(got)


def unprivileged(stack):
    """Options that need CAP_NET_RAW or CAP_NET_ADMIN, set by a process
    that has given up root (uid 65534): (option, result) pairs."""
    s = MAKE[stack]('xrc')
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        out = []
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            for name, lvl, opt, val in (
                    ('IP_TRANSPARENT=1', socket.SOL_IP, IP_TRANSPARENT, 1),
                    ('SO_MARK=7', socket.SOL_SOCKET, SO_MARK, 7),
                    ('SO_PRIORITY=7', socket.SOL_SOCKET, SO_PRIORITY, 7),
                    ('SO_PRIORITY=6', socket.SOL_SOCKET, SO_PRIORITY, 6),
                    ('SO_BINDTODEVICE c0', socket.SOL_SOCKET,
                     SO_BINDTODEVICE, b'c0')):
                try:
                    s.setsockopt(lvl, opt, val)
                    out.append((f'unprivileged {name}', 'ok'))
                except OSError as e:
                    out.append((f'unprivileged {name}',
                                errno.errorcode.get(e.errno, e.errno)))
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b''
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        data += b
    os.close(r)
    os.waitpid(pid, 0)
    s.close()
    return ([tuple(x) for x in json.loads(data)] if data else
            [('unprivileged', 'no answer')])


def sockopt_table(stack):
    """(option, what happened) for set/get sequences of each option."""
    out = []
    s = MAKE[stack]('xrc')

    def attempt(name, fn):
        try:
            out.append((name, fn()))
        except OSError as e:
            out.append((name, errno.errorcode.get(e.errno, e.errno)))

    ints = ((socket.SOL_IP, socket.IP_TOS, 'IP_TOS', (0x28, 0x2b, 0xfc, -1, 256)),
            (socket.SOL_IP, socket.IP_TTL, 'IP_TTL', (1, 255, 0, 256, -1)),
            (socket.SOL_IP, IP_MTU_DISCOVER, 'IP_MTU_DISCOVER', (0, 1, 2, 3, 4, 5, 6, -1)),
            (socket.SOL_IP, IP_RECVERR, 'IP_RECVERR', (1, 0)),
            (socket.SOL_IP, IP_FREEBIND, 'IP_FREEBIND', (1, 0)),
            (socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 'IP_BIND_ADDRESS_NO_PORT', (1, 0)),
            (socket.SOL_IP, IP_TRANSPARENT, 'IP_TRANSPARENT', (1, 0)),
            (socket.SOL_SOCKET, SO_MARK, 'SO_MARK', (7, 0)),
            (socket.SOL_SOCKET, SO_PRIORITY, 'SO_PRIORITY', (6, 0)),
            (socket.SOL_SOCKET, SO_INCOMING_CPU, 'SO_INCOMING_CPU', (0,)))
    for lvl, opt, name, vals in ints:
        attempt(f'{name} default', lambda: s.getsockopt(lvl, opt))
        for v in vals:
            attempt(f'{name}={v}', lambda: (s.setsockopt(lvl, opt, v),
                                            s.getsockopt(lvl, opt))[1])
    attempt('IP_MTU unconnected', lambda: s.getsockopt(socket.SOL_IP, IP_MTU))
    attempt('SO_BINDTODEVICE c0', lambda: (
        s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, b'c0'),
        s.getsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, 16).rstrip(b'\0'))[1])
    attempt('SO_BINDTODEVICE nosuch', lambda: s.setsockopt(
        socket.SOL_SOCKET, SO_BINDTODEVICE, b'nosuch0'))
    attempt('SO_BINDTODEVICE none', lambda: (
        s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, b''),
        s.getsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, 16).rstrip(b'\0'))[1])
    attempt('IP_TOS short', lambda: s.getsockopt(socket.SOL_IP, socket.IP_TOS, 1))
    attempt('SOL_IP 200', lambda: s.getsockopt(socket.SOL_IP, 200))
    attempt('IP_ADD_MEMBERSHIP', lambda: s.setsockopt(
        socket.SOL_IP, IP_ADD_MEMBERSHIP,
        socket.inet_aton('239.1.2.3') + socket.inet_aton('0.0.0.0')))
    attempt('IP_MINTTL=64', lambda: (s.setsockopt(socket.SOL_IP, IP_MINTTL, 64),
                                     s.getsockopt(socket.SOL_IP, IP_MINTTL))[1])
    attempt('IP_MINTTL=256', lambda: s.setsockopt(socket.SOL_IP, IP_MINTTL, 256))
    attempt('IP_OPTIONS NOPs', lambda: (
        s.setsockopt(socket.SOL_IP, IP_OPTIONS, b'\x01\x01\x01\x00'),
        s.getsockopt(socket.SOL_IP, IP_OPTIONS, 40))[1])
    attempt('IP_OPTIONS 44 bytes', lambda: s.setsockopt(
        socket.SOL_IP, IP_OPTIONS, b'\x01' * 44))
    s.close()
    out += unprivileged(stack)
    # connected through the routers: the path's MTU once learnt
    try:
        cli, srv = pair(stack, 7300 + STACKS.index(stack))
        attempt('IP_MTU connected', lambda: cli.getsockopt(socket.SOL_IP, IP_MTU))
        cli.sendall(b'x' * 200000)
        got = 0
        while got < 200000:
            got += len(srv.recv(65536))
        attempt('IP_MTU after 200 kB', lambda: cli.getsockopt(socket.SOL_IP, IP_MTU))
        cli.close()
        srv.close()
    except OSError as e:
        out.append(('connected', str(e)))
    return out


def main():
    topology()
    pu = PortUnreach()
    cases = [('ttl', case_ttl, True), ('dscp', case_dscp, True),
             ('pmtu', case_pmtu, True),
             ('black-hole', case_black_hole, True),
             ('probe-icmp', case_probe_icmp, True),
             ('unreach-host', unreach_case('198.18.1.9'), False),
             ('unreach-net', unreach_case('198.18.2.9'), False),
             ('unreach-prohibited', unreach_case('198.18.4.9'), False),
             ('unreach-port', unreach_case('198.18.3.9'), False),
             ('errqueue', case_errqueue, False),
             ('soft', case_soft, False),
             ('minttl', case_minttl, False),
             ('ip-options', case_ip_options, True),
             ('forged', case_forged, True),
             ('marks', case_marks, True),
             ('bindtodevice', case_bindtodevice, False),
             ('freebind', case_freebind, False)]
    only = sys.argv[1:]         # case names to run (all if none)
    results = []
    port = 7000
    for name, fn, own in cases:
        if only and name not in only:
            port += 10 * len(STACKS)
            continue
        got = {}
        for stack in STACKS:
            try:
                got[stack] = fn(stack, port)
            except Exception as e:      # noqa: BLE001
                got[stack] = (None, f'{type(e).__name__}: {e}')
            port += 10
        notes = [f'{st:6}: {got[st][1]}' for st in STACKS]
        if own:
            # each stack must pass on its own; the kernel's passing shows
            # the check is sound
            ok = got['kernel'][0] is True and got['xtcp'][0] is True
        elif name.startswith('unreach'):
            (ke, kt), (xe, xt) = got['kernel'][0] or (0, 0), got['xtcp'][0] or (1, 0)
            ok = ke not in (0, errno.ETIMEDOUT) and ke == xe and \
                xt <= max(2 * kt, kt + 0.5)
        else:
            ok = got['kernel'][0] == got['xtcp'][0] and got['kernel'][0] is not None
        results.append((name, ok, notes))
    if not only or 'sockopts' in only:
        kt, xt = sockopt_table('kernel'), sockopt_table('xtcp')
        diff = [f'{k[0]}: kernel {k[1]}, xtcp {x[1]}'
                for k, x in zip(kt, xt) if k != x]
        results.append(('sockopts', not diff and len(kt) == len(xt),
                        diff or [f'{len(kt)} checks, all as the kernel\'s']))
    pu.close()
    teardown()
    print('TAP version 13')
    print(f'1..{len(results)}')
    for i, (name, ok, notes) in enumerate(results, 1):
        print(('ok' if ok else 'not ok') + f' {i} {name}')
        for n in notes:
            print(f'# {n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
