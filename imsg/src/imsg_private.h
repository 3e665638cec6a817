/* SPDX-License-Identifier: ISC */
/*
 * What the imsg sources share and nothing outside sees.  Every internal
 * name starts with imsg__ and is hidden; the public names get default
 * visibility here, from their declarations, so the public header stays
 * OpenBSD's shape with no attributes in it.
 */
#ifndef IMSG_PRIVATE_H
#define IMSG_PRIVATE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <fdpass.h>

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif
#include <imsg.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

/* Bit 31 of imsg_hdr.len: the message carries a descriptor (the wire). */
#define IMSG__FD_MARK		0x80000000U
/* imsgbuf.flags: descriptors may pass, both ways. */
#define IMSG__ALLOW_FDPASS	0x01

/* ibuf.fd of a buffer that borrows its bytes (stack ibufs): never freed. */
#define IMSG__FD_BORROWED	(-2)

/*
 * A queue of ibufs linked through ibuf.entry, in the order they were
 * pushed; no <sys/queue.h> (musl has none).
 */
struct ibufqueue {
	struct ibuf	 *first;
	struct ibuf	**last;		/* &first, or &tail->entry.tqe_next */
	uint32_t	  queued;
};

void	imsg__queue_init(struct ibufqueue *);

/*
 * A descriptor a read brought (or lost: fd -1), waiting for the header
 * that claims it.  A descriptor arrives with the read that holds the
 * first byte of the write that carried it (every OS, both of OpenBSD's
 * and this library's writers put the message's first byte first), so it
 * belongs to a header that starts inside [start, end) of that read.
 */
struct imsg__pending {
	uint64_t	 start;
	uint64_t	 end;
	int		 fd;		/* -1: the kernel could not deliver it */
};

/* More than a legitimate peer can ever leave waiting at once. */
#define IMSG__PENDING_MAX	8

/*
 * Written buffers a channel keeps for imsg_create, so that composing
 * allocates nothing in steady state: at most this many, each of at most
 * IMSG__SPARE_SIZE bytes (a burst of small messages; about 35 KiB).
 */
#define IMSG__SPARE_MAX		32
#define IMSG__SPARE_SIZE	1024

struct msgbuf {
	struct ibufqueue	 bufs;		/* to send */
	struct ibuf		*spare;		/* written, wiped, for reuse */
	uint32_t		 nspare;
	struct ibufqueue	 rbufs;		/* received, complete */

	/* The reader (msgbuf_new_reader only). */
	unsigned char		*rbuf;		/* IBUF_READ_SIZE bytes */
	size_t			 roff;		/* unparsed bytes at rbuf */
	uint64_t		 rbase;		/* stream offset of rbuf[0] */
	struct ibuf		*rpmsg;		/* message being filled */
	uint64_t		 rpmsg_end;	/* stream offset past it */
	struct ibuf		*(*readhdr)(struct ibuf *, void *, int *);
	void			*rarg;
	size_t			 hdrsize;
	int			 rerrno;	/* sticky after a protocol error */

	struct imsg__pending	 pend[IMSG__PENDING_MAX];
	size_t			 npend;
	/* For the header being parsed, readhdr may ask: */
	int			 hdr_fdpass;	/* read with descriptors */
	int			 hdr_lost;	/* its descriptor was lost */

	/* The socket checked once, for the fd the calls were last given. */
	struct fdpass_sock	 sock;
	int			 sockfd;	/* -1: none */
	int			 sockok;	/* 0: not an AF_UNIX socket */
};

struct ibuf *imsg__ibuf_open_unzeroed(size_t);
int	imsg__ibuf_reusable(const struct ibuf *, size_t);
void	imsg__ibuf_retire(struct ibuf *);
int	imsg__ibuf_reuse(struct ibuf *, size_t, size_t);
struct ibuf *imsg__msgbuf_spare(struct msgbuf *, size_t, size_t);

/* Closes fd, keeping errno (cleanup paths report the first error). */
void	imsg__close(int);

#endif /* IMSG_PRIVATE_H */
