#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
# Concurrency stress: selftests/stress runs its scenarios at once for
# STRESS_SECONDS (default 20) over loopback and a lossy veth pair, then
# this script checks that every orphan was reaped (by orphan_retries,
# keepalive or fin_timeout) and unloads xtcp right after the traffic.
# What fails it: a wrong byte, a case that did nothing, an orphan that
# lives on, an unload that fails, and (through scripts/uml-run) any
# lockdep, KASAN/KFENCE, refcount, soft-lockup or hung-task report.
#
#   init_net                                   netns "xst"
#   lo 127.0.0.1: xtcp listeners and clients
#   vs1 198.18.0.1/24 <--- veth, lossy ---> vs1p 198.18.0.2/24  xtcp listeners
#       netem delay 1ms loss 1%                 netem delay 1ms loss 1%
#   vs2 198.18.1.1/24 <--- veth --------> vs2p 198.18.1.2/24  kernel TCP
#       (the orphan link)                       listener; later silenced
#
# Short timers make expiries race with the processes that own the socket:
# rto_min_ms 20, delack_ms 10, orphan_retries 3, fin_timeout 2.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
ns=xst
d=/proc/sys/net/xtcp
secs=${STRESS_SECONDS:-20}
saved=()

cleanup()
{
	local kv
	for kv in "${saved[@]}"; do
		put "$d/${kv%%=*}" "${kv#*=}" 2>/dev/null
	done
	ip netns del $ns 2>/dev/null
	ip link del vs1 2>/dev/null
	ip link del vs2 2>/dev/null
}
trap cleanup EXIT

tune()
{
	saved+=("$1=$(cat $d/$1)")
	put "$d/$1" "$2"
}

ip netns add $ns
ip link add vs1 type veth peer name vs1p netns $ns
ip link add vs2 type veth peer name vs2p netns $ns
ip addr add 198.18.0.1/24 dev vs1
ip addr add 198.18.1.1/24 dev vs2
ip link set vs1 up
ip link set vs2 up
ip -n $ns addr add 198.18.0.2/24 dev vs1p
ip -n $ns addr add 198.18.1.2/24 dev vs2p
ip -n $ns link set lo up
ip -n $ns link set vs1p up
ip -n $ns link set vs2p up
tc qdisc add dev vs1 root netem delay 1ms loss 1%
tc -n $ns qdisc add dev vs1p root netem delay 1ms loss 1%
for n in rto_min_ms=20 rto_initial_ms=200 delack_ms=10 orphan_retries=3 \
	 fin_timeout=2 msl_ms=100; do
	tune "${n%%=*}" "${n#*=}"
done
for n in rto_min_ms=20 delack_ms=10 msl_ms=100; do
	ip netns exec $ns sh -c "echo ${n#*=} > $d/${n%%=*}"
done

tap_plan 7
out=$("$here/stress" -d "$secs" -l 198.18.0.1 -r 198.18.0.2 \
	-n /run/netns/$ns -o 198.18.1.1 -O 198.18.1.2 \
	-s "tc -n $ns qdisc add dev vs2p root netem loss 100%" 2>&1)
rc=$?
# stress prints TAP cases 1-4 itself, with their counts.
printf '%s\n' "$out" | grep -vE '^(TAP version|1\.\.)'
tap_n=4
printf '%s\n' "$out" | grep -qE '^not ok ' && tap_failed=$((tap_failed + 1))
[ $rc -eq 0 ] || { echo "# stress exited $rc:"; printf '%s\n' "$out" | tail -5 | sed 's/^/# /'; }

# Orphans on the silent link (198.18.1.0/24) die within their limits:
# keepalive 1 s idle + 1 probe, fin_timeout 2 s, 3 retries from 20 ms.
orphans_left()
{
	awk 'NR > 1 { split($3, r, ":"); if (r[1] ~ /020112C6$/) n++ } END { print n + 0 }' \
		/proc/net/xtcp
}
reaped()
{
	local i
	for i in $(seq 1 100); do
		[ "$(orphans_left)" = 0 ] && return 0
		sleep 0.1
	done
	echo "$(orphans_left) connections to 198.18.1.2 still in /proc/net/xtcp:"
	grep -i 020112C6 /proc/net/xtcp | head -5
	return 1
}
check orphans_reaped reaped

# Connections still closing, TIME-WAIT records: the unload aborts them.
busy_unload()
{
	grep -c . /proc/net/xtcp | sed 's/^/# lines in \/proc\/net\/xtcp before rmmod: /'
	rmmod xtcp || return 1
	insmod "$XTCP_MODDIR/module/xtcp.ko"
}
check rmmod_right_after_traffic busy_unload
check stress_exit_status test "$rc" -eq 0
tap_done
