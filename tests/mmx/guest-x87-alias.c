/*
 * Guest program for the MMX suite: the MMX/x87 register aliasing of Intel SDM
 * vol. 1, 9.5 as FNSAVE, FXSAVE, FSTP m80 and MMX reads show it. MMn is the
 * significand of physical register Rn, an MMX write sets bits 79:64, MMX
 * instructions set TOP = 0 and all tags valid, EMMS empties the tags; and
 * FRSTOR/FXRSTOR images are seen by MMX reads. Prints what the state images
 * hold (not FOP/FIP/FDP, which hold addresses); run natively and under the
 * emulator, outputs must match. First line: CPUID.1:EDX.MMX[bit 23].
 * Usage: guest-x87-alias
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct FxsaveArea {
    uint8_t bytes[512];
} __attribute__((aligned(16))) FxsaveArea;

static void print_bytes(const char *label, const uint8_t *p, int n)
{
    printf("%s", label);
    for (int i = n - 1; i >= 0; i--) {
        printf("%02x", p[i]);
    }
    printf("\n");
}

/* FNSAVE's 32-bit image: FCW, FSW, full tag word, then ST(0)-ST(7) */
static void print_fnsave(const char *what, const uint8_t *image)
{
    char label[32];
    printf("%s: fnsave\n", what);
    print_bytes("  fcw ", image, 2);
    print_bytes("  fsw ", image + 4, 2);
    print_bytes("  ftw ", image + 8, 2);
    for (int i = 0; i < 8; i++) {
        snprintf(label, sizeof(label), "  st%d ", i);
        print_bytes(label, image + 28 + 10 * i, 10);
    }
}

/* FXSAVE: FCW, FSW, abridged tag byte, MXCSR, ST(0)-ST(7) (80 bits each) */
static void print_fxsave(const char *what, const FxsaveArea *area)
{
    char label[32];
    printf("%s: fxsave\n", what);
    print_bytes("  fcw ", area->bytes, 2);
    print_bytes("  fsw ", area->bytes + 2, 2);
    print_bytes("  ftw ", area->bytes + 4, 1);
    print_bytes("  mxcsr ", area->bytes + 24, 4);
    for (int i = 0; i < 8; i++) {
        snprintf(label, sizeof(label), "  st%d ", i);
        print_bytes(label, area->bytes + 32 + 16 * i, 10);
    }
}

static void fnsave_state(const char *what)
{
    uint8_t image[108];
    memset(image, 0xcc, sizeof(image));
    __asm__ volatile("fnsave %0\n\tfrstor %0" : "+m"(image));
    print_fnsave(what, image);
}

/* (no "mmN" clobbers: gcc refuses them in some of these functions, and the
 * compiler itself never uses MMX registers here) */
static void fxsave_state(const char *what)
{
    FxsaveArea area;
    memset(&area, 0xcc, sizeof(area));
    __asm__ volatile("fxsave %0" : "=m"(area));
    print_fxsave(what, &area);
}

static void print_status(const char *what)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    printf("%s: fsw %04x\n", what, sw);
}

/* three x87 values (TOP = 5), then MMX writes to mm1 and mm6 */
static void x87_then_mmx(void)
{
    static const uint64_t a = 0x0123456789abcdefull, b = 0xfedcba9876543210ull;
    __asm__ volatile("fninit\n\tfld1\n\tfldpi\n\tfldl2e" ::: "st", "st(1)", "st(2)");
    print_status("three loads");
    fxsave_state("three loads");
    __asm__ volatile("movq %0, %%mm1\n\tmovq %1, %%mm6\n\tpaddb %%mm1, %%mm6"
                     : : "m"(a), "m"(b));
}

/* MMX reads of the x87 registers: mm7 is R7 = the first value loaded */
static void mmx_reads_x87(void)
{
    uint64_t r[8];
    __asm__ volatile("fninit\n\tfldpi\n\tfld1\n\tfldln2\n\tfldz" ::: "st", "st(1)", "st(2)",
                     "st(3)");
    __asm__ volatile("movq %%mm4, 0(%0)\n\tmovq %%mm5, 8(%0)\n\tmovq %%mm6, 16(%0)\n\t"
                     "movq %%mm7, 24(%0)" : : "r"(r) : "memory");
    for (int i = 0; i < 4; i++) {
        printf("mm%d from x87 %016llx\n", i + 4, (unsigned long long)r[i]);
    }
    print_status("after mmx reads");
    fnsave_state("after mmx reads");
    __asm__ volatile("emms");
}

/* FSTP m80 of ST(0) = R0 after an MMX write: the exponent is all ones */
static void x87_reads_mmx(uint64_t value)
{
    uint8_t m80[10];
    __asm__ volatile("fninit\n\tmovq %1, %%mm0\n\tfstpt %0" : "=m"(m80) : "m"(value));
    print_bytes("fstp m80 of mm0 ", m80, 10);
    print_status("after fstp");
    __asm__ volatile("emms");
}

/* an x87 load after MMX without EMMS: R7 is tagged valid, so stack overflow
 * (the status word is read before FSTP, which has its own C1 rule) */
static void x87_without_emms(void)
{
    uint8_t m80[10];
    uint16_t sw;
    static const uint64_t a = 0x1122334455667788ull;
    __asm__ volatile("fninit\n\tmovq %2, %%mm3\n\tfld1\n\tfnstsw %1\n\tfstpt %0"
                     : "=m"(m80), "=m"(sw) : "m"(a));
    print_bytes("fld1 without emms ", m80, 10);
    printf("fld1 without emms: fsw %04x\n", sw);
    __asm__ volatile("emms\n\tfninit");
}

/* x87 arithmetic after EMMS works as on a fresh stack */
static void x87_after_emms(void)
{
    static const uint64_t a = 0x1122334455667788ull;
    long double x = 3.0L, y;
    uint8_t m80[10];
    __asm__ volatile("movq %0, %%mm2\n\tpsllq $3, %%mm2\n\temms" : : "m"(a));
    print_status("after emms");
    fxsave_state("after emms");
    fnsave_state("after emms");
    __asm__ volatile("fldt %2\n\tfsqrt\n\tfldpi\n\tfmulp\n\tfld1\n\tfaddp\n\tfstpt %0\n\t"
                     "fldt %2\n\tfstpt %1"
                     : "=m"(m80), "=m"(y) : "m"(x));
    print_bytes("pi*sqrt(3)+1 ", m80, 10);
    printf("y %La\n", y);
    print_status("after x87 arithmetic");
}

/* FXRSTOR/FRSTOR images with TOP = 3: MMn reads physical register n */
static void restore_then_mmx(void)
{
    FxsaveArea area;
    uint8_t image[108];
    uint64_t r[8];
    __asm__ volatile("fninit\n\tfxsave %0" : "=m"(area));
    area.bytes[3] = (area.bytes[3] & ~0x38) | (3 << 3);        /* TOP = 3 */
    area.bytes[4] = 0x5a;                                      /* some tags valid */
    for (int i = 0; i < 8; i++) {
        uint64_t m = 0x0101010101010101ull * (uint64_t)(i + 1) + ((uint64_t)i << 60);
        memcpy(area.bytes + 32 + 16 * i, &m, 8);
        area.bytes[32 + 16 * i + 8] = (uint8_t)(0x10 + i);
        area.bytes[32 + 16 * i + 9] = 0x40;
    }
    __asm__ volatile("fxrstor %0" : : "m"(area));
    print_status("after fxrstor");
    fnsave_state("after fxrstor");
    __asm__ volatile("movq %%mm0, 0(%0)\n\tmovq %%mm1, 8(%0)\n\tmovq %%mm2, 16(%0)\n\t"
                     "movq %%mm3, 24(%0)\n\tmovq %%mm4, 32(%0)\n\tmovq %%mm5, 40(%0)\n\t"
                     "movq %%mm6, 48(%0)\n\tmovq %%mm7, 56(%0)\n\temms" : : "r"(r) : "memory");
    for (int i = 0; i < 8; i++) {
        printf("after fxrstor mm%d %016llx\n", i, (unsigned long long)r[i]);
    }
    __asm__ volatile("fninit\n\tfnsave %0" : "=m"(image));
    image[5] = (image[5] & ~0x38) | (5 << 3);                  /* TOP = 5 */
    image[8] = 0x00;                                           /* tags: R0-R3 valid */
    image[9] = 0xff;
    for (int i = 0; i < 8; i++) {
        uint64_t m = 0x1010101010101010ull * (uint64_t)(i + 1) + 0x8000000000000000ull;
        memcpy(image + 28 + 10 * i, &m, 8);
        image[28 + 10 * i + 8] = (uint8_t)(0x20 + i);
        image[28 + 10 * i + 9] = 0x3f;
    }
    __asm__ volatile("frstor %0" : : "m"(image));
    fxsave_state("after frstor");
    __asm__ volatile("movq %%mm0, 0(%0)\n\tmovq %%mm1, 8(%0)\n\tmovq %%mm2, 16(%0)\n\t"
                     "movq %%mm3, 24(%0)\n\tmovq %%mm4, 32(%0)\n\tmovq %%mm5, 40(%0)\n\t"
                     "movq %%mm6, 48(%0)\n\tmovq %%mm7, 56(%0)\n\temms" : : "r"(r) : "memory");
    for (int i = 0; i < 8; i++) {
        printf("after frstor mm%d %016llx\n", i, (unsigned long long)r[i]);
    }
}

/* FXSAVE, FNINIT, FXRSTOR, FXSAVE: the x87 stack survives the round trip */
static void fxsave_round_trip(void)
{
    FxsaveArea first, second;
    __asm__ volatile("fninit\n\tfld1\n\tfldz\n\tfldl2t\n\tfxsave %0\n\tfninit\n\tfxrstor %0\n\t"
                     "fxsave %1" : "=m"(first), "=m"(second));
    print_fxsave("round trip", &second);
    printf("round trip x87 part %s\n",
           memcmp(first.bytes, second.bytes, 4) == 0 &&
           memcmp(first.bytes + 32, second.bytes + 32, 128) == 0 ? "same" : "differs");
    fnsave_state("round trip");
    __asm__ volatile("fninit");
}

int main(void)
{
    unsigned eax, ebx, ecx, edx;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    printf("cpuid.1:edx mmx %u\n", (edx >> 23) & 1);
    x87_then_mmx();
    print_status("after mmx");
    fxsave_state("after mmx");
    fnsave_state("after mmx");
    __asm__ volatile("emms");
    mmx_reads_x87();
    x87_reads_mmx(0x8000000000000001ull);
    x87_reads_mmx(0x0000000000000000ull);
    x87_reads_mmx(0xc000000000000000ull);
    x87_reads_mmx(0x4000000000000123ull);
    x87_without_emms();
    x87_after_emms();
    restore_then_mmx();
    fxsave_round_trip();
    return 0;
}
