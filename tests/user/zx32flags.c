/* 32-bit ALU results written to a register zero-extend it (SDM vol. 1,
 * 3.4.1.1), and the flags come from the 32-bit result: the translator computes
 * some such ops into a temp and then writes the register, and skips that move
 * when nothing else reads the temp (tcg/optimize.c, narrow_to_32): every op
 * with garbage in the upper halves of its operands, the whole register and
 * the flags after it by PUSHF, in a straight line and in a hot loop. Printed
 * values are compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"

static const ulong values[] = {
    0, 1, 2, 0x7f, 0x80000000UL, 0xffffffffUL, 0x7fffffffUL, 0x12345678UL, 0x9abcdef1UL,
#ifdef __x86_64__
    0xffffffff00000000UL, 0x8000000000000001UL, 0xfedcba9876543210UL, 0x00000001ffffffffUL,
    0x0123456789abcdefUL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

/* "sub b, c; OP": x (all bits), c and the flags OP defines (mask); ops read
 * %k1 (x) and %k3 (b) */
#define AFTER(ops, mask, a, b) ({                                                   \
    ulong f_, x_ = (a), c_ = (a);                                                  \
    __asm__ volatile("sub %3, %2\n\t" ops "\n\tpushf\n\tpop %0"                      \
                     : "=r"(f_), "+r"(x_), "+r"(c_) : "r"((ulong)(b)) : "cc");        \
    mix(x_); mix(c_); f_ & (mask); })

/* SDM vol. 2B: after a shift by more than 1, AF and OF are undefined; after
 * IMUL, all but CF and OF */
#define SHIFTED (ARITH_FLAGS & ~0x810UL)
#define OPS(X)                                                                      \
    X("notl %k1", ARITH_FLAGS) X("negl %k1", ARITH_FLAGS) X("shll $3, %k1", SHIFTED)  \
    X("shll $31, %k1", SHIFTED) X("shrl $5, %k1", SHIFTED) X("sarl $7, %k1", SHIFTED) \
    X("addl %k3, %k1", ARITH_FLAGS) X("subl %k3, %k1", ARITH_FLAGS)                  \
    X("andl %k3, %k1", ARITH_FLAGS) X("orl %k3, %k1", ARITH_FLAGS)                   \
    X("xorl %k3, %k1", ARITH_FLAGS) X("imull %k3, %k1", 0x801UL)                     \
    X("incl %k1", ARITH_FLAGS) X("decl %k1", ARITH_FLAGS)                            \
    X("leal 7(%k1,%k3,4), %k1", ARITH_FLAGS) X("leal (%k3,%k3), %k1", ARITH_FLAGS)  \
    X("notl %k1\n\tandl %k3, %k1", ARITH_FLAGS) X("shll $24, %k1\n\tsarl $31, %k1", SHIFTED) \
    X("movl %k3, %k1\n\tnotl %k1", ARITH_FLAGS) X("addl %k1, %k1\n\tshrl $8, %k1", SHIFTED)

static void straight(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j];
#define X(ops, mask) mix(AFTER(ops, mask, a, b)); n++;
            OPS(X)
#undef X
        }
    }
    report("32-bit ops; pushf", n);
}

/* the same ops, hot: each pass feeds the last result into the next */
static void hot(void)
{
    ulong x = (ulong)0x0123456789abcdefULL, b = (ulong)0xfedcba9876543210ULL, f;
    for (int k = 0; k < 100000; k++) {
        __asm__ volatile("notl %k1\n\tshll $3, %k1\n\tleal 7(%k1,%k2,4), %k1\n\t"
                         "xorl %k2, %k1\n\tshll $24, %k2\n\tsarl $31, %k2\n\t"
                         "addl %k1, %k2\n\tpushf\n\tpop %0"
                         : "=r"(f), "+r"(x), "+r"(b) : : "cc");
        mix(f & ARITH_FLAGS);
        x += (ulong)k << 20;
        b ^= x;
    }
    mix(x);
    mix(b);
    report("hot 32-bit op chain", 100000);
}

int main(void)
{
    straight();
    hot();
    return 0;
}
