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

CPUExec *cpu_exec_new(void *env, const TargetTranslateOps *ops, TCGContext *tcg)
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
    cpu->tbs = tb_cache_new(tcg);
    cpu->exception_index = -1;
    cpu->priv = p;
    tb_jump_cache_probe(&p->jump_cache, &p->probe);
    return cpu;
}

void cpu_exec_free(CPUExec *cpu)
{
    if (!cpu) {
        return;
    }
    tb_cache_unref(cpu->tbs);
    free(cpu->priv);
    free(cpu);
}

void cpu_exit(CPUExec *cpu)
{
    cpu->exit_request = 1;
    cpu_priv(cpu)->jump_cache.stop = 1;
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
    p->jump_cache.stop = p->no_chaining;
    if (cpu->exit_request) {
        p->jump_cache.stop = 1;
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
    TBEntry *e = p->jump_cache.slot[jump_cache_hash(pc)];
    if (!e || e->invalid || e->tb.pc != pc || e->tb.flags != flags || e->tb.cs_base != cs_base) {
        e = tb_lookup(cpu, pc, cs_base, flags);
    }
    return e ? e->tb.tc_ptr : p->epilogue;
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
    TBEntry *e = tb_lookup(cpu, pc, cs_base, flags);
    return e ? e : tb_translate(cpu, pc, cs_base, flags, TCG_MAX_INSNS, false);
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
        if (cpu->exit_request) {
            if (cpu->tbs->unchained_all) {
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
        if (last && (last_slot > 1 || last->uncached)) {
            last = NULL;
        }
    }
}

int cpu_exec(CPUExec *cpu)
{
    CPUExec *outer = running_cpu;
    running_cpu = cpu;
    cpu_priv(cpu)->no_chaining = (tcg_log_flags(cpu->tcg) & TCG_LOG_EXEC) != 0;
    cpu_priv(cpu)->epilogue = tcg_code_gen_epilogue(cpu->tcg);
    update_jump_cache_stop(cpu);
    for (;;) {
        /* save the signal mask: a SIGSEGV handler may leave through cpu_loop_exit */
        if (sigsetjmp(cpu->jmp_env, 1) == 0) {
            run_blocks(cpu);
            break;
        }
        /* left generated code through cpu_loop_exit; without a pending exception
         * (self-modifying code restarts the instruction) carry on */
        running_cpu = cpu;
        if (cpu->exception_index >= 0) {
            break;
        }
    }
    running_cpu = outer;
    return take_exception(cpu);
}
