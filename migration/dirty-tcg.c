/*
 * Live migration's dirty pages under TCG (migration/dirty.h): the softmmu
 * reports the first write to each RAM page through a TLB entry as it happens
 * (tlb_set_dirty_log, accel/tcg/cputlb.h); a sync flushes the TLB so that
 * the next write to any page is reported again. Each vCPU (-smp) has its own
 * TLB: each one reports.
 */
#include <stdlib.h>
#include "accel/tcg/cputlb.h"
#include "accel/kvm/kvm.h"
#include "migration/dirty.h"

static void tcg_write(void *opaque, uint64_t paddr)
{
    DirtySource *d = opaque;
    d->mark(d->opaque, paddr, 1);
}

static char *tcg_start(DirtySource *d, DirtyMark *mark, void *opaque)
{
    d->mark = mark;
    d->opaque = opaque;
    CPUExec *cpu;
    for (int i = 0; (cpu = pc_cpu_exec(d->accel, i)); i++) {
        tlb_set_dirty_log(cpu, tcg_write, d);
    }
    return NULL;
}

static char *tcg_sync(DirtySource *d)
{
    CPUExec *cpu;
    for (int i = 0; (cpu = pc_cpu_exec(d->accel, i)); i++) {
        tlb_flush(cpu);         /* the writes so far were reported already */
    }
    return NULL;
}

static void tcg_stop(DirtySource *d)
{
    CPUExec *cpu;
    for (int i = 0; (cpu = pc_cpu_exec(d->accel, i)); i++) {
        tlb_set_dirty_log(cpu, NULL, NULL);
    }
}

static const DirtySourceOps tcg_ops = { "tcg", tcg_start, tcg_sync, tcg_stop };

void dirty_source_tcg(DirtySource *d, PCMachine *m)
{
    *d = (DirtySource){ .ops = &tcg_ops, .accel = m };
}

void dirty_source_init(DirtySource *d, PCMachine *m)
{
    KVMState *kvm = pc_kvm(m);
    if (kvm) {
        dirty_source_kvm(d, kvm);
    } else {
        dirty_source_tcg(d, m);
    }
}
