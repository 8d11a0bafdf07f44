/*
 * Generator for self-modifying code: a store into the immediate of an
 * instruction that follows (at once, or after one more instruction, so in the
 * same translation block), which must then run with the new immediate (Intel
 * SDM vol. 3A, 11.6 "Self-Modifying Code": a write to a code byte takes effect
 * for instructions fetched after it). In user mode the translator keeps pages
 * with translated code read-only and drops their blocks on the first write.
 */
#include "gen.h"

static void gen_smc(Gen *g)
{
    Sequence *seq = g->seq;
    /* MOV byte [target], imm8: C6 /0 with mod 00, r/m 101 (RIP-relative in
     * 64-bit mode, an absolute disp32 in 32-bit mode) */
    insn_begin(g);
    emit_byte(g, 0xc6);
    emit_byte(g, 0x05);
    unsigned fix = seq->n_fixups++;
    seq->fixups[fix].disp_offset = (uint16_t)seq->code_len;
    seq->fixups[fix].insn_end = (uint16_t)(seq->code_len + 5);
    seq->fixups[fix].code_address = !g->long_mode;
    for (int i = 0; i < 4; i++) {
        emit_byte(g, 0);
    }
    emit_byte(g, (uint8_t)rng_next(&g->rng));
    insn_end(g);
    if (rng_below(&g->rng, 3) == 0) {
        emit_mov_imm32(g, reg_free(g), (uint32_t)rng_next(&g->rng));
    }
    /* the instruction whose immediate changes: MOV r32, imm32 */
    emit_mov_imm32(g, reg_free(g), (uint32_t)rng_next(&g->rng));
    uint32_t target = seq->code_len - 4 + (uint32_t)rng_below(&g->rng, 4);
    code_reference(g, seq->fixups[fix].disp_offset, target);
    if (g->long_mode) {
        /* RIP-relative to the sequence's own code: the same wherever it is placed */
        seq->fixups[fix].target = 0;
        seq->n_fixups--;
        int32_t rel = (int32_t)target - (int32_t)(seq->fixups[fix].insn_end);
        for (int i = 0; i < 4; i++) {
            seq->code[seq->fixups[fix].disp_offset + i] = (uint8_t)((uint32_t)rel >> (8 * i));
        }
    } else {
        seq->fixups[fix].target = target;
    }
}

static const GroupDef smc_groups[] = {
    { { "smc", true, false }, gen_smc },
};

const GroupTable smc_group_table = { smc_groups, sizeof(smc_groups) / sizeof(smc_groups[0]) };
