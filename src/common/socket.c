/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int
set_cloexec(int fd)
{
	return FDPASS__SYSCALL(fcntl)(fd, F_SETFD, FD_CLOEXEC);
}

static int
set_nonblock(int fd)
{
	int fl = FDPASS__SYSCALL(fcntl)(fd, F_GETFL, 0);

	if (fl == -1)
		return -1;
	return FDPASS__SYSCALL(fcntl)(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Whatever socketpair could not set atomically is set now. */
static int
finish_socket(int fd, int atomic, int nonblock)
{
	if (!(atomic & FDPASS__SOCK_CLOEXEC) && set_cloexec(fd) == -1)
		return -1;
	if (nonblock && !(atomic & FDPASS__SOCK_NONBLOCK) &&
	    set_nonblock(fd) == -1)
		return -1;
	return 0;
}

int
fdpass__split_type(int type, int *nonblock)
{
	*nonblock = (type & FDPASS_SOCK_NONBLOCK) != 0;
	type &= ~FDPASS_SOCK_NONBLOCK;
#ifdef SOCK_NONBLOCK
	*nonblock |= (type & SOCK_NONBLOCK) != 0;
	type &= ~SOCK_NONBLOCK;
#endif
#ifdef SOCK_CLOEXEC
	type &= ~SOCK_CLOEXEC;	/* always set anyway */
#endif
	return type;
}

int
fdpass_socketpair(int type, int sv[2])
{
	int nonblock, atomic;

	if (sv == NULL) {
		errno = EINVAL;
		return -1;
	}
	type = fdpass__split_type(type, &nonblock);

	atomic = FDPASS__SOCK_CLOEXEC | (nonblock ? FDPASS__SOCK_NONBLOCK : 0);
	if (FDPASS__SYSCALL(socketpair)(AF_UNIX, type | atomic, 0, sv) == -1) {
		/* A kernel older than its headers refuses the flags. */
		if (atomic == 0 || errno != EINVAL)
			return -1;
		atomic = 0;
		if (FDPASS__SYSCALL(socketpair)(AF_UNIX, type, 0, sv) == -1)
			return -1;
	}
	if (finish_socket(sv[0], atomic, nonblock) == -1 ||
	    finish_socket(sv[1], atomic, nonblock) == -1) {
		fdpass__close_all(sv, 2);
		sv[0] = sv[1] = -1;
		return -1;
	}
	return 0;
}

/*
 * The checks every OS needs before asking for credentials: some answer for
 * a socket of another family or an unconnected one with garbage rather than
 * an error (Linux SO_PEERCRED gives pid 0, uid and gid -1).
 */
static int
check_connected_unix(int sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int is_unix = fdpass__is_unix_socket(sock);

	if (is_unix != 1) {
		if (is_unix == 0)
			errno = EINVAL;
		return -1;
	}
	return FDPASS__SYSCALL(getpeername)(sock, (struct sockaddr *)&ss, &len);
}

int
fdpass_peer_cred(int sock, struct fdpass_cred *cred)
{
	if (cred == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (check_connected_unix(sock) == -1)
		return -1;
	return fdpass__os_peer_cred(sock, cred);
}
