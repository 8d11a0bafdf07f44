/*
 * The sequence generator's internal interface: generation state, the x86
 * instruction encoder (Intel SDM vol. 2A, ch. 2 "Instruction Format") and the
 * helpers the per-group generators use.
 *
 * A sequence is a list of items; an item is one instruction of the group under
 * test plus the set-up instructions it needs (e.g. loading RSI/RDI before a
 * string instruction). Jumps only target item boundaries, forward.
 */
#ifndef TESTS_DIFFTEST_GEN_H
#define TESTS_DIFFTEST_GEN_H

#include "difftest.h"

#define MAX_ITEMS      24      /* mixed sequences; one-group ones have up to 8 */
#define MAX_ITEM_BYTES 60
#define MAX_JUMPS      MAX_ITEMS

#define MEM_NONE (-1)
#define MEM_RIP  (-2)

typedef struct Operand {
    bool is_mem;
    int reg;             /* register operand */
    int base, index;     /* register, MEM_NONE or (base) MEM_RIP */
    int scale;           /* log2 of the index scale */
    int32_t disp;
    int disp_size;       /* 0, 1 or 4 bytes */
    uint32_t target;     /* the effective address */
    bool addr32;         /* 67 prefix in 64-bit mode */
} Operand;

typedef struct Gen {
    Rng rng;
    Sequence *seq;
    bool long_mode;
    int cur_group;
    uint16_t undef;               /* arithmetic flags currently undefined */
    uint64_t rsp;                 /* stack pointer value, known at every item */
    uint64_t fixed_value[16];
    bool fixed[16];               /* never written by generated code */
    /* items and jumps */
    unsigned item, n_items;
    uint16_t pending_undef[MAX_ITEMS + 1];
    bool jumped_into[MAX_ITEMS + 1];
    bool falls_through;           /* the previous item can fall into this one */
    unsigned max_jump_target;
    uint16_t item_offset[MAX_ITEMS + 1];
    unsigned n_jumps;
    struct { uint16_t field, insn_end; uint8_t size; uint8_t target; } jumps[MAX_JUMPS * 2];
    unsigned insn_start;          /* offset of the instruction being built */
} Gen;

/* An instruction to encode. */
typedef struct Enc {
    uint8_t prefixes[8];
    unsigned n_prefixes;
    bool rex_w, rex_force, rex_forbid;
    uint8_t opcode[3];
    unsigned opcode_len;
    int reg;                 /* ModRM.reg: register or /digit; -1: no ModRM */
    Operand rm;
    int opcode_reg;          /* register in the low opcode bits (+r forms), -1: none */
    uint64_t imm;
    unsigned imm_size;
} Enc;

void enc_init(Enc *e);
void enc_prefix(Enc *e, uint8_t prefix);
void enc_opcode(Enc *e, unsigned len, uint8_t b0, uint8_t b1, uint8_t b2);
/* operand size 2 adds 66, 8 sets REX.W */
void enc_size(Enc *e, unsigned size);
/* Emits one whole instruction into the sequence. */
void encode(Gen *g, const Enc *e);
/* the same with a VEX prefix (encode.c): map 1-3, pp, VEX.L, VEX.W, vvvv */
void encode_vex(Gen *g, const Enc *e, unsigned map, unsigned pp, bool l, bool w, int vvvv);

/* instruction bookkeeping */
void insn_begin(Gen *g);
void insn_end(Gen *g);
void emit_byte(Gen *g, uint8_t b);

/* flags: defined flags become defined, undefined ones undefined, others keep */
void flags_update(Gen *g, uint16_t defined, uint16_t undefined);
/* emits CMP reg, reg when any flag of mask is undefined */
void need_flags(Gen *g, uint16_t mask);

/* registers */
int reg_free(Gen *g);                 /* a register generated code may write */
int reg_any(Gen *g);                  /* any register (read only use) */
int reg_count(const Gen *g);
/* operand sizes valid in the mode */
unsigned size_pick(Gen *g, bool with_byte);

/* memory operands inside the scratch area, aligned to align */
Operand mem_operand(Gen *g, unsigned size, unsigned align);
Operand reg_operand(int reg);
/* register (free when writable) or memory */
Operand rm_operand(Gen *g, unsigned size, bool writable);
/* the same for 8-bit operands; updates e's REX constraints */
Operand rm8_operand(Gen *g, Enc *e, bool writable);

/* common set-up instructions */
void emit_mov_imm32(Gen *g, int reg, uint32_t value);   /* MOV r32, imm32 */
uint32_t scratch_address(Gen *g, unsigned size, unsigned align, unsigned margin);

/* jumps: emits the rel8/rel32 field of a jump whose opcode bytes are already out */
void jump_field(Gen *g, unsigned size, bool unconditional);
bool stack_allowed(const Gen *g);
/* records that the field at offset field refers to code offset target (a call,
 * a jump or an address of code), so that truncation keeps both or neither */
void code_reference(Gen *g, unsigned field, unsigned target);

uint64_t value_interesting(Rng *rng);

/* picks ModRM.rm (writable or not) and ModRM.reg for a size-byte r/m, reg form */
void pick_rm_reg(Gen *g, Enc *e, unsigned size, bool rm_writable, bool reg_writable);
/* the 8-bit register choice when e already has its r/m operand */
int reg8_for(Gen *g, Enc *e, bool writable);
/* the flags a condition code (low nibble of Jcc/SETcc/CMOVcc) reads */
uint16_t cc_flags(unsigned cc);
/* a memory operand at exactly target, base + disp32 */
Operand mem_at(Gen *g, uint32_t target);

/* the group generators, one table per file (groups-*.c) */
typedef void GroupGen(Gen *g);
typedef struct GroupDef {
    GroupInfo info;
    GroupGen *gen;
} GroupDef;
typedef struct GroupTable {
    const GroupDef *defs;
    unsigned count;
} GroupTable;
/* the generator of a group (one group may build its items from others) */
GroupGen *group_generator(int group);
extern const GroupTable alu_group_table;
extern const GroupTable bits_group_table;
extern const GroupTable move_group_table;
extern const GroupTable flow_group_table;
extern const GroupTable decode_group_table;
extern const GroupTable fault_group_table;
extern const GroupTable flags_group_table;
extern const GroupTable smc_group_table;
extern const GroupTable sse_group_table;
extern const GroupTable sse4_group_table;
extern const GroupTable avx_group_table;

#endif
