/*
 * F16C (Intel SDM vol. 2A, VCVTPH2PS and VCVTPS2PH): half precision (1, 5,
 * 10 bits, IEEE 754 binary16) to and from single precision.
 *
 * VCVTPH2PS is exact: an SNaN becomes its quiet NaN with IE; half denormals
 * are normal singles. VCVTPS2PH rounds per imm8[1:0], or MXCSR.RC when
 * imm8[2] is set, with IE (SNaN), DE (denormal input, read as zero with
 * DAZ), OE, UE and PE. On an x86 host with F16C the host converts under the
 * guest's MXCSR with every exception masked and its flags are the guest's;
 * the C below (alone with F16C_PORTABLE_ONLY) does the same elsewhere. An
 * unmasked exception raises #XM with nothing written.
 */
#include <math.h>
#include "target-i386/avx_helper.h"
#include "target-i386/sse_helper.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(F16C_PORTABLE_ONLY)
#define F16C_HOST 1
#include <immintrin.h>
#endif

#define MXCSR_UM_BIT (MXCSR_UE << MXCSR_MASK_SHIFT)

/* --- portable conversions, flags into *flags --- */

static uint32_t half_to_single(uint16_t h, uint32_t *flags)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 31, frac = h & 0x3ff;
    if (exp == 31) {
        if (frac && !(frac & 0x200)) {
            *flags |= MXCSR_IE;
        }
        return sign | 0x7f800000u | (frac << 13) | (frac ? 0x00400000u : 0);
    }
    if (exp == 0) {
        if (!frac) {
            return sign;
        }
        int shift = 0;                  /* normalise the denormal */
        while (!(frac & 0x400)) {
            frac <<= 1;
            shift++;
        }
        return sign | (uint32_t)(127 - 15 - shift + 1) << 23 | (frac & 0x3ff) << 13;
    }
    return sign | (exp + 127 - 15) << 23 | frac << 13;
}

/* rounds the non-negative integer part q + fraction rem (0 <= rem < 1) */
static uint64_t round_quotient(double q, unsigned mode, bool negative, bool *inexact)
{
    double whole = floor(q), rem = q - whole;
    uint64_t n = (uint64_t)whole;
    *inexact = rem != 0;
    if (!*inexact) {
        return n;
    }
    switch (mode) {
    case 0: return (rem > 0.5 || (rem == 0.5 && (n & 1))) ? n + 1 : n;
    case 1: return negative ? n + 1 : n;         /* toward -inf */
    case 2: return negative ? n : n + 1;         /* toward +inf */
    default: return n;
    }
}

static uint16_t single_to_half(uint32_t f, unsigned mode, uint32_t mxcsr, uint32_t *flags)
{
    uint16_t sign = (uint16_t)((f >> 16) & 0x8000);
    uint32_t exp = (f >> 23) & 255, frac = f & 0x7fffff;
    if (exp == 255) {
        if (frac && !(frac & 0x400000)) {
            *flags |= MXCSR_IE;
        }
        return (uint16_t)(sign | 0x7c00 | (frac ? 0x200 | (frac >> 13) : 0));
    }
    if (exp == 0 && frac) {
        if (mxcsr & MXCSR_DAZ) {
            return sign;
        }
        *flags |= MXCSR_DE;
    }
    float value;
    uint32_t bits = f & 0x7fffffffu;
    memcpy(&value, &bits, 4);
    if (value == 0) {
        return sign;
    }
    int e = ilogb(value);
    bool tiny = e < -14;
    double ulp = ldexp(1.0, (tiny ? -14 : e) - 10);
    bool inexact;
    uint64_t q = round_quotient((double)value / ulp, mode, sign != 0, &inexact);
    /* q * ulp: with e >= -14, q lies in [1024, 2048]; below, in [0, 1024] */
    int he = tiny ? 0 : e + 15;
    if (q >= 2048) {
        q >>= 1;
        he++;
    } else if (tiny && q >= 1024) {
        he = 1;                          /* rounded up to the smallest normal */
    }
    if (inexact) {
        *flags |= MXCSR_PE | (tiny ? MXCSR_UE : 0);
    }
    if (he >= 31) {
        *flags |= MXCSR_OE | MXCSR_PE;
        bool to_max = mode == 3 || (mode == 1 && !sign) || (mode == 2 && sign);
        return (uint16_t)(sign | (to_max ? 0x7bff : 0x7c00));
    }
    return (uint16_t)(sign | he << 10 | (q & 0x3ff));
}

#ifdef F16C_HOST
__attribute__((target("avx,f16c")))
static uint32_t host_ph2ps(uint32_t mxcsr, Ymm *r, const Ymm *src)
{
    uint32_t saved = _mm_getcsr();
    _mm_setcsr((MXCSR_FLAGS << MXCSR_MASK_SHIFT) |
               (mxcsr & (MXCSR_RC_MASK | MXCSR_DAZ | MXCSR_FZ)));
    __m128i in;
    memcpy(&in, src, 16);
    __m256 out = _mm256_cvtph_ps(in);
    memcpy(r, &out, 32);
    uint32_t flags = _mm_getcsr() & MXCSR_FLAGS;
    _mm_setcsr(saved);
    return flags;
}

#define PS2PH_CASE(n) case n: out = _mm256_cvtps_ph(in, n); break;

__attribute__((target("avx,f16c")))
static uint32_t host_ps2ph(uint32_t mxcsr, unsigned imm, Ymm *r, const Ymm *src)
{
    uint32_t saved = _mm_getcsr();
    uint32_t flush = (mxcsr & MXCSR_UM_BIT) ? mxcsr & MXCSR_FZ : 0;
    _mm_setcsr((MXCSR_FLAGS << MXCSR_MASK_SHIFT) |
               (mxcsr & (MXCSR_RC_MASK | MXCSR_DAZ)) | flush);
    __m256 in;
    __m128i out = _mm_setzero_si128();
    memcpy(&in, src, 32);
    switch (imm & 7) {
        PS2PH_CASE(0) PS2PH_CASE(1) PS2PH_CASE(2) PS2PH_CASE(3)
        PS2PH_CASE(4) PS2PH_CASE(5) PS2PH_CASE(6) PS2PH_CASE(7)
    }
    memcpy(r, &out, 16);
    uint32_t flags = _mm_getcsr() & MXCSR_FLAGS;
    _mm_setcsr(saved);
    return flags;
}
#endif

static void finish(CPUX86State *env, uint32_t flags, uintptr_t ra)
{
    uint32_t unmasked = flags & ~(env->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (unmasked) {
        uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
        env->mxcsr |= (unmasked & pre) ? flags & pre : flags;
        x86_raise_exception(env, EXCP13_XMM, 0, ra);
    }
    env->mxcsr |= flags;
}

/* VCVTPH2PS xmm1/ymm1, xmm2/m64/m128 (b) */
void helper_vcvtph2ps(CPUX86State *env, uint32_t desc)
{
    Ymm src, r = { 0 };
    bool l = AVX_L(desc);
    uint32_t flags = 0;
    ymm_read(env, AVX_B(desc), &src);
    if (!l) {
        memset(src.b + 8, 0, 24);       /* only four halves are read */
    }
#ifdef F16C_HOST
    if (__builtin_cpu_supports("f16c")) {
        flags = host_ph2ps(env->mxcsr, &r, &src);
    } else
#endif
    {
        for (int i = 0; i < (l ? 8 : 4); i++) {
            r.l[i] = half_to_single(src.w[i], &flags);
        }
    }
    finish(env, flags, GETPC());
    ymm_write(env, AVX_D(desc), &r, l);
}

/* VCVTPS2PH xmm1/m64/m128 (d), xmm2/ymm2 (a), imm8: the register result's
 * other bits are zero (a VEX.128 destination) */
void helper_vcvtps2ph(CPUX86State *env, uint32_t desc)
{
    Ymm src, r = { 0 };
    bool l = AVX_L(desc);
    unsigned imm = AVX_IMM(desc);
    uint32_t flags = 0;
    ymm_read(env, AVX_A(desc), &src);
    if (!l) {
        memset(src.b + 16, 0, 16);
    }
#ifdef F16C_HOST
    if (__builtin_cpu_supports("f16c")) {
        flags = host_ps2ph(env->mxcsr, imm, &r, &src);
    } else
#endif
    {
        unsigned mode = (imm & 4) ? (env->mxcsr & MXCSR_RC_MASK) >> MXCSR_RC_SHIFT : imm & 3;
        for (int i = 0; i < (l ? 8 : 4); i++) {
            r.w[i] = single_to_half(src.l[i], mode, env->mxcsr, &flags);
        }
    }
    if (!l) {
        memset(r.b + 8, 0, 8);
    }
    finish(env, flags, GETPC());
    ymm_write(env, AVX_D(desc), &r, false);
}
