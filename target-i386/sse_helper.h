/*
 * SSE/SSE2/SSE3/SSSE3 helpers: the operations the translator (translate-sse.c) does not
 * emit as inline IR. Intel SDM vol. 2 gives each instruction's operation; the
 * names below are the instruction mnemonics.
 *
 * Calling convention, chosen so that no scratch register is needed in the CPU
 * state: the destination is an XMM register in env (a pointer), the source is
 * passed by value as two 64-bit halves (lo = bytes 0-7, hi = bytes 8-15), whether
 * it came from a register or from guest memory. Floating-point helpers also take
 * env, for MXCSR (rounding control, exception flags).
 *
 * The MMX forms reuse the integer helpers: the destination is then the 16-byte
 * x87 register slot holding MMn in its low half (translate-sse.c), whose high
 * half the helper may overwrite and the translator then repairs.
 */
#ifndef TARGET_I386_SSE_HELPER_H
#define TARGET_I386_SSE_HELPER_H

#include <stdint.h>
#include "target-i386/cpu.h"

/* MXCSR fields (Intel SDM vol. 1, 10.2.3) */
#define MXCSR_IE        0x0001
#define MXCSR_DE        0x0002
#define MXCSR_ZE        0x0004
#define MXCSR_OE        0x0008
#define MXCSR_UE        0x0010
#define MXCSR_PE        0x0020
#define MXCSR_FLAGS     0x003f
#define MXCSR_DAZ       0x0040
#define MXCSR_MASK_SHIFT 7      /* exception masks: the flags shifted left by 7 */
#define MXCSR_RC_SHIFT  13
#define MXCSR_RC_MASK   (3u << MXCSR_RC_SHIFT)
#define MXCSR_FZ        0x8000
#define MXCSR_RESET     0x1f80
/* bits that LDMXCSR/FXRSTOR accept (MXCSR_MASK with DAZ supported) */
#define MXCSR_WRITABLE  0xffff

typedef void SSEIntHelper(XMMReg *d, uint64_t lo, uint64_t hi);
typedef void SSEImmHelper(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
typedef void SSEFloatHelper(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi);
typedef void SSEFloatImmHelper(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi,
                               uint32_t imm);

/* --- packed integer, d = op(d, s) --- */
/* (PADDx/PSUBx, PCMPEQx, PMINUB/PMAXUB, the quadword unpacks and the byte
 * shifts are inline IR in translate-sse.c) */
#define SSE_INT_HELPERS(X) \
    X(paddsb) X(paddsw) X(paddusb) X(paddusw) \
    X(psubsb) X(psubsw) X(psubusb) X(psubusw) \
    X(pmullw) X(pmulhw) X(pmulhuw) X(pmuludq) X(pmaddwd) \
    X(pavgb) X(pavgw) X(psadbw) \
    X(pminsw) X(pmaxsw) \
    X(pcmpgtb) X(pcmpgtw) X(pcmpgtd) \
    X(packsswb) X(packssdw) X(packuswb) \
    X(punpcklbw) X(punpcklwd) X(punpckldq) \
    X(punpckhbw) X(punpckhwd) X(punpckhdq) \
    X(psllw) X(pslld) X(psllq) X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) \
    X(pshufb) X(pshufb_mmx) X(phaddw) X(phaddd) X(phaddsw) X(phsubw) X(phsubd) X(phsubsw) \
    X(pmaddubsw) X(pmulhrsw) X(psignb) X(psignw) X(psignd) X(pabsb) X(pabsw) X(pabsd)

#define SSE_DECLARE_INT(name) void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi);
SSE_INT_HELPERS(SSE_DECLARE_INT)
#undef SSE_DECLARE_INT

/* --- shuffles with an immediate --- */
void helper_pshufd(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_pshuflw(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_pshufhw(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_shufps(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_shufpd(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);

/* --- mask extraction (results for a general register; PMOVMSKB is inline) --- */
uint32_t helper_movmskps(uint64_t lo, uint64_t hi);
uint32_t helper_movmskpd(uint64_t lo, uint64_t hi);

/* --- floating point, packed (ps/pd) and scalar (ss/sd) --- */
#define SSE_FLOAT_HELPERS(X) \
    X(addps) X(addpd) X(addss) X(addsd) X(subps) X(subpd) X(subss) X(subsd) \
    X(mulps) X(mulpd) X(mulss) X(mulsd) X(divps) X(divpd) X(divss) X(divsd) \
    X(minps) X(minpd) X(minss) X(minsd) X(maxps) X(maxpd) X(maxss) X(maxsd) \
    X(sqrtps) X(sqrtpd) X(sqrtss) X(sqrtsd) \
    X(rcpps) X(rcpss) X(rsqrtps) X(rsqrtss) \
    X(cvtps2pd) X(cvtpd2ps) X(cvtss2sd) X(cvtsd2ss) \
    X(cvtdq2ps) X(cvtps2dq) X(cvttps2dq) X(cvtdq2pd) X(cvtpd2dq) X(cvttpd2dq) \
    X(haddps) X(haddpd) X(hsubps) X(hsubpd) X(addsubps) X(addsubpd)

#define SSE_DECLARE_FLOAT(name) \
    void helper_##name(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi);
SSE_FLOAT_HELPERS(SSE_DECLARE_FLOAT)
#undef SSE_DECLARE_FLOAT

/* CMPPS/CMPPD/CMPSS/CMPSD: imm is the predicate 0-7 (EQ LT LE UNORD NEQ NLT NLE ORD) */
void helper_cmpps(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_cmppd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_cmpss(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_cmpsd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);

/* (U)COMISS/(U)COMISD: return the new ZF, PF, CF (EFLAGS bit positions); the
 * caller clears OF, SF, AF. a is the first operand's low element. */
uint32_t helper_comiss(CPUX86State *env, uint64_t a, uint64_t b);
uint32_t helper_ucomiss(CPUX86State *env, uint64_t a, uint64_t b);
uint32_t helper_comisd(CPUX86State *env, uint64_t a, uint64_t b);
uint32_t helper_ucomisd(CPUX86State *env, uint64_t a, uint64_t b);

/* Integer <-> scalar conversions. The integer is sign-extended to 64 bits by the
 * caller for the 32-bit forms. Conversions to integers return the 32-bit or
 * 64-bit result zero-extended; out-of-range gives the "integer indefinite". */
void helper_cvtsi2ss(CPUX86State *env, XMMReg *d, int64_t value);
void helper_cvtsi2sd(CPUX86State *env, XMMReg *d, int64_t value);
uint64_t helper_cvtss2si32(CPUX86State *env, uint64_t src);
uint64_t helper_cvtss2si64(CPUX86State *env, uint64_t src);
uint64_t helper_cvttss2si32(CPUX86State *env, uint64_t src);
uint64_t helper_cvttss2si64(CPUX86State *env, uint64_t src);
uint64_t helper_cvtsd2si32(CPUX86State *env, uint64_t src);
uint64_t helper_cvtsd2si64(CPUX86State *env, uint64_t src);
uint64_t helper_cvttsd2si32(CPUX86State *env, uint64_t src);
uint64_t helper_cvttsd2si64(CPUX86State *env, uint64_t src);

/* SSE4.1 ROUNDPS/PD/SS/SD and DPPS/DPPD xmm1, xmm2/m, imm8 */
void helper_roundps(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_roundpd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_roundss(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_roundsd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_dpps(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
void helper_dppd(CPUX86State *env, XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);

/* #GP(0) for a misaligned 16-byte operand (SDM vol. 2, MOVAPS "Protected Mode
 * Exceptions"), at the instruction that called it */
void helper_sse_raise_gp(CPUX86State *env) __attribute__((noreturn));

/* MMX with CR0.EM or CR0.TS set: #UD when EM, else #NM (SDM vol. 3A, 2.5:
 * CR0.EM, CR0.TS), at the instruction that called it */
void helper_mmx_unavailable(CPUX86State *env) __attribute__((noreturn));

/*
 * The exception flags of env->mxcsr may lag behind: guest operations can leave
 * them pending in the host (see sse_helper.c). Anything reading env->mxcsr
 * (STMXCSR, FXSAVE, signal frames) calls this first.
 */
void helper_sse_sync_mxcsr(CPUX86State *env);

/* LDMXCSR: #GP(0) when a reserved bit is set (Intel SDM vol. 2B, LDMXCSR) */
void helper_ldmxcsr(CPUX86State *env, uint32_t value);

#endif
