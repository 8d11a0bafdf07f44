/*
 * x86 instruction encoder for the generator (Intel SDM vol. 2A, ch. 2:
 * legacy prefixes, REX, opcode, ModRM, SIB, displacement, immediate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

void enc_init(Enc *e)
{
    memset(e, 0, sizeof(*e));
    e->reg = -1;
    e->opcode_reg = -1;
}

void enc_prefix(Enc *e, uint8_t prefix)
{
    e->prefixes[e->n_prefixes++] = prefix;
}

void enc_opcode(Enc *e, unsigned len, uint8_t b0, uint8_t b1, uint8_t b2)
{
    e->opcode_len = len;
    e->opcode[0] = b0;
    e->opcode[1] = b1;
    e->opcode[2] = b2;
}

void enc_size(Enc *e, unsigned size)
{
    if (size == 2) {
        enc_prefix(e, 0x66);
    } else if (size == 8) {
        e->rex_w = true;
    }
}

void emit_byte(Gen *g, uint8_t b)
{
    Sequence *seq = g->seq;
    if (seq->code_len >= MAX_CODE) {
        fprintf(stderr, "difftest: generator overflowed the code slot\n");
        abort();
    }
    seq->code[seq->code_len++] = b;
}

static void emit_le(Gen *g, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        emit_byte(g, (uint8_t)(value >> (8 * i)));
    }
}

void insn_begin(Gen *g)
{
    Sequence *seq = g->seq;
    if (seq->n_insns >= MAX_INSNS) {
        fprintf(stderr, "difftest: too many instructions in a sequence\n");
        abort();
    }
    g->insn_start = seq->code_len;
    seq->insn_offset[seq->n_insns] = (uint16_t)seq->code_len;
    seq->insn_group[seq->n_insns] = (int16_t)g->cur_group;
    seq->insn_undef[seq->n_insns] = g->undef;
}

void insn_end(Gen *g)
{
    g->seq->n_insns++;
}

static unsigned rex_bits(const Enc *e)
{
    unsigned rex = e->rex_w ? 8 : 0;
    if (e->reg >= 8) {
        rex |= 4;
    }
    if (e->reg >= 0 && e->rm.is_mem) {
        if (e->rm.index >= 8) {
            rex |= 2;
        }
        if (e->rm.base >= 8) {
            rex |= 1;
        }
    } else if (e->reg >= 0 && e->rm.reg >= 8) {
        rex |= 1;
    }
    if (e->opcode_reg >= 8) {
        rex |= 1;
    }
    return rex;
}

/* ModRM, SIB and displacement for a memory operand (SDM vol. 2A, tables 2-2, 2-3
 * for 32-bit addressing; 2.2.1 for the REX and RIP-relative rules). */
static void encode_mem(Gen *g, unsigned reg_field, const Operand *m, unsigned imm_size)
{
    unsigned reg3 = (reg_field & 7) << 3;
    if (m->base == MEM_RIP) {
        emit_byte(g, 0x05 | reg3);
        Sequence *seq = g->seq;
        unsigned field = seq->code_len;
        seq->fixups[seq->n_fixups].disp_offset = (uint16_t)field;
        seq->fixups[seq->n_fixups].insn_end = (uint16_t)(field + 4 + imm_size);
        seq->fixups[seq->n_fixups].target = m->target;
        seq->n_fixups++;
        emit_le(g, 0, 4);
        return;
    }
    if (m->base == MEM_NONE && m->index == MEM_NONE && !g->long_mode && !m->addr32 &&
        (m->target & 1)) {
        /* 32-bit mode's short absolute form (mod 00, r/m 101); odd targets pick it */
        emit_byte(g, 0x05 | reg3);
        emit_le(g, (uint32_t)m->disp, 4);
        return;
    }
    bool need_sib = m->index != MEM_NONE || m->base == MEM_NONE || (m->base & 7) == RSP;
    unsigned mod;
    if (m->base == MEM_NONE) {
        mod = 0;
    } else if (m->disp_size == 1 || (m->disp_size == 0 && (m->base & 7) == RBP)) {
        mod = 1;
    } else if (m->disp_size == 4) {
        mod = 2;
    } else {
        mod = 0;
    }
    unsigned rm = need_sib ? 4 : (unsigned)(m->base & 7);
    emit_byte(g, (uint8_t)((mod << 6) | reg3 | rm));
    if (need_sib) {
        unsigned base = m->base == MEM_NONE ? 5 : (unsigned)(m->base & 7);
        unsigned index = m->index == MEM_NONE ? 4 : (unsigned)(m->index & 7);
        emit_byte(g, (uint8_t)((m->scale << 6) | (index << 3) | base));
    }
    if (m->base == MEM_NONE || mod == 2) {
        emit_le(g, (uint32_t)m->disp, 4);
    } else if (mod == 1) {
        emit_byte(g, (uint8_t)m->disp);
    }
}

void encode(Gen *g, const Enc *e)
{
    insn_begin(g);
    if (e->reg >= 0 && e->rm.is_mem && e->rm.addr32) {
        emit_byte(g, 0x67);
    }
    for (unsigned i = 0; i < e->n_prefixes; i++) {
        emit_byte(g, e->prefixes[i]);
    }
    unsigned rex = rex_bits(e);
    if (g->long_mode && (rex || (e->rex_force && !e->rex_forbid))) {
        if (e->rex_forbid) {
            fprintf(stderr, "difftest: generator needs REX and forbids it\n");
            abort();
        }
        emit_byte(g, (uint8_t)(0x40 | rex));
    }
    for (unsigned i = 0; i < e->opcode_len; i++) {
        uint8_t b = e->opcode[i];
        if (i == e->opcode_len - 1 && e->opcode_reg >= 0) {
            b |= (uint8_t)(e->opcode_reg & 7);
        }
        emit_byte(g, b);
    }
    if (e->reg >= 0) {
        if (e->rm.is_mem) {
            encode_mem(g, (unsigned)e->reg, &e->rm, e->imm_size);
        } else {
            emit_byte(g, (uint8_t)(0xc0 | ((e->reg & 7) << 3) | (e->rm.reg & 7)));
        }
    }
    emit_le(g, e->imm, e->imm_size);
    insn_end(g);
}

/* The same with a 3-byte VEX prefix (SDM vol. 2A, 2.3.5) in place of legacy
 * prefixes, REX and the 0F/0F38/0F3A escape: map 1-3, pp (0 none, 1 66,
 * 2 F3, 3 F2), VEX.L, VEX.W, vvvv (register or 0 for 1111); the opcode is
 * e->opcode[0]. Outside 64-bit mode R, X, B stay 1 (inverted) and vvvv < 8. */
void encode_vex(Gen *g, const Enc *e, unsigned map, unsigned pp, bool l, bool w, int vvvv)
{
    insn_begin(g);
    if (e->reg >= 0 && e->rm.is_mem && e->rm.addr32) {
        emit_byte(g, 0x67);
    }
    unsigned rex = rex_bits(e);
    emit_byte(g, 0xc4);
    emit_byte(g, (uint8_t)(((~rex & 7) << 5) | map));
    emit_byte(g, (uint8_t)((w ? 0x80 : 0) | ((~(unsigned)vvvv & 15) << 3) | (l ? 4 : 0) | pp));
    emit_byte(g, e->opcode[0]);
    if (e->rm.is_mem) {
        encode_mem(g, (unsigned)e->reg, &e->rm, e->imm_size);
    } else {
        emit_byte(g, (uint8_t)(0xc0 | ((e->reg & 7) << 3) | (e->rm.reg & 7)));
    }
    emit_le(g, e->imm, e->imm_size);
    insn_end(g);
}
