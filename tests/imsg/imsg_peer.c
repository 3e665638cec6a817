/* SPDX-License-Identifier: ISC */
/*
 * An interop peer written only against imsg.h (OpenBSD 1.24's API), so the
 * same file builds against libfdpass-imsg or any other imsg (tmux's compat
 * copy, OpenBSD's libutil) and the builds can be paired.
 *
 *   imsg_peer echo [-c] [fd]
 *	Reads messages on the inherited socket fd (3 by default) and sends
 *	each back unchanged, with its descriptor when it has one, until the
 *	peer closes.  -c: every received descriptor must be close-on-exec.
 *
 *   imsg_peer drive [-cC] [-n count] [-s maxsize] [-k every] program
 *	Runs "program echo" on one end of a socketpair (as fd 3) and sends it
 *	count messages through a non-blocking poll loop: payloads of 0..maxsize
 *	bytes (every 97th the largest imsg allows), every k-th message with the write end of a fresh pipe, varied
 *	type, peerid and pid.  Each reply must carry the same header and bytes;
 *	a reply's descriptor must be the same pipe (a token written into it is
 *	read on the kept read end, which then reads end-of-file: no copy was
 *	left open on either side).  -c: received descriptors must be
 *	close-on-exec; -C: pass -c to the echo.  The open-descriptor count
 *	must be the same before and after, in both processes.
 *
 *   imsg_peer pairings [program...]
 *	Runs drive for every ordered pair of the programs: itself, those named
 *	and the one in the environment variable FDPASS_IMSG_PEER.  -c
 *	and -C for its own side only: close-on-exec is this library's promise,
 *	not imsg's (OpenBSD receives without MSG_CMSG_CLOEXEC).
 *
 * Exit status 0 when every check held; 1 with a line on stderr otherwise.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* imsg_init(3) puts <sys/queue.h> before <imsg.h>; musl has none. */
#if defined(__has_include)
#if __has_include(<sys/queue.h>)
#include <sys/queue.h>
#endif
#endif
#include <imsg.h>

#define ECHO_FD		3
#define WINDOW		64	/* messages in flight */
#define TYPE_BASE	0x5000u

/* Writable argument strings for exec and getopt (-Wwrite-strings). */
static char arg_drive[] = "drive", arg_c[] = "-c", arg_C[] = "-C";

static const char *progname = "imsg_peer";

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

/* Descriptors 0..1023 that are open (F_GETFD succeeds). */
static int
open_fd_count(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static void
check_cloexec(int fd, unsigned seq)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags == -1)
		fail("message %u: received descriptor %d: %s", seq, fd,
		    strerror(errno));
	if (!(flags & FD_CLOEXEC))
		fail("message %u: received descriptor %d is not close-on-exec",
		    seq, fd);
}

/* What message seq carries: every field differs from its neighbours'. */
struct expect {
	uint32_t	type;
	uint32_t	id;
	pid_t		pid;	/* as composed; 0 means the sender's pid */
	size_t		len;
	int		has_fd;
};

static void
expect_of(unsigned seq, size_t maxsize, unsigned every, struct expect *e)
{
	e->type = TYPE_BASE + seq;
	e->id = (uint32_t)seq * 2654435761u;
	switch (seq % 4) {
	case 0:
		e->pid = 0;
		break;
	case 1:
		e->pid = (pid_t)(seq + 1);
		break;
	case 2:
		e->pid = INT32_MAX;
		break;
	default:
		e->pid = -(pid_t)(seq + 1);
		break;
	}
	/* Now and then the largest message, for partial writes and reads. */
	if (seq % 97 == 96)
		e->len = MAX_IMSGSIZE - IMSG_HEADER_SIZE;
	else
		e->len = seq % (maxsize + 1);
	e->has_fd = every != 0 && seq % every == every - 1;
}

static unsigned char
payload_byte(unsigned seq, size_t i)
{
	return (unsigned char)(seq * 31u + i * 7u + 1u);
}

static int
echo_main(int argc, char **argv)
{
	struct imsgbuf	 ib;
	struct imsg	 imsg;
	unsigned char	*buf;
	int		 cloexec = 0, fd = ECHO_FD, before, n, rfd;
	unsigned	 seq = 0;
	size_t		 len;

	if (argc > 0 && strcmp(argv[0], "-c") == 0) {
		cloexec = 1;
		argc--, argv++;
	}
	if (argc > 0)
		fd = atoi(argv[0]);
	before = open_fd_count();
	if ((buf = malloc(MAX_IMSGSIZE)) == NULL)
		fail("echo: malloc");
	if (imsgbuf_init(&ib, fd) == -1)
		fail("echo: imsgbuf_init: %s", strerror(errno));
	imsgbuf_allow_fdpass(&ib);
	for (;;) {
		if ((n = imsgbuf_read(&ib)) == -1)
			fail("echo: imsgbuf_read: %s", strerror(errno));
		if (n == 0)
			break;
		while ((n = imsgbuf_get(&ib, &imsg)) == 1) {
			len = imsg_get_len(&imsg);
			/* imsg_get_data refuses len 0 (EINVAL). */
			if (len > MAX_IMSGSIZE || (len > 0 &&
			    imsg_get_data(&imsg, buf, len) == -1))
				fail("echo: message %u: imsg_get_data: %s", seq,
				    strerror(errno));
			rfd = imsg_get_fd(&imsg);
			if (rfd != -1 && cloexec)
				check_cloexec(rfd, seq);
			/* imsg_compose closes rfd once it has been sent. */
			if (imsg_compose(&ib, imsg_get_type(&imsg),
			    imsg_get_id(&imsg), imsg_get_pid(&imsg), rfd, buf,
			    len) == -1)
				fail("echo: message %u: imsg_compose: %s", seq,
				    strerror(errno));
			imsg_free(&imsg);
			seq++;
		}
		if (n == -1)
			fail("echo: message %u: imsgbuf_get: %s", seq,
			    strerror(errno));
		if (imsgbuf_flush(&ib) == -1)
			fail("echo: imsgbuf_flush: %s", strerror(errno));
	}
	imsgbuf_clear(&ib);
	free(buf);
	close(fd);
	if (open_fd_count() != before - 1)
		fail("echo: %d descriptors open at the start, %d at the end "
		    "(socket closed)", before, open_fd_count());
	return 0;
}

struct drive {
	const char	*program;
	unsigned	 count;
	size_t		 maxsize;
	unsigned	 every;
	int		 cloexec;	/* check received descriptors */
	int		 echo_cloexec;	/* pass -c to the echo */
	int		 pipes[WINDOW];	/* read ends by seq % WINDOW */
	unsigned	 sent, received, with_fd;
};

/*
 * The echo on sock as fd 3: program, or with program "-" this file's echo
 * in a forked child (no exec, so it also runs under an emulator).
 */
static pid_t
spawn_echo(const struct drive *d, int sock, int keep)
{
	char	*args[] = { NULL, arg_c, NULL };
	pid_t	 pid;

	if ((pid = fork()) == -1)
		fail("fork: %s", strerror(errno));
	if (pid != 0)
		return pid;
	close(keep);
	if (sock != ECHO_FD) {
		if (dup2(sock, ECHO_FD) == -1)
			_exit(127);
		close(sock);
	} else if (fcntl(sock, F_SETFD, 0) == -1)
		_exit(127);
	if (strcmp(d->program, "-") == 0) {
		progname = "imsg_peer (echo)";
		fflush(stdout);
		_exit(echo_main(d->echo_cloexec, args + 1));
	}
	if (d->echo_cloexec)
		execl(d->program, d->program, "echo", "-c", (char *)NULL);
	else
		execl(d->program, d->program, "echo", (char *)NULL);
	fprintf(stderr, "%s: exec %s: %s\n", progname, d->program,
	    strerror(errno));
	_exit(127);
}

static void
send_one(struct drive *d, struct imsgbuf *ib)
{
	unsigned char	 buf[MAX_IMSGSIZE];
	struct expect	 e;
	unsigned	 seq = d->sent;
	int		 p[2] = { -1, -1 };
	size_t		 i;

	expect_of(seq, d->maxsize, d->every, &e);
	for (i = 0; i < e.len; i++)
		buf[i] = payload_byte(seq, i);
	if (e.has_fd) {
		if (pipe(p) == -1)
			fail("pipe: %s", strerror(errno));
		/* The kept end must not block if a token never arrives. */
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1)
			fail("fcntl: %s", strerror(errno));
		d->with_fd++;
	}
	d->pipes[seq % WINDOW] = p[0];
	if (imsg_compose(ib, e.type, e.id, e.pid, p[1], buf, e.len) == -1)
		fail("message %u: imsg_compose: %s", seq, strerror(errno));
	d->sent++;
}

/*
 * The reply's descriptor is the pipe sent with it, and once the echo has
 * closed its copy (just after its send, so wait for that) the last one.
 */
static void
check_identity(int rfd, int keep, unsigned seq)
{
	uint32_t	token = seq ^ 0x9e3779b9u, got = 0;
	struct pollfd	pfd = { .fd = keep, .events = POLLIN };
	ssize_t		n;

	if (write(rfd, &token, sizeof(token)) != (ssize_t)sizeof(token))
		fail("message %u: write into the received descriptor: %s", seq,
		    strerror(errno));
	close(rfd);
	n = read(keep, &got, sizeof(got));
	if (n != (ssize_t)sizeof(got) || got != token)
		fail("message %u: the received descriptor is not the pipe that "
		    "was sent (read %zd bytes, token %08x, want %08x)", seq, n,
		    got, token);
	while (poll(&pfd, 1, 10000) == -1 && errno == EINTR)
		;
	if ((n = read(keep, &got, 1)) != 0)
		fail("message %u: the pipe's write end is still open 10 s "
		    "after its echo (read returned %zd, %s)", seq, n,
		    n == -1 ? strerror(errno) : "data");
	close(keep);
}

static void
check_reply(struct drive *d, struct imsg *imsg)
{
	unsigned char	 buf[MAX_IMSGSIZE];
	struct expect	 e;
	unsigned	 seq = d->received;
	pid_t		 pid;
	size_t		 i, len;
	int		 rfd, keep;

	expect_of(seq, d->maxsize, d->every, &e);
	pid = e.pid == 0 ? getpid() : e.pid;
	if (seq >= d->sent)
		fail("reply %u before its message was sent", seq);
	if (imsg_get_type(imsg) != e.type || imsg_get_id(imsg) != e.id ||
	    imsg_get_pid(imsg) != pid)
		fail("message %u: type %u id %u pid %ld, want %u %u %ld", seq,
		    imsg_get_type(imsg), imsg_get_id(imsg),
		    (long)imsg_get_pid(imsg), e.type, e.id, (long)pid);
	len = imsg_get_len(imsg);
	if (len != e.len)
		fail("message %u: %zu bytes, want %zu", seq, len, e.len);
	if (len > 0 && imsg_get_data(imsg, buf, len) == -1)
		fail("message %u: imsg_get_data: %s", seq, strerror(errno));
	for (i = 0; i < len; i++)
		if (buf[i] != payload_byte(seq, i))
			fail("message %u: byte %zu is %u, want %u", seq, i,
			    buf[i], payload_byte(seq, i));
	rfd = imsg_get_fd(imsg);
	keep = d->pipes[seq % WINDOW];
	d->pipes[seq % WINDOW] = -1;
	if (!e.has_fd) {
		if (rfd != -1)
			fail("message %u: descriptor %d on a message sent "
			    "without one", seq, rfd);
		return;
	}
	if (rfd == -1)
		fail("message %u: sent with a descriptor, received without",
		    seq);
	if (d->cloexec)
		check_cloexec(rfd, seq);
	check_identity(rfd, keep, seq);
}

static void
drive_loop(struct drive *d, struct imsgbuf *ib, int sock)
{
	struct pollfd	pfd;
	struct imsg	imsg;
	int		n;

	while (d->received < d->count) {
		while (d->sent < d->count && d->sent - d->received < WINDOW)
			send_one(d, ib);
		pfd.fd = sock;
		pfd.events = POLLIN;
		if (imsgbuf_queuelen(ib) > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 30000) == -1) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", strerror(errno));
		}
		if (pfd.revents == 0)
			fail("no progress in 30 s after %u replies", d->received);
		if ((pfd.revents & POLLOUT) && imsgbuf_write(ib) == -1)
			fail("imsgbuf_write: %s", strerror(errno));
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = imsgbuf_read(ib)) == -1)
			fail("imsgbuf_read: %s", strerror(errno));
		if (n == 0)
			fail("the echo closed after %u replies", d->received);
		while ((n = imsgbuf_get(ib, &imsg)) == 1) {
			check_reply(d, &imsg);
			imsg_free(&imsg);
			d->received++;
		}
		if (n == -1)
			fail("imsgbuf_get: %s", strerror(errno));
	}
}

static int
drive_main(int argc, char **argv)
{
	struct drive	 d;
	struct imsgbuf	 ib;
	int		 sv[2], before, status, ch;
	pid_t		 pid;

	memset(&d, 0, sizeof(d));
	d.count = 3000;
	d.maxsize = 300;
	d.every = 3;
	optind = 1;
	while ((ch = getopt(argc, argv, "cCn:s:k:")) != -1) {
		switch (ch) {
		case 'c':
			d.cloexec = 1;
			break;
		case 'C':
			d.echo_cloexec = 1;
			break;
		case 'n':
			d.count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			d.maxsize = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			d.every = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1 || d.maxsize > MAX_IMSGSIZE - IMSG_HEADER_SIZE)
		return 2;
	d.program = argv[optind];
	before = open_fd_count();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		fail("socketpair: %s", strerror(errno));
	if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		fail("fcntl: %s", strerror(errno));
	pid = spawn_echo(&d, sv[1], sv[0]);
	close(sv[1]);
	if (imsgbuf_init(&ib, sv[0]) == -1)
		fail("imsgbuf_init: %s", strerror(errno));
	imsgbuf_allow_fdpass(&ib);
	drive_loop(&d, &ib, sv[0]);
	imsgbuf_clear(&ib);
	close(sv[0]);
	if (waitpid(pid, &status, 0) == -1)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the echo (%s) failed: status %#x", d.program, status);
	if (open_fd_count() != before)
		fail("%d descriptors open before, %d after", before,
		    open_fd_count());
	printf("%s: %u messages (%u with a descriptor) echoed by %s: ok\n",
	    progname, d.count, d.with_fd, d.program);
	return 0;
}

/*
 * One pairing in a child: this file's drive without exec when it drives
 * (its echo then "-"), the other program by exec.
 */
static int
run_pair(const char *self, const char *driver, const char *echo,
    int ours_drives, int ours_echoes)
{
	char	*args[8];
	int	 status, i = 0;
	pid_t	 pid;

	args[i++] = (char *)driver;
	args[i++] = arg_drive;
	if (ours_drives)
		args[i++] = arg_c;
	if (ours_echoes)
		args[i++] = arg_C;
	args[i++] = (char *)(ours_drives && ours_echoes ? "-" : echo);
	args[i] = NULL;
	printf("%s: %s drives, %s echoes\n", progname,
	    ours_drives ? self : driver, ours_echoes ? self : echo);
	fflush(stdout);
	if ((pid = fork()) == -1)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (ours_drives) {
			status = drive_main(i - 1, args + 1);
			fflush(stdout);
			_exit(status);
		}
		execv(driver, args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		fail("waitpid: %s", strerror(errno));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
pairings_main(const char *self, int argc, char **argv)
{
	const char	*prog[8], *env = getenv("FDPASS_IMSG_PEER");
	int		 n = 0, i, j, failed = 0;

	prog[n++] = self;
	for (i = 0; i < argc && n < 7; i++)
		if (argv[i][0] != '\0')
			prog[n++] = argv[i];
	if (env != NULL && env[0] != '\0')
		prog[n++] = env;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (!run_pair(self, prog[i], prog[j], i == 0,
			    j == 0)) {
				fprintf(stderr, "%s: FAILED: %s drives, %s "
				    "echoes\n", progname, prog[i], prog[j]);
				failed = 1;
			}
	printf("%s: %d pairings, %s\n", progname, n * n,
	    failed ? "FAILED" : "all passed");
	return failed;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "echo") == 0)
		return echo_main(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "drive") == 0)
		return drive_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pairings") == 0)
		return pairings_main(argv[0], argc - 2, argv + 2);
	fprintf(stderr, "usage: %s echo [-c] [fd] | drive [-cC] [-n count] "
	    "[-s maxsize] [-k every] program | pairings program...\n",
	    progname);
	return 2;
}
