/*
 * Guest program for the SSE suite: applies SSE/SSE2 intrinsics to random and
 * special inputs (under every MXCSR rounding mode, with DAZ/FZ) and prints one
 * hash per operation. Run natively and under the emulator; outputs must match.
 * Usage: guest-intrinsics SEED
 */
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATIONS 300

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static const uint32_t special_f32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
    0x7f800001, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000, 0x4f000000,
    0xcf000000, 0x3fc00000, 0x40200000, 0x7f7fffff,
};
static const uint64_t special_f64[] = {
    0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x0000000000000001ull,
    0x3ff0000000000000ull, 0x41e0000000000000ull, 0xc3e0000000000000ull,
    0x3ff8000000000000ull, 0x4004000000000000ull,
};

/* 16-byte aligned storage so the compiler may fold loads into instructions */
typedef union Vector {
    __m128i i;
    __m128 s;
    __m128d d;
    uint32_t l[4];
    uint64_t q[2];
} Vector;

static Vector random_vector(int kind)
{
    Vector v;
    uint64_t r = next_random();
    v.q[0] = next_random();
    v.q[1] = next_random();
    if (kind == 1) {
        for (int i = 0; i < 4; i++) {
            uint64_t pick = next_random();
            if ((pick & 3) == 0) {
                v.l[i] = special_f32[(pick >> 8) % 16];
            } else if ((pick & 3) == 1) {
                /* int32 conversions only: i386 gcc converts 64-bit integers with x87 */
                float f = (float)(int32_t)(pick >> 32) /
                          (float)(int32_t)(1 + ((pick >> 8) & 0xfff));
                memcpy(&v.l[i], &f, 4);
            }
        }
    } else if (kind == 2) {
        for (int i = 0; i < 2; i++) {
            uint64_t pick = next_random();
            if ((pick & 3) == 0) {
                v.q[i] = special_f64[(pick >> 8) % 12];
            } else if ((pick & 3) == 1) {
                uint64_t r = next_random();
                double f = ((double)(int32_t)(r >> 32) * 65536.0 + (double)(int32_t)(r & 0xffff)) /
                           (double)(int32_t)(1 + ((pick >> 8) & 0xfffff));
                memcpy(&v.q[i], &f, 8);
            }
        }
    } else if ((r & 7) == 0) {
        v.q[1] = v.q[0];
    }
    return v;
}

static uint64_t hash_value;

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

/* --- integer operations --- */
#define INT_OPS(X) \
    X(add_epi8) X(add_epi16) X(add_epi32) X(add_epi64) X(sub_epi8) X(sub_epi16) \
    X(sub_epi32) X(sub_epi64) X(adds_epi8) X(adds_epi16) X(adds_epu8) X(adds_epu16) \
    X(subs_epi8) X(subs_epi16) X(subs_epu8) X(subs_epu16) X(mullo_epi16) X(mulhi_epi16) \
    X(mulhi_epu16) X(mul_epu32) X(madd_epi16) X(avg_epu8) X(avg_epu16) X(sad_epu8) \
    X(min_epu8) X(max_epu8) X(min_epi16) X(max_epi16) X(cmpeq_epi8) X(cmpeq_epi16) \
    X(cmpeq_epi32) X(cmpgt_epi8) X(cmpgt_epi16) X(cmpgt_epi32) X(packs_epi16) \
    X(packs_epi32) X(packus_epi16) X(unpacklo_epi8) X(unpacklo_epi16) X(unpacklo_epi32) \
    X(unpacklo_epi64) X(unpackhi_epi8) X(unpackhi_epi16) X(unpackhi_epi32) \
    X(unpackhi_epi64) X(and_si128) X(andnot_si128) X(or_si128) X(xor_si128) \
    X(sll_epi16) X(sll_epi32) X(sll_epi64) X(srl_epi16) X(srl_epi32) X(srl_epi64) \
    X(sra_epi16) X(sra_epi32)

static Vector inputs_a[ITERATIONS], inputs_b[ITERATIONS];

#define RUN_INT_OP(name) \
    for (int n = 0; n < ITERATIONS; n++) { \
        __m128i b = inputs_b[n].i; \
        if (#name[0] == 's' && (#name[1] == 'l' || #name[1] == 'r') && (n & 1)) { \
            b = _mm_cvtsi32_si128(inputs_b[n].l[0] % 70); \
        } \
        hash_vector(_mm_##name(inputs_a[n].i, b)); \
    } \
    print_hash(#name);

#define IMM_OPS(X, imm) \
    X(slli_epi16, imm) X(slli_epi32, imm) X(slli_epi64, imm) X(srli_epi16, imm) \
    X(srli_epi32, imm) X(srli_epi64, imm) X(srai_epi16, imm) X(srai_epi32, imm) \
    X(slli_si128, imm) X(srli_si128, imm) X(shuffle_epi32, imm) X(shufflelo_epi16, imm) \
    X(shufflehi_epi16, imm)
#define RUN_IMM_OP(name, imm) \
    for (int n = 0; n < ITERATIONS; n++) { \
        hash_vector(_mm_##name(inputs_a[n].i, imm)); \
    }

static void test_integer(void)
{
    for (int n = 0; n < ITERATIONS; n++) {
        inputs_a[n] = random_vector(0);
        inputs_b[n] = random_vector(0);
    }
    INT_OPS(RUN_INT_OP)
    IMM_OPS(RUN_IMM_OP, 0) IMM_OPS(RUN_IMM_OP, 1) IMM_OPS(RUN_IMM_OP, 7)
    IMM_OPS(RUN_IMM_OP, 0x1b) IMM_OPS(RUN_IMM_OP, 31) IMM_OPS(RUN_IMM_OP, 0xe4)
    print_hash("immediates");
    for (int n = 0; n < ITERATIONS; n++) {
        uint32_t masks = (uint32_t)_mm_movemask_epi8(inputs_a[n].i);
        masks += (uint32_t)_mm_movemask_ps(inputs_a[n].s) << 16;
        masks += (uint32_t)_mm_movemask_pd(inputs_a[n].d) << 20;
        masks += (uint32_t)_mm_extract_epi16(inputs_a[n].i, 5) << 8;
        hash_bytes(&masks, sizeof(masks));
        hash_vector(_mm_insert_epi16(inputs_a[n].i, (int)inputs_b[n].l[0], 3));
        hash_vector(_mm_insert_epi16(inputs_a[n].i, (int)inputs_b[n].l[1], 6));
        hash_vector(_mm_move_epi64(inputs_a[n].i));
        hash_vector(_mm_cvtsi32_si128((int)inputs_b[n].l[2]));
        int low = _mm_cvtsi128_si32(inputs_b[n].i);
        hash_bytes(&low, sizeof(low));
        char target[48];
        memset(target, 0x5a, sizeof(target));
        _mm_maskmoveu_si128(inputs_a[n].i, inputs_b[n].i, target + (n & 31));
        hash_bytes(target, sizeof(target));
    }
    print_hash("masks+moves");
}

/* --- floating point, under each rounding mode and with DAZ/FZ --- */
#define PS_OPS(X) \
    X(add_ps) X(sub_ps) X(mul_ps) X(div_ps) X(min_ps) X(max_ps) X(add_ss) X(sub_ss) \
    X(mul_ss) X(div_ss) X(min_ss) X(max_ss) X(cmpeq_ps) X(cmplt_ps) X(cmple_ps) \
    X(cmpunord_ps) X(cmpneq_ps) X(cmpnlt_ps) X(cmpnle_ps) X(cmpord_ps) X(cmpeq_ss) \
    X(cmplt_ss) X(cmpunord_ss) X(and_ps) X(andnot_ps) X(or_ps) X(xor_ps) \
    X(unpacklo_ps) X(unpackhi_ps) X(movehl_ps) X(movelh_ps) X(move_ss)
#define PD_OPS(X) \
    X(add_pd) X(sub_pd) X(mul_pd) X(div_pd) X(min_pd) X(max_pd) X(add_sd) X(sub_sd) \
    X(mul_sd) X(div_sd) X(min_sd) X(max_sd) X(cmpeq_pd) X(cmplt_pd) X(cmple_pd) \
    X(cmpunord_pd) X(cmpneq_pd) X(cmpnlt_pd) X(cmpnle_pd) X(cmpord_pd) X(cmpeq_sd) \
    X(cmple_sd) X(cmpord_sd) X(and_pd) X(andnot_pd) X(or_pd) X(xor_pd) \
    X(unpacklo_pd) X(unpackhi_pd) X(move_sd)

static Vector float_a[ITERATIONS], float_b[ITERATIONS];
static Vector double_a[ITERATIONS], double_b[ITERATIONS];

/* result and the exception flags it raised */
static void hash_float_result(__m128i v)
{
    uint32_t flags = _mm_getcsr() & 0x3f;
    hash_vector(v);
    hash_bytes(&flags, sizeof(flags));
}

#define RUN_PS_OP(name) \
    for (int n = 0; n < ITERATIONS; n++) { \
        _mm_setcsr(csr); \
        hash_float_result(_mm_castps_si128(_mm_##name(float_a[n].s, float_b[n].s))); \
    } \
    print_hash(#name);
#define RUN_PD_OP(name) \
    for (int n = 0; n < ITERATIONS; n++) { \
        _mm_setcsr(csr); \
        hash_float_result(_mm_castpd_si128(_mm_##name(double_a[n].d, double_b[n].d))); \
    } \
    print_hash(#name);

static void test_scalar_conversions(unsigned csr)
{
    for (int n = 0; n < ITERATIONS; n++) {
        int32_t r[8];
        _mm_setcsr(csr);
        r[0] = _mm_cvtss_si32(float_a[n].s);
        r[1] = _mm_cvttss_si32(float_a[n].s);
        r[2] = _mm_cvtsd_si32(double_a[n].d);
        r[3] = _mm_cvttsd_si32(double_a[n].d);
        r[4] = _mm_comilt_ss(float_a[n].s, float_b[n].s) |
               _mm_comieq_ss(float_a[n].s, float_b[n].s) << 1 |
               _mm_ucomigt_ss(float_a[n].s, float_b[n].s) << 2 |
               _mm_ucomineq_ss(float_a[n].s, float_b[n].s) << 3;
        r[5] = _mm_comile_sd(double_a[n].d, double_b[n].d) |
               _mm_comineq_sd(double_a[n].d, double_b[n].d) << 1 |
               _mm_ucomige_sd(double_a[n].d, double_b[n].d) << 2 |
               _mm_ucomieq_sd(double_a[n].d, double_b[n].d) << 3;
        r[6] = (int32_t)float_b[n].l[3] >> (float_b[n].l[2] & 31);
        hash_float_result(_mm_castps_si128(_mm_cvtsi32_ss(float_a[n].s, r[6])));
        hash_float_result(_mm_castpd_si128(_mm_cvtsi32_sd(double_a[n].d, r[6])));
#ifdef __x86_64__
        int64_t big = (int64_t)double_b[n].q[1] >> (double_b[n].q[0] & 63);
        int64_t r64[4] = {
            _mm_cvtss_si64(float_a[n].s), _mm_cvttss_si64(float_a[n].s),
            _mm_cvtsd_si64(double_a[n].d), _mm_cvttsd_si64(double_a[n].d),
        };
        hash_bytes(r64, sizeof(r64));
        hash_float_result(_mm_castps_si128(_mm_cvtsi64_ss(float_a[n].s, big)));
        hash_float_result(_mm_castpd_si128(_mm_cvtsi64_sd(double_a[n].d, big)));
#endif
        r[7] = (int32_t)(_mm_getcsr() & 0x3f);
        hash_bytes(r, sizeof(r));
    }
    print_hash("scalar cvt");
}

static void test_float(unsigned csr)
{
    printf("mxcsr %04x\n", csr);
    PS_OPS(RUN_PS_OP)
    PD_OPS(RUN_PD_OP)
    for (int n = 0; n < ITERATIONS; n++) {
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_sqrt_ps(float_a[n].s)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castpd_si128(_mm_sqrt_pd(double_a[n].d)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_sqrt_ss(float_a[n].s)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castpd_si128(_mm_sqrt_sd(double_a[n].d, double_b[n].d)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_shuffle_ps(float_a[n].s, float_b[n].s, 0x4e)));
        hash_float_result(_mm_castpd_si128(_mm_shuffle_pd(double_a[n].d, double_b[n].d, 1)));
    }
    print_hash("sqrt+shuffle");
    for (int n = 0; n < ITERATIONS; n++) {
        _mm_setcsr(csr);
        hash_float_result(_mm_castpd_si128(_mm_cvtps_pd(float_a[n].s)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_cvtpd_ps(double_a[n].d)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castpd_si128(_mm_cvtss_sd(double_b[n].d, float_a[n].s)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_cvtsd_ss(float_b[n].s, double_a[n].d)));
        _mm_setcsr(csr);
        hash_float_result(_mm_castps_si128(_mm_cvtepi32_ps(float_b[n].i)));
        _mm_setcsr(csr);
        hash_float_result(_mm_cvtps_epi32(float_a[n].s));
        _mm_setcsr(csr);
        hash_float_result(_mm_cvttps_epi32(float_a[n].s));
        _mm_setcsr(csr);
        hash_float_result(_mm_castpd_si128(_mm_cvtepi32_pd(float_b[n].i)));
        _mm_setcsr(csr);
        hash_float_result(_mm_cvtpd_epi32(double_a[n].d));
        _mm_setcsr(csr);
        hash_float_result(_mm_cvttpd_epi32(double_a[n].d));
    }
    print_hash("packed cvt");
    test_scalar_conversions(csr);
    _mm_setcsr(0x1f80);
}

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) : 1);
    hash_value = 0xcbf29ce484222325ull;
    test_integer();
    for (int n = 0; n < ITERATIONS; n++) {
        float_a[n] = random_vector(1);
        float_b[n] = random_vector(1);
        double_a[n] = random_vector(2);
        double_b[n] = random_vector(2);
    }
    static const unsigned modes[] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1fc0, 0x9f80 };
    for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        test_float(modes[i]);
    }
    return 0;
}
