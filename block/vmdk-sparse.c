/*
 * VMDK hosted sparse extents ("Hosted Sparse Extents") and stream-optimized
 * extents ("Stream-Optimized Compressed Sparse Extents"), VMware Virtual Disk
 * Format 1.1: the header (or the footer of a stream whose grain directory is at
 * its end), grain directory and grain tables, reading and allocating grains.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "block/vmdk.h"

int vmdk_io_error(BlockDriverState *bs, const VmdkExtent *e, const char *what, int ret)
{
    bdrv_set_error(bs, "%s: %s error in extent '%s': %s", bs->filename, what, e->filename,
                   strerror(-ret));
    return ret;
}

static int vmdk_read_u32_table(BlockFile *file, uint64_t offset, uint32_t count, uint32_t **out)
{
    uint32_t *table = malloc(count ? (size_t)count * 4 : 4);
    int ret;

    if (!table) {
        return -ENOMEM;
    }
    ret = block_file_pread(file, offset, (uint64_t)count * 4, table);
    if (ret < 0) {
        free(table);
        return ret;
    }
    for (uint32_t i = 0; i < count; i++) {
        table[i] = load_le32(&table[i]);
    }
    *out = table;
    return 0;
}

/* The header to use: the one at offset 0, or for a stream whose grain directory
 * is at the end, the footer copy 1024 bytes before the end ("Stream-Optimized
 * Compressed Sparse Extents", footer). */
static int vmdk_read_sparse_header(BlockDriverState *bs, VmdkExtent *e, uint8_t *h,
                                   int64_t file_len)
{
    int ret = block_file_pread(e->file, 0, 512, h);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the header of extent '%s': %s", e->filename, strerror(-ret));
        return ret;
    }
    if (load_le32(h + HDR_MAGIC) != VMDK4_MAGIC) {
        bdrv_set_error(bs, "extent '%s' is not a VMDK sparse extent (bad magic)", e->filename);
        return -EINVAL;
    }
    if (load_le64(h + HDR_GD_OFFSET) != VMDK_GD_AT_END) {
        return 0;
    }
    if (file_len < 1536 + 512) {
        bdrv_set_error(bs, "extent '%s' is too short for its footer", e->filename);
        return -EINVAL;
    }
    ret = block_file_pread(e->file, file_len - 1024, 512, h);
    if (ret < 0 || load_le32(h + HDR_MAGIC) != VMDK4_MAGIC ||
        load_le64(h + HDR_GD_OFFSET) == VMDK_GD_AT_END) {
        bdrv_set_error(bs, "extent '%s' has no valid footer", e->filename);
        return ret < 0 ? ret : -EINVAL;
    }
    e->file_end = UINT64_MAX;       /* marks the footer layout: no appending */
    return 0;
}

static int vmdk_check_sparse_fields(BlockDriverState *bs, VmdkExtent *e, const uint8_t *h,
                                    uint64_t capacity, uint64_t grain_sectors)
{
    e->version = load_le32(h + HDR_VERSION);
    e->flags = load_le32(h + HDR_FLAGS);
    if (e->version < 1 || e->version > 3) {
        bdrv_set_error(bs, "unsupported VMDK version %u in extent '%s'", e->version, e->filename);
        return -ENOTSUP;
    }
    e->compressed = e->flags & VMDK_FLAG_COMPRESSED;
    e->has_markers = e->flags & VMDK_FLAG_MARKERS;
    if (e->compressed && load_le16(h + HDR_COMPRESS_ALGORITHM) != 1) {
        bdrv_set_error(bs, "unsupported VMDK compression algorithm %u",
                       load_le16(h + HDR_COMPRESS_ALGORITHM));
        return -ENOTSUP;
    }
    if (grain_sectors == 0 || (grain_sectors & (grain_sectors - 1)) ||
        grain_sectors > VMDK_MAX_GRAIN) {
        bdrv_set_error(bs, "invalid VMDK grain size %" PRIu64 " sectors", grain_sectors);
        return -EINVAL;
    }
    if (e->gtes_per_gt == 0 || e->gtes_per_gt > 65536) {
        bdrv_set_error(bs, "invalid VMDK grain table size %u", e->gtes_per_gt);
        return -EINVAL;
    }
    if (capacity > (1ull << 50)) {
        bdrv_set_error(bs, "VMDK extent capacity %" PRIu64 " sectors is too large", capacity);
        return -EFBIG;
    }
    return 0;
}

/* Buffers for grain tables and compressed grains, and where new grains go. */
static int vmdk_prepare_sparse_io(BlockDriverState *bs, VmdkState *s, VmdkExtent *e,
                                  int64_t file_len, uint64_t overhead)
{
    if (e->compressed && 2 * e->grain_size + 1024 > s->compressed_buf_size) {
        free(s->compressed_buf);
        s->compressed_buf_size = 2 * e->grain_size + 1024;
        s->compressed_buf = malloc(s->compressed_buf_size);
        if (!s->compressed_buf) {
            bdrv_set_error(bs, "out of memory for VMDK grains");
            return -ENOMEM;
        }
    }
    if (e->file_end != UINT64_MAX) {
        e->file_end = round_up_u64(file_len, 512);
        if (e->compressed) {
            /* appending continues over the end-of-stream marker, rewritten at flush */
            uint8_t tail[512];
            if ((uint64_t)file_len >= overhead + 512 && file_len % 512 == 0 &&
                block_file_pread(e->file, file_len - 512, 512, tail) == 0 &&
                buffer_is_zero(tail, 512)) {
                e->file_end = file_len - 512;
            }
        }
    }
    return 0;
}

static int vmdk_truncated(BlockDriverState *bs, const VmdkExtent *e, const char *what,
                          uint64_t needed, int64_t file_len)
{
    bdrv_set_error(bs, "VMDK extent '%s' truncated: %s lies past the end of the file "
                   "(expecting at least %llu bytes, the file has %lld)", e->filename, what,
                   (unsigned long long)needed, (long long)file_len);
    return -EINVAL;
}

/* The grains one grain table (of index gd_index) lists must lie in the file: the
 * whole grain, or the part the extent's capacity covers, or for a compressed
 * grain its first byte (its marker, read when the grain is, gives the rest). */
static int vmdk_check_gt_in_file(BlockDriverState *bs, const VmdkExtent *e, uint32_t gd_index,
                                 const uint32_t *gt, uint64_t capacity, int64_t file_len,
                                 uint32_t *last_gte)
{
    for (uint32_t j = 0; j < e->gtes_per_gt; j++) {
        uint32_t gte = load_le32(&gt[j]);
        uint64_t start = ((uint64_t)gd_index * e->gtes_per_gt + j) * e->grain_size;
        uint64_t need = e->compressed ? 1 : e->grain_size;
        if (gte == 0 || vmdk_gte_is_zeroed(e, gte) || start >= capacity) {
            continue;
        }
        if (!e->compressed && capacity - start < need) {
            need = capacity - start;
        }
        *last_gte = gte > *last_gte ? gte : *last_gte;
        if ((uint64_t)gte * 512 + need > (uint64_t)file_len) {
            return vmdk_truncated(bs, e, "a grain", (uint64_t)gte * 512 + need, file_len);
        }
    }
    return 0;
}

/* A stream's grains follow one another, so the last one is the one a truncated
 * file cuts: its marker ("Stream-Optimized Compressed Sparse Extents", grain
 * marker: sector, size, data) must fit in the file with the data it announces. */
static int vmdk_check_last_marker(BlockDriverState *bs, const VmdkExtent *e, uint32_t last_gte,
                                  int64_t file_len)
{
    uint8_t marker[12];
    uint64_t at = (uint64_t)last_gte * 512;
    int ret;

    if (!e->has_markers || last_gte == 0) {
        return 0;
    }
    if (at + sizeof(marker) > (uint64_t)file_len) {
        return vmdk_truncated(bs, e, "a grain", at + sizeof(marker), file_len);
    }
    ret = block_file_pread(e->file, at, sizeof(marker), marker);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read a grain marker of extent '%s': %s", e->filename,
                       strerror(-ret));
        return ret;
    }
    if (at + sizeof(marker) + load_le32(marker + 8) > (uint64_t)file_len) {
        return vmdk_truncated(bs, e, "a compressed grain",
                              at + sizeof(marker) + load_le32(marker + 8), file_len);
    }
    return 0;
}

/* qemu-img refuses an extent shorter than its header's overhead (where grains
 * begin, "File truncated, expecting at least N bytes"); a grain table or a grain
 * past the end of the file would read as zeros in place of data, so those are
 * refused too (except for check: scan_tables false). Grain tables past the first VMDK_SCAN_MAX_GTS are checked when
 * they are read (an I/O error), to bound the work at open. */
#define VMDK_SCAN_MAX_GTS 32768u
/* Reads the grain tables (runs of adjacent ones at once, up to a bound) and checks
 * their grains lie in the file; *last_gte is the highest grain seen. */
static int vmdk_scan_gts(BlockDriverState *bs, const VmdkExtent *e, int64_t file_len,
                         uint64_t capacity, uint32_t *last_gte)
{
    enum { BATCH_BYTES = 1 << 20 };
    uint64_t gt_bytes = (uint64_t)e->gtes_per_gt * 4;
    uint32_t max_run = gt_bytes % 512 == 0 && gt_bytes <= BATCH_BYTES ? BATCH_BYTES / gt_bytes : 1;
    uint32_t scanned = 0, run;
    uint8_t *buf = malloc(max_run * gt_bytes);
    int ret = 0;

    if (!buf) {
        bdrv_set_error(bs, "out of memory for VMDK grain tables");
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < e->gd_entries && ret == 0 && scanned < VMDK_SCAN_MAX_GTS; i += run) {
        run = 1;
        if (e->gd[i] == 0) {
            continue;
        }
        while (run < max_run && i + run < e->gd_entries &&
               e->gd[i + run] == e->gd[i] + run * (gt_bytes / 512)) {
            run++;
        }
        scanned += run;
        /* tables in a hole of the host file are zeros: nothing to check */
        uint64_t hole = 0;
        if (block_file_status(e->file, (uint64_t)e->gd[i] * 512, run * gt_bytes, &hole) ==
                BDRV_BLOCK_ZERO && hole >= run * gt_bytes) {
            continue;
        }
        ret = block_file_pread(e->file, (uint64_t)e->gd[i] * 512, run * gt_bytes, buf);
        if (ret < 0) {
            bdrv_set_error(bs, "cannot read a grain table of extent '%s': %s", e->filename,
                           strerror(-ret));
        }
        for (uint32_t k = 0; k < run && ret == 0; k++) {
            const uint32_t *gt = (const uint32_t *)(buf + k * gt_bytes);
            if (!buffer_is_zero(gt, gt_bytes)) {        /* most of a new image's are */
                ret = vmdk_check_gt_in_file(bs, e, i + k, gt, capacity, file_len, last_gte);
            }
        }
    }
    free(buf);
    return ret;
}

static int vmdk_check_in_file(BlockDriverState *bs, const VmdkExtent *e, int64_t file_len,
                              uint64_t overhead, uint64_t capacity, bool scan_tables)
{
    uint64_t gt_bytes = (uint64_t)e->gtes_per_gt * 4;
    uint32_t last_gte = 0;
    int ret;

    if (overhead > (uint64_t)file_len) {
        return vmdk_truncated(bs, e, "the grain area", overhead, file_len);
    }
    if (!scan_tables) {
        return 0;               /* check reports them, entry by entry */
    }
    for (uint32_t i = 0; i < e->gd_entries; i++) {
        uint64_t at = (uint64_t)e->gd[i] * 512;
        if (e->gd[i] != 0 && at + gt_bytes > (uint64_t)file_len) {
            return vmdk_truncated(bs, e, "a grain table", at + gt_bytes, file_len);
        }
    }
    ret = vmdk_scan_gts(bs, e, file_len, capacity, &last_gte);
    return ret < 0 ? ret : vmdk_check_last_marker(bs, e, last_gte, file_len);
}

int vmdk_open_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, bool whole_disk)
{
    uint8_t h[512];
    int64_t file_len = block_file_length(e->file);
    uint64_t capacity, grain_sectors, gd_offset, rgd_offset, span;
    int ret;

    if (file_len < 512) {
        bdrv_set_error(bs, "extent '%s' is too short for a VMDK header", e->filename);
        return -EINVAL;
    }
    ret = vmdk_read_sparse_header(bs, e, h, file_len);
    if (ret < 0) {
        return ret;
    }
    capacity = load_le64(h + HDR_CAPACITY);
    grain_sectors = load_le64(h + HDR_GRAIN_SIZE);
    e->gtes_per_gt = load_le32(h + HDR_GTES_PER_GT);
    ret = vmdk_check_sparse_fields(bs, e, h, capacity, grain_sectors);
    if (ret < 0) {
        return ret;
    }
    e->grain_size = grain_sectors * 512;
    if (whole_disk) {
        e->length = capacity * 512;
    } else if (e->length > capacity * 512) {
        bdrv_set_error(bs, "extent '%s' is larger than its capacity", e->filename);
        return -EINVAL;
    }
    span = grain_sectors * e->gtes_per_gt;
    if (div_round_up_u64(capacity, span) > VMDK_MAX_GD_ENTRIES) {
        bdrv_set_error(bs, "VMDK grain directory of extent '%s' is too large", e->filename);
        return -EFBIG;
    }
    e->gd_entries = div_round_up_u64(capacity, span);
    gd_offset = load_le64(h + HDR_GD_OFFSET);
    rgd_offset = load_le64(h + HDR_RGD_OFFSET);
    if (gd_offset > (uint64_t)file_len / 512 ||
        (uint64_t)e->gd_entries * 4 > (uint64_t)file_len - gd_offset * 512) {
        bdrv_set_error(bs, "VMDK grain directory of extent '%s' lies outside the file", e->filename);
        return -EINVAL;
    }
    s->directory_bytes += (uint64_t)e->gd_entries * ((e->flags & VMDK_FLAG_RGD) ? 8 : 4);
    if (s->directory_bytes > VMDK_MAX_DIRECTORIES) {
        bdrv_set_error(bs, "VMDK grain directories take too much memory");
        return -EFBIG;
    }
    ret = vmdk_read_u32_table(e->file, gd_offset * 512, e->gd_entries, &e->gd);
    if (ret == 0 && (e->flags & VMDK_FLAG_RGD) && rgd_offset != 0 &&
        rgd_offset <= (uint64_t)file_len / 512 &&
        (uint64_t)e->gd_entries * 4 <= (uint64_t)file_len - rgd_offset * 512) {
        ret = vmdk_read_u32_table(e->file, rgd_offset * 512, e->gd_entries, &e->rgd);
    }
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the grain directory of extent '%s': %s", e->filename,
                       strerror(-ret));
        return ret;
    }
    ret = vmdk_check_in_file(bs, e, file_len, load_le64(h + HDR_OVERHEAD) * 512, capacity * 512,
                             !(bs->open_flags & BDRV_O_CHECK));
    if (ret < 0) {
        return ret;
    }
    return vmdk_prepare_sparse_io(bs, s, e, file_len, load_le64(h + HDR_OVERHEAD) * 512);
}

/* The GT at gt_sector of extent e, through a small least-recently-used cache
 * shared by the image's extents (written through, so eviction needs no write). */
static int vmdk_load_gt(BlockDriverState *bs, VmdkExtent *e, uint64_t gt_sector, uint32_t **table)
{
    VmdkState *s = bs->opaque;
    VmdkGtCacheEntry *victim = &s->gt_cache[0];
    int ret;

    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        VmdkGtCacheEntry *c = &s->gt_cache[i];
        if (c->extent == e && c->gt_sector == gt_sector) {
            c->last_use = ++s->gt_use_counter;
            *table = c->table;
            return 0;
        }
        if (c->last_use < victim->last_use) {
            victim = c;
        }
    }
    victim->extent = NULL;
    if (victim->entries < e->gtes_per_gt) {
        uint32_t *grown = realloc(victim->table, (size_t)e->gtes_per_gt * 4);
        if (!grown) {
            bdrv_set_error(bs, "out of memory for VMDK grain tables");
            return -ENOMEM;
        }
        victim->table = grown;
        victim->entries = e->gtes_per_gt;
    }
    ret = format_read_data(bs, e->file, gt_sector * 512, (uint64_t)e->gtes_per_gt * 4,
                           victim->table);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < e->gtes_per_gt; i++) {
        victim->table[i] = load_le32(&victim->table[i]);
    }
    victim->extent = e;
    victim->gt_sector = gt_sector;
    victim->last_use = ++s->gt_use_counter;
    *table = victim->table;
    return 0;
}

/* The GTE of the grain holding rel (an offset inside the extent); 0 when its
 * grain table does not exist. */
int vmdk_get_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t *gte)
{
    uint64_t grain = rel / e->grain_size;
    uint64_t gd_index = grain / e->gtes_per_gt;
    uint32_t *table;
    int ret;

    *gte = 0;
    if (gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
        return 0;
    }
    ret = vmdk_load_gt(bs, e, e->gd[gd_index], &table);
    if (ret == 0) {
        *gte = table[grain % e->gtes_per_gt];
    }
    return ret;
}

/* Decompresses the grain at gte into s->grain_buf (zeros past the stream's end). */
static int vmdk_read_compressed(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint32_t gte)
{
    uint64_t host = (uint64_t)gte * 512;
    int64_t file_len = block_file_length(e->file);
    uint64_t avail = file_len > 0 && (uint64_t)file_len > host ? file_len - host : 0;
    uint64_t data_len = avail < s->compressed_buf_size ? avail : s->compressed_buf_size;
    const uint8_t *data = s->compressed_buf;
    int ret, produced;

    if (s->grain_buf_extent == e && s->grain_buf_gte == gte) {
        return 0;
    }
    s->grain_buf_extent = NULL;
    ret = block_file_pread(e->file, host, data_len, s->compressed_buf);
    if (ret < 0) {
        return vmdk_io_error(bs, e, "read", ret);
    }
    if (e->has_markers) {
        uint32_t size = data_len >= 12 ? load_le32(s->compressed_buf + 8) : 0;
        if (data_len == avail && (data_len < 12 || (size && size > data_len - 12)) &&
            12 + (uint64_t)size <= s->compressed_buf_size) {
            bdrv_set_error(bs, "%s: compressed grain at sector %u of extent '%s' lies past the "
                           "end of the file (%lld bytes): %s", bs->filename, gte, e->filename,
                           (long long)file_len, strerror(EIO));
            return -EIO;
        }
        if (size == 0 || size > data_len - 12) {
            bdrv_set_error(bs, "%s: bad grain marker at sector %u of extent '%s'", bs->filename,
                           gte, e->filename);
            return -EIO;
        }
        data += 12;
        data_len = size;
    }
    produced = format_inflate(data, data_len, s->grain_buf, e->grain_size, 15);
    if (produced < 0) {
        bdrv_set_error(bs, "%s: corrupt compressed grain at sector %u of extent '%s'",
                       bs->filename, gte, e->filename);
        return -EIO;
    }
    memset(s->grain_buf + produced, 0, e->grain_size - produced);
    s->grain_buf_extent = e;
    s->grain_buf_gte = gte;
    return 0;
}

/* Reads [rel, rel+n) of a sparse extent, n within one grain; start is the extent's
 * virtual offset (for the backing file). */
int vmdk_read_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                            uint64_t n, uint8_t *out)
{
    uint64_t in_grain = rel % e->grain_size;
    uint32_t gte;
    int ret = vmdk_get_gte(bs, e, rel, &gte);

    if (ret < 0) {
        return ret;
    }
    if (gte == 0) {
        if (bs->backing && (ret = vmdk_check_parent_cid(bs)) < 0) {
            return ret;
        }
        return format_read_unallocated(bs, e->start + rel, n, out);
    }
    if (vmdk_gte_is_zeroed(e, gte)) {
        memset(out, 0, n);
        return 0;
    }
    if (e->compressed) {
        ret = vmdk_read_compressed(bs, s, e, gte);
        if (ret == 0) {
            memcpy(out, s->grain_buf + in_grain, n);
        }
        return ret;
    }
    return format_read_data(bs, e->file, (uint64_t)gte * 512 + in_grain, n, out);
}

/* Points the grain holding rel at gte, in the GT and its redundant copy. */
int vmdk_set_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t gte)
{
    uint64_t grain = rel / e->grain_size;
    uint64_t gd_index = grain / e->gtes_per_gt;
    uint32_t gt_index = grain % e->gtes_per_gt;
    uint32_t *table;
    uint8_t field[4];
    int ret;

    ret = vmdk_load_gt(bs, e, e->gd[gd_index], &table);
    if (ret < 0) {
        return ret;
    }
    store_le32(field, gte);
    ret = block_file_pwrite(e->file, (uint64_t)e->gd[gd_index] * 512 + gt_index * 4, 4, field);
    if (ret == 0 && e->rgd && e->rgd[gd_index]) {
        ret = block_file_pwrite(e->file, (uint64_t)e->rgd[gd_index] * 512 + gt_index * 4, 4, field);
    }
    if (ret < 0) {
        return vmdk_io_error(bs, e, "write", ret);
    }
    table[gt_index] = gte;
    return 0;
}

/* The whole grain holding rel with [rel, rel+n) replaced by data, in s->grain_buf. */
static int vmdk_merge_grain(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                            uint64_t n, const uint8_t *data, uint32_t gte)
{
    uint64_t grain_start = rel - rel % e->grain_size;
    int ret = 0;

    if (n == e->grain_size) {
        memcpy(s->grain_buf, data, n);
    } else {
        if (gte == 0) {
            ret = bs->backing ? vmdk_check_parent_cid(bs) : 0;
            if (ret == 0) {
                ret = format_read_unallocated(bs, e->start + grain_start, e->grain_size,
                                              s->grain_buf);
            }
        } else if (vmdk_gte_is_zeroed(e, gte)) {
            memset(s->grain_buf, 0, e->grain_size);
        } else if (e->compressed) {
            ret = vmdk_read_compressed(bs, s, e, gte);
        } else {
            /* the old data must be in the file (zeros would be written back as
             * data); only the part of the last grain inside the extent counts */
            uint64_t held = e->length - grain_start < e->grain_size ? e->length - grain_start
                                                                    : e->grain_size;
            memset(s->grain_buf + held, 0, e->grain_size - held);
            ret = format_read_data(bs, e->file, (uint64_t)gte * 512, held, s->grain_buf);
        }
        if (ret < 0) {
            return ret;
        }
        memcpy(s->grain_buf + rel % e->grain_size, data, n);
    }
    s->grain_buf_extent = NULL;
    return 0;
}

/* Appends one grain (compressed behind a marker for stream extents) and returns
 * its sector. The data goes first, the GTE after it, so a crash only leaks. */
static int vmdk_append_grain(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                             uint32_t *sector)
{
    uint64_t host = round_up_u64(e->file_end, 512);
    uint64_t length = e->grain_size;
    const uint8_t *data = s->grain_buf;
    int ret;

    if (e->compressed) {
        size_t csize = s->compressed_buf_size - 12;
        if (format_deflate(s->grain_buf, e->grain_size, s->compressed_buf + 12, &csize, 15) < 0) {
            bdrv_set_error(bs, "%s: cannot compress a grain", bs->filename);
            return -EIO;
        }
        store_le64(s->compressed_buf, (rel - rel % e->grain_size) / 512);
        store_le32(s->compressed_buf + 8, csize);
        length = round_up_u64(12 + csize, 512);
        memset(s->compressed_buf + 12 + csize, 0, length - 12 - csize);
        data = s->compressed_buf;
        e->stream_needs_eos = true;
    }
    if ((host + length) / 512 > UINT32_MAX) {
        bdrv_set_error(bs, "%s: extent '%s' is full", bs->filename, e->filename);
        return -EFBIG;
    }
    ret = block_file_pwrite(e->file, host, length, data);
    if (ret < 0) {
        return vmdk_io_error(bs, e, "write", ret);
    }
    e->file_end = host + length;
    *sector = host / 512;
    return 0;
}

int vmdk_write_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                             uint64_t n, const uint8_t *data)
{
    uint64_t gd_index = rel / e->grain_size / e->gtes_per_gt;
    uint32_t gte, sector;
    int ret = vmdk_get_gte(bs, e, rel, &gte);

    if (ret < 0) {
        return ret;
    }
    if (gte > VMDK_GTE_ZEROED || (gte == VMDK_GTE_ZEROED && !(e->flags & VMDK_FLAG_ZERO_GRAIN))) {
        if (!e->compressed) {
            ret = block_file_pwrite(e->file, (uint64_t)gte * 512 + rel % e->grain_size, n, data);
            return ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
        }
    } else if ((gte == 0 && !bs->backing) || gte == VMDK_GTE_ZEROED) {
        if (buffer_is_zero(data, n)) {
            return 0;       /* already reads as zeros */
        }
    }
    if (e->file_end == UINT64_MAX) {
        bdrv_set_error(bs, "%s: writing to a stream-optimized extent with a footer is not "
                       "supported", bs->filename);
        return -EPERM;
    }
    if (gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
        bdrv_set_error(bs, "%s: extent '%s' has no grain table for offset %" PRIu64,
                       bs->filename, e->filename, e->start + rel);
        return -EPERM;
    }
    ret = vmdk_merge_grain(bs, s, e, rel, n, data, gte);
    if (ret == 0) {
        ret = vmdk_append_grain(bs, s, e, rel, &sector);
    }
    return ret < 0 ? ret : vmdk_set_gte(bs, e, rel, sector);
}

/* The GTEs of grains [first, first + count) of GT gd_index, in the GT and in
 * its redundant copy. */
static int vmdk_write_gtes(BlockDriverState *bs, VmdkExtent *e, uint64_t gd_index,
                           uint32_t first, uint32_t count, const uint8_t *entries)
{
    int ret = block_file_pwrite(e->file, (uint64_t)e->gd[gd_index] * 512 + first * 4, count * 4,
                                entries);
    if (ret == 0 && e->rgd && e->rgd[gd_index]) {
        ret = block_file_pwrite(e->file, (uint64_t)e->rgd[gd_index] * 512 + first * 4,
                                count * 4, entries);
    }
    return ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
}

/* Whole unallocated grains of one grain table, none of them zeros, in one go:
 * their data in one piece at the end of the file, then their GTEs in one write
 * per table copy (data first: a crash only leaks). *done stays 0 when fewer
 * than two grains qualify. */
int vmdk_write_sparse_run(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                          const uint8_t *data, uint64_t *done)
{
    uint64_t grain = rel / e->grain_size, gd_index = grain / e->gtes_per_gt;
    uint32_t first = grain % e->gtes_per_gt, count = 0, *table;
    uint64_t host, length;
    uint8_t *entries;
    int ret;

    *done = 0;
    if (e->compressed || e->file_end == UINT64_MAX || rel % e->grain_size ||
        gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
        return 0;
    }
    ret = vmdk_load_gt(bs, e, e->gd[gd_index], &table);
    if (ret < 0) {
        return ret;
    }
    while (first + count < e->gtes_per_gt && (count + 1) * e->grain_size <= bytes &&
           (table[first + count] == 0 || vmdk_gte_is_zeroed(e, table[first + count])) &&
           !buffer_is_zero(data + count * e->grain_size, e->grain_size)) {
        count++;
    }
    host = round_up_u64(e->file_end, 512);
    length = count * e->grain_size;
    if (count < 2 || (host + length) / 512 > UINT32_MAX) {
        return 0;
    }
    entries = malloc((size_t)count * 4);
    if (!entries) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < count; i++) {
        store_le32(entries + i * 4, host / 512 + i * (e->grain_size / 512));
    }
    ret = block_file_pwrite(e->file, host, length, data);
    ret = ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
    if (ret == 0) {
        e->file_end = host + length;
        ret = vmdk_write_gtes(bs, e, gd_index, first, count, entries);
    }
    free(entries);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < count; i++) {
        table[first + i] = host / 512 + i * (e->grain_size / 512);
    }
    *done = length;
    return 0;
}

/* Packs compressed grains behind their markers ({u64 lba, u32 size}, padded to
 * a sector) into packed; entries gets each marker's sector from host on. */
static uint64_t vmdk_pack_grains(const VmdkExtent *e, uint64_t rel, const uint8_t *out,
                                 size_t stride, const size_t *lens, uint32_t count,
                                 uint64_t host, uint8_t *packed, uint8_t *entries)
{
    uint64_t at = 0;

    for (uint32_t i = 0; i < count; i++) {
        uint64_t length = round_up_u64(12 + lens[i], 512);
        store_le64(packed + at, (rel + i * e->grain_size) / 512);
        store_le32(packed + at + 8, lens[i]);
        memcpy(packed + at + 12, out + i * stride, lens[i]);
        memset(packed + at + 12 + lens[i], 0, length - 12 - lens[i]);
        store_le32(entries + i * 4, (host + at) / 512);
        at += length;
    }
    return at;
}

/* Stream-optimized extents: whole, non-zero grains of one GT compressed on
 * several threads, appended in one write, then their GTEs in one write per
 * table copy. *done stays 0 when fewer than two grains qualify. */
int vmdk_write_stream_run(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                          const uint8_t *data, uint64_t *done)
{
    uint64_t grain = rel / e->grain_size, gd_index = grain / e->gtes_per_gt;
    uint32_t first = grain % e->gtes_per_gt, count = 0, *table;
    size_t stride = 2 * e->grain_size + 1024, *lens = NULL;
    uint8_t *out = NULL, *packed = NULL, *entries = NULL;
    uint64_t host = round_up_u64(e->file_end, 512), length = 0;
    int ret;

    *done = 0;
    if (!e->compressed || e->file_end == UINT64_MAX || rel % e->grain_size ||
        gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
        return 0;
    }
    ret = vmdk_load_gt(bs, e, e->gd[gd_index], &table);
    if (ret < 0) {
        return ret;
    }
    while (first + count < e->gtes_per_gt && (count + 1) * e->grain_size <= bytes &&
           !buffer_is_zero(data + count * e->grain_size, e->grain_size)) {
        count++;
    }
    if (count < 2) {
        return 0;
    }
    out = malloc(count * stride);
    packed = malloc(count * stride);
    lens = malloc(count * sizeof(*lens));
    entries = malloc(count * 4);
    ret = out && packed && lens && entries ? 0 : -ENOMEM;
    if (ret == 0) {
        format_deflate_clusters(data, count * e->grain_size, e->grain_size, 15, out, stride,
                                stride - 12 - 511, lens);
        for (uint32_t i = 0; i < count; i++) {
            ret = lens[i] ? ret : -EIO;
        }
    }
    if (ret == 0) {
        length = vmdk_pack_grains(e, rel, out, stride, lens, count, host, packed, entries);
        ret = (host + length) / 512 > UINT32_MAX ? -EFBIG : block_file_pwrite(e->file, host,
                                                                               length, packed);
        ret = ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
    }
    if (ret == 0) {
        e->file_end = host + length;
        e->stream_needs_eos = true;
        ret = vmdk_write_gtes(bs, e, gd_index, first, count, entries);
    }
    for (uint32_t i = 0; ret == 0 && i < count; i++) {
        table[first + i] = load_le32(entries + i * 4);
    }
    free(out);
    free(packed);
    free(lens);
    free(entries);
    *done = ret == 0 ? count * e->grain_size : 0;
    return ret;
}

int vmdk_write_eos(BlockDriverState *bs, VmdkExtent *e)
{
    uint8_t eos[512];
    int ret;

    memset(eos, 0, sizeof(eos));
    ret = block_file_pwrite(e->file, e->file_end, sizeof(eos), eos);
    if (ret < 0) {
        return vmdk_io_error(bs, e, "write", ret);
    }
    e->stream_needs_eos = false;
    return 0;
}
