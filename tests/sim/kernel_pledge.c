/* SPDX-License-Identifier: ISC */
/*
 * The seams of the simulated kernels, and OpenBSD's pledge(2) in front of
 * them.  Every call the library makes through FDPASS__SYSCALL comes here;
 * once the process has pledged (sim_pledge), each is checked as
 * sys/kern/kern_pledge.c checks it, and a refusal is pledge_fail(): the
 * kernel sends an uncatchable SIGABRT (sigabort) unless the process also
 * pledged "error", when the call fails with ENOSYS instead.  The model
 * prints the refused call, then aborts.
 *
 * Sources: openbsd/src sys/kern/kern_pledge.c rev 1.206 (2017) and
 * rev 1.333 (2025-09-17); sys/kern/uipc_syscalls.c sys_getsockopt and
 * sys_setsockopt (pledge_sockopt), sendit (pledge_sendit);
 * sys/kern/uipc_usrreq.c unp_internalize (pledge_sendfd) and
 * unp_externalize (pledge_recvfd).
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define SIM_PLEDGE_STDIO 0x01
#define SIM_PLEDGE_UNIX 0x02
#define SIM_PLEDGE_INET 0x04
#define SIM_PLEDGE_DNS 0x08
#define SIM_PLEDGE_SENDFD 0x10
#define SIM_PLEDGE_RECVFD 0x20
#define SIM_PLEDGE_PROC 0x40
#define SIM_PLEDGE_ERROR 0x80

static const struct {
	const char *name;
	unsigned int bit;
} promise_names[] = {
	{ "stdio", SIM_PLEDGE_STDIO }, { "unix", SIM_PLEDGE_UNIX },
	{ "inet", SIM_PLEDGE_INET }, { "dns", SIM_PLEDGE_DNS },
	{ "sendfd", SIM_PLEDGE_SENDFD }, { "recvfd", SIM_PLEDGE_RECVFD },
	{ "proc", SIM_PLEDGE_PROC }, { "error", SIM_PLEDGE_ERROR },
};

static const char *
name_of(unsigned int bits)
{
	size_t i;

	for (i = 0; i < sizeof promise_names / sizeof promise_names[0]; i++)
		if (bits & promise_names[i].bit)
			return promise_names[i].name;
	return "?";
}

/*
 * sys_pledge (kern_pledge.c): the promises, space-separated; an unknown
 * one is EINVAL (the model knows those the library could need), and an
 * already pledged process may only drop promises (EPERM).
 */
int
sim_pledge(const char *promises)
{
	char buf[256], *word, *save = NULL;
	unsigned int bits = 0, bit;
	size_t i;

	if (!sim_os.has_pledge)
		return sim_refuse(ENOSYS);
	if (promises == NULL || strlen(promises) >= sizeof buf)
		return sim_refuse(EINVAL);
	strcpy(buf, promises);
	for (word = strtok_r(buf, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save)) {
		for (bit = 0, i = 0; i < sizeof promise_names /
		    sizeof promise_names[0]; i++)
			if (strcmp(word, promise_names[i].name) == 0)
				bit = promise_names[i].bit;
		if (bit == 0)
			return sim_refuse(EINVAL);
		bits |= bit;
	}
	if (sim.pledged && (bits | sim.promises) != sim.promises)
		return sim_refuse(EPERM);
	sim.pledged = 1;
	sim.promises = bits;
	return 0;
}

/*
 * pledge_fail: the process dies of SIGABRT (sigabort), or with "error"
 * the call fails ENOSYS.  The model names the call first, so that a
 * failing suite says which one.
 */
static int
pledge_fail(const char *call, int error, unsigned int needed)
{
	(void)error;
	fprintf(stderr, "%s: pledge \"%s\" refuses %s\n", SIM_NAME,
	    name_of(needed), call);
	fflush(stderr);
	if (sim.promises & SIM_PLEDGE_ERROR)
		return ENOSYS;
	abort();
}

/* pledge_syscall: one of the promises in `needed` must be held. */
static int
check_syscall(const char *call, unsigned int needed)
{
	if (!sim.pledged || (sim.promises & needed))
		return 0;
	return pledge_fail(call, EPERM, needed);
}

/*
 * pledge_sockopt (rev 1.333; rev 1.206 the same for what is modelled):
 * SO_RCVBUF and SO_ERROR always; anything else needs "inet", "unix" or
 * "dns", and past the resolver's few options "inet" or "unix"; at
 * SOL_SOCKET then everything but SO_RTABLE; other levels are IP options,
 * which need "inet".
 */
static int
check_sockopt(const char *call, int level, int name)
{
	unsigned int p = sim.promises;

	if (!sim.pledged)
		return 0;
	if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_ERROR))
		return 0;
	if ((p & (SIM_PLEDGE_INET | SIM_PLEDGE_UNIX)) == 0)
		return pledge_fail(call, EPERM, SIM_PLEDGE_INET);
	if (level == SOL_SOCKET)
		return 0;
	if ((p & SIM_PLEDGE_INET) == 0)
		return pledge_fail(call, EPERM, SIM_PLEDGE_INET);
	return 0;
}

/*
 * pledge_sendfd and pledge_recvfd: the promise, then the file's type:
 * sockets, pipes and vnodes other than directories pass (DTYPE_DMABUF and
 * DTYPE_SYNC have no Linux counterpart here); anything else, a kqueue
 * say, is refused with EINVAL.  A descriptor fstat cannot see is left to
 * the kernel's own EBADF.
 */
static int
check_fd_passing(const char *call, unsigned int needed, int fd)
{
	struct stat st;
	mode_t t;

	if (!sim.pledged)
		return 0;
	if ((sim.promises & needed) == 0)
		return pledge_fail(call, EPERM, needed);
	if (fstat(fd, &st) == -1)
		return 0;
	t = st.st_mode & S_IFMT;
	if (t == S_IFSOCK || t == S_IFIFO || t == S_IFREG || t == S_IFCHR ||
	    t == S_IFBLK || t == S_IFLNK)
		return 0;
	return pledge_fail(call, EINVAL, needed);
}

/* Each SCM_RIGHTS descriptor of a control buffer in the OS's layout. */
static int
check_rights(const char *call, unsigned int needed, const struct msghdr *mh)
{
	const unsigned char *end;
	const struct cmsghdr *c;
	size_t i, n, avail;
	int fd, err;

	if (mh->msg_control == NULL)
		return 0;
	end = (const unsigned char *)mh->msg_control + mh->msg_controllen;
	for (c = CMSG_FIRSTHDR(mh); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)mh, c)) {
		if (c->cmsg_len < CMSG_LEN(0) || c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_RIGHTS)
			continue;
		/* A cut message (xnu keeps cmsg_len) counts what is there. */
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		avail = end > CMSG_DATA(c) ?
		    (size_t)(end - CMSG_DATA(c)) / sizeof(int) : 0;
		if (n > avail)
			n = avail;
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			if ((err = check_fd_passing(call, needed, fd)) != 0)
				return err;
		}
	}
	return 0;
}

/*
 * sendmsg: "stdio"; an address needs a network promise (pledge_sendit);
 * each descriptor "sendfd" (unp_internalize, pledge_sendfd).
 */
static ssize_t
pledged_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	int err;

	if ((err = check_syscall("sendmsg", SIM_PLEDGE_STDIO)) != 0 ||
	    (sim.pledged && mh->msg_name != NULL &&
	    (sim.promises & (SIM_PLEDGE_INET | SIM_PLEDGE_UNIX |
	    SIM_PLEDGE_DNS)) == 0 &&
	    (err = pledge_fail("sendmsg to an address", EPERM,
	    SIM_PLEDGE_INET)) != 0) ||
	    (err = check_rights("sendmsg with SCM_RIGHTS", SIM_PLEDGE_SENDFD,
	    mh)) != 0)
		return sim_refuse(err);
	return sim_sendmsg(sock, mh, flags);
}

/*
 * recvmsg: "stdio"; descriptors it hands over need "recvfd"
 * (unp_externalize, pledge_recvfd).  The kernel checks before it installs
 * them; the model checks what it installed, the process dying either way.
 */
static ssize_t
pledged_recvmsg(int sock, struct msghdr *mh, int flags)
{
	ssize_t n;
	int err;

	if ((err = check_syscall("recvmsg", SIM_PLEDGE_STDIO)) != 0)
		return sim_refuse(err);
	/* sys_recvmsg's own check, before the socket layer (kernel.c). */
	if ((err = sim_iovlen_error(mh)) != 0)
		return sim_refuse(err);
	n = sim_recvmsg(sock, mh, flags);
	/* A peek installs nothing: there is nothing for recvfd to allow. */
	if (n >= 0 && !(flags & MSG_PEEK) && (err = check_rights("recvmsg receiving descriptors",
	    SIM_PLEDGE_RECVFD, mh)) != 0)
		return sim_refuse(err);
	return n;
}

/* fcntl: "stdio"; only F_SETOWN needs "proc" (pledge_fcntl). */
static int
pledged_fcntl(int fd, int cmd, int arg)
{
	int err;

	if (cmd != F_SETFD)
		sim_stats.query_calls++;
	if ((err = check_syscall("fcntl", SIM_PLEDGE_STDIO)) != 0 ||
	    (sim.pledged && cmd == F_SETOWN &&
	    (sim.promises & SIM_PLEDGE_PROC) == 0 &&
	    (err = pledge_fail("fcntl(F_SETOWN)", EPERM,
	    SIM_PLEDGE_PROC)) != 0))
		return sim_refuse(err);
	return sim_fcntl(fd, cmd, arg);
}

/* socketpair: "stdio" (sys_socketpair calls no pledge_socket). */
static int
pledged_socketpair(int domain, int type, int protocol, int sv[2])
{
	int err;

	if ((err = check_syscall("socketpair", SIM_PLEDGE_STDIO)) != 0)
		return sim_refuse(err);
	return sim_socketpair(domain, type, protocol, sv);
}

static int
pledged_getsockopt(int sock, int level, int name, void *val, socklen_t *len)
{
	int err;

	sim_stats.query_calls++;
	if ((err = check_syscall("getsockopt", SIM_PLEDGE_STDIO)) != 0 ||
	    (err = check_sockopt("getsockopt", level, name)) != 0)
		return sim_refuse(err);
	return sim_getsockopt(sock, level, name, val, len);
}

static int
pledged_setsockopt(int sock, int level, int name, const void *val,
    socklen_t len)
{
	int err;

	sim_stats.query_calls++;
	if ((err = check_syscall("setsockopt", SIM_PLEDGE_STDIO)) != 0 ||
	    (err = check_sockopt("setsockopt", level, name)) != 0)
		return sim_refuse(err);
	return sim_setsockopt(sock, level, name, val, len);
}

/*
 * pledge_syscalls[]: SYS_getsockname needs "inet", "unix" or "dns",
 * SYS_getpeername "inet" or "unix", in rev 1.206 (2017, read); rev 1.333
 * (2025-09, read) has both under "stdio".  Which release moved them is
 * unverified.  The model keeps the older rule: a library that passes it
 * runs on both.
 */
static int
pledged_getsockname(int sock, struct sockaddr *sa, socklen_t *len)
{
	int err;

	sim_stats.query_calls++;
	if ((err = check_syscall("getsockname", SIM_PLEDGE_INET |
	    SIM_PLEDGE_UNIX | SIM_PLEDGE_DNS)) != 0)
		return sim_refuse(err);
	return sim_getsockname(sock, sa, len);
}

static int
pledged_getpeername(int sock, struct sockaddr *sa, socklen_t *len)
{
	int err;

	sim_stats.query_calls++;
	if ((err = check_syscall("getpeername", SIM_PLEDGE_INET |
	    SIM_PLEDGE_UNIX)) != 0)
		return sim_refuse(err);
	return sim_getpeername(sock, sa, len);
}

void
sim_install_pledged_seams(void)
{
	fdpass__sys = fdpass__real_syscalls;
	fdpass__sys.sendmsg = pledged_sendmsg;
	fdpass__sys.recvmsg = pledged_recvmsg;
	fdpass__sys.fcntl = pledged_fcntl;
	fdpass__sys.socketpair = pledged_socketpair;
	fdpass__sys.getsockopt = pledged_getsockopt;
	fdpass__sys.setsockopt = pledged_setsockopt;
	fdpass__sys.getsockname = pledged_getsockname;
	fdpass__sys.getpeername = pledged_getpeername;
	/* Not a system call on OpenBSD; FreeBSD's getosreldate(). */
	fdpass__sys.kernel_release = sim_kernel_release;
}
