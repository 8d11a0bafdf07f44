/*
 * The x86-64 back end's vector ops (tcg/vec.h): SSE2 (doubles: SSE4.2's PCMPGTQ;
 * FMA3: VEX) instructions on xmm0-xmm6,
 * which generated code otherwise never uses (all caller-saved in the SysV ABI,
 * so nothing is kept in them across ops). Operands are read from env as two
 * 8-byte loads each: the front end writes vector registers as 8-byte halves, and
 * a 16-byte load of two 8-byte stores would miss store forwarding (Intel
 * optimization manual, "store forwarding"); the result is one 16-byte store.
 */
#include "tcg/tcg-backend.h"
#include "tcg/vec.h"
#include "tcg/x86_64/encode.h"

enum { XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6 };

/* mandatory prefixes of the four float forms (SDM vol. 2, ADDPS/ADDPD/ADDSS/ADDSD) */
static const uint8_t form_prefix[4] = { 0, 0x66, 0xf3, 0xf2 };
/* 0F xx opcodes of ADD, SUB, MUL, DIV, MIN, MAX, SQRT */
static const uint8_t fop_opcode[TCG_VEC_NB_FOPS] = { 0x58, 0x5c, 0x59, 0x5e, 0x5d, 0x5f, 0x51 };

bool tcg_target_has_vec(TCGContext *s, unsigned kind)
{
    (void)s;
    unsigned form = kind % 4;
    if ((form == TCG_VEC_PD || form == TCG_VEC_SD) && !__builtin_cpu_supports("sse4.2")) {
        return false;   /* the denormal test of doubles uses PCMPGTQ */
    }
    if (kind >= TCG_VEC_FMA_BASE) {
        /* libgcc's check includes the OS enabling the AVX state (XCR0) */
        return kind < TCG_VEC_NB_KINDS && __builtin_cpu_supports("avx") &&
               __builtin_cpu_supports("fma");
    }
    return true;    /* SSE2 is part of x86-64 */
}

/* [prefix] 0F opc with an xmm reg and a memory operand env/rsp + disp */
static void out_sse_mem(TCGContext *s, uint8_t prefix, int opc, int xmm, int base, int32_t disp)
{
    if (prefix) {
        out8(s, prefix);
    }
    emit_modrm_mem(s, opc | P_EXT, xmm, base, -1, 0, disp);
}

static void out_sse_reg(TCGContext *s, uint8_t prefix, int opc, int xmm, int rm)
{
    if (prefix) {
        out8(s, prefix);
    }
    emit_modrm(s, opc | P_EXT, xmm, rm);
}

/* xmm = the 16 bytes at env + off (MOVQ xmm, m64; MOVHPS xmm, m64) */
static void out_load_slot(TCGContext *s, int xmm, int32_t off)
{
    out_sse_mem(s, 0xf3, 0x7e, xmm, tcg_target_env_reg, off);
    out_sse_mem(s, 0, 0x16, xmm, tcg_target_env_reg, off + 8);
}

/* xmm = hi:lo from two general registers (MOVQ xmm, r64; PUNPCKLQDQ) */
static void out_load_pair(TCGContext *s, int xmm, int lo, int hi)
{
    out_sse_reg(s, 0x66, 0x6e | P_REXW, xmm, lo);
    out_sse_reg(s, 0x66, 0x6e | P_REXW, XMM6, hi);
    out_sse_reg(s, 0x66, 0x6c, xmm, XMM6);
}

static void patch_rel8(uint8_t *jump_end, TCGContext *s)
{
    jump_end[-1] = (uint8_t)(s->code_ptr - jump_end);
}

/*
 * Denormal operands: the x86 result is the host's, but the caller tracks the
 * denormal flag itself, so such an operand sends the op to the caller's slow
 * path. With a = |x| as an integer (IEEE 754 binary32/64 layout), x is
 * denormal when 1 <= a < 2^23 (binary32; 2^52 for binary64), so when the
 * unsigned a - 1 is below 2^23. Adding 2^31 (2^63) maps unsigned order to
 * signed order, and a - 1 + 2^31 = a + 0x7fffffff, so per lane
 *   denormal or a = 2^23  <=>  0x80800000 > a + 0x7fffffff   (signed),
 * one PAND, one PADD and one PCMPGT per operand; the smallest normal
 * (a = 2^23, 2^52) also matches, which only costs a slow path.
 * The constants: the absolute-value mask (also the addend), then the limit.
 */
static const uint64_t denormal_consts[2][4] __attribute__((aligned(16))) = {
    { 0x7fffffff7fffffffull, 0x7fffffff7fffffffull, 0x8080000080800000ull, 0x8080000080800000ull },
    { 0x7fffffffffffffffull, 0x7fffffffffffffffull, 0x8010000000000000ull, 0x8010000000000000ull },
};
/* MOVMSKPS/MOVMSKPD bits of the lanes that count: PS, PD, SS, SD */
static const uint8_t denormal_lanes[4] = { 0xf, 0x3, 0x1, 0x1 };

/* xmm6 |= (per lane) "xmm is denormal" (xmm6 = when first); base holds
 * &denormal_consts[double]; xmm3, xmm4 scratch */
static void out_denormal_test(TCGContext *s, int xmm, bool dbl, int base, bool first)
{
    out_sse_reg(s, 0x66, 0x6f, XMM3, xmm);                     /* MOVDQA xmm3, x */
    out_sse_mem(s, 0x66, 0xdb, XMM3, base, 0);                 /* PAND: a */
    out_sse_mem(s, 0x66, dbl ? 0xd4 : 0xfe, XMM3, base, 0);    /* PADDQ/PADDD */
    out_sse_mem(s, 0x66, 0x6f, first ? XMM6 : XMM4, base, 16); /* MOVDQA limit */
    int to = first ? XMM6 : XMM4;
    if (dbl) {
        out8(s, 0x66);                                         /* PCMPGTQ (SSE4.2) */
        out8(s, 0x0f);
        out8(s, 0x38);
        out8(s, 0x37);
        out8(s, 0xc0 | (to << 3) | XMM3);
    } else {
        out_sse_reg(s, 0x66, 0x66, to, XMM3);                  /* PCMPGTD */
    }
    if (!first) {
        out_sse_reg(s, 0x66, 0xeb, XMM6, XMM4);                /* POR */
    }
}

/* jumps (rel8, patched by the caller) when an operand that counts is denormal:
 * xmm0 (unless first is 1), xmm1, and xmm2 when count is 3 */
static uint8_t *out_denormal_check(TCGContext *s, unsigned form, int first, int count,
                                   int scratch)
{
    bool dbl = form == TCG_VEC_PD || form == TCG_VEC_SD;
    tcg_target_out_movi(s, TCG_TYPE_I64, scratch, (int64_t)(uintptr_t)denormal_consts[dbl]);
    for (int x = first; x < count; x++) {
        out_denormal_test(s, x, dbl, scratch, x == first);
    }
    out_sse_reg(s, dbl ? 0x66 : 0, 0x50, scratch, XMM6);       /* MOVMSKPS/PD r32 */
    emit_modrm(s, OPC_GRP3, 0, scratch);                       /* TEST r32, imm32 */
    out32(s, denormal_lanes[form]);
    out8(s, OPC_JCC_short + JCC_JNE);
    out8(s, 0);
    return s->code_ptr;
}

/* VFMxxx xmm0, xmm1, xmm2 (SDM vol. 2, VFMADD132PD...: VEX.128.66.0F38.W0/W1,
 * opcode 96-9F + 16 * order, low nibble by variant and packed/scalar) */
static void out_fma(TCGContext *s, unsigned kind)
{
    unsigned n = kind - TCG_VEC_FMA_BASE, form = n % 4, order = (n / 4) % 3;
    unsigned variant = n / 12;
    static const uint8_t variant_low[TCG_VEC_NB_FMAS] = { 8, 0xa, 0xc, 0xe, 6, 7 };
    bool dbl = form == TCG_VEC_PD || form == TCG_VEC_SD;
    bool scalar = form == TCG_VEC_SS || form == TCG_VEC_SD;
    out8(s, 0xc4);
    out8(s, 0xe2);                              /* R X B set (inverted), map 0F38 */
    out8(s, (dbl ? 0x80 : 0) | 0x71);           /* W, vvvv = ~1 (xmm1), L = 0, pp = 66 */
    out8(s, 0x90 + 16 * order + variant_low[variant] + (scalar ? 1 : 0));
    out8(s, 0xc0 | (XMM0 << 3) | XMM2);
}

/* the result in xmm0 to dst and out = 0, or out = 1 from to_slow on */
static void out_vec_tail(TCGContext *s, int out, int32_t dst, uint8_t *to_slow)
{
    out_sse_mem(s, 0xf3, 0x7f, XMM0, tcg_target_env_reg, dst);    /* MOVDQU m128, xmm0 */
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 0);
    out8(s, OPC_JMP_short);
    out8(s, 0);
    uint8_t *to_end = s->code_ptr;
    patch_rel8(to_slow, s);
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 1);
    patch_rel8(to_end, s);
}

/* args: out, lo, hi, kind, dst, src0, src1, src2 */
void tcg_target_out_vec(TCGContext *s, const TCGArg *args, const bool *is_const)
{
    unsigned kind = (unsigned)args[3];
    int32_t dst = (int32_t)args[4], src0 = (int32_t)args[5];
    int32_t src1 = (int32_t)args[6], src2 = (int32_t)args[7];
    int out = (int)args[0];     /* free once the inputs are read */
    bool fma = kind >= TCG_VEC_FMA_BASE;
    int second = fma ? XMM2 : XMM1;
    (void)is_const;             /* the constraint asks for registers */
    if (src2 < 0) {
        out_load_pair(s, second, (int)args[1], (int)args[2]);
    } else {
        out_load_slot(s, second, src2);
    }
    if (fma) {
        out_load_slot(s, XMM0, src0);
        out_load_slot(s, XMM1, src1);
        uint8_t *to_slow = out_denormal_check(s, (kind - TCG_VEC_FMA_BASE) % 4, 0, 3, out);
        out_fma(s, kind);
        out_vec_tail(s, out, dst, to_slow);
        return;
    }
    out_load_slot(s, XMM0, src1);
    bool sqrt = kind / 4 == TCG_VEC_FSQRT;
    uint8_t *to_slow = out_denormal_check(s, kind % 4, sqrt ? 1 : 0, 2, out);
    out_sse_reg(s, form_prefix[kind % 4], fop_opcode[kind / 4], XMM0, XMM1);
    out_vec_tail(s, out, dst, to_slow);
}
