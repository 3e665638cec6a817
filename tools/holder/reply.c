/* SPDX-License-Identifier: ISC */
/*
 * Frames from the holder to a client: a reply is built in the
 * connection's buffer (conn.c sends it), an error reply ends the
 * connection, and a connection never admitted gets one error frame.
 */
#include "hold.h"

#include <string.h>
#include <unistd.h>

void
hold_conn_deadline(const struct holder *h, struct hold_conn *c)
{
	c->deadline_ms = hold_now_ms() + h->client_timeout_ms;
}

/* Puts one frame in c->out; the descriptors (ours) go with it. */
void
hold_reply_set(struct hold_conn *c, int code, const void *payload, size_t len,
    const int *fds, size_t nfds)
{
	struct holder_header hdr = { HOLDER_VERSION, (uint8_t)code,
	    (uint16_t)nfds, (uint32_t)len };

	holder_header_encode(&hdr, c->out);
	if (len > 0)
		memcpy(c->out + HOLDER_HEADER_SIZE, payload, len);
	c->out_len = HOLDER_HEADER_SIZE + len;
	c->out_sent = 0;
	if (nfds > 0)
		memcpy(c->out_fds, fds, nfds * sizeof *fds);
	c->out_nfds = nfds;
	if (c->state != CONN_LISTING)
		c->state = CONN_WRITING;
}

/* An error frame's payload: the code, then the text (no NUL). */
static size_t
error_payload(unsigned char *out, size_t size, enum holder_error code,
    const char *text)
{
	size_t len = strlen(text);

	if (len > size - 4)
		len = size - 4;
	holder_put_u32(out, (uint32_t)code);
	memcpy(out + 4, text, len);
	return 4 + len;
}

void
hold_reply_error(struct hold_conn *c, enum holder_error code, const char *text)
{
	unsigned char payload[HOLDER_PAYLOAD_MAX];
	size_t len = error_payload(payload, sizeof payload, code, text);

	hold_close_all(c->in_fds, &c->in_nfds);
	c->state = CONN_WRITING;
	hold_reply_set(c, HOLDER_ERROR, payload, len, NULL, 0);
	c->close_after_reply = 1;
}

void
hold_reply_u32(struct hold_conn *c, uint32_t v)
{
	unsigned char payload[4];

	holder_put_u32(payload, v);
	hold_reply_set(c, HOLDER_OK, payload, sizeof payload, NULL, 0);
}

void
hold_conn_refuse(int sock, enum holder_error code, const char *text)
{
	unsigned char frame[HOLDER_HEADER_SIZE + HOLDER_PAYLOAD_MAX];
	struct holder_header hdr = { HOLDER_VERSION, HOLDER_ERROR, 0, 0 };
	struct iovec iov;
	struct fdpass_msg msg = { &iov, 1, NULL, 0, 0 };
	size_t len;

	len = error_payload(frame + HOLDER_HEADER_SIZE, HOLDER_PAYLOAD_MAX,
	    code, text);
	hdr.length = (uint32_t)len;
	holder_header_encode(&hdr, frame);
	iov.iov_base = frame;
	iov.iov_len = HOLDER_HEADER_SIZE + len;
	/* A new socket's buffer is empty: one try is enough, and a peer
	   that is gone costs nothing (EPIPE, never SIGPIPE). */
	(void)fdpass_sendmsg(sock, &msg, FDPASS_NONBLOCK);
	hold_close(sock);
}
