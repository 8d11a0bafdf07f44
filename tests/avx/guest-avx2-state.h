/*
 * The harness of guest-avx2.c (check-avx): the state each snippet runs from
 * and the random values it is filled with. Layout (the snippets' offsets):
 * 0: YMM0-15 (YMM0-7 in 32-bit mode), 512: 512 bytes of memory operands,
 * 1024: MXCSR, 1056: eight dwords 63 (bounds gather indexes and variable
 * shift counts), 1088: quadwords 63 (bounds xmm shift counts), 1120:
 * results in general registers and flags.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ITERATIONS
#define ITERATIONS 48
#endif

typedef struct State {
    uint64_t ymm[16][4];
    uint64_t mem[64];
    uint32_t mxcsr, pad[7];
    uint32_t bound32[8];
    uint64_t bound64[4];
    uint8_t results[32];
} __attribute__((aligned(64))) State;

_Static_assert(__builtin_offsetof(State, mem) == 512, "layout");
_Static_assert(__builtin_offsetof(State, mxcsr) == 1024, "layout");
_Static_assert(__builtin_offsetof(State, bound32) == 1056, "layout");
_Static_assert(__builtin_offsetof(State, bound64) == 1088, "layout");
_Static_assert(__builtin_offsetof(State, results) == 1120, "layout");

typedef struct Snippet {
    const char *name;
    void (*run)(State *st);
} Snippet;

#define LOAD8 \
    "vmovdqu 0(%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\tvmovdqu 64(%0), %%ymm2\n\t" \
    "vmovdqu 96(%0), %%ymm3\n\tvmovdqu 128(%0), %%ymm4\n\tvmovdqu 160(%0), %%ymm5\n\t" \
    "vmovdqu 192(%0), %%ymm6\n\tvmovdqu 224(%0), %%ymm7\n\t"
#define STORE8 \
    "vmovdqu %%ymm0, 0(%0)\n\tvmovdqu %%ymm1, 32(%0)\n\tvmovdqu %%ymm2, 64(%0)\n\t" \
    "vmovdqu %%ymm3, 96(%0)\n\tvmovdqu %%ymm4, 128(%0)\n\tvmovdqu %%ymm5, 160(%0)\n\t" \
    "vmovdqu %%ymm6, 192(%0)\n\tvmovdqu %%ymm7, 224(%0)\n\t"
#ifdef __x86_64__
#define LOAD_ALL LOAD8 \
    "vmovdqu 256(%0), %%ymm8\n\tvmovdqu 288(%0), %%ymm9\n\tvmovdqu 320(%0), %%ymm10\n\t" \
    "vmovdqu 352(%0), %%ymm11\n\tvmovdqu 384(%0), %%ymm12\n\tvmovdqu 416(%0), %%ymm13\n\t" \
    "vmovdqu 448(%0), %%ymm14\n\tvmovdqu 480(%0), %%ymm15\n\t"
#define STORE_ALL STORE8 \
    "vmovdqu %%ymm8, 256(%0)\n\tvmovdqu %%ymm9, 288(%0)\n\tvmovdqu %%ymm10, 320(%0)\n\t" \
    "vmovdqu %%ymm11, 352(%0)\n\tvmovdqu %%ymm12, 384(%0)\n\tvmovdqu %%ymm13, 416(%0)\n\t" \
    "vmovdqu %%ymm14, 448(%0)\n\tvmovdqu %%ymm15, 480(%0)\n\t"
#define XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define GPR_CLOBBERS "rax", "rcx", "rdx"
#else
#define LOAD_ALL LOAD8
#define STORE_ALL STORE8
#define XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"
#define GPR_CLOBBERS "eax", "ecx", "edx"
#endif

#define DEFINE(fname, TEXT) \
    static void fname(State *st) \
    { \
        __asm__ volatile(LOAD_ALL "ldmxcsr 1024(%0)\n\t" TEXT "\n\tstmxcsr 1024(%0)\n\t" STORE_ALL \
                         "vzeroupper" : : "r"(st) : XMM_CLOBBERS, GPR_CLOBBERS, "cc", "memory"); \
    }

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static const uint32_t special32[] = {
    0, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
    0x7f800001, 0xff812345, 0x00000001, 0x807fffff, 0x00400000, 0x7f7fffff, 0x00800000,
    0x80800000, 0x4f000000, 0xcf000000, 0x477fe000, 0x477ff000, 0x33800000, 0x387fc000,
    0x38800000, 0x7fffffff, 0x3f800001, 0x0000ffff, 0xffff8000, 0x00000080, 0xfffffffe,
};
static const uint64_t special64[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
    0x7ff0000000000001ull, 0xfff4000000000000ull, 1, 0x800fffffffffffffull,
    0x0010000000000000ull, 0x7fefffffffffffffull, 0x41e0000000000000ull,
    0xc1e0000000000000ull, 0x43e0000000000000ull, 0x41dfffffffc00000ull,
    0x3690000000000000ull, 0x47efffffe0000000ull, 0x47f0000000000000ull,
    0x3810000000000000ull, 0x7fffffffffffffffull, 0xffffffff00000000ull,
};

/* a float with a random sign and mantissa, exponent near 1 or near the
 * bottom of the range (FTZ, underflow) */
static uint32_t nice32(void)
{
    uint64_t r = next_random();
    uint32_t exp = (r & 4) ? 1 + (uint32_t)(r >> 8) % 40 : 110 + (uint32_t)(r >> 8) % 34;
    return (uint32_t)(r >> 63) << 31 | exp << 23 | ((uint32_t)(r >> 20) & 0x7fffff);
}

static uint64_t nice64(void)
{
    uint64_t r = next_random();
    uint64_t exp = (r & 4) ? 1 + (r >> 8) % 60 : 1000 + (r >> 8) % 50;
    return (r >> 63) << 63 | exp << 52 | (next_random() & 0xfffffffffffffull);
}

static uint64_t random_quad(void)
{
    uint64_t r = next_random();
    size_t n32 = sizeof(special32) / sizeof(special32[0]);
    size_t n64 = sizeof(special64) / sizeof(special64[0]);
    switch (r % 8) {
    case 0: case 1:
        return next_random();
    case 2:
        return special32[(r >> 8) % n32] | (uint64_t)special32[(r >> 24) % n32] << 32;
    case 3:
        return special64[(r >> 8) % n64];
    case 4: case 5:
        return nice32() | (uint64_t)nice32() << 32;
    case 6:
        return nice64();
    default:
        return (r & 0x100) ? nice32() | (uint64_t)special32[(r >> 24) % n32] << 32
                           : (r >> 16) & 0xffff;
    }
}

__attribute__((unused)) static void fill(State *st)
{
    memset(st, 0, sizeof(*st));
    for (int i = 0; i < 16; i++) {
        for (int q = 0; q < 4; q++) {
            st->ymm[i][q] = random_quad();
        }
    }
    for (int i = 0; i < 64; i++) {
        st->mem[i] = random_quad();
    }
    uint64_t r = next_random();
    /* masks all set; random rounding, DAZ, FTZ; sometimes sticky flags */
    st->mxcsr = 0x1f80 | (uint32_t)(r & 3) << 13 | ((r & 4) ? 0x40 : 0) | ((r & 8) ? 0x8000 : 0) |
                ((r & 0x30) == 0 ? (uint32_t)(r >> 8) & 0x3f : 0);
    for (int i = 0; i < 8; i++) {
        st->bound32[i] = 63;
    }
    for (int i = 0; i < 4; i++) {
        st->bound64[i] = 63;
    }
}

__attribute__((unused)) static uint64_t hash(const State *st, uint64_t h)
{
    const uint8_t *p = (const uint8_t *)st;
    for (size_t i = 0; i < sizeof(*st); i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

__attribute__((unused)) static void dump(const State *st)
{
    for (int i = 0; i < 16; i++) {
        printf("  ymm%-2d %016llx %016llx %016llx %016llx\n", i,
               (unsigned long long)st->ymm[i][3], (unsigned long long)st->ymm[i][2],
               (unsigned long long)st->ymm[i][1], (unsigned long long)st->ymm[i][0]);
    }
    printf("  mxcsr %08x results %016llx\n", st->mxcsr,
           (unsigned long long)*(const uint64_t *)st->results);
    for (int i = 0; i < 8; i++) {
        printf("  mem+%-3d %016llx\n", i * 8, (unsigned long long)st->mem[i]);
    }
}

__attribute__((unused)) static int run_all(int argc, char **argv, const Snippet *snippets, size_t count)
{
    static State st;
    if (argc < 2) {
        fprintf(stderr, "usage: %s SEED [NAME-SUBSTRING [verbose]]\n", argv[0]);
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    for (size_t n = 0; n < count; n++) {
        random_state = seed * 0x9e3779b97f4a7c15ull + n * 2654435761u + 1;
        if (argc > 2 && !strstr(snippets[n].name, argv[2])) {
            continue;
        }
        uint64_t h = 0xcbf29ce484222325ull;
        for (int it = 0; it < ITERATIONS; it++) {
            fill(&st);
            if (argc > 3) {
                printf("%s iteration %d before:\n", snippets[n].name, it);
                dump(&st);
            }
            snippets[n].run(&st);
            if (argc > 3) {
                printf("after:\n");
                dump(&st);
            }
            h = hash(&st, h);
        }
        printf("%s %016llx\n", snippets[n].name, (unsigned long long)h);
    }
    return 0;
}
