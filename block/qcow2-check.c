/*
 * qcow2 consistency check and repair (what `check` and `check -r` do).
 *
 * The reference count each cluster should have is computed from every
 * structure that points into the file (header, L1/L2 tables of the active
 * state and of each snapshot, data clusters, snapshot table, refcount table
 * and blocks) and compared with the stored refcounts: stored higher is a leak,
 * stored lower a corruption (qcow2 spec, "Host cluster management").
 * Repairs drop leaked references in place; damaged refcount structures are
 * rebuilt from the computed counts after every used cluster, and the header
 * switches to them in one write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "block/qcow2.h"

/* one 32-bit count per cluster: 512 MiB of memory at most */
#define MAX_CHECKED_CLUSTERS (1ull << 27)
#define HUGE_PAGE (2u << 20)

typedef struct CheckState {
    BlockDriverState *bs;
    Qcow2State *s;
    uint32_t *refs;            /* computed references per cluster (nb_clusters + 1 room) */
    uint64_t nb_clusters;      /* clusters counted: the file's (rounded up), one more at most */
    uint64_t file_length;
    BlockCheckResult *res;
    int fix;
    bool quiet;
    bool count_refcount_structures;
    bool bad_refblocks;        /* a refcount table entry is unusable: rebuild */
    uint64_t next_contiguous;  /* fragmentation statistics */
    uint8_t *used_blocks;      /* rebuild: refcount blocks with counted clusters */
    uint64_t nb_used_blocks;
} CheckState;

static void report(CheckState *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(CheckState *c, const char *fmt, ...)
{
    if (!c->quiet) {
        va_list args;
        va_start(args, fmt);
        vfprintf(stderr, fmt, args);
        va_end(args);
        fputc('\n', stderr);
    }
}

/* Whether [offset, offset+bytes) lies in the file. Like qemu-img, a region
 * reaching less than one cluster past the end of the file is accepted (a
 * compressed cluster at the end) and widens the counted range by one cluster. */
static bool reference_in_file(CheckState *c, uint64_t offset, uint64_t bytes)
{
    uint64_t last = (offset + bytes - 1) >> c->s->cluster_bits;
    if (last < c->nb_clusters && offset + bytes > offset) {
        return true;
    }
    uint64_t file_clusters = qcow2_div_round_up(c->file_length, c->s->cluster_size);
    if (offset + bytes <= offset || last != file_clusters ||
        offset + bytes - c->file_length >= c->s->cluster_size) {
        return false;
    }
    c->nb_clusters = file_clusters + 1;
    return true;
}

/* Counts one reference to every cluster touching [offset, offset+bytes);
 * false (and a corruption) when that lies outside the file. */
static bool add_reference(CheckState *c, uint64_t offset, uint64_t bytes, const char *what)
{
    if (bytes == 0) {
        return true;
    }
    if (!reference_in_file(c, offset, bytes)) {
        report(c, "ERROR %s at offset 0x%" PRIx64 " (%" PRIu64 " bytes) is beyond the end "
               "of the image file", what, offset, bytes);
        c->res->corruptions++;
        return false;
    }
    uint64_t first = offset >> c->s->cluster_bits;
    uint64_t last = (offset + bytes - 1) >> c->s->cluster_bits;
    for (uint64_t i = first; i <= last; i++) {
        /* a reference more than the refcount width can count is a
         * corruption of its own and the count stays at the maximum, as
         * qemu-img counts it (a rebuild then keeps the cluster in use) */
        if (c->refs[i] >= c->s->refcount_max) {
            report(c, "ERROR cluster %" PRIu64 ": more references than refcount_bits=%u "
                   "can count", i, c->s->refcount_bits);
            c->res->corruptions++;
            continue;
        }
        c->refs[i]++;
    }
    return true;
}

static void count_data_entry(CheckState *c, uint8_t *table, uint64_t index, bool active,
                             bool *changed)
{
    Qcow2State *s = c->s;
    uint64_t entry = qcow2_l2_entry_get(table, index), bytes;
    switch (qcow2_cluster_type(s, entry)) {
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t host = qcow2_compressed_host_range(s, entry, &bytes);
        if (entry & QCOW2_OFLAG_COPIED) {
            report(c, "ERROR: compressed cluster entry 0x%" PRIx64 " has the copied flag",
                   entry);
            c->res->corruptions++;
        }
        if (!add_reference(c, host, bytes, "compressed cluster") &&
            (c->fix & BDRV_CHECK_FIX_ERRORS)) {
            qcow2_l2_entry_set(table, index, s->version >= 3 ? QCOW2_OFLAG_ZERO : 0);
            *changed = true;
        }
        if (active) {
            /* compressed clusters count as fragmented, as qemu-img counts them */
            c->res->allocated_clusters++;
            c->res->compressed_clusters++;
            c->res->fragmented_clusters++;
        }
        break;
    }
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC: {
        uint64_t host = entry & QCOW2_L2E_OFFSET_MASK;
        bool valid = qcow2_offset_in_cluster(s, host) == 0;
        if (!valid) {
            report(c, "ERROR offset=%" PRIx64 ": Data cluster is not properly aligned; L2 entry "
                   "corrupted.", host);
            c->res->corruptions++;
        }
        /* counted where it points, aligned or not, as qemu-img counts it */
        if (!(c->fix & BDRV_CHECK_FIX_ERRORS) || valid) {
            valid = add_reference(c, host, s->cluster_size, "data cluster") && valid;
        }
        if (!valid && (c->fix & BDRV_CHECK_FIX_ERRORS)) {
            qcow2_l2_entry_set(table, index, s->version >= 3 ? QCOW2_OFLAG_ZERO : 0);
            *changed = true;
        }
        if (active) {
            c->res->allocated_clusters++;
            if (c->next_contiguous && host != c->next_contiguous) {
                c->res->fragmented_clusters++;
            }
            c->next_contiguous = host + s->cluster_size;
        }
        break;
    }
    default:
        break;
    }
}

static int check_l2_table(CheckState *c, uint64_t l2_offset, bool active)
{
    Qcow2State *s = c->s;
    uint8_t *table;
    int ret = qcow2_cache_get(c->bs, &s->l2_cache, l2_offset, &table);
    if (ret < 0) {
        c->res->check_errors++;
        return ret;
    }
    bool changed = false;
    c->next_contiguous = 0;    /* contiguity is judged within one L2 table, as qemu-img does */
    for (uint64_t i = 0; i < s->l2_entries; i++) {
        count_data_entry(c, table, i, active, &changed);
    }
    if (changed) {
        qcow2_cache_mark_dirty(&s->l2_cache, table);
        ret = qcow2_cache_write_dirty(c->bs, &s->l2_cache);
    }
    return ret;
}

/* Counts an L1 table and everything it reaches; repairs unusable L2 offsets
 * in the active table by dropping them. */
static int check_l1_tree(CheckState *c, uint64_t *l1, uint32_t l1_size, bool active)
{
    Qcow2State *s = c->s;
    bool l1_changed = false;
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_offset = l1[i] & QCOW2_L1E_OFFSET_MASK;
        if (!l2_offset) {
            continue;
        }
        bool valid = qcow2_offset_in_cluster(s, l2_offset) == 0;
        if (!valid) {
            report(c, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; L1 entry "
                   "corrupted", l2_offset);
            c->res->corruptions++;
        } else {
            valid = add_reference(c, l2_offset, s->cluster_size, "L2 table");
        }
        if (!valid) {
            if (active && (c->fix & BDRV_CHECK_FIX_ERRORS)) {
                l1[i] = 0;
                l1_changed = true;
            }
            continue;
        }
        int ret = check_l2_table(c, l2_offset, active);
        if (ret < 0) {
            return ret;
        }
    }
    if (l1_changed) {
        for (uint32_t i = 0; i < l1_size; i++) {
            uint8_t raw[8];
            qcow2_put_be64(raw, l1[i]);
            int ret = block_file_pwrite(c->bs->file, s->l1_table_offset + i * 8ull, 8, raw);
            if (ret < 0) {
                return ret;
            }
        }
    }
    return 0;
}

static int check_snapshot_trees(CheckState *c)
{
    Qcow2State *s = c->s;
    for (uint32_t n = 0; n < s->nb_snapshots; n++) {
        const Qcow2Snapshot *sn = &s->snapshots[n];
        uint64_t bytes = (uint64_t)sn->l1_size * 8;
        if (!add_reference(c, sn->l1_table_offset, bytes, "snapshot L1 table")) {
            continue;
        }
        uint64_t *l1 = calloc(sn->l1_size ? sn->l1_size : 1, 8);
        uint8_t *raw = malloc(bytes + 1);
        if (!l1 || !raw) {
            free(l1);
            free(raw);
            return -ENOMEM;
        }
        int ret = block_file_pread(c->bs->file, sn->l1_table_offset, bytes, raw);
        for (uint32_t i = 0; ret == 0 && i < sn->l1_size; i++) {
            l1[i] = qcow2_be64(raw + i * 8);
        }
        if (ret == 0) {
            ret = check_l1_tree(c, l1, sn->l1_size, false);
        }
        free(l1);
        free(raw);
        if (ret < 0) {
            return ret;
        }
    }
    return add_reference(c, s->snapshots_offset, s->snapshots_size, "snapshot table") ? 0 : 0;
}

static void check_refcount_structures(CheckState *c)
{
    Qcow2State *s = c->s;
    if (!c->count_refcount_structures) {
        return;
    }
    add_reference(c, s->refcount_table_offset,
                  (uint64_t)s->refcount_table_clusters << s->cluster_bits, "refcount table");
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t offset = s->refcount_table[i] & QCOW2_REFTABLE_OFFSET_MASK;
        if (!offset) {
            continue;
        }
        if (qcow2_offset_in_cluster(s, offset)) {
            report(c, "ERROR refcount block %" PRIu64 " is not cluster aligned; refcount table "
                   "entry corrupted", i);
            c->res->corruptions++;
            c->bad_refblocks = true;
        } else if (!add_reference(c, offset, s->cluster_size, "refcount block")) {
            c->bad_refblocks = true;
        }
    }
}

/* The bitmaps extension's data, or NULL (kept verbatim among the unknown
 * extensions: qcow2 spec, "Bitmaps extension"). */
static const uint8_t *find_bitmaps_extension(const Qcow2State *s)
{
    for (size_t pos = 0; pos + 8 <= s->unknown_extensions_size;) {
        const uint8_t *ext = s->unknown_extensions + pos;
        uint32_t length = qcow2_be32(ext + 4);
        if (qcow2_be32(ext) == QCOW2_EXT_BITMAPS && length >= 24 &&
            pos + 8 + length <= s->unknown_extensions_size) {
            return ext + 8;
        }
        pos += 8 + qcow2_align_up(length, 8);
    }
    return NULL;
}

/* One bitmap's table and the clusters it points to (qcow2 spec, "Bitmap table"). */
static int count_bitmap_table(CheckState *c, uint64_t offset, uint32_t entries)
{
    uint64_t bytes = (uint64_t)entries * 8;
    if (!add_reference(c, offset, bytes, "bitmap table")) {
        return 0;
    }
    uint8_t *table = malloc(bytes + 1);
    if (!table) {
        return -ENOMEM;
    }
    int ret = block_file_pread(c->bs->file, offset, bytes, table);
    for (uint32_t i = 0; ret == 0 && i < entries; i++) {
        uint64_t data = qcow2_be64(table + i * 8ull) & QCOW2_L2E_OFFSET_MASK;
        if (data) {
            add_reference(c, data, c->s->cluster_size, "bitmap data");
        }
    }
    free(table);
    return ret;
}

/* Persistent dirty bitmaps own clusters too: their directory, tables and data. */
static int count_bitmaps(CheckState *c)
{
    const uint8_t *ext = find_bitmaps_extension(c->s);
    if (!ext) {
        return 0;
    }
    uint32_t count = qcow2_be32(ext);
    uint64_t dir_size = qcow2_be64(ext + 8), dir_offset = qcow2_be64(ext + 16);
    if (dir_size > (64u << 20) || !add_reference(c, dir_offset, dir_size, "bitmap directory")) {
        return 0;
    }
    uint8_t *dir = malloc(dir_size + 1);
    if (!dir) {
        return -ENOMEM;
    }
    int ret = block_file_pread(c->bs->file, dir_offset, dir_size, dir);
    uint64_t pos = 0;
    for (uint32_t i = 0; ret == 0 && i < count && pos + 24 <= dir_size; i++) {
        const uint8_t *e = dir + pos;
        ret = count_bitmap_table(c, qcow2_be64(e), qcow2_be32(e + 8));
        pos = qcow2_align_up(pos + 24 + qcow2_be32(e + 20) + qcow2_be16(e + 18), 8);
    }
    free(dir);
    return ret;
}

static int compute_references(CheckState *c)
{
    Qcow2State *s = c->s;
    memset(c->refs, 0, c->nb_clusters * sizeof(*c->refs));
    c->next_contiguous = 0;
    add_reference(c, 0, s->cluster_size, "header");
    if (!add_reference(c, s->l1_table_offset, (uint64_t)s->l1_size * 8, "L1 table")) {
        return 0;
    }
    int ret = check_l1_tree(c, s->l1_table, s->l1_size, true);
    if (ret == 0) {
        ret = check_snapshot_trees(c);
    }
    if (ret == 0) {
        ret = count_bitmaps(c);
    }
    check_refcount_structures(c);
    return ret;
}

/* Stored refcount of a cluster; unusable refcount blocks read as 0. */
static uint64_t stored_refcount(CheckState *c, uint64_t cluster, bool *usable)
{
    *usable = true;
    Qcow2State *s = c->s;
    uint64_t t = cluster >> s->refblock_bits;
    if (t >= s->refcount_table_size) {
        return 0;
    }
    uint64_t offset = s->refcount_table[t] & QCOW2_REFTABLE_OFFSET_MASK;
    if (!offset) {
        return 0;
    }
    if (qcow2_offset_in_cluster(s, offset)) {
        /* unreadable refcount: the comparison cannot be made */
        *usable = false;
        return 0;
    }
    /* a block past the end of the file reads as zeros (the image is opened
     * for checking), so its clusters count as unreferenced, as qemu-img
     * counts them */
    uint64_t value = 0;
    if (qcow2_get_refcount(c->bs, cluster, &value) < 0) {
        c->res->check_errors++;
    }
    return value;
}

/* Compares stored and computed refcounts; fixes leaks when asked. */
static void compare_one(CheckState *c, uint64_t i, uint64_t stored, bool *needs_rebuild)
{
    Qcow2State *s = c->s;
    uint64_t computed = c->refs[i];
    if (stored == computed) {
        return;
    }
    if (stored < computed) {
        report(c, "ERROR cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
               i, stored, computed);
        c->res->corruptions++;
        *needs_rebuild = true;
        return;
    }
    report(c, "Leaked cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
           i, stored, computed);
    c->res->leaks++;
    if (!(c->fix & BDRV_CHECK_FIX_LEAKS) || c->bad_refblocks) {
        return;
    }
    if (stored - computed > INT64_MAX) {
        *needs_rebuild = true;       /* too far off for one adjustment */
    } else if (qcow2_update_refcount(c->bs, i << s->cluster_bits, 1,
                                     -(int64_t)(stored - computed)) < 0) {
        c->res->check_errors++;
    }
}

/* Compares stored and computed refcounts block by block over the counted
 * clusters; fixes leaks when asked. Refcounts stored for clusters past the
 * end of the file are not looked at: nothing there can be referenced, and
 * qemu-img neither reports nor repairs them either, so both tools agree on
 * an image after a crash in the middle of an allocation. */
static int compare_refcounts(CheckState *c, bool *needs_rebuild)
{
    Qcow2State *s = c->s;
    uint64_t per_block = 1ull << s->refblock_bits, end = c->nb_clusters, highest = 0;
    for (uint64_t first = 0; first < end; first += per_block) {
        uint64_t last = first + per_block < end ? first + per_block : end;
        bool usable;
        stored_refcount(c, first, &usable);      /* classifies the block */
        uint64_t t = first >> s->refblock_bits;
        uint64_t offset = t < s->refcount_table_size
                          ? s->refcount_table[t] & QCOW2_REFTABLE_OFFSET_MASK : 0;
        uint8_t *block = NULL;
        if (usable && offset && qcow2_cache_get(c->bs, &s->refblock_cache, offset, &block) < 0) {
            c->res->check_errors++;
            continue;
        }
        for (uint64_t i = first; i < last; i++) {
            if (!usable) {
                highest = c->refs[i] ? i + 1 : highest;
                c->res->check_errors++;
                continue;
            }
            uint64_t stored = block ? qcow2_refcount_from_block(s, block, i - first) : 0;
            if (stored || c->refs[i]) {
                highest = i + 1;
            }
            compare_one(c, i, stored, needs_rebuild);
            if (block && (c->fix & BDRV_CHECK_FIX_LEAKS)) {
                /* a leak fix may have evicted the block: look it up again */
                if (qcow2_cache_get(c->bs, &s->refblock_cache, offset, &block) < 0) {
                    block = NULL;
                }
            }
        }
    }
    c->res->image_end_offset = highest << s->cluster_bits;
    return 0;
}

/* Checks the COPIED flags of the active tables against the refcounts. */
static int check_copied_flags(CheckState *c)
{
    Qcow2State *s = c->s;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2_offset = s->l1_table[i] & QCOW2_L1E_OFFSET_MASK;
        /* tables past the end of the file are judged too (their refcount
         * is 0, and they read as zeros), as qemu-img does */
        if (!l2_offset || qcow2_offset_in_cluster(s, l2_offset)) {
            continue;
        }
        bool usable;
        uint64_t refcount = stored_refcount(c, l2_offset >> s->cluster_bits, &usable);
        if (usable && (refcount == 1) != !!(s->l1_table[i] & QCOW2_OFLAG_COPIED)) {
            report(c, "ERROR OFLAG_COPIED L2 cluster: l1_index=%" PRIu64 " l1_entry=%" PRIx64
                   " refcount=%" PRIu64, (uint64_t)i, s->l1_table[i], refcount);
            c->res->corruptions++;
        }
        uint8_t *table;
        if (qcow2_cache_get(c->bs, &s->l2_cache, l2_offset, &table) < 0) {
            c->res->check_errors++;
            continue;
        }
        for (uint64_t j = 0; j < s->l2_entries; j++) {
            uint64_t entry = qcow2_l2_entry_get(table, j);
            Qcow2ClusterType type = qcow2_cluster_type(s, entry);
            uint64_t host = entry & QCOW2_L2E_OFFSET_MASK;
            if ((type != QCOW2_CLUSTER_NORMAL && type != QCOW2_CLUSTER_ZERO_ALLOC) ||
                qcow2_offset_in_cluster(s, host)) {
                continue;
            }
            refcount = stored_refcount(c, host >> s->cluster_bits, &usable);
            if (usable && (refcount == 1) != !!(entry & QCOW2_OFLAG_COPIED)) {
                report(c, "ERROR OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%"
                       PRIu64, entry, refcount);
                c->res->corruptions++;
            }
        }
    }
    return 0;
}

/* --- rebuilding the refcount structures --- */

static bool block_has_refs(const CheckState *c, uint64_t index, uint64_t area_start,
                           uint64_t area_end)
{
    uint64_t per_block = 1ull << c->s->refblock_bits;
    uint64_t first = index * per_block, last = first + per_block;
    if (first < area_end && last > area_start) {
        return true;
    }
    return index < c->nb_used_blocks && c->used_blocks[index];
}

/* Which refcount blocks will have counted clusters (one pass over the counts). */
static int mark_used_blocks(CheckState *c)
{
    c->nb_used_blocks = (c->nb_clusters >> c->s->refblock_bits) + 1;
    c->used_blocks = calloc(c->nb_used_blocks, 1);
    if (!c->used_blocks) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < c->nb_clusters; i++) {
        if (c->refs[i]) {
            c->used_blocks[i >> c->s->refblock_bits] = 1;
        }
    }
    return 0;
}

/* Sizes the rebuilt structure: blocks for every table index with counted
 * clusters, then the table, all from cluster area_start on. */
static void plan_rebuild(const CheckState *c, uint64_t area_start, uint64_t *nb_blocks,
                         uint64_t *entries)
{
    const Qcow2State *s = c->s;
    uint64_t blocks = 0, table_clusters = 1;
    for (;;) {
        uint64_t area_end = area_start + blocks + table_clusters;
        uint64_t last_index = (area_end - 1) >> s->refblock_bits;
        uint64_t needed = 0;
        for (uint64_t t = 0; t <= last_index; t++) {
            needed += block_has_refs(c, t, area_start, area_end);
        }
        *entries = last_index + 1;
        uint64_t clusters = qcow2_div_round_up(*entries * 8, s->cluster_size);
        if (needed == blocks && clusters == table_clusters) {
            break;
        }
        blocks = needed;
        table_clusters = clusters;
    }
    *nb_blocks = blocks;
}

/* One rebuilt refcount block for table index t. */
static void fill_rebuilt_block(const CheckState *c, uint64_t t, uint64_t area_start,
                               uint64_t area_end, uint8_t *block)
{
    const Qcow2State *s = c->s;
    uint64_t per_block = 1ull << s->refblock_bits;
    memset(block, 0, s->cluster_size);
    for (uint64_t j = 0; j < per_block; j++) {
        uint64_t i = t * per_block + j;
        uint64_t value = i < c->nb_clusters ? c->refs[i] : 0;
        if (i >= area_start && i < area_end) {
            value = 1;
        }
        /* more references than the width holds: keep the cluster in use at
         * the highest count (qemu-img saturates too), never a wrapped 0 */
        if (value > s->refcount_max) {
            value = s->refcount_max;
        }
        qcow2_refcount_to_block(s, block, j, value);
    }
}

/* Writes a new refcount table and blocks, from the computed counts, after
 * every referenced cluster, then points the header at them. */
static int rebuild_refcounts(CheckState *c)
{
    Qcow2State *s = c->s;
    uint64_t highest = 0;
    for (uint64_t i = 0; i < c->nb_clusters; i++) {
        if (c->refs[i]) {
            highest = i + 1;
        }
    }
    uint64_t area_start = highest > c->nb_clusters ? highest : c->nb_clusters;
    uint64_t nb_blocks, entries;
    int ret = mark_used_blocks(c);
    if (ret < 0) {
        return ret;
    }
    plan_rebuild(c, area_start, &nb_blocks, &entries);
    if (entries * 8 > QCOW2_MAX_REFTABLE_BYTES) {
        free(c->used_blocks);
        return -EFBIG;
    }
    uint64_t table_clusters = qcow2_div_round_up(entries * 8, s->cluster_size);
    uint64_t area_end = area_start + nb_blocks + table_clusters;
    uint64_t table_entries = table_clusters * s->cluster_size / 8;
    uint8_t *block = malloc(s->cluster_size);
    uint64_t *new_table = calloc(table_entries, 8);
    if (!block || !new_table) {
        free(block);
        free(new_table);
        free(c->used_blocks);
        return -ENOMEM;
    }
    uint64_t next = area_start;
    for (uint64_t t = 0; t < entries && ret == 0; t++) {
        if (block_has_refs(c, t, area_start, area_end)) {
            fill_rebuilt_block(c, t, area_start, area_end, block);
            new_table[t] = next << s->cluster_bits;
            ret = block_file_pwrite(c->bs->file, new_table[t], s->cluster_size, block);
            next++;
        }
    }
    free(block);
    free(c->used_blocks);
    c->used_blocks = NULL;
    if (ret == 0) {
        ret = qcow2_install_refcount_table(c->bs, new_table, table_entries,
                                           (area_start + nb_blocks) << s->cluster_bits);
    }
    if (ret < 0) {
        free(new_table);
        return ret;
    }
    s->free_cluster_index = 0;
    qcow2_cache_clear(&s->refblock_cache);
    return 0;
}

/* Sizes the computed counts for a file of length bytes (one cluster of room
 * for a reference reaching just past its end). */
static int init_counts(CheckState *c, int64_t length)
{
    c->file_length = (uint64_t)length;
    c->nb_clusters = qcow2_div_round_up((uint64_t)length, c->s->cluster_size);
    if (c->nb_clusters > MAX_CHECKED_CLUSTERS) {
        bdrv_set_error(c->bs, "'%s' has too many clusters (%llu) to be checked",
                       c->bs->filename, (unsigned long long)c->nb_clusters);
        return -EFBIG;
    }
    size_t bytes = (c->nb_clusters + 1) * sizeof(*c->refs);
    c->refs = calloc(1, bytes);
    if (c->refs && bytes >= HUGE_PAGE) {
        /* a page fault per 4 KiB of counts cost as much as the counting */
        uintptr_t start = ((uintptr_t)c->refs + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t end = ((uintptr_t)c->refs + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (end > start) {
            madvise((void *)start, end - start, MADV_HUGEPAGE);
        }
    }
    return c->refs ? 0 : -ENOMEM;
}

static int run_check(BlockDriverState *bs, BlockCheckResult *res, int fix, bool quiet,
                     bool *needs_rebuild)
{
    Qcow2State *s = bs->opaque;
    int64_t length = block_file_length(bs->file);
    if (length < 0) {
        return (int)length;
    }
    CheckState c = { .bs = bs, .s = s, .res = res, .fix = fix, .quiet = quiet,
                     .count_refcount_structures = true };
    int ret = init_counts(&c, length);
    if (ret < 0) {
        return ret;
    }
    memset(res, 0, sizeof(*res));
    res->total_clusters = qcow2_div_round_up(bs->total_size, s->cluster_size);
    ret = compute_references(&c);
    *needs_rebuild = c.bad_refblocks;
    if (ret == 0) {
        ret = compare_refcounts(&c, needs_rebuild);
    }
    if (ret == 0) {
        ret = check_copied_flags(&c);
    }
    if (ret == 0 && *needs_rebuild && (fix & BDRV_CHECK_FIX_ERRORS)) {
        /* the rebuilt structure must not count the old one */
        c.count_refcount_structures = false;
        BlockCheckResult scratch;
        c.res = &scratch;
        c.quiet = true;
        memset(&scratch, 0, sizeof(scratch));
        ret = compute_references(&c);
        if (ret == 0) {
            ret = rebuild_refcounts(&c);
        }
    }
    free(c.refs);
    return ret;
}

int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    if (bs->read_only) {
        fix = 0;
    }
    int ret = qcow2_flush_metadata(bs);
    if (ret < 0) {
        return ret;
    }
    bool needs_rebuild = false;
    ret = run_check(bs, res, fix, false, &needs_rebuild);
    if (ret < 0 || !fix) {
        return ret;
    }
    BlockCheckResult before = *res;
    if (fix & BDRV_CHECK_FIX_ERRORS) {
        ret = qcow2_fix_copied_flags(bs);
    }
    if (ret == 0) {
        ret = run_check(bs, res, 0, true, &needs_rebuild);
    }
    if (ret < 0) {
        return ret;
    }
    res->leaks_fixed = before.leaks > res->leaks ? before.leaks - res->leaks : 0;
    res->corruptions_fixed = before.corruptions > res->corruptions
                             ? before.corruptions - res->corruptions : 0;
    if (res->corruptions == 0 && (fix & BDRV_CHECK_FIX_ERRORS)) {
        ret = qcow2_set_incompatible(bs, QCOW2_INCOMPAT_CORRUPT, false);
    }
    return ret;
}

int qcow2_change_refcount_order(BlockDriverState *bs, unsigned refcount_order)
{
    Qcow2State *s = bs->opaque;
    if (refcount_order == s->refcount_order) {
        return 0;
    }
    if (s->version < 3) {
        bdrv_set_error(bs, "Different refcount widths than 16 bits require compatibility "
                       "level 1.1 or above (use version=v3 or greater)");
        return -EINVAL;
    }
    int ret = qcow2_flush_metadata(bs);
    int64_t length = block_file_length(bs->file);
    if (ret < 0 || length < 0) {
        return ret < 0 ? ret : (int)length;
    }
    BlockCheckResult scratch;
    memset(&scratch, 0, sizeof(scratch));
    CheckState c = { .bs = bs, .s = s, .res = &scratch, .quiet = true };
    ret = init_counts(&c, length);
    if (ret < 0) {
        return ret;
    }
    ret = compute_references(&c);
    unsigned old_order = s->refcount_order;
    qcow2_set_refcount_order(s, refcount_order);
    for (uint64_t i = 0; ret == 0 && i < c.nb_clusters; i++) {
        if (c.refs[i] > s->refcount_max) {
            bdrv_set_error(bs, "refcount_bits=%u cannot count the %u references of cluster "
                           "%llu", s->refcount_bits, c.refs[i], (unsigned long long)i);
            ret = -ERANGE;
        }
    }
    if (ret == 0 && (scratch.corruptions || scratch.check_errors)) {
        bdrv_set_error(bs, "'%s' is damaged; repair it with check -r all first", bs->filename);
        ret = -EIO;
    }
    if (ret == 0) {
        ret = rebuild_refcounts(&c);
    }
    if (ret < 0) {
        qcow2_set_refcount_order(s, old_order);
        qcow2_cache_clear(&s->refblock_cache);
    }
    free(c.refs);
    return ret;
}
