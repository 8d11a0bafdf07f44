/*
 * Generators for the arithmetic groups: ALU ops, TEST, INC/DEC, NEG/NOT, shifts
 * and rotates, SHLD/SHRD, MUL/IMUL, DIV/IDIV. Flag rules from the Intel SDM
 * vol. 2 instruction pages ("Flags Affected").
 */
#include "gen.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* ADD/SUB/ADC/SBB/CMP define all six; AND/OR/XOR leave AF undefined. */
static void alu_flags(Gen *g, unsigned op)
{
    bool logic = op == ALU_AND || op == ALU_OR || op == ALU_XOR;
    flags_update(g, logic ? FLAGS_ARITH & ~FLAG_AF : FLAGS_ARITH, logic ? FLAG_AF : 0);
}

static void imm_for_size(Gen *g, Enc *e, unsigned size, bool imm8)
{
    uint64_t v = value_interesting(&g->rng);
    e->imm_size = imm8 || size == 1 ? 1 : size == 2 ? 2 : 4;
    e->imm = v & (e->imm_size == 1 ? 0xff : e->imm_size == 2 ? 0xffff : 0xffffffff);
}

/* Intel SDM vol. 2A, ADD etc.: 00-3D (op r/m,r / r,r/m / AL|eAX,imm), 80/81/83 /op */
static void alu_item(Gen *g, bool locked)
{
    unsigned op = (unsigned)rng_below(&g->rng, 8);
    unsigned size = size_pick(g, true);
    unsigned w = size != 1;
    bool writes = op != ALU_CMP;
    Enc e;
    enc_init(&e);
    if (op == ALU_ADC || op == ALU_SBB) {
        need_flags(g, FLAG_CF);
    }
    unsigned form = locked ? (rng_below(&g->rng, 2) ? 0 : 3) : (unsigned)rng_below(&g->rng, 5);
    if (locked && op == ALU_CMP) {
        op = ALU_ADD;
        writes = true;
    }
    if (locked) {
        enc_prefix(&e, 0xf0);
    }
    enc_size(&e, size);
    switch (form) {
    case 0:         /* op r/m, reg */
        enc_opcode(&e, 1, (uint8_t)(op * 8 + w), 0, 0);
        if (locked) {
            e.rm = mem_operand(g, size, 1);
            e.reg = size == 1 ? reg8_for(g, &e, false) : reg_any(g);
        } else {
            pick_rm_reg(g, &e, size, writes, false);
        }
        break;
    case 1:         /* op reg, r/m */
        enc_opcode(&e, 1, (uint8_t)(op * 8 + 2 + w), 0, 0);
        pick_rm_reg(g, &e, size, false, writes);
        break;
    case 2:         /* op AL/eAX, imm */
        enc_opcode(&e, 1, (uint8_t)(op * 8 + 4 + w), 0, 0);
        imm_for_size(g, &e, size, false);
        break;
    default: {      /* 80 /op ib, 81 /op iz, 83 /op ib */
        bool imm8 = size != 1 && rng_below(&g->rng, 2);
        enc_opcode(&e, 1, size == 1 ? 0x80 : imm8 ? 0x83 : 0x81, 0, 0);
        e.reg = (int)op;
        if (locked) {
            e.rm = mem_operand(g, size, 1);
        } else if (size == 1) {
            e.rm = rm8_operand(g, &e, writes);
        } else {
            e.rm = rm_operand(g, size, writes);
        }
        imm_for_size(g, &e, size, imm8);
        break;
    }
    }
    encode(g, &e);
    alu_flags(g, op);
}

static void gen_alu(Gen *g)
{
    alu_item(g, false);
}

static void gen_alu_lock(Gen *g)
{
    alu_item(g, true);
}

/* TEST: 84/85 r/m,r; A8/A9 AL/eAX,imm; F6/F7 /0 imm. AF undefined. */
static void gen_test(Gen *g)
{
    unsigned size = size_pick(g, true);
    unsigned w = size != 1;
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    switch (rng_below(&g->rng, 3)) {
    case 0:
        enc_opcode(&e, 1, (uint8_t)(0x84 + w), 0, 0);
        pick_rm_reg(g, &e, size, false, false);
        break;
    case 1:
        enc_opcode(&e, 1, (uint8_t)(0xa8 + w), 0, 0);
        imm_for_size(g, &e, size, false);
        break;
    default:
        enc_opcode(&e, 1, (uint8_t)(0xf6 + w), 0, 0);
        e.reg = 0;
        e.rm = size == 1 ? rm8_operand(g, &e, false) : rm_operand(g, size, false);
        imm_for_size(g, &e, size, false);
        break;
    }
    encode(g, &e);
    flags_update(g, FLAGS_ARITH & ~FLAG_AF, FLAG_AF);
}

/* a unary r/m operation (F6/F7/FE/FF /digit), LOCK on memory sometimes */
static void unary_rm(Gen *g, uint8_t opcode8, unsigned digit, bool lockable)
{
    unsigned size = size_pick(g, true);
    Enc e;
    enc_init(&e);
    e.rm = size == 1 ? rm8_operand(g, &e, true) : rm_operand(g, size, true);
    if (lockable && e.rm.is_mem && rng_below(&g->rng, 4) == 0) {
        enc_prefix(&e, 0xf0);
    }
    enc_size(&e, size);
    enc_opcode(&e, 1, (uint8_t)(opcode8 + (size != 1)), 0, 0);
    e.reg = (int)digit;
    encode(g, &e);
}

/* INC/DEC: FE/FF /0 /1, and 40+r/48+r in 32-bit mode. CF unchanged. */
static void gen_incdec(Gen *g)
{
    unsigned dec = (unsigned)rng_below(&g->rng, 2);
    if (!g->long_mode && rng_below(&g->rng, 3) == 0) {
        Enc e;
        enc_init(&e);
        if (rng_below(&g->rng, 2)) {
            enc_prefix(&e, 0x66);
        }
        enc_opcode(&e, 1, (uint8_t)(0x40 + 8 * dec), 0, 0);
        e.opcode_reg = reg_free(g);
        encode(g, &e);
    } else {
        unary_rm(g, 0xfe, dec, true);
    }
    flags_update(g, FLAGS_ARITH & ~FLAG_CF, 0);
}

/* NOT (F6/F7 /2, no flags) and NEG (/3, all flags) */
static void gen_negnot(Gen *g)
{
    bool neg = rng_below(&g->rng, 2);
    unary_rm(g, 0xf6, neg ? 3 : 2, true);
    if (neg) {
        flags_update(g, FLAGS_ARITH, 0);
    }
}

/* Flags after a shift or rotate by a known count (SDM vol. 2B, SAL/SAR/SHL/SHR
 * and RCL/RCR/ROL/ROR "Flags Affected"). digit is the ModRM /digit. */
static void shift_flags_known(Gen *g, unsigned digit, unsigned size, unsigned count)
{
    unsigned masked = count & (size == 8 ? 0x3f : 0x1f);
    if (masked == 0) {
        return;
    }
    uint16_t of_undef = masked == 1 ? 0 : FLAG_OF;
    if (digit < 4) {             /* rotates: CF and OF only */
        flags_update(g, FLAG_CF | FLAG_OF, of_undef);
        return;
    }
    uint16_t undef = of_undef | FLAG_AF;
    if (digit != 7 && masked >= size * 8) {
        undef |= FLAG_CF;        /* SHL/SHR by at least the width */
    }
    flags_update(g, FLAGS_ARITH, undef);
}

/* a count that is often within the width, sometimes masked to 0 (flags unchanged) */
static unsigned shift_count(Gen *g, unsigned size)
{
    switch (rng_below(&g->rng, 4)) {
    case 0:
        return 32 * (unsigned)rng_below(&g->rng, 8);
    case 1:
        return (unsigned)rng_below(&g->rng, 256);
    default:
        return (unsigned)rng_below(&g->rng, size * 8 + 2);
    }
}

/* Shifts and rotates: D0/D1 (by 1), D2/D3 (by CL), C0/C1 ib; /0 ROL .. /7 SAR */
static void gen_shift(Gen *g)
{
    static const unsigned digits[] = { 0, 1, 2, 3, 4, 5, 7 };
    unsigned digit = digits[rng_below(&g->rng, 7)];
    unsigned size = size_pick(g, true);
    unsigned form = (unsigned)rng_below(&g->rng, 3);
    if (digit == 2 || digit == 3) {
        need_flags(g, FLAG_CF);
    }
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    e.reg = (int)digit;
    e.rm = size == 1 ? rm8_operand(g, &e, true) : rm_operand(g, size, true);
    uint8_t w = size != 1;
    unsigned count = 1;
    if (form == 0) {
        enc_opcode(&e, 1, 0xd0 + w, 0, 0);
    } else if (form == 1) {
        enc_opcode(&e, 1, 0xc0 + w, 0, 0);
        count = shift_count(g, size);
        e.imm = count;
        e.imm_size = 1;
    } else {
        enc_opcode(&e, 1, 0xd2 + w, 0, 0);
        if (rng_below(&g->rng, 2) && !(!e.rm.is_mem && (e.rm.reg == RCX ||
                                         (size == 1 && e.rex_forbid && e.rm.reg == 5)))) {
            /* a known count (high bits set too, they are masked off) */
            count = shift_count(g, size);
            emit_mov_imm32(g, RCX, ((uint32_t)rng_next(&g->rng) & ~0xffu) | count);
            form = 3;
        }
    }
    encode(g, &e);
    if (form == 2) {
        /* count unknown: flags the shift may leave undefined become so; ones it
         * defines stay as they were when the count is 0 */
        uint16_t undef = digit < 4 ? FLAG_OF : FLAG_OF | FLAG_AF;
        if ((digit == 4 || digit == 5) && size <= 2) {
            undef |= FLAG_CF;
        }
        flags_update(g, 0, undef);
    } else {
        shift_flags_known(g, digit, size, count);
    }
}

/* SHLD/SHRD: 0F A4/AC ib, 0F A5/AD CL. A 16-bit count above 16 leaves the
 * result undefined (SDM vol. 2B SHLD), so 16-bit counts are kept at most 16. */
static void gen_shld(Gen *g)
{
    unsigned size = size_pick(g, false);
    bool right = rng_below(&g->rng, 2);
    bool by_cl = rng_below(&g->rng, 2);
    unsigned mask = size == 8 ? 0x3f : 0x1f;
    unsigned count = (unsigned)rng_below(&g->rng, size == 2 ? 17 : mask + 1);
    if (by_cl) {
        uint32_t high = (uint32_t)rng_next(&g->rng) & ~mask;
        emit_mov_imm32(g, RCX, high | count);
    } else {
        count |= (unsigned)rng_below(&g->rng, 8) << 5 & (size == 8 ? 0xc0 : 0xe0);
    }
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, (uint8_t)((right ? 0xac : 0xa4) + by_cl), 0);
    pick_rm_reg(g, &e, size, true, false);
    if (!by_cl) {
        e.imm = count;
        e.imm_size = 1;
    }
    encode(g, &e);
    unsigned masked = count & mask;
    if (masked) {
        flags_update(g, FLAGS_ARITH, FLAG_AF | (masked == 1 ? 0 : FLAG_OF));
    }
}

/* MUL/IMUL: F6/F7 /4 /5, 0F AF, 69, 6B. CF and OF defined, the rest undefined. */
static void gen_mul(Gen *g)
{
    Enc e;
    enc_init(&e);
    unsigned form = (unsigned)rng_below(&g->rng, 4);
    unsigned size = size_pick(g, form == 0);
    enc_size(&e, size);
    switch (form) {
    case 0:
        enc_opcode(&e, 1, (uint8_t)(0xf6 + (size != 1)), 0, 0);
        e.reg = 4 + (int)rng_below(&g->rng, 2);
        e.rm = size == 1 ? rm8_operand(g, &e, false) : rm_operand(g, size, false);
        break;
    case 1:
        enc_opcode(&e, 2, 0x0f, 0xaf, 0);
        pick_rm_reg(g, &e, size, false, true);
        break;
    default:
        enc_opcode(&e, 1, form == 2 ? 0x69 : 0x6b, 0, 0);
        pick_rm_reg(g, &e, size, false, true);
        imm_for_size(g, &e, size, form == 3);
        break;
    }
    encode(g, &e);
    flags_update(g, FLAG_CF | FLAG_OF, FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF);
}

/* DIV/IDIV: F6/F7 /6 /7. Half the items prepare the dividend so the quotient
 * fits; the others may raise #DE, which both runs must report. */
static void gen_div(Gen *g)
{
    unsigned size = size_pick(g, true);
    bool is_signed = rng_below(&g->rng, 2);
    Enc e;
    if (rng_below(&g->rng, 2)) {
        enc_init(&e);
        if (size == 1) {
            if (is_signed) {            /* CBW */
                enc_prefix(&e, 0x66);
                enc_opcode(&e, 1, 0x98, 0, 0);
            } else {                    /* MOVZX EAX, AL */
                enc_opcode(&e, 2, 0x0f, 0xb6, 0);
                e.reg = RAX;
                e.rm = reg_operand(RAX);
            }
            encode(g, &e);
        } else if (is_signed) {         /* CWD/CDQ/CQO */
            enc_size(&e, size);
            enc_opcode(&e, 1, 0x99, 0, 0);
            encode(g, &e);
        } else {
            emit_mov_imm32(g, RDX, 0);
        }
    }
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, (uint8_t)(0xf6 + (size != 1)), 0, 0);
    e.reg = is_signed ? 7 : 6;
    e.rm = size == 1 ? rm8_operand(g, &e, false) : rm_operand(g, size, false);
    encode(g, &e);
    flags_update(g, 0, FLAGS_ARITH);
}

static const GroupDef alu_groups[] = {
    { { "alu", true, false }, gen_alu },
    { { "alu-lock", true, false }, gen_alu_lock },
    { { "test", true, false }, gen_test },
    { { "incdec", true, false }, gen_incdec },
    { { "negnot", true, false }, gen_negnot },
    { { "shift", true, false }, gen_shift },
    { { "shld", true, false }, gen_shld },
    { { "mul", true, false }, gen_mul },
    { { "div", true, false }, gen_div },
};

const GroupTable alu_group_table = { alu_groups, sizeof(alu_groups) / sizeof(alu_groups[0]) };
