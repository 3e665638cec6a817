/* SPDX-License-Identifier: ISC */
/*
 * struct fdpass_sock on the running kernel: init and its errors, the pair,
 * a handle that was never initialised, and the rules the handle calls share
 * with the fd calls (limits, errors, CLOEXEC, descriptor identity, EPIPE
 * without SIGPIPE).  What the handle calls may not do (any system call but
 * sendmsg and recvmsg) is test_seccomp's part.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fdpass.h"

static ssize_t
send_text(const struct fdpass_sock *s, const char *text, const int *fds,
    size_t nfds, int flags)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = text[0] ? 1 : 0,
	    .fds = (int *)(uintptr_t)fds, .nfds = nfds };

	return fdpass_sock_sendmsg(s, &msg, flags);
}

static void
assert_init_fails(int fd, int expected_errno)
{
	struct fdpass_sock s;

	memset(&s, 0x55, sizeof s);
	errno = 0;
	assert_int_equal(fdpass_sock_init(&s, fd), -1);
	assert_int_equal(errno, expected_errno);
	assert_int_equal(s.fd, -1);
	/* A failed init leaves no usable handle behind. */
	assert_int_equal(send_text(&s, "x", NULL, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
}

static void
init_errors(void **state)
{
	int p[2], inet;

	(void)state;
	errno = 0;
	assert_int_equal(fdpass_sock_init(NULL, 0), -1);
	assert_int_equal(errno, EINVAL);

	xpipe(p);
	assert_init_fails(p[0], ENOTSOCK);
	xclose_all(p, 2);
	assert_init_fails(p[0], EBADF);
	assert_init_fails(-1, EBADF);

	/* Descriptors travel over AF_UNIX only. */
	inet = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(inet >= 0);
	assert_init_fails(inet, EOPNOTSUPP);
	xclose(inet);
	inet = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(inet >= 0);
	assert_init_fails(inet, EOPNOTSUPP);
	xclose(inet);
}

/* Init reads, never changes, FD_CLOEXEC and O_NONBLOCK; it closes nothing. */
static void
init_leaves_the_socket_alone(void **state)
{
	int types[3], sv[2], fl;
	size_t ntypes = socket_types(types), i;
	struct fdpass_sock s;

	(void)state;
	for (i = 0; i < ntypes; i++) {
		assert_int_equal(socketpair(AF_UNIX, types[i], 0, sv), 0);
		fl = fcntl(sv[1], F_GETFL);
		assert_int_equal(fcntl(sv[1], F_SETFL, fl | O_NONBLOCK), 0);

		assert_int_equal(fdpass_sock_init(&s, sv[0]), 0);
		assert_int_equal(s.fd, sv[0]);
		assert_int_equal(s.type, types[i]);
		assert_false(has_cloexec(sv[0]));
		assert_false(is_nonblocking(sv[0]));

		assert_int_equal(fdpass_sock_init(&s, sv[1]), 0);
		assert_int_equal(s.fd, sv[1]);
		assert_false(has_cloexec(sv[1]));
		assert_true(is_nonblocking(sv[1]));
		xclose_all(sv, 2);
	}
}

static void
pair(void **state)
{
	int types[3], got = -5, p[2];
	size_t ntypes = socket_types(types), i;
	struct fdpass_sock s[2];
	char buf[4];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &got,
	    .nfds = 1 };

	(void)state;
	xpipe(p);
	for (i = 0; i < ntypes; i++) {
		assert_int_equal(fdpass_sock_pair(types[i] |
		    FDPASS_SOCK_NONBLOCK, s), 0);
		assert_int_equal(s[0].type, types[i]);
		assert_int_equal(s[1].type, types[i]);
		assert_true(has_cloexec(s[0].fd) && has_cloexec(s[1].fd));
		assert_true(is_nonblocking(s[0].fd) &&
		    is_nonblocking(s[1].fd));
		/* Non-blocking without FDPASS_NONBLOCK: the socket's flag. */
		msg.nfds = 1;
		errno = 0;
		assert_int_equal(fdpass_sock_recvmsg(&s[1], &msg, 0), -1);
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		assert_int_equal(msg.nfds, 0);
		assert_int_equal(send_text(&s[0], "abc", &p[1], 1, 0), 3);
		msg.nfds = 1;
		assert_int_equal(fdpass_sock_recvmsg(&s[1], &msg, 0), 3);
		assert_int_equal(msg.nfds, 1);
		assert_same_pipe(p[0], got);
		xclose(got);
		xclose(s[0].fd);
		xclose(s[1].fd);
	}
	xclose_all(p, 2);

	errno = 0;
	assert_int_equal(fdpass_sock_pair(SOCK_STREAM, NULL), -1);
	assert_int_equal(errno, EINVAL);
	memset(s, 0x55, sizeof s);
	errno = 0;
	assert_int_equal(fdpass_sock_pair(-1, s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(s[0].fd, -1);
	assert_int_equal(s[1].fd, -1);
}

/* A handle no init made is refused before any system call. */
static void
uninitialised_handle(void **state)
{
	struct fdpass_sock s;
	int got[2] = { -5, -5 };
	char buf[4];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };

	(void)state;
	memset(&s, 0, sizeof s);
	s.type = SOCK_STREAM;
	errno = 0;
	assert_int_equal(send_text(&s, "x", NULL, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fdpass_sock_recvmsg(&s, &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msg.nfds, 0);
	errno = 0;
	assert_int_equal(fdpass_sock_sendmsg(NULL, &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fdpass_sock_recvmsg(NULL, &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
}

/* Descriptors arrive as the same open files, CLOEXEC unless asked not. */
static void
round_trip(void **state)
{
	int types[3], p[2], q[2], fds[2], got[3];
	size_t ntypes = socket_types(types), i;
	struct fdpass_sock s[2];
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got };

	(void)state;
	xpipe(p);
	xpipe(q);
	fds[0] = p[1];
	fds[1] = q[1];
	for (i = 0; i < ntypes; i++) {
		assert_int_equal(fdpass_sock_pair(types[i], s), 0);
		assert_int_equal(send_text(&s[0], "two", fds, 2, 0), 3);
		msg.nfds = 3;
		assert_int_equal(fdpass_sock_recvmsg(&s[1], &msg, 0), 3);
		assert_int_equal(msg.nfds, 2);
		assert_int_equal(msg.flags, 0);
		assert_memory_equal(buf, "two", 3);
		assert_true(has_cloexec(got[0]) && has_cloexec(got[1]));
		assert_same_pipe(p[0], got[0]);
		assert_same_pipe(q[0], got[1]);
		xclose_all(got, 2);

		/* A handle and an fd call talk to each other. */
		assert_int_equal(fdpass_send_with_fd(s[0].fd,
		    &(struct iovec){ .iov_base = (void *)"fd", .iov_len = 2 },
		    1, p[1]), 2);
		msg.nfds = 1;
		assert_int_equal(fdpass_sock_recvmsg(&s[1], &msg,
		    FDPASS_NOCLOEXEC), 2);
		assert_int_equal(msg.nfds, 1);
		assert_false(has_cloexec(got[0]));
		assert_same_pipe(p[0], got[0]);
		xclose(got[0]);
		xclose(s[0].fd);
		xclose(s[1].fd);
	}
	xclose_all(p, 2);
	xclose_all(q, 2);
}

/* The checks before any system call, as for fdpass_sendmsg. */
static void
send_errors(void **state)
{
	struct fdpass_sock s[2];
	int p[2], bad = -1, many[FDPASS_PORTABLE_MAX_FDS + 300];
	size_t i, max = fdpass_max_fds();

	(void)state;
	assert_true(max + 1 <= sizeof many / sizeof many[0]);
	assert_int_equal(fdpass_sock_pair(SOCK_STREAM, s), 0);
	xpipe(p);
	for (i = 0; i < max + 1; i++)
		many[i] = p[1];
	errno = 0;
	assert_int_equal(send_text(&s[0], "x", many, max + 1, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	errno = 0;
	assert_int_equal(send_text(&s[0], "", &p[1], 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(send_text(&s[0], "x", &bad, 1, 0), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(send_text(&s[0], "x", &p[1], 1, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_nothing_queued(s[1].fd);
	xclose_all(p, 2);
	xclose(s[0].fd);
	xclose(s[1].fd);
}

/* A closed peer: EPIPE, and SIGPIPE (default: death) never raised. */
static void
peer_gone(void **state)
{
	int types[3], p[2];
	size_t ntypes = socket_types(types), i;
	struct fdpass_sock s[2];

	(void)state;
	xpipe(p);
	for (i = 0; i < ntypes; i++) {
		if (types[i] == SOCK_DGRAM)
			continue;
		assert_int_equal(fdpass_sock_pair(types[i], s), 0);
		xclose(s[1].fd);
		errno = 0;
		assert_int_equal(send_text(&s[0], "x", &p[1], 1, 0), -1);
		assert_int_equal(errno, EPIPE);
		xclose(s[0].fd);
	}
	xclose_all(p, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(init_errors),
		fd_test(init_leaves_the_socket_alone),
		fd_test(pair),
		fd_test(uninitialised_handle),
		fd_test(round_trip),
		fd_test(send_errors),
		fd_test(peer_gone),
	};

	return cmocka_run_group_tests_name("sock", tests, NULL, NULL);
}
