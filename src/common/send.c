/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

static int
all_fds_plausible(const int *fds, size_t nfds)
{
	size_t i;

	for (i = 0; i < nfds; i++)
		if (fds[i] < 0)
			return 0;
	return 1;
}

/*
 * Every check that can fail without a system call, so a refused message
 * never reaches the kernel.
 */
static int
check_send(const struct fdpass_msg *msg, int flags)
{
	int has_data;

	if (fdpass__check_msg(msg, flags, &has_data) == -1)
		return -1;
	if (msg->nfds > FDPASS__OS_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Some kernels drop descriptors sent with no data (Linux streams). */
	if (msg->nfds > 0 && !has_data) {
		errno = EINVAL;
		return -1;
	}
	if (!all_fds_plausible(msg->fds, msg->nfds)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

/*
 * Descriptors travel only over AF_UNIX.  Elsewhere the kernel may take
 * SCM_RIGHTS without a word and drop it (Linux __sock_cmsg_send skips it
 * for every family, FreeBSD udp_output skips any non-IP level), so a
 * positive return would lie; the family is asked before sending.
 */
static int
check_carries_fds(int sock)
{
	int is_unix = fdpass__is_unix_socket(sock);

	if (is_unix == 0)
		errno = EOPNOTSUPP;
	return is_unix == 1 ? 0 : -1;
}

/*
 * A stream or seqpacket peer that closed with data unread makes the kernel
 * answer ECONNRESET once before EPIPE (Linux unix_release_sock); both say
 * the peer is gone.  A datagram socket's errno is the OS's own.
 */
static ssize_t
peer_gone_is_epipe(int sock, ssize_t n)
{
	if (n == -1 && errno == ECONNRESET &&
	    fdpass__socket_type(sock) != SOCK_DGRAM)
		errno = EPIPE;
	return n;
}

/*
 * Where SOCK_SEQPACKET is a stream with record marks (FreeBSD 15), each
 * message must end its record, or a reader may get several at once.
 */
static int
record_flags(int sock)
{
	if (FDPASS__OS_SEQPACKET_NEEDS_EOR &&
	    fdpass__socket_type(sock) == SOCK_SEQPACKET)
		return MSG_EOR;
	return 0;
}

/*
 * Some kernels answer a full peer buffer with an errno of their own
 * instead of waiting (FDPASS__OS_FULL_ERRNO): a caller that asked not to
 * block reads that as EAGAIN, like everywhere else; a blocking caller
 * gets the kernel's errno, documented per OS.
 */
static ssize_t
full_is_eagain(int sock, const struct fdpass_msg *msg, int flags, ssize_t n)
{
	int err = errno, fl;

	if (n != -1 || (err != ENOBUFS && err != EMSGSIZE) ||
	    err != FDPASS__OS_FULL_ERRNO(fdpass__socket_type(sock), msg->nfds)) {
		errno = err;
		return n;
	}
	if (!(flags & FDPASS_NONBLOCK)) {
		fl = FDPASS__SYSCALL(fcntl)(sock, F_GETFL, 0);
		if (fl == -1 || !(fl & O_NONBLOCK)) {
			errno = err;
			return -1;
		}
	}
	errno = EAGAIN;
	return -1;
}

ssize_t
fdpass_sendmsg(int sock, const struct fdpass_msg *msg, int flags)
{
	union {
		struct cmsghdr align;
		char buf[FDPASS__CMSG_BOUND(FDPASS__OS_MAX_FDS)];
	} control;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	size_t space;
	ssize_t n;

	if (check_send(msg, flags) == -1)
		return -1;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = (struct iovec *)(uintptr_t)msg->iov;
	mh.msg_iovlen = msg->iovcnt;
	if (msg->nfds > 0) {
		if (check_carries_fds(sock) == -1)
			return -1;
		/*
		 * One SCM_RIGHTS message holds them all: OpenBSD and xnu refuse
		 * several, NetBSD reads only the first.  msg_controllen is the
		 * real CMSG_SPACE, which xnu needs equal to cmsg_len (true with
		 * its 4-byte alignment) and OpenBSD accepts as CMSG_ALIGN of it.
		 */
		space = CMSG_SPACE(msg->nfds * sizeof(int));
		if (space > sizeof control.buf) {
			errno = EMSGSIZE;
			return -1;
		}
		memset(control.buf, 0, space);
		mh.msg_control = control.buf;
		mh.msg_controllen = space;
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(msg->nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), msg->fds, msg->nfds * sizeof(int));
	}
	n = fdpass__sendmsg_nosigpipe(sock, &mh,
	    record_flags(sock) |
	    ((flags & FDPASS_NONBLOCK) ? FDPASS__OS_SEND_DONTWAIT : 0));
	return full_is_eagain(sock, msg, flags, peer_gone_is_epipe(sock, n));
}
