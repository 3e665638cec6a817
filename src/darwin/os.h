/* SPDX-License-Identifier: ISC */
/*
 * macOS (xnu), as its source describes it; citations in docs/portability.md.
 *
 * bsd/kern/uipc_syscalls.c sockargs(): on LP64 the control buffer is
 * doubled (ints become pointers) and must fit MCLBYTES (2048): at most 254
 * descriptors, EINVAL beyond.  bsd/kern/uipc_usrreq.c unp_internalize:
 * exactly one SCM_RIGHTS message with cmsg_len == msg_controllen.
 *
 * soreceive() externalizes every descriptor before copyout_control() cuts
 * the control data to the caller's buffer: descriptors past the cut are
 * installed and lost.  The receive buffer therefore always holds 254.  When
 * no slot is free, unp_externalize fails with EMSGSIZE after discarding the
 * descriptors; the data stays queued.
 */
#ifndef FDPASS_OS_H
#define FDPASS_OS_H

#define FDPASS__OS_NAME "darwin"
#define FDPASS__OS_MAX_FDS 254
#define FDPASS__OS_RECV_MAX_FDS 254
/*
 * soreceive_ctl unlinks the control data before externalizing it; when
 * that fails soreceive jumps to release, leaving the record's data queued
 * for every socket type, datagrams included (bsd/kern/uipc_socket.c).
 */
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) \
	((void)(type), (void)(learned), 1)
/*
 * soreceive_ctl: a peek copies the control, SCM_RIGHTS zero-filled
 * (sopeek_scm_rights); the rest of a failed record is its data alone.
 */
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 1
#define FDPASS__OS_NOSLOT_KEEPS_REST(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_RECORD_CUT(type, learned) \
	((void)(type), (void)(learned), 0)
/* unp_externalize: fdalloc fails, EMSGSIZE (the header comment). */
#define FDPASS__OS_NOSLOT_ERRNO(e) ((e) == EMSGSIZE)
/*
 * bsd/sys/uio.h UIO_MAXIOV; bsd/kern/uipc_syscalls.c sendmsg_nocancel
 * and recvmsg_nocancel fail a longer msg_iovlen with EMSGSIZE.
 */
#define FDPASS__OS_IOV_MAX 1024
#define FDPASS__OS_FULL_ERRNO(type, nfds) ((void)(type), (void)(nfds), 0)
#define FDPASS__OS_FULL_LIMIT_OPT 0
#define FDPASS__OS_SEND_DONTWAIT MSG_DONTWAIT
/* No SOCK_SEQPACKET, and MSG_EOR on a stream is EINVAL (sosend). */
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_LEARN(release) ((void)(release), 0u)
#define FDPASS__OS_FD_CALLS_LEARN() 0u
/*
 * The fd calls ask the family before sending descriptors, as on Linux: xnu
 * takes SCM_RIGHTS on TCP and UDP and drops it (bsd/netinet/tcp_usrreq.c
 * tcp_usr_send "Silently drop unsupported ancillary data messages" since
 * xnu-6153, macOS 10.15; udp_output reads IPPROTO_IP messages only), and
 * macOS has no sandbox that refuses getsockname or getsockopt to a process
 * that may pass descriptors.
 */
#define FDPASS__OS_FD_CALLS_ASK 1
#define FDPASS__OS_CONTROL_HEADROOM 128
#define FDPASS__OS_CMSG_CARRIES_FD(level, type) ((void)(level), (void)(type), 0)

#if HAVE_LOCAL_PEERPID
#define FDPASS__OS_PEER_CRED "LOCAL_PEERCRED+LOCAL_PEERPID"
#else
#define FDPASS__OS_PEER_CRED "LOCAL_PEERCRED"
#endif

/*
 * xnu aligns control messages to 4 bytes on every architecture
 * (__DARWIN_ALIGN32, bsd/sys/socket.h): a 12-byte header, CMSG_SPACE(4)
 * of 16.  fdpass_backend() reports what CMSG_SPACE really gives (a
 * simulated build compiles with xnu's macros, tests/sim/include); the SDK
 * is checked here.
 */
#ifdef __APPLE__
_Static_assert(CMSG_SPACE(sizeof(int)) == 16, "xnu control-message layout");
_Static_assert(CMSG_SPACE(254 * sizeof(int)) == 1028,
    "xnu control-message layout");
#endif

#endif /* FDPASS_OS_H */
