/*
 * The translation-block cache: blocks are allocated in code-buffer order, found
 * by (pc, cs_base, flags) through a hash table (and each CPU's jump cache),
 * chained to each other by patching goto_tb jumps, and thrown away one by one
 * (guest code changed) or all at once (code buffer full).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

TBCache *tb_cache_new(TCGContext *tcg)
{
    TBCache *c = xcalloc(1, sizeof(*c));
    c->tcg = tcg;
    c->users = 1;
    c->code_start = tcg_code_buffer(tcg, &c->code_size);
    c->code_next = c->code_start;
    c->capacity = c->code_size / MIN_CODE_PER_TB + 16;
    c->tbs = xcalloc(c->capacity, sizeof(TBEntry));
    c->pages = page_map_new();
    return c;
}

static void free_insn_info(TBCache *c)
{
    for (size_t i = 0; i < c->nb_tbs; i++) {
        free(c->tbs[i].insn_end);
        c->tbs[i].insn_end = NULL;
    }
}

void tb_cache_unref(TBCache *c)
{
    if (!c || --c->users > 0) {
        return;
    }
    free_insn_info(c);
    free(c->tbs);
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
    TBEntry *e = p->jump_cache.slot[jh];
    if (e && tb_matches(e, pc, cs_base, flags)) {
        return e;
    }
    for (e = cpu->tbs->hash[tb_hash(pc, cs_base, flags)]; e; e = e->hash_next) {
        if (tb_matches(e, pc, cs_base, flags)) {
            p->jump_cache.slot[jh] = e;
            return e;
        }
    }
    return NULL;
}

void tb_flush(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    free_insn_info(c);
    c->nb_tbs = 0;
    c->code_next = c->code_start;
    memset(c->hash, 0, sizeof(c->hash));
    memset(cpu_priv(cpu)->jump_cache.slot, 0, sizeof(cpu_priv(cpu)->jump_cache.slot));
    c->stats.nb_flushes++;
}

static void tb_hash_remove(TBCache *c, TBEntry *e)
{
    TBEntry **link = &c->hash[tb_hash(e->tb.pc, e->tb.cs_base, e->tb.flags)];
    for (; *link; link = &(*link)->hash_next) {
        if (*link == e) {
            *link = e->hash_next;
            return;
        }
    }
}

static void tb_reset_jump(TBEntry *src, unsigned slot)
{
    uintptr_t base = (uintptr_t)src->tb.tc_ptr;
    tcg_patch_goto_tb(base + src->tb.jmp_insn_offset[slot], base + src->tb.jmp_reset_offset[slot]);
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
    e->invalid = true;
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
    for (unsigned n = 0; n < 2; n++) {
        if (e->jmp_dest[n]) {
            tb_unlink_outgoing(e, n);
        }
    }
    c->stats.nb_invalidations++;
}

void tb_invalidate_range(CPUExec *cpu, uint64_t start, uint64_t end)
{
    TBCache *c = cpu->tbs;
    for (size_t i = 0; i < c->nb_tbs; i++) {
        TBEntry *e = &c->tbs[i];
        uint64_t tb_end = e->tb.pc + (e->tb.size ? e->tb.size : 1);
        if (!e->invalid && e->tb.pc < end && tb_end > start) {
            tb_invalidate_one(c, e);
        }
    }
}

void tb_add_jump(TBCache *c, TBEntry *src, unsigned slot, TBEntry *dst)
{
    if (slot > 1 || src->jmp_dest[slot] || src->invalid || dst->invalid ||
        src->uncached || dst->uncached || src->tb.jmp_insn_offset[slot] == UINT16_MAX) {
        return;
    }
    tcg_patch_goto_tb((uintptr_t)src->tb.tc_ptr + src->tb.jmp_insn_offset[slot],
                      (uintptr_t)dst->tb.tc_ptr);
    src->jmp_dest[slot] = dst;
    src->jmp_next[slot] = dst->jmp_first;
    dst->jmp_first = (uintptr_t)src | slot;
    c->stats.nb_chained++;
}

/* Points every goto_tb jump back at its block's exit. Only stores to code when
 * forget_links is false (safe in a signal handler); with forget_links the jump
 * lists are emptied too. */
void tb_reset_all_jumps(TBCache *c, bool forget_links)
{
    size_t n = c->nb_tbs;
    for (size_t i = 0; i < n; i++) {
        TBEntry *e = &c->tbs[i];
        for (unsigned k = 0; k < 2; k++) {
            if (e->tb.jmp_insn_offset[k] != UINT16_MAX) {
                uintptr_t base = (uintptr_t)e->tb.tc_ptr;
                tcg_patch_goto_tb(base + e->tb.jmp_insn_offset[k], base + e->tb.jmp_reset_offset[k]);
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
    size_t lo = 0, hi = c->nb_tbs;
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

static void keep_insn_info(TBEntry *e, const TCGCodeInfo *info)
{
    size_t n = info->nb_insns ? info->nb_insns : 1;
    size_t ends = (n + 1) & ~(size_t)1;       /* keeps the 64-bit data aligned */
    e->nb_insns = info->nb_insns;
    e->insn_end = malloc(ends * sizeof(uint32_t) + n * 2 * sizeof(uint64_t));
    if (!e->insn_end) {
        abort();
    }
    e->insn_data = (uint64_t (*)[2])(e->insn_end + ends);
    memcpy(e->insn_end, info->insn_end_offset, info->nb_insns * sizeof(uint32_t));
    memcpy(e->insn_data, info->insn_data, info->nb_insns * 2 * sizeof(uint64_t));
}

/* Translates and compiles one block into e; false when the code buffer is full. */
static bool tb_compile(CPUExec *cpu, TBEntry *e, int max_insns)
{
    TBCache *c = cpu->tbs;
    size_t room = c->code_size - (size_t)(c->code_next - c->code_start);
    tcg_func_start(c->tcg);
    tcg_set_jump_cache_probe(c->tcg, &cpu_priv(cpu)->probe);
    cpu->ops->translate(c->tcg, cpu->env, &e->tb, max_insns);
    if (!tcg_gen_code(c->tcg, c->code_next, room, &c->info)) {
        return false;
    }
    e->tb.tc_ptr = c->code_next;
    e->tb.tc_size = (uint32_t)c->info.size;
    for (int n = 0; n < 2; n++) {
        e->tb.jmp_insn_offset[n] = c->info.jmp_insn_offset[n];
        e->tb.jmp_reset_offset[n] = c->info.jmp_reset_offset[n];
    }
    keep_insn_info(e, &c->info);
    c->code_next += (c->info.size + 15) & ~(size_t)15;
    return true;
}

TBEntry *tb_translate(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags,
                      int max_insns, bool uncached)
{
    TBCache *c = cpu->tbs;
    bool flushed = false;
    for (;;) {
        if (c->nb_tbs == c->capacity) {
            tb_flush(cpu);
        }
        TBEntry *e = &c->tbs[c->nb_tbs];
        memset(e, 0, sizeof(*e));
        e->tb.pc = pc;
        e->tb.cs_base = cs_base;
        e->tb.flags = flags;
        e->tb.priv = e;
        e->uncached = uncached;
        if (tb_compile(cpu, e, max_insns)) {
            c->nb_tbs++;
            c->stats.nb_translations++;
            if (!uncached) {
                unsigned h = tb_hash(pc, cs_base, flags);
                e->hash_next = c->hash[h];
                c->hash[h] = e;
                cpu_priv(cpu)->jump_cache.slot[jump_cache_hash(pc)] = e;
            }
            return e;
        }
        /* out of room: first make room, then try a shorter block */
        if (!flushed) {
            tb_flush(cpu);
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
