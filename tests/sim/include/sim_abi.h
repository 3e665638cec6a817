/* SPDX-License-Identifier: ISC */
/*
 * The pieces of the BSD and macOS socket ABI that glibc lacks, so the bsd
 * and darwin backends compile on Linux for the simulated kernels.  Layouts
 * follow each OS's headers (cited in docs/portability.md); the simulated
 * getsockopt (kernel.c) fills them from Linux's SO_PEERCRED.
 */
#ifndef FDPASS_SIM_ABI_H
#define FDPASS_SIM_ABI_H

#include <sys/types.h>

/* Values are the OS's own; none collides with a Linux SOL_SOCKET option. */
#define SO_NOSIGPIPE 0x1022		/* xnu, FreeBSD 0x0800; a name here */
#define SOL_LOCAL 0
#define LOCAL_PEERCRED 0x001		/* FreeBSD, DragonFly, xnu */
#define LOCAL_PEERPID 0x002		/* xnu */
#define LOCAL_PEEREID 0x0003		/* NetBSD */
#define XUCRED_VERSION 0
#define SIM_XU_NGROUPS 16

/* FreeBSD (cr_pid since 13.0), DragonFly and xnu: sys/ucred.h. */
struct xucred {
	unsigned int cr_version;
	uid_t cr_uid;
	short cr_ngroups;
	gid_t cr_groups[SIM_XU_NGROUPS];
#if HAVE_STRUCT_XUCRED_CR_PID
	pid_t cr_pid;
#endif
};

/* OpenBSD sys/socket.h: note the order, unlike Linux's struct ucred. */
struct sockpeercred {
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

/* NetBSD sys/un.h. */
struct unpcbid {
	pid_t unp_pid;
	uid_t unp_euid;
	gid_t unp_egid;
};

#endif
