/* SPDX-License-Identifier: ISC */
#include "internal.h"


/*
 * SO_PEERCRED reports the peer at connect() or socketpair() time, not at
 * the time of the call (net/core/sock.c sk_getsockopt).  A pid of 0 means
 * the peer lives in a pid namespace we cannot see: unknown.
 */
int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct ucred uc;

	if (fdpass__getsockopt_exact(sock, SOL_SOCKET, SO_PEERCRED, &uc,
	    sizeof uc) == -1)
		return -1;
	cred->pid = uc.pid > 0 ? uc.pid : -1;
	cred->uid = uc.uid;
	cred->gid = uc.gid;
	return 0;
}
