/*
 * Internal interface of the x86 front end (target-i386/): the decoder state
 * shared by the translator files, the operand helpers they use, the lazy
 * condition-code model and the C helpers generated code calls.
 *
 * Files: translate.c (block loop, prefixes, one-byte map dispatch),
 * translate-alu.c (arithmetic, shifts, multiply/divide, bit ops),
 * translate-ctl.c (stack, jumps, calls, string ops, flags, segment registers),
 * translate-sys.c (system instructions, table-driven),
 * translate-x87.c and fpu_helper.c (x87 FPU), cc_helper.c (flag computation),
 * helper.c (C helpers), cpu.c (reset), disas.c (in_asm log),
 * translate-sse.c and sse_helper.c (SSE..SSSE3, MMX), translate-sse4.c with
 * sse4_helper.c, aes_helper.c and sha_helper.c (SSE4.x, AES-NI, PCLMULQDQ,
 * SHA, CRC32, MOVBE, ADX), translate-vex.c with bmi_helper.c (the VEX prefix:
 * BMI1/BMI2, the AVX/AVX2 subset); separate owner.
 *
 * The SSE hook, implemented in translate-sse.c:
 *
 *   bool gen_sse(DisasContext *s, unsigned opcode);
 *
 * It is called after the opcode bytes of a 0F-map instruction were consumed and
 * before its ModRM byte is read (s->pc points at the ModRM byte). opcode is
 * 0x0Fxx for the two-byte map, 0x0F38xx / 0x0F3Axx for the three-byte maps.
 * s->prefix holds the legacy prefixes seen (PREFIX_DATA = 66, PREFIX_REPZ = F3,
 * PREFIX_REPNZ = F2, the mandatory-prefix bits), s->rex_* the REX bits. It
 * returns false, having emitted nothing, when the opcode/prefix combination is
 * not an SSE/SSE2 instruction it implements; the caller then raises #UD.
 * Useful here: x86_decode_modrm, gen_lea_modrm, gen_ld/gen_st (guest memory),
 * gen_ld_reg/gen_st_reg (general registers), x86_ldub_code..x86_ldq_code
 * (immediates), gen_exception, gen_set_eflags_cc (COMISS-style flag results),
 * gen_update_cc_op (before a helper that may raise an exception).
 */
#ifndef TARGET_I386_TRANSLATE_H
#define TARGET_I386_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>
#include "tcg/tcg.h"
#include "target-i386/cpu.h"

/* Legacy prefixes (Intel SDM vol. 2A, 2.1.1) */
#define PREFIX_REPZ   0x01   /* F3 */
#define PREFIX_REPNZ  0x02   /* F2 */
#define PREFIX_LOCK   0x04   /* F0 */
#define PREFIX_DATA   0x08   /* 66 */
#define PREFIX_ADR    0x10   /* 67 */
#define PREFIX_REX    0x20   /* a REX byte was present (changes AH..BH to SPL..DIL) */

/*
 * Lazy condition codes. Each group has four sizes (B, W, L, Q) in that order, so
 * CC_OP_ADDB + MO_32 is CC_OP_ADDL. What the cc globals hold per group:
 *   ADD:   dst = result, src = second operand
 *   ADC:   dst = result, src = second operand, src2 = carry in (0/1)
 *   SUB:   src = second operand, src2 = first operand (dst is not kept: the
 *          result is src2 - src, so CMP computes no difference at all)
 *   SBB:   dst = result, src = second operand, src2 = borrow in (0/1)
 *   LOGIC: dst = result (CF = OF = 0)
 *   INC/DEC: dst = result, src = CF before the instruction (unaffected by it)
 *   INCSUB/DECSUB: INC/DEC right after a SUB-group op of the same size: dst =
 *          result, src and src2 still the SUB's operands, whose borrow is the
 *          CF that INC/DEC leave alone (so it is not computed at the INC/DEC)
 *   SHL:   dst = result, src = operand shifted by count-1 (CF = its top bit)
 *   SAR:   dst = result, src = operand shifted by count-1 (CF = its low bit),
 *          used for SHR too (OF = top bit of src ^ dst)
 *   MUL:   dst = low result, src = nonzero when the result overflowed (CF = OF)
 *   BMI:   dst = result, src = operand (TZCNT/LZCNT: CF = src == 0, ZF = dst == 0)
 * and without sizes:
 *   EFLAGS: src = the six arithmetic flags in their RFLAGS positions
 *   CLR:    ZF = PF = 1, everything else 0 (XOR r, r)
 *   DYNAMIC: cc_op is only known at run time (in env->cc_op)
 */
enum {
    CC_OP_DYNAMIC = 0,
    CC_OP_EFLAGS,
    CC_OP_CLR,
    CC_OP_ADDB = 4,
    CC_OP_ADCB = CC_OP_ADDB + 4,
    CC_OP_SUBB = CC_OP_ADCB + 4,
    CC_OP_SBBB = CC_OP_SUBB + 4,
    CC_OP_LOGICB = CC_OP_SBBB + 4,
    CC_OP_INCB = CC_OP_LOGICB + 4,
    CC_OP_DECB = CC_OP_INCB + 4,
    CC_OP_SHLB = CC_OP_DECB + 4,
    CC_OP_SARB = CC_OP_SHLB + 4,
    CC_OP_MULB = CC_OP_SARB + 4,
    CC_OP_BMIB = CC_OP_MULB + 4,
    CC_OP_INCSUBB = CC_OP_BMIB + 4,
    CC_OP_DECSUBB = CC_OP_INCSUBB + 4,
    CC_OP_NB = CC_OP_DECSUBB + 4,
};

/*
 * ROL/ROR change only CF and OF (SDM vol. 2B, RCL/RCR/ROL/ROR, "Flags
 * Affected"), so their state is layered over the previous one: cc_op =
 * previous base op | CC_OP_ROT | CC_OP_ROT_RIGHT for ROR | size <<
 * CC_OP_ROT_SIZE_SHIFT, cc_rot = the rotated value (its low operand-size bits),
 * cc_dst/src/src2 untouched. CF/OF come from cc_rot, the other flags from the
 * base op. A rotate over a rotate keeps the base op. RCL/RCR set
 * CC_OP_ROT | CC_OP_ROT_DIRECT instead: cc_rot holds CF and OF themselves,
 * in their RFLAGS positions.
 */
#define CC_OP_BASE_MASK       0x3f
#define CC_OP_ROT             0x40
#define CC_OP_ROT_RIGHT       0x80
#define CC_OP_ROT_SIZE_SHIFT  8
#define CC_OP_ROT_DIRECT      0x400
_Static_assert(CC_OP_NB <= CC_OP_BASE_MASK + 1, "cc_op base ops fit CC_OP_BASE_MASK");

/* RFLAGS bits (Intel SDM vol. 1, 3.4.3) */
#define CC_C  0x0001
#define CC_P  0x0004
#define CC_A  0x0010
#define CC_Z  0x0040
#define CC_S  0x0080
#define CC_O  0x0800
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x0100
#define IF_MASK   0x0200
#define DF_MASK   0x0400
#define AC_MASK   0x40000
#define ID_MASK   0x200000

/* What ended translation of the current instruction/block. */
enum {
    DISAS_NEXT = 0,        /* keep going */
    DISAS_TOO_MANY,        /* stop after this instruction, rip = next */
    DISAS_JUMPED,          /* the instruction emitted its own block exit */
    DISAS_EOB_DYNAMIC,     /* rip global already set: leave through lookup */
    DISAS_EOB_EXIT,        /* rip global already set: return to the execution loop
                            * (hflags, CS or IF changed: new key, interrupt check) */
};

/* hflags bits that change how code is translated: the TB key (get_tb_state) */
#define X86_TB_FLAGS_MASK (HF_CS64 | HF_CS32 | HF_SS32 | HF_LMA | HF_CPL_MASK | HF_PE | \
                           HF_ADDSEG | HF_VM | HF_INHIBIT_IRQ | HF_TF | (3u << HF_IOPL_SHIFT) | \
                           HF_SYSTEM | HF_OSFXSR | HF_EM_TS | HF_AVX_EN)

/* A block-key bit that is not in hflags (get_tb_state computes it): MXCSR's
 * controls are the reset value 1F80h (all exceptions masked, round to nearest,
 * no FZ or DAZ; SDM vol. 1, 10.2.3), so translate-vec.c's float ops are
 * inline without a run-time test. LDMXCSR, VLDMXCSR, FXRSTOR and XRSTOR end
 * their block (gen_end_after_mxcsr_load below), nothing else in a block
 * changes the controls. */
#define X86_TB_MXCSR_DEFAULT (1u << 18)
_Static_assert((X86_TB_FLAGS_MASK & X86_TB_MXCSR_DEFAULT) == 0, "a free hflags bit");
#define X86_MXCSR_CONTROLS 0xffc0u
#define X86_MXCSR_DEFAULT_CONTROLS 0x1f80u
/* TCG globals mirroring CPUX86State fields; created once per TCGContext. */
typedef struct X86Globals {
    TCGContext *owner;
    TCGv regs[16];
    TCGv rip;
    TCGv cc_dst, cc_src, cc_src2, cc_rot;
    TCGv cc_op;           /* i32 */
    TCGv df;              /* i32, +1/-1 */
    TCGv seg_base[6];
} X86Globals;

typedef struct DisasContext {
    TCGContext *tcg;
    CPUX86State *env;
    CPUExec *exec;
    TranslationBlock *tb;
    const X86Globals *g;

    uint64_t pc_start;     /* offset in CS (rip) of the instruction being translated */
    uint64_t pc;           /* offset in CS of the next byte to fetch */
    uint64_t page_end;     /* first linear address past the block's first page */
    uint32_t flags;        /* TB flags (hflags) */
    bool code64;           /* 64-bit mode */
    bool code32;           /* default operand/address size 32 (CS.D) */
    bool ss32;
    /* system mode (HF_SYSTEM): what the block key says about the mode */
    bool sys;              /* system emulation: privileged instructions are real */
    bool pe;               /* protected mode (CR0.PE) */
    bool vm86;             /* virtual-8086 mode */
    bool addseg;           /* legacy mode: DS/ES/SS bases must be added */
    int cpl, iopl;
    int mem_index;         /* MMU index of data accesses (MMU_KERNEL_IDX/MMU_USER_IDX) */
    uint64_t cs_base;      /* linear address = cs_base + offset (0 in 64-bit mode) */

    /* prefixes of the current instruction */
    unsigned prefix;
    int override_seg;      /* R_ES..R_GS or -1 */
    int rex_w, rex_r, rex_x, rex_b;   /* 0 or 1; rex_r/x/b already shifted: 0 or 8 */
    int dflag;             /* operand size: MO_16, MO_32 or MO_64 */
    int aflag;             /* address size: MO_16, MO_32 or MO_64 */

    /* ModRM of the current instruction (after x86_decode_modrm) */
    int modrm, mod, reg, rm;    /* reg includes REX.R; rm includes REX.B when mod == 3 */
    int rip_offset;        /* immediate bytes after the ModRM operand (RIP-relative) */

    int cc_op;             /* static cc_op, CC_OP_DYNAMIC when only env knows */
    bool cc_op_dirty;      /* env->cc_op not yet written */
    int is_jmp;            /* DISAS_* */
    bool db_shadow;        /* MOV SS / POP SS: no single-step trap after it */
    bool rmw;              /* the ModRM memory operand is read and written (MO_RMW) */
    bool fetch_fault;      /* code fetch failed: raise #PF at fault_addr */
    uint64_t fetch_fault_addr;
    /* unconditional direct jumps followed inside the block (gen_jmp_direct) */
    bool follow;           /* the current instruction continues at follow_pc */
    uint64_t follow_pc;
    int nb_follows;
    uint64_t max_pc;       /* offset in CS past the last byte fetched before a follow */
    /* a forward Jcc the block went on past (gen_cond_jump): its taken path
     * is emitted at the block's end */
    TCGLabel *side_exit;
    uint64_t side_exit_dest, side_exit_pc_start;
    int side_exit_cc_op;
    unsigned slots_used;   /* goto_tb slots taken by jumps already emitted (bit n) */
    /* a trace (gen_side_exit): the side exit's target translated in the same
     * block, whose jump back to the block's start is the trace's back edge */
    bool in_trace;
    uint64_t start_pc;     /* offset in CS of the block's first instruction */

    /* scratch temps, reallocated per instruction */
    TCGv T0, T1, A0, tmp;

    /* in_asm text of the current instruction */
    const char *mnemonic;
} DisasContext;

/* --- code fetch (advance s->pc; a fault sets s->fetch_fault and returns 0) --- */
uint8_t x86_ldub_code(DisasContext *s);
uint16_t x86_lduw_code(DisasContext *s);
uint32_t x86_ldl_code(DisasContext *s);
uint64_t x86_ldq_code(DisasContext *s);
/* the linear address of the code at offset in CS */
uint64_t x86_code_linear(const DisasContext *s, uint64_t offset);
/* the byte at s->pc without consuming it; false when it cannot be fetched */
bool x86_peek_code(DisasContext *s, uint8_t *byte);
/* immediate of operand size ot (MO_64 reads a sign-extended 32-bit value) */
int64_t x86_ld_imm(DisasContext *s, int ot);

/* --- operands --- */
/* reads the ModRM byte into s->modrm/mod/reg/rm */
void x86_decode_modrm(DisasContext *s);
/* s->A0 = effective address of the memory operand (mod != 3), with segment base */
void gen_lea_modrm(DisasContext *s);
/* effective address without segment base (LEA): the offset alone; returns
 * the default segment (R_DS or R_SS) */
int gen_lea_modrm_noseg(DisasContext *s, TCGv dst);
/* adds the base of segment (override or def_seg) and truncates to address size */
void gen_add_seg_base(DisasContext *s, TCGv addr, int def_seg);
/* adds the base of segment seg (no override: ES of string destinations, SS of
 * the stack) to an offset already wrapped to its address size */
void gen_add_seg_fixed(DisasContext *s, TCGv addr, int seg);
/* guest memory at address addr, size/sign as memop */
void gen_ld(DisasContext *s, TCGv val, TCGv addr, TCGMemOp memop);
void gen_st(DisasContext *s, TCGv val, TCGv addr, TCGMemOp memop);
/* general register reg (0..15) of size ot: AH..BH when ot == MO_8 without REX */
void gen_ld_reg(DisasContext *s, int ot, TCGv dst, int reg);
/* writes follow the architecture: 32-bit writes zero the top half, 8/16 merge */
void gen_st_reg(DisasContext *s, int ot, int reg, TCGv val);
/* translate-alu.c: the lazy flags of an arithmetic result (cc_src, cc_dst, op) */
void set_cc_arith(DisasContext *s, TCGv dst, TCGv src, int group, int ot);
/* translate-alu.c: CMPXCHG's accumulator update and flags (translate-atomic.c too) */
void gen_cmpxchg_finish(DisasContext *s, int ot, TCGv acc, TCGv eq, TCGv scratch);
/* the ModRM r/m operand (register or memory at s->A0, which gen_ld_modrm computes) */
void gen_ld_modrm(DisasContext *s, int ot, TCGv dst);
/* stores to the r/m operand; for memory reuses s->A0 from gen_ld_modrm when
 * reuse_address, else computes it */
void gen_st_modrm(DisasContext *s, int ot, TCGv val, bool reuse_address);

/* --- state and control --- */
void gen_update_cc_op(DisasContext *s);
void set_cc_op(DisasContext *s, int op);
/* the six arithmetic flags become the given value (CC_OP_EFLAGS) */
void gen_set_eflags_cc(DisasContext *s, TCGv flags);
/* all flags computed into dst (RFLAGS positions of the arithmetic flags) */
void gen_compute_eflags(DisasContext *s, TCGv dst);
/* CF into dst (0/1) */
void gen_compute_cf(DisasContext *s, TCGv dst);
/* branches to l when condition code b (the low nibble of Jcc) holds */
void gen_jcc_label(DisasContext *s, int b, TCGLabel *l);
/* dst = condition b ? 1 : 0 */
void gen_setcc_value(DisasContext *s, int b, TCGv dst);
/* raises exception excp at the current instruction (rip = pc_start) */
void gen_exception(DisasContext *s, int excp);
/* same, with rip = address after the instruction (SYSCALL, INT n) */
void gen_exception_next(DisasContext *s, int excp);
/* ends the block jumping to the constant guest address dest (slot 0 or 1) */
void gen_jmp_tb(DisasContext *s, uint64_t dest, int slot);
/* JMP/CALL to the constant dest: continues the block there when it may,
 * otherwise ends it as gen_jmp_tb(s, dest, 0) */
void gen_jmp_direct(DisasContext *s, uint64_t dest);
/* Jcc (condition b, SDM vol. 2A appendix B.1.4.7) to the constant dest */
void gen_cond_jump(DisasContext *s, int b, uint64_t dest);
/* ends the block jumping to the address in the rip global */
void gen_eob_indirect(DisasContext *s);
/* ends the block returning to the execution loop (rip global already set) */
void gen_eob_exit(DisasContext *s);
/* raises #GP(0) unless CPL is 0 (system mode); true when it did */
bool gen_check_cpl0(DisasContext *s);
/* #MF when an unmasked x87 exception is pending (translate-x87.c) */
void gen_x87_wait(DisasContext *s);
/* calls a helper that takes env as its first argument */
void gen_helper_env(DisasContext *s, void *func, unsigned flags, TCGv ret,
                    unsigned nargs, const TCGv *args);
TCGv tcg_const64(DisasContext *s, int64_t v);
/* dst = src zero/sign extended from operand size ot */
void gen_extend(DisasContext *s, TCGv dst, TCGv src, int ot, bool sign);
TCGv tcg_new64(DisasContext *s);

/* --- instruction groups (translate-alu.c, translate-ctl.c) --- */
/* each returns false when the opcode (one-byte map b, or 0x0Fxx) is not its own */
bool disas_alu(DisasContext *s, unsigned b);
bool disas_ctl(DisasContext *s, unsigned b);
bool gen_sse(DisasContext *s, unsigned opcode);
/* translate-vex.c: the C4/C5 just read start a VEX prefix (not LES/LDS), and
 * the VEX instruction after it (false: #UD) */
bool x86_is_vex(DisasContext *s);
bool gen_vex(DisasContext *s, unsigned b);
bool disas_sys(DisasContext *s, unsigned b);
/* user mode: LOCK-prefixed RMW, XCHG and CMPXCHG8B/16B with memory as host
 * atomics (translate-atomic.c); false, nothing consumed, when not one */
bool gen_atomic_insn(DisasContext *s, unsigned b);
/* MOVS..SCAS (A4-AF) and INS/OUTS (6C-6F), with REP */
void gen_string_insn(DisasContext *s, unsigned b);
/* segment register seg = the selector in sel (helper_load_seg); ends the block
 * in system mode when the key may change */
void gen_load_seg(DisasContext *s, int seg, TCGv sel);
/* the I/O port in DX (i32), for IN/OUT/INS/OUTS */
TCGv gen_io_port_dx(DisasContext *s);
/* HF_INHIBIT_IRQ: no interrupt before the next instruction (STI, MOV/POP SS) */
void gen_set_inhibit_irq(DisasContext *s);
void gen_push(DisasContext *s, TCGv val);
void gen_pop_value(DisasContext *s, TCGv dst);   /* load top of stack, no rsp update */
void gen_pop_update(DisasContext *s);
int x86_stack_size(DisasContext *s);           /* MO_16/MO_32/MO_64 push size */

/* --- C helpers called from generated code --- */
uint64_t helper_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2, uint64_t rot,
                               uint32_t op);
uint64_t helper_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2, uint64_t rot,
                             uint32_t op);
uint64_t x86_cc_compute_all(const CPUX86State *env);
void helper_raise_exception(CPUX86State *env, uint32_t excp);
void helper_raise_page_fault(CPUX86State *env, uint64_t addr);
void helper_divq(CPUX86State *env, uint64_t divisor, uint32_t ot);
void helper_idivq(CPUX86State *env, uint64_t divisor, uint32_t ot);
/* RCL/RCR of value with carry-in cf: the result, and CF|OF (RFLAGS positions) */
uint64_t helper_rotate_carry(uint64_t value, uint64_t count, uint64_t cf, uint32_t kind_ot);
uint64_t helper_rotate_carry_flags(uint64_t value, uint64_t count, uint64_t cf,
                                   uint32_t kind_ot);
uint64_t helper_shiftd(CPUX86State *env, uint64_t value, uint64_t other, uint64_t count,
                       uint32_t right_ot);
void helper_cpuid(CPUX86State *env);
void helper_rdtsc(CPUX86State *env);
uint64_t helper_read_eflags(CPUX86State *env);
void helper_write_eflags(CPUX86State *env, uint64_t value, uint32_t mask);
void helper_load_seg(CPUX86State *env, uint32_t seg, uint32_t selector);
void helper_cmpxchg16b(CPUX86State *env, uint64_t addr);
void helper_cmpxchg8b(CPUX86State *env, uint64_t addr);
void helper_bcd(CPUX86State *env, uint32_t op, uint32_t imm);

void *x86_guest_memory(CPUX86State *env, uint64_t addr, unsigned len, int flags,
                       uintptr_t host_pc);
/* copies between guest memory and buf in both modes (page-crossing, MMIO) */
void x86_guest_read(CPUX86State *env, uint64_t addr, void *buf, unsigned len, uintptr_t ra);
void x86_guest_write(CPUX86State *env, uint64_t addr, const void *buf, unsigned len,
                     uintptr_t ra);

/* x87 (translate-x87.c, fpu_helper.c) */
bool disas_x87(DisasContext *s, unsigned b);
/* operand kinds of x87 memory loads and integer/float stores */
enum { FP_F32, FP_F64, FP_I16, FP_I32, FP_I64, FP_I16_TRUNC, FP_I32_TRUNC, FP_I64_TRUNC };
#define FCOM_QUIET 0x100   /* helper_fcom/helper_fcomi index flag: FUCOM, FUCOMI */
void helper_fld_bits(CPUX86State *env, uint64_t bits, uint32_t kind);
uint64_t helper_fst_bits(CPUX86State *env, uint32_t kind, uint32_t pop);
void helper_fldt(CPUX86State *env, uint64_t addr);
void helper_fbld(CPUX86State *env, uint64_t addr);      /* packed BCD (SDM vol. 2A, FBLD) */
void helper_fbstp(CPUX86State *env, uint64_t addr);
void helper_fstt(CPUX86State *env, uint64_t addr);
void helper_farith_mem(CPUX86State *env, uint32_t op, uint64_t bits, uint32_t kind);
void helper_farith_reg(CPUX86State *env, uint32_t op, uint32_t index, uint32_t to_sti);
void helper_fpop(CPUX86State *env);
void helper_fld_sti(CPUX86State *env, uint32_t index);
void helper_fst_sti(CPUX86State *env, uint32_t index);
void helper_fxch(CPUX86State *env, uint32_t index);
void helper_ffree(CPUX86State *env, uint32_t index);
void helper_fcom(CPUX86State *env, uint32_t index);
uint64_t helper_fcomi(CPUX86State *env, uint32_t index);
void helper_fcmov(CPUX86State *env, uint32_t index, uint64_t cond);
void helper_fmisc(CPUX86State *env, uint32_t modrm);
void helper_fninit(CPUX86State *env);
void helper_fenv(CPUX86State *env, uint64_t addr, uint32_t op_size);
void helper_fwait(CPUX86State *env);

/* kinds of group 2 (its ModRM reg field); helper_rotate_carry takes RCL/RCR */
enum { SHIFT_ROL, SHIFT_ROR, SHIFT_RCL, SHIFT_RCR, SHIFT_SHL, SHIFT_SHR, SHIFT_SAL, SHIFT_SAR };

/* in_asm: text of one instruction (disas.c) */
void x86_log_insn(DisasContext *s, FILE *out);

/* ends the block after the current instruction, back in the execution loop
 * (which computes the key afresh): after a load of MXCSR (translate-sse.c) */
void gen_end_after_mxcsr_load(DisasContext *s);

#endif
