/* SPDX-License-Identifier: ISC */
/*
 * The control-message layout of the simulated OS, force-included (-include)
 * into the library objects, the simulated kernel, the tests and the probe
 * of one simulated build, so that `struct cmsghdr` and the CMSG_* macros in
 * their sources are that OS's, not glibc's.  glibc's struct msghdr stays:
 * the syscall seams pass it; only the bytes inside msg_control change.
 *
 * Every BSD and xnu: a 12-byte header, socklen_t cmsg_len first.
 *   FreeBSD sys/sys/socket.h, NetBSD sys/sys/socket.h, OpenBSD
 *   sys/sys/socket.h, DragonFly sys/sys/socket.h: CMSG_* in _ALIGN (the
 *   machine's _ALIGNBYTES + 1): 8 on amd64 and aarch64, 4 on i386.
 *   xnu bsd/sys/socket.h: __DARWIN_ALIGN32 on every architecture (4), and
 *   CMSG_ALIGN only under KERNEL, so userland code does not get it.
 * The simulated architecture is the host's: LP64 hosts simulate amd64,
 * ILP32 hosts i386.
 */
#ifndef FDPASS_SIM_CMSG_H
#define FDPASS_SIM_CMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#if SIM_CMSG_XNU
#define SIM_CMSG_ALIGNBYTES ((size_t)3)
#else
#define SIM_CMSG_ALIGNBYTES (sizeof(void *) == 8 ? (size_t)7 : (size_t)3)
#endif
#define SIM_CMSG_ALIGN(n) \
	(((size_t)(n) + SIM_CMSG_ALIGNBYTES) & ~SIM_CMSG_ALIGNBYTES)

struct sim_cmsghdr {
	socklen_t cmsg_len;	/* data byte count, including the header */
	int cmsg_level;
	int cmsg_type;
};

/* From here on, `struct cmsghdr` in any source is the simulated one. */
#define cmsghdr sim_cmsghdr

#undef CMSG_ALIGN
#undef CMSG_DATA
#undef CMSG_FIRSTHDR
#undef CMSG_NXTHDR
#undef CMSG_LEN
#undef CMSG_SPACE

#define SIM_CMSG_HDRSPACE SIM_CMSG_ALIGN(sizeof(struct sim_cmsghdr))

#define CMSG_DATA(c) ((unsigned char *)(c) + SIM_CMSG_HDRSPACE)
#define CMSG_LEN(l) (SIM_CMSG_HDRSPACE + (l))
#define CMSG_SPACE(l) (SIM_CMSG_HDRSPACE + SIM_CMSG_ALIGN(l))
#define CMSG_FIRSTHDR(mh) \
	((mh)->msg_controllen >= sizeof(struct sim_cmsghdr) ? \
	(struct sim_cmsghdr *)(mh)->msg_control : (struct sim_cmsghdr *)0)
#define CMSG_NXTHDR(mh, c) sim_cmsg_nxthdr((mh), (c))
#if !SIM_CMSG_XNU
#define CMSG_ALIGN(n) SIM_CMSG_ALIGN(n)
#endif

/*
 * The BSD and xnu CMSG_NXTHDR: the next header when its aligned header
 * still lies inside msg_controllen, else NULL; NULL asks for the first.
 */
static inline struct sim_cmsghdr *
sim_cmsg_nxthdr(const struct msghdr *mh, const struct sim_cmsghdr *c)
{
	const char *end = (const char *)mh->msg_control + mh->msg_controllen;
	const char *next;

	if (c == NULL)
		return CMSG_FIRSTHDR(mh);
	next = (const char *)c + SIM_CMSG_ALIGN(c->cmsg_len);
	if (next + SIM_CMSG_HDRSPACE > end)
		return NULL;
	return (struct sim_cmsghdr *)(void *)(uintptr_t)next;
}

/*
 * NetBSD's MSG_NBIO, which its sosend honours where it ignores
 * MSG_DONTWAIT; glibc has none (Linux's 0x1000 is MSG_RST, never passed
 * on: kernel_send.c strips it).
 */
#ifndef MSG_NBIO
#define MSG_NBIO 0x1000
#endif

/* The socket-address layout goes with it. */
#include "sim_sockaddr.h"

#endif
