/* SPDX-License-Identifier: ISC */
/*
 * The holder's server (docs/holder.md): its sockets, the signals, the poll
 * loop and the shutdown.  conn.c serves each client, notify.c reads
 * systemd notify messages, table.c keeps the descriptors; tools/cmd_hold.c
 * reads the options and calls hold_serve().
 *
 * One poll loop, every socket non-blocking: no client can make the holder
 * wait.  Closing what came from outside is handed to closer.c's threads,
 * and the log is written only when stderr can take it (base.c), since
 * both could block.  SIGTERM (and SIGINT, unless it was ignored when the
 * holder started) end the loop through a self-pipe; the holder then
 * closes everything and removes its socket files.  SIGHUP is ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fdpass.h"
#include "hold.h"
#include "server.h"

/* A start-up failure, said once: the exit status of hold_serve(). */
#define startup_error(...) (hold_log(__VA_ARGS__), EXIT_FAILURE)
/* Connections accepted and notify messages read per turn of the loop. */
#define ACCEPTS_PER_TURN 16
/* How long accept() rests after EMFILE, so the loop does not spin. */
#define ACCEPT_PAUSE_MS 100
/* Descriptors the holder may need at most: held, and per connection its
   socket, a request's and a reply's descriptors; plus a few. */
#define HOLD_FDS_NEEDED (HOLD_ENTRIES_MAX + HOLD_CONNECTIONS_MAX * \
	(1 + 2 * HOLDER_FRAME_FDS_MAX) + 16)
/* The most descriptor numbers waiting for closer.c's threads. */
#define CLOSE_QUEUE_MAX 65536
/* At exit, how long the closes still queued may take before the holder
   exits anyway. */
#define EXIT_CLOSE_WAIT_MS 1000

/* Written by the signal handler, read by the loop. */
static volatile sig_atomic_t stop_requested;
static int signal_pipe[2] = { -1, -1 };

struct bound_socket {
	int sock;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	dev_t dev;	/* identify our socket file at exit, so that a */
	ino_t ino;	/* successor's is never removed */
};



static void
on_stop_signal(int sig)
{
	int saved = errno;

	(void)sig;
	stop_requested = 1;
	/*
	 * Wakes poll().  An if, not a (void) cast: gcc still warns on the
	 * cast where _FORTIFY_SOURCE marks write() warn_unused_result.
	 */
	if (write(signal_pipe[1], "x", 1) == -1) {
		/* EAGAIN: the pipe is full, which already wakes poll(). */
	}
	errno = saved;
}

static int
set_cloexec_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static int
setup_signals(void)
{
	struct sigaction sa, old;

	if (pipe(signal_pipe) == -1 || set_cloexec_nonblock(signal_pipe[0]) ||
	    set_cloexec_nonblock(signal_pipe[1]))
		return startup_error("pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, NULL, &old) == -1)
		return startup_error("sigaction: %s", strerror(errno));
	/* A shell starts `cmd &` in a script with SIGINT ignored, so that
	   Ctrl-C to the script's process group spares it: so be it. */
	if (old.sa_handler != SIG_IGN && sigaction(SIGINT, &sa, NULL) == -1)
		return startup_error("sigaction: %s", strerror(errno));
	/* A write to a client that left must not kill the holder; the
	   library's sends never raise it, this covers stderr.  A hangup of
	   the terminal it was started from must not either; there is
	   nothing to reload. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		return startup_error("sigaction: %s", strerror(errno));
	return 0;
}

/* A late signal's handler then writes to -1, harmlessly, never into a
   descriptor that reused the number. */
static void
close_signal_pipe(void)
{
	int fds[2] = { signal_pipe[0], signal_pipe[1] };

	signal_pipe[0] = signal_pipe[1] = -1;
	close(fds[0]);
	close(fds[1]);
}

/*
 * The default soft limit (1024 on Linux, 256 on macOS) is below what a
 * full holder needs; raise it as far as the hard limit lets.  Running
 * short anyway is handled: requests get an error reply.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= HOLD_FDS_NEEDED)
		return;
	rl.rlim_cur = rl.rlim_max < HOLD_FDS_NEEDED ? rl.rlim_max :
	    HOLD_FDS_NEEDED;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}



/* PATH as an absolute path: NOTIFY_SOCKET must be one (sd_notify(3)). */
static int
absolute_path(const char *path, char *out, size_t size)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		cwd[0] = '\0';
	else if (getcwd(cwd, sizeof cwd) == NULL)
		return -1;
	if ((size_t)snprintf(out, size, "%s%s%s", cwd, cwd[0] ? "/" : "",
	    path) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * A socket file left by a holder that died can be replaced; one a live
 * holder answers on, or a file that is not a socket, cannot.
 */
static int
clear_stale_socket(const char *path, int type)
{
	struct sockaddr_un sun;
	struct stat st;
	int probe, stale;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : startup_error("%s: %s",
		    path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return startup_error("%s exists and is not a socket",
		    path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((probe = socket(AF_UNIX, type, 0)) == -1)
		return startup_error("socket: %s", strerror(errno));
	/* Only ECONNREFUSED proves that nobody is there: a live socket of
	   the other type (the control socket given as --notify) says
	   EPROTOTYPE, and is not ours to remove. */
	stale = connect(probe, (struct sockaddr *)&sun, sizeof sun) == -1 &&
	    errno == ECONNREFUSED;
	close(probe);
	if (!stale)
		return startup_error("%s: another process is listening "
		    "on it", path);
	if (unlink(path) == -1)
		return startup_error("%s: %s", path, strerror(errno));
	return 0;
}

/*
 * A bound socket whose file has mode `mode` from the start: the kernel
 * gives a socket file 0777 less the umask (Linux unix_bind() in
 * net/unix/af_unix.c; FreeBSD uipc_bindat() and NetBSD unp_bind() in
 * sys/kern/uipc_usrreq.c), so it is never more open than `mode`, even for
 * an instant, and no chmod() follows.  A chmod() or stat() by name would
 * follow a symlink that whoever owns the directory (an --allow-uid user,
 * say) swapped in after bind(): root would chmod any file.
 */
static int
bind_socket(struct bound_socket *b, const char *path, int type, mode_t mode)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old_umask;
	int rc;

	b->sock = -1;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return startup_error("%s: path longer than %zu bytes",
		    path, sizeof sun.sun_path - 1);
	memcpy(sun.sun_path, path, strlen(path));
	memcpy(b->path, path, strlen(path) + 1);
	if (clear_stale_socket(path, type) != 0)
		return EXIT_FAILURE;
	if ((b->sock = socket(AF_UNIX, type, 0)) == -1 ||
	    set_cloexec_nonblock(b->sock) == -1)
		return startup_error("socket: %s", strerror(errno));
	old_umask = umask(~mode & 0777);
	rc = bind(b->sock, (struct sockaddr *)&sun, sizeof sun);
	umask(old_umask);
	if (rc == -1)
		return startup_error("bind %s: %s", path, strerror(errno));
	/* The file to remove at exit, if it is still this one.  Another
	   mode means a default ACL on the directory overrode the umask. */
	if (lstat(path, &st) == -1)
		return startup_error("%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return startup_error("%s: replaced after bind() by something "
		    "that is not a socket", path);
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	if ((st.st_mode & 07777) != mode)
		return startup_error("%s: mode %04o, not %04o (a default ACL "
		    "on the directory?)", path, (unsigned)(st.st_mode & 07777),
		    (unsigned)mode);
	if (type == SOCK_STREAM && listen(b->sock, SOMAXCONN) == -1)
		return startup_error("listen %s: %s", path,
		    strerror(errno));
	return 0;
}

/*
 * Closes the socket and removes its file if it is still ours: lstat(),
 * since a symlink to our socket is not it (unlink() removes the name it
 * is given, never what a symlink points to).
 */
static void
unbind_socket(struct bound_socket *b)
{
	struct stat st;

	if (b->sock == -1)
		return;
	close(b->sock);
	b->sock = -1;
	if (b->ino != 0 && lstat(b->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == b->dev && st.st_ino == b->ino)
		(void)unlink(b->path);
}



/* Accepts what is waiting; returns when accept() should rest a while. */
static int64_t
accept_clients(struct holder *h)
{
	int i, sock;

	for (i = 0; i < ACCEPTS_PER_TURN; i++) {
		if ((sock = accept(h->listen_sock, NULL, NULL)) == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				hold_log("accept: %s", strerror(errno));
				return hold_now_ms() + ACCEPT_PAUSE_MS;
			}
			/* EAGAIN: none left; ECONNABORTED, EINTR: the next
			   turn tries again. */
			return 0;
		}
		if (set_cloexec_nonblock(sock) == -1) {
			close(sock);
			continue;
		}
		hold_conn_admit(h, sock);
	}
	return 0;
}

static void
drain_signal_pipe(void)
{
	char buf[16];

	while (read(signal_pipe[0], buf, sizeof buf) > 0)
		continue;
}

/* The poll() timeout: until the first deadline, -1 if there is none. */
static int
poll_timeout(const struct holder *h, int64_t accept_resume)
{
	int64_t now = hold_now_ms(), first = accept_resume;
	size_t i;

	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
		const struct hold_conn *c = &h->conns[i];

		if (c->state == CONN_FREE)
			continue;
		if (first == 0 || c->deadline_ms < first)
			first = c->deadline_ms;
	}
	if (first == 0)
		return -1;
	if (first <= now)
		return 0;
	return first - now > INT_MAX ? INT_MAX : (int)(first - now);
}

static int
serve(struct holder *h)
{
	struct pollfd pfds[4 + HOLD_CONNECTIONS_MAX];
	size_t conn_of[4 + HOLD_CONNECTIONS_MAX];
	int64_t accept_resume = 0;
	size_t n, i, first_conn;

	while (!stop_requested) {
		n = 0;
		pfds[n++] = (struct pollfd){ signal_pipe[0], POLLIN, 0 };
		if (accept_resume != 0 && hold_now_ms() >= accept_resume)
			accept_resume = 0;
		pfds[n++] = (struct pollfd){ h->listen_sock,
		    accept_resume == 0 ? POLLIN : 0, 0 };
		pfds[n++] = (struct pollfd){ h->notify_sock, POLLIN, 0 };
		/* Negative: poll() skips it while no line waits. */
		pfds[n++] = (struct pollfd){ hold_log_pending() ?
		    STDERR_FILENO : -1, POLLOUT, 0 };
		first_conn = n;
		for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
			if (h->conns[i].state == CONN_FREE)
				continue;
			conn_of[n] = i;
			pfds[n++] = (struct pollfd){ h->conns[i].sock,
			    hold_conn_events(&h->conns[i]), 0 };
		}
		if (poll(pfds, n, poll_timeout(h, accept_resume)) == -1) {
			if (errno == EINTR)
				continue;
			return startup_error("poll: %s", strerror(errno));
		}
		if (pfds[0].revents)
			drain_signal_pipe();
		/* Clients first: a slot freed now is not reused until the
		   next turn, so conn_of[] stays true. */
		for (i = first_conn; i < n; i++)
			if (pfds[i].revents)
				hold_conn_run(h, &h->conns[conn_of[i]],
				    pfds[i].revents);
		if (pfds[2].revents)
			hold_notify_run(h);
		for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
			hold_conn_expire(h, &h->conns[i], hold_now_ms());
		if (pfds[1].revents)
			accept_resume = accept_clients(h);
		if (pfds[3].revents)
			hold_log_flush(pfds[3].revents);
	}
	return 0;
}

static int
client_timeout_ms(void)
{
	/* For tests that watch a stalled client being dropped. */
	const char *s = getenv("FDPASS_HOLD_CLIENT_TIMEOUT_MS");
	long v;

	if (s == NULL || (v = strtol(s, NULL, 10)) <= 0 || v > INT_MAX)
		return HOLD_CLIENT_TIMEOUT_MS;
	return (int)v;
}

static int
allocate(struct holder *h)
{
	size_t i;

	h->notify_fds_max = fdpass_max_fds();
	h->conns = malloc(HOLD_CONNECTIONS_MAX * sizeof *h->conns);
	h->notify_buf = malloc(HOLD_NOTIFY_MAX + 1);
	h->notify_fds = calloc(h->notify_fds_max, sizeof *h->notify_fds);
	if (h->conns == NULL || h->notify_buf == NULL ||
	    h->notify_fds == NULL || hold_table_init(&h->table) == -1)
		return startup_error("out of memory");
	/* Written now, not page by page as connections come: the memory
	   the holder will ever use is resident from the start, so growth
	   later can only be a leak. */
	memset(h->conns, 0, HOLD_CONNECTIONS_MAX * sizeof *h->conns);
	memset(h->table.entries, 0, HOLD_ENTRIES_MAX *
	    sizeof *h->table.entries);
	for (i = 0; i < HOLD_CONNECTIONS_MAX; i++) {
		h->conns[i].state = CONN_FREE;
		h->conns[i].sock = -1;
	}
	return 0;
}

static void
release(struct holder *h)
{
	size_t i;

	if (h->conns != NULL)
		for (i = 0; i < HOLD_CONNECTIONS_MAX; i++)
			if (h->conns[i].state != CONN_FREE)
				hold_conn_close(h, &h->conns[i]);
	if (h->table.entries != NULL)
		hold_table_free(&h->table);
	free(h->conns);
	free(h->notify_buf);
	free(h->notify_fds);
}

/* As many as the holder can have open, within reason. */
static size_t
close_queue_capacity(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur < HOLD_FDS_NEEDED)
		return HOLD_FDS_NEEDED;
	return rl.rlim_cur > CLOSE_QUEUE_MAX ? CLOSE_QUEUE_MAX :
	    (size_t)rl.rlim_cur;
}

static int
open_sockets(struct holder *h, const char *notify, struct bound_socket *ctl,
    struct bound_socket *nfy)
{
	/* Peer credentials guard the control socket; with other uids
	   allowed, they must be able to connect(). */
	if (bind_socket(ctl, h->socket_path, SOCK_STREAM,
	    h->allowed_count > 0 ? 0666 : 0600) != 0)
		return EXIT_FAILURE;
	h->listen_sock = ctl->sock;
	if (notify == NULL)
		return 0;
	if (absolute_path(notify, h->notify_path, sizeof h->notify_path) == -1)
		return startup_error("%s: %s", notify, strerror(errno));
	/* A datagram socket has no peer to check: its mode is the guard. */
	if (bind_socket(nfy, h->notify_path, SOCK_DGRAM, 0600) != 0)
		return EXIT_FAILURE;
	h->notify_sock = nfy->sock;
	if (hold_notify_open(h) == -1)
		return startup_error("%s: %s", notify, strerror(errno));
	return 0;
}


int
hold_serve(const struct hold_config *config)
{
	struct bound_socket ctl = { -1, "", 0, 0 }, nfy = { -1, "", 0, 0 };
	struct holder h;
	size_t i;
	int rc;

	memset(&h, 0, sizeof h);
	h.listen_sock = h.notify_sock = -1;
	h.socket_path = config->socket_path;
	memcpy(h.owner_uids, config->allowed_uids,
	    config->allowed_count * sizeof *h.owner_uids);
	h.owner_count = config->allowed_count;
	/* Admitted: the --allow-uid users, and those of --allow-retrieve,
	   whose rights requests.c narrows to retrieving. */
	memcpy(h.allowed_uids, config->allowed_uids,
	    config->allowed_count * sizeof *h.allowed_uids);
	h.allowed_count = config->allowed_count;
	for (i = 0; i < config->retrieve_count; i++) {
		h.retrieve_rules[i].uid = config->retrieve_uids[i];
		h.retrieve_rules[i].name = config->retrieve_names[i];
		h.allowed_uids[h.allowed_count++] = config->retrieve_uids[i];
	}
	h.retrieve_rule_count = config->retrieve_count;
	h.client_timeout_ms = client_timeout_ms();
	raise_fd_limit();
	if (hold_closer_start(close_queue_capacity()) == -1)
		return startup_error("closer thread: %s", strerror(errno));
	if ((rc = setup_signals()) == 0 && (rc = allocate(&h)) == 0 &&
	    (rc = open_sockets(&h, config->notify_path, &ctl, &nfy)) == 0) {
		hold_log_defer();
		rc = serve(&h);
	}
	release(&h);
	unbind_socket(&ctl);
	unbind_socket(&nfy);
	/* Exit promptly even when a close is stuck; the kernel closes what
	   is left at exit. */
	(void)hold_closer_stop(EXIT_CLOSE_WAIT_MS);
	close_signal_pipe();
	hold_log_finish();
	return rc;
}
