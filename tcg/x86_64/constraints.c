/*
 * Operand constraints of the x86-64 back end: which registers each op's values
 * may live in, which inputs may be immediates, and which outputs must share the
 * register of an input (x86's two-operand forms).
 */
#include "tcg/tcg-backend.h"
#include "tcg/x86_64/encode.h"

#define ALL (0xffffu & ~(1u << REG_RSP))
#define R(r) (1u << (r))

#define REG       { .regs = ALL }
#define REG_IMM   { .regs = ALL, .imm = TCG_IMM_S32 }
#define SAME_AS(i) { .regs = ALL, .alias = (i) + 1 }
#define NEW_REG   { .regs = ALL, .new_reg = true }

/* out = in0 (the register of input 0 is reused), in1 register or imm32 */
static const TCGOpConstraint c_binary_alias = { { SAME_AS(0) }, { REG, REG_IMM } };
/* out, in0 any register (lea form), in1 register or imm32 */
static const TCGOpConstraint c_add = { { REG }, { REG, REG_IMM } };
/* out, in: mov then operate on out */
static const TCGOpConstraint c_unary = { { REG }, { REG } };
static const TCGOpConstraint c_unary_2 = { { REG }, { REG, REG } };
static const TCGOpConstraint c_andc = { { NEW_REG }, { REG, REG } };
/* x86 shifts take their count in cl */
static const TCGOpConstraint c_shift = {
    { { .regs = ALL & ~R(REG_RCX), .alias = 1 } },
    { { .regs = ALL & ~R(REG_RCX) }, { .regs = R(REG_RCX), .imm = TCG_IMM_ANY } },
};
/* one-operand MUL/IMUL: rdx:rax = rax * src; DIV/IDIV: rax, rdx = quotient,
 * remainder of rax (extended into rdx first) / src */
static const TCGOpConstraint c_mul2 = {
    { { .regs = R(REG_RAX), .alias = 1 }, { .regs = R(REG_RDX) } },
    { { .regs = R(REG_RAX) }, { .regs = ALL & ~(R(REG_RAX) | R(REG_RDX)) } },
};
static const TCGOpConstraint c_deposit = { { SAME_AS(0) }, { REG, REG } };
static const TCGOpConstraint c_count_zeros = { { NEW_REG }, { REG, REG } };
static const TCGOpConstraint c_setcond = { { REG }, { REG, REG_IMM } };
/* out = v2 first, then cmov from v1 */
static const TCGOpConstraint c_movcond = { { SAME_AS(3) }, { REG, REG_IMM, REG, REG } };
static const TCGOpConstraint c_brcond = { { REG }, { REG, REG_IMM } };
static const TCGOpConstraint c_load = { { REG }, { REG } };
static const TCGOpConstraint c_store = { { REG }, { REG_IMM, REG } };
static const TCGOpConstraint c_store_reg = { { REG }, { REG, REG } };
/* guest accesses with a folded index register: [addr + index * scale] */
static const TCGOpConstraint c_load_ix = { { REG }, { REG, REG } };
static const TCGOpConstraint c_store_ix = { { REG }, { REG_IMM, REG, REG } };
static const TCGOpConstraint c_store_ix_reg = { { REG }, { REG, REG, REG } };
static const TCGOpConstraint c_goto_ptr = { { REG }, { REG } };
static const TCGOpConstraint c_none = { { REG }, { REG } };
/* out written after the inputs are read */
static const TCGOpConstraint c_vec = { { REG }, { REG, REG } };

const TCGOpConstraint *tcg_target_op_constraint(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_add:
        return &c_add;
    case INDEX_op_add_shl:
        return &c_unary_2;
    case INDEX_op_sub: case INDEX_op_mul: case INDEX_op_and: case INDEX_op_or:
    case INDEX_op_xor:
        return &c_binary_alias;
    case INDEX_op_andc:
        return &c_andc;
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr:
        return &c_shift;
    case INDEX_op_mulu2: case INDEX_op_muls2: case INDEX_op_divu2: case INDEX_op_divs2:
        return &c_mul2;
    case INDEX_op_deposit:
        return &c_deposit;
    case INDEX_op_clz: case INDEX_op_ctz:
        return &c_count_zeros;
    case INDEX_op_setcond:
        return &c_setcond;
    case INDEX_op_movcond:
        return &c_movcond;
    case INDEX_op_brcond:
        return &c_brcond;
    case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_ld16u: case INDEX_op_ld16s:
    case INDEX_op_ld32u: case INDEX_op_ld32s: case INDEX_op_ld:
        return &c_load;
    case INDEX_op_qemu_ld:
        return op->nb_iargs == 2 ? &c_load_ix : &c_load;
    case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32: case INDEX_op_st:
        return &c_store;
    case INDEX_op_qemu_st:
        /* a byte-swapped constant might not fit an imm32 any more */
        if (op->nb_iargs == 3) {
            return (op->args[3] & MO_BSWAP) ? &c_store_ix_reg : &c_store_ix;
        }
        return (op->args[2] & MO_BSWAP) ? &c_store_reg : &c_store;
    case INDEX_op_goto_ptr:
        return &c_goto_ptr;
    case INDEX_op_vec:
        return &c_vec;
    case INDEX_op_neg: case INDEX_op_not:
    case INDEX_op_ext8s: case INDEX_op_ext8u: case INDEX_op_ext16s: case INDEX_op_ext16u:
    case INDEX_op_ext32s: case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32: case INDEX_op_extrh_i64_i32:
    case INDEX_op_extu_i32_i64: case INDEX_op_exts_i32_i64:
    case INDEX_op_extract: case INDEX_op_sextract:
    case INDEX_op_bswap16: case INDEX_op_bswap32: case INDEX_op_bswap64:
    case INDEX_op_ctpop:
        return &c_unary;
    default:
        return &c_none;
    }
}
