/*
 * Descriptors that deliver events (timerfd, signalfd, inotify), epoll_pwait
 * with its signal mask, the pipe-moving calls (splice, tee, vmsplice),
 * preadv2/pwritev2, and mlockall/munlockall.
 *
 * What the guest reads from these descriptors has the same layout in both
 * x86 ABIs and on the host: an 8-byte expiry count (timerfd_create(2)),
 * struct signalfd_siginfo of fixed-size fields (signalfd(2)), struct
 * inotify_event of 32-bit fields (inotify(7)); so read() needs no conversion.
 */
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "linux-user/user.h"

/* i386 passes a 64-bit value in two words, low first. */
static int64_t word_pair(const uint64_t *args, int low)
{
    return (int64_t)((args[low] & 0xffffffffu) | (args[low + 1] << 32));
}

/* --- timerfd --- */

SYSCALL_HANDLER(timerfd_create)
{
    return host_result(timerfd_create(arg_int(args, 0), arg_int(args, 1)));
}

/* timerfd_settime(fd, flags, new, old) */
static int64_t do_timerfd_settime(UserProcess *p, const uint64_t *args, bool time64)
{
    struct itimerspec value, old;
    if (!itimerspec_from_guest(p, &value, args[2], time64)) {
        return -EFAULT;
    }
    if (timerfd_settime(arg_int(args, 0), arg_int(args, 1), &value, &old) != 0) {
        return -errno;
    }
    return args[3] && !itimerspec_to_guest(p, args[3], &old, time64) ? -EFAULT : 0;
}

static int64_t do_timerfd_gettime(UserProcess *p, const uint64_t *args, bool time64)
{
    struct itimerspec value;
    if (timerfd_gettime(arg_int(args, 0), &value) != 0) {
        return -errno;
    }
    return itimerspec_to_guest(p, args[1], &value, time64) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(timerfd_settime) { return do_timerfd_settime(p, args, p->abi->is64); }
SYSCALL_HANDLER(timerfd_settime64) { return do_timerfd_settime(p, args, true); }
SYSCALL_HANDLER(timerfd_gettime) { return do_timerfd_gettime(p, args, p->abi->is64); }
SYSCALL_HANDLER(timerfd_gettime64) { return do_timerfd_gettime(p, args, true); }

/* --- signalfd --- */

/*
 * A host signalfd with the same mask: the guest's blocked signals wait in the
 * host kernel (signal.c), where it reads them. The ones the guest sent itself
 * wait in our queue instead; p->signalfd_mask makes the dispatcher move those
 * to the host kernel before each call (user_signals_to_host), so that read,
 * poll and epoll on the descriptor see them as Linux would.
 */
static int64_t do_signalfd(UserProcess *p, int fd, uint64_t mask_addr, uint64_t size,
                           int flags)
{
    uint64_t mask;
    if (size != 8) {
        return -EINVAL;
    }
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) {
        return -EINVAL;
    }
    if (!copy_from_guest(p, &mask, mask_addr, 8)) {
        return -EFAULT;
    }
    sigset_t set;
    user_host_sigset(mask, &set);
    int ret = signalfd(fd, &set, flags);
    if (ret < 0) {
        return -errno;
    }
    p->signalfd_mask |= mask;
    user_signals_to_host(p, p->signalfd_mask);
    return ret;
}

SYSCALL_HANDLER(signalfd)
{
    return do_signalfd(p, arg_int(args, 0), args[1], args[2], 0);
}

SYSCALL_HANDLER(signalfd4)
{
    return do_signalfd(p, arg_int(args, 0), args[1], args[2], arg_int(args, 3));
}

/* --- inotify --- */

SYSCALL_HANDLER(inotify_init)
{
    (void)p;
    (void)args;
    return host_result(inotify_init());
}

SYSCALL_HANDLER(inotify_init1)
{
    return host_result(inotify_init1(arg_int(args, 0)));
}

SYSCALL_HANDLER(inotify_add_watch)
{
    int64_t error = 0;
    const char *path = guest_path(p, args[1], &error);
    if (!path) {
        return error;
    }
    return host_result(inotify_add_watch(arg_int(args, 0), path, (uint32_t)args[2]));
}

SYSCALL_HANDLER(inotify_rm_watch)
{
    return host_result(inotify_rm_watch(arg_int(args, 0), arg_int(args, 1)));
}

/* --- epoll_pwait, epoll_pwait2 --- */

/* struct epoll_event is packed (12 bytes) on x86 in both ABIs */
#define EPOLL_EVENT_SIZE 12

/* epoll_pwait(epfd, events, max, timeout, sigmask, sigsetsize): like ppoll,
 * the mask holds for the time of the call (epoll_wait(2)). ts: epoll_pwait2's
 * timeout (struct __kernel_timespec in both ABIs), NULL for epoll_pwait. */
static int64_t do_epoll_pwait(UserProcess *p, const uint64_t *args, bool pwait2)
{
    int max = arg_int(args, 2);
    if (max <= 0 || max > (1 << 20)) {
        return -EINVAL;
    }
    void *events = guest_ptr(p, args[1], (uint64_t)max * EPOLL_EVENT_SIZE, PAGE_WRITE);
    if (!events) {
        return -EFAULT;
    }
    struct timespec ts;
    if (pwait2 && args[3] && !timespec_from_guest(p, &ts, args[3], true)) {
        return -EFAULT;
    }
    uint64_t mask;
    sigset_t host_mask;
    if (args[4]) {
        if (args[5] != 8) {
            return -EINVAL;
        }
        if (!copy_from_guest(p, &mask, args[4], 8)) {
            return -EFAULT;
        }
        user_call_mask_begin(p, mask, &host_mask);
    }
    long timeout = pwait2 ? (args[3] ? (long)&ts : 0) : arg_int(args, 3);
    int64_t ret = SAFE_SYSCALL(p, pwait2 ? SYS_epoll_pwait2 : SYS_epoll_pwait,
                               arg_int(args, 0), (long)events, max, timeout,
                               args[4] ? (long)&host_mask : 0, 8);
    if (args[4]) {
        user_call_mask_end(p, ret);
    }
    return ret;
}

SYSCALL_HANDLER(epoll_pwait) { return do_epoll_pwait(p, args, false); }
SYSCALL_HANDLER(epoll_pwait2) { return do_epoll_pwait(p, args, true); }

/* --- splice, tee, vmsplice --- */

/* splice(fd_in, off_in, fd_out, off_out, len, flags): the offsets are
 * loff_t (8 bytes) in both ABIs */
SYSCALL_HANDLER(splice)
{
    loff_t *in = args[1] ? guest_ptr(p, args[1], 8, PAGE_WRITE) : NULL;
    loff_t *out = args[3] ? guest_ptr(p, args[3], 8, PAGE_WRITE) : NULL;
    if ((args[1] && !in) || (args[3] && !out)) {
        return -EFAULT;
    }
    size_t len = p->abi->is64 ? args[4] : (uint32_t)args[4];
    return SAFE_SYSCALL(p, SYS_splice, arg_int(args, 0), (long)in, arg_int(args, 2),
                        (long)out, (long)len, (long)(unsigned)args[5]);
}

SYSCALL_HANDLER(tee)
{
    size_t len = p->abi->is64 ? args[2] : (uint32_t)args[2];
    return SAFE_SYSCALL(p, SYS_tee, arg_int(args, 0), arg_int(args, 1), (long)len,
                        (long)(unsigned)args[3]);
}

/* vmsplice(fd, iov, count, flags): the pages go into (or come out of) a pipe */
SYSCALL_HANDLER(vmsplice)
{
    int64_t error;
    struct iovec *iov = guest_iovec(p, args[1], arg_int(args, 2), PAGE_READ, &error);
    if (!iov) {
        return error;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_vmsplice, arg_int(args, 0), (long)iov,
                               (long)(unsigned)args[2], (long)(unsigned)args[3]);
    free(iov);
    return ret;
}

/* --- preadv2, pwritev2 --- */

/* (fd, iov, count, pos_l, pos_h, flags): the kernel joins pos_l | pos_h << 32
 * on i386 and takes pos_l alone on x86-64 (fs/read_write.c, pos_from_hilo);
 * -1 means the file position. */
static int64_t do_rwv2(UserProcess *p, const uint64_t *args, bool write)
{
    int64_t error;
    int count = arg_int(args, 2);
    struct iovec *iov = guest_iovec(p, args[1], count, write ? PAGE_READ : PAGE_WRITE,
                                    &error);
    if (!iov) {
        return error;
    }
    int64_t pos = p->abi->is64 ? (int64_t)args[3] : word_pair(args, 3);
    int flags = arg_int(args, 5);
    ssize_t ret = write ? pwritev2(arg_int(args, 0), iov, count, pos, flags)
                        : preadv2(arg_int(args, 0), iov, count, pos, flags);
    free(iov);
    return host_result(ret);
}

SYSCALL_HANDLER(preadv2) { return do_rwv2(p, args, false); }
SYSCALL_HANDLER(pwritev2) { return do_rwv2(p, args, true); }

/* --- mlockall, munlockall --- */

/*
 * Locking every host mapping would lock the emulator's own memory (its
 * translation cache, the i386 4 GiB reservation) and fail on the memlock limit
 * where the guest alone would not; so the flags and the privilege are checked
 * as Linux checks them (mm/mlock.c) and the guest's pages are left unlocked,
 * which only the guest's timing can tell.
 */
SYSCALL_HANDLER(mlockall)
{
    (void)p;
    int flags = arg_int(args, 0);
    if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
        flags == MCL_ONFAULT) {
        return -EINVAL;
    }
    struct rlimit lim;
    if (getrlimit(RLIMIT_MEMLOCK, &lim) == 0 && lim.rlim_cur == 0 && geteuid() != 0) {
        return -EPERM;
    }
    return 0;
}

SYSCALL_HANDLER(munlockall)
{
    (void)p;
    (void)args;
    return 0;
}
