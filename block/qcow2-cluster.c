/*
 * qcow2 cluster mapping: L1/L2 lookup, reads, allocating writes, zero writes,
 * discard, block status and resizing (qcow2 spec, "Cluster mapping").
 *
 * Write ordering: a newly allocated data cluster gets its refcount (written
 * through) and its data first; its L2 entry changes only in the cached L2
 * table, which reaches the file in qcow2_flush_metadata behind a barrier.
 * Clusters an L2 entry stopped referencing are freed after that write-back,
 * behind a second barrier. New L2 and L1 tables are written whole before the
 * entry or header field that points to them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/format-common.h"
#include "block/qcow2.h"

Qcow2ClusterType qcow2_cluster_type(const Qcow2State *s, uint64_t l2_entry)
{
    if (l2_entry & QCOW2_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if (l2_entry & QCOW2_OFLAG_ZERO) {
        return (l2_entry & QCOW2_L2E_OFFSET_MASK) ? QCOW2_CLUSTER_ZERO_ALLOC
                                                  : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    return (l2_entry & QCOW2_L2E_OFFSET_MASK) ? QCOW2_CLUSTER_NORMAL : QCOW2_CLUSTER_UNALLOCATED;
}

static uint64_t l1_index_of(const Qcow2State *s, uint64_t guest_offset)
{
    return guest_offset >> (s->cluster_bits + s->l2_bits);
}

static uint64_t l2_index_of(const Qcow2State *s, uint64_t guest_offset)
{
    return (guest_offset >> s->cluster_bits) & (s->l2_entries - 1);
}

/* The L2 table for a guest offset, or *table NULL when there is none. */
static int get_l2_table(BlockDriverState *bs, uint64_t guest_offset, uint8_t **table)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1_index = l1_index_of(s, guest_offset);
    *table = NULL;
    if (l1_index >= s->l1_size) {
        return 0;
    }
    uint64_t l2_offset = s->l1_table[l1_index] & QCOW2_L1E_OFFSET_MASK;
    if (!l2_offset) {
        return 0;
    }
    if (qcow2_offset_in_cluster(s, l2_offset)) {
        bdrv_set_error(bs, "L2 table offset %llu in '%s' is not cluster aligned",
                       (unsigned long long)l2_offset, bs->filename);
        return -EIO;
    }
    return qcow2_cache_get(bs, &s->l2_cache, l2_offset, table);
}

int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t guest_offset, uint64_t *entry)
{
    uint8_t *table;
    int ret = get_l2_table(bs, guest_offset, &table);
    *entry = 0;
    if (ret == 0 && table) {
        *entry = qcow2_l2_entry_get(table, l2_index_of(bs->opaque, guest_offset));
    }
    return ret;
}

/* Sanity of a data cluster reference before it is used for I/O. */
static int check_data_entry(BlockDriverState *bs, uint64_t entry)
{
    Qcow2State *s = bs->opaque;
    Qcow2ClusterType type = qcow2_cluster_type(s, entry);
    if ((type == QCOW2_CLUSTER_NORMAL || type == QCOW2_CLUSTER_ZERO_ALLOC) &&
        qcow2_offset_in_cluster(s, entry & QCOW2_L2E_OFFSET_MASK)) {
        bdrv_set_error(bs, "data cluster offset %llu in '%s' is not cluster aligned",
                       (unsigned long long)(entry & QCOW2_L2E_OFFSET_MASK), bs->filename);
        return -EIO;
    }
    return 0;
}

int qcow2_flush_metadata(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int ret = 0;
    if (qcow2_cache_has_dirty(&s->l2_cache)) {
        ret = qcow2_barrier(bs);
        if (ret == 0) {
            ret = qcow2_cache_write_dirty(bs, &s->l2_cache);
        }
    }
    if (ret == 0 && s->nb_pending_frees) {
        ret = qcow2_barrier(bs);
        if (ret == 0) {
            ret = qcow2_apply_pending_frees(bs);
        }
    }
    return ret;
}

/* --- reads --- */

static int read_backing(BlockDriverState *bs, uint64_t offset, uint64_t bytes, uint8_t *buf)
{
    BlockDriverState *backing = bs->backing;
    uint64_t covered = 0;
    if (backing) {
        uint64_t length = backing->total_size;
        covered = offset >= length ? 0 : (bytes < length - offset ? bytes : length - offset);
    }
    if (covered) {
        int ret = bdrv_pread(backing, offset, covered, buf);
        if (ret < 0) {
            bdrv_set_error(bs, "reading backing file '%s' failed: %s", backing->filename,
                           bdrv_last_error(backing));
            return ret;
        }
    }
    memset(buf + covered, 0, bytes - covered);
    return 0;
}

/* How many bytes from offset (at most max) map like the entry at offset: the
 * same type, and for data clusters consecutive host clusters. */
static int mapping_run(BlockDriverState *bs, uint64_t offset, uint64_t max, uint64_t *entry,
                       uint64_t *run)
{
    Qcow2State *s = bs->opaque;
    uint8_t *table;
    int ret = get_l2_table(bs, offset, &table);
    if (ret < 0) {
        return ret;
    }
    uint64_t index = l2_index_of(s, offset);
    uint64_t first = table ? qcow2_l2_entry_get(table, index) : 0;
    Qcow2ClusterType type = qcow2_cluster_type(s, first);
    uint64_t bytes = s->cluster_size - qcow2_offset_in_cluster(s, offset);
    uint64_t table_bytes = (s->l2_entries - index) << s->cluster_bits;
    uint64_t limit = max < table_bytes - qcow2_offset_in_cluster(s, offset)
                     ? max : table_bytes - qcow2_offset_in_cluster(s, offset);
    if (type != QCOW2_CLUSTER_COMPRESSED) {
        for (uint64_t i = index + 1; bytes < limit; i++) {
            uint64_t next = table ? qcow2_l2_entry_get(table, i) : 0;
            if (qcow2_cluster_type(s, next) != type) {
                break;
            }
            if (type == QCOW2_CLUSTER_NORMAL &&
                (next & QCOW2_L2E_OFFSET_MASK) !=
                (first & QCOW2_L2E_OFFSET_MASK) + ((i - index) << s->cluster_bits)) {
                break;
            }
            bytes += s->cluster_size;
        }
    }
    *entry = first;
    *run = bytes < max ? bytes : max;
    return check_data_entry(bs, first);
}

int qcow2_co_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    Qcow2State *s = bs->opaque;
    uint8_t *out = buf;
    while (bytes) {
        uint64_t entry, run;
        int ret = mapping_run(bs, offset, bytes, &entry, &run);
        if (ret < 0) {
            return ret;
        }
        uint64_t in_cluster = qcow2_offset_in_cluster(s, offset);
        switch (qcow2_cluster_type(s, entry)) {
        case QCOW2_CLUSTER_UNALLOCATED:
            ret = read_backing(bs, offset, run, out);
            break;
        case QCOW2_CLUSTER_ZERO_PLAIN:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            memset(out, 0, run);
            break;
        case QCOW2_CLUSTER_NORMAL:
            ret = format_read_data(bs, bs->file, (entry & QCOW2_L2E_OFFSET_MASK) + in_cluster,
                                   run, out);
            break;
        case QCOW2_CLUSTER_COMPRESSED:
            ret = qcow2_read_compressed(bs, entry, in_cluster, run, out);
            break;
        }
        if (ret < 0) {
            return ret;
        }
        offset += run;
        out += run;
        bytes -= run;
    }
    return 0;
}

/* --- L1 and L2 tables for writing --- */

static int write_l1_entry(BlockDriverState *bs, uint64_t index)
{
    Qcow2State *s = bs->opaque;
    uint8_t raw[8];
    qcow2_put_be64(raw, s->l1_table[index]);
    int ret = block_file_pwrite(bs->file, s->l1_table_offset + index * 8, 8, raw);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing the L1 table of");
    }
    return ret;
}

int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size)
{
    Qcow2State *s = bs->opaque;
    if (min_size <= s->l1_size) {
        return 0;
    }
    if (min_size * 8 > QCOW2_MAX_L1_BYTES) {
        bdrv_set_error(bs, "L1 table of '%s' would exceed %u bytes", bs->filename,
                       QCOW2_MAX_L1_BYTES);
        return -EFBIG;
    }
    uint64_t bytes = min_size * 8;
    uint64_t clusters = qcow2_div_round_up(bytes, s->cluster_size);
    uint64_t *table = calloc(clusters << s->cluster_bits, 1);
    uint8_t *raw = calloc(clusters << s->cluster_bits, 1);
    if (!table || !raw) {
        free(table);
        free(raw);
        return -ENOMEM;
    }
    memcpy(table, s->l1_table, (size_t)s->l1_size * 8);
    for (uint64_t i = 0; i < min_size; i++) {
        qcow2_put_be64(raw + i * 8, table[i]);
    }
    int64_t offset = qcow2_alloc_clusters(bs, clusters);
    int ret = offset < 0 ? (int)offset : 0;
    if (ret == 0) {
        ret = block_file_pwrite(bs->file, offset, clusters << s->cluster_bits, raw);
    }
    free(raw);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    uint64_t old_offset = s->l1_table_offset;
    uint64_t old_bytes = (uint64_t)s->l1_size * 8;
    if (ret == 0) {
        ret = qcow2_update_l1_location(bs, offset, (uint32_t)min_size);
    }
    if (ret < 0) {
        free(table);
        if (!bs->err.msg[0]) {
            qcow2_io_error(bs, ret, "growing the L1 table of");
        }
        return ret;
    }
    free(s->l1_table);
    s->l1_table = table;
    s->l1_table_offset = offset;
    s->l1_size = (uint32_t)min_size;
    if (old_offset && old_bytes) {
        ret = qcow2_barrier(bs);
        if (ret == 0) {
            ret = qcow2_free_clusters(bs, old_offset, qcow2_align_up(old_bytes, s->cluster_size));
        }
    }
    return ret;
}

/* Writes a new L2 table (a copy of the one at old_offset, or empty) to a
 * fresh cluster and returns its offset; *table is its cached copy. */
static int64_t new_l2_table(BlockDriverState *bs, uint64_t guest_offset, uint64_t old_offset,
                            uint8_t **table)
{
    Qcow2State *s = bs->opaque;
    uint8_t *copy = NULL;
    int ret = 0;
    if (old_offset) {
        /* shared with a snapshot: copy on write (qcow2 spec, "Snapshots") */
        ret = get_l2_table(bs, guest_offset, table);
        copy = ret < 0 ? NULL : malloc(s->cluster_size);
        if (ret < 0 || !copy) {
            return ret < 0 ? ret : -ENOMEM;
        }
        memcpy(copy, *table, s->cluster_size);
    }
    int64_t new_offset = qcow2_alloc_clusters(bs, 1);
    if (new_offset < 0) {
        free(copy);
        return new_offset;
    }
    ret = qcow2_cache_get_empty(bs, &s->l2_cache, new_offset, table);
    if (ret == 0) {
        if (copy) {
            memcpy(*table, copy, s->cluster_size);
        }
        ret = block_file_pwrite(bs->file, new_offset, s->cluster_size, *table);
    }
    free(copy);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret < 0) {
        qcow2_cache_discard(&s->l2_cache, new_offset);
        qcow2_io_error(bs, ret, "allocating an L2 table in");
        return ret;
    }
    return new_offset;
}

/* The L2 table for writing at guest_offset: exclusively owned (refcount 1),
 * allocated or copied from a shared one as needed. */
static int get_l2_for_write(BlockDriverState *bs, uint64_t guest_offset, uint8_t **table)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1_index = l1_index_of(s, guest_offset);
    int ret = qcow2_grow_l1(bs, l1_index + 1);
    if (ret < 0) {
        return ret;
    }
    uint64_t l1_entry = s->l1_table[l1_index];
    uint64_t old_offset = l1_entry & QCOW2_L1E_OFFSET_MASK;
    if (old_offset && (l1_entry & QCOW2_OFLAG_COPIED)) {
        return get_l2_table(bs, guest_offset, table);
    }
    int64_t new_offset = new_l2_table(bs, guest_offset, old_offset, table);
    if (new_offset < 0) {
        return (int)new_offset;
    }
    s->l1_table[l1_index] = (uint64_t)new_offset | QCOW2_OFLAG_COPIED;
    ret = write_l1_entry(bs, l1_index);
    if (ret < 0) {
        s->l1_table[l1_index] = l1_entry;
        return ret;
    }
    if (old_offset) {
        ret = qcow2_free_later(bs, old_offset, s->cluster_size);
    }
    return ret;
}

int qcow2_set_l2_entry(BlockDriverState *bs, uint64_t guest_offset, uint64_t entry)
{
    Qcow2State *s = bs->opaque;
    uint8_t *table;
    int ret = get_l2_for_write(bs, guest_offset, &table);
    if (ret < 0) {
        return ret;
    }
    uint64_t index = l2_index_of(s, guest_offset);
    uint64_t old = qcow2_l2_entry_get(table, index);
    qcow2_l2_entry_set(table, index, entry);
    qcow2_cache_mark_dirty(&s->l2_cache, table);
    if ((old & QCOW2_L2E_OFFSET_MASK) == (entry & QCOW2_L2E_OFFSET_MASK) &&
        !((old ^ entry) & QCOW2_OFLAG_COMPRESSED)) {
        return 0;      /* same host cluster, only flags changed */
    }
    return qcow2_free_l2_entry_later(bs, old);
}

/* --- writes --- */

/* An entry whose cluster can take the write where it is. */
static bool writable_in_place(const Qcow2State *s, uint64_t entry)
{
    return qcow2_cluster_type(s, entry) == QCOW2_CLUSTER_NORMAL && (entry & QCOW2_OFLAG_COPIED);
}

/* Current contents of one guest cluster (for the part a write leaves alone). */
static int read_old_cluster(BlockDriverState *bs, uint64_t cluster_offset, uint8_t *buf)
{
    Qcow2State *s = bs->opaque;
    uint64_t length = s->cluster_size;
    if (cluster_offset + length > bs->total_size) {
        memset(buf, 0, length);
        length = bs->total_size > cluster_offset ? bs->total_size - cluster_offset : 0;
    }
    return length ? qcow2_co_pread(bs, cluster_offset, length, buf) : 0;
}

typedef struct WriteRun {
    uint64_t offset;          /* guest offset of the write's first byte in the run */
    uint64_t bytes;
    const uint8_t *data;
    uint64_t first_index;     /* L2 index of the run's first cluster */
    uint64_t nb_clusters;
} WriteRun;

/* Writes a run's data into nb fresh clusters at host, completing partial first
 * and last clusters with their old contents. */
static int write_fresh_clusters(BlockDriverState *bs, const WriteRun *run, uint64_t host)
{
    Qcow2State *s = bs->opaque;
    uint64_t cluster_start = run->offset & ~(s->cluster_size - 1);
    uint64_t head = run->offset - cluster_start;
    uint64_t end = run->offset + run->bytes;
    uint64_t tail = qcow2_align_up(end, s->cluster_size) - end;
    uint64_t span = head + run->bytes + tail;
    if (head == 0 && tail == 0) {
        return block_file_pwrite(bs->file, host, run->bytes, run->data);
    }
    uint8_t *buf = malloc(span);
    if (!buf) {
        return -ENOMEM;
    }
    int ret = 0;
    if (head) {
        ret = read_old_cluster(bs, cluster_start, buf);
    }
    if (ret == 0 && tail && (span > s->cluster_size || !head)) {
        ret = read_old_cluster(bs, cluster_start + span - s->cluster_size,
                               buf + span - s->cluster_size);
    }
    if (ret == 0) {
        memcpy(buf + head, run->data, run->bytes);
        ret = block_file_pwrite(bs->file, host, span, buf);
    }
    free(buf);
    return ret;
}

static int write_allocating(BlockDriverState *bs, uint8_t **table, const WriteRun *run)
{
    Qcow2State *s = bs->opaque;
    int64_t host = qcow2_alloc_clusters(bs, run->nb_clusters);
    if (host < 0) {
        return (int)host;
    }
    int ret = write_fresh_clusters(bs, run, host);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing data to");
        qcow2_free_clusters(bs, host, run->nb_clusters << s->cluster_bits);
        return ret;
    }
    /* reading old contents may have evicted the table: look it up again */
    ret = get_l2_table(bs, run->offset, table);
    if (ret < 0) {
        return ret;
    }
    for (uint64_t i = 0; i < run->nb_clusters; i++) {
        uint64_t index = run->first_index + i;
        uint64_t old = qcow2_l2_entry_get(*table, index);
        qcow2_l2_entry_set(*table, index,
                           ((uint64_t)host + (i << s->cluster_bits)) | QCOW2_OFLAG_COPIED);
        ret = qcow2_free_l2_entry_later(bs, old);
        if (ret < 0) {
            return ret;
        }
    }
    qcow2_cache_mark_dirty(&s->l2_cache, *table);
    return 0;
}

/* Writes [offset, offset+bytes) that lies within one L2 table. */
static int write_in_l2(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const uint8_t *data)
{
    Qcow2State *s = bs->opaque;
    uint8_t *table;
    int ret = get_l2_for_write(bs, offset, &table);
    while (ret == 0 && bytes) {
        uint64_t index = l2_index_of(s, offset);
        uint64_t entry = qcow2_l2_entry_get(table, index);
        bool in_place = writable_in_place(s, entry);
        ret = check_data_entry(bs, entry);
        /* extend the run over clusters handled the same way */
        uint64_t run_bytes = s->cluster_size - qcow2_offset_in_cluster(s, offset);
        uint64_t nb = 1;
        while (ret == 0 && run_bytes < bytes) {
            uint64_t next = qcow2_l2_entry_get(table, index + nb);
            if (writable_in_place(s, next) != in_place ||
                (in_place && (next & QCOW2_L2E_OFFSET_MASK) !=
                 (entry & QCOW2_L2E_OFFSET_MASK) + (nb << s->cluster_bits))) {
                break;
            }
            run_bytes += s->cluster_size;
            nb++;
        }
        if (run_bytes > bytes) {
            run_bytes = bytes;
        }
        if (ret < 0) {
            break;
        }
        if (in_place) {
            uint64_t host = (entry & QCOW2_L2E_OFFSET_MASK) + qcow2_offset_in_cluster(s, offset);
            ret = qcow2_check_overlap(bs, host, run_bytes);
            if (ret < 0) {
                break;
            }
            ret = block_file_pwrite(bs->file, host, run_bytes, data);
            if (ret < 0) {
                qcow2_io_error(bs, ret, "writing data to");
            }
        } else {
            WriteRun run = { offset, run_bytes, data, index, nb };
            ret = write_allocating(bs, &table, &run);
        }
        offset += run_bytes;
        data += run_bytes;
        bytes -= run_bytes;
    }
    return ret;
}

static uint64_t bytes_left_in_l2(const Qcow2State *s, uint64_t offset)
{
    uint64_t coverage = s->l2_entries << s->cluster_bits;
    return coverage - (offset & (coverage - 1));
}

int qcow2_co_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                    int flags)
{
    Qcow2State *s = bs->opaque;
    const uint8_t *data = buf;
    while (bytes) {
        uint64_t chunk = bytes_left_in_l2(s, offset);
        if (chunk > bytes) {
            chunk = bytes;
        }
        int ret = write_in_l2(bs, offset, chunk, data);
        if (ret < 0) {
            return ret;
        }
        offset += chunk;
        data += chunk;
        bytes -= chunk;
    }
    if (flags & BDRV_REQ_FUA) {
        int ret = qcow2_flush_metadata(bs);
        return ret < 0 ? ret : block_file_flush(bs->file);
    }
    return 0;
}

/* --- zeros and discard --- */

static bool reads_as_zero(BlockDriverState *bs, uint64_t entry)
{
    Qcow2State *s = bs->opaque;
    switch (qcow2_cluster_type(s, entry)) {
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return true;
    case QCOW2_CLUSTER_UNALLOCATED:
        return !bs->backing;
    default:
        return false;
    }
}

/* The entry a whole cluster gets so that it reads as zeros, or UINT64_MAX when
 * the format version cannot say so and zeros must be written. */
static uint64_t zero_entry(BlockDriverState *bs, uint64_t old, bool may_unmap)
{
    Qcow2State *s = bs->opaque;
    if (s->version >= 3) {
        if (!may_unmap && writable_in_place(s, old)) {
            return old | QCOW2_OFLAG_ZERO;      /* keep the preallocation */
        }
        return QCOW2_OFLAG_ZERO;
    }
    return bs->backing_file[0] ? UINT64_MAX : 0;
}

static int write_zero_bytes(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    uint8_t *zeros = calloc(1, bytes);
    if (!zeros) {
        return -ENOMEM;
    }
    int ret = qcow2_co_pwrite(bs, offset, bytes, zeros, 0);
    free(zeros);
    return ret;
}

int qcow2_co_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    Qcow2State *s = bs->opaque;
    uint64_t end = offset + bytes;
    while (offset < end) {
        uint64_t cluster_start = offset & ~(s->cluster_size - 1);
        uint64_t cluster_end = cluster_start + s->cluster_size;
        uint64_t piece = (cluster_end < end ? cluster_end : end) - offset;
        uint64_t entry;
        int ret = qcow2_get_l2_entry(bs, offset, &entry);
        if (ret < 0) {
            return ret;
        }
        bool whole = piece == s->cluster_size ||
                     (offset == cluster_start && cluster_start + piece == bs->total_size);
        if (reads_as_zero(bs, entry)) {
            ret = 0;
        } else if (whole && zero_entry(bs, entry, flags & BDRV_REQ_MAY_UNMAP) != UINT64_MAX) {
            ret = qcow2_set_l2_entry(bs, offset,
                                     zero_entry(bs, entry, flags & BDRV_REQ_MAY_UNMAP));
        } else {
            ret = write_zero_bytes(bs, offset, piece);
        }
        if (ret < 0) {
            return ret;
        }
        offset += piece;
    }
    return 0;
}

int qcow2_co_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = bs->opaque;
    /* only whole clusters can be dropped; partial ones keep their data */
    uint64_t first = qcow2_align_up(offset, s->cluster_size);
    uint64_t end = offset + bytes == bs->total_size ? qcow2_align_up(bs->total_size, s->cluster_size)
                                                    : (offset + bytes) & ~(s->cluster_size - 1);
    for (uint64_t o = first; o < end; o += s->cluster_size) {
        uint64_t entry;
        int ret = qcow2_get_l2_entry(bs, o, &entry);
        Qcow2ClusterType type = qcow2_cluster_type(s, entry);
        bool allocated = type != QCOW2_CLUSTER_UNALLOCATED && type != QCOW2_CLUSTER_ZERO_PLAIN;
        /* as QEMU: v3 marks dropped clusters as zero (so a backing file does
         * not show through); v2 can only unallocate them */
        uint64_t replacement = s->version >= 3 ? QCOW2_OFLAG_ZERO : 0;
        if (ret == 0 && entry != replacement && (allocated || bs->backing_file[0])) {
            ret = qcow2_set_l2_entry(bs, o, replacement);
        }
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* --- block status --- */

/* Whether many more clusters are allocated than the host file really holds
 * (QEMU's heuristic: at least 10/9 of them, and 2 more). */
static bool metadata_preallocated(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->metadata_prealloc_known) {
        return s->metadata_prealloc;
    }
    s->metadata_prealloc_known = true;
    int64_t real = block_file_allocated_size(bs->file);
    int64_t length = block_file_length(bs->file);
    if (real < 0 || length < 0) {
        return false;
    }
    uint64_t used = 0, refcount;
    for (uint64_t c = 0; c < qcow2_div_round_up(length, s->cluster_size); c++) {
        if (qcow2_get_refcount(bs, c, &refcount) < 0) {
            return false;
        }
        used += refcount > 0;
    }
    uint64_t real_clusters = (uint64_t)real / s->cluster_size;
    uint64_t threshold = real_clusters * 10 / 9 > real_clusters + 2 ? real_clusters * 10 / 9
                                                                    : real_clusters + 2;
    s->metadata_prealloc = used >= threshold;
    return s->metadata_prealloc;
}

int qcow2_co_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          uint64_t *pnum, uint64_t *map)
{
    Qcow2State *s = bs->opaque;
    uint64_t entry, run;
    int ret = mapping_run(bs, offset, bytes, &entry, &run);
    if (ret < 0) {
        return ret;
    }
    *pnum = run;
    uint64_t host = (entry & QCOW2_L2E_OFFSET_MASK) + qcow2_offset_in_cluster(s, offset);
    switch (qcow2_cluster_type(s, entry)) {
    case QCOW2_CLUSTER_UNALLOCATED:
        return 0;
    case QCOW2_CLUSTER_ZERO_PLAIN:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case QCOW2_CLUSTER_ZERO_ALLOC:
        *map = host;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    case QCOW2_CLUSTER_NORMAL: {
        /* in a metadata-preallocated image, holes in the host file under
         * allocated clusters read as zeros: say so, as qemu-img map does */
        uint64_t file_run = 0;
        int file_status;
        ret = format_check_in_file(bs, bs->file, host, run);
        if (ret < 0) {
            return ret;
        }
        file_status = metadata_preallocated(bs)
                          ? block_file_status(bs->file, host, run, &file_run) : -1;
        int zero = 0;
        if (file_status >= 0 && file_run > 0) {
            *pnum = file_run < run ? file_run : run;
            zero = file_status & BDRV_BLOCK_ZERO;
        }
        *map = host;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID | zero;
    }
    default:
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    }
}

/* --- resizing and preallocation --- */

int qcow2_preallocate_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = bs->opaque;
    uint64_t end = qcow2_align_up(offset + bytes, s->cluster_size);
    uint64_t end_of_allocation = 0;
    for (uint64_t o = offset & ~(s->cluster_size - 1); o < end;) {
        uint64_t chunk = bytes_left_in_l2(s, o);
        if (chunk > end - o) {
            chunk = end - o;
        }
        uint8_t *table;
        int ret = get_l2_for_write(bs, o, &table);
        if (ret < 0) {
            return ret;
        }
        uint64_t nb = chunk >> s->cluster_bits;
        int64_t host = qcow2_alloc_clusters(bs, nb);
        if (host < 0) {
            return (int)host;
        }
        ret = get_l2_table(bs, o, &table);
        if (ret < 0) {
            return ret;
        }
        uint64_t index = l2_index_of(s, o);
        for (uint64_t i = 0; i < nb; i++) {
            if (qcow2_l2_entry_get(table, index + i) == 0) {
                qcow2_l2_entry_set(table, index + i,
                                   ((uint64_t)host + (i << s->cluster_bits)) | QCOW2_OFLAG_COPIED);
            } else {
                ret = qcow2_free_later(bs, host + (i << s->cluster_bits), s->cluster_size);
            }
        }
        qcow2_cache_mark_dirty(&s->l2_cache, table);
        if (ret < 0) {
            return ret;
        }
        if ((uint64_t)host + (nb << s->cluster_bits) > end_of_allocation) {
            end_of_allocation = host + (nb << s->cluster_bits);
        }
        o += chunk;
    }
    /* the preallocated clusters must exist in the file (they read as zeros) */
    int64_t length = block_file_length(bs->file);
    if (length >= 0 && (uint64_t)length < end_of_allocation) {
        int ret = block_file_truncate(bs->file, end_of_allocation);
        if (ret < 0) {
            qcow2_io_error(bs, ret, "extending");
            return ret;
        }
    }
    return qcow2_flush_metadata(bs);
}

static int shrink_image(BlockDriverState *bs, uint64_t size)
{
    Qcow2State *s = bs->opaque;
    if (s->nb_snapshots) {
        bdrv_set_error(bs, "Can't shrink an image which has snapshots");
        return -ENOTSUP;
    }
    uint64_t first = qcow2_align_up(size, s->cluster_size);
    uint64_t old_end = qcow2_align_up(bs->total_size, s->cluster_size);
    for (uint64_t o = first; o < old_end; o += s->cluster_size) {
        uint64_t entry;
        int ret = qcow2_get_l2_entry(bs, o, &entry);
        if (ret == 0 && entry) {
            ret = qcow2_set_l2_entry(bs, o, 0);
        }
        if (ret < 0) {
            return ret;
        }
    }
    return qcow2_flush_metadata(bs);
}

static int preallocate_data(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int prealloc)
{
    Qcow2State *s = bs->opaque;
    int ret = qcow2_preallocate_metadata(bs, offset, bytes);
    uint64_t end = qcow2_align_up(offset + bytes, s->cluster_size);
    for (uint64_t o = offset & ~(s->cluster_size - 1); ret == 0 && o < end;
         o += s->cluster_size) {
        uint64_t entry;
        ret = qcow2_get_l2_entry(bs, o, &entry);
        uint64_t host = entry & QCOW2_L2E_OFFSET_MASK;
        if (ret == 0 && prealloc == BDRV_PREALLOC_FULL) {
            ret = block_file_write_zeroes(bs->file, host, s->cluster_size, false);
        } else if (ret == 0 && prealloc == BDRV_PREALLOC_FALLOC) {
            ret = block_file_preallocate(bs->file, host, s->cluster_size);
        }
    }
    return ret;
}

int qcow2_co_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc)
{
    Qcow2State *s = bs->opaque;
    uint64_t l2_coverage = s->l2_entries << s->cluster_bits;
    int ret;
    if (size % 512) {
        /* as QEMU's qcow2: the size stays a whole number of sectors */
        bdrv_set_error(bs, "The new size must be a multiple of 512");
        return -EINVAL;
    }
    if (size < bs->total_size) {
        if (!shrink) {
            bdrv_set_error(bs, "Use the --shrink option to perform a shrink operation.");
            return -EINVAL;
        }
        ret = shrink_image(bs, size);
    } else {
        ret = qcow2_grow_l1(bs, qcow2_div_round_up(size, l2_coverage));
        if (ret == 0 && prealloc != BDRV_PREALLOC_OFF && size > bs->total_size) {
            uint64_t old = bs->total_size;
            ret = prealloc == BDRV_PREALLOC_METADATA
                  ? qcow2_preallocate_metadata(bs, old, size - old)
                  : preallocate_data(bs, old, size - old, prealloc);
        }
    }
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    if (ret == 0) {
        ret = qcow2_update_size(bs, size);
    }
    if (ret == 0) {
        bs->total_size = size;
    }
    return ret;
}
