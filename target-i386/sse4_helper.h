/*
 * SSE4.1, SSE4.2, AES-NI, PCLMULQDQ, SHA and CRC32 helpers: the operations the
 * translator (translate-sse4.c) does not emit as inline IR. Intel SDM vol. 2
 * gives each instruction's operation; the names are the mnemonics.
 *
 * Calling convention as in sse_helper.h: the destination XMM register by
 * pointer, the source by value as two 64-bit halves (lo = bytes 0-7), imm8 last.
 */
#ifndef TARGET_I386_SSE4_HELPER_H
#define TARGET_I386_SSE4_HELPER_H

#include <stdint.h>
#include "target-i386/cpu.h"

/* d = op(d, s) (the blends, PCMPEQQ/PCMPGTQ, PMULLD and the doubleword min/max
 * are inline IR in translate-sse4.c) */
#define SSE4_INT_HELPERS(X) \
    X(pmovsxbw) X(pmovsxbd) X(pmovsxbq) X(pmovsxwd) X(pmovsxwq) X(pmovsxdq) \
    X(pmovzxbw) X(pmovzxbd) X(pmovzxbq) X(pmovzxwd) X(pmovzxwq) X(pmovzxdq) \
    X(pmuldq) X(packusdw) X(pminsb) X(pminuw) X(pmaxsb) X(pmaxuw) \
    X(phminposuw) \
    X(aesenc) X(aesenclast) X(aesdec) X(aesdeclast) X(aesimc) \
    X(sha1nexte) X(sha1msg1) X(sha1msg2) X(sha256msg1) X(sha256msg2)

#define SSE4_DECLARE_INT(name) void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi);
SSE4_INT_HELPERS(SSE4_DECLARE_INT)
#undef SSE4_DECLARE_INT

/* d = op(d, s, imm8) */
#define SSE4_IMM_HELPERS(X) \
    X(insertps) X(mpsadbw) X(pclmulqdq) \
    X(aeskeygenassist) X(sha1rnds4)

#define SSE4_DECLARE_IMM(name) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm);
SSE4_IMM_HELPERS(SSE4_DECLARE_IMM)
#undef SSE4_DECLARE_IMM

/*
 * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (SDM vol. 2B, 4.1): the first
 * operand is XMM register mode >> PCMPSTR_REG_SHIFT, the second lo:hi; mode
 * is imm8 | PCMPSTR_* bits; la and lb are EAX/RAX and EDX/RDX for the
 * explicit-length forms (REX.W: 64-bit). The mask forms write XMM0; the
 * result's low 32 bits are the six arithmetic flags (RFLAGS positions), the
 * high 32 bits the index for ECX.
 */
#define PCMPSTR_EXPLICIT 0x100   /* E forms: lengths in EAX/EDX */
#define PCMPSTR_MASK     0x200   /* M forms: XMM0 = mask; else ECX = index */
#define PCMPSTR_WIDE_LEN 0x400   /* REX.W: RAX/RDX */
#define PCMPSTR_REG_SHIFT 16
uint64_t helper_pcmpstr(CPUX86State *env, uint64_t lo, uint64_t hi, uint64_t la,
                        uint64_t lb, uint32_t mode);

/* SHA256RNDS2 xmm1, xmm2/m128, <XMM0>: wk is XMM0's low quadword */
void helper_sha256rnds2(XMMReg *d, uint64_t lo, uint64_t hi, uint64_t wk);

/* CRC32 r32/r64, r/m8/16/32/64 (SDM vol. 2A, CRC32): CRC-32C (Castagnoli,
 * reflected polynomial 0x82F63B78) of the low bytes of data, without the
 * initial and final inversions; the 32-bit result zero-extended */
uint64_t helper_crc32(uint64_t crc, uint64_t data, uint32_t bytes);

#endif
