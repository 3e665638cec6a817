/* SPDX-License-Identifier: ISC */
/* The scenarios and the runner of the sandbox tests (sandbox.h). */
#include "support.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The child's report: what failed, or which call the sandbox refused. */
static int report_fd = -1;

void
sandbox_exit(int status)
{
	/* Not _exit: a sanitizer's _exit interceptor may run a leak check. */
	syscall(SYS_exit, status);
	for (;;)
		;
}

void
sandbox_report(const char *text)
{
	size_t len = strlen(text);

	if (write(report_fd, text, len) != (ssize_t)len)
		sandbox_exit(3);
}

/* The names of the calls a library would be tempted to make. */
static const char *
syscall_name(long nr)
{
	static const struct { long nr; const char *name; } names[] = {
#ifdef SYS_getsockname
		{ SYS_getsockname, "getsockname" },
#endif
#ifdef SYS_getpeername
		{ SYS_getpeername, "getpeername" },
#endif
#ifdef SYS_getsockopt
		{ SYS_getsockopt, "getsockopt" },
#endif
#ifdef SYS_setsockopt
		{ SYS_setsockopt, "setsockopt" },
#endif
#ifdef SYS_socketcall
		{ SYS_socketcall, "socketcall" },
#endif
#ifdef SYS_fcntl
		{ SYS_fcntl, "fcntl (a command other than F_SETFD/F_GETFD)" },
#endif
#ifdef SYS_fcntl64
		{ SYS_fcntl64, "fcntl64 (a command other than F_SETFD/F_GETFD)" },
#endif
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].nr == nr)
			return names[i].name;
	return "?";
}

void
sandbox_report_refused(long nr)
{
	char line[128];

	snprintf(line, sizeof line, "forbidden system call %ld (%s)\n", nr,
	    syscall_name(nr));
	sandbox_report(line);
	sandbox_exit(2);
}

static void
on_refused(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sandbox_report_refused((long)si->si_syscall);
}

void
run_sandboxed(void (*scenario)(int), int type, int refused_signal)
{
	struct sigaction sa;
	char text[512];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	sandbox_require();
	if (type == SOCK_SEQPACKET)
		require_seqpacket();
	xpipe(p);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_refused;
		sa.sa_flags = SA_SIGINFO;
		if (sigaction(refused_signal, &sa, NULL) == -1)
			sandbox_exit(4);
		scenario(type);
		sandbox_exit(0);
	}
	xclose(p[1]);
	n = read(p[0], text, sizeof text - 1);
	text[n > 0 ? n : 0] = '\0';
	xclose(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			fail_msg("the sandboxed child died of signal %d: %s",
			    WTERMSIG(status), text);
		fail_msg("the sandboxed child failed: %s", text);
	}
}

/* Both handles of a new pair of type; fails the child on error. */
static void
child_pair(int type, struct fdpass_sock s[2])
{
	CHECK(fdpass_sock_pair(type, s) == 0);
	sandbox_limit(s[0].fd);
	sandbox_limit(s[1].fd);
}

static ssize_t
send_text(const struct fdpass_sock *s, const char *text, int *fds,
    size_t nfds, int flags)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = fds,
	    .nfds = nfds };

	return fdpass_sock_sendmsg(s, &msg, flags);
}

static ssize_t
recv_into(const struct fdpass_sock *s, char *buf, size_t len, int *fds,
    size_t *nfds, int *msg_flags, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = fds,
	    .nfds = *nfds };
	ssize_t n = fdpass_sock_recvmsg(s, &msg, flags);

	*nfds = msg.nfds;
	*msg_flags = msg.flags;
	return n;
}

/* The received write end is the pipe: a byte through it comes out of r. */
static void
check_same_pipe(int r, int w)
{
	char c = 0;

	CHECK(write(w, "x", 1) == 1);
	CHECK(read(r, &c, 1) == 1 && c == 'x');
}

/* Descriptors arrive, CLOEXEC set (or not, as asked), the same pipes. */
void
scenario_round_trip(int type)
{
	struct fdpass_sock s[2];
	int p[2], q[2], fds[2], got[2] = { -5, -5 }, mflags;
	size_t nfds = 2;
	char buf[8];

	CHECK(pipe(p) == 0 && pipe(q) == 0);
	child_pair(type, s);
	sandbox_enter();
	fds[0] = p[1];
	fds[1] = q[1];
	CHECK(send_text(&s[0], "hi", fds, 2, 0) == 2);
	CHECK(recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags, 0) == 2);
	CHECK(nfds == 2 && mflags == 0 && memcmp(buf, "hi", 2) == 0);
	CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(got[1], F_GETFD) == FD_CLOEXEC);
	check_same_pipe(p[0], got[0]);
	check_same_pipe(q[0], got[1]);
	CHECK(close(got[0]) == 0 && close(got[1]) == 0);

	nfds = 1;
	CHECK(send_text(&s[0], "no", fds, 1, 0) == 2);
	CHECK(recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags,
	    FDPASS_NOCLOEXEC) == 2);
	CHECK(nfds == 1 && fcntl(got[0], F_GETFD) == 0);
	CHECK(close(got[0]) == 0);
}

/* More descriptors than room: all closed, data kept; data cut: TRUNC. */
void
scenario_truncation(int type)
{
	struct fdpass_sock s[2];
	int p[2], fds[3], got[1] = { -5 }, mflags;
	size_t nfds = 1;
	char buf[8];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	sandbox_enter();
	fds[0] = fds[1] = fds[2] = p[1];
	CHECK(send_text(&s[0], "three", fds, 3, 0) == 5);
	CHECK(recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags, 0) == 5);
	CHECK(nfds == 0 && mflags == FDPASS_CTRUNC && got[0] == -1);
	if (type == SOCK_STREAM)
		return;
	nfds = 1;
	CHECK(send_text(&s[0], "longer", fds, 1, 0) == 6);
	CHECK(recv_into(&s[1], buf, 2, got, &nfds, &mflags, 0) == 2);
	CHECK(nfds == 1 && mflags == FDPASS_TRUNC);
	check_same_pipe(p[0], got[0]);
	CHECK(close(got[0]) == 0);
}

/* Nothing queued; then the peer's buffer filled, without blocking. */
void
scenario_eagain_and_full(int type)
{
	struct fdpass_sock s[2];
	int p[2], got[1], mflags, i;
	size_t nfds = 1;
	char buf[512];
	ssize_t n = 0;

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	sandbox_enter();
	CHECK(recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags,
	    FDPASS_NONBLOCK) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
	memset(buf, 'f', sizeof buf);
	buf[sizeof buf - 1] = '\0';
	for (i = 0; i < 100000; i++) {
		n = send_text(&s[0], buf, &p[1], 1, FDPASS_NONBLOCK);
		if (n == -1)
			break;
	}
	CHECK(n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/*
 * The descriptor table full: the descriptors are closed and the data comes
 * back with FDPASS_CTRUNC where the kernel kept it (Linux always; a stream
 * on every BSD), else -1 EMFILE (a BSD's datagram or seqpacket record).
 */
void
scenario_no_free_slot(int type)
{
	struct fdpass_sock s[2];
	struct rlimit tight;
	int p[2], got[1] = { -5 }, mflags, spare;
	size_t nfds = 1;
	char buf[8];
	ssize_t n;

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	CHECK(send_text(&s[0], "slot", &p[1], 1, 0) == 4);
	/* The lowest free number becomes the limit: no slot is left. */
	CHECK((spare = dup(p[0])) >= 0);
	CHECK(close(spare) == 0);
	tight.rlim_cur = tight.rlim_max = (rlim_t)spare;
	CHECK(setrlimit(RLIMIT_NOFILE, &tight) == 0);
	sandbox_enter();
	n = recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags, 0);
	CHECK(nfds == 0 && got[0] == -5);
	if (n == -1) {
		CHECK(errno == EMFILE && type != SOCK_STREAM);
		return;
	}
	CHECK(n == 4 && (mflags & FDPASS_CTRUNC));
	CHECK(memcmp(buf, "slot", 4) == 0);
}

/*
 * The peer gone: EPIPE without SIGPIPE on a connection (the default
 * disposition would kill the child), the kernel's errno on a datagram
 * socket.  A reset connection reads as end-of-file after what is queued.
 */
void
scenario_vanished_peer(int type)
{
	struct fdpass_sock s[2], t[2];
	int p[2], got[1] = { -5 }, mflags;
	size_t nfds = 1;
	char buf[8];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	child_pair(type, t);
	sandbox_enter();
	CHECK(close(s[1].fd) == 0);
	errno = 0;
	CHECK(send_text(&s[0], "gone", &p[1], 1, 0) == -1);
	if (type == SOCK_DGRAM) {
		/* The OS's own errno (Linux, the BSDs' unp_drop). */
		CHECK(errno == ECONNREFUSED || errno == ENOTCONN ||
		    errno == ECONNRESET);
		return;
	}
	CHECK(errno == EPIPE);

	/* t[1]'s data left unread in t[0] makes t[0]'s close a reset. */
	CHECK(send_text(&t[1], "ping", NULL, 0, 0) == 4);
	CHECK(send_text(&t[0], "left", &p[1], 1, 0) == 4);
	CHECK(close(t[0].fd) == 0);
	CHECK(recv_into(&t[1], buf, sizeof buf, got, &nfds, &mflags, 0) == 4);
	CHECK(nfds == 1 && memcmp(buf, "left", 4) == 0);
	CHECK(close(got[0]) == 0);
	nfds = 1;
	CHECK(recv_into(&t[1], buf, sizeof buf, got, &nfds, &mflags, 0) == 0);
	CHECK(nfds == 0);
}

/*
 * A seqpacket peer that closed with our data unread resets the connection:
 * the next send says ECONNRESET in the kernel (Linux unix_release_sock;
 * a stream says EPIPE at once, unix_stream_sendmsg) and EPIPE from the
 * library, with no call to ask the socket's type.
 */
void
scenario_reset_on_send(int type)
{
	struct fdpass_sock s[2];
	int p[2];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	sandbox_enter();
	CHECK(send_text(&s[0], "unread", &p[1], 1, 0) == 6);
	CHECK(close(s[1].fd) == 0);
	errno = 0;
	CHECK(send_text(&s[0], "again", &p[1], 1, 0) == -1);
	CHECK(errno == EPIPE);
}

