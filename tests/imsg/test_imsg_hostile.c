/* SPDX-License-Identifier: ISC */
/*
 * libfdpass-imsg's reader against a raw peer: headers straddling reads
 * keep their descriptor; lying or malformed headers get an error; the
 * kernel failing to install a descriptor is not an error; and whatever
 * happens, every descriptor is returned or closed (each test checks the
 * process's open descriptors before and after).
 */
#include "support.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fdpass.h>
#include <imsg.h>

#define FD_MARK	0x80000000U

struct peer {
	int		sv[2];		/* sv[0] raw, sv[1] the imsgbuf's */
	struct imsgbuf	ib;
};

static void
peer_open(struct peer *p)
{
	xsocketpair(SOCK_STREAM, p->sv);
	assert_int_equal(imsgbuf_init(&p->ib, p->sv[1]), 0);
	imsgbuf_allow_fdpass(&p->ib);
}

static void
peer_close(struct peer *p)
{
	imsgbuf_clear(&p->ib);
	xclose_all(p->sv, 2);
}

static void
make_hdr(unsigned char out[16], uint32_t type, uint32_t len)
{
	struct imsg_hdr h;

	h.type = type;
	h.len = len;
	h.peerid = 0;
	h.pid = 1;
	memcpy(out, &h, sizeof(h));
}

/* Writes bytes raw, with fd (when >= 0) on their first byte. */
static void
raw_send(int sock, const void *bytes, size_t len, int fd)
{
	struct iovec iov;

	iov.iov_base = (void *)bytes;
	iov.iov_len = len;
	if (fd >= 0)
		assert_int_equal(fdpass_send_with_fd(sock, &iov, 1, fd),
		    (ssize_t)len);
	else
		assert_int_equal(write(sock, bytes, len), (ssize_t)len);
}

static void
test_straddle_two_reads(void **state)
{
	struct peer p;
	struct imsg imsg;
	unsigned char h[16];
	int pp[2], fd;

	(void)state;
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 7, 16 | FD_MARK);
	/* Half a header with the descriptor, read; then the rest. */
	raw_send(p.sv[0], h, 8, pp[1]);
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 0);
	raw_send(p.sv[0], h + 8, 8, -1);
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
	assert_int_equal(imsg_get_type(&imsg), 7);
	fd = imsg_get_fd(&imsg);
	assert_true(fd >= 0);
	assert_same_pipe(pp[0], fd);
	imsg_free(&imsg);
	xclose(fd);
	xclose_all(pp, 2);
	peer_close(&p);
}

static void
test_straddle_byte_by_byte(void **state)
{
	struct peer p;
	struct imsg imsg;
	unsigned char msg[16 + 4];
	int pp[2], fd, i, round;

	(void)state;
	peer_open(&p);
	xpipe(pp);
	make_hdr(msg, 8, sizeof(msg) | FD_MARK);
	memcpy(msg + 16, "data", 4);
	/* Twice, so the second message starts where the first ended. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < (int)sizeof(msg); i++) {
			raw_send(p.sv[0], msg + i, 1, i == 0 ? pp[1] : -1);
			assert_int_equal(imsgbuf_read(&p.ib), 1);
			if (i + 1 < (int)sizeof(msg))
				assert_int_equal(imsgbuf_get(&p.ib, &imsg), 0);
		}
		assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
		assert_memory_equal(imsg.data, "data", 4);
		fd = imsg_get_fd(&imsg);
		assert_true(fd >= 0);
		assert_same_pipe(pp[0], fd);
		imsg_free(&imsg);
		xclose(fd);
	}
	xclose_all(pp, 2);
	peer_close(&p);
}

static void
test_pending_closed_by_clear(void **state)
{
	struct peer p;
	unsigned char h[16];
	int pp[2];

	(void)state;
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 1, 16 | FD_MARK);
	raw_send(p.sv[0], h, 5, pp[1]);
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	xclose_all(pp, 2);
	/* The waiting descriptor goes with the imsgbuf. */
	peer_close(&p);
}

/* A bad header gets err from this read and the next; nothing leaks. */
static void
expect_error(struct peer *p, int err)
{
	errno = 0;
	assert_int_equal(imsgbuf_read(&p->ib), -1);
	assert_int_equal(errno, err);
	errno = 0;
	assert_int_equal(imsgbuf_read(&p->ib), -1);
	assert_int_equal(errno, err);
}

static void
test_len_below_header(void **state)
{
	struct peer p;
	unsigned char h[16];
	int pp[2];

	(void)state;
	peer_open(&p);
	make_hdr(h, 1, 15);
	raw_send(p.sv[0], h, 16, -1);
	expect_error(&p, ERANGE);
	peer_close(&p);

	/* With a descriptor: closed. */
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 1, 8 | FD_MARK);
	raw_send(p.sv[0], h, 16, pp[1]);
	expect_error(&p, ERANGE);
	xclose_all(pp, 2);
	peer_close(&p);
}

static void
test_len_above_maxsize(void **state)
{
	struct peer p;
	struct imsg imsg;
	unsigned char h[16 + 8] = { 0 };
	int pp[2];

	(void)state;
	peer_open(&p);
	assert_int_equal(imsgbuf_set_maxsize(&p.ib, 8), 0);
	/* A good message first: it stays gettable after the error. */
	make_hdr(h, 1, 16 + 8);
	raw_send(p.sv[0], h, 24, -1);
	xpipe(pp);
	make_hdr(h, 2, (16 + 9) | FD_MARK);
	raw_send(p.sv[0], h, 16, pp[1]);
	/* Both may come in one read or two. */
	if (imsgbuf_read(&p.ib) == 1 && imsgbuf_get(&p.ib, &imsg) == 1) {
		assert_int_equal(imsg_get_type(&imsg), 1);
		imsg_free(&imsg);
		expect_error(&p, ERANGE);
	} else {
		assert_int_equal(errno, ERANGE);
		assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
		assert_int_equal(imsg_get_type(&imsg), 1);
		imsg_free(&imsg);
	}
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 0);
	xclose_all(pp, 2);
	peer_close(&p);

	/* Over the default limit, and the largest length there is. */
	peer_open(&p);
	make_hdr(h, 1, MAX_IMSGSIZE + 1);
	raw_send(p.sv[0], h, 16, -1);
	expect_error(&p, ERANGE);
	peer_close(&p);
	peer_open(&p);
	make_hdr(h, 1, 0x7fffffffU);
	raw_send(p.sv[0], h, 16, -1);
	expect_error(&p, ERANGE);
	peer_close(&p);
}

static void
test_mark_without_descriptor(void **state)
{
	struct peer p;
	unsigned char h[16];

	(void)state;
	peer_open(&p);
	make_hdr(h, 1, 16 | FD_MARK);
	raw_send(p.sv[0], h, 16, -1);
	expect_error(&p, EBADMSG);
	peer_close(&p);
}

static void
test_descriptor_without_mark(void **state)
{
	struct peer p;
	struct imsg imsg;
	unsigned char h[32];
	int pp[2];

	(void)state;
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 1, 16);
	make_hdr(h + 16, 2, 16);
	raw_send(p.sv[0], h, 32, pp[1]);
	expect_error(&p, EBADMSG);
	/* The descriptor is gone: only the pipe's own ends stay. */
	while (imsgbuf_get(&p.ib, &imsg) == 1)
		imsg_free(&imsg);
	xclose_all(pp, 2);
	peer_close(&p);

	/* In the middle of a message's payload. */
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 1, 32);
	raw_send(p.sv[0], h, 16, -1);
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	raw_send(p.sv[0], h + 16, 16, pp[1]);
	errno = 0;
	assert_int_equal(imsgbuf_read(&p.ib), -1);
	assert_int_equal(errno, EBADMSG);
	xclose_all(pp, 2);
	peer_close(&p);
}

static void
test_two_descriptors_one_message(void **state)
{
	struct peer p;
	struct imsg imsg;
	struct iovec iov;
	unsigned char h[16];
	int pp[2], fds[2];

	(void)state;
	peer_open(&p);
	xpipe(pp);
	make_hdr(h, 3, 16 | FD_MARK);
	iov.iov_base = h;
	iov.iov_len = sizeof(h);
	fds[0] = pp[0];
	fds[1] = pp[1];
	assert_int_equal(fdpass_send_with_fds(p.sv[0], &iov, 1, fds, 2), 16);
	/* More than imsg sends: both closed, the message comes without. */
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
	assert_int_equal(imsg_get_type(&imsg), 3);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);
	xclose_all(pp, 2);
	peer_close(&p);
}

/* Fills every free slot below the soft limit, set just above the last. */
static size_t
exhaust_fds(int *fill, size_t cap, struct rlimit *saved)
{
	struct rlimit rl;
	size_t n = 0;
	int fd, top = 0;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			top = fd;
	rl = *saved;
	rl.rlim_cur = (rlim_t)top + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < cap && (fd = dup(0)) != -1)
		fill[n++] = fd;
	assert_int_equal(errno, EMFILE);
	return n;
}

/*
 * valgrind emulates RLIMIT_NOFILE for the calls it wraps, while the kernel
 * installs received descriptors under the real limit: the case cannot be
 * made there (as in test_recv.c).
 */
static void
skip_under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	if (preload != NULL && strstr(preload, "vgpreload") != NULL) {
		print_message("valgrind emulates RLIMIT_NOFILE: run natively "
		    "only\n");
		skip();
	}
}

static void
test_no_free_slot(void **state)
{
	struct peer p;
	struct imsg imsg;
	struct rlimit saved;
	struct imsgbuf a;
	int fill[1024], pp[2], fd;
	size_t n;

	(void)state;
	skip_under_valgrind();
	peer_open(&p);
	assert_int_equal(imsgbuf_init(&a, p.sv[0]), 0);
	imsgbuf_allow_fdpass(&a);
	xpipe(pp);
	assert_int_equal(imsg_compose(&a, 1, 0, 0,
	    fcntl(pp[0], F_DUPFD_CLOEXEC, 0), "a", 1), 1);
	assert_int_equal(imsgbuf_flush(&a), 0);
	n = exhaust_fds(fill, 1024, &saved);
	/* The kernel cannot install it: the message comes without. */
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	xclose_all(fill, n);
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
	assert_int_equal(imsg_get_type(&imsg), 1);
	assert_int_equal(imsg_get_fd(&imsg), -1);
	imsg_free(&imsg);

	/* And the channel goes on. */
	assert_int_equal(imsg_compose(&a, 2, 0, 0,
	    fcntl(pp[0], F_DUPFD_CLOEXEC, 0), "b", 1), 1);
	assert_int_equal(imsgbuf_flush(&a), 0);
	assert_int_equal(imsgbuf_read(&p.ib), 1);
	assert_int_equal(imsgbuf_get(&p.ib, &imsg), 1);
	assert_int_equal(imsg_get_type(&imsg), 2);
	fd = imsg_get_fd(&imsg);
	assert_true(fd >= 0);
	imsg_free(&imsg);
	xclose(fd);
	imsgbuf_clear(&a);
	xclose_all(pp, 2);
	peer_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_straddle_two_reads),
		fd_test(test_straddle_byte_by_byte),
		fd_test(test_pending_closed_by_clear),
		fd_test(test_len_below_header),
		fd_test(test_len_above_maxsize),
		fd_test(test_mark_without_descriptor),
		fd_test(test_descriptor_without_mark),
		fd_test(test_two_descriptors_one_message),
		fd_test(test_no_free_slot),
	};

	return cmocka_run_group_tests_name("imsg_hostile", tests, NULL, NULL);
}
