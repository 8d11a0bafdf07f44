/*
 * VEX-encoded instructions (Intel SDM vol. 2A, 2.3): the C4/C5 prefix decoder
 * and a table by opcode map (0F, 0F 38, 0F 3A), opcode and implied prefix
 * (VEX.pp) naming each instruction's generator. The table holds BMI1 and
 * BMI2, which work on general registers, and the AVX/AVX2 forms done inline
 * or through the legacy SSE generators (moves, logic, broadcasts, 128-bit
 * lane inserts/extracts/permutes, VZEROUPPER/VZEROALL, the VEX forms of SSE
 * operations); translate-avx.c has the rest of AVX/AVX2, FMA3 and F16C (its
 * table is looked up when this one has no entry). On the YMM registers: xmm_regs holds bits
 * 127:0, ymmh_regs bits 255:128; a VEX.128 write zeroes the latter, legacy
 * SSE leaves them). A row names the CPUID feature it needs (#UD when the model
 * lacks it), whether VEX.L must be 0 and whether VEX.vvvv must be 1111.
 *
 * C4/C5 are LES/LDS outside 64-bit mode unless the next byte's top two bits
 * are 11 (a register ModRM, invalid for LES/LDS: SDM vol. 2A, 2.3.5); in
 * real and virtual-8086 mode they stay LES/LDS. A VEX prefix after a 66, F2,
 * F3, LOCK or REX prefix raises #UD (2.3.2).
 */
#include <stddef.h>
#include "target-i386/translate-vex.h"
#include "target-i386/bmi_helper.h"
#include "target-i386/sse_helper.h"
#include "target-i386/avx_helper.h"
#include "target-i386/xsave_helper.h"

static TCGv new_i64(DisasContext *s)
{
    return tcg_temp_new(s->tcg, TCG_TYPE_I64);
}

/* BMI operand size: VEX.W selects 64 bits in 64-bit mode only (SDM vol. 2A,
 * ANDN: "VEX.W1 is ignored in non-64-bit modes") */
static int bmi_size(const DisasContext *s, const Vex *v)
{
    return s->code64 && v->w ? MO_64 : MO_32;
}

/* the six flags from the result: ZF, SF; CF as given (0/1); OF, AF, PF 0 */
static void gen_bmi_flags(DisasContext *s, int ot, TCGv result, TCGv cf)
{
    TCGv flags = new_i64(s), t = new_i64(s);
    tcg_gen_setcondi(s->tcg, TCG_COND_EQ, flags, result, 0);
    tcg_gen_shli(s->tcg, flags, flags, 6);                       /* ZF */
    tcg_gen_extract(s->tcg, t, result, (8 << ot) - 1, 1);
    tcg_gen_shli(s->tcg, t, t, 7);                               /* SF */
    tcg_gen_or(s->tcg, flags, flags, t);
    tcg_gen_or(s->tcg, flags, flags, cf);
    gen_set_eflags_cc(s, flags);
    tcg_temp_free(s->tcg, flags);
    tcg_temp_free(s->tcg, t);
}

/* ANDN r, vvvv, r/m (VEX.0F38 F2): NOT vvvv AND r/m; SF, ZF; CF = OF = 0 */
static bool gen_andn(DisasContext *s, const Vex *v, unsigned arg)
{
    int ot = bmi_size(s, v);
    TCGv src = new_i64(s), other = new_i64(s);
    (void)arg;
    gen_ld_modrm(s, ot, src);
    gen_ld_reg(s, ot, other, v->vvvv);
    tcg_gen_andc(s->tcg, src, src, other);
    gen_st_reg(s, ot, s->reg, src);
    tcg_gen_mov(s->tcg, s->g->cc_dst, src);
    set_cc_op(s, CC_OP_LOGICB + ot);
    tcg_temp_free(s->tcg, src);
    tcg_temp_free(s->tcg, other);
    return true;
}

/* BEXTR/PDEP/PEXT through bmi_helper.c: r = helper(r/m, vvvv) for BEXTR,
 * helper(vvvv, r/m) for PDEP/PEXT (arg 1); BEXTR sets ZF (CF = OF = 0) */
enum { BMI_BEXTR, BMI_PDEP, BMI_PEXT };

static bool gen_bmi_helper(DisasContext *s, const Vex *v, unsigned arg)
{
    static void *const helpers[] = { helper_bextr, helper_pdep, helper_pext };
    int ot = bmi_size(s, v);
    TCGv rm = new_i64(s), other = new_i64(s), result = new_i64(s);
    gen_ld_modrm(s, ot, rm);
    gen_ld_reg(s, ot, other, v->vvvv);
    TCGv args[3] = { arg == BMI_BEXTR ? rm : other, arg == BMI_BEXTR ? other : rm,
                     tcg_constant(s->tcg, TCG_TYPE_I32, 8 << ot) };
    tcg_gen_call(s->tcg, helpers[arg], TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS, result,
                 3, args);
    gen_st_reg(s, ot, s->reg, result);
    if (arg == BMI_BEXTR) {
        tcg_gen_mov(s->tcg, s->g->cc_dst, result);
        set_cc_op(s, CC_OP_LOGICB + ot);
    }
    tcg_temp_free(s->tcg, rm);
    tcg_temp_free(s->tcg, other);
    tcg_temp_free(s->tcg, result);
    return true;
}

/*
 * Group 17 (VEX.0F38 F3 /1, /2, /3): BLSR, BLSMSK, BLSI vvvv, r/m. SF from
 * the result, OF = 0; BLSR: ZF from the result, CF = source zero; BLSMSK:
 * ZF = 0, CF = source zero; BLSI: ZF from the result, CF = source nonzero.
 */
static bool gen_bls(DisasContext *s, const Vex *v, unsigned arg)
{
    unsigned kind = (s->modrm >> 3) & 7;
    int ot = bmi_size(s, v);
    (void)arg;
    if (kind < 1 || kind > 3) {
        return false;
    }
    TCGv src = new_i64(s), result = new_i64(s), cf = new_i64(s);
    gen_ld_modrm(s, ot, src);
    if (kind == 3) {
        tcg_gen_neg(s->tcg, result, src);
        tcg_gen_and(s->tcg, result, result, src);
        tcg_gen_setcondi(s->tcg, TCG_COND_NE, cf, src, 0);
    } else {
        tcg_gen_subi(s->tcg, result, src, 1);
        if (kind == 1) {
            tcg_gen_and(s->tcg, result, result, src);
        } else {
            tcg_gen_xor(s->tcg, result, result, src);
        }
        tcg_gen_setcondi(s->tcg, TCG_COND_EQ, cf, src, 0);
    }
    if (ot == MO_32) {
        tcg_gen_ext32u(s->tcg, result, result);
    }
    gen_st_reg(s, ot, v->vvvv, result);
    if (kind == 2) {
        tcg_gen_ori(s->tcg, src, result, 1);     /* BLSMSK: ZF = 0 */
        gen_bmi_flags(s, ot, src, cf);
    } else {
        gen_bmi_flags(s, ot, result, cf);
    }
    tcg_temp_free(s->tcg, src);
    tcg_temp_free(s->tcg, result);
    tcg_temp_free(s->tcg, cf);
    return true;
}

/* BZHI r, r/m, vvvv (VEX.0F38 F5): r/m with the bits from index vvvv[7:0]
 * up cleared; CF = index past the operand (then r/m unchanged); SF, ZF */
static bool gen_bzhi(DisasContext *s, const Vex *v, unsigned arg)
{
    int ot = bmi_size(s, v), bits = 8 << ot;
    TCGv src = new_i64(s), index = new_i64(s), mask = new_i64(s), cf = new_i64(s);
    (void)arg;
    gen_ld_modrm(s, ot, src);
    gen_ld_reg(s, ot, index, v->vvvv);
    tcg_gen_andi(s->tcg, index, index, 0xff);
    tcg_gen_setcondi(s->tcg, TCG_COND_GEU, cf, index, bits);
    /* mask = ~(~0 << index) for index < 64, all ones otherwise */
    tcg_gen_movi(s->tcg, mask, -1);
    tcg_gen_shl(s->tcg, mask, mask, index);
    tcg_gen_not(s->tcg, mask, mask);
    tcg_gen_movcond(s->tcg, TCG_COND_GEU, mask, index, tcg_const64(s, 64),
                    tcg_const64(s, -1), mask);
    tcg_gen_and(s->tcg, src, src, mask);
    gen_st_reg(s, ot, s->reg, src);
    gen_bmi_flags(s, ot, src, cf);
    tcg_temp_free(s->tcg, src);
    tcg_temp_free(s->tcg, index);
    tcg_temp_free(s->tcg, mask);
    tcg_temp_free(s->tcg, cf);
    return true;
}

/* MULX r_hi, vvvv_lo, r/m (VEX.F2.0F38 F6): rDX * r/m unsigned; no flags.
 * The high half is written last, so it wins when both name one register. */
static bool gen_mulx(DisasContext *s, const Vex *v, unsigned arg)
{
    int ot = bmi_size(s, v);
    TCGv src = new_i64(s), rdx = new_i64(s), lo = new_i64(s), hi = new_i64(s);
    (void)arg;
    gen_ld_modrm(s, ot, src);
    gen_ld_reg(s, ot, rdx, R_EDX);
    if (ot == MO_64) {
        tcg_gen_mulu2(s->tcg, lo, hi, src, rdx);
    } else {
        tcg_gen_mul(s->tcg, lo, src, rdx);
        tcg_gen_shri(s->tcg, hi, lo, 32);
    }
    gen_st_reg(s, ot, v->vvvv, lo);
    gen_st_reg(s, ot, s->reg, hi);
    tcg_temp_free(s->tcg, src);
    tcg_temp_free(s->tcg, rdx);
    tcg_temp_free(s->tcg, lo);
    tcg_temp_free(s->tcg, hi);
    return true;
}

/* SHLX/SHRX/SARX r, r/m, vvvv (VEX.66/F2/F3.0F38 F7): the count is vvvv
 * masked to the operand size; no flags */
enum { BMI_SHL, BMI_SHR, BMI_SAR };

static bool gen_shiftx(DisasContext *s, const Vex *v, unsigned arg)
{
    int ot = bmi_size(s, v);
    TCGv src = new_i64(s), count = new_i64(s);
    gen_ld_modrm(s, ot, src);
    gen_ld_reg(s, ot, count, v->vvvv);
    tcg_gen_andi(s->tcg, count, count, (8 << ot) - 1);
    if (arg == BMI_SHL) {
        tcg_gen_shl(s->tcg, src, src, count);
    } else if (arg == BMI_SHR) {
        tcg_gen_shr(s->tcg, src, src, count);
    } else {
        if (ot == MO_32) {
            tcg_gen_ext32s(s->tcg, src, src);
        }
        tcg_gen_sar(s->tcg, src, src, count);
    }
    gen_st_reg(s, ot, s->reg, src);
    tcg_temp_free(s->tcg, src);
    tcg_temp_free(s->tcg, count);
    return true;
}

/* RORX r, r/m, imm8 (VEX.F2.0F3A F0): rotate right by imm8 masked to the
 * operand size; no flags */
static bool gen_rorx(DisasContext *s, const Vex *v, unsigned arg)
{
    int ot = bmi_size(s, v);
    TCGv src = new_i64(s);
    (void)arg;
    s->rip_offset = 1;
    gen_ld_modrm(s, ot, src);
    unsigned count = x86_ldub_code(s) & ((8u << ot) - 1);
    if (ot == MO_64) {
        tcg_gen_rotri(s->tcg, src, src, count);
    } else {
        tcg_gen_deposit(s->tcg, src, src, src, 32, 32);
        tcg_gen_shri(s->tcg, src, src, count);
    }
    gen_st_reg(s, ot, s->reg, src);
    tcg_temp_free(s->tcg, src);
    return true;
}

/* --- AVX: YMM registers as four quadwords (0-1 in xmm_regs, 2-3 in ymmh_regs) --- */

static intptr_t ymm_offset(int reg, int quad)
{
    if (reg == 16 && quad >= 2) {     /* the 256-bit memory operand of avx_helper.h */
        return (intptr_t)offsetof(CPUX86State, vex_scratch[1].q[quad - 2]);
    }
    return quad < 2 ? (intptr_t)offsetof(CPUX86State, xmm_regs[reg].q[quad])
                    : (intptr_t)offsetof(CPUX86State, ymmh_regs[reg].q[quad - 2]);
}

void gen_load_quad(DisasContext *s, TCGv dst, int reg, int quad)
{
    tcg_gen_ld(s->tcg, INDEX_op_ld, dst, tcg_env(s->tcg), ymm_offset(reg, quad));
}

void gen_store_quad(DisasContext *s, TCGv val, int reg, int quad)
{
    tcg_gen_st(s->tcg, INDEX_op_st, val, tcg_env(s->tcg), ymm_offset(reg, quad));
}

/* a VEX.128 destination: bits 255:128 become zero (SDM vol. 1, 14.1.2) */
void gen_zero_upper(DisasContext *s, const Vex *v, int reg)
{
    if (!v->l) {
        TCGv zero = tcg_const64(s, 0);
        gen_store_quad(s, zero, reg, 2);
        gen_store_quad(s, zero, reg, 3);
    }
}

/* the memory operand's address in a local temp; aligned: #GP(0) unless it is
 * a multiple of the operand size (VMOVAPS/VMOVDQA: 16 or 32 bytes) */
TCGv gen_vex_address(DisasContext *s, unsigned bytes, bool aligned)
{
    return gen_checked_address(s, aligned ? bytes : 0);
}

void gen_quad_address(DisasContext *s, TCGv dst, TCGv addr, int quad)
{
    tcg_gen_addi(s->tcg, dst, addr, quad * 8);
    if (!s->code64 || s->aflag != MO_64) {
        tcg_gen_ext32u(s->tcg, dst, dst);
    }
}

/* VMOVUPS/VMOVUPD/VMOVAPS/VMOVAPD/VMOVDQU/VMOVDQA: arg VMOV_STORE for the
 * r/m-destination forms, VMOV_ALIGNED for the A forms */
enum { VMOV_STORE = 1, VMOV_ALIGNED = 2, VMOV_MEMONLY = 4 };

static bool gen_vmov(DisasContext *s, const Vex *v, unsigned arg)
{
    int quads = v->l ? 4 : 2;
    if ((arg & VMOV_MEMONLY) && s->mod == 3) {
        return false;                  /* VMOVNTx, VLDDQU, VMOVNTDQA */
    }
    bool store = arg & VMOV_STORE;
    TCGv val = new_i64(s), quad_addr = new_i64(s), addr = NULL;
    if (s->mod != 3) {
        addr = gen_vex_address(s, quads * 8, arg & VMOV_ALIGNED);
    }
    int dest = store ? s->rm : s->reg, src = store ? s->reg : s->rm;
    for (int q = 0; q < quads; q++) {
        if (addr && store) {
            gen_load_quad(s, val, src, q);
            gen_quad_address(s, quad_addr, addr, q);
            gen_st(s, val, quad_addr, MO_64);
        } else if (addr) {
            gen_quad_address(s, quad_addr, addr, q);
            gen_ld(s, val, quad_addr, MO_UQ);
            gen_store_quad(s, val, dest, q);
        } else {
            gen_load_quad(s, val, src, q);
            gen_store_quad(s, val, dest, q);
        }
    }
    if (!(addr && store)) {
        gen_zero_upper(s, v, dest);
    }
    if (addr) {
        tcg_temp_free(s->tcg, addr);
    }
    tcg_temp_free(s->tcg, val);
    tcg_temp_free(s->tcg, quad_addr);
    return true;
}

/* VANDPS/VANDNPS/VORPS/VXORPS (and PD), VPAND/VPANDN/VPOR/VPXOR: reg = vvvv
 * OP r/m, quadword by quadword (memory operands need no alignment) */
enum { VLOGIC_AND, VLOGIC_ANDN, VLOGIC_OR, VLOGIC_XOR };

static bool gen_vlogic(DisasContext *s, const Vex *v, unsigned arg)
{
    int quads = v->l ? 4 : 2;
    TCGv a = new_i64(s), b = new_i64(s), addr = NULL;
    if (s->mod != 3) {
        addr = gen_vex_address(s, quads * 8, false);
    }
    for (int q = 0; q < quads; q++) {
        gen_load_quad(s, a, v->vvvv, q);
        if (addr) {
            gen_quad_address(s, b, addr, q);
            gen_ld(s, b, b, MO_UQ);
        } else {
            gen_load_quad(s, b, s->rm, q);
        }
        switch (arg) {
        case VLOGIC_AND: tcg_gen_and(s->tcg, a, a, b); break;
        case VLOGIC_ANDN: tcg_gen_andc(s->tcg, a, b, a); break;
        case VLOGIC_OR: tcg_gen_or(s->tcg, a, a, b); break;
        default: tcg_gen_xor(s->tcg, a, a, b); break;
        }
        gen_store_quad(s, a, s->reg, q);
    }
    gen_zero_upper(s, v, s->reg);
    if (addr) {
        tcg_temp_free(s->tcg, addr);
    }
    tcg_temp_free(s->tcg, a);
    tcg_temp_free(s->tcg, b);
    return true;
}

/* VZEROUPPER (VEX.128 0F 77) and VZEROALL (VEX.256): bits 255:128, or all
 * bits, of YMM0-15 (YMM0-7 outside 64-bit mode, the others unchanged) */
static bool gen_vzero(DisasContext *s, const Vex *v, unsigned arg)
{
    TCGv zero = tcg_const64(s, 0);
    (void)arg;
    for (int reg = 0; reg < (s->code64 ? 16 : 8); reg++) {
        for (int q = v->l ? 0 : 2; q < 4; q++) {
            gen_store_quad(s, zero, reg, q);
        }
    }
    return true;
}

/* the quadwords of a 128-bit or 256-bit r/m operand into q (memory: no
 * alignment rule); the address is computed once, before any imm8 is read */
static void gen_load_rm_quads(DisasContext *s, TCGv *q, int quads)
{
    if (s->mod == 3) {
        for (int i = 0; i < quads; i++) {
            gen_load_quad(s, q[i], s->rm, i);
        }
        return;
    }
    TCGv addr = gen_vex_address(s, quads * 8, false), a = new_i64(s);
    for (int i = 0; i < quads; i++) {
        gen_quad_address(s, a, addr, i);
        gen_ld(s, q[i], a, MO_UQ);
    }
    tcg_temp_free(s->tcg, addr);
    tcg_temp_free(s->tcg, a);
}

static void free_quads(DisasContext *s, TCGv *q, int n)
{
    for (int i = 0; i < n; i++) {
        tcg_temp_free(s->tcg, q[i]);
    }
}

/*
 * VBROADCASTSS (0F38 18), VBROADCASTSD (19, VEX.256 only), VBROADCASTF128
 * (1A, VEX.256 only, memory only): the element (op arg: its bytes) in every
 * position. AVX takes the element from memory only; AVX2 also from an XMM
 * register's low element.
 */
static bool gen_vbroadcast(DisasContext *s, const Vex *v, unsigned arg)
{
    int quads = v->l ? 4 : 2;
    if ((arg >= 8 && !v->l) || v->vvvv != 0 ||
        (s->mod == 3 && (arg == 16 || !x86_cpu_has(s->env, X86_FEAT_AVX2)))) {
        return false;
    }
    TCGv e[2] = { new_i64(s), new_i64(s) };
    if (s->mod == 3) {
        gen_load_quad(s, e[0], s->rm, 0);
    } else {
        TCGv addr = gen_vex_address(s, arg, false), a = new_i64(s);
        gen_quad_address(s, a, addr, 0);
        gen_ld(s, e[0], a, arg == 4 ? MO_UL : MO_UQ);
        if (arg == 16) {
            gen_quad_address(s, a, addr, 1);
            gen_ld(s, e[1], a, MO_UQ);
        }
        tcg_temp_free(s->tcg, addr);
        tcg_temp_free(s->tcg, a);
    }
    if (arg == 4) {
        tcg_gen_deposit(s->tcg, e[0], e[0], e[0], 32, 32);
    }
    for (int q = 0; q < quads; q++) {
        gen_store_quad(s, arg == 16 ? e[q & 1] : e[0], s->reg, q);
    }
    gen_zero_upper(s, v, s->reg);
    free_quads(s, e, 2);
    return true;
}

/* VINSERTF128/VINSERTI128 ymm1, ymm2, xmm3/m128, imm8 (0F3A 18/38):
 * ymm2 with its 128-bit lane imm8[0] replaced; VEX.256 only */
static bool gen_vinsert128(DisasContext *s, const Vex *v, unsigned arg)
{
    (void)arg;
    if (!v->l) {
        return false;
    }
    TCGv q[4] = { new_i64(s), new_i64(s), new_i64(s), new_i64(s) };
    TCGv src[2] = { new_i64(s), new_i64(s) };
    s->rip_offset = 1;
    gen_load_rm_quads(s, src, 2);
    unsigned lane = x86_ldub_code(s) & 1;
    for (int i = 0; i < 4; i++) {
        gen_load_quad(s, q[i], v->vvvv, i);
    }
    tcg_gen_mov(s->tcg, q[lane * 2], src[0]);
    tcg_gen_mov(s->tcg, q[lane * 2 + 1], src[1]);
    for (int i = 0; i < 4; i++) {
        gen_store_quad(s, q[i], s->reg, i);
    }
    free_quads(s, q, 4);
    free_quads(s, src, 2);
    return true;
}

/* VEXTRACTF128/VEXTRACTI128 xmm1/m128, ymm2, imm8 (0F3A 19/39): the lane
 * imm8[0]; a register destination's bits 255:128 are zeroed */
static bool gen_vextract128(DisasContext *s, const Vex *v, unsigned arg)
{
    (void)arg;
    if (!v->l || v->vvvv != 0) {
        return false;
    }
    TCGv val = new_i64(s), addr = NULL, a = new_i64(s);
    s->rip_offset = 1;
    if (s->mod != 3) {
        addr = gen_vex_address(s, 16, false);
    }
    unsigned lane = x86_ldub_code(s) & 1;
    for (int i = 0; i < 2; i++) {
        gen_load_quad(s, val, s->reg, lane * 2 + i);
        if (addr) {
            gen_quad_address(s, a, addr, i);
            gen_st(s, val, a, MO_64);
        } else {
            gen_store_quad(s, val, s->rm, i);
        }
    }
    if (addr) {
        tcg_temp_free(s->tcg, addr);
    } else {
        gen_zero_upper(s, &(Vex){ .l = 0 }, s->rm);
    }
    tcg_temp_free(s->tcg, val);
    tcg_temp_free(s->tcg, a);
    return true;
}

/* VPERM2F128/VPERM2I128 ymm1, ymm2, ymm3/m256, imm8 (0F3A 06/46): each
 * result lane is the lane imm8[1:0] (imm8[5:4]) of ymm2:ymm3, or zero when
 * imm8[3] (imm8[7]) is set */
static bool gen_vperm2(DisasContext *s, const Vex *v, unsigned arg)
{
    (void)arg;
    if (!v->l) {
        return false;
    }
    TCGv q[8];
    for (int i = 0; i < 8; i++) {
        q[i] = new_i64(s);
    }
    s->rip_offset = 1;
    gen_load_rm_quads(s, q + 4, 4);
    unsigned imm = x86_ldub_code(s);
    for (int i = 0; i < 4; i++) {
        gen_load_quad(s, q[i], v->vvvv, i);
    }
    TCGv zero = tcg_const64(s, 0);
    for (int lane = 0; lane < 2; lane++) {
        unsigned select = imm >> (4 * lane);
        for (int i = 0; i < 2; i++) {
            gen_store_quad(s, (select & 8) ? zero : q[(select & 3) * 2 + i], s->reg,
                           lane * 2 + i);
        }
    }
    free_quads(s, q, 8);
    return true;
}

/*
 * The VEX forms of SSE..SSE4.1 operations through translate-sse.c's
 * generators: reg = op(vvvv, r/m). The source goes to scratch register 16
 * first (memory: no alignment rule under VEX, SDM vol. 2A, 2.5), vvvv is
 * copied to reg, then the legacy generator runs on reg and the scratch
 * register. VEX.256 runs it again on the upper halves (in-lane operations
 * only) through scratch registers 17 and 18; VEX.128 zeroes bits 255:128.
 */
enum {
    VSSE_IMM = 1,       /* an imm8 follows */
    VSSE_UNARY = 2,     /* no vvvv operand (vvvv must be 1111) */
    VSSE_128 = 4,       /* no VEX.256 form */
    VSSE_INT = 8,       /* the VEX.256 form is AVX2 */
    VSSE_STORE = 16,    /* r/m is the destination: the legacy generator writes
                         * it; a register r/m then has bits 255:128 zeroed */
    VSSE_SCALAR = 32,   /* VEX.L ignored: a 128-bit operation */
    VSSE_DIRECT = 64,   /* the legacy generator reads r/m itself (a general
                         * register, or memory it may read partly) */
    VSSE_NODEST = 128,  /* no XMM destination (a general register, flags) */
};
enum { SCRATCH_LOW = 16, SCRATCH_HIGH = 17, SCRATCH_DEST = 18 };
_Static_assert(offsetof(CPUX86State, vex_scratch) ==
               offsetof(CPUX86State, xmm_regs) + 16 * sizeof(XMMReg),
               "scratch registers 16-18 follow xmm_regs");

static void gen_copy_xmm(DisasContext *s, int to, int to_quad, int from, int from_quad)
{
    TCGv t = new_i64(s);
    for (int q = 0; q < 2; q++) {
        gen_load_quad(s, t, from, from_quad + q);
        gen_store_quad(s, t, to, to_quad + q);
    }
    tcg_temp_free(s->tcg, t);
}

/* the r/m operand into SCRATCH_LOW (and its upper half into SCRATCH_HIGH) */
static void gen_vex_source(DisasContext *s, const SSEOp *op, bool wide)
{
    if (s->mod == 3) {
        gen_copy_xmm(s, SCRATCH_LOW, 0, s->rm, 0);
        if (wide) {
            gen_copy_xmm(s, SCRATCH_HIGH, 0, s->rm, 2);
        }
        return;
    }
    int mem = wide || op->mem == MEM_128_ALIGNED ? MEM_128 : op->mem;
    TCGv lo = new_i64(s), hi = new_i64(s), addr = gen_memory_address(s, mem);
    gen_load_memory(s, addr, mem, lo, hi);
    gen_store_quad(s, lo, SCRATCH_LOW, 0);
    gen_store_quad(s, hi, SCRATCH_LOW, 1);
    if (wide) {
        gen_quad_address(s, addr, addr, 2);
        gen_load_memory(s, addr, MEM_128, lo, hi);
        gen_store_quad(s, lo, SCRATCH_HIGH, 0);
        gen_store_quad(s, hi, SCRATCH_HIGH, 1);
    }
    tcg_temp_free(s->tcg, addr);
    tcg_temp_free(s->tcg, lo);
    tcg_temp_free(s->tcg, hi);
}

/* VSSE_DIRECT: the 128-bit legacy generator on reg (vvvv copied there
 * first) and the r/m operand as decoded; the legacy memory forms it uses
 * need no alignment (MEM_NONE/32/64 or unaligned ones) */
static bool gen_vex_sse_direct(DisasContext *s, const SSEOp *op, const Vex *v, unsigned arg)
{
    int dest = s->reg;
    if (!(arg & (VSSE_UNARY | VSSE_NODEST | VSSE_STORE)) && (int)v->vvvv != dest) {
        gen_copy_xmm(s, dest, 0, v->vvvv, 0);
    }
    if (!op->gen(s, op)) {
        return false;
    }
    if (arg & VSSE_STORE) {
        if (s->mod == 3) {
            gen_zero_upper(s, &(Vex){ .l = 0 }, s->rm);
        }
    } else if (!(arg & VSSE_NODEST)) {
        gen_zero_upper(s, &(Vex){ .l = 0 }, dest);
    }
    return true;
}

bool gen_vex_sse(DisasContext *s, const Vex *v, unsigned arg)
{
    const SSEOp *op = sse_table_entry(v->opcode, (int)v->pp);
    bool wide = v->l && !(arg & VSSE_SCALAR);
    /* AES-NI and PCLMULQDQ forms need their own CPUID bit too */
    bool extra = op && (op->feature == X86_FEAT_AES + 1 || op->feature == X86_FEAT_PCLMULQDQ + 1);
    if (!op || !op->gen || op->mmx || (wide && (arg & VSSE_128)) ||
        ((arg & VSSE_UNARY) && v->vvvv != 0) ||
        (wide && (arg & VSSE_INT) && !x86_cpu_has(s->env, X86_FEAT_AVX2)) ||
        (extra && !x86_cpu_has(s->env, op->feature - 1)) ||
        (s->mod != 3 && op->mem == MEM_NONE && !(arg & VSSE_DIRECT))) {
        return false;
    }
    /* the legacy generators that tell 66 forms apart look at the prefix */
    static const unsigned pp_prefix[4] = { 0, PREFIX_DATA, PREFIX_REPZ, PREFIX_REPNZ };
    s->prefix |= pp_prefix[v->pp & 3];
    if (arg & VSSE_DIRECT) {
        return gen_vex_sse_direct(s, op, v, arg);
    }
    int dest = s->reg;
    s->rip_offset = (arg & VSSE_IMM) ? 1 : 0;
    gen_vex_source(s, op, wide);
    s->mod = 3;                        /* the generators now read a register */
    uint64_t imm_pc = s->pc;
    if (!(arg & VSSE_UNARY) && (int)v->vvvv != dest) {
        gen_copy_xmm(s, dest, 0, v->vvvv, 0);
    }
    s->rm = SCRATCH_LOW;
    if (!op->gen(s, op)) {
        return false;
    }
    if (wide) {
        s->pc = imm_pc;                /* the same imm8 again */
        if (!(arg & VSSE_UNARY)) {
            gen_copy_xmm(s, SCRATCH_DEST, 0, v->vvvv, 2);
        }
        s->reg = SCRATCH_DEST;
        s->rm = SCRATCH_HIGH;
        op->gen(s, op);
        gen_copy_xmm(s, dest, 2, SCRATCH_DEST, 0);
        s->reg = dest;
    }
    if (!(arg & VSSE_NODEST)) {
        gen_zero_upper(s, wide ? v : &(Vex){ .l = 0 }, dest);
    }
    return true;
}

/* VLDMXCSR/VSTMXCSR m32 (VEX.128 0F AE /2, /3): the legacy forms; the
 * rest of group 15 has no VEX form */
static bool gen_vldst_mxcsr(DisasContext *s, const Vex *v, unsigned arg)
{
    unsigned kind = (s->modrm >> 3) & 7;
    (void)arg;
    if (s->mod == 3 || (kind != 2 && kind != 3)) {
        return false;
    }
    return gen_vex_sse(s, v, VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128);
}

/* VPCMPESTRM/ESTRI/ISTRM/ISTRI (0F3A 60-63): the M forms write XMM0, whose
 * bits 255:128 VEX.128 then zeroes */
static bool gen_vpcmpstr(DisasContext *s, const Vex *v, unsigned arg)
{
    (void)arg;
    if (!gen_vex_sse(s, v, VSSE_IMM | VSSE_UNARY | VSSE_NODEST | VSSE_128)) {
        return false;
    }
    if (!(v->opcode & 1)) {
        gen_zero_upper(s, v, 0);
    }
    return true;
}

/* --- the table: [map][opcode][pp] --- */

#define BMI(gen, arg, feature) { gen, arg, (feature) + 1, true, false, 0 }
#define AVX_MOVE(arg) { gen_vmov, arg, X86_FEAT_AVX + 1, false, true, 0 }
#define AVX_LOGIC(arg) { gen_vlogic, arg, X86_FEAT_AVX + 1, false, false, 0 }
/* integer forms: VEX.256 is AVX2 */
#define AVX2_LOGIC(arg) { gen_vlogic, arg, X86_FEAT_AVX + 1, false, false, X86_FEAT_AVX2 + 1 }
#define VS(flags) { gen_vex_sse, flags, X86_FEAT_AVX + 1, false, false, 0 }
#define V66(flags) { [1] = VS(flags) }
#define VPS_PD(flags) { VS(flags), VS(flags) }
#define VALL4(flags) { VS(flags), VS(flags), VS((flags) | VSSE_SCALAR), VS((flags) | VSSE_SCALAR) }
#define VINT V66(VSSE_INT)

static const VexOp vex_table[4][256][4] = {
    [1] = {
        [0x14] = VPS_PD(0), [0x15] = VPS_PD(0),                         /* VUNPCKLPx/HPx */
        [0x58] = VALL4(0), [0x59] = VALL4(0), [0x5c] = VALL4(0),        /* VADD VMUL VSUB */
        [0x5d] = VALL4(0), [0x5e] = VALL4(0), [0x5f] = VALL4(0),        /* VMIN VDIV VMAX */
        [0x60] = VINT, [0x61] = VINT, [0x62] = VINT, [0x63] = VINT, [0x64] = VINT,
        [0x65] = VINT, [0x66] = VINT, [0x67] = VINT, [0x68] = VINT, [0x69] = VINT,
        [0x6a] = VINT, [0x6b] = VINT, [0x6c] = VINT, [0x6d] = VINT,
        [0x70] = { [1] = VS(VSSE_INT | VSSE_IMM | VSSE_UNARY),          /* VPSHUFD/HW/LW */
                   [2] = VS(VSSE_INT | VSSE_IMM | VSSE_UNARY),
                   [3] = VS(VSSE_INT | VSSE_IMM | VSSE_UNARY) },
        [0x74] = VINT, [0x75] = VINT, [0x76] = VINT,                    /* VPCMPEQB/W/D */
        [0x7c] = { [1] = VS(0), [3] = VS(0) }, [0x7d] = { [1] = VS(0), [3] = VS(0) },
        /* VSHUFPD's VEX.256 imm8 has two bits per lane */
        [0xc6] = { VS(VSSE_IMM) },                                      /* VSHUFPS */
        [0xd0] = { [1] = VS(0), [3] = VS(0) },                          /* VADDSUBPx */
        [0xd4] = VINT, [0xd5] = VINT, [0xd8] = VINT, [0xd9] = VINT, [0xda] = VINT,
        [0xdc] = VINT, [0xdd] = VINT, [0xde] = VINT, [0xe0] = VINT, [0xe3] = VINT,
        [0xe4] = VINT, [0xe5] = VINT, [0xe8] = VINT, [0xe9] = VINT, [0xea] = VINT,
        [0xec] = VINT, [0xed] = VINT, [0xee] = VINT, [0xf4] = VINT, [0xf5] = VINT,
        [0xf6] = VINT, [0xf8] = VINT, [0xf9] = VINT, [0xfa] = VINT, [0xfb] = VINT,
        [0xfc] = VINT, [0xfd] = VINT, [0xfe] = VINT,
        [0x10] = { AVX_MOVE(0), AVX_MOVE(0) },                          /* VMOVUPS/PD */
        /* VMOVLPS/PD, VMOVHLPS (vvvv's high half), VMOVSLDUP, VMOVDDUP */
        [0x12] = { VS(VSSE_DIRECT | VSSE_128), VS(VSSE_DIRECT | VSSE_128), VS(VSSE_UNARY),
                   VS(VSSE_UNARY) },
        [0x13] = { VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
                   VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128) },
        /* VMOVHPS/PD, VMOVLHPS, VMOVSHDUP */
        [0x16] = { VS(VSSE_DIRECT | VSSE_128), VS(VSSE_DIRECT | VSSE_128), VS(VSSE_UNARY) },
        [0x17] = { VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
                   VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128) },
        /* VCVTSI2SS/SD, VCVT(T)SS2SI/SD2SI, V(U)COMISS/SD */
        [0x2a] = { [2] = VS(VSSE_DIRECT | VSSE_SCALAR), [3] = VS(VSSE_DIRECT | VSSE_SCALAR) },
        [0x2c] = { [2] = VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR),
                   [3] = VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR) },
        [0x2d] = { [2] = VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR),
                   [3] = VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR) },
        [0x2e] = { VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR),
                   VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR) },
        [0x2f] = { VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR),
                   VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_SCALAR) },
        [0x2b] = { AVX_MOVE(VMOV_ALIGNED | VMOV_STORE | VMOV_MEMONLY),   /* VMOVNTPS/PD */
                   AVX_MOVE(VMOV_ALIGNED | VMOV_STORE | VMOV_MEMONLY) },
        [0x51] = { VS(VSSE_UNARY), VS(VSSE_UNARY), VS(VSSE_SCALAR), VS(VSSE_SCALAR) },
        [0x52] = { VS(VSSE_UNARY), [2] = VS(VSSE_SCALAR) },             /* VRSQRTPS/SS */
        [0x53] = { VS(VSSE_UNARY), [2] = VS(VSSE_SCALAR) },             /* VRCPPS/SS */
        [0x5a] = { [2] = VS(VSSE_SCALAR), [3] = VS(VSSE_SCALAR) },      /* VCVTSS2SD/SD2SS */
        [0x5b] = { VS(VSSE_UNARY), VS(VSSE_UNARY), VS(VSSE_UNARY) },    /* VCVTDQ2PS/PS2DQ/TTPS2DQ */
        [0x6e] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_128),             /* VMOVD/Q xmm, r/m */
        [0x7e] = { [1] = VS(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),  /* VMOVD/Q r/m, xmm */
                   [2] = VS(VSSE_UNARY | VSSE_128) },                   /* VMOVQ xmm, xmm/m64 */
        [0xae] = { [0] = { gen_vldst_mxcsr, 0, X86_FEAT_AVX + 1, true, true, 0 } },
        [0xc4] = V66(VSSE_DIRECT | VSSE_128),                           /* VPINSRW */
        [0xc5] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128), /* VPEXTRW */
        [0xd6] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_STORE | VSSE_128), /* VMOVQ xmm/m64, xmm */
        [0xe7] = { [1] = AVX_MOVE(VMOV_ALIGNED | VMOV_STORE | VMOV_MEMONLY) },  /* VMOVNTDQ */
        [0xf0] = { [3] = AVX_MOVE(VMOV_MEMONLY) },                      /* VLDDQU */
        [0xf7] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128), /* VMASKMOVDQU */
        [0x11] = { AVX_MOVE(VMOV_STORE), AVX_MOVE(VMOV_STORE) },
        [0x28] = { AVX_MOVE(VMOV_ALIGNED), AVX_MOVE(VMOV_ALIGNED) },    /* VMOVAPS/PD */
        [0x29] = { AVX_MOVE(VMOV_ALIGNED | VMOV_STORE), AVX_MOVE(VMOV_ALIGNED | VMOV_STORE) },
        [0x54] = { AVX_LOGIC(VLOGIC_AND), AVX_LOGIC(VLOGIC_AND) },
        [0x55] = { AVX_LOGIC(VLOGIC_ANDN), AVX_LOGIC(VLOGIC_ANDN) },
        [0x56] = { AVX_LOGIC(VLOGIC_OR), AVX_LOGIC(VLOGIC_OR) },
        [0x57] = { AVX_LOGIC(VLOGIC_XOR), AVX_LOGIC(VLOGIC_XOR) },
        [0x6f] = { [1] = AVX_MOVE(VMOV_ALIGNED), [2] = AVX_MOVE(0) },  /* VMOVDQA/U */
        [0x77] = { [0] = { gen_vzero, 0, X86_FEAT_AVX + 1, false, true, 0 } },
        [0x7f] = { [1] = AVX_MOVE(VMOV_ALIGNED | VMOV_STORE), [2] = AVX_MOVE(VMOV_STORE) },
        [0xdb] = { [1] = AVX2_LOGIC(VLOGIC_AND) },                     /* VPAND */
        [0xdf] = { [1] = AVX2_LOGIC(VLOGIC_ANDN) },
        [0xeb] = { [1] = AVX2_LOGIC(VLOGIC_OR) },
        [0xef] = { [1] = AVX2_LOGIC(VLOGIC_XOR) },
    },
    [2] = {
        [0x00] = VINT, [0x01] = VINT, [0x02] = VINT, [0x03] = VINT, [0x04] = VINT,
        [0x05] = VINT, [0x06] = VINT, [0x07] = VINT, [0x08] = VINT, [0x09] = VINT,
        [0x0a] = VINT, [0x0b] = VINT,
        [0x1c] = V66(VSSE_INT | VSSE_UNARY), [0x1d] = V66(VSSE_INT | VSSE_UNARY),
        [0x1e] = V66(VSSE_INT | VSSE_UNARY),                           /* VPABSB/W/D */
        [0x28] = VINT, [0x29] = VINT, [0x2b] = VINT, [0x37] = VINT,
        [0x38] = VINT, [0x39] = VINT, [0x3a] = VINT, [0x3b] = VINT,
        [0x3c] = VINT, [0x3d] = VINT, [0x3e] = VINT, [0x3f] = VINT, [0x40] = VINT,
        [0x41] = V66(VSSE_128 | VSSE_UNARY),                           /* VPHMINPOSUW */
        [0xdb] = V66(VSSE_128 | VSSE_UNARY ),                /* VAESIMC */
        [0xdc] = V66(VSSE_128 ), [0xdd] = V66(VSSE_128 ),
        [0xde] = V66(VSSE_128 ), [0xdf] = V66(VSSE_128 ),
        [0x18] = { [1] = { gen_vbroadcast, 4, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x19] = { [1] = { gen_vbroadcast, 8, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x1a] = { [1] = { gen_vbroadcast, 16, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x5a] = { [1] = { gen_vbroadcast, 16, X86_FEAT_AVX2 + 1, false, false, 0 } },
        [0x2a] = { [1] = { gen_vmov, VMOV_ALIGNED | VMOV_MEMONLY, X86_FEAT_AVX + 1, false, true,
                           X86_FEAT_AVX2 + 1 } },                      /* VMOVNTDQA */
        [0xf2] = { [0] = BMI(gen_andn, 0, X86_FEAT_BMI1) },
        [0xf3] = { [0] = BMI(gen_bls, 0, X86_FEAT_BMI1) },
        [0xf5] = { [0] = BMI(gen_bzhi, 0, X86_FEAT_BMI2),
                   [2] = BMI(gen_bmi_helper, BMI_PEXT, X86_FEAT_BMI2),
                   [3] = BMI(gen_bmi_helper, BMI_PDEP, X86_FEAT_BMI2) },
        [0xf6] = { [3] = BMI(gen_mulx, 0, X86_FEAT_BMI2) },
        [0xf7] = { [0] = BMI(gen_bmi_helper, BMI_BEXTR, X86_FEAT_BMI1),
                   [1] = BMI(gen_shiftx, BMI_SHL, X86_FEAT_BMI2),
                   [2] = BMI(gen_shiftx, BMI_SAR, X86_FEAT_BMI2),
                   [3] = BMI(gen_shiftx, BMI_SHR, X86_FEAT_BMI2) },
    },
    [3] = {
        [0x08] = V66(VSSE_IMM | VSSE_UNARY), [0x09] = V66(VSSE_IMM | VSSE_UNARY),  /* VROUNDPS/PD */
        [0x0a] = V66(VSSE_IMM | VSSE_SCALAR), [0x0b] = V66(VSSE_IMM | VSSE_SCALAR),
        [0x0e] = V66(VSSE_IMM | VSSE_INT), [0x0f] = V66(VSSE_IMM | VSSE_INT),  /* VPBLENDW VPALIGNR */
        [0x06] = { [1] = { gen_vperm2, 0, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x18] = { [1] = { gen_vinsert128, 0, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x19] = { [1] = { gen_vextract128, 0, X86_FEAT_AVX + 1, false, false, 0 } },
        [0x38] = { [1] = { gen_vinsert128, 0, X86_FEAT_AVX2 + 1, false, false, 0 } },
        [0x39] = { [1] = { gen_vextract128, 0, X86_FEAT_AVX2 + 1, false, false, 0 } },
        [0x46] = { [1] = { gen_vperm2, 0, X86_FEAT_AVX2 + 1, false, false, 0 } },
        [0x40] = V66(VSSE_IMM), [0x41] = V66(VSSE_IMM | VSSE_128),            /* VDPPS VDPPD */
        /* VPEXTRB/W/D/Q, VEXTRACTPS, VPINSRB, VINSERTPS, VPINSRD/Q */
        [0x14] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
        [0x15] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
        [0x16] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
        [0x17] = V66(VSSE_DIRECT | VSSE_UNARY | VSSE_NODEST | VSSE_128),
        [0x20] = V66(VSSE_DIRECT | VSSE_128), [0x21] = V66(VSSE_DIRECT | VSSE_128),
        [0x22] = V66(VSSE_DIRECT | VSSE_128),
        [0x44] = V66(VSSE_IMM | VSSE_128),                                     /* VPCLMULQDQ */
        [0x60] = { [1] = { gen_vpcmpstr, 0, X86_FEAT_AVX + 1, true, true, 0 } },
        [0x61] = { [1] = { gen_vpcmpstr, 0, X86_FEAT_AVX + 1, true, true, 0 } },
        [0x62] = { [1] = { gen_vpcmpstr, 0, X86_FEAT_AVX + 1, true, true, 0 } },
        [0x63] = { [1] = { gen_vpcmpstr, 0, X86_FEAT_AVX + 1, true, true, 0 } },
        [0xdf] = V66(VSSE_IMM | VSSE_UNARY | VSSE_128 ),            /* VAESKEYGENASSIST */
        [0xf0] = { [3] = BMI(gen_rorx, 0, X86_FEAT_BMI2) },
    },
};

bool x86_is_vex(DisasContext *s)
{
    uint8_t next;
    if (s->sys && (!s->pe || s->vm86)) {
        return false;
    }
    return s->code64 || (x86_peek_code(s, &next) && (next & 0xc0) == 0xc0);
}

/* reads the rest of the prefix (b is C4 or C5) into v and the REX fields */
static void decode_vex_prefix(DisasContext *s, unsigned b, Vex *v)
{
    unsigned byte1 = x86_ldub_code(s), last = byte1;
    int r = !(byte1 & 0x80), x = 0, bb = 0;
    v->map = 1;
    v->w = 0;
    if (b == 0xc4) {
        x = !(byte1 & 0x40);
        bb = !(byte1 & 0x20);
        v->map = byte1 & 0x1f;
        last = x86_ldub_code(s);
        v->w = last >> 7;
    }
    v->vvvv = (~last >> 3) & 15;
    v->l = (last >> 2) & 1;
    v->pp = last & 3;
    if (!s->code64) {
        /* R and X are the LES/LDS ModRM bits (always 1 here), B is ignored,
         * and only eight registers exist */
        r = x = bb = 0;
        v->vvvv &= 7;
    }
    s->rex_r = r << 3;
    s->rex_x = x << 3;
    s->rex_b = bb << 3;
    s->rex_w = s->code64 ? (int)v->w : 0;
}

bool gen_vex(DisasContext *s, unsigned b)
{
    Vex v;
    if (s->prefix & (PREFIX_LOCK | PREFIX_DATA | PREFIX_REPZ | PREFIX_REPNZ | PREFIX_REX)) {
        return false;
    }
    decode_vex_prefix(s, b, &v);
    unsigned opcode = x86_ldub_code(s);
    if (s->fetch_fault || v.map < 1 || v.map > 3) {
        return false;
    }
    static const unsigned map_opcodes[4] = { 0, 0x0f00, 0x0f3800, 0x0f3a00 };
    v.opcode = map_opcodes[v.map] | opcode;
    const VexOp *op = &vex_table[v.map][opcode][v.pp];
    if (!op->gen) {
        op = avx_table_entry(v.map, opcode, v.pp);
        if (!op) {
            return false;
        }
    }
    if (!op->gen || (op->l0 && v.l) || (op->no_vvvv && v.vvvv != 0)) {
        return false;
    }
    if (op->feature && !x86_cpu_has(s->env, op->feature - 1)) {
        return false;
    }
    /* AVX needs CR4.OSXSAVE and XCR0.SSE|YMM; BMI works on general registers */
    if (op->feature && op->feature != X86_FEAT_BMI1 + 1 && op->feature != X86_FEAT_BMI2 + 1 &&
        !vex_allowed(s)) {
        return false;
    }
    if (v.l && op->feature256 && !x86_cpu_has(s->env, op->feature256 - 1)) {
        return false;
    }
    bool gpr_only = op->feature == X86_FEAT_BMI1 + 1 || op->feature == X86_FEAT_BMI2 + 1;
    if (!gpr_only && (s->flags & HF_EM_TS)) {
        /* CR0.TS: #NM before anything else of the instruction happens */
        TCGv env = tcg_env(s->tcg);
        gen_update_cc_op(s);
        tcg_gen_call(s->tcg, (void *)helper_vex_check_ts, 0, NULL, 1, &env);
    }
    if (op->gen != gen_vzero) {
        x86_decode_modrm(s);        /* VZEROUPPER/VZEROALL have no ModRM */
    }
    return op->gen(s, &v, op->arg);
}
