# SPDX-License-Identifier: GPL-2.0
"""Helpers for selftests/timers_test.py and scripts/bench-timers: a second
network namespace behind a veth pair, a wire capture on its side of the
link, a raw injector that skips its qdisc, xtcp's tracepoints read back with
the monotonic clock, and tunables that are restored afterwards. Runs inside
UML, as root.

    init_net (xtcp under test)              netns "xtb" (the peer)
    va 198.51.100.1/24  <------ veth ------>   vb 198.51.100.2/24
                                            root qdisc netem loss 100%
                                            when the peer is "silent"

The capture and the injector sit on vb: what arrives there from va is what
xtcp put on the wire; what the injector sends with PACKET_QDISC_BYPASS gets
out even while netem drops everything the peer's own kernel sends (its
ACKs, its RSTs). Static neighbour entries keep ARP out of the way.
"""
import contextlib
import ctypes
import errno
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

A_IP, B_IP = '198.51.100.1', '198.51.100.2'
NS = 'xtb'
SYSCTL = '/proc/sys/net/xtcp'
TRACE = '/sys/kernel/tracing'
CLONE_NEWNET = 0x40000000
SOL_PACKET, PACKET_QDISC_BYPASS = 263, 20
SO_TIMESTAMPNS = 35
TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 4, 5, 6
TCP_QUICKACK, TCP_USER_TIMEOUT = 12, 18

libc = ctypes.CDLL(None, use_errno=True)


def family():
    with open('/sys/module/xtcp/parameters/family') as f:
        return int(f.read())


def run(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


# --- namespaces -----------------------------------------------------------

def _setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f'setns {path}: {os.strerror(e)}')
    finally:
        os.close(fd)


@contextlib.contextmanager
def netns(name):
    """Runs the block (this thread) in netns name: sockets made there stay
    there, /proc/sys/net shows that namespace's values."""
    if name is None:
        yield
        return
    home = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        _setns(f'/run/netns/{name}')
        yield
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)


def veth_namespaces(na, nb, ifa, ifb, ipa, ipb):
    """Namespaces @na and @nb, made afresh and joined by a veth pair: @ifa
    in @na with @ipa/24, @ifb in @nb with @ipb/24, all up."""
    for n in (na, nb):
        run('ip', 'netns', 'del', n, check=False)
        run('ip', 'netns', 'add', n)
        run('ip', '-n', n, 'link', 'set', 'lo', 'up')
    run('ip', '-n', na, 'link', 'add', ifa, 'type', 'veth', 'peer', 'name',
        ifb, 'netns', nb)
    run('ip', '-n', na, 'addr', 'add', f'{ipa}/24', 'dev', ifa)
    run('ip', '-n', nb, 'addr', 'add', f'{ipb}/24', 'dev', ifb)
    run('ip', '-n', na, 'link', 'set', ifa, 'up')
    run('ip', '-n', nb, 'link', 'set', ifb, 'up')


def xtcp_socket(ns=None):
    """An xtcp stream socket, as a Python socket (its addresses are
    sockaddr_in, like AF_INET's)."""
    with netns(ns):
        fd = libc.socket(family(), socket.SOCK_STREAM, 0)
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, f'socket(AF_XTCP): {os.strerror(e)}')
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)


def tcp_socket(ns=None):
    with netns(ns):
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def mac(dev, ns=None):
    cmd = ['ip'] + (['-n', ns] if ns else []) + ['-j', 'link', 'show', dev]
    return json.loads(run(*cmd).stdout)[0]['address']


class Topo:
    """The veth link between init_net (A) and netns NS (B)."""

    def __init__(self):
        run('ip', 'netns', 'del', NS, check=False)
        run('ip', 'netns', 'add', NS)
        run('ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb',
            'netns', NS)
        run('ip', 'addr', 'add', f'{A_IP}/24', 'dev', 'va')
        run('ip', 'link', 'set', 'va', 'up')
        run('ip', '-n', NS, 'addr', 'add', f'{B_IP}/24', 'dev', 'vb')
        run('ip', '-n', NS, 'link', 'set', 'vb', 'up')
        run('ip', '-n', NS, 'link', 'set', 'lo', 'up')
        # One wire segment per TCP segment from the peer's kernel.
        run('ip', '-n', NS, 'link', 'set', 'vb', 'gso_max_segs', '1',
            check=False)
        self.mac_a, self.mac_b = mac('va'), mac('vb', NS)
        run('ip', 'neigh', 'replace', B_IP, 'lladdr', self.mac_b, 'dev', 'va',
            'nud', 'permanent')
        run('ip', '-n', NS, 'neigh', 'replace', A_IP, 'lladdr', self.mac_a,
            'dev', 'vb', 'nud', 'permanent')
        self.silent = False

    def silence(self, on):
        """Drop everything B's kernel sends (netem loss 100% on vb)."""
        if on == self.silent:
            return
        if on:
            run('tc', '-n', NS, 'qdisc', 'replace', 'dev', 'vb', 'root',
                'netem', 'loss', '100%')
        else:
            run('tc', '-n', NS, 'qdisc', 'del', 'dev', 'vb', 'root')
        self.silent = on

    def close(self):
        run('ip', 'netns', 'del', NS, check=False)
        run('ip', 'link', 'del', 'va', check=False)


# --- the wire ------------------------------------------------------------

FLAGBITS = ((2, 'S'), (1, 'F'), (4, 'R'), (8, 'P'), (32, 'U'), (16, '.'))


def flagstr(fl):
    return ''.join(c for b, c in FLAGBITS if fl & b)


class Capture(threading.Thread):
    """Every IPv4 TCP segment on vb (in netns NS), with the kernel's receive
    timestamp: 'out' = from A (xtcp's side) to B, 'in' = B's own that left
    (netem drops them before the tap)."""

    def __init__(self, ns=NS, dev='vb'):
        super().__init__(daemon=True)
        with netns(ns):
            # ETH_P_ALL: only such taps see what the device sends
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(0x0003))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind((dev, 0))
        self.segs, self.cond, self.stop = [], threading.Condition(), False
        self.start()

    def run(self):
        while not self.stop:
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            frame, anc, _, addr = self.sock.recvmsg(65600, 256)
            t = time.time()
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                    sec, ns = struct.unpack('qq', data[:16])
                    t = sec + ns / 1e9
            ip = frame[14:] if addr[3] == 1 else frame   # ARPHRD_ETHER
            if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
                continue
            ihl, total = (ip[0] & 15) * 4, struct.unpack('!H', ip[2:4])[0]
            tcp = ip[ihl:]
            sport, dport, seq, ack, off, fl, win = struct.unpack('!HHIIBBH', tcp[:16])
            seg = {'t': t, 'dir': 'in' if addr[2] == socket.PACKET_OUTGOING else 'out',
                   'src': f'{socket.inet_ntoa(ip[12:16])}:{sport}',
                   'dst': f'{socket.inet_ntoa(ip[16:20])}:{dport}',
                   'sport': sport, 'dport': dport, 'seq': seq, 'ack': ack,
                   'win': win, 'len': total - ihl - (off >> 4) * 4,
                   'flags': flagstr(fl), 'ttl': ip[8],
                   'df': bool(struct.unpack('!H', ip[6:8])[0] & 0x4000),
                   'tos': ip[1], 'opts': tcp[20:(off >> 4) * 4]}
            with self.cond:
                self.segs.append(seg)
                self.cond.notify_all()

    def clear(self):
        with self.cond:
            self.segs = []

    def get(self, pred=lambda s: True):
        with self.cond:
            return [s for s in self.segs if pred(s)]

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for s in self.segs:
                    if pred(s):
                        return s
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.1))

    def close(self):
        self.stop = True
        self.join(1)
        self.sock.close()


def tsopt(s):
    """A captured segment's Timestamps option: (TSval, TSecr) or None."""
    o, i = s['opts'], 0
    while i < len(o):
        if o[i] == 0:
            break
        if o[i] == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        if o[i] == 8 and o[i + 1] == 10 and i + 10 <= len(o):
            return struct.unpack('!II', o[i + 2:i + 10])
        i += o[i + 1]
    return None


def show(s):
    return (f"{s['src']} > {s['dst']} [{s['flags']}] seq={s['seq']} "
            f"ack={s['ack']} win={s['win']} len={s['len']}")


def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_segment(src, dst, sport, dport, seq, ack, flags, win=64240,
               payload=b'', mss=None, wscale=None, ts=None, sack=False,
               sacks=()):
    """An IPv4 packet holding a hand-made TCP segment, checksums filled in.
    flags: letters of FLAGBITS; ts: (TSval, TSecr) for a Timestamps option
    (RFC 7323); sack: a SACK-Permitted option (RFC 2018 2); sacks: (left,
    right) SACK blocks (RFC 2018 3)."""
    fl = 0
    for b, c in FLAGBITS:
        if c in flags:
            fl |= b
    opts = struct.pack('!BBH', 2, 4, mss) if mss else b''
    if wscale is not None:
        opts += struct.pack('!BBBB', 1, 3, 3, wscale)
    if ts is not None:
        opts += struct.pack('!BBBBII', 1, 1, 8, 10, ts[0] % 2**32, ts[1] % 2**32)
    if sack:
        opts += struct.pack('!BBBB', 1, 1, 4, 2)
    if sacks:
        opts += struct.pack('!BBBB', 1, 1, 5, 2 + 8 * len(sacks))
        for left, right in sacks:
            opts += struct.pack('!II', left % 2**32, right % 2**32)
    th = struct.pack('!HHIIBBHHH', sport, dport, seq % 2**32, ack % 2**32,
                     (20 + len(opts)) // 4 << 4, fl, win, 0, 0) + opts
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack('!BBH', 0, 6, len(th) + len(payload))
    c = _csum(pseudo + th + payload)
    th = th[:16] + struct.pack('!H', c) + th[18:]
    tot = 20 + len(th) + len(payload)
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, 0, 0x4000, 64, 6, 0, s, d)
    iph = iph[:10] + struct.pack('!H', _csum(iph)) + iph[12:]
    return iph + th + payload


class Injector:
    """Sends hand-made TCP segments from B to A straight to vb's driver
    (PACKET_QDISC_BYPASS: netem on vb does not see them)."""

    def __init__(self, topo):
        with netns(NS):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
        self.sock.bind(('vb', 0))
        self.eth = (bytes.fromhex(topo.mac_a.replace(':', '')) +
                    bytes.fromhex(topo.mac_b.replace(':', '')) + b'\x08\x00')

    def send(self, sport, dport, seq, ack, flags, src=B_IP, dst=A_IP, **kw):
        """A segment from @src to @dst: ip_segment()'s arguments."""
        self.sock.send(self.eth + ip_segment(src, dst, sport, dport, seq, ack,
                                             flags, **kw))

    def close(self):
        self.sock.close()


def tap_cases(plan, before=None):
    """Run @plan, (name, stack, case) triples, each case() returning
    (bad, notes), and print TAP: a case passes with nothing bad, an
    exception is its failure, and a case the kernel's TCP fails is
    reported as broken (it checks Linux's behaviour). @before(), if
    given, runs before each case."""
    print('TAP version 13')
    print(f'1..{len(plan)}')
    for i, (name, stack, case) in enumerate(plan, 1):
        if before:
            before()
        try:
            bad, notes = case()
        except Exception as e:      # noqa: BLE001 - a case's failure is its result
            bad, notes = [f'{type(e).__name__}: {e}'], []
        if stack == 'kernel' and bad:
            bad = ['the kernel\'s TCP fails this case: the case is broken'] + bad
        print(('ok' if not bad else 'not ok') + f' {i} {name}_{stack}')
        for line in bad + notes:
            print(f'# {line}')
        sys.stdout.flush()


def scripted_cases(cases, first_port, setup=None):
    """Run @cases, (name, case) pairs, each on the kernel's TCP and on
    xtcp against a scripted peer (the module's docstring draws it): each
    case(ctx, stack, port) gets ctx = (topo, cap, inj) and its own port,
    B's kernel unsilenced before each. @setup(topo) runs once first."""
    topo = Topo()
    if setup:
        setup(topo)
    cap = Capture()
    inj = Injector(topo)
    ports = iter(range(first_port, first_port + 10 * 2 * len(cases), 10))
    try:
        tap_cases([(n, st, lambda f=f, st=st, p=next(ports):
                    f((topo, cap, inj), st, p))
                   for n, f in cases for st in ('kernel', 'xtcp')],
                  before=lambda: topo.silence(False))
    finally:
        topo.silence(False)
        cap.close()
        inj.close()
        topo.close()


def rd(path):
    """A /proc or /sys file's contents, stripped."""
    with open(path) as f:
        return f.read().strip()


def wr(path, v):
    """Write @v to a /proc or /sys file."""
    with open(path, 'w') as f:
        f.write(f'{v}\n')


def stack_counters(stack):
    """The counters of a stack by Linux's names: the kernel's TCP's
    TcpExt line of /proc/net/netstat, or /proc/net/xtcp_stat."""
    path, tag = (('/proc/net/netstat', 'TcpExt:') if stack == 'kernel'
                 else ('/proc/net/xtcp_stat', 'Xtcp:'))
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.startswith(tag)]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


# --- xtcp's tracepoints ---------------------------------------------------

STAMP = re.compile(r'\s(\d+\.\d+):\s')
SEG = re.compile(r'xtcp_segment: sk=(\w+) (in|out) ([\d.]+:\d+) > ([\d.]+:\d+) '
                 r'\[([^\]]*)\] seq=(\d+) ack=(\d+) win=(\d+) len=(\d+) state=(\S+)')
XST = re.compile(r'xtcp_state: sk=(\w+) ([\d.]+:\d+) ([\d.]+:\d+) (\S+) -> (\S+)')
HRT = re.compile(r'hrtimer_expire_entry: hrtimer=\w+ function=(\S+)')


class Trace:
    """xtcp's events (and, if asked, hrtimer expiries), timestamped with
    CLOCK_MONOTONIC: the same clock as time.monotonic()."""

    def __init__(self):
        self.old_clock = re.search(r'\[(\w+)\]', open(f'{TRACE}/trace_clock').read()).group(1)
        self._w('trace_clock', 'mono')
        self._w('events/xtcp/enable', '1')
        self.hrtimers = False

    def _w(self, f, v):
        with open(f'{TRACE}/{f}', 'w') as fh:
            fh.write(v)

    def with_hrtimers(self, on):
        self._w('events/timer/hrtimer_expire_entry/enable', '1' if on else '0')
        self.hrtimers = on

    def clear(self):
        self._w('trace', '')

    def events(self):
        """[{'t', 'line', 'type': 'segment'|'state'|'hrtimer', ...}]"""
        out = []
        with open(f'{TRACE}/trace') as f:
            lines = f.read().splitlines()
        for n, line in enumerate(lines):
            m = STAMP.search(line)
            if not m:
                continue
            t = float(m.group(1))
            if (g := SEG.search(line)):
                out.append({'type': 'segment', 't': t, 'line': n, 'sk': g[1], 'io': g[2],
                            'src': g[3], 'dst': g[4], 'flags': g[5], 'seq': int(g[6]),
                            'ack': int(g[7]), 'win': int(g[8]), 'len': int(g[9]),
                            'state': g[10], 'text': line.strip()})
            elif (g := XST.search(line)):
                out.append({'type': 'state', 't': t, 'line': n, 'sk': g[1],
                            'local': g[2], 'remote': g[3], 'from': g[4], 'to': g[5],
                            'text': line.strip()})
            elif (g := HRT.search(line)):
                out.append({'type': 'hrtimer', 't': t, 'line': n, 'function': g[1],
                            'text': line.strip()})
        return out

    def states(self, local, remote):
        return [e for e in self.events() if e['type'] == 'state'
                and e['local'] == local and e['remote'] == remote]

    def wait_state(self, local, remote, old, new, timeout):
        end = time.monotonic() + timeout
        while True:
            for e in self.states(local, remote):
                if (old is None or e['from'] == old) and e['to'] == new:
                    return e
            if time.monotonic() >= end:
                return None
            time.sleep(0.05)

    def close(self):
        for f, v in (('events/xtcp/enable', '0'),
                     ('events/timer/hrtimer_expire_entry/enable', '0'),
                     ('trace_clock', self.old_clock)):
            try:
                self._w(f, v)
            except OSError:
                pass   # xtcp's events leave with the module


# --- tunables -------------------------------------------------------------

class Tunables:
    """Sets /proc/sys/net/xtcp values in init_net and puts every one back
    as it was on restore()."""

    def __init__(self):
        self.saved = {}

    @staticmethod
    def get(name, ns=None):
        with netns(ns):
            with open(f'{SYSCTL}/{name}') as f:
                return int(f.read())

    @staticmethod
    def put(name, value, ns=None):
        """Writes; returns 0 or the errno of the refusal."""
        with netns(ns):
            try:
                fd = os.open(f'{SYSCTL}/{name}', os.O_WRONLY)
            except OSError as e:
                return e.errno
            try:
                os.write(fd, f'{value}\n'.encode())
                return 0
            except OSError as e:
                return e.errno
            finally:
                os.close(fd)

    def set(self, **kw):
        for k, v in kw.items():
            if k not in self.saved:
                self.saved[k] = self.get(k)
            e = self.put(k, v)
            if e:
                raise OSError(e, f'{k}={v}: {os.strerror(e)}')

    def restore(self):
        for k, v in self.saved.items():
            try:
                self.put(k, v)
            except OSError:
                pass
        self.saved = {}


# --- misc -----------------------------------------------------------------

class Deadline(Exception):
    pass


@contextlib.contextmanager
def bounded(seconds, what):
    """Raises Deadline if the block (a blocking call) outlasts seconds."""
    def fire(*_):
        raise Deadline(f'{what}: still blocked after {seconds} s')
    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def connect_pair(port, server_stack='tcp', client_stack='xtcp', client_ns=None,
                 server_ns=NS, server_ip=B_IP, rcvbuf=None):
    """Listener in server_ns, client connects; returns (client, server,
    listener)."""
    mk = {'tcp': tcp_socket, 'xtcp': xtcp_socket}
    lst = mk[server_stack](server_ns)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    lst.bind((server_ip, port))
    lst.listen(4)
    cli = mk[client_stack](client_ns)
    cli.settimeout(5)
    cli.connect((server_ip, port))
    lst.settimeout(5)
    srv, _ = lst.accept()
    srv.settimeout(5)
    return cli, srv, lst


def intervals(times):
    return [b - a for a, b in zip(times, times[1:])]


def ms(x):
    return f'{x * 1000:.1f}'


ETIMEDOUT = errno.ETIMEDOUT
