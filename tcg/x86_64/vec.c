/*
 * The x86-64 back end's vector ops (tcg/vec.h): SSE2 instructions on xmm0-xmm5,
 * which generated code otherwise never uses (all caller-saved in the SysV ABI,
 * so nothing is kept in them across ops). Operands are read from env as two
 * 8-byte loads each: the front end writes vector registers as 8-byte halves, and
 * a 16-byte load of two 8-byte stores would miss store forwarding (Intel
 * optimization manual, "store forwarding"); the result is one 16-byte store.
 */
#include "tcg/tcg-backend.h"
#include "tcg/vec.h"
#include "tcg/x86_64/encode.h"

enum { XMM0, XMM1, XMM2, XMM3, XMM4, XMM5 };

/* mandatory prefixes of the four float forms (SDM vol. 2, ADDPS/ADDPD/ADDSS/ADDSD) */
static const uint8_t form_prefix[4] = { 0, 0x66, 0xf3, 0xf2 };
/* 0F xx opcodes of ADD, SUB, MUL, DIV, MIN, MAX, SQRT */
static const uint8_t fop_opcode[TCG_VEC_NB_FOPS] = { 0x58, 0x5c, 0x59, 0x5e, 0x5d, 0x5f, 0x51 };

bool tcg_target_has_vec(TCGContext *s, unsigned kind)
{
    (void)s;
    return kind < TCG_VEC_NB_KINDS;    /* SSE2 is part of x86-64 */
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

/* xmm1 = hi:lo from two general registers (MOVQ xmm, r64; PUNPCKLQDQ) */
static void out_load_pair(TCGContext *s, int lo, int hi)
{
    out_sse_reg(s, 0x66, 0x6e | P_REXW, XMM1, lo);
    out_sse_reg(s, 0x66, 0x6e | P_REXW, XMM2, hi);
    out_sse_reg(s, 0x66, 0x6c, XMM1, XMM2);
}

static void patch_rel8(uint8_t *jump_end, TCGContext *s)
{
    jump_end[-1] = (uint8_t)(s->code_ptr - jump_end);
}

/*
 * Denormal operands: the x86 result is the host's, but the caller tracks the
 * denormal flag itself, so such an operand sends the op to the caller's slow
 * path. Per 32-bit lane, t = |x| as an integer; a single-precision x is
 * denormal when 0 < t < 0x00800000. A double is when its high dword is below
 * 0x00100000 and the whole 64-bit t is not zero (IEEE 754 binary32/64 layout).
 * The masks: absolute value, then the limit, per lane kind.
 */
static const uint32_t denormal_consts[2][8] __attribute__((aligned(16))) = {
    { 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
      0x00800000, 0x00800000, 0x00800000, 0x00800000 },
    { 0xffffffff, 0x7fffffff, 0xffffffff, 0x7fffffff,
      0, 0x00100000, 0, 0x00100000 },
};
/* pmovmskb bits of the lanes that count: PS, PD, SS, SD */
static const uint16_t denormal_lanes[4] = { 0xffff, 0xf0f0, 0x000f, 0x00f0 };

/* xmm5 |= (per dword) "xmm is denormal"; base holds &denormal_consts[double] */
static void out_denormal_test(TCGContext *s, int xmm, bool dbl, int base, bool first)
{
    out_sse_reg(s, 0x66, 0x6f, XMM2, xmm);                     /* MOVDQA xmm2, x */
    out_sse_mem(s, 0x66, 0xdb, XMM2, base, 0);                 /* PAND: t */
    out_sse_reg(s, 0x66, 0xef, XMM3, XMM3);                    /* PXOR xmm3, xmm3 */
    out_sse_reg(s, 0x66, 0x76, XMM3, XMM2);                    /* PCMPEQD: t == 0 */
    if (dbl) {
        out_sse_reg(s, 0x66, 0x70, XMM4, XMM3);                /* PSHUFD swap dwords */
        out8(s, 0xb1);
        out_sse_reg(s, 0x66, 0xdb, XMM3, XMM4);                /* PAND: qword == 0 */
    }
    out_sse_mem(s, 0x66, 0x6f, XMM4, base, 16);                /* MOVDQA limit */
    out_sse_reg(s, 0x66, 0x66, XMM4, XMM2);                    /* PCMPGTD: limit > t */
    out_sse_reg(s, 0x66, 0xdf, XMM3, XMM4);                    /* PANDN: and t != 0 */
    if (first) {
        out_sse_reg(s, 0x66, 0x6f, XMM5, XMM3);
    } else {
        out_sse_reg(s, 0x66, 0xeb, XMM5, XMM3);                /* POR */
    }
}

/* jumps (rel8, patched by the caller) when an operand that counts is denormal */
static uint8_t *out_denormal_check(TCGContext *s, unsigned kind, int scratch)
{
    unsigned form = kind % 4;
    bool dbl = form == TCG_VEC_PD || form == TCG_VEC_SD;
    tcg_target_out_movi(s, TCG_TYPE_I64, scratch, (int64_t)(uintptr_t)denormal_consts[dbl]);
    bool first = true;
    if (kind / 4 != TCG_VEC_FSQRT) {
        out_denormal_test(s, XMM0, dbl, scratch, true);
        first = false;
    }
    out_denormal_test(s, XMM1, dbl, scratch, first);
    out_sse_reg(s, 0x66, 0xd7, scratch, XMM5);                 /* PMOVMSKB */
    emit_modrm(s, OPC_GRP3, 0, scratch);                       /* TEST r32, imm32 */
    out32(s, denormal_lanes[form]);
    out8(s, OPC_JCC_short + JCC_JNE);
    out8(s, 0);
    return s->code_ptr;
}

/* args: out, lo, hi, kind, dst, src1, src2 */
void tcg_target_out_vec(TCGContext *s, const TCGArg *args, const bool *is_const)
{
    unsigned kind = (unsigned)args[3];
    int32_t dst = (int32_t)args[4], src1 = (int32_t)args[5], src2 = (int32_t)args[6];
    out_load_slot(s, XMM0, src1);
    if (src2 >= 0) {
        out_load_slot(s, XMM1, src2);
    } else {
        (void)is_const;     /* the constraint asks for registers */
        out_load_pair(s, (int)args[1], (int)args[2]);
    }
    int out = (int)args[0];     /* free now that the inputs are read */
    uint8_t *to_slow = out_denormal_check(s, kind, out);
    out_sse_reg(s, form_prefix[kind % 4], fop_opcode[kind / 4], XMM0, XMM1);
    out_sse_mem(s, 0xf3, 0x7f, XMM0, tcg_target_env_reg, dst);    /* MOVDQU m128, xmm0 */
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 0);
    out8(s, OPC_JMP_short);
    out8(s, 0);
    uint8_t *to_end = s->code_ptr;
    patch_rel8(to_slow, s);
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 1);
    patch_rel8(to_end, s);
}
