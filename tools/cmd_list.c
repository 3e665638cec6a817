/* SPDX-License-Identifier: ISC */
/*
 * fdpass list SOCKET [--holder-uid UID]: one line per descriptor the
 * holder keeps, in the order stored: its name, a tab, and what it is
 * ("tcp listener 127.0.0.1:8080", "unix listener /run/web.sock", "file",
 * "pipe", ...).  A name holding several descriptors has several lines.
 *
 * Both fields are printed escaped: a socket path may hold any byte but
 * NUL, and one with a newline or a tab in it would otherwise forge a
 * line or a field of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "holder/client.h"

#define CONTEXT "list"

/*
 * Printable ASCII as it is, but for the backslash; the rest as C writes
 * it: \\, \t, \n, \r, or \xHH.
 */
static void
print_escaped(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c < 0x20 || c > 0x7e)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
print_entry(const struct holder_reply *r)
{
	const char *name = (const char *)r->payload;
	size_t name_len = strnlen(name, r->header.length);
	const char *what = name + name_len;
	size_t what_len = 0;

	if (name_len < r->header.length) {
		what++;
		what_len = r->header.length - name_len - 1;
	}
	print_escaped(name, name_len);
	putchar('\t');
	print_escaped(what, what_len);
	putchar('\n');
}

static int
parse_options(int argc, char **argv, const char **path, uid_t *also_uid)
{
	int i, rc;

	*path = NULL;
	*also_uid = HOLDER_UID_NONE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--holder-uid") == 0) {
			if ((rc = holder_client_uid_option(CONTEXT, argc, argv,
			    &i, also_uid)) != 0)
				return rc;
		} else if (argv[i][0] == '-' || *path != NULL)
			return cli_bad_argument(CONTEXT, argv[i]);
		else
			*path = argv[i];
	}
	if (*path == NULL)
		return cli_usage_error(CONTEXT, "missing SOCKET");
	return 0;
}

int
cmd_list(int argc, char **argv)
{
	struct holder_reply r;
	const char *path;
	uid_t also_uid;
	int sock, rc;

	if ((rc = parse_options(argc, argv, &path, &also_uid)) != 0)
		return rc;
	if ((sock = holder_client_connect(CONTEXT, path, also_uid)) == -1)
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
