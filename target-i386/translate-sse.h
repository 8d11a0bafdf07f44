/*
 * Internal interface between the SSE translator files: translate-sse.c (the
 * 0F map, SSE..SSSE3 and MMX, the operand access below) and translate-sse4.c
 * (SSE4.1, SSE4.2, AES-NI, PCLMULQDQ, CRC32 and MOVBE in the 0F 38 / 0F 3A
 * maps). A table entry (SSEOp) names its generator; gen_sse looks it up and
 * checks the CPUID feature the entry needs (#UD when the model lacks it).
 */
#ifndef TARGET_I386_TRANSLATE_SSE_H
#define TARGET_I386_TRANSLATE_SSE_H

#include "target-i386/translate.h"

/* The mandatory prefix selecting the instruction (SDM vol. 2A, 2.1.2: F2/F3
 * take precedence over 66). */
enum { PREFIX_INDEX_NONE, PREFIX_INDEX_66, PREFIX_INDEX_F3, PREFIX_INDEX_F2, PREFIX_INDEX_COUNT };

/* The r/m operand when it is in memory. */
enum {
    MEM_NONE,          /* register form only: memory raises #UD */
    MEM_32,            /* scalar single / doubleword */
    MEM_64,            /* scalar double / quadword / half of a register */
    MEM_128,           /* unaligned 128-bit (MOVUPS, MOVDQU) */
    MEM_128_ALIGNED,   /* 128-bit, #GP(0) unless 16-byte aligned (legacy SSE rule) */
    MEM_16,            /* word (PMOVSXBQ, PMOVZXBQ) */
};

typedef struct SSEOp SSEOp;
typedef bool SSEGenerator(DisasContext *s, const SSEOp *op);

struct SSEOp {
    SSEGenerator *gen;     /* NULL: not an instruction we implement */
    void *helper;          /* for the generic generators */
    uint8_t mem;           /* MEM_*: size and alignment of a memory r/m operand */
    uint8_t arg;           /* generator-specific: inline operation, lane width, ... */
    uint8_t mmx;           /* MMX_*: which operands are MMX registers */
    uint8_t feature;       /* X86_FEAT_* bit number + 1 the model must have; 0: none */
};

/* MMX entries (SDM vol. 1, 9.5.1: which forms switch the x87 unit to MMX use) */
enum {
    MMX_NONE,        /* XMM operands only */
    MMX_REGS,        /* the vector operands are MMX registers: TOP = 0, tags valid */
    MMX_MIXED,       /* one MMX and one XMM register (MOVQ2DQ, CVTPS2PI, ...) */
    MMX_MIXED_RM,    /* CVTPI2PS/PD: the transition only with an MMX register source */
    MMX_EMMS,        /* EMMS: no ModRM, all tags empty */
};

/* one 64-bit half of xmm_regs[reg] */
void gen_load_xmm_half(DisasContext *s, TCGv dst, int reg, int half);
void gen_store_xmm_half(DisasContext *s, TCGv val, int reg, int half);
/* pointer to xmm_regs[reg], for helpers (the caller frees it) */
TCGv gen_xmm_pointer(DisasContext *s, int reg);
/* address of the memory r/m operand in a local temp the caller frees;
 * MEM_128_ALIGNED checks the alignment (#GP(0)) */
TCGv gen_memory_address(DisasContext *s, int mem);
/* the same with #GP(0) unless the address is a multiple of align (0: none) */
TCGv gen_checked_address(DisasContext *s, unsigned align);
void gen_load_memory(DisasContext *s, TCGv addr, int mem, TCGv lo, TCGv hi);
/* the r/m operand as two halves (register: all 128 bits; memory: op->mem
 * bytes, zero-extended); false (#UD) for memory with MEM_NONE */
bool gen_load_source(DisasContext *s, const SSEOp *op, TCGv lo, TCGv hi);
/* generic generators: helper(xmm1, source) and helper(xmm1, source, imm8) */
bool gen_int_helper(DisasContext *s, const SSEOp *op);
bool gen_imm_helper(DisasContext *s, const SSEOp *op);

/* translate-vec.c: the float arithmetic entry inline through the IR's vector
 * ops; false (nothing emitted) when it cannot be */
bool gen_vec_float(DisasContext *s, const SSEOp *op);
/* translate-vec.c: a gen_int_helper (imm false) or gen_imm_helper (true) entry
 * inline through the IR's vector ops; false (nothing emitted) when it cannot be */
bool gen_vec_int(DisasContext *s, const SSEOp *op, bool imm);
/* translate-vec.c: an FMA3 instruction inline (see there); false (nothing
 * emitted) when it cannot be */
bool gen_vec_fma(DisasContext *s, unsigned variant, unsigned order, bool dbl, bool scalar,
                 bool wide, int d, int a, int b);

/* the entry of opcode (as for gen_sse) for the mandatory-prefix index
 * (PREFIX_INDEX_*, numbered as VEX.pp), NULL when none (translate-vex.c) */
const SSEOp *sse_table_entry(unsigned opcode, int prefix);

/* translate-sse4.c: the entry of 0F 38 xx / 0F 3A xx (opcode as for gen_sse)
 * for the mandatory-prefix index, NULL when none */
const SSEOp *sse4_lookup(unsigned opcode, int prefix_index);

#endif
