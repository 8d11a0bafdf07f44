/*
 * The VM state of qcow2 internal snapshots. QEMU keeps it in the image's
 * guest address space from the first L1 entry past the virtual disk
 * (qcow2_vm_state_offset: l1_vm_state_index << (cluster_bits + l2_bits)),
 * written through the active L1 table just before the snapshot copies that
 * table, then discarded from the active image; the snapshot table entry
 * records its size (docs/interop/qcow2.txt, "Snapshot table": VM state size).
 * We do the same, so images move between us and QEMU with their snapshots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "block/block_int.h"
#include "block/qcow2.h"
#include "block/qcow2-vmstate.h"

static uint64_t vmstate_offset(const Qcow2State *s, uint64_t disk_size)
{
    uint64_t l2_coverage = s->cluster_size << s->l2_bits;
    return (disk_size + l2_coverage - 1) / l2_coverage * l2_coverage;
}

bool qcow2_vmstate_supported(BlockDriverState *bs)
{
    return bs && !strcmp(bdrv_format_name(bs), "qcow2");
}

int qcow2_vmstate_snapshot(BlockDriverState *bs, const char *name, const void *buf,
                           uint64_t len, uint64_t vm_clock_nsec)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = vmstate_offset(s, bs->total_size);
    int ret = len ? qcow2_co_pwrite(bs, off, len, buf, 0) : 0;
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    if (ret == 0) {
        ret = qcow2_snapshot_create_vm(bs, name, len, vm_clock_nsec);
    }
    /* the active image does not need the state any more (QEMU drops it too:
     * it would only cost copy-on-write at the next snapshot) */
    if (ret == 0 && len) {
        uint64_t whole = (len + s->cluster_size - 1) & ~(s->cluster_size - 1);
        ret = qcow2_co_pdiscard(bs, off, whole);
    }
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    return ret;
}

static const Qcow2Snapshot *find(const Qcow2State *s, const char *name)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            if (!strcmp(pass ? s->snapshots[i].name : s->snapshots[i].id_str, name)) {
                return &s->snapshots[i];
            }
        }
    }
    return NULL;
}

/* the snapshot's L1 table in host order */
static int read_l1(BlockDriverState *bs, const Qcow2Snapshot *sn, uint64_t **l1)
{
    uint64_t bytes = (uint64_t)sn->l1_size * 8;
    if (bytes > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    uint8_t *raw = malloc(bytes + 1);
    *l1 = malloc(bytes + 8);
    if (!raw || !*l1) {
        free(raw);
        return -ENOMEM;
    }
    int ret = block_file_pread(bs->file, sn->l1_table_offset, bytes, raw);
    for (uint32_t i = 0; i < sn->l1_size; i++) {
        (*l1)[i] = qcow2_be64(raw + 8 * i);
    }
    free(raw);
    return ret < 0 ? ret : 0;
}

int qcow2_vmstate_read(BlockDriverState *bs, const char *name, uint8_t **buf, uint64_t *len)
{
    Qcow2State *s = bs->opaque;
    const Qcow2Snapshot *sn = find(s, name);
    *buf = NULL;
    *len = 0;
    if (!sn) {
        return -ENOENT;
    }
    if (!sn->vm_state_size) {
        return 0;
    }
    uint64_t *l1 = NULL;
    int ret = read_l1(bs, sn, &l1);
    uint8_t *data = ret == 0 ? malloc(sn->vm_state_size) : NULL;
    if (ret == 0 && !data) {
        ret = -ENOMEM;
    }
    if (ret == 0) {
        /* read through the snapshot's tree: its L1 stands in for the active
         * one for this one read (L2 tables are cached by their offset) */
        uint64_t *active = s->l1_table;
        uint32_t active_size = s->l1_size;
        s->l1_table = l1;
        s->l1_size = sn->l1_size;
        ret = qcow2_co_pread(bs, vmstate_offset(s, sn->disk_size), sn->vm_state_size, data);
        s->l1_table = active;
        s->l1_size = active_size;
    }
    free(l1);
    if (ret < 0) {
        free(data);
        return ret;
    }
    *buf = data;
    *len = sn->vm_state_size;
    return 0;
}
