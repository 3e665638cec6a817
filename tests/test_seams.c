/* SPDX-License-Identifier: ISC */
/*
 * The common paths with the kernel's answers replaced through the syscall
 * seams: retries, runtime fallbacks, failures mid-way and control messages
 * no Linux kernel produces (several SCM_RIGHTS, truncated lengths, fds in
 * companion messages).  Every test still counts open descriptors.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/un.h>

#include "internal.h"

static int fake_calls;		/* how often a fake was entered */
static int fake_errors_left;	/* how many more times it fails */
static int fake_errno;
static int fake_passes_first;	/* calls that succeed before the failures */

static int
reset_seams(void **state)
{
	fdpass__sys = fdpass__real_syscalls;
	fake_calls = 0;
	fake_errors_left = 0;
	fake_errno = 0;
	fake_passes_first = 0;
	return fd_baseline_teardown(state);
}

#define seam_test(f) cmocka_unit_test_setup_teardown(f, fd_baseline_setup, \
	reset_seams)

static ssize_t
recvmsg_failing_first(int sock, struct msghdr *mh, int flags)
{
	fake_calls++;
	if (fake_errors_left > 0) {
		fake_errors_left--;
		errno = fake_errno;
		return -1;
	}
	return fdpass__real_syscalls.recvmsg(sock, mh, flags);
}

static ssize_t
sendmsg_failing_first(int sock, const struct msghdr *mh, int flags)
{
	fake_calls++;
	if (fake_errors_left > 0) {
		fake_errors_left--;
		errno = fake_errno;
		return -1;
	}
	return fdpass__real_syscalls.sendmsg(sock, mh, flags);
}

static void
eintr_retried_inside(void **state)
{
	int sv[2], p[2], got = -1;
	char c;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	fdpass__sys.sendmsg = sendmsg_failing_first;
	fdpass__sys.recvmsg = recvmsg_failing_first;
	fake_errno = EINTR;
	fake_errors_left = 3;
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fake_calls, 4);
	fake_errors_left = 2;
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), 1);
	assert_int_equal(fake_calls, 7);
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* Errors other than EINTR come back as they are, after one call. */
static void
other_errors_not_retried(void **state)
{
	int sv[2];
	char c;
	int got = -5;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	fdpass__sys.recvmsg = recvmsg_failing_first;
	fake_errno = ENOBUFS;
	fake_errors_left = 1;
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(got, -1);
	assert_int_equal(fake_calls, 1);
	xclose_all(sv, 2);
}

/*
 * An EINVAL of recvmsg (here a listening socket, Linux
 * unix_stream_read_generic) is returned after one call: no kernel refuses
 * MSG_CMSG_CLOEXEC, so it is never taken for a refused flag and the call
 * is not made again without it.
 */
static void
einval_is_not_repeated(void **state)
{
	char dir[] = "/tmp/fdpass-seams-XXXXXX", c;
	struct sockaddr_un sun;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	int got = -5, l;
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = &got,
	    .nfds = 1 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true((size_t)snprintf(sun.sun_path, sizeof sun.sun_path,
	    "%s/l", dir) < sizeof sun.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(l, 1), 0);
	fdpass__sys.recvmsg = recvmsg_failing_first;
	errno = 0;
	assert_int_equal(fdpass_recvmsg(l, &msg, FDPASS_NONBLOCK), -1);
#ifdef __linux__
	assert_int_equal(errno, EINVAL);
#endif
	assert_int_equal(fake_calls, 1);
	assert_int_equal(got, -5);
	xclose(l);
	assert_int_equal(unlink(sun.sun_path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static int
fcntl_failing(int fd, int cmd, int arg)
{
	fake_calls++;
	if (cmd == F_SETFD && fake_passes_first > 0) {
		fake_passes_first--;
	} else if (cmd == F_SETFD && fake_errors_left > 0) {
		fake_errors_left--;
		errno = fake_errno;
		return -1;
	}
	return fdpass__real_syscalls.fcntl(fd, cmd, arg);
}

#if !FDPASS__ATOMIC_CLOEXEC
/*
 * The fcntl fallback (a build without MSG_CMSG_CLOEXEC: the fallbacks
 * leg, macOS) fails on the second of three descriptors: all three are
 * closed and the error is reported.
 */
static void
cloexec_fallback_failure_closes_all(void **state)
{
	int sv[2], p[2], fds[3], got[3] = { -5, -5, -5 };
	size_t nfds = 3;
	char c;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	fds[0] = fds[1] = fds[2] = p[1];
	send_fds(sv[0], fds, 3);
	fdpass__sys.fcntl = fcntl_failing;
	fake_errno = EIO;
	fake_passes_first = 1;
	fake_errors_left = 1;
	errno = 0;
	assert_int_equal(fdpass_recv_with_fds(sv[1], &c, 1, got, &nfds), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(nfds, 0);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}
#endif

/* --- control messages crafted as other kernels would write them --- */

struct crafted {
	int level, type;
	int fds[4];		/* dup'd; a negative one written as it is */
	size_t nfds;
	size_t claimed_nfds;	/* cmsg_len says this many (0: nfds,
				   ZERO_LENGTH: cmsg_len is 0) */
};

#define ZERO_LENGTH ((size_t)-1)

static const struct crafted *crafted_msgs;
static size_t crafted_count;
static int crafted_msg_flags;
static size_t crafted_cut;	/* controllen reported, 0: all */

/* Writes the crafted messages, with new descriptors, into mh. */
static ssize_t
recvmsg_crafted(int sock, struct msghdr *mh, int flags)
{
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(mh);
	size_t i, j, used = 0, claimed;
	int fd;

	(void)sock;
	(void)flags;
	fake_calls++;
	for (i = 0; i < crafted_count; i++) {
		const struct crafted *m = &crafted_msgs[i];

		claimed = m->claimed_nfds ? m->claimed_nfds : m->nfds;
		cmsg->cmsg_level = m->level;
		cmsg->cmsg_type = m->type;
		cmsg->cmsg_len = claimed == ZERO_LENGTH ? 0 :
		    CMSG_LEN(claimed * sizeof(int));
		for (j = 0; j < m->nfds; j++) {
			fd = m->fds[j] < 0 ? m->fds[j] : dup(m->fds[j]);
			memcpy(CMSG_DATA(cmsg) + j * sizeof fd, &fd, sizeof fd);
		}
		used += CMSG_SPACE(m->nfds * sizeof(int));
		cmsg = (struct cmsghdr *)((char *)mh->msg_control + used);
	}
	mh->msg_controllen = crafted_cut ? crafted_cut : used;
	mh->msg_flags = crafted_msg_flags;
	((char *)mh->msg_iov[0].iov_base)[0] = 'c';
	return 1;
}

static void
use_crafted(const struct crafted *msgs, size_t n, int msg_flags, size_t cut)
{
	crafted_msgs = msgs;
	crafted_count = n;
	crafted_msg_flags = msg_flags;
	crafted_cut = cut;
	fdpass__sys.recvmsg = recvmsg_crafted;
}

/* FreeBSD keeps several SCM_RIGHTS messages apart: all are taken, in order. */
static void
several_rights_messages_in_order(void **state)
{
	int p[2], q[2], got[4] = { -5, -5, -5, -5 };
	size_t nfds = 4;
	char c;

	(void)state;
	xpipe(p);
	xpipe(q);
	{
		const struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_RIGHTS, { p[1], q[1] }, 2, 0 },
			{ 0x1234, 7, { 0 }, 0, 0 },
			{ SOL_SOCKET, SCM_RIGHTS, { q[1] }, 1, 0 },
		};
		use_crafted(msgs, 3, 0, 0);
		assert_int_equal(fdpass_recv_with_fds(-1, &c, 1, got, &nfds), 1);
	}
	assert_int_equal(nfds, 3);
	assert_same_pipe(p[0], got[0]);
	assert_same_pipe(q[0], got[1]);
	assert_same_pipe(q[0], got[2]);
	xclose_all(got, 3);
	xclose_all(p, 2);
	xclose_all(q, 2);
}

/* Too many across several messages: every one closed, CTRUNC. */
static void
several_messages_over_capacity(void **state)
{
	int p[2], got[2] = { -5, -5 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };

	(void)state;
	xpipe(p);
	{
		const struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_RIGHTS, { p[1], p[1] }, 2, 0 },
			{ SOL_SOCKET, SCM_RIGHTS, { p[1] }, 1, 0 },
		};
		use_crafted(msgs, 2, 0, 0);
		assert_int_equal(fdpass_recvmsg(-1, &msg, 0), 1);
	}
	assert_int_equal(msg.flags, FDPASS_CTRUNC);
	assert_int_equal(msg.nfds, 0);
	xclose_all(p, 2);
}

#ifdef SCM_PIDFD
/* A descriptor in a companion message (Linux SCM_PIDFD) is closed. */
static void
companion_fd_is_closed(void **state)
{
	int p[2], got = -5;
	char c;

	(void)state;
	xpipe(p);
	{
		const struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_PIDFD, { p[0] }, 1, 0 },
			{ SOL_SOCKET, SCM_RIGHTS, { p[1] }, 1, 0 },
		};
		use_crafted(msgs, 2, 0, 0);
		assert_int_equal(fdpass_recv_with_fd(-1, &c, 1, &got), 1);
	}
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
}

static int negative_closes;	/* close() of a negative number */

static int
close_recording(int fd)
{
	if (fd < 0)
		negative_closes++;
	return fdpass__real_syscalls.close(fd);
}

/*
 * Linux writes -errno as the SCM_PIDFD payload when it cannot make the
 * pidfd (net/core/scm.c scm_pidfd_recv): nothing was installed, nothing
 * is closed; the descriptors of the message arrive as usual.
 */
static void
negative_pidfd_is_not_closed(void **state)
{
	int p[2], got = -5;
	char c;

	(void)state;
	xpipe(p);
	negative_closes = 0;
	fdpass__sys.close = close_recording;
	{
		const struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_PIDFD, { -ESRCH }, 1, 0 },
			{ SOL_SOCKET, SCM_RIGHTS, { p[1] }, 1, 0 },
		};
		use_crafted(msgs, 2, 0, 0);
		assert_int_equal(fdpass_recv_with_fd(-1, &c, 1, &got), 1);
	}
	assert_int_equal(negative_closes, 0);
	assert_same_pipe(p[0], got);
	xclose(got);
	xclose_all(p, 2);
}
#endif

/*
 * A truncated last message that still claims all its descriptors
 * (DragonFly, old illumos): only what lies inside controllen is read, and
 * all of it is closed because the kernel said MSG_CTRUNC.
 */
static void
claimed_length_beyond_buffer(void **state)
{
	int p[2], got[4] = { -5, -5, -5, -5 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 4 };

	(void)state;
	xpipe(p);
	{
		const struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_RIGHTS, { p[1], p[1] }, 2, 4 },
		};
		use_crafted(msgs, 1, MSG_CTRUNC,
		    CMSG_LEN(2 * sizeof(int)));
		assert_int_equal(fdpass_recvmsg(-1, &msg, 0), 1);
	}
	assert_int_equal(msg.flags, FDPASS_CTRUNC);
	assert_int_equal(msg.nfds, 0);
	xclose_all(p, 2);
}

/* A zero cmsg_len ends the walk instead of looping on it forever. */
static void
zero_length_message_ends_walk(void **state)
{
	int p[2], got[2] = { -5, -5 };
	size_t nfds = 2;
	char c;

	(void)state;
	xpipe(p);
	{
		struct crafted msgs[] = {
			{ SOL_SOCKET, SCM_RIGHTS, { p[1] }, 1, 0 },
			{ SOL_SOCKET, SCM_RIGHTS, { 0 }, 0, ZERO_LENGTH },
		};
		use_crafted(msgs, 2, 0, 0);
		assert_int_equal(fdpass_recv_with_fds(-1, &c, 1, got, &nfds), 1);
	}
	assert_int_equal(nfds, 1);
	assert_same_pipe(p[0], got[0]);
	xclose(got[0]);
	xclose_all(p, 2);
}

/* --- what the kernel is given on send --- */

static struct {
	size_t controllen, cmsg_len, ncmsgs;
	int level, type, flags;
	int fds[4];
} seen;

static ssize_t
sendmsg_recording(int sock, const struct msghdr *mh, int flags)
{
	struct cmsghdr *cmsg;

	fake_calls++;
	memset(&seen, 0, sizeof seen);
	seen.controllen = mh->msg_controllen;
	seen.flags = flags;
	for (cmsg = CMSG_FIRSTHDR((struct msghdr *)(uintptr_t)mh);
	    cmsg != NULL;
	    cmsg = CMSG_NXTHDR((struct msghdr *)(uintptr_t)mh, cmsg)) {
		seen.ncmsgs++;
		seen.level = cmsg->cmsg_level;
		seen.type = cmsg->cmsg_type;
		seen.cmsg_len = cmsg->cmsg_len;
		memcpy(seen.fds, CMSG_DATA(cmsg),
		    cmsg->cmsg_len - CMSG_LEN(0));
	}
	return fdpass__real_syscalls.sendmsg(sock, mh, flags);
}

static void
one_rights_message_sent(void **state)
{
	int sv[2], p[2], fds[3], got[3];
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = fds,
	    .nfds = 3 };
	size_t nfds = 3;
	char c;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = sv[0];
	fdpass__sys.sendmsg = sendmsg_recording;
	assert_int_equal(fdpass_sendmsg(sv[0], &msg, FDPASS_NONBLOCK), 1);
	assert_int_equal(seen.ncmsgs, 1);
	assert_int_equal(seen.level, SOL_SOCKET);
	assert_int_equal(seen.type, SCM_RIGHTS);
	assert_int_equal(seen.cmsg_len, CMSG_LEN(3 * sizeof(int)));
	assert_int_equal(seen.controllen, CMSG_SPACE(3 * sizeof(int)));
	assert_memory_equal(seen.fds, fds, sizeof fds);
	assert_true(seen.flags & MSG_DONTWAIT);
	assert_int_equal(seen.flags & FDPASS__SEND_NOSIGNAL,
	    FDPASS__SEND_NOSIGNAL);
	assert_int_equal(fdpass_recv_with_fds(sv[1], &c, 1, got, &nfds), 1);
	xclose_all(got, 3);

	/* Without descriptors: no control message at all. */
	msg.nfds = 0;
	assert_int_equal(fdpass_sendmsg(sv[0], &msg, 0), 1);
	assert_int_equal(seen.ncmsgs, 0);
	assert_int_equal(seen.controllen, 0);
	assert_false(seen.flags & MSG_DONTWAIT);
	assert_int_equal(recv(sv[1], &c, 1, 0), 1);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* Refusals happen before any system call. */
static void
refusals_make_no_syscall(void **state)
{
	int fds[FDPASS__OS_MAX_FDS + 1] = { 0 };
	struct iovec iov = { .iov_base = (void *)"x", .iov_len = 1 };

	(void)state;
	fdpass__sys.sendmsg = sendmsg_recording;
	assert_int_equal(fdpass_send_with_fds(0, &iov, 1, fds,
	    FDPASS__OS_MAX_FDS + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(fdpass_send_with_fds(0, NULL, 0, fds, 1), -1);
	assert_int_equal(errno, EINVAL);
	fds[0] = -3;
	assert_int_equal(fdpass_send_with_fds(0, &iov, 1, fds, 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fake_calls, 0);
}

/* --- socketpair fallbacks --- */

static int
socketpair_refusing_flags(int domain, int type, int protocol, int sv[2])
{
	fake_calls++;
	if (type & (FDPASS__SOCK_CLOEXEC | FDPASS__SOCK_NONBLOCK)) {
		errno = EINVAL;
		return -1;
	}
	return fdpass__real_syscalls.socketpair(domain, type, protocol, sv);
}

static void
socketpair_flags_refused_falls_back(void **state)
{
	int sv[2], i;

	(void)state;
	fdpass__sys.socketpair = socketpair_refusing_flags;
	xsocketpair(SOCK_STREAM | FDPASS_SOCK_NONBLOCK, sv);
	for (i = 0; i < 2; i++) {
		assert_true(has_cloexec(sv[i]));
		assert_true(is_nonblocking(sv[i]));
	}
	xclose_all(sv, 2);
}

static void
socketpair_fallback_failure_closes_both(void **state)
{
	int sv[2] = { -5, -5 };

	(void)state;
	fdpass__sys.socketpair = socketpair_refusing_flags;
	fdpass__sys.fcntl = fcntl_failing;
	fake_errno = ENOMEM;
	fake_errors_left = 1;
	errno = 0;
	assert_int_equal(fdpass_socketpair(SOCK_STREAM, sv), -1);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(sv[0], -1);
	assert_int_equal(sv[1], -1);
}

/* --- peer credentials --- */

static int
getsockopt_failing(int sock, int level, int name, void *val, socklen_t *len)
{
	(void)sock;
	(void)level;
	(void)name;
	(void)val;
	(void)len;
	fake_calls++;
	errno = fake_errno;
	return -1;
}

static void
peer_cred_error_passes_through(void **state)
{
	struct fdpass_cred cred;
	int sv[2];

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	fdpass__sys.getsockopt = getsockopt_failing;
	fake_errno = ENOBUFS;
	errno = 0;
	assert_int_equal(fdpass_peer_cred(sv[0], &cred), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(fake_calls, 1);
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		seam_test(eintr_retried_inside),
		seam_test(other_errors_not_retried),
		seam_test(einval_is_not_repeated),
#if !FDPASS__ATOMIC_CLOEXEC
		seam_test(cloexec_fallback_failure_closes_all),
#endif
		seam_test(several_rights_messages_in_order),
		seam_test(several_messages_over_capacity),
#ifdef SCM_PIDFD
		seam_test(companion_fd_is_closed),
		seam_test(negative_pidfd_is_not_closed),
#endif
		seam_test(claimed_length_beyond_buffer),
		seam_test(zero_length_message_ends_walk),
		seam_test(one_rights_message_sent),
		seam_test(refusals_make_no_syscall),
		seam_test(socketpair_flags_refused_falls_back),
		seam_test(socketpair_fallback_failure_closes_both),
		seam_test(peer_cred_error_passes_through),
	};

	return cmocka_run_group_tests_name("seams", tests, NULL, NULL);
}
