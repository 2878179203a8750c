#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The family module parameter: another free slot works, a taken or
# out-of-range one is refused, and the module reloads cleanly.
. "$(dirname "$0")/lib.sh"
ko=$XTCP_MODDIR/module/xtcp.ko

sock_ok() { python3 -c "import socket; socket.socket($1, socket.SOCK_STREAM).close()"; }

reload() { rmmod xtcp && insmod "$ko" "$@"; }

trap 'grep -q "^xtcp " /proc/modules || insmod "$ko"' EXIT

tap_plan 6
check reload_with_family_27 reload family=27
check family_param_reads_27 expect_eq 27 cat /sys/module/xtcp/parameters/family
check socket_in_family_27 sock_ok 27
check taken_family_refused sh -c "rmmod xtcp; ! insmod $ko family=2 2>/dev/null"
check out_of_range_family_refused sh -c "! insmod $ko family=200 2>/dev/null"
check default_family_again sh -c "insmod $ko && sock_ok() { :; } && python3 -c 'import socket; socket.socket(22, socket.SOCK_STREAM).close()'"
tap_done
