/* SPDX-License-Identifier: ISC */
/*
 * FreeBSD Capsicum: the scenarios of sandbox.c after cap_enter(), with
 * every socket limited to CAP_SEND|CAP_RECV and PROC_TRAPCAP_CTL enabled,
 * so that a call the descriptor's rights or capability mode refuse raises
 * SIGTRAP (sys/kern/subr_syscall.c: ENOTCAPABLE and ECAPMODE become
 * SIGTRAP, TRAP_CAP) instead of failing quietly.  The handle calls pass;
 * the fd calls pass too on FreeBSD, where they ask the kernel nothing; and
 * fdpass_peer_cred, which must ask (getsockname, getpeername, getsockopt),
 * is refused: the sandbox can fail a test.  Needs a kernel with options
 * CAPABILITY_MODE and CAPABILITIES (GENERIC and MINIMAL have both).
 */
#include "support.h"
#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/capsicum.h>
#include <sys/procctl.h>
#include <sys/socket.h>

#include "fdpass.h"

void
sandbox_require(void)
{
	u_int mode;

	if (cap_getmode(&mode) == -1 && errno == ENOSYS) {
		print_message("this kernel has no capability mode "
		    "(options CAPABILITY_MODE): skipped\n");
		skip();
	}
}

void
sandbox_limit(int sock)
{
	cap_rights_t rights;

	cap_rights_init(&rights, CAP_SEND, CAP_RECV);
	if (cap_rights_limit(sock, &rights) == -1) {
		sandbox_report("cap_rights_limit failed\n");
		sandbox_exit(6);
	}
}

void
sandbox_enter(void)
{
	int trap = PROC_TRAPCAP_CTL_ENABLE;

	if (procctl(P_PID, getpid(), PROC_TRAPCAP_CTL, &trap) == -1 ||
	    cap_enter() == -1) {
		sandbox_report("procctl(PROC_TRAPCAP_CTL) or cap_enter failed\n");
		sandbox_exit(5);
	}
}

SANDBOX_TESTS(SIGTRAP)

/* The fd calls on sockets limited to CAP_SEND|CAP_RECV. */
static void
scenario_fd_calls(int type)
{
	int sv[2], p[2], fd = -5;
	char buf[4];
	struct iovec iov = { .iov_base = (void *)"fd", .iov_len = 2 };

	CHECK(pipe(p) == 0);
	CHECK(fdpass_socketpair(type, sv) == 0);
	sandbox_limit(sv[0]);
	sandbox_limit(sv[1]);
	sandbox_enter();
	CHECK(fdpass_send_with_fd(sv[0], &iov, 1, p[1]) == 2);
	CHECK(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd) == 2);
	CHECK(fd >= 0 && memcmp(buf, "fd", 2) == 0);
	CHECK(write(fd, "x", 1) == 1 && read(p[0], buf, 1) == 1);
	CHECK(close(fd) == 0);
	CHECK(close(sv[1]) == 0);
	errno = 0;
	CHECK(fdpass_send_with_fd(sv[0], &iov, 1, p[1]) == -1);
	CHECK(errno == EPIPE);
}

SANDBOXED(fd_calls_stream, scenario_fd_calls, SOCK_STREAM, SIGTRAP)
SANDBOXED(fd_calls_seqpacket, scenario_fd_calls, SOCK_SEQPACKET, SIGTRAP)

/* Must be refused: the report names the call (ctest checks it). */
static void
scenario_peer_cred(int type)
{
	struct fdpass_sock s[2];
	struct fdpass_cred cred;

	CHECK(fdpass_sock_pair(type, s) == 0);
	sandbox_limit(s[0].fd);
	sandbox_enter();
	(void)fdpass_peer_cred(s[0].fd, &cred);
}

SANDBOXED(peer_cred_stream, scenario_peer_cred, SOCK_STREAM, SIGTRAP)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		SANDBOX_TEST_LIST(fd_test),
		fd_test(fd_calls_stream),
		fd_test(fd_calls_seqpacket),
	};
	const struct CMUnitTest refused[] = {
		fd_test(peer_cred_stream),
	};

	if (argc > 1 && strcmp(argv[1], "refused") == 0)
		return cmocka_run_group_tests_name("capsicum_refused", refused,
		    NULL, NULL);
	return cmocka_run_group_tests_name("capsicum", tests, NULL, NULL);
}
