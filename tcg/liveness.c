/*
 * Liveness analysis: one backward pass that marks, for every op, which of its
 * value arguments are not needed afterwards (op->dead_args), and removes ops
 * without side effects whose results nobody reads.
 *
 * What is live where:
 *  - at the end of a basic block (br, set_label, goto_tb, exit_tb, goto_ptr)
 *    globals and local temps are live, normal temps are dead;
 *  - brcond keeps normal temps alive on its fall-through path (the register
 *    allocator leaves them where they are) and needs globals and locals in memory;
 *  - helper calls that read or write globals, and guest memory accesses (which
 *    may fault), need every global's value.
 */
#include <stdlib.h>
#include <string.h>
#include "tcg/tcg-internal.h"

static void mark_block_end(TCGContext *s, uint8_t *live, bool keep_normal)
{
    for (int i = 0; i < s->nb_temps; i++) {
        switch (s->temps[i].kind) {
        case TEMP_GLOBAL:
        case TEMP_LOCAL:
        case TEMP_FIXED:
            live[i] = 1;
            break;
        case TEMP_NORMAL:
            if (!keep_normal) {
                live[i] = 0;
            }
            break;
        default:
            break;
        }
    }
}

static void mark_globals(TCGContext *s, uint8_t *live)
{
    for (int i = 0; i < s->nb_globals; i++) {
        live[i] = 1;
    }
}

static bool op_has_side_effects(const TCGOp *op)
{
    if (op->opc == INDEX_op_call) {
        TCGArg flags = op->args[op->nb_oargs + op->nb_iargs + 1];
        return !(flags & TCG_CALL_NO_SIDE_EFFECTS);
    }
    return (tcg_op_defs[op->opc].flags & TCG_OPF_SIDE_EFFECTS) != 0 ||
           op->opc == INDEX_op_insn_start || op->opc == INDEX_op_set_label ||
           op->opc == INDEX_op_br || op->opc == INDEX_op_brcond ||
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

void tcg_liveness(TCGContext *s)
{
    if (!s->live) {
        s->live = malloc(TCG_MAX_TEMPS);
        if (!s->live) {
            abort();
        }
    }
    uint8_t *live = s->live;
    memset(live, 0, (size_t)s->nb_temps);
    mark_block_end(s, live, false);

    for (int n = s->nb_ops - 1; n >= 0; n--) {
        TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        switch (op->opc) {
        case INDEX_op_br: case INDEX_op_set_label: case INDEX_op_goto_tb:
        case INDEX_op_exit_tb: case INDEX_op_goto_ptr:
            mark_block_end(s, live, false);
            break;
        case INDEX_op_brcond:
            mark_block_end(s, live, true);
            break;
        default:
            break;
        }
        if (!op_has_side_effects(op) && op->nb_oargs > 0) {
            bool any_live = false;
            for (int i = 0; i < op->nb_oargs; i++) {
                any_live |= live[op->args[i]] != 0;
            }
            if (!any_live) {
                op->removed = true;
                continue;
            }
        }
        op->dead_args = 0;
        for (int i = 0; i < op->nb_oargs; i++) {
            int t = (int)op->args[i];
            if (!live[t]) {
                op->dead_args |= 1u << i;
            }
            live[t] = 0;
        }
        if (op_needs_globals(op)) {
            mark_globals(s, live);
        }
        for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            int t = (int)op->args[i];
            if (!live[t]) {
                op->dead_args |= 1u << i;
            }
            live[t] = 1;
        }
    }
}
