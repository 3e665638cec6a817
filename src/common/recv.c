/* SPDX-License-Identifier: ISC */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Where the descriptors of one received message go. */
struct collected {
	int *fds;		/* the caller's array */
	size_t capacity;
	size_t count;		/* stored in fds[] so far */
	int overflow;		/* more arrived than fit; those were closed */
	int set_cloexec;	/* the kernel did not set FD_CLOEXEC for us */
	int cloexec_errno;	/* first fcntl failure, 0 if none */
};

static void
close_keeping_errno(int fd)
{
	fdpass__close_all(&fd, 1);
}

static int
fd_at(const struct cmsghdr *cmsg, size_t i)
{
	int fd;

	memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof fd, sizeof fd);
	return fd;
}

/*
 * The n descriptors of one SCM_RIGHTS message, copied in one go while the
 * caller's array has room; those past it are closed.
 */
static void
take_fds(struct collected *c, const struct cmsghdr *cmsg, size_t n)
{
	size_t room = c->capacity - c->count, fit = n < room ? n : room, i;

	/* One fixed-size copy each: a call of memcpy costs more for a few. */
	for (i = 0; i < fit; i++) {
		c->fds[c->count + i] = fd_at(cmsg, i);
		if (c->set_cloexec && c->cloexec_errno == 0 &&
		    FDPASS__SYSCALL(fcntl)(c->fds[c->count + i], F_SETFD,
		    FD_CLOEXEC) == -1)
			c->cloexec_errno = errno;
	}
	c->count += fit;
	if (fit < n)
		c->overflow = 1;
	for (i = fit; i < n; i++)
		close_keeping_errno(fd_at(cmsg, i));
}

/*
 * Descriptors in one control message, counting only what lies inside the
 * buffer: a truncated message may claim more (DragonFly and old illumos do
 * not shrink cmsg_len on truncation).
 */
static size_t
payload_fds(const struct cmsghdr *cmsg, const unsigned char *end)
{
	const unsigned char *data = CMSG_DATA(cmsg);
	size_t len = cmsg->cmsg_len - CMSG_LEN(0);
	size_t avail = end > data ? (size_t)(end - data) : 0;

	return (len < avail ? len : avail) / sizeof(int);
}

/*
 * Walks every control message: SCM_RIGHTS descriptors go to the caller in
 * order, across as many messages as the kernel produced (FreeBSD keeps the
 * sender's messages apart); any other descriptor the kernel installed
 * (Linux SCM_PIDFD) is closed.  A negative one was never installed: Linux
 * writes pidfd_prepare's -errno there when it cannot make the pidfd
 * (net/core/scm.c scm_pidfd_recv), and a close of it would be a system
 * call for nothing.
 */
static void
collect_fds(struct msghdr *mh, struct collected *c)
{
	const unsigned char *end =
	    (const unsigned char *)mh->msg_control + mh->msg_controllen;
	struct cmsghdr *cmsg;
	size_t i, n;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(mh, cmsg)) {
		/* A zero cmsg_len would make BSD's CMSG_NXTHDR loop forever. */
		if (cmsg->cmsg_len < CMSG_LEN(0))
			break;
		n = payload_fds(cmsg, end);
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS) {
			take_fds(c, cmsg, n);
		} else if (FDPASS__OS_CMSG_CARRIES_FD(cmsg->cmsg_level,
		    cmsg->cmsg_type)) {
			for (i = 0; i < n; i++)
				if (fd_at(cmsg, i) >= 0)
					close_keeping_errno(fd_at(cmsg, i));
		}
	}
}

/*
 * Every attempt starts from the caller's request: a failed call may have
 * written into the msghdr it was given.
 */
static ssize_t
recvmsg_retrying(int sock, const struct msghdr *request, struct msghdr *mh,
    int flags)
{
	ssize_t n;

	do {
		*mh = *request;
		n = FDPASS__SYSCALL(recvmsg)(sock, mh, flags);
	} while (n == -1 && errno == EINTR);
	return n;
}

/*
 * The BSDs and xnu fail recvmsg when the descriptors cannot be installed
 * (no free slot), after closing them, each with an errno of its own
 * (FDPASS__OS_NOSLOT_ERRNO); Linux never fails recvmsg so: it closes what
 * it could not install and sets MSG_CTRUNC (net/core/scm.c
 * scm_detach_fds).  Our control buffer is never short and the iovec count
 * was checked, so on an AF_UNIX socket that errno means no slot; any other
 * is the kernel's answer and is passed on.
 */
static int
is_no_slot_errno(int e)
{
	return FDPASS__OS_NOSLOT_ERRNO(e);
}

/* What heads the queue after a receive failed for want of a slot. */
enum fdpass__head {
	HEAD_NOTHING,		/* nothing to read now */
	HEAD_DATA,		/* data alone: what the kernel kept */
	HEAD_CONTROL,		/* control data first */
	HEAD_DATAGRAM		/* a datagram with its sender's address */
};

/*
 * A look at the head of the queue, without taking it, where the kernel's
 * peek shows SCM_RIGHTS safely (FDPASS__OS_PEEK_SHOWS_RIGHTS): the BSDs
 * and xnu copy the kernel's control data (or zero it) and install nothing.
 * The name matters on xnu: soreceive frees the record's address (MT_SONAME,
 * soreceive_addr) before soreceive_ctl fails, so kept data has none, while
 * every datagram is queued with one (uipc_usrreq.c uipc_send: the sender's
 * or sun_noname) and recvit reports it (copyout_sa; 0 without).
 */
static enum fdpass__head
peek_head(int sock)
{
	union {
		struct cmsghdr align;
		unsigned char buf[64];
	} control;
	union {
		struct sockaddr sa;
		unsigned char buf[256];
	} name;
	struct msghdr mh;
	struct iovec iov;
	unsigned char byte;

	iov.iov_base = &byte;
	iov.iov_len = 1;
	memset(&mh, 0, sizeof mh);
	mh.msg_name = name.buf;
	mh.msg_namelen = sizeof name.buf;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof control.buf;
	if (FDPASS__SYSCALL(recvmsg)(sock, &mh, MSG_PEEK | MSG_DONTWAIT) == -1)
		return HEAD_NOTHING;
	if (mh.msg_namelen > 0)
		return HEAD_DATAGRAM;
	if (mh.msg_controllen > 0 || (mh.msg_flags & MSG_CTRUNC))
		return HEAD_CONTROL;
	return HEAD_DATA;
}

/*
 * The read-back itself, with a name buffer: a datagram that carries an
 * address was not kept by the kernel (peek_head).  Where the read-back
 * fails for want of a slot in turn, the message it met is now the kept
 * one: it is read back instead (each failure consumes the control of one
 * message, so this ends).
 */
static ssize_t
read_back(int sock, const struct msghdr *request, struct msghdr *mh,
    int flags, int *addressed)
{
	union {
		struct sockaddr sa;
		unsigned char buf[256];
	} name;
	struct msghdr named = *request;
	ssize_t n;
	int tries;

	named.msg_name = name.buf;
	for (tries = 0; tries < 64; tries++) {
		named.msg_namelen = sizeof name.buf;
		n = recvmsg_retrying(sock, &named, mh, flags | MSG_DONTWAIT);
		if (n != -1 || !is_no_slot_errno(errno))
			break;
	}
	*addressed = n != -1 && mh->msg_namelen > 0;
	mh->msg_name = NULL;
	mh->msg_namelen = 0;
	return n;
}

/*
 * Where the OS keeps the failed message's data
 * (FDPASS__OS_NOSLOT_KEEPS_DATA), it is read now and returned as a
 * truncation, as Linux does; elsewhere the message is gone: -1 EMFILE.
 * Where the type is not known (the fd calls on a backend that may not
 * ask), nothing is read back: data at the head may be the next message's,
 * and taking it would lose that one.
 *
 * The kernel has taken the failed message's control, so control at the
 * head starts the next message (the failed one had no data bytes, or
 * another thread took them): that one is left queued, and the call says
 * EMFILE.  Except where the kernel links back the rest of the failed
 * message, later SCM_RIGHTS messages included (FDPASS__OS_NOSLOT_KEEPS_REST):
 * that rest is read back and its descriptors closed, all or nothing.
 * Where the peek cannot show SCM_RIGHTS (FDPASS__OS_PEEK_SHOWS_RIGHTS 0),
 * the read-back is made blind; if it brings descriptors, it met an intact
 * message, which is returned as one.
 *
 * Another thread may take the kept data between the failure and the
 * read-back.  A datagram is told apart by its address (peek_head); on a
 * stream nothing tells the next bytes from the kept ones
 * (docs/guarantees.md).
 */
static ssize_t
recv_stranded_data(const struct fdpass__sockview *v,
    const struct msghdr *request, struct msghdr *mh, int flags,
    int *why_ctrunc)
{
	int type = fdpass__view_type(v), rest = 0, addressed;
	enum fdpass__head head;
	ssize_t n;

	if (!FDPASS__OS_NOSLOT_KEEPS_DATA(type, v->learned))
		goto gone;
	if (FDPASS__OS_PEEK_SHOWS_RIGHTS) {
		head = peek_head(v->fd);
		if (head == HEAD_NOTHING || head == HEAD_DATAGRAM)
			goto gone;
		if (head == HEAD_CONTROL) {
			if (!FDPASS__OS_NOSLOT_KEEPS_REST(type, v->learned))
				goto gone;
			rest = 1;
		}
	}
	n = read_back(v->fd, request, mh, flags, &addressed);
	if (n == -1)
		goto gone;
	if (addressed || (!rest && mh->msg_controllen > 0))
		*why_ctrunc = 0;	/* an intact message */
	return n;
gone:
	errno = EMFILE;
	return -1;
}

/*
 * FreeBSD 15 seqpacket (FDPASS__OS_RECORD_CUT): a record longer than the
 * buffer comes back cut, without MSG_TRUNC, and its tail would be the
 * next message (uipc_soreceive_stream_or_seqpacket copies up to the
 * buffer and leaves the rest queued; MSG_EOR only where the record's last
 * mbuf was taken whole).  A full buffer without MSG_EOR is that cut: the
 * tail is read and dropped, up to the record's end, and MSG_TRUNC is set
 * as every other kernel would.  A shorter read without MSG_EOR stopped at
 * control data (the next message) or at what the sender has queued so
 * far: nothing is dropped.  The tail is read without control buffer (the
 * kernel disposes of any it meets) and without waiting.
 */
static void
cut_record(const struct fdpass__sockview *v, const struct msghdr *request,
    struct msghdr *mh, ssize_t n)
{
	unsigned char sink[512];
	struct iovec iov;
	struct msghdr tail;
	size_t i, room = 0;
	ssize_t k;

	/* v->type: a successful receive never asks the kernel what it is. */
	if (!FDPASS__OS_RECORD_CUT(v->type, v->learned) ||
	    (mh->msg_flags & (MSG_EOR | MSG_TRUNC)))
		return;
	for (i = 0; i < (size_t)request->msg_iovlen; i++)
		room += request->msg_iov[i].iov_len;
	if ((size_t)n != room)
		return;
	mh->msg_flags |= MSG_TRUNC;
	iov.iov_base = sink;
	iov.iov_len = sizeof sink;
	memset(&tail, 0, sizeof tail);
	tail.msg_iov = &iov;
	tail.msg_iovlen = 1;
	do {
		tail.msg_flags = 0;
		k = recvmsg_retrying(v->fd, &tail, &tail, MSG_DONTWAIT);
	} while (k == (ssize_t)sizeof sink && !(tail.msg_flags & MSG_EOR));
}

/*
 * MSG_CTRUNC although room for another descriptor was left: the kernel
 * stopped installing them, for want of a free slot (or a security module
 * refused one), not for want of space.  A kernel short of space fills the
 * buffer until not one more fits (scm_detach_fds, copyout_control).
 */
static int
ctrunc_with_room(const struct msghdr *request, const struct msghdr *mh)
{
	return (mh->msg_flags & MSG_CTRUNC) &&
	    request->msg_controllen - mh->msg_controllen >=
	    CMSG_SPACE(sizeof(int));
}

/*
 * An AF_UNIX stream or seqpacket peer that closed with our data unread
 * leaves ECONNRESET for the next receive (Linux unix_release_sock), which
 * reports and clears it: after the queued data on a stream, before it on
 * a seqpacket socket (unix_stream_read_generic, __skb_try_recv_datagram).
 * The peer is gone, so receiving once more, without waiting, returns what
 * is still queued or end-of-file; end-of-file it is if nothing answers.
 * A datagram socket is reset too (every kernel), and there ECONNRESET is
 * the answer, as it is where the type is not known.  So it is on any
 * other family: a TCP reset (tcp_reset) is a failure, not an orderly close,
 * and must not read as end-of-file; the fd calls ask the family (the type
 * alone says SOCK_STREAM for TCP too).
 */
static ssize_t
recv_after_reset(const struct fdpass__sockview *v,
    const struct msghdr *request, struct msghdr *mh, int flags)
{
	int type = fdpass__view_type(v);
	ssize_t n;

	if ((type != SOCK_STREAM && type != SOCK_SEQPACKET) ||
	    !fdpass__view_is_unix(v)) {
		errno = ECONNRESET;
		return -1;
	}
	n = recvmsg_retrying(v->fd, request, mh, flags | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == ECONNRESET)) {
		*mh = *request;
		mh->msg_controllen = 0;
		return 0;
	}
	return n;
}

static int
check_recv(const struct fdpass_msg *msg, int flags)
{
	int has_room;

	if (fdpass__check_msg(msg, flags, &has_room) == -1)
		return -1;
	/*
	 * With no room for data, a stream receive returns 0 (end-of-file to
	 * the caller) yet takes the descriptors, and the data stays queued.
	 */
	if (!has_room) {
		errno = EINVAL;
		return -1;
	}
	if (CMSG_SPACE(FDPASS__OS_RECV_MAX_FDS * sizeof(int)) +
	    FDPASS__OS_CONTROL_HEADROOM > FDPASS__RECV_CONTROL_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* All or nothing: a partial set of descriptors is useless. */
static void
discard_collected(struct collected *c)
{
	size_t i;

	fdpass__close_all(c->fds, c->count);
	/* A caller that closes "every entry != -1" must not close them again. */
	for (i = 0; i < c->count; i++)
		c->fds[i] = -1;
	c->count = 0;
}

ssize_t
fdpass__recv(const struct fdpass__sockview *v, struct fdpass_msg *msg,
    int flags, int *why_ctrunc)
{
	union {
		struct cmsghdr align;
		unsigned char buf[FDPASS__RECV_CONTROL_SIZE];
	} control;
	struct msghdr request, mh;
	struct collected c;
	int rflags, want_cloexec;
	ssize_t n;

	*why_ctrunc = 0;
#ifdef FDPASS_TEST_MUTANT_EXTRA_GETSOCKOPT
	/* A test-only mutant: one call more than the rule allows (tests). */
	(void)fdpass__socket_type(v->fd);
#endif
	if (check_recv(msg, flags) == -1) {
		/* Nothing of an earlier receive may seem to be this one's. */
		if (msg != NULL) {
			msg->nfds = 0;
			msg->flags = 0;
		}
		return -1;
	}
	memset(&c, 0, sizeof c);
	c.fds = msg->fds;
	c.capacity = msg->nfds;
	msg->nfds = 0;
	msg->flags = 0;

	/*
	 * The buffer always has room for the most descriptors a peer can
	 * send, whatever the caller's capacity: xnu and DragonFly install
	 * descriptors that do not fit and lose their numbers.
	 */
	memset(&request, 0, sizeof request);
	request.msg_iov = (struct iovec *)(uintptr_t)msg->iov;
	request.msg_iovlen = msg->iovcnt;
	request.msg_control = control.buf;
	request.msg_controllen = sizeof control.buf;

	want_cloexec = !(flags & FDPASS_NOCLOEXEC);
	c.set_cloexec = want_cloexec && !FDPASS__ATOMIC_CLOEXEC;
	rflags = (flags & FDPASS_NONBLOCK) ? MSG_DONTWAIT : 0;
	if (want_cloexec)
		rflags |= FDPASS__RECV_CLOEXEC;

	/*
	 * No kernel refuses MSG_CMSG_CLOEXEC: Linux fails recvmsg for
	 * MSG_CMSG_COMPAT alone (net/socket.c __sys_recvmsg), NetBSD masks
	 * the flags (uipc_syscalls.c MSG_USERFLAGS), FreeBSD (kern_recvit)
	 * and OpenBSD (sys_recvmsg) pass them on unchecked.  An EINVAL is
	 * therefore about the socket (a listening one) or the message and
	 * is returned as it is, never answered by a second call without the
	 * flag.
	 */
	n = recvmsg_retrying(v->fd, &request, &mh, rflags);
	if (n == -1 && errno == ECONNRESET)
		n = recv_after_reset(v, &request, &mh, rflags);
	if (n == -1 && is_no_slot_errno(errno)) {
		*why_ctrunc = EMFILE;
		n = recv_stranded_data(v, &request, &mh, rflags, why_ctrunc);
	}
	if (n == -1)
		return -1;
	cut_record(v, &request, &mh, n);

	collect_fds(&mh, &c);
	if (mh.msg_flags & MSG_TRUNC)
		msg->flags |= FDPASS_TRUNC;
	if (ctrunc_with_room(&request, &mh))
		*why_ctrunc = EMFILE;
	if ((mh.msg_flags & MSG_CTRUNC) || c.overflow || *why_ctrunc) {
		discard_collected(&c);
		if (*why_ctrunc == 0)
			*why_ctrunc = EMSGSIZE;
		msg->flags |= FDPASS_CTRUNC;
		return n;
	}
	if (c.cloexec_errno != 0) {
		discard_collected(&c);
		msg->flags = 0;
		errno = c.cloexec_errno;
		return -1;
	}
	msg->nfds = c.count;
	return n;
}

ssize_t
fdpass_recvmsg(int sock, struct fdpass_msg *msg, int flags)
{
	struct fdpass__sockview v = { sock, 0, 0, 0 };
	int why_ctrunc;

	return fdpass__recv(&v, msg, flags, &why_ctrunc);
}

ssize_t
fdpass_sock_recvmsg(const struct fdpass_sock *s, struct fdpass_msg *msg,
    int flags)
{
	struct fdpass__sockview v;
	int why_ctrunc;

	if (fdpass__sock_view(s, &v) == -1) {
		if (msg != NULL) {
			msg->nfds = 0;
			msg->flags = 0;
		}
		return -1;
	}
	return fdpass__recv(&v, msg, flags, &why_ctrunc);
}
