/* SPDX-License-Identifier: ISC */
/*
 * The client commands (`fdpass store`, `exec`, `list`, `delete`) against
 * holders that misbehave: one run by another uid, one that never answers,
 * one that answers WAIT_READY with STOPPING; and what exec leaves to CMD:
 * the READY=1 baseline, the --wait-ready deadline, the inherited
 * descriptors, `fdpass list` output that a socket path cannot forge.
 *
 * A fake holder is a child of the test serving the protocol with
 * tools/holder/proto.c, one connection at a time, until it is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"

/* A client command that takes longer than this has hung: killed. */
#define HANG_S 10
/* What a fake holder gives as its notify socket (INFO). */
#define FAKE_NOTIFY "/nonexistent/fake-notify"

/* ---- running a client command, both streams captured ---- */

struct run {
	int status;		/* exit status, 128 + signal if killed */
	long elapsed_ms;
	char out[4096];
	char err[4096];
};

static long
now_ms(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
read_back(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * Runs `fdpass argv[1]...` with stdin from /dev/null and only 0, 1, 2
 * open, but for keep (>= 3, -1 for none), which it inherits at the same
 * number without FD_CLOEXEC.  env, "NAME=VALUE" or NULL, is added to its
 * environment.  A command still running after HANG_S is killed (SIGALRM
 * survives execve).
 */
static void
run_client(char *const argv[], int keep, const char *env, struct run *r)
{
	FILE *out = tmpfile(), *err = tmpfile();
	long start = now_ms();
	pid_t pid;
	int fd;

	assert_non_null(out);
	assert_non_null(err);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		for (fd = 3; fd < 4096; fd++)
			if (fd != keep)
				(void)close(fd);
		if (keep != -1)
			(void)fcntl(keep, F_SETFD, 0);
		if (env != NULL)
			(void)putenv((char *)env);
		alarm(HANG_S);
		exec_fdpass(argv);
	}
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	r->elapsed_ms = now_ms() - start;
	r->status = WIFEXITED(r->status) ? WEXITSTATUS(r->status) :
	    128 + WTERMSIG(r->status);
	read_back(out, r->out, sizeof r->out);
	read_back(err, r->err, sizeof r->err);
}

static void
assert_contains(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("expected \"%s\" in:\n%s", want, text);
}

/* CMD's pid from exec's message "... (pid N) ...", or -1. */
static pid_t
pid_in_message(const char *err)
{
	const char *p = strstr(err, "(pid ");

	return p != NULL ? (pid_t)atol(p + 5) : -1;
}

/* ---- fake holders ---- */

enum fake_wait {
	WAIT_SILENT,		/* WAIT_READY is never answered */
	WAIT_STOPPING,		/* answered with HOLDER_E_STOPPING */
	WAIT_TIMEOUT		/* answered with HOLDER_E_TIMEOUT */
};

struct fake {
	pid_t pid;
	char dir[64];
	char path[128];
	int report;		/* the test's end: WAIT_READY payloads */
};

/* The fake holder running, killed by the teardown if a test failed. */
static struct fake *running_fake;

static void
fake_reply(int sock, int code, const void *payload, size_t len,
    const int *fds, size_t nfds)
{
	if (holder_send(sock, code, payload, len, fds, nfds) == -1)
		_exit(20);
}

static void
fake_error(int sock, uint32_t code)
{
	unsigned char payload[16];

	holder_put_u32(payload, code);
	memcpy(payload + 4, "fake", 5);
	fake_reply(sock, HOLDER_ERROR, payload, 9, NULL, 0);
}

/* One request and its answer as a holder would give it, or -1 at EOF. */
static int
fake_answer(int sock, const char *notify_path, enum fake_wait wait,
    int report)
{
	unsigned char info[HOLDER_INFO_FIXED_SIZE + 64];
	struct holder_reply req;
	int fd;

	if (holder_recv(sock, &req) == -1)
		return -1;
	holder_reply_close_fds(&req);
	switch (req.header.code) {
	case HOLDER_INFO:
		memset(info, 0, sizeof info);
		holder_put_u32(info, (uint32_t)getpid());
		memcpy(info + HOLDER_INFO_FIXED_SIZE, notify_path,
		    strlen(notify_path));
		fake_reply(sock, HOLDER_OK, info, HOLDER_INFO_FIXED_SIZE +
		    strlen(notify_path), NULL, 0);
		break;
	case HOLDER_RETRIEVE:
		/* A file of the impostor's as the listener, one that CMD
		   (listen_fds_check) can write to. */
		if ((fd = open("/dev/null", O_WRONLY)) == -1)
			_exit(21);
		fake_reply(sock, HOLDER_OK, NULL, 0, &fd, 1);
		close(fd);
		break;
	case HOLDER_LIST:
		fake_reply(sock, HOLDER_ENTRY, "web\0fake", 8, NULL, 0);
		fake_reply(sock, HOLDER_OK, NULL, 0, NULL, 0);
		break;
	case HOLDER_WAIT_READY:
		if (write(report, req.payload, req.header.length) !=
		    (ssize_t)req.header.length)
			_exit(22);
		if (wait == WAIT_STOPPING)
			fake_error(sock, HOLDER_E_STOPPING);
		else if (wait == WAIT_TIMEOUT)
			fake_error(sock, HOLDER_E_TIMEOUT);
		else
			pause();
		break;
	default:
		fake_reply(sock, HOLDER_OK, NULL, 0, NULL, 0);
	}
	return 0;
}

/*
 * The fake holder's life: listens at f->path as uid (-1: the test's own),
 * and serves each connection to its end; answers nothing at all when
 * silent.
 */
static void
fake_serve(const struct fake *f, uid_t uid, int silent, enum fake_wait wait,
    int report)
{
	int lsock, sock;

	if (uid != (uid_t)-1 && (setgid(65534) == -1 || setuid(uid) == -1))
		_exit(10);
	/* The kernel records the listener's credentials at listen(). */
	lsock = unix_listener(f->path);
	if (silent) {
		/* connect() completes on the backlog; no byte is read. */
		for (;;)
			pause();
	}
	for (;;) {
		if ((sock = accept(lsock, NULL, NULL)) == -1)
			_exit(11);
		while (fake_answer(sock, FAKE_NOTIFY, wait,
		    report) == 0)
			continue;
		close(sock);
	}
}

static void
fake_start(struct fake *f, uid_t uid, int silent, enum fake_wait wait)
{
	const char *tmp = getenv("TMPDIR");
	int p[2], tries;
	struct stat st;

	snprintf(f->dir, sizeof f->dir, "%s/fdpass-fake.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	/* Writable by the fake's uid, as a shared directory is. */
	assert_int_equal(chmod(f->dir, 01777), 0);
	snprintf(f->path, sizeof f->path, "%s/h.sock", f->dir);
	xpipe(p);
	assert_int_not_equal(f->pid = fork(), -1);
	if (f->pid == 0) {
		close(p[0]);
		fake_serve(f, uid, silent, wait, p[1]);
	}
	xclose(p[1]);
	f->report = p[0];
	running_fake = f;
	for (tries = 0; tries < 500 && stat(f->path, &st) == -1; tries++)
		sleep_ms(10);
	assert_int_equal(stat(f->path, &st), 0);
	/* Bound is not yet listening: a moment more. */
	sleep_ms(50);
}

static void
fake_stop(struct fake *f)
{
	int status;

	running_fake = NULL;
	assert_int_equal(kill(f->pid, SIGKILL), 0);
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	xclose(f->report);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rmdir(f->dir), 0);
}

static int
fake_teardown(void **state)
{
	if (running_fake != NULL)
		fake_stop(running_fake);
	return fd_baseline_teardown(state);
}

/* The WAIT_READY payload the fake holder saw: its length, into p. */
static ssize_t
fake_wait_payload(const struct fake *f, unsigned char *p, size_t size)
{
	return read(f->report, p, size);
}

/* The four client commands at path, each as an argv: list, exec, delete,
   store (of a name "web"). */
#define CLIENT_COMMANDS 4
struct client_commands {
	char *list[4], *exec[7], *del[5], *store[7];
	char **argv[CLIENT_COMMANDS];
};

static void
client_commands(struct client_commands *cc, char *path)
{
	char *list[] = { (char *)"fdpass", (char *)"list", path, NULL };
	char *exec[] = { (char *)"fdpass", (char *)"exec", path,
	    (char *)"web", (char *)"--", (char *)"true", NULL };
	char *del[] = { (char *)"fdpass", (char *)"delete", path,
	    (char *)"web", NULL };
	char *store[] = { (char *)"fdpass", (char *)"store", path,
	    (char *)"web", (char *)"--fd", (char *)"0", NULL };

	memcpy(cc->list, list, sizeof list);
	memcpy(cc->exec, exec, sizeof exec);
	memcpy(cc->del, del, sizeof del);
	memcpy(cc->store, store, sizeof store);
	cc->argv[0] = cc->list;
	cc->argv[1] = cc->exec;
	cc->argv[2] = cc->del;
	cc->argv[3] = cc->store;
}

/* ---- who the holder is ---- */

/*
 * A "holder" that another uid put at the path would hand root's exec a
 * pipe of its own and its own notify socket: the clients refuse it, and
 * accept it with --holder-uid.
 */
static void
test_holder_of_another_uid_refused(void **state)
{
	struct fake f;
	struct run r;
	char *list_trusting[] = { (char *)"fdpass", (char *)"list", f.path,
	    (char *)"--holder-uid", (char *)"65534", NULL };
	struct client_commands cc;
	char want[200];
	size_t i;

	(void)state;
	if (geteuid() != 0)
		skip();
	fake_start(&f, 65534, 0, WAIT_SILENT);
	snprintf(want, sizeof want, "the holder at %s runs as uid 65534: ",
	    f.path);
	client_commands(&cc, f.path);
	for (i = 0; i < CLIENT_COMMANDS; i++) {
		run_client(cc.argv[i], -1, NULL, &r);
		if (r.status != 1)
			fail_msg("fdpass %s at a holder of uid 65534: exit %d "
			    "(stderr: %s)", cc.argv[i][1], r.status, r.err);
		assert_contains(r.err, want);
		assert_string_equal(r.out, "");
	}
	run_client(list_trusting, -1, NULL, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "web\tfake\n");
	fake_stop(&f);
}

/* ---- deadlines ---- */

/* A holder that accepts and never answers: every command gives up. */
static void
test_silent_holder_deadline(void **state)
{
	struct fake f;
	struct run r;
	struct client_commands cc;
	size_t i;

	(void)state;
	fake_start(&f, (uid_t)-1, 1, WAIT_SILENT);
	client_commands(&cc, f.path);
	for (i = 0; i < CLIENT_COMMANDS; i++) {
		run_client(cc.argv[i], -1, "FDPASS_CLIENT_TIMEOUT_MS=500",
		    &r);
		if (r.status != 1)
			fail_msg("fdpass %s at a silent holder: exit %d after "
			    "%ld ms (stderr: %s)", cc.argv[i][1], r.status,
			    r.elapsed_ms, r.err);
		assert_contains(r.err, "the holder did not answer within "
		    "500 ms");
		assert_true(r.elapsed_ms >= 450 && r.elapsed_ms < 5000);
	}
	fake_stop(&f);
}

/*
 * --ready-timeout: a CMD that never sends READY=1 makes exec exit 1 in
 * about that time even when the holder never answers; CMD is left
 * running, its pid in the message; the timeout travels in WAIT_READY.
 */
static void
test_wait_ready_timeout(void **state)
{
	struct fake f;
	struct run r;
	char *exec[] = { (char *)"fdpass", (char *)"exec", f.path,
	    (char *)"web", (char *)"--wait-ready", (char *)"--ready-timeout",
	    (char *)"1", (char *)"--", (char *)FDPASS_TEST_LISTEN_CHECK,
	    (char *)"web", (char *)FAKE_NOTIFY, (char *)"--linger", NULL };
	unsigned char payload[16];
	pid_t cmd;

	(void)state;
	fake_start(&f, (uid_t)-1, 0, WAIT_SILENT);
	run_client(exec, -1, NULL, &r);
	if (r.status != 1)
		fail_msg("exec --ready-timeout 1: exit %d after %ld ms "
		    "(stderr: %s)", r.status, r.elapsed_ms, r.err);
	assert_true(r.elapsed_ms >= 900 && r.elapsed_ms < 3000);
	assert_contains(r.err, "did not send READY=1 within 1 s; it is left "
	    "running");
	assert_true((cmd = pid_in_message(r.err)) > 0);
	assert_int_equal(kill(cmd, 0), 0);
	assert_int_equal(kill(cmd, SIGKILL), 0);
	assert_int_equal(fake_wait_payload(&f, payload, sizeof payload), 12);
	assert_int_equal(holder_get_u32(payload + 4), (uint32_t)cmd);
	assert_int_equal(holder_get_u32(payload + 8), 1000);
	fake_stop(&f);
}

/* The holder's own verdicts on WAIT_READY, said as such. */
static void
test_wait_ready_stopping_and_timeout_replies(void **state)
{
	struct fake f;
	struct run r;
	char *exec[] = { (char *)"fdpass", (char *)"exec", f.path,
	    (char *)"web", (char *)"--wait-ready", (char *)"--",
	    (char *)FDPASS_TEST_LISTEN_CHECK, (char *)"web",
	    (char *)FAKE_NOTIFY, (char *)"--linger", NULL };
	unsigned char payload[16];
	enum fake_wait verdicts[] = { WAIT_STOPPING, WAIT_TIMEOUT };
	const char *said[] = { "sent STOPPING=1 before READY=1",
	    "did not send READY=1 within 90 s; it is left running" };
	size_t i;
	pid_t cmd;

	(void)state;
	for (i = 0; i < 2; i++) {
		fake_start(&f, (uid_t)-1, 0, verdicts[i]);
		run_client(exec, -1, NULL, &r);
		assert_int_equal(r.status, 1);
		assert_contains(r.err, said[i]);
		assert_true((cmd = pid_in_message(r.err)) > 0);
		(void)kill(cmd, SIGKILL);
		/* The default is the protocol's 8-byte form: 90 s. */
		assert_int_equal(fake_wait_payload(&f, payload,
		    sizeof payload), 8);
		fake_stop(&f);
	}
}

/* ---- the READY=1 baseline ---- */

/*
 * Between exec and the real holder, passing every frame through, but
 * sending READY=1 (as the old server would) and waiting until the holder
 * has counted it before it forwards the RETRIEVE; it answers WAIT_READY
 * itself, with TIMEOUT, after writing its `after` to report.
 */
static void
proxy_serve(const char *path, int report)
{
	struct holder_reply req, rep;
	int lsock, client, up;

	lsock = unix_listener(path);
	if ((client = accept(lsock, NULL, NULL)) == -1 ||
	    (up = holder_connect(holder.ctl)) == -1)
		_exit(11);
	while (holder_recv(client, &req) == 0) {
		if (req.header.code == HOLDER_WAIT_READY) {
			if (write(report, req.payload, 4) != 4)
				_exit(12);
			fake_error(client, HOLDER_E_TIMEOUT);
			continue;
		}
		if (req.header.code == HOLDER_RETRIEVE) {
			notify("READY=1", NULL, 0);
			if (ready_count_eventually(1).ready_count != 1)
				_exit(13);
		}
		if (holder_request(up, req.header.code, req.payload,
		    req.header.length, req.fds, req.nfds, &rep) == -1)
			_exit(14);
		holder_reply_close_fds(&req);
		fake_reply(client, rep.header.code, rep.payload,
		    rep.header.length, rep.fds, rep.nfds);
		holder_reply_close_fds(&rep);
	}
	_exit(0);
}

/*
 * A READY=1 that arrives while exec retrieves the names (from the server
 * being replaced) is counted in the baseline, not taken for CMD's.
 */
static void
test_ready_baseline_is_the_fork(void **state)
{
	char path[160];
	char *exec[] = { (char *)"fdpass", (char *)"exec", path,
	    (char *)"p", (char *)"--wait-ready", (char *)"--",
	    (char *)FDPASS_TEST_LISTEN_CHECK, (char *)"p", holder.notify,
	    (char *)"--linger", NULL };
	unsigned char after[4];
	struct run r;
	pid_t proxy, cmd;
	int p[2], report[2], status;

	(void)state;
	snprintf(path, sizeof path, "%s/proxy.sock", holder.dir);
	xpipe(p);
	store("p", p[1]);
	xpipe(report);
	assert_int_not_equal(proxy = fork(), -1);
	if (proxy == 0) {
		close(report[0]);
		proxy_serve(path, report[1]);
	}
	xclose(report[1]);
	while (access(path, F_OK) == -1)
		sleep_ms(10);
	run_client(exec, -1, NULL, &r);
	if ((cmd = pid_in_message(r.err)) > 0)
		(void)kill(cmd, SIGKILL);
	assert_int_equal(waitpid(proxy, &status, 0), proxy);
	assert_int_equal(unlink(path), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(report[0], after, 4), 4);
	xclose(report[0]);
	xclose_all(p, 2);
	assert_int_equal(r.status, 1);
	/* The READY=1 of the retrieval was seen before the fork. */
	if (holder_get_u32(after) != 1)
		fail_msg("WAIT_READY waits past READY=1 number %u, not 1: the "
		    "one sent during the retrieval would pass for CMD's",
		    holder_get_u32(after));
}

/* ---- what CMD inherits ---- */

/*
 * A descriptor exec inherited reaches CMD no more (listen_fds_check
 * fails on any open above the passed ones), unless --keep-fds.
 */
static void
test_exec_closes_inherited(void **state)
{
	char *exec[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--", (char *)FDPASS_TEST_LISTEN_CHECK,
	    (char *)"p", holder.notify, NULL };
	char *keep[] = { (char *)"fdpass", (char *)"exec", holder.ctl,
	    (char *)"p", (char *)"--keep-fds", (char *)"--",
	    (char *)FDPASS_TEST_LISTEN_CHECK, (char *)"p", holder.notify,
	    NULL };
	struct run r, plain;
	int p[2], extra;

	(void)state;
	xpipe(p);
	store("p", p[1]);
	assert_int_not_equal(extra = open("/dev/null", O_RDONLY), -1);
	assert_int_equal(dup2(extra, 40), 40);
	xclose(extra);
	run_client(exec, 40, NULL, &plain);
	/* The check stops at the open descriptor, before writing. */
	run_client(keep, 40, NULL, &r);
	xclose(40);
	if (plain.status != 0) {
		xclose_all(p, 2);
		fail_msg("exec with descriptor 40 inherited: exit %d (%s)",
		    plain.status, plain.err);
	}
	assert_reads(p[0], "fd 3\n");
	xclose_all(p, 2);
	assert_int_equal(r.status, 1);
	assert_contains(r.err, "a descriptor beyond LISTEN_FDS is open: 40");
}

/* ---- fdpass list ---- */

/*
 * A socket path (any byte but NUL) and a name (printable ASCII, so a
 * backslash) cannot forge a line or a field: one line, escaped.
 */
static void
test_list_escapes(void **state)
{
	char path[160], want[400], out[1024];
	char *list[] = { (char *)"fdpass", (char *)"list", holder.ctl, NULL };
	const char *c;
	int fd, lines = 0, tabs = 0;

	(void)state;
	snprintf(path, sizeof path, "%s/a\nforged\tline\\\x7f.sock",
	    holder.dir);
	fd = unix_listener(path);
	store("back\\slash", fd);
	xclose(fd);
	assert_int_equal(run_cli(list, out, sizeof out), 0);
	assert_int_equal(unlink(path), 0);
	for (c = out; *c != '\0'; c++) {
		lines += *c == '\n';
		tabs += *c == '\t';
	}
	if (lines != 1 || tabs != 1)
		fail_msg("%d lines, %d tabs in:\n%s", lines, tabs, out);
#ifdef SO_ACCEPTCONN
	snprintf(want, sizeof want, "back\\\\slash\tunix listener "
	    "%s/a\\nforged\\tline\\\\\\x7f.sock\n", holder.dir);
	assert_string_equal(out, want);
#else
	(void)want;
#endif
}

/* The tests without a holder of their own: descriptors counted around. */
#define fake_test(f) cmocka_unit_test_setup_teardown(f, fd_baseline_setup, \
    fake_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fake_test(test_holder_of_another_uid_refused),
		fake_test(test_silent_holder_deadline),
		fake_test(test_wait_ready_timeout),
		fake_test(test_wait_ready_stopping_and_timeout_replies),
		holder_test(test_ready_baseline_is_the_fork),
		holder_test(test_exec_closes_inherited),
		holder_test(test_list_escapes),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("holder_client", tests, NULL,
	    NULL);
}
