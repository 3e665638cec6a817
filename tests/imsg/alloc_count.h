/* SPDX-License-Identifier: ISC */
/*
 * Counts heap allocations (malloc, calloc, realloc, aligned_alloc,
 * posix_memalign) by replacing glibc's entry points with ones that count
 * and call glibc's own.  ALLOC_COUNTING is 1 where that works: glibc, no
 * sanitizer allocator, and a link that lets malloc be replaced (CMake
 * tries it, as bench/CMakeLists.txt does, and defines
 * FDPASS_TEST_NO_MALLOC_COUNT where it fails: a static glibc link).
 */
#ifndef FDPASS_TEST_ALLOC_COUNT_H
#define FDPASS_TEST_ALLOC_COUNT_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define FDPASS_TEST_NO_MALLOC_COUNT
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FDPASS_TEST_NO_MALLOC_COUNT
#endif
#endif

static unsigned long alloc_count;

#if defined(__GLIBC__) && !defined(FDPASS_TEST_NO_MALLOC_COUNT)
#define ALLOC_COUNTING 1
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
	alloc_count++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	alloc_count++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	alloc_count++;
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t a, size_t n)
{
	alloc_count++;
	return __libc_memalign(a, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	alloc_count++;
	*p = __libc_memalign(a, n);
	return *p == NULL ? ENOMEM : 0;
}
#else
#define ALLOC_COUNTING 0
#endif

#endif /* FDPASS_TEST_ALLOC_COUNT_H */
