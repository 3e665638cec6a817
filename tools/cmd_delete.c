/* SPDX-License-Identifier: ISC */
/*
 * fdpass delete SOCKET NAME [--holder-uid UID]: the holder closes every
 * descriptor it keeps under NAME.  A name it does not have is an error,
 * so that a typo does not pass for success.
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
	const char *positional[2] = { NULL, NULL };
	uid_t also_uid = HOLDER_UID_NONE;
	int sock, rc, i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--holder-uid") == 0) {
			if ((rc = holder_client_uid_option(CONTEXT, argc, argv,
			    &i, &also_uid)) != 0)
				return rc;
		} else if (argv[i][0] == '-' || n == 2)
			return cli_bad_argument(CONTEXT, argv[i]);
		else
			positional[n++] = argv[i];
	}
	if (n < 2)
		return cli_usage_error(CONTEXT, "missing %s",
		    n == 0 ? "SOCKET and NAME" : "NAME");
	if ((rc = holder_client_check_name(CONTEXT, positional[1])) != 0)
		return rc;
	if ((sock = holder_client_connect(CONTEXT, positional[0],
	    also_uid)) == -1)
		return EXIT_FAILURE;
	rc = holder_client_call(CONTEXT, sock, HOLDER_DELETE, positional[1],
	    strlen(positional[1]), NULL, 0, &r) == -1 ? EXIT_FAILURE : 0;
	close(sock);
	return rc;
}
