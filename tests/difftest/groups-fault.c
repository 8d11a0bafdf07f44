/*
 * Generator for page faults: memory accesses and REP string instructions that
 * reach the unmapped pages just below and above the scratch area. Both runs
 * must stop with #PF at the same instruction with the same registers; a REP
 * instruction stops at the faulting iteration with rCX, rSI and rDI of that
 * iteration (Intel SDM vol. 2B, REP: "the instruction can be restarted").
 */
#include "gen.h"

#define GUARD_SIZE 0x1000u

/* an address whose size bytes all lie in one of the unmapped neighbour pages */
static uint32_t unmapped_address(Gen *g, unsigned size)
{
    uint32_t offset = (uint32_t)rng_below(&g->rng, GUARD_SIZE - size + 1);
    if (rng_below(&g->rng, 2)) {
        return SCRATCH_ADDR - GUARD_SIZE + offset;
    }
    return SCRATCH_ADDR + SCRATCH_SIZE + offset;
}

/* MOV load / MOV store / ADD read-modify-write with a faulting operand */
static void faulting_access(Gen *g)
{
    unsigned size = size_pick(g, false);
    unsigned kind = (unsigned)rng_below(&g->rng, 3);
    static const uint8_t opcodes[3] = { 0x8b, 0x89, 0x01 };
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, opcodes[kind], 0, 0);
    e.reg = kind == 0 ? reg_free(g) : reg_any(g);
    e.rm = mem_at(g, unmapped_address(g, size));
    encode(g, &e);
    if (kind == 2) {
        flags_update(g, FLAGS_ARITH, 0);
    }
}

/* REP MOVS/STOS that runs off the scratch area after a few iterations */
static void faulting_rep(Gen *g)
{
    unsigned size = size_pick(g, true);
    bool down = (g->seq->init[0].rflags & FLAG_DF) != 0;
    unsigned before = (unsigned)rng_below(&g->rng, 4);      /* iterations that succeed */
    uint32_t rdi = down ? SCRATCH_ADDR + before * size - size
                        : SCRATCH_ADDR + SCRATCH_SIZE - before * size;
    bool movs = rng_below(&g->rng, 2);
    if (movs) {
        emit_mov_imm32(g, RSI, scratch_address(g, 8, 1, 0x100));
    }
    emit_mov_imm32(g, RDI, rdi);
    emit_mov_imm32(g, RCX, before + 1 + (uint32_t)rng_below(&g->rng, 4));
    Enc e;
    enc_init(&e);
    enc_prefix(&e, 0xf3);
    enc_size(&e, size);
    enc_opcode(&e, 1, (uint8_t)((movs ? 0xa4 : 0xaa) + (size != 1)), 0, 0);
    encode(g, &e);
}

/* an ordinary ALU instruction on the scratch area, so faults come mid-sequence */
static void plain_alu(Gen *g)
{
    unsigned size = size_pick(g, false);
    Enc e;
    enc_init(&e);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x01, 0, 0);
    pick_rm_reg(g, &e, size, true, false);
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
}

static void gen_pagefault(Gen *g)
{
    switch (rng_below(&g->rng, 5)) {
    case 0: case 1:
        plain_alu(g);
        break;
    case 2: case 3:
        faulting_access(g);
        break;
    default:
        faulting_rep(g);
        break;
    }
}

static const GroupDef fault_groups[] = {
    { { "pagefault", true, false }, gen_pagefault },
};

const GroupTable fault_group_table = {
    fault_groups, sizeof(fault_groups) / sizeof(fault_groups[0]),
};
