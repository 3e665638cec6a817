/* SPDX-License-Identifier: ISC */
/*
 * systemd's notify protocol on the holder's datagram socket, so that a
 * program written for systemd's fd store (sd_pid_notify_with_fds(3) with
 * "FDSTORE=1") keeps its descriptors in `fdpass hold` unchanged.
 *
 * The semantics follow systemd's service manager (systemd/systemd:
 * src/core/manager.c, manager_dispatch_notify_fd; src/core/service.c,
 * service_notify_message and service_add_fd_store), not its code:
 *
 *   - a message is KEY=VALUE assignments separated by "\n" or "\r", at
 *     most PIPE_BUF (4096) bytes; a longer one, one with a NUL byte before
 *     its last byte, or one whose descriptors did not fit, is dropped
 *     whole, its descriptors closed (src/shared/notify-recv.c);
 *   - of a key given twice, the first assignment counts;
 *   - FDSTOREREMOVE=1 with a valid FDNAME= closes every descriptor of that
 *     name; without one it is ignored.  Either way the message stores
 *     nothing, even with FDSTORE=1;
 *   - otherwise FDSTORE=1 stores every descriptor of the message under
 *     FDNAME=, or "stored" when it is absent or invalid;
 *   - descriptors the message does not store are closed;
 *   - FDSTORE=1 without descriptors does nothing;
 *   - READY=1 is counted, with the message's MAINPID= if any, for
 *     `fdpass exec --wait-ready`.
 *
 * Linux senders may add SCM_CREDENTIALS (libsystemd does when the pid or
 * the uid differs); fdpass_recvmsg() ignores that control message.  The
 * socket is unconnected, so there is no peer to check: access is the
 * socket file's mode, 0600 (docs/holder.md).
 */
#include "hold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one notify message asks for. */
struct notify_message {
	int fdstore, fdstore_remove, ready;
	const char *fdname;	/* the first FDNAME=, NULL if none */
	pid_t mainpid;		/* the first MAINPID=, 0 if none or invalid */
	int mainpid_seen;
};

/* Closes fds[0..n-1] (hold_close_all() for a count not kept). */
static void
close_fds(int *fds, size_t n)
{
	hold_close_all(fds, &n);
}

static pid_t
parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		return 0;
	return (pid_t)v;
}

/*
 * Splits text (NUL-terminated, modified in place) into its assignments:
 * systemd's strv_split_newlines() splits at "\n" and "\r" alike.
 */
static void
parse_message(char *text, struct notify_message *m)
{
	char *line, *next;

	memset(m, 0, sizeof *m);
	for (line = text; line != NULL; line = next) {
		if ((next = strpbrk(line, "\n\r")) != NULL)
			*next++ = '\0';
		if (strcmp(line, "FDSTORE=1") == 0)
			m->fdstore = 1;
		else if (strcmp(line, "FDSTOREREMOVE=1") == 0)
			m->fdstore_remove = 1;
		else if (strcmp(line, "READY=1") == 0)
			m->ready = 1;
		else if (strncmp(line, "FDNAME=", 7) == 0 && m->fdname == NULL)
			m->fdname = line + 7;
		else if (strncmp(line, "MAINPID=", 8) == 0 &&
		    !m->mainpid_seen) {
			m->mainpid = parse_pid(line + 8);
			m->mainpid_seen = 1;
		}
	}
}

static int
fdname_valid(const char *name)
{
	return name != NULL && holder_name_problem(name, strlen(name)) == NULL;
}

static void
store_fds(struct holder *h, const struct notify_message *m, int *fds,
    size_t nfds)
{
	const char *name = "stored";
	size_t i;

	if (m->fdname != NULL && !fdname_valid(m->fdname))
		hold_log("notify: invalid FDNAME=, storing as \"stored\"");
	else if (m->fdname != NULL)
		name = m->fdname;
	for (i = 0; i < nfds; i++) {
		/* The same limits as a STORE request (requests.c), checked
		   first: hold_table_add() closes what does not fit, and
		   close_fds() below must not close it again. */
		if (hold_table_count_named(&h->table, name) >=
		    HOLDER_FRAME_FDS_MAX || h->table.count == HOLD_ENTRIES_MAX) {
			hold_log("notify: the store is full, %zu descriptor(s) "
			    "for \"%s\" closed", nfds - i, name);
			close_fds(fds + i, nfds - i);
			return;
		}
		(void)hold_table_add(&h->table, name, fds[i]);
	}
}

static void
record_ready(struct holder *h, pid_t mainpid)
{
	size_t i;

	h->ready_count++;
	h->ready_mainpid = mainpid;
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
		hold_conn_ready(h, &h->conns[i]);
}

static void
apply_message(struct holder *h, char *text, int *fds, size_t nfds)
{
	struct notify_message m;

	parse_message(text, &m);
	/* As systemd: a removal, or else a store, never both. */
	if (m.fdstore_remove) {
		if (fdname_valid(m.fdname))
			(void)hold_table_remove(&h->table, m.fdname);
		else
			hold_log("notify: FDSTOREREMOVE=1 without a valid "
			    "FDNAME=, ignored");
	}
	if (m.fdstore && !m.fdstore_remove && nfds > 0)
		store_fds(h, &m, fds, nfds);
	else
		close_fds(fds, nfds);
	if (m.ready)
		record_ready(h, m.mainpid);
}

/* Reads and applies one datagram; 0 when none was waiting. */
static int
notify_read_one(struct holder *h)
{
	struct iovec iov = { h->notify_buf, HOLD_NOTIFY_MAX };
	struct fdpass_msg msg = { &iov, 1, h->notify_fds, h->notify_fds_max,
	    0 };
	ssize_t n;

	if ((n = fdpass_recvmsg(h->notify_sock, &msg, FDPASS_NONBLOCK)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		hold_log("notify: receive: %s", strerror(errno));
		return 1;
	}
	if (msg.flags & FDPASS_CTRUNC) {
		hold_log("notify: message dropped, its descriptors did not "
		    "fit (closed)");
		return 1;
	}
	if (msg.flags & FDPASS_TRUNC) {
		hold_log("notify: message longer than %d bytes dropped",
		    HOLD_NOTIFY_MAX);
		close_fds(h->notify_fds, msg.nfds);
		return 1;
	}
	/* One trailing NUL is the sender's C string terminator, which
	   systemd takes too; one before it would hide the rest. */
	if (n > 1 && memchr(h->notify_buf, '\0', (size_t)n - 1) != NULL) {
		hold_log("notify: message with a NUL byte inside dropped");
		close_fds(h->notify_fds, msg.nfds);
		return 1;
	}
	h->notify_buf[n] = '\0';
	apply_message(h, (char *)h->notify_buf, h->notify_fds, msg.nfds);
	return 1;
}

void
hold_notify_run(struct holder *h)
{
	int i;

	/* A few per turn: a flood of datagrams must not starve clients. */
	for (i = 0; i < 16; i++)
		if (!notify_read_one(h))
			break;
}
