/* SPDX-License-Identifier: ISC */
/*
 * Simulated BSD and xnu kernels on top of Linux's, reached through the
 * library's syscall seams (and directly by the tests and the probe).  Each
 * variant is a model of that kernel: every behaviour in kernel*.c names the
 * kernel function it copies, and the library objects, the model, the tests
 * and the probe of one variant are compiled with that OS's control-message
 * layout (include/sim_cmsg.h).  The model never reads the library's os.h:
 * what the library believes is what the tests check against it.
 */
#ifndef FDPASS_SIM_H
#define FDPASS_SIM_H

#include <stddef.h>
#include <sys/types.h>

/* sendmsg: which control messages the kernel takes. */
enum sim_send_rule {
	SIM_SEND_SEVERAL,	/* FreeBSD: every cmsg, each its own */
	SIM_SEND_ONE_EXACT,	/* xnu: one, cmsg_len == controllen */
	SIM_SEND_ONE_ALIGNED,	/* OpenBSD: one, controllen == len or aligned */
	SIM_SEND_FIRST		/* NetBSD, DragonFly: the first cmsg only */
};

/* recvmsg: what a control buffer too short for a message does. */
enum sim_truncation {
	SIM_TRUNC_CLOSE_WHOLE,	/* FreeBSD, NetBSD: closed, MSG_CTRUNC */
	SIM_TRUNC_LEAK,		/* xnu, DragonFly: installed, numbers lost */
	SIM_TRUNC_EMSGSIZE	/* OpenBSD: recvmsg fails, all closed */
};

/* recvmsg with msg_control NULL or msg_controllen 0. */
enum sim_no_control {
	SIM_NOCTL_DISCARD,	/* closed, no MSG_CTRUNC */
	SIM_NOCTL_CTRUNC,	/* closed, MSG_CTRUNC */
	SIM_NOCTL_LEAK,		/* installed and lost */
	SIM_NOCTL_EMSGSIZE	/* recvmsg fails EMSGSIZE, all closed */
};

/* getsockname of an AF_UNIX socket bound to no name. */
enum sim_noname {
	SIM_NONAME_SOCKADDR,	/* sun_noname: a struct sockaddr, AF_LOCAL */
	SIM_NONAME_SOCKADDR_UN,	/* NetBSD: a whole struct sockaddr_un */
	SIM_NONAME_EMPTY	/* DragonFly: success, length 0 */
};

/* recvmsg with MSG_PEEK: what becomes of SCM_RIGHTS at the head. */
enum sim_peek_rights {
	SIM_PEEK_COPIES,	/* FreeBSD, DragonFly, xnu: a copy, cut as
				   sim_os.truncation cuts, nothing installed */
	SIM_PEEK_SKIPS,		/* OpenBSD: left out, no MSG_CTRUNC */
	SIM_PEEK_FREES_SHORT	/* NetBSD: a copy; cut short, free_rights on it */
};

#define SIM_KEEPS_STREAM 0x1
#define SIM_KEEPS_DGRAM 0x2
#define SIM_KEEPS_SEQPACKET 0x4

/* What one kernel does; the values and their sources are in kernel.c. */
struct sim_os {
	const char *name;
	int has_seqpacket;
	/* sendmsg */
	enum sim_send_rule send_rule;
	size_t control_max;		/* larger control: EINVAL */
	int control_doubles;		/* xnu: ints counted as pointers */
	int creds_on_send;		/* SCM_CREDS filled in by the kernel */
	int timestamps_on_send;		/* SCM_TIMESTAMP & co. requests */
	int dgram_full_enobufs;		/* full datagram receiver: ENOBUFS */
	int send_nbio_only;		/* sosend ignores MSG_DONTWAIT */
	int listen_peercred_errno;	/* 0: ENOTCONN */
	size_t dgram_control_max;	/* larger datagram control: EMSGSIZE */
	/* NetBSD: control to a full stream is EMSGSIZE, even blocking. */
	int stream_full_control_emsgsize;
	int eor_on_stream_einval;	/* xnu, FreeBSD 14: MSG_EOR on a stream */
	int eor_on_inet_stream_einval;	/* FreeBSD: on a TCP socket */
	int seqpacket_needs_eor;	/* FreeBSD 15: records end at MSG_EOR */
	/* recvmsg */
	enum sim_truncation truncation;
	enum sim_no_control null_control;	/* msg_control NULL */
	enum sim_no_control zero_controllen;	/* non-NULL, length 0 */
	int no_slot_errno;		/* no free descriptor slot */
	int keeps_after_no_slot;	/* SIM_KEEPS_* */
	/* FreeBSD 15: later control messages kept with the data */
	int keeps_rest_of_control;
	/* FreeBSD 15: a long seqpacket record cut, tail queued, MSG_EOR */
	int seqpacket_cut;
	enum sim_peek_rights peek_rights;
	int cmsg_cloexec;		/* honours MSG_CMSG_CLOEXEC */
	int echoes_flags;		/* msg_flags starts as the caller's */
	int local_creds;		/* LOCAL_CREDS option name, 0: none */
	/* sockets */
	int msg_nosignal;
	int so_nosigpipe;
	int peercred_stream_only;	/* LOCAL_PEERCRED: EINVAL elsewhere */
	int peer_pid;
	/* addresses */
	enum sim_noname noname;		/* getsockname, unnamed AF_UNIX */
	int alen_untruncated;		/* xnu: *alen is the full length */
	/* the running kernel */
	int osreldate;			/* FreeBSD getosreldate(); else 0 */
	int has_pledge;			/* OpenBSD pledge(2) */
};

extern const struct sim_os sim_os;

/* The most descriptors one SCM_RIGHTS message may carry; errno beyond. */
size_t sim_kernel_max_fds(int type);
int sim_kernel_too_many_errno(int type);

/* Whether the kernel keeps a message of type after no free slot. */
int sim_kernel_keeps(int type);

struct sim_stats {
	int sendmsg_calls;
	int recvmsg_calls;
	int setfd_calls;		/* fcntl(F_SETFD) */
	int ignored_flags;		/* flags this kernel does not know */
	size_t last_recv_controllen;	/* offered by the caller */
	/*
	 * Calls that ask about or set up a socket (getsockname,
	 * getpeername, getsockopt, setsockopt, fcntl other than F_SETFD):
	 * the send and receive calls on a struct fdpass_sock make none.
	 */
	int query_calls;
	/*
	 * NetBSD: a peek whose buffer was shorter than the kernel's copy of
	 * SCM_RIGHTS ran free_rights on kernel pointers (a kernel bug that
	 * closes random descriptors of the receiver).
	 */
	int peek_free_rights;
	/* The flags of each sendmsg, in order (the first SIM_MAX_SENDS). */
#define SIM_MAX_SENDS 64
	int send_flags[SIM_MAX_SENDS];
};

extern struct sim_stats sim_stats;

/* Points the seams at the simulated kernel, forgetting all earlier state. */
void sim_install(void);

/* The next recvmsg that carries descriptors finds no free slot. */
void sim_arm_emfile(void);

/*
 * Another thread on the same socket: fn(sock, arg) runs at the start of
 * the nth recvmsg from now (1: the next), before the kernel looks at the
 * queue, and is forgotten.  The interleaving is exact, not left to chance.
 */
void sim_before_recvmsg(int nth, void (*fn)(int sock, void *arg), void *arg);

/* The next recvmsg copies out at most this many bytes of control data. */
void sim_cut_control(size_t bytes);

/* The simulated kernel's calls, without the library (a foreign peer). */
struct msghdr;
ssize_t sim_sendmsg_direct(int sock, const struct msghdr *mh, int flags);
ssize_t sim_recvmsg_direct(int sock, struct msghdr *mh, int flags);
int sim_socketpair_direct(int type, int sv[2]);
int sim_getsockopt_direct(int sock, int level, int name, void *val,
    socklen_t *len);
int sim_setsockopt_direct(int sock, int level, int name, const void *val,
    socklen_t len);

/*
 * OpenBSD: the process pledges promises (pledge(2) syntax, e.g. "stdio
 * sendfd recvfd"); from then on the library's calls through the seams are
 * checked as kern_pledge.c checks them, and a refused call kills the
 * process with SIGABRT.  The *_direct calls above stay unchecked: they are
 * the test's own or a peer's.  -1 EINVAL for an unknown promise, ENOSYS
 * where the simulated OS has no pledge.
 */
int sim_pledge(const char *promises);

/* Closes what the kernel installed and lost (a leak); returns how many. */
size_t sim_close_lost(void);

#endif
