/*
 * The execution layer with a toy guest: a tiny instruction set translated by a
 * front end written here, run through cpu_exec, and compared with a C
 * interpreter of the same programs (the oracle). Covers block chaining, indirect
 * jumps through the inline jump-cache probe (hits, misses, flushes, invalidated
 * targets, cpu_exit), helper exits with state restore, full flushes when the code buffer
 * fills, invalidation by page_set_flags, and self-modifying code (in another
 * block and inside the running block) through write protection and
 * page_unprotect from a SIGSEGV handler.
 *
 * Toy instruction: 8 bytes, byte 0 the opcode, bytes 4-7 a signed immediate.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>
#include <ucontext.h>
#include "accel/tcg/exec.h"
#include "accel/tcg/tb-jump-cache.h"
#include "tests/tcg/test-tcg.h"

enum { OP_ADDI, OP_MIX, OP_LOOP, OP_JMP, OP_JIND, OP_SETX, OP_STORE, OP_HALT, OP_LOAD, OP_STOREB,
       OP_WIDE };

#define GUEST_SIZE 0x40000
#define DATA_ADDR  0x3f000
#define EXCP_HALT  1
#define EXCP_FETCH 2

typedef struct ToyEnv {
    uint64_t pc, acc, cnt, x;
    CPUExec *cpu;
} ToyEnv;

typedef struct Toy {
    TCGContext *tcg;
    CPUExec *cpu;
    ToyEnv env;
    uint8_t *mem;                 /* host address of guest address 0 */
    TCGv g_pc, g_acc, g_cnt, g_x;
} Toy;

/* the signal handler needs the CPU; one toy runs at a time */
static Toy *running_toy;

/* --- the toy front end --- */

static void helper_halt(void *envp)
{
    ToyEnv *env = envp;
    env->cpu->exception_index = EXCP_HALT;
    cpu_loop_exit_restore(env->cpu, (uintptr_t)__builtin_return_address(0));
}

static void helper_fetch_fault(void *envp)
{
    ToyEnv *env = envp;
    env->cpu->exception_index = EXCP_FETCH;
    cpu_loop_exit(env->cpu);
}

static void toy_get_tb_state(void *env, uint64_t *pc, uint64_t *cs_base, uint32_t *flags)
{
    *pc = ((ToyEnv *)env)->pc;
    *cs_base = 0;
    *flags = 0;
}

static void toy_restore_state(void *env, const TranslationBlock *tb, const uint64_t data[2])
{
    ((ToyEnv *)env)->pc = data[0];
}

static void gen_exit_to(TCGContext *s, Toy *toy, TranslationBlock *tb, unsigned slot, uint64_t pc)
{
    tcg_gen_goto_tb(s, slot);
    tcg_gen_movi(s, toy->g_pc, (int64_t)pc);
    tcg_gen_exit_tb(s, (uintptr_t)tb | slot);
}

static void gen_call_env(TCGContext *s, void *func, TCGv ret)
{
    TCGv args[1] = { tcg_env(s) };
    tcg_gen_call(s, func, 0, ret, 1, args);
}

/* Emits one instruction; returns true when it ends the block. */
static bool gen_insn(TCGContext *s, Toy *toy, TranslationBlock *tb, uint64_t pc, const uint8_t *insn)
{
    int32_t imm;
    memcpy(&imm, insn + 4, 4);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64);
    switch (insn[0]) {
    case OP_ADDI:
        tcg_gen_addi(s, toy->g_acc, toy->g_acc, imm);
        return false;
    case OP_MIX:
        tcg_gen_muli(s, t, toy->g_acc, 3);
        tcg_gen_xori(s, toy->g_acc, t, imm);
        return false;
    case OP_SETX:
        tcg_gen_movi(s, toy->g_x, imm);
        return false;
    case OP_WIDE:
        /* acc += imm + 40 through 40 fresh temps: big blocks run out of temps */
        tcg_gen_addi(s, t, toy->g_acc, imm);
        for (int i = 0; i < 40; i++) {
            TCGv next = tcg_temp_new(s, TCG_TYPE_I64);
            tcg_gen_addi(s, next, t, 1);
            t = next;
        }
        tcg_gen_mov(s, toy->g_acc, t);
        return false;
    case OP_STORE: case OP_STOREB:
        tcg_gen_qemu_st(s, toy->g_acc, tcg_constant(s, TCG_TYPE_I64, imm),
                        insn[0] == OP_STORE ? MO_UL : MO_UB);
        return false;
    case OP_LOAD:
        tcg_gen_qemu_ld(s, t, tcg_constant(s, TCG_TYPE_I64, imm), MO_UL);
        tcg_gen_add(s, toy->g_acc, toy->g_acc, t);
        return false;
    case OP_JMP:
        gen_exit_to(s, toy, tb, 0, (uint64_t)(int64_t)imm);
        return true;
    case OP_LOOP: {
        TCGLabel *again = tcg_gen_new_label(s);
        tcg_gen_subi(s, toy->g_cnt, toy->g_cnt, 1);
        tcg_gen_brcondi(s, TCG_COND_NE, toy->g_cnt, 0, again);
        gen_exit_to(s, toy, tb, 0, pc + 8);
        tcg_gen_set_label(s, again);
        gen_exit_to(s, toy, tb, 1, (uint64_t)(int64_t)imm);
        return true;
    }
    case OP_JIND:
        tcg_gen_mov(s, toy->g_pc, toy->g_x);
        tcg_gen_lookup_and_goto_ptr(s, toy->g_pc, tcg_constant(s, TCG_TYPE_I64, 0),
                                    tcg_constant(s, TCG_TYPE_I32, 0));
        return true;
    default:
        /* pc is left stale on purpose: cpu_restore_state must find it */
        gen_call_env(s, (void *)helper_halt, NULL);
        tcg_gen_exit_tb(s, 0);
        return true;
    }
}

static void toy_translate(TCGContext *s, void *envp, TranslationBlock *tb, int max_insns)
{
    ToyEnv *env = envp;
    Toy *toy = running_toy;
    uint64_t pc = tb->pc;
    int n = 0;
    for (;;) {
        uint8_t insn[8];
        tcg_gen_insn_start(s, pc, 0);
        if (!translator_read_code(env->cpu, pc, insn, 8)) {
            tcg_gen_movi(s, toy->g_pc, (int64_t)pc);
            gen_call_env(s, (void *)helper_fetch_fault, NULL);
            tcg_gen_exit_tb(s, 0);
            n++;
            break;
        }
        n++;
        bool end = gen_insn(s, toy, tb, pc, insn);
        pc += 8;
        if (end) {
            break;
        }
        if (n >= max_insns || (pc & 0xfff) == 0) {
            gen_exit_to(s, toy, tb, 0, pc);
            break;
        }
    }
    tb->size = (uint32_t)(pc - tb->pc);
    tb->icount = (uint16_t)n;
}

static const TargetTranslateOps toy_ops = {
    .get_tb_state = toy_get_tb_state,
    .translate = toy_translate,
    .restore_state = toy_restore_state,
};

/* --- the oracle: an interpreter of the same instruction set --- */

typedef struct Oracle {
    uint64_t pc, acc, cnt, x;
    uint8_t *mem;
    int exception;
} Oracle;

static void oracle_run(Oracle *o, long limit)
{
    for (long step = 0; step < limit; step++) {
        if (o->pc + 8 > DATA_ADDR) {
            o->exception = EXCP_FETCH;
            return;
        }
        const uint8_t *insn = o->mem + o->pc;
        int32_t imm;
        memcpy(&imm, insn + 4, 4);
        uint32_t v32 = (uint32_t)o->acc;
        switch (insn[0]) {
        case OP_ADDI: o->acc += (uint64_t)(int64_t)imm; break;
        case OP_MIX: o->acc = (o->acc * 3) ^ (uint64_t)(int64_t)imm; break;
        case OP_SETX: o->x = (uint64_t)(int64_t)imm; break;
        case OP_WIDE: o->acc += (uint64_t)(int64_t)imm + 40; break;
        case OP_STORE: memcpy(o->mem + imm, &v32, 4); break;
        case OP_STOREB: o->mem[imm] = (uint8_t)o->acc; break;
        case OP_LOAD: memcpy(&v32, o->mem + imm, 4); o->acc += v32; break;
        case OP_JMP: o->pc = (uint64_t)(int64_t)imm; continue;
        case OP_LOOP:
            if (--o->cnt != 0) {
                o->pc = (uint64_t)(int64_t)imm;
                continue;
            }
            break;
        case OP_JIND: o->pc = o->x; continue;
        default:
            o->exception = EXCP_HALT;
            return;
        }
        o->pc += 8;
    }
    o->exception = -1;
}

/* --- running both --- */

static void segv_handler(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    uintptr_t host_pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    Toy *toy = running_toy;
    uint64_t guest_addr = (uint64_t)((uintptr_t)info->si_addr - (uintptr_t)toy->mem);
    if (toy) {
        /* the toy's globals kept in host registers at the store (user mode's
         * handler does the same: linux-user/signal.c) */
        cpu_restore_host_context(toy->cpu, host_pc, uc);
    }
    if (toy && page_unprotect(toy->cpu, guest_addr, host_pc)) {
        return;
    }
    static const char msg[] = "test-tcg: unexpected SIGSEGV\n";
    if (write(2, msg, sizeof(msg) - 1) < 0) {
        _exit(2);
    }
    _exit(2);
}

static void toy_init(Toy *toy, size_t code_buffer)
{
    memset(toy, 0, sizeof(*toy));
    toy->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    toy->tcg = tcg_context_new(code_buffer);
    if (toy->mem == MAP_FAILED || !toy->tcg) {
        fprintf(stderr, "test-tcg: cannot set up the toy guest\n");
        exit(1);
    }
    toy->g_pc = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, pc), "pc");
    toy->g_acc = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, acc), "acc");
    toy->g_cnt = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, cnt), "cnt");
    toy->g_x = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, x), "x");
    toy->cpu = cpu_exec_new(&toy->env, &toy_ops, toy->tcg);
    toy->env.cpu = toy->cpu;
    cpu_exec_set_guest_base(toy->cpu, (uintptr_t)toy->mem);
    page_set_flags(toy->cpu, 0, DATA_ADDR, PAGE_READ | PAGE_EXEC);
    page_set_flags(toy->cpu, DATA_ADDR, GUEST_SIZE, PAGE_READ | PAGE_WRITE);
    running_toy = toy;
}

static void toy_free(Toy *toy)
{
    cpu_exec_free(toy->cpu);
    tcg_context_free(toy->tcg);
    munmap(toy->mem, GUEST_SIZE);
    running_toy = NULL;
}

static void put_insn(uint8_t *mem, uint64_t addr, int op, int32_t imm)
{
    memset(mem + addr, 0, 8);
    mem[addr] = (uint8_t)op;
    memcpy(mem + addr + 4, &imm, 4);
}

/* Runs the toy from pc with cnt and compares with the oracle on a copy. */
static void compare_run(TestContext *t, Toy *toy, const char *what, uint64_t pc, uint64_t cnt)
{
    static uint8_t copy[GUEST_SIZE];
    memcpy(copy, toy->mem, GUEST_SIZE);
    Oracle o = { .pc = pc, .acc = toy->env.acc, .cnt = cnt, .x = toy->env.x, .mem = copy };
    oracle_run(&o, 50000000);
    toy->env.pc = pc;
    toy->env.cnt = cnt;
    int excp = cpu_exec(toy->cpu);
    bool ok = excp == o.exception && toy->env.pc == o.pc && toy->env.acc == o.acc &&
              toy->env.cnt == o.cnt && memcmp(copy, toy->mem, GUEST_SIZE) == 0;
    test_report(t, ok, "toy guest, %s: exception %d pc %#llx acc %#llx, expected %d %#llx %#llx",
                what, excp, (unsigned long long)toy->env.pc, (unsigned long long)toy->env.acc,
                o.exception, (unsigned long long)o.pc, (unsigned long long)o.acc);
}

/* Direct jumps, a loop, an indirect jump, guest memory, a halt mid-block. */
static void chained_loop(TestContext *t)
{
    Toy toy;
    toy_init(&toy, 1 << 20);
    uint8_t *m = toy.mem;
    int32_t a = (int32_t)test_rand(t), b = (int32_t)test_rand(t), c = (int32_t)test_rand(t);
    put_insn(m, 0x00, OP_ADDI, a);
    put_insn(m, 0x08, OP_MIX, b);
    put_insn(m, 0x10, OP_JMP, 0x100);
    put_insn(m, 0x100, OP_SETX, 0x208);
    put_insn(m, 0x108, OP_JIND, 0);
    put_insn(m, 0x208, OP_ADDI, c);
    put_insn(m, 0x210, OP_STORE, DATA_ADDR);
    put_insn(m, 0x218, OP_LOAD, DATA_ADDR);
    put_insn(m, 0x220, OP_LOOP, 0x00);
    put_insn(m, 0x228, OP_ADDI, 5);
    put_insn(m, 0x230, OP_ADDI, 7);
    put_insn(m, 0x238, OP_HALT, 0);
    put_insn(m, 0x240, OP_ADDI, 9);
    toy.env.acc = test_rand(t);
    compare_run(t, &toy, "chained loop", 0, 20000);
    TBStatistics st;
    tb_get_statistics(toy.cpu, &st);
    test_report(t, st.nb_chained > 0 && st.nb_translations < 100,
                "toy guest: blocks were chained (%llu) and not retranslated (%llu)",
                (unsigned long long)st.nb_chained, (unsigned long long)st.nb_translations);
    /* new code through page_set_flags: the old blocks must go */
    page_set_flags(toy.cpu, 0, 0x1000, PAGE_READ | PAGE_WRITE);
    put_insn(m, 0x208, OP_MIX, c);
    page_set_flags(toy.cpu, 0, 0x1000, PAGE_READ | PAGE_EXEC);
    compare_run(t, &toy, "after code change", 0, 300);
    /* fetching from a page that is not executable */
    compare_run(t, &toy, "fetch fault", DATA_ADDR, 1);
    toy_free(&toy);
}

/* Many distinct blocks in a small code buffer: full flushes. */
static void flushes(TestContext *t)
{
    Toy toy;
    toy_init(&toy, 64 * 1024);
    uint8_t *m = toy.mem;
    uint64_t addr = 0;
    for (int i = 0; i < 3000; i++) {
        put_insn(m, addr, OP_MIX, (int32_t)test_rand(t));
        put_insn(m, addr + 8, OP_JMP, (int32_t)(addr + 16));
        addr += 16;
    }
    put_insn(m, addr, OP_LOOP, 0);
    put_insn(m, addr + 8, OP_HALT, 0);
    compare_run(t, &toy, "code buffer flushes", 0, 3);
    /* a page of instructions that need more temps than one block may have */
    for (uint64_t a = 0x8000; a < 0x9000; a += 8) {
        put_insn(m, a, OP_WIDE, (int32_t)test_rand(t));
    }
    put_insn(m, 0x9000, OP_HALT, 0);
    compare_run(t, &toy, "blocks out of temps", 0x8000, 1);
    TBStatistics st;
    tb_get_statistics(toy.cpu, &st);
    test_report(t, st.nb_flushes > 0, "toy guest: the small code buffer was flushed (%llu)",
                (unsigned long long)st.nb_flushes);
    toy_free(&toy);
}

/* Code that rewrites an immediate of a later block and of its own block. */
static void self_modifying(TestContext *t)
{
    Toy toy;
    toy_init(&toy, 1 << 20);
    uint8_t *m = toy.mem;
    page_set_flags(toy.cpu, 0x1000, 0x3000, PAGE_READ | PAGE_WRITE | PAGE_EXEC);
    /* block A patches block B's immediate, then jumps there */
    put_insn(m, 0x1000, OP_MIX, 0x1234);
    put_insn(m, 0x1008, OP_STOREB, 0x1104);
    put_insn(m, 0x1010, OP_JMP, 0x1100);
    put_insn(m, 0x1100, OP_ADDI, 0);
    put_insn(m, 0x1108, OP_LOOP, 0x1000);
    put_insn(m, 0x1110, OP_HALT, 0);
    compare_run(t, &toy, "code patched in another block", 0x1000, 50);
    /* one block patches an instruction further down in itself */
    put_insn(m, 0x2000, OP_MIX, 0x55);
    put_insn(m, 0x2008, OP_STOREB, 0x2014);
    put_insn(m, 0x2010, OP_ADDI, 0);
    put_insn(m, 0x2018, OP_MIX, 7);
    put_insn(m, 0x2020, OP_LOOP, 0x2000);
    put_insn(m, 0x2028, OP_HALT, 0);
    compare_run(t, &toy, "code patched in the running block", 0x2000, 50);
    /* data written next to code on the same page */
    put_insn(m, 0x2100, OP_STORE, 0x2800);
    put_insn(m, 0x2108, OP_LOAD, 0x2800);
    put_insn(m, 0x2110, OP_ADDI, 3);
    put_insn(m, 0x2118, OP_LOOP, 0x2100);
    put_insn(m, 0x2120, OP_HALT, 0);
    compare_run(t, &toy, "data on a code page", 0x2100, 100);
    toy_free(&toy);
}

static uint64_t lookup_misses(Toy *toy)
{
    TBStatistics st;
    tb_get_statistics(toy->cpu, &st);
    return st.nb_lookup_misses;
}

/* Runs a loop of n iterations; reports whether the probe missed in range. */
static void indirect_run(TestContext *t, Toy *toy, const char *what, uint64_t pc, uint64_t n,
                         uint64_t min_misses, uint64_t max_misses)
{
    uint64_t before = lookup_misses(toy);
    compare_run(t, toy, what, pc, n);
    uint64_t misses = lookup_misses(toy) - before;
    test_report(t, misses >= min_misses && misses <= max_misses,
                "toy guest, %s: %llu of %llu indirect jumps missed the jump cache, expected %llu..%llu",
                what, (unsigned long long)misses, (unsigned long long)n,
                (unsigned long long)min_misses, (unsigned long long)max_misses);
}

/*
 * Indirect jumps: a loop whose target stays in the jump cache (hits, no helper
 * calls), two targets that share a jump-cache slot (every probe misses), the
 * same after a full flush and after the target's code changed (the cached entry
 * is invalid and must not be followed).
 */
static void indirect_jumps(TestContext *t)
{
    const uint64_t p = 0x1000, q1 = 0x1100, q2 = 0x9108, n = 5000;
    Toy toy;
    toy_init(&toy, 1 << 20);
    uint8_t *m = toy.mem;
    test_report(t, jump_cache_hash(q1) == jump_cache_hash(q2),
                "toy guest: %#llx and %#llx share a jump-cache slot",
                (unsigned long long)q1, (unsigned long long)q2);
    int32_t a = (int32_t)test_rand(t), b = (int32_t)test_rand(t);
    /* p: x = q1, jump; q1: acc += a, loop to p */
    put_insn(m, p, OP_SETX, (int32_t)q1);
    put_insn(m, p + 8, OP_JIND, 0);
    put_insn(m, q1, OP_ADDI, a);
    put_insn(m, q1 + 8, OP_LOOP, (int32_t)p);
    put_insn(m, q1 + 16, OP_HALT, 0);
    toy.env.acc = test_rand(t);
    indirect_run(t, &toy, "indirect jump hits", p, n, 0, 4);
    tb_flush(toy.cpu);
    indirect_run(t, &toy, "indirect jump hits after a flush", p, n, 0, 4);
    /* new code at the target: the entry in the jump cache is invalid now */
    page_set_flags(toy.cpu, 0, 0x2000, PAGE_READ | PAGE_WRITE);
    put_insn(m, q1, OP_MIX, b);
    page_set_flags(toy.cpu, 0, 0x2000, PAGE_READ | PAGE_EXEC);
    indirect_run(t, &toy, "indirect jump to changed code", p, n, 1, 4);
    /* q1 jumps on to q2, which shares its slot: the two evict each other */
    put_insn(m, q2, OP_MIX, a);
    put_insn(m, q2 + 8, OP_LOOP, (int32_t)p);
    put_insn(m, q2 + 16, OP_HALT, 0);
    page_set_flags(toy.cpu, 0, 0x2000, PAGE_READ | PAGE_WRITE);
    put_insn(m, q1 + 8, OP_SETX, (int32_t)q2);
    put_insn(m, q1 + 16, OP_JIND, 0);
    page_set_flags(toy.cpu, 0, 0x2000, PAGE_READ | PAGE_EXEC);
    indirect_run(t, &toy, "indirect jumps sharing a slot", p, n, 2 * n - 1, 2 * n + 4);
    toy_free(&toy);
}

static void alarm_handler(int sig)
{
    if (running_toy) {
        cpu_exit(running_toy->cpu);
    }
}

/* An endless loop of chained blocks stops when a signal handler calls cpu_exit. */
static void interrupt_loop(TestContext *t)
{
    Toy toy;
    toy_init(&toy, 1 << 20);
    put_insn(toy.mem, 0x0, OP_ADDI, 1);
    put_insn(toy.mem, 0x8, OP_JMP, 0x10);
    put_insn(toy.mem, 0x10, OP_MIX, 1);
    put_insn(toy.mem, 0x18, OP_JMP, 0x0);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = alarm_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval tv = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } }, off = { 0 };
    setitimer(ITIMER_REAL, &tv, NULL);
    /* a second endless loop made of indirect jumps only */
    put_insn(toy.mem, 0x100, OP_ADDI, 1);
    put_insn(toy.mem, 0x108, OP_SETX, 0x100);
    put_insn(toy.mem, 0x110, OP_JIND, 0);
    toy.env.x = 0x100;
    toy.env.pc = 0x100;
    int indirect = cpu_exec(toy.cpu);
    uint64_t acc0 = toy.env.acc;
    toy.env.pc = 0;
    int first = cpu_exec(toy.cpu);
    uint64_t acc1 = toy.env.acc;
    int second = cpu_exec(toy.cpu);           /* and it can go on afterwards */
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    TBStatistics st;
    tb_get_statistics(toy.cpu, &st);
    test_report(t, indirect == EXCP_INTERRUPT && acc0 > 1,
                "cpu_exit stops a loop of indirect jumps: %d, acc %#llx", indirect,
                (unsigned long long)acc0);
    test_report(t, first == EXCP_INTERRUPT && second == EXCP_INTERRUPT && acc1 != acc0 &&
                toy.env.acc != acc1 && st.nb_chained > 0,
                "cpu_exit from a signal handler: %d %d, acc %#llx then %#llx",
                first, second, (unsigned long long)acc1, (unsigned long long)toy.env.acc);
    toy_free(&toy);
}

void test_exec(TestContext *t)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    chained_loop(t);
    flushes(t);
    self_modifying(t);
    indirect_jumps(t);
    interrupt_loop(t);
    sigaction(SIGSEGV, &old, NULL);
}
