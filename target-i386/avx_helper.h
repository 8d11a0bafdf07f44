/*
 * The C helpers of the AVX/AVX2/FMA/F16C instructions that translate-vex.c
 * does not emit as inline IR: the 256-bit permutes and blends, variable
 * shifts, the compares with VEX's 32 predicates, widening and narrowing
 * conversions (avx_helper.c), masked moves and gathers (avx_mem_helper.c),
 * FMA3 (fma_helper.c) and the half-precision conversions (f16c_helper.c).
 *
 * Calling convention: helper(env, desc[, more]) with the operands named by
 * register number in desc (AVX_DESC below), read from and written to env.
 * Register 16 is the "memory" operand: the translator loads a memory r/m
 * operand into the scratch registers vex_scratch[0] (bits 127:0) and
 * vex_scratch[1] (bits 255:128) first, and stores it from there for the store
 * forms. A VEX.128 result zeroes bits 255:128 of its register (SDM vol. 1,
 * 14.1.2), which ymm_write does.
 */
#ifndef TARGET_I386_AVX_HELPER_H
#define TARGET_I386_AVX_HELPER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "target-i386/cpu.h"

/* desc: d (bits 4:0), a = VEX.vvvv (9:5), b = r/m (14:10), VEX.L (15),
 * imm8 (23:16), c = a fourth register, e.g. VBLENDVPS's imm8[7:4] (28:24) */
#define AVX_DESC(d, a, b, l, imm, c) \
    ((uint32_t)(d) | (uint32_t)(a) << 5 | (uint32_t)(b) << 10 | (uint32_t)(l) << 15 | \
     (uint32_t)(imm) << 16 | (uint32_t)(c) << 24)
#define AVX_D(desc) ((desc) & 31)
#define AVX_A(desc) (((desc) >> 5) & 31)
#define AVX_B(desc) (((desc) >> 10) & 31)
#define AVX_L(desc) (((desc) >> 15) & 1)
#define AVX_IMM(desc) (((desc) >> 16) & 255)
#define AVX_C(desc) (((desc) >> 24) & 31)
#define AVX_MEM_OPERAND 16

typedef union Ymm {
    uint8_t b[32];
    uint16_t w[16];
    uint32_t l[8];
    uint64_t q[4];
    int8_t sb[32];
    int16_t sw[16];
    int32_t sl[8];
    int64_t sq[4];
    float s[8];
    double d[4];
} Ymm;

static inline void ymm_read(const CPUX86State *env, unsigned reg, Ymm *y)
{
    if (reg == AVX_MEM_OPERAND) {
        memcpy(y->b, &env->vex_scratch[0], 16);
        memcpy(y->b + 16, &env->vex_scratch[1], 16);
    } else {
        memcpy(y->b, &env->xmm_regs[reg], 16);
        memcpy(y->b + 16, &env->ymmh_regs[reg], 16);
    }
}

/* bits 127:0, and 255:128 when l (else zero) */
static inline void ymm_write(CPUX86State *env, unsigned reg, const Ymm *y, bool l)
{
    if (reg == AVX_MEM_OPERAND) {
        memcpy(&env->vex_scratch[0], y->b, 16);
        memcpy(&env->vex_scratch[1], y->b + 16, 16);
        return;
    }
    memcpy(&env->xmm_regs[reg], y->b, 16);
    if (l) {
        memcpy(&env->ymmh_regs[reg], y->b + 16, 16);
    } else {
        memset(&env->ymmh_regs[reg], 0, 16);
    }
}

/* --- avx_helper.c: register operations, d = op(a, b[, imm]) --- */
#define AVX_HELPERS(X) \
    X(vpermd) X(vpermps) X(vpermq) X(vpermilps) X(vpermilpd) X(vpermilps_imm) X(vpermilpd_imm) \
    X(vpsllvd) X(vpsllvq) X(vpsrlvd) X(vpsrlvq) X(vpsravd) \
    X(vpsllw) X(vpslld) X(vpsllq) X(vpsrlw) X(vpsrld) X(vpsrlq) X(vpsraw) X(vpsrad) \
    X(vpsllw_imm) X(vpslld_imm) X(vpsllq_imm) X(vpsrlw_imm) X(vpsrld_imm) X(vpsrlq_imm) \
    X(vpsraw_imm) X(vpsrad_imm) X(vpslldq_imm) X(vpsrldq_imm) \
    X(vpblendd) X(vblendps) X(vblendpd) X(vblendvps) X(vblendvpd) X(vpblendvb) X(vshufpd) \
    X(vmpsadbw) \
    X(vpmovsxbw) X(vpmovsxbd) X(vpmovsxbq) X(vpmovsxwd) X(vpmovsxwq) X(vpmovsxdq) \
    X(vpmovzxbw) X(vpmovzxbd) X(vpmovzxbq) X(vpmovzxwd) X(vpmovzxwq) X(vpmovzxdq) \
    X(vpbroadcastb) X(vpbroadcastw) X(vpbroadcastd) X(vpbroadcastq)

#define AVX_DECLARE(name) void helper_##name(CPUX86State *env, uint32_t desc);
AVX_HELPERS(AVX_DECLARE)

/* A VEX-encoded SSE/AVX instruction translated with CR0.EM or CR0.TS set:
 * #NM when TS is (SDM vol. 2A, 2.8, the exception tables' "#NM If CR0.TS[bit
 * 3]=1"; CR0.EM is a legacy-SSE condition only) */
void helper_vex_check_ts(CPUX86State *env);

/* VMOVMSKPS/PD, VPMOVMSKB of the 256-bit register b */
uint64_t helper_vmovmskps(CPUX86State *env, uint32_t desc);
uint64_t helper_vmovmskpd(CPUX86State *env, uint32_t desc);
uint64_t helper_vpmovmskb(CPUX86State *env, uint32_t desc);
/* VPTEST/VTESTPS/VTESTPD a (= reg), b: the six flags (ZF, CF; the others 0) */
uint64_t helper_vptest(CPUX86State *env, uint32_t desc);
uint64_t helper_vtestps(CPUX86State *env, uint32_t desc);
uint64_t helper_vtestpd(CPUX86State *env, uint32_t desc);

/* --- floating point with MXCSR: VCMPPS/PD/SS/SD with the 32 predicates
 * of imm8[4:0] (avx_cmp_helper.c), VCVTPH2PS and VCVTPS2PH with its rounding
 * imm8 (f16c_helper.c; VCVTPS2PH's d may be the memory operand) --- */
#define AVX_FLOAT_HELPERS(X) \
    X(vcmpps) X(vcmppd) X(vcmpss) X(vcmpsd) X(vcvtph2ps) X(vcvtps2ph)
AVX_FLOAT_HELPERS(AVX_DECLARE)
#undef AVX_DECLARE

/*
 * FMA3: desc's d is the destination and first source, a the second (vvvv),
 * b the third (r/m); op selects the instruction: bits 1:0 the operand order
 * (FMA_132, FMA_213, FMA_231), then the kind and the element type.
 */
enum { FMA_132, FMA_213, FMA_231 };
enum { FMA_ADD, FMA_SUB, FMA_NADD, FMA_NSUB, FMA_ADDSUB, FMA_SUBADD };
#define FMA_OP(order, kind, dbl, scalar) \
    ((order) | (kind) << 2 | (dbl) << 5 | (scalar) << 6)
void helper_fma(CPUX86State *env, uint32_t desc, uint32_t op);

/* --- avx_mem_helper.c: masked moves and gathers (guest memory from C) --- */
/* info: the MMU index (bits 7:0), linear addresses wrapping at 4 GiB
 * (bit 8: outside 64-bit mode), element size 8 bytes (bit 9), 32-bit
 * effective addresses (bit 10: address size 32 or 16, the 67h prefix in
 * 64-bit mode); addr: the linear address of the memory operand */
#define AVX_MEM_INFO(mmu_idx, legacy, qword, ea32) \
    ((uint32_t)(mmu_idx) | (uint32_t)(legacy) << 8 | (uint32_t)(qword) << 9 | \
     (uint32_t)(ea32) << 10)
void helper_vmaskmov_load(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t addr);
void helper_vmaskmov_store(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t addr);
/* gathers: d the destination, a the mask (vvvv), b the VSIB index register,
 * imm = scale (bits 1:0) | index size 8 bytes (bit 2); base = base register
 * + displacement (the offset, no segment), seg_base the segment's base */
void helper_vgather(CPUX86State *env, uint32_t desc, uint32_t info, uint64_t base,
                    uint64_t seg_base);

#endif
