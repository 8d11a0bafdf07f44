/*
 * Liveness analysis: backward data flow over the block's control flow (labels
 * and branches inside the block), then one last backward pass that marks, for
 * every op, which of its value arguments are not needed afterwards
 * (op->dead_args) and removes ops without side effects whose results nobody
 * reads.
 *
 * Rules:
 *  - globals are live wherever control may leave the block or reach code that
 *    reads env directly: at block exits, labels and branches;
 *  - temps (normal and local alike) are live exactly where a later read may see
 *    them, following branches to labels: a temp read after a label keeps its
 *    value from every jump to that label (s->label_live records, per label,
 *    what must be in memory there, for the register allocator);
 *  - helper calls that read or write globals, and guest memory accesses (which
 *    may fault), need every global's value;
 *  - (a call flagged TCG_CALL_CHAIN_BY_SELECTOR, the indirect-jump lookup's
 *    miss helper, reads the chain fields like an exit: only what the selector
 *    there selects);
 *  - except the chain-deferred fields (a front end's lazy condition codes,
 *    chain-state.c) that the selector's value there does not read, where that
 *    value is the same constant on every path (an exit after 'cmp' stores no
 *    result field; a rotate's cc_dst is not kept for the exit after an 'add').
 *    At a guest memory access in user mode, the fields of the insn_start
 *    word's selector, which a fault puts back (chain-state.c).
 */
#include <stdlib.h>
#include <string.h>
#include "tcg/tcg-internal.h"

#define MAX_DATAFLOW_ROUNDS 16

#define SEL_UNKNOWN (-1)
#define SEL_NONE    (-2)         /* a label no jump has reached yet */

static void mark_globals(TCGContext *s, uint8_t *live)
{
    memset(live, 1, (size_t)s->nb_globals);
}

/* mark_globals, but the chain fields outside needed (bit i: chain_fields[i])
 * keep the liveness they have after the op */
static void mark_needed_globals(TCGContext *s, uint8_t *live, uint32_t needed)
{
    uint8_t keep[TCG_MAX_CHAIN_FIELDS];
    if (needed == UINT32_MAX) {
        mark_globals(s, live);
        return;
    }
    for (int i = 0; i < s->chain_nb_fields; i++) {
        keep[i] = live[s->chain_fields[i]];
    }
    mark_globals(s, live);
    for (int i = 0; i < s->chain_nb_fields; i++) {
        if (!(needed & (1u << i))) {
            live[s->chain_fields[i]] = keep[i];
        }
    }
}

static uint32_t fields_needed(const TCGContext *s, int64_t sel)
{
    return sel < 0 || !s->chain_needed ? UINT32_MAX : s->chain_needed(sel);
}

static int64_t sel_merge(int64_t a, int64_t b)
{
    return a == SEL_NONE ? b : b == SEL_NONE || a == b ? a : SEL_UNKNOWN;
}

static bool falls_through(const TCGOp *op)
{
    return op->opc != INDEX_op_br && op->opc != INDEX_op_exit_tb &&
           op->opc != INDEX_op_goto_ptr;
}

/* The selector's value after op from its value before (sel) */
static int64_t sel_after(TCGContext *s, const TCGOp *op, int64_t sel)
{
    if (op->opc == INDEX_op_call) {
        TCGArg flags = op->args[op->nb_oargs + op->nb_iargs + 1];
        if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
            sel = SEL_UNKNOWN;
        }
    }
    for (int i = 0; i < op->nb_oargs; i++) {
        if ((int)op->args[i] == s->chain_sel) {
            const struct TCGTemp *src = op->opc == INDEX_op_mov ? arg_temp(s, op->args[1]) : NULL;
            sel = src && src->kind == TEMP_CONST ? src->value : SEL_UNKNOWN;
        }
    }
    return sel;
}

/*
 * Forward: for each op, the chain fields an observer there may read (sel_at[n]
 * as a mask): those of the selector's value when it is one constant on every
 * path to the op (a label reached by a backward jump: not known); at a guest
 * memory access in user mode, those of the insn_start word's selector.
 */
static void selector_values(TCGContext *s)
{
    int64_t *at = s->sel_at, *lab = s->sel_at + s->nb_ops, *set = lab + s->nb_labels;
    int64_t sel = SEL_UNKNOWN, word = SEL_UNKNOWN;
    for (int l = 0; l < s->nb_labels; l++) {
        lab[l] = SEL_NONE;
        set[l] = 0;
    }
    for (int n = 0; n < s->nb_ops; n++) {      /* labels a backward jump reaches */
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        } else if (op->opc == INDEX_op_set_label) {
            set[op->args[0]] = 1;
        } else if (op->opc == INDEX_op_br || op->opc == INDEX_op_brcond) {
            TCGArg label = op->args[op->opc == INDEX_op_br ? 0 : 3];
            lab[label] = set[label] ? SEL_UNKNOWN : lab[label];
        }
    }
    memset(set, 0, (size_t)s->nb_labels * sizeof(*set));
    uint32_t needed = UINT32_MAX;              /* fields_needed(s, sel) */
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        at[n] = UINT32_MAX;
        if (op->removed) {
            continue;
        }
        int64_t old = sel;
        switch (op->opc) {
        case INDEX_op_set_label:
            set[op->args[0]] = 1;
            sel = lab[op->args[0]] = sel_merge(lab[op->args[0]], sel);
            break;
        case INDEX_op_br:
            lab[op->args[0]] = sel_merge(lab[op->args[0]], sel);
            break;
        case INDEX_op_brcond:
            lab[op->args[3]] = sel_merge(lab[op->args[3]], sel);
            break;
        case INDEX_op_insn_start:
            word = (int64_t)op->args[1];
            break;
        default:
            break;
        }
        if (sel == SEL_NONE) {
            sel = SEL_UNKNOWN;
        }
        if (sel != old) {
            needed = fields_needed(s, sel);
        }
        at[n] = needed;
        if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) {
            at[n] = s->has_softmmu ? UINT32_MAX : fields_needed(s, word);
        }
        if ((op->nb_oargs > 0 && (int)op->args[0] == s->chain_sel) ||
            op->opc == INDEX_op_call) {
            old = sel;
            sel = sel_after(s, op, sel);
            needed = sel != old ? fields_needed(s, sel) : needed;
        }
        if (!falls_through(op)) {
            sel = SEL_NONE;
        }
    }
}

static void only_globals(TCGContext *s, uint8_t *live)
{
    memset(live + s->nb_globals, 0, (size_t)(s->nb_temps - s->nb_globals));
    mark_globals(s, live);
}

static bool op_has_side_effects(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        TCGArg flags = op->args[op->nb_oargs + op->nb_iargs + 1];
        return !(flags & TCG_CALL_NO_SIDE_EFFECTS);
    }
    return (tcg_op_defs[op->opc].flags & (TCG_OPF_SIDE_EFFECTS | TCG_OPF_BB_END)) != 0 ||
           op->opc == INDEX_op_insn_start ||
           (op->opc >= INDEX_op_st8 && op->opc <= INDEX_op_st);
}

static bool op_needs_globals(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        TCGArg flags = op->args[op->nb_oargs + op->nb_iargs + 1];
        return (flags & TCG_CALL_NO_RWG) != TCG_CALL_NO_RWG;
    }
    return op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st;
}

/* A helper call that may read any global; a guest memory access or a call
 * that reads the chain fields through their selector needs only those the
 * selector's value there reads. */
static bool call_reads_all(const TCGOp *op)
{
    return op->opc == INDEX_op_call &&
           !(op->args[op->nb_oargs + op->nb_iargs + 1] & TCG_CALL_CHAIN_BY_SELECTOR);
}

static uint8_t *label_set(TCGContext *s, TCGArg label)
{
    return s->label_live + (size_t)label * (size_t)s->nb_temps;
}

/* Live set before a control-flow op, from the live set after it; returns true
 * when a label's recorded set changed. */
static bool control_flow(TCGContext *s, const TCGOp *op, uint8_t *live, uint32_t needed)
{
    size_t n = (size_t)s->nb_temps;
    switch (op->opc) {
    case INDEX_op_exit_tb:
    case INDEX_op_goto_ptr:
        memset(live, 0, n);
        mark_needed_globals(s, live, needed);
        return false;
    case INDEX_op_br:
        memcpy(live, label_set(s, op->args[0]), n);
        mark_needed_globals(s, live, needed);
        return false;
    case INDEX_op_brcond: {
        const uint8_t *target = label_set(s, op->args[3]);
        for (size_t i = 0; i < n; i++) {
            live[i] |= target[i];
        }
        mark_needed_globals(s, live, needed);
        return false;
    }
    case INDEX_op_set_label: {
        mark_needed_globals(s, live, needed);
        uint8_t *set = label_set(s, op->args[0]);
        bool changed = memcmp(set, live, n) != 0;
        memcpy(set, live, n);
        return changed;
    }
    case INDEX_op_goto_tb:
        mark_needed_globals(s, live, needed);
        return false;
    default:
        return false;
    }
}

/* One backward pass; with final set, removes dead ops and sets dead_args. */
static bool backward_pass(TCGContext *s, uint8_t *live, bool final)
{
    bool changed = false;
    only_globals(s, live);
    live[0] = 1;
    for (int n = s->nb_ops - 1; n >= 0; n--) {
        TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        uint32_t needed = (uint32_t)s->sel_at[n];
        changed |= control_flow(s, op, live, needed);
        if (!op_has_side_effects(op) && op->nb_oargs > 0) {
            bool any_live = false;
            for (int i = 0; i < op->nb_oargs; i++) {
                any_live |= live[op->args[i]] != 0;
            }
            if (!any_live) {
                if (final) {
                    op->removed = true;
                }
                continue;
            }
        }
        uint16_t dead = 0;
        for (int i = 0; i < op->nb_oargs; i++) {
            int t = (int)op->args[i];
            if (!live[t]) {
                dead |= 1u << i;
            }
            live[t] = 0;
        }
        if (op_needs_globals(op)) {
            mark_needed_globals(s, live, call_reads_all(op) ? UINT32_MAX : needed);
        }
        for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            int t = (int)op->args[i];
            if (!live[t]) {
                dead |= 1u << i;
            }
            live[t] = 1;
        }
        if (final) {
            op->dead_args = dead;
        }
    }
    return changed;
}

/*
 * Whether some branch jumps back to a label set before it. Without one, a
 * single backward pass sees every label's set before the branches to it,
 * so it is exact on its own (most blocks: translation time matters for
 * programs that run much code once, like an interpreter's startup).
 */
static bool has_backward_branch(TCGContext *s)
{
    int seen = 0;
    uint8_t *set = s->live;          /* scratch: label set yet? */
    if (s->nb_labels > TCG_MAX_TEMPS) {
        return true;
    }
    memset(set, 0, (size_t)s->nb_labels);
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            set[op->args[0]] = 1;
            seen++;
        } else if (seen && op->opc == INDEX_op_br && set[op->args[0]]) {
            return true;
        } else if (seen && op->opc == INDEX_op_brcond && set[op->args[3]]) {
            return true;
        }
    }
    return false;
}

void tcg_liveness(TCGContext *s)
{
    if (!s->live) {
        s->live = malloc(TCG_MAX_TEMPS);
        if (!s->live) {
            abort();
        }
    }
    size_t need = (size_t)(s->nb_labels ? s->nb_labels : 1) * (size_t)s->nb_temps;
    if (need > s->label_live_size) {
        free(s->label_live);
        s->label_live = malloc(need);
        if (!s->label_live) {
            abort();
        }
        s->label_live_size = need;
    }
    memset(s->label_live, 0, need);
    size_t nsel = (size_t)s->nb_ops + 2 * (size_t)s->nb_labels;
    if (nsel > s->sel_at_size) {
        free(s->sel_at);
        s->sel_at = malloc(nsel * sizeof(*s->sel_at));
        if (!s->sel_at) {
            abort();
        }
        s->sel_at_size = nsel;
    }
    selector_values(s);
    if (has_backward_branch(s)) {
        for (int round = 0; round < MAX_DATAFLOW_ROUNDS; round++) {
            if (!backward_pass(s, s->live, false)) {
                break;
            }
        }
    }
    backward_pass(s, s->live, true);
}
