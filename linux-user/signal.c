/*
 * Host signals and guest faults. A guest fault shows up either as an exception
 * from cpu_exec (#UD, #DE, ...) or as a host SIGSEGV/SIGBUS in generated code;
 * both end the guest as Linux would without a handler: killed by the signal.
 * Guest signal handlers are recorded but not delivered yet.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>
#include "linux-user/user.h"

/*
 * The host fault handler receives no argument of ours, so the process it works
 * for is kept here; it is set once, before any guest code runs.
 */
static UserProcess *fault_process;

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

    if (sig == SIGSEGV && is_write && in_guest && page_unprotect(p->cpu, guest_addr, pc)) {
        return;   /* a code page the guest writes: blocks dropped, retry the store */
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

void user_signals_init(UserProcess *p)
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
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = host_fault_handler;
    /* NODEFER: the handler leaves by siglongjmp, which may not restore the mask */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
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

/* Signals the emulator itself relies on keep their host handler. */
static bool host_owned_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGKILL || sig == SIGSTOP;
}

static void guest_handler_placeholder(int sig)
{
    (void)sig;
}

void user_apply_sigaction(UserProcess *p, int sig)
{
    if (sig <= 0 || sig >= GUEST_NSIG || host_owned_signal(sig) || sig >= SIGRTMIN) {
        return;
    }
    uint64_t handler = p->sigactions[sig].handler;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (handler == 0) {
        sa.sa_handler = SIG_DFL;
    } else if (handler == 1) {
        sa.sa_handler = SIG_IGN;
    } else if (sig == SIGCHLD) {
        /* SIG_IGN would reap children behind the guest's back */
        sa.sa_handler = SIG_DFL;
    } else {
        /* the guest expects to survive this signal; until delivery exists the
         * host swallows it */
        sa.sa_handler = guest_handler_placeholder;
    }
    sigaction(sig, &sa, NULL);
}

static bool default_action_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

void user_signal_self(UserProcess *p, int sig)
{
    if (sig <= 0 || sig >= GUEST_NSIG) {
        return;
    }
    uint64_t bit = 1ULL << (sig - 1);
    if ((p->sigmask & bit) && sig != SIGKILL && sig != SIGSTOP) {
        /* blocked: it waits until the guest unblocks it */
        p->pending_signals |= bit;
        return;
    }
    p->pending_signals &= ~bit;
    uint64_t handler = p->sigactions[sig].handler;
    if (handler == 1 && sig != SIGKILL && sig != SIGSTOP) {
        return;
    }
    if (handler == 0 && default_action_ignores(sig)) {
        return;
    }
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
        raise(sig);
        return;
    }
    user_die_with_signal(p, sig);
}

void user_signals_unblocked(UserProcess *p)
{
    uint64_t ready = p->pending_signals & ~p->sigmask;
    for (int sig = 1; sig < GUEST_NSIG && ready; sig++) {
        if (ready & (1ULL << (sig - 1))) {
            ready &= ~(1ULL << (sig - 1));
            user_signal_self(p, sig);
        }
    }
}
