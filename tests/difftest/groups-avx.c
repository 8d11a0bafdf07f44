/*
 * Generators for the AVX/AVX2/FMA3/F16C instructions (Intel SDM vol. 2,
 * appendix A, tables with VEX): permutes, shifts, FMA3, the
 * floating-point forms under a random MXCSR, masked moves and gathers. The
 * initial states of these groups carry random YMM upper halves and MXCSR
 * (generate.c), both compared at the end (main.c); the translated side runs
 * a -cpu max,+avx,+avx2,+fma,+f16c model. VEX memory operands need no
 * alignment (SDM vol. 2A, 2.5) except VMOVNTDQ's, which these groups avoid.
 */
#include "gen.h"

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

enum AvxForm {
    F_RVM,      /* reg = op(vvvv, r/m) */
    F_RM,       /* reg = op(r/m), vvvv 1111 */
    F_RVMI,     /* reg = op(vvvv, r/m, imm8) */
    F_RMI,      /* reg = op(r/m, imm8) */
    F_SHIFT_I,  /* vvvv = op(r/m register, imm8), ModRM.reg = /digit */
    F_RVMR,     /* reg = op(vvvv, r/m, register imm8[7:4]) */
    F_MEM_RVM,  /* reg = op(vvvv, memory): masked loads */
    F_MEM_MVR,  /* memory = op(vvvv, reg): masked stores */
    F_MEM_RM,   /* reg = op(memory), vvvv 1111 (VBROADCASTI128) */
    F_STORE_I,  /* r/m = op(reg, imm8): VCVTPS2PH, VEXTRACTI128 */
    F_GATHER,   /* reg = gather(VSIB memory), vvvv = mask */
};
enum { L_ANY, L_0, L_1 };
enum { W_0, W_1, W_ANY };
/* memory operand bytes: the vector's, half of it, a quarter, an eighth, or fixed */
enum { M_VEC = 0, M_HALF = 100, M_QUARTER, M_EIGHTH };

typedef struct AvxOp {
    uint8_t map, opcode, form, l, w;
    uint8_t mem;       /* M_* or a byte count */
    uint8_t digit;     /* F_SHIFT_I */
    uint8_t pp;        /* default 66 */
} AvxOp;

#define P2(op, form, l, w, mem) { 2, op, form, l, w, mem, 0, 1 }
#define P3(op, form, l, w, mem) { 3, op, form, l, w, mem, 0, 1 }
#define P1(op, form, l, w, mem) { 1, op, form, l, w, mem, 0, 1 }

static const AvxOp perm_ops[] = {
    P2(0x36, F_RVM, L_1, W_0, M_VEC), P2(0x16, F_RVM, L_1, W_0, M_VEC),      /* VPERMD VPERMPS */
    P3(0x00, F_RMI, L_1, W_1, M_VEC), P3(0x01, F_RMI, L_1, W_1, M_VEC),      /* VPERMQ VPERMPD */
    P2(0x0c, F_RVM, L_ANY, W_0, M_VEC), P2(0x0d, F_RVM, L_ANY, W_0, M_VEC),  /* VPERMILPS/PD */
    P3(0x04, F_RMI, L_ANY, W_0, M_VEC), P3(0x05, F_RMI, L_ANY, W_0, M_VEC),
    P3(0x06, F_RVMI, L_1, W_0, M_VEC), P3(0x46, F_RVMI, L_1, W_0, M_VEC),    /* VPERM2F/I128 */
    P3(0x02, F_RVMI, L_ANY, W_0, M_VEC),                                     /* VPBLENDD */
    P3(0x0c, F_RVMI, L_ANY, W_0, M_VEC), P3(0x0d, F_RVMI, L_ANY, W_0, M_VEC), /* VBLENDPS/PD */
    P1(0xc6, F_RVMI, L_ANY, W_0, M_VEC),                                     /* VSHUFPD */
    P3(0x42, F_RVMI, L_ANY, W_0, M_VEC),                                     /* VMPSADBW */
    P3(0x4a, F_RVMR, L_ANY, W_0, M_VEC), P3(0x4b, F_RVMR, L_ANY, W_0, M_VEC), /* VBLENDVPS/PD */
    P3(0x4c, F_RVMR, L_ANY, W_0, M_VEC),                                     /* VPBLENDVB */
    P2(0x78, F_RM, L_ANY, W_0, 1), P2(0x79, F_RM, L_ANY, W_0, 2),            /* VPBROADCASTB/W */
    P2(0x58, F_RM, L_ANY, W_0, 4), P2(0x59, F_RM, L_ANY, W_0, 8),            /* VPBROADCASTD/Q */
    P2(0x5a, F_MEM_RM, L_1, W_0, 16),                                        /* VBROADCASTI128 */
    P2(0x20, F_RM, L_ANY, W_0, M_HALF), P2(0x21, F_RM, L_ANY, W_0, M_QUARTER),
    P2(0x22, F_RM, L_ANY, W_0, M_EIGHTH), P2(0x23, F_RM, L_ANY, W_0, M_HALF),
    P2(0x24, F_RM, L_ANY, W_0, M_QUARTER), P2(0x25, F_RM, L_ANY, W_0, M_HALF),
    P2(0x30, F_RM, L_ANY, W_0, M_HALF), P2(0x31, F_RM, L_ANY, W_0, M_QUARTER),
    P2(0x32, F_RM, L_ANY, W_0, M_EIGHTH), P2(0x33, F_RM, L_ANY, W_0, M_HALF),
    P2(0x34, F_RM, L_ANY, W_0, M_QUARTER), P2(0x35, F_RM, L_ANY, W_0, M_HALF),
    P3(0x38, F_RVMI, L_1, W_0, 16), P3(0x39, F_STORE_I, L_1, W_0, 16),       /* VINSERTI128 VEXTRACTI128 */
    P2(0x17, F_RM, L_ANY, W_0, M_VEC),                                       /* VPTEST */
    P2(0x0e, F_RM, L_ANY, W_0, M_VEC), P2(0x0f, F_RM, L_ANY, W_0, M_VEC),    /* VTESTPS/PD */
};

#define SHIFT_I(op, digit) { 1, op, F_SHIFT_I, L_ANY, W_0, 0, digit, 1 }
static const AvxOp shift_ops[] = {
    P2(0x45, F_RVM, L_ANY, W_ANY, M_VEC), P2(0x47, F_RVM, L_ANY, W_ANY, M_VEC), /* VPSRLVD/Q VPSLLVD/Q */
    P2(0x46, F_RVM, L_ANY, W_0, M_VEC),                                      /* VPSRAVD */
    P1(0xd1, F_RVM, L_ANY, W_0, 16), P1(0xd2, F_RVM, L_ANY, W_0, 16),        /* VPSRLW/D/Q xmm */
    P1(0xd3, F_RVM, L_ANY, W_0, 16), P1(0xe1, F_RVM, L_ANY, W_0, 16),
    P1(0xe2, F_RVM, L_ANY, W_0, 16), P1(0xf1, F_RVM, L_ANY, W_0, 16),
    P1(0xf2, F_RVM, L_ANY, W_0, 16), P1(0xf3, F_RVM, L_ANY, W_0, 16),
    SHIFT_I(0x71, 2), SHIFT_I(0x71, 4), SHIFT_I(0x71, 6), SHIFT_I(0x72, 2), SHIFT_I(0x72, 4),
    SHIFT_I(0x72, 6), SHIFT_I(0x73, 2), SHIFT_I(0x73, 3), SHIFT_I(0x73, 6), SHIFT_I(0x73, 7),
};

/* FMA3: 96-9F, A6-AF, B6-BF; the odd ones from 99 on are scalar */
#define FMA(op) P2(op, F_RVM, L_ANY, W_ANY, M_VEC)
static const AvxOp fma_ops[] = {
    FMA(0x96), FMA(0x97), FMA(0x98), FMA(0x99), FMA(0x9a), FMA(0x9b), FMA(0x9c), FMA(0x9d),
    FMA(0x9e), FMA(0x9f), FMA(0xa6), FMA(0xa7), FMA(0xa8), FMA(0xa9), FMA(0xaa), FMA(0xab),
    FMA(0xac), FMA(0xad), FMA(0xae), FMA(0xaf), FMA(0xb6), FMA(0xb7), FMA(0xb8), FMA(0xb9),
    FMA(0xba), FMA(0xbb), FMA(0xbc), FMA(0xbd), FMA(0xbe), FMA(0xbf),
};

#define PS1(op, form) { 1, op, form, L_ANY, W_0, M_VEC, 0, 0 }
static const AvxOp float_ops[] = {
    { 1, 0xc2, F_RVMI, L_ANY, W_0, M_VEC, 0, 0 }, P1(0xc2, F_RVMI, L_ANY, W_0, M_VEC), /* VCMPPS/PD */
    { 1, 0xc2, F_RVMI, L_ANY, W_0, 4, 0, 2 }, { 1, 0xc2, F_RVMI, L_ANY, W_0, 8, 0, 3 }, /* VCMPSS/SD */
    { 1, 0x5a, F_RM, L_ANY, W_0, M_HALF, 0, 0 }, P1(0x5a, F_RM, L_ANY, W_0, M_VEC),  /* VCVTPS2PD PD2PS */
    { 1, 0xe6, F_RM, L_ANY, W_0, M_HALF, 0, 2 }, P1(0xe6, F_RM, L_ANY, W_0, M_VEC),  /* VCVTDQ2PD TPD2DQ */
    { 1, 0xe6, F_RM, L_ANY, W_0, M_VEC, 0, 3 },                                     /* VCVTPD2DQ */
    P2(0x13, F_RM, L_ANY, W_0, M_HALF), P3(0x1d, F_STORE_I, L_ANY, W_0, M_HALF),   /* F16C */
    PS1(0x58, F_RVM), PS1(0x59, F_RVM), PS1(0x5c, F_RVM), PS1(0x5e, F_RVM),         /* VADDPS.. */
    PS1(0x5d, F_RVM), PS1(0x5f, F_RVM), PS1(0x51, F_RM), PS1(0x5b, F_RM),
    P1(0x58, F_RVM, L_ANY, W_0, M_VEC), P1(0x59, F_RVM, L_ANY, W_0, M_VEC),         /* VADDPD.. */
    P1(0x5e, F_RVM, L_ANY, W_0, M_VEC), P1(0x51, F_RM, L_ANY, W_0, M_VEC),
    { 1, 0x58, F_RVM, L_ANY, W_0, 4, 0, 2 }, { 1, 0x59, F_RVM, L_ANY, W_0, 8, 0, 3 }, /* VADDSS VMULSD */
    { 1, 0x51, F_RVM, L_ANY, W_0, 8, 0, 3 }, { 1, 0x5a, F_RVM, L_ANY, W_0, 4, 0, 2 }, /* VSQRTSD VCVTSS2SD */
    { 1, 0x10, F_RVM, L_0, W_0, 0, 0, 2 }, { 1, 0x10, F_RVM, L_0, W_0, 0, 0, 3 },   /* VMOVSS/SD reg */
    P1(0xd0, F_RVM, L_ANY, W_0, M_VEC), P1(0x7c, F_RVM, L_ANY, W_0, M_VEC),         /* VADDSUBPD VHADDPD */
    P3(0x08, F_RMI, L_ANY, W_0, M_VEC), P3(0x40, F_RVMI, L_ANY, W_0, M_VEC),        /* VROUNDPS VDPPS */
};

static const AvxOp mask_ops[] = {
    P2(0x2c, F_MEM_RVM, L_ANY, W_0, M_VEC), P2(0x2d, F_MEM_RVM, L_ANY, W_0, M_VEC),
    P2(0x2e, F_MEM_MVR, L_ANY, W_0, M_VEC), P2(0x2f, F_MEM_MVR, L_ANY, W_0, M_VEC),
    P2(0x8c, F_MEM_RVM, L_ANY, W_ANY, M_VEC), P2(0x8e, F_MEM_MVR, L_ANY, W_ANY, M_VEC),
};

static const AvxOp gather_ops[] = {
    P2(0x90, F_GATHER, L_ANY, W_ANY, 0), P2(0x91, F_GATHER, L_ANY, W_ANY, 0),
    P2(0x92, F_GATHER, L_ANY, W_ANY, 0), P2(0x93, F_GATHER, L_ANY, W_ANY, 0),
};

static int vec_pick(Gen *g)
{
    return (int)rng_below(&g->rng, g->long_mode ? 16 : 8);
}

static unsigned mem_size(const AvxOp *op, bool l)
{
    unsigned vec = l ? 32 : 16;
    switch (op->mem) {
    case M_VEC: return vec;
    case M_HALF: return vec / 2;
    case M_QUARTER: return vec / 4;
    case M_EIGHTH: return vec / 8;
    default: return op->mem;
    }
}

/* VPSRLD/VPSRLQ vec, vec, imm8 (VEX.128/256 66 0F 72/73 /2): brings a gather's
 * index register into 0..127, so that base + index * 8 + disp stays in the
 * scratch area (the fixed bases have 0x800 bytes after them) */
static void emit_index_bound(Gen *g, int vec, bool qword, bool l)
{
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, qword ? 0x73 : 0x72, 0, 0);
    e.reg = 2;
    e.rm = reg_operand(vec);
    e.imm = qword ? 57 : 25;
    e.imm_size = 1;
    encode_vex(g, &e, 1, 1, l, false, vec);
}

static void gather_emit(Gen *g, const AvxOp *op, bool l, bool w)
{
    bool qindex = op->opcode & 1;
    int dest = vec_pick(g), mask = vec_pick(g), index = vec_pick(g);
    if (rng_below(&g->rng, 16) != 0) {       /* distinct registers, but sometimes #UD */
        while (mask == dest) {
            mask = vec_pick(g);
        }
        while (index == dest || index == mask) {
            index = vec_pick(g);
        }
    }
    /* the index register in range (a fault's partial progress is
     * guest-avx-faults' subject: wild addresses could reach memory mapped
     * on one side only) */
    emit_index_bound(g, index, qindex, l);
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, op->opcode, 0, 0);
    e.reg = dest;
    Operand m = { .is_mem = true };
    int bases64[] = { RBX, RBP, R12, R13 }, bases32[] = { RBX, RBP };
    m.base = g->long_mode ? bases64[rng_below(&g->rng, 4)] : bases32[rng_below(&g->rng, 2)];
    m.index = index;
    m.scale = (int)rng_below(&g->rng, 4);
    m.disp = (int32_t)rng_below(&g->rng, 16);
    m.disp_size = m.disp ? 1 : 0;
    m.addr32 = false;
    e.rm = m;
    encode_vex(g, &e, 2, 1, l, w, mask);
}

static void avx_emit(Gen *g, const AvxOp *op)
{
    bool l = op->l == L_1 || (op->l == L_ANY && rng_below(&g->rng, 2));
    bool w = op->w == W_1 || (op->w == W_ANY && rng_below(&g->rng, 2));
    if (op->form == F_GATHER) {
        gather_emit(g, op, l, w);
        return;
    }
    bool mem_only = op->form == F_MEM_RVM || op->form == F_MEM_MVR || op->form == F_MEM_RM;
    bool use_mem = mem_only || (op->form != F_SHIFT_I && op->mem != 0 &&
                                rng_below(&g->rng, 3) == 0);
    Enc e;
    enc_init(&e);
    enc_opcode(&e, 1, op->opcode, 0, 0);
    e.reg = op->form == F_SHIFT_I ? op->digit : vec_pick(g);
    int vvvv = vec_pick(g);
    if (op->form == F_RM || op->form == F_RMI || op->form == F_MEM_RM || op->form == F_STORE_I) {
        vvvv = 0;
    }
    /* FMA scalar forms and the scalar float ones: VEX.L ignored, m32/m64 */
    unsigned size = mem_size(op, l);
    if (op->map == 2 && op->opcode >= 0x99 && (op->opcode & 15) >= 9 && (op->opcode & 1)) {
        size = w ? 8 : 4;
    }
    e.rm = use_mem ? mem_operand(g, size, 1) : reg_operand(vec_pick(g));
    if (op->form == F_RVMI || op->form == F_RMI || op->form == F_SHIFT_I ||
        op->form == F_STORE_I) {
        e.imm = rng_below(&g->rng, 256);
        e.imm_size = 1;
    } else if (op->form == F_RVMR) {
        e.imm = (uint64_t)vec_pick(g) << 4;
        e.imm_size = 1;
    }
    encode_vex(g, &e, op->map, op->pp, l, w, vvvv);
    if (op->map == 2 && (op->opcode == 0x17 || op->opcode == 0x0e || op->opcode == 0x0f)) {
        flags_update(g, FLAGS_ARITH, 0);     /* VPTEST/VTESTPx: ZF, CF; the rest 0 */
    }
}

static void avx_pick(Gen *g, const AvxOp *ops, unsigned n)
{
    avx_emit(g, &ops[rng_below(&g->rng, n)]);
}

static void gen_avx_perm(Gen *g)   { avx_pick(g, perm_ops, COUNT(perm_ops)); }
static void gen_avx_shift(Gen *g)  { avx_pick(g, shift_ops, COUNT(shift_ops)); }
static void gen_avx_fma(Gen *g)    { avx_pick(g, fma_ops, COUNT(fma_ops)); }
static void gen_avx_float(Gen *g)  { avx_pick(g, float_ops, COUNT(float_ops)); }
static void gen_avx_mask(Gen *g)   { avx_pick(g, mask_ops, COUNT(mask_ops)); }
static void gen_avx_gather(Gen *g) { avx_pick(g, gather_ops, COUNT(gather_ops)); }

static const GroupDef avx_groups[] = {
    { { "avx-perm", true, false, FEATURE_AVX2, NULL }, gen_avx_perm },
    { { "avx-shift", true, false, FEATURE_AVX2, NULL }, gen_avx_shift },
    { { "avx-fma", true, false, FEATURE_AVX2, NULL }, gen_avx_fma },
    { { "avx-float", true, false, FEATURE_AVX2, NULL }, gen_avx_float },
    { { "avx-mask", true, false, FEATURE_AVX2, NULL }, gen_avx_mask },
    { { "avx-gather", true, false, FEATURE_AVX2, NULL }, gen_avx_gather },
};

const GroupTable avx_group_table = { avx_groups, COUNT(avx_groups) };
