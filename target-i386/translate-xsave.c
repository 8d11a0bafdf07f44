/*
 * Decoding of the XSAVE family (Intel SDM vol. 2C, XSAVE, XRSTOR, XSAVEOPT,
 * XSAVEC): 0F AE /4, /5, /6 and 0F C7 /4 with a memory operand and no 66,
 * F2 or F3 prefix (those select CLWB, PTWRITE, VMCLEAR... or #UD); REX.W picks
 * the 64-bit x87 pointer format; XSAVES and XRSTORS (0F C7 /5, /3) with
 * CPUID.(0DH,1):EAX[3]. The work is in xsave_helper.c.
 */
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"

bool vex_allowed(const DisasContext *s)
{
    return x86_vex_allowed(s->env, s->flags);
}

/* the kind (XSAVE_*) of 0F AE / 0F C7 with ModRM reg field reg, -1 if none */
static int xsave_kind(unsigned b, int reg)
{
    if (b == 0x1ae) {
        return reg == 4 ? XSAVE_STD : reg == 5 ? XSAVE_RSTOR : reg == 6 ? XSAVE_OPT : -1;
    }
    if (b != 0x1c7) {
        return -1;
    }
    return reg == 4 ? XSAVE_C : reg == 5 ? XSAVE_S : reg == 3 ? XSAVE_RSTORS : -1;
}

bool gen_xsave_insn(DisasContext *s, unsigned b)
{
    uint8_t modrm;
    int kind;

    if ((b != 0x1ae && b != 0x1c7) ||
        (s->prefix & (PREFIX_DATA | PREFIX_REPZ | PREFIX_REPNZ | PREFIX_LOCK)) ||
        !x86_peek_code(s, &modrm) || (modrm >> 6) == 3 ||
        (kind = xsave_kind(b, (modrm >> 3) & 7)) < 0) {
        return false;
    }
    if (!x86_cpu_has(s->env, X86_FEAT_XSAVE) ||
        ((kind == XSAVE_S || kind == XSAVE_RSTORS) && !x86_has_xsaves(s->env))) {
        return false;                       /* a CPU without them: #UD */
    }
    /* the in_asm mnemonic (REX.W forms too) comes from disas.c's group 9/15 */
    x86_decode_modrm(s);
    gen_lea_modrm(s);
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, s->g->rip, s->pc_start);
    TCGv args[2] = { s->A0, tcg_constant(s->tcg, TCG_TYPE_I32,
                                         (uint32_t)kind | (s->rex_w ? XSAVE_W64 : 0)) };
    bool restore = kind == XSAVE_RSTOR || kind == XSAVE_RSTORS;
    gen_helper_env(s, restore ? (void *)helper_xrstor : (void *)helper_xsave,
                   0, NULL, 2, args);
    if (kind == XSAVE_RSTOR) {
        gen_end_after_mxcsr_load(s);    /* MXCSR is in the block key */
    }
    return true;
}
