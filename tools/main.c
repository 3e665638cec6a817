/* SPDX-License-Identifier: ISC */
/*
 * fdpass: show what libfdpass does on this system.
 *
 *   fdpass info [--json]   the backend table (cmd_info.c)
 *   fdpass demo            pass a pipe, a file and a socket to a child
 *                          (cmd_demo.c)
 *   fdpass hold ...        the descriptor holder daemon (cmd_hold.c)
 *   fdpass store ...       open or take a descriptor, store it in the
 *                          holder (cmd_store.c)
 *   fdpass exec ...        run a command with held descriptors, as
 *                          systemd's socket activation (cmd_exec.c)
 *   fdpass list SOCKET     what the holder keeps (cmd_list.c)
 *   fdpass delete ...      close held descriptors (cmd_delete.c)
 *
 * This file only picks the subcommand and checks that its output arrived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdpass.h"
#include "cli.h"

static int
show_version(int argc, char **argv)
{
	if (argc > 1)
		return cli_bad_argument(NULL, argv[1]);
	printf("fdpass %s\n", fdpass_version());
	return 0;
}

static int
show_help(int argc, char **argv)
{
	if (argc > 1)
		return cli_bad_argument(NULL, argv[1]);
	cli_usage(stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "demo", cmd_demo },
	{ "hold", cmd_hold },
	{ "store", cmd_store },
	{ "exec", cmd_exec },
	{ "list", cmd_list },
	{ "delete", cmd_delete },
	{ "--version", show_version },
	{ "--help", show_help },
	{ "-h", show_help },
};

static int
run_command(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_bad_argument(NULL, argv[1]);
	return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}

int
main(int argc, char **argv)
{
	int status;

	cli_buffer_stdout();
	status = run_command(argc, argv);

	if (cli_close_stdout() != 0 && status == 0)
		status = EXIT_FAILURE;
	return status;
}
