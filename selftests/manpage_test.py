#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tools/xtcp.7 against the running module: the page renders without a
warning (man -l, groff -ww), and every tunable in /proc/sys/net/xtcp, every
xtcp file in /proc/net, every tracepoint in events/xtcp and every SOL_TCP
option the module accepts (getsockopt() on an xtcp socket, option numbers
1 to 37 of <linux/tcp.h>) is documented, and no option is documented as
supported that the module refuses. Runs inside UML, as root. TAP.
"""
import ctypes
import errno
import os
import re
import socket
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = f'{TOP}/tools/xtcp.7'
FAMILY = int(open('/sys/module/xtcp/parameters/family').read())
libc = ctypes.CDLL(None, use_errno=True)


def source():
    """The page's roff, its comment lines left out."""
    with open(PAGE) as f:
        return ''.join(ln for ln in f if not ln.startswith('.\\"'))


def section(text, start, end):
    """The lines from the one that begins with @start to the next @end."""
    m = re.search(rf'^{re.escape(start)}.*?$(.*?)^{re.escape(end)}', text, re.M | re.S)
    return m.group(1) if m else ''


def renders():
    bad = []
    r = subprocess.run(['man', '-l', PAGE], capture_output=True, text=True,
                       env=dict(os.environ, MANPAGER='cat', MANWIDTH='80', LC_ALL='C.UTF-8'))
    if r.returncode != 0 or 'xtcp' not in r.stdout:
        bad.append(f'man -l: exit {r.returncode}: {r.stderr.strip()[:200]}')
    r = subprocess.run(['groff', '-man', '-Tutf8', '-ww', '-z', PAGE],
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        bad.append(f'groff -ww: {r.stderr.strip()[:400]}')
    return bad


def documented(names, text, what):
    return [f'{what} {n} is not in the page' for n in sorted(names)
            if not re.search(rf'(?<![\w.]){re.escape(n)}(?![\w])', text)]


def tunables():
    """Both ways: every tunable there is documented, every one documented
    (the italic names heading each entry) is there."""
    names = set(os.listdir('/proc/sys/net/xtcp'))
    if len(names) < 20:
        return [f'only {len(names)} tunables in /proc/sys/net/xtcp']
    text = section(source(), '.SS Tunables', '.SS Status')
    heads = re.findall(r'^\.TP\n\.IR? (.*)$', text, re.M)
    claimed = {n for h in heads for n in re.findall(r'(?<![\w(])([a-z][a-z0-9_]+)(?=[" ,]|$)',
                                                     h.split('(')[0])}
    return documented(names, text, 'tunable') + [
        f'tunable {n} is documented but not in /proc/sys/net/xtcp'
        for n in sorted(claimed - names)]


def proc_files():
    names = {f'/proc/net/{n}' for n in os.listdir('/proc/net') if n.startswith('xtcp')}
    if len(names) < 3:
        return [f'xtcp files in /proc/net: {sorted(names)}']
    return documented(names, section(source(), '.SS Status', '.SH TRACEPOINTS'), 'file')


def tracepoints():
    d = '/sys/kernel/tracing/events/xtcp'
    names = {n for n in os.listdir(d) if os.path.isdir(f'{d}/{n}')}
    if not names:
        return ['no tracepoints in events/xtcp']
    return documented(names, section(source(), '.SH TRACEPOINTS', '.SH PRELOAD'), 'tracepoint')


def tcp_options():
    """Option name -> number, 1 to 37, from <linux/tcp.h>."""
    with open('/usr/include/linux/tcp.h') as f:
        opts = {m.group(1): int(m.group(2)) for m in
                re.finditer(r'^#define\s+(TCP_\w+)\s+(\d+)\b', f.read(), re.M)}
    # not options: TCP_INQ's control message, TCP_REPAIR's values
    return {n: v for n, v in opts.items() if 1 <= v <= 37 and n != 'TCP_CM_INQ'
            and not re.match(r'TCP_REPAIR_O(N|FF)', n)}


def options():
    fd = libc.socket(FAMILY, socket.SOCK_STREAM, 0)
    if fd < 0:
        return [f'socket(AF_XTCP): errno {ctypes.get_errno()}']
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)
    accepted = set()
    for name, num in tcp_options().items():
        try:
            s.getsockopt(socket.IPPROTO_TCP, num, 512)
            accepted.add(name)
        except OSError as e:
            if e.errno != errno.ENOPROTOOPT:
                accepted.add(name)  # known, if not for this socket's state
    s.close()
    sol = section(source(), '.SS SOL_TCP', '.SS SOL_SOCKET')
    # Each .TP entry: its heading line, then its text.
    entries = re.findall(r'^\.TP\n(.*?)\n(.*?)(?=^\.TP|^\.PP|\Z)', sol, re.M | re.S)
    claimed, refused = set(), set()
    for head, body in entries:
        for n in re.findall(r'TCP_\w+', head):
            (refused if 'Not supported' in body else claimed).add(n)
    bad = [f'{n} is accepted but not documented' for n in sorted(accepted - claimed)]
    bad += [f'{n} is documented but refused (ENOPROTOOPT)' for n in sorted(claimed - accepted)]
    bad += [f'{n} is documented as refused but accepted' for n in sorted(refused & accepted)]
    if len(accepted) < 10:
        bad.append(f'only {sorted(accepted)} accepted')
    return bad


CASES = [('renders without warnings', renders), ('every tunable', tunables),
         ('every /proc/net file', proc_files), ('every tracepoint', tracepoints),
         ('every SOL_TCP option, and only those', options)]


def main():
    print('TAP version 13')
    print(f'1..{len(CASES)}')
    failed = 0
    for i, (name, fn) in enumerate(CASES, 1):
        try:
            bad = fn()
        except Exception as e:      # noqa: BLE001 - the case's failure
            bad = [f'{type(e).__name__}: {e}']
        print(f'{"not ok" if bad else "ok"} {i} {name}')
        for line in bad:
            print(f'# {line}')
        failed += bool(bad)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
