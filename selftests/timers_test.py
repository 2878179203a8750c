#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xtcp's timers, each observed on the wire with its tunable shortened.
Runs inside UML, as root; the topology (a veth pair to netns "xtb", where a
"silent" peer's kernel has every segment it sends dropped by netem) and the
tools are in selftests/xtcp_timers.py.

  synack_retries  RFC 9293 3.8.1 / RFC 6298 5.5: a half-open child resends
                  its SYN-ACK synack_retries times, the RTO doubling each
                  time, then is dropped (CLOSED) without a RST.
  syn_retries     the same for connect(): syn_retries SYNs, then ETIMEDOUT
                  (with syn_linear_timeouts 0).
  TIME-WAIT       3.6.1: 2 MSL, no less; 3.10.7.4 (eighth, TIME-WAIT): a
                  retransmitted FIN is acknowledged again and the 2 MSL
                  timeout restarts.
  FIN-WAIT-2      an orphan waits fin_timeout for the peer's FIN (Linux).
  keepalive       3.8.4 (MUST-24..27, MAY-5): off by default; once idle,
                  probes <SEQ=SND.UNA-1><CTL=ACK> without data every
                  interval; after the count unanswered, RST and ETIMEDOUT
                  (Linux: TCP_KEEPIDLE/INTVL/CNT, tcp_keepalive_*).
  persist         3.8.6.1 (MUST-35..37): a zero window is probed, with
                  backoff, for as long as it stays shut.
  delayed ACK     3.8.6.3 (MUST-40, SHLD-18/19): an ACK is delayed at most
                  delack_ms, but every second full-sized segment is ACKed
                  at once; TCP_QUICKACK 1 sends the ACK owed at once.
  tunables        per namespace, defaults in a new one, EINVAL outside the
                  range keeps the old value.
  unload          rmmod is refused while a process holds an xtcp socket and
                  succeeds once none does, orphans still timing.

Timing checks are counts and orders (each backoff interval longer than the
one before), plus "not before" lower bounds that no slow machine can break
(a timer never fires early); measured times are reported as '# ' lines.
"""
import gc
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xtcp_timers import (A_IP, B_IP, NS, TCP_KEEPCNT, TCP_KEEPIDLE,  # noqa: E402
                         TCP_KEEPINTVL, TCP_QUICKACK, Capture, Deadline,
                         ETIMEDOUT, Injector, Topo, Trace, Tunables, bounded,
                         connect_pair, intervals, mac, ms, netns, run, show,
                         tcp_socket, xtcp_socket)

SLACK = 0.002     # clock read-out granularity allowed on "not before" checks
M32 = 2**32


class Ctx:
    def __init__(self):
        self.topo = Topo()
        self.cap = Capture()
        self.inj = Injector(self.topo)
        self.trace = Trace()
        self.tun = Tunables()
        self.socks = []

    def keep(self, *socks):
        self.socks += socks
        return socks

    def close_socks(self):
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.socks = []
        gc.collect()

    def reset(self):
        """Between cases: the peer talks again, the wire and trace are empty."""
        self.topo.silence(False)
        self.trace.with_hrtimers(False)
        self.tun.restore()
        self.cap.clear()
        self.trace.clear()


def addr(s, peer=False):
    return '%s:%d' % (s.getpeername() if peer else s.getsockname())


def exchange(cli, srv, a=b'ping', b=b'pong'):
    cli.sendall(a)
    got = b''
    while len(got) < len(a):
        got += srv.recv(100)
    srv.sendall(b)
    got = b''
    while len(got) < len(b):
        got += cli.recv(100)


def order_increasing(iv):
    return all(b > a for a, b in zip(iv, iv[1:]))


def fmt_iv(iv):
    return ', '.join(ms(x) for x in iv) + ' ms'


# --- 1. synack_retries -----------------------------------------------------

def case_synack(c):
    N, RTO = 3, 0.2
    c.tun.set(synack_retries=N, rto_initial_ms=int(RTO * 1000))
    port, cport, isn = 7001, 40001, 1000000
    (lst,) = c.keep(xtcp_socket())
    lst.bind((A_IP, port))
    lst.listen(4)
    c.topo.silence(True)        # the client's kernel never ACKs (nor RSTs)
    c.cap.clear()
    c.trace.clear()
    c.inj.send(cport, port, isn, 0, 'S', mss=1460)
    local, remote = f'{A_IP}:{port}', f'{B_IP}:{cport}'
    total = RTO * (2 ** (N + 1) - 1)
    closed = c.trace.wait_state(local, remote, None, 'CLOSED', 3 * total + 5)
    time.sleep(0.5)
    bad, notes = [], []
    synacks = c.cap.get(lambda s: s['dir'] == 'out' and s['dport'] == cport
                        and set(s['flags']) == set('S.'))
    others = c.cap.get(lambda s: s['dir'] == 'out' and s['dport'] == cport
                       and set(s['flags']) != set('S.'))
    if not synacks:
        return [('synack_retries: SYN-ACK resent N times at doubling RTO, then CLOSED',
                 ['no SYN-ACK on the wire'], [])]
    if len(synacks) != N + 1:
        bad.append(f'{len(synacks)} SYN-ACKs on the wire, want 1 + synack_retries = {N + 1}')
    for s in synacks:
        if s['ack'] != isn + 1 or s['seq'] != synacks[0]['seq']:
            bad.append(f'SYN-ACK not <SEQ=ISS><ACK={isn + 1}>: {show(s)}')
    iv = intervals([s['t'] for s in synacks])
    want = [RTO * 2**i for i in range(len(iv))]
    notes.append(f'SYN-ACK intervals {fmt_iv(iv)} (configured {fmt_iv(want)})')
    if not order_increasing(iv):
        bad.append(f'intervals do not grow: {fmt_iv(iv)}')
    for s in others:
        bad.append(f"unexpected segment to the client{' (RST)' if 'R' in s['flags'] else ''}: {show(s)}")
    if closed is None:
        bad.append(f'half-open child not CLOSED within {3 * total + 5:.1f} s')
        for e in c.trace.states(local, remote):
            notes.append(e['text'])
    else:
        sts = c.trace.states(local, remote)
        path = [(e['from'], e['to']) for e in sts]
        notes.append('child: ' + ' ; '.join('%s -> %s' % p for p in path))
        if any(t == 'ESTABLISHED' for _, t in path):
            bad.append('the child became ESTABLISHED without the third ACK')
        if closed['from'] != 'SYN-RECEIVED':
            bad.append(f"child went {closed['from']} -> CLOSED, want SYN-RECEIVED -> CLOSED")
        last_wait = None
        tr = [e for e in c.trace.events() if e['type'] == 'segment' and e['io'] == 'out'
              and e['dst'] == remote]
        if tr:
            last_wait = closed['t'] - tr[-1]['t']
            notes.append(f'last SYN-ACK to CLOSED: {ms(last_wait)} ms '
                         f'(configured {ms(RTO * 2**N)} ms)')
            if iv and last_wait <= iv[-1]:
                bad.append(f'give-up came {ms(last_wait)} ms after the last SYN-ACK, '
                           f'not after a longer (doubled) RTO than {ms(iv[-1])} ms')
        # Gone for good: the third ACK, late, finds no connection (RST).
        y = synacks[0]['seq']
        c.cap.clear()
        c.inj.send(cport, port, isn + 1, y + 1, '.')
        rst = c.cap.wait(lambda s: s['dir'] == 'out' and s['dport'] == cport, 3)
        if rst is None or 'R' not in rst['flags'] or rst['seq'] != (y + 1) % M32:
            bad.append(f'a late third ACK should get <SEQ={(y + 1) % M32}><CTL=RST>: '
                       f"{show(rst) if rst else 'nothing'}")
        elif rst:
            notes.append(f'late third ACK answered by {show(rst)}')
    lst.setblocking(False)
    if select.select([lst], [], [], 0)[0]:
        bad.append('the listener polls readable with nothing to accept')
    try:
        lst.accept()
        bad.append('accept() returned the half-open connection')
    except BlockingIOError:
        pass
    # The listener stays in LISTEN and answers the next SYN (RFC 9293
    # 3.10.7.2): losing a half-open child must not use up its backlog.
    c.cap.clear()
    c.inj.send(cport + 1, port, isn, 0, 'S', mss=1460)
    nxt = c.cap.wait(lambda s: s['dir'] == 'out' and s['dport'] == cport + 1, 3)
    if nxt is None or set(nxt['flags']) != set('S.'):
        bad.append('after the half-open child was dropped, the listener ignores a new SYN '
                   f"(listen backlog 4): {show(nxt) if nxt else 'no SYN-ACK within 3 s'}")
    lst.close()
    return [('synack_retries: SYN-ACK resent N times at doubling RTO, then CLOSED',
             bad, notes)]


# --- 2. syn_retries --------------------------------------------------------

def case_syn(c):
    N, RTO = 3, 0.2
    # the doubling alone: Linux's first linear timeouts off (peer_test's
    # syncnt script has them, against the kernel's TCP)
    c.tun.set(syn_retries=N, rto_initial_ms=int(RTO * 1000),
              syn_linear_timeouts=0)
    port = 7002
    c.topo.silence(True)
    (s,) = c.keep(xtcp_socket())
    s.settimeout(None)
    bad, notes = [], []
    total = RTO * (2 ** (N + 1) - 1)
    t0 = time.monotonic()
    err = None
    try:
        with bounded(3 * total + 10, 'connect()'):
            s.connect((B_IP, port))
        bad.append('connect() succeeded to a silent peer')
    except Deadline as e:
        bad.append(str(e))
    except OSError as e:
        err = e.errno
    took = time.monotonic() - t0
    notes.append(f'connect() failed after {ms(took)} ms with errno {err} '
                 f'(sum of the RTOs: {ms(total)} ms)')
    if err is not None and err != ETIMEDOUT:
        bad.append(f'connect() failed with {os.strerror(err)}, want ETIMEDOUT')
    time.sleep(0.3)
    syns = c.cap.get(lambda x: x['dir'] == 'out' and x['dport'] == port)
    if len([x for x in syns if x['flags'] == 'S']) != N + 1:
        bad.append(f"{len([x for x in syns if x['flags'] == 'S'])} SYNs on the wire, "
                   f'want 1 + syn_retries = {N + 1}')
    for x in syns:
        if x['flags'] != 'S' or x['seq'] != syns[0]['seq']:
            bad.append(f'not the same SYN: {show(x)}')
    iv = intervals([x['t'] for x in syns])
    notes.append(f'SYN intervals {fmt_iv(iv)} (configured '
                 f'{fmt_iv([RTO * 2**i for i in range(len(iv))])})')
    if not order_increasing(iv):
        bad.append(f'intervals do not grow: {fmt_iv(iv)}')
    if syns and err == ETIMEDOUT:
        # Give-up comes one (doubled) RTO after the last SYN, not at once.
        last = time.time() - (time.monotonic() - (t0 + took))
        if iv and last - syns[-1]['t'] <= iv[-1]:
            bad.append(f"ETIMEDOUT {ms(last - syns[-1]['t'])} ms after the last SYN, "
                       f'not after a longer RTO than {ms(iv[-1])} ms')
    s.close()
    return [('syn_retries: SYN resent N times at doubling RTO, then ETIMEDOUT', bad, notes)]


# --- 3. TIME-WAIT ----------------------------------------------------------

def tw_conn(c, port):
    """xtcp (A) closes first against the kernel's TCP (B); returns the
    4-tuple and the time TIME-WAIT was entered (trace clock)."""
    cli, srv, lst = c.keep(*connect_pair(port))
    exchange(cli, srv)
    local, remote = addr(cli), addr(cli, True)
    cli.shutdown(socket.SHUT_WR)
    if srv.recv(10) != b'':
        raise RuntimeError('peer: no EOF after the FIN')
    srv.close()
    lst.close()
    tw = c.trace.wait_state(local, remote, None, 'TIME-WAIT', 5)
    cli.close()
    if tw is None:
        raise RuntimeError('xtcp never entered TIME-WAIT: ' +
                           '; '.join(e['text'] for e in c.trace.states(local, remote)))
    return local, remote, tw


def case_timewait(c):
    res = []
    MSL = 0.3
    c.tun.set(msl_ms=int(MSL * 1000))
    local, remote, tw = tw_conn(c, 7031)
    end = c.trace.wait_state(local, remote, 'TIME-WAIT', 'CLOSED', 2 * MSL * 5 + 5)
    bad, notes = [], []
    if end is None:
        bad.append('TIME-WAIT never ended')
    else:
        lasted = end['t'] - tw['t']
        notes.append(f'TIME-WAIT lasted {ms(lasted)} ms (2*msl_ms = {ms(2 * MSL)} ms)')
        if lasted < 2 * MSL - SLACK:
            bad.append(f'TIME-WAIT lasted {ms(lasted)} ms, less than 2*MSL')
    res.append(('TIME-WAIT lasts 2*msl_ms, then CLOSED', bad, notes))

    # A FIN again, halfway through: re-ACKed, and 2 MSL from then. The SMP
    # guest (QEMU TCG) can take most of a second to get here from entering
    # TIME-WAIT (processes to spawn, the trace to read): 1 s of slack.
    MSL = 1.0
    c.tun.set(msl_ms=int(MSL * 1000))
    c.cap.clear()
    c.trace.clear()
    local, remote, tw = tw_conn(c, 7032)
    bad, notes = [], []
    lport, rport = int(local.split(':')[1]), int(remote.split(':')[1])
    fin = c.cap.wait(lambda s: s['dir'] == 'in' and s['sport'] == rport and 'F' in s['flags'], 3)
    myfin = c.cap.wait(lambda s: s['dir'] == 'out' and s['sport'] == lport and 'F' in s['flags'], 3)
    if not fin or not myfin:
        return res + [('TIME-WAIT: a retransmitted FIN is re-ACKed and restarts 2*MSL',
                       ['FINs not seen on the wire'], [])]
    # The peer's kernel must not answer the re-ACK (its RST would end the
    # TIME-WAIT: RFC 1337), so it goes silent first.
    c.topo.silence(True)
    delay = tw['t'] + MSL - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    c.cap.clear()
    t_inj = time.monotonic()
    c.inj.send(rport, lport, fin['seq'], fin['ack'], 'F.', win=fin['win'])
    notes.append(f"FIN injected {ms(t_inj - tw['t'])} ms into TIME-WAIT")
    if t_inj >= tw['t'] + 2 * MSL:
        bad.append('the FIN was injected after TIME-WAIT had ended: the test came '
                   'too late, not xtcp')
    reack = c.cap.wait(lambda s: s['dir'] == 'out' and s['sport'] == lport
                       and '.' in s['flags'], 3)
    end = c.trace.wait_state(local, remote, 'TIME-WAIT', 'CLOSED', 2 * MSL * 5 + 5)
    again = [e for e in c.trace.events() if e['type'] == 'segment' and e['io'] == 'in'
             and e['src'] == remote and 'F' in e['flags'] and e['state'] == 'TIME-WAIT']
    if reack is None:
        bad.append('no ACK for the retransmitted FIN')
    else:
        want = (myfin['seq'] + 1) % M32, (fin['seq'] + 1) % M32
        if (reack['seq'], reack['ack']) != want or set(reack['flags']) != {'.'}:
            bad.append(f're-ACK should be <SEQ={want[0]}><ACK={want[1]}><CTL=ACK>: {show(reack)}')
    if not again:
        bad.append('the retransmitted FIN is not in the trace as received in TIME-WAIT')
    elif end is None:
        bad.append('TIME-WAIT never ended')
    else:
        first, since = end['t'] - tw['t'], end['t'] - again[0]['t']
        notes.append(f"FIN again {ms(again[0]['t'] - tw['t'])} ms into TIME-WAIT; CLOSED "
                     f'{ms(since)} ms after it, {ms(first)} ms after entering '
                     f'(2*msl_ms = {ms(2 * MSL)} ms)')
        if since < 2 * MSL - SLACK:
            bad.append(f'CLOSED {ms(since)} ms after the retransmitted FIN: the 2*MSL '
                       'wait did not restart')
    for e in c.trace.states(local, remote):
        if bad:
            notes.append(e['text'])
    res.append(('TIME-WAIT: a retransmitted FIN is re-ACKed and restarts 2*MSL', bad, notes))
    return res


# --- 4. FIN-WAIT-2 ---------------------------------------------------------

def case_finwait2(c):
    FT = 1
    c.tun.set(fin_timeout=FT)
    conns = []
    for port, how in ((7041, 'close'), (7042, 'shutdown, then close')):
        cli, srv, lst = c.keep(*connect_pair(port))
        exchange(cli, srv)
        conns.append((how, addr(cli), addr(cli, True), cli, srv))
    for how, local, remote, cli, srv in conns:
        if how == 'close':
            cli.close()
        else:
            cli.shutdown(socket.SHUT_WR)
    # The second one is in FIN-WAIT-2 with its process still there: no timer
    # yet (Linux: only an orphan times out); it is orphaned there.
    fw2 = c.trace.wait_state(conns[1][1], conns[1][2], None, 'FIN-WAIT-2', 5)
    time.sleep(0.2)
    t_orphan = time.monotonic()
    conns[1][3].close()
    res = []
    for how, local, remote, cli, srv in conns:
        bad, notes = [], []
        fw = c.trace.wait_state(local, remote, 'FIN-WAIT-1', 'FIN-WAIT-2', 5)
        end = c.trace.wait_state(local, remote, 'FIN-WAIT-2', 'CLOSED', 5 * FT + 5)
        if fw is None:
            bad.append('never reached FIN-WAIT-2')
        elif end is None:
            bad.append(f'orphan still in FIN-WAIT-2 {5 * FT + 5} s later')
        else:
            start = fw['t'] if how == 'close' else max(fw['t'], t_orphan)
            lasted = end['t'] - start
            notes.append(f'FIN-WAIT-2 orphan closed {ms(lasted)} ms after '
                         f"{'FIN-WAIT-2' if how == 'close' else 'close()'} "
                         f'(fin_timeout {FT * 1000} ms)')
            if lasted < FT - SLACK:
                bad.append(f'closed after {ms(lasted)} ms, before fin_timeout')
        if how != 'close' and fw2 is None:
            bad.append('never reached FIN-WAIT-2 before close()')
        if bad:
            notes += [e['text'] for e in c.trace.states(local, remote)]
        srv.close()
        res.append((f'FIN-WAIT-2 orphan ({how}) ends after fin_timeout', bad, notes))
    return res


# --- 5, 6. keepalive -------------------------------------------------------

IDLE, INTVL, CNT = 1, 1, 3


def ka_setup(c, port, keepalive, sockopts):
    cli, srv, lst = c.keep(*connect_pair(port))
    if keepalive:
        if sockopts:
            cli.setsockopt(socket.SOL_TCP, TCP_KEEPIDLE, IDLE)
            cli.setsockopt(socket.SOL_TCP, TCP_KEEPINTVL, INTVL)
            cli.setsockopt(socket.SOL_TCP, TCP_KEEPCNT, CNT)
        cli.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    exchange(cli, srv)
    lst.close()
    lport = cli.getsockname()[1]
    syn = c.cap.wait(lambda s: s['dir'] == 'out' and s['sport'] == lport and s['flags'] == 'S', 3)
    c.cap.wait(lambda s: s['dir'] == 'in' and s['dport'] == lport and s['len'] == 4, 3)
    if syn is None:
        raise RuntimeError('SYN not captured')
    una = (syn['seq'] + 1 + 4) % M32
    return {'cli': cli, 'srv': srv, 'lport': lport, 'una': una,
            'local': addr(cli), 'remote': addr(cli, True)}


def ka_segments(c, k, since):
    segs = c.cap.get(lambda s: s['t'] >= since and
                     (s['sport'] == k['lport'] or s['dport'] == k['lport']))
    probes = [s for s in segs if s['dir'] == 'out' and set(s['flags']) == {'.'}
              and s['len'] == 0 and s['seq'] == (k['una'] - 1) % M32]
    return segs, probes


def case_keepalive_dead(c):
    c.tun.set(keepalive_time=IDLE, keepalive_intvl=INTVL, keepalive_probes=CNT)
    ks = [ka_setup(c, 7051, True, True), ka_setup(c, 7052, True, False)]
    t_wire = time.time()
    c.topo.silence(True)
    for k in ks:
        k['last_in'] = max((s['t'] for s in c.cap.get(
            lambda s: s['dir'] == 'in' and s['dport'] == k['lport'])), default=t_wire)

    def wait_err(k):
        k['cli'].settimeout(IDLE + CNT * INTVL + 15)
        try:
            k['cli'].recv(10)
            k['err'] = 'recv() returned'
        except OSError as e:
            k['err'] = e.errno if e.errno else 'recv() timed out in the test'
        k['t_err'] = time.time()
    th = [threading.Thread(target=wait_err, args=(k,)) for k in ks]
    for t in th:
        t.start()
    for t in th:
        t.join(IDLE + CNT * INTVL + 20)
    time.sleep(0.3)
    res = []
    for k, name in zip(ks, ('socket options', 'tcp_keepalive_* sysctls')):
        bad, notes = [], []
        segs, probes = ka_segments(c, k, k['last_in'])
        rst = [s for s in segs if s['dir'] == 'out' and 'R' in s['flags']]
        other = [s for s in segs if s['dir'] == 'out' and s not in probes and s not in rst
                 and s['len'] > 0]
        if k.get('err') != ETIMEDOUT:
            e = k.get('err')
            bad.append(f"recv(): {os.strerror(e) if isinstance(e, int) else e}, want ETIMEDOUT")
        if len(probes) != CNT:
            bad.append(f'{len(probes)} keepalive probes <SEQ=SND.UNA-1><CTL=ACK> on the wire, '
                       f'want keepalive count {CNT}')
        if not rst:
            bad.append('no RST after the last probe')
        else:
            if rst[0]['seq'] != k['una']:
                bad.append(f"RST seq={rst[0]['seq']}, want SND.NXT={k['una']}")
            if probes and rst[0]['t'] < probes[-1]['t']:
                bad.append('RST before the last probe')
        for s in other:
            bad.append(f'unexpected segment: {show(s)}')
        times = [s['t'] for s in probes]
        if probes:
            notes.append(f"first probe {ms(probes[0]['t'] - k['last_in'])} ms after the "
                         f'last segment received (idle {IDLE * 1000} ms)')
            notes.append(f'probe intervals {fmt_iv(intervals(times))} (interval {INTVL * 1000} ms)')
            if probes[0]['t'] - k['last_in'] < IDLE - SLACK:
                bad.append('first probe before the idle time')
        if rst:
            total = rst[0]['t'] - k['last_in']
            notes.append(f'RST {ms(total)} ms after the last segment received '
                         f'(idle + count * interval = {(IDLE + CNT * INTVL) * 1000} ms); '
                         f"ETIMEDOUT seen by the process {ms(k['t_err'] - k['last_in'])} ms after")
            if total < IDLE + CNT * INTVL - SLACK:
                bad.append('RST before idle + count * interval')
        if bad or os.environ.get('XTCP_TIMERS_VERBOSE'):
            notes += [f"{ms(s['t'] - k['last_in'])} {s['dir']} {show(s)}" for s in segs]
            notes += [e['text'] for e in c.trace.events() if e['type'] == 'segment'
                      and k['local'] in (e['src'], e['dst'])]
        k['cli'].close()
        k['srv'].close()
        res.append((f'keepalive ({name}): {CNT} probes to a vanished peer, RST, ETIMEDOUT',
                    bad, notes))
    return res


def case_keepalive_live(c):
    c.tun.set(keepalive_time=IDLE, keepalive_intvl=INTVL, keepalive_probes=CNT)
    on = ka_setup(c, 7061, True, True)
    off = ka_setup(c, 7062, False, False)
    time.sleep(0.3)     # past the delayed ACK of the last data
    since = time.time()
    WATCH = IDLE + (CNT + 2) * INTVL + 0.5
    time.sleep(WATCH)
    res = []
    bad, notes = [], []
    segs, probes = ka_segments(c, on, since)
    notes.append(f'{len(probes)} probes in {WATCH:.1f} s, intervals '
                 f"{fmt_iv(intervals([s['t'] for s in probes]))}")
    if len(probes) <= CNT:
        bad.append(f'{len(probes)} probes in {WATCH:.1f} s, want more than the count {CNT} '
                   '(answered probes must go on)')
    for p in probes:
        ans = [s for s in segs if s['dir'] == 'in' and s['t'] >= p['t'] and '.' in s['flags']
               and s['ack'] == on['una']]
        if not ans:
            bad.append(f"probe at {ms(p['t'] - since)} ms not answered by the peer")
    for s in segs:
        if 'R' in s['flags'] or s['len'] > 0:
            bad.append(f'unexpected segment: {show(s)}')
    try:
        exchange(on['cli'], on['srv'], b'after', b'back!')
    except OSError as e:
        bad.append(f'data after the probes: {e}')
    on['cli'].close()
    on['srv'].close()
    res.append(('keepalive, live peer: probes answered, connection stays up', bad, notes))

    bad, notes = [], []
    segs = c.cap.get(lambda s: s['t'] >= since and s['dir'] == 'out'
                     and s['sport'] == off['lport'])
    if segs:
        bad.append(f'{len(segs)} segments from an idle connection without SO_KEEPALIVE '
                   f'(tcp_keepalive_time={IDLE}):')
        bad += [show(s) for s in segs]
    try:
        exchange(off['cli'], off['srv'])
    except OSError as e:
        bad.append(f'data: {e}')
    off['cli'].close()
    off['srv'].close()
    res.append(('keepalive off by default: no probes without SO_KEEPALIVE', bad, notes))
    return res


# --- 7. persist ------------------------------------------------------------

def case_persist(c):
    TOTAL = 200000
    cli, srv, lst = c.keep(*connect_pair(7071, rcvbuf=2048))
    lst.close()
    lport = cli.getsockname()[1]
    data = bytes(i * 7 % 251 for i in range(TOTAL))
    sent = {}

    def send():
        cli.settimeout(40)
        try:
            cli.sendall(data)
            sent['ok'] = time.monotonic()
        except OSError as e:
            sent['err'] = e
    th = threading.Thread(target=send)
    th.start()
    bad, notes = [], []
    zero = c.cap.wait(lambda s: s['dir'] == 'in' and s['dport'] == lport and s['win'] == 0
                      and '.' in s['flags'], 10)
    if zero is None:
        bad.append('the peer never advertised a zero window')
    probes = []
    if zero:
        end = time.monotonic() + 12
        while time.monotonic() < end:
            # Linux's probe <SEQ=SND.UNA-1><CTL=ACK>, or a byte of text
            probes = [s for s in c.cap.get(lambda s: s['t'] > zero['t'] and s['dir'] == 'out'
                                           and s['sport'] == lport and 'R' not in s['flags']
                                           and (s['len'] > 0 or
                                                s['seq'] == (zero['ack'] - 1) % M32))]
            if len(probes) >= 4:
                break
            time.sleep(0.1)
        opened = c.cap.get(lambda s: s['dir'] == 'in' and s['dport'] == lport
                           and s['t'] > zero['t'] and s['win'] > 0)
        if opened:
            bad.append(f'the window opened before the peer read: {show(opened[0])}')
        iv = intervals([s['t'] for s in probes])
        notes.append(f'{len(probes)} window probes, intervals {fmt_iv(iv)}')
        notes += ['probe: ' + show(s) for s in probes[:3]]
        if len(probes) < 3:
            bad.append(f'{len(probes)} window probes while the window stayed zero, want >= 3')
        elif not order_increasing(iv):
            bad.append(f'probe intervals do not grow: {fmt_iv(iv)}')
        for p in probes:
            ans = [s for s in c.cap.get(lambda s: s['dir'] == 'in' and s['dport'] == lport
                                        and s['t'] >= p['t'])]
            if not ans:
                bad.append(f'probe not answered: {show(p)}')
    got = bytearray()
    srv.settimeout(20)
    try:
        with bounded(40, 'reading the transfer'):
            while len(got) < TOTAL:
                b = srv.recv(65536)
                if not b:
                    break
                got += b
    except (OSError, Deadline) as e:
        bad.append(f'peer read: {e}')
    th.join(20)
    if 'err' in sent or th.is_alive():
        bad.append(f"sender: {sent.get('err', 'still blocked')}")
    if bytes(got) != data:
        bad.append(f'peer got {len(got)} of {TOTAL} bytes'
                   + ('' if len(got) < TOTAL else ', different'))
    cli.close()
    srv.close()
    return [('persist: zero window probed with backoff, transfer completes', bad, notes)]


# --- 8. delayed ACK --------------------------------------------------------

def case_delack(c):
    D = 0.2
    c.tun.set(delack_ms=int(D * 1000))
    c.trace.with_hrtimers(True)
    cli, srv, lst = c.keep(*connect_pair(7081, server_stack='xtcp', client_stack='tcp',
                                         client_ns=NS, server_ns=None, server_ip=A_IP))
    lst.close()
    cli.setsockopt(socket.SOL_TCP, socket.TCP_NODELAY, 1)
    mss = cli.getsockopt(socket.SOL_TCP, socket.TCP_MAXSEG)
    exchange(cli, srv)
    local, remote = addr(srv), addr(srv, True)
    res = []

    asked = {}      # when TCP_QUICKACK 1 was set (CLOCK_MONOTONIC)

    def send_and_find(payload, nsegs, quickack=False):
        """Returns (data segments in, the ACK covering them, delack timer
        expiries between the last one and the ACK). @quickack: read the
        payload as it comes, then set TCP_QUICKACK."""
        time.sleep(3 * D)
        c.trace.clear()
        cli.sendall(payload)
        got = b''
        while quickack and len(got) < len(payload):
            got += srv.recv(len(payload))
        if quickack:
            time.sleep(D / 4)       # an ACK the read sent would go first
            asked['at'] = time.monotonic()
            srv.setsockopt(socket.SOL_TCP, TCP_QUICKACK, 1)
        time.sleep(3 * D)
        while len(got) < len(payload):
            got += srv.recv(len(payload))
        ev = c.trace.events()
        ins = [e for e in ev if e['type'] == 'segment' and e['io'] == 'in'
               and e['src'] == remote and e['len'] > 0]
        if len(ins) < nsegs:
            return ins, None, [], ev
        last = ins[nsegs - 1]
        end = (last['seq'] + last['len']) % M32
        ack = next((e for e in ev if e['type'] == 'segment' and e['io'] == 'out'
                    and e['dst'] == remote and e['line'] > last['line'] and '.' in e['flags']
                    and (e['ack'] - end) % M32 < 2**31), None)
        fires = [e for e in ev if e['type'] == 'hrtimer' and 'delack_timer_fn' in e['function']
                 and e['line'] > last['line'] and (ack is None or e['line'] < ack['line'])]
        return ins, ack, fires, ev

    def dump(ev):
        return [e['text'] for e in ev if e['type'] != 'hrtimer' or 'xtcp' in e['text']
                or 'delack' in e['function']]

    # a. one small segment: ACKed by the delayed-ACK timer, delack_ms later
    bad, notes = [], []
    ins, ack, fires, ev = send_and_find(b'x' * 100, 1)
    if ack is None:
        bad.append('no ACK for a single small segment')
        notes += dump(ev)
    else:
        d = ack['t'] - ins[0]['t']
        notes.append(f'single 100-byte segment ACKed after {ms(d)} ms (delack_ms {ms(D)})')
        if not fires:
            bad.append('ACK not sent by the delayed-ACK timer (sent at once?)')
        if d < D - SLACK:
            bad.append(f'ACK after {ms(d)} ms, before delack_ms')
        if len(ins) != 1 or ins[0]['len'] != 100:
            notes.append(f'{len(ins)} data segments came in')
    res.append(('delayed ACK: a single small segment is ACKed after delack_ms', bad, notes))
    delayed = ack['t'] - ins[0]['t'] if ack else None

    # b. two back-to-back full-sized segments: ACKed at once (SHLD-19)
    bad, notes = [], []
    ins, ack, fires, ev = send_and_find(b'y' * (2 * mss), 2)
    if len(ins) < 2 or any(e['len'] != mss for e in ins[:2]):
        bad.append('the peer did not send two full-sized segments: ' +
                   ', '.join(f"len={e['len']}" for e in ins) + f' (mss {mss})')
    elif ack is None:
        bad.append('no ACK covering both segments')
        notes += dump(ev)
    else:
        d = ack['t'] - ins[1]['t']
        notes.append(f'second full-sized segment ACKed after {ms(d)} ms')
        if fires:
            bad.append('the ACK of the second full-sized segment waited for the '
                       'delayed-ACK timer (SHLD-19: at once)')
            notes += dump(ev)
        if delayed and not d < delayed:
            bad.append(f'ACK after {ms(d)} ms, not sooner than a delayed one ({ms(delayed)} ms)')
    res.append(('delayed ACK: the second full-sized segment is ACKed at once', bad, notes))

    # c. TCP_QUICKACK 1 sends the ACK owed (Linux's __tcp_sock_set_quickack()),
    #    here after 0 has put the connection in ping-pong mode
    bad, notes = [], []
    srv.setsockopt(socket.SOL_TCP, TCP_QUICKACK, 0)
    if srv.getsockopt(socket.SOL_TCP, TCP_QUICKACK) != 0:
        bad.append('TCP_QUICKACK reads back 1 after 0 (Linux: 0, ping-pong mode)')
    ins, ack, fires, ev = send_and_find(b'z' * 100, 1, quickack=True)
    if ack is None:
        bad.append('no ACK for the segment')
        notes += dump(ev)
    else:
        d = ack['t'] - ins[0]['t']
        notes.append(f'100-byte segment ACKed after {ms(d)} ms, '
                     f'{ms(ack["t"] - asked["at"])} ms after TCP_QUICKACK 1')
        if ack['t'] < asked['at']:
            bad.append('ACKed before TCP_QUICKACK 1: ping-pong mode held nothing back')
        if fires:
            bad.append('ACK sent by the delayed-ACK timer despite TCP_QUICKACK')
        if delayed and not d < delayed:
            bad.append(f'ACK after {ms(d)} ms, not sooner than a delayed one ({ms(delayed)} ms)')
    res.append(('delayed ACK: TCP_QUICKACK sends the ACK owed at once', bad, notes))
    cli.close()
    srv.close()
    return res


# --- 9. tunables -----------------------------------------------------------

# name: (min, max, default) -- Linux TCP's limits (include/net/tcp.h), the
# brief's delack_ms < 500 (MUST-40)
TUNABLES = {
    'syn_retries': (1, 127, 6), 'synack_retries': (0, 255, 5),
    'retries1': (0, 255, 3), 'retries2': (0, 255, 15),
    'orphan_retries': (0, 255, 0), 'fin_timeout': (1, 3600, 60),
    'keepalive_time': (1, 32767, 7200), 'keepalive_intvl': (1, 32767, 75),
    'keepalive_probes': (1, 127, 9), 'rto_initial_ms': (1, 3600000, 1000),
    'rto_min_ms': (1, 3600000, 200), 'rto_max_ms': (1, 3600000, 120000),
    'msl_ms': (1, 3600000, 30000), 'delack_ms': (1, 499, 40),
    'syn_linear_timeouts': (0, 127, 4), 'early_retrans': (0, 4, 3),
    'recovery': (0, 255, 1),
}


def case_tunables(c):
    NEW = 'xtn'
    get, put = Tunables.get, Tunables.put
    vals = {}
    for name, (lo, hi, dflt) in TUNABLES.items():
        vals[name] = (dflt + 1 if dflt < hi else dflt - 1, dflt + 2 if dflt + 1 < hi else lo)
        c.tun.set(**{name: vals[name][0]})
    run('ip', 'netns', 'del', NEW, check=False)
    run('ip', 'netns', 'add', NEW)
    res = []
    try:
        for name, (lo, hi, dflt) in TUNABLES.items():
            bad, notes = [], []
            va, vb = vals[name]
            if get(name, NEW) != dflt:
                bad.append(f'new namespace: {get(name, NEW)}, want the default {dflt} '
                           f'(init_net has {va})')
            e = put(name, vb, NEW)
            if e:
                bad.append(f'write {vb} in the new namespace: {os.strerror(e)}')
            if get(name) != va:
                bad.append(f'write in the new namespace showed in init_net: {get(name)}')
            if get(name, NEW) != (vb if not e else dflt):
                bad.append(f'new namespace reads {get(name, NEW)} after writing {vb}')
            for ns, cur in ((None, va), (NEW, vb)):
                where = 'init_net' if ns is None else 'new namespace'
                for v in (lo - 1, hi + 1):
                    e = put(name, v, ns)
                    if e != 22:
                        bad.append(f'{where}: write {v} (range {lo}..{hi}): '
                                   f"{os.strerror(e) if e else 'accepted'}, want EINVAL")
                    if get(name, ns) != cur:
                        bad.append(f'{where}: after writing {v}, reads {get(name, ns)}, '
                                   f'want the old {cur}')
                        put(name, cur, ns)
            for v in (lo, hi):
                e = put(name, v, NEW)
                if e or get(name, NEW) != v:
                    bad.append(f'new namespace: limit {v} refused ({os.strerror(e) if e else get(name, NEW)})')
            if get(name) != va:
                bad.append(f'init_net changed to {get(name)}')
            res.append((f'tunable {name}: per namespace, default {dflt}, '
                        f'{lo}..{hi} else EINVAL', bad, notes))
    finally:
        run('ip', 'netns', 'del', NEW, check=False)
        c.tun.restore()
    return res


# --- 10. unload with timers armed ------------------------------------------

def hold_main():
    """Child of case_unload: puts xtcp connections into every timed state,
    prints their 4-tuples, holds its sockets until stdin closes."""
    from xtcp_timers import Injector as Inj, Topo as _T  # noqa: F401
    tun = Tunables()
    tun.set(msl_ms=20000, fin_timeout=30, rto_initial_ms=300, synack_retries=5,
            syn_retries=6)
    keep, out = [], {}

    def pair(port):
        s = connect_pair(port)
        keep.extend(s)
        exchange(s[0], s[1])
        return s

    # TIME-WAIT (a record, no socket)
    cli, srv, lst = pair(7101)
    cli.shutdown(socket.SHUT_WR)
    srv.recv(10)
    srv.close()
    out['TIME-WAIT'] = addr(cli)
    time.sleep(0.2)
    cli.close()
    # FIN-WAIT-2 orphan
    cli, srv, lst = pair(7102)
    out['FIN-WAIT-2 orphan'] = addr(cli)
    cli.close()
    time.sleep(0.2)
    # keepalive armed, process holds it
    cli, srv, lst = pair(7103)
    cli.setsockopt(socket.SOL_TCP, TCP_KEEPIDLE, 1)
    cli.setsockopt(socket.SOL_TCP, TCP_KEEPINTVL, 1)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    out['keepalive'] = addr(cli)
    r1 = pair(7104)
    r2 = pair(7105)
    # the peer vanishes
    run('tc', '-n', NS, 'qdisc', 'replace', 'dev', 'vb', 'root', 'netem', 'loss', '100%')
    # retransmitting, held; retransmitting, orphaned (FIN-WAIT-1)
    r1[0].send(b'r' * 1000)
    out['retransmitting'] = addr(r1[0])
    r2[0].send(b'o' * 1000)
    out['retransmitting orphan'] = addr(r2[0])
    r2[0].close()
    # SYN-SENT, held
    s = xtcp_socket()
    keep.append(s)
    s.setblocking(False)
    try:
        s.connect((B_IP, 7106))
    except BlockingIOError:
        pass
    out['SYN-SENT'] = addr(s)
    # SYN-RECEIVED child of a held listener
    lst = xtcp_socket()
    keep.append(lst)
    lst.bind((A_IP, 7107))
    lst.listen(4)
    topo = Topo.__new__(Topo)
    topo.mac_a, topo.mac_b = mac('va'), mac('vb', NS)
    inj = Injector(topo)
    inj.send(41107, 7107, 5000, 0, 'S', mss=1460)
    out['SYN-RECEIVED'] = f'{A_IP}:7107'
    time.sleep(0.5)
    print(json.dumps(out), flush=True)
    sys.stdin.read()
    return 0


def case_unload(c):
    bad, notes = [], []
    c.close_socks()
    c.trace.clear()
    c.tun.set(keepalive_time=7200)
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--hold'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=env)
    try:
        with bounded(30, 'setting up the held connections'):
            line = child.stdout.readline()
        held = json.loads(line)
    except Exception as e:   # noqa: BLE001
        child.kill()
        child.wait()
        return [('unload: refused while a socket is held, clean once none is',
                 [f'helper failed: {e}'], [])]
    time.sleep(2)
    ev = c.trace.events()
    for what, local in held.items():
        sts = [e for e in ev if e['type'] == 'state' and e['local'] == local]
        now = sts[-1]['to'] if sts else '?'
        notes.append(f'{what}: {local} in {now}')
        want = {'TIME-WAIT': 'TIME-WAIT', 'FIN-WAIT-2 orphan': 'FIN-WAIT-2',
                'keepalive': 'ESTABLISHED', 'retransmitting': 'ESTABLISHED',
                'retransmitting orphan': 'FIN-WAIT-1', 'SYN-SENT': 'SYN-SENT',
                'SYN-RECEIVED': 'SYN-RECEIVED'}[what]
        if now != want:
            bad.append(f'{what}: in {now}, want {want} (setup)')
        # the timer is not just armed but firing: a segment sent again
        outs = [(e['flags'], e['seq'], e['len']) for e in ev if e['type'] == 'segment'
                and e['io'] == 'out' and e['src'] == local]
        if what in ('keepalive', 'retransmitting', 'retransmitting orphan', 'SYN-SENT',
                    'SYN-RECEIVED'):
            again = len(outs) - len(set(outs))
            if what == 'keepalive':
                again = len([o for o in outs if o[0] == '.' and o[2] == 0]) - 1
            notes.append(f'{what}: {again} segment(s) sent again by its timer')
            if again < 1:
                bad.append(f'{what}: its timer never fired before rmmod')
    r = run('rmmod', 'xtcp', check=False)
    notes.append(f'rmmod with sockets held: exit {r.returncode}: {r.stderr.strip()}')
    if r.returncode == 0:
        bad.append('rmmod succeeded while a process held xtcp sockets')
    elif 'in use' not in r.stderr and 'busy' not in r.stderr.lower():
        bad.append(f'rmmod refused, but not as "in use": {r.stderr.strip()}')
    if not os.path.exists('/sys/module/xtcp'):
        bad.append('module gone')
        return [('unload: refused while a socket is held, clean once none is', bad, notes)]
    c.topo.silent = True    # the helper silenced the peer
    child.stdin.close()
    child.wait(10)
    ev = c.trace.events()
    for what in ('TIME-WAIT', 'FIN-WAIT-2 orphan', 'retransmitting orphan'):
        sts = [e for e in ev if e['type'] == 'state' and e['local'] == held[what]]
        if sts and sts[-1]['to'] == 'CLOSED':
            bad.append(f'{what}: already CLOSED before rmmod, nothing left timing')
    c.trace.close()
    t0 = time.monotonic()
    r = run('rmmod', 'xtcp', check=False)
    tries = 1
    while r.returncode and time.monotonic() - t0 < 3:
        time.sleep(0.2)
        tries += 1
        r = run('rmmod', 'xtcp', check=False)
    notes.append(f'rmmod after the process exited: exit {r.returncode} after {tries} '
                 f'attempt(s) {r.stderr.strip()}')
    if r.returncode:
        bad.append(f'rmmod failed once no process held a socket: {r.stderr.strip()}')
    elif tries > 1:
        bad.append(f'rmmod needed {tries} attempts after the process exited')
    moddir = os.environ.get('XTCP_MODDIR')
    if not os.path.exists('/sys/module/xtcp'):
        r = run('insmod', f'{moddir}/module/xtcp.ko', check=False)
        if r.returncode:
            bad.append(f'insmod: {r.stderr.strip()}')
    # the reloaded module works
    try:
        cli, srv, lst = connect_pair(7109, server_ns=None, server_ip='127.0.0.1')
        exchange(cli, srv)
        for s in (cli, srv, lst):
            s.close()
    except OSError as e:
        bad.append(f'after reload: {e}')
    return [('unload: refused while a socket is held, clean once none is', bad, notes)]


CASES = [
    (case_synack, 1), (case_syn, 1), (case_timewait, 2), (case_finwait2, 2),
    (case_keepalive_dead, 2), (case_keepalive_live, 2), (case_persist, 1),
    (case_delack, 3), (case_tunables, len(TUNABLES)), (case_unload, 1),
]


def main(argv):
    if argv[1:2] == ['--hold']:
        return hold_main()
    only = set(argv[1:])
    cases = [(f, n) for f, n in CASES if not only or f.__name__ in only]
    print('TAP version 13')
    print(f'1..{sum(n for _, n in cases)}')
    c = Ctx()
    t = failed = 0
    try:
        for fn, n in cases:
            c.reset()
            t_case = time.monotonic()
            try:
                results = fn(c)
            except Exception as e:   # noqa: BLE001 - the case's failure
                results = [(f'{fn.__name__} ({i + 1})', [f'{type(e).__name__}: {e}'],
                            traceback.format_exc().splitlines()) for i in range(n)]
            finally:
                c.close_socks()
            if len(results) != n:
                results = (results + [(f'{fn.__name__} ({i + 1})', ['missing'], [])
                                      for i in range(n)])[:n]
            for name, bad, notes in results:
                t += 1
                if bad:
                    failed += 1
                    print(f'not ok {t} {name}')
                    for line in bad:
                        print(f'# {line}')
                else:
                    print(f'ok {t} {name}')
                for line in notes:
                    print(f'#   {line}')
            print(f'#   ({fn.__name__}: {time.monotonic() - t_case:.1f} s)', flush=True)
    finally:
        c.close_socks()
        c.tun.restore()
        c.trace.close()
        c.cap.close()
        c.inj.close()
        c.topo.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
