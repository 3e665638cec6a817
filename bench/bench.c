/* SPDX-License-Identifier: ISC */
/*
 * fdpass-bench: the cost of libfdpass over the physical floor.
 *
 * One thread ping-pongs messages over an AF_UNIX stream socketpair: send on
 * one end, receive on the other, close the received descriptors.  "raw" is
 * the least a correct hand-written receiver does: sendmsg/recvmsg with one
 * SCM_RIGHTS message, a receive buffer with room for the most descriptors
 * the OS lets a peer send (xnu and DragonFly leak what does not fit),
 * MSG_CTRUNC checked, FD_CLOEXEC set the way the library's backend sets it
 * (MSG_CMSG_CLOEXEC, or fcntl on each descriptor).  "fdpass" is
 * fdpass_send_with_fd(s) / fdpass_recv_with_fd(s).  Variants alternate
 * within every round and the median of the rounds is reported, so drift on
 * the machine hits both.  The cost of the one system call the library adds
 * (getsockname: are descriptors sent over AF_UNIX?) is timed on its own.
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

static unsigned long allocations;

/* A sanitizer's allocator owns malloc; counting would fight it. */
#if defined(__SANITIZE_ADDRESS__)
#define FDPASS_BENCH_NO_MALLOC_COUNT
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FDPASS_BENCH_NO_MALLOC_COUNT
#endif
#endif

#if defined(__GLIBC__) && !defined(FDPASS_BENCH_NO_MALLOC_COUNT)
#define COUNTING_ALLOCATIONS 1
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void *aligned_alloc(size_t a, size_t n);
int posix_memalign(void **p, size_t a, size_t n);

void *
malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	allocations++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t a, size_t n)
{
	allocations++;
	return __libc_memalign(a, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	allocations++;
	*p = __libc_memalign(a, n);
	return *p == NULL ? ENOMEM : 0;
}
#else
#define COUNTING_ALLOCATIONS 0
#endif

struct bench {
	int sv[2];
	int fds[MAX_BENCH_FDS];	/* what is sent */
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
raw_op(struct bench *b)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(RAW_RECV_FDS * sizeof(int))];
	} control;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *cmsg;
	int got[RAW_RECV_FDS], atomic = fdpass_backend()->atomic_cloexec;
	size_t n, i;

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

/* The check fdpass_sendmsg makes before sending descriptors. */
static void
family_check_op(struct bench *b)
{
	struct sockaddr sa;
	socklen_t len = sizeof sa;

	if (getsockname(b->sv[0], &sa, &len) == -1 || sa.sa_family != AF_UNIX)
		die("getsockname");
}

static void
fdpass_op(struct bench *b)
{
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };
	int got[MAX_BENCH_FDS];
	size_t n = MAX_BENCH_FDS;
	char byte;

	if (b->nfds == 1) {
		if (fdpass_send_with_fd(b->sv[0], &iov, 1, b->fds[0]) != 1)
			die("fdpass_send_with_fd");
		if (fdpass_recv_with_fd(b->sv[1], &byte, 1, &got[0]) != 1)
			die("fdpass_recv_with_fd");
		close_received(got, 1);
		return;
	}
	if (fdpass_send_with_fds(b->sv[0], &iov, 1, b->fds, b->nfds) != 1)
		die("fdpass_send_with_fds");
	if (fdpass_recv_with_fds(b->sv[1], &byte, 1, got, &n) != 1)
		die("fdpass_recv_with_fds");
	close_received(got, n);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per operation over ops operations; allocations are added to *allocs. */
static double
time_ops(void (*op)(struct bench *), struct bench *b, int ops,
    unsigned long *allocs)
{
	unsigned long before = allocations;
	double start = now_ns();
	int i;

	for (i = 0; i < ops; i++)
		op(b);
	*allocs += allocations - before;
	return (now_ns() - start) / ops;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct result {
	double raw_ns, fdpass_ns, check_ns;
	double raw_allocs, fdpass_allocs;	/* per operation */
};

static struct result
run(size_t nfds, int rounds, int ops)
{
	double raw[MAX_ROUNDS], lib[MAX_ROUNDS], check[MAX_ROUNDS];
	unsigned long raw_allocs = 0, lib_allocs = 0, check_allocs = 0;
	struct bench b;
	struct result r;
	int r_i, p[2];
	size_t i;

	if (fdpass_socketpair(SOCK_STREAM, b.sv) == -1 || pipe(p) == -1)
		die("setup");
	b.nfds = nfds;
	for (i = 0; i < nfds; i++)
		b.fds[i] = p[i % 2];
	/* Warm up both paths (page faults, caches) before measuring. */
	time_ops(raw_op, &b, ops / 4 + 1, &raw_allocs);
	time_ops(fdpass_op, &b, ops / 4 + 1, &lib_allocs);
	raw_allocs = lib_allocs = 0;
	for (r_i = 0; r_i < rounds; r_i++) {
		/* Alternate which variant goes first. */
		if (r_i % 2 == 0) {
			raw[r_i] = time_ops(raw_op, &b, ops, &raw_allocs);
			lib[r_i] = time_ops(fdpass_op, &b, ops, &lib_allocs);
		} else {
			lib[r_i] = time_ops(fdpass_op, &b, ops, &lib_allocs);
			raw[r_i] = time_ops(raw_op, &b, ops, &raw_allocs);
		}
		check[r_i] = time_ops(family_check_op, &b, ops, &check_allocs);
	}
	close(b.sv[0]);
	close(b.sv[1]);
	close(p[0]);
	close(p[1]);
	r.raw_ns = median(raw, rounds);
	r.fdpass_ns = median(lib, rounds);
	r.check_ns = median(check, rounds);
	r.raw_allocs = (double)raw_allocs / ((double)rounds * ops);
	r.fdpass_allocs = (double)lib_allocs / ((double)rounds * ops);
	return r;
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
	}
	printf("fdpass-bench: libfdpass %s, backend %s\n", fdpass_version(),
	    fdpass_backend()->name);
	printf("ping-pong on one AF_UNIX stream socketpair, one thread: send, "
	    "receive, close what arrived\n");
	printf("%d rounds x %d ops, variants interleaved; median ns per op%s\n\n",
	    rounds, ops, quick ? " (quick run: numbers are noisy)" : "");
	printf("%5s  %12s  %12s  %7s  %11s  %14s  %14s\n", "fds", "raw ns/op",
	    "fdpass ns/op", "ratio", "check share", "raw allocs/op",
	    "lib allocs/op");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		r = run(sizes[i], rounds, ops);
		printf("%5zu  %12.1f  %12.1f  %7.3f  %11.3f  ", sizes[i],
		    r.raw_ns, r.fdpass_ns, r.fdpass_ns / r.raw_ns,
		    r.check_ns / r.raw_ns);
		if (COUNTING_ALLOCATIONS)
			printf("%14.3f  %14.3f\n", r.raw_allocs, r.fdpass_allocs);
		else
			printf("%14s  %14s\n", "n/a", "n/a");
		if (r.fdpass_allocs > 0)
			failed = 1;
	}
	printf("\nratio: fdpass / raw; check share: the AF_UNIX check's "
	    "getsockname / raw, included in fdpass\n");
	if (failed) {
		printf("\nFAIL: libfdpass allocated on the send/receive path\n");
		return 1;
	}
	if (COUNTING_ALLOCATIONS)
		printf("\nlibfdpass made no heap allocation on the send/receive path\n");
	return 0;
}
