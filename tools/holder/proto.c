/* SPDX-License-Identifier: ISC */
/* The fd holder's frames and names (proto.h, docs/holder.md). */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

void
holder_put_u32(unsigned char *out, uint32_t v)
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

uint32_t
holder_get_u32(const unsigned char *in)
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	    (uint32_t)in[2] << 8 | (uint32_t)in[3];
}

void
holder_header_encode(const struct holder_header *h,
    unsigned char out[HOLDER_HEADER_SIZE])
{
	out[0] = h->version;
	out[1] = h->code;
	out[2] = (unsigned char)(h->nfds >> 8);
	out[3] = (unsigned char)h->nfds;
	holder_put_u32(out + 4, h->length);
}

void
holder_header_decode(const unsigned char in[HOLDER_HEADER_SIZE],
    struct holder_header *h)
{
	h->version = in[0];
	h->code = in[1];
	h->nfds = (uint16_t)(in[2] << 8 | in[3]);
	h->length = holder_get_u32(in + 4);
}

const char *
holder_request_header_problem(const struct holder_header *h)
{
	if (h->version != HOLDER_VERSION)
		return "unsupported protocol version";
	if (h->length > HOLDER_PAYLOAD_MAX)
		return "payload longer than 4096 bytes";
	switch (h->code) {
	case HOLDER_STORE:
		if (h->nfds == 0)
			return "STORE without a descriptor";
		if (h->nfds > HOLDER_FRAME_FDS_MAX)
			return "more than 64 descriptors in one frame";
		return NULL;
	case HOLDER_RETRIEVE:
	case HOLDER_LIST:
	case HOLDER_DELETE:
	case HOLDER_INFO:
	case HOLDER_WAIT_READY:
		if (h->nfds != 0)
			return "descriptors sent with a request that takes none";
		return NULL;
	default:
		return "unknown request";
	}
}

const char *
holder_name_problem(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return "the name is empty";
	if (len > HOLDER_NAME_MAX)
		return "the name is longer than 255 bytes";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		/* ':' separates the names in LISTEN_FDNAMES. */
		if (c == ':')
			return "the name contains ':'";
		if (c < 0x20 || c > 0x7e)
			return "the name contains a byte that is not printable "
			    "ASCII";
	}
	return NULL;
}

int
holder_connect(const char *path)
{
	return holder_connect_deadline(path, 0);
}

/* SO_SNDTIMEO and SO_RCVTIMEO of timeout_ms (0: none). */
static int
set_deadline(int sock, unsigned timeout_ms)
{
	struct timeval tv;

	if (timeout_ms == 0)
		return 0;
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		return -1;
	return 0;
}

int
holder_connect_deadline(const char *path, unsigned timeout_ms)
{
	struct sockaddr_un sun;
	int sock, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	/* SOCK_CLOEXEC is missing on macOS; the command has no threads that
	   could fork in between. */
	if ((sock = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	/* Before connect(): on Linux a holder whose backlog is full would
	   keep connect() waiting, bounded by SO_SNDTIMEO alone
	   (unix_stream_connect in net/unix/af_unix.c). */
	if (fcntl(sock, F_SETFD, FD_CLOEXEC) == -1 ||
	    set_deadline(sock, timeout_ms) == -1 ||
	    connect(sock, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		close(sock);
		errno = saved;
		return -1;
	}
	return sock;
}

int
holder_send(int sock, int code, const void *payload, size_t length,
    const int *fds, size_t nfds)
{
	struct holder_header h = { HOLDER_VERSION, (uint8_t)code,
	    (uint16_t)nfds, (uint32_t)length };
	unsigned char header[HOLDER_HEADER_SIZE];
	struct iovec iov[2];
	size_t iovcnt, sent = 0, total = HOLDER_HEADER_SIZE + length;
	ssize_t n;

	holder_header_encode(&h, header);
	while (sent < total) {
		/* What is left of the header and the payload. */
		iovcnt = 0;
		if (sent < HOLDER_HEADER_SIZE) {
			iov[iovcnt].iov_base = header + sent;
			iov[iovcnt++].iov_len = HOLDER_HEADER_SIZE - sent;
		}
		if (length > 0) {
			size_t done = sent > HOLDER_HEADER_SIZE ?
			    sent - HOLDER_HEADER_SIZE : 0;

			iov[iovcnt].iov_base = (unsigned char *)payload + done;
			iov[iovcnt++].iov_len = length - done;
		}
		/* The descriptors go with the first bytes only. */
		if (sent == 0)
			n = fdpass_send_with_fds(sock, iov, iovcnt, fds, nfds);
		else
			n = fdpass_send_with_fds(sock, iov, iovcnt, NULL, 0);
		if (n == -1)
			return -1;
		sent += (size_t)n;
	}
	return 0;
}

/*
 * Reads exactly len bytes into buf, adding the descriptors that arrive to
 * r->fds.  More descriptors than a frame may carry is EPROTO.
 */
static int
recv_exact(int sock, void *buf, size_t len, struct holder_reply *r)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < len) {
		size_t nfds = HOLDER_FRAME_FDS_MAX - r->nfds;
		ssize_t n;

		n = fdpass_recv_with_fds(sock, p + got, len - got,
		    r->fds + r->nfds, &nfds);
		if (n == -1) {
			if (errno == EMSGSIZE)
				errno = EPROTO;
			return -1;
		}
		r->nfds += nfds;
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

void
holder_reply_close_fds(struct holder_reply *r)
{
	size_t i;

	for (i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	r->nfds = 0;
}

int
holder_recv(int sock, struct holder_reply *r)
{
	unsigned char header[HOLDER_HEADER_SIZE];
	int saved;

	r->nfds = 0;
	if (recv_exact(sock, header, sizeof header, r) == -1)
		goto fail;
	holder_header_decode(header, &r->header);
	if (r->header.version != HOLDER_VERSION ||
	    r->header.length > HOLDER_PAYLOAD_MAX ||
	    r->header.nfds > HOLDER_FRAME_FDS_MAX) {
		errno = EPROTO;
		goto fail;
	}
	if (recv_exact(sock, r->payload, r->header.length, r) == -1)
		goto fail;
	r->payload[r->header.length] = '\0';
	if (r->nfds != r->header.nfds) {
		errno = EPROTO;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	holder_reply_close_fds(r);
	errno = saved;
	return -1;
}

int
holder_request(int sock, int code, const void *payload, size_t length,
    const int *fds, size_t nfds, struct holder_reply *r)
{
	if (holder_send(sock, code, payload, length, fds, nfds) == -1)
		return -1;
	return holder_recv(sock, r);
}

const char *
holder_error_text(const struct holder_reply *r)
{
	if (r->header.code != HOLDER_ERROR || r->header.length < 4)
		return "malformed error reply";
	return (const char *)r->payload + 4;
}

int
holder_info_decode(const struct holder_reply *r, struct holder_info *info)
{
	const unsigned char *p = r->payload;
	size_t path_len;

	if (r->header.code != HOLDER_OK ||
	    r->header.length < HOLDER_INFO_FIXED_SIZE) {
		errno = EPROTO;
		return -1;
	}
	info->pid = holder_get_u32(p);
	info->ready_count = holder_get_u32(p + 4);
	info->ready_mainpid = holder_get_u32(p + 8);
	info->entries = holder_get_u32(p + 12);
	info->connections = holder_get_u32(p + 16);
	info->open_fds = holder_get_u32(p + 20);
	info->peak_rss_kb = holder_get_u32(p + 24);
	path_len = r->header.length - HOLDER_INFO_FIXED_SIZE;
	memcpy(info->notify_path, p + HOLDER_INFO_FIXED_SIZE, path_len);
	info->notify_path[path_len] = '\0';
	return 0;
}
