/*
 * The execution loop: find or translate the block at the CPU's state, chain it
 * to the block that just ran, run it, repeat until an exception. Helpers leave
 * generated code with siglongjmp to the loop (cpu_loop_exit).
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/internal.h"

/*
 * The CPU whose generated code runs on this thread. helper_lookup_tb_ptr only
 * receives env (the ABI generated code calls it with), so it finds its CPU here;
 * nothing else uses this.
 */
static __thread CPUExec *running_cpu;

/* A CPU on cache tbs (NULL: a new one) with the jump cache jc (NULL: its own). */
static CPUExec *cpu_alloc(void *env, const TargetTranslateOps *ops, TCGContext *tcg,
                          TBCache *tbs, TBJumpCache *jc)
{
    CPUExec *cpu = calloc(1, sizeof(*cpu));
    CPUExecPriv *p = calloc(1, sizeof(*p));
    if (!cpu || !p) {
        free(cpu);
        free(p);
        return NULL;
    }
    cpu->env = env;
    cpu->ops = ops;
    cpu->tcg = tcg;
    cpu->tbs = tbs ? tbs : tb_cache_new(tcg);
    cpu->exception_index = -1;
    cpu->priv = p;
    p->jc = jc ? jc : &p->jump_cache;
    tb_jump_cache_probe(p->jc, &p->probe);
    return cpu;
}

CPUExec *cpu_exec_new(void *env, const TargetTranslateOps *ops, TCGContext *tcg)
{
    return cpu_alloc(env, ops, tcg, NULL, NULL);
}

/* Adds cpu to the list of CPUs its cache kicks and flushes. */
static void cpu_list_add(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    pthread_mutex_lock(&c->excl_lock);
    cpu_priv(cpu)->next_cpu = c->cpus;
    c->cpus = cpu;
    pthread_mutex_unlock(&c->excl_lock);
}

static void cpu_list_remove(CPUExec *cpu)
{
    TBCache *c = cpu->tbs;
    pthread_mutex_lock(&c->excl_lock);
    for (CPUExec **link = &c->cpus; *link; link = &cpu_priv(*link)->next_cpu) {
        if (*link == cpu) {
            *link = cpu_priv(cpu)->next_cpu;
            break;
        }
    }
    pthread_mutex_unlock(&c->excl_lock);
}

CPUExec *cpu_exec_new_sharing(void *env, CPUExec *other)
{
    CPUExec *cpu = cpu_alloc(env, other->ops, other->tcg, other->tbs, other->tbs->shared_jc);
    if (!cpu) {
        return NULL;
    }
    __atomic_add_fetch(&cpu->tbs->users, 1, __ATOMIC_ACQ_REL);
    cpu_list_add(cpu);
    return cpu;
}

void cpu_exec_enable_threads(CPUExec *cpu, intptr_t exit_flag_offset)
{
    TBCache *c = cpu->tbs;
    if (c->threaded) {
        return;
    }
    tb_lock(c);
    c->exit_flag_offset = exit_flag_offset;
    c->shared_jc = calloc(1, sizeof(*c->shared_jc));
    if (!c->shared_jc) {
        fprintf(stderr, "quetzal: out of memory for the jump cache\n");
        abort();
    }
    CPUExecPriv *p = cpu_priv(cpu);
    c->shared_jc->stop = p->jc->stop;
    p->jc = c->shared_jc;
    tb_jump_cache_probe(p->jc, &p->probe);
    tb_flush(cpu);
    c->threaded = true;
    tb_unlock(c);
    cpu_list_add(cpu);
}

void cpu_exec_free(CPUExec *cpu)
{
    if (!cpu) {
        return;
    }
    if (cpu->tbs->threaded) {
        cpu_list_remove(cpu);
    }
    tb_cache_unref(cpu->tbs);
    free(cpu->priv);
    free(cpu);
}

CPUExec *cpu_exec_current(void)
{
    return running_cpu;
}

void cpu_exit(CPUExec *cpu)
{
    cpu->exit_request = 1;
    if (cpu->tbs->threaded) {
        /* every block of a shared cache tests its CPU's flag first
         * (translator_gen_tb_start): the other CPUs' chains stay */
        __atomic_store_n(cpu_exit_flag(cpu), 1, __ATOMIC_SEQ_CST);
        return;
    }
    cpu_priv(cpu)->jc->stop = 1;
    if (cpu_priv(cpu)->softmmu) {
        /* every block checks this flag first (translator_gen_tb_start) */
        __atomic_store_n(cpu_tb_exit_flag(cpu), 1, __ATOMIC_SEQ_CST);
        return;
    }
    cpu->tbs->unchained_all = 1;
    tb_reset_all_jumps(cpu->tbs, false);
}

void cpu_loop_exit(CPUExec *cpu)
{
    siglongjmp(cpu->jmp_env, 1);
}

bool cpu_restore_state(CPUExec *cpu, uintptr_t host_pc)
{
    TBEntry *e = tb_find_by_host_pc(cpu->tbs, host_pc);
    if (!e || e->nb_insns == 0) {
        return false;
    }
    uint32_t offset = (uint32_t)(host_pc - (uintptr_t)e->tb.tc_ptr);
    unsigned i = 0;
    while (i + 1 < e->nb_insns && offset >= e->insn_end[i]) {
        i++;
    }
    cpu->ops->restore_state(cpu->env, &e->tb, e->insn_data[i]);
    return true;
}

/* The guest memory access at host_pc faulted: the globals still in host
 * registers there, and those holding a constant the site records, go to the CPU
 * state (sites are in code order: bisect). */
bool cpu_restore_host_regs(CPUExec *cpu, uintptr_t host_pc,
                           const uint64_t host_regs[TCG_HOST_FAULT_REGS])
{
    TBEntry *e = tb_find_by_host_pc(cpu->tbs, host_pc);
    if (!e || e->nb_mem_sites == 0) {
        return false;
    }
    uint32_t offset = (uint32_t)(host_pc - (uintptr_t)e->tb.tc_ptr);
    unsigned lo = 0, hi = e->nb_mem_sites;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (e->mem_sites[mid].end <= offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == e->nb_mem_sites || offset < e->mem_sites[lo].start) {
        return false;
    }
    const TCGMemSite *site = &e->mem_sites[lo];
    for (uint32_t i = 0; i < site->count; i++) {
        const TCGSiteReg *r = &e->site_regs[site->first + i];
        uint64_t v = r->host_reg == TCG_SITE_CONST ? (uint64_t)(int64_t)r->value
                                                   : host_regs[r->host_reg];
        memcpy((char *)cpu->env + r->env_offset, &v, r->size);   /* little-endian host */
    }
    return true;
}

void cpu_loop_exit_restore(CPUExec *cpu, uintptr_t host_pc)
{
    if (host_pc) {
        cpu_restore_state(cpu, host_pc);
    }
    cpu_loop_exit(cpu);
}

bool cpu_exec_pc_in_code(CPUExec *cpu, uintptr_t host_pc)
{
    uintptr_t start = (uintptr_t)cpu->tbs->code_start;
    return host_pc >= start && host_pc < start + cpu->tbs->code_size;
}

/* Generated code may follow the jump cache unless an exit is requested or every
 * block must return to the loop. Stores stop before reading exit_request: a
 * cpu_exit racing with this either is seen here or stores stop = 1 afterwards. */
static void update_jump_cache_stop(CPUExec *cpu)
{
    CPUExecPriv *p = cpu_priv(cpu);
    p->jc->stop = p->no_chaining;
    /* a shared jump cache stops nobody: exits go through the exit flag */
    if (cpu->exit_request && !cpu->tbs->threaded) {
        p->jc->stop = 1;
    }
}

static bool chaining_allowed(CPUExec *cpu)
{
    return !cpu_priv(cpu)->no_chaining;
}

const void *helper_lookup_tb_ptr(void *env)
{
    CPUExec *cpu = running_cpu;
    uint64_t pc, cs_base;
    uint32_t flags;
    if (!cpu) {
        fprintf(stderr, "quetzal: indirect jump lookup outside cpu_exec\n");
        abort();
    }
    CPUExecPriv *p = cpu_priv(cpu);
    cpu->tbs->stats.nb_lookup_misses++;
    if (cpu->exit_request || p->no_chaining || p->single_insn_next || cpu->env != env) {
        return p->epilogue;
    }
    cpu->ops->get_tb_state(env, &pc, &cs_base, &flags);
    /* the jump cache inline; the hash table behind it in tb_lookup */
    TBEntry *e = p->jc->slot[jump_cache_hash(pc)];
    if (!e || e->invalid || e->tb.pc != pc || e->tb.flags != flags || e->tb.cs_base != cs_base) {
        uint64_t phys;
        if (!p->softmmu) {
            e = tb_lookup(cpu, pc, cs_base, flags);
        } else if (tlb_code_phys_probe(cpu, pc, &phys)) {
            e = tb_lookup_phys(cpu, pc, cs_base, flags, phys);
        } else {
            e = NULL;         /* the loop raises the fetch fault */
        }
    }
    return e ? e->tb.tc_ptr : p->epilogue;
}

void cpu_restart_current_insn(CPUExec *cpu, uintptr_t host_pc)
{
    cpu_restore_state(cpu, host_pc);
    cpu_priv(cpu)->single_insn_next = true;
    cpu_loop_exit(cpu);
}

void tb_jump_cache_probe(const TBJumpCache *cache, TCGJumpCacheProbe *out)
{
    *out = (TCGJumpCacheProbe) {
        .table = cache,
        .stop_offset = offsetof(TBJumpCache, stop),
        .slots_offset = offsetof(TBJumpCache, slot),
        .hash_bits = TB_JUMP_CACHE_BITS,
        .hash_shift = TB_JUMP_CACHE_SHIFT,
        .entry_pc = offsetof(TBEntry, tb.pc),
        .entry_cs_base = offsetof(TBEntry, tb.cs_base),
        .entry_flags = offsetof(TBEntry, tb.flags),
        .entry_invalid = offsetof(TBEntry, invalid),
        .entry_host_code = offsetof(TBEntry, tb.tc_ptr),
        .miss_helper = helper_lookup_tb_ptr,
    };
}

/* System mode: the block at (pc, cs_base, flags) whose code comes from the
 * physical page pc maps to now (the jump cache is emptied whenever the TLB
 * changes, so a block found there is still right). */
static TBEntry *tb_lookup_system(CPUExec *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    TBEntry *e = cpu_priv(cpu)->jc->slot[jump_cache_hash(pc)];
    if (e && !e->invalid && e->tb.pc == pc && e->tb.cs_base == cs_base && e->tb.flags == flags) {
        return e;
    }
    uint64_t phys = get_page_addr_code(cpu, pc, cpu->ops->code_mmu_index(cpu->env));
    return tb_lookup_phys(cpu, pc, cs_base, flags, phys);
}

/* The block to run next (translating it when needed). */
static TBEntry *find_next_tb(CPUExec *cpu)
{
    CPUExecPriv *p = cpu_priv(cpu);
    uint64_t pc, cs_base;
    uint32_t flags;
    cpu->ops->get_tb_state(cpu->env, &pc, &cs_base, &flags);
    if (p->single_insn_next) {
        p->single_insn_next = false;
        return tb_translate(cpu, pc, cs_base, flags, 1, true);
    }
    TBEntry *e = p->softmmu ? tb_lookup_system(cpu, pc, cs_base, flags)
                            : tb_lookup(cpu, pc, cs_base, flags);
    return e ? e : tb_translate(cpu, pc, cs_base, flags, TCG_MAX_INSNS, false);
}

/* The debugger's say on block e: e, a one-instruction block at the same pc,
 * or NULL to stop. */
static TBEntry *debug_check(CPUExec *cpu, TBEntry *e)
{
    CPUExecPriv *p = cpu_priv(cpu);
    int r = p->debug_hook(p->debug_opaque, e->tb.pc, e->tb.size, e->tb.icount);
    if (r == DEBUG_STOP) {
        return NULL;
    }
    if (r == DEBUG_ONE_INSN && e->tb.icount > 1) {
        p->single_insn_next = true;
        e = find_next_tb(cpu);
    }
    return e;
}

void cpu_exec_set_debug_hook(CPUExec *cpu, CPUDebugHook *hook, void *opaque)
{
    CPUExecPriv *p = cpu_priv(cpu);
    p->debug_opaque = opaque;
    p->debug_hook = hook;
    if (hook) {
        /* blocks chained so far would run past the hook */
        tb_reset_all_jumps(cpu->tbs, true);
    }
}

/* System mode, between blocks: acknowledges the exit flag, wakes a halted CPU
 * that has work, takes a requested interrupt. true when cpu_exec must return
 * (exception_index says why); *chain becomes false when the state changed. */
static bool system_between_blocks(CPUExec *cpu, bool *chain)
{
    CPUExecPriv *p = cpu_priv(cpu);
    __atomic_store_n(cpu_tb_exit_flag(cpu), 0, __ATOMIC_SEQ_CST);
    update_jump_cache_stop(cpu);
    int req = __atomic_load_n(&p->interrupt_request, __ATOMIC_SEQ_CST);
    if (p->halted) {
        if (!cpu->ops->has_work || !cpu->ops->has_work(cpu->env, req)) {
            cpu->exception_index = EXCP_HLT;
            return true;
        }
        p->halted = false;
        *chain = false;
    }
    if (req && cpu->ops->exec_interrupt && cpu->ops->exec_interrupt(cpu->env, req)) {
        *chain = false;
    }
    return cpu->exception_index >= 0;
}

void cpu_set_halted(CPUExec *cpu, bool halted)
{
    cpu_priv(cpu)->halted = halted;
}

bool cpu_is_halted(CPUExec *cpu)
{
    return cpu_priv(cpu)->halted;
}

/* exit_tb value of a block that left before its first instruction */
#define TB_EXIT_REQUESTED 2

void translator_gen_tb_start(CPUExec *cpu, TCGContext *s, TranslationBlock *tb)
{
    bool threaded = cpu->tbs->threaded;
    if (!cpu_priv(cpu)->softmmu && !threaded) {
        return;
    }
    TCGv flag = tcg_temp_new(s, TCG_TYPE_I32);
    TCGLabel *run = tcg_gen_new_label(s);
    if (threaded) {
        /* the flag of whichever CPU runs the block: reached through env */
        tcg_gen_ld(s, INDEX_op_ld32u, flag, tcg_env(s), cpu->tbs->exit_flag_offset);
    } else {
        tcg_gen_ld(s, INDEX_op_ld32u, flag, tcg_env(s),
                   cpu_priv(cpu)->tlb_offset + (intptr_t)offsetof(CPUTLB, exit_flag));
    }
    tcg_gen_brcondi(s, TCG_COND_EQ, flag, 0, run);
    tcg_gen_exit_tb(s, (uintptr_t)tb | TB_EXIT_REQUESTED);
    tcg_gen_set_label(s, run);
    tcg_temp_free(s, flag);
}

/* A block left through its start check: chained blocks jump in before setting the
 * guest pc, so put back the state of its first instruction. */
static void restore_block_start(CPUExec *cpu, TBEntry *e)
{
    if (e->nb_insns) {
        cpu->ops->restore_state(cpu->env, &e->tb, e->insn_data[0]);
    }
}

static int take_exception(CPUExec *cpu)
{
    int excp = cpu->exception_index;
    cpu->exception_index = -1;
    return excp;
}

/* Runs blocks until an exception is pending. */
static void run_blocks(CPUExec *cpu)
{
    TBEntry *last = NULL;
    unsigned last_slot = 0;
    for (;;) {
        if (cpu->exception_index >= 0) {
            return;
        }
        if (cpu_priv(cpu)->softmmu) {
            bool chain = true;
            if (system_between_blocks(cpu, &chain)) {
                return;
            }
            if (!chain) {
                last = NULL;
            }
        }
        volatile int32_t *flag = cpu->tbs->threaded ? cpu_exit_flag(cpu) : NULL;
        if (flag && *flag) {
            /* acknowledged before exit_request is read: a cpu_exit after
             * this sets both again */
            __atomic_store_n(flag, 0, __ATOMIC_SEQ_CST);
            cpu->exit_request = 1;
        }
        if (cpu->exit_request) {
            if (cpu->tbs->unchained_all && !cpu->tbs->threaded) {
                /* make code and jump lists agree again (a chain may have been
                 * made while cpu_exit ran) */
                cpu->tbs->unchained_all = 0;
                tb_reset_all_jumps(cpu->tbs, true);
            }
            cpu->exit_request = 0;
            update_jump_cache_stop(cpu);
            cpu->exception_index = EXCP_INTERRUPT;
            return;
        }
        uint64_t flushes = cpu->tbs->stats.nb_flushes;
        TBEntry *e = find_next_tb(cpu);
        if (cpu_priv(cpu)->debug_hook && (e = debug_check(cpu, e)) == NULL) {
            cpu->exception_index = EXCP_DEBUG;
            return;
        }
        if (last && flushes == cpu->tbs->stats.nb_flushes && chaining_allowed(cpu)) {
            tb_add_jump(cpu->tbs, last, last_slot, e);
        }
        if (tcg_log_flags(cpu->tcg) & TCG_LOG_EXEC) {
            fprintf(tcg_log_file(cpu->tcg), "Trace: %p [%016llx/%08x]\n", e->tb.tc_ptr,
                    (unsigned long long)e->tb.pc, e->tb.flags);
        }
        uintptr_t ret = tcg_exec_tb(cpu->tcg, cpu->env, e->tb.tc_ptr);
        last = (TBEntry *)(ret & ~(uintptr_t)3);
        last_slot = ret & 3;
        if (last && last_slot == TB_EXIT_REQUESTED) {
            restore_block_start(cpu, last);
        }
        if (last && (last_slot == TB_EXIT_REQUESTED || last->uncached)) {
            last = NULL;
        }
    }
}

/* System mode: an exception of the guest (a vector) is delivered here and the
 * guest goes on; everything else leaves cpu_exec. */
static bool deliver_here(CPUExec *cpu)
{
    return cpu_priv(cpu)->softmmu && cpu->exception_index >= 0 && cpu->exception_index < 0x100 &&
           cpu->ops->do_interrupt;
}

/* HLT (helper) with an interrupt it can take already pending, e.g. raised by
 * the guest's own OUT just before with IF still clear, then STI; HLT: the CPU
 * wakes at once (SDM vol. 2A, HLT) instead of sleeping until a timer runs */
static bool halt_has_work(CPUExec *cpu)
{
    if (cpu->exception_index != EXCP_HLT || !cpu->ops->has_work) {
        return false;
    }
    int req = __atomic_load_n(&cpu_priv(cpu)->interrupt_request, __ATOMIC_SEQ_CST);
    return cpu->ops->has_work(cpu->env, req);
}

/* Runs blocks, delivering guest exceptions, until one must be returned. */
static void run_and_deliver(CPUExec *cpu)
{
    for (;;) {
        if (deliver_here(cpu)) {
            /* a nested fault leaves through cpu_loop_exit and comes back here */
            cpu->ops->do_interrupt(cpu->env);
            cpu->exception_index = -1;
        }
        run_blocks(cpu);
        if (!deliver_here(cpu)) {
            return;
        }
    }
}

/* System-mode CPUs sharing a cache take turns on one thread (the machine's
 * round robin) and share its jump cache, whose entries hold for one CPU's page
 * tables only: a turn of another CPU starts with it empty. */
static void claim_jump_cache(CPUExec *cpu)
{
    CPUExecPriv *p = cpu_priv(cpu);
    if (p->softmmu && cpu->tbs->threaded && cpu->tbs->jc_cpu != cpu) {
        memset(p->jc->slot, 0, sizeof(p->jc->slot));
        cpu->tbs->jc_cpu = cpu;
    }
}

int cpu_exec(CPUExec *cpu)
{
    CPUExec *outer = running_cpu;
    running_cpu = cpu;
    claim_jump_cache(cpu);
    cpu_priv(cpu)->no_chaining = (tcg_log_flags(cpu->tcg) & TCG_LOG_EXEC) != 0 ||
                                 cpu_priv(cpu)->debug_hook;
    cpu_priv(cpu)->epilogue = tcg_code_gen_epilogue(cpu->tcg);
    update_jump_cache_stop(cpu);
    bool counted = cpu->tbs->threaded;
    if (counted) {
        tb_exec_enter(cpu);
    }
    for (;;) {
        if (counted && __atomic_load_n(&cpu->tbs->flush_pending, __ATOMIC_ACQUIRE)) {
            /* the code buffer is full: out of generated code until flushed */
            tb_exec_leave(cpu);
            tb_exec_enter(cpu);
        }
        /* save the signal mask: a SIGSEGV handler may leave through cpu_loop_exit */
        if (sigsetjmp(cpu->jmp_env, 1) == 0) {
            run_and_deliver(cpu);
            break;
        }
        /* left generated code through cpu_loop_exit; without a pending exception
         * (self-modifying code restarts the instruction) carry on */
        running_cpu = cpu;
        if (halt_has_work(cpu)) {
            cpu->exception_index = -1;     /* system_between_blocks wakes it */
            continue;
        }
        if (cpu->exception_index >= 0 && !deliver_here(cpu)) {
            break;
        }
    }
    if (counted) {
        tb_exec_leave(cpu);
    }
    running_cpu = outer;
    return take_exception(cpu);
}
