/*
 * Code emission for the IR ops on x86-64 (instruction forms from Intel SDM vol.
 * 2A/2B). Values arrive in registers or as immediates as the constraints in
 * constraints.c allow.
 */
#include "tcg/tcg-backend.h"
#include <stdlib.h>
#include "tcg/x86_64/encode.h"

static const uint8_t cond_to_jcc[16] = {
    [TCG_COND_EQ] = JCC_JE, [TCG_COND_NE] = JCC_JNE,
    [TCG_COND_LT] = JCC_JL, [TCG_COND_GE] = JCC_JGE,
    [TCG_COND_LE] = JCC_JLE, [TCG_COND_GT] = JCC_JG,
    [TCG_COND_LTU] = JCC_JB, [TCG_COND_GEU] = JCC_JAE,
    [TCG_COND_LEU] = JCC_JBE, [TCG_COND_GTU] = JCC_JA,
};

static unsigned width(TCGType type) { return type == TCG_TYPE_I32 ? 32 : 64; }

/* --- arithmetic --- */

/* the host flags now reflect register out (an ALU instruction of that width
 * wrote it): out_cmp may branch on them */
static void flags_set_by(TCGContext *s, int out, int rexw, bool logic)
{
    s->flags_end = tcg_code_offset(s);
    s->flags_reg = out + 1;
    s->flags_wide = rexw != 0;
    s->flags_logic = logic;
}

static void out_add(TCGContext *s, int rexw, int out, int a, TCGArg b, bool b_const)
{
    if (b_const) {
        if (b == 0) {
            if (out != a) {
                emit_modrm(s, OPC_MOVL_GvEv | rexw, out, a);
            }
        } else if (out == a) {
            out_arithi(s, ALU_ADD, rexw, out, (int32_t)b);
            flags_set_by(s, out, rexw, false);
        } else {
            emit_modrm_mem(s, OPC_LEA | rexw, out, a, -1, 0, (int32_t)b);
        }
    } else if (out == a || out == (int)b) {
        out_arithr(s, ALU_ADD, rexw, out, out == a ? (int)b : a);
        flags_set_by(s, out, rexw, false);
    } else {
        emit_modrm_mem(s, OPC_LEA | rexw, out, a, (int)b, 0, 0);
    }
}

static void out_alu(TCGContext *s, int subop, int rexw, int out, TCGArg b, bool b_const)
{
    if (b_const) {
        out_arithi(s, subop, rexw, out, (int32_t)b);
    } else {
        out_arithr(s, subop, rexw, out, (int)b);
    }
    flags_set_by(s, out, rexw, subop != ALU_SUB);
}

static void out_mul(TCGContext *s, int rexw, int out, TCGArg b, bool b_const)
{
    if (!b_const) {
        emit_modrm(s, OPC_IMUL_GvEv | rexw, out, (int)b);
    } else if ((int64_t)b == (int8_t)b) {
        emit_modrm(s, OPC_IMUL_GvEvIb | rexw, out, out);
        out8(s, (uint8_t)b);
    } else {
        emit_modrm(s, OPC_IMUL_GvEvIz | rexw, out, out);
        out32(s, (uint32_t)b);
    }
}

static void out_shift(TCGContext *s, int subop, TCGType type, int out, TCGArg b, bool b_const)
{
    int rexw = rexw_of(type);
    if (!b_const) {
        emit_modrm(s, OPC_SHIFT_CL | rexw, subop, out);
        return;
    }
    unsigned count = (unsigned)b & (width(type) - 1);
    if (count) {
        emit_modrm(s, OPC_SHIFT_Ib | rexw, subop, out);
        out8(s, (uint8_t)count);
    } else if (type == TCG_TYPE_I32) {
        emit_modrm(s, OPC_MOVL_GvEv, out, out);   /* keep i32 values zero-extended */
    }
}

/* rdx:rax / b: rdx the zero or sign extension of rax (CQO/CDQ) */
static void out_div(TCGContext *s, bool sign, int rexw, int b)
{
    if (sign) {
        emit_opc(s, 0x99 | rexw, 0, 0, 0);
    } else {
        out_arithr(s, ALU_XOR, 0, REG_RDX, REG_RDX);
    }
    emit_modrm(s, OPC_GRP3 | rexw, sign ? GRP3_IDIV : GRP3_DIV, b);
}

static void out_andc(TCGContext *s, int rexw, int out, int a, int b)
{
    emit_modrm(s, OPC_MOVL_GvEv | rexw, out, b);
    emit_modrm(s, OPC_GRP3 | rexw, GRP3_NOT, out);
    out_arithr(s, ALU_AND, rexw, out, a);
}

/* --- extensions and bit fields --- */

static void out_ext(TCGContext *s, TCGOpcode opc, TCGType type, int out, int in)
{
    int rexw = rexw_of(type);
    switch (opc) {
    case INDEX_op_ext8s: emit_modrm(s, OPC_MOVSBL | P_REXB_RM | rexw, out, in); break;
    case INDEX_op_ext8u: emit_modrm(s, OPC_MOVZBL | P_REXB_RM, out, in); break;
    case INDEX_op_ext16s: emit_modrm(s, OPC_MOVSWL | rexw, out, in); break;
    case INDEX_op_ext16u: emit_modrm(s, OPC_MOVZWL, out, in); break;
    case INDEX_op_ext32s: case INDEX_op_exts_i32_i64:
        emit_modrm(s, OPC_MOVSLQ, out, in);
        break;
    case INDEX_op_ext32u: case INDEX_op_extu_i32_i64: case INDEX_op_extrl_i64_i32:
        emit_modrm(s, OPC_MOVL_GvEv, out, in);
        break;
    case INDEX_op_extrh_i64_i32:
        tcg_target_out_mov(s, TCG_TYPE_I64, out, in);
        emit_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, out);
        out8(s, 32);
        break;
    default:
        break;
    }
}

static void out_extract(TCGContext *s, TCGType type, bool sign, int out, int in,
                        unsigned pos, unsigned len)
{
    int rexw = rexw_of(type);
    unsigned w = width(type);
    if (pos == 0 && (len == 8 || len == 16 || (len == 32 && w == 64))) {
        static const TCGOpcode zext[] = { INDEX_op_ext8u, INDEX_op_ext16u, INDEX_op_ext32u };
        static const TCGOpcode sext[] = { INDEX_op_ext8s, INDEX_op_ext16s, INDEX_op_ext32s };
        int k = len == 8 ? 0 : len == 16 ? 1 : 2;
        out_ext(s, sign ? sext[k] : zext[k], type, out, in);
        return;
    }
    tcg_target_out_mov(s, type, out, in);
    if (pos + len < w) {
        emit_modrm(s, OPC_SHIFT_Ib | rexw, SHIFT_SHL, out);
        out8(s, (uint8_t)(w - pos - len));
    }
    if (len < w) {
        emit_modrm(s, OPC_SHIFT_Ib | rexw, sign ? SHIFT_SAR : SHIFT_SHR, out);
        out8(s, (uint8_t)(w - len));
    }
}

static void out_deposit(TCGContext *s, int out, int b, unsigned len)
{
    if (len == 8) {
        emit_modrm(s, OPC_MOVB_EvGv | P_REXB_R | P_REXB_RM, b, out);
    } else {
        emit_modrm(s, OPC_MOVL_EvGv | P_DATA16, b, out);
    }
}

static void out_bswap(TCGContext *s, TCGOpcode opc, int out, int in)
{
    tcg_target_out_mov(s, TCG_TYPE_I64, out, in);
    if (opc == INDEX_op_bswap16) {
        emit_modrm(s, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, out);
        out8(s, 8);
        emit_modrm(s, OPC_MOVZWL, out, out);
    } else {
        emit_opc(s, OPC_BSWAP + (out & 7) + (opc == INDEX_op_bswap64 ? P_REXW : 0), 0, out, 0);
    }
}

/* Rewrites the 8-bit displacement of a short jump emitted at jump_end - 2. */
static void patch_short_jump(uint8_t *jump_end, const uint8_t *target)
{
    jump_end[-1] = (uint8_t)(target - jump_end);
}

static void out_count_zeros(TCGContext *s, TCGOpcode opc, TCGType type, int out, int a, int b)
{
    int rexw = rexw_of(type);
    bool clz = opc == INDEX_op_clz;
    if (s->host_features & (clz ? HOST_HAS_LZCNT : HOST_HAS_BMI1)) {
        /* lzcnt/tzcnt set CF when the source is zero */
        emit_modrm(s, (clz ? OPC_LZCNT : OPC_TZCNT) | rexw, out, a);
        emit_modrm(s, (OPC_CMOVCC + JCC_JB) | rexw, out, b);
    } else if (!clz) {
        emit_modrm(s, OPC_BSF | rexw, out, a);
        emit_modrm(s, (OPC_CMOVCC + JCC_JE) | rexw, out, b);
    } else {
        /* bsr gives the index of the top bit; clz = index ^ (width - 1) */
        emit_modrm(s, OPC_BSR | rexw, out, a);
        out8(s, OPC_JCC_short + JCC_JE);
        out8(s, 0);
        uint8_t *jz_end = s->code_ptr;
        out_arithi(s, ALU_XOR, rexw, out, (int32_t)width(type) - 1);
        out8(s, OPC_JMP_short);
        out8(s, 0);
        uint8_t *jmp_end = s->code_ptr;
        patch_short_jump(jz_end, s->code_ptr);
        tcg_target_out_mov(s, type, out, b);
        patch_short_jump(jmp_end, s->code_ptr);
    }
}

/* --- comparisons --- */

/*
 * Whether the flags already there answer "a cond 0": the last flag-setting
 * instruction wrote register a and nothing but moves and stores came since.
 * ZF is the result's at that instruction's width, and a 32-bit result is
 * zero-extended, so EQ/NE hold for a 64-bit compare too; AND/OR/XOR leave
 * CF = OF = 0 as TEST does and SF the sign at their width, so when the widths
 * agree every condition holds (SDM vol. 1, 3.4.3.1; vol. 2A, AND, TEST).
 * Saves the TEST of "dec; test; jne".
 */
static bool flags_answer(TCGContext *s, TCGType type, TCGCond cond, int a)
{
    bool wide = type == TCG_TYPE_I64;
    if (s->flags_reg != a + 1 || s->flags_end != tcg_code_offset(s)) {
        return false;
    }
    if (cond == TCG_COND_EQ || cond == TCG_COND_NE) {
        return wide || !s->flags_wide;
    }
    return s->flags_logic && wide == s->flags_wide;
}

static void out_cmp(TCGContext *s, TCGType type, TCGCond cond, int a, TCGArg b, bool b_const)
{
    int rexw = rexw_of(type);
    if (b_const && b == 0 && flags_answer(s, type, cond, a)) {
        return;
    }
    if (b_const && b == 0) {
        emit_modrm(s, OPC_TEST | rexw, a, a);
    } else if (b_const) {
        out_arithi(s, ALU_CMP, rexw, a, (int32_t)b);
    } else {
        emit_modrm(s, ((ALU_CMP << 3) + 1) | rexw, (int)b, a);
    }
}

static void out_setcond(TCGContext *s, TCGType type, TCGCond cond, int out, int a,
                        TCGArg b, bool b_const)
{
    out_cmp(s, type, cond, a, b, b_const);
    emit_modrm(s, OPC_SETCC + cond_to_jcc[cond], 0, out);
    emit_modrm(s, OPC_MOVZBL | P_REXB_RM, out, out);
}

static void out_brcond(TCGContext *s, TCGType type, TCGCond cond, int a, TCGArg b,
                       bool b_const, int label)
{
    out_cmp(s, type, cond, a, b, b_const);
    emit_opc(s, OPC_JCC_long + cond_to_jcc[cond], 0, 0, 0);
    tcg_add_reloc(s, label, tcg_code_offset(s));
    out32(s, 0);
}

/* --- host and guest memory --- */

/* [base + (index << shift) + disp]; index -1: none */
static void out_load_sib(TCGContext *s, TCGOpcode opc, TCGType type, int out, int base,
                         int index, int shift, int32_t disp)
{
    int rexw = rexw_of(type);
    int x86;
    switch (opc) {
    case INDEX_op_ld8u: x86 = OPC_MOVZBL; break;
    case INDEX_op_ld8s: x86 = OPC_MOVSBL | rexw; break;
    case INDEX_op_ld16u: x86 = OPC_MOVZWL; break;
    case INDEX_op_ld16s: x86 = OPC_MOVSWL | rexw; break;
    case INDEX_op_ld32u: x86 = OPC_MOVL_GvEv; break;
    case INDEX_op_ld32s: x86 = type == TCG_TYPE_I64 ? OPC_MOVSLQ : OPC_MOVL_GvEv; break;
    default: x86 = OPC_MOVL_GvEv | rexw; break;
    }
    emit_modrm_mem(s, x86, out, base, index, shift, disp);
}

static void out_load(TCGContext *s, TCGOpcode opc, TCGType type, int out, int base,
                     int index, int32_t disp)
{
    out_load_sib(s, opc, type, out, base, index, 0, disp);
}

/* size: 0..3 for 8..64 bits */
static void out_store_sib(TCGContext *s, unsigned size, TCGArg val, bool is_const, int base,
                          int index, int shift, int32_t disp)
{
    static const int reg_form[4] = {
        OPC_MOVB_EvGv | P_REXB_R, OPC_MOVL_EvGv | P_DATA16, OPC_MOVL_EvGv, OPC_MOVL_EvGv | P_REXW,
    };
    static const int imm_form[4] = {
        OPC_MOVB_EvIz, OPC_MOVL_EvIz | P_DATA16, OPC_MOVL_EvIz, OPC_MOVL_EvIz | P_REXW,
    };
    if (!is_const) {
        emit_modrm_mem(s, reg_form[size], (int)val, base, index, shift, disp);
        return;
    }
    emit_modrm_mem(s, imm_form[size], 0, base, index, shift, disp);
    if (size == 0) {
        out8(s, (uint8_t)val);
    } else if (size == 1) {
        out16(s, (uint16_t)val);
    } else {
        out32(s, (uint32_t)val);
    }
}

static void out_store(TCGContext *s, unsigned size, TCGArg val, bool is_const, int base,
                      int index, int32_t disp)
{
    out_store_sib(s, size, val, is_const, base, index, 0, disp);
}

static const uint8_t st_size[] = { 0, 1, 2, 3 };

/* Where a guest address lives in host memory: [addr + guest_base], plus what
 * tcg_fold_mem_offsets folded into the access: a displacement, and an index
 * register scaled by 1/2/4/8 (only when guest_base fits the displacement, as
 * one x86 address has at most two registers). All user-mode guest memory
 * accesses go through here. */
typedef struct HostAddr {
    int base, index, shift;
    int32_t disp;
} HostAddr;

static HostAddr guest_address(TCGContext *s, int addr, int index, TCGArg memop)
{
    int32_t offset = tcg_memop_offset(memop);
    HostAddr h = { .base = addr, .index = index, .shift = (int)tcg_memop_scale(memop),
                   .disp = offset };
    if (tcg_target_guest_base_needs_reg(s->guest_base)) {
        if (index >= 0) {
            abort();                /* tcg_fold_mem_offsets never makes this */
        }
        h.index = tcg_target_guest_base_reg;
    } else {
        h.disp = (int32_t)((int64_t)s->guest_base + offset);
    }
    return h;
}

static void out_byte_swap_value(TCGContext *s, TCGType type, unsigned size, bool sign, int r)
{
    if (size == MO_16) {
        emit_modrm(s, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, r);
        out8(s, 8);
        emit_modrm(s, (sign ? OPC_MOVSWL | rexw_of(type) : OPC_MOVZWL), r, r);
    } else if (size == MO_32) {
        emit_opc(s, OPC_BSWAP + (r & 7), 0, r, 0);
        if (sign && type == TCG_TYPE_I64) {
            emit_modrm(s, OPC_MOVSLQ, r, r);
        }
    } else if (size == MO_64) {
        emit_opc(s, OPC_BSWAP + (r & 7) + P_REXW, 0, r, 0);
    }
}

static void out_qemu_ld(TCGContext *s, TCGType type, int out, int addr, int index,
                        TCGArg memop_arg)
{
    TCGMemOp memop = (TCGMemOp)(memop_arg & 0xffff);
    static const TCGOpcode by_size[2][4] = {
        { INDEX_op_ld8u, INDEX_op_ld16u, INDEX_op_ld32u, INDEX_op_ld },
        { INDEX_op_ld8s, INDEX_op_ld16s, INDEX_op_ld32s, INDEX_op_ld },
    };
    unsigned size = memop & MO_SIZE;
    bool sign = (memop & MO_SIGN) != 0;
    bool swap = (memop & MO_BSWAP) && size != MO_8;
    HostAddr h = guest_address(s, addr, index, memop_arg);
    TCGOpcode opc = by_size[sign && !swap][size];
    out_load_sib(s, opc, size == MO_64 ? TCG_TYPE_I64 : type, out, h.base, h.index, h.shift,
                 h.disp);
    if (swap) {
        out_byte_swap_value(s, type, size, sign, out);
    }
}

/* Byte-swaps the low 2/4/8 bytes of r so that applying it twice restores r. */
static void out_swap_in_place(TCGContext *s, unsigned size, int r)
{
    if (size == MO_16) {
        emit_modrm(s, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, r);
        out8(s, 8);
        return;
    }
    emit_opc(s, OPC_BSWAP + (r & 7) + P_REXW, 0, r, 0);
    if (size == MO_32) {
        emit_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_ROR, r);
        out8(s, 32);
    }
}

static void out_qemu_st(TCGContext *s, TCGArg val, bool is_const, int addr, int index,
                        TCGArg memop_arg)
{
    TCGMemOp memop = (TCGMemOp)(memop_arg & 0xffff);
    unsigned size = memop & MO_SIZE;
    HostAddr h = guest_address(s, addr, index, memop_arg);
    if ((memop & MO_BSWAP) && size != MO_8 && !is_const) {
        out_swap_in_place(s, size, (int)val);
        out_store_sib(s, st_size[size], val, false, h.base, h.index, h.shift, h.disp);
        out_swap_in_place(s, size, (int)val);
        return;
    }
    out_store_sib(s, st_size[size], val, is_const, h.base, h.index, h.shift, h.disp);
}

/* --- softmmu: the inline TLB probe and the slow-path call --- */

/* A forward jcc/jmp with a rel32 to patch; returns the field. */
static uint8_t *out_jump_fwd(TCGContext *s, int jcc)
{
    if (jcc < 0) {
        out8(s, OPC_JMP_long);
    } else {
        emit_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    }
    uint8_t *field = s->code_ptr;
    out32(s, 0);
    return field;
}

static void patch_rel32(uint8_t *field, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (field + 4));
    memcpy(field, &rel, 4);
}

/*
 * Hit test: rdi = TLB entry offset from the address's page number, rsi = the
 * address's page (of its last byte, so that an access crossing into the next
 * page misses) with the alignment bits MO_ALIGN wants clear; equal to the
 * entry's comparator (which carries no flag bits) only on a plain RAM hit.
 * Leaves rdi = the addend on a hit; returns the rel32 of the jump to the miss.
 */
static uint8_t *out_tlb_probe(TCGContext *s, int addr, TCGMemOp memop, bool is_store)
{
    const TCGSoftMMU *m = &s->softmmu;
    unsigned size = 1u << (memop & MO_SIZE);
    bool aligned = (memop & MO_ALIGN) != 0;
    intptr_t table = m->tlb_offset +
                     ((intptr_t)tcg_memop_mmuidx(memop) << (m->tlb_bits + m->entry_bits));
    intptr_t cmp = table + (is_store ? m->write_offset : m->read_offset);
    tcg_target_out_mov(s, TCG_TYPE_I64, REG_RDI, addr);
    emit_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, REG_RDI);
    out8(s, (uint8_t)(m->page_bits - m->entry_bits));
    out_arithi(s, ALU_AND, 0, REG_RDI, (int32_t)(((1u << m->tlb_bits) - 1) << m->entry_bits));
    if (!aligned && size > 1) {
        emit_modrm_mem(s, OPC_LEA | P_REXW, REG_RSI, addr, -1, 0, (int32_t)(size - 1));
    } else {
        tcg_target_out_mov(s, TCG_TYPE_I64, REG_RSI, addr);
    }
    int64_t mask = (int64_t)(~0ull << m->page_bits) | (aligned ? (int64_t)(size - 1) : 0);
    out_arithi(s, ALU_AND, P_REXW, REG_RSI, (int32_t)mask);
    emit_modrm_mem(s, ((ALU_CMP << 3) + 3) | P_REXW, REG_RSI, tcg_target_env_reg, REG_RDI, 0,
                   (int32_t)cmp);
    uint8_t *miss = out_jump_fwd(s, JCC_JNE);
    emit_modrm_mem(s, OPC_MOVL_GvEv | P_REXW, REG_RDI, tcg_target_env_reg, REG_RDI, 0,
                   (int32_t)(table + m->addend_offset));
    return miss;
}

/*
 * The TLB-miss path of one access, emitted after the block's code (out of line:
 * the hit path runs straight on, with no jump over it) or, when the table is
 * full, inline behind a jump. It runs with the registers the access had, so
 * all it needs is recorded here. The helper's return-address argument is the
 * last byte of the hit path's access, inside the guest instruction's code
 * (cpu_restore_state), wherever the call itself is.
 */
struct TCGSlowPath {
    uint8_t *miss;          /* rel32 of the probe's jne */
    uint8_t *done;          /* where the hit path goes on */
    int site;               /* its TCGMemSite, -1: none */
    uint32_t saved;         /* call-clobbered registers to keep */
    int addr, out;          /* out: the load's result register, -1 for a store */
    TCGArg val;             /* a store's value: register or constant */
    bool is_const;
    TCGType type;
    TCGMemOp memop;
};

/* The globals the allocator keeps in registers across the access (the mem
 * site it opened for it, regalloc.c) go to the CPU state before the helper,
 * which may fault or read the CPU state; no site: the allocator stored every
 * global. */
static void out_site_stores(TCGContext *s, int site_index)
{
    const TCGCodeInfo *info = s->info;
    if (site_index < 0) {
        return;
    }
    const TCGMemSite *site = &info->mem_sites[site_index];
    for (uint32_t i = site->first; i < site->first + site->count; i++) {
        const TCGSiteReg *r = &info->site_regs[i];
        TCGType type = r->size == 8 ? TCG_TYPE_I64 : TCG_TYPE_I32;
        if (r->host_reg == TCG_SITE_CONST) {
            tcg_target_out_sti(s, type, r->value, tcg_target_env_reg, r->env_offset);
        } else {
            tcg_target_out_st(s, type, r->host_reg, tcg_target_env_reg, r->env_offset);
        }
    }
}

/* Call-clobbered registers holding values the slow path must keep (all but the
 * result); they go to the outgoing-argument area at the bottom of the frame. */
static uint32_t slow_path_saved(TCGContext *s, int out)
{
    uint32_t saved = 0;
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if ((tcg_target_call_clobbered_regs & (1u << r)) && s->reg_to_temp[r] >= 0 && r != out &&
            !((s->reserved_regs >> r) & 1)) {
            saved |= 1u << r;
        }
    }
    return saved;
}

static void out_save_regs(TCGContext *s, uint32_t regs, bool restore)
{
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if (regs & (1u << r)) {
            if (restore) {
                tcg_target_out_ld(s, TCG_TYPE_I64, r, tcg_target_frame_reg, 8 * r);
            } else {
                tcg_target_out_st(s, TCG_TYPE_I64, r, tcg_target_frame_reg, 8 * r);
            }
        }
    }
}

/* lea reg, [rip + (target - next instruction)] */
static void out_lea_rip(TCGContext *s, int reg, const uint8_t *target)
{
    emit_opc(s, OPC_LEA | P_REXW, reg, 0, 0);
    out8(s, 0x05 | ((reg & 7) << 3));
    patch_rel32(s->code_ptr, target);
    s->code_ptr += 4;
}

static void out_slow_path(TCGContext *s, const struct TCGSlowPath *p)
{
    patch_rel32(p->miss, s->code_ptr);
    out_site_stores(s, p->site);
    out_save_regs(s, p->saved, false);
    /* rsi and rdi hold no values (reserved): addr and val are read before
     * rdx, rcx and r8 are written */
    tcg_target_out_mov(s, TCG_TYPE_I64, REG_RSI, p->addr);
    int ra_reg = REG_RCX;
    if (p->out < 0) {
        if (p->is_const) {
            tcg_target_out_movi(s, p->type, REG_RDX, (int64_t)p->val);
        } else {
            tcg_target_out_mov(s, TCG_TYPE_I64, REG_RDX, (int)p->val);
        }
        ra_reg = REG_R8;
    }
    tcg_target_out_mov(s, TCG_TYPE_I64, REG_RDI, tcg_target_env_reg);
    tcg_target_out_movi(s, TCG_TYPE_I32, p->out < 0 ? REG_RCX : REG_RDX, p->memop);
    out_lea_rip(s, ra_reg, p->done - 1);
    if (p->out < 0) {
        tcg_target_out_call(s, (const void *)s->softmmu.st_helper);
    } else {
        tcg_target_out_call(s, (const void *)s->softmmu.ld_helper);
    }
    if (p->out >= 0) {
        tcg_target_out_mov(s, p->type, p->out, REG_RAX);
        if (p->type == TCG_TYPE_I32 && p->out == REG_RAX) {
            emit_modrm(s, OPC_MOVL_GvEv, p->out, p->out);   /* i32 values stay zero-extended */
        }
    }
    out_save_regs(s, p->saved, true);
    patch_rel32(out_jump_fwd(s, -1), p->done);
}

/* An upper bound of out_slow_path's bytes: stores of at most 11 bytes, saves
 * and restores of at most 5, the moves, lea, call (at most 13) and jump. */
static unsigned slow_path_bound(const TCGContext *s, const struct TCGSlowPath *p)
{
    unsigned stores = p->site >= 0 ? s->info->mem_sites[p->site].count : 0;
    return 11 * stores + 10 * (unsigned)__builtin_popcount(p->saved) + 96;
}

/* After the probe and the hit path: the miss path out of line, or inline
 * behind a jump when the block has too many. */
static void slow_path_add(TCGContext *s, struct TCGSlowPath *p)
{
    p->done = s->code_ptr;
    p->site = s->mem_site_open ? (int)s->info->nb_mem_sites - 1 : -1;
    if (!s->slow_paths) {
        s->slow_paths = calloc(TCG_MAX_SLOW_PATHS, sizeof(*s->slow_paths));
    }
    if (s->slow_paths && s->nb_slow_paths < TCG_MAX_SLOW_PATHS) {
        /* room for it after the block */
        s->code_limit -= slow_path_bound(s, p);
        s->slow_paths[s->nb_slow_paths++] = *p;
        return;
    }
    uint8_t *skip = out_jump_fwd(s, -1);
    out_slow_path(s, p);
    patch_rel32(skip, s->code_ptr);
    /* the miss path's jump back lands on the jmp over it: send it past */
    patch_rel32(s->code_ptr - 4, s->code_ptr);
}

void tcg_target_out_slow_paths(TCGContext *s)
{
    for (int i = 0; i < s->nb_slow_paths; i++) {
        out_slow_path(s, &s->slow_paths[i]);
    }
    s->nb_slow_paths = 0;
}

static void out_qemu_ld_softmmu(TCGContext *s, TCGType type, int out, int addr, TCGMemOp memop)
{
    static const TCGOpcode by_size[2][4] = {
        { INDEX_op_ld8u, INDEX_op_ld16u, INDEX_op_ld32u, INDEX_op_ld },
        { INDEX_op_ld8s, INDEX_op_ld16s, INDEX_op_ld32s, INDEX_op_ld },
    };
    unsigned size = memop & MO_SIZE;
    bool sign = (memop & MO_SIGN) != 0;
    bool swap = (memop & MO_BSWAP) && size != MO_8;
    struct TCGSlowPath p = {
        .saved = slow_path_saved(s, out), .addr = addr, .out = out, .type = type,
        .memop = memop,
    };
    p.miss = out_tlb_probe(s, addr, memop, (memop & MO_RMW) != 0);
    out_load(s, by_size[sign && !swap][size], size == MO_64 ? TCG_TYPE_I64 : type, out,
             addr, REG_RDI, 0);
    if (swap) {
        out_byte_swap_value(s, type, size, sign, out);
    }
    slow_path_add(s, &p);
}

static void out_qemu_st_softmmu(TCGContext *s, TCGType type, TCGArg val, bool is_const,
                                int addr, TCGMemOp memop)
{
    unsigned size = memop & MO_SIZE;
    struct TCGSlowPath p = {
        .saved = slow_path_saved(s, -1), .addr = addr, .out = -1, .val = val,
        .is_const = is_const, .type = type, .memop = memop,
    };
    p.miss = out_tlb_probe(s, addr, memop, true);
    if ((memop & MO_BSWAP) && size != MO_8 && !is_const) {
        out_swap_in_place(s, size, (int)val);
        out_store(s, st_size[size], val, false, addr, REG_RDI, 0);
        out_swap_in_place(s, size, (int)val);
    } else {
        out_store(s, st_size[size], val, is_const, addr, REG_RDI, 0);
    }
    slow_path_add(s, &p);
}

/* --- block exits --- */

static void out_goto_tb(TCGContext *s, unsigned n)
{
    /* align the rel32 field so that patching it is a single atomic store; the
     * padding is one NOP instruction (SDM vol. 2B, NOP: 66 90 and 0F 1F /0 are
     * the two- and three-byte forms): it runs on every unchained exit */
    switch (3 - (((uintptr_t)s->code_ptr + 4) & 3)) {
    case 1:
        out8(s, 0x90);
        break;
    case 2:
        out8(s, 0x66);
        out8(s, 0x90);
        break;
    case 3:
        out8(s, 0x0f);
        out8(s, 0x1f);
        out8(s, 0x00);
        break;
    }
    s->info->jmp_insn_offset[n] = (uint16_t)tcg_code_offset(s);
    out8(s, OPC_JMP_long);
    out32(s, 0);
    s->info->jmp_reset_offset[n] = (uint16_t)tcg_code_offset(s);
}

static void out_exit_tb(TCGContext *s, uintptr_t value)
{
    if (value == 0) {
        out_jmp_to(s, s->epilogue_return0);
        return;
    }
    tcg_target_out_movi(s, TCG_TYPE_I64, REG_RAX, (int64_t)value);
    out_jmp_to(s, epilogue_after_zero(s));
}

static void out_br(TCGContext *s, int label)
{
    out8(s, OPC_JMP_long);
    tcg_add_reloc(s, label, tcg_code_offset(s));
    out32(s, 0);
}

/* --- dispatch --- */

static bool out_arith_op(TCGContext *s, const TCGOp *op, const TCGArg *a, const bool *c)
{
    /* 32-bit forms zero-extend their result, which is what narrow32 asks for */
    TCGType type = op->narrow32 ? TCG_TYPE_I32 : (TCGType)op->type;
    int rexw = rexw_of(type);
    int out = (int)a[0];
    switch (op->opc) {
    case INDEX_op_add: out_add(s, rexw, out, (int)a[1], a[2], c[2]); break;
    case INDEX_op_add_shl:
        emit_modrm_mem(s, OPC_LEA | rexw, out, (int)a[1], (int)a[2], (int)a[3], (int32_t)a[4]);
        break;
    case INDEX_op_sub: out_alu(s, ALU_SUB, rexw, out, a[2], c[2]); break;
    case INDEX_op_and: out_alu(s, ALU_AND, rexw, out, a[2], c[2]); break;
    case INDEX_op_or: out_alu(s, ALU_OR, rexw, out, a[2], c[2]); break;
    case INDEX_op_xor: out_alu(s, ALU_XOR, rexw, out, a[2], c[2]); break;
    case INDEX_op_mul: out_mul(s, rexw, out, a[2], c[2]); break;
    case INDEX_op_andc: out_andc(s, rexw, out, (int)a[1], (int)a[2]); break;
    case INDEX_op_shl: out_shift(s, SHIFT_SHL, type, out, a[2], c[2]); break;
    case INDEX_op_shr: out_shift(s, SHIFT_SHR, type, out, a[2], c[2]); break;
    case INDEX_op_sar: out_shift(s, SHIFT_SAR, type, out, a[2], c[2]); break;
    case INDEX_op_rotl: out_shift(s, SHIFT_ROL, type, out, a[2], c[2]); break;
    case INDEX_op_rotr: out_shift(s, SHIFT_ROR, type, out, a[2], c[2]); break;
    case INDEX_op_neg: case INDEX_op_not:
        tcg_target_out_mov(s, type, out, (int)a[1]);
        emit_modrm(s, OPC_GRP3 | rexw, op->opc == INDEX_op_neg ? GRP3_NEG : GRP3_NOT, out);
        break;
    case INDEX_op_mulu2: case INDEX_op_muls2:
        emit_modrm(s, OPC_GRP3 | rexw, op->opc == INDEX_op_mulu2 ? GRP3_MUL : GRP3_IMUL,
                   (int)a[3]);
        break;
    case INDEX_op_divu2: case INDEX_op_divs2:
        out_div(s, op->opc == INDEX_op_divs2, rexw, (int)a[3]);
        break;
    case INDEX_op_clz: case INDEX_op_ctz:
        out_count_zeros(s, op->opc, type, out, (int)a[1], (int)a[2]);
        break;
    case INDEX_op_ctpop:
        emit_modrm(s, OPC_POPCNT | rexw, out, (int)a[1]);
        break;
    default:
        return false;
    }
    return true;
}

static bool out_bits_op(TCGContext *s, const TCGOp *op, const TCGArg *a, const bool *c)
{
    TCGType type = (TCGType)op->type;
    switch (op->opc) {
    case INDEX_op_ext8s: case INDEX_op_ext8u: case INDEX_op_ext16s: case INDEX_op_ext16u:
    case INDEX_op_ext32s: case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32: case INDEX_op_extrh_i64_i32:
    case INDEX_op_extu_i32_i64: case INDEX_op_exts_i32_i64:
        out_ext(s, op->opc, type, (int)a[0], (int)a[1]);
        break;
    case INDEX_op_extract: case INDEX_op_sextract:
        out_extract(s, type, op->opc == INDEX_op_sextract, (int)a[0], (int)a[1],
                    (unsigned)a[2], (unsigned)a[3]);
        break;
    case INDEX_op_deposit:
        out_deposit(s, (int)a[0], (int)a[2], (unsigned)a[4]);
        break;
    case INDEX_op_bswap16: case INDEX_op_bswap32: case INDEX_op_bswap64:
        out_bswap(s, op->opc, (int)a[0], (int)a[1]);
        break;
    case INDEX_op_setcond:   /* narrow32: a 32-bit compare (optimize.c, narrow_compare) */
        out_setcond(s, op->narrow32 ? TCG_TYPE_I32 : type, (TCGCond)a[3], (int)a[0], (int)a[1],
                    a[2], c[2]);
        break;
    case INDEX_op_movcond:
        out_cmp(s, type, (TCGCond)a[5], (int)a[1], a[2], c[2]);
        emit_modrm(s, (OPC_CMOVCC + cond_to_jcc[a[5]]) | rexw_of(type), (int)a[0], (int)a[3]);
        break;
    default:
        return false;
    }
    return true;
}

static bool out_memory_op(TCGContext *s, const TCGOp *op, const TCGArg *a, const bool *c)
{
    TCGType type = (TCGType)op->type;
    switch (op->opc) {
    case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_ld16u: case INDEX_op_ld16s:
    case INDEX_op_ld32u: case INDEX_op_ld32s: case INDEX_op_ld:
        out_load(s, op->opc, type, (int)a[0], (int)a[1], -1, (int32_t)a[2]);
        break;
    case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32: case INDEX_op_st: {
        unsigned size = op->opc == INDEX_op_st8 ? 0 : op->opc == INDEX_op_st16 ? 1
                      : op->opc == INDEX_op_st32 ? 2 : (type == TCG_TYPE_I64 ? 3 : 2);
        out_store(s, size, a[0], c[0], (int)a[1], -1, (int32_t)a[2]);
        break;
    }
    case INDEX_op_qemu_ld:
        if (s->has_softmmu) {
            out_qemu_ld_softmmu(s, type, (int)a[0], (int)a[1], (TCGMemOp)a[2]);
        } else {
            /* indexed (tcg_fold_mem_offsets): out, addr, index, memop */
            bool ix = op->nb_iargs == 2;
            out_qemu_ld(s, type, (int)a[0], (int)a[1], ix ? (int)a[2] : -1, a[ix ? 3 : 2]);
        }
        break;
    case INDEX_op_qemu_st:
        if (s->has_softmmu) {
            out_qemu_st_softmmu(s, type, a[0], c[0], (int)a[1], (TCGMemOp)a[2]);
        } else {
            bool ix = op->nb_iargs == 3;
            out_qemu_st(s, a[0], c[0], (int)a[1], ix ? (int)a[2] : -1, a[ix ? 3 : 2]);
        }
        break;
    default:
        return false;
    }
    return true;
}

static bool out_control_op(TCGContext *s, const TCGOp *op, const TCGArg *a, const bool *c)
{
    switch (op->opc) {
    case INDEX_op_brcond:
        out_brcond(s, op->narrow32 ? TCG_TYPE_I32 : (TCGType)op->type, (TCGCond)a[2], (int)a[0],
                   a[1], c[1], (int)a[3]);
        break;
    case INDEX_op_br:
        out_br(s, (int)a[0]);
        break;
    case INDEX_op_goto_tb:
        out_goto_tb(s, (unsigned)a[0]);
        break;
    case INDEX_op_exit_tb:
        out_exit_tb(s, (uintptr_t)a[0]);
        break;
    case INDEX_op_goto_ptr:
        emit_modrm(s, OPC_GRP5, EXT5_JMPN, (int)a[0]);
        break;
    case INDEX_op_vec:
        tcg_target_out_vec(s, a, c);
        break;
    default:
        return false;
    }
    return true;
}

void tcg_target_out_op(TCGContext *s, const TCGOp *op, const TCGArg *args, const bool *is_const)
{
    if (out_arith_op(s, op, args, is_const) || out_bits_op(s, op, args, is_const) ||
        out_memory_op(s, op, args, is_const) || out_control_op(s, op, args, is_const)) {
        return;
    }
    fprintf(stderr, "tcg: x86-64 back end cannot emit op %s\n", tcg_op_defs[op->opc].name);
    abort();
}
