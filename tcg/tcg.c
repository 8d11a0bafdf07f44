/*
 * The translator's context, temps and the IR-building interface of tcg/tcg.h.
 * Ops are appended to an array; the passes in optimize.c, liveness.c and
 * regalloc.c turn that array into host code.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tcg/tcg-backend.h"

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(name, oargs, iargs, cargs, flags) { #name, oargs, iargs, cargs, flags },
#include "tcg/tcg-opc.h"
#undef DEF
};

static void *xrealloc(void *p, size_t size)
{
    void *r = realloc(p, size);
    if (!r) {
        fprintf(stderr, "tcg: out of memory\n");
        abort();
    }
    return r;
}

static void fatal_ir(const char *what)
{
    fprintf(stderr, "tcg: %s\n", what);
    abort();
}

int64_t tcg_normalize(TCGType type, int64_t value)
{
    return type == TCG_TYPE_I32 ? (int64_t)(int32_t)value : value;
}

/* --- context lifetime --- */

TCGContext *tcg_context_new(size_t code_buffer_size)
{
    TCGContext *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    if (code_buffer_size < 64 * 1024) {
        code_buffer_size = 64 * 1024;
    }
    /* below the emulator's own code when possible (away from its heap), so that
     * helper calls are direct rel32 calls; the address is only a hint */
    uintptr_t self = (uintptr_t)tcg_context_new & ~(uintptr_t)0xffff;
    uintptr_t gap = (256u << 20) + code_buffer_size;
    uintptr_t hint = self > gap + (1u << 30) ? self - gap : 0;
    void *buf = mmap((void *)hint, code_buffer_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        free(s);
        return NULL;
    }
    /* blocks fill the buffer in order: a fault per 4 KiB page of it costs more
     * than zeroing a huge page (a hint only; it is fine without) */
    madvise(buf, code_buffer_size, MADV_HUGEPAGE);
    s->code_buf = buf;
    s->code_buf_size = code_buffer_size;
    s->code_ptr = s->code_buf;
    s->code_block_start = s->code_buf;
    s->code_limit = s->code_buf + code_buffer_size;
    tcg_target_emit_prologue(s);
    /* keep generated blocks aligned away from the prologue */
    uintptr_t p = ((uintptr_t)s->code_ptr + 63) & ~(uintptr_t)63;
    s->code_gen_start = (uint8_t *)p;
    s->log = stderr;

    struct TCGTemp *env = &s->temps[0];
    env->type = TCG_TYPE_PTR;
    env->kind = TEMP_FIXED;
    env->index = 0;
    env->name = "env";
    env->location = TEMP_VAL_REG;
    env->reg = tcg_target_env_reg;
    s->env = env;
    s->nb_globals = 1;
    s->nb_temps = 1;
    tcg_func_start(s);
    return s;
}

void tcg_context_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    munmap(s->code_buf, s->code_buf_size);
    for (int i = 0; i < s->labels_capacity; i++) {
        free(s->labels[i]);
    }
    free(s->labels);
    free(s->ops);
    free(s->relocs);
    free(s->opt);
    free(s->live);
    free(s->label_live);
    free(s->sel_at);
    tcg_side_exits_free(s);
    free(s->slow_paths);
    free(s);
}

void tcg_set_log(TCGContext *s, unsigned log_flags, FILE *log)
{
    s->log_flags = log_flags;
    s->log = log ? log : stderr;
}

unsigned tcg_log_flags(const TCGContext *s) { return s->log_flags; }
FILE *tcg_log_file(const TCGContext *s) { return s->log; }
void tcg_set_guest_base(TCGContext *s, uintptr_t guest_base) { s->guest_base = guest_base; }
void tcg_set_addr32_fold(TCGContext *s, bool on) { s->addr32_fold = on; }

void tcg_set_softmmu(TCGContext *s, const TCGSoftMMU *config)
{
    s->has_softmmu = config != NULL;
    if (config) {
        s->softmmu = *config;
    }
}

unsigned tcg_insn_count(const TCGContext *s) { return s->nb_insn_starts; }

TCGIRMark tcg_ir_mark(const TCGContext *s)
{
    return (TCGIRMark) { s->nb_ops, s->nb_labels, s->nb_insn_starts };
}

void tcg_ir_rollback(TCGContext *s, TCGIRMark m)
{
    s->nb_ops = m.ops;
    s->nb_labels = m.labels;
    s->nb_insn_starts = m.insn_starts;
}

void *tcg_code_buffer(TCGContext *s, size_t *usable_size)
{
    if (usable_size) {
        *usable_size = s->code_buf_size - (size_t)(s->code_gen_start - s->code_buf);
    }
    return s->code_gen_start;
}

const void *tcg_code_gen_epilogue(TCGContext *s) { return s->epilogue_return0; }

uintptr_t tcg_exec_tb(TCGContext *s, void *env, const void *code)
{
    uintptr_t (*prologue)(void *, const void *, uintptr_t);
    prologue = (uintptr_t (*)(void *, const void *, uintptr_t))(uintptr_t)s->prologue;
    return prologue(env, code, s->guest_base);
}

/* --- temps --- */

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_relocs = 0;
    s->nb_insn_starts = 0;
    s->ir_overflow = false;
    s->has_loop_value = false;
    memset(s->const_hash, 0xff, sizeof(s->const_hash));     /* every chain empty (-1) */
    for (int k = 0; k < 2; k++) {
        s->free_temps[k][0] = s->free_temps[k][1] = -1;
    }
}

TCGv tcg_env(TCGContext *s) { return s->env; }
TCGType tcg_temp_type(TCGv t) { return t->type; }

/*
 * Out of temps: the block is too big. The front end gets a scratch temp so it
 * can finish, and tcg_gen_code then fails, so the execution layer retries with
 * fewer instructions. The last two slots are those scratch temps.
 */
static struct TCGTemp *overflow_temp(TCGContext *s, TCGType type)
{
    int index = TCG_MAX_TEMPS - 1 - (type == TCG_TYPE_I32);
    struct TCGTemp *t = &s->temps[index];
    if (s->nb_globals == s->nb_temps) {
        fatal_ir("too many globals");
    }
    s->ir_overflow = true;
    memset(t, 0, sizeof(*t));
    t->index = index;
    t->type = type;
    t->const_hash_next = -1;
    return t;
}

static struct TCGTemp *temp_alloc(TCGContext *s, TCGType type)
{
    if (s->nb_temps >= TCG_MAX_TEMPS - 2) {
        return overflow_temp(s, type);
    }
    struct TCGTemp *t = &s->temps[s->nb_temps];
    memset(t, 0, sizeof(*t));
    t->index = s->nb_temps++;
    t->const_hash_next = -1;
    return t;
}

TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t env_offset, const char *name)
{
    if (s->nb_temps != s->nb_globals) {
        fatal_ir("globals must be created before any block is built");
    }
    struct TCGTemp *t = temp_alloc(s, type);
    t->type = type;
    t->kind = TEMP_GLOBAL;
    t->mem_offset = env_offset;
    t->mem_allocated = true;
    t->name = name;
    s->nb_globals = s->nb_temps;
    return t;
}

static TCGv temp_new(TCGContext *s, TCGType type, TCGTempKind kind)
{
    int list = kind == TEMP_LOCAL;
    int idx = s->free_temps[list][type];
    struct TCGTemp *t;
    if (idx >= 0) {
        t = &s->temps[idx];
        s->free_temps[list][type] = t->const_hash_next;
        t->const_hash_next = -1;
    } else {
        t = temp_alloc(s, type);
        t->type = type;
        t->kind = kind;
    }
    t->in_use = !s->ir_overflow;
    return t;
}

TCGv tcg_temp_new(TCGContext *s, TCGType type) { return temp_new(s, type, TEMP_NORMAL); }
TCGv tcg_temp_local_new(TCGContext *s, TCGType type) { return temp_new(s, type, TEMP_LOCAL); }

void tcg_temp_free(TCGContext *s, TCGv t)
{
    if (!t || !t->in_use || (t->kind != TEMP_NORMAL && t->kind != TEMP_LOCAL)) {
        return;
    }
    int list = t->kind == TEMP_LOCAL;
    t->in_use = false;
    t->const_hash_next = s->free_temps[list][t->type];
    s->free_temps[list][t->type] = t->index;
}

TCGv tcg_constant_internal(TCGContext *s, TCGType type, int64_t value)
{
    value = tcg_normalize(type, value);
    unsigned h = (unsigned)(((uint64_t)value * 0x9e3779b97f4a7c15ull) >> 56) ^ type;
    h %= TCG_CONST_HASH_SIZE;
    for (int i = s->const_hash[h]; i >= 0; i = s->temps[i].const_hash_next) {
        if (s->temps[i].type == type && s->temps[i].value == value) {
            return &s->temps[i];
        }
    }
    struct TCGTemp *t = temp_alloc(s, type);
    t->type = type;
    t->kind = TEMP_CONST;
    t->value = value;
    if (!s->ir_overflow) {
        t->const_hash_next = s->const_hash[h];
        s->const_hash[h] = t->index;
    }
    return t;
}

TCGv tcg_constant(TCGContext *s, TCGType type, int64_t value)
{
    return tcg_constant_internal(s, type, value);
}

TCGLabel *tcg_gen_new_label(TCGContext *s)
{
    if (s->nb_labels == s->labels_capacity) {
        int cap = s->labels_capacity ? s->labels_capacity * 2 : 64;
        s->labels = xrealloc(s->labels, cap * sizeof(*s->labels));
        for (int i = s->labels_capacity; i < cap; i++) {
            s->labels[i] = xrealloc(NULL, sizeof(struct TCGLabel));
        }
        s->labels_capacity = cap;
    }
    struct TCGLabel *l = s->labels[s->nb_labels];
    l->id = s->nb_labels++;
    l->bound = false;
    l->offset = 0;
    return l;
}

/* --- ops --- */

static TCGOp *emit_op(TCGContext *s, TCGOpcode opc, TCGType type)
{
    if (s->nb_ops == s->ops_capacity) {
        s->ops_capacity = s->ops_capacity ? s->ops_capacity * 2 : 1024;
        s->ops = xrealloc(s->ops, s->ops_capacity * sizeof(TCGOp));
    }
    TCGOp *op = &s->ops[s->nb_ops++];
    memset(op, 0, sizeof(*op));
    op->opc = opc;
    op->type = type;
    op->nb_oargs = tcg_op_defs[opc].nb_oargs;
    op->nb_iargs = tcg_op_defs[opc].nb_iargs;
    op->nb_cargs = tcg_op_defs[opc].nb_cargs;
    return op;
}

static void check_type(TCGv a, TCGv b)
{
    if (a->type != b->type) {
        fatal_ir("operand widths differ");
    }
}

void tcg_gen_mov(TCGContext *s, TCGv ret, TCGv arg)
{
    check_type(ret, arg);
    if (ret == arg) {
        return;
    }
    TCGOp *op = emit_op(s, INDEX_op_mov, ret->type);
    op->args[0] = ret->index;
    op->args[1] = arg->index;
}

void tcg_gen_movi(TCGContext *s, TCGv ret, int64_t value)
{
    tcg_gen_mov(s, ret, tcg_constant(s, ret->type, value));
}

static bool is_width_change(TCGOpcode opc)
{
    return opc == INDEX_op_extrl_i64_i32 || opc == INDEX_op_extrh_i64_i32 ||
           opc == INDEX_op_extu_i32_i64 || opc == INDEX_op_exts_i32_i64;
}

void tcg_gen_op2(TCGContext *s, TCGOpcode opc, TCGv ret, TCGv arg)
{
    if (is_width_change(opc)) {
        TCGType want_in = opc == INDEX_op_extrl_i64_i32 || opc == INDEX_op_extrh_i64_i32
                          ? TCG_TYPE_I64 : TCG_TYPE_I32;
        if (arg->type != want_in || ret->type == want_in) {
            fatal_ir("bad operand widths for a width-changing op");
        }
    } else {
        check_type(ret, arg);
    }
    TCGOp *op = emit_op(s, opc, ret->type);
    op->args[0] = ret->index;
    op->args[1] = arg->index;
}

void tcg_gen_op3(TCGContext *s, TCGOpcode opc, TCGv ret, TCGv a, TCGv b)
{
    check_type(ret, a);
    check_type(a, b);
    TCGOp *op = emit_op(s, opc, ret->type);
    op->args[0] = ret->index;
    op->args[1] = a->index;
    op->args[2] = b->index;
}

void tcg_gen_op3i(TCGContext *s, TCGOpcode opc, TCGv ret, TCGv a, int64_t b)
{
    tcg_gen_op3(s, opc, ret, a, tcg_constant(s, a->type, b));
}

/* an op with two outputs and two inputs */
static void gen_mul2(TCGContext *s, TCGOpcode opc, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    check_type(lo, hi);
    check_type(lo, a);
    check_type(a, b);
    TCGOp *op = emit_op(s, opc, lo->type);
    op->args[0] = lo->index;
    op->args[1] = hi->index;
    op->args[2] = a->index;
    op->args[3] = b->index;
}

void tcg_gen_mulu2(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_mulu2, lo, hi, a, b);
}

void tcg_gen_muls2(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_muls2, lo, hi, a, b);
}

void tcg_gen_divu2(TCGContext *s, TCGv q, TCGv r, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_divu2, q, r, a, b);
}

void tcg_gen_divs2(TCGContext *s, TCGv q, TCGv r, TCGv a, TCGv b)
{
    gen_mul2(s, INDEX_op_divs2, q, r, a, b);
}

static unsigned type_bits(TCGType t) { return t == TCG_TYPE_I32 ? 32 : 64; }

static void check_field(TCGv t, unsigned pos, unsigned len)
{
    if (len == 0 || pos + len > type_bits(t->type)) {
        fatal_ir("bit field outside the operand");
    }
}

static void gen_field_op(TCGContext *s, TCGOpcode opc, TCGv ret, TCGv arg,
                         unsigned pos, unsigned len)
{
    check_type(ret, arg);
    check_field(ret, pos, len);
    TCGOp *op = emit_op(s, opc, ret->type);
    op->args[0] = ret->index;
    op->args[1] = arg->index;
    op->args[2] = pos;
    op->args[3] = len;
}

void tcg_gen_extract(TCGContext *s, TCGv ret, TCGv arg, unsigned pos, unsigned len)
{
    gen_field_op(s, INDEX_op_extract, ret, arg, pos, len);
}

void tcg_gen_sextract(TCGContext *s, TCGv ret, TCGv arg, unsigned pos, unsigned len)
{
    gen_field_op(s, INDEX_op_sextract, ret, arg, pos, len);
}

static uint64_t field_mask(unsigned len)
{
    return len >= 64 ? ~0ull : (1ull << len) - 1;
}

void tcg_gen_deposit(TCGContext *s, TCGv ret, TCGv arg1, TCGv arg2, unsigned pos, unsigned len)
{
    check_type(ret, arg1);
    check_type(arg1, arg2);
    check_field(ret, pos, len);
    if (len == type_bits(ret->type)) {
        tcg_gen_mov(s, ret, arg2);
        return;
    }
    if (tcg_target_deposit_valid(ret->type, pos, len)) {
        TCGOp *op = emit_op(s, INDEX_op_deposit, ret->type);
        op->args[0] = ret->index;
        op->args[1] = arg1->index;
        op->args[2] = arg2->index;
        op->args[3] = pos;
        op->args[4] = len;
        return;
    }
    /* ret = (arg1 & ~(mask << pos)) | ((arg2 & mask) << pos) */
    TCGv field = tcg_temp_new(s, ret->type);
    TCGv rest = tcg_temp_new(s, ret->type);
    uint64_t mask = field_mask(len);
    if (pos + len == type_bits(ret->type)) {
        tcg_gen_shli(s, field, arg2, pos);
    } else {
        tcg_gen_andi(s, field, arg2, (int64_t)mask);
        if (pos) {
            tcg_gen_shli(s, field, field, pos);
        }
    }
    tcg_gen_andi(s, rest, arg1, (int64_t)~(mask << pos));
    tcg_gen_or(s, ret, rest, field);
    tcg_temp_free(s, field);
    tcg_temp_free(s, rest);
}

void tcg_gen_setcond(TCGContext *s, TCGCond cond, TCGv ret, TCGv a, TCGv b)
{
    check_type(ret, a);
    check_type(a, b);
    TCGOp *op = emit_op(s, INDEX_op_setcond, ret->type);
    op->args[0] = ret->index;
    op->args[1] = a->index;
    op->args[2] = b->index;
    op->args[3] = cond;
}

void tcg_gen_setcondi(TCGContext *s, TCGCond cond, TCGv ret, TCGv a, int64_t b)
{
    tcg_gen_setcond(s, cond, ret, a, tcg_constant(s, a->type, b));
}

void tcg_gen_movcond(TCGContext *s, TCGCond cond, TCGv ret, TCGv c1, TCGv c2, TCGv v1, TCGv v2)
{
    check_type(ret, c1);
    check_type(c1, c2);
    check_type(ret, v1);
    check_type(ret, v2);
    TCGOp *op = emit_op(s, INDEX_op_movcond, ret->type);
    op->args[0] = ret->index;
    op->args[1] = c1->index;
    op->args[2] = c2->index;
    op->args[3] = v1->index;
    op->args[4] = v2->index;
    op->args[5] = cond;
}

void tcg_gen_brcond(TCGContext *s, TCGCond cond, TCGv a, TCGv b, TCGLabel *l)
{
    check_type(a, b);
    if (cond == TCG_COND_ALWAYS) {
        tcg_gen_br(s, l);
        return;
    }
    if (cond == TCG_COND_NEVER) {
        return;
    }
    TCGOp *op = emit_op(s, INDEX_op_brcond, a->type);
    op->args[0] = a->index;
    op->args[1] = b->index;
    op->args[2] = cond;
    op->args[3] = l->id;
}

void tcg_gen_brcondi(TCGContext *s, TCGCond cond, TCGv a, int64_t b, TCGLabel *l)
{
    tcg_gen_brcond(s, cond, a, tcg_constant(s, a->type, b), l);
}

void tcg_gen_br(TCGContext *s, TCGLabel *l)
{
    TCGOp *op = emit_op(s, INDEX_op_br, TCG_TYPE_I64);
    op->args[0] = l->id;
}

void tcg_gen_set_label(TCGContext *s, TCGLabel *l)
{
    TCGOp *op = emit_op(s, INDEX_op_set_label, TCG_TYPE_I64);
    op->args[0] = l->id;
}

void tcg_gen_ld(TCGContext *s, TCGOpcode opc, TCGv ret, TCGv base, intptr_t offset)
{
    if (opc < INDEX_op_ld8u || opc > INDEX_op_ld || base->type != TCG_TYPE_PTR) {
        fatal_ir("tcg_gen_ld: not a load op or base not a pointer");
    }
    TCGOp *op = emit_op(s, opc, ret->type);
    op->args[0] = ret->index;
    op->args[1] = base->index;
    op->args[2] = offset;
}

void tcg_gen_st(TCGContext *s, TCGOpcode opc, TCGv val, TCGv base, intptr_t offset)
{
    if (opc < INDEX_op_st8 || opc > INDEX_op_st || base->type != TCG_TYPE_PTR) {
        fatal_ir("tcg_gen_st: not a store op or base not a pointer");
    }
    TCGOp *op = emit_op(s, opc, val->type);
    op->args[0] = val->index;
    op->args[1] = base->index;
    op->args[2] = offset;
}

/* Guest addresses are i64; a 32-bit address is zero-extended first. */
static TCGv guest_address(TCGContext *s, TCGv addr)
{
    if (addr->type == TCG_TYPE_I64) {
        return addr;
    }
    TCGv wide = tcg_temp_new(s, TCG_TYPE_I64);
    tcg_gen_extu_i32_i64(s, wide, addr);
    return wide;
}

void tcg_gen_qemu_ld(TCGContext *s, TCGv val, TCGv addr, TCGMemOp memop)
{
    if (val->type == TCG_TYPE_I32 && (memop & MO_SIZE) == MO_64) {
        fatal_ir("64-bit guest load into a 32-bit temp");
    }
    addr = guest_address(s, addr);
    TCGOp *op = emit_op(s, INDEX_op_qemu_ld, val->type);
    op->args[0] = val->index;
    op->args[1] = addr->index;
    op->args[2] = memop;
}

void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, TCGMemOp memop)
{
    if (val->type == TCG_TYPE_I32 && (memop & MO_SIZE) == MO_64) {
        fatal_ir("64-bit guest store from a 32-bit temp");
    }
    addr = guest_address(s, addr);
    TCGOp *op = emit_op(s, INDEX_op_qemu_st, val->type);
    op->args[0] = val->index;
    op->args[1] = addr->index;
    op->args[2] = memop & ~MO_SIGN;
}

void tcg_gen_call(TCGContext *s, void *func, unsigned flags, TCGv ret,
                  unsigned nargs, const TCGv *args)
{
    if (nargs > TCG_MAX_CALL_ARGS) {
        fatal_ir("helper call with more than 6 arguments");
    }
    TCGOp *op = emit_op(s, INDEX_op_call, ret ? ret->type : TCG_TYPE_I64);
    op->nb_oargs = ret ? 1 : 0;
    op->nb_iargs = nargs;
    op->nb_cargs = 2;
    int i = 0;
    if (ret) {
        op->args[i++] = ret->index;
    }
    for (unsigned k = 0; k < nargs; k++) {
        op->args[i++] = args[k]->index;
    }
    op->args[i++] = (TCGArg)(uintptr_t)func;
    op->args[i] = flags;
}

/* An op from its value temps (outputs first) and constant args, for ops built
 * in other files of tcg/ (tcg/vec.c). */
void tcg_gen_op_raw(TCGContext *s, TCGOpcode opc, TCGType type, const TCGv *vals,
                    unsigned nvals, const TCGArg *cargs, unsigned ncargs)
{
    TCGOp *op = emit_op(s, opc, type);
    for (unsigned i = 0; i < nvals; i++) {
        op->args[i] = vals[i]->index;
    }
    for (unsigned i = 0; i < ncargs; i++) {
        op->args[nvals + i] = cargs[i];
    }
}

void tcg_gen_goto_tb(TCGContext *s, unsigned n)
{
    if (n > 1 && n != TCG_TRACE_SLOT) {
        fatal_ir("goto_tb slot must be 0, 1 or TCG_TRACE_SLOT");
    }
    TCGOp *op = emit_op(s, INDEX_op_goto_tb, TCG_TYPE_I64);
    op->args[0] = n;
}

void tcg_gen_exit_tb(TCGContext *s, uintptr_t value)
{
    TCGOp *op = emit_op(s, INDEX_op_exit_tb, TCG_TYPE_I64);
    op->args[0] = (TCGArg)value;
}

void tcg_gen_goto_ptr(TCGContext *s, TCGv host_addr)
{
    TCGOp *op = emit_op(s, INDEX_op_goto_ptr, TCG_TYPE_I64);
    op->args[0] = host_addr->index;
}

void tcg_gen_insn_start(TCGContext *s, uint64_t guest_pc, uint64_t data)
{
    s->nb_insn_starts++;
    TCGOp *op = emit_op(s, INDEX_op_insn_start, TCG_TYPE_I64);
    op->args[0] = (TCGArg)guest_pc;
    op->args[1] = (TCGArg)data;
}

void tcg_gen_discard(TCGContext *s, TCGv t)
{
    TCGOp *op = emit_op(s, INDEX_op_discard, t->type);
    op->args[0] = t->index;
}

/* --- debug output --- */

const char *tcg_cond_name(TCGCond c)
{
    static const char *const names[16] = {
        [TCG_COND_NEVER] = "never", [TCG_COND_ALWAYS] = "always",
        [TCG_COND_EQ] = "eq", [TCG_COND_NE] = "ne",
        [TCG_COND_LT] = "lt", [TCG_COND_GE] = "ge",
        [TCG_COND_LE] = "le", [TCG_COND_GT] = "gt",
        [TCG_COND_LTU] = "ltu", [TCG_COND_GEU] = "geu",
        [TCG_COND_LEU] = "leu", [TCG_COND_GTU] = "gtu",
    };
    return (unsigned)c < 16 && names[c] ? names[c] : "?";
}

static void dump_temp(TCGContext *s, FILE *out, TCGArg a)
{
    struct TCGTemp *t = arg_temp(s, a);
    switch (t->kind) {
    case TEMP_GLOBAL:
    case TEMP_FIXED:
        fprintf(out, "%s", t->name);
        break;
    case TEMP_CONST:
        fprintf(out, "$0x%" PRIx64, t->type == TCG_TYPE_I32 ? (uint32_t)t->value : (uint64_t)t->value);
        break;
    case TEMP_LOCAL:
        fprintf(out, "loc%d", t->index);
        break;
    default:
        fprintf(out, "tmp%d", t->index);
        break;
    }
}

static void dump_op(TCGContext *s, FILE *out, const TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    int nvals = op->nb_oargs + op->nb_iargs;
    if (op->opc == INDEX_op_insn_start) {
        fprintf(out, " ---- %016" PRIx64 " %" PRIx64 "\n", (uint64_t)op->args[0], (uint64_t)op->args[1]);
        return;
    }
    fprintf(out, " %s%s%s", def->name, op->narrow32 ? "_zx32" : "",
            op->opc == INDEX_op_call || (op->opc >= INDEX_op_set_label && op->opc != INDEX_op_add_shl) ? "" :
            op->type == TCG_TYPE_I32 ? "_i32" : "_i64");
    for (int i = 0; i < nvals; i++) {
        fputs(i ? "," : " ", out);
        dump_temp(s, out, op->args[i]);
    }
    for (int i = 0; i < op->nb_cargs; i++) {
        TCGArg c = op->args[nvals + i];
        fputs(nvals + i ? "," : " ", out);
        bool is_cond = (op->opc == INDEX_op_setcond && i == 0) ||
                       (op->opc == INDEX_op_movcond && i == 0) ||
                       (op->opc == INDEX_op_brcond && i == 0);
        bool is_label = op->opc == INDEX_op_br || op->opc == INDEX_op_set_label ||
                        (op->opc == INDEX_op_brcond && i == 1);
        if (is_cond) {
            fprintf(out, "%s", tcg_cond_name((TCGCond)c));
        } else if (is_label) {
            fprintf(out, "$L%d", (int)c);
        } else {
            fprintf(out, "$0x%" PRIx64, (uint64_t)c);
        }
    }
    fputc('\n', out);
}

void tcg_dump_ops(TCGContext *s, FILE *out)
{
    for (int i = 0; i < s->nb_ops; i++) {
        if (!s->ops[i].removed) {
            dump_op(s, out, &s->ops[i]);
        }
    }
}

/* --- code generation --- */

void tcg_add_reloc(TCGContext *s, int label, uint32_t patch_offset)
{
    if (s->nb_relocs == s->relocs_capacity) {
        s->relocs_capacity = s->relocs_capacity ? s->relocs_capacity * 2 : 64;
        s->relocs = xrealloc(s->relocs, s->relocs_capacity * sizeof(TCGReloc));
    }
    s->relocs[s->nb_relocs].label = label;
    s->relocs[s->nb_relocs].patch_offset = patch_offset;
    s->nb_relocs++;
}

static bool resolve_relocs(TCGContext *s)
{
    for (int i = 0; i < s->nb_relocs; i++) {
        struct TCGLabel *l = s->labels[s->relocs[i].label];
        if (!l->bound) {
            fprintf(stderr, "tcg: branch to a label that is never set\n");
            return false;
        }
        tcg_target_patch_reloc(s, s->code_block_start + s->relocs[i].patch_offset,
                               s->code_block_start + l->offset);
    }
    return true;
}

static void log_host_code(TCGContext *s, const TCGCodeInfo *info)
{
    FILE *out = s->log;
    fprintf(out, "OUT: [size=%zu]\n", info->size);
    if (info->loop_slots) {
        fprintf(out, "  loop: %d globals in host registers, header at +%u, back edge slots %#x\n",
                s->loop.n, info->loop_header_offset, info->loop_slots);
    }
    for (size_t i = 0; i < info->size; i += 16) {
        fprintf(out, "  %p: ", (void *)(s->code_block_start + i));
        for (size_t k = i; k < i + 16 && k < info->size; k++) {
            fprintf(out, " %02x", s->code_block_start[k]);
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

bool tcg_gen_code(TCGContext *s, void *code_ptr, size_t room, TCGCodeInfo *info)
{
    if (s->ir_overflow) {
        return false;
    }
    if (s->log_flags & TCG_LOG_OP) {
        fprintf(s->log, "OP:\n");
        tcg_dump_ops(s, s->log);
        fputc('\n', s->log);
    }
    tcg_optimize(s);
    tcg_liveness(s);
    if (s->log_flags & TCG_LOG_OP_OPT) {
        fprintf(s->log, "OP after optimization and liveness analysis:\n");
        tcg_dump_ops(s, s->log);
        fputc('\n', s->log);
    }
    /* the longest single op emits well under 256 bytes; keep that much slack */
    if (room < 512) {
        return false;
    }
    s->code_block_start = code_ptr;
    s->code_ptr = code_ptr;
    s->code_limit = (uint8_t *)code_ptr + room - 256;
    s->code_overflow = false;
    s->nb_slow_paths = 0;
    s->info = info;
    info->nb_insns = 0;
    info->nb_mem_sites = info->nb_site_regs = 0;
    s->mem_site_open = false;
    for (int n = 0; n < TCG_JMP_SLOTS; n++) {
        info->jmp_insn_offset[n] = info->jmp_reset_offset[n] = info->jmp2_insn_offset[n] = UINT16_MAX;
    }
    info->chain_state_dead = tcg_chain_state_dead_at_entry(s);
    info->loop_slots = 0;
    info->loop_header_offset = 0;
    if (!tcg_reg_alloc_code(s) || s->code_overflow) {
        return false;
    }
    if (!resolve_relocs(s)) {
        return false;
    }
    info->size = (size_t)(s->code_ptr - s->code_block_start);
    if (info->size > UINT16_MAX) {
        return false;        /* goto_tb offsets are 16-bit: the block must be shorter */
    }
    if (s->log_flags & TCG_LOG_OUT_ASM) {
        log_host_code(s, info);
    }
    return true;
}
