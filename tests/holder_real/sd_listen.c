/* SPDX-License-Identifier: ISC */
/*
 * Real test 2 of issue 11, the service side: a program using
 * sd_listen_fds_with_names() as any socket-activated service would, run by
 * `fdpass exec HOLDER_SOCKET NAME... -- sd_listen TOKEN DEV INO NOTIFY [ready]`
 * (from sd_store.c).
 *
 * Before libsystemd looks, it checks what fdpass exec set up: LISTEN_PID is
 * this process, LISTEN_FDS is 2, fds 3 and 4 are open without FD_CLOEXEC
 * (sd_listen_fds() sets it itself) and nothing else is open above them.
 * Then sd_listen_fds_with_names(1, ...) must return 2 with the names
 * "pipe" and "file" in some order, set FD_CLOEXEC and unset the LISTEN_*
 * variables.  The descriptors are found by name: "pipe" is a FIFO opened
 * for writing, "file" the regular file DEV:INO.  It reads 4 bytes from the
 * file, writes "ok" after them, and writes "TOKEN:<the 4 bytes>\n" into the
 * pipe, for sd_store to check.  NOTIFY_SOCKET must be NOTIFY, the holder's
 * notify socket (sd_store runs fdpass exec without it).  With "ready", it
 * then tells the holder READY=1 with sd_notify(), for fdpass exec
 * --wait-ready.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static int failed;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sd_listen: FAIL: %s\n", what);
		failed = 1;
	}
}

int
main(int argc, char **argv)
{
	char pid[32], buf[5] = "", msg[128], **names = NULL;
	const char *e;
	int n, i, fd, pipe_fd = -1, file_fd = -1;
	struct stat st;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "ready") == 0)) {
		fprintf(stderr, "usage: sd_listen TOKEN DEV INO NOTIFY [ready]\n");
		return 2;
	}

	/* What fdpass exec set up, before libsystemd looks at it. */
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	e = getenv("LISTEN_PID");
	check(e && strcmp(e, pid) == 0, "LISTEN_PID is this process");
	e = getenv("LISTEN_FDS");
	check(e && strcmp(e, "2") == 0, "LISTEN_FDS is 2");
	check(getenv("LISTEN_FDNAMES") != NULL, "LISTEN_FDNAMES is set");
	e = getenv("NOTIFY_SOCKET");
	check(e && strcmp(e, argv[4]) == 0, "NOTIFY_SOCKET is the holder's");
	check(fcntl(3, F_GETFD) == 0, "fd 3 is open without FD_CLOEXEC");
	check(fcntl(4, F_GETFD) == 0, "fd 4 is open without FD_CLOEXEC");
	for (fd = 5; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1) {
			fprintf(stderr, "sd_listen: fd %d is open too\n", fd);
			check(0, "nothing open above the descriptors passed");
		}
	printf("sd_listen: LISTEN_PID=%s LISTEN_FDS=%s LISTEN_FDNAMES=%s NOTIFY_SOCKET=%s\n",
	    getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getenv("LISTEN_FDNAMES"),
	    getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "(unset)");

	n = sd_listen_fds_with_names(1, &names);
	if (n != 2) {
		fprintf(stderr, "sd_listen: sd_listen_fds_with_names: %d%s%s\n", n,
		    n < 0 ? ", " : "", n < 0 ? strerror(-n) : "");
		return 1;
	}
	check(getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL, "libsystemd unset LISTEN_*");
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "libsystemd set FD_CLOEXEC");
		if (strcmp(names[i], "pipe") == 0)
			pipe_fd = fd;
		else if (strcmp(names[i], "file") == 0)
			file_fd = fd;
		printf("sd_listen: fd %d is named '%s'\n", fd, names[i]);
	}
	check(pipe_fd != -1 && file_fd != -1, "the names are 'pipe' and 'file'");
	if (failed)
		return 1;

	check(fstat(pipe_fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (fcntl(pipe_fd, F_GETFL) & O_ACCMODE) == O_WRONLY,
	    "'pipe' is the write end of a pipe");
	check(fstat(file_fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == (dev_t)strtoumax(argv[2], NULL, 10) &&
	    st.st_ino == (ino_t)strtoumax(argv[3], NULL, 10),
	    "'file' is the file sd_store created");
	if (failed)
		return 1;

	check(read(file_fd, buf, 4) == 4, "read 4 bytes from 'file'");
	check(write(file_fd, "ok", 2) == 2, "write 'ok' into 'file'");
	snprintf(msg, sizeof msg, "%s:%.4s\n", argv[1], buf);
	check(write(pipe_fd, msg, strlen(msg)) == (ssize_t)strlen(msg),
	    "write the token into 'pipe'");
	printf("sd_listen: read '%s' from 'file', wrote 'ok' after it, sent %s:%s "
	    "through 'pipe'\n", buf, argv[1], buf);

	if (argc == 6 && !failed) {
		check(sd_notify(0, "READY=1") > 0, "sd_notify(READY=1)");
		printf("sd_listen: sent READY=1 with sd_notify()\n");
	}

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return failed;
}
