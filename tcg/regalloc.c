/*
 * Register allocation and code emission: one forward pass over the optimized IR.
 * Each temp has a current location (register, memory, constant or dead); the
 * allocator loads inputs into registers the back end's constraints allow, picks
 * output registers, and writes values back to memory only when needed:
 *  - globals before helpers that read them, before guest memory accesses (which
 *    may fault) and at block ends;
 *  - temps that a label needs, before jumps to it and at the label;
 *  - anything evicted from a register.
 * At a label every value is in its canonical place (globals in memory, temps the
 * label needs in their stack slots), which is what every jump to it provides.
 */
#include <stdlib.h>
#include <string.h>
#include "tcg/tcg-backend.h"

static uint32_t reg_bit(int r) { return 1u << r; }

static void fatal_alloc(const char *what)
{
    fprintf(stderr, "tcg: register allocation failed: %s\n", what);
    abort();
}

static void temp_alloc_frame(TCGContext *s, struct TCGTemp *t)
{
    if (t->mem_allocated) {
        return;
    }
    if (s->nb_spill_slots >= TCG_MAX_SPILL_SLOTS) {
        /* the block is too big; tcg_gen_code reports failure */
        s->code_overflow = true;
        t->mem_offset = tcg_target_frame_start;
    } else {
        t->mem_offset = tcg_target_frame_start + 8 * s->nb_spill_slots++;
    }
    t->mem_allocated = true;
}

static int temp_base_reg(const struct TCGTemp *t)
{
    return t->kind == TEMP_GLOBAL ? tcg_target_env_reg : tcg_target_frame_reg;
}

static void reg_release(TCGContext *s, struct TCGTemp *t)
{
    if (t->location == TEMP_VAL_REG && s->reg_to_temp[t->reg] == t->index) {
        s->reg_to_temp[t->reg] = -1;
    }
}

static int reg_alloc(TCGContext *s, uint32_t mask, uint32_t avoid);

/* Makes the memory copy of t hold its value (globals, locals, spilled temps). */
static void temp_store(TCGContext *s, struct TCGTemp *t, uint32_t avoid)
{
    if (t->kind == TEMP_CONST || t->kind == TEMP_FIXED || t->mem_coherent) {
        return;
    }
    if (t->location == TEMP_VAL_REG) {
        temp_alloc_frame(s, t);
        tcg_target_out_st(s, t->type, t->reg, temp_base_reg(t), t->mem_offset);
        t->mem_coherent = true;
    } else if (t->location == TEMP_VAL_CONST) {
        temp_alloc_frame(s, t);
        if (!tcg_target_out_sti(s, t->type, t->value, temp_base_reg(t), t->mem_offset)) {
            int r = reg_alloc(s, ~0u, avoid);
            tcg_target_out_movi(s, t->type, r, t->value);
            tcg_target_out_st(s, t->type, r, temp_base_reg(t), t->mem_offset);
        }
        t->mem_coherent = true;
    }
}

/* Evicts t from its register, keeping its value in memory. */
static void temp_spill(TCGContext *s, struct TCGTemp *t, uint32_t avoid)
{
    if (t->kind == TEMP_FIXED) {
        return;
    }
    if (t->kind == TEMP_CONST) {
        reg_release(s, t);
        t->location = TEMP_VAL_CONST;
        return;
    }
    temp_store(s, t, avoid);
    reg_release(s, t);
    if (t->location == TEMP_VAL_REG) {
        t->location = TEMP_VAL_MEM;
    }
}

/* t's value is not needed any more. */
static void temp_dead(TCGContext *s, struct TCGTemp *t)
{
    if (t->kind == TEMP_FIXED) {
        return;
    }
    reg_release(s, t);
    if (t->kind == TEMP_CONST) {
        t->location = TEMP_VAL_CONST;
    } else if (t->kind == TEMP_GLOBAL) {
        t->location = TEMP_VAL_MEM;
        t->mem_coherent = true;
    } else {
        t->location = TEMP_VAL_DEAD;
    }
}

/* A register no temp holds, outside avoid; -1 when there is none. */
static int free_reg(TCGContext *s, uint32_t avoid)
{
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if (!((s->reserved_regs | avoid) & reg_bit(r)) && s->reg_to_temp[r] < 0) {
            return r;
        }
    }
    return -1;
}

static int reg_alloc(TCGContext *s, uint32_t mask, uint32_t avoid)
{
    mask &= ~(s->reserved_regs | avoid);
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if ((mask & reg_bit(r)) && s->reg_to_temp[r] < 0) {
            return r;
        }
    }
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if (mask & reg_bit(r)) {
            temp_spill(s, &s->temps[s->reg_to_temp[r]], avoid | reg_bit(r));
            return r;
        }
    }
    fatal_alloc("no register satisfies an operand constraint");
    return -1;
}

static void reg_assign(TCGContext *s, struct TCGTemp *t, int r)
{
    if (t->location == TEMP_VAL_REG && t->reg != r) {
        reg_release(s, t);
    }
    t->location = TEMP_VAL_REG;
    t->reg = r;
    s->reg_to_temp[r] = t->index;
}

static int64_t temp_const_value(const struct TCGTemp *t) { return t->value; }

/*
 * Puts t into a register of mask. When t already sits in a register other
 * inputs of the same op use (avoid), the value is copied and t stays put: the
 * copy belongs to no temp and only lives for this op.
 */
static int load_input(TCGContext *s, struct TCGTemp *t, uint32_t mask, uint32_t avoid)
{
    if (t->location == TEMP_VAL_REG && (mask & reg_bit(t->reg))) {
        return t->reg;
    }
    uint32_t busy = avoid | (t->location == TEMP_VAL_REG ? reg_bit(t->reg) : 0);
    int r = reg_alloc(s, mask, busy);
    switch (t->location) {
    case TEMP_VAL_REG:
        tcg_target_out_mov(s, t->type, r, t->reg);
        if (avoid & reg_bit(t->reg)) {
            return r;
        }
        break;
    case TEMP_VAL_CONST:
        tcg_target_out_movi(s, t->type, r, temp_const_value(t));
        break;
    case TEMP_VAL_MEM:
        tcg_target_out_ld(s, t->type, r, temp_base_reg(t), t->mem_offset);
        t->mem_coherent = true;
        break;
    case TEMP_VAL_DEAD:
        t->mem_coherent = false;
        break;
    }
    reg_assign(s, t, r);
    return r;
}

static void sync_globals(TCGContext *s, bool drop, uint32_t avoid)
{
    for (int i = 0; i < s->nb_globals; i++) {
        struct TCGTemp *t = &s->temps[i];
        if (t->kind != TEMP_GLOBAL) {
            continue;
        }
        temp_store(s, t, avoid);
        if (drop) {
            reg_release(s, t);
            t->location = TEMP_VAL_MEM;
        }
    }
}

static bool is_temp_kind(const struct TCGTemp *t)
{
    return t->kind == TEMP_NORMAL || t->kind == TEMP_LOCAL;
}

static const uint8_t *label_live_set(TCGContext *s, TCGArg label)
{
    return s->label_live + (size_t)label * (size_t)s->nb_temps;
}

/* Before a jump to label (or falling into it): globals and the temps the label
 * needs go to memory. */
static void writeback_for_label(TCGContext *s, TCGArg label)
{
    const uint8_t *live = label_live_set(s, label);
    sync_globals(s, false, 0);
    for (int i = s->nb_globals; i < s->nb_temps; i++) {
        if (live[i] && is_temp_kind(&s->temps[i])) {
            temp_store(s, &s->temps[i], 0);
        }
    }
}

/* Register state where control arrives only through jumps: everything in its
 * canonical place. live (may be NULL: nothing) says which temps hold values. */
static void reset_at_block_boundary(TCGContext *s, const uint8_t *live)
{
    for (int i = 0; i < s->nb_temps; i++) {
        struct TCGTemp *t = &s->temps[i];
        switch (t->kind) {
        case TEMP_FIXED:
            break;
        case TEMP_GLOBAL:
            t->location = TEMP_VAL_MEM;
            t->mem_coherent = true;
            break;
        case TEMP_CONST:
            t->location = TEMP_VAL_CONST;
            break;
        case TEMP_NORMAL:
        case TEMP_LOCAL:
            if (live && live[i]) {
                temp_alloc_frame(s, t);
                t->location = TEMP_VAL_MEM;
                t->mem_coherent = true;
            } else {
                t->location = TEMP_VAL_DEAD;
                t->mem_coherent = false;
            }
            break;
        }
    }
    for (int r = 0; r < 32; r++) {
        s->reg_to_temp[r] = -1;
    }
}

/* Whether global g is read after op before it is written again, within the
 * basic block and a short window (beyond it: assume it is). */
static bool global_read_soon(TCGContext *s, const TCGOp *op, const struct TCGTemp *g)
{
    const TCGOp *end = s->ops + s->nb_ops;
    int window = 48;

    for (const TCGOp *o = op + 1; o < end; o++) {
        if (o->removed) {
            continue;
        }
        if (--window < 0) {
            return true;
        }
        for (int i = o->nb_oargs; i < o->nb_oargs + o->nb_iargs; i++) {
            if (o->args[i] == g->index) {
                return true;
            }
        }
        for (int i = 0; i < o->nb_oargs; i++) {
            if (o->args[i] == g->index) {
                return false;
            }
        }
        if (tcg_op_defs[o->opc].flags & TCG_OPF_BB_END) {
            return false;
        }
    }
    return false;
}

static void alloc_mov(TCGContext *s, const TCGOp *op)
{
    struct TCGTemp *dst = arg_temp(s, op->args[0]);
    struct TCGTemp *src = arg_temp(s, op->args[1]);
    bool src_dead = op->dead_args & 2;
    if (src->location == TEMP_VAL_CONST) {
        reg_release(s, dst);
        dst->location = TEMP_VAL_CONST;
        dst->value = temp_const_value(src);
        dst->mem_coherent = false;
    } else if (src->location == TEMP_VAL_DEAD) {
        reg_release(s, dst);
        dst->location = TEMP_VAL_DEAD;
        dst->mem_coherent = false;
    } else {
        if (src->location == TEMP_VAL_MEM) {
            load_input(s, src, ~0u, 0);
        }
        int r;
        if (src_dead && src->kind != TEMP_FIXED) {
            r = src->reg;
            temp_dead(s, src);
        } else if (dst->kind == TEMP_GLOBAL &&
                   (free_reg(s, reg_bit(src->reg)) < 0 || !global_read_soon(s, op, dst))) {
            /* no register to spare, or the global (typically a lazy-flag
             * operand) is not read again in this basic block: store it
             * rather than copy it to a register that is stored later anyway */
            reg_release(s, dst);
            tcg_target_out_st(s, dst->type, src->reg, tcg_target_env_reg, dst->mem_offset);
            dst->location = TEMP_VAL_MEM;
            dst->mem_coherent = true;
            if (op->dead_args & 1) {
                temp_dead(s, dst);
            }
            return;
        } else {
            r = reg_alloc(s, ~0u, reg_bit(src->reg));
            tcg_target_out_mov(s, dst->type, r, src->reg);
        }
        reg_assign(s, dst, r);
        dst->mem_coherent = false;
    }
    if (op->dead_args & 1) {
        temp_dead(s, dst);
    }
}

static void free_dead_inputs(TCGContext *s, const TCGOp *op, uint32_t *keep, const TCGArg *regs,
                             const bool *is_const)
{
    for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        if (!(op->dead_args & (1u << i))) {
            continue;
        }
        struct TCGTemp *t = arg_temp(s, op->args[i]);
        if (t->kind == TEMP_FIXED) {
            continue;
        }
        if (!is_const[i] && t->location == TEMP_VAL_REG && t->reg == (int)regs[i]) {
            *keep &= ~reg_bit(t->reg);
        }
        temp_dead(s, t);
    }
}

/* Output o shares input in's register: frees that register for it. */
static int take_aliased_register(TCGContext *s, const TCGOp *op, int in, int reg, uint32_t in_regs)
{
    struct TCGTemp *t = arg_temp(s, op->args[in]);
    if (t->kind == TEMP_FIXED) {
        /* never clobber a fixed register: work on a copy */
        int copy = reg_alloc(s, ~0u, in_regs);
        tcg_target_out_mov(s, t->type, copy, reg);
        return copy;
    }
    bool owned = t->location == TEMP_VAL_REG && t->reg == reg && s->reg_to_temp[reg] == t->index;
    if (!owned) {
        return reg;           /* dead input already freed, or a private copy */
    }
    int spare = free_reg(s, in_regs | reg_bit(reg));
    if (spare >= 0) {
        /* a free register is cheaper than reloading the value later */
        tcg_target_out_mov(s, t->type, spare, reg);
        reg_release(s, t);
        t->reg = spare;
        s->reg_to_temp[spare] = t->index;
        return reg;
    }
    if (t->kind == TEMP_CONST || (t->kind != TEMP_FIXED && t->mem_coherent && t->mem_allocated)) {
        reg_release(s, t);
        t->location = t->kind == TEMP_CONST ? TEMP_VAL_CONST : TEMP_VAL_MEM;
        return reg;
    }
    /* still needed afterwards: move the input's value elsewhere */
    int r2 = reg_alloc(s, ~0u, in_regs);
    tcg_target_out_mov(s, t->type, r2, reg);
    reg_release(s, t);
    t->reg = r2;
    s->reg_to_temp[r2] = t->index;
    return reg;
}

static void alloc_op(TCGContext *s, const TCGOp *op)
{
    const TCGOpConstraint *c = tcg_target_op_constraint(op);
    TCGArg regs[TCG_MAX_OP_ARGS];
    bool is_const[TCG_MAX_OP_ARGS] = { false };
    int nvals = op->nb_oargs + op->nb_iargs;
    uint32_t in_regs = 0;

    for (int k = 0; k < op->nb_iargs; k++) {
        int a = op->nb_oargs + k;
        struct TCGTemp *t = arg_temp(s, op->args[a]);
        const TCGArgConstraint *ac = &c->in[k];
        if (ac->imm && (t->kind == TEMP_CONST || t->location == TEMP_VAL_CONST) &&
            tcg_target_const_match(t->type, t->value, ac->imm)) {
            regs[a] = tcg_normalize(t->type, t->value);
            is_const[a] = true;
            continue;
        }
        regs[a] = load_input(s, t, ac->regs, in_regs);
        in_regs |= reg_bit((int)regs[a]);
    }
    uint32_t keep = in_regs;
    free_dead_inputs(s, op, &keep, regs, is_const);

    uint32_t out_regs = 0;
    for (int i = 0; i < op->nb_oargs; i++) {
        const TCGArgConstraint *ac = &c->out[i];
        int r;
        if (ac->alias) {
            int in = op->nb_oargs + ac->alias - 1;
            r = take_aliased_register(s, op, in, (int)regs[in], in_regs | out_regs);
            regs[in] = r;
        } else {
            r = reg_alloc(s, ac->regs, (ac->new_reg ? in_regs : keep) | out_regs);
        }
        regs[i] = r;
        out_regs |= reg_bit(r);
    }
    for (int i = 0; i < op->nb_oargs; i++) {
        struct TCGTemp *t = arg_temp(s, op->args[i]);
        if (s->reg_to_temp[regs[i]] >= 0 && s->reg_to_temp[regs[i]] != t->index) {
            /* a dead or copied input's register: its temp no longer owns it */
            struct TCGTemp *old = &s->temps[s->reg_to_temp[regs[i]]];
            temp_spill(s, old, in_regs | out_regs);
        }
        reg_assign(s, t, (int)regs[i]);
        t->mem_coherent = false;
    }
    for (int i = 0; i < op->nb_cargs; i++) {
        regs[nvals + i] = op->args[nvals + i];
    }
    tcg_target_out_op(s, op, regs, is_const);
    for (int i = 0; i < op->nb_oargs; i++) {
        if (op->dead_args & (1u << i)) {
            temp_dead(s, arg_temp(s, op->args[i]));
        }
    }
}

static void place_call_arg(TCGContext *s, struct TCGTemp *t, int r, uint32_t placed)
{
    if (t->location == TEMP_VAL_REG && t->reg == r) {
        return;
    }
    int owner = s->reg_to_temp[r];
    if (owner >= 0) {
        temp_spill(s, &s->temps[owner], placed | reg_bit(r));
    }
    switch (t->location) {
    case TEMP_VAL_REG:
        tcg_target_out_mov(s, t->type, r, t->reg);
        break;
    case TEMP_VAL_CONST:
        tcg_target_out_movi(s, t->type, r, temp_const_value(t));
        break;
    case TEMP_VAL_MEM:
        tcg_target_out_ld(s, t->type, r, temp_base_reg(t), t->mem_offset);
        break;
    case TEMP_VAL_DEAD:
        break;
    }
}

static void alloc_call(TCGContext *s, const TCGOp *op)
{
    int nargs = op->nb_iargs;
    const void *func = (const void *)(uintptr_t)op->args[op->nb_oargs + nargs];
    unsigned flags = (unsigned)op->args[op->nb_oargs + nargs + 1];
    uint32_t placed = 0;

    if ((flags & TCG_CALL_NO_RWG) != TCG_CALL_NO_RWG) {
        sync_globals(s, false, 0);
    }
    for (int k = 0; k < nargs; k++) {
        int r = tcg_target_call_arg_regs[k];
        place_call_arg(s, arg_temp(s, op->args[op->nb_oargs + k]), r, placed);
        placed |= reg_bit(r);
    }
    for (int k = 0; k < nargs; k++) {
        if (op->dead_args & (1u << (op->nb_oargs + k))) {
            temp_dead(s, arg_temp(s, op->args[op->nb_oargs + k]));
        }
    }
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if ((tcg_target_call_clobbered_regs & reg_bit(r)) && s->reg_to_temp[r] >= 0) {
            temp_spill(s, &s->temps[s->reg_to_temp[r]], placed);
        }
    }
    tcg_target_out_call(s, func);
    s->last_call_end = tcg_code_offset(s);
    if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        sync_globals(s, true, 0);
    }
    if (op->nb_oargs) {
        struct TCGTemp *t = arg_temp(s, op->args[0]);
        reg_assign(s, t, tcg_target_call_ret_reg);
        t->mem_coherent = false;
        if (op->dead_args & 1) {
            temp_dead(s, t);
        }
    }
}

static void record_insn_end(TCGContext *s)
{
    TCGCodeInfo *info = s->info;
    if (info->nb_insns == 0) {
        return;
    }
    /* a helper's return address must fall inside its own instruction */
    if (s->last_call_end == tcg_code_offset(s)) {
        tcg_target_out_nop(s);
    }
    info->insn_end_offset[info->nb_insns - 1] = tcg_code_offset(s);
}

static void alloc_insn_start(TCGContext *s, const TCGOp *op)
{
    TCGCodeInfo *info = s->info;
    record_insn_end(s);
    if (info->nb_insns < TCG_MAX_INSNS) {
        info->insn_data[info->nb_insns][0] = (uint64_t)op->args[0];
        info->insn_data[info->nb_insns][1] = (uint64_t)op->args[1];
        info->insn_end_offset[info->nb_insns] = UINT32_MAX;
        info->nb_insns++;
    }
}

static void alloc_block_end_op(TCGContext *s, const TCGOp *op)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    switch (op->opc) {
    case INDEX_op_set_label: {
        writeback_for_label(s, op->args[0]);
        reset_at_block_boundary(s, label_live_set(s, op->args[0]));
        struct TCGLabel *l = s->labels[op->args[0]];
        l->bound = true;
        l->offset = tcg_code_offset(s);
        break;
    }
    case INDEX_op_br:
        writeback_for_label(s, op->args[0]);
        tcg_target_out_op(s, op, op->args, no_consts);
        reset_at_block_boundary(s, NULL);
        break;
    case INDEX_op_brcond:
        writeback_for_label(s, op->args[3]);
        alloc_op(s, op);
        break;
    case INDEX_op_goto_tb:
        sync_globals(s, false, 0);
        tcg_target_out_op(s, op, op->args, no_consts);
        break;
    case INDEX_op_exit_tb:
        sync_globals(s, false, 0);
        tcg_target_out_op(s, op, op->args, no_consts);
        reset_at_block_boundary(s, NULL);
        break;
    case INDEX_op_goto_ptr:
        sync_globals(s, false, 0);
        alloc_op(s, op);
        reset_at_block_boundary(s, NULL);
        break;
    default:
        break;
    }
}

/*
 * ext32u of a global whose value is only in memory: one zero-extending 32-bit
 * load of its low half instead of a 64-bit load and an extension (32-bit guest
 * code reads its registers this way). The low half is at the global's own
 * offset on a little-endian host.
 */
static bool alloc_ext32u_from_memory(TCGContext *s, const TCGOp *op)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    struct TCGTemp *src = arg_temp(s, op->args[1]);
    struct TCGTemp *dst = arg_temp(s, op->args[0]);

    if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ || op->type != TCG_TYPE_I64 ||
        src->kind != TEMP_GLOBAL || src->location != TEMP_VAL_MEM) {
        return false;
    }
    TCGOp ld = { .opc = INDEX_op_ld32u, .type = TCG_TYPE_I64,
                 .nb_oargs = 1, .nb_iargs = 1, .nb_cargs = 1 };
    TCGArg regs[3];
    regs[0] = reg_alloc(s, tcg_target_op_constraint(&ld)->out[0].regs, 0);
    regs[1] = tcg_target_env_reg;
    regs[2] = src->mem_offset;
    tcg_target_out_op(s, &ld, regs, no_consts);
    reg_assign(s, dst, (int)regs[0]);
    dst->mem_coherent = false;
    if (op->dead_args & 1) {
        temp_dead(s, dst);
    }
    return true;
}

static void alloc_one(TCGContext *s, const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_ext32u:
        if (!alloc_ext32u_from_memory(s, op)) {
            alloc_op(s, op);
        }
        break;
    case INDEX_op_mov:
        alloc_mov(s, op);
        break;
    case INDEX_op_call:
        alloc_call(s, op);
        break;
    case INDEX_op_insn_start:
        alloc_insn_start(s, op);
        break;
    case INDEX_op_discard:
        temp_dead(s, arg_temp(s, op->args[0]));
        break;
    case INDEX_op_mb:
        break;
    case INDEX_op_set_label: case INDEX_op_br: case INDEX_op_brcond:
    case INDEX_op_goto_tb: case INDEX_op_exit_tb: case INDEX_op_goto_ptr:
        alloc_block_end_op(s, op);
        break;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st:
        sync_globals(s, false, 0);
        alloc_op(s, op);
        break;
    default:
        alloc_op(s, op);
        break;
    }
}

bool tcg_reg_alloc_code(TCGContext *s)
{
    s->reserved_regs = reg_bit(tcg_target_env_reg) | reg_bit(tcg_target_frame_reg);
    if (s->has_softmmu) {
        s->reserved_regs |= tcg_target_softmmu_reserved_regs;
    } else if (tcg_target_guest_base_needs_reg(s->guest_base)) {
        s->reserved_regs |= reg_bit(tcg_target_guest_base_reg);
    }
    s->nb_spill_slots = 0;
    s->last_call_end = UINT32_MAX;
    for (int i = s->nb_globals; i < s->nb_temps; i++) {
        s->temps[i].mem_allocated = false;
    }
    reset_at_block_boundary(s, NULL);
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        alloc_one(s, op);
        if (s->code_ptr > s->code_limit) {
            s->code_overflow = true;
            return false;
        }
    }
    record_insn_end(s);
    return !s->code_overflow;
}
