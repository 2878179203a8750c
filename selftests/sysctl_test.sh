#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /proc/sys/net/xtcp: Linux TCP's defaults, range checks that keep the old
# value, and per-namespace isolation.
#
#   init_net                    netns "xt"
#   synack_retries=3  --X-->    synack_retries=5 (default, not inherited)
. "$(dirname "$0")/lib.sh"
d=/proc/sys/net/xtcp

cleanup() { ip netns del xt 2>/dev/null; put $d/synack_retries 5; }
trap cleanup EXIT

tap_plan 19
check defaults_are_linux expect_eq "6 5 3 15 60 7200 75 9" \
	sh -c "cd $d && echo \$(cat syn_retries synack_retries retries1 retries2 fin_timeout keepalive_time keepalive_intvl keepalive_probes)"
check reordering_defaults_are_linux expect_eq "3 300" \
	sh -c "cd $d && echo \$(cat reordering max_reordering)"
check sack_dsack_on_as_linux expect_eq "1 1" \
	sh -c "cd $d && echo \$(cat sack dsack)"
# tail loss probes on, Linux's tcp_early_retrans 3; its range 0 to 4
check early_retrans_default_as_linux expect_eq 3 cat $d/early_retrans
# Linux 6.12's first four SYN timeouts without backing off
check syn_linear_timeouts_default_as_linux expect_eq 4 cat $d/syn_linear_timeouts
check early_retrans_above_four_einval expect_fail_with "Invalid argument" put $d/early_retrans 5
# Linux's rule: half the established hash, xtcp's 16384 buckets
check max_tw_buckets_half_the_hash expect_eq 8192 cat $d/max_tw_buckets
# Linux's: cookies when a SYN queue is full; max(128, hash / 128)
check syncookies_default_one expect_eq 1 cat $d/syncookies
check syncookies_above_two_einval expect_fail_with "Invalid argument" put $d/syncookies 3
check write_in_range put $d/synack_retries 3
check write_above_range_einval expect_fail_with "Invalid argument" put $d/synack_retries 256
check value_kept_after_einval expect_eq 3 cat $d/synack_retries
check write_below_range_einval expect_fail_with "Invalid argument" put $d/syn_retries 0
check delack_must40_cap expect_fail_with "Invalid argument" put $d/delack_ms 500
ip netns add xt
check new_netns_starts_from_defaults expect_eq 5 ip netns exec xt cat $d/synack_retries
check netns_write_stays_there sh -c "ip netns exec xt sh -c 'echo 7 > $d/synack_retries' && [ \$(cat $d/synack_retries) = 3 ]"
# CAP_NET_ADMIN, not euid 0, is what lets a write through.
check write_needs_cap_net_admin expect_fail_with "Operation not permitted" \
	setpriv --bounding-set -net_admin --inh-caps -net_admin -- \
	bash -c ". $(dirname "$0")/lib.sh; put $d/synack_retries 4"
check unprivileged_user_refused expect_fail_with "Permission denied" \
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
	bash -c ". $(dirname "$0")/lib.sh; put $d/synack_retries 4"
check sysctl_lists_them sh -c "sysctl -a 2>/dev/null | grep -q '^net.xtcp.synack_retries = 3$'"
tap_done
