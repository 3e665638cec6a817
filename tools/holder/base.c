/* SPDX-License-Identifier: ISC */
/* The holder's clock and log (base.h). */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int64_t
hold_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hold_log(const char *fmt, ...)
{
	va_list ap;

	fputs("fdpass hold: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
