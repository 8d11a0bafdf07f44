/*
 * SSE/SSE2/SSE3/SSSE3 and MMX translator: the 0F-map instructions with XMM or
 * MMX operands and SSSE3's in the 0F 38 / 0F 3A maps (Intel SDM vol. 2, opcode
 * map tables, columns "no prefix", 66, F3, F2), plus LDMXCSR/STMXCSR, FXSAVE/FXRSTOR and MOVNTI. PREFETCHh and
 * the fences are hint NOPs that the core decoder handles. Every opcode/prefix
 * pair not in the table raises #UD.
 *
 * XMM registers stay in env (xmm_regs[n] as two 64-bit halves) and are reached
 * with host loads and stores, not TCG globals. Moves, logic, PCMPEQx,
 * PADDx/PSUBx, quadword unpacks, logical and byte shifts by an immediate,
 * PMINUB/PMAXUB, PMOVMSKB, MOVSLDUP/MOVSHDUP/MOVDDUP and PALIGNR are inline
 * 64-bit IR; the rest calls sse_helper.c
 * with the source operand passed by value (see sse_helper.h).
 *
 * MMX (SDM vol. 1, ch. 9): the no-prefix integer opcodes share their table row,
 * generator and helper with the 66-prefixed XMM form; an MMX entry has
 * op->mmx set and works on one 64-bit half. MMn is the significand (low 64
 * bits) of x87 physical register Rn (env->fpregs[n], SDM vol. 1, 9.5): a write
 * sets bits 79:64 to ones, and each MMX instruction but EMMS sets TOP = 0 and
 * all tags valid (9.5.1). XMM helpers applied to an MMX register get a pointer
 * to the 16-byte fpregs slot: its high half (exponent and padding) is scratch
 * until the exponent is rewritten.
 */
#include <stddef.h>
#include "target-i386/translate-sse.h"
#include "target-i386/sse_helper.h"
#include "target-i386/xsave_helper.h"

/* --- register and operand access --- */

static intptr_t xmm_offset(int reg, int half)
{
    return (intptr_t)offsetof(CPUX86State, xmm_regs) + reg * (intptr_t)sizeof(XMMReg) +
           half * 8;
}

static TCGv new_i64(DisasContext *s)
{
    return tcg_temp_new(s->tcg, TCG_TYPE_I64);
}

static void free_temps(DisasContext *s, TCGv a, TCGv b)
{
    tcg_temp_free(s->tcg, a);
    if (b) {
        tcg_temp_free(s->tcg, b);
    }
}

void gen_load_xmm_half(DisasContext *s, TCGv dst, int reg, int half)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld, dst, tcg_env(s->tcg), xmm_offset(reg, half));
}

void gen_store_xmm_half(DisasContext *s, TCGv val, int reg, int half)
{
    tcg_gen_st(s->tcg, INDEX_op_st, val, tcg_env(s->tcg), xmm_offset(reg, half));
}

/* pointer to xmm_regs[reg], for helpers */
TCGv gen_xmm_pointer(DisasContext *s, int reg)
{
    TCGv ptr = tcg_temp_new(s->tcg, TCG_TYPE_PTR);
    tcg_gen_addi(s->tcg, ptr, tcg_env(s->tcg), xmm_offset(reg, 0));
    return ptr;
}

/* MMn is the low 64 bits of x87 physical register n; REX.R/REX.B are ignored
 * for MMX operands (SDM vol. 2A, 2.2.1.2) */
_Static_assert(sizeof(long double) == 16, "fpregs slots are 16 bytes (x86-64 host)");

static intptr_t mmx_offset(int reg)
{
    return (intptr_t)offsetof(CPUX86State, fpregs) + (reg & 7) * (intptr_t)sizeof(long double);
}

/* bits 79:64 of Rn become all ones after a write to MMn (SDM vol. 1, 9.5.1) */
static void gen_mmx_set_exponent(DisasContext *s, int reg)
{
    TCGv ones = new_i64(s);
    tcg_gen_movi(s->tcg, ones, 0xffff);
    tcg_gen_st(s->tcg, INDEX_op_st16, ones, tcg_env(s->tcg), mmx_offset(reg) + 8);
    tcg_temp_free(s->tcg, ones);
}

static void gen_load_mmx(DisasContext *s, TCGv dst, int reg)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld, dst, tcg_env(s->tcg), mmx_offset(reg));
}

static void gen_store_mmx(DisasContext *s, TCGv val, int reg)
{
    tcg_gen_st(s->tcg, INDEX_op_st, val, tcg_env(s->tcg), mmx_offset(reg));
    gen_mmx_set_exponent(s, reg);
}

/* both vector operands are MMX registers (the shared generators' MMX case) */
static bool mmx_regs(const SSEOp *op)
{
    return op->mmx == MMX_REGS;
}

/* the 64-bit halves of the entry's vector register: one for MMX, two for XMM */
static int vector_halves(const SSEOp *op)
{
    return mmx_regs(op) ? 1 : 2;
}

static void gen_load_half(DisasContext *s, const SSEOp *op, TCGv dst, int reg, int half)
{
    if (mmx_regs(op)) {
        gen_load_mmx(s, dst, reg);
    } else {
        gen_load_xmm_half(s, dst, reg, half);
    }
}

static void gen_store_half(DisasContext *s, const SSEOp *op, TCGv val, int reg, int half)
{
    if (mmx_regs(op)) {
        gen_store_mmx(s, val, reg);
    } else {
        gen_store_xmm_half(s, val, reg, half);
    }
}

/* pointer to the register for an XMM helper; for MMX the fpregs slot, whose
 * exponent the caller rewrites after the helper (gen_helper_done) */
static TCGv gen_vector_pointer(DisasContext *s, const SSEOp *op, int reg)
{
    if (!mmx_regs(op)) {
        return gen_xmm_pointer(s, reg);
    }
    TCGv ptr = tcg_temp_new(s->tcg, TCG_TYPE_PTR);
    tcg_gen_addi(s->tcg, ptr, tcg_env(s->tcg), mmx_offset(reg));
    return ptr;
}

static void gen_helper_done(DisasContext *s, const SSEOp *op, TCGv ptr, int reg)
{
    tcg_temp_free(s->tcg, ptr);
    if (mmx_regs(op)) {
        gen_mmx_set_exponent(s, reg);
    }
}

/*
 * Address of the memory r/m operand, in a local temp the caller frees (its
 * code may branch). With align (a power of two) a misaligned address raises
 * #GP(0) (SDM vol. 2, e.g. MOVDQA, VMOVAPS "Exceptions"). The raising call is
 * followed by an exit and nothing falls into the aligned path's label, so the
 * register allocator carries the branch's registers over to it: the address
 * stays in its register, with no stores or reloads on the aligned path.
 */
TCGv gen_checked_address(DisasContext *s, unsigned align)
{
    gen_lea_modrm(s);
    TCGv addr = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    tcg_gen_mov(s->tcg, addr, s->A0);
    if (align > 1) {
        TCGLabel *aligned = tcg_gen_new_label(s->tcg);
        TCGv low_bits = new_i64(s);
        gen_update_cc_op(s);
        tcg_gen_andi(s->tcg, low_bits, addr, align - 1);
        tcg_gen_brcondi(s->tcg, TCG_COND_EQ, low_bits, 0, aligned);
        tcg_temp_free(s->tcg, low_bits);
        TCGv args[1] = { tcg_env(s->tcg) };
        tcg_gen_call(s->tcg, (void *)helper_sse_raise_gp, 0, NULL, 1, args);
        tcg_gen_exit_tb(s->tcg, 0);     /* not reached: the helper raises #GP */
        tcg_gen_set_label(s->tcg, aligned);
    }
    return addr;
}

/* the same for an operand of size mem (MEM_128_ALIGNED: 16-byte alignment) */
TCGv gen_memory_address(DisasContext *s, int mem)
{
    return gen_checked_address(s, mem == MEM_128_ALIGNED ? 16 : 0);
}

/* Loads memory operand bits at addr into lo (and hi for 128-bit; else hi = 0). */
void gen_load_memory(DisasContext *s, TCGv addr, int mem, TCGv lo, TCGv hi)
{
    if (mem == MEM_16) {
        gen_ld(s, lo, addr, MO_UW);
    } else if (mem == MEM_32) {
        gen_ld(s, lo, addr, MO_UL);
    } else {
        gen_ld(s, lo, addr, MO_UQ);
    }
    if (mem == MEM_128 || mem == MEM_128_ALIGNED) {
        TCGv addr_hi = new_i64(s);
        tcg_gen_addi(s->tcg, addr_hi, addr, 8);
        gen_ld(s, hi, addr_hi, MO_UQ);
        tcg_temp_free(s->tcg, addr_hi);
    } else {
        tcg_gen_movi(s->tcg, hi, 0);
    }
}

static void gen_store_memory(DisasContext *s, TCGv addr, int mem, TCGv lo, TCGv hi)
{
    gen_st(s, lo, addr, mem == MEM_32 ? MO_UL : MO_UQ);
    if (mem == MEM_128 || mem == MEM_128_ALIGNED) {
        TCGv addr_hi = new_i64(s);
        tcg_gen_addi(s->tcg, addr_hi, addr, 8);
        gen_st(s, hi, addr_hi, MO_UQ);
        tcg_temp_free(s->tcg, addr_hi);
    }
}

/*
 * The source (r/m) operand as two halves: a register's whole 128 bits (an MMX
 * register's 64, hi = 0), or the memory operand of size op->mem. Returns false
 * (#UD) for memory when the instruction only has a register form.
 */
bool gen_load_source(DisasContext *s, const SSEOp *op, TCGv lo, TCGv hi)
{
    if (s->mod == 3 && (op->mmx == MMX_REGS || op->mmx == MMX_MIXED_RM)) {
        gen_load_mmx(s, lo, s->rm);
        tcg_gen_movi(s->tcg, hi, 0);
        return true;
    }
    if (s->mod == 3) {
        gen_load_xmm_half(s, lo, s->rm, 0);
        gen_load_xmm_half(s, hi, s->rm, 1);
        return true;
    }
    if (op->mem == MEM_NONE) {
        return false;
    }
    TCGv addr = gen_memory_address(s, op->mem);
    gen_load_memory(s, addr, op->mem, lo, hi);
    tcg_temp_free(s->tcg, addr);
    return true;
}

static int prefix_index(const DisasContext *s)
{
    if (s->prefix & PREFIX_REPZ) {
        return PREFIX_INDEX_F3;
    }
    if (s->prefix & PREFIX_REPNZ) {
        return PREFIX_INDEX_F2;
    }
    return (s->prefix & PREFIX_DATA) ? PREFIX_INDEX_66 : PREFIX_INDEX_NONE;
}

/* --- generic helper-call generators --- */

static void gen_call(DisasContext *s, void *helper, unsigned flags, TCGv ret,
                     unsigned nargs, const TCGv *args)
{
    tcg_gen_call(s->tcg, helper, flags, ret, nargs, args);
}

/*
 * How an XMM helper gives the MMX result (op->arg of INT entries). Lane-wise
 * operations just use the low half. The packs take the destination's lanes,
 * then the source's: with the source copied into the slot's high half the XMM
 * pack's low half is the MMX result. The high unpacks interleave the upper
 * halves of two 64-bit values: with the destination copied into the slot's
 * high half and the source passed as hi, that is the XMM result's high half.
 */
enum { MMX_LANEWISE, MMX_PACK, MMX_UNPACK_HIGH };

/* PADDB xmm1, xmm2/m128 style: helper(xmm1, source) */
bool gen_int_helper(DisasContext *s, const SSEOp *op)
{
    if (gen_vec_int(s, op, false)) {
        return true;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        TCGv env = tcg_env(s->tcg);
        if (mmx_regs(op) && op->arg == MMX_PACK) {
            tcg_gen_st(s->tcg, INDEX_op_st, lo, env, mmx_offset(s->reg) + 8);
        } else if (mmx_regs(op) && op->arg == MMX_UNPACK_HIGH) {
            gen_load_mmx(s, hi, s->reg);
            tcg_gen_st(s->tcg, INDEX_op_st, hi, env, mmx_offset(s->reg) + 8);
            tcg_gen_mov(s->tcg, hi, lo);
        }
        TCGv args[3] = { gen_vector_pointer(s, op, s->reg), lo, hi };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 3, args);
        if (mmx_regs(op) && op->arg == MMX_UNPACK_HIGH) {
            tcg_gen_ld(s->tcg, INDEX_op_ld, hi, env, mmx_offset(s->reg) + 8);
            tcg_gen_st(s->tcg, INDEX_op_st, hi, env, mmx_offset(s->reg));
        }
        gen_helper_done(s, op, args[0], s->reg);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* ADDPS xmm1, xmm2/m128 style: helper(env, xmm1, source) */
static bool gen_float_helper(DisasContext *s, const SSEOp *op)
{
    if (gen_vec_float(s, op)) {
        return true;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        TCGv args[4] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, hi };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
        tcg_temp_free(s->tcg, args[1]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* PSHUFD xmm1, xmm2/m128, imm8 style: helper(xmm1, source, imm8); the
 * immediate follows the ModRM bytes. PSHUFW mm uses PSHUFLW's helper, whose
 * low half is the shuffle of the source's low half. */
bool gen_imm_helper(DisasContext *s, const SSEOp *op)
{
    if (gen_vec_int(s, op, true)) {
        return true;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;      /* RIP-relative operands count the imm8 */
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        TCGv imm = tcg_constant(s->tcg, TCG_TYPE_I32, x86_ldub_code(s));
        TCGv args[4] = { gen_vector_pointer(s, op, s->reg), lo, hi, imm };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
        gen_helper_done(s, op, args[0], s->reg);
    }
    free_temps(s, lo, hi);
    return ok;
}

/*
 * PALIGNR xmm1, xmm2/m128, imm8 (66 0F 3A 0F) and mm1, mm2/m64 (0F 3A 0F),
 * inline: the destination:source concatenation (source in the low bytes),
 * shifted right by imm8 bytes, keeps its low 16 (8) bytes (SDM vol. 2,
 * PALIGNR). With imm8 known, each result half is one or two of the
 * concatenation's quadwords shifted; quadwords past its end are zero.
 */
static bool gen_palignr(DisasContext *s, const SSEOp *op)
{
    TCGv part[4] = { new_i64(s), new_i64(s), NULL, NULL };
    s->rip_offset = 1;
    bool ok = gen_load_source(s, op, part[0], part[1]);
    if (!ok) {
        free_temps(s, part[0], part[1]);
        return false;
    }
    unsigned imm = x86_ldub_code(s), halves = vector_halves(op), parts = 2 * halves;
    for (unsigned half = 0; half < halves; half++) {
        if (!part[halves + half]) {
            part[halves + half] = new_i64(s);
        }
        gen_load_half(s, op, part[halves + half], s->reg, half);
    }
    TCGv result[2] = { new_i64(s), new_i64(s) }, t = new_i64(s);
    unsigned bits = (imm % 8) * 8;
    for (unsigned half = 0; half < halves; half++) {
        unsigned k = imm / 8 + half;
        if (k >= parts) {
            tcg_gen_movi(s->tcg, result[half], 0);
        } else if (bits == 0) {
            tcg_gen_mov(s->tcg, result[half], part[k]);
        } else {
            tcg_gen_shri(s->tcg, result[half], part[k], bits);
            if (k + 1 < parts) {
                tcg_gen_shli(s->tcg, t, part[k + 1], 64 - bits);
                tcg_gen_or(s->tcg, result[half], result[half], t);
            }
        }
    }
    for (unsigned half = 0; half < halves; half++) {
        gen_store_half(s, op, result[half], s->reg, half);
    }
    for (unsigned i = 0; i < 4; i++) {
        if (part[i]) {
            tcg_temp_free(s->tcg, part[i]);
        }
    }
    free_temps(s, result[0], result[1]);
    tcg_temp_free(s->tcg, t);
    return true;
}

/* CMPPS xmm1, xmm2/m128, imm8: predicates 8-31 are AVX only (#UD here) */
static bool gen_compare_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        TCGv imm = tcg_constant(s->tcg, TCG_TYPE_I32, x86_ldub_code(s) & 7);
        TCGv args[5] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, hi, imm };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 5, args);
        tcg_temp_free(s->tcg, args[1]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* --- inline integer operations on the two 64-bit halves --- */

/* One half's operation: d = d OP src, with the table entry's argument. */
typedef void HalfOperation(DisasContext *s, unsigned arg, TCGv d, TCGv src);

/* vreg[reg] = vreg[reg] OP source, one 64-bit half at a time (one for MMX) */
static bool gen_per_half(DisasContext *s, const SSEOp *op, HalfOperation *operation)
{
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        for (int half = 0; half < vector_halves(op); half++) {
            gen_load_half(s, op, d, s->reg, half);
            operation(s, op->arg, d, half ? hi : lo);
            gen_store_half(s, op, d, s->reg, half);
        }
    }
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, d);
    return ok;
}

enum { LOGIC_AND, LOGIC_ANDN, LOGIC_OR, LOGIC_XOR };

static void gen_half_operation(DisasContext *s, unsigned operation, TCGv d, TCGv src)
{
    switch (operation) {
    case LOGIC_AND: tcg_gen_and(s->tcg, d, d, src); break;
    case LOGIC_ANDN: tcg_gen_andc(s->tcg, d, src, d); break;   /* (NOT d) AND src */
    case LOGIC_OR: tcg_gen_or(s->tcg, d, d, src); break;
    default: tcg_gen_xor(s->tcg, d, d, src); break;
    }
}

/* PAND/PANDN/POR/PXOR and the PS/PD forms */
static bool gen_inline_binary(DisasContext *s, const SSEOp *op)
{
    if (op->arg == LOGIC_XOR && s->mod == 3 && s->rm == s->reg) {
        /* PXOR x, x: the zeroing idiom needs no loads */
        TCGv zero = new_i64(s);
        tcg_gen_movi(s->tcg, zero, 0);
        for (int half = 0; half < vector_halves(op); half++) {
            gen_store_half(s, op, zero, s->reg, half);
        }
        tcg_temp_free(s->tcg, zero);
        return true;
    }
    return gen_per_half(s, op, gen_half_operation);
}

/* 64-bit constant with value repeated in every lane of the given width */
static uint64_t lane_repeat(unsigned lane_bits, uint64_t value)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += lane_bits) {
        r |= value << shift;
    }
    return r;
}

/*
 * PADDx/PSUBx on one half: the lanes' low bits are added (or, with the top
 * bits forced to one, subtracted) so that no carry or borrow crosses a lane;
 * the top bit of each lane is then corrected with the operands' top bits.
 */
enum { LANE_SUBTRACT = 0x80 };

static void gen_lane_add_sub_half(DisasContext *s, unsigned arg, TCGv d, TCGv src)
{
    unsigned lane_bits = arg & ~LANE_SUBTRACT;
    bool subtract = arg & LANE_SUBTRACT;
    if (lane_bits == 64 && subtract) {
        tcg_gen_sub(s->tcg, d, d, src);
        return;
    }
    if (lane_bits == 64) {
        tcg_gen_add(s->tcg, d, d, src);
        return;
    }
    int64_t top_bits = (int64_t)lane_repeat(lane_bits, 1ull << (lane_bits - 1));
    TCGv low = new_i64(s), top = new_i64(s);
    tcg_gen_xor(s->tcg, top, d, src);
    tcg_gen_andi(s->tcg, low, src, ~top_bits);
    if (subtract) {
        /* top bit of a - b = a_top ^ b_top ^ borrow, and the borrow is the
         * complement of the top bit of (a | top) - (b & ~top) */
        tcg_gen_ori(s->tcg, d, d, top_bits);
        tcg_gen_sub(s->tcg, d, d, low);
        tcg_gen_not(s->tcg, top, top);
    } else {
        tcg_gen_andi(s->tcg, d, d, ~top_bits);
        tcg_gen_add(s->tcg, d, d, low);
    }
    tcg_gen_andi(s->tcg, top, top, top_bits);
    tcg_gen_xor(s->tcg, d, d, top);
    free_temps(s, low, top);
}

static bool gen_lane_add_sub(DisasContext *s, const SSEOp *op)
{
    return gen_per_half(s, op, gen_lane_add_sub_half);
}

/* PUNPCKLQDQ/UNPCKLPD (arg 0): high half <- source low half;
 * PUNPCKHQDQ/UNPCKHPD (arg 1): low half <- own high half, high <- source high */
static bool gen_unpack_quadword(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok && op->arg) {
        TCGv own_high = new_i64(s);
        gen_load_xmm_half(s, own_high, s->reg, 1);
        gen_store_xmm_half(s, own_high, s->reg, 0);
        gen_store_xmm_half(s, hi, s->reg, 1);
        tcg_temp_free(s->tcg, own_high);
    } else if (ok) {
        gen_store_xmm_half(s, lo, s->reg, 1);
    }
    free_temps(s, lo, hi);
    return ok;
}

/*
 * PCMPEQB/W/D on one half without a helper: x = a ^ b is zero exactly in the
 * equal lanes. Adding all-but-top-bit ones to x's low bits sets each lane's top
 * bit iff those low bits are non-zero, without carrying into the next lane; OR
 * in x's own top bit and the complement's top bit marks the zero lanes, which a
 * multiplication spreads over the lane.
 */
static void gen_pcmpeq_half(DisasContext *s, unsigned lane_bits, TCGv d, TCGv src)
{
    uint64_t low_ones = lane_repeat(lane_bits, (1ull << (lane_bits - 1)) - 1);
    uint64_t top_bits = lane_repeat(lane_bits, 1ull << (lane_bits - 1));
    uint64_t lane_ones = (lane_bits == 32) ? 0xffffffffull : (1ull << lane_bits) - 1;
    TCGv t = new_i64(s);
    tcg_gen_xor(s->tcg, d, d, src);
    tcg_gen_andi(s->tcg, t, d, (int64_t)low_ones);
    tcg_gen_addi(s->tcg, t, t, (int64_t)low_ones);
    tcg_gen_or(s->tcg, t, t, d);
    tcg_gen_movi(s->tcg, d, (int64_t)top_bits);
    tcg_gen_andc(s->tcg, d, d, t);
    tcg_gen_shri(s->tcg, d, d, lane_bits - 1);
    tcg_gen_muli(s->tcg, d, d, (int64_t)lane_ones);
    tcg_temp_free(s->tcg, t);
}

static bool gen_pcmpeq(DisasContext *s, const SSEOp *op)
{
    return gen_per_half(s, op, gen_pcmpeq_half);
}

/*
 * PMINUB/PMAXUB on one half without a helper (strlen's inner loop runs PMINUB).
 * (a | 0x80..) - (b & 0x7f..) cannot borrow across bytes, and its byte top bits
 * say whether a's low seven bits are >= b's; combined with the top bits
 * themselves that gives a >= b per byte, spread into a byte mask by a
 * multiplication. The result then takes b or a where the mask is set.
 */
static void gen_byte_min_max_half(DisasContext *s, unsigned max, TCGv d, TCGv src)
{
    const int64_t top_bits = (int64_t)0x8080808080808080ull;
    TCGv difference = new_i64(s), t = new_i64(s), x = new_i64(s);
    tcg_gen_ori(s->tcg, difference, d, top_bits);
    tcg_gen_andi(s->tcg, t, src, 0x7f7f7f7f7f7f7f7fll);
    tcg_gen_sub(s->tcg, difference, difference, t);
    tcg_gen_xor(s->tcg, x, d, src);
    tcg_gen_andc(s->tcg, difference, difference, x);      /* top bits equal: low bits decide */
    tcg_gen_andc(s->tcg, t, d, src);                      /* a has the top bit, b not */
    tcg_gen_or(s->tcg, t, t, difference);
    tcg_gen_andi(s->tcg, t, t, top_bits);
    tcg_gen_shri(s->tcg, t, t, 7);
    tcg_gen_muli(s->tcg, t, t, 0xff);                     /* 0xff where a >= b */
    if (max) {
        tcg_gen_not(s->tcg, t, t);
    }
    tcg_gen_and(s->tcg, x, x, t);
    tcg_gen_xor(s->tcg, d, d, x);                         /* a ^ ((a ^ b) & mask) */
    free_temps(s, difference, t);
    tcg_temp_free(s->tcg, x);
}

static bool gen_byte_min_max(DisasContext *s, const SSEOp *op)
{
    return gen_per_half(s, op, gen_byte_min_max_half);
}

/*
 * PMOVMSKB r32, xmm: each half's byte sign bits gathered by one multiplication:
 * bit 8i+7 times 2^(49-7i) lands on bit 56+i, and no two partial products
 * share a bit position, so nothing carries.
 */
static void gen_byte_signs(DisasContext *s, TCGv half)
{
    tcg_gen_andi(s->tcg, half, half, (int64_t)0x8080808080808080ull);
    tcg_gen_muli(s->tcg, half, half, 0x0002040810204081ll);
    tcg_gen_shri(s->tcg, half, half, 56);
}

static bool gen_pmovmskb(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_half(s, op, lo, s->rm, 0);
    gen_byte_signs(s, lo);
    if (!mmx_regs(op)) {
        gen_load_xmm_half(s, hi, s->rm, 1);
        gen_byte_signs(s, hi);
        tcg_gen_shli(s->tcg, hi, hi, 8);
        tcg_gen_or(s->tcg, lo, lo, hi);
    }
    gen_st_reg(s, MO_32, s->reg, lo);
    free_temps(s, lo, hi);
    return true;
}

/* MOVMSKPS/MOVMSKPD r32, xmm */
static bool gen_mask_helper(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    TCGv mask = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    gen_load_xmm_half(s, lo, s->rm, 0);
    gen_load_xmm_half(s, hi, s->rm, 1);
    TCGv args[2] = { lo, hi };
    gen_call(s, op->helper, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, mask, 2, args);
    tcg_gen_extu_i32_i64(s->tcg, lo, mask);
    gen_st_reg(s, MO_32, s->reg, lo);
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, mask);
    return true;
}

/* --- shifts by an immediate: groups 12, 13, 14 (66 0F 71/72/73 /r ib) --- */

/* by opcode (0x71-0x73) and ModRM reg field: the operation, 0 for #UD */
enum { SHIFT_NONE, SHIFT_RIGHT_LOGICAL, SHIFT_RIGHT_ARITH, SHIFT_LEFT, SHIFT_BYTES_RIGHT,
       SHIFT_BYTES_LEFT };
static const uint8_t shift_imm_kinds[3][8] = {
    [0] = { [2] = SHIFT_RIGHT_LOGICAL, [4] = SHIFT_RIGHT_ARITH, [6] = SHIFT_LEFT },
    [1] = { [2] = SHIFT_RIGHT_LOGICAL, [4] = SHIFT_RIGHT_ARITH, [6] = SHIFT_LEFT },
    [2] = { [2] = SHIFT_RIGHT_LOGICAL, [3] = SHIFT_BYTES_RIGHT, [6] = SHIFT_LEFT,
            [7] = SHIFT_BYTES_LEFT },
};
/* PSRAW/PSRAD keep a helper (the count helpers read it from the low quadword) */
static SSEIntHelper *const shift_arith_helpers[2] = { helper_psraw, helper_psrad };

/*
 * PSRLx/PSLLx by imm8 on one half: one 64-bit shift, then a mask clearing the
 * bits that crossed into the neighbouring lane; counts past the lane width
 * give zero (SDM vol. 2B, PSLLW "Operation").
 */
static void gen_logical_shift_half(DisasContext *s, bool left, unsigned lane_bits,
                                   unsigned count, TCGv half)
{
    if (count >= lane_bits) {
        tcg_gen_movi(s->tcg, half, 0);
        return;
    }
    uint64_t lane_ones = lane_bits == 64 ? UINT64_MAX : (1ull << lane_bits) - 1;
    uint64_t kept = left ? (lane_ones << count) & lane_ones : lane_ones >> count;
    if (left) {
        tcg_gen_shli(s->tcg, half, half, count);
    } else {
        tcg_gen_shri(s->tcg, half, half, count);
    }
    if (lane_bits != 64) {
        tcg_gen_andi(s->tcg, half, half, (int64_t)lane_repeat(lane_bits, kept));
    }
}

/* PSRLDQ/PSLLDQ: the register as one 128-bit value shifted by whole bytes */
static void gen_byte_shift(DisasContext *s, bool left, unsigned bytes, TCGv lo, TCGv hi)
{
    unsigned bits = (bytes > 16 ? 16 : bytes) * 8;
    TCGv from = left ? lo : hi, to = left ? hi : lo;
    if (bits == 128) {
        tcg_gen_movi(s->tcg, lo, 0);
        tcg_gen_movi(s->tcg, hi, 0);
        return;
    }
    if (bits >= 64) {
        /* one half moves into the other, the vacated half is zero */
        if (left) {
            tcg_gen_shli(s->tcg, to, from, bits - 64);
        } else {
            tcg_gen_shri(s->tcg, to, from, bits - 64);
        }
        tcg_gen_movi(s->tcg, from, 0);
        return;
    }
    if (bits == 0) {
        return;
    }
    TCGv carried = new_i64(s);
    if (left) {
        tcg_gen_shri(s->tcg, carried, from, 64 - bits);
        tcg_gen_shli(s->tcg, to, to, bits);
        tcg_gen_shli(s->tcg, from, from, bits);
    } else {
        tcg_gen_shli(s->tcg, carried, from, 64 - bits);
        tcg_gen_shri(s->tcg, to, to, bits);
        tcg_gen_shri(s->tcg, from, from, bits);
    }
    tcg_gen_or(s->tcg, to, to, carried);
    tcg_temp_free(s->tcg, carried);
}

/* the shift in the r/m register; PSRLDQ/PSLLDQ have no MMX form */
static bool gen_shift_imm(DisasContext *s, const SSEOp *op)
{
    unsigned group = op->arg, kind = shift_imm_kinds[group][(s->modrm >> 3) & 7];
    static const unsigned lane_bits[3] = { 16, 32, 64 };
    bool byte_shift = kind == SHIFT_BYTES_RIGHT || kind == SHIFT_BYTES_LEFT;
    if (s->mod != 3 || kind == SHIFT_NONE || (mmx_regs(op) && byte_shift)) {
        return false;
    }
    uint32_t count = x86_ldub_code(s);
    if (kind == SHIFT_RIGHT_ARITH) {
        TCGv args[3] = { gen_vector_pointer(s, op, s->rm),
                         tcg_constant(s->tcg, TCG_TYPE_I64, count),
                         tcg_constant(s->tcg, TCG_TYPE_I64, 0) };
        gen_call(s, (void *)shift_arith_helpers[group], TCG_CALL_NO_RWG, NULL, 3, args);
        gen_helper_done(s, op, args[0], s->rm);
        return true;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    if (byte_shift) {
        gen_load_xmm_half(s, lo, s->rm, 0);
        gen_load_xmm_half(s, hi, s->rm, 1);
        gen_byte_shift(s, kind == SHIFT_BYTES_LEFT, count, lo, hi);
        gen_store_xmm_half(s, lo, s->rm, 0);
        gen_store_xmm_half(s, hi, s->rm, 1);
    } else {
        for (int half = 0; half < vector_halves(op); half++) {
            gen_load_half(s, op, lo, s->rm, half);
            gen_logical_shift_half(s, kind == SHIFT_LEFT, lane_bits[group], count, lo);
            gen_store_half(s, op, lo, s->rm, half);
        }
    }
    free_temps(s, lo, hi);
    return true;
}

/* --- moves --- */

/* MOVAPS/MOVUPS/MOVDQA/MOVDQU/MOVAPD/MOVUPD xmm1, xmm2/m128; MOVQ mm, mm/m64 */
static bool gen_move_load(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    for (int half = 0; half < vector_halves(op); half++) {
        gen_store_half(s, op, half ? hi : lo, s->reg, half);
    }
    free_temps(s, lo, hi);
    return true;
}

/*
 * SSE3 duplicating loads (SDM vol. 2): MOVSLDUP (F3 0F 12, arg DUP_EVEN) copies
 * the even singles over the odd ones, MOVSHDUP (F3 0F 16, DUP_ODD) the odd over
 * the even, MOVDDUP (F2 0F 12, DUP_LOW, m64) the low double into both halves.
 */
enum { DUP_EVEN, DUP_ODD, DUP_LOW };

static bool gen_move_dup(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    if (op->arg == DUP_LOW) {
        tcg_gen_mov(s->tcg, hi, lo);
    }
    for (int half = 0; half < 2; half++) {
        TCGv v = half ? hi : lo;
        if (op->arg == DUP_ODD) {
            tcg_gen_shri(s->tcg, v, v, 32);
            tcg_gen_deposit(s->tcg, v, v, v, 32, 32);
        } else if (op->arg == DUP_EVEN) {
            tcg_gen_deposit(s->tcg, v, v, v, 32, 32);
        }
        gen_store_xmm_half(s, v, s->reg, half);
    }
    free_temps(s, lo, hi);
    return true;
}

/* LDDQU xmm, m128 (F2 0F F0): an unaligned load, memory form only */
static bool gen_lddqu(DisasContext *s, const SSEOp *op)
{
    return s->mod != 3 && gen_move_load(s, op);
}

/* the same, xmm2/m128 <- xmm1 (MOVQ mm/m64, mm); MOVNTxx (arg = 1) have no
 * register form */
static bool gen_move_store(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3 && op->arg) {
        return false;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    if (s->mod == 3) {
        for (int half = 0; half < vector_halves(op); half++) {
            gen_load_half(s, op, lo, s->reg, half);
            gen_store_half(s, op, lo, s->rm, half);
        }
    } else {
        /* the alignment check branches: load the register after it */
        TCGv addr = gen_memory_address(s, op->mem);
        for (int half = 0; half < vector_halves(op); half++) {
            gen_load_half(s, op, half ? hi : lo, s->reg, half);
        }
        gen_store_memory(s, addr, op->mem, lo, hi);
        tcg_temp_free(s->tcg, addr);
    }
    free_temps(s, lo, hi);
    return true;
}

/* the low 32 (MEM_32) or 64 bits of xmm_regs[reg] become val's low bits */
static void gen_store_xmm_low(DisasContext *s, TCGv val, int reg, int mem)
{
    if (mem == MEM_32) {
        tcg_gen_st(s->tcg, INDEX_op_st32, val, tcg_env(s->tcg), xmm_offset(reg, 0));
    } else {
        gen_store_xmm_half(s, val, reg, 0);
    }
}

static void gen_load_xmm_low(DisasContext *s, TCGv dst, int reg, int mem)
{
    if (mem == MEM_32) {
        tcg_gen_ld(s->tcg, INDEX_op_ld32u, dst, tcg_env(s->tcg), xmm_offset(reg, 0));
    } else {
        gen_load_xmm_half(s, dst, reg, 0);
    }
}

/*
 * MOVSS/MOVSD xmm1, xmm2/m (F3/F2 0F 10): from memory the rest of xmm1 is
 * zeroed; from a register only the low element moves.
 * MOVQ xmm1, xmm2/m64 (F3 0F 7E) zeroes the high half in both forms (arg = 1).
 */
static bool gen_move_scalar_load(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s), zero = new_i64(s);
    tcg_gen_movi(s->tcg, zero, 0);
    if (s->mod == 3) {
        gen_load_xmm_low(s, val, s->rm, op->mem);
        gen_store_xmm_low(s, val, s->reg, op->mem);
        if (op->arg) {
            gen_store_xmm_half(s, zero, s->reg, 1);
        }
    } else {
        TCGv addr = gen_memory_address(s, op->mem);
        gen_load_memory(s, addr, op->mem, val, zero);
        gen_store_xmm_half(s, val, s->reg, 0);
        gen_store_xmm_half(s, zero, s->reg, 1);
        tcg_temp_free(s->tcg, addr);
    }
    free_temps(s, val, zero);
    return true;
}

/*
 * MOVSS/MOVSD xmm2/m, xmm1 (F3/F2 0F 11): the low element only.
 * MOVQ xmm2/m64, xmm1 (66 0F D6): a register destination gets its high half
 * zeroed (arg = 1).
 */
static bool gen_move_scalar_store(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s);
    gen_load_xmm_low(s, val, s->reg, op->mem);
    if (s->mod == 3) {
        gen_store_xmm_low(s, val, s->rm, op->mem);
        if (op->arg) {
            TCGv zero = new_i64(s);
            tcg_gen_movi(s->tcg, zero, 0);
            gen_store_xmm_half(s, zero, s->rm, 1);
            tcg_temp_free(s->tcg, zero);
        }
    } else {
        TCGv addr = gen_memory_address(s, op->mem);
        gen_st(s, val, addr, op->mem == MEM_32 ? MO_UL : MO_UQ);
        tcg_temp_free(s->tcg, addr);
    }
    tcg_temp_free(s->tcg, val);
    return true;
}

/*
 * MOVLPS/MOVLPD/MOVHPS/MOVHPD xmm, m64 (0F 12/16, arg = half): one half from
 * memory. With a register operand, no-prefix 0F 12 is MOVHLPS (low <- source
 * high) and 0F 16 is MOVLHPS (high <- source low); 66 has no register form.
 */
static bool gen_move_half_load(DisasContext *s, const SSEOp *op)
{
    int half = op->arg;
    TCGv val = new_i64(s);
    if (s->mod == 3) {
        if (s->prefix & PREFIX_DATA) {
            tcg_temp_free(s->tcg, val);
            return false;
        }
        gen_load_xmm_half(s, val, s->rm, !half);
    } else {
        TCGv addr = gen_memory_address(s, MEM_64);
        gen_ld(s, val, addr, MO_UQ);
        tcg_temp_free(s->tcg, addr);
    }
    gen_store_xmm_half(s, val, s->reg, half);
    tcg_temp_free(s->tcg, val);
    return true;
}

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD m64, xmm (0F 13/17): memory only */
static bool gen_move_half_store(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3) {
        return false;
    }
    TCGv val = new_i64(s);
    gen_load_xmm_half(s, val, s->reg, op->arg);
    TCGv addr = gen_memory_address(s, MEM_64);
    gen_st(s, val, addr, MO_UQ);
    free_temps(s, addr, val);
    return true;
}

/* operand size of a general-register operand: REX.W selects 64 bits */
static int gpr_size(const DisasContext *s)
{
    return s->rex_w ? MO_64 : MO_32;
}

/* MOVD/MOVQ xmm, r/m32/64 (66 0F 6E) or mm (0F 6E): zero-extended into the
 * whole register */
static bool gen_movd_to_xmm(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s), zero = new_i64(s);
    gen_ld_modrm(s, gpr_size(s), val);
    if (gpr_size(s) == MO_32) {
        tcg_gen_ext32u(s->tcg, val, val);
    }
    tcg_gen_movi(s->tcg, zero, 0);
    for (int half = 0; half < vector_halves(op); half++) {
        gen_store_half(s, op, half ? zero : val, s->reg, half);
    }
    free_temps(s, val, zero);
    return true;
}

/* MOVD/MOVQ r/m32/64, xmm (66 0F 7E) or mm (0F 7E) */
static bool gen_movd_from_xmm(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s);
    gen_load_half(s, op, val, s->reg, 0);
    gen_st_modrm(s, gpr_size(s), val, false);
    tcg_temp_free(s->tcg, val);
    return true;
}

/*
 * MASKMOVDQU xmm1, xmm2 (66 0F F7): the bytes of xmm1 whose xmm2 byte has its
 * top bit set are stored at DS:rDI; the others are not accessed (SDM vol. 2B,
 * MASKMOVDQU). One conditional byte store each, so values live in local temps.
 * MASKMOVQ mm1, mm2 (0F F7) does the same with 8 bytes.
 */
static bool gen_maskmovdqu(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    TCGv addr = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    TCGv data[2], mask[2];
    int halves = vector_halves(op);
    tcg_gen_mov(s->tcg, addr, s->g->regs[R_EDI]);
    if (s->aflag == MO_32) {
        tcg_gen_ext32u(s->tcg, addr, addr);
    } else if (s->aflag == MO_16) {
        tcg_gen_ext16u(s->tcg, addr, addr);
    }
    gen_add_seg_base(s, addr, R_DS);
    for (int half = 0; half < halves; half++) {
        data[half] = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
        mask[half] = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
        gen_load_half(s, op, data[half], s->reg, half);
        gen_load_half(s, op, mask[half], s->rm, half);
    }
    for (int i = 0; i < 8 * halves; i++) {
        TCGLabel *skip = tcg_gen_new_label(s->tcg);
        TCGv t = new_i64(s);
        tcg_gen_extract(s->tcg, t, mask[i / 8], (i % 8) * 8 + 7, 1);
        tcg_gen_brcondi(s->tcg, TCG_COND_EQ, t, 0, skip);
        tcg_gen_extract(s->tcg, t, data[i / 8], (i % 8) * 8, 8);
        TCGv byte_addr = new_i64(s);
        tcg_gen_addi(s->tcg, byte_addr, addr, i);
        if (!s->code64 || s->aflag != MO_64) {
            tcg_gen_ext32u(s->tcg, byte_addr, byte_addr);
        }
        gen_st(s, t, byte_addr, MO_8);
        free_temps(s, t, byte_addr);
        tcg_gen_set_label(s->tcg, skip);
    }
    for (int half = 0; half < halves; half++) {
        free_temps(s, data[half], mask[half]);
    }
    tcg_temp_free(s->tcg, addr);
    return true;
}

/* MOVNTI m32/64, r32/64 (0F C3): a plain store here (no cache to bypass) */
static bool gen_movnti(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3) {
        return false;
    }
    TCGv val = new_i64(s);
    gen_ld_reg(s, gpr_size(s), val, s->reg);
    gen_st_modrm(s, gpr_size(s), val, false);
    tcg_temp_free(s->tcg, val);
    return true;
}

/* the word lane an imm8 selects: 0-7 in an XMM register, 0-3 in an MMX one */
static unsigned word_lane(DisasContext *s, const SSEOp *op)
{
    return x86_ldub_code(s) & (mmx_regs(op) ? 3 : 7);
}

/* PINSRW xmm, r32/m16, imm8 (66 0F C4); PINSRW mm (0F C4) */
static bool gen_pinsrw(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s), d = new_i64(s);
    s->rip_offset = 1;
    gen_ld_modrm(s, MO_16, val);
    unsigned lane = word_lane(s, op);
    gen_load_half(s, op, d, s->reg, lane / 4);
    tcg_gen_deposit(s->tcg, d, d, val, (lane % 4) * 16, 16);
    gen_store_half(s, op, d, s->reg, lane / 4);
    free_temps(s, val, d);
    return true;
}

/* PEXTRW r32, xmm/mm, imm8 (66 0F C5, 0F C5): register form only */
static bool gen_pextrw(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    unsigned lane = word_lane(s, op);
    TCGv val = new_i64(s);
    gen_load_half(s, op, val, s->rm, lane / 4);
    tcg_gen_extract(s->tcg, val, val, (lane % 4) * 16, 16);
    gen_st_reg(s, MO_32, s->reg, val);
    tcg_temp_free(s->tcg, val);
    return true;
}

/* --- conversions with general registers, COMISS, MXCSR --- */

/* CVTSI2SS/CVTSI2SD xmm, r/m32/64 (F3/F2 0F 2A) */
static bool gen_convert_from_int(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s);
    gen_ld_modrm(s, gpr_size(s), val);
    if (gpr_size(s) == MO_32) {
        tcg_gen_ext32s(s->tcg, val, val);
    }
    TCGv args[3] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), val };
    gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 3, args);
    free_temps(s, args[1], val);
    return true;
}

typedef uint64_t SSEToIntHelper(CPUX86State *env, uint64_t src);

/* by op->arg, then 32/64-bit result */
static SSEToIntHelper *const to_int_helpers[4][2] = {
    { helper_cvttss2si32, helper_cvttss2si64 },
    { helper_cvtss2si32, helper_cvtss2si64 },
    { helper_cvttsd2si32, helper_cvttsd2si64 },
    { helper_cvtsd2si32, helper_cvtsd2si64 },
};

/* CVT(T)SS2SI/CVT(T)SD2SI r32/64, xmm/m32/64 (F3/F2 0F 2C/2D) */
static bool gen_convert_to_int(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    TCGv args[2] = { tcg_env(s->tcg), lo };
    gen_call(s, (void *)to_int_helpers[op->arg][gpr_size(s) == MO_64], TCG_CALL_NO_RWG, hi,
             2, args);
    gen_st_reg(s, gpr_size(s), s->reg, hi);
    free_temps(s, lo, hi);
    return true;
}

/* (U)COMISS/(U)COMISD xmm1, xmm2/m32/64 (0F 2E/2F): ZF, PF, CF from the
 * comparison, OF, SF, AF cleared */
static bool gen_compare_to_eflags(DisasContext *s, const SSEOp *op)
{
    TCGv a = new_i64(s), b = new_i64(s), hi = new_i64(s);
    TCGv flags = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    gen_load_source(s, op, b, hi);
    gen_load_xmm_half(s, a, s->reg, 0);
    TCGv args[3] = { tcg_env(s->tcg), a, b };
    gen_call(s, op->helper, TCG_CALL_NO_RWG, flags, 3, args);
    tcg_gen_extu_i32_i64(s->tcg, hi, flags);
    gen_set_eflags_cc(s, hi);
    free_temps(s, a, b);
    free_temps(s, hi, flags);
    return true;
}

/* --- MMX only: EMMS, transfers between MMX and XMM, packed conversions --- */

/* x87 tags (1 = empty) of all eight registers at once, as two 32-bit stores */
static void gen_set_all_tags(DisasContext *s, bool empty)
{
    TCGv tags = new_i64(s);
    tcg_gen_movi(s->tcg, tags, empty ? 0x01010101 : 0);
    for (int i = 0; i < 8; i += 4) {
        tcg_gen_st(s->tcg, INDEX_op_st32, tags, tcg_env(s->tcg),
                   offsetof(CPUX86State, fptags) + i);
    }
    tcg_temp_free(s->tcg, tags);
}

/* after an MMX instruction: TOP = 0, all tags valid (SDM vol. 1, 9.5.1) */
static void gen_mmx_transition(DisasContext *s)
{
    TCGv zero = new_i64(s);
    tcg_gen_movi(s->tcg, zero, 0);
    tcg_gen_st(s->tcg, INDEX_op_st32, zero, tcg_env(s->tcg), offsetof(CPUX86State, fpstt));
    tcg_temp_free(s->tcg, zero);
    gen_set_all_tags(s, false);
}

/* EMMS (0F 77): all x87 tags empty, TOP unchanged */
static bool gen_emms(DisasContext *s, const SSEOp *op)
{
    gen_set_all_tags(s, true);
    return true;
}

/* MOVQ2DQ xmm, mm (F3 0F D6): the high half zeroed; MOVDQ2Q mm, xmm (F2 0F D6):
 * the low half. Register forms only. */
static bool gen_movq2dq(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    TCGv val = new_i64(s);
    if (op->arg) {
        gen_load_xmm_half(s, val, s->rm, 0);
        gen_store_mmx(s, val, s->reg);
    } else {
        gen_load_mmx(s, val, s->rm);
        gen_store_xmm_half(s, val, s->reg, 0);
        tcg_gen_movi(s->tcg, val, 0);
        gen_store_xmm_half(s, val, s->reg, 1);
    }
    tcg_temp_free(s->tcg, val);
    return true;
}

/*
 * CVTPI2PS xmm, mm/m64 (0F 2A, arg 0) and CVTPI2PD xmm, mm/m64 (66 0F 2A,
 * arg 1) with CVTDQ2PS/CVTDQ2PD's helpers on the two doublewords. CVTPI2PS
 * keeps the destination's high half; the zero lanes it converts are exact.
 */
static bool gen_convert_from_mmx(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    if (!op->arg) {
        gen_load_xmm_half(s, hi, s->reg, 1);
    }
    TCGv zero = tcg_constant(s->tcg, TCG_TYPE_I64, 0);
    TCGv args[4] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, zero };
    gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
    tcg_temp_free(s->tcg, args[1]);
    if (!op->arg) {
        gen_store_xmm_half(s, hi, s->reg, 1);
    }
    free_temps(s, lo, hi);
    return true;
}

/*
 * CVT(T)PS2PI mm, xmm/m64 (0F 2D/2C, arg 0) with CVT(T)PS2DQ's helper on the
 * low two singles (the zero upper lanes convert exactly); CVT(T)PD2PI mm,
 * xmm/m128 (66 0F 2D/2C, arg 1) with CVT(T)PD2DQ's, whose low half is the
 * result. The helper writes the fpregs slot, the exponent is set after.
 */
static bool gen_convert_to_mmx(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    if (!op->arg) {
        tcg_gen_movi(s->tcg, hi, 0);
    }
    TCGv ptr = tcg_temp_new(s->tcg, TCG_TYPE_PTR);
    tcg_gen_addi(s->tcg, ptr, tcg_env(s->tcg), mmx_offset(s->reg));
    TCGv args[4] = { tcg_env(s->tcg), ptr, lo, hi };
    gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
    tcg_temp_free(s->tcg, ptr);
    gen_mmx_set_exponent(s, s->reg);
    free_temps(s, lo, hi);
    return true;
}

/* env->mxcsr with the flags still pending in the host merged in */
static void gen_load_mxcsr(DisasContext *s, TCGv val)
{
    TCGv env = tcg_env(s->tcg);
    gen_call(s, (void *)helper_sse_sync_mxcsr, TCG_CALL_NO_RWG, NULL, 1, &env);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, val, env, offsetof(CPUX86State, mxcsr));
}

void gen_end_after_mxcsr_load(DisasContext *s)
{
    tcg_gen_movi(s->tcg, s->g->rip, s->code64 ? s->pc : (uint32_t)s->pc);
    s->is_jmp = DISAS_EOB_EXIT;
}

static bool gen_ldmxcsr(DisasContext *s)
{
    TCGv val = new_i64(s);
    TCGv val32 = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    TCGv addr = gen_memory_address(s, MEM_32);
    gen_ld(s, val, addr, MO_UL);
    tcg_gen_extrl_i64_i32(s->tcg, val32, val);
    gen_update_cc_op(s);      /* the helper may raise #GP */
    TCGv args[2] = { tcg_env(s->tcg), val32 };
    gen_call(s, (void *)helper_ldmxcsr, 0, NULL, 2, args);
    free_temps(s, val, val32);
    tcg_temp_free(s->tcg, addr);
    gen_end_after_mxcsr_load(s);
    return true;
}

static bool gen_stmxcsr(DisasContext *s)
{
    TCGv val = new_i64(s);
    TCGv addr = gen_memory_address(s, MEM_32);
    gen_load_mxcsr(s, val);
    gen_st(s, val, addr, MO_UL);
    free_temps(s, val, addr);
    return true;
}

/*
 * FXSAVE/FXRSTOR m512 (SDM vol. 1, 10.5.1, table 10-2). The x87 state saved is
 * FCW, FSW (with TOP), the abridged tag word (bit i set: physical register i
 * not empty) and ST(0)-ST(7) as 80-bit values in 16-byte slots (so MM0-7 show
 * after an MMX instruction, which sets TOP = 0); FOP/FIP/FDP as fpu_helper.c's
 * helper_fx_pointer gives them (32- or 64-bit form by REX.W).
 * 64-bit mode saves XMM0-15, other modes XMM0-7.
 */
enum {
    FXSAVE_FCW = 0, FXSAVE_FSW = 2, FXSAVE_FTW = 4, FXSAVE_FOP = 6, FXSAVE_FIP = 8,
    FXSAVE_FDP = 16, FXSAVE_MXCSR = 24, FXSAVE_MXCSR_MASK = 28, FXSAVE_ST0 = 32,
    FXSAVE_XMM0 = 160,
};
#define FSW_TOP_SHIFT 11
#define FSW_TOP (7u << FSW_TOP_SHIFT)

static void gen_store_at(DisasContext *s, TCGv base, int offset, TCGv val, TCGMemOp memop)
{
    TCGv addr = new_i64(s);
    tcg_gen_addi(s->tcg, addr, base, offset);
    gen_st(s, val, addr, memop);
    tcg_temp_free(s->tcg, addr);
}

static void gen_load_at(DisasContext *s, TCGv base, int offset, TCGv val, TCGMemOp memop)
{
    TCGv addr = new_i64(s);
    tcg_gen_addi(s->tcg, addr, base, offset);
    gen_ld(s, val, addr, memop);
    tcg_temp_free(s->tcg, addr);
}

static int fxsave_xmm_count(const DisasContext *s)
{
    return s->code64 ? 16 : 8;
}

/* env + ((TOP + i) & 7) * 16: add offsetof(fpregs) to reach ST(i)'s slot */
static TCGv gen_st_slot_base(DisasContext *s, int i)
{
    TCGv p = tcg_temp_new(s->tcg, TCG_TYPE_PTR);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, p, tcg_env(s->tcg), offsetof(CPUX86State, fpstt));
    tcg_gen_addi(s->tcg, p, p, i);
    tcg_gen_andi(s->tcg, p, p, 7);
    tcg_gen_shli(s->tcg, p, p, 4);
    tcg_gen_add(s->tcg, p, p, tcg_env(s->tcg));
    return p;
}

/* the abridged tag byte: fptags[i] is 1 when empty, bit i is 1 when not */
static void gen_load_abridged_tags(DisasContext *s, TCGv val)
{
    TCGv high = new_i64(s);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, val, tcg_env(s->tcg), offsetof(CPUX86State, fptags));
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, high, tcg_env(s->tcg),
               offsetof(CPUX86State, fptags) + 4);
    tcg_gen_deposit(s->tcg, val, val, high, 32, 32);
    tcg_gen_xori(s->tcg, val, val, 0x0101010101010101ll);
    tcg_gen_shli(s->tcg, val, val, 7);       /* each byte's flag to its sign bit */
    gen_byte_signs(s, val);
    tcg_temp_free(s->tcg, high);
}

static void gen_fxsave_x87(DisasContext *s, TCGv base, TCGv val)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld16u, val, tcg_env(s->tcg), offsetof(CPUX86State, fpuc));
    gen_store_at(s, base, FXSAVE_FCW, val, MO_16);
    gen_helper_env(s, helper_fnstsw, TCG_CALL_NO_RWG, val, 0, NULL);   /* with ES and B */
    gen_store_at(s, base, FXSAVE_FSW, val, MO_16);
    gen_load_abridged_tags(s, val);
    gen_store_at(s, base, FXSAVE_FTW, val, MO_16);
    static const int fields[3][2] = { { FXSAVE_FOP, 0 }, { FXSAVE_FIP, 1 }, { FXSAVE_FDP, 2 } };
    for (int i = 0; i < 3; i++) {
        TCGv field = tcg_constant(s->tcg, TCG_TYPE_I32, fields[i][1] + (i && s->rex_w ? 2 : 0));
        gen_helper_env(s, helper_fx_pointer, TCG_CALL_NO_RWG, val, 1, &field);
        gen_store_at(s, base, fields[i][0], val, i ? MO_64 : MO_16);
    }
    for (int i = 0; i < 8; i++) {
        TCGv slot = gen_st_slot_base(s, i);
        intptr_t reg = offsetof(CPUX86State, fpregs);
        tcg_gen_ld(s->tcg, INDEX_op_ld, val, slot, reg);
        gen_store_at(s, base, FXSAVE_ST0 + 16 * i, val, MO_64);
        tcg_gen_ld(s->tcg, INDEX_op_ld16u, val, slot, reg + 8);
        gen_store_at(s, base, FXSAVE_ST0 + 16 * i + 8, val, MO_64);
        tcg_temp_free(s->tcg, slot);
    }
}

static bool gen_fxsave(DisasContext *s)
{
    TCGv base = gen_memory_address(s, MEM_128_ALIGNED);
    TCGv val = new_i64(s);
    gen_fxsave_x87(s, base, val);
    gen_load_mxcsr(s, val);
    gen_store_at(s, base, FXSAVE_MXCSR, val, MO_32);
    tcg_gen_movi(s->tcg, val, MXCSR_WRITABLE);
    gen_store_at(s, base, FXSAVE_MXCSR_MASK, val, MO_32);
    for (int reg = 0; reg < fxsave_xmm_count(s); reg++) {
        for (int half = 0; half < 2; half++) {
            gen_load_xmm_half(s, val, reg, half);
            gen_store_at(s, base, FXSAVE_XMM0 + reg * 16 + half * 8, val, MO_64);
        }
    }
    free_temps(s, base, val);
    return true;
}

/* FCW, FSW (TOP into fpstt), tags from the abridged byte, then ST(0)-ST(7) */
static void gen_fxrstor_x87(DisasContext *s, TCGv base, TCGv val)
{
    TCGv env = tcg_env(s->tcg), t = new_i64(s);
    gen_load_at(s, base, FXSAVE_FCW, val, MO_16);
    tcg_gen_st(s->tcg, INDEX_op_st16, val, env, offsetof(CPUX86State, fpuc));
    gen_load_at(s, base, FXSAVE_FSW, val, MO_16);
    tcg_gen_extract(s->tcg, t, val, FSW_TOP_SHIFT, 3);
    tcg_gen_st(s->tcg, INDEX_op_st32, t, env, offsetof(CPUX86State, fpstt));
    tcg_gen_andi(s->tcg, val, val, ~(int64_t)FSW_TOP);
    tcg_gen_st(s->tcg, INDEX_op_st16, val, env, offsetof(CPUX86State, fpus));
    {
        TCGv args[4] = { new_i64(s), new_i64(s), new_i64(s),
                         tcg_constant(s->tcg, TCG_TYPE_I32, s->rex_w) };
        gen_load_at(s, base, FXSAVE_FOP, args[0], MO_16);
        gen_load_at(s, base, FXSAVE_FIP, args[1], MO_64);
        gen_load_at(s, base, FXSAVE_FDP, args[2], MO_64);
        gen_helper_env(s, helper_fx_load_pointers, TCG_CALL_NO_RWG, NULL, 4, args);
        for (int i = 0; i < 3; i++) {
            tcg_temp_free(s->tcg, args[i]);
        }
    }
    gen_load_at(s, base, FXSAVE_FTW, val, MO_8);
    for (int i = 0; i < 8; i++) {
        tcg_gen_extract(s->tcg, t, val, i, 1);
        tcg_gen_xori(s->tcg, t, t, 1);
        tcg_gen_st(s->tcg, INDEX_op_st8, t, env, offsetof(CPUX86State, fptags) + i);
    }
    for (int i = 0; i < 8; i++) {
        TCGv slot = gen_st_slot_base(s, i);
        intptr_t reg = offsetof(CPUX86State, fpregs);
        gen_load_at(s, base, FXSAVE_ST0 + 16 * i, val, MO_64);
        tcg_gen_st(s->tcg, INDEX_op_st, val, slot, reg);
        gen_load_at(s, base, FXSAVE_ST0 + 16 * i + 8, val, MO_16);
        tcg_gen_st(s->tcg, INDEX_op_st16, val, slot, reg + 8);
        tcg_temp_free(s->tcg, slot);
    }
    tcg_temp_free(s->tcg, t);
}

static bool gen_fxrstor(DisasContext *s)
{
    TCGv base = gen_memory_address(s, MEM_128_ALIGNED);
    TCGv val = new_i64(s);
    TCGv val32 = tcg_temp_new(s->tcg, TCG_TYPE_I32);
    /* MXCSR first: a reserved bit raises #GP before anything changes */
    gen_load_at(s, base, FXSAVE_MXCSR, val, MO_32);
    tcg_gen_extrl_i64_i32(s->tcg, val32, val);
    gen_update_cc_op(s);
    TCGv args[2] = { tcg_env(s->tcg), val32 };
    gen_call(s, (void *)helper_ldmxcsr, 0, NULL, 2, args);
    gen_fxrstor_x87(s, base, val);
    for (int reg = 0; reg < fxsave_xmm_count(s); reg++) {
        for (int half = 0; half < 2; half++) {
            gen_load_at(s, base, FXSAVE_XMM0 + reg * 16 + half * 8, val, MO_64);
            gen_store_xmm_half(s, val, reg, half);
        }
    }
    free_temps(s, base, val);
    tcg_temp_free(s->tcg, val32);
    gen_end_after_mxcsr_load(s);
    return true;
}

/*
 * Group 15 (0F AE) without prefix: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, CLFLUSH
 * with memory; LFENCE, MFENCE, SFENCE with a register. One guest CPU runs at a
 * time and there is no cache to flush, so fences and CLFLUSH emit nothing.
 */
static bool gen_group15(DisasContext *s, const SSEOp *op)
{
    unsigned kind = (s->modrm >> 3) & 7;
    if (s->mod == 3) {
        return kind >= 5;
    }
    switch (kind) {
    case 0:
        return gen_fxsave(s);
    case 1:
        return gen_fxrstor(s);
    case 2:
        return gen_ldmxcsr(s);
    case 3:
        return gen_stmxcsr(s);
    case 7:
        gen_lea_modrm(s);
        return true;
    default:
        return false;     /* XSAVE, XRSTOR, XSAVEOPT: translate-xsave.c, before this table */
    }
}

/* --- the opcode table: 0F xx by mandatory prefix (none, 66, F3, F2) --- */

#define INT(name) { gen_int_helper, (void *)helper_##name, MEM_128_ALIGNED, 0 }
#define FLOAT(name, mem) { gen_float_helper, (void *)helper_##name, mem, 0 }
#define PACKED(name) FLOAT(name, MEM_128_ALIGNED)
#define IMM(name, mem) { gen_imm_helper, (void *)helper_##name, mem, 0 }
#define COMPARE(name, mem) { gen_compare_helper, (void *)helper_##name, mem, 0 }
#define INLINE(operation) { gen_inline_binary, NULL, MEM_128_ALIGNED, operation }
#define UNPACK_QUADWORD(high) { gen_unpack_quadword, NULL, MEM_128_ALIGNED, high }
#define GEN(gen, mem, arg) { gen, NULL, mem, arg }
#define GEN_HELPER(gen, name, mem) { gen, (void *)helper_##name, mem, 0 }
/* the four arithmetic forms PS, PD, SS, SD of one operation */
#define ARITH4(op) { PACKED(op##ps), PACKED(op##pd), FLOAT(op##ss, MEM_32), FLOAT(op##sd, MEM_64) }

/*
 * Integer operations with an MMX form (no prefix) and an XMM form (66): one
 * generator and helper, MMX_REGS selecting 64-bit operands (MMX memory
 * operands are 8 bytes, no alignment rule). V(mmx, gen, name, mem, arg) is one
 * entry; MMX_XMM(gen, name, mem, arg) the pair, mem being the XMM form's.
 */
#define V(mmx, gen, helper, mem, arg) \
    { gen, (void *)(helper), (mmx) ? (mem) == MEM_NONE ? MEM_NONE : MEM_64 : (mem), arg, mmx }
#define MMX_XMM(gen, helper, mem, arg) \
    { [PREFIX_INDEX_NONE] = V(MMX_REGS, gen, helper, mem, arg), \
      [PREFIX_INDEX_66] = V(MMX_NONE, gen, helper, mem, arg) }
#define INT2(name) MMX_XMM(gen_int_helper, helper_##name, MEM_128_ALIGNED, MMX_LANEWISE)
#define INT2_AS(name, kind) MMX_XMM(gen_int_helper, helper_##name, MEM_128_ALIGNED, kind)
#define GEN2(gen, mem, arg) MMX_XMM(gen, NULL, mem, arg)
#define LOGIC2(operation) GEN2(gen_inline_binary, MEM_128_ALIGNED, operation)
#define PCMPEQ2(bits) GEN2(gen_pcmpeq, MEM_128_ALIGNED, bits)
#define PADD2(bits) GEN2(gen_lane_add_sub, MEM_128_ALIGNED, bits)
#define PSUB2(bits) GEN2(gen_lane_add_sub, MEM_128_ALIGNED, (bits) | LANE_SUBTRACT)
/* an MMX-only entry, or one converting between MMX and XMM registers */
#define MMX(gen, name, mem, arg) V(MMX_REGS, gen, name, mem, arg)
#define MIXED(kind, gen, name, mem, arg) { gen, (void *)(name), mem, arg, kind }

static const SSEOp sse_table[256][PREFIX_INDEX_COUNT] = {
    [0x10] = { GEN(gen_move_load, MEM_128, 0), GEN(gen_move_load, MEM_128, 0),
               GEN(gen_move_scalar_load, MEM_32, 0), GEN(gen_move_scalar_load, MEM_64, 0) },
    [0x11] = { GEN(gen_move_store, MEM_128, 0), GEN(gen_move_store, MEM_128, 0),
               GEN(gen_move_scalar_store, MEM_32, 0), GEN(gen_move_scalar_store, MEM_64, 0) },
    [0x12] = { GEN(gen_move_half_load, MEM_64, 0), GEN(gen_move_half_load, MEM_64, 0),
               GEN(gen_move_dup, MEM_128_ALIGNED, DUP_EVEN),          /* MOVSLDUP */
               GEN(gen_move_dup, MEM_64, DUP_LOW) },                  /* MOVDDUP */
    [0x13] = { GEN(gen_move_half_store, MEM_64, 0), GEN(gen_move_half_store, MEM_64, 0) },
    [0x14] = { INT(punpckldq), UNPACK_QUADWORD(0) },     /* UNPCKLPS, UNPCKLPD */
    [0x15] = { INT(punpckhdq), UNPACK_QUADWORD(1) },     /* UNPCKHPS, UNPCKHPD */
    [0x16] = { GEN(gen_move_half_load, MEM_64, 1), GEN(gen_move_half_load, MEM_64, 1),
               GEN(gen_move_dup, MEM_128_ALIGNED, DUP_ODD) },         /* MOVSHDUP */
    [0x17] = { GEN(gen_move_half_store, MEM_64, 1), GEN(gen_move_half_store, MEM_64, 1) },
    [0x28] = { GEN(gen_move_load, MEM_128_ALIGNED, 0), GEN(gen_move_load, MEM_128_ALIGNED, 0) },
    [0x29] = { GEN(gen_move_store, MEM_128_ALIGNED, 0),
               GEN(gen_move_store, MEM_128_ALIGNED, 0) },
    [0x2a] = { MIXED(MMX_MIXED_RM, gen_convert_from_mmx, helper_cvtdq2ps, MEM_64, 0),  /* CVTPI2PS */
               MIXED(MMX_MIXED_RM, gen_convert_from_mmx, helper_cvtdq2pd, MEM_64, 1),  /* CVTPI2PD */
               [PREFIX_INDEX_F3] = GEN_HELPER(gen_convert_from_int, cvtsi2ss, MEM_NONE),
               [PREFIX_INDEX_F2] = GEN_HELPER(gen_convert_from_int, cvtsi2sd, MEM_NONE) },
    [0x2b] = { GEN(gen_move_store, MEM_128_ALIGNED, 1),        /* MOVNTPS, MOVNTPD */
               GEN(gen_move_store, MEM_128_ALIGNED, 1) },
    [0x2c] = { MIXED(MMX_MIXED, gen_convert_to_mmx, helper_cvttps2dq, MEM_64, 0),  /* CVTTPS2PI */
               MIXED(MMX_MIXED, gen_convert_to_mmx, helper_cvttpd2dq, MEM_128_ALIGNED, 1),
               [PREFIX_INDEX_F3] = GEN(gen_convert_to_int, MEM_32, 0),
               [PREFIX_INDEX_F2] = GEN(gen_convert_to_int, MEM_64, 2) },
    [0x2d] = { MIXED(MMX_MIXED, gen_convert_to_mmx, helper_cvtps2dq, MEM_64, 0),  /* CVTPS2PI */
               MIXED(MMX_MIXED, gen_convert_to_mmx, helper_cvtpd2dq, MEM_128_ALIGNED, 1),
               [PREFIX_INDEX_F3] = GEN(gen_convert_to_int, MEM_32, 1),
               [PREFIX_INDEX_F2] = GEN(gen_convert_to_int, MEM_64, 3) },
    [0x2e] = { GEN_HELPER(gen_compare_to_eflags, ucomiss, MEM_32),
               GEN_HELPER(gen_compare_to_eflags, ucomisd, MEM_64) },
    [0x2f] = { GEN_HELPER(gen_compare_to_eflags, comiss, MEM_32),
               GEN_HELPER(gen_compare_to_eflags, comisd, MEM_64) },
    [0x50] = { GEN_HELPER(gen_mask_helper, movmskps, MEM_NONE),
               GEN_HELPER(gen_mask_helper, movmskpd, MEM_NONE) },
    [0x51] = ARITH4(sqrt),
    [0x52] = { PACKED(rsqrtps), [PREFIX_INDEX_F3] = FLOAT(rsqrtss, MEM_32) },
    [0x53] = { PACKED(rcpps), [PREFIX_INDEX_F3] = FLOAT(rcpss, MEM_32) },
    [0x54] = { INLINE(LOGIC_AND), INLINE(LOGIC_AND) },       /* ANDPS, ANDPD */
    [0x55] = { INLINE(LOGIC_ANDN), INLINE(LOGIC_ANDN) },     /* ANDNPS, ANDNPD */
    [0x56] = { INLINE(LOGIC_OR), INLINE(LOGIC_OR) },         /* ORPS, ORPD */
    [0x57] = { INLINE(LOGIC_XOR), INLINE(LOGIC_XOR) },       /* XORPS, XORPD */
    [0x58] = ARITH4(add),
    [0x59] = ARITH4(mul),
    [0x5a] = { FLOAT(cvtps2pd, MEM_64), PACKED(cvtpd2ps), FLOAT(cvtss2sd, MEM_32),
               FLOAT(cvtsd2ss, MEM_64) },
    [0x5b] = { PACKED(cvtdq2ps), PACKED(cvtps2dq), PACKED(cvttps2dq) },
    [0x5c] = ARITH4(sub),
    [0x5d] = ARITH4(min),
    [0x5e] = ARITH4(div),
    [0x5f] = ARITH4(max),
    [0x60] = INT2(punpcklbw),
    [0x61] = INT2(punpcklwd),
    [0x62] = INT2(punpckldq),
    [0x63] = INT2_AS(packsswb, MMX_PACK),
    [0x64] = INT2(pcmpgtb),
    [0x65] = INT2(pcmpgtw),
    [0x66] = INT2(pcmpgtd),
    [0x67] = INT2_AS(packuswb, MMX_PACK),
    [0x68] = INT2_AS(punpckhbw, MMX_UNPACK_HIGH),
    [0x69] = INT2_AS(punpckhwd, MMX_UNPACK_HIGH),
    [0x6a] = INT2_AS(punpckhdq, MMX_UNPACK_HIGH),
    [0x6b] = INT2_AS(packssdw, MMX_PACK),
    [0x6c] = { [PREFIX_INDEX_66] = UNPACK_QUADWORD(0) },
    [0x6d] = { [PREFIX_INDEX_66] = UNPACK_QUADWORD(1) },
    [0x6e] = GEN2(gen_movd_to_xmm, MEM_NONE, 0),                            /* MOVD/MOVQ */
    [0x6f] = { MMX(gen_move_load, NULL, MEM_64, 0),                           /* MOVQ mm */
               [PREFIX_INDEX_66] = GEN(gen_move_load, MEM_128_ALIGNED, 0),   /* MOVDQA */
               [PREFIX_INDEX_F3] = GEN(gen_move_load, MEM_128, 0) },         /* MOVDQU */
    [0x70] = { MMX(gen_imm_helper, helper_pshuflw, MEM_64, 0),                /* PSHUFW */
               [PREFIX_INDEX_66] = IMM(pshufd, MEM_128_ALIGNED),
               [PREFIX_INDEX_F3] = IMM(pshufhw, MEM_128_ALIGNED),
               [PREFIX_INDEX_F2] = IMM(pshuflw, MEM_128_ALIGNED) },
    [0x71] = GEN2(gen_shift_imm, MEM_NONE, 0),
    [0x72] = GEN2(gen_shift_imm, MEM_NONE, 1),
    [0x73] = GEN2(gen_shift_imm, MEM_NONE, 2),
    [0x74] = PCMPEQ2(8),
    [0x75] = PCMPEQ2(16),
    [0x76] = PCMPEQ2(32),
    [0x77] = { MIXED(MMX_EMMS, gen_emms, NULL, MEM_NONE, 0) },
    [0x7c] = { [PREFIX_INDEX_66] = PACKED(haddpd), [PREFIX_INDEX_F2] = PACKED(haddps) },
    [0x7d] = { [PREFIX_INDEX_66] = PACKED(hsubpd), [PREFIX_INDEX_F2] = PACKED(hsubps) },
    [0x7e] = { MMX(gen_movd_from_xmm, NULL, MEM_NONE, 0),
               [PREFIX_INDEX_66] = GEN(gen_movd_from_xmm, MEM_NONE, 0),
               [PREFIX_INDEX_F3] = GEN(gen_move_scalar_load, MEM_64, 1) },   /* MOVQ */
    [0x7f] = { MMX(gen_move_store, NULL, MEM_64, 0),                          /* MOVQ mm */
               [PREFIX_INDEX_66] = GEN(gen_move_store, MEM_128_ALIGNED, 0),  /* MOVDQA */
               [PREFIX_INDEX_F3] = GEN(gen_move_store, MEM_128, 0) },        /* MOVDQU */
    [0xae] = { GEN(gen_group15, MEM_NONE, 0) },
    [0xc2] = { COMPARE(cmpps, MEM_128_ALIGNED), COMPARE(cmppd, MEM_128_ALIGNED),
               COMPARE(cmpss, MEM_32), COMPARE(cmpsd, MEM_64) },
    [0xc3] = { GEN(gen_movnti, MEM_NONE, 0) },
    [0xc4] = GEN2(gen_pinsrw, MEM_NONE, 0),
    [0xc5] = GEN2(gen_pextrw, MEM_NONE, 0),
    [0xc6] = { IMM(shufps, MEM_128_ALIGNED), IMM(shufpd, MEM_128_ALIGNED) },
    [0xd0] = { [PREFIX_INDEX_66] = PACKED(addsubpd), [PREFIX_INDEX_F2] = PACKED(addsubps) },
    [0xd1] = INT2(psrlw),
    [0xd2] = INT2(psrld),
    [0xd3] = INT2(psrlq),
    [0xd4] = PADD2(64),
    [0xd5] = INT2(pmullw),
    [0xd6] = { [PREFIX_INDEX_66] = GEN(gen_move_scalar_store, MEM_64, 1),   /* MOVQ */
               [PREFIX_INDEX_F3] = MIXED(MMX_MIXED, gen_movq2dq, NULL, MEM_NONE, 0),
               [PREFIX_INDEX_F2] = MIXED(MMX_MIXED, gen_movq2dq, NULL, MEM_NONE, 1) },
    [0xd7] = GEN2(gen_pmovmskb, MEM_NONE, 0),
    [0xd8] = INT2(psubusb),
    [0xd9] = INT2(psubusw),
    [0xda] = GEN2(gen_byte_min_max, MEM_128_ALIGNED, 0),                  /* PMINUB */
    [0xdb] = LOGIC2(LOGIC_AND),
    [0xdc] = INT2(paddusb),
    [0xdd] = INT2(paddusw),
    [0xde] = GEN2(gen_byte_min_max, MEM_128_ALIGNED, 1),                  /* PMAXUB */
    [0xdf] = LOGIC2(LOGIC_ANDN),
    [0xe0] = INT2(pavgb),
    [0xe1] = INT2(psraw),
    [0xe2] = INT2(psrad),
    [0xe3] = INT2(pavgw),
    [0xe4] = INT2(pmulhuw),
    [0xe5] = INT2(pmulhw),
    [0xe6] = { [PREFIX_INDEX_66] = PACKED(cvttpd2dq),
               [PREFIX_INDEX_F3] = FLOAT(cvtdq2pd, MEM_64),
               [PREFIX_INDEX_F2] = PACKED(cvtpd2dq) },
    [0xe7] = { MMX(gen_move_store, NULL, MEM_64, 1),                          /* MOVNTQ */
               [PREFIX_INDEX_66] = GEN(gen_move_store, MEM_128_ALIGNED, 1) },  /* MOVNTDQ */
    [0xe8] = INT2(psubsb),
    [0xe9] = INT2(psubsw),
    [0xea] = INT2(pminsw),
    [0xeb] = LOGIC2(LOGIC_OR),
    [0xec] = INT2(paddsb),
    [0xed] = INT2(paddsw),
    [0xee] = INT2(pmaxsw),
    [0xef] = LOGIC2(LOGIC_XOR),
    [0xf0] = { [PREFIX_INDEX_F2] = GEN(gen_lddqu, MEM_128, 0) },
    [0xf1] = INT2(psllw),
    [0xf2] = INT2(pslld),
    [0xf3] = INT2(psllq),
    [0xf4] = INT2(pmuludq),
    [0xf5] = INT2(pmaddwd),
    [0xf6] = INT2(psadbw),
    [0xf7] = GEN2(gen_maskmovdqu, MEM_NONE, 0),                    /* MASKMOVQ, MASKMOVDQU */
    [0xf8] = PSUB2(8),
    [0xf9] = PSUB2(16),
    [0xfa] = PSUB2(32),
    [0xfb] = PSUB2(64),
    [0xfc] = PADD2(8),
    [0xfd] = PADD2(16),
    [0xfe] = PADD2(32),
};

/*
 * SSSE3, 0F 38 xx: MMX (no prefix) and XMM (66) forms of each. The horizontal
 * operations take MMX_PACK, PSHUFB has its own MMX helper (8-byte indexing).
 */
static const SSEOp sse_table_0f38[0x20][PREFIX_INDEX_COUNT] = {
    [0x00] = { V(MMX_REGS, gen_int_helper, helper_pshufb_mmx, MEM_128_ALIGNED, MMX_LANEWISE),
               V(MMX_NONE, gen_int_helper, helper_pshufb, MEM_128_ALIGNED, 0) },
    [0x01] = INT2_AS(phaddw, MMX_PACK),
    [0x02] = INT2_AS(phaddd, MMX_PACK),
    [0x03] = INT2_AS(phaddsw, MMX_PACK),
    [0x04] = INT2(pmaddubsw),
    [0x05] = INT2_AS(phsubw, MMX_PACK),
    [0x06] = INT2_AS(phsubd, MMX_PACK),
    [0x07] = INT2_AS(phsubsw, MMX_PACK),
    [0x08] = INT2(psignb),
    [0x09] = INT2(psignw),
    [0x0a] = INT2(psignd),
    [0x0b] = INT2(pmulhrsw),
    [0x1c] = INT2(pabsb),
    [0x1d] = INT2(pabsw),
    [0x1e] = INT2(pabsd),
};

/* SSSE3, 0F 3A xx: PALIGNR (0F) */
static const SSEOp sse_table_0f3a[0x10][PREFIX_INDEX_COUNT] = {
    [0x0f] = GEN2(gen_palignr, MEM_128_ALIGNED, 0),
};

/* the table entry for a 0F xx, 0F 38 xx or 0F 3A xx opcode; NULL: #UD. The
 * three-byte maps' SSE4 and later rows are in translate-sse4.c. */
const SSEOp *sse_table_entry(unsigned opcode, int prefix)
{
    unsigned low = opcode & 0xff;
    const SSEOp *op = NULL;
    switch (opcode >> 8) {
    case 0x0f:
        return &sse_table[low][prefix];
    case 0x0f38:
        op = low < 0x20 ? &sse_table_0f38[low][prefix] : NULL;
        break;
    case 0x0f3a:
        op = low < 0x10 ? &sse_table_0f3a[low][prefix] : NULL;
        break;
    default:
        return NULL;
    }
    return op && op->gen ? op : sse4_lookup(opcode, prefix);
}

static const SSEOp *sse_lookup(const DisasContext *s, unsigned opcode)
{
    return sse_table_entry(opcode, prefix_index(s));
}

/*
 * MMX with CR0.EM raises #UD, with CR0.TS #NM (SDM vol. 2, e.g. PADDB
 * "Protected Mode Exceptions"); HF_EM_TS says one of them is set, the helper
 * reads CR0 to pick.
 */
static void gen_mmx_check_available(DisasContext *s)
{
    if (s->flags & HF_EM_TS) {
        gen_update_cc_op(s);
        TCGv env = tcg_env(s->tcg);
        gen_call(s, (void *)helper_mmx_unavailable, 0, NULL, 1, &env);
    }
}

bool gen_sse(DisasContext *s, unsigned opcode)
{
    if (s->prefix & PREFIX_LOCK) {
        return false;
    }
    const SSEOp *op = sse_lookup(s, opcode);
    if (!op || !op->gen) {
        return false;
    }
    if (op->feature && !x86_cpu_has(s->env, op->feature - 1)) {
        return false;       /* the model lacks it: #UD, as such a CPU */
    }
    /* the MMX-XMM forms are also SSE instructions: #UD with CR4.OSFXSR clear
     * (SDM vol. 3B, table 22-6); the MMX-only ones are not (table 22-8) */
    bool mixed = op->mmx == MMX_MIXED || op->mmx == MMX_MIXED_RM;
    if (mixed && (s->flags & HF_SYSTEM) && !(s->flags & HF_OSFXSR)) {
        return false;
    }
    if (op->mmx) {
        gen_mmx_check_available(s);
    }
    if (op->mmx != MMX_EMMS) {
        x86_decode_modrm(s);
    }
    bool mmx_regs = op->mmx == MMX_REGS || op->mmx == MMX_MIXED ||
                    (op->mmx == MMX_MIXED_RM && s->mod == 3);
    if (mmx_regs || op->mmx == MMX_EMMS) {
        gen_x87_wait(s);   /* #MF for a pending x87 exception (SDM vol. 1, 11.6.7) */
    }
    if (!op->gen(s, op)) {
        return false;
    }
    if (mmx_regs) {
        gen_mmx_transition(s);
    }
    return true;
}
