/*
 * Private structures of the execution layer (accel/tcg/): translation-block
 * bookkeeping, the TB cache and the per-CPU state behind CPUExec.priv.
 */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include <pthread.h>
#include "accel/tcg/exec.h"
#include "accel/tcg/tb-jump-cache.h"
#include "accel/tcg/cputlb.h"

#define TB_HASH_BITS 16
#define GUEST_PAGE_BITS 12
#define GUEST_PAGE_SIZE (1ull << GUEST_PAGE_BITS)
#define GUEST_PAGE_MASK (~(GUEST_PAGE_SIZE - 1))
/* private page flag: translated code was read from this page */
#define PAGE_HAS_CODE 0x80

/* One translated block; tb comes first so that a TranslationBlock pointer (what
 * generated code passes to exit_tb) is also a TBEntry pointer. */
typedef struct TBEntry {
    TranslationBlock tb;
    struct TBEntry *hash_next;
    bool invalid;
    bool uncached;               /* a one-off block, never looked up or chained */
    struct TBEntry *jmp_dest[TCG_JMP_SLOTS]; /* where goto_tb slot n is chained to */
    uintptr_t jmp_first;         /* incoming chained jumps: TBEntry pointer | slot */
    uintptr_t jmp_next[TCG_JMP_SLOTS];     /* next incoming jump of the same target, per slot */
    unsigned nb_insns;
    uint32_t *insn_end;          /* TCGCodeInfo's per-instruction data, kept compact */
    uint64_t (*insn_data)[2];
    unsigned nb_mem_sites;       /* user mode: TCGCodeInfo's mem-site tables, in */
    TCGMemSite *mem_sites;       /* the same allocation as insn_end */
    TCGSiteReg *site_regs;
    /* physical address of pc and physical page of the block's second page (-1
     * when it lies on one page), guest virtual ones in user mode; page_next[n]
     * continues the list of blocks of its n-th page (TBEntry pointer | n, as
     * jump lists) */
    uint64_t phys_pc, phys_page2;
    uintptr_t page_next[2];
} TBEntry;

/* The blocks translated from one page (physical in system mode, guest virtual
 * in user mode), for invalidation by address range. */
typedef struct PhysPageCode {
    uint64_t page;
    uintptr_t first;             /* TBEntry pointer | which of its pages */
    struct PhysPageCode *next;   /* hash chain */
} PhysPageCode;
#define PHYS_PAGE_HASH_BITS 12

/* The guest's page flags: two levels indexed by guest page number. */
#define PAGE_L2_BITS 18
#define PAGE_L1_BITS (48 - GUEST_PAGE_BITS - PAGE_L2_BITS)
typedef struct PageMap {
    uint8_t *l1[1 << PAGE_L1_BITS];
} PageMap;

/* Memory for the blocks' per-instruction data (TBEntry.insn_end and what
 * follows it): chunks filled in order and emptied all at once by a flush,
 * which is the only time that data is dropped (tb-cache.c). */
typedef struct InfoChunk {
    struct InfoChunk *next;
    size_t used, size;           /* bytes of data[] */
    _Alignas(16) unsigned char data[];
} InfoChunk;

struct TBCache {
    TCGContext *tcg;
    InfoChunk *info_first, *info_cur;
    int users;
    uint8_t *code_start, *code_next;
    size_t code_size;
    TBEntry *tbs;                /* in code-address order, so host pc lookup can bisect */
    size_t nb_tbs, capacity;
    TBEntry *hash[1 << TB_HASH_BITS];
    TCGCodeInfo info;            /* scratch for tcg_gen_code */
    PageMap *pages;
    uintptr_t guest_base;
    TBStatistics stats;
    volatile int unchained_all;  /* cpu_exit reset every goto_tb jump */
    bool softmmu;                /* blocks are keyed by physical page too */
    PhysPageCode *phys_pages[1 << PHYS_PAGE_HASH_BITS];
    /* --- sharing between threads (user mode; see the top of tb-cache.c) --- */
    pthread_mutex_t lock;        /* recursive: translation, chaining, invalidation, pages */
    bool threaded;               /* more than one CPU may run: blocks check the exit flag */
    intptr_t exit_flag_offset;   /* int32 at env + this stops a CPU's blocks (-1: none) */
    pthread_mutex_t excl_lock;   /* guards running, flush_pending, cpus */
    pthread_cond_t excl_cond;
    int running;                 /* CPUs inside cpu_exec */
    bool flush_pending;          /* the code buffer is full: flush once running is 0 */
    CPUExec *jc_cpu;             /* system-mode SMP: whose lookups the shared jump cache holds */
    CPUExec *cpus;               /* every CPU sharing the cache (CPUExecPriv.next_cpu) */
    /* the jump cache of every CPU on a threaded cache: generated code probes
     * the one it was translated with, which must outlive any thread */
    TBJumpCache *shared_jc;
};

typedef struct CPUExecPriv {
    TBJumpCache jump_cache;      /* this CPU's own (alone on its cache) */
    TBJumpCache *jc;             /* the one in use: jump_cache, or the cache's shared one */
    TCGJumpCacheProbe probe;     /* describes jc to the translator */
    bool single_insn_next;       /* retranslate the next block with one instruction */
    bool no_chaining;            /* -d exec, a debugger: every block returns to the loop */
    CPUDebugHook *debug_hook;    /* the gdb stub's, or NULL */
    void *debug_opaque;
    const void *epilogue;        /* where goto_ptr leaves generated code */
    /* user mode, while a block is being translated (under the cache lock, so
     * no page flag changes meanwhile): the code page translator_read_code
     * last checked and protected, read again without a second look
     * (UINT64_MAX: none yet); outside a translation code_page_cache is off */
    bool code_page_cache;
    uint64_t code_page;
    /* --- system mode (cputlb.c) --- */
    bool softmmu;
    AddressSpace *as;
    intptr_t tlb_offset;         /* CPUTLB at env + tlb_offset */
    MemListener listener;
    /* live migration's dirty-page log (tlb_set_dirty_log), or NULL */
    void (*dirty_log)(void *opaque, uint64_t paddr);
    void *dirty_opaque;
    /* a debugger's watchpoints (cpu_watch_set): their pages carry TLB_WATCH */
    CPUWatchRange *watch;
    int nwatch;
    CPUWatchHook *watch_hook;
    void *watch_opaque;
    volatile int interrupt_request;
    bool halted;
    CPUExec *next_cpu;           /* TBCache.cpus list */
} CPUExecPriv;

static inline CPUExecPriv *cpu_priv(CPUExec *cpu) { return cpu->priv; }

/* tb-cache.c */
TBCache *tb_cache_new(TCGContext *tcg);
void tb_cache_unref(TBCache *c);
TBEntry *tb_lookup(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags);
TBEntry *tb_translate(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
                      int max_insns, bool uncached);
void tb_add_jump(TBCache *c, TBEntry *src, unsigned slot, TBEntry *dst);
TBEntry *tb_find_by_host_pc(TBCache *c, uintptr_t host_pc);
void tb_invalidate_one(TBCache *c, TBEntry *e);
void tb_reset_all_jumps(TBCache *c, bool forget_links);
static inline void tb_lock(TBCache *c) { pthread_mutex_lock(&c->lock); }
static inline void tb_unlock(TBCache *c) { pthread_mutex_unlock(&c->lock); }
/* Threaded caches: cpu_exec counts the CPUs inside it; a full code buffer is
 * flushed by the last one out (tb-cache.c). */
void tb_exec_enter(CPUExec *cpu);
void tb_exec_leave(CPUExec *cpu);
/* The exit flag of cpu (threaded caches), NULL when there is none. */
static inline volatile int32_t *cpu_exit_flag(CPUExec *cpu)
{
    intptr_t off = cpu->tbs->exit_flag_offset;
    return off >= 0 ? (volatile int32_t *)((char *)cpu->env + off) : NULL;
}

/* system mode (tb-cache.c): blocks by physical page */
TBEntry *tb_lookup_phys(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
                        uint64_t phys_pc);
bool tb_phys_page_has_code(TBCache *c, uint64_t page);
/* Drops the blocks with code in physical [start, end); returns true when the block
 * containing host_pc (0: none) was among them. */
bool tb_invalidate_phys_range(CPUExec *cpu, uint64_t start, uint64_t end, uintptr_t host_pc);

/* cputlb.c */
static inline bool cpu_is_softmmu(CPUExec *cpu) { return cpu_priv(cpu)->softmmu; }
static inline CPUTLB *cpu_tlb(CPUExec *cpu)
{
    return (CPUTLB *)((char *)cpu->env + cpu_priv(cpu)->tlb_offset);
}

/* System mode: the flag every block tests first, set by cpu_exit and
 * cpu_interrupt, cleared by the execution loop (CPUTLB.exit_flag). */
static inline volatile int32_t *cpu_tb_exit_flag(CPUExec *cpu)
{
    return &cpu_tlb(cpu)->exit_flag;
}
/* Physical address of code at vaddr from the code TLB, filling it; false when
 * the target has no mapping (nothing raised). */
bool tlb_code_phys_probe(CPUExec *cpu, uint64_t vaddr, uint64_t *phys);
/* Sets TLB_NOTDIRTY on the write entries of a RAM page that just got code, in
 * the TLB of every CPU on cpu's cache. */
void tlb_protect_code(CPUExec *cpu, uint64_t phys_page);
/* Reads code in system mode (translator_read_code). */
bool softmmu_read_code(CPUExec *cpu, uint64_t addr, void *dst, unsigned len);
/* The CPU running generated code on this thread (cpu-exec.c). */
CPUExec *cpu_exec_current(void);
/* The write at host_pc dropped the running block: restart at its instruction. */
void cpu_restart_current_insn(CPUExec *cpu, uintptr_t host_pc) __attribute__((noreturn));

/* user-pages.c */
PageMap *page_map_new(void);
void page_map_free(PageMap *m);
void page_mark_unwritable(CPUExec *cpu, uint64_t page);

#endif
