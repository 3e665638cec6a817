/* SPDX-License-Identifier: ISC */
/*
 * config.h of a simulated build: the HAVE_* capabilities of the simulated
 * kernel come from tests/sim/CMakeLists.txt, the ABI pieces glibc lacks
 * from sim_abi.h.
 */
#ifndef FDPASS_CONFIG_H
#define FDPASS_CONFIG_H

#include "sim_abi.h"

/* FreeBSD 15's seqpacket-as-stream; a variant may turn it on. */
#ifndef HAVE_UNIX_SEQPACKET_AS_STREAM
#define HAVE_UNIX_SEQPACKET_AS_STREAM 0
#endif

#endif
