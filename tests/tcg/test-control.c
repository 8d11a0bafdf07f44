/*
 * Comparisons (setcond, movcond, brcond), register pressure, helper calls,
 * guest memory access and branches inside a block, against C.
 */
#include <stdio.h>
#include <string.h>
#include "tests/tcg/test-tcg.h"

static const TCGCond conds[] = {
    TCG_COND_EQ, TCG_COND_NE, TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
};

static bool c_cond(TCGCond c, uint64_t a, uint64_t b, unsigned w)
{
    int64_t sa = w == 32 ? (int32_t)a : (int64_t)a, sb = w == 32 ? (int32_t)b : (int64_t)b;
    if (w == 32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    default: return false;
    }
}

static const char *cond_name(TCGCond c)
{
    static const char *const names[16] = {
        [TCG_COND_EQ] = "eq", [TCG_COND_NE] = "ne", [TCG_COND_LT] = "lt", [TCG_COND_GE] = "ge",
        [TCG_COND_LE] = "le", [TCG_COND_GT] = "gt", [TCG_COND_LTU] = "ltu",
        [TCG_COND_GEU] = "geu", [TCG_COND_LEU] = "leu", [TCG_COND_GTU] = "gtu",
    };
    return names[c & 15] ? names[c & 15] : "?";
}

static uint64_t near_value(TestContext *t, uint64_t x)
{
    switch (test_rand(t) % 4) {
    case 0: return x;
    case 1: return x + 1;
    case 2: return x - 1;
    default: return test_value(t);
    }
}

/* q2 = setcond(q0, q1); q3 = movcond(q0, q1, q4, q5); q6 = 1 when brcond jumps */
static void compare_case(TestContext *t, TCGType type, TCGCond cond, bool imm, uint64_t k)
{
    TCGContext *s = test_tcg(t);
    unsigned w = type == TCG_TYPE_I32 ? 32 : 64;
    tcg_func_start(s);
    TCGv a = test_global(t, type, 0);
    TCGv b = imm ? tcg_constant(s, type, (int64_t)k) : test_global(t, type, 1);
    TCGLabel *taken = tcg_gen_new_label(s);
    tcg_gen_setcond(s, cond, test_global(t, type, 2), a, b);
    tcg_gen_movcond(s, cond, test_global(t, type, 3), a, b, test_global(t, type, 4),
                    test_global(t, type, 5));
    tcg_gen_movi(s, test_global(t, type, 6), 1);
    tcg_gen_brcond(s, cond, a, b, taken);
    tcg_gen_movi(s, test_global(t, type, 6), 0);
    tcg_gen_set_label(s, taken);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int i = 0; i < (imm ? 8 : 100); i++) {
        uint64_t x = test_value(t), y = imm ? k : near_value(t, x);
        if (imm && i) {
            x = near_value(t, k);
        }
        uint64_t v1 = test_value(t), v2 = test_value(t);
        test_set(t, type, 0, x);
        test_set(t, type, 1, y);
        test_set(t, type, 4, v1);
        test_set(t, type, 5, v2);
        test_run(t, code);
        bool want = c_cond(cond, x, y, w);
        uint64_t mask = w == 32 ? 0xffffffffull : ~0ull;
        bool ok = test_get(t, type, 2) == want && test_get(t, type, 6) == want &&
                  test_get(t, type, 3) == ((want ? v1 : v2) & mask);
        test_report(t, ok, "compare %s_i%u%s (%#llx, %#llx)", cond_name(cond), w,
                    imm ? " imm" : "", (unsigned long long)x, (unsigned long long)y);
    }
}

void test_compare(TestContext *t)
{
    for (int ty = 0; ty < 2; ty++) {
        TCGType type = ty ? TCG_TYPE_I64 : TCG_TYPE_I32;
        for (size_t c = 0; c < sizeof(conds) / sizeof(conds[0]); c++) {
            compare_case(t, type, conds[c], false, 0);
            for (int k = 0; k < 6; k++) {
                compare_case(t, type, conds[c], true, k == 0 ? 0 : test_value(t));
            }
        }
    }
}

/* 40 temps live at once: more than the host has registers. */
void test_pressure(TestContext *t)
{
    enum { N = 40 };
    TCGContext *s = test_tcg(t);
    for (int ty = 0; ty < 2; ty++) {
        TCGType type = ty ? TCG_TYPE_I64 : TCG_TYPE_I32;
        unsigned w = ty ? 64 : 32;
        tcg_func_start(s);
        TCGv v[N];
        for (int i = 0; i < N; i++) {
            v[i] = tcg_temp_new(s, type);
            tcg_gen_muli(s, v[i], test_global(t, type, i % 4), i + 3);
            tcg_gen_xor(s, v[i], v[i], test_global(t, type, (i + 1) % 4));
        }
        TCGv acc = test_global(t, type, 5);
        tcg_gen_movi(s, acc, 0);
        for (int i = 0; i < N; i++) {
            int k = (i * 7) % N;
            tcg_gen_rotli(s, acc, acc, 5);
            tcg_gen_add(s, acc, acc, v[k]);
        }
        tcg_gen_exit_tb(s, 0);
        const void *code = test_compile(t);
        for (int r = 0; r < 50; r++) {
            uint64_t in[4];
            for (int i = 0; i < 4; i++) {
                in[i] = test_value(t);
                test_set(t, type, i, in[i]);
            }
            test_run(t, code);
            uint64_t mask = w == 32 ? 0xffffffffull : ~0ull, vals[N], want = 0;
            for (int i = 0; i < N; i++) {
                vals[i] = ((in[i % 4] * (uint64_t)(i + 3)) ^ in[(i + 1) % 4]) & mask;
            }
            for (int i = 0; i < N; i++) {
                want = ((want << 5) | (want >> (w - 5))) & mask;
                want = (want + vals[(i * 7) % N]) & mask;
            }
            test_report(t, test_get(t, type, 5) == want, "register pressure i%u: %#llx, expected %#llx",
                        w, (unsigned long long)test_get(t, type, 5), (unsigned long long)want);
        }
    }
}

/* --- helper calls --- */

typedef struct CallEnv {
    uint64_t r64[16];
} CallEnv;

static uint64_t helper_mix6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
    return a * 3 + (b ^ c) - (d << 2) + (e | 1) * f;
}

static uint32_t helper_sub32(uint32_t a, uint32_t b) { return a - b; }

/* writes q7 behind the generated code's back: globals must be reloaded */
static void helper_bump_q7(void *env)
{
    ((CallEnv *)env)->r64[7] += 1000;
}

void test_calls(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    tcg_func_start(s);
    TCGv q[8];
    for (int i = 0; i < 8; i++) {
        q[i] = test_global(t, TCG_TYPE_I64, i);
    }
    /* q7 is cached in a register before the call, then must be reloaded */
    tcg_gen_addi(s, q[7], q[7], 1);
    TCGv live = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_xori(s, live, q[0], 0x5555);
    TCGv args6[6] = { q[0], q[1], q[2], q[3], q[4], q[5] };
    tcg_gen_call(s, (void *)helper_mix6, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, q[6], 6, args6);
    TCGv envarg[1] = { tcg_env(s) };
    tcg_gen_call(s, (void *)helper_bump_q7, 0, NULL, 1, envarg);
    tcg_gen_addi(s, q[7], q[7], 1);
    tcg_gen_add(s, q[5], q[5], live);        /* a temp that lived across both calls */
    TCGv l0 = test_global(t, TCG_TYPE_I32, 0), l1 = test_global(t, TCG_TYPE_I32, 1);
    TCGv args2[2] = { l1, l0 };
    tcg_gen_call(s, (void *)helper_sub32, TCG_CALL_NO_RWG, test_global(t, TCG_TYPE_I32, 2), 2, args2);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int r = 0; r < 100; r++) {
        uint64_t in[8];
        for (int i = 0; i < 8; i++) {
            in[i] = test_value(t);
            test_set(t, TCG_TYPE_I64, i, in[i]);
        }
        uint32_t x = (uint32_t)test_value(t), y = (uint32_t)test_value(t);
        test_set(t, TCG_TYPE_I32, 0, x);
        test_set(t, TCG_TYPE_I32, 1, y);
        test_run(t, code);
        bool ok = test_get(t, TCG_TYPE_I64, 6) == helper_mix6(in[0], in[1], in[2], in[3], in[4], in[5]) &&
                  test_get(t, TCG_TYPE_I64, 7) == in[7] + 1002 &&
                  test_get(t, TCG_TYPE_I64, 5) == in[5] + (in[0] ^ 0x5555) &&
                  test_get(t, TCG_TYPE_I32, 2) == (uint32_t)(y - x);
        test_report(t, ok, "helper calls, round %d", r);
    }
}

/* --- guest memory: loads of every size and signedness, stores --- */

static uint64_t c_load(const uint8_t *mem, TCGMemOp memop)
{
    uint64_t v = 0;
    unsigned size = 1u << (memop & MO_SIZE);
    for (unsigned i = 0; i < size; i++) {
        unsigned k = (memop & MO_BSWAP) ? size - 1 - i : i;
        v |= (uint64_t)mem[k] << (8 * i);
    }
    if ((memop & MO_SIGN) && size < 8 && ((v >> (8 * size - 1)) & 1)) {
        v |= ~0ull << (8 * size);
    }
    return v;
}

void test_memory(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    uint8_t *mem = test_guest_memory(t);
    static const TCGMemOp ops[] = {
        MO_UB, MO_SB, MO_UW, MO_SW, MO_UL, MO_SL, MO_UQ,
        MO_UW | MO_BSWAP, MO_SW | MO_BSWAP, MO_UL | MO_BSWAP, MO_SL | MO_BSWAP, MO_UQ | MO_BSWAP,
    };
    for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
        for (int ty = 0; ty < 2; ty++) {
            TCGType type = ty ? TCG_TYPE_I64 : TCG_TYPE_I32;
            unsigned w = ty ? 64 : 32;
            if ((ops[o] & MO_SIZE) == MO_64 && !ty) {
                continue;
            }
            tcg_func_start(s);
            TCGv addr = test_global(t, TCG_TYPE_I64, 0), addr2 = test_global(t, TCG_TYPE_I64, 1);
            tcg_gen_qemu_ld(s, test_global(t, type, 2), addr, ops[o]);
            tcg_gen_qemu_st(s, test_global(t, type, 3), addr2, ops[o]);
            tcg_gen_exit_tb(s, 0);
            const void *code = test_compile(t);
            for (int r = 0; r < 30; r++) {
                for (int i = 0; i < 64; i++) {
                    mem[i] = (uint8_t)test_rand(t);
                }
                uint64_t a = test_rand(t) % 32, a2 = 32 + test_rand(t) % 24, v = test_value(t);
                test_set(t, TCG_TYPE_I64, 0, a);
                test_set(t, TCG_TYPE_I64, 1, a2);
                test_set(t, type, 3, v);
                uint8_t before[64];
                memcpy(before, mem, 64);
                test_run(t, code);
                uint64_t want = c_load(before + a, ops[o]);
                if (w == 32) {
                    want = (uint32_t)want;
                }
                unsigned size = 1u << (ops[o] & MO_SIZE);
                bool st_ok = true;
                for (unsigned i = 0; i < 64; i++) {
                    uint8_t exp = before[i];
                    if (i >= a2 && i < a2 + size) {
                        unsigned k = i - (unsigned)a2;
                        unsigned src = (ops[o] & MO_BSWAP) ? size - 1 - k : k;
                        exp = (uint8_t)(v >> (8 * src));
                    }
                    st_ok &= mem[i] == exp;
                }
                test_report(t, test_get(t, type, 2) == want && st_ok,
                            "guest memory op %#x i%u at %llu/%llu: got %#llx, expected %#llx%s",
                            ops[o], w, (unsigned long long)a, (unsigned long long)a2,
                            (unsigned long long)test_get(t, type, 2), (unsigned long long)want,
                            st_ok ? "" : " (store wrong)");
            }
        }
    }
}

/* --- loops with labels and local temps --- */

void test_branches(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    /* q2 = sum over i in [0, q0) of (i * q1) ^ i, q3 = number of odd terms */
    tcg_func_start(s);
    TCGv i = tcg_temp_local_new(s, TCG_TYPE_I64);
    TCGv odd = tcg_temp_local_new(s, TCG_TYPE_I64);
    TCGv q0 = test_global(t, TCG_TYPE_I64, 0), q1 = test_global(t, TCG_TYPE_I64, 1);
    TCGv q2 = test_global(t, TCG_TYPE_I64, 2);
    TCGLabel *top = tcg_gen_new_label(s), *done = tcg_gen_new_label(s), *even = tcg_gen_new_label(s);
    tcg_gen_movi(s, i, 0);
    tcg_gen_movi(s, odd, 0);
    tcg_gen_movi(s, q2, 0);
    tcg_gen_set_label(s, top);
    tcg_gen_brcond(s, TCG_COND_GEU, i, q0, done);
    TCGv term = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_mul(s, term, i, q1);
    tcg_gen_xor(s, term, term, i);
    tcg_gen_add(s, q2, q2, term);
    TCGv bit = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_andi(s, bit, term, 1);
    tcg_gen_brcondi(s, TCG_COND_EQ, bit, 0, even);
    tcg_gen_addi(s, odd, odd, 1);
    tcg_gen_set_label(s, even);
    tcg_gen_addi(s, i, i, 1);
    tcg_gen_br(s, top);
    tcg_gen_set_label(s, done);
    tcg_gen_mov(s, test_global(t, TCG_TYPE_I64, 3), odd);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int r = 0; r < 50; r++) {
        uint64_t n = test_rand(t) % 300, m = test_value(t), sum = 0, odds = 0;
        test_set(t, TCG_TYPE_I64, 0, n);
        test_set(t, TCG_TYPE_I64, 1, m);
        test_run(t, code);
        for (uint64_t k = 0; k < n; k++) {
            uint64_t term_c = (k * m) ^ k;
            sum += term_c;
            odds += term_c & 1;
        }
        test_report(t, test_get(t, TCG_TYPE_I64, 2) == sum && test_get(t, TCG_TYPE_I64, 3) == odds,
                    "loop of %llu: sum %#llx (expected %#llx), odd %llu (expected %llu)",
                    (unsigned long long)n, (unsigned long long)test_get(t, TCG_TYPE_I64, 2),
                    (unsigned long long)sum, (unsigned long long)test_get(t, TCG_TYPE_I64, 3),
                    (unsigned long long)odds);
    }
}

/* Normal temps keep their values across labels: set before a branch, changed
 * on one path only, read after the join; and carried around a loop. */
void test_temps_across_labels(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    tcg_func_start(s);
    TCGv q0 = test_global(t, TCG_TYPE_I64, 0), q1 = test_global(t, TCG_TYPE_I64, 1);
    TCGv v = tcg_temp_new(s, TCG_TYPE_I64), n = tcg_temp_new(s, TCG_TYPE_I64);
    TCGLabel *join = tcg_gen_new_label(s), *top = tcg_gen_new_label(s), *out = tcg_gen_new_label(s);
    tcg_gen_muli(s, v, q0, 3);
    tcg_gen_brcondi(s, TCG_COND_EQ, q1, 0, join);
    tcg_gen_addi(s, v, v, 5);
    tcg_gen_set_label(s, join);
    tcg_gen_xori(s, test_global(t, TCG_TYPE_I64, 2), v, 1);
    /* q3 = v rotated left once per unit of q1 & 15 */
    tcg_gen_andi(s, n, q1, 15);
    tcg_gen_set_label(s, top);
    tcg_gen_brcondi(s, TCG_COND_EQ, n, 0, out);
    tcg_gen_rotli(s, v, v, 1);
    tcg_gen_subi(s, n, n, 1);
    tcg_gen_br(s, top);
    tcg_gen_set_label(s, out);
    tcg_gen_mov(s, test_global(t, TCG_TYPE_I64, 3), v);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int r = 0; r < 100; r++) {
        uint64_t x = test_value(t), y = (r & 1) ? 0 : test_value(t);
        test_set(t, TCG_TYPE_I64, 0, x);
        test_set(t, TCG_TYPE_I64, 1, y);
        test_run(t, code);
        uint64_t want = x * 3 + (y ? 5 : 0), rot = want;
        for (uint64_t k = 0; k < (y & 15); k++) {
            rot = (rot << 1) | (rot >> 63);
        }
        test_report(t, test_get(t, TCG_TYPE_I64, 2) == (want ^ 1) && test_get(t, TCG_TYPE_I64, 3) == rot,
                    "temps across labels (%#llx, %#llx)", (unsigned long long)x, (unsigned long long)y);
    }
}
