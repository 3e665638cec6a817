/* SPDX-License-Identifier: ISC */
/* The ScmSocket mirror: strict forms of fdpass_sendmsg / fdpass_recvmsg. */
#include "internal.h"

#include <errno.h>
#include <stdint.h>

ssize_t
fdpass_send_with_fd(int sock, const struct iovec *iov, size_t iovcnt, int fd)
{
	return fdpass_send_with_fds(sock, iov, iovcnt, &fd, 1);
}

ssize_t
fdpass_send_with_fds(int sock, const struct iovec *iov, size_t iovcnt,
    const int *fds, size_t nfds)
{
	struct fdpass_msg msg;

	msg.iov = iov;
	msg.iovcnt = iovcnt;
	msg.fds = (int *)(uintptr_t)fds;
	msg.nfds = nfds;
	msg.flags = 0;
	return fdpass_sendmsg(sock, &msg, 0);
}

/*
 * Truncated descriptors fail the call (they are closed and the message's
 * data is dropped): EMFILE when the kernel could not install them for want
 * of a free slot, EMSGSIZE when more came than fit.  Truncated datagram
 * data does not, as with recv(2).
 */
ssize_t
fdpass_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t *nfds)
{
	struct fdpass__sockview v = { sock, 0, 0, 0 };
	struct iovec iov;
	struct fdpass_msg msg;
	int why_ctrunc;
	ssize_t n;

	if (nfds == NULL || (buf == NULL && len > 0)) {
		if (nfds != NULL)
			*nfds = 0;
		errno = EINVAL;
		return -1;
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.iov = &iov;
	msg.iovcnt = 1;
	msg.fds = fds;
	msg.nfds = *nfds;
	msg.flags = 0;
	n = fdpass__recv(&v, &msg, 0, &why_ctrunc);
	*nfds = msg.nfds;
	if (n >= 0 && (msg.flags & FDPASS_CTRUNC)) {
		errno = why_ctrunc;
		return -1;
	}
	return n;
}

ssize_t
fdpass_recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	size_t nfds = 1;
	int received = -1;
	ssize_t n;

	if (fd == NULL) {
		errno = EINVAL;
		return -1;
	}
	*fd = -1;
	n = fdpass_recv_with_fds(sock, buf, len, &received, &nfds);
	if (n >= 0 && nfds == 1)
		*fd = received;
	return n;
}
