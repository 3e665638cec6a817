/* SPDX-License-Identifier: ISC */
/*
 * The bsd and darwin backends, built for one simulated kernel (sim.h) and
 * run on Linux, held to the contract (docs/guarantees.md): limits, CLOEXEC,
 * truncation, no free slot per socket type, several SCM_RIGHTS messages,
 * companions, a hostile peer, SIGPIPE, peer credentials; the descriptor
 * count is checked around every test, and what a leaking kernel lost fails
 * it too.  The kernel's own behaviour is the model's (kernel*.c), checked
 * against a real kernel by the calibration test; these tests only ask what
 * the library makes of it.
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
#include "sim_abi.h"

/* What the library calls its peer-credential method on this OS. */
#if defined(SIM_VARIANT_DARWIN) || defined(SIM_VARIANT_DARWIN10)
#define LIB_PEER_CRED "LOCAL_PEERCRED+LOCAL_PEERPID"
#elif defined(SIM_VARIANT_OPENBSD)
#define LIB_PEER_CRED "SO_PEERCRED"
#elif defined(SIM_VARIANT_NETBSD)
#define LIB_PEER_CRED "LOCAL_PEEREID"
#else
#define LIB_PEER_CRED "LOCAL_PEERCRED"
#endif

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
require_type(int type)
{
	if (type == SOCK_SEQPACKET && !sim_os.has_seqpacket) {
		print_message("%s has no SOCK_SEQPACKET: skipped\n",
		    sim_os.name);
		skip();
	}
}

static int
message_type(void)
{
	return sim_os.has_seqpacket ? SOCK_SEQPACKET : SOCK_DGRAM;
}

/* A cmocka test of one socket type. */
#define PER_TYPE(name, fn, type)					\
static void								\
name(void **state)							\
{									\
	(void)state;							\
	fn(type);							\
}

/*
 * The first receive meets no free slot: where the kernel kept the data,
 * it comes back with FDPASS_CTRUNC; where the kernel dropped the message,
 * -1 EMFILE.
 */
static void
assert_no_slot_outcome(int type, ssize_t n, const char *buf,
    const struct fdpass_msg *msg, const char *data)
{
	assert_int_equal(msg->nfds, 0);
	if (sim_kernel_keeps(type)) {
		assert_int_equal(n, strlen(data));
		assert_memory_equal(buf, data, strlen(data));
		assert_int_equal(msg->flags, FDPASS_CTRUNC);
	} else {
		assert_int_equal(n, -1);
		assert_int_equal(errno, EMFILE);
	}
}

static void assert_drained(int sock);

/* A pair of type, a pipe, and "first" sent with n copies of its write end. */
static void
open_with_first(int type, int sv[2], int p[2], size_t n)
{
	int fds[2];

	require_type(type);
	xsocketpair(type, sv);
	xpipe(p);
	fds[0] = fds[1] = p[1];
	assert_int_equal(fdpass_send_with_fds(sv[0],
	    &(struct iovec){ .iov_base = (void *)"first", .iov_len = 5 }, 1,
	    fds, n), 5);
}

/*
 * The next message is data (maybe none) with one descriptor of pipe p,
 * and it is the last; then the pipe and the pair are closed.
 */
static void
assert_next_message(int sv[2], int p[2], const char *data)
{
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	int got[2] = { -5, -5 };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };

	memset(buf, 0, sizeof buf);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), strlen(data));
	assert_memory_equal(buf, data, strlen(data));
	assert_int_equal(msg.nfds, 1);
	assert_same_pipe(p[0], got[0]);
	xclose(got[0]);
	assert_drained(sv[1]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* Nothing more to receive: a non-blocking receive says EAGAIN. */
static void
assert_drained(int sock)
{
	char buf[64];
	int fd = -5;

	errno = 0;
	assert_int_equal(fdpass_recvmsg(sock, &(struct fdpass_msg){
	    .iov = &(struct iovec){ .iov_base = buf, .iov_len = sizeof buf },
	    .iovcnt = 1, .fds = &fd, .nfds = 1 }, FDPASS_NONBLOCK), -1);
	assert_int_equal(errno, EAGAIN);
}

/* A foreign peer's message: groups of copies of one fd, then requests. */
struct group {
	int fd;
	size_t n;
	int type;		/* SCM_RIGHTS, SIM_SCM_CREDS, _TIMESTAMP */
};

static ssize_t
foreign_send(int sock, const void *data, size_t len, const struct group *g,
    size_t ng)
{
	static union {
		struct cmsghdr h;
		unsigned char buf[8192];
	} control;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data,
	    .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *c;
	size_t i, j, pos = 0, payload;

	memset(&control, 0, sizeof control);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (i = 0; i < ng; i++) {
		payload = g[i].type == SCM_RIGHTS ? g[i].n * sizeof(int) :
		    g[i].type == SIM_SCM_CREDS ? sizeof(struct sim_cmsgcred) :
		    0;
		c = (struct cmsghdr *)(void *)(control.buf + pos);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = g[i].type;
		c->cmsg_len = (socklen_t)CMSG_LEN(payload);
		for (j = 0; g[i].type == SCM_RIGHTS && j < g[i].n; j++)
			memcpy(CMSG_DATA(c) + j * sizeof(int), &g[i].fd,
			    sizeof(int));
		pos += CMSG_SPACE(payload);
	}
	if (ng > 0) {
		mh.msg_control = control.buf;
		mh.msg_controllen = pos;
	}
	return sim_sendmsg_direct(sock, &mh, 0);
}

static void
backend_describes_the_os(void **state)
{
	const struct fdpass_backend *b = fdpass_backend();

	(void)state;
	assert_string_equal(b->name, sim_os.name);
	assert_int_equal(b->atomic_cloexec, sim_os.cmsg_cloexec);
	assert_string_equal(b->sigpipe, sim_os.msg_nosignal ? "MSG_NOSIGNAL" :
	    sim_os.so_nosigpipe ? "SO_NOSIGPIPE" : "sigmask");
	assert_string_equal(b->peer_cred, LIB_PEER_CRED);
	/* The library's layout is the kernel's (include/sim_cmsg.h). */
	assert_int_equal(b->cmsg_align, SIM_CMSG_ALIGNBYTES + 1);
	assert_int_equal(b->cmsg_space_one, CMSG_SPACE(sizeof(int)));
	assert_int_equal(b->cmsg_space_max,
	    CMSG_SPACE(b->max_fds * sizeof(int)));
	assert_true(FDPASS_PORTABLE_MAX_FDS <= b->max_fds);
}

/* n descriptors (copies of one pipe's write end) through the kernel. */
static void
round_trip(int type, size_t n, int flags)
{
	int sv[2], p[2], *fds, *got;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct fdpass_msg msg;
	size_t i;

	fds = test_calloc(n, sizeof *fds);
	got = test_calloc(n, sizeof *got);
	xsocketpair(type, sv);
	xpipe(p);
	for (i = 0; i < n; i++)
		fds[i] = p[1];
	send_fds(sv[0], fds, n);
	sim_stats.setfd_calls = 0;	/* the receive's fcntl calls only */
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
 * The most the library allows passes the kernel's checks on every socket
 * type (limit, control rules, layout); one more is refused before any
 * system call.
 */
static void
limit(void **state)
{
	size_t n = fdpass_max_fds() + 1;
	int *fds = test_calloc(n, sizeof *fds);
	int sv[2];

	(void)state;
	raise_fd_limit();
	round_trip(SOCK_STREAM, fdpass_max_fds(), 0);
	round_trip(SOCK_DGRAM, fdpass_max_fds(), 0);
	if (sim_os.has_seqpacket)
		round_trip(SOCK_SEQPACKET, fdpass_max_fds(), 0);
	round_trip(SOCK_STREAM, 3, 0);

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

/* The kernel's limit is at least the library's, on every socket type. */
static void
kernel_limit(void **state)
{
	(void)state;
	assert_true(sim_kernel_max_fds(SOCK_STREAM) >= fdpass_max_fds());
	assert_true(sim_kernel_max_fds(SOCK_DGRAM) >= fdpass_max_fds());
	if (sim_os.has_seqpacket)
		assert_true(sim_kernel_max_fds(SOCK_SEQPACKET) >=
		    fdpass_max_fds());
	print_message("%s: the kernel takes %zu (stream), %zu (dgram); "
	    "the library sends %zu\n", sim_os.name,
	    sim_kernel_max_fds(SOCK_STREAM), sim_kernel_max_fds(SOCK_DGRAM),
	    fdpass_max_fds());
}

/*
 * What the real kernels accept, the model accepts: msg_controllen of
 * CMSG_LEN rather than CMSG_SPACE (xnu: the same number; OpenBSD:
 * cmsg_len == controllen; FreeBSD, NetBSD, DragonFly: cmsg_len within it),
 * so a library built that way would not fail the simulations wrongly.
 */
static void
controllen_of_cmsg_len(void **state)
{
	union {
		struct cmsghdr h;
		unsigned char buf[CMSG_SPACE(3 * sizeof(int))];
	} control;
	int sv[2], p[2], got[3];
	struct iovec iov = { .iov_base = (void *)"l", .iov_len = 1 };
	struct msghdr mh;
	struct cmsghdr *c;
	char buf[4];
	size_t nfds = 3;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	memset(&control, 0, sizeof control);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = CMSG_LEN(3 * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), (int[3]){ p[1], p[1], p[1] }, 3 * sizeof(int));
	assert_int_equal(sim_sendmsg_direct(sv[0], &mh, 0), 1);
	assert_int_equal(fdpass_recv_with_fds(sv[1], buf, sizeof buf, got,
	    &nfds), 1);
	assert_int_equal(nfds, 3);
	xclose_all(got, 3);
	xclose_all(p, 2);
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
	round_trip(SOCK_STREAM, 3, 0);
	if (sim_os.cmsg_cloexec) {
		assert_int_equal(sim_stats.setfd_calls, 0);
	} else {
		assert_int_equal(sim_stats.setfd_calls, 3);
		assert_int_equal(sim_stats.ignored_flags, 0);
	}
	round_trip(SOCK_STREAM, 2, FDPASS_NOCLOEXEC);
	assert_int_equal(sim_stats.setfd_calls, 0);
}

/* The library offers a buffer for the most a peer can send in one cmsg. */
static void
receive_buffer_is_never_short(void **state)
{
	int sv[2], p[2], got = -1;
	char c;
	size_t most = sim_kernel_max_fds(SOCK_STREAM);

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	send_fds(sv[0], &p[1], 1);
	assert_int_equal(fdpass_recv_with_fd(sv[1], &c, 1, &got), 1);
	assert_true(sim_stats.last_recv_controllen >=
	    CMSG_SPACE(most * sizeof(int)));
	xclose(got);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/* FreeBSD: several SCM_RIGHTS messages in one sendmsg, all collected. */
static void
several_rights_messages_in_order(void **state)
{
	int sv[2], a[2], b[2], c[2], got[8];
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 8 };
	struct group g[3];
	size_t i;

	(void)state;
	if (sim_os.send_rule != SIM_SEND_SEVERAL) {
		print_message("%s takes one SCM_RIGHTS a message\n",
		    sim_os.name);
		skip();
	}
	xsocketpair(SOCK_STREAM, sv);
	xpipe(a);
	xpipe(b);
	xpipe(c);
	g[0] = (struct group){ a[1], 2, SCM_RIGHTS };
	g[1] = (struct group){ b[1], 3, SCM_RIGHTS };
	g[2] = (struct group){ c[1], 1, SCM_RIGHTS };
	assert_int_equal(foreign_send(sv[0], "abc", 3, g, 3), 3);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 3);
	assert_int_equal(msg.flags, 0);
	assert_int_equal(msg.nfds, 6);
	assert_same_pipe(a[0], got[0]);
	assert_same_pipe(a[0], got[1]);
	for (i = 2; i < 5; i++)
		assert_same_pipe(b[0], got[i]);
	assert_same_pipe(c[0], got[5]);
	xclose_all(got, 6);
	xclose_all(a, 2);
	xclose_all(b, 2);
	xclose_all(c, 2);
	xclose_all(sv, 2);
}

/* LOCAL_CREDS: the SCM_CREDS companion truncates nothing, on every type. */
static void
creds_companion(void **state)
{
	int sv[2], p[2], fds[3], got[3], one = 1, type;
	char buf[8];
	struct fdpass_msg msg;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };

	(void)state;
	if (sim_os.local_creds == 0) {
		print_message("%s has no LOCAL_CREDS\n", sim_os.name);
		skip();
	}
	xpipe(p);
	fds[0] = fds[1] = fds[2] = p[1];
	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET; type++) {
		if (type != SOCK_STREAM && type != SOCK_DGRAM &&
		    type != SOCK_SEQPACKET)
			continue;
		xsocketpair(type, sv);
		assert_int_equal(sim_setsockopt_direct(sv[1], SOL_LOCAL,
		    sim_os.local_creds, &one, sizeof one), 0);
		send_fds(sv[0], fds, 3);
		msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1,
		    .fds = got, .nfds = 3 };
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
		assert_int_equal(msg.flags, 0);
		assert_int_equal(msg.nfds, 3);
		assert_same_pipe(p[0], got[2]);
		xclose_all(got, 3);
		xclose_all(sv, 2);
	}
	xclose_all(p, 2);
}

/* A foreign sender's SCM_CREDS beside (or instead of) its descriptors. */
static void
scm_creds_from_a_foreign_sender(void **state)
{
	int sv[2], p[2], got[4] = { -5, -5, -5, -5 };
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 4 };
	struct group g[2];

	(void)state;
	if (!sim_os.creds_on_send) {
		print_message("%s refuses SCM_CREDS on send\n", sim_os.name);
		skip();
	}
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	g[0] = (struct group){ -1, 0, SIM_SCM_CREDS };
	g[1] = (struct group){ p[1], 2, SCM_RIGHTS };
	if (sim_os.send_rule == SIM_SEND_SEVERAL) {
		assert_int_equal(foreign_send(sv[0], "c", 1, g, 2), 1);
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
		assert_int_equal(msg.flags, 0);
		assert_int_equal(msg.nfds, 2);
		assert_same_pipe(p[0], got[1]);
		xclose_all(got, 2);
	} else {
		assert_int_equal(foreign_send(sv[0], "c", 1, g, 1), 1);
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
		assert_int_equal(msg.flags, 0);
		assert_int_equal(msg.nfds, 0);
	}
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/*
 * A hostile peer sends the most its kernel lets through in one message
 * (FreeBSD: several SCM_RIGHTS filling MCLBYTES), to a receiver with
 * LOCAL_CREDS where the OS has it: every descriptor is handed over in
 * order, or all are closed and reported; none leaks.
 */
static void
hostile_peer_most_descriptors(void **state)
{
	static int got[2100];
	int sv[2], p[2], one = 1;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = sizeof got / sizeof got[0] };
	struct group g[4];
	size_t ng, total, i;

	(void)state;
	raise_fd_limit();
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	if (sim_os.local_creds != 0)
		assert_int_equal(sim_setsockopt_direct(sv[1], SOL_LOCAL,
		    sim_os.local_creds, &one, sizeof one), 0);
	if (sim_os.send_rule == SIM_SEND_SEVERAL) {
		/* Four of 124: 4 * CMSG_SPACE(496) == MCLBYTES on LP64. */
		for (i = 0; i < 4; i++)
			g[i] = (struct group){ p[1],
			    (2048 / 4 - CMSG_SPACE(0)) / sizeof(int),
			    SCM_RIGHTS };
		ng = 4;
		total = 4 * g[0].n;
	} else {
		g[0] = (struct group){ p[1], sim_kernel_max_fds(SOCK_STREAM),
		    SCM_RIGHTS };
		ng = 1;
		total = g[0].n;
	}
	assert_int_equal(foreign_send(sv[0], "h", 1, g, ng), 1);
	assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
	print_message("%s: %zu sent, %zu received, flags %d\n", sim_os.name,
	    total, msg.nfds, msg.flags);
	if (msg.flags & FDPASS_CTRUNC) {
		assert_int_equal(msg.nfds, 0);
	} else {
		assert_int_equal(msg.nfds, total);
		assert_same_pipe(p[0], got[total - 1]);
		xclose_all(got, total);
	}
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

/*
 * FreeBSD: timestamp requests grow when the kernel fills them in, so a
 * peer can make the control data outgrow any buffer.  Whatever did not
 * fit is closed and reported, before or after the descriptors.
 */
static void
hostile_timestamps(void **state)
{
	static int got[300];
	struct group g[2];
	int sv[2], p[2], order;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg;
	size_t rights = 200, requests;

	(void)state;
	if (!sim_os.timestamps_on_send) {
		print_message("%s takes no timestamp requests\n", sim_os.name);
		skip();
	}
	raise_fd_limit();
	requests = (2048 - CMSG_SPACE(rights * sizeof(int))) / CMSG_SPACE(0);
	xpipe(p);
	for (order = 0; order < 2; order++) {
		xsocketpair(SOCK_STREAM, sv);
		g[order] = (struct group){ p[1], rights, SCM_RIGHTS };
		g[1 - order] = (struct group){ -1, 0, SIM_SCM_TIMESTAMP };
		/* foreign_send writes one request per group: repeat it. */
		{
			struct group many[160];
			size_t i, n = 0, k;

			for (i = 0; i < 2; i++)
				for (k = g[i].type == SCM_RIGHTS ? 1 : requests;
				    k > 0 && n < 160; k--)
					many[n++] = g[i];
			assert_int_equal(foreign_send(sv[0], "t", 1, many, n),
			    1);
		}
		msg = (struct fdpass_msg){ .iov = &iov, .iovcnt = 1,
		    .fds = got, .nfds = 300 };
		assert_int_equal(fdpass_recvmsg(sv[1], &msg, 0), 1);
		if (msg.flags & FDPASS_CTRUNC) {
			assert_int_equal(msg.nfds, 0);
		} else {
			assert_int_equal(msg.nfds, rights);
			xclose_all(got, rights);
		}
		xclose_all(sv, 2);
	}
	xclose_all(p, 2);
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
	xsocketpair(message_type(), sv);
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
	switch (sim_os.truncation) {
	case SIM_TRUNC_EMSGSIZE:
		/*
		 * The library never offers a short buffer, so it reads the
		 * kernel's EMSGSIZE as "no free slot".
		 */
		if (n == -1) {
			assert_int_equal(errno, EMFILE);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(msg.flags, FDPASS_CTRUNC);
		}
		break;
	case SIM_TRUNC_LEAK:
		assert_int_equal(n, 1);
		assert_int_equal(msg.flags, FDPASS_CTRUNC);
		/* Two handed over and closed; two lost in the kernel. */
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

/*
 * No free slot on one socket type.  The first message (data "first", two
 * descriptors) fails: where the kernel kept its data, fdpass_recvmsg
 * returns it with FDPASS_CTRUNC; where the kernel dropped it, -1 EMFILE.
 * Either way the failed message's bytes never come back as an ordinary
 * message, and the next message ("second", one descriptor) arrives intact.
 */
static void
no_free_slot(int type)
{
	int sv[2], p[2], got[2] = { -5, -5 };
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	ssize_t n;

	open_with_first(type, sv, p, 2);
	assert_int_equal(fdpass_send_with_fd(sv[0],
	    &(struct iovec){ .iov_base = (void *)"second", .iov_len = 6 }, 1,
	    p[1]), 6);
	sim_arm_emfile();
	memset(buf, 0, sizeof buf);
	errno = 0;
	n = fdpass_recvmsg(sv[1], &msg, 0);
	assert_no_slot_outcome(type, n, buf, &msg, "first");
	assert_next_message(sv, p, "second");
}

PER_TYPE(no_free_slot_stream, no_free_slot, SOCK_STREAM)
PER_TYPE(no_free_slot_dgram, no_free_slot, SOCK_DGRAM)
PER_TYPE(no_free_slot_seqpacket, no_free_slot, SOCK_SEQPACKET)

/*
 * The simple call: -1 EMFILE, the failed message's data gone with it, the
 * next message intact.
 */
static void
no_free_slot_simple_call(int type)
{
	int sv[2], p[2], fd = -5;
	char buf[16];

	open_with_first(type, sv, p, 1);
	assert_int_equal(fdpass_send_with_fd(sv[0],
	    &(struct iovec){ .iov_base = (void *)"second", .iov_len = 6 }, 1,
	    p[1]), 6);
	sim_arm_emfile();
	errno = 0;
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(fd, -1);
	memset(buf, 0, sizeof buf);
	assert_int_equal(fdpass_recv_with_fd(sv[1], buf, sizeof buf, &fd), 6);
	assert_memory_equal(buf, "second", 6);
	assert_true(fd >= 0);
	assert_same_pipe(p[0], fd);
	xclose(fd);
	assert_drained(sv[1]);
	xclose_all(p, 2);
	xclose_all(sv, 2);
}

PER_TYPE(no_free_slot_simple_call_stream, no_free_slot_simple_call, SOCK_STREAM)
PER_TYPE(no_free_slot_simple_call_dgram, no_free_slot_simple_call, SOCK_DGRAM)
PER_TYPE(no_free_slot_simple_call_seqpacket, no_free_slot_simple_call,
    SOCK_SEQPACKET)

/*
 * A zero-data message with descriptors (a foreign peer) queued right after
 * a message that failed for want of a slot is not swallowed: it arrives
 * as 0 with its descriptor.
 */
static void
zero_data_after_a_stranded_message(int type)
{
	int sv[2], p[2], got[2] = { -5, -5 };
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1, .fds = got,
	    .nfds = 2 };
	struct group g = { 0, 1, SCM_RIGHTS };
	ssize_t n;

	open_with_first(type, sv, p, 1);
	g.fd = p[1];
	assert_int_equal(foreign_send(sv[0], "", 0, &g, 1), 0);
	sim_arm_emfile();
	n = fdpass_recvmsg(sv[1], &msg, 0);
	assert_no_slot_outcome(type, n, buf, &msg, "first");
	assert_next_message(sv, p, "");
}

PER_TYPE(zero_data_after_stranded_dgram, zero_data_after_a_stranded_message,
    SOCK_DGRAM)
PER_TYPE(zero_data_after_stranded_seqpacket,
    zero_data_after_a_stranded_message, SOCK_SEQPACKET)

/* A full datagram receiver with FDPASS_NONBLOCK: -1 EAGAIN (contract). */
static void
dgram_full_nonblocking(void **state)
{
	static char block[1024];
	struct iovec iov = { .iov_base = block, .iov_len = sizeof block };
	struct fdpass_msg msg = { .iov = &iov, .iovcnt = 1 };
	int sv[2], i;
	ssize_t n = 0;

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	for (i = 0; i < 100000 && n != -1; i++)
		n = fdpass_sendmsg(sv[0], &msg, FDPASS_NONBLOCK);
	assert_int_equal(n, -1);
	assert_int_equal(errno, EAGAIN);
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
	assert_int_equal(cred.pid, sim_os.peer_pid ? getpid() : -1);
	xclose_all(sv, 2);
}

/* A datagram socketpair: credentials, or -1 ENOTCONN where none are kept. */
static void
peer_credentials_dgram(void **state)
{
	struct fdpass_cred cred;
	int sv[2], r;

	(void)state;
	xsocketpair(SOCK_DGRAM, sv);
	errno = 0;
	r = fdpass_peer_cred(sv[0], &cred);
	if (sim_os.peercred_stream_only) {
		assert_int_equal(r, -1);
		assert_int_equal(errno, ENOTCONN);
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(cred.uid, geteuid());
	}
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
		sim_test(kernel_limit),
		sim_test(controllen_of_cmsg_len),
		sim_test(cloexec),
		sim_test(receive_buffer_is_never_short),
		sim_test(several_rights_messages_in_order),
		sim_test(creds_companion),
		sim_test(scm_creds_from_a_foreign_sender),
		sim_test(hostile_peer_most_descriptors),
		sim_test(hostile_timestamps),
		sim_test(truncation_by_capacity),
		sim_test(truncation_by_kernel),
		sim_test(no_free_slot_stream),
		sim_test(no_free_slot_dgram),
		sim_test(no_free_slot_seqpacket),
		sim_test(no_free_slot_simple_call_stream),
		sim_test(no_free_slot_simple_call_dgram),
		sim_test(no_free_slot_simple_call_seqpacket),
		sim_test(zero_data_after_stranded_dgram),
		sim_test(zero_data_after_stranded_seqpacket),
		sim_test(dgram_full_nonblocking),
		sim_test(sigpipe),
		sim_test(peer_credentials),
		sim_test(peer_credentials_dgram),
		sim_test(socketpair_flags),
	};

	return cmocka_run_group_tests_name(SIM_NAME, tests, NULL, NULL);
}
