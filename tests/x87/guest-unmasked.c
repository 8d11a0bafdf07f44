/*
 * What an x87 instruction leaves when it raises an unmasked exception
 * (Intel SDM vol. 1, 8.5 and 4.9.2): the stores FST/FSTP m32fp/m64fp/m80fp,
 * FIST/FISTP/FISTTP and FBSTP store nothing on an unmasked invalid
 * operation, overflow or underflow and leave the stack (TOP, tags) as it
 * was; FSCALE, FPREM/FPREM1 and the transcendental instructions deliver the
 * bias-adjusted result of an unmasked overflow or underflow (SDM vol. 1,
 * 8.5.4, 8.5.5) and set ES. Each case loads its operands under a control
 * word, runs the instruction, then FNSAVE (which does not wait, so no #MF
 * is taken) and prints the status and tag words, the registers and the
 * memory destination, for a native/emulated comparison. Then 3,000 random
 * cases: stores, FSCALE, FMUL, FDIVP, FADDP, FSQRT, FPREM, FRNDINT,
 * FXTRACT, FYL2X, FPATAN, FSINCOS, F2XM1 and FYL2XP1 on edge operands (denormals, SNaN, huge, tiny) under random
 * masks, rounding and precision controls.
 * Usage: guest-unmasked
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct x87_save {
    uint16_t cw, r0, sw, r1, tw, r2;
    uint32_t ptrs[4];
    uint8_t st[8][10];
} __attribute__((packed));

static struct x87_save save;
static uint8_t dest[16];
static uint16_t cw;
static long double a, b;

static void show(const char *name)
{
    printf("%-28s cw=%04x sw=%04x tw=%04x mem=", name, cw, save.sw, save.tw);
    for (int i = 0; i < 10; i++) {
        printf("%02x", dest[i]);
    }
    /* FNSAVE stores ST(0)..ST(7); the full tag word is by physical register */
    unsigned top = (save.sw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        if (((save.tw >> (2 * ((top + i) & 7))) & 3) != 3) {
            uint64_t m;
            uint16_t se;
            memcpy(&m, save.st[i], 8);
            memcpy(&se, save.st[i] + 8, 2);
            printf(" st%d=%04x:%016llx", i, se, (unsigned long long)m);
        }
    }
    printf("\n");
}

/* ST(1) = b, ST(0) = a (push order b, a), then insn, then FNSAVE */
#define CASE(name, control, va, vb, insn) do { \
    cw = (control); a = (va); b = (vb); \
    memset(dest, 0xaa, sizeof(dest)); \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn "\n\t" \
                     "fnsave %[save]\n\tfninit" \
                     : [save] "=m"(save), [m] "+m"(dest) \
                     : [cw] "m"(cw), [a] "m"(a), [b] "m"(b) : "memory"); \
    show(name); \
} while (0)

/* a value from its encoding */
static long double bits(uint16_t se, uint64_t mant)
{
    long double v = 0;
    memcpy(&v, &mant, 8);
    memcpy((char *)&v + 8, &se, 2);
    return v;
}

#define IM 0x37e     /* invalid operation unmasked */
#define OM 0x377     /* overflow unmasked */
#define UM 0x36f     /* underflow unmasked */
#define PM 0x35f     /* precision unmasked */
#define OUM 0x367    /* overflow and underflow unmasked */

static void stores(void)
{
    long double snan = bits(0x7fff, 0xa000000000000000ull), qnan = bits(0xffff, 3ull << 62);
    long double huge = 1e4000L, tiny = 1e-4000L, inf = bits(0x7fff, 1ull << 63);

    for (int k = 0; k < 2; k++) {
        uint16_t c = k ? IM : 0x37f;
        const char *s = k ? " IM" : "";
        char n[64];
#define S(what, v, insn) snprintf(n, sizeof(n), "%s%s", what, s); CASE(n, c, v, 1.0L, insn)
        S("fsts snan", snan, "fsts %[m]");
        S("fstps snan", snan, "fstps %[m]");
        S("fstl snan", snan, "fstl %[m]");
        S("fstpl snan", snan, "fstpl %[m]");
        S("fstpt empty", 0, "fstp %%st(0)\n\tfstp %%st(0)\n\tfstpt %[m]");
        S("fsts empty", 0, "fstp %%st(0)\n\tfstp %%st(0)\n\tfsts %[m]");
        S("fst st(3) empty", 0, "fstp %%st(0)\n\tfstp %%st(0)\n\tfst %%st(3)");
        S("fists 1e10", 1e10L, "fists %[m]");
        S("fistps 40000", 40000.0L, "fistps %[m]");
        S("fistl qnan", qnan, "fistl %[m]");
        S("fistpl -3e9", -3e9L, "fistpl %[m]");
        S("fistpll inf", inf, "fistpll %[m]");
        S("fisttps 32768.5", 32768.5L, "fisttps %[m]");
        S("fisttpl 3e9", 3e9L, "fisttpl %[m]");
        S("fisttpll -1e19", -1e19L, "fisttpll %[m]");
        S("fbstp 1e18", 1e18L, "fbstp %[m]");
        S("fbstp qnan", qnan, "fbstp %[m]");
        S("fbstp 12345.5", 12345.5L, "fbstp %[m]");
        S("fistp 2.5 (PE only)", 2.5L, "fistps %[m]");
#undef S
    }
    /* overflow and underflow of a narrowing store, unmasked: nothing stored */
    CASE("fsts huge OM", OM, huge, 1.0L, "fsts %[m]");
    CASE("fstps huge OM", OM, huge, 1.0L, "fstps %[m]");
    CASE("fstl huge OM", OM, huge, 1.0L, "fstl %[m]");
    CASE("fstps tiny UM", UM, tiny, 1.0L, "fstps %[m]");
    CASE("fstpl tiny UM", UM, tiny, 1.0L, "fstpl %[m]");
    CASE("fstps 1e-40 UM", UM, 1e-40L, 1.0L, "fstps %[m]");
    CASE("fstps 0.1 PM", PM, 0.1L, 1.0L, "fstps %[m]");
    CASE("fstps 2^-149 UM exact", UM, 0x1p-149L, 1.0L, "fstps %[m]");
}

static void biased(void)
{
    long double den = bits(0x0000, 0x0000000012345678ull);
    uint16_t cws[4] = { 0x37f, OM, UM, OUM };

    for (int k = 0; k < 4; k++) {
        uint16_t c = cws[k] | 0x400 * (k & 1);   /* round down for some */
        CASE("fscale over", c, 1.5L, 20000.0L, "fscale");
        CASE("fscale over neg", c, -1.25L, 16384.0L, "fscale");
        CASE("fscale far over", c, 1.5L, 60000.0L, "fscale");
        CASE("fscale under", c, 1.5L, -20000.0L, "fscale");
        CASE("fscale under exact", c, 1.0L, -16400.0L, "fscale");
        CASE("fscale under inexact", c, 1.000000000000000001L, -16390.0L, "fscale");
        CASE("fscale far under", c, -1.5L, -60000.0L, "fscale");
        CASE("fscale normal", c, 1.5L, 3.0L, "fscale");
        CASE("f2xm1 denormal", c, den, 0, "f2xm1");
        CASE("f2xm1 tiny", c, 0x1p-16380L, 0, "f2xm1");
        CASE("f2xm1 -tiny", c, -0x1.8p-16381L, 0, "f2xm1");
        CASE("fyl2x over", c, 0x1p16000L, 0x1p16380L, "fyl2x");
        CASE("fyl2x over neg", c, 0x1p-16000L, 0x1p16380L, "fyl2x");
        CASE("fyl2x under", c, 1.5L, 0x1p-16382L, "fyl2x");
        CASE("fyl2xp1 under", c, 0x1p-100L, 0x1p-16300L, "fyl2xp1");
        CASE("fyl2xp1 over", c, 0.25L, 0x1.fp16383L, "fyl2xp1");
        CASE("fpatan under", c, 0x1p10L, 0x1p-16382L, "fpatan");
        CASE("fpatan under neg", c, 0x1p20L, -0x1.8p-16370L, "fpatan");
        CASE("fptan denormal", c, den, 0, "fptan");
        CASE("fsin denormal", c, -den, 0, "fsin");
        CASE("fsin tiny", c, 0x1.8p-16382L, 0, "fsin");
        CASE("fcos denormal", c, den, 0, "fcos");
        CASE("fsincos denormal", c, den, 0, "fsincos");
        CASE("fprem tiny", c, 0x1.8p-16381L, 0x1.4p-16381L, "fprem");
        CASE("fprem1 tiny", c, 0x1.8p-16381L, 0x1.4p-16381L, "fprem1");
        CASE("fxtract denormal", c, den, 0, "fxtract");
        CASE("fsqrt tiny", c, 0x1p-16382L, 0, "fsqrt");
        CASE("fadd under", c, 0x1.8p-16382L, -0x1.4p-16382L, "fadd %%st(1), %%st");
        CASE("fmul over", c, 0x1p16000L, 0x1p16000L, "fmul %%st(1), %%st");
        CASE("fmul under", c, 0x1p-16000L, 0x1.8p-16000L, "fmul %%st(1), %%st");
    }
}

/* random control words (masks, rounding, precision) on edge operands */
static uint64_t rng = 88172645463325252ull;
static unsigned next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)rng;
}

static void random_cases(unsigned n)
{
    const long double pool[] = {
        0x1p16383L, -0x1.fp16383L, 0x1p-16382L, -0x1.8p-16370L, 0x1p-16440L, 1e4000L, -1e-4000L,
        3.0L, -0.75L, 1e10L, 0x1p63L, -0x1p31L, 2.5L, 0.0L, bits(0x0000, 0x0000000012345678ull),
        bits(0x7fff, 0xa000000000000000ull), bits(0x7fff, 1ull << 63), 0x1.fffffep127L, 1e-40L,
    };
    unsigned np = sizeof(pool) / sizeof(pool[0]);
    for (unsigned i = 0; i < n; i++) {
        uint16_t c = 0x40 | (next() & 0xf3f);     /* any masks, PC, RC */
        long double x = pool[next() % np], y = pool[next() % np];
        static const char *const ops[19] = {
            "fstps", "fstpl", "fistps", "fistpll", "fisttpl", "fbstp", "fscale", "fmul",
            "fdivp", "faddp", "fsqrt", "fprem", "frndint", "fxtract", "fyl2x", "fpatan",
            "fsincos", "f2xm1", "fyl2xp1",
        };
        unsigned op = next() % 19;
        char name[32];
        snprintf(name, sizeof(name), "random %u %s", i, ops[op]);
        switch (op) {
        case 0: CASE(name, c, x, y, "fstps %[m]"); break;
        case 1: CASE(name, c, x, y, "fstpl %[m]"); break;
        case 2: CASE(name, c, x, y, "fistps %[m]"); break;
        case 3: CASE(name, c, x, y, "fistpll %[m]"); break;
        case 4: CASE(name, c, x, y, "fisttpl %[m]"); break;
        case 5: CASE(name, c, x, y, "fbstp %[m]"); break;
        case 6: CASE(name, c, x, y, "fscale"); break;
        case 7: CASE(name, c, x, y, "fmul %%st(1), %%st"); break;
        case 8: CASE(name, c, x, y, "fdivp"); break;
        case 9: CASE(name, c, x, y, "faddp"); break;
        case 10: CASE(name, c, x, y, "fsqrt"); break;
        case 11: CASE(name, c, x, y, "fprem"); break;
        case 12: CASE(name, c, x, y, "frndint"); break;
        case 13: CASE(name, c, x, y, "fxtract"); break;
        case 14: CASE(name, c, x, y, "fyl2x"); break;
        case 15: CASE(name, c, x, y, "fpatan"); break;
        case 16: CASE(name, c, x, y, "fsincos"); break;
        case 17: CASE(name, c, x, y, "f2xm1"); break;
        default: CASE(name, c, x, y, "fyl2xp1"); break;
        }
    }
}

int main(void)
{
    stores();
    biased();
    random_cases(3000);
    return 0;
}
