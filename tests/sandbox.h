/* SPDX-License-Identifier: ISC */
/*
 * Scenarios run inside a sandbox that refuses every system call but the
 * few struct fdpass_sock may make (test_seccomp on Linux, test_capsicum on
 * FreeBSD).  Each runs in a child: setup first (sockets, handles, pipes,
 * limits), then sandbox_enter(), then the library calls and checks.  A
 * failed check or a refused call (the sandbox's signal, whose handler
 * calls sandbox_report_refused) ends the child with a report the parent
 * turns into the test's failure.
 */
#ifndef FDPASS_TEST_SANDBOX_H
#define FDPASS_TEST_SANDBOX_H

#include <stdio.h>
#include <sys/types.h>

#include "fdpass.h"

/* Provided by each sandbox test. */
void sandbox_require(void);		/* skips the test where there is none */
void sandbox_enter(void);		/* in the child, after the setup */
void sandbox_limit(int sock);		/* a socket the scenario will use */

/* Ends the child at once, with no exit handler (a sanitizer's leak check
   makes system calls). */
void sandbox_exit(int status);
void sandbox_report(const char *text);
/* For the sandbox's signal handler: the refused call's number. */
void sandbox_report_refused(long syscall_number);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		char line_[160];					\
		snprintf(line_, sizeof line_, "line %d: %s (errno %d)\n", \
		    __LINE__, #cond, errno);				\
		sandbox_report(line_);					\
		sandbox_exit(1);					\
	}								\
} while (0)

/* Runs scenario(type) in a child; fails the cmocka test with its report. */
void run_sandboxed(void (*scenario)(int), int type, int refused_signal);

void scenario_round_trip(int type);
void scenario_truncation(int type);
void scenario_eagain_and_full(int type);
void scenario_no_free_slot(int type);
void scenario_vanished_peer(int type);
void scenario_reset_on_send(int type);

#define SANDBOXED(name, scenario, type, sig)				\
static void								\
name(void **state)							\
{									\
	(void)state;							\
	run_sandboxed(scenario, type, sig);				\
}

/* The cmocka tests of every scenario and type, for SIG the sandbox's. */
#define SANDBOX_TESTS(sig)						\
SANDBOXED(round_trip_stream, scenario_round_trip, SOCK_STREAM, sig)	\
SANDBOXED(round_trip_dgram, scenario_round_trip, SOCK_DGRAM, sig)	\
SANDBOXED(round_trip_seqpacket, scenario_round_trip, SOCK_SEQPACKET, sig) \
SANDBOXED(truncation_stream, scenario_truncation, SOCK_STREAM, sig)	\
SANDBOXED(truncation_dgram, scenario_truncation, SOCK_DGRAM, sig)	\
SANDBOXED(truncation_seqpacket, scenario_truncation, SOCK_SEQPACKET, sig) \
SANDBOXED(eagain_and_full_stream, scenario_eagain_and_full, SOCK_STREAM, sig) \
SANDBOXED(eagain_and_full_dgram, scenario_eagain_and_full, SOCK_DGRAM, sig) \
SANDBOXED(eagain_and_full_seqpacket, scenario_eagain_and_full,		\
    SOCK_SEQPACKET, sig)						\
SANDBOXED(no_free_slot_stream, scenario_no_free_slot, SOCK_STREAM, sig) \
SANDBOXED(no_free_slot_dgram, scenario_no_free_slot, SOCK_DGRAM, sig)	\
SANDBOXED(no_free_slot_seqpacket, scenario_no_free_slot, SOCK_SEQPACKET, sig) \
SANDBOXED(vanished_peer_stream, scenario_vanished_peer, SOCK_STREAM, sig) \
SANDBOXED(vanished_peer_dgram, scenario_vanished_peer, SOCK_DGRAM, sig) \
SANDBOXED(vanished_peer_seqpacket, scenario_vanished_peer,		\
    SOCK_SEQPACKET, sig)						\
SANDBOXED(reset_on_send_seqpacket, scenario_reset_on_send,		\
    SOCK_SEQPACKET, sig)

#define SANDBOX_TEST_LIST(wrap)						\
	wrap(round_trip_stream), wrap(round_trip_dgram),		\
	wrap(round_trip_seqpacket), wrap(truncation_stream),		\
	wrap(truncation_dgram), wrap(truncation_seqpacket),		\
	wrap(eagain_and_full_stream), wrap(eagain_and_full_dgram),	\
	wrap(eagain_and_full_seqpacket), wrap(no_free_slot_stream),	\
	wrap(no_free_slot_dgram), wrap(no_free_slot_seqpacket),		\
	wrap(vanished_peer_stream), wrap(vanished_peer_dgram),		\
	wrap(vanished_peer_seqpacket), wrap(reset_on_send_seqpacket)

#endif
