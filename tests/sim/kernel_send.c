/* SPDX-License-Identifier: ISC */
/*
 * sendmsg in the simulated kernels: the control-buffer checks of the
 * system call, then each OS's unp_internalize, then the data through
 * Linux (host.c) with the internalized control in a parcel.
 */
#include "kernel.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "internal.h"

/* FreeBSD's kernel is modelled LP64 (amd64; compat32 for i386 processes). */
#define FREEBSD_KERNEL_ALIGN(n) (((size_t)(n) + 7) & ~(size_t)7)
#define FREEBSD_KERNEL_CMSG_SPACE(l) (16 + FREEBSD_KERNEL_ALIGN(l))

static struct sim_item *
new_item(struct sim_control *ctl, int type)
{
	struct sim_item *it;

	if (ctl->nitems == SIM_MAX_ITEMS)
		return NULL;
	it = &ctl->item[ctl->nitems++];
	memset(it, 0, sizeof *it);
	it->level = SOL_SOCKET;
	it->type = type;
	return it;
}

static int
add_rights(struct sim_control *ctl, int *fds, const struct cmsghdr *c,
    size_t n)
{
	struct sim_item *it;

	if (ctl->nfds + n > SIM_MAX_FDS || (it = new_item(ctl, SCM_RIGHTS)) ==
	    NULL)
		return EINVAL;
	it->nfds = n;
	memcpy(fds + ctl->nfds, CMSG_DATA(c), n * sizeof(int));
	ctl->nfds += n;
	return 0;
}

/* FreeBSD and DragonFly unp_internalize, case SCM_CREDS. */
static int
add_cmsgcred(struct sim_control *ctl)
{
	struct sim_item *it = new_item(ctl, SIM_SCM_CREDS);
	struct sim_cmsgcred cred;
	gid_t groups[SIM_CMGROUP_MAX];
	int n;

	if (it == NULL)
		return EINVAL;
	memset(&cred, 0, sizeof cred);
	cred.cmcred_pid = getpid();
	cred.cmcred_uid = getuid();
	cred.cmcred_euid = geteuid();
	cred.cmcred_gid = getgid();
	n = getgroups(SIM_CMGROUP_MAX, groups);
	if (n < 0)
		n = 0;
	cred.cmcred_ngroups = (short)n;
	memcpy(cred.cmcred_groups, groups, (size_t)n * sizeof(gid_t));
	it->len = sizeof cred;
	memcpy(it->data, &cred, sizeof cred);
	return 0;
}

/*
 * FreeBSD unp_internalize, cases SCM_TIMESTAMP, SCM_BINTIME, SCM_REALTIME,
 * SCM_MONOTONIC: an empty request becomes a 16-byte time.
 */
static int
add_timestamp(struct sim_control *ctl, int type)
{
	struct sim_item *it = new_item(ctl, type);
	struct timespec ts;

	if (it == NULL)
		return EINVAL;
	(void)clock_gettime(type == SIM_SCM_MONOTONIC ? CLOCK_MONOTONIC :
	    CLOCK_REALTIME, &ts);
	it->len = 16;
	memcpy(it->data, &ts, sizeof ts < 16 ? sizeof ts : 16);
	return 0;
}

/*
 * FreeBSD sys/kern/uipc_usrreq.c unp_internalize: every message in turn;
 * cmsg_len shorter than a header or longer than what is left is EINVAL, an
 * empty SCM_RIGHTS is skipped (test empty_rights_message), an SCM_RIGHTS
 * whose kernel copy (a pointer per descriptor) does not fit MCLBYTES is
 * EMSGSIZE (real 14.2: 254 pass, 255 fail), any other type is EINVAL.
 */
static int
internalize_several(const struct msghdr *mh, struct sim_control *ctl, int *fds)
{
	const unsigned char *p = mh->msg_control;
	size_t left = mh->msg_controllen, n, datalen;
	const struct cmsghdr *c;
	int err;

	while (left >= sizeof(struct cmsghdr)) {
		c = (const struct cmsghdr *)(const void *)p;
		if (c->cmsg_len < sizeof(struct cmsghdr) ||
		    c->cmsg_len > left || c->cmsg_level != SOL_SOCKET)
			return EINVAL;
		datalen = c->cmsg_len - CMSG_LEN(0);
		switch (c->cmsg_type) {
		case SCM_RIGHTS:
			n = datalen / sizeof(int);
			if (n > 0 && FREEBSD_KERNEL_CMSG_SPACE(n * 8) >
			    SIM_MCLBYTES)
				return EMSGSIZE;
			err = n > 0 ? add_rights(ctl, fds, c, n) : 0;
			break;
		case SIM_SCM_CREDS:
			err = add_cmsgcred(ctl);
			break;
		case SIM_SCM_TIMESTAMP:
		case SIM_SCM_BINTIME:
		case SIM_SCM_REALTIME:
		case SIM_SCM_MONOTONIC:
			err = add_timestamp(ctl, c->cmsg_type);
			break;
		default:
			err = EINVAL;
			break;
		}
		if (err != 0)
			return err;
		n = CMSG_SPACE(datalen);
		if (n >= left)
			break;
		p += n;
		left -= n;
	}
	return 0;
}

/*
 * xnu bsd/kern/uipc_usrreq.c unp_internalize: one SOL_SOCKET/SCM_RIGHTS
 * message whose (socklen_t)cmsg_len equals control->m_len, the whole
 * msg_controllen; anything else is EINVAL.
 */
static int
internalize_one_exact(const struct msghdr *mh, struct sim_control *ctl,
    int *fds)
{
	const struct cmsghdr *c = CMSG_FIRSTHDR(mh);

	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    (socklen_t)c->cmsg_len != (socklen_t)mh->msg_controllen ||
	    c->cmsg_len < sizeof(struct cmsghdr))
		return EINVAL;
	return add_rights(ctl, fds, c,
	    (c->cmsg_len - sizeof(struct cmsghdr)) / sizeof(int));
}

/*
 * OpenBSD sys/kern/uipc_usrreq.c unp_internalize (rev 1.221): one
 * SOL_SOCKET/SCM_RIGHTS message, controllen == cmsg_len or
 * CMSG_ALIGN(cmsg_len), else EINVAL; a struct fdpass (a pointer and an int
 * flag word) per descriptor must fit one cluster, else E2BIG.
 */
static int
internalize_one_aligned(const struct msghdr *mh, struct sim_control *ctl,
    int *fds)
{
	const struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	size_t n;

	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0) ||
	    !(c->cmsg_len == mh->msg_controllen ||
	    mh->msg_controllen == SIM_CMSG_ALIGN(c->cmsg_len)))
		return EINVAL;
	n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (CMSG_SPACE(n * 2 * sizeof(void *)) > SIM_MCLBYTES)
		return E2BIG;
	return add_rights(ctl, fds, c, n);
}

/*
 * NetBSD sys/kern/uipc_usrreq.c unp_internalize: the first header only,
 * SOL_SOCKET/SCM_RIGHTS with CMSG_ALIGN(sizeof header) <= cmsg_len <=
 * controllen, else EINVAL.  DragonFly sys/kern/uipc_usrreq.c
 * unp_internalize: the first header only ("XXX not supported"), SCM_RIGHTS
 * or SCM_CREDS, sizeof header <= cmsg_len <= controllen; descriptors as
 * pointers beyond MCLBYTES are E2BIG.
 */
static int
internalize_first(const struct msghdr *mh, struct sim_control *ctl, int *fds)
{
	const struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	int dragonfly = sim_os.creds_on_send;
	size_t n;

	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_len > mh->msg_controllen ||
	    c->cmsg_len < (dragonfly ? sizeof(struct cmsghdr) : CMSG_LEN(0)))
		return EINVAL;
	if (dragonfly && c->cmsg_type == SIM_SCM_CREDS)
		return add_cmsgcred(ctl);
	if (c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
		return EINVAL;
	n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	if (dragonfly && CMSG_LEN(n * sizeof(void *)) > SIM_MCLBYTES)
		return E2BIG;
	return add_rights(ctl, fds, c, n);
}

/*
 * The system call's own checks, then the OS's unp_internalize.  Every
 * kernel refuses a control buffer shorter than a header (FreeBSD sendit,
 * xnu sendit, DragonFly sys_sendmsg) and one larger than its cap
 * (sockargs; DragonFly sys_sendmsg MLEN); xnu LP64 sockargs sizes the
 * buffer as if each int were already a pointer.
 */
int
sim_internalize(int type, const struct msghdr *mh, struct sim_control *ctl,
    int *fds)
{
	size_t len = mh->msg_controllen, checked = len;

	ctl->nitems = 0;
	ctl->nfds = 0;
	if (mh->msg_control == NULL)
		return 0;
	if (len < sizeof(struct cmsghdr))
		return EINVAL;
	if (sim_os.control_doubles)
		checked = (len - sizeof(struct cmsghdr)) * 2 +
		    sizeof(struct cmsghdr);
	if (checked > sim_os.control_max)
		return EINVAL;
	/* NetBSD uipc_socket.c sosend: control beyond SO_SNDBUF. */
	if (type == SOCK_DGRAM && sim_os.dgram_control_max != 0 &&
	    len > sim_os.dgram_control_max)
		return EMSGSIZE;
	switch (sim_os.send_rule) {
	case SIM_SEND_SEVERAL:
		return internalize_several(mh, ctl, fds);
	case SIM_SEND_ONE_EXACT:
		return internalize_one_exact(mh, ctl, fds);
	case SIM_SEND_ONE_ALIGNED:
		return internalize_one_aligned(mh, ctl, fds);
	case SIM_SEND_FIRST:
	default:
		return internalize_first(mh, ctl, fds);
	}
}

/*
 * Linux raises SIGPIPE unless told not to: the kernel's means decide.
 * MSG_EOR is the simulated kernel's (recorded in sim_stats); Linux keeps
 * the boundaries of its seqpacket sockets without it.
 */
static int
linux_flags_for(int sock, int flags)
{
	int linux_flags = flags & ~(MSG_NOSIGNAL | MSG_NBIO | MSG_EOR);

	if (sim_os.send_nbio_only) {
		linux_flags &= ~MSG_DONTWAIT;
		if (flags & MSG_NBIO)
			linux_flags |= MSG_DONTWAIT;
	}

	if ((flags & MSG_NOSIGNAL) && !sim_os.msg_nosignal)
		sim_stats.ignored_flags++;
	if (((flags & MSG_NOSIGNAL) && sim_os.msg_nosignal) ||
	    sim_in_set(sim.nosigpipe_socks, sim.n_nosigpipe, sock))
		linux_flags |= MSG_NOSIGNAL;
	return linux_flags;
}

/* The socket's family, from the host (the model's own sockets are AF_UNIX). */
static int
is_unix(int sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	memset(&ss, 0, sizeof ss);
	return getsockname(sock, (struct sockaddr *)(void *)&ss, &len) == 0 &&
	    ss.ss_family == AF_UNIX;
}

ssize_t
sim_sendmsg(int sock, const struct msghdr *mh, int flags)
{
	static struct sim_control ctl;
	static int fds[SIM_MAX_FDS];
	int type = sim_socket_type(sock), linux_flags, err;
	size_t bloblen;
	ssize_t n;

	if (sim_stats.sendmsg_calls < SIM_MAX_SENDS)
		sim_stats.send_flags[sim_stats.sendmsg_calls] = flags;
	sim_stats.sendmsg_calls++;
	if ((err = sim_iovlen_error(mh)) != 0)
		return sim_refuse(err);
	/*
	 * xnu uipc_socket.c sosend, FreeBSD sosend_generic (AF_UNIX streams
	 * before 15, TCP always): MSG_EOR on a SOCK_STREAM is EINVAL.
	 */
	if ((flags & MSG_EOR) && type == SOCK_STREAM &&
	    (sim_os.eor_on_stream_einval ||
	    (sim_os.eor_on_inet_stream_einval && !is_unix(sock))))
		return sim_refuse(EINVAL);
	if ((err = sim_internalize(type, mh, &ctl, fds)) != 0)
		return sim_refuse(err);
	linux_flags = linux_flags_for(sock, flags);
	/*
	 * FreeBSD uipc_send, SOCK_DGRAM: a receiver without room is ENOBUFS
	 * at once, blocking or not (real 14.2).  The other kernels are left
	 * to Linux (EAGAIN, or a wait): unverified.
	 */
	if (type == SOCK_DGRAM && sim_os.dgram_full_enobufs)
		linux_flags |= MSG_DONTWAIT;
	bloblen = ctl.nitems == 0 ? 0 :
	    offsetof(struct sim_control, item) +
	    ctl.nitems * sizeof(struct sim_item);
	/*
	 * NetBSD sosend: control beyond the sender's sb_hiwat, which a full
	 * peer has shrunk to nothing, is EMSGSIZE before any wait, blocking
	 * or not.  Modelled as: the stream has no room now (Linux would
	 * wait or say EAGAIN); the exact threshold (room < control length)
	 * is not.
	 */
	/*
	 * NetBSD sosend: control longer than sb_hiwat is EMSGSIZE, and for
	 * good when it is longer than the buffer as configured (SO_SNDBUF,
	 * kernel_opt.c): real 9.1, SO_SNDBUF 512 and 254 descriptors.
	 */
	if (type == SOCK_STREAM && sim_os.stream_full_control_emsgsize &&
	    mh->msg_controllen > sim_sndbuf_hiwat(sock))
		return sim_refuse(EMSGSIZE);
	if (type == SOCK_STREAM && sim_os.stream_full_control_emsgsize &&
	    ctl.nitems > 0) {
		n = sim_host_send(sock, mh, linux_flags | MSG_DONTWAIT, &ctl,
		    bloblen, fds, ctl.nfds);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errno = EMSGSIZE;
		return n;
	}
	n = sim_host_send(sock, mh, linux_flags, &ctl, bloblen, fds, ctl.nfds);
	if (n == -1 && type == SOCK_DGRAM && sim_os.dgram_full_enobufs &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		errno = ENOBUFS;
	return n;
}
