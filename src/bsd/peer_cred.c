/* SPDX-License-Identifier: ISC */
/*
 * Peer credentials on the BSDs, by what the headers offer:
 *   OpenBSD    SO_PEERCRED, struct sockpeercred {uid, gid, pid}
 *   NetBSD     LOCAL_PEEREID, struct unpcbid {pid, euid, egid}
 *   FreeBSD    LOCAL_PEERCRED, struct xucred (cr_pid since 13.0)
 *   DragonFly  LOCAL_PEERCRED, struct xucred
 *   otherwise  getpeereid(), no pid
 */
#include "internal.h"

#include <errno.h>
#include <unistd.h>
#include <sys/un.h>
#if HAVE_LOCAL_PEERCRED && !HAVE_SO_PEERCRED_SOCKPEERCRED && !HAVE_LOCAL_PEEREID
#include <sys/ucred.h>
#endif

#if HAVE_SO_PEERCRED_SOCKPEERCRED

int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct sockpeercred pc;

	if (fdpass__getsockopt_cred(sock, SOL_SOCKET, SO_PEERCRED, &pc,
	    sizeof pc) == -1)
		return -1;
	cred->pid = pc.pid > 0 ? pc.pid : -1;
	cred->uid = pc.uid;
	cred->gid = pc.gid;
	return 0;
}

#elif HAVE_LOCAL_PEEREID

/*
 * NetBSD records the ids at connect() and on the accepting side; on a
 * socketpair only one end has them and the other gets EINVAL
 * (uipc_usrreq.c unp_connect, PRU_PEEREID), and an unknown peer reads as
 * uid -1 (as pkgsrc's capnproto patch for LOCAL_PEEREID checks): no
 * credentials, ENOTCONN as on every OS.
 */
int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct unpcbid id;

	if (fdpass__getsockopt_cred(sock, FDPASS__SOL_LOCAL, LOCAL_PEEREID, &id,
	    sizeof id) == -1)
		return -1;
	if (id.unp_euid == (uid_t)-1) {
		errno = ENOTCONN;
		return -1;
	}
	cred->pid = id.unp_pid > 0 ? id.unp_pid : -1;
	cred->uid = id.unp_euid;
	cred->gid = id.unp_egid;
	return 0;
}

#elif HAVE_LOCAL_PEERCRED

int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	struct xucred xu;

	if (fdpass__getsockopt_cred(sock, FDPASS__SOL_LOCAL, LOCAL_PEERCRED, &xu,
	    sizeof xu) == -1)
		return -1;
	if (xu.cr_version != XUCRED_VERSION || xu.cr_ngroups < 1) {
		errno = EINVAL;
		return -1;
	}
#if HAVE_STRUCT_XUCRED_CR_PID
	cred->pid = xu.cr_pid > 0 ? xu.cr_pid : -1;
#else
	cred->pid = -1;
#endif
	cred->uid = xu.cr_uid;
	cred->gid = xu.cr_groups[0];	/* the effective gid */
	return 0;
}

#else

int
fdpass__os_peer_cred(int sock, struct fdpass_cred *cred)
{
	if (getpeereid(sock, &cred->uid, &cred->gid) == -1)
		return -1;
	cred->pid = -1;
	return 0;
}

#endif
