/*
 * qcow2 metadata overlap check: before data or a new table is written to a
 * host range, make sure the range holds none of the image's own metadata
 * (header, L1 tables, refcount table and blocks, L2 tables, snapshot table).
 * Such an overlap only happens when refcounts or tables are damaged; the
 * image is then marked corrupt (qcow2 spec, incompatible bit 1) instead of
 * being damaged further.
 */
#include <errno.h>

#include "block/qcow2.h"

static bool ranges_meet(uint64_t a, uint64_t a_bytes, uint64_t b, uint64_t b_bytes)
{
    return a_bytes && b_bytes && a < b + b_bytes && b < a + a_bytes;
}

/* Which metadata [offset, offset+bytes) meets, or NULL. */
static const char *overlapping_metadata(const Qcow2State *s, uint64_t offset, uint64_t bytes)
{
    uint64_t cs = s->cluster_size;
    if (ranges_meet(offset, bytes, 0, cs)) {
        return "the header";
    }
    if (ranges_meet(offset, bytes, s->l1_table_offset,
                    qcow2_align_up((uint64_t)s->l1_size * 8, cs))) {
        return "the active L1 table";
    }
    if (ranges_meet(offset, bytes, s->refcount_table_offset,
                    (uint64_t)s->refcount_table_clusters * cs)) {
        return "the refcount table";
    }
    if (ranges_meet(offset, bytes, s->snapshots_offset, qcow2_align_up(s->snapshots_size, cs))) {
        return "the snapshot table";
    }
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t block = s->refcount_table[i] & QCOW2_REFTABLE_OFFSET_MASK;
        if (block && ranges_meet(offset, bytes, block, cs)) {
            return "a refcount block";
        }
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        if (l2 && ranges_meet(offset, bytes, l2, cs)) {
            return "an L2 table";
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (ranges_meet(offset, bytes, s->snapshots[i].l1_table_offset,
                        qcow2_align_up((uint64_t)s->snapshots[i].l1_size * 8, cs))) {
            return "a snapshot's L1 table";
        }
    }
    return NULL;
}

int qcow2_check_overlap(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = bs->opaque;
    const char *what = overlapping_metadata(s, offset, bytes);
    if (!what) {
        return 0;
    }
    /* further writes would only make it worse (qcow2 spec, "Corrupt bit") */
    s->incompatible_features |= QCOW2_INCOMPAT_CORRUPT;
    if (s->version >= 3) {
        uint8_t part[8];
        qcow2_put_be64(part, s->incompatible_features);
        block_file_pwrite(bs->file, QCOW2_OFF_INCOMPATIBLE, sizeof(part), part);
    }
    bdrv_set_error(bs, "'%s' is corrupt: a write at offset %llu would overwrite %s; "
                   "repair it with check -r all", bs->filename, (unsigned long long)offset, what);
    return -EIO;
}
