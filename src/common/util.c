/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#if HAVE_ELF_AUX_INFO_OSRELDATE
#include <sys/auxv.h>
#endif

int
fdpass__socket_type(int sock)
{
	int type = -1;
	socklen_t len = sizeof type;

	if (FDPASS__SYSCALL(getsockopt)(sock, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1)
		return -1;
	return type;
}

/*
 * A longer address is cut to fit; the family is all we read.  An address
 * of length 0 is an unnamed AF_UNIX socket (a socketpair end, an unbound
 * client): DragonFly's uipc_sockaddr leaves the address empty for one,
 * where the other kernels answer AF_UNIX with no path (sun_noname); no
 * other family has an empty address.
 */
int
fdpass__is_unix_socket(int sock)
{
	struct sockaddr sa;
	socklen_t len = sizeof sa;

	memset(&sa, 0, sizeof sa);
	if (FDPASS__SYSCALL(getsockname)(sock, &sa, &len) == -1)
		return -1;
	return len == 0 || sa.sa_family == AF_UNIX;
}

/* Asked on error paths: the caller's errno is kept. */
int
fdpass__view_type(const struct fdpass__sockview *v)
{
	int saved_errno = errno, type;

	if (v->type != 0 || !FDPASS__OS_FD_CALLS_ASK)
		return v->type;
	type = fdpass__socket_type(v->fd);
	errno = saved_errno;
	return type == -1 ? 0 : type;
}

/*
 * Whether the socket is AF_UNIX: a handle was checked at init; the fd
 * calls ask (FDPASS__OS_FD_CALLS_ASK), else answer 0, not known.  Asked
 * on error paths: the caller's errno is kept.
 */
int
fdpass__view_is_unix(const struct fdpass__sockview *v)
{
	int saved_errno = errno, is_unix;

	if (v->type != 0)
		return 1;
	if (!FDPASS__OS_FD_CALLS_ASK)
		return 0;
	is_unix = fdpass__is_unix_socket(v->fd);
	errno = saved_errno;
	return is_unix == 1;
}

/*
 * The kernel's own word first: the ELF aux vector's AT_OSRELDATE, which no
 * environment changes, where getosreldate() would take $OSVERSION before
 * the sysctl kern.osreldate (lib/libc/gen/getosreldate.c).
 */
int
fdpass__kernel_release_aux(void)
{
#if HAVE_ELF_AUX_INFO_OSRELDATE
	int release = 0;

	if (elf_aux_info(AT_OSRELDATE, &release, sizeof release) == 0 &&
	    release > 0)
		return release;
#endif
	return 0;
}

int
fdpass__kernel_release(void)
{
	int release = fdpass__kernel_release_aux();

#if HAVE_GETOSRELDATE
	if (release <= 0)
		release = getosreldate();
#endif
	return release;
}

int
fdpass__getsockopt_cred(int sock, int level, int name, void *val,
    socklen_t size)
{
	socklen_t len = size;

	if (FDPASS__SYSCALL(getsockopt)(sock, level, name, val, &len) == -1) {
		/*
		 * The socket is known to be a connected AF_UNIX socket, so the
		 * kernel's EINVAL means it keeps no credentials for the peer:
		 * FreeBSD, DragonFly and xnu uipc_ctloutput answer so for every
		 * socket but SOCK_STREAM, NetBSD for the end of a socketpair
		 * that did not connect.
		 */
		if (errno == EINVAL)
			errno = ENOTCONN;
		return -1;
	}
	/* A structure of another layout must not be read. */
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
		(void)FDPASS__SYSCALL(close)(fds[i]);
	errno = saved_errno;
}
