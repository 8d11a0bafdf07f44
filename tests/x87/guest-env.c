/*
 * x87 state details, printed for a native/emulated comparison:
 *  - FNSTENV and FNSAVE store the current status word, C1 included, after
 *    operations that set or clear C1 (FLD pushes, FPREM quotient bits,
 *    rounding up);
 *  - FLD and FADD/FCOM with m32fp/m64fp denormal (DE) and SNaN (IE)
 *    operands;
 *  - C1 (rounded up) after FST m32fp/m64fp and FIST under each rounding
 *    control, and FCOMPP (C1 = 0);
 *  - stack overflow and underflow of the transcendental, remainder and
 *    scale instructions (full, empty, ST(1) empty);
 *  - FCOM/FUCOM/FCOMI/FUCOMI/FTST flags with NaN, unsupported and denormal
 *    operands;
 *  - FNDISI, FNENI, FNSETPM (DB E1, E0, E4): no-ops since the 387;
 *  - SALC (D6) in 32-bit mode: AL = CF ? FF : 00; in 64-bit mode #UD
 *    (SIGILL).
 * Usage: guest-env
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf escape;

static void on_sigill(int sig)
{
    siglongjmp(escape, sig);
}

/* status word stored by FNSTENV (offset 4) and FNSAVE (same place) after
 * `insn` on ST(0) = a, ST(1) = b */
#define ENV_AFTER(insn, a, b) do { \
    uint32_t env[7], save[27]; uint16_t sw; long double x = (a), y = (b); \
    __asm__ volatile("fninit\n\tfldt %3\n\tfldt %4\n\t" insn "\n\tfnstsw %2\n\tfnstenv %0\n\t" \
                     "fldenv %0\n\tfnsave %1\n\tfninit" \
                     : "=m"(env), "=m"(save), "=m"(sw) : "m"(y), "m"(x)); \
    printf("%-22s sw=%04x env=%04x save=%04x\n", insn, sw, env[1] & 0xffff, save[1] & 0xffff); \
} while (0)

static void env_tests(void)
{
    ENV_AFTER("fld1", 1.0L, 2.0L);
    ENV_AFTER("fprem", 7.0L, 2.0L);            /* quotient 3: C1 = Q0 = 1 */
    ENV_AFTER("fprem", 6.0L, 2.0L);
    ENV_AFTER("fprem1", 7.0L, 2.0L);
    ENV_AFTER("fsqrt", 2.0L, 1.0L);             /* rounded: C1 from rounding */
    ENV_AFTER("fsqrt", 3.0L, 1.0L);
    ENV_AFTER("fsin", 1.0L, 1.0L);
    ENV_AFTER("fyl2x", 3.0L, 1.0L);
    ENV_AFTER("fdivr %%st(1), %%st", 3.0L, 1.0L);
    ENV_AFTER("fxam", -1.0L, 1.0L);
    ENV_AFTER("fld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\tfld %%st(0)\n\t"
              "fld %%st(0)\n\tfld %%st(0)", 1.0L, 1.0L);   /* overflow: C1 = 1 */
    ENV_AFTER("fnclex\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)", 1.0L, 1.0L);
}

/* stack faults: the pushing instructions with 7 or 8 registers in use,
 * the others on an empty stack or with ST(1) empty (SDM vol. 1, 8.5.1.1);
 * FNSAVE shows the whole register file and status word afterwards */
#define STACK_FAULT(setup, insn) do { \
    uint8_t save[108]; \
    __asm__ volatile("fninit\n\t" setup "\n\t" insn "\n\tfnsave %0" : "=m"(save)); \
    printf("%-10s %-8s sw=%02x%02x tag=%02x%02x st0=", setup[0] ? "full" : "empty", insn, \
           save[5], save[4], save[9], save[8]); \
    for (int k = 9; k >= 0; k--) { \
        printf("%02x", save[28 + k]); \
    } \
    printf(" st1="); \
    for (int k = 9; k >= 0; k--) { \
        printf("%02x", save[38 + k]); \
    } \
    printf("\n"); \
} while (0)

#define FILL7 "fldpi\n\tfld1\n\tfldl2t\n\tfldl2e\n\tfldlg2\n\tfldln2\n\tfldpi"
#define FILL8 FILL7 "\n\tfld1"

static void stack_faults(void)
{
    static const char *ops[] = { "fptan", "fsincos", "fxtract", "fsin", "f2xm1", "fyl2x",
                                 "fyl2xp1", "fpatan", "fprem", "fprem1", "fscale", "fsqrt" };
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        /* the asm strings must be literal: one expansion per operation */
        switch (i) {
#define CASE(n, s) case n: STACK_FAULT(FILL8, s); STACK_FAULT(FILL7, s); STACK_FAULT("", s); \
        STACK_FAULT("fld1", s); break;
        CASE(0, "fptan") CASE(1, "fsincos") CASE(2, "fxtract") CASE(3, "fsin")
        CASE(4, "f2xm1") CASE(5, "fyl2x") CASE(6, "fyl2xp1") CASE(7, "fpatan")
        CASE(8, "fprem") CASE(9, "fprem1") CASE(10, "fscale") CASE(11, "fsqrt")
#undef CASE
        }
    }
}

/* compares: FCOM raises IE for any NaN, FUCOM only for an SNaN; both for
 * unsupported encodings, DE for denormals (SDM vol. 2A, FCOM, FUCOM, FCOMI) */
static void compares(void)
{
    static const uint16_t se[] = { 0x3fff, 0x7fff, 0x7fff, 0x0000, 0x3fff, 0x7fff, 0xbfff };
    static const uint64_t mant[] = { 0x8000000000000000ull, 0xc000000000000001ull,
                                     0xa000000000000000ull, 0x0000000000000001ull,
                                     0x4000000000000000ull, 0x8000000000000000ull,
                                     0x8000000000000000ull };
    for (unsigned i = 0; i < 7; i++) {
        for (unsigned j = 0; j < 7; j += 2) {
            uint8_t a[10], b[10];
            uint16_t s1, s2, s3, s4, s5;
            unsigned long f1, f2;
            memcpy(a, &mant[i], 8);
            memcpy(a + 8, &se[i], 2);
            memcpy(b, &mant[j], 8);
            memcpy(b + 8, &se[j], 2);
            __asm__ volatile("fninit\n\tfldt %7\n\tfldt %8\n\tfcom %%st(1)\n\tfnstsw %0\n\t"
                             "fnclex\n\tfucom %%st(1)\n\tfnstsw %1\n\tfnclex\n\t"
                             "fcomi %%st(1), %%st\n\tpushf\n\tpop %5\n\tfnstsw %2\n\tfnclex\n\t"
                             "fucomi %%st(1), %%st\n\tpushf\n\tpop %6\n\tfnstsw %3\n\t"
                             "fnclex\n\tftst\n\tfnstsw %4\n\tfninit"
                             : "=m"(s1), "=m"(s2), "=m"(s3), "=m"(s4), "=m"(s5), "=r"(f1), "=r"(f2)
                             : "m"(b), "m"(a) : "cc");
            printf("cmp %u %u: fcom %04x fucom %04x fcomi %04x/%02x fucomi %04x/%02x ftst %04x\n",
                   i, j, s1, s2, s3, (unsigned)(f1 & 0x45), s4, (unsigned)(f2 & 0x45), s5);
        }
    }
}

static void load_flags(void)
{
    static const uint32_t f32[] = { 0x00000001, 0x807fffff, 0x7f800001, 0xffbfffff, 0x7fc00000,
                                    0x3f800000, 0x00800000 };
    static const uint64_t f64[] = { 1, 0x800fffffffffffffull, 0x7ff0000000000001ull,
                                    0x7ff8000000000000ull, 0x3ff0000000000000ull };
    for (unsigned i = 0; i < sizeof(f32) / sizeof(f32[0]); i++) {
        uint16_t s1, s2, s3;
        long double r;
        __asm__ volatile("fninit\n\tflds %4\n\tfnstsw %1\n\tfnclex\n\tfld1\n\tfadds %4\n\t"
                         "fnstsw %2\n\tfstp %%st(0)\n\tfnclex\n\tfld1\n\tfcomps %4\n\tfnstsw %3"
                         : "=t"(r), "=m"(s1), "=m"(s2), "=m"(s3) : "m"(f32[i]));
        printf("flds %08x: fld sw=%04x fadds sw=%04x fcoms sw=%04x\n", f32[i], s1, s2, s3);
    }
    for (unsigned i = 0; i < sizeof(f64) / sizeof(f64[0]); i++) {
        uint16_t s1, s2;
        long double r;
        __asm__ volatile("fninit\n\tfldl %3\n\tfnstsw %1\n\tfnclex\n\tfld1\n\tfmull %3\n\t"
                         "fnstsw %2\n\tfstp %%st(0)"
                         : "=t"(r), "=m"(s1), "=m"(s2) : "m"(f64[i]));
        printf("fldl %016llx: fld sw=%04x fmull sw=%04x\n", (unsigned long long)f64[i], s1, s2);
    }
}

/* C1 of stores that round (FST m32fp/m64fp, FIST) and of FCOM (C1 = 0) */
static void store_c1(void)
{
    static const long double v[] = { 1.0L / 3.0L, 2.0L / 3.0L, -1.0L / 3.0L, -2.0L / 3.0L, 0.5L,
                                     1e300L * 1e300L, 1.5L, 2.5L, -2.5L };
    for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (unsigned rc = 0; rc < 4; rc++) {
            uint16_t cw = (uint16_t)(0x37f | rc << 10), s1, s2, s3, s4;
            float f;
            double d;
            int32_t n;
            __asm__ volatile("fninit\n\tfldcw %4\n\tfldt %5\n\tfsts %6\n\tfnstsw %0\n\t"
                             "fstl %7\n\tfnstsw %1\n\tfistl %8\n\tfnstsw %2\n\tfld1\n\t"
                             "fcompp\n\tfnstsw %3\n\tfninit"
                             : "=m"(s1), "=m"(s2), "=m"(s3), "=m"(s4)
                             : "m"(cw), "m"(v[i]), "m"(f), "m"(d), "m"(n));
            printf("store %d rc %u: fsts sw=%04x fstl sw=%04x fistl sw=%04x fcompp sw=%04x\n",
                   i, rc, s1, s2, s3, s4);
        }
    }
}

static void legacy(void)
{
    uint16_t sw, cw, tw;
    uint32_t env[7];

    /* FNDISI, FNENI, FNSETPM between loads: state unchanged */
    __asm__ volatile("fninit\n\tfld1\n\t.byte 0xdb, 0xe1\n\t.byte 0xdb, 0xe0\n\t"
                     ".byte 0xdb, 0xe4\n\tfnstsw %0\n\tfnstcw %1\n\tfnstenv %3\n\tfninit"
                     : "=m"(sw), "=m"(cw), "=m"(tw), "=m"(env));
    printf("fndisi/fneni/fnsetpm: sw=%04x cw=%04x tag=%04x\n", sw, cw, env[2] & 0xffff);
#ifdef __i386__
    for (int cf = 0; cf < 2; cf++) {
        uint32_t eax = 0x12345678, flags;
        __asm__ volatile("cmp %2, %3\n\t.byte 0xd6\n\tpushf\n\tpop %1"
                         : "+a"(eax), "=r"(flags) : "r"(cf), "r"(0) : "cc");
        printf("salc cf=%d: eax=%08x flags=%03x\n", cf, eax, flags & 0x8d5);
    }
#else
    signal(SIGILL, on_sigill);
    if (sigsetjmp(escape, 1) == 0) {
        __asm__ volatile(".byte 0xd6");
        printf("salc in 64-bit mode: no fault\n");
    } else {
        printf("salc in 64-bit mode: SIGILL\n");
    }
#endif
}

int main(void)
{
    (void)on_sigill;
    (void)escape;
    env_tests();
    load_flags();
    store_c1();
    stack_faults();
    compares();
    legacy();
    return 0;
}
