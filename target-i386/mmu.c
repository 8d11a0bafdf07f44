/*
 * x86 paging for system mode (Intel SDM vol. 3A, chapter 4): linear to
 * physical translation in every paging form (none, 32-bit with 4 MiB PSE pages,
 * PAE, 4-level), the rights of U/S, R/W (CR0.WP) and XD (EFER.NXE), the
 * accessed and dirty bits (4.8), reserved-bit checks (4.7) and the page-fault
 * error code and CR2 (4.7, 6.15 "Interrupt 14"). Results go into the softmmu TLB
 * with tlb_set_page; the A20 gate masks every physical address.
 */
#include "target-i386/sys_helper.h"

/* system/memory.c is linked only into system emulation; user mode never walks */
#pragma weak ldl_phys
#pragma weak ldq_phys
#pragma weak stl_phys
#pragma weak stq_phys

#define PG_P    (1ull << 0)
#define PG_RW   (1ull << 1)
#define PG_US   (1ull << 2)
#define PG_A    (1ull << 5)
#define PG_D    (1ull << 6)
#define PG_PS   (1ull << 7)
#define PG_G    (1ull << 8)
#define PG_NX   (1ull << 63)

/* page-fault error code bits (SDM vol. 3A, 4.7, figure 4-12) */
#define PF_P    1u
#define PF_W    2u
#define PF_U    4u
#define PF_RSVD 8u
#define PF_I    16u

#define X86_PHYS_BITS 40   /* MAXPHYADDR, CPUID 0x80000008 */
#define PHYS_MASK (((1ull << X86_PHYS_BITS) - 1) & ~0xfffull)

typedef struct PageWalk {
    uint64_t paddr;          /* physical address of the linear address */
    uint64_t page_size;
    int prot;                /* PROT_* the walk grants at this privilege */
    uint32_t error;          /* #PF error code when the walk fails */
} PageWalk;

typedef struct WalkLevel {
    uint64_t addr;           /* physical address of the entry */
    uint64_t entry;
    bool wide;               /* 8-byte entry */
    bool has_ad;             /* the entry has an accessed bit (not a PAE PDPTE) */
} WalkLevel;

static uint64_t read_entry(AddressSpace *as, uint64_t addr, bool wide)
{
    return wide ? ldq_phys(as, addr) : ldl_phys(as, addr);
}

/* reserved bits of one paging-structure entry (SDM vol. 3A, 4.3-4.5 tables) */
static uint64_t reserved_bits(const CPUX86State *env, int shift, bool leaf, uint64_t e)
{
    bool lma = env->hflags & HF_LMA, pae = env->cr[4] & CR4_PAE;
    uint64_t rsvd = 0;

    if (!pae) {
        /* 32-bit paging without PSE-36: a 4 MiB PDE reserves bits 21:13 */
        return (leaf && shift == 22) ? e & 0x3fe000ull : 0;
    }
    rsvd = ((1ull << 52) - 1) & ~((1ull << X86_PHYS_BITS) - 1);
    if (!(env->efer & EFER_NXE)) {
        rsvd |= PG_NX;
    }
    if (!lma && shift == 30) {
        /* PAE PDPTE: bits 2:1, 8:5 and XD are reserved */
        rsvd |= 0x1e6ull | PG_NX;
    }
    if (lma && shift == 39) {
        rsvd |= PG_PS;
    }
    if (leaf && shift > 12) {
        rsvd |= ((1ull << shift) - 1) & ~0x1fffull;   /* bits shift-1 .. 13 */
    }
    return e & rsvd;
}

static bool is_leaf(const CPUX86State *env, int shift, uint64_t e)
{
    if (shift == 12) {
        return true;
    }
    if (!(e & PG_PS)) {
        return false;
    }
    if (shift == 22) {
        return env->cr[4] & CR4_PSE;
    }
    return shift == 21 || (shift == 30 && (env->hflags & HF_LMA));
}

/* the access rights of a completed walk (SDM vol. 3A, 4.6) */
static int walk_rights(const CPUX86State *env, bool user, bool rw, bool us, bool nx)
{
    int prot = 0;

    if (user && !us) {
        return 0;
    }
    prot = PROT_R;
    if (rw ? true : (!user && !(env->cr[0] & CR0_WP))) {
        prot |= PROT_W;
    }
    if (!nx) {
        prot |= PROT_X;
    }
    return prot;
}

/*
 * Walks the paging structures for vaddr. access is an MMUAccessType; update
 * sets the A (and, for writes, D) bits. False with w->error on a fault.
 */
static bool page_walk(CPUX86State *env, uint64_t vaddr, int access, bool user, bool update,
                      PageWalk *w)
{
    AddressSpace *as = cpu_address_space(env->exec);
    bool lma = env->hflags & HF_LMA, pae = env->cr[4] & CR4_PAE;
    bool nxe = pae && (env->efer & EFER_NXE);
    int shift = lma ? 39 : pae ? 30 : 22, step = pae ? 9 : 10, n = 0;
    uint64_t table = lma ? env->cr[3] & PHYS_MASK : pae ? env->cr[3] & 0xffffffe0ull
                                                        : env->cr[3] & 0xfffff000ull;
    bool rw = true, us = true, nx = false, write = access == MMU_DATA_STORE;
    WalkLevel lv[4];
    uint64_t e = 0;

    w->error = (write ? PF_W : 0) | (user ? PF_U : 0) |
               ((access == MMU_INST_FETCH && nxe) ? PF_I : 0);
    if (!lma) {
        vaddr = (uint32_t)vaddr;
    }
    for (;;) {
        uint64_t idx = (vaddr >> shift) & ((1u << step) - 1);
        bool leaf;

        lv[n].addr = (table + idx * (pae ? 8 : 4)) & env->a20_mask;
        lv[n].wide = pae;
        lv[n].has_ad = !(pae && !lma && shift == 30);
        e = lv[n].entry = read_entry(as, lv[n].addr, pae);
        n++;
        if (!(e & PG_P)) {
            return false;
        }
        leaf = is_leaf(env, shift, e);
        if (reserved_bits(env, shift, leaf, e)) {
            w->error |= PF_P | PF_RSVD;
            return false;
        }
        if (lv[n - 1].has_ad) {
            rw = rw && (e & PG_RW);
            us = us && (e & PG_US);
        }
        nx = nx || (nxe && (e & PG_NX));
        if (leaf) {
            break;
        }
        table = pae ? e & PHYS_MASK : e & 0xfffff000ull;
        shift -= step;
    }
    w->page_size = 1ull << shift;
    if (pae) {
        w->paddr = (e & PHYS_MASK & ~(w->page_size - 1)) | (vaddr & (w->page_size - 1));
    } else {
        w->paddr = (e & 0xfffff000ull & ~(w->page_size - 1)) | (vaddr & (w->page_size - 1));
    }
    w->paddr &= env->a20_mask;
    w->prot = walk_rights(env, user, rw, us, nx);
    if (!(w->prot & PROT_R) || (write && !(w->prot & PROT_W)) ||
        (access == MMU_INST_FETCH && !(w->prot & PROT_X))) {
        w->error |= PF_P;
        return false;
    }
    if (update) {
        for (int i = 0; i < n; i++) {
            uint64_t want = lv[i].entry | (lv[i].has_ad ? PG_A : 0);
            if (i == n - 1 && write) {
                want |= PG_D;
            }
            if (want != lv[i].entry) {
                if (lv[i].wide) {
                    stq_phys(as, lv[i].addr, want);
                } else {
                    stl_phys(as, lv[i].addr, (uint32_t)want);
                }
                lv[i].entry = want;
            }
        }
    }
    /* a clean page is entered read-only so that the first write sets D */
    if (!(lv[n - 1].entry & PG_D)) {
        w->prot &= ~PROT_W;
    }
    /* a global leaf survives CR3 writes while CR4.PGE is set (SDM vol. 3A, 4.10.2.4) */
    if ((e & PG_G) && (env->cr[4] & CR4_PGE)) {
        w->prot |= PROT_GLOBAL;
    }
    return true;
}

static bool is_canonical(uint64_t vaddr)
{
    return (uint64_t)(((int64_t)vaddr << 16) >> 16) == vaddr;
}

bool x86_cpu_tlb_fill(CPUX86State *env, uint64_t vaddr, unsigned size, int access_type,
                      int mmu_idx, bool probe, uintptr_t ra)
{
    PageWalk w;

    (void)size;
    if (!(env->cr[0] & CR0_PG)) {
        uint64_t paddr = vaddr & env->a20_mask;
        if (!(env->hflags & HF_LMA)) {
            paddr = (uint32_t)paddr;
        }
        tlb_set_page(env->exec, vaddr & TARGET_PAGE_MASK, paddr & TARGET_PAGE_MASK,
                     PROT_R | PROT_W | PROT_X, mmu_idx, TARGET_PAGE_SIZE);
        return true;
    }
    if ((env->hflags & HF_LMA) && !is_canonical(vaddr)) {
        if (probe) {
            return false;
        }
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
    if (page_walk(env, vaddr, access_type, mmu_idx == MMU_USER_IDX, true, &w)) {
        if (env->mmu_log) {
            fprintf(env->mmu_log, "mmu: %#llx -> %#llx prot %c%c%c%s page %#llx idx %d\n",
                    (unsigned long long)vaddr, (unsigned long long)w.paddr,
                    w.prot & PROT_R ? 'r' : '-', w.prot & PROT_W ? 'w' : '-',
                    w.prot & PROT_X ? 'x' : '-', w.prot & PROT_GLOBAL ? " global" : "",
                    (unsigned long long)w.page_size, mmu_idx);
        }
        tlb_set_page(env->exec, vaddr & TARGET_PAGE_MASK, w.paddr & TARGET_PAGE_MASK,
                     w.prot, mmu_idx, w.page_size);
        return true;
    }
    if (probe) {
        return false;
    }
    if (env->mmu_log) {
        fprintf(env->mmu_log, "mmu: %#llx access %d idx %d: #PF error %#x\n",
                (unsigned long long)vaddr, access_type, mmu_idx, (unsigned)w.error);
    }
    env->cr[2] = vaddr;
    env->fault_addr = vaddr;
    x86_raise_exception(env, EXCP0E_PAGE, w.error, ra);
}

uint64_t x86_cpu_get_phys_addr_debug(CPUX86State *env, uint64_t vaddr)
{
    PageWalk w;

    if (!(env->cr[0] & CR0_PG)) {
        return vaddr & env->a20_mask & ((env->hflags & HF_LMA) ? ~0ull : 0xffffffffull);
    }
    if ((env->hflags & HF_LMA) && !is_canonical(vaddr)) {
        return (uint64_t)-1;
    }
    if (!page_walk(env, vaddr, MMU_DATA_LOAD, false, false, &w)) {
        return (uint64_t)-1;
    }
    return w.paddr;
}

/* INVLPG (SDM vol. 2A): drops the translation of addr (a large page whole) */
void helper_invlpg(CPUX86State *env, uint64_t addr)
{
    tlb_flush_page(env->exec, addr);
}
