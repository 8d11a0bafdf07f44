/*
 * Guest program for the MMX suite: runs every MMX instruction (Intel SDM vol.
 * 2, MMX and SSE-era MMX forms) on random and boundary inputs, in register and
 * memory forms, and prints one hash per instruction form. Run natively and
 * under the emulator; outputs must match. A second argument "v" prints every
 * result instead of hashes (to find the failing input).
 * Usage: guest-mmx SEED [v]
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATIONS 400

static uint64_t random_state;
static int verbose;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

/* random bits, or lanes of saturation boundaries (0, 1, 7f, 80, ff, ...) */
static uint64_t random_operand(void)
{
    static const uint8_t bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x81, 0x7e };
    uint64_t pick = next_random();
    if ((pick & 3) != 0) {
        return next_random();
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t r = next_random();
        uint8_t b = (r & 1) ? (uint8_t)(r >> 8) : bytes[(r >> 4) & 7];
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

/* shift counts: mostly in range, sometimes past the lane or 64-bit wide */
static uint64_t random_count(void)
{
    uint64_t r = next_random();
    switch (r & 7) {
    case 0: return r >> 3;
    case 1: return (r >> 8) & 0xffff;
    default: return (r >> 8) % 70;
    }
}

/* FNV-1a over the results of one instruction form */
typedef struct Hash {
    const char *name;
    uint64_t h;
} Hash;

static void hash_start(Hash *hash, const char *name)
{
    hash->name = name;
    hash->h = 0xcbf29ce484222325ull;
}

static void hash_add(Hash *hash, uint64_t v)
{
    if (verbose) {
        printf("%s %016llx\n", hash->name, (unsigned long long)v);
    }
    for (int i = 0; i < 8; i++) {
        hash->h = (hash->h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    }
}

static void hash_end(Hash *hash)
{
    printf("%-22s %016llx\n", hash->name, (unsigned long long)hash->h);
}

/* mm0 = a; OP mm1(b), mm0 or OP m64(b), mm0; result mm0 */
#define BINARY(insn) \
    static uint64_t reg_##insn(uint64_t a, uint64_t b) \
    { \
        uint64_t r; \
        __asm__ volatile("movq %1, %%mm0\n\tmovq %2, %%mm1\n\t" #insn " %%mm1, %%mm0\n\t" \
                         "movq %%mm0, %0\n\temms" \
                         : "=m"(r) : "m"(a), "m"(b) : "mm0", "mm1"); \
        return r; \
    } \
    static uint64_t mem_##insn(uint64_t a, uint64_t b) \
    { \
        uint64_t r; \
        __asm__ volatile("movq %1, %%mm3\n\t" #insn " %2, %%mm3\n\tmovq %%mm3, %0\n\temms" \
                         : "=m"(r) : "m"(a), "m"(b) : "mm3"); \
        return r; \
    }

#define BINARY_OPS(X) \
    X(punpcklbw) X(punpcklwd) X(punpckldq) X(packsswb) X(pcmpgtb) X(pcmpgtw) \
    X(pcmpgtd) X(packuswb) X(punpckhbw) X(punpckhwd) X(punpckhdq) X(packssdw) \
    X(pcmpeqb) X(pcmpeqw) X(pcmpeqd) \
    X(paddq) X(pmullw) X(psubusb) X(psubusw) X(pminub) X(pand) X(paddusb) \
    X(paddusw) X(pmaxub) X(pandn) X(pavgb) X(pavgw) X(pmulhuw) X(pmulhw) \
    X(psubsb) X(psubsw) X(pminsw) X(por) X(paddsb) X(paddsw) X(pmaxsw) X(pxor) \
    X(pmuludq) X(pmaddwd) X(psadbw) X(psubb) X(psubw) X(psubd) X(psubq) \
    X(paddb) X(paddw) X(paddd)
#define SHIFT_OPS(X) \
    X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) X(psllw) X(pslld) X(psllq)

BINARY_OPS(BINARY)
SHIFT_OPS(BINARY)

typedef uint64_t BinaryFunction(uint64_t a, uint64_t b);

static void test_binary(const char *name, BinaryFunction *reg, BinaryFunction *mem, bool shift)
{
    char label[64];
    Hash hr, hm;
    snprintf(label, sizeof(label), "%s", name);
    hash_start(&hr, label);
    for (int i = 0; i < ITERATIONS; i++) {
        uint64_t a = random_operand(), b = shift ? random_count() : random_operand();
        hash_add(&hr, reg(a, b));
        hash_add(&hr, reg(a, a));
    }
    hash_end(&hr);
    snprintf(label, sizeof(label), "%s-mem", name);
    hash_start(&hm, label);
    for (int i = 0; i < ITERATIONS; i++) {
        uint64_t a = random_operand(), b = shift ? random_count() : random_operand();
        hash_add(&hm, mem(a, b));
    }
    hash_end(&hm);
}

/* shifts by an immediate (0F 71-73) and PSHUFW for a set of immediates */
#define IMMEDIATE(insn, imm) \
    static uint64_t insn##_##imm(uint64_t a) \
    { \
        uint64_t r; \
        __asm__ volatile("movq %1, %%mm5\n\t" #insn " $" #imm ", %%mm5\n\tmovq %%mm5, %0\n\temms" \
                         : "=m"(r) : "m"(a) : "mm5"); \
        return r; \
    }
#define IMMEDIATES(X, insn) \
    X(insn, 0) X(insn, 1) X(insn, 7) X(insn, 8) X(insn, 15) X(insn, 16) X(insn, 31) \
    X(insn, 32) X(insn, 33) X(insn, 63) X(insn, 64) X(insn, 200) X(insn, 255)
#define SHIFT_IMM_OPS(X) \
    X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) X(psllw) X(pslld) X(psllq)
#define DEFINE_IMMEDIATES(insn) IMMEDIATES(IMMEDIATE, insn)
SHIFT_IMM_OPS(DEFINE_IMMEDIATES)

typedef uint64_t UnaryFunction(uint64_t a);
#define LIST_ONE(insn, imm) insn##_##imm,
#define LIST_IMMEDIATES(insn) static UnaryFunction *const insn##_imm[] = { IMMEDIATES(LIST_ONE, insn) };
SHIFT_IMM_OPS(LIST_IMMEDIATES)

static void test_unary_list(const char *name, UnaryFunction *const *list, int count)
{
    Hash h;
    hash_start(&h, name);
    for (int i = 0; i < ITERATIONS / 4; i++) {
        uint64_t a = random_operand();
        for (int k = 0; k < count; k++) {
            hash_add(&h, list[k](a));
        }
    }
    hash_end(&h);
}

#define PSHUFW(imm) \
    static uint64_t pshufw_##imm(uint64_t a) \
    { \
        uint64_t r; \
        __asm__ volatile("movq %1, %%mm2\n\tpshufw $" #imm ", %%mm2, %%mm6\n\tmovq %%mm6, %0\n\temms" \
                         : "=m"(r) : "m"(a) : "mm2", "mm6"); \
        return r; \
    } \
    static uint64_t pshufw_mem_##imm(uint64_t a) \
    { \
        uint64_t r; \
        __asm__ volatile("pshufw $" #imm ", %1, %%mm7\n\tmovq %%mm7, %0\n\temms" \
                         : "=m"(r) : "m"(a) : "mm7"); \
        return r; \
    }
PSHUFW(0x00) PSHUFW(0x1b) PSHUFW(0xe4) PSHUFW(0x4e) PSHUFW(0x93) PSHUFW(0xff) PSHUFW(0x39)
static UnaryFunction *const pshufw_list[] = {
    pshufw_0x00, pshufw_0x1b, pshufw_0xe4, pshufw_0x4e, pshufw_0x93, pshufw_0xff, pshufw_0x39,
    pshufw_mem_0x00, pshufw_mem_0x1b, pshufw_mem_0xe4, pshufw_mem_0x4e, pshufw_mem_0x93,
    pshufw_mem_0xff, pshufw_mem_0x39,
};

/* PINSRW/PEXTRW lanes, with lane numbers past 3 (only the low two bits count) */
#define WORD_LANE(imm) \
    static uint64_t pinsrw_##imm(uint64_t a) \
    { \
        uint64_t r; \
        uint32_t v = (uint32_t)(a >> 17); \
        __asm__ volatile("movq %1, %%mm1\n\tpinsrw $" #imm ", %2, %%mm1\n\tmovq %%mm1, %0\n\temms" \
                         : "=m"(r) : "m"(a), "r"(v) : "mm1"); \
        return r; \
    } \
    static uint64_t pinsrw_mem_##imm(uint64_t a) \
    { \
        uint64_t r; \
        uint16_t v = (uint16_t)(a >> 40); \
        __asm__ volatile("movq %1, %%mm1\n\tpinsrw $" #imm ", %2, %%mm1\n\tmovq %%mm1, %0\n\temms" \
                         : "=m"(r) : "m"(a), "m"(v) : "mm1"); \
        return r; \
    } \
    static uint64_t pextrw_##imm(uint64_t a) \
    { \
        uint32_t r = 0xdeadbeef; \
        __asm__ volatile("movq %1, %%mm4\n\tpextrw $" #imm ", %%mm4, %0\n\temms" \
                         : "=r"(r) : "m"(a) : "mm4"); \
        return r; \
    }
WORD_LANE(0) WORD_LANE(1) WORD_LANE(2) WORD_LANE(3) WORD_LANE(5) WORD_LANE(7)
static UnaryFunction *const word_lane_list[] = {
    pinsrw_0, pinsrw_1, pinsrw_2, pinsrw_3, pinsrw_5, pinsrw_7,
    pinsrw_mem_0, pinsrw_mem_1, pinsrw_mem_2, pinsrw_mem_3, pinsrw_mem_5, pinsrw_mem_7,
    pextrw_0, pextrw_1, pextrw_2, pextrw_3, pextrw_5, pextrw_7,
};

/* moves between MMX, general registers, memory and XMM registers */
static uint64_t movd_to_mm(uint64_t a)
{
    uint64_t r;
    uint32_t v = (uint32_t)a;
    __asm__ volatile("movq %2, %%mm0\n\tmovd %1, %%mm0\n\tmovq %%mm0, %0\n\temms"
                     : "=m"(r) : "r"(v), "m"(a) : "mm0");
    return r;
}

static uint64_t movd_to_mm_mem(uint64_t a)
{
    uint64_t r;
    uint32_t v = (uint32_t)(a >> 32);
    __asm__ volatile("movq %2, %%mm0\n\tmovd %1, %%mm0\n\tmovq %%mm0, %0\n\temms"
                     : "=m"(r) : "m"(v), "m"(a) : "mm0");
    return r;
}

static uint64_t movd_from_mm(uint64_t a)
{
    uint32_t r;
    __asm__ volatile("movq %1, %%mm7\n\tmovd %%mm7, %0\n\temms" : "=r"(r) : "m"(a) : "mm7");
    return r;
}

static uint64_t movd_from_mm_mem(uint64_t a)
{
    uint32_t r[2] = { 0x11111111, 0x22222222 };
    __asm__ volatile("movq %1, %%mm7\n\tmovd %%mm7, %0\n\temms" : "=m"(r[0]) : "m"(a) : "mm7");
    return (uint64_t)r[1] << 32 | r[0];
}

static uint64_t movq_mm_mm(uint64_t a)
{
    uint64_t r;
    __asm__ volatile("movq %1, %%mm2\n\tmovq %%mm2, %%mm6\n\tmovq %%mm6, %0\n\temms"
                     : "=m"(r) : "m"(a) : "mm2", "mm6");
    return r;
}

static uint64_t movq_mm_mm_store_form(uint64_t a)
{
    uint64_t r;
    /* 0F 7F with a register destination: MOVQ mm2/m64, mm1 */
    __asm__ volatile("movq %1, %%mm2\n\t.byte 0x0f, 0x7f, 0xd5\n\tmovq %%mm5, %0\n\temms"
                     : "=m"(r) : "m"(a) : "mm2", "mm5");
    return r;
}

static uint64_t movntq(uint64_t a)
{
    uint64_t r = 0;
    __asm__ volatile("movq %1, %%mm1\n\tmovntq %%mm1, %0\n\temms" : "=m"(r) : "m"(a) : "mm1");
    return r;
}

static uint64_t pmovmskb(uint64_t a)
{
    uint32_t r;
    __asm__ volatile("movq %1, %%mm3\n\tpmovmskb %%mm3, %0\n\temms" : "=r"(r) : "m"(a) : "mm3");
    return r;
}

static uint64_t movq2dq(uint64_t a)
{
    uint64_t r[2] = { 1, 2 };
    __asm__ volatile("pcmpeqd %%xmm1, %%xmm1\n\tmovq %2, %%mm4\n\tmovq2dq %%mm4, %%xmm1\n\t"
                     "movdqu %%xmm1, %0\n\temms"
                     : "=m"(r) : "m"(r), "m"(a) : "mm4", "xmm1");
    return r[0] ^ (r[1] * 3);
}

static uint64_t movdq2q(uint64_t a)
{
    uint64_t r, x[2] = { a, ~a };
    __asm__ volatile("movdqu %1, %%xmm2\n\tmovdq2q %%xmm2, %%mm0\n\tmovq %%mm0, %0\n\temms"
                     : "=m"(r) : "m"(x) : "mm0", "xmm2");
    return r;
}

#ifdef __x86_64__
static uint64_t movq_to_mm_r64(uint64_t a)
{
    uint64_t r;
    __asm__ volatile("movq %1, %%mm5\n\tmovq %%mm5, %0\n\temms" : "=m"(r) : "r"(a) : "mm5");
    return r;
}

/* REX.R/REX.B select XMM and general registers 8-15 but not MMX registers
 * (SDM vol. 2A, 2.2.1.2): 45 0F FC C1 is PADDB mm0, mm1 */
static uint64_t rex_forms(uint64_t a)
{
    uint64_t r, x[2], b = ~a * 3;
    uint32_t word, mask;
    __asm__ volatile("movq %4, %%mm0\n\tmovq %5, %%mm1\n\t.byte 0x45, 0x0f, 0xfc, 0xc1\n\t"
                     "movq %%mm0, %0\n\t"
                     "movq2dq %%mm1, %%xmm9\n\tmovdqu %%xmm9, %1\n\t"
                     "movdq2q %%xmm9, %%mm6\n\tpextrw $2, %%mm6, %%r9d\n\tmov %%r9d, %2\n\t"
                     "pmovmskb %%mm0, %%r10d\n\tmov %%r10d, %3\n\temms"
                     : "=m"(r), "=m"(x), "=m"(word), "=m"(mask) : "m"(a), "m"(b)
                     : "xmm9", "r9", "r10");
    return r ^ (x[0] * 3) ^ (x[1] * 5) ^ ((uint64_t)word << 20) ^ ((uint64_t)mask << 40);
}

static uint64_t movq_from_mm_r64(uint64_t a)
{
    uint64_t r;
    __asm__ volatile("movq %1, %%mm5\n\tmovq %%mm5, %0\n\temms" : "=r"(r) : "m"(a) : "mm5");
    return r;
}
#endif

static uint64_t maskmovq(uint64_t a)
{
    uint8_t buffer[16];
    uint64_t mask = random_operand(), r[2];
    memset(buffer, 0x5a, sizeof(buffer));
    uint8_t *p = buffer + (a & 7);
    __asm__ volatile("movq %1, %%mm1\n\tmovq %2, %%mm2\n\tmaskmovq %%mm2, %%mm1\n\temms"
                     : : "D"(p), "m"(a), "m"(mask) : "mm1", "mm2", "memory");
    memcpy(r, buffer, 16);
    return r[0] ^ (r[1] * 7);
}

static void test_unary(const char *name, UnaryFunction *f)
{
    Hash h;
    hash_start(&h, name);
    for (int i = 0; i < ITERATIONS; i++) {
        hash_add(&h, f(random_operand()));
    }
    hash_end(&h);
}

/* --- conversions with packed singles/doubles: MXCSR flags hashed too --- */

static const uint32_t special_f32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001,
    0x00000001, 0x3f800000, 0xbf800000, 0x4f000000, 0xcf000000, 0x3fc00000, 0x40200000,
    0xcf000001, 0x3f000000,
};

static uint32_t random_f32(void)
{
    uint64_t r = next_random();
    if ((r & 3) == 0) {
        return special_f32[(r >> 8) % 16];
    }
    float f = (float)(int32_t)(r >> 32) / (float)(int32_t)(1 + ((r >> 8) & 0xfff));
    if ((r & 3) == 1) {
        f = (float)((int32_t)(r >> 32) >> 12) + 0.5f * ((r >> 2) & 3);
    }
    uint32_t bits;
    memcpy(&bits, &f, 4);
    return bits;
}

static uint64_t random_f64(void)
{
    uint64_t r = next_random();
    double d = (double)(int64_t)r / (double)(1 + ((r >> 8) & 0xfffff));
    if ((r & 3) == 0) {
        d = (double)((int32_t)(r >> 32)) + 0.5 * ((r >> 2) & 3);
    } else if ((r & 7) == 1) {
        d = (r & 16) ? 1e300 : -2147483648.5;
    }
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return bits;
}

static uint32_t take_mxcsr(void)
{
    uint32_t m, clean = 0x1f80;
    __asm__ volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(m) : "m"(clean));
    return m;
}

static void test_conversions(void)
{
    Hash h[8];
    static const char *const names[8] = {
        "cvtpi2ps", "cvtpi2ps-mem", "cvtpi2pd", "cvtpi2pd-mem",
        "cvtps2pi", "cvttps2pi-mem", "cvtpd2pi", "cvttpd2pi-mem",
    };
    for (int k = 0; k < 8; k++) {
        hash_start(&h[k], names[k]);
    }
    take_mxcsr();
    for (int i = 0; i < ITERATIONS; i++) {
        uint64_t ints = random_operand();
        uint64_t singles = random_f32() | (uint64_t)random_f32() << 32;
        uint64_t doubles[2] __attribute__((aligned(16))) = { random_f64(), random_f64() };
        uint64_t keep[2] = { next_random(), next_random() }, x[2], r;
        __asm__ volatile("movdqu %2, %%xmm3\n\tmovq %1, %%mm1\n\tcvtpi2ps %%mm1, %%xmm3\n\t"
                         "movdqu %%xmm3, %0\n\temms" : "=m"(x) : "m"(ints), "m"(keep)
                         : "mm1", "xmm3");
        hash_add(&h[0], x[0]); hash_add(&h[0], x[1]); hash_add(&h[0], take_mxcsr());
        __asm__ volatile("movdqu %2, %%xmm3\n\tcvtpi2ps %1, %%xmm3\n\tmovdqu %%xmm3, %0"
                         : "=m"(x) : "m"(ints), "m"(keep) : "xmm3");
        hash_add(&h[1], x[0]); hash_add(&h[1], x[1]); hash_add(&h[1], take_mxcsr());
        __asm__ volatile("movdqu %2, %%xmm3\n\tmovq %1, %%mm1\n\tcvtpi2pd %%mm1, %%xmm3\n\t"
                         "movdqu %%xmm3, %0\n\temms" : "=m"(x) : "m"(ints), "m"(keep)
                         : "mm1", "xmm3");
        hash_add(&h[2], x[0]); hash_add(&h[2], x[1]); hash_add(&h[2], take_mxcsr());
        __asm__ volatile("movdqu %2, %%xmm3\n\tcvtpi2pd %1, %%xmm3\n\tmovdqu %%xmm3, %0"
                         : "=m"(x) : "m"(ints), "m"(keep) : "xmm3");
        hash_add(&h[3], x[0]); hash_add(&h[3], x[1]); hash_add(&h[3], take_mxcsr());
        __asm__ volatile("movq %1, %%xmm4\n\tcvtps2pi %%xmm4, %%mm2\n\tmovq %%mm2, %0\n\temms"
                         : "=m"(r) : "m"(singles) : "mm2", "xmm4");
        hash_add(&h[4], r); hash_add(&h[4], take_mxcsr());
        __asm__ volatile("cvttps2pi %1, %%mm2\n\tmovq %%mm2, %0\n\temms"
                         : "=m"(r) : "m"(singles) : "mm2");
        hash_add(&h[5], r); hash_add(&h[5], take_mxcsr());
        __asm__ volatile("movdqa %1, %%xmm5\n\tcvtpd2pi %%xmm5, %%mm3\n\tmovq %%mm3, %0\n\temms"
                         : "=m"(r) : "m"(doubles) : "mm3", "xmm5");
        hash_add(&h[6], r); hash_add(&h[6], take_mxcsr());
        __asm__ volatile("cvttpd2pi %1, %%mm3\n\tmovq %%mm3, %0\n\temms"
                         : "=m"(r) : "m"(doubles) : "mm3");
        hash_add(&h[7], r); hash_add(&h[7], take_mxcsr());
    }
    for (int k = 0; k < 8; k++) {
        hash_end(&h[k]);
    }
}

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) + 1 : 1);
    verbose = argc > 2 && argv[2][0] == 'v';
#define TEST_BINARY(insn) test_binary(#insn, reg_##insn, mem_##insn, false);
#define TEST_SHIFT(insn) test_binary(#insn, reg_##insn, mem_##insn, true);
    BINARY_OPS(TEST_BINARY)
    SHIFT_OPS(TEST_SHIFT)
#define TEST_IMMEDIATES(insn) test_unary_list(#insn "-imm", insn##_imm, \
                                              sizeof(insn##_imm) / sizeof(insn##_imm[0]));
    SHIFT_IMM_OPS(TEST_IMMEDIATES)
    test_unary_list("pshufw", pshufw_list, sizeof(pshufw_list) / sizeof(pshufw_list[0]));
    test_unary_list("pinsrw/pextrw", word_lane_list,
                    sizeof(word_lane_list) / sizeof(word_lane_list[0]));
    test_unary("movd-to-mm", movd_to_mm);
    test_unary("movd-to-mm-mem", movd_to_mm_mem);
    test_unary("movd-from-mm", movd_from_mm);
    test_unary("movd-from-mm-mem", movd_from_mm_mem);
    test_unary("movq-mm-mm", movq_mm_mm);
    test_unary("movq-0f7f-reg", movq_mm_mm_store_form);
    test_unary("movntq", movntq);
    test_unary("pmovmskb", pmovmskb);
    test_unary("movq2dq", movq2dq);
    test_unary("movdq2q", movdq2q);
    test_unary("maskmovq", maskmovq);
#ifdef __x86_64__
    test_unary("movq-to-mm-r64", movq_to_mm_r64);
    test_unary("movq-from-mm-r64", movq_from_mm_r64);
    test_unary("rex-forms", rex_forms);
#endif
    test_conversions();
    return 0;
}
