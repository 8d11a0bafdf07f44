/*
 * The softmmu TLB (accel/tcg/cputlb.h): per MMU index a direct-mapped table of
 * guest virtual pages, filled by the target's page walk (tlb_fill), probed inline
 * by generated code (tcg/x86_64) and here by the slow paths, which handle
 * misses, page-crossing accesses, MMIO and ROM (through the physical address
 * space, system/memory.h) and writes to RAM holding translated code
 * (TLB_NOTDIRTY). The same guest-memory functions serve user mode, where guest
 * address a is host address guest_base + a.
 *
 * Large pages (Intel SDM vol. 3A, 4.10.2.3 and 4.10.4.1): entered 4 KiB at a
 * time; the region they cover is remembered so that INVLPG of any address in it
 * drops the whole TLB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/internal.h"

/* User-mode programs link no physical address space: these stay unresolved
 * there, and only system mode (cpu_exec_enable_softmmu) reaches them. */
#pragma weak memory_lookup
#pragma weak address_space_read
#pragma weak address_space_write
#pragma weak memory_add_listener

#define TLB_EMPTY UINT64_MAX
#define ENTRY_BITS 5     /* sizeof(CPUTLBEntry) == 32 */

_Static_assert(sizeof(CPUTLBEntry) == 1u << ENTRY_BITS, "CPUTLBEntry must be 32 bytes");

static unsigned tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
}

static CPUTLBEntry *tlb_entry(CPUExec *cpu, int mmu_idx, uint64_t vaddr)
{
    return &cpu_tlb(cpu)->table[mmu_idx][tlb_index(vaddr)];
}

/* Comparator of an entry matches vaddr's page (flags aside). */
static bool tlb_hit(uint64_t cmp, uint64_t vaddr)
{
    return (cmp & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == (vaddr & TARGET_PAGE_MASK);
}

static uint64_t entry_cmp(const CPUTLBEntry *e, MMUAccessType type)
{
    return type == MMU_DATA_STORE ? e->addr_write
         : type == MMU_INST_FETCH ? e->addr_code : e->addr_read;
}

/* whether an entry translates vaddr's page for any access */
static bool entry_maps(const CPUTLBEntry *e, uint64_t vaddr)
{
    return tlb_hit(e->addr_read, vaddr) || tlb_hit(e->addr_write, vaddr) ||
           tlb_hit(e->addr_code, vaddr);
}

/* --- flushing --- */

static void jump_cache_clear(CPUExec *cpu)
{
    memset(cpu_priv(cpu)->jc->slot, 0, sizeof(cpu_priv(cpu)->jc->slot));
}

void tlb_flush(CPUExec *cpu)
{
    if (!cpu_is_softmmu(cpu)) {
        return;
    }
    CPUTLB *tlb = cpu_tlb(cpu);
    memset(tlb->table, 0xff, sizeof(tlb->table));
    memset(tlb->global, 0, sizeof(tlb->global));
    memset(tlb->victim, 0xff, sizeof(tlb->victim));
    memset(tlb->victim_global, 0, sizeof(tlb->victim_global));
    tlb->large_page_addr = TLB_EMPTY;
    tlb->large_page_mask = 0;
    jump_cache_clear(cpu);
}

void tlb_flush_nonglobal(CPUExec *cpu)
{
    if (!cpu_is_softmmu(cpu)) {
        return;
    }
    CPUTLB *tlb = cpu_tlb(cpu);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        for (unsigned k = 0; k < CPU_TLB_SIZE; k++) {
            if (!tlb->global[i][k]) {
                memset(&tlb->table[i][k], 0xff, sizeof(CPUTLBEntry));
            }
        }
        for (unsigned k = 0; k < CPU_VTLB_SIZE; k++) {
            if (!tlb->victim_global[i][k]) {
                memset(&tlb->victim[i][k], 0xff, sizeof(CPUTLBEntry));
            }
        }
    }
    /* the remembered large-page region stays: it may cover global pages */
    jump_cache_clear(cpu);
}

void tlb_flush_page(CPUExec *cpu, uint64_t vaddr)
{
    if (!cpu_is_softmmu(cpu)) {
        return;
    }
    CPUTLB *tlb = cpu_tlb(cpu);
    if ((vaddr & tlb->large_page_mask) == tlb->large_page_addr) {
        tlb_flush(cpu);
        return;
    }
    for (int i = 0; i < NB_MMU_MODES; i++) {
        CPUTLBEntry *e = tlb_entry(cpu, i, vaddr);
        if (entry_maps(e, vaddr)) {
            memset(e, 0xff, sizeof(*e));
        }
        for (unsigned k = 0; k < CPU_VTLB_SIZE; k++) {
            if (entry_maps(&tlb->victim[i][k], vaddr)) {
                memset(&tlb->victim[i][k], 0xff, sizeof(CPUTLBEntry));
            }
        }
    }
    /* blocks found by virtual pc may now live elsewhere */
    jump_cache_clear(cpu);
}

/* --- watchpoints --- */

/* whether some watch range overlaps [addr, addr + len) */
static bool watch_overlaps(CPUExecPriv *p, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < p->nwatch; i++) {
        if (addr < p->watch[i].addr + p->watch[i].len && p->watch[i].addr < addr + len) {
            return true;
        }
    }
    return false;
}

void cpu_watch_set(CPUExec *cpu, const CPUWatchRange *ranges, int n, CPUWatchHook *hook,
                   void *opaque)
{
    CPUExecPriv *p = cpu_priv(cpu);
    free(p->watch);
    p->watch = NULL;
    p->nwatch = 0;
    if (n > 0) {
        p->watch = malloc(n * sizeof(*ranges));
        memcpy(p->watch, ranges, n * sizeof(*ranges));
        p->nwatch = n;
    }
    p->watch_hook = hook;
    p->watch_opaque = opaque;
    tlb_flush(cpu);     /* entries made from now on carry TLB_WATCH where due */
}

/* An access through an entry with TLB_WATCH: the debugger's hook may restart
 * the instruction (it has not stored anything yet). */
static void watch_check(CPUExec *cpu, uint64_t addr, unsigned size, bool is_write, uintptr_t ra)
{
    CPUExecPriv *p = cpu_priv(cpu);
    if (p->watch_hook && ra && watch_overlaps(p, addr, size) &&
        p->watch_hook(p->watch_opaque, addr, size, is_write)) {
        cpu_restart_current_insn(cpu, ra);
    }
}

/* --- filling --- */

static void tlb_add_large_page(CPUTLB *tlb, uint64_t vaddr, uint64_t size)
{
    uint64_t mask = ~(size - 1);
    if (tlb->large_page_addr != TLB_EMPTY) {
        /* grow the remembered region until it covers both */
        mask &= tlb->large_page_mask;
        while (((tlb->large_page_addr ^ vaddr) & mask) != 0) {
            mask <<= 1;
        }
    }
    tlb->large_page_addr = vaddr & mask;
    tlb->large_page_mask = mask;
}

void tlb_set_page(CPUExec *cpu, uint64_t vaddr, uint64_t paddr, int prot, int mmu_idx,
                  uint64_t page_size)
{
    CPUExecPriv *p = cpu_priv(cpu);
    CPUTLB *tlb = cpu_tlb(cpu);
    uint64_t vpage = vaddr & TARGET_PAGE_MASK, ppage = paddr & TARGET_PAGE_MASK;
    if (page_size > TARGET_PAGE_SIZE) {
        tlb_add_large_page(tlb, vaddr, page_size);
    }
    MemSection sec = memory_lookup(p->as, ppage);
    bool mem = (sec.kind == MEM_RAM || sec.kind == MEM_ROM) && sec.host &&
               sec.len >= TARGET_PAGE_SIZE;
    uint64_t io = mem ? 0 : TLB_MMIO;
    unsigned k = tlb_index(vpage);
    CPUTLBEntry *e = &tlb->table[mmu_idx][k];
    if (!entry_maps(e, vpage) && (e->addr_read != TLB_EMPTY || e->addr_write != TLB_EMPTY ||
                                  e->addr_code != TLB_EMPTY)) {
        /* another page leaves the table: keep it in the victim ring */
        unsigned v = tlb->victim_next[mmu_idx];
        tlb->victim[mmu_idx][v] = *e;
        tlb->victim_phys[mmu_idx][v] = tlb->phys[mmu_idx][k];
        tlb->victim_global[mmu_idx][v] = tlb->global[mmu_idx][k];
        tlb->victim_next[mmu_idx] = (v + 1) % CPU_VTLB_SIZE;
    }
    tlb->global[mmu_idx][k] = (prot & PROT_GLOBAL) != 0;
    e->addr_read = (prot & PROT_R) ? vpage | io : TLB_EMPTY;
    e->addr_code = (prot & PROT_X) ? vpage | io : TLB_EMPTY;
    e->addr_write = TLB_EMPTY;
    if (prot & PROT_W) {
        uint64_t flags = io;
        if (mem && sec.kind == MEM_ROM) {
            flags = TLB_MMIO;            /* the address space drops the write */
        } else if (mem && (p->dirty_log || tb_phys_page_has_code(cpu->tbs, ppage))) {
            flags = TLB_NOTDIRTY;       /* code to invalidate, or a write to log */
        }
        e->addr_write = vpage | flags;
    }
    if (p->nwatch && watch_overlaps(p, vpage, TARGET_PAGE_SIZE)) {
        e->addr_read |= e->addr_read != TLB_EMPTY ? TLB_WATCH : 0;
        e->addr_write |= e->addr_write != TLB_EMPTY ? TLB_WATCH : 0;
    }
    e->addend = mem ? (uintptr_t)sec.host - (uintptr_t)vpage : 0;
    tlb->phys[mmu_idx][k] = ppage;
}

/* Swaps the victim entry for vaddr's access, if there is one, into the table. */
static bool victim_refill(CPUTLB *tlb, int mmu_idx, uint64_t vaddr, MMUAccessType type)
{
    unsigned k = tlb_index(vaddr);
    for (unsigned v = 0; v < CPU_VTLB_SIZE; v++) {
        CPUTLBEntry *ve = &tlb->victim[mmu_idx][v];
        if (tlb_hit(entry_cmp(ve, type), vaddr)) {
            CPUTLBEntry e = tlb->table[mmu_idx][k];
            uint64_t phys = tlb->phys[mmu_idx][k];
            uint8_t global = tlb->global[mmu_idx][k];
            tlb->table[mmu_idx][k] = *ve;
            tlb->phys[mmu_idx][k] = tlb->victim_phys[mmu_idx][v];
            tlb->global[mmu_idx][k] = tlb->victim_global[mmu_idx][v];
            *ve = e;
            tlb->victim_phys[mmu_idx][v] = phys;
            tlb->victim_global[mmu_idx][v] = global;
            return true;
        }
    }
    return false;
}

void tlb_set_dirty_log(CPUExec *cpu, void (*log)(void *opaque, uint64_t paddr), void *opaque)
{
    cpu_priv(cpu)->dirty_log = log;
    cpu_priv(cpu)->dirty_opaque = opaque;
    tlb_flush(cpu);     /* entries made from now on log their first write */
}

static void tlb_protect_code_one(CPUExec *cpu, uint64_t phys_page)
{
    CPUTLB *tlb = cpu_tlb(cpu);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        for (unsigned k = 0; k < CPU_TLB_SIZE; k++) {
            uint64_t w = tlb->table[i][k].addr_write;
            if (tlb->phys[i][k] == phys_page && w != TLB_EMPTY && !(w & TLB_MMIO)) {
                tlb->table[i][k].addr_write = w | TLB_NOTDIRTY;
            }
        }
        for (unsigned k = 0; k < CPU_VTLB_SIZE; k++) {
            uint64_t w = tlb->victim[i][k].addr_write;
            if (tlb->victim_phys[i][k] == phys_page && w != TLB_EMPTY && !(w & TLB_MMIO)) {
                tlb->victim[i][k].addr_write = w | TLB_NOTDIRTY;
            }
        }
    }
}

/* Every CPU on the cache (system-mode SMP shares one) writes through its
 * slow path from now on. (GCC 12.2 dropped the calls to the loop above: see
 * -fno-delete-null-pointer-checks in configure.) */
void tlb_protect_code(CPUExec *cpu, uint64_t phys_page)
{
    if (!cpu->tbs->threaded) {
        tlb_protect_code_one(cpu, phys_page);
        return;
    }
    for (CPUExec *c = cpu->tbs->cpus; c; c = cpu_priv(c)->next_cpu) {
        tlb_protect_code_one(c, phys_page);
    }
}

/* The entry for an access of type at vaddr, filling it (faults raise). */
static CPUTLBEntry *tlb_fill_entry(CPUExec *cpu, uint64_t vaddr, unsigned size,
                                   MMUAccessType type, int mmu_idx, bool probe, uintptr_t ra)
{
    CPUTLBEntry *e = tlb_entry(cpu, mmu_idx, vaddr);
    if (tlb_hit(entry_cmp(e, type), vaddr) ||
        victim_refill(cpu_tlb(cpu), mmu_idx, vaddr, type)) {
        return e;
    }
    if (!cpu->ops->tlb_fill(cpu->env, vaddr, size, type, mmu_idx, probe, ra)) {
        return NULL;
    }
    if (!tlb_hit(entry_cmp(e, type), vaddr)) {
        fprintf(stderr, "quetzal: tlb_fill did not enter %#llx\n", (unsigned long long)vaddr);
        abort();
    }
    return e;
}

static uint64_t entry_phys(CPUExec *cpu, const CPUTLBEntry *e, int mmu_idx, uint64_t vaddr)
{
    unsigned k = (unsigned)(e - cpu_tlb(cpu)->table[mmu_idx]);
    return cpu_tlb(cpu)->phys[mmu_idx][k] | (vaddr & ~TARGET_PAGE_MASK);
}

/* --- code --- */

bool tlb_code_phys_probe(CPUExec *cpu, uint64_t vaddr, uint64_t *phys)
{
    int idx = cpu->ops->code_mmu_index(cpu->env);
    CPUTLBEntry *e = tlb_fill_entry(cpu, vaddr, 1, MMU_INST_FETCH, idx, true, 0);
    if (!e) {
        return false;
    }
    *phys = entry_phys(cpu, e, idx, vaddr);
    return true;
}

uint64_t get_page_addr_code(CPUExec *cpu, uint64_t vaddr, int mmu_idx)
{
    if (!cpu_is_softmmu(cpu)) {
        return vaddr;
    }
    CPUTLBEntry *e = tlb_fill_entry(cpu, vaddr, 1, MMU_INST_FETCH, mmu_idx, false, 0);
    return entry_phys(cpu, e, mmu_idx, vaddr);
}

/* --- one access inside a page --- */

static void notdirty_write(CPUExec *cpu, CPUTLBEntry *e, uint64_t paddr, unsigned size,
                           uintptr_t ra)
{
    CPUExecPriv *p = cpu_priv(cpu);
    if (p->dirty_log) {
        p->dirty_log(p->dirty_opaque, paddr);
    }
    if (tb_invalidate_phys_range(cpu, paddr, paddr + size, ra)) {
        /* the running block wrote into itself: redo that instruction alone */
        cpu_restart_current_insn(cpu, ra);
    }
    if (!tb_phys_page_has_code(cpu->tbs, paddr & TARGET_PAGE_MASK)) {
        e->addr_write &= ~TLB_NOTDIRTY;
    }
}

static uint64_t load_in_page(CPUExec *cpu, uint64_t addr, unsigned size, int mmu_idx,
                             uintptr_t ra)
{
    CPUTLBEntry *e = tlb_fill_entry(cpu, addr, size, MMU_DATA_LOAD, mmu_idx, false, ra);
    uint64_t v = 0;
    if (e->addr_read & TLB_WATCH) {
        watch_check(cpu, addr, size, false, ra);
    }
    if (e->addr_read & TLB_MMIO) {
        address_space_read(cpu_priv(cpu)->as, entry_phys(cpu, e, mmu_idx, addr), &v, size);
    } else {
        memcpy(&v, (void *)(uintptr_t)(addr + e->addend), size);
    }
    return v;
}

static void store_in_page(CPUExec *cpu, uint64_t addr, uint64_t v, unsigned size, int mmu_idx,
                          uintptr_t ra)
{
    CPUTLBEntry *e = tlb_fill_entry(cpu, addr, size, MMU_DATA_STORE, mmu_idx, false, ra);
    if (e->addr_write & TLB_WATCH) {
        watch_check(cpu, addr, size, true, ra);
    }
    if (e->addr_write & TLB_NOTDIRTY) {
        notdirty_write(cpu, e, entry_phys(cpu, e, mmu_idx, addr), size, ra);
    }
    if (e->addr_write & TLB_MMIO) {
        address_space_write(cpu_priv(cpu)->as, entry_phys(cpu, e, mmu_idx, addr), &v, size);
    } else {
        memcpy((void *)(uintptr_t)(addr + e->addend), &v, size);
    }
}

/* --- user mode --- */

static void user_check(CPUExec *cpu, uint64_t addr, unsigned size, MMUAccessType type,
                       uintptr_t ra)
{
    static const int need[] = { PAGE_READ, PAGE_WRITE, PAGE_EXEC };
    if (page_check_range(cpu, addr, size, need[type])) {
        return;
    }
    if (cpu->ops->user_fault) {
        cpu->ops->user_fault(cpu->env, addr, type, ra);
    }
    fprintf(stderr, "quetzal: guest memory fault at %#llx and no user_fault hook\n",
            (unsigned long long)addr);
    abort();
}

static void *user_host(CPUExec *cpu, uint64_t addr)
{
    return (void *)(cpu_exec_guest_base(cpu) + (uintptr_t)addr);
}

/* --- the access functions --- */

static uint64_t finish_load(uint64_t v, TCGMemOp memop)
{
    unsigned size = memop & MO_SIZE;
    if ((memop & MO_BSWAP) && size != MO_8) {
        v = __builtin_bswap64(v) >> (64 - (8u << size));
    }
    if ((memop & MO_SIGN) && size != MO_64) {
        unsigned shift = 64 - (8u << size);
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

static void check_align(CPUExec *cpu, uint64_t addr, TCGMemOp memop, MMUAccessType type,
                        uintptr_t ra)
{
    unsigned size = 1u << (memop & MO_SIZE);
    if ((memop & MO_ALIGN) && (addr & (size - 1)) && cpu->ops->do_unaligned_access) {
        cpu->ops->do_unaligned_access(cpu->env, addr, type, tcg_memop_mmuidx(memop), ra);
    }
}

uint64_t cpu_ld_mmu(CPUExec *cpu, uint64_t addr, TCGMemOp memop, uintptr_t ra)
{
    unsigned size = 1u << (memop & MO_SIZE);
    int mmu_idx = (int)tcg_memop_mmuidx(memop);
    uint64_t v = 0;
    check_align(cpu, addr, memop, MMU_DATA_LOAD, ra);
    if (cpu_is_softmmu(cpu) && (memop & MO_RMW)) {
        /* the store that follows must be allowed: fault as a write now */
        uint64_t last = addr + size - 1;
        tlb_fill_entry(cpu, addr, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        if ((last & TARGET_PAGE_MASK) != (addr & TARGET_PAGE_MASK)) {
            tlb_fill_entry(cpu, last, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        }
    }
    if (!cpu_is_softmmu(cpu)) {
        user_check(cpu, addr, size, MMU_DATA_LOAD, ra);
        memcpy(&v, user_host(cpu, addr), size);
    } else if ((addr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        /* crosses a page: byte by byte, little-endian, each byte a full access */
        for (unsigned i = 0; i < size; i++) {
            v |= load_in_page(cpu, addr + i, 1, mmu_idx, ra) << (8 * i);
        }
    } else {
        v = load_in_page(cpu, addr, size, mmu_idx, ra);
    }
    return finish_load(v, memop);
}

void cpu_st_mmu(CPUExec *cpu, uint64_t addr, uint64_t value, TCGMemOp memop, uintptr_t ra)
{
    unsigned size = 1u << (memop & MO_SIZE);
    int mmu_idx = (int)tcg_memop_mmuidx(memop);
    check_align(cpu, addr, memop, MMU_DATA_STORE, ra);
    if ((memop & MO_BSWAP) && size > 1) {
        value = __builtin_bswap64(value) >> (64 - 8 * size);
    }
    if (!cpu_is_softmmu(cpu)) {
        user_check(cpu, addr, size, MMU_DATA_STORE, ra);
        memcpy(user_host(cpu, addr), &value, size);
    } else if ((addr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        /* both pages must be writable before any byte is written (no partial
         * store when the second page faults) */
        uint64_t second = (addr + size) & TARGET_PAGE_MASK;
        tlb_fill_entry(cpu, addr, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        tlb_fill_entry(cpu, second, 1, MMU_DATA_STORE, mmu_idx, false, ra);
        watch_check(cpu, addr, size, true, ra);     /* before the first byte */
        for (unsigned i = 0; i < size; i++) {
            store_in_page(cpu, addr + i, (value >> (8 * i)) & 0xff, 1, mmu_idx, ra);
        }
    } else {
        store_in_page(cpu, addr, value, size, mmu_idx, ra);
    }
}

void *cpu_probe_access(CPUExec *cpu, uint64_t addr, unsigned size, MMUAccessType type,
                       int mmu_idx, uintptr_t ra)
{
    if (!cpu_is_softmmu(cpu)) {
        user_check(cpu, addr, size ? size : 1, type, ra);
        return user_host(cpu, addr);
    }
    if (size == 0 || (addr & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE) {
        return NULL;
    }
    CPUTLBEntry *e = tlb_fill_entry(cpu, addr, size, type, mmu_idx, false, ra);
    uint64_t cmp = entry_cmp(e, type);
    if (cmp & TLB_WATCH) {
        watch_check(cpu, addr, size, type == MMU_DATA_STORE, ra);
    }
    if (type == MMU_DATA_STORE && (cmp & TLB_NOTDIRTY)) {
        notdirty_write(cpu, e, entry_phys(cpu, e, mmu_idx, addr), size, ra);
        cmp = e->addr_write;
    }
    if (cmp & TLB_MMIO) {
        return NULL;
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

/* --- slow paths of generated code --- */

static CPUExec *helper_cpu(void *env)
{
    CPUExec *cpu = cpu_exec_current();
    if (!cpu || cpu->env != env) {
        fprintf(stderr, "quetzal: softmmu helper outside cpu_exec\n");
        abort();
    }
    return cpu;
}

uint64_t helper_ld_mmu(void *env, uint64_t addr, uint32_t oi, uintptr_t ra)
{
    return cpu_ld_mmu(helper_cpu(env), addr, (TCGMemOp)oi, ra);
}

void helper_st_mmu(void *env, uint64_t addr, uint64_t value, uint32_t oi, uintptr_t ra)
{
    cpu_st_mmu(helper_cpu(env), addr, value, (TCGMemOp)oi, ra);
}

/* --- code reads for the translator --- */

bool softmmu_read_code(CPUExec *cpu, uint64_t addr, void *dst, unsigned len)
{
    uint8_t *out = dst;
    int idx = cpu->ops->code_mmu_index(cpu->env);
    while (len) {
        unsigned n = (unsigned)(TARGET_PAGE_SIZE - (addr & ~TARGET_PAGE_MASK));
        n = n < len ? n : len;
        CPUTLBEntry *e = tlb_fill_entry(cpu, addr, n, MMU_INST_FETCH, idx, true, 0);
        if (!e) {
            if (tcg_insn_count(cpu->tcg) > 1) {
                return false;        /* the front end ends the block before this one */
            }
            /* the block's first instruction: the CPU state is that of the fault */
            e = tlb_fill_entry(cpu, addr, n, MMU_INST_FETCH, idx, false, 0);
        }
        uint64_t phys = entry_phys(cpu, e, idx, addr);
        if (e->addr_code & TLB_MMIO) {
            address_space_read(cpu_priv(cpu)->as, phys, out, n);
        } else {
            memcpy(out, (void *)(uintptr_t)(addr + e->addend), n);
        }
        addr += n;
        out += n;
        len -= n;
    }
    return true;
}

/* --- enabling, the address space's listener --- */

static void on_map_changed(void *opaque)
{
    tlb_flush(opaque);
}

static void on_ram_written(void *opaque, uint64_t paddr, uint64_t len)
{
    CPUExec *cpu = opaque;
    if (tb_phys_page_has_code(cpu->tbs, paddr & TARGET_PAGE_MASK) ||
        (len && tb_phys_page_has_code(cpu->tbs, (paddr + len - 1) & TARGET_PAGE_MASK)) ||
        len > TARGET_PAGE_SIZE) {
        tb_invalidate_phys_range(cpu, paddr, paddr + len, 0);
    }
}

void cpu_exec_enable_softmmu(CPUExec *cpu, AddressSpace *as, intptr_t tlb_offset)
{
    CPUExecPriv *p = cpu_priv(cpu);
    p->softmmu = true;
    cpu->tbs->softmmu = true;
    p->as = as;
    p->tlb_offset = tlb_offset;
    tlb_flush(cpu);
    TCGSoftMMU cfg = {
        .tlb_offset = tlb_offset + (intptr_t)offsetof(CPUTLB, table),
        .tlb_bits = CPU_TLB_BITS,
        .entry_bits = ENTRY_BITS,
        .page_bits = TARGET_PAGE_BITS,
        .read_offset = offsetof(CPUTLBEntry, addr_read),
        .write_offset = offsetof(CPUTLBEntry, addr_write),
        .addend_offset = offsetof(CPUTLBEntry, addend),
        .ld_helper = helper_ld_mmu,
        .st_helper = helper_st_mmu,
    };
    tcg_set_softmmu(cpu->tcg, &cfg);
    cpu_exec_set_guest_base(cpu, 0);
    tb_flush(cpu);
    p->listener = (MemListener) {
        .map_changed = on_map_changed, .ram_written = on_ram_written, .opaque = cpu,
    };
    memory_add_listener(as, &p->listener);
}

AddressSpace *cpu_address_space(CPUExec *cpu)
{
    return cpu_priv(cpu)->as;
}

/* --- interrupts --- */

void cpu_interrupt(CPUExec *cpu, int mask)
{
    CPUExecPriv *p = cpu_priv(cpu);
    __atomic_or_fetch(&p->interrupt_request, mask, __ATOMIC_SEQ_CST);
    if (p->softmmu) {
        __atomic_store_n(cpu_tb_exit_flag(cpu), 1, __ATOMIC_SEQ_CST);
    }
    if (cpu->tbs->threaded) {
        /* shared blocks test the flag in env (translator_gen_tb_start) */
        __atomic_store_n(cpu_exit_flag(cpu), 1, __ATOMIC_SEQ_CST);
        return;
    }
    p->jc->stop = 1;
}

void cpu_reset_interrupt(CPUExec *cpu, int mask)
{
    __atomic_and_fetch(&cpu_priv(cpu)->interrupt_request, ~mask, __ATOMIC_SEQ_CST);
}

int cpu_interrupt_request(CPUExec *cpu)
{
    return __atomic_load_n(&cpu_priv(cpu)->interrupt_request, __ATOMIC_SEQ_CST);
}
