/* SPDX-License-Identifier: ISC */
/* The public header alone, as C99 with -pedantic: it must stand on its own. */
#include <fdpass.h>

int
main(void)
{
	struct fdpass_msg msg = { 0, 0, 0, 0, 0 };

	(void)msg;
	return fdpass_version()[0] == '0' ? 0 : 1;
}
