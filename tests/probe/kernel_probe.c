/* SPDX-License-Identifier: ISC */
/*
 * A table of what the kernel does with SCM_RIGHTS, one fact a line, made
 * with raw sendmsg/recvmsg (through probe.h), not the library.  Built for
 * the running OS it describes that kernel; built against a simulated
 * variant (tests/sim) it describes the model, and ctest compares the two
 * (tests/sim/data).  Each line is "subject: observation".
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#define PROBE_MAX_FDS 2048
#define PROBE_COUNT_LIMIT 8192

static union {
	struct cmsghdr h;
	unsigned char buf[CMSG_SPACE(PROBE_MAX_FDS * sizeof(int)) + 1024];
} control;

static const char *
errname(int e)
{
	static char other[32];

	switch (e) {
	case 0:		return "ok";
	case EINVAL:	return "EINVAL";
	case EMSGSIZE:	return "EMSGSIZE";
	case E2BIG:	return "E2BIG";
	case EMFILE:	return "EMFILE";
	case ENOBUFS:	return "ENOBUFS";
	case EAGAIN:	return "EAGAIN";
	case ENOTCONN:	return "ENOTCONN";
	case ENOMEM:	return "ENOMEM";
	case ETOOMANYREFS: return "ETOOMANYREFS";
	case EBADF:	return "EBADF";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	default:
		(void)snprintf(other, sizeof other, "errno %d", e);
		return other;
	}
}

static const char *
type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" :
	    "seqpacket";
}

/* NetBSD's sosend gives up waiting for MSG_NBIO, not MSG_DONTWAIT. */
#ifdef MSG_NBIO
#define PROBE_DONTWAIT (MSG_DONTWAIT | MSG_NBIO)
#else
#define PROBE_DONTWAIT MSG_DONTWAIT
#endif

static unsigned char open_before[PROBE_COUNT_LIMIT];

/* Remembers which descriptors are open now. */
static void
mark_open_fds(void)
{
	int fd;

	for (fd = 0; fd < PROBE_COUNT_LIMIT; fd++)
		open_before[fd] = fcntl(fd, F_GETFD) != -1;
}

/*
 * Closes every descriptor opened since mark_open_fds() and returns how
 * many: what a leaking kernel installed and lost, so the probe itself
 * leaves nothing behind.
 */
static size_t
close_new_fds(void)
{
	size_t n = 0;
	int fd;

	for (fd = 0; fd < PROBE_COUNT_LIMIT; fd++)
		if (!open_before[fd] && fcntl(fd, F_GETFD) != -1) {
			(void)close(fd);
			n++;
		}
	return n;
}

/* One byte and n copies of fd; 0 or the errno. */
static int
send_fds(int sock, int fd, size_t n, int flags)
{
	struct msghdr mh;
	struct cmsghdr *c;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	size_t i;

	memset(&mh, 0, sizeof mh);
	memset(&control, 0, sizeof control);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n > 0) {
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		for (i = 0; i < n; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof fd);
	}
	return probe_sendmsg(sock, &mh, flags) == 1 ? 0 : errno;
}

/*
 * Closes every descriptor in the control data the kernel returned;
 * returns how many there were (those inside msg_controllen).
 */
static size_t
close_received(struct msghdr *mh)
{
	const unsigned char *end =
	    (const unsigned char *)mh->msg_control + mh->msg_controllen;
	struct cmsghdr *c;
	size_t n = 0, k, i;
	int fd;

	if (mh->msg_control == NULL)
		return 0;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_len < CMSG_LEN(0))
			break;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k && CMSG_DATA(c) + (i + 1) * sizeof(int) <=
		    end; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (close(fd) == 0)
				n++;
		}
	}
	return n;
}

/* Receives one message with room for controllen bytes of control. */
static ssize_t
recv_one(int sock, void *buf, size_t len, size_t controllen, int flags,
    struct msghdr *mh, struct iovec *iov)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	memset(mh, 0, sizeof *mh);
	memset(&control, 0, sizeof control);
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	mh->msg_control = control.buf;
	mh->msg_controllen = controllen;
	return probe_recvmsg(sock, mh, flags);
}

/* 0 when n descriptors pass on a fresh pair of type, else the errno. */
static int
try_pass(int type, int fd, size_t n)
{
	int sv[2], err;
	char buf[8];
	struct msghdr mh;
	struct iovec iov;

	if (probe_socketpair(type, sv) == -1)
		return errno;
	/*
	 * Never wait: NetBSD 9.1 takes 500 to 1020 descriptors on a stream
	 * and never delivers them; a blocking call would hang the probe.
	 */
	err = send_fds(sv[0], fd, n, PROBE_DONTWAIT);
	if (err == 0) {
		if (recv_one(sv[1], buf, sizeof buf, sizeof control.buf,
		    MSG_DONTWAIT, &mh, &iov) == -1)
			err = errno == EAGAIN ? EAGAIN : errno;
		else
			(void)close_received(&mh);
	}
	(void)close(sv[0]);
	(void)close(sv[1]);
	return err;
}

static void
max_fds(int type, int fd)
{
	size_t lo = 1, hi = PROBE_MAX_FDS, mid;
	int err;

	if ((err = try_pass(type, fd, 1)) != 0) {
		printf("%s: max descriptors 0, one: %s\n", type_name(type),
		    errname(err));
		return;
	}
	if (try_pass(type, fd, hi) == 0) {
		printf("%s: max descriptors %zu or more\n", type_name(type),
		    hi);
		return;
	}
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (try_pass(type, fd, mid) == 0)
			lo = mid;
		else
			hi = mid;
	}
	printf("%s: max descriptors %zu, one more: %s\n", type_name(type), lo,
	    errname(try_pass(type, fd, lo + 1)));
}

/* One descriptor received into controllen bytes of control buffer. */
static void
short_buffer(const char *what, int fd, size_t controllen)
{
	int sv[2];
	char buf[8];
	struct msghdr mh;
	struct iovec iov;
	size_t installed;

	if (probe_socketpair(SOCK_STREAM, sv) == -1 ||
	    send_fds(sv[0], fd, 1, 0) != 0) {
		printf("stream: %s: setup failed\n", what);
		return;
	}
	mark_open_fds();
	if (recv_one(sv[1], buf, sizeof buf, controllen, 0, &mh, &iov) == -1) {
		printf("stream: %s: %s\n", what, errname(errno));
	} else {
		installed = close_received(&mh);
		printf("stream: %s: %s, %zu installed, %zu leaked\n", what,
		    (mh.msg_flags & MSG_CTRUNC) ? "MSG_CTRUNC" :
		    "no MSG_CTRUNC",
		    installed, close_new_fds());
	}
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/*
 * A peek at n descriptors with a 64-byte control buffer: what the kernel
 * copies out of its own control (pointers, on the BSDs: never read as
 * descriptors here) and whether it installed any.  NetBSD stops at an
 * SCM_RIGHTS copy that does not fit and then runs free_rights on it, a
 * kernel bug; the row shows where that starts.
 */
static void
peek_short(int fd, size_t n)
{
	int sv[2];
	char buf[8];
	struct msghdr mh;
	struct iovec iov;
	ssize_t r;

	if (probe_socketpair(SOCK_STREAM, sv) == -1 ||
	    send_fds(sv[0], fd, n, 0) != 0) {
		printf("stream: peek of %zu descriptors: setup failed\n", n);
		return;
	}
	mark_open_fds();
	r = recv_one(sv[1], buf, sizeof buf, 64, MSG_PEEK, &mh, &iov);
	if (r == -1)
		printf("stream: peek of %zu descriptors, 64-byte buffer: %s\n",
		    n, errname(errno));
	else
		printf("stream: peek of %zu descriptors, 64-byte buffer: "
		    "%zu bytes of control%s, %zu installed\n", n,
		    (size_t)mh.msg_controllen,
		    (mh.msg_flags & MSG_CTRUNC) ? ", MSG_CTRUNC" : "",
		    close_new_fds());
	/* The message itself, taken and closed. */
	if (recv_one(sv[1], buf, sizeof buf, sizeof control.buf, 0, &mh,
	    &iov) != -1)
		(void)close_received(&mh);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* Fills the descriptor table; returns how many it opened. */
static size_t
fill_table(int *fillers, size_t max, int model)
{
	size_t n = 0;
	int fd;

	while (n < max && (fd = dup(model)) != -1)
		fillers[n++] = fd;
	return n;
}

/* No free slot: the errno, and what became of the message's data. */
static void
no_free_slot(int type, int fd)
{
	static int fillers[1024];
	struct rlimit saved, low;
	int sv[2], err = 0, ctrunc = 0;
	char buf[8];
	struct msghdr mh;
	struct iovec iov;
	size_t n, i;
	ssize_t r;

	if (probe_socketpair(type, sv) == -1) {
		printf("%s: no free slot: %s\n", type_name(type),
		    errname(errno));
		return;
	}
	(void)send_fds(sv[0], fd, 1, 0);
	(void)send(sv[0], "n", 1, 0);
	(void)getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = 256;
	(void)setrlimit(RLIMIT_NOFILE, &low);
	n = fill_table(fillers, sizeof fillers / sizeof fillers[0], fd);
	r = recv_one(sv[1], buf, sizeof buf, sizeof control.buf, 0, &mh, &iov);
	if (r == -1)
		err = errno;
	else
		ctrunc = (mh.msg_flags & MSG_CTRUNC) != 0;
	for (i = 0; i < n; i++)
		(void)close(fillers[i]);
	(void)setrlimit(RLIMIT_NOFILE, &saved);
	if (r != -1) {
		(void)close_received(&mh);
		printf("%s: no free slot: data returned%s\n", type_name(type),
		    ctrunc ? ", MSG_CTRUNC" : "");
	} else {
		r = recv_one(sv[1], buf, sizeof buf, sizeof control.buf,
		    MSG_DONTWAIT, &mh, &iov);
		(void)close_received(&mh);
		printf("%s: no free slot: %s, data %s\n", type_name(type),
		    errname(err), r >= 1 && buf[0] == 'x' ? "kept" :
		    r >= 1 && buf[0] == 'n' ? "dropped" : "?");
	}
	(void)close(sv[0]);
	(void)close(sv[1]);
}

static void
cloexec_flag(int fd)
{
#ifdef MSG_CMSG_CLOEXEC
	int sv[2], got;
	char buf[8];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;

	if (probe_socketpair(SOCK_STREAM, sv) == -1 ||
	    send_fds(sv[0], fd, 1, 0) != 0 ||
	    recv_one(sv[1], buf, sizeof buf, sizeof control.buf,
	    MSG_CMSG_CLOEXEC, &mh, &iov) == -1 ||
	    (c = CMSG_FIRSTHDR(&mh)) == NULL) {
		printf("MSG_CMSG_CLOEXEC: %s\n", errname(errno));
		return;
	}
	memcpy(&got, CMSG_DATA(c), sizeof got);
	printf("MSG_CMSG_CLOEXEC: FD_CLOEXEC %s, flags %s in msg_flags\n",
	    (fcntl(got, F_GETFD) & FD_CLOEXEC) ? "set" : "not set",
	    (mh.msg_flags & MSG_CMSG_CLOEXEC) ? "echoed" : "not echoed");
	(void)close_received(&mh);
	(void)close(sv[0]);
	(void)close(sv[1]);
#else
	(void)fd;
	printf("MSG_CMSG_CLOEXEC: not defined\n");
#endif
}

static void
peer_credentials(void)
{
	struct sockaddr_un sun;
	int sv[2], l;

	if (probe_socketpair(SOCK_DGRAM, sv) == 0) {
		printf("peer credentials, dgram socketpair: %s\n",
		    errname(probe_peer_cred(sv[0])));
		(void)close(sv[0]);
		(void)close(sv[1]);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof sun.sun_path,
	    "/tmp/fdpass-probe-%ld", (long)getpid());
	(void)unlink(sun.sun_path);
	if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		if (bind(l, (struct sockaddr *)&sun, sizeof sun) == 0 &&
		    listen(l, 1) == 0)
			printf("peer credentials, listening stream: %s\n",
			    errname(probe_peer_cred(l)));
		(void)close(l);
		(void)unlink(sun.sun_path);
	}
}

/* Sends 1 KiB datagrams until the kernel refuses one. */
static void
dgram_full(const char *what, int flags, int timeout_ms)
{
	static char block[1024];
	struct msghdr mh;
	struct iovec iov = { .iov_base = block, .iov_len = sizeof block };
	struct timeval tv = { 0, timeout_ms * 1000 };
	int sv[2], i, err = 0;

	if (probe_socketpair(SOCK_DGRAM, sv) == -1)
		return;
	if (timeout_ms > 0)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof tv);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (i = 0; i < 100000; i++)
		if (probe_sendmsg(sv[0], &mh, flags) == -1) {
			err = errno;
			break;
		}
	printf("dgram full (%s): %s\n", what, errname(err));
	(void)close(sv[0]);
	(void)close(sv[1]);
}

int
main(void)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct rlimit rl;
	int p[2];
	size_t i;

	/* A probe killed by a timeout still shows how far it got. */
	setvbuf(stdout, NULL, _IONBF, 0);
	probe_init();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max < PROBE_COUNT_LIMIT ? rl.rlim_max :
		    PROBE_COUNT_LIMIT;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (pipe(p) == -1) {
		perror("pipe");
		return 1;
	}
	printf("CMSG_LEN(sizeof(int)): %zu\n", (size_t)CMSG_LEN(sizeof(int)));
	printf("CMSG_SPACE(sizeof(int)): %zu\n",
	    (size_t)CMSG_SPACE(sizeof(int)));
	printf("CMSG_SPACE(254 * sizeof(int)): %zu\n",
	    (size_t)CMSG_SPACE(254 * sizeof(int)));
	for (i = 0; i < 3; i++)
		max_fds(types[i], p[1]);
	short_buffer("buffer of CMSG_LEN(1 fd)", p[1], CMSG_LEN(sizeof(int)));
	short_buffer("msg_controllen 0", p[1], 0);
	for (i = 0; i < 3; i++)
		no_free_slot(types[i], p[1]);
	peek_short(p[1], 6);
	peek_short(p[1], 7);
	cloexec_flag(p[1]);
	peer_credentials();
	dgram_full("non-blocking", PROBE_DONTWAIT, 0);
	dgram_full("blocking, 100 ms send timeout", 0, 100);
	(void)close(p[0]);
	(void)close(p[1]);
	return 0;
}
