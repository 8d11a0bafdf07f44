/*
 * The softmmu (accel/tcg/cputlb.c, the inline TLB probe of tcg/x86_64) and
 * system-mode execution (accel/tcg/cpu-exec.c, tb-cache.c) with a toy guest: a
 * tiny instruction set whose front end is written here, a one-level page table
 * walked by a fake tlb_fill, and a private stand-in for the physical address
 * space (RAM, ROM, an MMIO region that logs its calls). Every run is compared
 * with a C interpreter of the same machine (the oracle): registers, RAM, the
 * MMIO call log, page faults taken (pc and address) and interrupts taken.
 *
 * Toy instruction: 8 bytes; byte 0 opcode, byte 1 memop (size | sign), byte 2
 * MMU index, bytes 4-7 a signed immediate.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "accel/tcg/cputlb.h"

/* --- the harness --- */

typedef struct Test {
    uint64_t rng;
    int passed, failed;
} Test;

static uint64_t rnd(Test *t)
{
    /* xorshift64* (Vigna) */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545f4914f6cdd1dull;
}

static void report(Test *t, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(Test *t, bool ok, const char *fmt, ...)
{
    if (ok) {
        t->passed++;
        return;
    }
    t->failed++;
    if (t->failed <= 40) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
    }
}

/* --- the physical machine: RAM at 0, ROM, MMIO (a stand-in for system/memory.c) --- */

#define RAM_SIZE   0x400000ull
#define ROM_BASE   0x800000ull
#define ROM_SIZE   0x10000ull
#define MMIO_BASE  0x900000ull
#define MMIO_SIZE  0x1000ull
#define DOORBELL   0x800          /* MMIO offset: a write requests an interrupt */
#define MAX_LOG    4096

typedef struct MmioCall {
    uint64_t offset, value;
    unsigned size;
    bool write;
} MmioCall;

typedef struct Phys {
    uint8_t *ram, *rom;
    MmioCall log[MAX_LOG];
    unsigned nb_log;
    bool doorbell;               /* set by a doorbell write */
} Phys;

struct AddressSpace {
    Phys phys;
    MemListener listener;
    CPUExec *cpu;                /* told about doorbell writes */
};

static uint64_t mmio_value(uint64_t offset, unsigned size)
{
    uint64_t v = (offset + 1) * 0x9e3779b97f4a7c15ull ^ size;
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static uint64_t phys_mmio(Phys *p, uint64_t offset, unsigned size, bool write, uint64_t value)
{
    if (!write) {
        value = mmio_value(offset, size);
    } else if (offset == DOORBELL) {
        p->doorbell = true;
    }
    if (p->nb_log < MAX_LOG) {
        p->log[p->nb_log++] = (MmioCall) { offset, value, size, write };
    }
    return value;
}

/* One access of size bytes at paddr (not crossing a region), as the bus sees it. */
static uint64_t phys_access(Phys *p, uint64_t paddr, unsigned size, bool write, uint64_t value)
{
    uint64_t v = 0;
    if (paddr + size <= RAM_SIZE) {
        if (write) {
            memcpy(p->ram + paddr, &value, size);
        }
        memcpy(&v, p->ram + paddr, size);
    } else if (paddr >= ROM_BASE && paddr + size <= ROM_BASE + ROM_SIZE) {
        memcpy(&v, p->rom + paddr - ROM_BASE, size);
    } else if (paddr >= MMIO_BASE && paddr + size <= MMIO_BASE + MMIO_SIZE) {
        v = phys_mmio(p, paddr - MMIO_BASE, size, write, value);
    } else {
        v = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    }
    return write ? 0 : v;
}

MemSection memory_lookup(AddressSpace *as, uint64_t paddr)
{
    if (paddr < RAM_SIZE) {
        return (MemSection) { MEM_RAM, as->phys.ram + paddr, NULL, paddr, RAM_SIZE - paddr };
    }
    if (paddr >= ROM_BASE && paddr < ROM_BASE + ROM_SIZE) {
        return (MemSection) { MEM_ROM, as->phys.rom + paddr - ROM_BASE, NULL, paddr - ROM_BASE,
                              ROM_BASE + ROM_SIZE - paddr };
    }
    if (paddr >= MMIO_BASE && paddr < MMIO_BASE + MMIO_SIZE) {
        return (MemSection) { MEM_MMIO, NULL, NULL, paddr - MMIO_BASE, MMIO_BASE + MMIO_SIZE - paddr };
    }
    return (MemSection) { MEM_UNASSIGNED, NULL, NULL, 0, TARGET_PAGE_SIZE - (paddr & 0xfff) };
}

void address_space_read(AddressSpace *as, uint64_t paddr, void *buf, size_t len)
{
    uint64_t v = phys_access(&as->phys, paddr, (unsigned)len, false, 0);
    memcpy(buf, &v, len);
}

void address_space_write(AddressSpace *as, uint64_t paddr, const void *buf, size_t len)
{
    uint64_t v = 0;
    memcpy(&v, buf, len);
    phys_access(&as->phys, paddr, (unsigned)len, true, v);
    if (as->phys.doorbell && as->cpu) {
        as->phys.doorbell = false;
        cpu_interrupt(as->cpu, CPU_INTERRUPT_HARD);
    }
}

void memory_add_listener(AddressSpace *as, const MemListener *l)
{
    as->listener = *l;
}

/* --- the toy CPU --- */

enum { OP_ADDI, OP_MIX, OP_SETX, OP_ADDX, OP_LD, OP_ST, OP_LDP, OP_JMP, OP_LOOP, OP_JIND,
       OP_STI, OP_CLI, OP_HLT, OP_HALT };

#define EXCP_PF      14
#define EXCP_TOYHALT 0x200
#define VPAGES       4096         /* 16 MiB of virtual space */
#define PTE_P 1
#define PTE_W 2
#define PTE_X 4
#define IRQ_XOR 0x5a5a5a5a5a5a5a5aull

typedef struct ToyEnv {
    uint64_t pc, acc, x, cnt, if_flag;
    /* counted by the exception/interrupt delivery */
    uint64_t faults, fault_sum, irqs;
    uint64_t fault_addr;
    uint64_t *pt;                 /* page table: phys page | PTE_*, by virtual page */
    uint64_t large_from, large_to;   /* tlb_fill enters [from, to) as 2 MiB pages */
    CPUExec *cpu;
    CPUTLB tlb;
} ToyEnv;

typedef struct Toy {
    TCGContext *tcg;
    CPUExec *cpu;
    ToyEnv *env;
    AddressSpace as;
    TCGv g_pc, g_acc, g_x, g_cnt, g_if;
    int max_insns;
} Toy;

static Toy *cur;

static bool toy_tlb_fill(void *envp, uint64_t vaddr, unsigned size, int type, int mmu_idx,
                         bool probe, uintptr_t ra)
{
    ToyEnv *env = envp;
    static const uint64_t need[] = { PTE_P, PTE_P | PTE_W, PTE_P | PTE_X };
    uint64_t vpage = vaddr >> 12;
    uint64_t pte = vpage < VPAGES ? env->pt[vpage] : 0;
    if ((pte & need[type]) != need[type]) {
        if (probe) {
            return false;
        }
        env->fault_addr = vaddr;
        env->cpu->exception_index = EXCP_PF;
        cpu_loop_exit_restore(env->cpu, ra);
    }
    int prot = PROT_R | ((pte & PTE_W) ? PROT_W : 0) | ((pte & PTE_X) ? PROT_X : 0);
    bool large = vaddr >= env->large_from && vaddr < env->large_to;
    tlb_set_page(env->cpu, vaddr & ~0xfffull, pte & ~0xfffull, prot, mmu_idx,
                 large ? 0x200000 : 0x1000);
    return true;
}

static int toy_code_mmu_index(void *env) { return 0; }

/* the "guest handler" of a page fault: demand paging */
static void toy_do_interrupt(void *envp)
{
    ToyEnv *env = envp;
    env->faults++;
    env->fault_sum = env->fault_sum * 31 + env->pc * 7 + env->fault_addr;
    uint64_t vpage = env->fault_addr >> 12;
    if (vpage < VPAGES) {
        env->pt[vpage] |= PTE_P | PTE_W | PTE_X;
    } else {
        env->pc = 0;    /* no way to map it: the oracle does the same */
    }
}

static bool toy_exec_interrupt(void *envp, int req)
{
    ToyEnv *env = envp;
    if (!(req & CPU_INTERRUPT_HARD) || !env->if_flag) {
        return false;
    }
    cpu_reset_interrupt(env->cpu, CPU_INTERRUPT_HARD);
    env->irqs++;
    env->acc ^= IRQ_XOR;
    return true;
}

static bool toy_has_work(void *env, int req) { return (req & CPU_INTERRUPT_HARD) != 0; }

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

static void helper_halt(void *envp)
{
    ToyEnv *env = envp;
    env->cpu->exception_index = EXCP_TOYHALT;
    cpu_loop_exit_restore(env->cpu, (uintptr_t)__builtin_return_address(0));
}

static void helper_hlt(void *envp)
{
    ToyEnv *env = envp;
    cpu_set_halted(env->cpu, true);
    env->cpu->exception_index = EXCP_HLT;
    cpu_loop_exit(env->cpu);
}

static void gen_call_env(TCGContext *s, void *func)
{
    TCGv args[1] = { tcg_env(s) };
    tcg_gen_call(s, func, 0, NULL, 1, args);
}

static void gen_exit_to(TCGContext *s, Toy *toy, TranslationBlock *tb, unsigned slot, uint64_t pc)
{
    tcg_gen_goto_tb(s, slot);
    tcg_gen_movi(s, toy->g_pc, (int64_t)pc);
    tcg_gen_exit_tb(s, (uintptr_t)tb | slot);
}

static TCGMemOp insn_memop(const uint8_t *insn)
{
    return (TCGMemOp)((insn[1] & (MO_SIZE | MO_SIGN)) | MO_MMUIDX(insn[2] & 1));
}

/* acc += ld(x + imm) with ten values live across the access */
static void gen_ld_pressure(TCGContext *s, Toy *toy, TCGv addr, TCGMemOp memop)
{
    TCGv keep[10];
    for (int i = 0; i < 10; i++) {
        keep[i] = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_muli(s, keep[i], toy->g_acc, 2 * i + 3);
    }
    TCGv v = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_qemu_ld(s, v, addr, memop);
    for (int i = 0; i < 10; i++) {
        tcg_gen_xor(s, v, v, keep[i]);
        tcg_gen_rotli(s, v, v, 7);
    }
    tcg_gen_add(s, toy->g_acc, toy->g_acc, v);
}

/* Emits one instruction; true when it ends the block. */
static bool gen_insn(TCGContext *s, Toy *toy, TranslationBlock *tb, uint64_t pc, const uint8_t *insn)
{
    int32_t imm;
    memcpy(&imm, insn + 4, 4);
    TCGv t = tcg_temp_new(s, TCG_TYPE_I64), a = tcg_temp_new(s, TCG_TYPE_I64);
    switch (insn[0]) {
    case OP_ADDI: tcg_gen_addi(s, toy->g_acc, toy->g_acc, imm); return false;
    case OP_MIX:
        tcg_gen_muli(s, t, toy->g_acc, 3);
        tcg_gen_xori(s, toy->g_acc, t, imm);
        return false;
    case OP_SETX: tcg_gen_movi(s, toy->g_x, imm); return false;
    case OP_ADDX: tcg_gen_addi(s, toy->g_x, toy->g_x, imm); return false;
    case OP_LD:
        tcg_gen_addi(s, a, toy->g_x, imm);
        tcg_gen_qemu_ld(s, t, a, insn_memop(insn));
        tcg_gen_add(s, toy->g_acc, toy->g_acc, t);
        return false;
    case OP_LDP:
        tcg_gen_addi(s, a, toy->g_x, imm);
        gen_ld_pressure(s, toy, a, insn_memop(insn));
        return false;
    case OP_ST:
        tcg_gen_addi(s, a, toy->g_x, imm);
        tcg_gen_qemu_st(s, toy->g_acc, a, insn_memop(insn));
        return false;
    case OP_CLI: tcg_gen_movi(s, toy->g_if, 0); return false;
    case OP_STI:
        /* back to the loop, unchained: it takes a pending interrupt now */
        tcg_gen_movi(s, toy->g_if, 1);
        tcg_gen_movi(s, toy->g_pc, (int64_t)(pc + 8));
        tcg_gen_exit_tb(s, 0);
        return true;
    case OP_JMP: gen_exit_to(s, toy, tb, 0, (uint64_t)(int64_t)imm); return true;
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
    case OP_HLT:
        tcg_gen_movi(s, toy->g_pc, (int64_t)(pc + 8));
        gen_call_env(s, (void *)helper_hlt);
        tcg_gen_exit_tb(s, 0);
        return true;
    default:
        gen_call_env(s, (void *)helper_halt);
        tcg_gen_exit_tb(s, 0);
        return true;
    }
}

static void toy_translate(TCGContext *s, void *envp, TranslationBlock *tb, int max_insns)
{
    ToyEnv *env = envp;
    Toy *toy = cur;
    uint64_t pc = tb->pc;
    int n = 0;
    if (max_insns > toy->max_insns) {
        max_insns = toy->max_insns;
    }
    translator_gen_tb_start(env->cpu, s, tb);
    for (;;) {
        uint8_t insn[8];
        tcg_gen_insn_start(s, pc, 0);
        if (!translator_read_code(env->cpu, pc, insn, 8)) {
            /* not the first instruction: the next block faults at its start */
            tcg_gen_movi(s, toy->g_pc, (int64_t)pc);
            tcg_gen_exit_tb(s, 0);
            break;
        }
        n++;
        bool end = gen_insn(s, toy, tb, pc, insn);
        pc += 8;
        if (end) {
            break;
        }
        /* blocks may run into the next page, not further */
        if (n >= max_insns || pc >= (tb->pc & ~0xfffull) + 0x2000) {
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
    .tlb_fill = toy_tlb_fill,
    .code_mmu_index = toy_code_mmu_index,
    .do_interrupt = toy_do_interrupt,
    .exec_interrupt = toy_exec_interrupt,
    .has_work = toy_has_work,
};

static void toy_init(Toy *toy)
{
    memset(toy, 0, sizeof(*toy));
    toy->as.phys.ram = calloc(1, RAM_SIZE);
    toy->as.phys.rom = calloc(1, ROM_SIZE);
    toy->env = calloc(1, sizeof(ToyEnv));
    toy->env->pt = calloc(VPAGES, sizeof(uint64_t));
    toy->tcg = tcg_context_new(8 << 20);
    if (!toy->as.phys.ram || !toy->as.phys.rom || !toy->env || !toy->env->pt || !toy->tcg) {
        fprintf(stderr, "test-softmmu: out of memory\n");
        exit(1);
    }
    toy->max_insns = TCG_MAX_INSNS;
    toy->g_pc = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, pc), "pc");
    toy->g_acc = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, acc), "acc");
    toy->g_x = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, x), "x");
    toy->g_cnt = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, cnt), "cnt");
    toy->g_if = tcg_global_mem_new(toy->tcg, TCG_TYPE_I64, offsetof(ToyEnv, if_flag), "if");
    toy->cpu = cpu_exec_new(toy->env, &toy_ops, toy->tcg);
    toy->env->cpu = toy->cpu;
    toy->as.cpu = toy->cpu;
    cpu_exec_enable_softmmu(toy->cpu, &toy->as, offsetof(ToyEnv, tlb));
    cur = toy;
}

static void toy_free(Toy *toy)
{
    cpu_exec_free(toy->cpu);
    tcg_context_free(toy->tcg);
    free(toy->env->pt);
    free(toy->env);
    free(toy->as.phys.ram);
    free(toy->as.phys.rom);
    cur = NULL;
}

static void map(Toy *toy, uint64_t vaddr, uint64_t paddr, uint64_t pte_flags)
{
    toy->env->pt[vaddr >> 12] = (paddr & ~0xfffull) | pte_flags;
}

/* writes an instruction at a virtual address (through the page table) */
static void put_insn(Toy *toy, uint64_t vaddr, int op, int memop, int32_t imm)
{
    uint64_t paddr = (toy->env->pt[vaddr >> 12] & ~0xfffull) | (vaddr & 0xfff);
    uint8_t *p = toy->as.phys.ram + paddr;
    memset(p, 0, 8);
    p[0] = (uint8_t)op;
    p[1] = (uint8_t)(memop & 7);
    p[2] = (uint8_t)(memop >> 8);
    memcpy(p + 4, &imm, 4);
}

/* --- the oracle --- */

typedef struct Oracle {
    uint64_t pc, acc, x, cnt, if_flag, faults, fault_sum, irqs;
    uint64_t *pt;
    Phys phys;
    bool irq_pending;
    int exception;
} Oracle;

typedef struct Fault { bool hit; uint64_t addr; } Fault;

static bool oracle_translate(Oracle *o, uint64_t vaddr, uint64_t need, uint64_t *paddr)
{
    uint64_t vpage = vaddr >> 12;
    uint64_t pte = vpage < VPAGES ? o->pt[vpage] : 0;
    if ((pte & need) != need) {
        return false;
    }
    *paddr = (pte & ~0xfffull) | (vaddr & 0xfff);
    return true;
}

static void oracle_fault(Oracle *o, uint64_t addr)
{
    o->faults++;
    o->fault_sum = o->fault_sum * 31 + o->pc * 7 + addr;
    if ((addr >> 12) < VPAGES) {
        o->pt[addr >> 12] |= PTE_P | PTE_W | PTE_X;
    } else {
        o->pc = 0;
    }
}

/* A data access as the softmmu does it: one bus access inside a page, byte by
 * byte across pages (a store checks both pages first). */
static bool oracle_access(Oracle *o, uint64_t vaddr, TCGMemOp memop, bool write, uint64_t *val)
{
    unsigned size = 1u << (memop & MO_SIZE);
    uint64_t need = PTE_P | (write ? PTE_W : 0), pa;
    bool cross = (vaddr & 0xfff) + size > 0x1000;
    if (write && cross) {
        uint64_t pages[2] = { vaddr, (vaddr + size) & ~0xfffull };
        for (int i = 0; i < 2; i++) {
            if (!oracle_translate(o, pages[i], need, &pa)) {
                oracle_fault(o, pages[i]);
                return false;
            }
        }
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < (cross ? size : 1); i++) {
        unsigned n = cross ? 1 : size;
        if (!oracle_translate(o, vaddr + i, need, &pa)) {
            oracle_fault(o, vaddr + i);
            return false;
        }
        uint64_t part = write ? (*val >> (8 * i)) : 0;
        if (n < 8) {
            part &= (1ull << (8 * n)) - 1;
        }
        v |= phys_access(&o->phys, pa, n, write, part) << (8 * i);
    }
    if (!write && (memop & MO_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    if (!write) {
        *val = v;
    }
    if (o->phys.doorbell) {
        o->phys.doorbell = false;
        o->irq_pending = true;
    }
    return true;
}

static uint64_t oracle_ld_pressure(uint64_t acc, uint64_t v)
{
    for (int i = 0; i < 10; i++) {
        v ^= acc * (uint64_t)(2 * i + 3);
        v = (v << 7) | (v >> 57);
    }
    return acc + v;
}

/* Runs one instruction; false when the machine stopped (exception set). */
static bool oracle_step(Oracle *o)
{
    uint64_t pa, v;
    if (!oracle_translate(o, o->pc, PTE_P | PTE_X, &pa)) {
        oracle_fault(o, o->pc);
        return true;
    }
    const uint8_t *insn = o->phys.ram + pa;
    int32_t imm;
    memcpy(&imm, insn + 4, 4);
    TCGMemOp memop = insn_memop(insn);
    bool boundary = false;
    uint64_t next = o->pc + 8;
    switch (insn[0]) {
    case OP_ADDI: o->acc += (uint64_t)(int64_t)imm; break;
    case OP_MIX: o->acc = (o->acc * 3) ^ (uint64_t)(int64_t)imm; break;
    case OP_SETX: o->x = (uint64_t)(int64_t)imm; break;
    case OP_ADDX: o->x += (uint64_t)(int64_t)imm; break;
    case OP_LD: case OP_LDP:
        if (!oracle_access(o, o->x + (uint64_t)(int64_t)imm, memop, false, &v)) {
            return true;
        }
        o->acc = insn[0] == OP_LD ? o->acc + v : oracle_ld_pressure(o->acc, v);
        break;
    case OP_ST:
        v = o->acc;
        if (!oracle_access(o, o->x + (uint64_t)(int64_t)imm, memop, true, &v)) {
            return true;
        }
        break;
    case OP_CLI: o->if_flag = 0; break;
    case OP_STI: o->if_flag = 1; boundary = true; break;
    case OP_JMP: next = (uint64_t)(int64_t)imm; boundary = true; break;
    case OP_LOOP:
        if (--o->cnt != 0) {
            next = (uint64_t)(int64_t)imm;
        }
        boundary = true;
        break;
    case OP_JIND: next = o->x; boundary = true; break;
    default:
        o->exception = EXCP_TOYHALT;
        return false;
    }
    o->pc = next;
    if (boundary && o->irq_pending && o->if_flag) {
        o->irq_pending = false;
        o->irqs++;
        o->acc ^= IRQ_XOR;
    }
    return true;
}

/* Runs the toy from its current state and the oracle on copies; compares. */
static void compare_run(Test *t, Toy *toy, const char *what)
{
    static uint8_t ram_copy[RAM_SIZE];
    static uint64_t pt_copy[VPAGES];
    ToyEnv *e = toy->env;
    Oracle *o = calloc(1, sizeof(Oracle));
    memcpy(ram_copy, toy->as.phys.ram, RAM_SIZE);
    memcpy(pt_copy, e->pt, sizeof(pt_copy));
    *o = (Oracle) { e->pc, e->acc, e->x, e->cnt, e->if_flag, e->faults, e->fault_sum, e->irqs,
                    pt_copy, { .ram = ram_copy, .rom = toy->as.phys.rom }, false, -1 };
    unsigned log_start = toy->as.phys.nb_log;
    for (long i = 0; i < 20000000 && oracle_step(o); i++) {
    }
    int excp = cpu_exec(toy->cpu);
    Phys *tp = &toy->as.phys;
    bool log_ok = tp->nb_log - log_start == o->phys.nb_log &&
                  memcmp(tp->log + log_start, o->phys.log, o->phys.nb_log * sizeof(MmioCall)) == 0;
    bool ok = excp == o->exception && e->pc == o->pc && e->acc == o->acc && e->x == o->x &&
              e->cnt == o->cnt && e->faults == o->faults && e->fault_sum == o->fault_sum &&
              e->irqs == o->irqs && memcmp(ram_copy, tp->ram, RAM_SIZE) == 0 && log_ok;
    report(t, ok, "%s: exception %d pc %#llx acc %#llx faults %llu irqs %llu mmio %u%s, "
           "expected %d %#llx %#llx %llu %llu %u", what, excp,
           (unsigned long long)e->pc, (unsigned long long)e->acc, (unsigned long long)e->faults,
           (unsigned long long)e->irqs, tp->nb_log - log_start, log_ok ? "" : " (log differs)",
           o->exception, (unsigned long long)o->pc, (unsigned long long)o->acc,
           (unsigned long long)o->faults, (unsigned long long)o->irqs, o->phys.nb_log);
    free(o);
}

/* --- the tests --- */

#define CODE  0x10000ull          /* virtual */
#define DATA  0x100000ull         /* virtual, 64 pages */
#define DATA_PAGES 64

/* data pages: RAM at random physical pages (some not present until they fault),
 * one ROM page, one MMIO page */
static void map_data(Test *t, Toy *toy)
{
    for (int i = 0; i < DATA_PAGES; i++) {
        uint64_t pa = (0x100 + (rnd(t) % 0x2f0)) << 12;
        uint64_t flags = (rnd(t) % 5) ? PTE_P | PTE_W : PTE_W;
        map(toy, DATA + i * 0x1000ull, pa, flags);
    }
    map(toy, DATA + 10 * 0x1000ull, ROM_BASE + 0x3000, PTE_P | PTE_W);
    map(toy, DATA + 20 * 0x1000ull, MMIO_BASE, PTE_P | PTE_W);
    for (uint64_t i = 0; i < ROM_SIZE; i++) {
        toy->as.phys.rom[i] = (uint8_t)rnd(t);
    }
}

static int random_memop(Test *t)
{
    int size = (int)(rnd(t) & 3);
    int sign = (rnd(t) & 1) ? MO_SIGN : 0;
    return size | sign | (int)MO_MMUIDX(rnd(t) & 1);
}

/* an address near a page edge (crossing accesses), inside, or in ROM/MMIO pages */
static int32_t random_data_addr(Test *t)
{
    uint64_t page = rnd(t) % DATA_PAGES;
    switch (rnd(t) % 4) {
    case 0: page = 10; break;
    case 1: page = 20; break;
    default: break;
    }
    uint64_t off = (rnd(t) & 1) ? 0xff8 + rnd(t) % 8 : rnd(t) % 0x1000;
    if (page == DATA_PAGES - 1 && off > 0xff8) {
        off = 0xff0;
    }
    return (int32_t)(DATA + page * 0x1000 + off);
}

/* Random loads and stores of every size over RAM, ROM and MMIO pages, in a loop. */
static void random_programs(Test *t)
{
    for (int round = 0; round < 30; round++) {
        Toy toy;
        toy_init(&toy);
        for (int i = 0; i < 4; i++) {
            map(&toy, CODE + i * 0x1000ull, (0x10 + i * 3) << 12, PTE_P | PTE_X);
        }
        map_data(t, &toy);
        uint64_t pc = CODE + (round & 1 ? 0xf00 : 0);   /* odd rounds cross a page */
        int n = 20 + (int)(rnd(t) % 60);
        for (int i = 0; i < n; i++) {
            int32_t a = random_data_addr(t);
            switch (rnd(t) % 6) {
            case 0: put_insn(&toy, pc, OP_SETX, 0, a); break;
            case 1: put_insn(&toy, pc, OP_MIX, 0, (int32_t)rnd(t)); break;
            case 2: put_insn(&toy, pc, OP_LDP, random_memop(t), 0); break;
            case 3: put_insn(&toy, pc, OP_ST, random_memop(t), (int32_t)(rnd(t) % 16) - 8); break;
            default: put_insn(&toy, pc, OP_LD, random_memop(t), (int32_t)(rnd(t) % 16) - 8); break;
            }
            if (i == 0) {
                put_insn(&toy, pc, OP_SETX, 0, a);
            }
            pc += 8;
        }
        put_insn(&toy, pc, OP_LOOP, 0, (int32_t)(CODE + (round & 1 ? 0xf00 : 0)));
        put_insn(&toy, pc + 8, OP_HALT, 0, 0);
        toy.env->pc = CODE + (round & 1 ? 0xf00 : 0);
        toy.env->cnt = 1 + rnd(t) % 40;
        toy.env->acc = rnd(t);
        char what[64];
        snprintf(what, sizeof(what), "random memory program %d", round);
        compare_run(t, &toy, what);
        toy_free(&toy);
    }
}

static uint64_t invalidations(Toy *toy)
{
    TBStatistics st;
    tb_get_statistics(toy->cpu, &st);
    return st.nb_invalidations;
}

/* Stores into code: another block, the running block, a block seen through a
 * second virtual mapping; data next to code drops nothing. */
static void self_modifying(Test *t)
{
    Toy toy;
    toy_init(&toy);
    map(&toy, 0x20000, 0x50000, PTE_P | PTE_W | PTE_X);
    map(&toy, 0x40000, 0x50000, PTE_P | PTE_W);           /* alias of the code page */
    map(&toy, 0x21000, 0x51000, PTE_P | PTE_W | PTE_X);
    /* A (0x20000) patches B's immediate through the alias, then jumps to B */
    put_insn(&toy, 0x20000, OP_MIX, 0, 0x1234);
    put_insn(&toy, 0x20008, OP_SETX, 0, 0x40104);
    put_insn(&toy, 0x20010, OP_ST, MO_8, 0);
    put_insn(&toy, 0x20018, OP_JMP, 0, 0x20100);
    put_insn(&toy, 0x20100, OP_ADDI, 0, 0);
    put_insn(&toy, 0x20108, OP_LOOP, 0, 0x20000);
    put_insn(&toy, 0x20110, OP_HALT, 0, 0);
    toy.env->pc = 0x20000;
    toy.env->cnt = 1;
    compare_run(&*t, &toy, "warm-up");
    uint64_t before = invalidations(&toy);
    toy.env->pc = 0x20000;
    toy.env->cnt = 50;
    compare_run(t, &toy, "code patched through an alias");
    uint64_t d = invalidations(&toy) - before;
    report(t, d >= 49 && d <= 51, "patching block B drops B only, once per iteration: %llu",
           (unsigned long long)d);
    /* the running block patches an instruction further down in itself */
    put_insn(&toy, 0x21000, OP_MIX, 0, 0x55);
    put_insn(&toy, 0x21008, OP_SETX, 0, 0x2101c);
    put_insn(&toy, 0x21010, OP_ST, MO_8, 0);
    put_insn(&toy, 0x21018, OP_ADDI, 0, 0);
    put_insn(&toy, 0x21020, OP_MIX, 0, 7);
    put_insn(&toy, 0x21028, OP_LOOP, 0, 0x21000);
    put_insn(&toy, 0x21030, OP_HALT, 0, 0);
    toy.env->pc = 0x21000;
    toy.env->cnt = 40;
    compare_run(t, &toy, "code patched in the running block");
    /* data stored on a code page, away from any block: nothing dropped */
    put_insn(&toy, 0x21100, OP_SETX, 0, 0x21800);
    put_insn(&toy, 0x21108, OP_ST, MO_32, 0);
    put_insn(&toy, 0x21110, OP_LD, MO_32, 0);
    put_insn(&toy, 0x21118, OP_LOOP, 0, 0x21100);
    put_insn(&toy, 0x21120, OP_HALT, 0, 0);
    toy.env->pc = 0x21100;
    toy.env->cnt = 1;
    compare_run(t, &toy, "warm-up 2");
    before = invalidations(&toy);
    toy.env->pc = 0x21100;
    toy.env->cnt = 100;
    compare_run(t, &toy, "data on a code page");
    report(t, invalidations(&toy) == before, "data stores next to code drop no block (%llu)",
           (unsigned long long)(invalidations(&toy) - before));
    /* the code page mapped elsewhere: the block of the old physical page must not run */
    memcpy(toy.as.phys.ram + 0x52000, toy.as.phys.ram + 0x51000, 0x1000);
    map(&toy, 0x21000, 0x52000, PTE_P | PTE_W | PTE_X);
    put_insn(&toy, 0x21110, OP_MIX, 0, 99);
    tlb_flush(toy.cpu);
    toy.env->pc = 0x21100;
    toy.env->cnt = 10;
    compare_run(t, &toy, "code page remapped");
    toy_free(&toy);
}

/* Faults: demand paging of code and data, with the fault pc restored exactly. */
static void page_faults(Test *t)
{
    Toy toy;
    toy_init(&toy);
    map(&toy, 0x30000, 0x60000, PTE_X);                    /* not present */
    map(&toy, 0x31000, 0x61000, PTE_X);
    map(&toy, 0x200000, 0x70000, 0);
    map(&toy, 0x201000, 0x71000, 0);
    uint64_t pc = 0x30fe0;
    put_insn(&toy, pc, OP_SETX, 0, 0x200ffd);
    put_insn(&toy, pc + 8, OP_ADDI, 0, 3);
    put_insn(&toy, pc + 16, OP_ST, MO_64, 0);              /* crosses into a missing page */
    put_insn(&toy, pc + 24, OP_LD, MO_32 | MO_SIGN, 0);
    put_insn(&toy, pc + 32, OP_MIX, 0, 5);                 /* next page: fetch fault mid-block */
    put_insn(&toy, pc + 40, OP_ADDX, 0, 0x1000);
    put_insn(&toy, pc + 48, OP_LDP, MO_16, 0x10);
    put_insn(&toy, pc + 56, OP_HALT, 0, 0);
    toy.env->pc = pc;
    toy.env->acc = rnd(t);
    compare_run(t, &toy, "demand paging (code, crossing store, data)");
    report(t, toy.env->faults >= 4, "page faults were taken: %llu",
           (unsigned long long)toy.env->faults);
    toy_free(&toy);
}

/* Large pages: INVLPG of any address in one drops all of it. */
static void large_pages(Test *t)
{
    Toy toy;
    toy_init(&toy);
    ToyEnv *e = toy.env;
    e->large_from = 0x400000;
    e->large_to = 0x600000;
    for (uint64_t v = 0x400000; v < 0x600000; v += 0x1000) {
        map(&toy, v, 0x200000 + (v - 0x400000), PTE_P | PTE_W);
    }
    memset(toy.as.phys.ram + 0x200000, 0x11, 0x200000);
    uint64_t a = cpu_ld_mmu(toy.cpu, 0x432100, MO_UL, 0);
    /* remap the region to other memory; flush one page far from 0x432000 */
    memset(toy.as.phys.ram + 0x100000, 0x22, 0x100000);
    for (uint64_t v = 0x400000; v < 0x600000; v += 0x1000) {
        map(&toy, v, 0x100000 + ((v - 0x400000) & 0xfffff), PTE_P | PTE_W);
    }
    tlb_flush_page(toy.cpu, 0x5ff000);
    uint64_t b = cpu_ld_mmu(toy.cpu, 0x432100, MO_UL, 0);
    report(t, a == 0x11111111 && b == 0x22222222,
           "flushing one 4 KiB page of a large page drops it all: %#llx then %#llx",
           (unsigned long long)a, (unsigned long long)b);
    /* a 4 KiB mapping outside is left alone by tlb_flush_page of another page */
    map(&toy, 0x700000, 0x90000, PTE_P | PTE_W);
    cpu_st_mmu(toy.cpu, 0x700010, 0xabcdef, MO_UL, 0);
    map(&toy, 0x700000, 0x91000, PTE_P | PTE_W);           /* no flush: stale entry stays */
    uint64_t c = cpu_ld_mmu(toy.cpu, 0x700010, MO_UL, 0);
    tlb_flush_page(toy.cpu, 0x700000);
    uint64_t d = cpu_ld_mmu(toy.cpu, 0x700010, MO_UL, 0);
    report(t, c == 0xabcdef && d == 0, "tlb_flush_page of a 4 KiB page: %#llx then %#llx",
           (unsigned long long)c, (unsigned long long)d);
    toy_free(&toy);
}

/* Interrupts requested by an MMIO write are taken at the next block boundary
 * with IF set; HLT waits for one. */
static void interrupts(Test *t)
{
    Toy toy;
    toy_init(&toy);
    map(&toy, 0x20000, 0x50000, PTE_P | PTE_X);
    map(&toy, 0x100000, MMIO_BASE, PTE_P | PTE_W);
    put_insn(&toy, 0x20000, OP_SETX, 0, 0x100000 + DOORBELL);
    put_insn(&toy, 0x20008, OP_MIX, 0, 1);
    put_insn(&toy, 0x20010, OP_ST, MO_32, 0);              /* with IF clear: stays pending */
    put_insn(&toy, 0x20018, OP_JMP, 0, 0x20020);
    put_insn(&toy, 0x20020, OP_MIX, 0, 2);
    put_insn(&toy, 0x20028, OP_STI, 0, 0);                 /* taken here */
    put_insn(&toy, 0x20030, OP_MIX, 0, 3);
    put_insn(&toy, 0x20038, OP_ST, MO_32, 0);
    put_insn(&toy, 0x20040, OP_JMP, 0, 0x20048);           /* and here, each round */
    put_insn(&toy, 0x20048, OP_LOOP, 0, 0x20030);
    put_insn(&toy, 0x20050, OP_HALT, 0, 0);
    toy.env->pc = 0x20000;
    toy.env->cnt = 200;
    compare_run(t, &toy, "interrupts between blocks");
    report(t, toy.env->irqs == 201, "interrupts taken: %llu", (unsigned long long)toy.env->irqs);
    /* HLT: no work, then an interrupt wakes it */
    put_insn(&toy, 0x20100, OP_HLT, 0, 0);
    put_insn(&toy, 0x20108, OP_HALT, 0, 0);
    toy.env->pc = 0x20100;
    int a = cpu_exec(toy.cpu);
    int b = cpu_exec(toy.cpu);
    uint64_t acc = toy.env->acc;
    cpu_interrupt(toy.cpu, CPU_INTERRUPT_HARD);
    int c = cpu_exec(toy.cpu);
    report(t, a == EXCP_HLT && b == EXCP_HLT && c == EXCP_TOYHALT && toy.env->acc == (acc ^ IRQ_XOR) &&
           toy.env->pc == 0x20108, "HLT waits for an interrupt: %d %d %d pc %#llx",
           a, b, c, (unsigned long long)toy.env->pc);
    toy_free(&toy);
}

static void alarm_handler(int sig)
{
    if (cur) {
        cpu_exit(cur->cpu);
    }
}

/* cpu_exit stops a loop of chained blocks (through the flag every block checks). */
static void exit_request(Test *t)
{
    Toy toy;
    toy_init(&toy);
    map(&toy, 0x20000, 0x50000, PTE_P | PTE_X);
    put_insn(&toy, 0x20000, OP_ADDI, 0, 1);
    put_insn(&toy, 0x20008, OP_JMP, 0, 0x20010);
    put_insn(&toy, 0x20010, OP_MIX, 0, 1);
    put_insn(&toy, 0x20018, OP_JMP, 0, 0x20000);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = alarm_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval tv = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } }, off = { 0 };
    setitimer(ITIMER_REAL, &tv, NULL);
    toy.env->pc = 0x20000;
    int first = cpu_exec(toy.cpu);
    uint64_t pc1 = toy.env->pc, acc1 = toy.env->acc;
    int second = cpu_exec(toy.cpu);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    TBStatistics st;
    tb_get_statistics(toy.cpu, &st);
    report(t, first == EXCP_INTERRUPT && second == EXCP_INTERRUPT && (pc1 == 0x20000 || pc1 == 0x20010) &&
           toy.env->acc != acc1 && st.nb_chained > 0 && st.nb_translations <= 4,
           "cpu_exit from a signal handler: %d %d pc %#llx, %llu chained, %llu translated",
           first, second, (unsigned long long)pc1, (unsigned long long)st.nb_chained,
           (unsigned long long)st.nb_translations);
    toy_free(&toy);
}

int main(int argc, char **argv)
{
    Test t = { .rng = argc > 1 ? strtoull(argv[1], NULL, 0) | 1 : 0x9e3779b97f4a7c15ull };
    random_programs(&t);
    self_modifying(&t);
    page_faults(&t);
    large_pages(&t);
    interrupts(&t);
    exit_request(&t);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
