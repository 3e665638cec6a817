/* SPDX-License-Identifier: ISC */
/*
 * The simulated kernels' conveyor belt: Linux sockets carry the data, and a
 * message with control carries exactly one Linux descriptor, a "parcel": a
 * SOCK_SEQPACKET socket on which the simulated kernel's internalized
 * control (an opaque blob) and every descriptor wait, in order.  So any
 * number of descriptors, several SCM_RIGHTS messages and companions travel
 * with their message, across fork, on any socket type.  host.c is compiled
 * with glibc's own control-message layout (it talks to Linux); nothing here
 * names a cmsghdr.
 */
#ifndef FDPASS_SIM_HOST_H
#define FDPASS_SIM_HOST_H

#include <stddef.h>
#include <sys/types.h>

struct msghdr;

/*
 * sendmsg of mh's data (and name) with flags; with bloblen > 0 the blob
 * and fds travel in a parcel.  -1 and Linux's errno.
 */
ssize_t sim_host_send(int sock, const struct msghdr *mh, int flags,
    const void *blob, size_t bloblen, const int *fds, size_t nfds);

struct sim_host_msg {
	void *buf;		/* data, len bytes at most */
	size_t len;
	void *blob;		/* the parcel's blob, bloblen bytes at most */
	size_t bloblen;
	int *fds;		/* installed here, FD_CLOEXEC set */
	size_t maxfds;
	size_t nfds;
	int host_flags;		/* Linux msg_flags: MSG_TRUNC */
	int no_slot;		/* control came, Linux could not install */
};

/* recvmsg with flags (MSG_DONTWAIT, MSG_WAITALL); -1 and Linux's errno. */
ssize_t sim_host_recv(int sock, int flags, struct sim_host_msg *hm);

/*
 * recvmsg with MSG_PEEK and flags (MSG_DONTWAIT): the data, and whether the
 * message carries a parcel; nothing is installed.  -1 and Linux's errno.
 */
ssize_t sim_host_peek(int sock, int flags, void *buf, size_t len,
    int *has_control);

/*
 * The blob of the parcel at the head of sock's queue, without taking
 * either; its length, 0 if the head carries none.
 */
size_t sim_host_peek_blob(int sock, void *blob, size_t bloblen);

#endif
