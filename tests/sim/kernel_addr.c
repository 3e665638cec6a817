/* SPDX-License-Identifier: ISC */
/*
 * getsockname and getpeername in the simulated kernels: Linux says whether
 * the call succeeds (EBADF, ENOTSOCK, ENOTCONN are the same on every BSD:
 * getsock/holdsock, kern_getpeername's SS_ISCONNECTED test) and which
 * family the socket has; the address is then written as the simulated
 * kernel writes it, in its layout (include/sim_sockaddr.h).  What matters
 * is an unnamed AF_UNIX socket (every socketpair end), whose answer
 * differs by OS:
 *
 *   FreeBSD   sys/kern/uipc_usrreq.c uipc_sockaddr, uipc_peeraddr: the
 *             static struct sockaddr sun_noname = { sizeof(sun_noname),
 *             AF_LOCAL }: 16 bytes; kern_getsockname (uipc_syscalls.c)
 *             cuts the length to the caller's buffer.
 *   OpenBSD   sys/kern/uipc_usrreq.c uipc_setaddr: the same 16-byte
 *             sun_noname, AF_UNIX.
 *   NetBSD    sys/kern/uipc_usrreq.c: const struct sockaddr_un sun_noname
 *             = { .sun_len = sizeof(sun_noname), .sun_family = AF_LOCAL }:
 *             a whole sockaddr_un (106 bytes), cut to the buffer.
 *   DragonFly sys/kern/uipc_usrreq.c uipc_sockaddr sets no address when
 *             unp_addr is NULL, and uipc_syscalls.c kern_getsockname
 *             answers `*namelen = 0` with success; uipc_peeraddr answers
 *             sun_noname (16 bytes, AF_LOCAL) "as workaround".
 *   xnu       bsd/kern/uipc_usrreq.c uipc_sockaddr, uipc_peeraddr: a
 *             16-byte sun_noname, AF_LOCAL; bsd/kern/uipc_syscalls.c
 *             getsockname copies MIN(len, sa_len) but writes back sa_len.
 *
 * A named address or another family keeps Linux's bytes behind the BSD
 * length and family bytes: the library reads only the family of those.
 */
#include "kernel.h"

#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include "internal.h"

/* NetBSD sys/sys/un.h: sun_len, sun_family, sun_path[104]. */
#define SIM_NETBSD_SOCKADDR_UN_LEN 106

static int
answer(struct sockaddr *sa, socklen_t *len, const unsigned char *bytes,
    size_t full)
{
	size_t n = full < (size_t)*len ? full : (size_t)*len;

	memcpy(sa, bytes, n);
	*len = (socklen_t)(sim_os.alen_untruncated ? full : n);
	return 0;
}

/* Linux's answer (ss, linux_len) as the simulated kernel gives it. */
static int
translate(const struct sockaddr_storage *ss, socklen_t linux_len, int peer,
    struct sockaddr *sa, socklen_t *len)
{
	unsigned char out[sizeof(struct sockaddr_storage)];
	size_t full, tail;
	int unnamed = ss->ss_family == AF_UNIX &&
	    linux_len <= offsetof(struct sockaddr_un, sun_path);

	memset(out, 0, sizeof out);
	if (unnamed) {
		if (sim_os.noname == SIM_NONAME_EMPTY && !peer) {
			*len = 0;	/* DragonFly kern_getsockname */
			return 0;
		}
		/* NetBSD unp_setaddr: sun_noname for the peer too. */
		full = sim_os.noname == SIM_NONAME_SOCKADDR_UN ?
		    SIM_NETBSD_SOCKADDR_UN_LEN : 16;
		out[0] = (unsigned char)full;
		out[1] = AF_UNIX;
		return answer(sa, len, out, full);
	}
	/* Linux: a two-byte family, then the rest; BSD: length, family. */
	tail = linux_len > 2 ? linux_len - 2 : 0;
	if (tail > sizeof out - 2)
		tail = sizeof out - 2;
	full = 2 + tail;
	out[0] = (unsigned char)(full > 255 ? 255 : full);
	out[1] = (unsigned char)ss->ss_family;
	memcpy(out + 2, (const unsigned char *)ss + 2, tail);
	return answer(sa, len, out, full);
}

static int
addr_call(int sock, struct sockaddr *sa, socklen_t *len, int peer)
{
	struct sockaddr_storage ss;
	socklen_t linux_len = sizeof ss;
	int r;

	if (len == NULL || (int)*len < 0)
		return sim_refuse(EINVAL);
	memset(&ss, 0, sizeof ss);
	r = peer ? getpeername(sock, &ss, &linux_len) :
	    getsockname(sock, &ss, &linux_len);
	if (r == -1)
		return -1;
	return translate(&ss, linux_len, peer, sa, len);
}

int
sim_getsockname(int sock, struct sockaddr *sa, socklen_t *len)
{
	return addr_call(sock, sa, len, 0);
}

int
sim_getpeername(int sock, struct sockaddr *sa, socklen_t *len)
{
	return addr_call(sock, sa, len, 1);
}
