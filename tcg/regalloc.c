/*
 * Register allocation and code emission: one forward pass over the optimized IR.
 * Each temp has a current location (register, memory, constant or dead); the
 * allocator loads inputs into registers the back end's constraints allow, picks
 * output registers, and writes values back to memory only when needed:
 *  - globals before helpers that read them and at block ends, not before
 *    guest memory accesses: a side table (TCGMemSite) says which globals are
 *    still in which registers there; in user mode an access faults in the
 *    host and the fault handler writes them back from the signal context; in
 *    system mode the back end's TLB-miss path (inline, jumped over on a hit) stores them before
 *    it calls the slow helper (which may raise the guest's fault);
 *  - temps that a label needs, before jumps to it and at the label; for a
 *    conditional branch, on its taken side only: the branch goes to a stub after
 *    the block's code that stores what the label needs and jumps there (or, for
 *    a label that is only a goto_tb exit, runs that exit itself), so the
 *    fall-through path keeps its globals in registers (side exits of
 *    superblocks, loop back edges);
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

/*
 * Every register of mask is taken: the one to evict. A value whose memory copy
 * is current (a global loaded and not written since, a constant) costs no
 * store and is only reloaded if used again; a written one costs a store now
 * and maybe a load later. So: clean before dirty, and a self loop's header
 * registers after the others (their globals are moved back at the back edge);
 * then the allocation order. -1 when mask is empty.
 */
static int spill_victim(TCGContext *s, uint32_t mask)
{
    int best = -1, best_cost = 4;
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if (!(mask & reg_bit(r)) || s->reg_to_temp[r] < 0) {
            continue;
        }
        const struct TCGTemp *t = &s->temps[s->reg_to_temp[r]];
        int cost = (t->kind == TEMP_CONST || t->mem_coherent ? 0 : 2) +
                   (s->loop.regs & reg_bit(r) ? 1 : 0);
        if (cost < best_cost) {
            best = r;
            best_cost = cost;
        }
    }
    return best;
}

static int reg_alloc(TCGContext *s, uint32_t mask, uint32_t avoid)
{
    mask &= ~(s->reserved_regs | avoid);
    /* a self loop's header registers last, so its globals can stay there */
    for (int i = 0; s->loop.n && i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if ((mask & ~s->loop.regs & reg_bit(r)) && s->reg_to_temp[r] < 0) {
            return r;
        }
    }
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if ((mask & reg_bit(r)) && s->reg_to_temp[r] < 0) {
            return r;
        }
    }
    int r = spill_victim(s, mask);
    if (r < 0) {
        fatal_alloc("no register satisfies an operand constraint");
    }
    temp_spill(s, &s->temps[s->reg_to_temp[r]], avoid | reg_bit(r));
    return r;
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
 * Self loops (loop.c): the register a value would best go to, -1 for none: a
 * planned global's header register, also for a temp whose next use moves it
 * into such a global; so that the back edge has few moves to make.
 */
static int loop_preferred_reg(TCGContext *s, const TCGOp *op, const struct TCGTemp *t)
{
    if (s->loop.n == 0) {
        return -1;
    }
    int k = tcg_loop_index(s, t->index);
    if (k >= 0) {
        return s->loop.reg[k];
    }
    int here = op ? (int)(op - s->ops) : -1;
    if (t->kind != TEMP_NORMAL || here < 0 || here >= s->nb_ops) {
        return -1;
    }
    for (int n = here + 1, window = 8; n < s->nb_ops && window > 0; n++) {
        const TCGOp *o = &s->ops[n];
        if (o->removed) {
            continue;
        }
        window--;
        for (int i = 0; i < o->nb_oargs + o->nb_iargs; i++) {
            if (o->args[i] != (TCGArg)t->index) {
                continue;
            }
            if (o->opc == INDEX_op_mov && i == 1 && (o->dead_args & 2) &&
                (k = tcg_loop_index(s, (int)o->args[0])) >= 0) {
                return s->loop.reg[k];
            }
            return -1;
        }
    }
    return -1;
}

/* pref when it is free and allowed, else any register of mask */
static bool pref_usable(TCGContext *s, int pref, uint32_t mask, uint32_t avoid, const struct TCGTemp *t)
{
    return pref >= 0 && (mask & reg_bit(pref)) && !((s->reserved_regs | avoid) & reg_bit(pref)) &&
           (s->reg_to_temp[pref] < 0 || (t && s->reg_to_temp[pref] == t->index));
}

/* t (may be NULL) is the value the register is for: its own old value there
 * is overwritten, so that register counts as free */
static int reg_alloc_pref(TCGContext *s, int pref, uint32_t mask, uint32_t avoid,
                          const struct TCGTemp *t)
{
    if (pref_usable(s, pref, mask, avoid, t)) {
        return pref;
    }
    return reg_alloc(s, mask, avoid);
}

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
    int r = reg_alloc_pref(s, loop_preferred_reg(s, NULL, t), mask, busy, NULL);
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

/*
 * Out-of-line write-backs of conditional branches. At a brcond the allocator
 * records its state (where every temp is) and branches to a fresh label; after
 * the block's code it restores each recorded state, binds the label there and
 * emits what the target label needs: the stores of writeback_for_label and a
 * jump, or the target's own goto_tb exit when the label is nothing else and
 * only this branch reaches it (the exit is then left out of the main code).
 */
#define MAX_SIDE_EXITS 32
#define MAX_CARRIED 8

typedef struct SavedTemp {
    int64_t value;
    uint8_t location, reg;
    bool mem_coherent;
} SavedTemp;

typedef struct SideExit {
    int stub_label;              /* where the brcond jumps */
    int target;                  /* the brcond's label */
    int exit_op;                 /* first op of the inlined exit, or -1 */
    int regs[32];                /* reg_to_temp at the branch */
} SideExit;

struct TCGSideExits {
    int n;
    SideExit exit[MAX_SIDE_EXITS];
    SavedTemp *saved;            /* MAX_SIDE_EXITS * cap_temps */
    int cap_temps;
    int *label_op;               /* per label: index of its set_label op, -1 */
    uint8_t *label_refs;         /* per label: branches to it (saturating) */
    uint8_t *label_inlined;      /* per label: its exit code is emitted by a stub */
    int *label_carry;            /* per label: its saved state in carried[], -1 */
    int cap_labels;
    int nb_carried;
    SavedTemp *carried;          /* MAX_CARRIED * cap_temps */
    int carried_regs[MAX_CARRIED][32];
};

void tcg_side_exits_free(TCGContext *s)
{
    struct TCGSideExits *x = s->side_exits;
    if (x) {
        free(x->saved);
        free(x->label_op);
        free(x->label_refs);
        free(x->label_inlined);
        free(x->label_carry);
        free(x->carried);
        free(x);
        s->side_exits = NULL;
    }
}

static void *grow(void *p, size_t bytes)
{
    p = realloc(p, bytes);
    if (!p) {
        fatal_alloc("out of memory");
    }
    return p;
}

/* Per block: where each label is set and how many branches reach it. */
static void side_exits_start(TCGContext *s)
{
    if (!s->side_exits) {
        s->side_exits = grow(NULL, sizeof(struct TCGSideExits));
        memset(s->side_exits, 0, sizeof(struct TCGSideExits));
    }
    struct TCGSideExits *x = s->side_exits;
    x->n = 0;
    if (s->nb_temps > x->cap_temps) {
        x->cap_temps = s->nb_temps;
        x->saved = grow(x->saved, sizeof(SavedTemp) * MAX_SIDE_EXITS * (size_t)x->cap_temps);
        x->carried = grow(x->carried, sizeof(SavedTemp) * MAX_CARRIED * (size_t)x->cap_temps);
    }
    x->nb_carried = 0;
    if (s->nb_labels > x->cap_labels) {
        x->cap_labels = s->nb_labels;
        x->label_op = grow(x->label_op, sizeof(int) * (size_t)x->cap_labels);
        x->label_refs = grow(x->label_refs, (size_t)x->cap_labels);
        x->label_inlined = grow(x->label_inlined, (size_t)x->cap_labels);
        x->label_carry = grow(x->label_carry, sizeof(int) * (size_t)x->cap_labels);
    }
    for (int i = 0; i < s->nb_labels; i++) {
        x->label_op[i] = -1;
        x->label_carry[i] = -1;
    }
    if (s->nb_labels) {              /* the arrays are not allocated before a first label */
        memset(x->label_refs, 0, (size_t)s->nb_labels);
        memset(x->label_inlined, 0, (size_t)s->nb_labels);
    }
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        int l = -1;
        if (op->removed) {
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            x->label_op[op->args[0]] = n;
        } else if (op->opc == INDEX_op_br) {
            l = (int)op->args[0];
        } else if (op->opc == INDEX_op_brcond) {
            l = (int)op->args[3];
        }
        if (l >= 0 && x->label_refs[l] < 255) {
            x->label_refs[l]++;
        }
    }
}

static int next_live_op(TCGContext *s, int n)
{
    while (++n < s->nb_ops && s->ops[n].removed) {
    }
    return n;
}

/* The index of the goto_tb when label's code is only "goto_tb; mov rip,const;
 * exit_tb", nothing falls into it and one branch reaches it; else -1. */
static int exit_only_label(TCGContext *s, int label)
{
    struct TCGSideExits *x = s->side_exits;
    int at = x->label_op[label];
    if (at < 0 || x->label_refs[label] != 1) {
        return -1;
    }
    int prev = at - 1;
    while (prev >= 0 && s->ops[prev].removed) {
        prev--;
    }
    if (prev < 0 || (s->ops[prev].opc != INDEX_op_exit_tb && s->ops[prev].opc != INDEX_op_br &&
                     s->ops[prev].opc != INDEX_op_goto_ptr)) {
        return -1;
    }
    int g = next_live_op(s, at);
    int m = next_live_op(s, g);
    int e = next_live_op(s, m);
    if (e >= s->nb_ops || s->ops[g].opc != INDEX_op_goto_tb || s->ops[m].opc != INDEX_op_mov ||
        s->ops[e].opc != INDEX_op_exit_tb) {
        return -1;
    }
    const struct TCGTemp *dst = &s->temps[s->ops[m].args[0]];
    const struct TCGTemp *src = &s->temps[s->ops[m].args[1]];
    if (dst->kind != TEMP_GLOBAL || src->kind != TEMP_CONST) {
        return -1;
    }
    return g;
}

static void alloc_op(TCGContext *s, const TCGOp *op);

/* The allocator's state: where every temp is, and what each register holds. */
static void save_state(TCGContext *s, SavedTemp *sv, int *regs)
{
    for (int i = 0; i < s->nb_temps; i++) {
        const struct TCGTemp *t = &s->temps[i];
        sv[i] = (SavedTemp) { .value = t->value, .location = (uint8_t)t->location,
                              .reg = (uint8_t)t->reg, .mem_coherent = t->mem_coherent };
    }
    memcpy(regs, s->reg_to_temp, sizeof(s->reg_to_temp));
}

static void restore_state(TCGContext *s, const SavedTemp *sv, const int *regs)
{
    for (int i = 0; i < s->nb_temps; i++) {
        struct TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_CONST) {
            t->location = TEMP_VAL_CONST;
            continue;
        }
        t->value = sv[i].value;
        t->location = (TCGTempLocation)sv[i].location;
        t->reg = sv[i].reg;
        t->mem_coherent = sv[i].mem_coherent;
    }
    memcpy(s->reg_to_temp, regs, sizeof(s->reg_to_temp));
}

/*
 * A label reached only by one forward brcond, with nothing falling into it
 * (an exit right before it: "brcond c, L; exit...; set_label L", like the
 * exit-request check at a block's start): the branch keeps its registers and
 * the label takes over the state at the branch, with no stores on either side.
 */
static bool carry_brcond(TCGContext *s, const TCGOp *op)
{
    struct TCGSideExits *x = s->side_exits;
    int target = (int)op->args[3];
    int here = (int)(op - s->ops);
    int at = x->label_op[target];
    if (here < 0 || here >= s->nb_ops || at <= here || x->label_refs[target] != 1 ||
        x->nb_carried >= MAX_CARRIED || exit_only_label(s, target) >= 0) {
        return false;
    }
    int prev = at - 1;
    while (prev > here && s->ops[prev].removed) {
        prev--;
    }
    TCGOpcode p = (TCGOpcode)s->ops[prev].opc;
    if (prev == here || (p != INDEX_op_exit_tb && p != INDEX_op_br && p != INDEX_op_goto_ptr)) {
        return false;
    }
    alloc_op(s, op);
    int k = x->nb_carried++;
    save_state(s, x->carried + (size_t)k * (size_t)x->cap_temps, x->carried_regs[k]);
    x->label_carry[target] = k;
    return true;
}

/* Whether jumping to label needs a store (a value not yet in its memory slot). */
static bool label_needs_stores(TCGContext *s, int label)
{
    const uint8_t *live = label_live_set(s, label);
    for (int i = 0; i < s->nb_temps; i++) {
        const struct TCGTemp *t = &s->temps[i];
        bool wanted = t->kind == TEMP_GLOBAL || (i >= s->nb_globals && live[i] && is_temp_kind(t));
        if (wanted && !t->mem_coherent &&
            (t->location == TEMP_VAL_REG || t->location == TEMP_VAL_CONST)) {
            return true;
        }
    }
    return false;
}

/* brcond with its taken side's write-back out of line; false: do it inline. */
static bool defer_brcond(TCGContext *s, const TCGOp *op)
{
    struct TCGSideExits *x = s->side_exits;
    int target = (int)op->args[3];
    if (x->n >= MAX_SIDE_EXITS) {
        return false;
    }
    SideExit *e = &x->exit[x->n];
    e->target = target;
    e->exit_op = exit_only_label(s, target);
    if (e->exit_op < 0 && !label_needs_stores(s, target)) {
        return false;            /* nothing to store: branch there directly */
    }
    e->stub_label = tcg_gen_new_label(s)->id;
    TCGOp copy = *op;
    copy.args[3] = e->stub_label;
    alloc_op(s, &copy);
    /* the temps the label needs get their stack slots now, in the main code */
    const uint8_t *live = label_live_set(s, target);
    for (int i = s->nb_globals; i < s->nb_temps; i++) {
        if (live[i] && is_temp_kind(&s->temps[i])) {
            temp_alloc_frame(s, &s->temps[i]);
        }
    }
    save_state(s, x->saved + (size_t)x->n * (size_t)x->cap_temps, e->regs);
    if (e->exit_op >= 0) {
        x->label_inlined[target] = 1;
    }
    x->n++;
    return true;
}

static void alloc_one(TCGContext *s, const TCGOp *op);

/* After the block's code: the stubs, each from its branch's register state. */
static void emit_side_exits(TCGContext *s)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    struct TCGSideExits *x = s->side_exits;
    for (int k = 0; k < x->n && !s->code_overflow; k++) {
        SideExit *e = &x->exit[k];
        restore_state(s, x->saved + (size_t)k * (size_t)x->cap_temps, e->regs);
        struct TCGLabel *l = s->labels[e->stub_label];
        l->bound = true;
        l->offset = tcg_code_offset(s);
        tcg_forget_flags(s);
        if (e->exit_op >= 0) {
            int m = next_live_op(s, e->exit_op);
            int end = next_live_op(s, m);
            alloc_one(s, &s->ops[e->exit_op]);
            alloc_one(s, &s->ops[m]);
            alloc_one(s, &s->ops[end]);
        } else {
            writeback_for_label(s, (TCGArg)e->target);
            TCGArg args[1] = { (TCGArg)e->target };
            TCGOp br = { .opc = INDEX_op_br, .nb_cargs = 1 };
            tcg_target_out_op(s, &br, args, no_consts);
        }
        if (s->code_ptr > s->code_limit) {
            s->code_overflow = true;
        }
    }
}

/* What comes first after op for global g, within a short window: a read (1),
 * a write (0: its current value is never needed on this path), or the end of
 * the basic block or the window (-1). Conditional branches are looked through:
 * their taken side stores globals out of line (defer_brcond). */
static int global_next_use(TCGContext *s, const TCGOp *op, const struct TCGTemp *g)
{
    const TCGOp *end = s->ops + s->nb_ops;
    int window = 48;

    for (const TCGOp *o = op + 1; o < end; o++) {
        if (o->removed) {
            continue;
        }
        if (--window < 0) {
            return 1;
        }
        for (int i = o->nb_oargs; i < o->nb_oargs + o->nb_iargs; i++) {
            if (o->args[i] == g->index) {
                return 1;
            }
        }
        for (int i = 0; i < o->nb_oargs; i++) {
            if (o->args[i] == g->index) {
                return 0;
            }
        }
        if (o->opc == INDEX_op_call || ((tcg_op_defs[o->opc].flags & TCG_OPF_BB_END) &&
                                        o->opc != INDEX_op_brcond)) {
            return -1;
        }
    }
    return -1;
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
        } else if (dst->kind == TEMP_GLOBAL && tcg_loop_index(s, dst->index) < 0 &&
                   (free_reg(s, reg_bit(src->reg)) < 0 || global_next_use(s, op, dst) < 1)) {
            /* no register to spare, or the global (typically a lazy-flag
             * operand) is neither read nor overwritten again in this basic
             * block: store it rather than copy it to a register that is
             * stored later anyway (a copy overwritten soon is never stored) */
            reg_release(s, dst);
            tcg_target_out_st(s, dst->type, src->reg, tcg_target_env_reg, dst->mem_offset);
            dst->location = TEMP_VAL_MEM;
            dst->mem_coherent = true;
            if (op->dead_args & 1) {
                temp_dead(s, dst);
            }
            return;
        } else {
            r = reg_alloc_pref(s, loop_preferred_reg(s, op, dst), ~0u, reg_bit(src->reg), dst);
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

/* A global whose memory copy is current and that the rest of op's basic
 * block does not read (a self loop's planned globals excepted). */
static bool clean_global_unread(TCGContext *s, const TCGOp *op, const struct TCGTemp *t)
{
    return t->kind == TEMP_GLOBAL && t->mem_coherent && op >= s->ops &&
           op < s->ops + s->nb_ops && tcg_loop_index(s, t->index) < 0 &&
           global_next_use(s, op, t) != 1;
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
    if (clean_global_unread(s, op, t)) {
        /* memory holds it and this basic block reads it no more: no copy */
        reg_release(s, t);
        t->location = TEMP_VAL_MEM;
        return reg;
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

static bool is_output_of(const TCGOp *op, const struct TCGTemp *t)
{
    for (int i = 0; i < op->nb_oargs; i++) {
        if (op->args[i] == (TCGArg)t->index) {
            return true;
        }
    }
    return false;
}

/* A global holding a constant not yet in memory that a site entry can carry
 * (TCGSiteReg.value: sign-extended 32 bits) instead of a store before the access */
static bool is_site_const(const struct TCGTemp *t)
{
    return t->kind == TEMP_GLOBAL && t->location == TEMP_VAL_CONST && !t->mem_coherent &&
           (t->type == TCG_TYPE_I32 || t->value == (int32_t)t->value);
}

/*
 * User mode, before a guest memory access: instead of storing every global,
 * store only those the side table cannot describe (constants wider than 32
 * signed bits not yet in memory, the access's own output, whose old value a
 * fault must see); false
 * when the table is full or the access needs the old way (a byte-swapping
 * store swaps its value register in place, so that register is not the
 * global's value while the store runs).
 */
static bool prepare_mem_site(TCGContext *s, const TCGOp *op)
{
    TCGCodeInfo *info = s->info;
    if (info->nb_mem_sites >= TCG_MAX_MEM_SITES ||
        info->nb_site_regs + TCG_TARGET_NB_REGS + s->nb_globals > TCG_MAX_SITE_REGS) {
        return false;
    }
    if (op->opc == INDEX_op_qemu_st &&
        (op->args[op->nb_oargs + op->nb_iargs] & MO_BSWAP)) {
        return false;
    }
    for (int i = 0; i < s->nb_globals; i++) {
        struct TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_GLOBAL &&
            ((t->location == TEMP_VAL_CONST && !is_site_const(t)) || is_output_of(op, t))) {
            temp_store(s, t, 0);
        }
    }
    s->mem_site_open = true;
    return true;
}

/* Right before the access is emitted: which dirty globals are in which
 * register, and which hold which constant. */
static void open_mem_site(TCGContext *s, const TCGOp *op)
{
    TCGCodeInfo *info = s->info;
    TCGMemSite *site = &info->mem_sites[info->nb_mem_sites++];
    site->start = tcg_code_offset(s);
    site->end = site->start;
    site->first = info->nb_site_regs;
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        int idx = s->reg_to_temp[r];
        if (idx < 0 || idx >= s->nb_globals) {
            continue;
        }
        struct TCGTemp *t = &s->temps[idx];
        if (t->kind != TEMP_GLOBAL || t->mem_coherent || t->location != TEMP_VAL_REG ||
            t->reg != r || is_output_of(op, t)) {
            continue;
        }
        info->site_regs[info->nb_site_regs++] = (TCGSiteReg) {
            .env_offset = (int32_t)t->mem_offset,
            .host_reg = (uint8_t)r,
            .size = t->type == TCG_TYPE_I32 ? 4 : 8,
        };
    }
    for (int i = 0; i < s->nb_globals; i++) {
        struct TCGTemp *t = &s->temps[i];
        if (is_site_const(t) && !is_output_of(op, t)) {
            info->site_regs[info->nb_site_regs++] = (TCGSiteReg) {
                .env_offset = (int32_t)t->mem_offset,
                .host_reg = TCG_SITE_CONST,
                .size = t->type == TCG_TYPE_I32 ? 4 : 8,
                .value = (int32_t)t->value,
            };
        }
    }
    site->count = info->nb_site_regs - site->first;
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
        struct TCGTemp *ot = arg_temp(s, op->args[i]);
        int pref = loop_preferred_reg(s, op, ot);
        if (ac->alias) {
            int in = op->nb_oargs + ac->alias - 1;
            struct TCGTemp *it = arg_temp(s, op->args[in]);
            if (!is_const[in] && it->location == TEMP_VAL_REG && it->reg == (int)regs[in] &&
                s->reg_to_temp[regs[in]] == it->index && (int)regs[in] != pref &&
                pref_usable(s, pref, ac->regs, in_regs | out_regs, ot)) {
                /* the input lives on: the output starts as a copy in its
                 * preferred register instead of moving the input away */
                tcg_target_out_mov(s, it->type, pref, (int)regs[in]);
                r = pref;
            } else {
                r = take_aliased_register(s, op, in, (int)regs[in], in_regs | out_regs);
            }
            regs[in] = r;
        } else {
            r = reg_alloc_pref(s, pref, ac->regs, (ac->new_reg ? in_regs : keep) | out_regs, ot);
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
    if (s->mem_site_open) {
        open_mem_site(s, op);
    }
    tcg_target_out_op(s, op, regs, is_const);
    if (s->mem_site_open) {
        s->info->mem_sites[s->info->nb_mem_sites - 1].end = tcg_code_offset(s);
        s->mem_site_open = false;
    }
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

static void alloc_loop_back_edge(TCGContext *s, const TCGOp *op);

/*
 * goto_tb: every global stored, except the chain-deferred state (chain-state.c)
 * in user mode: a first patchable jump (to a block that overwrites that state
 * first), its stores, a second patchable jump (to any other block); unchained,
 * both fall through to the exit after them.
 */
static void alloc_goto_tb(TCGContext *s, const TCGOp *op)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    unsigned n = (unsigned)op->args[0];
    bool dirty = false;
    if (tcg_loop_is_back_edge(s, (int)(op - s->ops))) {
        alloc_loop_back_edge(s, op);
        return;
    }
    if (s->chain_needed && !s->has_softmmu) {
        for (int i = 0; i < s->nb_globals; i++) {
            struct TCGTemp *t = &s->temps[i];
            if (tcg_is_chain_state(s, i) && t->kind == TEMP_GLOBAL && !t->mem_coherent &&
                (t->location == TEMP_VAL_REG || t->location == TEMP_VAL_CONST)) {
                dirty = true;
            }
        }
    }
    if (dirty && s->chain_predict) {
        /* the exit after goto_tb stores the target pc: mov global, const */
        int m = next_live_op(s, (int)(op - s->ops));
        if (m < s->nb_ops && s->ops[m].opc == INDEX_op_mov &&
            s->temps[s->ops[m].args[1]].kind == TEMP_CONST) {
            int p = s->chain_predict(s->chain_predict_opaque, s->temps[s->ops[m].args[1]].value);
            if (p == 0 || (p == -2 && !s->info->chain_state_dead)) {
                dirty = false;   /* the stores would be made anyway: one jump */
            }
        }
    }
    if (!dirty) {
        sync_globals(s, false, 0);
        tcg_target_out_op(s, op, op->args, no_consts);
        return;
    }
    for (int i = 0; i < s->nb_globals; i++) {
        if (s->temps[i].kind == TEMP_GLOBAL && !tcg_is_chain_state(s, i)) {
            temp_store(s, &s->temps[i], 0);
        }
    }
    tcg_target_out_op(s, op, op->args, no_consts);
    uint16_t first = s->info->jmp_insn_offset[n], first_reset = s->info->jmp_reset_offset[n];
    sync_globals(s, false, 0);
    tcg_target_out_op(s, op, op->args, no_consts);
    s->info->jmp2_insn_offset[n] = s->info->jmp_insn_offset[n];
    s->info->jmp_insn_offset[n] = first;
    s->info->jmp_reset_offset[n] = first_reset;
}

/* Block entry with a self loop: the planned globals into their registers,
 * then the loop header (see loop.c). */
static void loop_entry(TCGContext *s)
{
    const struct TCGLoopPlan *L = &s->loop;
    for (int k = 0; k < L->n; k++) {
        struct TCGTemp *t = &s->temps[L->temp[k]];
        tcg_target_out_ld(s, t->type, L->reg[k], tcg_target_env_reg, t->mem_offset);
        reg_assign(s, t, L->reg[k]);
        t->mem_coherent = !L->written[k];
    }
    s->info->loop_header_offset = (uint16_t)tcg_code_offset(s);
    tcg_forget_flags(s);
}

static bool loop_header_holds(const TCGContext *s, const struct TCGTemp *t)
{
    return t->location == TEMP_VAL_REG && (s->loop.regs & reg_bit(t->reg));
}

/* Whether register r keeps its deferred global (tcg_loop_defers) across the
 * back edge's moves: it is not a header register, which the moves write. */
static bool loop_deferred_kept(const TCGContext *s, int r)
{
    int idx = s->reg_to_temp[r];
    return idx >= 0 && tcg_loop_defers(s, idx) && !(s->loop.regs & reg_bit(r));
}

/* Anything in a header register that is not its planned global leaves it;
 * globals outside the plan go to memory, but the deferred ones, which stay
 * where they are (outside the header registers) for the unchained path. */
static void loop_clear_others(TCGContext *s)
{
    for (int i = 0; i < s->nb_globals; i++) {
        struct TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_GLOBAL && tcg_loop_index(s, i) < 0 &&
            (!tcg_loop_defers(s, i) || loop_header_holds(s, t))) {
            temp_store(s, t, s->loop.regs);
        }
    }
    for (int r = 0; r < 32; r++) {
        int idx = s->reg_to_temp[r];
        if (idx < 0 || tcg_loop_index(s, idx) >= 0 || loop_deferred_kept(s, r)) {
            continue;
        }
        struct TCGTemp *t = &s->temps[idx];
        s->reg_to_temp[r] = -1;
        if (t->kind == TEMP_GLOBAL) {
            t->location = TEMP_VAL_MEM;
        } else if (t->kind == TEMP_CONST) {
            t->location = TEMP_VAL_CONST;
        } else if (t->kind != TEMP_FIXED) {
            t->location = TEMP_VAL_DEAD;     /* nothing but globals lives past goto_tb */
        }
    }
}

/*
 * The back edge: every planned global into its header register (moves first,
 * then loads and constants, whose registers the moves have freed), the jump to
 * the header (chained by the execution layer, to this block only), and after
 * it the unchained path: the header's state, whose dirty globals are stored
 * before the ordinary exit that follows in the IR.
 */
static void alloc_loop_back_edge(TCGContext *s, const TCGOp *op)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    const struct TCGLoopPlan *L = &s->loop;
    TCGLoopMove moves[TCG_LOOP_MAX_REGS];
    int nmoves = 0;
    loop_clear_others(s);
    int scratch;
    for (;;) {
        uint32_t used = L->regs;
        int first = -1;
        nmoves = 0;
        for (int k = 0; k < L->n; k++) {
            struct TCGTemp *t = &s->temps[L->temp[k]];
            if (t->location == TEMP_VAL_REG && t->reg != L->reg[k]) {
                moves[nmoves++] = (TCGLoopMove) { t->reg, L->reg[k] };
                used |= reg_bit(t->reg);
                first = first < 0 ? k : first;
            }
        }
        scratch = free_reg(s, used);
        if (!nmoves || scratch >= 0) {
            break;
        }
        /* every register busy: one global goes through memory instead */
        temp_spill(s, &s->temps[L->temp[first]], 0);
    }
    tcg_loop_parallel_moves(s, moves, nmoves, scratch);
    for (int k = 0; k < L->n; k++) {
        struct TCGTemp *t = &s->temps[L->temp[k]];
        if (t->location == TEMP_VAL_MEM) {
            tcg_target_out_ld(s, t->type, L->reg[k], tcg_target_env_reg, t->mem_offset);
        } else if (t->location == TEMP_VAL_CONST) {
            tcg_target_out_movi(s, t->type, L->reg[k], t->value);
        }
    }
    for (int r = 0; r < 32; r++) {
        if (!loop_deferred_kept(s, r)) {
            s->reg_to_temp[r] = -1;
        }
    }
    for (int k = 0; k < L->n; k++) {
        struct TCGTemp *t = &s->temps[L->temp[k]];
        reg_assign(s, t, L->reg[k]);
        t->mem_coherent = !L->written[k];
    }
    tcg_target_out_op(s, op, op->args, no_consts);
    s->info->loop_slots |= (uint8_t)(1u << op->args[0]);
    sync_globals(s, false, 0);
}

static void alloc_block_end_op(TCGContext *s, const TCGOp *op)
{
    static const bool no_consts[TCG_MAX_OP_ARGS];
    switch (op->opc) {
    case INDEX_op_set_label: {
        int k = s->side_exits->label_carry[op->args[0]];
        if (k >= 0) {
            struct TCGSideExits *x = s->side_exits;
            restore_state(s, x->carried + (size_t)k * (size_t)x->cap_temps, x->carried_regs[k]);
        } else {
            writeback_for_label(s, op->args[0]);
            reset_at_block_boundary(s, label_live_set(s, op->args[0]));
        }
        struct TCGLabel *l = s->labels[op->args[0]];
        l->bound = true;
        l->offset = tcg_code_offset(s);
        tcg_forget_flags(s);
        break;
    }
    case INDEX_op_br:
        writeback_for_label(s, op->args[0]);
        tcg_target_out_op(s, op, op->args, no_consts);
        reset_at_block_boundary(s, NULL);
        break;
    case INDEX_op_brcond:
        if (carry_brcond(s, op)) {
            break;
        }
        if (!defer_brcond(s, op)) {
            writeback_for_label(s, op->args[3]);
            alloc_op(s, op);
        }
        break;
    case INDEX_op_goto_tb:
        alloc_goto_tb(s, op);
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
        if (!prepare_mem_site(s, op)) {
            sync_globals(s, false, 0);
        }
        alloc_op(s, op);
        break;
    default:
        alloc_op(s, op);
        break;
    }
}

static int prev_live_op(TCGContext *s, int n)
{
    while (--n >= 0 && s->ops[n].removed) {
    }
    return n;
}

/* Host addresses are guest_base + address, wrapping at 2^64 like a 64-bit
 * guest's own address arithmetic: a displacement added just before can go
 * into the access (not for softmmu, whose TLB needs the sum, nor for 32-bit
 * address arithmetic, which wraps at 2^32, unless the host catches a wrap:
 * tcg_set_addr32_fold; then the base must be a global, a 32-bit guest's
 * registers being zero-extended, so that the sum lies within 2 GiB of the
 * guest's 4 GiB). */
static void fold_const_offset(TCGContext *s, TCGOp *op, int n)
{
    int a = op->nb_oargs + op->nb_iargs - 1;          /* the address */
    int p = prev_live_op(s, n);
    if (p < 0 || !(op->dead_args & (1u << a))) {
        return;
    }
    TCGOp *add = &s->ops[p];
    struct TCGTemp *t = arg_temp(s, op->args[a]);
    if (add->opc != INDEX_op_add || add->type != TCG_TYPE_I64 ||
        (add->narrow32 && !(s->addr32_fold && arg_temp(s, add->args[1])->kind == TEMP_GLOBAL)) ||
        add->args[0] != op->args[a] ||
        t->kind != TEMP_NORMAL || (op->opc == INDEX_op_qemu_st && op->args[0] == op->args[a])) {
        return;
    }
    struct TCGTemp *base = arg_temp(s, add->args[1]), *c = arg_temp(s, add->args[2]);
    int64_t disp = c->kind == TEMP_CONST ? c->value : INT64_MAX;
    if (add->narrow32 && c->kind == TEMP_CONST) {
        disp = (int32_t)disp;   /* the same address modulo 2^32 */
    }
    int64_t total = disp + (tcg_target_guest_base_needs_reg(s->guest_base) ? 0 : (int64_t)s->guest_base);
    if (base->kind == TEMP_CONST || disp != (int32_t)disp || total != (int32_t)total ||
        tcg_memop_offset(op->args[a + 1]) != 0) {
        return;
    }
    op->args[a] = add->args[1];
    op->args[a + 1] = (TCGArg)((uint64_t)(uint32_t)op->args[a + 1] |
                               ((uint64_t)(uint32_t)disp << 32));
    /* the base dies here if it died at the add */
    op->dead_args &= (uint16_t)~(1u << a);
    if (add->dead_args & 2) {
        op->dead_args |= (uint16_t)(1u << a);
    }
    add->removed = true;
}

static bool guest_base_disp_fits(const TCGContext *s, int64_t disp)
{
    int64_t total = disp + (int64_t)s->guest_base;
    return !tcg_target_guest_base_needs_reg(s->guest_base) && total == (int32_t)total;
}

static bool is_unfolded_access(const TCGOp *op)
{
    return (op->opc == INDEX_op_qemu_ld && op->nb_iargs == 1) ||
           (op->opc == INDEX_op_qemu_st && op->nb_iargs == 2);
}

static bool writes_arg(const TCGOp *op, TCGArg t)
{
    for (int i = 0; i < op->nb_oargs; i++) {
        if (op->args[i] == t) {
            return true;
        }
    }
    return false;
}

static bool reads_arg(const TCGOp *op, TCGArg t)
{
    for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        if (op->args[i] == t) {
            return true;
        }
    }
    return false;
}

/* The accesses through address t from the op after p to t's death (a load
 * and the store of a read-modify-write share one): each a user-mode access
 * with t as its address only, and nothing in between that writes t, base or
 * x, calls a helper or ends a basic block. Fills uses[]; returns how many, or
 * 0 when some other op reads t. */
static int address_uses(TCGContext *s, int p, TCGArg t, TCGArg base, TCGArg x, int *uses)
{
    int nb = 0;
    for (int n = p + 1; n < s->nb_ops && nb < 4; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        if (op->opc == INDEX_op_call || op->opc == INDEX_op_insn_start ||
            op->opc == INDEX_op_set_label || (tcg_op_defs[op->opc].flags & TCG_OPF_BB_END)) {
            return 0;
        }
        int a = op->nb_oargs + op->nb_iargs - 1;
        bool use = is_unfolded_access(op) && op->args[a] == t &&
                   tcg_memop_offset(op->args[a + 1]) == 0 &&
                   (op->opc == INDEX_op_qemu_ld || op->args[0] != t);
        if (!use && reads_arg(op, t)) {
            return 0;
        }
        if (use) {
            uses[nb++] = n;
            if (op->dead_args & (1u << a)) {
                return nb;
            }
        }
        if (writes_arg(op, t) || writes_arg(op, base) || writes_arg(op, x)) {
            return 0;
        }
    }
    return 0;
}

/* User mode: "add_shl t, base, x, k, d" (the optimizer's lea form of
 * base + (x << k) + d) or "add t, base, x", t used only as the address of the
 * guest accesses that follow, becomes those accesses' host address
 * [base + (x << k) + d]: one x86 address (base, index, scale, disp32), so
 * guest_base must be the displacement, not a third register. Nothing between
 * the add and the accesses writes base or x, so they hold the same values at
 * each access, and the fault tables' view of the globals is unchanged. */
static bool fold_index(TCGContext *s, int n)
{
    int p = prev_live_op(s, n);
    TCGOp *add = p >= 0 ? &s->ops[p] : NULL;
    bool lea = add && add->opc == INDEX_op_add_shl;
    if (!add || (!lea && add->opc != INDEX_op_add) || add->type != TCG_TYPE_I64 ||
        add->narrow32 || arg_temp(s, add->args[0])->kind != TEMP_NORMAL) {
        return false;
    }
    TCGArg t = add->args[0], base = add->args[1], index = add->args[2];
    int64_t disp = lea ? (int64_t)add->args[4] : 0;
    int uses[4];
    int nb = address_uses(s, p, t, base, index, uses);
    if (nb == 0 || arg_temp(s, base)->kind == TEMP_CONST ||
        arg_temp(s, index)->kind == TEMP_CONST || base == index ||
        disp != (int32_t)disp || !guest_base_disp_fits(s, disp)) {
        return false;
    }
    for (int u = 0; u < nb; u++) {
        TCGOp *op = &s->ops[uses[u]];
        int a = op->nb_oargs + op->nb_iargs - 1;
        TCGArg memop = (TCGArg)((uint64_t)(uint32_t)op->args[a + 1] |
                                ((uint64_t)(uint32_t)disp << 32));
        memop |= (TCGArg)(lea ? add->args[3] : 0) << TCG_MEMOP_SCALE_SHIFT;
        op->args[a] = base;
        op->args[a + 1] = index;
        op->args[a + 2] = memop;
        op->nb_iargs++;
        /* each dies at the last access if it died at the add */
        op->dead_args &= (uint16_t)~(3u << a);
        if (u == nb - 1) {
            op->dead_args |= (uint16_t)(((add->dead_args >> 1) & 3u) << a);
        }
    }
    add->removed = true;
    return true;
}

void tcg_fold_mem_offsets(TCGContext *s)
{
    if (s->has_softmmu) {
        return;
    }
    for (int n = 0; n < s->nb_ops; n++) {
        TCGOp *op = &s->ops[n];
        if (op->removed || !is_unfolded_access(op)) {
            continue;               /* (or already folded with the load before it) */
        }
        if (!fold_index(s, n)) {
            fold_const_offset(s, op, n);
        }
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
    tcg_forget_flags(s);
    for (int i = s->nb_globals; i < s->nb_temps; i++) {
        s->temps[i].mem_allocated = false;
    }
    reset_at_block_boundary(s, NULL);
    tcg_fold_mem_offsets(s);
    side_exits_start(s);
    tcg_loop_plan(s, s->reserved_regs);
    if (s->loop.op >= 0) {
        loop_entry(s);
    }
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        if (op->opc == INDEX_op_set_label && s->side_exits->label_inlined[op->args[0]]) {
            /* a stub emits this exit: skip the label, goto_tb, mov and exit_tb */
            n = next_live_op(s, next_live_op(s, next_live_op(s, n)));
            continue;
        }
        alloc_one(s, op);
        if (s->code_ptr > s->code_limit) {
            s->code_overflow = true;
            return false;
        }
    }
    record_insn_end(s);
    emit_side_exits(s);
    tcg_target_out_slow_paths(s);
    return !s->code_overflow;
}
