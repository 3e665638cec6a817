/* SPDX-License-Identifier: ISC */
/*
 * FD_CLOEXEC proven the way it matters: exec a program and see which
 * received descriptors it inherited.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fdpass.h"

/* Runs fd_probe on up to four descriptors; returns its open-mask. */
static int
probe_after_exec(const int *fds, size_t n)
{
	char args[4][16];
	char *argv[8];
	size_t i, argc = 0;
	int status;
	pid_t pid;

	if (FDPASS_TEST_EMULATOR[0] != '\0')
		argv[argc++] = (char *)FDPASS_TEST_EMULATOR;
	argv[argc++] = (char *)FDPASS_TEST_FD_PROBE;
	for (i = 0; i < n; i++) {
		snprintf(args[i], sizeof args[i], "%d", fds[i]);
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		execvp(argv[0], argv);	/* the emulator is found on PATH */
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) != 127);
	return WEXITSTATUS(status);
}

static void
received_fds_do_not_survive_exec(void **state)
{
	int sv[2], p[2], fds[4];
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &fds[1],
	    .nfds = 1 };

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_fds(sv[0], &p[1], 1);
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &fds[0]), 1);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, FDPASS_NOCLOEXEC), 1);
	fds[2] = sv[0];
	fds[3] = p[1];	/* a plain pipe: inherited, proving the probe works */

	/* Only the FDPASS_NOCLOEXEC one and the plain pipe are inherited. */
	assert_int_equal(probe_after_exec(fds, 4), (1 << 1) | (1 << 3));
	xclose(fds[0]);
	xclose(fds[1]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(received_fds_do_not_survive_exec),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
