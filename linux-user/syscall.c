/*
 * System call dispatch: the ABI's table maps the number to the call's
 * description: its handler and the argument kinds -strace prints. A number
 * without a handler returns -ENOSYS. It also records, for signal delivery,
 * whether a call cut short by a signal is restarted.
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
    const char *self = procfs_self_file(path);
    if (self && strcmp(self, "exe") == 0) {
        return p->exe_path;
    }
    char *buf = p->path_buf[p->path_next++ % 4];
    return user_prefix_path(p, path, buf, sizeof(p->path_buf[0]));
}

static bool call_does_not_return(const SyscallEntry *entry)
{
    return entry && (entry->handler == sys_exit || entry->handler == sys_exit_group ||
                     entry->handler == sys_execve);
}

/* Calls that Linux never restarts after a handler, whatever SA_RESTART says
 * (signal(7), "Interruption of system calls"), and the sigreturns, whose
 * value is the interrupted code's rax. */
static bool never_restarted(const SyscallEntry *entry)
{
    static SyscallHandler *const list[] = {
        sys_rt_sigsuspend, sys_sigsuspend, sys_pause, sys_rt_sigtimedwait,
        sys_rt_sigtimedwait_time64, sys_nanosleep, sys_clock_nanosleep,
        sys_clock_nanosleep_time64, sys_poll, sys_ppoll, sys_ppoll_time64, sys_select,
        sys_pselect6, sys_pselect6_time64, sys_epoll_wait, sys_rt_sigreturn, sys_sigreturn,
        sys_epoll_pwait, sys_epoll_pwait2, sys_semop, sys_semtimedop, sys_semtimedop_time64,
    };
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
        if (entry->handler == list[i]) {
            return true;
        }
    }
    return false;
}

/* Calls that change the guest's address space: one at a time across threads
 * (user_mem_lock, thread.c). */
static bool changes_address_space(const SyscallEntry *entry)
{
    static SyscallHandler *const list[] = {
        sys_brk, sys_mmap, sys_mmap2, sys_old_mmap, sys_munmap, sys_mprotect, sys_mremap,
        sys_madvise,
    };
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
        if (entry->handler == list[i]) {
            return true;
        }
    }
    return false;
}

static int64_t call_handler(UserProcess *p, const SyscallEntry *entry, const uint64_t *args)
{
    if (!changes_address_space(entry)) {
        return entry->handler(p, args);
    }
    user_mem_lock(p);
    int64_t ret = entry->handler(p, args);
    user_mem_unlock(p);
    return ret;
}

static int64_t run_handler(UserProcess *p, const SyscallEntry *entry, const uint64_t *args)
{
    /* the flag only stops safe system calls from starting; what is
     * deliverable is checked right after clearing it */
    p->signal_flag = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (user_signals_deliverable(p)) {
        /* a signal came after the last delivery: its handler runs first, as
         * Linux would have run it before this call, and the call after it */
        p->syscall_restart = SYSCALL_RESTART_ALWAYS;
        return -EINTR;
    }
    p->syscall_not_started = false;
    if (p->signalfd_mask) {
        /* a signalfd finds the guest's own blocked signals (syscall-fdext.c) */
        user_signals_to_host(p, p->signalfd_mask);
    }
    int64_t ret = call_handler(p, entry, args);
    if (p->syscall_not_started) {
        p->syscall_restart = SYSCALL_RESTART_ALWAYS;
    } else if (ret == -EINTR && !never_restarted(entry)) {
        p->syscall_restart = SYSCALL_RESTART_SA;
    } else {
        p->syscall_restart = SYSCALL_RESTART_NONE;
    }
    return ret;
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
    p->syscall_nr = nr;
    p->syscall_restart = SYSCALL_RESTART_NONE;
    int64_t ret = entry && entry->handler ? run_handler(p, entry, args) : -ENOSYS;
    if (p->strace) {
        strace_print_result(p, call, ret);
    }
    return ret;
}
