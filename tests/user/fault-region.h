/* Shared by the tests/user programs whose SIGSEGV handler reports a fault
 * inside a hand-written loop walking up a region of pages into a guard page
 * (faultregs, faultindex, loopregs, traceloop): the region, the jump out of
 * the handler, and the set-up. Each program prints what its handler sees and
 * tests/check-user.sh compares that with a native run. */
#ifndef TESTS_USER_FAULT_REGION_H
#define TESTS_USER_FAULT_REGION_H

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* arithmetic flags of EFLAGS: CF PF AF ZF SF OF (Intel SDM vol. 1, 3.4.3.1) */
#define ARITH_FLAGS 0x8d5

static char *region;                /* the pages walked, then one guard page */
static sigjmp_buf jump;             /* the handlers' way out of the loop */

/* Maps rw_pages read-write pages and the guard page after them; exits on
 * failure. */
static inline char *map_region(long rw_pages, long page_size)
{
    char *p = mmap(NULL, (rw_pages + 1) * page_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return p;
}

static inline void catch_signal(int sig, void (*handler)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

#endif
