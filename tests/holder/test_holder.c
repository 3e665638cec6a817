/* SPDX-License-Identifier: ISC */
/*
 * `fdpass hold` and its clients, end to end: each test starts a holder
 * (the real command, under FDPASS_TEST_HOLDER_WRAPPER when set, e.g.
 * valgrind), talks to it with the protocol code of tools/holder/proto.c or
 * with raw bytes, and stops it with SIGTERM, checking that it exits 0 and
 * removes its socket files.  The test process's own descriptors are
 * counted around every test (support.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"

/* The stress: clients, and the RSS growth allowed over them. */
#define STRESS_CLIENTS 1000
#define STRESS_RSS_GROWTH_KB 256
/* A stalled client is dropped after this (the holder's default: 10 s). */
#define TEST_CLIENT_TIMEOUT_MS 1500

/* ---- protocol round trips ---- */

static void
test_store_retrieve_same_pipe(void **state)
{
	struct holder_reply r;
	int p[2];

	(void)state;
	xpipe(p);
	store("pipe", p[1]);
	xclose(p[1]);	/* the holder's copy keeps the pipe open */
	assert_int_equal(retrieve("pipe", &r), 1);
	assert_true(has_cloexec(r.fds[0]));
	assert_same_pipe(p[0], r.fds[0]);
	xclose(r.fds[0]);
	xclose(p[0]);
}

static void
test_same_name_keeps_order(void **state)
{
	struct holder_reply r;
	uint32_t count;
	int a[2], b[2];

	(void)state;
	xpipe(a);
	xpipe(b);
	store("twice", a[1]);
	store("twice", b[1]);
	assert_int_equal(retrieve("twice", &r), 2);
	assert_same_pipe(a[0], r.fds[0]);
	assert_same_pipe(b[0], r.fds[1]);
	holder_reply_close_fds(&r);

	assert_int_equal(request(HOLDER_DELETE, "twice", 5, NULL, 0, &r),
	    HOLDER_OK);
	count = holder_get_u32(r.payload);
	assert_int_equal(count, 2);
	assert_int_equal(request(HOLDER_RETRIEVE, "twice", 5, NULL, 0, &r),
	    HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_NOT_FOUND);
	xclose_all(a, 2);
	xclose_all(b, 2);
}

static void
test_same_socket_stored_once(void **state)
{
	struct holder_reply r;
	int sv[2];

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	store("sock", sv[0]);
	store("sock", sv[0]);	/* systemd suppresses it too */
	assert_int_equal(retrieve("sock", &r), 1);
	holder_reply_close_fds(&r);
	/* Under another name: refused, not silently ignored. */
	assert_int_equal(request(HOLDER_STORE, "other", 5, &sv[0], 1, &r),
	    HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_ALREADY_HELD);
	assert_string_equal(holder_error_text(&r),
	    "this descriptor is already held as 'sock'");
	xclose_all(sv, 2);
}

static void
test_list_says_what_each_is(void **state)
{
	char upath[160], want[4][200];
	struct holder_reply r;
	unsigned port;
	int tcp, unx, p[2], file, sock, i;

	(void)state;
	snprintf(upath, sizeof upath, "%s/u.sock", holder.dir);
	tcp = tcp_listener(&port);
	unx = unix_listener(upath);
	xpipe(p);
	assert_int_not_equal(file = open("/dev/null", O_RDONLY), -1);
	store("web", tcp);
	store("local", unx);
	store("pipe", p[0]);
	store("null", file);
	snprintf(want[0], sizeof want[0], "web%c%s 127.0.0.1:%u", 0,
	    "tcp listener", port);
	snprintf(want[1], sizeof want[1], "local%cunix listener %s", 0, upath);
	snprintf(want[2], sizeof want[2], "pipe%cpipe", 0);
	snprintf(want[3], sizeof want[3], "null%ccharacter device", 0);

	sock = xconnect();
	assert_int_equal(request_on(sock, HOLDER_LIST, NULL, 0, NULL, 0, &r),
	    HOLDER_ENTRY);
	for (i = 0; i < 4; i++) {
		size_t name_len = strlen(want[i]);
		const char *what = want[i] + name_len + 1;
#ifndef SO_ACCEPTCONN
		/* Without SO_ACCEPTCONN (OpenBSD) "listener" is unknown. */
		if (i < 2)
			what = i == 0 ? "tcp" : "unix";
#endif
		if (i > 0)
			assert_int_equal(holder_recv(sock, &r), 0);
		assert_int_equal(r.header.code, HOLDER_ENTRY);
		assert_string_equal((char *)r.payload, want[i]);
		if (strncmp((char *)r.payload + name_len + 1, what,
		    strlen(what)) != 0)
			fail_msg("entry %d: '%s', expected '%s'", i,
			    (char *)r.payload + name_len + 1, what);
	}
	assert_int_equal(holder_recv(sock, &r), 0);
	assert_int_equal(r.header.code, HOLDER_OK);
	xclose(sock);
	xclose(tcp);
	xclose(unx);
	assert_int_equal(unlink(upath), 0);
	xclose_all(p, 2);
	xclose(file);
}

static void
test_bad_names_refused(void **state)
{
	static const char *const bad[] = { "", "a:b", "tab\there",
	    "del\x7f", "h\xc3\xa9" };
	char long_name[HOLDER_NAME_MAX + 2];
	struct holder_reply r;
	size_t i;
	int p[2], sock;

	(void)state;
	xpipe(p);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sock = xconnect();
		assert_int_equal(holder_send(sock, HOLDER_STORE, bad[i],
		    strlen(bad[i]), &p[1], 1), 0);
		assert_error_then_closed(sock, HOLDER_E_BAD_NAME);
		xclose(sock);
	}
	memset(long_name, 'n', sizeof long_name);
	sock = xconnect();
	assert_int_equal(holder_send(sock, HOLDER_RETRIEVE, long_name,
	    HOLDER_NAME_MAX + 1, NULL, 0), 0);
	assert_error_then_closed(sock, HOLDER_E_BAD_NAME);
	xclose(sock);
	/* 255 bytes and every printable character but ':' are fine. */
	long_name[HOLDER_NAME_MAX] = '\0';
	store(long_name, p[1]);
	store("a b!~\"'", p[0]);	/* p[1] is held: one name each */
	assert_int_equal(request(HOLDER_DELETE, long_name, HOLDER_NAME_MAX,
	    NULL, 0, &r), HOLDER_OK);
	xclose_all(p, 2);
}

/* ---- malformed frames: an error reply, then the connection closed ---- */

static void
test_malformed_frames(void **state)
{
	unsigned char frame[HOLDER_HEADER_SIZE + 8];
	struct holder_info before;
	int p[2];

	(void)state;
	xpipe(p);
	get_info(&before);
	if (before.open_fds == UINT32_MAX)
		skip();
	raw_header(frame, 2, HOLDER_LIST, 0, 0);
	expect_malformed(frame, HOLDER_HEADER_SIZE, NULL, 0);
	raw_header(frame, HOLDER_VERSION, 99, 0, 0);
	expect_malformed(frame, HOLDER_HEADER_SIZE, NULL, 0);
	raw_header(frame, HOLDER_VERSION, HOLDER_RETRIEVE, 0, 5000);
	expect_malformed(frame, HOLDER_HEADER_SIZE, NULL, 0);
	raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 65, 1);
	expect_malformed(frame, HOLDER_HEADER_SIZE, NULL, 0);
	/* A STORE that announces a descriptor and sends none. */
	raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 1, 1);
	frame[HOLDER_HEADER_SIZE] = 'x';
	expect_malformed(frame, HOLDER_HEADER_SIZE + 1, NULL, 0);
	/* Descriptors with a request that takes none: closed by the
	   holder, which the count below proves. */
	raw_header(frame, HOLDER_VERSION, HOLDER_LIST, 0, 0);
	expect_malformed(frame, HOLDER_HEADER_SIZE, p, 2);
	/* More descriptors than announced. */
	raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 1, 1);
	expect_malformed(frame, HOLDER_HEADER_SIZE + 1, p, 2);
	assert_int_equal(holder_settled().open_fds, before.open_fds);
	xclose_all(p, 2);
}

/* ---- robustness ---- */

static void
test_stalled_client_blocks_nobody(void **state)
{
	unsigned char frame[HOLDER_HEADER_SIZE];
	struct holder_reply r;
	int stalled, p[2];
	char byte;

	(void)state;
	xpipe(p);
	stalled = xconnect();
	raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 1, 4);
	send_raw(stalled, frame, 3, NULL, 0);	/* and then nothing */
	/* Others are served meanwhile. */
	store("live", p[1]);
	assert_int_equal(retrieve("live", &r), 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	/* The stalled one is dropped at its deadline, without a reply. */
	assert_int_equal(read(stalled, &byte, 1), 0);
	xclose(stalled);
	xclose_all(p, 2);
}

/*
 * One client of the stress: stores, retrieves, deletes, and dies in its
 * own way.
 */
static void
dying_client(int way, int wfd)
{
	unsigned char frame[HOLDER_HEADER_SIZE + 4];
	struct holder_reply r;
	int sock = xconnect();

	assert_int_equal(request_on(sock, HOLDER_STORE, "stress", 6, &wfd, 1,
	    &r), HOLDER_OK);
	assert_int_equal(request_on(sock, HOLDER_RETRIEVE, "stress", 6, NULL,
	    0, &r), HOLDER_OK);
	holder_reply_close_fds(&r);
	if (way == 3) {
		/* Gone before reading a reply that carries a descriptor
		   (the entry may survive: the next client deletes it). */
		assert_int_equal(holder_send(sock, HOLDER_RETRIEVE, "stress",
		    6, NULL, 0), 0);
		assert_int_equal(holder_send(sock, HOLDER_DELETE, "stress", 6,
		    NULL, 0), 0);
		xclose(sock);
		return;
	}
	assert_int_equal(request_on(sock, HOLDER_DELETE, "stress", 6, NULL,
	    0, &r), HOLDER_OK);
	raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 1, 4);
	memcpy(frame + HOLDER_HEADER_SIZE, "stre", 4);
	if (way == 1)		/* gone in the middle of a header */
		send_raw(sock, frame, 5, NULL, 0);
	else if (way == 2)	/* gone with a descriptor in flight */
		send_raw(sock, frame, HOLDER_HEADER_SIZE + 2, &wfd, 1);
	xclose(sock);		/* way 0: gone between requests */
}

/* A real process that dies in the middle of a request. */
static void
dying_process(int wfd)
{
	unsigned char frame[HOLDER_HEADER_SIZE + 4] = { 0 };
	pid_t pid;
	int status, sock;

	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if ((sock = holder_connect(holder.ctl)) == -1)
			_exit(1);
		raw_header(frame, HOLDER_VERSION, HOLDER_STORE, 1, 4);
		send_raw(sock, frame, HOLDER_HEADER_SIZE + 1, &wfd, 1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
}

/* count clients, then what they left is deleted and the holder idle. */
static struct holder_info
run_dying_clients(int count, int wfd)
{
	struct holder_reply r;
	int i;

	for (i = 0; i < count; i++) {
		if (i % 10 == 9)
			dying_process(wfd);
		else
			dying_client(i % 4, wfd);
	}
	(void)request(HOLDER_DELETE, "stress", 6, NULL, 0, &r);
	return holder_settled();
}

/* The 65th connection is refused with BUSY; the holder then goes on. */
static void
test_too_many_connections(void **state)
{
	int socks[64], extra, p[2];
	struct holder_reply r;
	size_t i;

	(void)state;
	xpipe(p);
	for (i = 0; i < 64; i++)
		socks[i] = xconnect();
	extra = xconnect();
	assert_error_then_closed(extra, HOLDER_E_BUSY);
	xclose(extra);
	for (i = 0; i < 64; i++)
		xclose(socks[i]);
	(void)holder_settled();
	store("after", p[1]);
	assert_int_equal(retrieve("after", &r), 1);
	holder_reply_close_fds(&r);
	xclose_all(p, 2);
}

/*
 * n distinct open files: each open() of /dev/null is one, and the holder
 * keeps one entry per open file however often it is stored.
 */
static void
open_distinct(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_not_equal(fds[i] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC), -1);
}

/* STORE of n distinct open files under name, closed here after. */
static int
store_distinct(const char *name, size_t n, struct holder_reply *r)
{
	int fds[HOLDER_FRAME_FDS_MAX], code;
	size_t i;

	open_distinct(fds, n);
	code = request(HOLDER_STORE, name, strlen(name), fds, n, r);
	for (i = 0; i < n; i++)
		xclose(fds[i]);
	return code;
}

/* 64 descriptors under a name, 1024 in all; past that, FULL. */
static void
test_limits_on_entries(void **state)
{
	struct holder_reply r;
	struct rlimit rl;
	char name[16];
	size_t i;

	(void)state;
	assert_int_equal(store_distinct("full", HOLDER_FRAME_FDS_MAX, &r),
	    HOLDER_OK);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_FRAME_FDS_MAX);
	assert_int_equal(store_distinct("full", 1, &r), HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_FULL);
	assert_int_equal(retrieve("full", &r), HOLDER_FRAME_FDS_MAX);
	holder_reply_close_fds(&r);
	/* The whole table, where the holder may have that many open. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2048)
		return;
	for (i = 1; i < 1024 / HOLDER_FRAME_FDS_MAX; i++) {
		snprintf(name, sizeof name, "full%zu", i);
		assert_int_equal(store_distinct(name, HOLDER_FRAME_FDS_MAX,
		    &r), HOLDER_OK);
	}
	assert_int_equal(store_distinct("one-more", 1, &r), HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_FULL);
	assert_string_equal(holder_error_text(&r),
	    "the holder is full (1024 descriptors)");
}

static void
test_stress_dying_clients(void **state)
{
	struct holder_info before, after;
	struct holder_reply r;
	int p[2];

	(void)state;
	xpipe(p);
	/* Warm up: every code path once, every lazily built thing built. */
	before = run_dying_clients(100, p[1]);
	after = run_dying_clients(STRESS_CLIENTS, p[1]);
	print_message("holder after %d dying clients: %u -> %u descriptors, "
	    "peak RSS %u -> %u KiB\n", STRESS_CLIENTS, before.open_fds,
	    after.open_fds, before.peak_rss_kb, after.peak_rss_kb);
	if (before.open_fds != UINT32_MAX)
		assert_int_equal(after.open_fds, before.open_fds);
	assert_int_equal(after.entries, 0);
	/* Under valgrind or qemu the RSS is theirs. */
	if (holder_runs_natively() &&
	    after.peak_rss_kb > before.peak_rss_kb + STRESS_RSS_GROWTH_KB)
		fail_msg("peak RSS grew by %u KiB",
		    after.peak_rss_kb - before.peak_rss_kb);
	/* Still serving. */
	store("after", p[1]);
	assert_int_equal(retrieve("after", &r), 1);
	holder_reply_close_fds(&r);
	xclose_all(p, 2);
}

static void
test_sigint_clean_exit(void **state)
{
	char byte;
	int p[2];

	fd_baseline_setup(state);
	start_holder(NULL);
	xpipe(p);
	store("held", p[1]);	/* closed by the holder on the way out */
	xclose(p[1]);
	stop_holder(SIGINT);
	/* Its copy is closed: the pipe has no writer left. */
	assert_int_equal(read(p[0], &byte, 1), 0);
	xclose(p[0]);
	assert_int_equal(fd_baseline_teardown(state), 0);
}

static void
test_busy_path_refused(void **state)
{
	struct holder_info info;
	pid_t pid;
	int status;

	(void)state;
	/* A second holder on the same, live, socket must not take it. */
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		close_from_3();
		exec_fdpass((char *[]){ (char *)"fdpass", (char *)"hold",
		    holder.ctl, NULL });
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	/* The first still answers. */
	get_info(&info);
	assert_int_equal(info.pid, holder.pid);
}

/* As root: a uid that is not allowed is refused, an allowed one served. */
static void
test_other_uid_refused(void **state)
{
	char *const extra[] = { (char *)"--allow-uid", (char *)"12345", NULL };
	uid_t uids[2] = { 12345, 23456 };
	int expect_ok[2] = { 1, 0 }, i;

	(void)state;
	if (geteuid() != 0)
		skip();
	restart_holder_for_others(extra);
	for (i = 0; i < 2; i++) {
		struct holder_reply r;
		pid_t pid;
		int status, sock, code;

		assert_int_not_equal(pid = fork(), -1);
		if (pid == 0) {
			if (setgid(65534) == -1 || setuid(uids[i]) == -1)
				_exit(10);
			if ((sock = holder_connect(holder.ctl)) == -1)
				_exit(11);
			if (holder_send(sock, HOLDER_LIST, NULL, 0, NULL, 0) ==
			    -1 && errno != EPIPE && errno != ECONNRESET)
				_exit(12);
			if (holder_recv(sock, &r) == -1)
				_exit(13);
			code = r.header.code;
			if (code == HOLDER_ERROR && holder_get_u32(r.payload)
			    != HOLDER_E_DENIED)
				_exit(14);
			_exit(code == HOLDER_OK ? 0 : code == HOLDER_ERROR ?
			    1 : 15);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), expect_ok[i] ? 0 : 1);
	}
}

/* ---- the notify protocol ---- */

static void
test_notify_fdstore(void **state)
{
	struct holder_reply r;
	int a[2], b[2], c[2];
	char byte;

	(void)state;
	xpipe(a);
	xpipe(b);
	xpipe(c);
	/* Several descriptors in one message share the name, in order. */
	notify("FDSTORE=1\nFDNAME=web", (int[]){ a[1], b[1] }, 2);
	assert_int_equal(count_named_eventually("web", 2), 2);
	assert_int_equal(retrieve("web", &r), 2);
	assert_same_pipe(a[0], r.fds[0]);
	assert_same_pipe(b[0], r.fds[1]);
	holder_reply_close_fds(&r);
	/* No FDNAME=, or an invalid one: "stored". */
	notify("FDSTORE=1", &c[1], 1);
	notify("FDNAME=no:colons\nFDSTORE=1", &c[0], 1);
	assert_int_equal(count_named_eventually("stored", 2), 2);
	/* FDSTORE=1 without descriptors changes nothing. */
	notify("FDSTORE=1\nFDNAME=empty", NULL, 0);
	/* FDSTOREREMOVE=1 closes every descriptor of the name. */
	notify("FDSTOREREMOVE=1\nFDNAME=web", NULL, 0);
	assert_int_equal(count_named_eventually("web", 0), 0);
	assert_int_equal(count_named_eventually("empty", 0), 0);
	xclose(a[1]);
	xclose(b[1]);
	assert_int_equal(read(a[0], &byte, 1), 0);
	assert_int_equal(read(b[0], &byte, 1), 0);
	xclose_all(a, 1);
	xclose_all(b, 1);
	xclose_all(c, 2);
}

static void
test_notify_fds_without_fdstore_closed(void **state)
{
	struct holder_info before, after;
	int p[2];
	char byte;

	(void)state;
	xpipe(p);
	get_info(&before);
	notify("STATUS=hello", &p[1], 1);
	notify("FDSTOREREMOVE=1", &p[1], 1);	/* no name: ignored */
	/* systemd handles FDSTOREREMOVE=1 instead of FDSTORE=1, never with
	   it, whatever FDNAME= says. */
	notify("FDSTORE=1\nFDSTOREREMOVE=1", &p[1], 1);
	notify("FDSTORE=1\nFDSTOREREMOVE=1\nFDNAME=both", &p[1], 1);
	notify("READY=1", NULL, 0);	/* a barrier: applied after them */
	assert_int_equal(ready_count_eventually(1).ready_count, 1);
	after = holder_settled();
	assert_int_equal(after.open_fds, before.open_fds);
	assert_int_equal(after.entries, 0);
	xclose(p[1]);
	/* The holder's copies are closed: the pipe has no writer left. */
	assert_int_equal(read(p[0], &byte, 1), 0);
	xclose(p[0]);
}

static void
test_notify_ready_counted(void **state)
{
	struct holder_info info;
	int tries;

	(void)state;
	get_info(&info);
	assert_int_equal(info.ready_count, 0);
	assert_string_equal(info.notify_path, holder.notify);
	notify("READY=1\nMAINPID=4242\nSTATUS=up", NULL, 0);
	for (tries = 0; tries < 300 && info.ready_count == 0; tries++) {
		sleep_ms(10);
		get_info(&info);
	}
	assert_int_equal(info.ready_count, 1);
	assert_int_equal(info.ready_mainpid, 4242);
}

/*
 * systemd takes one trailing NUL byte (sd_notify ports that send the C
 * string's terminator), not one inside; src/shared/notify-recv.c.
 */
static void
test_notify_trailing_nul_accepted(void **state)
{
	struct holder_info info;
	int p[2];

	(void)state;
	xpipe(p);
	notify_bytes("READY=1\0", sizeof "READY=1\0" - 1, NULL, 0);
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_count, 1);
	notify_bytes("FDSTORE=1\nFDNAME=nul\0",
	    sizeof "FDSTORE=1\nFDNAME=nul\0" - 1, &p[1], 1);
	assert_int_equal(count_named_eventually("nul", 1), 1);
	/* Inside the message, a NUL still drops it, descriptors closed. */
	notify_bytes("READY=1\0\nFDSTORE=1\nFDNAME=in",
	    sizeof "READY=1\0\nFDSTORE=1\nFDNAME=in" - 1, &p[1], 1);
	notify("READY=1", NULL, 0);	/* a barrier: applied after it */
	info = ready_count_eventually(2);
	assert_int_equal(info.ready_count, 2);
	assert_int_equal(count_named_eventually("in", 0), 0);
	assert_int_equal(info.entries, 1);
	xclose_all(p, 2);
}

/*
 * FDSTORE=1 past the limits (64 under a name, 1024 in all): the holder
 * keeps what it has and closes the message's descriptors, once each.
 */
static void
test_notify_fdstore_when_full(void **state)
{
	int late[2], late2[2];
	struct holder_reply r;
	struct holder_info info;
	struct rlimit rl;
	char name[16], byte;
	size_t i;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2048)
		skip();
	xpipe(late);
	xpipe(late2);
	for (i = 0; i < 1024 / HOLDER_FRAME_FDS_MAX; i++) {
		snprintf(name, sizeof name, "full%zu", i);
		assert_int_equal(store_distinct(name, HOLDER_FRAME_FDS_MAX,
		    &r), HOLDER_OK);
	}
	notify("FDSTORE=1\nFDNAME=full0", &late[1], 1);
	notify("FDSTORE=1\nFDNAME=late", (int[]){ late[1], late2[1] }, 2);
	notify("READY=1", NULL, 0);	/* a barrier: applied after them */
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_count, 1);
	assert_int_equal(info.entries, 1024);
	xclose(late[1]);
	xclose(late2[1]);
	assert_int_equal(read(late[0], &byte, 1), 0);
	assert_int_equal(read(late2[0], &byte, 1), 0);
	xclose(late[0]);
	xclose(late2[0]);
}

/*
 * systemd splits a message at "\n" and "\r" (strv_split_newlines) and
 * takes the first MAINPID= (strv_find_startswith), as the first FDNAME=.
 */
static void
test_notify_crlf_and_first_mainpid(void **state)
{
	struct holder_info info;

	(void)state;
	notify("READY=1\r\nMAINPID=4242\r\nMAINPID=77\r\n", NULL, 0);
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_count, 1);
	assert_int_equal(info.ready_mainpid, 4242);
}

#ifdef __linux__
/*
 * What libsystemd's sd_pid_notify_with_fds() sends when the pid or the
 * uid differ: SCM_CREDENTIALS next to SCM_RIGHTS.  Raw sendmsg, since the
 * library sends only descriptors.
 */
static void
test_notify_with_credentials(void **state)
{
	struct holder_reply r;
	int p[2];

	(void)state;
	xpipe(p);
	notify_as(getuid(), "FDSTORE=1\nFDNAME=cred", p[1]);
	assert_int_equal(count_named_eventually("cred", 1), 1);
	assert_int_equal(retrieve("cred", &r), 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	xclose_all(p, 2);
}
#endif

/* ---- fdpass exec ---- */

static void
test_exec_places_descriptors(void **state)
{
	int a[2], b1[2], b2[2];
	char *argv[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"a", (char *)"b", (char *)"--",
	    (char *)FDPASS_TEST_LISTEN_CHECK, (char *)"a:b:b", holder.notify,
	    NULL };

	(void)state;
	xpipe(a);
	xpipe(b1);
	xpipe(b2);
	store("a", a[1]);
	store("b", b1[1]);
	store("b", b2[1]);
	assert_int_equal(run_exec(argv, 0), 0);
	assert_reads(a[0], "fd 3\n");
	assert_reads(b1[0], "fd 4\n");
	assert_reads(b2[0], "fd 5\n");
	xclose_all(a, 2);
	xclose_all(b1, 2);
	xclose_all(b2, 2);
}

static void
test_exec_unknown_name_fails(void **state)
{
	char *argv[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"missing", (char *)"--", (char *)"true", NULL };

	(void)state;
	assert_int_equal(run_exec(argv, 1), 1);
}

/* A command that cannot be run: 127 not found, 126 found but not runnable. */
static void
test_exec_command_not_runnable(void **state)
{
	char *missing[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--", (char *)"/nonexistent/fdpass-test", NULL };
	char *directory[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--", (char *)"/", NULL };
	int p[2];

	(void)state;
	xpipe(p);
	store("p", p[1]);
	assert_int_equal(run_exec(missing, 1), 127);
	assert_int_equal(run_exec(directory, 1), 126);
	xclose_all(p, 2);
}

static void
test_exec_wait_ready(void **state)
{
	int p[2];
	char *ready[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--wait-ready", (char *)"--",
	    (char *)FDPASS_TEST_LISTEN_CHECK, (char *)"p", holder.notify,
	    (char *)"--ready", NULL };
	char *dies[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--wait-ready", (char *)"--",
	    (char *)"false", NULL };
	struct holder_info info;

	(void)state;
	xpipe(p);
	store("p", p[1]);
	assert_int_equal(run_exec(ready, 0), 0);
	/* It returned on READY=1, with the command still running. */
	get_info(&info);
	assert_int_equal(info.ready_count, 1);
	assert_reads(p[0], "fd 3\n");
	/* A command that dies first is a failure. */
	assert_int_equal(run_exec(dies, 1), 1);
	xclose_all(p, 2);
}

/* ---- the client commands ---- */

static void
test_cli_store_list_delete(void **state)
{
	char out[1024], want[512], upath[160], uspec[170];
	char *tcp[] = { (char *)"fdpass", (char *)"store", holder.ctl,
	    (char *)"web", (char *)"--listen", (char *)"tcp:127.0.0.1:0", NULL };
	char *unx[] = { (char *)"fdpass", (char *)"store", holder.ctl,
	    (char *)"local", (char *)"--listen", uspec, NULL };
	char *fd0[] = { (char *)"fdpass", (char *)"store", holder.ctl,
	    (char *)"stdin", (char *)"--fd", (char *)"0", NULL };
	char *list[] = { (char *)"fdpass", (char *)"list", holder.ctl, NULL };
	char *del[] = { (char *)"fdpass", (char *)"delete", holder.ctl,
	    (char *)"web", NULL };

	(void)state;
	snprintf(upath, sizeof upath, "%s/u.sock", holder.dir);
	snprintf(uspec, sizeof uspec, "unix:%s", upath);
	assert_int_equal(run_cli(tcp, out, sizeof out), 0);
	assert_int_equal(run_cli(unx, out, sizeof out), 0);
	assert_int_equal(run_cli(fd0, out, sizeof out), 0);
	assert_int_equal(run_cli(list, out, sizeof out), 0);
#ifdef SO_ACCEPTCONN
	snprintf(want, sizeof want, "local\tunix listener %s\n"
	    "stdin\tcharacter device\n", upath);
	if (strncmp(out, "web\ttcp listener 127.0.0.1:", 27) != 0 ||
	    strstr(out, want) == NULL)
		fail_msg("fdpass list printed:\n%s", out);
#endif
	assert_int_equal(run_cli(del, out, sizeof out), 0);
	assert_int_equal(run_cli(del, out, sizeof out), 1);
	assert_int_equal(unlink(upath), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		holder_test(test_store_retrieve_same_pipe),
		holder_test(test_same_name_keeps_order),
		holder_test(test_same_socket_stored_once),
		holder_test(test_list_says_what_each_is),
		holder_test(test_bad_names_refused),
		holder_test(test_malformed_frames),
		holder_test(test_stalled_client_blocks_nobody),
		holder_test(test_too_many_connections),
		holder_test(test_limits_on_entries),
		holder_test(test_stress_dying_clients),
		holder_test(test_busy_path_refused),
		holder_test(test_other_uid_refused),
		cmocka_unit_test(test_sigint_clean_exit),
		holder_test(test_notify_fdstore),
		holder_test(test_notify_fds_without_fdstore_closed),
		holder_test(test_notify_ready_counted),
		holder_test(test_notify_trailing_nul_accepted),
		holder_test(test_notify_crlf_and_first_mainpid),
		holder_test(test_notify_fdstore_when_full),
#ifdef __linux__
		holder_test(test_notify_with_credentials),
#endif
		holder_test(test_exec_places_descriptors),
		holder_test(test_exec_unknown_name_fails),
		holder_test(test_exec_command_not_runnable),
		holder_test(test_exec_wait_ready),
		holder_test(test_cli_store_list_delete),
	};

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	return cmocka_run_group_tests_name("holder", tests, NULL, NULL);
}
