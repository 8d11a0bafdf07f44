/*
 * Unit tests of the translator: small IR functions are compiled to host code,
 * run, and their results compared with the same computation done by C itself
 * (the oracle) over many random inputs, for every op and both widths.
 *
 * Usage: test-tcg [-v] [seed]
 * Prints one line per failure and ends with "N passed, N failed".
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tcg/tcg.h"
#include "tests/tcg/test-tcg.h"

typedef struct TestEnv {
    uint64_t r64[16];
    uint32_t r32[16];
    uint64_t calls;
    uint8_t *mem;
} TestEnv;

struct TestContext {
    TCGContext *s;
    TCGv g64[16];
    TCGv g32[16];
    TestEnv env;
    uint64_t rng;
    int passed, failed;
    bool verbose;
    uint8_t guest_mem[4096];
};

/* --- random numbers with a bias to edge cases --- */

uint64_t test_rand(TestContext *t)
{
    /* xorshift64* (Vigna) */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545f4914f6cdd1dull;
}

uint64_t test_value(TestContext *t)
{
    static const uint64_t edges[] = {
        0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
        0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, ~0ull, ~1ull, 0xfffffffffffffff0ull, 0x123456789abcdef0ull,
    };
    uint64_t r = test_rand(t);
    switch (r & 7) {
    case 0: case 1:
        return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
    case 2:
        return (uint64_t)(int64_t)(int8_t)(r >> 16);
    case 3:
        return (r >> 16) & 0xffffffff;
    default:
        return test_rand(t);
    }
}

void test_report(TestContext *t, bool ok, const char *fmt, ...)
{
    if (ok) {
        t->passed++;
        return;
    }
    t->failed++;
    if (t->failed <= 50) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
    }
}

TCGContext *test_tcg(TestContext *t) { return t->s; }
TCGv test_global(TestContext *t, TCGType type, int i) { return type == TCG_TYPE_I32 ? t->g32[i] : t->g64[i]; }

void test_set(TestContext *t, TCGType type, int i, uint64_t v)
{
    if (type == TCG_TYPE_I32) {
        t->env.r32[i] = (uint32_t)v;
    } else {
        t->env.r64[i] = v;
    }
}

uint64_t test_get(TestContext *t, TCGType type, int i)
{
    return type == TCG_TYPE_I32 ? t->env.r32[i] : t->env.r64[i];
}

uint64_t *test_env_calls(TestContext *t) { return &t->env.calls; }
void *test_env(TestContext *t) { return &t->env; }
uint8_t *test_guest_memory(TestContext *t) { return t->guest_mem; }
bool test_verbose(TestContext *t) { return t->verbose; }

/* Compiles the IR built since tcg_func_start into the code buffer. */
const void *test_compile(TestContext *t)
{
    static TCGCodeInfo info;
    size_t room;
    void *code = tcg_code_buffer(t->s, &room);
    if (!tcg_gen_code(t->s, code, room, &info)) {
        return NULL;
    }
    return code;
}

uintptr_t test_run(TestContext *t, const void *code)
{
    return tcg_exec_tb(t->s, &t->env, code);
}

static void setup(TestContext *t)
{
    static char names[32][8];
    t->s = tcg_context_new(4 << 20);
    if (!t->s) {
        fprintf(stderr, "test-tcg: cannot create a translator context\n");
        exit(1);
    }
    for (int i = 0; i < 16; i++) {
        snprintf(names[i], sizeof(names[i]), "q%d", i);
        snprintf(names[16 + i], sizeof(names[i]), "l%d", i);
        t->g64[i] = tcg_global_mem_new(t->s, TCG_TYPE_I64, offsetof(TestEnv, r64[i]), names[i]);
        t->g32[i] = tcg_global_mem_new(t->s, TCG_TYPE_I32, offsetof(TestEnv, r32[i]), names[16 + i]);
    }
    tcg_set_guest_base(t->s, (uintptr_t)t->guest_mem);
}

int main(int argc, char **argv)
{
    static TestContext ctx;
    TestContext *t = &ctx;
    t->rng = 0x9e3779b97f4a7c15ull;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            t->verbose = true;
        } else {
            t->rng = strtoull(argv[i], NULL, 0) | 1;
        }
    }
    setup(t);
    test_arith(t);
    test_known_bits(t);
    test_scaled_adds(t);
    test_narrowed_ops(t);
    test_masked_extensions(t);
    test_compare(t);
    test_pressure(t);
    test_calls(t);
    test_memory(t);
    test_branches(t);
    test_temps_across_labels(t);
    test_random_programs(t);
    tcg_context_free(t->s);
    test_exec(t);
    printf("%d passed, %d failed\n", t->passed, t->failed);
    return t->failed ? 1 : 0;
}
