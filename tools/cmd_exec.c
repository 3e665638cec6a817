/* SPDX-License-Identifier: ISC */
/*
 * fdpass exec SOCKET NAME... [--wait-ready] -- CMD ARGS...: retrieve the
 * named descriptors from the holder and run CMD with them as systemd's
 * socket activation hands them over (sd_listen_fds(3)): at 3, 4, ... in
 * the order of the names, FD_CLOEXEC clear, LISTEN_FDS, LISTEN_PID,
 * LISTEN_FDNAMES set, and NOTIFY_SOCKET when the holder has one.
 *
 * LISTEN_PID must be the pid of CMD itself (lighttpd ignores descriptors
 * otherwise), so exec replaces this process instead of forking.  With
 * --wait-ready it must fork to wait at all: the child sets LISTEN_PID to
 * its own pid and becomes CMD; the parent waits for the holder to see
 * READY=1 from it, then exits 0, leaving CMD running (docs/holder.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cli.h"
#include "holder/client.h"

#define CONTEXT "exec"
/* The first descriptor of socket activation (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3
/* Descriptors handed to CMD in all. */
#define EXEC_FDS_MAX 256
/* How often the --wait-ready parent looks whether CMD died. */
#define CHILD_CHECK_MS 100

struct exec_options {
	const char *socket_path;
	char **names;		/* argv entries */
	size_t name_count;
	int wait_ready;
	char **command;		/* NULL-terminated, after "--" */
};

/* What was retrieved: descriptor i is named names[i]. */
struct handover {
	int fds[EXEC_FDS_MAX];
	const char *names[EXEC_FDS_MAX];
	size_t count;
	char notify_path[HOLDER_PAYLOAD_MAX];
	uint32_t ready_count;	/* READY=1 seen before CMD started */
};

static int
parse_options(struct exec_options *o, int argc, char **argv)
{
	int i, dashes = -1, rc;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc && dashes == -1; i++)
		if (strcmp(argv[i], "--") == 0)
			dashes = i;
	if (dashes == -1 || dashes + 1 == argc)
		return cli_usage_error(CONTEXT, "missing -- CMD");
	o->command = argv + dashes + 1;
	/* The names are compacted in place over argv[1..]: the slot written
	   is never ahead of the argument being read. */
	o->names = argv + 1;
	for (i = 1; i < dashes; i++) {
		if (strcmp(argv[i], "--wait-ready") == 0)
			o->wait_ready = 1;
		else if (argv[i][0] == '-')
			return cli_bad_argument(CONTEXT, argv[i]);
		else if (o->socket_path == NULL)
			o->socket_path = argv[i];
		else if ((rc = holder_client_check_name(CONTEXT,
		    argv[i])) != 0)
			return rc;
		else
			o->names[o->name_count++] = argv[i];
	}
	if (o->socket_path == NULL || o->name_count == 0)
		return cli_usage_error(CONTEXT, "missing %s",
		    o->socket_path == NULL ? "SOCKET and NAME" : "NAME");
	return 0;
}

static void
close_handover(struct handover *ho)
{
	size_t i;

	for (i = 0; i < ho->count; i++)
		close(ho->fds[i]);
	ho->count = 0;
}

static int
ask_info(int sock, struct handover *ho)
{
	struct holder_reply r;
	struct holder_info info;

	if (holder_client_call(CONTEXT, sock, HOLDER_INFO, NULL, 0, NULL, 0,
	    &r) == -1)
		return -1;
	if (holder_info_decode(&r, &info) == -1) {
		(void)cli_error(CONTEXT, "malformed INFO reply");
		return -1;
	}
	memcpy(ho->notify_path, info.notify_path,
	    strlen(info.notify_path) + 1);
	ho->ready_count = info.ready_count;
	return 0;
}

/* Every descriptor under name, appended to the handover. */
static int
retrieve(int sock, const char *name, struct handover *ho)
{
	struct holder_reply r;
	size_t i;

	if (holder_client_call(CONTEXT, sock, HOLDER_RETRIEVE, name,
	    strlen(name), NULL, 0, &r) == -1)
		return -1;
	if (ho->count + r.nfds > EXEC_FDS_MAX) {
		holder_reply_close_fds(&r);
		(void)cli_error(CONTEXT, "more than %d descriptors",
		    EXEC_FDS_MAX);
		return -1;
	}
	for (i = 0; i < r.nfds; i++) {
		ho->fds[ho->count] = r.fds[i];
		ho->names[ho->count++] = name;
	}
	return 0;
}

static int
retrieve_all(int sock, const struct exec_options *o, struct handover *ho)
{
	size_t i;

	for (i = 0; i < o->name_count; i++)
		if (retrieve(sock, o->names[i], ho) == -1) {
			close_handover(ho);
			return -1;
		}
	return 0;
}

/*
 * Moves the descriptors to 3, 4, ...  First every one goes above the
 * target range, so that one already sitting in it is not overwritten
 * before it has moved; then dup2() puts each in place, which also leaves
 * FD_CLOEXEC clear on exactly these.  Whatever else was at 3..3+n-1 (an
 * inherited descriptor) is replaced.
 */
static int
place_descriptors(struct handover *ho)
{
	int above = LISTEN_FDS_START + (int)ho->count;
	size_t i;
	int fd;

	for (i = 0; i < ho->count; i++) {
		if ((fd = fcntl(ho->fds[i], F_DUPFD_CLOEXEC, above)) == -1) {
			(void)cli_error(CONTEXT, "fcntl(F_DUPFD_CLOEXEC): %s",
			    strerror(errno));
			return -1;
		}
		close(ho->fds[i]);
		ho->fds[i] = fd;
	}
	for (i = 0; i < ho->count; i++)
		if (dup2(ho->fds[i], LISTEN_FDS_START + (int)i) == -1) {
			(void)cli_error(CONTEXT, "dup2: %s", strerror(errno));
			return -1;
		}
	for (i = 0; i < ho->count; i++) {
		close(ho->fds[i]);
		ho->fds[i] = LISTEN_FDS_START + (int)i;
	}
	return 0;
}

static int
set_number(const char *variable, long value)
{
	char text[32];

	snprintf(text, sizeof text, "%ld", value);
	return setenv(variable, text, 1);
}

/* LISTEN_FDNAMES: the names, one per descriptor, joined by ':'. */
static char *
join_names(const struct handover *ho)
{
	size_t i, len = 1;
	char *joined;

	for (i = 0; i < ho->count; i++)
		len += strlen(ho->names[i]) + 1;
	if ((joined = malloc(len)) == NULL)
		return NULL;
	joined[0] = '\0';
	for (i = 0; i < ho->count; i++) {
		if (i > 0)
			strcat(joined, ":");
		strcat(joined, ho->names[i]);
	}
	return joined;
}

static int
set_environment(const struct handover *ho)
{
	char *names;
	int rc;

	if ((names = join_names(ho)) == NULL)
		return -1;
	rc = set_number("LISTEN_FDS", (long)ho->count) == -1 ||
	    set_number("LISTEN_PID", (long)getpid()) == -1 ||
	    setenv("LISTEN_FDNAMES", names, 1) == -1 ||
	    (ho->notify_path[0] != '\0' &&
	    setenv("NOTIFY_SOCKET", ho->notify_path, 1) == -1) ? -1 : 0;
	free(names);
	return rc;
}

/*
 * Becomes CMD, in this process: the holder connection is closed first so
 * that it is neither inherited nor in the way at 3...  Returns only on
 * failure, with the exit status: 127 CMD not found, 126 not runnable, 1
 * anything before.
 */
static int
become_command(int sock, struct handover *ho, char **command)
{
	int saved;

	close(sock);
	if (place_descriptors(ho) == -1)
		return EXIT_FAILURE;
	if (set_environment(ho) == -1)
		return cli_error(CONTEXT, "environment: %s", strerror(errno));
	execvp(command[0], command);
	saved = errno;	/* the message's stdio may change it */
	(void)cli_error(CONTEXT, "%s: %s", command[0], strerror(saved));
	return saved == ENOENT ? 127 : 126;
}

/* The child's exit, in words, for the error message. */
static void
describe_status(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(out, size, "stopped");
}

/*
 * The --wait-ready parent: the holder answers WAIT_READY when it sees a
 * READY=1 after the one counted before the fork (and, if the message
 * names a MAINPID=, that it is the child's).  Meanwhile the child is
 * checked for death every CHILD_CHECK_MS.
 */
static int
wait_until_ready(int sock, const struct handover *ho, pid_t child,
    const char *command)
{
	unsigned char payload[8];
	struct holder_reply r;
	struct pollfd pfd = { sock, POLLIN, 0 };
	char how[64];
	int status;

	holder_put_u32(payload, ho->ready_count);
	holder_put_u32(payload + 4, (uint32_t)child);
	if (holder_send(sock, HOLDER_WAIT_READY, payload, sizeof payload,
	    NULL, 0) == -1)
		return cli_error(CONTEXT, "holder: %s", strerror(errno));
	for (;;) {
		if (waitpid(child, &status, WNOHANG) == child) {
			describe_status(status, how, sizeof how);
			return cli_error(CONTEXT, "%s %s before it was ready",
			    command, how);
		}
		if (poll(&pfd, 1, CHILD_CHECK_MS) == -1 && errno != EINTR)
			return cli_error(CONTEXT, "poll: %s", strerror(errno));
		if (pfd.revents != 0)
			return holder_client_next(CONTEXT, sock, &r) == -1 ?
			    EXIT_FAILURE : 0;
	}
}

static int
start_and_wait(int sock, struct handover *ho, char **command)
{
	pid_t child;
	int rc;

	if (ho->notify_path[0] == '\0') {
		close_handover(ho);
		return cli_error(CONTEXT, "--wait-ready: the holder has no "
		    "notify socket (start it with --notify PATH)");
	}
	cli_flush_stdout();
	if ((child = fork()) == -1) {
		close_handover(ho);
		return cli_error(CONTEXT, "fork: %s", strerror(errno));
	}
	if (child == 0)
		_exit(become_command(sock, ho, command));
	close_handover(ho);
	rc = wait_until_ready(sock, ho, child, command[0]);
	close(sock);
	return rc;
}

int
cmd_exec(int argc, char **argv)
{
	struct exec_options o;
	struct handover ho;
	int sock, rc;

	if ((rc = parse_options(&o, argc, argv)) != 0)
		return rc;
	ho.count = 0;
	if ((sock = holder_client_connect(CONTEXT, o.socket_path)) == -1)
		return EXIT_FAILURE;
	if (ask_info(sock, &ho) == -1 || retrieve_all(sock, &o, &ho) == -1) {
		close(sock);
		return EXIT_FAILURE;
	}
	if (o.wait_ready)
		return start_and_wait(sock, &ho, o.command);
	return become_command(sock, &ho, o.command);
}
