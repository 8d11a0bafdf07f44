/*
 * Guest program for the SSE suite: instructions that must fault. A misaligned
 * MOVDQA/MOVAPS/PADDB memory operand raises #GP (SIGSEGV), an SSE opcode with
 * no register form raises #UD (SIGILL), LDMXCSR with a reserved bit raises #GP,
 * an unmasked SIMD floating-point exception raises #XM (SIGFPE).
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
