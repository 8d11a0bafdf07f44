/*
 * The descriptions of the system calls both x86 ABIs share, one object per
 * call (syscall_read, syscall_openat, ...), listed in syscall-defs.h; the ABI
 * tables point at them by number.
 */
#include <stddef.h>
#include "linux-user/user.h"

#define SYSCALL(name, handler, ...) \
    const SyscallEntry syscall_##name = { #name, handler, { __VA_ARGS__ } };
#include "linux-user/syscall-defs.h"
#undef SYSCALL
