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

/*
 * Companions of SCM_RIGHTS (values are each OS's sys/socket.h): FreeBSD
 * and DragonFly SCM_TIMESTAMP 0x02, SCM_CREDS 0x03, SCM_BINTIME 0x04,
 * SCM_REALTIME 0x05, SCM_MONOTONIC 0x06; NetBSD SCM_TIMESTAMP 0x08,
 * SCM_CREDS 0x10.  Prefixed: glibc has its own SCM_TIMESTAMP.
 */
#if FDPASS_OS_NETBSD
#define SIM_SCM_TIMESTAMP 0x08
#define SIM_SCM_CREDS 0x10
#else
#define SIM_SCM_TIMESTAMP 0x02
#define SIM_SCM_CREDS 0x03
#endif
#define SIM_SCM_BINTIME 0x04
#define SIM_SCM_REALTIME 0x05
#define SIM_SCM_MONOTONIC 0x06
#define SIM_CMGROUP_MAX 16

/* FreeBSD and DragonFly sys/socket.h: filled in by the sending kernel. */
struct sim_cmsgcred {
	pid_t cmcred_pid;
	uid_t cmcred_uid;
	uid_t cmcred_euid;
	gid_t cmcred_gid;
	short cmcred_ngroups;
	gid_t cmcred_groups[SIM_CMGROUP_MAX];
};

/*
 * struct sockcred of LOCAL_CREDS, SOCKCREDSIZE(ngroups) bytes: FreeBSD
 * sys/socket.h has no sc_pid, NetBSD sys/socket.h has it first.
 */
struct sim_sockcred {
#if FDPASS_OS_NETBSD
	pid_t sc_pid;
#endif
	uid_t sc_uid;
	uid_t sc_euid;
	gid_t sc_gid;
	gid_t sc_egid;
	int sc_ngroups;
	gid_t sc_groups[1];
};
#define SIM_SOCKCREDSIZE(ngrps) \
	(sizeof(struct sim_sockcred) + sizeof(gid_t) * ((ngrps) - 1))

#endif
