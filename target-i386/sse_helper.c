/*
 * SSE/SSE2 helpers (see sse_helper.h for the calling convention). Each operation
 * follows the "Operation" section of its instruction in Intel SDM vol. 2; the
 * lane layout relies on a little-endian host, as XMMReg does.
 */
#include <fenv.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif
#include <math.h>
#include <string.h>
#include "target-i386/sse_helper.h"

static XMMReg xmm_from_halves(uint64_t lo, uint64_t hi)
{
    XMMReg r;
    r.q[0] = lo;
    r.q[1] = hi;
    return r;
}

/* --- saturation (Intel SDM vol. 1, 4.6.2 "saturation arithmetic") --- */

static int8_t saturate_s8(int v)
{
    return v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
}

static uint8_t saturate_u8(int v)
{
    return v < 0 ? 0 : v > UINT8_MAX ? UINT8_MAX : v;
}

static int16_t saturate_s16(int v)
{
    return v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v;
}

static uint16_t saturate_u16(int v)
{
    return v < 0 ? 0 : v > UINT16_MAX ? UINT16_MAX : v;
}

/*
 * Lane-wise integer operations: for each lane i, a is the destination's lane and
 * b the source's, both of type TYPE; the lane becomes EXPR.
 */
#define LANEWISE(name, field, TYPE, lanes, EXPR) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        for (int i = 0; i < (lanes); i++) { \
            TYPE a = (TYPE)d->field[i], b = (TYPE)s.field[i]; \
            d->field[i] = (EXPR); \
        } \
    }

LANEWISE(paddsb, b, int8_t, 16, (uint8_t)saturate_s8(a + b))
LANEWISE(paddsw, w, int16_t, 8, (uint16_t)saturate_s16(a + b))
LANEWISE(paddusb, b, uint8_t, 16, saturate_u8(a + b))
LANEWISE(paddusw, w, uint16_t, 8, saturate_u16(a + b))
LANEWISE(psubsb, b, int8_t, 16, (uint8_t)saturate_s8(a - b))
LANEWISE(psubsw, w, int16_t, 8, (uint16_t)saturate_s16(a - b))
LANEWISE(psubusb, b, uint8_t, 16, saturate_u8(a - b))
LANEWISE(psubusw, w, uint16_t, 8, saturate_u16(a - b))
LANEWISE(pmullw, w, int16_t, 8, (uint16_t)((int32_t)a * b))
LANEWISE(pmulhw, w, int16_t, 8, (uint16_t)(((int32_t)a * b) >> 16))
LANEWISE(pmulhuw, w, uint16_t, 8, (uint16_t)(((uint32_t)a * b) >> 16))
LANEWISE(pavgb, b, uint8_t, 16, (a + b + 1) >> 1)
LANEWISE(pavgw, w, uint16_t, 8, (a + b + 1) >> 1)
LANEWISE(pminsw, w, int16_t, 8, (uint16_t)(a < b ? a : b))
LANEWISE(pmaxsw, w, int16_t, 8, (uint16_t)(a > b ? a : b))
LANEWISE(pcmpgtb, b, int8_t, 16, a > b ? UINT8_MAX : 0)
LANEWISE(pcmpgtw, w, int16_t, 8, a > b ? UINT16_MAX : 0)
LANEWISE(pcmpgtd, l, int32_t, 4, a > b ? UINT32_MAX : 0)

/* PMULUDQ: unsigned products of the even doublewords */
void helper_pmuludq(XMMReg *d, uint64_t lo, uint64_t hi)
{
    d->q[0] = (uint64_t)(uint32_t)d->q[0] * (uint32_t)lo;
    d->q[1] = (uint64_t)(uint32_t)d->q[1] * (uint32_t)hi;
}

/* PMADDWD: adjacent signed word products summed into doublewords */
void helper_pmaddwd(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int i = 0; i < 4; i++) {
        int64_t sum = (int64_t)(int16_t)d->w[2 * i] * (int16_t)s.w[2 * i] +
                      (int64_t)(int16_t)d->w[2 * i + 1] * (int16_t)s.w[2 * i + 1];
        d->l[i] = (uint32_t)sum;
    }
}

/* PSADBW: sums of absolute byte differences, one per quadword */
void helper_psadbw(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int half = 0; half < 2; half++) {
        unsigned sum = 0;
        for (int i = half * 8; i < half * 8 + 8; i++) {
            sum += d->b[i] > s.b[i] ? d->b[i] - s.b[i] : s.b[i] - d->b[i];
        }
        d->q[half] = sum;
    }
}

/* --- packs: destination lanes first, then source lanes --- */

void helper_packsswb(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    for (int i = 0; i < 8; i++) {
        r.b[i] = (uint8_t)saturate_s8((int16_t)d->w[i]);
        r.b[i + 8] = (uint8_t)saturate_s8((int16_t)s.w[i]);
    }
    *d = r;
}

void helper_packuswb(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    for (int i = 0; i < 8; i++) {
        r.b[i] = saturate_u8((int16_t)d->w[i]);
        r.b[i + 8] = saturate_u8((int16_t)s.w[i]);
    }
    *d = r;
}

void helper_packssdw(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    for (int i = 0; i < 4; i++) {
        r.w[i] = (uint16_t)saturate_s16((int32_t)d->l[i]);
        r.w[i + 4] = (uint16_t)saturate_s16((int32_t)s.l[i]);
    }
    *d = r;
}

/* --- unpacks: interleave the low (or high) halves, destination lane first --- */
#define UNPACK(name, field, lanes, first) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi), r; \
        for (int i = 0; i < (lanes) / 2; i++) { \
            r.field[2 * i] = d->field[(first) + i]; \
            r.field[2 * i + 1] = s.field[(first) + i]; \
        } \
        *d = r; \
    }

UNPACK(punpcklbw, b, 16, 0)
UNPACK(punpcklwd, w, 8, 0)
UNPACK(punpckldq, l, 4, 0)
UNPACK(punpckhbw, b, 16, 8)
UNPACK(punpckhwd, w, 8, 4)
UNPACK(punpckhdq, l, 4, 2)

/* --- bit shifts: the count is the source's whole low quadword --- */
#define SHIFT(name, field, TYPE, lanes, bits, OP) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        for (int i = 0; i < (lanes); i++) { \
            TYPE a = (TYPE)d->field[i]; \
            d->field[i] = OP(a, lo, bits); \
        } \
    }
#define SHIFT_LEFT(a, count, bits)  ((count) >= (bits) ? 0 : a << (count))
#define SHIFT_RIGHT(a, count, bits) ((count) >= (bits) ? 0 : a >> (count))
/* arithmetic: counts past the width fill with the sign bit */
#define SHIFT_ARITH(a, count, bits) (a >> ((count) >= (bits) ? (bits) - 1 : (count)))

SHIFT(psllw, w, uint16_t, 8, 16, SHIFT_LEFT)
SHIFT(pslld, l, uint32_t, 4, 32, SHIFT_LEFT)
SHIFT(psllq, q, uint64_t, 2, 64, SHIFT_LEFT)
SHIFT(psrlw, w, uint16_t, 8, 16, SHIFT_RIGHT)
SHIFT(psrld, l, uint32_t, 4, 32, SHIFT_RIGHT)
SHIFT(psrlq, q, uint64_t, 2, 64, SHIFT_RIGHT)
SHIFT(psraw, w, int16_t, 8, 16, SHIFT_ARITH)
SHIFT(psrad, l, int32_t, 4, 32, SHIFT_ARITH)

/* --- shuffles --- */

void helper_pshufd(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int i = 0; i < 4; i++) {
        d->l[i] = s.l[(imm >> (2 * i)) & 3];
    }
}

void helper_pshuflw(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int i = 0; i < 4; i++) {
        d->w[i] = s.w[(imm >> (2 * i)) & 3];
    }
    d->q[1] = hi;
}

void helper_pshufhw(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int i = 0; i < 4; i++) {
        d->w[4 + i] = s.w[4 + ((imm >> (2 * i)) & 3)];
    }
    d->q[0] = lo;
}

void helper_shufps(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    r.l[0] = d->l[imm & 3];
    r.l[1] = d->l[(imm >> 2) & 3];
    r.l[2] = s.l[(imm >> 4) & 3];
    r.l[3] = s.l[(imm >> 6) & 3];
    *d = r;
}

void helper_shufpd(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    r.q[0] = d->q[imm & 1];
    r.q[1] = s.q[(imm >> 1) & 1];
    *d = r;
}

/*
 * --- SSSE3 (SDM vol. 2: PSHUFB, PHADDx, PHSUBx, PMADDUBSW, PMULHRSW, PSIGNx,
 * PABSx, PALIGNR). The MMX forms of the horizontal operations use the XMM
 * helper with the source in the slot's high half (MMX_PACK in translate-sse.c);
 * PSHUFB indexes bytes, so its MMX form has its own helper. PALIGNR is inline.
 */

/* PSHUFB: each byte picks a destination byte by the source byte's low four
 * bits (three for MMX), or is zeroed when that source byte's top bit is set */
void helper_pshufb(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi), r;
    for (int i = 0; i < 16; i++) {
        r.b[i] = (s.b[i] & 0x80) ? 0 : d->b[s.b[i] & 15];
    }
    *d = r;
}

void helper_pshufb_mmx(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi), r = *d;
    for (int i = 0; i < 8; i++) {
        r.b[i] = (s.b[i] & 0x80) ? 0 : d->b[s.b[i] & 7];
    }
    *d = r;
}

/* horizontal: adjacent lane pairs of the destination, then of the source */
#define HORIZONTAL(name, field, TYPE, lanes, EXPR) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi), r; \
        for (int i = 0; i < (lanes) / 2; i++) { \
            TYPE a = (TYPE)d->field[2 * i], b = (TYPE)d->field[2 * i + 1]; \
            r.field[i] = (EXPR); \
            a = (TYPE)s.field[2 * i]; \
            b = (TYPE)s.field[2 * i + 1]; \
            r.field[i + (lanes) / 2] = (EXPR); \
        } \
        *d = r; \
    }

HORIZONTAL(phaddw, w, uint16_t, 8, (uint16_t)(a + b))
HORIZONTAL(phaddd, l, uint32_t, 4, a + b)
HORIZONTAL(phaddsw, w, int16_t, 8, (uint16_t)saturate_s16(a + b))
HORIZONTAL(phsubw, w, uint16_t, 8, (uint16_t)(a - b))
HORIZONTAL(phsubd, l, uint32_t, 4, a - b)
HORIZONTAL(phsubsw, w, int16_t, 8, (uint16_t)saturate_s16(a - b))

/* PMADDUBSW: unsigned destination bytes times signed source bytes, adjacent
 * products summed with signed saturation */
void helper_pmaddubsw(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm_from_halves(lo, hi);
    for (int i = 0; i < 8; i++) {
        int sum = d->b[2 * i] * (int8_t)s.b[2 * i] + d->b[2 * i + 1] * (int8_t)s.b[2 * i + 1];
        d->w[i] = (uint16_t)saturate_s16(sum);
    }
}

/* PMULHRSW: bits 30:15 of the product, rounded: ((a * b >> 14) + 1) >> 1 */
LANEWISE(pmulhrsw, w, int16_t, 8, (uint16_t)((((int32_t)a * b >> 14) + 1) >> 1))

/* PSIGNx: negated where the source is negative, zero where it is zero */
#define SIGN_OF(a, b) ((b) < 0 ? -(a) : (b) == 0 ? 0 : (a))
LANEWISE(psignb, b, int8_t, 16, (uint8_t)SIGN_OF(a, b))
LANEWISE(psignw, w, int16_t, 8, (uint16_t)SIGN_OF(a, b))
LANEWISE(psignd, l, int32_t, 4, (uint32_t)SIGN_OF((int64_t)a, b))

/* PABSx: absolute values of the source (the minimum stays as it is); the
 * destination lane a is unused */
#define ABSOLUTE(a, b) ((void)(a), (b) < 0 ? -(int64_t)(b) : (b))
LANEWISE(pabsb, b, int8_t, 16, (uint8_t)ABSOLUTE(a, b))
LANEWISE(pabsw, w, int16_t, 8, (uint16_t)ABSOLUTE(a, b))
LANEWISE(pabsd, l, int32_t, 4, (uint32_t)ABSOLUTE(a, b))

/* --- masks --- */

uint32_t helper_movmskps(uint64_t lo, uint64_t hi)
{
    return (uint32_t)((lo >> 31) & 1) | (uint32_t)((lo >> 62) & 2) |
           (uint32_t)((hi >> 29) & 4) | (uint32_t)((hi >> 60) & 8);
}

uint32_t helper_movmskpd(uint64_t lo, uint64_t hi)
{
    return (uint32_t)(lo >> 63) | (uint32_t)((hi >> 63) << 1);
}

/*
 * --- floating point ---
 * The host's IEEE arithmetic does the work; what is x86-specific is done here:
 * MXCSR rounding control and sticky exception flags, DAZ/FZ, which NaN an
 * operation returns (Intel SDM vol. 1, 4.8.3.5 and table 4-7: the first source
 * operand's NaN, quieted, else the second's) and the default NaN (negative quiet
 * NaN, "real indefinite") for invalid operations.
 */

/*
 * The host's floating-point environment does the rounding and detects the
 * exception flags (in MXCSR layout; DE is computed by the helpers themselves).
 *
 * x86 hosts use their own MXCSR, and lazily: reading or writing it costs more
 * than an ADDSD. In the common case (every guest exception masked, round to
 * nearest) the host MXCSR is left as it is, and the flags guest operations
 * raise pile up in it until the guest looks at MXCSR (helper_sse_sync_mxcsr).
 * Otherwise each operation starts from clear flags and the guest's rounding
 * control, so that an unmasked exception is seen by the instruction raising it.
 * Outside helpers the host MXCSR is HOST_MXCSR_DEFAULT plus pending flags.
 * Hosts without SSE go through <fenv.h> every time.
 */
#define MXCSR_ALL_MASKS (MXCSR_FLAGS << MXCSR_MASK_SHIFT)
#define MXCSR_UM (MXCSR_UE << MXCSR_MASK_SHIFT)
#define HOST_MXCSR_DEFAULT MXCSR_RESET

#ifdef __SSE__
static bool fp_lazy(const CPUX86State *env)
{
    return (env->mxcsr & (MXCSR_ALL_MASKS | MXCSR_RC_MASK | MXCSR_FZ)) == MXCSR_ALL_MASKS;
}

/* the pending flags; the host back to its default */
static uint32_t host_take_flags(void)
{
    uint32_t host = _mm_getcsr();
    if (host != HOST_MXCSR_DEFAULT) {
        _mm_setcsr(HOST_MXCSR_DEFAULT);
    }
    return host & MXCSR_FLAGS & ~MXCSR_DE;
}

/*
 * FZ flushes a result that is tiny before its rounding to the denormal grid
 * (SDM vol. 1, 10.2.3.3), which the rounded result no longer shows (a tiny
 * result can round up to the smallest normal): the host's FZ does it, with
 * underflow masked, which is when FZ acts.
 */
static void host_fp_start(uint32_t guest_mxcsr)
{
    uint32_t flush = (guest_mxcsr & MXCSR_UM) ? guest_mxcsr & MXCSR_FZ : 0;
    _mm_setcsr(HOST_MXCSR_DEFAULT | (guest_mxcsr & MXCSR_RC_MASK) | flush);
}
#else
static bool fp_lazy(const CPUX86State *env)
{
    return false;
}

static uint32_t host_take_flags(void)
{
    int host = fetestexcept(FE_ALL_EXCEPT);
    uint32_t flags = 0;
    flags |= (host & FE_INVALID) ? MXCSR_IE : 0;
    flags |= (host & FE_DIVBYZERO) ? MXCSR_ZE : 0;
    flags |= (host & FE_OVERFLOW) ? MXCSR_OE : 0;
    flags |= (host & FE_UNDERFLOW) ? MXCSR_UE : 0;
    flags |= (host & FE_INEXACT) ? MXCSR_PE : 0;
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    return flags;
}

static const int host_rounding_mode[4] = {
    FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO,
};

static void host_fp_start(uint32_t guest_mxcsr)
{
    fesetround(host_rounding_mode[(guest_mxcsr & MXCSR_RC_MASK) >> MXCSR_RC_SHIFT]);
}
#endif

void helper_sse_sync_mxcsr(CPUX86State *env)
{
    env->mxcsr |= host_take_flags();
}

/*
 * The compiler does not see the host's floating-point environment and may move
 * arithmetic across fp_begin/fp_end; forcing the operands through memory after
 * fp_begin and the result before fp_end pins the work between them.
 */
#define FP_FENCE(value) __asm__ volatile("" : "+m"(value) : : "memory")

/*
 * Every floating-point helper runs between fp_begin and fp_end. Unless lazy,
 * fp_begin merges the pending flags, sets MXCSR's sticky flags aside (so the
 * flags this instruction raises show alone) and prepares the host; it returns
 * the sticky flags.
 */
static uint32_t fp_begin(CPUX86State *env)
{
    if (fp_lazy(env)) {
        return 0;
    }
    uint32_t sticky = (env->mxcsr & MXCSR_FLAGS) | host_take_flags();
    env->mxcsr &= ~MXCSR_FLAGS;
    host_fp_start(env->mxcsr);
    return sticky;
}

/*
 * fp_end adds the host's flags to the ones the helper set itself and restores
 * the sticky ones. An exception the instruction raised whose mask bit is clear
 * is a #XM fault (SDM vol. 1, 11.5.1), raised before the caller writes any
 * result. host_pc is the helper's GETPC().
 */
static void fp_end(CPUX86State *env, uint32_t sticky, uintptr_t host_pc)
{
    if (fp_lazy(env)) {
        return;
    }
    uint32_t raised = (env->mxcsr & MXCSR_FLAGS) | host_take_flags();
    uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    /* an unmasked pre-computation exception stops the operation before the
     * result: no OE, UE or PE with it (SDM vol. 1, 11.5.2) */
    if (raised & pre & ~(env->mxcsr >> MXCSR_MASK_SHIFT)) {
        raised &= pre;
    }
    env->mxcsr |= raised | sticky;
    if (raised & ~(env->mxcsr >> MXCSR_MASK_SHIFT)) {
        x86_raise_exception(env, EXCP13_XMM, 0, host_pc);
    }
}

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static uint32_t f32_to_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof(bits));
    return bits;
}

static double f64_from_bits(uint64_t bits)
{
    double f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static uint64_t f64_to_bits(double f)
{
    uint64_t bits;
    memcpy(&bits, &f, sizeof(bits));
    return bits;
}

#define F32_QUIET_BIT     0x00400000u
#define F32_DEFAULT_NAN   0xffc00000u
#define F64_QUIET_BIT     0x0008000000000000ull
#define F64_DEFAULT_NAN   0xfff8000000000000ull

static bool f32_bits_is_nan(uint32_t bits)
{
    return (bits & 0x7fffffffu) > 0x7f800000u;
}

static bool f64_bits_is_nan(uint64_t bits)
{
    return (bits & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

static bool f32_bits_is_denormal(uint32_t bits)
{
    return (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
}

static bool f64_bits_is_denormal(uint64_t bits)
{
    return (bits & 0x7ff0000000000000ull) == 0 && (bits & 0x000fffffffffffffull) != 0;
}

/* Denormal inputs: with DAZ they read as zero of the same sign
 * (SDM vol. 1, 10.2.3.4), otherwise they flag DE. */
static uint32_t f32_input(CPUX86State *env, uint32_t bits)
{
    if (f32_bits_is_denormal(bits)) {
        if (env->mxcsr & MXCSR_DAZ) {
            return bits & 0x80000000u;
        }
        env->mxcsr |= MXCSR_DE;
    }
    return bits;
}

static uint64_t f64_input(CPUX86State *env, uint64_t bits)
{
    if (f64_bits_is_denormal(bits)) {
        if (env->mxcsr & MXCSR_DAZ) {
            return bits & 0x8000000000000000ull;
        }
        env->mxcsr |= MXCSR_DE;
    }
    return bits;
}

/* Conversions to integers apply DAZ but never flag DE. */
static uint32_t f32_daz(const CPUX86State *env, uint32_t bits)
{
    if ((env->mxcsr & MXCSR_DAZ) && f32_bits_is_denormal(bits)) {
        return bits & 0x80000000u;
    }
    return bits;
}

static uint64_t f64_daz(const CPUX86State *env, uint64_t bits)
{
    if ((env->mxcsr & MXCSR_DAZ) && f64_bits_is_denormal(bits)) {
        return bits & 0x8000000000000000ull;
    }
    return bits;
}

/*
 * Denormal results (SDM vol. 1, 4.9.1.5 and 10.2.3.3): with underflow
 * unmasked, a tiny result is an underflow even when exact (the #XM then keeps
 * it from being written); with underflow masked and FZ set it becomes zero of
 * the same sign, flagging UE and PE.
 */

static uint32_t f32_output(CPUX86State *env, uint32_t bits)
{
    if (f32_bits_is_denormal(bits)) {
        if (!(env->mxcsr & MXCSR_UM)) {
            env->mxcsr |= MXCSR_UE;
        } else if (env->mxcsr & MXCSR_FZ) {
            env->mxcsr |= MXCSR_UE | MXCSR_PE;
            return bits & 0x80000000u;
        }
    }
    return bits;
}

static uint64_t f64_output(CPUX86State *env, uint64_t bits)
{
    if (f64_bits_is_denormal(bits)) {
        if (!(env->mxcsr & MXCSR_UM)) {
            env->mxcsr |= MXCSR_UE;
        } else if (env->mxcsr & MXCSR_FZ) {
            env->mxcsr |= MXCSR_UE | MXCSR_PE;
            return bits & 0x8000000000000000ull;
        }
    }
    return bits;
}

typedef float F32BinaryOp(float a, float b);
typedef double F64BinaryOp(double a, double b);

static float f32_add(float a, float b) { return a + b; }
static float f32_sub(float a, float b) { return a - b; }
static float f32_mul(float a, float b) { return a * b; }
static float f32_div(float a, float b) { return a / b; }
static double f64_add(double a, double b) { return a + b; }
static double f64_sub(double a, double b) { return a - b; }
static double f64_mul(double a, double b) { return a * b; }
static double f64_div(double a, double b) { return a / b; }

/* One arithmetic lane with x86 NaN propagation. Always inlined: with the
 * operation known, a helper shrinks to a few instructions around the host's
 * own ADDSD/MULSS/... */
static inline __attribute__((always_inline))
uint32_t f32_arith(CPUX86State *env, F32BinaryOp *op, uint32_t a, uint32_t b)
{
    if (f32_bits_is_nan(a) || f32_bits_is_nan(b)) {
        uint32_t nan = f32_bits_is_nan(a) ? a : b;
        if (!(nan & F32_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        if (f32_bits_is_nan(b) && !(b & F32_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return nan | F32_QUIET_BIT;
    }
    uint32_t mxcsr = env->mxcsr;
    a = f32_input(env, a);
    b = f32_input(env, b);
    if (op == f32_div && (b & 0x7fffffffu) == 0) {
        env->mxcsr = mxcsr;     /* #Z has priority over #D (SDM vol. 1, 4.9.2) */
    }
    uint32_t r = f32_to_bits(op(f32_from_bits(a), f32_from_bits(b)));
    if (f32_bits_is_nan(r)) {
        r = F32_DEFAULT_NAN;
    }
    return f32_output(env, r);
}

static inline __attribute__((always_inline))
uint64_t f64_arith(CPUX86State *env, F64BinaryOp *op, uint64_t a, uint64_t b)
{
    if (f64_bits_is_nan(a) || f64_bits_is_nan(b)) {
        uint64_t nan = f64_bits_is_nan(a) ? a : b;
        if (!(nan & F64_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        if (f64_bits_is_nan(b) && !(b & F64_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return nan | F64_QUIET_BIT;
    }
    uint32_t mxcsr = env->mxcsr;
    a = f64_input(env, a);
    b = f64_input(env, b);
    if (op == f64_div && (b & 0x7fffffffffffffffull) == 0) {
        env->mxcsr = mxcsr;     /* #Z has priority over #D (SDM vol. 1, 4.9.2) */
    }
    uint64_t r = f64_to_bits(op(f64_from_bits(a), f64_from_bits(b)));
    if (f64_bits_is_nan(r)) {
        r = F64_DEFAULT_NAN;
    }
    return f64_output(env, r);
}

/* MINxx/MAXxx: the second operand when either is NaN or both are zero
 * (SDM vol. 2, MINPS "Operation"); NaN operands raise IE. */
static uint32_t f32_min(CPUX86State *env, uint32_t a, uint32_t b)
{
    if (f32_bits_is_nan(a) || f32_bits_is_nan(b)) {
        env->mxcsr |= MXCSR_IE;
        return f32_daz(env, b);
    }
    a = f32_input(env, a);
    b = f32_input(env, b);
    return f32_from_bits(a) < f32_from_bits(b) ? a : b;
}

static uint32_t f32_max(CPUX86State *env, uint32_t a, uint32_t b)
{
    if (f32_bits_is_nan(a) || f32_bits_is_nan(b)) {
        env->mxcsr |= MXCSR_IE;
        return f32_daz(env, b);
    }
    a = f32_input(env, a);
    b = f32_input(env, b);
    return f32_from_bits(a) > f32_from_bits(b) ? a : b;
}

static uint64_t f64_min(CPUX86State *env, uint64_t a, uint64_t b)
{
    if (f64_bits_is_nan(a) || f64_bits_is_nan(b)) {
        env->mxcsr |= MXCSR_IE;
        return f64_daz(env, b);
    }
    a = f64_input(env, a);
    b = f64_input(env, b);
    return f64_from_bits(a) < f64_from_bits(b) ? a : b;
}

static uint64_t f64_max(CPUX86State *env, uint64_t a, uint64_t b)
{
    if (f64_bits_is_nan(a) || f64_bits_is_nan(b)) {
        env->mxcsr |= MXCSR_IE;
        return f64_daz(env, b);
    }
    a = f64_input(env, a);
    b = f64_input(env, b);
    return f64_from_bits(a) > f64_from_bits(b) ? a : b;
}

static uint32_t f32_sqrt(CPUX86State *env, uint32_t a)
{
    a = f32_daz(env, a);
    if (!f32_bits_is_nan(a) && a > 0x80000000u) {
        env->mxcsr |= MXCSR_IE;     /* negative: #I has priority over #D */
        return F32_DEFAULT_NAN;
    }
    a = f32_input(env, a);
    if (f32_bits_is_nan(a)) {
        if (!(a & F32_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return a | F32_QUIET_BIT;
    }
    uint32_t r = f32_to_bits(sqrtf(f32_from_bits(a)));
    return f32_bits_is_nan(r) ? F32_DEFAULT_NAN : r;
}

static uint64_t f64_sqrt(CPUX86State *env, uint64_t a)
{
    a = f64_daz(env, a);
    if (!f64_bits_is_nan(a) && a > 0x8000000000000000ull) {
        env->mxcsr |= MXCSR_IE;     /* negative: #I has priority over #D */
        return F64_DEFAULT_NAN;
    }
    a = f64_input(env, a);
    if (f64_bits_is_nan(a)) {
        if (!(a & F64_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return a | F64_QUIET_BIT;
    }
    uint64_t r = f64_to_bits(sqrt(f64_from_bits(a)));
    return f64_bits_is_nan(r) ? F64_DEFAULT_NAN : r;
}

/*
 * RCPxx/RSQRTxx: the SDM only bounds the relative error (1.5 * 2^-12); this
 * returns the correctly rounded value, which is within that bound. They treat
 * denormal inputs as zero, flush denormal results, and touch no MXCSR flag.
 */
static float f32_approximate_input(uint32_t a)
{
    return f32_from_bits(f32_bits_is_denormal(a) ? a & 0x80000000u : a);
}

static uint32_t f32_approximate_output(uint32_t r)
{
    return f32_bits_is_denormal(r) ? r & 0x80000000u : r;
}

static uint32_t f32_reciprocal(uint32_t a)
{
    if (f32_bits_is_nan(a)) {
        return a | F32_QUIET_BIT;
    }
    return f32_approximate_output(f32_to_bits(1.0f / f32_approximate_input(a)));
}

static uint32_t f32_reciprocal_sqrt(uint32_t a)
{
    if (f32_bits_is_nan(a)) {
        return a | F32_QUIET_BIT;
    }
    float value = f32_approximate_input(a);
    if (value < 0) {
        return F32_DEFAULT_NAN;
    }
    return f32_approximate_output(f32_to_bits(1.0f / sqrtf(value)));
}

#define F32_APPROXIMATE(name, lanes, OP) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint32_t mxcsr = env->mxcsr; \
        for (int i = 0; i < (lanes); i++) { \
            d->l[i] = OP(s.l[i]); \
        } \
        env->mxcsr = mxcsr; \
    }

F32_APPROXIMATE(rcpps, 4, f32_reciprocal)
F32_APPROXIMATE(rcpss, 1, f32_reciprocal)
F32_APPROXIMATE(rsqrtps, 4, f32_reciprocal_sqrt)
F32_APPROXIMATE(rsqrtss, 1, f32_reciprocal_sqrt)

/* Packed and scalar forms of one lane operation. Scalar forms keep the
 * destination's upper lanes. */
/*
 * The destination is read and written lane by lane, never as one 16-byte
 * access: generated code writes XMM registers as two 8-byte halves, and a
 * 16-byte load right after them cannot be forwarded from the store buffer.
 */
#define F32_BINARY(name, lanes, LANE) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint32_t r[4]; \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(s); \
        for (int i = 0; i < (lanes); i++) { \
            r[i] = LANE; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < (lanes); i++) { \
            d->l[i] = r[i]; \
        } \
    }
#define F64_BINARY(name, lanes, LANE) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint64_t r[2]; \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(s); \
        for (int i = 0; i < (lanes); i++) { \
            r[i] = LANE; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < (lanes); i++) { \
            d->q[i] = r[i]; \
        } \
    }

#define F32_ARITH(op) f32_arith(env, f32_##op, d->l[i], s.l[i])
#define F64_ARITH(op) f64_arith(env, f64_##op, d->q[i], s.q[i])

F32_BINARY(addps, 4, F32_ARITH(add))
F32_BINARY(addss, 1, F32_ARITH(add))
F32_BINARY(subps, 4, F32_ARITH(sub))
F32_BINARY(subss, 1, F32_ARITH(sub))
F32_BINARY(mulps, 4, F32_ARITH(mul))
F32_BINARY(mulss, 1, F32_ARITH(mul))
F32_BINARY(divps, 4, F32_ARITH(div))
F32_BINARY(divss, 1, F32_ARITH(div))
F32_BINARY(minps, 4, f32_min(env, d->l[i], s.l[i]))
F32_BINARY(minss, 1, f32_min(env, d->l[i], s.l[i]))
F32_BINARY(maxps, 4, f32_max(env, d->l[i], s.l[i]))
F32_BINARY(maxss, 1, f32_max(env, d->l[i], s.l[i]))
F32_BINARY(sqrtps, 4, f32_sqrt(env, s.l[i]))
F32_BINARY(sqrtss, 1, f32_sqrt(env, s.l[i]))
F64_BINARY(addpd, 2, F64_ARITH(add))
F64_BINARY(addsd, 1, F64_ARITH(add))
F64_BINARY(subpd, 2, F64_ARITH(sub))
F64_BINARY(subsd, 1, F64_ARITH(sub))
F64_BINARY(mulpd, 2, F64_ARITH(mul))
F64_BINARY(mulsd, 1, F64_ARITH(mul))
F64_BINARY(divpd, 2, F64_ARITH(div))
F64_BINARY(divsd, 1, F64_ARITH(div))
F64_BINARY(minpd, 2, f64_min(env, d->q[i], s.q[i]))
F64_BINARY(minsd, 1, f64_min(env, d->q[i], s.q[i]))
F64_BINARY(maxpd, 2, f64_max(env, d->q[i], s.q[i]))
F64_BINARY(maxsd, 1, f64_max(env, d->q[i], s.q[i]))
F64_BINARY(sqrtpd, 2, f64_sqrt(env, s.q[i]))
F64_BINARY(sqrtsd, 1, f64_sqrt(env, s.q[i]))

/*
 * --- SSE3 horizontal and alternating arithmetic (SDM vol. 2, HADDPS, HSUBPS,
 * ADDSUBPS and the PD forms) ---
 * Each result lane i is OP[i](a[i], b[i]) on lanes picked from the destination
 * and the source before any is written: the horizontal forms pair adjacent
 * lanes of the destination (low results) and of the source (high results);
 * ADDSUB subtracts in the even lanes and adds in the odd ones.
 */
#define F32_PAIRWISE(name, A, B, OP) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint32_t a[4] = A, b[4] = B, r[4]; \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(a); \
        FP_FENCE(b); \
        for (int i = 0; i < 4; i++) { \
            r[i] = OP; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < 4; i++) { \
            d->l[i] = r[i]; \
        } \
    }
#define F64_PAIRWISE(name, A, B, OP) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        uint64_t a[2] = A, b[2] = B, r[2]; \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(a); \
        FP_FENCE(b); \
        for (int i = 0; i < 2; i++) { \
            r[i] = OP; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        d->q[0] = r[0]; \
        d->q[1] = r[1]; \
    }
#define LIST(...) { __VA_ARGS__ }
#define F32_EVEN_LANES LIST(d->l[0], d->l[2], s.l[0], s.l[2])
#define F32_ODD_LANES LIST(d->l[1], d->l[3], s.l[1], s.l[3])

F32_PAIRWISE(haddps, F32_EVEN_LANES, F32_ODD_LANES, f32_arith(env, f32_add, a[i], b[i]))
F32_PAIRWISE(hsubps, F32_EVEN_LANES, F32_ODD_LANES, f32_arith(env, f32_sub, a[i], b[i]))
F32_PAIRWISE(addsubps, LIST(d->l[0], d->l[1], d->l[2], d->l[3]), LIST(s.l[0], s.l[1], s.l[2], s.l[3]),
             (i & 1) ? f32_arith(env, f32_add, a[i], b[i]) : f32_arith(env, f32_sub, a[i], b[i]))
F64_PAIRWISE(haddpd, LIST(d->q[0], lo), LIST(d->q[1], hi), f64_arith(env, f64_add, a[i], b[i]))
F64_PAIRWISE(hsubpd, LIST(d->q[0], lo), LIST(d->q[1], hi), f64_arith(env, f64_sub, a[i], b[i]))
F64_PAIRWISE(addsubpd, LIST(d->q[0], d->q[1]), LIST(lo, hi),
             i ? f64_arith(env, f64_add, a[i], b[i]) : f64_arith(env, f64_sub, a[i], b[i]))

/* --- comparisons (SDM vol. 2, CMPPS: predicates 0-7 of imm8) --- */

/* ordered relation of a and b, or unordered */
enum { FP_LESS, FP_EQUAL, FP_GREATER, FP_UNORDERED };

static bool fp_predicate(int relation, uint32_t predicate)
{
    switch (predicate & 7) {
    case 0: return relation == FP_EQUAL;
    case 1: return relation == FP_LESS;
    case 2: return relation == FP_LESS || relation == FP_EQUAL;
    case 3: return relation == FP_UNORDERED;
    case 4: return relation != FP_EQUAL;
    case 5: return !(relation == FP_LESS);
    case 6: return !(relation == FP_LESS || relation == FP_EQUAL);
    default: return relation != FP_UNORDERED;
    }
}

/* LT, LE, NLT, NLE signal invalid on any NaN; the others only on SNaN */
static bool fp_predicate_signals_qnan(uint32_t predicate)
{
    unsigned p = predicate & 3;
    return p == 1 || p == 2;
}

static int f32_relation(CPUX86State *env, uint32_t a, uint32_t b, bool signal_qnan)
{
    if (f32_bits_is_nan(a) || f32_bits_is_nan(b)) {
        if (signal_qnan || (f32_bits_is_nan(a) && !(a & F32_QUIET_BIT)) ||
            (f32_bits_is_nan(b) && !(b & F32_QUIET_BIT))) {
            env->mxcsr |= MXCSR_IE;
        }
        return FP_UNORDERED;
    }
    a = f32_input(env, a);
    b = f32_input(env, b);
    float fa = f32_from_bits(a), fb = f32_from_bits(b);
    return fa < fb ? FP_LESS : fa == fb ? FP_EQUAL : FP_GREATER;
}

static int f64_relation(CPUX86State *env, uint64_t a, uint64_t b, bool signal_qnan)
{
    if (f64_bits_is_nan(a) || f64_bits_is_nan(b)) {
        if (signal_qnan || (f64_bits_is_nan(a) && !(a & F64_QUIET_BIT)) ||
            (f64_bits_is_nan(b) && !(b & F64_QUIET_BIT))) {
            env->mxcsr |= MXCSR_IE;
        }
        return FP_UNORDERED;
    }
    a = f64_input(env, a);
    b = f64_input(env, b);
    double fa = f64_from_bits(a), fb = f64_from_bits(b);
    return fa < fb ? FP_LESS : fa == fb ? FP_EQUAL : FP_GREATER;
}

#define F32_COMPARE(name, lanes) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint32_t r[4]; \
        bool signal_qnan = fp_predicate_signals_qnan(imm); \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(s); \
        for (int i = 0; i < (lanes); i++) { \
            int relation = f32_relation(env, d->l[i], s.l[i], signal_qnan); \
            r[i] = fp_predicate(relation, imm) ? UINT32_MAX : 0; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < (lanes); i++) { \
            d->l[i] = r[i]; \
        } \
    }
#define F64_COMPARE(name, lanes) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        uint64_t r[2]; \
        bool signal_qnan = fp_predicate_signals_qnan(imm); \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(s); \
        for (int i = 0; i < (lanes); i++) { \
            int relation = f64_relation(env, d->q[i], s.q[i], signal_qnan); \
            r[i] = fp_predicate(relation, imm) ? UINT64_MAX : 0; \
        } \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < (lanes); i++) { \
            d->q[i] = r[i]; \
        } \
    }

F32_COMPARE(cmpps, 4)
F32_COMPARE(cmpss, 1)
F64_COMPARE(cmppd, 2)
F64_COMPARE(cmpsd, 1)

/* (U)COMISx: unordered ZF=PF=CF=1, less CF=1, equal ZF=1, greater none
 * (SDM vol. 2, COMISS) */
#define EFLAGS_CF 0x0001
#define EFLAGS_PF 0x0004
#define EFLAGS_ZF 0x0040

static uint32_t relation_to_eflags(int relation)
{
    switch (relation) {
    case FP_LESS: return EFLAGS_CF;
    case FP_EQUAL: return EFLAGS_ZF;
    case FP_GREATER: return 0;
    default: return EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF;
    }
}

uint32_t helper_comiss(CPUX86State *env, uint64_t a, uint64_t b)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(a);
    FP_FENCE(b);
    int relation = f32_relation(env, (uint32_t)a, (uint32_t)b, true);
    FP_FENCE(relation);
    fp_end(env, sticky, GETPC());
    return relation_to_eflags(relation);
}

uint32_t helper_ucomiss(CPUX86State *env, uint64_t a, uint64_t b)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(a);
    FP_FENCE(b);
    int relation = f32_relation(env, (uint32_t)a, (uint32_t)b, false);
    FP_FENCE(relation);
    fp_end(env, sticky, GETPC());
    return relation_to_eflags(relation);
}

uint32_t helper_comisd(CPUX86State *env, uint64_t a, uint64_t b)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(a);
    FP_FENCE(b);
    int relation = f64_relation(env, a, b, true);
    FP_FENCE(relation);
    fp_end(env, sticky, GETPC());
    return relation_to_eflags(relation);
}

uint32_t helper_ucomisd(CPUX86State *env, uint64_t a, uint64_t b)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(a);
    FP_FENCE(b);
    int relation = f64_relation(env, a, b, false);
    FP_FENCE(relation);
    fp_end(env, sticky, GETPC());
    return relation_to_eflags(relation);
}

/* --- conversions (SDM vol. 2, CVTxx2yy) --- */

/* float <-> double keep NaN payloads, quieted; host casts do the rounding */
static uint64_t f32_to_f64(CPUX86State *env, uint32_t a)
{
    a = f32_input(env, a);
    if (f32_bits_is_nan(a)) {
        if (!(a & F32_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return ((uint64_t)(a & 0x80000000u) << 32) | 0x7ff8000000000000ull |
               ((uint64_t)(a & 0x003fffffu) << 29);
    }
    return f64_to_bits((double)f32_from_bits(a));
}

static uint32_t f64_to_f32(CPUX86State *env, uint64_t a)
{
    a = f64_input(env, a);
    if (f64_bits_is_nan(a)) {
        if (!(a & F64_QUIET_BIT)) {
            env->mxcsr |= MXCSR_IE;
        }
        return (uint32_t)((a >> 32) & 0x80000000u) | 0x7fc00000u |
               (uint32_t)((a >> 29) & 0x003fffffu);
    }
    return f32_output(env, f32_to_bits((float)f64_from_bits(a)));
}

/*
 * Float to signed integer of 'bits' bits, rounded per MXCSR (or truncated).
 * NaN and out-of-range give the integer indefinite (most negative value) and IE.
 */
static int64_t double_to_int(CPUX86State *env, double value, int bits, bool truncate)
{
    double limit = bits == 32 ? 2147483648.0 : 9223372036854775808.0;
    int64_t indefinite = bits == 32 ? INT32_MIN : INT64_MIN;
    bool fits;
    int64_t result;
    if (truncate) {
        /* checked before converting (C leaves out-of-range conversions
         * undefined): truncation fits when -limit - 1 < value < limit; for 64
         * bits no double lies between -2^63 - 1 and -2^63. Constants only:
         * computing bounds at run time would raise the host's inexact flag. */
        fits = value < limit &&
               (bits == 32 ? value > -2147483649.0 : value >= -9223372036854775808.0);
        result = fits ? (int64_t)value : indefinite;
    } else {
        double rounded = nearbyint(value);
        fits = rounded < limit && rounded >= -limit;
        result = fits ? (int64_t)rounded : indefinite;
    }
    if (!fits) {
        env->mxcsr |= MXCSR_IE;      /* NaN fails both comparisons too */
    } else if ((double)result != value) {
        env->mxcsr |= MXCSR_PE;
    }
    return result;
}

static uint32_t f32_to_int32(CPUX86State *env, uint32_t a, bool truncate)
{
    return (uint32_t)double_to_int(env, f32_from_bits(f32_daz(env, a)), 32, truncate);
}

static uint32_t f64_to_int32(CPUX86State *env, uint64_t a, bool truncate)
{
    return (uint32_t)double_to_int(env, f64_from_bits(f64_daz(env, a)), 32, truncate);
}

/* XMM-to-XMM conversions writing the whole register: BODY fills r from s */
#define CONVERT(name, BODY) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm_from_halves(lo, hi), r; \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(s); \
        BODY; \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        d->q[0] = r.q[0]; \
        d->q[1] = r.q[1]; \
    }

CONVERT(cvtps2pd, r.q[0] = f32_to_f64(env, s.l[0]); r.q[1] = f32_to_f64(env, s.l[1]))
CONVERT(cvtpd2ps, r.l[0] = f64_to_f32(env, s.q[0]); r.l[1] = f64_to_f32(env, s.q[1]); r.q[1] = 0)
CONVERT(cvtdq2ps, for (int i = 0; i < 4; i++) r.l[i] = f32_to_bits((float)(int32_t)s.l[i]))
CONVERT(cvtps2dq, for (int i = 0; i < 4; i++) r.l[i] = f32_to_int32(env, s.l[i], false))
CONVERT(cvttps2dq, for (int i = 0; i < 4; i++) r.l[i] = f32_to_int32(env, s.l[i], true))
CONVERT(cvtdq2pd, r.q[0] = f64_to_bits((int32_t)s.l[0]); r.q[1] = f64_to_bits((int32_t)s.l[1]))
CONVERT(cvtpd2dq,
        r.l[0] = f64_to_int32(env, s.q[0], false); r.l[1] = f64_to_int32(env, s.q[1], false);
        r.q[1] = 0)
CONVERT(cvttpd2dq,
        r.l[0] = f64_to_int32(env, s.q[0], true); r.l[1] = f64_to_int32(env, s.q[1], true);
        r.q[1] = 0)

/* the scalar conversions keep the rest of the destination */
void helper_cvtss2sd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(lo);
    uint64_t r = f32_to_f64(env, (uint32_t)lo);
    FP_FENCE(r);
    fp_end(env, sticky, GETPC());
    d->q[0] = r;
}

void helper_cvtsd2ss(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(lo);
    uint32_t r = f64_to_f32(env, lo);
    FP_FENCE(r);
    fp_end(env, sticky, GETPC());
    d->l[0] = r;
}

void helper_cvtsi2ss(CPUX86State *env, XMMReg *d, int64_t value)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(value);
    uint32_t r = f32_to_bits((float)value);
    FP_FENCE(r);
    fp_end(env, sticky, GETPC());
    d->l[0] = r;
}

void helper_cvtsi2sd(CPUX86State *env, XMMReg *d, int64_t value)
{
    uint32_t sticky = fp_begin(env);
    FP_FENCE(value);
    uint64_t r = f64_to_bits((double)value);
    FP_FENCE(r);
    fp_end(env, sticky, GETPC());
    d->q[0] = r;
}

static uint64_t f32_to_int64(CPUX86State *env, uint32_t a, bool truncate)
{
    return (uint64_t)double_to_int(env, f32_from_bits(f32_daz(env, a)), 64, truncate);
}

static uint64_t f64_to_int64(CPUX86State *env, uint64_t a, bool truncate)
{
    return (uint64_t)double_to_int(env, f64_from_bits(f64_daz(env, a)), 64, truncate);
}

/* scalar to general register: EXPR gives the (zero-extended) result */
#define CONVERT_TO_INT(name, EXPR) \
    uint64_t helper_##name(CPUX86State *env, uint64_t src) \
    { \
        uint32_t sticky = fp_begin(env); \
        FP_FENCE(src); \
        uint64_t r = (EXPR); \
        FP_FENCE(r); \
        fp_end(env, sticky, GETPC()); \
        return r; \
    }

CONVERT_TO_INT(cvtss2si32, f32_to_int32(env, (uint32_t)src, false))
CONVERT_TO_INT(cvttss2si32, f32_to_int32(env, (uint32_t)src, true))
CONVERT_TO_INT(cvtsd2si32, f64_to_int32(env, src, false))
CONVERT_TO_INT(cvttsd2si32, f64_to_int32(env, src, true))
CONVERT_TO_INT(cvtss2si64, f32_to_int64(env, (uint32_t)src, false))
CONVERT_TO_INT(cvttss2si64, f32_to_int64(env, (uint32_t)src, true))
CONVERT_TO_INT(cvtsd2si64, f64_to_int64(env, src, false))
CONVERT_TO_INT(cvttsd2si64, f64_to_int64(env, src, true))

/*
 * --- SSE4.1 ROUNDPS/ROUNDPD/ROUNDSS/ROUNDSD (SDM vol. 2B, ROUNDPD) ---
 * imm[1:0] is the rounding mode unless imm[2] says MXCSR.RC; imm[3]
 * suppresses the precision exception. Only an SNaN raises IE; DE is never
 * raised. Done on the bits, so no host flag is touched.
 */
static uint64_t round_to_integer(uint64_t bits, int mantissa_bits, int exponent_bits,
                                 unsigned mode, bool *inexact)
{
    uint64_t sign = bits & (1ull << (mantissa_bits + exponent_bits));
    uint64_t magnitude = bits & ~sign, mantissa_mask = (1ull << mantissa_bits) - 1;
    int bias = (1 << (exponent_bits - 1)) - 1;
    int exponent = (int)(magnitude >> mantissa_bits);
    bool up;
    *inexact = false;
    if (magnitude == 0 || exponent >= bias + mantissa_bits) {
        return bits;                        /* zero, integral, infinity */
    }
    if (exponent < bias) {                  /* 0 < |x| < 1 */
        *inexact = true;
        switch (mode) {
        case 0: up = exponent == bias - 1 && (magnitude & mantissa_mask); break;
        case 1: up = sign != 0; break;
        case 2: up = sign == 0; break;
        default: up = false; break;
        }
        return sign | (up ? (uint64_t)bias << mantissa_bits : 0);
    }
    int fraction_bits = mantissa_bits - (exponent - bias);
    uint64_t mask = (1ull << fraction_bits) - 1, fraction = magnitude & mask;
    uint64_t base = magnitude & ~mask, half = 1ull << (fraction_bits - 1);
    if (!fraction) {
        return bits;
    }
    *inexact = true;
    switch (mode) {
    case 0: up = fraction > half || (fraction == half && (base >> fraction_bits & 1)); break;
    case 1: up = sign != 0; break;
    case 2: up = sign == 0; break;
    default: up = false; break;
    }
    return sign | (base + (up ? 1ull << fraction_bits : 0));
}

static unsigned round_mode(const CPUX86State *env, uint32_t imm)
{
    return (imm & 4) ? (env->mxcsr & MXCSR_RC_MASK) >> MXCSR_RC_SHIFT : imm & 3;
}

static uint32_t f32_round(CPUX86State *env, uint32_t a, uint32_t imm)
{
    bool inexact;
    if (f32_bits_is_nan(a)) {
        env->mxcsr |= (a & F32_QUIET_BIT) ? 0 : MXCSR_IE;
        return a | F32_QUIET_BIT;
    }
    uint32_t r = (uint32_t)round_to_integer(f32_daz(env, a), 23, 8, round_mode(env, imm),
                                            &inexact);
    env->mxcsr |= (inexact && !(imm & 8)) ? MXCSR_PE : 0;
    return r;
}

static uint64_t f64_round(CPUX86State *env, uint64_t a, uint32_t imm)
{
    bool inexact;
    if (f64_bits_is_nan(a)) {
        env->mxcsr |= (a & F64_QUIET_BIT) ? 0 : MXCSR_IE;
        return a | F64_QUIET_BIT;
    }
    uint64_t r = round_to_integer(f64_daz(env, a), 52, 11, round_mode(env, imm), &inexact);
    env->mxcsr |= (inexact && !(imm & 8)) ? MXCSR_PE : 0;
    return r;
}

#define ROUND_HELPER(name, field, TYPE, lanes, ROUND) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm) \
    { \
        XMMReg s = xmm_from_halves(lo, hi); \
        TYPE r[4]; \
        uint32_t sticky = fp_begin(env); \
        for (int i = 0; i < (lanes); i++) { \
            r[i] = ROUND(env, s.field[i], imm); \
        } \
        fp_end(env, sticky, GETPC()); \
        for (int i = 0; i < (lanes); i++) { \
            d->field[i] = r[i]; \
        } \
    }

ROUND_HELPER(roundps, l, uint32_t, 4, f32_round)
ROUND_HELPER(roundss, l, uint32_t, 1, f32_round)
ROUND_HELPER(roundpd, q, uint64_t, 2, f64_round)
ROUND_HELPER(roundsd, q, uint64_t, 1, f64_round)

/*
 * --- SSE4.1 DPPS/DPPD (SDM vol. 2A, DPPS "Operation"): the products of the
 * lanes imm[7:4] (+0.0 for the others), summed in pairs and then the pair
 * sums, each step rounded; the sum goes to the lanes imm[3:0], +0.0 elsewhere.
 */
void helper_dpps(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi);
    uint32_t product[4], sum;
    uint32_t sticky = fp_begin(env);
    FP_FENCE(s);
    for (int i = 0; i < 4; i++) {
        product[i] = (imm >> (4 + i) & 1) ? f32_arith(env, f32_mul, d->l[i], s.l[i]) : 0;
    }
    uint32_t low = f32_arith(env, f32_add, product[0], product[1]);
    uint32_t high = f32_arith(env, f32_add, product[2], product[3]);
    sum = f32_arith(env, f32_add, low, high);
    FP_FENCE(sum);
    fp_end(env, sticky, GETPC());
    for (int i = 0; i < 4; i++) {
        d->l[i] = (imm >> i & 1) ? sum : 0;
    }
}

void helper_dppd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm_from_halves(lo, hi);
    uint64_t product[2], sum;
    uint32_t sticky = fp_begin(env);
    FP_FENCE(s);
    for (int i = 0; i < 2; i++) {
        product[i] = (imm >> (4 + i) & 1) ? f64_arith(env, f64_mul, d->q[i], s.q[i]) : 0;
    }
    sum = f64_arith(env, f64_add, product[0], product[1]);
    FP_FENCE(sum);
    fp_end(env, sticky, GETPC());
    for (int i = 0; i < 2; i++) {
        d->q[i] = (imm >> i & 1) ? sum : 0;
    }
}

void helper_ldmxcsr(CPUX86State *env, uint32_t value)
{
    if (value & ~MXCSR_WRITABLE) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    host_take_flags();      /* pending flags are overwritten */
    env->mxcsr = value;
}

void helper_sse_raise_gp(CPUX86State *env)
{
    x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
}

void helper_mmx_unavailable(CPUX86State *env)
{
    int exception = (env->cr[0] & CR0_EM) ? EXCP06_ILLOP : EXCP07_PREX;
    x86_raise_exception(env, exception, 0, GETPC());
}
