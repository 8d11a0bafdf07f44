/*
 * Guest program for the SSE suite: the BMI1 and BMI2 instructions (ANDN,
 * BEXTR, BLSI, BLSMSK, BLSR, BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX;
 * VEX-encoded, Intel SDM vol. 2) and ADX's ADCX/ADOX (chained twice, so the
 * carry out feeds the next) on random and boundary operands (0, 1, all
 * ones, the sign bit, counts and indexes 0-255), 32- and 64-bit, register and
 * memory forms, with random flags before. Each folds the registers and the
 * flags the SDM defines for it (all six for those that leave flags alone) into
 * a hash; one line per instruction. Run natively and under the emulator:
 * outputs must match. Build with -mbmi -mbmi2 -madx -mno-red-zone.
 * Usage: guest-bmi SEED [verbose]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 400

typedef struct State {
    unsigned long a, c, d, si, mem, flags;
} State;

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static unsigned long random_operand(void)
{
    static const uint64_t special[] = {
        0, 1, ~0ull, 0x8000000000000000ull, 0x80000000, 0xffffffff, 0x7fffffff,
        0x100000000ull, 0xff00, 0x0820, 0x4020, 0x2010, 0x0000ffffffff0000ull,
    };
    uint64_t pick = next_random();
    switch (pick & 7) {
    case 0: return (unsigned long)special[(pick >> 8) % (sizeof(special) / sizeof(special[0]))];
    case 1: return (unsigned long)((pick >> 8) & 0xff);                 /* counts */
    case 2: return (unsigned long)((pick >> 8) & 0xffff);               /* BEXTR controls */
    case 3: return (unsigned long)(next_random() & next_random());      /* sparse masks */
    default: return (unsigned long)next_random();
    }
}

#ifdef __x86_64__
#define EXTRA_CLOBBERS , "r9", "r10", "r11"
#else
#define EXTRA_CLOBBERS
#endif

#define RUN(TEXT) \
    __asm__ volatile( \
        "push %[fl]\n\t" \
        "popf\n\t" \
        TEXT "\n\t" \
        "pushf\n\t" \
        "pop %[fl]\n\t" \
        : "+a"(st->a), "+c"(st->c), "+d"(st->d), "+S"(st->si), [m] "+m"(st->mem), \
          [fl] "+r"(st->flags) \
        : \
        : "cc", "memory" EXTRA_CLOBBERS)

/* each instruction: register form (r/m = ESI/RSI) and memory form */
#define DEFINE(fname, REG_TEXT, MEM_TEXT) \
    static void fname(State *st, int memory) \
    { \
        if (memory) { \
            RUN(MEM_TEXT); \
        } else { \
            RUN(REG_TEXT); \
        } \
    }

/* AT&T operand order: r/m first, then vvvv, then the destination */
DEFINE(andn32, "andn %%esi, %%ecx, %%eax", "andn %[m], %%ecx, %%eax")
DEFINE(bextr32, "bextr %%ecx, %%esi, %%eax", "bextr %%ecx, %[m], %%eax")
DEFINE(blsi32, "blsi %%esi, %%ecx", "blsi %[m], %%ecx")
DEFINE(blsmsk32, "blsmsk %%esi, %%ecx", "blsmsk %[m], %%ecx")
DEFINE(blsr32, "blsr %%esi, %%ecx", "blsr %[m], %%ecx")
DEFINE(bzhi32, "bzhi %%ecx, %%esi, %%eax", "bzhi %%ecx, %[m], %%eax")
DEFINE(mulx32, "mulx %%esi, %%ecx, %%eax", "mulx %[m], %%ecx, %%eax")
DEFINE(mulx32same, "mulx %%esi, %%eax, %%eax", "mulx %[m], %%eax, %%eax")
DEFINE(pdep32, "pdep %%esi, %%ecx, %%eax", "pdep %[m], %%ecx, %%eax")
DEFINE(pext32, "pext %%esi, %%ecx, %%eax", "pext %[m], %%ecx, %%eax")
DEFINE(rorx32, "rorx $13, %%esi, %%eax", "rorx $31, %[m], %%eax")
DEFINE(sarx32, "sarx %%ecx, %%esi, %%eax", "sarx %%ecx, %[m], %%eax")
DEFINE(shlx32, "shlx %%ecx, %%esi, %%eax", "shlx %%ecx, %[m], %%eax")
DEFINE(shrx32, "shrx %%ecx, %%esi, %%eax", "shrx %%ecx, %[m], %%eax")
DEFINE(adcx32, "adcx %%esi, %%eax\n\tadcx %%ecx, %%edx", "adcx %[m], %%eax\n\tadcx %%ecx, %%eax")
DEFINE(adox32, "adox %%esi, %%eax\n\tadox %%ecx, %%edx", "adox %[m], %%eax\n\tadox %%ecx, %%eax")
#ifdef __x86_64__
DEFINE(andn64, "andn %%rsi, %%rcx, %%rax", "andn %[m], %%rcx, %%rax")
DEFINE(bextr64, "bextr %%rcx, %%rsi, %%rax", "bextr %%rcx, %[m], %%rax")
DEFINE(blsi64, "blsi %%rsi, %%rcx", "blsi %[m], %%rcx")
DEFINE(blsmsk64, "blsmsk %%rsi, %%rcx", "blsmsk %[m], %%rcx")
DEFINE(blsr64, "blsr %%rsi, %%rcx", "blsr %[m], %%rcx")
DEFINE(bzhi64, "bzhi %%rcx, %%rsi, %%rax", "bzhi %%rcx, %[m], %%rax")
DEFINE(mulx64, "mulx %%rsi, %%rcx, %%rax", "mulx %[m], %%rcx, %%rax")
DEFINE(mulx64same, "mulx %%rsi, %%rax, %%rax", "mulx %[m], %%rax, %%rax")
DEFINE(pdep64, "pdep %%rsi, %%rcx, %%rax", "pdep %[m], %%rcx, %%rax")
DEFINE(pext64, "pext %%rsi, %%rcx, %%rax", "pext %[m], %%rcx, %%rax")
DEFINE(rorx64, "rorx $45, %%rsi, %%rax", "rorx $1, %[m], %%rax")
DEFINE(sarx64, "sarx %%rcx, %%rsi, %%rax", "sarx %%rcx, %[m], %%rax")
DEFINE(shlx64, "shlx %%rcx, %%rsi, %%rax", "shlx %%rcx, %[m], %%rax")
DEFINE(shrx64, "shrx %%rcx, %%rsi, %%rax", "shrx %%rcx, %[m], %%rax")
DEFINE(adcx64, "adcx %%rsi, %%rax\n\tadcx %%rcx, %%rdx", "adcx %[m], %%rax\n\tadcx %%rcx, %%rax")
DEFINE(adox64, "adox %%rsi, %%rax\n\tadox %%rcx, %%rdx", "adox %[m], %%rax\n\tadox %%rcx, %%rax")
/* r8-r15 through VEX.R/B/vvvv: ANDN r9, r10, r11 */
DEFINE(andn64high, "mov %%rsi, %%r11\n\tmov %%rcx, %%r10\n\tandn %%r11, %%r10, %%r9\n\t"
                   "mov %%r9, %%rax", "mov %%rcx, %%r10\n\tandn %[m], %%r10, %%r9\n\t"
                   "mov %%r9, %%rax")
#endif

/* the flags each defines (SDM "Flags Affected"); 0x8d5: untouched, all compared */
#define ZSCO 0x8c1     /* ZF SF CF OF (AF, PF undefined) */
#define ZCO 0x841      /* BEXTR: ZF, CF, OF (SF, AF, PF undefined) */
#define ALL 0x8d5

typedef struct Insn {
    const char *name;
    void (*run)(State *st, int memory);
    unsigned flags;
} Insn;

static const Insn insns[] = {
    { "andn32", andn32, ZSCO }, { "bextr32", bextr32, ZCO }, { "blsi32", blsi32, ZSCO },
    { "blsmsk32", blsmsk32, ZSCO }, { "blsr32", blsr32, ZSCO }, { "bzhi32", bzhi32, ZSCO },
    { "mulx32", mulx32, ALL }, { "mulx32same", mulx32same, ALL }, { "pdep32", pdep32, ALL },
    { "pext32", pext32, ALL }, { "rorx32", rorx32, ALL }, { "sarx32", sarx32, ALL },
    { "shlx32", shlx32, ALL }, { "shrx32", shrx32, ALL },
    { "adcx32", adcx32, ALL }, { "adox32", adox32, ALL },
#ifdef __x86_64__
    { "andn64", andn64, ZSCO }, { "bextr64", bextr64, ZCO }, { "blsi64", blsi64, ZSCO },
    { "blsmsk64", blsmsk64, ZSCO }, { "blsr64", blsr64, ZSCO }, { "bzhi64", bzhi64, ZSCO },
    { "mulx64", mulx64, ALL }, { "mulx64same", mulx64same, ALL }, { "pdep64", pdep64, ALL },
    { "pext64", pext64, ALL }, { "rorx64", rorx64, ALL }, { "sarx64", sarx64, ALL },
    { "shlx64", shlx64, ALL }, { "shrx64", shrx64, ALL }, { "andn64high", andn64high, ZSCO },
    { "adcx64", adcx64, ALL }, { "adox64", adox64, ALL },
#endif
};

int main(int argc, char **argv)
{
    int verbose = argc > 2;
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) + 1 : 1);
    for (size_t n = 0; n < sizeof(insns) / sizeof(insns[0]); n++) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (int i = 0; i < ITERATIONS; i++) {
            for (int memory = 0; memory < 2; memory++) {
                State st = { random_operand(), random_operand(), random_operand(),
                             random_operand(), random_operand(),
                             (unsigned long)(next_random() & 0x8d5) | 0x202 };
                insns[n].run(&st, memory);
                uint64_t words[] = { st.a, st.c, st.d, st.si, st.mem,
                                     st.flags & insns[n].flags };
                if (verbose) {
                    printf("  %s/%d: a %llx c %llx d %llx mem %llx flags %llx\n", insns[n].name,
                           memory, (unsigned long long)words[0], (unsigned long long)words[1],
                           (unsigned long long)words[2], (unsigned long long)words[4],
                           (unsigned long long)words[5]);
                }
                for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
                    h = (h ^ words[k]) * 0x100000001b3ull;
                }
            }
        }
        printf("%s %016llx\n", insns[n].name, (unsigned long long)h);
    }
    return 0;
}
