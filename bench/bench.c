/* SPDX-License-Identifier: ISC */
/*
 * fdpass-bench: the cost of libfdpass over the physical floor.
 *
 * Messages of one byte and 1 or 16 descriptors over an AF_UNIX stream
 * socketpair: send on one end, receive on the other, close the received
 * descriptors; by one thread in turn, and by a sending and a receiving
 * thread at once.  Three variants:
 *   raw     the least a correct hand-written receiver does: sendmsg/recvmsg
 *           with one SCM_RIGHTS message, a receive buffer with room for the
 *           most descriptors the OS lets a peer send (xnu and DragonFly
 *           leak what does not fit), MSG_CTRUNC checked, FD_CLOEXEC set the
 *           way the library's backend sets it (MSG_CMSG_CLOEXEC, or fcntl);
 *   fd      the fd calls fdpass_send_with_fd(s) / fdpass_recv_with_fd(s);
 *   handle  fdpass_sock_sendmsg / fdpass_sock_recvmsg on a struct
 *           fdpass_sock, checked once.
 * Variants take turns within every round, the first changing from round
 * to round, and the median of the rounds is reported, so drift on the
 * machine hits all three.  The cost of the call the fd calls add on this
 * OS (Linux: getsockname, are descriptors sent over AF_UNIX?) is timed on
 * its own.
 *
 * Heap allocations are counted by interposing malloc & co. (glibc only) and
 * reported per operation of each variant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fdpass.h"

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0	/* unused: the backend says fcntl */
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define MAX_BENCH_FDS 16
#define MAX_ROUNDS 101

#include "alloc_count.h"
#include "median.h"

struct bench {
	int sv[2];
	struct fdpass_sock s[2];	/* the same sockets, as handles */
	int fds[MAX_BENCH_FDS];		/* what is sent */
	size_t nfds;
};

static void
die(const char *what)
{
	fprintf(stderr, "fdpass-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
close_received(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* The control space a correct receiver offers: the OS maximum. */
#define RAW_RECV_FDS 1020

static void
raw_send(struct bench *b)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(MAX_BENCH_FDS * sizeof(int))];
	} control;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *cmsg;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = CMSG_SPACE(b->nfds * sizeof(int));
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(b->nfds * sizeof(int));
	memcpy(CMSG_DATA(cmsg), b->fds, b->nfds * sizeof(int));
	if (sendmsg(b->sv[0], &mh, MSG_NOSIGNAL) != 1)
		die("sendmsg");
}

static void
raw_recv(struct bench *b)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(RAW_RECV_FDS * sizeof(int))];
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *cmsg;
	int got[RAW_RECV_FDS], atomic = fdpass_backend()->atomic_cloexec;
	size_t n, i;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = CMSG_SPACE(fdpass_max_fds() * sizeof(int));
	if (recvmsg(b->sv[1], &mh, atomic ? MSG_CMSG_CLOEXEC : 0) != 1)
		die("recvmsg");
	cmsg = CMSG_FIRSTHDR(&mh);
	if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS)
		die("recvmsg: no descriptors");
	n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	memcpy(got, CMSG_DATA(cmsg), n * sizeof(int));
	if (mh.msg_flags & MSG_CTRUNC) {
		close_received(got, n);
		errno = EMSGSIZE;
		die("recvmsg: truncated");
	}
	for (i = 0; i < n && !atomic; i++)
		if (fcntl(got[i], F_SETFD, FD_CLOEXEC) == -1)
			die("fcntl");
	close_received(got, n);
}

/* The check the fd calls make on Linux before sending descriptors. */
static void
family_check_op(struct bench *b)
{
	struct sockaddr sa;
	socklen_t len = sizeof sa;

	if (getsockname(b->sv[0], &sa, &len) == -1 || sa.sa_family != AF_UNIX)
		die("getsockname");
}

static void
fd_send(struct bench *b)
{
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };

	if (b->nfds == 1) {
		if (fdpass_send_with_fd(b->sv[0], &iov, 1, b->fds[0]) != 1)
			die("fdpass_send_with_fd");
	} else if (fdpass_send_with_fds(b->sv[0], &iov, 1, b->fds,
	    b->nfds) != 1)
		die("fdpass_send_with_fds");
}

static void
fd_recv(struct bench *b)
{
	int got[MAX_BENCH_FDS];
	size_t n = MAX_BENCH_FDS;
	char byte;

	if (b->nfds == 1) {
		if (fdpass_recv_with_fd(b->sv[1], &byte, 1, &got[0]) != 1)
			die("fdpass_recv_with_fd");
		n = 1;
	} else if (fdpass_recv_with_fds(b->sv[1], &byte, 1, got, &n) != 1)
		die("fdpass_recv_with_fds");
	close_received(got, n);
}

static void
sock_send(struct bench *b)
{
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = b->fds,
	    .nfds = b->nfds };

	if (fdpass_sock_sendmsg(&b->s[0], &msg, 0) != 1)
		die("fdpass_sock_sendmsg");
}

static void
sock_recv(struct bench *b)
{
	int got[MAX_BENCH_FDS];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = MAX_BENCH_FDS };

	if (fdpass_sock_recvmsg(&b->s[1], &msg, 0) != 1 || msg.flags != 0)
		die("fdpass_sock_recvmsg");
	close_received(got, msg.nfds);
}

struct variant {
	const char *name;
	void (*send)(struct bench *);
	void (*recv)(struct bench *);
};

static const struct variant variants[] = {
	{ "raw", raw_send, raw_recv },
	{ "fd", fd_send, fd_recv },
	{ "handle", sock_send, sock_recv },
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One thread: send, then receive, ops times. */
static void
run_one_thread(const struct variant *v, struct bench *b, int ops)
{
	int i;

	for (i = 0; i < ops; i++) {
		v->send(b);
		v->recv(b);
	}
}

struct sender {
	const struct variant *v;
	struct bench *b;
	int ops;
};

static void *
send_all(void *arg)
{
	struct sender *s = arg;
	int i;

	for (i = 0; i < s->ops; i++)
		s->v->send(s->b);
	return NULL;
}

/* Two threads: one sends ops messages while this one receives them. */
static void
run_two_threads(const struct variant *v, struct bench *b, int ops)
{
	struct sender s = { v, b, ops };
	pthread_t t;
	int i, rc;

	if ((rc = pthread_create(&t, NULL, send_all, &s)) != 0) {
		errno = rc;
		die("pthread_create");
	}
	for (i = 0; i < ops; i++)
		v->recv(b);
	pthread_join(t, NULL);
}

/* ns per message over ops messages; allocations are added to *allocs. */
static double
time_ops(void (*run)(const struct variant *, struct bench *, int),
    const struct variant *v, struct bench *b, int ops, unsigned long *allocs)
{
	unsigned long before = allocations;
	double start = now_ns();

	run(v, b, ops);
	*allocs += allocations - before;
	return (now_ns() - start) / ops;
}

static double
time_check(struct bench *b, int ops)
{
	double start = now_ns();
	int i;

	for (i = 0; i < ops; i++)
		family_check_op(b);
	return (now_ns() - start) / ops;
}

struct result {
	double ns[NVARIANTS];		/* median per message */
	double allocs[NVARIANTS];	/* per message */
	double check_ns;
};

static struct result
measure(void (*run)(const struct variant *, struct bench *, int),
    size_t nfds, int rounds, int ops)
{
	double t[NVARIANTS][MAX_ROUNDS], check[MAX_ROUNDS];
	unsigned long allocs[NVARIANTS] = { 0 }, warm = 0;
	struct bench b;
	struct result r;
	int r_i, p[2];
	size_t i, k;

	if (fdpass_socketpair(SOCK_STREAM, b.sv) == -1 || pipe(p) == -1 ||
	    fdpass_sock_init(&b.s[0], b.sv[0]) == -1 ||
	    fdpass_sock_init(&b.s[1], b.sv[1]) == -1)
		die("setup");
	b.nfds = nfds;
	for (i = 0; i < nfds; i++)
		b.fds[i] = p[i % 2];
	/* Warm up every path (page faults, caches) before measuring. */
	for (k = 0; k < NVARIANTS; k++)
		time_ops(run, &variants[k], &b, ops / 4 + 1, &warm);
	for (r_i = 0; r_i < rounds; r_i++) {
		for (i = 0; i < NVARIANTS; i++) {
			k = (i + (size_t)r_i) % NVARIANTS;
			t[k][r_i] = time_ops(run, &variants[k], &b, ops,
			    &allocs[k]);
		}
		check[r_i] = time_check(&b, ops);
	}
	close(b.sv[0]);
	close(b.sv[1]);
	close(p[0]);
	close(p[1]);
	for (k = 0; k < NVARIANTS; k++) {
		r.ns[k] = median(t[k], rounds);
		r.allocs[k] = (double)allocs[k] / ((double)rounds * ops);
	}
	r.check_ns = median(check, rounds);
	return r;
}

/* One line of the table; 1 if the library allocated. */
static int
print_row(const char *mode, size_t nfds, const struct result *r)
{
	printf("%-12s %4zu  %9.1f  %9.1f  %9.1f  %8.3f  %8.3f  %8.3f  ", mode,
	    nfds, r->ns[0], r->ns[1], r->ns[2], r->ns[1] / r->ns[0],
	    r->ns[2] / r->ns[0], r->check_ns / r->ns[0]);
	if (COUNTING_ALLOCATIONS)
		printf("%6.3f  %6.3f  %6.3f\n", r->allocs[0], r->allocs[1],
		    r->allocs[2]);
	else
		printf("%6s  %6s  %6s\n", "n/a", "n/a", "n/a");
	return r->allocs[1] > 0 || r->allocs[2] > 0;
}

int
main(int argc, char **argv)
{
	const size_t sizes[] = { 1, MAX_BENCH_FDS };
	int rounds = 31, ops = 20000, quick = 0, failed = 0;
	struct result r;
	size_t i;

	if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
		quick = 1;
		rounds = 5;
		ops = 500;
	} else if (argc != 1) {
		fprintf(stderr, "usage: fdpass-bench [--quick]\n");
		return 2;
	}
	if (COUNTING_ALLOCATIONS) {
		/*
		 * The counter must see an allocation, or its zero means
		 * nothing; volatile keeps the compiler from eliding the pair.
		 */
		void *volatile probe = malloc(16);

		free(probe);
		if (allocations == 0) {
			fprintf(stderr, "fdpass-bench: malloc is not counted\n");
			return 1;
		}
		allocations = 0;
	}
	printf("fdpass-bench: libfdpass %s, backend %s\n", fdpass_version(),
	    fdpass_backend()->name);
	printf("one byte and N descriptors over an AF_UNIX stream socketpair, "
	    "received descriptors closed\n");
	printf("%d rounds x %d messages, variants in turn; median ns per "
	    "message%s\n\n", rounds, ops,
	    quick ? " (quick run: numbers are noisy)" : "");
	printf("%-12s %4s  %9s  %9s  %9s  %8s  %8s  %8s  %6s  %6s  %6s\n",
	    "mode", "fds", "raw", "fd calls", "handle", "fd/raw", "hdl/raw",
	    "check", "allocs", "(fd)", "(hdl)");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		r = measure(run_one_thread, sizes[i], rounds, ops);
		failed |= print_row("one thread", sizes[i], &r);
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		r = measure(run_two_threads, sizes[i], rounds, ops);
		failed |= print_row("two threads", sizes[i], &r);
	}
	printf("\nfd/raw, hdl/raw: the fd calls' and the handle's time over "
	    "raw sendmsg/recvmsg\ncheck: one getsockname (what the fd calls "
	    "add on Linux per send with descriptors) over raw\nallocs: heap "
	    "allocations per message (raw, fd calls, handle)\n");
	if (failed) {
		printf("\nFAIL: libfdpass allocated on the send/receive path\n");
		return 1;
	}
	if (COUNTING_ALLOCATIONS)
		printf("\nlibfdpass made no heap allocation on the send/receive "
		    "path\n");
	return 0;
}
