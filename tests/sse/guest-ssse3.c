/*
 * Guest program for the SSE suite: every SSE3 and SSSE3 instruction on random
 * and edge inputs (saturation limits, the most negative lanes, NaNs, denormals,
 * infinities), the float ones under each MXCSR rounding mode and with DAZ/FZ,
 * in register and memory forms, and the MMX forms of SSSE3 through inline
 * assembly (gcc may implement MMX intrinsics with XMM code). Prints one hash
 * per instruction group; run natively and under the emulator, outputs must
 * match. Build with -mssse3. Usage: guest-ssse3 SEED
 */
#include <tmmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATIONS 400

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

typedef union Vector {
    __m128i i;
    __m128 s;
    __m128d d;
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} Vector;

static const uint32_t special_f32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
    0x7f800001, 0xff812345, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000,
    0x7f7fffff, 0xff7fffff, 0x00800000, 0x3fc00000,
};
static const uint64_t special_f64[] = {
    0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0xfff8000000000123ull, 0x7ff0000000000001ull,
    0x0000000000000001ull, 0x800fffffffffffffull, 0x3ff0000000000000ull,
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull,
    0x3ff8000000000000ull, 0xbff0000000000001ull, 0x4004000000000000ull,
};
/* integer lanes at the saturation and sign boundaries */
static const uint32_t special_int[] = {
    0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x7fff7fff, 0x80008000, 0x80808080,
    0x7f7f7f7f, 0xffff8000, 0x00007fff, 0x01ff8001, 0x8f0f8707, 0xc0004000,
};

/* kind 0: integers, 1: singles, 2: doubles */
static Vector random_vector(int kind)
{
    Vector v;
    v.q[0] = next_random();
    v.q[1] = next_random();
    for (int i = 0; i < 4; i++) {
        uint64_t pick = next_random();
        if (kind == 0 && (pick & 3) == 0) {
            v.l[i] = special_int[(pick >> 8) % (sizeof(special_int) / 4)];
        } else if (kind == 1 && (pick & 3) == 0) {
            v.l[i] = special_f32[(pick >> 8) % 16];
        } else if (kind == 1 && (pick & 3) == 1) {
            float f = (float)(int32_t)(pick >> 32) / (float)(int32_t)(1 + ((pick >> 8) & 0xfff));
            memcpy(&v.l[i], &f, 4);
        } else if (kind == 2 && i < 2 && (pick & 3) == 0) {
            v.q[i] = special_f64[(pick >> 8) % 16];
        } else if (kind == 2 && i < 2 && (pick & 3) == 1) {
            double f = (double)(int32_t)(pick >> 32) / (double)(int32_t)(1 + ((pick >> 8) & 0xfffff));
            memcpy(&v.q[i], &f, 8);
        }
    }
    return v;
}

static uint64_t hash_value = 0xcbf29ce484222325ull;

static void hash_bytes(const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        hash_value = (hash_value ^ p[i]) * 0x100000001b3ull;
    }
}

static void hash_vector(__m128i v)
{
    Vector r;
    r.i = v;
    hash_bytes(&r, sizeof(r));
}

static void print_hash(const char *name)
{
    printf("%-12s %016llx\n", name, (unsigned long long)hash_value);
    hash_value = 0xcbf29ce484222325ull;
}

static Vector int_a[ITERATIONS], int_b[ITERATIONS];
static Vector float_a[ITERATIONS], float_b[ITERATIONS];
static Vector double_a[ITERATIONS], double_b[ITERATIONS];

/* --- SSSE3, XMM forms: intrinsics (register or folded memory) and asm memory forms --- */
#define SSSE3_BINARY(X) \
    X(shuffle_epi8, "pshufb") X(hadd_epi16, "phaddw") X(hadd_epi32, "phaddd") \
    X(hadds_epi16, "phaddsw") X(hsub_epi16, "phsubw") X(hsub_epi32, "phsubd") \
    X(hsubs_epi16, "phsubsw") X(maddubs_epi16, "pmaddubsw") X(mulhrs_epi16, "pmulhrsw") \
    X(sign_epi8, "psignb") X(sign_epi16, "psignw") X(sign_epi32, "psignd")

#define RUN_SSSE3_BINARY(name, insn) \
    for (int n = 0; n < ITERATIONS; n++) { \
        Vector a = int_a[n]; \
        hash_vector(_mm_##name(int_a[n].i, int_b[n].i)); \
        __asm__(insn " %1, %0" : "+x"(a.i) : "m"(int_b[n])); \
        hash_vector(a.i); \
    } \
    print_hash(insn);

#define RUN_ALIGNR(imm) \
    for (int n = 0; n < ITERATIONS; n++) { \
        Vector a = int_a[n]; \
        hash_vector(_mm_alignr_epi8(int_a[n].i, int_b[n].i, imm)); \
        __asm__("palignr $" #imm ", %1, %0" : "+x"(a.i) : "m"(int_b[n])); \
        hash_vector(a.i); \
    }

static void test_ssse3_xmm(void)
{
    SSSE3_BINARY(RUN_SSSE3_BINARY)
    for (int n = 0; n < ITERATIONS; n++) {
        Vector a;
        hash_vector(_mm_abs_epi8(int_b[n].i));
        hash_vector(_mm_abs_epi16(int_b[n].i));
        hash_vector(_mm_abs_epi32(int_b[n].i));
        __asm__("pabsb %1, %0" : "=x"(a.i) : "m"(int_a[n]));
        hash_vector(a.i);
        __asm__("pabsw %1, %0" : "=x"(a.i) : "m"(int_a[n]));
        hash_vector(a.i);
        __asm__("pabsd %1, %0" : "=x"(a.i) : "m"(int_a[n]));
        hash_vector(a.i);
    }
    print_hash("pabs");
    RUN_ALIGNR(0) RUN_ALIGNR(1) RUN_ALIGNR(5) RUN_ALIGNR(8) RUN_ALIGNR(15) RUN_ALIGNR(16)
    RUN_ALIGNR(17) RUN_ALIGNR(24) RUN_ALIGNR(31) RUN_ALIGNR(32) RUN_ALIGNR(200)
    RUN_ALIGNR(2) RUN_ALIGNR(7) RUN_ALIGNR(9) RUN_ALIGNR(12) RUN_ALIGNR(23) RUN_ALIGNR(25)
    RUN_ALIGNR(30) RUN_ALIGNR(33) RUN_ALIGNR(40) RUN_ALIGNR(255)
    print_hash("palignr");
}

/* --- SSSE3, MMX forms: register and memory sources --- */
#define MMX_OP(insn, a, b, r, s) \
    __asm__("movq %2, %%mm0\n\tmovq %3, %%mm1\n\t" insn " %%mm1, %%mm0\n\tmovq %%mm0, %0\n\t" \
            "movq %2, %%mm2\n\t" insn " %3, %%mm2\n\tmovq %%mm2, %1" \
            : "=m"(r), "=m"(s) : "m"(a), "m"(b) : "mm0", "mm1", "mm2")
#define SSSE3_MMX(X) \
    X("pshufb") X("phaddw") X("phaddd") X("phaddsw") X("phsubw") X("phsubd") X("phsubsw") \
    X("pmaddubsw") X("pmulhrsw") X("psignb") X("psignw") X("psignd") X("pabsb") X("pabsw") \
    X("pabsd") X("palignr $0,") X("palignr $3,") X("palignr $8,") X("palignr $13,") \
    X("palignr $16,") X("palignr $255,") X("palignr $1,") X("palignr $7,") X("palignr $9,") \
    X("palignr $15,") X("palignr $17,")
#define RUN_SSSE3_MMX(insn) \
    for (int n = 0; n < ITERATIONS; n++) { \
        uint64_t r, s; \
        MMX_OP(insn, int_a[n].q[n & 1], int_b[n].q[(n >> 1) & 1], r, s); \
        hash_bytes(&r, 8); \
        hash_bytes(&s, 8); \
    }

static void test_ssse3_mmx(void)
{
    SSSE3_MMX(RUN_SSSE3_MMX)
    __asm__ volatile("emms");
    print_hash("ssse3 mmx");
}

/* --- SSE3 --- */

/* result and the exception flags it raised */
static void hash_float_result(__m128i v)
{
    uint32_t flags = _mm_getcsr() & 0x3f;
    hash_vector(v);
    hash_bytes(&flags, sizeof(flags));
}

#define SSE3_FLOAT(X) \
    X(addsub_ps, "addsubps", s, float) X(hadd_ps, "haddps", s, float) \
    X(hsub_ps, "hsubps", s, float) X(addsub_pd, "addsubpd", d, double) \
    X(hadd_pd, "haddpd", d, double) X(hsub_pd, "hsubpd", d, double)
#define RUN_SSE3_FLOAT(name, insn, field, set) \
    for (int n = 0; n < ITERATIONS; n++) { \
        Vector a = set##_a[n]; \
        _mm_setcsr(csr); \
        a.field = _mm_##name(set##_a[n].field, set##_b[n].field); \
        hash_float_result(a.i); \
        a = set##_a[n]; \
        _mm_setcsr(csr); \
        __asm__ volatile(insn " %1, %0" : "+x"(a.i) : "m"(set##_b[n])); \
        hash_float_result(a.i); \
        /* both operands the same register: the pairs come from one value */ \
        a = set##_b[n]; \
        _mm_setcsr(csr); \
        __asm__ volatile(insn " %0, %0" : "+x"(a.i)); \
        hash_float_result(a.i); \
    } \
    print_hash(insn);

static void test_sse3_float(unsigned csr)
{
    printf("mxcsr %04x\n", csr);
    SSE3_FLOAT(RUN_SSE3_FLOAT)
    _mm_setcsr(0x1f80);
}

static void test_sse3_moves(void)
{
    static char buffer[64] __attribute__((aligned(16)));
    for (int n = 0; n < ITERATIONS; n++) {
        Vector a;
        hash_vector(_mm_castps_si128(_mm_movehdup_ps(float_a[n].s)));
        hash_vector(_mm_castps_si128(_mm_moveldup_ps(float_a[n].s)));
        hash_vector(_mm_castpd_si128(_mm_movedup_pd(double_a[n].d)));
        __asm__("movshdup %1, %0" : "=x"(a.i) : "m"(float_b[n]));
        hash_vector(a.i);
        __asm__("movsldup %1, %0" : "=x"(a.i) : "m"(float_b[n]));
        hash_vector(a.i);
        __asm__("movddup %1, %0" : "=x"(a.i) : "m"(double_b[n].q[1]));
        hash_vector(a.i);
        memcpy(buffer + (n & 31), &int_a[n], 16);
        memcpy(buffer + 32 + (n & 15), &int_b[n], 16);
        hash_vector(_mm_lddqu_si128((const __m128i *)(buffer + (n & 31))));
        __asm__("lddqu %1, %0" : "=x"(a.i) : "m"(*(char (*)[16])(buffer + 32 + (n & 15))));
        hash_vector(a.i);
    }
    print_hash("sse3 moves");
}

/* FISTTP (SSE3): x87 store as integer with truncation, 16/32/64-bit */
static void test_fisttp(void)
{
    for (int n = 0; n < ITERATIONS; n++) {
        double v;
        uint64_t bits = float_a[n].l[0] % 3 ? double_a[n].q[0] : double_a[n].q[1] >> (n & 31);
        memcpy(&v, &bits, 8);
        int16_t r16;
        int32_t r32;
        int64_t r64;
        uint16_t status;
        __asm__ volatile("fnclex\n\tfldl %4\n\tfisttps %0\n\tfldl %4\n\tfisttpl %1\n\t"
                         "fldl %4\n\tfisttpll %2\n\tfnstsw %3"
                         : "=m"(r16), "=m"(r32), "=m"(r64), "=m"(status) : "m"(v));
        /* IE and PE (FISTTP's own flags); DE would come from FLD m64 of a
         * denormal, which is the x87 suite's business */
        status &= 0x21;
        hash_bytes(&r16, 2);
        hash_bytes(&r32, 4);
        hash_bytes(&r64, 8);
        hash_bytes(&status, 2);
    }
    print_hash("fisttp");
}

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) : 1);
    for (int n = 0; n < ITERATIONS; n++) {
        int_a[n] = random_vector(0);
        int_b[n] = random_vector(0);
        float_a[n] = random_vector(1);
        float_b[n] = random_vector(1);
        double_a[n] = random_vector(2);
        double_b[n] = random_vector(2);
    }
    test_ssse3_xmm();
    test_ssse3_mmx();
    test_sse3_moves();
    test_fisttp();
    static const unsigned modes[] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1fc0, 0x9f80 };
    for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        test_sse3_float(modes[i]);
    }
    return 0;
}
