/*
 * Differential CPU test: random x86 instruction sequences run natively (the host
 * is x86-64) and through Quetzal's translator; the final states must agree.
 *
 * Memory map shared by both runs (identity mapped, guest_base 0, all below 2 GiB
 * so that 32-bit code and disp32 absolute addresses reach everything):
 *   STATE_ADDR    native glue data: input/output register blocks, saved host RSP
 *   SCRATCH_ADDR  data and stack of the sequences (compared byte for byte)
 *   CODE_ADDR     native glue code page, then one slot of two pages per sequence
 *                 of a batch; half of the sequences straddle the page boundary in
 *                 the middle of their slot (blocks and instructions across pages)
 */
#ifndef TESTS_DIFFTEST_DIFFTEST_H
#define TESTS_DIFFTEST_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_ADDR    0x0f000000u
#define STATE_SIZE    0x1000u
#define SCRATCH_ADDR  0x10000000u
#define SCRATCH_SIZE  0x4000u
#define CODE_ADDR     0x20000000u
#define SLOT_SIZE     0x2000u
#define MAX_BATCH     256
#define CODE_SIZE     (0x1000u + MAX_BATCH * SLOT_SIZE)
#define SLOT_ADDR(i)  (CODE_ADDR + 0x1000u + (uint32_t)(i) * SLOT_SIZE)
#define SEQ_ADDR(seq, i) (SLOT_ADDR(i) + (seq)->slot_offset)
/* GS base of 64-bit runs (set with arch_prctl natively): GS-relative operands
 * address the scratch area by offset, as TLS accesses do */
#define GS_BASE       SCRATCH_ADDR

/* Intel SDM vol. 1, 3.4.3 EFLAGS */
#define FLAG_CF 0x0001u
#define FLAG_PF 0x0004u
#define FLAG_AF 0x0010u
#define FLAG_ZF 0x0040u
#define FLAG_SF 0x0080u
#define FLAG_DF 0x0400u
#define FLAG_OF 0x0800u
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)
#define FLAGS_COMPARED (FLAGS_ARITH | FLAG_DF)

/* x86 register numbers (ModRM order) */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* The architectural state compared between the runs; layout known to the native glue. */
typedef struct DiffState {
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t pad;
    uint8_t xmm[16][16];
    /* AVX groups only (FEATURE_AVX2): bits 255:128 of the YMM registers and
     * MXCSR; 0x1f80 (the default) for the others */
    uint8_t ymmh[16][16];
    uint32_t mxcsr;
    uint32_t pad2[3];
} DiffState;

/* --- a generated sequence --- */
#define MAX_CODE   0x7f0
#define MAX_INSNS  192
#define MAX_SEQ_JUMPS 160
#define RUNS 2

typedef struct Sequence {
    uint64_t seed;
    bool long_mode;
    int group;                  /* main group (index into the group table), -1: mixed */
    uint8_t code[MAX_CODE];
    unsigned code_len;
    uint16_t slot_offset;       /* where in its slot the sequence starts */
    unsigned n_insns;
    uint16_t insn_offset[MAX_INSNS];
    int16_t insn_group[MAX_INSNS];
    uint16_t insn_undef[MAX_INSNS];   /* flags undefined before the instruction */
    uint16_t end_undef;               /* flags undefined at the end */
    /* forward jumps and other references to the sequence's own code: offset of
     * the field and of the target (for truncation) */
    unsigned n_jumps;
    struct { uint16_t field, target; } jumps[MAX_SEQ_JUMPS];
    /* displacements resolved when the sequence is placed at an address: RIP-relative
     * ones to a data address (target), or absolute ones to the code byte at
     * offset target of the sequence (code_address) */
    unsigned n_fixups;
    struct {
        uint16_t disp_offset, insn_end;
        uint32_t target;
        bool code_address;
    } fixups[MAX_INSNS];
    /* two initial states: the same fixed base registers, stack pointer and DF,
     * different data; each side runs the sequence from both */
    DiffState init[RUNS];
    uint64_t scratch_seed[RUNS];
} Sequence;

/* --- the generator (generate.c, groups-*.c) --- */
typedef struct GroupInfo {
    const char *name;
    bool in_check;        /* enabled in the check suite (false: known to fail) */
    bool long_only;       /* encodings exist only in 64-bit mode */
    unsigned features;    /* host CPU features the native run needs (FEATURE_*) */
    /* non-NULL: the group is known to fail under --system (the emulator bug);
     * --groups check leaves it out there */
    const char *system_bug;
} GroupInfo;

/* CPUID bits (Intel SDM vol. 2A, CPUID) */
#define FEATURE_POPCNT  0x1u   /* leaf 1 ECX bit 23 */
#define FEATURE_CX16    0x2u   /* leaf 1 ECX bit 13 */
#define FEATURE_LZCNT   0x4u   /* leaf 80000001h ECX bit 5 */
#define FEATURE_LAHF64  0x8u   /* leaf 80000001h ECX bit 0 */
#define FEATURE_BMI1    0x10u  /* leaf 7 EBX bit 3 (TZCNT) */
#define FEATURE_SSE42   0x20u  /* leaf 1 ECX bits 19, 20 (SSE4.1, SSE4.2) */
#define FEATURE_CRYPTO  0x40u  /* leaf 1 ECX bits 25, 1 (AES, PCLMULQDQ), leaf 7 EBX bit 29 (SHA) */
#define FEATURE_ADX     0x80u  /* leaf 7 EBX bit 19 */
/* AVX, AVX2, FMA, F16C and the OS saving YMM state: leaf 1 ECX bits 28, 12,
 * 29, 27 (OSXSAVE) with XCR0 bits 1-2, leaf 7 EBX bit 5 */
#define FEATURE_AVX2    0x100u

int group_count(void);
const GroupInfo *group_info(int group);
int group_find(const char *name);
/* Builds the sequence for seed in 64- or 32-bit mode from group (or mixed: -1,
 * drawing from the groups whose bit is set in mixed_mask). */
void sequence_generate(Sequence *seq, uint64_t seed, bool long_mode, int group,
                       const bool *mixed_allowed);
/* Copies the sequence's code to addr and resolves its RIP-relative operands. */
void sequence_place(const Sequence *seq, uint8_t *dst, uint64_t addr);
void scratch_fill(uint8_t *scratch, uint64_t seed);
/* The first n instructions of src as a sequence of their own; false when a jump
 * among them targets an instruction beyond. */
bool sequence_truncate(const Sequence *src, unsigned n, Sequence *dst);

/* --- runs --- */
enum { RUN_NOT_RUN, RUN_DONE, RUN_EXCEPTION, RUN_CRASH };

typedef struct RunResult {
    int32_t status;
    int32_t exception;      /* x86 vector (RUN_EXCEPTION) or host signal (RUN_CRASH) */
    uint64_t fault_offset;  /* RIP - sequence address at the exception */
    /* the exception's error code, -1 when its vector pushes none (Intel SDM vol.
     * 3A, table 6-1), and CR2 after #PF: set by the native and the system-mode
     * sides (user mode has no architectural error code to compare) */
    int64_t error_code;
    uint64_t cr2;
    DiffState state;
    uint8_t scratch[SCRATCH_SIZE];
} RunResult;

/* One side of the comparison, run inside a forked child for a batch. */
typedef struct Runner {
    const char *name;
    /* runs the sequence from init[0] then init[1] into results[0] and [1] */
    /* per child set-up; log_flags: TCG_LOG_* for the translator's log (stderr) */
    void *(*start)(unsigned log_flags);
    void (*run)(void *ctx, const Sequence *seq, unsigned slot, RunResult *results);
} Runner;

extern const Runner native_runner;
/* whether exception vector pushes an error code (Intel SDM vol. 3A, table 6-1) */
static inline bool vector_has_error_code(int vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}
/* the FEATURE_* bits of this host */
unsigned native_features(void);
/* whether this host runs 32-bit code in a compatibility-mode segment (tried in
 * a child process) */
bool native_compat_mode_works(void);
extern const Runner translated_runner;
/* the translated side in system mode: a long-mode guest at CPL 3 (system.c) */
extern const Runner system_runner;

/* Maps the fixed areas (state, scratch, code) in this process. */
void memory_map_fixed(void);
/* Runs seqs[0..n) with runner in forked children (restarting after a crash),
 * filling results[n * RUNS]. */
void sandbox_run_batch(const Runner *runner, const Sequence *seqs, unsigned n,
                       RunResult *results, unsigned log_flags);

/* --- random numbers (splitmix64 / xoshiro256**), seeded and reproducible --- */
typedef struct Rng { uint64_t s[4]; } Rng;
void rng_seed(Rng *rng, uint64_t seed);
uint64_t rng_next(Rng *rng);
uint64_t rng_below(Rng *rng, uint64_t n);   /* uniform in [0, n) */
uint64_t splitmix64(uint64_t *state);

#endif
