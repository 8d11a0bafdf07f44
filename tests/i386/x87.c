/* x87 FPU: arithmetic, conversions, comparisons, rounding control,
 * classification and the environment, through inline assembly so each
 * instruction is exercised directly; output compared with native. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const long double values[] = {
    0.0L, -0.0L, 1.0L, -1.5L, 2.5L, 3.0L, 1e-300L, 123456789.987654321L, -7.25e18L,
    1.0L / 3.0L, 1e4000L, 3.4e-4940L, 9.2233720368547758e18L, 0.5L, -2.5L,
};
#define NVALUES (sizeof(values) / sizeof(values[0]))

static void print(const char *what, long double v)
{
    unsigned char b[10];
    memcpy(b, &v, 10);
    printf("%-8s %.21Lg [%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x]\n", what, v,
           b[9], b[8], b[7], b[6], b[5], b[4], b[3], b[2], b[1], b[0]);
}

static uint16_t status(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static void binary_ops(long double a, long double b)
{
    long double r;
    __asm__("fadd %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("add", r);
    __asm__("fsub %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("sub", r);
    __asm__("fsubr %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("subr", r);
    __asm__("fmul %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("mul", r);
    __asm__("fdiv %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("div", r);
    __asm__("fdivr %2, %0" : "=t"(r) : "0"(a), "u"(b));
    print("divr", r);
    __asm__("fprem" : "=t"(r) : "0"(a), "u"(b));
    print("prem", r);
    __asm__("fprem1" : "=t"(r) : "0"(a), "u"(b));
    print("prem1", r);
    __asm__("fscale" : "=t"(r) : "0"(a), "u"(b > 100 || b < -100 ? 3.0L : b));
    print("scale", r);
    int cc;
    __asm__("fucomip %%st(1), %%st\n\tfstp %%st(0)\n\tsetae %b0\n\tsetp %h0\n\tsete %%dl\n\tmovzbl %%dl, %%edx\n\tshl $16, %%edx\n\tor %%edx, %0"
            : "=a"(cc) : "t"(a), "u"(b) : "edx", "cc");
    printf("ucomi    %x\n", cc & 0x10101);
    double da = (double)b;
    float fa = (float)b;
    __asm__("faddl %2" : "=t"(r) : "0"(a), "m"(da));
    print("addl", r);
    __asm__("fmuls %2" : "=t"(r) : "0"(a), "m"(fa));
    print("muls", r);
    int32_t ib = (int32_t)(b > 2e9 || b < -2e9 ? 7 : b);
    __asm__("fidivl %2" : "=t"(r) : "0"(a), "m"(ib));
    print("fidivl", r);
    __asm__("fcom %2\n\tfnstsw %%ax" : "=a"(cc) : "t"(a), "u"(b));
    printf("fcom     %x\n", cc & 0x4500);
}

static void unary_ops(long double a)
{
    long double r;
    uint16_t cw, saved;
    int64_t i64;
    int32_t i32;
    int16_t i16;
    double d;
    float f;

    __asm__("fchs" : "=t"(r) : "0"(a));
    print("chs", r);
    __asm__("fabs" : "=t"(r) : "0"(a));
    print("abs", r);
    __asm__("fsqrt" : "=t"(r) : "0"(a < 0 ? -a : a));
    print("sqrt", r);
    __asm__("frndint" : "=t"(r) : "0"(a));
    print("rndint", r);
    __asm__("fxtract\n\tfstp %%st(1)" : "=t"(r) : "0"(a));
    print("xtract", r);
    __asm__("fxam\n\tfnstsw %%ax\n\tfstp %%st(0)" : "=a"(i32) : "t"(a));
    printf("xam      %x\n", i32 & 0x4700);
    __asm__("ftst\n\tfnstsw %%ax\n\tfstp %%st(0)" : "=a"(i32) : "t"(a));
    printf("tst      %x\n", i32 & 0x4500);
    __asm__("fistpll %0" : "=m"(i64) : "t"(a) : "st");
    printf("fistpll  %lld sw %x\n", (long long)i64, status() & 0x1);
    __asm__("fistpl %0" : "=m"(i32) : "t"(a) : "st");
    printf("fistpl   %d\n", i32);
    __asm__("fistps %0" : "=m"(i16) : "t"(a) : "st");
    printf("fistps   %d\n", i16);
    __asm__("fisttpll %0" : "=m"(i64) : "t"(a) : "st");
    printf("fisttpll %lld\n", (long long)i64);
    __asm__("fstpl %0" : "=m"(d) : "t"(a) : "st");
    printf("fstpl    %a\n", d);
    __asm__("fstps %0" : "=m"(f) : "t"(a) : "st");
    printf("fstps    %a\n", (double)f);
    for (int mode = 0; mode < 4; mode++) {
        __asm__ volatile("fnstcw %0" : "=m"(saved));
        cw = (saved & ~0xc00) | mode << 10;
        __asm__ volatile("fldcw %0" : : "m"(cw));
        __asm__("fistpl %0" : "=m"(i32) : "t"(a) : "st");
        __asm__("frndint" : "=t"(r) : "0"(a));
        __asm__("fstps %0" : "=m"(f) : "t"(a / 3) : "st");
        __asm__ volatile("fldcw %0" : : "m"(saved));
        printf("round%d   %d %a ", mode, i32, (double)f);
        print("", r);
    }
    __asm__("fclex");
}

int main(void)
{
    long double r;
    struct { uint16_t cw, pad0, sw, pad1, tw, pad2; uint32_t rest[4]; } env;

    __asm__("fldpi" : "=t"(r));
    print("pi", r);
    __asm__("fldl2e" : "=t"(r));
    print("l2e", r);
    __asm__("fldl2t" : "=t"(r));
    print("l2t", r);
    __asm__("fldlg2" : "=t"(r));
    print("lg2", r);
    __asm__("fldln2" : "=t"(r));
    print("ln2", r);
    __asm__("fld1\n\tfld1\n\tfaddp\n\tfld1\n\tfxch\n\tfsubp" : "=t"(r));
    print("stack", r);
    for (unsigned i = 0; i < NVALUES; i++) {
        printf("-- %u\n", i);
        unary_ops(values[i]);
        for (unsigned j = 0; j < NVALUES; j += 3) {
            binary_ops(values[i], values[j]);
        }
    }
    __asm__ volatile("fnstenv %0\n\tfldenv %0" : "+m"(env));
    printf("env      cw %x sw %x tw %x\n", env.cw, env.sw & 0xff, env.tw);
    __asm__ volatile("fld1\n\tfldz\n\tfnstenv %0\n\tfldenv %0\n\tfstp %%st(0)\n\tfstp %%st(0)" : "+m"(env));
    printf("env2     cw %x sw %x tw %x\n", env.cw, env.sw & 0x38ff, env.tw);
    __asm__("fninit");
    return 0;
}
