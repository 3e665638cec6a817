/* SPDX-License-Identifier: ISC */
/* libfdpass-imsg: the ibuf family (ibuf_add(3)), one test per group. */
#include "support.h"

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imsg.h>

static void
test_open_fixed(void **state)
{
	struct ibuf *b;

	(void)state;
	assert_non_null(b = ibuf_open(8));
	assert_int_equal(ibuf_size(b), 0);
	assert_int_equal(ibuf_left(b), 8);
	assert_int_equal(ibuf_fd_avail(b), 0);
	assert_int_equal(ibuf_add(b, "12345678", 8), 0);
	assert_int_equal(ibuf_left(b), 0);
	/* A fixed buffer never grows. */
	errno = 0;
	assert_int_equal(ibuf_add(b, "9", 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_memory_equal(ibuf_data(b), "12345678", 8);
	ibuf_free(b);
	ibuf_free(NULL);

	/* Zero bytes: a valid, empty buffer. */
	assert_non_null(b = ibuf_open(0));
	assert_int_equal(ibuf_add(b, "", 0), 0);
	assert_int_equal(ibuf_add(b, "x", 1), -1);
	ibuf_free(b);
}

static void
test_dynamic(void **state)
{
	struct ibuf *b;
	size_t i;

	(void)state;
	errno = 0;
	assert_null(ibuf_dynamic(8, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(ibuf_dynamic(9, 8));
	assert_int_equal(errno, EINVAL);

	assert_non_null(b = ibuf_dynamic(0, 100));
	for (i = 0; i < 100; i++)
		assert_int_equal(ibuf_add_n8(b, i), 0);
	assert_int_equal(ibuf_size(b), 100);
	assert_int_equal(ibuf_left(b), 0);
	assert_int_equal(ibuf_add_zero(b, 1), -1);
	assert_int_equal(errno, ERANGE);
	for (i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)ibuf_data(b))[i], i);
	ibuf_free(b);
}

static void
test_add_values(void **state)
{
	struct ibuf *b;
	unsigned char want[] = {
		0x12,				/* n8 */
		0x12, 0x34,			/* n16 */
		0x12, 0x34, 0x56, 0x78,		/* n32 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08	/* n64 */
	};
	uint16_t h16;
	uint32_t h32;
	uint64_t h64;

	(void)state;
	assert_non_null(b = ibuf_dynamic(0, 1024));
	assert_int_equal(ibuf_add_n8(b, 0x12), 0);
	assert_int_equal(ibuf_add_n16(b, 0x1234), 0);
	assert_int_equal(ibuf_add_n32(b, 0x12345678), 0);
	assert_int_equal(ibuf_add_n64(b, 0x0102030405060708ULL), 0);
	assert_int_equal(ibuf_size(b), sizeof(want));
	assert_memory_equal(ibuf_data(b), want, sizeof(want));

	/* Values that do not fit are refused, nothing added. */
	errno = 0;
	assert_int_equal(ibuf_add_n8(b, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_add_n16(b, 0x10000), -1);
	assert_int_equal(ibuf_add_n32(b, 0x100000000ULL), -1);
	assert_int_equal(ibuf_add_h16(b, 0x10000), -1);
	assert_int_equal(ibuf_add_h32(b, 0x100000000ULL), -1);
	assert_int_equal(ibuf_size(b), sizeof(want));

	/* Host order: the bytes of the native integer. */
	assert_int_equal(ibuf_add_h16(b, 0xbeef), 0);
	assert_int_equal(ibuf_add_h32(b, 0xdeadbeef), 0);
	assert_int_equal(ibuf_add_h64(b, 0x1122334455667788ULL), 0);
	h16 = 0xbeef;
	h32 = 0xdeadbeef;
	h64 = 0x1122334455667788ULL;
	assert_memory_equal((unsigned char *)ibuf_data(b) + sizeof(want),
	    &h16, 2);
	assert_memory_equal((unsigned char *)ibuf_data(b) + sizeof(want) + 2,
	    &h32, 4);
	assert_memory_equal((unsigned char *)ibuf_data(b) + sizeof(want) + 6,
	    &h64, 8);
	ibuf_free(b);
}

static void
test_get_values(void **state)
{
	struct ibuf *b;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	assert_non_null(b = ibuf_dynamic(0, 1024));
	assert_int_equal(ibuf_add_n8(b, 0xab), 0);
	assert_int_equal(ibuf_add_n16(b, 0xabcd), 0);
	assert_int_equal(ibuf_add_n32(b, 0xabcdef01), 0);
	assert_int_equal(ibuf_add_n64(b, 0xabcdef0123456789ULL), 0);
	assert_int_equal(ibuf_add_h16(b, 0x1234), 0);
	assert_int_equal(ibuf_add_h32(b, 0x12345678), 0);
	assert_int_equal(ibuf_add_h64(b, 0x123456789abcdef0ULL), 0);

	assert_int_equal(ibuf_get_n8(b, &v8), 0);
	assert_int_equal(v8, 0xab);
	assert_int_equal(ibuf_get_n16(b, &v16), 0);
	assert_int_equal(v16, 0xabcd);
	assert_int_equal(ibuf_get_n32(b, &v32), 0);
	assert_int_equal(v32, 0xabcdef01);
	assert_int_equal(ibuf_get_n64(b, &v64), 0);
	assert_true(v64 == 0xabcdef0123456789ULL);
	assert_int_equal(ibuf_get_h16(b, &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(ibuf_get_h32(b, &v32), 0);
	assert_int_equal(v32, 0x12345678);
	assert_int_equal(ibuf_get_h64(b, &v64), 0);
	assert_true(v64 == 0x123456789abcdef0ULL);
	assert_int_equal(ibuf_size(b), 0);

	/* Past the end: EBADMSG, nothing consumed. */
	errno = 0;
	assert_int_equal(ibuf_get_n8(b, &v8), -1);
	assert_int_equal(errno, EBADMSG);
	ibuf_rewind(b);
	assert_int_equal(ibuf_size(b), 1 + 2 + 4 + 8 + 2 + 4 + 8);
	assert_int_equal(ibuf_skip(b, 29), 0);
	assert_int_equal(ibuf_skip(b, 1), -1);
	assert_int_equal(errno, EBADMSG);
	ibuf_free(b);
}

static void
test_reserve_seek_set(void **state)
{
	struct ibuf *b;
	unsigned char *p;
	uint16_t n16;
	uint32_t n32;

	(void)state;
	assert_non_null(b = ibuf_dynamic(4, 64));
	assert_non_null(p = ibuf_reserve(b, 16));
	assert_int_equal(p[0], 0);
	assert_int_equal(ibuf_size(b), 16);
	errno = 0;
	assert_null(ibuf_reserve(b, 49));
	assert_int_equal(errno, ERANGE);
	assert_null(ibuf_reserve(b, SIZE_MAX));
	assert_int_equal(errno, ERANGE);

	assert_ptr_equal(ibuf_seek(b, 4, 4), (unsigned char *)ibuf_data(b) + 4);
	assert_null(ibuf_seek(b, 13, 4));
	assert_int_equal(errno, ERANGE);
	assert_null(ibuf_seek(b, 17, 0));
	assert_null(ibuf_seek(b, 1, SIZE_MAX));
	assert_non_null(ibuf_seek(b, 16, 0));

	assert_int_equal(ibuf_set(b, 0, "abcd", 4), 0);
	assert_memory_equal(ibuf_data(b), "abcd", 4);
	assert_int_equal(ibuf_set(b, 14, "abcd", 4), -1);
	assert_int_equal(ibuf_set_n16(b, 4, 0x0102), 0);
	memcpy(&n16, (unsigned char *)ibuf_data(b) + 4, 2);
	assert_int_equal(ntohs(n16), 0x0102);
	assert_int_equal(ibuf_set_n32(b, 6, 0x01020304), 0);
	memcpy(&n32, (unsigned char *)ibuf_data(b) + 6, 4);
	assert_int_equal(ntohl(n32), 0x01020304);
	assert_int_equal(ibuf_set_h32(b, 10, 0x99), 0);
	memcpy(&n32, (unsigned char *)ibuf_data(b) + 10, 4);
	assert_int_equal(n32, 0x99);
	assert_int_equal(ibuf_set_n8(b, 15, 0x7f), 0);
	assert_int_equal(((unsigned char *)ibuf_data(b))[15], 0x7f);
	assert_int_equal(ibuf_set_n8(b, 15, 0x100), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_set_h16(b, 15, 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_set_n64(b, 8, 1), 0);
	assert_int_equal(ibuf_set_h64(b, 9, 1), -1);
	assert_int_equal(ibuf_set_h16(b, 0, 0x10000), -1);
	assert_int_equal(errno, EINVAL);

	/* Positions count from the read position. */
	assert_int_equal(ibuf_skip(b, 4), 0);
	assert_int_equal(ibuf_set(b, 0, "Z", 1), 0);
	ibuf_rewind(b);
	assert_int_equal(((unsigned char *)ibuf_data(b))[4], 'Z');
	ibuf_free(b);
}

static void
test_truncate_maxsize(void **state)
{
	struct ibuf *b;

	(void)state;
	assert_non_null(b = ibuf_dynamic(0, 32));
	assert_int_equal(ibuf_add(b, "abcdef", 6), 0);
	assert_int_equal(ibuf_truncate(b, 3), 0);
	assert_int_equal(ibuf_size(b), 3);
	assert_int_equal(ibuf_truncate(b, 8), 0);
	assert_int_equal(ibuf_size(b), 8);
	assert_memory_equal(ibuf_data(b), "abc\0\0\0\0\0", 8);

	/* The limit only goes down. */
	errno = 0;
	assert_int_equal(ibuf_set_maxsize(b, 33), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_set_maxsize(b, 10), 0);
	assert_int_equal(ibuf_left(b), 2);
	assert_int_equal(ibuf_add(b, "xyz", 3), -1);
	assert_int_equal(errno, ERANGE);
	ibuf_free(b);
}

static void
test_strings(void **state)
{
	struct ibuf *b;
	char out[8], *s;

	(void)state;
	assert_non_null(b = ibuf_dynamic(0, 64));
	assert_int_equal(ibuf_add_strbuf(b, "abc", 8), 0);
	assert_int_equal(ibuf_size(b), 8);
	assert_memory_equal(ibuf_data(b), "abc\0\0\0\0\0", 8);
	errno = 0;
	assert_int_equal(ibuf_add_strbuf(b, "abcdefgh", 8), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(ibuf_add_strbuf(b, "", 0), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(ibuf_size(b), 8);

	assert_int_equal(ibuf_get_strbuf(b, out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(ibuf_get_strbuf(b, out, 0), -1);
	assert_int_equal(errno, EINVAL);

	/* Not terminated within len: cut, EOVERFLOW, bytes consumed. */
	assert_int_equal(ibuf_add(b, "0123456789", 10), 0);
	assert_int_equal(ibuf_get_strbuf(b, out, 4), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_string_equal(out, "012");
	assert_int_equal(ibuf_size(b), 6);

	/* ibuf_get_string is strndup of len bytes. */
	assert_non_null(s = ibuf_get_string(b, 3));
	assert_string_equal(s, "456");
	free(s);
	assert_null(ibuf_get_string(b, 4));
	assert_int_equal(errno, EBADMSG);
	assert_non_null(s = ibuf_get_string(b, 0));
	assert_string_equal(s, "");
	free(s);
	ibuf_free(b);
}

static void
test_borrowed(void **state)
{
	struct ibuf *b, view, sub, peek;
	char bytes[] = "hello world";
	char out[6];

	(void)state;
	ibuf_from_buffer(&view, bytes, 11);
	assert_int_equal(ibuf_size(&view), 11);
	assert_int_equal(ibuf_left(&view), 0);
	assert_int_equal(ibuf_fd_avail(&view), 0);
	assert_int_equal(ibuf_fd_get(&view), -1);
	errno = 0;
	assert_null(ibuf_reserve(&view, 1));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_set_maxsize(&view, 1), -1);
	assert_int_equal(ibuf_truncate(&view, 12), -1);
	assert_int_equal(errno, ERANGE);

	/* A peek leaves its source alone. */
	ibuf_from_ibuf(&peek, &view);
	assert_int_equal(ibuf_get(&peek, out, 5), 0);
	assert_int_equal(ibuf_size(&view), 11);

	assert_int_equal(ibuf_get_ibuf(&view, 5, &sub), 0);
	assert_int_equal(ibuf_size(&sub), 5);
	assert_memory_equal(ibuf_data(&sub), "hello", 5);
	assert_int_equal(ibuf_size(&view), 6);
	assert_int_equal(ibuf_get_ibuf(&view, 7, &sub), -1);
	assert_int_equal(errno, EBADMSG);

	/* ibuf_add_ibuf appends what is left of the source. */
	assert_non_null(b = ibuf_open(6));
	assert_int_equal(ibuf_add_ibuf(b, &view), 0);
	assert_memory_equal(ibuf_data(b), " world", 6);
	ibuf_free(b);
}

static void
test_fd_ownership(void **state)
{
	struct ibuf *b;
	int p[2], q[2], fd;

	(void)state;
	xpipe(p);
	xpipe(q);
	assert_non_null(b = ibuf_open(1));
	ibuf_fd_set(b, p[0]);
	assert_true(ibuf_fd_avail(b));
	/* Setting another closes the first. */
	ibuf_fd_set(b, q[0]);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	fd = ibuf_fd_get(b);
	assert_int_equal(fd, q[0]);
	assert_false(ibuf_fd_avail(b));
	assert_int_equal(ibuf_fd_get(b), -1);
	/* Handed back: freeing the buffer leaves it open. */
	ibuf_free(b);
	assert_int_not_equal(fcntl(fd, F_GETFD), -1);

	/* A buffer freed with its descriptor closes it, keeping errno. */
	assert_non_null(b = ibuf_dynamic(0, 8));
	ibuf_fd_set(b, fd);
	errno = EDOM;
	ibuf_free(b);
	assert_int_equal(errno, EDOM);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	/* A negative descriptor clears. */
	assert_non_null(b = ibuf_open(0));
	ibuf_fd_set(b, -5);
	assert_int_equal(ibuf_fd_get(b), -1);
	ibuf_free(b);
	xclose(p[1]);
	xclose(q[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_open_fixed),
		fd_test(test_dynamic),
		fd_test(test_add_values),
		fd_test(test_get_values),
		fd_test(test_reserve_seek_set),
		fd_test(test_truncate_maxsize),
		fd_test(test_strings),
		fd_test(test_borrowed),
		fd_test(test_fd_ownership),
	};

	return cmocka_run_group_tests_name("imsg_ibuf", tests, NULL, NULL);
}
