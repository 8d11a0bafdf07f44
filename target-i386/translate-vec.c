/*
 * SSE floating-point arithmetic inline through the IR's vector ops (tcg/vec.h):
 * ADD/SUB/MUL/DIV/MIN/MAX/SQRT in their PS, PD, SS and SD forms (legacy and,
 * through translate-vex.c's reuse of the legacy generators, VEX), and the
 * FMA3 instructions (below).
 *
 * Exactness. The inline op runs on the host's own MXCSR, which gives the x86
 * result bit for bit (NaN propagation, default NaN, MIN/MAX operand rules,
 * underflow) only when the host MXCSR holds what the guest's asks for. It is
 * used when the guest MXCSR is the reset value up to its flags (all exceptions
 * masked, round to nearest, FZ and DAZ clear, SDM vol. 1, 10.2.3), which the
 * block key says (X86_TB_MXCSR_DEFAULT, translate.h; no run-time test): then
 * sse_helper.c runs lazily too, leaving the host MXCSR at its default with the
 * guest's pending flags piling up in it, which the inline op adds to just as the
 * host instruction in the helper would. No exception can fault while all are
 * masked. sse_helper.c flags DE itself (the host's DE is dropped), and so do
 * the inline ops (tcg/vec.h: into the guest MXCSR, as the helper would); under
 * any other MXCSR the block calls the helpers.
 */
#include <stddef.h>
#include "target-i386/translate-sse.h"
#include "target-i386/sse_helper.h"
#include "target-i386/avx_helper.h"
#include "target-i386/sse4_helper.h"
#include "tcg/vec.h"


static SSEFloatHelper *const float_helpers[TCG_VEC_NB_FOPS][4] = {
    [TCG_VEC_FADD] = { helper_addps, helper_addpd, helper_addss, helper_addsd },
    [TCG_VEC_FSUB] = { helper_subps, helper_subpd, helper_subss, helper_subsd },
    [TCG_VEC_FMUL] = { helper_mulps, helper_mulpd, helper_mulss, helper_mulsd },
    [TCG_VEC_FDIV] = { helper_divps, helper_divpd, helper_divss, helper_divsd },
    [TCG_VEC_FMIN] = { helper_minps, helper_minpd, helper_minss, helper_minsd },
    [TCG_VEC_FMAX] = { helper_maxps, helper_maxpd, helper_maxss, helper_maxsd },
    [TCG_VEC_FSQRT] = { helper_sqrtps, helper_sqrtpd, helper_sqrtss, helper_sqrtsd },
};

/* the vector kind doing what helper does, or -1 */
static int float_kind(const void *helper)
{
    for (int fop = 0; fop < TCG_VEC_NB_FOPS; fop++) {
        for (int form = 0; form < 4; form++) {
            if ((const void *)float_helpers[fop][form] == helper) {
                return TCG_VEC_FLOAT(fop, form);
            }
        }
    }
    return -1;
}

static intptr_t xmm_reg_offset(int reg)
{
    return (intptr_t)offsetof(CPUX86State, xmm_regs) + reg * (intptr_t)sizeof(XMMReg);
}

/* whether the guest MXCSR allows the inline ops: part of the block key */
static bool mxcsr_default(const DisasContext *s)
{
    return (s->flags & X86_TB_MXCSR_DEFAULT) != 0;
}

/* the guest MXCSR, where the inline ops set DE (tcg/vec.h) */
static intptr_t mxcsr_offset(void)
{
    return (intptr_t)offsetof(CPUX86State, mxcsr);
}

/* Translates the XMM float op as above; false (nothing emitted) when it has no
 * vector kind or the back end has none. */
bool gen_vec_float(DisasContext *s, const SSEOp *op)
{
    int kind = float_kind(op->helper);
    if (kind < 0 || op->mmx != MMX_NONE || !mxcsr_default(s) ||
        !tcg_has_vec(s->tcg, (unsigned)kind)) {
        return false;
    }
    TCGv lo = tcg_env(s->tcg), hi = lo;
    intptr_t src2 = -1;
    if (s->mod == 3) {
        src2 = xmm_reg_offset(s->rm);
    } else {
        lo = tcg_temp_new(s->tcg, TCG_TYPE_I64);
        hi = tcg_temp_new(s->tcg, TCG_TYPE_I64);
        TCGv addr = gen_memory_address(s, op->mem);
        gen_load_memory(s, addr, op->mem, lo, hi);
        tcg_temp_free(s->tcg, addr);
    }
    intptr_t dst = xmm_reg_offset(s->reg);
    tcg_temp_free(s->tcg, tcg_gen_vec(s->tcg, (unsigned)kind, dst, -1, dst, src2, lo, hi,
                                      mxcsr_offset(), MXCSR_DE));
    if (src2 < 0) {
        tcg_temp_free(s->tcg, lo);
        tcg_temp_free(s->tcg, hi);
    }
    return true;
}

/* --- FMA3 (translate-avx.c's gen_fma): the same MXCSR condition; the
 * helper (fma_helper.c) also runs the host's instruction, so with the guest's
 * reset MXCSR the inline one gives its result and flags (the helper merges
 * them into env at once, the inline op leaves them pending in the host's
 * MXCSR, which the guest sees the same way), DE as tcg/vec.h says. --- */

/* 16-byte slot half (0: bits 127:0, 1: bits 255:128) of register reg, where
 * register 16 is the memory operand of avx_helper.h (its upper half in
 * vex_scratch[1], as translate-vex.c's ymm_offset) */
static intptr_t ymm_half_offset(int reg, int half)
{
    if (half == 0) {
        return xmm_reg_offset(reg);
    }
    if (reg == AVX_MEM_OPERAND) {
        return (intptr_t)offsetof(CPUX86State, vex_scratch[1]);
    }
    return (intptr_t)offsetof(CPUX86State, ymmh_regs) + reg * (intptr_t)sizeof(XMMReg);
}

/* one 128-bit half of d = FMA(d, a, b) */
static void gen_fma_half(DisasContext *s, unsigned kind, int d, int a, int b, int half)
{
    TCGv env = tcg_env(s->tcg);
    intptr_t dst = ymm_half_offset(d, half);
    tcg_temp_free(s->tcg, tcg_gen_vec(s->tcg, kind, dst, dst, ymm_half_offset(a, half),
                                      ymm_half_offset(b, half), env, env,
                                      mxcsr_offset(), MXCSR_DE));
}

/*
 * VFMADD132PS ... VFNMSUB231SD: d = FMA of d, a (VEX.vvvv) and b (register
 * or 16), variant and order as FMA_OP, inline; false (nothing emitted) when
 * the back end cannot. Each half reads only its own half of the operands, so
 * the upper one can go straight to d's.
 */
bool gen_vec_fma(DisasContext *s, unsigned variant, unsigned order, bool dbl, bool scalar,
                 bool wide, int d, int a, int b)
{
    unsigned form = scalar ? (dbl ? TCG_VEC_SD : TCG_VEC_SS) : (dbl ? TCG_VEC_PD : TCG_VEC_PS);
    unsigned kind = TCG_VEC_FMA(variant, order, form);
    if (variant >= TCG_VEC_NB_FMAS || !mxcsr_default(s) || !tcg_has_vec(s->tcg, kind)) {
        return false;
    }
    gen_fma_half(s, kind, d, a, b, 0);
    if (wide) {
        gen_fma_half(s, kind, d, a, b, 1);
        return true;
    }
    TCGv zero = tcg_temp_new(s->tcg, TCG_TYPE_I64);
    tcg_gen_movi(s->tcg, zero, 0);      /* VEX.128 and scalar: bits 255:128 zero */
    for (int q = 0; q < 2; q++) {
        tcg_gen_st(s->tcg, INDEX_op_st, zero, tcg_env(s->tcg), ymm_half_offset(d, 1) + q * 8);
    }
    tcg_temp_free(s->tcg, zero);
    return true;
}

/* --- integer and shuffle ops (tcg/vec.h's TCG_VEC_INT kinds): the XMM forms
 * of the entries whose helper does what the host instruction of that name
 * does; no MXCSR involved (SDM vol. 2: these raise no SIMD floating-point
 * exception), so they are always inline when the back end has them. --- */

#define M(name, NAME) { (const void *)helper_##name, TCG_VEC_I_##NAME },
static const struct { const void *helper; unsigned op; } int_ops[] = {
    M(punpcklbw, PUNPCKLBW) M(punpcklwd, PUNPCKLWD) M(punpckldq, PUNPCKLDQ)
    M(packsswb, PACKSSWB) M(pcmpgtb, PCMPGTB) M(pcmpgtw, PCMPGTW) M(pcmpgtd, PCMPGTD)
    M(packuswb, PACKUSWB) M(punpckhbw, PUNPCKHBW) M(punpckhwd, PUNPCKHWD)
    M(punpckhdq, PUNPCKHDQ) M(packssdw, PACKSSDW) M(psrlw, PSRLW) M(psrld, PSRLD)
    M(psrlq, PSRLQ) M(pmullw, PMULLW) M(psubusb, PSUBUSB) M(psubusw, PSUBUSW)
    M(paddusb, PADDUSB) M(paddusw, PADDUSW) M(pavgb, PAVGB) M(psraw, PSRAW) M(psrad, PSRAD)
    M(pavgw, PAVGW) M(pmulhuw, PMULHUW) M(pmulhw, PMULHW) M(psubsb, PSUBSB)
    M(psubsw, PSUBSW) M(pminsw, PMINSW) M(paddsb, PADDSB) M(paddsw, PADDSW)
    M(pmaxsw, PMAXSW) M(psllw, PSLLW) M(pslld, PSLLD) M(psllq, PSLLQ) M(pmuludq, PMULUDQ)
    M(pmaddwd, PMADDWD) M(psadbw, PSADBW)
    M(pshufb, PSHUFB) M(phaddw, PHADDW) M(phaddd, PHADDD) M(phaddsw, PHADDSW)
    M(pmaddubsw, PMADDUBSW) M(phsubw, PHSUBW) M(phsubd, PHSUBD) M(phsubsw, PHSUBSW)
    M(psignb, PSIGNB) M(psignw, PSIGNW) M(psignd, PSIGND) M(pmulhrsw, PMULHRSW)
    M(pabsb, PABSB) M(pabsw, PABSW) M(pabsd, PABSD)
    M(pmovsxbw, PMOVSXBW) M(pmovsxbd, PMOVSXBD) M(pmovsxbq, PMOVSXBQ) M(pmovsxwd, PMOVSXWD)
    M(pmovsxwq, PMOVSXWQ) M(pmovsxdq, PMOVSXDQ) M(pmuldq, PMULDQ) M(packusdw, PACKUSDW)
    M(pmovzxbw, PMOVZXBW) M(pmovzxbd, PMOVZXBD) M(pmovzxbq, PMOVZXBQ) M(pmovzxwd, PMOVZXWD)
    M(pmovzxwq, PMOVZXWQ) M(pmovzxdq, PMOVZXDQ) M(pminsb, PMINSB) M(pminuw, PMINUW)
    M(pmaxsb, PMAXSB) M(pmaxuw, PMAXUW)
    M(pshufd, PSHUFD) M(pshufhw, PSHUFHW) M(pshuflw, PSHUFLW) M(shufps, SHUFPS)
    M(shufpd, SHUFPD)
};
#undef M

/*
 * translate-sse.c's gen_int_helper / gen_imm_helper entry (imm: an imm8
 * follows the ModRM operand) inline; false (nothing emitted) when it has no
 * kind. The destination is xmm_regs[reg]; the source a register slot, or the
 * memory operand as gen_load_source reads it (MEM_16/32/64 zero-extended, which
 * the PMOVSX/ZX forms do not look at).
 */
bool gen_vec_int(DisasContext *s, const SSEOp *op, bool imm)
{
    if (op->mmx != MMX_NONE) {
        return false;
    }
    unsigned kind = 0;
    for (size_t i = 0; i < sizeof(int_ops) / sizeof(int_ops[0]); i++) {
        if (int_ops[i].helper == op->helper) {
            kind = TCG_VEC_INT(int_ops[i].op, 0);
        }
    }
    if (kind == 0 || !tcg_has_vec(s->tcg, kind) || (s->mod != 3 && op->mem == MEM_NONE)) {
        return false;
    }
    TCGv lo = tcg_env(s->tcg), hi = lo;
    intptr_t src2 = -1;
    if (imm) {
        s->rip_offset = 1;      /* RIP-relative operands count the imm8 */
    }
    if (s->mod == 3) {
        src2 = xmm_reg_offset(s->rm);
    } else {
        lo = tcg_temp_new(s->tcg, TCG_TYPE_I64);
        hi = tcg_temp_new(s->tcg, TCG_TYPE_I64);
        gen_load_source(s, op, lo, hi);
    }
    if (imm) {
        kind += x86_ldub_code(s);
    }
    intptr_t dst = xmm_reg_offset(s->reg);
    tcg_temp_free(s->tcg, tcg_gen_vec(s->tcg, kind, dst, -1, dst, src2, lo, hi, 0, 0));
    if (src2 < 0) {
        tcg_temp_free(s->tcg, lo);
        tcg_temp_free(s->tcg, hi);
    }
    return true;
}
