/* SPDX-License-Identifier: ISC */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "fdpass.h"
#include "fdcount.h"

static size_t baseline_fds;

size_t
count_open_fds(void)
{
	size_t n;

	if (fdcount(&n) == -1)
		fail_msg("cannot count open descriptors with %s: %s",
		    fdcount_method(), strerror(errno));
	return n;
}

int
fd_baseline_setup(void **state)
{
	(void)state;
	baseline_fds = count_open_fds();
	return 0;
}

int
fd_baseline_teardown(void **state)
{
	size_t now = count_open_fds();

	(void)state;
	if (now != baseline_fds) {
		print_error("descriptor leak: %zu open before, %zu after\n",
		    baseline_fds, now);
		return -1;
	}
	return 0;
}

void
xpipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
}

void
xsocketpair(int type, int sv[2])
{
	assert_int_equal(fdpass_socketpair(type, sv), 0);
}

void
xclose(int fd)
{
	assert_int_equal(close(fd), 0);
}

void
xclose_all(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		xclose(fds[i]);
}

int
has_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	assert_true(fl != -1);
	return (fl & FD_CLOEXEC) != 0;
}

int
is_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl != -1);
	return (fl & O_NONBLOCK) != 0;
}

void
assert_same_pipe(int original_read, int received_write)
{
	static unsigned char next = 1;
	unsigned char out = next++, in = 0;

	assert_int_equal(write(received_write, &out, 1), 1);
	assert_int_equal(read(original_read, &in, 1), 1);
	assert_int_equal(in, out);
}

void
raise_fd_limit(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
}

void
send_fds(int sock, const int *fds, size_t n)
{
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };

	assert_int_equal(fdpass_send_with_fds(sock, &iov, 1, fds, n), 1);
}

void
assert_nothing_queued(int sock)
{
	char c;

	assert_int_equal(recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

int
has_seqpacket(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		return 0;
	close(sv[0]);
	close(sv[1]);
	return 1;
}

void
require_seqpacket(void)
{
	if (!has_seqpacket()) {
		print_message("no AF_UNIX SOCK_SEQPACKET on this OS: skipped\n");
		skip();
	}
}

int
message_socket_type(void)
{
	return has_seqpacket() ? SOCK_SEQPACKET : SOCK_DGRAM;
}

size_t
socket_types(int types[3])
{
	types[0] = SOCK_STREAM;
	types[1] = SOCK_DGRAM;
	types[2] = SOCK_SEQPACKET;
	return has_seqpacket() ? 3 : 2;
}

int
fd_calls_ask(void)
{
	const char *os = fdpass_backend()->name;

	return strcmp(os, "freebsd") != 0 && strcmp(os, "openbsd") != 0;
}
