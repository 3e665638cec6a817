/* SPDX-License-Identifier: ISC */
/*
 * struct fdpass_sock: a socket checked once.  Init asks the kernel what
 * the send and receive paths would otherwise ask on every call (family,
 * type, O_NONBLOCK, the running kernel's release) and sets what is per
 * socket (SO_NOSIGPIPE), so those paths make no system call but sendmsg
 * or recvmsg and work inside pledge, Capsicum and seccomp sandboxes.  The
 * handle's send and receive are beside the fd calls' (send.c, recv.c).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Everything but the kernel's answers, which the caller brings. */
static int
finish_init(struct fdpass_sock *s, int fd, int type, int nonblock)
{
	unsigned int learned = FDPASS__OS_LEARN(FDPASS__KERNEL_RELEASE());

	if (nonblock)
		learned |= FDPASS__LEARNED_NONBLOCK;
	if (fdpass__nosigpipe_once(fd, &learned) == -1)
		return -1;
	s->fd = fd;
	s->type = type;
	s->fdpass_private[FDPASS__PRIV_MAGIC] = FDPASS__SOCK_MAGIC;
	s->fdpass_private[FDPASS__PRIV_LEARNED] = learned;
	return 0;
}

/*
 * The bound of the control a full buffer can refuse only for now
 * (FDPASS__OS_FULL_LIMIT_OPT), as it is at init; unknown (0) if the
 * kernel does not say.  A pair is new: its bound is the kernel's default,
 * which no control of ours exceeds, and it is not asked.
 */
static void
learn_full_limit(struct fdpass_sock *s)
{
#if FDPASS__OS_FULL_LIMIT_OPT
	int limit = 0, saved_errno = errno;
	socklen_t len = sizeof limit;

	if (s->type == SOCK_STREAM && FDPASS__SYSCALL(getsockopt)(s->fd,
	    SOL_SOCKET, FDPASS__OS_FULL_LIMIT_OPT, &limit, &len) == 0 &&
	    limit > 0)
		s->fdpass_private[FDPASS__PRIV_FULL_LIMIT] =
		    (unsigned int)limit;
	errno = saved_errno;
#else
	(void)s;
#endif
}

static void
clear(struct fdpass_sock *s)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

int
fdpass_sock_init(struct fdpass_sock *s, int fd)
{
	int is_unix, type, fl;

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	clear(s);
	/* getsockname first: EBADF and ENOTSOCK come from it. */
	if ((is_unix = fdpass__is_unix_socket(fd)) != 1) {
		if (is_unix == 0)
			errno = EOPNOTSUPP;
		return -1;
	}
	if ((type = fdpass__socket_type(fd)) == -1 ||
	    (fl = FDPASS__SYSCALL(fcntl)(fd, F_GETFL, 0)) == -1)
		return -1;
	if (!fdpass__is_message_type(type)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (finish_init(s, fd, type, (fl & O_NONBLOCK) != 0) == -1) {
		clear(s);
		return -1;
	}
	learn_full_limit(s);
	return 0;
}

/* The pair is known to be AF_UNIX of type: nothing to ask. */
int
fdpass_sock_pair(int type, struct fdpass_sock s[2])
{
	int sv[2], nonblock, base;

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	clear(&s[0]);
	clear(&s[1]);
	/* A flag the library does not know would make the type unknown. */
	base = fdpass__split_type(type, &nonblock);
	if (!fdpass__is_message_type(base)) {
		errno = EINVAL;
		return -1;
	}
	if (fdpass_socketpair(type, sv) == -1)
		return -1;
	if (finish_init(&s[0], sv[0], base, nonblock) == -1 ||
	    finish_init(&s[1], sv[1], base, nonblock) == -1) {
		fdpass__close_all(sv, 2);
		clear(&s[0]);
		clear(&s[1]);
		return -1;
	}
	return 0;
}
