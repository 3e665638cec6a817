/* SPDX-License-Identifier: ISC */
/*
 * Counting this process's open descriptors, one method per OS, chosen when
 * compiling.  /dev/fd is not one of them: on FreeBSD without fdescfs(5)
 * it is a static devfs directory listing only 0, 1 and 2.
 */
#include "fdcount.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#if defined(__linux__)
#include <dirent.h>
#include <string.h>
#elif defined(__FreeBSD__)
#include <sys/types.h>
#include <sys/sysctl.h>
#elif defined(__OpenBSD__)
#include <unistd.h>
#elif defined(__APPLE__)
#include <stdlib.h>
#include <unistd.h>
#include <libproc.h>
#endif

int
fdcount_by_probing(size_t *n)
{
	struct rlimit rl;
	size_t count = 0;
	int fd, limit;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FDCOUNT_PROBE_MAX) {
		errno = ERANGE;
		return -1;
	}
	limit = (int)rl.rlim_cur;
	for (fd = 0; fd < limit; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			count++;
		else if (errno != EBADF)
			return -1;
	}
	*n = count;
	return 0;
}

#if defined(__linux__)
/* proc(5): /proc/self/fd has one entry per open descriptor. */
static int
fdcount_by_procfs(size_t *n)
{
	struct dirent *entry;
	size_t count = 0;
	DIR *dir;
	int saved;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		if ((entry = readdir(dir)) == NULL)
			break;
		if (strcmp(entry->d_name, ".") != 0 &&
		    strcmp(entry->d_name, "..") != 0)
			count++;
	}
	saved = errno;
	closedir(dir);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	/* The directory's own descriptor was listed too. */
	*n = count - 1;
	return 0;
}
#define FDCOUNT_METHOD "/proc/self/fd"
#define FDCOUNT_NATIVE fdcount_by_procfs

#elif defined(__FreeBSD__) && defined(KERN_PROC_NFDS)
/*
 * sysctl(3) kern.proc.nfds: the descriptors of the calling process (the
 * last name component, a pid, must be 0).  FreeBSD's own getdtablecount()
 * (lib/libopenbsd) is this call.
 */
static int
fdcount_by_sysctl(size_t *n)
{
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_NFDS, 0 };
	size_t len = sizeof(int);
	int nfds;

	if (sysctl(mib, 4, &nfds, &len, NULL, 0) == -1)
		return -1;
	if (len != sizeof(int) || nfds < 0) {
		errno = EINVAL;
		return -1;
	}
	*n = (size_t)nfds;
	return 0;
}
#define FDCOUNT_METHOD "sysctl kern.proc.nfds"
#define FDCOUNT_NATIVE fdcount_by_sysctl

#elif defined(__OpenBSD__)
/* getdtablecount(2): the descriptors the calling process has open. */
static int
fdcount_by_getdtablecount(size_t *n)
{
	*n = (size_t)getdtablecount();
	return 0;
}
#define FDCOUNT_METHOD "getdtablecount(2)"
#define FDCOUNT_NATIVE fdcount_by_getdtablecount

#elif defined(__APPLE__)
/*
 * proc_pidinfo(PROC_PIDLISTFDS) (libproc.h) fills one struct proc_fdinfo
 * per open descriptor and returns the bytes it filled; with no buffer it
 * returns a size with room to spare; 0 on failure, with errno from the
 * underlying system call.  A buffer filled to the last byte may have been
 * too small: ask again with more room.
 */
static int
pidinfo_fds(void *buffer, int size)
{
	int filled;

	errno = 0;
	filled = proc_pidinfo(getpid(), PROC_PIDLISTFDS, 0, buffer, size);
	if (filled <= 0 && errno == 0)
		errno = EIO;	/* failed without saying why */
	return filled;
}

static int
fdcount_by_libproc(size_t *n)
{
	struct proc_fdinfo *fds;
	int size, filled;

	if ((size = pidinfo_fds(NULL, 0)) <= 0)
		return -1;
	for (;;) {
		size += 32 * (int)PROC_PIDLISTFD_SIZE;
		if ((fds = malloc((size_t)size)) == NULL)
			return -1;
		filled = pidinfo_fds(fds, size);
		free(fds);
		if (filled <= 0)
			return -1;
		if (filled < size) {
			*n = (size_t)filled / PROC_PIDLISTFD_SIZE;
			return 0;
		}
	}
}
#define FDCOUNT_METHOD "proc_pidinfo(PROC_PIDLISTFDS)"
#define FDCOUNT_NATIVE fdcount_by_libproc

#else
#define FDCOUNT_METHOD "fcntl(F_GETFD) on each descriptor"
#define FDCOUNT_NATIVE fdcount_by_probing
#endif

int
fdcount(size_t *n)
{
	return FDCOUNT_NATIVE(n);
}

const char *
fdcount_method(void)
{
	return FDCOUNT_METHOD;
}
