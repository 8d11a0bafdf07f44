/*
 * Arithmetic, logic, shift, extension and bit-field ops of both widths against
 * C's own arithmetic. Each op is tried with both operands in registers (one
 * compiled function, many inputs), with an immediate second operand, and with
 * both operands constant (folded by the optimizer).
 */
#include <stdio.h>
#include "tests/tcg/test-tcg.h"

typedef uint64_t (*BinaryFn)(uint64_t a, uint64_t b, unsigned width);

static uint64_t trunc_w(uint64_t v, unsigned w) { return w == 32 ? (uint32_t)v : v; }
static int64_t sext_w(uint64_t v, unsigned w) { return w == 32 ? (int64_t)(int32_t)v : (int64_t)v; }

static uint64_t c_add(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a + b, w); }
static uint64_t c_sub(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a - b, w); }
static uint64_t c_mul(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a * b, w); }
static uint64_t c_and(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a & b, w); }
static uint64_t c_or(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a | b, w); }
static uint64_t c_xor(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a ^ b, w); }
static uint64_t c_andc(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a & ~b, w); }
static uint64_t c_shl(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a << (b % w), w); }
static uint64_t c_shr(uint64_t a, uint64_t b, unsigned w) { return trunc_w(a, w) >> (b % w); }
static uint64_t c_sar(uint64_t a, uint64_t b, unsigned w) { return trunc_w((uint64_t)(sext_w(a, w) >> (b % w)), w); }
static uint64_t c_rotl(uint64_t a, uint64_t b, unsigned w)
{
    unsigned n = b % w;
    a = trunc_w(a, w);
    return n ? trunc_w((a << n) | (a >> (w - n)), w) : a;
}
static uint64_t c_rotr(uint64_t a, uint64_t b, unsigned w)
{
    unsigned n = b % w;
    a = trunc_w(a, w);
    return n ? trunc_w((a >> n) | (a << (w - n)), w) : a;
}
static uint64_t c_clz(uint64_t a, uint64_t b, unsigned w)
{
    a = trunc_w(a, w);
    if (!a) {
        return trunc_w(b, w);
    }
    unsigned n = 0;
    for (uint64_t bit = 1ull << (w - 1); !(a & bit); bit >>= 1) {
        n++;
    }
    return n;
}
static uint64_t c_ctz(uint64_t a, uint64_t b, unsigned w)
{
    a = trunc_w(a, w);
    if (!a) {
        return trunc_w(b, w);
    }
    unsigned n = 0;
    while (!(a & (1ull << n))) {
        n++;
    }
    return n;
}

typedef struct BinaryCase {
    const char *name;
    TCGOpcode opc;
    BinaryFn fn;
} BinaryCase;

static const BinaryCase binary_cases[] = {
    { "add", INDEX_op_add, c_add }, { "sub", INDEX_op_sub, c_sub },
    { "mul", INDEX_op_mul, c_mul }, { "and", INDEX_op_and, c_and },
    { "or", INDEX_op_or, c_or }, { "xor", INDEX_op_xor, c_xor },
    { "andc", INDEX_op_andc, c_andc }, { "shl", INDEX_op_shl, c_shl },
    { "shr", INDEX_op_shr, c_shr }, { "sar", INDEX_op_sar, c_sar },
    { "rotl", INDEX_op_rotl, c_rotl }, { "rotr", INDEX_op_rotr, c_rotr },
    { "clz", INDEX_op_clz, c_clz }, { "ctz", INDEX_op_ctz, c_ctz },
};

static unsigned width_of(TCGType type) { return type == TCG_TYPE_I32 ? 32 : 64; }

/* q2 = q0 OP q1, plus variants where the output shares a register with an input */
static void binary_registers(TestContext *t, const BinaryCase *c, TCGType type)
{
    TCGContext *s = test_tcg(t);
    unsigned w = width_of(type);
    for (int shape = 0; shape < 3; shape++) {
        tcg_func_start(s);
        TCGv a = test_global(t, type, 0), b = test_global(t, type, 1);
        TCGv out = test_global(t, type, 2);
        if (shape == 0) {
            tcg_gen_op3(s, c->opc, out, a, b);
        } else if (shape == 1) {
            /* a stays live after the op: the allocator must copy it */
            TCGv tmp = tcg_temp_new(s, type);
            tcg_gen_op3(s, c->opc, tmp, a, b);
            tcg_gen_mov(s, out, tmp);
            tcg_gen_add(s, test_global(t, type, 3), a, b);
        } else {
            tcg_gen_op3(s, c->opc, a, a, b);     /* in place */
            tcg_gen_mov(s, out, a);
        }
        tcg_gen_exit_tb(s, 0);
        const void *code = test_compile(t);
        for (int i = 0; i < 200; i++) {
            uint64_t x = test_value(t), y = test_value(t);
            if (i < 64 && (c->opc >= INDEX_op_shl && c->opc <= INDEX_op_rotr)) {
                y = (uint64_t)i;
            }
            test_set(t, type, 0, x);
            test_set(t, type, 1, y);
            test_run(t, code);
            uint64_t got = test_get(t, type, 2), want = c->fn(x, y, w);
            test_report(t, code && got == want, "%s_i%u shape %d (%#llx, %#llx) = %#llx, expected %#llx",
                        c->name, w, shape, (unsigned long long)x, (unsigned long long)y,
                        (unsigned long long)got, (unsigned long long)want);
            if (shape == 1) {
                uint64_t sum = test_get(t, type, 3);
                test_report(t, sum == c_add(x, y, w), "%s_i%u: input clobbered", c->name, w);
            }
        }
    }
}

/* q2 = q0 OP imm, and imm OP imm (folded) */
static void binary_immediates(TestContext *t, const BinaryCase *c, TCGType type)
{
    TCGContext *s = test_tcg(t);
    unsigned w = width_of(type);
    for (int i = 0; i < 40; i++) {
        uint64_t x = test_value(t), y = test_value(t);
        bool fold = i & 1;
        tcg_func_start(s);
        TCGv a = test_global(t, type, 0), out = test_global(t, type, 2);
        if (fold) {
            TCGv k = tcg_temp_new(s, type);
            tcg_gen_movi(s, k, (int64_t)x);
            tcg_gen_op3i(s, c->opc, out, k, (int64_t)y);
        } else {
            tcg_gen_op3i(s, c->opc, out, a, (int64_t)y);
        }
        tcg_gen_exit_tb(s, 0);
        const void *code = test_compile(t);
        test_set(t, type, 0, x);
        test_run(t, code);
        uint64_t got = test_get(t, type, 2), want = c->fn(x, y, w);
        test_report(t, got == want, "%s_i%u %s (%#llx, $%#llx) = %#llx, expected %#llx", c->name, w,
                    fold ? "folded" : "imm", (unsigned long long)x, (unsigned long long)y,
                    (unsigned long long)got, (unsigned long long)want);
    }
}

typedef uint64_t (*UnaryFn)(uint64_t a, unsigned width);

static uint64_t u_neg(uint64_t a, unsigned w) { return trunc_w(-a, w); }
static uint64_t u_not(uint64_t a, unsigned w) { return trunc_w(~a, w); }
static uint64_t u_ext8s(uint64_t a, unsigned w) { return trunc_w((uint64_t)(int64_t)(int8_t)a, w); }
static uint64_t u_ext8u(uint64_t a, unsigned w) { return (uint8_t)a; }
static uint64_t u_ext16s(uint64_t a, unsigned w) { return trunc_w((uint64_t)(int64_t)(int16_t)a, w); }
static uint64_t u_ext16u(uint64_t a, unsigned w) { return (uint16_t)a; }
static uint64_t u_ext32s(uint64_t a, unsigned w) { return (uint64_t)(int64_t)(int32_t)a; }
static uint64_t u_ext32u(uint64_t a, unsigned w) { return (uint32_t)a; }
static uint64_t u_bswap16(uint64_t a, unsigned w) { return ((a & 0xff) << 8) | ((a >> 8) & 0xff); }
static uint64_t u_bswap32(uint64_t a, unsigned w)
{
    uint64_t r = 0;
    for (int i = 0; i < 4; i++) {
        r |= ((a >> (8 * i)) & 0xff) << (8 * (3 - i));
    }
    return r;
}
static uint64_t u_bswap64(uint64_t a, unsigned w)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) {
        r |= ((a >> (8 * i)) & 0xff) << (8 * (7 - i));
    }
    return r;
}
static uint64_t u_ctpop(uint64_t a, unsigned w)
{
    a = trunc_w(a, w);
    uint64_t n = 0;
    for (; a; a &= a - 1) {
        n++;
    }
    return n;
}

typedef struct UnaryCase {
    const char *name;
    TCGOpcode opc;
    UnaryFn fn;
    bool only64;
} UnaryCase;

static const UnaryCase unary_cases[] = {
    { "neg", INDEX_op_neg, u_neg, false }, { "not", INDEX_op_not, u_not, false },
    { "ext8s", INDEX_op_ext8s, u_ext8s, false }, { "ext8u", INDEX_op_ext8u, u_ext8u, false },
    { "ext16s", INDEX_op_ext16s, u_ext16s, false }, { "ext16u", INDEX_op_ext16u, u_ext16u, false },
    { "ext32s", INDEX_op_ext32s, u_ext32s, true }, { "ext32u", INDEX_op_ext32u, u_ext32u, true },
    { "bswap16", INDEX_op_bswap16, u_bswap16, false }, { "bswap32", INDEX_op_bswap32, u_bswap32, false },
    { "bswap64", INDEX_op_bswap64, u_bswap64, true }, { "ctpop", INDEX_op_ctpop, u_ctpop, false },
};

static void unary_case(TestContext *t, const UnaryCase *c, TCGType type)
{
    TCGContext *s = test_tcg(t);
    unsigned w = width_of(type);
    for (int fold = 0; fold < 2; fold++) {
        int runs = fold ? 20 : 1;
        for (int r = 0; r < runs; r++) {
            uint64_t k = test_value(t);
            tcg_func_start(s);
            TCGv in = test_global(t, type, 0);
            if (fold) {
                in = tcg_temp_new(s, type);
                tcg_gen_movi(s, in, (int64_t)k);
            }
            tcg_gen_op2(s, c->opc, test_global(t, type, 2), in);
            tcg_gen_exit_tb(s, 0);
            const void *code = test_compile(t);
            for (int i = 0; i < (fold ? 1 : 200); i++) {
                uint64_t x = fold ? k : test_value(t);
                test_set(t, type, 0, x);
                test_run(t, code);
                uint64_t got = test_get(t, type, 2), want = trunc_w(c->fn(x, w), w);
                test_report(t, got == want, "%s_i%u%s (%#llx) = %#llx, expected %#llx", c->name, w,
                            fold ? " folded" : "", (unsigned long long)x,
                            (unsigned long long)got, (unsigned long long)want);
            }
        }
    }
}

/* extrl/extrh/extu/exts between the widths */
static void width_changes(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    tcg_func_start(s);
    TCGv q0 = test_global(t, TCG_TYPE_I64, 0), l0 = test_global(t, TCG_TYPE_I32, 0);
    tcg_gen_extrl_i64_i32(s, test_global(t, TCG_TYPE_I32, 2), q0);
    tcg_gen_extrh_i64_i32(s, test_global(t, TCG_TYPE_I32, 3), q0);
    tcg_gen_extu_i32_i64(s, test_global(t, TCG_TYPE_I64, 2), l0);
    tcg_gen_exts_i32_i64(s, test_global(t, TCG_TYPE_I64, 3), l0);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int i = 0; i < 200; i++) {
        uint64_t x = test_value(t), y = test_value(t);
        test_set(t, TCG_TYPE_I64, 0, x);
        test_set(t, TCG_TYPE_I32, 0, y);
        test_run(t, code);
        bool ok = test_get(t, TCG_TYPE_I32, 2) == (uint32_t)x &&
                  test_get(t, TCG_TYPE_I32, 3) == (uint32_t)(x >> 32) &&
                  test_get(t, TCG_TYPE_I64, 2) == (uint32_t)y &&
                  test_get(t, TCG_TYPE_I64, 3) == (uint64_t)(int64_t)(int32_t)y;
        test_report(t, ok, "width changes of %#llx / %#llx", (unsigned long long)x,
                    (unsigned long long)y);
    }
}

static uint64_t field(uint64_t v, unsigned pos, unsigned len)
{
    return len == 64 ? v : (v >> pos) & ((1ull << len) - 1);
}

/* extract, sextract and deposit at random positions */
static void bit_fields(TestContext *t, TCGType type)
{
    TCGContext *s = test_tcg(t);
    unsigned w = width_of(type);
    for (int i = 0; i < 60; i++) {
        unsigned pos = (unsigned)(test_rand(t) % w);
        unsigned len = 1 + (unsigned)(test_rand(t) % (w - pos));
        if (i < 6) {
            static const unsigned fixed[6][2] = { { 0, 8 }, { 0, 16 }, { 8, 8 }, { 0, 32 }, { 16, 16 }, { 0, 1 } };
            pos = fixed[i][0];
            len = fixed[i][1];
            if (pos + len > w) {
                continue;
            }
        }
        tcg_func_start(s);
        TCGv a = test_global(t, type, 0), b = test_global(t, type, 1);
        tcg_gen_extract(s, test_global(t, type, 2), a, pos, len);
        tcg_gen_sextract(s, test_global(t, type, 3), a, pos, len);
        tcg_gen_deposit(s, test_global(t, type, 4), a, b, pos, len);
        tcg_gen_exit_tb(s, 0);
        const void *code = test_compile(t);
        for (int k = 0; k < 20; k++) {
            uint64_t x = trunc_w(test_value(t), w), y = trunc_w(test_value(t), w);
            test_set(t, type, 0, x);
            test_set(t, type, 1, y);
            test_run(t, code);
            uint64_t ext = field(x, pos, len);
            uint64_t sext = ext;
            if (len < 64 && (ext >> (len - 1)) & 1) {
                sext |= ~0ull << len;
            }
            uint64_t mask = (len == 64 ? ~0ull : ((1ull << len) - 1)) << pos;
            uint64_t dep = (x & ~mask) | ((y << pos) & mask);
            bool ok = test_get(t, type, 2) == trunc_w(ext, w) &&
                      test_get(t, type, 3) == trunc_w(sext, w) &&
                      test_get(t, type, 4) == trunc_w(dep, w);
            test_report(t, ok, "bit fields i%u pos %u len %u of %#llx, %#llx", w, pos, len,
                        (unsigned long long)x, (unsigned long long)y);
        }
    }
}

/* mulu2/muls2: double-width products */
static void double_products(TestContext *t, TCGType type)
{
    TCGContext *s = test_tcg(t);
    unsigned w = width_of(type);
    tcg_func_start(s);
    TCGv a = test_global(t, type, 0), b = test_global(t, type, 1);
    tcg_gen_mulu2(s, test_global(t, type, 2), test_global(t, type, 3), a, b);
    tcg_gen_muls2(s, test_global(t, type, 4), test_global(t, type, 5), a, b);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int i = 0; i < 200; i++) {
        uint64_t x = trunc_w(test_value(t), w), y = trunc_w(test_value(t), w);
        test_set(t, type, 0, x);
        test_set(t, type, 1, y);
        test_run(t, code);
        unsigned __int128 u;
        __int128 sp;
        if (w == 32) {
            u = (unsigned __int128)((uint64_t)x * y);
            sp = (__int128)((int64_t)(int32_t)x * (int64_t)(int32_t)y);
        } else {
            u = (unsigned __int128)x * y;
            sp = (__int128)(int64_t)x * (int64_t)y;
        }
        bool ok = test_get(t, type, 2) == trunc_w((uint64_t)u, w) &&
                  test_get(t, type, 3) == trunc_w((uint64_t)(u >> w), w) &&
                  test_get(t, type, 4) == trunc_w((uint64_t)sp, w) &&
                  test_get(t, type, 5) == trunc_w((uint64_t)(sp >> w), w);
        test_report(t, ok, "mul2_i%u (%#llx, %#llx)", w, (unsigned long long)x, (unsigned long long)y);
    }
}

void test_arith(TestContext *t)
{
    for (int ty = 0; ty < 2; ty++) {
        TCGType type = ty ? TCG_TYPE_I64 : TCG_TYPE_I32;
        for (size_t i = 0; i < sizeof(binary_cases) / sizeof(binary_cases[0]); i++) {
            binary_registers(t, &binary_cases[i], type);
            binary_immediates(t, &binary_cases[i], type);
        }
        for (size_t i = 0; i < sizeof(unary_cases) / sizeof(unary_cases[0]); i++) {
            if (!unary_cases[i].only64 || type == TCG_TYPE_I64) {
                unary_case(t, &unary_cases[i], type);
            }
        }
        bit_fields(t, type);
        double_products(t, type);
    }
    width_changes(t);
}

/* Chains where the optimizer drops extensions and masks from known-zero bits. */
void test_known_bits(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    tcg_func_start(s);
    TCGv q0 = test_global(t, TCG_TYPE_I64, 0), q1 = test_global(t, TCG_TYPE_I64, 1);
    TCGv a = tcg_temp_new(s, TCG_TYPE_I64), b = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv l = tcg_temp_new(s, TCG_TYPE_I32);
    tcg_gen_andi(s, a, q0, 0x7f);
    tcg_gen_ext8s(s, b, a);                       /* a < 0x80: b == a */
    tcg_gen_ext8u(s, b, b);
    tcg_gen_shri(s, a, q1, 60);
    tcg_gen_andi(s, a, a, 0xc);                   /* keeps bits 2-3 of a 4-bit value */
    tcg_gen_add(s, test_global(t, TCG_TYPE_I64, 2), a, b);
    tcg_gen_ext32u(s, a, q0);
    tcg_gen_ext16s(s, b, a);                      /* bit 15 may be set: must stay */
    tcg_gen_ext32u(s, b, b);
    tcg_gen_mov(s, test_global(t, TCG_TYPE_I64, 3), b);
    tcg_gen_extrl_i64_i32(s, l, q1);
    tcg_gen_andi(s, l, l, 0xff00);
    tcg_gen_ext16u(s, l, l);
    tcg_gen_ext8s(s, l, l);                       /* low byte is zero: ext8s gives 0 */
    tcg_gen_setcondi(s, TCG_COND_NE, test_global(t, TCG_TYPE_I32, 4), l, 0);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int r = 0; r < 200; r++) {
        uint64_t x = test_value(t), y = test_value(t);
        test_set(t, TCG_TYPE_I64, 0, x);
        test_set(t, TCG_TYPE_I64, 1, y);
        test_run(t, code);
        uint64_t w2 = ((y >> 60) & 0xc) + (x & 0x7f);
        uint64_t w3 = (uint32_t)(int64_t)(int16_t)x;
        uint32_t l4 = (uint32_t)(int32_t)(int8_t)(uint8_t)((uint32_t)y & 0xff00) != 0;
        test_report(t, test_get(t, TCG_TYPE_I64, 2) == w2 && test_get(t, TCG_TYPE_I64, 3) == w3 &&
                    test_get(t, TCG_TYPE_I32, 4) == l4, "known bits (%#llx, %#llx)",
                    (unsigned long long)x, (unsigned long long)y);
    }
}

/* Address shapes the optimizer turns into add_shl (base + index * scale + disp),
 * including an index changed between the shift and the add. */
void test_scaled_adds(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    for (int ty = 0; ty < 2; ty++) {
        TCGType type = ty ? TCG_TYPE_I64 : TCG_TYPE_I32;
        tcg_func_start(s);
        TCGv q0 = test_global(t, type, 0), q1 = test_global(t, type, 1);
        TCGv a = tcg_temp_new(s, type), b = tcg_temp_new(s, type), c = tcg_temp_new(s, type);
        tcg_gen_shli(s, a, q1, 3);
        tcg_gen_add(s, a, a, q0);
        tcg_gen_addi(s, test_global(t, type, 2), a, 8);
        tcg_gen_shli(s, b, q1, 2);
        tcg_gen_add(s, b, q0, b);
        tcg_gen_addi(s, b, b, -0x12345);
        tcg_gen_mov(s, test_global(t, type, 3), b);
        tcg_gen_shli(s, c, q1, 1);
        tcg_gen_addi(s, q1, q1, 1);               /* the index changes: no combining */
        tcg_gen_add(s, test_global(t, type, 4), c, q0);
        tcg_gen_exit_tb(s, 0);
        const void *code = test_compile(t);
        for (int r = 0; r < 100; r++) {
            uint64_t x = test_value(t), y = test_value(t), m = ty ? ~0ull : 0xffffffffull;
            test_set(t, type, 0, x);
            test_set(t, type, 1, y);
            test_run(t, code);
            bool ok = test_get(t, type, 2) == ((x + (y << 3) + 8) & m) &&
                      test_get(t, type, 3) == ((x + (y << 2) - 0x12345) & m) &&
                      test_get(t, type, 4) == ((x + (y << 1)) & m) &&
                      test_get(t, type, 1) == ((y + 1) & m);
            test_report(t, ok, "scaled adds i%d (%#llx, %#llx)", ty ? 64 : 32,
                        (unsigned long long)x, (unsigned long long)y);
        }
    }
}

/* "op t; ext32u t, t" becomes one op with a 32-bit result: every such op,
 * shifts on both sides of 32, and an extension into another temp. */
void test_narrowed_ops(TestContext *t)
{
    static const TCGOpcode ops[] = {
        INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and, INDEX_op_or, INDEX_op_xor,
        INDEX_op_shl,
    };
    TCGContext *s = test_tcg(t);
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (int imm = 0; imm < 2; imm++) {
            int64_t c = ops[k] == INDEX_op_shl ? (imm ? 5 : 40) : -0x1234;
            tcg_func_start(s);
            TCGv q0 = test_global(t, TCG_TYPE_I64, 0), q1 = test_global(t, TCG_TYPE_I64, 1);
            TCGv a = tcg_temp_new(s, TCG_TYPE_I64), b = tcg_temp_new(s, TCG_TYPE_I64);
            if (imm || ops[k] == INDEX_op_shl) {
                tcg_gen_op3i(s, ops[k], a, q0, c);
            } else {
                tcg_gen_op3(s, ops[k], a, q0, q1);
            }
            tcg_gen_ext32u(s, a, a);
            tcg_gen_mov(s, test_global(t, TCG_TYPE_I64, 2), a);
            tcg_gen_neg(s, b, q1);
            tcg_gen_ext32u(s, test_global(t, TCG_TYPE_I64, 3), b);   /* b stays 64-bit */
            tcg_gen_mov(s, test_global(t, TCG_TYPE_I64, 4), b);
            tcg_gen_exit_tb(s, 0);
            const void *code = test_compile(t);
            for (int r = 0; r < 50; r++) {
                uint64_t x = test_value(t), y = test_value(t), want;
                uint64_t yy = (imm || ops[k] == INDEX_op_shl) ? (uint64_t)c : y;
                switch (ops[k]) {
                case INDEX_op_add: want = x + yy; break;
                case INDEX_op_sub: want = x - yy; break;
                case INDEX_op_mul: want = x * yy; break;
                case INDEX_op_and: want = x & yy; break;
                case INDEX_op_or: want = x | yy; break;
                case INDEX_op_xor: want = x ^ yy; break;
                default: want = x << yy; break;
                }
                test_set(t, TCG_TYPE_I64, 0, x);
                test_set(t, TCG_TYPE_I64, 1, y);
                test_run(t, code);
                bool ok = test_get(t, TCG_TYPE_I64, 2) == (uint32_t)want &&
                          test_get(t, TCG_TYPE_I64, 3) == (uint32_t)-y &&
                          test_get(t, TCG_TYPE_I64, 4) == -y;
                test_report(t, ok, "narrowed op %zu%s (%#llx, %#llx)", k, imm ? " imm" : "",
                            (unsigned long long)x, (unsigned long long)y);
            }
        }
    }
}

/* A mask after a zero-extension reads the unextended value when the mask
 * lies inside the extension (and only then). */
void test_masked_extensions(TestContext *t)
{
    TCGContext *s = test_tcg(t);
    tcg_func_start(s);
    TCGv q0 = test_global(t, TCG_TYPE_I64, 0), q1 = test_global(t, TCG_TYPE_I64, 1);
    TCGv q2 = test_global(t, TCG_TYPE_I64, 2);
    TCGv a = tcg_temp_new(s, TCG_TYPE_I64), b = tcg_temp_new(s, TCG_TYPE_I64);
    TCGv c = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_ext8u(s, a, q0);
    tcg_gen_andi(s, test_global(t, TCG_TYPE_I64, 5), a, 0x81);
    tcg_gen_ext8u(s, b, q1);
    tcg_gen_andi(s, test_global(t, TCG_TYPE_I64, 6), b, 0x1ff);   /* wider than the byte */
    tcg_gen_ext16u(s, c, q2);
    tcg_gen_addi(s, q2, q2, 0x10001);                             /* the source changes */
    tcg_gen_andi(s, test_global(t, TCG_TYPE_I64, 7), c, 0xff0f);
    tcg_gen_exit_tb(s, 0);
    const void *code = test_compile(t);
    for (int r = 0; r < 100; r++) {
        uint64_t x = test_value(t), y = test_value(t), z = test_value(t);
        test_set(t, TCG_TYPE_I64, 0, x);
        test_set(t, TCG_TYPE_I64, 1, y);
        test_set(t, TCG_TYPE_I64, 2, z);
        test_run(t, code);
        bool ok = test_get(t, TCG_TYPE_I64, 5) == (x & 0x81) &&
                  test_get(t, TCG_TYPE_I64, 6) == (y & 0xff) &&
                  test_get(t, TCG_TYPE_I64, 7) == (z & 0xff0f) &&
                  test_get(t, TCG_TYPE_I64, 2) == z + 0x10001;
        test_report(t, ok, "masked extensions (%#llx, %#llx, %#llx)", (unsigned long long)x,
                    (unsigned long long)y, (unsigned long long)z);
    }
}
