/*
 * Guest program for the SSE suite: instructions that must fault. A misaligned
 * MOVDQA/MOVAPS/PADDB memory operand raises #GP (SIGSEGV), an SSE opcode with
 * no register form raises #UD (SIGILL), LDMXCSR with a reserved bit raises #GP,
 * an unmasked SIMD floating-point exception raises #XM (SIGFPE); the same
 * for SSE3/SSSE3 (alignment, undefined prefixes in the 0F 38/0F 3A maps).
 * Usage: guest-faults CASE: runs one case; the process dies of the signal the
 * case raises (exit status 3: no such case). Native and emulated runs must end
 * the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char buffer[64] __attribute__((aligned(16)));

static void misaligned_movdqa(void)
{
    __asm__ volatile("movdqa (%0), %%xmm0" : : "r"(buffer + 1) : "xmm0", "memory");
}

static void misaligned_movaps_store(void)
{
    __asm__ volatile("movaps %%xmm0, (%0)" : : "r"(buffer + 8) : "memory");
}

static void misaligned_paddb(void)
{
    __asm__ volatile("paddb (%0), %%xmm0" : : "r"(buffer + 4) : "xmm0", "memory");
}

static void aligned_movdqa(void)
{
    __asm__ volatile("movdqa (%0), %%xmm0" : : "r"(buffer + 16) : "xmm0", "memory");
}

static void unaligned_movdqu(void)
{
    __asm__ volatile("movdqu (%0), %%xmm0" : : "r"(buffer + 3) : "xmm0", "memory");
}

static void movlpd_register_form(void)
{
    /* 66 0F 12 with mod = 3 (MOVLPD xmm, xmm) does not exist */
    __asm__ volatile(".byte 0x66, 0x0f, 0x12, 0xc1");
}

static void movntdq_register_form(void)
{
    __asm__ volatile(".byte 0x66, 0x0f, 0xe7, 0xc1");
}

static void ldmxcsr_reserved(void)
{
    static unsigned value __attribute__((aligned(4))) = 0x11f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(value));
}

static void ldmxcsr_valid(void)
{
    static unsigned value = 0x1f80, readback;
    __asm__ volatile("ldmxcsr %1\n\tstmxcsr %0" : "=m"(readback) : "m"(value));
}

/* FXSAVE/FXRSTOR round trip of XMM registers and MXCSR, and #GP when misaligned */
static unsigned char fxsave_area[512 + 16] __attribute__((aligned(16)));

static void fxsave_round_trip(void)
{
    static const unsigned long long pattern[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
    static unsigned long long readback[2];
    static unsigned csr = 0x3f80, csr_after;
    __asm__ volatile("movdqu %2, %%xmm5\n\t"
                     "ldmxcsr %3\n\t"
                     "fxsave %4\n\t"
                     "pxor %%xmm5, %%xmm5\n\t"
                     "fxrstor %4\n\t"
                     "movdqu %%xmm5, %0\n\t"
                     "stmxcsr %1"
                     : "=m"(readback), "=m"(csr_after)
                     : "m"(pattern), "m"(csr), "m"(fxsave_area) : "xmm5", "memory");
    if (readback[0] != pattern[0] || readback[1] != pattern[1] || csr_after != csr) {
        printf("fxsave/fxrstor lost state\n");
    }
    unsigned saved_csr, saved_mask;
    memcpy(&saved_csr, fxsave_area + 24, 4);
    memcpy(&saved_mask, fxsave_area + 28, 4);
    printf("fxsave mxcsr %#x, xmm5 %s\n", saved_csr,
           memcmp(fxsave_area + 160 + 5 * 16, pattern, 16) == 0 ? "saved" : "not saved");
    (void)saved_mask;
    __asm__ volatile("ldmxcsr %0" : : "m"((unsigned){ 0x1f80 }));
}

static void misaligned_fxsave(void)
{
    __asm__ volatile("fxsave %0" : "=m"(*(char (*)[512])(fxsave_area + 8)));
}

/* MXCSR with divide-by-zero unmasked: DIVSS by zero is a #XM fault (SIGFPE);
 * an exact division raises nothing */
static void unmasked_divide(float divisor)
{
    static unsigned csr = 0x1f80 & ~0x200;
    float x = 1.0f;
    __asm__ volatile("ldmxcsr %1\n\tdivss %2, %0" : "+x"(x) : "m"(csr), "x"(divisor));
    __asm__ volatile("ldmxcsr %0" : : "m"((unsigned){ 0x1f80 }));
}

static void unmasked_divide_by_zero(void)
{
    unmasked_divide(0.0f);
}

static void unmasked_exact_divide(void)
{
    unmasked_divide(2.0f);
}

/* SSE3/SSSE3: 128-bit memory operands must be aligned except for LDDQU and
 * the MMX forms; MOVDDUP reads 8 bytes; undefined prefix/opcode pairs are #UD */
static void misaligned_haddps(void)
{
    __asm__ volatile("haddps (%0), %%xmm0" : : "r"(buffer + 4) : "xmm0", "memory");
}

static void misaligned_movsldup(void)
{
    __asm__ volatile("movsldup (%0), %%xmm0" : : "r"(buffer + 8) : "xmm0", "memory");
}

static void misaligned_pshufb(void)
{
    __asm__ volatile("pshufb (%0), %%xmm0" : : "r"(buffer + 1) : "xmm0", "memory");
}

static void misaligned_palignr(void)
{
    __asm__ volatile("palignr $3, (%0), %%xmm0" : : "r"(buffer + 2) : "xmm0", "memory");
}

static void unaligned_sse3_loads(void)
{
    __asm__ volatile("lddqu (%0), %%xmm0\n\tmovddup 1(%0), %%xmm1\n\t"
                     "pshufb 3(%0), %%mm0\n\tpalignr $5, 5(%0), %%mm1\n\temms"
                     : : "r"(buffer + 1) : "xmm0", "xmm1", "mm0", "mm1", "memory");
}

static void lddqu_register_form(void)
{
    __asm__ volatile(".byte 0xf2, 0x0f, 0xf0, 0xc1");
}

static void pshufb_f3_prefix(void)
{
    __asm__ volatile(".byte 0xf3, 0x0f, 0x38, 0x00, 0xc1");
}

static void undefined_0f38_opcode(void)
{
    __asm__ volatile(".byte 0x0f, 0x38, 0x0c, 0xc1");
}

static void palignr_f2_prefix(void)
{
    __asm__ volatile(".byte 0xf2, 0x0f, 0x3a, 0x0f, 0xc1, 0x01");
}

/* HADDPS on a signalling NaN with invalid unmasked: #XM (SIGFPE) */
static void unmasked_invalid_haddps(void)
{
    static unsigned csr = 0x1f80 & ~0x80;
    static const unsigned nan[4] __attribute__((aligned(16))) = { 0x7f800001, 0, 0, 0 };
    __asm__ volatile("ldmxcsr %0\n\tmovaps %1, %%xmm0\n\thaddps %%xmm0, %%xmm0"
                     : : "m"(csr), "m"(nan) : "xmm0");
    __asm__ volatile("ldmxcsr %0" : : "m"((unsigned){ 0x1f80 }));
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        { "misaligned movdqa", misaligned_movdqa },
        { "misaligned movaps store", misaligned_movaps_store },
        { "misaligned paddb", misaligned_paddb },
        { "aligned movdqa", aligned_movdqa },
        { "unaligned movdqu", unaligned_movdqu },
        { "movlpd register form", movlpd_register_form },
        { "movntdq register form", movntdq_register_form },
        { "ldmxcsr reserved bit", ldmxcsr_reserved },
        { "ldmxcsr valid", ldmxcsr_valid },
        { "fxsave round trip", fxsave_round_trip },
        { "misaligned fxsave", misaligned_fxsave },
        { "unmasked divide by zero", unmasked_divide_by_zero },
        { "unmasked exact divide", unmasked_exact_divide },
        { "misaligned haddps", misaligned_haddps },
        { "misaligned movsldup", misaligned_movsldup },
        { "misaligned pshufb", misaligned_pshufb },
        { "misaligned palignr", misaligned_palignr },
        { "unaligned lddqu, movddup, MMX pshufb/palignr", unaligned_sse3_loads },
        { "lddqu register form", lddqu_register_form },
        { "pshufb with F3", pshufb_f3_prefix },
        { "undefined 0F 38 0C", undefined_0f38_opcode },
        { "palignr with F2", palignr_f2_prefix },
        { "unmasked invalid haddps", unmasked_invalid_haddps },
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
