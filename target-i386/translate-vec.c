/*
 * SSE floating-point arithmetic inline through the IR's vector ops (tcg/vec.h):
 * ADD/SUB/MUL/DIV/MIN/MAX/SQRT in their PS, PD, SS and SD forms.
 *
 * Exactness. The inline op runs on the host's own MXCSR, which gives the x86
 * result bit for bit (NaN propagation, default NaN, MIN/MAX operand rules,
 * underflow) only when the host MXCSR holds what the guest's asks for. It is
 * used when the guest MXCSR is the reset value up to its flags (all exceptions
 * masked, round to nearest, FZ and DAZ clear, SDM vol. 1, 10.2.3): then
 * sse_helper.c runs lazily too, leaving the host MXCSR at its default with the
 * guest's pending flags piling up in it, which the inline op adds to just as the
 * host instruction in the helper would. No exception can fault while all are
 * masked. sse_helper.c flags DE itself (the host's DE is dropped), so an op
 * with a denormal operand is left to the helper (the back end tests the
 * operands before the op); any other MXCSR sends the instruction to the
 * helper right away.
 */
#include <stddef.h>
#include "target-i386/translate-sse.h"
#include "target-i386/sse_helper.h"
#include "tcg/vec.h"

/* MXCSR without its six flags when every exception is masked, RC = nearest,
 * FZ = DAZ = 0 (SDM vol. 1, 10.2.3) */
#define MXCSR_CONTROL_BITS 0xffc0u
#define MXCSR_INLINE_CONTROL 0x1f80u

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

/* branches to slow unless the guest MXCSR allows the inline op */
static void gen_check_mxcsr(DisasContext *s, TCGLabel *slow)
{
    TCGv ctl = tcg_temp_new(s->tcg, TCG_TYPE_I64);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, ctl, tcg_env(s->tcg), offsetof(CPUX86State, mxcsr));
    tcg_gen_andi(s->tcg, ctl, ctl, MXCSR_CONTROL_BITS);
    tcg_gen_brcondi(s->tcg, TCG_COND_NE, ctl, MXCSR_INLINE_CONTROL, slow);
    tcg_temp_free(s->tcg, ctl);
}

/* the helper call of the slow path (translate-sse.c's gen_float_helper) */
static void gen_slow_call(DisasContext *s, const SSEOp *op, TCGv lo, TCGv hi)
{
    if (s->mod == 3) {
        gen_load_xmm_half(s, lo, s->rm, 0);
        gen_load_xmm_half(s, hi, s->rm, 1);
    }
    TCGv args[4] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, hi };
    tcg_gen_call(s->tcg, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
    tcg_temp_free(s->tcg, args[1]);
}

/* Translates the XMM float op as above; false (nothing emitted) when it has no
 * vector kind or the back end has none. */
bool gen_vec_float(DisasContext *s, const SSEOp *op)
{
    int kind = float_kind(op->helper);
    if (kind < 0 || op->mmx != MMX_NONE || !tcg_has_vec(s->tcg, (unsigned)kind)) {
        return false;
    }
    TCGv lo = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    TCGv hi = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    intptr_t src2 = -1;
    if (s->mod == 3) {
        src2 = xmm_reg_offset(s->rm);
    } else {
        TCGv addr = gen_memory_address(s, op->mem);
        gen_load_memory(s, addr, op->mem, lo, hi);
        tcg_temp_free(s->tcg, addr);
    }
    TCGLabel *slow = tcg_gen_new_label(s->tcg), *done = tcg_gen_new_label(s->tcg);
    gen_check_mxcsr(s, slow);
    intptr_t dst = xmm_reg_offset(s->reg);
    TCGv not_done = tcg_gen_vec(s->tcg, (unsigned)kind, dst, dst, src2, lo, hi);
    tcg_gen_brcondi(s->tcg, TCG_COND_EQ, not_done, 0, done);
    tcg_temp_free(s->tcg, not_done);
    tcg_gen_set_label(s->tcg, slow);
    gen_slow_call(s, op, lo, hi);
    tcg_gen_set_label(s->tcg, done);
    tcg_temp_free(s->tcg, lo);
    tcg_temp_free(s->tcg, hi);
    return true;
}
