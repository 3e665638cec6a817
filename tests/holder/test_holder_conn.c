/* SPDX-License-Identifier: ISC */
/*
 * The holder's connections against hostile clients: parked WAIT_READY
 * connections have a deadline and cannot take every slot, another uid
 * cannot take the owner's, a parked connection that breaks the protocol
 * is told so, and a client that never reads its replies cannot use up
 * the descriptors a holder that is not root may have in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "holder/base.h"

/* The tests' client timeout (harness.c sets it for the holder). */
#define TEST_CLIENT_TIMEOUT_MS 1500

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* WAIT_READY for a READY=1 count above `after`, with timeout_ms (12
   bytes) or without (the 8-byte form). */
static void
send_wait_ready(int sock, uint32_t after, int with_timeout,
    uint32_t timeout_ms)
{
	unsigned char p[12];

	holder_put_u32(p, after);
	holder_put_u32(p + 4, 0);
	holder_put_u32(p + 8, timeout_ms);
	assert_int_equal(holder_send(sock, HOLDER_WAIT_READY, p,
	    with_timeout ? 12 : 8, NULL, 0), 0);
}

/* Whether the holder has answered on sock within ms. */
static int
answered(int sock, int ms)
{
	struct pollfd pfd = { sock, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1;
}

/*
 * A request without payload on a new connection is answered OK; else the
 * test fails with what the holder said (a refused connection may be
 * closed before the request is sent).
 */
static void
assert_served(int code)
{
	struct holder_reply r;
	int sock = xconnect();

	if (holder_send(sock, code, NULL, 0, NULL, 0) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)
		fail_msg("request %d: %s", code, strerror(errno));
	if (holder_recv(sock, &r) == -1)
		fail_msg("request %d: no reply (%s)", code, strerror(errno));
	if (r.header.code != HOLDER_OK)
		fail_msg("request %d refused: %s", code, holder_error_text(&r));
	holder_reply_close_fds(&r);
	xclose(sock);
}

/* ---- parked WAIT_READY connections ---- */

/*
 * Every slot the holder gives, parked in WAIT_READY: those past the
 * parked limit are BUSY, and a new connection is still served.
 */
static void
test_parked_leave_slots_for_requests(void **state)
{
	int socks[HOLD_CONNECTIONS_MAX], refused[HOLD_CONNECTIONS_MAX] = { 0 };
	struct holder_reply r;
	size_t i, nrefused = 0;
	int64_t until;
	int p[2];

	(void)state;
	xpipe(p);
	(void)holder_settled();
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
		socks[i] = xconnect();
		send_wait_ready(socks[i], 0, 0, 0);
	}
	/* Those the holder does not park are answered at once. */
	until = now_ms() + 3000;
	while (now_ms() < until &&
	    nrefused < HOLD_CONNECTIONS_MAX - HOLD_PARKED_MAX) {
		for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
			if (refused[i] || !answered(socks[i], 0))
				continue;
			assert_error_then_closed(socks[i], HOLDER_E_BUSY);
			refused[i] = 1;
			nrefused++;
		}
		sleep_ms(10);
	}
	/* Requests from new connections are served meanwhile. */
	assert_served(HOLDER_INFO);
	assert_served(HOLDER_LIST);
	store("p", p[1]);
	assert_int_equal(retrieve("p", &r), 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	assert_int_equal(nrefused, HOLD_CONNECTIONS_MAX - HOLD_PARKED_MAX);
	xclose_all(socks, HOLD_CONNECTIONS_MAX);
	xclose_all(p, 2);
}

/* A WAIT_READY with timeout_ms = 300: TIMEOUT after 0.3 s, and closed. */
static void
test_wait_ready_times_out(void **state)
{
	int64_t start, waited;
	int sock;

	(void)state;
	sock = xconnect();
	start = now_ms();
	send_wait_ready(sock, 0, 1, 300);
	assert_error_then_closed(sock, HOLDER_E_TIMEOUT);
	waited = now_ms() - start;
	if (waited < 290 || waited > 5000)
		fail_msg("TIMEOUT after %lld ms, for 300", (long long)waited);
	xclose(sock);
	assert_int_equal(holder_settled().connections, 1);
}

/* The 8-byte form still parks until READY=1. */
static void
test_wait_ready_without_timeout(void **state)
{
	struct holder_reply r;
	int sock;

	(void)state;
	sock = xconnect();
	send_wait_ready(sock, 0, 0, 0);
	assert_false(answered(sock, 200));
	notify("READY=1", NULL, 0);
	assert_int_equal(holder_recv(sock, &r), 0);
	assert_int_equal(r.header.code, HOLDER_OK);
	assert_int_equal(holder_get_u32(r.payload), 1);
	xclose(sock);
}

/*
 * STOPPING=1 answers a waiting client at once, with STOPPING, whether it
 * comes alone or beside a READY=1: the service will not become ready.
 */
static void
test_stopping_answers_wait_ready(void **state)
{
	const char *messages[] = { "STOPPING=1", "READY=1\nSTOPPING=1" };
	size_t i;
	int sock;

	(void)state;
	for (i = 0; i < 2; i++) {
		sock = xconnect();
		send_wait_ready(sock, 0, 0, 0);
		assert_false(answered(sock, 100));
		notify(messages[i], NULL, 0);
		assert_error_then_closed(sock, HOLDER_E_STOPPING);
		xclose(sock);
	}
	assert_int_equal(holder_settled().ready_count, 0);
}

/*
 * As root: an allowed uid opening every connection it can leaves the
 * holder's own uid served.
 */
static void
test_other_uid_cannot_lock_owner_out(void **state)
{
	char *const extra[] = { (char *)"--allow-uid", (char *)"12345", NULL };
	struct holder_reply r;
	unsigned char admitted;
	int status, done[2], count[2];
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	restart_holder_for_others(extra);
	xpipe(done);
	xpipe(count);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		int socks[HOLD_CONNECTIONS_MAX];
		size_t i;
		char byte;

		xclose(done[1]);
		xclose(count[0]);
		if (setgid(65534) == -1 || setuid(12345) == -1)
			_exit(10);
		/* Each connection asks INFO: OK once admitted, BUSY when
		   refused; either way the holder has decided. */
		admitted = 0;
		for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
			if ((socks[i] = holder_connect(holder.ctl)) == -1)
				_exit(11);
			if (holder_send(socks[i], HOLDER_INFO, NULL, 0, NULL,
			    0) == -1 && errno != EPIPE && errno != ECONNRESET)
				_exit(12);
			if (holder_recv(socks[i], &r) == 0 &&
			    r.header.code == HOLDER_OK)
				admitted++;
		}
		if (write(count[1], &admitted, 1) != 1)
			_exit(13);
		/* Keeps them open until the parent has asked (end of file
		   or a byte: either way, the parent is done). */
		if (read(done[0], &byte, 1) == -1)
			_exit(14);
		_exit(0);
	}
	xclose(done[0]);
	xclose(count[1]);
	assert_int_equal(read(count[0], &admitted, 1), 1);
	/* The owner is served while the other uid holds all it could. */
	assert_served(HOLDER_LIST);
	assert_int_equal(admitted, HOLD_CONNECTIONS_PER_UID_MAX);
	xclose(done[1]);
	xclose(count[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
}

/* ---- a parked connection that breaks the protocol ---- */

/* A byte and two descriptors while parked: MALFORMED, closed, and both
   descriptors closed in the holder. */
static void
test_parked_fds_answered_malformed(void **state)
{
	struct holder_info before, after;
	int sock, p[2];

	(void)state;
	xpipe(p);
	before = holder_settled();
	sock = xconnect();
	send_wait_ready(sock, before.ready_count, 0, 0);
	assert_false(answered(sock, 100));
	send_raw(sock, "x", 1, p, 2);
	assert_error_then_closed(sock, HOLDER_E_MALFORMED);
	xclose(sock);
	after = holder_settled();
	assert_int_equal(after.open_fds, before.open_fds);
	xclose_all(p, 2);
}

/* ---- replies whose descriptors the client does not read ---- */

#ifdef __linux__
/* Bytes waiting, unread, in sock. */
static int
unread_bytes(int sock)
{
	int n;

	assert_int_equal(ioctl(sock, FIONREAD, &n), 0);
	return n;
}

/* 64 descriptors under "big", each its own open file. */
static void
store_64(void)
{
	int fds[HOLDER_FRAME_FDS_MAX];
	struct holder_reply r;
	size_t i;

	for (i = 0; i < HOLDER_FRAME_FDS_MAX; i++)
		assert_int_not_equal(fds[i] = open("/dev/null", O_RDONLY), -1);
	assert_int_equal(request(HOLDER_STORE, "big", 3, fds,
	    HOLDER_FRAME_FDS_MAX, &r), HOLDER_OK);
	xclose_all(fds, HOLDER_FRAME_FDS_MAX);
}

/*
 * A holder that is not root, with RLIMIT_NOFILE 256: a client sending
 * RETRIEVE after RETRIEVE of 64 descriptors and reading none cannot use
 * up the holder's quota of descriptors in flight.
 */
static void
test_unread_replies_keep_quota(void **state)
{
	char *allow_root[] = { (char *)"--allow-uid", (char *)"0", NULL };
	struct holder_reply r;
	int hostile, i;

	(void)state;
	if (geteuid() != 0)
		skip();
	start_holder_as(65534, 256, allow_root);
	store_64();
	hostile = xconnect();
	for (i = 0; i < 20; i++)
		assert_int_equal(holder_send(hostile, HOLDER_RETRIEVE, "big",
		    3, NULL, 0), 0);
	sleep_ms(300);
	/* A fresh client still gets its 64. */
	assert_int_equal(retrieve("big", &r), HOLDER_FRAME_FDS_MAX);
	holder_reply_close_fds(&r);
	/* The hostile one got one reply, and nothing more meanwhile. */
	assert_int_equal(unread_bytes(hostile), HOLDER_HEADER_SIZE);
	xclose(hostile);
	assert_int_equal(holder_settled().entries, HOLDER_FRAME_FDS_MAX);
}

/*
 * A connection that sent two RETRIEVEs of a pipe end stored as "p" and
 * reads nothing: the first reply, and its descriptor, wait unread.
 */
static int
retrieve_twice_unread(int p[2])
{
	int sock;

	xpipe(p);
	store("p", p[1]);
	sock = xconnect();
	assert_int_equal(holder_send(sock, HOLDER_RETRIEVE, "p", 1, NULL, 0),
	    0);
	assert_int_equal(holder_send(sock, HOLDER_RETRIEVE, "p", 1, NULL, 0),
	    0);
	return sock;
}

/*
 * A client past its deadline with a reply's descriptors unread keeps its
 * slot (closing would leave them charged to the holder) until it reads
 * them; then it is closed.
 */
static void
test_unread_reply_not_closed_at_deadline(void **state)
{
	struct holder_info info;
	struct holder_reply r;
	int sock, p[2];

	(void)state;
	sock = retrieve_twice_unread(p);
	sleep_ms(TEST_CLIENT_TIMEOUT_MS + 1000);
	get_info(&info);
	assert_int_equal(info.connections, 2);
	assert_int_equal(holder_recv(sock, &r), 0);
	assert_int_equal(r.nfds, 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	/* Received: the step's deadline is long past, so it ends. */
	assert_int_equal(holder_settled().connections, 1);
	assert_int_equal(unread_bytes(sock), 0);
	xclose(sock);
	xclose_all(p, 2);
}

/* The holder's CPU time so far, in clock ticks (/proc/PID/stat). */
static long
holder_cpu_ticks(void)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)holder.pid);
	assert_int_not_equal(fd = open(path, O_RDONLY), -1);
	assert_true((n = read(fd, buf, sizeof buf - 1)) > 0);
	xclose(fd);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the command's closing ')'. */
	assert_non_null(p = strrchr(buf, ')'));
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %lu %lu", &utime, &stime), 2);
	return (long)(utime + stime);
}

/*
 * A client that shuts its end down with a reply's descriptors unread
 * (poll then reports a hangup on the holder's end for ever) keeps its
 * slot, and the holder does not spin on it.
 */
static void
test_unread_reply_after_shutdown(void **state)
{
	struct holder_info info;
	int sock, p[2];
	long before;

	(void)state;
	if (!holder_runs_natively())
		skip();	/* the CPU time would be the wrapper's */
	sock = retrieve_twice_unread(p);
	sleep_ms(100);
	assert_int_equal(shutdown(sock, SHUT_RDWR), 0);
	before = holder_cpu_ticks();
	sleep_ms(1000);
	if (holder_cpu_ticks() - before > sysconf(_SC_CLK_TCK) / 5)
		fail_msg("the holder used %ld ticks in 1 s",
		    holder_cpu_ticks() - before);
	get_info(&info);
	assert_int_equal(info.connections, 2);
	xclose(sock);
	assert_int_equal(holder_settled().connections, 1);
	xclose_all(p, 2);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		holder_test(test_parked_leave_slots_for_requests),
		holder_test(test_wait_ready_times_out),
		holder_test(test_wait_ready_without_timeout),
		holder_test(test_stopping_answers_wait_ready),
		holder_test(test_other_uid_cannot_lock_owner_out),
		holder_test(test_parked_fds_answered_malformed),
#ifdef __linux__
		holder_test(test_unread_replies_keep_quota),
		holder_test(test_unread_reply_not_closed_at_deadline),
		holder_test(test_unread_reply_after_shutdown),
#endif
	};

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	return cmocka_run_group_tests_name("holder_conn", tests, NULL, NULL);
}
