/*
 * Self loops: a block whose goto_tb leads back to its own start (the hot inner
 * loop: "...; cmp; jne start") keeps the globals the loop uses in host
 * registers across that back edge instead of storing them at the block's end
 * and loading them again at its start.
 *
 * The plan (tcg_loop_plan, before register allocation) picks the back edges
 * (the goto_tbs whose exits store the value given to tcg_set_self_loop: one, or
 * two in a trace, target-i386/translate.c gen_trace) and up
 * to TCG_LOOP_MAX_REGS globals, each with a host register of its own. The
 * register allocator (regalloc.c) then:
 *  - loads those globals into their registers at the block's entry and binds
 *    the loop header right after the loads; there each planned global is in
 *    its register, "dirty" (memory maybe stale) when the loop writes it;
 *  - at the back edge moves every planned global into its header register
 *    (tcg_loop_parallel_moves), stores the others (but the deferred lazy
 *    flags, tcg_loop_defers), and emits the goto_tb jump:
 *    chained (to the block itself only), it jumps to the header; unchained
 *    (an exit request, a signal, the block invalidated by self-modifying
 *    code: the execution layer resets every jump), it falls through to the
 *    stores of the dirty globals (the deferred ones included) and the
 *    ordinary exit.
 * Faults inside the loop restore exact state as in any block: user-mode memory
 * accesses record which global is in which register (TCGMemSite), helper calls
 * and system-mode accesses store the globals first, and the insn_start data
 * give the pc.
 */
#include <string.h>
#include "tcg/tcg-backend.h"

void tcg_set_self_loop(TCGContext *s, int64_t value)
{
    s->has_loop_value = true;
    s->loop_value = value;
}

static int next_op(const TCGContext *s, int n)
{
    while (++n < s->nb_ops && s->ops[n].removed) {
    }
    return n;
}

/* goto_tb at n, then "mov global, const" and exit_tb: the const, else false */
static bool exit_sequence(const TCGContext *s, int n, int64_t *value)
{
    if (s->ops[n].opc != INDEX_op_goto_tb) {
        return false;
    }
    int m = next_op(s, n), e = next_op(s, m);
    if (e >= s->nb_ops || s->ops[m].opc != INDEX_op_mov || s->ops[e].opc != INDEX_op_exit_tb) {
        return false;
    }
    const struct TCGTemp *dst = &s->temps[s->ops[m].args[0]];
    const struct TCGTemp *src = &s->temps[s->ops[m].args[1]];
    if (dst->kind != TEMP_GLOBAL || src->kind != TEMP_CONST) {
        return false;
    }
    *value = src->value;
    return true;
}

/* Every goto_tb to the block's start (a trace's two halves may each have
 * one); the first, or -1. */
static int find_back_edges(TCGContext *s)
{
    struct TCGLoopPlan *L = &s->loop;
    L->nb_edges = 0;
    for (int n = 0; n < s->nb_ops && L->nb_edges < TCG_JMP_SLOTS; n++) {
        int64_t v;
        if (!s->ops[n].removed && exit_sequence(s, n, &v) &&
            tcg_normalize(s->temps[s->ops[next_op(s, n)].args[0]].type, v) ==
            tcg_normalize(s->temps[s->ops[next_op(s, n)].args[0]].type, s->loop_value)) {
            L->edges[L->nb_edges++] = n;
        }
    }
    return L->nb_edges ? L->edges[0] : -1;
}

bool tcg_loop_is_back_edge(const TCGContext *s, int op)
{
    for (int k = 0; k < s->loop.nb_edges; k++) {
        if (s->loop.edges[k] == op) {
            return true;
        }
    }
    return false;
}

/*
 * The chain-deferred state (chain-state.c: the lazy flags) of a block that
 * overwrites it before anything can see it: nothing reads its value at the
 * loop header, so it is not planned; the back edge leaves it where it is and
 * stores it only on the unchained path, after the jump.
 */
bool tcg_loop_defers(const TCGContext *s, int temp)
{
    return s->info->chain_state_dead && tcg_is_chain_state(s, temp);
}

/* How often each global is an operand, outside the pc stores of exits;
 * returns whether some op reads the chain-deferred state (chain-state.c)
 * before the block (in op order, a heuristic) writes it: the state the back
 * edge carries into the loop's next iteration. */
static bool count_uses(const TCGContext *s, int *uses, bool *written)
{
    bool after_goto_tb = false, chain_read = false;
    for (int n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        if (op->removed) {
            continue;
        }
        bool skip = after_goto_tb || op->opc == INDEX_op_insn_start ||
                    op->opc == INDEX_op_discard;
        after_goto_tb = op->opc == INDEX_op_goto_tb;
        if (skip) {
            continue;
        }
        for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            int t = (int)op->args[i];
            chain_read |= t < s->nb_globals && !written[t] && tcg_is_chain_state(s, t);
        }
        for (int i = 0; i < op->nb_oargs + op->nb_iargs; i++) {
            int t = (int)op->args[i];
            if (t < s->nb_globals && s->temps[t].kind == TEMP_GLOBAL && !tcg_loop_defers(s, t)) {
                uses[t]++;
                written[t] |= i < op->nb_oargs;
            }
        }
    }
    return chain_read;
}

void tcg_loop_plan(TCGContext *s, uint32_t reserved_regs)
{
    struct TCGLoopPlan *L = &s->loop;
    L->op = -1;
    L->nb_edges = 0;
    L->n = 0;
    L->regs = 0;
    if (!s->has_loop_value || s->nb_globals > TCG_MAX_TEMPS / 4) {
        return;
    }
    L->op = find_back_edges(s);
    if (L->op < 0) {
        return;
    }
    int uses[TCG_MAX_TEMPS / 4];
    bool written[TCG_MAX_TEMPS / 4];
    memset(uses, 0, sizeof(uses));
    memset(written, 0, sizeof(written));
    if (!count_uses(s, uses, written)) {
        /* the lazy flags do not live from one iteration into the next: a
         * header register would hold a copy made at each write and moved at
         * the back edge; a guest register gains more there */
        for (int g = 0; g < s->nb_globals; g++) {
            uses[g] = tcg_is_chain_state(s, g) ? 0 : uses[g];
        }
    }
    /* registers: the allocation order's first ones, leaving four for temps
     * (shift counts, products, call arguments want particular ones) */
    int regs[32], nregs = 0;
    for (int i = 0; i < tcg_target_reg_alloc_order_count; i++) {
        int r = tcg_target_reg_alloc_order[i];
        if (!(reserved_regs & (1u << r))) {
            regs[nregs++] = r;
        }
    }
    nregs -= 4;
    if (nregs > TCG_LOOP_MAX_REGS) {
        nregs = TCG_LOOP_MAX_REGS;
    }
    /* the most used globals first */
    while (L->n < nregs) {
        int best = -1;
        for (int g = 0; g < s->nb_globals; g++) {
            if (uses[g] > 0 && (best < 0 || uses[g] > uses[best])) {
                best = g;
            }
        }
        if (best < 0) {
            break;
        }
        L->temp[L->n] = best;
        L->reg[L->n] = regs[L->n];
        L->written[L->n] = written[best];
        L->regs |= 1u << regs[L->n];
        L->n++;
        uses[best] = 0;
    }
}

int tcg_loop_index(const TCGContext *s, int temp)
{
    for (int k = 0; k < s->loop.n; k++) {
        if (s->loop.temp[k] == temp) {
            return k;
        }
    }
    return -1;
}

void tcg_loop_parallel_moves(TCGContext *s, TCGLoopMove *m, int n, int scratch)
{
    while (n > 0) {
        bool progress = false;
        for (int i = 0; i < n; i++) {
            bool blocked = false;
            for (int j = 0; j < n; j++) {
                blocked |= j != i && m[j].src_reg == m[i].dst_reg;
            }
            if (!blocked) {
                tcg_target_out_mov(s, TCG_TYPE_I64, m[i].dst_reg, m[i].src_reg);
                m[i] = m[--n];
                progress = true;
                break;
            }
        }
        if (!progress) {
            /* only cycles are left: park one source in the scratch register */
            tcg_target_out_mov(s, TCG_TYPE_I64, scratch, m[0].src_reg);
            m[0].src_reg = scratch;
        }
    }
}
