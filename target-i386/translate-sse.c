/*
 * SSE/SSE2 translator: the 0F-map instructions with XMM operands (Intel SDM
 * vol. 2, opcode map tables, columns "no prefix", 66, F3, F2), plus
 * LDMXCSR/STMXCSR and MOVNTI. PREFETCHh and the fences are hint NOPs that the
 * core decoder handles. MMX forms (no mandatory prefix on the integer opcodes)
 * are not implemented and raise #UD, as does every opcode/prefix pair not in
 * the table.
 *
 * XMM registers stay in env (xmm_regs[n] as two 64-bit halves) and are reached
 * with host loads and stores, not TCG globals. Moves, logic, PCMPEQx,
 * PADDx/PSUBx, quadword unpacks, logical and byte shifts by an immediate,
 * PMINUB/PMAXUB and PMOVMSKB are inline 64-bit IR; the rest calls sse_helper.c
 * with the source operand passed by value (see sse_helper.h).
 */
#include <stddef.h>
#include "target-i386/translate.h"
#include "target-i386/sse_helper.h"

/* The mandatory prefix selecting the instruction (SDM vol. 2A, 2.1.2: F2/F3
 * take precedence over 66). */
enum { PREFIX_INDEX_NONE, PREFIX_INDEX_66, PREFIX_INDEX_F3, PREFIX_INDEX_F2, PREFIX_INDEX_COUNT };

/* The r/m operand when it is in memory. */
enum {
    MEM_NONE,          /* register form only: memory raises #UD */
    MEM_32,            /* scalar single / doubleword */
    MEM_64,            /* scalar double / quadword / half of a register */
    MEM_128,           /* unaligned 128-bit (MOVUPS, MOVDQU) */
    MEM_128_ALIGNED,   /* 128-bit, #GP(0) unless 16-byte aligned (legacy SSE rule) */
};

typedef struct SSEOp SSEOp;
typedef bool SSEGenerator(DisasContext *s, const SSEOp *op);

struct SSEOp {
    SSEGenerator *gen;     /* NULL: not an instruction we implement */
    void *helper;          /* for the generic generators */
    uint8_t mem;           /* MEM_*: size and alignment of a memory r/m operand */
    uint8_t arg;           /* generator-specific: inline operation, lane width, ... */
};

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

static void gen_load_xmm_half(DisasContext *s, TCGv dst, int reg, int half)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld, dst, tcg_env(s->tcg), xmm_offset(reg, half));
}

static void gen_store_xmm_half(DisasContext *s, TCGv val, int reg, int half)
{
    tcg_gen_st(s->tcg, INDEX_op_st, val, tcg_env(s->tcg), xmm_offset(reg, half));
}

/* pointer to xmm_regs[reg], for helpers */
static TCGv gen_xmm_pointer(DisasContext *s, int reg)
{
    TCGv ptr = tcg_temp_new(s->tcg, TCG_TYPE_PTR);
    tcg_gen_addi(s->tcg, ptr, tcg_env(s->tcg), xmm_offset(reg, 0));
    return ptr;
}

/*
 * Address of the memory r/m operand. For MEM_128_ALIGNED a misaligned address
 * raises #GP(0) (SDM vol. 2, e.g. MOVDQA "Protected Mode Exceptions"). The
 * check branches, so the address lives in a local temp the caller frees.
 */
static TCGv gen_memory_address(DisasContext *s, int mem)
{
    gen_lea_modrm(s);
    TCGv addr = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    tcg_gen_mov(s->tcg, addr, s->A0);
    if (mem == MEM_128_ALIGNED) {
        TCGLabel *aligned = tcg_gen_new_label(s->tcg);
        TCGv low_bits = new_i64(s);
        gen_update_cc_op(s);
        tcg_gen_andi(s->tcg, low_bits, addr, 15);
        tcg_gen_brcondi(s->tcg, TCG_COND_EQ, low_bits, 0, aligned);
        TCGv args[1] = { tcg_env(s->tcg) };
        tcg_gen_call(s->tcg, (void *)helper_sse_raise_gp, 0, NULL, 1, args);
        tcg_gen_set_label(s->tcg, aligned);
    }
    return addr;
}

/* Loads memory operand bits at addr into lo (and hi for 128-bit; else hi = 0). */
static void gen_load_memory(DisasContext *s, TCGv addr, int mem, TCGv lo, TCGv hi)
{
    if (mem == MEM_32) {
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
 * The source (r/m) operand as two halves: a register's whole 128 bits, or the
 * memory operand of size op->mem. Returns false (#UD) for memory when the
 * instruction only has a register form.
 */
static bool gen_load_source(DisasContext *s, int mem, TCGv lo, TCGv hi)
{
    if (s->mod == 3) {
        gen_load_xmm_half(s, lo, s->rm, 0);
        gen_load_xmm_half(s, hi, s->rm, 1);
        return true;
    }
    if (mem == MEM_NONE) {
        return false;
    }
    TCGv addr = gen_memory_address(s, mem);
    gen_load_memory(s, addr, mem, lo, hi);
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

/* PADDB xmm1, xmm2/m128 style: helper(xmm1, source) */
static bool gen_int_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    bool ok = gen_load_source(s, op->mem, lo, hi);
    if (ok) {
        TCGv args[3] = { gen_xmm_pointer(s, s->reg), lo, hi };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 3, args);
        tcg_temp_free(s->tcg, args[0]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* ADDPS xmm1, xmm2/m128 style: helper(env, xmm1, source) */
static bool gen_float_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    bool ok = gen_load_source(s, op->mem, lo, hi);
    if (ok) {
        TCGv args[4] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, hi };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
        tcg_temp_free(s->tcg, args[1]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* PSHUFD xmm1, xmm2/m128, imm8 style: helper(xmm1, source, imm8); the
 * immediate follows the ModRM bytes */
static bool gen_imm_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;      /* RIP-relative operands count the imm8 */
    bool ok = gen_load_source(s, op->mem, lo, hi);
    if (ok) {
        TCGv imm = tcg_constant(s->tcg, TCG_TYPE_I32, x86_ldub_code(s));
        TCGv args[4] = { gen_xmm_pointer(s, s->reg), lo, hi, imm };
        gen_call(s, op->helper, TCG_CALL_NO_RWG, NULL, 4, args);
        tcg_temp_free(s->tcg, args[0]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* CMPPS xmm1, xmm2/m128, imm8: predicates 8-31 are AVX only (#UD here) */
static bool gen_compare_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;
    bool ok = gen_load_source(s, op->mem, lo, hi);
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

/* xmm[reg] = xmm[reg] OP source, one 64-bit half at a time */
static bool gen_per_half(DisasContext *s, const SSEOp *op, HalfOperation *operation)
{
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    bool ok = gen_load_source(s, op->mem, lo, hi);
    if (ok) {
        for (int half = 0; half < 2; half++) {
            gen_load_xmm_half(s, d, s->reg, half);
            operation(s, op->arg, d, half ? hi : lo);
            gen_store_xmm_half(s, d, s->reg, half);
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
        gen_store_xmm_half(s, zero, s->reg, 0);
        gen_store_xmm_half(s, zero, s->reg, 1);
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
    bool ok = gen_load_source(s, op->mem, lo, hi);
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
    gen_load_xmm_half(s, lo, s->rm, 0);
    gen_load_xmm_half(s, hi, s->rm, 1);
    gen_byte_signs(s, lo);
    gen_byte_signs(s, hi);
    tcg_gen_shli(s->tcg, hi, hi, 8);
    tcg_gen_or(s->tcg, lo, lo, hi);
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

static bool gen_shift_imm(DisasContext *s, const SSEOp *op)
{
    unsigned group = op->arg, kind = shift_imm_kinds[group][(s->modrm >> 3) & 7];
    static const unsigned lane_bits[3] = { 16, 32, 64 };
    if (s->mod != 3 || kind == SHIFT_NONE) {
        return false;
    }
    uint32_t count = x86_ldub_code(s);
    if (kind == SHIFT_RIGHT_ARITH) {
        TCGv args[3] = { gen_xmm_pointer(s, s->rm), tcg_constant(s->tcg, TCG_TYPE_I64, count),
                         tcg_constant(s->tcg, TCG_TYPE_I64, 0) };
        gen_call(s, (void *)shift_arith_helpers[group], TCG_CALL_NO_RWG, NULL, 3, args);
        tcg_temp_free(s->tcg, args[0]);
        return true;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_xmm_half(s, lo, s->rm, 0);
    gen_load_xmm_half(s, hi, s->rm, 1);
    if (kind == SHIFT_BYTES_RIGHT || kind == SHIFT_BYTES_LEFT) {
        gen_byte_shift(s, kind == SHIFT_BYTES_LEFT, count, lo, hi);
    } else {
        gen_logical_shift_half(s, kind == SHIFT_LEFT, lane_bits[group], count, lo);
        gen_logical_shift_half(s, kind == SHIFT_LEFT, lane_bits[group], count, hi);
    }
    gen_store_xmm_half(s, lo, s->rm, 0);
    gen_store_xmm_half(s, hi, s->rm, 1);
    free_temps(s, lo, hi);
    return true;
}

/* --- moves --- */

/* MOVAPS/MOVUPS/MOVDQA/MOVDQU/MOVAPD/MOVUPD xmm1, xmm2/m128 */
static bool gen_move_load(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op->mem, lo, hi);
    gen_store_xmm_half(s, lo, s->reg, 0);
    gen_store_xmm_half(s, hi, s->reg, 1);
    free_temps(s, lo, hi);
    return true;
}

/* the same, xmm2/m128 <- xmm1; MOVNTxx (arg = 1) have no register form */
static bool gen_move_store(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3 && op->arg) {
        return false;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    if (s->mod == 3) {
        gen_load_xmm_half(s, lo, s->reg, 0);
        gen_load_xmm_half(s, hi, s->reg, 1);
        gen_store_xmm_half(s, lo, s->rm, 0);
        gen_store_xmm_half(s, hi, s->rm, 1);
    } else {
        /* the alignment check branches: load the register after it */
        TCGv addr = gen_memory_address(s, op->mem);
        gen_load_xmm_half(s, lo, s->reg, 0);
        gen_load_xmm_half(s, hi, s->reg, 1);
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

/* MOVD/MOVQ xmm, r/m32/64 (66 0F 6E): zero-extended into the whole register */
static bool gen_movd_to_xmm(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s), zero = new_i64(s);
    gen_ld_modrm(s, gpr_size(s), val);
    if (gpr_size(s) == MO_32) {
        tcg_gen_ext32u(s->tcg, val, val);
    }
    tcg_gen_movi(s->tcg, zero, 0);
    gen_store_xmm_half(s, val, s->reg, 0);
    gen_store_xmm_half(s, zero, s->reg, 1);
    free_temps(s, val, zero);
    return true;
}

/* MOVD/MOVQ r/m32/64, xmm (66 0F 7E) */
static bool gen_movd_from_xmm(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s);
    gen_load_xmm_half(s, val, s->reg, 0);
    gen_st_modrm(s, gpr_size(s), val, false);
    tcg_temp_free(s->tcg, val);
    return true;
}

/*
 * MASKMOVDQU xmm1, xmm2 (66 0F F7): the bytes of xmm1 whose xmm2 byte has its
 * top bit set are stored at DS:rDI; the others are not accessed (SDM vol. 2B,
 * MASKMOVDQU). One conditional byte store each, so values live in local temps.
 */
static bool gen_maskmovdqu(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    TCGv addr = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    TCGv data[2], mask[2];
    tcg_gen_mov(s->tcg, addr, s->g->regs[R_EDI]);
    if (s->aflag == MO_32) {
        tcg_gen_ext32u(s->tcg, addr, addr);
    } else if (s->aflag == MO_16) {
        tcg_gen_ext16u(s->tcg, addr, addr);
    }
    gen_add_seg_base(s, addr, R_DS);
    for (int half = 0; half < 2; half++) {
        data[half] = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
        mask[half] = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
        gen_load_xmm_half(s, data[half], s->reg, half);
        gen_load_xmm_half(s, mask[half], s->rm, half);
    }
    for (int i = 0; i < 16; i++) {
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
    for (int half = 0; half < 2; half++) {
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

/* PINSRW xmm, r32/m16, imm8 (66 0F C4) */
static bool gen_pinsrw(DisasContext *s, const SSEOp *op)
{
    TCGv val = new_i64(s), d = new_i64(s);
    s->rip_offset = 1;
    gen_ld_modrm(s, MO_16, val);
    unsigned lane = x86_ldub_code(s) & 7;
    gen_load_xmm_half(s, d, s->reg, lane / 4);
    tcg_gen_deposit(s->tcg, d, d, val, (lane % 4) * 16, 16);
    gen_store_xmm_half(s, d, s->reg, lane / 4);
    free_temps(s, val, d);
    return true;
}

/* PEXTRW r32, xmm, imm8 (66 0F C5): register form only */
static bool gen_pextrw(DisasContext *s, const SSEOp *op)
{
    if (s->mod != 3) {
        return false;
    }
    unsigned lane = x86_ldub_code(s) & 7;
    TCGv val = new_i64(s);
    gen_load_xmm_half(s, val, s->rm, lane / 4);
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
    gen_load_source(s, op->mem, lo, hi);
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
    gen_load_source(s, op->mem, b, hi);
    gen_load_xmm_half(s, a, s->reg, 0);
    TCGv args[3] = { tcg_env(s->tcg), a, b };
    gen_call(s, op->helper, TCG_CALL_NO_RWG, flags, 3, args);
    tcg_gen_extu_i32_i64(s->tcg, hi, flags);
    gen_set_eflags_cc(s, hi);
    free_temps(s, a, b);
    free_temps(s, hi, flags);
    return true;
}

/* env->mxcsr with the flags still pending in the host merged in */
static void gen_load_mxcsr(DisasContext *s, TCGv val)
{
    TCGv env = tcg_env(s->tcg);
    gen_call(s, (void *)helper_sse_sync_mxcsr, TCG_CALL_NO_RWG, NULL, 1, &env);
    tcg_gen_ld(s->tcg, INDEX_op_ld32u, val, env, offsetof(CPUX86State, mxcsr));
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
 * FXSAVE/FXRSTOR m512 (SDM vol. 1, 10.5.1, table 10-2). The x87 state kept
 * here is only the control and status words: the tag word is saved as "all
 * empty", FOP/FIP/FDP and the ST/MM registers as zero. 64-bit mode saves
 * XMM0-15, other modes XMM0-7.
 */
enum {
    FXSAVE_FCW = 0, FXSAVE_FSW = 2, FXSAVE_FTW = 4, FXSAVE_FOP = 6, FXSAVE_FIP = 8,
    FXSAVE_FDP = 16, FXSAVE_MXCSR = 24, FXSAVE_MXCSR_MASK = 28, FXSAVE_ST0 = 32,
    FXSAVE_XMM0 = 160,
};

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

static bool gen_fxsave(DisasContext *s)
{
    TCGv base = gen_memory_address(s, MEM_128_ALIGNED);
    TCGv val = new_i64(s);
    tcg_gen_ld(s->tcg, INDEX_op_ld16u, val, tcg_env(s->tcg), offsetof(CPUX86State, fpuc));
    gen_store_at(s, base, FXSAVE_FCW, val, MO_16);
    tcg_gen_ld(s->tcg, INDEX_op_ld16u, val, tcg_env(s->tcg), offsetof(CPUX86State, fpus));
    gen_store_at(s, base, FXSAVE_FSW, val, MO_16);
    tcg_gen_movi(s->tcg, val, 0);
    gen_store_at(s, base, FXSAVE_FTW, val, MO_16);
    gen_store_at(s, base, FXSAVE_FOP, val, MO_16);
    gen_store_at(s, base, FXSAVE_FIP, val, MO_64);
    gen_store_at(s, base, FXSAVE_FDP, val, MO_64);
    for (int offset = FXSAVE_ST0; offset < FXSAVE_XMM0; offset += 8) {
        gen_store_at(s, base, offset, val, MO_64);
    }
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
    gen_load_at(s, base, FXSAVE_FCW, val, MO_16);
    tcg_gen_st(s->tcg, INDEX_op_st16, val, tcg_env(s->tcg), offsetof(CPUX86State, fpuc));
    gen_load_at(s, base, FXSAVE_FSW, val, MO_16);
    tcg_gen_st(s->tcg, INDEX_op_st16, val, tcg_env(s->tcg), offsetof(CPUX86State, fpus));
    for (int reg = 0; reg < fxsave_xmm_count(s); reg++) {
        for (int half = 0; half < 2; half++) {
            gen_load_at(s, base, FXSAVE_XMM0 + reg * 16 + half * 8, val, MO_64);
            gen_store_xmm_half(s, val, reg, half);
        }
    }
    free_temps(s, base, val);
    tcg_temp_free(s->tcg, val32);
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
        return false;     /* XSAVE, XRSTOR, XSAVEOPT: no XSAVE in CPUID */
    }
}

/* --- the opcode table: 0F xx by mandatory prefix (none, 66, F3, F2) --- */

#define INT(name) { gen_int_helper, (void *)helper_##name, MEM_128_ALIGNED, 0 }
#define FLOAT(name, mem) { gen_float_helper, (void *)helper_##name, mem, 0 }
#define PACKED(name) FLOAT(name, MEM_128_ALIGNED)
#define IMM(name, mem) { gen_imm_helper, (void *)helper_##name, mem, 0 }
#define COMPARE(name, mem) { gen_compare_helper, (void *)helper_##name, mem, 0 }
#define INLINE(operation) { gen_inline_binary, NULL, MEM_128_ALIGNED, operation }
#define PCMPEQ(bits) { gen_pcmpeq, NULL, MEM_128_ALIGNED, bits }
#define PADD(bits) { gen_lane_add_sub, NULL, MEM_128_ALIGNED, bits }
#define PSUB(bits) { gen_lane_add_sub, NULL, MEM_128_ALIGNED, (bits) | LANE_SUBTRACT }
#define UNPACK_QUADWORD(high) { gen_unpack_quadword, NULL, MEM_128_ALIGNED, high }
#define GEN(gen, mem, arg) { gen, NULL, mem, arg }
#define GEN_HELPER(gen, name, mem) { gen, (void *)helper_##name, mem, 0 }
/* the four arithmetic forms PS, PD, SS, SD of one operation */
#define ARITH4(op) { PACKED(op##ps), PACKED(op##pd), FLOAT(op##ss, MEM_32), FLOAT(op##sd, MEM_64) }

static const SSEOp sse_table[256][PREFIX_INDEX_COUNT] = {
    [0x10] = { GEN(gen_move_load, MEM_128, 0), GEN(gen_move_load, MEM_128, 0),
               GEN(gen_move_scalar_load, MEM_32, 0), GEN(gen_move_scalar_load, MEM_64, 0) },
    [0x11] = { GEN(gen_move_store, MEM_128, 0), GEN(gen_move_store, MEM_128, 0),
               GEN(gen_move_scalar_store, MEM_32, 0), GEN(gen_move_scalar_store, MEM_64, 0) },
    [0x12] = { GEN(gen_move_half_load, MEM_64, 0), GEN(gen_move_half_load, MEM_64, 0) },
    [0x13] = { GEN(gen_move_half_store, MEM_64, 0), GEN(gen_move_half_store, MEM_64, 0) },
    [0x14] = { INT(punpckldq), UNPACK_QUADWORD(0) },     /* UNPCKLPS, UNPCKLPD */
    [0x15] = { INT(punpckhdq), UNPACK_QUADWORD(1) },     /* UNPCKHPS, UNPCKHPD */
    [0x16] = { GEN(gen_move_half_load, MEM_64, 1), GEN(gen_move_half_load, MEM_64, 1) },
    [0x17] = { GEN(gen_move_half_store, MEM_64, 1), GEN(gen_move_half_store, MEM_64, 1) },
    [0x28] = { GEN(gen_move_load, MEM_128_ALIGNED, 0), GEN(gen_move_load, MEM_128_ALIGNED, 0) },
    [0x29] = { GEN(gen_move_store, MEM_128_ALIGNED, 0),
               GEN(gen_move_store, MEM_128_ALIGNED, 0) },
    [0x2a] = { [PREFIX_INDEX_F3] = GEN_HELPER(gen_convert_from_int, cvtsi2ss, MEM_NONE),
               [PREFIX_INDEX_F2] = GEN_HELPER(gen_convert_from_int, cvtsi2sd, MEM_NONE) },
    [0x2b] = { GEN(gen_move_store, MEM_128_ALIGNED, 1),        /* MOVNTPS, MOVNTPD */
               GEN(gen_move_store, MEM_128_ALIGNED, 1) },
    [0x2c] = { [PREFIX_INDEX_F3] = GEN(gen_convert_to_int, MEM_32, 0),
               [PREFIX_INDEX_F2] = GEN(gen_convert_to_int, MEM_64, 2) },
    [0x2d] = { [PREFIX_INDEX_F3] = GEN(gen_convert_to_int, MEM_32, 1),
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
    [0x60] = { [PREFIX_INDEX_66] = INT(punpcklbw) },
    [0x61] = { [PREFIX_INDEX_66] = INT(punpcklwd) },
    [0x62] = { [PREFIX_INDEX_66] = INT(punpckldq) },
    [0x63] = { [PREFIX_INDEX_66] = INT(packsswb) },
    [0x64] = { [PREFIX_INDEX_66] = INT(pcmpgtb) },
    [0x65] = { [PREFIX_INDEX_66] = INT(pcmpgtw) },
    [0x66] = { [PREFIX_INDEX_66] = INT(pcmpgtd) },
    [0x67] = { [PREFIX_INDEX_66] = INT(packuswb) },
    [0x68] = { [PREFIX_INDEX_66] = INT(punpckhbw) },
    [0x69] = { [PREFIX_INDEX_66] = INT(punpckhwd) },
    [0x6a] = { [PREFIX_INDEX_66] = INT(punpckhdq) },
    [0x6b] = { [PREFIX_INDEX_66] = INT(packssdw) },
    [0x6c] = { [PREFIX_INDEX_66] = UNPACK_QUADWORD(0) },
    [0x6d] = { [PREFIX_INDEX_66] = UNPACK_QUADWORD(1) },
    [0x6e] = { [PREFIX_INDEX_66] = GEN(gen_movd_to_xmm, MEM_NONE, 0) },
    [0x6f] = { [PREFIX_INDEX_66] = GEN(gen_move_load, MEM_128_ALIGNED, 0),   /* MOVDQA */
               [PREFIX_INDEX_F3] = GEN(gen_move_load, MEM_128, 0) },         /* MOVDQU */
    [0x70] = { [PREFIX_INDEX_66] = IMM(pshufd, MEM_128_ALIGNED),
               [PREFIX_INDEX_F3] = IMM(pshufhw, MEM_128_ALIGNED),
               [PREFIX_INDEX_F2] = IMM(pshuflw, MEM_128_ALIGNED) },
    [0x71] = { [PREFIX_INDEX_66] = GEN(gen_shift_imm, MEM_NONE, 0) },
    [0x72] = { [PREFIX_INDEX_66] = GEN(gen_shift_imm, MEM_NONE, 1) },
    [0x73] = { [PREFIX_INDEX_66] = GEN(gen_shift_imm, MEM_NONE, 2) },
    [0x74] = { [PREFIX_INDEX_66] = PCMPEQ(8) },
    [0x75] = { [PREFIX_INDEX_66] = PCMPEQ(16) },
    [0x76] = { [PREFIX_INDEX_66] = PCMPEQ(32) },
    [0x7e] = { [PREFIX_INDEX_66] = GEN(gen_movd_from_xmm, MEM_NONE, 0),
               [PREFIX_INDEX_F3] = GEN(gen_move_scalar_load, MEM_64, 1) },   /* MOVQ */
    [0x7f] = { [PREFIX_INDEX_66] = GEN(gen_move_store, MEM_128_ALIGNED, 0),  /* MOVDQA */
               [PREFIX_INDEX_F3] = GEN(gen_move_store, MEM_128, 0) },        /* MOVDQU */
    [0xae] = { GEN(gen_group15, MEM_NONE, 0) },
    [0xc2] = { COMPARE(cmpps, MEM_128_ALIGNED), COMPARE(cmppd, MEM_128_ALIGNED),
               COMPARE(cmpss, MEM_32), COMPARE(cmpsd, MEM_64) },
    [0xc3] = { GEN(gen_movnti, MEM_NONE, 0) },
    [0xc4] = { [PREFIX_INDEX_66] = GEN(gen_pinsrw, MEM_NONE, 0) },
    [0xc5] = { [PREFIX_INDEX_66] = GEN(gen_pextrw, MEM_NONE, 0) },
    [0xc6] = { IMM(shufps, MEM_128_ALIGNED), IMM(shufpd, MEM_128_ALIGNED) },
    [0xd1] = { [PREFIX_INDEX_66] = INT(psrlw) },
    [0xd2] = { [PREFIX_INDEX_66] = INT(psrld) },
    [0xd3] = { [PREFIX_INDEX_66] = INT(psrlq) },
    [0xd4] = { [PREFIX_INDEX_66] = PADD(64) },
    [0xd5] = { [PREFIX_INDEX_66] = INT(pmullw) },
    [0xd6] = { [PREFIX_INDEX_66] = GEN(gen_move_scalar_store, MEM_64, 1) },  /* MOVQ */
    [0xd7] = { [PREFIX_INDEX_66] = GEN(gen_pmovmskb, MEM_NONE, 0) },
    [0xd8] = { [PREFIX_INDEX_66] = INT(psubusb) },
    [0xd9] = { [PREFIX_INDEX_66] = INT(psubusw) },
    [0xda] = { [PREFIX_INDEX_66] = GEN(gen_byte_min_max, MEM_128_ALIGNED, 0) },  /* PMINUB */
    [0xdb] = { [PREFIX_INDEX_66] = INLINE(LOGIC_AND) },
    [0xdc] = { [PREFIX_INDEX_66] = INT(paddusb) },
    [0xdd] = { [PREFIX_INDEX_66] = INT(paddusw) },
    [0xde] = { [PREFIX_INDEX_66] = GEN(gen_byte_min_max, MEM_128_ALIGNED, 1) },  /* PMAXUB */
    [0xdf] = { [PREFIX_INDEX_66] = INLINE(LOGIC_ANDN) },
    [0xe0] = { [PREFIX_INDEX_66] = INT(pavgb) },
    [0xe1] = { [PREFIX_INDEX_66] = INT(psraw) },
    [0xe2] = { [PREFIX_INDEX_66] = INT(psrad) },
    [0xe3] = { [PREFIX_INDEX_66] = INT(pavgw) },
    [0xe4] = { [PREFIX_INDEX_66] = INT(pmulhuw) },
    [0xe5] = { [PREFIX_INDEX_66] = INT(pmulhw) },
    [0xe6] = { [PREFIX_INDEX_66] = PACKED(cvttpd2dq),
               [PREFIX_INDEX_F3] = FLOAT(cvtdq2pd, MEM_64),
               [PREFIX_INDEX_F2] = PACKED(cvtpd2dq) },
    [0xe7] = { [PREFIX_INDEX_66] = GEN(gen_move_store, MEM_128_ALIGNED, 1) },  /* MOVNTDQ */
    [0xe8] = { [PREFIX_INDEX_66] = INT(psubsb) },
    [0xe9] = { [PREFIX_INDEX_66] = INT(psubsw) },
    [0xea] = { [PREFIX_INDEX_66] = INT(pminsw) },
    [0xeb] = { [PREFIX_INDEX_66] = INLINE(LOGIC_OR) },
    [0xec] = { [PREFIX_INDEX_66] = INT(paddsb) },
    [0xed] = { [PREFIX_INDEX_66] = INT(paddsw) },
    [0xee] = { [PREFIX_INDEX_66] = INT(pmaxsw) },
    [0xef] = { [PREFIX_INDEX_66] = INLINE(LOGIC_XOR) },
    [0xf1] = { [PREFIX_INDEX_66] = INT(psllw) },
    [0xf2] = { [PREFIX_INDEX_66] = INT(pslld) },
    [0xf3] = { [PREFIX_INDEX_66] = INT(psllq) },
    [0xf4] = { [PREFIX_INDEX_66] = INT(pmuludq) },
    [0xf5] = { [PREFIX_INDEX_66] = INT(pmaddwd) },
    [0xf6] = { [PREFIX_INDEX_66] = INT(psadbw) },
    [0xf7] = { [PREFIX_INDEX_66] = GEN(gen_maskmovdqu, MEM_NONE, 0) },
    [0xf8] = { [PREFIX_INDEX_66] = PSUB(8) },
    [0xf9] = { [PREFIX_INDEX_66] = PSUB(16) },
    [0xfa] = { [PREFIX_INDEX_66] = PSUB(32) },
    [0xfb] = { [PREFIX_INDEX_66] = PSUB(64) },
    [0xfc] = { [PREFIX_INDEX_66] = PADD(8) },
    [0xfd] = { [PREFIX_INDEX_66] = PADD(16) },
    [0xfe] = { [PREFIX_INDEX_66] = PADD(32) },
};

bool gen_sse(DisasContext *s, unsigned opcode)
{
    if ((opcode & 0xff00) != 0x0f00 || (s->prefix & PREFIX_LOCK)) {
        return false;
    }
    const SSEOp *op = &sse_table[opcode & 0xff][prefix_index(s)];
    if (!op->gen) {
        return false;
    }
    x86_decode_modrm(s);
    return op->gen(s, op);
}
