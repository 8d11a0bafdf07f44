/*
 * Sequence generation: initial state, operands that stay inside the scratch
 * area, flag definedness tracking across items and forward jumps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

/* Values near the edges where flags change (sign, carry, overflow, zero). */
uint64_t value_interesting(Rng *rng)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
        0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull,
    };
    switch (rng_below(rng, 4)) {
    case 0:
        return edges[rng_below(rng, sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return edges[rng_below(rng, sizeof(edges) / sizeof(edges[0]))] + rng_below(rng, 3) - 1;
    case 2:
        return rng_below(rng, 64);
    default:
        return rng_next(rng);
    }
}

/* --- registers --- */
int reg_count(const Gen *g)
{
    return g->long_mode ? 16 : 8;
}

int reg_free(Gen *g)
{
    for (;;) {
        int r = (int)rng_below(&g->rng, (uint64_t)reg_count(g));
        if (!g->fixed[r]) {
            return r;
        }
    }
}

int reg_any(Gen *g)
{
    return (int)rng_below(&g->rng, (uint64_t)reg_count(g));
}

unsigned size_pick(Gen *g, bool with_byte)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (;;) {
        unsigned s = sizes[rng_below(&g->rng, 4)];
        if ((s == 1 && !with_byte) || (s == 8 && !g->long_mode)) {
            continue;
        }
        return s;
    }
}

/* --- memory operands --- */
uint32_t scratch_address(Gen *g, unsigned size, unsigned align, unsigned margin)
{
    uint32_t lo = SCRATCH_ADDR + margin;
    uint32_t span = SCRATCH_SIZE - 2 * margin - size;
    uint32_t a = lo + (uint32_t)rng_below(&g->rng, span);
    return a & ~(align - 1);
}

static int base_pick(Gen *g)
{
    for (;;) {
        int r = reg_any(g);
        if (g->fixed[r] || r == RSP) {
            return r;
        }
    }
}

static int index_pick(Gen *g)
{
    for (;;) {
        int r = reg_any(g);
        if (g->fixed[r] && r != RSP) {
            return r;
        }
    }
}

static uint64_t base_value(const Gen *g, int r)
{
    return r == RSP ? g->rsp : g->fixed_value[r];
}

Operand reg_operand(int reg)
{
    Operand op = { .is_mem = false, .reg = reg };
    return op;
}

/* Picks one of the addressing forms and a target it can reach (SDM vol. 2A,
 * 2.1.5 and 2.2.1.6 RIP-relative addressing). */
Operand mem_operand(Gen *g, unsigned size, unsigned align)
{
    Operand m = { .is_mem = true, .base = MEM_NONE, .index = MEM_NONE };
    if (align == 0) {
        align = 1;
    }
    m.addr32 = g->long_mode && rng_below(&g->rng, 8) == 0;
    unsigned form = (unsigned)rng_below(&g->rng, g->long_mode && !m.addr32 ? 7 : 6);
    uint32_t target = scratch_address(g, size, align, 0x100);
    switch (form) {
    case 0: case 1: {        /* base + disp8 / base alone */
        m.base = base_pick(g);
        uint64_t b = base_value(g, m.base);
        int32_t d = form == 0 ? (int32_t)rng_below(&g->rng, 256) - 128 : 0;
        target = (uint32_t)(b + (uint64_t)(int64_t)d) & ~(align - 1);
        m.disp = (int32_t)(target - (uint32_t)b);
        m.disp_size = (m.disp >= -128 && m.disp <= 127 && (m.disp || form == 0)) ? 1 : 4;
        if (m.disp == 0 && form == 1) {
            m.disp_size = 0;
        }
        break;
    }
    case 2:                  /* base + disp32 */
        m.base = base_pick(g);
        m.disp = (int32_t)(target - (uint32_t)base_value(g, m.base));
        m.disp_size = 4;
        break;
    case 3: case 4: {        /* [base +] index * scale + disp32 */
        m.base = form == 3 ? base_pick(g) : MEM_NONE;
        m.index = index_pick(g);
        m.scale = (int)rng_below(&g->rng, 4);
        int64_t diff;
        for (;;) {
            uint64_t sum = (m.base == MEM_NONE ? 0 : base_value(g, m.base)) +
                           (g->fixed_value[m.index] << m.scale);
            diff = (int64_t)target - (int64_t)sum;
            /* 64-bit addressing sign-extends disp32: it must reach */
            if ((g->long_mode && !m.addr32 && diff < INT32_MIN) && m.scale > 0) {
                m.scale--;
                continue;
            }
            break;
        }
        m.disp = (int32_t)(uint32_t)diff;
        m.disp_size = 4;
        break;
    }
    case 5:                  /* absolute disp32 */
        m.disp = (int32_t)target;
        m.disp_size = 4;
        break;
    default:                 /* RIP-relative */
        m.base = MEM_RIP;
        m.disp_size = 4;
        break;
    }
    m.target = target;
    return m;
}

Operand rm_operand(Gen *g, unsigned size, bool writable)
{
    if (rng_below(&g->rng, 2)) {
        return mem_operand(g, size, 1);
    }
    return reg_operand(writable ? reg_free(g) : reg_any(g));
}

Operand rm8_operand(Gen *g, Enc *e, bool writable)
{
    if (rng_below(&g->rng, 2)) {
        return mem_operand(g, 1, 1);
    }
    e->rm = reg_operand(0);
    return reg_operand(reg8_for(g, e, writable));
}

int reg8_for(Gen *g, Enc *e, bool writable)
{
    if (!g->long_mode) {
        e->rex_forbid = true;
    } else if (!e->rex_force && !e->rex_forbid) {
        bool needs = e->rex_w || (e->rm.is_mem ? (e->rm.base >= 8 || e->rm.index >= 8) : e->rm.reg >= 8);
        if (needs || rng_below(&g->rng, 2)) {
            e->rex_force = true;
        } else {
            e->rex_forbid = true;
        }
    }
    bool rex = e->rex_force;
    for (;;) {
        int r = (int)rng_below(&g->rng, rex ? 16 : 8);
        int full = (!rex && r >= 4) ? r - 4 : r;
        if (!writable || !g->fixed[full]) {
            return r;
        }
    }
}

void pick_rm_reg(Gen *g, Enc *e, unsigned size, bool rm_writable, bool reg_writable)
{
    if (size != 1) {
        e->rm = rm_operand(g, size, rm_writable);
        e->reg = reg_writable ? reg_free(g) : reg_any(g);
        return;
    }
    if (rng_below(&g->rng, 2)) {
        e->rm = mem_operand(g, 1, 1);
        e->reg = reg8_for(g, e, reg_writable);
    } else {
        /* both registers: decide REX once for the pair */
        e->rm = reg_operand(0);
        e->reg = reg8_for(g, e, reg_writable);
        e->rm.reg = reg8_for(g, e, rm_writable);
    }
}

uint16_t cc_flags(unsigned cc)
{
    static const uint16_t flags[8] = {
        FLAG_OF, FLAG_CF, FLAG_ZF, FLAG_CF | FLAG_ZF, FLAG_SF, FLAG_PF,
        FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF,
    };
    return flags[(cc >> 1) & 7];
}

Operand mem_at(Gen *g, uint32_t target)
{
    Operand m = { .is_mem = true, .base = base_pick(g), .index = MEM_NONE, .disp_size = 4 };
    m.disp = (int32_t)(target - (uint32_t)base_value(g, m.base));
    m.target = target;
    return m;
}

void emit_mov_imm32(Gen *g, int reg, uint32_t value)
{
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, 0xb8, 0, 0);
    e.opcode_reg = reg;
    e.imm = value;
    e.imm_size = 4;
    encode(g, &e);
}

/* --- flags --- */
void flags_update(Gen *g, uint16_t defined, uint16_t undefined)
{
    g->undef = (uint16_t)((g->undef & ~defined) | undefined);
}

void need_flags(Gen *g, uint16_t mask)
{
    if (!(g->undef & mask)) {
        return;
    }
    int saved = g->cur_group;
    g->cur_group = -1;
    Enc e;
    enc_init(&e);
    unsigned size = size_pick(g, false);
    enc_size(&e, size);
    enc_opcode(&e, 1, 0x39, 0, 0);       /* CMP r/m, r: defines all six */
    e.reg = reg_any(g);
    e.rm = reg_operand(reg_any(g));
    encode(g, &e);
    g->cur_group = saved;
    flags_update(g, FLAGS_ARITH, 0);
}

/* --- jumps --- */
bool stack_allowed(const Gen *g)
{
    return g->max_jump_target <= g->item;
}

void jump_field(Gen *g, unsigned size, bool unconditional)
{
    unsigned last = g->item + 2 < g->n_items ? g->item + 2 : g->n_items;
    unsigned target = g->item + 1 + (unsigned)rng_below(&g->rng, last - g->item);
    Sequence *seq = g->seq;
    unsigned n = g->n_jumps++;
    g->jumps[n].field = (uint16_t)seq->code_len;
    g->jumps[n].insn_end = (uint16_t)(seq->code_len + size);
    g->jumps[n].size = (uint8_t)size;
    g->jumps[n].target = (uint8_t)target;
    for (unsigned b = 0; b < size; b++) {
        emit_byte(g, 0);
    }
    g->pending_undef[target] |= g->undef;
    g->jumped_into[target] = true;
    if (target > g->max_jump_target) {
        g->max_jump_target = target;
    }
    if (unconditional) {
        g->falls_through = false;
    }
}

void code_reference(Gen *g, unsigned field, unsigned target)
{
    Sequence *seq = g->seq;
    if (seq->n_jumps >= MAX_SEQ_JUMPS) {
        fprintf(stderr, "difftest: too many code references in a sequence\n");
        abort();
    }
    seq->jumps[seq->n_jumps].field = (uint16_t)field;
    seq->jumps[seq->n_jumps].target = (uint16_t)target;
    seq->n_jumps++;
}

static void jumps_resolve(Gen *g)
{
    Sequence *seq = g->seq;
    for (unsigned i = 0; i < g->n_jumps; i++) {
        int32_t rel = (int32_t)g->item_offset[g->jumps[i].target] - g->jumps[i].insn_end;
        if (g->jumps[i].size == 1 && (rel > 127 || rel < -128)) {
            fprintf(stderr, "difftest: generator produced a short jump out of range\n");
            abort();
        }
        code_reference(g, g->jumps[i].field, g->item_offset[g->jumps[i].target]);
        for (unsigned b = 0; b < g->jumps[i].size; b++) {
            seq->code[g->jumps[i].field + b] = (uint8_t)((uint32_t)rel >> (8 * b));
        }
    }
}

/* --- group table --- */
static const GroupTable *const group_tables[] = {
    &alu_group_table, &bits_group_table, &move_group_table, &flow_group_table,
    &decode_group_table, &fault_group_table, &flags_group_table, &smc_group_table,
    &sse_group_table, &sse4_group_table, &avx_group_table,
};
#define N_TABLES (sizeof(group_tables) / sizeof(group_tables[0]))

int group_count(void)
{
    unsigned n = 0;
    for (unsigned t = 0; t < N_TABLES; t++) {
        n += group_tables[t]->count;
    }
    return (int)n;
}

static const GroupDef *group_def(int group)
{
    unsigned i = (unsigned)group;
    for (unsigned t = 0; t < N_TABLES; t++) {
        if (i < group_tables[t]->count) {
            return &group_tables[t]->defs[i];
        }
        i -= group_tables[t]->count;
    }
    abort();
}

GroupGen *group_generator(int group)
{
    return group_def(group)->gen;
}

const GroupInfo *group_info(int group)
{
    return &group_def(group)->info;
}

int group_find(const char *name)
{
    for (int i = 0; i < group_count(); i++) {
        if (strcmp(group_info(i)->name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* --- the initial state --- */

/* AVX groups: random bits 255:128 of the YMM registers (YMM0-7 in 32-bit
 * mode) and a random MXCSR: rounding, DAZ, FTZ (each half the time none of
 * them), sometimes sticky flags, the exceptions masked. Other groups draw nothing here (their sequences stay). */
/* one quadword of vector data: two singles or a double among NaNs (quiet,
 * signalling), infinities, denormals, +-0, the largest and smallest normals,
 * integer boundaries, values near 1 and near the underflow threshold (FMA
 * rounding, FTZ), or value_interesting's */
static uint64_t avx_value(Rng *rng)
{
    static const uint32_t single[] = {
        0, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u, 0x7f800001u,
        0xff812345u, 0x00000001u, 0x807fffffu, 0x00800000u, 0x7f7fffffu, 0x3f800000u,
        0x4f000000u, 0xcf000000u, 0x477fe000u, 0x477ff000u, 0x33800000u, 0x38800000u,
    };
    static const uint64_t dbl[] = {
        0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000001ull, 0x7ff0000000000001ull, 1,
        0x800fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
        0x3ff0000000000000ull, 0x41e0000000000000ull, 0xc3e0000000000000ull,
    };
    uint64_t r = rng_next(rng);
    switch (r % 6) {
    case 0:
        return single[(r >> 8) % 19] | (uint64_t)single[(r >> 16) % 19] << 32;
    case 1:
        return dbl[(r >> 8) % 14];
    case 2: {                 /* singles near 1 or near the bottom, random mantissas */
        uint64_t v = 0;
        for (int i = 0; i < 2; i++) {
            uint64_t x = rng_next(rng);
            uint32_t exp = (x & 1) ? 1 + (uint32_t)(x >> 8) % 40 : 110 + (uint32_t)(x >> 8) % 34;
            v |= (uint64_t)((uint32_t)(x >> 63) << 31 | exp << 23 | ((uint32_t)(x >> 20) & 0x7fffff))
                 << (32 * i);
        }
        return v;
    }
    case 3: {
        uint64_t x = rng_next(rng);
        uint64_t exp = (x & 1) ? 1 + (x >> 8) % 60 : 1000 + (x >> 8) % 50;
        return (x >> 63) << 63 | exp << 52 | (rng_next(rng) & 0xfffffffffffffull);
    }
    default:
        return value_interesting(rng);
    }
}

static void avx_state_fill(Gen *g, DiffState *st)
{
    int group = g->seq->group;
    if (group < 0 || !(group_info(group)->features & FEATURE_AVX2)) {
        return;
    }
    for (int x = 0; x < reg_count(g); x++) {
        for (int q = 0; q < 2; q++) {
            uint64_t v = avx_value(&g->rng);
            memcpy(&st->ymmh[x][8 * q], &v, 8);
            v = avx_value(&g->rng);
            memcpy(&st->xmm[x][8 * q], &v, 8);
        }
    }
    uint64_t r = rng_next(&g->rng);
    st->mxcsr = 0x1f80 | (uint32_t)(r & 3) << 13 | ((r & 4) ? 0x40 : 0) | ((r & 8) ? 0x8000 : 0) |
                ((r & 0x30) == 0 ? (uint32_t)(r >> 8) & 0x3f : 0);
    if ((r >> 40) & 1) {
        st->mxcsr &= 0x3f | 0x1f80;     /* half the time the default controls: the inline path */
    }
}
static void state_init(Gen *g, Sequence *seq)
{
    DiffState *st = &seq->init[0];
    memset(st, 0, sizeof(*st));
    memset(g->fixed, 0, sizeof(g->fixed));
    for (int r = 0; r < 16; r++) {
        st->regs[r] = value_interesting(&g->rng);
    }
    /* fixed base registers point into the scratch area, 16-aligned */
    static const int fixed64[] = { RBX, RBP, R12, R13 };
    static const int fixed32[] = { RBX, RBP };
    const int *fixed = g->long_mode ? fixed64 : fixed32;
    unsigned n_fixed = g->long_mode ? 4 : 2;
    for (unsigned i = 0; i < n_fixed; i++) {
        int r = fixed[i];
        g->fixed[r] = true;
        g->fixed_value[r] = scratch_address(g, 16, 16, 0x800);
        st->regs[r] = g->fixed_value[r];
    }
    g->fixed[RSP] = true;
    g->rsp = (SCRATCH_ADDR + SCRATCH_SIZE - 0x400 - rng_below(&g->rng, 0x100)) & ~7u;
    st->regs[RSP] = g->rsp;
    if (!g->long_mode) {
        for (int r = 0; r < 16; r++) {
            st->regs[r] = r < 8 ? (uint32_t)st->regs[r] : 0;
        }
    }
    st->rflags = 0x202 | (rng_next(&g->rng) & FLAGS_ARITH);
    if (rng_below(&g->rng, 4) == 0) {
        st->rflags |= FLAG_DF;
    }
    for (int x = 0; x < 16; x++) {
        for (int q = 0; q < 2; q++) {
            uint64_t v = value_interesting(&g->rng);
            memcpy(&st->xmm[x][8 * q], &v, 8);
        }
    }
    if (!g->long_mode) {
        memset(st->xmm[8], 0, 8 * 16);
    }
    st->mxcsr = 0x1f80;
    avx_state_fill(g, st);
}

/* the second initial state: new data in the registers the sequence may write,
 * in the arithmetic flags and the xmm registers */
static void state_vary(Gen *g, DiffState *st, const DiffState *from)
{
    *st = *from;
    for (int r = 0; r < reg_count(g); r++) {
        if (!g->fixed[r]) {
            st->regs[r] = value_interesting(&g->rng);
            if (!g->long_mode) {
                st->regs[r] = (uint32_t)st->regs[r];
            }
        }
    }
    st->rflags = (from->rflags & ~(uint64_t)FLAGS_ARITH) | (rng_next(&g->rng) & FLAGS_ARITH);
    for (int x = 0; x < reg_count(g); x++) {
        for (int q = 0; q < 2; q++) {
            uint64_t v = value_interesting(&g->rng);
            memcpy(&st->xmm[x][8 * q], &v, 8);
        }
    }
    avx_state_fill(g, st);
}

static void item_begin(Gen *g)
{
    unsigned k = g->item;
    g->item_offset[k] = (uint16_t)g->seq->code_len;
    if (g->falls_through) {
        g->undef |= g->pending_undef[k];
    } else {
        g->undef = g->pending_undef[k];
    }
    g->falls_through = true;
}

void sequence_generate(Sequence *seq, uint64_t seed, bool long_mode, int group,
                       const bool *mixed_allowed)
{
    Gen g;
    memset(&g, 0, sizeof(g));
    memset(seq, 0, offsetof(Sequence, init));
    rng_seed(&g.rng, seed);
    g.seq = seq;
    g.long_mode = long_mode;
    seq->seed = seed;
    seq->long_mode = long_mode;
    seq->group = group;
    state_init(&g, seq);
    state_vary(&g, &seq->init[1], &seq->init[0]);
    for (int r = 0; r < RUNS; r++) {
        seq->scratch_seed[r] = rng_next(&g.rng);
    }
    g.n_items = 1 + (unsigned)rng_below(&g.rng, group < 0 ? MAX_ITEMS : 8);
    g.falls_through = true;
    for (g.item = 0; g.item < g.n_items; g.item++) {
        int grp = group;
        while (grp < 0) {
            int c = (int)rng_below(&g.rng, (uint64_t)group_count());
            if (mixed_allowed[c] && (long_mode || !group_info(c)->long_only)) {
                grp = c;
            }
        }
        g.cur_group = grp;
        item_begin(&g);
        unsigned start = seq->code_len;
        group_def(grp)->gen(&g);
        if (seq->code_len - start > MAX_ITEM_BYTES) {
            fprintf(stderr, "difftest: item of group %s too long (%u bytes)\n",
                    group_info(grp)->name, seq->code_len - start);
            abort();
        }
    }
    item_begin(&g);
    seq->end_undef = g.undef;
    jumps_resolve(&g);
    /* half of the sequences cross the page boundary in the middle of the slot */
    unsigned page = SLOT_SIZE / 2;
    if (seq->code_len > 1 && rng_below(&g.rng, 2)) {
        seq->slot_offset = (uint16_t)(page - 1 - rng_below(&g.rng, seq->code_len - 1));
    } else {
        seq->slot_offset = (uint16_t)rng_below(&g.rng, page - seq->code_len);
    }
}

void sequence_place(const Sequence *seq, uint8_t *dst, uint64_t addr)
{
    memcpy(dst, seq->code, seq->code_len);
    for (unsigned i = 0; i < seq->n_fixups; i++) {
        int64_t rel = (int64_t)seq->fixups[i].target - (int64_t)(addr + seq->fixups[i].insn_end);
        int32_t value = seq->fixups[i].code_address ? (int32_t)(addr + seq->fixups[i].target)
                                                    : (int32_t)rel;
        memcpy(dst + seq->fixups[i].disp_offset, &value, 4);
    }
}

bool sequence_truncate(const Sequence *src, unsigned n, Sequence *dst)
{
    if (n == 0 || n >= src->n_insns) {
        return false;
    }
    unsigned end = src->insn_offset[n];
    for (unsigned i = 0; i < src->n_jumps; i++) {
        if (src->jumps[i].field < end && src->jumps[i].target > end) {
            return false;
        }
    }
    *dst = *src;
    dst->n_insns = n;
    dst->code_len = end;
    dst->end_undef = src->insn_undef[n];
    dst->n_fixups = 0;
    dst->n_jumps = 0;
    for (unsigned i = 0; i < src->n_fixups; i++) {
        if (src->fixups[i].disp_offset < end) {
            dst->fixups[dst->n_fixups++] = src->fixups[i];
        }
    }
    for (unsigned i = 0; i < src->n_jumps; i++) {
        if (src->jumps[i].field < end) {
            dst->jumps[dst->n_jumps++] = src->jumps[i];
        }
    }
    return true;
}
