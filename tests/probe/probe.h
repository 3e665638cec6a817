/* SPDX-License-Identifier: ISC */
/*
 * The behaviour probe's only way to the kernel: probe_native.c calls the
 * system, tests/sim/probe_sim.c the simulated kernel of one variant.
 */
#ifndef FDPASS_PROBE_H
#define FDPASS_PROBE_H

#include <sys/types.h>
#include <sys/socket.h>

void probe_init(void);
int probe_socketpair(int type, int sv[2]);
ssize_t probe_sendmsg(int sock, const struct msghdr *mh, int flags);
ssize_t probe_recvmsg(int sock, struct msghdr *mh, int flags);
/* The OS's peer-credential option on sock: 0, or the errno it fails with. */
int probe_peer_cred(int sock);

#endif
