/* SPDX-License-Identifier: ISC */
/*
 * libfdpass-imsg: the wire format against bytes built by hand, with plain
 * sendmsg/recvmsg, so that neither side of a check is the library's own
 * encoder or decoder.  The format is OpenBSD imsg's (imsg.c 1.24, carried
 * as tmux's compat/imsg.c): a 16-byte header of four uint32 in host order
 * (type, len, peerid, pid), len counting the header and carrying
 * IMSG_FD_MARK (0x80000000) when a descriptor travels with the message, the
 * descriptor in SCM_RIGHTS with the message's first byte.
 */
#include "support.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <imsg.h>

#define WIRE_FD_MARK	0x80000000u	/* imsg.c's IMSG_FD_MARK */

/* A header as imsg.c lays it out, each word in host order. */
static void
wire_hdr(unsigned char *out, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid)
{
	uint32_t w[4] = { type, len, peerid, pid };

	memcpy(out, w, sizeof(w));
}

/* The bytes in one sendmsg, fd (when >= 0) in SCM_RIGHTS beside them. */
static void
hand_send(int sock, const void *bytes, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr	msg;
	struct iovec	iov = { .iov_base = (void *)bytes, .iov_len = len };
	struct cmsghdr	*c;

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)len);
}

/*
 * Up to len bytes in one recvmsg; *fd is the descriptor that came with
 * them (-1 when none); more than one is a failure.
 */
static size_t
hand_recv(int sock, void *bytes, size_t len, int *fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} cm;
	struct msghdr	msg;
	struct iovec	iov = { .iov_base = bytes, .iov_len = len };
	struct cmsghdr	*c;
	ssize_t		n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	n = recvmsg(sock, &msg, 0);
	assert_true(n > 0);
	assert_false(msg.msg_flags & MSG_CTRUNC);
	*fd = -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		assert_int_equal(c->cmsg_level, SOL_SOCKET);
		assert_int_equal(c->cmsg_type, SCM_RIGHTS);
		assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(int)));
		assert_int_equal(*fd, -1);
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return (size_t)n;
}

/* Exactly len bytes, in as many reads as it takes, none with a descriptor. */
static void
hand_recv_all(int sock, unsigned char *bytes, size_t len)
{
	size_t got = 0;
	int fd;

	while (got < len) {
		got += hand_recv(sock, bytes + got, len - got, &fd);
		assert_int_equal(fd, -1);
	}
}

struct wire {
	int		sv[2];	/* sv[0] by hand, sv[1] the library's */
	struct imsgbuf	ib;
};

static void
wire_open(struct wire *w)
{
	xsocketpair(SOCK_STREAM, w->sv);
	assert_int_equal(imsgbuf_init(&w->ib, w->sv[1]), 0);
	imsgbuf_allow_fdpass(&w->ib);
}

static void
wire_close(struct wire *w)
{
	imsgbuf_clear(&w->ib);
	xclose_all(w->sv, 2);
}

static void
next_imsg(struct wire *w, struct imsg *imsg)
{
	int n;

	while ((n = imsgbuf_get(&w->ib, imsg)) == 0)
		assert_int_equal(imsgbuf_read(&w->ib), 1);
	assert_int_equal(n, 1);
}

/*
 * Two messages built by hand in one send, the descriptor with the first
 * byte: the library reads each field back, the descriptor on the marked
 * message only.
 */
static void
test_read_golden(void **state)
{
	unsigned char	bytes[16 + 5 + 16 + 3];
	struct wire	w;
	struct imsg	imsg;
	char		data[8];
	int		pp[2], fd;

	(void)state;
	wire_open(&w);
	xpipe(pp);
	wire_hdr(bytes, 0x01020304u, (16 + 5) | WIRE_FD_MARK, 0xa1b2c3d4u,
	    4242);
	memcpy(bytes + 16, "hello", 5);
	wire_hdr(bytes + 21, 77, 16 + 3, 0xffffffffu, 0x7fffffffu);
	memcpy(bytes + 37, "abc", 3);
	hand_send(w.sv[0], bytes, sizeof(bytes), pp[1]);
	xclose(pp[1]);

	next_imsg(&w, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 0x01020304u);
	assert_int_equal(imsg_get_id(&imsg), 0xa1b2c3d4u);
	assert_int_equal(imsg_get_pid(&imsg), 4242);
	assert_int_equal(imsg_get_len(&imsg), 5);
	assert_int_equal(imsg.hdr.len, 16 + 5);
	assert_int_equal(imsg_get_data(&imsg, data, 5), 0);
	assert_memory_equal(data, "hello", 5);
	fd = imsg_get_fd(&imsg);
	assert_true(fd >= 0);
	assert_true(has_cloexec(fd));
	assert_same_pipe(pp[0], fd);
	xclose(fd);
	imsg_free(&imsg);

	next_imsg(&w, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 77);
	assert_int_equal(imsg_get_id(&imsg), 0xffffffffu);
	assert_int_equal(imsg_get_pid(&imsg), 0x7fffffff);
	assert_int_equal(imsg_get_len(&imsg), 3);
	assert_int_equal(imsg_get_data(&imsg, data, 3), 0);
	assert_memory_equal(data, "abc", 3);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	assert_int_equal(imsgbuf_get(&w.ib, &imsg), 0);

	xclose(pp[0]);
	wire_close(&w);
}

/* A header alone with its descriptor: the 16 bytes are the message. */
static void
test_read_golden_empty(void **state)
{
	unsigned char	bytes[16];
	struct wire	w;
	struct imsg	imsg;
	int		pp[2], fd;

	(void)state;
	wire_open(&w);
	xpipe(pp);
	wire_hdr(bytes, 9, 16 | WIRE_FD_MARK, 1, 2);
	hand_send(w.sv[0], bytes, sizeof(bytes), pp[1]);
	xclose(pp[1]);
	next_imsg(&w, &imsg);
	assert_int_equal(imsg_get_type(&imsg), 9);
	assert_int_equal(imsg_get_len(&imsg), 0);
	fd = imsg_get_fd(&imsg);
	assert_true(fd >= 0);
	assert_same_pipe(pp[0], fd);
	xclose(fd);
	imsg_free(&imsg);
	xclose(pp[0]);
	wire_close(&w);
}

/*
 * imsg_compose with a descriptor: the bytes are the hand-built ones, and
 * the descriptor arrives with a read of the first byte alone.
 */
static void
test_write_golden(void **state)
{
	unsigned char	want[16 + 5], got[16 + 5];
	struct wire	w;
	int		pp[2], fd;

	(void)state;
	wire_open(&w);
	xpipe(pp);
	assert_int_equal(imsg_compose(&w.ib, 0x01020304u, 0xa1b2c3d4u, 4242,
	    pp[1], "hello", 5), 1);
	assert_int_equal(imsgbuf_flush(&w.ib), 0);
	wire_hdr(want, 0x01020304u, (16 + 5) | WIRE_FD_MARK, 0xa1b2c3d4u,
	    4242);
	memcpy(want + 16, "hello", 5);

	assert_int_equal(hand_recv(w.sv[0], got, 1, &fd), 1);
	assert_true(fd >= 0);
	assert_same_pipe(pp[0], fd);
	xclose(fd);
	hand_recv_all(w.sv[0], got + 1, sizeof(got) - 1);
	assert_memory_equal(got, want, sizeof(want));
	assert_nothing_queued(w.sv[0]);
	xclose(pp[0]);
	wire_close(&w);
}

/*
 * Without a descriptor, by imsg_create/imsg_add/imsg_close: no mark, no
 * control message, and pid 0 is the sender's pid (imsg_create(3)).
 */
static void
test_write_golden_no_fd(void **state)
{
	unsigned char	want[16 + 4], got[16 + 4];
	struct wire	w;
	struct ibuf	*b;

	(void)state;
	wire_open(&w);
	assert_non_null(b = imsg_create(&w.ib, 5, 6, 0, 4));
	assert_int_equal(imsg_add(b, "wxyz", 4), 4);
	imsg_close(&w.ib, b);
	assert_int_equal(imsgbuf_flush(&w.ib), 0);
	wire_hdr(want, 5, 16 + 4, 6, (uint32_t)getpid());
	memcpy(want + 16, "wxyz", 4);
	hand_recv_all(w.sv[0], got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	assert_nothing_queued(w.sv[0]);
	wire_close(&w);
}

/*
 * Three messages, the middle one with a descriptor, flushed together: the
 * descriptor comes with the middle message's first byte, not before it.
 */
static void
test_write_golden_fd_starts_its_send(void **state)
{
	unsigned char	want[3 * 16 + 3], got[3 * 16 + 3];
	struct wire	w;
	size_t		off = 0, n;
	int		pp[2], fd, seen = -1;

	(void)state;
	wire_open(&w);
	xpipe(pp);
	assert_int_equal(imsg_compose(&w.ib, 1, 0, 1, -1, "a", 1), 1);
	assert_int_equal(imsg_compose(&w.ib, 2, 0, 1, pp[1], "b", 1), 1);
	assert_int_equal(imsg_compose(&w.ib, 3, 0, 1, -1, "c", 1), 1);
	assert_int_equal(imsgbuf_flush(&w.ib), 0);
	wire_hdr(want, 1, 17, 0, 1);
	want[16] = 'a';
	wire_hdr(want + 17, 2, 17 | WIRE_FD_MARK, 0, 1);
	want[33] = 'b';
	wire_hdr(want + 34, 3, 17, 0, 1);
	want[50] = 'c';
	/* Byte by byte, so the byte the descriptor rides is known. */
	while (off < sizeof(got)) {
		n = hand_recv(w.sv[0], got + off, 1, &fd);
		assert_int_equal(n, 1);
		if (fd >= 0) {
			assert_int_equal(seen, -1);
			seen = (int)off;
			assert_same_pipe(pp[0], fd);
			xclose(fd);
		}
		off += n;
	}
	assert_int_equal(seen, 17);
	assert_memory_equal(got, want, sizeof(want));
	xclose(pp[0]);
	wire_close(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_read_golden),
		fd_test(test_read_golden_empty),
		fd_test(test_write_golden),
		fd_test(test_write_golden_no_fd),
		fd_test(test_write_golden_fd_starts_its_send),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
