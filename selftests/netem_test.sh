#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bulk transfers over an impaired path: 32 MiB each way on one connection
# between two namespaces whose veth pair has netem on both ends (loss,
# reordering, duplication, corruption, delay with jitter, a rate limit),
# compared by SHA-256, each connection closed cleanly (EOF seen, both
# processes exit 0, every xtcp end in TIME-WAIT or CLOSED).
#
#   +------------------------+             +------------------------+
#   | netns $ns_c (clients)  |             | netns $ns_s (servers)  |
#   |                        |   netem     |                        |
#   | $if_c 203.0.113.2/24 --+--> veth <---+-- $if_s 203.0.113.1/24 |
#   |       netem (egress)   |             |      netem (egress)    |
#   +------------------------+             +------------------------+
#
# Cases are SETTING_CLIENT_SERVER, e.g. loss5_xtcp_kernel: an xtcp client
# (tools/xtcp-run) and a kernel TCP server. Both ends run selftests/bulk.py:
# the client sends a.bin while the server sends b.bin, each half-closes
# after its file and reads to EOF.
#
# The impairment is per packet on the wire: gso_max_segs 1 on both veth
# ends makes the kernel's TCP hand netem one MSS per skb, as xtcp does
# (with GSO, netem would drop, duplicate or delay 64 KB bursts as one).
# netem corrupts a bit of a packet's linear part: headers only for the
# kernel's TCP (its payload is in page fragments), mostly payload for xtcp
# (linear skbs); checksums must catch every one, the counters printed
# with each case say where (TcpInCsumErrors, IpInHdrErrors, XtcpBadSegs).
#
# Every TCP here, the kernel's and xtcp, gets a 20 ms minimum RTO instead
# of 200 ms (the route's rto_min for the kernel, net.xtcp.rto_min_ms for
# xtcp): loss, 20% above all, is bound by retransmission timeouts, and
# this halves the kernel's time under it. NETEM_RTO_MIN=0 keeps each
# stack's default. (10 ms is no faster: UML's 10 ms jiffies, and RTTs that
# spike on the debug kernel, make for spurious timeouts.)
#
# Knobs (for diagnosis; elapsed time and goodput are TAP comments, never
# asserted):
#   NETEM_MIB       MiB each way (default 32)
#   NETEM_TIMEOUT   seconds a transfer may take (default 300; loss20
#                   three times that)
#   NETEM_STALL     seconds a transfer may go without sending or receiving
#                   a byte (default 30; loss20 none), so a stuck one ends
#                   early
#   NETEM_BUDGET    seconds for all cases (default 2400); once it is spent
#                   the remaining cases fail at once, and a case never gets
#                   more than what is left (scripts/selftests-batch allows
#                   this program "timeout:" below)
#   NETEM_CASES     regex of case names to run; the rest SKIP
#   NETEM_PAIRINGS  client_server pairs (default "xtcp_xtcp xtcp_kernel
#                   kernel_xtcp"); kernel_kernel checks the harness itself
#   NETEM_RTO_MIN   the minimum RTO in ms for both stacks (default 20;
#                   0: each stack's own default)
#
# The kernel's TCP on both ends (NETEM_PAIRINGS=kernel_kernel), debug
# kernel, a shared 2-core machine: loss1 9.6 s, loss5 14.4 s, loss20
# 52.9 s (8 MiB), reorder25 28.6 s, dup5 11.2 s, corrupt1 8.4 s, delay50
# 17.5 s, rate10m 30.8 s; 173 s in all, so 9 minutes for the three
# pairings were xtcp as fast. A case that fails by a stall costs about a
# minute, one that crawls NETEM_TIMEOUT: NETEM_BUDGET bounds the sum.
#
# timeout: 2700
. "$(dirname "$0")/bulk_lib.sh"

bulk=$(cd "$(dirname "$0")" && pwd)/bulk.py
mib=${NETEM_MIB:-32}
limit=${NETEM_TIMEOUT:-300}
tmo=$limit	# for bg() and reap(); a case may cut its own
stall=${NETEM_STALL:-30}
budget=${NETEM_BUDGET:-2400}
rto_min=${NETEM_RTO_MIN:-20}
read -ra pairings <<< "${NETEM_PAIRINGS:-xtcp_xtcp xtcp_kernel kernel_xtcp}"

# name|share|slow|netem arguments, the same on both ends. Each case
# carries NETEM_MIB/share each way, within slow * NETEM_TIMEOUT seconds.
# 20% loss in both directions holds the kernel's TCP to about 0.15 MiB/s
# here (cwnd at 1 or 2 segments, an RTO every few segments): 32 MiB took
# 180-240 s with a kernel sender, so that setting gets three times the
# time: the slack is for the kernel's backoff (below). Jitter
# reorders packets (netem keeps its queue in time order). limit (packets)
# is netem's queue: 1000 by default, enough unless a delay holds tens of
# milliseconds of traffic, and 100 (120 ms at 10 Mbit/s) for the rate
# limit.
settings=(
	"loss1|1|1|loss 1%"
	"loss5|1|1|loss 5%"
	"loss20|1|3|loss 20%"
	"reorder25|1|1|delay 10ms reorder 25% 50%"
	"dup5|1|1|duplicate 5%"
	"corrupt1|1|1|corrupt 1%"
	"delay50|1|1|delay 50ms 10ms limit 10000"
	"rate10m|1|1|rate 10mbit limit 100"
)
# Seconds without progress a setting's transfers may take, if not
# NETEM_STALL (0: no limit but the transfer's). Under 20% loss both ways
# the kernel's TCP sender goes silent for minutes now and then, by RFC
# 6298's backoff: a retransmission fails (it or its ACK is lost) with
# p = 0.36, each failure doubles the RTO, and the kernel's RTO itself
# reaches a second at times (the captures do not show why; xtcp's echoes
# were checked and are fresh). From a 1 s RTO, 5 failures in a row are
# 31 s of silence, 8 are 255 s. A capture showed the kernel resending
# after 0.94 s and 1.1 s, then backing off; 30 s failed kernel<->kernel
# in 1 run of 3, and a CI run failed a kernel client -> xtcp server under
# 150 s (its reason cut off). A stuck transfer still ends at the limit.
declare -A stall_of=([loss20]=0)

ns_s=xtcp-nm-s-$$
ns_c=xtcp-nm-c-$$
if_s=xnm-s$$
if_c=xnm-c$$
addr_s=203.0.113.1
addr_c=203.0.113.2
net=203.0.113.0/24

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-netem.XXXXXX") || exit 1
: > "$tmp/pids"		# every background process, one pid a line

# Ends every process we started (by pid) and the namespaces (which take the
# veth pair and its qdiscs with them). Idempotent: the final check calls it.
cleanup()
{
	kill_bg
	ip netns del "$ns_s" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	return 0
}
trap 'cleanup; rm -rf "$tmp"; echo 0 > $trace/events/xtcp/xtcp_state/enable' EXIT

port=9300	# each case its own: timed() counts up (check's subshell can't)

# a.bin and b.bin, and for each size BYTES a setting needs their first
# BYTES as a-BYTES.bin and b-BYTES.bin.
make_data()
{
	local st n
	head -c $((mib << 20)) /dev/urandom > "$tmp/a.bin" &&
	head -c $((mib << 20)) /dev/urandom > "$tmp/b.bin" || return 1
	for st in "${settings[@]}"; do
		st=${st#*|}
		n=$(((mib << 20) / ${st%%|*}))
		[ -e "$tmp/a-$n.bin" ] && continue
		head -c $n "$tmp/a.bin" > "$tmp/a-$n.bin" &&
		head -c $n "$tmp/b.bin" > "$tmp/b-$n.bin" &&
		[ "$(stat -c %s "$tmp/a-$n.bin")" = $n ] &&
		[ "$(stat -c %s "$tmp/b-$n.bin")" = $n ] || return 1
	done
}

# Both namespaces, the veth pair without GSO bursts, and the minimum RTO.
netns_setup()
{
	local n ns dev a
	ip netns add "$ns_s" &&
	ip netns add "$ns_c" &&
	ip -n "$ns_s" link add "$if_s" type veth peer name "$if_c" netns "$ns_c" || return 1
	for n in s c; do
		[ $n = s ] && { ns=$ns_s; dev=$if_s; a=$addr_s; } ||
			{ ns=$ns_c; dev=$if_c; a=$addr_c; }
		ip -n "$ns" link set lo up &&
		ip -n "$ns" link set "$dev" gso_max_segs 1 &&
		ip -n "$ns" addr add $a/24 dev "$dev" &&
		ip -n "$ns" link set "$dev" up || return 1
		[ "$rto_min" = 0 ] && continue
		ip -n "$ns" route replace $net dev "$dev" proto kernel scope link \
			src $a rto_min ${rto_min}ms &&
		ip netns exec "$ns" sysctl -qw net.xtcp.rto_min_ms=$rto_min &&
		expect_eq "$rto_min" ip netns exec "$ns" sysctl -n net.xtcp.rto_min_ms &&
		ip -n "$ns" route show $net | grep -qE "rto_min (lock )?${rto_min}ms" ||
			{ echo "rto_min not set in $ns: $(ip -n "$ns" route show $net)"; return 1; }
	done
	ip -n "$ns_c" -br link show "$if_c" | grep -qw UP
}

# netem ARGS...: netem with ARGS on both ends (replacing the last setting;
# a fresh qdisc, since "change" keeps parameters it is not given).
netem()
{
	local ns dev
	for ns in "$ns_s:$if_s" "$ns_c:$if_c"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null
		tc -n "$ns" qdisc add dev "$dev" root netem "$@" ||
			{ echo "tc qdisc add dev $dev root netem $*: failed"; return 1; }
	done
}

# counters: both namespaces' drop and retransmission counters, one
# "side:name value" a line (the kernel's SNMP MIBs and xtcp's own).
counters()
{
	local side ns
	for side in s c; do
		[ $side = s ] && ns=$ns_s || ns=$ns_c
		ip netns exec "$ns" nstat -asz 2>/dev/null |
			awk -v s=$side '$1 ~ /^(TcpRetransSegs|TcpInCsumErrors|TcpInErrs|IpInHdrErrors|IpExtInCsumErrors|IpInAddrErrors|IpInDiscards|TcpExtTCPTimeouts)$/ {
				print s ":" $1, $2 }'
		ip netns exec "$ns" cat /proc/net/xtcp_stat 2>/dev/null |
			awk -v s=$side '/^Xtcp:/ && !h { for (i = 2; i <= NF; i++) name[i] = $i; h = 1; next }
				/^Xtcp:/ { for (i = 2; i <= NF; i++) if (name[i] != "TimeWaits")
					print s ":Xtcp" name[i], $i }'
	done
}

# counters_delta BEFORE AFTER: the counters that moved, on one line.
counters_delta()
{
	awk 'NR == FNR { was[$1] = $2; next }
	     $2 != was[$1] { printf "%s%s=%d", sep, $1, $2 - was[$1]; sep = " " }' "$1" "$2"
}

# netem_case SHARE SLOW STALL CLIENT SERVER NETEM_ARGS...: one connection
# carrying NETEM_MIB/SHARE each way under netem NETEM_ARGS, within SLOW *
# NETEM_TIMEOUT seconds, at most STALL seconds without progress; CLIENT
# and SERVER are "xtcp" or "kernel". What it measured goes to
# $tmp/report for timed().
netem_case()
{
	local stall=$3
	set -- "$1" "$2" "${@:4}"
	local d=$tmp/case-$port ok=0 n=$(((mib << 20) / $1)) c=${3:0:1} s=${4:0:1}
	local sp cp t0 t left=$((deadline - SECONDS)) lim=$((limit * $2))
	shift 4
	[ $left -ge 30 ] || { echo "no time left: NETEM_BUDGET=$budget s is spent"; return 1; }
	local tmo=$((left < lim ? left : lim))	# bg() and reap() see this one
	mkdir -p "$d"
	netem "$@" || return 1
	counters > "$d/before"
	bg "$d/server.out" "$d/server.err" ip netns exec "$ns_s" $(xt $s) \
		"$py" "$bulk" --stall "$stall" server $addr_s $port "$tmp/b-$n.bin" "$d/ready"
	sp=$bgpid
	wait_file "$d/ready" || { kill "$sp"; wait "$sp"; return 1; }
	t0=$EPOCHREALTIME
	bg "$d/client.out" "$d/client.err" ip netns exec "$ns_c" $(xt $c) \
		"$py" "$bulk" --stall "$stall" client $addr_s $port "$tmp/a-$n.bin"
	cp=$bgpid
	reap $cp client "$d" || ok=1
	reap $sp server "$d" || ok=1
	t=$(echo "$EPOCHREALTIME - $t0" | bc)
	[ $ok = 1 ] && [ $tmo -lt $lim ] &&
		echo "(its time limit was cut to the $tmo s left of NETEM_BUDGET)"
	counters > "$d/after"
	if [ $ok = 0 ]; then
		printf '%.1f s for %s MiB each way, %.2f MiB/s' "$t" \
			"$(echo "scale=2; $n / 1048576" | bc)" "$(echo "$n / 1048576 / $t" | bc -l)"
	else
		printf 'failed after %.1f s' "$t"
	fi > "$tmp/report"
	echo "; $(counters_delta "$d/before" "$d/after")" >> "$tmp/report"
	# Each side sent its whole file and received the other's, up to EOF.
	expect_line "$d/client.out" "sent=$n recv=$n sha256=${sha_b[$n]}" || ok=1
	expect_line "$d/server.out" "sent=$n recv=$n sha256=${sha_a[$n]}" || ok=1
	# A lost FIN or ACK may take a few retransmissions; a failed transfer
	# shows the states as they are.
	if [ $ok = 0 ]; then
		xtcp_closed $(count_x $c $s) 30 || ok=1
	else
		xtcp_closed $(count_x $c $s) 0
	fi
	return $ok
}

# timed NAME COMMAND...: check(), and the time it took (or what the case
# measured) as a TAP comment. NETEM_CASES=REGEX runs only the matching cases.
timed()
{
	local t0=$EPOCHREALTIME
	port=$((port + 1))
	rm -f "$tmp/report"
	if [[ ! $1 =~ ${NETEM_CASES:-.}|^make_data$|^netns_setup$|^nothing_left$ ]]; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n $1 # SKIP not in NETEM_CASES"
		return
	fi
	check "$@"
	if [ -f "$tmp/report" ]; then
		echo "# $1: $(cat "$tmp/report")"
	else
		printf '# %s: %.1f s\n' "$1" "$(echo "$EPOCHREALTIME - $t0" | bc)"
	fi
}

tap_plan $((${#settings[@]} * ${#pairings[@]} + 3))
# State changes only (few), to see each case ran on xtcp and closed.
echo 1 > $trace/events/xtcp/xtcp_state/enable || exit 1
: > $trace/trace
timed make_data make_data
declare -A sha_a sha_b	# by size in bytes
for f in "$tmp"/a-*.bin; do
	n=${f##*/a-}
	n=${n%.bin}
	sha_a[$n]=$(sha256sum < "$f" | cut -d' ' -f1)
	sha_b[$n]=$(sha256sum < "$tmp/b-$n.bin" | cut -d' ' -f1)
done
echo "# $mib MiB each way (a setting's share less); rto_min ${rto_min} ms;" \
	"each transfer at most ${limit} s, ${stall} s without progress, all in ${budget} s"
timed netns_setup netns_setup
deadline=$((SECONDS + budget))

for setting in "${settings[@]}"; do
	IFS='|' read -r name share slow args <<< "$setting"
	for pairing in "${pairings[@]}"; do
		# shellcheck disable=SC2086 # args: netem's words
		timed "${name}_$pairing" netem_case "$share" "$slow" \
			"${stall_of[$name]:-$stall}" "${pairing%_*}" \
			"${pairing#*_}" $args
	done
done
timed nothing_left all_gone
tap_done
