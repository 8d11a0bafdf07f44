/*
 * The x86-64 back end's vector ops (tcg/vec.h): SSE2 instructions on xmm0-xmm2,
 * which generated code otherwise never uses (all caller-saved in the SysV ABI,
 * so nothing is kept in them across ops). Operands are read from env as two
 * 8-byte loads each: the front end writes vector registers as 8-byte halves, and
 * a 16-byte load of two 8-byte stores would miss store forwarding (Intel
 * optimization manual, "store forwarding"); the result is one 16-byte store.
 */
#include "tcg/tcg-backend.h"
#include "tcg/vec.h"
#include "tcg/x86_64/encode.h"

enum { XMM0, XMM1, XMM2 };

/* mandatory prefixes of the four float forms (SDM vol. 2, ADDPS/ADDPD/ADDSS/ADDSD) */
static const uint8_t form_prefix[4] = { 0, 0x66, 0xf3, 0xf2 };
/* 0F xx opcodes of ADD, SUB, MUL, DIV, MIN, MAX, SQRT */
static const uint8_t fop_opcode[TCG_VEC_NB_FOPS] = { 0x58, 0x5c, 0x59, 0x5e, 0x5d, 0x5f, 0x51 };

/* The red zone below rsp (SysV ABI 3.2.2) holds the MXCSR image. */
#define MXCSR_SLOT (-8)
#define HOST_MXCSR_DE 0x2

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
 * The float op in xmm0, then the denormal check: STMXCSR; TEST DE; if set,
 * clear it (LDMXCSR) and report "not done" without storing the result.
 */
static void out_float_tail(TCGContext *s, int out, int32_t dst)
{
    out_sse_mem(s, 0, 0xae, 3, REG_RSP, MXCSR_SLOT);              /* STMXCSR */
    emit_modrm_mem(s, 0xf6, 0, REG_RSP, -1, 0, MXCSR_SLOT);       /* TEST m8, imm8 */
    out8(s, HOST_MXCSR_DE);
    out8(s, OPC_JCC_short + JCC_JNE);
    out8(s, 0);
    uint8_t *to_slow = s->code_ptr;
    out_sse_mem(s, 0xf3, 0x7f, XMM0, tcg_target_env_reg, dst);    /* MOVDQU m128, xmm0 */
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 0);
    out8(s, OPC_JMP_short);
    out8(s, 0);
    uint8_t *to_end = s->code_ptr;
    patch_rel8(to_slow, s);
    emit_modrm_mem(s, 0x80, ALU_AND, REG_RSP, -1, 0, MXCSR_SLOT); /* AND m8, imm8 */
    out8(s, (uint8_t)~HOST_MXCSR_DE);
    out_sse_mem(s, 0, 0xae, 2, REG_RSP, MXCSR_SLOT);              /* LDMXCSR */
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 1);
    patch_rel8(to_end, s);
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
    out_sse_reg(s, form_prefix[kind % 4], fop_opcode[kind / 4], XMM0, XMM1);
    out_float_tail(s, (int)args[0], dst);
}
