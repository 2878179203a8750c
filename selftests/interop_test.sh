#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bulk interoperability: 64 MiB each way between xtcp and the kernel's TCP,
# between two xtcp ends, and with unmodified nc and curl, compared by
# SHA-256, each connection closed cleanly (EOF seen, every process exits).
#
# Which connection carries what:
#   bulk_*  ONE connection, both directions at once: client sends a.bin
#           while the server sends b.bin; each side half-closes after its
#           file and reads to EOF (selftests/bulk.py).
#   nc_*    ONE connection PER DIRECTION (up: the client sends a.bin; down:
#           the listener sends b.bin), since nc -l stops at the peer's FIN.
#   curl_*  download: GET a.bin from python3 -m http.server under xtcp-run;
#           upload: PUT b.bin to bulk.py httpd under xtcp-run.
# Every case runs on each of two paths:
#
#   lo: one namespace (init_net), both ends on 127.0.0.1
#
#       client ------ lo ------ server
#                127.0.0.1:port
#
#   veth: two namespaces joined by a veth pair
#
#   +------------------------+             +------------------------+
#   | netns $ns_c (clients)  |             | netns $ns_s (servers)  |
#   |                        |             |                        |
#   | $if_c 198.51.100.2/24 -+---- veth ---+- $if_s 198.51.100.1/24 |
#   +------------------------+             +------------------------+
#
# Each case also checks, from xtcp's xtcp_state trace, that the expected
# number of xtcp ends carried it and that each ended in TIME-WAIT or CLOSED.
#
# INTEROP_MIB (default 64), INTEROP_TIMEOUT (seconds per transfer, default
# 300) and INTEROP_CASES (regex of case names to run, the rest SKIP) are for
# diagnosis; times are reported as TAP comments, never asserted.
. "$(dirname "$0")/bulk_lib.sh"

bulk=$(cd "$(dirname "$0")" && pwd)/bulk.py
mib=${INTEROP_MIB:-64}
tmo=${INTEROP_TIMEOUT:-300}

ns_s=xtcp-io-s-$$
ns_c=xtcp-io-c-$$
if_s=xio-s$$
if_c=xio-c$$
addr_s=198.51.100.1
addr_c=198.51.100.2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-interop.XXXXXX") || exit 1
: > "$tmp/pids"		# every background process, one pid a line

# Ends every process we started (by pid) and the namespaces (which take the
# veth pair with them). Idempotent: the final check calls it too.
cleanup()
{
	kill_bg
	ip netns del "$ns_s" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	return 0
}
trap 'cleanup; rm -rf "$tmp"; echo 0 > $trace/events/xtcp/xtcp_state/enable' EXIT

# Per path: where servers and clients run, the server's address.
path_setup()
{
	case $1 in
	lo)   srv_ns=(); cli_ns=(); srv_addr=127.0.0.1 ;;
	veth) srv_ns=(ip netns exec "$ns_s"); cli_ns=(ip netns exec "$ns_c")
	      srv_addr=$addr_s ;;
	esac
}

port=9100	# each case its own: timed() counts up (check's subshell can't)

# bulk_case PATH SERVER_KIND CLIENT_KIND: one connection, 64 MiB each way.
bulk_case()
{
	local d=$tmp/case-$1-$2$3 ok=0 sp cp
	path_setup "$1"
	mkdir -p "$d"
	bg "$d/server.out" "$d/server.err" "${srv_ns[@]}" $(xt "$2") \
		"$py" "$bulk" server "$srv_addr" $port "$tmp/b.bin" "$d/ready"
	sp=$bgpid
	wait_file "$d/ready" || { kill "$sp"; wait "$sp"; return 1; }
	bg "$d/client.out" "$d/client.err" "${cli_ns[@]}" $(xt "$3") \
		"$py" "$bulk" client "$srv_addr" $port "$tmp/a.bin"
	cp=$bgpid
	reap $cp client "$d" || ok=1
	reap $sp server "$d" || ok=1
	# Each side sent its whole file and received the other's, up to EOF.
	expect_line "$d/client.out" "sent=$bytes recv=$bytes sha256=$sha_b" || ok=1
	expect_line "$d/server.out" "sent=$bytes recv=$bytes sha256=$sha_a" || ok=1
	xtcp_closed $(count_x "$2" "$3") || ok=1
	return $ok
}

# nc_retry DIR NAME COMMAND...: run an nc client (-v, which is what makes
# it say "Connection refused"), retrying (within 20 s) only while the
# listener is not up yet (refused, no data).
nc_retry()
{
	local d=$1 name=$2 i rc
	shift 2
	for i in $(seq 100); do
		bg "$d/$name.out" "$d/$name.err" "$@"
		wait $bgpid
		rc=$?
		grep -q "Connection refused" "$d/$name.err" && [ ! -s "$d/$name.out" ] ||
			break
		sleep 0.2
	done
	return $rc
}

# nc_case PATH DIRECTION LISTENER_KIND CLIENT_KIND: one connection, one way.
#   up:   the client sends a.bin with -N (FIN at EOF); the listener writes
#         what it receives until EOF.
#   down: the listener sends b.bin with -N; the client (-d: no stdin)
#         writes what it receives until EOF.
nc_case()
{
	local d=$tmp/case-$1-nc-$2-$3$4 ok=0 lp rc want src
	path_setup "$1"
	mkdir -p "$d"
	if [ "$2" = up ]; then
		bg "$d/listener.out" "$d/listener.err" "${srv_ns[@]}" $(xt "$3") \
			nc -l "$srv_addr" $port
		lp=$bgpid
		[ "$3" = x ] && { wait_listen || ok=1; }
		nc_retry "$d" client "${cli_ns[@]}" $(xt "$4") \
			sh -c 'exec nc -v -N "$0" "$1" < "$2"' "$srv_addr" $port "$tmp/a.bin"
		rc=$?
		want=$sha_a; src=$d/listener.out
	else
		timeout "$tmo" "${srv_ns[@]}" $(xt "$3") \
			nc -l -N "$srv_addr" $port < "$tmp/b.bin" \
			> "$d/listener.out" 2> "$d/listener.err" &
		lp=$!
		echo $lp >> "$tmp/pids"
		[ "$3" = x ] && { wait_listen || ok=1; }
		nc_retry "$d" client "${cli_ns[@]}" $(xt "$4") \
			nc -v -d "$srv_addr" $port
		rc=$?
		want=$sha_b; src=$d/client.out
	fi
	if [ $rc -ne 0 ]; then
		echo "client exited with $rc"
		sed 's/^/client: /' "$d/client.err" | head
		ok=1
	fi
	reap $lp listener "$d" || ok=1
	expect_sha "$src" "$want" || ok=1
	xtcp_closed $(count_x "$3" "$4") || ok=1
	return $ok
}

# curl_download PATH: curl (kernel TCP) GETs a.bin from an xtcp
# python3 -m http.server, which closes the connection after the response.
curl_download()
{
	local d=$tmp/case-$1-curl-get ok=0 sp i
	path_setup "$1"
	mkdir -p "$d"
	bg "$d/httpd.out" "$d/httpd.err" "${srv_ns[@]}" $(xt x) \
		"$py" -m http.server --bind "$srv_addr" --directory "$tmp/www" $port
	sp=$bgpid
	wait_listen || { kill "$sp"; wait "$sp"; sed 's/^/httpd: /' "$d/httpd.err"; return 1; }
	timeout "$tmo" "${cli_ns[@]}" curl -sS --fail -o "$d/got.bin" "http://$srv_addr:$port/a.bin" 2> "$d/curl.err"
	i=$?
	[ $i -eq 0 ] || { echo "curl exited with $i"; cat "$d/curl.err"; ok=1; }
	expect_sha "$d/got.bin" "$sha_a" || ok=1
	xtcp_closed 1 || ok=1
	# The server would serve forever: stop it, it must go.
	kill -TERM $sp
	wait $sp
	return $ok
}

# curl_upload PATH: curl (kernel TCP) PUTs b.bin to bulk.py httpd under
# xtcp-run, which stores it and exits after that one request.
curl_upload()
{
	local d=$tmp/case-$1-curl-put ok=0 sp i
	path_setup "$1"
	mkdir -p "$d/up"
	bg "$d/httpd.out" "$d/httpd.err" "${srv_ns[@]}" $(xt x) \
		"$py" "$bulk" httpd "$srv_addr" $port "$d/up" "$d/ready"
	sp=$bgpid
	wait_file "$d/ready" || { kill "$sp"; wait "$sp"; return 1; }
	timeout "$tmo" "${cli_ns[@]}" curl -sS --fail -T "$tmp/b.bin" \
		-o "$d/reply" "http://$srv_addr:$port/b.bin" 2> "$d/curl.err"
	i=$?
	[ $i -eq 0 ] || { echo "curl exited with $i"; cat "$d/curl.err"; ok=1; }
	reap $sp httpd "$d" || ok=1
	expect_sha "$d/up/b.bin" "$sha_b" || ok=1
	xtcp_closed 1 || ok=1
	return $ok
}

make_data()
{
	mkdir -p "$tmp/www" &&
	head -c $((mib << 20)) /dev/urandom > "$tmp/a.bin" &&
	head -c $((mib << 20)) /dev/urandom > "$tmp/b.bin" &&
	ln "$tmp/a.bin" "$tmp/www/a.bin" &&
	[ "$(stat -c %s "$tmp/a.bin")" = $((mib << 20)) ] &&
	[ "$(stat -c %s "$tmp/b.bin")" = $((mib << 20)) ]
}

netns_setup()
{
	ip netns add "$ns_s" &&
	ip netns add "$ns_c" &&
	ip -n "$ns_s" link set lo up &&
	ip -n "$ns_c" link set lo up &&
	ip -n "$ns_s" link add "$if_s" type veth peer name "$if_c" netns "$ns_c" &&
	ip -n "$ns_s" addr add $addr_s/24 dev "$if_s" &&
	ip -n "$ns_c" addr add $addr_c/24 dev "$if_c" &&
	ip -n "$ns_s" link set "$if_s" up &&
	ip -n "$ns_c" link set "$if_c" up &&
	ip -n "$ns_c" -br link show "$if_c" | grep -qw UP
}

# timed NAME COMMAND...: check(), and the time it took as a TAP comment.
# INTEROP_CASES=REGEX runs only the matching cases (for diagnosis).
timed()
{
	local t0=$EPOCHREALTIME
	port=$((port + 1))
	if [[ ! $1 =~ ${INTEROP_CASES:-.}|^make_data$|^veth_setup$|^nothing_left$ ]]; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n $1 # SKIP not in INTEROP_CASES"
		return
	fi
	check "$@"
	printf '# %s: %.1f s\n' "$1" "$(echo "$EPOCHREALTIME - $t0" | bc)"
}

tap_plan 17
# State changes only (few), to see each case ran on xtcp and closed.
echo 1 > $trace/events/xtcp/xtcp_state/enable || exit 1
: > $trace/trace
timed make_data make_data
bytes=$((mib << 20))
sha_a=$(sha256sum < "$tmp/a.bin" | cut -d' ' -f1)
sha_b=$(sha256sum < "$tmp/b.bin" | cut -d' ' -f1)
echo "# $mib MiB each way; a.bin $sha_a, b.bin $sha_b"

for path in lo veth; do
	[ $path = veth ] && timed veth_setup netns_setup
	timed ${path}_bulk_xtcp_client_kernel_server bulk_case $path k x
	timed ${path}_bulk_kernel_client_xtcp_server bulk_case $path x k
	timed ${path}_bulk_xtcp_xtcp bulk_case $path x x
	timed ${path}_nc_kernel_client_to_xtcp_listener nc_case $path up x k
	timed ${path}_nc_xtcp_listener_to_kernel_client nc_case $path down x k
	timed ${path}_curl_download_from_xtcp curl_download $path
	timed ${path}_curl_upload_to_xtcp curl_upload $path
done
timed nothing_left all_gone
tap_done
