/* Rotates, double shifts and division, each after an ADD so that the flags
 * they leave alone come from a pending earlier result: ROL/ROR/RCL/RCR and
 * SHLD/SHRD by CL (counts 0..70) and by immediate, then the flags read back by
 * PUSHF, ADC and SETC; DIV/IDIV. Flags the SDM leaves undefined are masked (Intel SDM vol. 2B,
 * RCL/RCR/ROL/ROR and SHLD/SHRD "Flags Affected": OF for counts other than 1,
 * AF for double shifts). Divisions that would raise #DE are skipped (the
 * operands are checked first), the others take both the translator's fast
 * path and its helper. Prints a checksum per group for comparison with native. */
#include <stdint.h>
#include <stdio.h>

#define FLAGS_ARITH 0x8d5ul      /* CF PF AF ZF SF OF */
#define FLAG_AF 0x10ul
#define FLAG_OF 0x800ul

static uint64_t state = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint64_t checksum;

static void mix(uint64_t v)
{
    checksum = (checksum ^ v) * 0x100000001b3ull;
}

/* ADD a, b; <insn> %cl, x; PUSHF: the rotated value and the flags */
#define ROTATE_CL(name, insn, type, constraint)                                  \
    static void name(uint64_t v, unsigned long a, unsigned long b, unsigned cnt)  \
    {                                                                             \
        type x = (type)v;                                                         \
        unsigned masked = cnt & (sizeof(type) == 8 ? 63 : 31);                    \
        unsigned long flags, undefined = masked <= 1 ? 0 : FLAG_OF;              \
        asm volatile("add %[b], %[a]\n\t" insn " %%cl, %[x]\n\tpushf\n\tpop %[f]" \
                     : [x] "+" constraint(x), [a] "+r"(a), [f] "=r"(flags)        \
                     : [b] "r"(b), "c"(cnt) : "cc");                              \
        mix((uint64_t)x);                                                         \
        mix(flags & FLAGS_ARITH & ~undefined);                                    \
    }

ROTATE_CL(rol8, "rolb", uint8_t, "q")
ROTATE_CL(ror8, "rorb", uint8_t, "q")
ROTATE_CL(rcl8, "rclb", uint8_t, "q")
ROTATE_CL(rcr8, "rcrb", uint8_t, "q")
ROTATE_CL(rol16, "rolw", uint16_t, "r")
ROTATE_CL(ror16, "rorw", uint16_t, "r")
ROTATE_CL(rcl16, "rclw", uint16_t, "r")
ROTATE_CL(rcr16, "rcrw", uint16_t, "r")
ROTATE_CL(rol32, "roll", uint32_t, "r")
ROTATE_CL(ror32, "rorl", uint32_t, "r")
ROTATE_CL(rcl32, "rcll", uint32_t, "r")
ROTATE_CL(rcr32, "rcrl", uint32_t, "r")

/* immediate counts, two rotates in a row, CF read by ADC and SETC */
static void rotate_imm(uint64_t v, unsigned long a, unsigned long b)
{
    uint32_t x = (uint32_t)v;
    uint32_t carry = 0;
    unsigned char c1, c2;

    asm volatile("add %[b], %[a]\n\troll $1, %[x]\n\tsetc %[c1]\n\trorl $7, %[x]\n\t"
                 "adc $0, %[carry]\n\trorw $1, %w[x]\n\tsetc %[c2]\n\tadc %[x], %[carry]"
                 : [x] "+r"(x), [a] "+r"(a), [carry] "+r"(carry), [c1] "=q"(c1),
                   [c2] "=q"(c2)
                 : [b] "r"(b) : "cc");
    mix(x);
    mix(carry);
    mix((uint64_t)c1 << 8 | c2);
}

/* SHLD/SHRD by CL on 32-bit operands */
#define SHIFTD_CL(name, insn)                                                      \
    static void name(uint64_t v, uint64_t w, unsigned long a, unsigned long b,      \
                     unsigned cnt)                                                  \
    {                                                                               \
        uint32_t x = (uint32_t)v, y = (uint32_t)w;                                  \
        unsigned long flags, undefined = FLAG_AF | ((cnt & 31) == 1 ? 0 : FLAG_OF); \
        asm volatile("add %[b], %[a]\n\t" insn " %%cl, %[y], %[x]\n\tpushf\n\tpop %[f]" \
                     : [x] "+r"(x), [a] "+r"(a), [f] "=r"(flags)                    \
                     : [y] "r"(y), [b] "r"(b), "c"(cnt) : "cc");                    \
        mix(x);                                                                     \
        mix((cnt & 31) ? flags & FLAGS_ARITH & ~undefined : flags & FLAGS_ARITH);   \
    }

SHIFTD_CL(shld32, "shldl")
SHIFTD_CL(shrd32, "shrdl")

#ifdef __x86_64__
ROTATE_CL(rol64_body, "rolq", uint64_t, "r")
ROTATE_CL(ror64_body, "rorq", uint64_t, "r")
ROTATE_CL(rcl64_body, "rclq", uint64_t, "r")
ROTATE_CL(rcr64_body, "rcrq", uint64_t, "r")

#define SHIFTD64_CL(name, insn)                                                    \
    static void name(uint64_t x, uint64_t y, unsigned long a, unsigned long b,      \
                     unsigned cnt)                                                  \
    {                                                                               \
        unsigned long flags, undefined = FLAG_AF | ((cnt & 63) == 1 ? 0 : FLAG_OF); \
        asm volatile("add %[b], %[a]\n\t" insn " %%cl, %[y], %[x]\n\tpushf\n\tpop %[f]" \
                     : [x] "+r"(x), [a] "+r"(a), [f] "=r"(flags)                    \
                     : [y] "r"(y), [b] "r"(b), "c"(cnt) : "cc");                    \
        mix(x);                                                                     \
        mix((cnt & 63) ? flags & FLAGS_ARITH & ~undefined : flags & FLAGS_ARITH);   \
    }

SHIFTD64_CL(shld64, "shldq")
SHIFTD64_CL(shrd64, "shrdq")
#endif

/* DIV/IDIV of (high:low) by d, 32-bit, for operands that raise no #DE */
static void divide32(uint32_t high, uint32_t low, uint32_t d, int sign)
{
    uint32_t qa = low, rd = high;

    if (sign) {
        int64_t dividend = (int64_t)((uint64_t)high << 32 | low), q;
        if ((int32_t)d == 0 || ((int32_t)d == -1 && dividend == INT64_MIN)) {
            return;
        }
        q = dividend / (int32_t)d;
        if (q != (int32_t)q) {
            return;
        }
        asm volatile("idivl %[d]" : "+a"(qa), "+d"(rd) : [d] "rm"(d) : "cc");
    } else {
        if (d == 0 || high >= d) {
            return;
        }
        asm volatile("divl %[d]" : "+a"(qa), "+d"(rd) : [d] "rm"(d) : "cc");
    }
    mix((uint64_t)qa << 32 | rd);
}

#ifdef __x86_64__
static void divide64(uint64_t high, uint64_t low, uint64_t d, int sign)
{
    uint64_t qa = low, rd = high;

    if (sign) {
        __int128 dividend = (__int128)((unsigned __int128)high << 64 | low), q;
        if ((int64_t)d == 0 || ((int64_t)d == -1 && high == 1ull << 63 && low == 0)) {
            return;
        }
        q = dividend / (int64_t)d;
        if (q != (int64_t)q) {
            return;
        }
        asm volatile("idivq %[d]" : "+a"(qa), "+d"(rd) : [d] "rm"(d) : "cc");
    } else {
        if (d == 0 || high >= d) {
            return;
        }
        asm volatile("divq %[d]" : "+a"(qa), "+d"(rd) : [d] "rm"(d) : "cc");
    }
    mix(qa);
    mix(rd);
}
#endif

/* operands biased to edge values: 0, all ones, single bits */
static uint64_t operand(void)
{
    uint64_t v = next();
    switch (v & 7) {
    case 0: return 0;
    case 1: return ~0ull;
    case 2: return 1ull << (next() & 63);
    case 3: return ~(1ull << (next() & 63));
    default: return next();
    }
}

typedef void (*RotateFn)(uint64_t, unsigned long, unsigned long, unsigned);
typedef void (*ShiftdFn)(uint64_t, uint64_t, unsigned long, unsigned long, unsigned);

static void run_rotates(const char *name, RotateFn fn)
{
    checksum = 0;
    for (int i = 0; i < 300; i++) {
        uint64_t v = operand();
        unsigned long a = (unsigned long)operand(), b = (unsigned long)operand();
        for (unsigned cnt = 0; cnt <= 70; cnt++) {
            fn(v, a, b, cnt | (unsigned)(next() & 0x80));
        }
    }
    printf("%-8s %016llx\n", name, (unsigned long long)checksum);
}

static void run_shiftd(const char *name, ShiftdFn fn)
{
    checksum = 0;
    for (int i = 0; i < 300; i++) {
        uint64_t v = operand(), w = operand();
        unsigned long a = (unsigned long)operand(), b = (unsigned long)operand();
        for (unsigned cnt = 0; cnt <= 70; cnt++) {
            fn(v, w, a, b, cnt);
        }
    }
    printf("%-8s %016llx\n", name, (unsigned long long)checksum);
}

static void run_divides(void)
{
    checksum = 0;
    for (int i = 0; i < 4000; i++) {
        uint64_t d = operand(), low = operand();
        uint64_t high = (next() & 3) == 0 ? operand() : (next() & 1) ? 0 : (uint64_t)((int64_t)low >> 63);
        int sign = (int)(next() & 1);
        if ((next() & 7) == 0) {
            d = (next() & 1) ? ~0ull : 0;
        }
        divide32((uint32_t)high, (uint32_t)low, (uint32_t)d, sign);
        divide32((uint32_t)((int32_t)low >> 31), (uint32_t)low, (uint32_t)(d >> 40), sign);
#ifdef __x86_64__
        divide64(high, low, d, sign);
        divide64(0, low, d >> (next() & 63), sign);
#endif
    }
    printf("%-8s %016llx\n", "divide", (unsigned long long)checksum);
}

int main(void)
{
    run_rotates("rol8", rol8);
    run_rotates("ror8", ror8);
    run_rotates("rcl8", rcl8);
    run_rotates("rcr8", rcr8);
    run_rotates("rol16", rol16);
    run_rotates("ror16", ror16);
    run_rotates("rcl16", rcl16);
    run_rotates("rcr16", rcr16);
    run_rotates("rol32", rol32);
    run_rotates("ror32", ror32);
    run_rotates("rcl32", rcl32);
    run_rotates("rcr32", rcr32);
    run_shiftd("shld32", shld32);
    run_shiftd("shrd32", shrd32);
#ifdef __x86_64__
    run_rotates("rol64", rol64_body);
    run_rotates("ror64", ror64_body);
    run_rotates("rcl64", rcl64_body);
    run_rotates("rcr64", rcr64_body);
    run_shiftd("shld64", shld64);
    run_shiftd("shrd64", shrd64);
#endif
    checksum = 0;
    for (int i = 0; i < 20000; i++) {
        rotate_imm(operand(), (unsigned long)operand(), (unsigned long)operand());
    }
    printf("%-8s %016llx\n", "rotimm", (unsigned long long)checksum);
    run_divides();
    return 0;
}
