/* SPDX-License-Identifier: ISC */
/*
 * The client side of the holder protocol as the fdpass subcommands use it
 * (store, exec, list, delete): each call prints its own error message as
 * "fdpass CONTEXT: ..." and returns -1, so a command only decides what
 * to do next.
 */
#ifndef FDPASS_HOLDER_CLIENT_H
#define FDPASS_HOLDER_CLIENT_H

#include <sys/types.h>

#include "proto.h"

/* How long a client waits for the holder at each step, unless
   FDPASS_CLIENT_TIMEOUT_MS says otherwise (docs/holder.md). */
#define HOLDER_CLIENT_TIMEOUT_MS 30000

/* No --holder-uid: only root and the client's own euid are trusted. */
#define HOLDER_UID_NONE ((uid_t)-1)

/*
 * A connected socket to the holder at path, or -1 (message printed).
 * The holder must run as root, as the client's effective uid, or as
 * also_uid (--holder-uid; HOLDER_UID_NONE for none): anyone else could
 * have put a socket there that hands out descriptors of its own choosing.
 * Every later send and receive on it has the client deadline.
 */
int holder_client_connect(const char *context, const char *path,
    uid_t also_uid);

/* The deadline in milliseconds: FDPASS_CLIENT_TIMEOUT_MS or the default. */
unsigned holder_client_timeout_ms(void);

/*
 * Parses the UID of --holder-uid: 0, or a usage error (EXIT_USAGE).  A
 * number only: the holder's uid is the kernel's word, not a name.
 */
int holder_client_parse_uid(const char *context, const char *arg,
    uid_t *uid);
/* The same for argv[*i] == "--holder-uid": takes its value, moves *i. */
int holder_client_uid_option(const char *context, int argc, char **argv,
    int *i, uid_t *uid);

/*
 * Sends one request and receives the first reply frame.  Returns 0 for an
 * HOLDER_OK or HOLDER_ENTRY reply; for an HOLDER_ERROR reply or a broken
 * connection prints why and returns -1 (no descriptor left open).
 */
int holder_client_call(const char *context, int sock, int code,
    const void *payload, size_t length, const int *fds, size_t nfds,
    struct holder_reply *r);

/* Receives a further reply frame (LIST), with the same rules. */
int holder_client_next(const char *context, int sock, struct holder_reply *r);

/* The message for a failed send or receive (errno); returns -1. */
int holder_client_transport_error(const char *context);

/* 0 if name can name a descriptor; else a usage error (EXIT_USAGE). */
int holder_client_check_name(const char *context, const char *name);

#endif
