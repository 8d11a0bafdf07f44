/*
 * Lazy condition codes: computing the arithmetic flags from what the
 * translator kept (see the CC_OP_* comment in translate.h for the contents of
 * cc_dst/cc_src/cc_src2 per group). Flag definitions: Intel SDM vol. 1,
 * 3.4.3.1 and appendix A, and each instruction's "Flags Affected" section.
 */
#include "target-i386/translate.h"

static uint64_t size_mask(int ot)
{
    return ot == MO_64 ? ~(uint64_t)0 : ((uint64_t)1 << (8 << ot)) - 1;
}

static uint64_t sign_bit(int ot)
{
    return (uint64_t)1 << ((8 << ot) - 1);
}

/* PF: set when the low byte of the result has an even number of 1 bits */
static uint64_t parity_flag(uint64_t result)
{
    return (__builtin_popcount((unsigned)(result & 0xff)) & 1) ? 0 : CC_P;
}

static uint64_t result_flags(uint64_t dst, int ot)
{
    dst &= size_mask(ot);
    return (dst == 0 ? CC_Z : 0) | ((dst & sign_bit(ot)) ? CC_S : 0) | parity_flag(dst);
}

static uint64_t add_flags(uint64_t d, uint64_t s1, uint64_t s2, bool carry, int ot)
{
    uint64_t flags = result_flags(d, ot);

    flags |= carry ? CC_C : 0;
    flags |= ((d ^ s1 ^ s2) & 0x10) ? CC_A : 0;
    flags |= (~(s1 ^ s2) & (s1 ^ d) & sign_bit(ot)) ? CC_O : 0;
    return flags;
}

static uint64_t sub_flags(uint64_t d, uint64_t s1, uint64_t s2, bool borrow, int ot)
{
    uint64_t flags = result_flags(d, ot);

    flags |= borrow ? CC_C : 0;
    flags |= ((d ^ s1 ^ s2) & 0x10) ? CC_A : 0;
    flags |= ((s1 ^ s2) & (s1 ^ d) & sign_bit(ot)) ? CC_O : 0;
    return flags;
}

/* INC/DEC: CF is the one before the instruction (SDM vol. 2A, INC, DEC) */
static uint64_t inc_dec_flags(uint64_t d, bool carry, bool dec, int ot)
{
    uint64_t flags = result_flags(d, ot) | (carry ? CC_C : 0);

    if (dec) {
        return flags | ((d & 0xf) == 0xf ? CC_A : 0) | (d == sign_bit(ot) - 1 ? CC_O : 0);
    }
    return flags | ((d & 0xf) == 0 ? CC_A : 0) | (d == sign_bit(ot) ? CC_O : 0);
}

/* flags of a base (non-rotate) cc_op */
static uint64_t lazy_flags(uint64_t dst, uint64_t src, uint64_t src2, uint32_t op)
{
    int ot = op & 3;
    uint64_t mask = size_mask(ot);
    uint64_t d = dst & mask, s2 = src & mask, s1;

    if (op == CC_OP_EFLAGS) {
        return src & CC_ALL;
    }
    if (op == CC_OP_CLR) {
        return CC_Z | CC_P;
    }
    if (op < CC_OP_ADDB || op >= CC_OP_NB) {
        return 0;
    }
    switch (op & ~3u) {
    case CC_OP_ADDB:
        s1 = (d - s2) & mask;
        return add_flags(d, s1, s2, d < s2, ot);
    case CC_OP_ADCB:
        s1 = (d - s2 - (src2 & 1)) & mask;
        return add_flags(d, s1, s2, (src2 & 1) ? d <= s2 : d < s2, ot);
    case CC_OP_SUBB:
        s1 = src2 & mask;
        d = (s1 - s2) & mask;           /* cc_dst is not kept for SUB */
        return sub_flags(d, s1, s2, s1 < s2, ot);
    case CC_OP_SBBB:
        s1 = (d + s2 + (src2 & 1)) & mask;
        return sub_flags(d, s1, s2, (src2 & 1) ? s1 <= s2 : s1 < s2, ot);
    case CC_OP_LOGICB:
        return result_flags(d, ot);
    case CC_OP_INCB:
        return inc_dec_flags(d, src & 1, false, ot);
    case CC_OP_DECB:
        return inc_dec_flags(d, src & 1, true, ot);
    case CC_OP_INCSUBB:
        return inc_dec_flags(d, (src2 & mask) < s2, false, ot);
    case CC_OP_DECSUBB:
        return inc_dec_flags(d, (src2 & mask) < s2, true, ot);
    case CC_OP_SHLB:
        return result_flags(d, ot) | ((src & sign_bit(ot)) ? CC_C : 0) |
               (((src ^ d) & sign_bit(ot)) ? CC_O : 0);
    case CC_OP_SARB:
        return result_flags(d, ot) | ((src & 1) ? CC_C : 0) |
               (((src ^ d) & sign_bit(ot)) ? CC_O : 0);
    case CC_OP_MULB:
        return result_flags(d, ot) | (src != 0 ? CC_C | CC_O : 0);
    case CC_OP_BMIB:
        return (d == 0 ? CC_Z : 0) | (s2 == 0 ? CC_C : 0);
    default:
        return 0;
    }
}

/*
 * CF and OF of ROL/ROR from the rotated value (SDM vol. 2B, RCL/RCR/ROL/ROR
 * operation): ROL: CF = low bit, OF = top bit ^ CF; ROR: CF = top bit, OF =
 * top bit ^ the bit below it. OF is defined for count 1 only; for other
 * counts this is what hardware produces too.
 */
static uint64_t rotate_flags(uint64_t rot, uint32_t op)
{
    int ot = (op >> CC_OP_ROT_SIZE_SHIFT) & 3;
    unsigned top = (8u << ot) - 1;
    uint64_t msb = (rot >> top) & 1, cf, of;

    if (op & CC_OP_ROT_RIGHT) {
        cf = msb;
        of = msb ^ ((rot >> (top - 1)) & 1);
    } else {
        cf = rot & 1;
        of = msb ^ cf;
    }
    return (cf ? CC_C : 0) | (of ? CC_O : 0);
}

uint64_t helper_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2, uint64_t rot,
                               uint32_t op)
{
    uint64_t flags = lazy_flags(dst, src, src2, op & CC_OP_BASE_MASK);

    if (op & CC_OP_ROT_DIRECT) {
        flags = (flags & ~(uint64_t)(CC_C | CC_O)) | (rot & (CC_C | CC_O));
    } else if (op & CC_OP_ROT) {
        flags = (flags & ~(uint64_t)(CC_C | CC_O)) | rotate_flags(rot, op);
    }
    return flags;
}

uint64_t helper_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2, uint64_t rot,
                             uint32_t op)
{
    return helper_cc_compute_all(dst, src, src2, rot, op) & CC_C;
}

uint64_t x86_cc_compute_all(const CPUX86State *env)
{
    return helper_cc_compute_all(env->cc_dst, env->cc_src, env->cc_src2, env->cc_rot,
                                 env->cc_op);
}

uint64_t x86_cpu_get_eflags(CPUX86State *env)
{
    uint64_t flags = (env->eflags & ~(uint64_t)(CC_ALL | DF_MASK)) | x86_cc_compute_all(env);

    if (env->df < 0) {
        flags |= DF_MASK;
    }
    return flags | 2;   /* bit 1 always reads as 1 */
}

void x86_cpu_set_eflags(CPUX86State *env, uint64_t eflags)
{
    env->cc_src = eflags & CC_ALL;
    env->cc_op = CC_OP_EFLAGS;
    env->df = (eflags & DF_MASK) ? -1 : 1;
    env->eflags = (eflags & ~(uint64_t)(CC_ALL | DF_MASK)) | 2;
}

uint64_t helper_read_eflags(CPUX86State *env)
{
    return x86_cpu_get_eflags(env);
}

void helper_write_eflags(CPUX86State *env, uint64_t value, uint32_t mask)
{
    uint64_t old = x86_cpu_get_eflags(env);

    x86_cpu_set_eflags(env, (old & ~(uint64_t)mask) | (value & mask));
    x86_update_hflags(env);     /* TF, IOPL (system mode only) */
}

/* ---------------------------------------------------------------- shifts and rotates */

/* rotate through carry: a (bits+1)-bit rotate of CF:value */
static uint64_t rotate_carry(uint64_t v, unsigned n, unsigned bits, bool right, uint64_t *cf)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t out;
        if (right) {
            out = v & 1;
            v = (v >> 1) | (*cf << (bits - 1));
        } else {
            out = (v >> (bits - 1)) & 1;
            v = (v << 1) | *cf;
        }
        if (bits < 64) {
            v &= ((uint64_t)1 << bits) - 1;
        }
        *cf = out;
    }
    return v;
}

/*
 * RCL/RCR (SDM vol. 2B, RCL/RCR/ROL/ROR): count masked to 5 bits (6 with
 * REX.W), then modulo 9/17 for 8/16-bit operands. kind_ot = kind | ot << 8.
 * The result, and in *flags CF and OF in their RFLAGS positions (for a
 * masked count of 0 the caller keeps the old flags).
 */
static uint64_t rotate_through_carry(uint64_t value, uint64_t count, uint64_t cf,
                                     uint32_t kind_ot, uint64_t *flags)
{
    int kind = kind_ot & 7, ot = (kind_ot >> 8) & 3;
    unsigned bits = 8u << ot;
    uint64_t sign = sign_bit(ot), v = value & size_mask(ot), r;
    unsigned n = count & (ot == MO_64 ? 63 : 31);

    cf &= 1;
    if (bits < 32) {
        n %= bits + 1;
    }
    r = rotate_carry(v, n, bits, kind == SHIFT_RCR, &cf);
    if (kind == SHIFT_RCL) {
        *flags = cf | ((((r & sign) != 0) ^ cf) ? CC_O : 0);
    } else {
        *flags = cf | ((((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1) ? CC_O : 0);
    }
    return r;
}

uint64_t helper_rotate_carry(uint64_t value, uint64_t count, uint64_t cf, uint32_t kind_ot)
{
    uint64_t flags;

    return rotate_through_carry(value, count, cf, kind_ot, &flags);
}

uint64_t helper_rotate_carry_flags(uint64_t value, uint64_t count, uint64_t cf,
                                   uint32_t kind_ot)
{
    uint64_t flags;

    rotate_through_carry(value, count, cf, kind_ot, &flags);
    return flags;
}

/*
 * SHLD/SHRD (SDM vol. 2B): count masked to 5 bits (6 for 64-bit operands);
 * a zero count changes nothing; for 16-bit operands and counts above 16 the
 * result is undefined (here: the 32-bit composite is shifted).
 */
uint64_t helper_shiftd(CPUX86State *env, uint64_t value, uint64_t other, uint64_t count,
                       uint32_t right_ot)
{
    int ot = right_ot & 3;
    bool right = (right_ot >> 8) & 1;
    unsigned bits = 8u << ot;
    uint64_t mask = size_mask(ot);
    uint64_t flags = x86_cc_compute_all(env);
    unsigned n = count & (ot == MO_64 ? 63 : 31);
    uint64_t v = value & mask, o = other & mask, r, before;

    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = flags;
    if (n == 0) {
        return v;
    }
    if (bits == 64) {
        if (right) {
            r = (v >> n) | (o << (64 - n));
            before = (v >> (n - 1)) | (n > 1 ? o << (65 - n) : 0);
        } else {
            r = (v << n) | (o >> (64 - n));
            before = (v << (n - 1)) | (n > 1 ? o >> (65 - n) : 0);
        }
    } else {
        /* compose value:other (left) or other:value (right) in 64 bits */
        unsigned __int128 wide;
        if (right) {
            wide = ((unsigned __int128)o << bits | v) | ((unsigned __int128)v << (2 * bits));
            r = (uint64_t)(wide >> n) & mask;
            before = (uint64_t)(wide >> (n - 1));
        } else {
            wide = ((unsigned __int128)v << bits | o) << bits | v;
            r = (uint64_t)(wide << n >> (2 * bits)) & mask;
            before = (uint64_t)((wide << (n - 1)) >> (2 * bits));
        }
    }
    if (right) {
        flags = lazy_flags(r, before, 0, CC_OP_SARB + ot);
        /* SHRD by 1: OF = sign change */
        flags = (flags & ~(uint64_t)CC_O) | (((r ^ v) & sign_bit(ot)) ? CC_O : 0);
    } else {
        flags = lazy_flags(r, before, 0, CC_OP_SHLB + ot);
    }
    env->cc_src = flags & CC_ALL;
    return r;
}
