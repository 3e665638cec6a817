/* SPDX-License-Identifier: ISC */
/*
 * Wire interop with gnulib's passfd module (sendfd/recvfd), built at test
 * time from the Debian gnulib package, across two processes and both ways.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fdpass.h"

int sendfd(int sock, int fd);
int recvfd(int sock, int flags);

static void
wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* gnulib's sendfd in a child, fdpass_recv_with_fd here. */
static void
gnulib_sends_fdpass_receives(void **state)
{
	int sv[2], p[2], got = -5;
	char c = 'z';
	pid_t pid;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(sendfd(sv[0], p[1]) == 0 ? 0 : 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), 1);
	wait_ok(pid);
	assert_int_equal(c, '\0');	/* gnulib's one byte of data */
	assert_true(has_cloexec(got));
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* fdpass_send_with_fd in a child, gnulib's recvfd here. */
static void
fdpass_sends_gnulib_receives(void **state)
{
	struct iovec iov = { .iov_base = (void *)"!", .iov_len = 1 };
	int sv[2], p[2], got;
	pid_t pid;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(fdpass_send_with_fd(sv[0], &iov, 1, p[1]) == 1 ? 0 : 1);
	got = recvfd(sv[1], O_CLOEXEC);
	wait_ok(pid);
	assert_true(got >= 0);
	assert_true(has_cloexec(got));
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(gnulib_sends_fdpass_receives),
		fd_test(fdpass_sends_gnulib_receives),
	};

	return cmocka_run_group_tests_name("interop_gnulib", tests, NULL, NULL);
}
