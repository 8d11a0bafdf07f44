/*
 * Indirect jumps: the jump-cache probe as IR. Emitting it as ordinary ops keeps
 * the back-end interface unchanged and lets every back end run the common case
 * (the target block is in the cache) without leaving generated code; only a miss
 * calls the execution layer's helper. The cache layout comes from the execution
 * layer (TCGJumpCacheProbe), so this file knows no guest and no cache structure.
 */
#include <stdlib.h>
#include "tcg/tcg-internal.h"

void tcg_set_jump_cache_probe(TCGContext *s, const TCGJumpCacheProbe *probe)
{
    s->has_jump_cache_probe = probe != NULL;
    if (probe) {
        s->jump_cache_probe = *probe;
    }
}

/* Host address of the slot for pc: table + slots_offset + 8 * hash(pc). */
static TCGv gen_slot_address(TCGContext *s, const TCGJumpCacheProbe *p, TCGv pc)
{
    TCGv hash = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_shri(s, hash, pc, p->hash_shift);
    tcg_gen_xor(s, hash, hash, pc);
    tcg_gen_andi(s, hash, hash, (int64_t)((1ull << p->hash_bits) - 1));
    tcg_gen_shli(s, hash, hash, 3);
    tcg_gen_addi(s, hash, hash, (int64_t)(intptr_t)p->table + p->slots_offset);
    return hash;
}

/* Branches to miss unless the field at entry + offset equals want. */
static void gen_field_check(TCGContext *s, TCGOpcode load, TCGv entry, intptr_t offset,
                            TCGv want, TCGLabel *miss)
{
    TCGv field = tcg_temp_new(s, tcg_temp_type(want));
    tcg_gen_ld(s, load, field, entry, offset);
    tcg_gen_brcond(s, TCG_COND_NE, field, want, miss);
    tcg_temp_free(s, field);
}

static void gen_probe(TCGContext *s, const TCGJumpCacheProbe *p, TCGv pc, TCGv cs_base,
                      TCGv flags, TCGLabel *miss)
{
    TCGv table = tcg_constant(s, TCG_TYPE_PTR, (int64_t)(intptr_t)p->table);
    TCGv stop = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_ld(s, INDEX_op_ld32u, stop, table, p->stop_offset);
    tcg_gen_brcondi(s, TCG_COND_NE, stop, 0, miss);
    tcg_temp_free(s, stop);

    TCGv slot = gen_slot_address(s, p, pc);
    TCGv entry = tcg_temp_new(s, TCG_TYPE_PTR);
    tcg_gen_ld(s, INDEX_op_ld, entry, slot, 0);
    tcg_temp_free(s, slot);
    tcg_gen_brcondi(s, TCG_COND_EQ, entry, 0, miss);
    gen_field_check(s, INDEX_op_ld, entry, p->entry_pc, pc, miss);
    gen_field_check(s, INDEX_op_ld32u, entry, p->entry_flags, flags, miss);
    gen_field_check(s, INDEX_op_ld, entry, p->entry_cs_base, cs_base, miss);
    gen_field_check(s, INDEX_op_ld8u, entry, p->entry_invalid,
                    tcg_constant(s, TCG_TYPE_I32, 0), miss);

    TCGv host = tcg_temp_new(s, TCG_TYPE_PTR);
    tcg_gen_ld(s, INDEX_op_ld, host, entry, p->entry_host_code);
    tcg_gen_goto_ptr(s, host);
}

void tcg_gen_lookup_and_goto_ptr(TCGContext *s, TCGv pc, TCGv cs_base, TCGv flags)
{
    if (!s->has_jump_cache_probe) {
        fprintf(stderr, "quetzal: tcg_gen_lookup_and_goto_ptr without a jump cache probe\n");
        abort();
    }
    const TCGJumpCacheProbe *p = &s->jump_cache_probe;
    if (tcg_temp_type(pc) != TCG_TYPE_I64 || tcg_temp_type(cs_base) != TCG_TYPE_I64 ||
        tcg_temp_type(flags) != TCG_TYPE_I32) {
        fprintf(stderr, "quetzal: tcg_gen_lookup_and_goto_ptr: pc, cs_base must be i64, flags i32\n");
        abort();
    }
    if (p->table) {
        TCGLabel *miss = tcg_gen_new_label(s);
        gen_probe(s, p, pc, cs_base, flags, miss);
        tcg_gen_set_label(s, miss);
    }
    TCGv host = tcg_temp_new(s, TCG_TYPE_PTR);
    TCGv env = tcg_env(s);
    /* the miss helper reads the pc state and writes no global; the lazy flags
     * only the loop it may return to reads, through their selector */
    tcg_gen_call(s, (void *)p->miss_helper, TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_CHAIN_BY_SELECTOR,
                 host, 1, &env);
    tcg_gen_goto_ptr(s, host);
}
