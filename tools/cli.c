/* SPDX-License-Identifier: ISC */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: fdpass info [--json]\n"
    "       fdpass demo\n"
    "       fdpass hold [--notify PATH] [--allow-uid USER]...\n"
    "                   [--allow-retrieve USER:NAME]... SOCKET\n"
    "       fdpass store SOCKET NAME (--listen tcp:HOST:PORT |\n"
    "                    --listen unix:PATH | --fd N) [--holder-uid UID]\n"
    "       fdpass exec SOCKET NAME... [--wait-ready [--ready-timeout S]]\n"
    "                   [--keep-fds] [--holder-uid UID] -- CMD [ARG]...\n"
    "       fdpass list SOCKET [--holder-uid UID]\n"
    "       fdpass delete SOCKET NAME [--holder-uid UID]\n"
    "       fdpass --version | --help\n"
    "\n"
    "  info     print the backend libfdpass was built for: limits, how\n"
    "           FD_CLOEXEC and SIGPIPE are handled, control-message layout\n"
    "  demo     fork a child and pass it a pipe, an open file and a socket\n"
    "           over a socketpair; the child uses each, and both processes\n"
    "           check that no descriptor leaked\n"
    "  hold     keep named descriptors for other processes, on the\n"
    "           Unix socket SOCKET (and systemd's notify protocol on PATH)\n"
    "  store    store a new listening socket, or descriptor N, as NAME\n"
    "  exec     run CMD with the named descriptors at 3, 4, ... as\n"
    "           systemd's socket activation does (LISTEN_FDS, ...)\n"
    "  list     print each held descriptor's name and what it is\n"
    "  delete   close every held descriptor named NAME\n"
    "\n"
    "Exit status: 0 success, 1 a step failed, 2 usage error; exec: 126\n"
    "CMD could not be run, 127 CMD not found.\n";

void
cli_usage(FILE *to)
{
	fputs(usage_text, to);
}

static void
print_error(const char *context, const char *fmt, va_list ap)
{
	if (context != NULL)
		fprintf(stderr, "fdpass %s: ", context);
	else
		fputs("fdpass: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_error(const char *context, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error(context, fmt, ap);
	va_end(ap);
	return EXIT_FAILURE;
}

int
cli_usage_error(const char *context, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error(context, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(stderr);
	return EXIT_USAGE;
}

int
cli_value_error(const char *context, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_error(context, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int
cli_bad_argument(const char *command, const char *arg)
{
	if (arg[0] == '-' && arg[1] != '\0')
		return cli_usage_error(command, "unknown option '%s'", arg);
	return cli_usage_error(command, "unexpected argument '%s'", arg);
}

/* Why the first flush of stdout that failed did, 0 while none has. */
static int stdout_errno;

void
cli_buffer_stdout(void)
{
	static char buffer[64 * 1024];

	(void)setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
}

void
cli_flush_stdout(void)
{
	if (fflush(stdout) == EOF && stdout_errno == 0)
		stdout_errno = errno;
}

int
cli_close_stdout(void)
{
	int failed_before = ferror(stdout);

	if (fclose(stdout) != 0 && stdout_errno == 0)
		stdout_errno = errno;
	if (stdout_errno != 0)
		return cli_error(NULL, "write error: %s",
		    strerror(stdout_errno));
	/* A write inside printf failed (output past the buffer): its errno
	   is long gone. */
	if (failed_before)
		return cli_error(NULL, "write error");
	return 0;
}
