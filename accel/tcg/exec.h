/*
 * The execution layer: runs guest code through the translator. It owns the
 * translation-block cache (hash table keyed by guest pc, cs_base and flags, plus a
 * per-CPU jump cache), chains blocks by patching their goto_tb jumps, and throws
 * blocks away when guest code is written or the code buffer fills.
 *
 * It knows the guest only through TargetTranslateOps, which a front end
 * (target-i386/) provides. User mode (linux-user/) and, later, system mode sit on
 * top: they call cpu_exec in a loop and handle the exception it returns.
 */
#ifndef ACCEL_TCG_EXEC_H
#define ACCEL_TCG_EXEC_H

#include <setjmp.h>
#include <stdint.h>
#include "tcg/tcg.h"

/* Exception numbers below 0x100 are the target's (x86 vectors); these are generic. */
#define EXCP_INTERRUPT  0x10000   /* cpu_exec asked to stop (cpu_exit) */
#define EXCP_HLT        0x10001
#define EXCP_DEBUG      0x10002

typedef struct TranslationBlock TranslationBlock;
typedef struct CPUExec CPUExec;
typedef struct TBCache TBCache;

struct TranslationBlock {
    uint64_t pc;                 /* guest address of the first instruction */
    uint64_t cs_base;
    uint32_t flags;              /* target's mode bits the code depends on */
    uint32_t size;               /* guest bytes covered */
    uint16_t icount;             /* guest instructions */
    void *tc_ptr;                /* host code */
    uint32_t tc_size;
    uint16_t jmp_insn_offset[TCG_JMP_SLOTS];   /* slots: tcg.h */
    uint16_t jmp_reset_offset[TCG_JMP_SLOTS];
    uint16_t jmp2_insn_offset[TCG_JMP_SLOTS];  /* after the chain-deferred stores (tcg.h) */
    bool chain_state_dead;         /* may be entered without them */
    uint8_t loop_slots;            /* bit n: slot n is a back edge to itself (tcg.h) */
    uint16_t loop_header_offset;   /* where that slot's jump goes when chained */
    /* the layer's own bookkeeping (hash chains, page lists, jump lists) follows
     * in accel/tcg's private structures */
    void *priv;
};

typedef struct TargetTranslateOps {
    /* the key of the block that starts at the CPU's current state */
    void (*get_tb_state)(void *env, uint64_t *pc, uint64_t *cs_base, uint32_t *flags);
    /* emits IR for one block at tb->pc (at most max_insns instructions) and sets
     * tb->size and tb->icount */
    void (*translate)(TCGContext *s, void *env, TranslationBlock *tb, int max_insns);
    /* puts the guest state back at an instruction boundary, from the two words the
     * front end recorded with insn_start (guest pc, front-end word) */
    void (*restore_state)(void *env, const TranslationBlock *tb, const uint64_t data[2]);

    /* --- system mode only (see accel/tcg/cputlb.h); NULL in user mode --- */
    /* Makes vaddr accessible for access_type (MMUAccessType) at mmu_idx with
     * tlb_set_page, or: returns false when probe, else raises the guest's fault
     * (cpu_loop_exit_restore with ra; never returns). */
    bool (*tlb_fill)(void *env, uint64_t vaddr, unsigned size, int access_type,
                     int mmu_idx, bool probe, uintptr_t ra);
    /* MMU index of code fetches in the CPU's current state */
    int (*code_mmu_index)(void *env);
    /* Delivers exception/interrupt cpu->exception_index (< 0x100) through the
     * guest's tables; may raise a nested one (cpu_loop_exit). */
    void (*do_interrupt)(void *env);
    /* Takes one of the requested interrupts (CPU_INTERRUPT_*) if the CPU accepts
     * it now (IF, interrupt shadow); true when it did (state changed). */
    bool (*exec_interrupt)(void *env, int interrupt_request);
    /* A halted CPU resumes when this says so. */
    bool (*has_work)(void *env, int interrupt_request);
    /* Optional, both modes: an access with MO_ALIGN at a misaligned address
     * (raises the target's fault, never returns); NULL: the access proceeds. */
    void (*do_unaligned_access)(void *env, uint64_t addr, int access_type, int mmu_idx,
                                uintptr_t ra);
    /* User mode: cpu_ld/st_mmu or cpu_probe_access found addr not mapped with
     * the rights access_type needs; raises the guest's fault (never returns). */
    void (*user_fault)(void *env, uint64_t addr, int access_type, uintptr_t ra);
} TargetTranslateOps;

struct CPUExec {
    void *env;                            /* target CPU state, given to generated code */
    const TargetTranslateOps *ops;
    TCGContext *tcg;
    TBCache *tbs;
    int exception_index;
    sigjmp_buf jmp_env;                   /* helpers leave generated code through it */
    volatile int exit_request;
    void *priv;                           /* jump cache and statistics */
};

/* Creates the execution state for one CPU (the TB cache may be shared). */
CPUExec *cpu_exec_new(void *env, const TargetTranslateOps *ops, TCGContext *tcg);
/* User mode threads: another CPU (its own env) sharing other's translation cache,
 * TCG context and guest pages. Call cpu_exec_enable_threads first. */
CPUExec *cpu_exec_new_sharing(void *env, CPUExec *other);
/* User mode, before the second CPU runs (only this one may be running, and not
 * inside cpu_exec): from now on every block starts by testing the int32 at
 * env + exit_flag_offset of the CPU running it, which cpu_exit sets; the cache
 * is flushed so that older blocks (without the test) go. Idempotent. */
void cpu_exec_enable_threads(CPUExec *cpu, intptr_t exit_flag_offset);
/* User mode fork from a system call of cpu (outside cpu_exec): prepare takes
 * the cache's locks so that no other thread holds them across the fork;
 * parent gives them back; child starts over with cpu as the only CPU. */
void cpu_exec_fork_prepare(CPUExec *cpu);
void cpu_exec_fork_parent(CPUExec *cpu);
void cpu_exec_fork_child(CPUExec *cpu);
void cpu_exec_free(CPUExec *cpu);
/* Runs until an exception; returns its number (exception_index). */
int cpu_exec(CPUExec *cpu);
/* Asks cpu_exec to return EXCP_INTERRUPT soon, even from a loop of chained
 * blocks: unchains every block. Async-signal-safe (call it from a signal
 * handler or another thread). */
void cpu_exit(CPUExec *cpu);
/* From a helper: leave generated code now, cpu_exec returns exception_index. */
void cpu_loop_exit(CPUExec *cpu) __attribute__((noreturn));
/* The same after restoring the guest state of the instruction whose host code
 * contains host_pc (the helper's return address, or a faulting host pc). */
void cpu_loop_exit_restore(CPUExec *cpu, uintptr_t host_pc) __attribute__((noreturn));
bool cpu_restore_state(CPUExec *cpu, uintptr_t host_pc);
/* User mode, from a host fault handler: host_regs[n] is host register n (the
 * back end's numbering: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15) at
 * host_pc. Writes the guest state that generated code kept in registers there
 * to the CPU state; call it before cpu_restore_state. */
#define TCG_HOST_FAULT_REGS 16
bool cpu_restore_host_regs(CPUExec *cpu, uintptr_t host_pc,
                           const uint64_t host_regs[TCG_HOST_FAULT_REGS]);
/* The same from a host signal handler's context (ucontext_t) when host_pc is
 * in generated code (accel/tcg/host-fault.c). */
bool cpu_restore_host_context(CPUExec *cpu, uintptr_t host_pc, const void *context);
/* Emitted by the front end at the start of every block: in system mode, leaves
 * the block (before its first instruction) when an interrupt or exit is pending;
 * nothing in user mode. */
void translator_gen_tb_start(CPUExec *cpu, TCGContext *s, TranslationBlock *tb);
/* Whether a direct jump from the block starting at linear address first, whose
 * last instruction is at last, to dest may be a chained goto_tb. In system mode
 * only a jump staying on the block's pages may (tb_add_jump refuses others);
 * the front end leaves through the jump cache instead. */
bool translator_use_goto_tb(CPUExec *cpu, uint64_t first, uint64_t last, uint64_t dest);
/* System mode: the CPU is halted (HLT) until has_work says otherwise. */
void cpu_set_halted(CPUExec *cpu, bool halted);
bool cpu_is_halted(CPUExec *cpu);

/* Drops every translated block that overlaps guest [start, end) (user mode:
 * virtual addresses; system mode: physical addresses). */
void tb_invalidate_range(CPUExec *cpu, uint64_t start, uint64_t end);
void tb_flush(CPUExec *cpu);
/* --- guest address space for user mode: guest address a lives at host address
 * guest_base + a; page flags record what the guest mapped (4 KiB pages). --- */
#define PAGE_READ       0x01
#define PAGE_WRITE      0x02
#define PAGE_EXEC       0x04
#define PAGE_VALID      0x08
#define PAGE_WRITE_ORG  0x10   /* guest may write; host page write-protected because it holds code */
void cpu_exec_set_guest_base(CPUExec *cpu, uintptr_t guest_base);   /* also tells TCG */
uintptr_t cpu_exec_guest_base(const CPUExec *cpu);
/* A 32-bit guest whose space has guard regions 2 GiB deep on both sides: its
 * blocks may fold displacements into host addresses (tcg_set_addr32_fold). */
void cpu_exec_set_addr32_fold(CPUExec *cpu, bool on);
/* The host fault at host_pc hit a guard region: an access whose folded
 * displacement wrapped. Does not return. */
void cpu_exec_addr32_wrapped(CPUExec *cpu, uintptr_t host_pc);
/* Sets flags of the pages of [start, end); changing or dropping a page that holds
 * translated code invalidates those blocks. */
void page_set_flags(CPUExec *cpu, uint64_t start, uint64_t end, int flags);
int page_get_flags(CPUExec *cpu, uint64_t addr);
/* The first address in [addr, end) that may have flags (end when none): what
 * lies before it has none, skipped in 1 GiB pieces of the map that were never
 * set (walks over large host mappings, e.g. a sanitizer's shadow memory). */
uint64_t page_next_tracked(CPUExec *cpu, uint64_t addr, uint64_t end);
/* true when every page of [start, start+len) has all of flags */
bool page_check_range(CPUExec *cpu, uint64_t start, uint64_t len, int flags);
/* A host write fault at guest_addr: when the page was write-protected only because it
 * holds translated code, drops those blocks, restores write access and returns true
 * (the faulting access can be retried). */
bool page_unprotect(CPUExec *cpu, uint64_t guest_addr, uintptr_t host_pc);
/* true when host_pc lies in generated code (a fault there is the guest's) */
bool cpu_exec_pc_in_code(CPUExec *cpu, uintptr_t host_pc);
/* Reads guest code for the translator; false when [addr, addr+len) is not
 * mapped executable (the front end then raises a page fault at addr). */
bool translator_read_code(CPUExec *cpu, uint64_t addr, void *dst, unsigned len);

/* A debugger (the gdb stub): with a hook set, no block is chained and the hook
 * sees the start of every block before it runs (pc, its guest bytes and
 * instructions) and answers DEBUG_RUN, DEBUG_ONE_INSN (run only the first
 * instruction, then come back) or DEBUG_STOP (cpu_exec returns EXCP_DEBUG
 * with the CPU at pc). Set it outside cpu_exec; NULL removes it. */
enum { DEBUG_RUN, DEBUG_ONE_INSN, DEBUG_STOP };
typedef int CPUDebugHook(void *opaque, uint64_t pc, uint32_t size, unsigned icount);
void cpu_exec_set_debug_hook(CPUExec *cpu, CPUDebugHook *hook, void *opaque);

/* A debugger's watchpoints (system mode): data accesses to the virtual pages
 * holding one of ranges take the softmmu slow path, which asks hook(opaque,
 * vaddr, len, is_write) about each access overlapping a range. A true answer
 * restarts the access's instruction as a block of its own, before it changed
 * anything; the hook lets that run and stops the CPU after it (a trap-class
 * data breakpoint, Intel SDM vol. 3B 17.2.4). The ranges are copied; n = 0
 * removes them. Set it outside cpu_exec. */
typedef struct CPUWatchRange {
    uint64_t addr, len;
} CPUWatchRange;
typedef bool CPUWatchHook(void *opaque, uint64_t vaddr, unsigned len, bool is_write);
void cpu_watch_set(CPUExec *cpu, const CPUWatchRange *ranges, int n, CPUWatchHook *hook,
                   void *opaque);

/* Counters for a monitor or -d output. */
typedef struct TBStatistics {
    uint64_t nb_tbs;             /* blocks currently cached */
    uint64_t nb_translations;    /* blocks translated since start */
    uint64_t nb_flushes;         /* full flushes (code buffer full or tb_flush) */
    uint64_t nb_invalidations;   /* blocks dropped because guest code changed */
    uint64_t nb_chained;         /* goto_tb jumps patched */
    uint64_t nb_lookup_misses;   /* indirect jumps the inline jump-cache probe missed */
    uint64_t code_bytes_used, code_bytes_total;
} TBStatistics;
void tb_get_statistics(CPUExec *cpu, TBStatistics *out);

/* Helper target for indirect jumps when the inline jump-cache probe misses (see
 * accel/tcg/tb-jump-cache.h): host code of the next block, or the epilogue. */
const void *helper_lookup_tb_ptr(void *env);

#endif
