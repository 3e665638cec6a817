/* SPDX-License-Identifier: ISC */
/*
 * One client connection of `fdpass hold`: a non-blocking socket read one
 * frame at a time into a fixed buffer, answered with one reply frame.
 * Nothing here blocks: a client that stops half-way is parked by poll and
 * closed at its deadline, costing others nothing.  Every error is answered
 * with an HOLDER_ERROR reply, after which the connection is closed.
 *
 * The deadline runs from the start of each step (connection accepted, a
 * reply begun, a reply finished), not from the last byte: a client
 * trickling one byte at a time cannot keep a slot for ever.
 */
#include "hold.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
uid_allowed(const struct holder *h, uid_t uid)
{
	size_t i;

	if (uid == geteuid())
		return 1;
	for (i = 0; i < h->allowed_count; i++)
		if (h->allowed_uids[i] == uid)
			return 1;
	return 0;
}

void
hold_conn_admit(struct holder *h, int sock)
{
	struct fdpass_cred cred;
	char text[64];
	size_t i;

	if (h->conn_count == HOLD_CONNECTIONS_MAX) {
		hold_conn_refuse(sock, HOLDER_E_BUSY, "too many connections");
		return;
	}
	/* Every connection, before it can say anything. */
	if (fdpass_peer_cred(sock, &cred) == -1) {
		hold_conn_refuse(sock, HOLDER_E_DENIED, "cannot read the "
		    "peer's credentials");
		return;
	}
	if (!uid_allowed(h, cred.uid)) {
		snprintf(text, sizeof text, "uid %lu is not allowed",
		    (unsigned long)cred.uid);
		hold_conn_refuse(sock, HOLDER_E_DENIED, text);
		return;
	}
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
		if (h->conns[i].state == CONN_FREE) {
			hold_conn_open(h, &h->conns[i], sock);
			return;
		}
}
void
hold_conn_open(struct holder *h, struct hold_conn *c, int sock)
{
	memset(c, 0, sizeof *c);
	c->sock = sock;
	c->state = CONN_READING;
	hold_conn_deadline(h, c);
	h->conn_count++;
}

void
hold_conn_close(struct holder *h, struct hold_conn *c)
{
	hold_close(c->sock);
	hold_close_all(c->in_fds, &c->in_nfds);
	hold_close_all(c->out_fds, &c->out_nfds);
	c->state = CONN_FREE;
	c->sock = -1;
	h->conn_count--;
}

/* Bytes still missing from the frame being read. */
static size_t
frame_missing(const struct hold_conn *c)
{
	if (c->in_len < HOLDER_HEADER_SIZE)
		return HOLDER_HEADER_SIZE - c->in_len;
	return HOLDER_HEADER_SIZE + c->request.length - c->in_len;
}

/* After a read that completed the header: can the frame go on? */
static int
header_ok(struct hold_conn *c)
{
	const char *problem;

	holder_header_decode(c->in, &c->request);
	if ((problem = holder_request_header_problem(&c->request)) != NULL) {
		hold_reply_error(c, HOLDER_E_MALFORMED, problem);
		return 0;
	}
	return 1;
}

/*
 * Reads what has arrived of the current frame, never past its end, so
 * that the descriptors received belong to this frame.  Returns 1 when the
 * frame is complete, 0 when more is to come or the connection is done.
 */
static int
read_frame(struct holder *h, struct hold_conn *c)
{
	struct iovec iov;
	struct fdpass_msg msg;
	size_t had_len;
	ssize_t n;

	while (frame_missing(c) > 0) {
		iov.iov_base = c->in + c->in_len;
		iov.iov_len = frame_missing(c);
		msg = (struct fdpass_msg){ &iov, 1, c->in_fds + c->in_nfds,
		    HOLDER_FRAME_FDS_MAX - c->in_nfds, 0 };
		if ((n = fdpass_recvmsg(c->sock, &msg, FDPASS_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hold_conn_close(h, c);
			return 0;
		}
		c->in_nfds += msg.nfds;
		if (msg.flags & FDPASS_CTRUNC) {
			hold_reply_error(c, HOLDER_E_MALFORMED, "more descriptors "
			    "than a frame carries, or the holder is out of "
			    "descriptors");
			return 0;
		}
		if (n == 0) {	/* the client is gone */
			hold_conn_close(h, c);
			return 0;
		}
		had_len = c->in_len;
		c->in_len += (size_t)n;
		if (had_len < HOLDER_HEADER_SIZE &&
		    c->in_len >= HOLDER_HEADER_SIZE && !header_ok(c))
			return 0;
		if (c->in_len >= HOLDER_HEADER_SIZE &&
		    c->in_nfds > c->request.nfds) {
			hold_reply_error(c, HOLDER_E_MALFORMED, "more descriptors "
			    "than the header announced");
			return 0;
		}
	}
	if (c->in_nfds != c->request.nfds) {
		hold_reply_error(c, HOLDER_E_MALFORMED, "fewer descriptors than the "
		    "header announced");
		return 0;
	}
	return 1;
}

/* Sends what is left of the reply; 1 when all of it went. */
static int
write_reply(struct holder *h, struct hold_conn *c)
{
	struct iovec iov;
	struct fdpass_msg msg;
	ssize_t n;

	while (c->out_sent < c->out_len) {
		iov.iov_base = c->out + c->out_sent;
		iov.iov_len = c->out_len - c->out_sent;
		msg = (struct fdpass_msg){ &iov, 1,
		    c->out_nfds > 0 ? c->out_fds : NULL, c->out_nfds, 0 };
		if ((n = fdpass_sendmsg(c->sock, &msg, FDPASS_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hold_conn_close(h, c);
			return 0;
		}
		/* The descriptors went with these bytes: the client has its
		   own copies now. */
		hold_close_all(c->out_fds, &c->out_nfds);
		c->out_sent += (size_t)n;
	}
	return 1;
}

/* A parked WAIT_READY connection is readable: the client left or broke
   the protocol. */
static void
check_parked(struct holder *h, struct hold_conn *c)
{
	unsigned char byte;
	ssize_t n;
	int fd = -1;

	n = fdpass_recv_with_fd(c->sock, &byte, 1, &fd);
	if (fd != -1)
		hold_close(fd);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0) {
		hold_reply_error(c, HOLDER_E_MALFORMED, "a request while waiting "
		    "for READY=1");
		return;
	}
	hold_conn_close(h, c);
}

short
hold_conn_events(const struct hold_conn *c)
{
	switch (c->state) {
	case CONN_READING:
	case CONN_WAITING_READY:
		return POLLIN;
	case CONN_WRITING:
	case CONN_LISTING:
		return POLLOUT;
	default:
		return 0;
	}
}

void
hold_conn_run(struct holder *h, struct hold_conn *c, short revents)
{
	(void)revents;	/* errors and hangups show in the read or write */
	if (c->state == CONN_WAITING_READY)
		check_parked(h, c);
	else if (c->state == CONN_READING && read_frame(h, c)) {
		hold_request_dispatch(h, c);
		hold_conn_deadline(h, c);	/* for the reply */
	}
	/* One request per turn, so that a busy client cannot starve the
	   others; the rest of a listing waits for POLLOUT. */
	while (c->state == CONN_WRITING || c->state == CONN_LISTING) {
		if (!write_reply(h, c))
			return;
		if (c->close_after_reply) {
			hold_conn_close(h, c);
			return;
		}
		if (c->state == CONN_LISTING) {
			hold_list_next(h, c);
			continue;
		}
		c->state = CONN_READING;
		hold_conn_deadline(h, c);	/* for the next request */
	}
}

void
hold_conn_expire(struct holder *h, struct hold_conn *c, int64_t now)
{
	/* A parked WAIT_READY client is waiting on us, not stalled. */
	if (c->state != CONN_FREE && c->state != CONN_WAITING_READY &&
	    now >= c->deadline_ms)
		hold_conn_close(h, c);
}
