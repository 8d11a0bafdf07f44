/*
 * Atomic read-modify-write helpers for user mode: guest threads run on host
 * threads at the same time, so a LOCK-prefixed instruction (Intel SDM vol. 2A,
 * LOCK; vol. 3A, 9.1.2.2 "Software Controlled Bus Locking"), XCHG with memory
 * (always locked) and CMPXCHG8B/16B become one host atomic operation on the
 * guest operand (host memory at guest_base + address), with the __atomic
 * builtins: the same instruction or its compare-exchange loop on the x86-64
 * host, so it is atomic against every other access, locked or not.
 */
#include "target-i386/atomic_helper.h"
#include "target-i386/translate.h"

/* The operand's host address, after the access checks the guest's would make
 * (a page holding translated code gets its write access back first). */
static void *operand(CPUX86State *env, uint64_t addr, unsigned size, uintptr_t ra)
{
    if (!(env->hflags & HF_CS64)) {
        addr = (uint32_t)addr;
    }
    return x86_guest_memory(env, addr, size, PAGE_READ | PAGE_WRITE, ra);
}

/* One size: fetch-op builtins where they exist, else a compare-exchange loop. */
#define DEFINE_RMW(name, type)                                                  \
static uint64_t name(type *m, int op, type val)                                 \
{                                                                               \
    switch (op) {                                                               \
    case ATOMIC_ADD: return __atomic_fetch_add(m, val, __ATOMIC_SEQ_CST);      \
    case ATOMIC_AND: return __atomic_fetch_and(m, val, __ATOMIC_SEQ_CST);      \
    case ATOMIC_OR: return __atomic_fetch_or(m, val, __ATOMIC_SEQ_CST);        \
    case ATOMIC_XOR: return __atomic_fetch_xor(m, val, __ATOMIC_SEQ_CST);      \
    case ATOMIC_XCHG: return __atomic_exchange_n(m, val, __ATOMIC_SEQ_CST);    \
    default: {                                                                  \
        type old = __atomic_load_n(m, __ATOMIC_SEQ_CST), next;                  \
        do {                                                                    \
            next = op == ATOMIC_NEG ? (type)-old : (type)~old;                  \
        } while (!__atomic_compare_exchange_n(m, &old, next, false,             \
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)); \
        return old;                                                             \
    }                                                                           \
    }                                                                           \
}
DEFINE_RMW(rmw8, uint8_t)
DEFINE_RMW(rmw16, uint16_t)
DEFINE_RMW(rmw32, uint32_t)
DEFINE_RMW(rmw64, uint64_t)

uint64_t helper_atomic_rmw(CPUX86State *env, uint64_t addr, uint64_t val, uint32_t desc)
{
    int op = desc & 0xff, ot = (desc >> 8) & 3;
    void *m = operand(env, addr, 1u << ot, GETPC());
    switch (ot) {
    case MO_8: return rmw8(m, op, (uint8_t)val);
    case MO_16: return rmw16(m, op, (uint16_t)val);
    case MO_32: return rmw32(m, op, (uint32_t)val);
    default: return rmw64(m, op, val);
    }
}

uint64_t helper_atomic_cmpxchg(CPUX86State *env, uint64_t addr, uint64_t expected,
                               uint64_t newv, uint32_t ot)
{
    void *m = operand(env, addr, 1u << ot, GETPC());
    switch (ot) {
    case MO_8: {
        uint8_t old = (uint8_t)expected;
        __atomic_compare_exchange_n((uint8_t *)m, &old, (uint8_t)newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return old;
    }
    case MO_16: {
        uint16_t old = (uint16_t)expected;
        __atomic_compare_exchange_n((uint16_t *)m, &old, (uint16_t)newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return old;
    }
    case MO_32: {
        uint32_t old = (uint32_t)expected;
        __atomic_compare_exchange_n((uint32_t *)m, &old, (uint32_t)newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return old;
    }
    default: {
        uint64_t old = expected;
        __atomic_compare_exchange_n((uint64_t *)m, &old, newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return old;
    }
    }
}

/* ZF after CMPXCHG8B/16B, the other flags kept (SDM vol. 2A, CMPXCHG8B/CMPXCHG16B) */
static void set_zf(CPUX86State *env, bool equal)
{
    uint64_t flags = x86_cc_compute_all(env);
    env->cc_src = equal ? (flags | CC_Z) : (flags & ~(uint64_t)CC_Z);
    env->cc_op = CC_OP_EFLAGS;
}

void helper_atomic_cmpxchg8b(CPUX86State *env, uint64_t addr)
{
    uint64_t *m = operand(env, addr, 8, GETPC());
    uint64_t old = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    uint64_t v = (env->regs[R_ECX] << 32) | (uint32_t)env->regs[R_EBX];
    bool equal = __atomic_compare_exchange_n(m, &old, v, false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
    if (!equal) {
        env->regs[R_EAX] = (uint32_t)old;
        env->regs[R_EDX] = old >> 32;
    }
    set_zf(env, equal);
}

void helper_atomic_cmpxchg16b(CPUX86State *env, uint64_t addr)
{
    if (addr & 15) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    uint64_t *m = operand(env, addr, 16, GETPC());
    uint64_t lo = env->regs[R_EAX], hi = env->regs[R_EDX];
    bool equal;
    /* the host's CMPXCHG16B itself (x86-64 hosts have it: the translator's
     * back end is x86-64 only), without a libatomic call */
    __asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
                     : "=q"(equal), "+m"(*(unsigned __int128 *)m), "+a"(lo), "+d"(hi)
                     : "b"(env->regs[R_EBX]), "c"(env->regs[R_ECX])
                     : "memory", "cc");
    if (!equal) {
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
    }
    set_zf(env, equal);
}
