/* SPDX-License-Identifier: ISC */
/* Round trips: identity of descriptors, data, CLOEXEC, socketpair. */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fdpass.h"

/*
 * Sends the write ends of n pipes and proves each received descriptor is
 * the same pipe, in order.
 */
static void
round_trip_pipes(int type, size_t n)
{
	int sv[2], *reads, *writes, *got;
	size_t i, nfds = n;
	char buf[8];

	reads = calloc(n, sizeof *reads);
	writes = calloc(n, sizeof *writes);
	got = calloc(n, sizeof *got);
	assert_non_null(reads);
	assert_non_null(writes);
	assert_non_null(got);
	xsocketpair(type, sv);
	for (i = 0; i < n; i++) {
		int p[2];

		xpipe(p);
		reads[i] = p[0];
		writes[i] = p[1];
	}

	send_fds(sv[0], writes, n);
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), 1);
	assert_int_equal(nfds, n);
	for (i = 0; i < n; i++) {
		assert_true(got[i] != writes[i]);
		assert_same_pipe(reads[i], got[i]);
		assert_true(fcntl(writes[i], F_GETFD) != -1);	/* sender keeps it */
	}

	xclose_all(got, n);
	xclose_all(reads, n);
	xclose_all(writes, n);
	xclose_all(sv, 2);
	free(reads);
	free(writes);
	free(got);
}

static void
one_fd_stream(void **state)
{
	int sv[2], p[2], got = -2;
	char c = 0;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	assert_int_equal(fdpass_send_with_fd(sv[0],
	    &(struct iovec){ .iov_base = (void *)"A", .iov_len = 1 }, 1, p[1]), 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), 1);
	assert_int_equal(c, 'A');
	assert_true(got >= 0);
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
three_fds_stream(void **state)
{
	(void)state;
	round_trip_pipes(SOCK_STREAM, 3);
}

static void
three_fds_dgram(void **state)
{
	(void)state;
	round_trip_pipes(SOCK_DGRAM, 3);
}

static void
three_fds_seqpacket(void **state)
{
	(void)state;
	require_seqpacket();
	round_trip_pipes(SOCK_SEQPACKET, 3);
}

static void
max_fds_stream(void **state)
{
	(void)state;
	raise_fd_limit();
	round_trip_pipes(SOCK_STREAM, fdpass_max_fds());
}

static void
max_fds_dgram(void **state)
{
	(void)state;
	raise_fd_limit();
	round_trip_pipes(SOCK_DGRAM, fdpass_max_fds());
}

static void
portable_max_is_within_limit(void **state)
{
	(void)state;
	assert_true(FDPASS_PORTABLE_MAX_FDS <= fdpass_max_fds());
	assert_int_equal(fdpass_backend()->max_fds, fdpass_max_fds());
}

/* Gathered on send, scattered on receive, with the fd on the first byte. */
static void
scatter_gather(void **state)
{
	const char *parts[] = { "he", "", "llo, ", "world" };
	struct iovec out[4], in[3];
	char a[3], b[4], c[16];
	int sv[2], p[2], fds[1];
	struct fdpass_msg msg;
	size_t i;

	(void)state;
	xsocketpair(message_socket_type(), sv);
	xpipe(p);
	for (i = 0; i < 4; i++) {
		out[i].iov_base = (void *)parts[i];
		out[i].iov_len = strlen(parts[i]);
	}
	fds[0] = p[1];
	msg = (struct fdpass_msg){ .iov = out, .iovcnt = 4, .fds = fds,
	    .nfds = 1 };
	assert_int_equal(fdpass_sendmsg(sv[0], &msg, 0), 12);

	in[0] = (struct iovec){ .iov_base = a, .iov_len = sizeof a };
	in[1] = (struct iovec){ .iov_base = b, .iov_len = sizeof b };
	in[2] = (struct iovec){ .iov_base = c, .iov_len = sizeof c };
	fds[0] = -1;
	msg = (struct fdpass_msg){ .iov = in, .iovcnt = 3, .fds = fds,
	    .nfds = 1, .flags = 0x7f };
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 12);
	assert_int_equal(msg.nfds, 1);
	assert_int_equal(msg.flags, 0);
	assert_memory_equal(a, "hel", 3);
	assert_memory_equal(b, "lo, ", 4);
	assert_memory_equal(c, "world", 5);
	assert_same_pipe(p[0], fds[0]);
	xclose(fds[0]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static int
receive_one(int sock, int flags)
{
	char c;
	int fd = -1;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &fd,
	    .nfds = 1 };

	assert_int_equal(fdpass_recvmsg(sock, &msg, flags), 1);
	assert_int_equal(msg.nfds, 1);
	return fd;
}

static void
received_fds_are_cloexec(void **state)
{
	int sv[2], p[2], got;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	assert_false(has_cloexec(p[1]));
	send_fds(sv[0], &p[1], 1);
	got = receive_one(sv[1], 0);
	assert_true(has_cloexec(got));
	xclose(got);

	/* The simple call too. */
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &(char){0}, 1, &got), 1);
	assert_true(has_cloexec(got));
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
nocloexec_leaves_flag_clear(void **state)
{
	int sv[2], p[2], got;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	assert_int_equal(fcntl(p[1], F_SETFD, FD_CLOEXEC), 0);
	send_fds(sv[0], &p[1], 1);
	got = receive_one(sv[1], FDPASS_NOCLOEXEC);
	assert_false(has_cloexec(got));
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
socketpair_is_cloexec(void **state)
{
	int types[3];
	size_t ntypes = socket_types(types), i;
	int sv[2], t;

	(void)state;
	for (i = 0; i < ntypes; i++) {
		xsocketpair(types[i], sv);
		for (t = 0; t < 2; t++) {
			assert_true(has_cloexec(sv[t]));
			assert_false(is_nonblocking(sv[t]));
		}
		xclose_all(sv, 2);
	}
}

static void
socketpair_nonblock(void **state)
{
	int flags[] = { FDPASS_SOCK_NONBLOCK,
#ifdef SOCK_NONBLOCK
		SOCK_NONBLOCK, SOCK_NONBLOCK | SOCK_CLOEXEC,
#endif
	};
	int sv[2], t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		xsocketpair(SOCK_STREAM | flags[i], sv);
		for (t = 0; t < 2; t++) {
			assert_true(has_cloexec(sv[t]));
			assert_true(is_nonblocking(sv[t]));
		}
		xclose_all(sv, 2);
	}
}

static void
socketpair_errors(void **state)
{
	int sv[2] = { -7, -7 };

	(void)state;
	assert_int_equal(fdpass_socketpair(SOCK_STREAM, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fdpass_socketpair(0x0f, sv), -1);
	assert_true(errno == EINVAL || errno == EPROTONOSUPPORT ||
	    errno == ESOCKTNOSUPPORT || errno == EPROTOTYPE);
}

/* A plain message: no descriptors, zero-length data where allowed. */
static void
plain_messages(void **state)
{
	int sv[2], fds[2] = { -5, -5 }, fd = -5;
	size_t nfds = 2;
	char buf[4];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg;

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	assert_int_equal(fdpass_send_with_fds(sv[0],
	    &(struct iovec){ .iov_base = (void *)"hey", .iov_len = 3 }, 1, NULL, 0), 3);
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, fds,
	    &nfds), 3);
	assert_int_equal(nfds, 0);
	assert_memory_equal(buf, "hey", 3);

	/*
	 * An empty iovec rather than none: qemu-user (7.2) reports success
	 * for a sendmsg with msg_iovlen 0 without sending anything.
	 */
	assert_int_equal(fdpass_send_with_fds(sv[0],
	    &(struct iovec){ .iov_base = buf, .iov_len = 0 }, 1, NULL, 0), 0);
	msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1, .fds = &fd,
	    .nfds = 1 };
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, FDPASS_NONBLOCK), 0);
	assert_int_equal(msg.nfds, 0);
	xclose_all(sv, 2);
}

static void
version_and_backend(void **state)
{
	const struct fdpass_backend *b = fdpass_backend();
	char expect[32];

	(void)state;
	snprintf(expect, sizeof expect, "%d.%d.%d", FDPASS_VERSION_MAJOR,
	    FDPASS_VERSION_MINOR, FDPASS_VERSION_PATCH);
	assert_string_equal(fdpass_version(), expect);
	assert_string_equal(fdpass_version(), "0.2.0");
	assert_non_null(b);
	assert_ptr_equal(b, fdpass_backend());
	assert_non_null(b->name);
	assert_non_null(b->sigpipe);
	assert_non_null(b->peer_cred);
	assert_true(b->max_fds >= FDPASS_PORTABLE_MAX_FDS);
	assert_true(b->recv_max_fds >= b->max_fds);
	assert_true(b->cmsg_space_one >= sizeof(int) + 12);
	assert_true(b->cmsg_space_max >= b->max_fds * sizeof(int));
	assert_true(b->recv_control_size >= b->cmsg_space_max);
	assert_true(b->atomic_cloexec == 0 || b->atomic_cloexec == 1);
#ifdef __linux__
	assert_string_equal(b->name, "linux");
#ifdef __GLIBC__
	assert_int_equal(b->max_fds, 253);	/* SCM_MAX_FD */
#else
	assert_true(b->max_fds == 252 || b->max_fds == 253);	/* musl */
#endif
	/* The description must match this system's own macros. */
	assert_int_equal(b->cmsg_space_one, CMSG_SPACE(sizeof(int)));
	assert_int_equal(b->cmsg_align, CMSG_SPACE(1) - CMSG_SPACE(0));
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(one_fd_stream),
		fd_test(three_fds_stream),
		fd_test(three_fds_dgram),
		fd_test(three_fds_seqpacket),
		fd_test(max_fds_stream),
		fd_test(max_fds_dgram),
		fd_test(portable_max_is_within_limit),
		fd_test(scatter_gather),
		fd_test(received_fds_are_cloexec),
		fd_test(nocloexec_leaves_flag_clear),
		fd_test(socketpair_is_cloexec),
		fd_test(socketpair_nonblock),
		fd_test(socketpair_errors),
		fd_test(plain_messages),
		fd_test(version_and_backend),
	};

	return cmocka_run_group_tests_name("roundtrip", tests, NULL, NULL);
}
