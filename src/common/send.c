/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static int
has_data(const struct iovec *iov, size_t iovcnt)
{
	size_t i;

	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0)
			return 1;
	return 0;
}

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
	if (fdpass__check_msg(msg, flags) == -1)
		return -1;
	if (msg->nfds > FDPASS__OS_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Some kernels drop descriptors sent with no data (Linux streams). */
	if (msg->nfds > 0 && !has_data(msg->iov, msg->iovcnt)) {
		errno = EINVAL;
		return -1;
	}
	if (!all_fds_plausible(msg->fds, msg->nfds)) {
		errno = EBADF;
		return -1;
	}
	return 0;
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

	if (check_send(msg, flags) == -1)
		return -1;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = (struct iovec *)(uintptr_t)msg->iov;
	mh.msg_iovlen = msg->iovcnt;
	if (msg->nfds > 0) {
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
	return fdpass__sendmsg_nosigpipe(sock, &mh,
	    (flags & FDPASS_NONBLOCK) ? MSG_DONTWAIT : 0);
}
