/* SPDX-License-Identifier: ISC */
/*
 * The system-call rule of struct fdpass_sock, enforced by the kernel: each
 * scenario runs in a child under a seccomp filter that allows sendmsg,
 * recvmsg, close, fcntl(F_SETFD/F_GETFD), the signal-mask calls and what
 * the test itself needs (read and write on pipes, exit).  Any other call
 * raises SIGSYS, whose handler reports the system call's number and ends
 * the child; the parent fails the test with it.  Everything the scenario
 * needs that the filter forbids (socketpair, the handles' init, filling the
 * descriptor table) is done before the filter is installed, as a
 * sandboxed daemon would.
 *
 * The scenarios go through every socket type and the paths where a
 * library would be tempted to ask the kernel: truncation, EAGAIN, a full
 * buffer, no free descriptor slot, and a vanished peer.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#ifdef SYS_socketcall
#include <linux/net.h>
#endif

#include "fdpass.h"

#if defined(__x86_64__) && defined(__ILP32__)
#define TEST_AUDIT_ARCH 0	/* x32: not modelled */
#elif defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_ARM
#elif defined(__s390x__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define TEST_AUDIT_ARCH AUDIT_ARCH_RISCV64
#else
#define TEST_AUDIT_ARCH 0
#endif

/* The child's report: what failed, or which call the filter refused. */
static int report_fd = -1;

static void
child_exit(int status)
{
	/* Not _exit: a sanitizer's _exit interceptor may run a leak check. */
	syscall(SYS_exit_group, status);
	for (;;)
		;
}

static void
report(const char *text)
{
	size_t len = strlen(text);

	if (write(report_fd, text, len) != (ssize_t)len)
		child_exit(3);
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		char line_[160];					\
		snprintf(line_, sizeof line_, "line %d: %s (errno %d)\n", \
		    __LINE__, #cond, errno);				\
		report(line_);						\
		child_exit(1);						\
	}								\
} while (0)

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

static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[128];

	(void)sig;
	(void)uc;
	snprintf(line, sizeof line, "forbidden system call %d (%s)\n",
	    si->si_syscall, syscall_name(si->si_syscall));
	report(line);
	child_exit(2);
}

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
	offsetof(struct seccomp_data, nr))
#define LOAD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
	offsetof(struct seccomp_data, args[i]))
#define ALLOW_NR(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define TRAP BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP)

/*
 * The allow-list.  fcntl is allowed for F_SETFD (the library's fallback
 * where the kernel lacks MSG_CMSG_CLOEXEC) and F_GETFD (the test reads
 * FD_CLOEXEC); write only to the report descriptor, read and write for
 * the test's pipes.  socketcall (i386 glibc) only for sendmsg and recvmsg.
 */
static int
install_filter(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
		TRAP,
		LOAD_NR,
		ALLOW_NR(SYS_sendmsg),
		ALLOW_NR(SYS_recvmsg),
		ALLOW_NR(SYS_close),
		ALLOW_NR(SYS_read),
		ALLOW_NR(SYS_write),
		ALLOW_NR(SYS_rt_sigprocmask),
		ALLOW_NR(SYS_rt_sigpending),
		ALLOW_NR(SYS_rt_sigtimedwait),
		ALLOW_NR(SYS_rt_sigreturn),
		ALLOW_NR(SYS_exit_group),
		ALLOW_NR(SYS_exit),
#ifdef SYS_sigreturn
		ALLOW_NR(SYS_sigreturn),
#endif
#ifdef SYS_socketcall
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socketcall, 0, 4),
		LOAD_ARG(0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_SENDMSG, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_RECVMSG, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		LOAD_NR,
#endif
#ifdef SYS_fcntl64
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl64, 1, 0),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl, 0, 4),
		LOAD_ARG(1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETFD, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_GETFD, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		TRAP,
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof filter / sizeof filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * Whether a filter can be installed here: not under qemu-user (it refuses
 * PR_SET_SECCOMP, the filter would bind the emulator) nor valgrind (its
 * own calls around each system call would be refused).
 */
static void
require_seccomp(void)
{
	const char *preload = getenv("LD_PRELOAD");
	int status;
	pid_t pid;

	if (TEST_AUDIT_ARCH == 0) {
		print_message("no seccomp architecture for this ABI: skipped\n");
		skip();
	}
	if (preload != NULL && strstr(preload, "vgpreload") != NULL) {
		print_message("valgrind's own system calls would be refused: "
		    "run natively only\n");
		skip();
	}
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		child_exit(install_filter() == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_message("seccomp filters cannot be installed here "
		    "(qemu-user refuses PR_SET_SECCOMP): skipped\n");
		skip();
	}
}

/*
 * Runs scenario(arg) in a child under the filter; the test fails with the
 * child's report unless it exits 0.
 */
static void
run_sandboxed(void (*scenario)(int), int arg)
{
	struct sigaction sa;
	char text[512];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	require_seccomp();
	xpipe(p);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			child_exit(4);
		scenario(arg);
		child_exit(0);
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

static void
enter_sandbox(void)
{
	if (install_filter() == -1) {
		report("cannot install the filter\n");
		child_exit(5);
	}
}

/* Both handles of a new pair of type; fails the child on error. */
static void
child_pair(int type, struct fdpass_sock s[2])
{
	CHECK(fdpass_sock_pair(type, s) == 0);
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
static void
scenario_round_trip(int type)
{
	struct fdpass_sock s[2];
	int p[2], q[2], fds[2], got[2] = { -5, -5 }, mflags;
	size_t nfds = 2;
	char buf[8];

	CHECK(pipe(p) == 0 && pipe(q) == 0);
	child_pair(type, s);
	enter_sandbox();
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
static void
scenario_truncation(int type)
{
	struct fdpass_sock s[2];
	int p[2], fds[3], got[1] = { -5 }, mflags;
	size_t nfds = 1;
	char buf[8];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	enter_sandbox();
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
static void
scenario_eagain_and_full(int type)
{
	struct fdpass_sock s[2];
	int p[2], got[1], mflags, i;
	size_t nfds = 1;
	char buf[512];
	ssize_t n = 0;

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	enter_sandbox();
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
 * The descriptor table full: the data comes back with FDPASS_CTRUNC and
 * the descriptors closed (Linux keeps the data: scm_detach_fds).
 */
static void
scenario_no_free_slot(int type)
{
	struct fdpass_sock s[2];
	struct rlimit tight;
	int p[2], got[1] = { -5 }, mflags, spare;
	size_t nfds = 1;
	char buf[8];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	CHECK(send_text(&s[0], "slot", &p[1], 1, 0) == 4);
	/* The lowest free number becomes the limit: no slot is left. */
	CHECK((spare = dup(p[0])) >= 0);
	CHECK(close(spare) == 0);
	tight.rlim_cur = tight.rlim_max = (rlim_t)spare;
	CHECK(setrlimit(RLIMIT_NOFILE, &tight) == 0);
	enter_sandbox();
	CHECK(recv_into(&s[1], buf, sizeof buf, got, &nfds, &mflags, 0) == 4);
	CHECK(nfds == 0 && (mflags & FDPASS_CTRUNC) && got[0] == -5);
	CHECK(memcmp(buf, "slot", 4) == 0);
}

/*
 * The peer gone: EPIPE without SIGPIPE on a connection (the default
 * disposition would kill the child), the kernel's errno on a datagram
 * socket.  A reset connection reads as end-of-file after what is queued.
 */
static void
scenario_vanished_peer(int type)
{
	struct fdpass_sock s[2], t[2];
	int p[2], got[1] = { -5 }, mflags;
	size_t nfds = 1;
	char buf[8];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	child_pair(type, t);
	enter_sandbox();
	CHECK(close(s[1].fd) == 0);
	errno = 0;
	CHECK(send_text(&s[0], "gone", &p[1], 1, 0) == -1);
	if (type == SOCK_DGRAM) {
		CHECK(errno == ECONNREFUSED || errno == ENOTCONN);
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
 * A peer that closed with our data unread resets the connection: the next
 * send says ECONNRESET in the kernel and EPIPE from the library, with no
 * call to ask the socket's type.
 */
static void
scenario_reset_on_send(int type)
{
	struct fdpass_sock s[2];
	int p[2];

	CHECK(pipe(p) == 0);
	child_pair(type, s);
	enter_sandbox();
	CHECK(send_text(&s[0], "unread", &p[1], 1, 0) == 6);
	CHECK(close(s[1].fd) == 0);
	errno = 0;
	CHECK(send_text(&s[0], "again", &p[1], 1, 0) == -1);
	if (type == SOCK_DGRAM)
		CHECK(errno == ECONNREFUSED || errno == ENOTCONN);
	else
		CHECK(errno == EPIPE);
}

#define SANDBOXED(name, scenario, type)					\
static void								\
name(void **state)							\
{									\
	(void)state;							\
	run_sandboxed(scenario, type);					\
}

SANDBOXED(round_trip_stream, scenario_round_trip, SOCK_STREAM)
SANDBOXED(round_trip_dgram, scenario_round_trip, SOCK_DGRAM)
SANDBOXED(round_trip_seqpacket, scenario_round_trip, SOCK_SEQPACKET)
SANDBOXED(truncation_stream, scenario_truncation, SOCK_STREAM)
SANDBOXED(truncation_dgram, scenario_truncation, SOCK_DGRAM)
SANDBOXED(truncation_seqpacket, scenario_truncation, SOCK_SEQPACKET)
SANDBOXED(eagain_and_full_stream, scenario_eagain_and_full, SOCK_STREAM)
SANDBOXED(eagain_and_full_dgram, scenario_eagain_and_full, SOCK_DGRAM)
SANDBOXED(eagain_and_full_seqpacket, scenario_eagain_and_full, SOCK_SEQPACKET)
SANDBOXED(no_free_slot_stream, scenario_no_free_slot, SOCK_STREAM)
SANDBOXED(no_free_slot_dgram, scenario_no_free_slot, SOCK_DGRAM)
SANDBOXED(no_free_slot_seqpacket, scenario_no_free_slot, SOCK_SEQPACKET)
SANDBOXED(vanished_peer_stream, scenario_vanished_peer, SOCK_STREAM)
SANDBOXED(vanished_peer_dgram, scenario_vanished_peer, SOCK_DGRAM)
SANDBOXED(vanished_peer_seqpacket, scenario_vanished_peer, SOCK_SEQPACKET)
SANDBOXED(reset_on_send_stream, scenario_reset_on_send, SOCK_STREAM)
SANDBOXED(reset_on_send_seqpacket, scenario_reset_on_send, SOCK_SEQPACKET)

/*
 * The filter itself can fail a scenario: the fd call fdpass_sendmsg asks
 * Linux the family before sending descriptors (getsockname), which the
 * filter refuses.  Reported, not fatal, so it runs as its own ctest that
 * must see the report (tests/CMakeLists.txt).
 */
static void
scenario_fd_call(int type)
{
	int sv[2], p[2];
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };

	CHECK(pipe(p) == 0);
	CHECK(fdpass_socketpair(type, sv) == 0);
	enter_sandbox();
	CHECK(fdpass_send_with_fd(sv[0], &iov, 1, p[1]) == 1);
}

SANDBOXED(fd_call_stream, scenario_fd_call, SOCK_STREAM)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		fd_test(round_trip_stream),
		fd_test(round_trip_dgram),
		fd_test(round_trip_seqpacket),
		fd_test(truncation_stream),
		fd_test(truncation_dgram),
		fd_test(truncation_seqpacket),
		fd_test(eagain_and_full_stream),
		fd_test(eagain_and_full_dgram),
		fd_test(eagain_and_full_seqpacket),
		fd_test(no_free_slot_stream),
		fd_test(no_free_slot_dgram),
		fd_test(no_free_slot_seqpacket),
		fd_test(vanished_peer_stream),
		fd_test(vanished_peer_dgram),
		fd_test(vanished_peer_seqpacket),
		fd_test(reset_on_send_stream),
		fd_test(reset_on_send_seqpacket),
	};
	const struct CMUnitTest fd_calls[] = {
		fd_test(fd_call_stream),
	};

	if (argc > 1 && strcmp(argv[1], "fd-calls") == 0)
		return cmocka_run_group_tests_name("seccomp_fd_calls",
		    fd_calls, NULL, NULL);
	return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
