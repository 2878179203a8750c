#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scripted-peer tests: each script in selftests/peer/ plays the far end of
one connection segment by segment, says what the stack under test must
send back and when, and makes the stack's system calls. Every script runs
first against the kernel's TCP, then against xtcp, in the same boot; a
script the kernel's TCP fails is a broken script, reported as such.

    netns "xpt": the stack under test, 192.0.2.1/24 on tun "xpt0"
    this process holds the tun's file: it is the peer, 192.0.2.2

A tun device has no peer kernel to silence and no offloads: what the stack
sends is read here one segment per packet, what the script sends is
written straight into the stack's receive path.

A script's lines (# begins a comment):

  TIME < FLAGS SEQ[:END] [ack N] [win N] [<OPTIONS>]  the peer sends
  TIME > FLAGS SEQ[:END] [ack N] [win N] [<OPTIONS>]  the stack must send
  TIME CALL [ARGS...] [= RESULT]                       a system call
  tolerance SECONDS                                    (default 0.025)

TIME is seconds from the start, or +S after the previous line happened
(its call began, its segment was sent, or the stack's arrived).
FLAGS are letters of S F R P U E W and "." for ACK, "." alone for none else;
a letter followed by "?" may be set or not (in a ">" line).
Sequence numbers are relative to the sender's ISN, acknowledgment numbers
and SACK blocks to the receiver's; SEQ:END gives END - SEQ bytes of text. OPTIONS are
comma-separated: mss N, wscale N, sackOK, TS val N ecr N, sack L:R ...,
nop. In a "<" line "ecr *" echoes the stack's last TSval. In a ">" line
"*" matches any value, an omitted "ack" or "win" is not checked, and
given OPTIONS must be exactly the ones sent, in that order (nop aside).

Each segment the stack sends must match the next ">" line, within the
tolerance of its time. One sent beyond them, up to the last line's time
and 0.1 s (or the tolerance) after, fails the script: a last line "wait"
watches longer.

Calls: wait, counter NAME (how far the stack's TcpExt counter NAME moved
since the script began), socket (one for the next listen or connect, to
set options on first), listen [BACKLOG], accept, connect, write N
[MSG_MORE|MSG_EOR|MSG_OOB...], read N (without waiting: "= EAGAIN", or
"= 0" at end of file), setsockopt NAME VALUE (TCP_* at SOL_TCP, SO_* at
SOL_SOCKET, an integer), shutdown,
close, nodelay, cork 0|1, rcvbuf N, sndbuf N, quickack, keepalive IDLE
INTVL CNT (SO_KEEPALIVE with those TCP_KEEP* values), sysctl NAME VALUE
(net.ipv4.tcp_NAME for the kernel's TCP, net.xtcp.NAME for xtcp, in the
stack's namespace, put back after the script). "= RESULT" is a
number or an errno name; without it a call must succeed (write and read:
all N bytes) or a counter stay where it was.
Runs inside UML, as root: peer_test.py [SCRIPT...] (default: all). TAP: one
case per script and stack.
"""
import errno
import fcntl
import glob
import os
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import (FLAGBITS, ip_segment, netns,  # noqa: E402
                         run, tap_cases, tcp_socket, xtcp_socket)
from xtcp_wire import parse_options  # noqa: E402

NS, DEV = 'xpt', 'xpt0'
STACK_IP, PEER_IP = '192.0.2.1', '192.0.2.2'
PEER_ISN = 1000000
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
M32 = 2**32
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'peer')


class ScriptError(Exception):
    pass


# --- the script -------------------------------------------------------------

def parse_opts(text):
    """'<mss 1460,sackOK,TS val 1 ecr 0>' as [(name, [values])]."""
    out = []
    for item in text.strip('<>').split(','):
        words = item.split()
        if not words:
            continue
        name = words[0].lower()
        if name == 'ts':
            vals = [words[words.index('val') + 1], words[words.index('ecr') + 1]]
        else:
            vals = words[1:]
        out.append((name, vals))
    return out


def parse_segment(words):
    """FLAGS SEQ[:END] [ack N] [win N] [<OPTIONS>] as a dict."""
    seg = {'flags': words[0], 'opts': None, 'ack': None, 'win': None}
    rest = ' '.join(words[1:])
    if '<' in rest:
        rest, o = rest.split('<', 1)
        seg['opts'] = parse_opts(o)
    w = rest.split()
    start, _, end = w[0].partition(':')
    seg['seq'] = int(start)
    seg['len'] = int(end) - int(start) if end else 0
    for k, v in zip(w[1::2], w[2::2]):
        if k not in ('ack', 'win'):
            raise ScriptError(f'unknown field {k!r}')
        seg[k] = None if v == '*' else int(v)
    return seg


def parse_script(path):
    """[(lineno, seconds, relative, kind, what)] and the tolerance; kind is
    '<', '>' or 'call'."""
    events, tol = [], 0.025
    for n, line in enumerate(open(path), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        w = line.split()
        if w[0] == 'tolerance':
            tol = float(w[1])
            continue
        rel = w[0].startswith('+')
        t = float(w[0][1:] if rel else w[0])
        if w[1] in '<>':
            events.append((n, t, rel, w[1], parse_segment(w[2:])))
        else:
            call, _, res = ' '.join(w[1:]).partition('=')
            events.append((n, t, rel, 'call', (call.split(), res.strip() or None)))
    return events, tol


# --- the tun device -----------------------------------------------------------

class Tun:
    """The peer's side of the tun: segments in, the stack's segments out,
    each stamped with time.monotonic() as it is read."""

    def __init__(self):
        run('ip', 'netns', 'del', NS, check=False)
        run('ip', 'netns', 'add', NS)
        with netns(NS):
            self.fd = os.open('/dev/net/tun', os.O_RDWR)
            fcntl.ioctl(self.fd, TUNSETIFF,
                        struct.pack('16sH', DEV.encode(), IFF_TUN | IFF_NO_PI))
        run('ip', '-n', NS, 'link', 'set', 'lo', 'up')
        run('ip', '-n', NS, 'addr', 'add', f'{STACK_IP}/24', 'dev', DEV)
        run('ip', '-n', NS, 'link', 'set', DEV, 'up')
        self.segs = []
        self.cv = threading.Condition()
        self.stop = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while not self.stop:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if not r:
                continue
            pkt = os.read(self.fd, 65536)
            t = time.monotonic()
            seg = parse_packet(pkt)
            if seg:
                seg['t'] = t
                with self.cv:
                    self.segs.append(seg)
                    self.cv.notify_all()

    def send(self, *args, **kw):
        os.write(self.fd, ip_segment(PEER_IP, STACK_IP, *args, **kw))

    def next(self, ports, deadline):
        """The first unread segment between @ports (stack's, peer's),
        waiting until @deadline (monotonic); None if none came."""
        with self.cv:
            while True:
                for s in self.segs:
                    if (s['sport'], s['dport']) == ports:
                        self.segs.remove(s)
                        return s
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def close(self):
        self.stop = True
        self.reader.join()
        os.close(self.fd)
        run('ip', 'netns', 'del', NS, check=False)


def parse_packet(pkt):
    """An IPv4 TCP packet from the stack as a dict, or None."""
    if len(pkt) < 40 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    tot = struct.unpack('!H', pkt[2:4])[0]
    th = pkt[ihl:tot]
    sport, dport, seq, ack, off, fl, win = struct.unpack('!HHIIBBH', th[:16])
    doff = (off >> 4) * 4
    return {'sport': sport, 'dport': dport, 'seq': seq, 'ack': ack,
            'flags': flagstr(fl), 'win': win, 'len': len(th) - doff,
            'opts': parse_options(th[20:doff]), 'ttl': pkt[8]}


# --- running a script -----------------------------------------------------------

def tcpext(stack):
    """@stack's TcpExt counters in the stack's namespace, by Linux's names:
    /proc/net/netstat's for the kernel's TCP, /proc/net/xtcp_snmp's for
    xtcp."""
    name = 'netstat' if stack == 'kernel' else 'xtcp_snmp'
    with netns(NS):
        with open(f'/proc/thread-self/net/{name}') as f:
            lines = [ln.split() for ln in f if ln.startswith('TcpExt:')]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


OPT_KIND = {'mss': 2, 'wscale': 3, 'sackok': 4, 'sack': 5, 'ts': 8}
# The stack's flags as a script writes them: ECE and CWR too (RFC 3168).
OUT_FLAGS = FLAGBITS + ((64, 'E'), (128, 'W'))
LATE = 1.0      # how long past its tolerance a segment is waited for


def flagstr(fl):
    return ''.join(c for b, c in OUT_FLAGS if fl & b)


class Run:
    """One script against one stack, on its own pair of ports."""

    def __init__(self, tun, stack, sport, pport, tol):
        self.tun, self.stack, self.tol = tun, stack, tol
        self.sport, self.pport = sport, pport
        self.isn = None             # the stack's
        self.tsval = 0              # the stack's last TSval
        self.lst = self.conn = self.new = None
        self.log = []               # what happened, for a failure's report
        self.restore = []           # (path, value) of sysctls changed
        self.t0 = time.monotonic()

    def rel(self, seg):
        """@seg with its numbers relative to the ISNs, as a script writes."""
        seq = (seg['seq'] - self.isn) % M32 if self.isn is not None else seg['seq']
        ack = (seg['ack'] - PEER_ISN) % M32
        s = f"{seg['flags'] or '.'} {seq}:{seq + seg['len']}"
        if '.' in seg['flags']:
            s += f' ack {ack}'
        s += f" win {seg['win']}"
        o = seg['opts']
        shown = [f'mss {o["mss"]}' if k == 2 else f'wscale {o["wscale"]}' if k == 3
                 else 'sackOK' if k == 4 else 'TS val %d ecr %d' % o['ts'] if k == 8
                 else 'sack ' + ' '.join(f'{(a - PEER_ISN) % M32}:{(b - PEER_ISN) % M32}'
                                         for a, b in o['sack']) if k == 5
                 else f'kind {k}' for k in o['kinds']]
        return s + (f" <{', '.join(shown)}>" if shown else '')

    # "<": the peer sends
    def inject(self, seg):
        if set(seg['flags']) - {c for _, c in FLAGBITS}:
            raise ScriptError(f"flags {seg['flags']!r}: the peer sends "
                              'only S F R P U .')
        kw = {'win': 65535 if seg['win'] is None else seg['win'],
              'payload': b'p' * seg['len']}
        for name, vals in seg['opts'] or []:
            if name == 'mss':
                kw['mss'] = int(vals[0])
            elif name == 'wscale':
                kw['wscale'] = int(vals[0])
            elif name == 'sackok':
                kw['sack'] = True
            elif name == 'ts':
                kw['ts'] = (int(vals[0]), self.tsval if vals[1] == '*' else int(vals[1]))
            elif name == 'sack':
                kw['sacks'] = [tuple(self.isn + int(x) for x in b.split(':'))
                               for b in vals]
            elif name != 'nop':
                raise ScriptError(f'unknown option {name!r}')
        ack = (self.isn or 0) + (seg['ack'] or 0)
        self.tun.send(self.pport, self.sport, PEER_ISN + seg['seq'], ack,
                      seg['flags'], **kw)

    # ">": the stack must send
    def expect(self, want, t):
        got = self.tun.next((self.sport, self.pport), t + self.tol + LATE)
        if got is None:
            raise ScriptError(f'expected {show_want(want)}, nothing was sent')
        if 'ts' in got['opts']:
            self.tsval = got['opts']['ts'][0]
        if 'S' in got['flags'] and self.isn is None:
            self.isn = (got['seq'] - want['seq']) % M32
        if self.isn is None:
            raise ScriptError(f'expected {show_want(want)}, got a segment '
                              'before any SYN from the stack')
        self.note(got['t'], f'> {self.rel(got)}')
        bad = self.mismatch(want, got)
        late = got['t'] - t
        if bad:
            raise ScriptError(f'expected {show_want(want)}, got {self.rel(got)}: {bad}')
        if late < -self.tol:
            raise ScriptError(f'{self.rel(got)} came {-late * 1000:.0f} ms early')
        if late > self.tol:
            raise ScriptError(f'{self.rel(got)} came {late * 1000:.0f} ms late')
        return got['t']

    def mismatch(self, want, got):
        optional = {c for c, q in zip(want['flags'], want['flags'][1:] + ' ')
                    if q == '?'}
        if set(got['flags']) - optional != set(want['flags']) - optional - {'?'}:
            return 'flags differ'
        if (got['seq'] - self.isn) % M32 != want['seq'] % M32:
            return 'sequence number differs'
        if got['len'] != want['len']:
            return 'length differs'
        if want['ack'] is not None and (got['ack'] - PEER_ISN) % M32 != want['ack']:
            return 'acknowledgment number differs'
        if want['win'] is not None and got['win'] != want['win']:
            return 'window differs'
        if want['opts'] is not None:
            return self.opts_mismatch(want['opts'], got['opts'])
        return None

    def opts_mismatch(self, want, got):
        if got.get('malformed'):
            return 'malformed options'
        names = [n for n, _ in want if n != 'nop']
        if [OPT_KIND.get(n, -1) for n in names] != got['kinds']:
            return 'options differ (or their order)'
        for name, vals in want:
            have = {'mss': lambda: [got['mss']], 'wscale': lambda: [got['wscale']],
                    'ts': lambda: list(got['ts']),
                    'sack': lambda: [f'{(a - PEER_ISN) % M32}:{(b - PEER_ISN) % M32}'
                                     for a, b in got['sack']]}.get(name)
            if not have:
                continue
            if len(vals) != len(have()):
                return f'option {name} differs'
            for w, h in zip(vals, have()):
                if w != '*' and str(w) != str(h):
                    return f'option {name} differs'
        return None

    # system calls
    def call(self, words, res):
        name, args = words[0], words[1:]
        sock = self.conn or self.lst or self.new
        try:
            got = self.do_call(name, args, sock)
        except OSError as e:
            got = errno.errorcode.get(e.errno, str(e.errno))
        want = res if res is not None else str(
            int(args[0]) if name in ('write', 'read') else 0)
        if str(got) != want:
            raise ScriptError(f'{" ".join(words)} returned {got}, not {want}')

    def do_call(self, name, args, sock):
        mk = tcp_socket if self.stack == 'kernel' else xtcp_socket
        if name == 'wait':
            return 0
        if name == 'keepalive':
            idle, intvl, cnt = (int(a) for a in args)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            return 0
        if name == 'sysctl':
            path = (f'/proc/sys/net/ipv4/tcp_{args[0]}' if self.stack == 'kernel'
                    else f'/proc/sys/net/xtcp/{args[0]}')
            with netns(NS):
                with open(path) as f:
                    self.restore.append((path, f.read().strip()))
                with open(path, 'w') as f:
                    f.write(args[1])
            return 0
        if name == 'counter':
            now = tcpext(self.stack).get(args[0])
            return 'absent' if now is None else now - self.counted.get(args[0], 0)
        if name == 'socket':
            self.new = mk(NS)
            return 0
        if name == 'setsockopt':
            level = socket.SOL_SOCKET if args[0].startswith('SO_') else socket.IPPROTO_TCP
            sock.setsockopt(level, getattr(socket, args[0]), int(args[1]))
            return 0
        if name == 'listen':
            self.lst, self.new = self.new or mk(NS), None
            self.lst.bind((STACK_IP, self.sport))
            self.lst.listen(int(args[0]) if args else 8)
            return 0
        if name == 'accept':
            self.lst.settimeout(1)
            self.conn, _ = self.lst.accept()
            self.conn.setblocking(False)
            return 0
        if name == 'connect':
            self.conn, self.new = self.new or mk(NS), None
            self.conn.bind((STACK_IP, self.sport))
            self.conn.setblocking(False)
            err = self.conn.connect_ex((PEER_IP, self.pport))
            if err not in (0, errno.EINPROGRESS):
                raise OSError(err, os.strerror(err))
            return 0
        if name == 'write':
            flags = 0
            for f in args[1].split('|') if args[1:] else ():
                flags |= getattr(socket, f)
            return sock.send(b'w' * int(args[0]), flags)
        if name == 'read':
            return len(sock.recv(int(args[0])))
        if name == 'shutdown':
            sock.shutdown(socket.SHUT_WR)
            return 0
        if name == 'close':
            sock.close()
            self.conn = None if sock is self.conn else self.conn
            return 0
        opt = {'nodelay': (socket.IPPROTO_TCP, socket.TCP_NODELAY),
               'cork': (socket.IPPROTO_TCP, socket.TCP_CORK),
               'quickack': (socket.IPPROTO_TCP, socket.TCP_QUICKACK),
               'rcvbuf': (socket.SOL_SOCKET, socket.SO_RCVBUF),
               'sndbuf': (socket.SOL_SOCKET, socket.SO_SNDBUF)}.get(name)
        if not opt:
            raise ScriptError(f'unknown call {name!r}')
        sock.setsockopt(*opt, int(args[0]) if args else 1)
        return 0

    def note(self, t, what):
        self.log.append(f'{t - self.t0:8.4f} {what}')

    def play(self, events):
        """Each line at its time: "+S" counts from when the line before it
        happened (its call began, its segment was sent or arrived), so
        a slow machine's lag is not charged to the stack."""
        self.counted = tcpext(self.stack)
        t0 = self.t0 = time.monotonic()
        base = t0
        for n, t, rel, kind, what in events:
            at = base + t if rel else t0 + t
            try:
                if kind == '>':
                    base = self.expect(what, at)
                    continue
                time.sleep(max(0, at - time.monotonic()))
                base = time.monotonic()
                self.note(base, f'{kind} line {n}')
                if kind == '<':
                    self.inject(what)
                else:
                    self.call(*what)
            except ScriptError as e:
                raise ScriptError(f'line {n}: {e}') from None
        extra = self.tun.next((self.sport, self.pport), base + max(self.tol, 0.1))
        if extra:
            self.note(extra['t'], f'> {self.rel(extra)}')
            raise ScriptError(f'after the last line: unexpected {self.rel(extra)}')

    def close(self):
        """Abort whatever is left, with a RST the peer ignores; put the
        sysctls back."""
        for s in (self.conn, self.lst, self.new):
            if s and s.fileno() >= 0:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                s.close()
        with netns(NS):
            for path, value in reversed(self.restore):
                with open(path, 'w') as f:
                    f.write(value)


def show_want(seg):
    s = f"{seg['flags']} {seg['seq']}:{seg['seq'] + seg['len']}"
    if seg['ack'] is not None:
        s += f" ack {seg['ack']}"
    return s


def main():
    tun = Tun()
    ports = iter(range(20000, 30000))
    plan = []
    for path in sorted(glob.glob(os.path.join(SCRIPTS, '*.pkt'))):
        name = os.path.basename(path)[:-4]
        if sys.argv[1:] and name not in sys.argv[1:]:
            continue
        events, tol = parse_script(path)
        for stack in ('kernel', 'xtcp'):
            def case(stack=stack, events=events, tol=tol, p=next(ports)):
                r = Run(tun, stack, p, p + 20000, tol)
                try:
                    r.play(events)
                except ScriptError as e:
                    return [str(e)], r.log
                finally:
                    r.close()
                return [], []
            plan.append((name, stack, case))
    try:
        tap_cases(plan)
    finally:
        tun.close()


if __name__ == '__main__':
    main()
