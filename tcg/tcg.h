/*
 * Quetzal's portable translator ("TCG"): the interface a guest front end uses to
 * emit intermediate code (IR) for one translation block, and that the execution
 * layer uses to turn it into host code.
 *
 * The IR knows no guest and no device. A front end:
 *   1. declares globals once (guest registers living in the CPU state struct,
 *      addressed from the env pointer) with tcg_global_mem_new;
 *   2. per block calls tcg_func_start, emits ops with tcg_gen_*, ends every path
 *      with goto_tb/exit_tb/goto_ptr;
 *   3. the execution layer calls tcg_gen_code to get host code.
 *
 * Temps: normal and local temps both keep their values across labels and
 * branches inside the block (liveness follows the branches, so only values read
 * after a label are saved to the stack there); globals are memory-backed at a fixed
 * offset from env and may be cached in host registers inside a block (they are
 * written back before helper calls that read them, before guest memory accesses
 * that may fault, and at block ends). Constants are read-only temps.
 *
 * All state lives in TCGContext; nothing is global, so two contexts can live in
 * one process.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum TCGType {
    TCG_TYPE_I32,
    TCG_TYPE_I64,
    TCG_TYPE_PTR = TCG_TYPE_I64,   /* host pointers: all hosts are 64-bit for now */
} TCGType;

/* Op flags (used in tcg-opc.h). */
#define TCG_OPF_BB_END        0x01   /* ends a basic block (liveness, register allocation) */
#define TCG_OPF_SIDE_EFFECTS  0x02   /* never removed as dead code */

typedef enum TCGOpcode {
#define DEF(name, oargs, iargs, cargs, flags) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS,
} TCGOpcode;

/* Conditions; the low bit inverts (cond ^ 1 is the opposite condition). */
typedef enum TCGCond {
    TCG_COND_NEVER = 0, TCG_COND_ALWAYS = 1,
    TCG_COND_EQ = 8,  TCG_COND_NE = 9,
    TCG_COND_LT = 2,  TCG_COND_GE = 3,
    TCG_COND_LE = 4,  TCG_COND_GT = 5,
    TCG_COND_LTU = 10, TCG_COND_GEU = 11,
    TCG_COND_LEU = 12, TCG_COND_GTU = 13,
} TCGCond;

/* Guest memory access description for qemu_ld/qemu_st. */
typedef enum TCGMemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,          /* sign-extend loads */
    MO_BSWAP = 8,         /* big-endian guest access */
    MO_ALIGN = 0x10,      /* unaligned access raises the target's alignment fault */
    MO_ATOMIC = 0x20,     /* must be single-copy atomic (LOCK-prefixed, XCHG) */
    MO_RMW = 0x40,        /* softmmu: the load half of a read-modify-write; it needs write
                           * access too, so a fault reports a write (x86 #PF error code W) */
    /* softmmu: which TLB (MMU index 0..15) the access uses; user mode ignores it */
    MO_MMUIDX_SHIFT = 8,
    MO_MMUIDX_MASK = 0xf00,
    MO_UB = MO_8, MO_UW = MO_16, MO_UL = MO_32, MO_UQ = MO_64,
    MO_SB = MO_8 | MO_SIGN, MO_SW = MO_16 | MO_SIGN, MO_SL = MO_32 | MO_SIGN,
} TCGMemOp;

/* Helper call flags: what the helper may do to globals and the world. */
#define TCG_CALL_NO_READ_GLOBALS   0x1   /* globals need not be written back before */
#define TCG_CALL_NO_WRITE_GLOBALS  0x2   /* globals cached in registers stay valid after */
#define TCG_CALL_NO_SIDE_EFFECTS   0x4   /* removable when its result is unused */
#define TCG_CALL_CHAIN_BY_SELECTOR 0x8   /* reads the chain-deferred fields (chain-state.c)
                                          * only as their selector's value says */
#define TCG_CALL_NO_RWG (TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)

/* Debug output selection (-d in_asm,op,op_opt,out_asm). */
#define TCG_LOG_IN_ASM   0x1
#define TCG_LOG_OP       0x2
#define TCG_LOG_OP_OPT   0x4
#define TCG_LOG_OUT_ASM  0x8
#define TCG_LOG_EXEC     0x10

#define MO_MMUIDX(i) ((TCGMemOp)((unsigned)(i) << MO_MMUIDX_SHIFT))
static inline unsigned tcg_memop_mmuidx(unsigned memop) { return (memop & MO_MMUIDX_MASK) >> MO_MMUIDX_SHIFT; }

typedef struct TCGContext TCGContext;
typedef struct TCGTemp *TCGv;           /* a temp of either width */
typedef struct TCGLabel TCGLabel;

/* What code generation reports about one block, for chaining and fault recovery. */
#define TCG_MAX_INSNS 512
/* goto_tb slots of a block: 0 and 1 for its exits, TCG_TRACE_SLOT for the back
 * edge of a trace (a loop of several blocks translated as one); slot 2 is not
 * one (an exit_tb value's low bits 2 mean an exit request) */
#define TCG_JMP_SLOTS 4
#define TCG_TRACE_SLOT 3
#define TCG_MAX_MEM_SITES 1024
#define TCG_MAX_SITE_REGS 8192
typedef struct TCGMemSite {
    uint32_t start, end;                /* host code offsets */
    uint32_t first, count;              /* into site_regs */
} TCGMemSite;
#define TCG_SITE_CONST 0xff              /* TCGSiteReg.host_reg: the field holds .value */
typedef struct TCGSiteReg {
    int32_t env_offset;                 /* the field in the CPU state */
    uint8_t host_reg;                   /* host register number (back end's), or TCG_SITE_CONST */
    uint8_t size;                       /* bytes: 4 or 8 */
    int32_t value;                      /* TCG_SITE_CONST: the value, sign-extended to size */
} TCGSiteReg;
typedef struct TCGCodeInfo {
    size_t size;                        /* bytes of host code */
    /* goto_tb slot n: offset of the patchable jump, and of the code right after it
     * (where an unchained jump lands); UINT16_MAX when the slot is unused. */
    uint16_t jmp_insn_offset[TCG_JMP_SLOTS];
    uint16_t jmp_reset_offset[TCG_JMP_SLOTS];
    /* goto_tb slot n with chain-deferred state (tcg_set_chain_state): the first
     * jump above skips its stores (to a block with chain_state_dead), this one
     * follows them (to any block); UINT16_MAX when there is none. An unchained
     * jump falls through to the instruction right after it (offset + 5). */
    uint16_t jmp2_insn_offset[TCG_JMP_SLOTS];
    /* the block overwrites the chain-deferred state before anything sees it */
    bool chain_state_dead;
    /* tcg_set_self_loop: the goto_tb slots of the back edges (bit n: slot n;
     * 0: none) and the loop header, where those slots' jumps go when chained
     * to the block itself (never to another block: its globals are in host
     * registers) */
    uint8_t loop_slots;
    uint16_t loop_header_offset;
    /* one entry per insn_start: host code offset where that guest instruction's
     * code ends, and its two words (guest pc, front-end word). */
    unsigned nb_insns;
    uint32_t insn_end_offset[TCG_MAX_INSNS];
    uint64_t insn_data[TCG_MAX_INSNS][2];
    /* User mode: guest memory accesses run with guest registers still in host
     * registers (not stored to the CPU state first). For each access, the host
     * code range [start, end) that may fault, and site_regs[first..first+count)
     * say which state fields live in which host register (or hold which
     * constant) there; a host fault handler writes them back before
     * restoring the rest (tcg_fault_site). */
    unsigned nb_mem_sites, nb_site_regs;
    TCGMemSite mem_sites[TCG_MAX_MEM_SITES];
    TCGSiteReg site_regs[TCG_MAX_SITE_REGS];
} TCGCodeInfo;

/* --- context lifetime and code buffer --- */
TCGContext *tcg_context_new(size_t code_buffer_size);
void tcg_context_free(TCGContext *s);
void tcg_set_log(TCGContext *s, unsigned log_flags, FILE *log);
unsigned tcg_log_flags(const TCGContext *s);
FILE *tcg_log_file(const TCGContext *s);
/* user mode: host address of guest address 0 (added to every qemu_ld/st address) */
void tcg_set_guest_base(TCGContext *s, uintptr_t guest_base);
/* 32-bit guests in user mode: guest_base + base + disp may be one host address
 * even though the guest's sum wraps at 4 GiB (the host catches the rare wrap in
 * guard regions around the guest space and turns this off: linux-user/mmap.c) */
void tcg_set_addr32_fold(TCGContext *s, bool on);
/* System mode: qemu_ld/st probe a TLB in the CPU state inline and call the slow
 * helpers on a miss (accel/tcg/cputlb.h describes the layout it fills in).
 * An entry for address a of MMU index i is at
 *   env + tlb_offset + (i << (tlb_bits + entry_bits)) + (((a >> page_bits) & ((1 << tlb_bits) - 1)) << entry_bits)
 * and hits when (a & (page_mask | (size - 1))) == its comparator; the host
 * address is then a + the entry's addend. */
typedef struct TCGSoftMMU {
    intptr_t tlb_offset;
    unsigned tlb_bits, entry_bits, page_bits;
    intptr_t read_offset, write_offset, addend_offset;   /* within an entry */
    uint64_t (*ld_helper)(void *env, uint64_t addr, uint32_t memop, uintptr_t ra);
    void (*st_helper)(void *env, uint64_t addr, uint64_t value, uint32_t memop, uintptr_t ra);
} TCGSoftMMU;
void tcg_set_softmmu(TCGContext *s, const TCGSoftMMU *config);   /* NULL: user mode */
/* Guest instructions (insn_start ops) emitted so far in the current block. */
unsigned tcg_insn_count(const TCGContext *s);
/* A point in the block being built, and going back to it: the ops, labels and
 * insn_starts emitted since are dropped (temps stay allocated). For a front
 * end that tries a path and keeps it only when it pays (a trace). */
typedef struct TCGIRMark {
    int ops, labels;
    unsigned insn_starts;
} TCGIRMark;
TCGIRMark tcg_ir_mark(const TCGContext *s);
void tcg_ir_rollback(TCGContext *s, TCGIRMark m);
/* Guest addresses of qemu_ld/st are used whole: a 32-bit guest passes them
 * already truncated (an i32 address temp is zero-extended). */

/* --- per-block IR building --- */
void tcg_func_start(TCGContext *s);
TCGv tcg_env(TCGContext *s);                         /* the env pointer (TCG_TYPE_PTR) */
TCGv tcg_global_mem_new(TCGContext *s, TCGType type, intptr_t env_offset, const char *name);
/* User mode: globals a goto_tb stores only when the next block does not
 * overwrite them first (chain-state.c): a selector and up to 4 fields;
 * fields_needed(v) says which fields (bit i: fields[i]) selector value v
 * reads, UINT32_MAX when v says nothing (unknown). The front-end word of
 * insn_start must be the selector value a state restore puts back, or one
 * fields_needed calls unknown. */
void tcg_set_chain_state(TCGContext *s, TCGv selector, const TCGv *fields, int nb_fields,
                         uint32_t (*fields_needed)(int64_t selector_value));
/* For the layout of a goto_tb (only speed depends on it): whether the block a
 * goto_tb leads to (the constant its exit stores in a global, the guest pc)
 * overwrites the chain-deferred state first: 1 yes, 0 no, -1 not known,
 * -2 it is the block being translated. */
void tcg_set_chain_predict(TCGContext *s, int (*predict)(void *opaque, int64_t target),
                           void *opaque);
/* A goto_tb whose exit stores value into a global (the guest pc: mov g, value;
 * exit_tb) goes back to this block's start: the register allocator then keeps
 * the loop's globals in host registers across that back edge (loop.c). Only
 * for a block entered again by that goto_tb under the same key; reset by
 * tcg_func_start. */
void tcg_set_self_loop(TCGContext *s, int64_t value);
TCGv tcg_temp_new(TCGContext *s, TCGType type);
TCGv tcg_temp_local_new(TCGContext *s, TCGType type);
void tcg_temp_free(TCGContext *s, TCGv t);           /* optional: lets the slot be reused */
TCGv tcg_constant(TCGContext *s, TCGType type, int64_t value);
TCGType tcg_temp_type(TCGv t);
TCGLabel *tcg_gen_new_label(TCGContext *s);

/* Ops. The op width is the type of the first value operand; operands must agree
 * (ext/extr ops excepted). */
void tcg_gen_mov(TCGContext *s, TCGv ret, TCGv arg);
void tcg_gen_movi(TCGContext *s, TCGv ret, int64_t value);
void tcg_gen_op2(TCGContext *s, TCGOpcode op, TCGv ret, TCGv arg);                /* unary */
void tcg_gen_op3(TCGContext *s, TCGOpcode op, TCGv ret, TCGv a, TCGv b);          /* binary */
void tcg_gen_op3i(TCGContext *s, TCGOpcode op, TCGv ret, TCGv a, int64_t b);      /* b constant */

#define TCG_GEN_BINARY(name) \
    static inline void tcg_gen_##name(TCGContext *s, TCGv r, TCGv a, TCGv b) \
    { tcg_gen_op3(s, INDEX_op_##name, r, a, b); } \
    static inline void tcg_gen_##name##i(TCGContext *s, TCGv r, TCGv a, int64_t b) \
    { tcg_gen_op3i(s, INDEX_op_##name, r, a, b); }
TCG_GEN_BINARY(add) TCG_GEN_BINARY(sub) TCG_GEN_BINARY(mul)
TCG_GEN_BINARY(and) TCG_GEN_BINARY(or) TCG_GEN_BINARY(xor) TCG_GEN_BINARY(andc)
TCG_GEN_BINARY(shl) TCG_GEN_BINARY(shr) TCG_GEN_BINARY(sar)
TCG_GEN_BINARY(rotl) TCG_GEN_BINARY(rotr)
TCG_GEN_BINARY(clz) TCG_GEN_BINARY(ctz)
#undef TCG_GEN_BINARY

#define TCG_GEN_UNARY(name) \
    static inline void tcg_gen_##name(TCGContext *s, TCGv r, TCGv a) \
    { tcg_gen_op2(s, INDEX_op_##name, r, a); }
TCG_GEN_UNARY(neg) TCG_GEN_UNARY(not)
TCG_GEN_UNARY(ext8s) TCG_GEN_UNARY(ext8u) TCG_GEN_UNARY(ext16s) TCG_GEN_UNARY(ext16u)
TCG_GEN_UNARY(ext32s) TCG_GEN_UNARY(ext32u)
TCG_GEN_UNARY(extrl_i64_i32) TCG_GEN_UNARY(extrh_i64_i32)
TCG_GEN_UNARY(extu_i32_i64) TCG_GEN_UNARY(exts_i32_i64)
TCG_GEN_UNARY(bswap16) TCG_GEN_UNARY(bswap32) TCG_GEN_UNARY(bswap64)
TCG_GEN_UNARY(ctpop)
#undef TCG_GEN_UNARY

void tcg_gen_mulu2(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b);
void tcg_gen_muls2(TCGContext *s, TCGv lo, TCGv hi, TCGv a, TCGv b);
/* q, r = a / b, a % b (truncated): b must not be 0, nor -1 with a = INT_MIN
 * for divs2 (the host traps) */
void tcg_gen_divu2(TCGContext *s, TCGv q, TCGv r, TCGv a, TCGv b);
void tcg_gen_divs2(TCGContext *s, TCGv q, TCGv r, TCGv a, TCGv b);
void tcg_gen_extract(TCGContext *s, TCGv ret, TCGv arg, unsigned pos, unsigned len);
void tcg_gen_sextract(TCGContext *s, TCGv ret, TCGv arg, unsigned pos, unsigned len);
void tcg_gen_deposit(TCGContext *s, TCGv ret, TCGv arg1, TCGv arg2, unsigned pos, unsigned len);
void tcg_gen_setcond(TCGContext *s, TCGCond cond, TCGv ret, TCGv a, TCGv b);
void tcg_gen_setcondi(TCGContext *s, TCGCond cond, TCGv ret, TCGv a, int64_t b);
void tcg_gen_movcond(TCGContext *s, TCGCond cond, TCGv ret, TCGv c1, TCGv c2, TCGv v1, TCGv v2);
void tcg_gen_brcond(TCGContext *s, TCGCond cond, TCGv a, TCGv b, TCGLabel *l);
void tcg_gen_brcondi(TCGContext *s, TCGCond cond, TCGv a, int64_t b, TCGLabel *l);
void tcg_gen_br(TCGContext *s, TCGLabel *l);
void tcg_gen_set_label(TCGContext *s, TCGLabel *l);

/* host memory at base + offset (base is normally tcg_env) */
void tcg_gen_ld(TCGContext *s, TCGOpcode op, TCGv ret, TCGv base, intptr_t offset);
void tcg_gen_st(TCGContext *s, TCGOpcode op, TCGv val, TCGv base, intptr_t offset);
/* guest memory */
void tcg_gen_qemu_ld(TCGContext *s, TCGv val, TCGv addr, TCGMemOp memop);
void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, TCGMemOp memop);

/* Calls a C helper: ret may be NULL (void helper); args are i32/i64/ptr temps,
 * passed in order as the host C ABI passes integers of those widths. */
void tcg_gen_call(TCGContext *s, void *func, unsigned flags, TCGv ret,
                  unsigned nargs, const TCGv *args);

/* Block exits. goto_tb(n) emits a patchable direct jump (slot n = 0 or 1) that
 * falls through to the next op until the execution layer chains it; it must be
 * followed by exit_tb(tb_ptr | n). exit_tb(v) returns v from tcg_exec_tb.
 * goto_ptr jumps to a host code address (from a lookup helper). */
void tcg_gen_goto_tb(TCGContext *s, unsigned n);
void tcg_gen_exit_tb(TCGContext *s, uintptr_t value);
void tcg_gen_goto_ptr(TCGContext *s, TCGv host_addr);
void tcg_gen_insn_start(TCGContext *s, uint64_t guest_pc, uint64_t data);
/*
 * Indirect jumps. The execution layer describes its per-CPU jump cache (a table
 * of pointers to block entries, indexed by a hash of the guest pc) and the
 * helper that finds a block's host code the slow way; see
 * accel/tcg/tb-jump-cache.h, which fills this from its own definitions.
 * tcg_gen_lookup_and_goto_ptr then emits the probe as ordinary IR (so every
 * back end runs it inline): when the stop word is zero, the slot for pc holds an
 * entry, and that entry is valid with the same pc, cs_base and flags, it jumps
 * to the entry's host code; otherwise it calls miss_helper(env) and jumps where
 * that returns (goto_ptr). With table NULL only the helper call is emitted.
 */
typedef struct TCGJumpCacheProbe {
    const void *table;             /* base address of the cache */
    intptr_t stop_offset;          /* int32 at table + stop_offset: nonzero forces a miss */
    intptr_t slots_offset;         /* first pointer slot at table + slots_offset */
    unsigned hash_bits;            /* slot = (pc ^ (pc >> hash_shift)) & ((1 << hash_bits) - 1) */
    unsigned hash_shift;
    /* fields of an entry: uint64 pc, uint64 cs_base, uint32 flags, bool invalid,
     * host code pointer */
    intptr_t entry_pc, entry_cs_base, entry_flags, entry_invalid, entry_host_code;
    const void *(*miss_helper)(void *env);
} TCGJumpCacheProbe;
/* Copies probe into s for the blocks translated next (NULL: no probe at all). */
void tcg_set_jump_cache_probe(TCGContext *s, const TCGJumpCacheProbe *probe);
/* Ends the block: jumps to the block of (pc, cs_base, flags), i64/i64/i32 values
 * (constants are fine: a front end usually knows cs_base and flags). */
void tcg_gen_lookup_and_goto_ptr(TCGContext *s, TCGv pc, TCGv cs_base, TCGv flags);

void tcg_gen_discard(TCGContext *s, TCGv t);

/* --- code generation and execution --- */
/* Optimizes and compiles the current IR to host code at code_ptr, at most room
 * bytes. Returns false (and nothing usable) when the room is too small. */
bool tcg_gen_code(TCGContext *s, void *code_ptr, size_t room, TCGCodeInfo *info);
/* The code buffer: [start, start+size); the prologue/epilogue sit at its start. */
void *tcg_code_buffer(TCGContext *s, size_t *usable_size);
/* The address generated code jumps to (via goto_ptr) to leave with value 0. */
const void *tcg_code_gen_epilogue(TCGContext *s);
/* Runs generated code with env; returns the exit_tb value. */
uintptr_t tcg_exec_tb(TCGContext *s, void *env, const void *code);
/* Points goto_tb jump at jmp_insn_addr to target (atomically patchable). */
void tcg_patch_goto_tb(uintptr_t jmp_insn_addr, uintptr_t target);
/* Prints the current IR (for -d op). */
void tcg_dump_ops(TCGContext *s, FILE *out);

#endif
