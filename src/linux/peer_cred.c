/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>

/*
 * SO_PEERCRED reports the peer at connect() or socketpair() time, not at
 * the time of the call (net/core/sock.c sk_getsockopt).  A connect()ed
 * SOCK_DGRAM socket has none: unix_dgram_connect records no peer
 * credentials and cred_to_ucred answers uid and gid -1, which no process
 * runs as.  A pid of 0 means the peer lives in a pid namespace we cannot
 * see: unknown.
 */
int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct ucred uc;

	if (fdpass__getsockopt_cred(sock, SOL_SOCKET, SO_PEERCRED, &uc,
	    sizeof uc) == -1)
		return -1;
	if (uc.uid == (uid_t)-1) {
		errno = ENOTCONN;
		return -1;
	}
	cred->pid = uc.pid > 0 ? uc.pid : -1;
	cred->uid = uc.uid;
	cred->gid = uc.gid;
	return 0;
}
