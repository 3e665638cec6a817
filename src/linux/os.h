/* SPDX-License-Identifier: ISC */
/*
 * Linux, as the kernel describes it.
 *
 * include/net/scm.h: SCM_MAX_FD 253, counted over every SCM_RIGHTS message
 * of one sendmsg.  net/core/scm.c scm_detach_fds(): descriptors that do not
 * fit, or cannot be installed (RLIMIT_NOFILE), are closed by the kernel,
 * MSG_CTRUNC is set and the data is still returned; recvmsg never fails
 * with EMSGSIZE for that.
 */
#ifndef FDPASS_OS_H
#define FDPASS_OS_H

#define FDPASS__OS_NAME "linux"

/*
 * musl on LP64 copies the control data of sendmsg into a 1024-byte stack
 * buffer and fails with ENOMEM beyond it (src/network/sendmsg.c in musl
 * 1.2.3, Debian 12; later musl sizes it for 255 descriptors): 252 fit.
 */
#if HAVE_LIBC_SENDMSG_CONTROL_1024
#define FDPASS__OS_MAX_FDS (sizeof(long) > sizeof(int) ? 252 : 253)
#else
#define FDPASS__OS_MAX_FDS 253
#endif
#define FDPASS__OS_RECV_MAX_FDS 253
#define FDPASS__OS_PEER_CRED "SO_PEERCRED"
/*
 * The fd calls ask the family before sending descriptors, and the type on
 * the error paths that depend on it: TCP and UDP sockets take SCM_RIGHTS
 * and drop it without a word (net/core/sock.c __sock_cmsg_send handles
 * SO_MARK, SO_TIMESTAMPING_OLD and SCM_TXTIME and ignores every other
 * SOL_SOCKET type), and a datagram socket can be reset
 * (net/unix/af_unix.c unix_dgram_disconnected).  A seccomp filter that
 * allows sendmsg and recvmsg alone needs a struct fdpass_sock.
 */
#define FDPASS__OS_FD_CALLS_ASK 1
#define FDPASS__OS_LEARN(release) ((void)(release), 0u)
/* recvmsg never fails for want of a slot: scm_detach_fds sets MSG_CTRUNC. */
#define FDPASS__OS_NOSLOT_KEEPS_DATA(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_PEEK_SHOWS_RIGHTS 0
#define FDPASS__OS_NOSLOT_KEEPS_REST(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_RECORD_CUT(type, learned) \
	((void)(type), (void)(learned), 0)
/*
 * So no errno of recvmsg means no slot: an EMSGSIZE or EMFILE is the
 * kernel's own and is passed on as it is.
 */
#define FDPASS__OS_NOSLOT_ERRNO(e) ((void)(e), 0)
/*
 * include/uapi/linux/uio.h UIO_MAXIOV; net/socket.c __copy_msghdr (and
 * net/compat.c get_compat_msghdr) fail a longer msg_iovlen with EMSGSIZE,
 * for sendmsg and recvmsg alike.
 */
#define FDPASS__OS_IOV_MAX 1024
#define FDPASS__OS_FULL_ERRNO(type, nfds) ((void)(type), (void)(nfds), 0)
#define FDPASS__OS_FULL_LIMIT_OPT 0
#define FDPASS__OS_SEND_DONTWAIT MSG_DONTWAIT
#define FDPASS__OS_RECORD_FLAGS(type, learned) \
	((void)(type), (void)(learned), 0)
#define FDPASS__OS_FD_CALLS_LEARN() 0u

/*
 * Room for SCM_CREDENTIALS (SO_PASSCRED), SCM_PIDFD (SO_PASSPIDFD) and an
 * SCM_SECURITY label (SO_PASSSEC, at most a page in theory, ~100 bytes for
 * real SELinux/AppArmor contexts) so they never truncate the descriptors.
 */
#define FDPASS__OS_CONTROL_HEADROOM 512

/*
 * SCM_PIDFD (Linux 6.5, include/linux/socket.h; glibc names it from 2.39)
 * installs a pidfd for the sender when the receiver set SO_PASSPIDFD.  The
 * value is ABI, so older headers get it here.
 */
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif
#define FDPASS__OS_CMSG_CARRIES_FD(level, type) \
	((level) == SOL_SOCKET && (type) == SCM_PIDFD)

#endif /* FDPASS_OS_H */
