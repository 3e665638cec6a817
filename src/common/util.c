/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

int
fdpass__check_msg(const struct fdpass_msg *msg, int flags)
{
	if (msg == NULL || (flags & ~(FDPASS_NONBLOCK | FDPASS_NOCLOEXEC)) ||
	    (msg->iov == NULL && msg->iovcnt > 0) ||
	    (msg->fds == NULL && msg->nfds > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (msg->iovcnt > INT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
fdpass__getsockopt_exact(int sock, int level, int name, void *val,
    socklen_t size)
{
	socklen_t len = size;

	if (FDPASS__SYSCALL(getsockopt)(sock, level, name, val, &len) == -1)
		return -1;
	if (len != size) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
fdpass__close_all(const int *fds, size_t n)
{
	int saved_errno = errno;
	size_t i;

	/* Not retried on EINTR: the descriptor is gone either way (POSIX 2024). */
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	errno = saved_errno;
}
