/*
 * The guest machine of difftest --system: guest physical RAM holding the
 * sequences' code, the scratch area and the state page, reached from CPL 3
 * through 4-level page tables at the same virtual addresses as natively; a
 * GDT, IDT and TSS in supervisor-only pages at KERNEL_VA whose exception
 * handlers are one HLT per vector, so the vector is where the CPU halted and
 * the interrupted state is the 64-bit frame on the TSS's ring-0 stack.
 */
#ifndef TESTS_DIFFTEST_SYSGUEST_H
#define TESTS_DIFFTEST_SYSGUEST_H

#include <stdbool.h>
#include <stdint.h>
#include "target-i386/cpu.h"

typedef struct SysGuest {
    AddressSpace *as;
    uint8_t *ram;              /* host memory of guest physical address 0 */
    uint64_t next_table;       /* page-table pool: next free physical page */
    uint64_t pml4;             /* physical address of the top table (CR3) */
} SysGuest;

/* The frame an exception left on the ring-0 stack (Intel SDM vol. 3A, 6.14.2). */
typedef struct SysFrame {
    uint64_t rip, cs, rflags, rsp, ss;
    int64_t error_code;        /* -1: none pushed */
} SysFrame;

/* Builds the address space, RAM, page tables and descriptor tables, and copies
 * the code area (placed by the parent at CODE_ADDR) into guest RAM. */
void sysguest_init(SysGuest *g);
/* The guest's scratch area from / into a buffer of SCRATCH_SIZE bytes. */
void sysguest_scratch_write(SysGuest *g, const uint8_t *src);
void sysguest_scratch_read(SysGuest *g, uint8_t *dst);
/* Control registers, EFER and descriptor-table registers of the long-mode
 * guest (once, after x86_cpu_init_system). */
void sysguest_cpu_setup(SysGuest *g, CPUX86State *env);
/* The CPL 3 segments of a 64-bit or compatibility-mode process, as Linux sets
 * them (selectors of arch/x86/include/asm/segment.h). */
void sysguest_enter_user(CPUX86State *env, bool long_mode);
/* After cpu_exec returned EXCP_HLT: the vector whose handler halted (-1: the
 * CPU halted elsewhere) and the frame it was delivered with. */
int sysguest_vector(SysGuest *g, const CPUX86State *env, SysFrame *frame);

#endif
