/*
 * The execution loop's debug hook for the monitor's users of it: the gdb stub
 * (breakpoints, steps) and HMP's singlestep (one instruction per block, as
 * QEMU's singlestep mode). Installed only while one of them needs it: without
 * it blocks chain and run at full speed. Every vCPU has it (gdb's threads are
 * the CPUs; singlestep applies to each).
 */
#include "accel/tcg/exec.h"
#include "monitor/internal.h"

static int debug_hook(void *opaque, uint64_t pc, uint32_t size, unsigned icount)
{
    MonitorCpuHook *c = opaque;
    MonitorHost *h = c->h;
    int r = h->gdb ? gdb_debug_hook(h->gdb, c->index, pc, size, icount) : DEBUG_RUN;
    if (r == DEBUG_RUN && h->singlestep) {
        r = DEBUG_ONE_INSN;
    }
    return r;
}

void monitor_update_debug_hook(MonitorHost *h)
{
    bool want = h->singlestep || (h->gdb && gdb_attached(h->gdb));
    for (int i = 0; i < h->v.ncpus; i++) {
        cpu_exec_set_debug_hook(pc_cpu_exec(h->machine, i), want ? debug_hook : NULL,
                                want ? &h->cpu_hooks[i] : NULL);
    }
}
