/*
 * x87 FPU instructions (escape opcodes D8-DF; Intel SDM vol. 2D, appendix A.4
 * "Escape Opcode Instructions"). Every instruction calls a helper working on
 * the register stack in CPUX86State; memory operands are loaded or stored
 * here so guest memory faults are precise.
 */
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"


static TCGv i32_constant(DisasContext *s, uint32_t v)
{
    return tcg_constant(s->tcg, TCG_TYPE_I32, v);
}

/* Calls an x87 helper. Those touch only the FPU part of CPUX86State, never
 * the TCG globals, so guest registers stay in host registers across them. */
static void call(DisasContext *s, void *helper, TCGv ret, unsigned nargs, TCGv a0, TCGv a1,
                 TCGv a2)
{
    TCGv args[3] = { a0, a1, a2 };
    gen_helper_env(s, helper, TCG_CALL_NO_RWG, ret, nargs, args);
}

/* Calls an x87 helper that accesses guest memory and may raise a page fault:
 * rip, cc_op and the globals must be in env. */
static void call_faulting(DisasContext *s, void *helper, unsigned nargs, TCGv a0, TCGv a1)
{
    TCGv args[2] = { a0, a1 };
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, s->g->rip, s->pc_start);
    gen_helper_env(s, helper, 0, NULL, nargs, args);
}

/* memory operand kinds of the load/arith rows: D8 m32fp, DA m32int, DC m64fp, DE m16int */
static const struct { int kind; TCGMemOp memop; } arith_operand[4] = {
    { FP_F32, MO_UL }, { FP_I32, MO_UL }, { FP_F64, MO_UQ }, { FP_I16, MO_UW },
};

/* loads (row 0 of D9/DB/DD/DF) and stores (rows 1-3): kind and size per escape byte */
static const struct { int load_kind, trunc_kind, store_kind; TCGMemOp memop; } ld_st[4] = {
    { FP_F32, -1, FP_F32, MO_UL },            /* D9: FLD/FST/FSTP m32fp */
    { FP_I32, FP_I32_TRUNC, FP_I32, MO_UL },  /* DB: FILD/FISTTP/FIST/FISTP m32int */
    { FP_F64, FP_I64_TRUNC, FP_F64, MO_UQ },  /* DD: FLD/FISTTP m64int/FST/FSTP m64fp */
    { FP_I16, FP_I16_TRUNC, FP_I16, MO_UW },  /* DF: FILD/FISTTP/FIST/FISTP m16int */
};

/*
 * The last-instruction pointers (SDM vol. 1, 8.1.8-8.1.10): every x87
 * instruction but the control ones (FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW,
 * FNSTENV, FLDENV, FNSAVE, FRSTOR, FWAIT) records its offset in CS, the CS
 * selector and its opcode (the low 3 bits of the escape byte, then the
 * ModRM byte); one with a memory operand records that operand's offset and
 * segment selector too. This host (AMD) also records FNOP, FFREE, FINCSTP
 * and FDECSTP, and CPUID.(EAX=7):EBX bits 6 and 13 (FDP only on exceptions,
 * FCS/FDS deprecated) are clear, as here.
 */
static bool x87_control(unsigned b, int op, bool memory, int modrm)
{
    if (memory) {
        return (b == 0xd9 && op >= 4) || (b == 0xdd && (op == 4 || op >= 6));
    }
    return (b == 0xdb && modrm >= 0xe0 && modrm <= 0xe4) || (b == 0xdf && modrm == 0xe0);
}

static void gen_record_insn(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    TCGv env = tcg_env(t);

    tcg_gen_st(t, INDEX_op_st, tcg_const64(s, (int64_t)s->pc_start), env,
               offsetof(CPUX86State, fpip));
    tcg_gen_st(t, INDEX_op_st16, i32_constant(s, (b & 7) << 8 | s->modrm), env,
               offsetof(CPUX86State, fpop));
    tcg_gen_ld(t, INDEX_op_ld16u, s->T1, env, offsetof(CPUX86State, segs[R_CS].selector));
    tcg_gen_st(t, INDEX_op_st16, s->T1, env, offsetof(CPUX86State, fpcs));
}

/* s->A0 = the operand's linear address; FDP/FDS = its offset and selector */
static void gen_x87_address(DisasContext *s, bool record)
{
    TCGContext *t = s->tcg;
    TCGv env = tcg_env(t);
    int def_seg = gen_lea_modrm_noseg(s, s->A0);

    if (record) {
        int seg = s->override_seg >= 0 ? s->override_seg : def_seg;
        if (s->aflag == MO_64) {
            tcg_gen_st(t, INDEX_op_st, s->A0, env, offsetof(CPUX86State, fpdp));
        } else {
            tcg_gen_ext32u(t, s->T1, s->A0);
            tcg_gen_st(t, INDEX_op_st, s->T1, env, offsetof(CPUX86State, fpdp));
        }
        tcg_gen_ld(t, INDEX_op_ld16u, s->T1, env, offsetof(CPUX86State, segs[seg].selector));
        tcg_gen_st(t, INDEX_op_st16, s->T1, env, offsetof(CPUX86State, fpds));
    }
    gen_add_seg_base(s, s->A0, def_seg);
}

/*
 * FSW.ES: an exception flag whose mask bit is clear is pending (SDM vol. 1,
 * 8.1.3.5, 8.6); the waiting instructions (all x87 instructions but FNINIT,
 * FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE and the no-op FNENI/FNDISI/FNSETPM)
 * and FWAIT take #MF for it before anything else. The test is inline, the
 * rare fault goes through helper_fwait (which looks at CR0.NE).
 */
void gen_x87_wait(DisasContext *s)
{
    TCGContext *t = s->tcg;
    TCGv env = tcg_env(t);
    TCGLabel *none = tcg_gen_new_label(t);

    tcg_gen_ld(t, INDEX_op_ld16u, s->T0, env, offsetof(CPUX86State, fpus));
    tcg_gen_ld(t, INDEX_op_ld16u, s->T1, env, offsetof(CPUX86State, fpuc));
    tcg_gen_andc(t, s->T0, s->T0, s->T1);
    tcg_gen_andi(t, s->T0, s->T0, 0x3f);
    gen_update_cc_op(s);
    tcg_gen_brcondi(t, TCG_COND_EQ, s->T0, 0, none);
    tcg_gen_movi(t, s->g->rip, s->pc_start);
    gen_helper_env(s, helper_fwait, 0, NULL, 0, NULL);
    tcg_gen_set_label(t, none);
}

/*
 * FST/FSTP/FIST/FISTP/FISTTP m: helper_fst_bits converts, then the store
 * is skipped when the conversion raised an unmasked invalid operation,
 * overflow or underflow (the hardware stores nothing then; SDM vol. 1,
 * 4.9.2). An unmasked flag set now is this instruction's: a pending one
 * took #MF before it (gen_x87_wait).
 */
static void gen_fst_memory(DisasContext *s, int kind, bool pop, TCGMemOp memop)
{
    TCGContext *t = s->tcg;
    TCGv env = tcg_env(t);
    TCGLabel *suppressed = tcg_gen_new_label(t);

    call(s, helper_fst_bits, s->T0, 2, i32_constant(s, kind), i32_constant(s, pop), NULL);
    tcg_gen_ld(t, INDEX_op_ld16u, s->T1, env, offsetof(CPUX86State, fpus));
    tcg_gen_ld(t, INDEX_op_ld16u, s->tmp, env, offsetof(CPUX86State, fpuc));
    tcg_gen_andc(t, s->T1, s->T1, s->tmp);
    tcg_gen_andi(t, s->T1, s->T1, 0x19);      /* IE OE UE */
    tcg_gen_brcondi(t, TCG_COND_NE, s->T1, 0, suppressed);
    gen_st(s, s->T0, s->A0, memop);
    tcg_gen_set_label(t, suppressed);
}

static bool x87_memory(DisasContext *s, unsigned b, int op)
{
    unsigned esc = b & 7;
    TCGv env_ptr = tcg_env(s->tcg);

    gen_x87_address(s, !x87_control(b, op, true, 0));
    if (!(esc & 1)) {
        /* D8/DA/DC/DE: ST(0) op memory */
        gen_ld(s, s->T0, s->A0, arith_operand[esc >> 1].memop);
        call(s, helper_farith_mem, NULL, 3, i32_constant(s, op), s->T0,
             i32_constant(s, arith_operand[esc >> 1].kind));
        return true;
    }
    if (op <= 3) {
        int row = esc >> 1;
        if (op == 0) {
            gen_ld(s, s->T0, s->A0, ld_st[row].memop);
            call(s, helper_fld_bits, NULL, 2, s->T0, i32_constant(s, ld_st[row].load_kind), NULL);
            return true;
        }
        int kind = op == 1 ? ld_st[row].trunc_kind : ld_st[row].store_kind;
        if (kind < 0) {
            return false;
        }
        /* FISTTP m64int lives in DD, its FST rows store m64fp */
        gen_fst_memory(s, kind, op != 2, op == 1 && row == 2 ? MO_UQ : ld_st[row].memop);
        return true;
    }
    switch (b << 8 | op) {
    case 0xd905:   /* FLDCW */
        gen_ld(s, s->T0, s->A0, MO_UW);
        tcg_gen_st(s->tcg, INDEX_op_st16, s->T0, env_ptr, offsetof(CPUX86State, fpuc));
        return true;
    case 0xd907:   /* FNSTCW */
        tcg_gen_ld(s->tcg, INDEX_op_ld16u, s->T0, env_ptr, offsetof(CPUX86State, fpuc));
        gen_st(s, s->T0, s->A0, MO_UW);
        return true;
    case 0xdd07:   /* FNSTSW m16 */
        call(s, helper_fnstsw, s->T0, 0, NULL, NULL, NULL);
        gen_st(s, s->T0, s->A0, MO_UW);
        return true;
    case 0xdb05:   /* FLD m80 */
        call_faulting(s, helper_fldt, 1, s->A0, NULL);
        return true;
    case 0xdb07:   /* FSTP m80 */
        call_faulting(s, helper_fstt, 1, s->A0, NULL);
        return true;
    case 0xdf04:   /* FBLD m80bcd */
        call_faulting(s, helper_fbld, 1, s->A0, NULL);
        return true;
    case 0xdf06:   /* FBSTP m80bcd */
        call_faulting(s, helper_fbstp, 1, s->A0, NULL);
        return true;
    case 0xdf05:   /* FILD m64int */
        gen_ld(s, s->T0, s->A0, MO_UQ);
        call(s, helper_fld_bits, NULL, 2, s->T0, i32_constant(s, FP_I64), NULL);
        return true;
    case 0xdf07:   /* FISTP m64int */
        gen_fst_memory(s, FP_I64, true, MO_UQ);
        return true;
    case 0xd904: case 0xd906: case 0xdd04: case 0xdd06: {
        /* FLDENV, FNSTENV, FRSTOR, FNSAVE */
        unsigned kind = (b == 0xdd ? 2 : 0) + (op == 4 ? 1 : 0);
        call_faulting(s, helper_fenv, 2, s->A0,
                      i32_constant(s, kind | (s->dflag == MO_16 ? 0x100 : 0)));
        return true;
    }
    default:
        return false;   /* reserved forms */
    }
}

static void gen_fpop(DisasContext *s)
{
    call(s, helper_fpop, NULL, 0, NULL, NULL, NULL);
}

/* D8, DC, DE register forms: arithmetic and compares with ST(i) */
static bool x87_reg_arith(DisasContext *s, unsigned b, int op, int i)
{
    TCGv index = i32_constant(s, i);

    if (op == 2 || op == 3) {
        /* DE D9 is FCOMPP; DC D0+i/D8+i are aliases of FCOM/FCOMP */
        if (b == 0xde && !(op == 3 && i == 1)) {
            return false;
        }
        call(s, helper_fcom, NULL, 1, index, NULL, NULL);
        if (op == 3) {
            gen_fpop(s);
        }
        if (b == 0xde) {
            gen_fpop(s);
        }
        return true;
    }
    call(s, helper_farith_reg, NULL, 3, i32_constant(s, op), index,
         i32_constant(s, b != 0xd8));
    if (b == 0xde) {
        gen_fpop(s);
    }
    return true;
}

/* D9 register forms: FLD ST(i), FXCH, FNOP and the D9 E0-FF group */
static bool x87_reg_d9(DisasContext *s, int op, int i)
{
    static const uint8_t reserved[] = { 0xe2, 0xe3, 0xe6, 0xe7, 0xef };

    if (op == 0) {
        call(s, helper_fld_sti, NULL, 1, i32_constant(s, i), NULL, NULL);
        return true;
    }
    if (op == 1) {
        call(s, helper_fxch, NULL, 1, i32_constant(s, i), NULL, NULL);
        return true;
    }
    if (op < 4 && s->modrm != 0xd0) {
        return false;
    }
    for (unsigned k = 0; k < sizeof(reserved); k++) {
        if (s->modrm == reserved[k]) {
            return false;
        }
    }
    call(s, helper_fmisc, NULL, 1, i32_constant(s, s->modrm), NULL, NULL);
    return true;
}

/* DD register forms: FFREE, FST/FSTP ST(i), FUCOM/FUCOMP */
static bool x87_reg_dd(DisasContext *s, int op, int i)
{
    TCGv index = i32_constant(s, i);

    if (op == 0) {
        call(s, helper_ffree, NULL, 1, index, NULL, NULL);
    } else if (op == 2 || op == 3) {
        call(s, helper_fst_sti, NULL, 1, index, NULL, NULL);
    } else if (op == 4 || op == 5) {        /* FUCOM, FUCOMP */
        call(s, helper_fcom, NULL, 1, i32_constant(s, i | FCOM_QUIET), NULL, NULL);
    } else {
        return false;
    }
    if (op == 3 || op == 5) {
        gen_fpop(s);
    }
    return true;
}

/* FCOMI/FUCOMI(P) (op 6/5): the result goes to ZF, PF, CF */
static void gen_fcomi(DisasContext *s, int op, int i, bool pop)
{
    call(s, helper_fcomi, s->T0, 1, i32_constant(s, i | (op == 5 ? FCOM_QUIET : 0)), NULL, NULL);
    gen_set_eflags_cc(s, s->T0);
    if (pop) {
        gen_fpop(s);
    }
}

/* DA, DB register forms: FCMOVcc, FUCOMPP, FNCLEX, FNINIT, FUCOMI, FCOMI */
static bool x87_reg_da_db(DisasContext *s, unsigned b, int op, int i)
{
    if (op < 4) {
        /* FCMOVcc: B, E, BE, U (DA) and their negations (DB) */
        static const uint8_t conds[4] = { 0x2, 0x4, 0x6, 0xa };
        gen_setcc_value(s, conds[op] | (b == 0xdb), s->T0);
        call(s, helper_fcmov, NULL, 2, i32_constant(s, i), s->T0, NULL);
        return true;
    }
    if (b == 0xda) {
        if (s->modrm != 0xe9) {
            return false;
        }
        call(s, helper_fcom, NULL, 1, i32_constant(s, 1 | FCOM_QUIET), NULL, NULL);   /* FUCOMPP */
        gen_fpop(s);
        gen_fpop(s);
        return true;
    }
    if (s->modrm == 0xe2) {        /* FNCLEX: exception flags, SF, ES and B */
        TCGv env = tcg_env(s->tcg);
        tcg_gen_ld(s->tcg, INDEX_op_ld16u, s->T0, env, offsetof(CPUX86State, fpus));
        tcg_gen_andi(s->tcg, s->T0, s->T0, 0x7f00);
        tcg_gen_st(s->tcg, INDEX_op_st16, s->T0, env, offsetof(CPUX86State, fpus));
        return true;
    }
    if (s->modrm == 0xe0 || s->modrm == 0xe1 || s->modrm == 0xe4) {
        return true;               /* FNENI, FNDISI, FNSETPM: no-ops since the 387 */
    }
    if (s->modrm == 0xe3) {        /* FNINIT */
        call(s, helper_fninit, NULL, 0, NULL, NULL, NULL);
        return true;
    }
    if (op == 5 || op == 6) {
        gen_fcomi(s, op, i, false);
        return true;
    }
    return false;
}

/* DF register forms: FNSTSW AX, FUCOMIP, FCOMIP */
static bool x87_reg_df(DisasContext *s, int op, int i)
{
    if (s->modrm == 0xe0) {
        call(s, helper_fnstsw, s->T0, 0, NULL, NULL, NULL);
        gen_st_reg(s, MO_16, R_EAX, s->T0);
        return true;
    }
    if (op == 5 || op == 6) {
        gen_fcomi(s, op, i, true);
        return true;
    }
    return false;
}

static bool x87_register(DisasContext *s, unsigned b, int op, int i)
{
    switch (b) {
    case 0xd8: case 0xdc: case 0xde:
        return x87_reg_arith(s, b, op, i);
    case 0xd9:
        return x87_reg_d9(s, op, i);
    case 0xdd:
        return x87_reg_dd(s, op, i);
    case 0xda: case 0xdb:
        return x87_reg_da_db(s, b, op, i);
    default:
        return x87_reg_df(s, op, i);
    }
}

/* D6 SALC: AL = CF ? FF : 00, flags unchanged; #UD in 64-bit mode (SDM
 * vol. 2D, table A-2, one-byte opcode map). It shares the x87 hook of the
 * one-byte dispatch. */
static bool disas_salc(DisasContext *s)
{
    if (s->code64) {
        return false;
    }
    gen_setcc_value(s, 0x2, s->T0);   /* B: CF = 1 */
    tcg_gen_neg(s->tcg, s->T0, s->T0);
    gen_st_reg(s, MO_8, R_EAX, s->T0);
    return true;
}

/* FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE, FNENI, FNDISI, FNSETPM */
static bool x87_no_wait(unsigned b, int op, bool memory, int modrm)
{
    if (memory) {
        return (b == 0xd9 && (op == 6 || op == 7)) || (b == 0xdd && (op == 6 || op == 7));
    }
    return (b == 0xdb && modrm >= 0xe0 && modrm <= 0xe4) || (b == 0xdf && modrm == 0xe0);
}

bool disas_x87(DisasContext *s, unsigned b)
{
    int op;

    if (b == 0xd6) {
        return disas_salc(s);
    }

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    if (!x87_no_wait(b, op, s->mod != 3, s->modrm)) {
        gen_x87_wait(s);
    }
    if (!x87_control(b, op, s->mod != 3, s->modrm)) {
        gen_record_insn(s, b);
    }
    if (s->mod != 3) {
        return x87_memory(s, b, op);
    }
    return x87_register(s, b, op, s->modrm & 7);
}
