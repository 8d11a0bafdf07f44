/*
 * The x86-64 back end's vector ops (tcg/vec.h): SSE2 (doubles: SSE4.2's PCMPGTQ;
 * FMA3: VEX) instructions on xmm0-xmm6,
 * which generated code otherwise never uses (all caller-saved in the SysV ABI,
 * so nothing is kept in them across ops), and the red zone below rsp (SysV ABI
 * 3.2.2: 128 bytes signal handlers leave alone) as scratch for MXCSR. Operands are read from env as two
 * 8-byte loads each: the front end writes vector registers as 8-byte halves, and
 * a 16-byte load of two 8-byte stores would miss store forwarding (Intel
 * optimization manual, "store forwarding"); the result is one 16-byte store.
 */
#include "tcg/tcg-backend.h"
#include "tcg/vec.h"
#include "tcg/x86_64/encode.h"

enum { XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6 };

/* mandatory prefixes of the four float forms (SDM vol. 2, ADDPS/ADDPD/ADDSS/ADDSD) */
static const uint8_t form_prefix[4] = { 0, 0x66, 0xf3, 0xf2 };
/* 0F xx opcodes of ADD, SUB, MUL, DIV, MIN, MAX, SQRT */
static const uint8_t fop_opcode[TCG_VEC_NB_FOPS] = { 0x58, 0x5c, 0x59, 0x5e, 0x5d, 0x5f, 0x51 };

/*
 * The integer kinds' encodings (SDM vol. 2, opcode map tables ):
 * mandatory prefix, map (0: 0F, 1: 0F 38), opcode, and the CPUID feature the
 * host needs (0: SSE2, part of x86-64).
 */
enum { NEED_SSE2, NEED_SSSE3, NEED_SSE41 };
typedef struct IntEncoding { uint8_t prefix, map, opcode, need; } IntEncoding;
#define E(name, prefix, map, opcode, need) [TCG_VEC_I_##name] = { prefix, map, opcode, need },
static const IntEncoding int_encoding[TCG_VEC_NB_INT_OPS] = {
    E(PUNPCKLBW, 0x66, 0, 0x60, 0) E(PUNPCKLWD, 0x66, 0, 0x61, 0) E(PUNPCKLDQ, 0x66, 0, 0x62, 0)
    E(PACKSSWB, 0x66, 0, 0x63, 0) E(PCMPGTB, 0x66, 0, 0x64, 0) E(PCMPGTW, 0x66, 0, 0x65, 0)
    E(PCMPGTD, 0x66, 0, 0x66, 0) E(PACKUSWB, 0x66, 0, 0x67, 0) E(PUNPCKHBW, 0x66, 0, 0x68, 0)
    E(PUNPCKHWD, 0x66, 0, 0x69, 0) E(PUNPCKHDQ, 0x66, 0, 0x6a, 0) E(PACKSSDW, 0x66, 0, 0x6b, 0)
    E(PSRLW, 0x66, 0, 0xd1, 0) E(PSRLD, 0x66, 0, 0xd2, 0) E(PSRLQ, 0x66, 0, 0xd3, 0)
    E(PMULLW, 0x66, 0, 0xd5, 0) E(PSUBUSB, 0x66, 0, 0xd8, 0) E(PSUBUSW, 0x66, 0, 0xd9, 0)
    E(PADDUSB, 0x66, 0, 0xdc, 0) E(PADDUSW, 0x66, 0, 0xdd, 0) E(PAVGB, 0x66, 0, 0xe0, 0)
    E(PSRAW, 0x66, 0, 0xe1, 0) E(PSRAD, 0x66, 0, 0xe2, 0) E(PAVGW, 0x66, 0, 0xe3, 0)
    E(PMULHUW, 0x66, 0, 0xe4, 0) E(PMULHW, 0x66, 0, 0xe5, 0) E(PSUBSB, 0x66, 0, 0xe8, 0)
    E(PSUBSW, 0x66, 0, 0xe9, 0) E(PMINSW, 0x66, 0, 0xea, 0) E(PADDSB, 0x66, 0, 0xec, 0)
    E(PADDSW, 0x66, 0, 0xed, 0) E(PMAXSW, 0x66, 0, 0xee, 0) E(PSLLW, 0x66, 0, 0xf1, 0)
    E(PSLLD, 0x66, 0, 0xf2, 0) E(PSLLQ, 0x66, 0, 0xf3, 0) E(PMULUDQ, 0x66, 0, 0xf4, 0)
    E(PMADDWD, 0x66, 0, 0xf5, 0) E(PSADBW, 0x66, 0, 0xf6, 0)
    E(PSHUFB, 0x66, 1, 0x00, NEED_SSSE3) E(PHADDW, 0x66, 1, 0x01, NEED_SSSE3)
    E(PHADDD, 0x66, 1, 0x02, NEED_SSSE3) E(PHADDSW, 0x66, 1, 0x03, NEED_SSSE3)
    E(PMADDUBSW, 0x66, 1, 0x04, NEED_SSSE3) E(PHSUBW, 0x66, 1, 0x05, NEED_SSSE3)
    E(PHSUBD, 0x66, 1, 0x06, NEED_SSSE3) E(PHSUBSW, 0x66, 1, 0x07, NEED_SSSE3)
    E(PSIGNB, 0x66, 1, 0x08, NEED_SSSE3) E(PSIGNW, 0x66, 1, 0x09, NEED_SSSE3)
    E(PSIGND, 0x66, 1, 0x0a, NEED_SSSE3) E(PMULHRSW, 0x66, 1, 0x0b, NEED_SSSE3)
    E(PABSB, 0x66, 1, 0x1c, NEED_SSSE3) E(PABSW, 0x66, 1, 0x1d, NEED_SSSE3)
    E(PABSD, 0x66, 1, 0x1e, NEED_SSSE3)
    E(PMOVSXBW, 0x66, 1, 0x20, NEED_SSE41) E(PMOVSXBD, 0x66, 1, 0x21, NEED_SSE41)
    E(PMOVSXBQ, 0x66, 1, 0x22, NEED_SSE41) E(PMOVSXWD, 0x66, 1, 0x23, NEED_SSE41)
    E(PMOVSXWQ, 0x66, 1, 0x24, NEED_SSE41) E(PMOVSXDQ, 0x66, 1, 0x25, NEED_SSE41)
    E(PMULDQ, 0x66, 1, 0x28, NEED_SSE41) E(PACKUSDW, 0x66, 1, 0x2b, NEED_SSE41)
    E(PMOVZXBW, 0x66, 1, 0x30, NEED_SSE41) E(PMOVZXBD, 0x66, 1, 0x31, NEED_SSE41)
    E(PMOVZXBQ, 0x66, 1, 0x32, NEED_SSE41) E(PMOVZXWD, 0x66, 1, 0x33, NEED_SSE41)
    E(PMOVZXWQ, 0x66, 1, 0x34, NEED_SSE41) E(PMOVZXDQ, 0x66, 1, 0x35, NEED_SSE41)
    E(PMINSB, 0x66, 1, 0x38, NEED_SSE41) E(PMINUW, 0x66, 1, 0x3a, NEED_SSE41)
    E(PMAXSB, 0x66, 1, 0x3c, NEED_SSE41) E(PMAXUW, 0x66, 1, 0x3e, NEED_SSE41)
    E(PSHUFD, 0x66, 0, 0x70, 0) E(PSHUFHW, 0xf3, 0, 0x70, 0) E(PSHUFLW, 0xf2, 0, 0x70, 0)
    E(SHUFPS, 0, 0, 0xc6, 0) E(SHUFPD, 0x66, 0, 0xc6, 0)
};
#undef E

static bool int_op_has_imm(unsigned op)
{
    return op >= TCG_VEC_I_PSHUFD;
}

static bool host_has_int_op(unsigned op)
{
    switch (int_encoding[op].need) {
    case NEED_SSSE3:
        return __builtin_cpu_supports("ssse3");
    case NEED_SSE41:
        return __builtin_cpu_supports("sse4.1");
    default:
        return true;
    }
}

/* OP xmm0, xmm1 [, imm8] of an integer kind */
static void out_int_op(TCGContext *s, unsigned kind)
{
    unsigned op = (kind - TCG_VEC_INT_BASE) / 256;
    const IntEncoding *e = &int_encoding[op];
    if (e->prefix) {
        out8(s, e->prefix);
    }
    out8(s, 0x0f);
    if (e->map) {
        out8(s, 0x38);
    }
    out8(s, e->opcode);
    out8(s, 0xc0 | (XMM0 << 3) | XMM1);
    if (int_op_has_imm(op)) {
        out8(s, (uint8_t)((kind - TCG_VEC_INT_BASE) % 256));
    }
}

bool tcg_target_has_vec(TCGContext *s, unsigned kind)
{
    (void)s;
    if (kind >= TCG_VEC_INT_BASE) {
        unsigned op = (kind - TCG_VEC_INT_BASE) / 256;
        return op < TCG_VEC_NB_INT_OPS && host_has_int_op(op) &&
               (int_op_has_imm(op) || (kind - TCG_VEC_INT_BASE) % 256 == 0);
    }
    unsigned form = kind % 4;
    if ((form == TCG_VEC_PD || form == TCG_VEC_SD) && !__builtin_cpu_supports("sse4.2")) {
        return false;   /* the denormal test of doubles uses PCMPGTQ */
    }
    if (kind >= TCG_VEC_FMA_BASE) {
        /* libgcc's check includes the OS enabling the AVX state (XCR0) */
        return kind < TCG_VEC_NB_KINDS && __builtin_cpu_supports("avx") &&
               __builtin_cpu_supports("fma");
    }
    return true;    /* SSE2 is part of x86-64 */
}

/* [prefix] 0F opc with an xmm reg and a memory operand env/rsp + disp */
static void out_sse_mem(TCGContext *s, uint8_t prefix, int opc, int xmm, int base, int32_t disp)
{
    if (prefix) {
        out8(s, prefix);
    }
    emit_modrm_mem(s, opc | P_EXT, xmm, base, -1, 0, disp);
}

static void out_sse_reg(TCGContext *s, uint8_t prefix, int opc, int xmm, int rm)
{
    if (prefix) {
        out8(s, prefix);
    }
    emit_modrm(s, opc | P_EXT, xmm, rm);
}

/* xmm = the 16 bytes at env + off (MOVQ xmm, m64; MOVHPS xmm, m64) */
static void out_load_slot(TCGContext *s, int xmm, int32_t off)
{
    out_sse_mem(s, 0xf3, 0x7e, xmm, tcg_target_env_reg, off);
    out_sse_mem(s, 0, 0x16, xmm, tcg_target_env_reg, off + 8);
}

/* xmm = hi:lo from two general registers (MOVQ xmm, r64; PUNPCKLQDQ) */
static void out_load_pair(TCGContext *s, int xmm, int lo, int hi)
{
    out_sse_reg(s, 0x66, 0x6e | P_REXW, xmm, lo);
    out_sse_reg(s, 0x66, 0x6e | P_REXW, XMM6, hi);
    out_sse_reg(s, 0x66, 0x6c, xmm, XMM6);
}

static void patch_rel8(uint8_t *jump_end, TCGContext *s)
{
    jump_end[-1] = (uint8_t)(s->code_ptr - jump_end);
}

/*
 * Denormal operands: the x86 result is the host's, but the caller tracks the
 * denormal flag (DE) itself in env (sse_helper.c drops the host's DE when it
 * collects the pending flags). Which lanes' denormals raise DE depends on the
 * op and the other operands (a NaN or a zero divisor takes precedence), which
 * the host instruction knows: when an operand may be denormal, the op runs
 * once more with the host's DE cleared first, and the caller's flag is set
 * when the host sets DE; reading MXCSR is slow, so only then.
 * The test: with a = |x| as an integer (IEEE 754 binary32/64 layout), x is
 * denormal when 1 <= a < 2^23 (binary32; 2^52 for binary64), so when the
 * unsigned a - 1 is below 2^23. Adding 2^31 (2^63) maps unsigned order to
 * signed order, and a - 1 + 2^31 = a + 0x7fffffff, so per lane
 *   denormal or a = 2^23  <=>  0x80800000 > a + 0x7fffffff   (signed),
 * one PAND, one PADD and one PCMPGT per operand; the smallest normal
 * (a = 2^23, 2^52) also matches, which only costs the MXCSR round trip.
 * The constants: the absolute-value mask (also the addend), then the limit.
 */
static const uint64_t denormal_consts[2][4] __attribute__((aligned(16))) = {
    { 0x7fffffff7fffffffull, 0x7fffffff7fffffffull, 0x8080000080800000ull, 0x8080000080800000ull },
    { 0x7fffffffffffffffull, 0x7fffffffffffffffull, 0x8010000000000000ull, 0x8010000000000000ull },
};
/* MOVMSKPS/MOVMSKPD bits of the lanes that count: PS, PD, SS, SD */
static const uint8_t denormal_lanes[4] = { 0xf, 0x3, 0x1, 0x1 };

/* xmm6 |= (per lane) "xmm is denormal" (xmm6 = when first); base holds
 * &denormal_consts[double]; xmm3, xmm4 scratch */
static void out_denormal_test(TCGContext *s, int xmm, bool dbl, int base, bool first)
{
    out_sse_reg(s, 0x66, 0x6f, XMM3, xmm);                     /* MOVDQA xmm3, x */
    out_sse_mem(s, 0x66, 0xdb, XMM3, base, 0);                 /* PAND: a */
    out_sse_mem(s, 0x66, dbl ? 0xd4 : 0xfe, XMM3, base, 0);    /* PADDQ/PADDD */
    out_sse_mem(s, 0x66, 0x6f, first ? XMM6 : XMM4, base, 16); /* MOVDQA limit */
    int to = first ? XMM6 : XMM4;
    if (dbl) {
        out8(s, 0x66);                                         /* PCMPGTQ (SSE4.2) */
        out8(s, 0x0f);
        out8(s, 0x38);
        out8(s, 0x37);
        out8(s, 0xc0 | (to << 3) | XMM3);
    } else {
        out_sse_reg(s, 0x66, 0x66, to, XMM3);                  /* PCMPGTD */
    }
    if (!first) {
        out_sse_reg(s, 0x66, 0xeb, XMM6, XMM4);                /* POR */
    }
}

/* jumps (rel8, patched by the caller) when an operand that counts may be
 * denormal: xmm0 (unless first is 1), xmm1, and xmm2 when count is 3 */
static uint8_t *out_denormal_check(TCGContext *s, unsigned form, int first, int count,
                                   int scratch)
{
    bool dbl = form == TCG_VEC_PD || form == TCG_VEC_SD;
    tcg_target_out_movi(s, TCG_TYPE_I64, scratch, (int64_t)(uintptr_t)denormal_consts[dbl]);
    for (int x = first; x < count; x++) {
        out_denormal_test(s, x, dbl, scratch, x == first);
    }
    out_sse_reg(s, dbl ? 0x66 : 0, 0x50, scratch, XMM6);       /* MOVMSKPS/PD r32 */
    emit_modrm(s, OPC_GRP3, 0, scratch);                       /* TEST r32, imm32 */
    out32(s, denormal_lanes[form]);
    out8(s, OPC_JCC_short + JCC_JNE);
    out8(s, 0);
    return s->code_ptr;
}

/* VFMxxx xmm0, xmm1, xmm2 (SDM vol. 2, VFMADD132PD...: VEX.128.66.0F38.W0/W1,
 * opcode 96-9F + 16 * order, low nibble by variant and packed/scalar) */
static void out_fma(TCGContext *s, unsigned kind)
{
    unsigned n = kind - TCG_VEC_FMA_BASE, form = n % 4, order = (n / 4) % 3;
    unsigned variant = n / 12;
    static const uint8_t variant_low[TCG_VEC_NB_FMAS] = { 8, 0xa, 0xc, 0xe, 6, 7 };
    bool dbl = form == TCG_VEC_PD || form == TCG_VEC_SD;
    bool scalar = form == TCG_VEC_SS || form == TCG_VEC_SD;
    out8(s, 0xc4);
    out8(s, 0xe2);                              /* R X B set (inverted), map 0F38 */
    out8(s, (dbl ? 0x80 : 0) | 0x71);           /* W, vvvv = ~1 (xmm1), L = 0, pp = 66 */
    out8(s, 0x90 + 16 * order + variant_low[variant] + (scalar ? 1 : 0));
    out8(s, 0xc0 | (XMM0 << 3) | XMM2);
}

enum { MXCSR_SLOT = -8, HOST_MXCSR_DE = 0x02 };

/* STMXCSR/LDMXCSR [rsp - 8] (SDM vol. 2: 0F AE /3, /2) */
static void out_mxcsr_slot(TCGContext *s, int subop)
{
    emit_modrm_mem(s, 0xae | P_EXT, subop, REG_RSP, -1, 0, MXCSR_SLOT);
}

/* host MXCSR.DE cleared, MXCSR left in the slot with DE clear */
static void out_clear_host_de(TCGContext *s)
{
    out_mxcsr_slot(s, 3);                                      /* STMXCSR */
    emit_modrm_mem(s, 0x80, 4, REG_RSP, -1, 0, MXCSR_SLOT);    /* AND m8, imm8 */
    out8(s, (uint8_t)~HOST_MXCSR_DE);
    out_mxcsr_slot(s, 2);                                      /* LDMXCSR */
}

/* the op itself: xmm0 = xmm0 OP xmm1 (FMA: of xmm0, xmm1, xmm2) */
static void out_float_body(TCGContext *s, unsigned kind)
{
    if (kind >= TCG_VEC_FMA_BASE) {
        out_fma(s, kind);
    } else {
        out_sse_reg(s, form_prefix[kind % 4], fop_opcode[kind / 4], XMM0, XMM1);
    }
}

/*
 * The float op on loaded operands, after out_denormal_check's jump (to_maybe):
 * the op; or, when an operand may be denormal, the op between a clear and a
 * read of the host's DE, ORing flag_mask into env + flag_off when it is set
 * (and clearing it again). Then the result to dst.
 */
static void out_float_op(TCGContext *s, unsigned kind, int32_t dst, uint8_t *to_maybe,
                         int32_t flag_off, uint8_t flag_mask)
{
    out_float_body(s, kind);
    out8(s, OPC_JMP_short);
    out8(s, 0);
    uint8_t *to_store = s->code_ptr;
    patch_rel8(to_maybe, s);
    out_clear_host_de(s);
    out_float_body(s, kind);
    out_mxcsr_slot(s, 3);                                      /* STMXCSR */
    emit_modrm_mem(s, 0xf6, 0, REG_RSP, -1, 0, MXCSR_SLOT);    /* TEST m8, imm8 */
    out8(s, HOST_MXCSR_DE);
    out8(s, OPC_JCC_short + JCC_JE);
    out8(s, 0);
    uint8_t *no_de = s->code_ptr;
    emit_modrm_mem(s, 0x80, 1, tcg_target_env_reg, -1, 0, flag_off);  /* OR m8, imm8 */
    out8(s, flag_mask);
    out_clear_host_de(s);
    patch_rel8(no_de, s);
    patch_rel8(to_store, s);
    out_sse_mem(s, 0xf3, 0x7f, XMM0, tcg_target_env_reg, dst);    /* MOVDQU m128, xmm0 */
}

/* args: out, lo, hi, kind (TCG_VEC_CARG), dst, src0, src1, src2 */
void tcg_target_out_vec(TCGContext *s, const TCGArg *args, const bool *is_const)
{
    unsigned kind = TCG_VEC_CARG_KIND(args[3]);
    int32_t flag_off = TCG_VEC_CARG_FLAG_OFF(args[3]);
    uint8_t flag_mask = TCG_VEC_CARG_FLAG_MASK(args[3]);
    int32_t dst = (int32_t)args[4], src0 = (int32_t)args[5];
    int32_t src1 = (int32_t)args[6], src2 = (int32_t)args[7];
    int out = (int)args[0];     /* free once the inputs are read */
    bool fma = kind >= TCG_VEC_FMA_BASE && kind < TCG_VEC_INT_BASE;
    int second = fma ? XMM2 : XMM1;
    (void)is_const;             /* the constraint asks for registers */
    if (src2 < 0) {
        out_load_pair(s, second, (int)args[1], (int)args[2]);
    } else {
        out_load_slot(s, second, src2);
    }
    if (fma) {
        out_load_slot(s, XMM0, src0);
        out_load_slot(s, XMM1, src1);
        uint8_t *to_maybe = out_denormal_check(s, (kind - TCG_VEC_FMA_BASE) % 4, 0, 3, out);
        out_float_op(s, kind, dst, to_maybe, flag_off, flag_mask);
    } else if (kind >= TCG_VEC_INT_BASE) {
        out_load_slot(s, XMM0, src1);
        out_int_op(s, kind);
        out_sse_mem(s, 0xf3, 0x7f, XMM0, tcg_target_env_reg, dst);    /* MOVDQU m128, xmm0 */
    } else {
        out_load_slot(s, XMM0, src1);
        bool sqrt = kind / 4 == TCG_VEC_FSQRT;
        uint8_t *to_maybe = out_denormal_check(s, kind % 4, sqrt ? 1 : 0, 2, out);
        out_float_op(s, kind, dst, to_maybe, flag_off, flag_mask);
    }
    tcg_target_out_movi(s, TCG_TYPE_I32, out, 0);
}
