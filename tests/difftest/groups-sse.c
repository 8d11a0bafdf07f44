/*
 * Generators for SSE2 integer instructions on xmm registers (Intel SDM vol. 2,
 * opcode map table A-3 "66 0F xx"; alignment rules from vol. 1, 11.6.7:
 * legacy SSE m128 operands must be 16-byte aligned, except MOVDQU).
 */
#include "gen.h"

enum SseForm {
    XMM_RM,        /* reg = xmm, r/m = xmm or memory */
    XMM_RM_IMM,    /* the same with imm8 */
    XMM_GPR,       /* reg = xmm, r/m = general register or memory (read) */
    GPR_XMM_ST,    /* reg = xmm, r/m = general register (written) or memory */
    GPR_XMM,       /* reg = general register (written), r/m = xmm register */
    XMM_GPR_IMM,   /* PINSRW: reg = xmm, r/m = general register or m16, imm8 */
    XMM_SHIFT_IMM, /* 71/72/73 /digit ib, r/m = xmm register */
    XMM_MEM,       /* reg = xmm, r/m = memory only */
    XMM_REG,       /* reg = xmm, r/m = xmm register only */
};

typedef struct SseOp {
    uint8_t prefix;      /* mandatory prefix: 66, F3 or F2 (0: none) */
    uint8_t opcode;      /* after 0F */
    uint8_t form;
    uint8_t mem_size;    /* 16, 8, 4 or 2 */
    uint8_t digit;       /* /digit for XMM_SHIFT_IMM */
    bool unaligned;      /* memory operand needs no alignment */
    bool rex_w;          /* 64-bit GPR form (64-bit mode only) */
    bool has_imm;
} SseOp;

#define OP(op) { 0x66, op, XMM_RM, 16, 0, false, false, false }

static const SseOp arith_ops[] = {
    OP(0xfc), OP(0xfd), OP(0xfe), OP(0xd4),      /* PADDB/W/D/Q */
    OP(0xf8), OP(0xf9), OP(0xfa), OP(0xfb),      /* PSUBB/W/D/Q */
    OP(0xec), OP(0xed), OP(0xdc), OP(0xdd),      /* PADDSB/SW, PADDUSB/USW */
    OP(0xe8), OP(0xe9), OP(0xd8), OP(0xd9),      /* PSUBSB/SW, PSUBUSB/USW */
    OP(0xd5), OP(0xe5), OP(0xe4), OP(0xf4),      /* PMULLW, PMULHW, PMULHUW, PMULUDQ */
    OP(0xf5), OP(0xe0), OP(0xe3), OP(0xf6),      /* PMADDWD, PAVGB, PAVGW, PSADBW */
    OP(0xde), OP(0xda), OP(0xee), OP(0xea),      /* PMAXUB, PMINUB, PMAXSW, PMINSW */
};
static const SseOp logic_ops[] = {
    OP(0xdb), OP(0xdf), OP(0xeb), OP(0xef),      /* PAND, PANDN, POR, PXOR */
};
static const SseOp compare_ops[] = {
    OP(0x74), OP(0x75), OP(0x76),                /* PCMPEQB/W/D */
    OP(0x64), OP(0x65), OP(0x66),                /* PCMPGTB/W/D */
};
static const SseOp shift_ops[] = {
    OP(0xd1), OP(0xd2), OP(0xd3),                /* PSRLW/D/Q by xmm/m128 */
    OP(0xe1), OP(0xe2),                          /* PSRAW/D */
    OP(0xf1), OP(0xf2), OP(0xf3),                /* PSLLW/D/Q */
    { 0x66, 0x71, XMM_SHIFT_IMM, 0, 2, false, false, true },   /* PSRLW imm */
    { 0x66, 0x71, XMM_SHIFT_IMM, 0, 4, false, false, true },   /* PSRAW imm */
    { 0x66, 0x71, XMM_SHIFT_IMM, 0, 6, false, false, true },   /* PSLLW imm */
    { 0x66, 0x72, XMM_SHIFT_IMM, 0, 2, false, false, true },   /* PSRLD imm */
    { 0x66, 0x72, XMM_SHIFT_IMM, 0, 4, false, false, true },   /* PSRAD imm */
    { 0x66, 0x72, XMM_SHIFT_IMM, 0, 6, false, false, true },   /* PSLLD imm */
    { 0x66, 0x73, XMM_SHIFT_IMM, 0, 2, false, false, true },   /* PSRLQ imm */
    { 0x66, 0x73, XMM_SHIFT_IMM, 0, 3, false, false, true },   /* PSRLDQ imm */
    { 0x66, 0x73, XMM_SHIFT_IMM, 0, 6, false, false, true },   /* PSLLQ imm */
    { 0x66, 0x73, XMM_SHIFT_IMM, 0, 7, false, false, true },   /* PSLLDQ imm */
};
static const SseOp unpack_ops[] = {
    OP(0x60), OP(0x61), OP(0x62), OP(0x6c),      /* PUNPCKLBW/WD/DQ/QDQ */
    OP(0x68), OP(0x69), OP(0x6a), OP(0x6d),      /* PUNPCKHBW/WD/DQ/QDQ */
    OP(0x63), OP(0x6b), OP(0x67),                /* PACKSSWB, PACKSSDW, PACKUSWB */
};
static const SseOp shuffle_ops[] = {
    { 0x66, 0x70, XMM_RM_IMM, 16, 0, false, false, true },     /* PSHUFD */
    { 0xf3, 0x70, XMM_RM_IMM, 16, 0, false, false, true },     /* PSHUFHW */
    { 0xf2, 0x70, XMM_RM_IMM, 16, 0, false, false, true },     /* PSHUFLW */
};
static const SseOp move_ops[] = {
    OP(0x6f), OP(0x7f),                                        /* MOVDQA load, store */
    { 0xf3, 0x6f, XMM_RM, 16, 0, true, false, false },         /* MOVDQU load */
    { 0xf3, 0x7f, XMM_RM, 16, 0, true, false, false },         /* MOVDQU store */
    { 0x66, 0x6e, XMM_GPR, 4, 0, true, false, false },         /* MOVD xmm, r/m32 */
    { 0x66, 0x6e, XMM_GPR, 8, 0, true, true, false },          /* MOVQ xmm, r/m64 */
    { 0x66, 0x7e, GPR_XMM_ST, 4, 0, true, false, false },      /* MOVD r/m32, xmm */
    { 0x66, 0x7e, GPR_XMM_ST, 8, 0, true, true, false },       /* MOVQ r/m64, xmm */
    { 0xf3, 0x7e, XMM_RM, 8, 0, true, false, false },          /* MOVQ xmm, xmm/m64 */
    { 0x66, 0xd6, XMM_RM, 8, 0, true, false, false },          /* MOVQ xmm/m64, xmm */
    { 0x66, 0xd7, GPR_XMM, 0, 0, false, false, false },        /* PMOVMSKB */
    { 0x66, 0xc5, GPR_XMM, 0, 0, false, false, true },         /* PEXTRW */
    { 0x66, 0xc4, XMM_GPR_IMM, 2, 0, true, false, true },      /* PINSRW */
    { 0x66, 0xe7, XMM_MEM, 16, 0, false, false, false },       /* MOVNTDQ m128, xmm */
};

/* the float-domain instructions that only move or combine bits (no rounding):
 * what compilers and the C library use for copies and zeroing */
#define PS(op) { 0x00, op, XMM_RM, 16, 0, false, false, false }
#define PD(op) { 0x66, op, XMM_RM, 16, 0, false, false, false }
static const SseOp bitwise_ops[] = {
    PS(0x54), PS(0x55), PS(0x56), PS(0x57),      /* ANDPS, ANDNPS, ORPS, XORPS */
    PD(0x54), PD(0x55), PD(0x56), PD(0x57),      /* ANDPD, ANDNPD, ORPD, XORPD */
    PS(0x28), PS(0x29), PD(0x28), PD(0x29),      /* MOVAPS, MOVAPD load/store */
    { 0x00, 0x10, XMM_RM, 16, 0, true, false, false },   /* MOVUPS load */
    { 0x00, 0x11, XMM_RM, 16, 0, true, false, false },   /* MOVUPS store */
    { 0x66, 0x10, XMM_RM, 16, 0, true, false, false },   /* MOVUPD load */
    { 0xf3, 0x10, XMM_RM, 4, 0, true, false, false },    /* MOVSS load */
    { 0xf3, 0x11, XMM_RM, 4, 0, true, false, false },    /* MOVSS store */
    { 0xf2, 0x10, XMM_RM, 8, 0, true, false, false },    /* MOVSD load */
    { 0xf2, 0x11, XMM_RM, 8, 0, true, false, false },    /* MOVSD store */
    PS(0x14), PS(0x15), PD(0x14), PD(0x15),      /* UNPCKLPS/HPS, UNPCKLPD/HPD */
    { 0x00, 0xc6, XMM_RM_IMM, 16, 0, false, false, true },   /* SHUFPS */
    { 0x66, 0xc6, XMM_RM_IMM, 16, 0, false, false, true },   /* SHUFPD */
    { 0x00, 0x12, XMM_MEM, 8, 0, true, false, false },   /* MOVLPS xmm, m64 */
    { 0x00, 0x13, XMM_MEM, 8, 0, true, false, false },   /* MOVLPS m64, xmm */
    { 0x00, 0x16, XMM_MEM, 8, 0, true, false, false },   /* MOVHPS xmm, m64 */
    { 0x00, 0x17, XMM_MEM, 8, 0, true, false, false },   /* MOVHPS m64, xmm */
    { 0x00, 0x12, XMM_REG, 0, 0, false, false, false },  /* MOVHLPS */
    { 0x00, 0x16, XMM_REG, 0, 0, false, false, false },  /* MOVLHPS */
};

/* SSE/SSE2 floating point: arithmetic under the default MXCSR (round to
 * nearest, exceptions masked), comparisons, conversions; the random bit
 * patterns give NaNs, infinities and denormals often */
#define SS(op) { 0xf3, op, XMM_RM, 4, 0, true, false, false }
#define SD(op) { 0xf2, op, XMM_RM, 8, 0, true, false, false }
static const SseOp float_ops[] = {
    PS(0x58), PS(0x5c), PS(0x59), PS(0x5e), PS(0x5d), PS(0x5f), PS(0x51),  /* ADD..SQRT PS */
    PD(0x58), PD(0x5c), PD(0x59), PD(0x5e), PD(0x5d), PD(0x5f), PD(0x51),  /* ... PD */
    SS(0x58), SS(0x5c), SS(0x59), SS(0x5e), SS(0x5d), SS(0x5f), SS(0x51),  /* ... SS */
    SD(0x58), SD(0x5c), SD(0x59), SD(0x5e), SD(0x5d), SD(0x5f), SD(0x51),  /* ... SD */
    { 0x00, 0xc2, XMM_RM_IMM, 16, 0, false, false, true },   /* CMPPS (imm 0-7 used) */
    { 0x66, 0xc2, XMM_RM_IMM, 16, 0, false, false, true },   /* CMPPD */
    PS(0x5b), PD(0x5b), { 0xf3, 0x5b, XMM_RM, 16, 0, false, false, false },  /* CVT(T)DQ/PS */
    PS(0x5a), PD(0x5a), SS(0x5a), SD(0x5a),                 /* CVTPS2PD, CVTPD2PS, CVTSS2SD.. */
    { 0xf3, 0xe6, XMM_RM, 8, 0, true, false, false },       /* CVTDQ2PD */
    { 0x66, 0xe6, XMM_RM, 16, 0, false, false, false },     /* CVTTPD2DQ */
    { 0xf2, 0xe6, XMM_RM, 16, 0, false, false, false },     /* CVTPD2DQ */
};

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

static int xmm_pick(Gen *g)
{
    return (int)rng_below(&g->rng, g->long_mode ? 16 : 8);
}

static Operand sse_memory(Gen *g, const SseOp *op, bool misalign)
{
    unsigned align = op->unaligned ? 1 : op->mem_size;
    Operand m = mem_operand(g, op->mem_size, align);
    if (misalign) {
        /* the same form one to fifteen bytes off: #GP for aligned-only operands */
        unsigned delta = 1 + (unsigned)rng_below(&g->rng, 15);
        m.disp += (int32_t)delta;
        m.target += delta;
        if (m.disp_size == 0) {
            m.disp_size = 1;
        }
        if (m.disp_size == 1 && (m.disp > 127 || m.disp < -128)) {
            m.disp_size = 4;
        }
    }
    return m;
}

static void sse_emit(Gen *g, const SseOp *op, bool misalign)
{
    Enc e;
    enc_init(&e);
    if (op->prefix) {
        enc_prefix(&e, op->prefix);
    }
    enc_opcode(&e, 2, 0x0f, op->opcode, 0);
    e.rex_w = op->rex_w;
    bool use_mem = misalign || (op->mem_size && rng_below(&g->rng, 2));
    switch (op->form) {
    case XMM_RM:
    case XMM_RM_IMM:
        e.reg = xmm_pick(g);
        e.rm = use_mem ? sse_memory(g, op, misalign) : reg_operand(xmm_pick(g));
        break;
    case XMM_MEM:
        e.reg = xmm_pick(g);
        e.rm = sse_memory(g, op, misalign);
        break;
    case XMM_REG:
        e.reg = xmm_pick(g);
        e.rm = reg_operand(xmm_pick(g));
        break;
    case XMM_GPR:
    case XMM_GPR_IMM:
        e.reg = xmm_pick(g);
        e.rm = use_mem ? sse_memory(g, op, false) : reg_operand(reg_any(g));
        break;
    case GPR_XMM_ST:
        e.reg = xmm_pick(g);
        e.rm = use_mem ? sse_memory(g, op, false) : reg_operand(reg_free(g));
        break;
    case GPR_XMM:
        e.reg = reg_free(g);
        e.rm = reg_operand(xmm_pick(g));
        break;
    default:
        e.reg = op->digit;
        e.rm = reg_operand(xmm_pick(g));
        break;
    }
    if (op->has_imm) {
        e.imm = rng_below(&g->rng, 4) ? rng_below(&g->rng, 256) : rng_below(&g->rng, 20);
        e.imm_size = 1;
    }
    encode(g, &e);
}

static void sse_pick(Gen *g, const SseOp *ops, unsigned n)
{
    for (;;) {
        const SseOp *op = &ops[rng_below(&g->rng, n)];
        if (op->rex_w && !g->long_mode) {
            continue;
        }
        sse_emit(g, op, false);
        return;
    }
}

static void gen_sse_arith(Gen *g)   { sse_pick(g, arith_ops, COUNT(arith_ops)); }
static void gen_sse_logic(Gen *g)   { sse_pick(g, logic_ops, COUNT(logic_ops)); }
static void gen_sse_compare(Gen *g) { sse_pick(g, compare_ops, COUNT(compare_ops)); }
static void gen_sse_shift(Gen *g)   { sse_pick(g, shift_ops, COUNT(shift_ops)); }
static void gen_sse_unpack(Gen *g)  { sse_pick(g, unpack_ops, COUNT(unpack_ops)); }
static void gen_sse_shuffle(Gen *g) { sse_pick(g, shuffle_ops, COUNT(shuffle_ops)); }
/* MASKMOVDQU 66 0F F7: stores the bytes of xmm1 whose mask byte in xmm2 has its
 * top bit set to [rDI] (rDI is loaded with a scratch address first) */
static void gen_maskmov(Gen *g)
{
    emit_mov_imm32(g, RDI, scratch_address(g, 16, 1, 0x100));
    Enc e;
    enc_init(&e);
    enc_prefix(&e, 0x66);
    enc_opcode(&e, 2, 0x0f, 0xf7, 0);
    e.reg = xmm_pick(g);
    e.rm = reg_operand(xmm_pick(g));
    encode(g, &e);
}

static void gen_sse_move(Gen *g)    { sse_pick(g, move_ops, COUNT(move_ops)); }
static void gen_sse_bitwise(Gen *g) { sse_pick(g, bitwise_ops, COUNT(bitwise_ops)); }

/* COMISS/UCOMISS/COMISD/UCOMISD set ZF, PF, CF and clear OF, SF, AF */
static void gen_sse_compare_flags(Gen *g)
{
    Enc e;
    enc_init(&e);
    bool is_double = rng_below(&g->rng, 2);
    if (is_double) {
        enc_prefix(&e, 0x66);
    }
    enc_opcode(&e, 2, 0x0f, rng_below(&g->rng, 2) ? 0x2e : 0x2f, 0);
    e.reg = xmm_pick(g);
    e.rm = rng_below(&g->rng, 2) ? mem_operand(g, is_double ? 8 : 4, 1) : reg_operand(xmm_pick(g));
    encode(g, &e);
    flags_update(g, FLAGS_ARITH, 0);
}

/* CVTSI2SS/SD (F3/F2 0F 2A) from a general register or memory, CVT(T)SS2SI and
 * CVT(T)SD2SI (F3/F2 0F 2C/2D) into a general register; 32 or 64 bits */
static void gen_sse_convert_gpr(Gen *g)
{
    Enc e;
    enc_init(&e);
    bool is_double = rng_below(&g->rng, 2);
    enc_prefix(&e, is_double ? 0xf2 : 0xf3);
    e.rex_w = g->long_mode && rng_below(&g->rng, 2);
    unsigned op = (unsigned)rng_below(&g->rng, 3);
    enc_opcode(&e, 2, 0x0f, (uint8_t)(0x2a + (op ? op + 1 : 0)), 0);
    if (op == 0) {
        e.reg = xmm_pick(g);
        e.rm = rm_operand(g, e.rex_w ? 8 : 4, false);
    } else {
        e.reg = reg_free(g);
        e.rm = rng_below(&g->rng, 2) ? mem_operand(g, is_double ? 8 : 4, 1)
                                     : reg_operand(xmm_pick(g));
    }
    encode(g, &e);
}

static void gen_sse_float(Gen *g)
{
    switch (rng_below(&g->rng, 6)) {
    case 0:
        gen_sse_compare_flags(g);
        break;
    case 1:
        gen_sse_convert_gpr(g);
        break;
    default:
        sse_pick(g, float_ops, COUNT(float_ops));
        break;
    }
}

/* MOV m32, imm32 then LDMXCSR m32 (0F AE /2): a new rounding mode, DAZ or FZ
 * (half the time the default controls) in the middle of a block, so that the
 * ops after it run under the new MXCSR (the controls are in the block key);
 * the exceptions stay masked, the flags are kept as they were drawn */
static void gen_sse_ldmxcsr(Gen *g)
{
    Operand m = mem_operand(g, 4, 4);
    uint64_t r = rng_next(&g->rng);
    uint32_t value = 0x1f80 | ((uint32_t)(r >> 8) & 0x3f);
    if (r & 1) {
        value |= (uint32_t)(r >> 1 & 3) << 13 | ((r & 8) ? 0x40 : 0) | ((r & 16) ? 0x8000 : 0);
    }
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, 0xc7, 0, 0);
    e.reg = 0;
    e.rm = m;
    e.imm = value;
    e.imm_size = 4;
    encode(g, &e);
    enc_init(&e);
    enc_opcode(&e, 2, 0x0f, 0xae, 0);
    e.reg = 2;
    e.rm = m;
    encode(g, &e);
}

/* the float group with LDMXCSR now and then (sse-float-mxcsr below) */
static void gen_sse_float_mxcsr(Gen *g)
{
    if (rng_below(&g->rng, 6) == 0) {
        gen_sse_ldmxcsr(g);
    } else {
        gen_sse_float(g);
    }
}

/* a misaligned m128 operand of an aligned-only instruction: #GP on both sides */
static void gen_sse_align(Gen *g)
{
    sse_emit(g, &arith_ops[rng_below(&g->rng, COUNT(arith_ops))], true);
}

static const GroupDef sse_groups[] = {
    { { "sse-arith", true, false }, gen_sse_arith },
    { { "sse-logic", true, false }, gen_sse_logic },
    { { "sse-compare", true, false }, gen_sse_compare },
    { { "sse-shift", true, false }, gen_sse_shift },
    { { "sse-unpack", true, false }, gen_sse_unpack },
    { { "sse-shuffle", true, false }, gen_sse_shuffle },
    { { "sse-move", true, false }, gen_sse_move },
    { { "sse-maskmov", true, false }, gen_maskmov },
    { { "sse-bitwise", true, false }, gen_sse_bitwise },
    { { "sse-float", true, false }, gen_sse_float },
    { { "sse-align", true, false }, gen_sse_align },
    /* the float group again from the AVX groups' initial state (FEATURE_AVX2:
     * the native glue loads MXCSR only on such hosts): a random MXCSR
     * (rounding, DAZ, FTZ, sticky flags) and xmm values rich in NaNs,
     * denormals and boundary numbers; MXCSR is compared at the end, which
     * checks the inline arithmetic's flags (DE included) and its fallback;
     * with LDMXCSR between the ops */
    { { "sse-float-mxcsr", true, false, FEATURE_AVX2 }, gen_sse_float_mxcsr },
};

const GroupTable sse_group_table = { sse_groups, COUNT(sse_groups) };
