/* SPDX-License-Identifier: ISC */
/*
 * Socket options of the simulated kernels: each OS's peer-credential
 * option in its own layout (answered from Linux's SO_PEERCRED), the
 * LOCAL_CREDS companion, SO_NOSIGPIPE.
 */
#include "kernel.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * FreeBSD and NetBSD unp_addsockcred: a receiver with LOCAL_CREDS gets an
 * SCM_CREDS message of SOCKCREDSIZE(ngroups) bytes, ngroups at most
 * CMGROUP_MAX (FreeBSD) or NGROUPS (NetBSD), 16 either way.  Modelled on
 * every message (FreeBSD's oneshot on streams is not).
 */
int
sim_creds_companion(int sock, struct sim_item *item)
{
	union {
		struct sim_sockcred sc;
		unsigned char buf[SIM_ITEM_DATA];
	} u;
	gid_t groups[SIM_CMGROUP_MAX];
	int n;

	if (!sim_in_set(sim.creds_socks, sim.n_creds, sock))
		return 0;
	n = getgroups(SIM_CMGROUP_MAX, groups);
	if (n < 1)
		n = 1, groups[0] = getgid();
	memset(&u, 0, sizeof u);
#if FDPASS_OS_NETBSD
	u.sc.sc_pid = getpid();
#endif
	u.sc.sc_uid = getuid();
	u.sc.sc_euid = geteuid();
	u.sc.sc_gid = getgid();
	u.sc.sc_egid = getegid();
	u.sc.sc_ngroups = n;
	memcpy(u.sc.sc_groups, groups, (size_t)n * sizeof(gid_t));
	memset(item, 0, sizeof *item);
	item->level = SOL_SOCKET;
	item->type = SIM_SCM_CREDS;
	item->len = SIM_SOCKCREDSIZE(n);
	memcpy(item->data, u.buf, item->len);
	return 1;
}

static void
add_to_set(int *set, size_t *n, size_t max, int sock)
{
	if (!sim_in_set(set, *n, sock) && *n < max)
		set[(*n)++] = sock;
}

/*
 * NetBSD's stream send buffer (uipc_socket2.c): soreserve gives
 * sb_hiwat unpst_sendspace (PIPSIZ, 8192; uipc_usrreq.c) and sb_lowat
 * MAX(sock_loan_thresh, MCLBYTES), 2048 (sock_loan_thresh is -1 on a
 * MULTIPROCESSOR kernel, uipc_socket.c); sbreserve, for every SO_SNDBUF
 * set, makes sb_hiwat the value and caps sb_lowat at it.  The peer's
 * shrinking of sb_hiwat as it fills (uipc_usrreq.c, PRU_SEND) leaves
 * sb_lowat alone; it is not modelled here (kernel_send.c).
 */
#define SIM_NETBSD_SNDSPACE 8192
#define SIM_NETBSD_SNDLOWAT 2048

static struct sim_sndbuf *
sndbuf_of(int sock, int create)
{
	size_t i;

	for (i = 0; i < sim.n_sndbuf; i++)
		if (sim.sndbuf[i].sock == sock)
			return &sim.sndbuf[i];
	if (!create || sim.n_sndbuf == sizeof sim.sndbuf / sizeof sim.sndbuf[0])
		return NULL;
	sim.sndbuf[sim.n_sndbuf].sock = sock;
	sim.sndbuf[sim.n_sndbuf].hiwat = SIM_NETBSD_SNDSPACE;
	sim.sndbuf[sim.n_sndbuf].lowat = SIM_NETBSD_SNDLOWAT;
	return &sim.sndbuf[sim.n_sndbuf++];
}

unsigned long
sim_sndbuf_hiwat(int sock)
{
	struct sim_sndbuf *b = sndbuf_of(sock, 0);

	return b != NULL ? b->hiwat : SIM_NETBSD_SNDSPACE;
}

/* NetBSD sosetopt SO_SNDBUF (sbreserve) and sogetopt SO_SNDLOWAT. */
static int
netbsd_sndbuf_opt(int sock, int set, int name, void *val, socklen_t *len)
{
	struct sim_sndbuf *b = sndbuf_of(sock, set);
	int v;

	if (set) {
		if (*len != sizeof v)
			return sim_refuse(EINVAL);
		memcpy(&v, val, sizeof v);
		if (v <= 0 || b == NULL)
			return sim_refuse(ENOBUFS);
		b->hiwat = (unsigned long)v;
		if (b->lowat > b->hiwat)
			b->lowat = b->hiwat;
		return 0;
	}
	v = (int)(name == SO_SNDBUF ? sim_sndbuf_hiwat(sock) :
	    b != NULL ? b->lowat : SIM_NETBSD_SNDLOWAT);
	if (*len < sizeof v)
		return sim_refuse(EINVAL);
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

static int
is_netbsd_stream_sndbuf(int sock, int level, int name)
{
	return sim_os.stream_full_control_emsgsize && level == SOL_SOCKET &&
	    (name == SO_SNDBUF || name == SO_SNDLOWAT) &&
	    sim_socket_type(sock) == SOCK_STREAM;
}

int
sim_setsockopt(int sock, int level, int name, const void *val, socklen_t len)
{
	if (is_netbsd_stream_sndbuf(sock, level, name) && name == SO_SNDBUF)
		return netbsd_sndbuf_opt(sock, 1, name, (void *)(uintptr_t)val,
		    &len);
	if (level == SOL_SOCKET && name == SO_NOSIGPIPE) {
		if (!sim_os.so_nosigpipe)
			return sim_refuse(ENOPROTOOPT);
		add_to_set(sim.nosigpipe_socks, &sim.n_nosigpipe, 64, sock);
		return 0;
	}
	/* FreeBSD and NetBSD uipc_ctloutput, LOCAL_CREDS. */
	if (level == SOL_LOCAL && sim_os.local_creds != 0 &&
	    name == sim_os.local_creds) {
		add_to_set(sim.creds_socks, &sim.n_creds, 64, sock);
		return 0;
	}
	if (level == SOL_LOCAL)
		return sim_refuse(ENOPROTOOPT);
	return fdpass__real_syscalls.setsockopt(sock, level, name, val, len);
}

static int
is_listening(int sock)
{
	int on = 0;
	socklen_t len = sizeof on;

	return getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on;
}

/*
 * Whether this kernel keeps credentials for sock's peer.  FreeBSD,
 * DragonFly and xnu uipc_ctloutput, LOCAL_PEERCRED: only a connected
 * stream has them (real 14.2: EINVAL on a datagram socketpair, ENOTCONN on
 * a listening stream socket).
 */
static int
peer_cred_error(int sock)
{
	if (is_listening(sock))
		return sim_os.listen_peercred_errno != 0 ?
		    sim_os.listen_peercred_errno : ENOTCONN;
	if (sim_os.peercred_stream_only && sim_socket_type(sock) != SOCK_STREAM)
		return EINVAL;
	return 0;
}

/* Answers the OS's credential options from Linux's SO_PEERCRED. */
int
sim_getsockopt(int sock, int level, int name, void *val, socklen_t *len)
{
	struct ucred uc;
	socklen_t uclen = sizeof uc;
	struct xucred xu;
	struct sockpeercred pc;
	struct unpcbid id;
	const void *answer;
	socklen_t size;
	int err;

	if (is_netbsd_stream_sndbuf(sock, level, name))
		return netbsd_sndbuf_opt(sock, 0, name, val, len);
	if (!((level == SOL_LOCAL && (name == LOCAL_PEERCRED ||
	    name == LOCAL_PEERPID || name == LOCAL_PEEREID)) ||
	    (level == SOL_SOCKET && name == SO_PEERCRED)))
		return fdpass__real_syscalls.getsockopt(sock, level, name, val,
		    len);
	if ((err = peer_cred_error(sock)) != 0)
		return sim_refuse(err);
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
		return sim_refuse(EINVAL);
	memcpy(val, answer, size);
	*len = size;
	return 0;
}
