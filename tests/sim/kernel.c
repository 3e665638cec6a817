/* SPDX-License-Identifier: ISC */
/*
 * The simulated kernels (see sim.h).  Descriptors, data and signals are
 * Linux's own: the simulation only decides, per variant, what a call
 * returns and what becomes of the descriptors, as that OS's kernel would.
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "internal.h"

#define SIM_KERNEL_COMMON(os_name)					\
	.name = os_name,						\
	.atomic_cloexec = HAVE_MSG_CMSG_CLOEXEC,			\
	.cmsg_align = sizeof(long),					\
	.cmsg_space_one = CMSG_SPACE(sizeof(int))

#if defined(SIM_VARIANT_FREEBSD) || defined(SIM_VARIANT_FREEBSD12)
const struct sim_kernel sim_kernel = {
	SIM_KERNEL_COMMON("freebsd"),
	/* CMSG_SPACE(n * sizeof(void *)) within MCLBYTES. */
	.lib_max_fds = 254,
	.kernel_max_fds = 254,
	.too_many_errno = EMSGSIZE,
	.sigpipe = "MSG_NOSIGNAL", .peer_cred = "LOCAL_PEERCRED",
	.truncation = SIM_TRUNC_CLOSE_WHOLE,
	/* Before 13.1 the flag was accepted and did nothing (6ceacebdf522). */
	.cmsg_cloexec = HAVE_MSG_CMSG_CLOEXEC,
	.msg_nosignal = 1, .so_nosigpipe = 1,
	.emfile_keeps_stream_data = 1,
	.peer_pid = HAVE_STRUCT_XUCRED_CR_PID,
};
#elif defined(SIM_VARIANT_OPENBSD)
const struct sim_kernel sim_kernel = {
	SIM_KERNEL_COMMON("openbsd"),
	/* 16 bytes a descriptor in one 2 KiB cluster on LP64. */
	.lib_max_fds = sizeof(void *) == 8 ? 127 : 254,
	.kernel_max_fds = sizeof(void *) == 8 ? 127 : 254,
	.too_many_errno = E2BIG,
	.sigpipe = "MSG_NOSIGNAL", .peer_cred = "SO_PEERCRED",
	.single_rights_message = 1,
	.truncation = SIM_TRUNC_EMSGSIZE,
	.cmsg_cloexec = 1, .msg_nosignal = 1,
	.emfile_keeps_stream_data = 1,
	.peer_pid = 1,
};
#elif defined(SIM_VARIANT_NETBSD)
const struct sim_kernel sim_kernel = {
	SIM_KERNEL_COMMON("netbsd"),
	.lib_max_fds = 254, .kernel_max_fds = 1020,
	.too_many_errno = EINVAL,
	.sigpipe = "MSG_NOSIGNAL", .peer_cred = "LOCAL_PEEREID",
	.truncation = SIM_TRUNC_CLOSE_WHOLE,
	.cmsg_cloexec = 1, .msg_nosignal = 1, .so_nosigpipe = 1,
	.peer_pid = 1,
};
#elif defined(SIM_VARIANT_DRAGONFLY)
const struct sim_kernel sim_kernel = {
	SIM_KERNEL_COMMON("dragonfly"),
	.lib_max_fds = 78, .kernel_max_fds = 78,
	.too_many_errno = EINVAL,
	.sigpipe = "MSG_NOSIGNAL", .peer_cred = "LOCAL_PEERCRED",
	.single_rights_message = 1,
	.truncation = SIM_TRUNC_LEAK,
	.cmsg_cloexec = 1, .msg_nosignal = 1,
	.peer_pid = 0,
};
#elif defined(SIM_VARIANT_DARWIN) || defined(SIM_VARIANT_DARWIN10)
const struct sim_kernel sim_kernel = {
	.name = "darwin",
	.atomic_cloexec = 0,
	.cmsg_align = 4,
	.cmsg_space_one = 16,
	.lib_max_fds = 254, .kernel_max_fds = 254,
	.too_many_errno = EINVAL,
	.sigpipe = HAVE_MSG_NOSIGNAL ? "MSG_NOSIGNAL" : "SO_NOSIGPIPE",
	.peer_cred = "LOCAL_PEERCRED+LOCAL_PEERPID",
	.single_rights_message = 1,
	.truncation = SIM_TRUNC_LEAK,
	.cmsg_cloexec = 0,
	/* xnu-7195 (macOS 11) added MSG_NOSIGNAL; older kernels ignore it. */
	.msg_nosignal = HAVE_MSG_NOSIGNAL, .so_nosigpipe = 1,
	.emfile_keeps_stream_data = 1,
	.peer_pid = 1,
};
#else
#error "define one SIM_VARIANT_*"
#endif

/*
 * Linux carries at most SCM_MAX_FD (253) per message, and musl's sendmsg
 * at most 252; the rest ride beside the message.
 */
#define LINUX_MAX_FDS 252
#define SIM_MAX_FDS 1024

struct sim_stats sim_stats;

static struct {
	int nosigpipe_socks[64];	/* sockets with SO_NOSIGPIPE set */
	size_t n_nosigpipe;
	int emfile_armed;
	size_t control_cut;		/* 0: none */
	int lost[SIM_MAX_FDS];		/* installed by a leaking truncation */
	size_t n_lost;
	int extra[SIM_MAX_FDS];		/* in flight beyond Linux's limit */
	size_t n_extra;
	int stranded_sock;		/* stream data kept after EMFILE */
	unsigned char stranded[256];
	size_t n_stranded;
} sim;

void
sim_arm_emfile(void)
{
	sim.emfile_armed = 1;
}

void
sim_cut_control(size_t bytes)
{
	sim.control_cut = bytes;
}

size_t
sim_close_lost(void)
{
	size_t n = sim.n_lost;

	fdpass__close_all(sim.lost, sim.n_lost);
	sim.n_lost = 0;
	return n;
}

static int
has_nosigpipe(int sock)
{
	size_t i;

	for (i = 0; i < sim.n_nosigpipe; i++)
		if (sim.nosigpipe_socks[i] == sock)
			return 1;
	return 0;
}

/* Counts the SCM_RIGHTS descriptors of mh and copies them to fds. */
static size_t
rights_of(const struct msghdr *mh, int *fds, size_t *nmsgs, size_t *nother)
{
	struct msghdr *m = (struct msghdr *)(uintptr_t)mh;
	struct cmsghdr *c;
	size_t n = 0, k;

	*nmsgs = *nother = 0;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			(*nother)++;
			continue;
		}
		(*nmsgs)++;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n + k <= SIM_MAX_FDS)
			memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
		n += k;
	}
	return n;
}

static int
refuse(int err)
{
	errno = err;
	return -1;
}

/*
 * Sends at most LINUX_MAX_FDS through Linux; duplicates of the rest wait
 * in sim.extra for the receiving side, so the simulated limit may be higher
 * than the host's.
 */
static ssize_t
send_through_linux(int sock, const struct msghdr *mh, const int *fds,
    size_t nfds, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(LINUX_MAX_FDS * sizeof(int))];
	} control;
	struct msghdr m = *mh;
	struct cmsghdr *c;
	ssize_t n;
	size_t i;

	if (nfds <= LINUX_MAX_FDS)
		return fdpass__real_syscalls.sendmsg(sock, mh, flags);
	memset(&control, 0, sizeof control);
	m.msg_control = control.buf;
	m.msg_controllen = CMSG_SPACE(LINUX_MAX_FDS * sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(LINUX_MAX_FDS * sizeof(int));
	memcpy(CMSG_DATA(c), fds, LINUX_MAX_FDS * sizeof(int));
	n = fdpass__real_syscalls.sendmsg(sock, &m, flags);
	if (n > 0)
		for (i = LINUX_MAX_FDS; i < nfds; i++)
			sim.extra[sim.n_extra++] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
	return n;
}

static ssize_t
sim_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	int fds[SIM_MAX_FDS];
	size_t nfds, nmsgs, nother;
	int linux_flags = flags & ~MSG_NOSIGNAL;

	sim_stats.sendmsg_calls++;
	nfds = rights_of(mh, fds, &nmsgs, &nother);
	/* OpenBSD unp_internalize, xnu unp_internalize, DragonFly. */
	if (sim_kernel.single_rights_message && mh->msg_controllen > 0 &&
	    (nmsgs != 1 || nother != 0 ||
	    mh->msg_controllen != CMSG_SPACE(nfds * sizeof(int))))
		return refuse(EINVAL);
	if (nfds > sim_kernel.kernel_max_fds)
		return refuse(sim_kernel.too_many_errno);
	if ((flags & MSG_NOSIGNAL) && !sim_kernel.msg_nosignal)
		sim_stats.ignored_flags++;
	/* Linux raises SIGPIPE unless told not to: exactly what we need. */
	if (((flags & MSG_NOSIGNAL) && sim_kernel.msg_nosignal) ||
	    has_nosigpipe(sock))
		linux_flags |= MSG_NOSIGNAL;
	return send_through_linux(sock, mh, fds, nfds, linux_flags);
}

long
sim_sendmsg_direct(int sock, const struct msghdr *mh)
{
	return sim_sendmsg(sock, mh, 0);
}

static void
keep_stranded(int sock, const struct msghdr *mh, size_t n)
{
	size_t i, len;

	sim.stranded_sock = sock;
	sim.n_stranded = 0;
	for (i = 0; i < (size_t)mh->msg_iovlen && sim.n_stranded < n; i++) {
		len = mh->msg_iov[i].iov_len;
		if (len > n - sim.n_stranded)
			len = n - sim.n_stranded;
		memcpy(sim.stranded + sim.n_stranded, mh->msg_iov[i].iov_base,
		    len);
		sim.n_stranded += len;
	}
}

static ssize_t
return_stranded(struct msghdr *mh)
{
	size_t n = sim.n_stranded;

	/* Small by construction: the tests strand a few bytes. */
	memcpy(mh->msg_iov[0].iov_base, sim.stranded, n);
	sim.n_stranded = 0;
	mh->msg_controllen = 0;
	mh->msg_flags = 0;
	return (ssize_t)n;
}

static int
socket_type(int sock)
{
	int type = 0;
	socklen_t len = sizeof type;

	(void)getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len);
	return type;
}

/* No free slot: the kernel closes the descriptors and fails (all BSDs). */
static ssize_t
fail_emfile(int sock, struct msghdr *mh, const int *fds, size_t nfds,
    ssize_t n)
{
	sim.emfile_armed = 0;
	fdpass__close_all(fds, nfds);
	if (sim_kernel.emfile_keeps_stream_data &&
	    socket_type(sock) == SOCK_STREAM)
		keep_stranded(sock, mh, (size_t)n);
	return refuse(EMSGSIZE);
}

/* Writes one SCM_RIGHTS message as the kernel's copy-out would. */
static ssize_t
externalize(struct msghdr *mh, const int *fds, size_t nfds, ssize_t n)
{
	size_t room = mh->msg_control != NULL ? mh->msg_controllen : 0;
	size_t fit;
	struct cmsghdr *c;

	if (sim.control_cut != 0 && sim.control_cut < room)
		room = sim.control_cut;
	sim.control_cut = 0;
	if (room >= CMSG_LEN(nfds * sizeof(int))) {
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		mh->msg_controllen = CMSG_SPACE(nfds * sizeof(int)) < room ?
		    CMSG_SPACE(nfds * sizeof(int)) : room;
		return n;
	}
	switch (sim_kernel.truncation) {
	case SIM_TRUNC_CLOSE_WHOLE:
		fdpass__close_all(fds, nfds);
		mh->msg_controllen = 0;
		mh->msg_flags |= MSG_CTRUNC;
		return n;
	case SIM_TRUNC_EMSGSIZE:
		fdpass__close_all(fds, nfds);
		return refuse(EMSGSIZE);
	case SIM_TRUNC_LEAK:
	default:
		/* All installed; the header keeps the full length. */
		fit = room >= CMSG_LEN(0) ?
		    (room - CMSG_LEN(0)) / sizeof(int) : 0;
		if (room >= sizeof(struct cmsghdr)) {
			c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, fit * sizeof(int));
		}
		memcpy(sim.lost + sim.n_lost, fds + fit,
		    (nfds - fit) * sizeof(int));
		sim.n_lost += nfds - fit;
		mh->msg_controllen = room;
		mh->msg_flags |= MSG_CTRUNC;
		return n;
	}
}

/*
 * A peek copies, never installs: FreeBSD and OpenBSD copy the kernel's
 * control data (soreceive_generic MSG_PEEK branch), xnu zeroes it
 * (sopeek_scm_rights).  Linux would install duplicates, so the peek goes
 * to it without a control buffer and reports control by MSG_CTRUNC.
 */
static ssize_t
peek(int sock, struct msghdr *mh, int flags)
{
	struct msghdr m = *mh;
	size_t n;

	if (sim.n_stranded > 0 && sim.stranded_sock == sock) {
		n = sim.n_stranded < mh->msg_iov[0].iov_len ?
		    sim.n_stranded : mh->msg_iov[0].iov_len;
		memcpy(mh->msg_iov[0].iov_base, sim.stranded, n);
		mh->msg_controllen = 0;
		mh->msg_flags = 0;
		return (ssize_t)n;
	}
	m.msg_control = NULL;
	m.msg_controllen = 0;
	if (fdpass__real_syscalls.recvmsg(sock, &m, flags) == -1)
		return -1;
	mh->msg_controllen = 0;
	mh->msg_flags = m.msg_flags;
	return 1;
}

static ssize_t
sim_recvmsg(int sock, struct msghdr *mh, int flags)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(LINUX_MAX_FDS * sizeof(int)) + 512];
	} control;
	struct msghdr m = *mh;
	int fds[SIM_MAX_FDS];
	size_t nfds, nmsgs, nother;
	ssize_t n;

	sim_stats.recvmsg_calls++;
	sim_stats.last_recv_controllen = mh->msg_controllen;
	if ((flags & MSG_CMSG_CLOEXEC) && !sim_kernel.cmsg_cloexec) {
		sim_stats.ignored_flags++;
		flags &= ~MSG_CMSG_CLOEXEC;
	}
	if (flags & MSG_PEEK)
		return peek(sock, mh, flags);
	if (sim.n_stranded > 0 && sim.stranded_sock == sock)
		return return_stranded(mh);

	m.msg_control = control.buf;
	m.msg_controllen = sizeof control.buf;
	if ((n = fdpass__real_syscalls.recvmsg(sock, &m, flags)) == -1)
		return -1;
	nfds = rights_of(&m, fds, &nmsgs, &nother);
	if (nfds == LINUX_MAX_FDS && sim.n_extra > 0) {
		memcpy(fds + nfds, sim.extra, sim.n_extra * sizeof(int));
		nfds += sim.n_extra;
		sim.n_extra = 0;
		if (!(flags & MSG_CMSG_CLOEXEC))
			for (size_t i = LINUX_MAX_FDS; i < nfds; i++)
				(void)fcntl(fds[i], F_SETFD, 0);
	}
	mh->msg_flags = m.msg_flags;
	if (nfds > 0 && sim.emfile_armed)
		return fail_emfile(sock, mh, fds, nfds, n);
	if (nfds == 0) {
		mh->msg_controllen = 0;
		return n;
	}
	return externalize(mh, fds, nfds, n);
}

static int
sim_fcntl(int fd, int cmd, int arg)
{
	if (cmd == F_SETFD)
		sim_stats.setfd_calls++;
	return fdpass__real_syscalls.fcntl(fd, cmd, arg);
}

static int
sim_setsockopt(int sock, int level, int name, const void *val, socklen_t len)
{
	if (level == SOL_SOCKET && name == SO_NOSIGPIPE) {
		if (!sim_kernel.so_nosigpipe)
			return refuse(ENOPROTOOPT);
		if (!has_nosigpipe(sock) && sim.n_nosigpipe < 64)
			sim.nosigpipe_socks[sim.n_nosigpipe++] = sock;
		return 0;
	}
	return fdpass__real_syscalls.setsockopt(sock, level, name, val, len);
}

/* Answers the OS's credential options from Linux's SO_PEERCRED. */
static int
sim_getsockopt(int sock, int level, int name, void *val, socklen_t *len)
{
	struct ucred uc;
	socklen_t uclen = sizeof uc;
	struct xucred xu;
	struct sockpeercred pc;
	struct unpcbid id;
	const void *answer;
	socklen_t size;

	if (!((level == SOL_LOCAL && (name == LOCAL_PEERCRED ||
	    name == LOCAL_PEERPID || name == LOCAL_PEEREID)) ||
	    (level == SOL_SOCKET && name == SO_PEERCRED)))
		return fdpass__real_syscalls.getsockopt(sock, level, name, val,
		    len);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &uclen) == -1)
		return -1;
	if (level == SOL_SOCKET) {
		pc = (struct sockpeercred){ uc.uid, uc.gid, uc.pid };
		answer = &pc;
		size = sizeof pc;
	} else if (name == LOCAL_PEERCRED) {
		memset(&xu, 0, sizeof xu);
		xu.cr_version = XUCRED_VERSION;
		xu.cr_uid = uc.uid;
		xu.cr_ngroups = 1;
		xu.cr_groups[0] = uc.gid;
#if HAVE_STRUCT_XUCRED_CR_PID
		xu.cr_pid = uc.pid;
#endif
		answer = &xu;
		size = sizeof xu;
	} else if (name == LOCAL_PEEREID) {
		id = (struct unpcbid){ uc.pid, uc.uid, uc.gid };
		answer = &id;
		size = sizeof id;
	} else {
		answer = &uc.pid;
		size = sizeof uc.pid;
	}
	if (*len < size)
		return refuse(EINVAL);
	memcpy(val, answer, size);
	*len = size;
	return 0;
}

void
sim_install(void)
{
	fdpass__close_all(sim.extra, sim.n_extra);
	sim_close_lost();
	memset(&sim, 0, sizeof sim);
	memset(&sim_stats, 0, sizeof sim_stats);
	fdpass__sys = fdpass__real_syscalls;
	fdpass__sys.sendmsg = sim_sendmsg;
	fdpass__sys.recvmsg = sim_recvmsg;
	fdpass__sys.fcntl = sim_fcntl;
	fdpass__sys.setsockopt = sim_setsockopt;
	fdpass__sys.getsockopt = sim_getsockopt;
}
