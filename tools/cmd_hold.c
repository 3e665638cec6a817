/* SPDX-License-Identifier: ISC */
/*
 * fdpass hold [--notify PATH] [--allow-uid USER]...
 * [--allow-retrieve USER:NAME]... SOCKET: the options;
 * the holder itself is tools/holder/ (docs/holder.md).
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"
#include "holder/server.h"

#define CONTEXT "hold"

static int
parse_uid(const char *arg, uid_t *uid)
{
	struct passwd *pw;
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && errno == 0 &&
	    v == (uid_t)v) {
		*uid = (uid_t)v;
		return 0;
	}
	if ((pw = getpwnam(arg)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

/* USER:NAME; the name stays in argv, which outlives the holder. */
static int
parse_retrieve_rule(struct hold_config *c, char *arg)
{
	char *colon;
	const char *problem;

	if (c->retrieve_count == HOLD_RETRIEVE_RULES_MAX)
		return cli_value_error(CONTEXT, "more than %d "
		    "--allow-retrieve", HOLD_RETRIEVE_RULES_MAX);
	if ((colon = strchr(arg, ':')) == NULL)
		return cli_value_error(CONTEXT, "--allow-retrieve needs "
		    "USER:NAME, not '%s'", arg);
	*colon = '\0';
	if ((problem = holder_name_problem(colon + 1,
	    strlen(colon + 1))) != NULL)
		return cli_value_error(CONTEXT, "--allow-retrieve: bad name: "
		    "%s", problem);
	if (parse_uid(arg, &c->retrieve_uids[c->retrieve_count]) == -1)
		return cli_value_error(CONTEXT, "no such user '%s'", arg);
	c->retrieve_names[c->retrieve_count++] = colon + 1;
	return 0;
}

static int
parse_options(struct hold_config *c, int argc, char **argv)
{
	int i, rc;

	memset(c, 0, sizeof *c);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--notify") == 0) {
			if (++i == argc)
				return cli_usage_error(CONTEXT,
				    "--notify needs a PATH");
			c->notify_path = argv[i];
		} else if (strcmp(argv[i], "--allow-uid") == 0) {
			if (++i == argc)
				return cli_usage_error(CONTEXT,
				    "--allow-uid needs a UID");
			if (c->allowed_count == HOLD_ALLOWED_UIDS_MAX)
				return cli_value_error(CONTEXT, "more than %d "
				    "--allow-uid", HOLD_ALLOWED_UIDS_MAX);
			if (parse_uid(argv[i],
			    &c->allowed_uids[c->allowed_count++]) == -1)
				return cli_value_error(CONTEXT, "no such user "
				    "'%s'", argv[i]);
		} else if (strcmp(argv[i], "--allow-retrieve") == 0) {
			if (++i == argc)
				return cli_usage_error(CONTEXT,
				    "--allow-retrieve needs USER:NAME");
			if ((rc = parse_retrieve_rule(c, argv[i])) != 0)
				return rc;
		} else if (argv[i][0] == '-' || c->socket_path != NULL) {
			return cli_bad_argument(CONTEXT, argv[i]);
		} else {
			c->socket_path = argv[i];
		}
	}
	if (c->socket_path == NULL)
		return cli_usage_error(CONTEXT, "missing SOCKET");
	return 0;
}

int
cmd_hold(int argc, char **argv)
{
	struct hold_config config;
	int rc;

	if ((rc = parse_options(&config, argc, argv)) != 0)
		return rc;
	return hold_serve(&config);
}
