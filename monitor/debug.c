/*
 * The execution loop's debug hook for the monitor's users of it: the gdb stub
 * (breakpoints, steps) and HMP's singlestep (one instruction per block, as
 * QEMU's singlestep mode). Installed only while one of them needs it: without
 * it blocks chain and run at full speed.
 */
#include "accel/tcg/exec.h"
#include "monitor/internal.h"

static int debug_hook(void *opaque, uint64_t pc, uint32_t size, unsigned icount)
{
    MonitorHost *h = opaque;
    int r = h->gdb ? gdb_debug_hook(h->gdb, pc, size, icount) : DEBUG_RUN;
    if (r == DEBUG_RUN && h->singlestep) {
        r = DEBUG_ONE_INSN;
    }
    return r;
}

void monitor_update_debug_hook(MonitorHost *h)
{
    bool want = h->singlestep || (h->gdb && gdb_attached(h->gdb));
    cpu_exec_set_debug_hook(h->v.cpu, want ? debug_hook : NULL, want ? h : NULL);
}
