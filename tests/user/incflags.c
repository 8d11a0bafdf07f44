/* The flags of INC and DEC right after a subtraction (CMP, SUB, NEG, SCAS) of
 * the same size, whose carry the translator leaves in the subtraction's two
 * operands instead of computing it (target-i386/translate.h, CC_OP_INCSUB):
 * read by PUSHF, each SETcc, a rotate over them, after a chain of INC/DEC,
 * across a block boundary, in a SIGSEGV handler, at the end of a hot
 * `cmp; jae; dec; jne` loop, and with the sizes mixed (CF computed then).
 * Printed values are compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"

static const ulong values[] = {
    0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffffUL,
    0x80000000UL, 0xffffffffUL, 0x12345678UL,
#ifdef __x86_64__
    0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL, 0xfedcba9876543210UL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

/* "cmp b, a; OPS x; pushf": the flags and x, for one size */
#define AFTER(first, ops, sfx, m, cons, a, b, x) ({                               \
    ulong f_, x_ = (x);                                                         \
    __asm__ volatile(first sfx " %" m "3, %" m "2\n\t" ops "\n\tpushf\n\tpop %0"            \
                     : "=r"(f_), "+" cons(x_) : cons((ulong)(a)), cons((ulong)(b)) : "cc"); \
    mix(x_); f_ & ARITH_FLAGS; })

static void pushf_after(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j], x = values[(i + j) % NV];
#define X(sfx, m, cons)                                                             \
            mix(AFTER("cmp", "dec" sfx " %" m "1", sfx, m, cons, a, b, x));                 \
            mix(AFTER("cmp", "inc" sfx " %" m "1", sfx, m, cons, a, b, x));                 \
            mix(AFTER("cmp", "inc" sfx " %" m "1\n\tdec" sfx " %" m "1\n\tdec" sfx " %" m "1", \
                      sfx, m, cons, a, b, x));                                      \
            mix(AFTER("cmp", "dec" sfx " %" m "1\n\trol" sfx " $1, %" m "1", sfx, m, cons, a, b, x)); \
            mix(AFTER("cmp", "dec" sfx " %" m "1\n\tjmp 1f\n\t.p2align 6\n1:", sfx, m, cons, a, b, x)); \
            n += 5;
            SIZES(X) SIZES64(X)
#undef X
            /* sizes mixed: the INC's CF is computed from the CMP's */
            mix(AFTER("cmp", "decl %k1", "b", "b", "q", a, b, x));
            mix(AFTER("cmp", "incw %w1", "l", "k", "r", a, b, x));
            n += 2;
        }
    }
    report("cmp; inc/dec ...; pushf", n);
}

/* every SETcc after "cmp b, a; dec x" (SDM vol. 2B, SETcc), and SUB, NEG */
#define SETCC_ALL(first, sfx, m, cons, a, b, x) ({                                  \
    unsigned char r_[16];                                                       \
    ulong x_ = (x);                                                             \
    __asm__ volatile(first sfx " %" m "18, %" m "17\n\tdec" sfx " %" m "16\n\t"              \
                     SETCC16                                                \
                     : SETCC16_OUT(r_),  \
                       "+" cons(x_)                                             \
                     : cons((ulong)(a)), cons((ulong)(b)) : "cc");              \
    unsigned bits_ = 0;                                                         \
    for (int k_ = 0; k_ < 16; k_++) bits_ |= (unsigned)r_[k_] << k_;            \
    mix(x_); bits_; })

static void setcc_after(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j], x = values[(i * 3 + j) % NV];
#define X(sfx, m, cons)                                                             \
            mix(SETCC_ALL("cmp", sfx, m, cons, a, b, x));                           \
            mix(SETCC_ALL("sub", sfx, m, cons, a, b, x));                           \
            n += 2;
            SIZES(X) SIZES64(X)
#undef X
            x = a;
            ulong f;
            __asm__ volatile("neg %1\n\tinc %1\n\tpushf\n\tpop %0" : "=r"(f), "+r"(x) : : "cc");
            mix(f & ARITH_FLAGS);
            mix(x);
            n++;
        }
    }
    report("cmp/sub; dec; setcc x16, neg", n);
}

/* SCASB sets the flags of AL - [rDI]; then DEC of a byte register */
static void scas_then_dec(void)
{
    static const unsigned char bytes[] = { 0, 1, 0x7f, 0x80, 0xff, 0x10 };
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(bytes); i++) {
        for (unsigned j = 0; j < sizeof(bytes); j++) {
            const unsigned char *p = &bytes[j];
            ulong f, al = bytes[i], c = bytes[(i + j) % sizeof(bytes)];
            __asm__ volatile("cld\n\tscasb\n\tdecb %b2\n\tpushf\n\tpop %0"
                             : "=r"(f), "+D"(p), "+q"(c) : "a"(al) : "cc", "memory");
            mix(f & ARITH_FLAGS);
            mix(c);
            n++;
        }
    }
    report("scasb; dec", n);
}

/* gzip's longest_match shape, hot enough to be a translated loop: the flags
 * of the last DEC when the count runs out, and of the CMP that left early */
static ulong hot_loop(ulong count, ulong limit, ulong step)
{
    ulong f, v = 0;
    __asm__ volatile("1: add %4, %1\n\t"
                     "cmp %3, %1\n\t"
                     "jae 2f\n\t"
                     "dec %2\n\t"
                     "jne 1b\n"
                     "2: pushf\n\tpop %0"
                     : "=r"(f), "+r"(v), "+r"(count) : "r"(limit), "r"(step) : "cc");
    mix(v);
    mix(count);
    return f & ARITH_FLAGS;
}

static void loops(void)
{
    unsigned n = 0;
    for (unsigned i = 1; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            mix(hot_loop(300 + i, values[j], values[i] & 0xff));
            n++;
        }
    }
    report("cmp; jae; dec; jne loop", n);
}

/* A fault on a load right after "cmp; dec": the handler's saved flags */
static __attribute__((noinline)) ulong dec_then_load(ulong a, ulong b, ulong x, const ulong *p)
{
    ulong t;
    __asm__ volatile("cmp %2, %1\n\tdec %3\n\tmov (%4), %0"
                     : "=&r"(t), "+r"(a), "+r"(b), "+r"(x) : "r"(p) : "cc", "memory");
    return t + x;
}

static ulong run_dec_then_load(unsigned i, unsigned j, int k, const ulong *p)
{
    (void)k;
    return dec_then_load(values[i], values[j], values[(i + j) % NV], p);
}

static void fault_after_dec(void)
{
    fault_walk("SIGSEGV after cmp; dec", NV, 50, run_dec_then_load);
}

int main(void)
{
    pushf_after();
    setcc_after();
    scas_then_dec();
    loops();
    fault_after_dec();
    return 0;
}
