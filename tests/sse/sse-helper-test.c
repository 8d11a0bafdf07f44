/*
 * Native unit test of the SSE helpers: every helper against the host's own
 * SSE/SSE2/SSE3/SSSE3 instruction (via intrinsics or inline asm) on random and
 * special inputs, with the same MXCSR. Prints one line per failing helper and "N passed, N failed".
 * Usage: sse-helper-test [iterations] [seed]
 */
#include <emmintrin.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target-i386/sse_helper.h"

/* The helpers' only outside dependency; LDMXCSR's #GP lands here. */
static jmp_buf raise_target;
static int raised_exception;

void x86_raise_exception(CPUX86State *env, int intno, int error_code, uintptr_t host_pc)
{
    raised_exception = intno;
    longjmp(raise_target, 1);
}

typedef struct TestState {
    uint64_t random;
    unsigned passed, failed;
} TestState;

static uint64_t next_random(TestState *t)
{
    /* xorshift64* */
    t->random ^= t->random >> 12;
    t->random ^= t->random << 25;
    t->random ^= t->random >> 27;
    return t->random * 0x2545f4914f6cdd1dull;
}

/* Interesting float lanes: zeros, infinities, NaNs (quiet and signaling),
 * denormals, integers near conversion limits, and random bits. */
static uint32_t random_f32_bits(TestState *t)
{
    static const uint32_t special[] = {
        0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
        0x7f800001, 0xff812345, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000,
        0x4f000000, 0xcf000000, 0x4effffff, 0x5f000000, 0xdf000000, 0x3f000000,
        0x3fc00000, 0x40200000, 0xc0200000, 0x00800000, 0x7f7fffff,
    };
    uint64_t r = next_random(t);
    switch (r & 3) {
    case 0: return special[(r >> 8) % (sizeof(special) / sizeof(special[0]))];
    case 1: return (uint32_t)(r >> 32);
    default: {
        /* moderate magnitudes, so that arithmetic is mostly finite and inexact */
        float f = (float)(int32_t)(r >> 32) / (float)(1 + ((r >> 8) & 0xffff));
        uint32_t bits;
        memcpy(&bits, &f, sizeof(bits));
        return bits;
    }
    }
}

static uint64_t random_f64_bits(TestState *t)
{
    static const uint64_t special[] = {
        0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000123ull, 0x7ff0000000000001ull,
        0x0000000000000001ull, 0x800fffffffffffffull, 0x3ff0000000000000ull,
        0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41dfffffffc00000ull,
        0x43e0000000000000ull, 0xc3e0000000000000ull, 0x3fe0000000000000ull,
        0x3ff8000000000000ull, 0x4004000000000000ull, 0x36a0000000000000ull,
        0x47efffffe0000000ull, 0x47f0000000000000ull,
    };
    uint64_t r = next_random(t);
    switch (r & 3) {
    case 0: return special[(r >> 8) % (sizeof(special) / sizeof(special[0]))];
    case 1: return next_random(t);
    default: {
        double f = (double)(int64_t)next_random(t) / (double)(1 + ((r >> 8) & 0xffffff));
        uint64_t bits;
        memcpy(&bits, &f, sizeof(bits));
        return bits;
    }
    }
}

typedef enum LaneKind { LANES_INT, LANES_F32, LANES_F64 } LaneKind;

static XMMReg random_xmm(TestState *t, LaneKind kind)
{
    XMMReg r;
    uint64_t pick = next_random(t);
    for (int i = 0; i < 4; i++) {
        r.l[i] = random_f32_bits(t);
    }
    if (kind == LANES_F64) {
        r.q[0] = random_f64_bits(t);
        r.q[1] = random_f64_bits(t);
    } else if (kind == LANES_INT) {
        r.q[0] = next_random(t);
        r.q[1] = next_random(t);
        /* equal and extreme lanes matter for compares, saturation, min/max */
        if ((pick & 7) == 0) {
            r.q[1] = r.q[0];
        } else if ((pick & 7) == 1) {
            r.q[0] = 0x7fff80007f80ff00ull;
            r.q[1] = 0x8000ffff00017fffull;
        }
    }
    return r;
}

static __m128i to_m128i(XMMReg r)
{
    return _mm_loadu_si128((const __m128i *)&r);
}

static XMMReg from_m128i(__m128i v)
{
    XMMReg r;
    _mm_storeu_si128((__m128i *)&r, v);
    return r;
}

static void report(TestState *t, const char *name, bool ok, XMMReg a, XMMReg b,
                   XMMReg expected, XMMReg got, uint32_t csr, uint32_t want_csr,
                   uint32_t got_csr)
{
    if (ok) {
        return;
    }
    t->failed++;
    printf("FAIL %s: a=%016" PRIx64 "%016" PRIx64 " b=%016" PRIx64 "%016" PRIx64
           " mxcsr=%04x: expected %016" PRIx64 "%016" PRIx64 " (mxcsr %04x),"
           " got %016" PRIx64 "%016" PRIx64 " (mxcsr %04x)\n",
           name, a.q[1], a.q[0], b.q[1], b.q[0], csr, expected.q[1], expected.q[0],
           want_csr, got.q[1], got.q[0], got_csr);
}

/* --- packed integer: helper(d, s) against the host instruction --- */
typedef __m128i IntReference(__m128i a, __m128i b);

#define INT_REF(name, intrinsic) \
    static __m128i reference_##name(__m128i a, __m128i b) { return intrinsic(a, b); }
INT_REF(paddsb, _mm_adds_epi8) INT_REF(paddsw, _mm_adds_epi16)
INT_REF(paddusb, _mm_adds_epu8) INT_REF(paddusw, _mm_adds_epu16)
INT_REF(psubsb, _mm_subs_epi8) INT_REF(psubsw, _mm_subs_epi16)
INT_REF(psubusb, _mm_subs_epu8) INT_REF(psubusw, _mm_subs_epu16)
INT_REF(pmullw, _mm_mullo_epi16) INT_REF(pmulhw, _mm_mulhi_epi16)
INT_REF(pmulhuw, _mm_mulhi_epu16) INT_REF(pmuludq, _mm_mul_epu32)
INT_REF(pmaddwd, _mm_madd_epi16) INT_REF(pavgb, _mm_avg_epu8)
INT_REF(pavgw, _mm_avg_epu16) INT_REF(psadbw, _mm_sad_epu8)
INT_REF(pminsw, _mm_min_epi16) INT_REF(pmaxsw, _mm_max_epi16)
INT_REF(pcmpgtb, _mm_cmpgt_epi8) INT_REF(pcmpgtw, _mm_cmpgt_epi16)
INT_REF(pcmpgtd, _mm_cmpgt_epi32)
INT_REF(packsswb, _mm_packs_epi16) INT_REF(packssdw, _mm_packs_epi32)
INT_REF(packuswb, _mm_packus_epi16)
INT_REF(punpcklbw, _mm_unpacklo_epi8) INT_REF(punpcklwd, _mm_unpacklo_epi16)
INT_REF(punpckldq, _mm_unpacklo_epi32)
INT_REF(punpckhbw, _mm_unpackhi_epi8) INT_REF(punpckhwd, _mm_unpackhi_epi16)
INT_REF(punpckhdq, _mm_unpackhi_epi32)
INT_REF(psllw, _mm_sll_epi16) INT_REF(pslld, _mm_sll_epi32) INT_REF(psllq, _mm_sll_epi64)
INT_REF(psrlw, _mm_srl_epi16) INT_REF(psrld, _mm_srl_epi32) INT_REF(psrlq, _mm_srl_epi64)
INT_REF(psraw, _mm_sra_epi16) INT_REF(psrad, _mm_sra_epi32)

/* SSSE3: inline asm, as this file is built for the baseline (gas takes every
 * mnemonic) */
#define INT_ASM_REF(name) \
    static __m128i reference_##name(__m128i a, __m128i b) \
    { __asm__(#name " %1, %0" : "+x"(a) : "x"(b)); return a; }
INT_ASM_REF(pshufb) INT_ASM_REF(phaddw) INT_ASM_REF(phaddd) INT_ASM_REF(phaddsw)
INT_ASM_REF(phsubw) INT_ASM_REF(phsubd) INT_ASM_REF(phsubsw) INT_ASM_REF(pmaddubsw)
INT_ASM_REF(pmulhrsw) INT_ASM_REF(psignb) INT_ASM_REF(psignw) INT_ASM_REF(psignd)
INT_ASM_REF(pabsb) INT_ASM_REF(pabsw) INT_ASM_REF(pabsd)

typedef struct IntCase {
    const char *name;
    SSEIntHelper *helper;
    IntReference *reference;
    bool is_shift;
} IntCase;

#define INT_CASE(name) { #name, helper_##name, reference_##name, false },
#define SHIFT_CASE(name) { #name, helper_##name, reference_##name, true },
static const IntCase int_cases[] = {
    INT_CASE(paddsb) INT_CASE(paddsw) INT_CASE(paddusb) INT_CASE(paddusw)
    INT_CASE(psubsb) INT_CASE(psubsw) INT_CASE(psubusb) INT_CASE(psubusw)
    INT_CASE(pmullw) INT_CASE(pmulhw) INT_CASE(pmulhuw) INT_CASE(pmuludq)
    INT_CASE(pmaddwd) INT_CASE(pavgb) INT_CASE(pavgw) INT_CASE(psadbw)
    INT_CASE(pminsw) INT_CASE(pmaxsw)
    INT_CASE(pcmpgtb) INT_CASE(pcmpgtw) INT_CASE(pcmpgtd)
    INT_CASE(packsswb) INT_CASE(packssdw) INT_CASE(packuswb)
    INT_CASE(punpcklbw) INT_CASE(punpcklwd) INT_CASE(punpckldq)
    INT_CASE(punpckhbw) INT_CASE(punpckhwd) INT_CASE(punpckhdq)
    SHIFT_CASE(psllw) SHIFT_CASE(pslld) SHIFT_CASE(psllq)
    SHIFT_CASE(psrlw) SHIFT_CASE(psrld) SHIFT_CASE(psrlq)
    SHIFT_CASE(psraw) SHIFT_CASE(psrad)
    INT_CASE(pshufb) INT_CASE(phaddw) INT_CASE(phaddd) INT_CASE(phaddsw)
    INT_CASE(phsubw) INT_CASE(phsubd) INT_CASE(phsubsw) INT_CASE(pmaddubsw)
    INT_CASE(pmulhrsw) INT_CASE(psignb) INT_CASE(psignw) INT_CASE(psignd)
    INT_CASE(pabsb) INT_CASE(pabsw) INT_CASE(pabsd)
};

static bool xmm_equal(XMMReg a, XMMReg b)
{
    return a.q[0] == b.q[0] && a.q[1] == b.q[1];
}

static void test_int_case(TestState *t, const IntCase *c, unsigned iterations)
{
    bool ok = true;
    for (unsigned n = 0; n < iterations && ok; n++) {
        XMMReg a = random_xmm(t, LANES_INT), b = random_xmm(t, LANES_INT);
        if (c->is_shift && (n & 1)) {
            b.q[0] %= 70;       /* mostly in-range counts, some just past the width */
        }
        XMMReg expected = from_m128i(c->reference(to_m128i(a), to_m128i(b)));
        XMMReg got = a;
        c->helper(&got, b.q[0], b.q[1]);
        ok = xmm_equal(expected, got);
        report(t, c->name, ok, a, b, expected, got, 0, 0, 0);
    }
    t->passed += ok;
}

/* --- immediate forms: intrinsics need constant immediates, so every value
 * 0-255 gets its own case --- */
#define CASES4(F, base) F((base)) F((base) + 1) F((base) + 2) F((base) + 3)
#define CASES16(F, base) CASES4(F, base) CASES4(F, (base) + 4) \
    CASES4(F, (base) + 8) CASES4(F, (base) + 12)
#define CASES64(F, base) CASES16(F, base) CASES16(F, (base) + 16) \
    CASES16(F, (base) + 32) CASES16(F, (base) + 48)
#define CASES256(F) CASES64(F, 0) CASES64(F, 64) CASES64(F, 128) CASES64(F, 192)

typedef __m128i ImmReference(__m128i a, __m128i b, uint32_t imm);

#define IMM_REF(name, EXPR) \
    static __m128i reference_##name(__m128i a, __m128i b, uint32_t imm) \
    { \
        switch (imm) { \
        CASES256(EXPR) \
        } \
        return a; \
    }
#define PSHUFD_CASE(i) case i: return _mm_shuffle_epi32(b, i);
#define PSHUFLW_CASE(i) case i: return _mm_shufflelo_epi16(b, i);
#define PSHUFHW_CASE(i) case i: return _mm_shufflehi_epi16(b, i);
#define SHUFPS_CASE(i) case i: \
    return _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), i));
#define SHUFPD_CASE(i) case i: \
    return _mm_castpd_si128(_mm_shuffle_pd(_mm_castsi128_pd(a), _mm_castsi128_pd(b), (i) & 3));
IMM_REF(pshufd, PSHUFD_CASE)
IMM_REF(pshuflw, PSHUFLW_CASE)
IMM_REF(pshufhw, PSHUFHW_CASE)
IMM_REF(shufps, SHUFPS_CASE)
IMM_REF(shufpd, SHUFPD_CASE)

typedef struct ImmCase {
    const char *name;
    SSEImmHelper *helper;
    ImmReference *reference;
} ImmCase;

static const ImmCase imm_cases[] = {
    { "pshufd", helper_pshufd, reference_pshufd },
    { "pshuflw", helper_pshuflw, reference_pshuflw },
    { "pshufhw", helper_pshufhw, reference_pshufhw },
    { "shufps", helper_shufps, reference_shufps },
    { "shufpd", helper_shufpd, reference_shufpd },
};

static void test_imm_case(TestState *t, const ImmCase *c)
{
    bool ok = true;
    for (uint32_t imm = 0; imm < 256 && ok; imm++) {
        XMMReg a = random_xmm(t, LANES_INT), b = random_xmm(t, LANES_INT);
        XMMReg expected = from_m128i(c->reference(to_m128i(a), to_m128i(b), imm));
        XMMReg got = a;
        c->helper(&got, b.q[0], b.q[1], imm);
        ok = xmm_equal(expected, got);
        report(t, c->name, ok, a, b, expected, got, imm, 0, 0);
    }
    t->passed += ok;
}

static void test_masks(TestState *t, unsigned iterations)
{
    bool ok[2] = { true, true };
    for (unsigned n = 0; n < iterations; n++) {
        XMMReg a = random_xmm(t, LANES_INT), zero = { .q = { 0, 0 } };
        __m128i v = to_m128i(a);
        uint32_t want[2] = {
            (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(v)),
            (uint32_t)_mm_movemask_pd(_mm_castsi128_pd(v)),
        };
        uint32_t got[2] = {
            helper_movmskps(a.q[0], a.q[1]),
            helper_movmskpd(a.q[0], a.q[1]),
        };
        for (int i = 0; i < 2; i++) {
            if (ok[i] && want[i] != got[i]) {
                XMMReg w = { .q = { want[i], 0 } }, g = { .q = { got[i], 0 } };
                report(t, i == 0 ? "movmskps" : "movmskpd", false, a, zero, w, g, 0, 0, 0);
                ok[i] = false;
            }
        }
    }
    t->passed += ok[0] + ok[1];
}

/* --- floating point: same inputs, same MXCSR, compare lanes and MXCSR --- */
typedef __m128i FloatReference(__m128i a, __m128i b);

#define PS(x) _mm_castsi128_ps(x)
#define PD(x) _mm_castsi128_pd(x)
#define FROM_PS(x) _mm_castps_si128(x)
#define FROM_PD(x) _mm_castpd_si128(x)
#define PS_REF(name, intrinsic) \
    static __m128i reference_##name(__m128i a, __m128i b) \
    { return FROM_PS(intrinsic(PS(a), PS(b))); }
#define PD_REF(name, intrinsic) \
    static __m128i reference_##name(__m128i a, __m128i b) \
    { return FROM_PD(intrinsic(PD(a), PD(b))); }
/* instructions whose intrinsic does not keep the destination: inline asm */
#define ASM_REF(name, insn) \
    static __m128i reference_##name(__m128i a, __m128i b) \
    { __asm__ volatile(insn " %1, %0" : "+x"(a) : "x"(b)); return a; }

PS_REF(addps, _mm_add_ps) PS_REF(addss, _mm_add_ss) PS_REF(subps, _mm_sub_ps)
PS_REF(subss, _mm_sub_ss) PS_REF(mulps, _mm_mul_ps) PS_REF(mulss, _mm_mul_ss)
PS_REF(divps, _mm_div_ps) PS_REF(divss, _mm_div_ss)
PD_REF(addpd, _mm_add_pd) PD_REF(addsd, _mm_add_sd) PD_REF(subpd, _mm_sub_pd)
PD_REF(subsd, _mm_sub_sd) PD_REF(mulpd, _mm_mul_pd) PD_REF(mulsd, _mm_mul_sd)
PD_REF(divpd, _mm_div_pd) PD_REF(divsd, _mm_div_sd)
ASM_REF(minps, "minps") ASM_REF(minss, "minss") ASM_REF(maxps, "maxps")
ASM_REF(maxss, "maxss") ASM_REF(minpd, "minpd") ASM_REF(minsd, "minsd")
ASM_REF(maxpd, "maxpd") ASM_REF(maxsd, "maxsd")
ASM_REF(sqrtps, "sqrtps") ASM_REF(sqrtss, "sqrtss") ASM_REF(sqrtpd, "sqrtpd")
ASM_REF(sqrtsd, "sqrtsd") ASM_REF(rcpps, "rcpps") ASM_REF(rcpss, "rcpss")
ASM_REF(rsqrtps, "rsqrtps") ASM_REF(rsqrtss, "rsqrtss")
ASM_REF(cvtps2pd, "cvtps2pd") ASM_REF(cvtpd2ps, "cvtpd2ps")
ASM_REF(cvtss2sd, "cvtss2sd") ASM_REF(cvtsd2ss, "cvtsd2ss")
ASM_REF(cvtdq2ps, "cvtdq2ps") ASM_REF(cvtps2dq, "cvtps2dq")
ASM_REF(cvttps2dq, "cvttps2dq") ASM_REF(cvtdq2pd, "cvtdq2pd")
ASM_REF(cvtpd2dq, "cvtpd2dq") ASM_REF(cvttpd2dq, "cvttpd2dq")
ASM_REF(haddps, "haddps") ASM_REF(hsubps, "hsubps") ASM_REF(addsubps, "addsubps")
ASM_REF(haddpd, "haddpd") ASM_REF(hsubpd, "hsubpd") ASM_REF(addsubpd, "addsubpd")

typedef struct FloatCase {
    const char *name;
    SSEFloatHelper *helper;
    FloatReference *reference;
    LaneKind input;
    bool approximate;    /* RCP/RSQRT: only the SDM's error bound is specified */
} FloatCase;

#define F32_CASE(name) { #name, helper_##name, reference_##name, LANES_F32, false },
#define F64_CASE(name) { #name, helper_##name, reference_##name, LANES_F64, false },
#define APPROX_CASE(name) { #name, helper_##name, reference_##name, LANES_F32, true },
static const FloatCase float_cases[] = {
    F32_CASE(addps) F32_CASE(addss) F32_CASE(subps) F32_CASE(subss)
    F32_CASE(mulps) F32_CASE(mulss) F32_CASE(divps) F32_CASE(divss)
    F32_CASE(minps) F32_CASE(minss) F32_CASE(maxps) F32_CASE(maxss)
    F32_CASE(sqrtps) F32_CASE(sqrtss)
    APPROX_CASE(rcpps) APPROX_CASE(rcpss) APPROX_CASE(rsqrtps) APPROX_CASE(rsqrtss)
    F64_CASE(addpd) F64_CASE(addsd) F64_CASE(subpd) F64_CASE(subsd)
    F64_CASE(mulpd) F64_CASE(mulsd) F64_CASE(divpd) F64_CASE(divsd)
    F64_CASE(minpd) F64_CASE(minsd) F64_CASE(maxpd) F64_CASE(maxsd)
    F64_CASE(sqrtpd) F64_CASE(sqrtsd)
    F32_CASE(cvtps2pd) F64_CASE(cvtpd2ps) F32_CASE(cvtss2sd) F64_CASE(cvtsd2ss)
    { "cvtdq2ps", helper_cvtdq2ps, reference_cvtdq2ps, LANES_INT, false },
    F32_CASE(cvtps2dq) F32_CASE(cvttps2dq)
    { "cvtdq2pd", helper_cvtdq2pd, reference_cvtdq2pd, LANES_INT, false },
    F64_CASE(cvtpd2dq) F64_CASE(cvttpd2dq)
    F32_CASE(haddps) F32_CASE(hsubps) F32_CASE(addsubps)
    F64_CASE(haddpd) F64_CASE(hsubpd) F64_CASE(addsubpd)
};

static uint32_t random_mxcsr(TestState *t)
{
    uint64_t r = next_random(t);
    uint32_t csr = MXCSR_RESET | ((r & 3) << MXCSR_RC_SHIFT) | ((r >> 8) & MXCSR_FLAGS);
    if (((r >> 16) & 7) == 0) {
        csr |= MXCSR_DAZ;
    }
    if (((r >> 20) & 7) == 0) {
        csr |= MXCSR_FZ;
    }
    return csr;
}

/* Runs a reference under csr and returns the host MXCSR afterwards. */
static uint32_t run_reference(FloatReference *reference, uint32_t csr, XMMReg a, XMMReg b,
                              XMMReg *result)
{
    _mm_setcsr(csr);
    *result = from_m128i(reference(to_m128i(a), to_m128i(b)));
    uint32_t after = _mm_getcsr();
    _mm_setcsr(MXCSR_RESET);
    return after;
}

/* every lane within RCPPS's bound 1.5 * 2^-12 relative error, or equal */
static bool approximately_equal(XMMReg expected, XMMReg got, bool scalar)
{
    for (int i = 0; i < (scalar ? 1 : 4); i++) {
        float e = expected.s[i], g = got.s[i];
        if (expected.l[i] == got.l[i]) {
            continue;
        }
        if (!(fabsf(e - g) <= fabsf(e) * 1.5f / 4096.0f)) {
            return false;
        }
    }
    return scalar ? expected.l[1] == got.l[1] && expected.q[1] == got.q[1] : true;
}

static void test_float_case(TestState *t, const FloatCase *c, unsigned iterations)
{
    bool ok = true;
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (unsigned n = 0; n < iterations && ok; n++) {
        XMMReg a = random_xmm(t, c->input), b = random_xmm(t, c->input), expected;
        uint32_t csr = random_mxcsr(t);
        uint32_t want_csr = run_reference(c->reference, csr, a, b, &expected);
        XMMReg got = a;
        env.mxcsr = csr;
        c->helper(&env, &got, b.q[0], b.q[1]);
        helper_sse_sync_mxcsr(&env);
        if (c->approximate) {
            ok = approximately_equal(expected, got, strstr(c->name, "ss") != NULL);
        } else {
            ok = xmm_equal(expected, got) && want_csr == env.mxcsr;
        }
        report(t, c->name, ok, a, b, expected, got, csr, want_csr, env.mxcsr);
    }
    t->passed += ok;
}

/*
 * Unmasked exceptions: with some MXCSR mask bits clear, the host instruction
 * either completes or traps (SIGFPE); the helper must then raise #XM and
 * leave the destination alone.
 */
static sigjmp_buf native_trap;

static void on_sigfpe(int signo)
{
    siglongjmp(native_trap, signo);
}

/* one random case; false on a mismatch (reported) */
static bool unmasked_iteration(TestState *t, const FloatCase *c, CPUX86State *env)
{
    XMMReg a = random_xmm(t, c->input), b = random_xmm(t, c->input), expected = a, got = a;
    /* clear up to six mask bits (7-12) */
    uint32_t csr = random_mxcsr(t) & ~((uint32_t)(next_random(t) & 0x3f) << MXCSR_MASK_SHIFT);
    volatile uint32_t want_csr = 0;
    volatile bool native_trapped = false, helper_trapped = false;
    if (sigsetjmp(native_trap, 1) == 0) {
        want_csr = run_reference(c->reference, csr, a, b, &expected);
    } else {
        native_trapped = true;
    }
    _mm_setcsr(MXCSR_RESET);
    env->mxcsr = csr;
    raised_exception = -1;
    if (setjmp(raise_target) == 0) {
        c->helper(env, &got, b.q[0], b.q[1]);
        helper_sse_sync_mxcsr(env);
    } else {
        helper_trapped = raised_exception == EXCP13_XMM;
    }
    bool ok;
    if (native_trapped) {
        ok = helper_trapped && xmm_equal(got, a);
        expected = a;
    } else {
        ok = !helper_trapped && xmm_equal(expected, got) && want_csr == env->mxcsr;
    }
    report(t, c->name, ok, a, b, expected, got, csr, native_trapped ? 0xdead : want_csr,
           helper_trapped ? 0xdead : env->mxcsr);
    return ok;
}

static void test_unmasked_case(TestState *t, const FloatCase *c, unsigned iterations)
{
    bool ok = true;
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (unsigned n = 0; n < iterations && ok; n++) {
        ok = unmasked_iteration(t, c, &env);
    }
    t->passed += ok;
}

/* --- CMPxx with each predicate --- */
#define CMP_CASE(insn, i) \
    case i: __asm__ volatile(insn " $" #i ", %1, %0" : "+x"(a) : "x"(b)); break;
#define CMP_REF(name, insn) \
    static __m128i reference_##name(__m128i a, __m128i b, uint32_t predicate) \
    { \
        switch (predicate) { \
        CMP_CASE(insn, 0) CMP_CASE(insn, 1) CMP_CASE(insn, 2) CMP_CASE(insn, 3) \
        CMP_CASE(insn, 4) CMP_CASE(insn, 5) CMP_CASE(insn, 6) CMP_CASE(insn, 7) \
        } \
        return a; \
    }
CMP_REF(cmpps, "cmpps") CMP_REF(cmpss, "cmpss") CMP_REF(cmppd, "cmppd") CMP_REF(cmpsd, "cmpsd")

typedef struct CompareCase {
    const char *name;
    SSEFloatImmHelper *helper;
    ImmReference *reference;
    LaneKind input;
} CompareCase;

static const CompareCase compare_cases[] = {
    { "cmpps", helper_cmpps, reference_cmpps, LANES_F32 },
    { "cmpss", helper_cmpss, reference_cmpss, LANES_F32 },
    { "cmppd", helper_cmppd, reference_cmppd, LANES_F64 },
    { "cmpsd", helper_cmpsd, reference_cmpsd, LANES_F64 },
};

static void test_compare_case(TestState *t, const CompareCase *c, unsigned iterations)
{
    bool ok = true;
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (unsigned n = 0; n < iterations && ok; n++) {
        XMMReg a = random_xmm(t, c->input), b = random_xmm(t, c->input);
        uint32_t predicate = n & 7, csr = random_mxcsr(t);
        if (n & 8) {
            b = a;
        }
        _mm_setcsr(csr);
        XMMReg expected = from_m128i(c->reference(to_m128i(a), to_m128i(b), predicate));
        uint32_t want_csr = _mm_getcsr();
        _mm_setcsr(MXCSR_RESET);
        XMMReg got = a;
        env.mxcsr = csr;
        c->helper(&env, &got, b.q[0], b.q[1], predicate);
        helper_sse_sync_mxcsr(&env);
        ok = xmm_equal(expected, got) && want_csr == env.mxcsr;
        report(t, c->name, ok, a, b, expected, got, csr, want_csr, env.mxcsr);
    }
    t->passed += ok;
}

/* --- (U)COMISx: EFLAGS ZF, PF, CF --- */
#define COMIS_REF(name, insn, TYPE) \
    static uint32_t reference_##name(TYPE a, TYPE b) \
    { \
        uint64_t flags; \
        __asm__ volatile(insn " %2, %1\n\tpushfq\n\tpopq %0" \
                         : "=r"(flags) : "x"(a), "x"(b) : "cc"); \
        return (uint32_t)flags & 0x45; \
    }
COMIS_REF(comiss, "comiss", __m128) COMIS_REF(ucomiss, "ucomiss", __m128)
COMIS_REF(comisd, "comisd", __m128d) COMIS_REF(ucomisd, "ucomisd", __m128d)

static void test_comis(TestState *t, unsigned iterations)
{
    static const char *const names[4] = { "comiss", "ucomiss", "comisd", "ucomisd" };
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (int kind = 0; kind < 4; kind++) {
        bool ok = true;
        for (unsigned n = 0; n < iterations && ok; n++) {
            bool single = kind < 2;
            XMMReg a = random_xmm(t, single ? LANES_F32 : LANES_F64);
            XMMReg b = (n & 3) == 0 ? a : random_xmm(t, single ? LANES_F32 : LANES_F64);
            uint32_t csr = random_mxcsr(t), want, got;
            _mm_setcsr(csr);
            switch (kind) {
            case 0: want = reference_comiss(PS(to_m128i(a)), PS(to_m128i(b))); break;
            case 1: want = reference_ucomiss(PS(to_m128i(a)), PS(to_m128i(b))); break;
            case 2: want = reference_comisd(PD(to_m128i(a)), PD(to_m128i(b))); break;
            default: want = reference_ucomisd(PD(to_m128i(a)), PD(to_m128i(b))); break;
            }
            uint32_t want_csr = _mm_getcsr();
            _mm_setcsr(MXCSR_RESET);
            env.mxcsr = csr;
            switch (kind) {
            case 0: got = helper_comiss(&env, a.q[0], b.q[0]); break;
            case 1: got = helper_ucomiss(&env, a.q[0], b.q[0]); break;
            case 2: got = helper_comisd(&env, a.q[0], b.q[0]); break;
            default: got = helper_ucomisd(&env, a.q[0], b.q[0]); break;
            }
            helper_sse_sync_mxcsr(&env);
            ok = want == got && want_csr == env.mxcsr;
            XMMReg w = { .q = { want, 0 } }, g = { .q = { got, 0 } };
            report(t, names[kind], ok, a, b, w, g, csr, want_csr, env.mxcsr);
        }
        t->passed += ok;
    }
}

/* --- conversions between scalars and general registers --- */
typedef uint64_t ToIntReference(__m128i a);
typedef uint64_t ToIntHelper(CPUX86State *env, uint64_t src);

static uint64_t reference_cvtss2si32(__m128i a) { return (uint32_t)_mm_cvtss_si32(PS(a)); }
static uint64_t reference_cvttss2si32(__m128i a) { return (uint32_t)_mm_cvttss_si32(PS(a)); }
static uint64_t reference_cvtss2si64(__m128i a) { return (uint64_t)_mm_cvtss_si64(PS(a)); }
static uint64_t reference_cvttss2si64(__m128i a) { return (uint64_t)_mm_cvttss_si64(PS(a)); }
static uint64_t reference_cvtsd2si32(__m128i a) { return (uint32_t)_mm_cvtsd_si32(PD(a)); }
static uint64_t reference_cvttsd2si32(__m128i a) { return (uint32_t)_mm_cvttsd_si32(PD(a)); }
static uint64_t reference_cvtsd2si64(__m128i a) { return (uint64_t)_mm_cvtsd_si64(PD(a)); }
static uint64_t reference_cvttsd2si64(__m128i a) { return (uint64_t)_mm_cvttsd_si64(PD(a)); }

typedef struct ToIntCase {
    const char *name;
    ToIntHelper *helper;
    ToIntReference *reference;
    LaneKind input;
} ToIntCase;

#define TO_INT_CASE(name, kind) { #name, helper_##name, reference_##name, kind },
static const ToIntCase to_int_cases[] = {
    TO_INT_CASE(cvtss2si32, LANES_F32) TO_INT_CASE(cvttss2si32, LANES_F32)
    TO_INT_CASE(cvtss2si64, LANES_F32) TO_INT_CASE(cvttss2si64, LANES_F32)
    TO_INT_CASE(cvtsd2si32, LANES_F64) TO_INT_CASE(cvttsd2si32, LANES_F64)
    TO_INT_CASE(cvtsd2si64, LANES_F64) TO_INT_CASE(cvttsd2si64, LANES_F64)
};

static void test_to_int_case(TestState *t, const ToIntCase *c, unsigned iterations)
{
    bool ok = true;
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (unsigned n = 0; n < iterations && ok; n++) {
        XMMReg a = random_xmm(t, c->input), zero = { .q = { 0, 0 } };
        uint32_t csr = random_mxcsr(t);
        _mm_setcsr(csr);
        uint64_t want = c->reference(to_m128i(a));
        uint32_t want_csr = _mm_getcsr();
        _mm_setcsr(MXCSR_RESET);
        env.mxcsr = csr;
        uint64_t got = c->helper(&env, a.q[0]);
        helper_sse_sync_mxcsr(&env);
        ok = want == got && want_csr == env.mxcsr;
        XMMReg w = { .q = { want, 0 } }, g = { .q = { got, 0 } };
        report(t, c->name, ok, a, zero, w, g, csr, want_csr, env.mxcsr);
    }
    t->passed += ok;
}

static void test_from_int(TestState *t, unsigned iterations)
{
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    for (int kind = 0; kind < 2; kind++) {
        bool ok = true;
        for (unsigned n = 0; n < iterations && ok; n++) {
            XMMReg a = random_xmm(t, LANES_INT), expected, got = a;
            int64_t value = (int64_t)next_random(t);
            if (n & 1) {
                value = (int32_t)value;
            }
            if (n & 2) {
                value >>= (value & 63);
            }
            uint32_t csr = random_mxcsr(t);
            _mm_setcsr(csr);
            /* volatile asm: the conversion must not move across _mm_setcsr */
            __m128i converted = to_m128i(a);
            if (kind == 0) {
                __asm__ volatile("cvtsi2ssq %1, %0" : "+x"(converted) : "r"(value));
            } else {
                __asm__ volatile("cvtsi2sdq %1, %0" : "+x"(converted) : "r"(value));
            }
            expected = from_m128i(converted);
            uint32_t want_csr = _mm_getcsr();
            _mm_setcsr(MXCSR_RESET);
            env.mxcsr = csr;
            if (kind == 0) {
                helper_cvtsi2ss(&env, &got, value);
            } else {
                helper_cvtsi2sd(&env, &got, value);
            }
            helper_sse_sync_mxcsr(&env);
            ok = xmm_equal(expected, got) && want_csr == env.mxcsr;
            XMMReg v = { .q = { (uint64_t)value, 0 } };
            report(t, kind == 0 ? "cvtsi2ss" : "cvtsi2sd", ok, a, v, expected, got, csr,
                   want_csr, env.mxcsr);
        }
        t->passed += ok;
    }
}

/* LDMXCSR: reserved bits 16-31 raise #GP(0), everything else loads */
static void test_ldmxcsr(TestState *t)
{
    static const uint32_t values[] = { 0x1f80, 0xffff, 0x9fc0, 0x10000, 0x80001f80 };
    CPUX86State env;
    memset(&env, 0, sizeof(env));
    volatile bool ok = true;
    for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        bool should_fault = values[i] > 0xffff;
        raised_exception = -1;
        env.mxcsr = MXCSR_RESET;
        if (setjmp(raise_target) == 0) {
            helper_ldmxcsr(&env, values[i]);
        }
        if (should_fault ? raised_exception != EXCP0D_GPF || env.mxcsr != MXCSR_RESET
                         : raised_exception != -1 || env.mxcsr != values[i]) {
            printf("FAIL ldmxcsr %#x\n", values[i]);
            ok = false;
        }
    }
    ok ? t->passed++ : t->failed++;
}

int main(int argc, char **argv)
{
    unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
    TestState t = { .random = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9e3779b97f4a7c15ull };
    if (t.random == 0) {
        t.random = 1;
    }
    for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
        test_int_case(&t, &int_cases[i], iterations);
    }
    for (size_t i = 0; i < sizeof(imm_cases) / sizeof(imm_cases[0]); i++) {
        test_imm_case(&t, &imm_cases[i]);
    }
    test_masks(&t, iterations);
    for (size_t i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]); i++) {
        test_float_case(&t, &float_cases[i], iterations);
    }
    signal(SIGFPE, on_sigfpe);
    for (size_t i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]); i++) {
        if (!float_cases[i].approximate) {
            test_unmasked_case(&t, &float_cases[i], iterations / 4);
        }
    }
    for (size_t i = 0; i < sizeof(compare_cases) / sizeof(compare_cases[0]); i++) {
        test_compare_case(&t, &compare_cases[i], iterations);
    }
    test_comis(&t, iterations);
    for (size_t i = 0; i < sizeof(to_int_cases) / sizeof(to_int_cases[0]); i++) {
        test_to_int_case(&t, &to_int_cases[i], iterations);
    }
    test_from_int(&t, iterations);
    test_ldmxcsr(&t);
    printf("%u passed, %u failed\n", t.passed, t.failed);
    return t.failed != 0;
}
