/* SPDX-License-Identifier: ISC */
/*
 * recvmsg in the simulated kernels: the message comes from Linux (host.c)
 * with its internalized control; then each OS's externalization (no free
 * slot), copy-out (a short buffer), what stays queued after a failure, and
 * the msg_flags it answers with.
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "host.h"
#include "internal.h"

/* The data kept for sock (this very socket, not a reused number). */
static struct sim_stranded *
stranded_of(int sock)
{
	struct stat st;
	size_t i;

	if (sock != -1 && fstat(sock, &st) == -1)
		return NULL;
	for (i = 0; i < sizeof sim.stranded / sizeof sim.stranded[0]; i++) {
		if (sim.stranded[i].sock != sock)
			continue;
		if (sock == -1 || (sim.stranded[i].dev == st.st_dev &&
		    sim.stranded[i].ino == st.st_ino))
			return &sim.stranded[i];
		sim.stranded[i].sock = -1;	/* its socket is gone */
	}
	return NULL;
}

int
sim_kernel_keeps(int type)
{
	int bit = type == SOCK_STREAM ? SIM_KEEPS_STREAM :
	    type == SOCK_DGRAM ? SIM_KEEPS_DGRAM : SIM_KEEPS_SEQPACKET;

	return (sim_os.keeps_after_no_slot & bit) != 0;
}

/*
 * n bytes of sock's data queued again at the head of its queue, with no
 * control (the caller adds what the kernel keeps); NULL where no room is
 * left in the model.
 */
static struct sim_stranded *
keep_data(int sock, const unsigned char *data, size_t n)
{
	struct sim_stranded *st;
	struct stat sb;

	if (fstat(sock, &sb) == -1 || (st = stranded_of(-1)) == NULL)
		return NULL;
	st->sock = sock;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->len = n;
	memcpy(st->data, data, n);
	st->ctl.nitems = st->ctl.nfds = 0;
	return st;
}

/*
 * recvmsg failed after the kernel took the message off the queue to
 * externalize it: where this OS keeps the data (sim_os.keeps_after_no_slot,
 * sources in kernel.c) it is queued again, ahead of everything else,
 * without its descriptors; elsewhere the whole message is gone.  FreeBSD
 * 15 (sim_os.keeps_rest_of_control) keeps the control messages after the
 * SCM_RIGHTS message that failed, with their descriptors: first, the
 * index of the first item of that rest in ctl (0: nothing kept), fds the
 * descriptors of the items from there on.
 */
static ssize_t
fail_after_externalize(int sock, int type, int err, const void *data,
    size_t n, const struct sim_control *ctl, size_t first, const int *fds)
{
	struct sim_stranded *st;
	size_t i;

	if (sim_kernel_keeps(type) &&
	    (st = keep_data(sock, data, n)) != NULL) {
		for (i = first; first > 0 && i < ctl->nitems; i++) {
			st->ctl.item[st->ctl.nitems++] = ctl->item[i];
			if (ctl->item[i].type == SCM_RIGHTS) {
				memcpy(st->fds + st->ctl.nfds, fds,
				    ctl->item[i].nfds * sizeof(int));
				fds += ctl->item[i].nfds;
				st->ctl.nfds += ctl->item[i].nfds;
			}
		}
	} else if (first > 0) {
		for (i = first; i < ctl->nitems; i++)
			if (ctl->item[i].type == SCM_RIGHTS) {
				sim_close_all(fds, ctl->item[i].nfds);
				fds += ctl->item[i].nfds;
			}
	}
	return sim_refuse(err);
}

/*
 * The item after the first SCM_RIGHTS message of ctl, where this kernel
 * keeps the rest of a failed record's control (FreeBSD 15, not on a
 * datagram); 0 otherwise.  *nfail: the descriptors up to that point.
 */
static size_t
rest_of_control(int type, const struct sim_control *ctl, size_t *nfail)
{
	size_t i;

	*nfail = ctl->nfds;
	if (!sim_os.keeps_rest_of_control || type == SOCK_DGRAM)
		return 0;
	for (i = 0; i < ctl->nitems; i++)
		if (ctl->item[i].type == SCM_RIGHTS &&
		    ctl->item[i].level == SOL_SOCKET) {
			*nfail = ctl->item[i].nfds;
			return i + 1 < ctl->nitems ? i + 1 : 0;
		}
	return 0;
}

/*
 * The sender's address, for a caller that gave a name buffer: a datagram
 * is queued with one (xnu uipc_usrreq.c uipc_send, FreeBSD
 * uipc_sosend_dgram: the sender's name, sun_noname for an unnamed one, and
 * every socketpair end is unnamed); a stream or seqpacket record has none,
 * nor has data kept after a failed receive (xnu soreceive_addr frees the
 * address before soreceive_ctl fails), and the kernel says length 0
 * (xnu copyout_sa).  The other kernels are assumed to do the same (the
 * 4.4BSD shape); the library relies on it on xnu alone.
 */
static void
sender_name(struct msghdr *mh, int addressed)
{
	unsigned char noname[106];
	size_t full = sim_os.noname == SIM_NONAME_SOCKADDR_UN ? 106 : 16, n;

	if (mh->msg_name == NULL)
		return;
	if (!addressed || (int)mh->msg_namelen <= 0) {
		mh->msg_namelen = 0;
		return;
	}
	memset(noname, 0, sizeof noname);
	noname[0] = (unsigned char)full;
	noname[1] = AF_UNIX;
	n = full < (size_t)mh->msg_namelen ? full : (size_t)mh->msg_namelen;
	memcpy(mh->msg_name, noname, n);
	mh->msg_namelen = (socklen_t)(sim_os.alen_untruncated ? full : n);
}

static size_t
iov_total(const struct msghdr *mh)
{
	size_t i, total = 0;

	for (i = 0; i < (size_t)mh->msg_iovlen; i++)
		total += mh->msg_iov[i].iov_len;
	return total;
}

/* Copies n bytes into mh's iovecs; returns how many fitted. */
static size_t
copy_to_iov(struct msghdr *mh, const unsigned char *data, size_t n)
{
	size_t i, done = 0, k;

	for (i = 0; i < (size_t)mh->msg_iovlen && done < n; i++) {
		k = mh->msg_iov[i].iov_len;
		if (k > n - done)
			k = n - done;
		memcpy(mh->msg_iov[i].iov_base, data + done, k);
		done += k;
	}
	return done;
}

static int externalize_and_copyout(struct msghdr *, const struct sim_control *,
    const int *);
static void set_cloexec(const int *, size_t, int);

/*
 * The kept data of a failed receive, as the next receive finds it, with
 * the control messages kept with it (FreeBSD 15), externalized now.  A
 * stream, and a FreeBSD 15 seqpacket record (sim_os.seqpacket_cut), give
 * what fits and keep the rest; the end of a record says MSG_EOR there.
 */
static ssize_t
deliver_stranded(struct sim_stranded *st, int type, struct msghdr *mh,
    int caller_flags, int flags)
{
	size_t got = copy_to_iov(mh, st->data, st->len);
	int cut = type == SOCK_STREAM ||
	    (type == SOCK_SEQPACKET && sim_os.seqpacket_cut);
	int err;

	sender_name(mh, 0);
	mh->msg_flags = sim_os.echoes_flags ? caller_flags : 0;
	if (st->ctl.nitems > 0) {
		set_cloexec(st->fds, st->ctl.nfds,
		    (flags & MSG_CMSG_CLOEXEC) != 0);
		err = externalize_and_copyout(mh, &st->ctl, st->fds);
		st->ctl.nitems = st->ctl.nfds = 0;
		if (err != 0) {
			st->sock = -1;
			return sim_refuse(err);
		}
	} else
		mh->msg_controllen = 0;
	if (cut && got < st->len) {
		memmove(st->data, st->data + got, st->len - got);
		st->len -= got;
		return (ssize_t)got;
	}
	if (got < st->len)
		mh->msg_flags |= MSG_TRUNC;
	else if (type == SOCK_SEQPACKET && sim_os.seqpacket_cut)
		mh->msg_flags |= MSG_EOR;
	st->sock = -1;
	return (ssize_t)got;
}

static void
lose(const int *fds, size_t n)
{
	if (sim.n_lost + n <= SIM_MAX_FDS) {
		memcpy(sim.lost + sim.n_lost, fds, n * sizeof(int));
		sim.n_lost += n;
	} else
		sim_close_all(fds, n);
}

static size_t
payload_of(const struct sim_item *it)
{
	return it->type == SCM_RIGHTS && it->level == SOL_SOCKET ?
	    it->nfds * sizeof(int) : it->len;
}

/* Writes the first `bytes` bytes of one control message at pos. */
static void
write_cmsg(struct msghdr *mh, size_t pos, const struct sim_item *it,
    const int *fds, size_t bytes)
{
	struct cmsghdr h;
	unsigned char *out = (unsigned char *)mh->msg_control + pos;
	size_t payload = payload_of(it);
	const void *src = it->type == SCM_RIGHTS ? (const void *)fds :
	    (const void *)it->data;

	memset(&h, 0, sizeof h);
	h.cmsg_len = (socklen_t)CMSG_LEN(payload);
	h.cmsg_level = it->level;
	h.cmsg_type = it->type;
	memcpy(out, &h, bytes < sizeof h ? bytes : sizeof h);
	if (bytes > CMSG_LEN(0))
		memcpy(out + CMSG_LEN(0), src, bytes - CMSG_LEN(0) < payload ?
		    bytes - CMSG_LEN(0) : payload);
}

/*
 * Copy-out of every message in order.  FreeBSD (kern_recvit,
 * m_dispose_extcontrolm; real 14.2: a CMSG_LEN buffer for one descriptor
 * truncates and closes it) and NetBSD (copyout_msg_control, free_rights):
 * a message needs its CMSG_SPACE; one that does not fit, and all after it,
 * are closed, MSG_CTRUNC.  xnu (copyout_control) and DragonFly
 * (sys_recvmsg): the bytes that fit are copied raw, cmsg_len unchanged,
 * MSG_CTRUNC; the descriptors were installed already and those past the
 * cut are lost.  OpenBSD (unp_externalize): a message that does not fit
 * fails recvmsg with EMSGSIZE, every descriptor closed.
 */
static int
copyout(struct msghdr *mh, const struct sim_control *ctl, const int *fds,
    size_t room)
{
	size_t i, pos = 0, fdpos = 0, need, k, fit;
	const struct sim_item *it;

	for (i = 0; i < ctl->nitems; i++) {
		it = &ctl->item[i];
		k = it->type == SCM_RIGHTS ? it->nfds : 0;
		need = CMSG_SPACE(payload_of(it));
		if (sim_os.truncation == SIM_TRUNC_EMSGSIZE &&
		    pos + CMSG_LEN(payload_of(it)) > room) {
			sim_close_all(fds, ctl->nfds);
			return EMSGSIZE;
		}
		if (pos + need <= room ||
		    (sim_os.truncation != SIM_TRUNC_CLOSE_WHOLE &&
		    pos + CMSG_LEN(payload_of(it)) <= room)) {
			write_cmsg(mh, pos, it, fds + fdpos,
			    need < room - pos ? need : room - pos);
			pos += need < room - pos ? need : room - pos;
			fdpos += k;
			continue;
		}
		mh->msg_flags |= MSG_CTRUNC;
		if (sim_os.truncation == SIM_TRUNC_LEAK) {
			write_cmsg(mh, pos, it, fds + fdpos, room - pos);
			fit = room - pos > CMSG_LEN(0) ?
			    (room - pos - CMSG_LEN(0)) / sizeof(int) : 0;
			if (fit > k)
				fit = k;
			pos = room;
			lose(fds + fdpos + fit, ctl->nfds - fdpos - fit);
		} else
			sim_close_all(fds + fdpos, ctl->nfds - fdpos);
		break;
	}
	mh->msg_controllen = pos;
	return 0;
}

/* No control buffer (sim_os.null_control) or 0 bytes (zero_controllen). */
static int
no_control(struct msghdr *mh, const struct sim_control *ctl, const int *fds)
{
	enum sim_no_control how = mh->msg_control == NULL ?
	    sim_os.null_control : sim_os.zero_controllen;

	mh->msg_controllen = 0;
	if (ctl->nfds == 0)
		return 0;
	switch (how) {
	case SIM_NOCTL_LEAK:
		lose(fds, ctl->nfds);
		return 0;
	case SIM_NOCTL_CTRUNC:
		mh->msg_flags |= MSG_CTRUNC;
		break;
	case SIM_NOCTL_EMSGSIZE:
		sim_close_all(fds, ctl->nfds);
		return EMSGSIZE;
	case SIM_NOCTL_DISCARD:
	default:
		break;
	}
	sim_close_all(fds, ctl->nfds);
	return 0;
}

static int
externalize_and_copyout(struct msghdr *mh, const struct sim_control *ctl,
    const int *fds)
{
	size_t room = mh->msg_controllen;

	if (mh->msg_control == NULL || room == 0)
		return no_control(mh, ctl, fds);
	if (sim.control_cut != 0 && sim.control_cut < room)
		room = sim.control_cut;
	sim.control_cut = 0;
	return copyout(mh, ctl, fds, room);
}

/* FreeBSD and NetBSD unp_addsockcred: the companion goes first. */
static void
add_creds_companion(int sock, struct sim_control *ctl)
{
	struct sim_item item;

	if (!sim_creds_companion(sock, &item) || ctl->nitems == SIM_MAX_ITEMS)
		return;
	memmove(&ctl->item[1], &ctl->item[0],
	    ctl->nitems * sizeof ctl->item[0]);
	ctl->item[0] = item;
	ctl->nitems++;
}

/* FD_CLOEXEC as the kernel installed them: honoured flag or none. */
static void
set_cloexec(const int *fds, size_t n, int cloexec)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)fcntl(fds[i], F_SETFD, cloexec ? FD_CLOEXEC : 0);
}

/*
 * The kernel's own copy of the control at the head of sock's queue, as a
 * peek copies it out: SCM_RIGHTS as the kernel holds it, a pointer a
 * descriptor (FreeBSD unp_internalize: struct filedescent *; NetBSD:
 * file_t *; xnu: struct fileglob *), zero-filled here as xnu does and as
 * no caller may read it anyway.  xnu (copyout_control) and DragonFly
 * (sys_recvmsg) cut the copy at the buffer's end, MSG_CTRUNC.  FreeBSD
 * (kern_recvit) copies each message whole and stops, MSG_CTRUNC, at the
 * first that does not fit (its m_dispose_extcontrolm closes only
 * MT_EXTCONTROL, externalized rights, which a peeked copy is not; real
 * 14.2: 7 descriptors into 64 bytes give 0 bytes and MSG_CTRUNC).  NetBSD
 * (copyout_msg_control) stops at an SCM_RIGHTS copy that does not fit,
 * MSG_CTRUNC, and free_control_mbuf runs free_rights on it and on every
 * one after it, which takes the pointers for descriptor numbers: counted
 * as the kernel bug it is (sim_stats.peek_free_rights; real 9.1: 0 bytes
 * and MSG_CTRUNC from 7 descriptors on).  OpenBSD
 * (soreceive) skips SCM_RIGHTS ("don't leak internalized SCM_RIGHTS
 * msgs"), without MSG_CTRUNC.
 */
static void
peek_control(int sock, struct msghdr *mh)
{
	static struct sim_control ctl;
	unsigned char *out = mh->msg_control;
	size_t i, room = mh->msg_controllen, pos = 0, need, payload, k;
	const struct sim_item *it;
	struct cmsghdr h;
	int rights, stopped = 0;

	memset(&ctl, 0, sizeof ctl);
	(void)sim_host_peek_blob(sock, &ctl, sizeof ctl);
	mh->msg_controllen = 0;
	if (out == NULL)
		return;		/* recvit: no controlp, nothing copied */
	for (i = 0; i < ctl.nitems; i++) {
		it = &ctl.item[i];
		rights = it->level == SOL_SOCKET && it->type == SCM_RIGHTS;
		if (rights && sim_os.peek_rights == SIM_PEEK_SKIPS)
			continue;
		payload = rights ? it->nfds * sizeof(void *) : it->len;
		need = CMSG_SPACE(payload);
		if (stopped || pos + need > room) {
			if (!stopped)
				mh->msg_flags |= MSG_CTRUNC;
			if (sim_os.peek_rights == SIM_PEEK_FREES_SHORT) {
				if (rights) {
					sim_stats.peek_free_rights++;
					stopped = 1;
					continue;
				}
				if (stopped)
					continue;
			} else if (sim_os.truncation ==
			    SIM_TRUNC_CLOSE_WHOLE || stopped)
				break;
			stopped = 1;
			need = room - pos;	/* a raw cut */
		}
		memset(&h, 0, sizeof h);
		h.cmsg_len = (socklen_t)CMSG_LEN(payload);
		h.cmsg_level = it->level;
		h.cmsg_type = it->type;
		memset(out + pos, 0, need);
		k = need < sizeof h ? need : sizeof h;
		memcpy(out + pos, &h, k);
		if (!rights && need > CMSG_LEN(0))
			memcpy(out + pos + CMSG_LEN(0), it->data,
			    need - CMSG_LEN(0) < it->len ?
			    need - CMSG_LEN(0) : it->len);
		pos += need;
	}
	mh->msg_controllen = pos;
}

/*
 * MSG_PEEK installs nothing: the kernel's control is copied as it is
 * (peek_control).  Kept data is peeked as it is; the control kept with it
 * (FreeBSD 15) shows as an SCM_RIGHTS header.
 */
static ssize_t
peek(int sock, struct msghdr *mh, int flags)
{
	struct sim_stranded *st = stranded_of(sock);
	unsigned char data[256];
	struct cmsghdr *c;
	int has_control = 0;
	ssize_t n;

	mh->msg_flags = 0;
	if (st == NULL) {
		n = sim_host_peek(sock, flags & MSG_DONTWAIT, data,
		    sizeof data, &has_control);
		if (n == -1)
			return -1;
		n = (ssize_t)copy_to_iov(mh, data, (size_t)n);
		sender_name(mh, sim_socket_type(sock) == SOCK_DGRAM);
		if (has_control)
			peek_control(sock, mh);
		else
			mh->msg_controllen = 0;
		return n;
	}
	n = (ssize_t)copy_to_iov(mh, st->data, st->len);
	sender_name(mh, 0);
	if (st->ctl.nitems == 0) {
		mh->msg_controllen = 0;
		return n;
	}
	if (mh->msg_control == NULL || mh->msg_controllen < CMSG_LEN(0)) {
		mh->msg_controllen = 0;
		mh->msg_flags |= MSG_CTRUNC;
		return n;
	}
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(0);
	mh->msg_controllen = CMSG_LEN(0);
	return n;
}

ssize_t
sim_recvmsg(int sock, struct msghdr *mh, int flags)
{
	static unsigned char data[65536];
	static struct sim_control ctl;
	static int fds[SIM_MAX_FDS];
	struct sim_host_msg hm;
	struct sim_stranded *st;
	int type = sim_socket_type(sock), caller_flags = flags, err;
	size_t want = iov_total(mh), got, first, nfail = 0;
	ssize_t n;

	if (sim.hook != NULL && --sim.hook_countdown <= 0) {
		void (*hook)(int, void *) = sim.hook;

		sim.hook = NULL;
		hook(sock, sim.hook_arg);
	}
	sim_stats.recvmsg_calls++;
	sim_stats.last_recv_controllen = mh->msg_controllen;
	if ((flags & MSG_CMSG_CLOEXEC) && !sim_os.cmsg_cloexec) {
		sim_stats.ignored_flags++;
		flags &= ~MSG_CMSG_CLOEXEC;
	}
	if (flags & MSG_PEEK)
		return peek(sock, mh, flags);
	if ((st = stranded_of(sock)) != NULL)
		return deliver_stranded(st, type, mh, caller_flags, flags);

	memset(&hm, 0, sizeof hm);
	hm.buf = data;
	hm.len = type == SOCK_STREAM && want < sizeof data ? want : sizeof data;
	hm.blob = &ctl;
	hm.bloblen = sizeof ctl;
	hm.fds = fds;
	hm.maxfds = SIM_MAX_FDS;
	n = sim_host_recv(sock, flags & (MSG_DONTWAIT | MSG_WAITALL), &hm);
	if (n == -1)
		return -1;
	if (hm.bloblen == 0)
		ctl.nitems = ctl.nfds = 0;
	if (hm.no_slot || (sim.emfile_armed && ctl.nfds > 0)) {
		/*
		 * unp_externalize: no free slot, the descriptors discarded
		 * (FreeBSD 15: those of the first SCM_RIGHTS message; the
		 * rest is kept).
		 */
		sim.emfile_armed = 0;
		first = hm.no_slot ? 0 : rest_of_control(type, &ctl, &nfail);
		sim_close_all(fds, first > 0 ? nfail : hm.nfds);
		return fail_after_externalize(sock, type, sim_os.no_slot_errno,
		    data, (size_t)n, &ctl, first, fds + nfail);
	}
	add_creds_companion(sock, &ctl);
	set_cloexec(fds, ctl.nfds, (flags & MSG_CMSG_CLOEXEC) != 0);

	mh->msg_flags = sim_os.echoes_flags ? caller_flags : 0;
	if ((err = externalize_and_copyout(mh, &ctl, fds)) != 0)
		return fail_after_externalize(sock, type, err, data, (size_t)n,
		    &ctl, 0, fds);
	sender_name(mh, type == SOCK_DGRAM);
	got = copy_to_iov(mh, data, (size_t)n);
	if (type == SOCK_SEQPACKET && sim_os.seqpacket_cut) {
		/*
		 * FreeBSD 15: the tail stays queued as the head of the queue
		 * (a sender that marks every record with MSG_EOR, as the
		 * library does there, keeps Linux's record boundaries).
		 */
		if (got < (size_t)n)
			(void)keep_data(sock, data + got, (size_t)n - got);
		else
			mh->msg_flags |= MSG_EOR;
		return (ssize_t)got;
	}
	if (got < (size_t)n || (hm.host_flags & MSG_TRUNC))
		mh->msg_flags |= MSG_TRUNC;
	return (ssize_t)got;
}
