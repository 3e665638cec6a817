/* SPDX-License-Identifier: ISC */
/*
 * The descriptor counters behind every leak check (tools/fdcount.c): each
 * method this OS compiles sees a descriptor opened and closed, also one
 * at the top of the table, and the methods agree.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "fdcount.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

struct method {
	const char *name;
	int (*count)(size_t *n);
};

static const struct method native = { "fdcount", fdcount };
static const struct method probing = { "fdcount_by_probing",
	fdcount_by_probing };

static size_t
counted(const struct method *m)
{
	size_t n = 0;

	if (m->count(&n) == -1)
		fail_msg("%s: %s", m->name, strerror(errno));
	return n;
}

/* The probe refuses a soft limit above its reach; bring it down to it. */
static void
soft_limit_within_probe(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FDCOUNT_PROBE_MAX) {
		rl.rlim_cur = FDCOUNT_PROBE_MAX;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
}

/*
 * The highest descriptor the probe looks at that a process can hold: the
 * BSDs cap the table at kern.maxfilesperproc too, which getdtablesize()
 * counts in and RLIMIT_NOFILE may exceed.
 */
static int
top_probed_fd(void)
{
	struct rlimit rl;
	int table = getdtablesize();

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	return (rlim_t)table < rl.rlim_cur ? table - 1 : (int)rl.rlim_cur - 1;
}

static void
assert_sees_open_and_close(const struct method *m, int fd)
{
	size_t before = counted(m);

	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(dup2(0, fd), fd);
	assert_int_equal(counted(m), before + 1);
	xclose(fd);
	assert_int_equal(counted(m), before);
}

static void
assert_sees_a_new_descriptor(const struct method *m)
{
	size_t before = counted(m);
	int fd;

	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_int_equal(counted(m), before + 1);
	xclose(fd);
	assert_int_equal(counted(m), before);
}

static void
test_native_sees_a_new_descriptor(void **state)
{
	(void)state;
	print_message("fdcount() counts with %s\n", fdcount_method());
	assert_sees_a_new_descriptor(&native);
}

static void
test_probing_sees_a_new_descriptor(void **state)
{
	(void)state;
	soft_limit_within_probe();
	assert_sees_a_new_descriptor(&probing);
}

static void
test_native_sees_the_top_descriptor(void **state)
{
	(void)state;
	soft_limit_within_probe();
	assert_sees_open_and_close(&native, top_probed_fd());
}

static void
test_probing_sees_the_top_descriptor(void **state)
{
	(void)state;
	soft_limit_within_probe();
	assert_sees_open_and_close(&probing, top_probed_fd());
}

static void
test_methods_agree(void **state)
{
	int p[2];

	(void)state;
	if (RUNNING_ON_VALGRIND) {
		/* Its own descriptors sit above the limit it gives us. */
		print_message("valgrind's descriptors are counted by %s, not by "
		    "the probe: skipped\n", fdcount_method());
		skip();
	}
	soft_limit_within_probe();
	assert_int_equal(counted(&native), counted(&probing));
	xpipe(p);
	assert_int_equal(counted(&native), counted(&probing));
	xclose_all(p, 2);
}

/* Past its reach the probe says so rather than count a part of the table. */
static void
test_probing_refuses_a_limit_out_of_reach(void **state)
{
	struct rlimit rl, saved;
	size_t n = 0;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	if (saved.rlim_max != RLIM_INFINITY &&
	    saved.rlim_max <= FDCOUNT_PROBE_MAX) {
		print_message("hard RLIMIT_NOFILE %llu: cannot go past %d: "
		    "skipped\n", (unsigned long long)saved.rlim_max,
		    FDCOUNT_PROBE_MAX);
		skip();
	}
	rl = saved;
	rl.rlim_cur = FDCOUNT_PROBE_MAX + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	errno = 0;
	assert_int_equal(fdcount_by_probing(&n), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_native_sees_a_new_descriptor),
		fd_test(test_probing_sees_a_new_descriptor),
		fd_test(test_native_sees_the_top_descriptor),
		fd_test(test_probing_sees_the_top_descriptor),
		fd_test(test_methods_agree),
		fd_test(test_probing_refuses_a_limit_out_of_reach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
