/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <fcntl.h>
#include <unistd.h>

#ifdef FDPASS_TEST_SEAMS

static int
real_fcntl(int fd, int cmd, int arg)
{
	return fcntl(fd, cmd, arg);
}

/*
 * The prototypes of sendmsg & co. differ in details between libcs (socklen_t
 * vs size_t, restrict), so each is reached through a wrapper of one type.
 */
static ssize_t
real_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	return sendmsg(sock, mh, flags);
}

static ssize_t
real_recvmsg(int sock, struct msghdr *mh, int flags)
{
	return recvmsg(sock, mh, flags);
}

static int
real_socketpair(int domain, int type, int protocol, int sv[2])
{
	return socketpair(domain, type, protocol, sv);
}

static int
real_getsockopt(int sock, int level, int name, void *val, socklen_t *len)
{
	return getsockopt(sock, level, name, val, len);
}

static int
real_setsockopt(int sock, int level, int name, const void *val, socklen_t len)
{
	return setsockopt(sock, level, name, val, len);
}

static int
real_getsockname(int sock, struct sockaddr *sa, socklen_t *len)
{
	return getsockname(sock, sa, len);
}

static int
real_getpeername(int sock, struct sockaddr *sa, socklen_t *len)
{
	return getpeername(sock, sa, len);
}

static int
real_close(int fd)
{
	return close(fd);
}

#define FDPASS__REAL_SYSCALLS {					\
	.sendmsg = real_sendmsg,				\
	.recvmsg = real_recvmsg,				\
	.fcntl = real_fcntl,					\
	.socketpair = real_socketpair,				\
	.getsockopt = real_getsockopt,				\
	.setsockopt = real_setsockopt,				\
	.getsockname = real_getsockname,			\
	.getpeername = real_getpeername,			\
	.kernel_release = fdpass__kernel_release,		\
	.close = real_close,					\
}

const struct fdpass__syscalls fdpass__real_syscalls = FDPASS__REAL_SYSCALLS;
struct fdpass__syscalls fdpass__sys = FDPASS__REAL_SYSCALLS;

#endif /* FDPASS_TEST_SEAMS */
