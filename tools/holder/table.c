/* SPDX-License-Identifier: ISC */
/* The holder's named descriptors (hold.h). */
#include "hold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

int
hold_table_init(struct hold_table *t)
{
	t->entries = malloc(HOLD_ENTRIES_MAX * sizeof *t->entries);
	t->count = 0;
	t->next_serial = 1;
	return t->entries == NULL ? -1 : 0;
}

void
hold_table_free(struct hold_table *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		hold_close(t->entries[i].fd);
	free(t->entries);
	t->entries = NULL;
	t->count = 0;
}

/*
 * Whether a and b are the same socket.  systemd's fd store suppresses a
 * descriptor it already holds (src/core/service.c, service_add_fd_store,
 * with same_fd()), so that a service storing its sockets at every start
 * does not fill the store.  A socket cannot be opened twice by name, so
 * equal device and inode numbers mean one open socket; other files can,
 * and are never taken for duplicates.  An inode number of 0 (systems that
 * do not number sockets) proves nothing.
 */
static int
same_socket(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) == -1 || fstat(b, &sb) == -1)
		return 0;
	return S_ISSOCK(sa.st_mode) && S_ISSOCK(sb.st_mode) &&
	    sa.st_ino != 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

const struct hold_entry *
hold_table_find_socket(const struct hold_table *t, int fd)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (same_socket(t->entries[i].fd, fd))
			return &t->entries[i];
	return NULL;
}

int
hold_table_add(struct hold_table *t, const char *name, int fd)
{
	struct hold_entry *e;

	if (hold_table_find_socket(t, fd) != NULL) {
		hold_close(fd);
		return 0;
	}
	if (t->count == HOLD_ENTRIES_MAX) {
		hold_close(fd);
		return -1;
	}
	e = &t->entries[t->count++];
	e->serial = t->next_serial++;
	e->fd = fd;
	snprintf(e->name, sizeof e->name, "%s", name);
	return 1;
}

size_t
hold_table_count_named(const struct hold_table *t, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < t->count; i++)
		if (strcmp(t->entries[i].name, name) == 0)
			n++;
	return n;
}

size_t
hold_table_remove(struct hold_table *t, const char *name)
{
	size_t i, kept = 0, removed = 0;

	/* Compact in place: the order of what stays is kept. */
	for (i = 0; i < t->count; i++) {
		if (strcmp(t->entries[i].name, name) == 0) {
			hold_close(t->entries[i].fd);
			removed++;
			continue;
		}
		if (kept != i)
			t->entries[kept] = t->entries[i];
		kept++;
	}
	t->count = kept;
	return removed;
}

const struct hold_entry *
hold_table_next(const struct hold_table *t, uint64_t after)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (t->entries[i].serial > after)
			return &t->entries[i];
	return NULL;
}

/* "127.0.0.1:8080", "[::1]:8080", "/run/web.sock", or "" if unknown. */
static void
format_address(const struct sockaddr_storage *ss, socklen_t len, char *out,
    size_t size)
{
	char host[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host))
			snprintf(out, size, "%s:%u", host,
			    (unsigned)ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host))
			snprintf(out, size, "[%s]:%u", host,
			    (unsigned)ntohs(in6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)ss;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? (size_t)len - off : 0;

		if (n > sizeof un->sun_path)
			n = sizeof un->sun_path;
		/* An unnamed socket has no path; sun_path need not end in
		   NUL when it fills the field. */
		snprintf(out, size, "%.*s", (int)strnlen(un->sun_path, n),
		    un->sun_path);
	}
}

/*
 * 1 listening, 0 not, -1 unknown.  SO_ACCEPTCONN is in POSIX but OpenBSD
 * lacks it.
 */
static int
is_listening(int fd)
{
#ifdef SO_ACCEPTCONN
	int on = 0;
	socklen_t len = sizeof on;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0)
		return on != 0;
#else
	(void)fd;
#endif
	return -1;
}

static void
describe_socket(int fd, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char address[HOLD_DESCRIPTION_MAX];
	const char *family, *role;
	int type = 0, listening;
	socklen_t tlen = sizeof type;

	memset(&ss, 0, sizeof ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1) {
		snprintf(out, size, "socket");
		return;
	}
	format_address(&ss, len, address, sizeof address);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		family = type == SOCK_STREAM ? "tcp" :
		    type == SOCK_DGRAM ? "udp" : "inet";
	else if (ss.ss_family == AF_UNIX)
		family = type == SOCK_STREAM ? "unix" :
		    type == SOCK_DGRAM ? "unix-dgram" : "unix-seqpacket";
	else
		family = "socket";
	listening = is_listening(fd);
	role = listening == 1 ? " listener" : listening == 0 ? " socket" : "";
	if (type == SOCK_DGRAM)
		role = " socket";
	snprintf(out, size, "%s%s%s%s", family, role,
	    address[0] != '\0' ? " " : "", address);
}

void
hold_describe_fd(int fd, char *out, size_t size)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		snprintf(out, size, "unknown (%s)", strerror(errno));
	else if (S_ISSOCK(st.st_mode))
		describe_socket(fd, out, size);
	else if (S_ISREG(st.st_mode))
		snprintf(out, size, "file");
	else if (S_ISFIFO(st.st_mode))
		snprintf(out, size, "pipe");
	else if (S_ISCHR(st.st_mode))
		snprintf(out, size, "character device");
	else if (S_ISDIR(st.st_mode))
		snprintf(out, size, "directory");
	else
		snprintf(out, size, "other");
}
