/* SPDX-License-Identifier: ISC */
/* An installed libfdpass-imsg: one message with a descriptor, both ways. */
#include <sys/socket.h>

#include <stdio.h>
#include <unistd.h>

#include <imsg.h>

int
main(void)
{
	struct imsgbuf a, b;
	struct imsg m;
	int sv[2], fd;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    imsgbuf_init(&a, sv[0]) == -1 || imsgbuf_init(&b, sv[1]) == -1)
		return 1;
	imsgbuf_allow_fdpass(&a);
	imsgbuf_allow_fdpass(&b);
	if (imsg_compose(&a, 1, 2, 0, dup(0), "hi", 2) != 1 ||
	    imsgbuf_flush(&a) == -1 || imsgbuf_read(&b) != 1 ||
	    imsgbuf_get(&b, &m) != 1)
		return 2;
	fd = imsg_get_fd(&m);
	if (imsg_get_type(&m) != 1 || imsg_get_len(&m) != 2 || fd < 0)
		return 3;
	close(fd);
	imsg_free(&m);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	puts("imsg consumer: ok");
	return 0;
}
