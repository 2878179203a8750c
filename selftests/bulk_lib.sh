# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the bulk-transfer selftests (interop_test.sh,
# netem_test.sh): background processes bounded by a timeout, their reaping,
# result lines and SHA-256 sums, and the check, from xtcp's xtcp_state
# trace, that each xtcp end of a connection ended in TIME-WAIT or CLOSED.
# Sourced after lib.sh. The caller sets:
#   tmp    a private directory; $tmp/pids lists every background process
#   tmo    seconds each background process may run
#   port   the port of the case in progress
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

trace=/sys/kernel/tracing
xrun=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/xtcp-run
# The interpreter itself, resolved once: a wrapper such as pyenv's shim
# costs seconds per start on the debug kernel.
py=$(python3 -c 'import sys; print(sys.executable)')

# xt KIND: the wrapper for an xtcp ("x") or kernel TCP ("k") end.
xt() { [ "$1" = x ] && echo "$xrun"; }

# bg OUT ERR COMMAND...: start COMMAND (bounded by timeout) in the
# background, record its pid in $tmp/pids and in $bgpid.
bg()
{
	local out=$1 err=$2
	shift 2
	timeout "$tmo" "$@" > "$out" 2> "$err" < /dev/null &
	bgpid=$!
	echo $bgpid >> "$tmp/pids"
}

# kill_bg: end every background process still running (TERM, then KILL
# after 5 s). Idempotent.
kill_bg()
{
	local p
	[ -f "$tmp/pids" ] || return 0
	while read -r p; do
		kill -TERM "$p" 2>/dev/null
	done < "$tmp/pids"
	while read -r p; do
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null
	done < "$tmp/pids"
	return 0
}

# bg_exited: every background process has exited by itself.
bg_exited()
{
	local p bad=0
	while read -r p; do
		if kill -0 "$p" 2>/dev/null; then
			echo "process $p still running: $(tr '\0' ' ' < /proc/$p/cmdline)"
			bad=1
		fi
	done < "$tmp/pids"
	return $bad
}

# wait_file FILE: a server wrote its ready file, within 20 s.
wait_file()
{
	local i
	for i in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "server not ready after 20 s ($1)"
	return 1
}

# wait_listen: an xtcp listener on $port is up (its state trace says so),
# within 20 s.
wait_listen()
{
	local i
	for i in $(seq 200); do
		grep -aq "xtcp_state: .*:$port 0\.0\.0\.0:0 CLOSED -> LISTEN" "$trace/trace" &&
			return 0
		sleep 0.1
	done
	echo "no xtcp listener on port $port after 20 s"
	return 1
}

# reap PID NAME DIR: wait for PID; on failure show its output.
reap()
{
	local rc
	wait "$1"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 124 ] && echo "$2 still running after ${tmo}s (killed by timeout)" ||
		echo "$2 exited with $rc"
	sed "s/^/$2: /" "$3/$2.out" "$3/$2.err" 2>/dev/null | head -20
	return 1
}

# expect_line FILE WANT: FILE's first line is WANT.
expect_line()
{
	local got
	got=$(head -1 "$1" 2>/dev/null)
	[ "$got" = "$2" ] && return 0
	echo "$(basename "$1"): got '$got'"
	echo "$(basename "$1"): want '$2'"
	return 1
}

# expect_sha FILE WANT: FILE's SHA-256 is WANT.
expect_sha()
{
	local got
	got=$(sha256sum < "$1" | cut -d' ' -f1)
	[ "$got" = "$2" ] && return 0
	echo "$(basename "$1"): $(stat -c %s "$1" 2>&1) bytes, sha256 $got, want $2"
	return 1
}

# count_x KIND...: how many of the ends are xtcp.
count_x()
{
	local k n=0
	for k; do [ "$k" = x ] && n=$((n + 1)); done
	echo $n
}

# xtcp_closed N [SECONDS]: the xtcp state trace shows exactly N xtcp ends
# of the connection(s) on $port (so the case really ran on xtcp), each of
# which reached ESTABLISHED and, within SECONDS (default 10; 0: look once),
# ended in TIME-WAIT or CLOSED.
xtcp_closed()
{
	local i got
	for i in $(seq 0 $((${2:-10} * 10))); do
		[ "$i" -gt 0 ] && sleep 0.1
		got=$(awk -v p=":$port" '
			/xtcp_state:/ && !/0\.0\.0\.0:0/ &&
			($4 == p || $5 == p || index($0, p " ")) {
				for (f = 1; f <= NF; f++)
					if ($f ~ /^sk=/) sk = $f
				if ($NF == "ESTABLISHED") est[sk] = 1
				last[sk] = $NF
			}
			END {
				n = 0; bad = ""
				for (sk in last) {
					n++
					if (!est[sk]) bad = bad " " sk ":never-ESTABLISHED"
					else if (last[sk] != "TIME-WAIT" && last[sk] != "CLOSED")
						bad = bad " " sk ":" last[sk]
				}
				print n bad
			}' "$trace/trace")
		[ "$got" = "$1" ] && return 0
	done
	echo "xtcp ends on port $port: '$got', want $1 (ended in TIME-WAIT or CLOSED)"
	grep -a "xtcp_state:.*:$port " "$trace/trace" | grep -v 0.0.0.0:0 | sed 's/^ */trace: /'
	return 1
}

# Nothing of ours is left: every process we started has exited by itself
# (each case waits for its own), then the caller's cleanup() removes its
# namespaces $ns_s and $ns_c and with them the veth pair $if_s/$if_c.
all_gone()
{
	local p bad=0
	bg_exited || bad=1
	cleanup
	for p in "$ns_s" "$ns_c"; do
		ip netns list | grep -qw -- "$p" && { echo "netns $p still exists"; bad=1; }
		[ -e "/var/run/netns/$p" ] && { echo "/var/run/netns/$p still exists"; bad=1; }
	done
	for p in "$if_s" "$if_c"; do
		[ -e "/sys/class/net/$p" ] && { echo "link $p still exists"; bad=1; }
	done
	return $bad
}
