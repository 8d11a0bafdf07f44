/*
 * Internal interface between translate-vex.c (the VEX prefix decoder, its
 * table, the moves/logic/lane operations and the VEX forms of SSE operations)
 * and translate-avx.c (the AVX2, FMA3 and F16C instructions and the rest of
 * the AVX table that go through C helpers: avx_helper.h).
 */
#ifndef TARGET_I386_TRANSLATE_VEX_H
#define TARGET_I386_TRANSLATE_VEX_H

#include "target-i386/translate-sse.h"

/* the fields of the VEX prefix (inverted ones already complemented) */
typedef struct Vex {
    unsigned map;      /* 1: 0F, 2: 0F 38, 3: 0F 3A */
    unsigned pp;       /* implied prefix: 0 none, 1 66, 2 F3, 3 F2 */
    unsigned l;        /* VEX.L: 256-bit vectors */
    unsigned w;        /* VEX.W */
    unsigned vvvv;     /* the extra register operand */
    unsigned opcode;   /* as gen_sse numbers it: 0x0Fxx, 0x0F38xx, 0x0F3Axx */
} Vex;

typedef bool VexGenerator(DisasContext *s, const Vex *v, unsigned arg);

typedef struct VexOp {
    VexGenerator *gen;
    uint8_t arg;
    uint8_t feature;   /* X86_FEAT_* + 1; 0: none */
    bool l0;           /* VEX.L = 1 raises #UD (the LZ forms) */
    bool no_vvvv;      /* VEX.vvvv other than 1111 raises #UD */
    uint8_t feature256;   /* the VEX.256 form's feature (AVX2 ones), 0: the same */
} VexOp;

/* translate-avx.c: the entry for map/opcode/pp when translate-vex.c's table
 * has none (NULL: #UD) */
const VexOp *avx_table_entry(unsigned map, unsigned opcode, unsigned pp);

/* translate-vex.c: YMM quadword q (0-3) of register reg; registers 16-18 are
 * vex_scratch (quadwords 0-1 only) */
void gen_load_quad(DisasContext *s, TCGv dst, int reg, int quad);
void gen_store_quad(DisasContext *s, TCGv val, int reg, int quad);
/* a VEX.128 destination (v->l == 0): bits 255:128 of reg become zero */
void gen_zero_upper(DisasContext *s, const Vex *v, int reg);
/* the memory operand's address in a local temp the caller frees; aligned:
 * #GP(0) unless a multiple of bytes */
TCGv gen_vex_address(DisasContext *s, unsigned bytes, bool aligned);
/* dst = addr + quad * 8, wrapped to the address size */
void gen_quad_address(DisasContext *s, TCGv dst, TCGv addr, int quad);
/* the VEX form of the SSE operation in sse_table_entry (flags VSSE_*) */
bool gen_vex_sse(DisasContext *s, const Vex *v, unsigned arg);

#endif
