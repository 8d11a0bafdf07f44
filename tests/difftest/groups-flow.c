/*
 * Generators for control flow, string instructions and flag instructions: Jcc,
 * JMP, LOOP/LOOPcc/JrCXZ (forward inside the sequence), MOVS/CMPS/STOS/LODS/SCAS
 * with REP prefixes, LAHF/SAHF/CLC/STC/CMC/CLD/STD (Intel SDM vol. 2).
 */
#include "gen.h"

/* Jcc 70+cc rel8 / 0F 80+cc rel32, JMP EB rel8 / E9 rel32 */
static void gen_jcc(Gen *g)
{
    unsigned kind = (unsigned)rng_below(&g->rng, 6);
    bool near32 = rng_below(&g->rng, 3) == 0;
    unsigned cc = (unsigned)rng_below(&g->rng, 16);
    if (kind != 0) {
        need_flags(g, cc_flags(cc));
    }
    insn_begin(g);
    if (kind == 0) {
        emit_byte(g, near32 ? 0xe9 : 0xeb);
        jump_field(g, near32 ? 4 : 1, true);
    } else {
        if (near32) {
            emit_byte(g, 0x0f);
            emit_byte(g, (uint8_t)(0x80 + cc));
        } else {
            emit_byte(g, (uint8_t)(0x70 + cc));
        }
        jump_field(g, near32 ? 4 : 1, false);
    }
    insn_end(g);
}

/* LOOPNE E0, LOOPE E1, LOOP E2, JrCXZ E3; 67 selects ECX (CX in 32-bit mode) */
static void gen_loop(Gen *g)
{
    unsigned op = (unsigned)rng_below(&g->rng, 4);
    if (rng_below(&g->rng, 3) == 0) {
        emit_mov_imm32(g, RCX, (uint32_t)rng_below(&g->rng, 3));
    }
    if (op < 2) {
        need_flags(g, FLAG_ZF);
    }
    insn_begin(g);
    if (rng_below(&g->rng, 4) == 0) {
        emit_byte(g, 0x67);
    }
    emit_byte(g, (uint8_t)(0xe0 + op));
    jump_field(g, 1, false);
    insn_end(g);
}

/* String instructions (SDM vol. 2B MOVS..SCAS, vol. 2B REP/REPE/REPNE): rSI and
 * rDI are loaded with scratch addresses and rCX with a small count first. */
static void gen_string(Gen *g)
{
    static const uint8_t ops[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    unsigned op = (unsigned)rng_below(&g->rng, 5);
    bool compares = op == 1 || op == 4;
    unsigned size = size_pick(g, true);
    unsigned rep = (unsigned)rng_below(&g->rng, compares ? 3 : 2);   /* none, F3, F2 */
    /* mostly short, sometimes a few hundred iterations */
    uint32_t count = rng_below(&g->rng, 8) ? (uint32_t)rng_below(&g->rng, 9)
                                           : (uint32_t)rng_below(&g->rng, 400);
    unsigned margin = 0x40 + count * size;
    bool addr32 = g->long_mode && rng_below(&g->rng, 4) == 0;
    emit_mov_imm32(g, RSI, scratch_address(g, 8, 1, margin));
    emit_mov_imm32(g, RDI, scratch_address(g, 8, 1, margin));
    if (rep) {
        emit_mov_imm32(g, RCX, count);
    }
    Enc e;
    enc_init(&e);
    if (addr32) {
        enc_prefix(&e, 0x67);
    }
    if (rep) {
        enc_prefix(&e, rep == 1 ? 0xf3 : 0xf2);
    }
    enc_size(&e, size);
    enc_opcode(&e, 1, (uint8_t)(ops[op] + (size != 1)), 0, 0);
    encode(g, &e);
    if (compares && (!rep || count)) {
        flags_update(g, FLAGS_ARITH, 0);
    }
}

/* LAHF 9F, SAHF 9E, CLC F8, STC F9, CMC F5, CLD FC, STD FD */
static void gen_flagops(Gen *g)
{
    static const uint8_t ops[7] = { 0x9f, 0x9e, 0xf8, 0xf9, 0xf5, 0xfc, 0xfd };
    unsigned op = (unsigned)rng_below(&g->rng, 7);
    if (op == 0) {
        need_flags(g, FLAGS_ARITH & ~FLAG_OF);
    } else if (op == 4) {
        need_flags(g, FLAG_CF);
    }
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, ops[op], 0, 0);
    encode(g, &e);
    if (op == 1) {
        flags_update(g, FLAGS_ARITH & ~FLAG_OF, 0);
    } else if (op >= 2 && op <= 4) {
        flags_update(g, FLAG_CF, 0);
    }
}

static const GroupDef flow_groups[] = {
    { { "jcc", true, false }, gen_jcc },
    { { "loop", true, false }, gen_loop },
    { { "string", true, false }, gen_string },
    { { "flagops", true, false, FEATURE_LAHF64 }, gen_flagops },
};

const GroupTable flow_group_table = { flow_groups, sizeof(flow_groups) / sizeof(flow_groups[0]) };
