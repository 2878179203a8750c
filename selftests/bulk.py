#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bulk transfer peer for selftests/interop_test.sh.

Both directions at once on one connection: one thread sends FILE and then
shuts down its write side (our FIN), the other reads until EOF (the peer's
FIN) and hashes what arrived. Prints "sent=N recv=N sha256=HEX" and exits 0
only if the whole file went out, EOF was seen and close() succeeded. The
sockets are AF_INET: run through tools/xtcp-run for an xtcp peer.

  bulk.py server ADDR PORT FILE [READY_FILE]   accept one connection
  bulk.py client ADDR PORT FILE                connect (retrying until up)

  --stall S (before the mode): give up (exit 3) once S seconds pass with
  nothing sent or received, to tell a stuck transfer from a slow one.

  bulk.py httpd ADDR PORT DIR [READY_FILE]     HTTP PUT /NAME stores DIR/NAME
                                               (one request, then exits)
"""
import hashlib
import http.server
import os
import socket
import sys
import threading
import time

CHUNK = 256 * 1024


def ready(path):
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(path + ".tmp", path)


STALL = None		# --stall: seconds without progress before giving up


def watchdog(progress):
    """Exit 3 once STALL seconds pass without progress["t"] moving."""
    while True:
        time.sleep(min(1.0, STALL))
        if time.monotonic() - progress["t"] > STALL:
            print("error: nothing sent or received for %g s (sent %d, received %d bytes)"
                  % (STALL, progress["sent"], progress["recv"]), file=sys.stderr, flush=True)
            os._exit(3)


def transfer(sock, path):
    result = {}
    progress = {"t": time.monotonic(), "sent": 0, "recv": 0}

    def sender():
        n = 0
        try:
            with open(path, "rb") as f:
                while True:
                    buf = f.read(CHUNK)
                    if not buf:
                        break
                    sock.sendall(buf)
                    n += len(buf)
                    progress.update(t=time.monotonic(), sent=n)
            sock.shutdown(socket.SHUT_WR)
            result["sent"] = n
        except OSError as e:
            result["send_err"] = "send after %d bytes: %s" % (n, e)

    if STALL:
        threading.Thread(target=watchdog, args=(progress,), daemon=True).start()
    t = threading.Thread(target=sender)
    t.start()
    h = hashlib.sha256()
    n = 0
    err = None
    try:
        while True:
            buf = sock.recv(CHUNK)
            if not buf:
                break		# EOF: the peer's FIN
            h.update(buf)
            n += len(buf)
            progress.update(t=time.monotonic(), recv=n)
    except OSError as e:
        err = "recv after %d bytes: %s" % (n, e)
    t.join()
    try:
        sock.close()
    except OSError as e:
        err = err or "close: %s" % e
    err = err or result.get("send_err")
    print("sent=%s recv=%d sha256=%s" % (result.get("sent", "?"), n, h.hexdigest()))
    if err:
        print("error: " + err, file=sys.stderr)
        return 1
    return 0


def server(addr, port, path, readyfile=None):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1)
    ready(readyfile)
    s, _ = ls.accept()
    ls.close()
    return transfer(s, path)


def client(addr, port, path):
    deadline = time.monotonic() + 20
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect((addr, int(port)))
            break
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    return transfer(s, path)


class PutHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        name = os.path.basename(self.path)
        left = int(self.headers["Content-Length"])
        with open(os.path.join(self.server.dir, name), "wb") as f:
            while left > 0:
                buf = self.rfile.read(min(left, CHUNK))
                if not buf:
                    break
                f.write(buf)
                left -= len(buf)
        code = 201 if left == 0 else 400
        body = b"stored\n" if left == 0 else b"short body\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.server.ok = left == 0

    def log_message(self, *args):
        pass


def httpd(addr, port, path, readyfile=None):
    srv = http.server.HTTPServer((addr, int(port)), PutHandler)
    srv.dir = path
    srv.ok = False
    ready(readyfile)
    srv.handle_request()
    srv.server_close()
    return 0 if srv.ok else 1


if __name__ == "__main__":
    modes = {"server": server, "client": client, "httpd": httpd}
    if len(sys.argv) > 2 and sys.argv[1] == "--stall":
        STALL = float(sys.argv[2])
        del sys.argv[1:3]
    if len(sys.argv) < 5 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    sys.exit(modes[sys.argv[1]](*sys.argv[2:]))
