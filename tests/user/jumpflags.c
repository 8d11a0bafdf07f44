/* The arithmetic flags across an indirect jump: "OP b, a; jmp *reg" into a
 * fresh block that reads them (PUSHF). The translator keeps before the jump
 * only the lazy-flag fields the flag state there reads (the lookup's miss
 * helper reads them through cc_op alone: tcg/liveness.c,
 * TCG_CALL_CHAIN_BY_SELECTOR): each case's first jump misses the jump cache
 * and goes through that helper and the execution loop, and a SIGALRM storm
 * sends later ones there too. Flags of an op whose state needs a field an
 * earlier op wrote (ADC/SBB read the carry in, INC keeps CF) are covered.
 * Printed values are compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"
#include <sys/time.h>

static const ulong values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffffUL, 0x80000000UL,
    0xffffffffUL, 0x12345678UL,
#ifdef __x86_64__
    0x8000000000000000UL, 0xffffffffffffffffUL, 0x7fffffffffffffffUL, 0xfedcba9876543210UL,
#endif
};
#define NV (sizeof(values) / sizeof(values[0]))

#ifdef __x86_64__
#define TARGET "lea 1f(%%rip), %3\n\t"
#else
#define TARGET "mov $1f, %3\n\t"
#endif

/* flags the SDM leaves undefined: AF after logic ops and shifts; SF, ZF, AF,
 * PF after IMUL (vol. 2A/2B, "Flags Affected") */
#define DEF_ALL ARITH_FLAGS
#define DEF_LOGIC (ARITH_FLAGS & ~0x10UL)
#define DEF_IMUL 0x801UL

/* "t = slot = target; add c, c (CF in); OP b, a; jmp *t; t: pushf": a and the
 * flags (the target goes through memory, so the translator cannot see it, and
 * no memory access comes between the flags and the jump) */
#define JUMP(op, sfx, mod, a, b, c) ({                                              \
    ulong f_, x_ = (a), c_ = (c), t_;                                                \
    __asm__ volatile(TARGET "mov %3, %4\n\tmov %4, %3\n\tadd %2, %2\n\t" op sfx " %" mod "5, %" mod "1\n\t" \
                     "jmp *%3\n\t.p2align 4\n1:\n\tpushf\n\tpop %0"                \
                     : "=r"(f_), "+r"(x_), "+r"(c_), "=&r"(t_), "+m"(slot) : "r"((ulong)(b)) : "cc"); \
    mix(x_); f_; })

/* the same with a count or no source: "OP $1, a" and "OP a" */
#define JUMP1(op, sfx, mod, a, c) ({                                                \
    ulong f_, x_ = (a), c_ = (c), t_;                                                \
    __asm__ volatile(TARGET "mov %3, %4\n\tmov %4, %3\n\tadd %2, %2\n\t" op sfx " %" mod "1\n\t"     \
                     "jmp *%3\n\t.p2align 4\n1:\n\tpushf\n\tpop %0"                \
                     : "=r"(f_), "+r"(x_), "+r"(c_), "=&r"(t_), "+m"(slot) : : "cc");             \
    mix(x_); f_; })

/* the native width: the macros' arguments expanded first */
#ifdef __x86_64__
#define W "q", "q"
#else
#define W "l", "k"
#endif
#define EXPAND(m, ...) m(__VA_ARGS__)

static volatile unsigned alarms;
static ulong slot;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static unsigned one_round(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NV; i++) {
        for (unsigned j = 0; j < NV; j++) {
            ulong a = values[i], b = values[j], c = values[(i + j) % NV];
#define X(op, def) mix(JUMP(op, "l", "k", a, b, c) & def);                        \
                      mix(EXPAND(JUMP, op, W, a, b, c) & def); n += 2;
            X("add", DEF_ALL) X("sub", DEF_ALL) X("adc", DEF_ALL) X("sbb", DEF_ALL)
            X("cmp", DEF_ALL) X("and", DEF_LOGIC) X("or", DEF_LOGIC) X("xor", DEF_LOGIC)
            X("test", DEF_LOGIC) X("imul", DEF_IMUL)
#undef X
#define X(op, def) mix(JUMP1(op, "l", "k", a, c) & def);                            \
                      mix(EXPAND(JUMP1, op, W, a, c) & def); n += 2;
            X("inc", DEF_ALL) X("dec", DEF_ALL) X("neg", DEF_ALL) X("shl", DEF_LOGIC)
            X("shr", DEF_LOGIC) X("sar", DEF_LOGIC) X("rol", 0x801UL) X("ror", 0x801UL)
#undef X
        }
    }
    return n;
}

int main(void)
{
    report("OP; jmp *reg; pushf (first)", one_round());
    /* again, hot, with the execution loop entered at timer signals */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 200 }, { 0, 200 } };
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned n = 0;
    for (int r = 0; r < 300; r++) {
        n += one_round();
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    report("OP; jmp *reg; pushf (SIGALRM)", n);
    return 0;
}
