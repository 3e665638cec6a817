/* SPDX-License-Identifier: ISC */
#include "internal.h"

#define FDPASS__STR(x) #x
#define FDPASS__XSTR(x) FDPASS__STR(x)

/* A simulated backend describes its target's layout, not the host's. */
#ifndef FDPASS__OS_CMSG_SPACE
#define FDPASS__OS_CMSG_SPACE(len) CMSG_SPACE(len)
#endif

static const struct fdpass_backend backend = {
	.name = FDPASS__OS_NAME,
	.max_fds = FDPASS__OS_MAX_FDS,
	.atomic_cloexec = FDPASS__ATOMIC_CLOEXEC,
	.sigpipe = FDPASS__SIGPIPE_NAME,
	.peer_cred = FDPASS__OS_PEER_CRED,
	.atomic_socket_cloexec = FDPASS__ATOMIC_SOCKET_CLOEXEC,
	.recv_max_fds = FDPASS__OS_RECV_MAX_FDS,
	.cmsg_align = FDPASS__OS_CMSG_SPACE(1) - FDPASS__OS_CMSG_SPACE(0),
	.cmsg_space_one = FDPASS__OS_CMSG_SPACE(sizeof(int)),
	.cmsg_space_max = FDPASS__OS_CMSG_SPACE(FDPASS__OS_MAX_FDS * sizeof(int)),
	.recv_control_size = FDPASS__RECV_CONTROL_SIZE,
};

const char *
fdpass_version(void)
{
	return FDPASS__XSTR(FDPASS_VERSION_MAJOR) "."
	    FDPASS__XSTR(FDPASS_VERSION_MINOR) "."
	    FDPASS__XSTR(FDPASS_VERSION_PATCH);
}

size_t
fdpass_max_fds(void)
{
	return FDPASS__OS_MAX_FDS;
}

const struct fdpass_backend *
fdpass_backend(void)
{
	return &backend;
}
