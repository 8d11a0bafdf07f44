/*
 * x86 front end: the system instructions (Intel SDM vol. 2A-2D per-instruction
 * pages, vol. 3A chapters 2-7): control and debug registers, descriptor tables,
 * far transfers, interrupts and IRET, port I/O, HLT, CLI/STI, MSRs, fast system
 * calls, LAR/LSL/VERR/VERW, segment-pointer loads.
 *
 * Decoding is driven by one table: each row names the opcode (0Fxx as 0x1xx),
 * for the group opcodes the ModRM reg field and form it applies to, the rules
 * checked before anything is emitted (operating mode, privilege) and the
 * generator. The C helpers (sys_helper.h) do the run-time checks that depend on
 * descriptors and memory; what the block key already fixes (CPL, IOPL, mode) is
 * checked here, at translation time.
 *
 * User mode (no HF_SYSTEM) runs at CPL 3 with IOPL 0, so the privilege rules
 * give the #GP a Linux program gets; rows marked SYS_ONLY are left to the
 * user-mode translations in translate-ctl.c (INT 0x80, SYSCALL) or #UD.
 */
#include "target-i386/translate.h"
#include "target-i386/sys_helper.h"

#define G(s) ((s)->g)

/* rules of a row, checked in this order */
enum {
    SYS_ONLY   = 1 << 0,   /* system emulation only: user mode decodes it elsewhere */
    SYS_NO64   = 1 << 1,   /* #UD in 64-bit mode (SDM: "N.E." in 64-bit mode) */
    SYS_ONLY64 = 1 << 2,   /* #UD outside 64-bit mode */
    SYS_PMODE  = 1 << 3,   /* #UD in real-address and virtual-8086 mode */
    SYS_MEM    = 1 << 4,   /* ModRM must name memory, else #UD */
    SYS_CPL0   = 1 << 5,   /* #GP(0) unless CPL = 0 */
    SYS_IOPL   = 1 << 6,   /* #GP(0) unless CPL <= IOPL (VM86: IOPL = 3) */
    SYS_IOPORT = 1 << 7,   /* port I/O: user mode #GP(0); TSS bitmap at run time */
    SYS_EOB    = 1 << 8,   /* may change the mode or the block key: back to the loop after */
};

#define ANY_REG (-1)
#define ANY_RM  (-1)
enum { FORM_ANY, FORM_MEM, FORM_REG };

typedef struct SysInsn {
    uint16_t opcode;
    int8_t reg;            /* ModRM reg field of a group opcode, ANY_REG otherwise */
    uint8_t form;          /* group rows: which ModRM forms (mod = 3 or memory) */
    int8_t rm;             /* mod = 3 rows of 0F 01: the rm field, ANY_RM otherwise */
    uint16_t rules;
    void (*gen)(DisasContext *s, unsigned b);
    const char *name;      /* for the in_asm log */
} SysInsn;

/* ---------------------------------------------------------------- common pieces */

/* syncs cc_op and rip (= this instruction) before a helper that may fault or read rip */
static void gen_sys_helper(DisasContext *s, void *helper, TCGv ret, unsigned nargs,
                           const TCGv *args)
{
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->pc_start);
    gen_helper_env(s, helper, 0, ret, nargs, args);
}

static TCGv const32(DisasContext *s, uint32_t v)
{
    return tcg_constant(s->tcg, TCG_TYPE_I32, v);
}

static TCGv low32(DisasContext *s, TCGv v)
{
    TCGv t = tcg_temp_new(s->tcg, TCG_TYPE_I32);

    tcg_gen_extrl_i64_i32(s->tcg, t, v);
    return t;
}

static TCGv insn_length(DisasContext *s)
{
    return const32(s, (uint32_t)(s->pc - s->pc_start));
}

/* ends the block after this instruction and returns to the execution loop: the
 * instruction changed the mode, the key of the next block or IF */
static void gen_exit_after(DisasContext *s)
{
    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, G(s)->rip, s->code64 ? s->pc : (uint32_t)s->pc);
    s->is_jmp = DISAS_EOB_EXIT;
}

/* the helper set rip (far transfers, interrupts, IRET): back to the loop */
static void gen_exit_helper_rip(DisasContext *s)
{
    s->cc_op = CC_OP_DYNAMIC;
    s->cc_op_dirty = false;
    s->is_jmp = DISAS_EOB_EXIT;
}

static void gen_ld_env32(DisasContext *s, TCGv dst, size_t offset)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, dst, tcg_env(s->tcg), offset);
}

/* the interrupt shadow of STI and MOV SS / POP SS (SDM vol. 3A, 6.8.3) */
void gen_set_inhibit_irq(DisasContext *s)
{
    TCGv h = tcg_temp_new(s->tcg, TCG_TYPE_I32);

    gen_ld_env32(s, h, offsetof(CPUX86State, hflags));
    tcg_gen_ori(s->tcg, h, h, HF_INHIBIT_IRQ);
    tcg_gen_st(s->tcg, INDEX_op_st32, h, tcg_env(s->tcg), offsetof(CPUX86State, hflags));
    tcg_temp_free(s->tcg, h);
}

/* ---------------------------------------------------------------- CLI, STI, HLT */

static void gen_cli_sti(DisasContext *s, unsigned b)
{
    TCGv fl = tcg_new64(s);
    TCGv env = tcg_env(s->tcg);

    tcg_gen_ld(s->tcg, INDEX_op_ld, fl, env, offsetof(CPUX86State, eflags));
    if (b == 0xfa) {
        tcg_gen_andi(s->tcg, fl, fl, ~(int64_t)IF_MASK);
    } else {
        tcg_gen_ori(s->tcg, fl, fl, IF_MASK);
    }
    tcg_gen_st(s->tcg, INDEX_op_st, fl, env, offsetof(CPUX86State, eflags));
    tcg_temp_free(s->tcg, fl);
    if (b == 0xfb) {
        /* interrupts are recognised after the next instruction (the row's
         * SYS_EOB then returns to the loop, which takes them) */
        gen_set_inhibit_irq(s);
    }
}

static void gen_hlt(DisasContext *s, unsigned b)
{
    TCGv len = insn_length(s);

    (void)b;
    gen_sys_helper(s, helper_hlt, NULL, 1, &len);
    s->is_jmp = DISAS_JUMPED;
}

/* ---------------------------------------------------------------- port I/O */

static int io_size(DisasContext *s, unsigned b)
{
    return (b & 1) ? (s->dflag == MO_16 ? MO_16 : MO_32) : MO_8;
}

/* SDM vol. 1, 19.5: without the right by CPL <= IOPL, the TSS bitmap decides */
static void gen_check_io(DisasContext *s, TCGv port, int ot)
{
    if (s->pe && (s->vm86 || s->cpl > s->iopl)) {
        TCGv args[2] = { port, const32(s, 1u << ot) };
        gen_sys_helper(s, helper_check_io, NULL, 2, args);
    }
}

TCGv gen_io_port_dx(DisasContext *s)
{
    TCGv port = tcg_temp_new(s->tcg, TCG_TYPE_I32);

    tcg_gen_extrl_i64_i32(s->tcg, port, G(s)->regs[R_EDX]);
    tcg_gen_andi(s->tcg, port, port, 0xffff);
    return port;
}

static TCGv io_port(DisasContext *s, unsigned b)
{
    return (b & 0xf8) == 0xe0 ? const32(s, x86_ldub_code(s)) : gen_io_port_dx(s);
}

/* E4-E7 IN/OUT with an immediate port, EC-EF with DX */
static void gen_in_out(DisasContext *s, unsigned b)
{
    int ot = io_size(s, b);
    TCGv port = io_port(s, b);
    TCGv size = const32(s, 1u << ot);

    gen_check_io(s, port, ot);
    if (!(b & 2)) {
        TCGv v = tcg_temp_new(s->tcg, TCG_TYPE_I32);
        TCGv args[2] = { port, size };
        gen_helper_env(s, helper_in, 0, v, 2, args);
        tcg_gen_extu_i32_i64(s->tcg, s->T0, v);
        gen_st_reg(s, ot, R_EAX, s->T0);
    } else {
        TCGv args[3] = { port, low32(s, G(s)->regs[R_EAX]), size };
        gen_helper_env(s, helper_out, 0, NULL, 3, args);
    }
}

/* 6C-6F INS/OUTS: the permission check once, then the string loop */
static void gen_ins_outs(DisasContext *s, unsigned b)
{
    int ot = io_size(s, b);

    gen_check_io(s, io_port(s, b), ot);
    gen_string_insn(s, b);
}

/* ---------------------------------------------------------------- interrupts */

static void gen_interrupt(DisasContext *s, int vector)
{
    TCGv args[2];

    args[0] = const32(s, vector);
    args[1] = insn_length(s);
    gen_sys_helper(s, helper_raise_interrupt, NULL, 2, args);
    s->is_jmp = DISAS_JUMPED;
}

/* CC INT3, CD INT n, CE INTO, F1 INT1 */
static void gen_int(DisasContext *s, unsigned b)
{
    TCGLabel *no;

    switch (b) {
    case 0xcc:
        gen_interrupt(s, EXCP03_INT3);
        break;
    case 0xf1:
        gen_interrupt(s, EXCP01_DB);
        break;
    case 0xcd: {
        unsigned vector = x86_ldub_code(s);
        if (s->vm86 && s->iopl < 3) {
            /* without VME, INT n in virtual-8086 mode needs IOPL 3 (SDM 20.3.3) */
            gen_exception(s, EXCP0D_GPF);
        } else {
            gen_interrupt(s, vector);
        }
        break;
    }
    default:   /* INTO: #OF when OF = 1 */
        no = tcg_gen_new_label(s->tcg);
        gen_update_cc_op(s);
        gen_jcc_label(s, 1, no);
        gen_interrupt(s, EXCP04_INTO);
        tcg_gen_set_label(s->tcg, no);
        s->is_jmp = DISAS_NEXT;
        break;
    }
}

/* CF IRET/IRETD/IRETQ */
static void gen_iret(DisasContext *s, unsigned b)
{
    TCGv args[2] = { const32(s, s->dflag), insn_length(s) };

    (void)b;
    gen_sys_helper(s, helper_iret, NULL, 2, args);
    gen_exit_helper_rip(s);
}

/* ---------------------------------------------------------------- far transfers */

/* 9A CALL ptr16:16/32, EA JMP ptr16:16/32 */
static void gen_far_direct(DisasContext *s, unsigned b)
{
    uint64_t offset = (uint64_t)x86_ld_imm(s, s->dflag);
    uint32_t selector = x86_lduw_code(s);
    TCGv off = tcg_const64(s, s->dflag == MO_16 ? offset & 0xffff : offset & 0xffffffff);

    if (b == 0x9a) {
        TCGv args[4] = { const32(s, selector), off, const32(s, s->dflag), insn_length(s) };
        gen_sys_helper(s, helper_lcall, NULL, 4, args);
    } else {
        TCGv args[3] = { const32(s, selector), off, insn_length(s) };
        gen_sys_helper(s, helper_ljmp, NULL, 3, args);
    }
    gen_exit_helper_rip(s);
}

/* reads the far pointer m16:16/32/64 at the ModRM address: offset into T0,
 * selector into T1 (SDM vol. 2A, CALL/JMP "far absolute indirect") */
static void gen_ld_far_pointer(DisasContext *s)
{
    gen_lea_modrm(s);
    gen_ld(s, s->T0, s->A0, s->dflag);
    tcg_gen_addi(s->tcg, s->tmp, s->A0, 1 << s->dflag);
    gen_ld(s, s->T1, s->tmp, MO_16);
}

/* FF /3 CALL m16:xx, FF /5 JMP m16:xx */
static void gen_far_indirect(DisasContext *s, unsigned b)
{
    bool call = ((s->modrm >> 3) & 7) == 3;
    TCGv sel;

    (void)b;
    gen_ld_far_pointer(s);
    sel = low32(s, s->T1);
    if (call) {
        TCGv args[4] = { sel, s->T0, const32(s, s->dflag), insn_length(s) };
        gen_sys_helper(s, helper_lcall, NULL, 4, args);
    } else {
        TCGv args[3] = { sel, s->T0, insn_length(s) };
        gen_sys_helper(s, helper_ljmp, NULL, 3, args);
    }
    gen_exit_helper_rip(s);
}

/* CA RETF imm16, CB RETF */
static void gen_retf(DisasContext *s, unsigned b)
{
    uint32_t imm = b == 0xca ? x86_lduw_code(s) : 0;
    TCGv args[2] = { const32(s, s->dflag), const32(s, imm) };

    gen_sys_helper(s, helper_lret, NULL, 2, args);
    gen_exit_helper_rip(s);
}

/* C4 LES, C5 LDS, 0F B2 LSS, 0F B4 LFS, 0F B5 LGS: Gv = offset, Sreg = selector */
static void gen_load_far_pointer(DisasContext *s, unsigned b)
{
    int seg = b == 0xc4 ? R_ES : b == 0xc5 ? R_DS : b == 0x1b2 ? R_SS : b == 0x1b4 ? R_FS : R_GS;

    gen_ld_far_pointer(s);
    gen_load_seg(s, seg, s->T1);
    gen_st_reg(s, s->dflag, s->reg, s->T0);
}

/* ---------------------------------------------------------------- control and debug registers */

/* 0F 20 / 0F 22 MOV from/to CRn; 0F 21 / 0F 23 MOV from/to DRn. The r/m
 * field always names a general register, whatever mod says (SDM vol. 2B, MOV). */
static void gen_mov_cr_dr(DisasContext *s, unsigned b)
{
    int ot = s->code64 ? MO_64 : MO_32;
    int gpr = (s->modrm & 7) | s->rex_b;
    bool dr = b & 1, to = b & 2;
    int index = s->reg;
    TCGv args[2];

    if (dr ? index > 7 : !(index == 0 || index == 2 || index == 3 || index == 4 ||
                           (index == 8 && s->code64))) {
        gen_exception(s, EXCP06_ILLOP);
        return;
    }
    args[0] = const32(s, index);
    if (to) {
        gen_ld_reg(s, ot, s->T0, gpr);
        args[1] = s->T0;
        gen_sys_helper(s, dr ? helper_set_dr : helper_write_crN, NULL, 2, args);
    } else {
        gen_sys_helper(s, dr ? helper_get_dr : helper_read_crN, s->T0, 1, args);
        gen_st_reg(s, ot, gpr, s->T0);
    }
}

/* ---------------------------------------------------------------- group 6 (0F 00) */

static void gen_st_selector(DisasContext *s, size_t offset)
{
    gen_ld_env32(s, s->T0, offset);
    /* a register destination takes the operand size, memory 16 bits */
    gen_st_modrm(s, s->mod == 3 ? s->dflag : MO_16, s->T0, false);
}

static void gen_group6(DisasContext *s, unsigned b)
{
    static void (*const check[])(CPUX86State *, uint32_t) = {
        [2] = helper_lldt, [3] = helper_ltr, [4] = helper_verr, [5] = helper_verw,
    };
    int op = (s->modrm >> 3) & 7;
    TCGv args[1];

    (void)b;
    if (op == 0) {
        gen_st_selector(s, offsetof(CPUX86State, ldt.selector));
        return;
    }
    if (op == 1) {
        gen_st_selector(s, offsetof(CPUX86State, tr.selector));
        return;
    }
    gen_ld_modrm(s, MO_16, s->T0);
    args[0] = low32(s, s->T0);
    gen_sys_helper(s, (void *)check[op], NULL, 1, args);
    if (op >= 4) {
        s->cc_op = CC_OP_EFLAGS;       /* the helper set ZF */
        s->cc_op_dirty = false;
    }
}

/* 0F 02 LAR, 0F 03 LSL: Gv gets the result only when ZF = 1 */
static void gen_lar_lsl(DisasContext *s, unsigned b)
{
    TCGLabel *skip = tcg_gen_new_label(s->tcg);
    TCGv args[1];

    gen_ld_modrm(s, MO_16, s->T0);
    args[0] = low32(s, s->T0);
    gen_sys_helper(s, b == 0x102 ? (void *)helper_lar : (void *)helper_lsl, s->T0, 1, args);
    s->cc_op = CC_OP_EFLAGS;
    s->cc_op_dirty = false;
    tcg_gen_andi(s->tcg, s->tmp, G(s)->cc_src, CC_Z);
    tcg_gen_brcondi(s->tcg, TCG_COND_EQ, s->tmp, 0, skip);
    gen_st_reg(s, s->dflag, s->reg, s->T0);
    tcg_gen_set_label(s->tcg, skip);
}

/* ---------------------------------------------------------------- group 7 (0F 01) */

/* /0 SGDT, /1 SIDT, /2 LGDT, /3 LIDT (memory forms) */
static void gen_desc_table(DisasContext *s, unsigned b)
{
    static void *const helpers[] = {
        (void *)helper_sgdt, (void *)helper_sidt, (void *)helper_lgdt, (void *)helper_lidt,
    };
    int op = (s->modrm >> 3) & 7;
    TCGv args[2] = { s->A0, const32(s, s->dflag) };

    (void)b;
    gen_lea_modrm(s);
    gen_sys_helper(s, helpers[op], NULL, op < 2 ? 1 : 2, args);
}

/* /4 SMSW: the low bits of CR0 (a register takes the operand size) */
static void gen_smsw(DisasContext *s, unsigned b)
{
    (void)b;
    tcg_gen_ld(s->tcg, INDEX_op_ld, s->T0, tcg_env(s->tcg), offsetof(CPUX86State, cr[0]));
    gen_st_modrm(s, s->mod == 3 ? s->dflag : MO_16, s->T0, false);
}

/* /6 LMSW */
static void gen_lmsw(DisasContext *s, unsigned b)
{
    TCGv args[1];

    (void)b;
    gen_ld_modrm(s, MO_16, s->T0);
    args[0] = low32(s, s->T0);
    gen_sys_helper(s, helper_lmsw, NULL, 1, args);
}

/* /7 INVLPG m (the block itself may be on the page: SYS_EOB) */
static void gen_invlpg(DisasContext *s, unsigned b)
{
    (void)b;
    gen_lea_modrm(s);
    gen_sys_helper(s, helper_invlpg, NULL, 1, &s->A0);
}

/* helpers taking only env: SWAPGS, RDTSCP, XGETBV, XSETBV, RDMSR, WRMSR, RDPMC, CLTS,
 * WBINVD */
static void *env_helper_of(DisasContext *s, unsigned b)
{
    if (b == 0x101) {
        switch (s->modrm) {
        case 0xf8: return (void *)helper_swapgs;
        case 0xf9: return (void *)helper_rdtscp;
        case 0xd0: return (void *)helper_xgetbv;
        default:   return (void *)helper_xsetbv;
        }
    }
    switch (b) {
    case 0x106: return (void *)helper_clts;
    case 0x109: return (void *)helper_wbinvd;
    case 0x130: return (void *)helper_wrmsr;
    case 0x132: return (void *)helper_rdmsr;
    default:    return (void *)helper_rdpmc;
    }
}

static void gen_env_helper(DisasContext *s, unsigned b)
{
    gen_sys_helper(s, env_helper_of(s, b), NULL, 0, NULL);
}

/* INVD: no caches to drop */
static void gen_nop(DisasContext *s, unsigned b)
{
    (void)s;
    (void)b;
}

/* ---------------------------------------------------------------- fast system calls */

/* 0F 05 SYSCALL, 0F 07 SYSRET, 0F 34 SYSENTER, 0F 35 SYSEXIT */
static void gen_fast_call(DisasContext *s, unsigned b)
{
    TCGv arg;

    if (b == 0x105) {
        arg = insn_length(s);
        gen_sys_helper(s, helper_syscall, NULL, 1, &arg);
    } else if (b == 0x134) {
        gen_sys_helper(s, helper_sysenter, NULL, 0, NULL);
    } else {
        arg = const32(s, s->dflag);
        gen_sys_helper(s, b == 0x107 ? (void *)helper_sysret : (void *)helper_sysexit,
                       NULL, 1, &arg);
    }
    gen_exit_helper_rip(s);
}

/* ---------------------------------------------------------------- ARPL, BOUND */

/* 63 ARPL Ew, Gw (legacy modes; 63 is MOVSXD in 64-bit mode) */
static void gen_arpl(DisasContext *s, unsigned b)
{
    TCGContext *t = s->tcg;
    TCGv rpl = tcg_new64(s), raise = tcg_new64(s), flags = tcg_new64(s);

    (void)b;
    gen_ld_modrm(s, MO_16, s->T0);
    gen_ld_reg(s, MO_16, s->T1, s->reg);
    tcg_gen_andi(t, rpl, s->T1, 3);
    tcg_gen_andi(t, s->tmp, s->T0, 3);
    tcg_gen_setcond(t, TCG_COND_LTU, raise, s->tmp, rpl);
    /* dest.RPL < src.RPL: dest.RPL = src.RPL and ZF = 1, else ZF = 0 */
    tcg_gen_andi(t, s->tmp, s->T0, ~(int64_t)3);
    tcg_gen_or(t, s->tmp, s->tmp, rpl);
    tcg_gen_movcond(t, TCG_COND_NE, s->T0, raise, tcg_const64(s, 0), s->tmp, s->T0);
    gen_st_modrm(s, MO_16, s->T0, true);
    gen_compute_eflags(s, flags);
    tcg_gen_andi(t, flags, flags, ~(int64_t)CC_Z);
    tcg_gen_shli(t, raise, raise, 6);
    tcg_gen_or(t, flags, flags, raise);
    gen_set_eflags_cc(s, flags);
}

/* 62 BOUND Gv, Ma: #BR unless lower <= Gv <= upper, signed (legacy modes) */
static void gen_bound(DisasContext *s, unsigned b)
{
    TCGLabel *fail = tcg_gen_new_label(s->tcg), *ok = tcg_gen_new_label(s->tcg);
    int ot = s->dflag;

    (void)b;
    gen_lea_modrm(s);
    gen_ld(s, s->T0, s->A0, ot | MO_SIGN);
    tcg_gen_addi(s->tcg, s->A0, s->A0, 1 << ot);
    gen_ld(s, s->T1, s->A0, ot | MO_SIGN);
    gen_ld_reg(s, ot, s->tmp, s->reg);
    gen_extend(s, s->tmp, s->tmp, ot, true);
    gen_update_cc_op(s);
    tcg_gen_brcond(s->tcg, TCG_COND_LT, s->tmp, s->T0, fail);
    tcg_gen_brcond(s->tcg, TCG_COND_LE, s->tmp, s->T1, ok);
    tcg_gen_set_label(s->tcg, fail);
    gen_exception(s, EXCP05_BOUND);
    tcg_gen_set_label(s->tcg, ok);
    s->is_jmp = DISAS_NEXT;
}

/* ---------------------------------------------------------------- the table */

#define ROW(op, rules, gen, name)            { op, ANY_REG, FORM_ANY, ANY_RM, rules, gen, name }
#define GRP(op, reg, form, rules, gen, name) { op, reg, form, ANY_RM, rules, gen, name }
#define RM3(op, reg, rm, rules, gen, name)   { op, reg, FORM_REG, rm, rules, gen, name }

static const SysInsn sys_insns[] = {
    ROW(0xfa, SYS_IOPL, gen_cli_sti, "cli"),
    ROW(0xfb, SYS_IOPL | SYS_EOB, gen_cli_sti, "sti"),
    ROW(0xf4, SYS_CPL0, gen_hlt, "hlt"),
    ROW(0xe4, SYS_IOPORT, gen_in_out, "in"), ROW(0xe5, SYS_IOPORT, gen_in_out, "in"),
    ROW(0xe6, SYS_IOPORT, gen_in_out, "out"), ROW(0xe7, SYS_IOPORT, gen_in_out, "out"),
    ROW(0xec, SYS_IOPORT, gen_in_out, "in"), ROW(0xed, SYS_IOPORT, gen_in_out, "in"),
    ROW(0xee, SYS_IOPORT, gen_in_out, "out"), ROW(0xef, SYS_IOPORT, gen_in_out, "out"),
    ROW(0x6c, SYS_IOPORT, gen_ins_outs, "ins"), ROW(0x6d, SYS_IOPORT, gen_ins_outs, "ins"),
    ROW(0x6e, SYS_IOPORT, gen_ins_outs, "outs"), ROW(0x6f, SYS_IOPORT, gen_ins_outs, "outs"),
    ROW(0xcc, SYS_ONLY, gen_int, "int3"),
    ROW(0xcd, SYS_ONLY, gen_int, "int"),                         /* INT n */
    ROW(0xce, SYS_ONLY | SYS_NO64, gen_int, "into"),
    ROW(0xf1, SYS_ONLY, gen_int, "int1"),                         /* INT1 (ICEBP) */
    ROW(0xcf, SYS_ONLY, gen_iret, "iret"),
    ROW(0x9a, SYS_ONLY | SYS_NO64, gen_far_direct, "lcall"),       /* CALL ptr16:xx */
    ROW(0xea, SYS_ONLY | SYS_NO64, gen_far_direct, "ljmp"),       /* JMP ptr16:xx */
    GRP(0xff, 3, FORM_MEM, SYS_ONLY | SYS_MEM, gen_far_indirect, "lcall"),
    GRP(0xff, 5, FORM_MEM, SYS_ONLY | SYS_MEM, gen_far_indirect, "ljmp"),
    ROW(0xca, SYS_ONLY, gen_retf, "lret"), ROW(0xcb, SYS_ONLY, gen_retf, "lret"),
    ROW(0xc4, SYS_NO64 | SYS_MEM, gen_load_far_pointer, "les"),  /* LES (VEX in 64-bit mode) */
    ROW(0xc5, SYS_NO64 | SYS_MEM, gen_load_far_pointer, "lds"),
    ROW(0x1b2, SYS_MEM, gen_load_far_pointer, "lss"),
    ROW(0x1b4, SYS_MEM, gen_load_far_pointer, "lfs"),
    ROW(0x1b5, SYS_MEM, gen_load_far_pointer, "lgs"),
    ROW(0x63, SYS_ONLY | SYS_NO64 | SYS_PMODE, gen_arpl, "arpl"),
    ROW(0x62, SYS_ONLY | SYS_NO64 | SYS_MEM, gen_bound, "bound"),
    ROW(0x120, SYS_CPL0, gen_mov_cr_dr, "mov"), ROW(0x121, SYS_CPL0, gen_mov_cr_dr, "mov"),
    ROW(0x122, SYS_CPL0 | SYS_EOB, gen_mov_cr_dr, "mov"),             /* to CRn: mode */
    ROW(0x123, SYS_CPL0 | SYS_EOB, gen_mov_cr_dr, "mov"),             /* to DRn */
    GRP(0x100, 0, FORM_ANY, SYS_ONLY | SYS_PMODE, gen_group6, "sldt"),
    GRP(0x100, 1, FORM_ANY, SYS_ONLY | SYS_PMODE, gen_group6, "str"),
    GRP(0x100, 2, FORM_ANY, SYS_PMODE | SYS_CPL0, gen_group6, "lldt"),
    GRP(0x100, 3, FORM_ANY, SYS_PMODE | SYS_CPL0, gen_group6, "ltr"),
    GRP(0x100, 4, FORM_ANY, SYS_ONLY | SYS_PMODE, gen_group6, "verr"),
    GRP(0x100, 5, FORM_ANY, SYS_ONLY | SYS_PMODE, gen_group6, "verw"),
    ROW(0x102, SYS_ONLY | SYS_PMODE, gen_lar_lsl, "lar"),
    ROW(0x103, SYS_ONLY | SYS_PMODE, gen_lar_lsl, "lsl"),
    GRP(0x101, 0, FORM_MEM, SYS_ONLY, gen_desc_table, "sgdt"),
    GRP(0x101, 1, FORM_MEM, SYS_ONLY, gen_desc_table, "sidt"),
    GRP(0x101, 2, FORM_MEM, SYS_CPL0, gen_desc_table, "lgdt"),
    GRP(0x101, 3, FORM_MEM, SYS_CPL0, gen_desc_table, "lidt"),
    GRP(0x101, 4, FORM_ANY, SYS_ONLY, gen_smsw, "smsw"),
    GRP(0x101, 6, FORM_ANY, SYS_CPL0 | SYS_EOB, gen_lmsw, "lmsw"),
    GRP(0x101, 7, FORM_MEM, SYS_CPL0 | SYS_EOB, gen_invlpg, "invlpg"),
    RM3(0x101, 7, 0, SYS_ONLY64 | SYS_CPL0, gen_env_helper, "swapgs"),
    RM3(0x101, 7, 1, SYS_ONLY, gen_env_helper, "rdtscp"),
    RM3(0x101, 2, 0, 0, gen_env_helper, "xgetbv"),                /* #UD, #GP: helper */
    RM3(0x101, 2, 1, SYS_EOB, gen_env_helper, "xsetbv"),   /* #UD before #GP: helper */
    ROW(0x106, SYS_CPL0 | SYS_EOB, gen_env_helper, "clts"),          /* CR0.TS in the key */
    ROW(0x108, SYS_CPL0, gen_nop, "invd"),
    ROW(0x109, SYS_CPL0, gen_env_helper, "wbinvd"),
    ROW(0x130, SYS_CPL0 | SYS_EOB, gen_env_helper, "wrmsr"),         /* EFER, FS/GS bases */
    ROW(0x132, SYS_CPL0, gen_env_helper, "rdmsr"),
    ROW(0x133, SYS_ONLY, gen_env_helper, "rdpmc"),
    ROW(0x105, SYS_ONLY, gen_fast_call, "syscall"),
    ROW(0x107, SYS_ONLY | SYS_PMODE, gen_fast_call, "sysret"),
    ROW(0x134, SYS_ONLY | SYS_PMODE, gen_fast_call, "sysenter"),
    ROW(0x135, SYS_PMODE | SYS_CPL0, gen_fast_call, "sysexit"),
};

static bool row_matches(const SysInsn *r, unsigned b, bool have_modrm, uint8_t modrm)
{
    int mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;

    if (r->opcode != b) {
        return false;
    }
    if (r->reg == ANY_REG) {
        return true;
    }
    if (!have_modrm || reg != r->reg) {
        return false;
    }
    if ((r->form == FORM_MEM && mod == 3) || (r->form == FORM_REG && mod != 3)) {
        return false;
    }
    return r->rm == ANY_RM || r->rm == rm;
}

static const SysInsn *find_row(DisasContext *s, unsigned b)
{
    uint8_t modrm = 0;
    bool have_modrm = false;

    for (size_t i = 0; i < sizeof(sys_insns) / sizeof(sys_insns[0]); i++) {
        if (sys_insns[i].opcode == b && sys_insns[i].reg != ANY_REG && !have_modrm) {
            have_modrm = x86_peek_code(s, &modrm);   /* ModRM, not consumed */
        }
        if (row_matches(&sys_insns[i], b, have_modrm, modrm)) {
            return &sys_insns[i];
        }
    }
    return NULL;
}

static bool has_modrm(unsigned b)
{
    return (b >= 0x100 && b <= 0x103) || (b >= 0x120 && b <= 0x123) || b == 0x1b2 ||
           b == 0x1b4 || b == 0x1b5 || b == 0xff || b == 0xc4 || b == 0xc5 || b == 0x62 ||
           b == 0x63;
}

/* protected mode outside VM86; a user-mode program always runs there */
static bool protected_mode(DisasContext *s)
{
    return !s->sys || (s->pe && !s->vm86);
}

/* the table's rules; false when an exception was emitted instead */
static bool rules_allow(DisasContext *s, const SysInsn *r)
{
    if ((r->rules & SYS_NO64 && s->code64) || (r->rules & SYS_ONLY64 && !s->code64) ||
        (r->rules & SYS_PMODE && !protected_mode(s)) ||
        (r->rules & SYS_MEM && s->mod == 3)) {
        gen_exception(s, EXCP06_ILLOP);
        return false;
    }
    if ((r->rules & SYS_CPL0 && s->cpl != 0) || (r->rules & SYS_IOPORT && !s->sys)) {
        gen_exception(s, EXCP0D_GPF);
        return false;
    }
    if (r->rules & SYS_IOPL) {
        bool ok = !s->sys ? false : s->vm86 ? s->iopl == 3 : !s->pe || s->cpl <= s->iopl;
        if (!ok) {
            gen_exception(s, EXCP0D_GPF);
            return false;
        }
    }
    return true;
}

bool disas_sys(DisasContext *s, unsigned b)
{
    const SysInsn *r = find_row(s, b);

    if (!r || (r->rules & SYS_ONLY && !s->sys)) {
        return false;
    }
    s->mnemonic = r->name;
    if (has_modrm(b)) {
        x86_decode_modrm(s);
    }
    if (s->fetch_fault || !rules_allow(s, r)) {
        return true;
    }
    r->gen(s, b);
    if ((r->rules & SYS_EOB) && s->is_jmp == DISAS_NEXT) {
        gen_exit_after(s);
    }
    return true;
}
