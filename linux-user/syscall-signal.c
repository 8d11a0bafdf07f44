/*
 * Signal system calls: actions, masks, sending (to itself: queued for the
 * guest, see signal.c), waiting (rt_sigsuspend, rt_sigtimedwait, pause),
 * sigaltstack and the return from a handler (sigframe.c), and i386's old
 * calls with 32-bit masks. The guest's 64-bit mask is the kernel's sigset_t
 * on both ABIs (sigsetsize 8); i386 structures are converted.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "linux-user/user.h"

#define SIGBIT(sig) (1ULL << ((sig) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

SYSCALL_HANDLER(alarm) { return alarm((unsigned)args[0]); }

/* pause(2): returns when a guest handler's signal came */
SYSCALL_HANDLER(pause)
{
    (void)args;
    return SAFE_SYSCALL(p, SYS_pause, 0);
}

SYSCALL_HANDLER(kill)
{
    pid_t pid = arg_int(args, 0);
    int sig = arg_int(args, 1);
    if (sig < 0 || sig >= GUEST_NSIG) {
        return -EINVAL;
    }
    /* with threads, the host kernel picks the thread that takes a signal sent
     * to the process (one whose mask, the guest thread's, lets it through) */
    if (pid == getpid() && sig != 0 &&
        __atomic_load_n(&p->shared->nb_threads, __ATOMIC_SEQ_CST) == 1) {
        user_signal_self(p, sig, NULL, SI_USER);
        return 0;
    }
    return host_result(kill(pid, sig));
}

SYSCALL_HANDLER(tkill)
{
    pid_t tid = arg_int(args, 0);
    int sig = arg_int(args, 1);
    if (sig < 0 || sig >= GUEST_NSIG) {
        return -EINVAL;
    }
    if (tid == gettid() && sig != 0) {
        user_signal_self(p, sig, NULL, SI_TKILL);
        return 0;
    }
    return host_result(syscall(SYS_tkill, tid, sig));
}

SYSCALL_HANDLER(tgkill)
{
    pid_t tgid = arg_int(args, 0), tid = arg_int(args, 1);
    int sig = arg_int(args, 2);
    if (sig < 0 || sig >= GUEST_NSIG) {
        return -EINVAL;
    }
    if (tgid == getpid() && tid == gettid() && sig != 0) {
        user_signal_self(p, sig, NULL, SI_TKILL);
        return 0;
    }
    return host_result(syscall(SYS_tgkill, tgid, tid, sig));
}

/* struct sigaction of the kernel: handler, flags, restorer (longs), mask (8 bytes) */
static bool sigaction_from_guest(UserProcess *p, uint64_t addr, GuestSigaction *act)
{
    if (p->abi->is64) {
        uint64_t raw[4];
        if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
            return false;
        }
        *act = (GuestSigaction){ raw[0], raw[1], raw[2], raw[3] };
        return true;
    }
    uint32_t raw[5];
    if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
        return false;
    }
    *act = (GuestSigaction){ raw[0], raw[1], raw[2], raw[3] | ((uint64_t)raw[4] << 32) };
    return true;
}

static bool sigaction_to_guest(UserProcess *p, uint64_t addr, const GuestSigaction *act)
{
    if (p->abi->is64) {
        uint64_t raw[4] = { act->handler, act->flags, act->restorer, act->mask };
        return copy_to_guest(p, addr, raw, sizeof(raw));
    }
    uint32_t raw[5] = { (uint32_t)act->handler, (uint32_t)act->flags,
                        (uint32_t)act->restorer, (uint32_t)act->mask,
                        (uint32_t)(act->mask >> 32) };
    return copy_to_guest(p, addr, raw, sizeof(raw));
}

SYSCALL_HANDLER(rt_sigaction)
{
    int sig = arg_int(args, 0);
    if (sig < 1 || sig >= GUEST_NSIG || args[3] != 8) {
        return -EINVAL;
    }
    GuestSigaction act;
    if (args[1] && !sigaction_from_guest(p, args[1], &act)) {
        return -EFAULT;
    }
    if (args[1] && (sig == SIGKILL || sig == SIGSTOP)) {
        return -EINVAL;
    }
    if (args[2] && !sigaction_to_guest(p, args[2], &p->sigactions[sig])) {
        return -EFAULT;
    }
    if (args[1]) {
        p->sigactions[sig] = act;
        user_apply_sigaction(p, sig);
    }
    return 0;
}

/* how applied to the mask; SIG_SETMASK keeps the bits in keep (the old
 * 32-bit calls change only signals 1-32). false for a bad how. */
static bool change_mask(UserProcess *p, int how, uint64_t set, uint64_t keep)
{
    switch (how) {
    case SIG_BLOCK: p->sigmask |= set; break;
    case SIG_UNBLOCK: p->sigmask &= ~set; break;
    case SIG_SETMASK: p->sigmask = (p->sigmask & keep) | set; break;
    default: return false;
    }
    /* SIGKILL and SIGSTOP cannot be blocked */
    p->sigmask &= ~UNBLOCKABLE;
    user_sync_host_mask(p);
    return true;
}

SYSCALL_HANDLER(rt_sigprocmask)
{
    uint64_t set = 0;
    if (args[3] != 8) {
        return -EINVAL;
    }
    if (args[1] && !copy_from_guest(p, &set, args[1], 8)) {
        return -EFAULT;
    }
    uint64_t old = p->sigmask;
    if (args[1] && !change_mask(p, arg_int(args, 0), set, 0)) {
        return -EINVAL;
    }
    if (args[2] && !copy_to_guest(p, args[2], &old, 8)) {
        return -EFAULT;
    }
    return 0;
}

/* Blocked pending signals: queued here, or still in the host kernel. */
static uint64_t blocked_pending(UserProcess *p)
{
    uint64_t pending = __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST);
    sigset_t host;
    sigpending(&host);
    for (int sig = 1; sig < GUEST_NSIG; sig++) {
        if (sigismember(&host, sig) == 1) {
            pending |= SIGBIT(sig);
        }
    }
    return pending & p->sigmask;
}

SYSCALL_HANDLER(rt_sigpending)
{
    if (args[1] != 8) {
        return -EINVAL;
    }
    uint64_t pending = blocked_pending(p);
    return copy_to_guest(p, args[0], &pending, 8) ? 0 : -EFAULT;
}

/* --- the old i386 calls: masks of signals 1-32 (old_sigset_t, 4 bytes) --- */

/* signal(sig, handler): SA_ONESHOT | SA_NOMASK, returns the old handler
 * (kernel/signal.c, sys_signal) */
SYSCALL_HANDLER(signal)
{
    int sig = arg_int(args, 0);
    if (sig < 1 || sig >= GUEST_NSIG || sig == SIGKILL || sig == SIGSTOP) {
        return -EINVAL;
    }
    uint64_t old = p->sigactions[sig].handler;
    p->sigactions[sig] = (GuestSigaction){ (uint32_t)args[1], SA_RESETHAND | SA_NODEFER, 0, 0 };
    user_apply_sigaction(p, sig);
    return (int64_t)(uint32_t)old;
}

/* struct old_sigaction: handler, mask (32 bits), flags, restorer */
SYSCALL_HANDLER(sigaction)
{
    int sig = arg_int(args, 0);
    uint32_t raw[4];
    if (sig < 1 || sig >= GUEST_NSIG) {
        return -EINVAL;
    }
    GuestSigaction act;
    if (args[1]) {
        if (!copy_from_guest(p, raw, args[1], sizeof(raw))) {
            return -EFAULT;
        }
        if (sig == SIGKILL || sig == SIGSTOP) {
            return -EINVAL;
        }
        act = (GuestSigaction){ raw[0], raw[2], raw[3], raw[1] };
    }
    if (args[2]) {
        const GuestSigaction *old = &p->sigactions[sig];
        uint32_t out[4] = { (uint32_t)old->handler, (uint32_t)old->mask, (uint32_t)old->flags,
                            (uint32_t)old->restorer };
        if (!copy_to_guest(p, args[2], out, sizeof(out))) {
            return -EFAULT;
        }
    }
    if (args[1]) {
        p->sigactions[sig] = act;
        user_apply_sigaction(p, sig);
    }
    return 0;
}

SYSCALL_HANDLER(sigprocmask)
{
    uint32_t set = 0, old = (uint32_t)p->sigmask;
    if (args[1] && !copy_from_guest(p, &set, args[1], 4)) {
        return -EFAULT;
    }
    if (args[1] && !change_mask(p, arg_int(args, 0), set, ~0xffffffffULL)) {
        return -EINVAL;
    }
    if (args[2] && !copy_to_guest(p, args[2], &old, 4)) {
        return -EFAULT;
    }
    return 0;
}

SYSCALL_HANDLER(sigpending)
{
    uint32_t pending = (uint32_t)blocked_pending(p);
    return copy_to_guest(p, args[0], &pending, 4) ? 0 : -EFAULT;
}

SYSCALL_HANDLER(sgetmask)
{
    (void)args;
    return (uint32_t)p->sigmask;
}

SYSCALL_HANDLER(ssetmask)
{
    uint32_t old = (uint32_t)p->sigmask;
    change_mask(p, SIG_SETMASK, (uint32_t)args[0], ~0xffffffffULL);
    return old;
}

static bool on_alt_stack(const UserProcess *p)
{
    uint64_t sp = p->env->regs[R_ESP];
    return p->sigaltstack[2] && sp - p->sigaltstack[0] < p->sigaltstack[2];
}

/* stack_t: ss_sp (long), ss_flags (int), ss_size (long) */
SYSCALL_HANDLER(sigaltstack)
{
    unsigned word = p->abi->is64 ? 8 : 4;
    uint8_t raw[24];
    size_t size = p->abi->is64 ? 24 : 12;
    if (args[1]) {
        uint64_t sp = p->sigaltstack[0], flags = p->sigaltstack[1], ss_size = p->sigaltstack[2];
        if (!sp && !ss_size) {
            flags = SS_DISABLE;
        } else if (on_alt_stack(p)) {
            flags |= SS_ONSTACK;
        }
        memset(raw, 0, sizeof(raw));
        memcpy(raw, &sp, word);
        memcpy(raw + word, &flags, 4);
        memcpy(raw + 2 * word, &ss_size, word);
        if (!copy_to_guest(p, args[1], raw, size)) {
            return -EFAULT;
        }
    }
    if (args[0]) {
        if (!copy_from_guest(p, raw, args[0], size)) {
            return -EFAULT;
        }
        if (on_alt_stack(p)) {
            return -EPERM;    /* sigaltstack(2): not while running on it */
        }
        uint64_t sp = 0, ss_size = 0;
        uint32_t flags;
        memcpy(&sp, raw, word);
        memcpy(&flags, raw + word, 4);
        memcpy(&ss_size, raw + 2 * word, word);
        if (flags & ~(uint32_t)SS_DISABLE) {
            return -EINVAL;
        }
        if (!(flags & SS_DISABLE) && ss_size < 2048) {
            return -ENOMEM;
        }
        p->sigaltstack[0] = (flags & SS_DISABLE) ? 0 : sp;
        p->sigaltstack[1] = flags;
        p->sigaltstack[2] = (flags & SS_DISABLE) ? 0 : ss_size;
    }
    return 0;
}


/* --- waiting for signals --- */

/* rt_sigsuspend(2): the mask is replaced until a handler has run; the frame
 * saves the old one (signal.c, user_deliver_signals), so the handler returns
 * to the old mask. Always -EINTR. */
static int64_t suspend_with(UserProcess *p, uint64_t mask)
{
    p->saved_sigmask = p->sigmask;
    p->restore_sigmask = true;
    p->sigmask = mask & ~UNBLOCKABLE;
    if (!user_signals_deliverable(p)) {
        sigset_t set;
        user_host_sigset(p->sigmask, &set);
        SAFE_SYSCALL(p, SYS_rt_sigsuspend, (long)&set, 8);
    }
    return -EINTR;
}

SYSCALL_HANDLER(rt_sigsuspend)
{
    uint64_t mask;
    if (args[1] != 8) {
        return -EINVAL;
    }
    if (!copy_from_guest(p, &mask, args[0], 8)) {
        return -EFAULT;
    }
    return suspend_with(p, mask);
}

/* i386 sigsuspend(int, int, old_sigset_t mask): the low 32 signals change */
SYSCALL_HANDLER(sigsuspend)
{
    return suspend_with(p, (p->sigmask & ~0xffffffffULL) | (uint32_t)args[2]);
}

static int64_t do_sigtimedwait(UserProcess *p, const uint64_t *args, bool time64)
{
    uint64_t mask;
    struct timespec ts;
    if (args[3] != 8) {
        return -EINVAL;
    }
    if (!copy_from_guest(p, &mask, args[0], 8)) {
        return -EFAULT;
    }
    if (args[2] && !timespec_from_guest(p, &ts, args[2], time64)) {
        return -EFAULT;
    }
    mask &= ~UNBLOCKABLE;
    siginfo_t info;
    uint64_t queued = __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST) & mask;
    int sig;
    if (queued) {
        /* sent by the guest itself: taken from our queue */
        sig = __builtin_ctzll(queued) + 1;
        user_signal_take(p, sig, &info);
    } else {
        sigset_t set;
        user_host_sigset(mask, &set);
        int64_t ret = SAFE_SYSCALL(p, SYS_rt_sigtimedwait, (long)&set, (long)&info,
                                   args[2] ? (long)&ts : 0, 8);
        if (ret < 0) {
            return ret;
        }
        sig = (int)ret;
    }
    if (args[1]) {
        uint8_t raw[128];
        siginfo_to_guest(p, &info, raw);
        if (!copy_to_guest(p, args[1], raw, sizeof(raw))) {
            return -EFAULT;
        }
    }
    return sig;
}

SYSCALL_HANDLER(rt_sigtimedwait)
{
    return do_sigtimedwait(p, args, p->abi->is64);
}

SYSCALL_HANDLER(rt_sigtimedwait_time64)
{
    return do_sigtimedwait(p, args, true);
}

/* rt_sigqueueinfo(pid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig, info) */
static int64_t queue_info(UserProcess *p, pid_t tgid, pid_t tid, int sig, uint64_t addr)
{
    uint8_t raw[128];
    siginfo_t info;
    if (sig < 0 || sig >= GUEST_NSIG) {
        return -EINVAL;
    }
    if (!copy_from_guest(p, raw, addr, sizeof(raw))) {
        return -EFAULT;
    }
    siginfo_from_guest(p, raw, &info);
    bool self = tgid == getpid() && (tid == 0 || tid == gettid());
    if (self && sig != 0) {
        /* Linux refuses a forged kernel code (si_code >= 0) from another
         * process only; to itself it is allowed */
        info.si_signo = sig;
        user_signal_self(p, sig, &info, 0);
        return 0;
    }
    if (tid == 0) {
        return host_result(syscall(SYS_rt_sigqueueinfo, tgid, sig, &info));
    }
    return host_result(syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &info));
}

SYSCALL_HANDLER(rt_sigqueueinfo)
{
    return queue_info(p, arg_int(args, 0), 0, arg_int(args, 1), args[2]);
}

SYSCALL_HANDLER(rt_tgsigqueueinfo)
{
    return queue_info(p, arg_int(args, 0), arg_int(args, 1), arg_int(args, 2), args[3]);
}

/* --- the end of a handler --- */

SYSCALL_HANDLER(rt_sigreturn)
{
    (void)args;
    int64_t ret = sigframe_rt_return(p);
    p->sigmask &= ~UNBLOCKABLE;
    user_sync_host_mask(p);
    return ret;
}

SYSCALL_HANDLER(sigreturn)
{
    (void)args;
    int64_t ret = sigframe_return_i386(p);
    p->sigmask &= ~UNBLOCKABLE;
    user_sync_host_mask(p);
    return ret;
}
