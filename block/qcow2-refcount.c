/*
 * qcow2 refcounts and cluster allocation (qcow2 spec, "Host cluster management").
 *
 * Refcount blocks are written through: a refcount change is in the file before
 * the function returns, so the increase always precedes any reference the caller
 * writes afterwards. Decreases are only issued once the reference is gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"

int qcow2_refcount_init(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint64_t bytes = (uint64_t)s->refcount_table_clusters << s->cluster_bits;
    if (bytes > QCOW2_MAX_REFTABLE_BYTES) {
        bdrv_set_error(bs, "refcount table of %llu bytes is too large",
                       (unsigned long long)bytes);
        return -EFBIG;
    }
    s->refcount_table_size = bytes / 8;
    s->refcount_table = calloc(s->refcount_table_size ? s->refcount_table_size : 1, 8);
    uint8_t *raw = malloc(bytes ? bytes : 1);
    if (!s->refcount_table || !raw) {
        free(raw);
        return -ENOMEM;
    }
    int ret = block_file_pread(bs->file, s->refcount_table_offset, bytes, raw);
    if (ret < 0) {
        free(raw);
        bdrv_set_error(bs, "cannot read the refcount table");
        return ret;
    }
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        s->refcount_table[i] = qcow2_be64(raw + i * 8);
    }
    free(raw);
    return 0;
}

void qcow2_set_refcount_order(Qcow2State *s, unsigned refcount_order)
{
    s->refcount_order = refcount_order;
    s->refcount_bits = 1u << refcount_order;
    s->refcount_max = s->refcount_bits == 64 ? UINT64_MAX : (1ull << s->refcount_bits) - 1;
    s->refblock_bits = s->cluster_bits + 3 - refcount_order;
}

uint64_t qcow2_refcount_from_block(const Qcow2State *s, const uint8_t *block, uint64_t index)
{
    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        /* sub-byte widths: bit 0 is the least significant (qcow2 spec, "Refcount block entry") */
        uint64_t bit = index << s->refcount_order;
        return (block[bit / 8] >> (bit % 8)) & s->refcount_max;
    }
    case 3: return block[index];
    case 4: return qcow2_be16(block + index * 2);
    case 5: return qcow2_be32(block + index * 4);
    default: return qcow2_be64(block + index * 8);
    }
}

void qcow2_refcount_to_block(const Qcow2State *s, uint8_t *block, uint64_t index, uint64_t value)
{
    switch (s->refcount_order) {
    case 0: case 1: case 2: {
        uint64_t bit = index << s->refcount_order;
        uint8_t mask = (uint8_t)(s->refcount_max << (bit % 8));
        block[bit / 8] = (uint8_t)((block[bit / 8] & ~mask) | (value << (bit % 8)));
        break;
    }
    case 3: block[index] = (uint8_t)value; break;
    case 4: qcow2_put_be16(block + index * 2, (uint16_t)value); break;
    case 5: qcow2_put_be32(block + index * 4, (uint32_t)value); break;
    default: qcow2_put_be64(block + index * 8, value); break;
    }
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount)
{
    Qcow2State *s = bs->opaque;
    uint64_t table_index = cluster_index >> s->refblock_bits;
    *refcount = 0;
    if (table_index >= s->refcount_table_size) {
        return 0;
    }
    uint64_t block_offset = s->refcount_table[table_index] & QCOW2_REFTABLE_OFFSET_MASK;
    if (!block_offset) {
        return 0;
    }
    if (qcow2_offset_in_cluster(s, block_offset)) {
        bdrv_set_error(bs, "refcount block offset %llu is not cluster aligned",
                       (unsigned long long)block_offset);
        return -EIO;
    }
    uint8_t *block;
    int ret = qcow2_cache_get(bs, &s->refblock_cache, block_offset, &block);
    if (ret < 0) {
        return ret;
    }
    *refcount = qcow2_refcount_from_block(s, block,
                                          cluster_index & ((1ull << s->refblock_bits) - 1));
    return 0;
}

/* Writes entries [first, last] of a cached refcount block, whole 512-byte sectors. */
static int write_refblock_range(BlockDriverState *bs, uint64_t block_offset, const uint8_t *block,
                                uint64_t first, uint64_t last)
{
    Qcow2State *s = bs->opaque;
    uint64_t start = (first << s->refcount_order) / 8;
    uint64_t end = (((last + 1) << s->refcount_order) + 7) / 8;
    start &= ~511ull;
    end = qcow2_align_up(end, 512);
    if (end > s->cluster_size) {
        end = s->cluster_size;
    }
    int ret = block_file_pwrite(bs->file, block_offset + start, end - start, block + start);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing a refcount block of");
    }
    return ret;
}

static int write_reftable_entry(BlockDriverState *bs, uint64_t index)
{
    Qcow2State *s = bs->opaque;
    uint8_t raw[8];
    qcow2_put_be64(raw, s->refcount_table[index]);
    int ret = block_file_pwrite(bs->file, s->refcount_table_offset + index * 8, 8, raw);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing the refcount table of");
    }
    return ret;
}

/* First cluster index at or after start with nb free clusters in a row. */
static int find_free_clusters(BlockDriverState *bs, uint64_t start, uint64_t nb, uint64_t *found)
{
    Qcow2State *s = bs->opaque;
    uint64_t run_start = start, run = 0;
    uint64_t per_block = 1ull << s->refblock_bits;
    for (uint64_t i = start; run < nb;) {
        uint64_t table_index = i >> s->refblock_bits;
        uint64_t block_offset = table_index < s->refcount_table_size
                                ? s->refcount_table[table_index] & QCOW2_REFTABLE_OFFSET_MASK : 0;
        if (!block_offset) {
            /* a missing block: all its clusters are free */
            uint64_t block_end = (table_index + 1) * per_block;
            if (run == 0) {
                run_start = i;
            }
            run += block_end - i;
            i = block_end;
            continue;
        }
        uint8_t *block;
        int ret = qcow2_cache_get(bs, &s->refblock_cache, block_offset, &block);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = i & (per_block - 1); j < per_block && run < nb; j++, i++) {
            if (qcow2_refcount_from_block(s, block, j)) {
                run = 0;
            } else if (run++ == 0) {
                run_start = i;
            }
        }
    }
    *found = run_start;
    return 0;
}

/* One past the highest cluster with a non-zero refcount. */
static int used_clusters_end(BlockDriverState *bs, uint64_t *end)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_block = 1ull << s->refblock_bits;
    for (uint64_t t = s->refcount_table_size; t-- > 0;) {
        uint64_t block_offset = s->refcount_table[t] & QCOW2_REFTABLE_OFFSET_MASK;
        if (!block_offset) {
            continue;
        }
        uint8_t *block;
        int ret = qcow2_cache_get(bs, &s->refblock_cache, block_offset, &block);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = per_block; j-- > 0;) {
            if (qcow2_refcount_from_block(s, block, j)) {
                *end = t * per_block + j + 1;
                return 0;
            }
        }
    }
    *end = 0;
    return 0;
}

static bool block_exists(const Qcow2State *s, uint64_t table_index)
{
    return table_index < s->refcount_table_size &&
           (s->refcount_table[table_index] & QCOW2_REFTABLE_OFFSET_MASK);
}

/* Sizes the new refcount table and the refcount blocks it needs, all placed
 * from cluster area_start on. */
static void plan_reftable_growth(const Qcow2State *s, uint64_t need_index, uint64_t area_start,
                                 uint64_t *entries, uint64_t *nb_blocks, uint64_t *table_clusters)
{
    uint64_t blocks = 0, clusters = s->refcount_table_clusters, n;
    uint64_t min_entries = s->refcount_table_size + s->refcount_table_size / 2;
    for (;;) {
        uint64_t area_end = area_start + blocks + clusters;
        uint64_t last = (area_end - 1) >> s->refblock_bits;
        if (last < need_index) {
            last = need_index;
        }
        n = last + 1 > min_entries ? last + 1 : min_entries;
        uint64_t new_clusters = qcow2_div_round_up(n * 8, s->cluster_size);
        uint64_t new_blocks = 0;
        for (uint64_t i = area_start >> s->refblock_bits; i <= last; i++) {
            if (!block_exists(s, i) &&
                (i == need_index || i <= (area_end - 1) >> s->refblock_bits)) {
                new_blocks++;
            }
        }
        if (new_blocks == blocks && new_clusters == clusters) {
            break;
        }
        blocks = new_blocks;
        clusters = new_clusters;
    }
    *entries = qcow2_div_round_up(n * 8, s->cluster_size) * s->cluster_size / 8;
    *nb_blocks = blocks;
    *table_clusters = clusters;
}

/* Writes the new refcount blocks (for table indexes without one, covering the
 * area or need_index) with the area's refcounts, filling new_table. */
static int write_new_refblocks(BlockDriverState *bs, uint64_t need_index, uint64_t area_start,
                               uint64_t area_clusters, uint64_t *new_table)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_block = 1ull << s->refblock_bits;
    uint64_t area_end = area_start + area_clusters;
    uint64_t next_block = area_start;
    uint64_t last = (area_end - 1) >> s->refblock_bits;
    if (last < need_index) {
        last = need_index;
    }
    uint8_t *block = malloc(s->cluster_size);
    if (!block) {
        return -ENOMEM;
    }
    int ret = 0;
    for (uint64_t i = area_start >> s->refblock_bits; i <= last && ret == 0; i++) {
        bool covers_area = i <= (area_end - 1) >> s->refblock_bits;
        if (block_exists(s, i) || (i != need_index && !covers_area)) {
            continue;
        }
        memset(block, 0, s->cluster_size);
        for (uint64_t c = area_start; c < area_end; c++) {
            if (c >> s->refblock_bits == i) {
                qcow2_refcount_to_block(s, block, c & (per_block - 1), 1);
            }
        }
        uint64_t offset = next_block++ << s->cluster_bits;
        ret = block_file_pwrite(bs->file, offset, s->cluster_size, block);
        new_table[i] = offset;
    }
    free(block);
    return ret;
}

int qcow2_install_refcount_table(BlockDriverState *bs, uint64_t *table, uint64_t entries,
                                 uint64_t offset)
{
    Qcow2State *s = bs->opaque;
    uint64_t clusters = qcow2_div_round_up(entries * 8, s->cluster_size);
    uint8_t *raw = calloc(clusters, s->cluster_size);
    if (!raw) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < entries; i++) {
        qcow2_put_be64(raw + i * 8, table[i]);
    }
    int ret = block_file_pwrite(bs->file, offset, entries * 8, raw);
    free(raw);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    uint64_t old_offset = s->refcount_table_offset;
    uint32_t old_clusters = s->refcount_table_clusters;
    if (ret == 0 && s->refcount_order != s->header_refcount_order) {
        /* a new width too: the whole header (one sector) switches at once */
        s->refcount_table_offset = offset;
        s->refcount_table_clusters = (uint32_t)clusters;
        ret = qcow2_write_header(bs);
        if (ret < 0) {
            s->refcount_table_offset = old_offset;
            s->refcount_table_clusters = old_clusters;
        }
    } else if (ret == 0) {
        /* refcount_table_offset and refcount_table_clusters are adjacent */
        uint8_t header_part[12];
        qcow2_put_be64(header_part, offset);
        qcow2_put_be32(header_part + 8, (uint32_t)clusters);
        ret = block_file_pwrite(bs->file, QCOW2_OFF_REFTABLE_OFFSET, 12, header_part);
    }
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing a new refcount table for");
        return ret;
    }
    free(s->refcount_table);
    s->refcount_table = table;
    s->refcount_table_size = entries;
    s->refcount_table_offset = offset;
    s->refcount_table_clusters = (uint32_t)clusters;
    s->header_refcount_order = s->refcount_order;
    return 0;
}

/* The refcount table has no entry for need_index: a bigger table and the
 * blocks describing it go after every used cluster; the header switches to it
 * behind a barrier, then the old table is freed (qcow2 spec, "Host cluster
 * management"). */
static int grow_refcount_table(BlockDriverState *bs, uint64_t need_index)
{
    Qcow2State *s = bs->opaque;
    uint64_t used_end, entries, nb_blocks, table_clusters;
    int ret = used_clusters_end(bs, &used_end);
    if (ret < 0) {
        return ret;
    }
    int64_t file_length = block_file_length(bs->file);
    uint64_t file_end = file_length > 0 ? qcow2_div_round_up(file_length, s->cluster_size) : 0;
    uint64_t area_start = used_end > file_end ? used_end : file_end;
    plan_reftable_growth(s, need_index, area_start, &entries, &nb_blocks, &table_clusters);
    if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES) {
        bdrv_set_error(bs, "refcount table of '%s' would exceed %u bytes", bs->filename,
                       QCOW2_MAX_REFTABLE_BYTES);
        return -EFBIG;
    }
    uint64_t area_clusters = nb_blocks + table_clusters;
    uint64_t *new_table = calloc(entries, 8);
    if (!new_table) {
        return -ENOMEM;
    }
    memcpy(new_table, s->refcount_table, s->refcount_table_size * 8);
    /* area clusters described by existing blocks get their refcount there */
    for (uint64_t c = area_start; c < area_start + area_clusters && ret == 0; c++) {
        if (block_exists(s, c >> s->refblock_bits)) {
            ret = qcow2_update_refcount(bs, c << s->cluster_bits, 1, 1);
        }
    }
    if (ret == 0) {
        ret = write_new_refblocks(bs, need_index, area_start, area_clusters, new_table);
    }
    uint64_t old_offset = s->refcount_table_offset;
    uint64_t old_clusters = s->refcount_table_clusters;
    if (ret == 0) {
        ret = qcow2_install_refcount_table(bs, new_table, entries,
                                           (area_start + nb_blocks) << s->cluster_bits);
    }
    if (ret < 0) {
        free(new_table);
        return ret;
    }
    return qcow2_free_clusters(bs, old_offset, old_clusters << s->cluster_bits);
}

/* Writes an empty refcount block into cluster (counting itself when
 * self_described) and then enters it in the refcount table. */
static int install_refblock(BlockDriverState *bs, uint64_t table_index, uint64_t cluster,
                            bool self_described)
{
    Qcow2State *s = bs->opaque;
    uint64_t offset = cluster << s->cluster_bits;
    uint8_t *block;
    int ret = qcow2_cache_get_empty(bs, &s->refblock_cache, offset, &block);
    if (ret < 0) {
        return ret;
    }
    if (self_described) {
        qcow2_refcount_to_block(s, block, cluster & ((1ull << s->refblock_bits) - 1), 1);
    }
    ret = block_file_pwrite(bs->file, offset, s->cluster_size, block);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    if (ret < 0) {
        qcow2_cache_discard(&s->refblock_cache, offset);
        return ret;
    }
    s->refcount_table[table_index] = offset;
    ret = write_reftable_entry(bs, table_index);
    if (ret < 0) {
        s->refcount_table[table_index] = 0;
    }
    return ret;
}

/* Gives table index a refcount block, placed in a free cluster whose own
 * refcount it then holds (or that an existing block counts). */
static int alloc_refblock(BlockDriverState *bs, uint64_t table_index)
{
    Qcow2State *s = bs->opaque;
    for (;;) {
        if (table_index >= s->refcount_table_size) {
            int ret = grow_refcount_table(bs, table_index);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        if (block_exists(s, table_index)) {
            return 0;
        }
        uint64_t cluster;
        int ret = find_free_clusters(bs, s->free_cluster_index, 1, &cluster);
        if (ret < 0) {
            return ret;
        }
        ret = qcow2_check_overlap(bs, cluster << s->cluster_bits, s->cluster_size);
        if (ret < 0) {
            return ret;
        }
        uint64_t own_index = cluster >> s->refblock_bits;
        bool self_described = own_index == table_index;
        if (!self_described && !block_exists(s, own_index)) {
            ret = alloc_refblock(bs, own_index);
            if (ret < 0) {
                return ret;
            }
            continue;
        }
        if (!self_described) {
            ret = qcow2_update_refcount(bs, cluster << s->cluster_bits, 1, 1);
            if (ret < 0) {
                return ret;
            }
        }
        return install_refblock(bs, table_index, cluster, self_described);
    }
}

static void drop_cached_cluster(Qcow2State *s, uint64_t cluster)
{
    uint64_t offset = cluster << s->cluster_bits;
    qcow2_cache_discard(&s->l2_cache, offset);
    qcow2_cache_discard(&s->refblock_cache, offset);
    if (cluster < s->free_cluster_index) {
        s->free_cluster_index = cluster;
    }
    if (s->compressed_tail >> s->cluster_bits == cluster) {
        s->compressed_tail = 0;     /* the partly filled cluster is gone */
    }
}

/* Applies addend to clusters [first, last] that share one refcount block, or
 * when each is given, each[c - first] (>= 0) to cluster c; one write for them all. */
static int update_in_block(BlockDriverState *bs, uint64_t first, uint64_t last, int64_t addend,
                           const uint32_t *each)
{
    Qcow2State *s = bs->opaque;
    for (; each && first <= last && !each[0]; first++, each++) {
    }
    for (; each && first <= last && !each[last - first]; last--) {
    }
    if (first > last) {
        return 0;                   /* nothing to add */
    }
    uint64_t table_index = first >> s->refblock_bits;
    if (!block_exists(s, table_index)) {
        if (addend < 0) {
            bdrv_set_error(bs, "freeing cluster %llu of '%s', which has no refcount block",
                           (unsigned long long)first, bs->filename);
            return -EIO;
        }
        int ret = alloc_refblock(bs, table_index);
        if (ret < 0) {
            return ret;
        }
    }
    uint64_t block_offset = s->refcount_table[table_index] & QCOW2_REFTABLE_OFFSET_MASK;
    uint8_t *block;
    int ret = qcow2_cache_get(bs, &s->refblock_cache, block_offset, &block);
    if (ret < 0) {
        return ret;
    }
    uint64_t mask = (1ull << s->refblock_bits) - 1;
    for (uint64_t c = first; c <= last; c++) {
        int64_t add = each ? each[c - first] : addend;
        uint64_t old = qcow2_refcount_from_block(s, block, c & mask);
        if ((add < 0 && old < (uint64_t)-add) ||
            (add > 0 && s->refcount_max - old < (uint64_t)add)) {
            /* undo what this call changed in memory; nothing was written yet */
            for (uint64_t u = first; u < c; u++) {
                uint64_t v = qcow2_refcount_from_block(s, block, u & mask);
                qcow2_refcount_to_block(s, block, u & mask, v - (each ? each[u - first] : addend));
            }
            bdrv_set_error(bs, add < 0 ? "refcount of cluster %llu of '%s' would drop below zero"
                                       : "refcount of cluster %llu of '%s' would overflow",
                           (unsigned long long)c, bs->filename);
            return add < 0 ? -EIO : -ERANGE;
        }
        qcow2_refcount_to_block(s, block, c & mask, old + add);
    }
    ret = write_refblock_range(bs, block_offset, block, first & mask, last & mask);
    if (ret < 0) {
        return ret;
    }
    /* freed clusters: forget them and give their space back to the host
     * file system (the punch is only a hint; its failure changes nothing) */
    uint64_t run_start = 0, run_length = 0;
    for (uint64_t c = first; c <= last + 1 && addend < 0; c++) {
        bool freed = c <= last && qcow2_refcount_from_block(s, block, c & mask) == 0;
        if (freed) {
            drop_cached_cluster(s, c);
            run_start = run_length ? run_start : c;
            run_length++;
        } else if (run_length) {
            block_file_discard(bs->file, run_start << s->cluster_bits,
                               run_length << s->cluster_bits);
            run_length = 0;
        }
    }
    return 0;
}

/* Clusters [first, last] block by block (each: per-cluster addends, from first). */
static int update_clusters(BlockDriverState *bs, uint64_t first, uint64_t last, int64_t addend,
                           const uint32_t *each)
{
    Qcow2State *s = bs->opaque;
    for (uint64_t c = first; c <= last;) {
        uint64_t block_last = c | ((1ull << s->refblock_bits) - 1);
        uint64_t end = block_last < last ? block_last : last;
        int ret = update_in_block(bs, c, end, addend, each ? each + (c - first) : NULL);
        if (ret < 0) {
            return ret;
        }
        c = end + 1;
    }
    return 0;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int64_t addend)
{
    Qcow2State *s = bs->opaque;
    if (bytes == 0 || addend == 0) {
        return 0;
    }
    return update_clusters(bs, offset >> s->cluster_bits, (offset + bytes - 1) >> s->cluster_bits,
                           addend, NULL);
}

int qcow2_add_refcounts(BlockDriverState *bs, uint64_t first, uint64_t nb, const uint32_t *each)
{
    return nb ? update_clusters(bs, first, first + nb - 1, 0, each) : 0;
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t nb)
{
    Qcow2State *s = bs->opaque;
    return qcow2_alloc_clusters_from(bs, s->free_cluster_index, nb);
}

int64_t qcow2_alloc_clusters_from(BlockDriverState *bs, uint64_t hint, uint64_t nb)
{
    Qcow2State *s = bs->opaque;
    uint64_t start;
    if (hint < s->free_cluster_index) {
        hint = s->free_cluster_index;
    }
    for (;;) {
        int ret = find_free_clusters(bs, hint, nb, &start);
        if (ret < 0) {
            return ret;
        }
        /* refcount blocks the range needs come first: they may take clusters
         * of the range, so look again afterwards */
        uint64_t first_index = start >> s->refblock_bits;
        uint64_t last_index = (start + nb - 1) >> s->refblock_bits;
        bool allocated = false;
        for (uint64_t t = first_index; t <= last_index; t++) {
            if (!block_exists(s, t)) {
                ret = alloc_refblock(bs, t);
                if (ret < 0) {
                    return ret;
                }
                allocated = true;
                break;
            }
        }
        if (!allocated) {
            break;
        }
    }
    if ((start + nb) << s->cluster_bits > QCOW2_L2E_OFFSET_MASK) {
        bdrv_set_error(bs, "image '%s' is full", bs->filename);
        return -EFBIG;
    }
    /* free by its refcount yet in use as metadata: the refcounts are damaged */
    int overlap = qcow2_check_overlap(bs, start << s->cluster_bits, nb << s->cluster_bits);
    if (overlap < 0) {
        return overlap;
    }
    int ret = qcow2_update_refcount(bs, start << s->cluster_bits, nb << s->cluster_bits, 1);
    if (ret < 0) {
        return ret;
    }
    if (nb == 1 || start == s->free_cluster_index) {
        s->free_cluster_index = start + nb;
    }
    return (int64_t)(start << s->cluster_bits);
}

int qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    return qcow2_update_refcount(bs, offset, bytes, -1);
}

int qcow2_free_later(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    Qcow2State *s = bs->opaque;
    if (s->nb_pending_frees == s->pending_frees_capacity) {
        size_t capacity = s->pending_frees_capacity ? s->pending_frees_capacity * 2 : 64;
        Qcow2PendingFree *grown = realloc(s->pending_frees, capacity * sizeof(*grown));
        if (!grown) {
            return -ENOMEM;
        }
        s->pending_frees = grown;
        s->pending_frees_capacity = capacity;
    }
    Qcow2PendingFree *last = s->nb_pending_frees ? &s->pending_frees[s->nb_pending_frees - 1]
                                                 : NULL;
    if (last && last->offset + last->bytes == offset &&
        qcow2_offset_in_cluster(s, offset) == 0 && qcow2_offset_in_cluster(s, bytes) == 0) {
        last->bytes += bytes;
        return 0;
    }
    s->pending_frees[s->nb_pending_frees++] = (Qcow2PendingFree){ offset, bytes };
    return 0;
}

int qcow2_apply_pending_frees(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int ret = 0;
    for (size_t i = 0; i < s->nb_pending_frees && ret == 0; i++) {
        ret = qcow2_free_clusters(bs, s->pending_frees[i].offset, s->pending_frees[i].bytes);
    }
    s->nb_pending_frees = 0;
    return ret;
}

uint64_t qcow2_compressed_host_range(const Qcow2State *s, uint64_t l2_entry, uint64_t *bytes)
{
    /* qcow2 spec, "Compressed Clusters Descriptor" */
    uint64_t offset = l2_entry & s->cluster_offset_mask;
    uint64_t sectors = ((l2_entry >> s->csize_shift) & s->csize_mask) + 1;
    *bytes = sectors * 512 - (offset & 511);
    return offset;
}

static int free_l2_entry(BlockDriverState *bs, uint64_t l2_entry, bool later)
{
    Qcow2State *s = bs->opaque;
    uint64_t offset, bytes;
    switch (qcow2_cluster_type(s, l2_entry)) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        offset = l2_entry & QCOW2_L2E_OFFSET_MASK;
        bytes = s->cluster_size;
        break;
    case QCOW2_CLUSTER_COMPRESSED:
        offset = qcow2_compressed_host_range(s, l2_entry, &bytes);
        break;
    default:
        return 0;
    }
    return later ? qcow2_free_later(bs, offset, bytes) : qcow2_free_clusters(bs, offset, bytes);
}

int qcow2_free_l2_entry_later(BlockDriverState *bs, uint64_t l2_entry)
{
    return free_l2_entry(bs, l2_entry, true);
}

int qcow2_free_l2_entry_now(BlockDriverState *bs, uint64_t l2_entry)
{
    return free_l2_entry(bs, l2_entry, false);
}

uint64_t qcow2_refcount_metadata_size(uint64_t clusters, uint64_t cluster_size,
                                      unsigned refcount_order)
{
    /* blocks describe data, the table and themselves; iterate to the fixed point */
    uint64_t per_table_cluster = cluster_size / 8;
    uint64_t per_block = cluster_size * 8 >> refcount_order;
    uint64_t table = 0, blocks = 0, total = 0, previous;
    do {
        previous = total;
        blocks = qcow2_div_round_up(clusters + table + blocks, per_block);
        table = qcow2_div_round_up(blocks, per_table_cluster);
        total = clusters + blocks + table;
    } while (total != previous);
    return (blocks + table) * cluster_size;
}
