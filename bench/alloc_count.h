/* SPDX-License-Identifier: ISC */
/*
 * Counts heap allocations (malloc, calloc, realloc, aligned_alloc,
 * posix_memalign) by replacing glibc's entry points with ones that count
 * and call glibc's own: the benchmarks' and tests/imsg's "allocations per
 * message".  COUNTING_ALLOCATIONS is 1 where that works: glibc, no
 * sanitizer allocator, and a link that lets malloc be replaced (CMake
 * tries to link one and defines FDPASS_BENCH_NO_MALLOC_COUNT where it
 * fails: a static glibc link, whose libc.a defines malloc in the object
 * that defines __libc_malloc).
 *
 * ALLOC_COUNT_STORAGE, defined before including this, makes the count
 * per thread (_Thread_local); by default it is one for the process.
 */
#ifndef FDPASS_ALLOC_COUNT_H
#define FDPASS_ALLOC_COUNT_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/* A sanitizer's allocator owns malloc; counting would fight it. */
#if defined(__SANITIZE_ADDRESS__)
#define FDPASS_BENCH_NO_MALLOC_COUNT
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FDPASS_BENCH_NO_MALLOC_COUNT
#endif
#endif

#ifndef ALLOC_COUNT_STORAGE
#define ALLOC_COUNT_STORAGE
#endif

static ALLOC_COUNT_STORAGE unsigned long allocations;

#if defined(__GLIBC__) && !defined(FDPASS_BENCH_NO_MALLOC_COUNT)
#define COUNTING_ALLOCATIONS 1
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void *aligned_alloc(size_t a, size_t n);
int posix_memalign(void **p, size_t a, size_t n);

void *
malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	allocations++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t a, size_t n)
{
	allocations++;
	return __libc_memalign(a, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	allocations++;
	*p = __libc_memalign(a, n);
	return *p == NULL ? ENOMEM : 0;
}
#else
#define COUNTING_ALLOCATIONS 0
#endif

#endif /* FDPASS_ALLOC_COUNT_H */
