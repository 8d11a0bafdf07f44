/*
 * The guest machine of difftest --system (see sysguest.h): physical memory,
 * the 4-level page tables and the descriptor tables, built by the harness in
 * guest RAM; nothing runs in the guest before the sequence.
 *
 * Physical memory (8 MiB of RAM at 0):
 *   0x001000  page-table pool
 *   0x040000  kernel area: GDT, IDT, TSS, HLT stubs, ring-0 stack (KERNEL_VA)
 *   0x080000  state page (STATE_ADDR)
 *   0x100000  scratch area (SCRATCH_ADDR)
 *   0x200000  code area (CODE_ADDR)
 * Only the pages the native process maps at those addresses are present for
 * CPL 3, with its rights (the scratch and state pages not executable: Linux
 * maps PROT_READ|PROT_WRITE with NX); every other address gives #PF from the
 * page walk. The pages of the scratch and code areas lie in reverse order in
 * physical memory, so that an access or an instruction that crosses a virtual
 * page boundary spans two physical pages that are not neighbours (as they
 * seldom are in a real guest): the softmmu must split it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "difftest.h"
#include "sysguest.h"

#define RAM_SIZE       0x800000u
#define PHYS_TABLES    0x001000u
#define PHYS_KERNEL    0x040000u
#define PHYS_STATE     0x080000u
#define PHYS_SCRATCH   0x100000u
#define PHYS_CODE      0x200000u

/* the kernel area, a supervisor-only mapping in the upper half */
#define KERNEL_VA      0xffffffff80000000ull
#define K_GDT          0x0000u
#define K_IDT          0x1000u
#define K_TSS          0x2000u
#define K_STUBS        0x3000u
#define K_STACK_TOP    0x6000u
#define KERNEL_SIZE    0x6000u

/* page-table entry bits (Intel SDM vol. 3A, 4.5, table 4-19) */
#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Linux's GDT layout (arch/x86/include/asm/segment.h, 64-bit) */
#define SEL_KERNEL_CS 0x10
#define SEL_USER32_CS 0x23
#define SEL_USER_DS   0x2b
#define SEL_USER_CS   0x33
#define SEL_TSS       0x40

static uint64_t table_alloc(SysGuest *g)
{
    uint64_t page = g->next_table;
    if (page + 0x1000 > PHYS_KERNEL) {
        fprintf(stderr, "difftest: --system: page-table pool exhausted\n");
        exit(3);
    }
    g->next_table += 0x1000;
    memset(g->ram + page, 0, 0x1000);
    return page;
}

/* Maps the 4 KiB page at va to pa; the table entries above it allow
 * everything, so the leaf's bits decide (SDM vol. 3A, 4.6). */
static void map_page(SysGuest *g, uint64_t pml4, uint64_t va, uint64_t pa, uint64_t bits)
{
    uint64_t table = pml4;
    for (int level = 3; level > 0; level--) {
        uint64_t *e = (uint64_t *)(g->ram + table) + ((va >> (12 + 9 * level)) & 511);
        if (!(*e & PTE_P)) {
            *e = table_alloc(g) | PTE_P | PTE_RW | PTE_US;
        }
        table = *e & PTE_ADDR;
    }
    ((uint64_t *)(g->ram + table))[(va >> 12) & 511] = pa | bits;
}

static void map_range(SysGuest *g, uint64_t pml4, uint64_t va, uint64_t pa, uint64_t size,
                      uint64_t bits)
{
    for (uint64_t off = 0; off < size; off += 0x1000) {
        map_page(g, pml4, va + off, pa + off, bits);
    }
}

/* the physical page of page index i of an area of n pages at pa: reversed */
static uint64_t reversed_page(uint64_t pa, uint64_t n, uint64_t i)
{
    return pa + (n - 1 - i) * 0x1000;
}

static void map_reversed(SysGuest *g, uint64_t pml4, uint64_t va, uint64_t pa, uint64_t size,
                         uint64_t bits)
{
    for (uint64_t i = 0; i < size / 0x1000; i++) {
        map_page(g, pml4, va + i * 0x1000, reversed_page(pa, size / 0x1000, i), bits);
    }
}

/* copies between a reversed area in guest RAM and a linear buffer */
static void copy_reversed(SysGuest *g, uint64_t pa, uint64_t size, uint8_t *buf, bool to_guest)
{
    for (uint64_t i = 0; i < size / 0x1000; i++) {
        uint8_t *page = g->ram + reversed_page(pa, size / 0x1000, i);
        if (to_guest) {
            memcpy(page, buf + i * 0x1000, 0x1000);
        } else {
            memcpy(buf + i * 0x1000, page, 0x1000);
        }
    }
}

static void build_page_tables(SysGuest *g)
{
    uint64_t pml4 = g->pml4 = table_alloc(g);
    const uint64_t user = PTE_P | PTE_US | PTE_RW;
    map_range(g, pml4, STATE_ADDR, PHYS_STATE, STATE_SIZE, user | PTE_NX);
    map_reversed(g, pml4, SCRATCH_ADDR, PHYS_SCRATCH, SCRATCH_SIZE, user | PTE_NX);
    map_reversed(g, pml4, CODE_ADDR, PHYS_CODE, CODE_SIZE, user);
    map_range(g, pml4, KERNEL_VA, PHYS_KERNEL, K_STUBS, PTE_P | PTE_RW | PTE_NX);
    map_range(g, pml4, KERNEL_VA + K_STUBS, PHYS_KERNEL + K_STUBS, 0x1000, PTE_P);
    map_range(g, pml4, KERNEL_VA + K_STUBS + 0x1000, PHYS_KERNEL + K_STUBS + 0x1000,
              K_STACK_TOP - K_STUBS - 0x1000, PTE_P | PTE_RW | PTE_NX);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* GDT: Linux's descriptors (SDM vol. 3A, 3.4.5, 5.2.1) and a 64-bit TSS
 * descriptor (7.2.3); IDT: 64-bit interrupt gates (6.14.1) to one HLT each,
 * DPL 3 for #BP and #OF as Linux has them (INT3 ends every sequence), DPL 0
 * elsewhere so that INT n gives #GP as natively. */
static void build_descriptor_tables(SysGuest *g)
{
    uint8_t *k = g->ram + PHYS_KERNEL;
    memset(k, 0, KERNEL_SIZE);
    put64(k + K_GDT + 0x08, 0x00cf9b000000ffffull);   /* KERNEL32_CS */
    put64(k + K_GDT + 0x10, 0x00af9b000000ffffull);   /* KERNEL_CS */
    put64(k + K_GDT + 0x18, 0x00cf93000000ffffull);   /* KERNEL_DS */
    put64(k + K_GDT + 0x20, 0x00cffb000000ffffull);   /* USER32_CS */
    put64(k + K_GDT + 0x28, 0x00cff3000000ffffull);   /* USER_DS */
    put64(k + K_GDT + 0x30, 0x00affb000000ffffull);   /* USER_CS */
    uint64_t tss = KERNEL_VA + K_TSS;
    put64(k + K_GDT + SEL_TSS, 0x67 | (tss & 0xffffff) << 16 | 0x8bull << 40 |
                               ((tss >> 24) & 0xff) << 56);
    put64(k + K_GDT + SEL_TSS + 8, tss >> 32);
    put64(k + K_TSS + 4, KERNEL_VA + K_STACK_TOP);     /* RSP0 */
    /* I/O map base past the TSS limit: no I/O bitmap, every port denied at
     * CPL 3 with IOPL 0 (SDM vol. 1, 19.5.2), as for a Linux process */
    k[K_TSS + 0x66] = 0x68;
    for (unsigned v = 0; v < 256; v++) {
        uint64_t handler = KERNEL_VA + K_STUBS + v;
        uint64_t dpl = v == 3 || v == 4 ? 3 : 0;
        uint8_t *gate = k + K_IDT + 16 * v;
        put64(gate, (handler & 0xffff) | (uint64_t)SEL_KERNEL_CS << 16 |
                    (0x8eull | dpl << 5) << 40 | (handler & 0xffff0000ull) << 32);
        put64(gate + 8, handler >> 32);
        k[K_STUBS + v] = 0xf4;                         /* HLT */
    }
}

void sysguest_init(SysGuest *g)
{
    g->as = address_space_new();
    MemRegion *ram = g->as ? memory_add_ram(g->as, "difftest.ram", 0, RAM_SIZE) : NULL;
    if (!ram) {
        fprintf(stderr, "difftest: --system: cannot create guest RAM\n");
        exit(3);
    }
    g->ram = memory_region_host(ram);
    g->next_table = PHYS_TABLES;
    build_page_tables(g);
    build_descriptor_tables(g);
    copy_reversed(g, PHYS_CODE, CODE_SIZE, (uint8_t *)(uintptr_t)CODE_ADDR, true);
}

void sysguest_scratch_write(SysGuest *g, const uint8_t *src)
{
    copy_reversed(g, PHYS_SCRATCH, SCRATCH_SIZE, (uint8_t *)src, true);
}

void sysguest_scratch_read(SysGuest *g, uint8_t *dst)
{
    copy_reversed(g, PHYS_SCRATCH, SCRATCH_SIZE, dst, false);
}

static void set_segment(SegmentCache *sc, uint32_t selector, uint32_t flags)
{
    sc->selector = selector;
    sc->base = 0;
    sc->limit = flags ? 0xffffffffu : 0;
    sc->flags = flags;
}

void sysguest_cpu_setup(SysGuest *g, CPUX86State *env)
{
    /* Linux's values: CR0 PG|AM|WP|NE|ET|MP|PE; CR4 PAE|PGE|OSFXSR|OSXMMEXCPT */
    env->cr[0] = 0x80050033u;
    env->cr[3] = g->pml4;
    env->cr[4] = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    env->gdt.base = KERNEL_VA + K_GDT;
    env->gdt.limit = SEL_TSS + 15;
    env->idt.base = KERNEL_VA + K_IDT;
    env->idt.limit = 256 * 16 - 1;
    env->tr.selector = SEL_TSS;
    env->tr.base = KERNEL_VA + K_TSS;
    env->tr.limit = 0x67;
    env->tr.flags = DESC_P | (11u << DESC_TYPE_SHIFT);     /* busy 64-bit TSS */
    env->fpuc = 0x37f;                                     /* Linux's FNINIT value */
    tlb_flush(env->exec);
}

void sysguest_enter_user(CPUX86State *env, bool long_mode)
{
    /* the descriptor caches of the GDT entries above (high dword & 0x00f0ff00) */
    const uint32_t code64 = 0x00a0fb00u, code32 = 0x00c0fb00u, data = 0x00c0f300u;
    set_segment(&env->segs[R_CS], long_mode ? SEL_USER_CS : SEL_USER32_CS,
                long_mode ? code64 : code32);
    set_segment(&env->segs[R_SS], SEL_USER_DS, data);
    /* 64-bit processes run with null DS/ES; the native glue loads USER_DS in
     * 32-bit mode */
    set_segment(&env->segs[R_DS], long_mode ? 0 : SEL_USER_DS, long_mode ? 0 : data);
    set_segment(&env->segs[R_ES], long_mode ? 0 : SEL_USER_DS, long_mode ? 0 : data);
    set_segment(&env->segs[R_FS], 0, 0);
    set_segment(&env->segs[R_GS], 0, 0);
    if (long_mode) {
        env->segs[R_GS].base = GS_BASE;
    }
    env->hflags = (env->hflags & ~HF_CPL_MASK & ~HF_INHIBIT_IRQ) | (3u << HF_CPL_SHIFT);
    x86_update_hflags(env);
}

static uint64_t ram_q(SysGuest *g, uint64_t paddr)
{
    uint64_t v;
    memcpy(&v, g->ram + paddr, 8);
    return v;
}

int sysguest_vector(SysGuest *g, const CPUX86State *env, SysFrame *frame)
{
    uint64_t stubs = KERNEL_VA + K_STUBS;
    if (env->rip <= stubs || env->rip > stubs + 256 ||
        (env->hflags & HF_CPL_MASK) != 0 || env->segs[R_CS].selector != SEL_KERNEL_CS) {
        return -1;
    }
    uint64_t top = PHYS_KERNEL + K_STACK_TOP;
    frame->ss = ram_q(g, top - 8);
    frame->rsp = ram_q(g, top - 16);
    frame->rflags = ram_q(g, top - 24);
    frame->cs = ram_q(g, top - 32);
    frame->rip = ram_q(g, top - 40);
    /* an error code is pushed below RIP (SDM vol. 3A, figure 6-9) */
    frame->error_code = env->regs[R_ESP] == KERNEL_VA + K_STACK_TOP - 48 ?
                        (int64_t)(uint32_t)ram_q(g, top - 48) : -1;
    return (int)(env->rip - stubs - 1);
}
