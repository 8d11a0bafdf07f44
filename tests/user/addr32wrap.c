/*
 * i386 only: effective addresses wrap at 4 GiB. "base + displacement" with a
 * 32-bit address size is computed modulo 2^32 (Intel SDM vol. 1, 3.7.5
 * "Specifying an Offset"; vol. 3A, 3.4: a 32-bit linear address). The
 * translator folds displacements into host addresses and relies on guard
 * regions to catch the sums that wrap (linux-user/mmap.c): loads, stores and
 * a read-modify-write whose sum passes 4 GiB or goes below 0, each in a loop
 * (run before and after the emulator turns the fold off), and a wrapped
 * access to an unmapped page, whose SIGSEGV must name the wrapped address.
 * Self-checking by that rule (each value also read at the plain address), so
 * it runs where the host cannot run i386 programs natively; prints "ok NAME"
 * or "FAIL NAME ..." lines, and the same natively.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define HIGH_PAGE 0xb0000000u      /* a page in the upper half of the space */

static uint32_t buf[16];
static int failures;
static sigjmp_buf escape;
static volatile uintptr_t fault_addr;

static void check(const char *name, uint32_t got, uint32_t want)
{
    if (got != want) {
        printf("FAIL %s: got %#x, want %#x\n", name, got, want);
        failures++;
    } else {
        printf("ok %s\n", name);
    }
}

/* base + 0x7ffffff0 passes 4 GiB and wraps to &buf[i] */
static uint32_t load_up(uintptr_t base)
{
    uint32_t v;
    __asm__ volatile("movl 0x7ffffff0(%1), %0" : "=r"(v) : "r"(base) : "memory");
    return v;
}

static void store_up(uintptr_t base, uint32_t v)
{
    __asm__ volatile("movl %0, 0x7ffffff0(%1)" : : "r"(v), "r"(base) : "memory");
}

static void add_up(uintptr_t base, uint32_t v)
{
    __asm__ volatile("addl %0, 0x7ffffff0(%1)" : : "r"(v), "r"(base) : "memory", "cc");
}

/* base - 0x50000100 goes below 0 and wraps into the upper half */
static uint32_t load_down(uintptr_t base)
{
    uint32_t v;
    __asm__ volatile("movl -0x50000100(%1), %0" : "=r"(v) : "r"(base) : "memory");
    return v;
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)ctx;
    fault_addr = (uintptr_t)info->si_addr;
    siglongjmp(escape, 1);
}

static void wrapped_loops(void)
{
    uint32_t sum = 0, want = 0;
    for (int i = 0; i < 16; i++) {
        buf[i] = 0x9e3779b9u * (uint32_t)(i + 1);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 16; i++) {
            uintptr_t base = (uintptr_t)&buf[i] - 0x7ffffff0u;   /* modulo 2^32 */
            sum += load_up(base);
            want += buf[i];
            store_up(base, buf[i] ^ 0x5a5a5a5au);
            add_up(base, 3);
        }
    }
    check("load past 4 GiB", sum, want);
    uint32_t expect = 0x9e3779b9u * 5;
    for (int round = 0; round < 3; round++) {
        expect = (expect ^ 0x5a5a5a5au) + 3;
    }
    check("store and add past 4 GiB", buf[4], expect);
}

static void below_zero(void)
{
    uint32_t *high = mmap((void *)(uintptr_t)HIGH_PAGE, 4096, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (high == MAP_FAILED) {
        printf("FAIL mmap at %#x\n", HIGH_PAGE);
        failures++;
        return;
    }
    high[0] = 0x600dcafe;
    uint32_t got = 0;
    for (int i = 0; i < 8; i++) {
        got ^= load_down(0x100);       /* 0x100 - 0x50000100 = 0xb0000000 */
    }
    check("load below 0", got, 0);
    check("load below 0 (once)", load_down(0x100), 0x600dcafe);
    munmap(high, 4096);
}

static void unmapped_wrap(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    /* HIGH_PAGE is unmapped again: the wrapped access faults there */
    if (sigsetjmp(escape, 1) == 0) {
        load_down(0x100 + 0x10);
        printf("FAIL wrapped access to an unmapped page: no SIGSEGV\n");
        failures++;
    } else {
        check("SIGSEGV address of a wrapped access", (uint32_t)fault_addr, HIGH_PAGE + 0x10);
    }
}

int main(void)
{
    if (sizeof(void *) != 4) {
        printf("i386 only\n");
        return 0;
    }
    wrapped_loops();
    below_zero();
    unmapped_wrap();
    wrapped_loops();                  /* again, after any re-translation */
    return failures != 0;
}
