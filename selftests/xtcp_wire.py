# SPDX-License-Identifier: GPL-2.0
"""Helpers for selftests/options_test.py and flow_test.py: a tcpdump
capture on the veth of xtcp_timers.Topo, read back segment by segment with
the TCP options decoded, tcpdump's own lines for the diagnostics, netem on
either end of the link, namespace sysctls, and a bulk transfer checked by
its SHA-256. Runs inside UML, as root.

    init_net                                  netns "xtb"
    va 198.51.100.1/24  <------ veth ------>     vb 198.51.100.2/24
    netem here: A's segments                  netem here: B's segments
                                              tcpdump -i vb (after B's
                                              netem, before A's arrive)

The capture sits on vb: B's segments are seen after B's qdisc (what netem
let through), A's as they arrive. Seen from there, a segment either end
sends comes after everything that end had received when it sent it, so
"X echoes/acknowledges something seen before" is a sound check for both.
"""
import hashlib
import os
import random
import select
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

from xtcp_timers import NS, netns, run

M32 = 2**32


def seq_lt(a, b):
    return a != b and (b - a) % M32 < 2**31


def seq_le(a, b):
    return a == b or seq_lt(a, b)


def seq_diff(a, b):
    """a - b as a signed 32-bit sequence distance."""
    d = (a - b) % M32
    return d - M32 if d >= 2**31 else d


# --- capture ----------------------------------------------------------------

def parse_options(b):
    """TCP options: {'mss', 'wscale', 'sackok', 'ts': (val, ecr), 'sack':
    [(left, right)...], 'kinds': [kind...]}."""
    o = {'kinds': []}
    i = 0
    while i < len(b):
        k = b[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2 or i + b[i + 1] > len(b):
            o['malformed'] = True
            break
        n = b[i + 1]
        v = b[i + 2:i + n]
        o['kinds'].append(k)
        if k == 2 and n == 4:
            o['mss'] = struct.unpack('!H', v)[0]
        elif k == 3 and n == 3:
            o['wscale'] = v[0]
        elif k == 4 and n == 2:
            o['sackok'] = True
        elif k == 5 and (n - 2) % 8 == 0:
            o['sack'] = [struct.unpack('!II', v[j:j + 8]) for j in range(0, n - 2, 8)]
        elif k == 8 and n == 10:
            o['ts'] = struct.unpack('!II', v)
        i += n
    return o


FLAGBITS = ((2, 'S'), (1, 'F'), (4, 'R'), (8, 'P'), (32, 'U'), (16, '.'))


def read_pcap(path):
    """Every IPv4 TCP segment of a pcap file (Ethernet), in order."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack('<I', data[:4])[0]
    endian, nano = {0xa1b2c3d4: ('<', False), 0xa1b23c4d: ('<', True),
                    0xd4c3b2a1: ('>', False), 0x4d3cb2a1: ('>', True)}[magic]
    off, segs, n = 24, [], 0
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        idx = n
        n += 1
        if len(frame) < 14 + 20 or frame[12:14] != b'\x08\x00':
            continue
        ip = frame[14:]
        if ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
            continue
        ihl, total = (ip[0] & 15) * 4, struct.unpack('!H', ip[2:4])[0]
        tcp = ip[ihl:]
        if len(tcp) < 20:
            continue
        sport, dport, sq, ack, doff, fl, win = struct.unpack('!HHIIBBH', tcp[:16])
        hl = (doff >> 4) * 4
        segs.append({
            'i': idx, 't': sec + frac / (1e9 if nano else 1e6),
            'src': socket.inet_ntoa(ip[12:16]), 'dst': socket.inet_ntoa(ip[16:20]),
            'sport': sport, 'dport': dport, 'seq': sq, 'ack': ack, 'win': win,
            'flags': ''.join(c for b, c in FLAGBITS if fl & b),
            'len': total - ihl - hl, 'opts': parse_options(tcp[20:hl])})
    return segs


class Tcpdump:
    """tcpdump -i DEV in netns NS, into a temporary pcap file, from start
    (it returns once tcpdump listens) to stop(); then segs holds what it
    saw and lines(i...) tcpdump's own rendering of frames i..."""

    def __init__(self, filt, ns=NS, dev='vb', snaplen=160):
        fd, self.path = tempfile.mkstemp(prefix='xtcp-wire.', suffix='.pcap')
        os.close(fd)
        cmd = (['ip', 'netns', 'exec', ns] if ns else []) + [
            'tcpdump', '-Z', 'root', '-i', dev, '-nn', '-U', '--immediate-mode', '-s', str(snaplen),
            '-w', self.path, filt]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.segs, self._text = [], None
        end = time.monotonic() + 10
        err = b''
        while time.monotonic() < end:
            if not select.select([self.proc.stderr], [], [], 0.2)[0]:
                if self.proc.poll() is not None:
                    break
                continue
            line = self.proc.stderr.readline()
            err += line
            if b'listening on' in line or not line:
                break
        if b'listening on' not in err:
            self.proc.kill()
            raise RuntimeError(f'tcpdump did not start: {err.decode(errors="replace")}')

    def stop(self, settle=0.3):
        time.sleep(settle)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.segs = read_pcap(self.path)
        return self.segs

    def lines(self, idxs):
        """tcpdump -r's line for each frame index in idxs."""
        if self._text is None:
            r = subprocess.run(['tcpdump', '-nn', '-S', '-tt', '-r', self.path],
                               capture_output=True, text=True)
            self._text = r.stdout.splitlines()
        return [self._text[i] for i in idxs if i < len(self._text)]

    def excerpt(self, segs, limit=12):
        """tcpdump's lines for these segments (the first @limit of them)."""
        out = self.lines([s['i'] for s in segs[:limit]])
        if len(segs) > limit:
            out.append(f'... {len(segs) - limit} more')
        return out

    def around(self, seg, before=4, after=4):
        """tcpdump's lines for the frames around one segment."""
        i = seg['i']
        return [('>> ' if j == i else '   ') + ln for j, ln in
                zip(range(max(0, i - before), i + after + 1),
                    self.lines(range(max(0, i - before), i + after + 1)))]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def show(s):
    o = s['opts']
    extra = []
    if 'mss' in o:
        extra.append(f"mss {o['mss']}")
    if o.get('sackok'):
        extra.append('sackOK')
    if 'ts' in o:
        extra.append('TS val %d ecr %d' % o['ts'])
    if 'wscale' in o:
        extra.append(f"wscale {o['wscale']}")
    if 'sack' in o:
        extra.append('sack ' + ' '.join(f'{l}:{r}' for l, r in o['sack']))
    return (f"{s['t']:.6f} {s['src']}.{s['sport']} > {s['dst']}.{s['dport']} "
            f"[{s['flags']}] seq {s['seq']} ack {s['ack']} win {s['win']} "
            f"len {s['len']} [{', '.join(extra)}]")


class Conn:
    """One connection of a capture, seen from the two ends: a (the side
    whose address is a_ip) and b. Knows each side's SYN options and so
    the window shifts in force (RFC 7323 2.2: only if both SYNs had one)."""

    def __init__(self, segs, a_ip):
        self.a_ip = a_ip
        self.segs = segs
        syn_a = next((s for s in segs if 'S' in s['flags'] and s['src'] == a_ip), None)
        syn_b = next((s for s in segs if 'S' in s['flags'] and s['src'] != a_ip), None)
        self.syn = {'a': syn_a, 'b': syn_b}
        ws_ok = (syn_a and syn_b and 'wscale' in syn_a['opts'] and
                 'wscale' in syn_b['opts'])
        self.ws = {'a': syn_a['opts']['wscale'] if ws_ok else 0,
                   'b': syn_b['opts']['wscale'] if ws_ok else 0}

    def side(self, s):
        return 'a' if s['src'] == self.a_ip else 'b'

    def of(self, side):
        return [s for s in self.segs if self.side(s) == side]

    def window(self, s):
        """The window s advertises, in bytes (SYNs are never scaled)."""
        return s['win'] if 'S' in s['flags'] else s['win'] << self.ws[self.side(s)]


def window_overruns(conn, sender):
    """Data segments of @sender that reach beyond the right edge the other
    end had advertised in anything seen before them (the most generous
    such edge, so only a real overrun is reported); a 1-byte probe of a
    zero window (RFC 9293 3.8.6.1) is allowed. Returns (problems, the
    largest flight seen, in bytes)."""
    bad, edge, una, flight = [], None, None, 0
    for s in conn.segs:
        if conn.side(s) != sender:
            if '.' in s['flags'] and 'R' not in s['flags']:
                e = (s['ack'] + conn.window(s)) % M32
                edge = e if edge is None or seq_lt(edge, e) else edge
                una = s['ack'] if una is None or seq_lt(una, s['ack']) else una
            continue
        if not s['len'] or 'S' in s['flags'] or edge is None:
            continue
        end = (s['seq'] + s['len']) % M32
        flight = max(flight, seq_diff(end, una))
        if seq_lt(edge, end):
            if s['len'] == 1 and s['seq'] == edge:
                continue        # a zero-window probe
            bad.append((s, seq_diff(end, edge)))
    return bad, flight


# --- link and namespace settings ------------------------------------------

def netem(side, spec):
    """netem on A's end (va, init_net) or B's (vb, netns NS); spec None
    removes it. spec is tc's words: 'delay 20ms reorder 25% 50%'."""
    pre = [] if side == 'a' else ['-n', NS]
    dev = 'va' if side == 'a' else 'vb'
    if spec is None:
        run('tc', *pre, 'qdisc', 'del', 'dev', dev, 'root', check=False)
    else:
        run('tc', *pre, 'qdisc', 'replace', 'dev', dev, 'root', 'netem', *spec.split())


def sysctl(path, value=None, ns=None):
    """Reads (value None) or writes /proc/sys/PATH in netns ns; a write
    returns the old value."""
    with netns(ns):
        with open(f'/proc/sys/{path}') as f:
            old = f.read().strip()
        if value is not None:
            with open(f'/proc/sys/{path}', 'w') as f:
                f.write(f'{value}\n')
    return old


def rcv_wscale_for(space):
    """RFC 7323 2.3 as Linux and xtcp compute it: the smallest shift that
    lets 65535 cover space bytes, at most 14."""
    ws = 0
    while space > 65535 and ws < 14:
        space >>= 1
        ws += 1
    return ws


# --- transfers ------------------------------------------------------------

def payload(n, seed):
    return random.Random(seed).randbytes(n)


def transfer(a, b, n_ab, n_ba=0, timeout=60, seed=1):
    """n_ab random bytes a -> b and n_ba b -> a at the same time; each
    sender shuts its side down when done, each reader reads to the end.
    Returns a list of problems (empty: both arrived intact)."""
    bad = []

    def pump(src, dst, n, name, s):
        data = payload(n, s)
        got = hashlib.sha256()
        count = 0
        res = {}

        def send():
            try:
                src.sendall(data)
                src.shutdown(socket.SHUT_WR)
            except OSError as e:
                res['send'] = e
        th = threading.Thread(target=send, daemon=True)
        th.start()
        end = time.monotonic() + timeout
        try:
            while time.monotonic() < end:
                chunk = dst.recv(262144)
                if not chunk:
                    break
                got.update(chunk)
                count += len(chunk)
        except OSError as e:
            res['recv'] = e
        th.join(max(0.1, end - time.monotonic()))
        if 'send' in res or th.is_alive():
            res['bad'] = f"{name}: sender: {res.get('send', 'still blocked')}"
        elif 'recv' in res:
            res['bad'] = f"{name}: receiver: {res['recv']} after {count} bytes"
        elif count != n or got.digest() != hashlib.sha256(data).digest():
            res['bad'] = (f'{name}: {count} of {n} bytes arrived, SHA-256 '
                          + ('differs' if count == n else 'not compared'))
        results.append(res)

    results = []
    for s in (a, b):
        s.settimeout(timeout)
    ths = [threading.Thread(target=pump, args=(a, b, n_ab, 'a->b', seed), daemon=True)]
    if n_ba:
        ths.append(threading.Thread(target=pump, args=(b, a, n_ba, 'b->a', seed + 1),
                                    daemon=True))
    else:
        b.shutdown(socket.SHUT_WR)
    for th in ths:
        th.start()
    for th in ths:
        th.join(timeout + 5)
        if th.is_alive():
            bad.append('transfer did not finish')
    bad += [r['bad'] for r in results if 'bad' in r]
    return bad
