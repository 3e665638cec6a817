/* SPDX-License-Identifier: ISC */
/*
 * The holder's policy: who may touch which entry (per-uid rights,
 * --allow-retrieve), what FDSTOREREMOVE=1 may remove, which notify
 * senders count, STOPPING=1 over READY=1, duplicates recognised for every
 * kind of descriptor, and no socket whose other end is the holder itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/syscall.h>
#endif

#include "harness.h"

/* A uid of nobody's, for the setuid children. */
#define OTHER_UID 12345

/* ---- helpers ---- */

/* Waits until every datagram sent before is applied: READY=1 is counted
   in order. */
static void
notify_barrier(void)
{
	struct holder_info info;

	get_info(&info);
	notify("READY=1", NULL, 0);
	assert_int_equal(ready_count_eventually(info.ready_count + 1).
	    ready_count, info.ready_count + 1);
}

/* How many entries LIST shows on a connection of its own. */
static size_t
list_count(int sock)
{
	struct holder_reply r;
	size_t n = 0;

	if (holder_send(sock, HOLDER_LIST, NULL, 0, NULL, 0) == -1)
		return (size_t)-1;
	for (;;) {
		if (holder_recv(sock, &r) == -1)
			return (size_t)-1;
		if (r.header.code != HOLDER_ENTRY)
			break;
		n++;
	}
	return r.header.code == HOLDER_OK ? n : (size_t)-1;
}

/*
 * In a setuid child: one request on a connection of its own.  The reply
 * code, or the error code + 0x100 for an error reply, -1 on failure.
 */
static int
child_request(int code, const char *name, const int *fds, size_t nfds,
    struct holder_reply *r)
{
	int sock, rc;

	if ((sock = holder_connect(holder.ctl)) == -1)
		return -1;
	rc = holder_request(sock, code, name, name != NULL ? strlen(name) : 0,
	    fds, nfds, r);
	close(sock);
	if (rc == -1)
		return -1;
	if (r->header.code == HOLDER_ERROR)
		return 0x100 + (int)holder_get_u32(r->payload);
	return r->header.code;
}

#define ERR(e) (0x100 + (e))

/* A holder started with extra options, reachable by other uids. */
static void
restart_holder(char *const extra[])
{
	restart_holder_for_others(extra);
}

/* Runs f in a child as OTHER_UID; returns its exit status (0: passed,
   else the failing step). */
static int
as_other_uid(int (*f)(void))
{
	pid_t pid;
	int status;

	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if (setgid(65534) == -1 || setuid(OTHER_UID) == -1)
			_exit(100);
		_exit(f());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* ---- per-uid rights ---- */

/* An --allow-uid peer, with root's "web" held. */
static int
allowed_uid_steps(void)
{
	struct holder_reply r;
	int p[2], sock;

	/* Root's entry does not exist for it... */
	if (child_request(HOLDER_RETRIEVE, "web", NULL, 0, &r) !=
	    ERR(HOLDER_E_NOT_FOUND))
		return 1;
	if (child_request(HOLDER_DELETE, "web", NULL, 0, &r) !=
	    ERR(HOLDER_E_NOT_FOUND))
		return 2;
	if ((sock = holder_connect(holder.ctl)) == -1 || list_count(sock) != 0)
		return 3;
	close(sock);
	/* ...and its name cannot take the peer's descriptors. */
	if (pipe(p) == -1)
		return 4;
	if (child_request(HOLDER_STORE, "web", &p[1], 1, &r) !=
	    ERR(HOLDER_E_DENIED))
		return 5;
	/* Its own: stored, listed, retrieved, deleted. */
	if (child_request(HOLDER_STORE, "mine", &p[1], 1, &r) != HOLDER_OK)
		return 6;
	if ((sock = holder_connect(holder.ctl)) == -1 || list_count(sock) != 1)
		return 7;
	close(sock);
	if (child_request(HOLDER_RETRIEVE, "mine", NULL, 0, &r) != HOLDER_OK ||
	    r.nfds != 1)
		return 8;
	holder_reply_close_fds(&r);
	if (child_request(HOLDER_DELETE, "mine", NULL, 0, &r) != HOLDER_OK ||
	    holder_get_u32(r.payload) != 1)
		return 9;
	return 0;
}

static void
test_allowed_uid_sees_only_its_own(void **state)
{
	char *const extra[] = { (char *)"--allow-uid", (char *)"12345", NULL };
	struct holder_reply r;
	int p[2];

	(void)state;
	if (geteuid() != 0)
		skip();
	restart_holder(extra);
	xpipe(p);
	store("web", p[1]);
	assert_int_equal(as_other_uid(allowed_uid_steps), 0);
	/* Root's entry is still there, and the holder's uid sees all. */
	assert_int_equal(retrieve("web", &r), 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	xclose_all(p, 2);
}

/* An --allow-retrieve 12345:web peer: retrieves web, and nothing else. */
static int
retrieve_rule_steps(void)
{
	struct holder_reply r;
	int p[2], sock;

	if (child_request(HOLDER_RETRIEVE, "web", NULL, 0, &r) != HOLDER_OK ||
	    r.nfds != 1)
		return 1;
	holder_reply_close_fds(&r);
	if (child_request(HOLDER_RETRIEVE, "other", NULL, 0, &r) !=
	    ERR(HOLDER_E_NOT_FOUND))
		return 2;
	if (child_request(HOLDER_DELETE, "web", NULL, 0, &r) !=
	    ERR(HOLDER_E_DENIED))
		return 3;
	if (child_request(HOLDER_DELETE, "other", NULL, 0, &r) !=
	    ERR(HOLDER_E_NOT_FOUND))
		return 4;
	if (pipe(p) == -1)
		return 5;
	if (child_request(HOLDER_STORE, "its-own", &p[1], 1, &r) !=
	    ERR(HOLDER_E_DENIED))
		return 6;
	if ((sock = holder_connect(holder.ctl)) == -1 || list_count(sock) != 1)
		return 7;
	close(sock);
	return 0;
}

static void
test_allow_retrieve_one_name(void **state)
{
	char *const extra[] = { (char *)"--allow-retrieve",
	    (char *)"12345:web", NULL };
	struct holder_reply r;
	int a[2], b[2];

	(void)state;
	if (geteuid() != 0)
		skip();
	restart_holder(extra);
	xpipe(a);
	xpipe(b);
	store("web", a[1]);
	store("other", b[1]);
	assert_int_equal(as_other_uid(retrieve_rule_steps), 0);
	assert_int_equal(retrieve("web", &r), 1);
	holder_reply_close_fds(&r);
	assert_int_equal(retrieve("other", &r), 1);
	holder_reply_close_fds(&r);
	xclose_all(a, 2);
	xclose_all(b, 2);
}

/* A rule without a name, or with a name the holder would refuse: a usage
   error, before anything is bound. */
static void
test_allow_retrieve_checked(void **state)
{
	char out[64];
	char *const no_name[] = { (char *)"fdpass", (char *)"hold",
	    (char *)"--allow-retrieve", (char *)"12345",
	    (char *)"/nonexistent/h", NULL };
	char *const bad_name[] = { (char *)"fdpass", (char *)"hold",
	    (char *)"--allow-retrieve", (char *)"12345:a:b",
	    (char *)"/nonexistent/h", NULL };
	char *const missing[] = { (char *)"fdpass", (char *)"hold",
	    (char *)"/nonexistent/h", (char *)"--allow-retrieve", NULL };

	(void)state;
	assert_int_equal(run_cli(no_name, out, sizeof out), 2);
	assert_int_equal(run_cli(bad_name, out, sizeof out), 2);
	assert_int_equal(run_cli(missing, out, sizeof out), 2);
}

/* ---- no socket whose other end is the holder ---- */

/*
 * A client end of the holder's own control socket, held, would keep that
 * connection from ever seeing EOF: refused, by STORE and by FDSTORE=1.
 */
static void
test_connection_to_holder_refused(void **state)
{
	struct holder_reply r;
	int loop, sock;

	(void)state;
	loop = xconnect();
	sock = xconnect();
	assert_int_equal(holder_send(sock, HOLDER_STORE, "loop", 4, &loop, 1),
	    0);
	assert_error_then_closed(sock, HOLDER_E_DENIED);
	xclose(sock);
	notify("FDSTORE=1\nFDNAME=loop", &loop, 1);
	notify_barrier();
	assert_int_equal(request(HOLDER_RETRIEVE, "loop", 4, NULL, 0, &r),
	    HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_NOT_FOUND);
	xclose(loop);
}

/* ---- FDSTOREREMOVE=1 and the operator's entries ---- */

static void
test_fdstoreremove_spares_operator_entry(void **state)
{
	struct holder_reply r;
	unsigned port;
	int lsock;

	(void)state;
	lsock = tcp_listener(&port);
	store("web", lsock);
	/* The service stores what it was given, as a service written for
	   systemd does: still the operator's entry. */
	notify("FDSTORE=1\nFDNAME=web", &lsock, 1);
	notify("FDSTOREREMOVE=1\nFDNAME=web", NULL, 0);
	notify_barrier();
	assert_int_equal(retrieve("web", &r), 1);
	holder_reply_close_fds(&r);
	xclose(lsock);
}

static void
test_fdstoreremove_removes_fd_store_entry(void **state)
{
	int p[2];
	char byte;

	(void)state;
	xpipe(p);
	notify("FDSTORE=1\nFDNAME=svc", &p[1], 1);
	assert_int_equal(count_named_eventually("svc", 1), 1);
	notify("FDSTOREREMOVE=1\nFDNAME=svc", NULL, 0);
	notify_barrier();
	assert_int_equal(count_named_eventually("svc", 0), 0);
	/* The holder's copy is closed: the pipe sees EOF. */
	xclose(p[1]);
	assert_int_equal(read(p[0], &byte, 1), 0);
	xclose(p[0]);
}

/* ---- STOPPING=1 wins ---- */

static void
test_stopping_with_ready_not_ready(void **state)
{
	struct holder_info info;

	(void)state;
	notify("STOPPING=1\nREADY=1", NULL, 0);
	notify("READY=1", NULL, 0);
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_count, 1);
}

/* ---- the notify sender ---- */

#ifdef __linux__
/*
 * A datagram from a uid that is neither the holder's, root's nor allowed
 * is dropped, its descriptors closed; READY=1 records the sender's pid.
 */
static void
test_notify_other_uid_dropped(void **state)
{
	struct holder_info info;
	char byte;
	int p[2];

	(void)state;
	if (geteuid() != 0)
		skip();
	xpipe(p);
	notify_as(OTHER_UID, "FDSTORE=1\nFDNAME=intruder", p[1]);
	notify_as(getuid(), "FDSTORE=1\nFDNAME=own", p[0]);
	assert_int_equal(count_named_eventually("own", 1), 1);
	assert_int_equal(count_named_eventually("intruder", 0), 0);
	xclose(p[1]);
	/* Only the holder's copy of p[0] is left: the write end is closed
	   everywhere, or this would block. */
	assert_int_equal(read(p[0], &byte, 1), 0);
	notify("READY=1", NULL, 0);
	info = ready_count_eventually(1);
	assert_int_equal(info.ready_mainpid, getpid());
	xclose(p[0]);
}
#endif

/* ---- duplicates of every kind ---- */

/*
 * Whether this kernel can tell two descriptors of one open file (Linux
 * F_DUPFD_QUERY or kcmp, FreeBSD 14.1 kcmp(2)), asked here as the holder
 * asks it: elsewhere only sockets are recognised (docs/holder.md).
 */
static int
kernel_compares_files(void)
{
	int p[2], d, ok = 0;

	xpipe(p);
	assert_int_not_equal(d = dup(p[0]), -1);
#if defined(__linux__)
	if (fcntl(d, 1027 /* F_DUPFD_QUERY */, p[0]) == 1)
		ok = 1;
#ifdef SYS_kcmp
	else if (syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */,
	    (unsigned long)d, (unsigned long)p[0]) == 0)
		ok = 1;
#endif
#elif defined(__FreeBSD__) && defined(KCMP_FILE)
	ok = kcmp(getpid(), getpid(), KCMP_FILE, (uintptr_t)d,
	    (uintptr_t)p[0]) == 0;
#endif
	xclose(d);
	xclose_all(p, 2);
	return ok;
}

static void
test_same_pipe_held_once(void **state)
{
	struct holder_reply r;
	int p[2], q[2], d;

	(void)state;
	if (!kernel_compares_files()) {
		print_message("the kernel cannot compare open files here: "
		    "only sockets are recognised\n");
		skip();
	}
	xpipe(p);
	xpipe(q);
	store("p", p[1]);
	store("p", p[1]);
	assert_int_not_equal(d = dup(p[1]), -1);
	store("p", d);
	assert_int_equal(retrieve("p", &r), 1);
	assert_same_pipe(p[0], r.fds[0]);
	holder_reply_close_fds(&r);
	/* Another pipe is another entry. */
	store("p", q[1]);
	assert_int_equal(retrieve("p", &r), 2);
	holder_reply_close_fds(&r);
	/* As a second name, it is refused, as a socket is. */
	assert_int_equal(request(HOLDER_STORE, "again", 5, &d, 1, &r),
	    HOLDER_ERROR);
	assert_int_equal(holder_get_u32(r.payload), HOLDER_E_ALREADY_HELD);
	xclose(d);
	xclose_all(p, 2);
	xclose_all(q, 2);
}

/* Two opens of one file are two open files, and two entries. */
static void
test_two_opens_of_a_file_held_twice(void **state)
{
	struct holder_reply r;
	int a, b;

	(void)state;
	assert_int_not_equal(a = open("/dev/null", O_RDONLY), -1);
	assert_int_not_equal(b = open("/dev/null", O_RDONLY), -1);
	store("null", a);
	store("null", b);
	store("null", a);
	assert_int_equal(retrieve("null", &r), kernel_compares_files() ? 2 : 3);
	holder_reply_close_fds(&r);
	xclose(a);
	xclose(b);
}

#ifdef __linux__
/* A service re-storing its memfd at every start keeps one. */
static void
test_same_memfd_held_once(void **state)
{
	struct holder_reply r;
	int fd;

	(void)state;
	if (!kernel_compares_files())
		skip();
	fd = (int)syscall(SYS_memfd_create, "fdpass-test", 1U /* CLOEXEC */);
	if (fd == -1 && errno == ENOSYS)
		skip();
	assert_int_not_equal(fd, -1);
	notify("FDSTORE=1\nFDNAME=mem", &fd, 1);
	notify("FDSTORE=1\nFDNAME=mem", &fd, 1);
	store("mem", fd);
	notify_barrier();
	assert_int_equal(retrieve("mem", &r), 1);
	holder_reply_close_fds(&r);
	xclose(fd);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		holder_test(test_allowed_uid_sees_only_its_own),
		holder_test(test_allow_retrieve_one_name),
		cmocka_unit_test(test_allow_retrieve_checked),
		holder_test(test_connection_to_holder_refused),
		holder_test(test_fdstoreremove_spares_operator_entry),
		holder_test(test_fdstoreremove_removes_fd_store_entry),
		holder_test(test_stopping_with_ready_not_ready),
#ifdef __linux__
		holder_test(test_notify_other_uid_dropped),
#endif
		holder_test(test_same_pipe_held_once),
		holder_test(test_two_opens_of_a_file_held_twice),
#ifdef __linux__
		holder_test(test_same_memfd_held_once),
#endif
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("holder_policy", tests, NULL, NULL);
}
