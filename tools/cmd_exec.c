/* SPDX-License-Identifier: ISC */
/*
 * fdpass exec SOCKET NAME... [--wait-ready [--ready-timeout SECONDS]]
 *     [--keep-fds] [--holder-uid UID] -- CMD ARGS...: retrieve the named
 * descriptors from the holder and run CMD with them as systemd's socket
 * activation hands them over (sd_listen_fds(3)): at 3, 4, ... in the
 * order of the names, FD_CLOEXEC clear, LISTEN_FDS, LISTEN_PID,
 * LISTEN_FDNAMES set, and NOTIFY_SOCKET when the holder has one.  Every
 * other descriptor above 2 is closed, as systemd passes only the listed
 * ones (--keep-fds lets the inherited ones through).
 *
 * LISTEN_PID must be the pid of CMD itself (lighttpd ignores descriptors
 * otherwise), so exec replaces this process instead of forking.  With
 * --wait-ready it must fork to wait at all: the child sets LISTEN_PID to
 * its own pid and becomes CMD; the parent waits for the holder to see
 * READY=1 from it, then exits 0, leaving CMD running (docs/holder.md).
 * Like systemd's TimeoutStartSec= (90 s by default), the wait has a
 * deadline; unlike systemd, which kills the unit, exec leaves CMD running
 * when it passes and exits 1 naming CMD's pid: the script that restarts
 * decides what to stop, the old server or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
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
/* systemd's DefaultTimeoutStartSec=, and the holder's own default. */
#define READY_TIMEOUT_DEFAULT_S 90
/* What the protocol's u32 of milliseconds holds. */
#define READY_TIMEOUT_MAX_S (UINT32_MAX / 1000)

struct exec_options {
	const char *socket_path;
	char **names;		/* argv entries */
	size_t name_count;
	int wait_ready;
	unsigned ready_timeout_s;	/* --ready-timeout, or the default */
	int keep_fds;
	uid_t holder_uid;	/* --holder-uid, or HOLDER_UID_NONE */
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
parse_seconds(const char *arg, unsigned *seconds)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    v == 0 || v > READY_TIMEOUT_MAX_S)
		return cli_value_error(CONTEXT, "--ready-timeout needs 1 to "
		    "%lu seconds, not '%s'", (unsigned long)READY_TIMEOUT_MAX_S,
		    arg);
	*seconds = (unsigned)v;
	return 0;
}

/* An option with a value, at argv[*i]; 0, or the usage error. */
static int
parse_valued(struct exec_options *o, int dashes, char **argv, int *i)
{
	const char *option = argv[*i];

	if (*i + 1 == dashes)
		return cli_usage_error(CONTEXT, "%s needs an argument", option);
	(*i)++;
	if (strcmp(option, "--ready-timeout") == 0)
		return parse_seconds(argv[*i], &o->ready_timeout_s);
	return holder_client_parse_uid(CONTEXT, argv[*i], &o->holder_uid);
}

static int
parse_options(struct exec_options *o, int argc, char **argv)
{
	int i, dashes = -1, rc;

	memset(o, 0, sizeof *o);
	o->holder_uid = HOLDER_UID_NONE;
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
		else if (strcmp(argv[i], "--keep-fds") == 0)
			o->keep_fds = 1;
		else if (strcmp(argv[i], "--ready-timeout") == 0 ||
		    strcmp(argv[i], "--holder-uid") == 0) {
			if ((rc = parse_valued(o, dashes, argv, &i)) != 0)
				return rc;
		} else if (argv[i][0] == '-')
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
	/* 0 is no --ready-timeout: the option takes 1 and up. */
	if (o->ready_timeout_s != 0 && !o->wait_ready)
		return cli_usage_error(CONTEXT, "--ready-timeout needs "
		    "--wait-ready");
	if (o->ready_timeout_s == 0)
		o->ready_timeout_s = READY_TIMEOUT_DEFAULT_S;
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

/* The highest descriptor number plus one that can be open. */
static int
descriptor_limit(void)
{
	struct rlimit rl;
	long max;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= INT_MAX)
		return (int)rl.rlim_cur;
	if ((max = sysconf(_SC_OPEN_MAX)) > 0 && max <= INT_MAX)
		return (int)max;
	return INT_MAX;
}

/*
 * Closes every descriptor from first on.  close_range(2) (Linux 5.9,
 * FreeBSD 12.2) or closefrom(2) where the build found one; close_range
 * may still fail at run time (ENOSYS on an older kernel or under an
 * emulator), and then, as without either, each number up to the
 * descriptor limit is closed in turn.
 */
static void
close_from(int first)
{
	int fd, limit;

#if defined(FDPASS_HAVE_CLOSE_RANGE)
	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
#elif defined(FDPASS_HAVE_CLOSEFROM)
	closefrom(first);
	return;
#endif
	limit = descriptor_limit();
	for (fd = first; fd < limit; fd++)
		(void)close(fd);
}

/*
 * Becomes CMD, in this process: the holder connection is closed first so
 * that it is neither inherited nor in the way at 3...  Returns only on
 * failure, with the exit status: 127 CMD not found, 126 not runnable, 1
 * anything before.
 */
static int
become_command(int sock, struct handover *ho, int keep_fds, char **command)
{
	int saved;

	close(sock);
	if (place_descriptors(ho) == -1)
		return EXIT_FAILURE;
	/* What this process inherited beyond 0, 1, 2 would reach CMD as
	   well: systemd passes only what LISTEN_FDS counts. */
	if (!keep_fds)
		close_from(LISTEN_FDS_START + (int)ho->count);
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

/* Milliseconds on a clock that does not jump. */
static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * WAIT_READY: after (the READY=1 count at the fork), the child's pid and
 * the timeout.  The default's 8-byte form, which the holder reads as 90 s
 * too, is understood by every holder since the protocol's first version.
 */
static int
send_wait_ready(int sock, uint32_t after, pid_t child, unsigned timeout_s)
{
	unsigned char payload[12];
	size_t length = 8;

	holder_put_u32(payload, after);
	holder_put_u32(payload + 4, (uint32_t)child);
	if (timeout_s != READY_TIMEOUT_DEFAULT_S) {
		holder_put_u32(payload + 8, (uint32_t)timeout_s * 1000);
		length = 12;
	}
	if (holder_send(sock, HOLDER_WAIT_READY, payload, length, NULL,
	    0) == -1)
		return holder_client_transport_error(CONTEXT);
	return 0;
}

static int
not_ready_in_time(const char *command, pid_t child, unsigned timeout_s)
{
	return cli_error(CONTEXT, "%s (pid %ld) did not send READY=1 within "
	    "%u s; it is left running", command, (long)child, timeout_s);
}

/* The holder's answer to WAIT_READY, in the exit status. */
static int
ready_answer(int sock, const char *command, pid_t child, unsigned timeout_s)
{
	struct holder_reply r;

	if (holder_recv(sock, &r) == -1) {
		(void)holder_client_transport_error(CONTEXT);
		return EXIT_FAILURE;
	}
	holder_reply_close_fds(&r);
	if (r.header.code == HOLDER_OK)
		return 0;
	if (r.header.code != HOLDER_ERROR || r.header.length < 4)
		return cli_error(CONTEXT, "unexpected reply 0x%02x from the "
		    "holder", r.header.code);
	switch (holder_get_u32(r.payload)) {
	case HOLDER_E_TIMEOUT:
		return not_ready_in_time(command, child, timeout_s);
	case HOLDER_E_STOPPING:
		return cli_error(CONTEXT, "%s (pid %ld) sent STOPPING=1 before "
		    "READY=1: it is shutting down, not ready", command,
		    (long)child);
	default:
		return cli_error(CONTEXT, "%s", holder_error_text(&r));
	}
}

/*
 * The --wait-ready parent: the holder answers WAIT_READY when it sees a
 * READY=1 after the ones counted before the fork (and, if the message
 * names a MAINPID=, that it is the child's).  Meanwhile the child is
 * checked for death every CHILD_CHECK_MS, and the deadline is kept here
 * as well as in the holder: a holder that never answers does not keep
 * exec waiting either.
 */
static int
wait_until_ready(int sock, const struct handover *ho, pid_t child,
    unsigned timeout_s, const char *command)
{
	struct pollfd pfd = { sock, POLLIN, 0 };
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	long long left;
	char how[64];
	int status;

	if (send_wait_ready(sock, ho->ready_count, child, timeout_s) == -1)
		return EXIT_FAILURE;
	for (;;) {
		if (waitpid(child, &status, WNOHANG) == child) {
			describe_status(status, how, sizeof how);
			return cli_error(CONTEXT, "%s %s before it was ready",
			    command, how);
		}
		if ((left = deadline - now_ms()) <= 0)
			return not_ready_in_time(command, child, timeout_s);
		if (poll(&pfd, 1, left < CHILD_CHECK_MS ? (int)left :
		    CHILD_CHECK_MS) == -1 && errno != EINTR)
			return cli_error(CONTEXT, "poll: %s", strerror(errno));
		if (pfd.revents != 0)
			return ready_answer(sock, command, child, timeout_s);
	}
}

static int
start_and_wait(int sock, struct handover *ho, const struct exec_options *o)
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
		_exit(become_command(sock, ho, o->keep_fds, o->command));
	close_handover(ho);
	rc = wait_until_ready(sock, ho, child, o->ready_timeout_s,
	    o->command[0]);
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
	if ((sock = holder_client_connect(CONTEXT, o.socket_path,
	    o.holder_uid)) == -1)
		return EXIT_FAILURE;
	if (retrieve_all(sock, &o, &ho) == -1) {
		close(sock);
		return EXIT_FAILURE;
	}
	/* INFO last, right before the fork: its READY=1 count is the
	   baseline --wait-ready waits past, and a READY=1 sent while the
	   names were being retrieved (by the old server, say) is not the new
	   one's. */
	if (ask_info(sock, &ho) == -1) {
		close_handover(&ho);
		close(sock);
		return EXIT_FAILURE;
	}
	if (o.wait_ready)
		return start_and_wait(sock, &ho, &o);
	return become_command(sock, &ho, o.keep_fds, o.command);
}
