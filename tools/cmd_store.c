/* SPDX-License-Identifier: ISC */
/*
 * fdpass store SOCKET NAME (--listen tcp:HOST:PORT | --listen unix:PATH |
 *     --fd N) [--holder-uid UID]: open a listening socket, or take
 * descriptor N, and store it in the holder under NAME.
 *
 * A listening socket is made ready to be handed over as it is: bound,
 * SO_REUSEADDR, and already listening with a large backlog, because a
 * program started by `fdpass exec` (lighttpd, for one) never calls
 * listen() on what it inherits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cli.h"
#include "holder/client.h"

#define CONTEXT "store"
/* The kernel clamps it to its own maximum (Linux net.core.somaxconn,
   kern.ipc.somaxconn on the BSDs and macOS): ask for plenty. */
#define STORE_LISTEN_BACKLOG 65535

struct store_options {
	const char *socket_path;
	const char *name;
	const char *listen_spec;	/* "tcp:HOST:PORT" or "unix:PATH" */
	int fd;				/* --fd N, -1 if not given */
	uid_t holder_uid;		/* --holder-uid, or HOLDER_UID_NONE */
};

static int
parse_fd(const char *arg, int *fd)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v > INT_MAX)
		return cli_value_error(CONTEXT, "--fd needs a descriptor "
		    "number, not '%s'", arg);
	*fd = (int)v;
	return 0;
}

static int
parse_options(struct store_options *o, int argc, char **argv)
{
	const char **positional[] = { &o->socket_path, &o->name };
	size_t npositional = 0;
	int i, rc;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->holder_uid = HOLDER_UID_NONE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--holder-uid") == 0) {
			if ((rc = holder_client_uid_option(CONTEXT, argc, argv,
			    &i, &o->holder_uid)) != 0)
				return rc;
		} else if (strcmp(argv[i], "--listen") == 0 ||
		    strcmp(argv[i], "--fd") == 0) {
			if (i + 1 == argc)
				return cli_usage_error(CONTEXT, "%s needs an "
				    "argument", argv[i]);
			if (o->listen_spec != NULL || o->fd != -1)
				return cli_usage_error(CONTEXT, "give one of "
				    "--listen and --fd, once");
			if (argv[i][2] == 'l')
				o->listen_spec = argv[++i];
			else if ((rc = parse_fd(argv[++i], &o->fd)) != 0)
				return rc;
		} else if (argv[i][0] == '-' || npositional == 2) {
			return cli_bad_argument(CONTEXT, argv[i]);
		} else {
			*positional[npositional++] = argv[i];
		}
	}
	if (npositional < 2)
		return cli_usage_error(CONTEXT, "missing %s",
		    npositional == 0 ? "SOCKET and NAME" : "NAME");
	if (o->listen_spec == NULL && o->fd == -1)
		return cli_usage_error(CONTEXT, "missing --listen or --fd");
	return holder_client_check_name(CONTEXT, o->name);
}

/*
 * Splits "HOST:PORT" or "[V6]:PORT" in place.  An empty HOST or "*" is
 * every IPv4 address; "[::]" every IPv6 one.
 */
static int
split_host_port(char *spec, const char **host, const char **port)
{
	char *colon;

	if (spec[0] == '[') {
		char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		*close = '\0';
		*host = spec + 1;
		*port = close + 2;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		*colon = '\0';
		*host = spec;
		*port = colon + 1;
		if (strchr(*host, ':') != NULL)	/* IPv6 needs brackets */
			return -1;
	}
	if ((*host)[0] == '\0' || strcmp(*host, "*") == 0)
		*host = "0.0.0.0";
	return (*port)[0] == '\0' ? -1 : 0;
}

/* socket, FD_CLOEXEC, SO_REUSEADDR, bind, listen: -1 with errno set. */
static int
listen_on(int family, const struct sockaddr *sa, socklen_t len)
{
	int fd, on = 1, saved;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &on, sizeof on) == -1) ||
	    bind(fd, sa, len) == -1 ||
	    listen(fd, STORE_LISTEN_BACKLOG) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
listen_tcp(const char *spec, int *fd)
{
	struct addrinfo hints, *list, *ai;
	char copy[512];
	const char *host, *port;
	int rc, saved = 0;

	if (strlen(spec) >= sizeof copy ||
	    split_host_port(strcpy(copy, spec), &host, &port) == -1)
		return cli_value_error(CONTEXT, "--listen tcp:%s: expected "
		    "tcp:HOST:PORT or tcp:[IPV6]:PORT", spec);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &list)) != 0)
		return cli_error(CONTEXT, "tcp:%s: %s", spec, gai_strerror(rc));
	*fd = -1;
	for (ai = list; ai != NULL && *fd == -1; ai = ai->ai_next)
		if ((*fd = listen_on(ai->ai_family, ai->ai_addr,
		    ai->ai_addrlen)) == -1)
			saved = errno;
	freeaddrinfo(list);
	if (*fd == -1)
		return cli_error(CONTEXT, "listen on tcp:%s: %s", spec,
		    strerror(saved));
	return 0;
}

static int
listen_unix(const char *path, int *fd)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof sun.sun_path)
		return cli_value_error(CONTEXT, "--listen unix:PATH: the path "
		    "must have 1 to %zu bytes", sizeof sun.sun_path - 1);
	memcpy(sun.sun_path, path, strlen(path));
	if ((*fd = listen_on(AF_UNIX, (struct sockaddr *)&sun,
	    sizeof sun)) == -1)
		return cli_error(CONTEXT, "listen on unix:%s: %s", path,
		    strerror(errno));
	return 0;
}

/* The descriptor to store: opened here (*opened = 1) or the caller's. */
static int
descriptor_to_store(const struct store_options *o, int *fd, int *opened)
{
	*opened = o->listen_spec != NULL;
	if (o->listen_spec == NULL) {
		if (fcntl(o->fd, F_GETFD) == -1)
			return cli_error(CONTEXT, "--fd %d: %s", o->fd,
			    strerror(errno));
		*fd = o->fd;
		return 0;
	}
	if (strncmp(o->listen_spec, "tcp:", 4) == 0)
		return listen_tcp(o->listen_spec + 4, fd);
	if (strncmp(o->listen_spec, "unix:", 5) == 0)
		return listen_unix(o->listen_spec + 5, fd);
	return cli_value_error(CONTEXT, "--listen %s: expected tcp:HOST:PORT "
	    "or unix:PATH", o->listen_spec);
}

static int
send_to_holder(const struct store_options *o, int fd)
{
	struct holder_reply r;
	int sock, rc;

	if ((sock = holder_client_connect(CONTEXT, o->socket_path,
	    o->holder_uid)) == -1)
		return EXIT_FAILURE;
	rc = holder_client_call(CONTEXT, sock, HOLDER_STORE, o->name,
	    strlen(o->name), &fd, 1, &r) == -1 ? EXIT_FAILURE : 0;
	close(sock);
	return rc;
}

int
cmd_store(int argc, char **argv)
{
	struct store_options o;
	int fd = -1, opened, rc;

	if ((rc = parse_options(&o, argc, argv)) != 0)
		return rc;
	if ((rc = descriptor_to_store(&o, &fd, &opened)) != 0)
		return rc;
	rc = send_to_holder(&o, fd);
	if (opened) {
		/* The holder has its own copy; a socket file nobody holds
		   would only be in the way of the next try. */
		close(fd);
		if (rc != 0 && strncmp(o.listen_spec, "unix:", 5) == 0)
			(void)unlink(o.listen_spec + 5);
	}
	return rc;
}
