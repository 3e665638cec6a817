/* SPDX-License-Identifier: ISC */
/*
 * The socket-address layout of the simulated OS, included by sim_cmsg.h
 * (force-included into every piece of a simulated build), so that
 * `struct sockaddr` in the library, the model and the tests is that OS's:
 * every BSD and xnu put a length byte before a one-byte family (FreeBSD,
 * NetBSD, OpenBSD, DragonFly sys/sys/socket.h; xnu bsd/sys/socket.h), where
 * glibc has a two-byte family and no length.  The simulated getsockname
 * and getpeername (kernel_addr.c) answer in this layout.
 *
 * glibc declares the calls that take an address with a transparent union
 * of its own address types; a void pointer is one argument it accepts, so
 * the renamed type (or glibc's sockaddr_un, which the probe binds on the
 * real Linux) reaches the real calls through a cast.
 */
#ifndef FDPASS_SIM_SOCKADDR_H
#define FDPASS_SIM_SOCKADDR_H

#include <stdint.h>
#include <sys/socket.h>

struct sim_sockaddr {
	uint8_t sa_len;		/* total length */
	uint8_t sa_family;	/* address family */
	char sa_data[14];
};

#define sockaddr sim_sockaddr
#define getsockname(s, a, l) getsockname((s), (void *)(a), (l))
#define getpeername(s, a, l) getpeername((s), (void *)(a), (l))
#define accept(s, a, l) accept((s), (void *)(a), (l))
#define bind(s, a, l) bind((s), (const void *)(a), (l))
#define connect(s, a, l) connect((s), (const void *)(a), (l))

#endif
