/* SPDX-License-Identifier: ISC */
/*
 * Run by `fdpass exec` in test_holder: checks what sd_listen_fds(3) and
 * sd_listen_fds_with_names(3) would check, without libsystemd, and more:
 *
 *   listen_fds_check NAMES NOTIFY [--ready | --linger]
 *
 * LISTEN_PID is this process's pid; LISTEN_FDS is the number of
 * colon-separated NAMES and LISTEN_FDNAMES is NAMES; NOTIFY_SOCKET is
 * NOTIFY ("-": unset); descriptors 3.. LISTEN_FDS+2 are open without
 * FD_CLOEXEC and nothing else above 2 is open.  Then "fd N\n" is written
 * into each descriptor N for the test to read back, and with --ready a
 * READY=1 is sent to NOTIFY_SOCKET as sd_notify(3) would; with --linger
 * it sends nothing and stays, as a server that never gets ready, for 30
 * seconds or until killed (the guests of the BSD legs have no sleep(1)).
 * Exit 0 when all holds, else 1 with the reason on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define FIRST_FD 3
/* Descriptors above the handed-over ones that must be closed. */
#define CHECK_UP_TO 1024

static int
fail(const char *what, const char *detail)
{
	fprintf(stderr, "listen_fds_check: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return 1;
}

static int
env_is(const char *name, const char *want)
{
	const char *got = getenv(name);

	if (want == NULL)
		return got == NULL;
	return got != NULL && strcmp(got, want) == 0;
}

static int
count_names(const char *names)
{
	int n = 1;

	for (; *names != '\0'; names++)
		if (*names == ':')
			n++;
	return n;
}

static int
check_environment(const char *names, const char *notify, int n)
{
	char want[32];

	snprintf(want, sizeof want, "%ld", (long)getpid());
	if (!env_is("LISTEN_PID", want))
		return fail("LISTEN_PID is not this pid", getenv("LISTEN_PID"));
	snprintf(want, sizeof want, "%d", n);
	if (!env_is("LISTEN_FDS", want))
		return fail("LISTEN_FDS", getenv("LISTEN_FDS"));
	if (!env_is("LISTEN_FDNAMES", names))
		return fail("LISTEN_FDNAMES", getenv("LISTEN_FDNAMES"));
	if (!env_is("NOTIFY_SOCKET", strcmp(notify, "-") == 0 ? NULL : notify))
		return fail("NOTIFY_SOCKET", getenv("NOTIFY_SOCKET"));
	return 0;
}

static int
check_descriptors(int n)
{
	char line[32];
	int fd, flags;

	for (fd = FIRST_FD; fd < FIRST_FD + n; fd++) {
		snprintf(line, sizeof line, "%d", fd);
		if ((flags = fcntl(fd, F_GETFD)) == -1)
			return fail("handed-over descriptor not open", line);
		if (flags & FD_CLOEXEC)
			return fail("handed-over descriptor has FD_CLOEXEC",
			    line);
	}
	for (; fd < CHECK_UP_TO; fd++)
		if (fcntl(fd, F_GETFD) != -1) {
			snprintf(line, sizeof line, "%d", fd);
			return fail("a descriptor beyond LISTEN_FDS is open",
			    line);
		}
	for (fd = FIRST_FD; fd < FIRST_FD + n; fd++) {
		int len = snprintf(line, sizeof line, "fd %d\n", fd);

		if (write(fd, line, (size_t)len) != len)
			return fail("write", strerror(errno));
	}
	return 0;
}

/* sd_notify(0, "READY=1") by hand. */
static int
notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	int sock;

	if (path == NULL || strlen(path) >= sizeof sun.sun_path)
		return fail("--ready without a usable NOTIFY_SOCKET", path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((sock = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    sendto(sock, "READY=1", 7, 0, (struct sockaddr *)&sun,
	    sizeof sun) != 7)
		return fail("sendto NOTIFY_SOCKET", strerror(errno));
	close(sock);
	return 0;
}

int
main(int argc, char **argv)
{
	int n;

	if (argc < 3 || argc > 4 || (argc == 4 &&
	    strcmp(argv[3], "--ready") != 0 && strcmp(argv[3], "--linger") != 0))
		return fail("usage: listen_fds_check NAMES NOTIFY "
		    "[--ready | --linger]", NULL);
	n = count_names(argv[1]);
	if (check_environment(argv[1], argv[2], n) ||
	    check_descriptors(n))
		return 1;
	if (argc == 4 && strcmp(argv[3], "--linger") == 0) {
		sleep(30);
		return 0;
	}
	if (argc == 4) {
		if (notify_ready())
			return 1;
		/* Still running when --wait-ready returns. */
		sleep(1);
	}
	return 0;
}
