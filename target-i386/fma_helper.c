/*
 * FMA3 (Intel SDM vol. 2, VFMADD132PS..VFNMSUB231SD, VFMADDSUB/VFMSUBADD):
 * a*b+c with a single rounding, MXCSR's rounding control, DAZ and FTZ, and
 * its exception flags exactly as the hardware sets them.
 *
 * On an x86 host with FMA the host executes the same instruction form
 * (132/213/231 keep each operand in its slot, which decides which NaN is
 * returned) with the guest's rounding control, DAZ and FTZ and every
 * exception masked; its flags are the guest's. Elsewhere (or with
 * FMA_PORTABLE_ONLY) fma()/fmaf() compute each element under <fenv.h>, with
 * DAZ, DE, NaN selection and FTZ done here. Either way an exception whose mask
 * bit is clear raises #XM before anything is written (SDM vol. 1, 11.5.1):
 * an unmasked pre-computation exception (IE, DE, ZE) reports those flags only.
 */
#include <fenv.h>
#include <math.h>
#include "target-i386/avx_helper.h"
#include "target-i386/sse_helper.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(FMA_PORTABLE_ONLY)
#define FMA_HOST 1
#include <immintrin.h>
#endif

#define MXCSR_UM_BIT (MXCSR_UE << MXCSR_MASK_SHIFT)

typedef struct FmaArgs {
    unsigned order, kind;
    bool dbl, scalar, l;
} FmaArgs;

#ifdef FMA_HOST
/* one instruction: "vf" KIND ORDER TYPE src3, src2, src1 (AT&T order) */
#define FMA_CASE(KIND, ORDER, TYPE, n) \
    case n: __asm__ volatile("vf" KIND ORDER TYPE " %2, %1, %0" : "+x"(*d) : "x"(a), "x"(b)); \
        break;
#define FMA_ORDERS(KIND, TYPE, k) \
    FMA_CASE(KIND, "132", TYPE, (k) * 3) FMA_CASE(KIND, "213", TYPE, (k) * 3 + 1) \
    FMA_CASE(KIND, "231", TYPE, (k) * 3 + 2)
#define FMA_KINDS(TYPE) \
    FMA_ORDERS("madd", TYPE, 0) FMA_ORDERS("msub", TYPE, 1) FMA_ORDERS("nmadd", TYPE, 2) \
    FMA_ORDERS("nmsub", TYPE, 3)
#define FMA_PACKED_KINDS(TYPE) \
    FMA_KINDS(TYPE) FMA_ORDERS("maddsub", TYPE, 4) FMA_ORDERS("msubadd", TYPE, 5)

__attribute__((target("avx,fma")))
static void host_fma256(unsigned n, bool dbl, __m256i *d, __m256i a, __m256i b)
{
    if (dbl) {
        switch (n) { FMA_PACKED_KINDS("pd") }
    } else {
        switch (n) { FMA_PACKED_KINDS("ps") }
    }
}

__attribute__((target("avx,fma")))
static void host_fma128(unsigned n, bool dbl, bool scalar, __m128i *d, __m128i a, __m128i b)
{
    if (scalar && dbl) {
        switch (n) { FMA_KINDS("sd") }
    } else if (scalar) {
        switch (n) { FMA_KINDS("ss") }
    } else if (dbl) {
        switch (n) { FMA_PACKED_KINDS("pd") }
    } else {
        switch (n) { FMA_PACKED_KINDS("ps") }
    }
}

/* the flags of r = d, a, b through the host's instruction */
__attribute__((target("avx,fma")))
static uint32_t host_fma(uint32_t mxcsr, const FmaArgs *f, Ymm *r, const Ymm *a, const Ymm *b)
{
    uint32_t saved = _mm_getcsr();      /* pending guest flags stay there */
    uint32_t flush = (mxcsr & MXCSR_UM_BIT) ? mxcsr & MXCSR_FZ : 0;
    unsigned n = f->kind * 3 + f->order;
    _mm_setcsr((MXCSR_FLAGS << MXCSR_MASK_SHIFT) | (mxcsr & (MXCSR_RC_MASK | MXCSR_DAZ)) |
               flush);
    if (f->l && !f->scalar) {
        __m256i d, va, vb;
        memcpy(&d, r, 32);
        memcpy(&va, a, 32);
        memcpy(&vb, b, 32);
        host_fma256(n, f->dbl, &d, va, vb);
        memcpy(r, &d, 32);
    } else {
        __m128i d, va, vb;
        memcpy(&d, r, 16);
        memcpy(&va, a, 16);
        memcpy(&vb, b, 16);
        host_fma128(n, f->dbl, f->scalar, &d, va, vb);
        memcpy(r, &d, 16);
    }
    uint32_t flags = _mm_getcsr() & MXCSR_FLAGS;
    _mm_setcsr(saved);
    return flags;
}
#endif

/* --- the portable path: one element at a time --- */

static bool bits_denormal(uint64_t bits, bool dbl)
{
    return dbl ? (bits & 0x7ff0000000000000ull) == 0 && (bits & 0x000fffffffffffffull) != 0
               : (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
}

static bool bits_nan(uint64_t bits, bool dbl)
{
    return dbl ? (bits & 0x7fffffffffffffffull) > 0x7ff0000000000000ull
               : (bits & 0x7fffffffu) > 0x7f800000u;
}



static uint64_t sign_bit(bool dbl)
{
    return dbl ? 0x8000000000000000ull : 0x80000000u;
}

static uint64_t quiet_bit(bool dbl)
{
    return dbl ? 0x0008000000000000ull : 0x00400000u;
}

static int host_flags_to_mxcsr(int host)
{
    return ((host & FE_INVALID) ? MXCSR_IE : 0) | ((host & FE_DIVBYZERO) ? MXCSR_ZE : 0) |
           ((host & FE_OVERFLOW) ? MXCSR_OE : 0) | ((host & FE_UNDERFLOW) ? MXCSR_UE : 0) |
           ((host & FE_INEXACT) ? MXCSR_PE : 0);
}

/* fma(x, y, z) in rounding mode (MXCSR.RC numbering); the host's flags */
static uint64_t host_fma_bits(bool dbl, uint64_t x, uint64_t y, uint64_t z, unsigned mode,
                              int *raised)
{
    static const int rounding[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    int saved_round = fegetround();
    fexcept_t saved_flags;
    fegetexceptflag(&saved_flags, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(rounding[mode]);
    uint64_t r;
    if (dbl) {
        double a, b, c, v;
        memcpy(&a, &x, 8), memcpy(&b, &y, 8), memcpy(&c, &z, 8);
        v = fma(a, b, c);
        memcpy(&r, &v, 8);
    } else {
        float a, b, c, v;
        uint32_t xa = (uint32_t)x, ya = (uint32_t)y, za = (uint32_t)z, vr;
        memcpy(&a, &xa, 4), memcpy(&b, &ya, 4), memcpy(&c, &za, 4);
        v = fmaf(a, b, c);
        memcpy(&vr, &v, 4);
        r = vr;
    }
    *raised = fetestexcept(FE_ALL_EXCEPT);
    fesetround(saved_round);
    fesetexceptflag(&saved_flags, FE_ALL_EXCEPT);
    return r;
}

/* fma(x, y, z) rounded to the format's precision with an unbounded exponent
 * lies below the smallest normal: computed as fma(x * 2^k, y, z * 2^k), the
 * factor scaled being the one that cannot overflow */
static bool tiny_unbounded(bool dbl, uint64_t x, uint64_t y, uint64_t z, unsigned mode)
{
    int k = dbl ? 256 : 64, ignored;
    uint64_t exp_mask = dbl ? 0x7ff0000000000000ull : 0x7f800000u;
    unsigned shift = dbl ? 52 : 23;
    uint64_t *small = ((x & exp_mask) <= (y & exp_mask)) ? &x : &y;
    uint64_t values[2] = { *small, z }, scaled[2];
    for (int i = 0; i < 2; i++) {
        if (dbl) {
            double v;
            memcpy(&v, &values[i], 8);
            v = ldexp(v, k);
            memcpy(&scaled[i], &v, 8);
        } else {
            float v;
            uint32_t b = (uint32_t)values[i];
            memcpy(&v, &b, 4);
            v = ldexpf(v, k);
            memcpy(&b, &v, 4);
            scaled[i] = b;
        }
    }
    *small = scaled[0];
    uint64_t r = host_fma_bits(dbl, x, y, scaled[1], mode, &ignored);
    uint64_t exponent = (r & exp_mask) >> shift;
    return exponent < (uint64_t)k + 1;
}

/* (x * y) + z for one element, the operands already negated as the kind asks;
 * src holds them as they were, in the formula's order (the NaN rule's) */
static uint64_t soft_element(uint32_t mxcsr, bool dbl, uint64_t x, uint64_t y, uint64_t z,
                             const uint64_t src[3], uint32_t *all_flags)
{
    uint64_t sign = sign_bit(dbl);
    uint32_t element_flags = 0, *flags = &element_flags;
    /* NaN operands: the first of the product's factors and then the addend,
     * quieted (what the hardware returns: table 4-7 of SDM vol. 1 extended
     * to three operands in the order of the 132/213/231 form's formula) */
    bool any_nan = false;
    for (int i = 0; i < 3; i++) {
        if (bits_nan(src[i], dbl)) {
            any_nan = true;
            if (!(src[i] & quiet_bit(dbl))) {
                *flags |= MXCSR_IE;
            }
        }
    }
    if (any_nan) {
        /* 0 * inf with a QNaN addend is not invalid (what this project's
         * x86 hosts do; IEEE 754-2008 leaves it to the implementation) */
        for (int i = 0; i < 3; i++) {
            if (bits_nan(src[i], dbl)) {
                *all_flags |= element_flags;
                return src[i] | quiet_bit(dbl);
            }
        }
    }
    uint64_t *ops[3] = { &x, &y, &z };
    for (int i = 0; i < 3; i++) {
        if (bits_denormal(*ops[i], dbl)) {
            if (mxcsr & MXCSR_DAZ) {
                *ops[i] &= sign;
            } else {
                *flags |= MXCSR_DE;
            }
        }
    }
    int raised;
    uint64_t r = host_fma_bits(dbl, x, y, z, (mxcsr & MXCSR_RC_MASK) >> MXCSR_RC_SHIFT, &raised);
    uint64_t min_normal = dbl ? 0x0010000000000000ull : 0x00800000u;
    if ((r & ~sign) == min_normal && (raised & FE_INEXACT) &&
        (mxcsr & MXCSR_UM_BIT) && (mxcsr & MXCSR_FZ)) {
        /* rounded up to the smallest normal: FZ still flushes when the
         * result is tiny, i.e. below it when rounded with an unbounded
         * exponent (IEEE 754 "after rounding"): the same fma scaled up */
        if (tiny_unbounded(dbl, x, y, z, (mxcsr & MXCSR_RC_MASK) >> MXCSR_RC_SHIFT)) {
            r &= sign;
            raised |= FE_UNDERFLOW;
        }
    }
    *flags |= (uint32_t)host_flags_to_mxcsr(raised);
    if (*flags & MXCSR_IE) {
        *flags = MXCSR_IE;          /* #I has priority over #D (SDM vol. 1, 4.9.2) */
        r = dbl ? 0xfff8000000000000ull : 0xffc00000u;      /* real indefinite */
    } else if (bits_denormal(r, dbl) && (mxcsr & MXCSR_UM_BIT) && (mxcsr & MXCSR_FZ)) {
        *flags |= MXCSR_UE | MXCSR_PE;
        r &= sign;
    }
    *all_flags |= element_flags;
    return r;
}

static uint64_t get(const Ymm *y, bool dbl, unsigned i)
{
    return dbl ? y->q[i] : y->l[i];
}

static void put(Ymm *y, bool dbl, unsigned i, uint64_t v)
{
    if (dbl) {
        y->q[i] = v;
    } else {
        y->l[i] = (uint32_t)v;
    }
}

static uint32_t soft_fma(uint32_t mxcsr, const FmaArgs *f, Ymm *r, const Ymm *a, const Ymm *b)
{
    unsigned n = f->scalar ? 1 : (f->l ? 32u : 16u) / (f->dbl ? 8 : 4);
    uint64_t sign = sign_bit(f->dbl);
    uint32_t flags = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t src[3] = { get(r, f->dbl, i), get(a, f->dbl, i), get(b, f->dbl, i) };
        /* the product's factors and the addend by operand order */
        static const int mul1[3] = { 0, 1, 1 }, mul2[3] = { 2, 0, 2 }, add[3] = { 1, 2, 0 };
        uint64_t x = src[mul1[f->order]], y = src[mul2[f->order]], z = src[add[f->order]];
        const uint64_t ordered[3] = { x, y, z };
        bool negate_product = f->kind == FMA_NADD || f->kind == FMA_NSUB;
        bool subtract = f->kind == FMA_SUB || f->kind == FMA_NSUB ||
                        (f->kind == FMA_ADDSUB && !(i & 1)) || (f->kind == FMA_SUBADD && (i & 1));
        if (negate_product && !bits_nan(x, f->dbl)) {
            x ^= sign;
        }
        if (subtract && !bits_nan(z, f->dbl)) {
            z ^= sign;
        }
        put(r, f->dbl, i, soft_element(mxcsr, f->dbl, x, y, z, ordered, &flags));
    }
    return flags;
}

void helper_fma(CPUX86State *env, uint32_t desc, uint32_t op)
{
    FmaArgs f = { op & 3, (op >> 2) & 7, (op >> 5) & 1, (op >> 6) & 1, AVX_L(desc) };
    Ymm r, a, b, old;
    ymm_read(env, AVX_D(desc), &r);
    ymm_read(env, AVX_A(desc), &a);
    ymm_read(env, AVX_B(desc), &b);
    old = r;
    uint32_t mxcsr = env->mxcsr, flags;
#ifdef FMA_HOST
    if (__builtin_cpu_supports("fma")) {
        flags = host_fma(mxcsr, &f, &r, &a, &b);
    } else
#endif
    {
        flags = soft_fma(mxcsr, &f, &r, &a, &b);
    }
    unsigned n = f.scalar ? 1 : (f.l ? 32u : 16u) / (f.dbl ? 8 : 4);
    if (!(mxcsr & MXCSR_UM_BIT)) {
        /* unmasked underflow: a tiny result is reported even when exact */
        for (unsigned i = 0; i < n; i++) {
            flags |= bits_denormal(get(&r, f.dbl, i), f.dbl) ? MXCSR_UE : 0;
        }
    }
    uint32_t unmasked = flags & ~(mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (unmasked) {
        uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
        env->mxcsr |= (unmasked & pre) ? flags & pre : flags;
        x86_raise_exception(env, EXCP13_XMM, 0, GETPC());
    }
    env->mxcsr |= flags;
    if (f.scalar) {
        /* the other elements of the destination stay; bits 255:128 zero */
        if (f.dbl) {
            old.q[0] = r.q[0];
        } else {
            old.l[0] = r.l[0];
        }
        r = old;
    }
    ymm_write(env, AVX_D(desc), &r, f.l && !f.scalar);
}
