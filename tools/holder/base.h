/* SPDX-License-Identifier: ISC */
/*
 * What every room of the holder uses and none owns: its limits, the
 * clock and the log.  Nothing here calls back into the other rooms, so
 * that no two files of the holder call each other in a circle.
 */
#ifndef FDPASS_HOLD_BASE_H
#define FDPASS_HOLD_BASE_H

#include <stdint.h>

#include "proto.h"

#define HOLD_ENTRIES_MAX	1024	/* descriptors held in all */
#define HOLD_CONNECTIONS_MAX	64	/* clients served at once */
#define HOLD_ALLOWED_UIDS_MAX	32	/* --allow-uid options */
#define HOLD_RETRIEVE_RULES_MAX	32	/* --allow-retrieve options */
#define HOLD_CLIENT_TIMEOUT_MS	10000	/* a client making no progress */
/* A systemd notify datagram: systemd reads at most PIPE_BUF bytes too. */
#define HOLD_NOTIFY_MAX		4096
/* The text of one LIST entry: "tcp listener [addr]:port" and the like. */
#define HOLD_DESCRIPTION_MAX	(HOLDER_PAYLOAD_MAX - HOLDER_NAME_MAX - 1)
/*
 * WAIT_READY's timeout when the client names none: systemd's
 * DEFAULT_TIMEOUT_USEC, the default TimeoutStartSec= (90 s).  A longer
 * one asked for is cut to the maximum, so that a parked connection whose
 * client never goes away still ends.
 */
#define HOLD_WAIT_READY_DEFAULT_MS	90000
#define HOLD_WAIT_READY_MAX_MS		3600000
/* Parked WAIT_READY connections at once: the other slots stay free for
   requests, which end within the client timeout. */
#define HOLD_PARKED_MAX		(HOLD_CONNECTIONS_MAX - 16)
/* Connections of one peer uid other than the holder's own, and the slots
   that only the holder's own uid can take. */
#define HOLD_CONNECTIONS_PER_UID_MAX	16
#define HOLD_CONNECTIONS_OWN_RESERVE	16
/* How often a connection is looked at while its client has not yet
   received the descriptors of the last reply (nothing wakes poll then). */
#define HOLD_DRAIN_CHECK_MS	50
/* ... and after its deadline, while the client keeps them unread. */
#define HOLD_DRAIN_IDLE_CHECK_MS	1000

/* Milliseconds on the monotonic clock. */
int64_t hold_now_ms(void);

/*
 * The log: "fdpass hold: ..." lines on stderr, for what only the operator
 * can act on.  Until hold_log_defer(), a line is written at once (start-up
 * errors).  After it, lines go into a fixed buffer that the poll loop
 * writes out only when poll() reports stderr writable, so that a stderr
 * nobody reads never stops the holder; and at most HOLD_LOG_BURST lines
 * in a row, then HOLD_LOG_PER_SEC a second, with one "N messages
 * suppressed" line for those left out (rate limit, or buffer full).
 */
#define HOLD_LOG_BURST		10
#define HOLD_LOG_PER_SEC	1
#define HOLD_LOG_LINE_MAX	256	/* longer messages are cut */
#define HOLD_LOG_BUFFER		8192	/* lines waiting for stderr */

void hold_log(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* From now on, hold_log() buffers (the poll loop runs). */
void hold_log_defer(void);
/* Whether buffered lines wait for stderr to be writable. */
int hold_log_pending(void);
/* Stderr is writable (poll's revents for it): one write, never blocking. */
void hold_log_flush(short revents);
/* At exit: the suppressed count and what stderr takes without waiting. */
void hold_log_finish(void);

#endif
