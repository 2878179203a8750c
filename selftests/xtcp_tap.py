# SPDX-License-Identifier: GPL-2.0
"""TAP for xtcp's Python selftests: one check() per case, a verdict at the
end, and xtcp sockets made through libc (Python cannot name the family)."""
import ctypes
import socket

_libc = ctypes.CDLL(None, use_errno=True)


class Tap:
    def __init__(self, plan):
        self.n = 0
        self.failed = 0
        print('TAP version 13')
        print(f'1..{plan}', flush=True)

    def check(self, name, ok, why=''):
        """One case; @why is printed as diagnostics (always, if given)."""
        self.n += 1
        print(('ok' if ok else 'not ok'), self.n, name, flush=True)
        if not ok:
            self.failed += 1
        for line in str(why).splitlines():
            print('#', line)

    def status(self):
        return 1 if self.failed else 0


def xtcp_family():
    with open('/sys/module/xtcp/parameters/family') as f:
        return int(f.read())


def xtcp_socket():
    """An xtcp stream socket, as a Python socket object (AF_INET to it)."""
    fd = _libc.socket(xtcp_family(), socket.SOCK_STREAM, 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), 'socket')
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fileno=fd)
