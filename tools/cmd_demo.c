/* SPDX-License-Identifier: ISC */
/*
 * fdpass demo: fork a child and pass it a pipe, an open file and a socket;
 * the child uses each.  Both processes check that no descriptor leaked:
 * the child, where they are received, from before receiving to after
 * closing them; the parent from before opening them to the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fdpass.h"
#include "cli.h"
#include "fdcount.h"

struct role {
	const char *name;	/* in the trace */
	const char *context;	/* in error messages */
};

static const struct role parent_role = { "parent", "demo [parent]" };
static const struct role child_role = { "child", "demo [child]" };
static const struct role *role = &parent_role;

static int
fail(const char *what)
{
	return cli_error(role->context, "%s: %s", what, strerror(errno));
}

static int
fail_plain(const char *what)
{
	return cli_error(role->context, "%s", what);
}

static void
trace(const char *fmt, ...)
{
	va_list ap;

	printf("[%-6s] ", role->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	cli_flush_stdout();
}

/* Open descriptors now: a count that cannot be had fails the demo. */
static int
count_fds(size_t *n)
{
	if (fdcount(n) == -1)
		return fail("cannot count open descriptors");
	return 0;
}

static int
check_no_leak(size_t before, size_t after)
{
	if (after != before)
		return cli_error(role->context, "descriptors leaked: %zu open "
		    "before, %zu after", before, after);
	return 0;
}

static int
write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

static int
read_text(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

enum { DEMO_PIPE, DEMO_FILE, DEMO_SOCKET, DEMO_NFDS };

/* The child's part: receive the three descriptors into fds. */
static int
demo_receive(int channel, int fds[DEMO_NFDS])
{
	size_t nfds = DEMO_NFDS;
	char note[64];
	ssize_t n;
	int i;

	n = fdpass_recv_with_fds(channel, note, sizeof note - 1, fds, &nfds);
	if (n < 0)
		return fail("fdpass_recv_with_fds");
	note[n] = '\0';
	if (nfds != DEMO_NFDS) {
		for (i = 0; i < (int)nfds; i++)
			close(fds[i]);
		return fail_plain("expected 3 descriptors");
	}
	trace("fdpass_recv_with_fds() = %zd bytes \"%s\", %zu descriptors: "
	    "[%d, %d, %d]", n, note, nfds, fds[0], fds[1], fds[2]);
	return 0;
}

/* The child's part: use each received descriptor. */
static int
demo_use(int channel, const int fds[DEMO_NFDS])
{
	struct fdpass_cred cred;
	char text[64];
	int i;

	for (i = 0; i < DEMO_NFDS; i++)
		if (!(fcntl(fds[i], F_GETFD) & FD_CLOEXEC))
			return fail_plain("received descriptor without FD_CLOEXEC");
	trace("every received descriptor has FD_CLOEXEC: an exec would not "
	    "leak them");

	if (write_all(fds[DEMO_PIPE], "hello through the pipe") == -1)
		return fail("write to the received pipe");
	trace("pipe   fd %d: wrote \"hello through the pipe\"", fds[DEMO_PIPE]);

	if (lseek(fds[DEMO_FILE], 0, SEEK_SET) == -1 ||
	    read_text(fds[DEMO_FILE], text, sizeof text) == -1)
		return fail("read the received file");
	trace("file   fd %d: read \"%s\"", fds[DEMO_FILE], text);

	if (write_all(fds[DEMO_SOCKET], "hello through the socket") == -1)
		return fail("write to the received socket");
	trace("socket fd %d: sent \"hello through the socket\"",
	    fds[DEMO_SOCKET]);

	if (fdpass_peer_cred(channel, &cred) == -1) {
		/* NetBSD keeps no credentials for a socketpair end. */
		if (errno != ENOTCONN)
			return fail("fdpass_peer_cred");
		trace("fdpass_peer_cred(channel): ENOTCONN, the kernel keeps "
		    "no credentials for this socketpair end");
		return 0;
	}
	trace("fdpass_peer_cred(channel): pid %ld uid %ld gid %ld (the "
	    "socketpair's creator)",
	    (long)cred.pid, (long)cred.uid, (long)cred.gid);
	return 0;
}

/*
 * The child: receive, use and close the three descriptors, counting open
 * descriptors before receiving and after closing: a receive that installs
 * a descriptor it does not hand over shows here, where it happens.
 */
static int
demo_child(int channel)
{
	int fds[DEMO_NFDS], i, rc;
	size_t before, after;

	role = &child_role;
	if (count_fds(&before) != 0)
		return EXIT_FAILURE;
	trace("open descriptors before receiving: %zu", before);
	if (demo_receive(channel, fds) != 0)
		return EXIT_FAILURE;
	rc = demo_use(channel, fds);
	for (i = 0; i < DEMO_NFDS; i++)
		close(fds[i]);
	if (rc != 0)
		return rc;
	if (count_fds(&after) != 0)
		return EXIT_FAILURE;
	trace("open descriptors after closing what it received: %zu", after);
	return check_no_leak(before, after);
}

static int
open_scratch_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/fdpass-demo-XXXXXX",
	    dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	(void)unlink(path);	/* only the descriptor names it now */
	if (write_all(fd, "written by the parent") == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

struct demo {
	int channel[2];
	int pipe[2];
	int file;
	int sock[2];
};

static void
demo_close(struct demo *d)
{
	int *all[] = { &d->channel[0], &d->channel[1], &d->pipe[0],
	    &d->pipe[1], &d->file, &d->sock[0], &d->sock[1] };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		if (*all[i] >= 0) {
			close(*all[i]);
			*all[i] = -1;
		}
}

static int
demo_open(struct demo *d)
{
	if (fdpass_socketpair(SOCK_STREAM, d->channel) == -1)
		return fail("fdpass_socketpair (channel)");
	if (pipe(d->pipe) == -1)
		return fail("pipe");
	if ((d->file = open_scratch_file()) == -1)
		return fail("create a scratch file");
	if (fdpass_socketpair(SOCK_STREAM, d->sock) == -1)
		return fail("fdpass_socketpair (payload)");
	trace("channel: socketpair fds %d <-> %d", d->channel[0],
	    d->channel[1]);
	trace("to pass: pipe write end fd %d, file fd %d, socket fd %d",
	    d->pipe[1], d->file, d->sock[1]);
	return 0;
}

/* The parent: send, then hear back through each passed descriptor. */
static int
demo_parent(struct demo *d, pid_t child)
{
	static const char note[] = "take these";
	struct iovec iov = { .iov_base = (void *)note, .iov_len = strlen(note) };
	int fds[DEMO_NFDS] = { d->pipe[1], d->file, d->sock[1] };
	char text[64];
	ssize_t n;
	int status;

	n = fdpass_send_with_fds(d->channel[0], &iov, 1, fds, DEMO_NFDS);
	if (n < 0)
		return fail("fdpass_send_with_fds");
	trace("fdpass_send_with_fds(fd %d, \"%s\", [%d, %d, %d]) = %zd",
	    d->channel[0], note, fds[0], fds[1], fds[2], n);
	if (waitpid(child, &status, 0) == -1)
		return fail("waitpid");
	/* Says which, as a shell would: a signal is no failure of its own. */
	if (WIFSIGNALED(status))
		return cli_error(role->context, "the child was killed by "
		    "signal %d", WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cli_error(role->context, "the child exited with "
		    "status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	/* Close our copies of the write ends so reads end at EOF. */
	close(d->pipe[1]);
	d->pipe[1] = -1;
	if (read_text(d->pipe[0], text, sizeof text) == -1)
		return fail("read the pipe");
	trace("pipe said:   \"%s\"", text);
	if (read_text(d->sock[0], text, sizeof text) == -1)
		return fail("read the socket");
	trace("socket said: \"%s\"", text);
	return 0;
}

/* The parent: open, fork, send, hear back, close; count around it all. */
static int
run_demo(void)
{
	struct demo d = { { -1, -1 }, { -1, -1 }, -1, { -1, -1 } };
	size_t before, after;
	pid_t child;
	int rc;

	trace("libfdpass %s, backend %s: up to %zu descriptors per message",
	    fdpass_version(), fdpass_backend()->name, fdpass_max_fds());
	trace("descriptors are counted with %s", fdcount_method());
	if (count_fds(&before) != 0)
		return EXIT_FAILURE;
	trace("open descriptors before: %zu", before);
	if (demo_open(&d) != 0) {
		demo_close(&d);
		return EXIT_FAILURE;
	}
	cli_flush_stdout();
	if ((child = fork()) == -1) {
		demo_close(&d);
		return fail("fork");
	}
	if (child == 0) {
		close(d.channel[0]);
		rc = demo_child(d.channel[1]);
		if (cli_close_stdout() != 0 && rc == 0)
			rc = EXIT_FAILURE;
		_exit(rc);
	}
	rc = demo_parent(&d, child);
	demo_close(&d);
	if (rc != 0)
		return rc;
	if (count_fds(&after) != 0)
		return EXIT_FAILURE;
	trace("open descriptors after:  %zu", after);
	if (check_no_leak(before, after) != 0)
		return EXIT_FAILURE;
	trace("every descriptor was used by the child, and nothing leaked "
	    "in either process");
	return 0;
}

int
cmd_demo(int argc, char **argv)
{
	if (argc > 1)
		return cli_bad_argument("demo", argv[1]);
	return run_demo();
}
