/*
 * The AVX/AVX2/FMA3/F16C instructions that go through C helpers
 * (avx_helper.h): permutes, variable shifts, 256-bit shifts by a count,
 * blends, compares with 32 predicates, widening/narrowing conversions,
 * masked moves, gathers, FMA3, F16C, VMOVSS/VMOVSD, the mask extractions and
 * VPTEST/VTESTPS/PD. translate-vex.c decodes the prefix and looks here when
 * its own table has no entry (avx_table_entry). Encodings: Intel SDM vol. 2,
 * appendix A, tables A-3 to A-5 (VEX maps 0F, 0F 38, 0F 3A) and each
 * instruction's page for its #UD rules (VEX.L, VEX.W, VEX.vvvv).
 */
#include <stddef.h>
#include "target-i386/translate-vex.h"
#include "target-i386/avx_helper.h"
#include "target-i386/sse_helper.h"

static TCGv new_i64(DisasContext *s)
{
    return tcg_temp_new(s->tcg, TCG_TYPE_I64);
}

static TCGv const32(DisasContext *s, uint32_t v)
{
    return tcg_constant(s->tcg, TCG_TYPE_I32, v);
}

/* --- the memory r/m operand into register 16 (vex_scratch) --- */

/* bytes (1-32) from the address into register 16's low bytes, the rest zero */
static void gen_load_scratch(DisasContext *s, TCGv addr, unsigned bytes)
{
    TCGv val = new_i64(s), a = new_i64(s), zero = tcg_const64(s, 0);
    static const TCGMemOp small[5] = { 0, MO_UB, MO_UW, 0, MO_UL };
    for (unsigned q = 0; q < 4; q++) {
        if (q * 8 >= bytes) {
            gen_store_quad(s, zero, AVX_MEM_OPERAND, (int)q);
            continue;
        }
        gen_quad_address(s, a, addr, (int)q);
        gen_ld(s, val, a, bytes < 8 ? small[bytes] : MO_UQ);
        gen_store_quad(s, val, AVX_MEM_OPERAND, (int)q);
    }
    tcg_temp_free(s->tcg, val);
    tcg_temp_free(s->tcg, a);
}

/* the r/m operand's register number: memory (bytes of it) goes to 16 */
static int gen_rm_operand(DisasContext *s, unsigned bytes)
{
    if (s->mod == 3) {
        return s->rm;
    }
    TCGv addr = gen_vex_address(s, bytes, false);
    gen_load_scratch(s, addr, bytes);
    tcg_temp_free(s->tcg, addr);
    return AVX_MEM_OPERAND;
}

static void gen_call_desc(DisasContext *s, void *helper, uint32_t desc, bool may_fault)
{
    TCGv args[1] = { const32(s, desc) };
    if (may_fault) {
        gen_update_cc_op(s);
    }
    gen_helper_env(s, helper, may_fault ? 0 : TCG_CALL_NO_RWG, NULL, 1, args);
}

/* --- the generic form: helper(env, desc) --- */

enum {
    R_IMM = 1,          /* imm8 follows */
    R_UNARY = 2,        /* no vvvv operand: it must be 1111 */
    R_L1 = 4,           /* VEX.256 only */
    R_L0 = 8,           /* VEX.128 only */
    R_VVVV_DEST = 16,   /* the destination is vvvv (the shift-by-imm8 groups) */
    R_IS4 = 32,         /* imm8[7:4] names a fourth register */
    R_SCALAR = 64,      /* VEX.L ignored (LIG): a 128-bit result */
    R_W0 = 128,         /* VEX.W1 raises #UD */
};
/* memory operand size: a fraction of the vector length, or fixed */
enum { M_FULL, M_HALF, M_QUARTER, M_EIGHTH, M_1, M_2, M_4, M_8, M_16, M_NONE };

typedef struct AvxRow {
    void *helper;
    void *helper_w1;    /* VEX.W1's helper when it differs */
    uint8_t flags;
    uint8_t mem;
    bool may_fault;     /* floating point: #XM */
} AvxRow;

static unsigned mem_bytes(unsigned mem, bool l)
{
    static const uint8_t fixed[] = { 1, 2, 4, 8, 16 };
    return mem <= M_EIGHTH ? (l ? 32u : 16u) >> mem : fixed[mem - M_1];
}

enum {
    ROW_VPERMILPS, ROW_VPERMILPD, ROW_VCVTPH2PS, ROW_VPERMPS, ROW_VPERMD,
    ROW_VPMOVSXBW, ROW_VPMOVSXBD, ROW_VPMOVSXBQ, ROW_VPMOVSXWD, ROW_VPMOVSXWQ, ROW_VPMOVSXDQ,
    ROW_VPMOVZXBW, ROW_VPMOVZXBD, ROW_VPMOVZXBQ, ROW_VPMOVZXWD, ROW_VPMOVZXWQ, ROW_VPMOVZXDQ,
    ROW_VPSRLV, ROW_VPSRAVD, ROW_VPSLLV,
    ROW_VPBROADCASTD, ROW_VPBROADCASTQ, ROW_VPBROADCASTB, ROW_VPBROADCASTW,
    ROW_VPERMQ, ROW_VPERMPD, ROW_VPBLENDD, ROW_VPERMILPS_IMM, ROW_VPERMILPD_IMM,
    ROW_VBLENDPS, ROW_VBLENDPD, ROW_VMPSADBW, ROW_VBLENDVPS, ROW_VBLENDVPD, ROW_VPBLENDVB,
    ROW_VCMPPS, ROW_VCMPPD, ROW_VCMPSS, ROW_VCMPSD, ROW_VSHUFPD,
    ROW_VPSRLW, ROW_VPSRLD, ROW_VPSRLQ, ROW_VPSRAW, ROW_VPSRAD, ROW_VPSLLW, ROW_VPSLLD,
    ROW_VPSLLQ,
};

#define H(name) (void *)helper_##name
static const AvxRow avx_rows[] = {
    [ROW_VPERMILPS] = { H(vpermilps), NULL, R_W0, M_FULL, false },
    [ROW_VPERMILPD] = { H(vpermilpd), NULL, R_W0, M_FULL, false },
    [ROW_VCVTPH2PS] = { H(vcvtph2ps), NULL, R_UNARY | R_W0, M_HALF, true },
    [ROW_VPERMPS] = { H(vpermps), NULL, R_L1 | R_W0, M_FULL, false },
    [ROW_VPERMD] = { H(vpermd), NULL, R_L1 | R_W0, M_FULL, false },
    [ROW_VPMOVSXBW] = { H(vpmovsxbw), NULL, R_UNARY, M_HALF, false },
    [ROW_VPMOVSXBD] = { H(vpmovsxbd), NULL, R_UNARY, M_QUARTER, false },
    [ROW_VPMOVSXBQ] = { H(vpmovsxbq), NULL, R_UNARY, M_EIGHTH, false },
    [ROW_VPMOVSXWD] = { H(vpmovsxwd), NULL, R_UNARY, M_HALF, false },
    [ROW_VPMOVSXWQ] = { H(vpmovsxwq), NULL, R_UNARY, M_QUARTER, false },
    [ROW_VPMOVSXDQ] = { H(vpmovsxdq), NULL, R_UNARY, M_HALF, false },
    [ROW_VPMOVZXBW] = { H(vpmovzxbw), NULL, R_UNARY, M_HALF, false },
    [ROW_VPMOVZXBD] = { H(vpmovzxbd), NULL, R_UNARY, M_QUARTER, false },
    [ROW_VPMOVZXBQ] = { H(vpmovzxbq), NULL, R_UNARY, M_EIGHTH, false },
    [ROW_VPMOVZXWD] = { H(vpmovzxwd), NULL, R_UNARY, M_HALF, false },
    [ROW_VPMOVZXWQ] = { H(vpmovzxwq), NULL, R_UNARY, M_QUARTER, false },
    [ROW_VPMOVZXDQ] = { H(vpmovzxdq), NULL, R_UNARY, M_HALF, false },
    [ROW_VPSRLV] = { H(vpsrlvd), H(vpsrlvq), 0, M_FULL, false },
    [ROW_VPSRAVD] = { H(vpsravd), NULL, R_W0, M_FULL, false },
    [ROW_VPSLLV] = { H(vpsllvd), H(vpsllvq), 0, M_FULL, false },
    [ROW_VPBROADCASTD] = { H(vpbroadcastd), NULL, R_UNARY | R_W0, M_4, false },
    [ROW_VPBROADCASTQ] = { H(vpbroadcastq), NULL, R_UNARY | R_W0, M_8, false },
    [ROW_VPBROADCASTB] = { H(vpbroadcastb), NULL, R_UNARY | R_W0, M_1, false },
    [ROW_VPBROADCASTW] = { H(vpbroadcastw), NULL, R_UNARY | R_W0, M_2, false },
    [ROW_VPERMQ] = { NULL, H(vpermq), R_UNARY | R_L1 | R_IMM, M_FULL, false },
    [ROW_VPERMPD] = { NULL, H(vpermq), R_UNARY | R_L1 | R_IMM, M_FULL, false },
    [ROW_VPBLENDD] = { H(vpblendd), NULL, R_IMM | R_W0, M_FULL, false },
    [ROW_VPERMILPS_IMM] = { H(vpermilps_imm), NULL, R_UNARY | R_IMM | R_W0, M_FULL, false },
    [ROW_VPERMILPD_IMM] = { H(vpermilpd_imm), NULL, R_UNARY | R_IMM | R_W0, M_FULL, false },
    [ROW_VBLENDPS] = { H(vblendps), H(vblendps), R_IMM, M_FULL, false },
    [ROW_VBLENDPD] = { H(vblendpd), H(vblendpd), R_IMM, M_FULL, false },
    [ROW_VMPSADBW] = { H(vmpsadbw), H(vmpsadbw), R_IMM, M_FULL, false },
    [ROW_VBLENDVPS] = { H(vblendvps), NULL, R_IS4 | R_W0, M_FULL, false },
    [ROW_VBLENDVPD] = { H(vblendvpd), NULL, R_IS4 | R_W0, M_FULL, false },
    [ROW_VPBLENDVB] = { H(vpblendvb), NULL, R_IS4 | R_W0, M_FULL, false },
    [ROW_VCMPPS] = { H(vcmpps), H(vcmpps), R_IMM, M_FULL, true },
    [ROW_VCMPPD] = { H(vcmppd), H(vcmppd), R_IMM, M_FULL, true },
    [ROW_VCMPSS] = { H(vcmpss), H(vcmpss), R_IMM | R_SCALAR, M_4, true },
    [ROW_VCMPSD] = { H(vcmpsd), H(vcmpsd), R_IMM | R_SCALAR, M_8, true },
    [ROW_VSHUFPD] = { H(vshufpd), H(vshufpd), R_IMM, M_FULL, false },
    [ROW_VPSRLW] = { H(vpsrlw), H(vpsrlw), 0, M_16, false },
    [ROW_VPSRLD] = { H(vpsrld), H(vpsrld), 0, M_16, false },
    [ROW_VPSRLQ] = { H(vpsrlq), H(vpsrlq), 0, M_16, false },
    [ROW_VPSRAW] = { H(vpsraw), H(vpsraw), 0, M_16, false },
    [ROW_VPSRAD] = { H(vpsrad), H(vpsrad), 0, M_16, false },
    [ROW_VPSLLW] = { H(vpsllw), H(vpsllw), 0, M_16, false },
    [ROW_VPSLLD] = { H(vpslld), H(vpslld), 0, M_16, false },
    [ROW_VPSLLQ] = { H(vpsllq), H(vpsllq), 0, M_16, false },
};

static bool gen_avx_helper(DisasContext *s, const Vex *v, unsigned arg)
{
    const AvxRow *row = &avx_rows[arg];
    void *helper = v->w && row->helper_w1 ? row->helper_w1 : row->helper;
    if (!helper || ((row->flags & R_W0) && v->w) || ((row->flags & R_L1) && !v->l) ||
        ((row->flags & R_L0) && v->l) || ((row->flags & R_UNARY) && v->vvvv != 0) ||
        (s->mod != 3 && row->mem == M_NONE)) {
        return false;
    }
    bool l = v->l && !(row->flags & R_SCALAR);
    s->rip_offset = (row->flags & (R_IMM | R_IS4)) ? 1 : 0;
    int b = gen_rm_operand(s, mem_bytes(row->mem, l));
    unsigned imm = (row->flags & (R_IMM | R_IS4)) ? x86_ldub_code(s) : 0;
    unsigned c = 0;
    if (row->flags & R_IS4) {
        c = (imm >> 4) & (s->code64 ? 15 : 7);     /* imm8[7] ignored outside 64-bit mode */
    }
    unsigned d = (row->flags & R_VVVV_DEST) ? v->vvvv : (unsigned)s->reg;
    unsigned a = (row->flags & R_UNARY) ? 0 : v->vvvv;
    gen_call_desc(s, helper, AVX_DESC(d, a, b, l, imm, c), row->may_fault);
    return true;
}

/* --- the shift-by-imm8 groups 71/72/73 (66): vvvv = r/m shifted --- */
static bool gen_vshift_imm(DisasContext *s, const Vex *v, unsigned arg)
{
    static void *const helpers[3][8] = {
        [0] = { [2] = H(vpsrlw_imm), [4] = H(vpsraw_imm), [6] = H(vpsllw_imm) },
        [1] = { [2] = H(vpsrld_imm), [4] = H(vpsrad_imm), [6] = H(vpslld_imm) },
        [2] = { [2] = H(vpsrlq_imm), [3] = H(vpsrldq_imm), [6] = H(vpsllq_imm),
                [7] = H(vpslldq_imm) },
    };
    void *helper = helpers[arg][(s->modrm >> 3) & 7];
    if (!helper || s->mod != 3) {
        return false;
    }
    unsigned imm = x86_ldub_code(s);
    gen_call_desc(s, helper, AVX_DESC(v->vvvv, 0, s->rm, v->l, imm, 0), false);
    return true;
}

/* --- VMOVMSKPS/PD, VPMOVMSKB reg, xmm/ymm: the sign bits to a general register --- */
static bool gen_vmovmsk(DisasContext *s, const Vex *v, unsigned arg)
{
    static void *const helpers[] = { H(vmovmskps), H(vmovmskpd), H(vpmovmskb) };
    if (s->mod != 3 || v->vvvv != 0) {
        return false;
    }
    TCGv result = new_i64(s), args[1] = { const32(s, AVX_DESC(0, 0, s->rm, v->l, 0, 0)) };
    gen_helper_env(s, helpers[arg], TCG_CALL_NO_RWG, result, 1, args);
    gen_st_reg(s, MO_32, s->reg, result);
    tcg_temp_free(s->tcg, result);
    return true;
}

/* --- VPTEST (arg 0), VTESTPS (1), VTESTPD (2) reg, r/m: ZF and CF --- */
static bool gen_vtest(DisasContext *s, const Vex *v, unsigned arg)
{
    static void *const helpers[] = { H(vptest), H(vtestps), H(vtestpd) };
    if (v->vvvv != 0 || (arg && v->w)) {
        return false;
    }
    int b = gen_rm_operand(s, v->l ? 32 : 16);
    TCGv flags = new_i64(s), args[1] = { const32(s, AVX_DESC(0, s->reg, b, v->l, 0, 0)) };
    gen_helper_env(s, helpers[arg], TCG_CALL_NO_RWG, flags, 1, args);
    gen_set_eflags_cc(s, flags);
    tcg_temp_free(s->tcg, flags);
    return true;
}

/* --- VMOVSS/VMOVSD (F3/F2 0F 10/11; arg: element bytes | 1 for 11) --- */
static bool gen_vmovs(DisasContext *s, const Vex *v, unsigned arg)
{
    bool store = arg & 1;
    unsigned bytes = arg & ~1u;
    TCGv lo = new_i64(s), t = new_i64(s);
    if (s->mod != 3) {
        if (v->vvvv != 0) {
            return false;
        }
        TCGv addr = gen_vex_address(s, bytes, false);
        if (store) {
            gen_load_quad(s, lo, s->reg, 0);
            gen_st(s, lo, addr, bytes == 4 ? MO_UL : MO_UQ);
        } else {
            TCGv zero = tcg_const64(s, 0);
            gen_ld(s, lo, addr, bytes == 4 ? MO_UL : MO_UQ);
            gen_store_quad(s, lo, s->reg, 0);
            for (int q = 1; q < 4; q++) {
                gen_store_quad(s, zero, s->reg, q);
            }
        }
        tcg_temp_free(s->tcg, addr);
    } else {
        /* 10: xmm1 = vvvv with r/m's low element; 11: r/m = vvvv with reg's */
        int dest = store ? s->rm : s->reg, src = store ? s->reg : s->rm;
        gen_load_quad(s, lo, src, 0);
        gen_load_quad(s, t, v->vvvv, 0);
        if (bytes == 4) {
            tcg_gen_deposit(s->tcg, lo, t, lo, 0, 32);
        }
        gen_load_quad(s, t, v->vvvv, 1);
        gen_store_quad(s, lo, dest, 0);
        gen_store_quad(s, t, dest, 1);
        gen_zero_upper(s, &(Vex){ .l = 0 }, dest);
    }
    tcg_temp_free(s->tcg, lo);
    tcg_temp_free(s->tcg, t);
    return true;
}

/*
 * VCVTPS2PD, VCVTDQ2PD (widening: ymm from xmm/m128) and VCVTPD2PS,
 * VCVTPD2DQ, VCVTTPD2DQ (narrowing: xmm from ymm/m256) through the SSE
 * helpers, one call per 128-bit half into scratch registers 17/18 so that
 * an #XM leaves the destination as it was.
 */
enum { CVT_PS2PD, CVT_DQ2PD, CVT_PD2PS, CVT_PD2DQ, CVT_TPD2DQ };

static bool gen_vcvt(DisasContext *s, const Vex *v, unsigned arg)
{
    static void *const helpers[] = {
        H(cvtps2pd), H(cvtdq2pd), H(cvtpd2ps), H(cvtpd2dq), H(cvttpd2dq),
    };
    bool widen = arg <= CVT_DQ2PD;
    if (v->vvvv != 0) {
        return false;
    }
    unsigned src_bytes = widen ? (v->l ? 16 : 8) : (v->l ? 32 : 16);
    int src = gen_rm_operand(s, src_bytes);
    TCGv q[4] = { new_i64(s), new_i64(s), new_i64(s), new_i64(s) };
    for (int i = 0; i < 4; i++) {
        gen_load_quad(s, q[i], src, i);
    }
    int halves = v->l ? 2 : 1, scratch[2] = { 18, 17 };
    gen_update_cc_op(s);
    for (int h = 0; h < halves; h++) {
        TCGv args[3] = { gen_xmm_pointer(s, scratch[h]), widen ? q[h] : q[2 * h],
                         widen ? q[3] : q[2 * h + 1] };
        if (widen) {
            tcg_gen_movi(s->tcg, q[3], 0);
        }
        gen_helper_env(s, helpers[arg], 0, NULL, 3, args);
        tcg_temp_free(s->tcg, args[0]);
    }
    TCGv zero = tcg_const64(s, 0);
    if (widen) {
        for (int i = 0; i < 2 * halves; i++) {
            gen_load_quad(s, q[i], scratch[i / 2], i % 2);
        }
    } else {
        gen_load_quad(s, q[0], 18, 0);
        if (halves == 2) {
            gen_load_quad(s, q[1], 17, 0);
        } else {
            tcg_gen_movi(s->tcg, q[1], 0);
        }
    }
    int out = widen ? 2 * halves : 2;
    for (int i = 0; i < 4; i++) {
        gen_store_quad(s, i < out ? q[i] : zero, s->reg, i);
    }
    for (int i = 0; i < 4; i++) {
        tcg_temp_free(s->tcg, q[i]);
    }
    return true;
}

/* --- VCVTPS2PH xmm1/m64/m128, xmm2/ymm2, imm8 (0F3A 1D) --- */
static bool gen_vcvtps2ph(DisasContext *s, const Vex *v, unsigned arg)
{
    (void)arg;
    if (v->vvvv != 0 || v->w) {
        return false;
    }
    unsigned bytes = v->l ? 16 : 8;
    TCGv addr = NULL;
    s->rip_offset = 1;
    if (s->mod != 3) {
        addr = gen_vex_address(s, bytes, false);
    }
    unsigned imm = x86_ldub_code(s);
    unsigned d = addr ? AVX_MEM_OPERAND : (unsigned)s->rm;
    gen_call_desc(s, H(vcvtps2ph), AVX_DESC(d, s->reg, 0, v->l, imm, 0), true);
    if (addr) {
        TCGv val = new_i64(s), a = new_i64(s);
        for (unsigned q = 0; q < bytes / 8; q++) {
            gen_load_quad(s, val, AVX_MEM_OPERAND, (int)q);
            gen_quad_address(s, a, addr, (int)q);
            gen_st(s, val, a, MO_64);
        }
        tcg_temp_free(s->tcg, val);
        tcg_temp_free(s->tcg, a);
        tcg_temp_free(s->tcg, addr);
    }
    return true;
}

/* --- FMA3 (0F38 96-9F, A6-AF, B6-BF): arg = FMA_OP without the type --- */
static bool gen_fma(DisasContext *s, const Vex *v, unsigned arg)
{
    bool scalar = (arg >> 6) & 1;
    unsigned op = arg | (v->w << 5);
    unsigned bytes = scalar ? (v->w ? 8 : 4) : (v->l ? 32 : 16);
    int b = gen_rm_operand(s, bytes);
    if (gen_vec_fma(s, (op >> 2) & 7, op & 3, v->w, scalar, v->l && !scalar, s->reg,
                    (int)v->vvvv, b)) {
        return true;
    }
    TCGv args[2] = { const32(s, AVX_DESC(s->reg, v->vvvv, b, scalar ? 0 : v->l, 0, 0)),
                     const32(s, op) };
    gen_update_cc_op(s);
    gen_helper_env(s, H(fma), 0, NULL, 2, args);
    return true;
}

/* the element and mode fields for avx_mem_helper.c */
static uint32_t mem_info(DisasContext *s, bool qword)
{
    return AVX_MEM_INFO(s->mem_index, !s->code64, qword, s->aflag != MO_64);
}

/* --- VMASKMOVPS/PD (0F38 2C-2F), VPMASKMOVD/Q (8C, 8E): arg bit 0 store,
 * bit 1 quadwords (PD), bit 2 VEX.W picks quadwords (VPMASKMOV) --- */
static bool gen_vmaskmov(DisasContext *s, const Vex *v, unsigned arg)
{
    if (s->mod == 3 || ((arg & 4) == 0 && v->w)) {
        return false;
    }
    bool qword = (arg & 2) || ((arg & 4) && v->w);
    gen_lea_modrm(s);
    TCGv args[3] = { const32(s, AVX_DESC(s->reg, v->vvvv, 0, v->l, 0, 0)),
                     const32(s, mem_info(s, qword)), s->A0 };
    gen_update_cc_op(s);
    gen_helper_env(s, (arg & 1) ? H(vmaskmov_store) : H(vmaskmov_load), 0, NULL, 3, args);
    return true;
}

/*
 * Gathers (0F38 90-93; arg 1: quadword indexes), VSIB addressing (SDM vol.
 * 2A, 2.3.12): ModRM must name a SIB byte, whose index field (with VEX.X)
 * is a vector register. #UD when the destination, the mask and the index
 * register are not three different registers, and with 16-bit addressing.
 * gen_lea_modrm_noseg reads the SIB byte as for a general index register;
 * that register's contribution is subtracted to leave base + displacement.
 */
static bool gen_vgather(DisasContext *s, const Vex *v, unsigned arg)
{
    uint8_t sib;
    if (s->mod == 3 || (s->modrm & 7) != 4 || s->aflag == MO_16 || !x86_peek_code(s, &sib)) {
        return false;
    }
    unsigned index = ((sib >> 3) & 7) | (unsigned)s->rex_x, scale = sib >> 6;
    unsigned dest = (unsigned)s->reg, mask = v->vvvv;
    if (dest == mask || dest == index || mask == index) {
        return false;
    }
    TCGv base = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    TCGv seg_base = tcg_temp_local_new(s->tcg, TCG_TYPE_I64);
    int def_seg = gen_lea_modrm_noseg(s, base);
    if (index != 4) {
        TCGv t = new_i64(s);
        tcg_gen_shli(s->tcg, t, s->g->regs[index], scale);
        tcg_gen_sub(s->tcg, base, base, t);
        tcg_temp_free(s->tcg, t);
    }
    /* the segment base alone: the helper adds it after the 32-bit cut */
    tcg_gen_movi(s->tcg, seg_base, 0);
    gen_add_seg_base(s, seg_base, def_seg);
    unsigned imm = scale | (arg & 1) << 2;
    TCGv args[4] = { const32(s, AVX_DESC(dest, mask, index, v->l, imm, 0)),
                     const32(s, mem_info(s, v->w)), base, seg_base };
    gen_update_cc_op(s);
    gen_helper_env(s, H(vgather), 0, NULL, 4, args);
    tcg_temp_free(s->tcg, base);
    tcg_temp_free(s->tcg, seg_base);
    return true;
}

/* --- the table: [map][opcode][pp], as translate-vex.c's --- */

#define AVX(gen, arg) { gen, arg, X86_FEAT_AVX + 1, false, false, 0 }
/* VEX.256 needs AVX2 */
#define AVX_INT(gen, arg) { gen, arg, X86_FEAT_AVX + 1, false, false, X86_FEAT_AVX2 + 1 }
#define AVX2(gen, arg) { gen, arg, X86_FEAT_AVX2 + 1, false, false, 0 }
#define ROW(row) AVX(gen_avx_helper, ROW_##row)
#define ROW_INT(row) AVX_INT(gen_avx_helper, ROW_##row)
#define ROW2(row) AVX2(gen_avx_helper, ROW_##row)
#define P66(...) { [1] = __VA_ARGS__ }
#define FMA(order, kind, scalar) \
    P66({ gen_fma, FMA_OP(order, kind, 0, scalar), X86_FEAT_FMA + 1, false, false, 0 })
#define FMA_ROW(order) \
    [0x96 + 16 * (order)] = FMA(order, FMA_ADDSUB, 0), \
    [0x97 + 16 * (order)] = FMA(order, FMA_SUBADD, 0), \
    [0x98 + 16 * (order)] = FMA(order, FMA_ADD, 0), [0x99 + 16 * (order)] = FMA(order, FMA_ADD, 1), \
    [0x9a + 16 * (order)] = FMA(order, FMA_SUB, 0), [0x9b + 16 * (order)] = FMA(order, FMA_SUB, 1), \
    [0x9c + 16 * (order)] = FMA(order, FMA_NADD, 0), \
    [0x9d + 16 * (order)] = FMA(order, FMA_NADD, 1), \
    [0x9e + 16 * (order)] = FMA(order, FMA_NSUB, 0), \
    [0x9f + 16 * (order)] = FMA(order, FMA_NSUB, 1)

static const VexOp avx_table[4][256][4] = {
    [1] = {
        [0x10] = { [2] = AVX(gen_vmovs, 4), [3] = AVX(gen_vmovs, 8) },
        [0x11] = { [2] = AVX(gen_vmovs, 5), [3] = AVX(gen_vmovs, 9) },
        [0x50] = { AVX(gen_vmovmsk, 0), AVX(gen_vmovmsk, 1) },
        [0x5a] = { AVX(gen_vcvt, CVT_PS2PD), AVX(gen_vcvt, CVT_PD2PS) },
        [0x71] = P66(AVX_INT(gen_vshift_imm, 0)),
        [0x72] = P66(AVX_INT(gen_vshift_imm, 1)),
        [0x73] = P66(AVX_INT(gen_vshift_imm, 2)),
        [0xc2] = { ROW(VCMPPS), ROW(VCMPPD), ROW(VCMPSS), ROW(VCMPSD) },
        [0xc6] = P66(ROW(VSHUFPD)),
        [0xd1] = P66(ROW_INT(VPSRLW)), [0xd2] = P66(ROW_INT(VPSRLD)),
        [0xd3] = P66(ROW_INT(VPSRLQ)), [0xe1] = P66(ROW_INT(VPSRAW)),
        [0xe2] = P66(ROW_INT(VPSRAD)), [0xf1] = P66(ROW_INT(VPSLLW)),
        [0xf2] = P66(ROW_INT(VPSLLD)), [0xf3] = P66(ROW_INT(VPSLLQ)),
        [0xd7] = P66(AVX_INT(gen_vmovmsk, 2)),
        [0xe6] = { [1] = AVX(gen_vcvt, CVT_TPD2DQ), [2] = AVX(gen_vcvt, CVT_DQ2PD),
                   [3] = AVX(gen_vcvt, CVT_PD2DQ) },
    },
    [2] = {
        [0x0c] = P66(ROW(VPERMILPS)), [0x0d] = P66(ROW(VPERMILPD)),
        [0x0e] = P66(AVX(gen_vtest, 1)), [0x0f] = P66(AVX(gen_vtest, 2)),
        [0x13] = P66(((VexOp){ gen_avx_helper, ROW_VCVTPH2PS, X86_FEAT_F16C + 1, false, false,
                               0 })),
        [0x16] = P66(ROW2(VPERMPS)), [0x17] = P66(AVX(gen_vtest, 0)),
        [0x20] = P66(ROW_INT(VPMOVSXBW)), [0x21] = P66(ROW_INT(VPMOVSXBD)),
        [0x22] = P66(ROW_INT(VPMOVSXBQ)), [0x23] = P66(ROW_INT(VPMOVSXWD)),
        [0x24] = P66(ROW_INT(VPMOVSXWQ)), [0x25] = P66(ROW_INT(VPMOVSXDQ)),
        [0x30] = P66(ROW_INT(VPMOVZXBW)), [0x31] = P66(ROW_INT(VPMOVZXBD)),
        [0x32] = P66(ROW_INT(VPMOVZXBQ)), [0x33] = P66(ROW_INT(VPMOVZXWD)),
        [0x34] = P66(ROW_INT(VPMOVZXWQ)), [0x35] = P66(ROW_INT(VPMOVZXDQ)),
        [0x2c] = P66(AVX(gen_vmaskmov, 0)), [0x2d] = P66(AVX(gen_vmaskmov, 2)),
        [0x2e] = P66(AVX(gen_vmaskmov, 1)), [0x2f] = P66(AVX(gen_vmaskmov, 3)),
        [0x36] = P66(ROW2(VPERMD)),
        [0x45] = P66(ROW2(VPSRLV)), [0x46] = P66(ROW2(VPSRAVD)), [0x47] = P66(ROW2(VPSLLV)),
        [0x58] = P66(ROW2(VPBROADCASTD)), [0x59] = P66(ROW2(VPBROADCASTQ)),
        [0x78] = P66(ROW2(VPBROADCASTB)), [0x79] = P66(ROW2(VPBROADCASTW)),
        [0x8c] = P66(AVX2(gen_vmaskmov, 4)), [0x8e] = P66(AVX2(gen_vmaskmov, 5)),
        [0x90] = P66(AVX2(gen_vgather, 0)), [0x91] = P66(AVX2(gen_vgather, 1)),
        [0x92] = P66(AVX2(gen_vgather, 0)), [0x93] = P66(AVX2(gen_vgather, 1)),
        FMA_ROW(0), FMA_ROW(1), FMA_ROW(2),
    },
    [3] = {
        [0x00] = P66(ROW2(VPERMQ)), [0x01] = P66(ROW2(VPERMPD)), [0x02] = P66(ROW2(VPBLENDD)),
        [0x04] = P66(ROW(VPERMILPS_IMM)), [0x05] = P66(ROW(VPERMILPD_IMM)),
        [0x0c] = P66(ROW(VBLENDPS)), [0x0d] = P66(ROW(VBLENDPD)),
        [0x1d] = P66(((VexOp){ gen_vcvtps2ph, 0, X86_FEAT_F16C + 1, false, false, 0 })),
        [0x42] = P66(ROW_INT(VMPSADBW)),
        [0x4a] = P66(ROW(VBLENDVPS)), [0x4b] = P66(ROW(VBLENDVPD)),
        [0x4c] = P66(ROW_INT(VPBLENDVB)),
    },
};

const VexOp *avx_table_entry(unsigned map, unsigned opcode, unsigned pp)
{
    const VexOp *op = &avx_table[map & 3][opcode & 255][pp & 3];
    return op->gen ? op : NULL;
}
