/*
 * VCMPPS/VCMPPD/VCMPSS/VCMPSD with VEX's 32 predicates (Intel SDM vol. 2A,
 * CMPPS, table 3-1 "Comparison Predicate for CMPPD and CMPPS Instructions"):
 * imm8[4:0] picks the relation (EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD, then
 * EQ_UQ, NGE, NGT, FALSE, NEQ_OQ, GE, GT, TRUE), and whether a QNaN operand
 * signals (the _S/_US/_OS ones) or only an SNaN does. Portable C: no
 * rounding is involved; flags are IE for the NaN cases and DE for a denormal
 * operand of an ordered element (none with DAZ, which reads it as zero).
 * An unmasked exception raises #XM with nothing written.
 */
#include "target-i386/avx_helper.h"
#include "target-i386/sse_helper.h"

enum { REL_LT, REL_EQ, REL_GT, REL_UN };

/* the predicates' truth for LT, EQ, GT, UN (bits 0..3) */
static const uint8_t predicate_truth[16] = {
    0x2, 0x1, 0x3, 0x8, 0xd, 0xe, 0xc, 0x7,     /* EQ LT LE UNORD NEQ NLT NLE ORD */
    0xa, 0x9, 0xb, 0x0, 0x5, 0x6, 0x4, 0xf,     /* EQ_UQ NGE NGT FALSE NEQ_OQ GE GT TRUE */
};

/* the predicates whose QNaN operands signal: 1, 2, 5, 6, 9, 10, 13, 14 and
 * their complements in 16-31 */
static bool signals_qnan(unsigned imm)
{
    bool base = (imm & 3) == 1 || (imm & 3) == 2;
    return (imm & 16) ? !base : base;
}

static bool is_nan(uint64_t v, uint64_t exp, uint64_t frac)
{
    return (v & exp) == exp && (v & frac);
}

static bool is_denormal(uint64_t v, uint64_t exp, uint64_t frac)
{
    return !(v & exp) && (v & frac);
}

/* value of a finite (possibly denormal) element as a double: float widens exactly */
static double as_double(uint64_t v, bool dbl)
{
    if (dbl) {
        double d;
        memcpy(&d, &v, 8);
        return d;
    }
    uint32_t w = (uint32_t)v;
    float f;
    memcpy(&f, &w, 4);
    return f;
}

static int relation(uint64_t a, uint64_t b, bool dbl, unsigned imm, uint32_t mxcsr,
                    uint32_t *flags)
{
    uint64_t exp = dbl ? 0x7ff0000000000000ull : 0x7f800000u;
    uint64_t frac = dbl ? 0x000fffffffffffffull : 0x007fffffu;
    uint64_t quiet = dbl ? 0x0008000000000000ull : 0x00400000u;
    uint64_t sign = dbl ? 0x8000000000000000ull : 0x80000000u;
    bool nan_a = is_nan(a, exp, frac), nan_b = is_nan(b, exp, frac);
    if (nan_a || nan_b) {
        if (signals_qnan(imm) || (nan_a && !(a & quiet)) || (nan_b && !(b & quiet))) {
            *flags |= MXCSR_IE;
        }
        return REL_UN;
    }
    uint64_t *ops[2] = { &a, &b };
    for (int i = 0; i < 2; i++) {
        if (is_denormal(*ops[i], exp, frac)) {
            if (mxcsr & MXCSR_DAZ) {
                *ops[i] &= sign;
            } else {
                *flags |= MXCSR_DE;
            }
        }
    }
    double x = as_double(a, dbl), y = as_double(b, dbl);
    return x < y ? REL_LT : x == y ? REL_EQ : REL_GT;
}

static void compare(CPUX86State *env, uint32_t desc, bool dbl, bool scalar, uintptr_t ra)
{
    Ymm a, b, r;
    unsigned imm = AVX_IMM(desc) & 31;
    bool l = AVX_L(desc) && !scalar;
    unsigned n = scalar ? 1 : (l ? 32u : 16u) / (dbl ? 8 : 4);
    uint32_t flags = 0;
    ymm_read(env, AVX_A(desc), &a);
    ymm_read(env, AVX_B(desc), &b);
    r = a;                    /* scalar forms: the rest from the first source */
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = dbl ? a.q[i] : a.l[i], y = dbl ? b.q[i] : b.l[i];
        int rel = relation(x, y, dbl, imm, env->mxcsr, &flags);
        bool truth = (predicate_truth[imm & 15] >> rel) & 1;
        if (dbl) {
            r.q[i] = truth ? UINT64_MAX : 0;
        } else {
            r.l[i] = truth ? UINT32_MAX : 0;
        }
    }
    if (flags & ~(env->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS) {
        env->mxcsr |= flags;
        x86_raise_exception(env, EXCP13_XMM, 0, ra);
    }
    env->mxcsr |= flags;
    ymm_write(env, AVX_D(desc), &r, l);
}

void helper_vcmpps(CPUX86State *env, uint32_t desc)
{
    compare(env, desc, false, false, GETPC());
}

void helper_vcmppd(CPUX86State *env, uint32_t desc)
{
    compare(env, desc, true, false, GETPC());
}

void helper_vcmpss(CPUX86State *env, uint32_t desc)
{
    compare(env, desc, false, true, GETPC());
}

void helper_vcmpsd(CPUX86State *env, uint32_t desc)
{
    compare(env, desc, true, true, GETPC());
}
