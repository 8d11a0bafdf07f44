/*
 * Generators for the SSE4.1, SSE4.2, AES-NI, PCLMULQDQ, SHA, CRC32 and ADX
 * instructions (Intel SDM vol. 2, opcode map tables A-4 "0F 38 xx" and A-5
 * "0F 3A xx"; legacy-SSE m128 operands must be 16-byte aligned except the
 * PCMPxSTRx ones). The translated side runs the default model, which has
 * them; each group needs the host to have them too.
 */
#include "gen.h"

enum Sse4Form {
    XMM_RM,        /* reg = xmm, r/m = xmm or memory */
    XMM_RM_IMM,    /* the same with imm8 */
    GPR_XMM_IMM,   /* PEXTRx/EXTRACTPS: r/m = general register (written) or memory */
    XMM_GPR_IMM,   /* PINSRx: r/m = general register or memory (read) */
    GPR_RM,        /* CRC32, ADCX/ADOX: reg = general register (written) */
};

typedef struct Sse4Op {
    uint8_t prefix;      /* mandatory prefix (0: none) */
    uint8_t map;         /* 0x38 or 0x3a */
    uint8_t opcode;
    uint8_t form;
    uint8_t mem_size;    /* 16, 8, 4, 2 or 1 */
    bool unaligned;
    bool rex_w;          /* 64-bit only form */
    uint16_t flags;      /* flags it defines (FLAG_*) */
} Sse4Op;

#define R38(op, mem) { 0x66, 0x38, op, XMM_RM, mem, (mem) < 16, false, 0 }
#define I3A(op, mem) { 0x66, 0x3a, op, XMM_RM_IMM, mem, (mem) < 16, false, 0 }

static const Sse4Op int_ops[] = {
    R38(0x00, 16), R38(0x01, 16), R38(0x02, 16), R38(0x03, 16),   /* SSSE3: PSHUFB PHADDW/D/SW */
    R38(0x04, 16), R38(0x05, 16), R38(0x06, 16), R38(0x07, 16),   /* PMADDUBSW PHSUBW/D/SW */
    R38(0x08, 16), R38(0x09, 16), R38(0x0a, 16), R38(0x0b, 16),   /* PSIGNB/W/D PMULHRSW */
    R38(0x1c, 16), R38(0x1d, 16), R38(0x1e, 16),                  /* PABSB/W/D */
    R38(0x20, 8), R38(0x21, 4), R38(0x22, 2), R38(0x23, 8), R38(0x24, 4), R38(0x25, 8),
    R38(0x30, 8), R38(0x31, 4), R38(0x32, 2), R38(0x33, 8), R38(0x34, 4), R38(0x35, 8),
    R38(0x28, 16), R38(0x29, 16), R38(0x2b, 16), R38(0x37, 16),   /* PMULDQ PCMPEQQ PACKUSDW PCMPGTQ */
    R38(0x38, 16), R38(0x39, 16), R38(0x3a, 16), R38(0x3b, 16),   /* PMINSB/SD/UW/UD */
    R38(0x3c, 16), R38(0x3d, 16), R38(0x3e, 16), R38(0x3f, 16),   /* PMAXSB/SD/UW/UD */
    R38(0x40, 16), R38(0x41, 16), R38(0x10, 16), R38(0x14, 16), R38(0x15, 16),
    { 0x66, 0x38, 0x17, XMM_RM, 16, false, false, FLAGS_ARITH },  /* PTEST */
    I3A(0x0c, 16), I3A(0x0d, 16), I3A(0x0e, 16), I3A(0x42, 16),   /* BLENDPS/PD PBLENDW MPSADBW */
    I3A(0x21, 4),                                                 /* INSERTPS */
    { 0x66, 0x3a, 0x14, GPR_XMM_IMM, 1, true, false, 0 },         /* PEXTRB */
    { 0x66, 0x3a, 0x15, GPR_XMM_IMM, 2, true, false, 0 },         /* PEXTRW */
    { 0x66, 0x3a, 0x16, GPR_XMM_IMM, 4, true, false, 0 },         /* PEXTRD */
    { 0x66, 0x3a, 0x16, GPR_XMM_IMM, 8, true, true, 0 },          /* PEXTRQ */
    { 0x66, 0x3a, 0x17, GPR_XMM_IMM, 4, true, false, 0 },         /* EXTRACTPS */
    { 0x66, 0x3a, 0x20, XMM_GPR_IMM, 1, true, false, 0 },         /* PINSRB */
    { 0x66, 0x3a, 0x22, XMM_GPR_IMM, 4, true, false, 0 },         /* PINSRD */
    { 0x66, 0x3a, 0x22, XMM_GPR_IMM, 8, true, true, 0 },          /* PINSRQ */
};
static const Sse4Op float_ops[] = {
    I3A(0x08, 16), I3A(0x09, 16), I3A(0x0a, 4), I3A(0x0b, 8),     /* ROUNDPS/PD/SS/SD */
    I3A(0x40, 16), I3A(0x41, 16),                                 /* DPPS, DPPD */
};
static const Sse4Op string_ops[] = {
    { 0x66, 0x3a, 0x60, XMM_RM_IMM, 16, true, false, FLAGS_ARITH },   /* PCMPESTRM */
    { 0x66, 0x3a, 0x61, XMM_RM_IMM, 16, true, false, FLAGS_ARITH },   /* PCMPESTRI */
    { 0x66, 0x3a, 0x62, XMM_RM_IMM, 16, true, false, FLAGS_ARITH },   /* PCMPISTRM */
    { 0x66, 0x3a, 0x63, XMM_RM_IMM, 16, true, false, FLAGS_ARITH },   /* PCMPISTRI */
    { 0xf2, 0x38, 0xf0, GPR_RM, 1, true, false, 0 },                  /* CRC32 r32, r/m8 */
    { 0xf2, 0x38, 0xf1, GPR_RM, 4, true, false, 0 },                  /* CRC32 r32, r/m32 */
    { 0xf2, 0x38, 0xf1, GPR_RM, 8, true, true, 0 },                   /* CRC32 r64, r/m64 */
};
static const Sse4Op crypto_ops[] = {
    R38(0xdb, 16), R38(0xdc, 16), R38(0xdd, 16), R38(0xde, 16), R38(0xdf, 16),   /* AES */
    I3A(0xdf, 16), I3A(0x44, 16),                                 /* AESKEYGENASSIST PCLMULQDQ */
    { 0, 0x38, 0xc8, XMM_RM, 16, false, false, 0 }, { 0, 0x38, 0xc9, XMM_RM, 16, false, false, 0 },
    { 0, 0x38, 0xca, XMM_RM, 16, false, false, 0 }, { 0, 0x38, 0xcb, XMM_RM, 16, false, false, 0 },
    { 0, 0x38, 0xcc, XMM_RM, 16, false, false, 0 }, { 0, 0x38, 0xcd, XMM_RM, 16, false, false, 0 },
    { 0, 0x3a, 0xcc, XMM_RM_IMM, 16, false, false, 0 },           /* SHA1RNDS4 */
};
static const Sse4Op adx_ops[] = {
    { 0x66, 0x38, 0xf6, GPR_RM, 4, true, false, FLAG_CF },        /* ADCX */
    { 0x66, 0x38, 0xf6, GPR_RM, 8, true, true, FLAG_CF },
    { 0xf3, 0x38, 0xf6, GPR_RM, 4, true, false, FLAG_OF },        /* ADOX */
    { 0xf3, 0x38, 0xf6, GPR_RM, 8, true, true, FLAG_OF },
};

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

static int xmm_pick(Gen *g)
{
    return (int)rng_below(&g->rng, g->long_mode ? 16 : 8);
}

static void sse4_emit(Gen *g, const Sse4Op *op)
{
    Enc e;
    enc_init(&e);
    if (op->prefix) {
        enc_prefix(&e, op->prefix);
    }
    enc_opcode(&e, 3, 0x0f, op->map, op->opcode);
    e.rex_w = op->rex_w;
    bool use_mem = rng_below(&g->rng, 2);
    int rm_reg;
    switch (op->form) {
    case XMM_RM:
    case XMM_RM_IMM:
        e.reg = xmm_pick(g);
        rm_reg = xmm_pick(g);
        break;
    case GPR_XMM_IMM:
        e.reg = xmm_pick(g);
        rm_reg = reg_free(g);
        break;
    case XMM_GPR_IMM:
        e.reg = xmm_pick(g);
        rm_reg = reg_any(g);
        break;
    default:
        e.reg = reg_free(g);
        rm_reg = reg_any(g);
        break;
    }
    e.rm = use_mem ? mem_operand(g, op->mem_size, op->unaligned ? 1 : op->mem_size)
                   : reg_operand(rm_reg);
    if (op->form == XMM_RM_IMM || op->form == GPR_XMM_IMM || op->form == XMM_GPR_IMM) {
        e.imm = rng_below(&g->rng, 256);
        e.imm_size = 1;
    }
    if (op->flags == FLAG_CF || op->flags == FLAG_OF) {
        need_flags(g, op->flags);        /* ADCX/ADOX read the flag they write */
    }
    encode(g, &e);
    if (op->flags) {
        flags_update(g, op->flags, 0);
    }
}

static void sse4_pick(Gen *g, const Sse4Op *ops, unsigned n)
{
    for (;;) {
        const Sse4Op *op = &ops[rng_below(&g->rng, n)];
        if (op->rex_w && !g->long_mode) {
            continue;
        }
        sse4_emit(g, op);
        return;
    }
}

static void gen_sse4_int(Gen *g)    { sse4_pick(g, int_ops, COUNT(int_ops)); }
static void gen_sse4_float(Gen *g)  { sse4_pick(g, float_ops, COUNT(float_ops)); }
static void gen_sse42(Gen *g)       { sse4_pick(g, string_ops, COUNT(string_ops)); }
static void gen_crypto(Gen *g)      { sse4_pick(g, crypto_ops, COUNT(crypto_ops)); }
static void gen_adx(Gen *g)         { sse4_pick(g, adx_ops, COUNT(adx_ops)); }

static const GroupDef sse4_groups[] = {
    { { "sse4-int", true, false, FEATURE_SSE42 }, gen_sse4_int },
    { { "sse4-float", true, false, FEATURE_SSE42 }, gen_sse4_float },
    { { "sse42-string", true, false, FEATURE_SSE42 }, gen_sse42 },
    { { "aes-clmul-sha", true, false, FEATURE_CRYPTO }, gen_crypto },
    { { "adx", true, false, FEATURE_ADX }, gen_adx },
};

const GroupTable sse4_group_table = { sse4_groups, COUNT(sse4_groups) };
