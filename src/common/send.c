/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

/* One OR per descriptor, no branch: a negative one sets the sign bit. */
static int
all_fds_plausible(const int *fds, size_t nfds)
{
	int bits = 0;
	size_t i;

	for (i = 0; i < nfds; i++)
		bits |= fds[i];
	return bits >= 0;
}

/*
 * Every check that can fail without a system call, so a refused message
 * never reaches the kernel.
 */
static int
check_send(const struct fdpass_msg *msg, int flags)
{
	int has_data;

	if (fdpass__check_msg(msg, flags, &has_data) == -1)
		return -1;
	if (msg->nfds > FDPASS__OS_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Some kernels drop descriptors sent with no data (Linux streams). */
	if (msg->nfds > 0 && !has_data) {
		errno = EINVAL;
		return -1;
	}
	if (!all_fds_plausible(msg->fds, msg->nfds)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

/*
 * Descriptors travel only over AF_UNIX.  Elsewhere the kernel may take
 * SCM_RIGHTS without a word and drop it (Linux __sock_cmsg_send skips it
 * for every family), so a positive return would lie.  The fd calls ask the
 * family where the backend lets them ask (FDPASS__OS_FD_CALLS_ASK); a
 * struct fdpass_sock was asked once, at init.
 */
static int
check_carries_fds(int sock)
{
	int is_unix = fdpass__is_unix_socket(sock);

	if (is_unix == 0)
		errno = EOPNOTSUPP;
	return is_unix == 1 ? 0 : -1;
}

/*
 * An AF_UNIX stream or seqpacket peer that closed with data unread makes
 * the kernel answer ECONNRESET once before EPIPE (Linux
 * unix_release_sock); both say the peer is gone.  A datagram socket's
 * errno is the OS's own, and every kernel resets datagram sockets too
 * (Linux unix_dgram_disconnected, the BSDs' and xnu's unp_drop on a
 * connected datagram peer's close), so where the type is not known the
 * kernel's ECONNRESET is left as it is.  So it is on another family: a
 * TCP reset ends the connection in error, unlike a close (the fd calls
 * ask the family).
 */
static ssize_t
peer_gone_is_epipe(const struct fdpass__sockview *v, ssize_t n)
{
	int type;

	if (n == -1 && errno == ECONNRESET) {
		type = fdpass__view_type(v);
		if ((type == SOCK_STREAM || type == SOCK_SEQPACKET) &&
		    fdpass__view_is_unix(v))
			errno = EPIPE;
	}
	return n;
}

/*
 * O_NONBLOCK as fdpass_sock_init saw it; the fd calls ask where they may
 * (FDPASS__OS_FD_CALLS_ASK): F_GETFL needs CAP_FCNTL under Capsicum.
 */
static int
view_nonblocking(const struct fdpass__sockview *v)
{
	int fl;

	if (v->type != 0 || !FDPASS__OS_FD_CALLS_ASK)
		return (v->learned & FDPASS__LEARNED_NONBLOCK) != 0;
	fl = FDPASS__SYSCALL(fcntl)(v->fd, F_GETFL, 0);
	return fl != -1 && (fl & O_NONBLOCK);
}

/*
 * Whether the kernel's full-buffer EMSGSIZE is for good: control longer
 * than FDPASS__OS_FULL_LIMIT_OPT allows (NetBSD), which no wait would
 * make fit.  A handle has the value init read; the fd calls ask where
 * they may.
 */
static int
full_for_good(const struct fdpass__sockview *v, size_t nfds)
{
#if FDPASS__OS_FULL_LIMIT_OPT
	int saved_errno = errno, limit = 0;
	socklen_t len = sizeof limit;

	if (v->full_limit != 0)
		limit = (int)v->full_limit;
	else if (v->type == 0 && FDPASS__OS_FD_CALLS_ASK &&
	    FDPASS__SYSCALL(getsockopt)(v->fd, SOL_SOCKET,
	    FDPASS__OS_FULL_LIMIT_OPT, &limit, &len) == -1)
		limit = 0;
	errno = saved_errno;
	return limit > 0 && CMSG_SPACE(nfds * sizeof(int)) > (size_t)limit;
#else
	(void)v;
	(void)nfds;
	return 0;
#endif
}

/*
 * Some kernels answer a full peer buffer with an errno of their own
 * instead of waiting (FDPASS__OS_FULL_ERRNO): a caller that asked not to
 * block reads that as EAGAIN, like everywhere else; a blocking caller
 * gets the kernel's errno, documented per OS, and so does every caller
 * when the errno is for good (full_for_good): EAGAIN would have it poll
 * and retry forever.
 */
static ssize_t
full_is_eagain(const struct fdpass__sockview *v, const struct fdpass_msg *msg,
    int flags, ssize_t n)
{
	int err;

	if (n != -1)
		return n;
	err = errno;
	if ((err != ENOBUFS && err != EMSGSIZE) ||
	    err != FDPASS__OS_FULL_ERRNO(fdpass__view_type(v), msg->nfds)) {
		errno = err;
		return n;
	}
	if ((!(flags & FDPASS_NONBLOCK) && !view_nonblocking(v)) ||
	    (err == EMSGSIZE && msg->nfds > 0 &&
	    full_for_good(v, msg->nfds))) {
		errno = err;
		return -1;
	}
	errno = EAGAIN;
	return -1;
}

/*
 * One SCM_RIGHTS message holds them all: OpenBSD and xnu refuse several,
 * NetBSD reads only the first.  msg_controllen is the real CMSG_SPACE,
 * which xnu needs equal to cmsg_len (true with its 4-byte alignment) and
 * OpenBSD accepts as CMSG_ALIGN of it.
 */
static int
attach_fds(struct msghdr *mh, void *buf, size_t size, const int *fds,
    size_t nfds)
{
	struct cmsghdr *cmsg;
	size_t space = CMSG_SPACE(nfds * sizeof(int));

	if (space > size) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(buf, 0, space);
	mh->msg_control = buf;
	mh->msg_controllen = space;
	cmsg = CMSG_FIRSTHDR(mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	return 0;
}

/* Sends a message that passed check_send. */
static ssize_t
send_checked(const struct fdpass__sockview *v, const struct fdpass_msg *msg,
    int flags)
{
	union {
		struct cmsghdr align;
		char buf[FDPASS__CMSG_BOUND(FDPASS__OS_MAX_FDS)];
	} control;
	/*
	 * No iovec at all becomes one empty iovec: xnu refuses msg_iovlen 0
	 * with EMSGSIZE (bsd/kern/uipc_syscalls.c sendmsg_nocancel, "<= 0 ||
	 * > UIO_MAXIOV"), and qemu-user 7.2 reports success for it without
	 * sending anything; an empty iovec sends the same empty message on
	 * every kernel.
	 */
	struct iovec none = { NULL, 0 };
	struct msghdr mh;
	int sflags, record;
	ssize_t n;

#ifdef FDPASS_TEST_MUTANT_EXTRA_GETSOCKNAME
	/* A test-only mutant: one call more than the rule allows (tests). */
	(void)fdpass__is_unix_socket(v->fd);
#endif
	memset(&mh, 0, sizeof mh);
	if (msg->iovcnt == 0) {
		mh.msg_iov = &none;
		mh.msg_iovlen = 1;
	} else {
		mh.msg_iov = (struct iovec *)(uintptr_t)msg->iov;
		mh.msg_iovlen = msg->iovcnt;
	}
	if (msg->nfds > 0 && attach_fds(&mh, control.buf, sizeof control.buf,
	    msg->fds, msg->nfds) == -1)
		return -1;
	sflags = (flags & FDPASS_NONBLOCK) ? FDPASS__OS_SEND_DONTWAIT : 0;
	record = FDPASS__OS_RECORD_FLAGS(v->type, v->learned);
	n = fdpass__sendmsg_nosigpipe(v, &mh, sflags | record);
	/*
	 * A socket of unknown type that refuses the record mark is a stream
	 * of another protocol (FreeBSD sosend_generic: MSG_EOR on a
	 * SOCK_STREAM is EINVAL, before anything is queued).
	 */
	if (n == -1 && errno == EINVAL && record != 0 && v->type == 0)
		n = fdpass__sendmsg_nosigpipe(v, &mh, sflags);
	return full_is_eagain(v, msg, flags, peer_gone_is_epipe(v, n));
}

ssize_t
fdpass_sendmsg(int sock, const struct fdpass_msg *msg, int flags)
{
	struct fdpass__sockview v = { sock, 0, FDPASS__OS_FD_CALLS_LEARN(),
	    0 };

	if (check_send(msg, flags) == -1)
		return -1;
	if (FDPASS__OS_FD_CALLS_ASK && msg->nfds > 0 &&
	    check_carries_fds(sock) == -1)
		return -1;
	return send_checked(&v, msg, flags);
}

ssize_t
fdpass_sock_sendmsg(const struct fdpass_sock *s, const struct fdpass_msg *msg,
    int flags)
{
	struct fdpass__sockview v;

	if (fdpass__sock_view(s, &v) == -1 || check_send(msg, flags) == -1)
		return -1;
	return send_checked(&v, msg, flags);
}
