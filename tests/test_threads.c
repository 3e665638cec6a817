/* SPDX-License-Identifier: ISC */
/*
 * Many threads at once: the send and receive paths share no state, so
 * concurrent calls neither mix descriptors up nor leak them.  Worker
 * threads report failures by value (cmocka's asserts belong to the main
 * thread).
 */
#include "support.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "fdpass.h"

#define THREADS 8
#define ROUNDS 300

/* One thread, its own socketpair: pass a pipe end back and forth. */
static void *
private_round_trips(void *arg)
{
	int sv[2], p[2], got, i, ok = 1;
	unsigned char b = 0, in;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };

	(void)arg;
	if (fdpass_socketpair(SOCK_STREAM, sv) != 0 || pipe(p) != 0)
		return (void *)"setup";
	for (i = 0; i < ROUNDS && ok; i++) {
		b = (unsigned char)i;
		got = -1;
		ok = fdpass_send_with_fd(sv[i & 1], &iov, 1, p[1]) == 1 &&
		    fdpass_recv_with_fd(sv[!(i & 1)], &in, 1, &got) == 1 &&
		    in == b && got >= 0 && write(got, &b, 1) == 1 &&
		    read(p[0], &in, 1) == 1 && in == b;
		if (got >= 0)
			close(got);
	}
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	return ok ? NULL : (void *)"round trip";
}

static void
threads_on_private_sockets(void **state)
{
	pthread_t t[THREADS];
	void *result;
	int i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL,
		    private_round_trips, NULL), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &result), 0);
		if (result != NULL)
			fail_msg("thread %d failed: %s", i, (char *)result);
	}
}

struct sender {
	int sock;
	int fd;		/* write end of this sender's pipe */
	unsigned char id;
};

static void *
send_many(void *arg)
{
	struct sender *s = arg;
	struct iovec iov = { .iov_base = &s->id, .iov_len = 1 };
	int i;

	for (i = 0; i < ROUNDS; i++) {
		/* A full datagram queue is ENOBUFS, not a wait, on the BSDs. */
		while (fdpass_send_with_fd(s->sock, &iov, 1, s->fd) != 1)
			if (errno != ENOBUFS)
				return (void *)"send";
			else
				sched_yield();
	}
	return NULL;
}

/*
 * Several senders share one message socket (SEQPACKET, or DGRAM where
 * there is none); every message the single receiver gets carries exactly
 * its sender's pipe.
 */
static void
threads_on_a_shared_socket(void **state)
{
	struct sender senders[THREADS];
	pthread_t t[THREADS];
	int sv[2], reads[THREADS], p[2], got, i, seen[THREADS] = { 0 };
	unsigned char id, in;
	void *result;

	(void)state;
	xsocketpair(message_socket_type(), sv);
	for (i = 0; i < THREADS; i++) {
		xpipe(p);
		reads[i] = p[0];
		senders[i] = (struct sender){ .sock = sv[0], .fd = p[1],
		    .id = (unsigned char)i };
		assert_int_equal(pthread_create(&t[i], NULL, send_many,
		    &senders[i]), 0);
	}
	for (i = 0; i < THREADS * ROUNDS; i++) {
		got = -1;
		assert_int_equal(fdpass_recv_with_fd(sv[1], &id, 1, &got), 1);
		assert_true(id < THREADS);
		assert_true(got >= 0);
		assert_int_equal(write(got, &id, 1), 1);
		assert_int_equal(read(reads[id], &in, 1), 1);
		assert_int_equal(in, id);
		xclose(got);
		seen[id]++;
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &result), 0);
		assert_null(result);
		assert_int_equal(seen[i], ROUNDS);
		xclose(reads[i]);
		xclose(senders[i].fd);
	}
	xclose_all(sv, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		fd_test(threads_on_private_sockets),
		fd_test(threads_on_a_shared_socket),
	};

	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
