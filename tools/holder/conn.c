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
 * trickling one byte at a time cannot keep a slot for ever.  A parked
 * WAIT_READY has its own deadline, the timeout it asked for, and parked
 * connections cannot take the last slots (requests.c); nor can other uids
 * (slot_problem()).
 */
#include "hold.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#if defined(__linux__) && !defined(SIOCOUTQ)
#define SIOCOUTQ TIOCOUTQ	/* as linux/sockios.h defines it */
#endif

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

/*
 * Why a connection of peer uid `uid` gets no slot now, or NULL.  Other
 * uids take at most HOLD_CONNECTIONS_PER_UID_MAX each and leave the last
 * HOLD_CONNECTIONS_OWN_RESERVE to the holder's own uid: an allowed uid
 * cannot lock the owner out.
 */
static const char *
slot_problem(const struct holder *h, uid_t uid)
{
	size_t i, others = 0, same = 0;

	if (uid == geteuid())
		return NULL;
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
		if (h->conns[i].state == CONN_FREE ||
		    h->conns[i].uid == geteuid())
			continue;
		others++;
		if (h->conns[i].uid == uid)
			same++;
	}
	if (same >= HOLD_CONNECTIONS_PER_UID_MAX)
		return "too many connections from this uid";
	if (others >= HOLD_CONNECTIONS_MAX - HOLD_CONNECTIONS_OWN_RESERVE)
		return "too many connections from other uids";
	return NULL;
}

void
hold_conn_admit(struct holder *h, int sock)
{
	struct fdpass_cred cred;
	const char *problem;
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
	if ((problem = slot_problem(h, cred.uid)) != NULL) {
		hold_conn_refuse(sock, HOLDER_E_BUSY, problem);
		return;
	}
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
		if (h->conns[i].state == CONN_FREE) {
			hold_conn_open(h, &h->conns[i], sock);
			h->conns[i].uid = cred.uid;
			return;
		}
}

void
hold_conn_open(struct holder *h, struct hold_conn *c, int sock)
{
	memset(c, 0, sizeof *c);
	c->sock = sock;
	c->drain_sock = -1;
	c->state = CONN_READING;
	hold_conn_deadline(h, c);
	h->conn_count++;
}

void
hold_conn_close(struct holder *h, struct hold_conn *c)
{
	if (c->sock == -1)	/* hidden from poll: drain_woken() */
		c->sock = c->drain_sock;
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
		n = fdpass_recvmsg(c->sock, &msg, FDPASS_NONBLOCK);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hold_conn_close(h, c);
			return 0;
		}
		c->in_nfds += msg.nfds;
		if (msg.flags & FDPASS_CTRUNC) {
			hold_reply_error(c, HOLDER_E_MALFORMED, "more "
			    "descriptors than a frame carries, or the holder is out of "
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
			hold_reply_error(c, HOLDER_E_MALFORMED, "more "
			    "descriptors than the header announced");
			return 0;
		}
	}
	if (c->in_nfds != c->request.nfds) {
		hold_reply_error(c, HOLDER_E_MALFORMED, "fewer descriptors "
		    "than the header announced");
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
		n = fdpass_sendmsg(c->sock, &msg, FDPASS_NONBLOCK);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hold_conn_close(h, c);
			return 0;
		}
		/* The descriptors went with these bytes: the client has its
		   own copies now, or will once it reads them. */
		if (c->out_nfds > 0)
			c->fds_unread = 1;
		hold_close_all(c->out_fds, &c->out_nfds);
		c->out_sent += (size_t)n;
	}
	return 1;
}

/*
 * Whether descriptors this connection sent may still wait in the
 * client's socket, not yet received.  Linux charges each descriptor in
 * flight to the sending user (user->unix_inflight: unix_add_edges() in
 * net/unix/garbage.c) and refuses to send more once that count passes
 * the sender's RLIMIT_NOFILE (too_many_unix_fds() in net/unix/af_unix.c,
 * ETOOMANYREFS): a client that asks and never reads would use up the
 * quota of a holder that is not root.  Closing
 * our end does not give it back; only the client receiving them or
 * closing its own end does.  SIOCOUTQ on an AF_UNIX stream socket is
 * unix_outq_len() in net/unix/af_unix.c, sk_wmem_alloc: the buffers we
 * sent that the client has not yet read to the end.  A buffer's
 * descriptors leave it with its first byte read, so 0 means all
 * received.  The other systems have no such per-user quota.
 */
static int
fds_unread(struct hold_conn *c, int sock)
{
#ifdef __linux__
	int outq;

	if (c->fds_unread && ioctl(sock, SIOCOUTQ, &outq) == 0 && outq > 0)
		return 1;
#else
	(void)sock;
#endif
	c->fds_unread = 0;
	return 0;
}

/*
 * Sets a connection aside, unread, until its client has received the
 * descriptors of the last reply: it gets nothing more meanwhile.  Poll
 * wakes us when the client hangs up, not when it reads, so
 * hold_conn_expire() looks again every HOLD_DRAIN_CHECK_MS until the
 * step's deadline, then every HOLD_DRAIN_IDLE_CHECK_MS.  The connection
 * is not closed while the client keeps the descriptors unread: that
 * would leave them charged to the holder with nothing to bound how many
 * (the client could connect again and again); the slot, counted against
 * the client's uid, is the bound.
 */
static void
drain_start(struct hold_conn *c, int64_t now)
{
	c->state = CONN_DRAINING;
	c->drain_until_ms = c->deadline_ms;
	c->deadline_ms = now + (now < c->drain_until_ms ?
	    HOLD_DRAIN_CHECK_MS : HOLD_DRAIN_IDLE_CHECK_MS);
}

/* A draining connection whose client received everything: read again. */
static void
drain_end(struct hold_conn *c)
{
	c->state = CONN_READING;
	if (c->sock == -1) {
		c->sock = c->drain_sock;
		c->drain_sock = -1;
	}
	c->deadline_ms = c->drain_until_ms;
}

/*
 * Poll woke a draining connection.  A client that closed its end while
 * our reply lay unread in it has set our error (ECONNRESET, POLLERR; the
 * close discards what it had not read, net/unix/af_unix.c
 * unix_release_sock(), a moment after the hangup is seen, so SIOCOUTQ may
 * not be 0 yet): its requests are read as any departed client's.  A client
 * that shut its end down and kept it open still holds them: poll would
 * report that hangup again at once, for ever, so the socket is hidden
 * from it (sock -1) until they are received.
 */
static void
drain_woken(struct hold_conn *c, short revents)
{
	if ((revents & POLLERR) || !fds_unread(c, c->sock)) {
		c->fds_unread = 0;
		drain_end(c);
		return;
	}
	c->drain_sock = c->sock;
	c->sock = -1;
}

/*
 * A parked WAIT_READY connection is readable: the client left or broke
 * the protocol.  Room for a whole frame's descriptors, so that all of
 * them are closed and the client still hears why.
 */
static void
check_parked(struct holder *h, struct hold_conn *c)
{
	unsigned char bytes[HOLDER_HEADER_SIZE];
	struct iovec iov = { bytes, sizeof bytes };
	struct fdpass_msg msg = { &iov, 1, c->in_fds, HOLDER_FRAME_FDS_MAX, 0 };
	ssize_t n;

	if ((n = fdpass_recvmsg(c->sock, &msg, FDPASS_NONBLOCK)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			hold_conn_close(h, c);
		return;
	}
	c->in_nfds = msg.nfds;	/* closed with the reply or the close */
	if (n > 0 || msg.nfds > 0 || (msg.flags & FDPASS_CTRUNC)) {
		hold_reply_error(c, HOLDER_E_MALFORMED, "a request while "
		    "waiting for READY=1");
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
	default:	/* draining: only the hangups poll always reports */
		return 0;
	}
}

void
hold_conn_run(struct holder *h, struct hold_conn *c, short revents)
{
	/* Errors and hangups show in the read or write; POLLERR also
	   tells a client gone from one that keeps our reply unread. */
	if (c->state == CONN_DRAINING)
		drain_woken(c, revents);
	if (c->state == CONN_WAITING_READY)
		check_parked(h, c);
	else if (c->state == CONN_READING && !(revents & POLLERR) &&
	    fds_unread(c, c->sock))
		drain_start(c, hold_now_ms());
	else if (c->state == CONN_READING && read_frame(h, c)) {
		hold_request_dispatch(h, c);
		/* A parked WAIT_READY keeps the deadline it asked for. */
		if (c->state != CONN_WAITING_READY)
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
	if (c->state == CONN_FREE || now < c->deadline_ms)
		return;
	if (c->state == CONN_WAITING_READY) {
		hold_reply_error(c, HOLDER_E_TIMEOUT, "no READY=1 before the "
		    "WAIT_READY timeout");
		hold_conn_deadline(h, c);	/* for the reply */
		return;
	}
	if (c->state == CONN_DRAINING) {
		if (fds_unread(c, c->sock != -1 ? c->sock :
		    c->drain_sock)) {
			c->deadline_ms = now + (now < c->drain_until_ms ?
			    HOLD_DRAIN_CHECK_MS : HOLD_DRAIN_IDLE_CHECK_MS);
			return;
		}
		drain_end(c);
		if (now < c->deadline_ms)
			return;
	} else if (fds_unread(c, c->sock)) {
		/* Kept, not closed, until they are received: drain_start(). */
		drain_start(c, now);
		return;
	}
	hold_conn_close(h, c);
}
