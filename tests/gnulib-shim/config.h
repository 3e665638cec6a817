/* SPDX-License-Identifier: ISC */
/*
 * The few configure results gnulib's passfd.c and cloexec.c read, so the
 * Debian gnulib package's sources build here as an interop peer.
 */
#include <stdbool.h>
#define HAVE_SENDMSG 1
#define HAVE_RECVMSG 1
#define _GL_UNUSED __attribute__((__unused__))
