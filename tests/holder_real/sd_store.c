/* SPDX-License-Identifier: ISC */
/*
 * Real test 2 of issue 11, the client side: a program using libsystemd as
 * any service would, against `fdpass hold --notify`.
 *
 *   sd_store FDPASS HOLDER_SOCKET CONSUMER DIR
 *
 * With NOTIFY_SOCKET naming the holder's notify socket, it stores two
 * descriptors with sd_pid_notify_with_fds(), one message each:
 * "FDSTORE=1\nFDNAME=pipe" with the write end of a pipe, and
 * "FDSTORE=1\nFDNAME=file" with a file it created in DIR and filled with
 * "0123456789abcdef".  sd_notify_barrier() then waits until the holder has
 * read both messages (it closes the barrier's descriptor).  It keeps the
 * pipe's read end and its own copy of the file's descriptor.
 *
 * Then, three times, it runs
 *   FDPASS exec HOLDER_SOCKET NAME NAME -- CONSUMER TOKEN DEV INO NOTIFY
 * (sd_listen.c) without NOTIFY_SOCKET in its environment: with the names
 * in either order, and with --wait-ready (the consumer then says READY=1
 * with sd_notify() and fdpass exec returns once the holder saw it).  The
 * consumer finds the descriptors by their names, checks that NOTIFY_SOCKET
 * came back from fdpass exec, reads 4 bytes from the file, writes "ok"
 * after them, and writes "TOKEN:<the 4 bytes>" into the pipe.  The identities are checked here: the token arrives at
 * the pipe's original read end, and the file offset this process sees
 * moved by 6 (one open file description, shared), with "ok" in the file
 * where it should be.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2, mkostemp */
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static const char content[] = "0123456789abcdef";

static void
die(const char *what, int error)
{
	fprintf(stderr, "sd_store: %s%s%s\n", what, error ? ": " : "",
	    error ? strerror(error) : "");
	exit(1);
}

/* Nothing this process holds reaches the programs it runs but 0, 1, 2. */
static void
cloexec_all(void)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Reads exactly n bytes from fd, waiting at most 10 s. */
static void
read_all(int fd, char *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (poll(&p, 1, 10000) != 1)
			die("nothing arrived in the pipe within 10 s", 0);
		r = read(fd, buf + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read from the pipe", r == 0 ? EPIPE : errno);
		got += (size_t)r;
	}
}

static void
run_consumer(char **argv, const char *first, const char *second, int wait_ready,
    const char *token, const struct stat *st, int pipe_rd, int file)
{
	const char *notify = getenv("NOTIFY_SOCKET");
	char dev[32], ino[32], expect[64], got[64], ok[3] = "";
	off_t before, after;
	int status;
	pid_t pid;

	before = lseek(file, 0, SEEK_CUR);
	snprintf(dev, sizeof dev, "%ju", (uintmax_t)st->st_dev);
	snprintf(ino, sizeof ino, "%ju", (uintmax_t)st->st_ino);
	snprintf(expect, sizeof expect, "%s:%.4s\n", token, content + before);

	fflush(stdout);
	if ((pid = fork()) == -1)
		die("fork", errno);
	if (pid == 0) {
		/* fdpass exec must set it from what the holder says. */
		unsetenv("NOTIFY_SOCKET");
		if (wait_ready)
			execl(argv[1], argv[1], "exec", argv[2], first, second,
			    "--wait-ready", "--", argv[3], token, dev, ino, notify,
			    "ready", (char *)NULL);
		else
			execl(argv[1], argv[1], "exec", argv[2], first, second, "--",
			    argv[3], token, dev, ino, notify, (char *)NULL);
		fprintf(stderr, "sd_store: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		die("waitpid", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "sd_store: fdpass exec %s %s%s -- sd_listen: status %d\n",
		    first, second, wait_ready ? " --wait-ready" : "", status);
		exit(1);
	}

	read_all(pipe_rd, got, strlen(expect));
	got[strlen(expect)] = '\0';
	if (strcmp(got, expect) != 0) {
		fprintf(stderr, "sd_store: the pipe brought '%s', not '%s'\n", got, expect);
		exit(1);
	}
	after = lseek(file, 0, SEEK_CUR);
	if (pread(file, ok, 2, before + 4) != 2 || strcmp(ok, "ok") != 0 ||
	    after != before + 6) {
		fprintf(stderr, "sd_store: file offset %jd -> %jd (expected +6), "
		    "'%s' at %jd (expected 'ok')\n", (intmax_t)before,
		    (intmax_t)after, ok, (intmax_t)before + 4);
		exit(1);
	}
	printf("sd_store: exec %s %s%s: token back through the pipe's read end; "
	    "file offset %jd -> %jd here too, 'ok' written at %jd\n",
	    first, second, wait_ready ? " --wait-ready" : "",
	    (intmax_t)before, (intmax_t)after, (intmax_t)before + 4);
}

int
main(int argc, char **argv)
{
	char path[4096], token[64];
	const char *notify;
	struct stat st;
	int p[2], file, r;

	if (argc != 5) {
		fprintf(stderr, "usage: sd_store FDPASS HOLDER_SOCKET CONSUMER DIR\n");
		return 2;
	}
	if ((notify = getenv("NOTIFY_SOCKET")) == NULL)
		die("NOTIFY_SOCKET is not set", 0);
	cloexec_all();

	if (pipe2(p, O_CLOEXEC) == -1)
		die("pipe2", errno);
	snprintf(path, sizeof path, "%s/stored.XXXXXX", argv[4]);
	if ((file = mkostemp(path, O_CLOEXEC)) == -1)
		die("mkostemp", errno);
	if (write(file, content, sizeof content - 1) != (ssize_t)(sizeof content - 1) ||
	    lseek(file, 0, SEEK_SET) != 0 || fstat(file, &st) == -1)
		die("the file to store", errno);

	/* One message per name: FDNAME names every descriptor of its message. */
	r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=pipe", &p[1], 1);
	if (r <= 0)
		die("sd_pid_notify_with_fds(FDNAME=pipe)", r < 0 ? -r : ENOTCONN);
	r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=file", &file, 1);
	if (r <= 0)
		die("sd_pid_notify_with_fds(FDNAME=file)", r < 0 ? -r : ENOTCONN);
	/* Datagrams: the holder has read them once it closed the barrier's fd. */
	r = sd_notify_barrier(0, 10 * 1000000ULL);
	if (r <= 0)
		die("sd_notify_barrier (the holder did not close the barrier's descriptor)",
		    r < 0 ? -r : ENOTCONN);
	close(p[1]);	/* the holder has its own */
	printf("sd_store: stored the write end of a pipe as 'pipe' and %s (inode %ju) "
	    "as 'file' through %s\n", path, (uintmax_t)st.st_ino, notify);

	snprintf(token, sizeof token, "token-%ld-%ld", (long)getpid(), (long)time(NULL));
	run_consumer(argv, "pipe", "file", 0, token, &st, p[0], file);
	run_consumer(argv, "file", "pipe", 0, token, &st, p[0], file);
	run_consumer(argv, "pipe", "file", 1, token, &st, p[0], file);

	close(p[0]);
	close(file);
	unlink(path);
	printf("sd_store: PASS\n");
	return 0;
}
