#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: child_killed.sh FDPASS
# Runs `FDPASS demo` with its child killed by SIGKILL at its first
# recvmsg (strace's fault injection; the parent only sends), so that the
# demo must say the child was killed by a signal.  Without strace, or where
# it may not trace (no ptrace permission), it prints "SKIPPED: ..." and
# exits 0, for the test to be counted as skipped.
set -u
if ! command -v strace >/dev/null 2>&1; then
	echo "SKIPPED: strace not found (Debian: apt-get install strace)"
	exit 0
fi
if ! strace -f -qq -o /dev/null -e trace=none true 2>/dev/null; then
	echo "SKIPPED: strace may not trace here (ptrace not permitted)"
	exit 0
fi
exec strace -f -qq -o /dev/null -e trace=recvmsg \
    -e inject=recvmsg:signal=SIGKILL "$1" demo
