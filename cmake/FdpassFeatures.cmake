# SPDX-License-Identifier: ISC
# Configure-time capability probes.  They only compile, never run, so
# cross-compiling works.  Each FDPASS_FORCE_NO_* option removes one
# capability so its fallback path can be built and tested on Linux.

include(CheckSymbolExists)
include(CheckCSourceCompiles)
include(CheckStructHasMember)

set(CMAKE_REQUIRED_DEFINITIONS ${FDPASS_SYSTEM_DEFINITIONS})
list(TRANSFORM CMAKE_REQUIRED_DEFINITIONS PREPEND -D)

check_symbol_exists(MSG_CMSG_CLOEXEC "sys/socket.h" FDPASS_PROBE_MSG_CMSG_CLOEXEC)
check_symbol_exists(MSG_NOSIGNAL "sys/socket.h" FDPASS_PROBE_MSG_NOSIGNAL)
check_symbol_exists(SO_NOSIGPIPE "sys/socket.h" FDPASS_PROBE_SO_NOSIGPIPE)
check_symbol_exists(SOCK_CLOEXEC "sys/socket.h" FDPASS_PROBE_SOCK_CLOEXEC)
check_symbol_exists(SOCK_NONBLOCK "sys/socket.h" FDPASS_PROBE_SOCK_NONBLOCK)

# FreeBSD's MSG_CMSG_CLOEXEC did nothing before 13.1 and early 14-CURRENT,
# fixed by freebsd-src 6ceacebdf52211 (the range libwayland checks too).
check_c_source_compiles("
#include <sys/param.h>
#if defined(__FreeBSD__) && (__FreeBSD_version < 1300502 || (__FreeBSD_version >= 1400000 && __FreeBSD_version < 1400006))
#error broken MSG_CMSG_CLOEXEC
#endif
int main(void) { return 0; }" FDPASS_PROBE_CMSG_CLOEXEC_WORKS)

# xnu ignores MSG_NOSIGNAL before macOS 11 (xnu-7195): a build that may run
# there uses SO_NOSIGPIPE instead.
check_c_source_compiles("
#include <sys/socket.h>
#if defined(__APPLE__)
#include <AvailabilityMacros.h>
#if MAC_OS_X_VERSION_MIN_REQUIRED < 110000
#error MSG_NOSIGNAL ignored before macOS 11
#endif
#endif
int main(void) { return MSG_NOSIGNAL; }" FDPASS_PROBE_MSG_NOSIGNAL_HONOURED)

# FreeBSD's getosreldate(): the running kernel's release, asked by
# fdpass_sock_init (FreeBSD 15 changed SOCK_SEQPACKET, see src/bsd/os.h).
check_symbol_exists(getosreldate "unistd.h" HAVE_GETOSRELDATE)
if(NOT HAVE_GETOSRELDATE)
  set(HAVE_GETOSRELDATE 0)
endif()
# The same from the ELF aux vector (FreeBSD 12+), which $OSVERSION cannot
# change.
check_c_source_compiles("
#include <sys/auxv.h>
int main(void) { int r; return elf_aux_info(AT_OSRELDATE, &r, sizeof r); }"
  HAVE_ELF_AUX_INFO_OSRELDATE)
if(NOT HAVE_ELF_AUX_INFO_OSRELDATE)
  set(HAVE_ELF_AUX_INFO_OSRELDATE 0)
endif()

# A Linux libc other than glibc and bionic is taken to be musl, whose LP64
# sendmsg copies control data into a 1024-byte buffer (see src/linux/os.h).
check_c_source_compiles("
#include <sys/socket.h>
#if defined(__linux__) && !defined(__GLIBC__) && !defined(__BIONIC__)
#error not glibc or bionic
#endif
int main(void) { return 0; }" FDPASS_PROBE_LIBC_NOT_MUSL)
if(FDPASS_PROBE_LIBC_NOT_MUSL)
  set(HAVE_LIBC_SENDMSG_CONTROL_1024 0)
else()
  set(HAVE_LIBC_SENDMSG_CONTROL_1024 1)
endif()

# Peer credentials: which form the headers offer.
check_struct_has_member("struct xucred" cr_pid "sys/types.h;sys/socket.h;sys/ucred.h"
  HAVE_STRUCT_XUCRED_CR_PID)
check_symbol_exists(LOCAL_PEERCRED "sys/types.h;sys/socket.h;sys/un.h" HAVE_LOCAL_PEERCRED)
check_symbol_exists(LOCAL_PEERPID "sys/types.h;sys/socket.h;sys/un.h" HAVE_LOCAL_PEERPID)
check_symbol_exists(LOCAL_PEEREID "sys/types.h;sys/socket.h;sys/un.h" HAVE_LOCAL_PEEREID)
check_struct_has_member("struct sockpeercred" pid "sys/types.h;sys/socket.h"
  HAVE_SO_PEERCRED_SOCKPEERCRED)

# FreeBSD 14.1's kcmp(2): the holder recognises a descriptor it already
# holds (tools/holder/table.c).  Linux's has no libc wrapper and is called
# by number there.
check_c_source_compiles("
#include <unistd.h>
int main(void) { return kcmp(getpid(), getpid(), KCMP_FILE, 0, 1); }"
  FDPASS_HAVE_KCMP)
if(NOT FDPASS_HAVE_KCMP)
  set(FDPASS_HAVE_KCMP 0)
endif()

unset(CMAKE_REQUIRED_DEFINITIONS)

# Turns probe P into HAVE_NAME unless FDPASS_FORCE_NO_NAME is on.
macro(fdpass_capability name)
  if(FDPASS_PROBE_${name} AND NOT FDPASS_FORCE_NO_${name})
    set(HAVE_${name} 1)
  else()
    set(HAVE_${name} 0)
  endif()
endmacro()

option(FDPASS_FORCE_NO_CMSG_CLOEXEC "Pretend MSG_CMSG_CLOEXEC does not exist (fcntl fallback)" OFF)
option(FDPASS_FORCE_NO_MSG_NOSIGNAL "Pretend MSG_NOSIGNAL does not exist (SO_NOSIGPIPE or sigmask)" OFF)
option(FDPASS_FORCE_NO_SO_NOSIGPIPE "Pretend SO_NOSIGPIPE does not exist (sigmask)" OFF)
option(FDPASS_FORCE_NO_SOCK_CLOEXEC "Pretend SOCK_CLOEXEC does not exist (fcntl fallback)" OFF)
option(FDPASS_FORCE_NO_SOCK_NONBLOCK "Pretend SOCK_NONBLOCK does not exist (fcntl fallback)" OFF)

if(NOT FDPASS_PROBE_MSG_NOSIGNAL_HONOURED)
  set(FDPASS_PROBE_MSG_NOSIGNAL 0)
endif()
if(NOT FDPASS_PROBE_CMSG_CLOEXEC_WORKS)
  set(FDPASS_PROBE_MSG_CMSG_CLOEXEC 0)
endif()
set(FDPASS_PROBE_CMSG_CLOEXEC ${FDPASS_PROBE_MSG_CMSG_CLOEXEC})
fdpass_capability(CMSG_CLOEXEC)
set(HAVE_MSG_CMSG_CLOEXEC ${HAVE_CMSG_CLOEXEC})
fdpass_capability(MSG_NOSIGNAL)
fdpass_capability(SO_NOSIGPIPE)
fdpass_capability(SOCK_CLOEXEC)
fdpass_capability(SOCK_NONBLOCK)
