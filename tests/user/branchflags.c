/* Branches and SETcc/CMOVcc on the result of ADD, SUB, AND, OR, XOR, INC, DEC
 * and NEG, which the x86-64 back end answers from the flags of the host
 * instruction that computed the value, without a TEST (tcg/x86_64/ops.c,
 * flags_answer): every sign and zero condition at 32 and 64 bits, a 64-bit
 * result branched on at 32 bits or overwritten by a MOV first (the flags must
 * not be reused then), hot `dec; jnz` and `sub; jg` loops, and REP
 * STOSB/MOVSB/CMPSB right after an arithmetic op on rCX (a loop label inside
 * the instruction: the flags must be tested again there). Also every Jcc
 * after a 32-bit CMP, whose operands are compared without their extensions
 * (tcg/optimize.c, narrow_compare). Printed values are compared with a native
 * run (tests/check-user.sh). */
#include "flag-hash.h"

static const ulong values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL, 0x12345678UL,
#ifdef __x86_64__
    0x100000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL,
    0xffffffff00000000UL, 0xfedcba9800000000UL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

/* "INS; Jcc" (INS writes %1 from %2) for the eight zero/sign conditions: one bit each */
#define BRANCHES(ins, x, b) ({                                                   \
    ulong bits_ = 0, x_;                                                        \
    for (int k_ = 0; k_ < 8; k_++) {                                            \
        ulong t_ = 0;                                                           \
        x_ = (x);                                                               \
        switch (k_) {                                                           \
        case 0: __asm__ volatile(ins "\n\tje 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 1: __asm__ volatile(ins "\n\tjne 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 2: __asm__ volatile(ins "\n\tjs 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 3: __asm__ volatile(ins "\n\tjns 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 4: __asm__ volatile(ins "\n\tjl 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 5: __asm__ volatile(ins "\n\tjge 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        case 6: __asm__ volatile(ins "\n\tjle 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        default: __asm__ volatile(ins "\n\tjg 1f\n\tmov $1, %0\n1:" : "+r"(t_), "+r"(x_) : "r"((ulong)(b)) : "cc"); break; \
        }                                                                       \
        bits_ |= t_ << k_;                                                      \
    }                                                                           \
    mix(x_); bits_; })

/* "OP b, x; sete; sets; cmovl" */
#define SETS(op, m, x, b) ({                                                       \
    unsigned char z_, s_;                                                       \
    ulong x_ = (x), c_ = 0;                                                     \
    __asm__ volatile(op " %" m "4, %" m "3\n\tsete %0\n\tsets %1\n\tcmovl %" m "4, %" m "2" \
                     : "=m"(z_), "=m"(s_), "+r"(c_), "+r"(x_) : "r"((ulong)(b)) : "cc"); \
    mix(x_); mix(c_); (ulong)z_ << 1 | s_; })

#ifdef __x86_64__
#define WIDTHS(X, op) X(op, "k") X(op, "q")
#else
#define WIDTHS(X, op) X(op, "k")
#endif

static void branches(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong x = values[i], b = values[j];
#define X(op, m) mix(BRANCHES(op " %" m "2, %" m "1", x, b)); mix(SETS(op, m, x, b)); n++;
            WIDTHS(X, "add") WIDTHS(X, "sub") WIDTHS(X, "and") WIDTHS(X, "or")
            WIDTHS(X, "xor")
#undef X
        }
        /* one-operand forms: "inc x; jcc" (b unused) */
        ulong x = values[i];
#define X(op, m) mix(BRANCHES(op " %" m "1", x, x)); n++;
        WIDTHS(X, "inc") WIDTHS(X, "dec") WIDTHS(X, "neg")
#undef X
    }
    report("op; jcc x8, setcc, cmov", n);
}

/* a 64-bit result tested at 32 bits: the 64-bit flags do not answer */
static void narrower_test(void)
{
    unsigned n = 0;
#ifdef __x86_64__
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong x = values[i], t = 0;
            __asm__ volatile("sub %2, %1\n\ttest %k1, %k1\n\tjne 1f\n\tmov $1, %0\n1:"
                             : "+r"(t), "+r"(x) : "r"(values[j]) : "cc");
            mix(t);
            t = 0;
            x = values[i];
            __asm__ volatile("and %2, %1\n\ttest %k1, %k1\n\tjs 1f\n\tmov $1, %0\n1:"
                             : "+r"(t), "+r"(x) : "r"(values[j]) : "cc");
            mix(t);
            n++;
        }
    }
#endif
    /* the register overwritten by a MOV after the op: its flags are stale */
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong x = values[i], t = 0, y = values[j] ^ 1;
            __asm__ volatile("sub %2, %1\n\tmov %3, %1\n\ttest %1, %1\n\tjne 1f\n\tmov $1, %0\n1:"
                             : "+r"(t), "+r"(x) : "r"(values[j]), "r"(y) : "cc");
            mix(t);
            t = 0;
            x = values[i];
            __asm__ volatile("xor %2, %1\n\tmov %3, %1\n\ttest %1, %1\n\tjs 1f\n\tmov $1, %0\n1:"
                             : "+r"(t), "+r"(x) : "r"(values[j]), "r"(~values[i]) : "cc");
            mix(t);
            n++;
        }
    }
    report("op; 32-bit test / mov over", n);
}

static void loops(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        ulong count = (values[i] & 0x3ff) + 1, acc = 0, c = count;
        __asm__ volatile("1: add %1, %0\n\tdec %k1\n\tjnz 1b" : "+r"(acc), "+r"(c) : : "cc");
        mix(acc);
        long v = (long)(values[i] & 0xffff), steps = 0;
        __asm__ volatile("1: inc %1\n\tsub $7, %0\n\tjg 1b" : "+r"(v), "+r"(steps) : : "cc");
        mix((ulong)v);
        mix((ulong)steps);
        n++;
    }
    report("dec; jnz / sub; jg loops", n);
}

/* "cmp b, a; Jcc" at 32 bits, whose operands the optimizer compares without
 * their extensions (tcg/optimize.c, narrow_compare), the registers' upper
 * halves holding garbage; all 16 conditions, one bit each */
#define JCC32(cc) ({                                                               \
    ulong t_ = 0;                                                               \
    __asm__ volatile("cmp %k2, %k1\n\tj" cc " 1f\n\tmov $1, %0\n1:"                  \
                     : "+r"(t_) : "r"(a), "r"(b) : "cc");                      \
    t_; })

#ifdef __x86_64__
#define ROT32(v) ((v) << 32 | (v) >> 32)
#define SHL32(v) ((v) << 32)
#else
#define ROT32(v) 0UL                /* i386: no upper halves */
#define SHL32(v) 0UL
#endif

static void jcc_after_cmp32(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i] ^ ROT32(values[j]), b = values[j] ^ SHL32(values[i]);
            ulong bits = JCC32("o") | JCC32("no") << 1 | JCC32("b") << 2 | JCC32("ae") << 3 |
                         JCC32("e") << 4 | JCC32("ne") << 5 | JCC32("be") << 6 | JCC32("a") << 7 |
                         JCC32("s") << 8 | JCC32("ns") << 9 | JCC32("p") << 10 | JCC32("np") << 11 |
                         JCC32("l") << 12 | JCC32("ge") << 13 | JCC32("le") << 14 | JCC32("g") << 15;
            mix(bits);
            n++;
        }
    }
    report("cmp r32; jcc x16", n);
}

/* "sub k, rcx; rep stosb": the REP loop tests rCX = 0 at its own label */
static void rep_after_op(void)
{
    static unsigned char buf[64], src[64];
    unsigned n = 0;
    for (ulong c0 = 0; c0 < 8; c0++) {
        for (ulong k = 0; k < 4; k++) {
            ulong c = c0, left;
            unsigned char *d = buf;
            memset(buf, 0, sizeof(buf));
            __asm__ volatile("sub %3, %1\n\tjb 2f\n\tcld\n\trep stosb\n2:"
                             : "+D"(d), "+c"(c), "=m"(buf) : "r"(k), "a"(0x5aUL) : "cc");
            mix(c);
            mix((ulong)(d - buf));
            left = c0;
            const unsigned char *p = src;
            d = buf;
            __asm__ volatile("and %3, %1\n\tcld\n\trep movsb"
                             : "+D"(d), "+c"(left), "+S"(p) : "r"(k), "m"(src) : "cc", "memory");
            mix(left);
            mix((ulong)(d - buf));
#ifdef __x86_64__                   /* i386 has too few registers for it */
            /* the second AND leaves the stored cc state as it was, so the
             * REPE loop's label follows it directly; its back edge comes
             * with the flags of CMPSB */
            static const unsigned char s1[8] = "abcdefg", s2[8] = "abcdxfg";
            const unsigned char *q1 = s1, *q2 = s2;
            ulong c2 = c0, f;
            d = buf;
            p = src;
            __asm__ volatile("and %6, %2\n\trep movsb\n\tmov %5, %2\n\t"
                             "and %6, %2\n\tmov %7, %%rsi\n\tmov %8, %%rdi\n\t"
                             "repe cmpsb\n\tpushf\n\tpop %0"
                             : "=&r"(f), "+D"(d), "+c"(c2), "+S"(p), "=m"(buf)
                             : "r"(c0 + 3), "r"(k | 4), "r"(q1), "r"(q2)
                             : "cc", "memory");
            mix(f & ARITH_FLAGS);
            mix(c2);
            mix((ulong)(d - buf));
#endif
            for (unsigned b = 0; b < 16; b++) {
                mix(buf[b]);
            }
            n++;
        }
    }
    report("sub/and rcx; rep stos/movs", n);
}

int main(void)
{
    branches();
    narrower_test();
    jcc_after_cmp32();
    loops();
    rep_after_op();
    return 0;
}
