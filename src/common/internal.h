/* SPDX-License-Identifier: ISC */
/*
 * The internal contract between src/common and one backend directory.
 *
 * A backend is src/<os>/os.h, a description of its OS as constants (see the
 * list below), plus the src/<os> sources with the few calls that really differ.  The
 * build system puts exactly one backend directory on the include path, so
 * "os.h" here is that backend's.  Common code branches on capabilities
 * (config.h, caps.h), never on OS names.
 *
 * Each os.h defines:
 *   FDPASS__OS_NAME              backend name for fdpass_backend()->name
 *   FDPASS__OS_MAX_FDS           descriptors one sendmsg may carry
 *   FDPASS__OS_RECV_MAX_FDS      descriptors a peer can make us receive in
 *                                one message; the receive buffer holds them
 *   FDPASS__OS_CONTROL_HEADROOM  bytes for companions (credentials, pidfd)
 *   FDPASS__OS_PEER_CRED         name of the peer-credential method
 *   FDPASS__OS_NOSLOT_KEEPS_DATA(type)
 *                                1 if, after recvmsg failed for want of a
 *                                free descriptor slot, the message's data is
 *                                still queued on a socket of this type
 *   FDPASS__OS_FULL_ERRNO(type, nfds)
 *                                the errno a send of nfds descriptors on a
 *                                socket of this type fails with, instead of
 *                                waiting, when the peer's buffer is full;
 *                                0 where the kernel waits
 *   FDPASS__OS_SEQPACKET_NEEDS_EOR
 *                                1 if SOCK_SEQPACKET keeps message
 *                                boundaries only with MSG_EOR
 *   FDPASS__OS_CMSG_CARRIES_FD(level, type)
 *                                non-SCM_RIGHTS messages whose payload is a
 *                                descriptor installed in this process
 */
#ifndef FDPASS_INTERNAL_H
#define FDPASS_INTERNAL_H

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include "fdpass.h"
#include "os.h"
#include "caps.h"

/*
 * Every system call that tests need to answer differently is made through
 * FDPASS__SYSCALL(name).  In the library that is the plain call; the test
 * build (FDPASS_TEST_SEAMS) routes it through a table of function pointers
 * that a test may rewrite, so the simulated kernels run the very same code.
 */
struct fdpass__syscalls {
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*fcntl)(int, int, int);
	int (*socketpair)(int, int, int, int[2]);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
};

#ifdef FDPASS_TEST_SEAMS
extern struct fdpass__syscalls fdpass__sys;
extern const struct fdpass__syscalls fdpass__real_syscalls;
#define FDPASS__SYSCALL(name) (fdpass__sys.name)
#else
#define FDPASS__SYSCALL(name) name
#endif

/*
 * An upper bound of CMSG_SPACE(n * sizeof(int)) on every OS: headers are at
 * most 16 bytes and no OS aligns to more than 16 (OpenBSD sparc64).  Static
 * buffers are sized with it, because CMSG_SPACE was a function call on
 * NetBSD before 6 and on QNX; the real CMSG_SPACE is checked against it at
 * run time (the check folds away where CMSG_SPACE is constant).
 */
#define FDPASS__ALIGN16(n) (((n) + 15) & ~(size_t)15)
#define FDPASS__CMSG_BOUND(nfds) (16 + FDPASS__ALIGN16((nfds) * sizeof(int)))

/* Bytes of control buffer offered to every recvmsg. */
#define FDPASS__RECV_CONTROL_SIZE \
	(FDPASS__CMSG_BOUND(FDPASS__OS_RECV_MAX_FDS) + FDPASS__OS_CONTROL_HEADROOM)

/*
 * The checks sending and receiving share: EINVAL for a NULL msg, unknown
 * flags, a NULL array with a count or an iovec entry with a length but no
 * buffer; EMSGSIZE for more iovecs than the int msg_iovlen of the BSDs and
 * musl holds.  *has_data tells whether any iovec entry has a length.
 */
int fdpass__check_msg(const struct fdpass_msg *msg, int flags, int *has_data);

/* 1 if sock is an AF_UNIX socket, 0 if another socket, -1 and errno. */
int fdpass__is_unix_socket(int sock);

/* SO_TYPE of sock, or -1. */
int fdpass__socket_type(int sock);

/*
 * getsockopt for a peer-credential option on a connected AF_UNIX socket:
 * ENOTCONN when the kernel keeps no credentials for the peer, EINVAL unless
 * the kernel filled exactly size bytes.
 */
int fdpass__getsockopt_cred(int sock, int level, int name, void *val,
    socklen_t size);

/* The socket-option level of the LOCAL_* options; 0 where it has no name. */
#ifdef SOL_LOCAL
#define FDPASS__SOL_LOCAL SOL_LOCAL
#else
#define FDPASS__SOL_LOCAL 0
#endif

/* Closes n descriptors, keeping errno. */
void fdpass__close_all(const int *fds, size_t n);

/* Backend: fills cred for a connected AF_UNIX socket. */
int fdpass__os_peer_cred(int sock, struct fdpass_cred *cred);

/*
 * fdpass_recvmsg, also telling why it set FDPASS_CTRUNC: EMFILE when the
 * kernel could not install the descriptors (no free slot), EMSGSIZE when
 * they did not fit; 0 when it did not.
 */
ssize_t fdpass__recvmsg(int sock, struct fdpass_msg *msg, int flags,
    int *why_ctrunc);

/* Sends with SIGPIPE suppressed by whatever means caps.h chose. */
ssize_t fdpass__sendmsg_nosigpipe(int sock, const struct msghdr *mh,
    int flags);

#endif /* FDPASS_INTERNAL_H */
