/*
 * futex(2) and i386's futex_time64. Guest memory is host memory at
 * guest_base + address and guest thread ids are host thread ids, so every
 * operation is the host's on the same words: waiters and wakers of all guest
 * threads (and of other processes sharing the memory) meet in the host kernel.
 * Only the pointers and the timeout change: i386's struct timespec has 32-bit
 * fields (futex) or 64-bit ones (futex_time64). A wait is a safe system call,
 * so a guest signal that comes before it starts is not slept through.
 */
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/futex.h>
#include "linux-user/user.h"

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* Operations whose fourth argument is a timeout (else it is the integer val2). */
static bool op_has_timeout(int cmd)
{
    return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
           cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI;
}

/* Operations with a second futex word (uaddr2). */
static bool op_has_uaddr2(int cmd)
{
    return cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP ||
           cmd == FUTEX_CMP_REQUEUE_PI || cmd == FUTEX_WAIT_REQUEUE_PI;
}

/* Operations that may sleep. */
static bool op_blocks(int cmd)
{
    return op_has_timeout(cmd);
}

static int64_t do_futex(UserProcess *p, const uint64_t *args, bool time64)
{
    int op = arg_int(args, 1);
    int cmd = op & FUTEX_CMD_MASK;
    /* futex words are 4-byte aligned (futex(2), EINVAL) */
    if (args[0] & 3) {
        return -EINVAL;
    }
    uint32_t *uaddr = guest_ptr(p, args[0], 4, PAGE_READ);
    if (!uaddr) {
        return -EFAULT;
    }
    uint32_t *uaddr2 = NULL;
    if (op_has_uaddr2(cmd)) {
        if (args[4] & 3) {
            return -EINVAL;
        }
        uaddr2 = guest_ptr(p, args[4], 4, PAGE_READ);
        if (!uaddr2) {
            return -EFAULT;
        }
    }
    long arg4 = (long)(uint32_t)args[3];        /* val2 */
    struct timespec ts;
    if (op_has_timeout(cmd)) {
        arg4 = 0;
        if (args[3]) {
            if (!timespec_from_guest(p, &ts, args[3], time64)) {
                return -EFAULT;
            }
            arg4 = (long)&ts;
        }
    }
    long a[6] = { (long)uaddr, op, (long)(uint32_t)args[2], arg4, (long)uaddr2,
                  (long)(uint32_t)args[5] };
    if (op_blocks(cmd)) {
        return safe_syscall_args(p, SYS_futex, a);
    }
    return host_result(syscall(SYS_futex, a[0], a[1], a[2], a[3], a[4], a[5]));
}

SYSCALL_HANDLER(futex)
{
    return do_futex(p, args, p->abi->is64);
}

SYSCALL_HANDLER(futex_time64)
{
    return do_futex(p, args, true);
}
