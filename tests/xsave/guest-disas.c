/*
 * The save-area and group 7/9/15 instructions for the in_asm log's
 * mnemonics (target-i386/disas.c), which tests/check-xsave.sh compares with
 * objdump's at the same addresses: FXSAVE/FXRSTOR, XSAVE, XRSTOR,
 * XSAVEOPT, XSAVEC, XSAVES, XRSTORS and their REX.W forms, XGETBV, XSETBV,
 * LDMXCSR/STMXCSR, the fences, CLFLUSH, CMPXCHG8B/16B.
 * The privileged ones (XSAVES, XRSTORS, XSETBV) fault at CPL 3: the
 * handler skips them. Usage: guest-disas
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf escape;
static uint8_t area[4096] __attribute__((aligned(64)));
static uint32_t csr;
static uint64_t pair[2] __attribute__((aligned(16)));
static unsigned faults;

static void on_fault(int sig)
{
    (void)sig;
    faults++;
    siglongjmp(escape, 1);
}

/* one instruction, EDX:EAX = 3 (x87 and SSE state), ECX = 0 */
#define TRY(insn) do { \
    if (!sigsetjmp(escape, 1)) { \
        __asm__ volatile("mov $3, %%eax\n\txor %%edx, %%edx\n\txor %%ecx, %%ecx\n\t" insn \
                         : : [a] "m"(area), [c] "m"(csr), [p] "m"(pair) \
                         : "eax", "ecx", "edx", "memory", "cc"); \
    } \
} while (0)

int main(void)
{
    signal(SIGSEGV, on_fault);
    signal(SIGILL, on_fault);
    TRY("fxsave %[a]");
    TRY("fxrstor %[a]");
    TRY("xsave %[a]");
    TRY("xrstor %[a]");
    TRY("xsaveopt %[a]");
    TRY("xsavec %[a]");
    TRY("xsaves %[a]");
    TRY("xrstors %[a]");
    TRY("xgetbv");
    TRY("xsetbv");
    TRY("stmxcsr %[c]");
    TRY("ldmxcsr %[c]");
    TRY("lfence");
    TRY("mfence");
    TRY("sfence");
    TRY("clflush %[a]");
    TRY("cmpxchg8b %[p]");
#ifdef __x86_64__
    TRY("fxsave64 %[a]");
    TRY("fxrstor64 %[a]");
    TRY("xsave64 %[a]");
    TRY("xrstor64 %[a]");
    TRY("xsaveopt64 %[a]");
    TRY("xsavec64 %[a]");
    TRY("xsaves64 %[a]");
    TRY("xrstors64 %[a]");
    TRY("cmpxchg16b %[p]");
#endif
    printf("faults %u\n", faults);
    return 0;
}
