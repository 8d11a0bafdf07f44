/*
 * AVX/AVX2 register operations that translate-vex.c calls as C helpers (the
 * calling convention is in avx_helper.h): permutes across lanes (VPERMD/PS/
 * Q/PD, VPERMILPS/PD), variable and 256-bit shifts, blends, VSHUFPD and
 * VMPSADBW with their VEX.256 immediates, the widening moves, the broadcasts
 * from a register or memory, the mask extractions and VPTEST/VTESTPS/PD.
 * Each follows its "Operation" section of Intel SDM vol. 2; a VEX.128 form
 * zeroes bits 255:128 of the destination (ymm_write).
 */
#include <stdlib.h>
#include "target-i386/avx_helper.h"
#include "target-i386/translate.h"

typedef struct Operands {
    Ymm a, b;
    bool l;
    unsigned imm;
} Operands;

static void read_ab(CPUX86State *env, uint32_t desc, Operands *o)
{
    ymm_read(env, AVX_A(desc), &o->a);
    ymm_read(env, AVX_B(desc), &o->b);
    o->l = AVX_L(desc);
    o->imm = AVX_IMM(desc);
}

/* elements of size bytes in the operation: 16 or 32 bytes of them */
static unsigned count(const Operands *o, unsigned size)
{
    return (o->l ? 32 : 16) / size;
}

/* --- permutes --- */

/* VPERMD/VPERMPS ymm1, ymm2 (indexes), ymm3/m256 */
void helper_vpermd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r;
    read_ab(env, desc, &o);
    for (int i = 0; i < 8; i++) {
        r.l[i] = o.b.l[o.a.l[i] & 7];
    }
    ymm_write(env, AVX_D(desc), &r, true);
}

void helper_vpermps(CPUX86State *env, uint32_t desc)
{
    helper_vpermd(env, desc);
}

/* VPERMQ/VPERMPD ymm1, ymm2/m256 (in b), imm8 */
void helper_vpermq(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r;
    read_ab(env, desc, &o);
    for (int i = 0; i < 4; i++) {
        r.q[i] = o.b.q[(o.imm >> (2 * i)) & 3];
    }
    ymm_write(env, AVX_D(desc), &r, true);
}

/* VPERMILPS xmm1, xmm2, xmm3/m (control in b): within each 128-bit lane */
void helper_vpermilps(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 4); i++) {
        r.l[i] = o.a.l[(i & ~3u) + (o.b.l[i] & 3)];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/* VPERMILPD: bit 1 of each control quadword selects */
void helper_vpermilpd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        r.q[i] = o.a.q[(i & ~1u) + ((o.b.q[i] >> 1) & 1)];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/* VPERMILPS/PD xmm1, xmm2/m, imm8 (source in b): the same imm8 per lane */
void helper_vpermilps_imm(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 4); i++) {
        r.l[i] = o.b.l[(i & ~3u) + ((o.imm >> (2 * (i & 3))) & 3)];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

void helper_vpermilpd_imm(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        r.q[i] = o.b.q[(i & ~1u) + ((o.imm >> i) & 1)];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/* --- shifts --- */

/* VPSLLVD/Q, VPSRLVD/Q, VPSRAVD: each element of a by the count in the same
 * element of b; counts past the width give 0 (sign fill for VPSRAVD) */
void helper_vpsllvd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 4); i++) {
        r.l[i] = o.b.l[i] > 31 ? 0 : o.a.l[i] << o.b.l[i];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

void helper_vpsrlvd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 4); i++) {
        r.l[i] = o.b.l[i] > 31 ? 0 : o.a.l[i] >> o.b.l[i];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

void helper_vpsravd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 4); i++) {
        r.sl[i] = o.a.sl[i] >> (o.b.l[i] > 31 ? 31 : o.b.l[i]);
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

void helper_vpsllvq(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        r.q[i] = o.b.q[i] > 63 ? 0 : o.a.q[i] << o.b.q[i];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

void helper_vpsrlvq(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        r.q[i] = o.b.q[i] > 63 ? 0 : o.a.q[i] >> o.b.q[i];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/*
 * Shifts of every element of a by one count: the low quadword of the xmm
 * b (VPSLLW..VPSRAD xmm/ymm, xmm/m128) or imm8 (the 71/72/73 groups, whose
 * destination is vvvv). Logical shifts past the width give 0, arithmetic
 * ones the sign.
 */
typedef enum { SHIFT_LEFT, SHIFT_RIGHT, SHIFT_ARITH } ShiftKind;

static void shift_all(CPUX86State *env, uint32_t desc, unsigned size, ShiftKind kind,
                      uint64_t n, const Ymm *src)
{
    Ymm r = { 0 };
    bool l = AVX_L(desc);
    unsigned bits = size * 8, elems = (l ? 32 : 16) / size;
    for (unsigned i = 0; i < elems; i++) {
        uint64_t v = size == 2 ? src->w[i] : size == 4 ? src->l[i] : src->q[i];
        int64_t sv = size == 2 ? src->sw[i] : size == 4 ? src->sl[i] : src->sq[i];
        uint64_t out;
        if (kind == SHIFT_ARITH) {
            out = (uint64_t)(sv >> (n >= bits ? bits - 1 : n));
        } else if (n >= bits) {
            out = 0;
        } else {
            out = kind == SHIFT_LEFT ? v << n : v >> n;
        }
        if (size == 2) {
            r.w[i] = (uint16_t)out;
        } else if (size == 4) {
            r.l[i] = (uint32_t)out;
        } else {
            r.q[i] = out;
        }
    }
    ymm_write(env, AVX_D(desc), &r, l);
}

#define SHIFT_BY_XMM(name, size, kind) \
    void helper_##name(CPUX86State *env, uint32_t desc) \
    { \
        Operands o; \
        read_ab(env, desc, &o); \
        shift_all(env, desc, size, kind, o.b.q[0], &o.a); \
    }
#define SHIFT_BY_IMM(name, size, kind) \
    void helper_##name##_imm(CPUX86State *env, uint32_t desc) \
    { \
        Ymm src; \
        ymm_read(env, AVX_B(desc), &src); \
        shift_all(env, desc, size, kind, AVX_IMM(desc), &src); \
    }
#define SHIFTS(X) \
    X(vpsllw, 2, SHIFT_LEFT) X(vpslld, 4, SHIFT_LEFT) X(vpsllq, 8, SHIFT_LEFT) \
    X(vpsrlw, 2, SHIFT_RIGHT) X(vpsrld, 4, SHIFT_RIGHT) X(vpsrlq, 8, SHIFT_RIGHT) \
    X(vpsraw, 2, SHIFT_ARITH) X(vpsrad, 4, SHIFT_ARITH)
SHIFTS(SHIFT_BY_XMM)
SHIFTS(SHIFT_BY_IMM)

/* VPSLLDQ/VPSRLDQ ymm1, ymm2, imm8: bytes within each 128-bit lane */
static void shift_bytes(CPUX86State *env, uint32_t desc, bool left)
{
    Ymm src, r = { 0 };
    unsigned n = AVX_IMM(desc), lanes = AVX_L(desc) ? 2 : 1;
    ymm_read(env, AVX_B(desc), &src);
    for (unsigned lane = 0; lane < lanes; lane++) {
        for (unsigned i = 0; i < 16; i++) {
            unsigned from = left ? i - n : i + n;       /* wraps past 15 when out */
            r.b[lane * 16 + i] = (n < 16 && from < 16) ? src.b[lane * 16 + from] : 0;
        }
    }
    ymm_write(env, AVX_D(desc), &r, AVX_L(desc));
}

void helper_vpslldq_imm(CPUX86State *env, uint32_t desc)
{
    shift_bytes(env, desc, true);
}

void helper_vpsrldq_imm(CPUX86State *env, uint32_t desc)
{
    shift_bytes(env, desc, false);
}

/* --- blends and shuffles --- */

/* VPBLENDD/VBLENDPS/VBLENDPD: imm8 bit i picks element i from b */
static void blend_imm(CPUX86State *env, uint32_t desc, unsigned size)
{
    Operands o;
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, size); i++) {
        if ((o.imm >> i) & 1) {
            memcpy(o.a.b + i * size, o.b.b + i * size, size);
        }
    }
    ymm_write(env, AVX_D(desc), &o.a, o.l);
}

void helper_vpblendd(CPUX86State *env, uint32_t desc)
{
    blend_imm(env, desc, 4);
}

void helper_vblendps(CPUX86State *env, uint32_t desc)
{
    blend_imm(env, desc, 4);
}

void helper_vblendpd(CPUX86State *env, uint32_t desc)
{
    blend_imm(env, desc, 8);
}

/* VBLENDVPS/PD, VPBLENDVB: the top bit of each element of register c
 * (imm8[7:4]) picks b */
static void blend_var(CPUX86State *env, uint32_t desc, unsigned size)
{
    Operands o;
    Ymm mask;
    read_ab(env, desc, &o);
    ymm_read(env, AVX_C(desc), &mask);
    for (unsigned i = 0; i < count(&o, size); i++) {
        if (mask.b[i * size + size - 1] & 0x80) {
            memcpy(o.a.b + i * size, o.b.b + i * size, size);
        }
    }
    ymm_write(env, AVX_D(desc), &o.a, o.l);
}

void helper_vblendvps(CPUX86State *env, uint32_t desc)
{
    blend_var(env, desc, 4);
}

void helper_vblendvpd(CPUX86State *env, uint32_t desc)
{
    blend_var(env, desc, 8);
}

void helper_vpblendvb(CPUX86State *env, uint32_t desc)
{
    blend_var(env, desc, 1);
}

/* VSHUFPD: result quadword 2i from a, 2i+1 from b, each selected by imm8
 * bit n within its lane */
void helper_vshufpd(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        const Ymm *from = (i & 1) ? &o.b : &o.a;
        r.q[i] = from->q[(i & ~1u) + ((o.imm >> i) & 1)];
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/* VMPSADBW: per lane, imm8[2:0] (lane 0) and imm8[5:3] (lane 1) pick the
 * offsets: bit 2 (5) of a's block, bits 1:0 (4:3) of b's 4-byte block */
void helper_vmpsadbw(CPUX86State *env, uint32_t desc)
{
    Operands o;
    Ymm r = { 0 };
    read_ab(env, desc, &o);
    for (unsigned lane = 0; lane < (o.l ? 2u : 1u); lane++) {
        unsigned sel = o.imm >> (3 * lane);
        const uint8_t *a = o.a.b + lane * 16 + ((sel >> 2) & 1) * 4;
        const uint8_t *b = o.b.b + lane * 16 + (sel & 3) * 4;
        for (int i = 0; i < 8; i++) {
            unsigned sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += (unsigned)abs(a[i + j] - b[j]);
            }
            r.w[lane * 8 + i] = (uint16_t)sum;
        }
    }
    ymm_write(env, AVX_D(desc), &r, o.l);
}

/* --- widening moves and broadcasts (source b) --- */

#define WIDEN(name, from_type, from_field, to_field, to_size) \
    void helper_##name(CPUX86State *env, uint32_t desc) \
    { \
        Ymm src, r = { 0 }; \
        ymm_read(env, AVX_B(desc), &src); \
        for (unsigned i = 0; i < (AVX_L(desc) ? 32u : 16u) / (to_size); i++) { \
            r.to_field[i] = (from_type)src.from_field[i]; \
        } \
        ymm_write(env, AVX_D(desc), &r, AVX_L(desc)); \
    }
WIDEN(vpmovsxbw, int8_t, sb, sw, 2)
WIDEN(vpmovsxbd, int8_t, sb, sl, 4)
WIDEN(vpmovsxbq, int8_t, sb, sq, 8)
WIDEN(vpmovsxwd, int16_t, sw, sl, 4)
WIDEN(vpmovsxwq, int16_t, sw, sq, 8)
WIDEN(vpmovsxdq, int32_t, sl, sq, 8)
WIDEN(vpmovzxbw, uint8_t, b, w, 2)
WIDEN(vpmovzxbd, uint8_t, b, l, 4)
WIDEN(vpmovzxbq, uint8_t, b, q, 8)
WIDEN(vpmovzxwd, uint16_t, w, l, 4)
WIDEN(vpmovzxwq, uint16_t, w, q, 8)
WIDEN(vpmovzxdq, uint32_t, l, q, 8)

static void broadcast(CPUX86State *env, uint32_t desc, unsigned size)
{
    Ymm src, r;
    ymm_read(env, AVX_B(desc), &src);
    for (unsigned i = 0; i < 32 / size; i++) {
        memcpy(r.b + i * size, src.b, size);
    }
    ymm_write(env, AVX_D(desc), &r, AVX_L(desc));
}

void helper_vpbroadcastb(CPUX86State *env, uint32_t desc)
{
    broadcast(env, desc, 1);
}

void helper_vpbroadcastw(CPUX86State *env, uint32_t desc)
{
    broadcast(env, desc, 2);
}

void helper_vpbroadcastd(CPUX86State *env, uint32_t desc)
{
    broadcast(env, desc, 4);
}

void helper_vpbroadcastq(CPUX86State *env, uint32_t desc)
{
    broadcast(env, desc, 8);
}

void helper_vex_check_ts(CPUX86State *env)
{
    if (env->cr[0] & CR0_TS) {
        x86_raise_exception(env, EXCP07_PREX, 0, GETPC());
    }
}

/* --- results for general registers and flags --- */

/* the top bit of each element of size bytes of b, element 0 in bit 0 */
static uint64_t sign_mask(CPUX86State *env, uint32_t desc, unsigned size)
{
    Ymm src;
    uint64_t mask = 0;
    ymm_read(env, AVX_B(desc), &src);
    for (unsigned i = 0; i < (AVX_L(desc) ? 32u : 16u) / size; i++) {
        mask |= (uint64_t)(src.b[i * size + size - 1] >> 7) << i;
    }
    return mask;
}

uint64_t helper_vmovmskps(CPUX86State *env, uint32_t desc)
{
    return sign_mask(env, desc, 4);
}

uint64_t helper_vmovmskpd(CPUX86State *env, uint32_t desc)
{
    return sign_mask(env, desc, 8);
}

uint64_t helper_vpmovmskb(CPUX86State *env, uint32_t desc)
{
    return sign_mask(env, desc, 1);
}

/* VPTEST (all bits) and VTESTPS/PD (sign bits): ZF = (a AND b) == 0,
 * CF = (NOT a AND b) == 0 over the bits selected by keep */
static uint64_t test_flags(CPUX86State *env, uint32_t desc, uint64_t keep)
{
    Operands o;
    uint64_t and_bits = 0, andn_bits = 0;
    read_ab(env, desc, &o);
    for (unsigned i = 0; i < count(&o, 8); i++) {
        and_bits |= o.a.q[i] & o.b.q[i] & keep;
        andn_bits |= ~o.a.q[i] & o.b.q[i] & keep;
    }
    return (and_bits ? 0 : CC_Z) | (andn_bits ? 0 : CC_C);
}

uint64_t helper_vptest(CPUX86State *env, uint32_t desc)
{
    return test_flags(env, desc, ~0ull);
}

uint64_t helper_vtestps(CPUX86State *env, uint32_t desc)
{
    return test_flags(env, desc, 0x8000000080000000ull);
}

uint64_t helper_vtestpd(CPUX86State *env, uint32_t desc)
{
    return test_flags(env, desc, 0x8000000000000000ull);
}
