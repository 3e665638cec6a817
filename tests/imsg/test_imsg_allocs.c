/* SPDX-License-Identifier: ISC */
/*
 * libfdpass-imsg: heap allocations per message in steady state (glibc
 * only; skipped elsewhere).  Composing costs none once the channel has
 * written as many messages as it keeps buffers for; receiving costs the
 * one buffer imsg_free() frees (docs/imsg.md, "Performance", says why).
 */
#include "support.h"
#include "alloc_count.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <string.h>
#include <unistd.h>

#include <imsg.h>

#define BURST	32
#define PAYLOAD	64

struct pair {
	int		sv[2];
	int		p[2];		/* descriptors to send: dups of p[0] */
	struct imsgbuf	a;		/* sends */
	struct imsgbuf	b;		/* receives */
};

/*
 * Skips where the library's allocations are not counted: not glibc, or an
 * allocator that takes the library's malloc calls over (valgrind's does,
 * and the counts would read 0).  ibufq_new allocates once.
 */
static void
need_counting(void)
{
	unsigned long before = allocations;

	if (!COUNTING_ALLOCATIONS)
		skip();
	ibufq_free(ibufq_new());
	if (allocations == before)
		skip();
}

static void
pair_open(struct pair *p)
{
	xsocketpair(SOCK_STREAM, p->sv);
	assert_int_equal(pipe(p->p), 0);
	assert_int_equal(imsgbuf_init(&p->a, p->sv[0]), 0);
	assert_int_equal(imsgbuf_init(&p->b, p->sv[1]), 0);
	imsgbuf_allow_fdpass(&p->a);
	imsgbuf_allow_fdpass(&p->b);
}

static void
pair_close(struct pair *p)
{
	imsgbuf_clear(&p->a);
	imsgbuf_clear(&p->b);
	xclose_all(p->sv, 2);
	xclose_all(p->p, 2);
}

static void
compose_n(struct pair *p, int n, int withfd)
{
	unsigned char data[PAYLOAD];
	int i, fd;

	memset(data, 0xa5, sizeof(data));
	for (i = 0; i < n; i++) {
		fd = -1;
		if (withfd)
			assert_true((fd = dup(p->p[0])) >= 0);
		assert_int_equal(imsg_compose(&p->a, 1, (uint32_t)i, 0, fd,
		    data, sizeof(data)), 1);
	}
}

/* Reads n messages of len bytes, checking them; what that allocated. */
static unsigned long
receive_n(struct pair *p, int n, size_t len, int withfd)
{
	unsigned long before = allocations;
	struct imsg m;
	int got = 0, rv, fd;

	while (got < n) {
		while ((rv = imsgbuf_get(&p->b, &m)) == 1) {
			assert_int_equal(imsg_get_id(&m), (uint32_t)got);
			assert_int_equal(imsg_get_len(&m), len);
			fd = imsg_get_fd(&m);
			assert_int_equal(fd >= 0, withfd);
			if (fd >= 0)
				close(fd);
			imsg_free(&m);
			got++;
		}
		assert_int_equal(rv, 0);
		if (got < n)
			assert_int_equal(imsgbuf_read(&p->b), 1);
	}
	return allocations - before;
}

/* Bursts through the channel until whatever it keeps for reuse is full. */
static void
warm_up(struct pair *p, int withfd)
{
	int i;

	for (i = 0; i < 4; i++) {
		compose_n(p, BURST, withfd);
		assert_int_equal(imsgbuf_flush(&p->a), 0);
		(void)receive_n(p, BURST, PAYLOAD, withfd);
	}
}

static void
steady_state(int withfd)
{
	struct pair p;
	unsigned long before;

	need_counting();
	pair_open(&p);
	warm_up(&p, withfd);

	before = allocations;
	compose_n(&p, BURST, withfd);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	assert_int_equal(allocations - before, 0);
	/* One buffer per message: the one imsg_free() frees. */
	assert_int_equal(receive_n(&p, BURST, PAYLOAD, withfd), BURST);
	pair_close(&p);
}

static void
test_compose_no_allocation(void **state)
{
	(void)state;
	steady_state(0);
}

static void
test_compose_fd_no_allocation(void **state)
{
	(void)state;
	steady_state(1);
}

static void
test_create_composev_no_allocation(void **state)
{
	unsigned char data[PAYLOAD / 2];
	struct iovec iov[2];
	struct ibuf *wbuf;
	struct pair p;
	unsigned long before;
	int i;

	(void)state;
	need_counting();
	pair_open(&p);
	warm_up(&p, 0);
	memset(data, 0x5a, sizeof(data));
	iov[0].iov_base = iov[1].iov_base = data;
	iov[0].iov_len = iov[1].iov_len = sizeof(data);

	before = allocations;
	for (i = 0; i < BURST; i++) {
		if (i % 2) {
			assert_int_equal(imsg_composev(&p.a, 1, (uint32_t)i,
			    0, -1, iov, 2), 1);
			continue;
		}
		assert_non_null(wbuf = imsg_create(&p.a, 1, (uint32_t)i, 0,
		    PAYLOAD));
		assert_int_equal(imsg_add(wbuf, data, sizeof(data)),
		    (int)sizeof(data));
		assert_int_equal(imsg_add(wbuf, data, sizeof(data)),
		    (int)sizeof(data));
		imsg_close(&p.a, wbuf);
	}
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	assert_int_equal(allocations - before, 0);
	assert_int_equal(receive_n(&p, BURST, PAYLOAD, 0), BURST);
	pair_close(&p);
}

/* Gets what has arrived, ids counting on from *got. */
static void
get_available(struct pair *p, int *got)
{
	struct imsg m;
	int rv;

	while ((rv = imsgbuf_get(&p->b, &m)) == 1) {
		assert_int_equal(imsg_get_id(&m), (uint32_t)*got);
		imsg_free(&m);
		(*got)++;
	}
	assert_int_equal(rv, 0);
}

/* What a channel keeps for reuse is bounded, not all it ever wrote. */
static void
test_reuse_bounded(void **state)
{
	const int n = 1000;
	struct pair p;
	unsigned long before, allocs[2];
	int i, got;

	(void)state;
	need_counting();
	pair_open(&p);
	for (i = 0; i < 2; i++) {
		before = allocations;
		compose_n(&p, n, 0);
		allocs[i] = allocations - before;
		/* More than the socket holds: read what each write sent. */
		got = 0;
		while (imsgbuf_queuelen(&p.a) > 0) {
			assert_int_equal(imsgbuf_write(&p.a), 0);
			assert_int_equal(imsgbuf_read(&p.b), 1);
			get_available(&p, &got);
		}
		while (got < n) {
			assert_int_equal(imsgbuf_read(&p.b), 1);
			get_available(&p, &got);
		}
	}
	/* The second burst reused some buffers, and allocated for the rest. */
	assert_true(allocs[1] < allocs[0]);
	assert_true(allocs[1] > 0);
	pair_close(&p);
}

/*
 * A reused buffer is as a new one: its bytes zero (what the last message
 * held does not show through ibuf_reserve), and it grows to maxsize.
 */
static void
test_reused_buffer_is_new(void **state)
{
	unsigned char zero[PAYLOAD], big[1000];
	unsigned char *r;
	struct ibuf *wbuf;
	struct imsg m;
	struct pair p;
	int rv;

	(void)state;
	pair_open(&p);
	warm_up(&p, 0);
	memset(zero, 0, sizeof(zero));
	assert_non_null(wbuf = imsg_create(&p.a, 1, 0, 0, PAYLOAD));
	assert_int_equal(ibuf_size(wbuf), IMSG_HEADER_SIZE);
	assert_non_null(r = ibuf_reserve(wbuf, PAYLOAD));
	assert_memory_equal(r, zero, PAYLOAD);
	ibuf_free(wbuf);

	memset(big, 0x3c, sizeof(big));
	assert_non_null(wbuf = imsg_create(&p.a, 2, 0, 0, 8));
	assert_int_equal(imsg_add(wbuf, big, sizeof(big)), (int)sizeof(big));
	imsg_close(&p.a, wbuf);
	assert_int_equal(imsgbuf_flush(&p.a), 0);
	while ((rv = imsgbuf_get(&p.b, &m)) == 0)
		assert_int_equal(imsgbuf_read(&p.b), 1);
	assert_int_equal(rv, 1);
	assert_int_equal(imsg_get_type(&m), 2);
	assert_int_equal(imsg_get_len(&m), sizeof(big));
	assert_memory_equal(m.data, big, sizeof(big));
	imsg_free(&m);
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(test_compose_no_allocation),
		fd_test(test_compose_fd_no_allocation),
		fd_test(test_create_composev_no_allocation),
		fd_test(test_reuse_bounded),
		fd_test(test_reused_buffer_is_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
