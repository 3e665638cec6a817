/* SPDX-License-Identifier: ISC */
/*
 * An LD_PRELOAD shim for test_holder_server: right after the real bind()
 * of the Unix socket at $FDPASS_TEST_SWAP_PATH succeeds, its file is
 * replaced by a symlink to $FDPASS_TEST_SWAP_TARGET, as a user owning the
 * directory could do, and $FDPASS_TEST_SWAP_MARK is created to prove that
 * the shim ran (a static binary never loads it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef int bind_fn(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *sa, socklen_t len);

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	const char *path = getenv("FDPASS_TEST_SWAP_PATH");
	const char *target = getenv("FDPASS_TEST_SWAP_TARGET");
	const char *mark = getenv("FDPASS_TEST_SWAP_MARK");
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	void *sym = dlsym(RTLD_NEXT, "bind");
	bind_fn *real;
	int rc, m;

	memcpy(&real, &sym, sizeof real);
	if ((rc = real(fd, sa, len)) != 0 || path == NULL || target == NULL ||
	    mark == NULL || sa->sa_family != AF_UNIX ||
	    strcmp(sun->sun_path, path) != 0)
		return rc;
	if (unlink(path) == 0 && symlink(target, path) == 0 &&
	    (m = open(mark, O_WRONLY | O_CREAT, 0600)) != -1)
		close(m);
	return rc;
}
