/* SPDX-License-Identifier: ISC */
/*
 * What every fdpass subcommand shares: the usage, error messages, checked
 * output.  Each subcommand is one file (cmd_*.c) with one entry point.
 */
#ifndef FDPASS_CLI_H
#define FDPASS_CLI_H

#include <stdio.h>

#define EXIT_USAGE 2		/* 1 (EXIT_FAILURE) is a step that failed */

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* The usage text of the whole command, to stdout (--help) or stderr. */
void cli_usage(FILE *to);

/*
 * "fdpass CONTEXT: MESSAGE" on stderr (CONTEXT NULL: "fdpass: MESSAGE").
 * Returns EXIT_FAILURE.
 */
int cli_error(const char *context, const char *fmt, ...) CLI_PRINTF(2, 3);

/*
 * Two kinds of usage error, both exit status 2.  When the words do not fit
 * the command's grammar (an unknown command or option, an operand missing
 * or one too many, an option without its argument, options that exclude
 * or need each other), the usage follows the message: it shows the shape.
 * When an argument is in its place but its value is wrong (a bad NAME,
 * descriptor, address, number or user), the message alone says what is
 * wrong, and twenty lines of usage after it would only bury it.
 */
/* The message, then the usage, on stderr.  Returns EXIT_USAGE. */
int cli_usage_error(const char *context, const char *fmt, ...)
    CLI_PRINTF(2, 3);

/* The message alone, on stderr.  Returns EXIT_USAGE. */
int cli_value_error(const char *context, const char *fmt, ...)
    CLI_PRINTF(2, 3);

/*
 * An argument COMMAND does not take, named as an "unknown option" when it
 * starts with a dash, else as an "unexpected argument".  Returns EXIT_USAGE.
 */
int cli_bad_argument(const char *command, const char *arg);

/*
 * Gives stdout a buffer that holds all a subcommand prints between flushes,
 * so that a failed write happens in cli_flush_stdout() or
 * cli_close_stdout(), where its errno is known, not inside printf (musl
 * writes a line-buffered stdout at each newline).  Call before any output.
 */
void cli_buffer_stdout(void);

/*
 * Flushes stdout now, for output that interleaves with another process's.
 * A failure is kept for cli_close_stdout() to report.
 */
void cli_flush_stdout(void);

/*
 * Flushes and closes stdout.  A write that failed, now or before, is
 * reported ("fdpass: write error: ...") and makes it return EXIT_FAILURE:
 * output that did not arrive is not success.
 */
int cli_close_stdout(void);

/* The subcommands: argv[0] is the subcommand's name. */
int cmd_info(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_hold(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_delete(int argc, char **argv);

#endif
