/* The flags of CMP and the other subtractions (SUB, NEG, CMPXCHG, LOCK SUB,
 * CMPS/SCAS), which the translator keeps as their two operands only (no
 * difference is computed: target-i386/translate.h, CC_OP_SUB), read back every
 * way a program can: PUSHF, each SETcc, Jcc on the sign, a rotate or a
 * zero-count shift layered over them, a SIGSEGV right after a CMP at the start
 * of a chained block (the flags come from registers then), and a CMP whose
 * immediate is rewritten between runs. Sizes 8 to 64 bits (32 for i386).
 * Printed values are compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"

static const ulong values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffffUL, 0x80000000UL,
    0xffffffffUL, 0x12345678UL, 0x9abcdef0UL,
#ifdef __x86_64__
    0x100000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL,
    0x123456789abcdef0UL, 0xfedcba9876543210UL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

/* OP then pushf: the flags of "op b, a" for one size suffix and register kind */
#define FLAGS_OF(insn, sfx, m, cons, a, b) ({                                      \
    ulong f_, a_ = (a);                                                         \
    __asm__ volatile(insn sfx " %" m "2, %" m "1\n\tpushf\n\tpop %0"                      \
                     : "=r"(f_), "+" cons(a_) : cons((ulong)(b)) : "cc");      \
    mix(a_); f_ & ARITH_FLAGS; })

static void pushf_after(const char *insn, const char *name)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j];
            if (!strcmp(insn, "cmp")) {
#define X(sfx, m, cons) mix(FLAGS_OF("cmp", sfx, m, cons, a, b)); n++;
                SIZES(X) SIZES64(X)
#undef X
            } else {
#define X(sfx, m, cons) mix(FLAGS_OF("sub", sfx, m, cons, a, b)); n++;
                SIZES(X) SIZES64(X)
#undef X
            }
        }
    }
    report(name, n);
}

/* every SETcc after "cmp b, a", one bit each (SDM vol. 2B, SETcc) */
#define SETCC_ALL(sfx, m, cons, a, b) ({                                           \
    unsigned char r_[16];                                                       \
    __asm__ volatile("cmp" sfx " %" m "17, %" m "16\n\t"                                  \
                     SETCC16                                                \
                     : SETCC16_OUT(r_)   \
                     : cons((ulong)(a)), cons((ulong)(b)) : "cc");              \
    unsigned bits_ = 0;                                                         \
    for (int k_ = 0; k_ < 16; k_++) bits_ |= (unsigned)r_[k_] << k_;            \
    bits_; })

/* the sign alone, by a branch: "cmp b, a; js" */
#define JS_AFTER(sfx, m, cons, a, b) ({                                            \
    ulong s_ = 0;                                                               \
    __asm__ volatile("cmp" sfx " %" m "2, %" m "1\n\tjns 1f\n\tmov $1, %0\n1:"            \
                     : "+r"(s_) : cons((ulong)(a)), cons((ulong)(b)) : "cc");   \
    s_; })

static void setcc_after(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j];
#define X(sfx, m, cons) mix(SETCC_ALL(sfx, m, cons, a, b)); mix(JS_AFTER(sfx, m, cons, a, b)); n++;
            SIZES(X) SIZES64(X)
#undef X
        }
    }
    report("cmp; setcc x16, js", n);
}

/* a rotate by one (CF, OF its own, the rest CMP's) and a shift by CL = 0
 * (flags unchanged: SDM vol. 2B, SAL/SAR/SHL/SHR) over a CMP */
static void layered(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j], f1, f2, x = a;
            __asm__ volatile("cmpl %k3, %k2\n\trorl $1, %k2\n\tpushf\n\tpop %0"
                             : "=r"(f1), "+r"(x) : "r"(x), "r"(b) : "cc");
            mix(f1 & ARITH_FLAGS);
            x = a;
            __asm__ volatile("cmp %3, %1\n\tshl %%cl, %1\n\tpushf\n\tpop %0"
                             : "=r"(f2), "+r"(x) : "c"(0UL), "r"(b) : "cc");
            mix(f2 & ARITH_FLAGS);
            n++;
        }
    }
    report("cmp; ror 1 / shl cl=0", n);
}

/* NEG, CMPXCHG (equal and not), LOCK SUB, REPE CMPSB, SCASB */
static void other_subtractions(void)
{
    unsigned n = 0;
    static unsigned char s1[8] = "abcdefg", s2[8] = "abcxefg";
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j], f, x = a, acc = b, mem = a;
            __asm__ volatile("neg %1\n\tpushf\n\tpop %0" : "=r"(f), "+r"(x) : : "cc");
            mix(f & ARITH_FLAGS);
            mix(x);
            x = a;
            __asm__ volatile("cmpxchg %3, %1\n\tpushf\n\tpop %0"
                             : "=r"(f), "+m"(mem), "+a"(acc) : "r"(x) : "cc", "memory");
            mix(f & ARITH_FLAGS);
            mix(acc);
            acc = a;
            __asm__ volatile("cmpxchg %3, %1\n\tpushf\n\tpop %0"
                             : "=r"(f), "+m"(mem), "+a"(acc) : "r"(b) : "cc", "memory");
            mix(f & ARITH_FLAGS);
            mem = a;
            __asm__ volatile("lock sub %2, %1\n\tpushf\n\tpop %0"
                             : "=r"(f), "+m"(mem) : "r"(b) : "cc", "memory");
            mix(f & ARITH_FLAGS);
            mix(mem);
            n++;
        }
    }
    for (unsigned k = 0; k <= 8; k++) {
        const unsigned char *p = s1, *q = s2;
        ulong c = k, f;
        __asm__ volatile("cld\n\trepe cmpsb\n\tpushf\n\tpop %0"
                         : "=r"(f), "+S"(p), "+D"(q), "+c"(c) : : "cc", "memory");
        mix(f & ARITH_FLAGS);
        mix(c);
        q = s2;
        c = 8;
        __asm__ volatile("cld\n\trepne scasb\n\tpushf\n\tpop %0"
                         : "=r"(f), "+D"(q), "+c"(c) : "a"((ulong)"abcxefg"[k % 7]) : "cc", "memory");
        mix(f & ARITH_FLAGS);
        mix(c);
        n++;
    }
    report("neg, cmpxchg, lock sub, cmps", n);
}

/* A fault right after a CMP that starts a block reached by a chained jump
 * (the block before sets other flags first): the handler's saved flags. */
static __attribute__((noinline)) ulong cmp_then_load(ulong a, ulong b, const ulong *p)
{
    ulong t;
    __asm__ volatile("add $3, %1\n\t"
                     "jmp 1f\n\t"
                     ".p2align 12\n"          /* the CMP starts a block on the next page */
                     "1: cmp %2, %1\n\t"
                     "mov (%3), %0"
                     : "=&r"(t), "+r"(a) : "r"(b), "r"(p) : "cc", "memory");
    return t + a;
}

static ulong run_cmp_then_load(unsigned i, unsigned j, int k, const ulong *p)
{
    return cmp_then_load(values[i] + k, values[j], p);
}

static void fault_after_cmp(void)
{
    fault_walk("SIGSEGV after a chained cmp", NV, 200, run_cmp_then_load);
}

/* "cmp eax, imm32; pushf; pop eax; ret" in a code buffer, its immediate
 * rewritten before each run (the same bytes in 32- and 64-bit mode) */
static void rewritten_cmp(void)
{
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static const unsigned char body[] = { 0x3d, 0, 0, 0, 0, 0x9c, 0x58, 0xc3 };
    unsigned n = 0;
    memcpy(code, body, sizeof(body));
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            uint32_t imm = (uint32_t)values[j];
            ulong r = values[i];
            memcpy(code + 1, &imm, 4);
            for (int k = 0; k < 3; k++) {
                ulong x = r;
#ifdef __x86_64__
                /* keep the call's return address out of the red zone */
                __asm__ volatile("sub $128, %%rsp\n\tcall *%1\n\tadd $128, %%rsp"
                                 : "+a"(x) : "r"(code) : "memory", "cc");
#else
                __asm__ volatile("call *%1" : "+a"(x) : "r"(code) : "memory", "cc");
#endif
                mix(x & ARITH_FLAGS);
            }
            n++;
        }
    }
    munmap(code, 4096);
    report("rewritten cmp imm32", n);
}

int main(void)
{
    pushf_after("cmp", "cmp; pushf");
    pushf_after("sub", "sub; pushf");
    setcc_after();
    layered();
    other_subtractions();
    fault_after_cmp();
    rewritten_cmp();
    return 0;
}
