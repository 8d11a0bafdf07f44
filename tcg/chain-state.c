/*
 * Chain-deferred state: globals (a front end's lazily evaluated condition codes:
 * a selector and the fields it reads) whose stores at a goto_tb are moved behind
 * the chained jump. A block records whether it overwrites that state before
 * anything can see it (chain_state_dead); a goto_tb jumps there without storing
 * the state (first patchable jump), and anywhere else after storing it (second
 * patchable jump). Exactness: "before anything can see it" means before any
 * read of the state, any exit, branch, label or helper call (which see env
 * memory: the selector must have been set to a known value by then and every
 * field that value reads written), and any guest memory access (a fault
 * restores the selector from the insn_start word when the front end knows it
 * there, the fields from registers or memory: the fields that selector reads
 * must have been written).
 */
#include <string.h>
#include "tcg/tcg-internal.h"

void tcg_set_chain_state(TCGContext *s, TCGv selector, const TCGv *fields, int nb_fields,
                         uint32_t (*fields_needed)(int64_t selector_value))
{
    if (nb_fields > TCG_MAX_CHAIN_FIELDS) {
        nb_fields = 0;
        fields_needed = NULL;
    }
    s->chain_sel = selector ? temp_index(selector) : -1;
    s->chain_nb_fields = nb_fields;
    for (int i = 0; i < nb_fields; i++) {
        s->chain_fields[i] = temp_index(fields[i]);
    }
    s->chain_needed = fields_needed;
    s->chain_mask = 0;
    for (int i = -1; i < nb_fields; i++) {
        int t = i < 0 ? s->chain_sel : s->chain_fields[i];
        if (t >= 0 && t < 64) {
            s->chain_mask |= 1ull << t;
        }
    }
}

void tcg_set_chain_predict(TCGContext *s, int (*predict)(void *opaque, int64_t target),
                           void *opaque)
{
    s->chain_predict = predict;
    s->chain_predict_opaque = opaque;
}

/* bit i for chain_fields[i]; -1 for the selector; 0 for anything else */
static int chain_role(const TCGContext *s, TCGArg a)
{
    if ((int)a == s->chain_sel) {
        return -1;
    }
    for (int i = 0; i < s->chain_nb_fields; i++) {
        if (s->chain_fields[i] == (int)a) {
            return 1 << i;
        }
    }
    return 0;
}

static bool is_observation(const TCGOp *op)
{
    return op->opc == INDEX_op_call || op->opc == INDEX_op_qemu_ld ||
           op->opc == INDEX_op_qemu_st || (tcg_op_defs[op->opc].flags & TCG_OPF_BB_END) ||
           (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_st);
}

typedef struct Scan {
    uint32_t written;            /* fields written since the block's start */
    bool sel_known, sel_dynamic; /* selector set to a constant / to something else */
    int64_t sel_value;
    bool have_word;
    int64_t word;                /* the latest insn_start's front-end word */
} Scan;

static bool covered(const TCGContext *s, const Scan *sc, int64_t value)
{
    uint32_t need = s->chain_needed(value);
    return need != UINT32_MAX && (need & ~sc->written) == 0;
}

/* At an observation point: whether the state seen there is all this block's. */
static bool state_defined(const TCGContext *s, const Scan *sc, const TCGOp *op)
{
    if (sc->sel_dynamic) {
        return false;
    }
    if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) {
        if (sc->have_word && s->chain_needed(sc->word) != UINT32_MAX) {
            /* a fault puts the word's selector back */
            return covered(s, sc, sc->word) && (!sc->sel_known || covered(s, sc, sc->sel_value));
        }
    }
    return sc->sel_known && covered(s, sc, sc->sel_value);
}

bool tcg_chain_state_dead_at_entry(TCGContext *s)
{
    Scan sc = { 0 };
    if (!s->chain_needed || s->has_softmmu) {
        return false;
    }
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed || op->opc == INDEX_op_discard) {
            continue;
        }
        if (op->opc == INDEX_op_insn_start) {
            sc.have_word = true;
            sc.word = op->args[1];
            continue;
        }
        for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            int role = chain_role(s, op->args[i]);
            if ((role < 0 && !sc.sel_known) || (role > 0 && !(sc.written & (uint32_t)role))) {
                return false;    /* reads state from before the block */
            }
        }
        if (is_observation(op)) {
            return state_defined(s, &sc, op);
        }
        for (int i = 0; i < op->nb_oargs; i++) {
            int role = chain_role(s, op->args[i]);
            if (role > 0) {
                sc.written |= (uint32_t)role;
            } else if (role < 0) {
                const struct TCGTemp *src = op->opc == INDEX_op_mov ? arg_temp(s, op->args[1]) : NULL;
                sc.sel_known = src && src->kind == TEMP_CONST;
                sc.sel_dynamic = !sc.sel_known;
                sc.sel_value = sc.sel_known ? src->value : 0;
            }
        }
    }
    return false;
}
