/*
 * x86 front end: stack, branches, string instructions, flag instructions,
 * segment registers and the system instructions a user-mode program may meet
 * (Intel SDM vol. 2A-2D, per-instruction pages).
 */
#include "target-i386/translate.h"
#include "target-i386/sys_helper.h"

#define G(s) ((s)->g)

/* ---------------------------------------------------------------- stack */

int x86_stack_size(DisasContext *s)
{
    if (s->code64) {
        return s->dflag == MO_16 ? MO_16 : MO_64;
    }
    return s->dflag;
}

/* SS:offset, the offset already wrapped to the stack address size */
static void gen_stack_seg(DisasContext *s, TCGv addr)
{
    if (!s->code64) {
        gen_add_seg_fixed(s, addr, R_SS);
    }
}

/* stack address of rsp + offset, wrapped to the stack address size (SS.B),
 * plus the SS base */
static void gen_stack_addr(DisasContext *s, TCGv dst, int64_t offset)
{
    tcg_gen_addi(s->tcg, dst, G(s)->regs[R_ESP], offset);
    if (!s->code64) {
        if (s->ss32) {
            tcg_gen_ext32u(s->tcg, dst, dst);
        } else {
            tcg_gen_ext16u(s->tcg, dst, dst);
        }
        gen_stack_seg(s, dst);
    }
}

static void gen_stack_update(DisasContext *s, int64_t delta)
{
    TCGv rsp = G(s)->regs[R_ESP];

    if (s->code64) {
        tcg_gen_addi(s->tcg, rsp, rsp, delta);
    } else if (s->ss32) {
        tcg_gen_addi(s->tcg, rsp, rsp, delta);
        tcg_gen_ext32u(s->tcg, rsp, rsp);
    } else {
        TCGv t = tcg_new64(s);
        tcg_gen_addi(s->tcg, t, rsp, delta);
        tcg_gen_deposit(s->tcg, rsp, rsp, t, 0, 16);
        tcg_temp_free(s->tcg, t);
    }
}

void gen_push(DisasContext *s, TCGv val)
{
    int ot = x86_stack_size(s);
    TCGv addr = tcg_new64(s);

    /* store first: a faulting push leaves rsp unchanged */
    gen_stack_addr(s, addr, -(1 << ot));
    gen_st(s, val, addr, ot);
    gen_stack_update(s, -(1 << ot));
    tcg_temp_free(s->tcg, addr);
}

void gen_pop_value(DisasContext *s, TCGv dst)
{
    TCGv addr = tcg_new64(s);

    gen_stack_addr(s, addr, 0);
    gen_ld(s, dst, addr, x86_stack_size(s));
    tcg_temp_free(s->tcg, addr);
}

void gen_pop_update(DisasContext *s)
{
    gen_stack_update(s, 1 << x86_stack_size(s));
}

static void disas_push_pop(DisasContext *s, unsigned b)
{
    int ot = x86_stack_size(s);

    if (b >= 0x50 && b <= 0x57) {
        gen_ld_reg(s, ot, s->T0, (b & 7) | s->rex_b);
        gen_push(s, s->T0);
    } else if (b >= 0x58 && b <= 0x5f) {
        gen_pop_value(s, s->T0);
        gen_pop_update(s);
        gen_st_reg(s, ot, (b & 7) | s->rex_b, s->T0);
    } else if (b == 0x68 || b == 0x6a) {
        tcg_gen_movi(s->tcg, s->T0, x86_ld_imm(s, b == 0x6a ? MO_8 : ot));
        gen_push(s, s->T0);
    }
}

/* 60 PUSHA / 61 POPA (legacy modes only; SDM vol. 2B, PUSHA/POPA) */
static void disas_pusha_popa(DisasContext *s, unsigned b)
{
    int ot = s->dflag, size = 1 << ot;

    for (int i = 0; i < 8; i++) {
        gen_stack_addr(s, s->A0, b == 0x60 ? -(i + 1) * size : (7 - i) * size);
        if (b == 0x60) {
            gen_ld_reg(s, ot, s->T0, i);
            gen_st(s, s->T0, s->A0, ot);
        } else if (i != R_ESP) {
            gen_ld(s, s->T0, s->A0, ot);
            gen_st_reg(s, ot, i, s->T0);
        }
    }
    gen_stack_update(s, b == 0x60 ? -8 * size : 8 * size);
}

/* 8F /0: POP Ev (SDM: rsp is incremented before the address is computed) */
static bool disas_pop_ev(DisasContext *s)
{
    int ot = x86_stack_size(s);

    x86_decode_modrm(s);
    if ((s->modrm >> 3) & 7) {
        return false;
    }
    gen_pop_value(s, s->T0);
    if (s->mod == 3) {
        gen_pop_update(s);
        gen_st_reg(s, ot, s->rm, s->T0);
    } else {
        /* the address uses the incremented rsp, but a faulting store must
         * leave rsp as it was */
        TCGv rsp = G(s)->regs[R_ESP];
        tcg_gen_mov(s->tcg, s->T1, rsp);
        gen_stack_update(s, 1 << ot);
        gen_lea_modrm(s);
        tcg_gen_mov(s->tcg, s->tmp, rsp);
        tcg_gen_mov(s->tcg, rsp, s->T1);
        gen_st(s, s->T0, s->A0, ot);
        tcg_gen_mov(s->tcg, rsp, s->tmp);
    }
    return true;
}

/* the stack address size (SS.B, or 64 in 64-bit mode) */
static int stack_addr_size(DisasContext *s)
{
    return s->code64 ? MO_64 : s->ss32 ? MO_32 : MO_16;
}

/*
 * C8: ENTER imm16, imm8 (SDM vol. 2A, ENTER): the pushes have the operand
 * size, the frame pointer copies are read at rBP - i * size with the stack
 * address size (so a 16-bit ENTER in 64-bit mode walks RBP, not BP).
 */
static void disas_enter(DisasContext *s)
{
    int ot = x86_stack_size(s);
    int size = 1 << ot;
    int sp_ot = stack_addr_size(s);
    unsigned frame = x86_lduw_code(s);
    unsigned level = x86_ldub_code(s) & 31;
    TCGv frame_ptr = tcg_new64(s);

    gen_ld_reg(s, ot, s->T0, R_EBP);
    gen_push(s, s->T0);
    gen_ld_reg(s, sp_ot, frame_ptr, R_ESP);
    for (unsigned i = 1; i < level; i++) {
        gen_ld_reg(s, sp_ot, s->T1, R_EBP);
        tcg_gen_subi(s->tcg, s->T1, s->T1, i * size);
        gen_extend(s, s->T1, s->T1, sp_ot, false);
        gen_stack_seg(s, s->T1);
        gen_ld(s, s->T0, s->T1, ot);
        gen_push(s, s->T0);
    }
    if (level) {
        gen_push(s, frame_ptr);
    }
    gen_st_reg(s, ot == MO_16 ? MO_16 : sp_ot, R_EBP, frame_ptr);
    gen_stack_update(s, -(int64_t)frame);
    tcg_temp_free(s->tcg, frame_ptr);
}

/* C9: LEAVE: rSP = rBP (stack address size), then pop rBP (operand size) */
static void disas_leave(DisasContext *s)
{
    int ot = x86_stack_size(s);
    int sp_ot = stack_addr_size(s);

    gen_ld_reg(s, sp_ot, s->T1, R_EBP);
    tcg_gen_mov(s->tcg, s->A0, s->T1);
    gen_stack_seg(s, s->A0);
    gen_ld(s, s->T0, s->A0, ot);
    tcg_gen_addi(s->tcg, s->T1, s->T1, 1 << ot);
    gen_st_reg(s, sp_ot, R_ESP, s->T1);
    gen_st_reg(s, ot, R_EBP, s->T0);
}

/* ---------------------------------------------------------------- branches */

static uint64_t branch_target(DisasContext *s, int64_t disp)
{
    uint64_t dest = s->pc + disp;

    if (!s->code64) {
        dest = s->dflag == MO_16 ? (uint16_t)dest : (uint32_t)dest;
    }
    return dest;
}

static void disas_jcc(DisasContext *s, unsigned b)
{
    int64_t disp = b < 0x100 ? (int8_t)x86_ldub_code(s) : x86_ld_imm(s, s->code64 ? MO_32 : s->dflag);
    uint64_t dest = branch_target(s, disp);

    gen_cond_jump(s, b & 15, dest);
}

/* E0-E3: LOOPNE/LOOPE/LOOP/JrCXZ, with rCX of address size */
static void disas_loop(DisasContext *s, unsigned b)
{
    uint64_t dest = branch_target(s, (int8_t)x86_ldub_code(s));
    TCGLabel *taken = tcg_gen_new_label(s->tcg);
    TCGLabel *not_taken = tcg_gen_new_label(s->tcg);
    int aot = s->aflag;

    gen_update_cc_op(s);
    if (b != 0xe3) {
        gen_ld_reg(s, aot, s->T0, R_ECX);
        tcg_gen_subi(s->tcg, s->T0, s->T0, 1);
        gen_st_reg(s, aot, R_ECX, s->T0);
    }
    gen_ld_reg(s, aot, s->T0, R_ECX);
    if (b == 0xe3) {
        tcg_gen_brcondi(s->tcg, TCG_COND_EQ, s->T0, 0, taken);
    } else {
        tcg_gen_brcondi(s->tcg, TCG_COND_EQ, s->T0, 0, not_taken);
        if (b == 0xe0) {
            gen_jcc_label(s, 0x5, taken);        /* ZF = 0 */
        } else if (b == 0xe1) {
            gen_jcc_label(s, 0x4, taken);        /* ZF = 1 */
        } else {
            tcg_gen_br(s->tcg, taken);
        }
    }
    tcg_gen_set_label(s->tcg, not_taken);
    gen_jmp_tb(s, s->pc, 0);
    tcg_gen_set_label(s->tcg, taken);
    gen_jmp_tb(s, dest, 1);
}

static void gen_jmp_indirect(DisasContext *s, TCGv dest)
{
    if (!s->code64) {
        gen_extend(s, dest, dest, s->dflag, false);
    }
    tcg_gen_mov(s->tcg, G(s)->rip, dest);
    s->is_jmp = DISAS_EOB_DYNAMIC;
}

static void disas_call_jmp(DisasContext *s, unsigned b)
{
    if (b == 0xe8) {
        int64_t disp = x86_ld_imm(s, s->code64 ? MO_32 : s->dflag);
        uint64_t dest = branch_target(s, disp);
        tcg_gen_movi(s->tcg, s->T0, s->pc);
        gen_push(s, s->T0);
        gen_jmp_direct(s, dest);
    } else if (b == 0xe9 || b == 0xeb) {
        int64_t disp = b == 0xeb ? (int8_t)x86_ldub_code(s) :
                       x86_ld_imm(s, s->code64 ? MO_32 : s->dflag);
        gen_jmp_direct(s, branch_target(s, disp));
    } else {
        /* C2/C3: RET [imm16] */
        unsigned extra = b == 0xc2 ? x86_lduw_code(s) : 0;
        gen_pop_value(s, s->T0);
        gen_stack_update(s, (1 << x86_stack_size(s)) + extra);
        gen_jmp_indirect(s, s->T0);
    }
}

/*
 * CA/CB RETF in user mode (system mode: translate-sys.c): a far return to the
 * code segment the program runs in, as "push %cs; push $addr; lret" does. A
 * Linux process has no other code segment it could return to without a mode
 * switch (0x23 <-> 0x33), which user mode does not emulate: #GP there.
 */
static void disas_lret_user(DisasContext *s, unsigned b)
{
    unsigned extra = b == 0xca ? x86_lduw_code(s) : 0;
    int size = 1 << s->dflag;
    TCGLabel *same = tcg_gen_new_label(s->tcg);

    gen_stack_addr(s, s->A0, size);
    gen_ld(s, s->T1, s->A0, MO_16);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, s->tmp, tcg_env(s->tcg),
               offsetof(CPUX86State, segs[R_CS].selector));
    gen_update_cc_op(s);
    tcg_gen_brcond(s->tcg, TCG_COND_EQ, s->T1, s->tmp, same);
    gen_exception(s, EXCP0D_GPF);
    tcg_gen_set_label(s->tcg, same);
    gen_stack_addr(s, s->A0, 0);
    gen_ld(s, s->T0, s->A0, s->dflag);
    gen_stack_update(s, 2 * size + extra);
    gen_jmp_indirect(s, s->T0);
}

/* FF /2 /4 /6: CALL Ev, JMP Ev, PUSH Ev (far forms: translate-sys.c) */
static bool disas_group5(DisasContext *s)
{
    int op, ot;

    x86_decode_modrm(s);
    op = (s->modrm >> 3) & 7;
    ot = s->code64 && op != 6 ? MO_64 : op == 6 ? x86_stack_size(s) : s->dflag;
    if (op == 2 || op == 4 || op == 6) {
        gen_ld_modrm(s, ot, s->T0);
    }
    switch (op) {
    case 2:
        tcg_gen_movi(s->tcg, s->T1, s->pc);
        gen_push(s, s->T1);
        gen_jmp_indirect(s, s->T0);
        return true;
    case 4:
        gen_jmp_indirect(s, s->T0);
        return true;
    case 6:
        gen_push(s, s->T0);
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- string instructions */

/* address of rSI (DS, overridable) or rDI (ES, not overridable) for a string
 * instruction (SDM vol. 1, 7.3.9.1) */
static void gen_string_addr(DisasContext *s, TCGv dst, int reg)
{
    gen_ld_reg(s, s->aflag, dst, reg);
    if (reg == R_ESI) {
        gen_add_seg_base(s, dst, R_DS);
    } else if (!s->code64) {
        gen_add_seg_fixed(s, dst, R_ES);
    }
}

static void gen_string_step(DisasContext *s, int reg, int ot)
{
    TCGv step = tcg_new64(s);

    tcg_gen_exts_i32_i64(s->tcg, step, G(s)->df);
    tcg_gen_shli(s->tcg, step, step, ot);
    tcg_gen_add(s->tcg, step, step, G(s)->regs[reg]);
    gen_st_reg(s, s->aflag, reg, step);
    tcg_temp_free(s->tcg, step);
}

/* one iteration of MOVS/CMPS/STOS/LODS/SCAS (A4..AF) */
static void gen_string_body(DisasContext *s, unsigned b, int ot)
{
    TCGContext *t = s->tcg;
    unsigned kind = b & ~1;

    switch (kind) {
    case 0xa4:   /* MOVS */
        gen_string_addr(s, s->A0, R_ESI);
        gen_ld(s, s->T0, s->A0, ot);
        gen_string_addr(s, s->A0, R_EDI);
        gen_st(s, s->T0, s->A0, ot);
        gen_string_step(s, R_ESI, ot);
        gen_string_step(s, R_EDI, ot);
        break;
    case 0xaa:   /* STOS */
        gen_string_addr(s, s->A0, R_EDI);
        gen_ld_reg(s, ot, s->T0, R_EAX);
        gen_st(s, s->T0, s->A0, ot);
        gen_string_step(s, R_EDI, ot);
        break;
    case 0xac:   /* LODS */
        gen_string_addr(s, s->A0, R_ESI);
        gen_ld(s, s->T0, s->A0, ot);
        gen_st_reg(s, ot, R_EAX, s->T0);
        gen_string_step(s, R_ESI, ot);
        break;
    case 0x6c:   /* INS: port DX to ES:rDI */
    case 0x6e: { /* OUTS: DS:rSI to port DX */
        TCGv port = gen_io_port_dx(s), v = tcg_temp_new(t, TCG_TYPE_I32);
        TCGv size = tcg_constant(t, TCG_TYPE_I32, 1 << ot);
        if (kind == 0x6c) {
            TCGv args[2] = { port, size };
            gen_string_addr(s, s->A0, R_EDI);
            gen_helper_env(s, helper_in, 0, v, 2, args);
            tcg_gen_extu_i32_i64(t, s->T0, v);
            gen_st(s, s->T0, s->A0, ot);
            gen_string_step(s, R_EDI, ot);
        } else {
            TCGv args[3] = { port, v, size };
            gen_string_addr(s, s->A0, R_ESI);
            gen_ld(s, s->T0, s->A0, ot);
            tcg_gen_extrl_i64_i32(t, v, s->T0);
            gen_helper_env(s, helper_out, 0, NULL, 3, args);
            gen_string_step(s, R_ESI, ot);
        }
        break;
    }
    default:     /* CMPS (A6): [rSI] - [rDI]; SCAS (AE): rAX - [rDI] */
        if (kind == 0xa6) {
            gen_string_addr(s, s->A0, R_ESI);
            gen_ld(s, s->T0, s->A0, ot);
        } else {
            gen_ld_reg(s, ot, s->T0, R_EAX);
        }
        gen_string_addr(s, s->A0, R_EDI);
        gen_ld(s, s->T1, s->A0, ot);
        tcg_gen_mov(t, G(s)->cc_src2, s->T0);
        tcg_gen_mov(t, G(s)->cc_src, s->T1);
        tcg_gen_sub(t, G(s)->cc_dst, s->T0, s->T1);
        if (kind == 0xa6) {
            gen_string_step(s, R_ESI, ot);
        }
        gen_string_step(s, R_EDI, ot);
        break;
    }
}

/* to label when the 8 bytes at addr cross a page boundary (4 KiB: the
 * smallest page, user and system mode) */
static void gen_branch_if_crossing(DisasContext *s, TCGv addr, TCGLabel *label)
{
    TCGv off = tcg_new64(s);
    tcg_gen_andi(s->tcg, off, addr, 0xfff);
    tcg_gen_brcondi(s->tcg, TCG_COND_GTU, off, 0x1000 - 8, label);
    tcg_temp_free(s->tcg, off);
}

/* to label when the 32-bit offset in reg is within 8 bytes of wrapping: its
 * next 8 bytes are not the next 8 of the linear address where a segment base
 * comes after the 32-bit wrap (64-bit mode, FS/GS) */
static void gen_branch_if_offset_wraps(DisasContext *s, int reg, TCGLabel *label)
{
    if (s->aflag == MO_32) {
        TCGv off = tcg_new64(s);
        gen_ld_reg(s, MO_32, off, reg);
        tcg_gen_brcondi(s->tcg, TCG_COND_GTU, off, 0xfffffff8u, label);
        tcg_temp_free(s->tcg, off);
    }
}

/* reg += n, at the address size (a 32-bit result zeroes the upper half) */
static void gen_string_advance(DisasContext *s, int reg, int64_t n)
{
    if (s->aflag == MO_64) {
        tcg_gen_addi(s->tcg, G(s)->regs[reg], G(s)->regs[reg], n);
    } else {
        TCGv v = tcg_new64(s);
        tcg_gen_addi(s->tcg, v, G(s)->regs[reg], n);
        gen_st_reg(s, MO_32, reg, v);
        tcg_temp_free(s->tcg, v);
    }
}

/*
 * REP MOVS/STOS of bytes, words and doublewords with 64- or 32-bit addressing,
 * DF = 0: eight bytes an iteration while rCX covers them (SDM vol. 1, 7.3.9.3
 * allows any order within fast strings; the result here is the element
 * loop's). A copy whose destination starts less than 8 bytes after its source
 * (linear addresses; where the element loop reads bytes it wrote) takes the
 * element loop. An 8-byte access that would cross a page boundary, or a
 * 32-bit offset's wrap, is one element instead, so a fault comes at the
 * element the element loop faults at, with the same rCX/rSI/rDI: a chunk
 * faults only when its first byte does. Falls through (or jumps) to the
 * element loop (elements) for what is left.
 */
static void gen_rep_chunks(DisasContext *s, unsigned b, int ot, TCGLabel *elements)
{
    TCGContext *t = s->tcg;
    bool movs = (b & ~1) == 0xa4;
    int64_t per = 8 >> ot;
    TCGLabel *chunk = tcg_gen_new_label(t), *one = tcg_gen_new_label(t);
    TCGv pattern = NULL, v = tcg_new64(s);
    static const uint64_t spread[3] = { 0x0101010101010101ULL, 0x0001000100010001ULL,
                                        0x0000000100000001ULL };

    tcg_gen_brcondi(t, TCG_COND_NE, G(s)->df, 1, elements);   /* df: +1 or -1 */
    if (movs) {
        gen_string_addr(s, v, R_EDI);
        gen_string_addr(s, s->A0, R_ESI);
        tcg_gen_sub(t, v, v, s->A0);
        tcg_gen_brcondi(t, TCG_COND_LTU, v, 8, elements);
    } else {
        pattern = tcg_temp_local_new(t, TCG_TYPE_I64);
        gen_extend(s, pattern, G(s)->regs[R_EAX], ot, false);
        tcg_gen_muli(t, pattern, pattern, (int64_t)spread[ot]);
    }
    tcg_gen_set_label(t, chunk);
    if (s->aflag == MO_64) {
        tcg_gen_brcondi(t, TCG_COND_LTU, G(s)->regs[R_ECX], per, elements);
    } else {
        gen_ld_reg(s, MO_32, v, R_ECX);
        tcg_gen_brcondi(t, TCG_COND_LTU, v, per, elements);
    }
    if (movs) {
        gen_branch_if_offset_wraps(s, R_ESI, one);
        gen_branch_if_offset_wraps(s, R_EDI, one);
        gen_string_addr(s, s->A0, R_ESI);
        gen_branch_if_crossing(s, s->A0, one);
        gen_string_addr(s, s->A0, R_EDI);
        gen_branch_if_crossing(s, s->A0, one);
        gen_string_addr(s, s->A0, R_ESI);
        gen_ld(s, s->T0, s->A0, MO_64);
        gen_string_addr(s, s->A0, R_EDI);
        gen_st(s, s->T0, s->A0, MO_64);
        gen_string_advance(s, R_ESI, 8);
    } else {
        gen_branch_if_offset_wraps(s, R_EDI, one);
        gen_string_addr(s, s->A0, R_EDI);
        gen_branch_if_crossing(s, s->A0, one);
        gen_st(s, pattern, s->A0, MO_64);
    }
    gen_string_advance(s, R_EDI, 8);
    gen_string_advance(s, R_ECX, -per);
    tcg_gen_br(t, chunk);
    tcg_gen_set_label(t, one);
    gen_string_body(s, b, ot);
    gen_string_advance(s, R_ECX, -1);
    tcg_gen_br(t, chunk);
    if (pattern) {
        tcg_temp_free(t, pattern);
    }
    tcg_temp_free(t, v);
}

void gen_string_insn(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    /* INS/OUTS move at most 32 bits (SDM vol. 2A, INS) */
    int ot = !(b & 1) ? MO_8 : (b < 0xa0 && s->dflag == MO_64) ? MO_32 : s->dflag;
    bool compares = (b & ~1) == 0xa6 || (b & ~1) == 0xae;
    bool rep = s->prefix & (PREFIX_REPZ | PREFIX_REPNZ);
    TCGLabel *loop, *done;

    if (!rep) {
        gen_string_body(s, b, ot);
        if (compares) {
            set_cc_op(s, CC_OP_SUBB + ot);
        }
        return;
    }
    /* REP: iterate inside the block; rCX and the pointers are updated each
     * iteration, so a fault restarts the instruction where it stopped */
    gen_update_cc_op(s);
    loop = tcg_gen_new_label(t);
    done = tcg_gen_new_label(t);
    if (s->aflag != MO_16 && ot != MO_64 && ((b & ~1) == 0xa4 || (b & ~1) == 0xaa)) {
        gen_rep_chunks(s, b, ot, loop);
    }
    tcg_gen_set_label(t, loop);
    gen_ld_reg(s, s->aflag, s->tmp, R_ECX);
    tcg_gen_brcondi(t, TCG_COND_EQ, s->tmp, 0, done);
    gen_string_body(s, b, ot);
    gen_ld_reg(s, s->aflag, s->tmp, R_ECX);
    tcg_gen_subi(t, s->tmp, s->tmp, 1);
    gen_st_reg(s, s->aflag, R_ECX, s->tmp);
    if (compares) {
        TCGv a = tcg_new64(s);
        tcg_gen_movi(t, G(s)->cc_op, CC_OP_SUBB + ot);
        gen_extend(s, a, G(s)->cc_dst, ot, false);
        /* REPE stops when ZF = 0, REPNE when ZF = 1 */
        tcg_gen_brcondi(t, (s->prefix & PREFIX_REPZ) ? TCG_COND_NE : TCG_COND_EQ, a, 0, done);
        tcg_temp_free(t, a);
    }
    tcg_gen_br(t, loop);
    tcg_gen_set_label(t, done);
    if (compares) {
        s->cc_op = CC_OP_DYNAMIC;
        s->cc_op_dirty = false;
    }
}

/* ---------------------------------------------------------------- flags */

static void disas_flag_insn(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    TCGv f = s->T0;

    switch (b) {
    case 0xf5:   /* CMC */
    case 0xf8:   /* CLC */
    case 0xf9:   /* STC */
        gen_compute_eflags(s, f);
        if (b == 0xf5) {
            tcg_gen_xori(t, f, f, CC_C);
        } else if (b == 0xf8) {
            tcg_gen_andi(t, f, f, ~(uint64_t)CC_C);
        } else {
            tcg_gen_ori(t, f, f, CC_C);
        }
        gen_set_eflags_cc(s, f);
        break;
    case 0xfc:   /* CLD */
    case 0xfd:   /* STD */
        tcg_gen_movi(t, G(s)->df, b == 0xfc ? 1 : -1);
        break;
    case 0x9e:   /* SAHF: SF ZF AF PF CF from AH */
        gen_compute_eflags(s, f);
        tcg_gen_andi(t, f, f, CC_O);
        tcg_gen_extract(t, s->T1, G(s)->regs[R_EAX], 8, 8);
        tcg_gen_andi(t, s->T1, s->T1, CC_S | CC_Z | CC_A | CC_P | CC_C);
        tcg_gen_or(t, f, f, s->T1);
        gen_set_eflags_cc(s, f);
        break;
    default:     /* 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF */
        gen_compute_eflags(s, f);
        tcg_gen_andi(t, f, f, CC_S | CC_Z | CC_A | CC_P | CC_C);
        tcg_gen_ori(t, f, f, 2);
        tcg_gen_deposit(t, G(s)->regs[R_EAX], G(s)->regs[R_EAX], f, 8, 8);
        break;
    }
}

/* the flags POPF may change (SDM vol. 2B, POPF): IOPL at CPL 0 only, IF when
 * CPL <= IOPL; VM, RF, VIP and VIF never. User mode keeps CPL 3 and IOPL 0. */
static uint32_t popf_mask(DisasContext *s, int ot)
{
    uint32_t mask = CC_ALL | TF_MASK | DF_MASK | AC_MASK | ID_MASK | 0x4000;

    if (s->sys && s->cpl == 0 && !s->vm86) {
        mask |= 0x3000;
    }
    if (s->sys && (s->vm86 || s->cpl <= s->iopl)) {
        mask |= IF_MASK;
    }
    return ot == MO_16 ? mask & 0xffff : mask;
}

/* 9C PUSHF, 9D POPF */
static void disas_pushf_popf(DisasContext *s, unsigned b)
{
    int ot = x86_stack_size(s);

    if (s->vm86 && s->iopl < 3) {
        /* without VME, VM86 needs IOPL 3 (SDM vol. 3A, 20.2.7) */
        gen_exception(s, EXCP0D_GPF);
        return;
    }
    gen_update_cc_op(s);
    if (b == 0x9c) {
        TCGv env = tcg_env(s->tcg);
        tcg_gen_call(s->tcg, helper_read_eflags, 0, s->T0, 1, &env);
        /* SDM vol. 2B, PUSHF: VM and RF are cleared in the pushed image */
        tcg_gen_andi(s->tcg, s->T0, s->T0, ~(uint64_t)0x30000);
        gen_push(s, s->T0);
    } else {
        TCGv args[2];
        gen_pop_value(s, s->T0);
        gen_pop_update(s);
        args[0] = s->T0;
        args[1] = tcg_constant(s->tcg, TCG_TYPE_I32, popf_mask(s, ot));
        gen_helper_env(s, helper_write_eflags, 0, NULL, 2, args);
        s->cc_op = CC_OP_EFLAGS;
        s->cc_op_dirty = false;
        if (s->sys) {
            /* IF may have been set: pending interrupts are taken now */
            tcg_gen_movi(s->tcg, G(s)->rip, s->code64 ? s->pc : (uint32_t)s->pc);
            s->is_jmp = DISAS_EOB_EXIT;
        } else {
            s->is_jmp = DISAS_TOO_MANY;
        }
    }
}

/* ---------------------------------------------------------------- segments */

/*
 * Loads segment register seg with the selector in sel (the low 16 bits): the
 * helper checks the descriptor. In system mode the block ends after a load of
 * ES, DS or SS (SS.B and the segment-base flag are in the block key); a load of
 * SS through MOV also blocks interrupts for one instruction (SDM vol. 3A, 6.8.3).
 */
void gen_load_seg(DisasContext *s, int seg, TCGv sel)
{
    TCGv args[2];

    args[0] = tcg_constant(s->tcg, TCG_TYPE_I32, seg);
    args[1] = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    tcg_gen_extrl_i64_i32(s->tcg, args[1], sel);
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
    gen_helper_env(s, helper_load_seg, 0, NULL, 2, args);
    if (s->sys && seg != R_FS && seg != R_GS) {
        s->is_jmp = DISAS_TOO_MANY;
    }
}

/* 8C MOV Ev,Sreg; 8E MOV Sreg,Ew; push/pop of segment registers */
static bool disas_mov_seg(DisasContext *s, unsigned b)
{
    x86_decode_modrm(s);
    int seg = (s->modrm >> 3) & 7;

    if (seg > R_GS) {
        return false;
    }
    if (b == 0x8c) {
        tcg_gen_ld(s->tcg, INDEX_op_ld32u, s->T0, tcg_env(s->tcg),
                   offsetof(CPUX86State, segs[seg].selector));
        gen_st_modrm(s, s->mod == 3 ? s->dflag : MO_16, s->T0, false);
        return true;
    }
    if (seg == R_CS) {
        return false;
    }
    gen_ld_modrm(s, MO_16, s->T0);
    gen_load_seg(s, seg, s->T0);
    if (s->sys && seg == R_SS) {
        gen_set_inhibit_irq(s);
        s->db_shadow = true;
    }
    return true;
}

static bool disas_push_pop_seg(DisasContext *s, unsigned b)
{
    static const struct { unsigned opcode; int seg; bool pop; bool legacy; } forms[] = {
        { 0x06, R_ES, false, true }, { 0x07, R_ES, true, true },
        { 0x0e, R_CS, false, true }, { 0x16, R_SS, false, true },
        { 0x17, R_SS, true, true }, { 0x1e, R_DS, false, true },
        { 0x1f, R_DS, true, true }, { 0x1a0, R_FS, false, false },
        { 0x1a1, R_FS, true, false }, { 0x1a8, R_GS, false, false },
        { 0x1a9, R_GS, true, false },
    };
    for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        if (forms[i].opcode != b) {
            continue;
        }
        if (forms[i].legacy && s->code64) {
            return false;
        }
        if (!forms[i].pop) {
            tcg_gen_ld(s->tcg, INDEX_op_ld32u, s->T0, tcg_env(s->tcg),
                       offsetof(CPUX86State, segs[forms[i].seg].selector));
            gen_push(s, s->T0);
        } else {
            gen_pop_value(s, s->T0);
            gen_load_seg(s, forms[i].seg, s->T0);
            gen_pop_update(s);
            if (s->sys && forms[i].seg == R_SS) {
                gen_set_inhibit_irq(s);
                s->db_shadow = true;
            }
        }
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- system and misc */

static void disas_syscall(DisasContext *s)
{
    TCGv env = tcg_env(s->tcg);

    /* SDM vol. 2B, SYSCALL: RCX = next rip, R11 = RFLAGS */
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->regs[R_ECX], s->pc);
    tcg_gen_call(s->tcg, helper_read_eflags, 0, G(s)->regs[R_R11], 1, &env);
    gen_exception_next(s, EXCP_SYSCALL);
}

static void disas_int(DisasContext *s, unsigned b)
{
    if (b == 0xcc) {
        gen_exception_next(s, EXCP03_INT3);
        return;
    }
    if (b == 0xce) {
        if (s->code64) {
            gen_exception(s, EXCP06_ILLOP);
            return;
        }
        TCGLabel *no = tcg_gen_new_label(s->tcg);
        gen_update_cc_op(s);
        gen_jcc_label(s, 1, no);   /* OF = 0 */
        gen_exception_next(s, EXCP04_INTO);
        tcg_gen_set_label(s->tcg, no);
        s->is_jmp = DISAS_NEXT;
        return;
    }
    unsigned vector = x86_ldub_code(s);
    if (vector == 0x80) {
        gen_exception_next(s, EXCP_INT80);
    } else {
        /* a user-mode INT n to a gate with DPL 0: #GP (SDM vol. 3A, 6.12.1.1) */
        gen_exception(s, EXCP0D_GPF);
    }
}

/* hint NOPs with a ModRM operand: 0F 0D, 0F 18-1F (incl. endbr64 F3 0F 1E FA), fences */
static bool disas_hint_nop(DisasContext *s, unsigned b)
{
    uint64_t save = s->pc;

    x86_decode_modrm(s);
    if (b == 0x1ae) {
        int op = (s->modrm >> 3) & 7;
        /* LFENCE/MFENCE/SFENCE (mod 3) and CLFLUSH (/7 memory) */
        if (!((s->mod == 3 && op >= 5) || (s->mod != 3 && op == 7 && !s->prefix))) {
            s->pc = save;
            return false;
        }
    }
    if (s->mod != 3) {
        /* the address is computed for the decode length only; no access */
        gen_lea_modrm_noseg(s, s->tmp);
    }
    return true;
}

static void disas_helper_insn(DisasContext *s, void *helper)
{
    TCGv env = tcg_env(s->tcg);

    gen_update_cc_op(s);
    tcg_gen_call(s->tcg, helper, 0, NULL, 1, &env);
}

static void disas_xlat(DisasContext *s)
{
    gen_ld_reg(s, MO_8, s->T0, R_EAX);
    tcg_gen_add(s->tcg, s->A0, G(s)->regs[R_EBX], s->T0);
    if (s->aflag == MO_16) {
        tcg_gen_ext16u(s->tcg, s->A0, s->A0);
    }
    gen_add_seg_base(s, s->A0, R_DS);
    gen_ld(s, s->T0, s->A0, MO_8);
    gen_st_reg(s, MO_8, R_EAX, s->T0);
}

/* 27 2F 37 3F D4 D5: decimal adjust (legacy modes only) */
static void disas_bcd(DisasContext *s, unsigned b)
{
    TCGv args[2];

    args[0] = tcg_constant(s->tcg, TCG_TYPE_I32, b);
    args[1] = tcg_constant(s->tcg, TCG_TYPE_I32, b >= 0xd4 ? x86_ldub_code(s) : 0);
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
    gen_helper_env(s, helper_bcd, 0, NULL, 2, args);
    s->cc_op = CC_OP_EFLAGS;
    s->cc_op_dirty = false;
}

bool disas_ctl(DisasContext *s, unsigned b)
{
    if (b >= 0x50 && b <= 0x5f) {
        disas_push_pop(s, b);
    } else if (b == 0x68 || b == 0x6a) {
        disas_push_pop(s, b);
    } else if ((b == 0x60 || b == 0x61) && !s->code64) {
        disas_pusha_popa(s, b);
    } else if ((b == 0x27 || b == 0x2f || b == 0x37 || b == 0x3f || b == 0xd4 || b == 0xd5) &&
               !s->code64) {
        disas_bcd(s, b);
    } else if (b == 0x8f) {
        return disas_pop_ev(s);
    } else if (b == 0xc8) {
        disas_enter(s);
    } else if (b == 0xc9) {
        disas_leave(s);
    } else if ((b >= 0x70 && b <= 0x7f) || (b >= 0x180 && b <= 0x18f)) {
        disas_jcc(s, b);
    } else if (b >= 0xe0 && b <= 0xe3) {
        disas_loop(s, b);
    } else if (b == 0xe8 || b == 0xe9 || b == 0xeb || b == 0xc2 || b == 0xc3) {
        disas_call_jmp(s, b);
    } else if (b == 0xca || b == 0xcb) {
        disas_lret_user(s, b);
    } else if (b == 0xff) {
        return disas_group5(s);
    } else if (b >= 0xa4 && b <= 0xaf && b != 0xa8 && b != 0xa9) {
        gen_string_insn(s, b);
    } else if (b == 0xf5 || b == 0xf8 || b == 0xf9 || b == 0xfc || b == 0xfd ||
               b == 0x9e || b == 0x9f) {
        disas_flag_insn(s, b);
    } else if (b == 0x9c || b == 0x9d) {
        disas_pushf_popf(s, b);
    } else if (b == 0x8c || b == 0x8e) {
        return disas_mov_seg(s, b);
    } else if (b == 0x06 || b == 0x07 || b == 0x0e || b == 0x16 || b == 0x17 ||
               b == 0x1e || b == 0x1f || b == 0x1a0 || b == 0x1a1 || b == 0x1a8 || b == 0x1a9) {
        return disas_push_pop_seg(s, b);
    } else if (b == 0x90) {
        /* NOP, and F3 90 PAUSE: a spin-wait hint (SDM vol. 2B, PAUSE), which
         * the machine takes to let another vCPU run (helper_pause) */
        if ((s->prefix & PREFIX_REPZ) && s->sys) {
            disas_helper_insn(s, helper_pause);
            /* the block ends here: the turn ends before the spin loop's
             * next instruction (the lock taken again, say) */
            tcg_gen_movi(s->tcg, G(s)->rip, s->code64 ? s->pc : (uint32_t)s->pc);
            s->is_jmp = DISAS_EOB_EXIT;
        }
    } else if (b == 0x105 && s->code64) {
        disas_syscall(s);
    } else if (b == 0xcc || b == 0xcd || b == 0xce) {
        disas_int(s, b);
    } else if (b == 0x9b) {
        gen_x87_wait(s);   /* FWAIT: #MF for a pending unmasked x87 exception */
    } else if ((b >= 0xd8 && b <= 0xdf) || b == 0xd6) {   /* x87, SALC */
        return disas_x87(s, b);
    } else if (b == 0x10d || (b >= 0x118 && b <= 0x11f) || b == 0x1ae) {
        return disas_hint_nop(s, b);
    } else if (b == 0x1a2) {
        disas_helper_insn(s, helper_cpuid);
    } else if (b == 0x131) {
        disas_helper_insn(s, helper_rdtsc);
    } else if (b == 0xd7) {
        disas_xlat(s);
    } else if (b == 0x133) {
        /* RDPMC: no performance counters, so no counter index is valid */
        gen_exception(s, EXCP0D_GPF);
    } else {
        return false;
    }
    return true;
}
