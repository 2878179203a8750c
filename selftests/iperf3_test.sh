#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iperf3, unmodified from Debian, over tools/xtcp-run: xtcp to xtcp, xtcp
# to the kernel's TCP both ways, and the kernel's TCP alone for reference,
# each 2 s on loopback. iperf3 reads TCP_INFO for its Retr and Cwnd
# columns: each run must complete without a getsockopt error, and the
# sender's largest cwnd (tcpi_snd_cwnd times tcpi_snd_mss) must be sane:
# at least one segment and below 4 GiB (TCP_INFO missing showed 4294966048
# retransmissions and a cwnd of 2096034 TBytes). Retr must be at most what
# the sender's stack counted (RetransSegs of /proc/net/snmp or xtcp_snmp:
# a probe of the tail may come after iperf3's last TCP_INFO reading),
# and on loopback nothing is lost: either sender resends only spurious
# tail loss probes (TCPLossProbes; none that repaired a loss,
# TCPLossProbeRecovery), and an xtcp receiver drops nothing for want of
# room (RcvPruned, OfoPruned). Both stacks probe when no ACK comes within
# 2 SRTT + 2 ms (RFC 8985 7.2), so on loopback a delayed ACK (40 ms)
# with two segments in flight draws one: a debug kernel's reader is late
# now and then, kernel to kernel too.
. "$(dirname "$0")/lib.sh"

run=$(cd "$(dirname "$0")/../tools" && pwd)/xtcp-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-iperf3.XXXXXX") || exit 1
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
port=5300

# iperf CLIENT SERVER: one run, CLIENT and SERVER each "xtcp" or "tcp".
iperf()
{
	local c=() s=()

	[ "$1" = xtcp ] && c=("$run")
	[ "$2" = xtcp ] && s=("$run")
	port=$((port + 1))
	"${s[@]}" iperf3 -s -1 -p $port > "$tmp/server" 2>&1 &
	for _ in $(seq 50); do
		ss -Htln "sport = :$port" | grep -q . && break
		[ -f /proc/net/xtcp ] && grep -q ":$(printf %04X $port) .* 0A " \
			/proc/net/xtcp && break
		sleep 0.1
	done
	counters > "$tmp/before"
	"${c[@]}" iperf3 -c 127.0.0.1 -p $port -t 2 -J > "$tmp/json" 2> "$tmp/err"
	local rc=$?
	wait
	counters > "$tmp/after"
	[ $rc -eq 0 ] || { cat "$tmp/err" "$tmp/json" >&2; return 1; }
	! grep -i getsockopt "$tmp/err" "$tmp/json" >&2 || return 1
	python3 - "$tmp/json" "$1" "$2" "$tmp/before" "$tmp/after" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))['end']['streams'][0]['sender']
retr, cwnd = end['retransmits'], end['max_snd_cwnd']
snd = sys.argv[2]
before, after = (dict(line.split() for line in open(f)) for f in sys.argv[4:6])
moved = {k: int(after[k]) - int(before[k]) for k in after}
resent = moved[snd + '.RetransSegs']
probes = moved[snd + '.TCPLossProbes']
repaired = moved[snd + '.TCPLossProbeRecovery']
dropped = moved['xtcp.RcvPruned'] + moved['xtcp.OfoPruned']
print(f'# {snd}-{sys.argv[3]}: {end["bits_per_second"] / 8e6:.0f} MB/s, '
      f'Retr {retr}, max Cwnd {cwnd} bytes; the sender resent {resent}, '
      f'sent {probes} tail loss probes ({repaired} repaired a loss); '
      f'xtcp dropped {dropped} for want of room')
# iperf3 reads TCP_INFO before the last of the transfer is acknowledged:
# a probe of the tail may follow its last reading, so Retr may be less
sys.exit(0 if retr <= resent <= probes and not repaired and not dropped and
         536 <= cwnd < 1 << 32 else 1)
PY
}

# counters: "STACK.NAME VALUE" lines, the kernel's TCP's and xtcp's
counters()
{
	python3 - <<'PY'
def table(path, stack, tag):
    lines = [l.split() for l in open(path) if l.startswith(tag)]
    for names, values in zip(lines[::2], lines[1::2]):
        for n, v in zip(names[1:], values[1:]):
            print(f'{stack}.{n} {v}')
table('/proc/net/snmp', 'tcp', 'Tcp:')
table('/proc/net/netstat', 'tcp', 'TcpExt:')
table('/proc/net/xtcp_snmp', 'xtcp', 'Tcp:')
table('/proc/net/xtcp_snmp', 'xtcp', 'TcpExt:')
PY
}

tap_plan 4
check tcp_to_tcp iperf tcp tcp
check xtcp_to_xtcp iperf xtcp xtcp
check xtcp_to_tcp iperf xtcp tcp
check tcp_to_xtcp iperf tcp xtcp
tap_done
