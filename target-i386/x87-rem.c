/*
 * FPREM and FPREM1 (SDM vol. 2A, FPREM, FPREM1) in integer arithmetic: the
 * remainder is exact, so it needs no host floating point and no rounding.
 * Operands whose exponents differ by 64 or more reduce only partially, by
 * ST(1) * 2^(D - N) with N between 32 and 63 (C2 = 1 asks for another
 * round); the CPUs checked choose N so that D - N is a multiple of 32.
 */
#include "target-i386/x87-soft.h"

#define BIAS 16383
#define SW_C0 0x0100
#define SW_C1 0x0200
#define SW_C2 0x0400
#define SW_C3 0x4000

/* a finite nonzero value as mant * 2^(exp - 63) with bit 63 of mant set */
static uint64_t unpack(X87Float v, int *exp)
{
    int e = v.se & 0x7fff, lz = __builtin_clzll(v.mant);

    *exp = (e ? e : 1) - BIAS - lz;
    return v.mant << lz;
}

/* m * 2^(exp - 63) as an extended value; exact (m < 2^64). A tiny one is
 * a denormal, or with X87_UE in unmasked the normal bias-adjusted value
 * (SDM vol. 1, 8.5.5: the exception is signalled even when exact) */
static X87Float pack(int sign, uint64_t m, int exp, unsigned unmasked, uint16_t *flags)
{
    X87Float r = { 0, (uint16_t)(sign ? 0x8000 : 0) };

    if (!m) {
        return r;
    }
    int lz = __builtin_clzll(m), e = exp - lz + BIAS;
    m <<= lz;
    if (e <= 0 && (unmasked & X87_UE)) {
        e += X87_BIAS_ADJUST;
        *flags |= X87_UE;
    } else if (e <= 0) {   /* denormal: the remainder is a multiple of the
                            * divisor's last bit, so no bit is lost */
        m >>= 1 - e;
        e = 0;
    }
    r.mant = m;
    r.se |= (uint16_t)e;
    return r;
}

/* quotient bits into C0 (Q2), C3 (Q1), C1 (Q0) */
static uint16_t quotient_cc(uint64_t q)
{
    return (q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) | (q & 1 ? SW_C1 : 0);
}

uint16_t x87_fprem(X87Float a, X87Float b, bool ieee, unsigned unmasked, X87Float *r,
                   uint16_t *cc_mask)
{
    int ka = x87_classify(a), kb = x87_classify(b), ea, eb, sign = a.se >> 15;
    uint16_t flags = 0;

    /* invalid operations write C1 = C2 = 0 and leave C0 and C3 */
    *cc_mask = SW_C1 | SW_C2;
    if (x87_nan_pair(a, b, r, &flags)) {
        return flags;
    }
    if (ka == X87_K_INF || kb == X87_K_ZERO) {
        *r = x87_indefinite;
        return X87_IE;
    }
    *cc_mask = SW_C0 | SW_C1 | SW_C2 | SW_C3;
    if ((!(a.se & 0x7fff) && a.mant) || (!(b.se & 0x7fff) && b.mant)) {
        flags |= X87_DE;
    }
    *r = a;
    if (ka == X87_K_ZERO) {
        return flags;
    }
    /* a kept dividend comes back packed: a pseudo-denormal in its normal
     * encoding */
    uint64_t ma = unpack(a, &ea);
    if (kb == X87_K_INF) {
        *r = pack(sign, ma, ea, unmasked, &flags);
        return flags;
    }
    uint64_t mb = unpack(b, &eb);
    int d = ea - eb;
    if (d >= 64) {
        /* partial: divide by ST(1) * 2^shift, C2 = 1, quotient bits 0 */
        int shift = (d - 32) / 32 * 32;
        eb += shift;
        d -= shift;
        ieee = false;
        flags |= SW_C2;
    }
    if (d < 0) {
        /* |a| < |b|: FPREM keeps a; FPREM1 subtracts b once above |b|/2 */
        if (ieee && d == -1 && ma > mb) {
            *r = pack(!sign, 2 * mb - ma, ea, unmasked, &flags);
            return flags | quotient_cc(1);
        }
        *r = pack(sign, ma, ea, unmasked, &flags);
        return flags;
    }
    /* d <= 63: the quotient fits 64 bits */
    unsigned __int128 num = (unsigned __int128)ma << d;
    uint64_t q = (uint64_t)(num / mb);
    unsigned __int128 rem = num - (unsigned __int128)q * mb;
    if (ieee && (2 * rem > mb || (2 * rem == mb && (q & 1)))) {
        rem = mb - rem;     /* round the quotient to nearest, even on ties */
        q++;
        sign ^= 1;
    }
    *r = pack(sign, (uint64_t)rem, eb, unmasked, &flags);
    if (!rem) {
        r->se = (uint16_t)(a.se & 0x8000);    /* a zero remainder has a's sign */
    }
    return flags | (flags & SW_C2 ? 0 : quotient_cc(q));
}
