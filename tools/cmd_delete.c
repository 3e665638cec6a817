/* SPDX-License-Identifier: ISC */
/*
 * fdpass delete SOCKET NAME: the holder closes every descriptor it keeps
 * under NAME.  A name it does not have is an error, so that a typo does
 * not pass for success.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "holder/client.h"

#define CONTEXT "delete"

int
cmd_delete(int argc, char **argv)
{
	struct holder_reply r;
	int sock, rc, i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' || i > 2)
			return cli_bad_argument(CONTEXT, argv[i]);
	if (argc < 3)
		return cli_usage_error(CONTEXT, "missing %s",
		    argc == 1 ? "SOCKET and NAME" : "NAME");
	if ((rc = holder_client_check_name(CONTEXT, argv[2])) != 0)
		return rc;
	if ((sock = holder_client_connect(CONTEXT, argv[1])) == -1)
		return EXIT_FAILURE;
	rc = holder_client_call(CONTEXT, sock, HOLDER_DELETE, argv[2],
	    strlen(argv[2]), NULL, 0, &r) == -1 ? EXIT_FAILURE : 0;
	close(sock);
	return rc;
}
