/*
 * Dirty-page logging for live migration (Linux Documentation/virt/kvm/api.rst,
 * "KVM_GET_DIRTY_LOG" and KVM_MEM_LOG_DIRTY_PAGES): the writable slots get
 * the flag in place (a flags-only change keeps the slot and the guest's view
 * of it), each sync fetches and clears every slot's bitmap (one bit per 4 KiB
 * page, bit i of 64-bit word i/64) and reports the runs of set bits; a
 * slot the memory map recreated meanwhile is reported whole.
 * Called on the machine thread, which holds the big machine lock, so the
 * slot table cannot change under it; the vCPU may run on meanwhile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"

#define PAGE 4096u

static char *relog(KVMState *s, bool on)
{
    char *e = NULL;
    if (s->map_dirty && (e = kvm_update_slots(s))) {
        return e;
    }
    s->dirty_logging = on;
    memset(s->slot_fresh, 0, sizeof(s->slot_fresh));
    for (int i = 0; i < s->nslots; i++) {
        if (!s->slots[i].readonly && kvm_set_slot(s, i, &s->slots[i]) < 0) {
            return kvm_ioctl_error(on ? "KVM_SET_USER_MEMORY_REGION (KVM_MEM_LOG_DIRTY_PAGES)"
                                      : "KVM_SET_USER_MEMORY_REGION (dirty logging off)");
        }
    }
    return NULL;
}

char *kvm_dirty_log_start(KVMState *s)
{
    return relog(s, true);
}

void kvm_dirty_log_stop(KVMState *s)
{
    free(relog(s, false));
}

/* the runs of set bits in one slot's bitmap */
static void report(const KVMSlot *sl, const uint64_t *bm, KVMDirtyMark *mark, void *opaque)
{
    uint64_t pages = sl->size / PAGE, run = 0;
    for (uint64_t p = 0; p <= pages; p++) {
        bool dirty = p < pages && ((bm[p / 64] >> (p % 64)) & 1);
        if (dirty) {
            run++;
        } else if (run) {
            mark(opaque, sl->gpa + (p - run) * PAGE, run * PAGE);
            run = 0;
        }
    }
}

char *kvm_dirty_log_sync(KVMState *s, KVMDirtyMark *mark, void *opaque)
{
    if (!s->dirty_logging) {
        errno = EINVAL;
        return kvm_ioctl_error("KVM_GET_DIRTY_LOG (dirty logging was not started)");
    }
    char *e = NULL;
    if (s->map_dirty && (e = kvm_update_slots(s))) {
        return e;
    }
    for (int i = 0; i < s->nslots && !e; i++) {
        const KVMSlot *sl = &s->slots[i];
        if (sl->readonly) {
            continue;
        }
        uint64_t words = (sl->size / PAGE + 63) / 64;
        uint64_t *bm = calloc(words ? words : 1, sizeof(uint64_t));
        struct kvm_dirty_log d = { .slot = i, .dirty_bitmap = bm };
        if (ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &d) < 0) {
            e = kvm_ioctl_error("KVM_GET_DIRTY_LOG");
        } else if (s->slot_fresh[i]) {
            /* the slot was recreated since the last sync (the memory map
             * changed): what its old bitmap held is lost, so all of it */
            s->slot_fresh[i] = false;
            mark(opaque, sl->gpa, sl->size);
        } else {
            report(sl, bm, mark, opaque);
        }
        free(bm);
    }
    return e;
}
