/* SPDX-License-Identifier: ISC */
/*
 * The fd holder's control protocol, shared by `fdpass hold` (the server)
 * and `fdpass store`, `exec`, `list`, `delete` (the clients).  The wire
 * format is documented in docs/holder.md; this header is its one
 * definition.
 *
 * A connection is an AF_UNIX SOCK_STREAM socket (SOCK_SEQPACKET is missing
 * on macOS).  Every message is a frame: an 8-byte header, then `length`
 * bytes of payload.  Descriptors travel as SCM_RIGHTS with the frame's
 * bytes, sent in the same fdpass_send_with_fds() call as its header, so
 * they always arrive before the frame's last byte.
 */
#ifndef FDPASS_HOLDER_PROTO_H
#define FDPASS_HOLDER_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdpass.h"

#define HOLDER_VERSION		1
#define HOLDER_HEADER_SIZE	8
#define HOLDER_PAYLOAD_MAX	4096
/* Descriptors in one frame: what every supported OS passes at once. */
#define HOLDER_FRAME_FDS_MAX	FDPASS_PORTABLE_MAX_FDS
/* systemd's FDNAME_MAX: LISTEN_FDNAMES entries are at most this long. */
#define HOLDER_NAME_MAX		255

/* Requests, client to holder. */
enum holder_request {
	HOLDER_STORE = 1,	/* payload: name; 1..64 descriptors */
	HOLDER_RETRIEVE = 2,	/* payload: name */
	HOLDER_LIST = 3,	/* no payload */
	HOLDER_DELETE = 4,	/* payload: name */
	HOLDER_INFO = 5,	/* no payload */
	HOLDER_WAIT_READY = 6	/* payload: u32 after, u32 pid, and
				   optionally u32 timeout_ms (0 or absent:
				   the holder's default, 90 s) */
};

/* Replies, holder to client. */
enum holder_reply_code {
	HOLDER_OK = 0x80,	/* payload depends on the request */
	HOLDER_ERROR = 0x81,	/* payload: u32 holder_error, message text */
	HOLDER_ENTRY = 0x82	/* one LIST line: name, NUL, description */
};

/* The code in an HOLDER_ERROR reply; the text says the rest. */
enum holder_error {
	HOLDER_E_MALFORMED = 1,	/* not a valid frame for this protocol */
	HOLDER_E_BAD_NAME = 2,
	HOLDER_E_NOT_FOUND = 3,
	HOLDER_E_FULL = 4,	/* the table holds HOLD_ENTRIES_MAX entries */
	HOLDER_E_BUSY = 5,	/* too many connections */
	HOLDER_E_DENIED = 6,	/* peer uid not allowed */
	HOLDER_E_NO_NOTIFY = 7,	/* WAIT_READY without --notify */
	HOLDER_E_RESOURCES = 8,	/* the holder ran out of descriptors */
	HOLDER_E_ALREADY_HELD = 9,	/* STORE of a socket held under
					   another name */
	HOLDER_E_TIMEOUT = 10,	/* WAIT_READY: no READY=1 in time */
	HOLDER_E_STOPPING = 11	/* WAIT_READY: STOPPING=1 came first */
};

/*
 * The payload of the OK reply to HOLDER_INFO: fixed fields, then the
 * notify socket's absolute path (empty without --notify).
 */
struct holder_info {
	uint32_t pid;		/* the holder's own pid */
	uint32_t ready_count;	/* READY=1 messages seen so far */
	uint32_t ready_mainpid;	/* MAINPID= of the last one, 0 if none */
	uint32_t entries;	/* descriptors held */
	uint32_t connections;	/* open client connections, this one too */
	uint32_t open_fds;	/* the holder's open descriptors, or
				   UINT32_MAX where it cannot count them */
	uint32_t peak_rss_kb;	/* getrusage ru_maxrss, in KiB */
	char notify_path[HOLDER_PAYLOAD_MAX - 7 * 4 + 1];
};
#define HOLDER_INFO_FIXED_SIZE (7 * 4)

struct holder_header {
	uint8_t version;
	uint8_t code;
	uint16_t nfds;
	uint32_t length;
};

/* A reply as a client receives it; the payload is NUL-terminated. */
struct holder_reply {
	struct holder_header header;
	unsigned char payload[HOLDER_PAYLOAD_MAX + 1];
	int fds[HOLDER_FRAME_FDS_MAX];
	size_t nfds;
};

void holder_header_encode(const struct holder_header *h,
    unsigned char out[HOLDER_HEADER_SIZE]);
void holder_header_decode(const unsigned char in[HOLDER_HEADER_SIZE],
    struct holder_header *h);

/* Big-endian integers in payloads. */
void holder_put_u32(unsigned char *out, uint32_t v);
uint32_t holder_get_u32(const unsigned char *in);

/*
 * Why a request header is not acceptable (the text of the error reply), or
 * NULL when it is.  Checked as soon as the 8 bytes are in, before the
 * payload is read.
 */
const char *holder_request_header_problem(const struct holder_header *h);

/*
 * Why NAME (len bytes, not NUL-terminated) cannot name a descriptor, or
 * NULL when it can: systemd's fdname_is_valid() (printable ASCII, no ':',
 * at most 255 bytes), and not empty.
 */
const char *holder_name_problem(const char *name, size_t len);

/*
 * Client side, blocking.  holder_connect() returns a connected,
 * FD_CLOEXEC socket or -1 with errno set (ENAMETOOLONG for a path that
 * does not fit in sun_path).
 */
int holder_connect(const char *path);

/*
 * The same, where every send and receive on the socket, and the connect()
 * itself where the OS waits in it, fails with EAGAIN (or EWOULDBLOCK)
 * after timeout_ms without progress (SO_SNDTIMEO, SO_RCVTIMEO); 0 waits
 * for ever, as holder_connect() does.
 */
int holder_connect_deadline(const char *path, unsigned timeout_ms);

/* Sends one frame, its descriptors with its first byte.  0 or -1/errno. */
int holder_send(int sock, int code, const void *payload, size_t length,
    const int *fds, size_t nfds);

/*
 * Receives one reply frame into r.  0, or -1 with errno set: EPROTO for a
 * frame that breaks the protocol, ECONNRESET when the holder closed the
 * connection first.  On failure no descriptor is left open.
 */
int holder_recv(int sock, struct holder_reply *r);

/*
 * One request and the first frame of its reply: holder_send() then
 * holder_recv().  0, or -1 with errno set.
 */
int holder_request(int sock, int code, const void *payload, size_t length,
    const int *fds, size_t nfds, struct holder_reply *r);

/* Closes the descriptors of a reply. */
void holder_reply_close_fds(struct holder_reply *r);

/* The text of an HOLDER_ERROR reply. */
const char *holder_error_text(const struct holder_reply *r);

/* Decodes the OK reply to HOLDER_INFO; -1/EPROTO when too short. */
int holder_info_decode(const struct holder_reply *r, struct holder_info *info);

#endif
