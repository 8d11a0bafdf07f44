/*
 * Atomic read-modify-write helpers for user mode (target-i386/atomic_helper.c),
 * called by the code translate-atomic.c generates for LOCK-prefixed
 * instructions, XCHG with memory and CMPXCHG8B/16B.
 */
#ifndef TARGET_I386_ATOMIC_HELPER_H
#define TARGET_I386_ATOMIC_HELPER_H

#include <stdint.h>
#include "target-i386/cpu.h"

/* what helper_atomic_rmw does to the memory operand */
enum { ATOMIC_ADD, ATOMIC_AND, ATOMIC_OR, ATOMIC_XOR, ATOMIC_XCHG, ATOMIC_NEG, ATOMIC_NOT };
/* desc: the ATOMIC_* operation | operand size (MO_8..MO_64) << 8 */
#define ATOMIC_DESC(op, ot) ((uint32_t)(op) | (uint32_t)(ot) << 8)

/* The operand at guest addr becomes (old op val) in one host atomic
 * operation; returns old (zero-extended). Faults as the guest access would. */
uint64_t helper_atomic_rmw(CPUX86State *env, uint64_t addr, uint64_t val, uint32_t desc);
/* CMPXCHG: the operand becomes newv when it equals expected; returns old. */
uint64_t helper_atomic_cmpxchg(CPUX86State *env, uint64_t addr, uint64_t expected,
                               uint64_t newv, uint32_t ot);
/* CMPXCHG8B/16B m64/m128 (EDX:EAX vs. memory, ECX:EBX stored), flags as ZF. */
void helper_atomic_cmpxchg8b(CPUX86State *env, uint64_t addr);
void helper_atomic_cmpxchg16b(CPUX86State *env, uint64_t addr);

#endif
