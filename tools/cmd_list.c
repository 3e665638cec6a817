/* SPDX-License-Identifier: ISC */
/*
 * fdpass list SOCKET: one line per descriptor the holder keeps, in the
 * order stored: its name, a tab, and what it is ("tcp listener
 * 127.0.0.1:8080", "unix listener /run/web.sock", "file", "pipe", ...).
 * A name holding several descriptors has several lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "holder/client.h"

#define CONTEXT "list"

static void
print_entry(const struct holder_reply *r)
{
	const char *name = (const char *)r->payload;
	size_t name_len = strnlen(name, r->header.length);
	const char *what = name_len < r->header.length ?
	    name + name_len + 1 : "";

	printf("%s\t%s\n", name, what);
}

int
cmd_list(int argc, char **argv)
{
	struct holder_reply r;
	int sock, rc;

	if (argc < 2)
		return cli_usage_error(CONTEXT, "missing SOCKET");
	if (argc > 2)
		return cli_bad_argument(CONTEXT, argv[2]);
	if (argv[1][0] == '-')
		return cli_bad_argument(CONTEXT, argv[1]);
	if ((sock = holder_client_connect(CONTEXT, argv[1])) == -1)
		return EXIT_FAILURE;
	rc = holder_client_call(CONTEXT, sock, HOLDER_LIST, NULL, 0, NULL, 0,
	    &r);
	while (rc == 0 && r.header.code == HOLDER_ENTRY) {
		print_entry(&r);
		rc = holder_client_next(CONTEXT, sock, &r);
	}
	close(sock);
	return rc == 0 ? 0 : EXIT_FAILURE;
}
