/* SPDX-License-Identifier: ISC */
/*
 * The holder's server against what could stop it or turn it against the
 * system: a symlink swapped in after bind(), a close() that blocks (a TCP
 * socket with SO_LINGER and unsent data), SIGHUP and an inherited SIG_IGN
 * for SIGINT, and a stderr nobody reads with a flood of log lines.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"
#include "holder/base.h"

/* How long the holder may take to answer while a close blocks. */
#define PROMPT_MS 1000
/* The linger time of the socket whose close blocks. */
#define LINGER_S 30
/* Malformed notify datagrams in the flood. */
#define FLOOD 3000

static int64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under valgrind or an emulator everything is slower. */
static int64_t
prompt_ms(void)
{
	return holder_runs_natively() ? PROMPT_MS : 5 * PROMPT_MS;
}

static void
set_timeouts(int sock, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof tv), 0);
	assert_int_equal(setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof tv), 0);
}

/* A request that must be answered within limit_ms; its reply code. */
static int
timed_request(int code, const char *payload, struct holder_reply *r,
    int64_t limit_ms)
{
	size_t len = payload != NULL ? strlen(payload) : 0;
	int64_t start = now_ms(), took;
	int sock = xconnect(), rc;

	/* A little longer than the limit, so that a late answer is
	   measured, and a holder that never answers fails the test. */
	set_timeouts(sock, limit_ms + 2000);
	rc = holder_send(sock, code, payload, len, NULL, 0);
	if (rc == 0)
		rc = holder_recv(sock, r);
	took = now_ms() - start;
	xclose(sock);
	if (rc == -1)
		fail_msg("request 0x%02x: no answer in %lld ms (%s)", code,
		    (long long)took, strerror(errno));
	if (took > limit_ms)
		fail_msg("request 0x%02x answered in %lld ms, limit %lld",
		    code, (long long)took, (long long)limit_ms);
	return r->header.code;
}

/*
 * Valgrind runs close() holding the lock that lets one thread run at a
 * time, unless --sim-hints=fuse-compatible: a close that blocks blocks
 * every thread there, by valgrind's choice, not the holder's.
 */
static int
wrapper_says(const char *word)
{
	char buf[4096];
	size_t n = 0;
	FILE *f;

	if ((f = fopen(holder_wrapper(), "r")) != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return strstr(buf, word) != NULL;
}

static void
skip_under_valgrind(void)
{
	if (strstr(holder_wrapper(), "valgrind") != NULL &&
	    !wrapper_says("fuse-compatible")) {
		print_message("under valgrind a blocked close() stops every "
		    "thread (see --sim-hints=fuse-compatible)\n");
		skip();
	}
}

/*
 * A TCP socket whose last close() blocks for LINGER_S seconds: connected
 * to *listener (which never accepts, so nothing is read), its send buffer
 * and the peer's receive buffer full, SO_LINGER on.
 */
static int
lingering_socket(int *listener)
{
	struct sockaddr_in sin;
	struct linger lg = { 1, LINGER_S };
	static char chunk[65536];
	unsigned port;
	int fd, flags;

	*listener = tcp_listener(&port);
	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_not_equal(flags = fcntl(fd, F_GETFL), -1);
	assert_int_equal(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
	while (write(fd, chunk, sizeof chunk) > 0)
		continue;
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	/* Blocking again: FreeBSD's soclose() does not linger on a
	   non-blocking socket, and the holder's copy shares the flag. */
	assert_int_equal(fcntl(fd, F_SETFL, flags), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg), 0);
	return fd;
}

/*
 * Reads what the lingering socket sent until its end: the holder's close
 * (or the kernel's, at exit) then completes, and nothing is left blocked
 * when the test ends.
 */
static void
drain_peer(int listener)
{
	static char buf[65536];
	int64_t deadline = now_ms() + 2 * LINGER_S * 1000;
	ssize_t n;
	int peer;

	assert_int_not_equal(peer = accept(listener, NULL, NULL), -1);
	set_timeouts(peer, 1000);
	while (now_ms() < deadline) {
		/* A reset ends it too: a kernel may drop, rather than
		   finish, a close a signal interrupted. */
		if ((n = read(peer, buf, sizeof buf)) == 0 ||
		    (n == -1 && errno == ECONNRESET))
			break;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			fail_msg("read: %s", strerror(errno));
	}
	xclose(peer);
	xclose(listener);
}

/* Waits for our child, the holder, for at most ms; -1: still running. */
static int
wait_exit(int64_t ms, int64_t *took)
{
	int64_t start = now_ms();
	int status;
	pid_t pid;

	for (;;) {
		pid = waitpid(holder.spawned, &status, WNOHANG);
		assert_int_not_equal(pid, -1);
		*took = now_ms() - start;
		if (pid == holder.spawned)
			return status;
		if (*took > ms)
			return -1;
		sleep_ms(10);
	}
}

/* After the holder exited: 0, socket files gone, the directory removed. */
static void
assert_clean_exit(int status)
{
	struct stat st;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the holder did not exit 0 (status 0x%x)", status);
	assert_int_equal(stat(holder.ctl, &st), -1);
	assert_int_equal(stat(holder.notify, &st), -1);
	assert_int_equal(rmdir(holder.dir), 0);
}

/*
 * For the tests that start and stop the holder themselves: a holder a
 * failed test left running is killed, so that it holds nothing of the
 * next test's (or of ctest's output pipe).
 */
static int
own_setup(void **state)
{
	holder.spawned = holder.pid = 0;
	return fd_baseline_setup(state);
}

static int
own_teardown(void **state)
{
	int status;

	if (holder.spawned > 0 &&
	    waitpid(holder.spawned, &status, WNOHANG) == 0) {
		if (holder.pid > 0)
			(void)kill(holder.pid, SIGKILL);
		(void)kill(holder.spawned, SIGKILL);
		(void)waitpid(holder.spawned, &status, 0);
	}
	holder.spawned = holder.pid = 0;
	return fd_baseline_teardown(state);
}

#define own_holder_test(f) cmocka_unit_test_setup_teardown(f, own_setup, \
	own_teardown)

/* ---- 1: nothing after bind() follows a symlink ---- */

#ifndef FDPASS_TEST_BIND_SWAP
static void
test_bind_swap_never_chmods(void **state)
{
	(void)state;
	print_message("no LD_PRELOAD shim in this build (a cross build: "
	    "static binaries)\n");
	skip();
}
#else
static void
test_bind_swap_never_chmods(void **state)
{
	char victim[160], mark[160];
	char *extra[] = { (char *)"--allow-uid", (char *)"65534", NULL };
	struct stat st;
	int64_t took;
	int fd, status;

	(void)state;
	if (!holder_runs_natively()) {
		print_message("LD_PRELOAD cannot reach the holder under a "
		    "wrapper or an emulator\n");
		skip();
	}
	snprintf(holder.dir, sizeof holder.dir, "/tmp/fdpass-hold.XXXXXX");
	assert_non_null(mkdtemp(holder.dir));
	snprintf(holder.ctl, sizeof holder.ctl, "%s/h.sock", holder.dir);
	snprintf(holder.notify, sizeof holder.notify, "%s/n.sock",
	    holder.dir);
	snprintf(victim, sizeof victim, "%s/victim", holder.dir);
	snprintf(mark, sizeof mark, "%s/swapped", holder.dir);
	assert_int_not_equal(fd = open(victim, O_WRONLY | O_CREAT | O_EXCL,
	    0600), -1);
	xclose(fd);
	assert_int_equal(chmod(victim, 0600), 0);
	/* bind_swap.c, in the holder: right after bind() of the control
	   socket, its file becomes a symlink to the victim. */
	setenv("FDPASS_TEST_SWAP_PATH", holder.ctl, 1);
	setenv("FDPASS_TEST_SWAP_TARGET", victim, 1);
	setenv("FDPASS_TEST_SWAP_MARK", mark, 1);
	setenv("LD_PRELOAD", FDPASS_TEST_BIND_SWAP, 1);
	spawn_holder(extra);
	unsetenv("LD_PRELOAD");
	unsetenv("FDPASS_TEST_SWAP_PATH");
	unsetenv("FDPASS_TEST_SWAP_TARGET");
	unsetenv("FDPASS_TEST_SWAP_MARK");
	/* Fixed, it refuses to start; before, it served on. */
	if ((status = wait_exit(5000, &took)) == -1) {
		assert_int_equal(kill(holder.spawned, SIGTERM), 0);
		assert_int_equal(waitpid(holder.spawned, &status, 0),
		    holder.spawned);
		status = -1;
	}
	assert_int_equal(lstat(victim, &st), 0);
	(void)unlink(holder.ctl);
	(void)unlink(holder.notify);
	(void)unlink(victim);
	if (unlink(mark) == -1) {
		assert_int_equal(rmdir(holder.dir), 0);
		print_message("LD_PRELOAD did not reach the holder (a static "
		    "binary?)\n");
		skip();
	}
	assert_int_equal(rmdir(holder.dir), 0);
	if ((st.st_mode & 07777) != 0600)
		fail_msg("the victim's mode became %04o: the holder changed "
		    "a file a symlink pointed to",
		    (unsigned)(st.st_mode & 07777));
	if (status == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != EXIT_FAILURE)
		fail_msg("the holder started on a path that is not its socket "
		    "(status 0x%x)", status);
}
#endif

/* ---- 2: a close() that blocks does not block the holder ---- */

static void
test_delete_lingering_socket_prompt(void **state)
{
	struct holder_reply r;
	int listener, fd;

	(void)state;
	skip_under_valgrind();
	fd = lingering_socket(&listener);
	store("slow", fd);
	xclose(fd);
	assert_int_equal(timed_request(HOLDER_DELETE, "slow", &r,
	    prompt_ms()), HOLDER_OK);
	assert_int_equal(holder_get_u32(r.payload), 1);
	/* And the next client too, while the close still waits. */
	assert_int_equal(timed_request(HOLDER_INFO, NULL, &r, prompt_ms()),
	    HOLDER_OK);
	drain_peer(listener);
}

static void
test_notify_lingering_socket_prompt(void **state)
{
	struct holder_reply r;
	int listener, fd;

	(void)state;
	skip_under_valgrind();
	fd = lingering_socket(&listener);
	/* Not FDSTORE=1: the holder closes what the message carried. */
	notify("STATUS=hi", &fd, 1);
	xclose(fd);
	/* Let the holder take the datagram first. */
	sleep_ms(100);
	assert_int_equal(timed_request(HOLDER_LIST, NULL, &r, prompt_ms()),
	    HOLDER_OK);
	assert_int_equal(timed_request(HOLDER_INFO, NULL, &r, prompt_ms()),
	    HOLDER_OK);
	drain_peer(listener);
}

static void
test_sigterm_with_lingering_socket_prompt(void **state)
{
	int64_t took;
	int listener, fd, status;

	(void)state;
	if (!holder_runs_natively()) {
		/* The holder exits with a close still blocked in its other
		   thread: valgrind's --track-fds counts that descriptor as
		   left open, as it is, until the kernel closes it. */
		print_message("a close blocked at exit is what the wrapper "
		    "reports as a leak\n");
		skip();
	}
	start_holder(NULL);
	fd = lingering_socket(&listener);
	store("slow", fd);
	xclose(fd);
	assert_int_equal(kill(holder.pid, SIGTERM), 0);
	status = wait_exit(2 * PROMPT_MS + 2000, &took);
	if (status == -1 || took > 2 * PROMPT_MS)
		fail_msg("the holder took %lld ms to exit after SIGTERM",
		    (long long)took);
	assert_clean_exit(status);
	/* The kernel closed it at exit: the peer reads everything. */
	drain_peer(listener);
}

/* ---- 7: signals ---- */

static void
test_sighup_ignored(void **state)
{
	struct holder_info info;

	(void)state;
	assert_int_equal(kill(holder.pid, SIGHUP), 0);
	sleep_ms(200);
	get_info(&info);
	assert_int_equal(info.pid, holder.pid);
}

static void
test_inherited_sigint_ignore_kept(void **state)
{
	struct sigaction ign, old;
	struct holder_info info;

	(void)state;
	/* As a shell starts `fdpass hold ... &` in a script. */
	memset(&ign, 0, sizeof ign);
	sigemptyset(&ign.sa_mask);
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGINT, &ign, &old), 0);
	start_holder(NULL);
	assert_int_equal(sigaction(SIGINT, &old, NULL), 0);
	assert_int_equal(kill(holder.pid, SIGINT), 0);
	assert_int_equal(kill(holder.pid, SIGHUP), 0);
	sleep_ms(200);
	get_info(&info);
	assert_int_equal(info.pid, holder.pid);
	stop_holder(SIGTERM);
}

/* ---- 8: the log never blocks, and is rate-limited ---- */

/* Starts the holder with its stderr the write end of a pipe; the read
   end returned. */
static int
start_holder_stderr_pipe(void)
{
	int p[2], saved;

	xpipe(p);
	assert_int_not_equal(saved = dup(STDERR_FILENO), -1);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	start_holder(NULL);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	xclose(saved);
	xclose(p[1]);
	return p[0];
}

/*
 * Malformed notify datagrams (a NUL inside: one log line each), without
 * waiting on a holder that stopped reading; returns how many were sent.
 */
static size_t
send_bad_datagrams(size_t count, int64_t limit_ms)
{
	static const char bad[] = "STATUS=a\0b";
	int64_t deadline = now_ms() + limit_ms;
	struct sockaddr_un sun;
	size_t sent = 0;
	int sock;

	assert_int_not_equal(sock = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	assert_int_equal(fcntl(sock, F_SETFL, O_NONBLOCK), 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, holder.notify, strlen(holder.notify));
	while (sent < count && now_ms() < deadline) {
		if (sendto(sock, bad, sizeof bad - 1, 0,
		    (struct sockaddr *)&sun, sizeof sun) ==
		    (ssize_t)(sizeof bad - 1))
			sent++;
		else if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			sleep_ms(1);
		else
			fail_msg("sendto: %s", strerror(errno));
	}
	xclose(sock);
	return sent;
}

/* SIGTERM, then reads the holder's stderr to its end into out. */
static void
stop_reading_stderr(int rd, char *out, size_t size)
{
	size_t got = 0;
	int64_t took;
	ssize_t n;
	int status;

	assert_int_equal(kill(holder.pid, SIGTERM), 0);
	while (got < size - 1 && (n = read(rd, out + got,
	    size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	xclose(rd);
	if ((status = wait_exit(30000, &took)) == -1)
		fail_msg("the holder did not exit after SIGTERM");
	assert_clean_exit(status);
}

static void
test_stuck_stderr_blocks_nothing(void **state)
{
	static char out[1 << 20];
	struct holder_reply r;
	size_t sent;
	int rd;

	(void)state;
	rd = start_holder_stderr_pipe();
	/* Nobody reads rd meanwhile: unbuffered, ~60 bytes a line, the
	   pipe (64 KiB on Linux) would be full after ~1,100 lines. */
	sent = send_bad_datagrams(FLOOD, 10000);
	assert_int_equal(timed_request(HOLDER_INFO, NULL, &r, 2000),
	    HOLDER_OK);
	assert_int_equal(timed_request(HOLDER_LIST, NULL, &r, 2000),
	    HOLDER_OK);
	if (sent != FLOOD)
		fail_msg("%zu of %d datagrams taken: the holder stopped "
		    "reading", sent, FLOOD);
	stop_reading_stderr(rd, out, sizeof out);
}

static void
test_log_rate_limited(void **state)
{
	static char out[1 << 20];
	unsigned long printed = 0, suppressed = 0, lines = 0, n;
	int64_t start, seconds;
	struct holder_info info;
	char *line, *next;
	int rd;

	(void)state;
	rd = start_holder_stderr_pipe();
	start = now_ms();
	assert_int_equal(send_bad_datagrams(200, 10000), 200);
	/* Applied in order: once READY=1 is counted, all 200 were read. */
	notify("READY=1", NULL, 0);
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_count, 1);
	stop_reading_stderr(rd, out, sizeof out);
	seconds = (now_ms() - start + 999) / 1000;
	for (line = out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			fail_msg("a line without its newline: %s", line);
		*next++ = '\0';
		lines++;
		if (strstr(line, "NUL byte inside") != NULL)
			printed++;
		else if (sscanf(line, "fdpass hold: %lu messages suppressed",
		    &n) == 1)
			suppressed += n;
		else
			fail_msg("unexpected line: %s", line);
	}
	if ((int64_t)printed > HOLD_LOG_BURST + HOLD_LOG_PER_SEC * seconds)
		fail_msg("%lu lines logged in %lld s, at most %lld allowed",
		    printed, (long long)seconds,
		    (long long)(HOLD_LOG_BURST + HOLD_LOG_PER_SEC * seconds));
	assert_true(printed >= HOLD_LOG_BURST);
	/* Every message is either logged or counted, none lost unsaid; one
	   count line per run of suppressed ones. */
	assert_int_equal(printed + suppressed, 200);
	assert_true(lines - printed >= 1 && lines - printed <= printed + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		own_holder_test(test_bind_swap_never_chmods),
		holder_test(test_delete_lingering_socket_prompt),
		holder_test(test_notify_lingering_socket_prompt),
		own_holder_test(test_sigterm_with_lingering_socket_prompt),
		holder_test(test_sighup_ignored),
		own_holder_test(test_inherited_sigint_ignore_kept),
		own_holder_test(test_stuck_stderr_blocks_nothing),
		own_holder_test(test_log_rate_limited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
