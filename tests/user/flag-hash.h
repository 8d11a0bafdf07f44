/*
 * What the flag tests (cmpflags.c, incflags.c, branchflags.c) share: the
 * arithmetic flags of EFLAGS, an FNV-1a hash of the values each group of
 * cases computes (one line a group, compared with a native run by
 * tests/check-user.sh), the operand sizes their inline assembly iterates
 * over, and a fault walk: every pair of test values through a function that
 * runs hot on a good page, then faults on a guard page, where the SIGSEGV
 * handler takes the flags the kernel saved (they must be the guest's exact
 * flags at the faulting load).
 */
#ifndef FLAG_HASH_H
#define FLAG_HASH_H
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define ARITH_FLAGS 0x8d5UL         /* OF SF ZF AF PF CF (SDM vol. 1, 3.4.3.1) */

typedef unsigned long ulong;

/* suffix, operand modifier, constraint: "op b, a" at each size */
#define SIZES(X) X("b", "b", "q") X("w", "w", "r") X("l", "k", "r")
#ifdef __x86_64__
#define SIZES64(X) X("q", "q", "r")
#else
#define SIZES64(X)
#endif

/* the 16 SETcc conditions (SDM vol. 2B, SETcc) into operands %0..%15, the
 * bytes of an unsigned char r[16] (SETCC16_OUT(r)) */
#define SETCC16                                                                  \
    "seto %0\n\tsetno %1\n\tsetb %2\n\tsetae %3\n\t"                               \
    "sete %4\n\tsetne %5\n\tsetbe %6\n\tseta %7\n\t"                               \
    "sets %8\n\tsetns %9\n\tsetp %10\n\tsetnp %11\n\t"                             \
    "setl %12\n\tsetge %13\n\tsetle %14\n\tsetg %15"
#define SETCC16_OUT(r)                                                           \
    "=m"(r[0]), "=m"(r[1]), "=m"(r[2]), "=m"(r[3]), "=m"(r[4]), "=m"(r[5]),     \
    "=m"(r[6]), "=m"(r[7]), "=m"(r[8]), "=m"(r[9]), "=m"(r[10]), "=m"(r[11]),   \
    "=m"(r[12]), "=m"(r[13]), "=m"(r[14]), "=m"(r[15])

static uint64_t hash = 14695981039346656037ULL;

static void mix(ulong v)
{
    for (int i = 0; i < (int)sizeof(v); i++) {
        hash = (hash ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ULL;
    }
}

static void report(const char *group, unsigned n)
{
    printf("%-30s %4u cases, hash %016llx\n", group, n, (unsigned long long)hash);
    hash = 14695981039346656037ULL;
}

static sigjmp_buf fault_back;
static volatile ulong fault_flags;

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)info;
    fault_flags = (ulong)uc->uc_mcontext.gregs[REG_EFL] & ARITH_FLAGS;
    siglongjmp(fault_back, 1);
}

typedef ulong (*fault_run)(unsigned i, unsigned j, int k, const ulong *p);

/* the flags the kernel saved when run(i, j, 0, bad) faulted (~0: it did not) */
static __attribute__((noinline, unused)) ulong
flags_at_fault(fault_run run, unsigned i, unsigned j, const ulong *bad)
{
    fault_flags = ~0UL;
    if (!sigsetjmp(fault_back, 1)) {
        run(i, j, 0, bad);
    }
    return fault_flags;
}

/* run(i, j, k, p) for every pair (i, j) of nv values: rounds times with
 * p readable (k = 0, 1 ...: hot, chained), then once with p on a page that
 * faults; mixes the hot results and the flags at the fault. */
/* two pages, the second PROT_NONE, with handler on SIGSEGV (SA_NODEFER: it
 * leaves by siglongjmp) */
static __attribute__((unused)) void *
guarded_pages(long page, void (*handler)(int, siginfo_t *, void *))
{
    void *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    mprotect((char *)m + page, page, PROT_NONE);
    return m;
}

static __attribute__((unused)) void
fault_walk(const char *group, unsigned nv, int rounds, fault_run run)
{
    long page = sysconf(_SC_PAGESIZE);
    ulong *ok = guarded_pages(page, on_fault);
    unsigned n = 0;
    for (unsigned i = 0; i < nv; i++) {
        for (unsigned j = 0; j < nv; j++) {
            ulong sum = 0;
            for (int k = 0; k < rounds; k++) {
                sum += run(i, j, k, ok);
            }
            mix(sum);
            mix(flags_at_fault(run, i, j, (ulong *)((char *)ok + page)));
            n++;
        }
    }
    signal(SIGSEGV, SIG_DFL);
    munmap(ok, 2 * page);
    report(group, n);
}
#endif
