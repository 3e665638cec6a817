/* SPDX-License-Identifier: ISC */
/*
 * Message channels (imsg_init(3)): an imsgbuf is one end of a socket, its
 * queue of messages to send and its reader of framed messages.
 */
#include "imsg_private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/*
 * The reader's header callback: the length a header announces, with the
 * descriptor it marks.  A marked header that finds none is a peer that
 * lied, unless the kernel could not deliver the descriptor (no free slot):
 * that message arrives with imsg_get_fd() -1 and the channel goes on.
 */
static struct ibuf *
imsg_parse_hdr(struct ibuf *hbuf, void *arg, int *fd)
{
	struct imsgbuf *imsgbuf = arg;
	struct msgbuf *m = imsgbuf->w;
	struct imsg_hdr hdr;
	struct ibuf *b;
	uint32_t len;

	if (ibuf_get(hbuf, &hdr, sizeof(hdr)) == -1)
		return NULL;
	len = hdr.len & ~IMSG__FD_MARK;
	if (len < IMSG_HEADER_SIZE || len > imsgbuf->maxsize) {
		errno = ERANGE;
		return NULL;
	}
	if ((hdr.len & IMSG__FD_MARK) && *fd == -1 && m->hdr_fdpass &&
	    !m->hdr_lost) {
		errno = EBADMSG;
		return NULL;
	}
	if ((b = imsg__ibuf_open_unzeroed(len)) == NULL)
		return NULL;
	if ((hdr.len & IMSG__FD_MARK) && *fd >= 0) {
		ibuf_fd_set(b, *fd);
		*fd = -1;
	}
	return b;
}

int
imsgbuf_init(struct imsgbuf *imsgbuf, int fd)
{
	imsgbuf->w = msgbuf_new_reader(IMSG_HEADER_SIZE, imsg_parse_hdr,
	    imsgbuf);
	if (imsgbuf->w == NULL)
		return -1;
	imsgbuf->pid = getpid();
	imsgbuf->maxsize = MAX_IMSGSIZE;
	imsgbuf->fd = fd;
	imsgbuf->flags = 0;
	return 0;
}

void
imsgbuf_allow_fdpass(struct imsgbuf *imsgbuf)
{
	imsgbuf->flags |= IMSG__ALLOW_FDPASS;
}

int
imsgbuf_set_maxsize(struct imsgbuf *imsgbuf, uint32_t max)
{
	if (max > UINT32_MAX - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return -1;
	}
	max += IMSG_HEADER_SIZE;
	/* The length field's top bit is the descriptor mark. */
	if (max & IMSG__FD_MARK) {
		errno = EINVAL;
		return -1;
	}
	imsgbuf->maxsize = max;
	return 0;
}

int
imsgbuf_read(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (imsgbuf->flags & IMSG__ALLOW_FDPASS)
		return msgbuf_read(imsgbuf->fd, imsgbuf->w);
	return ibuf_read(imsgbuf->fd, imsgbuf->w);
}

int
imsgbuf_write(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (imsgbuf->flags & IMSG__ALLOW_FDPASS)
		return msgbuf_write(imsgbuf->fd, imsgbuf->w);
	return ibuf_write(imsgbuf->fd, imsgbuf->w);
}

int
imsgbuf_flush(struct imsgbuf *imsgbuf)
{
	while (imsgbuf_queuelen(imsgbuf) > 0)
		if (imsgbuf_write(imsgbuf) == -1)
			return -1;
	return 0;
}

void
imsgbuf_clear(struct imsgbuf *imsgbuf)
{
	msgbuf_free(imsgbuf->w);
	imsgbuf->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL)
		return 0;
	return msgbuf_queuelen(imsgbuf->w);
}

/* A received message buffer as a struct imsg: the header read out of it. */
static int
imsg_from_ibuf(struct ibuf *buf, struct imsg *imsg)
{
	struct imsg m;

	if (ibuf_get(buf, &m.hdr, sizeof(m.hdr)) == -1) {
		ibuf_free(buf);
		return -1;
	}
	m.hdr.len &= ~IMSG__FD_MARK;
	m.data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	m.buf = buf;
	*imsg = m;
	return 1;
}

int
imsgbuf_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct ibuf *buf;

	if (imsgbuf->w == NULL || (buf = msgbuf_get(imsgbuf->w)) == NULL)
		return 0;
	return imsg_from_ibuf(buf, imsg);
}

ssize_t
imsg_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	int rv;

	if ((rv = imsgbuf_get(imsgbuf, imsg)) != 1)
		return rv;
	return (ssize_t)(imsg_get_len(imsg) + IMSG_HEADER_SIZE);
}

int
imsg_ibufq_pop(struct ibufqueue *q, struct imsg *imsg)
{
	struct ibuf *buf;

	if ((buf = ibufq_pop(q)) == NULL)
		return 0;
	return imsg_from_ibuf(buf, imsg);
}

void
imsg_ibufq_push(struct ibufqueue *q, struct imsg *imsg)
{
	ibuf_rewind(imsg->buf);
	ibufq_push(q, imsg->buf);
	memset(imsg, 0, sizeof(*imsg));
}
