/*
 * The guest address space of user mode: per-page flags (what the guest mapped),
 * reading guest code for the translator, and keeping translated code in step
 * with guest writes. A writable page that holds translated code is made
 * read-only on the host; the first write faults, page_unprotect drops the blocks
 * of that page and gives write access back.
 *
 * With threads, every change of the flags (and every host mprotect done for
 * them) happens under the cache lock (tb_lock, see tb-cache.c); readers of
 * one flag byte take no lock. A leaf of the map is published once, with a
 * release store, and never freed while the process runs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "accel/tcg/internal.h"

#define GUEST_ADDR_LIMIT (1ull << 48)

PageMap *page_map_new(void)
{
    PageMap *m = calloc(1, sizeof(*m));
    if (!m) {
        fprintf(stderr, "quetzal: out of memory for the page map\n");
        abort();
    }
    return m;
}

void page_map_free(PageMap *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < (1u << PAGE_L1_BITS); i++) {
        free(m->l1[i]);
    }
    free(m);
}

/* The flags byte of the page holding addr; NULL when none was ever set and
 * create is false (or addr is outside the 48-bit space). */
static uint8_t *page_entry(PageMap *m, uint64_t addr, bool create)
{
    if (addr >= GUEST_ADDR_LIMIT) {
        return NULL;
    }
    uint64_t page = addr >> GUEST_PAGE_BITS;
    uint8_t **slot = &m->l1[page >> PAGE_L2_BITS];
    uint8_t *leaf = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!leaf) {
        if (!create) {
            return NULL;
        }
        leaf = calloc(1u << PAGE_L2_BITS, 1);
        if (!leaf) {
            fprintf(stderr, "quetzal: out of memory for the page map\n");
            abort();
        }
        __atomic_store_n(slot, leaf, __ATOMIC_RELEASE);
    }
    return &leaf[page & ((1u << PAGE_L2_BITS) - 1)];
}

static void *host_address(CPUExec *cpu, uint64_t guest_addr)
{
    return (void *)(cpu->tbs->guest_base + (uintptr_t)guest_addr);
}

void cpu_exec_set_guest_base(CPUExec *cpu, uintptr_t guest_base)
{
    if (cpu->tbs->guest_base != guest_base && cpu->tbs->nb_tbs) {
        tb_flush(cpu);       /* generated code has the old base built in */
    }
    cpu->tbs->guest_base = guest_base;
    tcg_set_guest_base(cpu->tcg, guest_base);
}

uintptr_t cpu_exec_guest_base(const CPUExec *cpu) { return cpu->tbs->guest_base; }

int page_get_flags(CPUExec *cpu, uint64_t addr)
{
    uint8_t *f = page_entry(cpu->tbs->pages, addr, false);
    return f ? (*f & ~PAGE_HAS_CODE) : 0;
}

uint64_t page_next_tracked(CPUExec *cpu, uint64_t addr, uint64_t end)
{
    const uint64_t leaf_span = (uint64_t)GUEST_PAGE_SIZE << PAGE_L2_BITS;
    while (addr < end && addr < GUEST_ADDR_LIMIT &&
           !__atomic_load_n(&cpu->tbs->pages->l1[addr / leaf_span], __ATOMIC_ACQUIRE)) {
        addr = (addr / leaf_span + 1) * leaf_span;
    }
    return addr < end && addr < GUEST_ADDR_LIMIT ? addr : end;
}

void page_set_flags(CPUExec *cpu, uint64_t start, uint64_t end, int flags)
{
    start &= GUEST_PAGE_MASK;
    if (flags & (PAGE_READ | PAGE_WRITE | PAGE_EXEC)) {
        flags |= PAGE_VALID;
    }
    tb_lock(cpu->tbs);
    for (uint64_t a = start; a < end && a < GUEST_ADDR_LIMIT; a += GUEST_PAGE_SIZE) {
        uint8_t *f = page_entry(cpu->tbs->pages, a, flags != 0);
        if (!f) {
            continue;
        }
        if (*f & PAGE_HAS_CODE) {
            /* the mapping changes under translated code */
            tb_invalidate_range(cpu, a, a + GUEST_PAGE_SIZE);
        }
        *f = (uint8_t)(flags & ~PAGE_HAS_CODE);
    }
    tb_unlock(cpu->tbs);
}

/* Makes a page with translated code writable again after dropping its blocks. */
static void page_make_writable(CPUExec *cpu, uint64_t page, uint8_t *f)
{
    tb_invalidate_range(cpu, page, page + GUEST_PAGE_SIZE);
    int prot = PROT_READ | PROT_WRITE | ((*f & PAGE_EXEC) ? PROT_EXEC : 0);
    mprotect(host_address(cpu, page), GUEST_PAGE_SIZE, prot);
    *f = (uint8_t)((*f | PAGE_WRITE) & ~(PAGE_WRITE_ORG | PAGE_HAS_CODE));
}

/* Whether every page of [start, end) has flags; *unprotect: one of them must
 * first get its write access back (translated code). No lock taken. */
static bool pages_have(CPUExec *cpu, uint64_t start, uint64_t end, int flags, bool *unprotect)
{
    for (uint64_t a = start & GUEST_PAGE_MASK; a < end; a += GUEST_PAGE_SIZE) {
        uint8_t *f = page_entry(cpu->tbs->pages, a, false);
        uint8_t v = f ? __atomic_load_n(f, __ATOMIC_ACQUIRE) : 0;
        if (!(v & PAGE_VALID)) {
            return false;
        }
        if ((flags & PAGE_WRITE) && !(v & PAGE_WRITE) && (v & PAGE_WRITE_ORG)) {
            *unprotect = true;
            v |= PAGE_WRITE;
        }
        if ((v & flags) != (flags & ~PAGE_HAS_CODE)) {
            return false;
        }
    }
    return true;
}

bool page_check_range(CPUExec *cpu, uint64_t start, uint64_t len, int flags)
{
    if (len == 0) {
        return true;
    }
    uint64_t end = start + len;
    if (end < start || end > GUEST_ADDR_LIMIT) {
        return false;
    }
    /* the common case (every system call pointer, every atomic helper)
     * reads the flags without the lock */
    bool unprotect = false;
    if (!pages_have(cpu, start, end, flags, &unprotect)) {
        return false;
    }
    if (!unprotect) {
        return true;
    }
    bool ok = true;
    tb_lock(cpu->tbs);
    for (uint64_t a = start & GUEST_PAGE_MASK; ok && a < end; a += GUEST_PAGE_SIZE) {
        uint8_t *f = page_entry(cpu->tbs->pages, a, false);
        if (!f || !(*f & PAGE_VALID)) {
            ok = false;
            break;
        }
        if ((flags & PAGE_WRITE) && !(*f & PAGE_WRITE) && (*f & PAGE_WRITE_ORG)) {
            /* the host (a system call, a helper) is about to write there */
            page_make_writable(cpu, a, f);
        }
        ok = (*f & flags) == (flags & ~PAGE_HAS_CODE);
    }
    tb_unlock(cpu->tbs);
    return ok;
}

void page_mark_unwritable(CPUExec *cpu, uint64_t page)
{
    uint8_t *f = page_entry(cpu->tbs->pages, page, false);
    if (!f) {
        return;
    }
    if (*f & PAGE_WRITE) {
        int prot = PROT_READ | ((*f & PAGE_EXEC) ? PROT_EXEC : 0);
        mprotect(host_address(cpu, page), GUEST_PAGE_SIZE, prot);
        *f = (uint8_t)((*f & ~PAGE_WRITE) | PAGE_WRITE_ORG);
    }
    *f |= PAGE_HAS_CODE;
}

bool translator_read_code(CPUExec *cpu, uint64_t addr, void *dst, unsigned len)
{
    if (len == 0) {
        return true;
    }
    if (cpu_is_softmmu(cpu)) {
        return softmmu_read_code(cpu, addr, dst, len);
    }
    uint64_t end = addr + len;
    if (end < addr || end > GUEST_ADDR_LIMIT) {
        return false;
    }
    CPUExecPriv *p = cpu_priv(cpu);
    if (p->code_page_cache && (addr & GUEST_PAGE_MASK) == p->code_page &&
        ((end - 1) & GUEST_PAGE_MASK) == p->code_page) {
        memcpy(dst, host_address(cpu, addr), len);
        return true;
    }
    /* the translator holds the lock already; taken again for other callers */
    tb_lock(cpu->tbs);
    for (uint64_t a = addr & GUEST_PAGE_MASK; a < end; a += GUEST_PAGE_SIZE) {
        uint8_t *f = page_entry(cpu->tbs->pages, a, false);
        if (!f || (*f & (PAGE_EXEC | PAGE_READ | PAGE_VALID)) !=
                  (PAGE_EXEC | PAGE_READ | PAGE_VALID)) {
            tb_unlock(cpu->tbs);
            return false;
        }
    }
    for (uint64_t a = addr & GUEST_PAGE_MASK; a < end; a += GUEST_PAGE_SIZE) {
        page_mark_unwritable(cpu, a);
    }
    memcpy(dst, host_address(cpu, addr), len);
    p->code_page = (end - 1) & GUEST_PAGE_MASK;
    tb_unlock(cpu->tbs);
    return true;
}

/* The write at host_pc hit the block that is running: its remaining code may be
 * stale. Go back to the writing instruction and run it alone. */
static void restart_current_instruction(CPUExec *cpu, uintptr_t host_pc)
{
    sigset_t faults;
    cpu_restore_state(cpu, host_pc);
    cpu_priv(cpu)->single_insn_next = true;
    sigemptyset(&faults);
    sigaddset(&faults, SIGSEGV);
    sigaddset(&faults, SIGBUS);
    sigprocmask(SIG_UNBLOCK, &faults, NULL);
    cpu_loop_exit(cpu);
}

void cpu_exec_set_addr32_fold(CPUExec *cpu, bool on)
{
    tb_lock(cpu->tbs);
    tcg_set_addr32_fold(cpu->tcg, on);
    tb_unlock(cpu->tbs);
}

/* The guest's sum wrapped around 4 GiB (or below 0), which the folded host
 * address does not: from now on blocks compute such addresses with 32-bit
 * arithmetic; the faulting block goes, and its instruction runs again alone
 * (translated without the fold). Rare: only code that relies on the wrap. */
void cpu_exec_addr32_wrapped(CPUExec *cpu, uintptr_t host_pc)
{
    tb_lock(cpu->tbs);
    tcg_set_addr32_fold(cpu->tcg, false);
    TBEntry *e = tb_find_by_host_pc(cpu->tbs, host_pc);
    if (e && !e->invalid) {
        tb_invalidate_one(cpu->tbs, e);
    }
    tb_unlock(cpu->tbs);
    restart_current_instruction(cpu, host_pc);
}

bool page_unprotect(CPUExec *cpu, uint64_t guest_addr, uintptr_t host_pc)
{
    uint64_t page = guest_addr & GUEST_PAGE_MASK;
    uint8_t *f = page_entry(cpu->tbs->pages, page, false);
    if (!f) {
        return false;
    }
    tb_lock(cpu->tbs);
    if (!(*f & PAGE_WRITE_ORG)) {
        /* another thread may have given write access back since our fault */
        bool retry = cpu->tbs->threaded && (*f & (PAGE_WRITE | PAGE_VALID)) ==
                                           (PAGE_WRITE | PAGE_VALID);
        tb_unlock(cpu->tbs);
        return retry;
    }
    TBEntry *current = NULL;
    if (host_pc && cpu_exec_pc_in_code(cpu, host_pc)) {
        current = tb_find_by_host_pc(cpu->tbs, host_pc);
    }
    bool current_was_valid = current && !current->invalid;
    page_make_writable(cpu, page, f);
    tb_unlock(cpu->tbs);
    if (current_was_valid && current->invalid && current->nb_insns > 1) {
        restart_current_instruction(cpu, host_pc);
    }
    return true;
}
