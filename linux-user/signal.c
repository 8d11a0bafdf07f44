/*
 * Host signals, guest signals and guest faults.
 *
 * A guest fault shows up either as an exception from cpu_exec (#UD, #DE, ...)
 * or as a host SIGSEGV/SIGBUS in generated code; both become the signal Linux
 * sends, run by the guest's handler or, without one, ending the guest.
 *
 * A signal the guest handles gets a host handler that only queues it (bit and
 * siginfo in UserProcess) and makes cpu_exec return; the main loop then calls
 * user_deliver_signals, which builds the guest's frame (sigframe.c). The host
 * signal mask mirrors the guest's, so blocked signals wait in the host kernel
 * and rt_sigsuspend can be the host's sigsuspend. Signal numbers are the same
 * for both x86 ABIs and the host (arch/x86/include/uapi/asm/signal.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "linux-user/user.h"

/*
 * The host handlers receive no argument of ours, so the guest thread they work
 * for is kept here, per host thread (each guest thread is one host thread: the
 * host kernel picks the thread of a process-directed signal among those whose
 * mask, the guest thread's, lets it through, and tgkill reaches its thread);
 * it is set before the thread runs guest code.
 */
static __thread UserProcess *fault_process;

#define SIGBIT(sig) (1ULL << ((sig) - 1))

static void queue_signal(UserProcess *p, int sig, const siginfo_t *info);

static void write_internal_error(const char *what, uintptr_t pc, uintptr_t addr)
{
    char msg[160];
    int n = snprintf(msg, sizeof(msg),
                     "quetzal: internal error: %s at host pc 0x%lx, address 0x%lx\n",
                     what, (unsigned long)pc, (unsigned long)addr);
    if (n > 0) {
        ssize_t ignored = write(STDERR_FILENO, msg, (size_t)n);
        (void)ignored;
    }
}

/* i386: host_addr lies in a guard region around the guest space (mmap.c) */
static bool in_addr_guard(const UserProcess *p, uintptr_t host_addr)
{
    return p->addr_guard && host_addr >= p->guest_base - p->addr_guard &&
           host_addr - p->guest_base < p->reserved_size + p->addr_guard;
}

static void host_fault_handler(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    UserProcess *p = fault_process;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t host_addr = (uintptr_t)info->si_addr;
    uint64_t guest_addr = (uint64_t)(host_addr - p->guest_base);
    bool in_guest = host_addr >= p->guest_base && guest_addr < p->abi->address_space_end;
    /* page fault error code bit 1: the access was a write (Intel SDM vol. 3A, 4.7) */
    bool is_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;

    if (info->si_code <= 0) {
        /* sent by another process (kill -SEGV): the guest's signal */
        queue_signal(p, sig, info);
        cpu_exit(p->cpu);
        return;
    }
    /* guest registers still in host registers go to the CPU state before
     * anything reads it (page_unprotect may restart the instruction);
     * harmless when the access is retried: the values are current, and
     * generated code keeps using its registers */
    cpu_restore_host_context(p->cpu, pc, uc);
    if (sig == SIGSEGV && is_write && in_guest && page_unprotect(p->cpu, guest_addr, pc)) {
        return;   /* a code page the guest writes: blocks dropped, retry the store */
    }
    if (sig == SIGSEGV && !in_guest && in_addr_guard(p, host_addr) &&
        cpu_exec_pc_in_code(p->cpu, pc)) {
        cpu_exec_addr32_wrapped(p->cpu, pc);   /* a folded 32-bit sum wrapped (mmap.c) */
    }
    if (cpu_exec_pc_in_code(p->cpu, pc)) {
        p->env->fault_addr = guest_addr;
        p->env->error_code = is_write ? 2 : 0;
        p->fault_signal = sig;
        p->cpu->exception_index = EXCP0E_PAGE;
        cpu_loop_exit_restore(p->cpu, pc);
    }
    write_internal_error(sig == SIGBUS ? "bus error" : "segmentation fault", pc, host_addr);
    signal(SIGABRT, SIG_DFL);
    abort();
}

/* A signal with a guest handler: queue it, and have cpu_exec stop at the next
 * block boundary (async-signal-safe: atomics and cpu_exit only). */
static void host_guest_signal(int sig, siginfo_t *info, void *context)
{
    UserProcess *p = fault_process;
    if (!p || sig <= 0 || sig >= GUEST_NSIG) {
        return;
    }
    queue_signal(p, sig, info);
    /* more of it wait in the host kernel until this one is delivered (real-time
     * signals queue: signal(7)); user_sync_host_mask lets the next one in */
    sigaddset(&((ucontext_t *)context)->uc_sigmask, sig);
    p->signal_flag = 1;
    safe_syscall_check_pc(context);
    cpu_exit(p->cpu);
}

/* Signals the emulator itself relies on keep their host handler. */
static bool host_owned_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGKILL || sig == SIGSTOP;
}

/* glibc keeps 32 and 33 for itself (NPTL cancellation, setxid): the host's
 * sigaction and sigprocmask refuse them, so they stay guest-internal. */
static bool host_settable_signal(int sig)
{
    return sig > 0 && sig < GUEST_NSIG && (sig < 32 || sig >= SIGRTMIN) &&
           !host_owned_signal(sig);
}

void user_host_sigset(uint64_t mask, sigset_t *set)
{
    sigemptyset(set);
    for (int sig = 1; sig < GUEST_NSIG; sig++) {
        if ((mask & SIGBIT(sig)) && host_settable_signal(sig)) {
            sigaddset(set, sig);
        }
    }
}

void user_sync_host_mask(UserProcess *p)
{
    sigset_t set;
    /* signals queued here stay blocked: their next instances wait in the host */
    user_host_sigset(p->sigmask | __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST), &set);
    sigprocmask(SIG_SETMASK, &set, NULL);
}

/* execve keeps the signal mask and ignored signals (execve(2)): a guest that
 * an earlier guest exec'd starts with them. */
static void inherit_host_state(UserProcess *p)
{
    sigset_t set;
    sigprocmask(SIG_SETMASK, NULL, &set);
    for (int sig = 1; sig < GUEST_NSIG; sig++) {
        if (!host_settable_signal(sig)) {
            continue;
        }
        if (sigismember(&set, sig) == 1) {
            p->sigmask |= SIGBIT(sig);
        }
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
            p->sigactions[sig].handler = 1;
        }
    }
}

void user_signals_thread_init(UserProcess *p)
{
    fault_process = p;
    /* the guest's stack is guest memory, but an emulator stack overflow should
     * still reach the handler */
    size_t alt_size = 64 * 1024;
    p->alt_stack = malloc(alt_size);
    if (p->alt_stack) {
        stack_t ss = { .ss_sp = p->alt_stack, .ss_size = alt_size, .ss_flags = 0 };
        sigaltstack(&ss, NULL);
    }
}

void user_signals_thread_exit(UserProcess *p)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    if (p->alt_stack) {
        stack_t ss = { .ss_flags = SS_DISABLE };
        sigaltstack(&ss, NULL);
        free(p->alt_stack);
        p->alt_stack = NULL;
    }
    fault_process = NULL;
}

void user_signals_init(UserProcess *p)
{
    user_signals_thread_init(p);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = host_fault_handler;
    /* NODEFER: the handler leaves by siglongjmp, which may not restore the mask */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    inherit_host_state(p);
}

void user_signals_cleanup(UserProcess *p)
{
    if (p->alt_stack) {
        stack_t ss = { .ss_flags = SS_DISABLE };
        sigaltstack(&ss, NULL);
        free(p->alt_stack);
        p->alt_stack = NULL;
    }
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    fault_process = NULL;
}

void user_die_with_signal(UserProcess *p, int sig)
{
    (void)p;
    fflush(NULL);
    /* the guest's crash is not the emulator's: no core file of the emulator */
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    /* a signal whose default is not to terminate: end as the shell would show it */
    _exit(128 + sig);
}

void user_apply_sigaction(UserProcess *p, int sig)
{
    if (!host_settable_signal(sig)) {
        return;
    }
    const GuestSigaction *act = &p->sigactions[sig];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    /* the handler only queues: every other signal waits meanwhile */
    sigfillset(&sa.sa_mask);
    sigdelset(&sa.sa_mask, SIGSEGV);
    sigdelset(&sa.sa_mask, SIGBUS);
    /* SIGCHLD's flags change what the kernel does for the children */
    sa.sa_flags = (int)(act->flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
    if (act->handler == 0) {
        sa.sa_handler = SIG_DFL;
    } else if (act->handler == 1) {
        sa.sa_handler = SIG_IGN;
    } else {
        /* no SA_RESTART: a blocking host call returns EINTR so that the guest
         * handler runs now; the main loop restarts the guest's call if the
         * guest asked for SA_RESTART */
        sa.sa_sigaction = host_guest_signal;
        sa.sa_flags |= SA_SIGINFO;
    }
    sigaction(sig, &sa, NULL);
}

static bool default_action_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* The host handler writes pending_info: the main loop reads or writes it
 * with host signals held off. */
static void hold_host_signals(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigprocmask(SIG_BLOCK, &all, old);
}

/* Queues sig with info, unless it is already pending: a standard signal is
 * not queued twice (signal(7)). Host signals must be held off, or this must
 * run in a host handler. */
static void queue_signal(UserProcess *p, int sig, const siginfo_t *info)
{
    if (!(__atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST) & SIGBIT(sig))) {
        p->pending_info[sig] = *info;
    }
    __atomic_or_fetch(&p->pending_signals, SIGBIT(sig), __ATOMIC_SEQ_CST);
}

void user_signal_self(UserProcess *p, int sig, const siginfo_t *info, int code)
{
    if (sig <= 0 || sig >= GUEST_NSIG) {
        return;
    }
    if (sig >= SIGRTMIN && host_settable_signal(sig)) {
        /* real-time signals queue, each with its own info (signal(7)): the
         * host kernel keeps the queue; the host handler takes them one by one */
        if (info) {
            syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, info);
        } else if (code == SI_TKILL) {
            syscall(SYS_tgkill, getpid(), gettid(), sig);
        } else {
            kill(getpid(), sig);
        }
        return;
    }
    siginfo_t made;
    if (!info) {
        memset(&made, 0, sizeof(made));
        made.si_signo = sig;
        made.si_code = code;
        made.si_pid = getpid();
        made.si_uid = getuid();
        info = &made;
    }
    sigset_t old;
    hold_host_signals(&old);
    queue_signal(p, sig, info);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* si_code of #MF and #XM (arch/x86/kernel/fpu/core.c fpu__exception_code):
 * the flags the x87 control word or MXCSR leaves unmasked, the first of
 * invalid, divide by zero, overflow, underflow or denormal, precision */
static int fp_exception_code(const CPUX86State *env, int exception)
{
    unsigned err;
    if (exception == EXCP10_COPR) {
        err = env->fpus & ~env->fpuc;
    } else {
        err = env->mxcsr & ~(env->mxcsr >> 7);
    }
    if (err & 0x01) {
        return FPE_FLTINV;
    }
    if (err & 0x04) {
        return FPE_FLTDIV;
    }
    if (err & 0x08) {
        return FPE_FLTOVF;
    }
    if (err & 0x12) {
        return FPE_FLTUND;
    }
    return err & 0x20 ? FPE_FLTRES : 0;
}

/* si_code and si_addr of a fault (arch/x86/kernel/traps.c, mm/fault.c;
 * include/uapi/asm-generic/siginfo.h for the codes) */
static void fault_info(UserProcess *p, int sig, int exception, siginfo_t *si)
{
    CPUX86State *env = p->env;
    uint64_t addr = 0;
    si->si_code = 0x80;                            /* SI_KERNEL */
    if (exception == EXCP0E_PAGE) {
        addr = env->fault_addr;
        bool mapped = (page_get_flags(p->cpu, addr) & PAGE_VALID) != 0;
        if (sig == SIGBUS) {
            si->si_code = BUS_ADRERR;
        } else {
            si->si_code = mapped ? SEGV_ACCERR : SEGV_MAPERR;
        }
        /* error code: user mode, write, protection violation (SDM vol. 3A, 4.7) */
        p->fault_err = 4 | (env->error_code & 2) | (mapped ? 1 : 0);
        p->fault_cr2 = addr;
    } else if (exception == EXCP00_DIVZ) {
        si->si_code = FPE_INTDIV;
        addr = env->rip;
    } else if (exception == EXCP10_COPR || exception == EXCP13_XMM) {
        si->si_code = fp_exception_code(env, exception);
        addr = env->rip;
    } else if (exception == EXCP06_ILLOP) {
        si->si_code = ILL_ILLOPN;
        addr = env->rip;
    } else if (exception == EXCP11_ALGN) {
        si->si_code = BUS_ADRALN;
    }
    si->si_addr = (void *)(uintptr_t)addr;
    p->fault_trapno = (uint64_t)exception;
}

void user_signal_fault(UserProcess *p, int sig, int exception)
{
    uint64_t handler = p->sigactions[sig].handler;
    if (handler <= 1 || (p->sigmask & SIGBIT(sig))) {
        user_die_with_signal(p, sig);
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    fault_info(p, sig, exception, &si);
    sigset_t old;
    hold_host_signals(&old);
    queue_signal(p, sig, &si);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void user_call_mask_begin(UserProcess *p, uint64_t mask, sigset_t *host)
{
    p->saved_sigmask = p->sigmask;
    p->restore_sigmask = true;
    p->sigmask = mask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    user_host_sigset(p->sigmask, host);
}

void user_call_mask_end(UserProcess *p, int64_t ret)
{
    if (ret != -EINTR) {
        p->sigmask = p->saved_sigmask;
        p->restore_sigmask = false;
    }
}

uint64_t user_signals_deliverable(UserProcess *p)
{
    uint64_t pending = __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST);
    /* SIGKILL and SIGSTOP cannot be blocked */
    return pending & ~(p->sigmask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP)));
}

void user_signal_take(UserProcess *p, int sig, siginfo_t *info)
{
    sigset_t old;
    hold_host_signals(&old);
    *info = p->pending_info[sig];
    __atomic_and_fetch(&p->pending_signals, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void user_signals_before_exec(UserProcess *p)
{
    uint64_t pending = __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST);
    for (int sig = 1; sig < GUEST_NSIG; sig++) {
        /* blocked ones only: the others were delivered before this call */
        if ((pending & SIGBIT(sig)) && (p->sigmask & SIGBIT(sig)) && host_settable_signal(sig)) {
            __atomic_and_fetch(&p->pending_signals, ~SIGBIT(sig), __ATOMIC_SEQ_CST);
            kill(getpid(), sig);
        }
    }
}

/* The action of a signal without a guest handler (signal(7), "Standard signals"). */
static void default_action(UserProcess *p, int sig)
{
    uint64_t handler = p->sigactions[sig].handler;
    if (sig != SIGKILL && sig != SIGSTOP &&
        (handler == 1 || (handler == 0 && default_action_ignores(sig)))) {
        return;
    }
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
        raise(sig);
        return;
    }
    user_die_with_signal(p, sig);
}

/* A system call cut short by the signal about to be handled goes back to its
 * instruction (SYSCALL and INT 0x80 are both 2 bytes) with its number in rax,
 * as Linux does for -ERESTARTSYS (arch/x86/kernel/signal.c, handle_signal). */
static void restart_syscall_if_asked(UserProcess *p, const GuestSigaction *act)
{
    if (p->syscall_restart == SYSCALL_RESTART_ALWAYS ||
        (p->syscall_restart == SYSCALL_RESTART_SA && act && (act->flags & SA_RESTART))) {
        p->env->regs[R_EAX] = p->syscall_nr;
        p->env->rip -= 2;
    }
    /* once: the handler's frame holds the restarted call now */
    p->syscall_restart = SYSCALL_RESTART_NONE;
}

static void deliver_one(UserProcess *p, int sig)
{
    siginfo_t info;
    user_signal_take(p, sig, &info);
    GuestSigaction act = p->sigactions[sig];
    if (act.handler <= 1 || sig == SIGKILL || sig == SIGSTOP) {
        default_action(p, sig);
        return;
    }
    if (p->strace) {
        const char *name = sigabbrev_np(sig);
        fprintf(stderr, "%d --- SIG%s {si_code=%d} ---\n", getpid(), name ? name : "?",
                info.si_code);
    }
    restart_syscall_if_asked(p, &act);
    uint64_t saved = p->restore_sigmask ? p->saved_sigmask : p->sigmask;
    p->restore_sigmask = false;
    if (!sigframe_setup(p, sig, &act, &info, saved)) {
        /* Linux: force_sigsegv when the frame cannot be written */
        user_die_with_signal(p, SIGSEGV);
    }
    p->sigmask |= act.mask;
    if (!(act.flags & SA_NODEFER)) {
        p->sigmask |= SIGBIT(sig);
    }
    p->sigmask &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
    if (act.flags & SA_RESETHAND) {
        p->sigactions[sig].handler = 0;
        user_apply_sigaction(p, sig);
    }
    user_sync_host_mask(p);
}

void user_deliver_signals(UserProcess *p)
{
    uint64_t ready;
    bool taken = false;
    while ((ready = user_signals_deliverable(p)) != 0) {
        taken = true;
        /* synchronous signals first, then the lowest number, as Linux's
         * next_signal (kernel/signal.c) picks them */
        uint64_t sync = ready & (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) |
                                 SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | SIGBIT(SIGSYS));
        int sig = __builtin_ctzll(sync ? sync : ready) + 1;
        deliver_one(p, sig);
    }
    if (taken) {
        user_sync_host_mask(p);     /* what was queued here is taken */
    }
    /* a call that gave way to signals that were then ignored runs again */
    restart_syscall_if_asked(p, NULL);
    if (p->restore_sigmask) {
        /* rt_sigsuspend woke without a handler to run: its mask ends now */
        p->sigmask = p->saved_sigmask;
        p->restore_sigmask = false;
        user_sync_host_mask(p);
    }
}

void user_signals_to_host(UserProcess *p, uint64_t mask)
{
    uint64_t moving = __atomic_load_n(&p->pending_signals, __ATOMIC_SEQ_CST) & mask & p->sigmask;
    if (!moving) {
        return;
    }
    for (int sig = 1; sig < GUEST_NSIG; sig++) {
        if ((moving & SIGBIT(sig)) && host_settable_signal(sig)) {
            siginfo_t info;
            user_signal_take(p, sig, &info);
            /* to itself a process may queue any si_code (kernel/signal.c,
             * do_rt_sigqueueinfo), so the info arrives unchanged; tkill's
             * signals go to the thread, the rest to the process, which
             * decides the order they are read in (dequeue_signal) */
            if (info.si_code == SI_TKILL) {
                syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, &info);
            } else {
                syscall(SYS_rt_sigqueueinfo, getpid(), sig, &info);
            }
        }
    }
    user_sync_host_mask(p);
}
