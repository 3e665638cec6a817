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

/*
 * Who may do what (docs/holder.md, "Access control"), after the model of
 * s6-fdholderd's per-uid rules: the holder's own uid may do everything;
 * an --allow-uid peer owns what it stores, and retrieves and deletes only
 * that; an --allow-retrieve USER:NAME rule lets USER retrieve every entry
 * named NAME besides.  LIST shows what the peer may retrieve; what it may
 * not does not exist for it (NOT_FOUND), so that RETRIEVE and DELETE
 * agree with LIST.
 */

static int
is_holder_uid(uid_t uid)
{
	return uid == geteuid();
}

static int
may_store(const struct holder *h, uid_t uid)
{
	size_t i;

	if (is_holder_uid(uid))
		return 1;
	for (i = 0; i < h->owner_count; i++)
		if (h->owner_uids[i] == uid)
			return 1;
	return 0;
}

/* Whether uid may delete e, and store under its name. */
static int
may_manage(uid_t uid, const struct hold_entry *e)
{
	return is_holder_uid(uid) || e->owner == uid;
}

static int
may_retrieve(const struct holder *h, uid_t uid, const struct hold_entry *e)
{
	size_t i;

	if (may_manage(uid, e))
		return 1;
	for (i = 0; i < h->retrieve_rule_count; i++)
		if (h->retrieve_rules[i].uid == uid &&
		    strcmp(h->retrieve_rules[i].name, e->name) == 0)
			return 1;
	return 0;
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
		hold_reply_error(c, HOLDER_E_BAD_NAME, text);
		return -1;
	}
	memcpy(name, payload, c->request.length);
	name[c->request.length] = '\0';
	return 0;
}

/*
 * Whether the name may take uid's descriptors: a peer other than the
 * holder's uid stores only under a name that holds nothing of others.
 */
static int
store_name_ok(struct holder *h, struct hold_conn *c, uid_t uid,
    const char *name)
{
	char text[HOLDER_NAME_MAX + 64];
	size_t i;

	if (!may_store(h, uid)) {
		snprintf(text, sizeof text, "uid %lu may only retrieve",
		    (unsigned long)uid);
		hold_reply_error(c, HOLDER_E_DENIED, text);
		return 0;
	}
	for (i = 0; i < h->table.count; i++) {
		const struct hold_entry *e = &h->table.entries[i];

		if (strcmp(e->name, name) == 0 && !may_manage(uid, e)) {
			snprintf(text, sizeof text, "'%s' holds another "
			    "user's descriptors", name);
			hold_reply_error(c, HOLDER_E_DENIED, text);
			return 0;
		}
	}
	return 1;
}

/*
 * Whether each descriptor may be stored under name: none is held under
 * another name, and none is a client end of the holder's own socket.
 */
static int
store_fds_ok(struct holder *h, struct hold_conn *c, uid_t uid,
    const char *name)
{
	char text[HOLDER_NAME_MAX + 64];
	const struct hold_entry *e;
	size_t i;

	for (i = 0; i < c->in_nfds; i++) {
		if (hold_fd_peer_is_holder(c->in_fds[i], h->socket_path)) {
			hold_reply_error(c, HOLDER_E_DENIED, "a connection "
			    "to the holder itself cannot be held");
			return 0;
		}
		/* systemd keeps a descriptor once, under its first name;
		   here a request to give it a second name is refused
		   rather than ignored, so that `fdpass store` cannot
		   report a success that stored nothing.  The name is told
		   only to whoever may see it. */
		e = hold_table_find_same(&h->table, c->in_fds[i]);
		if (e != NULL && strcmp(e->name, name) != 0) {
			if (may_manage(uid, e))
				snprintf(text, sizeof text, "this descriptor "
				    "is already held as '%s'", e->name);
			else
				snprintf(text, sizeof text, "this descriptor "
				    "is already held under another name");
			hold_reply_error(c, HOLDER_E_ALREADY_HELD, text);
			return 0;
		}
	}
	return 1;
}

/*
 * STORE: all of the frame's descriptors or none.  Each name holds at most
 * one frame's worth, so that RETRIEVE answers in one frame.
 */
static void
do_store(struct holder *h, struct hold_conn *c)
{
	char name[HOLDER_NAME_MAX + 1], text[HOLDER_NAME_MAX + 64];
	uid_t uid = c->uid;
	size_t i, held;

	if (request_name(c, name) == -1 || !store_name_ok(h, c, uid, name) ||
	    !store_fds_ok(h, c, uid, name))
		return;
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
		(void)hold_table_add(&h->table, name, c->in_fds[i],
		    HOLD_FROM_CLIENT, uid);
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
	uid_t uid = c->uid;
	size_t i, n = 0;

	if (request_name(c, name) == -1)
		return;
	for (i = 0; i < h->table.count && n < HOLDER_FRAME_FDS_MAX; i++) {
		if (strcmp(h->table.entries[i].name, name) != 0 ||
		    !may_retrieve(h, uid, &h->table.entries[i]))
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

/* Whether uid may retrieve any entry named name. */
static int
visible(const struct holder *h, uid_t uid, const char *name)
{
	size_t i;

	for (i = 0; i < h->table.count; i++)
		if (strcmp(h->table.entries[i].name, name) == 0 &&
		    may_retrieve(h, uid, &h->table.entries[i]))
			return 1;
	return 0;
}

static void
do_delete(struct holder *h, struct hold_conn *c)
{
	char name[HOLDER_NAME_MAX + 1], text[HOLDER_NAME_MAX + 64];
	uid_t uid = c->uid;
	size_t removed;

	if (request_name(c, name) == -1)
		return;
	/* Both origins: `fdpass delete` is the operator's, and reaches what
	   the service stored too. */
	if ((removed = hold_table_remove(&h->table, name, HOLD_FROM_ANY,
	    is_holder_uid(uid) ? HOLD_ANY_OWNER : uid)) > 0) {
		hold_reply_u32(c, (uint32_t)removed);
		return;
	}
	if (visible(h, uid, name)) {
		snprintf(text, sizeof text, "uid %lu may retrieve '%s' but "
		    "not delete it", (unsigned long)uid, name);
		hold_reply_error(c, HOLDER_E_DENIED, text);
		return;
	}
	snprintf(text, sizeof text, "no descriptor named '%s'", name);
	hold_reply_error(c, HOLDER_E_NOT_FOUND, text);
}

/* The next LIST frame: an entry, or the closing OK. */
void
hold_list_next(struct holder *h, struct hold_conn *c)
{
	unsigned char payload[HOLDER_PAYLOAD_MAX];
	const struct hold_entry *e;
	uid_t uid = c->uid;
	size_t name_len;

	/* What the peer may retrieve: what `fdpass exec` could pass it. */
	while ((e = hold_table_next(&h->table, c->list_after)) != NULL &&
	    !may_retrieve(h, uid, e))
		c->list_after = e->serial;
	if (e == NULL) {
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
	hold_reply_set(c, HOLDER_OK, p, HOLDER_INFO_FIXED_SIZE + path_len,
	    NULL, 0);
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

/*
 * Whether a STOPPING=1 answers c's WAIT_READY: one that came after the
 * request, or any time from the very pid awaited (a pid names one
 * process, and its STOPPING=1 may beat the request to the holder).
 */
static int
stopping_seen(const struct holder *h, const struct hold_conn *c)
{
	if (c->wait_pid != 0 && h->stopping_mainpid == c->wait_pid)
		return 1;
	if (h->stopping_count <= c->wait_stopping)
		return 0;
	return c->wait_pid == 0 || h->stopping_mainpid == 0 ||
	    h->stopping_mainpid == c->wait_pid;
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
		hold_reply_error(c, HOLDER_E_NO_NOTIFY, "the holder has no "
		    "notify socket (start it with --notify PATH)");
		return;
	}
	if (parked_count(h) >= HOLD_PARKED_MAX) {
		hold_reply_error(c, HOLDER_E_BUSY, "too many connections "
		    "waiting for READY=1");
		return;
	}
	c->wait_after = holder_get_u32(p);
	c->wait_pid = (pid_t)holder_get_u32(p + 4);
	c->wait_stopping = h->stopping_count;
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
	if (c->state != CONN_WAITING_READY)
		return;
	/* STOPPING=1 wins, as a stopping service never becomes ready. */
	if (stopping_seen(h, c))
		hold_reply_error(c, HOLDER_E_STOPPING, "the service sent "
		    "STOPPING=1 before READY=1");
	else if (ready_satisfies(h, c))
		hold_reply_u32(c, h->ready_count);
	else
		return;
	hold_conn_deadline(h, c);
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
