/* SPDX-License-Identifier: ISC */
/*
 * The bsd and darwin backends, built for one simulated kernel (sim.h) and
 * run on Linux: description, limit, CLOEXEC, truncation, EMFILE, SIGPIPE,
 * peer credentials, and the descriptor count around every test.
 */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fdpass.h"
#include "sim.h"

static int
sim_setup(void **state)
{
	sim_install();
	return fd_baseline_setup(state);
}

static int
sim_teardown(void **state)
{
	/* A leak by the simulated kernel is the library's fault too. */
	if (sim_close_lost() != 0) {
		print_error("the simulated kernel lost descriptors\n");
		return -1;
	}
	return fd_baseline_teardown(state);
}

#define sim_test(f) cmocka_unit_test_setup_teardown(f, sim_setup, sim_teardown)

static void
backend_describes_the_os(void **state)
{
	const struct fdpass_backend *b = fdpass_backend();

	(void)state;
	assert_string_equal(b->name, sim_kernel.name);
	assert_int_equal(fdpass_max_fds(), sim_kernel.lib_max_fds);
	assert_int_equal(b->max_fds, sim_kernel.lib_max_fds);
	assert_int_equal(b->atomic_cloexec, sim_kernel.atomic_cloexec);
	assert_string_equal(b->sigpipe, sim_kernel.sigpipe);
	assert_string_equal(b->peer_cred, sim_kernel.peer_cred);
	assert_int_equal(b->cmsg_align, sim_kernel.cmsg_align);
	assert_int_equal(b->cmsg_space_one, sim_kernel.cmsg_space_one);
	assert_true(b->recv_max_fds >= sim_kernel.lib_max_fds);
	assert_true(FDPASS_PORTABLE_MAX_FDS <= b->max_fds);
}

/* n descriptors (copies of one pipe's write end) through the kernel. */
static void
round_trip(size_t n, int flags)
{
	int sv[2], p[2], *fds, *got;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg;
	size_t i;

	fds = test_calloc(n, sizeof *fds);
	got = test_calloc(n, sizeof *got);
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	for (i = 0; i < n; i++)
		fds[i] = p[1];
	send_fds(sv[0], fds, n);
	sim_stats.setfd_calls = 0;	/* count the receive's fcntl calls only */
	msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = n };
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, flags), 1);
	assert_int_equal(msg.nfds, n);
	assert_int_equal(msg.flags, 0);
	for (i = 0; i < n; i++) {
		assert_same_pipe(p[0], got[i]);
		assert_int_equal(has_cloexec(got[i]),
		    !(flags & FDPASS_NOCLOEXEC));
	}
	xclose_all(got, n);
	xclose_all(p, 2);
	xclose_all(sv, 2);
	test_free(fds);
	test_free(got);
}

/*
 * The limit: the most the library allows passes the kernel's own checks
 * (limit, one SCM_RIGHTS message, no padding); one more is refused before
 * any system call.
 */
static void
limit(void **state)
{
	size_t n = fdpass_max_fds() + 1;
	int *fds = test_calloc(n, sizeof *fds);
	int sv[2];

	(void)state;
	raise_fd_limit();
	round_trip(fdpass_max_fds(), 0);
	assert_true(fdpass_max_fds() <= sim_kernel.kernel_max_fds);
	round_trip(3, 0);

	xsocketpair(SOCK_STREAM, sv);
	sim_stats.sendmsg_calls = 0;
	errno = 0;
	assert_int_equal(fdpass_send_with_fds(sv[0],
	    &(struct iovec){ .iov_base = (void *)"x", .iov_len = 1 }, 1, fds,
	    n), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(sim_stats.sendmsg_calls, 0);
	xclose_all(sv, 2);
	test_free(fds);
}

/* The kernel's own refusal comes back with its errno, nothing leaked. */
static void
kernel_limit_errno(void **state)
{
	int sv[2];
	struct msghdr mh;

	(void)state;
	if (sim_kernel.kernel_max_fds > fdpass_max_fds()) {
		print_message("%s takes more than the library sends\n",
		    sim_kernel.name);
		skip();
	}
	xsocketpair(SOCK_STREAM, sv);
	memset(&mh, 0, sizeof mh);
	/* Only the simulated kernel is asked: more than it takes. */
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(600 * sizeof(int))];
		} control;
		struct cmsghdr *c;
		int fds[600];
		size_t i, n = sim_kernel.kernel_max_fds + 1;

		for (i = 0; i < n; i++)
			fds[i] = sv[0];
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
		errno = 0;
		assert_int_equal(sim_sendmsg_direct(sv[0], &mh), -1);
		assert_int_equal(errno, sim_kernel.too_many_errno);
	}
	xclose_all(sv, 2);
}

/*
 * CLOEXEC: atomically where the kernel honours MSG_CMSG_CLOEXEC, else by
 * fcntl on each descriptor; never asked of a kernel without the flag.
 */
static void
cloexec(void **state)
{
	(void)state;
	round_trip(3, 0);
	if (sim_kernel.atomic_cloexec) {
		assert_int_equal(sim_stats.setfd_calls, 0);
	} else {
		assert_int_equal(sim_stats.setfd_calls, 3);
		assert_int_equal(sim_stats.ignored_flags, 0);
	}
	round_trip(2, FDPASS_NOCLOEXEC);
	assert_int_equal(sim_stats.setfd_calls, 0);
}

/* The library always offers the buffer for the most a peer can send. */
static void
receive_buffer_is_never_short(void **state)
{
	int sv[2], p[2], got = -1;
	char c;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), 1);
	assert_true(sim_stats.last_recv_controllen >=
	    CMSG_SPACE(fdpass_backend()->recv_max_fds * sizeof(int)));
	assert_true(fdpass_backend()->recv_max_fds >=
	    (sim_kernel.kernel_max_fds < 254 ? sim_kernel.kernel_max_fds : 254));
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* More than the caller's capacity: all closed, data kept or EMSGSIZE. */
static void
truncation_by_capacity(void **state)
{
	int sv[2], p[2], fds[3], got[2] = { -5, -5 }, fd = -5;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	size_t nfds = 2;

	(void)state;
	xsocketpair(SOCK_SEQPACKET, sv);
	xpipe(p);
	fds[0] = fds[1] = fds[2] = p[1];
	send_fds(sv[0], fds, 3);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
	assert_int_equal(msg.flags, FDPASS_CTRUNC);
	assert_int_equal(msg.nfds, 0);
	send_fds(sv[0], fds, 3);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(nfds, 0);
	send_fds(sv[0], fds, 2);
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(fd, -1);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/*
 * The kernel itself truncates (as it would with a short buffer): whatever
 * it reports, the library closes every descriptor it was given and says
 * so; what a leaking kernel lost is counted by the teardown.
 */
static void
truncation_by_kernel(void **state)
{
	int sv[2], p[2], fds[4], got[4] = { -5, -5, -5, -5 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 4 };
	ssize_t n;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	fds[0] = fds[1] = fds[2] = fds[3] = p[1];
	send_fds(sv[0], fds, 4);
	sim_cut_control(CMSG_LEN(2 * sizeof(int)));
	n = fdpass_recvmsg(sv[1], &msg, 0);
	assert_int_equal(msg.nfds, 0);
	switch (sim_kernel.truncation) {
	case SIM_TRUNC_EMSGSIZE:
		/*
		 * The library never offers a short buffer, so it reads the
		 * kernel's EMSGSIZE as "no free slot".
		 */
		assert_int_equal(n, -1);
		assert_int_equal(errno, EMFILE);
		break;
	case SIM_TRUNC_LEAK:
		assert_int_equal(n, 1);
		assert_int_equal(msg.flags, FDPASS_CTRUNC);
		/* Two were handed over and closed; two were lost in the kernel. */
		assert_int_equal(sim_close_lost(), 2);
		break;
	case SIM_TRUNC_CLOSE_WHOLE:
		assert_int_equal(n, 1);
		assert_int_equal(msg.flags, FDPASS_CTRUNC);
		break;
	}
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* No free slot: nothing leaks, stream data comes back where it stays. */
static void
emfile(void **state)
{
	int sv[2], p[2], fds[2], got[2] = { -5, -5 };
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	ssize_t n;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	fds[0] = fds[1] = p[1];
	assert_int_equal(fdpass_send_with_fds(sv[0],
	    &(struct iovec){ .iov_base = (void *)"data", .iov_len = 4 }, 1,
	    fds, 2), 4);
	sim_arm_emfile();
	n = fdpass_recvmsg(sv[1], &msg, 0);
	assert_int_equal(msg.nfds, 0);
	if (sim_kernel.emfile_keeps_stream_data) {
		assert_int_equal(n, 4);
		assert_memory_equal(buf, "data", 4);
		assert_int_equal(msg.flags, FDPASS_CTRUNC);
	} else {
		assert_int_equal(n, -1);
		assert_int_equal(errno, EMFILE);
	}

	/* The simple call fails either way; the connection goes on. */
	send_fds(sv[0], fds, 2);
	sim_arm_emfile();
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &got[0]),
	    -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(got[0], -1);
	send_fds(sv[0], fds, 2);
	msg.nfds = 2;
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
	assert_int_equal(msg.nfds, 2);
	assert_same_pipe(p[0], got[0]);
	assert_same_pipe(p[0], got[1]);
	xclose_all(got, 2);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* EMFILE on a datagram socket: the message is gone, -1 EMFILE. */
static void
emfile_datagram(void **state)
{
	int sv[2], p[2], got = -5;
	char buf[8];

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	xpipe(p);
	send_fds(sv[0], &p[1], 1);
	sim_arm_emfile();
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &got), -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(got, -1);
	assert_nothing_queued(sv[1]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/*
 * SIGPIPE at its default disposition in a child: with the kernel's own
 * means of suppression (MSG_NOSIGNAL only where it honours it, else
 * SO_NOSIGPIPE), the child gets EPIPE and lives.
 */
static void
sigpipe(void **state)
{
	int sv[2], status;
	pid_t pid;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xclose(sv[1]);		/* before the fork: no copy may keep it open */
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		errno = 0;
		_exit(fdpass_send_with_fd(sv[0], &(struct iovec){
		    .iov_base = (void *)"x", .iov_len = 1 }, 1, sv[0]) == -1 &&
		    errno == EPIPE && sim_stats.ignored_flags == 0 ? 0 : 1);
	}
	xclose(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFSIGNALED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Each OS's credential structure, read in its own layout. */
static void
peer_credentials(void **state)
{
	struct fdpass_cred cred;
	int sv[2];

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	memset(&cred, 0x55, sizeof cred);
	assert_int_equal(fdpass_peer_cred(sv[0], &cred), 0);
	assert_int_equal(cred.uid, geteuid());
	assert_int_equal(cred.gid, getegid());
	assert_int_equal(cred.pid, sim_kernel.peer_pid ? getpid() : -1);
	xclose_all(sv, 2);
}

/* socketpair: CLOEXEC and O_NONBLOCK whether the kernel has the flags. */
static void
socketpair_flags(void **state)
{
	int sv[2], i;

	(void)state;
	xsocketpair(SOCK_STREAM | FDPASS_SOCK_NONBLOCK, sv);
	for (i = 0; i < 2; i++) {
		assert_true(has_cloexec(sv[i]));
		assert_true(is_nonblocking(sv[i]));
	}
	assert_int_equal(fdpass_backend()->atomic_socket_cloexec,
	    sim_stats.setfd_calls == 0);
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		sim_test(backend_describes_the_os),
		sim_test(limit),
		sim_test(kernel_limit_errno),
		sim_test(cloexec),
		sim_test(receive_buffer_is_never_short),
		sim_test(truncation_by_capacity),
		sim_test(truncation_by_kernel),
		sim_test(emfile),
		sim_test(emfile_datagram),
		sim_test(sigpipe),
		sim_test(peer_credentials),
		sim_test(socketpair_flags),
	};

	return cmocka_run_group_tests_name(SIM_NAME, tests, NULL, NULL);
}
