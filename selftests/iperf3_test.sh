#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iperf3, unmodified from Debian, over tools/xtcp-run: xtcp to xtcp, xtcp
# to the kernel's TCP both ways, and the kernel's TCP alone for reference,
# each 2 s on loopback. iperf3 reads TCP_INFO for its Retr and Cwnd
# columns: each run must complete without a getsockopt error, and the
# sender's retransmissions and largest cwnd (tcpi_snd_cwnd times
# tcpi_snd_mss) must be sane: no retransmission on loopback, a cwnd of at
# least one segment and below 4 GiB (TCP_INFO missing showed 4294966048
# retransmissions and a cwnd of 2096034 TBytes).
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
	"${c[@]}" iperf3 -c 127.0.0.1 -p $port -t 2 -J > "$tmp/json" 2> "$tmp/err"
	local rc=$?
	wait
	[ $rc -eq 0 ] || { cat "$tmp/err" "$tmp/json" >&2; return 1; }
	! grep -i getsockopt "$tmp/err" "$tmp/json" >&2 || return 1
	python3 - "$tmp/json" "$1-$2" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))['end']['streams'][0]['sender']
retr, cwnd = end['retransmits'], end['max_snd_cwnd']
print(f'# {sys.argv[2]}: {end["bits_per_second"] / 8e6:.0f} MB/s, '
      f'Retr {retr}, max Cwnd {cwnd} bytes')
sys.exit(0 if retr == 0 and 536 <= cwnd < 1 << 32 else 1)
PY
}

tap_plan 4
check tcp_to_tcp iperf tcp tcp
check xtcp_to_xtcp iperf xtcp xtcp
check xtcp_to_tcp iperf xtcp tcp
check tcp_to_xtcp iperf tcp xtcp
tap_done
