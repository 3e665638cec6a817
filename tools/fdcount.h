/* SPDX-License-Identifier: ISC */
/*
 * How many descriptors this process has open, for leak checks: one
 * implementation for `fdpass demo` and the test suite (tests/support.c).
 */
#ifndef FDPASS_FDCOUNT_H
#define FDPASS_FDCOUNT_H

#include <stddef.h>

/*
 * Counts with the most direct method this OS has (fdcount_method() names
 * it).  Returns 0 with the count in *n, or -1 with errno set: a count that
 * cannot be had is an error, never a guess.
 */
int fdcount(size_t *n);

/* The method fdcount() uses here, e.g. "/proc/self/fd". */
const char *fdcount_method(void);

/*
 * The fallback, and a cross-check everywhere: fcntl(F_GETFD) on every
 * descriptor below the soft RLIMIT_NOFILE.  Fails with ERANGE when that
 * limit is above FDCOUNT_PROBE_MAX, rather than probe a part of the table.
 * A process that lowered its limit below a descriptor it holds open makes
 * this count too low.
 */
#define FDCOUNT_PROBE_MAX 65536
int fdcount_by_probing(size_t *n);

#endif
