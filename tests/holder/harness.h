/* SPDX-License-Identifier: ISC */
/*
 * What the holder tests share: a running `fdpass hold` (the real command,
 * under FDPASS_TEST_HOLDER_WRAPPER when set, e.g. valgrind), requests to
 * it with the protocol code of tools/holder/proto.c or with raw bytes,
 * notify datagrams, and the client commands run as processes.  Each test
 * file is one ctest test (label holder).
 */
#ifndef FDPASS_TEST_HOLDER_HARNESS_H
#define FDPASS_TEST_HOLDER_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>

#include "support.h"
#include "fdpass.h"
#include "holder/proto.h"

#ifndef FDPASS_TEST_CLI
#error "FDPASS_TEST_CLI: the fdpass command to test"
#endif
#ifndef FDPASS_TEST_LISTEN_CHECK
#error "FDPASS_TEST_LISTEN_CHECK: listen_fds_check"
#endif
/* qemu-user for a cross build's binaries, "" when they run natively. */
#ifndef FDPASS_TEST_EMULATOR
#define FDPASS_TEST_EMULATOR ""
#endif

struct running_holder {
	pid_t spawned;		/* our child: the holder or its wrapper */
	pid_t pid;		/* the holder itself, from INFO */
	char dir[64];
	char ctl[128];		/* the control socket */
	char notify[128];	/* the notify socket */
};

/* The holder of the current test: started by setup(), stopped by
   teardown(). */
extern struct running_holder holder;

const char *holder_wrapper(void);

void sleep_ms(long ms);

/* In a child about to exec: only 0, 1 and 2 stay open. */
void close_from_3(void);

/*
 * In a child: executes `fdpass argv[1]...` (argv[0] is ignored), under the
 * emulator of a cross build, as is listen_fds_check wherever it appears.
 */
void exec_fdpass(char *const argv[]);

/* Whether the holder's RSS is its own (not valgrind's or qemu's). */
int holder_runs_natively(void);

/* A connection, or -1 while the holder is not there yet. */
int try_connect(const char *path);

int xconnect(void);

/* One request on an open connection; returns the reply's code. */
int request_on(int sock, int code, const void *payload, size_t len,
    const int *fds, size_t nfds, struct holder_reply *r);

/* One request on a connection of its own. */
int request(int code, const void *payload, size_t len, const int *fds,
    size_t nfds, struct holder_reply *r);

void get_info(struct holder_info *info);

void store(const char *name, int fd);

/* RETRIEVE: returns the count, descriptors in r (the caller closes). */
size_t retrieve(const char *name, struct holder_reply *r);

/* The error reply's code, and the holder closed the connection. */
void assert_error_then_closed(int sock, enum holder_error want);

void spawn_holder(char *const extra[]);

/* Until the holder answers (valgrind takes its time), then its pid. */
void wait_for_holder(void);

void start_holder(char *const extra[]);

/* Replaces the test's holder with one started with extra, its directory
   open to other users (for --allow-uid tests run as root). */
void restart_holder_for_others(char *const extra[]);

/* Replaces the test's holder (started by setup()) with one run as uid,
   its directory owned by it, with RLIMIT_NOFILE at nofile: for limits
   that do not bind root.  Skips the test where that cannot be done (the
   test itself under valgrind). */
void start_holder_as(uid_t uid, rlim_t nofile, char *const extra[]);

/* Signals the holder and expects a clean exit: 0, socket files gone. */
void stop_holder(int sig);

int setup(void **state);

int teardown(void **state);

/* A listening TCP socket on 127.0.0.1, its port in *port. */
int tcp_listener(unsigned *port);

int unix_listener(const char *path);

/* Sends raw bytes (with fds) as one message. */
void send_raw(int sock, const void *bytes, size_t len, const int *fds,
    size_t nfds);

void raw_header(unsigned char *out, int version, int code, int nfds,
    uint32_t length);

void expect_malformed(const unsigned char *bytes, size_t len, const int *fds,
    size_t nfds);

/*
 * INFO once the holder has closed every other connection (and with each
 * what it held for it): its only connection is the one asking.
 */
struct holder_info holder_settled(void);

/*
 * One datagram of exactly len bytes (NUL bytes included) to the holder's
 * notify socket, sent as sd_notify(3) sends it: from an unconnected
 * socket, the path in msg_name.
 */
void notify_bytes(const char *bytes, size_t len, const int *fds, size_t nfds);

void notify(const char *text, const int *fds, size_t nfds);

/* Entries named name, after the datagrams sent so far are applied. */
size_t count_named_eventually(const char *name, size_t want);

/* INFO once the holder has seen `want` READY=1 messages (or given up). */
struct holder_info ready_count_eventually(uint32_t want);

/*
 * Runs `fdpass exec` with only 0, 1, 2 open, so that the holder
 * connection takes 3 and the descriptors arrive at 4.. inside the range
 * they must move into.  Returns the exit status.
 */
int run_exec(char *const argv[], int quiet);

void assert_reads(int fd, const char *want);

/*
 * Runs `fdpass ARGS...` with stdin from /dev/null; its stdout, up to
 * size - 1 bytes, in out.  Returns the exit status.
 */
int run_cli(char *const argv[], char *out, size_t size);

#ifdef __linux__
/*
 * A notify datagram that says it comes from uid (root may say so), with
 * SCM_CREDENTIALS as libsystemd adds them, and one descriptor.
 */
void notify_as(uid_t uid, const char *text, int fd);
#endif

#define holder_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
