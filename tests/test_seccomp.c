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
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
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
void
sandbox_require(void)
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
		sandbox_exit(install_filter() == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_message("seccomp filters cannot be installed here "
		    "(qemu-user refuses PR_SET_SECCOMP): skipped\n");
		skip();
	}
}

void
sandbox_enter(void)
{
	if (install_filter() == -1) {
		sandbox_report("cannot install the filter\n");
		sandbox_exit(5);
	}
}

void
sandbox_limit(int sock)
{
	(void)sock;	/* the filter is per process */
}

SANDBOX_TESTS(SIGSYS)

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
	sandbox_enter();
	CHECK(fdpass_send_with_fd(sv[0], &iov, 1, p[1]) == 1);
}

SANDBOXED(fd_call_stream, scenario_fd_call, SOCK_STREAM, SIGSYS)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		SANDBOX_TEST_LIST(fd_test),
	};
	const struct CMUnitTest fd_calls[] = {
		fd_test(fd_call_stream),
	};

	if (argc > 1 && strcmp(argv[1], "fd-calls") == 0)
		return cmocka_run_group_tests_name("seccomp_fd_calls",
		    fd_calls, NULL, NULL);
	return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
