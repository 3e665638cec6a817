/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fdpass.h>

/*
 * Passes one end of a socketpair over itself and back, and checks that the
 * descriptor received is a new one for the same socket: 0 on success.
 */
int
main(void)
{
	struct iovec iov = { .iov_base = (void *)"c", .iov_len = 1 };
	struct stat sent, received;
	int sv[2], got = -1;
	char c;

	if (strcmp(fdpass_version(), "0.2.0") != 0 ||
	    fdpass_socketpair(SOCK_STREAM, sv) != 0 ||
	    fdpass_send_with_fd(sv[0], &iov, 1, sv[0]) != 1 ||
	    fdpass_recv_with_fd(sv[1], &c, 1, &got) != 1 || got < 0 ||
	    c != 'c' || got == sv[0] ||
	    fstat(sv[0], &sent) != 0 || fstat(got, &received) != 0 ||
	    sent.st_dev != received.st_dev || sent.st_ino != received.st_ino)
		return 1;
	printf("libfdpass %s (%s backend): sent fd %d, received fd %d, "
	    "the same socket (inode %lu)\n", fdpass_version(),
	    fdpass_backend()->name, sv[0], got, (unsigned long)received.st_ino);
	close(got);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
