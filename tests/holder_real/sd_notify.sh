#!/bin/sh
# SPDX-License-Identifier: ISC
# Real test 2 of issue 11: a client nobody here wrote, libsystemd.
#
# usage: sd_notify.sh FDPASS SD_STORE SD_LISTEN
#
# Starts `fdpass hold --notify`, then sd_store (sd_store.c) with
# NOTIFY_SOCKET naming the holder's notify socket: it stores two
# descriptors with sd_pid_notify_with_fds() and runs sd_listen
# (sd_listen.c) under `fdpass exec`, which gets them with
# sd_listen_fds_with_names().  Passes when both say so and the holder then
# has exactly two descriptors more than it started with (what it stores;
# the barrier's descriptor and every connection closed).
set -u
# shellcheck source=tests/holder_real/lib.sh
. "$(dirname "$0")/lib.sh"

fdpass=$1 sd_store=$2 sd_listen=$3
[ -r /proc/self/fdinfo/0 ] || skip "no /proc (the holder's descriptors are counted there)"

setup_tmp
start_holder "$fdpass" --notify "$tmp/notify.sock" "$tmp/hold.sock"
holder_settle "$tmp/hold.sock"
before=$(fd_count "$holder_pid")
NOTIFY_SOCKET=$tmp/notify.sock "$sd_store" "$fdpass" "$tmp/hold.sock" "$sd_listen" "$tmp" ||
	fail "sd_store failed"
holder_settle "$tmp/hold.sock"
# The holder closes what it does not keep (the barrier's descriptor) on its
# closer threads, off its loop: under load that close may come a moment
# after the last reply.  A leak stays; a late close does not.
ticks=500
after=$(fd_count "$holder_pid")
while [ "$after" -ne $((before + 2)) ] && [ "$ticks" -gt 0 ]; do
	sleep 0.02
	ticks=$((ticks - 1))
	after=$(fd_count "$holder_pid")
done
stop_holder
echo "holder (pid $holder_pid) descriptors: $before at start, $after holding 'pipe' and 'file'"
[ "$after" -eq $((before + 2)) ] ||
	fail "the holder has $after descriptors, not $before + 2"
echo PASS
