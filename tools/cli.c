/* SPDX-License-Identifier: ISC */
#include "cli.h"

static const char usage_text[] =
    "usage: fdpass info [--json]\n"
    "       fdpass demo\n"
    "       fdpass --version | --help\n"
    "\n"
    "  info     print the backend libfdpass was built for: limits, how\n"
    "           FD_CLOEXEC and SIGPIPE are handled, control-message layout\n"
    "  demo     fork a child and pass it a pipe, an open file and a socket\n"
    "           over a socketpair; the child uses each and the parent checks\n"
    "           that no descriptor leaked\n"
    "\n"
    "Exit status: 0 success, 1 a step failed, 2 usage error.\n";

void
cli_usage(FILE *to)
{
	fputs(usage_text, to);
}
