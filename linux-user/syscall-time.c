/*
 * Time system calls. x86-64 guests and the i386 *_time64 calls use the host's
 * 64-bit struct timespec; the old i386 calls use 32-bit seconds and nanoseconds
 * (and struct timeval with 32-bit fields), as do setitimer/getitimer and the
 * POSIX timers (timer_create and its family; their signals reach the guest
 * through signal.c like any other).
 */
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/user.h"

bool timespec_to_guest(UserProcess *p, uint64_t addr, const struct timespec *ts, bool time64)
{
    if (time64) {
        int64_t raw[2] = { ts->tv_sec, ts->tv_nsec };
        return copy_to_guest(p, addr, raw, sizeof(raw));
    }
    int32_t raw[2] = { (int32_t)ts->tv_sec, (int32_t)ts->tv_nsec };
    return copy_to_guest(p, addr, raw, sizeof(raw));
}

bool timespec_from_guest(UserProcess *p, struct timespec *ts, uint64_t addr, bool time64)
{
    if (time64) {
        int64_t raw[2];
        if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
            return false;
        }
        *ts = (struct timespec){ raw[0], raw[1] };
        return true;
    }
    int32_t raw[2];
    if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
        return false;
    }
    *ts = (struct timespec){ raw[0], raw[1] };
    return true;
}

static int64_t do_clock_gettime(UserProcess *p, const uint64_t *args, bool time64)
{
    struct timespec ts;
    if (clock_gettime(arg_int(args, 0), &ts) != 0) {
        return -errno;
    }
    return timespec_to_guest(p, args[1], &ts, time64) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(clock_gettime)
{
    return do_clock_gettime(p, args, p->abi->is64);
}

SYSCALL_HANDLER(clock_gettime64)
{
    return do_clock_gettime(p, args, true);
}

static int64_t do_clock_getres(UserProcess *p, const uint64_t *args, bool time64)
{
    struct timespec ts;
    if (clock_getres(arg_int(args, 0), &ts) != 0) {
        return -errno;
    }
    if (args[1] == 0) {
        return 0;
    }
    return timespec_to_guest(p, args[1], &ts, time64) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(clock_getres)
{
    return do_clock_getres(p, args, p->abi->is64);
}

SYSCALL_HANDLER(clock_getres_time64)
{
    return do_clock_getres(p, args, true);
}

SYSCALL_HANDLER(gettimeofday)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (args[0]) {
        bool ok;
        if (p->abi->is64) {
            int64_t raw[2] = { tv.tv_sec, tv.tv_usec };
            ok = copy_to_guest(p, args[0], raw, sizeof(raw));
        } else {
            int32_t raw[2] = { (int32_t)tv.tv_sec, (int32_t)tv.tv_usec };
            ok = copy_to_guest(p, args[0], raw, sizeof(raw));
        }
        if (!ok) {
            return -EFAULT;
        }
    }
    if (args[1]) {
        /* struct timezone: two ints; Linux reports the zone set by settimeofday */
        int32_t zone[2] = { 0, 0 };
        if (!copy_to_guest(p, args[1], zone, sizeof(zone))) {
            return -EFAULT;
        }
    }
    return 0;
}

SYSCALL_HANDLER(time)
{
    int64_t now = (int64_t)time(NULL);
    if (args[0]) {
        bool ok;
        if (p->abi->is64) {
            ok = copy_to_guest(p, args[0], &now, 8);
        } else {
            int32_t now32 = (int32_t)now;
            ok = copy_to_guest(p, args[0], &now32, 4);
        }
        if (!ok) {
            return -EFAULT;
        }
    }
    return now;
}

static int64_t do_nanosleep(UserProcess *p, int clock, int flags, uint64_t req_addr,
                            uint64_t rem_addr, bool time64)
{
    struct timespec req, rem = { 0, 0 };
    if (!timespec_from_guest(p, &req, req_addr, time64)) {
        return -EFAULT;
    }
    int64_t ret = SAFE_SYSCALL(p, SYS_clock_nanosleep, clock, flags, (long)&req, (long)&rem);
    if (ret == -EINTR && !p->syscall_not_started && rem_addr && !(flags & TIMER_ABSTIME)) {
        timespec_to_guest(p, rem_addr, &rem, time64);
    }
    return ret;
}

SYSCALL_HANDLER(nanosleep)
{
    return do_nanosleep(p, CLOCK_REALTIME, 0, args[0], args[1], p->abi->is64);
}

SYSCALL_HANDLER(clock_nanosleep)
{
    return do_nanosleep(p, arg_int(args, 0), arg_int(args, 1), args[2], args[3],
                        p->abi->is64);
}

SYSCALL_HANDLER(clock_nanosleep_time64)
{
    return do_nanosleep(p, arg_int(args, 0), arg_int(args, 1), args[2], args[3], true);
}

/* struct itimerval: interval and value, two struct timeval of longs */
static bool itimerval_from_guest(UserProcess *p, struct itimerval *it, uint64_t addr)
{
    int64_t v[4];
    if (p->abi->is64) {
        if (!copy_from_guest(p, v, addr, sizeof(v))) {
            return false;
        }
    } else {
        int32_t raw[4];
        if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            v[i] = raw[i];
        }
    }
    it->it_interval = (struct timeval){ v[0], v[1] };
    it->it_value = (struct timeval){ v[2], v[3] };
    return true;
}

static bool itimerval_to_guest(UserProcess *p, uint64_t addr, const struct itimerval *it)
{
    int64_t v[4] = { it->it_interval.tv_sec, it->it_interval.tv_usec,
                     it->it_value.tv_sec, it->it_value.tv_usec };
    if (p->abi->is64) {
        return copy_to_guest(p, addr, v, sizeof(v));
    }
    int32_t raw[4] = { (int32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3] };
    return copy_to_guest(p, addr, raw, sizeof(raw));
}

/* The host's timers send the host's SIGALRM/SIGVTALRM/SIGPROF, which reach
 * the guest like any other signal (signal.c). */
SYSCALL_HANDLER(setitimer)
{
    struct itimerval value, old;
    if (args[1] && !itimerval_from_guest(p, &value, args[1])) {
        return -EFAULT;
    }
    if (!args[1]) {
        memset(&value, 0, sizeof(value));   /* Linux: a NULL value disarms */
    }
    if (setitimer(arg_int(args, 0), &value, &old) != 0) {
        return -errno;
    }
    return args[2] && !itimerval_to_guest(p, args[2], &old) ? -EFAULT : 0;
}

SYSCALL_HANDLER(getitimer)
{
    struct itimerval value;
    if (getitimer(arg_int(args, 0), &value) != 0) {
        return -errno;
    }
    return itimerval_to_guest(p, args[1], &value) ? 0 : -EFAULT;
}

/* struct sigevent (include/uapi/asm-generic/siginfo.h): sigev_value (a long
 * and pointer union), sigev_signo, sigev_notify, then the union whose first
 * word is the thread id of SIGEV_THREAD_ID; 64 bytes on both ABIs. */
static bool sigevent_from_guest(UserProcess *p, uint8_t host[64], uint64_t addr)
{
    uint8_t raw[64];
    if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
        return false;
    }
    if (p->abi->is64) {
        memcpy(host, raw, 64);
        return true;
    }
    memset(host, 0, 64);
    memcpy(host, raw, 4);               /* sigev_value: the guest's word */
    memcpy(host + 8, raw + 4, 8);       /* signo, notify */
    memcpy(host + 16, raw + 12, 48);    /* tid and the rest */
    return true;
}

SYSCALL_HANDLER(timer_create)
{
    uint8_t event[64];
    int id;
    if (args[1] && !sigevent_from_guest(p, event, args[1])) {
        return -EFAULT;
    }
    if (!guest_ptr(p, args[2], 4, PAGE_WRITE)) {
        return -EFAULT;
    }
    long ret = syscall(SYS_timer_create, arg_int(args, 0), args[1] ? event : NULL, &id);
    if (ret < 0) {
        return -errno;
    }
    copy_to_guest(p, args[2], &id, 4);
    return 0;
}

/* struct itimerspec: interval, then value */
bool itimerspec_from_guest(UserProcess *p, struct itimerspec *it, uint64_t addr, bool time64)
{
    uint64_t size = time64 ? 16 : 8;
    return timespec_from_guest(p, &it->it_interval, addr, time64) &&
           timespec_from_guest(p, &it->it_value, addr + size, time64);
}

bool itimerspec_to_guest(UserProcess *p, uint64_t addr, const struct itimerspec *it,
                         bool time64)
{
    uint64_t size = time64 ? 16 : 8;
    return timespec_to_guest(p, addr, &it->it_interval, time64) &&
           timespec_to_guest(p, addr + size, &it->it_value, time64);
}

static int64_t do_timer_settime(UserProcess *p, const uint64_t *args, bool time64)
{
    struct itimerspec value, old;
    if (!itimerspec_from_guest(p, &value, args[2], time64)) {
        return -EFAULT;
    }
    if (syscall(SYS_timer_settime, arg_int(args, 0), arg_int(args, 1), &value, &old) < 0) {
        return -errno;
    }
    return args[3] && !itimerspec_to_guest(p, args[3], &old, time64) ? -EFAULT : 0;
}

static int64_t do_timer_gettime(UserProcess *p, const uint64_t *args, bool time64)
{
    struct itimerspec value;
    if (syscall(SYS_timer_gettime, arg_int(args, 0), &value) < 0) {
        return -errno;
    }
    return itimerspec_to_guest(p, args[1], &value, time64) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(timer_settime) { return do_timer_settime(p, args, p->abi->is64); }
SYSCALL_HANDLER(timer_settime64) { return do_timer_settime(p, args, true); }
SYSCALL_HANDLER(timer_gettime) { return do_timer_gettime(p, args, p->abi->is64); }
SYSCALL_HANDLER(timer_gettime64) { return do_timer_gettime(p, args, true); }

SYSCALL_HANDLER(timer_getoverrun)
{
    return host_result(syscall(SYS_timer_getoverrun, arg_int(args, 0)));
}

SYSCALL_HANDLER(timer_delete)
{
    return host_result(syscall(SYS_timer_delete, arg_int(args, 0)));
}
