#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tools/xtcp-ss next to ss: the same connection on the kernel's TCP
(listed by `ss -tanoi`) and on xtcp (listed by `tools/xtcp-ss -tanoi`),
in the same boot, on loopback: the server has 3000 bytes unread, the
client keepalive on and its data acknowledged, the listener a backlog
of 4. Each line must say what ss says: state words, Recv-Q and Send-Q
(a listener's: its accept queue and backlog), the keepalive timer,
and on the -i line the same options and window shifts and the same keys
(rto, rtt, ato, mss, cwnd); the state and port filters select as ss's.
Runs inside UML, as root. TAP.
"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import tcp_socket, xtcp_socket  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XSS = os.path.join(TOP, 'tools', 'xtcp-ss')


def setup(mk, port):
    lst = mk()
    lst.bind(('127.0.0.1', port))
    lst.listen(4)
    c = mk()
    c.connect(('127.0.0.1', port))
    s, _ = lst.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.sendall(b'x' * 3000)
    s.sendall(b'y' * 100)
    c.recv(100, socket.MSG_WAITALL)
    time.sleep(0.3)
    return lst, c, s


def lines(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[1:]


def entries(out):
    """(first line's fields, -i line's words) per socket."""
    res = []
    for ln in out:
        if ln.startswith('\t'):
            if res:
                res[-1][1].extend(ln.split())
        else:
            res.append((ln.split(), []))
    return res


def keys(words):
    return {w.split(':')[0] for w in words if ':' in w} | \
           {w for w in words if ':' not in w and w in ('ts', 'sack')}


def main():
    kp, xp = 7811, 7812
    ks = setup(tcp_socket, kp)
    xs = setup(xtcp_socket, xp)
    k = entries(lines(['ss', '-tanoi', f'( sport = :{kp} or dport = :{kp} )']))
    x = entries(lines([XSS, '-tanoi', 'sport', str(xp)]) +
                lines([XSS, '-tanoi', 'dport', str(xp)]))
    cases = []

    def find(ents, state, local_port):
        for f, w in ents:
            if f[0] == state and f[3].endswith(f':{local_port}'):
                return f, w
        return None, None

    for what, state, kport, xport in (('server', 'ESTAB', kp, xp),
                                      ('listener', 'LISTEN', kp, xp)):
        kf, _ = find(k, state, kport)
        xf, _ = find(x, state, xport)
        ok = kf is not None and xf is not None and kf[1:3] == xf[1:3]
        cases.append((f'{what}_line', ok, f'ss {kf}, xtcp-ss {xf}'))
    kcf = next((e for e in k if e[0][0] == 'ESTAB' and
                e[0][4].endswith(f':{kp}')), (None, []))
    xcf = next((e for e in x if e[0][0] == 'ESTAB' and
                e[0][4].endswith(f':{xp}')), (None, []))
    ktimer = kcf[0] and [t for t in kcf[0] if t.startswith('timer:')]
    xtimer = xcf[0] and [t for t in xcf[0] if t.startswith('timer:')]
    cases.append(('client_keepalive_timer', bool(ktimer) and ktimer == xtimer,
                  f'ss {ktimer}, xtcp-ss {xtimer}'))
    want = {'ts', 'sack', 'wscale', 'rto', 'rtt', 'ato', 'mss', 'cwnd'}
    kk, xk = keys(kcf[1]) & want, keys(xcf[1]) & want
    cases.append(('info_keys', kk == want and xk == want,
                  f'ss has {sorted(kk)}, xtcp-ss {sorted(xk)}'))
    kws = [w for w in kcf[1] if w.startswith('wscale:')]
    xws = [w for w in xcf[1] if w.startswith('wscale:')]
    cases.append(('info_wscale', bool(kws) and kws == xws,
                  f'ss {kws}, xtcp-ss {xws}'))
    est = entries(lines([XSS, '-tan', 'state', 'established', 'sport',
                         str(xp)]))
    cases.append(('state_filter', [e[0][0] for e in est] == ['ESTAB'],
                  f'state established sport {xp}: {[e[0][0] for e in est]}'))
    lis = entries(lines([XSS, '-l', 'sport', str(xp)]))
    cases.append(('listen_filter', [e[0][0] for e in lis] == ['LISTEN'],
                  f'-l sport {xp}: {[e[0][0] for e in lis]}'))
    bad = subprocess.run([XSS, 'state', 'nosuch'], capture_output=True)
    cases.append(('bad_state_refused', bad.returncode != 0,
                  f'exit {bad.returncode}'))
    print('TAP version 13')
    print(f'1..{len(cases)}')
    for i, (name, ok, note) in enumerate(cases, 1):
        print(('ok' if ok else 'not ok') + f' {i} {name}')
        print('# ' + re.sub(r'\s+', ' ', note))
    for group in (ks, xs):
        for sock in group:
            sock.close()


if __name__ == '__main__':
    main()
