/* Shared by the tests/user programs that stop a loop the translator keeps in
 * host registers (loopregs: one block jumping to itself; traceloop: a trace of
 * two blocks) and print the state the guest sees, compared with a native run
 * (tests/check-user.sh):
 *  - a fault in the loop, which walks up the region into its guard page: the
 *    SIGSEGV handler prints every saved register, the arithmetic flags and the
 *    pc as an offset in the loop;
 *  - SIGALRM while a register-only loop ("sum_top: add $1, ax; sum_mid:
 *    ...add ax, bx...; jcc sum_top; sum_end:") runs: it must be delivered (the
 *    loop is left only by the handler's siglongjmp) and the interrupted state
 *    must be exact for the instruction the saved pc names;
 *  - self-modifying code: the loop copied to a writable and executable page
 *    and run there twice (a write takes effect at the next execution: Intel
 *    SDM vol. 3A, 11.6). */
#ifndef TESTS_USER_LOOP_SIGNALS_H
#define TESTS_USER_LOOP_SIGNALS_H

#include <stdint.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include "fault-region.h"

#define RW_PAGES 8

#ifdef __x86_64__
#define PC REG_RIP
#define AX REG_RAX
#define BX REG_RBX
#else
#define PC REG_EIP
#define AX REG_EAX
#define BX REG_EBX
#endif

/* the register-only loop's labels, defined by each program's assembly */
extern char sum_top[], sum_mid[], sum_end[];

static const char *fault_loop_at;   /* the faulting loop's first instruction */
static volatile int bad_state;      /* interrupted states found wrong */

static void loop_segv_handler(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    printf("SIGSEGV %d at region+%ld, pc loop+%ld, flags %03llx\n", sig,
           (long)((char *)si->si_addr - region), (long)((char *)g[PC] - fault_loop_at),
           (unsigned long long)(g[REG_EFL] & ARITH_FLAGS));
#ifdef __x86_64__
    static const int regs[] = { REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RBP,
                                REG_R8, REG_R12 };
#else
    static const int regs[] = { REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EBP };
#endif
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  reg %u %016llx\n", i, (unsigned long long)g[regs[i]]);
    }
    siglongjmp(jump, 1);
}

/* Maps the region and catches SIGSEGV with the handler above. */
static void loop_tests_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    region = map_region(RW_PAGES, sysconf(_SC_PAGESIZE));
    catch_signal(SIGSEGV, loop_segv_handler);
}

/* loop(region) walks up until the guard page: read-only (the store faults),
 * then inaccessible (the load faults). */
static void test_fault(void (*loop)(char *), const char *top)
{
    long page = sysconf(_SC_PAGESIZE);
    fault_loop_at = top;
    for (long i = 0; i < RW_PAGES * page; i++) {
        region[i] = (char)(i * 7 + (i >> 9));
    }
    mprotect(region + RW_PAGES * page, page, PROT_READ);
    if (sigsetjmp(jump, 1) == 0) {
        loop(region);
        printf("fault loop ended without a fault\n");
    }
    mprotect(region + RW_PAGES * page, page, PROT_NONE);
    if (sigsetjmp(jump, 1) == 0) {
        loop(region);
        printf("fault loop ended without a fault\n");
    }
}

/* the sum of 1..n, in the register's width */
static unsigned long triangle(unsigned long n)
{
#ifdef __x86_64__
    return (unsigned long)((unsigned __int128)n * (n + 1) / 2);
#else
    return (unsigned long)((uint64_t)n * (n + 1) / 2);
#endif
}

static void alarm_handler(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    char *pc = (char *)g[PC];
    unsigned long ax = (unsigned long)g[AX], bx = (unsigned long)g[BX];
    (void)sig;
    (void)si;
    if (pc >= sum_top && pc < sum_end) {
        /* after the count's add and up to the sum's, the count is one ahead */
        unsigned long want = pc > sum_top && pc <= sum_mid ? triangle(ax - 1) : triangle(ax);
        if (bx != want) {
            bad_state++;
            printf("  state at sum_top+%ld: counter %lu sum %lu\n", (long)(pc - sum_top), ax, bx);
        }
        siglongjmp(jump, 1);
    }
}

/* Three rounds of sum(limit) under a repeating 20 ms SIGALRM. */
static void test_alarm_rounds(void (*sum)(unsigned long), unsigned long limit)
{
    struct itimerval t = { { 0, 20000 }, { 0, 20000 } };
    catch_signal(SIGALRM, alarm_handler);
    for (int round = 0; round < 3; round++) {
        setitimer(ITIMER_REAL, &t, NULL);
        if (sigsetjmp(jump, 1) == 0) {
            sum(limit);
            printf("round %d: the loop ended before the signal\n", round);
        } else {
            printf("round %d: signal taken inside the loop\n", round);
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
    }
    printf("interrupted states: %s\n", bad_state ? "WRONG" : "exact");
}

/* Copies [start, end) to an RWX page and calls it there twice (fresh copy
 * each time), printing what it returns. */
static void test_smc(const char *what, const void *start, const char *end)
{
    size_t len = (size_t)(end - (const char *)start);
    char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return;
    }
    for (int run = 0; run < 2; run++) {
        memcpy(code, start, len);
        unsigned (*fn)(void) = (unsigned (*)(void))(void *)code;
        printf("self-modifying %s, run %d: %u\n", what, run, fn());
    }
    munmap(code, 4096);
}

#endif
