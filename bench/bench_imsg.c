/* SPDX-License-Identifier: ISC */
/*
 * bench-imsg: messages per second through an imsg channel, and what they
 * cost over raw sendmsg/recvmsg and over another imsg implementation.
 *
 * 64-byte messages (80 bytes with the header) over an AF_UNIX stream
 * socketpair, with and without a descriptor (a dup of a pipe end, closed
 * by the receiver), in two shapes:
 *   blocking  a writer thread composes batches of 32 and flushes them,
 *             the reader blocks in imsgbuf_read;
 *   poll      one thread, both ends non-blocking, a poll loop that
 *             composes a batch when the queue is empty, writes on POLLOUT
 *             and reads on POLLIN.
 * Each shape runs twice: through imsg.h, and "raw": the same bytes and
 * descriptors with sendmsg/recvmsg, received with room for descriptors
 * and MSG_CMSG_CLOEXEC, records cut in place with no copy and no
 * allocation (and no dup: the raw writer sends the pipe end itself).
 *
 * Only imsg.h and the system are used, so the same source builds against
 * another imsg (tmux's compat copy, say; docs/imsg.md says how).  With
 * --against BINARY, that build runs in --machine mode, one round at a
 * time, alternating with this one (which goes first changing every
 * round), and both medians and their ratio are printed.
 *
 * Heap allocations (malloc, calloc, realloc, aligned_alloc,
 * posix_memalign) are counted per thread by interposing glibc's entry
 * points, and reported per message for the sending and the receiving
 * side, after a warm-up, so what is counted is the steady state.
 */
#if defined(__has_include)
#if __has_include(<sys/queue.h>)
#include <sys/queue.h>		/* OpenBSD's imsg.h needs TAILQ_ENTRY */
#endif
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <imsg.h>

#ifndef BENCH_IMSG_IMPL
#define BENCH_IMSG_IMPL "libfdpass-imsg"
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#define BENCH_CLOEXEC_BY_FCNTL 1
#else
#define BENCH_CLOEXEC_BY_FCNTL 0
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define PAYLOAD		64
#define HDR		16		/* struct imsg_hdr on the wire */
#define REC		(HDR + PAYLOAD)
#define FD_MARK		0x80000000U
#define BATCH		32
#define MSG_TYPE	7
#define RAW_BUF		65536
#define RAW_FDS		8
#define MAX_ROUNDS	101
#define NCASES		4

/* Per thread: the sending and the receiving side are counted apart. */
#define ALLOC_COUNT_STORAGE _Thread_local
#include "alloc_count.h"
#include "median.h"

/* 0 once the count is known to be blind to the library's allocations. */
static int counting = COUNTING_ALLOCATIONS;

/*
 * Whether the imsg library's allocations are counted: valgrind, for one,
 * takes its malloc calls over.  ibuf_open allocates in every imsg.
 */
static int
counted(void)
{
	unsigned long before = allocations;

	ibuf_free(ibuf_open(16));
	return allocations != before;
}

_Noreturn static void
die(const char *what)
{
	fprintf(stderr, "bench-imsg: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One channel: the writer's end, the reader's end, and both sides' state. */
struct chan {
	int		 wfd, rfd;
	int		 pipefd;	/* what is sent (imsg: dups of it) */
	int		 withfd;
	unsigned long	 sent, got;	/* messages queued, received */
	unsigned long	 send_allocs, recv_allocs;

	struct imsgbuf	 w, r;

	unsigned char	 out[BATCH * REC];	/* raw: queued records */
	size_t		 outlen, outoff;
	unsigned char	 in[RAW_BUF];		/* raw: unparsed bytes */
	size_t		 inlen;
	unsigned long	 fdsgot;
};

struct transport {
	const char	*name;
	void		(*open)(struct chan *);
	void		(*queue)(struct chan *, unsigned long);
	int		(*pending)(struct chan *);
	void		(*write)(struct chan *);
	unsigned long	(*read)(struct chan *);
	void		(*close)(struct chan *);
};

static const unsigned char payload[PAYLOAD] = "bench-imsg payload";

static void
imsg_open(struct chan *c)
{
	if (imsgbuf_init(&c->w, c->wfd) == -1 ||
	    imsgbuf_init(&c->r, c->rfd) == -1)
		die("imsgbuf_init");
	/* As tmux does: both ends always allow descriptors. */
	imsgbuf_allow_fdpass(&c->w);
	imsgbuf_allow_fdpass(&c->r);
}

static void
imsg_queue(struct chan *c, unsigned long n)
{
	unsigned long before = allocations, i;
	int fd;

	for (i = 0; i < n; i++, c->sent++) {
		fd = -1;
		if (c->withfd && (fd = dup(c->pipefd)) == -1)
			die("dup");
		if (imsg_compose(&c->w, MSG_TYPE, (uint32_t)c->sent, 0, fd,
		    payload, PAYLOAD) == -1)
			die("imsg_compose");
	}
	c->send_allocs += allocations - before;
}

static int
imsg_pending(struct chan *c)
{
	return imsgbuf_queuelen(&c->w) > 0;
}

static void
imsg_write(struct chan *c)
{
	unsigned long before = allocations;

	if (imsgbuf_write(&c->w) == -1)
		die("imsgbuf_write");
	c->send_allocs += allocations - before;
}

static unsigned long
imsg_read(struct chan *c)
{
	unsigned long before = allocations, n = 0;
	struct imsg m;
	int rv, fd;

	if ((rv = imsgbuf_read(&c->r)) == -1)
		die("imsgbuf_read");
	if (rv == 0) {
		errno = EPIPE;
		die("imsgbuf_read: end of stream");
	}
	while ((rv = imsgbuf_get(&c->r, &m)) == 1) {
		if (imsg_get_type(&m) != MSG_TYPE ||
		    imsg_get_len(&m) != PAYLOAD) {
			errno = EBADMSG;
			die("imsgbuf_get: not the message sent");
		}
		fd = imsg_get_fd(&m);
		if (c->withfd != (fd >= 0)) {
			errno = EBADMSG;
			die("imsg_get_fd");
		}
		if (fd >= 0)
			close(fd);
		imsg_free(&m);
		n++;
	}
	if (rv == -1)
		die("imsgbuf_get");
	c->recv_allocs += allocations - before;
	return n;
}

static void
imsg_close_chan(struct chan *c)
{
	imsgbuf_clear(&c->w);
	imsgbuf_clear(&c->r);
}

static void
raw_open(struct chan *c)
{
	c->outlen = c->outoff = c->inlen = 0;
	c->fdsgot = 0;
}

static void
raw_queue(struct chan *c, unsigned long n)
{
	uint32_t hdr[4];
	unsigned long i;

	/* The writer queues only once the last batch went. */
	c->outlen = c->outoff = 0;
	for (i = 0; i < n && i < BATCH; i++, c->sent++) {
		hdr[0] = MSG_TYPE;
		hdr[1] = REC | (c->withfd ? FD_MARK : 0);
		hdr[2] = (uint32_t)c->sent;
		hdr[3] = 0;
		memcpy(c->out + c->outlen, hdr, HDR);
		memcpy(c->out + c->outlen + HDR, payload, PAYLOAD);
		c->outlen += REC;
	}
}

static int
raw_pending(struct chan *c)
{
	return c->outoff < c->outlen;
}

/*
 * Without descriptors, everything queued in one call; with them, a record
 * per call, its descriptor with its first byte.
 */
static void
raw_write(struct chan *c)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	size_t end = c->outlen;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	if (c->withfd) {
		end = c->outoff - c->outoff % REC + REC;
		if (c->outoff % REC == 0) {
			memset(&control, 0, sizeof(control));
			mh.msg_control = control.buf;
			mh.msg_controllen = sizeof(control.buf);
			cmsg = CMSG_FIRSTHDR(&mh);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &c->pipefd, sizeof(int));
		}
	}
	iov.iov_base = c->out + c->outoff;
	iov.iov_len = end - c->outoff;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if ((n = sendmsg(c->wfd, &mh, MSG_NOSIGNAL)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		die("sendmsg");
	}
	c->outoff += (size_t)n;
}

static void
raw_take_fds(struct chan *c, struct msghdr *mh)
{
	struct cmsghdr *cmsg;
	int fds[RAW_FDS];
	size_t n, i;

	if (mh->msg_flags & MSG_CTRUNC) {
		errno = EMSGSIZE;
		die("recvmsg: control truncated");
	}
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cmsg), n * sizeof(int));
		for (i = 0; i < n; i++) {
			if (BENCH_CLOEXEC_BY_FCNTL &&
			    fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1)
				die("fcntl");
			close(fds[i]);
		}
		c->fdsgot += n;
	}
}

static unsigned long
raw_read(struct chan *c)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(RAW_FDS * sizeof(int))];
	} control;
	struct iovec iov;
	struct msghdr mh;
	uint32_t len;
	ssize_t n;
	size_t pos = 0;
	unsigned long got = 0;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->in + c->inlen;
	iov.iov_len = sizeof(c->in) - c->inlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	if ((n = recvmsg(c->rfd, &mh, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die("recvmsg");
	}
	if (n == 0) {
		errno = EPIPE;
		die("recvmsg: end of stream");
	}
	raw_take_fds(c, &mh);
	c->inlen += (size_t)n;
	while (c->inlen - pos >= HDR) {
		memcpy(&len, c->in + pos + 4, sizeof(len));
		len &= ~FD_MARK;
		if (len != REC) {
			errno = EBADMSG;
			die("raw: bad header");
		}
		if (c->inlen - pos < len)
			break;
		pos += len;
		got++;
	}
	memmove(c->in, c->in + pos, c->inlen - pos);
	c->inlen -= pos;
	return got;
}

static void
raw_close(struct chan *c)
{
	if (c->withfd && c->fdsgot != c->got) {
		errno = EBADMSG;
		die("raw: descriptors lost");
	}
}

static const struct transport imsg_transport = {
	BENCH_IMSG_IMPL, imsg_open, imsg_queue, imsg_pending, imsg_write,
	imsg_read, imsg_close_chan
};
static const struct transport raw_transport = {
	"raw", raw_open, raw_queue, raw_pending, raw_write, raw_read,
	raw_close
};

struct writer {
	const struct transport	*t;
	struct chan		*c;
	unsigned long		 target;
};

static void *
write_all(void *arg)
{
	struct writer *w = arg;
	unsigned long n;

	while (w->c->sent < w->target) {
		n = w->target - w->c->sent;
		w->t->queue(w->c, n < BATCH ? n : BATCH);
		while (w->t->pending(w->c))
			w->t->write(w->c);
	}
	return NULL;
}

static void
run_blocking(const struct transport *t, struct chan *c, unsigned long n)
{
	struct writer w = { t, c, c->sent + n };
	unsigned long target = c->got + n;
	pthread_t th;
	int rc;

	if ((rc = pthread_create(&th, NULL, write_all, &w)) != 0) {
		errno = rc;
		die("pthread_create");
	}
	while (c->got < target)
		c->got += t->read(c);
	pthread_join(th, NULL);
}

static void
run_poll(const struct transport *t, struct chan *c, unsigned long n)
{
	unsigned long sendto = c->sent + n, target = c->got + n, k;
	struct pollfd pfd[2];

	while (c->got < target) {
		if (c->sent < sendto && !t->pending(c)) {
			k = sendto - c->sent;
			t->queue(c, k < BATCH ? k : BATCH);
		}
		pfd[0].fd = c->wfd;
		pfd[0].events = t->pending(c) ? POLLOUT : 0;
		pfd[1].fd = c->rfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP))
			t->write(c);
		if (pfd[1].revents & (POLLIN | POLLERR | POLLHUP))
			c->got += t->read(c);
	}
}

static void
set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl");
}

struct bcase {
	const char	*name;
	int		 poll;
	int		 withfd;
};

static const struct bcase cases[NCASES] = {
	{ "blocking", 0, 0 },
	{ "blocking+fd", 0, 1 },
	{ "poll", 1, 0 },
	{ "poll+fd", 1, 1 },
};

struct sample {
	double	 rate;		/* messages per second */
	double	 send_allocs;	/* per message */
	double	 recv_allocs;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long
case_messages(const struct bcase *bc, unsigned long scale)
{
	/* A descriptor costs about twenty times the bytes. */
	return bc->withfd ? scale / 5 : scale;
}

/* One case, warmed up, then n messages timed and counted. */
static struct sample
run_case(const struct transport *t, const struct bcase *bc, unsigned long n)
{
	void (*run)(const struct transport *, struct chan *, unsigned long);
	struct chan *c;
	struct sample s;
	int sv[2], p[2];
	double start;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		die("calloc");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 || pipe(p) == -1)
		die("setup");
	c->wfd = sv[0];
	c->rfd = sv[1];
	c->pipefd = p[0];
	c->withfd = bc->withfd;
	if (bc->poll) {
		set_nonblock(sv[0]);
		set_nonblock(sv[1]);
	}
	run = bc->poll ? run_poll : run_blocking;
	t->open(c);
	/* Fills whatever the implementation keeps for reuse. */
	run(t, c, n / 10 + BATCH);
	c->send_allocs = c->recv_allocs = 0;
	start = now_s();
	run(t, c, n);
	s.rate = (double)n / (now_s() - start);
	s.send_allocs = (double)c->send_allocs / (double)n;
	s.recv_allocs = (double)c->recv_allocs / (double)n;
	t->close(c);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	free(c);
	return s;
}

/*
 * --machine: one round of every case through imsg.h (or of the one named,
 * for a profiler), one line each.
 */
static int
machine(unsigned long scale, const char *only)
{
	struct sample s;
	int i;

	if (COUNTING_ALLOCATIONS && !counted())
		counting = 0;
	for (i = 0; i < NCASES; i++) {
		if (only != NULL && strcmp(only, cases[i].name) != 0)
			continue;
		s = run_case(&imsg_transport, &cases[i],
		    case_messages(&cases[i], scale));
		printf("case %s %.1f %.4f %.4f\n", cases[i].name, s.rate,
		    counting ? s.send_allocs : -1.0,
		    counting ? s.recv_allocs : -1.0);
	}
	printf("impl %s\n", BENCH_IMSG_IMPL);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* One round of the other binary: its samples and its name. */
static void
run_other(const char *bin, unsigned long scale, struct sample out[NCASES],
    char *impl, size_t implsz)
{
	char line[256], name[64], arg[32];
	struct sample s;
	FILE *f;
	pid_t pid;
	int p[2], status, i, seen = 0;

	snprintf(arg, sizeof(arg), "%lu", scale);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) == -1)
			_exit(127);
		execl(bin, bin, "--machine", arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if ((f = fdopen(p[0], "r")) == NULL)
		die("fdopen");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "case %63s %lf %lf %lf", name, &s.rate,
		    &s.send_allocs, &s.recv_allocs) == 4) {
			for (i = 0; i < NCASES; i++)
				if (strcmp(name, cases[i].name) == 0) {
					out[i] = s;
					seen |= 1 << i;
				}
		} else if (strncmp(line, "impl ", 5) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(impl, implsz, "%s", line + 5);
		}
	}
	fclose(f);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || seen != (1 << NCASES) - 1) {
		fprintf(stderr, "bench-imsg: %s --machine failed\n", bin);
		exit(1);
	}
}

static void
print_allocs(double send, double recv)
{
	if (send < 0 || recv < 0)
		printf("  %11s", "n/a");
	else
		printf("  %5.2f/%5.2f", send, recv);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-imsg [--quick] [--rounds N] "
	    "[--against BINARY]\n       bench-imsg --machine SCALE [CASE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static double ours[NCASES][MAX_ROUNDS], raw[NCASES][MAX_ROUNDS],
	    theirs[NCASES][MAX_ROUNDS];
	double oa[NCASES][2] = { { 0 } }, ta[NCASES][2] = { { 0 } };
	struct sample s, other[NCASES];
	const char *against = NULL;
	char impl[256] = "";
	unsigned long scale = 200000;
	int rounds = 9, r, i, k, first, quick = 0;
	double o, w, x;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--machine") == 0 && i + 1 < argc)
			return machine(strtoul(argv[i + 1], NULL, 10),
			    i + 2 < argc ? argv[i + 2] : NULL);
		else if (strcmp(argv[i], "--quick") == 0) {
			quick = 1;
			scale = 2000;
			rounds = 3;
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > MAX_ROUNDS)
				usage();
		} else if (strcmp(argv[i], "--against") == 0 && i + 1 < argc)
			against = argv[++i];
		else
			usage();
	}

	if (COUNTING_ALLOCATIONS && !counted())
		counting = 0;
	printf("bench-imsg: %s", BENCH_IMSG_IMPL);
	if (against != NULL)
		printf(" against %s", against);
	printf("\n%d-byte messages (%d with the header) over an AF_UNIX "
	    "stream socketpair, batches of %d\n%d rounds, implementations "
	    "in turn; median messages per second%s\n\n", PAYLOAD, REC, BATCH,
	    rounds, quick ? " (quick run: numbers are noisy)" : "");
	for (r = 0; r < rounds; r++) {
		first = r % 2;
		for (k = 0; k < 2; k++) {
			if (k == first && against != NULL) {
				run_other(against, scale, other, impl,
				    sizeof(impl));
				for (i = 0; i < NCASES; i++) {
					theirs[i][r] = other[i].rate;
					ta[i][0] += other[i].send_allocs;
					ta[i][1] += other[i].recv_allocs;
				}
			} else if (k != first) {
				for (i = 0; i < NCASES; i++) {
					s = run_case(&imsg_transport,
					    &cases[i], case_messages(
					    &cases[i], scale));
					ours[i][r] = s.rate;
					oa[i][0] += s.send_allocs;
					oa[i][1] += s.recv_allocs;
					s = run_case(&raw_transport, &cases[i],
					    case_messages(&cases[i], scale));
					raw[i][r] = s.rate;
				}
			}
		}
	}

	printf("%-12s %8s %11s %11s %8s", "case", "messages", "ours/s",
	    "raw/s", "ours/raw");
	if (against != NULL)
		printf(" %11s %8s", "theirs/s", "ours/th");
	printf("  %11s", "allocs s/r");
	if (against != NULL)
		printf("  %11s", "theirs s/r");
	printf("\n");
	for (i = 0; i < NCASES; i++) {
		o = median(ours[i], rounds);
		x = median(raw[i], rounds);
		printf("%-12s %8lu %11.0f %11.0f %8.3f", cases[i].name,
		    case_messages(&cases[i], scale), o, x, o / x);
		if (against != NULL) {
			w = median(theirs[i], rounds);
			printf(" %11.0f %8.3f", w, o / w);
		}
		if (counting)
			print_allocs(oa[i][0] / rounds, oa[i][1] / rounds);
		else
			print_allocs(-1, -1);
		if (against != NULL)
			print_allocs(ta[i][0] / rounds, ta[i][1] / rounds);
		printf("\n");
	}
	printf("\nours: %s; raw: sendmsg/recvmsg, same bytes and descriptors"
	    ", no framing library\n", BENCH_IMSG_IMPL);
	if (against != NULL)
		printf("theirs: %s (%s)\n", impl, against);
	printf("allocs s/r: heap allocations per message in steady state, "
	    "sending/receiving side%s\n", counting ? "" :
	    " (not counted: not glibc, a sanitizer, or valgrind)");
	return 0;
}
