/*
 * Page walks against Intel SDM vol. 3A chapter 4: each case builds paging
 * structures in fake RAM, translates one address and checks the physical
 * address, page size, rights, accessed/dirty write-back (4.8) and the #PF error
 * code and CR2 (4.7: P=1 protection, W/R=2 write, U/S=4 user, RSVD=8, I/D=16).
 */
#include "tests/x86sys/fake.h"

#define P 1ull
#define RW 2ull
#define US 4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define NX (1ull << 63)

static CPUX86State *env;

/* -1 when the fill succeeded, else the vector; fills the last entry */
static int fill(uint64_t va, int type, int idx)
{
    return TRY(x86_cpu_tlb_fill(env, va, 1, type, idx, false, 0));
}

static void expect_pf(uint64_t va, int type, int idx, uint32_t err, const char *what)
{
    int r = fill(va, type, idx);
    CHECK(r == EXCP0E_PAGE && (uint32_t)env->error_code == err && env->cr[2] == va,
          "%s: vector %d err %#x cr2 %#llx, want #PF err %#x cr2 %#llx", what, r,
          env->error_code, (unsigned long long)env->cr[2], err, (unsigned long long)va);
}

static void expect_map(uint64_t va, int type, int idx, uint64_t pa, uint64_t size, int prot,
                       const char *what)
{
    int r = fill(va, type, idx);
    CHECK(r == -1 && fake->last.paddr == (pa & ~0xfffull) &&
          fake->last.vaddr == (va & ~0xfffull) && fake->last.page_size == size &&
          fake->last.prot == prot && fake->last.mmu_idx == idx,
          "%s: r %d pa %#llx size %#llx prot %d, want pa %#llx size %#llx prot %d", what, r,
          (unsigned long long)fake->last.paddr, (unsigned long long)fake->last.page_size,
          fake->last.prot, (unsigned long long)pa, (unsigned long long)size, prot);
}

static void paging_on(uint64_t cr3, uint64_t cr4, uint64_t efer)
{
    env->cr[3] = cr3;
    env->cr[4] = cr4;
    env->efer = efer;
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET;
    x86_update_hflags(env);
}

static void test_no_paging(void)
{
    fake_init();
    env = &fake->env;
    expect_map(0x12345678, MMU_DATA_STORE, 0, 0x12345000, 4096, PROT_R | PROT_W | PROT_X,
               "paging off: linear = physical");
    x86_cpu_set_a20(env, false);
    expect_map(0x10fff0, MMU_DATA_LOAD, 0, 0x00f000, 4096, 7, "A20 off wraps bit 20");
    x86_cpu_set_a20(env, true);
    expect_map(0x10fff0, MMU_DATA_LOAD, 0, 0x10f000, 4096, 7, "A20 on");
}

static void test_32bit(void)
{
    uint64_t va = 0x00403123;            /* PDE 1, PTE 3 */

    fake_init();
    env = &fake->env;
    put32(0x10000 + 1 * 4, 0x11000 | P | RW | US);
    put32(0x11000 + 3 * 4, 0x2000 | P | RW | US);
    paging_on(0x10000, 0, 0);
    expect_map(va, MMU_DATA_LOAD, MMU_USER_IDX, 0x2123, 4096, PROT_R | PROT_X,
               "32-bit read: clean page entered without write");
    CHECK_EQ(get32(0x10004), 0x11000 | P | RW | US | A, "PDE accessed");
    CHECK_EQ(get32(0x1100c), 0x2000 | P | RW | US | A, "PTE accessed, not dirty");
    expect_map(va, MMU_DATA_STORE, MMU_USER_IDX, 0x2123, 4096, PROT_R | PROT_W | PROT_X,
               "32-bit write");
    CHECK_EQ(get32(0x1100c), 0x2000 | P | RW | US | A | D, "PTE dirty after write");
    CHECK_EQ(get32(0x10004), 0x11000 | P | RW | US | A, "PDE has no dirty bit set");

    /* supervisor page, user access: protection fault with U/S */
    put32(0x11000 + 4 * 4, 0x3000 | P | RW);
    expect_pf(0x404000, MMU_DATA_LOAD, MMU_USER_IDX, 1 | 4, "user read of supervisor page");
    expect_pf(0x404000, MMU_DATA_STORE, MMU_USER_IDX, 1 | 2 | 4, "user write of supervisor page");
    expect_map(0x404000, MMU_DATA_LOAD, MMU_KERNEL_IDX, 0x3000, 4096, PROT_R | PROT_X,
               "kernel read of supervisor page");
    /* not present */
    expect_pf(0x405000, MMU_DATA_LOAD, MMU_KERNEL_IDX, 0, "kernel read, PTE not present");
    expect_pf(0x405000, MMU_DATA_STORE, MMU_USER_IDX, 2 | 4, "user write, PTE not present");
    expect_pf(0x00800000, MMU_INST_FETCH, MMU_USER_IDX, 4,
              "user fetch, PDE not present (no I/D without PAE+NXE)");
    /* read-only user page: CR0.WP decides supervisor writes (4.6) */
    put32(0x11000 + 5 * 4, 0x5000 | P | US | D);
    expect_pf(0x405000, MMU_DATA_STORE, MMU_USER_IDX, 1 | 2 | 4, "user write of read-only page");
    expect_map(0x405000, MMU_DATA_STORE, MMU_KERNEL_IDX, 0x5000, 4096, 7,
               "kernel write of read-only page, WP=0");
    env->cr[0] |= CR0_WP;
    expect_pf(0x405000, MMU_DATA_STORE, MMU_KERNEL_IDX, 1 | 2, "kernel write, WP=1");
    /* R/W clear in the PDE alone also makes the page read-only */
    put32(0x10000 + 2 * 4, 0x12000 | P | US);
    put32(0x12000, 0x6000 | P | RW | US);
    expect_pf(0x800000, MMU_DATA_STORE, MMU_USER_IDX, 1 | 2 | 4, "PDE R/W=0 wins");
}

static void test_pse(void)
{
    fake_init();
    env = &fake->env;
    put32(0x10000 + 3 * 4, 0x00800000 | P | RW | PS);
    paging_on(0x10000, CR4_PSE, 0);
    expect_map(0x00c12345, MMU_DATA_STORE, 0, 0x812345, 4u << 20, 7, "4 MiB page");
    CHECK_EQ(get32(0x1000c), 0x00800000 | P | RW | PS | A | D, "4 MiB PDE accessed+dirty");
    put32(0x10000 + 4 * 4, 0x00c00000 | P | RW | PS | (1u << 13));
    expect_pf(0x01000000, MMU_DATA_LOAD, 0, 1 | 8, "4 MiB PDE bit 13 reserved (no PSE-36)");
    /* without CR4.PSE the PS bit is ignored: the PDE points to a page table */
    env->cr[4] = 0;
    put32(0x00800000 + 0x12 * 4, 0x7000 | P);
    expect_map(0x00c12345, MMU_DATA_LOAD, 0, 0x7345, 4096, PROT_R | PROT_X, "PS ignored without PSE");
}

static void test_pae(void)
{
    uint64_t va = 0x40201abc;            /* PDPTE 1, PDE 1, PTE 1 */

    fake_init();
    env = &fake->env;
    put64(0x20000 + 8, 0x21000 | P);
    put64(0x21000 + 8, 0x22000 | P | RW | US);
    put64(0x22000 + 8, 0x3000 | P | RW | US | NX);
    paging_on(0x20000, CR4_PAE, 0);
    expect_pf(va, MMU_DATA_LOAD, 0, 1 | 8, "PAE: XD set while EFER.NXE=0 is reserved");
    env->efer = EFER_NXE;
    expect_map(va, MMU_DATA_LOAD, 0, 0x3abc, 4096, PROT_R, "PAE NX page, read");
    expect_pf(va, MMU_INST_FETCH, 0, 1 | 16, "PAE NX fetch: P and I/D");
    expect_pf(va, MMU_INST_FETCH, MMU_USER_IDX, 1 | 4 | 16, "PAE NX user fetch");
    CHECK_EQ(get64(0x20008), 0x21000 | P, "PAE PDPTE has no accessed bit");
    CHECK_EQ(get64(0x21008), 0x22000 | P | RW | US | A, "PAE PDE accessed");
    /* 2 MiB page */
    put64(0x21000 + 2 * 8, 0x600000 | P | RW | PS);
    expect_map(0x40412345, MMU_DATA_STORE, 0, 0x612345, 2u << 20, 7, "PAE 2 MiB page");
    put64(0x21000 + 3 * 8, 0x800000 | P | RW | PS | (1u << 20));
    expect_pf(0x40600000, MMU_DATA_LOAD, 0, 1 | 8, "2 MiB PDE bit 20 reserved");
    /* PDPTE bits 2:1 are reserved in PAE paging */
    put64(0x20000 + 2 * 8, 0x23000 | P | RW);
    expect_pf(0x80000000, MMU_DATA_LOAD, 0, 1 | 8, "PAE PDPTE R/W reserved");
    /* physical address above MAXPHYADDR (40) */
    put64(0x22000 + 2 * 8, (1ull << 45) | P);
    expect_pf(0x40202000, MMU_DATA_LOAD, 0, 1 | 8, "PTE address above MAXPHYADDR");
    expect_pf(0xc0000000, MMU_DATA_STORE, 0, 2, "PAE PDPTE not present");
}

static void test_long(void)
{
    uint64_t va = 0xffff800000201123ull;   /* PML4 256, PDPT 0, PD 1, PT 1 */

    fake_init();
    env = &fake->env;
    put64(0x30000 + 256 * 8, 0x31000 | P | RW | US);
    put64(0x31000, 0x32000 | P | RW | US);
    put64(0x32000 + 8, 0x33000 | P | RW);
    put64(0x33000 + 8, 0x4000 | P | RW | NX);
    env->segs[R_CS].flags |= DESC_L;
    paging_on(0x30000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE);
    CHECK(env->hflags & HF_LMA && env->hflags & HF_CS64, "long-mode hflags");
    expect_map(va, MMU_DATA_STORE, 0, 0x4123, 4096, PROT_R | PROT_W, "4-level 4 KiB page");
    CHECK_EQ(get64(0x30000 + 256 * 8), 0x31000 | P | RW | US | A, "PML4E accessed");
    CHECK_EQ(get64(0x33008), 0x4000 | P | RW | NX | A | D, "PTE accessed+dirty");
    expect_pf(va, MMU_DATA_LOAD, MMU_USER_IDX, 1 | 4, "user read of page with PD U/S=0");
    expect_pf(va, MMU_INST_FETCH, 0, 1 | 16, "fetch from XD page");
    /* 1 GiB page */
    put64(0x31000 + 8, 0x40000000 | P | RW | US | PS);
    expect_map(0xffff800040123456ull, MMU_DATA_LOAD, MMU_USER_IDX, 0x40123456, 1u << 30,
               PROT_R | PROT_X, "1 GiB page");
    put64(0x31000 + 16, 0x80000000 | P | PS | (1u << 13));
    expect_pf(0xffff800080000000ull, MMU_DATA_LOAD, 0, 1 | 8, "1 GiB PDPTE bit 13 reserved");
    /* PML4E with PS is reserved */
    put64(0x30000 + 257 * 8, 0x34000 | P | PS);
    expect_pf(0xffff808000000000ull, MMU_DATA_LOAD, 0, 1 | 8, "PML4E PS reserved");
    /* non-canonical: #GP(0), not #PF */
    CHECK_EQ(fill(0x0000800000000000ull, MMU_DATA_LOAD, 0), EXCP0D_GPF, "non-canonical -> #GP");
    CHECK_EQ(x86_cpu_get_phys_addr_debug(env, va), 0x4123, "debug walk");
    CHECK_EQ(x86_cpu_get_phys_addr_debug(env, 0x1000), (uint64_t)-1, "debug walk unmapped");
    helper_invlpg(env, va);
    CHECK_EQ(fake->page_flushes, 1, "INVLPG flushes the page");
}

/* global pages (SDM vol. 3A, 4.10.2.4, 4.10.4.1): a leaf with G is entered as
 * global only while CR4.PGE is set, and a CR3 write then keeps global entries */
static void test_global(void)
{
    const uint64_t G = 0x100;

    fake_init();
    env = &fake->env;
    put64(0x30000, 0x31000 | P | RW);
    put64(0x31000, 0x32000 | P | RW);
    put64(0x32000, 0x33000 | P | RW);
    put64(0x33000 + 5 * 8, 0x7000 | P | RW | D | G);
    put64(0x33000 + 6 * 8, 0x8000 | P | RW | D);
    env->segs[R_CS].flags |= DESC_L;
    paging_on(0x30000, CR4_PAE, EFER_LME | EFER_LMA);
    expect_map(0x5000, MMU_DATA_LOAD, 0, 0x7000, 4096, PROT_R | PROT_W | PROT_X,
               "G without CR4.PGE: not global");
    paging_on(0x30000, CR4_PAE | CR4_PGE, EFER_LME | EFER_LMA);
    expect_map(0x5000, MMU_DATA_LOAD, 0, 0x7000, 4096, PROT_R | PROT_W | PROT_X | PROT_GLOBAL,
               "G with CR4.PGE: global");
    expect_map(0x6000, MMU_DATA_LOAD, 0, 0x8000, 4096, PROT_R | PROT_W | PROT_X,
               "no G: not global");
    fake->flushes = fake->nonglobal_flushes = 0;
    helper_write_crN(env, 3, 0x30000);
    CHECK_EQ(fake->nonglobal_flushes, 1, "CR3 write with PGE keeps global entries");
    CHECK_EQ(fake->flushes, 0, "CR3 write with PGE: no full flush");
}

void test_mmu(void)
{
    test_global();
    test_no_paging();
    test_32bit();
    test_pse();
    test_pae();
    test_long();
}
