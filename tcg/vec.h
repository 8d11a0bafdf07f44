/*
 * Vector operations of the IR: 128-bit values kept in the CPU state (env) and
 * operated on there, without going through 64-bit temps or a C helper. The kinds
 * are host neutral; a back end says which it can emit (tcg_has_vec) and a front
 * end falls back to its own helpers for the others, so a back end without
 * vector support needs nothing.
 *
 * Floating-point kinds run with the host's floating-point environment as it is
 * (rounding to nearest, exceptions masked, denormals not treated as zero: the
 * caller checks that the guest asks for exactly that) and leave the IEEE
 * flags they raise in it, except the denormal-operand flag (x86 MXCSR.DE),
 * which the caller tracks itself in a 32-bit field of env: the op ORs
 * flag_mask into it exactly when the x86 instruction of its kind raises DE
 * (SDM vol. 1, 11.5.2.2: a denormal source in a lane that counts, unless a
 * NaN, a zero divisor or a negative square root takes precedence). The
 * destination is always written and the op's output is 0.
 */
#ifndef TCG_VEC_H
#define TCG_VEC_H

#include "tcg/tcg.h"

/* IEEE binary ops, lane-wise on packed single/double or on the low lane only
 * (scalar forms keep the first source's other lanes): kind = op * 4 + form */
enum { TCG_VEC_PS, TCG_VEC_PD, TCG_VEC_SS, TCG_VEC_SD };
enum {
    TCG_VEC_FADD, TCG_VEC_FSUB, TCG_VEC_FMUL, TCG_VEC_FDIV,
    TCG_VEC_FMIN,   /* x86 rules: the second operand when unordered or both zero */
    TCG_VEC_FMAX,
    TCG_VEC_FSQRT,  /* of the second source */
    TCG_VEC_NB_FOPS,
};
#define TCG_VEC_FLOAT(fop, form) ((fop) * 4 + (form))

/*
 * Fused multiply-add, one rounding (IEEE 754-2008 fusedMultiplyAdd). With A
 * the first source slot (src0, also the destination's old value in the x86
 * forms), B src1 and C src2, the operand orders are
 *   ORDER_ACB: A*C + B,  ORDER_BAC: B*A + C,  ORDER_BCA: B*C + A;
 * the variants negate the sum's addend (SUB), the product (NADD), both
 * (NSUB), or alternate per lane starting with subtraction in lane 0 (ADDSUB)
 * or addition (SUBADD). NaN operands propagate in x86 FMA3 order (the first
 * operand of the order named first). Scalar forms keep A's other lanes.
 */
enum { TCG_VEC_ORDER_ACB, TCG_VEC_ORDER_BAC, TCG_VEC_ORDER_BCA };
enum {
    TCG_VEC_FMA_ADD, TCG_VEC_FMA_SUB, TCG_VEC_FMA_NADD, TCG_VEC_FMA_NSUB,
    TCG_VEC_FMA_ADDSUB, TCG_VEC_FMA_SUBADD, TCG_VEC_NB_FMAS,
};
#define TCG_VEC_FMA_BASE (TCG_VEC_NB_FOPS * 4)
#define TCG_VEC_FMA(variant, order, form) (TCG_VEC_FMA_BASE + ((variant) * 3 + (order)) * 4 + (form))
#define TCG_VEC_NB_KINDS (TCG_VEC_FMA_BASE + TCG_VEC_NB_FMAS * 3 * 4)

/*
 * Integer and data-movement ops with the semantics of the x86 SSE2, SSSE3 and
 * SSE4.1 instruction of the same name (Intel SDM vol. 2; the xmm, xmm/m128
 * form with dst = src1 and src2 the second operand): dst = src1 OP src2, no
 * flags, never "not done" (output 0). The IMM ones take imm8 in the kind:
 * TCG_VEC_INT(op, imm8); the others TCG_VEC_INT(op, 0).
 */
#define TCG_VEC_INT_OPS(X) \
    X(PUNPCKLBW) X(PUNPCKLWD) X(PUNPCKLDQ) X(PACKSSWB) X(PCMPGTB) X(PCMPGTW) X(PCMPGTD) \
    X(PACKUSWB) X(PUNPCKHBW) X(PUNPCKHWD) X(PUNPCKHDQ) X(PACKSSDW) \
    X(PSRLW) X(PSRLD) X(PSRLQ) X(PMULLW) X(PSUBUSB) X(PSUBUSW) X(PADDUSB) X(PADDUSW) \
    X(PAVGB) X(PSRAW) X(PSRAD) X(PAVGW) X(PMULHUW) X(PMULHW) X(PSUBSB) X(PSUBSW) \
    X(PMINSW) X(PADDSB) X(PADDSW) X(PMAXSW) X(PSLLW) X(PSLLD) X(PSLLQ) X(PMULUDQ) \
    X(PMADDWD) X(PSADBW) \
    X(PSHUFB) X(PHADDW) X(PHADDD) X(PHADDSW) X(PMADDUBSW) X(PHSUBW) X(PHSUBD) X(PHSUBSW) \
    X(PSIGNB) X(PSIGNW) X(PSIGND) X(PMULHRSW) X(PABSB) X(PABSW) X(PABSD) \
    X(PMOVSXBW) X(PMOVSXBD) X(PMOVSXBQ) X(PMOVSXWD) X(PMOVSXWQ) X(PMOVSXDQ) X(PMULDQ) \
    X(PACKUSDW) X(PMOVZXBW) X(PMOVZXBD) X(PMOVZXBQ) X(PMOVZXWD) X(PMOVZXWQ) X(PMOVZXDQ) \
    X(PMINSB) X(PMINUW) X(PMAXSB) X(PMAXUW) \
    X(PSHUFD) X(PSHUFHW) X(PSHUFLW) X(SHUFPS) X(SHUFPD)   /* the IMM ones */
#define TCG_VEC_INT_ENUM(name) TCG_VEC_I_##name,
enum { TCG_VEC_INT_OPS(TCG_VEC_INT_ENUM) TCG_VEC_NB_INT_OPS };
#undef TCG_VEC_INT_ENUM
#define TCG_VEC_INT_BASE TCG_VEC_NB_KINDS
#define TCG_VEC_INT(op, imm8) (TCG_VEC_INT_BASE + (op) * 256 + (imm8))
#define TCG_VEC_NB_ALL_KINDS TCG_VEC_INT(TCG_VEC_NB_INT_OPS, 0)

/* Whether the back end emits kind inline. */
bool tcg_has_vec(TCGContext *s, unsigned kind);
/* dst = src1 KIND src2 (or the FMA of src0, src1, src2) on env slots;
 * src2_off < 0: the second source is the 128-bit value hi:lo instead.
 * flag_off/flag_mask: the denormal flag's field and bit(s) (float kinds; 0
 * for the others). Returns the i64 output (0). */
TCGv tcg_gen_vec(TCGContext *s, unsigned kind, intptr_t dst_off, intptr_t src0_off,
                 intptr_t src1_off, intptr_t src2_off, TCGv lo, TCGv hi,
                 intptr_t flag_off, uint8_t flag_mask);

/* the op's first constant argument: kind, and the denormal flag's field and
 * mask (tcg_gen_vec), which a back end takes apart with these */
#define TCG_VEC_CARG(kind, flag_off, flag_mask) \
    ((uint64_t)(kind) | (uint64_t)(flag_mask) << 24 | (uint64_t)(uint32_t)(int32_t)(flag_off) << 32)
#define TCG_VEC_CARG_KIND(arg) ((unsigned)((arg) & 0xffffff))
#define TCG_VEC_CARG_FLAG_MASK(arg) ((uint8_t)((arg) >> 24))
#define TCG_VEC_CARG_FLAG_OFF(arg) ((int32_t)(uint32_t)((uint64_t)(arg) >> 32))

#endif
