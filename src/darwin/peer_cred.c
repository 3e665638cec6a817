/* SPDX-License-Identifier: ISC */
/*
 * macOS: LOCAL_PEERCRED gives a struct xucred without a pid; LOCAL_PEERPID
 * (OS X 10.8, xnu-2050) gives the pid.  Both at level SOL_LOCAL (0), both
 * recorded at connect() (bsd/kern/uipc_usrreq.c unp_connect, uipc_ctloutput).
 */
#include "internal.h"

#include <errno.h>
#include <sys/un.h>
#include <sys/ucred.h>

static pid_t
peer_pid(int sock)
{
#if HAVE_LOCAL_PEERPID
	pid_t pid = -1;
	socklen_t len = sizeof pid;

	if (FDPASS__SYSCALL(getsockopt)(sock, FDPASS__SOL_LOCAL, LOCAL_PEERPID,
	    &pid, &len) == 0 && len == sizeof pid && pid > 0)
		return pid;
#else
	(void)sock;
#endif
	return -1;
}

int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct xucred xu;

	if (fdpass__getsockopt_cred(sock, FDPASS__SOL_LOCAL, LOCAL_PEERCRED,
	    &xu, sizeof xu) == -1)
		return -1;
	if (xu.cr_version != XUCRED_VERSION || xu.cr_ngroups < 1) {
		errno = EINVAL;
		return -1;
	}
	cred->pid = peer_pid(sock);
	cred->uid = xu.cr_uid;
	cred->gid = xu.cr_groups[0];	/* the effective gid */
	return 0;
}
