/* SPDX-License-Identifier: ISC */
/* Helpers shared by the cmocka suites. */
#ifndef FDPASS_TEST_SUPPORT_H
#define FDPASS_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>

/* Open descriptors in this process (tools/fdcount.c); fails the test
   when they cannot be counted. */
size_t count_open_fds(void);

/*
 * Setup and teardown for every test: the teardown fails the test when the
 * count of open descriptors differs from the one the setup saw.
 */
int fd_baseline_setup(void **state);
int fd_baseline_teardown(void **state);
#define fd_test(f) cmocka_unit_test_setup_teardown(f, fd_baseline_setup, \
	fd_baseline_teardown)

/* Failing wrappers: a test that cannot set itself up fails, loudly. */
void xpipe(int p[2]);
void xsocketpair(int type, int sv[2]);
void xclose(int fd);
void xclose_all(const int *fds, size_t n);

int has_cloexec(int fd);
int is_nonblocking(int fd);

/*
 * Proves that `received` is the same open file as the pipe whose read end
 * is `original_read`: a byte written through one is read from the other.
 */
void assert_same_pipe(int original_read, int received_write);

/*
 * AF_UNIX SOCK_SEQPACKET is missing on macOS (xnu uipc_proto.c).
 * has_seqpacket() tells; require_seqpacket() skips the calling test with
 * the reason; message_socket_type() is SEQPACKET where it exists, else
 * DGRAM, for tests that need message boundaries, not SEQPACKET itself;
 * socket_types() lists STREAM, DGRAM and SEQPACKET where it exists.
 */
int has_seqpacket(void);
void require_seqpacket(void);
int message_socket_type(void);
size_t socket_types(int types[3]);

/*
 * Whether the fd calls may ask the kernel what a socket is: not on FreeBSD
 * and OpenBSD, whose sandboxes refuse it (docs/guarantees.md, "What the fd
 * calls check"); there they cannot tell a TCP or UDP socket from an
 * AF_UNIX one, nor read back a stream's data after no free slot.
 */
int fd_calls_ask(void);

/* Raises the soft RLIMIT_NOFILE as far as the hard limit allows. */
void raise_fd_limit(void);

/* Sends one byte and n descriptors with the library, asserting success. */
void send_fds(int sock, const int *fds, size_t n);

/* Nothing is waiting on sock (a non-blocking peek finds no data). */
void assert_nothing_queued(int sock);

#endif
