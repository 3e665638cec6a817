/* SPDX-License-Identifier: ISC */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fdpass.h>

/* Passes one end of a socketpair over itself and back: 0 on success. */
int
main(void)
{
	struct iovec iov = { .iov_base = (void *)"c", .iov_len = 1 };
	int sv[2], got = -1;
	char c;

	if (strcmp(fdpass_version(), "0.1.0") != 0 ||
	    fdpass_socketpair(SOCK_STREAM, sv) != 0 ||
	    fdpass_send_with_fd(sv[0], &iov, 1, sv[0]) != 1 ||
	    fdpass_recv_with_fd(sv[1], &c, 1, &got) != 1 || got < 0)
		return 1;
	close(got);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
