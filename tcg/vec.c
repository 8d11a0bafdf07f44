/*
 * Building the IR's vector ops (tcg/vec.h): argument checks and the question
 * to the back end.
 */
#include <stdlib.h>
#include "tcg/vec.h"
#include "tcg/tcg-backend.h"

bool tcg_has_vec(TCGContext *s, unsigned kind)
{
    return kind < TCG_VEC_NB_ALL_KINDS && tcg_target_has_vec(s, kind);
}

TCGv tcg_gen_vec(TCGContext *s, unsigned kind, intptr_t dst_off, intptr_t src0_off,
                 intptr_t src1_off, intptr_t src2_off, TCGv lo, TCGv hi,
                 intptr_t flag_off, uint8_t flag_mask)
{
    if (!tcg_has_vec(s, kind)) {
        fprintf(stderr, "tcg: vector kind %u not supported by the back end\n", kind);
        abort();
    }
    if (src2_off >= 0) {
        lo = hi = tcg_env(s);      /* unused, and already in a register */
    }
    TCGv done = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv vals[3] = { done, lo, hi };
    if (flag_off != (int32_t)flag_off || kind >= 1u << 24) {
        fprintf(stderr, "tcg: vector op arguments out of range\n");
        abort();
    }
    TCGArg cargs[5] = { (TCGArg)TCG_VEC_CARG(kind, flag_off, flag_mask), dst_off, src0_off,
                        src1_off, src2_off };
    tcg_gen_op_raw(s, INDEX_op_vec, TCG_TYPE_I64, vals, 3, cargs, 5);
    return done;
}
