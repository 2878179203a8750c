#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# Unmodified servers and clients from Debian's packages over tools/xtcp-run,
# on loopback: curl from nginx (sendfile on, tcp_nopush on), redis-benchmark
# and redis-cli against redis-server, and ssh to sshd. Each pair runs four
# ways: the kernel's TCP at both ends (the reference: a failure there is a
# broken case, not a pass), xtcp at both ends, and each mixed with a
# kernel-TCP peer. What each checks:
#   nginx  a 16 MiB file arrives with the same SHA-256, and nginx's access
#          log says it sent all of it
#   redis  redis-benchmark's SET, GET and LPUSH, 16 pipelined, complete
#          (its CSV lists each with a rate); a 1 MiB value set and read back
#          by redis-cli has the same SHA-256
#   ssh    a 4 MiB file piped through "ssh HOST sha256sum" hashes the same
#          at the far end, with key authentication and a fresh host key
# And each checks that the stacks it names carried it: the client's stack
# counted an active open, the server's a passive one, and a stack at
# neither end counted nothing (xtcp-run did take the sockets).
# Throughput is printed as TAP comments (with a failure), never asserted.
. "$(dirname "$0")/lib.sh"

run=$(cd "$(dirname "$0")/../tools" && pwd)/xtcp-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-programs.XXXXXX") || exit 1
# Servers start inside check()'s subshell, where the trap's jobs cannot
# see them: each records its pid here, for the trap to end.
: > "$tmp/pids"
trap 'xargs -r kill -9 < "$tmp/pids" 2>/dev/null; rm -rf "$tmp"' EXIT
limit=(timeout 120)	# a client that hangs fails its case, not the run

head -c $((16 << 20)) /dev/urandom > "$tmp/big.bin"
head -c $((4 << 20)) /dev/urandom > "$tmp/ssh.bin"
head -c $((1 << 20)) /dev/urandom | base64 -w0 > "$tmp/value.txt"

# on STACK: sets ON, the prefix that runs a command on STACK ("xtcp" over
# xtcp-run, which execs it, "tcp" as it is), so that a server started in
# the background is $! itself, and stop() ends it, not a subshell.
on()
{
	ON=()
	[ "$1" = tcp ] || ON=("$run")
}

# listening PORT: waits up to 10 s for a listener on PORT in either stack
listening()
{
	local hex

	hex=$(printf %04X "$1")
	for _ in $(seq 100); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		[ -f /proc/net/xtcp ] &&
			grep -q ":$hex .* 0A " /proc/net/xtcp && return 0
		sleep 0.1
	done
	echo "nothing listens on port $1"
	return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# started PID: a server to end at exit, should its case not
started() { echo "$1" >> "$tmp/pids"; }

# stop PID: ends a server (SIGKILL if it lingers 5 s) and waits for it
stop()
{
	kill "$1" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	sed -i "/^$1\$/d" "$tmp/pids"	# its pid may be reused later
	return 0
}

# nginx CLIENT SERVER PORT: curl fetches big.bin from nginx
nginx_case()
{
	local d=$tmp/nginx-$1-$2 port=$3 pid rc

	mkdir -p "$d/www" "$d/tmp"
	ln -s "$tmp/big.bin" "$d/www/big.bin"
	cat > "$d/nginx.conf" <<-EOF
	daemon off;
	master_process off;
	user root;
	pid $d/nginx.pid;
	error_log $d/error.log;
	events { worker_connections 64; }
	http {
		access_log $d/access.log;
		client_body_temp_path $d/tmp;
		proxy_temp_path $d/tmp;
		fastcgi_temp_path $d/tmp;
		uwsgi_temp_path $d/tmp;
		scgi_temp_path $d/tmp;
		sendfile on;
		tcp_nopush on;
		server {
			listen 127.0.0.1:$port;
			root $d/www;
		}
	}
	EOF
	on "$2"
	"${ON[@]}" nginx -c "$d/nginx.conf" -p "$d" > "$d/out" 2>&1 &
	pid=$!
	started $pid
	listening $port || { cat "$d/error.log"; stop $pid; return 1; }
	on "$1"
	"${limit[@]}" "${ON[@]}" curl -sS -o "$d/got" -w '%{speed_download}\n' \
		"http://127.0.0.1:$port/big.bin" > "$d/speed"
	rc=$?
	stop $pid
	[ $rc -eq 0 ] || { echo "curl exited $rc"; cat "$d/error.log"; return 1; }
	[ "$(sha "$d/got")" = "$(sha "$tmp/big.bin")" ] ||
		{ echo "curl got $(stat -c %s "$d/got") bytes, hash differs"; return 1; }
	# the access log's bytes sent: the whole file went (by sendfile)
	grep -q " 200 $((16 << 20)) " "$d/access.log" ||
		{ cat "$d/access.log" "$d/error.log"; return 1; }
	awk '{ printf "# %.0f MB/s\n", $1 / 1e6 }' "$d/speed"
}

# redis CLIENT SERVER PORT: redis-benchmark, then a 1 MiB value through
# redis-cli
redis_case()
{
	local d=$tmp/redis-$1-$2 port=$3 pid rc

	mkdir -p "$d"
	on "$2"
	"${ON[@]}" redis-server --port $port --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$d" --logfile "$d/log" > /dev/null 2>&1 &
	pid=$!
	started $pid
	listening $port || { cat "$d/log"; stop $pid; return 1; }
	on "$1"
	"${limit[@]}" "${ON[@]}" redis-benchmark -h 127.0.0.1 -p $port \
		-n 10000 -P 16 -q -t set,get,lpush --csv > "$d/csv" 2> "$d/err"
	rc=$?
	"${limit[@]}" "${ON[@]}" redis-cli -h 127.0.0.1 -p $port -x set value \
		< "$tmp/value.txt" > "$d/set" 2>&1 &&
	"${limit[@]}" "${ON[@]}" redis-cli -h 127.0.0.1 -p $port --raw get value |
		head -c "$(stat -c %s "$tmp/value.txt")" > "$d/value"
	stop $pid
	[ $rc -eq 0 ] || { echo "redis-benchmark exited $rc"; cat "$d/err"; return 1; }
	for t in SET GET LPUSH; do
		grep -q "^\"$t\",\"[0-9.]*[1-9][0-9.]*\"" "$d/csv" ||
			{ echo "no $t rate"; cat "$d/csv" "$d/err"; return 1; }
	done
	[ "$(sha "$d/value")" = "$(sha "$tmp/value.txt")" ] ||
		{ echo "value read back differs"; cat "$d/set"; return 1; }
	awk -F'"' '/^"(SET|GET|LPUSH)"/ { printf "# %s %.0f/s\n", $2, $4 }' "$d/csv"
}

# ssh CLIENT SERVER PORT: ssh.bin piped through ssh to sha256sum at the
# far end
ssh_case()
{
	local d=$tmp/ssh-$1-$2 port=$3 pid rc

	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -f "$d/id" &&
	cp "$d/id.pub" "$d/authorized_keys" || return 1
	mkdir -p /run/sshd
	cat > "$d/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $d/host_key
	AuthorizedKeysFile $d/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	StrictModes no
	UsePAM no
	PidFile $d/sshd.pid
	EOF
	on "$2"
	"${ON[@]}" "$(command -v sshd)" -D -e -f "$d/sshd_config" \
		> /dev/null 2> "$d/log" &
	pid=$!
	started $pid
	listening $port || { cat "$d/log"; stop $pid; return 1; }
	on "$1"
	"${limit[@]}" "${ON[@]}" ssh -F none -i "$d/id" -p $port -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR root@127.0.0.1 sha256sum \
		< "$tmp/ssh.bin" > "$d/out" 2> "$d/err"
	rc=$?
	stop $pid
	[ $rc -eq 0 ] || { echo "ssh exited $rc"; cat "$d/err" "$d/log"; return 1; }
	[ "$(cut -d' ' -f1 "$d/out")" = "$(sha "$tmp/ssh.bin")" ] ||
		{ echo "far end hashed $(cat "$d/out")"; return 1; }
}

# opens STACK: STACK's ActiveOpens and PassiveOpens, from its Tcp: lines
opens()
{
	local f=/proc/net/snmp

	[ "$1" = tcp ] || f=/proc/net/xtcp_snmp
	awk '/^Tcp:/ && !h { for (i = 1; i <= NF; i++) col[$i] = i; h = 1; next }
	     /^Tcp:/ { print $col["ActiveOpens"], $col["PassiveOpens"] }' "$f"
}

# carried CLIENT SERVER CASE PORT: CASE passes, and the stacks it names
# carried it: CLIENT's ActiveOpens and SERVER's PassiveOpens moved, and a
# stack at neither end saw no connection at all (so xtcp-run did take the
# sockets)
carried()
{
	local before after

	before="$(opens tcp) $(opens xtcp)"
	"$3" "$1" "$2" "$4" || return 1
	after="$(opens tcp) $(opens xtcp)"
	# shellcheck disable=SC2086 # four numbers each
	python3 - "$1" "$2" $before $after <<-'PY'
	import sys
	cli, srv = sys.argv[1:3]
	n = [int(x) for x in sys.argv[3:]]
	moved = {'tcp': (n[4] - n[0], n[5] - n[1]),
		 'xtcp': (n[6] - n[2], n[7] - n[3])}
	print(f'# connections opened (active, passive): {moved}')
	ok = moved[cli][0] > 0 and moved[srv][1] > 0
	for stack in ('tcp', 'xtcp'):
	    if stack not in (cli, srv):
	        ok = ok and moved[stack] == (0, 0)
	sys.exit(0 if ok else 1)
	PY
}

tap_plan 12
port=5400	# a port of its own for each case: no TIME-WAIT or server left
for prog in nginx redis ssh; do
	for pair in "tcp tcp" "xtcp xtcp" "xtcp tcp" "tcp xtcp"; do
		set -- $pair
		port=$((port + 1))
		check "${prog}_$1_to_$2" carried "$1" "$2" ${prog}_case $port
	done
done
tap_done
