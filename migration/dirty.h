/*
 * Where live migration (migration/live.c) learns which RAM pages the guest
 * wrote: one interface, one implementation per accelerator.
 * - TCG (migration/dirty-tcg.c): the softmmu's first write to a page through
 *   each TLB entry after a flush takes the slow path and is reported at once
 *   (accel/tcg tlb_set_dirty_log); a sync flushes the TLB to re-arm.
 * - KVM (migration/dirty-kvm.c): the kernel records the guest's writes in a
 *   bitmap per memory slot (KVM_MEM_LOG_DIRTY_PAGES); a sync fetches and
 *   clears them (KVM_GET_DIRTY_LOG, accel/kvm/kvm-dirty.c) and reports them.
 * Either way a page written after a sync is reported by a later sync (or at
 * once), so every page written since start is reported at least once by the
 * time the last sync returns with the vCPU stopped. Writes by the machine's
 * own devices (DMA) are not the accelerator's: live.c takes those from the
 * address space's ram_written listener.
 */
#ifndef MIGRATION_DIRTY_H
#define MIGRATION_DIRTY_H

#include <stdint.h>
#include "hw/pc.h"

/* a run of written guest-physical bytes */
typedef void DirtyMark(void *opaque, uint64_t gpa, uint64_t len);

typedef struct DirtySource DirtySource;
typedef struct DirtySourceOps {
    const char *name;                                   /* "tcg", "kvm" */
    /* start reporting to mark(opaque, ...); NULL or a malloc'd one-line error */
    char *(*start)(DirtySource *d, DirtyMark *mark, void *opaque);
    /* every write since start or the last sync has been reported when it
     * returns, and the next writes will be; NULL or a malloc'd error */
    char *(*sync)(DirtySource *d);
    void (*stop)(DirtySource *d);
} DirtySourceOps;

struct DirtySource {
    const DirtySourceOps *ops;
    void *accel;                    /* the PCMachine (its vCPUs' TLBs), or the KVMState */
    DirtyMark *mark;
    void *opaque;
};

/* The machine's accelerator's source, filled into d. */
void dirty_source_init(DirtySource *d, PCMachine *m);
void dirty_source_tcg(DirtySource *d, PCMachine *m);
void dirty_source_kvm(DirtySource *d, struct KVMState *kvm);

#endif
