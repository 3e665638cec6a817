/* SPDX-License-Identifier: ISC */
/*
 * fdpass: show what libfdpass does on this system.
 *
 *   fdpass info [--json]   the backend table (cmd_info.c)
 *   fdpass demo            pass a pipe, a file and a socket to a child
 *                          (cmd_demo.c)
 *
 * This file only picks the subcommand; each lives in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "fdpass.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0 && argc == 2)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		printf("fdpass %s\n", fdpass_version());
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout);
		return 0;
	}
	fprintf(stderr, "fdpass: unknown command '%s'\n\n", argv[1]);
	cli_usage(stderr);
	return EXIT_USAGE;
}
