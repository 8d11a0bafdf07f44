/*
 * The translated side in system mode (difftest --system): the sequence runs at
 * CPL 3 in a long-mode guest (64-bit or compatibility-mode code segment) whose
 * memory is guest physical RAM behind the harness's page tables (sysguest.c),
 * so every access goes through the softmmu TLB and the page walk, and the
 * sequence's exceptions are delivered through the guest's IDT. Each handler is
 * a HLT, so cpu_exec returns EXCP_HLT there: the vector is the handler's, and
 * RIP, RSP and RFLAGS at the exception come from the interrupt frame (the
 * other registers are untouched by delivery). The INT3 that ends a sequence
 * arrives the same way, as vector 3 after the INT3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "difftest.h"
#include "sysguest.h"
#include "target-i386/sse_helper.h"

#define CODE_BUFFER_SIZE (16u << 20)

typedef struct SystemContext {
    SysGuest guest;
    TCGContext *tcg;
    CPUX86State *env;
    CPUExec *exec;
    uint8_t scratch[SCRATCH_SIZE];    /* the initial scratch contents */
} SystemContext;

static void *system_start(unsigned log_flags)
{
    SystemContext *c = calloc(1, sizeof(*c));
    size_t env_size = (sizeof(CPUX86State) + 63) & ~(size_t)63;
    if (!c || !(c->env = aligned_alloc(64, env_size))) {
        _exit(3);
    }
    memset(c->env, 0, env_size);
    sysguest_init(&c->guest);
    c->tcg = tcg_context_new(CODE_BUFFER_SIZE);
    c->exec = c->tcg ? cpu_exec_new(c->env, &x86_translate_ops, c->tcg) : NULL;
    if (!c->exec) {
        fprintf(stderr, "difftest: cannot create the system-mode CPU\n");
        _exit(3);
    }
    if (log_flags) {
        tcg_set_log(c->tcg, log_flags, stderr);
    }
    c->env->exec = c->exec;
    x86_cpu_init_system(c->env, c->guest.as);
    sysguest_cpu_setup(&c->guest, c->env);
    if (native_features() & FEATURE_AVX2) {
        /* the AVX groups' extensions (no other group's code uses them) */
        c->env->model = x86_cpu_model_find("max,+avx,+avx2,+fma,+f16c");
        /* and the OS's part, as Linux sets it: CR4.OSXSAVE, XCR0 = x87|SSE|AVX
         * (without them VEX is #UD, SDM vol. 1 13.5.3) */
        c->env->cr[4] |= CR4_OSXSAVE;
        c->env->xcr0 = 7;
    }
    return c;
}

static void state_load(CPUX86State *env, const DiffState *st, uint64_t rip, bool long_mode)
{
    sysguest_enter_user(env, long_mode);
    for (int r = 0; r < 16; r++) {
        env->regs[r] = long_mode ? st->regs[r] : (uint32_t)st->regs[r];
    }
    env->rip = rip;
    x86_cpu_set_eflags(env, st->rflags);
    x86_update_hflags(env);
    memcpy(env->xmm_regs, st->xmm, sizeof(st->xmm));
    memcpy(env->ymmh_regs, st->ymmh, sizeof(st->ymmh));
    helper_sse_sync_mxcsr(env);     /* the host's pending flags of the last run */
    env->mxcsr = st->mxcsr;
}

/* the state at the exception: registers as delivery left them, RSP and RFLAGS
 * from the frame */
static void state_store(CPUX86State *env, const SysFrame *frame, DiffState *st)
{
    memcpy(st->regs, env->regs, sizeof(st->regs));
    st->regs[RSP] = frame->rsp;
    st->rflags = frame->rflags;
    memcpy(st->xmm, env->xmm_regs, sizeof(st->xmm));
    memcpy(st->ymmh, env->ymmh_regs, sizeof(st->ymmh));
    helper_sse_sync_mxcsr(env);
    st->mxcsr = env->mxcsr;
}

static int run_to_halt(SystemContext *c)
{
    int excp;
    do {
        excp = cpu_exec(c->exec);
    } while (excp == EXCP_INTERRUPT);
    return excp;
}

/* cpu_exec stopped other than in a handler of an exception from CPL 3: a
 * difference that says so */
static void record_stray_stop(CPUX86State *env, int excp, int vector, uint64_t address,
                              RunResult *res)
{
    fprintf(stderr, "difftest --system: cpu_exec returned 0x%x at %04x:%016llx%s%s\n",
            excp, env->segs[R_CS].selector, (unsigned long long)env->rip,
            vector >= 0 ? " (an exception delivered from CPL 0)" : "",
            env->triple_fault ? " (triple fault)" : "");
    res->status = RUN_EXCEPTION;
    res->exception = vector >= 0 ? 0x100 + vector : excp;
    res->fault_offset = env->rip - address;
    memcpy(res->state.regs, env->regs, sizeof(res->state.regs));
    env->triple_fault = false;
}

static void run_once(SystemContext *c, const Sequence *seq, int run, uint64_t address,
                     RunResult *res)
{
    CPUX86State *env = c->env;
    scratch_fill(c->scratch, seq->scratch_seed[run]);
    sysguest_scratch_write(&c->guest, c->scratch);
    state_load(env, &seq->init[run], address, seq->long_mode);
    if (run == 0) {
        /* the first run walks the page tables for each page it touches (TLB
         * misses), the second finds its translations in the TLB */
        tlb_flush(c->exec);
    }
    cpu_set_halted(c->exec, false);
    int excp = run_to_halt(c);
    SysFrame frame;
    int vector = excp == EXCP_HLT ? sysguest_vector(&c->guest, env, &frame) : -1;
    if (vector >= 0 && (frame.cs & 3) == 3) {
        res->status = vector == EXCP03_INT3 ? RUN_DONE : RUN_EXCEPTION;
        res->exception = vector;
        res->fault_offset = frame.rip - address;
        res->error_code = frame.error_code;
        res->cr2 = env->cr[2];
        state_store(env, &frame, &res->state);
    } else {
        record_stray_stop(env, excp, vector, address, res);
    }
    sysguest_scratch_read(&c->guest, res->scratch);
}

static void system_run(void *ctx, const Sequence *seq, unsigned slot, RunResult *results)
{
    for (int run = 0; run < RUNS; run++) {
        run_once(ctx, seq, run, SEQ_ADDR(seq, slot), &results[run]);
    }
}

const Runner system_runner = { "system", system_start, system_run };
