/* SPDX-License-Identifier: ISC */
/* What every fdpass subcommand shares: the usage text and the exit codes. */
#ifndef FDPASS_CLI_H
#define FDPASS_CLI_H

#include <stdio.h>

#define EXIT_USAGE 2

/* The usage text of the whole command, to stdout (--help) or stderr. */
void cli_usage(FILE *to);

int cmd_info(int argc, char **argv);
int cmd_demo(int argc, char **argv);

#endif
