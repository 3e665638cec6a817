/* SPDX-License-Identifier: ISC */
/* The probe against the running kernel (probe.h). */
#include "probe.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/socket.h>
#else
#include <sys/param.h>
#include <sys/un.h>
#include <sys/ucred.h>
#endif

void
probe_init(void)
{
}

int
probe_socketpair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type, 0, sv);
}

ssize_t
probe_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	return sendmsg(sock, mh, flags);
}

ssize_t
probe_recvmsg(int sock, struct msghdr *mh, int flags)
{
	return recvmsg(sock, mh, flags);
}

int
probe_peer_cred(int sock)
{
#if defined(LOCAL_PEERCRED)
	struct xucred xu;
	socklen_t len = sizeof xu;

	memset(&xu, 0, sizeof xu);
	return getsockopt(sock, 0, LOCAL_PEERCRED, &xu, &len) == 0 ? 0 : errno;
#elif defined(LOCAL_PEEREID)
	struct unpcbid id;
	socklen_t len = sizeof id;

	return getsockopt(sock, 0, LOCAL_PEEREID, &id, &len) == 0 ? 0 : errno;
#elif defined(SO_PEERCRED) && defined(__OpenBSD__)
	struct sockpeercred pc;
	socklen_t len = sizeof pc;

	return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &pc, &len) == 0 ? 0 :
	    errno;
#elif defined(SO_PEERCRED)
	struct ucred uc;
	socklen_t len = sizeof uc;

	return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 ? 0 :
	    errno;
#else
	(void)sock;
	return ENOSYS;
#endif
}
