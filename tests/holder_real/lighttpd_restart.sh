#!/bin/sh
# SPDX-License-Identifier: ISC
# Real test 1 of issue 11: a server nobody here wrote, replaced under load.
#
# usage: lighttpd_restart.sh FDPASS [RESTARTS]
#
# `fdpass hold` holds a TCP listening socket on 127.0.0.1 (opened by
# `fdpass store --listen`); Debian's lighttpd, configured with
# server.systemd-socket-activation = "enable", is started by
# `fdpass exec` and so gets it as fd 3.  While ab (apache2-utils) sends
# requests without pause, lighttpd is replaced RESTARTS times (20): the
# new one is started the same way, and once it accepts on the socket (its
# epoll set holds fd 3, read in /proc) and the socket is the holder's
# (same inode), the old one gets SIGINT (lighttpd's graceful stop) and is
# waited for.  Each instance must have served requests before it is
# replaced, so the load crosses every replacement.
#
# Passes when ab reports 0 failed requests (connect, receive, length,
# exceptions) and 0 non-2xx responses, every request lighttpd logged is a
# 200, and the holder has as many descriptors open after the last lighttpd
# stopped as before the first started.  Prints the counts.
#
# Requests go one per connection (HTTP/1.0, no keep-alive): what is tested
# is the listening socket handed from one server to the next.  An idle
# keep-alive connection closed by a stopping server races with the
# client's next request on any server; clients retry those, so they are
# not what this test is about.
#
# HOLDTEST_MODE, to show that the test can fail:
#   kill9   the old lighttpd is killed (SIGKILL) as soon as the new one
#           has started, requests in progress die with it;
#   cold    no holder: each lighttpd binds the port itself, the old one
#           stops before the new one starts (connections are refused);
#   drop    the holder drops the socket halfway (fdpass delete), so the
#           next fdpass exec has nothing to hand over;
#   extra   a descriptor more is stored halfway: the holder's count differs.
# Skips (77) when lighttpd or ab is missing, or without /proc.
set -u
# shellcheck source=tests/holder_real/lib.sh
. "$(dirname "$0")/lib.sh"

fdpass=$1
restarts=${2:-20}
mode=${HOLDTEST_MODE:-graceful}
concurrency=${HOLDTEST_CONCURRENCY:-8}

PATH=$PATH:/usr/sbin:/sbin
lighttpd=$(command -v lighttpd) ||
	skip "lighttpd not found (Debian: apt-get install lighttpd)"
ab=$(command -v ab) ||
	skip "ab not found (Debian: apt-get install apache2-utils)"
[ -r /proc/self/fdinfo/0 ] || skip "no /proc (the readiness probe and the descriptor count read it)"

setup_tmp
start=$(date +%s)
mkdir "$tmp/www"
# The body's length is checked by ab on every response (Failed: Length).
printf 'libfdpass holder test: served through a socket nobody reopened\n' >"$tmp/www/index.html"

# A free port below the usual ephemeral range: store binds it, or says why
# not (taken), and another is tried.
port=""
if [ "$mode" != cold ]; then
	start_holder "$fdpass" "$tmp/hold.sock"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
		if "$fdpass" store "$tmp/hold.sock" web --listen "tcp:127.0.0.1:$p" \
		    >"$tmp/store.log" 2>&1; then
			port=$p
			break
		fi
	done
	[ -n "$port" ] || fail "fdpass store --listen failed 20 times: $(cat "$tmp/store.log")"
else
	port=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
fi

cat >"$tmp/lighttpd.conf" <<CONF
server.document-root = "$tmp/www"
server.bind = "127.0.0.1"
server.port = $port
server.systemd-socket-activation = "enable"
server.modules += ( "mod_accesslog" )
accesslog.filename = "$tmp/access." + env.HOLDTEST_INSTANCE
accesslog.format = "%>s %h %t \"%r\" %b"
CONF

# instance N : starts lighttpd number N; its pid in $new.
instance() {
	if [ "$mode" = cold ]; then
		HOLDTEST_INSTANCE=$1 "$lighttpd" -D -f "$tmp/lighttpd.conf" \
		    >"$tmp/lighttpd.$1.log" 2>&1 &
	else
		HOLDTEST_INSTANCE=$1 "$fdpass" exec "$tmp/hold.sock" web -- \
		    "$lighttpd" -D -f "$tmp/lighttpd.conf" >"$tmp/lighttpd.$1.log" 2>&1 &
	fi
	new=$!
	pids="$pids $new"
}

# accepting PID N : lighttpd (not fdpass any more: exec keeps the pid) has
# registered fd 3, its listening socket, in its epoll set.
accepting() {
	alive "$1" || fail "lighttpd $2 (pid $1) exited: $(cat "$tmp/lighttpd.$2.log")"
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*/lighttpd) ;;
	*) return 1 ;;
	esac
	for f in "/proc/$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "anon_inode:[eventpoll]" ] || continue
		grep -Eq '^tfd: +3 ' "/proc/$1/fdinfo/${f##*/}" 2>/dev/null && return 0
	done
	return 1
}

# served N : instance N wrote requests to its access log (lighttpd flushes
# it every 8 KiB, so this is some 100 requests).
served() {
	alive "$ab_pid" || fail "ab exited early: $(grep . "$tmp/ab.err" | tr "\n" " ")"
	[ -s "$tmp/access.$1" ]
}

# same_socket PID : fd 3 of PID is the socket the holder holds.
same_socket() {
	ino=$(socket_inode "$1" 3)
	[ -n "$ino" ] || fail "fd 3 of lighttpd (pid $1) is no socket"
	holds_inode "$holder_pid" "$ino" ||
		fail "fd 3 of lighttpd (pid $1) is socket $ino, which the holder does not hold"
}

# stop PID N : SIGINT (graceful), and lighttpd must exit 0.
stop() {
	kill -INT "$1" || fail "lighttpd $2 (pid $1) is gone"
	wait_for 30 "lighttpd $2 (pid $1) to stop" dead "$1"
	wait "$1"
	st=$?
	[ "$st" -eq 0 ] || fail "lighttpd $2 exited with status $st: $(cat "$tmp/lighttpd.$2.log")"
}

before=""
if [ "$mode" != cold ]; then
	holder_settle "$tmp/hold.sock"
	before=$(fd_count "$holder_pid")
fi

instance 0
old=$new
wait_for 30 "lighttpd 0 to accept" accepting "$old" 0
[ "$mode" != cold ] && same_socket "$old"

# ab: at most 100 s or a million requests, whichever comes first; it is
# stopped with SIGINT, on which it prints what it measured.  -r: a receive
# error is counted, not the end of the run; -s: a request unanswered for
# 10 s fails.
"$ab" -r -s 10 -t 100 -n 1000000 -c "$concurrency" \
    "http://127.0.0.1:$port/index.html" >"$tmp/ab.log" 2>"$tmp/ab.err" &
ab_pid=$!
pids="$pids $ab_pid"
wait_for 30 "lighttpd 0 to serve requests" served 0

i=1
while [ "$i" -le "$restarts" ]; do
	if [ "$i" -eq $((restarts / 2 + 1)) ]; then
		case $mode in
		drop)	"$fdpass" delete "$tmp/hold.sock" web ;;
		extra)	"$fdpass" store "$tmp/hold.sock" extra --fd 0 ;;
		esac
	fi
	if [ "$mode" = cold ]; then
		stop "$old" $((i - 1))
		instance "$i"
		wait_for 30 "lighttpd $i to accept" accepting "$new" "$i"
	else
		instance "$i"
		if [ "$mode" = kill9 ]; then
			kill -KILL "$old"
			wait "$old" 2>/dev/null
			wait_for 30 "lighttpd $i to accept" accepting "$new" "$i"
		else
			wait_for 30 "lighttpd $i to accept" accepting "$new" "$i"
			same_socket "$new"
			stop "$old" $((i - 1))
		fi
	fi
	old=$new
	wait_for 30 "lighttpd $i to serve requests" served "$i"
	i=$((i + 1))
done

alive "$ab_pid" || fail "ab exited early: $(grep . "$tmp/ab.err" | tr "\n" " ")"
kill -INT "$ab_pid"
wait "$ab_pid"
stop "$old" "$restarts"
after=""
if [ "$mode" != cold ]; then
	holder_settle "$tmp/hold.sock"
	after=$(fd_count "$holder_pid")
	stop_holder
fi
secs=$(( $(date +%s) - start ))

complete=$(sed -n 's/^Complete requests: *//p' "$tmp/ab.log")
failed=$(sed -n 's/^Failed requests: *//p' "$tmp/ab.log")
why=$(grep -A1 '^Failed requests:' "$tmp/ab.log" | sed -n '2s/^ *\((Connect.*\)/\1/p')
non2xx=$(sed -n 's/^Non-2xx responses: *//p' "$tmp/ab.log")
non2xx=${non2xx:-0}
server_total=$(cat "$tmp"/access.* | wc -l | tr -d ' ')
server_non200=$(cat "$tmp"/access.* | grep -vc '^200 ')
per_instance=$(i=0; while [ "$i" -le "$restarts" ]; do
	printf ' %s' "$(wc -l <"$tmp/access.$i" | tr -d ' ')"; i=$((i + 1)); done)

echo "lighttpd replaced $restarts times under ab -c $concurrency ($mode), ${secs}s:"
echo "  requests completed (ab): ${complete:-none}"
echo "  failed requests (ab):    ${failed:-?} ${why}"
echo "  non-2xx responses (ab):  $non2xx"
echo "  requests logged by lighttpd: $server_total, not 200: $server_non200"
echo "  per instance:$per_instance"
[ "$mode" != cold ] &&
	echo "  holder (pid $holder_pid) descriptors: before $before, after $after"

[ -n "$complete" ] || fail "ab printed no results: $(cat "$tmp/ab.err")"
[ "$complete" -gt 0 ] || fail "no request completed"
[ "$failed" = 0 ] || fail "$failed failed requests $why"
[ "$non2xx" = 0 ] || fail "$non2xx non-2xx responses"
[ "$server_non200" = 0 ] || fail "lighttpd logged $server_non200 responses that are not 200"
[ "$server_total" -ge "$complete" ] ||
	fail "lighttpd logged $server_total requests, fewer than ab's $complete"
[ "$before" = "$after" ] ||
	fail "the holder had $before descriptors before, $after after"
echo "PASS"
