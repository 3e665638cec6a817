/* SPDX-License-Identifier: ISC */
/*
 * The holder's answers to each request (proto.h): STORE, RETRIEVE, LIST,
 * DELETE, INFO and WAIT_READY, once conn.c has read a whole frame.
 */
#include "hold.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "../fdcount.h"

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
		hold_reply_error(c, HOLDER_E_BAD_NAME, text);
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
			hold_reply_error(c, HOLDER_E_ALREADY_HELD, text);
			return;
		}
	}
	held = hold_table_count_named(&h->table, name);
	if (held + c->in_nfds > HOLDER_FRAME_FDS_MAX) {
		snprintf(text, sizeof text, "'%s' would hold more than %d "
		    "descriptors", name, HOLDER_FRAME_FDS_MAX);
		hold_reply_error(c, HOLDER_E_FULL, text);
		return;
	}
	if (h->table.count + c->in_nfds > HOLD_ENTRIES_MAX) {
		snprintf(text, sizeof text, "the holder is full (%d "
		    "descriptors)", HOLD_ENTRIES_MAX);
		hold_reply_error(c, HOLDER_E_FULL, text);
		return;
	}
	for (i = 0; i < c->in_nfds; i++)
		(void)hold_table_add(&h->table, name, c->in_fds[i]);
	c->in_nfds = 0;
	hold_reply_u32(c, (uint32_t)hold_table_count_named(&h->table, name));
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
			hold_close_all(dups, &n);
			hold_reply_error(c, HOLDER_E_RESOURCES, text);
			return;
		}
		n++;
	}
	if (n == 0) {
		snprintf(text, sizeof text, "no descriptor named '%s'", name);
		hold_reply_error(c, HOLDER_E_NOT_FOUND, text);
		return;
	}
	hold_reply_set(c, HOLDER_OK, NULL, 0, dups, n);
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
		hold_reply_error(c, HOLDER_E_NOT_FOUND, text);
		return;
	}
	hold_reply_u32(c, (uint32_t)removed);
}

/* The next LIST frame: an entry, or the closing OK. */
void
hold_list_next(struct holder *h, struct hold_conn *c)
{
	unsigned char payload[HOLDER_PAYLOAD_MAX];
	const struct hold_entry *e;
	size_t name_len;

	if ((e = hold_table_next(&h->table, c->list_after)) == NULL) {
		c->state = CONN_WRITING;
		hold_reply_set(c, HOLDER_OK, NULL, 0, NULL, 0);
		return;
	}
	c->list_after = e->serial;
	name_len = strlen(e->name);
	memcpy(payload, e->name, name_len + 1);
	hold_describe_fd(e->fd, (char *)payload + name_len + 1,
	    sizeof payload - name_len - 1);
	hold_reply_set(c, HOLDER_ENTRY, payload,
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
	hold_reply_set(c, HOLDER_OK, p, HOLDER_INFO_FIXED_SIZE + path_len, NULL, 0);
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

/* Connections parked in WAIT_READY. */
static size_t
parked_count(const struct holder *h)
{
	size_t i, n = 0;

	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
		if (h->conns[i].state == CONN_WAITING_READY)
			n++;
	return n;
}

/*
 * Payload: u32 after, u32 pid, and optionally u32 timeout_ms (0: the
 * default).  The timeout is the parked connection's deadline
 * (hold_conn_expire() answers TIMEOUT); at most HOLD_PARKED_MAX wait at
 * once, so that waiting clients cannot take the slots requests need.
 */
static void
do_wait_ready(struct holder *h, struct hold_conn *c)
{
	const unsigned char *p = c->in + HOLDER_HEADER_SIZE;
	uint32_t timeout_ms = 0;

	if (c->request.length != 8 && c->request.length != 12) {
		hold_reply_error(c, HOLDER_E_MALFORMED, "WAIT_READY takes 8 or "
		    "12 bytes");
		return;
	}
	if (h->notify_sock == -1) {
		hold_reply_error(c, HOLDER_E_NO_NOTIFY, "the holder has no notify "
		    "socket (start it with --notify PATH)");
		return;
	}
	if (parked_count(h) >= HOLD_PARKED_MAX) {
		hold_reply_error(c, HOLDER_E_BUSY, "too many connections "
		    "waiting for READY=1");
		return;
	}
	c->wait_after = holder_get_u32(p);
	c->wait_pid = (pid_t)holder_get_u32(p + 4);
	if (c->request.length == 12)
		timeout_ms = holder_get_u32(p + 8);
	if (timeout_ms == 0)
		timeout_ms = HOLD_WAIT_READY_DEFAULT_MS;
	if (timeout_ms > HOLD_WAIT_READY_MAX_MS)
		timeout_ms = HOLD_WAIT_READY_MAX_MS;
	c->deadline_ms = hold_now_ms() + timeout_ms;
	c->state = CONN_WAITING_READY;
	hold_conn_ready(h, c);
}

void
hold_conn_ready(struct holder *h, struct hold_conn *c)
{
	if (c->state == CONN_WAITING_READY && ready_satisfies(h, c)) {
		hold_reply_u32(c, h->ready_count);
		hold_conn_deadline(h, c);
	}
}

void
hold_request_dispatch(struct holder *h, struct hold_conn *c)
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
		hold_list_next(h, c);
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
	hold_close_all(c->in_fds, &c->in_nfds);
}
