/* SPDX-License-Identifier: ISC */
/* Shared by the pieces of the simulated kernels (kernel*.c); see sim.h. */
#ifndef FDPASS_SIM_KERNEL_H
#define FDPASS_SIM_KERNEL_H

#include "sim.h"

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#define SIM_MAX_FDS 2048
#define SIM_MAX_ITEMS 160
#define SIM_ITEM_DATA 96
#define SIM_MCLBYTES 2048	/* every BSD and xnu: one mbuf cluster */

/*
 * One control message as the kernel keeps it after internalizing it: an
 * SCM_RIGHTS message keeps only its count (the descriptors travel apart, in
 * order), a companion its payload as the kernel filled it in.
 */
struct sim_item {
	int level;
	int type;
	size_t nfds;
	size_t len;
	unsigned char data[SIM_ITEM_DATA];
};

struct sim_control {
	size_t nitems;
	size_t nfds;
	struct sim_item item[SIM_MAX_ITEMS];
};

/* State of the simulated kernel; sim_install() clears it. */
struct sim_stranded {
	int sock;
	dev_t dev;			/* the socket itself, not its number */
	ino_t ino;
	size_t len;
	unsigned char data[65536];
	/* FreeBSD 15: the control messages linked back with the data. */
	struct sim_control ctl;
	int fds[SIM_MAX_FDS];
};

struct sim_state {
	int nosigpipe_socks[64];
	size_t n_nosigpipe;
	int creds_socks[64];		/* LOCAL_CREDS set */
	size_t n_creds;
	int emfile_armed;
	size_t control_cut;		/* 0: none */
	int lost[SIM_MAX_FDS];		/* installed and lost by the kernel */
	size_t n_lost;
	struct sim_stranded stranded[4];	/* data kept after a failure */
	int pledged;			/* OpenBSD: pledge(2) was called */
	unsigned int promises;		/* SIM_PLEDGE_* */
	int hook_countdown;		/* sim_before_recvmsg */
	void (*hook)(int sock, void *arg);
	void *hook_arg;
	/* NetBSD: each socket's SO_SNDBUF as set and SO_SNDLOWAT. */
	struct sim_sndbuf {
		int sock;
		unsigned long hiwat, lowat;
	} sndbuf[16];
	size_t n_sndbuf;
};

extern struct sim_state sim;

/* kernel.c */
int sim_refuse(int err);
void sim_close_all(const int *fds, size_t n);
int sim_socket_type(int sock);
int sim_in_set(const int *set, size_t n, int sock);
/* sendmsg and recvmsg: the iovec count's errno, 0 if it is taken. */
int sim_iovlen_error(const struct msghdr *mh);

/* kernel_send.c: sendmsg's control parsing; 0 or an errno. */
int sim_internalize(int type, const struct msghdr *mh, struct sim_control *ctl,
    int *fds);
ssize_t sim_sendmsg(int sock, const struct msghdr *mh, int flags);

/* kernel_recv.c */
ssize_t sim_recvmsg(int sock, struct msghdr *mh, int flags);

/* kernel_addr.c: getsockname and getpeername, in the OS's layout. */
int sim_getsockname(int sock, struct sockaddr *sa, socklen_t *len);
int sim_getpeername(int sock, struct sockaddr *sa, socklen_t *len);

/* kernel.c: the model's own calls behind the seams. */
int sim_fcntl(int fd, int cmd, int arg);
int sim_socketpair(int domain, int type, int protocol, int sv[2]);
int sim_kernel_release(void);

/* kernel_pledge.c: the seams, each checked against the promises. */
void sim_install_pledged_seams(void);

/* kernel_opt.c */
/* NetBSD: the send buffer as configured (SO_SNDBUF), for sosend. */
unsigned long sim_sndbuf_hiwat(int sock);
int sim_getsockopt(int sock, int level, int name, void *val, socklen_t *len);
int sim_setsockopt(int sock, int level, int name, const void *val,
    socklen_t len);
/* The SCM_CREDS companion a LOCAL_CREDS receiver gets; 0 if none. */
int sim_creds_companion(int sock, struct sim_item *item);

#endif
