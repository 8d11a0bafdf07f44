/*
 * info tlb and info mem: the guest's page tables walked from CR3 (Intel SDM
 * vol. 3A, 4.3 32-bit paging, 4.4 PAE paging, 4.5 4-level paging), reading
 * guest-physical memory without setting A/D bits. info tlb lists every mapped
 * page with its leaf entry's flags, info mem the ranges with the same rights.
 */
#include "monitor/hmp.h"
#include "target-i386/cpu.h"

#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_PWT  (1ull << 3)
#define PG_PCD  (1ull << 4)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)
#define ADDR_MASK 0x000ffffffffff000ull

typedef struct Walk {
    MonitorHost *h;
    FILE *out;
    bool wide;                      /* 64-bit addresses in the output */
    bool mem;                       /* info mem: merge ranges */
    /* info mem: the range being merged */
    uint64_t start, end;
    int prot;                       /* bit 0 user, 1 write; -1 none */
} Walk;

static void mem_flush(Walk *w)
{
    if (w->prot >= 0 && w->end > w->start) {
        fprintf(w->out, w->wide ? "%016llx-%016llx %016llx %c%c%c\n" : "%08llx-%08llx %08llx %c%c%c\n",
                (unsigned long long)w->start, (unsigned long long)w->end,
                (unsigned long long)(w->end - w->start), (w->prot & 1) ? 'u' : '-', 'r',
                (w->prot & 2) ? 'w' : '-');
    }
    w->prot = -1;
}

/* One mapped page (or large page) of size bytes; eff: the rights of every level. */
static void leaf(Walk *w, uint64_t va, uint64_t pa, uint64_t pte, uint64_t size, uint64_t eff)
{
    if (w->mem) {
        int prot = ((eff & PG_US) ? 1 : 0) | ((eff & PG_RW) ? 2 : 0);
        if (prot != w->prot || va != w->end) {
            mem_flush(w);
            w->start = va;
            w->prot = prot;
        }
        w->end = va + size;
        return;
    }
    fprintf(w->out, w->wide ? "%016llx: %016llx %c%c%c%c%c%c%c%c%c\n" : "%08llx: %08llx %c%c%c%c%c%c%c%c%c\n",
            (unsigned long long)va, (unsigned long long)pa, (pte & PG_NX) ? 'X' : '-',
            (pte & PG_G) ? 'G' : '-', size > 4096 ? 'P' : '-', (pte & PG_D) ? 'D' : '-',
            (pte & PG_A) ? 'A' : '-', (pte & PG_PCD) ? 'C' : '-', (pte & PG_PWT) ? 'T' : '-',
            (pte & PG_US) ? 'U' : '-', (pte & PG_RW) ? 'W' : '-');
}

/* Walks a table at paddr whose entries map 1 << shift bytes each. */
static void walk_table(Walk *w, uint64_t paddr, int shift, int entries, bool wide_pte,
                       uint64_t va_base, uint64_t eff, bool pdpt32)
{
    for (int i = 0; i < entries; i++) {
        uint64_t pte = wide_pte ? ldq_phys(w->h->v.as, paddr + i * 8)
                                : ldl_phys(w->h->v.as, paddr + i * 4);
        if (!(pte & PG_P)) {
            if (w->mem) {
                mem_flush(w);
            }
            continue;
        }
        uint64_t va = va_base + ((uint64_t)i << shift);
        if (shift == 39 && (va & (1ull << 47))) {
            va |= 0xffff000000000000ull;     /* canonical upper half */
        }
        /* PAE's PDPTEs carry no rights (SDM 4.4.1) */
        uint64_t e = pdpt32 ? eff : ((eff & pte & (PG_RW | PG_US)) | ((eff | pte) & PG_NX));
        if (shift == 12 || ((pte & PG_PS) && shift <= 30 && !pdpt32)) {
            uint64_t pa = pte & ADDR_MASK & ~((1ull << shift) - 1);
            if (!wide_pte && shift == 22) {
                pa = (pte & 0xffc00000ull) | ((pte & 0x1fe000ull) << 19);   /* PSE-36 */
            }
            leaf(w, va, pa, pte, 1ull << shift, e);
            continue;
        }
        int sub = wide_pte ? 9 : 10;
        walk_table(w, pte & (wide_pte ? ADDR_MASK : 0xfffff000ull), shift - sub, 1 << sub,
                   wide_pte, va, e, false);
    }
}

static void walk(MonitorHost *h, FILE *out, bool mem)
{
    CPUX86State *env = h->v.env;
    /* 16-digit addresses in every mode, as QEMU's x86_64 target prints them */
    Walk w = { h, out, true, mem, 0, 0, -1 };
    if (!(env->cr[0] & (1u << 31))) {
        fprintf(out, "PG disabled\n");
        return;
    }
    uint64_t all = PG_RW | PG_US;
    if (!(env->cr[4] & (1u << 5))) {                         /* 32-bit paging */
        walk_table(&w, env->cr[3] & 0xfffff000ull, 22, 1024, false, 0, all, false);
    } else if (env->efer & (1u << 10)) {                      /* LMA: 4-level */
        walk_table(&w, env->cr[3] & ADDR_MASK, 39, 512, true, 0, all, false);
    } else {                                                  /* PAE */
        walk_table(&w, env->cr[3] & 0xffffffe0ull, 30, 4, true, 0, all, true);
    }
    if (mem) {
        mem_flush(&w);
    }
}

void hmp_info_tlb(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    walk(h, out, false);
}

void hmp_info_mem(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    walk(h, out, true);
}
