/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: fdpass_recvmsg over control data no kernel should
 * write, but some do (truncated lengths, zero lengths, several messages,
 * companions), through the syscall seams.  The input describes the control
 * messages; their descriptors are real duplicates.  Checked on every input:
 * no memory error (ASan/UBSan), nothing outside the message closed, what is
 * returned came from the message and fits the capacity, truncation returns
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_FDS 32

static const uint8_t *in;
static size_t in_left;
static int made[MAX_FDS];	/* descriptors written into the control data */
static size_t n_made;
static int source_fd = -1;	/* what the messages carry duplicates of */
static int sentinel = -1;	/* open, never sent: must stay open */

static unsigned
next(unsigned limit)
{
	unsigned v;

	if (in_left == 0)
		return 0;
	v = *in++;
	in_left--;
	return limit ? v % limit : v;
}

/*
 * Writes what a kernel could: messages with exact lengths, except that the
 * last one may claim more descriptors than were copied out (DragonFly and
 * old illumos do not shrink cmsg_len) or have a zero length; then cuts
 * msg_controllen anywhere (the BSD and xnu copy-out stops at the buffer's
 * end).  Descriptors past the cut are lost, as in those kernels.
 */
static ssize_t
fuzzed_recvmsg(int sock, struct msghdr *mh, int flags)
{
	unsigned char *start = mh->msg_control, *p = start;
	unsigned char *end = start + mh->msg_controllen;
	unsigned nmsgs = next(5), i, j, nfds, kind, shape = 0;
	struct cmsghdr hdr;
	size_t data_end = 0;
	int fd;

	(void)sock;
	(void)flags;
	memset(start, 0, mh->msg_controllen);
	for (i = 0; i < nmsgs; i++) {
		kind = next(4);
		nfds = next(9);
		shape = i + 1 == nmsgs ? next(3) : 0;
		if (shape == 2)
			nfds = 0;
		if (p + CMSG_SPACE(nfds * sizeof(int)) > end)
			break;
		memset(&hdr, 0, sizeof hdr);
		hdr.cmsg_level = kind == 3 ? 0x1234 : SOL_SOCKET;
		hdr.cmsg_type = kind == 1 ? SCM_PIDFD : kind == 2 ? 0x99 : SCM_RIGHTS;
		hdr.cmsg_len = shape == 2 ? 0 :
		    CMSG_LEN((nfds + (shape == 1 ? 1 + next(8) : 0)) * sizeof(int));
		memcpy(p, &hdr, sizeof hdr);
		for (j = 0; j < nfds && n_made < MAX_FDS; j++) {
			/* Another kind of payload is not a descriptor. */
			fd = kind == 2 || kind == 3 ? -1 : dup(source_fd);
			if (fd >= 0)
				made[n_made++] = fd;
			memcpy(CMSG_DATA((struct cmsghdr *)(void *)p) +
			    j * sizeof fd, &fd, sizeof fd);
		}
		data_end = (size_t)(CMSG_DATA((struct cmsghdr *)(void *)p) - start) +
		    nfds * sizeof(int);
		p += CMSG_SPACE(nfds * sizeof(int));
	}
	mh->msg_controllen = (size_t)(p - start);
	if (shape == 1)		/* copied out up to the last descriptor */
		mh->msg_controllen = data_end + next(sizeof(int));
	if (next(2))		/* and the copy-out may stop anywhere */
		mh->msg_controllen -= next(0) % (mh->msg_controllen + 1);
	mh->msg_flags = (next(2) ? MSG_CTRUNC : 0) | (next(2) ? MSG_TRUNC : 0);
	if (mh->msg_iovlen > 0 && mh->msg_iov[0].iov_len > 0)
		*(char *)mh->msg_iov[0].iov_base = 'f';
	return 1;
}

static int
was_made(int fd)
{
	size_t i;

	for (i = 0; i < n_made; i++)
		if (made[i] == fd)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int got[MAX_FDS];
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg;
	size_t k;

	if (source_fd == -1) {
		source_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sentinel = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	in = data;
	in_left = size;
	n_made = 0;
	fdpass__sys.recvmsg = fuzzed_recvmsg;
	msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = next(MAX_FDS) };
	if (fdpass_recvmsg(-1, &msg, next(2) ? FDPASS_NOCLOEXEC : 0) == -1)
		msg.nfds = 0;

	if (fcntl(sentinel, F_GETFD) == -1 || fcntl(source_fd, F_GETFD) == -1)
		abort();		/* closed something not in the message */
	if ((msg.flags & FDPASS_CTRUNC) && msg.nfds != 0)
		abort();
	for (k = 0; k < msg.nfds; k++) {
		if (!was_made(got[k]) || fcntl(got[k], F_GETFD) == -1)
			abort();	/* not from the message, or closed */
		close(got[k]);
	}
	/* What the library could not see (past the cut) is ours to close. */
	for (k = 0; k < n_made; k++)
		if (fcntl(made[k], F_GETFD) != -1)
			close(made[k]);
	return 0;
}
