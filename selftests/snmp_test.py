#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""/proc/net/xtcp_snmp: the Tcp: lines of /proc/net/snmp (RFC 4022's MIB
as Linux keeps it) and the TcpExt: lines of /proc/net/netstat, for xtcp,
per namespace. The same connections run on the kernel's TCP and on xtcp
in the same boot, in a namespace of their own; each stack's counters
move by the same amounts:

  five connections        1000 bytes each way, the client closes first
  one reset               the server closes with SO_LINGER 0: the RST
                          ends two established connections (EstabResets
                          +2) and is one OutRsts
  one refused connect()   to a port the stack holds but nobody listens
                          on: AttemptFails +1, and the RST that refuses
                          it is one more OutRsts
                          (ActiveOpens +8 in all, PassiveOpens +7)
  one half-closed         the client closes, the server not yet: its
                          CLOSE-WAIT counts in CurrEstab (RFC 4022)
  then                    CurrEstab back where it began, no RetransSegs
                          and no InErrs; InSegs and OutSegs within a
                          third of the kernel's (the stacks ACK
                          differently); RtoAlgorithm, RtoMin, RtoMax and
                          MaxConn as Linux prints them

and the namespace the test did not use (init_net) sees none of it.
Runs inside UML, as root. TAP.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import netns, run, tcp_socket, xtcp_socket  # noqa: E402

NS = 'xsnmp'
MAKE = {'kernel': tcp_socket, 'xtcp': xtcp_socket}
EXACT = ('ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets',
         'CurrEstab', 'CurrEstabInCloseWait', 'RetransSegs', 'InErrs',
         'OutRsts', 'InCsumErrors')


def counters(stack, tag='Tcp:', ns=NS):
    """The @tag lines of a stack's file, in namespace @ns, as a dict."""
    path = '/proc/net/snmp' if stack == 'kernel' else '/proc/net/xtcp_snmp'
    if stack == 'kernel' and tag == 'TcpExt:':
        path = '/proc/net/netstat'
    with netns(ns):
        with open(path) as f:
            lines = [ln.split() for ln in f if ln.startswith(tag)]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def scenario(stack, port):
    """The connections of the docstring, with @stack's sockets in NS;
    returns CurrEstab while one server waits in CLOSE-WAIT."""
    mk = lambda: MAKE[stack](NS)    # noqa: E731
    lst = mk()
    lst.bind(('127.0.0.1', port))
    lst.listen(8)
    c = mk()
    c.connect(('127.0.0.1', port))
    s, _ = lst.accept()
    c.close()
    time.sleep(0.2)
    close_wait = counters(stack)['CurrEstab']
    s.close()
    for _ in range(5):
        c = mk()
        c.connect(('127.0.0.1', port))
        s, _ = lst.accept()
        c.sendall(b'x' * 1000)
        s.recv(1000, socket.MSG_WAITALL)
        s.sendall(b'y' * 1000)
        c.recv(1000, socket.MSG_WAITALL)
        c.close()
        s.recv(10)                  # the client's FIN
        s.close()
    c = mk()
    c.connect(('127.0.0.1', port))
    s, _ = lst.accept()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
    time.sleep(0.2)
    c.close()
    lst.close()
    # A port the stack holds (bound) but nobody listens on: the stack
    # itself refuses (a port neither holds is the kernel's TCP's to refuse)
    held = mk()
    held.bind(('127.0.0.1', port + 1))
    c = mk()
    try:
        c.connect(('127.0.0.1', port + 1))
    except ConnectionRefusedError:
        pass
    c.close()
    held.close()
    time.sleep(0.3)
    return close_wait


def main():
    run('ip', 'netns', 'del', NS, check=False)
    run('ip', 'netns', 'add', NS)
    run('ip', '-n', NS, 'link', 'set', 'lo', 'up')
    home = (counters('xtcp', ns=None)
            if os.path.exists('/proc/net/xtcp_snmp') else {})
    delta, static = {}, {}
    for stack, port in (('kernel', 7710), ('xtcp', 7720)):
        try:
            before = counters(stack)
            close_wait = scenario(stack, port)
            after = counters(stack)
            delta[stack] = {k: after[k] - before[k] for k in after}
            delta[stack]['CurrEstabInCloseWait'] = \
                close_wait - before['CurrEstab']
            static[stack] = {k: after[k] for k in
                             ('RtoAlgorithm', 'RtoMin', 'RtoMax', 'MaxConn')}
        except Exception as e:      # noqa: BLE001 - reported as failures
            delta[stack] = static[stack] = {}
            print(f'# {stack}: {type(e).__name__}: {e}')
    k, x = delta['kernel'], delta['xtcp']
    cases = [(name, name in k and name in x and k[name] == x[name],
              f'{name}: kernel {k.get(name)}, xtcp {x.get(name)}')
             for name in EXACT]
    cases += [(name, name in k and name in x and
               abs(x[name] - k[name]) <= k[name] / 3,
               f'{name}: kernel {k.get(name)}, xtcp {x.get(name)}')
              for name in ('InSegs', 'OutSegs')]
    cases.append(('static_fields', static['kernel'] == static['xtcp'] != {},
                  f'kernel {static["kernel"]}, xtcp {static["xtcp"]}'))
    now = counters('xtcp', ns=None) if home else {}
    del_home = home and now and now['ActiveOpens'] - home['ActiveOpens']
    cases.append(('other_namespace_untouched', bool(home) and del_home == 0,
                  f'init_net ActiveOpens moved by {del_home}'))
    try:
        ext = counters('xtcp', 'TcpExt:')
    except (OSError, IndexError) as e:
        ext = {}
        print(f'# TcpExt: {e}')
    cases.append(('tcpext_names', {'ListenOverflows', 'ListenDrops',
                                   'TCPTimeouts', 'DelayedACKs', 'TW',
                                   'SyncookiesSent'} <= set(ext),
                  f'TcpExt has {sorted(ext)[:8]}...'))
    print('TAP version 13')
    print(f'1..{len(cases)}')
    for i, (name, ok, note) in enumerate(cases, 1):
        print(('ok' if ok else 'not ok') + f' {i} {name}')
        print(f'# {note}')
    run('ip', 'netns', 'del', NS, check=False)


if __name__ == '__main__':
    main()
