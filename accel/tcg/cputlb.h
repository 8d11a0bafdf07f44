/*
 * The softmmu: how system-mode guest code reaches guest memory. Each CPU has a
 * TLB per MMU index (the target decides what an index means: x86 uses one for
 * supervisor and one for user accesses) mapping guest virtual pages to host
 * memory (RAM) or to the physical address space's MMIO callbacks. Generated code
 * probes it inline (the hit path is emitted by the host back end); a miss calls
 * the slow path here, which asks the target to walk its page tables
 * (TargetTranslateOps.tlb_fill), which answers with tlb_set_page or raises the
 * guest's page fault.
 *
 * Translated code is tracked by physical page: a TLB entry for a RAM page that
 * holds translated code makes writes take the slow path, which drops the blocks
 * of that page before writing.
 *
 * The same load/store functions work in user mode (guest_base + address), so
 * target helpers use them in both modes.
 */
#ifndef ACCEL_TCG_CPUTLB_H
#define ACCEL_TCG_CPUTLB_H

#include <stdbool.h>
#include <stdint.h>
#include "accel/tcg/exec.h"
#include "system/memory.h"

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

#define NB_MMU_MODES 4
#define CPU_TLB_BITS 10
#define CPU_TLB_SIZE (1u << CPU_TLB_BITS)
#define CPU_VTLB_SIZE 8

/* Low bits of a TLB entry's comparators (a page address has them clear): */
#define TLB_INVALID_MASK  (1ull << 11)  /* no valid translation for this access */
#define TLB_MMIO          (1ull << 10)  /* not RAM: go through the address space */
#define TLB_NOTDIRTY      (1ull << 9)   /* write to a page holding translated code */
#define TLB_WATCH         (1ull << 8)   /* a debugger's watchpoint lies in the page */
#define TLB_FLAGS_MASK    (TLB_INVALID_MASK | TLB_MMIO | TLB_NOTDIRTY | TLB_WATCH)

typedef struct CPUTLBEntry {
    uint64_t addr_read;     /* page address for loads, | flags; -1 when empty */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;       /* host address = guest virtual address + addend (RAM) */
} CPUTLBEntry;

/* The part of a CPU's state generated code reads: the target embeds it in its CPU
 * struct and tells cpu_exec_enable_softmmu where. */
typedef struct CPUTLB {
    CPUTLBEntry table[NB_MMU_MODES][CPU_TLB_SIZE];
    /* per entry, for the slow path: the physical page behind it */
    uint64_t phys[NB_MMU_MODES][CPU_TLB_SIZE];
    /* per entry: kept by tlb_flush_nonglobal */
    uint8_t global[NB_MMU_MODES][CPU_TLB_SIZE];
    /* the last entries pushed out of the table, searched by the slow path
     * before a page walk: conflicts in the direct-mapped table cost a copy */
    CPUTLBEntry victim[NB_MMU_MODES][CPU_VTLB_SIZE];
    uint64_t victim_phys[NB_MMU_MODES][CPU_VTLB_SIZE];
    uint8_t victim_global[NB_MMU_MODES][CPU_VTLB_SIZE];
    unsigned victim_next[NB_MMU_MODES];
    /* large pages that were entered, for tlb_flush_page (Intel SDM 4.10.4.1:
     * INVLPG of any address in a large page drops it all) */
    uint64_t large_page_addr, large_page_mask;
    /* nonzero: blocks leave before their first instruction (translator_gen_tb_start):
     * here, at a fixed offset from env, so that the test is one load from env */
    volatile int32_t exit_flag;
} CPUTLB;

typedef enum MMUAccessType { MMU_DATA_LOAD = 0, MMU_DATA_STORE = 1, MMU_INST_FETCH = 2 } MMUAccessType;
#define PROT_R 1
#define PROT_W 2
#define PROT_X 4
#define PROT_GLOBAL 8      /* a global page (x86 PTE.G with CR4.PGE): see tlb_flush_nonglobal */

/* Turns cpu into a system-mode CPU over physical address space as: guest memory
 * goes through the TLB at env + tlb_offset, translated code is keyed by physical
 * page, exceptions are delivered by ops->do_interrupt inside cpu_exec, and
 * interrupts requested with cpu_interrupt are taken between blocks. */
void cpu_exec_enable_softmmu(CPUExec *cpu, AddressSpace *as, intptr_t tlb_offset);
AddressSpace *cpu_address_space(CPUExec *cpu);

/* --- for the target's tlb_fill --- */
/* Enters vaddr's page (page_size >= 4 KiB; larger pages are entered 4 KiB at a
 * time but flushed whole) with physical address paddr and PROT_* rights. */
void tlb_set_page(CPUExec *cpu, uint64_t vaddr, uint64_t paddr, int prot, int mmu_idx,
                  uint64_t page_size);
void tlb_flush(CPUExec *cpu);                       /* all indexes (CR3 write, CR0/CR4 change) */
/* Dirty-page logging for live migration (migration/live.c): while log is set,
 * the first write to a RAM page through each TLB entry takes the slow path,
 * which calls log with its physical address; a tlb_flush re-arms every page.
 * NULL stops it. */
void tlb_set_dirty_log(CPUExec *cpu, void (*log)(void *opaque, uint64_t paddr), void *opaque);
/* all but the pages entered with PROT_GLOBAL (CR3 write with CR4.PGE, SDM vol. 3A 4.10.4.1) */
void tlb_flush_nonglobal(CPUExec *cpu);
void tlb_flush_page(CPUExec *cpu, uint64_t vaddr);  /* INVLPG */

/* --- guest memory from C helpers (both modes). memop carries size, sign and
 * the MMU index (MO_MMUIDX); ra is the helper's GETPC() (0 from outside
 * generated code), so a fault restores the guest state of that instruction. --- */
uint64_t cpu_ld_mmu(CPUExec *cpu, uint64_t addr, TCGMemOp memop, uintptr_t ra);
void cpu_st_mmu(CPUExec *cpu, uint64_t addr, uint64_t value, TCGMemOp memop, uintptr_t ra);
/* Host pointer to [addr, addr+size) when it lies in RAM on one page and is
 * accessible for type (filling the TLB, raising the fault otherwise); NULL when
 * it is MMIO or crosses a page (use cpu_ld/st_mmu bytewise then). */
void *cpu_probe_access(CPUExec *cpu, uint64_t addr, unsigned size, MMUAccessType type,
                       int mmu_idx, uintptr_t ra);

/* --- the slow paths generated code calls (TCGSoftMMU in tcg/tcg.h points here);
 * oi is the memop, ra the host return address into the block --- */
uint64_t helper_ld_mmu(void *env, uint64_t addr, uint32_t oi, uintptr_t ra);
void helper_st_mmu(void *env, uint64_t addr, uint64_t value, uint32_t oi, uintptr_t ra);

/* --- interrupts (system mode) --- */
#define CPU_INTERRUPT_HARD  0x01   /* INTR pin (PIC/APIC has a vector) */
#define CPU_INTERRUPT_NMI   0x02
#define CPU_INTERRUPT_INIT  0x04
#define CPU_INTERRUPT_SIPI  0x08
#define CPU_INTERRUPT_SMI   0x10
/* Sets / clears request bits and stops the running block soon (thread safe, cost
 * independent of the number of cached blocks). */
void cpu_interrupt(CPUExec *cpu, int mask);
void cpu_reset_interrupt(CPUExec *cpu, int mask);
int cpu_interrupt_request(CPUExec *cpu);

/* Physical address of guest code at vaddr (fills the code TLB; raises the fetch
 * fault through the target). */
uint64_t get_page_addr_code(CPUExec *cpu, uint64_t vaddr, int mmu_idx);

#endif
