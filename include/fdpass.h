/* SPDX-License-Identifier: ISC */
/*
 * libfdpass: pass open file descriptors between processes over Unix-domain
 * sockets (SCM_RIGHTS) with the same guarantees on every supported OS.
 *
 * Every function returns -1 (or NULL) and sets errno on failure; none of
 * them prints, aborts or raises a signal.  The caller owns every descriptor
 * it receives.  See fdpass(3) and docs/ for the full contract.
 */
#ifndef FDPASS_H
#define FDPASS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FDPASS_EXPORT __attribute__((visibility("default")))
#else
#define FDPASS_EXPORT
#endif

#define FDPASS_VERSION_MAJOR 0
#define FDPASS_VERSION_MINOR 2
#define FDPASS_VERSION_PATCH 0

/* Flags for fdpass_sendmsg() and fdpass_recvmsg(). */
#define FDPASS_NONBLOCK  0x1	/* fail with EAGAIN instead of blocking */
#define FDPASS_NOCLOEXEC 0x2	/* recv: leave FD_CLOEXEC clear */

/*
 * Descriptors per message that every supported OS accepts (DragonFly's
 * limit is about 80); fdpass_max_fds() gives the running OS's own limit.
 */
#define FDPASS_PORTABLE_MAX_FDS 64

/* Set in fdpass_msg.flags by fdpass_recvmsg(). */
#define FDPASS_TRUNC  0x1	/* datagram data did not fit; the rest was dropped */
#define FDPASS_CTRUNC 0x2	/* descriptors did not fit or could not be
				   installed; every one that arrived was closed */

/*
 * May be or-ed into the type given to fdpass_socketpair() on every OS, also
 * where <sys/socket.h> has no SOCK_NONBLOCK (macOS).  Where the OS has
 * SOCK_NONBLOCK, that works too.
 */
#define FDPASS_SOCK_NONBLOCK 0x01000000

struct fdpass_msg {
	const struct iovec *iov;	/* data to send / buffers to fill */
	size_t iovcnt;
	int *fds;			/* send: to attach; recv: array to fill */
	size_t nfds;			/* send: how many; recv: capacity in, count out */
	int flags;			/* recv: FDPASS_TRUNC | FDPASS_CTRUNC on return */
};

struct fdpass_cred {
	pid_t pid;			/* -1 where the OS cannot tell */
	uid_t uid;
	gid_t gid;
};

/*
 * A static description of the backend the library was built for.  Fields
 * are only ever added at the end, and each release that adds one gives
 * fdpass_backend() a new symbol version (docs/abi-policy.md).
 */
struct fdpass_backend {
	const char *name;		/* "linux", "freebsd", "openbsd", "netbsd",
					   "dragonfly", "darwin" */
	size_t max_fds;			/* == fdpass_max_fds() */
	int atomic_cloexec;		/* 1: the kernel sets FD_CLOEXEC on receipt */
	const char *sigpipe;		/* "MSG_NOSIGNAL", "SO_NOSIGPIPE" or "sigmask" */
	const char *peer_cred;		/* "SO_PEERCRED", "LOCAL_PEERCRED", ... */
	/* Diagnostics beyond the contract's five fields. */
	int atomic_socket_cloexec;	/* 1: SOCK_CLOEXEC in fdpass_socketpair() */
	size_t recv_max_fds;		/* descriptors the receive buffer holds */
	size_t cmsg_align;		/* control message alignment, in bytes */
	size_t cmsg_space_one;		/* CMSG_SPACE(sizeof(int)) */
	size_t cmsg_space_max;		/* CMSG_SPACE(max_fds * sizeof(int)) */
	size_t recv_control_size;	/* bytes of control buffer offered to recvmsg */
};

FDPASS_EXPORT const char *fdpass_version(void);

/* The ScmSocket mirror. */
FDPASS_EXPORT ssize_t fdpass_send_with_fd(int sock, const struct iovec *iov,
    size_t iovcnt, int fd);
FDPASS_EXPORT ssize_t fdpass_send_with_fds(int sock, const struct iovec *iov,
    size_t iovcnt, const int *fds, size_t nfds);
FDPASS_EXPORT ssize_t fdpass_recv_with_fd(int sock, void *buf, size_t len,
    int *fd);
FDPASS_EXPORT ssize_t fdpass_recv_with_fds(int sock, void *buf, size_t len,
    int *fds, size_t *nfds);

/* The general form the four above are built on. */
FDPASS_EXPORT ssize_t fdpass_sendmsg(int sock, const struct fdpass_msg *msg,
    int flags);
FDPASS_EXPORT ssize_t fdpass_recvmsg(int sock, struct fdpass_msg *msg,
    int flags);

/*
 * A socket checked once.  C has no typed Unix socket, so the fd calls above
 * must ask the kernel what a socket is; fdpass_sock_init() asks once, and
 * the send and receive calls on the handle then make no system call but
 * sendmsg or recvmsg (plus, where the backend needs them, fcntl(F_SETFD)
 * on received descriptors, close, and the signal-mask calls).  The struct
 * is the caller's, needs no freeing and is read-only after init, so any
 * number of threads may use one handle at once.  See fdpass_sock_init(3).
 */
struct fdpass_sock {
	int fd;				/* the socket: the caller polls and closes it */
	int type;			/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	/* what init learned; reserved, so that later releases keep the size */
	unsigned int fdpass_private[6];
};

FDPASS_EXPORT int fdpass_sock_init(struct fdpass_sock *s, int fd);
FDPASS_EXPORT int fdpass_sock_pair(int type, struct fdpass_sock s[2]);
FDPASS_EXPORT ssize_t fdpass_sock_sendmsg(const struct fdpass_sock *s,
    const struct fdpass_msg *msg, int flags);
FDPASS_EXPORT ssize_t fdpass_sock_recvmsg(const struct fdpass_sock *s,
    struct fdpass_msg *msg, int flags);

FDPASS_EXPORT size_t fdpass_max_fds(void);
FDPASS_EXPORT int fdpass_socketpair(int type, int sv[2]);
FDPASS_EXPORT int fdpass_peer_cred(int sock, struct fdpass_cred *cred);
FDPASS_EXPORT const struct fdpass_backend *fdpass_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* FDPASS_H */
