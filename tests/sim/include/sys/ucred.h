/* SPDX-License-Identifier: ISC */
/* Stands in for the BSD/xnu <sys/ucred.h> in simulated builds. */
#include "sim_abi.h"
