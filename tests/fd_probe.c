/* SPDX-License-Identifier: ISC */
/*
 * Exec'd by test_exec: exits with bit i set when the descriptor named by
 * argument i+1 is open in this new program, i.e. survived exec.
 */
#include <fcntl.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	int i, open_mask = 0;

	for (i = 1; i < argc && i <= 7; i++)
		if (fcntl(atoi(argv[i]), F_GETFD) != -1)
			open_mask |= 1 << (i - 1);
	return open_mask;
}
