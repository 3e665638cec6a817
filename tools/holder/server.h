/* SPDX-License-Identifier: ISC */
/* The holder's entry point, for `fdpass hold` (tools/cmd_hold.c). */
#ifndef FDPASS_HOLD_SERVER_H
#define FDPASS_HOLD_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "base.h"

struct hold_config {
	const char *socket_path;	/* the control socket */
	const char *notify_path;	/* NULL: no notify socket */
	uid_t allowed_uids[HOLD_ALLOWED_UIDS_MAX];	/* --allow-uid */
	size_t allowed_count;
	/* --allow-retrieve USER:NAME; the names point into argv. */
	uid_t retrieve_uids[HOLD_RETRIEVE_RULES_MAX];
	const char *retrieve_names[HOLD_RETRIEVE_RULES_MAX];
	size_t retrieve_count;
};

/*
 * Serves until SIGTERM, or SIGINT unless it was ignored at start (SIGHUP
 * is ignored), then closes everything and removes the socket files.
 * Returns the exit status: 0 after a signal, EXIT_FAILURE when the holder
 * could not start (said on stderr).
 */
int hold_serve(const struct hold_config *config);

#endif
