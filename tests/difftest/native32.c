/*
 * difftest-i386: the native side of 32-bit sequences as an i386 program, for
 * hosts whose kernel cannot run 32-bit code (difftest then runs this under
 * Debian's qemu-i386, oracle32.c). `difftest-i386 --serve` reads requests
 * (oracle32.h) on stdin and answers each with the results of the sequence run
 * from both initial states, as native.c does in a compatibility-mode segment:
 * glue code loads every register, EFLAGS, xmm0-7 (and the YMM upper halves and
 * MXCSR when the CPU has AVX2) from the state block and jumps to the sequence,
 * whose terminator jumps back to glue that stores them; a fault comes back as
 * a signal, whose frame (Linux's i386 sigcontext and FXSAVE/XSAVE image) gives
 * the state.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "difftest.h"
#include "glue.h"
#include "hostcpu.h"
#include "oracle32.h"

#ifndef __i386__
#error "native32.c is the i386 program (built with -m32)"
#endif

#define GLUE_ENTRY 0x000u
#define GLUE_EXIT  0x400u

typedef struct Block32 {
    DiffState in;
    DiffState out;
    uint32_t host_esp;
    uint32_t seq_address;
    uint32_t host_mxcsr;
} Block32;

#define BLOCK ((Block32 *)(uintptr_t)STATE_ADDR)
#define FIELD(f) ((uint32_t)(STATE_ADDR + offsetof(Block32, f)))

typedef struct Native32 {
    sigjmp_buf jmp;
    volatile int running;
    uint32_t address;
    RunResult *result;
    unsigned features;
} Native32;

/* Signal handlers get no user argument: the one context of this process. */
static Native32 *signal_context;

static void glue_entry(uint8_t *code, bool avx)
{
    Glue gl = { code };
    static const uint8_t save[] = { 0x53, 0x55, 0x56, 0x57 };    /* push ebx ebp esi edi */
    put(&gl, sizeof(save), save);
    put_abs(&gl, 0, 0x89, 0, RSP, FIELD(host_esp));            /* mov [host_esp], esp */
    put_vector_loads(&gl, 8, avx, FIELD(in.xmm), FIELD(in.ymmh), FIELD(in.mxcsr));
    *gl.p++ = 0xbc;                                              /* mov esp, &in.rflags */
    put32(&gl, FIELD(in.rflags));
    *gl.p++ = 0x9d;                                              /* popfd */
    for (int r = 0; r < 8; r++) {
        if (r != RSP) {
            put_abs(&gl, 0, 0x8b, 0, r, FIELD(in.regs[r]));
        }
    }
    put_abs(&gl, 0, 0x8b, 0, RSP, FIELD(in.regs[RSP]));
    put_abs(&gl, 0, 0xff, 0, 4, FIELD(seq_address));             /* jmp [seq_address] */
}

static void glue_exit(uint8_t *code, bool avx)
{
    Glue gl = { code };
    for (int r = 0; r < 8; r++) {
        put_abs(&gl, 0, 0x89, 0, r, FIELD(out.regs[r]));
    }
    *gl.p++ = 0xbc;                                              /* mov esp, &out.rflags + 4 */
    put32(&gl, FIELD(out.rflags) + 4);
    *gl.p++ = 0x9c;                                              /* pushfd */
    *gl.p++ = 0xfc;                                              /* cld: the C ABI wants DF 0 */
    put_vector_stores(&gl, 8, avx, FIELD(out.xmm), FIELD(out.ymmh), FIELD(out.mxcsr),
                      FIELD(host_mxcsr));
    put_abs(&gl, 0, 0x8b, 0, RSP, FIELD(host_esp));
    static const uint8_t restore[] = { 0x5f, 0x5e, 0x5d, 0x5b, 0xc3 };
    put(&gl, sizeof(restore), restore);
}

/* Linux's i386 signal frame: the FNSAVE image, then (magic 0 at byte 110,
 * X86_FXSR_MAGIC) the FXSAVE image at byte 112, whose bytes 464.. hold
 * FP_XSTATE_MAGIC1 when the XSAVE header (512) and YMM_Hi128 (576) follow
 * (SDM vol. 1, 10.5.1 and 13.4) */
#define FXSAVE_AT 112

static void state_from_context(DiffState *st, const ucontext_t *uc)
{
    const greg_t *gr = uc->uc_mcontext.gregs;
    static const int map[8] = {
        REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI, REG_EDI,
    };
    memset(st, 0, sizeof(*st));
    for (int r = 0; r < 8; r++) {
        st->regs[r] = (uint32_t)gr[map[r]];
    }
    st->rflags = (uint32_t)gr[REG_EFL];
    const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;
    uint16_t magic;
    if (!fp || (memcpy(&magic, fp + 110, 2), magic != 0)) {
        return;
    }
    const uint8_t *fx = fp + FXSAVE_AT;
    memcpy(st->xmm, fx + 160, 8 * 16);
    memcpy(&st->mxcsr, fx + 24, 4);
    uint32_t sw_magic;
    uint64_t xstate_bv;
    memcpy(&sw_magic, fx + 464, 4);
    memcpy(&xstate_bv, fx + 512, 8);
    if (sw_magic == 0x46505853u && (xstate_bv & 4)) {
        memcpy(st->ymmh, fx + 576, 8 * 16);
    }
}

/* The opcode at the faulting EIP, after its legacy prefixes */
static uint8_t opcode_at(uint32_t eip)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)eip;
    for (int i = 0; i < 15; i++, p++) {
        if (!memchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", *p, 11)) {
            return *p;
        }
    }
    return 0;
}

/* The x86 vector of a fault: the kernel's trapno; qemu-i386 7.2 writes -1
 * there, so then the vector the signal implies (Linux's traps.c: SIGSEGV
 * SI_KERNEL for #GP, and for #OF and #BR, told apart by the opcode, INTO CE
 * and BOUND 62; SIGBUS BUS_ADRALN for #AC, else #SS; SIGTRAP TRAP_TRACE for
 * #DB, else #BP). */
static int32_t fault_vector(int sig, const siginfo_t *info, const ucontext_t *uc)
{
    int32_t trapno = (int32_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    if (trapno >= 0 && trapno < 32) {
        return trapno;
    }
    switch (sig) {
    case SIGFPE:
        return 0;
    case SIGILL:
        return 6;
    case SIGBUS:
        return info->si_code == BUS_ADRALN ? 17 : 12;
    case SIGTRAP:
        return info->si_code == TRAP_TRACE ? 1 : 3;
    default:
        if (info->si_code != SI_KERNEL) {
            return 14;
        }
        switch (opcode_at((uint32_t)uc->uc_mcontext.gregs[REG_EIP])) {
        case 0xce:
            return 4;
        case 0x62:
            return 5;
        default:
            return 13;
        }
    }
}

static void on_fault(int sig, siginfo_t *info, void *uc_void)
{
    __asm__ volatile("cld");        /* the sequence may have left DF set */
    ucontext_t *uc = uc_void;
    uint32_t eip = (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
    Native32 *nc = signal_context;
    if (!nc || !nc->running || eip < CODE_ADDR || eip >= CODE_ADDR + CODE_SIZE) {
        signal(sig, SIG_DFL);       /* the harness itself faulted: die */
        return;
    }
    RunResult *res = nc->result;
    res->status = RUN_EXCEPTION;
    res->exception = fault_vector(sig, info, uc);
    res->fault_offset = eip - nc->address;
    res->error_code = vector_has_error_code(res->exception) ?
                      (int64_t)(uint32_t)uc->uc_mcontext.gregs[REG_ERR] : -1;
    res->cr2 = (uint32_t)uc->uc_mcontext.cr2;
    state_from_context(&res->state, uc);
    nc->running = 0;
    siglongjmp(nc->jmp, 1);
}

static void start(Native32 *nc)
{
    nc->features = host_cpu_features();
    bool avx = nc->features & FEATURE_AVX2;
    uint8_t *glue = (uint8_t *)(uintptr_t)CODE_ADDR;
    glue_entry(glue + GLUE_ENTRY, avx);
    glue_exit(glue + GLUE_EXIT, avx);
    BLOCK->host_mxcsr = 0x1f80;
    if (!install_fault_handler(on_fault)) {
        perror("difftest-i386: sigaltstack");
        exit(3);
    }
    signal_context = nc;
}

static void run_once(Native32 *nc, const Oracle32Request *rq, int run, RunResult *res)
{
    memset(res, 0, sizeof(*res));
    scratch_fill((uint8_t *)(uintptr_t)SCRATCH_ADDR, rq->scratch_seed[run]);
    Block32 *b = BLOCK;
    b->in = rq->init[run];
    memset(&b->out, 0, sizeof(b->out));
    b->seq_address = rq->address;
    nc->address = rq->address;
    nc->result = res;
    void (*entry)(void) = (void (*)(void))(uintptr_t)(CODE_ADDR + GLUE_ENTRY);
    if (sigsetjmp(nc->jmp, 1) == 0) {
        nc->running = 1;
        entry();
        nc->running = 0;
        res->status = RUN_DONE;
        res->exception = -1;
        res->fault_offset = rq->code_len;
        res->error_code = -1;
        res->state = b->out;
    }
    memcpy(res->scratch, (void *)(uintptr_t)SCRATCH_ADDR, SCRATCH_SIZE);
}

/* Places the request's code in its slot as place_batch and native.c do: INT3
 * everywhere else in the slot, a jump to the exit glue after the code. */
static bool place(const Oracle32Request *rq)
{
    uint32_t first = SLOT_ADDR(0), end = SLOT_ADDR(MAX_BATCH);
    if (rq->address < first || rq->address >= end || rq->code_len > MAX_CODE ||
        rq->address + rq->code_len + 5 > first + (rq->address - first) / SLOT_SIZE * SLOT_SIZE +
        SLOT_SIZE) {
        return false;
    }
    uint8_t *slot = (uint8_t *)(uintptr_t)(first + (rq->address - first) / SLOT_SIZE * SLOT_SIZE);
    memset(slot, 0xcc, SLOT_SIZE);
    uint8_t *at = (uint8_t *)(uintptr_t)rq->address;
    memcpy(at, rq->code, rq->code_len);
    int32_t rel = (int32_t)((CODE_ADDR + GLUE_EXIT) - (rq->address + rq->code_len + 5));
    at[rq->code_len] = 0xe9;
    memcpy(at + rq->code_len + 1, &rel, 4);
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--serve") != 0) {
        fprintf(stderr, "usage: difftest-i386 --serve (run by difftest, which sends it "
                "the 32-bit sequences on stdin)\n");
        return 2;
    }
    static Native32 nc;
    static Oracle32Request rq;
    static RunResult results[RUNS];
    memory_map_fixed();
    start(&nc);
    Oracle32Hello hello = { ORACLE32_MAGIC, nc.features };
    if (!io_full(1, &hello, sizeof(hello), true)) {
        return 3;
    }
    while (io_full(0, &rq, sizeof(rq), false)) {
        if (!place(&rq)) {
            fprintf(stderr, "difftest-i386: a request with code at 0x%x (%u bytes) outside "
                    "the code area\n", rq.address, rq.code_len);
            return 2;
        }
        for (int run = 0; run < RUNS; run++) {
            run_once(&nc, &rq, run, &results[run]);
        }
        if (!io_full(1, results, sizeof(results), true)) {
            return 3;
        }
    }
    return 0;
}
