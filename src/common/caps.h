/* SPDX-License-Identifier: ISC */
/*
 * Capabilities found at configure time (config.h), turned into the values
 * common code uses.  Each FDPASS_FORCE_NO_* CMake option removes one
 * capability, so every fallback path below runs on Linux too.
 */
#ifndef FDPASS_CAPS_H
#define FDPASS_CAPS_H

#if HAVE_MSG_CMSG_CLOEXEC
#define FDPASS__RECV_CLOEXEC MSG_CMSG_CLOEXEC
#define FDPASS__ATOMIC_CLOEXEC 1
#else
#define FDPASS__RECV_CLOEXEC 0
#define FDPASS__ATOMIC_CLOEXEC 0
#endif

#if HAVE_SOCK_CLOEXEC
#define FDPASS__SOCK_CLOEXEC SOCK_CLOEXEC
#define FDPASS__ATOMIC_SOCKET_CLOEXEC 1
#else
#define FDPASS__SOCK_CLOEXEC 0
#define FDPASS__ATOMIC_SOCKET_CLOEXEC 0
#endif

/* SOCK_NONBLOCK is honoured everywhere: atomically, or by fcntl. */
#if HAVE_SOCK_NONBLOCK
#define FDPASS__SOCK_NONBLOCK SOCK_NONBLOCK
#else
#define FDPASS__SOCK_NONBLOCK 0
#endif

/*
 * SIGPIPE is suppressed without touching the process's dispositions:
 * MSG_NOSIGNAL per call where it exists, else SO_NOSIGPIPE per socket, else
 * the signal is blocked in the calling thread around sendmsg and a SIGPIPE
 * that the call raised is consumed before the mask is restored.
 */
#define FDPASS__SIGPIPE_MSG_NOSIGNAL 1
#define FDPASS__SIGPIPE_SO_NOSIGPIPE 2
#define FDPASS__SIGPIPE_SIGMASK 3

#if HAVE_MSG_NOSIGNAL
#define FDPASS__SIGPIPE FDPASS__SIGPIPE_MSG_NOSIGNAL
#define FDPASS__SIGPIPE_NAME "MSG_NOSIGNAL"
#define FDPASS__SEND_NOSIGNAL MSG_NOSIGNAL
#elif HAVE_SO_NOSIGPIPE
#define FDPASS__SIGPIPE FDPASS__SIGPIPE_SO_NOSIGPIPE
#define FDPASS__SIGPIPE_NAME "SO_NOSIGPIPE"
#define FDPASS__SEND_NOSIGNAL 0
#else
#define FDPASS__SIGPIPE FDPASS__SIGPIPE_SIGMASK
#define FDPASS__SIGPIPE_NAME "sigmask"
#define FDPASS__SEND_NOSIGNAL 0
#endif

#endif /* FDPASS_CAPS_H */
