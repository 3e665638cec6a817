#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs one test under valgrind memcheck with descriptor tracking.  Fails on
# any memory error, any definite leak, and any descriptor still open at exit
# that the process itself opened (inherited ones are the runner's).
# Forked children are silent: they exit holding the test's descriptors.
# fuse-compatible: valgrind lets other threads run while a close() blocks
# (it otherwise holds its one-thread-at-a-time lock), as the kernel does
# for the holder's closer threads (tests/holder/test_holder_server.c).
set -u
log=$(mktemp "${TMPDIR:-/tmp}/fdpass-vg.XXXXXX")
valgrind --track-fds=yes --child-silent-after-fork=yes --sim-hints=fuse-compatible --error-exitcode=99 \
	--leak-check=full --errors-for-leak-kinds=definite \
	--log-file="$log" "$@"
rc=$?
leaks=$(awk '
	/== Open [^:]* [0-9]+:/ { fd = $0; getline;
		if ($0 !~ /inherited from parent/) print fd }
' "$log")
# The log is shown for what valgrind found (99: --error-exitcode), a
# death by signal, or a leaked descriptor; a program's own exit status
# (a usage error's 2, say) passes through as it is, its output untouched,
# so that tests of exact output hold under the wrapper too.
if [ "$rc" -eq 99 ] || [ "$rc" -ge 128 ] || [ -n "$leaks" ]; then
	cat "$log" >&2
	[ -n "$leaks" ] && printf 'valgrind: descriptors opened and never closed:\n%s\n' "$leaks" >&2
	rm -f "$log"
	[ "$rc" -ne 0 ] && exit "$rc"
	exit 98
fi
[ "$rc" -eq 0 ] && grep -E 'ERROR SUMMARY|FILE DESCRIPTORS' "$log" | head -2
rm -f "$log"
exit "$rc"
