/*
 * Generators for the bit groups: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT/POPCNT,
 * BSWAP (Intel SDM vol. 2A/2B instruction pages).
 */
#include "gen.h"

/* Loads reg with a small signed bit offset so that a memory BT stays inside the
 * scratch area (the offset selects a word up to offset/8 bytes away). */
static void emit_bit_offset(Gen *g, int reg, unsigned size)
{
    int32_t offset = (int32_t)rng_below(&g->rng, 1024) - 512;
    Enc e;
    enc_init(&e);
    if (size == 8) {                 /* MOV r/m64, imm32 sign-extends */
        e.rex_w = true;
        enc_opcode(&e, 1, 0xc7, 0, 0);
        e.reg = 0;
        e.rm = reg_operand(reg);
        e.imm = (uint32_t)offset;
        e.imm_size = 4;
        encode(g, &e);
        return;
    }
    uint32_t value = (uint32_t)offset;
    if (size == 2) {                 /* only the low 16 bits count */
        value = (value & 0xffff) | ((uint32_t)rng_next(&g->rng) & 0xffff0000);
    }
    emit_mov_imm32(g, reg, value);
}

/* BT 0F A3, BTS 0F AB, BTR 0F B3, BTC 0F BB (r/m, reg); 0F BA /4../7 ib.
 * CF is the bit, ZF unchanged, OF SF AF PF undefined. */
static void gen_bt(Gen *g)
{
    static const uint8_t reg_forms[4] = { 0xa3, 0xab, 0xb3, 0xbb };
    unsigned op = (unsigned)rng_below(&g->rng, 4);
    unsigned size = size_pick(g, false);
    Enc e;
    enc_init(&e);
    if (rng_below(&g->rng, 2)) {
        e.rm = rng_below(&g->rng, 2) ? mem_operand(g, size, 1)
                                     : reg_operand(op ? reg_free(g) : reg_any(g));
        e.reg = e.rm.is_mem ? reg_free(g) : reg_any(g);
        if (e.rm.is_mem) {
            emit_bit_offset(g, e.reg, size);
        }
        enc_opcode(&e, 2, 0x0f, reg_forms[op], 0);
    } else {
        e.rm = rng_below(&g->rng, 2) ? mem_operand(g, size, 1)
                                     : reg_operand(op ? reg_free(g) : reg_any(g));
        e.reg = 4 + (int)op;
        enc_opcode(&e, 2, 0x0f, 0xba, 0);
        e.imm = rng_below(&g->rng, 256);
        e.imm_size = 1;
    }
    if (op && e.rm.is_mem && rng_below(&g->rng, 4) == 0) {
        enc_prefix(&e, 0xf0);
    }
    enc_size(&e, size);
    encode(g, &e);
    flags_update(g, FLAG_CF, FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
}

/* OR r/m, imm8 with a nonzero immediate: a source BSF/BSR can scan */
static void emit_make_nonzero(Gen *g, const Operand *src, unsigned size)
{
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x83, 0, 0);
    e.reg = 1;
    e.rm = *src;
    e.imm = 1u << rng_below(&g->rng, 8);
    e.imm_size = 1;
    encode(g, &e);
}

/* BSF 0F BC / BSR 0F BD: the destination is undefined for a zero source, so the
 * source is made nonzero first. ZF defined, the others undefined. */
static void gen_bsf(Gen *g)
{
    unsigned size = size_pick(g, false);
    Enc e;
    enc_init(&e);
    e.rm = rm_operand(g, size, true);
    e.reg = reg_free(g);
    emit_make_nonzero(g, &e.rm, size);
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, rng_below(&g->rng, 2) ? 0xbc : 0xbd, 0);
    encode(g, &e);
    flags_update(g, FLAG_ZF, FLAGS_ARITH & ~FLAG_ZF);
}

/* TZCNT F3 0F BC, LZCNT F3 0F BD (CF and ZF defined); POPCNT F3 0F B8 (all). */
static void gen_bitcount(Gen *g)
{
    static const uint8_t opcodes[3] = { 0xbc, 0xbd, 0xb8 };
    unsigned op = (unsigned)rng_below(&g->rng, 3);
    unsigned size = size_pick(g, false);
    Enc e;
    enc_init(&e);
    enc_prefix(&e, 0xf3);
    enc_size(&e, size);
    enc_opcode(&e, 2, 0x0f, opcodes[op], 0);
    pick_rm_reg(g, &e, size, false, true);
    encode(g, &e);
    if (op == 2) {
        flags_update(g, FLAGS_ARITH, 0);
    } else {
        flags_update(g, FLAG_CF | FLAG_ZF, FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
    }
}

/* BSWAP 0F C8+r, 32- and 64-bit (the 16-bit form is undefined) */
static void gen_bswap(Gen *g)
{
    Enc e;
    enc_init(&e);
    enc_size(&e, g->long_mode && rng_below(&g->rng, 2) ? 8 : 4);
    enc_opcode(&e, 2, 0x0f, 0xc8, 0);
    e.opcode_reg = reg_free(g);
    encode(g, &e);
}

static const GroupDef bits_groups[] = {
    { { "bt", true, false }, gen_bt },
    { { "bsf", true, false }, gen_bsf },
    { { "bitcount", true, false, FEATURE_POPCNT | FEATURE_LZCNT | FEATURE_BMI1 }, gen_bitcount },
    { { "bswap", true, false }, gen_bswap },
};

const GroupTable bits_group_table = { bits_groups, sizeof(bits_groups) / sizeof(bits_groups[0]) };
