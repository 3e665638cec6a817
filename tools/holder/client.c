/* SPDX-License-Identifier: ISC */
#include "client.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"

unsigned
holder_client_timeout_ms(void)
{
	const char *s = getenv("FDPASS_CLIENT_TIMEOUT_MS");
	unsigned long v;
	char *end;

	if (s == NULL || *s < '1' || *s > '9')
		return HOLDER_CLIENT_TIMEOUT_MS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT_MAX / 2)
		return HOLDER_CLIENT_TIMEOUT_MS;
	return (unsigned)v;
}

int
holder_client_parse_uid(const char *context, const char *arg, uid_t *uid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    (uid_t)v != v || (uid_t)v == HOLDER_UID_NONE)
		return cli_value_error(context, "--holder-uid needs a numeric "
		    "uid, not '%s'", arg);
	*uid = (uid_t)v;
	return 0;
}

int
holder_client_uid_option(const char *context, int argc, char **argv,
    int *i, uid_t *uid)
{
	if (*i + 1 == argc)
		return cli_usage_error(context, "--holder-uid needs an "
		    "argument");
	return holder_client_parse_uid(context, argv[++*i], uid);
}

/*
 * Whom the holder runs as, from the kernel (SO_PEERCRED, getpeereid...):
 * root, our own effective uid, or the one --holder-uid names.  Whoever
 * else bound the path could answer RETRIEVE with a pipe of theirs and
 * INFO with a notify socket of theirs.
 */
static int
check_holder_uid(const char *context, const char *path, int sock,
    uid_t also_uid)
{
	struct fdpass_cred cred;

	if (fdpass_peer_cred(sock, &cred) == -1) {
		(void)cli_error(context, "cannot tell who runs the holder at "
		    "%s: %s", path, strerror(errno));
		return -1;
	}
	if (cred.uid == 0 || cred.uid == geteuid() || cred.uid == also_uid)
		return 0;
	(void)cli_error(context, "the holder at %s runs as uid %lu: neither "
	    "root nor this command's uid %lu, refused (--holder-uid %lu "
	    "trusts it)", path, (unsigned long)cred.uid,
	    (unsigned long)geteuid(), (unsigned long)cred.uid);
	return -1;
}

int
holder_client_connect(const char *context, const char *path, uid_t also_uid)
{
	unsigned timeout_ms = holder_client_timeout_ms();
	int sock;

	if ((sock = holder_connect_deadline(path, timeout_ms)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			(void)holder_client_transport_error(context);
		else
			(void)cli_error(context, "cannot connect to the holder "
			    "at %s: %s", path, strerror(errno));
		return -1;
	}
	if (check_holder_uid(context, path, sock, also_uid) == -1) {
		close(sock);
		return -1;
	}
	return sock;
}

/* The reply is OK or an entry; else says why not. */
static int
check_reply(const char *context, struct holder_reply *r)
{
	if (r->header.code == HOLDER_OK || r->header.code == HOLDER_ENTRY)
		return 0;
	holder_reply_close_fds(r);
	if (r->header.code == HOLDER_ERROR)
		(void)cli_error(context, "%s", holder_error_text(r));
	else
		(void)cli_error(context, "unexpected reply 0x%02x from the "
		    "holder", r->header.code);
	return -1;
}

int
holder_client_transport_error(const char *context)
{
	unsigned ms;

	if (errno == ECONNRESET || errno == EPIPE)
		(void)cli_error(context, "the holder closed the connection");
	else if (errno == EPROTO)
		(void)cli_error(context, "malformed reply from the holder");
	else if (errno == EAGAIN || errno == EWOULDBLOCK) {
		ms = holder_client_timeout_ms();
		if (ms % 1000 == 0)
			(void)cli_error(context, "the holder did not answer "
			    "within %u s", ms / 1000);
		else
			(void)cli_error(context, "the holder did not answer "
			    "within %u ms", ms);
	} else
		(void)cli_error(context, "holder: %s", strerror(errno));
	return -1;
}

int
holder_client_call(const char *context, int sock, int code,
    const void *payload, size_t length, const int *fds, size_t nfds,
    struct holder_reply *r)
{
	int saved;

	if (holder_send(sock, code, payload, length, fds, nfds) == -1) {
		/* A holder that refused the connection said why before it
		   closed: the reason is waiting to be read. */
		saved = errno;
		if ((saved == EPIPE || saved == ECONNRESET) &&
		    holder_recv(sock, r) == 0)
			return check_reply(context, r);
		errno = saved;
		return holder_client_transport_error(context);
	}
	return holder_client_next(context, sock, r);
}

int
holder_client_next(const char *context, int sock, struct holder_reply *r)
{
	if (holder_recv(sock, r) == -1)
		return holder_client_transport_error(context);
	return check_reply(context, r);
}

int
holder_client_check_name(const char *context, const char *name)
{
	const char *problem;

	if ((problem = holder_name_problem(name, strlen(name))) != NULL)
		return cli_value_error(context, "bad name '%s': %s", name,
		    problem);
	return 0;
}
