/*
 * Live migration's dirty pages under KVM (migration/dirty.h): the kernel's
 * dirty log (Linux Documentation/virt/kvm/api.rst, KVM_MEM_LOG_DIRTY_PAGES
 * and KVM_GET_DIRTY_LOG, through accel/kvm/kvm-dirty.c). The vCPU runs on
 * while a sync fetches and clears the bitmaps: a write after the fetch is in
 * the next sync's bitmap.
 */
#include "accel/kvm/kvm.h"
#include "migration/dirty.h"

static char *kvm_start(DirtySource *d, DirtyMark *mark, void *opaque)
{
    d->mark = mark;
    d->opaque = opaque;
    return kvm_dirty_log_start(d->accel);
}

static char *kvm_sync(DirtySource *d)
{
    return kvm_dirty_log_sync(d->accel, d->mark, d->opaque);
}

static void kvm_stop(DirtySource *d)
{
    kvm_dirty_log_stop(d->accel);
}

static const DirtySourceOps kvm_ops = { "kvm", kvm_start, kvm_sync, kvm_stop };

void dirty_source_kvm(DirtySource *d, KVMState *kvm)
{
    *d = (DirtySource){ .ops = &kvm_ops, .accel = kvm };
}
