/* SPDX-License-Identifier: ISC */
/*
 * The inside of `fdpass hold`, one room per concern; each calls only the
 * rooms below it in this list, never one above:
 *
 *   server.c    sockets, signals, the poll loop, shutdown
 *   notify.c    systemd's notify protocol on the datagram socket
 *   conn.c      one client connection: admit it, read frames, send replies
 *   requests.c  the answer to each request
 *   reply.c     reply frames and the connection's deadline
 *   table.c     the named descriptors: add, find, remove, describe
 *   closer.c    closing descriptors that came from outside
 *   base.c      limits, clock, log
 *
 * Everything is allocated once at start-up: a holder serving clients for
 * months keeps the same memory and descriptor footprint.
 */
#ifndef FDPASS_HOLD_H
#define FDPASS_HOLD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "proto.h"

/* Who put an entry there, which decides who may take it away. */
enum hold_origin {
	HOLD_FROM_CLIENT = 1,	/* a STORE request: `fdpass store` */
	HOLD_FROM_NOTIFY = 2	/* FDSTORE=1: the service's fd store */
};
/* Every origin, for hold_table_remove(). */
#define HOLD_FROM_ANY	(HOLD_FROM_CLIENT | HOLD_FROM_NOTIFY)
/* Any owner, for hold_table_remove(). */
#define HOLD_ANY_OWNER	((uid_t)-1)

struct hold_entry {
	uint64_t serial;	/* increasing: the order of storing */
	int fd;
	enum hold_origin origin;
	uid_t owner;		/* the storing peer's uid */
	char name[HOLDER_NAME_MAX + 1];
};

/* --allow-retrieve USER:NAME */
struct hold_retrieve_rule {
	uid_t uid;
	const char *name;	/* valid while the holder runs (argv) */
};

struct hold_table {
	struct hold_entry *entries;	/* HOLD_ENTRIES_MAX, in serial order */
	size_t count;
	uint64_t next_serial;
};

enum hold_conn_state {
	CONN_FREE,		/* slot unused */
	CONN_READING,		/* reading a request frame */
	CONN_WRITING,		/* sending a reply */
	CONN_LISTING,		/* sending LIST entries, one per write */
	CONN_WAITING_READY,	/* parked until READY=1 or its deadline */
	CONN_DRAINING		/* not read until the client has received
				   the descriptors of the last reply */
};

struct hold_conn {
	enum hold_conn_state state;
	int sock;
	uid_t uid;		/* the peer's, read at admission */
	int64_t deadline_ms;	/* closed when no progress by then; parked:
				   the WAIT_READY timeout; draining: the
				   next look at the socket */
	int64_t drain_until_ms;	/* draining: the step's own deadline */
	int drain_sock;		/* draining after a hangup: the socket,
				   kept out of poll's sight (sock is -1) */
	int close_after_reply;	/* an error reply ends the connection */
	int fds_unread;		/* descriptors sent, maybe not received */

	unsigned char in[HOLDER_HEADER_SIZE + HOLDER_PAYLOAD_MAX];
	size_t in_len;
	struct holder_header request;	/* valid once in_len >= 8 */
	int in_fds[HOLDER_FRAME_FDS_MAX];
	size_t in_nfds;

	unsigned char out[HOLDER_HEADER_SIZE + HOLDER_PAYLOAD_MAX];
	size_t out_len, out_sent;
	int out_fds[HOLDER_FRAME_FDS_MAX];	/* duplicates, ours to close */
	size_t out_nfds;

	uint64_t list_after;	/* LIST: serial of the last entry sent */
	uint32_t wait_after;	/* WAIT_READY: ready count to exceed */
	pid_t wait_pid;		/* WAIT_READY: MAINPID wanted, 0: any */
	uint32_t wait_stopping;	/* WAIT_READY: STOPPING=1 count at request */
};

struct holder {
	int listen_sock;
	int notify_sock;		/* -1 without --notify */
	const char *socket_path;
	char notify_path[HOLDER_PAYLOAD_MAX];	/* absolute; "" without */
	/* Admitted (conn.c): --allow-uid, and the --allow-retrieve users. */
	uid_t allowed_uids[HOLD_ALLOWED_UIDS_MAX + HOLD_RETRIEVE_RULES_MAX];
	size_t allowed_count;
	/* --allow-uid alone: may also store, and own entries. */
	uid_t owner_uids[HOLD_ALLOWED_UIDS_MAX];
	size_t owner_count;
	struct hold_retrieve_rule retrieve_rules[HOLD_RETRIEVE_RULES_MAX];
	size_t retrieve_rule_count;
	int client_timeout_ms;

	struct hold_table table;
	struct hold_conn *conns;	/* HOLD_CONNECTIONS_MAX */
	size_t conn_count;

	uint32_t ready_count;
	pid_t ready_mainpid;	/* MAINPID=, else the sender (0: unknown) */
	/* STOPPING=1 messages, which win over a READY=1 beside them. */
	uint32_t stopping_count;
	pid_t stopping_mainpid;	/* the same for STOPPING=1 */

	unsigned char *notify_buf;	/* HOLD_NOTIFY_MAX + 1 */
	int *notify_fds;		/* fdpass_max_fds() */
	size_t notify_fds_max;
};

/* closer.c */
/* Starts the thread that closes; capacity: numbers it can queue. */
int hold_closer_start(size_t capacity);
/* Closes fd in those threads, waiting for it 20 ms at most (-1: none). */
void hold_close(int fd);
/* hold_close() on each of fds[0..*n-1]; sets *n to 0. */
void hold_close_all(int *fds, size_t *n);
/*
 * At exit: lets the threads close what is queued, for at most wait_ms.
 * Returns how many descriptors are still closing (0: the thread ended).
 */
size_t hold_closer_stop(int wait_ms);

/* table.c */
int hold_table_init(struct hold_table *t);
void hold_table_free(struct hold_table *t);
/*
 * Takes ownership of fd and stores it under name.  Returns 1 when stored,
 * 0 when the very same open file is already held (fd closed, as systemd
 * does), -1 when the table is full (fd closed).
 */
int hold_table_add(struct hold_table *t, const char *name, int fd,
    enum hold_origin origin, uid_t owner);
/* The entry holding the same open file as fd (see same_file()), or NULL. */
const struct hold_entry *hold_table_find_same(const struct hold_table *t,
    int fd);
/* How many entries are named name. */
size_t hold_table_count_named(const struct hold_table *t, const char *name);
/*
 * Closes and removes the entries named name stored with one of the
 * origins (a mask) by owner (HOLD_ANY_OWNER: anyone); returns how many.
 */
size_t hold_table_remove(struct hold_table *t, const char *name,
    unsigned origins, uid_t owner);
/*
 * Whether fd is a connected socket whose other end is the holder itself
 * (a client end of its own control socket): held, that connection would
 * never see EOF.  socket_path: the control socket as bound.
 */
int hold_fd_peer_is_holder(int fd, const char *socket_path);
/* The first entry after serial `after` (0: the first), or NULL. */
const struct hold_entry *hold_table_next(const struct hold_table *t,
    uint64_t after);
/* What fd is, for LIST: "tcp listener 127.0.0.1:8080", "pipe", ... */
void hold_describe_fd(int fd, char *out, size_t size);

/* reply.c */
/* Starts the connection's deadline for its next step. */
void hold_conn_deadline(const struct holder *h, struct hold_conn *c);
/* Puts one frame in c->out; the descriptors (ours) go with it. */
void hold_reply_set(struct hold_conn *c, int code, const void *payload,
    size_t len, const int *fds, size_t nfds);
/* An error reply, after which the connection is closed. */
void hold_reply_error(struct hold_conn *c, enum holder_error code,
    const char *text);
void hold_reply_u32(struct hold_conn *c, uint32_t v);
/* Sends one error reply and closes, for a connection never admitted. */
void hold_conn_refuse(int sock, enum holder_error code, const char *text);

/* requests.c */
/* Answers the complete request frame in c->in. */
void hold_request_dispatch(struct holder *h, struct hold_conn *c);
/* The next LIST frame: an entry, or the closing OK. */
void hold_list_next(struct holder *h, struct hold_conn *c);
/* Answers a parked WAIT_READY connection after a READY=1. */
void hold_conn_ready(struct holder *h, struct hold_conn *c);

/* conn.c */
/* A new connection: refused with a reason, or given a free slot. */
void hold_conn_admit(struct holder *h, int sock);
void hold_conn_open(struct holder *h, struct hold_conn *c, int sock);
/* Poll events the connection waits for (0: none, e.g. parked). */
short hold_conn_events(const struct hold_conn *c);
/* Runs the connection after poll reported revents. */
void hold_conn_run(struct holder *h, struct hold_conn *c, short revents);
/* A connection past its deadline. */
void hold_conn_expire(struct holder *h, struct hold_conn *c, int64_t now);
void hold_conn_close(struct holder *h, struct hold_conn *c);

/* notify.c */
/* Prepares the bound notify socket (Linux: sender credentials). */
int hold_notify_open(struct holder *h);
/* Reads and applies waiting notify datagrams, at most a few per call. */
void hold_notify_run(struct holder *h);

#endif
