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
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "fdcount.h"

static void
close_fds(int *fds, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		close(fds[i]);
	*n = 0;
}

static void
start_deadline(const struct holder *h, struct hold_conn *c)
{
	c->deadline_ms = hold_now_ms() + h->client_timeout_ms;
}

void
hold_conn_open(struct holder *h, struct hold_conn *c, int sock)
{
	memset(c, 0, sizeof *c);
	c->sock = sock;
	c->state = CONN_READING;
	start_deadline(h, c);
	h->conn_count++;
}

void
hold_conn_close(struct holder *h, struct hold_conn *c)
{
	close(c->sock);
	close_fds(c->in_fds, &c->in_nfds);
	close_fds(c->out_fds, &c->out_nfds);
	c->state = CONN_FREE;
	c->sock = -1;
	h->conn_count--;
}

/* Puts one frame in c->out; the descriptors (ours) go with it. */
static void
set_reply(struct hold_conn *c, int code, const void *payload, size_t len,
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

static void
reply_error(struct hold_conn *c, enum holder_error code, const char *text)
{
	unsigned char payload[HOLDER_PAYLOAD_MAX];
	size_t len = error_payload(payload, sizeof payload, code, text);

	close_fds(c->in_fds, &c->in_nfds);
	c->state = CONN_WRITING;
	set_reply(c, HOLDER_ERROR, payload, len, NULL, 0);
	c->close_after_reply = 1;
}

static void
reply_u32(struct hold_conn *c, uint32_t v)
{
	unsigned char payload[4];

	holder_put_u32(payload, v);
	set_reply(c, HOLDER_OK, payload, sizeof payload, NULL, 0);
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
	close(sock);
}

/* The request's name, checked, into name[HOLDER_NAME_MAX + 1]. */
static int
request_name(struct hold_conn *c, char *name)
{
	const char *payload = (const char *)c->in + HOLDER_HEADER_SIZE;
	const char *problem;
	char text[128];

	if ((problem = holder_name_problem(payload,
	    c->request.length)) != NULL) {
		snprintf(text, sizeof text, "bad name: %s", problem);
		reply_error(c, HOLDER_E_BAD_NAME, text);
		return -1;
	}
	memcpy(name, payload, c->request.length);
	name[c->request.length] = '\0';
	return 0;
}

/*
 * STORE: all of the frame's descriptors or none.  Each name holds at most
 * one frame's worth, so that RETRIEVE answers in one frame.
 */
static void
do_store(struct holder *h, struct hold_conn *c)
{
	char name[HOLDER_NAME_MAX + 1], text[HOLDER_NAME_MAX + 64];
	size_t i, held;

	if (request_name(c, name) == -1)
		return;
	/* systemd keeps a socket once, under its first name; here a request
	   to give it a second name is refused rather than ignored, so that
	   `fdpass store` cannot report a success that stored nothing. */
	for (i = 0; i < c->in_nfds; i++) {
		const struct hold_entry *e;

		e = hold_table_find_socket(&h->table, c->in_fds[i]);
		if (e != NULL && strcmp(e->name, name) != 0) {
			snprintf(text, sizeof text, "this socket is already "
			    "held as '%s'", e->name);
			reply_error(c, HOLDER_E_ALREADY_HELD, text);
			return;
		}
	}
	held = hold_table_count_named(&h->table, name);
	if (held + c->in_nfds > HOLDER_FRAME_FDS_MAX) {
		snprintf(text, sizeof text, "'%s' would hold more than %d "
		    "descriptors", name, HOLDER_FRAME_FDS_MAX);
		reply_error(c, HOLDER_E_FULL, text);
		return;
	}
	if (h->table.count + c->in_nfds > HOLD_ENTRIES_MAX) {
		snprintf(text, sizeof text, "the holder is full (%d "
		    "descriptors)", HOLD_ENTRIES_MAX);
		reply_error(c, HOLDER_E_FULL, text);
		return;
	}
	for (i = 0; i < c->in_nfds; i++)
		(void)hold_table_add(&h->table, name, c->in_fds[i]);
	c->in_nfds = 0;
	reply_u32(c, (uint32_t)hold_table_count_named(&h->table, name));
}

/*
 * RETRIEVE: duplicates of every descriptor under the name, in the order
 * stored.  Duplicates, because the entry may be deleted before a slow
 * client has read them.
 */
static void
do_retrieve(struct holder *h, struct hold_conn *c)
{
	char name[HOLDER_NAME_MAX + 1], text[HOLDER_NAME_MAX + 64];
	int dups[HOLDER_FRAME_FDS_MAX];
	size_t i, n = 0;

	if (request_name(c, name) == -1)
		return;
	for (i = 0; i < h->table.count && n < HOLDER_FRAME_FDS_MAX; i++) {
		if (strcmp(h->table.entries[i].name, name) != 0)
			continue;
		if ((dups[n] = fcntl(h->table.entries[i].fd, F_DUPFD_CLOEXEC,
		    0)) == -1) {
			snprintf(text, sizeof text, "cannot duplicate a "
			    "descriptor: %s", strerror(errno));
			close_fds(dups, &n);
			reply_error(c, HOLDER_E_RESOURCES, text);
			return;
		}
		n++;
	}
	if (n == 0) {
		snprintf(text, sizeof text, "no descriptor named '%s'", name);
		reply_error(c, HOLDER_E_NOT_FOUND, text);
		return;
	}
	set_reply(c, HOLDER_OK, NULL, 0, dups, n);
}

static void
do_delete(struct holder *h, struct hold_conn *c)
{
	char name[HOLDER_NAME_MAX + 1], text[HOLDER_NAME_MAX + 64];
	size_t removed;

	if (request_name(c, name) == -1)
		return;
	if ((removed = hold_table_remove(&h->table, name)) == 0) {
		snprintf(text, sizeof text, "no descriptor named '%s'", name);
		reply_error(c, HOLDER_E_NOT_FOUND, text);
		return;
	}
	reply_u32(c, (uint32_t)removed);
}

/* The next LIST frame: an entry, or the closing OK. */
static void
list_next(struct holder *h, struct hold_conn *c)
{
	unsigned char payload[HOLDER_PAYLOAD_MAX];
	const struct hold_entry *e;
	size_t name_len;

	if ((e = hold_table_next(&h->table, c->list_after)) == NULL) {
		c->state = CONN_WRITING;
		set_reply(c, HOLDER_OK, NULL, 0, NULL, 0);
		return;
	}
	c->list_after = e->serial;
	name_len = strlen(e->name);
	memcpy(payload, e->name, name_len + 1);
	hold_describe_fd(e->fd, (char *)payload + name_len + 1,
	    sizeof payload - name_len - 1);
	set_reply(c, HOLDER_ENTRY, payload,
	    name_len + 1 + strlen((char *)payload + name_len + 1), NULL, 0);
}

static uint32_t
open_fd_count(void)
{
	size_t n;

	return fdcount(&n) == -1 ? UINT32_MAX : (uint32_t)n;
}

static uint32_t
peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
#ifdef __APPLE__
	return (uint32_t)(ru.ru_maxrss / 1024);	/* bytes there */
#else
	return (uint32_t)ru.ru_maxrss;
#endif
}

static void
do_info(struct holder *h, struct hold_conn *c)
{
	unsigned char p[HOLDER_PAYLOAD_MAX];
	size_t path_len = strlen(h->notify_path);

	holder_put_u32(p, (uint32_t)getpid());
	holder_put_u32(p + 4, h->ready_count);
	holder_put_u32(p + 8, (uint32_t)h->ready_mainpid);
	holder_put_u32(p + 12, (uint32_t)h->table.count);
	holder_put_u32(p + 16, (uint32_t)h->conn_count);
	holder_put_u32(p + 20, open_fd_count());
	holder_put_u32(p + 24, peak_rss_kb());
	memcpy(p + HOLDER_INFO_FIXED_SIZE, h->notify_path, path_len);
	set_reply(c, HOLDER_OK, p, HOLDER_INFO_FIXED_SIZE + path_len, NULL, 0);
}

/* Whether the READY=1 seen so far answer c's WAIT_READY. */
static int
ready_satisfies(const struct holder *h, const struct hold_conn *c)
{
	if (h->ready_count <= c->wait_after)
		return 0;
	/* A READY=1 that names another main pid is someone else's. */
	return c->wait_pid == 0 || h->ready_mainpid == 0 ||
	    h->ready_mainpid == c->wait_pid;
}

static void
do_wait_ready(struct holder *h, struct hold_conn *c)
{
	const unsigned char *p = c->in + HOLDER_HEADER_SIZE;

	if (c->request.length != 8) {
		reply_error(c, HOLDER_E_MALFORMED, "WAIT_READY takes 8 bytes");
		return;
	}
	if (h->notify_sock == -1) {
		reply_error(c, HOLDER_E_NO_NOTIFY, "the holder has no notify "
		    "socket (start it with --notify PATH)");
		return;
	}
	c->wait_after = holder_get_u32(p);
	c->wait_pid = (pid_t)holder_get_u32(p + 4);
	c->state = CONN_WAITING_READY;
	hold_conn_ready(h, c);
}

void
hold_conn_ready(struct holder *h, struct hold_conn *c)
{
	if (c->state == CONN_WAITING_READY && ready_satisfies(h, c)) {
		reply_u32(c, h->ready_count);
		start_deadline(h, c);
	}
}

static void
dispatch(struct holder *h, struct hold_conn *c)
{
	c->in_len = 0;
	switch (c->request.code) {
	case HOLDER_STORE:
		do_store(h, c);
		break;
	case HOLDER_RETRIEVE:
		do_retrieve(h, c);
		break;
	case HOLDER_LIST:
		c->state = CONN_LISTING;
		c->list_after = 0;
		list_next(h, c);
		break;
	case HOLDER_DELETE:
		do_delete(h, c);
		break;
	case HOLDER_INFO:
		do_info(h, c);
		break;
	case HOLDER_WAIT_READY:
		do_wait_ready(h, c);
		break;
	}
	/* Whatever was not stored was not wanted. */
	close_fds(c->in_fds, &c->in_nfds);
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
		reply_error(c, HOLDER_E_MALFORMED, problem);
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
			reply_error(c, HOLDER_E_MALFORMED, "more descriptors "
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
			reply_error(c, HOLDER_E_MALFORMED, "more descriptors "
			    "than the header announced");
			return 0;
		}
	}
	if (c->in_nfds != c->request.nfds) {
		reply_error(c, HOLDER_E_MALFORMED, "fewer descriptors than the "
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
		close_fds(c->out_fds, &c->out_nfds);
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
		close(fd);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0) {
		reply_error(c, HOLDER_E_MALFORMED, "a request while waiting "
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
		dispatch(h, c);
		start_deadline(h, c);	/* for the reply */
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
			list_next(h, c);
			continue;
		}
		c->state = CONN_READING;
		start_deadline(h, c);	/* for the next request */
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
