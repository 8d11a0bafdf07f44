/*
 * x86 front end, user mode: the read-modify-write instructions that must be
 * atomic across guest threads (Intel SDM vol. 2A, LOCK: ADD, ADC, AND, BTC,
 * BTR, BTS, CMPXCHG, CMPXCHG8B/16B, DEC, INC, NEG, NOT, OR, SBB, SUB, XOR,
 * XADD, XCHG with a memory destination; XCHG with memory is locked without
 * the prefix). Each becomes one call of an atomic helper (atomic_helper.c)
 * that returns the operand's old value; the result and the flags are then
 * computed from it as the ordinary translation (translate-alu.c) computes
 * them from a plain load. System mode has one CPU and keeps the plain path.
 */
#include "target-i386/atomic_helper.h"
#include "target-i386/translate.h"

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

#define G(s) ((s)->g)

/* immediate size of an Iz operand */
static int imm_size(int ot)
{
    return ot == MO_8 ? 1 : ot == MO_16 ? 2 : 4;
}

/* the helpers may fault: the lazy flags state must be in env first */
static void prepare_helper(DisasContext *s)
{
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
}

/* old = the operand at A0 before it became (old op val) */
static void gen_rmw(DisasContext *s, TCGv old, int op, int ot, TCGv val)
{
    TCGv args[3] = { s->A0, val, tcg_const64(s, ATOMIC_DESC(op, ot)) };
    prepare_helper(s);
    gen_helper_env(s, (void *)helper_atomic_rmw, 0, old, 3, args);
}

/* ALU op with the memory destination at A0 and source T1 */
static void gen_alu_atomic(DisasContext *s, int op, int ot)
{
    TCGContext *t = s->tcg;
    TCGv T0 = s->T0, T1 = s->T1, res = s->tmp, v = tcg_new64(s), cf = NULL;

    switch (op) {
    case OP_ADD:
        gen_rmw(s, T0, ATOMIC_ADD, ot, T1);
        tcg_gen_add(t, res, T0, T1);
        set_cc_arith(s, res, T1, CC_OP_ADDB, ot);
        break;
    case OP_SUB:
        tcg_gen_neg(t, v, T1);
        gen_rmw(s, T0, ATOMIC_ADD, ot, v);
        tcg_gen_sub(t, res, T0, T1);
        tcg_gen_mov(t, G(s)->cc_src2, T0);
        set_cc_arith(s, res, T1, CC_OP_SUBB, ot);
        break;
    case OP_ADC:
    case OP_SBB:
        cf = tcg_new64(s);
        gen_compute_cf(s, cf);
        tcg_gen_add(t, v, T1, cf);
        if (op == OP_SBB) {
            tcg_gen_neg(t, v, v);
        }
        gen_rmw(s, T0, ATOMIC_ADD, ot, v);
        tcg_gen_add(t, res, T0, v);
        tcg_gen_mov(t, G(s)->cc_src2, cf);
        set_cc_arith(s, res, T1, op == OP_ADC ? CC_OP_ADCB : CC_OP_SBBB, ot);
        tcg_temp_free(t, cf);
        break;
    default: {
        int aop = op == OP_AND ? ATOMIC_AND : op == OP_OR ? ATOMIC_OR : ATOMIC_XOR;
        gen_rmw(s, T0, aop, ot, T1);
        if (op == OP_AND) {
            tcg_gen_and(t, res, T0, T1);
        } else if (op == OP_OR) {
            tcg_gen_or(t, res, T0, T1);
        } else {
            tcg_gen_xor(t, res, T0, T1);
        }
        tcg_gen_mov(t, G(s)->cc_dst, res);
        set_cc_op(s, CC_OP_LOGICB + ot);
        break;
    }
    }
    tcg_temp_free(t, v);
}

/* 00-3F ALU Eb/Ev,G and 80-83 group 1 with an immediate */
static void gen_alu_forms(DisasContext *s, unsigned b)
{
    int ot = (b & 1) ? s->dflag : MO_8;
    int op;

    x86_decode_modrm(s);
    if (b < 0x40) {
        op = (b >> 3) & 7;
        gen_lea_modrm(s);
        gen_ld_reg(s, ot, s->T1, s->reg);
    } else {
        op = (s->modrm >> 3) & 7;
        s->rip_offset = b == 0x81 ? imm_size(ot) : 1;
        gen_lea_modrm(s);
        int64_t imm = b == 0x81 ? x86_ld_imm(s, ot) : (int64_t)(int8_t)x86_ldub_code(s);
        tcg_gen_movi(s->tcg, s->T1, imm);
    }
    gen_alu_atomic(s, op, ot);
}

/* F6/F7 /2 NOT, /3 NEG; FE/FF /0 INC, /1 DEC */
static void gen_unary(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = (b & 1) ? s->dflag : MO_8;

    x86_decode_modrm(s);
    int op = (s->modrm >> 3) & 7;
    gen_lea_modrm(s);
    if (b == 0xf6 || b == 0xf7) {
        gen_rmw(s, s->T0, op == 2 ? ATOMIC_NOT : ATOMIC_NEG, ot, s->T0);
        if (op == 3) {
            /* NEG: the flags of 0 - operand */
            tcg_gen_neg(t, s->tmp, s->T0);
            tcg_gen_movi(t, G(s)->cc_src2, 0);
            set_cc_arith(s, s->tmp, s->T0, CC_OP_SUBB, ot);
        }
        return;
    }
    TCGv cf = tcg_new64(s);
    gen_compute_cf(s, cf);
    gen_rmw(s, s->T0, ATOMIC_ADD, ot, tcg_const64(s, op == 1 ? -1 : 1));
    tcg_gen_addi(t, s->tmp, s->T0, op == 1 ? -1 : 1);
    set_cc_arith(s, s->tmp, cf, op == 1 ? CC_OP_DECB : CC_OP_INCB, ot);
    tcg_temp_free(t, cf);
}

/* 86/87 XCHG, 0F C0/C1 XADD, 0F B0/B1 CMPXCHG with a memory operand */
static void gen_exchange(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = (b == 0x86 || b == 0x1b0 || b == 0x1c0) ? MO_8 : s->dflag;

    x86_decode_modrm(s);
    gen_lea_modrm(s);
    gen_ld_reg(s, ot, s->T1, s->reg);
    if (b == 0x86 || b == 0x87) {
        gen_rmw(s, s->T0, ATOMIC_XCHG, ot, s->T1);
        gen_st_reg(s, ot, s->reg, s->T0);
    } else if (b == 0x1c0 || b == 0x1c1) {
        gen_rmw(s, s->T0, ATOMIC_ADD, ot, s->T1);
        tcg_gen_add(t, s->tmp, s->T0, s->T1);
        gen_st_reg(s, ot, s->reg, s->T0);
        set_cc_arith(s, s->tmp, s->T1, CC_OP_ADDB, ot);
    } else {
        TCGv acc = tcg_new64(s), eq = tcg_new64(s), newv = tcg_new64(s);
        gen_ld_reg(s, ot, acc, R_EAX);
        TCGv args[4] = { s->A0, acc, s->T1, tcg_const64(s, ot) };
        prepare_helper(s);
        gen_helper_env(s, (void *)helper_atomic_cmpxchg, 0, s->T0, 4, args);
        tcg_gen_setcond(t, TCG_COND_EQ, eq, acc, s->T0);
        gen_cmpxchg_finish(s, ot, acc, eq, newv);
        tcg_temp_free(t, acc);
        tcg_temp_free(t, eq);
        tcg_temp_free(t, newv);
    }
}

/* 0F AB/B3/BB BTS/BTR/BTC Ev,Gv and 0F BA /5../7 Ev,Ib: one atomic OR, AND
 * or XOR of the bit's mask on the operand holding it; CF = the bit before */
static void gen_bit_test(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    int ot = s->dflag, op, bits = 8 << ot;
    TCGv mask = s->tmp, v = tcg_new64(s), flags = tcg_new64(s);

    x86_decode_modrm(s);
    if (b == 0x1ba) {
        op = ((s->modrm >> 3) & 7) - 4;
        s->rip_offset = 1;
        gen_lea_modrm(s);
        tcg_gen_movi(t, s->T1, x86_ldub_code(s) & (bits - 1));
    } else {
        op = (b >> 3) & 3;
        gen_ld_reg(s, ot, s->T1, s->reg);
        gen_lea_modrm(s);
        /* SDM vol. 2A, BT: a register bit offset addresses memory beyond the
         * operand, signed, in operand-size units */
        gen_extend(s, mask, s->T1, ot, true);
        tcg_gen_sari(t, mask, mask, 3 + ot);
        tcg_gen_shli(t, mask, mask, ot);
        tcg_gen_add(t, s->A0, s->A0, mask);
        if (!s->code64 || s->aflag == MO_32) {
            tcg_gen_ext32u(t, s->A0, s->A0);
        }
        tcg_gen_andi(t, s->T1, s->T1, bits - 1);
    }
    tcg_gen_movi(t, v, 1);
    tcg_gen_shl(t, v, v, s->T1);
    if (op == 2) {
        tcg_gen_not(t, v, v);
    }
    gen_rmw(s, s->T0, op == 1 ? ATOMIC_OR : op == 2 ? ATOMIC_AND : ATOMIC_XOR, ot, v);
    /* CF only; the other flags as the plain translation leaves them */
    gen_compute_eflags(s, flags);
    tcg_gen_andi(t, flags, flags, ~(uint64_t)CC_C);
    tcg_gen_shr(t, mask, s->T0, s->T1);
    tcg_gen_andi(t, mask, mask, 1);
    tcg_gen_or(t, flags, flags, mask);
    gen_set_eflags_cc(s, flags);
    tcg_temp_free(t, flags);
    tcg_temp_free(t, v);
}

/* 0F C7 /1 CMPXCHG8B/16B */
static void gen_cmpxchg_wide(DisasContext *s)
{
    x86_decode_modrm(s);
    gen_lea_modrm(s);
    prepare_helper(s);
    gen_helper_env(s, s->dflag == MO_64 ? (void *)helper_atomic_cmpxchg16b
                                        : (void *)helper_atomic_cmpxchg8b,
                   0, NULL, 1, &s->A0);
    s->cc_op = CC_OP_EFLAGS;
    s->cc_op_dirty = false;
}

bool gen_atomic_insn(DisasContext *s, unsigned b)
{
    uint8_t modrm;

    if (s->sys || (b != 0x86 && b != 0x87 && !(s->prefix & PREFIX_LOCK)) ||
        !x86_peek_code(s, &modrm) || (modrm >> 6) == 3) {
        return false;
    }
    int op = (modrm >> 3) & 7;
    if (b == 0x86 || b == 0x87) {
        gen_exchange(s, b);
        return true;
    }
    if (!(s->prefix & PREFIX_LOCK)) {
        return false;
    }
    /* disas_insn has checked that LOCK is allowed on this form */
    if (b < 0x40 || b == 0x80 || b == 0x81 || b == 0x83 || (b == 0x82 && !s->code64)) {
        gen_alu_forms(s, b == 0x82 ? 0x80 : b);
    } else if (b == 0xf6 || b == 0xf7 || b == 0xfe || b == 0xff) {
        gen_unary(s, b);
    } else if (b == 0x1b0 || b == 0x1b1 || b == 0x1c0 || b == 0x1c1) {
        gen_exchange(s, b);
    } else if (b == 0x1c7 && op == 1) {
        gen_cmpxchg_wide(s);
    } else if (b == 0x1ab || b == 0x1b3 || b == 0x1bb || (b == 0x1ba && op >= 5)) {
        gen_bit_test(s, b);
    } else {
        return false;
    }
    return true;
}
