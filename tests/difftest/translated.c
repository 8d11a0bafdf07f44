/*
 * The translated side: runs a sequence through Quetzal's translator in-process
 * (inside the forked child), from both initial states in the same CPU so that
 * the second run takes the translation-block cache hit path with other data. The sequence ends with INT3, which makes
 * cpu_exec return EXCP03_INT3; any other exception is the sequence's.
 * Guest memory is identity mapped, so a guest access to an unmapped page is a
 * host SIGSEGV in generated code; as in user mode, the handler turns it into
 * #PF at the guest instruction (cpu_loop_exit_restore).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "difftest.h"
#include "target-i386/cpu.h"
#include "target-i386/sse_helper.h"

#define CODE_BUFFER_SIZE (16u << 20)

typedef struct TranslatedCpu {
    TCGContext *tcg;
    CPUX86State env;
    CPUExec *exec;
} TranslatedCpu;

typedef struct TranslatedContext {
    TranslatedCpu *cpu[2][2];       /* [avx][0] 32-bit, [avx][1] 64-bit, made on first use */
    unsigned log_flags;
} TranslatedContext;

/* Signal handlers get no user argument: the CPU this child is running. */
static TranslatedCpu *running_cpu;

static void on_host_fault(int sig, siginfo_t *info, void *uc_void)
{
    ucontext_t *uc = uc_void;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    TranslatedCpu *c = running_cpu;
    /* page fault error code bit 1: write (Intel SDM vol. 3A, 4.7) */
    bool is_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
    uint64_t address = (uint64_t)(uintptr_t)info->si_addr;
    if (c) {
        cpu_restore_host_context(c->exec, pc, uc);   /* as linux-user/signal.c */
    }
    if (c && sig == SIGSEGV && is_write && page_unprotect(c->exec, address, pc)) {
        return;   /* a write to a page with translated code: retry it */
    }
    if (c && cpu_exec_pc_in_code(c->exec, pc)) {
        c->env.fault_addr = address;
        c->env.error_code = is_write ? 2 : 0;
        c->exec->exception_index = EXCP0E_PAGE;
        cpu_loop_exit_restore(c->exec, pc);
    }
    /* a fault in the translator itself: die, the parent reports it */
    signal(sig, SIG_DFL);
}

static void faults_init(void)
{
    stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
        perror("difftest: sigaltstack");
        _exit(3);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_host_fault;
    /* NODEFER: the handler leaves by siglongjmp */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static TranslatedCpu *cpu_create(bool long_mode, bool avx, unsigned log_flags)
{
    TranslatedCpu *c = calloc(1, sizeof(*c));
    if (!c) {
        _exit(3);
    }
    c->tcg = tcg_context_new(CODE_BUFFER_SIZE);
    if (c->tcg && log_flags) {
        tcg_set_log(c->tcg, log_flags, stderr);
    }
    x86_cpu_reset_user(&c->env, long_mode);
    c->exec = cpu_exec_new(&c->env, &x86_translate_ops, c->tcg);
    if (!c->tcg || !c->exec) {
        fprintf(stderr, "difftest: cannot create the translated CPU\n");
        _exit(3);
    }
    c->env.exec = c->exec;
    if (avx) {       /* the AVX groups' CPU: the extensions their instructions need */
        c->env.model = x86_cpu_model_find("max,+avx,+avx2,+fma,+f16c");
    }
    if (long_mode) {
        c->env.segs[R_GS].base = GS_BASE;
    }
    cpu_exec_set_guest_base(c->exec, 0);
    page_set_flags(c->exec, SCRATCH_ADDR, SCRATCH_ADDR + SCRATCH_SIZE,
                   PAGE_VALID | PAGE_READ | PAGE_WRITE);
    /* writable, as user-mode code pages may be: the smc group writes to them */
    page_set_flags(c->exec, CODE_ADDR, CODE_ADDR + CODE_SIZE,
                   PAGE_VALID | PAGE_READ | PAGE_WRITE | PAGE_EXEC);
    return c;
}

static void *translated_start(unsigned log_flags)
{
    TranslatedContext *context = calloc(1, sizeof(*context));
    if (!context) {
        _exit(3);
    }
    context->log_flags = log_flags;
    faults_init();
    return context;
}

static void state_load(CPUX86State *env, const DiffState *st, uint64_t rip, bool long_mode)
{
    for (int r = 0; r < 16; r++) {
        env->regs[r] = long_mode ? st->regs[r] : (uint32_t)st->regs[r];
    }
    env->rip = rip;
    x86_cpu_set_eflags(env, st->rflags);
    memcpy(env->xmm_regs, st->xmm, sizeof(st->xmm));
    memcpy(env->ymmh_regs, st->ymmh, sizeof(st->ymmh));
    helper_sse_sync_mxcsr(env);     /* the host's pending flags of the last run */
    env->mxcsr = st->mxcsr;
}

static void state_store(CPUX86State *env, DiffState *st)
{
    memcpy(st->regs, env->regs, sizeof(st->regs));
    st->rflags = x86_cpu_get_eflags(env);
    memcpy(st->xmm, env->xmm_regs, sizeof(st->xmm));
    memcpy(st->ymmh, env->ymmh_regs, sizeof(st->ymmh));
    helper_sse_sync_mxcsr(env);
    st->mxcsr = env->mxcsr;
}

static void run_once(TranslatedCpu *c, const Sequence *seq, int run, uint64_t address,
                     RunResult *res)
{
    scratch_fill((uint8_t *)(uintptr_t)SCRATCH_ADDR, seq->scratch_seed[run]);
    state_load(&c->env, &seq->init[run], address, seq->long_mode);
    int excp;
    do {
        excp = cpu_exec(c->exec);
    } while (excp == EXCP_INTERRUPT);
    res->status = excp == EXCP03_INT3 ? RUN_DONE : RUN_EXCEPTION;
    res->exception = excp;
    res->fault_offset = c->env.rip - address;
    state_store(&c->env, &res->state);
    memcpy(res->scratch, (void *)(uintptr_t)SCRATCH_ADDR, SCRATCH_SIZE);
}

static void translated_run(void *ctx, const Sequence *seq, unsigned slot, RunResult *results)
{
    TranslatedContext *tc = ctx;
    bool avx = seq->group >= 0 && (group_info(seq->group)->features & FEATURE_AVX2);
    TranslatedCpu **c = &tc->cpu[avx][seq->long_mode];
    if (!*c) {
        *c = cpu_create(seq->long_mode, avx, tc->log_flags);
    }
    running_cpu = *c;
    for (int run = 0; run < RUNS; run++) {
        run_once(*c, seq, run, SEQ_ADDR(seq, slot), &results[run]);
    }
    running_cpu = NULL;
}

const Runner translated_runner = { "translated", translated_start, translated_run };
