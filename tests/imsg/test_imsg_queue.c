/* SPDX-License-Identifier: ISC */
/* libfdpass-imsg: the ibufq and msgbuf families (ibuf_add(3)). */
#include "support.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <fdpass.h>
#include <imsg.h>

static struct ibuf *
numbered(uint8_t n)
{
	struct ibuf *b;

	assert_non_null(b = ibuf_open(1));
	assert_int_equal(ibuf_add_n8(b, n), 0);
	return b;
}

static uint8_t
number_of(struct ibuf *b)
{
	uint8_t n;

	assert_non_null(b);
	assert_int_equal(ibuf_get_n8(b, &n), 0);
	ibuf_free(b);
	return n;
}

static void
test_ibufq_order(void **state)
{
	struct ibufqueue *a, *b;
	uint8_t i;

	(void)state;
	assert_non_null(a = ibufq_new());
	assert_non_null(b = ibufq_new());
	assert_null(ibufq_pop(a));
	for (i = 0; i < 3; i++)
		ibufq_push(a, numbered(i));
	for (i = 3; i < 5; i++)
		ibufq_push(b, numbered(i));
	assert_int_equal(ibufq_queuelen(a), 3);
	ibufq_concat(a, b);
	assert_int_equal(ibufq_queuelen(a), 5);
	assert_int_equal(ibufq_queuelen(b), 0);
	assert_null(ibufq_pop(b));
	/* An emptied queue takes buffers again. */
	ibufq_push(b, numbered(9));
	ibufq_concat(b, a);
	/* All of a went to the end of b. */
	assert_int_equal(ibufq_queuelen(a), 0);
	assert_null(ibufq_pop(a));
	ibufq_free(a);
	assert_int_equal(number_of(ibufq_pop(b)), 9);
	for (i = 0; i < 5; i++)
		assert_int_equal(number_of(ibufq_pop(b)), i);
	assert_null(ibufq_pop(b));
	ibufq_free(b);
	ibufq_free(NULL);
}

static void
test_ibufq_flush_closes(void **state)
{
	struct ibufqueue *q;
	struct ibuf *b;
	int p[2];

	(void)state;
	xpipe(p);
	assert_non_null(q = ibufq_new());
	b = numbered(1);
	ibuf_fd_set(b, p[0]);
	ibufq_push(q, b);
	b = numbered(2);
	ibuf_fd_set(b, p[1]);
	ibufq_push(q, b);
	ibufq_flush(q);
	assert_int_equal(ibufq_queuelen(q), 0);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	ibufq_push(q, numbered(3));
	/* ibufq_free frees what is queued. */
	ibufq_free(q);
}

static void
test_msgbuf_write_read_plain(void **state)
{
	struct msgbuf *w;
	struct ibufqueue *q;
	int sv[2];
	char got[16];

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	assert_non_null(w = msgbuf_new());
	assert_int_equal(msgbuf_queuelen(w), 0);
	assert_int_equal(ibuf_write(sv[0], w), 0);	/* nothing queued */
	ibuf_close(w, numbered('a'));
	ibuf_close(w, numbered('b'));
	assert_non_null(q = ibufq_new());
	ibufq_push(q, numbered('c'));
	msgbuf_concat(w, q);
	assert_int_equal(ibufq_queuelen(q), 0);
	assert_int_equal(msgbuf_queuelen(w), 3);
	assert_int_equal(ibuf_write(sv[0], w), 0);
	assert_int_equal(msgbuf_queuelen(w), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), 3);
	assert_memory_equal(got, "abc", 3);
	/* A reader is needed to read. */
	errno = 0;
	assert_int_equal(ibuf_read(sv[1], w), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(msgbuf_read(sv[1], w), -1);
	assert_int_equal(errno, EINVAL);
	ibufq_free(q);
	msgbuf_free(w);
	msgbuf_free(NULL);
	xclose_all(sv, 2);
}

/*
 * A protocol of one length byte (bit 7: a descriptor comes with this
 * message) then the payload (hdrsz 1).
 */
static struct ibuf *
len_prefixed(struct ibuf *hdr, void *arg, int *fd)
{
	struct ibuf *b;
	uint8_t len;

	*(int *)arg += 1;
	if (ibuf_get_n8(hdr, &len) == -1)
		return NULL;
	if ((len & 0x7f) == 0) {
		errno = ERANGE;
		return NULL;
	}
	if ((b = ibuf_open(len & 0x7f)) == NULL)
		return NULL;
	if ((len & 0x80) && *fd >= 0) {
		ibuf_fd_set(b, *fd);
		*fd = -1;
	}
	return b;
}

static void
test_msgbuf_reader_callback(void **state)
{
	struct msgbuf *r;
	struct ibuf *b;
	int sv[2], calls = 0;
	uint8_t len;

	(void)state;
	errno = 0;
	assert_null(msgbuf_new_reader(0, len_prefixed, &calls));
	assert_int_equal(errno, EINVAL);
	assert_null(msgbuf_new_reader(IBUF_READ_SIZE / 2 + 1, len_prefixed,
	    &calls));
	assert_int_equal(errno, EINVAL);

	xsocketpair(SOCK_STREAM, sv);
	assert_non_null(r = msgbuf_new_reader(1, len_prefixed, &calls));
	/* Two messages and the first byte of a third in one write. */
	assert_int_equal(write(sv[0], "\003ab\002c\004x", 7), 7);
	assert_int_equal(ibuf_read(sv[1], r), 1);
	assert_int_equal(calls, 3);
	assert_non_null(b = msgbuf_get(r));
	assert_int_equal(ibuf_size(b), 3);
	assert_memory_equal(ibuf_data(b), "\003ab", 3);
	ibuf_free(b);
	assert_non_null(b = msgbuf_get(r));
	assert_int_equal(ibuf_get_n8(b, &len), 0);
	assert_int_equal(len, 2);
	ibuf_free(b);
	assert_null(msgbuf_get(r));
	assert_int_equal(write(sv[0], "yz", 2), 2);
	assert_int_equal(ibuf_read(sv[1], r), 1);
	assert_non_null(b = msgbuf_get(r));
	assert_memory_equal(ibuf_data(b), "\004xyz", 4);
	ibuf_free(b);

	/* The callback's error is the read's; the next read fails alike. */
	assert_int_equal(write(sv[0], "\000", 1), 1);
	errno = 0;
	assert_int_equal(ibuf_read(sv[1], r), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_read(sv[1], r), -1);
	assert_int_equal(errno, ERANGE);
	/* msgbuf_clear starts over. */
	msgbuf_clear(r);
	assert_int_equal(write(sv[0], "\001", 1), 1);
	assert_int_equal(ibuf_read(sv[1], r), 1);
	assert_non_null(b = msgbuf_get(r));
	ibuf_free(b);

	/* End of file. */
	xclose(sv[0]);
	assert_int_equal(ibuf_read(sv[1], r), 0);
	msgbuf_free(r);
	xclose(sv[1]);
}

static void
test_msgbuf_with_descriptor(void **state)
{
	struct msgbuf *w, *r;
	struct ibuf *b;
	int sv[2], p[2], calls = 0, fd;

	(void)state;
	xsocketpair(SOCK_STREAM, sv);
	xpipe(p);
	assert_non_null(w = msgbuf_new());
	assert_non_null(r = msgbuf_new_reader(1, len_prefixed, &calls));
	ibuf_close(w, numbered(1));
	b = ibuf_open(2);
	assert_int_equal(ibuf_add(b, "\202d", 2), 0);
	ibuf_fd_set(b, p[1]);
	ibuf_close(w, b);
	/* The first sendmsg stops before the buffer with a descriptor. */
	assert_int_equal(msgbuf_write(sv[0], w), 0);
	assert_int_equal(msgbuf_queuelen(w), 1);
	assert_int_equal(msgbuf_write(sv[0], w), 0);
	assert_int_equal(msgbuf_queuelen(w), 0);
	/* Sent: the sender's copy is closed. */
	assert_int_equal(fcntl(p[1], F_GETFD), -1);

	assert_int_equal(msgbuf_read(sv[1], r), 1);
	assert_non_null(b = msgbuf_get(r));
	assert_int_equal(ibuf_fd_avail(b), 0);
	ibuf_free(b);
	if ((b = msgbuf_get(r)) == NULL) {
		assert_int_equal(msgbuf_read(sv[1], r), 1);
		assert_non_null(b = msgbuf_get(r));
	}
	assert_true(ibuf_fd_avail(b));
	fd = ibuf_fd_get(b);
	assert_true(has_cloexec(fd));
	assert_same_pipe(p[0], fd);
	ibuf_free(b);
	xclose(fd);
	xclose(p[0]);
	msgbuf_free(w);
	msgbuf_free(r);
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_ibufq_order),
		fd_test(test_ibufq_flush_closes),
		fd_test(test_msgbuf_write_read_plain),
		fd_test(test_msgbuf_reader_callback),
		fd_test(test_msgbuf_with_descriptor),
	};

	return cmocka_run_group_tests_name("imsg_queue", tests, NULL, NULL);
}
