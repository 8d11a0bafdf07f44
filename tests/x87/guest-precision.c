/*
 * x87 precision and rounding control: for every precision-control value
 * (FPUCW bits 8-9: 00 24-bit, 01 reserved, 10 53-bit, 11 64-bit) and every
 * rounding control (bits 10-11) loaded with FLDCW, runs FADD/FSUB/FSUBR/
 * FMUL/FDIV/FDIVR (register, reverse-register, popping, m32fp, m64fp, m32int
 * and m16int forms) and FSQRT on random and edge operands, plus FRNDINT and
 * FST m32/m64 that precision control does not affect (SDM vol. 1, 8.1.5.2),
 * and prints each raw 80-bit result (hex) with the exception flags and C1
 * (rounded up). The
 * output is compared between a native run and an emulated one.
 * Usage: guest-precision SEED COUNT
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

/* a random operand: mostly normal numbers near 1 whose low mantissa bits
 * sit around the 24-, 53- and 64-bit rounding points, sometimes anything */
static long double random_operand(void)
{
    uint64_t r = rng(), m = rng() | (1ull << 63);
    int e = 0x3fff + (int)(r % 9) - 4;

    switch ((r >> 8) % 8) {
    case 0: { /* a tie or near-tie: the half-ulp bit of 24 or 53 bits, or the
               * last bit (a tie for 64 bits once shifted by the addition) */
        static const int half_ulp[3] = { 39, 10, 0 };
        m = (1ull << 63) | (1ull << half_ulp[(r >> 16) % 3]);
        m += (r >> 24) % 3 - 1;
        break;
    }
    case 1:   /* few significant bits: exact results happen */
        m &= ~0ull << 40;
        break;
    case 2:   /* the whole exponent range, denormals (exponent 0) included */
        e = (int)(rng() % 0x7fff);
        if (e == 0) {
            m &= ~(1ull << 63);
        }
        break;
    case 3:   /* near the overflow and underflow thresholds */
        e = (r >> 16) & 1 ? 0x7ffe - (int)((r >> 20) % 3) : 1 + (int)((r >> 20) % 3);
        break;
    default:
        break;
    }
    return make((r >> 40) & 1, e, m);
}

static const long double edge[] = {
    0.0L, -0.0L, 1.0L, -1.0L, 3.0L, 0.1L, 1.0L / 3.0L, 2.0L / 3.0L, 1e300L, -1e-300L,
    1.0e4931L, 3.6e-4951L, 1.0L + 0x1p-24L, 1.0L + 0x1p-53L, 1.0L + 0x1p-63L,
    16777215.0L, 9007199254740991.0L, 0x1.fffffep127L, 0x1.fffffffffffffp1023L,
    __builtin_infl(), -__builtin_infl(), __builtin_nanl(""),
};
#define NEDGE (sizeof(edge) / sizeof(edge[0]))

static void print(const char *what, long double v, uint16_t sw)
{
    unsigned char b[10];

    memcpy(b, &v, 10);
    printf("%-7s %02x%02x %02x%02x%02x%02x%02x%02x%02x%02x fl=%02x\n", what, b[9], b[8], b[7],
           b[6], b[5], b[4], b[3], b[2], b[1], b[0], sw & 0x23d);
}

/* each operation starts with clear exception flags and ends with FNSTSW */
#define BINARY(name, insn) do { \
    long double r, other; uint16_t sw; \
    __asm__ volatile("fnclex\n\t" insn "\n\tfnstsw %1" : "=t"(r), "=m"(sw), "=u"(other) \
                     : "0"(a), "2"(b)); \
    print(name, r, sw); \
} while (0)

#define POPPING(name, insn) do { \
    long double r; uint16_t sw; \
    __asm__ volatile("fnclex\n\t" insn "\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "0"(a), "u"(b) \
                     : "st(1)"); \
    print(name, r, sw); \
} while (0)

#define MEMORY(name, insn, operand) do { \
    long double r; uint16_t sw; \
    __asm__ volatile("fnclex\n\t" insn " %2\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "m"(operand), \
                     "0"(a)); \
    print(name, r, sw); \
} while (0)

static void binary_ops(long double a, long double b)
{
    float f = (float)b;
    double d = (double)b;
    int32_t i32 = (int32_t)(rng() >> 33) - (1 << 29);
    int16_t i16 = (int16_t)rng();

    BINARY("fadd", "fadd %%st(1), %%st");
    BINARY("fsub", "fsub %%st(1), %%st");
    BINARY("fsubr", "fsubr %%st(1), %%st");
    BINARY("fmul", "fmul %%st(1), %%st");
    BINARY("fdiv", "fdiv %%st(1), %%st");
    BINARY("fdivr", "fdivr %%st(1), %%st");
    /* DC forms: ST(1) = ST(1) op ST(0), then FXCH brings it back to ST(0)
     * (gas swaps the SUB/SUBR and DIV/DIVR names of these encodings) */
    BINARY("faddi", "fadd %%st, %%st(1)\n\tfxch");
    BINARY("fsubi", "fsub %%st, %%st(1)\n\tfxch");
    BINARY("fdivi", "fdiv %%st, %%st(1)\n\tfxch");
    BINARY("fdivri", "fdivr %%st, %%st(1)\n\tfxch");
    /* DE forms pop: the result lands in the old ST(1) */
    POPPING("fmulp", "fmulp");
    POPPING("fsubrp", "fsubrp");
    MEMORY("fadds", "fadds", f);
    MEMORY("fmull", "fmull", d);
    MEMORY("fdivs", "fdivs", f);
    MEMORY("fsubrl", "fsubrl", d);
    MEMORY("fiaddl", "fiaddl", i32);
    MEMORY("fimuls", "fimuls", i16);
    MEMORY("fidivl", "fidivl", i32);
}

static void unary_ops(long double a)
{
    long double r;
    uint16_t sw;
    float f;
    double d;

    __asm__ volatile("fnclex\n\tfsqrt\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "0"(a));
    print("fsqrt", r, sw);
    __asm__ volatile("fnclex\n\tfrndint\n\tfnstsw %1" : "=t"(r), "=m"(sw) : "0"(a));
    print("frndint", r, sw);
    __asm__ volatile("fnclex\n\tfsts %0\n\tfnstsw %1" : "=m"(f), "=m"(sw) : "t"(a));
    print("fsts", f, sw);
    __asm__ volatile("fnclex\n\tfstl %0\n\tfnstsw %1" : "=m"(d), "=m"(sw) : "t"(a));
    print("fstl", d, sw);
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
            for (unsigned i = 0; i < NEDGE; i++) {
                unary_ops(edge[i]);
                for (unsigned j = 0; j < NEDGE; j += 3) {
                    binary_ops(edge[i], edge[(i + j) % NEDGE]);
                }
            }
            for (unsigned n = 0; n < count; n++) {
                long double a = random_operand(), b = random_operand();
                unary_ops(a);
                binary_ops(a, b);
            }
            __asm__ volatile("fldcw %0" : : "m"(saved));
        }
    }
    return 0;
}
