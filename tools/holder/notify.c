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
 *     name that a notify message stored (systemd's fd store never holds
 *     its socket units' descriptors; here `fdpass store` is the socket
 *     unit); without one it is ignored.  Either way the message stores
 *     nothing, even with FDSTORE=1;
 *   - otherwise FDSTORE=1 stores every descriptor of the message under
 *     FDNAME=, or "stored" when it is absent or invalid;
 *   - descriptors the message does not store are closed;
 *   - FDSTORE=1 without descriptors does nothing;
 *   - READY=1 is counted, with the message's MAINPID= or else the
 *     sender's pid, for `fdpass exec --wait-ready`; STOPPING=1 is
 *     counted instead when both are given (service_notify_message()
 *     handles STOPPING=1 first and a stopping service never becomes
 *     ready).
 *
 * The sender: on Linux the kernel tells each datagram's uid and pid
 * (SO_PASSCRED, SCM_CREDENTIALS, as manager_dispatch_notify_fd() reads
 * them); a datagram from a uid other than the holder's, root's or an
 * --allow-uid one is dropped.  Elsewhere the socket file's mode (0600) is
 * the only guard and every sender counts as the holder's uid
 * (docs/holder.md).
 */
#include "hold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/* Who sent a datagram. */
struct notify_sender {
	uid_t uid;
	pid_t pid;		/* 0: unknown */
};

/* What one notify message asks for. */
struct notify_message {
	int fdstore, fdstore_remove, ready, stopping;
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
		else if (strcmp(line, "STOPPING=1") == 0)
			m->stopping = 1;
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
store_fds(struct holder *h, const struct notify_message *m,
    const struct notify_sender *from, int *fds, size_t nfds)
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
		    HOLDER_FRAME_FDS_MAX ||
		    h->table.count == HOLD_ENTRIES_MAX) {
			hold_log("notify: the store is full, %zu descriptor(s) "
			    "for \"%s\" closed", nfds - i, name);
			close_fds(fds + i, nfds - i);
			return;
		}
		if (hold_fd_peer_is_holder(fds[i], h->socket_path)) {
			hold_log("notify: a connection to the holder itself "
			    "cannot be held (closed)");
			close_fds(fds + i, 1);
			continue;
		}
		(void)hold_table_add(&h->table, name, fds[i],
		    HOLD_FROM_NOTIFY, from->uid);
	}
}

static void
wake_waiters(struct holder *h)
{
	size_t i;

	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
		hold_conn_ready(h, &h->conns[i]);
}

/* The pid a READY=1 or STOPPING=1 speaks for: MAINPID=, or the sender. */
static pid_t
main_pid(const struct notify_message *m, const struct notify_sender *from)
{
	return m->mainpid != 0 ? m->mainpid : from->pid;
}

/* Whether the sender may reach every fd-store entry. */
static int
sender_is_holder(const struct notify_sender *from)
{
	return from->uid == geteuid() || from->uid == 0;
}

static void
apply_message(struct holder *h, const struct notify_sender *from,
    char *text, int *fds, size_t nfds)
{
	struct notify_message m;

	parse_message(text, &m);
	/* As systemd: a removal, or else a store, never both.  Only what
	   the fd store holds: what a client stored is the operator's. */
	if (m.fdstore_remove) {
		if (fdname_valid(m.fdname))
			(void)hold_table_remove(&h->table, m.fdname,
			    HOLD_FROM_NOTIFY, sender_is_holder(from) ?
			    HOLD_ANY_OWNER : from->uid);
		else
			hold_log("notify: FDSTOREREMOVE=1 without a valid "
			    "FDNAME=, ignored");
	}
	if (m.fdstore && !m.fdstore_remove && nfds > 0)
		store_fds(h, &m, from, fds, nfds);
	else
		close_fds(fds, nfds);
	if (m.stopping) {
		h->stopping_count++;
		h->stopping_mainpid = main_pid(&m, from);
		wake_waiters(h);
	} else if (m.ready) {
		h->ready_count++;
		h->ready_mainpid = main_pid(&m, from);
		wake_waiters(h);
	}
}

/* Whether a datagram from uid is taken: the holder's, root's, allowed. */
static int
sender_allowed(const struct holder *h, uid_t uid)
{
	size_t i;

	if (uid == geteuid() || uid == 0)
		return 1;
	for (i = 0; i < h->owner_count; i++)
		if (h->owner_uids[i] == uid)
			return 1;
	return 0;
}

#ifdef __linux__
/*
 * Linux attaches a unix datagram's credentials when the receiving socket
 * asked for them (SO_PASSCRED) at the time of sending
 * (net/unix/af_unix.c, unix_maybe_add_creds): called right after bind().
 */
int
hold_notify_open(struct holder *h)
{
	int on = 1;

	return setsockopt(h->notify_sock, SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof on);
}

/* SCM_MAX_FD, the most descriptors Linux passes in one message
   (include/net/scm.h). */
#define NOTIFY_LINUX_FDS_MAX 253

/*
 * One datagram with its sender's credentials (SCM_CREDENTIALS), which
 * fdpass_recvmsg() does not report.  The descriptors land in
 * h->notify_fds, close-on-exec from the start; when they did not all fit,
 * those that did are closed and FDPASS_CTRUNC is set.
 */
static ssize_t
notify_recv(struct holder *h, size_t *nfds, struct notify_sender *from,
    int *flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		    CMSG_SPACE(NOTIFY_LINUX_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { h->notify_buf, HOLD_NOTIFY_MAX };
	struct msghdr msg;
	struct cmsghdr *cm;
	struct ucred cred;
	ssize_t n;
	size_t i, count;
	int fd;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof control.buf;
	if ((n = recvmsg(h->notify_sock, &msg, MSG_DONTWAIT |
	    MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	*nfds = 0;
	*flags = (msg.msg_flags & MSG_TRUNC ? FDPASS_TRUNC : 0) |
	    (msg.msg_flags & MSG_CTRUNC ? FDPASS_CTRUNC : 0);
	/* No credentials (SO_PASSCRED refused): the holder's, as on the
	   systems that cannot tell. */
	from->uid = geteuid();
	from->pid = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof cred)) {
			memcpy(&cred, CMSG_DATA(cm), sizeof cred);
			/* pid 0: sent before SO_PASSCRED was on, with no
			   credentials attached (uid then reads as the
			   overflow uid); unknown, as without. */
			if (cred.pid > 0) {
				from->uid = cred.uid;
				from->pid = cred.pid;
			}
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < count; i++) {
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof fd,
				    sizeof fd);
				if (*nfds < h->notify_fds_max)
					h->notify_fds[(*nfds)++] = fd;
				else {
					hold_close(fd);
					*flags |= FDPASS_CTRUNC;
				}
			}
		}
	}
	if (*flags & FDPASS_CTRUNC)
		hold_close_all(h->notify_fds, nfds);
	return n;
}
#else
int
hold_notify_open(struct holder *h)
{
	(void)h;
	return 0;
}

/* One datagram; the kernel does not tell the sender here. */
static ssize_t
notify_recv(struct holder *h, size_t *nfds, struct notify_sender *from,
    int *flags)
{
	struct iovec iov = { h->notify_buf, HOLD_NOTIFY_MAX };
	struct fdpass_msg msg = { &iov, 1, h->notify_fds, h->notify_fds_max,
	    0 };
	ssize_t n;

	if ((n = fdpass_recvmsg(h->notify_sock, &msg, FDPASS_NONBLOCK)) == -1)
		return -1;
	*nfds = msg.nfds;
	*flags = msg.flags;
	from->uid = geteuid();
	from->pid = 0;
	return n;
}
#endif

/* Reads and applies one datagram; 0 when none was waiting. */
static int
notify_read_one(struct holder *h)
{
	struct notify_sender from;
	size_t nfds = 0;
	ssize_t n;
	int flags = 0;

	if ((n = notify_recv(h, &nfds, &from, &flags)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		hold_log("notify: receive: %s", strerror(errno));
		return 1;
	}
	if (flags & FDPASS_CTRUNC) {
		hold_log("notify: message dropped, its descriptors did not "
		    "fit (closed)");
		return 1;
	}
	if (!sender_allowed(h, from.uid)) {
		hold_log("notify: message from uid %lu dropped",
		    (unsigned long)from.uid);
		close_fds(h->notify_fds, nfds);
		return 1;
	}
	if (flags & FDPASS_TRUNC) {
		hold_log("notify: message longer than %d bytes dropped",
		    HOLD_NOTIFY_MAX);
		close_fds(h->notify_fds, nfds);
		return 1;
	}
	/* One trailing NUL is the sender's C string terminator, which
	   systemd takes too; one before it would hide the rest. */
	if (n > 1 && memchr(h->notify_buf, '\0', (size_t)n - 1) != NULL) {
		hold_log("notify: message with a NUL byte inside dropped");
		close_fds(h->notify_fds, nfds);
		return 1;
	}
	h->notify_buf[n] = '\0';
	apply_message(h, &from, (char *)h->notify_buf, h->notify_fds, nfds);
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
