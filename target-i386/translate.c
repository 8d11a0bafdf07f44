/*
 * x86 front end: the block loop, instruction prefixes, ModRM/SIB decoding,
 * operand access, lazy condition codes and block exits.
 * Encoding: Intel SDM vol. 2A, chapter 2 (instruction format).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"

#define PAGE_SIZE_GUEST 4096

/* ---------------------------------------------------------------- globals */

static uint32_t cc_fields_needed(int64_t cc_op);

static X86Globals *x86_globals_get(TCGContext *tcg, CPUX86State *env)
{
    static const char *const reg_names[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const seg_names[6] = {
        "es_base", "cs_base", "ss_base", "ds_base", "fs_base", "gs_base",
    };
    X86Globals *g = env->tcg_globals;

    if (g && g->owner == tcg) {
        return g;
    }
    if (!g) {
        g = calloc(1, sizeof(*g));
        if (!g) {
            abort();
        }
        env->tcg_globals = g;
    }
    g->owner = tcg;
    for (int i = 0; i < 16; i++) {
        g->regs[i] = tcg_global_mem_new(tcg, TCG_TYPE_I64,
                                        offsetof(CPUX86State, regs[i]), reg_names[i]);
    }
    g->rip = tcg_global_mem_new(tcg, TCG_TYPE_I64, offsetof(CPUX86State, rip), "rip");
    g->cc_dst = tcg_global_mem_new(tcg, TCG_TYPE_I64, offsetof(CPUX86State, cc_dst), "cc_dst");
    g->cc_src = tcg_global_mem_new(tcg, TCG_TYPE_I64, offsetof(CPUX86State, cc_src), "cc_src");
    g->cc_src2 = tcg_global_mem_new(tcg, TCG_TYPE_I64, offsetof(CPUX86State, cc_src2),
                                    "cc_src2");
    g->cc_rot = tcg_global_mem_new(tcg, TCG_TYPE_I64, offsetof(CPUX86State, cc_rot), "cc_rot");
    g->cc_op = tcg_global_mem_new(tcg, TCG_TYPE_I32, offsetof(CPUX86State, cc_op), "cc_op");
    g->df = tcg_global_mem_new(tcg, TCG_TYPE_I32, offsetof(CPUX86State, df), "df");
    for (int i = 0; i < 6; i++) {
        g->seg_base[i] = tcg_global_mem_new(tcg, TCG_TYPE_I64,
                                            offsetof(CPUX86State, segs[i].base), seg_names[i]);
    }
    /* a block that sets the condition codes before anything sees them is
     * entered from a chained block without that block's cc stores */
    TCGv fields[4] = { g->cc_dst, g->cc_src, g->cc_src2, g->cc_rot };
    tcg_set_chain_state(tcg, g->cc_op, fields, 4, cc_fields_needed);
    return g;
}

/* Which of cc_dst (bit 0), cc_src (1), cc_src2 (2), cc_rot (3) a cc_op reads
 * (the table in translate.h): a rotate's state reads cc_rot and its base op's
 * fields. UINT32_MAX: only known at run time. */
static uint32_t cc_fields_needed(int64_t cc_op)
{
    enum { DST = 1, SRC = 2, SRC2 = 4, ROT = 8 };
    if (cc_op < 0 || cc_op > 0xffff) {
        return UINT32_MAX;
    }
    if (cc_op & CC_OP_ROT) {
        uint32_t base = cc_fields_needed(cc_op & CC_OP_BASE_MASK);
        return base == UINT32_MAX ? UINT32_MAX : base | ROT;
    }
    int base = (int)(cc_op & CC_OP_BASE_MASK);
    switch (base) {
    case CC_OP_DYNAMIC:
        return UINT32_MAX;
    case CC_OP_EFLAGS:
        return SRC;
    case CC_OP_CLR:
        return 0;
    }
    if (base < CC_OP_ADDB || base >= CC_OP_NB) {
        return UINT32_MAX;
    }
    switch ((base - CC_OP_ADDB) / 4 * 4 + CC_OP_ADDB) {
    case CC_OP_SUBB:
        return SRC | SRC2;
    case CC_OP_ADCB: case CC_OP_SBBB: case CC_OP_INCSUBB: case CC_OP_DECSUBB:
        return DST | SRC | SRC2;
    case CC_OP_LOGICB:
        return DST;
    case CC_OP_ADDB: case CC_OP_INCB: case CC_OP_DECB: case CC_OP_SHLB: case CC_OP_SARB:
    case CC_OP_MULB: case CC_OP_BMIB:
        return DST | SRC;
    default:
        return UINT32_MAX;
    }
}

void x86_translate_release(CPUX86State *env)
{
    free(env->tcg_globals);
    env->tcg_globals = NULL;
}

TCGv tcg_const64(DisasContext *s, int64_t v)
{
    return tcg_constant(s->tcg, TCG_TYPE_I64, v);
}

TCGv tcg_new64(DisasContext *s)
{
    return tcg_temp_new(s->tcg, TCG_TYPE_I64);
}

/* ---------------------------------------------------------------- code fetch */

/* code is fetched at CS.base + offset, a 32-bit linear address outside 64-bit
 * mode (SDM vol. 3A, 3.4); CS.base is 0 in 64-bit mode */
uint64_t x86_code_linear(const DisasContext *s, uint64_t offset)
{
    return s->code64 ? offset : (uint32_t)(s->cs_base + offset);
}

static void x86_fetch(DisasContext *s, void *dst, unsigned len)
{
    /* Intel SDM vol. 2A, 2.3.11: an instruction is at most 15 bytes */
    if (s->pc + len - s->pc_start > 15) {
        s->fetch_fault = true;
        s->fetch_fault_addr = 0;
        memset(dst, 0, len);
        return;
    }
    if (!s->fetch_fault && !translator_read_code(s->exec, x86_code_linear(s, s->pc), dst, len)) {
        /* CR2 is the first byte that cannot be fetched */
        uint8_t byte;
        unsigned i = 0;
        while (i + 1 < len &&
               translator_read_code(s->exec, x86_code_linear(s, s->pc + i), &byte, 1)) {
            i++;
        }
        s->fetch_fault = true;
        s->fetch_fault_addr = x86_code_linear(s, s->pc + i);
    }
    if (s->fetch_fault) {
        memset(dst, 0, len);
    }
    s->pc += len;
}

bool x86_peek_code(DisasContext *s, uint8_t *byte)
{
    return translator_read_code(s->exec, x86_code_linear(s, s->pc), byte, 1);
}

uint8_t x86_ldub_code(DisasContext *s)
{
    uint8_t v;
    x86_fetch(s, &v, 1);
    return v;
}

uint16_t x86_lduw_code(DisasContext *s)
{
    uint8_t b[2];
    x86_fetch(s, b, 2);
    return b[0] | (uint16_t)b[1] << 8;
}

uint32_t x86_ldl_code(DisasContext *s)
{
    uint8_t b[4];
    x86_fetch(s, b, 4);
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t x86_ldq_code(DisasContext *s)
{
    uint64_t lo = x86_ldl_code(s);
    return lo | (uint64_t)x86_ldl_code(s) << 32;
}

int64_t x86_ld_imm(DisasContext *s, int ot)
{
    switch (ot) {
    case MO_8:
        return (int8_t)x86_ldub_code(s);
    case MO_16:
        return (int16_t)x86_lduw_code(s);
    default:
        return (int32_t)x86_ldl_code(s);
    }
}

/* ---------------------------------------------------------------- operands */

void x86_decode_modrm(DisasContext *s)
{
    s->modrm = x86_ldub_code(s);
    s->mod = s->modrm >> 6;
    s->reg = ((s->modrm >> 3) & 7) | s->rex_r;
    s->rm = s->modrm & 7;
    if (s->mod == 3) {
        s->rm |= s->rex_b;
    }
}

/* Intel SDM vol. 2A, table 2-1: 16-bit addressing forms */
static int lea_modrm16(DisasContext *s, TCGv dst)
{
    static const signed char base_reg[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
    static const signed char index_reg[8] = { R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1 };
    int64_t disp = 0;
    int rm = s->modrm & 7;
    int def_seg = (rm == 2 || rm == 3 || (rm == 6 && s->mod != 0)) ? R_SS : R_DS;

    if (s->mod == 0 && rm == 6) {
        tcg_gen_movi(s->tcg, dst, x86_lduw_code(s));
        return R_DS;
    }
    if (s->mod == 1) {
        disp = (int8_t)x86_ldub_code(s);
    } else if (s->mod == 2) {
        disp = (int16_t)x86_lduw_code(s);
    }
    tcg_gen_addi(s->tcg, dst, s->g->regs[base_reg[rm]], disp);
    if (index_reg[rm] >= 0) {
        tcg_gen_add(s->tcg, dst, dst, s->g->regs[index_reg[rm]]);
    }
    tcg_gen_ext16u(s->tcg, dst, dst);
    return def_seg;
}

/* Intel SDM vol. 2A, tables 2-2/2-3 and 2.2.1.6 (RIP-relative); returns the
 * default segment */
static int lea_modrm(DisasContext *s, TCGv dst)
{
    int base, index = -1, scale = 0;
    int64_t disp = 0;
    bool rip_relative = false;
    int def_seg = R_DS;

    if (s->aflag == MO_16) {
        return lea_modrm16(s, dst);
    }
    base = s->modrm & 7;
    if (base == 4) {
        int sib = x86_ldub_code(s);
        scale = sib >> 6;
        index = ((sib >> 3) & 7) | s->rex_x;
        if (index == 4) {
            index = -1;
        }
        base = sib & 7;
        if (s->mod == 0 && base == 5) {
            base = -1;
            disp = (int32_t)x86_ldl_code(s);
        }
    } else if (s->mod == 0 && base == 5) {
        base = -1;
        disp = (int32_t)x86_ldl_code(s);
        rip_relative = s->code64;
    }
    if (base >= 0) {
        if (base == 4 || base == 5) {
            def_seg = R_SS;
        }
        base |= s->rex_b;
    }
    if (s->mod == 1) {
        disp = (int8_t)x86_ldub_code(s);
    } else if (s->mod == 2) {
        disp = (int32_t)x86_ldl_code(s);
    }
    if (rip_relative) {
        disp += s->pc + s->rip_offset;
    }
    if (base >= 0 && index >= 0) {
        tcg_gen_shli(s->tcg, dst, s->g->regs[index], scale);
        tcg_gen_add(s->tcg, dst, dst, s->g->regs[base]);
        tcg_gen_addi(s->tcg, dst, dst, disp);
    } else if (base >= 0) {
        tcg_gen_addi(s->tcg, dst, s->g->regs[base], disp);
    } else if (index >= 0) {
        tcg_gen_shli(s->tcg, dst, s->g->regs[index], scale);
        tcg_gen_addi(s->tcg, dst, dst, disp);
    } else {
        tcg_gen_movi(s->tcg, dst, disp);
    }
    if (s->aflag == MO_32) {
        tcg_gen_ext32u(s->tcg, dst, dst);
    }
    return def_seg;
}

/*
 * Whether an access through segment seg adds its base. 64-bit mode: only FS
 * and GS have one (SDM vol. 1, 3.4.2.1). User mode: ES/CS/SS/DS are flat, so
 * only an explicit override adds a base. System legacy modes: real mode and
 * VM86 always (base = selector << 4), protected mode when some DS/ES/SS base is
 * not zero (HF_ADDSEG) or the segment was named by an override.
 */
static bool seg_has_base(DisasContext *s, int seg, bool explicit_seg)
{
    if (s->code64) {
        return seg >= R_FS;
    }
    if (!s->sys) {
        return explicit_seg;
    }
    return explicit_seg || s->addseg || seg >= R_FS;
}

static void gen_add_seg(DisasContext *s, TCGv addr, int seg, bool explicit_seg)
{
    if (seg_has_base(s, seg, explicit_seg)) {
        tcg_gen_add(s->tcg, addr, addr, s->g->seg_base[seg]);
    }
    if (!s->code64) {
        /* legacy modes: the linear address wraps at 4 GiB */
        tcg_gen_ext32u(s->tcg, addr, addr);
    }
}

void gen_add_seg_base(DisasContext *s, TCGv addr, int def_seg)
{
    /* Intel SDM vol. 1, 3.3.7: in 64-bit mode a 32-bit effective address is
     * zero-extended; 16-bit offsets were wrapped by their producer */
    if (s->code64 && s->aflag == MO_32) {
        tcg_gen_ext32u(s->tcg, addr, addr);
    }
    if (s->override_seg >= 0) {
        gen_add_seg(s, addr, s->override_seg, true);
    } else {
        gen_add_seg(s, addr, def_seg, false);
    }
}

void gen_add_seg_fixed(DisasContext *s, TCGv addr, int seg)
{
    if (!s->sys) {
        return;   /* user mode: flat, and the caller wrapped the offset */
    }
    gen_add_seg(s, addr, seg, false);
}

int gen_lea_modrm_noseg(DisasContext *s, TCGv dst)
{
    return lea_modrm(s, dst);
}

void gen_lea_modrm(DisasContext *s)
{
    int def_seg = lea_modrm(s, s->A0);
    gen_add_seg_base(s, s->A0, def_seg);
}

/* every guest data access goes through the TLB of the current privilege level */
void gen_ld(DisasContext *s, TCGv val, TCGv addr, TCGMemOp memop)
{
    tcg_gen_qemu_ld(s->tcg, val, addr, (TCGMemOp)(memop | MO_MMUIDX(s->mem_index)));
}

void gen_st(DisasContext *s, TCGv val, TCGv addr, TCGMemOp memop)
{
    tcg_gen_qemu_st(s->tcg, val, addr, (TCGMemOp)(memop | MO_MMUIDX(s->mem_index)));
}

static bool is_high_byte_reg(DisasContext *s, int reg)
{
    return reg >= 4 && reg < 8 && !(s->prefix & PREFIX_REX);
}

void gen_ld_reg(DisasContext *s, int ot, TCGv dst, int reg)
{
    TCGv r = s->g->regs[reg & 15];

    switch (ot) {
    case MO_8:
        if (is_high_byte_reg(s, reg)) {
            tcg_gen_extract(s->tcg, dst, s->g->regs[reg - 4], 8, 8);
        } else {
            tcg_gen_ext8u(s->tcg, dst, r);
        }
        break;
    case MO_16:
        tcg_gen_ext16u(s->tcg, dst, r);
        break;
    case MO_32:
        tcg_gen_ext32u(s->tcg, dst, r);
        break;
    default:
        tcg_gen_mov(s->tcg, dst, r);
        break;
    }
}

void gen_st_reg(DisasContext *s, int ot, int reg, TCGv val)
{
    TCGv r = s->g->regs[reg & 15];

    switch (ot) {
    case MO_8:
        if (is_high_byte_reg(s, reg)) {
            TCGv h = s->g->regs[reg - 4];
            tcg_gen_deposit(s->tcg, h, h, val, 8, 8);
        } else {
            tcg_gen_deposit(s->tcg, r, r, val, 0, 8);
        }
        break;
    case MO_16:
        tcg_gen_deposit(s->tcg, r, r, val, 0, 16);
        break;
    case MO_32:
        /* Intel SDM vol. 1, 3.4.1.1: 32-bit results zero the upper half */
        tcg_gen_ext32u(s->tcg, r, val);
        break;
    default:
        tcg_gen_mov(s->tcg, r, val);
        break;
    }
}

void gen_ld_modrm(DisasContext *s, int ot, TCGv dst)
{
    if (s->mod == 3) {
        gen_ld_reg(s, ot, dst, s->rm);
    } else {
        gen_lea_modrm(s);
        gen_ld(s, dst, s->A0, ot | (s->rmw ? MO_RMW : 0));
    }
}

void gen_st_modrm(DisasContext *s, int ot, TCGv val, bool reuse_address)
{
    if (s->mod == 3) {
        gen_st_reg(s, ot, s->rm, val);
    } else {
        if (!reuse_address) {
            gen_lea_modrm(s);
        }
        gen_st(s, val, s->A0, ot);
    }
}

/* ---------------------------------------------------------------- condition codes */

void set_cc_op(DisasContext *s, int op)
{
    if (s->cc_op != op) {
        s->cc_op = op;
        s->cc_op_dirty = op != CC_OP_DYNAMIC;
    }
}

void gen_update_cc_op(DisasContext *s)
{
    if (s->cc_op_dirty) {
        tcg_gen_movi(s->tcg, s->g->cc_op, s->cc_op);
        s->cc_op_dirty = false;
    }
}

void gen_set_eflags_cc(DisasContext *s, TCGv flags)
{
    tcg_gen_andi(s->tcg, s->g->cc_src, flags, CC_ALL);
    set_cc_op(s, CC_OP_EFLAGS);
}

static TCGv cc_op_value(DisasContext *s)
{
    if (s->cc_op == CC_OP_DYNAMIC) {
        return s->g->cc_op;
    }
    return tcg_constant(s->tcg, TCG_TYPE_I32, s->cc_op);
}

void gen_compute_eflags(DisasContext *s, TCGv dst)
{
    TCGv args[5];

    if (s->cc_op == CC_OP_EFLAGS) {
        tcg_gen_mov(s->tcg, dst, s->g->cc_src);
        return;
    }
    if (s->cc_op == CC_OP_CLR) {
        tcg_gen_movi(s->tcg, dst, CC_Z | CC_P);
        return;
    }
    args[0] = s->g->cc_dst;
    args[1] = s->g->cc_src;
    args[2] = s->g->cc_src2;
    args[3] = s->g->cc_rot;
    args[4] = cc_op_value(s);
    tcg_gen_call(s->tcg, helper_cc_compute_all,
                 TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, dst, 5, args);
}

void gen_extend(DisasContext *s, TCGv dst, TCGv src, int ot, bool sign)
{
    switch (ot) {
    case MO_8:
        sign ? tcg_gen_ext8s(s->tcg, dst, src) : tcg_gen_ext8u(s->tcg, dst, src);
        break;
    case MO_16:
        sign ? tcg_gen_ext16s(s->tcg, dst, src) : tcg_gen_ext16u(s->tcg, dst, src);
        break;
    case MO_32:
        sign ? tcg_gen_ext32s(s->tcg, dst, src) : tcg_gen_ext32u(s->tcg, dst, src);
        break;
    default:
        tcg_gen_mov(s->tcg, dst, src);
        break;
    }
}

void gen_compute_cf(DisasContext *s, TCGv dst)
{
    int group = s->cc_op >= CC_OP_ADDB ? (s->cc_op & ~3) : -1;
    int ot = s->cc_op & 3;

    if (group == CC_OP_SUBB || group == CC_OP_INCSUBB || group == CC_OP_DECSUBB) {
        /* CF = first operand < second operand, unsigned */
        TCGv a = tcg_new64(s), b = tcg_new64(s);
        gen_extend(s, a, s->g->cc_src2, ot, false);
        gen_extend(s, b, s->g->cc_src, ot, false);
        tcg_gen_setcond(s->tcg, TCG_COND_LTU, dst, a, b);
        tcg_temp_free(s->tcg, a);
        tcg_temp_free(s->tcg, b);
    } else if (group == CC_OP_ADDB) {
        TCGv a = tcg_new64(s), b = tcg_new64(s);
        gen_extend(s, a, s->g->cc_dst, ot, false);
        gen_extend(s, b, s->g->cc_src, ot, false);
        tcg_gen_setcond(s->tcg, TCG_COND_LTU, dst, a, b);
        tcg_temp_free(s->tcg, a);
        tcg_temp_free(s->tcg, b);
    } else if (group == CC_OP_LOGICB || s->cc_op == CC_OP_CLR) {
        tcg_gen_movi(s->tcg, dst, 0);
    } else if (group == CC_OP_SHLB) {
        /* cc_src is the operand shifted by count - 1: CF is its top bit
         * (cc_helper.c lazy_flags), likewise its low bit for SAR/SHR */
        tcg_gen_extract(s->tcg, dst, s->g->cc_src, (8u << ot) - 1, 1);
    } else if (group == CC_OP_SARB) {
        tcg_gen_andi(s->tcg, dst, s->g->cc_src, 1);
    } else if (group == CC_OP_MULB) {
        tcg_gen_setcondi(s->tcg, TCG_COND_NE, dst, s->g->cc_src, 0);
    } else if (group == CC_OP_INCB || group == CC_OP_DECB) {
        tcg_gen_mov(s->tcg, dst, s->g->cc_src);
    } else if (s->cc_op == CC_OP_EFLAGS) {
        tcg_gen_andi(s->tcg, dst, s->g->cc_src, CC_C);
    } else if (s->cc_op != CC_OP_DYNAMIC && (s->cc_op & CC_OP_ROT)) {
        /* ROL: CF = low bit of the result, ROR: its top bit */
        int rot_ot = (s->cc_op >> CC_OP_ROT_SIZE_SHIFT) & 3;
        unsigned pos = (s->cc_op & (CC_OP_ROT_RIGHT | CC_OP_ROT_DIRECT)) == CC_OP_ROT_RIGHT ?
                       (8u << rot_ot) - 1 : 0;
        tcg_gen_extract(s->tcg, dst, s->g->cc_rot, pos, 1);
    } else {
        TCGv args[5] = { s->g->cc_dst, s->g->cc_src, s->g->cc_src2, s->g->cc_rot,
                         cc_op_value(s) };
        tcg_gen_call(s->tcg, helper_cc_compute_c,
                     TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, dst, 5, args);
    }
}

/*
 * A condition as a comparison of two values, when the cc_op allows it without
 * computing flags (Jcc after CMP/SUB/TEST/ADD/INC/DEC). Returns false
 * otherwise. jcc is the Jcc condition without its inversion bit (SDM vol. 2A,
 * appendix B.1.4.7: 0 O, 1 B, 2 Z, 3 BE, 4 S, 5 P, 6 L, 7 LE).
 */
typedef struct CCCompare {
    TCGCond cond;
    TCGv a, b;
    bool b_is_imm;
    int64_t imm;
} CCCompare;

static bool cc_fast_compare(DisasContext *s, int jcc, CCCompare *c)
{
    int group = s->cc_op >= CC_OP_ADDB ? (s->cc_op & ~3) : -1;
    int ot = s->cc_op & 3;

    c->b_is_imm = true;
    c->imm = 0;
    if (group == CC_OP_SUBB && (jcc == 1 || jcc == 3 || jcc == 6 || jcc == 7 || jcc == 2)) {
        bool sign = jcc >= 6;
        static const TCGCond conds[8] = {
            [1] = TCG_COND_LTU, [2] = TCG_COND_EQ, [3] = TCG_COND_LEU,
            [6] = TCG_COND_LT, [7] = TCG_COND_LE,
        };
        c->a = tcg_new64(s);
        c->b = tcg_new64(s);
        gen_extend(s, c->a, s->g->cc_src2, ot, sign);
        gen_extend(s, c->b, s->g->cc_src, ot, sign);
        c->cond = conds[jcc];
        c->b_is_imm = false;
        return true;
    }
    if ((group == CC_OP_SUBB || group == CC_OP_ADDB || group == CC_OP_LOGICB ||
         group == CC_OP_INCB || group == CC_OP_DECB || group == CC_OP_ADCB ||
         group == CC_OP_SBBB || group == CC_OP_INCSUBB || group == CC_OP_DECSUBB) &&
        (jcc == 2 || jcc == 4)) {
        c->a = tcg_new64(s);
        if (group == CC_OP_SUBB) {
            /* S after CMP/SUB: the sign of the difference */
            tcg_gen_sub(s->tcg, c->a, s->g->cc_src2, s->g->cc_src);
            gen_extend(s, c->a, c->a, ot, jcc == 4);
        } else {
            gen_extend(s, c->a, s->g->cc_dst, ot, jcc == 4);
        }
        c->cond = jcc == 2 ? TCG_COND_EQ : TCG_COND_LT;
        return true;
    }
    if (group == CC_OP_LOGICB && (jcc == 1 || jcc == 3 || jcc == 6 || jcc == 7 || jcc == 0)) {
        /* CF = OF = 0: B never, BE = Z, L = S, LE = S or Z */
        c->a = tcg_new64(s);
        gen_extend(s, c->a, s->g->cc_dst, ot, true);
        c->cond = jcc == 1 || jcc == 0 ? TCG_COND_NEVER :
                  jcc == 3 ? TCG_COND_EQ : jcc == 6 ? TCG_COND_LT : TCG_COND_LE;
        return true;
    }
    if (group == CC_OP_ADDB && jcc == 1) {
        c->a = tcg_new64(s);
        c->b = tcg_new64(s);
        gen_extend(s, c->a, s->g->cc_dst, ot, false);
        gen_extend(s, c->b, s->g->cc_src, ot, false);
        c->cond = TCG_COND_LTU;
        c->b_is_imm = false;
        return true;
    }
    return false;
}

/* condition from computed flags: c->a & mask != 0 */
static void cc_slow_compare(DisasContext *s, int jcc, CCCompare *c)
{
    TCGv f = tcg_new64(s);
    static const int masks[8] = { CC_O, CC_C, CC_Z, CC_C | CC_Z, CC_S, CC_P, 0, 0 };

    if (jcc == 1 && s->cc_op != CC_OP_EFLAGS) {
        gen_compute_cf(s, f);
    } else {
        gen_compute_eflags(s, f);
    }
    if (jcc == 6 || jcc == 7) {
        /* L: SF != OF; LE: also ZF (SDM vol. 2A, Jcc) */
        TCGv t = tcg_new64(s);
        tcg_gen_shli(s->tcg, t, f, 4);          /* SF (bit 7) to bit 11 */
        tcg_gen_xor(s->tcg, t, t, f);
        tcg_gen_andi(s->tcg, t, t, CC_O);
        if (jcc == 7) {
            tcg_gen_andi(s->tcg, f, f, CC_Z);
            tcg_gen_or(s->tcg, t, t, f);
        }
        tcg_gen_mov(s->tcg, f, t);
        tcg_temp_free(s->tcg, t);
    } else if (!(jcc == 1 && s->cc_op != CC_OP_EFLAGS)) {
        tcg_gen_andi(s->tcg, f, f, masks[jcc]);
    }
    c->a = f;
    c->cond = TCG_COND_NE;
    c->b_is_imm = true;
    c->imm = 0;
}

static void cc_compare_free(DisasContext *s, CCCompare *c)
{
    tcg_temp_free(s->tcg, c->a);
    if (!c->b_is_imm) {
        tcg_temp_free(s->tcg, c->b);
    }
}

static void gen_cc_compare(DisasContext *s, int b, CCCompare *c)
{
    int jcc = (b >> 1) & 7;

    if (!cc_fast_compare(s, jcc, c)) {
        cc_slow_compare(s, jcc, c);
    }
    if (b & 1) {
        c->cond = c->cond == TCG_COND_NEVER ? TCG_COND_ALWAYS : (TCGCond)(c->cond ^ 1);
    }
}

void gen_jcc_label(DisasContext *s, int b, TCGLabel *l)
{
    CCCompare c;

    gen_cc_compare(s, b, &c);
    if (c.cond == TCG_COND_ALWAYS) {
        tcg_gen_br(s->tcg, l);
    } else if (c.cond == TCG_COND_NEVER) {
        return;
    } else if (c.b_is_imm) {
        tcg_gen_brcondi(s->tcg, c.cond, c.a, c.imm, l);
    } else {
        tcg_gen_brcond(s->tcg, c.cond, c.a, c.b, l);
    }
    cc_compare_free(s, &c);
}

void gen_setcc_value(DisasContext *s, int b, TCGv dst)
{
    CCCompare c;

    gen_cc_compare(s, b, &c);
    if (c.cond == TCG_COND_ALWAYS || c.cond == TCG_COND_NEVER) {
        tcg_gen_movi(s->tcg, dst, c.cond == TCG_COND_ALWAYS);
    } else if (c.b_is_imm) {
        tcg_gen_setcondi(s->tcg, c.cond, dst, c.a, c.imm);
    } else {
        tcg_gen_setcond(s->tcg, c.cond, dst, c.a, c.b);
    }
    cc_compare_free(s, &c);
}

/* ---------------------------------------------------------------- exits and exceptions */

void gen_helper_env(DisasContext *s, void *func, unsigned flags, TCGv ret,
                    unsigned nargs, const TCGv *args)
{
    TCGv all[8];

    all[0] = tcg_env(s->tcg);
    for (unsigned i = 0; i < nargs && i < 7; i++) {
        all[i + 1] = args[i];
    }
    tcg_gen_call(s->tcg, func, flags, ret, nargs + 1, all);
}

static void gen_exception_at(DisasContext *s, int excp, uint64_t rip)
{
    TCGv arg = tcg_constant(s->tcg, TCG_TYPE_I32, excp);

    gen_update_cc_op(s);
    tcg_gen_movi(s->tcg, s->g->rip, rip);
    gen_helper_env(s, helper_raise_exception, 0, NULL, 1, &arg);
    s->is_jmp = DISAS_JUMPED;
}

void gen_exception(DisasContext *s, int excp)
{
    gen_exception_at(s, excp, s->pc_start);
}

void gen_exception_next(DisasContext *s, int excp)
{
    gen_exception_at(s, excp, s->pc);
}

bool gen_check_cpl0(DisasContext *s)
{
    if (s->cpl != 0) {
        gen_exception(s, EXCP0D_GPF);
        return true;
    }
    return false;
}

/*
 * Single-step trap (SDM vol. 3A, 17.3.1.4): with EFLAGS.TF set when the block
 * started, the block holds one instruction and ends with #DB (DR6.BS set)
 * instead of going on; rip already points past the instruction.
 */
static void gen_single_step_trap(DisasContext *s)
{
    TCGv dr6 = tcg_new64(s);
    TCGv arg = tcg_constant(s->tcg, TCG_TYPE_I32, EXCP01_DB);

    tcg_gen_ld(s->tcg, INDEX_op_ld, dr6, tcg_env(s->tcg), offsetof(CPUX86State, dr[6]));
    tcg_gen_ori(s->tcg, dr6, dr6, 0x4000);
    tcg_gen_st(s->tcg, INDEX_op_st, dr6, tcg_env(s->tcg), offsetof(CPUX86State, dr[6]));
    gen_helper_env(s, helper_raise_exception, 0, NULL, 1, &arg);
    tcg_temp_free(s->tcg, dr6);
}

void gen_jmp_tb(DisasContext *s, uint64_t dest, int slot)
{
    if (!s->code64) {
        dest = (uint32_t)dest;
    }
    gen_update_cc_op(s);
    if (s->flags & (HF_TF | HF_INHIBIT_IRQ)) {
        tcg_gen_movi(s->tcg, s->g->rip, dest);
        gen_eob_exit(s);
        return;
    }
    if (s->in_trace && dest == s->start_pc && !(s->slots_used & (1u << TCG_TRACE_SLOT))) {
        /* the trace's back edge (tcg/loop.c keeps its globals in registers) */
        slot = TCG_TRACE_SLOT;
    } else if (s->slots_used & (1u << slot)) {
        slot ^= 1;
    }
    if (s->slots_used & (1u << slot)) {
        /* a side exit after the block's last Jcc, the exits of a trace: the
         * jump cache */
        tcg_gen_movi(s->tcg, s->g->rip, dest);
        gen_eob_indirect(s);
        return;
    }
    s->slots_used |= 1u << slot;
    if (!translator_use_goto_tb(s->exec, s->tb->pc, x86_code_linear(s, s->pc_start),
                                x86_code_linear(s, dest))) {
        /* the jump cache, keyed by the new page's mapping, in generated code
         * rather than a trip through the execution loop */
        tcg_gen_movi(s->tcg, s->g->rip, dest);
        gen_eob_indirect(s);
        return;
    }
    tcg_gen_goto_tb(s->tcg, slot);
    tcg_gen_movi(s->tcg, s->g->rip, dest);
    tcg_gen_exit_tb(s->tcg, (uintptr_t)s->tb | slot);
    s->is_jmp = DISAS_JUMPED;
}

/*
 * Blocks go on across unconditional direct jumps (a superblock along the only
 * path), which saves the block exit, the chained jump and the reload of the
 * guest registers at the target. The target must be on the block's first page,
 * so the block's pages, its key and its chaining rule do not change. Code
 * invalidation is by page in user mode; in system mode it is by byte range
 * [pc, pc + size), so the target must lie after the block's start there (size
 * then covers it). A few jumps at most, so "jmp ." stays cheap to translate.
 */
#define MAX_FOLLOWS 4

void gen_jmp_direct(DisasContext *s, uint64_t dest)
{
    uint64_t linear;

    if (!s->code64) {
        dest = (uint32_t)dest;
    }
    linear = x86_code_linear(s, dest);
    if (s->in_trace && dest == s->start_pc) {
        gen_jmp_tb(s, dest, 0);          /* the trace's back edge */
        return;
    }
    if (s->nb_follows < MAX_FOLLOWS && !(s->flags & (HF_TF | HF_INHIBIT_IRQ)) &&
        (linear & ~(uint64_t)(PAGE_SIZE_GUEST - 1)) == s->page_end - PAGE_SIZE_GUEST &&
        (!s->sys || linear >= s->tb->pc)) {
        s->follow = true;
        s->follow_pc = dest;
        s->nb_follows++;
        return;
    }
    gen_jmp_tb(s, dest, 0);
}

/*
 * Jcc. A forward branch, often not taken, does not end the block: the block
 * goes on along the fall-through path (a superblock), which keeps the guest
 * registers in host registers, the cc_op known and the chained jump away, and
 * the taken path becomes a side exit emitted at the block's end (one side
 * exit per block). Everything the side exit needs is in env when the branch
 * is taken (globals are written back at every branch; cc_op was written
 * before it). A later Jcc ends the block with both goto_tb slots and the
 * side exit then goes through the jump cache; otherwise it chains with slot 1.
 * (Measured alternatives: leaving slot 1 to the side exit and sending one path
 * of the last Jcc through the jump cache is 6% better on gzip -9 but 3-4%
 * worse on cpu-bench, whose short loops exit often.)
 */
void gen_cond_jump(DisasContext *s, int b, uint64_t dest)
{
    TCGLabel *taken = tcg_gen_new_label(s->tcg);

    gen_update_cc_op(s);
    gen_jcc_label(s, b, taken);
    if (!s->side_exit && dest > s->pc && !(s->flags & (HF_TF | HF_INHIBIT_IRQ))) {
        s->side_exit = taken;
        s->side_exit_dest = dest;
        s->side_exit_pc_start = s->pc_start;
        s->side_exit_cc_op = s->cc_op;
        return;
    }
    gen_jmp_tb(s, s->pc, 0);
    tcg_gen_set_label(s->tcg, taken);
    gen_jmp_tb(s, dest, 1);
}

/*
 * Traces: the taken path of the block's first side exit is translated in the
 * block itself (from the label on, with the registers the branch had), up to
 * TRACE_MAX_INSNS instructions, when its target is on the block's page. The
 * common two-block loop "A: ...; jcc B (forward, taken); ...; B: ...; jcc A"
 * becomes one block whose jump back to A is a back edge of its own
 * (TCG_TRACE_SLOT): tcg/loop.c keeps the loop's globals in host registers
 * around the whole cycle. The trace's other exits take the free slots, then
 * the jump cache. Its instructions have their own insn_start data (faults,
 * signals and the SMC restart are precise there as anywhere); in system mode
 * the target lies after the block's start, so [pc, pc + size) covers the trace
 * for invalidation; in user mode the page does.
 */
#define TRACE_MAX_INSNS 24
#define TRACE_SCAN_BYTES 128

/* Whether a jump to the block's start (Jcc, JMP, LOOP/JCXZ with rel8 or
 * rel32: SDM vol. 2, "Jcc", "JMP") may lie in the bytes from dest on; a
 * byte scan, so that most side exits skip the trial translation. */
static bool may_jump_back(DisasContext *s, uint64_t dest, uint64_t linear)
{
    uint8_t b[TRACE_SCAN_BYTES];
    unsigned n = s->page_end - linear < sizeof(b) ? (unsigned)(s->page_end - linear) : sizeof(b);
    uint64_t mask = s->code64 ? UINT64_MAX : UINT32_MAX;

    if (!translator_read_code(s->exec, linear, b, n)) {
        return false;
    }
    for (unsigned i = 0; i + 2 <= n; i++) {
        uint64_t at = dest + i, target = UINT64_MAX;
        if ((b[i] & 0xf0) == 0x70 || b[i] == 0xeb || (b[i] & 0xfc) == 0xe0) {
            target = at + 2 + (int8_t)b[i + 1];
        } else if (b[i] == 0xe9 && i + 5 <= n) {
            target = at + 5 + (int32_t)(b[i + 1] | b[i + 2] << 8 | b[i + 3] << 16 |
                                        (uint32_t)b[i + 4] << 24);
        } else if (b[i] == 0x0f && (b[i + 1] & 0xf0) == 0x80 && i + 6 <= n) {
            target = at + 6 + (int32_t)(b[i + 2] | b[i + 3] << 8 | b[i + 4] << 16 |
                                        (uint32_t)b[i + 5] << 24);
        }
        if (((target ^ s->start_pc) & mask) == 0) {
            return true;
        }
    }
    return false;
}

static bool trace_possible(DisasContext *s, int count, int max_insns)
{
    uint64_t linear = x86_code_linear(s, s->side_exit_dest);

    return !s->in_trace && count + 2 <= max_insns &&
           (linear & ~(uint64_t)(PAGE_SIZE_GUEST - 1)) == s->page_end - PAGE_SIZE_GUEST &&
           (!s->sys || linear >= s->tb->pc) && may_jump_back(s, s->side_exit_dest, linear);
}

static void translate_insns(DisasContext *s, int *count, int max_insns, FILE *log);

/* The side exit's target translated here; kept when it jumps back to the
 * block's start (a loop), else the IR and the context go back as they were. */
static void trace_insns(DisasContext *s, int *count, int max_insns, FILE *log)
{
    s->in_trace = true;
    s->max_pc = s->pc > s->max_pc ? s->pc : s->max_pc;
    s->pc = s->side_exit_dest;
    s->is_jmp = DISAS_NEXT;
    s->nb_follows = 0;
    translate_insns(s, count, *count + TRACE_MAX_INSNS < max_insns ?
                              *count + TRACE_MAX_INSNS : max_insns, log);
}

static bool gen_trace(DisasContext *s, int *count, int max_insns, FILE *log)
{
    DisasContext before = *s;
    int count_before = *count;
    TCGIRMark mark = tcg_ir_mark(s->tcg);

    trace_insns(s, count, max_insns, NULL);
    bool loops = (s->slots_used & (1u << TCG_TRACE_SLOT)) != 0;
    if (loops && !log) {
        return true;
    }
    tcg_ir_rollback(s->tcg, mark);
    *s = before;
    *count = count_before;
    if (loops) {
        /* again, for the in_asm log */
        trace_insns(s, count, max_insns, log);
    }
    return loops;
}

/* The taken path of the block's side exit, after everything else. */
static void gen_side_exit(DisasContext *s, int *count, int max_insns, FILE *log)
{
    TCGLabel *l = s->side_exit;

    s->side_exit = NULL;
    tcg_gen_set_label(s->tcg, l);
    /* the state at the branch: cc_op already in env */
    s->cc_op = s->side_exit_cc_op;
    s->cc_op_dirty = false;
    s->pc_start = s->side_exit_pc_start;
    if (trace_possible(s, *count, max_insns) && gen_trace(s, count, max_insns, log)) {
        return;
    }
    gen_jmp_tb(s, s->side_exit_dest, 1);
}

/* Back to the execution loop, which takes pending interrupts. Blocks in an
 * interrupt shadow (SDM vol. 3A, 6.8.3) always end here: a chained jump would
 * skip that check once the shadow is over. */
void gen_eob_exit(DisasContext *s)
{
    gen_update_cc_op(s);
    /* after MOV SS / POP SS the single-step trap waits for the next
     * instruction (SDM vol. 3A, 6.8.3), whose block has the interrupt shadow */
    if ((s->flags & HF_TF) && !s->db_shadow) {
        gen_single_step_trap(s);
    } else {
        tcg_gen_exit_tb(s->tcg, 0);
    }
    s->is_jmp = DISAS_JUMPED;
}

void gen_eob_indirect(DisasContext *s)
{
    TCGv pc, cs_base, flags;

    gen_update_cc_op(s);
    if (s->flags & (HF_TF | HF_INHIBIT_IRQ)) {
        gen_eob_exit(s);
        return;
    }
    if (!s->sys) {
        /* user mode: hflags and the CS base change only at CPU setup, never by
         * an instruction, so the next block's key shares them with this one */
        tcg_gen_lookup_and_goto_ptr(s->tcg, s->g->rip,
                                    tcg_constant(s->tcg, TCG_TYPE_I64, (int64_t)s->tb->cs_base),
                                    tcg_constant(s->tcg, TCG_TYPE_I32, s->tb->flags));
        s->is_jmp = DISAS_JUMPED;
        return;
    }
    /* system mode: the key as get_tb_state computes it, from the state at run
     * time (instructions that change CS or the mode leave through gen_eob_exit) */
    pc = tcg_new64(s);
    flags = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    cs_base = s->g->seg_base[R_CS];
    if (s->code64) {
        tcg_gen_mov(s->tcg, pc, s->g->rip);
    } else {
        tcg_gen_add(s->tcg, pc, s->g->rip, cs_base);
        tcg_gen_ext32u(s->tcg, pc, pc);
    }
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, flags, tcg_env(s->tcg), offsetof(CPUX86State, hflags));
    tcg_gen_andi(s->tcg, flags, flags, X86_TB_FLAGS_MASK);
    /* no instruction in this block changed MXCSR (they end it otherwise) */
    tcg_gen_ori(s->tcg, flags, flags, s->flags & X86_TB_MXCSR_DEFAULT);
    tcg_gen_lookup_and_goto_ptr(s->tcg, pc, cs_base, flags);
    s->is_jmp = DISAS_JUMPED;
}

/* ---------------------------------------------------------------- decoder */

static void decode_prefixes(DisasContext *s, unsigned *opcode)
{
    unsigned b;

    s->prefix = 0;
    s->override_seg = -1;
    s->rex_w = s->rex_r = s->rex_x = s->rex_b = 0;
    for (;;) {
        b = x86_ldub_code(s);
        if (s->fetch_fault) {
            break;
        }
        switch (b) {
        case 0xf3: s->prefix = (s->prefix & ~PREFIX_REPNZ) | PREFIX_REPZ; break;
        case 0xf2: s->prefix = (s->prefix & ~PREFIX_REPZ) | PREFIX_REPNZ; break;
        case 0xf0: s->prefix |= PREFIX_LOCK; break;
        case 0x66: s->prefix |= PREFIX_DATA; break;
        case 0x67: s->prefix |= PREFIX_ADR; break;
        case 0x26: s->override_seg = R_ES; break;
        case 0x2e: s->override_seg = R_CS; break;
        case 0x36: s->override_seg = R_SS; break;
        case 0x3e: s->override_seg = R_DS; break;
        case 0x64: s->override_seg = R_FS; break;
        case 0x65: s->override_seg = R_GS; break;
        default:
            if (s->code64 && (b & 0xf0) == 0x40) {
                /* SDM vol. 2A, 2.2.1: REX must come right before the opcode */
                s->prefix |= PREFIX_REX;
                s->rex_w = (b >> 3) & 1;
                s->rex_r = (b & 4) << 1;
                s->rex_x = (b & 2) << 2;
                s->rex_b = (b & 1) << 3;
                b = x86_ldub_code(s);
                if ((b & 0xf0) == 0x40 || b == 0x66 || b == 0x67 || b == 0xf0 ||
                    b == 0xf2 || b == 0xf3 || (b & 0xe7) == 0x26 || b == 0x64 || b == 0x65) {
                    /* a REX followed by another prefix is ignored */
                    s->prefix &= ~PREFIX_REX;
                    s->rex_w = s->rex_r = s->rex_x = s->rex_b = 0;
                    s->pc--;
                    continue;
                }
            }
            *opcode = b;
            goto done;
        }
    }
    *opcode = 0;
done:
    if (s->code64) {
        s->dflag = s->rex_w ? MO_64 : (s->prefix & PREFIX_DATA) ? MO_16 : MO_32;
        s->aflag = (s->prefix & PREFIX_ADR) ? MO_32 : MO_64;
    } else {
        s->dflag = (s->code32 ^ !!(s->prefix & PREFIX_DATA)) ? MO_32 : MO_16;
        s->aflag = (s->code32 ^ !!(s->prefix & PREFIX_ADR)) ? MO_32 : MO_16;
    }
}

/*
 * LOCK is only valid on the read-modify-write instructions listed in SDM
 * vol. 2B, LOCK, with a memory destination; anything else raises #UD.
 */
static bool lock_allowed(DisasContext *s, unsigned b)
{
    uint8_t modrm;
    int op;

    if (!x86_peek_code(s, &modrm) || (modrm >> 6) == 3) {
        return false;
    }
    op = (modrm >> 3) & 7;
    if (b < 0x40) {
        return (b & 7) < 2 && ((b >> 3) & 7) != 7;          /* ALU Eb/Ev,G, not CMP */
    }
    switch (b) {
    case 0x80: case 0x81: case 0x82: case 0x83:
        return op != 7;
    case 0x86: case 0x87:                                 /* XCHG */
    case 0x1ab: case 0x1b3: case 0x1bb:                   /* BTS BTR BTC */
    case 0x1b0: case 0x1b1: case 0x1c0: case 0x1c1:       /* CMPXCHG XADD */
        return true;
    case 0xf6: case 0xf7:
        return op == 2 || op == 3;                        /* NOT NEG */
    case 0xfe: case 0xff:
        return op < 2;                                    /* INC DEC */
    case 0x1ba:
        return op >= 5;
    case 0x1c7:
        return op == 1;
    default:
        return false;
    }
}

/*
 * Read-modify-write instructions with a memory destination: the LOCK-able ones
 * plus shifts, rotates and SHLD/SHRD. Their load is tagged MO_RMW, so a page
 * fault on it reports a write, as the hardware's does (SDM vol. 3A, 4.7: the
 * access is a write when the instruction writes the operand).
 */
static bool rmw_memory(DisasContext *s, unsigned b)
{
    uint8_t modrm;

    if (lock_allowed(s, b)) {
        return true;
    }
    if (!x86_peek_code(s, &modrm) || (modrm >> 6) == 3) {
        return false;
    }
    return b == 0xc0 || b == 0xc1 || (b >= 0xd0 && b <= 0xd3) || b == 0x1a4 || b == 0x1a5 ||
           b == 0x1ac || b == 0x1ad;
}

static void disas_insn(DisasContext *s)
{
    unsigned b;
    uint64_t opcode_end;

    s->rip_offset = 0;
    s->mnemonic = NULL;
    decode_prefixes(s, &b);
    if (b == 0x0f && !s->fetch_fault) {
        b = 0x100 | x86_ldub_code(s);
    }
    opcode_end = s->pc;
    if (s->fetch_fault) {
        goto fault;
    }
    if ((s->prefix & PREFIX_LOCK) && !lock_allowed(s, b)) {
        goto illegal;
    }
    s->rmw = s->sys && rmw_memory(s, b);
    if ((b == 0xc4 || b == 0xc5) && x86_is_vex(s)) {
        if (!gen_vex(s, b)) {
            goto illegal;
        }
    } else if (b == 0x138 || b == 0x13a) {
        unsigned b3 = x86_ldub_code(s);
        if (s->fetch_fault || !gen_sse(s, 0x0f0000 | (b & 0xff) << 8 | b3)) {
            goto illegal;
        }
    } else if (!gen_atomic_insn(s, b) && !gen_xsave_insn(s, b) && !disas_alu(s, b) &&
               !disas_sys(s, b) &&
               !disas_ctl(s, b) &&
               !(b >= 0x100 && gen_sse(s, 0x0f00 | (b & 0xff)))) {
        goto illegal;
    }
    if (s->fetch_fault) {
        goto fault;
    }
    return;
illegal:
    if ((b == 0x100 || b == 0x101) && s->pc == opcode_end && !s->fetch_fault) {
        /* system groups 6/7 (0F 00, 0F 01) refused here, e.g. XGETBV in user
         * mode: the ModRM operand is still part of the instruction, as the
         * in_asm log shows it (blocks that go on past a Jcc translate code
         * that may never run) */
        x86_decode_modrm(s);
        if (s->mod != 3) {
            gen_lea_modrm(s);      /* consumes SIB and displacement; dead code */
        }
    }
    if (s->fetch_fault) {
        goto fault;
    }
    s->mnemonic = "(bad)";
    gen_exception(s, EXCP06_ILLOP);
    return;
fault:
    if (s->fetch_fault_addr == 0 && s->pc - s->pc_start >= 15) {
        /* longer than 15 bytes: #GP (SDM vol. 2A, 2.3.11) */
        gen_exception(s, EXCP0D_GPF);
    } else {
        TCGv addr = tcg_const64(s, s->fetch_fault_addr);
        gen_update_cc_op(s);
        tcg_gen_movi(s->tcg, s->g->rip, s->pc_start);
        gen_helper_env(s, helper_raise_page_fault, 0, NULL, 1, &addr);
        s->is_jmp = DISAS_JUMPED;
    }
}

/* the interrupt shadow of STI / MOV SS / POP SS ends after one instruction
 * (SDM vol. 3A, 6.8.3) */
static void gen_clear_inhibit_irq(DisasContext *s)
{
    TCGv h = tcg_temp_new(s->tcg, TCG_TYPE_I32);

    tcg_gen_ld(s->tcg, INDEX_op_ld32u, h, tcg_env(s->tcg), offsetof(CPUX86State, hflags));
    tcg_gen_andi(s->tcg, h, h, ~(int64_t)HF_INHIBIT_IRQ & 0xffffffff);
    tcg_gen_st(s->tcg, INDEX_op_st32, h, tcg_env(s->tcg), offsetof(CPUX86State, hflags));
    tcg_temp_free(s->tcg, h);
}

/* whether an instruction at s->pc could reach a next page that cannot be read */
static bool next_page_unreadable(DisasContext *s)
{
    uint64_t linear = x86_code_linear(s, s->pc);
    uint64_t next = (linear | (PAGE_SIZE_GUEST - 1)) + 1;
    uint8_t byte;

    if (next - linear >= 15) {
        return false;
    }
    return !translator_read_code(s->exec, s->code64 ? next : (uint32_t)next, &byte, 1);
}

static void x86_translate(TCGContext *tcg, void *opaque_env, TranslationBlock *tb, int max_insns)
{
    CPUX86State *env = opaque_env;
    DisasContext ctx, *s = &ctx;
    uint64_t start_offset;
    int count = 0;
    FILE *log = (tcg_log_flags(tcg) & TCG_LOG_IN_ASM) ? tcg_log_file(tcg) : NULL;

    memset(s, 0, sizeof(*s));
    /* globals may only be created on an empty block */
    tcg_func_start(tcg);
    s->g = x86_globals_get(tcg, env);
    tcg_func_start(tcg);
    s->tcg = tcg;
    s->env = env;
    s->exec = env->exec;
    s->tb = tb;
    s->flags = tb->flags;
    s->code64 = (tb->flags & HF_CS64) != 0;
    s->code32 = (tb->flags & HF_CS32) != 0;
    s->ss32 = (tb->flags & HF_SS32) != 0;
    s->sys = (tb->flags & HF_SYSTEM) != 0;
    s->pe = (tb->flags & HF_PE) != 0;
    s->vm86 = (tb->flags & HF_VM) != 0;
    s->cpl = (tb->flags & HF_CPL_MASK) >> HF_CPL_SHIFT;
    s->iopl = (tb->flags >> HF_IOPL_SHIFT) & 3;
    s->addseg = (tb->flags & HF_ADDSEG) || (s->sys && (!s->pe || s->vm86));
    s->mem_index = s->cpl == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
    /* tb->pc is the linear address; the decoder works on offsets in CS */
    s->cs_base = s->code64 ? 0 : tb->cs_base;
    s->pc = s->code64 ? tb->pc : (uint32_t)(tb->pc - s->cs_base);
    start_offset = s->pc;
    s->start_pc = start_offset;
    s->page_end = (tb->pc & ~(uint64_t)(PAGE_SIZE_GUEST - 1)) + PAGE_SIZE_GUEST;
    s->cc_op = CC_OP_DYNAMIC;
    s->T0 = tcg_new64(s);
    s->T1 = tcg_new64(s);
    s->A0 = tcg_new64(s);
    s->tmp = tcg_new64(s);
    if (max_insns <= 0 || max_insns > TCG_MAX_INSNS) {
        max_insns = TCG_MAX_INSNS;
    }
    if (tb->flags & (HF_TF | HF_INHIBIT_IRQ)) {
        /* single-step and the interrupt shadow cover exactly one instruction */
        max_insns = 1;
    }
    if (log) {
        fprintf(log, "IN: \n");
    }
    if (!(tb->flags & (HF_TF | HF_INHIBIT_IRQ))) {
        /* a jump back to the first instruction runs the block again */
        tcg_set_self_loop(tcg, s->pc);
    }
    translator_gen_tb_start(s->exec, tcg, tb);
    translate_insns(s, &count, max_insns, log);
    while (s->side_exit) {
        gen_side_exit(s, &count, max_insns, log);
    }
    if (log) {
        fprintf(log, "\n");
        fflush(log);
    }
    /* offsets in CS, so the CS base cancels out */
    if (s->max_pc > s->pc) {
        s->pc = s->max_pc;
    }
    tb->size = (uint32_t)(s->pc - start_offset);
    if (s->fetch_fault && s->fetch_fault_addr > tb->pc &&
        s->fetch_fault_addr - tb->pc < tb->size) {
        /* the bytes that fault are not on a page of the block */
        tb->size = (uint32_t)(s->fetch_fault_addr - tb->pc);
    }
    tb->icount = count;
}

/* Instructions from s->pc until the block (or its trace) ends. */
static void translate_insns(DisasContext *s, int *count, int max_insns, FILE *log)
{
    TCGContext *tcg = s->tcg;
    TranslationBlock *tb = s->tb;

    for (;;) {
        s->pc_start = s->pc;
        if (*count > 0 && next_page_unreadable(s)) {
            /* the next instruction may run into a page that faults: it starts
             * a block of its own, which raises the fault alone */
            gen_update_cc_op(s);
            tcg_gen_movi(tcg, s->g->rip, s->code64 ? s->pc : (uint32_t)s->pc);
            gen_jmp_tb(s, s->pc, 0);
            break;
        }
        tcg_gen_insn_start(tcg, s->pc, s->cc_op);
        if (*count == 0 && (tb->flags & HF_INHIBIT_IRQ)) {
            gen_clear_inhibit_irq(s);
        }
        disas_insn(s);
        (*count)++;
        if (log) {
            x86_log_insn(s, log);
        }
        if (s->follow) {
            s->max_pc = s->pc > s->max_pc ? s->pc : s->max_pc;
            s->pc = s->follow_pc;
            s->follow = false;
        }
        if (s->is_jmp == DISAS_EOB_DYNAMIC) {
            gen_eob_indirect(s);
        } else if (s->is_jmp == DISAS_EOB_EXIT) {
            gen_eob_exit(s);
        }
        if (s->is_jmp != DISAS_NEXT && s->is_jmp != DISAS_TOO_MANY) {
            break;
        }
        if (s->is_jmp == DISAS_TOO_MANY || *count >= max_insns ||
            s->cs_base + s->pc >= s->page_end) {
            /* not chained: a flag change or a page switch may want a new key */
            gen_update_cc_op(s);
            tcg_gen_movi(tcg, s->g->rip, s->code64 ? s->pc : (uint32_t)s->pc);
            if (s->is_jmp == DISAS_TOO_MANY) {
                gen_eob_indirect(s);
            } else {
                gen_jmp_tb(s, s->pc, 0);
            }
            break;
        }
    }
}

static void x86_restore_state(void *opaque_env, const TranslationBlock *tb, const uint64_t data[2])
{
    CPUX86State *env = opaque_env;

    (void)tb;
    env->rip = data[0];
    if (data[1] != CC_OP_DYNAMIC) {
        env->cc_op = data[1];
    }
}

static void x86_get_tb_state(void *opaque_env, uint64_t *pc, uint64_t *cs_base, uint32_t *flags)
{
    CPUX86State *env = opaque_env;

    /* the key: the linear address of the next instruction (CS.base + rip,
     * wrapped at 4 GiB outside 64-bit mode), the CS base, the mode bits */
    *cs_base = env->segs[R_CS].base;
    if (env->hflags & HF_CS64) {
        *pc = env->rip;
    } else {
        *pc = (uint32_t)(env->segs[R_CS].base + env->rip);
    }
    *flags = env->hflags & X86_TB_FLAGS_MASK;
    if ((env->mxcsr & X86_MXCSR_CONTROLS) == X86_MXCSR_DEFAULT_CONTROLS) {
        *flags |= X86_TB_MXCSR_DEFAULT;
    }
}

const TargetTranslateOps x86_translate_ops = {
    .get_tb_state = x86_get_tb_state,
    .translate = x86_translate,
    .restore_state = x86_restore_state,
    .tlb_fill = x86_ops_tlb_fill,
    .code_mmu_index = x86_ops_code_mmu_index,
    .do_interrupt = x86_ops_do_interrupt,
    .exec_interrupt = x86_ops_exec_interrupt,
    .has_work = x86_ops_has_work,
    .user_fault = x86_user_fault,
};
