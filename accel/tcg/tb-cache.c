/*
 * The translation-block cache: blocks are allocated in code-buffer order, found
 * by (pc, cs_base, flags) through a hash table (and each CPU's jump cache),
 * chained to each other by patching goto_tb jumps, and thrown away one by one
 * (guest code changed) or all at once (code buffer full).
 *
 * Sharing between threads (user mode, one CPU per guest thread, all on one
 * cache; cpu_exec_new_sharing):
 * - Writers hold c->lock (a recursive mutex): translation (the one TCGContext
 *   and the code buffer), adding to the hash table, chaining, invalidation and
 *   the guest page flags (user-pages.c). A thread that misses the lookup
 *   looks again under the lock before translating, so a block is made once.
 * - Lookups take no lock. A new entry is written completely, then published
 *   with release stores (the hash-chain head, nb_tbs for the host-pc search);
 *   readers load with acquire. Removal from a hash chain keeps the removed
 *   entry's own link, so a reader walking through it still reaches the rest;
 *   every reader checks the entry's invalid flag.
 * - Chaining and unchaining patch the 4-byte-aligned rel32 of a goto_tb with one
 *   atomic store (tcg_patch_goto_tb), under the lock: a thread running the
 *   block takes either the old or the new target, both valid code.
 * - Invalidation (self-modifying code, munmap/mprotect of code) marks the block
 *   invalid, takes it out of the hash table and unchains the jumps into it;
 *   its code and entry stay in place, so a thread still inside it finishes the
 *   block (as the stale instruction bytes it fetched) and comes back to the
 *   loop. Code and entries are only reused by a full flush.
 * - A full flush happens only while no CPU is inside cpu_exec. The thread that
 *   finds the buffer full sets flush_pending, kicks every CPU (cpu_exit), drops
 *   the lock and leaves generated code; each CPU leaving or entering cpu_exec
 *   passes tb_exec_leave/tb_exec_enter, and the last one out does the flush
 *   (and empties every CPU's jump cache) before anyone goes back in. Threads
 *   blocked in system calls are outside cpu_exec and do not hold it up.
 * - The jump cache (pc hash -> block) that generated code probes inline is
 *   the one it was translated with, so with threads all CPUs use one, owned
 *   by the cache (a thread's own would be freed at its exit while blocks it
 *   translated still probe it). Its slots are plain pointer stores: a reader
 *   sees an old or a new entry and checks its key and invalid flag.
 * - A CPU's exit request must stop it even in a loop of chained blocks
 *   without disturbing the others: with threads, every block starts by
 *   testing an int32 at a fixed offset from env (translator_gen_tb_start);
 *   cpu_exit sets that CPU's flag only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "accel/tcg/internal.h"

/* Average host code per block is far above this; the pool rarely limits. */
#define MIN_CODE_PER_TB 96

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        fprintf(stderr, "quetzal: out of memory for the translation cache\n");
        abort();
    }
    return p;
}

/* Zeroed memory of its own mapping, in huge pages where the host gives them:
 * the tables grow one block at a time, and a fault per 4 KiB page of them
 * costs more than the zeroing of a huge page (a hint only). */
static void *big_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "quetzal: out of memory for the translation cache\n");
        abort();
    }
    madvise(p, size, MADV_HUGEPAGE);
    return p;
}

TBCache *tb_cache_new(TCGContext *tcg)
{
    TBCache *c = xcalloc(1, sizeof(*c));
    c->tcg = tcg;
    c->users = 1;
    c->code_start = tcg_code_buffer(tcg, &c->code_size);
    c->code_next = c->code_start;
    c->capacity = c->code_size / MIN_CODE_PER_TB + 16;
    c->tbs = big_alloc(c->capacity * sizeof(TBEntry));
    c->pages = page_map_new();
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&c->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_init(&c->excl_lock, NULL);
    pthread_cond_init(&c->excl_cond, NULL);
    c->exit_flag_offset = -1;
    return c;
}

static void phys_pages_clear(TBCache *c);

#define INFO_CHUNK_SIZE (4u << 20)

/* n bytes (16-byte aligned) for a block's per-instruction data, from the
 * chunks (no malloc per block); they live until the next flush. */
static void *info_alloc(TBCache *c, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    InfoChunk *k = c->info_cur;
    while (k && k->used + n > k->size) {
        k = k->next;
        if (k) {
            k->used = 0;
        }
    }
    if (!k) {
        size_t bytes = n + sizeof(InfoChunk) > INFO_CHUNK_SIZE ? n + sizeof(InfoChunk)
                                                                : INFO_CHUNK_SIZE;
        k = big_alloc(bytes);
        k->size = bytes - sizeof(InfoChunk);
        k->used = 0;
        k->next = NULL;
        if (c->info_cur) {
            /* after the current one, ahead of the (emptied) ones that follow it */
            k->next = c->info_cur->next;
            c->info_cur->next = k;
        } else {
            c->info_first = k;
        }
    }
    c->info_cur = k;
    void *p = k->data + k->used;
    k->used += n;
    return p;
}

/* Every block's data is dropped: the chunks are kept for the next blocks. */
static void free_insn_info(TBCache *c)
{
    for (size_t i = 0; i < c->nb_tbs; i++) {
        c->tbs[i].insn_end = NULL;
    }
    c->info_cur = c->info_first;
    if (c->info_cur) {
        c->info_cur->used = 0;
    }
}

static void info_chunks_free(TBCache *c)
{
    for (InfoChunk *k = c->info_first, *next; k; k = next) {
        next = k->next;
        munmap(k, k->size + sizeof(InfoChunk));
    }
    c->info_first = c->info_cur = NULL;
}

void tb_cache_unref(TBCache *c)
{
    if (!c || __atomic_sub_fetch(&c->users, 1, __ATOMIC_ACQ_REL) > 0) {
        return;
    }
    info_chunks_free(c);
    phys_pages_clear(c);
    free(c->shared_jc);
    munmap(c->tbs, c->capacity * sizeof(TBEntry));
    page_map_free(c->pages);
    free(c);
}

static unsigned tb_hash(uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    uint64_t h = (pc ^ (cs_base * 31) ^ ((uint64_t)flags << 32)) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static bool tb_matches(const TBEntry *e, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    return !e->invalid && e->tb.pc == pc && e->tb.cs_base == cs_base && e->tb.flags == flags;
}

TBEntry *tb_lookup(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    CPUExecPriv *p = cpu_priv(cpu);
    unsigned jh = jump_cache_hash(pc);
    TBEntry *e = p->jc->slot[jh];
    if (e && tb_matches(e, pc, cs_base, flags)) {
        return e;
    }
    e = __atomic_load_n(&cpu->tbs->hash[tb_hash(pc, cs_base, flags)], __ATOMIC_ACQUIRE);
    for (; e; e = __atomic_load_n(&e->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb_matches(e, pc, cs_base, flags)) {
            p->jc->slot[jh] = e;
            return e;
        }
    }
    return NULL;
}

static void phys_pages_clear(TBCache *c)
{
    for (size_t i = 0; i < (1u << PHYS_PAGE_HASH_BITS); i++) {
        while (c->phys_pages[i]) {
            PhysPageCode *next = c->phys_pages[i]->next;
            free(c->phys_pages[i]);
            c->phys_pages[i] = next;
        }
    }
}

void tb_flush(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    free_insn_info(c);
    phys_pages_clear(c);
    c->nb_tbs = 0;
    c->code_next = c->code_start;
    memset(c->hash, 0, sizeof(c->hash));
    memset(cpu_priv(cpu)->jc->slot, 0, sizeof(cpu_priv(cpu)->jc->slot));
    if (c->shared_jc) {
        memset(c->shared_jc->slot, 0, sizeof(c->shared_jc->slot));
    }
    c->stats.nb_flushes++;
}

static void tb_hash_remove(TBCache *c, TBEntry *e)
{
    TBEntry **link = &c->hash[tb_hash(e->tb.pc, e->tb.cs_base, e->tb.flags)];
    for (; *link; link = &(*link)->hash_next) {
        if (*link == e) {
            __atomic_store_n(link, e->hash_next, __ATOMIC_RELEASE);
            return;
        }
    }
}

/* Points both jumps of a goto_tb slot at the code right after them. */
static void reset_slot_code(const TBEntry *src, unsigned slot)
{
    uintptr_t base = (uintptr_t)src->tb.tc_ptr;
    tcg_patch_goto_tb(base + src->tb.jmp_insn_offset[slot], base + src->tb.jmp_reset_offset[slot]);
    if (src->tb.jmp2_insn_offset[slot] != UINT16_MAX) {
        tcg_patch_goto_tb(base + src->tb.jmp2_insn_offset[slot],
                          base + src->tb.jmp2_insn_offset[slot] + 5);
    }
}

static void tb_reset_jump(TBEntry *src, unsigned slot)
{
    reset_slot_code(src, slot);
    src->jmp_dest[slot] = NULL;
}

/* Takes (src, slot) off the incoming list of src->jmp_dest[slot]. */
static void tb_unlink_outgoing(TBEntry *src, unsigned slot)
{
    TBEntry *dst = src->jmp_dest[slot];
    uintptr_t want = (uintptr_t)src | slot;
    uintptr_t *link = &dst->jmp_first;
    while (*link) {
        TBEntry *e = (TBEntry *)(*link & ~(uintptr_t)3);
        unsigned n = *link & 3;
        if (*link == want) {
            *link = e->jmp_next[n];
            break;
        }
        link = &e->jmp_next[n];
    }
    src->jmp_dest[slot] = NULL;
}

void tb_invalidate_one(TBCache *c, TBEntry *e)
{
    if (e->invalid) {
        return;
    }
    __atomic_store_n(&e->invalid, true, __ATOMIC_RELEASE);
    if (!e->uncached) {
        tb_hash_remove(c, e);
    }
    for (uintptr_t in = e->jmp_first; in;) {
        TBEntry *src = (TBEntry *)(in & ~(uintptr_t)3);
        unsigned n = in & 3;
        in = src->jmp_next[n];
        tb_reset_jump(src, n);
    }
    e->jmp_first = 0;
    for (unsigned n = 0; n < TCG_JMP_SLOTS; n++) {
        if (e->jmp_dest[n]) {
            tb_unlink_outgoing(e, n);
        }
    }
    c->stats.nb_invalidations++;
}

static void pages_invalidate(TBCache *c, uint64_t start, uint64_t end);

/* User mode: the blocks on the pages of [start, end) (tb_link_pages), not
 * every block: a program rewriting its code would otherwise pay for all the
 * blocks ever made at each write. */
void tb_invalidate_range(CPUExec *cpu, uint64_t start, uint64_t end)
{
    TBCache *c = cpu->tbs;
    if (c->softmmu) {
        tb_invalidate_phys_range(cpu, start, end, 0);
        return;
    }
    tb_lock(c);
    pages_invalidate(c, start, end);
    tb_unlock(c);
}

/* System mode: a chained jump skips the lookup by physical page, so it may only
 * lead to a one-page block on a virtual page of the source block (whose mapping
 * was checked when the source was entered). */
static bool on_block_pages(uint64_t first, uint64_t last, uint64_t dest)
{
    uint64_t page = dest & GUEST_PAGE_MASK;
    return page == (first & GUEST_PAGE_MASK) || page == (last & GUEST_PAGE_MASK);
}

static bool chain_safe(const TBEntry *src, const TBEntry *dst)
{
    uint64_t src_end = src->tb.pc + (src->tb.size ? src->tb.size - 1 : 0);
    return dst->phys_page2 == UINT64_MAX && on_block_pages(src->tb.pc, src_end, dst->tb.pc);
}

bool translator_use_goto_tb(CPUExec *cpu, uint64_t first, uint64_t last, uint64_t dest)
{
    return !cpu->tbs->softmmu || on_block_pages(first, last, dest);
}

static void tb_add_jump_locked(TBCache *c, TBEntry *src, unsigned slot, TBEntry *dst)
{
    if (slot >= TCG_JMP_SLOTS || src->jmp_dest[slot] || src->invalid || dst->invalid ||
        src->uncached || dst->uncached || src->tb.jmp_insn_offset[slot] == UINT16_MAX) {
        return;
    }
    if (c->softmmu && !chain_safe(src, dst)) {
        return;
    }
    if ((src->tb.loop_slots >> slot) & 1) {
        /* a loop's back edge, with the loop's globals in host registers: only
         * to its own header */
        if (dst != src) {
            return;
        }
        tcg_patch_goto_tb((uintptr_t)src->tb.tc_ptr + src->tb.jmp_insn_offset[slot],
                          (uintptr_t)src->tb.tc_ptr + src->tb.loop_header_offset);
        src->jmp_dest[slot] = dst;
        src->jmp_next[slot] = dst->jmp_first;
        dst->jmp_first = (uintptr_t)src | slot;
        c->stats.nb_chained++;
        return;
    }
    /* the jump that skips the chain-deferred stores only to a block that
     * overwrites that state before anything sees it */
    uint16_t at = src->tb.jmp_insn_offset[slot];
    if (src->tb.jmp2_insn_offset[slot] != UINT16_MAX && !dst->tb.chain_state_dead) {
        at = src->tb.jmp2_insn_offset[slot];
    }
    tcg_patch_goto_tb((uintptr_t)src->tb.tc_ptr + at, (uintptr_t)dst->tb.tc_ptr);
    src->jmp_dest[slot] = dst;
    src->jmp_next[slot] = dst->jmp_first;
    dst->jmp_first = (uintptr_t)src | slot;
    c->stats.nb_chained++;
}

void tb_add_jump(TBCache *c, TBEntry *src, unsigned slot, TBEntry *dst)
{
    /* checked again under the lock: another thread may have chained or
     * invalidated either block meanwhile */
    if (slot >= TCG_JMP_SLOTS || src->jmp_dest[slot] || src->uncached || dst->uncached) {
        return;
    }
    tb_lock(c);
    tb_add_jump_locked(c, src, slot, dst);
    tb_unlock(c);
}

/* Points every goto_tb jump back at its block's exit. Only stores to code when
 * forget_links is false (safe in a signal handler); with forget_links the jump
 * lists are emptied too. */
void tb_reset_all_jumps(TBCache *c, bool forget_links)
{
    size_t n = c->nb_tbs;
    for (size_t i = 0; i < n; i++) {
        TBEntry *e = &c->tbs[i];
        for (unsigned k = 0; k < TCG_JMP_SLOTS; k++) {
            if (e->tb.jmp_insn_offset[k] != UINT16_MAX) {
                reset_slot_code(e, k);
            }
            if (forget_links) {
                e->jmp_dest[k] = NULL;
                e->jmp_next[k] = 0;
            }
        }
        if (forget_links) {
            e->jmp_first = 0;
        }
    }
}

TBEntry *tb_find_by_host_pc(TBCache *c, uintptr_t host_pc)
{
    size_t lo = 0, hi = __atomic_load_n(&c->nb_tbs, __ATOMIC_ACQUIRE);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uintptr_t start = (uintptr_t)c->tbs[mid].tb.tc_ptr;
        if (host_pc < start) {
            hi = mid;
        } else if (host_pc >= start + c->tbs[mid].tb.tc_size) {
            lo = mid + 1;
        } else {
            return &c->tbs[mid];
        }
    }
    return NULL;
}

static void tb_link_pages(CPUExec *cpu, TBEntry *e, uint64_t phys_pc);

static void keep_insn_info(TBCache *c, TBEntry *e, const TCGCodeInfo *info)
{
    size_t n = info->nb_insns ? info->nb_insns : 1;
    size_t ends = (n + 1) & ~(size_t)1;       /* keeps the 64-bit data aligned */
    size_t data = ends * sizeof(uint32_t) + n * 2 * sizeof(uint64_t);
    size_t sites = info->nb_mem_sites * sizeof(TCGMemSite);
    e->nb_insns = info->nb_insns;
    /* one allocation: the mem-site tables follow, all entries 8-byte aligned */
    e->insn_end = info_alloc(c, data + sites + info->nb_site_regs * sizeof(TCGSiteReg));
    e->insn_data = (uint64_t (*)[2])(e->insn_end + ends);
    memcpy(e->insn_end, info->insn_end_offset, info->nb_insns * sizeof(uint32_t));
    memcpy(e->insn_data, info->insn_data, info->nb_insns * 2 * sizeof(uint64_t));
    e->nb_mem_sites = info->nb_mem_sites;
    e->mem_sites = (TCGMemSite *)((char *)e->insn_end + data);
    e->site_regs = (TCGSiteReg *)((char *)e->mem_sites + sites);
    memcpy(e->mem_sites, info->mem_sites, sites);
    memcpy(e->site_regs, info->site_regs, info->nb_site_regs * sizeof(TCGSiteReg));
}

/* Translates and compiles one block into e; false when the code buffer is full. */
typedef struct ChainPredict {
    TBCache *c;
    const TBEntry *e;
} ChainPredict;

/* tcg_set_chain_predict: a block already translated for the target (same
 * cs_base and flags) tells whether it overwrites the chain-deferred state. */
static int chain_predict(void *opaque, int64_t target)
{
    const ChainPredict *cp = opaque;
    uint64_t pc = (uint64_t)target;
    if (pc == cp->e->tb.pc) {
        return -2;
    }
    const TBEntry *d = __atomic_load_n(&cp->c->hash[tb_hash(pc, cp->e->tb.cs_base, cp->e->tb.flags)],
                                       __ATOMIC_ACQUIRE);
    for (; d; d = __atomic_load_n(&d->hash_next, __ATOMIC_ACQUIRE)) {
        if (tb_matches(d, pc, cp->e->tb.cs_base, cp->e->tb.flags)) {
            return d->tb.chain_state_dead;
        }
    }
    return -1;
}

static bool tb_compile(CPUExec *cpu, TBEntry *e, int max_insns)
{
    TBCache *c = cpu->tbs;
    size_t room = c->code_size - (size_t)(c->code_next - c->code_start);
    ChainPredict cp = { c, e };
    tcg_func_start(c->tcg);
    tcg_set_jump_cache_probe(c->tcg, &cpu_priv(cpu)->probe);
    tcg_set_chain_predict(c->tcg, chain_predict, &cp);
    cpu_priv(cpu)->code_page_cache = true;
    cpu_priv(cpu)->code_page = UINT64_MAX;
    cpu->ops->translate(c->tcg, cpu->env, &e->tb, max_insns);
    cpu_priv(cpu)->code_page_cache = false;
    bool ok = tcg_gen_code(c->tcg, c->code_next, room, &c->info);
    tcg_set_chain_predict(c->tcg, NULL, NULL);
    if (!ok) {
        return false;
    }
    e->tb.tc_ptr = c->code_next;
    e->tb.tc_size = (uint32_t)c->info.size;
    for (int n = 0; n < TCG_JMP_SLOTS; n++) {
        e->tb.jmp_insn_offset[n] = c->info.jmp_insn_offset[n];
        e->tb.jmp_reset_offset[n] = c->info.jmp_reset_offset[n];
        e->tb.jmp2_insn_offset[n] = c->info.jmp2_insn_offset[n];
    }
    e->tb.chain_state_dead = c->info.chain_state_dead;
    e->tb.loop_slots = c->info.loop_slots;
    e->tb.loop_header_offset = c->info.loop_header_offset;
    keep_insn_info(c, e, &c->info);
    c->code_next += (c->info.size + 15) & ~(size_t)15;
    return true;
}

/* A threaded cache is full: the flush waits until no CPU is inside cpu_exec
 * (tb_exec_leave). Kicks the others, drops the lock and leaves generated code. */
static void tb_request_flush(CPUExec *cpu) __attribute__((noreturn));
static void tb_request_flush(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    /* lock order: excl_lock before the cache lock (tb_flush_if_alone) */
    tb_unlock(c);
    pthread_mutex_lock(&c->excl_lock);
    c->flush_pending = true;
    for (CPUExec *other = c->cpus; other; other = cpu_priv(other)->next_cpu) {
        if (other != cpu) {
            cpu_exit(other);
        }
    }
    pthread_mutex_unlock(&c->excl_lock);
    cpu->exception_index = -1;
    cpu_loop_exit(cpu);
}

/* Empties a full cache: alone, at once; shared, at the next safe point. */
static void tb_make_room(CPUExec *cpu)
{
    if (cpu->tbs->threaded) {
        tb_request_flush(cpu);
    }
    tb_flush(cpu);
}

/* Enters a compiled block in the table (published for lock-free lookups). */
static void tb_publish(CPUExec *cpu, TBEntry *e, bool uncached, uint64_t phys_pc)
{
    TBCache *c = cpu->tbs;
    __atomic_store_n(&c->nb_tbs, c->nb_tbs + 1, __ATOMIC_RELEASE);
    c->stats.nb_translations++;
    if (!uncached) {
        tb_link_pages(cpu, e, c->softmmu ? phys_pc : e->tb.pc);
    }
    if (!uncached) {
        unsigned h = tb_hash(e->tb.pc, e->tb.cs_base, e->tb.flags);
        e->hash_next = c->hash[h];
        __atomic_store_n(&c->hash[h], e, __ATOMIC_RELEASE);
        cpu_priv(cpu)->jc->slot[jump_cache_hash(e->tb.pc)] = e;
    }
}

TBEntry *tb_translate(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
                      int max_insns, bool uncached)
{
    TBCache *c = cpu->tbs;
    bool flushed = false;
    uint64_t phys_pc = 0;
    if (c->softmmu) {
        /* raises the fetch fault of the block's first byte */
        phys_pc = get_page_addr_code(cpu, pc, cpu->ops->code_mmu_index(cpu->env));
    }
    tb_lock(c);
    if (c->threaded && !uncached) {
        /* another thread may have translated it since our lookup */
        TBEntry *found = tb_lookup(cpu, pc, cs_base, flags);
        if (found) {
            tb_unlock(c);
            return found;
        }
    }
    for (;;) {
        if (c->nb_tbs == c->capacity) {
            tb_make_room(cpu);
        }
        TBEntry *e = &c->tbs[c->nb_tbs];
        memset(e, 0, sizeof(*e));
        e->tb.pc = pc;
        e->tb.cs_base = cs_base;
        e->tb.flags = flags;
        e->tb.priv = e;
        e->uncached = uncached;
        if (tb_compile(cpu, e, max_insns)) {
            tb_publish(cpu, e, uncached, phys_pc);
            tb_unlock(c);
            return e;
        }
        /* out of room: first make room, then try a shorter block */
        if (!flushed) {
            tb_make_room(cpu);
            flushed = true;
        } else if (max_insns > 1) {
            max_insns /= 2;
        } else {
            fprintf(stderr, "quetzal: the instruction at 0x%llx does not fit the code buffer\n",
                    (unsigned long long)pc);
            abort();
        }
    }
}

/* --- CPUs inside cpu_exec, and the flush that waits for none --- */

/* With excl_lock held: when a flush is pending and no CPU runs, do it. */
static void tb_flush_if_alone(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    if (c->flush_pending && c->running == 0) {
        tb_lock(c);
        tb_flush(cpu);
        tb_unlock(c);
        c->flush_pending = false;
        pthread_cond_broadcast(&c->excl_cond);
    }
}

void tb_exec_enter(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    pthread_mutex_lock(&c->excl_lock);
    while (c->flush_pending) {
        tb_flush_if_alone(cpu);
        if (c->flush_pending) {
            pthread_cond_wait(&c->excl_cond, &c->excl_lock);
        }
    }
    c->running++;
    pthread_mutex_unlock(&c->excl_lock);
}

void cpu_exec_fork_prepare(CPUExec *cpu)
{
    pthread_mutex_lock(&cpu->tbs->excl_lock);
    tb_lock(cpu->tbs);
}

void cpu_exec_fork_parent(CPUExec *cpu)
{
    tb_unlock(cpu->tbs);
    pthread_mutex_unlock(&cpu->tbs->excl_lock);
}

void cpu_exec_fork_child(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&c->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_init(&c->excl_lock, NULL);
    pthread_cond_init(&c->excl_cond, NULL);
    /* only the forking thread lives on, outside cpu_exec (in fork) */
    c->running = 0;
    c->flush_pending = false;
    if (c->threaded) {
        c->cpus = cpu;
        cpu_priv(cpu)->next_cpu = NULL;
    }
}

void tb_exec_leave(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    pthread_mutex_lock(&c->excl_lock);
    c->running--;
    tb_flush_if_alone(cpu);
    pthread_cond_broadcast(&c->excl_cond);
    pthread_mutex_unlock(&c->excl_lock);
}

void tb_get_statistics(CPUExec *cpu, TBStatistics *out)
{
    TBCache *c = cpu->tbs;
    *out = c->stats;
    out->nb_tbs = 0;
    for (size_t i = 0; i < c->nb_tbs; i++) {
        out->nb_tbs += !c->tbs[i].invalid;
    }
    out->code_bytes_used = (uint64_t)(c->code_next - c->code_start);
    out->code_bytes_total = c->code_size;
}

/* --- blocks by page: physical in system mode, guest virtual in user mode --- */

static PhysPageCode **phys_page_link(TBCache *c, uint64_t page)
{
    uint64_t h = (page >> GUEST_PAGE_BITS) * 0x9e3779b97f4a7c15ull;
    PhysPageCode **link = &c->phys_pages[h >> (64 - PHYS_PAGE_HASH_BITS)];
    while (*link && (*link)->page != page) {
        link = &(*link)->next;
    }
    return link;
}

bool tb_phys_page_has_code(TBCache *c, uint64_t page)
{
    return *phys_page_link(c, page) != NULL;
}

/* Adds e to the list of page (its n-th page); in system mode a page that had
 * no code until now gets its TLB write entries flagged (user mode protects the
 * host page when the translator reads it, page_mark_unwritable). */
static void phys_page_add(CPUExec *cpu, uint64_t page, TBEntry *e, unsigned n)
{
    PhysPageCode **link = phys_page_link(cpu->tbs, page);
    if (!*link) {
        *link = xcalloc(1, sizeof(PhysPageCode));
        (*link)->page = page;
        if (cpu->tbs->softmmu) {
            tlb_protect_code(cpu, page);
        }
    }
    e->page_next[n] = (*link)->first;
    (*link)->first = (uintptr_t)e | n;
}

/* Bytes of e on its n-th page, as a range of the pages' addresses. In user
 * mode a block may go on at a jump back to an earlier address of its first page
 * (translate.c gen_jmp_direct), so there it covers that page from its start. */
static void tb_phys_span(const TBCache *c, const TBEntry *e, unsigned n, uint64_t *start,
                         uint64_t *end)
{
    uint64_t size = e->tb.size ? e->tb.size : 1;
    uint64_t first = GUEST_PAGE_SIZE - (e->tb.pc & ~GUEST_PAGE_MASK);
    first = first < size ? first : size;
    if (n == 0) {
        *start = c->softmmu ? e->phys_pc : e->phys_pc & GUEST_PAGE_MASK;
        *end = e->phys_pc + first;
    } else {
        *start = e->phys_page2;
        *end = e->phys_page2 + (size - first);
    }
}

TBEntry *tb_lookup_phys(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
                        uint64_t phys_pc)
{
    CPUExecPriv *p = cpu_priv(cpu);
    for (TBEntry *e = cpu->tbs->hash[tb_hash(pc, cs_base, flags)]; e; e = e->hash_next) {
        if (!tb_matches(e, pc, cs_base, flags) || e->phys_pc != phys_pc) {
            continue;
        }
        if (e->phys_page2 != UINT64_MAX) {
            uint64_t page2 = (pc & GUEST_PAGE_MASK) + GUEST_PAGE_SIZE, phys2;
            if (!tlb_code_phys_probe(cpu, page2, &phys2) || phys2 != e->phys_page2) {
                continue;
            }
        }
        p->jc->slot[jump_cache_hash(pc)] = e;
        return e;
    }
    return NULL;
}

/* Enters a freshly translated block in the lists of its pages: physical pages
 * in system mode, the guest's virtual pages in user mode (phys_pc = pc). */
static void tb_link_pages(CPUExec *cpu, TBEntry *e, uint64_t phys_pc)
{
    uint64_t last = e->tb.pc + (e->tb.size ? e->tb.size - 1 : 0);
    e->phys_pc = phys_pc;
    e->phys_page2 = UINT64_MAX;
    bool two_pages = (last & GUEST_PAGE_MASK) != (e->tb.pc & GUEST_PAGE_MASK);
    if (two_pages && !cpu->tbs->softmmu) {
        e->phys_page2 = last & GUEST_PAGE_MASK;
    } else if (two_pages) {
        uint64_t phys2;
        if (!tlb_code_phys_probe(cpu, last & GUEST_PAGE_MASK, &phys2)) {
            fprintf(stderr, "quetzal: the second code page of a block vanished\n");
            abort();
        }
        e->phys_page2 = phys2 & GUEST_PAGE_MASK;
    }
    phys_page_add(cpu, phys_pc & GUEST_PAGE_MASK, e, 0);
    if (e->phys_page2 != UINT64_MAX) {
        phys_page_add(cpu, e->phys_page2, e, 1);
    }
}

/* Invalidates the blocks of one page overlapping [start, end) and drops the
 * invalid ones from its list (and the page when no block is left). */
static void phys_page_invalidate(TBCache *c, uint64_t page, uint64_t start, uint64_t end)
{
    PhysPageCode **plink = phys_page_link(c, page);
    if (!*plink) {
        return;
    }
    uintptr_t *link = &(*plink)->first;
    while (*link) {
        TBEntry *e = (TBEntry *)(*link & ~(uintptr_t)3);
        unsigned n = *link & 3;
        uint64_t s, t;
        tb_phys_span(c, e, n, &s, &t);
        if (!e->invalid && s < end && t > start) {
            tb_invalidate_one(c, e);
        }
        if (e->invalid) {
            *link = e->page_next[n];
        } else {
            link = &e->page_next[n];
        }
    }
    if (!(*plink)->first) {
        PhysPageCode *dead = *plink;
        *plink = dead->next;
        free(dead);
    }
}

bool tb_invalidate_phys_range(CPUExec *cpu, uint64_t start, uint64_t end, uintptr_t host_pc)
{
    TBCache *c = cpu->tbs;
    TBEntry *current = NULL;
    if (host_pc && cpu_exec_pc_in_code(cpu, host_pc)) {
        current = tb_find_by_host_pc(c, host_pc);
    }
    bool current_was_valid = current && !current->invalid;
    pages_invalidate(c, start, end);
    return current_was_valid && current->invalid && current->nb_insns > 1;
}

/* Invalidates the blocks overlapping [start, end): page by page, or for a
 * range of more pages than the table has chains, through the pages with code. */
static void pages_invalidate(TBCache *c, uint64_t start, uint64_t end)
{
    uint64_t first = start & GUEST_PAGE_MASK;
    if (end <= start) {
        return;
    }
    if ((end - first - 1) >> GUEST_PAGE_BITS < (1u << PHYS_PAGE_HASH_BITS)) {
        for (uint64_t page = first; page < end; page += GUEST_PAGE_SIZE) {
            phys_page_invalidate(c, page, start, end);
        }
        return;
    }
    for (size_t i = 0; i < (1u << PHYS_PAGE_HASH_BITS); i++) {
        for (PhysPageCode *p = c->phys_pages[i], *next; p; p = next) {
            next = p->next;          /* phys_page_invalidate may free p */
            if (p->page < end && p->page + GUEST_PAGE_SIZE > start) {
                phys_page_invalidate(c, p->page, start, end);
            }
        }
    }
}
