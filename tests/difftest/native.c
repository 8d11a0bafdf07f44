/*
 * The native side: runs a sequence on the host CPU inside the forked child.
 *
 * Glue code at CODE_ADDR saves the host's callee-saved registers and stack
 * pointer, loads every register and RFLAGS from the input block and jumps to the
 * sequence; the sequence's terminator jumps back to an epilogue that stores them
 * into the output block. 32-bit sequences run in a compatibility-mode code
 * segment: Linux's 32-bit user code selector 0x23, entered and left with far
 * jumps (Intel SDM vol. 3A, 5.8.3 and vol. 2A JMP "far jump"); DS/ES get the
 * flat data selector 0x2b first since 64-bit processes run with null DS/ES.
 * Faults come back as signals; the handler takes the state from the signal
 * context (Linux's ucontext, trapno is the x86 vector).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "difftest.h"
#include "glue.h"
#include "hostcpu.h"

#define USER32_CS 0x23
#define USER64_CS 0x33
#define USER_DS   0x2b

#define GLUE_ENTRY64  0x000u
#define GLUE_ENTRY32  0x200u
#define GLUE_EXIT     0x400u

typedef struct NativeBlock {
    DiffState in;
    DiffState out;
    uint64_t host_rsp;
    uint64_t seq_address;        /* for the 64-bit indirect jump */
    uint32_t far_to_seq[2];      /* m16:32 offset, selector */
    uint32_t far_to_exit[2];
    uint32_t host_mxcsr;         /* the C code's MXCSR, back after a run */
} NativeBlock;

typedef struct NativeContext {
    sigjmp_buf jmp;
    volatile int running;
    uint64_t slot_address;
    RunResult *result;
    NativeBlock *block;
} NativeContext;

/* Signal handlers get no user argument: the one context of this child process. */
static NativeContext *signal_context;

#define BLOCK ((NativeBlock *)(uintptr_t)STATE_ADDR)
#define FIELD(f) ((uint32_t)(STATE_ADDR + offsetof(NativeBlock, f)))

static void glue_entry(uint8_t *code, bool long_mode)
{
    Glue gl = { code };
    static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
    put(&gl, sizeof(save), save);
    put_abs(&gl, 0x48, 0x89, 0, RSP, FIELD(host_rsp));          /* mov [host_rsp], rsp */
    if (!long_mode) {
        static const uint8_t ds[] = { 0xb8, USER_DS, 0, 0, 0, 0x8e, 0xd8, 0x8e, 0xc0 };
        put(&gl, sizeof(ds), ds);                                /* mov ds/es, 0x2b */
    }
    put_vector_loads(&gl, 16, native_features() & FEATURE_AVX2, FIELD(in.xmm), FIELD(in.ymmh),
                     FIELD(in.mxcsr));
    static const uint8_t rsp_imm[] = { 0x48, 0xc7, 0xc4 };
    put(&gl, 3, rsp_imm);                                        /* mov rsp, &in.rflags */
    put32(&gl, FIELD(in.rflags));
    *gl.p++ = 0x9d;                                              /* popfq */
    for (int r = 0; r < 16; r++) {
        if (r != RSP) {
            put_abs(&gl, 0x48, 0x8b, 0, r, FIELD(in.regs[r]));
        }
    }
    put_abs(&gl, 0x48, 0x8b, 0, RSP, FIELD(in.regs[RSP]));
    if (long_mode) {
        put_abs(&gl, 0, 0xff, 0, 4, FIELD(seq_address));         /* jmp [seq_address] */
    } else {
        put_abs(&gl, 0, 0xff, 0, 5, FIELD(far_to_seq));          /* jmp far [far_to_seq] */
    }
}

static void glue_exit(uint8_t *code)
{
    Glue gl = { code };
    for (int r = 0; r < 16; r++) {
        put_abs(&gl, 0x48, 0x89, 0, r, FIELD(out.regs[r]));
    }
    static const uint8_t rsp_imm[] = { 0x48, 0xc7, 0xc4 };
    put(&gl, 3, rsp_imm);                                        /* mov rsp, &out.rflags + 8 */
    put32(&gl, FIELD(out.rflags) + 8);
    *gl.p++ = 0x9c;                                              /* pushfq */
    *gl.p++ = 0xfc;                                              /* cld: the C ABI wants DF 0 */
    put_vector_stores(&gl, 16, native_features() & FEATURE_AVX2, FIELD(out.xmm), FIELD(out.ymmh),
                      FIELD(out.mxcsr), FIELD(host_mxcsr));
    put_abs(&gl, 0x48, 0x8b, 0, RSP, FIELD(host_rsp));
    static const uint8_t restore[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
    put(&gl, sizeof(restore), restore);
}

static void state_from_context(DiffState *st, const ucontext_t *uc)
{
    const greg_t *gr = uc->uc_mcontext.gregs;
    static const int map[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    for (int r = 0; r < 16; r++) {
        st->regs[r] = (uint64_t)gr[map[r]];
    }
    st->rflags = (uint64_t)gr[REG_EFL];
    if (uc->uc_mcontext.fpregs) {
        const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
        memcpy(st->xmm, fp->_xmm, sizeof(st->xmm));
        st->mxcsr = fp->mxcsr;
        /* the XSAVE image after it (Linux's signal frame: the FXSAVE area's
         * sw_reserved bytes hold FP_XSTATE_MAGIC1; the YMM_Hi128 component
         * at offset 576, SDM vol. 1, 13.4) */
        const uint32_t *sw = (const uint32_t *)((const uint8_t *)fp + 464);
        const uint64_t *xstate_bv = (const uint64_t *)((const uint8_t *)fp + 512);
        if (sw[0] == 0x46505853u && (*xstate_bv & 4)) {
            memcpy(st->ymmh, (const uint8_t *)fp + 576, sizeof(st->ymmh));
        } else {
            memset(st->ymmh, 0, sizeof(st->ymmh));   /* in its initial state */
        }
    }
}

/* The x86 vector of a fault: the kernel's trapno, or (when an emulator running
 * this harness leaves trapno unset) the one the signal implies. */
static int32_t fault_vector(int sig, const siginfo_t *info, const ucontext_t *uc)
{
    int64_t trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    if (trapno >= 0 && trapno < 32) {
        return (int32_t)trapno;
    }
    switch (sig) {
    case SIGFPE:
        return 0;
    case SIGILL:
        return 6;
    case SIGBUS:
        return 17;
    case SIGTRAP:
        return 3;
    default:
        return info->si_code == SI_KERNEL ? 13 : 14;
    }
}

static void on_fault(int sig, siginfo_t *info, void *uc_void)
{
    ucontext_t *uc = uc_void;
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    NativeContext *nc = signal_context;
    if (!nc || !nc->running || rip < CODE_ADDR || rip >= CODE_ADDR + CODE_SIZE) {
        /* the harness itself faulted: die, the parent reports it */
        signal(sig, SIG_DFL);
        return;
    }
    RunResult *res = nc->result;
    res->status = RUN_EXCEPTION;
    res->exception = fault_vector(sig, info, uc);
    res->fault_offset = rip - nc->slot_address;
    /* Linux's sigcontext err and cr2: the hardware's (arch/x86/mm/fault.c
     * set_signal_archinfo adds only the user bit, which is set anyway) */
    res->error_code = vector_has_error_code(res->exception) ?
                      (int64_t)(uint32_t)uc->uc_mcontext.gregs[REG_ERR] : -1;
    res->cr2 = (uint64_t)uc->uc_mcontext.gregs[REG_CR2];
    state_from_context(&res->state, uc);
    nc->running = 0;
    siglongjmp(nc->jmp, 1);
}

static void *native_start(unsigned log_flags)
{
    (void)log_flags;
    NativeContext *context = calloc(1, sizeof(*context));
    uint8_t *glue = (uint8_t *)(uintptr_t)CODE_ADDR;
    if (!context || mprotect(glue, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        perror("difftest: native set-up");
        _exit(3);
    }
    glue_entry(glue + GLUE_ENTRY64, true);
    glue_entry(glue + GLUE_ENTRY32, false);
    glue_exit(glue + GLUE_EXIT);
    BLOCK->host_mxcsr = 0x1f80;
    BLOCK->far_to_exit[0] = CODE_ADDR + GLUE_EXIT;
    BLOCK->far_to_exit[1] = USER64_CS;

    if (!install_fault_handler(on_fault)) {
        perror("difftest: sigaltstack");
        _exit(3);
    }
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)GS_BASE) != 0) {
        perror("difftest: arch_prctl(ARCH_SET_GS)");
        _exit(3);
    }
    context->block = BLOCK;
    signal_context = context;
    return context;
}

/* the jump from the end of the sequence back to the exit glue */
static void put_terminator(uint8_t *at, uint64_t at_address, bool long_mode)
{
    if (long_mode) {
        int32_t rel = (int32_t)((CODE_ADDR + GLUE_EXIT) - (at_address + 5));
        at[0] = 0xe9;
        memcpy(at + 1, &rel, 4);
    } else {                       /* jmp far [far_to_exit] (mod 00 r/m 101: disp32) */
        uint32_t address = FIELD(far_to_exit);
        at[0] = 0xff;
        at[1] = 0x2d;
        memcpy(at + 2, &address, 4);
    }
}

static void run_once(NativeContext *nc, const Sequence *seq, int run, uint64_t address,
                     RunResult *res)
{
    scratch_fill((uint8_t *)(uintptr_t)SCRATCH_ADDR, seq->scratch_seed[run]);
    NativeBlock *b = nc->block;
    b->in = seq->init[run];
    b->seq_address = address;
    b->far_to_seq[0] = (uint32_t)address;
    b->far_to_seq[1] = USER32_CS;
    nc->slot_address = address;
    nc->result = res;
    void (*entry)(void) = (void (*)(void))(uintptr_t)(CODE_ADDR +
                          (seq->long_mode ? GLUE_ENTRY64 : GLUE_ENTRY32));
    if (sigsetjmp(nc->jmp, 1) == 0) {
        nc->running = 1;
        entry();
        nc->running = 0;
        res->status = RUN_DONE;
        res->exception = -1;
        res->fault_offset = seq->code_len;
        res->state = b->out;
    }
    memcpy(res->scratch, (void *)(uintptr_t)SCRATCH_ADDR, SCRATCH_SIZE);
}

static void native_run(void *ctx, const Sequence *seq, unsigned slot, RunResult *results)
{
    uint64_t address = SEQ_ADDR(seq, slot);
    put_terminator((uint8_t *)(uintptr_t)(address + seq->code_len),
                   address + seq->code_len, seq->long_mode);
    for (int run = 0; run < RUNS; run++) {
        run_once(ctx, seq, run, address, &results[run]);
    }
}

const Runner native_runner = { "native", native_start, native_run };

unsigned native_features(void)
{
    return host_cpu_features();
}

/* an empty 32-bit sequence must come back completed */
bool native_compat_mode_works(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        static Sequence empty;
        static RunResult results[RUNS];
        empty.long_mode = false;
        void *ctx = native_start(0);
        alarm(10);
        native_run(ctx, &empty, 0, results);
        _exit(results[0].status == RUN_DONE ? 0 : 1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
