/*
 * What a host back end provides to the portable translator. The generic register
 * allocator (tcg/regalloc.c) decides where values live; the back end describes
 * its registers and the operand constraints of each op, and emits instructions
 * for ops whose operands are already in registers or are immediates.
 *
 * A back end lives in its own folder (tcg/x86_64/) and is the only code that
 * knows the host instruction set.
 */
#ifndef TCG_TCG_BACKEND_H
#define TCG_TCG_BACKEND_H

#include "tcg/tcg-internal.h"

/* Immediate kinds an input may accept instead of a register. */
enum {
    TCG_IMM_NONE = 0,
    TCG_IMM_S32,       /* fits the op's sign-extended 32-bit immediate */
    TCG_IMM_ANY,       /* any value (the back end copes) */
};

typedef struct TCGArgConstraint {
    uint32_t regs;     /* allowed host registers */
    uint8_t alias;     /* outputs only: 1 + index of the input it must share a register with */
    uint8_t imm;       /* inputs only: TCG_IMM_* */
    bool new_reg;      /* outputs only: must not share a register with any input */
} TCGArgConstraint;

typedef struct TCGOpConstraint {
    TCGArgConstraint out[2];
    TCGArgConstraint in[4];
} TCGOpConstraint;

/* Registers: */
#define TCG_TARGET_NB_REGS 16
extern const int tcg_target_reg_alloc_order[];
extern const int tcg_target_reg_alloc_order_count;
extern const uint32_t tcg_target_call_clobbered_regs;
extern const int tcg_target_call_arg_regs[TCG_MAX_CALL_ARGS];
extern const int tcg_target_call_ret_reg;
extern const int tcg_target_env_reg;          /* holds env for the whole block */
extern const int tcg_target_guest_base_reg;   /* holds guest_base when it is reserved */
extern const int tcg_target_frame_reg;        /* spill slots are relative to it */
extern const intptr_t tcg_target_frame_start; /* offset of spill slot 0 */
extern const char *const tcg_target_reg_names[TCG_TARGET_NB_REGS];
/* Scratch registers of the inline TLB probe, kept out of allocation in softmmu mode. */
extern const uint32_t tcg_target_softmmu_reserved_regs;

/* Emits the prologue and epilogue at s->code_ptr; sets s->prologue and
 * s->epilogue_return0. */
void tcg_target_emit_prologue(TCGContext *s);
/* Whether guest_base needs its own register (else addresses use it as displacement). */
bool tcg_target_guest_base_needs_reg(uintptr_t guest_base);

/* Constraints of op (may depend on its constant arguments). */
const TCGOpConstraint *tcg_target_op_constraint(const TCGOp *op);
bool tcg_target_deposit_valid(TCGType type, unsigned pos, unsigned len);
bool tcg_target_const_match(TCGType type, int64_t value, int imm_kind);

/* Moves between registers, constants and memory (base register + offset). */
void tcg_target_out_mov(TCGContext *s, TCGType type, int dst, int src);
void tcg_target_out_movi(TCGContext *s, TCGType type, int dst, int64_t value);
void tcg_target_out_ld(TCGContext *s, TCGType type, int dst, int base, intptr_t offset);
void tcg_target_out_st(TCGContext *s, TCGType type, int src, int base, intptr_t offset);
/* Stores a constant without a register; false when the host cannot. */
bool tcg_target_out_sti(TCGContext *s, TCGType type, int64_t value, int base, intptr_t offset);

/* Emits op. regs[i] holds, for value argument i (outputs then inputs), its host
 * register, or its value when is_const[i]; constant args follow unchanged. */
void tcg_target_out_op(TCGContext *s, const TCGOp *op, const TCGArg *args, const bool *is_const);
/* Vector ops (tcg/vec.h): whether kind is emitted inline, and its code. */
bool tcg_target_has_vec(TCGContext *s, unsigned kind);
void tcg_target_out_vec(TCGContext *s, const TCGArg *args, const bool *is_const);
void tcg_target_out_call(TCGContext *s, const void *func);
/* A filler instruction of one byte. */
void tcg_target_out_nop(TCGContext *s);
/* Softmmu: the TLB-miss paths of the block's guest accesses, after its code. */
#define TCG_MAX_SLOW_PATHS 256
void tcg_target_out_slow_paths(TCGContext *s);
/* Resolves a label reference recorded by the back end (s->relocs). */
void tcg_target_patch_reloc(TCGContext *s, uint8_t *patch_ptr, const uint8_t *target);

/* Shared with the back end: records that the rel32 at patch_offset refers to label. */
void tcg_add_reloc(TCGContext *s, int label, uint32_t patch_offset);
static inline uint32_t tcg_code_offset(TCGContext *s)
{
    return (uint32_t)(s->code_ptr - s->code_block_start);
}

#endif
