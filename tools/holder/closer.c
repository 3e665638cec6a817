/* SPDX-License-Identifier: ISC */
/*
 * Closing descriptors the holder does not control: what clients stored,
 * sent with a request or a notify message, and the holder's own copies of
 * them.  Every such close goes through hold_close() (hold.h).
 */
#include "hold.h"

#include <unistd.h>

void
hold_close(int fd)
{
	(void)close(fd);
}

void
hold_close_all(int *fds, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		hold_close(fds[i]);
	*n = 0;
}
