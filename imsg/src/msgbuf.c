/* SPDX-License-Identifier: ISC */
/*
 * Message queues (ibuf_add(3)): buffers queued for sending, and the
 * reader that cuts received bytes into messages and ties each received
 * descriptor to the header that claims it.
 *
 * Descriptors travel through libfdpass's socket handle, so they get its
 * rules: FD_CLOEXEC on receipt, no SIGPIPE, every descriptor returned or
 * closed, EINTR retried.
 */
#include "imsg_private.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Buffers gathered into one system call. */
#define MSGBUF_IOV_MAX	128

/*
 * The most one send puts into a record (SOCK_SEQPACKET, SOCK_DGRAM).  A
 * reader keeps less than a header unparsed and reads into the rest of its
 * IBUF_READ_SIZE buffer; msgbuf_new_reader allows headers of up to
 * IBUF_READ_SIZE / 2, so a record this long always fits whole.  A kernel
 * drops the part of a record the read cannot hold (Linux
 * unix_seqpacket_recvmsg, FreeBSD soreceive_generic with PR_ATOMIC).
 */
#define MSGBUF_RECORD_MAX	(IBUF_READ_SIZE / 2)

struct msgbuf *
msgbuf_new(void)
{
	struct msgbuf *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	imsg__queue_init(&m->bufs);
	imsg__queue_init(&m->rbufs);
	m->sockfd = -1;
	return m;
}

struct msgbuf *
msgbuf_new_reader(size_t hdrsz,
    struct ibuf *(*readhdr)(struct ibuf *, void *, int *), void *arg)
{
	struct msgbuf *m;
	unsigned char *rbuf;

	/* The read buffer must hold a partial header and still take more. */
	if (hdrsz == 0 || hdrsz > IBUF_READ_SIZE / 2 || readhdr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((rbuf = malloc(IBUF_READ_SIZE)) == NULL)
		return NULL;
	if ((m = msgbuf_new()) == NULL) {
		free(rbuf);
		return NULL;
	}
	m->rbuf = rbuf;
	m->hdrsize = hdrsz;
	m->readhdr = readhdr;
	m->rarg = arg;
	return m;
}

static void
pending_close_all(struct msgbuf *m)
{
	size_t i;

	for (i = 0; i < m->npend; i++)
		if (m->pend[i].fd >= 0)
			imsg__close(m->pend[i].fd);
	m->npend = 0;
}

static void
pending_remove(struct msgbuf *m, size_t i)
{
	memmove(&m->pend[i], &m->pend[i + 1],
	    (m->npend - i - 1) * sizeof(m->pend[0]));
	m->npend--;
}

/* Keeps a written buffer for imsg_create, or frees it. */
static void
msgbuf_retire(struct msgbuf *m, struct ibuf *buf)
{
	if (m->nspare == IMSG__SPARE_MAX ||
	    !imsg__ibuf_reusable(buf, IMSG__SPARE_SIZE)) {
		ibuf_free(buf);
		return;
	}
	imsg__ibuf_retire(buf);
	buf->entry.tqe_next = m->spare;
	m->spare = buf;
	m->nspare++;
}

/*
 * What ibuf_dynamic(len, max) returns, from the kept buffers when there
 * is one: the first with room enough, else the first, given more room.
 */
struct ibuf *
imsg__msgbuf_spare(struct msgbuf *m, size_t len, size_t max)
{
	struct ibuf **pp, *buf, *next;

	if (m == NULL || m->spare == NULL)
		return ibuf_dynamic(len, max);
	if (max == 0 || max < len) {
		errno = EINVAL;
		return NULL;
	}
	for (pp = &m->spare; (*pp)->entry.tqe_next != NULL &&
	    (*pp)->size < len; pp = &(*pp)->entry.tqe_next)
		;
	if ((*pp)->size < len)
		pp = &m->spare;
	buf = *pp;
	next = buf->entry.tqe_next;
	/* It fails before touching the buffer, which stays kept. */
	if (imsg__ibuf_reuse(buf, len, max) == -1)
		return NULL;
	*pp = next;
	m->nspare--;
	return buf;
}

static void
msgbuf_free_spares(struct msgbuf *m)
{
	struct ibuf *buf;

	while ((buf = m->spare) != NULL) {
		m->spare = buf->entry.tqe_next;
		ibuf_free(buf);
	}
	m->nspare = 0;
}

void
msgbuf_clear(struct msgbuf *m)
{
	ibufq_flush(&m->bufs);
	msgbuf_free_spares(m);
	ibufq_flush(&m->rbufs);
	ibuf_free(m->rpmsg);
	m->rpmsg = NULL;
	pending_close_all(m);
	m->rbase += m->roff;
	m->roff = 0;
	m->rerrno = 0;
}

void
msgbuf_free(struct msgbuf *m)
{
	if (m == NULL)
		return;
	msgbuf_clear(m);
	free(m->rbuf);
	free(m);
}

uint32_t
msgbuf_queuelen(struct msgbuf *m)
{
	return ibufq_queuelen(&m->bufs);
}

void
msgbuf_concat(struct msgbuf *m, struct ibufqueue *from)
{
	ibufq_concat(&m->bufs, from);
}

struct ibuf *
msgbuf_get(struct msgbuf *m)
{
	return ibufq_pop(&m->rbufs);
}

void
ibuf_close(struct msgbuf *m, struct ibuf *buf)
{
	ibufq_push(&m->bufs, buf);
}

/*
 * The handle for fd, checked once per descriptor number: 1 ready, 0 not
 * an AF_UNIX socket (plain read and write serve it), -1 error.
 */
static int
msgbuf_sock(struct msgbuf *m, int fd)
{
	if (m->sockfd == fd && m->sockfd != -1)
		return m->sockok;
	if (fdpass_sock_init(&m->sock, fd) == -1) {
		if (errno != ENOTSOCK && errno != EOPNOTSUPP)
			return -1;
		m->sockok = 0;
	} else
		m->sockok = 1;
	m->sockfd = fd;
	return m->sockok;
}

/*
 * Frees the n bytes sent from the front of the queue.  With descriptors,
 * a buffer that still holds one was not part of this send.
 */
static void
msgbuf_drain(struct msgbuf *m, size_t n, int fdpass)
{
	struct ibuf *buf;

	while ((buf = m->bufs.first) != NULL) {
		if (fdpass && buf->fd >= 0)
			return;
		if (n < ibuf_size(buf)) {
			buf->rpos += n;
			return;
		}
		n -= ibuf_size(buf);
		msgbuf_retire(m, ibufq_pop(&m->bufs));
	}
}

/*
 * Cuts the iovec to MSGBUF_RECORD_MAX bytes: the reader takes the bytes as
 * a stream, so a message may span records, but a record it cannot hold
 * would lose its tail.
 */
static size_t
record_fit(struct iovec *iov, size_t cnt)
{
	size_t i, room = MSGBUF_RECORD_MAX;

	for (i = 0; i < cnt; i++) {
		if (iov[i].iov_len >= room) {
			iov[i].iov_len = room;
			return i + 1;
		}
		room -= iov[i].iov_len;
	}
	return cnt;
}

static int
msgbuf_send(int fd, struct msgbuf *m, int fdpass)
{
	struct iovec iov[MSGBUF_IOV_MAX];
	struct fdpass_msg msg;
	struct ibuf *buf, *fdbuf = NULL;
	ssize_t n;
	size_t cnt = 0;
	int sock, sendfd;

	for (buf = m->bufs.first; buf != NULL && cnt < MSGBUF_IOV_MAX;
	    buf = buf->entry.tqe_next) {
		if (fdpass && buf->fd >= 0) {
			/* Its descriptor goes with its first byte. */
			if (cnt > 0)
				break;
			fdbuf = buf;
		}
		iov[cnt].iov_base = ibuf_data(buf);
		iov[cnt].iov_len = ibuf_size(buf);
		cnt++;
	}
	if (cnt == 0)
		return 0;

	if ((sock = msgbuf_sock(m, fd)) == -1)
		return -1;
	if (sock && m->sock.type != SOCK_STREAM)
		cnt = record_fit(iov, cnt);
	if (sock) {
		memset(&msg, 0, sizeof(msg));
		msg.iov = iov;
		msg.iovcnt = cnt;
		if (fdbuf != NULL) {
			sendfd = fdbuf->fd;
			msg.fds = &sendfd;
			msg.nfds = 1;
		}
		n = fdpass_sock_sendmsg(&m->sock, &msg, 0);
	} else if (fdbuf != NULL) {
		/* Descriptors pass only over AF_UNIX sockets. */
		errno = EOPNOTSUPP;
		return -1;
	} else {
		do
			n = writev(fd, iov, (int)cnt);
		while (n == -1 && errno == EINTR);
	}
	if (n == -1) {
		/* Retry later: the caller polls for POLLOUT. */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return 0;
		return -1;
	}
	if (fdbuf != NULL) {
		/* It went with the bytes just sent: the sender's copy goes. */
		imsg__close(fdbuf->fd);
		fdbuf->fd = -1;
	}
	msgbuf_drain(m, (size_t)n, fdpass);
	return 0;
}

int
ibuf_write(int fd, struct msgbuf *m)
{
	return msgbuf_send(fd, m, 0);
}

int
msgbuf_write(int fd, struct msgbuf *m)
{
	return msgbuf_send(fd, m, 1);
}

/*
 * A protocol error: the stream is out of step for good.  Everything the
 * reader holds that is not a complete message goes, descriptors closed,
 * and later reads fail the same way; complete messages stay gettable.
 */
static int
msgbuf_fail(struct msgbuf *m, int error)
{
	pending_close_all(m);
	ibuf_free(m->rpmsg);
	m->rpmsg = NULL;
	m->rbase += m->roff;
	m->roff = 0;
	m->rerrno = error;
	errno = error;
	return -1;
}

/*
 * Drops what no header can claim any more: every pending entry whose read
 * ended at or before `next`, the earliest offset the next header may start
 * at.  A descriptor left there came without a header marking it.
 */
static int
pending_expire(struct msgbuf *m, uint64_t next)
{
	while (m->npend > 0 && m->pend[0].end <= next) {
		if (m->pend[0].fd >= 0)
			return msgbuf_fail(m, EBADMSG);
		pending_remove(m, 0);
	}
	return 0;
}

/* The entry whose read holds stream offset h, if any. */
static struct imsg__pending *
pending_at(struct msgbuf *m, uint64_t h)
{
	size_t i;

	for (i = 0; i < m->npend; i++)
		if (m->pend[i].start <= h && h < m->pend[i].end)
			return &m->pend[i];
	return NULL;
}

static int
msgbuf_process(struct msgbuf *m, int fdpass)
{
	struct imsg__pending *p;
	struct ibuf hdr, *b;
	uint64_t h;
	size_t pos = 0, take;
	int fd, offered;

	while (pos < m->roff) {
		if (m->rpmsg == NULL) {
			if (m->roff - pos < m->hdrsize)
				break;
			h = m->rbase + pos;
			if (fdpass && pending_expire(m, h) == -1)
				return -1;
			p = fdpass ? pending_at(m, h) : NULL;
			offered = fd = (p != NULL) ? p->fd : -1;
			m->hdr_fdpass = fdpass;
			m->hdr_lost = p != NULL && p->fd == -1;
			ibuf_from_buffer(&hdr, m->rbuf + pos, m->hdrsize);
			errno = 0;
			b = m->readhdr(&hdr, m->rarg, &fd);
			m->hdr_fdpass = m->hdr_lost = 0;
			if (offered >= 0 && fd == -1)
				pending_remove(m, (size_t)(p - m->pend));
			if (b == NULL)
				return msgbuf_fail(m, errno != 0 ? errno : EBADMSG);
			/* Less than a header would never consume its bytes. */
			if (ibuf_left(b) < m->hdrsize) {
				ibuf_free(b);
				return msgbuf_fail(m, EBADMSG);
			}
			m->rpmsg = b;
			m->rpmsg_end = h + ibuf_left(b);
		}
		take = m->roff - pos;
		if (take > ibuf_left(m->rpmsg))
			take = ibuf_left(m->rpmsg);
		/* Cannot fail: the room was checked. */
		(void)ibuf_add(m->rpmsg, m->rbuf + pos, take);
		pos += take;
		if (ibuf_left(m->rpmsg) == 0) {
			ibufq_push(&m->rbufs, m->rpmsg);
			m->rpmsg = NULL;
		}
	}
	if (pos > 0) {
		memmove(m->rbuf, m->rbuf + pos, m->roff - pos);
		m->rbase += pos;
		m->roff -= pos;
	}
	if (fdpass && pending_expire(m,
	    m->rpmsg != NULL ? m->rpmsg_end : m->rbase) == -1)
		return -1;
	return 1;
}

static int
msgbuf_recv(int fd, struct msgbuf *m, int fdpass)
{
	struct fdpass_msg msg;
	struct iovec iov;
	ssize_t n;
	uint64_t start;
	int sock, rfd = -1, got = 0, lost = 0;

	if (m->rbuf == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (m->rerrno != 0) {
		errno = m->rerrno;
		return -1;
	}
	iov.iov_base = m->rbuf + m->roff;
	iov.iov_len = IBUF_READ_SIZE - m->roff;

	if ((sock = msgbuf_sock(m, fd)) == -1)
		return -1;
	if (sock) {
		/*
		 * Room for one descriptor, as the writer sends: more in one
		 * read are all closed by libfdpass and count as lost.
		 * Without descriptor passing, any that come are closed.
		 */
		memset(&msg, 0, sizeof(msg));
		msg.iov = &iov;
		msg.iovcnt = 1;
		if (fdpass) {
			msg.fds = &rfd;
			msg.nfds = 1;
		}
		n = fdpass_sock_recvmsg(&m->sock, &msg, 0);
		if (n >= 0) {
			got = msg.nfds > 0;
			lost = (msg.flags & FDPASS_CTRUNC) != 0;
		}
		if (n >= 0 && (msg.flags & FDPASS_TRUNC)) {
			/* A record longer than the room: its tail is gone. */
			if (got)
				imsg__close(rfd);
			return msgbuf_fail(m, EMSGSIZE);
		}
	} else if (fdpass) {
		errno = EOPNOTSUPP;
		return -1;
	} else {
		do
			n = readv(fd, &iov, 1);
		while (n == -1 && errno == EINTR);
	}
	if (n == -1) {
		/* Nothing yet: the caller polls again. */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		return -1;
	}
	if (n == 0 && !got && !lost)
		return 0;

	start = m->rbase + m->roff;
	m->roff += (size_t)n;
	if (fdpass && (got || lost)) {
		if (m->npend == IMSG__PENDING_MAX) {
			/* Only a peer sending descriptors unasked gets here. */
			if (got)
				imsg__close(rfd);
			return msgbuf_fail(m, EBADMSG);
		}
		m->pend[m->npend].start = start;
		m->pend[m->npend].end = start + (uint64_t)n;
		m->pend[m->npend].fd = got ? rfd : -1;
		m->npend++;
	}
	return msgbuf_process(m, fdpass);
}

int
ibuf_read(int fd, struct msgbuf *m)
{
	return msgbuf_recv(fd, m, 0);
}

int
msgbuf_read(int fd, struct msgbuf *m)
{
	return msgbuf_recv(fd, m, 1);
}
