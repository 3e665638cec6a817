/* SPDX-License-Identifier: ISC */
/*
 * The behaviour probe (tests/probe) against one simulated kernel: the
 * probe's calls go to the model, as the library's do through its seams.
 */
#include "probe.h"

#include <errno.h>

#include "sim.h"
#include "sim_abi.h"

void
probe_init(void)
{
	sim_install();
}

int
probe_socketpair(int type, int sv[2])
{
	return sim_socketpair_direct(type, sv);
}

ssize_t
probe_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	return sim_sendmsg_direct(sock, mh, flags);
}

ssize_t
probe_recvmsg(int sock, struct msghdr *mh, int flags)
{
	return sim_recvmsg_direct(sock, mh, flags);
}

int
probe_peer_cred(int sock)
{
	struct xucred xu;
	struct sockpeercred pc;
	struct unpcbid id;
	socklen_t len;
	int r;

#if HAVE_SO_PEERCRED_SOCKPEERCRED
	len = sizeof pc;
	r = sim_getsockopt_direct(sock, SOL_SOCKET, SO_PEERCRED, &pc, &len);
#elif HAVE_LOCAL_PEEREID
	len = sizeof id;
	r = sim_getsockopt_direct(sock, SOL_LOCAL, LOCAL_PEEREID, &id, &len);
#else
	len = sizeof xu;
	r = sim_getsockopt_direct(sock, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len);
#endif
	(void)xu;
	(void)pc;
	(void)id;
	return r == 0 ? 0 : errno;
}
