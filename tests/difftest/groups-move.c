/*
 * Generators for data movement: MOV, MOVZX/MOVSX/MOVSXD, CMOVcc, SETcc, XCHG,
 * CMPXCHG, CMPXCHG8B/16B, XADD, PUSH/POP/PUSHF/POPF, LEA, CBW..CQO, XLAT
 * (Intel SDM vol. 2 instruction pages).
 */
#include "gen.h"

/* MOV 88/89 (r/m,r), 8A/8B (r,r/m), C6/C7 /0 imm, B0+r ib, B8+r iz/io */
static void gen_mov(Gen *g)
{
    unsigned size = size_pick(g, true);
    unsigned w = size != 1;
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    switch (rng_below(&g->rng, 4)) {
    case 0:
        enc_opcode(&e, 1, (uint8_t)(0x88 + w), 0, 0);
        pick_rm_reg(g, &e, size, true, false);
        break;
    case 1:
        enc_opcode(&e, 1, (uint8_t)(0x8a + w), 0, 0);
        pick_rm_reg(g, &e, size, false, true);
        break;
    case 2:
        enc_opcode(&e, 1, (uint8_t)(0xc6 + w), 0, 0);
        e.reg = 0;
        e.rm = size == 1 ? rm8_operand(g, &e, true) : rm_operand(g, size, true);
        e.imm = rng_next(&g->rng);
        e.imm_size = size == 8 ? 4 : size;
        e.imm &= e.imm_size == 4 ? 0xffffffffull : (1ull << (8 * e.imm_size)) - 1;
        break;
    default:
        enc_opcode(&e, 1, size == 1 ? 0xb0 : 0xb8, 0, 0);
        if (size == 1) {
            e.rm = reg_operand(0);
            e.opcode_reg = reg8_for(g, &e, true);
        } else {
            e.opcode_reg = reg_free(g);
        }
        e.imm = value_interesting(&g->rng);
        e.imm_size = size;
        if (size < 8) {
            e.imm &= (1ull << (8 * size)) - 1;
        }
        break;
    }
    encode(g, &e);
}

/* MOV AL/eAX, moffs (A0/A1) and moffs, AL/eAX (A2/A3): the address is an
 * immediate of the address size (8 bytes in 64-bit mode, 4 with 67 or in 32-bit
 * mode) */
static void gen_mov_moffs(Gen *g)
{
    unsigned size = size_pick(g, true);
    bool store = rng_below(&g->rng, 2);
    bool addr32 = g->long_mode && rng_below(&g->rng, 3) == 0;
    Enc e;
    enc_init(&e);
    if (addr32) {
        enc_prefix(&e, 0x67);
    }
    enc_size(&e, size);
    enc_opcode(&e, 1, (uint8_t)(0xa0 + 2 * store + (size != 1)), 0, 0);
    e.imm = scratch_address(g, size, 1, 0x100);
    e.imm_size = g->long_mode && !addr32 ? 8 : 4;
    encode(g, &e);
}

/* MOVZX 0F B6/B7, MOVSX 0F BE/BF, MOVSXD 63 /r with REX.W */
static void gen_movx(Gen *g)
{
    Enc e;
    enc_init(&e);
    unsigned dst = size_pick(g, false);
    if (g->long_mode && rng_below(&g->rng, 5) == 0) {
        e.rex_w = true;
        enc_opcode(&e, 1, 0x63, 0, 0);
        e.rm = rm_operand(g, 4, false);
        e.reg = reg_free(g);
        encode(g, &e);
        return;
    }
    bool word = dst != 2 && rng_below(&g->rng, 2);
    bool sign = rng_below(&g->rng, 2);
    enc_size(&e, dst);
    enc_opcode(&e, 2, 0x0f, (uint8_t)((sign ? 0xbe : 0xb6) + word), 0);
    if (word) {
        e.rm = rm_operand(g, 2, false);
        e.reg = reg_free(g);
    } else {
        e.rm = rm8_operand(g, &e, false);
        /* the destination is a full register: REX only matters for the source */
        if (!e.rm.is_mem && e.rex_forbid) {
            do {
                e.reg = reg_free(g);
            } while (e.reg >= 8);
        } else {
            e.reg = reg_free(g);
        }
    }
    encode(g, &e);
}

/* CMOVcc 0F 40+cc: a 32-bit CMOV clears the upper half even when not taken */
static void gen_cmov(Gen *g)
{
    unsigned cc = (unsigned)rng_below(&g->rng, 16);
    unsigned size = size_pick(g, false);
    need_flags(g, cc_flags(cc));
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, (uint8_t)(0x40 + cc), 0);
    pick_rm_reg(g, &e, size, false, true);
    encode(g, &e);
}

/* SETcc 0F 90+cc r/m8 */
static void gen_setcc(Gen *g)
{
    unsigned cc = (unsigned)rng_below(&g->rng, 16);
    need_flags(g, cc_flags(cc));
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 2, 0x0f, (uint8_t)(0x90 + cc), 0);
    e.reg = 0;
    e.rm = rm8_operand(g, &e, true);
    encode(g, &e);
}

/* XCHG 86/87 r/m,r (locked implicitly on memory, LOCK allowed) and 90+r with eAX */
static void gen_xchg(Gen *g)
{
    unsigned size = size_pick(g, true);
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    if (size != 1 && rng_below(&g->rng, 3) == 0) {
        enc_opcode(&e, 1, 0x90, 0, 0);
        do {
            e.opcode_reg = reg_free(g);
        } while (e.opcode_reg == RAX);   /* 90 is NOP */
    } else {
        enc_opcode(&e, 1, (uint8_t)(0x86 + (size != 1)), 0, 0);
        pick_rm_reg(g, &e, size, true, true);
        if (e.rm.is_mem && rng_below(&g->rng, 3) == 0) {
            enc_prefix(&e, 0xf0);           /* redundant: XCHG with memory locks */
        }
    }
    encode(g, &e);
}

/* CMPXCHG 0F B0/B1 r/m,r (all flags as CMP); LOCK on memory sometimes */
static void gen_cmpxchg(Gen *g)
{
    unsigned size = size_pick(g, true);
    Enc e;
    enc_init(&e);
    pick_rm_reg(g, &e, size, true, false);
    if (e.rm.is_mem && rng_below(&g->rng, 3) == 0) {
        enc_prefix(&e, 0xf0);
    }
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, (uint8_t)(0xb0 + (size != 1)), 0);
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
}

/* XADD 0F C0/C1 r/m,r; LOCK on memory sometimes */
static void gen_xadd(Gen *g)
{
    unsigned size = size_pick(g, true);
    Enc e;
    enc_init(&e);
    pick_rm_reg(g, &e, size, true, true);
    if (e.rm.is_mem && rng_below(&g->rng, 3) == 0) {
        enc_prefix(&e, 0xf0);
    }
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, (uint8_t)(0xc0 + (size != 1)), 0);
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
}

static void emit_load(Gen *g, int reg, unsigned size, uint32_t address)
{
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x8b, 0, 0);
    e.reg = reg;
    e.rm = mem_at(g, address);
    encode(g, &e);
}

/* CMPXCHG8B 0F C7 /1 m64, CMPXCHG16B REX.W 0F C7 /1 m128 (16-aligned). Half the
 * items first load EDX:EAX from the operand so that the exchange happens.
 * ZF defined, the other flags unchanged. */
static void gen_cmpxchg8b(Gen *g)
{
    bool wide = g->long_mode && rng_below(&g->rng, 2);
    unsigned half = wide ? 8 : 4;
    Enc e;
    enc_init(&e);
    e.rm = mem_operand(g, 2 * half, wide ? 16 : 1);
    if (rng_below(&g->rng, 2)) {
        emit_load(g, RAX, half, e.rm.target);
        emit_load(g, RDX, half, e.rm.target + half);
    }
    if (rng_below(&g->rng, 3) == 0) {
        enc_prefix(&e, 0xf0);
    }
    e.rex_w = wide;
    enc_opcode(&e, 2, 0x0f, 0xc7, 0);
    e.reg = 1;
    encode(g, &e);
    flags_update(g, FLAG_ZF, 0);
}

/* CMPXCHG16B on an operand that is not 16-byte aligned: #GP(0) (SDM vol. 2A,
 * CMPXCHG8B/CMPXCHG16B "64-Bit Mode Exceptions") */
static void gen_cmpxchg16b_align(Gen *g)
{
    if (!g->long_mode) {
        gen_cmpxchg8b(g);
        return;
    }
    Enc e;
    enc_init(&e);
    e.rm = mem_at(g, scratch_address(g, 16, 16, 0x100) + 1 + (uint32_t)rng_below(&g->rng, 15));
    e.rex_w = true;
    enc_opcode(&e, 2, 0x0f, 0xc7, 0);
    e.reg = 1;
    encode(g, &e);
}

static Operand mem_operand_no_rsp(Gen *g, unsigned size)
{
    for (;;) {
        Operand m = mem_operand(g, size, 1);
        if (m.base != RSP) {
            return m;
        }
    }
}

/* PUSH imm32 of a scratch address, POP RSP: the stack moves there (SDM vol. 2B,
 * POP: "POP ESP increments the stack pointer before the popped value is
 * written") */
/* keeps the stack inside the scratch area however many items move it */
static int64_t rsp_delta_fit(const Gen *g, int64_t delta)
{
    int64_t to = (int64_t)g->rsp + delta;
    if (to < SCRATCH_ADDR + 0x2000 || to > SCRATCH_ADDR + SCRATCH_SIZE - 0x200) {
        return -delta;
    }
    return delta;
}

static void emit_pop_rsp(Gen *g)
{
    int64_t delta = rsp_delta_fit(g, 8 * (int64_t)rng_below(&g->rng, 16) - 64);
    uint32_t target = (uint32_t)(g->rsp + (uint64_t)delta);
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, 0x68, 0, 0);
    e.imm = target;
    e.imm_size = 4;
    encode(g, &e);
    enc_init(&e);
    enc_opcode(&e, 1, 0x58, 0, 0);
    e.opcode_reg = RSP;
    encode(g, &e);
    g->rsp = target;
}

/* ADD RSP, imm8 (83 /0 ib), a multiple of 8 between -64 and 64 */
static void emit_add_rsp(Gen *g)
{
    int32_t delta = (int32_t)rsp_delta_fit(g, 8 * ((int64_t)rng_below(&g->rng, 17) - 8));
    Enc e;
    enc_init(&e);
    enc_size(&e, g->long_mode ? 8 : 4);
    enc_opcode(&e, 1, 0x83, 0, 0);
    e.reg = 0;
    e.rm = reg_operand(RSP);
    e.imm = (uint8_t)delta;
    e.imm_size = 1;
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
    g->rsp += (uint64_t)(int64_t)delta;
}

/* Stack pointer edge cases: POP r/m with an RSP-based operand uses RSP after
 * the pop (SDM vol. 2B, POP: "computes the effective address of the operand
 * after it increments the ESP register"), PUSH r/m with one reads before the
 * push; POP RSP; ADD RSP, imm. */
static void gen_rsp(Gen *g)
{
    if (!stack_allowed(g)) {
        gen_mov(g);
        return;
    }
    switch (rng_below(&g->rng, 5)) {
    case 0:
        emit_pop_rsp(g);
        return;
    case 1:
        emit_add_rsp(g);
        return;
    default:
        break;
    }
    unsigned size = rng_below(&g->rng, 4) == 0 ? 2 : g->long_mode ? 8 : 4;
    bool pop = rng_below(&g->rng, 3) != 0;
    Enc e;
    enc_init(&e);
    if (size == 2) {
        enc_prefix(&e, 0x66);
    }
    enc_opcode(&e, 1, pop ? 0x8f : 0xff, 0, 0);
    e.reg = pop ? 0 : 6;
    if (pop) {
        g->rsp += size;
    }
    do {
        e.rm = mem_operand(g, size, 1);
    } while (e.rm.base != RSP);
    if (!pop) {
        g->rsp -= size;
    }
    encode(g, &e);
}

/* PUSH imm32 of a value with only arithmetic flags and DF (TF or AC would
 * trap), then POPF */
static void emit_popf(Gen *g)
{
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, 0x68, 0, 0);
    e.imm = 0x2 | (rng_next(&g->rng) & (FLAGS_ARITH | FLAG_DF));
    e.imm_size = 4;
    encode(g, &e);
    enc_init(&e);
    enc_opcode(&e, 1, 0x9d, 0, 0);
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
}

/* PUSH 50+r / FF /6 / 6A / 68, POP 58+r / 8F /0, PUSHF 9C, POPF 9D (after a
 * PUSH imm of a value with only arithmetic flags and DF: TF or AC would trap).
 * 66 selects 16-bit pushes. */
static void gen_stack(Gen *g)
{
    if (!stack_allowed(g)) {
        gen_mov(g);
        return;
    }
    unsigned full = g->long_mode ? 8 : 4;
    unsigned size = rng_below(&g->rng, 4) == 0 ? 2 : full;
    unsigned kind = (unsigned)rng_below(&g->rng, 8);
    Enc e;
    enc_init(&e);
    if (size == 2) {
        enc_prefix(&e, 0x66);
    }
    switch (kind) {
    case 0: case 1:           /* PUSH reg */
        enc_opcode(&e, 1, 0x50, 0, 0);
        e.opcode_reg = reg_any(g);
        g->rsp -= size;
        break;
    case 2:                   /* POP reg */
        enc_opcode(&e, 1, 0x58, 0, 0);
        e.opcode_reg = reg_free(g);
        g->rsp += size;
        break;
    case 3:                   /* PUSH r/m */
        enc_opcode(&e, 1, 0xff, 0, 0);
        e.reg = 6;
        e.rm = mem_operand(g, size, 1);
        g->rsp -= size;
        break;
    case 4:                   /* POP r/m (an RSP base would see the popped RSP) */
        enc_opcode(&e, 1, 0x8f, 0, 0);
        e.reg = 0;
        e.rm = mem_operand_no_rsp(g, size);
        g->rsp += size;
        break;
    case 5:                   /* PUSH imm8 / imm16/32 */
        enc_opcode(&e, 1, rng_below(&g->rng, 2) ? 0x6a : 0x68, 0, 0);
        e.imm_size = e.opcode[0] == 0x6a ? 1 : size == 2 ? 2 : 4;
        e.imm = rng_next(&g->rng) & ((1ull << (8 * e.imm_size)) - 1);
        g->rsp -= size;
        break;
    case 6:                   /* PUSHF */
        need_flags(g, FLAGS_ARITH);
        enc_opcode(&e, 1, 0x9c, 0, 0);
        g->rsp -= size;
        break;
    default:
        emit_popf(g);
        return;
    }
    encode(g, &e);
}

/* LEA 8D: any addressing form, any registers (nothing is accessed) */
static void gen_lea(Gen *g)
{
    unsigned size = size_pick(g, false);
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x8d, 0, 0);
    e.reg = reg_free(g);
    Operand m = { .is_mem = true, .base = MEM_NONE, .index = MEM_NONE };
    m.addr32 = g->long_mode && rng_below(&g->rng, 4) == 0;
    unsigned form = (unsigned)rng_below(&g->rng, g->long_mode && !m.addr32 ? 5 : 4);
    if (form == 4) {
        m = mem_operand(g, 1, 1);        /* RIP-relative or another scratch form */
    } else {
        if (form != 3) {
            m.base = reg_any(g);
        }
        if (form >= 2) {
            do {
                m.index = reg_any(g);
            } while (m.index == RSP);
            m.scale = (int)rng_below(&g->rng, 4);
        }
        m.disp_size = form == 3 ? 4 : (int)(rng_below(&g->rng, 3) == 2 ? 4 : rng_below(&g->rng, 2));
        m.disp = m.disp_size == 1 ? (int8_t)rng_next(&g->rng) :
                 m.disp_size == 4 ? (int32_t)rng_next(&g->rng) : 0;
    }
    e.rm = m;
    encode(g, &e);
}

/* LEA with 16-bit addressing (67 in 32-bit mode; SDM vol. 2A, table 2-1):
 * the address wraps at 64 KiB and is zero-extended. 64-bit mode has no 16-bit
 * addressing, so there this is a plain LEA. */
static void gen_lea16(Gen *g)
{
    if (g->long_mode) {
        gen_lea(g);
        return;
    }
    unsigned size = rng_below(&g->rng, 2) ? 2 : 4;
    unsigned mod = (unsigned)rng_below(&g->rng, 3);
    unsigned rm = (unsigned)rng_below(&g->rng, 8);
    int reg = reg_free(g);
    insn_begin(g);
    emit_byte(g, 0x67);
    if (size == 2) {
        emit_byte(g, 0x66);
    }
    emit_byte(g, 0x8d);
    emit_byte(g, (uint8_t)((mod << 6) | ((unsigned)reg << 3) | rm));
    unsigned disp = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
    for (unsigned i = 0; i < disp; i++) {
        emit_byte(g, (uint8_t)rng_next(&g->rng));
    }
    insn_end(g);
}

/* CBW/CWDE/CDQE 98, CWD/CDQ/CQO 99 */
static void gen_convert(Gen *g)
{
    Enc e;
    enc_init(&e);
    enc_size(&e, size_pick(g, false));
    enc_opcode(&e, 1, rng_below(&g->rng, 2) ? 0x98 : 0x99, 0, 0);
    encode(g, &e);
}

/* XLAT D7: AL = [rBX + AL]; rBX is a fixed base */
static void gen_xlat(Gen *g)
{
    Enc e;
    enc_init(&e);
    if (g->long_mode && rng_below(&g->rng, 2)) {
        e.rex_w = true;
    }
    enc_opcode(&e, 1, 0xd7, 0, 0);
    encode(g, &e);
}

static const GroupDef move_groups[] = {
    { { "mov", true, false }, gen_mov },
    { { "mov-moffs", true, false }, gen_mov_moffs },
    { { "movx", true, false }, gen_movx },
    { { "cmov", true, false }, gen_cmov },
    { { "setcc", true, false }, gen_setcc },
    { { "xchg", true, false }, gen_xchg },
    { { "cmpxchg", true, false }, gen_cmpxchg },
    { { "cmpxchg8b", true, false, FEATURE_CX16 }, gen_cmpxchg8b },
    { { "cmpxchg16b-align", true, true, FEATURE_CX16 }, gen_cmpxchg16b_align },
    { { "xadd", true, false }, gen_xadd },
    { { "stack", true, false }, gen_stack },
    { { "rsp", true, false }, gen_rsp },
    { { "lea", true, false }, gen_lea },
    { { "lea16", true, false }, gen_lea16 },
    { { "convert", true, false }, gen_convert },
    { { "xlat", true, false }, gen_xlat },
};

const GroupTable move_group_table = { move_groups, sizeof(move_groups) / sizeof(move_groups[0]) };
