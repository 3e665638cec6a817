/* SPDX-License-Identifier: ISC */
/*
 * FreeBSD, OpenBSD, NetBSD and DragonFly.  The build defines exactly one of
 * FDPASS_OS_FREEBSD, FDPASS_OS_OPENBSD, FDPASS_OS_NETBSD,
 * FDPASS_OS_DRAGONFLY (from CMAKE_SYSTEM_NAME, or for a simulated kernel).
 * Everything here is a kernel fact; sources are in docs/portability.md.
 */
#ifndef FDPASS_OS_H
#define FDPASS_OS_H

/*
 * On every BSD, recvmsg fails (EMSGSIZE, or EMFILE on FreeBSD 14) when the
 * receiver has no free slot for the descriptors, after closing them.  What
 * stays queued depends on the OS and the socket type (each below); the
 * library reads back exactly that.
 */
#if FDPASS_OS_FREEBSD
/*
 * unp_internalize: CMSG_SPACE(n * sizeof(struct filedescent *)) must fit
 * in MCLBYTES (2048), else EMSGSIZE: 254 descriptors on LP64.  A 32-bit
 * process on a 64-bit kernel gets the same 254, since the kernel counts its
 * own pointers (freebsd32_copyin_control fails with EINVAL past MCLBYTES
 * of 64-bit layout), so 254 is the limit on every FreeBSD.
 *
 * A peer may put several SCM_RIGHTS messages (and timestamp requests) in
 * one sendmsg, up to MCLBYTES of control data in all (sockargs): about 500
 * descriptors.  The receive buffer holds a whole MCLBYTES of them; an
 * SCM_RIGHTS message that still does not fit is closed whole by the kernel
 * (m_dispose_extcontrolm), with MSG_CTRUNC.
 */
#define FDPASS__OS_NAME "freebsd"
#define FDPASS__OS_MAX_FDS 254
#define FDPASS__OS_RECV_MAX_FDS ((2048 - 16) / 4)
/*
 * No free slot: FreeBSD 14 soreceive_generic skips the data of a stream
 * and drops the record of a seqpacket (PR_ATOMIC) socket,
 * uipc_soreceive_dgram frees the datagram (seen on a real 14.2 kernel).
 * FreeBSD 15 (D44151) made seqpacket a stream with record marks:
 * uipc_soreceive_stream_or_seqpacket links the data back for both, and a
 * sender must mark each message with MSG_EOR or a reader may get several
 * at once (harmless on 14, where the protocol is atomic anyway).  The
 * running kernel decides: fdpass_sock_init asks getosreldate().
 */
/*
 * D44151 came without a version bump of its own, between 1500018 (April
 * 2024) and 1500019 (May 2024) in sys/sys/param.h; every 14.x kernel has
 * the atomic protocol.
 */
#define FDPASS__FREEBSD_SEQPACKET_IS_STREAM 1500019
#define FDPASS__OS_LEARN(release) \
	((release) >= FDPASS__FREEBSD_SEQPACKET_IS_STREAM ? \
	FDPASS__LEARNED_SEQPACKET_IS_STREAM : 0u)
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) ((type) == SOCK_STREAM || \
	((type) == SOCK_SEQPACKET && \
	((learned) & FDPASS__LEARNED_SEQPACKET_IS_STREAM)))
/*
 * 15 externalizes the control messages of a record one by one and, when
 * one fails, frees it and links the rest back, later SCM_RIGHTS messages
 * included, ahead of the data (uipc_soreceive_stream_or_seqpacket): the
 * next receive would get the data with a part of the descriptors and no
 * MSG_CTRUNC.  14 (soreceive_generic) externalizes every control message
 * and keeps the last one's error, so a failure of an earlier one with a
 * later one installed returns success with a part of the descriptors: no
 * call can see that (docs/portability.md).
 */
#define FDPASS__OS_NOSLOT_KEEPS_REST(type, learned) \
	(((type) == SOCK_STREAM || (type) == SOCK_SEQPACKET) && \
	((learned) & FDPASS__LEARNED_SEQPACKET_IS_STREAM))
/*
 * 15 seqpacket: a record longer than the buffer is cut without MSG_TRUNC
 * and its tail left queued; MSG_EOR marks a record read to its end
 * (uipc_soreceive_stream_or_seqpacket).
 */
#define FDPASS__OS_RECORD_CUT(type, learned) ((type) == SOCK_SEQPACKET && \
	((learned) & FDPASS__LEARNED_SEQPACKET_IS_STREAM))
/* soreceive_generic and 15 copy the kernel's control on MSG_PEEK. */
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 1
/*
 * MSG_EOR on a seqpacket send, and on a send of unknown type (the fd calls
 * may not ask) where the kernel's seqpacket needs it: 15 takes the flag on
 * every AF_UNIX type (uipc_sosend_stream_or_seqpacket, uipc_sosend_dgram),
 * 14 refuses it on a stream (sosend_generic: EINVAL) and needs none.  The
 * fd calls learn the release from the ELF aux vector, without a system
 * call; a TCP socket of 15 refuses the flag, and the send is made again
 * without it (src/common/send.c).
 */
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((type) == SOCK_SEQPACKET || ((type) == 0 && \
	((learned) & FDPASS__LEARNED_SEQPACKET_IS_STREAM)) ? MSG_EOR : 0)
#define FDPASS__OS_FD_CALLS_LEARN() \
	FDPASS__OS_LEARN(FDPASS__KERNEL_RELEASE_AUX())
/*
 * uipc_sosend_dgram never sleeps: a full peer buffer is ENOBUFS, blocking
 * or not (seen on a real 14.2 kernel).  A stream send allocates with
 * M_WAITOK, so ENOBUFS of a socket of unknown type means the same.
 */
#define FDPASS__OS_FULL_ERRNO(type, nfds) \
	((void)(nfds), (type) == SOCK_DGRAM || (type) == 0 ? ENOBUFS : 0)
#define FDPASS__OS_FULL_LIMIT_OPT 0
#define FDPASS__OS_SEND_DONTWAIT MSG_DONTWAIT

#elif FDPASS_OS_OPENBSD
/*
 * unp_internalize: the struct fdpass array (16 bytes a descriptor on LP64)
 * must fit one 2 KiB cluster, else E2BIG: 127 on LP64, 254 on ILP32.  A
 * control buffer too small for the message fails recvmsg with EMSGSIZE and
 * discards every descriptor (unp_externalize), so ours is never short.
 */
#define FDPASS__OS_NAME "openbsd"
#define FDPASS__OS_MAX_FDS (sizeof(void *) == 8 ? 127 : 254)
#define FDPASS__OS_RECV_MAX_FDS 254
/* unp_externalize fails; soreceive drops the record of atomic protocols. */
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) \
	((void)(learned), (type) == SOCK_STREAM)
/*
 * soreceive skips SCM_RIGHTS on MSG_PEEK ("don't leak internalized
 * SCM_RIGHTS msgs"): no control, no MSG_CTRUNC, as if there were none.
 */
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 0
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_FULL_ERRNO(type, nfds) ((void)(type), (void)(nfds), 0)
#define FDPASS__OS_FULL_LIMIT_OPT 0
#define FDPASS__OS_SEND_DONTWAIT MSG_DONTWAIT

#elif FDPASS_OS_NETBSD
/*
 * No count limit: the control buffer is capped at one page (EINVAL) and
 * by SO_SNDBUF (EMSGSIZE), about 1020 descriptors on a stream.  We send at
 * most 254 (what FreeBSD and macOS take) and receive up to a page's worth;
 * an SCM_RIGHTS message that does not fit is closed (free_rights), with
 * MSG_CTRUNC.
 */
#define FDPASS__OS_NAME "netbsd"
#define FDPASS__OS_MAX_FDS 254
#define FDPASS__OS_RECV_MAX_FDS 1020
/*
 * soreceive (uipc_socket.c rev 1.301) skips the data loop on error and
 * drops the record only for atomic (datagram, seqpacket) protocols.
 */
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) \
	((void)(learned), (type) == SOCK_STREAM)
/*
 * A peek copies the kernel's SCM_RIGHTS, file pointers, and where the
 * buffer is shorter than that copy copyout_msg_control stops at it and
 * free_control_mbuf runs free_rights on it, closing whatever descriptors
 * of the receiver the pointers' halves happen to name (uipc_syscalls.c;
 * 7 descriptors overflow 64 bytes).  No peek with a buffer then: a
 * buffer long enough for every case would be a page and more.
 */
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 0
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((void)(type), (void)(learned), 0)
/*
 * A stream sender's sb_hiwat shrinks as the peer's buffer fills
 * (uipc_usrreq.c, PRU_SEND), and sosend refuses control larger than it
 * with EMSGSIZE instead of waiting: descriptors sent to a full stream.
 * A full datagram receiver is ENOBUFS at once.  Both seen on a real 9.1
 * kernel.
 */
#define FDPASS__OS_FULL_ERRNO(type, nfds) \
	((type) == SOCK_DGRAM || (type) == 0 ? ENOBUFS : \
	(type) == SOCK_STREAM && (nfds) > 0 ? EMSGSIZE : 0)
/*
 * The same EMSGSIZE is for good when the control is longer than the send
 * buffer as configured (sosend: clen > sb_hiwat, uipc_socket.c), and
 * then waiting would never end.  The configured size itself is lost (the
 * stream's sb_hiwat is what the peer left of it, and SO_SNDBUF reports
 * that), but SO_SNDLOWAT keeps a bound: soreserve sets it to
 * MAX(sock_loan_thresh, MCLBYTES), at least 2048, and sbreserve caps it
 * at every SO_SNDBUF set, while the shrinking (uipc_usrreq.c, PRU_SEND)
 * leaves it alone.  Our control is at most CMSG_SPACE(254 * 4) = 1032
 * bytes, so control longer than SO_SNDLOWAT means longer than a send
 * buffer set below 2048, for good (unless SO_SNDLOWAT was set by hand).
 */
#define FDPASS__OS_FULL_LIMIT_OPT SO_SNDLOWAT
/*
 * sosend (uipc_socket.c) gives up waiting only for SS_NBIO or MSG_NBIO:
 * with MSG_DONTWAIT alone a send to a full stream blocks (seen on a real
 * 9.1 kernel); soreceive honours either.
 */
#define FDPASS__OS_SEND_DONTWAIT (MSG_DONTWAIT | MSG_NBIO)

#elif FDPASS_OS_DRAGONFLY
/*
 * sys_sendmsg caps msg_controllen at MLEN, about 80 descriptors on x86_64
 * (EINVAL beyond); 78 keeps CMSG_SPACE(n * 4) within the smallest MLEN
 * read.  A peer can make unp_internalize hold up to 254 (E2BIG beyond), and
 * a too-small receive buffer leaks like xnu, so the buffer holds 254.
 */
#define FDPASS__OS_NAME "dragonfly"
#define FDPASS__OS_MAX_FDS 78
#define FDPASS__OS_RECV_MAX_FDS 254
/* soreceive has NetBSD's shape (unverified on DragonFly 6). */
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) \
	((void)(learned), (type) == SOCK_STREAM)
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 1
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_FULL_ERRNO(type, nfds) ((void)(type), (void)(nfds), 0)
#define FDPASS__OS_FULL_LIMIT_OPT 0
#define FDPASS__OS_SEND_DONTWAIT MSG_DONTWAIT

#else
#error "src/bsd needs one of FDPASS_OS_FREEBSD, _OPENBSD, _NETBSD, _DRAGONFLY"
#endif

/*
 * The errno of no free slot (unp_externalize, the descriptors closed).
 * FreeBSD: EMFILE from fdallocn on 14 (seen on a real 14.2 kernel),
 * EMSGSIZE on older releases (unp_externalize set it after fdallocn
 * failed; tests/sys/kern/unix_passfd_test.c send_a_lot expected it).  No
 * other recvmsg of an AF_UNIX socket fails with either once the iovec
 * count is checked (FDPASS__OS_IOV_MAX), so both mean no slot there.
 * OpenBSD unp_externalize: EMSGSIZE when fdalloc fails ("the error that
 * has historically been returned"); NetBSD and DragonFly unp_externalize:
 * EMSGSIZE when fdavail says no.  An EMFILE there is not theirs and is
 * passed on as it is.
 */
#if FDPASS_OS_FREEBSD
#define FDPASS__OS_NOSLOT_ERRNO(e) ((e) == EMFILE || (e) == EMSGSIZE)
#else
#define FDPASS__OS_NOSLOT_ERRNO(e) ((e) == EMSGSIZE)
#endif

/*
 * Every BSD fails sendmsg and recvmsg with a longer msg_iovlen than 1024
 * with EMSGSIZE: FreeBSD UIO_MAXIOV (sys/sys/uio.h; uipc_syscalls.c
 * sys_sendmsg, sys_recvmsg: copyiniov(..., EMSGSIZE)), OpenBSD and NetBSD
 * IOV_MAX (sys/sys/syslimits.h; uipc_syscalls.c sys_sendmsg, sys_recvmsg;
 * NetBSD do_sys_sendmsg_so, do_sys_recvmsg_so), DragonFly UIO_MAXIOV
 * (kern_subr.c iovec_copyin; not checked on a running DragonFly).
 */
#define FDPASS__OS_IOV_MAX 1024

#ifndef FDPASS__OS_LEARN
#define FDPASS__OS_LEARN(release) ((void)(release), 0u)
#define FDPASS__OS_FD_CALLS_LEARN() 0u
#endif
#ifndef FDPASS__OS_NOSLOT_KEEPS_REST
#define FDPASS__OS_NOSLOT_KEEPS_REST(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_RECORD_CUT(type, learned) \
	((void)(type), (void)(learned), 0)
#endif

/*
 * On FreeBSD and OpenBSD the fd calls ask the kernel nothing (no
 * getsockname, no getsockopt, no fcntl(F_GETFL)): OpenBSD's
 * pledge("stdio sendfd recvfd") kills a process for getsockopt(SO_TYPE)
 * (kern_pledge.c pledge_sockopt), and for getsockname on releases whose
 * pledge_syscalls[] wants "unix" for it; a Capsicum descriptor limited to
 * CAP_SEND|CAP_RECV refuses all three (CAP_GETSOCKNAME, CAP_GETSOCKOPT,
 * CAP_FCNTL).  So they cannot tell an AF_UNIX socket from a UDP one, which
 * takes SCM_RIGHTS and ignores it (FreeBSD and OpenBSD udp_output); TCP
 * refuses it with EINVAL (FreeBSD tcp_usr_send, OpenBSD tcp_send).  A
 * struct fdpass_sock checks once.  NetBSD and DragonFly have no such
 * sandbox, and DragonFly's UDP drops descriptors too (sosendudp): their fd
 * calls ask, as Linux's do.
 */
#if FDPASS_OS_FREEBSD || FDPASS_OS_OPENBSD
#define FDPASS__OS_FD_CALLS_ASK 0
#else
#define FDPASS__OS_FD_CALLS_ASK 1
#endif

/* Room for an SCM_CREDS companion (LOCAL_CREDS), ~100 bytes. */
#define FDPASS__OS_CONTROL_HEADROOM 256

/* No BSD installs a descriptor outside SCM_RIGHTS. */
#define FDPASS__OS_CMSG_CARRIES_FD(level, type) ((void)(level), (void)(type), 0)

#if HAVE_SO_PEERCRED_SOCKPEERCRED
#define FDPASS__OS_PEER_CRED "SO_PEERCRED"
#elif HAVE_LOCAL_PEEREID
#define FDPASS__OS_PEER_CRED "LOCAL_PEEREID"
#elif HAVE_LOCAL_PEERCRED
#define FDPASS__OS_PEER_CRED "LOCAL_PEERCRED"
#else
#define FDPASS__OS_PEER_CRED "getpeereid"
#endif

#endif /* FDPASS_OS_H */
