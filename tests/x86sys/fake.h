/*
 * Test double of the softmmu and physical memory for the x86 system-helper unit
 * tests: 16 MiB of RAM at physical 0, a TLB that records the last tlb_set_page,
 * guest loads/stores through the target's tlb_fill, exceptions caught with
 * sigsetjmp (TRY). Nothing here is an oracle: the expected values in the tests
 * come from the SDM rules written out in each test.
 */
#ifndef TESTS_X86SYS_FAKE_H
#define TESTS_X86SYS_FAKE_H

#include <setjmp.h>
#include <stdio.h>
#include "target-i386/sys_helper.h"

#define FAKE_RAM_SIZE (16u << 20)

typedef struct FakeTlbEntry {
    uint64_t vaddr, paddr, page_size;
    int prot, mmu_idx, count;
} FakeTlbEntry;

typedef struct FakeMachine {
    CPUX86State env;
    CPUExec exec;
    uint8_t *ram;
    FakeTlbEntry last;              /* last tlb_set_page */
    int flushes, page_flushes, nonglobal_flushes;
    int io_last_port, io_last_size;
    uint32_t io_last_value;
    int resets;
    int next_irq;                   /* get_interrupt answer */
    int interrupt_request;
} FakeMachine;

extern FakeMachine *fake;
extern const X86BoardHooks fake_board;

/* A fresh machine in real mode after RESET. */
void fake_init(void);
void put8(uint64_t pa, uint8_t v);
void put16(uint64_t pa, uint16_t v);
void put32(uint64_t pa, uint32_t v);
void put64(uint64_t pa, uint64_t v);
uint16_t get16(uint64_t pa);
uint32_t get32(uint64_t pa);
uint64_t get64(uint64_t pa);

/* runs stmt; evaluates to -1 when it completed, else the exception raised */
#define TRY(stmt) ({ int r_ = -1; fake->exec.exception_index = -1; \
    if (sigsetjmp(fake->exec.jmp_env, 1) == 0) { stmt; } else { r_ = fake->exec.exception_index; } r_; })

extern int tests_passed, tests_failed;
#define CHECK(cond, ...) do { if (cond) { tests_passed++; } else { tests_failed++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define CHECK_EQ(got, want, what) do { unsigned long long g_ = (got), w_ = (want); \
    CHECK(g_ == w_, "%s: got %#llx, want %#llx", what, g_, w_); } while (0)

void test_mmu(void);
void test_seg(void);
void test_misc(void);

#endif
