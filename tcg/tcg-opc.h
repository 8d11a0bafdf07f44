/*
 * The IR's opcodes, as an X-macro: DEF(name, outputs, inputs, constant args, flags).
 * Every op carries a type (TCG_TYPE_I32 or TCG_TYPE_I64) that gives the width of
 * its value operands; "ext*" and "extr*" ops name their widths explicitly.
 */
/* moves and constants */
DEF(mov,        1, 1, 0, 0)
/* arithmetic and logic, width from the op type */
DEF(add,        1, 2, 0, 0)
DEF(sub,        1, 2, 0, 0)
DEF(mul,        1, 2, 0, 0)
DEF(neg,        1, 1, 0, 0)
DEF(and,        1, 2, 0, 0)
DEF(or,         1, 2, 0, 0)
DEF(xor,        1, 2, 0, 0)
DEF(not,        1, 1, 0, 0)
DEF(andc,       1, 2, 0, 0)
/* shift counts are taken modulo the width */
DEF(shl,        1, 2, 0, 0)
DEF(shr,        1, 2, 0, 0)
DEF(sar,        1, 2, 0, 0)
DEF(rotl,       1, 2, 0, 0)
DEF(rotr,       1, 2, 0, 0)
/* double-width products: out lo, out hi, in a, in b */
DEF(mulu2,      2, 2, 0, 0)
DEF(muls2,      2, 2, 0, 0)
/* quotient and remainder (truncated) of a / b: out q, out r, in a, in b; the
 * front end has made sure b != 0 and, signed, not INT_MIN / -1 */
DEF(divu2,      2, 2, 0, 0)
DEF(divs2,      2, 2, 0, 0)
/* extensions within one width */
DEF(ext8s,      1, 1, 0, 0)
DEF(ext8u,      1, 1, 0, 0)
DEF(ext16s,     1, 1, 0, 0)
DEF(ext16u,     1, 1, 0, 0)
DEF(ext32s,     1, 1, 0, 0)   /* i64 only */
DEF(ext32u,     1, 1, 0, 0)   /* i64 only */
/* width changes: i32 <- low half of i64; i64 <- i32 zero/sign extended */
DEF(extrl_i64_i32, 1, 1, 0, 0)
DEF(extrh_i64_i32, 1, 1, 0, 0)
DEF(extu_i32_i64,  1, 1, 0, 0)
DEF(exts_i32_i64,  1, 1, 0, 0)
/* bit fields: cargs pos, len */
DEF(extract,    1, 1, 2, 0)
DEF(sextract,   1, 1, 2, 0)
DEF(deposit,    1, 2, 2, 0)   /* out = in0 with bits [pos, pos+len) from in1 */
/* byte swaps of the low 16/32 bits (zero-extended) or the whole value */
DEF(bswap16,    1, 1, 0, 0)
DEF(bswap32,    1, 1, 0, 0)
DEF(bswap64,    1, 1, 0, 0)
/* count leading/trailing zeros; in1 is the result when in0 == 0 */
DEF(clz,        1, 2, 0, 0)
DEF(ctz,        1, 2, 0, 0)
DEF(ctpop,      1, 1, 0, 0)
/* comparisons: carg cond (TCGCond) */
DEF(setcond,    1, 2, 1, 0)
DEF(movcond,    1, 4, 1, 0)   /* out = cond(in0, in1) ? in2 : in3 */
DEF(brcond,     0, 2, 2, TCG_OPF_BB_END)   /* cargs cond, label */
/* host memory relative to a pointer temp (env): cargs offset */
DEF(ld8u,       1, 1, 1, 0)
DEF(ld8s,       1, 1, 1, 0)
DEF(ld16u,      1, 1, 1, 0)
DEF(ld16s,      1, 1, 1, 0)
DEF(ld32u,      1, 1, 1, 0)
DEF(ld32s,      1, 1, 1, 0)
DEF(ld,         1, 1, 1, 0)
DEF(st8,        0, 2, 1, 0)
DEF(st16,       0, 2, 1, 0)
DEF(st32,       0, 2, 1, 0)
DEF(st,         0, 2, 1, 0)
/* guest memory: cargs memop (TCGMemOp); addr is a guest virtual address */
DEF(qemu_ld,    1, 1, 1, TCG_OPF_SIDE_EFFECTS)
DEF(qemu_st,    0, 2, 1, TCG_OPF_SIDE_EFFECTS)
/* control flow inside a block */
DEF(set_label,  0, 0, 1, TCG_OPF_BB_END)
DEF(br,         0, 0, 1, TCG_OPF_BB_END)
/* helper calls: see tcg_gen_call */
DEF(call,       0, 0, 0, TCG_OPF_SIDE_EFFECTS)
/* leaving the block: cargs slot / value; goto_ptr takes a host code address */
DEF(goto_tb,    0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(exit_tb,    0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
DEF(goto_ptr,   0, 1, 0, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS)
/* bookkeeping: start of a guest instruction (cargs: guest pc, one target word) */
DEF(insn_start, 0, 0, 2, 0)
DEF(discard,    1, 0, 0, 0)
DEF(mb,         0, 0, 0, TCG_OPF_SIDE_EFFECTS)
/* made by the optimizer from shl+add (address arithmetic):
 * out = in0 + (in1 << carg0) + carg1, shift 0..3, displacement a signed 32-bit value */
DEF(add_shl,    1, 2, 2, 0)
/* Vector op on 128-bit slots of host memory at env + offset (tcg/vec.h):
 * out = 1 when not done (the caller falls back), ins lo, hi = the second source
 * when it is not in env; cargs kind, dst, src0 (fused multiply-add addend or
 * multiplicand, else -1), src1, src2 (or -1: lo, hi) offsets */
DEF(vec,        1, 2, 5, TCG_OPF_SIDE_EFFECTS)
