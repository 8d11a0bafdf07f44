/*
 * System call dispatch: the ABI's table maps the number to the call's
 * description: its handler and the argument kinds -strace prints. A number
 * without a handler returns -ENOSYS.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include "linux-user/user.h"

int64_t arg_long(const UserProcess *p, const uint64_t *args, int i)
{
    return p->abi->is64 ? (int64_t)args[i] : (int64_t)(int32_t)args[i];
}

const char *guest_path(UserProcess *p, uint64_t addr, int64_t *error)
{
    const char *path = guest_string(p, addr);
    if (!path) {
        *error = -EFAULT;
        return NULL;
    }
    /* the guest's own executable is the guest program, not the emulator */
    if (strcmp(path, "/proc/self/exe") == 0) {
        return p->exe_path;
    }
    return path;
}

static bool call_does_not_return(const SyscallEntry *entry)
{
    return entry && (entry->handler == sys_exit || entry->handler == sys_exit_group ||
                     entry->handler == sys_execve);
}

int64_t do_syscall(UserProcess *p, uint64_t nr, const uint64_t *args)
{
    const SyscallEntry *entry = nr < p->abi->nb_syscalls ? p->abi->syscalls[nr] : NULL;
    char call[768];
    if (p->strace) {
        strace_format_call(p, entry, nr, args, call, sizeof(call));
        if (call_does_not_return(entry)) {
            fprintf(stderr, "%s\n", call);
        }
    }
    int64_t ret = entry && entry->handler ? entry->handler(p, args) : -ENOSYS;
    if (p->strace) {
        strace_print_result(p, call, ret);
    }
    return ret;
}
