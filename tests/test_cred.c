/* SPDX-License-Identifier: ISC */
/* fdpass_peer_cred: who is on the other end, and each refusal. */
#include "support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fdpass.h"

static void
socketpair_peer_is_us(void **state)
{
	struct fdpass_cred cred;
	int sv[2], i;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	for (i = 0; i < 2; i++) {
		memset(&cred, 0x55, sizeof cred);
		errno = 0;
		if (fdpass_peer_cred(sv[i], &cred) == -1) {
			/*
			 * NetBSD records ids only for an end that connect()ed
			 * (uipc_usrreq.c unp_connect): the other is ENOTCONN.
			 */
#ifdef __NetBSD__
			assert_int_equal(errno, ENOTCONN);
			continue;
#else
			fail_msg("fdpass_peer_cred: %s", strerror(errno));
#endif
		}
		assert_true(cred.pid == getpid() || cred.pid == -1);
		assert_int_equal(cred.uid, geteuid());
		assert_int_equal(cred.gid, getegid());
	}
#ifdef __linux__
	assert_int_equal(cred.pid, getpid());
#endif
	xclose_all(sv, 2);
}

/* A child connects to our listening socket: its pid is reported. */
static void
connected_child_is_reported(void **state)
{
	char dir[] = "/tmp/fdpass-cred-XXXXXX";
	struct sockaddr_un sun;
	struct fdpass_cred cred;
	int lsock, conn, status;
	char go;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir);
	lsock = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lsock >= 0);
	assert_int_equal(bind(lsock, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(lsock, 1), 0);

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&sun,
		    sizeof sun) != 0)
			_exit(1);
		/* Stay until the parent has asked. */
		_exit(read(c, &go, 1) == 0 ? 0 : 2);
	}
	conn = accept(lsock, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(fdpass_peer_cred(conn, &cred), 0);
	assert_int_equal(cred.pid, pid);
	assert_int_equal(cred.uid, geteuid());
	assert_int_equal(cred.gid, getegid());
	xclose(conn);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Listening and unconnected: nobody to ask about. */
	errno = 0;
	assert_int_equal(fdpass_peer_cred(lsock, &cred), -1);
	assert_int_equal(errno, ENOTCONN);
	xclose(lsock);
	assert_int_equal(unlink(sun.sun_path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
refusals(void **state)
{
	struct fdpass_cred cred;
	int sv[2], p[2], s;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	errno = 0;
	assert_int_equal(fdpass_peer_cred(sv[0], NULL), -1);
	assert_int_equal(errno, EINVAL);
	xclose_all(sv, 2);

	xpipe(p);
	errno = 0;
	assert_int_equal(fdpass_peer_cred(p[0], &cred), -1);
	assert_int_equal(errno, ENOTSOCK);
	xclose_all(p, 2);

	errno = 0;
	assert_int_equal(fdpass_peer_cred(-1, &cred), -1);
	assert_int_equal(errno, EBADF);

	s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	errno = 0;
	assert_int_equal(fdpass_peer_cred(s, &cred), -1);
	assert_int_equal(errno, EINVAL);
	xclose(s);

	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	errno = 0;
	assert_int_equal(fdpass_peer_cred(s, &cred), -1);
	assert_int_equal(errno, ENOTCONN);
	xclose(s);
}

/*
 * A datagram socket that connect()ed to a bound one has no credentials
 * for its peer (Linux answers uid -1, FreeBSD and xnu EINVAL): ENOTCONN,
 * never numbers that look like a user.
 */
static void
connected_dgram_has_no_credentials(void **state)
{
	char dir[] = "/tmp/fdpass-cred-XXXXXX";
	struct sockaddr_un sun;
	struct fdpass_cred cred;
	int bound, client;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/dgram", dir);
	bound = socket(AF_UNIX, SOCK_DGRAM, 0);
	client = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(bound >= 0 && client >= 0);
	assert_int_equal(bind(bound, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(connect(client, (struct sockaddr *)&sun, sizeof sun), 0);
	memset(&cred, 0x55, sizeof cred);
	errno = 0;
	assert_int_equal(fdpass_peer_cred(client, &cred), -1);
	assert_int_equal(errno, ENOTCONN);
	xclose(client);
	xclose(bound);
	assert_int_equal(unlink(sun.sun_path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A datagram socketpair: Linux records the creator on both ends
 * (unix_socketpair), the BSDs and xnu keep none.  Either the truth or
 * ENOTCONN.
 */
static void
dgram_socketpair_is_us_or_enotconn(void **state)
{
	struct fdpass_cred cred;
	int sv[2], i;

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	for (i = 0; i < 2; i++) {
		memset(&cred, 0x55, sizeof cred);
		errno = 0;
		if (fdpass_peer_cred(sv[i], &cred) == 0) {
			assert_int_equal(cred.uid, geteuid());
			assert_int_equal(cred.gid, getegid());
		} else {
			assert_int_equal(errno, ENOTCONN);
		}
	}
#ifdef __linux__
	assert_int_equal(fdpass_peer_cred(sv[0], &cred), 0);
	assert_int_equal(cred.pid, getpid());
#endif
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(socketpair_peer_is_us),
		fd_test(connected_child_is_reported),
		fd_test(refusals),
		fd_test(connected_dgram_has_no_credentials),
		fd_test(dgram_socketpair_is_us_or_enotconn),
	};

	return cmocka_run_group_tests_name("peer_cred", tests, NULL, NULL);
}
