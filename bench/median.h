/* SPDX-License-Identifier: ISC */
/*
 * The median of a run's rounds, for fdpass-bench and bench-imsg (which
 * also builds against another imsg, so it takes this header, not a
 * library).
 */
#ifndef FDPASS_BENCH_MEDIAN_H
#define FDPASS_BENCH_MEDIAN_H

#include <stdlib.h>

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* FDPASS_BENCH_MEDIAN_H */
