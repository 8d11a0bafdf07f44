/* ROL and ROR of 32-bit registers by an immediate count, which the translator
 * turns into one host 32-bit rotate of the 64-bit register whose result is
 * zero-extended (tcg/optimize.c, fuse_rotate32): the result with garbage in
 * the source's upper half, in place and into another register, the flags
 * after it (CF and OF from the rotate, the rest from the op before) by PUSHF,
 * also in the next block (cc_rot is kept only where the state reads it:
 * tcg/liveness.c), a hot sha256-style rotate/xor chain, and the flags in a
 * SIGSEGV handler when a load after a rotate faults. Printed values are
 * compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"

static const ulong values[] = {
    0, 1, 0x80000000UL, 0xffffffffUL, 0x12345678UL, 0x7fffffffUL, 0x9abcdef1UL,
#ifdef __x86_64__
    0xffffffff00000000UL, 0x8000000000000001UL, 0xfedcba9876543210UL, 0x00000001ffffffffUL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

/* "sub b, c; OP $n, x": x (all 64 bits) and the flags; in place */
#define ROT_IN_PLACE(op, n, a, b) ({                                                \
    ulong f_, x_ = (a), c_ = (a);                                                  \
    __asm__ volatile("sub %3, %2\n\t" op "l $" #n ", %k1\n\tpushf\n\tpop %0"            \
                     : "=r"(f_), "+r"(x_), "+r"(c_) : "r"((ulong)(b)) : "cc");        \
    mix(x_); mix(c_); f_ & ARITH_FLAGS; })

/* "mov x, y; and b, c; OP $n, y": y, the untouched x and the flags */
#define ROT_COPY(op, n, a, b) ({                                                    \
    ulong f_, x_ = (a), y_ = (ulong)0x5555aaaa5555aaaaULL, c_ = (b);                       \
    __asm__ volatile("mov %k2, %k1\n\tand %2, %3\n\t" op "l $" #n ", %k1\n\tpushf\n\tpop %0" \
                     : "=r"(f_), "+r"(y_), "+r"(x_), "+r"(c_) : : "cc");              \
    mix(x_); mix(y_); mix(c_); f_ & ARITH_FLAGS; })

/* "sub b, c; OP $n, x", then the flags in the next block (a jump between) */
#define ROT_JUMP(op, n, a, b) ({                                                    \
    ulong f_, x_ = (a), c_ = (a);                                                  \
    __asm__ volatile("sub %3, %2\n\t" op "l $" #n ", %k1\n\tjmp 1f\n\t.p2align 6\n1:\n\t" \
                     "pushf\n\tpop %0"                                              \
                     : "=r"(f_), "+r"(x_), "+r"(c_) : "r"((ulong)(b)) : "cc");        \
    mix(x_); f_ & ARITH_FLAGS; })

#define COUNTS(X, op) X(op, 1) X(op, 2) X(op, 6) X(op, 7) X(op, 11) X(op, 13) X(op, 16) \
    X(op, 17) X(op, 25) X(op, 31)

static void rotates(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j];
#define X(op, c) mix(ROT_IN_PLACE(op, c, a, b)); mix(ROT_COPY(op, c, a, b));       \
                 mix(ROT_JUMP(op, c, a, b)); n += 3;
            COUNTS(X, "ror") COUNTS(X, "rol")
#undef X
        }
    }
    report("sub/and; rol/ror r32, imm; [jmp;] pushf", n);
}

/* sha256's big sigma 1 and a round-like chain, hot enough to be traced */
static uint32_t ror32(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void hot_chain(void)
{
    uint32_t a = 0x6a09e667, e = 0x510e527f, h = 0x5be0cd19;
    for (int k = 0; k < 200000; k++) {
        uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
        uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
        uint32_t t = h + s1 + (uint32_t)k;
        h = e;
        e = a + t;
        a = t + s0 + ((uint32_t)k * 0x9e3779b9u);
    }
    mix(a);
    mix(e);
    mix(h);
    report("hot ror/xor chain", 200000);
}

/* a rotate's flags when the load right after it faults (the block then ends
 * in a conditional jump after an ADD: cc_rot is needed only by the fault) */
static ulong rot_then_load(unsigned i, unsigned j, int k, const ulong *p)
{
    ulong x = values[i], y = values[j], v;
    __asm__ volatile("cmp %2, %1\n\trorl $7, %k1\n\tmov (%3), %0\n\t"
                     "add %0, %1\n\tjc 1f\n\tinc %0\n1:"
                     : "=&r"(v), "+r"(x) : "r"(y), "r"(p + (k & 1)) : "cc", "memory");
    return v + x;
}

int main(void)
{
    rotates();
    hot_chain();
    fault_walk("ror r32; faulting load", NV, 40, rot_then_load);
    return 0;
}
