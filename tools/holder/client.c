/* SPDX-License-Identifier: ISC */
#include "client.h"

#include <errno.h>
#include <string.h>

#include "../cli.h"

int
holder_client_connect(const char *context, const char *path)
{
	int sock;

	if ((sock = holder_connect(path)) == -1)
		(void)cli_error(context, "cannot connect to the holder at %s: %s",
		    path, strerror(errno));
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

static int
transport_error(const char *context)
{
	if (errno == ECONNRESET || errno == EPIPE)
		(void)cli_error(context, "the holder closed the connection");
	else if (errno == EPROTO)
		(void)cli_error(context, "malformed reply from the holder");
	else
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
		return transport_error(context);
	}
	return holder_client_next(context, sock, r);
}

int
holder_client_next(const char *context, int sock, struct holder_reply *r)
{
	if (holder_recv(sock, r) == -1)
		return transport_error(context);
	return check_reply(context, r);
}

int
holder_client_check_name(const char *context, const char *name)
{
	const char *problem;

	if ((problem = holder_name_problem(name, strlen(name))) != NULL)
		return cli_usage_error(context, "bad name '%s': %s", name,
		    problem);
	return 0;
}
