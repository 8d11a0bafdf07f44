/*
 * qcow2 internal snapshots (qcow2 spec, "Snapshots"): a snapshot is a copy of
 * the active L1 table plus one more reference on every L2 table and cluster
 * reachable from it; writes then copy shared clusters before changing them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "block/qcow2.h"

#define SNAPSHOT_HEADER_SIZE   40
#define SNAPSHOT_EXTRA_WRITTEN 24      /* vm_state_size_large, disk_size, icount */
#define MAX_SNAPSHOT_TABLE     (64u << 20)

void qcow2_free_snapshots(Qcow2State *s)
{
    for (uint32_t i = 0; s->snapshots && i < s->nb_snapshots; i++) {
        free(s->snapshots[i].id_str);
        free(s->snapshots[i].name);
        free(s->snapshots[i].extra_data);
    }
    free(s->snapshots);
    s->snapshots = NULL;
}

static char *copy_string(const uint8_t *p, size_t n)
{
    char *str = malloc(n + 1);
    if (str) {
        memcpy(str, p, n);
        str[n] = '\0';
    }
    return str;
}

/* Parses one entry at table[*pos]; advances *pos past its padding. */
static int parse_snapshot(BlockDriverState *bs, const uint8_t *table, uint64_t size,
                          uint64_t *pos, Qcow2Snapshot *sn)
{
    Qcow2State *s = bs->opaque;
    const uint8_t *p = table + *pos;
    if (size - *pos < SNAPSHOT_HEADER_SIZE) {
        return -EINVAL;
    }
    sn->l1_table_offset = qcow2_be64(p);
    sn->l1_size = qcow2_be32(p + 8);
    uint16_t id_size = qcow2_be16(p + 12), name_size = qcow2_be16(p + 14);
    sn->date_sec = qcow2_be32(p + 16);
    sn->date_nsec = qcow2_be32(p + 20);
    sn->vm_clock_nsec = qcow2_be64(p + 24);
    sn->vm_state_size = qcow2_be32(p + 32);
    sn->extra_data_size = qcow2_be32(p + 36);
    sn->disk_size = bs->total_size;
    sn->icount = UINT64_MAX;
    uint64_t length = SNAPSHOT_HEADER_SIZE + (uint64_t)sn->extra_data_size + id_size + name_size;
    if (sn->extra_data_size > QCOW2_MAX_SNAPSHOT_EXTRA || size - *pos < length) {
        return -EINVAL;
    }
    const uint8_t *extra = p + SNAPSHOT_HEADER_SIZE;
    if (sn->extra_data_size >= 8) {
        sn->vm_state_size = qcow2_be64(extra);
    }
    if (sn->extra_data_size >= 16) {
        sn->disk_size = qcow2_be64(extra + 8);
    }
    if (sn->extra_data_size >= 24) {
        sn->icount = qcow2_be64(extra + 16);
    }
    sn->extra_data = malloc(sn->extra_data_size + 1);
    sn->id_str = copy_string(extra + sn->extra_data_size, id_size);
    sn->name = copy_string(extra + sn->extra_data_size + id_size, name_size);
    if (!sn->extra_data || !sn->id_str || !sn->name) {
        return -ENOMEM;
    }
    memcpy(sn->extra_data, extra, sn->extra_data_size);
    if (qcow2_offset_in_cluster(s, sn->l1_table_offset) ||
        (uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return -EINVAL;
    }
    *pos = qcow2_align_up(*pos + length, 8);
    return 0;
}

int qcow2_read_snapshots(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    s->snapshots = calloc(s->nb_snapshots ? s->nb_snapshots : 1, sizeof(*s->snapshots));
    if (!s->snapshots) {
        return -ENOMEM;
    }
    if (!s->nb_snapshots) {
        s->snapshots_size = 0;
        return 0;
    }
    if (qcow2_offset_in_cluster(s, s->snapshots_offset)) {
        bdrv_set_error(bs, "snapshot table offset is not cluster aligned");
        return -EINVAL;
    }
    /* entries are variable-sized: read generously, bounded */
    int64_t file_length = block_file_length(bs->file);
    uint64_t size = (uint64_t)s->nb_snapshots * (SNAPSHOT_HEADER_SIZE + QCOW2_MAX_SNAPSHOT_EXTRA +
                                                 2 * 65536 + 8);
    if (size > MAX_SNAPSHOT_TABLE) {
        size = MAX_SNAPSHOT_TABLE;
    }
    if (file_length >= 0 && s->snapshots_offset < (uint64_t)file_length &&
        size > (uint64_t)file_length - s->snapshots_offset) {
        size = (uint64_t)file_length - s->snapshots_offset;
    }
    uint8_t *table = malloc(size ? size : 1);
    if (!table) {
        return -ENOMEM;
    }
    int ret = block_file_pread(bs->file, s->snapshots_offset, size, table);
    uint64_t pos = 0;
    for (uint32_t i = 0; ret == 0 && i < s->nb_snapshots; i++) {
        ret = parse_snapshot(bs, table, size, &pos, &s->snapshots[i]);
        if (ret < 0) {
            bdrv_set_error(bs, "snapshot table entry %u is invalid", i);
            s->nb_snapshots = i + 1;    /* free what was parsed */
        }
    }
    free(table);
    s->snapshots_size = pos;
    return ret;
}

static uint64_t snapshot_entry_size(const Qcow2Snapshot *sn)
{
    uint32_t extra = sn->extra_data_size > SNAPSHOT_EXTRA_WRITTEN ? sn->extra_data_size
                                                                  : SNAPSHOT_EXTRA_WRITTEN;
    return qcow2_align_up(SNAPSHOT_HEADER_SIZE + extra + strlen(sn->id_str) + strlen(sn->name), 8);
}

static void serialize_snapshot(const Qcow2Snapshot *sn, uint8_t *p)
{
    uint32_t extra = sn->extra_data_size > SNAPSHOT_EXTRA_WRITTEN ? sn->extra_data_size
                                                                  : SNAPSHOT_EXTRA_WRITTEN;
    size_t id_size = strlen(sn->id_str), name_size = strlen(sn->name);
    qcow2_put_be64(p, sn->l1_table_offset);
    qcow2_put_be32(p + 8, sn->l1_size);
    qcow2_put_be16(p + 12, (uint16_t)id_size);
    qcow2_put_be16(p + 14, (uint16_t)name_size);
    qcow2_put_be32(p + 16, sn->date_sec);
    qcow2_put_be32(p + 20, sn->date_nsec);
    qcow2_put_be64(p + 24, sn->vm_clock_nsec);
    qcow2_put_be32(p + 32, sn->vm_state_size > UINT32_MAX ? 0 : (uint32_t)sn->vm_state_size);
    qcow2_put_be32(p + 36, extra);
    uint8_t *e = p + SNAPSHOT_HEADER_SIZE;
    if (sn->extra_data_size) {
        memcpy(e, sn->extra_data, sn->extra_data_size);
    }
    qcow2_put_be64(e, sn->vm_state_size);
    qcow2_put_be64(e + 8, sn->disk_size);
    qcow2_put_be64(e + 16, sn->icount);
    memcpy(e + extra, sn->id_str, id_size);
    memcpy(e + extra + id_size, sn->name, name_size);
}

/* Writes the snapshot table of list to fresh clusters and switches the header
 * to it; the old table is freed afterwards. */
static int write_snapshot_table(BlockDriverState *bs, Qcow2Snapshot *list, uint32_t count)
{
    Qcow2State *s = bs->opaque;
    uint64_t size = 0;
    for (uint32_t i = 0; i < count; i++) {
        size += snapshot_entry_size(&list[i]);
    }
    uint64_t offset = 0;
    int ret = 0;
    if (size) {
        uint64_t clusters = qcow2_div_round_up(size, s->cluster_size);
        uint8_t *table = calloc(clusters, s->cluster_size);
        if (!table) {
            return -ENOMEM;
        }
        for (uint64_t i = 0, pos = 0; i < count; pos += snapshot_entry_size(&list[i]), i++) {
            serialize_snapshot(&list[i], table + pos);
        }
        int64_t allocated = qcow2_alloc_clusters(bs, clusters);
        ret = allocated < 0 ? (int)allocated : 0;
        offset = allocated < 0 ? 0 : (uint64_t)allocated;
        if (ret == 0) {
            ret = block_file_pwrite(bs->file, offset, size, table);
        }
        free(table);
    }
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    uint8_t header_part[12];
    qcow2_put_be32(header_part, count);
    qcow2_put_be64(header_part + 4, offset);
    if (ret == 0) {
        ret = block_file_pwrite(bs->file, QCOW2_OFF_NB_SNAPSHOTS, 12, header_part);
    }
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing the snapshot table of");
        return ret;
    }
    uint64_t old_offset = s->snapshots_offset, old_size = s->snapshots_size;
    s->snapshots_offset = offset;
    s->snapshots_size = size;
    if (old_offset && old_size) {
        ret = qcow2_free_clusters(bs, old_offset, qcow2_align_up(old_size, s->cluster_size));
    }
    return ret;
}

/* Adds the range to *run when contiguous, else applies the run first. */
static int refcount_run_add(BlockDriverState *bs, uint64_t run[2], uint64_t offset,
                            uint64_t bytes, int64_t addend)
{
    if (run[1] && run[0] + run[1] == offset) {
        run[1] += bytes;
        return 0;
    }
    int ret = run[1] ? qcow2_update_refcount(bs, run[0], run[1], addend) : 0;
    run[0] = offset;
    run[1] = bytes;
    return ret;
}

int qcow2_update_tree_refcounts(BlockDriverState *bs, const uint64_t *l1, uint32_t l1_size,
                                int64_t addend)
{
    Qcow2State *s = bs->opaque;
    uint64_t run[2] = { 0, 0 };
    int ret = 0;
    for (uint32_t i = 0; ret == 0 && i < l1_size; i++) {
        uint64_t l2_offset = l1[i] & QCOW2_L1E_OFFSET_MASK;
        if (!l2_offset) {
            continue;
        }
        uint8_t *table;
        ret = qcow2_cache_get(bs, &s->l2_cache, l2_offset, &table);
        for (uint64_t j = 0; ret == 0 && j < s->l2_entries; j++) {
            uint64_t entry = qcow2_l2_entry_get(table, j), bytes;
            switch (qcow2_cluster_type(s, entry)) {
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                ret = refcount_run_add(bs, run, entry & QCOW2_L2E_OFFSET_MASK, s->cluster_size,
                                       addend);
                break;
            case QCOW2_CLUSTER_COMPRESSED: {
                uint64_t host = qcow2_compressed_host_range(s, entry, &bytes);
                ret = refcount_run_add(bs, run, 0, 0, addend);
                if (ret == 0) {
                    ret = qcow2_update_refcount(bs, host, bytes, addend);
                }
                break;
            }
            default:
                break;
            }
        }
        if (ret == 0) {
            ret = refcount_run_add(bs, run, 0, 0, addend);
        }
        if (ret == 0) {
            ret = qcow2_update_refcount(bs, l2_offset, s->cluster_size, addend);
        }
    }
    if (ret == 0) {
        ret = refcount_run_add(bs, run, 0, 0, addend);
    }
    return ret;
}

static int write_l1_table(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t *raw = malloc((size_t)s->l1_size * 8 + 1);
    if (!raw) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        qcow2_put_be64(raw + i * 8, s->l1_table[i]);
    }
    int ret = block_file_pwrite(bs->file, s->l1_table_offset, (uint64_t)s->l1_size * 8, raw);
    free(raw);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing the L1 table of");
    }
    return ret;
}

static uint64_t with_copied_flag(uint64_t entry, uint64_t refcount)
{
    return refcount == 1 ? entry | QCOW2_OFLAG_COPIED : entry & ~QCOW2_OFLAG_COPIED;
}

static int fix_l2_copied_flags(BlockDriverState *bs, uint64_t l2_offset)
{
    Qcow2State *s = bs->opaque;
    uint8_t *table;
    int ret = qcow2_cache_get(bs, &s->l2_cache, l2_offset, &table);
    bool changed = false;
    for (uint64_t j = 0; ret == 0 && j < s->l2_entries; j++) {
        uint64_t entry = qcow2_l2_entry_get(table, j), refcount = 0;
        Qcow2ClusterType type = qcow2_cluster_type(s, entry);
        if (type == QCOW2_CLUSTER_NORMAL || type == QCOW2_CLUSTER_ZERO_ALLOC) {
            ret = qcow2_get_refcount(bs, (entry & QCOW2_L2E_OFFSET_MASK) >> s->cluster_bits,
                                     &refcount);
        } else if (!(entry & QCOW2_OFLAG_COPIED)) {
            continue;
        }
        uint64_t fixed = with_copied_flag(entry, refcount);
        if (ret == 0 && fixed != entry) {
            qcow2_l2_entry_set(table, j, fixed);
            changed = true;
        }
    }
    if (changed) {
        qcow2_cache_mark_dirty(&s->l2_cache, table);
    }
    return ret;
}

int qcow2_fix_copied_flags(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    bool l1_changed = false;
    int ret = 0;
    for (uint32_t i = 0; ret == 0 && i < s->l1_size; i++) {
        uint64_t l2_offset = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK, refcount = 0;
        if (!l2_offset) {
            continue;
        }
        ret = qcow2_get_refcount(bs, l2_offset >> s->cluster_bits, &refcount);
        uint64_t fixed = with_copied_flag(s->l1_table[i], refcount);
        if (ret == 0 && fixed != s->l1_table[i]) {
            s->l1_table[i] = fixed;
            l1_changed = true;
        }
        if (ret == 0) {
            ret = fix_l2_copied_flags(bs, l2_offset);
        }
    }
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    if (ret == 0 && l1_changed) {
        ret = write_l1_table(bs);
    }
    return ret;
}

static Qcow2Snapshot *find_snapshot(Qcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (strcmp(s->snapshots[i].id_str, name) == 0) {
            return &s->snapshots[i];
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (strcmp(s->snapshots[i].name, name) == 0) {
            return &s->snapshots[i];
        }
    }
    return NULL;
}

static char *next_snapshot_id(const Qcow2State *s)
{
    unsigned long max = 0;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        unsigned long id = strtoul(s->snapshots[i].id_str, NULL, 10);
        if (id > max) {
            max = id;
        }
    }
    char text[32];
    snprintf(text, sizeof(text), "%lu", max + 1);
    return copy_string((const uint8_t *)text, strlen(text));
}

/* Copies the active L1 table to fresh clusters; returns their offset. */
static int64_t copy_active_l1(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint64_t bytes = (uint64_t)s->l1_size * 8;
    if (!bytes) {
        return 0;
    }
    uint64_t clusters = qcow2_div_round_up(bytes, s->cluster_size);
    int64_t offset = qcow2_alloc_clusters(bs, clusters);
    if (offset < 0) {
        return offset;
    }
    uint8_t *raw = calloc(clusters, s->cluster_size);
    if (!raw) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->l1_size; i++) {
        qcow2_put_be64(raw + i * 8, s->l1_table[i]);
    }
    int ret = block_file_pwrite(bs->file, offset, clusters * s->cluster_size, raw);
    free(raw);
    return ret < 0 ? ret : offset;
}

/* The table entry of a snapshot of the current state whose L1 copy is at
 * l1_offset. */
static int describe_new_snapshot(BlockDriverState *bs, Qcow2Snapshot *sn, const char *name,
                                 uint64_t l1_offset)
{
    Qcow2State *s = bs->opaque;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sn->l1_table_offset = l1_offset;
    sn->l1_size = s->l1_size;
    sn->id_str = next_snapshot_id(s);
    sn->name = copy_string((const uint8_t *)name, strlen(name));
    sn->date_sec = (uint32_t)now.tv_sec;
    sn->date_nsec = (uint32_t)now.tv_nsec;
    sn->disk_size = bs->total_size;
    sn->icount = 0;             /* as qemu-img records it outside record/replay */
    return sn->id_str && sn->name ? 0 : -ENOMEM;
}

int qcow2_snapshot_create(BlockDriverState *bs, const char *name)
{
    return qcow2_snapshot_create_vm(bs, name, 0, 0);
}

/* vm_state_size: the bytes of machine state savevm wrote past the disk
 * (block/qcow2-vmstate.c), which the copied L1 table now covers */
int qcow2_snapshot_create_vm(BlockDriverState *bs, const char *name, uint64_t vm_state_size,
                             uint64_t vm_clock_nsec)
{
    Qcow2State *s = bs->opaque;
    if (strlen(name) > 65535) {
        bdrv_set_error(bs, "snapshot name is too long");
        return -EINVAL;
    }
    if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        bdrv_set_error(bs, "too many snapshots in '%s'", bs->filename);
        return -EFBIG;
    }
    int ret = qcow2_flush_metadata(bs);
    if (ret < 0) {
        return ret;
    }
    /* every cluster of the active tree gains a reference (the new L1 copy) */
    ret = qcow2_update_tree_refcounts(bs, s->l1_table, s->l1_size, 1);
    int64_t l1_offset = ret < 0 ? ret : copy_active_l1(bs);
    if (l1_offset < 0) {
        return (int)l1_offset;
    }
    ret = qcow2_fix_copied_flags(bs);
    if (ret < 0) {
        return ret;
    }
    Qcow2Snapshot *list = calloc(s->nb_snapshots + 1, sizeof(*list));
    if (!list) {
        return -ENOMEM;
    }
    memcpy(list, s->snapshots, s->nb_snapshots * sizeof(*list));
    Qcow2Snapshot *sn = &list[s->nb_snapshots];
    ret = describe_new_snapshot(bs, sn, name, (uint64_t)l1_offset);
    sn->vm_state_size = vm_state_size;
    sn->vm_clock_nsec = vm_clock_nsec;
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret == 0) {
        ret = write_snapshot_table(bs, list, s->nb_snapshots + 1);
    }
    if (ret < 0) {
        free(sn->id_str);
        free(sn->name);
        free(list);
        return ret;
    }
    free(s->snapshots);
    s->snapshots = list;
    s->nb_snapshots++;
    return 0;
}

static int read_snapshot_l1(BlockDriverState *bs, const Qcow2Snapshot *sn, uint64_t size,
                            uint64_t **l1)
{
    uint8_t *raw = malloc((size_t)sn->l1_size * 8 + 1);
    *l1 = calloc(size ? size : 1, 8);
    if (!raw || !*l1) {
        free(raw);
        return -ENOMEM;
    }
    int ret = block_file_pread(bs->file, sn->l1_table_offset, (uint64_t)sn->l1_size * 8, raw);
    for (uint32_t i = 0; ret == 0 && i < sn->l1_size; i++) {
        (*l1)[i] = qcow2_be64(raw + i * 8) & ~QCOW2_OFLAG_COPIED;
    }
    free(raw);
    if (ret < 0) {
        bdrv_set_error(bs, "reading the L1 table of a snapshot failed");
    }
    return ret;
}

int qcow2_snapshot_goto(BlockDriverState *bs, const char *name)
{
    Qcow2State *s = bs->opaque;
    Qcow2Snapshot *sn = find_snapshot(s, name);
    if (!sn) {
        bdrv_set_error(bs, "Can't find snapshot '%s'", name);
        return -ENOENT;
    }
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = qcow2_grow_l1(bs, sn->l1_size);
    }
    uint64_t *new_l1 = NULL;
    if (ret == 0) {
        ret = read_snapshot_l1(bs, sn, s->l1_size, &new_l1);
    }
    /* take the references of the snapshot's tree before dropping the old one */
    if (ret == 0) {
        ret = qcow2_update_tree_refcounts(bs, new_l1, sn->l1_size, 1);
    }
    uint64_t *old_l1 = s->l1_table;
    if (ret == 0) {
        s->l1_table = new_l1;
        ret = write_l1_table(bs);
        if (ret < 0) {
            s->l1_table = old_l1;
        }
    }
    if (ret < 0) {
        free(new_l1);
        return ret;
    }
    ret = qcow2_barrier(bs);
    if (ret == 0) {
        ret = qcow2_update_tree_refcounts(bs, old_l1, s->l1_size, -1);
    }
    free(old_l1);
    if (ret == 0) {
        ret = qcow2_fix_copied_flags(bs);
    }
    if (ret == 0 && sn->disk_size != bs->total_size) {
        ret = qcow2_update_size(bs, sn->disk_size);
        if (ret == 0) {
            bs->total_size = sn->disk_size;
        }
    }
    return ret;
}

int qcow2_snapshot_delete(BlockDriverState *bs, const char *name)
{
    Qcow2State *s = bs->opaque;
    Qcow2Snapshot *sn = find_snapshot(s, name);
    if (!sn) {
        bdrv_set_error(bs, "Can't find snapshot '%s'", name);
        return -ENOENT;
    }
    Qcow2Snapshot removed = *sn;
    uint32_t index = (uint32_t)(sn - s->snapshots);
    Qcow2Snapshot *list = calloc(s->nb_snapshots, sizeof(*list));
    if (!list) {
        return -ENOMEM;
    }
    memcpy(list, s->snapshots, index * sizeof(*list));
    memcpy(list + index, s->snapshots + index + 1,
           (s->nb_snapshots - index - 1) * sizeof(*list));
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = write_snapshot_table(bs, list, s->nb_snapshots - 1);
    }
    if (ret < 0) {
        free(list);
        return ret;
    }
    free(s->snapshots);
    s->snapshots = list;
    s->nb_snapshots--;
    /* the table no longer names it: now its references can go */
    uint64_t *l1 = NULL;
    ret = read_snapshot_l1(bs, &removed, removed.l1_size, &l1);
    if (ret == 0) {
        ret = qcow2_update_tree_refcounts(bs, l1, removed.l1_size, -1);
    }
    if (ret == 0 && removed.l1_size) {
        ret = qcow2_free_clusters(bs, removed.l1_table_offset,
                                  qcow2_align_up((uint64_t)removed.l1_size * 8, s->cluster_size));
    }
    free(l1);
    free(removed.id_str);
    free(removed.name);
    free(removed.extra_data);
    if (ret == 0) {
        ret = qcow2_fix_copied_flags(bs);
    }
    return ret;
}

int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list)
{
    Qcow2State *s = bs->opaque;
    *list = calloc(s->nb_snapshots ? s->nb_snapshots : 1, sizeof(**list));
    if (!*list) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snapshots[i];
        BlockSnapshotInfo *info = &(*list)[i];
        snprintf(info->id, sizeof(info->id), "%s", sn->id_str);
        snprintf(info->name, sizeof(info->name), "%s", sn->name);
        info->vm_state_size = sn->vm_state_size;
        info->date_sec = sn->date_sec;
        info->date_nsec = sn->date_nsec;
        info->vm_clock_nsec = sn->vm_clock_nsec;
        info->icount = sn->icount;
    }
    return (int)s->nb_snapshots;
}
