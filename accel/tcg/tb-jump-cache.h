/*
 * The per-CPU jump cache: the last block found for each hash of a guest pc. Both
 * the C lookup (helper_lookup_tb_ptr, tb_lookup) and the probe that generated
 * code runs inline for indirect jumps (tcg_gen_lookup_and_goto_ptr, described by
 * tb_jump_cache_probe) take its layout and hash from here, so they cannot drift.
 *
 * Generated code holds the address of the cache of the CPU that translated it.
 * That is right while each CPU has its own TB cache (cpu_exec_new); CPUs sharing
 * one (user-mode threads) all use one jump cache owned by the TB cache, whose
 * stop word only serves -d exec: their exits go through a per-CPU flag tested
 * at block start (tb-cache.c).
 */
#ifndef ACCEL_TCG_TB_JUMP_CACHE_H
#define ACCEL_TCG_TB_JUMP_CACHE_H

#include <stdint.h>
#include "tcg/tcg.h"

#define TB_JUMP_CACHE_BITS 12
#define TB_JUMP_CACHE_SHIFT TB_JUMP_CACHE_BITS

struct TBEntry;

typedef struct TBJumpCache {
    /* Nonzero: generated code must not follow the cache and calls the helper,
     * which then leaves to the execution loop (cpu_exit requested, or every
     * block must return to the loop for -d exec). Written from signal handlers. */
    volatile int32_t stop;
    struct TBEntry *slot[1 << TB_JUMP_CACHE_BITS];
} TBJumpCache;

static inline unsigned jump_cache_hash(uint64_t pc)
{
    return (unsigned)((pc ^ (pc >> TB_JUMP_CACHE_SHIFT)) & ((1u << TB_JUMP_CACHE_BITS) - 1));
}

/* Describes cache for tcg_gen_lookup_and_goto_ptr (miss path: helper_lookup_tb_ptr). */
void tb_jump_cache_probe(const TBJumpCache *cache, TCGJumpCacheProbe *out);

#endif
