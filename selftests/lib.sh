# SPDX-License-Identifier: GPL-2.0
# TAP helpers for xtcp's shell selftests: each check() is one test case.
# Sourced by selftests/*.sh, which run inside UML through scripts/uml-run.

set -u
tap_n=0
tap_failed=0

tap_plan() { echo "TAP version 13"; echo "1..$1"; }

# check NAME COMMAND...: one test case, passing when COMMAND succeeds.
check()
{
	local name=$1 out
	shift
	tap_n=$((tap_n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $tap_n $name"
	else
		echo "not ok $tap_n $name"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		tap_failed=$((tap_failed + 1))
	fi
}

# expect_eq WANT COMMAND...: COMMAND's output is exactly WANT.
expect_eq()
{
	local want=$1 got
	shift
	got=$("$@" 2>&1) || { echo "'$*' failed: $got"; return 1; }
	[ "$got" = "$want" ] || { echo "'$*' gave '$got', want '$want'"; return 1; }
}

# expect_fail_with MSG COMMAND...: COMMAND fails and says MSG.
expect_fail_with()
{
	local msg=$1 got
	shift
	if got=$("$@" 2>&1); then
		echo "'$*' succeeded, want failure '$msg'"
		return 1
	fi
	case $got in
	*"$msg"*) return 0 ;;
	*) echo "'$*' failed with '$got', want '$msg'"; return 1 ;;
	esac
}

tap_done() { [ $tap_failed -eq 0 ]; }

# put FILE VALUE: write VALUE into FILE with bash's own write, whose error
# names the errno ("write error: Invalid argument"); dash only says EIO.
put() { printf '%s\n' "$2" > "$1"; }
