/* SPDX-License-Identifier: ISC */
/*
 * The client side of the holder protocol as the fdpass subcommands use it
 * (store, exec, list, delete): each call prints its own error message as
 * "fdpass CONTEXT: ..." and returns -1, so a command only decides what
 * to do next.
 */
#ifndef FDPASS_HOLDER_CLIENT_H
#define FDPASS_HOLDER_CLIENT_H

#include "proto.h"

/* A connected socket to the holder at path, or -1 (message printed). */
int holder_client_connect(const char *context, const char *path);

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

/* 0 if name can name a descriptor; else a usage error (EXIT_USAGE). */
int holder_client_check_name(const char *context, const char *name);

#endif
