/* SPDX-License-Identifier: ISC */
/*
 * config.h of a simulated build: the HAVE_* capabilities of the simulated
 * kernel come from tests/sim/CMakeLists.txt, the ABI pieces glibc lacks
 * from sim_abi.h.
 */
#ifndef FDPASS_CONFIG_H
#define FDPASS_CONFIG_H

#include "sim_abi.h"

/* The simulated kernel's release comes through the kernel_release seam. */
#define HAVE_GETOSRELDATE 0
#define HAVE_ELF_AUX_INFO_OSRELDATE 0

#endif
