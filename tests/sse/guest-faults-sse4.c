/*
 * Guest program for the SSE suite: SSE4.1/SSE4.2/MOVBE/CRC32 instructions that
 * must fault or must not (Intel SDM vol. 2, each instruction's "Protected Mode
 * Exceptions"): a misaligned 16-byte legacy-SSE memory operand raises #GP
 * (SIGSEGV) but PMOVZX's 8-byte one and the PCMPxSTRx operands need no
 * alignment; register forms of memory-only instructions, undefined mandatory
 * prefixes and LOCK raise #UD (SIGILL); unmasked SIMD floating-point
 * exceptions of ROUNDSD and DPPS raise #XM (SIGFPE), ROUNDSD's imm8[3]
 * suppressing the precision one. Run under -cpu max (which has these).
 * Usage: guest-faults-sse4 CASE: runs one case; the process dies of the signal
 * the case raises (exit status 3: no such case).
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned char buffer[64] __attribute__((aligned(16)));

static void misaligned_ptest(void)
{
    __asm__ volatile("ptest (%0), %%xmm0" : : "r"(buffer + 1) : "cc", "memory");
}

static void misaligned_pmulld(void)
{
    __asm__ volatile("pmulld (%0), %%xmm0" : : "r"(buffer + 8) : "xmm0", "memory");
}

static void misaligned_aesenc(void)
{
    __asm__ volatile("aesenc (%0), %%xmm0" : : "r"(buffer + 4) : "xmm0", "memory");
}

static void misaligned_movntdqa(void)
{
    __asm__ volatile("movntdqa (%0), %%xmm0" : : "r"(buffer + 4) : "xmm0", "memory");
}

static void unaligned_pmovzx_pcmpistri(void)
{
    __asm__ volatile("pmovzxbw (%0), %%xmm0\n\tpcmpistri $0x0c, (%0), %%xmm0\n\t"
                     "pcmpestrm $0x40, 3(%0), %%xmm0"
                     : : "r"(buffer + 3) : "xmm0", "eax", "ecx", "edx", "cc", "memory");
}

static void movntdqa_register_form(void)
{
    __asm__ volatile(".byte 0x66, 0x0f, 0x38, 0x2a, 0xc1");
}

static void pmulld_without_66(void)
{
    __asm__ volatile(".byte 0x0f, 0x38, 0x40, 0xc1");
}

static void lock_pmulld(void)
{
    __asm__ volatile(".byte 0xf0, 0x66, 0x0f, 0x38, 0x40, 0x00" : : "a"(buffer) : "memory");
}

static void movbe_register_form(void)
{
    __asm__ volatile(".byte 0x0f, 0x38, 0xf0, 0xc1");
}

static void f3_0f38_f0(void)
{
    __asm__ volatile(".byte 0xf3, 0x0f, 0x38, 0xf0, 0xc1");
}

static void roundss_f2_prefix(void)
{
    __asm__ volatile(".byte 0xf2, 0x0f, 0x3a, 0x0a, 0xc1, 0x00");
}

static void with_mxcsr(unsigned csr, void (*body)(void))
{
    __asm__ volatile("ldmxcsr %0" : : "m"(csr));
    body();
    __asm__ volatile("ldmxcsr %0" : : "m"((unsigned){ 0x1f80 }));
}

static void roundsd_snan(void)
{
    static const unsigned long long snan[2] __attribute__((aligned(16))) = {
        0x7ff0000000000001ull, 0
    };
    __asm__ volatile("roundsd $0, %0, %%xmm0" : : "m"(snan) : "xmm0");
}

static void roundsd_inexact(void)
{
    static const double value[2] __attribute__((aligned(16))) = { 2.5, 0 };
    __asm__ volatile("roundsd $1, %0, %%xmm0" : : "m"(value) : "xmm0");
}

static void roundsd_inexact_suppressed(void)
{
    static const double value[2] __attribute__((aligned(16))) = { 2.5, 0 };
    __asm__ volatile("roundsd $9, %0, %%xmm0" : : "m"(value) : "xmm0");
}

static void dpps_overflow(void)
{
    static const float big[4] __attribute__((aligned(16))) = { 3e38f, 3e38f, 3e38f, 3e38f };
    __asm__ volatile("movaps %0, %%xmm0\n\tdpps $0xff, %0, %%xmm0" : : "m"(big) : "xmm0");
}

/* invalid (IM, bit 7), precision (PM, bit 12), overflow (OM, bit 10) unmasked */
static void unmasked_invalid_roundsd(void) { with_mxcsr(0x1f80 & ~0x80, roundsd_snan); }
static void unmasked_precision_roundsd(void) { with_mxcsr(0x1f80 & ~0x1000, roundsd_inexact); }
static void suppressed_precision_roundsd(void)
{
    with_mxcsr(0x1f80 & ~0x1000, roundsd_inexact_suppressed);
}
static void unmasked_overflow_dpps(void) { with_mxcsr(0x1f80 & ~0x400, dpps_overflow); }

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        { "misaligned ptest", misaligned_ptest },
        { "misaligned pmulld", misaligned_pmulld },
        { "misaligned aesenc", misaligned_aesenc },
        { "misaligned movntdqa", misaligned_movntdqa },
        { "unaligned pmovzxbw, pcmpistri, pcmpestrm", unaligned_pmovzx_pcmpistri },
        { "movntdqa register form", movntdqa_register_form },
        { "pmulld without 66", pmulld_without_66 },
        { "lock pmulld", lock_pmulld },
        { "movbe register form", movbe_register_form },
        { "F3 0F 38 F0", f3_0f38_f0 },
        { "roundss with F2", roundss_f2_prefix },
        { "unmasked invalid roundsd", unmasked_invalid_roundsd },
        { "unmasked precision roundsd", unmasked_precision_roundsd },
        { "suppressed precision roundsd", suppressed_precision_roundsd },
        { "unmasked overflow dpps", unmasked_overflow_dpps },
    };
    unsigned i = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    if (i >= sizeof(cases) / sizeof(cases[0])) {
        return 3;
    }
    printf("%s: ", cases[i].name);
    fflush(stdout);
    cases[i].run();
    printf("no signal\n");
    return 0;
}
