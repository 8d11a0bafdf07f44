/*
 * SSE4.1, SSE4.2, AES-NI, PCLMULQDQ, SHA, CRC32, MOVBE and ADX translator: the 0F 38 and
 * 0F 3A rows after SSSE3's (Intel SDM vol. 2, opcode map tables ),
 * looked up by translate-sse.c (see translate-sse.h). Each entry names the
 * CPUID feature it belongs to; a model without it raises #UD.
 *
 * The blends, PTEST, PCMPEQQ/PCMPGTQ, the doubleword min/max and PMULLD, the
 * extracts and inserts, CRC32's operand handling, MOVBE and ADCX/ADOX are
 * inline IR; the rest calls sse4_helper.c (integer, AES, PCLMULQDQ,
 * PCMPxSTRx), aes_helper.c, sha_helper.c or sse_helper.c (ROUNDxx,
 * DPPS/DPPD, which use MXCSR).
 */
#include "target-i386/translate-sse.h"
#include "target-i386/sse_helper.h"
#include "target-i386/sse4_helper.h"

static TCGv new_i64(DisasContext *s)
{
    return tcg_temp_new(s->tcg, TCG_TYPE_I64);
}

static void free_temps(DisasContext *s, TCGv a, TCGv b)
{
    tcg_temp_free(s->tcg, a);
    tcg_temp_free(s->tcg, b);
}

/* ROUNDPS/DPPS xmm1, xmm2/m, imm8: helper(env, xmm1, source, imm8) */
static bool gen_float_imm_helper(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;
    bool ok = gen_load_source(s, op, lo, hi);
    if (ok) {
        TCGv imm = tcg_constant(s->tcg, TCG_TYPE_I32, x86_ldub_code(s));
        TCGv args[5] = { tcg_env(s->tcg), gen_xmm_pointer(s, s->reg), lo, hi, imm };
        tcg_gen_call(s->tcg, op->helper, TCG_CALL_NO_RWG, NULL, 5, args);
        tcg_temp_free(s->tcg, args[1]);
    }
    free_temps(s, lo, hi);
    return ok;
}

/* INSERTPS xmm1, xmm2/m32, imm8: a memory single is lane 0 of the loaded
 * source, so the source-lane bits imm[7:6] are cleared for it */
static bool gen_insertps(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s);
    s->rip_offset = 1;
    gen_load_source(s, op, lo, hi);
    unsigned imm = x86_ldub_code(s);
    if (s->mod != 3) {
        imm &= 0x3f;
    }
    TCGv args[4] = { gen_xmm_pointer(s, s->reg), lo, hi,
                     tcg_constant(s->tcg, TCG_TYPE_I32, imm) };
    tcg_gen_call(s->tcg, (void *)helper_insertps, TCG_CALL_NO_RWG, NULL, 4, args);
    tcg_temp_free(s->tcg, args[0]);
    free_temps(s, lo, hi);
    return true;
}

/*
 * PBLENDVB/BLENDVPS/BLENDVPD xmm1, xmm2/m128, <XMM0> (66 0F 38 10/14/15): the
 * source's lanes where XMM0's lane has its top bit set. The top bits, moved to
 * the bottom of each lane and multiplied by the lane's all-ones value, give a
 * mask with no carries between lanes.
 */
static bool gen_blendv(DisasContext *s, const SSEOp *op)
{
    unsigned lane_bits = op->arg;
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s), mask = new_i64(s);
    gen_load_source(s, op, lo, hi);
    for (int half = 0; half < 2; half++) {
        gen_load_xmm_half(s, mask, 0, half);
        if (lane_bits == 64) {
            tcg_gen_sari(s->tcg, mask, mask, 63);
        } else {
            uint64_t low_bits = lane_bits == 8 ? 0x0101010101010101ull : 0x0000000100000001ull;
            tcg_gen_shri(s->tcg, mask, mask, lane_bits - 1);
            tcg_gen_andi(s->tcg, mask, mask, (int64_t)low_bits);
            tcg_gen_muli(s->tcg, mask, mask, (int64_t)((1ull << lane_bits) - 1));
        }
        gen_load_xmm_half(s, d, s->reg, half);
        tcg_gen_xor(s->tcg, half ? hi : lo, half ? hi : lo, d);
        tcg_gen_and(s->tcg, mask, mask, half ? hi : lo);
        tcg_gen_xor(s->tcg, d, d, mask);
        gen_store_xmm_half(s, d, s->reg, half);
    }
    free_temps(s, lo, hi);
    free_temps(s, d, mask);
    return true;
}

/* PTEST xmm1, xmm2/m128 (66 0F 38 17): ZF = (xmm1 AND src) == 0, CF = (NOT
 * xmm1 AND src) == 0; AF, OF, PF, SF cleared */
static bool gen_ptest(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    TCGv and_any = new_i64(s), andn_any = new_i64(s), t = new_i64(s);
    gen_load_source(s, op, lo, hi);
    tcg_gen_movi(s->tcg, and_any, 0);
    tcg_gen_movi(s->tcg, andn_any, 0);
    for (int half = 0; half < 2; half++) {
        gen_load_xmm_half(s, d, s->reg, half);
        tcg_gen_and(s->tcg, t, d, half ? hi : lo);
        tcg_gen_or(s->tcg, and_any, and_any, t);
        tcg_gen_andc(s->tcg, t, half ? hi : lo, d);
        tcg_gen_or(s->tcg, andn_any, andn_any, t);
    }
    tcg_gen_setcondi(s->tcg, TCG_COND_EQ, and_any, and_any, 0);
    tcg_gen_shli(s->tcg, and_any, and_any, 6);                     /* ZF */
    tcg_gen_setcondi(s->tcg, TCG_COND_EQ, andn_any, andn_any, 0);  /* CF */
    tcg_gen_or(s->tcg, t, and_any, andn_any);
    gen_set_eflags_cc(s, t);
    free_temps(s, lo, hi);
    free_temps(s, d, and_any);
    free_temps(s, andn_any, t);
    return true;
}

/* MOVNTDQA xmm, m128 (66 0F 38 2A): an aligned load, memory form only */
static bool gen_movntdqa(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3) {
        return false;
    }
    TCGv lo = new_i64(s), hi = new_i64(s);
    gen_load_source(s, op, lo, hi);
    gen_store_xmm_half(s, lo, s->reg, 0);
    gen_store_xmm_half(s, hi, s->reg, 1);
    free_temps(s, lo, hi);
    return true;
}

/* lane sizes of the extracts and inserts (op->arg) */
enum { LANE_B, LANE_W, LANE_D_OR_Q, LANE_EXTRACTPS };

static int lane_size(const DisasContext *s, unsigned kind)
{
    switch (kind) {
    case LANE_B: return MO_8;
    case LANE_W: return MO_16;
    case LANE_D_OR_Q: return s->rex_w ? MO_64 : MO_32;
    default: return MO_32;
    }
}

/*
 * PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8 (66 0F 3A 14-17): the
 * lane imm8 selects; a register destination is zero-extended to 32 or (64-bit
 * mode) 64 bits. The imm8 follows the address bytes.
 */
static bool gen_extract(DisasContext *s, const SSEOp *op)
{
    int size = lane_size(s, op->arg), bytes = 1 << size;
    TCGv val = new_i64(s);
    s->rip_offset = 1;
    if (s->mod != 3) {
        gen_lea_modrm(s);
    }
    unsigned lane = x86_ldub_code(s) & (16 / bytes - 1), offset = lane * bytes;
    gen_load_xmm_half(s, val, s->reg, offset / 8);
    if (bytes < 8) {
        tcg_gen_extract(s->tcg, val, val, (offset % 8) * 8, bytes * 8);
    }
    if (s->mod == 3) {
        gen_st_reg(s, size == MO_64 ? MO_64 : MO_32, s->rm, val);
    } else {
        gen_st(s, val, s->A0, size);
    }
    tcg_temp_free(s->tcg, val);
    return true;
}

/* PINSRB/PINSRD/PINSRQ xmm, r/m, imm8 (66 0F 3A 20/22): the register form takes
 * the low bits of r32/r64 (no AH..BH) */
static bool gen_insert(DisasContext *s, const SSEOp *op)
{
    int size = lane_size(s, op->arg), bytes = 1 << size;
    TCGv val = new_i64(s), d = new_i64(s);
    s->rip_offset = 1;
    if (s->mod == 3) {
        gen_ld_reg(s, size == MO_64 ? MO_64 : MO_32, val, s->rm);
    } else {
        gen_lea_modrm(s);
        gen_ld(s, val, s->A0, size);
    }
    unsigned lane = x86_ldub_code(s) & (16 / bytes - 1), offset = lane * bytes;
    gen_load_xmm_half(s, d, s->reg, offset / 8);
    tcg_gen_deposit(s->tcg, d, d, val, (offset % 8) * 8, bytes * 8);
    gen_store_xmm_half(s, d, s->reg, offset / 8);
    free_temps(s, val, d);
    return true;
}

/*
 * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM xmm1, xmm2/m128, imm8 (66 0F 3A
 * 60-63; memory operands need no alignment): op->arg has the PCMPSTR_* bits
 * >> 8. ECX gets the index (a 32-bit write), or XMM0 the mask.
 */
static bool gen_pcmpstr(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s), result = new_i64(s);
    s->rip_offset = 1;
    gen_load_source(s, op, lo, hi);
    uint32_t mode = x86_ldub_code(s) | (uint32_t)op->arg << 8 |
                    (s->rex_w ? PCMPSTR_WIDE_LEN : 0) | (uint32_t)s->reg << PCMPSTR_REG_SHIFT;
    TCGv args[6] = { tcg_env(s->tcg), lo, hi, s->g->regs[R_EAX], s->g->regs[R_EDX],
                     tcg_constant(s->tcg, TCG_TYPE_I32, mode) };
    tcg_gen_call(s->tcg, (void *)helper_pcmpstr, TCG_CALL_NO_RWG, result, 6, args);
    if (!(mode & PCMPSTR_MASK)) {
        tcg_gen_shri(s->tcg, hi, result, 32);
        gen_st_reg(s, MO_32, R_ECX, hi);
    }
    tcg_gen_ext32u(s->tcg, result, result);
    gen_set_eflags_cc(s, result);
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, result);
    return true;
}

/* CRC32 r32/r64, r/m8 (F2 0F 38 F0, op->arg 1) and r/m16/32/64 (F2 0F 38 F1,
 * the operand size): the 32-bit result zero-extended */
static bool gen_crc32(DisasContext *s, const SSEOp *op)
{
    int size = op->arg ? MO_8 : s->dflag;
    TCGv crc = new_i64(s), data = new_i64(s);
    gen_ld_modrm(s, size, data);
    gen_ld_reg(s, MO_32, crc, s->reg);
    TCGv args[3] = { crc, data, tcg_constant(s->tcg, TCG_TYPE_I32, 1 << size) };
    tcg_gen_call(s->tcg, (void *)helper_crc32, TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
                 crc, 3, args);
    gen_st_reg(s, MO_32, s->reg, crc);
    free_temps(s, crc, data);
    return true;
}

/* MOVBE r, m (0F 38 F0, op->arg 0) and m, r (0F 38 F1, op->arg 1): a byte-
 * reversed load or store of the operand size; memory forms only */
static bool gen_movbe(DisasContext *s, const SSEOp *op)
{
    if (s->mod == 3) {
        return false;
    }
    int size = s->dflag, shift = 64 - (8 << size);
    TCGv val = new_i64(s);
    gen_lea_modrm(s);
    if (op->arg) {
        gen_ld_reg(s, MO_64, val, s->reg);
        tcg_gen_shli(s->tcg, val, val, shift);
        tcg_gen_bswap64(s->tcg, val, val);
        gen_st(s, val, s->A0, size);
    } else {
        gen_ld(s, val, s->A0, size);
        tcg_gen_bswap64(s->tcg, val, val);
        tcg_gen_shri(s->tcg, val, val, shift);
        gen_st_reg(s, size, s->reg, val);
    }
    tcg_temp_free(s->tcg, val);
    return true;
}

/*
 * ADCX r, r/m (66 0F 38 F6, op->arg 0) and ADOX (F3 0F 38 F6, op->arg 1):
 * unsigned add with carry in and out through CF (ADCX) or OF (ADOX), the
 * other flags unchanged (SDM vol. 2A, ADCX). 32-bit unless REX.W (the 66 is
 * the mandatory prefix, not an operand size).
 */
static bool gen_adx(DisasContext *s, const SSEOp *op)
{
    int size = s->rex_w ? MO_64 : MO_32, flag_bit = op->arg ? 11 : 0;
    TCGv flags = new_i64(s), carry = new_i64(s), a = new_i64(s), b = new_i64(s);
    gen_ld_modrm(s, size, b);
    gen_ld_reg(s, size, a, s->reg);
    gen_compute_eflags(s, flags);
    tcg_gen_extract(s->tcg, carry, flags, flag_bit, 1);
    if (size == MO_64) {
        /* carry out of a + b + c: (a + b < a) or (a + b + c < a + b) */
        TCGv partial = new_i64(s);
        tcg_gen_add(s->tcg, partial, a, b);
        tcg_gen_setcond(s->tcg, TCG_COND_LTU, a, partial, a);
        tcg_gen_add(s->tcg, b, partial, carry);
        tcg_gen_setcond(s->tcg, TCG_COND_LTU, carry, b, partial);
        tcg_gen_or(s->tcg, carry, carry, a);
        tcg_temp_free(s->tcg, partial);
    } else {
        tcg_gen_add(s->tcg, b, b, a);
        tcg_gen_add(s->tcg, b, b, carry);
        tcg_gen_extract(s->tcg, carry, b, 32, 1);
    }
    gen_st_reg(s, size, s->reg, b);
    tcg_gen_andi(s->tcg, flags, flags, ~(int64_t)(1 << flag_bit));
    tcg_gen_shli(s->tcg, carry, carry, flag_bit);
    tcg_gen_or(s->tcg, flags, flags, carry);
    gen_set_eflags_cc(s, flags);
    free_temps(s, flags, carry);
    free_temps(s, a, b);
    return true;
}

/*
 * Inline forms of the integer operations compilers emit most in vectorised
 * loops.
 *
 * BLENDPS/BLENDPD/PBLENDW xmm1, xmm2/m128, imm8 (66 0F 3A 0C/0D/0E): the
 * source's lanes where imm8 has a one, op->arg the lane width. With imm8
 * known, each half is the destination, the source, or a constant-mask mix.
 */
static bool gen_blend_imm(DisasContext *s, const SSEOp *op)
{
    unsigned lane_bits = op->arg, per_half = 64 / lane_bits;
    uint64_t lane_ones = lane_bits == 64 ? UINT64_MAX : (1ull << lane_bits) - 1;
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    s->rip_offset = 1;
    gen_load_source(s, op, lo, hi);
    unsigned imm = x86_ldub_code(s);
    for (unsigned half = 0; half < 2; half++) {
        TCGv src = half ? hi : lo;
        uint64_t mask = 0;
        for (unsigned i = 0; i < per_half; i++) {
            mask |= (imm >> (half * per_half + i) & 1) ? lane_ones << (i * lane_bits) : 0;
        }
        if (mask == 0) {
            continue;
        }
        if (mask != UINT64_MAX) {
            gen_load_xmm_half(s, d, s->reg, half);
            tcg_gen_xor(s->tcg, src, src, d);
            tcg_gen_andi(s->tcg, src, src, (int64_t)mask);
            tcg_gen_xor(s->tcg, src, src, d);
        }
        gen_store_xmm_half(s, src, s->reg, half);
    }
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, d);
    return true;
}

/* doubleword lane operations done inline, two lanes per half (op->arg) */
enum { DWORD_MINS, DWORD_MAXS, DWORD_MINU, DWORD_MAXU, DWORD_MULL };

static void gen_dword_lane(DisasContext *s, unsigned kind, TCGv r, TCGv a, TCGv b)
{
    static const TCGCond conds[] = {
        [DWORD_MINS] = TCG_COND_LT, [DWORD_MAXS] = TCG_COND_GT,
        [DWORD_MINU] = TCG_COND_LTU, [DWORD_MAXU] = TCG_COND_GTU,
    };
    if (kind == DWORD_MULL) {
        tcg_gen_mul(s->tcg, r, a, b);
    } else {
        tcg_gen_movcond(s->tcg, conds[kind], r, a, b, a, b);
    }
}

/* PMINSD/PMAXSD/PMINUD/PMAXUD/PMULLD xmm1, xmm2/m128 (66 0F 38 39/3D/3B/3F/40) */
static bool gen_dword_lanes(DisasContext *s, const SSEOp *op)
{
    bool sign = op->arg == DWORD_MINS || op->arg == DWORD_MAXS;
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    TCGv a = new_i64(s), b = new_i64(s), r = new_i64(s);
    gen_load_source(s, op, lo, hi);
    for (unsigned half = 0; half < 2; half++) {
        gen_load_xmm_half(s, d, s->reg, half);
        for (unsigned lane = 0; lane < 2; lane++) {
            if (sign) {
                tcg_gen_sextract(s->tcg, a, d, lane * 32, 32);
                tcg_gen_sextract(s->tcg, b, half ? hi : lo, lane * 32, 32);
            } else {
                tcg_gen_extract(s->tcg, a, d, lane * 32, 32);
                tcg_gen_extract(s->tcg, b, half ? hi : lo, lane * 32, 32);
            }
            gen_dword_lane(s, op->arg, r, a, b);
            tcg_gen_deposit(s->tcg, d, d, r, lane * 32, 32);
        }
        gen_store_xmm_half(s, d, s->reg, half);
    }
    free_temps(s, lo, hi);
    free_temps(s, d, a);
    free_temps(s, b, r);
    return true;
}

/* PCMPEQQ/PCMPGTQ xmm1, xmm2/m128 (66 0F 38 29/37): op->arg the condition */
static bool gen_pcmpq(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s), d = new_i64(s);
    gen_load_source(s, op, lo, hi);
    for (unsigned half = 0; half < 2; half++) {
        gen_load_xmm_half(s, d, s->reg, half);
        tcg_gen_setcond(s->tcg, (TCGCond)op->arg, d, d, half ? hi : lo);
        tcg_gen_neg(s->tcg, d, d);
        gen_store_xmm_half(s, d, s->reg, half);
    }
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, d);
    return true;
}

/* SHA256RNDS2 xmm1, xmm2/m128, <XMM0> (0F 38 CB): XMM0's low quadword holds
 * the two message-plus-constant words */
static bool gen_sha256rnds2(DisasContext *s, const SSEOp *op)
{
    TCGv lo = new_i64(s), hi = new_i64(s), wk = new_i64(s);
    gen_load_source(s, op, lo, hi);
    gen_load_xmm_half(s, wk, 0, 0);
    TCGv args[4] = { gen_xmm_pointer(s, s->reg), lo, hi, wk };
    tcg_gen_call(s->tcg, (void *)helper_sha256rnds2, TCG_CALL_NO_RWG, NULL, 4, args);
    tcg_temp_free(s->tcg, args[0]);
    free_temps(s, lo, hi);
    tcg_temp_free(s->tcg, wk);
    return true;
}

/* --- the tables: 66-prefixed unless noted --- */

#define ENTRY(gen, helper, mem, arg, feature) \
    { gen, (void *)(helper), mem, arg, MMX_NONE, (feature) + 1 }
#define P66(entry) { [PREFIX_INDEX_66] = entry }
#define INT41(name, mem) P66(ENTRY(gen_int_helper, helper_##name, mem, 0, X86_FEAT_SSE41))
#define IMM41(name) P66(ENTRY(gen_imm_helper, helper_##name, MEM_128_ALIGNED, 0, X86_FEAT_SSE41))
#define FLOAT41(name, mem) \
    P66(ENTRY(gen_float_imm_helper, helper_##name, mem, 0, X86_FEAT_SSE41))
#define GEN41(gen, mem, arg) P66(ENTRY(gen, NULL, mem, arg, X86_FEAT_SSE41))
#define AES(gen, name) P66(ENTRY(gen, helper_##name, MEM_128_ALIGNED, 0, X86_FEAT_AES))
#define SHA(gen, helper) \
    { [PREFIX_INDEX_NONE] = ENTRY(gen, helper, MEM_128_ALIGNED, 0, X86_FEAT_SHA) }
#define PCMPSTR(kind) \
    P66(ENTRY(gen_pcmpstr, NULL, MEM_128, (kind) >> 8, X86_FEAT_SSE42))
#define MOVBE_CRC32(direction, byte) \
    { [PREFIX_INDEX_NONE] = ENTRY(gen_movbe, NULL, MEM_NONE, direction, X86_FEAT_MOVBE), \
      [PREFIX_INDEX_66] = ENTRY(gen_movbe, NULL, MEM_NONE, direction, X86_FEAT_MOVBE), \
      [PREFIX_INDEX_F2] = ENTRY(gen_crc32, NULL, MEM_NONE, byte, X86_FEAT_SSE42) }

static const SSEOp sse4_table_0f38[256][PREFIX_INDEX_COUNT] = {
    [0x10] = GEN41(gen_blendv, MEM_128_ALIGNED, 8),              /* PBLENDVB */
    [0x14] = GEN41(gen_blendv, MEM_128_ALIGNED, 32),             /* BLENDVPS */
    [0x15] = GEN41(gen_blendv, MEM_128_ALIGNED, 64),             /* BLENDVPD */
    [0x17] = GEN41(gen_ptest, MEM_128_ALIGNED, 0),
    [0x20] = INT41(pmovsxbw, MEM_64),
    [0x21] = INT41(pmovsxbd, MEM_32),
    [0x22] = INT41(pmovsxbq, MEM_16),
    [0x23] = INT41(pmovsxwd, MEM_64),
    [0x24] = INT41(pmovsxwq, MEM_32),
    [0x25] = INT41(pmovsxdq, MEM_64),
    [0x28] = INT41(pmuldq, MEM_128_ALIGNED),
    [0x29] = GEN41(gen_pcmpq, MEM_128_ALIGNED, TCG_COND_EQ),       /* PCMPEQQ */
    [0x2a] = GEN41(gen_movntdqa, MEM_128_ALIGNED, 0),
    [0x2b] = INT41(packusdw, MEM_128_ALIGNED),
    [0x30] = INT41(pmovzxbw, MEM_64),
    [0x31] = INT41(pmovzxbd, MEM_32),
    [0x32] = INT41(pmovzxbq, MEM_16),
    [0x33] = INT41(pmovzxwd, MEM_64),
    [0x34] = INT41(pmovzxwq, MEM_32),
    [0x35] = INT41(pmovzxdq, MEM_64),
    [0x37] = P66(ENTRY(gen_pcmpq, NULL, MEM_128_ALIGNED, TCG_COND_GT, X86_FEAT_SSE42)),
    [0x38] = INT41(pminsb, MEM_128_ALIGNED),
    [0x39] = GEN41(gen_dword_lanes, MEM_128_ALIGNED, DWORD_MINS),  /* PMINSD */
    [0x3a] = INT41(pminuw, MEM_128_ALIGNED),
    [0x3b] = GEN41(gen_dword_lanes, MEM_128_ALIGNED, DWORD_MINU),  /* PMINUD */
    [0x3c] = INT41(pmaxsb, MEM_128_ALIGNED),
    [0x3d] = GEN41(gen_dword_lanes, MEM_128_ALIGNED, DWORD_MAXS),  /* PMAXSD */
    [0x3e] = INT41(pmaxuw, MEM_128_ALIGNED),
    [0x3f] = GEN41(gen_dword_lanes, MEM_128_ALIGNED, DWORD_MAXU),  /* PMAXUD */
    [0x40] = GEN41(gen_dword_lanes, MEM_128_ALIGNED, DWORD_MULL),  /* PMULLD */
    [0x41] = INT41(phminposuw, MEM_128_ALIGNED),
    [0xc8] = SHA(gen_int_helper, helper_sha1nexte),                /* no prefix */
    [0xc9] = SHA(gen_int_helper, helper_sha1msg1),
    [0xca] = SHA(gen_int_helper, helper_sha1msg2),
    [0xcb] = SHA(gen_sha256rnds2, NULL),
    [0xcc] = SHA(gen_int_helper, helper_sha256msg1),
    [0xcd] = SHA(gen_int_helper, helper_sha256msg2),
    [0xdb] = AES(gen_int_helper, aesimc),
    [0xdc] = AES(gen_int_helper, aesenc),
    [0xdd] = AES(gen_int_helper, aesenclast),
    [0xde] = AES(gen_int_helper, aesdec),
    [0xdf] = AES(gen_int_helper, aesdeclast),
    [0xf0] = MOVBE_CRC32(0, 1),
    [0xf1] = MOVBE_CRC32(1, 0),
    [0xf6] = { [PREFIX_INDEX_66] = ENTRY(gen_adx, NULL, MEM_NONE, 0, X86_FEAT_ADX),    /* ADCX */
               [PREFIX_INDEX_F3] = ENTRY(gen_adx, NULL, MEM_NONE, 1, X86_FEAT_ADX) },  /* ADOX */
};

static const SSEOp sse4_table_0f3a[256][PREFIX_INDEX_COUNT] = {
    [0x08] = FLOAT41(roundps, MEM_128_ALIGNED),
    [0x09] = FLOAT41(roundpd, MEM_128_ALIGNED),
    [0x0a] = FLOAT41(roundss, MEM_32),
    [0x0b] = FLOAT41(roundsd, MEM_64),
    [0x0c] = GEN41(gen_blend_imm, MEM_128_ALIGNED, 32),            /* BLENDPS */
    [0x0d] = GEN41(gen_blend_imm, MEM_128_ALIGNED, 64),            /* BLENDPD */
    [0x0e] = GEN41(gen_blend_imm, MEM_128_ALIGNED, 16),            /* PBLENDW */
    [0x14] = GEN41(gen_extract, MEM_NONE, LANE_B),               /* PEXTRB */
    [0x15] = GEN41(gen_extract, MEM_NONE, LANE_W),               /* PEXTRW */
    [0x16] = GEN41(gen_extract, MEM_NONE, LANE_D_OR_Q),          /* PEXTRD/Q */
    [0x17] = GEN41(gen_extract, MEM_NONE, LANE_EXTRACTPS),
    [0x20] = GEN41(gen_insert, MEM_NONE, LANE_B),                /* PINSRB */
    [0x21] = GEN41(gen_insertps, MEM_32, 0),
    [0x22] = GEN41(gen_insert, MEM_NONE, LANE_D_OR_Q),           /* PINSRD/Q */
    [0x40] = FLOAT41(dpps, MEM_128_ALIGNED),
    [0x41] = FLOAT41(dppd, MEM_128_ALIGNED),
    [0x42] = IMM41(mpsadbw),
    [0x44] = P66(ENTRY(gen_imm_helper, helper_pclmulqdq, MEM_128_ALIGNED, 0,
                       X86_FEAT_PCLMULQDQ)),
    [0x60] = PCMPSTR(PCMPSTR_EXPLICIT | PCMPSTR_MASK),           /* PCMPESTRM */
    [0x61] = PCMPSTR(PCMPSTR_EXPLICIT),                          /* PCMPESTRI */
    [0x62] = PCMPSTR(PCMPSTR_MASK),                              /* PCMPISTRM */
    [0x63] = PCMPSTR(0),                                         /* PCMPISTRI */
    [0xcc] = SHA(gen_imm_helper, helper_sha1rnds4),                /* no prefix */
    [0xdf] = AES(gen_imm_helper, aeskeygenassist),
};

const SSEOp *sse4_lookup(unsigned opcode, int prefix_index)
{
    const SSEOp *op;
    switch (opcode >> 8) {
    case 0x0f38:
        op = &sse4_table_0f38[opcode & 0xff][prefix_index];
        break;
    case 0x0f3a:
        op = &sse4_table_0f3a[opcode & 0xff][prefix_index];
        break;
    default:
        return NULL;
    }
    return op->gen ? op : NULL;
}
