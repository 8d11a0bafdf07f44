/*
 * XSAVES and XRSTORS at CPL 3 (SDM vol. 2C, XSAVES, XRSTORS: #GP(0) if
 * CPL > 0): Linux sends SIGSEGV with si_code SI_KERNEL. Printed for a
 * native/emulated comparison under a model with XSAVES (CPUID.(EAX=0DH,
 * ECX=1):EAX[3], checked first so a model without it is not compared).
 * Usage: guest-xsaves
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf escape;
static uint8_t area[4096] __attribute__((aligned(64)));

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    printf("  signal %d code %d\n", sig, si->si_code);
    siglongjmp(escape, 1);
}

int main(void)
{
    struct sigaction sa;
    unsigned a, b, c, d;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    __cpuid_count(0xd, 1, a, b, c, d);
    printf("xsaves offered: %u\n", (a >> 3) & 1);
    printf("xsaves at CPL 3\n");
    if (!sigsetjmp(escape, 1)) {
        __asm__ volatile("xor %%edx, %%edx\n\tmov $3, %%eax\n\txsaves %0" : "=m"(area) : : "eax", "edx");
        printf("  ran\n");
    }
    printf("xrstors at CPL 3\n");
    if (!sigsetjmp(escape, 1)) {
        __asm__ volatile("xor %%edx, %%edx\n\tmov $3, %%eax\n\txrstors %0" : "+m"(area) : : "eax", "edx");
        printf("  ran\n");
    }
    return 0;
}
