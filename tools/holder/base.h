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
#define HOLD_CLIENT_TIMEOUT_MS	10000	/* a client making no progress */
/* A systemd notify datagram: systemd reads at most PIPE_BUF bytes too. */
#define HOLD_NOTIFY_MAX		4096
/* The text of one LIST entry: "tcp listener [addr]:port" and the like. */
#define HOLD_DESCRIPTION_MAX	(HOLDER_PAYLOAD_MAX - HOLDER_NAME_MAX - 1)

/* Milliseconds on the monotonic clock. */
int64_t hold_now_ms(void);

/* "fdpass hold: ..." on stderr, for what only the operator can act on. */
void hold_log(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
