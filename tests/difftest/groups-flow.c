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

/* Loads reg with the address of the code byte at sequence offset target:
 * LEA reg, [rip + disp32] in 64-bit mode, MOV reg, imm32 (resolved when the
 * sequence is placed) in 32-bit mode. Emits the instruction; the caller fills
 * in target with code_target_set once it knows it. Returns the fixup index or,
 * in 64-bit mode, the offset of the displacement. */
static unsigned emit_code_address(Gen *g, int reg)
{
    Sequence *seq = g->seq;
    insn_begin(g);
    if (g->long_mode) {
        emit_byte(g, (uint8_t)(0x48 | (reg >= 8 ? 4 : 0)));
        emit_byte(g, 0x8d);
        emit_byte(g, (uint8_t)(0x05 | ((reg & 7) << 3)));
    } else {
        emit_byte(g, (uint8_t)(0xb8 + reg));
    }
    unsigned field = seq->code_len;
    for (int i = 0; i < 4; i++) {
        emit_byte(g, 0);
    }
    insn_end(g);
    if (g->long_mode) {
        return field;
    }
    unsigned fix = seq->n_fixups++;
    seq->fixups[fix].disp_offset = (uint16_t)field;
    seq->fixups[fix].insn_end = (uint16_t)(field + 4);
    seq->fixups[fix].code_address = true;
    return fix;
}

static void code_target_set(Gen *g, unsigned handle, unsigned target)
{
    Sequence *seq = g->seq;
    if (!g->long_mode) {
        seq->fixups[handle].target = target;
        code_reference(g, seq->fixups[handle].disp_offset, target);
        return;
    }
    code_reference(g, handle, target);
    int32_t rel = (int32_t)target - (int32_t)(handle + 4);
    for (int i = 0; i < 4; i++) {
        seq->code[handle + i] = (uint8_t)((uint32_t)rel >> (8 * i));
    }
}

/* CALL rel32 (E8) or CALL reg (FF /2) to a subroutine placed right after a
 * short JMP over it; the subroutine does one ALU operation and RET (C3) comes
 * back to the JMP. Or JMP reg (FF /4) forward over an INT3. The indirect forms
 * take the translator's block lookup path. Net stack change: none. */
static void gen_call(Gen *g)
{
    Sequence *seq = g->seq;
    unsigned kind = (unsigned)rng_below(&g->rng, 3);
    int reg = reg_free(g);
    unsigned handle = kind ? emit_code_address(g, reg) : 0;
    insn_begin(g);
    if (reg >= 8 && kind) {
        emit_byte(g, 0x41);
    }
    if (kind == 2) {                       /* JMP reg; INT3 */
        emit_byte(g, 0xff);
        emit_byte(g, (uint8_t)(0xe0 | (reg & 7)));
        insn_end(g);
        insn_begin(g);
        emit_byte(g, 0xcc);
        insn_end(g);
        code_target_set(g, handle, seq->code_len);
        return;
    }
    if (kind == 1) {                       /* CALL reg */
        emit_byte(g, 0xff);
        emit_byte(g, (uint8_t)(0xd0 | (reg & 7)));
    } else {                               /* CALL rel32 over the JMP */
        emit_byte(g, 0xe8);
        code_reference(g, seq->code_len, seq->code_len + 6);
        emit_byte(g, 2);
        emit_byte(g, 0);
        emit_byte(g, 0);
        emit_byte(g, 0);
    }
    insn_end(g);
    insn_begin(g);                         /* JMP rel8 over the subroutine */
    emit_byte(g, 0xeb);
    unsigned jump = seq->code_len;
    emit_byte(g, 0);
    insn_end(g);
    unsigned subroutine = seq->code_len;
    Enc e;
    enc_init(&e);
    unsigned size = size_pick(g, false);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x01, 0, 0);       /* ADD reg, reg */
    e.reg = reg_any(g);
    e.rm = reg_operand(reg_free(g));
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
    insn_begin(g);
    emit_byte(g, 0xc3);                    /* RET */
    insn_end(g);
    seq->code[jump] = (uint8_t)(seq->code_len - (jump + 1));
    code_reference(g, jump, seq->code_len);
    if (kind == 1) {
        code_target_set(g, handle, subroutine);
    }
}

static const GroupDef flow_groups[] = {
    { { "jcc", true, false }, gen_jcc },
    { { "loop", true, false }, gen_loop },
    { { "call", true, false }, gen_call },
    { { "string", true, false }, gen_string },
    { { "flagops", true, false, FEATURE_LAHF64 }, gen_flagops },
};

const GroupTable flow_group_table = { flow_groups, sizeof(flow_groups) / sizeof(flow_groups[0]) };
