/* SPDX-License-Identifier: ISC */
/* The holder's named descriptors (hold.h). */
#include "hold.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

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
 * Whether a and b are the same socket by device and inode numbers.  A
 * socket cannot be opened twice by name, so equal numbers mean one open
 * socket; other files can, so this proves nothing for them.  An inode
 * number of 0 (systems that do not number sockets) proves nothing either.
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

#ifdef __linux__
/* F_DUPFD_QUERY, Linux 6.10 (include/uapi/linux/fcntl.h), for headers
   older than the kernel: an older kernel answers EINVAL. */
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY	1027
#endif
/* KCMP_FILE, include/uapi/linux/kcmp.h */
#define KCMP_FILE_TYPE	0

/* 1 same open file, 0 not, -1 the kernel cannot tell. */
static int
kernel_same_file(int a, int b)
{
	static int dupfd_query = 1, kcmp = 1;
	int rc;

	if (dupfd_query) {
		if ((rc = fcntl(a, F_DUPFD_QUERY, b)) >= 0)
			return rc == 1;
		if (errno != EINVAL)
			return -1;
		dupfd_query = 0;
	}
#ifdef SYS_kcmp
	/* Refused where the kernel lacks CONFIG_KCMP (ENOSYS) or a
	   seccomp filter or Yama forbids it (EPERM). */
	if (kcmp) {
		pid_t self = getpid();

		if ((rc = (int)syscall(SYS_kcmp, self, self, KCMP_FILE_TYPE,
		    (unsigned long)a, (unsigned long)b)) >= 0)
			return rc == 0;
		if (errno != ENOSYS && errno != EPERM)
			return -1;
		kcmp = 0;
	}
#else
	(void)kcmp;
#endif
	return -1;
}
#elif defined(FDPASS_HAVE_KCMP) && FDPASS_HAVE_KCMP
/* 1 same open file, 0 not, -1 the kernel cannot tell.  FreeBSD 14.1+,
   kcmp(2). */
static int
kernel_same_file(int a, int b)
{
	static int works = 1;
	pid_t self = getpid();
	int rc;

	if (!works)
		return -1;
	if ((rc = kcmp(self, self, KCMP_FILE, (uintptr_t)a,
	    (uintptr_t)b)) >= 0)
		return rc == 0;
	if (errno == ENOSYS || errno == EPERM)
		works = 0;
	return -1;
}
#else
static int
kernel_same_file(int a, int b)
{
	(void)a;
	(void)b;
	return -1;
}
#endif

/*
 * Whether a and b are the same open file description (two descriptors of
 * one open(), pipe(), socket(), or dup()s of it).  systemd's fd store
 * suppresses a descriptor it already holds (src/core/service.c,
 * service_add_fd_store, with same_fd() of src/basic/fd-util.c), so that a
 * service storing what it received at every start does not fill the
 * store.  The kernel compares where it can (Linux F_DUPFD_QUERY or
 * kcmp(KCMP_FILE), FreeBSD kcmp(2)); elsewhere only sockets are
 * recognised, by inode: two opens of one file share it but are distinct.
 */
static int
same_file(int a, int b)
{
	int rc;

	if ((rc = kernel_same_file(a, b)) != -1)
		return rc;
	return same_socket(a, b);
}

const struct hold_entry *
hold_table_find_same(const struct hold_table *t, int fd)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (same_file(t->entries[i].fd, fd))
			return &t->entries[i];
	return NULL;
}

int
hold_table_add(struct hold_table *t, const char *name, int fd,
    enum hold_origin origin, uid_t owner)
{
	struct hold_entry *e;

	if (hold_table_find_same(t, fd) != NULL) {
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
	e->origin = origin;
	e->owner = owner;
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

static int
removable(const struct hold_entry *e, const char *name, unsigned origins,
    uid_t owner)
{
	return strcmp(e->name, name) == 0 && (e->origin & origins) != 0 &&
	    (owner == HOLD_ANY_OWNER || e->owner == owner);
}

size_t
hold_table_remove(struct hold_table *t, const char *name, unsigned origins,
    uid_t owner)
{
	size_t i, kept = 0, removed = 0;

	/* Compact in place: the order of what stays is kept. */
	for (i = 0; i < t->count; i++) {
		if (removable(&t->entries[i], name, origins, owner)) {
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

/*
 * Where the kernel tells the peer's pid, that is proof; elsewhere the
 * peer's address, which for a client end of the control socket is the
 * path the holder bound.
 */
int
hold_fd_peer_is_holder(int fd, const char *socket_path)
{
	struct sockaddr_storage ss;
	struct fdpass_cred cred;
	socklen_t len = sizeof ss;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];

	memset(&ss, 0, sizeof ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_UNIX)
		return 0;
	if (fdpass_peer_cred(fd, &cred) == 0 && cred.pid > 0)
		return cred.pid == getpid();
	format_address(&ss, len, path, sizeof path);
	return path[0] != '\0' && strcmp(path, socket_path) == 0;
}
