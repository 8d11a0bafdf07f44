/*
 * x86-64 instruction encoding for the back end (Intel SDM vol. 2A, 2.1 "Instruction
 * format" and 2.2.1 "REX prefixes"). Only what the back end emits.
 */
#ifndef TCG_X86_64_ENCODE_H
#define TCG_X86_64_ENCODE_H

#include <string.h>
#include "tcg/tcg-internal.h"

enum {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* Opcode flags, or'ed with the opcode byte. */
#define P_EXT     0x100     /* 0x0f escape */
#define P_DATA16  0x200     /* 0x66 operand-size prefix */
#define P_REXW    0x400     /* 64-bit operand size */
#define P_REXB_R  0x800     /* reg field is a byte register (spl..dil need REX) */
#define P_REXB_RM 0x1000    /* r/m field is a byte register */
#define P_F3      0x2000    /* 0xf3 prefix (popcnt, lzcnt, tzcnt) */

/* ALU group 1 sub-opcodes (SDM 2A, "ADD", "OR", ... opcode /digit) */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
/* shift group 2 (C1 /digit, D3 /digit) */
enum { SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7 };
/* group 3 (F7 /digit) */
enum { GRP3_NOT = 2, GRP3_NEG = 3, GRP3_MUL = 4, GRP3_IMUL = 5, GRP3_DIV = 6, GRP3_IDIV = 7 };

#define OPC_MOVB_EvGv   0x88
#define OPC_MOVL_EvGv   0x89
#define OPC_MOVL_GvEv   0x8b
#define OPC_MOVB_EvIz   0xc6
#define OPC_MOVL_EvIz   0xc7
#define OPC_LEA         0x8d
#define OPC_MOVZBL      (0xb6 | P_EXT)
#define OPC_MOVZWL      (0xb7 | P_EXT)
#define OPC_MOVSBL      (0xbe | P_EXT)
#define OPC_MOVSWL      (0xbf | P_EXT)
#define OPC_MOVSLQ      (0x63 | P_REXW)
#define OPC_IMUL_GvEv   (0xaf | P_EXT)
#define OPC_IMUL_GvEvIb 0x6b
#define OPC_IMUL_GvEvIz 0x69
#define OPC_GRP3        0xf7
#define OPC_SHIFT_Ib    0xc1
#define OPC_SHIFT_CL    0xd3
#define OPC_TEST        0x85
#define OPC_SETCC       (0x90 | P_EXT | P_REXB_RM)
#define OPC_CMOVCC      (0x40 | P_EXT)
#define OPC_JCC_long    (0x80 | P_EXT)
#define OPC_JCC_short   0x70
#define OPC_JMP_long    0xe9
#define OPC_JMP_short   0xeb
#define OPC_CALL_Jz     0xe8
#define OPC_GRP5        0xff
#define OPC_BSWAP       (0xc8 | P_EXT)
#define OPC_BSF         (0xbc | P_EXT)
#define OPC_BSR         (0xbd | P_EXT)
#define OPC_TZCNT       (0xbc | P_EXT | P_F3)
#define OPC_LZCNT       (0xbd | P_EXT | P_F3)
#define OPC_POPCNT      (0xb8 | P_EXT | P_F3)
#define EXT5_CALLN      2
#define EXT5_JMPN       4

/* x86 condition codes (SDM 2A, appendix B.1.4.7) */
enum {
    JCC_JO = 0, JCC_JB = 2, JCC_JAE = 3, JCC_JE = 4, JCC_JNE = 5, JCC_JBE = 6, JCC_JA = 7,
    JCC_JL = 0xc, JCC_JGE = 0xd, JCC_JLE = 0xe, JCC_JG = 0xf,
};

static inline void out8(TCGContext *s, uint8_t v) { *s->code_ptr++ = v; }
static inline void out16(TCGContext *s, uint16_t v) { memcpy(s->code_ptr, &v, 2); s->code_ptr += 2; }
static inline void out32(TCGContext *s, uint32_t v) { memcpy(s->code_ptr, &v, 4); s->code_ptr += 4; }
static inline void out64(TCGContext *s, uint64_t v) { memcpy(s->code_ptr, &v, 8); s->code_ptr += 8; }

/* Prefixes, REX and opcode bytes; r, rm, index are register numbers (or 0). */
static inline void emit_opc(TCGContext *s, int opc, int r, int rm, int index)
{
    if (opc & P_DATA16) {
        out8(s, 0x66);
    }
    if (opc & P_F3) {
        out8(s, 0xf3);
    }
    int rex = ((opc & P_REXW) ? 8 : 0) | ((r & 8) >> 1) | ((index & 8) >> 2) | ((rm & 8) >> 3);
    if (rex || ((opc & P_REXB_R) && r >= 4) || ((opc & P_REXB_RM) && rm >= 4)) {
        out8(s, 0x40 | rex);
    }
    if (opc & P_EXT) {
        out8(s, 0x0f);
    }
    out8(s, opc & 0xff);
}

/* register-direct operand: ModRM mod = 11 */
static inline void emit_modrm(TCGContext *s, int opc, int r, int rm)
{
    emit_opc(s, opc, r, rm, 0);
    out8(s, 0xc0 | ((r & 7) << 3) | (rm & 7));
}

/* memory operand [base + index * (1 << shift) + disp]; index < 0 for none */
static inline void emit_modrm_mem(TCGContext *s, int opc, int r, int base, int index,
                                  int shift, int32_t disp)
{
    emit_opc(s, opc, r, base, index < 0 ? 0 : index);
    int mod = 0x80;
    if (disp == 0 && (base & 7) != REG_RBP) {
        mod = 0;
    } else if (disp == (int8_t)disp) {
        mod = 0x40;
    }
    if (index < 0 && (base & 7) != REG_RSP) {
        out8(s, mod | ((r & 7) << 3) | (base & 7));
    } else {
        int idx = index < 0 ? REG_RSP : index;
        out8(s, mod | ((r & 7) << 3) | 4);
        out8(s, (shift << 6) | ((idx & 7) << 3) | (base & 7));
    }
    if (mod == 0x40) {
        out8(s, (uint8_t)disp);
    } else if (mod == 0x80) {
        out32(s, (uint32_t)disp);
    }
}

#define HOST_HAS_LZCNT 0x1
#define HOST_HAS_BMI1  0x2

static inline int rexw_of(TCGType type) { return type == TCG_TYPE_I64 ? P_REXW : 0; }

static inline void out_push(TCGContext *s, int r) { emit_opc(s, 0x50 + (r & 7), 0, r, 0); }
static inline void out_pop(TCGContext *s, int r) { emit_opc(s, 0x58 + (r & 7), 0, r, 0); }

static inline void out_arithi(TCGContext *s, int subop, int rexw, int r, int32_t imm)
{
    if (imm == (int8_t)imm) {
        emit_modrm(s, 0x83 | rexw, subop, r);
        out8(s, (uint8_t)imm);
    } else {
        emit_modrm(s, 0x81 | rexw, subop, r);
        out32(s, (uint32_t)imm);
    }
}

static inline void out_arithr(TCGContext *s, int subop, int rexw, int dst, int src)
{
    emit_modrm(s, ((subop << 3) + 3) | rexw, dst, src);
}

/* The epilogue's entry that returns the value already in rax. */
static inline const uint8_t *epilogue_after_zero(TCGContext *s)
{
    return (const uint8_t *)s->epilogue_return0 + 2;
}

static inline void out_jmp_to(TCGContext *s, const uint8_t *target)
{
    out8(s, OPC_JMP_long);
    out32(s, (uint32_t)(int32_t)(target - (s->code_ptr + 4)));
}

#endif
