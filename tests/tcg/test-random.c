/*
 * Random IR programs: sequences of ops over globals and many temps (more than
 * the host has registers), with forward branches, helper calls and guest memory
 * accesses, compiled and run, and compared with a C evaluation of the same
 * sequence. This exercises the optimizer, liveness and register allocator in
 * combinations the per-op tests do not reach.
 */
#include <stdio.h>
#include <string.h>
#include "tests/tcg/test-tcg.h"

enum { NQ = 8, NL = 4, NT64 = 20, NT32 = 10 };
enum { SLOT_Q = 0, SLOT_L = NQ, SLOT_T64 = NQ + NL, SLOT_T32 = SLOT_T64 + NT64,
       NSLOTS = SLOT_T32 + NT32 };
enum { K_BINARY, K_UNARY, K_SETCOND, K_MOVCOND, K_MOV, K_MOVI, K_FIELD, K_WIDTH,
       K_MUL2, K_CALL_PURE, K_CALL_ENV, K_LOAD, K_STORE, K_SKIP, NKINDS };

typedef struct RInsn {
    int kind;
    TCGOpcode opc;
    TCGType type;
    int dst, dst2, a, b, c, d;   /* slots; b < 0 means the constant imm */
    int64_t imm;
    TCGCond cond;
    unsigned pos, len;
    int skip;                    /* K_SKIP: how many following insns */
} RInsn;

typedef struct RProgram {
    int n;
    RInsn insn[80];
} RProgram;

static const TCGOpcode binary_ops[] = {
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and, INDEX_op_or, INDEX_op_xor,
    INDEX_op_andc, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr,
    INDEX_op_clz, INDEX_op_ctz,
};
static const TCGOpcode unary_ops[] = {
    INDEX_op_neg, INDEX_op_not, INDEX_op_ext8s, INDEX_op_ext8u, INDEX_op_ext16s,
    INDEX_op_ext16u, INDEX_op_bswap16, INDEX_op_bswap32, INDEX_op_ctpop,
    INDEX_op_ext32s, INDEX_op_ext32u, INDEX_op_bswap64,
};
static const TCGCond conds[] = {
    TCG_COND_EQ, TCG_COND_NE, TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int pick_slot(TestContext *t, TCGType type)
{
    uint64_t r = test_rand(t);
    if (type == TCG_TYPE_I64) {
        return (r & 3) == 0 ? SLOT_Q + (int)((r >> 8) % NQ) : SLOT_T64 + (int)((r >> 8) % NT64);
    }
    return (r & 3) == 0 ? SLOT_L + (int)((r >> 8) % NL) : SLOT_T32 + (int)((r >> 8) % NT32);
}

static void random_insn(TestContext *t, RInsn *in, bool allow_skip)
{
    memset(in, 0, sizeof(*in));
    do {
        in->kind = (int)(test_rand(t) % NKINDS);
    } while (in->kind == K_SKIP && !allow_skip);
    in->type = (test_rand(t) & 1) ? TCG_TYPE_I64 : TCG_TYPE_I32;
    if (in->kind == K_CALL_PURE || in->kind == K_CALL_ENV || in->kind == K_LOAD ||
        in->kind == K_STORE) {
        in->type = TCG_TYPE_I64;
    }
    in->dst = pick_slot(t, in->type);
    in->dst2 = pick_slot(t, in->type);
    while (in->dst2 == in->dst) {
        in->dst2 = pick_slot(t, in->type);
    }
    in->a = pick_slot(t, in->type);
    in->b = (test_rand(t) % 3) ? pick_slot(t, in->type) : -1;
    in->c = pick_slot(t, in->type);
    in->d = pick_slot(t, in->type);
    in->imm = (int64_t)test_value(t);
    if (in->type == TCG_TYPE_I32) {
        in->imm = (int32_t)in->imm;
    }
    do {
        in->opc = in->kind == K_UNARY ? unary_ops[test_rand(t) % COUNT(unary_ops)]
                                      : binary_ops[test_rand(t) % COUNT(binary_ops)];
    } while (in->type == TCG_TYPE_I32 && (in->opc == INDEX_op_ext32s ||
             in->opc == INDEX_op_ext32u || in->opc == INDEX_op_bswap64));
    if (in->kind == K_BINARY && in->opc == INDEX_op_shl && (test_rand(t) & 1)) {
        in->b = -1;
        in->imm = 1 + (int64_t)(test_rand(t) % 3);      /* scaled-index address shapes */
    }
    in->cond = conds[test_rand(t) % COUNT(conds)];
    unsigned w = in->type == TCG_TYPE_I32 ? 32 : 64;
    in->pos = (unsigned)(test_rand(t) % w);
    in->len = 1 + (unsigned)(test_rand(t) % (w - in->pos));
    in->skip = 1 + (int)(test_rand(t) % 4);
}

/* --- the C evaluation --- */

typedef struct RState {
    uint64_t v[NSLOTS];
    uint64_t sums[8];
    uint8_t mem[4096];
} RState;

static uint64_t trunc_to(TCGType type, uint64_t v) { return type == TCG_TYPE_I32 ? (uint32_t)v : v; }

static uint64_t operand_b(const RState *st, const RInsn *in)
{
    return in->b < 0 ? trunc_to(in->type, (uint64_t)in->imm) : st->v[in->b];
}

static uint64_t eval_binary(TCGOpcode opc, TCGType type, uint64_t a, uint64_t b)
{
    unsigned w = type == TCG_TYPE_I32 ? 32 : 64, n = (unsigned)(b % w);
    int64_t sa = type == TCG_TYPE_I32 ? (int32_t)a : (int64_t)a;
    switch (opc) {
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_andc: return a & ~b;
    case INDEX_op_shl: return a << n;
    case INDEX_op_shr: return a >> n;
    case INDEX_op_sar: return (uint64_t)(sa >> n);
    case INDEX_op_rotl: return n ? (a << n) | (a >> (w - n)) : a;
    case INDEX_op_clz: return a ? (uint64_t)(__builtin_clzll(a) - (64 - (int)w)) : b;
    case INDEX_op_ctz: return a ? (uint64_t)__builtin_ctzll(a) : b;
    default: return n ? (a >> n) | (a << (w - n)) : a;
    }
}

static uint64_t eval_unary(TCGOpcode opc, uint64_t a)
{
    switch (opc) {
    case INDEX_op_ctpop: return (uint64_t)__builtin_popcountll(a);
    case INDEX_op_ext32s: return (uint64_t)(int64_t)(int32_t)a;
    case INDEX_op_ext32u: return (uint32_t)a;
    case INDEX_op_bswap64: return __builtin_bswap64(a);
    case INDEX_op_neg: return -a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return (uint64_t)(int64_t)(int8_t)a;
    case INDEX_op_ext8u: return (uint8_t)a;
    case INDEX_op_ext16s: return (uint64_t)(int64_t)(int16_t)a;
    case INDEX_op_ext16u: return (uint16_t)a;
    case INDEX_op_bswap16: return ((a & 0xff) << 8) | ((a >> 8) & 0xff);
    default: return __builtin_bswap32((uint32_t)a);
    }
}

static bool eval_cond(TCGType type, TCGCond c, uint64_t a, uint64_t b)
{
    int64_t sa = type == TCG_TYPE_I32 ? (int32_t)a : (int64_t)a;
    int64_t sb = type == TCG_TYPE_I32 ? (int32_t)b : (int64_t)b;
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
    default: return a > b;
    }
}

static uint64_t helper_pure(uint64_t a, uint64_t b) { return (a ^ (b >> 3)) * 0x9e3779b97f4a7c15ull; }

static void eval_memory(RState *st, const RInsn *in)
{
    unsigned addr = (unsigned)(st->v[in->a] & 0xff8);
    if (in->kind == K_LOAD) {
        uint64_t v;
        memcpy(&v, st->mem + addr, 8);
        st->v[in->dst] = v;
    } else {
        memcpy(st->mem + addr, &st->v[in->c], 8);
    }
}

static void eval_insn(RState *st, const RInsn *in)
{
    TCGType ty = in->type;
    uint64_t a = st->v[in->a], b = operand_b(st, in), r;
    unsigned w = ty == TCG_TYPE_I32 ? 32 : 64;
    switch (in->kind) {
    case K_BINARY: r = eval_binary(in->opc, ty, a, b); break;
    case K_UNARY: r = eval_unary(in->opc, a); break;
    case K_SETCOND: r = eval_cond(ty, in->cond, a, b); break;
    case K_MOVCOND: r = eval_cond(ty, in->cond, a, b) ? st->v[in->c] : st->v[in->d]; break;
    case K_MOV: r = a; break;
    case K_MOVI: r = (uint64_t)in->imm; break;
    case K_FIELD: {
        uint64_t mask = (in->len == 64 ? ~0ull : (1ull << in->len) - 1) << in->pos;
        r = (a & ~mask) | ((st->v[in->c] << in->pos) & mask);
        break;
    }
    case K_WIDTH:
        /* i32: low half of a 64-bit slot; i64: sign-extended i32 slot */
        r = ty == TCG_TYPE_I32 ? st->v[SLOT_Q + (in->a % NQ)]
                               : (uint64_t)(int64_t)(int32_t)st->v[SLOT_L + (in->a % NL)];
        break;
    case K_MUL2: {
        unsigned __int128 p;
        if (in->cond & 1) {
            __int128 sp = ty == TCG_TYPE_I32 ? (__int128)((int64_t)(int32_t)a * (int32_t)b)
                                             : (__int128)(int64_t)a * (int64_t)b;
            p = (unsigned __int128)sp;
        } else {
            p = ty == TCG_TYPE_I32 ? (unsigned __int128)(a * b) : (unsigned __int128)a * b;
        }
        st->v[in->dst] = trunc_to(ty, (uint64_t)p);
        st->v[in->dst2] = trunc_to(ty, (uint64_t)(p >> w));
        return;
    }
    case K_CALL_PURE: r = helper_pure(a, b); break;
    case K_CALL_ENV:
        st->v[SLOT_Q + 7] = st->v[SLOT_Q + 7] * 5 + 1;
        return;
    case K_LOAD: case K_STORE:
        eval_memory(st, in);
        return;
    default:
        return;
    }
    st->v[in->dst] = trunc_to(ty, r);
}

static void eval_program(RState *st, const RProgram *p)
{
    for (int i = 0; i < p->n; i++) {
        const RInsn *in = &p->insn[i];
        if (in->kind == K_SKIP) {
            if (eval_cond(in->type, in->cond, st->v[in->a], operand_b(st, in))) {
                i += in->skip;
            }
            continue;
        }
        eval_insn(st, in);
    }
}

/* --- the same as IR --- */

typedef struct RGen {
    TestContext *t;
    TCGContext *s;
    TCGv slot[NSLOTS];
} RGen;

static TCGv gen_b(RGen *g, const RInsn *in)
{
    return in->b < 0 ? tcg_constant(g->s, in->type, in->imm) : g->slot[in->b];
}

static void helper_touch(void *env)
{
    uint64_t *q7 = (uint64_t *)env + 7;      /* TestEnv starts with q0..q15 */
    *q7 = *q7 * 5 + 1;
}

static void gen_memory(RGen *g, const RInsn *in)
{
    TCGv addr = tcg_temp_new(g->s, TCG_TYPE_I64);
    tcg_gen_andi(g->s, addr, g->slot[in->a], 0xff8);
    if (in->kind == K_LOAD) {
        tcg_gen_qemu_ld(g->s, g->slot[in->dst], addr, MO_UQ);
    } else {
        tcg_gen_qemu_st(g->s, g->slot[in->c], addr, MO_UQ);
    }
    tcg_temp_free(g->s, addr);
}

static void gen_insn(RGen *g, const RInsn *in)
{
    TCGContext *s = g->s;
    TCGv d = g->slot[in->dst], a = g->slot[in->a];
    switch (in->kind) {
    case K_BINARY: tcg_gen_op3(s, in->opc, d, a, gen_b(g, in)); break;
    case K_UNARY: tcg_gen_op2(s, in->opc, d, a); break;
    case K_SETCOND: tcg_gen_setcond(s, in->cond, d, a, gen_b(g, in)); break;
    case K_MOVCOND:
        tcg_gen_movcond(s, in->cond, d, a, gen_b(g, in), g->slot[in->c], g->slot[in->d]);
        break;
    case K_MOV: tcg_gen_mov(s, d, a); break;
    case K_MOVI: tcg_gen_movi(s, d, in->imm); break;
    case K_FIELD: tcg_gen_deposit(s, d, a, g->slot[in->c], in->pos, in->len); break;
    case K_WIDTH:
        if (in->type == TCG_TYPE_I32) {
            tcg_gen_extrl_i64_i32(s, d, g->slot[SLOT_Q + (in->a % NQ)]);
        } else {
            tcg_gen_exts_i32_i64(s, d, g->slot[SLOT_L + (in->a % NL)]);
        }
        break;
    case K_MUL2:
        if (in->cond & 1) {
            tcg_gen_muls2(s, d, g->slot[in->dst2], a, gen_b(g, in));
        } else {
            tcg_gen_mulu2(s, d, g->slot[in->dst2], a, gen_b(g, in));
        }
        break;
    case K_CALL_PURE: {
        TCGv args[2] = { a, gen_b(g, in) };
        tcg_gen_call(s, (void *)helper_pure, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, d, 2, args);
        break;
    }
    case K_CALL_ENV: {
        TCGv args[1] = { tcg_env(s) };
        tcg_gen_call(s, (void *)helper_touch, 0, NULL, 1, args);
        break;
    }
    default:
        gen_memory(g, in);
        break;
    }
}

static void gen_program(RGen *g, const RProgram *p)
{
    TCGContext *s = g->s;
    tcg_func_start(s);
    for (int i = 0; i < NQ; i++) {
        g->slot[SLOT_Q + i] = test_global(g->t, TCG_TYPE_I64, i);
    }
    for (int i = 0; i < NL; i++) {
        g->slot[SLOT_L + i] = test_global(g->t, TCG_TYPE_I32, i);
    }
    /* temps start as copies of globals (the C side does the same) */
    for (int i = 0; i < NT64; i++) {
        g->slot[SLOT_T64 + i] = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_mov(s, g->slot[SLOT_T64 + i], g->slot[SLOT_Q + i % NQ]);
    }
    for (int i = 0; i < NT32; i++) {
        g->slot[SLOT_T32 + i] = tcg_temp_new(s, TCG_TYPE_I32);
        tcg_gen_mov(s, g->slot[SLOT_T32 + i], g->slot[SLOT_L + i % NL]);
    }
    TCGLabel *pending = NULL;
    int pending_at = -1;
    for (int i = 0; i < p->n; i++) {
        const RInsn *in = &p->insn[i];
        if (in->kind == K_SKIP) {
            pending = tcg_gen_new_label(s);
            pending_at = i + in->skip;
            tcg_gen_brcond(s, in->cond, g->slot[in->a], gen_b(g, in), pending);
        } else {
            gen_insn(g, in);
        }
        if (pending && i == pending_at) {
            tcg_gen_set_label(s, pending);
            pending = NULL;
        }
    }
    if (pending) {
        tcg_gen_set_label(s, pending);
    }
    /* temps become visible through the globals q8..q15 (a checksum each) */
    for (int i = 0; i < 8; i++) {
        TCGv sum = test_global(g->t, TCG_TYPE_I64, 8 + i);
        tcg_gen_mov(s, sum, g->slot[SLOT_T64 + i]);
        tcg_gen_xor(s, sum, sum, g->slot[SLOT_T64 + i + 8]);
        TCGv wide = tcg_temp_new(s, TCG_TYPE_I64);
        tcg_gen_extu_i32_i64(s, wide, g->slot[SLOT_T32 + i]);
        tcg_gen_rotli(s, wide, wide, 7 * i);
        tcg_gen_add(s, sum, sum, wide);
    }
    tcg_gen_exit_tb(s, 0);
}

static void checksums(RState *st)
{
    for (int i = 0; i < 8; i++) {
        uint64_t wide = (uint32_t)st->v[SLOT_T32 + i];
        unsigned n = (7u * (unsigned)i) % 64;
        wide = n ? (wide << n) | (wide >> (64 - n)) : wide;
        st->sums[i] = (st->v[SLOT_T64 + i] ^ st->v[SLOT_T64 + i + 8]) + wide;
    }
}

static void make_program(TestContext *t, RProgram *p)
{
    p->n = 20 + (int)(test_rand(t) % 60);
    int skip_until = -1;
    for (int i = 0; i < p->n; i++) {
        random_insn(t, &p->insn[i], i > skip_until);
        if (p->insn[i].kind == K_SKIP) {
            skip_until = i + p->insn[i].skip;
        }
    }
}

static bool run_once(TestContext *t, const RProgram *p, const void *code, int round)
{
    static RState st;
    uint8_t *mem = test_guest_memory(t);
    for (int i = 0; i < NQ; i++) {
        st.v[SLOT_Q + i] = test_value(t);
        test_set(t, TCG_TYPE_I64, i, st.v[SLOT_Q + i]);
    }
    for (int i = 0; i < NL; i++) {
        st.v[SLOT_L + i] = (uint32_t)test_value(t);
        test_set(t, TCG_TYPE_I32, i, st.v[SLOT_L + i]);
    }
    for (int i = 0; i < NT64; i++) {
        st.v[SLOT_T64 + i] = st.v[SLOT_Q + i % NQ];
    }
    for (int i = 0; i < NT32; i++) {
        st.v[SLOT_T32 + i] = st.v[SLOT_L + i % NL];
    }
    for (int i = 0; i < 4096; i++) {
        mem[i] = (uint8_t)test_rand(t);
    }
    memcpy(st.mem, mem, 4096);
    eval_program(&st, p);
    checksums(&st);
    test_run(t, code);
    bool ok = memcmp(st.mem, mem, 4096) == 0;
    for (int i = 0; i < NQ; i++) {
        ok &= test_get(t, TCG_TYPE_I64, i) == st.v[SLOT_Q + i];
    }
    for (int i = 0; i < NL; i++) {
        ok &= test_get(t, TCG_TYPE_I32, i) == (uint32_t)st.v[SLOT_L + i];
    }
    for (int i = 0; i < 8; i++) {
        ok &= test_get(t, TCG_TYPE_I64, 8 + i) == st.sums[i];
    }
    return ok;
}

void test_random_programs(TestContext *t)
{
    static RProgram prog;
    RGen g = { .t = t, .s = test_tcg(t) };
    for (int n = 0; n < 300; n++) {
        make_program(t, &prog);
        gen_program(&g, &prog);
        const void *code = test_compile(t);
        bool ok = code != NULL;
        for (int r = 0; r < 4 && ok; r++) {
            ok = run_once(t, &prog, code, r);
        }
        test_report(t, ok, "random program %d (%d ops)", n, prog.n);
        if (!ok && test_verbose(t)) {
            tcg_dump_ops(g.s, stdout);
        }
    }
}
