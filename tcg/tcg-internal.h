/*
 * Private structures of the translator, shared by the files of tcg/ (IR building,
 * optimizer, liveness, register allocator) and the host back ends. Nothing
 * outside tcg/ includes this.
 */
#ifndef TCG_TCG_INTERNAL_H
#define TCG_TCG_INTERNAL_H

#include "tcg/tcg.h"

#define TCG_MAX_TEMPS      4096
#define TCG_MAX_OP_ARGS    12
#define TCG_MAX_CALL_ARGS  6
#define TCG_MAX_SPILL_SLOTS 1024
#define TCG_CONST_HASH_SIZE 256
#define TCG_MAX_CHAIN_FIELDS 4
#define TCG_LOOP_MAX_REGS  10

typedef int64_t TCGArg;

typedef enum TCGTempKind {
    TEMP_NORMAL,     /* dies at br/set_label */
    TEMP_LOCAL,      /* survives labels inside the block, kept in a stack slot */
    TEMP_GLOBAL,     /* backed by env memory */
    TEMP_FIXED,      /* lives in one host register for the whole block (env) */
    TEMP_CONST,      /* read-only constant */
} TCGTempKind;

/* Where the current value of a temp is during register allocation. */
typedef enum TCGTempLocation {
    TEMP_VAL_DEAD,
    TEMP_VAL_REG,
    TEMP_VAL_MEM,
    TEMP_VAL_CONST,
} TCGTempLocation;

struct TCGTemp {
    TCGType type;
    TCGTempKind kind;
    int index;
    bool in_use;                 /* allocated in this function (normal/local) */
    int64_t value;               /* TEMP_CONST: the value (i32 sign-extended) */
    intptr_t mem_offset;         /* globals: from env; others: from the frame */
    bool mem_allocated;
    int const_hash_next;         /* chain in the constant table, -1 ends */
    const char *name;
    /* register allocation state */
    TCGTempLocation location;
    int reg;
    bool mem_coherent;           /* memory copy equals the value */
};

typedef struct TCGOp {
    uint8_t opc;
    uint8_t type;                /* TCGType of the outputs (first value operand) */
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    bool removed;
    bool narrow32;               /* i64 op whose result is zero-extended from 32 bits */
    uint16_t dead_args;          /* bit i: value argument i is not used after this op */
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

struct TCGLabel {
    int id;
    bool bound;
    uint32_t offset;             /* host code offset, once bound */
};

typedef struct TCGReloc {
    int label;
    uint32_t patch_offset;       /* offset of the rel32 field */
} TCGReloc;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs, flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

struct TCGContext {
    /* temps: [0, nb_globals) persist across blocks, the rest is per block */
    struct TCGTemp temps[TCG_MAX_TEMPS];
    int nb_globals;
    int nb_temps;
    int const_hash[TCG_CONST_HASH_SIZE];
    int free_temps[2][2];        /* heads of freed normal/local temp lists per type: unused */

    TCGOp *ops;
    int nb_ops, ops_capacity;
    bool ir_overflow;            /* the block needed more temps than there are */

    struct TCGLabel **labels;
    int nb_labels, labels_capacity;

    /* code emission */
    uint8_t *code_buf;           /* the whole mmap'd buffer */
    size_t code_buf_size;
    uint8_t *code_gen_start;     /* first byte after the prologue */
    const void *epilogue_return0;
    const void *prologue;
    uint8_t *code_ptr;           /* emission point */
    uint8_t *code_block_start;
    uint8_t *code_limit;
    bool code_overflow;
    TCGReloc *relocs;
    int nb_relocs, relocs_capacity;
    uint32_t last_call_end;      /* code offset right after the latest call */

    /* register allocation */
    int reg_to_temp[32];         /* -1 when free */
    uint32_t reserved_regs;
    int nb_spill_slots;
    TCGCodeInfo *info;
    bool mem_site_open;          /* the qemu_ld/st being allocated records a TCGMemSite */
    struct TCGSideExits *side_exits;
    struct TCGSlowPath *slow_paths;  /* the back end's out-of-line TLB-miss paths */
    int nb_slow_paths;
    /* chain-deferred state (chain-state.c): temp indexes, and what a selector
     * value reads (bit i: chain_fields[i]; UINT32_MAX: not known) */
    int chain_sel;
    int chain_fields[TCG_MAX_CHAIN_FIELDS];
    int chain_nb_fields;
    uint64_t chain_mask;         /* bit i: temp i (< 64) is the selector or a field */
    uint32_t (*chain_needed)(int64_t selector_value);
    int (*chain_predict)(void *opaque, int64_t target);
    void *chain_predict_opaque;  /* regalloc: write-backs of taken branches, out of line */

    /* self loop (loop.c): the back edge's pc value, and the plan for this block */
    bool has_loop_value;
    int64_t loop_value;
    struct TCGLoopPlan {
        int op;                  /* index of the first back edge's goto_tb, -1: none */
        int nb_edges;            /* every back edge (a trace may have two) */
        int edges[TCG_JMP_SLOTS];
        int n;                   /* globals kept in host registers over it */
        int temp[TCG_LOOP_MAX_REGS];
        int reg[TCG_LOOP_MAX_REGS];
        bool written[TCG_LOOP_MAX_REGS];
        uint32_t regs;           /* their registers, as a mask */
    } loop;

    struct TCGOptState *opt;     /* optimizer scratch, allocated once */
    uint8_t *live;               /* liveness scratch, TCG_MAX_TEMPS entries */
    uint8_t *label_live;         /* per label: which temps are live where it is set */
    size_t label_live_size;
    int64_t *sel_at;             /* liveness: per op, the chain fields an observer there
                                  * may read; then two scratch words per label */
    size_t sel_at_size;

    unsigned host_features;      /* back end's view of the host CPU */
    /* back end: the host flags reflect the value in register flags_reg - 1
     * (0: none) as long as the code offset is flags_end; flags_wide: set by a
     * 64-bit instruction, flags_logic: by AND/OR/XOR (OF = 0). Binding a label
     * or the loop header forgets them (tcg_forget_flags): code jumps there
     * with other flags. */
    uint32_t flags_end;
    int flags_reg;
    bool flags_wide, flags_logic;
    TCGJumpCacheProbe jump_cache_probe;  /* for tcg_gen_lookup_and_goto_ptr */
    bool has_jump_cache_probe;
    uintptr_t guest_base;
    bool addr32_fold;            /* tcg_set_addr32_fold */
    TCGSoftMMU softmmu;          /* system mode: how qemu_ld/st reach the TLB */
    bool has_softmmu;
    unsigned nb_insn_starts;     /* in the block being built */
    unsigned log_flags;
    FILE *log;
    TCGv env;
};

static inline int temp_index(TCGv t) { return t->index; }
static inline void tcg_forget_flags(TCGContext *s) { s->flags_reg = 0; }
static inline TCGv arg_temp(TCGContext *s, TCGArg a) { return &s->temps[a]; }

/* IR helpers used by the optimizer. */
TCGv tcg_constant_internal(TCGContext *s, TCGType type, int64_t value);
int64_t tcg_normalize(TCGType type, int64_t value);
const char *tcg_cond_name(TCGCond c);

/* Emits op with value temps vals (outputs first) and constant args cargs. */
void tcg_gen_op_raw(TCGContext *s, TCGOpcode opc, TCGType type, const TCGv *vals,
                    unsigned nvals, const TCGArg *cargs, unsigned ncargs);

/* Passes run by tcg_gen_code, in this order. */
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);
bool tcg_reg_alloc_code(TCGContext *s);
void tcg_side_exits_free(TCGContext *s);
bool tcg_chain_state_dead_at_entry(TCGContext *s);
/* Whether temp index is the chain-deferred selector or one of its fields;
 * inline: the allocator asks it of every global at every goto_tb. */
static inline bool tcg_is_chain_state(const TCGContext *s, int index)
{
    if (!s->chain_needed) {
        return false;
    }
    if ((unsigned)index < 64) {
        return (s->chain_mask >> index) & 1;
    }
    if (index == s->chain_sel) {
        return true;
    }
    for (int i = 0; i < s->chain_nb_fields; i++) {
        if (s->chain_fields[i] == index) {
            return true;
        }
    }
    return false;
}
/* User mode: "add t, base, const; qemu_ld/st ..., t" with t dead becomes one
 * access at base with the constant folded into the memop word's high half
 * (regalloc.c; the back end adds it to the host address). */
static inline int32_t tcg_memop_offset(TCGArg memop) { return (int32_t)((uint64_t)memop >> 32); }
/* It also folds "add_shl t, base, x, k, d" (or "add t, base, x") into the accesses
 * through t: each then has one more value argument (the index x, after the
 * address base) and k in the memop word's bits 16-17: [base + (x << k) + d]. */
#define TCG_MEMOP_SCALE_SHIFT 16
static inline unsigned tcg_memop_scale(TCGArg memop)
{
    return (unsigned)(memop >> TCG_MEMOP_SCALE_SHIFT) & 3;
}
void tcg_fold_mem_offsets(TCGContext *s);
/* loop.c */
void tcg_loop_plan(TCGContext *s, uint32_t reserved_regs);
int tcg_loop_index(const TCGContext *s, int temp);          /* in the plan, or -1 */
bool tcg_loop_is_back_edge(const TCGContext *s, int op);
bool tcg_loop_defers(const TCGContext *s, int temp);      /* stored after the back edge */
typedef struct TCGLoopMove {
    int src_reg, dst_reg;
} TCGLoopMove;
/* Register-to-register moves as if all at once (distinct destinations, distinct
 * sources); scratch is a register none of them uses. */
void tcg_loop_parallel_moves(TCGContext *s, TCGLoopMove *m, int n, int scratch);

#endif
