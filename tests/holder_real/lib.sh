# SPDX-License-Identifier: ISC
# Sourced by the real-world holder tests (lighttpd_restart.sh, sd_notify.sh):
# a temporary directory, the holder started and counted, polling with a
# deadline instead of sleeps that race, and cleanup of every process the
# test started.
#
# The environment may set FDPASS_TEST_HOLDER_WRAPPER to a command that the
# holder runs under, e.g. ci/sanitize/valgrind-wrap.sh (valgrind
# --track-fds=yes): its status is checked when the holder stops.

SKIP=77
pids=""		# every process started here, killed (KILL) at exit
holder_pid=""	# the holder itself (under a wrapper: the wrapped process)
holder_job=""	# what was started ($!): the wrapper, or the holder

skip() {
	echo "SKIPPED: $*"
	exit "$SKIP"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# setup_tmp : $tmp, removed at exit with every process still running.
setup_tmp() {
	base=${TMPDIR:-/tmp}
	# The sockets' paths must fit in sun_path (104 bytes on the BSDs).
	[ "${#base}" -le 60 ] || base=/tmp
	tmp=$(mktemp -d "$base/fdpass-holdtest.XXXXXX") || fail "mktemp"
	trap cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

cleanup() {
	rc=$?
	trap '' PIPE	# a reader gone (| grep -m1) must not stop the cleanup
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ -n "${tmp:-}" ] && [ -z "${HOLDTEST_KEEP:-}" ]; then
		# the holder's and the tools' logs, and the two newest servers'
		# shellcheck disable=SC2012  # names made here, without spaces
		for f in "$tmp/holder.log" "$tmp/store.log" "$tmp/ab.err" \
		    $(ls -t "$tmp"/lighttpd.*.log 2>/dev/null | head -n 2); do
			[ -s "$f" ] || continue
			echo "--- $(basename "$f") (last lines)" >&2
			tail -n 15 "$f" >&2
		done
	fi
	if [ -n "${HOLDTEST_KEEP:-}" ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "${tmp:-/nonexistent}"
	fi
	exit "$rc"
}

# wait_for SECONDS WHAT COMMAND... : polls COMMAND every 20 ms until it
# succeeds; fails the test with WHAT after SECONDS.
wait_for() {
	limit=$1 what=$2
	shift 2
	ticks=$((limit * 50))
	while ! "$@"; do
		ticks=$((ticks - 1))
		[ "$ticks" -gt 0 ] || fail "timed out after ${limit}s waiting for $what"
		sleep 0.02
	done
}

# A process that exited and is not yet waited for (a zombie) is dead.
dead() {
	state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}
alive() { ! dead "$1"; }

# The single child of process $1, if it has exactly one.
child_of() {
	found="" n=0
	for d in /proc/[0-9]*; do
		[ "$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status" 2>/dev/null)" = "$1" ] ||
			continue
		found=${d#/proc/} n=$((n + 1))
	done
	[ "$n" -eq 1 ] && echo "$found"
}

# holder_idle SOCKET : no client is connected to the holder's SOCKET, so
# its descriptor count holds no connection a client just closed (the
# holder may see that EOF late, under valgrind much later): no socket
# bound to SOCKET is in /proc/net/unix in state 03 (connected), only the
# listening one.
holder_idle() {
	! sed -n "s|^.* 03 [0-9]* $1\$|x|p" /proc/net/unix | grep -q x
}

# holder_settle SOCKET : waits until the holder is idle.
holder_settle() {
	wait_for 60 "the holder to close its client connections" holder_idle "$1"
}

# fd_count PID : how many descriptors PID has open.
fd_count() {
	set -- "/proc/$1"/fd/*
	echo $#
}

# socket_inode PID FD : the socket:[N] that FD of PID is.
socket_inode() {
	readlink "/proc/$1/fd/$2" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'
}

# holds_inode PID INODE : PID has a descriptor for socket INODE.
holds_inode() {
	for l in "/proc/$1"/fd/*; do
		[ "$(readlink "$l" 2>/dev/null)" = "socket:[$2]" ] && return 0
	done
	return 1
}

# start_holder FDPASS ARGS... : starts `FDPASS hold ARGS...` (under
# FDPASS_TEST_HOLDER_WRAPPER when set) and waits for its socket, the last
# argument, to appear.  Sets holder_pid.
start_holder() {
	fdpass=$1
	shift
	for last in "$@"; do :; done
	# shellcheck disable=SC2086  # the wrapper may be a command with arguments
	${FDPASS_TEST_HOLDER_WRAPPER:-} "$fdpass" hold "$@" >"$tmp/holder.log" 2>&1 &
	holder_job=$!
	pids="$pids $holder_job"
	wait_for 60 "the holder's socket $last" holder_up "$last"
	if [ -n "${FDPASS_TEST_HOLDER_WRAPPER:-}" ]; then
		holder_pid=$(child_of "$holder_job") ||
			fail "no single holder process under the wrapper (pid $holder_job)"
		pids="$holder_pid $pids"
	else
		holder_pid=$holder_job
	fi
}

holder_up() {
	alive "$holder_job" || fail "the holder exited: $(cat "$tmp/holder.log")"
	[ -S "$1" ]
}

# stop_holder : SIGTERM to the holder, and its exit status (and the
# wrapper's verdict) checked.
stop_holder() {
	kill -TERM "$holder_pid" 2>/dev/null || fail "the holder (pid $holder_pid) is gone"
	wait "$holder_job"
	st=$?
	# 143: the holder may die of the SIGTERM it was sent; a wrapper
	# (valgrind) reports its own failures with other statuses.
	case $st in
	0|143) ;;
	*) cat "$tmp/holder.log" >&2; fail "the holder exited with status $st" ;;
	esac
	if [ -n "${FDPASS_TEST_HOLDER_WRAPPER:-}" ]; then
		echo "holder under $FDPASS_TEST_HOLDER_WRAPPER: status $st; $(grep -E 'ERROR SUMMARY|FILE DESCRIPTORS' "$tmp/holder.log" | tr '\n' ' ')"
	fi
}
