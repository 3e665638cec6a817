/* SPDX-License-Identifier: ISC */
/*
 * Messages (imsg_init(3)): building and queueing them, and reading the
 * ones received.
 */
#include "imsg_private.h"

#include <sys/uio.h>

#include <errno.h>
#include <string.h>

int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *ibuf)
{
	if (ibuf_size(imsg->buf) == 0) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get_ibuf(imsg->buf, ibuf_size(imsg->buf), ibuf);
}

int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get(imsg->buf, data, len);
}

int
imsg_get_buf(struct imsg *imsg, void *data, size_t len)
{
	return ibuf_get(imsg->buf, data, len);
}

int
imsg_get_strbuf(struct imsg *imsg, char *str, size_t len)
{
	return ibuf_get_strbuf(imsg->buf, str, len);
}

int
imsg_get_fd(struct imsg *imsg)
{
	return ibuf_fd_get(imsg->buf);
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return imsg->hdr.peerid;
}

size_t
imsg_get_len(struct imsg *imsg)
{
	return ibuf_size(imsg->buf);
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return (pid_t)imsg->hdr.pid;
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return imsg->hdr.type;
}

static void
imsg_fill_hdr(struct imsgbuf *imsgbuf, struct imsg_hdr *hdr, uint32_t type,
    uint32_t id, pid_t pid, uint32_t len)
{
	hdr->type = type;
	hdr->len = len;
	hdr->peerid = id;
	hdr->pid = (uint32_t)(pid != 0 ? pid : imsgbuf->pid);
}

struct ibuf *
imsg_create(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct imsg_hdr hdr;
	struct ibuf *wbuf;

	if (imsgbuf->maxsize < IMSG_HEADER_SIZE ||
	    datalen > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return NULL;
	}
	datalen += IMSG_HEADER_SIZE;
	/* The length is written by imsg_close(), with the mark. */
	imsg_fill_hdr(imsgbuf, &hdr, type, id, pid, 0);
	if ((wbuf = imsg__msgbuf_spare(imsgbuf->w, datalen,
	    imsgbuf->maxsize)) == NULL)
		return NULL;
	if (ibuf_add(wbuf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(wbuf);
		return NULL;
	}
	return wbuf;
}

int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (datalen > 0 && ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return -1;
	}
	return (int)datalen;
}

void
imsg_close(struct imsgbuf *imsgbuf, struct ibuf *msg)
{
	uint32_t len;

	len = (uint32_t)ibuf_size(msg);
	if (ibuf_fd_avail(msg))
		len |= IMSG__FD_MARK;
	(void)ibuf_set_h32(msg, offsetof(struct imsg_hdr, len), len);
	ibuf_close(imsgbuf->w, msg);
}

int
imsg_compose(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return imsg_composev(imsgbuf, type, id, pid, fd, &iov, 1);
}

int
imsg_composev(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf *wbuf;
	size_t datalen = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - datalen) {
			errno = ERANGE;
			return -1;
		}
		datalen += iov[i].iov_len;
	}
	if ((wbuf = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return -1;
	for (i = 0; i < iovcnt; i++)
		if (ibuf_add(wbuf, iov[i].iov_base, iov[i].iov_len) == -1) {
			ibuf_free(wbuf);
			return -1;
		}
	/* Only now is fd the library's: on failure the caller keeps it. */
	ibuf_fd_set(wbuf, fd);
	imsg_close(imsgbuf, wbuf);
	return 1;
}

/*
 * The payload is queued as it is, behind a header of its own: no copy.
 * A descriptor cannot go this way (it would not ride the header's first
 * byte), so a buffer holding one is refused.
 */
int
imsg_compose_ibuf(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id,
    pid_t pid, struct ibuf *buf)
{
	struct imsg_hdr hdr;
	struct ibuf *hdrbuf;

	if (ibuf_fd_avail(buf)) {
		errno = EINVAL;
		goto fail;
	}
	if (imsgbuf->maxsize < IMSG_HEADER_SIZE ||
	    ibuf_size(buf) > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		goto fail;
	}
	imsg_fill_hdr(imsgbuf, &hdr, type, id, pid,
	    (uint32_t)(ibuf_size(buf) + IMSG_HEADER_SIZE));
	if ((hdrbuf = ibuf_open(IMSG_HEADER_SIZE)) == NULL)
		goto fail;
	(void)ibuf_add(hdrbuf, &hdr, sizeof(hdr));
	ibuf_close(imsgbuf->w, hdrbuf);
	ibuf_close(imsgbuf->w, buf);
	return 1;

fail:
	ibuf_free(buf);
	return -1;
}

int
imsg_forward(struct imsgbuf *imsgbuf, struct imsg *msg)
{
	struct ibuf *wbuf;
	size_t len;

	/* From the start of the payload, whatever was read of it. */
	ibuf_rewind(msg->buf);
	if (ibuf_skip(msg->buf, sizeof(msg->hdr)) == -1)
		return -1;
	len = ibuf_size(msg->buf);
	if ((wbuf = imsg_create(imsgbuf, msg->hdr.type, msg->hdr.peerid,
	    (pid_t)msg->hdr.pid, len)) == NULL)
		return -1;
	if (ibuf_add_ibuf(wbuf, msg->buf) == -1) {
		ibuf_free(wbuf);
		return -1;
	}
	imsg_close(imsgbuf, wbuf);
	return 1;
}

void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
}

int
imsg_set_maxsize(struct ibuf *msg, size_t max)
{
	if (max > UINT32_MAX - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return -1;
	}
	return ibuf_set_maxsize(msg, max + IMSG_HEADER_SIZE);
}
