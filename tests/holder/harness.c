/* SPDX-License-Identifier: ISC */
/* The holder tests' shared harness (harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "support.h"
#include "fdpass.h"
#include "holder/proto.h"

#include "harness.h"

#ifndef FDPASS_TEST_HOLDER_WRAPPER
#define FDPASS_TEST_HOLDER_WRAPPER ""
#endif

struct running_holder holder;

const char *
holder_wrapper(void)
{
	const char *w = getenv("FDPASS_TEST_HOLDER_WRAPPER");

	return w != NULL ? w : FDPASS_TEST_HOLDER_WRAPPER;
}

void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* In a child about to exec: only 0, 1 and 2 stay open. */
void
close_from_3(void)
{
	int fd;

	for (fd = 3; fd < 4096; fd++)
		(void)close(fd);
}

/*
 * In a child: executes `fdpass argv[1]...` (argv[0] is ignored), under the
 * emulator of a cross build, as is listen_fds_check wherever it appears.
 */
void
exec_fdpass(char *const argv[])
{
	char *full[32];
	size_t n = 0;
	int i;

	if (FDPASS_TEST_EMULATOR[0] != '\0')
		full[n++] = (char *)FDPASS_TEST_EMULATOR;
	full[n++] = (char *)FDPASS_TEST_CLI;
	for (i = 1; argv[i] != NULL && n < 30; i++) {
		if (strcmp(argv[i], FDPASS_TEST_LISTEN_CHECK) == 0 &&
		    FDPASS_TEST_EMULATOR[0] != '\0')
			full[n++] = (char *)FDPASS_TEST_EMULATOR;
		full[n++] = argv[i];
	}
	full[n] = NULL;
	execv(full[0], full);
	_exit(126);
}

/* Whether the holder's RSS is its own (not valgrind's or qemu's). */
int
holder_runs_natively(void)
{
	return holder_wrapper()[0] == '\0' && FDPASS_TEST_EMULATOR[0] == '\0';
}

/* A connection, or -1 while the holder is not there yet. */
int
try_connect(const char *path)
{
	return holder_connect(path);
}

int
xconnect(void)
{
	int sock = holder_connect(holder.ctl);

	if (sock == -1)
		fail_msg("connect %s: %s", holder.ctl, strerror(errno));
	return sock;
}

/* One request on an open connection; returns the reply's code. */
int
request_on(int sock, int code, const void *payload, size_t len,
    const int *fds, size_t nfds, struct holder_reply *r)
{
	assert_int_equal(holder_send(sock, code, payload, len, fds, nfds), 0);
	assert_int_equal(holder_recv(sock, r), 0);
	return r->header.code;
}

/* One request on a connection of its own. */
int
request(int code, const void *payload, size_t len, const int *fds,
    size_t nfds, struct holder_reply *r)
{
	int sock = xconnect(), rc;

	rc = request_on(sock, code, payload, len, fds, nfds, r);
	xclose(sock);
	return rc;
}

void
get_info(struct holder_info *info)
{
	struct holder_reply r;

	assert_int_equal(request(HOLDER_INFO, NULL, 0, NULL, 0, &r), HOLDER_OK);
	assert_int_equal(holder_info_decode(&r, info), 0);
}

void
store(const char *name, int fd)
{
	struct holder_reply r;

	if (request(HOLDER_STORE, name, strlen(name), &fd, 1, &r) != HOLDER_OK)
		fail_msg("STORE %s: %s", name, holder_error_text(&r));
}

/* RETRIEVE: returns the count, descriptors in r (the caller closes). */
size_t
retrieve(const char *name, struct holder_reply *r)
{
	if (request(HOLDER_RETRIEVE, name, strlen(name), NULL, 0, r) !=
	    HOLDER_OK)
		fail_msg("RETRIEVE %s: %s", name, holder_error_text(r));
	return r->nfds;
}

/* The error reply's code, and the holder closed the connection. */
void
assert_error_then_closed(int sock, enum holder_error want)
{
	struct holder_reply r;
	ssize_t n;
	char byte;

	assert_int_equal(holder_recv(sock, &r), 0);
	if (r.header.code != HOLDER_ERROR)
		fail_msg("expected an error reply, got 0x%02x", r.header.code);
	if (holder_get_u32(r.payload) != (uint32_t)want)
		fail_msg("error %u (%s), expected %d",
		    holder_get_u32(r.payload), holder_error_text(&r), want);
	/* End of file, or a reset where the holder closed with our bytes
	   unread. */
	n = read(sock, &byte, 1);
	if (n != 0 && !(n == -1 && errno == ECONNRESET))
		fail_msg("the holder did not close: read %zd (%s)", n,
		    n == -1 ? strerror(errno) : "data");
}

/* argv[0..]: the command as the tests run it (wrapper, emulator). */
static size_t
command_prefix(char **argv)
{
	size_t n = 0;

	if (holder_wrapper()[0] != '\0')
		argv[n++] = (char *)holder_wrapper();
	if (FDPASS_TEST_EMULATOR[0] != '\0')
		argv[n++] = (char *)FDPASS_TEST_EMULATOR;
	argv[n++] = (char *)FDPASS_TEST_CLI;
	return n;
}

/*
 * Forks and executes argv, with only 0, 1, 2 open (stdout and stderr to
 * /dev/null when quiet); as uid with RLIMIT_NOFILE at nofile unless uid
 * is (uid_t)-1 (exit 126 if that cannot be done).  Returns the child.
 */
static pid_t
run_as(char **argv, uid_t uid, rlim_t nofile, int quiet)
{
	struct rlimit rl = { nofile, nofile };
	pid_t pid;
	int devnull;

	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if (quiet && (devnull = open("/dev/null", O_WRONLY)) != -1) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		close_from_3();
		setenv("FDPASS_HOLD_CLIENT_TIMEOUT_MS", "1500", 1);
		if (uid != (uid_t)-1 && (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
		    setgid(uid) == -1 || setuid(uid) == -1))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * Starts `fdpass hold --notify N EXTRA... C` for the current holder's
 * paths; as uid with RLIMIT_NOFILE at nofile unless uid is (uid_t)-1.
 */
static void
spawn(char *const extra[], uid_t uid, rlim_t nofile)
{
	char *argv[16];
	size_t n = command_prefix(argv);

	argv[n++] = (char *)"hold";
	argv[n++] = (char *)"--notify";
	argv[n++] = holder.notify;
	while (extra != NULL && *extra != NULL)
		argv[n++] = *extra++;
	argv[n++] = holder.ctl;
	argv[n] = NULL;
	holder.spawned = run_as(argv, uid, nofile, 0);
}

/* Whether `fdpass --version` runs as uid with RLIMIT_NOFILE at nofile. */
static int
can_run_as(uid_t uid, rlim_t nofile)
{
	char *argv[8];
	size_t n = command_prefix(argv);
	pid_t pid;
	int status;

	argv[n++] = (char *)"--version";
	argv[n] = NULL;
	pid = run_as(argv, uid, nofile, 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void
spawn_holder(char *const extra[])
{
	spawn(extra, (uid_t)-1, 0);
}

/* Until the holder answers (valgrind takes its time), then its pid. */
void
wait_for_holder(void)
{
	struct holder_info info;
	int sock, status, tries;

	for (tries = 0; tries < 3000; tries++) {
		if ((sock = try_connect(holder.ctl)) != -1) {
			xclose(sock);
			get_info(&info);
			holder.pid = (pid_t)info.pid;
			return;
		}
		if (waitpid(holder.spawned, &status, WNOHANG) ==
		    holder.spawned)
			fail_msg("the holder exited at start (status %d)",
			    status);
		sleep_ms(20);
	}
	fail_msg("the holder did not come up at %s", holder.ctl);
}

/* A fresh directory for the holder's sockets, owned by owner. */
static void
make_holder_dir(uid_t owner)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(holder.dir, sizeof holder.dir, "%s/fdpass-hold.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(holder.dir));
	if (owner != (uid_t)-1)
		assert_int_equal(chown(holder.dir, owner, (gid_t)-1), 0);
	snprintf(holder.ctl, sizeof holder.ctl, "%s/h.sock", holder.dir);
	snprintf(holder.notify, sizeof holder.notify, "%s/n.sock",
	    holder.dir);
}

void
start_holder(char *const extra[])
{
	make_holder_dir((uid_t)-1);
	spawn_holder(extra);
	wait_for_holder();
}

void
start_holder_as(uid_t uid, rlim_t nofile, char *const extra[])
{
	if (!can_run_as(uid, nofile)) {
		/* A build directory closed to uid (a 0700 home or mktemp
		   directory), or a setrlimit() refused (valgrind keeps the
		   hard limit for descriptors of its own). */
		print_message("uid %lu cannot run %s with RLIMIT_NOFILE "
		    "%lu here\n", (unsigned long)uid, FDPASS_TEST_CLI,
		    (unsigned long)nofile);
		skip();
	}
	stop_holder(SIGTERM);
	make_holder_dir(uid);
	spawn(extra, uid, nofile);
	wait_for_holder();
}

void
restart_holder_for_others(char *const extra[])
{
	stop_holder(SIGTERM);
	start_holder(extra);
	assert_int_equal(chmod(holder.dir, 0755), 0);
}

/* Signals the holder and expects a clean exit: 0, socket files gone. */
void
stop_holder(int sig)
{
	struct stat st;
	int status;

	assert_int_equal(kill(holder.pid, sig), 0);
	assert_int_equal(waitpid(holder.spawned, &status, 0), holder.spawned);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the holder did not exit 0 on signal %d (status "
		    "0x%x)", sig, status);
	assert_int_equal(stat(holder.ctl, &st), -1);
	assert_int_equal(stat(holder.notify, &st), -1);
	assert_int_equal(rmdir(holder.dir), 0);
}

int
setup(void **state)
{
	fd_baseline_setup(state);
	start_holder(NULL);
	return 0;
}

int
teardown(void **state)
{
	stop_holder(SIGTERM);
	return fd_baseline_teardown(state);
}

/* A listening TCP socket on 127.0.0.1, its port in *port. */
int
tcp_listener(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd;

	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

int
unix_listener(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	assert_int_not_equal(fd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* Sends raw bytes (with fds) as one message. */
void
send_raw(int sock, const void *bytes, size_t len, const int *fds,
    size_t nfds)
{
	struct iovec iov = { (void *)bytes, len };

	assert_int_equal(fdpass_send_with_fds(sock, &iov, 1, fds, nfds),
	    (ssize_t)len);
}

void
raw_header(unsigned char *out, int version, int code, int nfds,
    uint32_t length)
{
	struct holder_header h = { (uint8_t)version, (uint8_t)code,
	    (uint16_t)nfds, length };

	holder_header_encode(&h, out);
}

void
expect_malformed(const unsigned char *bytes, size_t len, const int *fds,
    size_t nfds)
{
	int sock = xconnect();

	send_raw(sock, bytes, len, fds, nfds);
	/*
	 * The holder may have answered and closed already: FreeBSD then
	 * fails the shutdown with ENOTCONN (soshutdown).  The reply is read
	 * either way.
	 */
	if (shutdown(sock, SHUT_WR) == -1)
		assert_int_equal(errno, ENOTCONN);
	assert_error_then_closed(sock, HOLDER_E_MALFORMED);
	xclose(sock);
}

/*
 * INFO once the holder has closed every other connection (and with each
 * what it held for it): its only connection is the one asking.
 */
struct holder_info
holder_settled(void)
{
	struct holder_info info = { 0 };
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		struct holder_reply r;

		/* BUSY while the holder has not yet seen the others go. */
		if (request(HOLDER_INFO, NULL, 0, NULL, 0, &r) == HOLDER_OK) {
			assert_int_equal(holder_info_decode(&r, &info), 0);
			if (info.connections == 1)
				break;
		}
		sleep_ms(10);
	}
	assert_int_equal(info.connections, 1);
	return info;
}

/*
 * One datagram of exactly len bytes (NUL bytes included) to the holder's
 * notify socket, sent as sd_notify(3) sends it: from an unconnected
 * socket, the path in msg_name.
 */
void
notify_bytes(const char *bytes, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)bytes, len };
	struct sockaddr_un sun;
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;
	int sock, tries;

	assert_true(nfds <= 4);
	assert_int_not_equal(sock = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, holder.notify, strlen(holder.notify));
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &sun;
	msg.msg_namelen = sizeof sun;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&control, 0, sizeof control);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	/*
	 * A full receiver is ENOBUFS at once on FreeBSD and NetBSD (no
	 * datagram sender waits there), and the holder may still be reading
	 * a burst the test sent: wait for it, 5 s at most.
	 */
	for (tries = 0; tries < 500; tries++) {
		if ((n = sendmsg(sock, &msg, 0)) != -1 || errno != ENOBUFS)
			break;
		sleep_ms(10);
	}
	assert_int_equal(n, (ssize_t)len);
	xclose(sock);
}

void
notify(const char *text, const int *fds, size_t nfds)
{
	notify_bytes(text, strlen(text), fds, nfds);
}

/* Entries named name, after the datagrams sent so far are applied. */
size_t
count_named_eventually(const char *name, size_t want)
{
	struct holder_reply r;
	size_t n = 0;
	int tries;

	for (tries = 0; tries < 300; tries++) {
		if (request(HOLDER_RETRIEVE, name, strlen(name), NULL, 0,
		    &r) == HOLDER_OK)
			n = r.nfds;
		else
			n = 0;
		holder_reply_close_fds(&r);
		if (n == want)
			break;
		sleep_ms(10);
	}
	return n;
}

/* INFO once the holder has seen `want` READY=1 messages (or given up). */
struct holder_info
ready_count_eventually(uint32_t want)
{
	struct holder_info info;
	int tries;

	get_info(&info);
	for (tries = 0; tries < 300 && info.ready_count < want; tries++) {
		sleep_ms(10);
		get_info(&info);
	}
	return info;
}

/*
 * Runs `fdpass exec` with only 0, 1, 2 open, so that the holder
 * connection takes 3 and the descriptors arrive at 4.. inside the range
 * they must move into.  Returns the exit status.
 */
int
run_exec(char *const argv[], int quiet)
{
	pid_t pid;
	int status;

	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if (quiet) {
			int devnull = open("/dev/null", O_WRONLY);

			dup2(devnull, 2);
		}
		close_from_3();
		unsetenv("LISTEN_FDS");
		setenv("LISTEN_PID", "1", 1);	/* stale: must be replaced */
		exec_fdpass(argv);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void
assert_reads(int fd, const char *want)
{
	char buf[32];
	ssize_t n;

	assert_true((n = read(fd, buf, sizeof buf - 1)) > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

/*
 * Runs `fdpass ARGS...` with stdin from /dev/null; its stdout, up to
 * size - 1 bytes, in out.  Returns the exit status.
 */
int
run_cli(char *const argv[], char *out, size_t size)
{
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	int p[2], status;

	xpipe(p);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(p[1], 1);
		close_from_3();
		exec_fdpass(argv);
	}
	xclose(p[1]);
	while (got < size - 1 && (n = read(p[0], out + got,
	    size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	xclose(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#ifdef __linux__
/*
 * A notify datagram that says it comes from uid (root may say so), with
 * SCM_CREDENTIALS as libsystemd adds them, and one descriptor.
 */
void
notify_as(uid_t uid, const char *text, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		    CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct ucred cred = { getpid(), uid, getgid() };
	struct iovec iov = { (void *)text, strlen(text) };
	struct sockaddr_un sun;
	struct msghdr msg;
	struct cmsghdr *cm;
	int sock;

	memset(&control, 0, sizeof control);
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof control.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof cred);
	memcpy(CMSG_DATA(cm), &cred, sizeof cred);
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, holder.notify, strlen(holder.notify));
	msg.msg_name = &sun;
	msg.msg_namelen = sizeof sun;
	assert_int_not_equal(sock = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)strlen(text));
	xclose(sock);
}
#endif
