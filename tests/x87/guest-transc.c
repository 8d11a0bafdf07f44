/*
 * x87 transcendental and partial-remainder instructions on random and edge
 * operands under every rounding/precision control word: F2XM1, FYL2X,
 * FYL2XP1, FPTAN, FSIN, FCOS, FSINCOS, FPATAN, FPREM, FPREM1, FSCALE,
 * FXTRACT, FXAM and the constant loads (SDM vol. 2A). Each line holds the
 * operation, a class letter, the operands, the raw 80-bit results and the
 * status word (C0-C3 and the exception flags, TOP aside):
 *   T  transcendental: the SDM allows an error below 1 ulp; the comparator
 *      (x87-compare.c) accepts a 1-ulp difference only when the emulated
 *      result is the correctly rounded one;
 *   E  exact: must match bit for bit.
 * Before each instruction FXAM sets C0-C3 from the operand, so that the
 * condition codes an instruction leaves undefined are compared from a known
 * state.
 * Built on the host with -DSOFT and target-i386/x87-transc.c, the F2XM1,
 * FYL2X, FYL2XP1, FSIN, FCOS, FPTAN and FSINCOS lines come from the
 * portable evaluation instead (the path of non-x86 hosts), judged against
 * the host's instructions.
 * Usage: guest-transc SEED COUNT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

/* xorshift64* (Vigna): reproducible operands from the seed */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static long double make(int sign, int exponent, uint64_t mantissa)
{
    unsigned char b[16] = { 0 };
    long double v;
    uint16_t se = (uint16_t)((sign ? 0x8000 : 0) | (exponent & 0x7fff));

    memcpy(b, &mantissa, 8);
    memcpy(b + 8, &se, 2);
    memcpy(&v, b, sizeof(v));
    return v;
}

/* any encoding: normals around a centre exponent, zeros, denormals,
 * pseudo-denormals, unnormals, infinities, pseudo-infinities, QNaN, SNaN,
 * pseudo-NaN */
static long double special(void)
{
    uint64_t r = rng(), m = rng();
    int s = r & 1;

    switch ((r >> 1) % 12) {
    case 0: return make(s, 0, 0);
    case 1: return make(s, 0, m >> 1);                       /* denormal */
    case 2: return make(s, 0, m | 1ull << 63);               /* pseudo-denormal */
    case 3: return make(s, 1 + (int)(m % 0x7ffe), m & ~(1ull << 63));   /* unnormal */
    case 4: return make(s, 0x7fff, 1ull << 63);              /* infinity */
    case 5: return make(s, 0x7fff, 0);                       /* pseudo-infinity */
    case 6: return make(s, 0x7fff, m | 3ull << 62);          /* QNaN */
    case 7: return make(s, 0x7fff, ((m | 1) & ~(1ull << 62)) | 1ull << 63);   /* SNaN */
    case 8: return make(s, 0x7fff, (m | 1) & ~(1ull << 63)); /* pseudo-NaN */
    case 9: return make(s, 1 + (int)(m % 0x7ffe), m | 1ull << 63);
    case 10: return make(s, (r >> 8) & 1 ? 1 : 0x7ffe, m | 1ull << 63);
    default: return make(s, 0x3fff - (int)((r >> 8) % 80), m | 1ull << 63);
    }
}

/* a normal number of exponent in [lo, hi] (biased), random sign if !pos */
static long double normal(int lo, int hi, int pos)
{
    uint64_t r = rng();
    return make(!pos && (r & 1), lo + (int)((r >> 1) % (unsigned)(hi - lo + 1)),
                rng() | 1ull << 63);
}

static void hex(long double v)
{
    unsigned char b[10];

    memcpy(b, &v, 10);
    printf(" %02x%02x:%02x%02x%02x%02x%02x%02x%02x%02x", b[9], b[8], b[7], b[6], b[5], b[4],
           b[3], b[2], b[1], b[0]);
}

/* TOP is left out: the operations below push and pop symmetrically */
static void line(const char *op, char cls, int n_in, long double a, long double b, int n_out,
                 long double r0, long double r1, uint16_t sw)
{
    printf("%s %c", op, cls);
    hex(a);
    if (n_in > 1) {
        hex(b);
    }
    printf(" ->");
    hex(r0);
    if (n_out > 1) {
        hex(r1);
    }
    printf(" sw=%04x\n", sw & 0x47ff);
}

/* one-operand instructions that replace ST(0) */
#define UNARY(insn) do { \
    long double r; uint16_t sw; \
    __asm__ volatile("fnclex\n\tfxam\n\t" insn "\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "0"(a)); \
    line(insn, cls, 1, a, 0, 1, r, 0, sw); \
} while (0)

/* ST(1) = f(ST(1), ST(0)), pop */
#define POPPING(insn) do { \
    long double r; uint16_t sw; \
    __asm__ volatile("fnclex\n\tfxam\n\t" insn "\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "0"(a), "u"(b) \
                     : "st(1)"); \
    line(insn, cls, 2, a, b, 1, r, 0, sw); \
} while (0)

/* ST(0) = f(ST(0), ST(1)), ST(1) kept */
#define BINARY(insn) do { \
    long double r, other; uint16_t sw; \
    __asm__ volatile("fnclex\n\tfxam\n\t" insn "\n\tfnstsw %1" : "=t"(r), "=m"(sw), "=u"(other) \
                     : "0"(a), "2"(b)); \
    line(insn, cls, 2, a, b, 2, r, other, sw); \
} while (0)

/* ST(0) replaced and a second value pushed; an out-of-range operand
 * (C2 = 1) pushes nothing, so the test duplicates it to keep the stack */
#define PUSHING(insn) do { \
    long double r, r1; uint16_t sw; \
    __asm__ volatile("fnclex\n\tfxam\n\t" insn "\n\tfnstsw %2\n\ttestw $0x400, %2\n\t" \
                     "jz 1f\n\tfld %%st(0)\n1:" : "=t"(r), "=u"(r1), "=m"(sw) : "0"(a) : "cc"); \
    line(insn, cls, 1, a, 0, 2, r, r1, sw); \
} while (0)

#ifdef SOFT
#include "target-i386/x87-soft.h"

static X87Float soft(long double v)
{
    X87Float f;

    memcpy(&f.mant, &v, 8);
    memcpy(&f.se, (char *)&v + 8, 2);
    return f;
}

static long double hard(X87Float f)
{
    long double v = 0;

    memcpy(&v, &f.mant, 8);
    memcpy((char *)&v + 8, &f.se, 2);
    return v;
}

/* the status word after FNCLEX and FXAM, then the flags and C1 (and C2 of
 * the trigonometric instructions) of one portable operation, which leaves
 * C0, C3 (and C2) alone */
static void soft_op(const char *op, char cls, long double a, long double b)
{
    static const char *trig[4] = { "fsin", "fcos", "fsincos", "fptan" };
    uint16_t cw, sw, flags = 0;
    unsigned rc, n_out = 1, n_in = 1;
    X87Float r[2];

    __asm__ volatile("fnstcw %0\n\tfnclex\n\tfxam\n\tfnstsw %1" : "=m"(cw), "=m"(sw) : "t"(a));
    rc = (cw >> 10) & 3;
    if (!strcmp(op, "f2xm1")) {
        r[0] = x87_f2xm1(soft(a), rc, &flags);
    } else if (!strcmp(op, "fyl2x")) {
        r[0] = x87_fyl2x(soft(a), soft(b), rc, &flags);
        n_in = 2;
    } else if (!strcmp(op, "fyl2xp1")) {
        r[0] = x87_fyl2xp1(soft(a), soft(b), rc, &flags);
        n_in = 2;
    } else if (!strcmp(op, "fpatan")) {
        r[0] = x87_fpatan(soft(a), soft(b), rc, &flags);
        n_in = 2;
    } else {
        unsigned t = 0;
        while (strcmp(op, trig[t])) {
            t++;
        }
        sw &= (uint16_t)~0x400;
        if ((soft(a).se & 0x7fff) >= 0x3fff + 63 && (soft(a).se & 0x7fff) != 0x7fff &&
            soft(a).mant >> 63) {
            /* out of range: C2 = 1, the operand stays (SDM vol. 2A, FSIN) */
            line(op, cls, 1, a, 0, strcmp(op, "fsin") && strcmp(op, "fcos") ? 2 : 1, a, a,
                 (uint16_t)((sw & ~X87_C1) | 0x400));
            return;
        }
        x87_trig(soft(a), t, rc, r, &flags);
        if (t >= 2) {
            /* ST(0) is the pushed value: cos, or 1.0 for FPTAN */
            X87Float first = r[0];
            r[0] = r[1];
            r[1] = first;
            n_out = 2;
        }
    }
    sw = (uint16_t)((sw & ~(X87_C1 | 0x3f)) | flags);
    line(op, cls, n_in, a, b, (int)n_out, hard(r[0]), hard(r[1]), sw);
}
#define UNARY_T(insn) soft_op(insn, cls, a, b)
#define POPPING_T(insn) soft_op(insn, cls, a, b)
#define PUSHING_T(insn) soft_op(insn, cls, a, b)
#else
#define UNARY_T UNARY
#define POPPING_T POPPING
#define PUSHING_T PUSHING
#endif

static void transcendental(long double a, long double b, char cls)
{
    UNARY_T("f2xm1");
    POPPING_T("fyl2x");
    POPPING_T("fyl2xp1");
    POPPING_T("fpatan");
    UNARY_T("fsin");
    UNARY_T("fcos");
    PUSHING_T("fptan");
    PUSHING_T("fsincos");
}

static void exact(long double a, long double b)
{
    char cls = 'E';

    BINARY("fprem");
    BINARY("fprem1");
    BINARY("fscale");
    PUSHING("fxtract");
    UNARY("fxam");
}

static void constants(void)
{
    static const char *names[7] = { "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2",
                                     "fldz" };
    long double v[7];
    uint16_t sw;

    __asm__ volatile("fld1\n\tfstpt %0\n\tfldl2t\n\tfstpt %1\n\tfldl2e\n\tfstpt %2\n\t"
                     "fldpi\n\tfstpt %3\n\tfldlg2\n\tfstpt %4\n\tfldln2\n\tfstpt %5\n\t"
                     "fldz\n\tfstpt %6\n\tfnstsw %7"
                     : "=m"(v[0]), "=m"(v[1]), "=m"(v[2]), "=m"(v[3]), "=m"(v[4]), "=m"(v[5]),
                       "=m"(v[6]), "=m"(sw));
    for (int i = 0; i < 7; i++) {
        line(names[i], 'E', 1, 0, 0, 1, v[i], 0, sw);
    }
}

int main(int argc, char **argv)
{
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
    uint16_t cw, saved;

    __asm__ volatile("fnstcw %0" : "=m"(saved));
    for (unsigned pc = 0; pc < 4; pc++) {
        for (unsigned rc = 0; rc < 4; rc++) {
            rng_state = 0x9e3779b97f4a7c15ull * (argc > 1 ? (uint64_t)atoi(argv[1]) : 1) + 1;
            cw = (uint16_t)(0x7f | pc << 8 | rc << 10);
            printf("control word %04x\n", cw);
            __asm__ volatile("fldcw %0" : : "m"(cw));
            constants();
            for (unsigned n = 0; n < count; n++) {
                /* in-domain operands: |x| < 1 for F2XM1 and FYL2XP1's bound,
                 * tiny ones, then any encoding with classes 'E' */
                long double a = normal(0x3fff - 70, 0x3ffe, 0), b = normal(0x3ff0, 0x400f, 0);
                transcendental(a, b, 'T');
                a = normal(0x3fff - 16400, 0x3fff - 60, 0);
                transcendental(a, b, 'T');
                a = normal(0x3fff - 3, 0x3fff + 62, 0);
                transcendental(a, normal(0x3fff - 3, 0x3fff + 62, 0), 'T');
                a = special();
                b = (rng() & 3) ? special() : normal(0x3fff - 3, 0x3fff + 3, 0);
                transcendental(a, b, 'S');
                /* FPREM: small and huge exponent gaps, FSCALE: exponents */
                exact(normal(0x3fff, 0x3fff + 120, 0), normal(0x3fff - 3, 0x3fff + 3, 0));
                exact(normal(0x3fff - 8, 0x3fff + 8, 0), normal(0x3fff - 8, 0x3fff + 8, 0));
                exact(special(), special());
                exact(normal(1, 0x7ffe, 0), special());
                exact(normal(1, 0x7ffe, 0), normal(1, 0x7ffe, 0));
                /* FPREM1 ties: a = b * k / 2 exactly (b has few bits) */
                b = make(rng() & 1, 0x3fff - 200 + (int)(rng() % 400), (rng() | 1ull << 63) & ~0ull << 40);
                exact(b * (long double)(rng() % 4096) * 0.5L, b);
                exact(special(), normal(0x3fff - 3, 0x3fff + 20, 0));
            }
            __asm__ volatile("fldcw %0" : : "m"(saved));
        }
    }
    return 0;
}
