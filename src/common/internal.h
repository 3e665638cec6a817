/* SPDX-License-Identifier: ISC */
/*
 * The internal contract between src/common and one backend directory.
 *
 * A backend is src/<os>/os.h, a description of its OS as constants (see the
 * list below), plus the src/<os> sources with the few calls that really differ.  The
 * build system places exactly one backend directory on the include path, so
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
 *   FDPASS__OS_FD_CALLS_ASK      1 if the fd calls may ask the kernel what a
 *                                socket is (getsockname, getsockopt): only
 *                                where no sandbox of the OS refuses those
 *                                calls to a process that may pass
 *                                descriptors; 0: the fd calls decide with
 *                                the type unknown (0)
 *   FDPASS__OS_LEARN(release)    FDPASS__LEARNED_* bits for the running
 *                                kernel, given fdpass__kernel_release()
 *   FDPASS__OS_FD_CALLS_LEARN()  the same bits for an fd call, learned on
 *                                every call without a system call
 *   FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned)
 *                                1 if, after recvmsg failed for want of a
 *                                free descriptor slot, the message's data is
 *                                still queued on a socket of this type (0:
 *                                unknown) on this kernel
 *   FDPASS__OS_FULL_ERRNO(type, nfds)
 *                                the errno a send of nfds descriptors on a
 *                                socket of this type (0: unknown) fails
 *                                with, instead of waiting, when the peer's
 *                                buffer is full; 0 where the kernel waits
 *   FDPASS__OS_FULL_LIMIT_OPT    a SOL_SOCKET option whose value bounds the
 *                                control length that FDPASS__OS_FULL_ERRNO
 *                                can mean a full buffer for: a longer one
 *                                is refused for good; 0 where there is none
 *   FDPASS__OS_RECORD_FLAGS(type, learned)
 *                                send flags that keep the message boundaries
 *                                of a socket of this type (0: unknown) on
 *                                this kernel; a send of unknown type that
 *                                the kernel refuses (EINVAL) is made again
 *                                without them
 *   FDPASS__OS_CMSG_CARRIES_FD(level, type)
 *                                non-SCM_RIGHTS messages whose payload is a
 *                                descriptor installed in this process
 *   FDPASS__OS_PEEK_SHOWS_RIGHTS 1 if a MSG_PEEK with a small control
 *                                buffer shows, safely, that SCM_RIGHTS heads
 *                                the queue
 *   FDPASS__OS_NOSLOT_KEEPS_REST(type, learned)
 *                                1 if, after no free slot, the kernel links
 *                                back the failed message's later control
 *                                messages with its data
 *   FDPASS__OS_RECORD_CUT(type, learned)
 *                                1 if a record longer than the buffer is
 *                                cut without MSG_TRUNC, its tail left queued
 *                                and its end marked by MSG_EOR
 *   FDPASS__OS_IOV_MAX           iovec entries one sendmsg or recvmsg takes;
 *                                the kernel fails a longer array (EMSGSIZE)
 *   FDPASS__OS_NOSLOT_ERRNO(e)   1 if recvmsg failing with errno e on an
 *                                AF_UNIX socket means the descriptors found
 *                                no free slot (the kernel closed them); 0
 *                                for every e where recvmsg never fails so
 */
#ifndef FDPASS_INTERNAL_H
#define FDPASS_INTERNAL_H

#include "config.h"

#include <errno.h>
#include <limits.h>
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
	int (*kernel_release)(void);
	int (*close)(int);
};

#ifdef FDPASS_TEST_SEAMS
extern struct fdpass__syscalls fdpass__sys;
extern const struct fdpass__syscalls fdpass__real_syscalls;
#define FDPASS__SYSCALL(name) (fdpass__sys.name)
#define FDPASS__KERNEL_RELEASE() (fdpass__sys.kernel_release())
#define FDPASS__KERNEL_RELEASE_AUX() (fdpass__sys.kernel_release())
#else
#define FDPASS__SYSCALL(name) name
#define FDPASS__KERNEL_RELEASE() fdpass__kernel_release()
#define FDPASS__KERNEL_RELEASE_AUX() fdpass__kernel_release_aux()
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
 * An entry with no buffer but a length is refused here, before the kernel
 * sees it: a receive would fail with EFAULT only after dequeuing the
 * message and dropping its descriptors.
 */
static inline int
fdpass__check_iov(const struct iovec *iov, size_t iovcnt, int *has_data)
{
	size_t i;

	*has_data = 0;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (iov[i].iov_base == NULL) {
			errno = EINVAL;
			return -1;
		}
		*has_data = 1;
	}
	return 0;
}

/*
 * The checks sending and receiving share: EINVAL for a NULL msg, unknown
 * flags, a NULL array with a count or an iovec entry with a length but no
 * buffer; EMSGSIZE for more iovecs than the kernel takes, as the kernel
 * would say it (FDPASS__OS_IOV_MAX), checked before the entries are read
 * as the kernel checks the count first.  Before a receive it matters: an
 * EMSGSIZE of the kernel's own would read as no free slot on the BSDs
 * and xnu.  *has_data tells whether any iovec entry has a length.
 * Inline: it is on every send and receive.
 */
static inline int
fdpass__check_msg(const struct fdpass_msg *msg, int flags, int *has_data)
{
	if (msg == NULL || (flags & ~(FDPASS_NONBLOCK | FDPASS_NOCLOEXEC)) ||
	    (msg->iov == NULL && msg->iovcnt > 0) ||
	    (msg->fds == NULL && msg->nfds > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (msg->iovcnt > FDPASS__OS_IOV_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return fdpass__check_iov(msg->iov, msg->iovcnt, has_data);
}

/* 1 if sock is an AF_UNIX socket, 0 if another socket, -1 and errno. */
int fdpass__is_unix_socket(int sock);

/* SO_TYPE of sock, or -1. */
int fdpass__socket_type(int sock);

/*
 * The running kernel's release where a backend must tell releases apart
 * (FreeBSD), else 0: from the ELF aux vector, else getosreldate(), which
 * may ask the kernel (sysctl kern.osreldate).  Asked once, by
 * fdpass_sock_init.
 */
int fdpass__kernel_release(void);

/*
 * The same from the ELF aux vector alone, no system call (libc reads the
 * vector once, under its own once-lock, normally before main); 0 if it has
 * none.  The fd calls ask it on every send.
 */
int fdpass__kernel_release_aux(void);

/*
 * What the library knows of a socket when it sends or receives.  The fd
 * calls know the descriptor alone (type 0, nothing learned); a struct
 * fdpass_sock knows its type and what fdpass_sock_init learned.
 */
struct fdpass__sockview {
	int fd;
	int type;		/* SOCK_*, 0 if not known */
	unsigned int learned;	/* FDPASS__LEARNED_* */
	/* FDPASS__OS_FULL_LIMIT_OPT as init saw it; 0: not known */
	unsigned int full_limit;
};

#define FDPASS__LEARNED_NONBLOCK 0x1	/* O_NONBLOCK was set at init */
#define FDPASS__LEARNED_NOSIGPIPE 0x2	/* init set SO_NOSIGPIPE */
/* The kernel's SOCK_SEQPACKET is a stream with record marks. */
#define FDPASS__LEARNED_SEQPACKET_IS_STREAM 0x4

/* fdpass_private[]: "fdps" tells an initialised handle from garbage. */
#define FDPASS__SOCK_MAGIC 0x66647073u
#define FDPASS__PRIV_MAGIC 0
#define FDPASS__PRIV_LEARNED 1
#define FDPASS__PRIV_FULL_LIMIT 2

static inline int
fdpass__is_message_type(int type)
{
	return type == SOCK_STREAM || type == SOCK_DGRAM ||
	    type == SOCK_SEQPACKET;
}

/* The view of a handle init or pair made; EINVAL for any other. */
static inline int
fdpass__sock_view(const struct fdpass_sock *s, struct fdpass__sockview *v)
{
	if (s == NULL ||
	    s->fdpass_private[FDPASS__PRIV_MAGIC] != FDPASS__SOCK_MAGIC ||
	    !fdpass__is_message_type(s->type)) {
		errno = EINVAL;
		return -1;
	}
	v->fd = s->fd;
	v->type = s->type;
	v->learned = s->fdpass_private[FDPASS__PRIV_LEARNED];
	v->full_limit = s->fdpass_private[FDPASS__PRIV_FULL_LIMIT];
	return 0;
}

/*
 * The type a decision needs: the one known, else (FDPASS__OS_FD_CALLS_ASK)
 * the kernel's answer, else 0.
 */
int fdpass__view_type(const struct fdpass__sockview *v);

/*
 * 1 if the socket is known to be AF_UNIX: a handle's always is; the fd
 * calls ask where they may (FDPASS__OS_FD_CALLS_ASK), else 0.
 */
int fdpass__view_is_unix(const struct fdpass__sockview *v);


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
ssize_t fdpass__recv(const struct fdpass__sockview *v, struct fdpass_msg *msg,
    int flags, int *why_ctrunc);

/* Sends with SIGPIPE suppressed by whatever means caps.h chose. */
ssize_t fdpass__sendmsg_nosigpipe(const struct fdpass__sockview *v,
    const struct msghdr *mh, int flags);

/* Sets once what SIGPIPE suppression needs per socket; learned bits. */
int fdpass__nosigpipe_once(int sock, unsigned int *learned);

/*
 * fdpass_socketpair's type argument split into the socket type and
 * whether FDPASS_SOCK_NONBLOCK or SOCK_NONBLOCK was in it.
 */
int fdpass__split_type(int type, int *nonblock);

#endif /* FDPASS_INTERNAL_H */
