/* SPDX-License-Identifier: ISC */
/*
 * The simulated kernels: what each one does (the table below, each value
 * with the kernel function it comes from and the real-kernel observation
 * where one exists), and the seams that route the library's calls to the
 * model.  Descriptors, data and signals are Linux's own; host.c carries
 * them.  "real 14.2" marks a fact observed on a real FreeBSD 14.2-BETA1
 * kernel, "real NetBSD 9.1" likewise: docs/portability.md says how each
 * kind of fact is known and gives each its kernel source.
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#if defined(SIM_VARIANT_FREEBSD) || defined(SIM_VARIANT_FREEBSD12) || \
    defined(SIM_VARIANT_FREEBSD15)
const struct sim_os sim_os = {
	.name = "freebsd",
	.has_seqpacket = 1,		/* uipc_usrreq.c unp_sphead */
	/* uipc_usrreq.c unp_internalize: a loop over every cmsg. */
	.send_rule = SIM_SEND_SEVERAL,
	/* uipc_syscalls.c sockargs: more than MCLBYTES is EINVAL. */
	.control_max = SIM_MCLBYTES,
	.creds_on_send = 1,		/* unp_internalize case SCM_CREDS */
	.timestamps_on_send = 1,	/* unp_internalize case SCM_TIMESTAMP */
	/* uipc_send, SOCK_DGRAM: sbappendaddr fails; real 14.2. */
	.dgram_full_enobufs = 1,
	/* kern_recvit, m_dispose_extcontrolm; test truncated_rights. */
	.truncation = SIM_TRUNC_CLOSE_WHOLE,
	/* unp_externalize with controlp NULL frees the rights; real 14.2. */
	.null_control = SIM_NOCTL_DISCARD,
	/*
	 * kern_recvit: a buffer is given, so the rights are externalized;
	 * the copy loop finds 0 < m_len, sets MSG_CTRUNC and disposes of
	 * them (m_dispose_extcontrolm); the probe on a real 14.2 kernel.
	 */
	.zero_controllen = SIM_NOCTL_CTRUNC,
#ifdef SIM_VARIANT_FREEBSD12
	/* unp_externalize before 14: EMSGSIZE (unix_passfd_test send_a_lot). */
	.no_slot_errno = EMSGSIZE,
	/* Before 13.1 the flag was accepted and did nothing (6ceacebdf522). */
	.cmsg_cloexec = 0,
#else
	/* unp_externalize: fdallocn fails, EMFILE; real 14.2. */
	.no_slot_errno = EMFILE,
	.cmsg_cloexec = 1,		/* real 14.2 */
#endif
#ifdef SIM_VARIANT_FREEBSD15
	/*
	 * 15 (D44151): SOCK_SEQPACKET is a stream with record marks, and
	 * uipc_soreceive_stream_or_seqpacket links the data back after
	 * unp_externalize fails, for both; a datagram is still freed
	 * (uipc_soreceive_dgram).  Source only: no real 15 observed.
	 */
	.keeps_after_no_slot = SIM_KEEPS_STREAM | SIM_KEEPS_SEQPACKET,
	/*
	 * uipc_soreceive_stream_or_seqpacket externalizes the record's
	 * control messages one by one; when unp_externalize fails it frees
	 * that one and links the rest back ahead of the data, later
	 * SCM_RIGHTS messages included ("unp_externalize() failure must
	 * abort entire read(2)").
	 */
	.keeps_rest_of_control = 1,
	/*
	 * The same function copies a seqpacket record up to the buffer and
	 * leaves the rest queued, without MSG_TRUNC; MSG_EOR only when the
	 * record's last mbuf (M_EOR) was taken whole.
	 */
	.seqpacket_cut = 1,
	/*
	 * uipc_sosend_stream_or_seqpacket ends a record only where the
	 * sender says MSG_EOR, else a reader may get several messages as
	 * one; it takes the flag on a stream too.
	 */
	.seqpacket_needs_eor = 1,
	/*
	 * getosreldate(): __FreeBSD_version of the running kernel, 15.0
	 * (sys/sys/param.h of releng/15.0: 1500068; the exact number is
	 * unverified, any 15 kernel has the change).
	 */
	.osreldate = 1500068,
#else
	/*
	 * 14: soreceive_generic skips the data of a stream and drops the
	 * record of an atomic (seqpacket) protocol, uipc_soreceive_dgram
	 * frees a datagram (real 14.2).
	 */
	.keeps_after_no_slot = SIM_KEEPS_STREAM,
	/*
	 * Before 15 an AF_UNIX stream sends through sosend_generic
	 * (uipc_socket.c), which refuses MSG_EOR on a SOCK_STREAM with EINVAL
	 * before queueing anything; seqpacket is atomic and takes the flag.
	 */
	.eor_on_stream_einval = 1,
#ifdef SIM_VARIANT_FREEBSD12
	.osreldate = 1204000,		/* 12.4-RELEASE sys/sys/param.h */
#else
	.osreldate = 1402000,		/* 14.2-RELEASE sys/sys/param.h */
#endif
#endif
	/*
	 * TCP sends through sosend_generic (uipc_socket.c) on every release,
	 * which refuses MSG_EOR on a SOCK_STREAM with EINVAL before queueing
	 * anything.
	 */
	.eor_on_inet_stream_einval = 1,
	/* sys_recvmsg: msg_flags starts as the flags; real 14.2. */
	.echoes_flags = 1,
	.local_creds = 2,		/* LOCAL_CREDS; unp_addsockcred */
	.msg_nosignal = 1,
	.so_nosigpipe = 1,
	/* uipc_ctloutput LOCAL_PEERCRED: EINVAL on a datagram; real 14.2. */
	.peercred_stream_only = 1,
	.peer_pid = HAVE_STRUCT_XUCRED_CR_PID,
	/* uipc_sockaddr: sun_noname, struct sockaddr, AF_LOCAL. */
	.noname = SIM_NONAME_SOCKADDR,
};
#elif defined(SIM_VARIANT_OPENBSD)
const struct sim_os sim_os = {
	.name = "openbsd",
	.has_seqpacket = 1,
	/*
	 * uipc_usrreq.c unp_internalize (rev 1.221): one SCM_RIGHTS message,
	 * cmsg_len == controllen or controllen == CMSG_ALIGN(cmsg_len).
	 */
	.send_rule = SIM_SEND_ONE_ALIGNED,
	.control_max = SIM_MCLBYTES,	/* uipc_syscalls.c sockargs: EINVAL */
	/* unp_externalize: nfds > controllen / sizeof(int) is EMSGSIZE. */
	.truncation = SIM_TRUNC_EMSGSIZE,
	/* soreceive without controlp disposes of the rights, no error. */
	.null_control = SIM_NOCTL_DISCARD,
	.zero_controllen = SIM_NOCTL_EMSGSIZE,
	/* unp_externalize: fdalloc failure is EMSGSIZE ("historically"). */
	.no_slot_errno = EMSGSIZE,
	/* soreceive: stream data stays, an atomic record is dropped. */
	.keeps_after_no_slot = SIM_KEEPS_STREAM,
	/*
	 * uipc_socket.c soreceive, MSG_PEEK: an SCM_RIGHTS message is skipped
	 * ("don't leak internalized SCM_RIGHTS msgs"), without MSG_CTRUNC.
	 */
	.peek_rights = SIM_PEEK_SKIPS,
	.cmsg_cloexec = 1,		/* unp_externalize UF_EXCLOSE */
	.echoes_flags = 1,		/* sys_recvmsg; unverified */
	.msg_nosignal = 1,
	.peer_pid = 1,			/* struct sockpeercred */
	.noname = SIM_NONAME_SOCKADDR,	/* uipc_setaddr: sun_noname */
	.has_pledge = 1,		/* sys/kern/kern_pledge.c */
};
#elif defined(SIM_VARIANT_NETBSD)
const struct sim_os sim_os = {
	.name = "netbsd",
	.has_seqpacket = 1,
	/*
	 * uipc_socket.c sosend waits unless SS_NBIO or MSG_NBIO; a send with
	 * MSG_DONTWAIT to a full stream blocked on a real 9.1 kernel.
	 */
	.send_nbio_only = 1,
	/*
	 * uipc_usrreq.c unp_internalize: the first cmsghdr only, and it must
	 * be SCM_RIGHTS with cmsg_len <= controllen.
	 */
	.send_rule = SIM_SEND_FIRST,
	/* uipc_syscalls.c sockargs: one page; real 9.1: 1021 fail EINVAL. */
	.control_max = 4096,
	/*
	 * uipc_socket.c sosend: control beyond the datagram socket's
	 * SO_SNDBUF (unpdg_sendspace 2 KiB) is EMSGSIZE; real 9.1: 1000
	 * and 1020 descriptors on a datagram fail with EMSGSIZE.
	 */
	.dgram_control_max = 2048,
	/* uipc_syscalls.c copyout_msg_control, free_rights. */
	.truncation = SIM_TRUNC_CLOSE_WHOLE,
	.null_control = SIM_NOCTL_DISCARD,
	.zero_controllen = SIM_NOCTL_DISCARD,	/* real 9.1 (probe) */
	.no_slot_errno = EMSGSIZE,	/* unp_externalize */
	/* A full datagram receiver: ENOBUFS at once; real 9.1 (probe). */
	.dgram_full_enobufs = 1,
	/*
	 * LOCAL_PEEREID (uipc_usrreq.c): EINVAL where no ids were recorded:
	 * a datagram socketpair, a listening socket; real 9.1 (probe).
	 */
	.peercred_stream_only = 1,
	.listen_peercred_errno = EINVAL,
	/* uipc_socket.c soreceive (rev 1.301): records dropped only atomic. */
	.keeps_after_no_slot = SIM_KEEPS_STREAM,
	/*
	 * soreceive copies the kernel's SCM_RIGHTS (file_t pointers,
	 * unp_internalize: m_len CMSG_SPACE(n * sizeof(file_t *))) on
	 * MSG_PEEK; uipc_syscalls.c copyout_msg_control stops at one that
	 * does not fit and free_control_mbuf runs free_rights on it, which
	 * closes the descriptors the pointers' halves name.
	 */
	.peek_rights = SIM_PEEK_FREES_SHORT,
	.cmsg_cloexec = 1,		/* real 9.1, on all three types */
	.echoes_flags = 1,		/* real 9.1 */
	.local_creds = 0x0001,		/* LOCAL_CREDS; unp_addsockcred */
	.msg_nosignal = 1,
	.so_nosigpipe = 1,
	.peer_pid = 1,			/* LOCAL_PEEREID struct unpcbid */
	/*
	 * uipc_socket.c sosend: control longer than so_snd.sb_hiwat is
	 * EMSGSIZE before any wait, and uipc_usrreq.c (PRU_SEND on a
	 * stream) shrinks the sender's sb_hiwat by what the peer holds:
	 * descriptors to a full stream fail at once (real 9.1).
	 */
	.stream_full_control_emsgsize = 1,
	/* uipc_usrreq.c unp_setaddr: a whole sockaddr_un sun_noname. */
	.noname = SIM_NONAME_SOCKADDR_UN,
};
#elif defined(SIM_VARIANT_DRAGONFLY)
/*
 * sys/kern/uipc_syscalls.c sys_sendmsg refuses msg_controllen > MLEN with
 * EINVAL, in every version read.  MLEN is MSIZE (512, sys/sys/param.h of
 * 5.2) less struct m_hdr (sys/sys/mbuf.h), which embeds a struct
 * netmsg_packet whose size was not worked out: unverified.
 * os-semantics.md §0 puts MLEN at 330 to 380 bytes on x86_64; the model
 * takes the lowest, which leaves room for 78 descriptors on LP64.
 */
#define SIM_DFLY_MLEN 330
const struct sim_os sim_os = {
	.name = "dragonfly",
	.has_seqpacket = 1,
	/*
	 * uipc_usrreq.c unp_internalize: the first header only ("XXX not
	 * supported"), SCM_RIGHTS or SCM_CREDS, cmsg_len <= controllen.
	 */
	.send_rule = SIM_SEND_FIRST,
	.control_max = SIM_DFLY_MLEN,
	.creds_on_send = 1,		/* unp_internalize fills cmsgcred */
	/*
	 * uipc_syscalls.c sys_recvmsg copies each control mbuf raw, cut to
	 * what is left, after unp_externalize installed every descriptor:
	 * those past the cut are lost, cmsg_len unchanged.  Code of 2017 or
	 * before; unverified on DragonFly 6.
	 */
	.truncation = SIM_TRUNC_LEAK,
	/*
	 * Without controlp the control is freed undisposed: the files leak
	 * inside the kernel, not in this process; modelled as closed.
	 */
	.null_control = SIM_NOCTL_DISCARD,
	.zero_controllen = SIM_NOCTL_LEAK,	/* the copy loop never runs */
	.no_slot_errno = EMSGSIZE,	/* unp_externalize !fdavail */
	/* soreceive of NetBSD's shape; unverified on DragonFly 6. */
	.keeps_after_no_slot = SIM_KEEPS_STREAM,
	.cmsg_cloexec = 1,		/* unp_fp_externalize UF_EXCLOSE */
	.echoes_flags = 1,		/* sys_recvmsg copies flags back */
	.msg_nosignal = 1,
	.peercred_stream_only = 1,	/* uipc_ctloutput LOCAL_PEERCRED */
	.peer_pid = 0,
	/*
	 * uipc_usrreq.c uipc_sockaddr sets no address for an unnamed
	 * socket and uipc_syscalls.c kern_getsockname answers length 0.
	 */
	.noname = SIM_NONAME_EMPTY,
};
#elif defined(SIM_VARIANT_DARWIN) || defined(SIM_VARIANT_DARWIN10)
const struct sim_os sim_os = {
	.name = "darwin",
	/* bsd/kern/uipc_proto.c: SOCK_STREAM and SOCK_DGRAM only. */
	.has_seqpacket = 0,
	/*
	 * bsd/kern/uipc_usrreq.c unp_internalize: one SOL_SOCKET/SCM_RIGHTS
	 * message with (socklen_t)cmsg_len == (socklen_t)control->m_len.
	 */
	.send_rule = SIM_SEND_ONE_EXACT,
	/*
	 * bsd/kern/uipc_syscalls.c sockargs: on an LP64 kernel (every xnu
	 * that runs today, whatever the process) the buffer is sized as if
	 * every int were a pointer and must fit MCLBYTES, else EINVAL.
	 */
	.control_max = SIM_MCLBYTES,
	.control_doubles = 1,
	/*
	 * uipc_socket.c soreceive_ctl externalizes every descriptor before
	 * uipc_syscalls.c copyout_control cuts the control to the buffer, and
	 * recvit passes no controlp for a NULL msg_control: a leak.
	 */
	.truncation = SIM_TRUNC_LEAK,
	.null_control = SIM_NOCTL_LEAK,
	.zero_controllen = SIM_NOCTL_LEAK,
	/* unp_externalize: fdt_available_locked fails, EMSGSIZE. */
	.no_slot_errno = EMSGSIZE,
	/*
	 * uipc_socket.c (xnu-11417.101.15) jumps to release when
	 * soreceive_ctl fails, skipping the record drop: every type keeps.
	 */
	.keeps_after_no_slot = SIM_KEEPS_STREAM | SIM_KEEPS_DGRAM,
	.cmsg_cloexec = 0,		/* no MSG_CMSG_CLOEXEC in bsd/ */
	.echoes_flags = 1,		/* recvmsg_nocancel; unverified */
	/* xnu-7195 (macOS 11) added MSG_NOSIGNAL; older kernels ignore it. */
	.msg_nosignal = HAVE_MSG_NOSIGNAL,
	.so_nosigpipe = 1,
	.peercred_stream_only = 1,	/* uipc_ctloutput: EINVAL but stream */
	.peer_pid = 1,			/* LOCAL_PEERPID */
	/* uipc_socket.c sosend: MSG_EOR on a SOCK_STREAM is EINVAL. */
	.eor_on_stream_einval = 1,
	/* uipc_usrreq.c uipc_sockaddr: sun_noname, AF_LOCAL. */
	.noname = SIM_NONAME_SOCKADDR,
	/* uipc_syscalls.c getsockname: *alen = sa_len, uncut. */
	.alen_untruncated = 1,
};
#else
#error "define one SIM_VARIANT_*"
#endif

struct sim_stats sim_stats;
struct sim_state sim;

int
sim_refuse(int err)
{
	errno = err;
	return -1;
}

void
sim_close_all(const int *fds, size_t n)
{
	int saved = errno;
	size_t i;

	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	errno = saved;
}

int
sim_socket_type(int sock)
{
	int type = 0;
	socklen_t len = sizeof type;

	(void)getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len);
	return type;
}

int
sim_in_set(const int *set, size_t n, int sock)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == sock)
			return 1;
	return 0;
}

/*
 * sys_sendmsg and sys_recvmsg copy the caller's iovec array in before the
 * socket layer sees the call, and refuse more than 1024 entries with
 * EMSGSIZE: FreeBSD uipc_syscalls.c copyiniov(..., EMSGSIZE) against
 * UIO_MAXIOV, OpenBSD sys_sendmsg/sys_recvmsg and NetBSD
 * do_sys_sendmsg_so/do_sys_recvmsg against IOV_MAX, xnu sendmsg_nocancel
 * and recvmsg_nocancel against UIO_MAXIOV (all 1024).  xnu also refuses
 * msg_iovlen 0 there ("msg_iovlen <= 0 || msg_iovlen > UIO_MAXIOV").
 */
int
sim_iovlen_error(const struct msghdr *mh)
{
#if defined(SIM_VARIANT_DARWIN) || defined(SIM_VARIANT_DARWIN10)
	if (mh->msg_iovlen == 0)
		return EMSGSIZE;
#endif
	return (size_t)mh->msg_iovlen > 1024 ? EMSGSIZE : 0;
}

void
sim_arm_emfile(void)
{
	sim.emfile_armed = 1;
}

void
sim_before_recvmsg(int nth, void (*fn)(int sock, void *arg), void *arg)
{
	sim.hook_countdown = nth;
	sim.hook = fn;
	sim.hook_arg = arg;
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

	sim_close_all(sim.lost, sim.n_lost);
	sim.n_lost = 0;
	return n;
}

/* The model's own send checks on one SCM_RIGHTS message of n descriptors. */
static int
internalize_rights(int type, size_t n)
{
	static struct sim_control ctl;
	static union {
		struct cmsghdr h;
		unsigned char buf[CMSG_SPACE(SIM_MAX_FDS * sizeof(int))];
	} control;
	static int fds[SIM_MAX_FDS];
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof mh);
	memset(&control, 0, sizeof control);
	mh.msg_control = control.buf;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	return sim_internalize(type, &mh, &ctl, fds);
}

/*
 * The most descriptors one SCM_RIGHTS message (controllen CMSG_SPACE) gets
 * through the model's checks: asked, not written down twice.
 */
size_t
sim_kernel_max_fds(int type)
{
	size_t n;

	for (n = 1; n < SIM_MAX_FDS; n++)
		if (internalize_rights(type, n) != 0)
			return n - 1;
	return n;
}

int
sim_kernel_too_many_errno(int type)
{
	return internalize_rights(type, sim_kernel_max_fds(type) + 1);
}

/* xnu bsd/kern/uipc_proto.c: no AF_UNIX SOCK_SEQPACKET. */
int
sim_socketpair(int domain, int type, int protocol, int sv[2])
{
	int base = type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (base == SOCK_SEQPACKET && !sim_os.has_seqpacket)
		return sim_refuse(EPROTONOSUPPORT);
	return fdpass__real_syscalls.socketpair(domain, type, protocol, sv);
}

int
sim_fcntl(int fd, int cmd, int arg)
{
	if (cmd == F_SETFD)
		sim_stats.setfd_calls++;
	return fdpass__real_syscalls.fcntl(fd, cmd, arg);
}

/*
 * FreeBSD getosreldate(3): the running kernel's __FreeBSD_version (the
 * AT_OSRELDATE auxiliary vector entry, else the kern.osreldate sysctl).
 * The other kernels have no such call; the library asks none there.
 */
int
sim_kernel_release(void)
{
	return sim_os.osreldate;
}

ssize_t
sim_sendmsg_direct(int sock, const struct msghdr *mh, int flags)
{
	return sim_sendmsg(sock, mh, flags);
}

ssize_t
sim_recvmsg_direct(int sock, struct msghdr *mh, int flags)
{
	return sim_recvmsg(sock, mh, flags);
}

int
sim_socketpair_direct(int type, int sv[2])
{
	return sim_socketpair(AF_UNIX, type, 0, sv);
}

int
sim_getsockopt_direct(int sock, int level, int name, void *val,
    socklen_t *len)
{
	return sim_getsockopt(sock, level, name, val, len);
}

int
sim_setsockopt_direct(int sock, int level, int name, const void *val,
    socklen_t len)
{
	return sim_setsockopt(sock, level, name, val, len);
}

void
sim_install(void)
{
	size_t i;

	sim_close_lost();
	memset(&sim, 0, sizeof sim);
	for (i = 0; i < sizeof sim.stranded / sizeof sim.stranded[0]; i++)
		sim.stranded[i].sock = -1;
	memset(&sim_stats, 0, sizeof sim_stats);
	sim_install_pledged_seams();
}
