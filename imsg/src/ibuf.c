/* SPDX-License-Identifier: ISC */
/*
 * Buffers (ibuf_add(3)): a byte array with a read and a write position,
 * a limit, and at most one descriptor that the buffer owns.
 */
#include "imsg_private.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A fixed buffer (ibuf_open) keeps its bytes in the same allocation, past
 * the struct at an offset aligned for any payload a program casts to, so a
 * received message costs one allocation.  A buffer whose bytes sit there
 * is recognised by that address.
 */
#define IBUF_INLINE_OFFSET \
	((sizeof(struct ibuf) + 15) & ~(size_t)15)

static int
ibuf_is_inline(const struct ibuf *buf)
{
	return buf->buf == (const unsigned char *)buf + IBUF_INLINE_OFFSET;
}

/* Clears memory the compiler may not elide: buffers may hold secrets. */
static void *(*const volatile ibuf_memset)(void *, int, size_t) = memset;

static void
ibuf_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		ibuf_memset(p, 0, len);
}

void
imsg__close(int fd)
{
	int saved = errno;

	(void)close(fd);
	errno = saved;
}

static uint64_t
ibuf_swap64(uint64_t v)
{
	uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;

	return ((uint64_t)htonl(lo) << 32) | htonl(hi);
}

/* Host to network order for 64 bits, from htonl: no <endian.h> needed. */
static uint64_t
ibuf_hton64(uint64_t v)
{
	return htonl(1) == 1 ? v : ibuf_swap64(v);
}

/* A fixed buffer of len bytes in one allocation, its bytes zeroed or not. */
static struct ibuf *
ibuf_alloc_inline(size_t len, int zeroed)
{
	struct ibuf *buf;

	if (len > SIZE_MAX - IBUF_INLINE_OFFSET) {
		errno = ENOMEM;
		return NULL;
	}
	if (zeroed)
		buf = calloc(1, IBUF_INLINE_OFFSET + len);
	else
		buf = malloc(IBUF_INLINE_OFFSET + len);
	if (buf == NULL)
		return NULL;
	memset(buf, 0, sizeof(*buf));
	buf->buf = (unsigned char *)buf + IBUF_INLINE_OFFSET;
	buf->size = buf->max = len;
	buf->fd = -1;
	return buf;
}

struct ibuf *
ibuf_open(size_t len)
{
	return ibuf_alloc_inline(len, 1);
}

/*
 * For the reader's messages: it writes every byte before a message can be
 * got, so zeroing them first would be work thrown away.
 */
struct ibuf *
imsg__ibuf_open_unzeroed(size_t len)
{
	return ibuf_alloc_inline(len, 0);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf *buf;

	if (max == 0 || max < len) {
		errno = EINVAL;
		return NULL;
	}
	/*
	 * One byte past the inline offset, so that no other allocation can
	 * begin there and pass for inline bytes.
	 */
	if ((buf = calloc(1, IBUF_INLINE_OFFSET + 1)) == NULL)
		return NULL;
	if (len > 0 && (buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return NULL;
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return buf;
}

/*
 * Whether a written buffer may serve another message: one whose bytes
 * are their own allocation (ibuf_dynamic's shape, which imsg_create
 * needs: it grows), that holds no descriptor, and is small enough that
 * keeping it costs little.
 */
int
imsg__ibuf_reusable(const struct ibuf *buf, size_t limit)
{
	return buf->fd == -1 && !ibuf_is_inline(buf) && buf->size <= limit;
}

/*
 * Wipes a buffer set aside for reuse, as ibuf_free would before freeing
 * it: what a message held does not outlive it, and every byte past
 * buf->size is zero from here on (imsg__ibuf_reuse relies on that).
 */
void
imsg__ibuf_retire(struct ibuf *buf)
{
	ibuf_wipe(buf->buf, buf->size);
}

/*
 * A retired buffer made what ibuf_dynamic(len, max) returns: empty, len
 * bytes of zeros, growing up to max.  Its bytes are kept when there are
 * enough; buf->size drops to len, so ibuf_reserve's limit checks see what
 * a new buffer would (bytes past it are zero, from imsg__ibuf_retire).
 */
int
imsg__ibuf_reuse(struct ibuf *buf, size_t len, size_t max)
{
	unsigned char *p;

	if (buf->size < len) {
		if ((p = calloc(len, 1)) == NULL)
			return -1;
		free(buf->buf);
		buf->buf = p;
	}
	buf->entry.tqe_next = NULL;
	buf->entry.tqe_prev = NULL;
	buf->size = len;
	buf->max = max;
	buf->rpos = buf->wpos = 0;
	buf->fd = -1;
	return 0;
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	unsigned char *p;
	size_t need;

	if (len > SIZE_MAX - buf->wpos) {
		errno = ERANGE;
		return NULL;
	}
	if (buf->fd == IMSG__FD_BORROWED) {
		errno = EINVAL;
		return NULL;
	}
	need = buf->wpos + len;
	if (need > buf->size) {
		if (need > buf->max || ibuf_is_inline(buf)) {
			errno = ERANGE;
			return NULL;
		}
		/* Grow by copying, so the old bytes can be wiped. */
		if ((p = calloc(need, 1)) == NULL)
			return NULL;
		if (buf->size > 0) {
			memcpy(p, buf->buf, buf->size);
			ibuf_wipe(buf->buf, buf->size);
		}
		free(buf->buf);
		buf->buf = p;
		buf->size = need;
	}
	p = buf->buf + buf->wpos;
	buf->wpos = need;
	return p;
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void *p;

	if (len == 0)
		return 0;
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memcpy(p, data, len);
	return 0;
}

int
ibuf_add_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	return ibuf_add(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	void *p;

	if (len == 0)
		return 0;
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memset(p, 0, len);
	return 0;
}

/* The value in `width` bytes, host order; EINVAL when it does not fit. */
static int
ibuf_encode(unsigned char out[8], size_t width, uint64_t value, int network)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	if (width < 8 && value >> (width * 8) != 0) {
		errno = EINVAL;
		return -1;
	}
	switch (width) {
	case 1:
		v8 = (uint8_t)value;
		memcpy(out, &v8, 1);
		break;
	case 2:
		v16 = network ? htons((uint16_t)value) : (uint16_t)value;
		memcpy(out, &v16, 2);
		break;
	case 4:
		v32 = network ? htonl((uint32_t)value) : (uint32_t)value;
		memcpy(out, &v32, 4);
		break;
	default:
		if (network)
			value = ibuf_hton64(value);
		memcpy(out, &value, 8);
		break;
	}
	return 0;
}

static int
ibuf_add_value(struct ibuf *buf, size_t width, uint64_t value, int network)
{
	unsigned char v[8];

	if (ibuf_encode(v, width, value, network) == -1)
		return -1;
	return ibuf_add(buf, v, width);
}

static int
ibuf_set_value(struct ibuf *buf, size_t pos, size_t width, uint64_t value,
    int network)
{
	unsigned char v[8];

	if (ibuf_encode(v, width, value, network) == -1)
		return -1;
	return ibuf_set(buf, pos, v, width);
}

int
ibuf_add_n8(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 1, value, 1);
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 2, value, 1);
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 4, value, 1);
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 8, value, 1);
}

int
ibuf_add_h16(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 2, value, 0);
}

int
ibuf_add_h32(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 4, value, 0);
}

int
ibuf_add_h64(struct ibuf *buf, uint64_t value)
{
	return ibuf_add_value(buf, 8, value, 0);
}

int
ibuf_add_strbuf(struct ibuf *buf, const char *str, size_t len)
{
	char *p;
	size_t n;

	/* The string and its NUL must fit; len 0 never does. */
	n = len > 0 ? strnlen(str, len) : 0;
	if (n >= len) {
		errno = EOVERFLOW;
		return -1;
	}
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memcpy(p, str, n);
	memset(p + n, 0, len - n);
	return 0;
}

void *
ibuf_seek(struct ibuf *buf, size_t pos, size_t len)
{
	size_t used = ibuf_size(buf);

	if (pos > used || len > used - pos) {
		errno = ERANGE;
		return NULL;
	}
	return buf->buf + buf->rpos + pos;
}

int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	void *p;

	if ((p = ibuf_seek(buf, pos, len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, data, len);
	return 0;
}

int
ibuf_set_n8(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 1, value, 1);
}

int
ibuf_set_n16(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 2, value, 1);
}

int
ibuf_set_n32(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 4, value, 1);
}

int
ibuf_set_n64(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 8, value, 1);
}

int
ibuf_set_h16(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 2, value, 0);
}

int
ibuf_set_h32(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 4, value, 0);
}

int
ibuf_set_h64(struct ibuf *buf, size_t pos, uint64_t value)
{
	return ibuf_set_value(buf, pos, 8, value, 0);
}

int
ibuf_set_maxsize(struct ibuf *buf, size_t max)
{
	if (buf->fd == IMSG__FD_BORROWED) {
		errno = EINVAL;
		return -1;
	}
	/* Only lower, and never below what is already written. */
	if (max > buf->max || max < buf->wpos) {
		errno = ERANGE;
		return -1;
	}
	buf->max = max;
	return 0;
}

void *
ibuf_data(const struct ibuf *buf)
{
	return buf->buf + buf->rpos;
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return buf->wpos - buf->rpos;
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->fd == IMSG__FD_BORROWED)
		return 0;
	return buf->max - buf->wpos;
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	if (len <= ibuf_size(buf)) {
		buf->wpos = buf->rpos + len;
		return 0;
	}
	if (buf->fd == IMSG__FD_BORROWED) {
		errno = ERANGE;
		return -1;
	}
	return ibuf_add_zero(buf, len - ibuf_size(buf));
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->max = buf->wpos = len;
	buf->fd = IMSG__FD_BORROWED;
}

void
ibuf_from_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	ibuf_from_buffer(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_ibuf(struct ibuf *buf, size_t len, struct ibuf *new)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_buffer(new, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_n8(struct ibuf *buf, uint8_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *value)
{
	uint16_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = ntohs(v);
	return 0;
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *value)
{
	uint32_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = ntohl(v);
	return 0;
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *value)
{
	uint64_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	/* The swap is its own inverse. */
	*value = ibuf_hton64(v);
	return 0;
}

int
ibuf_get_h16(struct ibuf *buf, uint16_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_h32(struct ibuf *buf, uint32_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_h64(struct ibuf *buf, uint64_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

char *
ibuf_get_string(struct ibuf *buf, size_t len)
{
	char *str;
	size_t n;

	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return NULL;
	}
	if (len == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	n = len > 0 ? strnlen(ibuf_data(buf), len) : 0;
	if ((str = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(str, ibuf_data(buf), n);
	str[n] = '\0';
	buf->rpos += len;
	return str;
}

int
ibuf_get_strbuf(struct ibuf *buf, char *str, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_get(buf, str, len) == -1)
		return -1;
	if (str[len - 1] != '\0') {
		str[len - 1] = '\0';
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	buf->rpos += len;
	return 0;
}

void
ibuf_free(struct ibuf *buf)
{
	int saved = errno;

	if (buf == NULL)
		return;
	/* A borrowed buffer was never allocated: freeing it is a bug. */
	if (buf->fd == IMSG__FD_BORROWED)
		abort();
	if (buf->fd >= 0)
		(void)close(buf->fd);
	ibuf_wipe(buf->buf, buf->size);
	if (!ibuf_is_inline(buf))
		free(buf->buf);
	free(buf);
	errno = saved;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return buf->fd >= 0;
}

int
ibuf_fd_get(struct ibuf *buf)
{
	int fd;

	if (buf->fd < 0)
		return -1;
	fd = buf->fd;
	buf->fd = -1;
	return fd;
}

void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->fd == IMSG__FD_BORROWED)
		abort();
	if (buf->fd >= 0)
		imsg__close(buf->fd);
	buf->fd = fd >= 0 ? fd : -1;
}
