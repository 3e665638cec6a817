/* SPDX-License-Identifier: ISC */
/*
 * The conveyor belt under the simulated kernels (host.h), in Linux's own
 * control-message layout.  A parcel is a SOCK_SEQPACKET socketpair: the
 * blob is its first message, the descriptors follow in chunks that Linux's
 * SCM_MAX_FD (253) allows, and the writing end is closed before the parcel
 * travels, so the reader meets end-of-file after the last chunk.  A parcel
 * that is never read is freed by Linux with everything in it
 * (unix_release_sock purges the queue): nothing leaks on any error path.
 */
#include "host.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define HOST_CHUNK 250
#define HOST_CONTROL CMSG_SPACE(253 * sizeof(int))

static void
close_keeping_errno(int fd)
{
	int saved = errno;

	(void)close(fd);
	errno = saved;
}

/* One message of one byte and n descriptors. */
static int
send_chunk(int sock, const int *fds, size_t n)
{
	union {
		struct cmsghdr h;
		char buf[HOST_CONTROL];
	} control;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m;
	struct cmsghdr *c;

	memset(&control, 0, sizeof control);
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control.buf;
	m.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The parcel's reading end, or -1 and errno (EBADF for a bad fd). */
static int
make_parcel(const void *blob, size_t bloblen, const int *fds, size_t nfds)
{
	int p[2];
	size_t i, n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) == -1)
		return -1;
	if (send(p[0], blob, bloblen, MSG_NOSIGNAL) != (ssize_t)bloblen)
		goto fail;
	for (i = 0; i < nfds; i += n) {
		n = nfds - i < HOST_CHUNK ? nfds - i : HOST_CHUNK;
		if (send_chunk(p[0], fds + i, n) == -1)
			goto fail;
	}
	close_keeping_errno(p[0]);
	return p[1];
fail:
	close_keeping_errno(p[0]);
	close_keeping_errno(p[1]);
	return -1;
}

ssize_t
sim_host_send(int sock, const struct msghdr *mh, int flags, const void *blob,
    size_t bloblen, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr m = *mh;
	struct cmsghdr *c;
	ssize_t n;
	int parcel;

	m.msg_control = NULL;
	m.msg_controllen = 0;
	if (bloblen == 0)
		return sendmsg(sock, &m, flags);
	if ((parcel = make_parcel(blob, bloblen, fds, nfds)) == -1)
		return -1;
	memset(&control, 0, sizeof control);
	m.msg_control = control.buf;
	m.msg_controllen = sizeof control.buf;
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &parcel, sizeof parcel);
	n = sendmsg(sock, &m, flags);
	close_keeping_errno(parcel);
	return n;
}

/* Appends the descriptors of every SCM_RIGHTS message of m. */
static void
take_fds(struct msghdr *m, int *fds, size_t max, size_t *n, size_t *dropped)
{
	struct cmsghdr *c;
	size_t i, k;
	int fd;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			if (*n < max)
				fds[(*n)++] = fd;
			else {
				close_keeping_errno(fd);
				(*dropped)++;
			}
		}
	}
}

/*
 * Reads the parcel: its blob, then its chunks until end-of-file.  A chunk
 * that Linux truncated (no free slot) marks the whole parcel lost.
 */
static void
open_parcel(int parcel, struct sim_host_msg *hm)
{
	union {
		struct cmsghdr h;
		char buf[HOST_CONTROL];
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m;
	ssize_t n;
	size_t dropped = 0;

	n = recv(parcel, hm->blob, hm->bloblen, MSG_DONTWAIT);
	hm->bloblen = n > 0 ? (size_t)n : 0;
	for (;;) {
		memset(&m, 0, sizeof m);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = control.buf;
		m.msg_controllen = sizeof control.buf;
		if (recvmsg(parcel, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
			break;
		if (m.msg_flags & MSG_CTRUNC)
			hm->no_slot = 1;
		take_fds(&m, hm->fds, hm->maxfds, &hm->nfds, &dropped);
	}
	if (dropped > 0)
		hm->no_slot = 1;
}

ssize_t
sim_host_recv(int sock, int flags, struct sim_host_msg *hm)
{
	union {
		struct cmsghdr h;
		char buf[HOST_CONTROL];
	} control;
	struct iovec iov = { .iov_base = hm->buf, .iov_len = hm->len };
	struct msghdr m;
	ssize_t n;
	size_t nouter = 0, dropped = 0, i;
	int outer[4];

	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control.buf;
	m.msg_controllen = sizeof control.buf;
	hm->nfds = 0;
	hm->no_slot = 0;
	if ((n = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	hm->host_flags = m.msg_flags & MSG_TRUNC;
	take_fds(&m, outer, 4, &nouter, &dropped);
	if (nouter == 0) {
		/* A parcel came and found no slot: Linux closed it. */
		hm->no_slot = (m.msg_flags & MSG_CTRUNC) != 0;
		hm->bloblen = 0;
	} else {
		open_parcel(outer[0], hm);
		for (i = 0; i < nouter; i++)
			close_keeping_errno(outer[i]);
	}
	if (hm->no_slot) {
		for (i = 0; i < hm->nfds; i++)
			close_keeping_errno(hm->fds[i]);
		hm->nfds = 0;
	}
	return n;
}

ssize_t
sim_host_peek(int sock, int flags, void *buf, size_t len, int *has_control)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m;
	ssize_t n;

	/*
	 * No control buffer: Linux would install duplicates of a parcel on
	 * a peek with one (unix_peek_fds); without, it says MSG_CTRUNC.
	 */
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if ((n = recvmsg(sock, &m, flags | MSG_PEEK)) == -1)
		return -1;
	*has_control = (m.msg_flags & MSG_CTRUNC) != 0;
	return n;
}

size_t
sim_host_peek_blob(int sock, void *blob, size_t bloblen)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m;
	size_t nouter = 0, dropped = 0, i;
	int outer[4];
	ssize_t n = -1;

	/* Linux installs a duplicate of the parcel (unix_peek_fds). */
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control.buf;
	m.msg_controllen = sizeof control.buf;
	if (recvmsg(sock, &m, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC) == -1)
		return 0;
	take_fds(&m, outer, 4, &nouter, &dropped);
	if (nouter > 0)
		n = recv(outer[0], blob, bloblen, MSG_PEEK | MSG_DONTWAIT);
	for (i = 0; i < nouter; i++)
		close_keeping_errno(outer[i]);
	return n > 0 ? (size_t)n : 0;
}
