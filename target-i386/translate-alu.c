/*
 * x86 front end: data movement and arithmetic of the general-purpose
 * instruction set (Intel SDM vol. 2A-2D, per-instruction pages; opcode map in
 * vol. 2D, appendix A).
 */
#include "target-i386/translate.h"

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

#define G(s) ((s)->g)

static int byte_or_full(DisasContext *s, unsigned b)
{
    return (b & 1) ? s->dflag : MO_8;
}

/* immediate size of an Iz operand */
static int imm_size(int ot)
{
    return ot == MO_8 ? 1 : ot == MO_16 ? 2 : 4;
}

void set_cc_arith(DisasContext *s, TCGv dst, TCGv src, int group, int ot)
{
    tcg_gen_mov(s->tcg, G(s)->cc_src, src);
    if (group != CC_OP_SUBB) {
        tcg_gen_mov(s->tcg, G(s)->cc_dst, dst);
    }
    set_cc_op(s, group + ot);
}

/* Where an ALU result goes: nowhere (CMP/TEST), the r/m operand (address in
 * A0 when memory), or a general register. */
enum { DEST_NONE = -2, DEST_MODRM = -1 };

static void gen_store_result(DisasContext *s, int dest, int ot, TCGv val)
{
    if (dest == DEST_MODRM) {
        gen_st_modrm(s, ot, val, true);
    } else if (dest >= 0) {
        gen_st_reg(s, ot, dest, val);
    }
}

/*
 * A 32-bit result bound for a register, zero-extended in place right after the
 * op that computed it: the optimizer then emits that op as a 32-bit host op
 * (tcg/optimize.c narrow_to_32) and the register write needs no extension.
 * The flags read only the low 32 bits of it (cc_helper.c masks by size).
 */
static void gen_zext32_result(DisasContext *s, int dest, int ot, TCGv val)
{
    if (ot == MO_32 && (dest >= 0 || (dest == DEST_MODRM && s->mod == 3))) {
        tcg_gen_ext32u(s->tcg, val, val);
    }
}

/*
 * T0 = T0 op T1, stored to dest, then the flags. The store comes before the
 * cc globals change so that a faulting store leaves the flags of the previous
 * instruction intact (the fault restarts this one).
 */
static void gen_alu_op(DisasContext *s, int op, int ot, int dest)
{
    TCGContext *t = s->tcg;
    TCGv T0 = s->T0, T1 = s->T1, extra = NULL, first = NULL;

    switch (op) {
    case OP_ADD:
        tcg_gen_add(t, T0, T0, T1);
        break;
    case OP_ADC:
    case OP_SBB:
        extra = tcg_new64(s);
        gen_compute_cf(s, extra);
        if (op == OP_ADC) {
            tcg_gen_add(t, T0, T0, T1);
            tcg_gen_add(t, T0, T0, extra);
        } else {
            tcg_gen_sub(t, T0, T0, T1);
            tcg_gen_sub(t, T0, T0, extra);
        }
        break;
    case OP_SUB:
    case OP_CMP:
        /* the difference in a new temp: the first operand (cc_src2) stays
         * where it is instead of being copied first */
        first = T0;
        T0 = tcg_new64(s);
        tcg_gen_sub(t, T0, first, T1);
        break;
    case OP_AND:
        tcg_gen_and(t, T0, T0, T1);
        break;
    case OP_OR:
        tcg_gen_or(t, T0, T0, T1);
        break;
    default:
        tcg_gen_xor(t, T0, T0, T1);
        break;
    }
    if (op != OP_CMP) {
        gen_zext32_result(s, dest, ot, T0);
    }
    gen_store_result(s, op == OP_CMP ? DEST_NONE : dest, ot, T0);
    switch (op) {
    case OP_ADD:
        set_cc_arith(s, T0, T1, CC_OP_ADDB, ot);
        break;
    case OP_ADC:
    case OP_SBB:
        tcg_gen_mov(t, G(s)->cc_src2, extra);
        set_cc_arith(s, T0, T1, op == OP_ADC ? CC_OP_ADCB : CC_OP_SBBB, ot);
        tcg_temp_free(t, extra);
        break;
    case OP_SUB:
    case OP_CMP:
        tcg_gen_mov(t, G(s)->cc_src2, first);
        set_cc_arith(s, T0, T1, CC_OP_SUBB, ot);
        /* callers find the result in T0 (a dead move when they do not) */
        tcg_gen_mov(t, first, T0);
        tcg_temp_free(t, T0);
        break;
    default:
        tcg_gen_mov(t, G(s)->cc_dst, T0);
        set_cc_op(s, CC_OP_LOGICB + ot);
        break;
    }
}

/* 00-3F: ALU with the operand forms Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / rAX,Iz */
static void disas_alu_forms(DisasContext *s, unsigned b)
{
    int op = (b >> 3) & 7, form = b & 7, ot = byte_or_full(s, b);

    if (form < 4) {
        x86_decode_modrm(s);
    }
    if (form == 0 || form == 1) {
        /* XOR r, r: the result and flags are known (idiom for zeroing) */
        if (op == OP_XOR && s->mod == 3 && s->rm == s->reg &&
            !(ot == MO_8 && s->rm >= 4 && s->rm < 8 && !(s->prefix & PREFIX_REX))) {
            tcg_gen_movi(s->tcg, s->T0, 0);
            gen_st_reg(s, ot, s->rm, s->T0);
            set_cc_op(s, CC_OP_CLR);
            return;
        }
        gen_ld_modrm(s, ot, s->T0);
        gen_ld_reg(s, ot, s->T1, s->reg);
        gen_alu_op(s, op, ot, DEST_MODRM);
    } else if (form == 2 || form == 3) {
        gen_ld_modrm(s, ot, s->T1);
        gen_ld_reg(s, ot, s->T0, s->reg);
        gen_alu_op(s, op, ot, s->reg);
    } else {
        int64_t imm = x86_ld_imm(s, ot);
        gen_ld_reg(s, ot, s->T0, R_EAX);
        tcg_gen_movi(s->tcg, s->T1, imm);
        gen_alu_op(s, op, ot, R_EAX);
    }
}

/* 80/81/83: group 1, Eb,Ib / Ev,Iz / Ev,Ib */
static void disas_group1(DisasContext *s, unsigned b)
{
    int ot = byte_or_full(s, b);
    int op;
    int64_t imm;

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    s->rip_offset = (b == 0x81) ? imm_size(ot) : 1;
    if (s->mod != 3) {
        gen_lea_modrm(s);
    }
    imm = x86_ld_imm(s, b == 0x81 ? ot : MO_8);
    if (s->mod == 3) {
        gen_ld_reg(s, ot, s->T0, s->rm);
    } else {
        gen_ld(s, s->T0, s->A0, ot);
    }
    tcg_gen_movi(s->tcg, s->T1, imm);
    gen_alu_op(s, op, ot, DEST_MODRM);
}

/*
 * INC/DEC leave CF alone (SDM vol. 2A, INC, DEC). Right after a SUB-group op
 * (CMP, SUB, ...) or INC/DEC over one, all of the same size, that CF is still
 * the borrow of the SUB's operands in cc_src/cc_src2: they stay, and the
 * INCSUB/DECSUB state reads them (gzip's `cmp; jae; dec; jne` loop computed
 * that borrow at every DEC). Otherwise CF is computed here into cc_src.
 */
static void gen_inc_dec(DisasContext *s, int ot, bool dec, int dest)
{
    bool over_sub = s->cc_op == CC_OP_SUBB + ot || s->cc_op == CC_OP_INCSUBB + ot ||
                    s->cc_op == CC_OP_DECSUBB + ot;
    TCGv cf = NULL;

    if (!over_sub) {
        cf = tcg_new64(s);
        gen_compute_cf(s, cf);
    }
    tcg_gen_addi(s->tcg, s->T0, s->T0, dec ? -1 : 1);
    gen_zext32_result(s, dest, ot, s->T0);
    gen_store_result(s, dest, ot, s->T0);
    if (cf) {
        tcg_gen_mov(s->tcg, G(s)->cc_src, cf);
        tcg_temp_free(s->tcg, cf);
    }
    tcg_gen_mov(s->tcg, G(s)->cc_dst, s->T0);
    set_cc_op(s, (over_sub ? (dec ? CC_OP_DECSUBB : CC_OP_INCSUBB)
                           : (dec ? CC_OP_DECB : CC_OP_INCB)) + ot);
}

/* 84/85 TEST Eb/Ev,G and A8/A9 TEST AL/rAX,imm */
static void disas_test(DisasContext *s, unsigned b)
{
    int ot = byte_or_full(s, b);

    if (b < 0xa8) {
        x86_decode_modrm(s);
        gen_ld_modrm(s, ot, s->T0);
        gen_ld_reg(s, ot, s->T1, s->reg);
    } else {
        tcg_gen_movi(s->tcg, s->T1, x86_ld_imm(s, ot));
        gen_ld_reg(s, ot, s->T0, R_EAX);
    }
    tcg_gen_and(s->tcg, s->T0, s->T0, s->T1);
    tcg_gen_mov(s->tcg, G(s)->cc_dst, s->T0);
    set_cc_op(s, CC_OP_LOGICB + ot);
}

/* F6/F7 /4../7: MUL, IMUL, DIV, IDIV with the implicit rAX/rDX operands */
static void gen_mul_acc(DisasContext *s, int ot, bool sign)
{
    TCGContext *t = s->tcg;
    TCGv T0 = s->T0, T1 = s->T1, hi = s->tmp;

    if (ot == MO_64) {
        tcg_gen_mov(t, T0, G(s)->regs[R_EAX]);
        if (sign) {
            tcg_gen_muls2(t, T0, hi, T0, T1);
        } else {
            tcg_gen_mulu2(t, T0, hi, T0, T1);
        }
        tcg_gen_mov(t, G(s)->regs[R_EAX], T0);
        tcg_gen_mov(t, G(s)->regs[R_EDX], hi);
        tcg_gen_mov(t, G(s)->cc_dst, T0);
        if (sign) {
            tcg_gen_sari(t, T1, T0, 63);
            tcg_gen_sub(t, G(s)->cc_src, hi, T1);
        } else {
            tcg_gen_mov(t, G(s)->cc_src, hi);
        }
        set_cc_op(s, CC_OP_MULB + ot);
        return;
    }
    gen_ld_reg(s, ot, T0, R_EAX);
    if (sign) {
        gen_extend(s, T0, T0, ot, true);
        gen_extend(s, T1, T1, ot, true);
    }
    tcg_gen_mul(t, T0, T0, T1);
    tcg_gen_mov(t, G(s)->cc_dst, T0);
    if (sign) {
        gen_extend(s, hi, T0, ot, true);
        tcg_gen_sub(t, G(s)->cc_src, T0, hi);
    } else {
        tcg_gen_shri(t, G(s)->cc_src, T0, 8 << ot);
    }
    if (ot == MO_8) {
        gen_st_reg(s, MO_16, R_EAX, T0);
    } else {
        gen_st_reg(s, ot, R_EAX, T0);
        tcg_gen_shri(t, T0, T0, 8 << ot);
        gen_st_reg(s, ot, R_EDX, T0);
    }
    set_cc_op(s, CC_OP_MULB + ot);
}

/* DIV/IDIV in the helper, which raises #DE (divisor in T0) */
static void gen_div_helper(DisasContext *s, int ot, bool sign)
{
    TCGv args[2] = { s->T0, tcg_constant(s->tcg, TCG_TYPE_I32, ot) };

    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
    gen_helper_env(s, sign ? (void *)helper_idivq : (void *)helper_divq, 0, NULL, 2, args);
}

/*
 * 32/64-bit DIV/IDIV (SDM vol. 2A, DIV and IDIV): when the quotient is sure
 * to fit (DIV: high half of the dividend below the divisor, 64-bit: RDX = 0;
 * IDIV: a 64-bit dividend, divisor not 0 or -1, quotient checked to fit 32
 * bits) one 64-bit IR division (divu2/divs2: quotient and remainder at
 * once, no call); everything else, including #DE, goes to the helper.
 */
static void gen_div_fast(DisasContext *s, int ot, bool sign)
{
    TCGContext *t = s->tcg;
    TCGLabel *slow = tcg_gen_new_label(t), *done = tcg_gen_new_label(t);
    TCGv divisor = tcg_new64(s), dividend = tcg_new64(s), q = tcg_new64(s);
    TCGv check = tcg_new64(s), rem = tcg_new64(s);
    TCGv rax = G(s)->regs[R_EAX], rdx = G(s)->regs[R_EDX];

    gen_update_cc_op(s);
    gen_extend(s, divisor, s->T0, ot, sign);
    tcg_gen_brcondi(t, TCG_COND_EQ, divisor, 0, slow);
    if (sign) {
        tcg_gen_brcondi(t, TCG_COND_EQ, divisor, -1, slow);
    }
    if (ot == MO_32) {
        tcg_gen_deposit(t, dividend, rax, rdx, 32, 32);
        if (!sign) {
            tcg_gen_ext32u(t, check, rdx);
            tcg_gen_brcond(t, TCG_COND_GEU, check, divisor, slow);
        }
    } else {
        tcg_gen_mov(t, dividend, rax);
        if (sign) {
            tcg_gen_sari(t, check, rax, 63);
            tcg_gen_brcond(t, TCG_COND_NE, rdx, check, slow);
        } else {
            tcg_gen_brcondi(t, TCG_COND_NE, rdx, 0, slow);
        }
    }
    if (sign) {
        tcg_gen_divs2(t, q, rem, dividend, divisor);
        if (ot == MO_32) {
            tcg_gen_ext32s(t, check, q);
            tcg_gen_brcond(t, TCG_COND_NE, check, q, slow);
        }
    } else {
        tcg_gen_divu2(t, q, rem, dividend, divisor);
    }
    gen_st_reg(s, ot, R_EAX, q);
    gen_st_reg(s, ot, R_EDX, rem);
    tcg_gen_br(t, done);
    tcg_gen_set_label(t, slow);
    gen_div_helper(s, ot, sign);
    tcg_gen_set_label(t, done);
    tcg_temp_free(t, divisor);
    tcg_temp_free(t, dividend);
    tcg_temp_free(t, q);
    tcg_temp_free(t, check);
    tcg_temp_free(t, rem);
}

static void disas_group3(DisasContext *s, unsigned b)
{
    int ot = byte_or_full(s, b);
    int op;

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    if (op == 0 || op == 1) {
        s->rip_offset = imm_size(ot);
        gen_ld_modrm(s, ot, s->T0);
        tcg_gen_andi(s->tcg, s->T0, s->T0, x86_ld_imm(s, ot));
        tcg_gen_mov(s->tcg, G(s)->cc_dst, s->T0);
        set_cc_op(s, CC_OP_LOGICB + ot);
        return;
    }
    gen_ld_modrm(s, ot, s->T0);
    switch (op) {
    case 2:   /* NOT: flags unaffected */
        tcg_gen_not(s->tcg, s->T0, s->T0);
        gen_st_modrm(s, ot, s->T0, true);
        break;
    case 3:   /* NEG: flags of 0 - src */
        tcg_gen_mov(s->tcg, s->T1, s->T0);
        tcg_gen_movi(s->tcg, s->T0, 0);
        gen_alu_op(s, OP_SUB, ot, DEST_MODRM);
        break;
    case 4:
    case 5:
        tcg_gen_mov(s->tcg, s->T1, s->T0);
        gen_mul_acc(s, ot, op == 5);
        break;
    default:
        if (ot == MO_32 || ot == MO_64) {
            gen_div_fast(s, ot, op == 7);
        } else {
            gen_div_helper(s, ot, op == 7);
        }
        break;
    }
}

/*
 * 32-bit IMUL Gv,Ev[,imm] (SDM vol. 2A, IMUL): the destination is the low 32
 * bits of the product, which depend only on the low 32 bits of the factors,
 * so a 32-bit multiply (mul + ext32u, which the optimizer turns into one
 * 32-bit host multiply) on the registers as they are. CF = OF = the signed
 * product does not fit 32 bits: cc_src = full product - its sign-extended low
 * half, from a separate 64-bit multiply that liveness drops when nothing
 * reads cc_src before it is overwritten (the usual case).
 */
static void gen_imul32(DisasContext *s, bool has_imm)
{
    TCGContext *t = s->tcg;
    TCGv a = s->mod == 3 ? G(s)->regs[s->rm & 15] : s->T0;
    TCGv b = has_imm ? s->T1 : G(s)->regs[s->reg & 15];
    TCGv lo = tcg_new64(s), wa = tcg_new64(s), wb = tcg_new64(s);

    tcg_gen_mul(t, lo, a, b);
    tcg_gen_ext32u(t, lo, lo);
    tcg_gen_ext32s(t, wa, a);
    tcg_gen_ext32s(t, wb, b);
    tcg_gen_mul(t, wa, wa, wb);
    tcg_gen_ext32s(t, wb, wa);
    tcg_gen_sub(t, G(s)->cc_src, wa, wb);
    tcg_gen_mov(t, G(s)->cc_dst, lo);
    gen_st_reg(s, MO_32, s->reg, lo);
    set_cc_op(s, CC_OP_MULB + MO_32);
    tcg_temp_free(t, lo);
    tcg_temp_free(t, wa);
    tcg_temp_free(t, wb);
}

/* IMUL Gv,Ev (0F AF) and Gv,Ev,imm (69, 6B) */
static void disas_imul_reg(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = s->dflag;

    x86_decode_modrm(s);
    if (b == 0x69 || b == 0x6b) {
        s->rip_offset = b == 0x69 ? imm_size(ot) : 1;
        gen_ld_modrm(s, ot, s->T0);
        tcg_gen_movi(t, s->T1, x86_ld_imm(s, b == 0x69 ? ot : MO_8));
    } else {
        gen_ld_modrm(s, ot, s->T0);
        gen_ld_reg(s, ot, s->T1, s->reg);
    }
    if (ot == MO_64) {
        tcg_gen_muls2(t, s->T0, s->tmp, s->T0, s->T1);
        tcg_gen_sari(t, s->T1, s->T0, 63);
        tcg_gen_sub(t, G(s)->cc_src, s->tmp, s->T1);
    } else if (ot == MO_32) {
        gen_imul32(s, b == 0x69 || b == 0x6b);
        return;
    } else {
        gen_extend(s, s->T0, s->T0, ot, true);
        gen_extend(s, s->T1, s->T1, ot, true);
        tcg_gen_mul(t, s->T0, s->T0, s->T1);
        gen_extend(s, s->tmp, s->T0, ot, true);
        tcg_gen_sub(t, G(s)->cc_src, s->T0, s->tmp);
    }
    tcg_gen_mov(t, G(s)->cc_dst, s->T0);
    gen_st_reg(s, ot, s->reg, s->T0);
    set_cc_op(s, CC_OP_MULB + ot);
}

/* FE/FF /0 /1: INC/DEC Eb/Ev */
static bool disas_group45_incdec(DisasContext *s, unsigned b)
{
    int ot = byte_or_full(s, b);
    int op;
    uint64_t save_pc = s->pc;

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    if (op > 1) {
        if (b == 0xfe) {
            return false;
        }
        s->pc = save_pc;     /* the rest of group 5 is control flow */
        return false;
    }
    gen_ld_modrm(s, ot, s->T0);
    gen_inc_dec(s, ot, op == 1, DEST_MODRM);
    return true;
}

/* Helpers that set the flags run before the result is stored; writing the
 * unchanged operand back first makes a write fault happen before any state
 * changes (T0 holds the operand, A0 its address). */
static void gen_probe_store(DisasContext *s, int ot)
{
    if (s->mod != 3) {
        gen_st(s, s->T0, s->A0, ot);
    }
}

/*
 * Flags of a shift by a count known only at run time: the flags change only
 * for a nonzero masked count (SDM vol. 2B, SAL/SAR/SHL/SHR and SHLD/SHRD,
 * "Flags Affected"), so the cc globals and cc_op are selected at run time and
 * cc_op becomes dynamic. T0 holds the result, before the operand shifted by
 * count - 1.
 */
static void gen_shift_cc_cl(DisasContext *s, int cc_op, TCGv count, TCGv before)
{
    TCGContext *t = s->tcg;
    TCGv zero = tcg_const64(s, 0);
    TCGv count32 = tcg_temp_new(t, TCG_TYPE_I32);

    gen_update_cc_op(s);
    tcg_gen_movcond(t, TCG_COND_NE, G(s)->cc_dst, count, zero, s->T0, G(s)->cc_dst);
    tcg_gen_movcond(t, TCG_COND_NE, G(s)->cc_src, count, zero, before, G(s)->cc_src);
    tcg_gen_extrl_i64_i32(t, count32, count);
    tcg_gen_movcond(t, TCG_COND_NE, G(s)->cc_op, count32, tcg_constant(t, TCG_TYPE_I32, 0),
                    tcg_constant(t, TCG_TYPE_I32, cc_op), G(s)->cc_op);
    set_cc_op(s, CC_OP_DYNAMIC);
    tcg_temp_free(t, count32);
}

/* A shift or rotate count taken from CL, masked as the SDM's "Operation"
 * sections mask it (to 5 bits, 6 with REX.W). */
static void gen_masked_cl(DisasContext *s, TCGv count, int mask)
{
    gen_ld_reg(s, MO_8, count, R_ECX);
    tcg_gen_andi(s->tcg, count, count, mask);
}

/*
 * SHL/SHR/SAR r/m, CL inline: the flags change only for a nonzero masked
 * count (SDM vol. 2B, SAL/SAR/SHL/SHR "Flags Affected"), so the cc globals
 * and cc_op are selected at run time and cc_op becomes dynamic.
 */
static void gen_shift_cl(DisasContext *s, int op, int ot, int mask)
{
    TCGContext *t = s->tcg;
    TCGv count = s->T1, before = s->tmp;
    TCGv minus1 = tcg_new64(s);
    bool left = op == SHIFT_SHL || op == SHIFT_SAL;

    gen_masked_cl(s, count, mask);
    tcg_gen_subi(t, minus1, count, 1);
    if (op == SHIFT_SAR) {
        gen_extend(s, s->T0, s->T0, ot, true);
    }
    if (left) {
        tcg_gen_shl(t, before, s->T0, minus1);
        tcg_gen_shl(t, s->T0, s->T0, count);
    } else if (op == SHIFT_SHR) {
        tcg_gen_shr(t, before, s->T0, minus1);
        tcg_gen_shr(t, s->T0, s->T0, count);
    } else {
        tcg_gen_sar(t, before, s->T0, minus1);
        tcg_gen_sar(t, s->T0, s->T0, count);
    }
    gen_st_modrm(s, ot, s->T0, true);
    gen_shift_cc_cl(s, (left ? CC_OP_SHLB : CC_OP_SARB) + ot, count, before);
    tcg_temp_free(t, minus1);
}

/*
 * The cc state after a rotate that happened (nonzero masked count): rot in
 * cc_rot, cc_op layered over the previous base op with rot_bits (see
 * CC_OP_ROT). For a count known only at run time (count != NULL) a zero
 * count keeps the old state.
 */
static void gen_rotate_cc(DisasContext *s, uint32_t rot_bits, TCGv rot, TCGv count)
{
    TCGContext *t = s->tcg;
    TCGv new_op, count32;

    if (!count) {
        tcg_gen_mov(t, G(s)->cc_rot, rot);
        if (s->cc_op != CC_OP_DYNAMIC) {
            set_cc_op(s, (s->cc_op & CC_OP_BASE_MASK) | rot_bits);
        } else {
            tcg_gen_andi(t, G(s)->cc_op, G(s)->cc_op, CC_OP_BASE_MASK);
            tcg_gen_ori(t, G(s)->cc_op, G(s)->cc_op, rot_bits);
        }
        return;
    }
    gen_update_cc_op(s);
    new_op = tcg_temp_new(t, TCG_TYPE_I32);
    count32 = tcg_temp_new(t, TCG_TYPE_I32);
    if (s->cc_op != CC_OP_DYNAMIC) {
        tcg_gen_movi(t, new_op, (s->cc_op & CC_OP_BASE_MASK) | rot_bits);
    } else {
        tcg_gen_andi(t, new_op, G(s)->cc_op, CC_OP_BASE_MASK);
        tcg_gen_ori(t, new_op, new_op, rot_bits);
    }
    tcg_gen_extrl_i64_i32(t, count32, count);
    tcg_gen_movcond(t, TCG_COND_NE, G(s)->cc_op, count32, tcg_constant(t, TCG_TYPE_I32, 0),
                    new_op, G(s)->cc_op);
    tcg_gen_movcond(t, TCG_COND_NE, G(s)->cc_rot, count, tcg_const64(s, 0), rot,
                    G(s)->cc_rot);
    set_cc_op(s, CC_OP_DYNAMIC);
    tcg_temp_free(t, new_op);
    tcg_temp_free(t, count32);
}

/*
 * ROL/ROR r/m by 1, imm8 or CL inline (SDM vol. 2B, RCL/RCR/ROL/ROR): the
 * count is masked to 5 bits (6 with REX.W) and then taken modulo the operand
 * size. Replicating an 8/16/32-bit operand across 64 bits makes a 64-bit
 * rotate by the masked count produce the narrow rotate in the low bits.
 * count is the masked immediate count, or -1 for CL.
 */
static void gen_rotate32(DisasContext *s, bool right, TCGv amount, int count);
static void gen_rotate_replicated(DisasContext *s, bool right, int ot, TCGv amount, int count);

static void gen_rotate(DisasContext *s, int op, int ot, int count, int mask)
{
    bool right = op == SHIFT_ROR;
    TCGv amount = NULL;

    if (count == 0) {
        gen_st_modrm(s, ot, s->T0, true);
        return;
    }
    if (count < 0) {
        amount = s->T1;
        gen_masked_cl(s, amount, mask);
    }
    if (ot == MO_32) {
        /* a 32-bit host rotate (the masked count is below 32); the zero-extended
         * result has the bits the flags read (cc_helper.c rotate_flags) */
        gen_rotate32(s, right, amount, count);
    } else {
        gen_rotate_replicated(s, right, ot, amount, count);
    }
    /* store first: a faulting store must not change the flags */
    gen_st_modrm(s, ot, s->T0, true);
    gen_rotate_cc(s, CC_OP_ROT | (right ? CC_OP_ROT_RIGHT : 0) |
                  (uint32_t)ot << CC_OP_ROT_SIZE_SHIFT, s->T0, amount);
}

static void gen_rotate32(DisasContext *s, bool right, TCGv amount, int count)
{
    TCGContext *t = s->tcg;
    TCGv v = tcg_temp_new(t, TCG_TYPE_I32);

    tcg_gen_extrl_i64_i32(t, v, s->T0);
    if (amount) {
        TCGv n = tcg_temp_new(t, TCG_TYPE_I32);
        tcg_gen_extrl_i64_i32(t, n, amount);
        right ? tcg_gen_rotr(t, v, v, n) : tcg_gen_rotl(t, v, v, n);
        tcg_temp_free(t, n);
    } else {
        right ? tcg_gen_rotri(t, v, v, count) : tcg_gen_rotli(t, v, v, count);
    }
    tcg_gen_extu_i32_i64(t, s->T0, v);
    tcg_temp_free(t, v);
}

static void gen_rotate_replicated(DisasContext *s, bool right, int ot, TCGv amount, int count)
{
    TCGContext *t = s->tcg;

    switch (ot) {
    case MO_8:
        tcg_gen_ext8u(t, s->T0, s->T0);
        tcg_gen_muli(t, s->T0, s->T0, 0x0101010101010101ULL);
        break;
    case MO_16:
        tcg_gen_ext16u(t, s->T0, s->T0);
        tcg_gen_muli(t, s->T0, s->T0, 0x0001000100010001ULL);
        break;
    default:
        break;
    }
    if (amount) {
        right ? tcg_gen_rotr(t, s->T0, s->T0, amount) : tcg_gen_rotl(t, s->T0, s->T0, amount);
    } else {
        right ? tcg_gen_rotri(t, s->T0, s->T0, count) : tcg_gen_rotli(t, s->T0, s->T0, count);
    }
}

/*
 * RCL/RCR through two pure helpers (result, then CF|OF), which need only the
 * old CF: the other flags stay lazy (CC_OP_ROT_DIRECT). count is the masked
 * immediate count, or -1 for CL.
 */
static void gen_rotate_carry(DisasContext *s, int op, int ot, int count, int mask)
{
    TCGContext *t = s->tcg;
    TCGv cf = tcg_new64(s), flags = tcg_new64(s), amount = NULL, args[4];

    if (count == 0) {
        gen_st_modrm(s, ot, s->T0, true);
        return;
    }
    if (count < 0) {
        amount = s->T1;
        gen_masked_cl(s, amount, mask);
    }
    gen_compute_cf(s, cf);
    args[0] = s->T0;
    args[1] = amount ? amount : tcg_const64(s, count);
    args[2] = cf;
    args[3] = tcg_constant(t, TCG_TYPE_I32, op | ot << 8);
    tcg_gen_call(t, helper_rotate_carry_flags, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
                 flags, 4, args);
    tcg_gen_call(t, helper_rotate_carry, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
                 s->T0, 4, args);
    gen_st_modrm(s, ot, s->T0, true);
    gen_rotate_cc(s, CC_OP_ROT | CC_OP_ROT_DIRECT, flags, amount);
    tcg_temp_free(t, cf);
    tcg_temp_free(t, flags);
}

/* C0/C1/D0..D3: group 2 shifts and rotates */
static void disas_group2(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = byte_or_full(s, b);
    int op, mask = ot == MO_64 ? 63 : 31;
    int count = -1;

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    if (b == 0xc0 || b == 0xc1) {
        s->rip_offset = 1;
    }
    gen_ld_modrm(s, ot, s->T0);
    if (b == 0xc0 || b == 0xc1) {
        count = x86_ldub_code(s) & mask;
    } else if (b == 0xd0 || b == 0xd1) {
        count = 1;
    }
    if (op == SHIFT_ROL || op == SHIFT_ROR) {
        gen_rotate(s, op, ot, count, mask);
        return;
    }
    if (op == SHIFT_RCL || op == SHIFT_RCR) {
        gen_rotate_carry(s, op, ot, count, mask);
        return;
    }
    if (count >= 1 && (op == SHIFT_SHL || op == SHIFT_SAL || op == SHIFT_SHR || op == SHIFT_SAR)) {
        if (op == SHIFT_SAR) {
            gen_extend(s, s->T0, s->T0, ot, true);
        }
        if (op == SHIFT_SHL || op == SHIFT_SAL) {
            tcg_gen_shli(t, s->tmp, s->T0, count - 1);
            tcg_gen_shli(t, s->T0, s->T0, count);
        } else if (op == SHIFT_SHR) {
            tcg_gen_shri(t, s->tmp, s->T0, count - 1);
            tcg_gen_shri(t, s->T0, s->T0, count);
        } else {
            tcg_gen_sari(t, s->tmp, s->T0, count - 1);
            tcg_gen_sari(t, s->T0, s->T0, count);
        }
        /* store first: a faulting store must not change the flags */
        gen_st_modrm(s, ot, s->T0, true);
        tcg_gen_mov(t, G(s)->cc_src, s->tmp);
        tcg_gen_mov(t, G(s)->cc_dst, s->T0);
        set_cc_op(s, (op == SHIFT_SHL || op == SHIFT_SAL ? CC_OP_SHLB : CC_OP_SARB) + ot);
        return;
    } else if (count < 0 && (op == SHIFT_SHL || op == SHIFT_SAL || op == SHIFT_SHR ||
                             op == SHIFT_SAR)) {
        gen_shift_cl(s, op, ot, mask);
        return;
    }
    /* a masked count of 0: the operand is written back unchanged, flags kept */
    gen_st_modrm(s, ot, s->T0, true);
}

/*
 * SHLD/SHRD with a nonzero immediate count on 32/64-bit operands, inline:
 * dest (T0) shifted with bits from src (T1) coming in; the flags are those of
 * SHL/SHR of the composite (CF = last bit out, OF = sign change for count 1).
 */
static void gen_shiftd_imm(DisasContext *s, int ot, unsigned count, bool right)
{
    TCGContext *t = s->tcg;
    TCGv before = s->tmp;

    if (ot == MO_32) {
        /* 64-bit composite: dest:src (left) or src:dest (right) */
        if (right) {
            tcg_gen_deposit(t, s->T0, s->T0, s->T1, 32, 32);
            tcg_gen_shri(t, before, s->T0, count - 1);
            tcg_gen_shri(t, s->T0, s->T0, count);
        } else {
            tcg_gen_deposit(t, s->T0, s->T1, s->T0, 32, 32);
            tcg_gen_shli(t, before, s->T0, count - 1);
            tcg_gen_shli(t, s->T0, s->T0, count);
            tcg_gen_shri(t, before, before, 32);
            tcg_gen_shri(t, s->T0, s->T0, 32);
        }
        tcg_gen_ext32u(t, s->T0, s->T0);
    } else {
        TCGv part = tcg_new64(s);
        if (right) {
            tcg_gen_shri(t, before, s->T0, count - 1);
            if (count > 1) {
                tcg_gen_shli(t, part, s->T1, 65 - count);
                tcg_gen_or(t, before, before, part);
            }
            tcg_gen_shri(t, s->T0, s->T0, count);
            tcg_gen_shli(t, part, s->T1, 64 - count);
        } else {
            tcg_gen_shli(t, before, s->T0, count - 1);
            if (count > 1) {
                tcg_gen_shri(t, part, s->T1, 65 - count);
                tcg_gen_or(t, before, before, part);
            }
            tcg_gen_shli(t, s->T0, s->T0, count);
            tcg_gen_shri(t, part, s->T1, 64 - count);
        }
        tcg_gen_or(t, s->T0, s->T0, part);
        tcg_temp_free(t, part);
    }
    gen_st_modrm(s, ot, s->T0, true);
    tcg_gen_mov(t, G(s)->cc_src, before);
    tcg_gen_mov(t, G(s)->cc_dst, s->T0);
    set_cc_op(s, (right ? CC_OP_SARB : CC_OP_SHLB) + ot);
}

/*
 * SHLD/SHRD by CL on 32/64-bit operands, inline (SDM vol. 2B, SHLD/SHRD):
 * count masked to 5 bits (6 for 64-bit), a zero count changes nothing. The
 * 64-bit forms bring in src bits with a pre-shift by one so that no shift
 * amount reaches 64: (src >> 1) >> (63 - n) is src >> (64 - n), and 0 for n = 0.
 */
static void gen_shiftd_cl(DisasContext *s, int ot, bool right)
{
    TCGContext *t = s->tcg;
    TCGv count = tcg_new64(s), minus1 = tcg_new64(s), part = tcg_new64(s);
    TCGv before = s->tmp;

    gen_masked_cl(s, count, ot == MO_64 ? 63 : 31);
    tcg_gen_subi(t, minus1, count, 1);
    tcg_gen_andi(t, minus1, minus1, 63);
    if (ot == MO_32) {
        if (right) {
            tcg_gen_deposit(t, s->T0, s->T0, s->T1, 32, 32);
            tcg_gen_shr(t, before, s->T0, minus1);
            tcg_gen_shr(t, s->T0, s->T0, count);
        } else {
            tcg_gen_deposit(t, s->T0, s->T1, s->T0, 32, 32);
            tcg_gen_shl(t, before, s->T0, minus1);
            tcg_gen_shl(t, s->T0, s->T0, count);
            tcg_gen_shri(t, before, before, 32);
            tcg_gen_shri(t, s->T0, s->T0, 32);
        }
        tcg_gen_ext32u(t, s->T0, s->T0);
    } else {
        TCGv amount = tcg_new64(s);
        /* part = src bits entering the result, amount = 63 - n */
        tcg_gen_xori(t, amount, count, 63);
        if (right) {
            tcg_gen_shli(t, part, s->T1, 1);
            tcg_gen_shl(t, part, part, amount);
            tcg_gen_shr(t, before, s->T0, minus1);
            tcg_gen_shr(t, s->T0, s->T0, count);
        } else {
            tcg_gen_shri(t, part, s->T1, 1);
            tcg_gen_shr(t, part, part, amount);
            tcg_gen_shl(t, before, s->T0, minus1);
            tcg_gen_shl(t, s->T0, s->T0, count);
        }
        tcg_gen_or(t, s->T0, s->T0, part);
        /* the bits of src in before: one position further, amount = 64 - n */
        tcg_gen_neg(t, amount, count);
        tcg_gen_andi(t, amount, amount, 63);
        if (right) {
            tcg_gen_shli(t, part, s->T1, 1);
            tcg_gen_shl(t, part, part, amount);
        } else {
            tcg_gen_shri(t, part, s->T1, 1);
            tcg_gen_shr(t, part, part, amount);
        }
        tcg_gen_or(t, before, before, part);
        tcg_temp_free(t, amount);
    }
    gen_st_modrm(s, ot, s->T0, true);
    gen_shift_cc_cl(s, (right ? CC_OP_SARB : CC_OP_SHLB) + ot, count, before);
    tcg_temp_free(t, count);
    tcg_temp_free(t, minus1);
    tcg_temp_free(t, part);
}

/* 0F A4/A5/AC/AD: SHLD/SHRD Ev,Gv,Ib/CL */
static void disas_shiftd(DisasContext *s, unsigned b)
{
    int ot = s->dflag;
    TCGv args[4];
    bool imm = !(b & 1);

    x86_decode_modrm(s);
    if (imm) {
        s->rip_offset = 1;
    }
    gen_ld_modrm(s, ot, s->T0);
    gen_ld_reg(s, ot, s->T1, s->reg);
    args[0] = s->T0;
    args[1] = s->T1;
    if (imm) {
        unsigned count = x86_ldub_code(s) & (ot == MO_64 ? 63 : 31);
        if (count != 0 && ot != MO_16) {
            gen_shiftd_imm(s, ot, count, b >= 0x1ac);
            return;
        }
        args[2] = tcg_const64(s, count);
    } else if (ot != MO_16) {
        gen_shiftd_cl(s, ot, b >= 0x1ac);
        return;
    } else {
        gen_ld_reg(s, MO_8, s->tmp, R_ECX);
        args[2] = s->tmp;
    }
    args[3] = tcg_constant(s->tcg, TCG_TYPE_I32, (b >= 0x1ac) << 8 | ot);
    gen_probe_store(s, ot);
    gen_update_cc_op(s);
    gen_helper_env(s, helper_shiftd, 0, s->T0, 4, args);
    s->cc_op = CC_OP_EFLAGS;
    s->cc_op_dirty = false;
    gen_st_modrm(s, ot, s->T0, true);
}

/* 0F A3/AB/B3/BB (Ev,Gv) and 0F BA /4../7 (Ev,Ib): BT/BTS/BTR/BTC */
static bool disas_bit_test(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = s->dflag, op, bits = 8 << ot;
    TCGv mask = s->tmp, flags;

    x86_decode_modrm(s);
    if (b == 0x1ba) {
        op = (s->modrm >> 3) & 7;
        if (op < 4) {
            return false;
        }
        op -= 4;
        s->rip_offset = 1;
        if (s->mod != 3) {
            gen_lea_modrm(s);
        }
        tcg_gen_movi(t, s->T1, x86_ldub_code(s) & (bits - 1));
    } else {
        op = (b >> 3) & 3;
        gen_ld_reg(s, ot, s->T1, s->reg);
        if (s->mod != 3) {
            /* SDM vol. 2A, BT: a register bit offset addresses memory beyond the
             * operand, signed, in operand-size units */
            gen_lea_modrm(s);
            gen_extend(s, mask, s->T1, ot, true);
            tcg_gen_sari(t, mask, mask, 3 + ot);
            tcg_gen_shli(t, mask, mask, ot);
            tcg_gen_add(t, s->A0, s->A0, mask);
            if (!s->code64 || s->aflag == MO_32) {
                tcg_gen_ext32u(t, s->A0, s->A0);
            }
        }
        tcg_gen_andi(t, s->T1, s->T1, bits - 1);
    }
    if (s->mod == 3) {
        gen_ld_reg(s, ot, s->T0, s->rm);
    } else {
        gen_ld(s, s->T0, s->A0, ot);
    }
    flags = tcg_new64(s);
    gen_compute_eflags(s, flags);
    tcg_gen_andi(t, flags, flags, ~(uint64_t)CC_C);
    tcg_gen_shr(t, mask, s->T0, s->T1);
    tcg_gen_andi(t, mask, mask, 1);
    tcg_gen_or(t, flags, flags, mask);
    if (op != 0) {
        tcg_gen_movi(t, mask, 1);
        tcg_gen_shl(t, mask, mask, s->T1);
        if (op == 1) {
            tcg_gen_or(t, s->T0, s->T0, mask);
        } else if (op == 2) {
            tcg_gen_andc(t, s->T0, s->T0, mask);
        } else {
            tcg_gen_xor(t, s->T0, s->T0, mask);
        }
        gen_st_modrm(s, ot, s->T0, true);
    }
    gen_set_eflags_cc(s, flags);
    tcg_temp_free(t, flags);
    return true;
}

/* 0F BC/BD: BSF/BSR, with F3: TZCNT/LZCNT; 0F B8 with F3: POPCNT */
static bool disas_bit_scan(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = s->dflag, bits = 8 << ot;
    bool rep = s->prefix & PREFIX_REPZ;

    if (b == 0x1b8 && !rep) {
        return false;
    }
    x86_decode_modrm(s);
    gen_ld_modrm(s, ot, s->T0);
    if (b == 0x1b8) {
        tcg_gen_ctpop(t, s->T1, s->T0);
        tcg_gen_setcondi(t, TCG_COND_EQ, s->tmp, s->T0, 0);
        tcg_gen_shli(t, s->tmp, s->tmp, 6);    /* ZF */
        gen_set_eflags_cc(s, s->tmp);
        gen_st_reg(s, ot, s->reg, s->T1);
        return true;
    }
    if (rep) {
        if (b == 0x1bc) {
            tcg_gen_ctz(t, s->T1, s->T0, tcg_const64(s, bits));
        } else {
            tcg_gen_clz(t, s->T1, s->T0, tcg_const64(s, 64));
            tcg_gen_subi(t, s->T1, s->T1, 64 - bits);
        }
        tcg_gen_mov(t, G(s)->cc_src, s->T0);
        tcg_gen_mov(t, G(s)->cc_dst, s->T1);
        set_cc_op(s, CC_OP_BMIB + ot);
        gen_st_reg(s, ot, s->reg, s->T1);
        return true;
    }
    /* SDM: BSF/BSR leave the destination unchanged (AMD; Intel: undefined) for a
     * zero source; ZF = source == 0 */
    if (b == 0x1bc) {
        tcg_gen_ctz(t, s->T1, s->T0, tcg_const64(s, 0));
    } else {
        tcg_gen_clz(t, s->T1, s->T0, tcg_const64(s, 64));
        tcg_gen_xori(t, s->T1, s->T1, 63);
    }
    /* the whole register is left alone for a zero source (no 32-bit zero
     * extension either) */
    tcg_gen_mov(t, s->tmp, G(s)->regs[s->reg]);
    gen_st_reg(s, ot, s->reg, s->T1);
    tcg_gen_movcond(t, TCG_COND_EQ, G(s)->regs[s->reg], s->T0, tcg_const64(s, 0),
                    s->tmp, G(s)->regs[s->reg]);
    tcg_gen_setcondi(t, TCG_COND_EQ, s->tmp, s->T0, 0);
    tcg_gen_shli(t, s->tmp, s->tmp, 6);
    gen_set_eflags_cc(s, s->tmp);
    return true;
}

/* MOV forms: 88-8B, C6/C7, B0-BF, A0-A3 */
static bool disas_mov(DisasContext *s, unsigned b)
{
    int ot = byte_or_full(s, b);

    if (b >= 0x88 && b <= 0x8b) {
        x86_decode_modrm(s);
        if (b < 0x8a) {
            gen_ld_reg(s, ot, s->T0, s->reg);
            gen_st_modrm(s, ot, s->T0, false);
        } else {
            gen_ld_modrm(s, ot, s->T0);
            gen_st_reg(s, ot, s->reg, s->T0);
        }
    } else if (b == 0xc6 || b == 0xc7) {
        x86_decode_modrm(s);
        if ((s->modrm >> 3) & 7) {
            return false;
        }
        s->rip_offset = imm_size(ot);
        if (s->mod != 3) {
            gen_lea_modrm(s);
        }
        tcg_gen_movi(s->tcg, s->T0, x86_ld_imm(s, ot));
        gen_st_modrm(s, ot, s->T0, true);
    } else if (b >= 0xb0 && b <= 0xbf) {
        int reg = (b & 7) | s->rex_b;
        ot = b >= 0xb8 ? s->dflag : MO_8;
        tcg_gen_movi(s->tcg, s->T0, ot == MO_64 ? (int64_t)x86_ldq_code(s) : x86_ld_imm(s, ot));
        gen_st_reg(s, ot, reg, s->T0);
    } else {
        /* A0-A3: moffs of address size (SDM vol. 2A, MOV) */
        uint64_t addr = s->aflag == MO_64 ? x86_ldq_code(s) :
                        s->aflag == MO_32 ? x86_ldl_code(s) : x86_lduw_code(s);
        tcg_gen_movi(s->tcg, s->A0, addr);
        gen_add_seg_base(s, s->A0, R_DS);
        if (b < 0xa2) {
            gen_ld(s, s->T0, s->A0, ot);
            gen_st_reg(s, ot, R_EAX, s->T0);
        } else {
            gen_ld_reg(s, ot, s->T0, R_EAX);
            gen_st(s, s->T0, s->A0, ot);
        }
    }
    return true;
}

/* 0F B6/B7/BE/BF MOVZX/MOVSX, 63 MOVSXD */
static void disas_movx(DisasContext *s, unsigned b)
{
    int src_ot = b == 0x63 ? MO_32 : (b & 1) ? MO_16 : MO_8;
    bool sign = b == 0x63 || b >= 0x1be;

    x86_decode_modrm(s);
    gen_ld_modrm(s, src_ot, s->T0);
    if (sign) {
        gen_extend(s, s->T0, s->T0, src_ot, true);
    }
    gen_st_reg(s, s->dflag, s->reg, s->T0);
}

/* 0F 40-4F CMOVcc, 0F 90-9F SETcc */
static void disas_cmov_setcc(DisasContext *s, unsigned b)
{
    x86_decode_modrm(s);
    if (b < 0x190) {
        int ot = s->dflag;
        gen_ld_modrm(s, ot, s->T1);
        gen_setcc_value(s, b & 15, s->tmp);
        gen_ld_reg(s, ot, s->T0, s->reg);
        tcg_gen_movcond(s->tcg, TCG_COND_NE, s->T0, s->tmp, tcg_const64(s, 0), s->T1, s->T0);
        gen_st_reg(s, ot, s->reg, s->T0);
    } else {
        gen_setcc_value(s, b & 15, s->T0);
        gen_st_modrm(s, MO_8, s->T0, false);
    }
}

/* CMPXCHG r/m, r (0F B0/B1): T0 = destination, T1 = source; compare the
 * accumulator with the destination (SDM vol. 2A, CMPXCHG) */
static void gen_cmpxchg(DisasContext *s, int ot)
{
    TCGContext *t = s->tcg;
    TCGv acc = tcg_new64(s), newv = tcg_new64(s), eq = tcg_new64(s);

    gen_ld_reg(s, ot, acc, R_EAX);
    tcg_gen_setcond(t, TCG_COND_EQ, eq, acc, s->T0);
    tcg_gen_movcond(t, TCG_COND_NE, newv, eq, tcg_const64(s, 0), s->T1, s->T0);
    if (s->mod == 3 && ot == MO_32) {
        /* a failed compare leaves a register destination unwritten (its
         * upper half is not cleared), as hardware does */
        TCGv r = G(s)->regs[s->rm];
        tcg_gen_ext32u(t, newv, newv);
        tcg_gen_movcond(t, TCG_COND_NE, r, eq, tcg_const64(s, 0), newv, r);
    } else {
        gen_st_modrm(s, ot, newv, true);
    }
    /* the accumulator is written only when the compare failed (it may be
     * the destination itself, just written) */
    gen_cmpxchg_finish(s, ot, acc, eq, newv);
    tcg_temp_free(t, acc);
    tcg_temp_free(t, newv);
    tcg_temp_free(t, eq);
}

/* CMPXCHG's end, with T0 the old destination, acc the accumulator before and
 * eq their equality: rAX = T0 when they differed, flags of acc - T0. */
void gen_cmpxchg_finish(DisasContext *s, int ot, TCGv acc, TCGv eq, TCGv scratch)
{
    TCGContext *t = s->tcg;
    if (ot == MO_32) {
        TCGv rax = G(s)->regs[R_EAX];
        tcg_gen_ext32u(t, scratch, s->T0);
        tcg_gen_movcond(t, TCG_COND_NE, rax, eq, tcg_const64(s, 0), rax, scratch);
    } else {
        gen_ld_reg(s, ot, scratch, R_EAX);
        tcg_gen_movcond(t, TCG_COND_NE, scratch, eq, tcg_const64(s, 0), scratch, s->T0);
        gen_st_reg(s, ot, R_EAX, scratch);
    }
    tcg_gen_mov(t, G(s)->cc_src2, acc);
    tcg_gen_sub(t, acc, acc, s->T0);
    set_cc_arith(s, acc, s->T0, CC_OP_SUBB, ot);
}

/* 86/87 XCHG, 90-97 XCHG rAX, 0F B0/B1 CMPXCHG, 0F C0/C1 XADD (user mode's
 * LOCK forms and XCHG with memory are host atomics: translate-atomic.c) */
static void disas_xchg(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = (b == 0x86 || b == 0x1b0 || b == 0x1c0) ? MO_8 : s->dflag;

    if (b >= 0x90 && b <= 0x97) {
        int reg = (b & 7) | s->rex_b;
        gen_ld_reg(s, ot, s->T0, reg);
        gen_ld_reg(s, ot, s->T1, R_EAX);
        gen_st_reg(s, ot, R_EAX, s->T0);
        gen_st_reg(s, ot, reg, s->T1);
        return;
    }
    x86_decode_modrm(s);
    gen_ld_modrm(s, ot, s->T0);
    gen_ld_reg(s, ot, s->T1, s->reg);
    if (b == 0x86 || b == 0x87) {
        gen_st_modrm(s, ot, s->T1, true);
        gen_st_reg(s, ot, s->reg, s->T0);
    } else if (b == 0x1c0 || b == 0x1c1) {
        /* SDM vol. 2A, XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP; a
         * faulting memory store must leave the register untouched */
        tcg_gen_add(t, s->tmp, s->T0, s->T1);
        if (s->mod == 3) {
            gen_st_reg(s, ot, s->reg, s->T0);
            gen_st_modrm(s, ot, s->tmp, true);
        } else {
            gen_st_modrm(s, ot, s->tmp, true);
            gen_st_reg(s, ot, s->reg, s->T0);
        }
        set_cc_arith(s, s->tmp, s->T0, CC_OP_ADDB, ot);
    } else {
        gen_cmpxchg(s, ot);
    }
}

/* 98 CBW/CWDE/CDQE, 99 CWD/CDQ/CQO */
static void disas_sign_extend_acc(DisasContext *s, unsigned b)
{
    int ot = s->dflag;

    if (b == 0x98) {
        gen_ld_reg(s, ot - 1, s->T0, R_EAX);
        gen_extend(s, s->T0, s->T0, ot - 1, true);
        gen_st_reg(s, ot, R_EAX, s->T0);
    } else {
        gen_ld_reg(s, ot, s->T0, R_EAX);
        gen_extend(s, s->T0, s->T0, ot, true);
        tcg_gen_sari(s->tcg, s->T0, s->T0, 63);
        gen_st_reg(s, ot, R_EDX, s->T0);
    }
}

static bool disas_lea(DisasContext *s)
{
    x86_decode_modrm(s);
    if (s->mod == 3) {
        return false;
    }
    gen_lea_modrm_noseg(s, s->T0);
    gen_st_reg(s, s->dflag, s->reg, s->T0);
    return true;
}

static void disas_bswap(DisasContext *s, unsigned b)
{
    int reg = (b & 7) | s->rex_b;
    TCGv r = G(s)->regs[reg];

    if (s->dflag == MO_64) {
        tcg_gen_bswap64(s->tcg, r, r);
    } else if (s->dflag == MO_32) {
        tcg_gen_bswap32(s->tcg, r, r);
    } else {
        /* SDM: 16-bit BSWAP is undefined; real CPUs clear the word */
        tcg_gen_movi(s->tcg, s->T0, 0);
        gen_st_reg(s, MO_16, reg, s->T0);
    }
}

static bool disas_cmpxchg_wide(DisasContext *s)
{
    x86_decode_modrm(s);
    if (((s->modrm >> 3) & 7) != 1 || s->mod == 3) {
        return false;
    }
    gen_lea_modrm(s);
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
    gen_helper_env(s, s->dflag == MO_64 ? (void *)helper_cmpxchg16b : (void *)helper_cmpxchg8b,
                   0, NULL, 1, &s->A0);
    s->cc_op = CC_OP_EFLAGS;
    s->cc_op_dirty = false;
    return true;
}

bool disas_alu(DisasContext *s, unsigned b)
{
    if (b < 0x40 && (b & 7) < 6) {
        disas_alu_forms(s, b);
    } else if (b >= 0x40 && b < 0x50 && !s->code64) {
        int reg = b & 7;
        gen_ld_reg(s, s->dflag, s->T0, reg);
        gen_inc_dec(s, s->dflag, b >= 0x48, reg);
    } else if (b == 0x80 || b == 0x81 || b == 0x83 || (b == 0x82 && !s->code64)) {
        disas_group1(s, b == 0x82 ? 0x80 : b);
    } else if (b == 0x84 || b == 0x85 || b == 0xa8 || b == 0xa9) {
        disas_test(s, b);
    } else if (b == 0xf6 || b == 0xf7) {
        disas_group3(s, b);
    } else if (b == 0x69 || b == 0x6b || b == 0x1af) {
        disas_imul_reg(s, b);
    } else if (b == 0xfe || b == 0xff) {
        return disas_group45_incdec(s, b);
    } else if (b == 0xc0 || b == 0xc1 || (b >= 0xd0 && b <= 0xd3)) {
        disas_group2(s, b);
    } else if (b == 0x1a4 || b == 0x1a5 || b == 0x1ac || b == 0x1ad) {
        disas_shiftd(s, b);
    } else if (b == 0x1a3 || b == 0x1ab || b == 0x1b3 || b == 0x1bb || b == 0x1ba) {
        return disas_bit_test(s, b);
    } else if (b == 0x1bc || b == 0x1bd || b == 0x1b8) {
        return disas_bit_scan(s, b);
    } else if ((b >= 0x88 && b <= 0x8b) || b == 0xc6 || b == 0xc7 ||
               (b >= 0xb0 && b <= 0xbf) || (b >= 0xa0 && b <= 0xa3)) {
        return disas_mov(s, b);
    } else if (b == 0x1b6 || b == 0x1b7 || b == 0x1be || b == 0x1bf || (b == 0x63 && s->code64)) {
        disas_movx(s, b);
    } else if ((b >= 0x140 && b < 0x150) || (b >= 0x190 && b < 0x1a0)) {
        disas_cmov_setcc(s, b);
    } else if (b == 0x86 || b == 0x87 || (b >= 0x91 && b <= 0x97) ||
               (b == 0x90 && s->rex_b) || b == 0x1b0 || b == 0x1b1 ||
               b == 0x1c0 || b == 0x1c1) {
        disas_xchg(s, b);
    } else if (b == 0x98 || b == 0x99) {
        disas_sign_extend_acc(s, b);
    } else if (b == 0x8d) {
        return disas_lea(s);
    } else if (b >= 0x1c8 && b <= 0x1cf) {
        disas_bswap(s, b);
    } else if (b == 0x1c7) {
        return disas_cmpxchg_wide(s);
    } else {
        return false;
    }
    return true;
}
