/* SPDX-License-Identifier: ISC */
/*
 * libfdpass-imsg: the imsgbuf and imsg families (imsg_init(3)) over a
 * socketpair, with and without descriptors.
 */
#include "support.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <fdpass.h>
#include <imsg.h>

struct pair {
	int		sv[2];
	struct imsgbuf	a;		/* sends */
	struct imsgbuf	b;		/* receives */
};

static void
pair_init(struct pair *p, int fdpass)
{
	assert_int_equal(imsgbuf_init(&p->a, p->sv[0]), 0);
	assert_int_equal(imsgbuf_init(&p->b, p->sv[1]), 0);
	if (fdpass) {
		imsgbuf_allow_fdpass(&p->a);
		imsgbuf_allow_fdpass(&p->b);
	}
}

static void
pair_open(struct pair *p, int fdpass)
{
	xsocketpair(SOCK_STREAM, p->sv);
	pair_init(p, fdpass);
}

static void
pair_close(struct pair *p)
{
	imsgbuf_clear(&p->a);
	imsgbuf_clear(&p->b);
	assert_null(p->a.w);
	xclose_all(p->sv, 2);
}

/* The next message on b, reading as needed. */
static void
next_imsg(struct pair *p, struct imsg *imsg)
{
	int n;

	while ((n = imsgbuf_get(&p->b, imsg)) == 0)
		assert_int_equal(imsgbuf_read(&p->b), 1);
	assert_int_equal(n, 1);
}

static void
test_init_defaults(void **state)
{
	struct imsgbuf ib;

	(void)state;
	assert_int_equal(IMSG_HEADER_SIZE, 16);
	assert_int_equal(imsgbuf_init(&ib, 7), 0);
	assert_non_null(ib.w);
	assert_int_equal(ib.fd, 7);
	assert_int_equal(ib.pid, getpid());
	assert_int_equal(ib.maxsize, MAX_IMSGSIZE);
	assert_int_equal(ib.flags, 0);
	assert_int_equal(imsgbuf_queuelen(&ib), 0);

	assert_int_equal(imsgbuf_set_maxsize(&ib, 100), 0);
	assert_int_equal(ib.maxsize, 100 + IMSG_HEADER_SIZE);
	errno = 0;
	assert_int_equal(imsgbuf_set_maxsize(&ib, UINT32_MAX - 15), -1);
	assert_int_equal(errno, ERANGE);
	/* The length's top bit is the descriptor mark. */
	assert_int_equal(imsgbuf_set_maxsize(&ib, 0x80000000U), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(imsgbuf_set_maxsize(&ib, 0x7fffffffU - 16), 0);
	imsgbuf_clear(&ib);
	assert_null(ib.w);
	/* Cleared: reads and writes fail, nothing crashes. */
	assert_int_equal(imsgbuf_read(&ib), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(imsgbuf_write(&ib), -1);
	assert_int_equal(imsgbuf_queuelen(&ib), 0);
}

static void
test_roundtrip_plain(void **state)
{
	struct pair p;
	struct imsg imsg;
	char data[32];
	uint32_t v;

	(void)state;
	pair_open(&p, 0);
	assert_int_equal(imsg_compose(&p.a, 42, 7, 0, -1, "hello", 5), 1);
	assert_int_equal(imsg_compose(&p.a, 43, 8, 1234, -1, NULL, 0), 1);
	assert_int_equal(imsgbuf_queuelen(&p.a), 2);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	assert_int_equal(imsgbuf_queuelen(&p.a), 0);

	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 42);
	assert_int_equal(imsg_get_id(&imsg), 7);
	assert_int_equal(imsg_get_pid(&imsg), getpid());
	assert_int_equal(imsg_get_len(&imsg), 5);
	assert_int_equal(imsg.hdr.len, 16 + 5);
	assert_memory_equal(imsg.data, "hello", 5);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	/* imsg_get_data wants the exact size. */
	errno = 0;
	assert_int_equal(imsg_get_data(&imsg, data, 4), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(imsg_get_data(&imsg, data, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(imsg_get_data(&imsg, data, 5), 0);
	assert_memory_equal(data, "hello", 5);
	assert_int_equal(imsg_get_len(&imsg), 0);
	imsg_free(&imsg);

	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 43);
	assert_int_equal(imsg_get_pid(&imsg), 1234);
	assert_int_equal(imsg_get_len(&imsg), 0);
	assert_null(imsg.data);
	assert_int_equal(imsg_get_data(&imsg, &v, sizeof(v)), -1);
	assert_int_equal(errno, EBADMSG);
	imsg_free(&imsg);
	assert_int_equal(imsgbuf_get(&p.b, &imsg), 0);
	pair_close(&p);
}

static void
test_roundtrip_fd(void **state)
{
	struct pair p;
	struct imsg imsg;
	int pp[2], fd;

	(void)state;
	pair_open(&p, 1);
	xpipe(pp);
	assert_int_equal(imsg_compose(&p.a, 1, 0, 0, -1, "a", 1), 1);
	assert_int_equal(imsg_compose(&p.a, 2, 0, 0, pp[1], "b", 1), 1);
	assert_int_equal(imsg_compose(&p.a, 3, 0, 0, -1, "c", 1), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	/* Sent, so closed on the sending side. */
	assert_int_equal(fcntl(pp[1], F_GETFD), -1);

	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 1);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 2);
	assert_int_equal(imsg.hdr.len, 17);	/* the mark is masked off */
	fd = imsg_get_fd(&imsg);
	assert_true(fd >= 0);
	assert_int_equal(imsg_get_fd(&imsg), -1);	/* handed over once */
	assert_true(has_cloexec(fd));
	assert_same_pipe(pp[0], fd);
	imsg_free(&imsg);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 3);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	xclose(fd);
	xclose(pp[0]);
	pair_close(&p);
}

static void
test_unclaimed_fd_closed_by_free(void **state)
{
	struct pair p;
	struct imsg imsg;
	int pp[2];

	(void)state;
	pair_open(&p, 1);
	xpipe(pp);
	assert_int_equal(imsg_compose(&p.a, 1, 0, 0, pp[1], NULL, 0), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	next_imsg(&p, &imsg);
	imsg_free(&imsg);
	xclose(pp[0]);
	/* And the queued ones by imsgbuf_clear, on both sides. */
	xpipe(pp);
	assert_int_equal(imsg_compose(&p.a, 1, 0, 0, pp[0], NULL, 0), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	assert_int_equal(imsgbuf_read(&p.b), 1);
	assert_int_equal(imsg_compose(&p.a, 2, 0, 0, pp[1], NULL, 0), 1);
	pair_close(&p);
}

static void
test_without_fdpass_no_descriptor(void **state)
{
	struct pair p;
	struct imsg imsg;
	int pp[2];

	(void)state;
	/* The sender passes it; the receiver did not allow it. */
	xsocketpair(SOCK_STREAM, p.sv);
	assert_int_equal(imsgbuf_init(&p.a, p.sv[0]), 0);
	assert_int_equal(imsgbuf_init(&p.b, p.sv[1]), 0);
	imsgbuf_allow_fdpass(&p.a);
	xpipe(pp);
	assert_int_equal(imsg_compose(&p.a, 5, 0, 0, pp[1], "x", 1), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 5);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	xclose(pp[0]);
	pair_close(&p);
}

static void
test_composev_create_add(void **state)
{
	struct pair p;
	struct imsg imsg;
	struct iovec iov[3];
	struct ibuf *m;
	char out[16];

	(void)state;
	pair_open(&p, 0);
	iov[0].iov_base = (void *)"ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)"cde";
	iov[2].iov_len = 3;
	assert_int_equal(imsg_composev(&p.a, 9, 1, 0, -1, iov, 3), 1);

	assert_non_null(m = imsg_create(&p.a, 10, 2, 0, 4));
	assert_int_equal(imsg_add(m, "12", 2), 2);
	assert_int_equal(imsg_add(m, "34", 2), 2);
	assert_int_equal(imsg_add(m, NULL, 0), 0);
	/* A message's own limit, lower than the channel's. */
	assert_int_equal(imsg_set_maxsize(m, 5), 0);
	imsg_close(&p.a, m);
	assert_non_null(m = imsg_create(&p.a, 11, 0, 0, 0));
	assert_int_equal(imsg_set_maxsize(m, 1), 0);
	/* Past the limit imsg_add frees the message. */
	assert_int_equal(imsg_add(m, "xy", 2), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(imsgbuf_queuelen(&p.a), 2);
	assert_int_equal(imsgbuf_flush(&p.a), 0);

	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 9);
	assert_int_equal(imsg_get_len(&imsg), 5);
	assert_int_equal(imsg_get_buf(&imsg, out, 2), 0);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(imsg_get_buf(&imsg, out, 4), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(imsg_get_buf(&imsg, out, 3), 0);
	assert_memory_equal(out, "cde", 3);
	imsg_free(&imsg);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 10);
	assert_int_equal(imsg_get_id(&imsg), 2);
	assert_memory_equal(imsg.data, "1234", 4);
	imsg_free(&imsg);
	pair_close(&p);
}

static void
test_compose_ibuf_and_limits(void **state)
{
	struct pair p;
	struct imsg imsg;
	struct ibuf *b, view;
	char big[64] = { 0 };
	int pp[2];

	(void)state;
	pair_open(&p, 1);
	assert_non_null(b = ibuf_dynamic(0, 100));
	assert_int_equal(ibuf_add(b, "payload", 7), 0);
	assert_int_equal(imsg_compose_ibuf(&p.a, 20, 3, 0, b), 1);
	/* A descriptor cannot go that way: refused, buffer consumed. */
	xpipe(pp);
	assert_non_null(b = ibuf_open(1));
	ibuf_fd_set(b, pp[0]);
	errno = 0;
	assert_int_equal(imsg_compose_ibuf(&p.a, 21, 0, 0, b), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fcntl(pp[0], F_GETFD), -1);
	xclose(pp[1]);

	assert_int_equal(imsgbuf_set_maxsize(&p.a, 32), 0);
	assert_int_equal(imsg_compose(&p.a, 22, 0, 0, -1, big, 33), -1);
	assert_int_equal(errno, ERANGE);
	assert_null(imsg_create(&p.a, 22, 0, 0, 33));
	assert_non_null(b = ibuf_open(33));
	assert_int_equal(ibuf_add(b, big, 33), 0);
	assert_int_equal(imsg_compose_ibuf(&p.a, 22, 0, 0, b), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(imsg_compose(&p.a, 23, 0, 0, -1, big, 32), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);

	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 20);
	assert_int_equal(imsg_get_ibuf(&imsg, &view), 0);
	assert_int_equal(ibuf_size(&view), 7);
	assert_memory_equal(ibuf_data(&view), "payload", 7);
	assert_int_equal(imsg_get_len(&imsg), 0);
	assert_int_equal(imsg_get_ibuf(&imsg, &view), -1);
	assert_int_equal(errno, EBADMSG);
	imsg_free(&imsg);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 23);
	assert_int_equal(imsg_get_len(&imsg), 32);
	imsg_free(&imsg);
	pair_close(&p);
}

static void
test_strbuf_and_imsg_get(void **state)
{
	struct pair p;
	struct imsg imsg;
	char s[8];

	(void)state;
	pair_open(&p, 0);
	assert_int_equal(imsg_compose(&p.a, 1, 0, 0, -1, "name\0\0\0", 8), 1);
	assert_int_equal(imsg_compose(&p.a, 2, 0, 0, -1, "12345678", 8), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	assert_int_equal(imsgbuf_read(&p.b), 1);
	/* The legacy call gives the whole length. */
	assert_int_equal(imsg_get(&p.b, &imsg), 16 + 8);
	assert_int_equal(imsg_get_strbuf(&imsg, s, sizeof(s)), 0);
	assert_string_equal(s, "name");
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&p.b, &imsg), 16 + 8);
	errno = 0;
	assert_int_equal(imsg_get_strbuf(&imsg, s, sizeof(s)), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_string_equal(s, "1234567");
	imsg_free(&imsg);
	assert_int_equal(imsg_get(&p.b, &imsg), 0);
	pair_close(&p);
}

static void
test_forward_and_requeue(void **state)
{
	struct pair p;
	struct imsg imsg, again;
	struct ibufqueue *q;
	char c;
	int pp[2];

	(void)state;
	pair_open(&p, 1);
	xpipe(pp);
	assert_int_equal(imsg_compose(&p.a, 30, 4, 99, pp[1], "fwd", 3), 1);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	next_imsg(&p, &imsg);
	assert_int_equal(imsg_get_buf(&imsg, &c, 1), 0);
	/* Forwarded whole, whatever was read, twice; no descriptor. */
	assert_int_equal(imsg_forward(&p.b, &imsg), 1);
	assert_int_equal(imsg_forward(&p.b, &imsg), 1);
	assert_int_equal(imsgbuf_flush(&p.b), 0);

	/* Requeued on an ibufqueue and popped again. */
	assert_non_null(q = ibufq_new());
	imsg_ibufq_push(q, &imsg);
	assert_null(imsg.buf);
	assert_int_equal(imsg_ibufq_pop(q, &again), 1);
	assert_int_equal(imsg_get_type(&again), 30);
	assert_int_equal(imsg_get_len(&again), 3);
	assert_int_equal(imsg_ibufq_pop(q, &imsg), 0);
	imsg_free(&again);	/* closes the unclaimed descriptor */
	ibufq_free(q);

	/* What b forwarded arrives at a. */
	for (int i = 0; i < 2; i++) {
		while (imsgbuf_get(&p.a, &imsg) == 0)
			assert_int_equal(imsgbuf_read(&p.a), 1);
		assert_int_equal(imsg_get_type(&imsg), 30);
		assert_int_equal(imsg_get_id(&imsg), 4);
		assert_int_equal(imsg_get_pid(&imsg), 99);
		assert_int_equal(imsg_get_fd(&imsg), -1);
		assert_memory_equal(imsg.data, "fwd", 3);
		imsg_free(&imsg);
	}
	xclose(pp[0]);
	pair_close(&p);
}

static void
test_nonblocking_many(void **state)
{
	struct pair p;
	struct imsg imsg;
	struct pollfd pfd[2];
	uint32_t sent = 0, got = 0, v;
	const uint32_t total = 10000;
	int pp[2], fd;

	(void)state;
	pair_open(&p, 1);
	assert_int_equal(fcntl(p.sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p.sv[1], F_SETFL, O_NONBLOCK), 0);
	xpipe(pp);
	while (got < total) {
		while (sent < total && imsgbuf_queuelen(&p.a) < 64) {
			/* 10,000 messages; every 7th carries a duplicate of pp[0]. */
			fd = sent % 7 == 0 ? fcntl(pp[0], F_DUPFD_CLOEXEC, 0) : -1;
			assert_int_equal(imsg_compose(&p.a, sent % 7 == 0 ? 1 : 0,
			    sent, 0, fd, &sent, sizeof(sent)), 1);
			sent++;
		}
		pfd[0].fd = p.sv[0];
		pfd[0].events = imsgbuf_queuelen(&p.a) > 0 ? POLLOUT : 0;
		pfd[1].fd = p.sv[1];
		pfd[1].events = POLLIN;
		assert_true(poll(pfd, 2, 5000) > 0);
		if (pfd[0].revents & POLLOUT)
			assert_int_equal(imsgbuf_write(&p.a), 0);
		if (pfd[1].revents & POLLIN)
			assert_int_equal(imsgbuf_read(&p.b), 1);
		while (imsgbuf_get(&p.b, &imsg) == 1) {
			assert_int_equal(imsg_get_id(&imsg), got);
			assert_int_equal(imsg_get_data(&imsg, &v, sizeof(v)), 0);
			assert_int_equal(v, got);
			fd = imsg_get_fd(&imsg);
			if (imsg_get_type(&imsg) == 1) {
				assert_true(fd >= 0);
				xclose(fd);
			} else
				assert_int_equal(fd, -1);
			imsg_free(&imsg);
			got++;
		}
	}
	xclose_all(pp, 2);
	pair_close(&p);
}

/*
 * Messages larger than a tiny send buffer, every other one with a
 * descriptor: partial writes, EAGAIN, headers split across reads, and
 * each descriptor still reaches its own message.
 */
static void
test_tiny_sndbuf(void **state)
{
	struct pair p;
	struct imsg imsg;
	struct pollfd pfd[2];
	static char big[6000];
	uint32_t sent = 0, got = 0;
	const uint32_t total = 200;
	int pp[2], fd, size = 1024;

	(void)state;
	pair_open(&p, 1);
	assert_int_equal(setsockopt(p.sv[0], SOL_SOCKET, SO_SNDBUF, &size,
	    sizeof(size)), 0);
	assert_int_equal(setsockopt(p.sv[1], SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size)), 0);
	assert_int_equal(fcntl(p.sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p.sv[1], F_SETFL, O_NONBLOCK), 0);
	xpipe(pp);
	while (got < total) {
		while (sent < total && imsgbuf_queuelen(&p.a) < 4) {
			memset(big, (int)sent, sizeof(big));
			fd = sent % 2 == 0 ? fcntl(pp[0], F_DUPFD_CLOEXEC, 0) : -1;
			assert_int_equal(imsg_compose(&p.a, sent % 2, sent, 0, fd,
			    big, 100 + (sent * 37) % (sizeof(big) - 100)), 1);
			sent++;
		}
		pfd[0].fd = p.sv[0];
		pfd[0].events = imsgbuf_queuelen(&p.a) > 0 ? POLLOUT : 0;
		pfd[1].fd = p.sv[1];
		pfd[1].events = POLLIN;
		assert_true(poll(pfd, 2, 5000) > 0);
		if (pfd[0].revents & POLLOUT)
			assert_int_equal(imsgbuf_write(&p.a), 0);
		if (pfd[1].revents & POLLIN)
			assert_int_equal(imsgbuf_read(&p.b), 1);
		while (imsgbuf_get(&p.b, &imsg) == 1) {
			assert_int_equal(imsg_get_id(&imsg), got);
			assert_int_equal(imsg_get_len(&imsg),
			    100 + (got * 37) % (sizeof(big) - 100));
			assert_int_equal(((unsigned char *)imsg.data)[0],
			    got & 0xff);
			fd = imsg_get_fd(&imsg);
			if (got % 2 == 0) {
				assert_true(fd >= 0);
				xclose(fd);
			} else
				assert_int_equal(fd, -1);
			imsg_free(&imsg);
			got++;
		}
	}
	xclose_all(pp, 2);
	pair_close(&p);
}

/* Over a pipe, without descriptors: plain reads and writes. */
static void
test_over_pipe(void **state)
{
	struct imsgbuf w, r;
	struct imsg imsg;
	int pp[2];

	(void)state;
	xpipe(pp);
	assert_int_equal(imsgbuf_init(&w, pp[1]), 0);
	assert_int_equal(imsgbuf_init(&r, pp[0]), 0);
	assert_int_equal(imsg_compose(&w, 4, 5, 0, -1, "pipe", 4), 1);
	assert_int_equal(imsgbuf_flush(&w), 0);
	assert_int_equal(imsgbuf_read(&r), 1);
	assert_int_equal(imsgbuf_get(&r, &imsg), 1);
	assert_int_equal(imsg_get_type(&imsg), 4);
	assert_memory_equal(imsg.data, "pipe", 4);
	imsg_free(&imsg);
	/* Descriptors cannot pass there. */
	imsgbuf_allow_fdpass(&r);
	errno = 0;
	assert_int_equal(imsgbuf_read(&r), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	xclose_all(pp, 2);
}

static void
test_peer_gone(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 1);
	xclose(p.sv[1]);
	p.sv[1] = -1;
	assert_int_equal(imsg_compose(&p.a, 1, 0, 0, -1, "x", 1), 1);
	/* EPIPE, and no SIGPIPE kills the test. */
	errno = 0;
	assert_int_equal(imsgbuf_flush(&p.a), -1);
	assert_int_equal(errno, EPIPE);
	imsgbuf_clear(&p.a);
	imsgbuf_clear(&p.b);
	xclose(p.sv[0]);
}

static void
test_eof(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 1);
	xclose(p.sv[0]);
	p.sv[0] = -1;
	assert_int_equal(imsgbuf_read(&p.b), 0);
	imsgbuf_clear(&p.a);
	imsgbuf_clear(&p.b);
	xclose(p.sv[1]);
}

/*
 * Record sockets keep a record whole or lose its tail (Linux
 * unix_seqpacket_recvmsg sets MSG_TRUNC; BSD soreceive with PR_ATOMIC
 * drops the rest), so the writer sends records a reader can always hold,
 * and a record too long for the reader's room is an error, never a
 * silent loss.  macOS has no SOCK_SEQPACKET.
 */
static void
seqpacket_pair(struct pair *p, int fdpass)
{
	int size = 131072;

	require_seqpacket();
	xsocketpair(SOCK_SEQPACKET, p->sv);
	/* The BSDs refuse a record longer than the send buffer (sosend). */
	assert_int_equal(setsockopt(p->sv[0], SOL_SOCKET, SO_SNDBUF, &size,
	    sizeof(size)), 0);
	assert_int_equal(setsockopt(p->sv[1], SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size)), 0);
	pair_init(p, fdpass);
}

static void
test_seqpacket_long_queue(void **state)
{
	struct pair p;
	struct imsg imsg;
	static unsigned char big[16000];
	const uint32_t total = 8;
	uint32_t sent, got = 0;
	int pp[2], fd, rounds;
	char c;

	(void)state;
	seqpacket_pair(&p, 1);
	assert_int_equal(fcntl(p.sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p.sv[1], F_SETFL, O_NONBLOCK), 0);
	xpipe(pp);
	/* 80 KB queued ahead of the descriptor: more than one read's room. */
	for (sent = 0; sent < total; sent++) {
		memset(big, 'a' + (int)sent, sizeof(big));
		fd = sent == 5 ? fcntl(pp[1], F_DUPFD_CLOEXEC, 0) : -1;
		assert_int_equal(imsg_compose(&p.a, 5, sent, 0, fd, big,
		    sizeof(big)), 1);
	}
	for (rounds = 0; got < total && rounds < 1000; rounds++) {
		assert_int_equal(imsgbuf_write(&p.a), 0);
		assert_int_equal(imsgbuf_read(&p.b), 1);
		while (imsgbuf_get(&p.b, &imsg) == 1) {
			assert_int_equal(imsg_get_id(&imsg), got);
			assert_int_equal(imsg_get_len(&imsg), sizeof(big));
			memset(big, 0, sizeof(big));
			assert_int_equal(imsg_get_data(&imsg, big,
			    sizeof(big)), 0);
			assert_int_equal(big[0], 'a' + got);
			assert_int_equal(big[sizeof(big) - 1], 'a' + got);
			fd = imsg_get_fd(&imsg);
			if (got == 5) {
				/* The pipe's write end, by identity. */
				assert_true(fd >= 0);
				assert_int_equal(write(fd, "k", 1), 1);
				assert_int_equal(read(pp[0], &c, 1), 1);
				xclose(fd);
			} else
				assert_int_equal(fd, -1);
			imsg_free(&imsg);
			got++;
		}
	}
	assert_int_equal(got, total);
	assert_int_equal(imsgbuf_queuelen(&p.a), 0);
	xclose_all(pp, 2);
	pair_close(&p);
}

static void
test_seqpacket_record_too_long(void **state)
{
	struct pair p;
	struct imsg imsg;
	struct imsg_hdr hdr;
	static unsigned char rec[70000];
	size_t off;

	(void)state;
	seqpacket_pair(&p, 1);
	/* Well-formed messages of 1000 bytes, in one record. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = 9;
	hdr.len = 1000;
	for (off = 0; off < sizeof(rec); off += 1000)
		memcpy(rec + off, &hdr, sizeof(hdr));
	assert_int_equal(send(p.sv[0], rec, sizeof(rec), 0), sizeof(rec));
	errno = 0;
	assert_int_equal(imsgbuf_read(&p.b), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* It sticks: the stream is out of step. */
	errno = 0;
	assert_int_equal(imsgbuf_read(&p.b), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(imsgbuf_get(&p.b, &imsg), 0);
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_init_defaults),
		fd_test(test_roundtrip_plain),
		fd_test(test_roundtrip_fd),
		fd_test(test_unclaimed_fd_closed_by_free),
		fd_test(test_without_fdpass_no_descriptor),
		fd_test(test_composev_create_add),
		fd_test(test_compose_ibuf_and_limits),
		fd_test(test_strbuf_and_imsg_get),
		fd_test(test_forward_and_requeue),
		fd_test(test_nonblocking_many),
		fd_test(test_tiny_sndbuf),
		fd_test(test_over_pipe),
		fd_test(test_peer_gone),
		fd_test(test_eof),
		fd_test(test_seqpacket_long_queue),
		fd_test(test_seqpacket_record_too_long),
	};

	return cmocka_run_group_tests_name("imsg_channel", tests, NULL, NULL);
}
