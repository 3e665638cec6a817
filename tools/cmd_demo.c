/* SPDX-License-Identifier: ISC */
/*
 * fdpass demo: fork a child and pass it a pipe, an open file and a socket;
 * the child uses each and the parent checks that nothing leaked.
 */
#include <dirent.h>
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

static const char *role = "parent";

static int
fail(const char *what)
{
	fprintf(stderr, "fdpass demo [%s]: %s: %s\n", role, what,
	    strerror(errno));
	return 1;
}

static int
fail_plain(const char *what)
{
	fprintf(stderr, "fdpass demo [%s]: %s\n", role, what);
	return 1;
}

static void
trace(const char *fmt, ...)
{
	va_list ap;

	printf("[%-6s] ", role);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Open descriptors, from /proc/self/fd or /dev/fd, or -1 if neither. */
static int
count_open_fds(void)
{
	const char *dirs[] = { "/proc/self/fd", "/dev/fd" };
	struct dirent *de;
	DIR *d;
	int i, n;

	for (i = 0; i < 2; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		n = 0;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		return n - 1;	/* not the directory's own descriptor */
	}
	return -1;
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

/* The child: receive the three descriptors and use each. */
static int
demo_child(int channel)
{
	struct fdpass_cred cred;
	int fds[DEMO_NFDS], i;
	size_t nfds = DEMO_NFDS;
	char note[64], text[64];
	ssize_t n;

	role = "child";
	n = fdpass_recv_with_fds(channel, note, sizeof note - 1, fds, &nfds);
	if (n < 0)
		return fail("fdpass_recv_with_fds");
	note[n] = '\0';
	if (nfds != DEMO_NFDS)
		return fail_plain("expected 3 descriptors");
	trace("fdpass_recv_with_fds() = %zd bytes \"%s\", %zu descriptors: "
	    "[%d, %d, %d]", n, note, nfds, fds[0], fds[1], fds[2]);
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

	if (fdpass_peer_cred(channel, &cred) == -1)
		return fail("fdpass_peer_cred");
	trace("fdpass_peer_cred(channel): pid %ld uid %ld gid %ld (the "
	    "socketpair's creator)",
	    (long)cred.pid, (long)cred.uid, (long)cred.gid);
	for (i = 0; i < DEMO_NFDS; i++)
		close(fds[i]);
	return 0;
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
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail_plain("the child failed");
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

int
cmd_demo(int argc, char **argv)
{
	struct demo d = { { -1, -1 }, { -1, -1 }, -1, { -1, -1 } };
	int before, after, rc;
	pid_t child;

	(void)argc;
	(void)argv;
	trace("libfdpass %s, backend %s: up to %zu descriptors per message",
	    fdpass_version(), fdpass_backend()->name, fdpass_max_fds());
	before = count_open_fds();
	trace("open descriptors before: %d", before);
	if (demo_open(&d) != 0) {
		demo_close(&d);
		return 1;
	}
	fflush(stdout);
	if ((child = fork()) == -1) {
		demo_close(&d);
		return fail("fork");
	}
	if (child == 0) {
		close(d.channel[0]);
		_exit(demo_child(d.channel[1]));
	}
	rc = demo_parent(&d, child);
	demo_close(&d);
	if (rc != 0)
		return rc;
	after = count_open_fds();
	trace("open descriptors after:  %d", after);
	if (after != before)
		return fail_plain("descriptors leaked");
	trace("every descriptor was used by the child, and nothing leaked");
	return 0;
}
