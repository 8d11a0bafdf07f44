/*
 * The IR optimizer: one forward pass per block doing constant propagation and
 * folding, copy propagation and a few algebraic simplifications. What is known
 * about temps is forgotten at labels (another path may join there) and, for
 * globals, at helper calls that may write them.
 *
 * Copies are tracked with versions: "t is a copy of u" holds while u has not
 * been written since, i.e. while version[u] is what it was at the copy.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "tcg/tcg-internal.h"

typedef struct TempInfo {
    uint32_t gen;                /* the rest describes the temp when this is TCGOptState.gen */
    bool is_const;
    int64_t value;
    int copy_of;                 /* -1: none */
    uint32_t copy_version;
    uint32_t version;
    uint64_t z_mask;             /* bits that may be non-zero */
    /* the value is base + (index << shift) + disp (base -1: none), while
     * base and index keep the versions recorded */
    /* the value is the zero-extension (low bits ext_mask) of ext_src, or its
     * sign extension from 32 bits when ext_signed (the low bits are ext_src's
     * either way), while ext_src keeps ext_src_version */
    int ext_src;
    uint32_t ext_src_version;
    uint64_t ext_mask;
    /* temp ext_by holds extension ext_by_opc of this value, while it keeps
     * ext_by_version (one extension computed once) */
    int ext_by;
    uint32_t ext_by_version;
    int ext_by_opc;
    bool is_scaled;
    bool ext_signed;
    int base, index;
    uint32_t base_version, index_version;
    unsigned shift;
    int64_t disp;
} TempInfo;

/*
 * What is known is forgotten all at once (a block's start, every label) by
 * a new generation: an info of an older one is stale and set up again on its
 * next use, so forgetting costs nothing per temp. Versions may start again
 * at 0 then, as no info of the new generation refers to an older one.
 */
struct TCGOptState {
    TempInfo info[TCG_MAX_TEMPS];
    uint32_t gen;
};

/* Nothing known about temp idx: only the fields the others depend on (ext_mask
 * only counts while ext_src >= 0, base and index while is_scaled, ...). */
static void init_info(TCGContext *s, int idx, TempInfo *ti)
{
    const struct TCGTemp *t = &s->temps[idx];
    assert(idx >= 0 && idx < s->nb_temps);
    ti->gen = s->opt->gen;
    ti->version = 0;
    ti->copy_of = -1;
    ti->ext_src = -1;
    ti->ext_by = -1;
    ti->is_scaled = false;
    ti->is_const = t->kind == TEMP_CONST;
    ti->value = t->value;
    if (ti->is_const) {
        ti->z_mask = t->type == TCG_TYPE_I32 ? (uint32_t)t->value : (uint64_t)t->value;
    } else {
        ti->z_mask = t->type == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
    }
}

/* Only temps that exist have info: an index past nb_temps is an op's constant
 * argument read as a temp, a bug that would describe a future temp wrongly.
 * init_info checks it: a temp's info is current only after an init_info of
 * this generation, and nb_temps does not shrink within one. */
static inline TempInfo *temp_info(TCGContext *s, int idx)
{
    TempInfo *ti = &s->opt->info[idx];
    if (__builtin_expect(ti->gen != s->opt->gen, 0)) {
        init_info(s, idx, ti);
    }
    return ti;
}

/* A constant temp the optimizer creates: temp_info describes it on first use. */
static int optimizer_constant(TCGContext *s, TCGType type, int64_t value)
{
    return tcg_constant_internal(s, type, value)->index;
}

static void forget_temp(TCGContext *s, int idx)
{
    TempInfo *ti = temp_info(s, idx);
    ti->version++;
    ti->copy_of = -1;
    ti->is_scaled = false;
    ti->ext_src = -1;
    ti->ext_by = -1;
    if (s->temps[idx].kind != TEMP_CONST) {
        ti->is_const = false;
        ti->z_mask = s->temps[idx].type == TCG_TYPE_I32 ? 0xffffffffull : ~0ull;
    }
}

/* A new generation (see TCGOptState); at the rare wrap of the counter the
 * infos of generation 0 must not look current. */
static void forget_all(TCGContext *s)
{
    if (++s->opt->gen == 0) {
        for (int i = 0; i < TCG_MAX_TEMPS; i++) {
            s->opt->info[i].gen = 1;
        }
        s->opt->gen = 2;
    }
}

static void forget_globals(TCGContext *s)
{
    for (int i = 0; i < s->nb_globals; i++) {
        forget_temp(s, i);
    }
}

/* Replaces input idx by a constant or the oldest copy of its value. */
static TCGArg canonical_input(TCGContext *s, TCGArg idx)
{
    TempInfo *ti = temp_info(s, (int)idx);
    struct TCGTemp *t = &s->temps[idx];
    if (ti->is_const && t->kind != TEMP_CONST) {
        return optimizer_constant(s, t->type, ti->value);
    }
    if (ti->copy_of >= 0 && temp_info(s, ti->copy_of)->version == ti->copy_version) {
        return ti->copy_of;
    }
    return idx;
}

static bool arg_const(TCGContext *s, TCGArg idx, int64_t *value)
{
    TempInfo *ti = temp_info(s, (int)idx);
    if (ti->is_const) {
        *value = ti->value;
    }
    return ti->is_const;
}

static unsigned bits(TCGType t) { return t == TCG_TYPE_I32 ? 32 : 64; }

static uint64_t width_mask(TCGType t) { return t == TCG_TYPE_I32 ? 0xffffffffull : ~0ull; }

static uint64_t count_leading_zeros(uint64_t x, unsigned width, uint64_t if_zero)
{
    if (x == 0) {
        return if_zero;
    }
    return (uint64_t)(__builtin_clzll(x) - (64 - (int)width));
}

static uint64_t bswap_bits(uint64_t x, unsigned width)
{
    if (width == 16) {
        return ((x & 0xff) << 8) | ((x >> 8) & 0xff);
    }
    if (width == 32) {
        return __builtin_bswap32((uint32_t)x);
    }
    return __builtin_bswap64(x);
}

static bool eval_cond(TCGType type, TCGCond c, int64_t a, int64_t b)
{
    uint64_t ua = (uint64_t)a & width_mask(type), ub = (uint64_t)b & width_mask(type);
    int64_t sa = tcg_normalize(type, a), sb = tcg_normalize(type, b);
    switch (c) {
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return ua == ub;
    case TCG_COND_NE: return ua != ub;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return ua < ub;
    case TCG_COND_GEU: return ua >= ub;
    case TCG_COND_LEU: return ua <= ub;
    case TCG_COND_GTU: return ua > ub;
    default: return false;
    }
}

/* Binary ops of one width; returns false when op is not foldable here. */
static bool fold_binary(TCGOpcode opc, TCGType type, uint64_t x, uint64_t y, uint64_t *r)
{
    unsigned w = bits(type);
    uint64_t m = width_mask(type);
    unsigned sh = (unsigned)(y & (w - 1));
    x &= m;
    switch (opc) {
    case INDEX_op_add: *r = x + y; break;
    case INDEX_op_sub: *r = x - y; break;
    case INDEX_op_mul: *r = x * y; break;
    case INDEX_op_and: *r = x & y; break;
    case INDEX_op_or: *r = x | y; break;
    case INDEX_op_xor: *r = x ^ y; break;
    case INDEX_op_andc: *r = x & ~y; break;
    case INDEX_op_shl: *r = x << sh; break;
    case INDEX_op_shr: *r = x >> sh; break;
    case INDEX_op_sar:
        *r = w == 32 ? (uint64_t)((int32_t)x >> sh) : (uint64_t)((int64_t)x >> sh);
        break;
    case INDEX_op_rotl: *r = sh ? (x << sh) | (x >> (w - sh)) : x; break;
    case INDEX_op_rotr: *r = sh ? (x >> sh) | (x << (w - sh)) : x; break;
    case INDEX_op_clz: *r = count_leading_zeros(x, w, y); break;
    case INDEX_op_ctz: *r = x ? (uint64_t)__builtin_ctzll(x) : y; break;
    default: return false;
    }
    *r &= m;
    return true;
}

static bool fold_unary(TCGOpcode opc, TCGType type, uint64_t x, uint64_t *r)
{
    switch (opc) {
    case INDEX_op_neg: *r = -x; break;
    case INDEX_op_not: *r = ~x; break;
    case INDEX_op_ext8s: *r = (uint64_t)(int8_t)x; break;
    case INDEX_op_ext8u: *r = (uint8_t)x; break;
    case INDEX_op_ext16s: *r = (uint64_t)(int16_t)x; break;
    case INDEX_op_ext16u: *r = (uint16_t)x; break;
    case INDEX_op_ext32s: *r = (uint64_t)(int32_t)x; break;
    case INDEX_op_ext32u: *r = (uint32_t)x; break;
    case INDEX_op_extrl_i64_i32: *r = (uint32_t)x; break;
    case INDEX_op_extrh_i64_i32: *r = x >> 32; break;
    case INDEX_op_extu_i32_i64: *r = (uint32_t)x; break;
    case INDEX_op_exts_i32_i64: *r = (uint64_t)(int32_t)x; break;
    case INDEX_op_bswap16: *r = bswap_bits(x, 16); break;
    case INDEX_op_bswap32: *r = bswap_bits(x, 32); break;
    case INDEX_op_bswap64: *r = bswap_bits(x, 64); break;
    case INDEX_op_ctpop: *r = (uint64_t)__builtin_popcountll(x & width_mask(type)); break;
    default: return false;
    }
    *r &= width_mask(type);
    return true;
}

/* op becomes opc with one output (dst), inputs a and b (nb_iargs of them) and
 * no constant arguments */
static void set_op(TCGOp *op, TCGOpcode opc, int nb_iargs, TCGArg dst, TCGArg a, TCGArg b)
{
    op->opc = opc;
    op->nb_oargs = 1;
    op->nb_iargs = (uint8_t)nb_iargs;
    op->nb_cargs = 0;
    op->args[0] = dst;
    op->args[1] = a;
    op->args[2] = b;
}

static void set_mov(TCGContext *s, TCGOp *op, TCGArg dst, TCGArg src)
{
    set_op(op, INDEX_op_mov, 1, dst, src, 0);
}

static void set_movi(TCGContext *s, TCGOp *op, TCGArg dst, int64_t value)
{
    set_mov(s, op, dst, optimizer_constant(s, (TCGType)op->type, value));
}

static void set_unary(TCGOp *op, TCGOpcode opc, TCGArg dst, TCGArg src)
{
    op->opc = opc;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
    op->args[0] = dst;
    op->args[1] = src;
}

/* x OP x */
static bool simplify_same_operands(TCGContext *s, TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_sub: case INDEX_op_xor: case INDEX_op_andc:
        set_movi(s, op, op->args[0], 0);
        return true;
    case INDEX_op_and: case INDEX_op_or:
        set_mov(s, op, op->args[0], op->args[1]);
        return true;
    default:
        return false;
    }
}

/* x & c: identities, and masks that are zero-extensions */
static bool simplify_and_constant(TCGContext *s, TCGOp *op, int64_t c)
{
    TCGArg dst = op->args[0], a = op->args[1];
    TCGType type = (TCGType)op->type;
    if (c == tcg_normalize(type, -1)) {
        set_mov(s, op, dst, a);
    } else if (c == 0) {
        set_movi(s, op, dst, 0);
    } else if (c == 0xff) {
        set_unary(op, INDEX_op_ext8u, dst, a);
    } else if (c == 0xffff) {
        set_unary(op, INDEX_op_ext16u, dst, a);
    } else if (c == 0xffffffffll && type == TCG_TYPE_I64) {
        set_unary(op, INDEX_op_ext32u, dst, a);
    } else {
        return false;
    }
    return true;
}

/* x OP c with identity or absorbing constants; true when op was rewritten */
static bool simplify_binary(TCGContext *s, TCGOp *op)
{
    TCGArg dst = op->args[0], a = op->args[1];
    TCGType type = (TCGType)op->type;
    int64_t c;
    if (a == op->args[2] && simplify_same_operands(s, op)) {
        return true;
    }
    if (!arg_const(s, op->args[2], &c)) {
        return false;
    }
    c = tcg_normalize(type, c);
    switch (op->opc) {
    case INDEX_op_and:
        return simplify_and_constant(s, op, c);
    case INDEX_op_andc:
        op->opc = INDEX_op_and;
        op->args[2] = optimizer_constant(s, type, ~c);
        simplify_and_constant(s, op, tcg_normalize(type, ~c));
        return true;
    case INDEX_op_mul:
        if (c == 0 || c == 1) {
            c == 0 ? set_movi(s, op, dst, 0) : set_mov(s, op, dst, a);
            return true;
        }
        return false;
    case INDEX_op_add: case INDEX_op_sub: case INDEX_op_or: case INDEX_op_xor:
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr:
        if (c == 0) {
            set_mov(s, op, dst, a);
        } else if (op->opc == INDEX_op_sub) {
            /* x - c is x + (-c): the back end has a three-operand add */
            op->opc = INDEX_op_add;
            op->args[2] = optimizer_constant(s, type, (int64_t)(0 - (uint64_t)c));
        } else if (op->opc == INDEX_op_or && c == tcg_normalize(type, -1)) {
            set_movi(s, op, dst, c);
        } else {
            return false;
        }
        return true;
    default:
        return false;
    }
}

static void note_mov(TCGContext *s, TCGOp *op)
{
    TCGArg dst = op->args[0], src = op->args[1];
    TempInfo *si = temp_info(s, (int)src);
    TempInfo *di = temp_info(s, (int)dst);
    if (dst == src || (di->copy_of == (int)src && si->version == di->copy_version) ||
        (di->is_const && si->is_const && di->value == si->value)) {
        op->removed = true;
        return;
    }
    forget_temp(s, (int)dst);
    di->z_mask = si->z_mask;
    if (si->is_const) {
        di->is_const = true;
        di->value = si->value;
    } else if (s->temps[dst].kind == TEMP_GLOBAL && s->temps[src].kind != TEMP_GLOBAL &&
               s->temps[src].kind != TEMP_CONST && s->temps[src].kind != TEMP_FIXED) {
        /* "mov global, t": later reads of t read the global instead, so t
         * usually dies here and the allocator hands its register to the
         * global rather than copying (the guest register is the value that
         * lives on; t is scratch the front end reuses) */
        si->copy_of = (int)dst;
        si->copy_version = di->version;
        di->ext_by = si->ext_by;
        di->ext_by_version = si->ext_by_version;
        di->ext_by_opc = si->ext_by_opc;
    } else {
        di->copy_of = (int)src;
        di->copy_version = si->version;
    }
}

static bool fold_op(TCGContext *s, TCGOp *op)
{
    TCGOpcode opc = op->opc;
    TCGType type = (TCGType)op->type;
    int64_t x, y;
    uint64_t r;
    if (op->nb_oargs != 1) {
        return false;
    }
    if (op->nb_iargs == 1 && arg_const(s, op->args[1], &x)) {
        if (fold_unary(opc, type, (uint64_t)x, &r)) {
            set_movi(s, op, op->args[0], (int64_t)r);
            return true;
        }
        if (opc == INDEX_op_extract || opc == INDEX_op_sextract) {
            unsigned pos = (unsigned)op->args[2], len = (unsigned)op->args[3];
            uint64_t v = (uint64_t)x << (64 - pos - len);
            r = opc == INDEX_op_extract ? v >> (64 - len) : (uint64_t)((int64_t)v >> (64 - len));
            set_movi(s, op, op->args[0], (int64_t)r);
            return true;
        }
        return false;
    }
    if (op->nb_iargs == 2 && opc != INDEX_op_deposit && arg_const(s, op->args[1], &x) &&
        arg_const(s, op->args[2], &y)) {
        if (opc == INDEX_op_setcond) {
            set_movi(s, op, op->args[0], eval_cond(type, (TCGCond)op->args[3], x, y));
            return true;
        }
        if (fold_binary(opc, type, (uint64_t)x, (uint64_t)y, &r)) {
            set_movi(s, op, op->args[0], (int64_t)r);
            return true;
        }
        return false;
    }
    if (opc == INDEX_op_movcond && arg_const(s, op->args[1], &x) && arg_const(s, op->args[2], &y)) {
        bool c = eval_cond(type, (TCGCond)op->args[5], x, y);
        set_mov(s, op, op->args[0], op->args[c ? 3 : 4]);
        return true;
    }
    if (op->nb_iargs == 2 && opc != INDEX_op_setcond && opc != INDEX_op_deposit &&
        opc != INDEX_op_clz && opc != INDEX_op_ctz && opc < INDEX_op_ld8u) {
        return simplify_binary(s, op);
    }
    return false;
}

/* --- known-zero bits --- */

static uint64_t z_of(TCGContext *s, TCGArg idx) { return temp_info(s, (int)idx)->z_mask; }

static uint64_t low_mask(unsigned len) { return len >= 64 ? ~0ull : (1ull << len) - 1; }

/* Bits of op's (single) output that may be non-zero, from its inputs. */
static uint64_t output_z_mask(TCGContext *s, const TCGOp *op)
{
    TCGType type = (TCGType)op->type;
    uint64_t all = width_mask(type), a = 0, b = 0;
    int64_t c;
    if (op->nb_iargs >= 1) {
        a = z_of(s, op->args[1]);
    }
    if (op->nb_iargs >= 2) {
        b = z_of(s, op->args[2]);
    }
    switch (op->opc) {
    case INDEX_op_and: return a & b & all;
    case INDEX_op_or: case INDEX_op_xor: return (a | b) & all;
    case INDEX_op_ext8u: return a & 0xff;
    case INDEX_op_ext16u: return a & 0xffff;
    case INDEX_op_ext32u: case INDEX_op_extu_i32_i64: case INDEX_op_extrl_i64_i32:
        return a & 0xffffffffull;
    case INDEX_op_ld8u: return 0xff;
    case INDEX_op_ld16u: return 0xffff;
    case INDEX_op_ld32u: return 0xffffffffull;
    case INDEX_op_setcond: return 1;
    case INDEX_op_extract: return low_mask((unsigned)op->args[3]);
    case INDEX_op_ctpop: case INDEX_op_clz: case INDEX_op_ctz:
        return op->opc == INDEX_op_ctpop || (b & ~0x7full) == 0 ? 0x7f : all;
    case INDEX_op_shr:
        if (arg_const(s, op->args[2], &c)) {
            return (a & all) >> (c & (bits(type) - 1));
        }
        return all;
    case INDEX_op_shl:
        if (arg_const(s, op->args[2], &c)) {
            return (a << (c & (bits(type) - 1))) & all;
        }
        return all;
    case INDEX_op_qemu_ld:
        if (!(op->args[2] & (MO_SIGN | MO_BSWAP)) && (op->args[2] & MO_SIZE) != MO_64) {
            return low_mask(8u << (op->args[2] & MO_SIZE));
        }
        return all;
    default:
        return all;
    }
}

/* Extensions and masks that change no bit that may be set. */
static void simplify_by_z_mask(TCGContext *s, TCGOp *op)
{
    if (op->nb_oargs != 1 || op->nb_iargs < 1) {
        return;
    }
    uint64_t a = z_of(s, op->args[1]);
    int64_t c;
    switch (op->opc) {
    case INDEX_op_ext8u: if (!(a & ~0xffull)) break; return;
    case INDEX_op_ext16u: if (!(a & ~0xffffull)) break; return;
    case INDEX_op_ext32u: if (!(a & ~0xffffffffull)) break; return;
    case INDEX_op_ext8s: if (!(a & ~0x7full)) break; return;
    case INDEX_op_ext16s: if (!(a & ~0x7fffull)) break; return;
    case INDEX_op_ext32s: if (!(a & ~0x7fffffffull)) break; return;
    case INDEX_op_and:
        if (arg_const(s, op->args[2], &c) && !(a & ~(uint64_t)c & width_mask((TCGType)op->type))) {
            break;
        }
        return;
    default:
        return;
    }
    set_mov(s, op, op->args[0], op->args[1]);
}

/* --- masks that make a preceding zero-extension redundant --- */

/* bits of its input an extension reads (0: op is not one) */
static uint64_t extension_reads(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_ext8s: case INDEX_op_ext8u: return 0xff;
    case INDEX_op_ext16s: case INDEX_op_ext16u: return 0xffff;
    case INDEX_op_ext32s: case INDEX_op_ext32u: case INDEX_op_extrl_i64_i32:
        return 0xffffffffull;
    default: return 0;
    }
}

/* and d, t, c where t = extNu(x) and c keeps only those N bits: and d, x, c;
 * likewise extM d, t with M <= N (e.g. ext32s of a zero-extended register
 * read): extM d, x */
static void skip_extension_before_mask(TCGContext *s, TCGOp *op)
{
    int64_t c;
    uint64_t reads = extension_reads(op->opc);
    if (op->opc != INDEX_op_and && !reads) {
        return;
    }
    if (reads) {
        c = (int64_t)reads;
    } else if (!arg_const(s, op->args[2], &c)) {
        return;
    }
    const TempInfo *ti = temp_info(s, (int)op->args[1]);
    if (ti->ext_src < 0 ||
        temp_info(s, ti->ext_src)->version != ti->ext_src_version ||
        ((uint64_t)c & ~ti->ext_mask & width_mask((TCGType)op->type)) != 0 ||
        s->temps[ti->ext_src].type != s->temps[op->args[1]].type) {
        return;
    }
    op->args[1] = ti->ext_src;
}

static void note_extension(TCGContext *s, const TCGOp *op)
{
    uint64_t mask;
    switch (op->opc) {
    case INDEX_op_ext8u: mask = 0xff; break;
    case INDEX_op_ext16u: mask = 0xffff; break;
    case INDEX_op_ext32u: case INDEX_op_ext32s: mask = 0xffffffffull; break;
    default: return;
    }
    if (op->args[0] == op->args[1]) {
        return;
    }
    TempInfo *ti = temp_info(s, (int)op->args[0]);
    ti->ext_src = (int)op->args[1];
    ti->ext_src_version = temp_info(s, ti->ext_src)->version;
    ti->ext_mask = mask;
    ti->ext_signed = op->opc == INDEX_op_ext32s;
}

/* extX d, s when another temp already holds extX s: mov d, that temp */
static void reuse_extension(TCGContext *s, TCGOp *op)
{
    if (!extension_reads(op->opc) || op->opc == INDEX_op_extrl_i64_i32) {
        return;
    }
    const TempInfo *si = temp_info(s, (int)op->args[1]);
    if (si->ext_by >= 0 && si->ext_by_opc == op->opc && si->ext_by != (int)op->args[0] &&
        temp_info(s, si->ext_by)->version == si->ext_by_version) {
        set_mov(s, op, op->args[0], si->ext_by);
    }
}

static void note_extension_holder(TCGContext *s, const TCGOp *op)
{
    if (!extension_reads(op->opc) || op->opc == INDEX_op_extrl_i64_i32 ||
        op->args[0] == op->args[1]) {
        return;
    }
    TempInfo *si = temp_info(s, (int)op->args[1]);
    si->ext_by = (int)op->args[0];
    si->ext_by_version = temp_info(s, si->ext_by)->version;
    si->ext_by_opc = op->opc;
}

/* --- address arithmetic: shl by 1..3 and adds become one add_shl --- */

static bool scaled_valid(TCGContext *s, const TempInfo *ti)
{
    return ti->is_scaled && temp_info(s, ti->index)->version == ti->index_version &&
           (ti->base < 0 || temp_info(s, ti->base)->version == ti->base_version);
}

static void set_add_shl(TCGOp *op, TCGArg dst, int base, int index, unsigned shift, int64_t disp)
{
    set_op(op, INDEX_op_add_shl, 2, dst, (TCGArg)base, (TCGArg)index);
    op->nb_cargs = 2;
    op->args[3] = shift;
    op->args[4] = disp;
}

/* add d, x, y where x (or y) is a known scaled value: one add_shl */
static void combine_scaled_add(TCGContext *s, TCGOp *op)
{
    TCGArg dst = op->args[0];
    int64_t k;
    for (int side = 1; side <= 2; side++) {
        TCGArg x = op->args[side], y = op->args[3 - side];
        const TempInfo *xi = temp_info(s, (int)x);
        if (!scaled_valid(s, xi)) {
            continue;
        }
        if (xi->base >= 0 && arg_const(s, y, &k)) {
            int64_t disp = xi->disp + tcg_normalize((TCGType)op->type, k);
            if (disp == (int32_t)disp) {
                set_add_shl(op, dst, xi->base, xi->index, xi->shift, disp);
                return;
            }
        } else if (xi->base < 0 && !arg_const(s, y, &k)) {
            set_add_shl(op, dst, (int)y, xi->index, xi->shift, xi->disp);
            return;
        }
    }
}

/* Records what a shl, add_shl or add of two temps computed, for combine_scaled_add. */
static void note_scaled(TCGContext *s, const TCGOp *op)
{
    int64_t c;
    TempInfo *ti = temp_info(s, (int)op->args[0]);
    if (op->opc == INDEX_op_shl && arg_const(s, op->args[2], &c) && c >= 1 && c <= 3 &&
        op->args[1] != op->args[0]) {
        ti->base = -1;
        ti->index = (int)op->args[1];
        ti->shift = (unsigned)c;
        ti->disp = 0;
    } else if (op->opc == INDEX_op_add && op->type == TCG_TYPE_I64 && !op->narrow32 &&
               op->args[1] != op->args[0] && op->args[2] != op->args[0] &&
               !arg_const(s, op->args[1], &c) && !arg_const(s, op->args[2], &c)) {
        /* base + index: a later add of a constant makes one add_shl (lea) */
        ti->base = (int)op->args[1];
        ti->index = (int)op->args[2];
        ti->shift = 0;
        ti->disp = 0;
    } else if (op->opc == INDEX_op_add_shl && op->args[1] != op->args[0] &&
               op->args[2] != op->args[0]) {
        ti->base = (int)op->args[1];
        ti->index = (int)op->args[2];
        ti->shift = (unsigned)op->args[3];
        ti->disp = op->args[4];
    } else {
        return;
    }
    ti->is_scaled = true;
    ti->index_version = temp_info(s, ti->index)->version;
    if (ti->base >= 0) {
        ti->base_version = temp_info(s, ti->base)->version;
    }
}

/* The 32-bit value whose sign (sign) or zero extension i64 input a is, or -1;
 * a constant that such an extension gives is its own source. */
static int ext32_source(TCGContext *s, TCGArg a, bool sign)
{
    int64_t v;
    if (arg_const(s, a, &v)) {
        return (sign ? v == (int32_t)v : v == (int64_t)(uint32_t)v) ? (int)a : -1;
    }
    const TempInfo *ti = temp_info(s, (int)a);
    if (!sign && (ti->z_mask >> 32) == 0) {
        return (int)a;
    }
    return ti->ext_src >= 0 && ti->ext_mask == 0xffffffffull && ti->ext_signed == sign &&
           temp_info(s, ti->ext_src)->version == ti->ext_src_version &&
           s->temps[ti->ext_src].type == TCG_TYPE_I64 ? ti->ext_src : -1;
}

/*
 * A 64-bit compare (inputs x, x + 1) of two 32-bit values both sign-extended
 * (any condition: the extension keeps signed and unsigned order) or both
 * zero-extended (EQ, NE and the unsigned ones) compares their 32-bit sources
 * instead (narrow32: the back end's 32-bit CMP), and the extensions may die:
 * guest 32-bit CMP; JL/JB/SETcc.
 */
static void narrow_compare(TCGContext *s, TCGOp *op, int x, TCGCond cond)
{
    bool sign_ok = true, zero_ok = cond == TCG_COND_EQ || cond == TCG_COND_NE ||
                   cond == TCG_COND_LTU || cond == TCG_COND_GEU ||
                   cond == TCG_COND_LEU || cond == TCG_COND_GTU;
    int64_t v;
    if (op->type != TCG_TYPE_I64 || op->narrow32 ||
        (arg_const(s, op->args[x], &v) && arg_const(s, op->args[x + 1], &v))) {
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        bool sign = pass == 0;
        if (!(sign ? sign_ok : zero_ok)) {
            continue;
        }
        int a = ext32_source(s, op->args[x], sign), b = ext32_source(s, op->args[x + 1], sign);
        /* (nothing to gain when no extension is skipped; a 64-bit compare
         * may reuse the flags of a 64-bit op) */
        if (a >= 0 && b >= 0 && ((TCGArg)a != op->args[x] || (TCGArg)b != op->args[x + 1])) {
            op->args[x] = (TCGArg)a;
            op->args[x + 1] = (TCGArg)b;
            op->narrow32 = true;
            return;
        }
    }
}

static void optimize_brcond(TCGContext *s, TCGOp *op)
{
    int64_t x, y;
    if (arg_const(s, op->args[0], &x) && arg_const(s, op->args[1], &y)) {
        if (eval_cond((TCGType)op->type, (TCGCond)op->args[2], x, y)) {
            TCGArg label = op->args[3];
            op->opc = INDEX_op_br;
            op->nb_iargs = 0;
            op->nb_cargs = 1;
            op->args[0] = label;
            forget_all(s);
        } else {
            op->removed = true;
        }
        return;
    }
    narrow_compare(s, op, 0, (TCGCond)op->args[2]);
}

static void optimize_op(TCGContext *s, TCGOp *op)
{
    int first_in = op->nb_oargs;
    for (int i = first_in; i < first_in + op->nb_iargs; i++) {
        op->args[i] = canonical_input(s, op->args[i]);
    }
    switch (op->opc) {
    case INDEX_op_set_label:
    case INDEX_op_br:
        forget_all(s);
        return;
    case INDEX_op_brcond:
        optimize_brcond(s, op);
        return;
    case INDEX_op_call:
        if ((op->args[op->nb_oargs + op->nb_iargs + 1] & TCG_CALL_NO_WRITE_GLOBALS) == 0) {
            forget_globals(s);
        }
        break;
    default:
        reuse_extension(s, op);
        if (op->opc != INDEX_op_mov && !fold_op(s, op)) {
            simplify_by_z_mask(s, op);
        }
        if (op->opc == INDEX_op_add) {
            combine_scaled_add(s, op);
        } else if (op->opc == INDEX_op_setcond) {
            narrow_compare(s, op, 1, (TCGCond)op->args[3]);
        }
        skip_extension_before_mask(s, op);
        break;
    }
    if (op->opc == INDEX_op_mov) {
        note_mov(s, op);
        return;
    }
    uint64_t z = op->nb_oargs == 1 && op->opc != INDEX_op_call ? output_z_mask(s, op) : ~0ull;
    for (int i = 0; i < op->nb_oargs; i++) {
        forget_temp(s, (int)op->args[i]);
    }
    if (op->nb_oargs == 1 && op->opc != INDEX_op_call) {
        temp_info(s, (int)op->args[0])->z_mask &= z;
        note_scaled(s, op);
        note_extension(s, op);
        note_extension_holder(s, op);
    }
}

/* Inputs of the op before the current one that were, when it ran, ext32u of
 * another temp (still unchanged then): after narrowing, that op reads the
 * source itself (the zero-extension is then dead). */
typedef struct PrevExt {
    int n;
    int temp[TCG_MAX_OP_ARGS], src[TCG_MAX_OP_ARGS];
} PrevExt;

static void note_input_exts(TCGContext *s, const TCGOp *op, PrevExt *pe)
{
    pe->n = 0;
    if (op->type != TCG_TYPE_I64 || op->opc == INDEX_op_call) {
        return;
    }
    for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        const TempInfo *ti = temp_info(s, (int)op->args[i]);
        if (ti->ext_src >= 0 && ti->ext_mask == 0xffffffffull &&
            temp_info(s, ti->ext_src)->version == ti->ext_src_version &&
            s->temps[ti->ext_src].type == TCG_TYPE_I64) {
            pe->temp[pe->n] = (int)op->args[i];
            pe->src[pe->n++] = ti->ext_src;
        }
    }
}

static void skip_input_exts(TCGOp *op, const PrevExt *pe)
{
    for (int i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
        for (int k = 0; k < pe->n; k++) {
            if ((int)op->args[i] == pe->temp[k]) {
                op->args[i] = (TCGArg)pe->src[k];
                break;
            }
        }
    }
}

/*
 * ext32u t, t right after the i64 op that computed t: the op can produce the
 * zero-extended 32-bit result itself (its low 32 bits depend only on the low
 * 32 bits of its inputs), which hosts do for free; for the same reason its
 * zero-extended inputs can be their sources (pe). ext32u d, t likewise when
 * nothing reads t afterwards: the op writes d (a guest 32-bit NOT, SHL or LEA
 * into a register was the op into a temp and a zero-extending move).
 */
/* Whether no op after ops[n] reads temp t before writing it, along the path
 * that falls through from ops[n] (not known past a branch or a long window). */
static bool unread_after(TCGContext *s, int n, TCGArg t)
{
    if (s->temps[t].kind != TEMP_NORMAL && s->temps[t].kind != TEMP_LOCAL) {
        return false;
    }
    for (int k = n + 1, window = 64; k < s->nb_ops && window > 0; k++, window--) {
        const TCGOp *o = &s->ops[k];
        if (o->removed) {
            continue;
        }
        for (int i = o->nb_oargs; i < o->nb_oargs + o->nb_iargs; i++) {
            if (o->args[i] == t) {
                return false;
            }
        }
        if (o->opc == INDEX_op_exit_tb || o->opc == INDEX_op_goto_ptr) {
            return true;
        }
        if (o->opc == INDEX_op_br || o->opc == INDEX_op_brcond || o->opc == INDEX_op_call) {
            return false;
        }
        for (int i = 0; i < o->nb_oargs; i++) {
            if (o->args[i] == t) {
                return true;
            }
        }
    }
    return false;
}

static bool narrow_to_32(TCGContext *s, TCGOp *prev, TCGOp *op, const PrevExt *pe)
{
    int64_t c;
    if (op->opc != INDEX_op_ext32u || !prev || prev->nb_oargs != 1 ||
        prev->args[0] != op->args[1] || prev->narrow32 || prev->type != TCG_TYPE_I64) {
        return false;
    }
    /* ext32u d, t with t read by nobody after: the op writes d itself */
    if (op->args[0] != op->args[1] && !unread_after(s, (int)(op - s->ops), op->args[1])) {
        return false;
    }
    switch (prev->opc) {
    case INDEX_op_add: case INDEX_op_sub: case INDEX_op_mul: case INDEX_op_and:
    case INDEX_op_or: case INDEX_op_xor: case INDEX_op_neg: case INDEX_op_not:
    case INDEX_op_add_shl:
        break;
    case INDEX_op_shl:
        if (arg_const(s, prev->args[2], &c) && c >= 0 && c < 32) {
            break;
        }
        return false;
    default:
        return false;
    }
    prev->narrow32 = true;
    skip_input_exts(prev, pe);
    op->removed = true;
    if (op->args[0] != op->args[1]) {
        forget_temp(s, (int)op->args[1]);
        prev->args[0] = op->args[0];
    }
    forget_temp(s, (int)op->args[0]);
    temp_info(s, (int)op->args[0])->z_mask = 0xffffffffull;
    return true;
}

/*
 * extrl_i64_i32 v, x; rotl/rotr_i32 v, v, $c; extu_i32_i64 d, v (a front end's
 * 32-bit rotate of a 64-bit value: guest ROL/ROR r32, imm) is one i64 rotate
 * with narrow32, the host's 32-bit rotate of x's low half, whose result is
 * zero-extended: no moves into and out of v (sha256's ROR/XOR chains). The
 * first two ops stay for any later reader of v; liveness drops them otherwise.
 */
static bool fuse_rotate32(TCGContext *s, const TCGOp *prev2, const TCGOp *prev, TCGOp *op)
{
    int64_t c;
    if (op->opc != INDEX_op_extu_i32_i64 || !prev || !prev2 ||
        (prev->opc != INDEX_op_rotl && prev->opc != INDEX_op_rotr) ||
        prev->type != TCG_TYPE_I32 || prev->args[0] != op->args[1] ||
        prev->args[1] != op->args[1] || !arg_const(s, prev->args[2], &c) ||
        prev2->opc != INDEX_op_extrl_i64_i32 || prev2->args[0] != op->args[1]) {
        return false;
    }
    TCGArg dst = op->args[0];
    set_op(op, (TCGOpcode)prev->opc, 2, dst, prev2->args[1],
           (TCGArg)optimizer_constant(s, TCG_TYPE_I64, c & 31));
    op->type = TCG_TYPE_I64;
    op->narrow32 = true;
    forget_temp(s, (int)dst);
    temp_info(s, (int)dst)->z_mask = 0xffffffffull;
    return true;
}

void tcg_optimize(TCGContext *s)
{
    if (!s->opt) {
        s->opt = calloc(1, sizeof(struct TCGOptState));
        if (!s->opt) {
            return;
        }
    }
    forget_all(s);
    TCGOp *prev = NULL, *prev2 = NULL;
    PrevExt pe_buf[2] = { { 0 }, { 0 } };
    PrevExt *pe_prev = &pe_buf[0], *pe_cur = &pe_buf[1];   /* prev's, the current op's */
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        if (op->removed) {
            continue;
        }
        if (op->opc == INDEX_op_ext32u && narrow_to_32(s, prev, op, pe_prev)) {
            continue;
        }
        if (fuse_rotate32(s, prev2, prev, op)) {
            pe_cur->n = 0;
        } else {
            note_input_exts(s, op, pe_cur);
            optimize_op(s, op);
        }
        if (!op->removed) {
            prev2 = prev;
            prev = op;
            PrevExt *t = pe_prev;
            pe_prev = pe_cur;
            pe_cur = t;
        }
    }
}
