/*
 * Generators for decoder edge cases (Intel SDM vol. 2A, 2.1.1 "Instruction
 * Prefixes", 2.2.1 "REX Prefixes", and the #UD rules of LOCK in vol. 2A LOCK):
 * redundant and ignored prefixes on ALU instructions, and instructions that
 * must raise #UD.
 */
#include "gen.h"

static void shuffle(Gen *g, uint8_t *bytes, unsigned n)
{
    for (unsigned i = n; i > 1; i--) {
        unsigned j = (unsigned)rng_below(&g->rng, i);
        uint8_t t = bytes[i - 1];
        bytes[i - 1] = bytes[j];
        bytes[j] = t;
    }
}

/* ADD..CMP r/m, r or r, r/m with extra prefixes: segment overrides (no effect
 * with flat segments; FS/GS are left out, their bases differ; in 32-bit mode so
 * is CS, whose code segment is not writable), a repeated 66, 66
 * together with REX.W (REX.W wins), 66 on a byte operation (ignored), and in
 * 64-bit mode a REX byte placed before a legacy prefix (ignored: REX must come
 * right before the opcode). */
static void gen_prefixes(Gen *g)
{
    static const uint8_t segments[4] = { 0x26, 0x2e, 0x36, 0x3e };
    unsigned op = (unsigned)rng_below(&g->rng, 8);
    unsigned size = size_pick(g, true);
    if (op == 2 || op == 3) {
        need_flags(g, FLAG_CF);
    }
    Enc e;
    enc_init(&e);
    bool to_rm = rng_below(&g->rng, 2);
    enc_opcode(&e, 1, (uint8_t)(op * 8 + (to_rm ? 0 : 2) + (size != 1)), 0, 0);
    pick_rm_reg(g, &e, size, to_rm && op != 7, !to_rm && op != 7);
    uint8_t extra[6];
    unsigned n = 0;
    for (unsigned i = (unsigned)rng_below(&g->rng, 3); i > 0; i--) {
        uint8_t segment = segments[rng_below(&g->rng, 4)];
        extra[n++] = !g->long_mode && segment == 0x2e ? 0x3e : segment;
    }
    if (size == 2 || size == 8 || (size == 1 && rng_below(&g->rng, 2))) {
        extra[n++] = 0x66;
    }
    if (size == 2 && rng_below(&g->rng, 2)) {
        extra[n++] = 0x66;
    }
    e.rex_w = size == 8;
    shuffle(g, extra, n);
    if (g->long_mode && rng_below(&g->rng, 3) == 0) {
        enc_prefix(&e, (uint8_t)(0x40 | rng_below(&g->rng, 16)));   /* ignored REX */
        enc_prefix(&e, segments[rng_below(&g->rng, 4)]);
    }
    for (unsigned i = 0; i < n; i++) {
        enc_prefix(&e, extra[i]);
    }
    encode(g, &e);
    bool logic = op == 1 || op == 4 || op == 6;
    flags_update(g, logic ? FLAGS_ARITH & ~FLAG_AF : FLAGS_ARITH, logic ? FLAG_AF : 0);
}

/* #UD: UD2 (0F 0B), LOCK on a register destination, LOCK on MOV or CMP */
static void gen_undefined(Gen *g)
{
    Enc e;
    enc_init(&e);
    switch (rng_below(&g->rng, 4)) {
    case 0:
        enc_opcode(&e, 2, 0x0f, 0x0b, 0);
        break;
    case 1:                                  /* LOCK ADD r, r */
        enc_prefix(&e, 0xf0);
        enc_size(&e, size_pick(g, false));
        enc_opcode(&e, 1, 0x01, 0, 0);
        e.reg = reg_any(g);
        e.rm = reg_operand(reg_free(g));
        break;
    case 2:                                  /* LOCK MOV m, r */
        enc_prefix(&e, 0xf0);
        enc_size(&e, size_pick(g, false));
        enc_opcode(&e, 1, 0x89, 0, 0);
        e.reg = reg_any(g);
        e.rm = mem_operand(g, 8, 1);
        break;
    default:                                 /* LOCK CMP m, r */
        enc_prefix(&e, 0xf0);
        enc_size(&e, size_pick(g, false));
        enc_opcode(&e, 1, 0x39, 0, 0);
        e.reg = reg_any(g);
        e.rm = mem_operand(g, 8, 1);
        break;
    }
    encode(g, &e);
}

/* Instructions user mode may not run (CPL 3, IOPL 0): HLT, CLI, STI, IN and
 * OUT raise #GP(0) (SDM vol. 2, each page's "Protected Mode Exceptions");
 * INTO raises #OF when OF is set in 32-bit mode and #UD in 64-bit mode. */
static void gen_privileged(Gen *g)
{
    static const uint8_t ops[6] = { 0xf4, 0xfa, 0xfb, 0xe4, 0xe6, 0xce };
    unsigned op = (unsigned)rng_below(&g->rng, 6);
    if (op == 5) {
        need_flags(g, FLAG_OF);
    }
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, ops[op], 0, 0);
    if (op == 3 || op == 4) {
        e.imm = rng_below(&g->rng, 256);
        e.imm_size = 1;
    }
    encode(g, &e);
}

/* a memory operand in the scratch area as seen through GS (address = GS base +
 * effective address); no 67 prefix: a 32-bit effective address would wrap */
static Operand gs_operand(Gen *g, unsigned size)
{
    for (;;) {
        Operand m = mem_operand(g, size, 1);
        if (m.addr32) {
            continue;
        }
        if (m.base == MEM_RIP) {
            m.target -= GS_BASE;
            return m;
        }
        int64_t disp = (int64_t)m.disp - GS_BASE;
        if (disp >= INT32_MIN && disp <= INT32_MAX) {
            m.disp = (int32_t)disp;
            m.disp_size = 4;
            return m;
        }
    }
}

/* 64-bit mode: MOV, ALU and LEA with a GS override (65). LEA computes the
 * effective address only, without the segment base. */
static void gen_gs_override(Gen *g)
{
    unsigned size = size_pick(g, false);
    unsigned kind = (unsigned)rng_below(&g->rng, 4);
    unsigned op = (unsigned)rng_below(&g->rng, 8);
    static const uint8_t opcodes[3] = { 0x8b, 0x89, 0x8d };
    Enc e;
    enc_init(&e);
    enc_prefix(&e, 0x65);
    enc_size(&e, size);
    enc_opcode(&e, 1, kind < 3 ? opcodes[kind] : (uint8_t)(op * 8 + 1), 0, 0);
    e.reg = kind == 0 || kind == 2 ? reg_free(g) : reg_any(g);
    e.rm = gs_operand(g, size);
    if (kind == 3 && (op == 2 || op == 3)) {
        need_flags(g, FLAG_CF);
    }
    encode(g, &e);
    if (kind == 3) {
        bool logic = op == 1 || op == 4 || op == 6;
        flags_update(g, logic ? FLAGS_ARITH & ~FLAG_AF : FLAGS_ARITH, logic ? FLAG_AF : 0);
    }
}

/* Instructions without architectural effect that compilers and libraries emit:
 * NOP 90, 66 90, PAUSE (F3 90), the long NOP 0F 1F /0 with any memory form (not
 * accessed), PREFETCHh 0F 18 /0-3, LFENCE/MFENCE/SFENCE (0F AE E8/F0/F8) and
 * CLFLUSH 0F AE /7 on the scratch area. */
static void gen_nop(Gen *g)
{
    static const uint8_t fences[3] = { 0xe8, 0xf0, 0xf8 };
    Enc e;
    enc_init(&e);
    switch (rng_below(&g->rng, 6)) {
    case 0:
        if (rng_below(&g->rng, 2)) {
            enc_prefix(&e, rng_below(&g->rng, 2) ? 0x66 : 0xf3);
        }
        enc_opcode(&e, 1, 0x90, 0, 0);
        break;
    case 1: case 2:
        enc_size(&e, size_pick(g, false));
        enc_opcode(&e, 2, 0x0f, 0x1f, 0);
        e.reg = 0;
        e.rm = rng_below(&g->rng, 4) ? mem_operand(g, 1, 1) : reg_operand(reg_any(g));
        break;
    case 3:
        enc_opcode(&e, 2, 0x0f, 0x18, 0);
        e.reg = (int)rng_below(&g->rng, 4);
        e.rm = mem_operand(g, 1, 1);
        break;
    case 4:
        enc_opcode(&e, 3, 0x0f, 0xae, fences[rng_below(&g->rng, 3)]);
        break;
    default:
        enc_opcode(&e, 2, 0x0f, 0xae, 0);
        e.reg = 7;
        e.rm = mem_operand(g, 1, 1);
        break;
    }
    encode(g, &e);
}

/* 32-bit only instructions (SDM vol. 2): PUSHA/POPA around an instruction that
 * POPA undoes, DAA/DAS/AAA/AAS, AAM/AAD with an immediate base (0 raises #DE
 * for AAM). In 64-bit mode the same opcodes raise #UD. */
static void gen_legacy32(Gen *g)
{
    static const uint8_t bcd[4] = { 0x27, 0x2f, 0x37, 0x3f };     /* DAA DAS AAA AAS */
    unsigned kind = (unsigned)rng_below(&g->rng, 4);
    Enc e;
    enc_init(&e);
    if (kind == 0 && !g->long_mode && stack_allowed(g)) {
        enc_opcode(&e, 1, 0x60, 0, 0);                             /* PUSHA */
        encode(g, &e);
        emit_mov_imm32(g, reg_free(g), (uint32_t)rng_next(&g->rng));
        enc_init(&e);
        enc_opcode(&e, 1, 0x61, 0, 0);                             /* POPA */
        encode(g, &e);
        return;
    }
    if (kind <= 1) {
        unsigned op = (unsigned)rng_below(&g->rng, 4);
        need_flags(g, op < 2 ? FLAG_CF | FLAG_AF : FLAG_AF);
        enc_opcode(&e, 1, bcd[op], 0, 0);
        encode(g, &e);
        /* DAA/DAS: OF undefined; AAA/AAS: OF SF ZF PF undefined */
        flags_update(g, op < 2 ? FLAGS_ARITH & ~FLAG_OF : FLAG_AF | FLAG_CF,
                     op < 2 ? FLAG_OF : FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF);
        return;
    }
    /* AAM D4 ib / AAD D5 ib: SF ZF PF defined, OF AF CF undefined */
    enc_opcode(&e, 1, kind == 2 ? 0xd4 : 0xd5, 0, 0);
    e.imm = rng_below(&g->rng, 8) ? rng_below(&g->rng, 256) : 0;
    e.imm_size = 1;
    encode(g, &e);
    flags_update(g, FLAG_SF | FLAG_ZF | FLAG_PF, FLAG_OF | FLAG_AF | FLAG_CF);
}

static const GroupDef decode_groups[] = {
    { { "prefixes", true, false }, gen_prefixes },
    { { "undefined", true, false }, gen_undefined },
    { { "privileged", true, false }, gen_privileged },
    { { "gs-override", true, true }, gen_gs_override },
    { { "nop", true, false }, gen_nop },
    { { "legacy32", true, false }, gen_legacy32 },
};

const GroupTable decode_group_table = {
    decode_groups, sizeof(decode_groups) / sizeof(decode_groups[0]),
};
