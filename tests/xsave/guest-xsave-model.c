/*
 * The XSAVE rules a CPU model must keep with its own CPUID (Intel SDM vol. 1,
 * 13.2, 13.3; vol. 2A, 2.3.10.1): without CPUID.1:ECX.OSXSAVE, XGETBV and
 * XSAVE raise #UD (SIGILL); with it, XCR0 holds only bits CPUID.(0DH,0):EAX
 * reports and always x87; XSAVE with every bit requested writes nothing past
 * CPUID.(0DH,0):EBX bytes; sub-leaf 2 is there exactly when XCR0 has AVX;
 * a VEX.256 move raises #UD unless XCR0 enables SSE and AVX and CPUID.1:ECX
 * reports AVX or the model runs it. Runs natively and under each -cpu model;
 * prints "bad:" lines for a broken rule.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf jmp;
static volatile int got;
static uint8_t area[8192] __attribute__((aligned(64)));

static void on_signal(int sig)
{
    got = sig;
    siglongjmp(jmp, 1);
}

/* runs op, returning the signal it raised (0: none) */
#define TRY(code) (got = 0, sigsetjmp(jmp, 1) ? got : ((code), 0))

static uint64_t xgetbv0(void)
{
    uint32_t a, d;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return a | (uint64_t)d << 32;
}

static void xsave_all(void)
{
    __asm__ volatile("xsave %0" : "+m"(area) : "a"(-1), "d"(-1) : "memory");
}

static void vmov256(void)
{
    static uint8_t buf[32];
    __asm__ volatile("vmovdqu %0, %%ymm1\n\tvmovdqu %%ymm1, %0" : "+m"(buf) :: "memory");
}

int main(void)
{
    unsigned a, b, c, d, ecx1;
    int bad = 0;
    signal(SIGILL, on_signal);
    signal(SIGSEGV, on_signal);
    __cpuid(1, a, b, ecx1, d);
    if (!(ecx1 >> 27 & 1)) {
        int s1 = TRY(xgetbv0()), s2 = TRY(xsave_all());
        if (s1 != SIGILL || s2 != SIGILL) {
            printf("bad: no OSXSAVE but XGETBV gives signal %d, XSAVE %d\n", s1, s2);
            bad++;
        }
        printf("no OSXSAVE: %d rules broken\n", bad);
        return bad != 0;
    }
    uint64_t xcr0 = xgetbv0();
    __cpuid_count(0xd, 0, a, b, c, d);
    uint64_t supported = a | (uint64_t)d << 32;
    if ((xcr0 & ~supported) || !(xcr0 & 1)) {
        printf("bad: XCR0 %llx, supported %llx\n", (unsigned long long)xcr0,
               (unsigned long long)supported);
        bad++;
    }
    if (b > sizeof(area) || b < 576) {
        printf("bad: XSAVE area size %u\n", b);
        bad++;
    } else {
        memset(area, 0x5a, sizeof(area));
        int s = TRY(xsave_all());
        for (unsigned i = b; i < sizeof(area); i++) {
            if (area[i] != 0x5a) {
                printf("bad: XSAVE wrote byte %u past the size %u\n", i, b);
                bad++;
                break;
            }
        }
        if (s) {
            printf("bad: XSAVE raised signal %d\n", s);
            bad++;
        }
    }
    unsigned a2, b2, c2, d2;
    __cpuid_count(0xd, 2, a2, b2, c2, d2);
    if (!!(xcr0 & 4) != (a2 != 0) || ((xcr0 & 4) && (a2 != 256 || b2 + a2 > b))) {
        printf("bad: XCR0 %llx but sub-leaf 2 size %u offset %u\n", (unsigned long long)xcr0,
               a2, b2);
        bad++;
    }
    int s = TRY(vmov256());
    if ((xcr0 & 6) != 6 && s != SIGILL) {
        printf("bad: VEX.256 move without AVX state in XCR0 gives signal %d\n", s);
        bad++;
    }
    if ((xcr0 & 6) == 6 && (ecx1 >> 28 & 1) && s) {
        printf("bad: VEX.256 move with AVX reported and enabled gives signal %d\n", s);
        bad++;
    }
    printf("OSXSAVE: %d rules broken\n", bad);
    return bad != 0;
}
