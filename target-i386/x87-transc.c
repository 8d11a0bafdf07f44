/*
 * Portable evaluation of the x87 transcendental instructions, without the
 * host FPU (SDM vol. 2A): F2XM1, FYL2X, FYL2XP1, FSIN, FCOS, FSINCOS, FPTAN,
 * FPATAN, and FSCALE and FXTRACT, which share the wide format and its
 * rounding. Operands are widened exactly to a 128-bit significand, the
 * functions are evaluated by series in that format (relative error near
 * 2^-120, with a sticky last bit so the direction of what was dropped
 * survives) and the result is rounded once to the 64-bit significand under
 * the guest's rounding control; these instructions ignore precision control
 * (SDM vol. 1, 8.1.5.2). The trigonometric ones reduce by the CPUs' 66-bit
 * pi. Special operands follow the SDM tables of each instruction, and where
 * the SDM leaves results undefined, an AMD family 19h host's.
 * The results are correctly rounded; the CPUs' are not always (about 1-3%
 * of operands differ by 1 ulp): x86 hosts run the host instruction instead
 * (fpu_helper.c), tests/x87 judges this file against it.
 */
#include <stdbool.h>
#include "target-i386/x87-soft.h"

typedef unsigned __int128 u128;

/* (-1)^sign * m * 2^(exp - 127); m has bit 127 set, or m == 0 for zero */
typedef struct {
    int sign;
    int32_t exp;
    u128 m;
} Wide;

#define BIAS 16383
#define ONE_HI ((u128)1 << 127)

/* ln 2 and log2 e to 128 bits (truncated), from the series of atanh(1/3) */
static const Wide ln2 = { 0, -1, (u128)0xb17217f7d1cf79abull << 64 | 0xc9e3b39803f2f6afull };
static const Wide log2e = { 0, 0, (u128)0xb8aa3b295c17f0bbull << 64 | 0xbe87fed0691d3e88ull };

static int clz128(u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)m);
}

static Wide norm(int sign, int32_t exp, u128 m)
{
    Wide w = { sign, exp, m };

    if (m) {
        int lz = clz128(m);
        w.m = m << lz;
        w.exp = exp - lz;
    }
    return w;
}

static Wide from_int(int64_t k)
{
    return norm(k < 0, 63, (u128)(uint64_t)(k < 0 ? -k : k) << 64);
}

/* finite values only; denormals and pseudo-denormals have exponent 1 - BIAS */
static Wide from_x87(X87Float v)
{
    int e = v.se & 0x7fff;
    return norm(v.se >> 15, (e ? e : 1) - BIAS, (u128)v.mant << 64);
}

static Wide mul(Wide a, Wide b)
{
    uint64_t ah = a.m >> 64, al = (uint64_t)a.m, bh = b.m >> 64, bl = (uint64_t)b.m;
    u128 hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (ll >> 64) + (uint64_t)hl + (uint64_t)lh;
    u128 high = (u128)ah * bh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    u128 low = mid << 64 | (uint64_t)ll;
    Wide r = { a.sign ^ b.sign, a.exp + b.exp + 1, high };

    if (!a.m || !b.m) {
        return (Wide){ a.sign ^ b.sign, 0, 0 };
    }
    if (!(high >> 127)) {
        r.m = high << 1 | low >> 127;
        r.exp--;
        low <<= 1;
    }
    r.m |= low != 0;     /* sticky: the exact product lies beyond r.m */
    return r;
}

static bool mag_less(Wide a, Wide b)
{
    return a.exp < b.exp || (a.exp == b.exp && a.m < b.m);
}

/* a + b with a 256-bit intermediate, so cancellation loses nothing */
static Wide add(Wide a, Wide b)
{
    if (!b.m) {
        return a;
    }
    if (!a.m) {
        return b;
    }
    if (mag_less(a, b)) {
        Wide t = a;
        a = b;
        b = t;
    }
    int32_t d = a.exp - b.exp;
    if (d >= 250) {
        /* b below every kept bit: only its direction is left, as a sticky
         * bit (the last bit of a, or a borrow from it) */
        if (a.sign != b.sign && a.m == ONE_HI) {
            return (Wide){ a.sign, a.exp - 1, ~(u128)0 };
        }
        a.m = (a.sign == b.sign ? a.m : a.m - 1) | 1;
        return a;
    }
    u128 bh = d >= 128 ? 0 : b.m >> d;
    u128 bl = d == 0 ? 0 : d < 128 ? b.m << (128 - d) : d == 128 ? b.m : b.m >> (d - 128);
    if (a.sign == b.sign) {
        u128 h = a.m + bh;
        if (h < a.m) {   /* carry out of bit 127 */
            return (Wide){ a.sign, a.exp + 1, h >> 1 | ONE_HI | (h & 1) | (bl != 0) };
        }
        return (Wide){ a.sign, a.exp, h | (bl != 0) };
    }
    u128 l = -bl, h = a.m - bh - (bl != 0);
    if (!h && !l) {
        return (Wide){ 0, 0, 0 };
    }
    int lz = h ? clz128(h) : 128 + clz128(l);
    if (lz >= 128) {
        h = l << (lz - 128);
        l = 0;
    } else if (lz) {
        h = h << lz | l >> (128 - lz);
        l <<= lz;
    }
    return (Wide){ a.sign, a.exp - lz, h | (l != 0) };
}

static Wide neg(Wide a)
{
    a.sign ^= 1;
    return a;
}

/* restoring division of the significands, 128 quotient bits */
static Wide divide(Wide a, Wide b)
{
    u128 r = a.m, q = 0;
    int32_t exp = a.exp - b.exp;
    bool carry = false;

    if (r < b.m) {
        carry = r >> 127;
        r <<= 1;
        exp--;
    }
    for (int i = 0; i < 128; i++) {
        q <<= 1;
        if (carry || r >= b.m) {
            r -= b.m;
            q |= 1;
        }
        carry = r >> 127;
        r <<= 1;
    }
    return (Wide){ a.sign ^ b.sign, exp, q | (carry || r != 0) };
}

static Wide div_small(Wide a, uint32_t n)
{
    u128 q = a.m / n, r = a.m % n;
    int lz = clz128(q);

    return (Wide){ a.sign, a.exp - lz, q << lz | (r << lz) / n | ((r << lz) % n != 0) };
}

/* e^t - 1 = sum t^n / n!, n >= 1 (|t| <= ln 2 here) */
static Wide expm1_wide(Wide t)
{
    Wide sum = t, term = t;

    for (uint32_t n = 2; n < 60; n++) {
        term = div_small(mul(term, t), n);
        sum = add(sum, term);     /* the first negligible term sets the sticky bit */
        if (!term.m || term.exp < sum.exp - 130) {
            break;
        }
    }
    return sum;
}

/* ln((1 + s) / (1 - s)) = 2 atanh s = 2 sum s^(2k+1) / (2k+1), |s| < 0.2 */
static Wide atanh2_wide(Wide s)
{
    Wide s2 = mul(s, s), sum = s, p = s;

    for (uint32_t k = 1; k < 80; k++) {
        p = mul(p, s2);
        Wide term = div_small(p, 2 * k + 1);
        sum = add(sum, term);
        if (!term.m || term.exp < sum.exp - 130) {
            break;
        }
    }
    sum.exp++;
    return sum;
}

/* log2 of a positive wide value: its exponent plus the logarithm of the
 * significand folded into [sqrt(2)/2, sqrt(2)) */
static Wide log2_wide(Wide x)
{
    /* sqrt(2) in the significand format: 0xb504f333f9de6484... */
    const u128 sqrt2 = (u128)0xb504f333f9de6484ull << 64;
    int32_t e = x.exp;
    Wide m = { 0, 0, x.m }, one = { 0, 0, ONE_HI };

    if (x.m > sqrt2) {
        m.exp = -1;
        e++;
    }
    Wide s = divide(add(m, neg(one)), add(m, one));
    return add(from_int(e), mul(atanh2_wide(s), log2e));
}

/* ---------------------------------------------------------------- encodings */

int x87_classify(X87Float v)
{
    int e = v.se & 0x7fff;
    bool integer = v.mant >> 63;

    if (e == 0x7fff) {
        if (!integer) {
            return X87_K_INVALID;         /* pseudo-infinity, pseudo-NaN */
        }
        if (!(v.mant << 1)) {
            return X87_K_INF;
        }
        return (v.mant >> 62) & 1 ? X87_K_QNAN : X87_K_SNAN;
    }
    if (e == 0) {
        return v.mant ? X87_K_FINITE : X87_K_ZERO;   /* denormal, pseudo-denormal */
    }
    return integer ? X87_K_FINITE : X87_K_INVALID;   /* unnormal */
}

static bool is_denormal(X87Float v)
{
    return !(v.se & 0x7fff) && v.mant;
}

const X87Float x87_indefinite = { 0xc000000000000000ull, 0xffff };
#define indefinite x87_indefinite

static X87Float make(int sign, int e, uint64_t mant)
{
    return (X87Float){ mant, (uint16_t)((sign ? 0x8000 : 0) | e) };
}

static X87Float quiet(X87Float v)
{
    v.mant |= 1ull << 62;
    return v;
}

/*
 * NaN and unsupported operands of a two-operand instruction (SDM vol. 1,
 * table 4-7: an SNaN raises IE; of an SNaN and a QNaN the QNaN wins, of two
 * of a kind the larger significand).
 */
bool x87_nan_pair(X87Float a, X87Float b, X87Float *r, uint16_t *flags)
{
    int ka = x87_classify(a), kb = x87_classify(b);

    if (ka == X87_K_INVALID || kb == X87_K_INVALID) {
        *flags |= X87_IE;
        *r = indefinite;
        return true;
    }
    if (ka < X87_K_QNAN && kb < X87_K_QNAN) {
        return false;
    }
    if (ka == X87_K_SNAN || kb == X87_K_SNAN) {
        *flags |= X87_IE;
    }
    if (ka != kb && ka >= X87_K_QNAN && kb >= X87_K_QNAN) {
        *r = ka == X87_K_QNAN ? a : b;          /* an SNaN and a QNaN: the QNaN */
    } else if (ka >= X87_K_QNAN && kb >= X87_K_QNAN) {
        *r = quiet(a.mant >= b.mant ? a : b);
    } else {
        *r = quiet(ka >= X87_K_QNAN ? a : b);
    }
    return true;
}

/* ---------------------------------------------------------------- rounding */

/* rounds to the 64-bit significand (SDM vol. 1, 4.8.4); the result of a
 * transcendental approximation is inexact unless the caller says so */
static X87Float round_wide(Wide w, unsigned rc, bool exact, uint16_t *flags)
{
    int32_t e = w.exp + BIAS;
    u128 m = w.m;
    uint64_t mant, rest;
    bool sticky = false, tiny = false, up;

    if (!w.m) {
        return make(w.sign, 0, 0);
    }
    if (e <= 0) {
        int shift = 1 - e;
        tiny = true;
        if (shift >= 128) {
            sticky = true;
            m = 0;
        } else {
            sticky = (m << (128 - shift)) != 0;
            m >>= shift;
        }
        e = 0;
    }
    mant = (uint64_t)(m >> 64);
    rest = (uint64_t)m;
    bool inexact = rest || sticky || !exact;
    bool half = rest >> 63, below = (rest << 1) || sticky;
    switch (rc & 3) {
    case 0: up = half && (below || (mant & 1)); break;
    case 1: up = w.sign && inexact; break;
    case 2: up = !w.sign && inexact; break;
    default: up = false; break;
    }
    if (up) {
        mant++;
        if (!mant) {
            mant = 1ull << 63;
            e++;
        } else if (e == 0 && mant >> 63) {
            e = 1;     /* a denormal rounded up to the smallest normal */
        }
        *flags |= X87_C1;
    }
    if (e >= 0x7fff) {
        bool to_inf = (rc & 3) == 0 || ((rc & 3) == 1 && w.sign) || ((rc & 3) == 2 && !w.sign);
        *flags |= X87_OE | X87_PE | (to_inf ? X87_C1 : 0);
        return to_inf ? make(w.sign, 0x7fff, 1ull << 63) : make(w.sign, 0x7ffe, ~0ull);
    }
    if (inexact) {
        *flags |= X87_PE | (tiny ? X87_UE : 0);
    }
    return make(w.sign, e, mant);
}

/* ---------------------------------------------------------------- instructions */

/* F2XM1: 2^x - 1 for -1 <= x <= 1 (SDM vol. 2A, F2XM1) */
X87Float x87_f2xm1(X87Float x, unsigned rc, uint16_t *flags)
{
    int sign = x.se >> 15;

    switch (x87_classify(x)) {
    case X87_K_INVALID:
        *flags |= X87_IE;
        return indefinite;
    case X87_K_SNAN:
        *flags |= X87_IE;
        return quiet(x);
    case X87_K_QNAN: case X87_K_ZERO:
        return x;
    case X87_K_INF:
        return sign ? make(1, 0x3fff, 1ull << 63) : x;
    default:
        break;
    }
    if (is_denormal(x)) {
        *flags |= X87_DE;
    }
    Wide w = from_x87(x);
    if (w.exp >= 0) {
        /* |x| >= 1: outside the documented range, the CPUs checked (AMD
         * family 19h) return -1/2 for -1 and x itself above 1, inexact */
        if (w.m == ONE_HI && w.exp == 0 && sign) {
            *flags |= X87_PE;
            return make(1, 0x3ffe, 1ull << 63);
        }
        if (w.m != ONE_HI || w.exp != 0) {
            *flags |= X87_PE;
            return x;
        }
    }
    return round_wide(expm1_wide(mul(w, ln2)), rc, false, flags);
}

/* y * log2(x) where both are finite and x > 0 */
static X87Float ylog2(Wide x, X87Float y, unsigned rc, uint16_t *flags)
{
    Wide l = log2_wide(x);

    /* log2 of a power of two is exact (an integer) */
    return round_wide(mul(from_x87(y), l), rc, x.m == ONE_HI, flags);
}

/* FYL2X: ST(1) * log2(ST(0)) (SDM vol. 2A, FYL2X, table 3-49) */
static X87Float fyl2x(X87Float x, X87Float y, unsigned rc, uint16_t *flags)
{
    X87Float r;
    int kx = x87_classify(x), ky = x87_classify(y);
    int sx = x.se >> 15, sy = y.se >> 15;

    if (x87_nan_pair(x, y, &r, flags)) {
        return r;
    }
    if (sx && kx != X87_K_ZERO) {
        *flags |= X87_IE;          /* logarithm of a negative number */
        return indefinite;
    }
    /* DE: the CPUs checked (AMD family 19h) report no denormal ST(1) when
     * ST(0) is zero, nor any with an invalid operation (see x87_fyl2x) */
    if (is_denormal(x) || (is_denormal(y) && kx != X87_K_ZERO)) {
        *flags |= X87_DE;
    }
    if (kx == X87_K_ZERO) {
        if (ky == X87_K_ZERO) {
            *flags |= X87_IE;
            return indefinite;
        }
        if (ky == X87_K_FINITE) {
            *flags |= X87_ZE;
        }
        return make(!sy, 0x7fff, 1ull << 63);
    }
    if (kx == X87_K_INF) {
        if (ky == X87_K_ZERO) {
            *flags |= X87_IE;
            return indefinite;
        }
        return make(sy, 0x7fff, 1ull << 63);
    }
    /* x finite and positive: the sign of log2(x) decides */
    Wide wx = from_x87(x);
    bool one = wx.exp == 0 && wx.m == ONE_HI, below = wx.exp < 0;
    if (ky == X87_K_INF) {
        if (one) {
            *flags |= X87_IE;
            return indefinite;
        }
        return make(sy ^ below, 0x7fff, 1ull << 63);
    }
    if (ky == X87_K_ZERO || one) {
        return make(one ? sy : sy ^ below, 0, 0);
    }
    return ylog2(wx, y, rc, flags);
}

/* FYL2XP1: ST(1) * log2(ST(0) + 1) for |x| < 1 - sqrt(2)/2 (SDM vol. 2A,
 * FYL2XP1, table 3-50); ln(1 + x) = 2 atanh(x / (2 + x)) keeps the relative
 * precision of tiny x */
static X87Float fyl2xp1(X87Float x, X87Float y, unsigned rc, uint16_t *flags)
{
    X87Float r;
    int kx = x87_classify(x), ky = x87_classify(y);
    int sx = x.se >> 15, sy = y.se >> 15;

    if (x87_nan_pair(x, y, &r, flags)) {
        return r;
    }
    if (is_denormal(x) || is_denormal(y)) {
        *flags |= X87_DE;
    }
    if (kx == X87_K_ZERO) {
        if (ky == X87_K_INF) {
            *flags |= X87_IE;
            return indefinite;
        }
        return make(sx ^ sy, 0, 0);
    }
    if (kx == X87_K_INF) {
        if (sx || ky == X87_K_ZERO) {
            *flags |= X87_IE;
            return indefinite;
        }
        return make(sy, 0x7fff, 1ull << 63);
    }
    Wide wx = from_x87(x), two = { 0, 1, ONE_HI };
    if (ky == X87_K_INF) {
        return make(sy ^ sx, 0x7fff, 1ull << 63);
    }
    if (ky == X87_K_ZERO) {
        return make(sy ^ sx, 0, 0);
    }
    if (wx.exp >= -2) {
        /* outside the documented range: the logarithm of 1 + x, and x
         * itself (inexact) for x <= -1 on the CPUs checked (AMD family 19h) */
        Wide u = add(wx, (Wide){ 0, 0, ONE_HI });
        if (u.sign || !u.m) {
            *flags |= X87_PE;
            return x;
        }
        return ylog2(u, y, rc, flags);
    }
    Wide l = mul(atanh2_wide(divide(wx, add(two, wx))), log2e);
    return round_wide(mul(from_x87(y), l), rc, false, flags);
}

/* an invalid operation reports no denormal operand */
X87Float x87_fyl2x(X87Float x, X87Float y, unsigned rc, uint16_t *flags)
{
    X87Float r = fyl2x(x, y, rc, flags);

    if (*flags & X87_IE) {
        *flags &= ~X87_DE;
    }
    return r;
}

X87Float x87_fyl2xp1(X87Float x, X87Float y, unsigned rc, uint16_t *flags)
{
    X87Float r = fyl2xp1(x, y, rc, flags);

    if (*flags & X87_IE) {
        *flags &= ~X87_DE;
    }
    return r;
}

/* ---------------------------------------------------------------- FSCALE, FXTRACT */

/* trunc(y) for finite y, clamped far beyond any exponent range */
static int32_t scale_count(X87Float y)
{
    int e = (y.se & 0x7fff) - BIAS;
    int32_t n;

    if (e < 0 || !(y.se & 0x7fff)) {
        return 0;
    }
    n = e > 20 ? 1 << 20 : (int32_t)(y.mant >> (63 - e));
    return y.se & 0x8000 ? -n : n;
}

/*
 * The exact scaled value w rounded for the register destination. With the
 * overflow (underflow) exception unmasked, a result too large (tiny, even
 * when exact) gets its exponent divided (multiplied) by 2^24576, the bias
 * adjustment of SDM vol. 1, 8.5.4 (8.5.5), and reports OE (UE) alone; one
 * still out of range after it becomes infinity with OE PE C1 (a zero of
 * w's sign with UE PE), whatever the rounding control, as the CPUs do.
 */
static X87Float scaled_result(Wide w, unsigned rc, unsigned unmasked, uint16_t *flags)
{
    int32_t e = w.exp + BIAS;

    if ((unmasked & X87_OE) && e >= 0x7fff) {
        if (e - X87_BIAS_ADJUST >= 0x7fff) {
            *flags |= X87_OE | X87_PE | X87_C1;
            return make(w.sign, 0x7fff, 1ull << 63);
        }
        w.exp -= X87_BIAS_ADJUST;
        *flags |= X87_OE;
    } else if ((unmasked & X87_UE) && e <= 0) {
        if (e + X87_BIAS_ADJUST <= 0) {
            *flags |= X87_UE | X87_PE;
            return make(w.sign, 0, 0);
        }
        w.exp += X87_BIAS_ADJUST;
        *flags |= X87_UE;
    }
    return round_wide(w, rc, true, flags);
}

/* FSCALE: ST(0) * 2^trunc(ST(1)) (SDM vol. 2A, FSCALE, table 3-41); the
 * result is rounded only when it overflows or becomes denormal */
X87Float x87_fscale(X87Float x, X87Float y, unsigned rc, unsigned unmasked, uint16_t *flags)
{
    X87Float r;
    int kx = x87_classify(x), ky = x87_classify(y), sx = x.se >> 15, sy = y.se >> 15;

    if (x87_nan_pair(x, y, &r, flags)) {
        return r;
    }
    if (ky == X87_K_INF) {
        if ((kx == X87_K_ZERO && !sy) || (kx == X87_K_INF && sy)) {
            *flags |= X87_IE;        /* 0 * 2^+inf, inf * 2^-inf */
            return indefinite;
        }
        if (is_denormal(x)) {
            *flags |= X87_DE;
        }
        return kx == X87_K_ZERO || sy ? make(sx, 0, 0) : make(sx, 0x7fff, 1ull << 63);
    }
    if (is_denormal(x) || is_denormal(y)) {
        *flags |= X87_DE;
    }
    if (kx == X87_K_ZERO || kx == X87_K_INF) {
        return x;
    }
    Wide w = from_x87(x);
    w.exp += scale_count(y);
    return scaled_result(w, rc, unmasked, flags);
}

/* FXTRACT: ST(0) = x splits into its unbiased exponent (*exponent, the new
 * ST(1)) and its significand with exponent 0 (SDM vol. 2A, FXTRACT) */
void x87_fxtract(X87Float x, X87Float *exponent, X87Float *significand, uint16_t *flags)
{
    int sign = x.se >> 15;

    switch (x87_classify(x)) {
    case X87_K_INVALID:
        *flags |= X87_IE;
        *exponent = *significand = indefinite;
        return;
    case X87_K_SNAN:
        *flags |= X87_IE;
        /* fall through */
    case X87_K_QNAN:
        *exponent = *significand = quiet(x);
        return;
    case X87_K_ZERO:
        *flags |= X87_ZE;          /* the exponent of 0 is -infinity */
        *exponent = make(1, 0x7fff, 1ull << 63);
        *significand = x;
        return;
    case X87_K_INF:
        *exponent = make(0, 0x7fff, 1ull << 63);
        *significand = x;
        return;
    default:
        break;
    }
    if (is_denormal(x)) {
        *flags |= X87_DE;
    }
    Wide w = from_x87(x);
    *exponent = round_wide(from_int(w.exp), 0, true, flags);
    *significand = make(sign, BIAS, (uint64_t)(w.m >> 64));
}

/* ---------------------------------------------------------------- FSIN, FCOS, FSINCOS, FPTAN */

/*
 * The CPUs reduce the argument by a 66-bit approximation of pi,
 * 0xC90FDAA22168C234C * 2^-66 (documented by Intel, SDM vol. 1, 8.3.10;
 * an AMD family 19h host matches it to 0.53 ulp), not by pi itself. Here
 * x - k * pi66/2 is exact: pi66/2 is split into two 33-bit halves so that
 * each product with k (below 2^62) is exact in the wide format.
 */
static void reduce_pi66(Wide ax, Wide *y, unsigned *quadrant)
{
    const u128 pio2 = (u128)0xc90fdaa22168c234ull << 64 | (u128)0xc << 60;
    const u128 hi_m = pio2 & ~(u128)0 << (128 - 33);
    Wide hi = { 0, 0, hi_m }, lo = norm(0, 0, pio2 - hi_m), half = { 0, -1, ONE_HI };
    Wide t = add(divide(ax, (Wide){ 0, 0, pio2 }), half);
    uint64_t k = t.exp < 0 ? 0 : (uint64_t)(t.m >> (127 - t.exp));
    Wide kw = from_int((int64_t)k);

    *y = add(add(ax, neg(mul(kw, hi))), neg(mul(kw, lo)));
    *quadrant = k & 3;
}

/* sin y and cos y by their series, |y| <= pi/4 (a little more) */
static void sincos_wide(Wide y, Wide *s, Wide *c)
{
    Wide y2 = mul(y, y), term = y, one = { 0, 0, ONE_HI };

    *s = y;
    for (uint32_t n = 2; n < 80; n += 2) {
        term = neg(div_small(div_small(mul(term, y2), n), n + 1));
        *s = add(*s, term);
        if (!term.m || term.exp < s->exp - 130) {
            break;
        }
    }
    *c = one;
    term = one;
    for (uint32_t n = 1; n < 80; n += 2) {
        term = neg(div_small(div_small(mul(term, y2), n), n + 1));
        *c = add(*c, term);
        if (!term.m || term.exp < c->exp - 130) {
            break;
        }
    }
}

/* tan y = y + y^3/3 + 2y^5/15 + 17y^7/315 for |y| < 2^-20, where sin/cos
 * would lose the direction of the correction below the wide precision */
static Wide tan_small(Wide y)
{
    static const uint32_t num[3] = { 1, 2, 17 }, den[3] = { 3, 15, 315 };
    Wide y2 = mul(y, y), p = y, sum = y;

    for (int i = 0; i < 3; i++) {
        p = mul(p, y2);
        Wide term = div_small(p, den[i]);
        if (num[i] > 1) {
            term = mul(term, from_int(num[i]));
        }
        sum = add(sum, term);
    }
    return sum;
}

/* op 0 FSIN, 1 FCOS: r[0]; 2 FSINCOS: r[0] = sin, r[1] = cos; 3 FPTAN:
 * r[0] = tan, r[1] = 1. The caller leaves |x| >= 2^63 alone (C2 = 1). */
void x87_trig(X87Float x, unsigned op, unsigned rc, X87Float r[2], uint16_t *flags)
{
    int sign = x.se >> 15;
    Wide y, s, c, v[2];
    unsigned q;

    r[1] = op == 3 ? make(0, BIAS, 1ull << 63) : x;
    switch (x87_classify(x)) {
    case X87_K_INVALID: case X87_K_INF:
        *flags |= X87_IE;
        r[0] = r[1] = indefinite;
        return;
    case X87_K_SNAN:
        *flags |= X87_IE;
        /* fall through */
    case X87_K_QNAN:
        r[0] = r[1] = quiet(x);
        return;
    case X87_K_ZERO:
        r[0] = op == 1 ? make(0, BIAS, 1ull << 63) : x;
        r[1] = op == 2 ? make(0, BIAS, 1ull << 63) : r[1];
        return;
    default:
        break;
    }
    if (is_denormal(x)) {
        *flags |= X87_DE;
    }
    Wide ax = from_x87(x);
    ax.sign = 0;
    reduce_pi66(ax, &y, &q);
    sincos_wide(y, &s, &c);
    v[0] = q & 1 ? c : s;                 /* sin x, cos x by quadrant */
    v[1] = q & 1 ? neg(s) : c;
    if (q & 2) {
        v[0] = neg(v[0]);
        v[1] = neg(v[1]);
    }
    v[0].sign ^= sign;
    if (op == 3 && y.m && y.exp < -20) {
        Wide t = tan_small(y), one = { 0, 0, ONE_HI };
        t = q & 1 ? neg(divide(one, t)) : t;    /* tan(y + pi/2) = -1/tan y */
        t.sign ^= sign;
        r[0] = round_wide(t, rc, false, flags);
    } else if (op == 3) {
        r[0] = round_wide(divide(v[0], v[1]), rc, false, flags);
    } else if (op == 2) {
        /* C1 tells how the sine (the new ST(1)) was rounded */
        uint16_t second = 0;
        r[0] = round_wide(v[0], rc, false, flags);
        r[1] = round_wide(v[1], rc, false, &second);
        *flags |= second & ~X87_C1;
    } else {
        r[0] = round_wide(v[op], rc, false, flags);
    }
}

/* ---------------------------------------------------------------- FPATAN */

/* pi to 128 bits (truncated) */
static const Wide pi_wide = { 0, 1, (u128)0xc90fdaa22168c234ull << 64 | 0xc4c6628b80dc1cd1ull };

static Wide scaled_pi(int32_t exp_delta)
{
    Wide p = pi_wide;

    p.exp += exp_delta;
    return p;
}

/* atan t for 0 <= t <= 1: above tan(pi/8), pi/4 + atan((t - 1)/(t + 1)) */
static Wide atan_wide(Wide t)
{
    const u128 tan_pi_8 = (u128)0xd413cccfe7799211ull << 64;    /* 0.4142... */
    Wide one = { 0, 0, ONE_HI }, base = { 0, 0, 0 };

    if (t.exp >= -1 || (t.exp == -2 && t.m > tan_pi_8)) {
        base = scaled_pi(-2);
        t = divide(add(t, neg(one)), add(t, one));
    }
    Wide t2 = mul(t, t), p = t, sum = t;
    for (uint32_t k = 1; t.m && k < 120; k++) {
        p = neg(mul(p, t2));
        Wide term = div_small(p, 2 * k + 1);
        sum = add(sum, term);
        if (!term.m || term.exp < sum.exp - 130) {
            break;
        }
    }
    return add(base, sum);
}

/* FPATAN: arctan(ST(1) / ST(0)) in the quadrant of (ST(0), ST(1)) (SDM
 * vol. 2A, FPATAN, table 3-29) */
X87Float x87_fpatan(X87Float x, X87Float y, unsigned rc, uint16_t *flags)
{
    X87Float r;
    int kx = x87_classify(x), ky = x87_classify(y), sx = x.se >> 15, sy = y.se >> 15;
    Wide v;

    if (x87_nan_pair(x, y, &r, flags)) {
        return r;
    }
    if (is_denormal(x) || is_denormal(y)) {
        *flags |= X87_DE;
    }
    if (ky == X87_K_ZERO) {
        if (!sx) {
            return y;                          /* atan2(+-0, x >= +0) */
        }
        v = scaled_pi(0);                      /* atan2(+-0, x <= -0) = +-pi */
    } else if (ky == X87_K_INF) {
        v = kx != X87_K_INF ? scaled_pi(-1) : sx ? add(scaled_pi(-1), scaled_pi(-2))
                                                 : scaled_pi(-2);
    } else if (kx == X87_K_ZERO) {
        v = scaled_pi(-1);
    } else if (kx == X87_K_INF) {
        if (!sx) {
            return make(sy, 0, 0);
        }
        v = scaled_pi(0);
    } else {
        Wide a = from_x87(y), b = from_x87(x);
        a.sign = b.sign = 0;
        v = mag_less(b, a) ? add(scaled_pi(-1), neg(atan_wide(divide(b, a))))
                           : atan_wide(divide(a, b));
        if (sx) {
            v = add(scaled_pi(0), neg(v));
        }
    }
    v.sign = sy;
    return round_wide(v, rc, false, flags);
}
