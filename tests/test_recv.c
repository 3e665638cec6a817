/* SPDX-License-Identifier: ISC */
/* Receiving: truncation in both forms, boundaries, EMFILE, companions. */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "fdpass.h"

static void
make_pipes(int reads[], int writes[], size_t n)
{
	size_t i;
	int p[2];

	for (i = 0; i < n; i++) {
		xpipe(p);
		reads[i] = p[0];
		writes[i] = p[1];
	}
}

static void
send_data_fds(int sock, const char *data, const int *fds, size_t n)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = strlen(data) };

	assert_int_equal(fdpass_send_with_fds(sock, &iov, 1, fds, n),
	    (ssize_t)strlen(data));
}

/* fdpass_recvmsg keeps the data, closes every descriptor, says CTRUNC. */
static void
recvmsg_truncation_keeps_data(void **state)
{
	int types[3];
	size_t ntypes = socket_types(types);
	int sv[2], reads[3], writes[3], got[2] = { -5, -5 };
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg;
	size_t before, i;

	(void)state;
	make_pipes(reads, writes, 3);
	for (i = 0; i < ntypes; i++) {
		xsocketpair(types[i], sv);
		send_data_fds(sv[0], "hello", writes, 3);
		before = count_open_fds();
		msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1,
		    .fds = got, .nfds = 2 };
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 5);
		assert_memory_equal(buf, "hello", 5);
		assert_int_equal(msg.nfds, 0);
		assert_int_equal(msg.flags, FDPASS_CTRUNC);
		assert_int_equal(count_open_fds(), before);

		/* The connection goes on in step. */
		send_data_fds(sv[0], "next", writes, 1);
		msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1,
		    .fds = got, .nfds = 2 };
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 4);
		assert_int_equal(msg.nfds, 1);
		assert_int_equal(msg.flags, 0);
		assert_same_pipe(reads[0], got[0]);
		xclose(got[0]);
		xclose_all(sv, 2);
	}
	xclose_all(reads, 3);
	xclose_all(writes, 3);
}

/* Capacity zero: every arriving descriptor is a truncation. */
static void
recvmsg_without_room_for_fds(void **state)
{
	int sv[2], p[2];
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1 };

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_fds(sv[0], p, 2);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
	assert_int_equal(msg.flags, FDPASS_CTRUNC);
	assert_int_equal(msg.nfds, 0);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
simple_calls_fail_with_emsgsize(void **state)
{
	int sv[2], reads[3], writes[3], got[2] = { -5, -5 }, fd = -5;
	size_t nfds = 2;
	char buf[16];

	(void)state;
	make_pipes(reads, writes, 3);
	xsocketpair(message_socket_type(), sv);

	send_data_fds(sv[0], "three", writes, 3);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(nfds, 0);

	send_data_fds(sv[0], "two", writes, 2);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(fd, -1);

	/* None sent: -1 in *fd, not an error. */
	send_data_fds(sv[0], "none", NULL, 0);
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), 4);
	assert_int_equal(fd, -1);

	/* Exactly the capacity is fine. */
	send_data_fds(sv[0], "two", writes, 2);
	nfds = 2;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), 3);
	assert_int_equal(nfds, 2);
	assert_same_pipe(reads[0], got[0]);
	assert_same_pipe(reads[1], got[1]);
	xclose_all(got, 2);
	xclose_all(sv, 2);
	xclose_all(reads, 3);
	xclose_all(writes, 3);
}

/* Each message keeps its own descriptors and its own bounds. */
static void
message_boundaries(int type)
{
	int sv[2], reads[2], writes[2], got[2] = { -5, -5 };
	size_t nfds;
	char buf[16];

	make_pipes(reads, writes, 2);
	xsocketpair(type, sv);
	send_data_fds(sv[0], "first", &writes[0], 1);
	send_data_fds(sv[0], "second", &writes[1], 1);
	nfds = 2;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), 5);
	assert_int_equal(nfds, 1);
	assert_same_pipe(reads[0], got[0]);
	nfds = 2;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, &got[1],
	    &nfds), 6);
	assert_int_equal(nfds, 1);
	assert_same_pipe(reads[1], got[1]);
	xclose_all(got, 2);
	xclose_all(sv, 2);
	xclose_all(reads, 2);
	xclose_all(writes, 2);
}

static void
dgram_boundaries(void **state)
{
	(void)state;
	message_boundaries(SOCK_DGRAM);
}

static void
seqpacket_boundaries(void **state)
{
	(void)state;
	require_seqpacket();
	message_boundaries(SOCK_SEQPACKET);
}

/* Stream: descriptors come with the read that takes their first byte. */
static void
stream_fds_arrive_with_their_bytes(void **state)
{
	int sv[2], p[2], fd = -5;
	char buf[8];
	ssize_t n;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_data_fds(sv[0], "abc", &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, 1, &fd), 1);
	assert_int_equal(buf[0], 'a');
	assert_same_pipe(p[0], fd);
	xclose(fd);
	n = fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "bc", 2);
	assert_int_equal(fd, -1);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
datagram_data_truncation(int type)
{
	int sv[2], p[2], fd = -5;
	char buf[4];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &fd,
	    .nfds = 1 };

	xsocketpair(type, sv);
	xpipe(p);
	send_data_fds(sv[0], "0123456789", &p[1], 1);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(msg.flags, FDPASS_TRUNC);
	assert_int_equal(msg.nfds, 1);
	assert_same_pipe(p[0], fd);
	xclose(fd);

	/* The simple call returns the bytes that fit, like recv(2). */
	send_data_fds(sv[0], "abcdefgh", &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_same_pipe(p[0], fd);
	xclose(fd);
	assert_nothing_queued(sv[1]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

static void
dgram_data_truncation(void **state)
{
	(void)state;
	datagram_data_truncation(SOCK_DGRAM);
}

static void
seqpacket_data_truncation(void **state)
{
	(void)state;
	require_seqpacket();
	datagram_data_truncation(SOCK_SEQPACKET);
}

static void
empty_datagram(void **state)
{
	int sv[2], fds[2] = { -5, -5 };
	size_t nfds = 2;
	char buf[4];

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	assert_int_equal(send(sv[0], "", 0, 0), 0);
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, fds,
	    &nfds), 0);
	assert_int_equal(nfds, 0);
	xclose_all(sv, 2);
}

/*
 * Every slot the library filled and then closed reads -1 again, so a
 * caller that closes "every entry != -1" closes nothing twice.
 */
static void
truncation_clears_closed_slots(void **state)
{
	int sv[2], reads[3], writes[3], got[2] = { -5, -5 };
	size_t nfds = 2;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };

	(void)state;
	make_pipes(reads, writes, 3);
	xsocketpair(SOCK_STREAM, sv);
	send_data_fds(sv[0], "three", writes, 3);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 5);
	assert_int_equal(msg.flags, FDPASS_CTRUNC);
	assert_int_equal(got[0], -1);
	assert_int_equal(got[1], -1);

	got[0] = got[1] = -5;
	send_data_fds(sv[0], "three", writes, 3);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(nfds, 0);
	assert_int_equal(got[0], -1);
	assert_int_equal(got[1], -1);
	xclose_all(sv, 2);
	xclose_all(reads, 3);
	xclose_all(writes, 3);
}

/*
 * No room for data is refused before any system call: a stream receive
 * would return 0 (end-of-file to the caller) and take the descriptors.
 * The message stays queued, descriptors and all.
 */
static void
no_room_for_data_is_einval(void **state)
{
	int sv[2], reads[1], writes[1], fd = -5, got[1] = { -5 };
	size_t nfds = 1;
	char c;
	struct iovec none = { .iov_base = &c, .iov_len = 0 };
	struct fdpass_msg msg = { .iov = &none, .iovcnt = 1, .fds = got,
	    .nfds = 1 };

	(void)state;
	make_pipes(reads, writes, 1);
	xsocketpair(SOCK_STREAM, sv);
	send_data_fds(sv[0], "x", writes, 1);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], NULL, 0, &fd), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fd, -1);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fds(sv[1], &c, 0, got, &nfds), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(nfds, 0);
	errno = 0;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
	msg.iovcnt = 0;
	msg.iov = NULL;
	msg.nfds = 1;
	errno = 0;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &fd), 1);
	assert_int_equal(c, 'x');
	assert_same_pipe(reads[0], fd);
	xclose(fd);
	xclose_all(sv, 2);
	xclose_all(reads, 1);
	xclose_all(writes, 1);
}

/*
 * Sends n descriptors with no data, as a peer that is not libfdpass may,
 * and tells whether a message arrived at peer: qemu-user reports success
 * for such a sendmsg and sends nothing.
 */
static int
raw_send_fds_no_data(int sock, int peer, const int *fds, size_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	char byte;
	struct iovec none = { .iov_base = &byte, .iov_len = 0 };

	assert_true(n <= 4);
	memset(&mh, 0, sizeof mh);
	memset(&control, 0, sizeof control);
	mh.msg_iov = &none;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, 0), 0);
	/* A peek without control buffer installs nothing. */
	return recv(peer, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/*
 * A message of zero data bytes with descriptors, from a foreign peer on a
 * message socket: 0 with the descriptors, which the caller owns.  0 is
 * end-of-file only when no descriptor came.
 */
static void
zero_byte_message_with_fds(void **state)
{
	int types[2] = { SOCK_DGRAM, SOCK_SEQPACKET };
	int sv[2], reads[1], writes[1], fd = -5, got[2] = { -5, -5 };
	size_t i, ntypes = has_seqpacket() ? 2 : 1;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };

	(void)state;
	make_pipes(reads, writes, 1);
	for (i = 0; i < ntypes; i++) {
		xsocketpair(types[i], sv);
		if (!raw_send_fds_no_data(sv[0], sv[1], writes, 1)) {
			xclose_all(sv, 2);
			xclose_all(reads, 1);
			xclose_all(writes, 1);
			print_message("sendmsg of descriptors without data sent "
			    "nothing (qemu-user): skipped\n");
			skip();
		}
		assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &fd), 0);
		assert_true(fd >= 0);
		assert_true(has_cloexec(fd));
		assert_same_pipe(reads[0], fd);
		xclose(fd);

		assert_true(raw_send_fds_no_data(sv[0], sv[1], writes, 1));
		msg.nfds = 2;
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 0);
		assert_int_equal(msg.nfds, 1);
		assert_int_equal(msg.flags, 0);
		assert_same_pipe(reads[0], got[0]);
		xclose(got[0]);
		xclose_all(sv, 2);
	}
	xclose_all(reads, 1);
	xclose_all(writes, 1);
}

/* The lowest free descriptor number: every one below it is in use. */
static int
lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	xclose(fd);
	return fd;
}

/* The lowest free number becomes the limit: no slot is left. */
static void
leave_no_free_slot(struct rlimit *saved)
{
	struct rlimit tight;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	tight = *saved;
	tight.rlim_cur = (rlim_t)lowest_free_fd();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
}

/* Through the handle h, or the fd call on sock when h is NULL. */
static ssize_t
recv_form(const struct fdpass_sock *h, int sock, struct fdpass_msg *msg)
{
	return h != NULL ? fdpass_sock_recvmsg(h, msg, 0) :
	    fdpass_recvmsg(sock, msg, 0);
}

/*
 * No free slot while receiving, through a handle (h) or the fd calls:
 * nothing leaks, the data comes back with FDPASS_CTRUNC where the kernel
 * kept it, else -1 EMFILE (or the simple calls fail with EMFILE, which
 * names the cause, not EMSGSIZE), and once a slot is free again the same
 * connection works.
 */
static void
emfile_while_receiving(int type, int use_handle)
{
	int sv[2], reads[2], writes[2], got[2] = { -5, -5 }, fd = -5;
	struct fdpass_sock h[2];
	struct rlimit saved;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	size_t before;
	ssize_t n, n2;
	int recvmsg_errno;

	make_pipes(reads, writes, 2);
	assert_int_equal(fdpass_sock_pair(type, h), 0);
	sv[0] = h[0].fd;
	sv[1] = h[1].fd;
	send_data_fds(sv[0], "full", writes, 2);
	send_data_fds(sv[0], "full2", writes, 1);

	before = count_open_fds();
	leave_no_free_slot(&saved);
	n = recv_form(use_handle ? &h[1] : NULL, sv[1], &msg);
	recvmsg_errno = errno;
	if (n == 4) {
		assert_memory_equal(buf, "full", 4);
		assert_int_equal(msg.flags & FDPASS_CTRUNC, FDPASS_CTRUNC);
	}
	errno = 0;
	if (use_handle) {
		/* The handle reads the second message the same way. */
		msg.nfds = 2;
		memset(buf, 0, sizeof buf);
		n2 = fdpass_sock_recvmsg(&h[1], &msg, 0);
		assert_int_equal(n2, n == -1 ? -1 : 5);
		assert_int_equal(msg.nfds, 0);
		if (n2 == -1) {
			assert_int_equal(errno, EMFILE);
		} else {
			assert_memory_equal(buf, "full2", 5);
			assert_int_equal(msg.flags & FDPASS_CTRUNC,
			    FDPASS_CTRUNC);
		}
	} else {
		assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf,
		    &fd), -1);
		assert_int_equal(errno, EMFILE);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(fd, use_handle ? -5 : -1);
	if (n == -1) {
		/* The kernel dropped the datagram (the BSDs). */
		assert_int_equal(recvmsg_errno, EMFILE);
	} else {
		assert_int_equal(n, 4);
	}
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(count_open_fds(), before);

	send_data_fds(sv[0], "again", writes, 2);
	msg.nfds = 2;
	assert_int_equal(recv_form(use_handle ? &h[1] : NULL, sv[1], &msg), 5);
	assert_memory_equal(buf, "again", 5);
	assert_int_equal(msg.nfds, 2);
	assert_int_equal(msg.flags, 0);
	assert_same_pipe(reads[0], got[0]);
	assert_same_pipe(reads[1], got[1]);
	xclose_all(got, 2);
	xclose_all(sv, 2);
	xclose_all(reads, 2);
	xclose_all(writes, 2);
}

/*
 * The fd calls where they may not ask the type (FreeBSD, OpenBSD) on a
 * stream: -1 EMFILE, nothing leaks, and the data the kernel kept is not
 * read back (it might have been the next message's) but comes with the
 * next receive, without descriptors; the connection goes on.
 */
static void
emfile_stream_unknown_type(void)
{
	int sv[2], reads[2], writes[2], got[2] = { -5, -5 };
	struct rlimit saved;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	size_t before;

	make_pipes(reads, writes, 2);
	xsocketpair(SOCK_STREAM, sv);
	send_data_fds(sv[0], "full", writes, 2);
	before = count_open_fds();
	leave_no_free_slot(&saved);
	errno = 0;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(msg.nfds, 0);
	assert_int_equal(count_open_fds(), before);
	msg.nfds = 2;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, FDPASS_NONBLOCK), 4);
	assert_memory_equal(buf, "full", 4);
	assert_int_equal(msg.nfds, 0);
	send_data_fds(sv[0], "again", writes, 1);
	msg.nfds = 2;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 5);
	assert_int_equal(msg.nfds, 1);
	assert_same_pipe(reads[0], got[0]);
	xclose(got[0]);
	xclose_all(sv, 2);
	xclose_all(reads, 2);
	xclose_all(writes, 2);
}

/*
 * valgrind emulates RLIMIT_NOFILE for the calls it wraps; the kernel still
 * installs received descriptors under the real limit, so the case cannot
 * be made there.
 */
static void
skip_under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	if (preload != NULL && strstr(preload, "vgpreload") != NULL) {
		print_message("valgrind emulates RLIMIT_NOFILE: EMFILE cases "
		    "run natively only\n");
		skip();
	}
}

static void
emfile_stream(void **state)
{
	(void)state;
	skip_under_valgrind();
	emfile_while_receiving(SOCK_STREAM, 1);
	if (fd_calls_ask())
		emfile_while_receiving(SOCK_STREAM, 0);
	else
		emfile_stream_unknown_type();
}

static void
emfile_dgram(void **state)
{
	(void)state;
	skip_under_valgrind();
	emfile_while_receiving(SOCK_DGRAM, 1);
	emfile_while_receiving(SOCK_DGRAM, 0);
}

/*
 * Companions of SCM_RIGHTS (credentials, a pidfd) fit beside the most
 * descriptors a peer can send, and a descriptor that arrives in one of them
 * is closed, not leaked.
 */
#ifdef SO_PASSCRED
static void
companion_messages(int option, const char *name)
{
	int sv[2], p[2], one = 1, *got;
	size_t n = fdpass_max_fds(), nfds = n, before, i;
	int *writes;
	char c;

	raise_fd_limit();
	xsocketpair(SOCK_STREAM, sv);
	if (setsockopt(sv[1], SOL_SOCKET, option, &one, sizeof one) == -1) {
		print_message("%s not supported by this kernel: skipped\n", name);
		xclose_all(sv, 2);
		skip();
	}
	xpipe(p);
	got = test_calloc(n, sizeof *got);
	writes = test_calloc(n, sizeof *writes);
	for (i = 0; i < n; i++)
		writes[i] = p[1];
	send_fds(sv[0], writes, n);
	before = count_open_fds();
	assert_int_equal(fdpass_recv_with_fds(sv[1], &c, 1, got, &nfds), 1);
	assert_int_equal(nfds, n);
	assert_int_equal(count_open_fds(), before + n);
	for (i = 0; i < n; i++)
		assert_same_pipe(p[0], got[i]);
	xclose_all(got, n);
	xclose_all(p, 2);
	xclose_all(sv, 2);
	test_free(got);
	test_free(writes);
}
#endif /* SO_PASSCRED: Linux */

static void
with_passcred(void **state)
{
	(void)state;
#ifdef SO_PASSCRED
	companion_messages(SO_PASSCRED, "SO_PASSCRED");
#else
	skip();
#endif
}

static void
with_passpidfd(void **state)
{
	(void)state;
#ifdef __linux__
	/* include/uapi/asm-generic/socket.h, Linux 6.5. */
	companion_messages(76 /* SO_PASSPIDFD */, "SO_PASSPIDFD");
#else
	skip();
#endif
}

/*
 * msg->flags is this call's on every return: a receive refused before
 * the kernel (unknown flags, no room, an uninitialised handle) clears
 * what an earlier truncated receive left there.
 */
static void
flags_cleared_on_early_errors(void **state)
{
	int sv[2], got = -5;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct iovec none = { .iov_base = &c, .iov_len = 0 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &got,
	    .nfds = 1 };
	struct fdpass_sock s;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	msg.flags = FDPASS_TRUNC | FDPASS_CTRUNC;
	errno = 0;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msg.flags, 0);
	msg.iov = &none;
	msg.flags = FDPASS_CTRUNC;
	errno = 0;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msg.flags, 0);
	msg.iov = &iov;
	msg.flags = FDPASS_TRUNC;
	memset(&s, 0, sizeof s);
	s.fd = sv[1];
	s.type = SOCK_STREAM;
	errno = 0;
	assert_int_equal(fdpass_sock_recvmsg(&s, &msg, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msg.flags, 0);
	assert_int_equal(got, -5);
	xclose_all(sv, 2);
}

/*
 * Stack use, as docs/guarantees.md states it: a receive needs at most its
 * control buffer (fdpass_backend()->recv_control_size) plus STACK_FRAMES
 * bytes, a send CMSG_SPACE of the most descriptors (cmsg_space_max) plus
 * STACK_FRAMES, beyond the caller's frame.  Each call runs in a signal
 * handler on an alternate stack filled with a pattern; the bytes it
 * touched, less what the same handler touches without the call (the
 * kernel's signal frame), are the call's need.  Sanitizers move frames
 * and pad them: not measured there.
 */
#define STACK_FRAMES 1536
/* musl's sendmsg copies the control data into 1 KiB of its own stack. */
#define LIBC_SEND_COPY 1024
#define ALT_STACK_SIZE (64 * 1024)
#define STACK_PATTERN 0xa5

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define STACK_NOT_MEASURED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define STACK_NOT_MEASURED 1
#endif

#ifndef STACK_NOT_MEASURED
/*
 * Under valgrind the alternate stack is no-access below the stack pointer
 * once the handler returns: the test makes it addressable again.
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

enum stack_call { CALL_NOTHING, CALL_RECVMSG, CALL_RECV_WITH_FD,
    CALL_SEND_WITH_FDS, CALL_RECV_RESET };

static volatile sig_atomic_t stack_call;
static int stack_sock, stack_fd;
static volatile ssize_t stack_result;

static void
stack_handler(int sig)
{
	char c[4] = "abc";
	int fd = -1, got[1];
	struct iovec iov = { .iov_base = c, .iov_len = sizeof c };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 1 };

	(void)sig;
	switch (stack_call) {
	case CALL_NOTHING:
		stack_result = 0;
		break;
	case CALL_RECVMSG:
	case CALL_RECV_RESET:
		stack_result = fdpass_recvmsg(stack_sock, &msg, FDPASS_NONBLOCK);
		if (stack_result >= 0 && msg.nfds == 1)
			stack_fd = got[0];
		break;
	case CALL_RECV_WITH_FD:
		stack_result = fdpass_recv_with_fd(stack_sock, c, sizeof c, &fd);
		stack_fd = fd;
		break;
	case CALL_SEND_WITH_FDS:
		iov.iov_len = 1;
		stack_result = fdpass_send_with_fds(stack_sock, &iov, 1,
		    &stack_fd, 1);
		break;
	}
}

/* Bytes of the alternate stack the handler touched for call. */
static size_t
stack_touched(unsigned char *stack, enum stack_call call)
{
	stack_t ss, old;
	size_t i;

	VALGRIND_MAKE_MEM_DEFINED(stack, ALT_STACK_SIZE);
	memset(stack, STACK_PATTERN, ALT_STACK_SIZE);
	ss.ss_sp = stack;
	ss.ss_size = ALT_STACK_SIZE;
	ss.ss_flags = 0;
	assert_int_equal(sigaltstack(&ss, &old), 0);
	stack_call = call;
	assert_int_equal(raise(SIGUSR1), 0);
	ss.ss_flags = SS_DISABLE;
	assert_int_equal(sigaltstack(&ss, NULL), 0);
	VALGRIND_MAKE_MEM_DEFINED(stack, ALT_STACK_SIZE);
	for (i = 0; i < ALT_STACK_SIZE && stack[i] == STACK_PATTERN; i++)
		continue;
	return ALT_STACK_SIZE - i;
}

/*
 * Every path measured, made once first: the first call of a libc function
 * goes through the dynamic linker's lazy binding, whose resolver saves
 * every register on the same stack (about 3 KiB more on x86_64), which
 * the documentation names apart from the library's own need.
 */
static void
stack_warm_up(void)
{
	int sv[2], p[2], fd = -5;
	char c;

	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &fd), 1);
	xclose(fd);
	assert_int_equal(write(sv[1], "a", 1), 1);
	xclose(sv[0]);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &fd), 0);
	xclose(sv[1]);
	xclose_all(p, 2);
}

#endif /* !STACK_NOT_MEASURED */

static void
stack_use_is_bounded(void **state)
{
#ifdef STACK_NOT_MEASURED
	(void)state;
	print_message("sanitizer build: stack use not measured\n");
	skip();
#else
	const struct fdpass_backend *b = fdpass_backend();
	struct sigaction sa, old;
	unsigned char *stack;
	size_t base, need;
	int sv[2], p[2];

	(void)state;
	stack = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANON, -1, 0);
	assert_true(stack != MAP_FAILED);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stack_handler;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	stack_warm_up();
	base = stack_touched(stack, CALL_NOTHING);

	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	stack_sock = sv[1];
	send_fds(sv[0], &p[1], 1);
	need = stack_touched(stack, CALL_RECVMSG) - base;
	print_message("fdpass_recvmsg: %zu bytes (bound %zu)\n", need,
	    b->recv_control_size + STACK_FRAMES);
	assert_int_equal(stack_result, 1);
	assert_true(need <= b->recv_control_size + STACK_FRAMES);
	xclose(stack_fd);

	send_fds(sv[0], &p[1], 1);
	need = stack_touched(stack, CALL_RECV_WITH_FD) - base;
	print_message("fdpass_recv_with_fd: %zu bytes\n", need);
	assert_int_equal(stack_result, 1);
	assert_true(need <= b->recv_control_size + STACK_FRAMES);
	xclose(stack_fd);

	stack_sock = sv[0];
	stack_fd = p[1];
	need = stack_touched(stack, CALL_SEND_WITH_FDS) - base;
	print_message("fdpass_send_with_fds: %zu bytes (bound %zu)\n", need,
	    b->cmsg_space_max + STACK_FRAMES + LIBC_SEND_COPY);
	assert_int_equal(stack_result, 1);
	assert_true(need <= b->cmsg_space_max + STACK_FRAMES + LIBC_SEND_COPY);
	stack_sock = sv[1];
	need = stack_touched(stack, CALL_RECVMSG) - base;
	xclose(stack_fd);

	/* An error path: a peer gone with data unread (Linux ECONNRESET). */
	assert_int_equal(write(sv[1], "a", 1), 1);
	xclose(sv[0]);
	need = stack_touched(stack, CALL_RECV_RESET) - base;
	print_message("fdpass_recvmsg after a reset: %zu bytes\n", need);
	assert_true(need <= b->recv_control_size + STACK_FRAMES);
	xclose(sv[1]);
	xclose_all(p, 2);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
	assert_int_equal(munmap(stack, ALT_STACK_SIZE), 0);
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(recvmsg_truncation_keeps_data),
		fd_test(recvmsg_without_room_for_fds),
		fd_test(simple_calls_fail_with_emsgsize),
		fd_test(dgram_boundaries),
		fd_test(seqpacket_boundaries),
		fd_test(stream_fds_arrive_with_their_bytes),
		fd_test(dgram_data_truncation),
		fd_test(seqpacket_data_truncation),
		fd_test(empty_datagram),
		fd_test(truncation_clears_closed_slots),
		fd_test(no_room_for_data_is_einval),
		fd_test(zero_byte_message_with_fds),
		fd_test(emfile_stream),
		fd_test(emfile_dgram),
		fd_test(with_passcred),
		fd_test(with_passpidfd),
		fd_test(flags_cleared_on_early_errors),
		fd_test(stack_use_is_bounded),
	};

	return cmocka_run_group_tests_name("recv", tests, NULL, NULL);
}
