/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: libfdpass-imsg's reader fed by a hostile peer over a
 * real socketpair.  The input is a script: byte 0 picks descriptor passing
 * (bit 0) and a small maxsize (bit 1); then chunks of [length][flags]
 * [bytes], each written by the peer (flags bit 0: with a descriptor on its
 * first byte) and read once.  Whatever the bytes, no read may crash, and
 * after imsgbuf_clear() no descriptor may be left open.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fdpass.h>
#include <imsg.h>

#include "fdcount.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
drain(struct imsgbuf *ib)
{
	struct imsg imsg;
	struct ibuf view;
	char c;
	int fd;

	while (imsgbuf_get(ib, &imsg) == 1) {
		if ((fd = imsg_get_fd(&imsg)) >= 0)
			close(fd);
		if (imsg_get_len(&imsg) > 0) {
			(void)imsg_get_buf(&imsg, &c, 1);
			(void)imsg_get_ibuf(&imsg, &view);
		}
		imsg_free(&imsg);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf ib;
	struct iovec iov;
	size_t before, after, pos = 1, len;
	int sv[2], p[2], failed = 0;

	if (size < 1 || fdcount(&before) == -1)
		return 0;
	if (fdpass_socketpair(SOCK_STREAM | FDPASS_SOCK_NONBLOCK, sv) == -1)
		abort();
	if (imsgbuf_init(&ib, sv[1]) == -1)
		abort();
	if (data[0] & 1)
		imsgbuf_allow_fdpass(&ib);
	if ((data[0] & 2) && imsgbuf_set_maxsize(&ib, 64) == -1)
		abort();
	while (pos + 2 <= size && !failed) {
		len = data[pos];
		if (len > size - pos - 2)
			len = size - pos - 2;
		iov.iov_base = (void *)(data + pos + 2);
		iov.iov_len = len;
		if ((data[pos + 1] & 1) && len > 0) {
			if (pipe(p) == -1)
				abort();
			(void)fdpass_send_with_fd(sv[0], &iov, 1, p[0]);
			close(p[0]);
			close(p[1]);
		} else if (len > 0)
			(void)write(sv[0], iov.iov_base, len);
		pos += 2 + len;
		if (imsgbuf_read(&ib) == -1)
			failed = 1;
		drain(&ib);
	}
	imsgbuf_clear(&ib);
	close(sv[0]);
	close(sv[1]);
	if (fdcount(&after) == -1 || after != before)
		abort();
	return 0;
}
