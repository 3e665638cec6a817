/* SPDX-License-Identifier: ISC */
/*
 * A simulated BSD or xnu kernel on top of Linux's, reached through the
 * library's syscall seams.  Each variant answers as that kernel's source
 * says it does (docs/portability.md): its descriptor limit and errno, the
 * control-message rules of sendmsg, what recvmsg does when the buffer is
 * short (close, leak, or fail) or no descriptor slot is free, which flags
 * it honours, and the layout of its peer-credential structures.
 */
#ifndef FDPASS_SIM_H
#define FDPASS_SIM_H

#include <stddef.h>

enum sim_truncation {
	SIM_TRUNC_CLOSE_WHOLE,	/* FreeBSD, NetBSD: the message is closed */
	SIM_TRUNC_LEAK,		/* xnu, DragonFly: installed, numbers lost */
	SIM_TRUNC_EMSGSIZE	/* OpenBSD: recvmsg fails, all closed */
};

struct sim_kernel {
	/* What the library must say about itself on this OS. */
	const char *name;
	size_t lib_max_fds;
	int atomic_cloexec;
	const char *sigpipe;
	const char *peer_cred;
	size_t cmsg_align;
	size_t cmsg_space_one;
	/* What the kernel does. */
	size_t kernel_max_fds;
	int too_many_errno;
	int single_rights_message;	/* one SCM_RIGHTS, no padding: else EINVAL */
	enum sim_truncation truncation;
	int cmsg_cloexec;		/* honours MSG_CMSG_CLOEXEC */
	int msg_nosignal;		/* honours MSG_NOSIGNAL */
	int so_nosigpipe;		/* has SO_NOSIGPIPE */
	int emfile_keeps_stream_data;
	int peer_pid;			/* credentials carry the pid */
};

extern const struct sim_kernel sim_kernel;

struct sim_stats {
	int sendmsg_calls;
	int recvmsg_calls;
	int setfd_calls;		/* fcntl(F_SETFD) */
	int ignored_flags;		/* flags this kernel does not know */
	size_t last_recv_controllen;	/* offered by the library */
};

extern struct sim_stats sim_stats;

/* Points the seams at the simulated kernel, forgetting all earlier state. */
void sim_install(void);

/* The next recvmsg finds no free descriptor slot. */
void sim_arm_emfile(void);

/* The next recvmsg copies out at most this many bytes of control data. */
void sim_cut_control(size_t bytes);

/* Asks the simulated kernel's sendmsg directly, without the library. */
struct msghdr;
long sim_sendmsg_direct(int sock, const struct msghdr *mh);

/* Closes what the kernel installed and lost (a leak); returns how many. */
size_t sim_close_lost(void);

#endif
