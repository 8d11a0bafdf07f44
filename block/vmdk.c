/*
 * VMware virtual disks (VMDK): monolithicSparse, monolithicFlat and
 * streamOptimized read and write; twoGbMaxExtentSparse/Flat and other
 * descriptor-described sets of FLAT, SPARSE and ZERO extents read (and written
 * in place).
 *
 * VMware Virtual Disk Format 1.1. A disk is a text descriptor ("Descriptor
 * File") listing extents, either in its own file or embedded in a sparse
 * extent. A sparse extent starts with a little-endian header ("Hosted Sparse
 * Extent Header"): magic "KDMV", version, flags, capacity, grainSize,
 * descriptorOffset/Size, numGTEsPerGT, rgdOffset, gdOffset, overHead,
 * uncleanShutdown, four newline-check characters, compressAlgorithm (sizes and
 * offsets in sectors). The grain directory (GD) points to grain tables (GT) whose
 * entries (GTEs) hold each grain's sector: 0 not allocated, 1 a zeroed grain when
 * flag bit 2 is set. A redundant GD/GT copy is kept in step when flag bit 1 is
 * set. streamOptimized extents ("Stream-Optimized Compressed Sparse Extents")
 * hold DEFLATE-compressed grains (zlib format), each behind a marker {u64 lba,
 * u32 size}; a marker of size 0 is metadata, all-zero is end-of-stream; a
 * gdOffset of ~0 means the real header is the footer near the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "block/format-common.h"

#define VMDK4_MAGIC          0x564d444bu      /* "KDMV" */
#define VMDK_GD_AT_END       UINT64_MAX
#define VMDK_FLAG_NL_DETECT  (1u << 0)
#define VMDK_FLAG_RGD        (1u << 1)
#define VMDK_FLAG_ZERO_GRAIN (1u << 2)
#define VMDK_FLAG_COMPRESSED (1u << 16)
#define VMDK_FLAG_MARKERS    (1u << 17)
#define VMDK_GTE_ZEROED      1u
#define VMDK_MARKER_EOS      0
#define VMDK_MARKER_FOOTER   3
#define VMDK_GT_CACHE_SIZE   16
#define VMDK_MAX_DESCRIPTOR  (1u << 20)
#define VMDK_MAX_EXTENTS     1024
#define VMDK_MAX_GD_ENTRIES  (64u << 20)

enum {
    HDR_MAGIC = 0, HDR_VERSION = 4, HDR_FLAGS = 8, HDR_CAPACITY = 12, HDR_GRAIN_SIZE = 20,
    HDR_DESC_OFFSET = 28, HDR_DESC_SIZE = 36, HDR_GTES_PER_GT = 44, HDR_RGD_OFFSET = 48,
    HDR_GD_OFFSET = 56, HDR_OVERHEAD = 64, HDR_UNCLEAN = 72, HDR_NL_CHARS = 73,
    HDR_COMPRESS_ALGORITHM = 77,
};

typedef enum { EXTENT_FLAT, EXTENT_SPARSE, EXTENT_ZERO } VmdkExtentType;

typedef struct VmdkGtCacheEntry {
    uint64_t gt_sector;         /* 0 for a free slot */
    uint32_t *table;            /* host byte order */
    uint64_t last_use;
} VmdkGtCacheEntry;

typedef struct VmdkExtent {
    VmdkExtentType type;
    BlockFile *file;
    bool owns_file;             /* false when it is bs->file */
    char filename[4096];        /* as named in the descriptor, then as opened */
    uint64_t start, length;     /* bytes of the virtual disk it covers */
    uint64_t flat_offset;       /* FLAT: where its data starts in the file */
    /* SPARSE */
    uint32_t version, flags;
    uint64_t grain_size;        /* bytes */
    uint32_t gtes_per_gt;
    uint32_t gd_entries;
    uint32_t *gd, *rgd;         /* sectors of GTs and their redundant copies */
    VmdkGtCacheEntry gt_cache[VMDK_GT_CACHE_SIZE];
    uint64_t use_counter;
    bool compressed, has_markers;
    uint64_t file_end;          /* where the next grain goes */
    bool stream_needs_eos;      /* grains appended since the end-of-stream marker */
} VmdkExtent;

typedef struct VmdkState {
    VmdkExtent *extents;
    int extent_count;
    uint32_t cid, parent_cid;
    char create_type[64];
    uint8_t *grain_buf;         /* one decompressed grain */
    const VmdkExtent *grain_buf_extent;
    uint64_t grain_buf_gte;
    uint8_t *compressed_buf;
    size_t compressed_buf_size;
} VmdkState;

static int vmdk_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size >= 4 && load_le32(buf) == VMDK4_MAGIC) {
        return 100;
    }
    /* a text descriptor: "# Disk DescriptorFile" and createType (VMDK 1.1, 4) */
    if (buf_size >= 21 && memcmp(buf, "# Disk DescriptorFile", 21) == 0) {
        return 100;
    }
    if (buf && buf_size > 0 && memmem(buf, buf_size, "createType=", 11) &&
        memmem(buf, buf_size, "version=", 8)) {
        return 50;
    }
    return 0;
}

static int vmdk_io_error(BlockDriverState *bs, const VmdkExtent *e, const char *what, int ret)
{
    bdrv_set_error(bs, "%s: %s error in extent '%s': %s", bs->filename, what, e->filename,
                   strerror(-ret));
    return ret;
}

/* ---- descriptor ---- */

/* The value of key="value" or key = "value" (quotes optional) on its own line. */
static bool descriptor_get(const char *desc, const char *key, char *out, size_t size)
{
    size_t key_len = strlen(key);
    for (const char *line = desc; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, key, key_len) != 0) {
            continue;
        }
        p += key_len;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p++ != '=') {
            continue;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        bool quoted = *p == '"';
        p += quoted;
        size_t n = 0;
        while (p[n] && p[n] != '\n' && p[n] != '\r' && (quoted ? p[n] != '"' : p[n] != ' ')) {
            n++;
        }
        if (n >= size) {
            return false;
        }
        memcpy(out, p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* One extent line: ACCESS SIZE TYPE ["FILENAME" [OFFSET]] (VMDK 1.1, "Extent
 * Descriptions"); 1 when parsed, 0 when the line is not an extent, -1 if bad. */
static int parse_extent_line(const char *line, char *type, uint64_t *sectors, char *name,
                             size_t name_size, uint64_t *offset)
{
    char access[16];
    int used = 0;

    if (sscanf(line, "%15s %" SCNu64 " %15s %n", access, sectors, type, &used) < 3) {
        return 0;
    }
    if (strcmp(access, "RW") != 0 && strcmp(access, "RDONLY") != 0 &&
        strcmp(access, "NOACCESS") != 0) {
        return 0;
    }
    name[0] = '\0';
    *offset = 0;
    line += used;
    if (*line == '"') {
        const char *end = strchr(line + 1, '"');
        if (!end || (size_t)(end - line - 1) >= name_size) {
            return -1;
        }
        memcpy(name, line + 1, end - line - 1);
        name[end - line - 1] = '\0';
        line = end + 1;
        if (sscanf(line, " %" SCNu64, offset) < 1) {
            *offset = 0;
        }
    }
    return 1;
}

/* ---- sparse extents ---- */

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
    if (grain_sectors == 0 || (grain_sectors & (grain_sectors - 1)) || grain_sectors > 65536) {
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

static int vmdk_open_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, bool whole_disk)
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
    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        e->gt_cache[i].table = malloc((size_t)e->gtes_per_gt * 4);
        if (!e->gt_cache[i].table) {
            bdrv_set_error(bs, "out of memory for VMDK grain tables");
            return -ENOMEM;
        }
    }
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
            uint64_t overhead = load_le64(h + HDR_OVERHEAD) * 512;
            if ((uint64_t)file_len >= overhead + 512 && file_len % 512 == 0 &&
                block_file_pread(e->file, file_len - 512, 512, tail) == 0 &&
                buffer_is_zero(tail, 512)) {
                e->file_end = file_len - 512;
            }
        }
    }
    return 0;
}

/* The GT at gt_sector, through a small least-recently-used cache (written
 * through, so eviction needs no write). */
static int vmdk_load_gt(BlockDriverState *bs, VmdkExtent *e, uint64_t gt_sector, uint32_t **table)
{
    VmdkGtCacheEntry *victim = &e->gt_cache[0];
    int ret;

    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        VmdkGtCacheEntry *c = &e->gt_cache[i];
        if (c->gt_sector == gt_sector) {
            c->last_use = ++e->use_counter;
            *table = c->table;
            return 0;
        }
        if (c->last_use < victim->last_use) {
            victim = c;
        }
    }
    victim->gt_sector = 0;
    ret = block_file_pread(e->file, gt_sector * 512, (uint64_t)e->gtes_per_gt * 4, victim->table);
    if (ret < 0) {
        return vmdk_io_error(bs, e, "read", ret);
    }
    for (uint32_t i = 0; i < e->gtes_per_gt; i++) {
        victim->table[i] = load_le32(&victim->table[i]);
    }
    victim->gt_sector = gt_sector;
    victim->last_use = ++e->use_counter;
    *table = victim->table;
    return 0;
}

/* The GTE of the grain holding rel (an offset inside the extent); 0 when its
 * grain table does not exist. */
static int vmdk_get_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t *gte)
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

static bool vmdk_gte_is_zeroed(const VmdkExtent *e, uint32_t gte)
{
    return gte == VMDK_GTE_ZEROED && (e->flags & VMDK_FLAG_ZERO_GRAIN);
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
static int vmdk_read_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                            uint64_t n, uint8_t *out)
{
    uint64_t in_grain = rel % e->grain_size;
    uint32_t gte;
    int ret = vmdk_get_gte(bs, e, rel, &gte);

    if (ret < 0) {
        return ret;
    }
    if (gte == 0) {
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
    ret = block_file_pread(e->file, (uint64_t)gte * 512 + in_grain, n, out);
    return ret < 0 ? vmdk_io_error(bs, e, "read", ret) : 0;
}

static VmdkExtent *vmdk_find_extent(VmdkState *s, uint64_t offset)
{
    for (int i = 0; i < s->extent_count; i++) {
        if (offset - s->extents[i].start < s->extents[i].length) {
            return &s->extents[i];
        }
    }
    return NULL;
}

/* The bytes from rel to the end of its grain (sparse) or extent (others). */
static uint64_t vmdk_chunk(const VmdkExtent *e, uint64_t rel, uint64_t bytes)
{
    uint64_t n = e->length - rel;
    if (e->type == EXTENT_SPARSE && e->grain_size - rel % e->grain_size < n) {
        n = e->grain_size - rel % e->grain_size;
    }
    return n < bytes ? n : bytes;
}

static int vmdk_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    VmdkState *s = bs->opaque;
    uint8_t *out = buf;
    int ret = 0;

    while (bytes > 0) {
        VmdkExtent *e = vmdk_find_extent(s, offset);
        if (!e) {
            bdrv_set_error(bs, "%s: offset %" PRIu64 " is in no extent", bs->filename, offset);
            return -EIO;
        }
        uint64_t rel = offset - e->start, n = vmdk_chunk(e, rel, bytes);
        if (e->type == EXTENT_ZERO) {
            memset(out, 0, n);
        } else if (e->type == EXTENT_FLAT) {
            ret = block_file_pread(e->file, e->flat_offset + rel, n, out);
            ret = ret < 0 ? vmdk_io_error(bs, e, "read", ret) : 0;
        } else {
            ret = vmdk_read_sparse(bs, s, e, rel, n, out);
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
        out += n;
    }
    return 0;
}

/* ---- writing ---- */

/* Points the grain holding rel at gte, in the GT and its redundant copy. */
static int vmdk_set_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t gte)
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
            ret = format_read_unallocated(bs, e->start + grain_start, e->grain_size, s->grain_buf);
        } else if (vmdk_gte_is_zeroed(e, gte)) {
            memset(s->grain_buf, 0, e->grain_size);
        } else if (e->compressed) {
            ret = vmdk_read_compressed(bs, s, e, gte);
        } else {
            ret = block_file_pread(e->file, (uint64_t)gte * 512, e->grain_size, s->grain_buf);
            ret = ret < 0 ? vmdk_io_error(bs, e, "read", ret) : 0;
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

static int vmdk_write_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
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
        return -ENOTSUP;
    }
    if (gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
        bdrv_set_error(bs, "%s: extent '%s' has no grain table for offset %" PRIu64,
                       bs->filename, e->filename, e->start + rel);
        return -ENOTSUP;
    }
    ret = vmdk_merge_grain(bs, s, e, rel, n, data, gte);
    if (ret == 0) {
        ret = vmdk_append_grain(bs, s, e, rel, &sector);
    }
    return ret < 0 ? ret : vmdk_set_gte(bs, e, rel, sector);
}

static int vmdk_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                       int flags)
{
    VmdkState *s = bs->opaque;
    const uint8_t *in = buf;
    int ret = 0;

    while (bytes > 0) {
        VmdkExtent *e = vmdk_find_extent(s, offset);
        if (!e) {
            bdrv_set_error(bs, "%s: offset %" PRIu64 " is in no extent", bs->filename, offset);
            return -EIO;
        }
        uint64_t rel = offset - e->start, n = vmdk_chunk(e, rel, bytes);
        if (e->type == EXTENT_ZERO) {
            bdrv_set_error(bs, "%s: cannot write to a ZERO extent", bs->filename);
            return -EACCES;
        } else if (e->type == EXTENT_FLAT) {
            ret = block_file_pwrite(e->file, e->flat_offset + rel, n, in);
            ret = ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
        } else {
            ret = vmdk_write_sparse(bs, s, e, rel, n, in);
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
        in += n;
    }
    return 0;
}

/* Zeros written as data (a grain that only partly becomes zero needs it). */
static int vmdk_write_zero_buffers(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    uint64_t chunk = bytes < (1u << 20) ? bytes : (1u << 20);
    uint8_t *zeros = calloc(1, chunk ? chunk : 1);
    int ret = 0;

    if (!zeros) {
        return -ENOMEM;
    }
    while (bytes > 0 && ret == 0) {
        uint64_t n = bytes < chunk ? bytes : chunk;
        ret = vmdk_pwrite(bs, offset, n, zeros, 0);
        offset += n;
        bytes -= n;
    }
    free(zeros);
    return ret;
}

/* Whole grains of extents with zeroed-grain GTEs become GTE 1; anything else is
 * written as zeros (which leaves unallocated grains alone when nothing is below). */
static int vmdk_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);
    uint64_t rel = e ? offset - e->start : 0;
    int ret;

    if (!e || e->type != EXTENT_SPARSE || !(e->flags & VMDK_FLAG_ZERO_GRAIN) ||
        rel % e->grain_size || bytes % e->grain_size || bytes > e->length - rel) {
        return vmdk_write_zero_buffers(bs, offset, bytes);
    }
    for (uint64_t done = 0; done < bytes; done += e->grain_size) {
        uint64_t gd_index = (rel + done) / e->grain_size / e->gtes_per_gt;
        if (gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
            return vmdk_write_zero_buffers(bs, offset + done, bytes - done);
        }
        ret = vmdk_set_gte(bs, e, rel + done, VMDK_GTE_ZEROED);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* convert -c: only stream-optimized extents hold compressed grains, and they
 * compress every grain anyway. */
static int vmdk_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                  const void *buf)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);

    if (!e || e->type != EXTENT_SPARSE || !e->compressed) {
        bdrv_set_error(bs, "%s: compression is only supported for streamOptimized VMDK images",
                       bs->filename);
        return -ENOTSUP;
    }
    return vmdk_pwrite(bs, offset, bytes, buf, 0);
}

static int vmdk_write_eos(BlockDriverState *bs, VmdkExtent *e)
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

static int vmdk_flush(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;
    int ret;

    for (int i = 0; i < s->extent_count; i++) {
        VmdkExtent *e = &s->extents[i];
        if (e->stream_needs_eos && (ret = vmdk_write_eos(bs, e)) < 0) {
            return ret;
        }
        if (e->owns_file && !bs->read_only && (ret = block_file_flush(e->file)) < 0) {
            return vmdk_io_error(bs, e, "flush", ret);
        }
    }
    return 0;
}

/* ---- opening ---- */

static void vmdk_free_extent(VmdkExtent *e)
{
    free(e->gd);
    free(e->rgd);
    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        free(e->gt_cache[i].table);
    }
    if (e->owns_file && e->file) {
        block_file_close(e->file);
    }
}

static void vmdk_close(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;

    if (!bs->read_only) {
        for (int i = 0; i < s->extent_count; i++) {
            if (s->extents[i].stream_needs_eos) {
                vmdk_write_eos(bs, &s->extents[i]);
            }
        }
    }
    for (int i = 0; i < s->extent_count; i++) {
        vmdk_free_extent(&s->extents[i]);
    }
    free(s->extents);
    free(s->grain_buf);
    free(s->compressed_buf);
    memset(s, 0, sizeof(*s));
}

static VmdkExtent *vmdk_add_extent(BlockDriverState *bs, VmdkState *s)
{
    VmdkExtent *grown;

    if (s->extent_count >= VMDK_MAX_EXTENTS) {
        bdrv_set_error(bs, "too many VMDK extents");
        return NULL;
    }
    grown = realloc(s->extents, (s->extent_count + 1) * sizeof(*grown));
    if (!grown) {
        bdrv_set_error(bs, "out of memory");
        return NULL;
    }
    s->extents = grown;
    memset(&grown[s->extent_count], 0, sizeof(*grown));
    return &grown[s->extent_count++];
}

static int vmdk_extent_type(BlockDriverState *bs, const char *type, VmdkExtentType *out)
{
    if (strcmp(type, "FLAT") == 0 || strcmp(type, "VMFS") == 0) {
        *out = EXTENT_FLAT;
    } else if (strcmp(type, "SPARSE") == 0) {
        *out = EXTENT_SPARSE;
    } else if (strcmp(type, "ZERO") == 0) {
        *out = EXTENT_ZERO;
    } else {
        bdrv_set_error(bs, "unsupported VMDK extent type '%s'", type);
        return -ENOTSUP;
    }
    return 0;
}

/* Opens the file of extent e, named relative to the descriptor's folder. */
static int vmdk_open_extent_file(BlockDriverState *bs, VmdkExtent *e)
{
    char path[4096];
    BlockErrorInfo err = { "" };
    int ret;

    /* A descriptor is text anyone can write: an image opened for writing may only
     * reach extent files in its own folder, never absolute or ".." paths. */
    if ((bs->open_flags & BDRV_O_RDWR) &&
        (e->filename[0] == '/' || strcmp(e->filename, "..") == 0 ||
         strncmp(e->filename, "../", 3) == 0 || strstr(e->filename, "/../") ||
         (strlen(e->filename) >= 3 && strcmp(e->filename + strlen(e->filename) - 3, "/..") == 0))) {
        bdrv_set_error(bs, "extent file '%s' is outside the image's folder (open it read-only)",
                       e->filename);
        return -EPERM;
    }
    bdrv_resolve_backing_name(bs->filename, e->filename, path, sizeof(path));
    ret = block_file_open(path, bs->open_flags & (BDRV_O_RDWR | BDRV_O_NOCACHE | BDRV_O_NATIVE_AIO),
                          &e->file, &err);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot open extent file: %s", err.msg);
        return ret;
    }
    snprintf(e->filename, sizeof(e->filename), "%s", path);
    e->owns_file = true;
    return 0;
}

static int vmdk_add_described_extent(BlockDriverState *bs, VmdkState *s, const char *line,
                                     bool embedded)
{
    char type_name[16], name[1024];
    uint64_t sectors, offset;
    VmdkExtentType type;
    VmdkExtent *e;
    int ret = parse_extent_line(line, type_name, &sectors, name, sizeof(name), &offset);

    if (ret <= 0) {
        if (ret < 0) {
            bdrv_set_error(bs, "invalid VMDK extent line");
            return -EINVAL;
        }
        return 0;
    }
    if (vmdk_extent_type(bs, type_name, &type) < 0) {
        return -ENOTSUP;
    }
    if (sectors > (1ull << 50) || (type != EXTENT_ZERO && !name[0])) {
        bdrv_set_error(bs, "invalid VMDK extent line");
        return -EINVAL;
    }
    if (embedded && (type != EXTENT_SPARSE || s->extent_count > 0)) {
        bdrv_set_error(bs, "unsupported extents in an embedded VMDK descriptor");
        return -ENOTSUP;
    }
    e = vmdk_add_extent(bs, s);
    if (!e) {
        return -ENOMEM;
    }
    e->type = type;
    e->start = s->extent_count > 1 ? e[-1].start + e[-1].length : 0;
    e->length = sectors * 512;
    e->flat_offset = offset * 512;
    snprintf(e->filename, sizeof(e->filename), "%s", name);
    if (type == EXTENT_ZERO) {
        return 0;
    }
    if (embedded) {
        e->file = bs->file;
        snprintf(e->filename, sizeof(e->filename), "%s", bs->filename);
    } else if ((ret = vmdk_open_extent_file(bs, e)) < 0) {
        return ret;
    }
    return type == EXTENT_SPARSE ? vmdk_open_sparse(bs, s, e, false) : 0;
}

static void vmdk_parse_ids(BlockDriverState *bs, VmdkState *s, const char *desc)
{
    char value[64];

    s->cid = descriptor_get(desc, "CID", value, sizeof(value)) ? strtoul(value, NULL, 16) : 0;
    s->parent_cid = descriptor_get(desc, "parentCID", value, sizeof(value))
                    ? strtoul(value, NULL, 16) : UINT32_MAX;
    if (!descriptor_get(desc, "createType", s->create_type, sizeof(s->create_type))) {
        s->create_type[0] = '\0';
    }
    if (!descriptor_get(desc, "parentFileNameHint", bs->backing_file, sizeof(bs->backing_file))) {
        bs->backing_file[0] = '\0';
    }
}

static int vmdk_open_descriptor(BlockDriverState *bs, VmdkState *s, const char *desc, bool embedded)
{
    int ret;

    vmdk_parse_ids(bs, s, desc);
    if (strcmp(s->create_type, "vmfsSparse") == 0 || strcmp(s->create_type, "seSparse") == 0) {
        bdrv_set_error(bs, "unsupported VMDK create type '%s'", s->create_type);
        return -ENOTSUP;
    }
    for (const char *line = desc; *line;) {
        const char *end = strchr(line, '\n');
        char copy[2048];
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len < sizeof(copy)) {
            memcpy(copy, line, len);
            copy[len] = '\0';
            ret = vmdk_add_described_extent(bs, s, copy, embedded);
            if (ret < 0) {
                return ret;
            }
        }
        line += len + (end != NULL);
    }
    if (s->extent_count == 0) {
        bdrv_set_error(bs, "VMDK descriptor lists no extents");
        return -EINVAL;
    }
    return 0;
}

/* A descriptor of at most VMDK_MAX_DESCRIPTOR bytes at offset, NUL-terminated. */
static int vmdk_read_text(BlockDriverState *bs, uint64_t offset, uint64_t size, char **out)
{
    char *text;
    int ret;

    if (size > VMDK_MAX_DESCRIPTOR) {
        bdrv_set_error(bs, "VMDK descriptor too large (%" PRIu64 " bytes)", size);
        return -EFBIG;
    }
    text = malloc(size + 1);
    if (!text) {
        return -ENOMEM;
    }
    ret = block_file_pread(bs->file, offset, size, text);
    if (ret < 0) {
        free(text);
        bdrv_set_error(bs, "cannot read the VMDK descriptor: %s", strerror(-ret));
        return ret;
    }
    text[size] = '\0';
    *out = text;
    return 0;
}

static int vmdk_open_layout(BlockDriverState *bs, VmdkState *s, int64_t file_len)
{
    uint8_t h[512];
    char *desc = NULL;
    int ret = block_file_pread(bs->file, 0, file_len < 512 ? file_len : 512, h);

    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the VMDK header: %s", strerror(-ret));
        return ret;
    }
    if (file_len >= 4 && load_le32(h) == VMDK4_MAGIC) {
        uint64_t desc_offset = load_le64(h + HDR_DESC_OFFSET);
        uint64_t desc_size = load_le64(h + HDR_DESC_SIZE);
        if (desc_offset == 0 || desc_size == 0) {
            VmdkExtent *e = vmdk_add_extent(bs, s);
            if (!e) {
                return -ENOMEM;
            }
            e->type = EXTENT_SPARSE;
            e->file = bs->file;
            snprintf(e->filename, sizeof(e->filename), "%s", bs->filename);
            snprintf(s->create_type, sizeof(s->create_type), "monolithicSparse");
            s->parent_cid = UINT32_MAX;
            return vmdk_open_sparse(bs, s, e, true);
        }
        if (desc_size > VMDK_MAX_DESCRIPTOR / 512) {
            bdrv_set_error(bs, "VMDK descriptor too large");
            return -EFBIG;
        }
        ret = vmdk_read_text(bs, desc_offset * 512, desc_size * 512, &desc);
        if (ret == 0) {
            ret = vmdk_open_descriptor(bs, s, desc, true);
        }
    } else {
        ret = vmdk_read_text(bs, 0, file_len, &desc);
        /* other tools pad the descriptor with NULs to a whole sector */
        if (ret == 0 && !buffer_is_zero(desc + strlen(desc), file_len - strlen(desc))) {
            bdrv_set_error(bs, "not a VMDK descriptor (binary data)");
            ret = -EINVAL;
        }
        if (ret == 0) {
            ret = vmdk_open_descriptor(bs, s, desc, false);
        }
    }
    free(desc);
    return ret;
}

static int vmdk_open(BlockDriverState *bs, QDict *options, int flags)
{
    VmdkState *s = bs->opaque;
    int64_t file_len = block_file_length(bs->file);
    uint64_t max_grain = 512;
    int ret;

    if (file_len < 0) {
        bdrv_set_error(bs, "cannot get the file size: %s", strerror((int)-file_len));
        return (int)file_len;
    }
    ret = vmdk_open_layout(bs, s, file_len);
    if (ret < 0) {
        vmdk_close(bs);
        return ret;
    }
    bs->total_size = 0;
    for (int i = 0; i < s->extent_count; i++) {
        VmdkExtent *e = &s->extents[i];
        e->start = bs->total_size;
        bs->total_size += e->length;
        if (e->type == EXTENT_SPARSE && e->grain_size > max_grain) {
            max_grain = e->grain_size;
        }
    }
    s->grain_buf = malloc(max_grain);
    if (!s->grain_buf) {
        vmdk_close(bs);
        bdrv_set_error(bs, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* ---- status, info, check ---- */

static int vmdk_sparse_status(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                              uint64_t *pnum, uint64_t *map)
{
    uint64_t in_grain = rel % e->grain_size;
    uint64_t gt_span = e->grain_size * e->gtes_per_gt;
    uint64_t limit = gt_span - rel % gt_span;
    uint32_t first, gte;
    int ret = vmdk_get_gte(bs, e, rel, &first);

    if (ret < 0) {
        return ret;
    }
    *pnum = e->grain_size - in_grain;
    bool plain = first > VMDK_GTE_ZEROED && !e->compressed;
    while (*pnum < bytes && *pnum < limit && (plain || first == 0 || vmdk_gte_is_zeroed(e, first))) {
        ret = vmdk_get_gte(bs, e, rel + *pnum, &gte);
        if (ret < 0) {
            return ret;
        }
        if (plain ? (uint64_t)gte * 512 != (uint64_t)first * 512 + in_grain + *pnum : gte != first) {
            break;
        }
        *pnum += e->grain_size;
    }
    if (first == 0) {
        return bs->backing ? 0 : BDRV_BLOCK_ZERO;
    }
    if (vmdk_gte_is_zeroed(e, first)) {
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    }
    if (e->compressed) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    }
    if (e->file != bs->file) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }
    if (*pnum > bytes) {
        *pnum = bytes;
    }
    *map = (uint64_t)first * 512 + in_grain;
    return format_data_status(bs->file, *map, pnum);
}

static int vmdk_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             uint64_t *pnum, uint64_t *map)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);
    uint64_t rel;
    int ret;

    if (!e) {
        *pnum = bytes;
        return BDRV_BLOCK_ZERO;
    }
    rel = offset - e->start;
    if (bytes > e->length - rel) {
        bytes = e->length - rel;
    }
    switch (e->type) {
    case EXTENT_ZERO:
        *pnum = bytes;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case EXTENT_FLAT:
        *pnum = bytes;
        ret = format_data_status(e->file, e->flat_offset + rel, pnum);
        if (ret < 0 || e->file == bs->file) {
            *map = e->flat_offset + rel;
            return ret;
        }
        /* the offset would be in another file than the one map names */
        return ret & ~BDRV_BLOCK_OFFSET_VALID;
    default:
        ret = vmdk_sparse_status(bs, e, rel, bytes, pnum, map);
        if (*pnum > bytes) {
            *pnum = bytes;
        }
        return ret;
    }
}

static int vmdk_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    VmdkState *s = bs->opaque;
    bdi->cluster_size = 0;
    for (int i = 0; i < s->extent_count; i++) {
        if (s->extents[i].type == EXTENT_SPARSE) {
            bdi->cluster_size = s->extents[i].grain_size;
            break;
        }
    }
    bdi->is_dirty = false;
    return 0;
}

static const char *vmdk_extent_format(const VmdkState *s, const VmdkExtent *e)
{
    if (e->type == EXTENT_ZERO) {
        return "ZERO";
    }
    if (e->type == EXTENT_FLAT) {
        return "FLAT";
    }
    return e->owns_file ? "SPARSE" : "";
}

static void vmdk_print_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void vmdk_dump_extent(const VmdkState *s, const VmdkExtent *e, FILE *out, bool json)
{
    if (json) {
        fprintf(out, "                {\n");
        if (e->compressed) {
            fprintf(out, "                    \"compressed\": true,\n");
        }
        fprintf(out, "                    \"virtual-size\": %" PRIu64 ",\n", e->length);
        fprintf(out, "                    \"filename\": ");
        vmdk_print_json_string(out, e->filename);
        if (e->type == EXTENT_SPARSE) {
            fprintf(out, ",\n                    \"cluster-size\": %" PRIu64, e->grain_size);
        }
        fprintf(out, ",\n                    \"format\": \"%s\"\n                }",
                vmdk_extent_format(s, e));
        return;
    }
    if (e->compressed) {
        fprintf(out, "            compressed: true\n");
    }
    fprintf(out, "            virtual size: %" PRIu64 "\n", e->length);
    fprintf(out, "            filename: %s\n", e->filename);
    if (e->type == EXTENT_SPARSE) {
        fprintf(out, "            cluster size: %" PRIu64 "\n", e->grain_size);
    }
    fprintf(out, "            format: %s\n", vmdk_extent_format(s, e));
}

static void vmdk_dump_info(BlockDriverState *bs, FILE *out, bool json)
{
    VmdkState *s = bs->opaque;

    if (json) {
        fprintf(out, "{\n        \"type\": \"vmdk\",\n        \"data\": {\n");
        fprintf(out, "            \"cid\": %u,\n            \"parent-cid\": %u,\n", s->cid,
                s->parent_cid);
        fprintf(out, "            \"create-type\": ");
        vmdk_print_json_string(out, s->create_type);
        fprintf(out, ",\n            \"extents\": [\n");
        for (int i = 0; i < s->extent_count; i++) {
            vmdk_dump_extent(s, &s->extents[i], out, true);
            fprintf(out, "%s\n", i + 1 < s->extent_count ? "," : "");
        }
        fprintf(out, "            ]\n        }\n    }");
        return;
    }
    fprintf(out, "Format specific information:\n    cid: %u\n    parent cid: %u\n", s->cid,
            s->parent_cid);
    fprintf(out, "    create type: %s\n    extents:\n", s->create_type);
    for (int i = 0; i < s->extent_count; i++) {
        fprintf(out, "        [%d]:\n", i);
        vmdk_dump_extent(s, &s->extents[i], out, false);
    }
}

/* Every allocated grain must lie inside its extent's file; like qemu-img, the
 * check stops at the first that does not (the image cannot be trusted further). */
static int vmdk_check_extent(BlockDriverState *bs, VmdkExtent *e, BlockCheckResult *res)
{
    int64_t file_len = block_file_length(e->file);
    uint32_t gte;

    for (uint64_t rel = 0; rel < e->length; rel += e->grain_size) {
        uint64_t gd_index = rel / e->grain_size / e->gtes_per_gt;
        if (gd_index < e->gd_entries && e->gd[gd_index] != 0 &&
            (uint64_t)e->gd[gd_index] * 512 + (uint64_t)e->gtes_per_gt * 4 > (uint64_t)file_len) {
            fprintf(stderr, "ERROR: grain table for sector %" PRIu64 " points after EOF\n",
                    (e->start + rel) / 512);
            res->corruptions++;
            return -EINVAL;
        }
        if (vmdk_get_gte(bs, e, rel, &gte) < 0) {
            res->check_errors++;
            return -EIO;
        }
        if (gte > VMDK_GTE_ZEROED && (uint64_t)gte * 512 + (e->compressed ? 0 : e->grain_size - 1) >=
                                     (uint64_t)file_len) {
            fprintf(stderr, "ERROR: cluster offset for sector %" PRIu64 " points after EOF\n",
                    (e->start + rel) / 512);
            res->corruptions++;
            return -EINVAL;
        }
    }
    return 0;
}

static int vmdk_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    VmdkState *s = bs->opaque;

    for (int i = 0; i < s->extent_count; i++) {
        if (s->extents[i].type == EXTENT_SPARSE) {
            int ret = vmdk_check_extent(bs, &s->extents[i], res);
            if (ret < 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* ---- creation ---- */

typedef struct VmdkCreateParams {
    uint64_t sectors;
    const char *subformat;
    const char *adapter_type;
    const char *hwversion;
    const char *toolsversion;
    bool zeroed_grain;
    bool stream;
    uint32_t cid, parent_cid;
    const char *backing;
} VmdkCreateParams;

static uint32_t vmdk_random_cid(void)
{
    uint32_t cid = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&cid, sizeof(cid), 1, f) != 1) {
        cid = (uint32_t)time(NULL) * 2654435761u;
    }
    if (f) {
        fclose(f);
    }
    return cid == UINT32_MAX ? 1 : cid;
}

/* The descriptor text ("Descriptor File"): header, one extent line, disk database. */
static char *vmdk_make_descriptor(const VmdkCreateParams *p, const char *extent_line)
{
    bool ide = strcmp(p->adapter_type, "ide") == 0;
    unsigned heads = ide ? 16 : 255, sectors_per_track = 63;
    uint64_t cylinders = p->sectors / (heads * sectors_per_track);
    char parent[4200] = "";
    char *text = NULL;

    if (cylinders > 16383) {
        cylinders = 16383;
    }
    if (p->backing) {
        snprintf(parent, sizeof(parent), "parentFileNameHint=\"%s\"\n", p->backing);
    }
    if (asprintf(&text,
                 "# Disk DescriptorFile\nversion=1\nCID=%08x\nparentCID=%08x\n"
                 "createType=\"%s\"\n%s\n# Extent description\n%s\n\n"
                 "# The Disk Data Base\n#DDB\n\n"
                 "ddb.virtualHWVersion = \"%s\"\nddb.geometry.cylinders = \"%" PRIu64 "\"\n"
                 "ddb.geometry.heads = \"%u\"\nddb.geometry.sectors = \"%u\"\n"
                 "ddb.adapterType = \"%s\"\nddb.toolsVersion = \"%s\"\n",
                 p->cid, p->parent_cid, p->subformat, parent, extent_line, p->hwversion,
                 cylinders, heads, sectors_per_track, p->adapter_type, p->toolsversion) < 0) {
        return NULL;
    }
    return text;
}

/* The file name as the descriptor records it: its last path component. */
static const char *vmdk_base_name(const char *filename)
{
    const char *slash = strrchr(filename, '/');
    return slash ? slash + 1 : filename;
}

/* Sparse extent layout as VMware lays it out: header, embedded descriptor (20
 * sectors), redundant GD, redundant GTs, GD, GTs, padded to a whole grain. */
static int vmdk_write_sparse_extent(BlockFile *file, const VmdkCreateParams *p, const char *desc)
{
    const uint64_t grain = 128, gtes = 512, desc_offset = 1, desc_sectors = 20;
    uint64_t gd_entries = div_round_up_u64(p->sectors, grain * gtes);
    uint64_t gd_sectors = div_round_up_u64(gd_entries * 4, 512);
    uint64_t gt_sectors = gtes * 4 / 512;
    uint64_t rgd = desc_offset + desc_sectors, rgt = rgd + gd_sectors;
    uint64_t gd = rgt + gd_entries * gt_sectors, gt = gd + gd_sectors;
    uint64_t overhead = round_up_u64(gt + gd_entries * gt_sectors, grain);
    uint8_t h[512];
    uint8_t *tables;
    int ret;

    memset(h, 0, sizeof(h));
    store_le32(h + HDR_MAGIC, VMDK4_MAGIC);
    store_le32(h + HDR_VERSION, p->stream ? 3 : p->zeroed_grain ? 2 : 1);
    store_le32(h + HDR_FLAGS, VMDK_FLAG_NL_DETECT | VMDK_FLAG_RGD |
               (p->zeroed_grain ? VMDK_FLAG_ZERO_GRAIN : 0) |
               (p->stream ? VMDK_FLAG_COMPRESSED | VMDK_FLAG_MARKERS : 0));
    store_le64(h + HDR_CAPACITY, p->sectors);
    store_le64(h + HDR_GRAIN_SIZE, grain);
    store_le64(h + HDR_DESC_OFFSET, desc_offset);
    store_le64(h + HDR_DESC_SIZE, desc_sectors);
    store_le32(h + HDR_GTES_PER_GT, gtes);
    store_le64(h + HDR_RGD_OFFSET, rgd);
    store_le64(h + HDR_GD_OFFSET, gd);
    store_le64(h + HDR_OVERHEAD, overhead);
    memcpy(h + HDR_NL_CHARS, "\n \r\n", 4);
    store_le16(h + HDR_COMPRESS_ALGORITHM, p->stream ? 1 : 0);

    tables = calloc(overhead - rgd, 512);
    if (!tables) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < gd_entries; i++) {
        store_le32(tables + i * 4, rgt + i * gt_sectors);
        store_le32(tables + (gd - rgd) * 512 + i * 4, gt + i * gt_sectors);
    }
    ret = block_file_pwrite(file, 0, sizeof(h), h);
    if (ret == 0 && desc) {
        ret = block_file_pwrite(file, desc_offset * 512, strlen(desc), desc);
    }
    if (ret == 0) {
        ret = block_file_pwrite(file, rgd * 512, (overhead - rgd) * 512, tables);
    }
    free(tables);
    return ret;
}

static int vmdk_create_flat(const char *filename, VmdkCreateParams *p, BlockErrorInfo *err)
{
    char flat_name[4096], line[4400];
    size_t len = strlen(filename);
    BlockFile *file;
    char *desc;
    int ret;

    if (len > 5 && strcmp(filename + len - 5, ".vmdk") == 0) {
        snprintf(flat_name, sizeof(flat_name), "%.*s-flat.vmdk", (int)(len - 5), filename);
    } else {
        snprintf(flat_name, sizeof(flat_name), "%s-flat.vmdk", filename);
    }
    snprintf(line, sizeof(line), "RW %" PRIu64 " FLAT \"%s\" 0", p->sectors,
             vmdk_base_name(flat_name));
    ret = format_create_file(flat_name, &file, err);
    if (ret < 0) {
        return ret;
    }
    ret = block_file_truncate(file, p->sectors * 512);
    block_file_close(file);
    desc = vmdk_make_descriptor(p, line);
    if (ret < 0 || !desc) {
        free(desc);
        block_error_set(err, "%s: cannot write: %s", flat_name,
                 strerror(ret < 0 ? -ret : ENOMEM));
        return ret < 0 ? ret : -ENOMEM;
    }
    ret = format_create_file(filename, &file, err);
    if (ret == 0) {
        ret = block_file_pwrite(file, 0, strlen(desc), desc);
        if (ret == 0) {
            ret = block_file_flush(file);
        }
        block_file_close(file);
        if (ret < 0) {
            block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
        }
    }
    free(desc);
    return ret;
}

static int vmdk_create_monolithic(const char *filename, VmdkCreateParams *p, BlockErrorInfo *err)
{
    char line[4400];
    BlockFile *file;
    char *desc;
    int ret;

    snprintf(line, sizeof(line), "RW %" PRIu64 " SPARSE \"%s\"", p->sectors,
             vmdk_base_name(filename));
    desc = vmdk_make_descriptor(p, line);
    if (!desc) {
        block_error_set(err, "%s: out of memory", filename);
        return -ENOMEM;
    }
    if (strlen(desc) > 20 * 512) {
        free(desc);
        block_error_set(err, "%s: VMDK descriptor too long", filename);
        return -EINVAL;
    }
    ret = format_create_file(filename, &file, err);
    if (ret == 0) {
        ret = vmdk_write_sparse_extent(file, p, desc);
        if (ret == 0) {
            ret = block_file_flush(file);
        }
        block_file_close(file);
        if (ret < 0) {
            block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
        }
    }
    free(desc);
    return ret;
}

/* The parent's CID, which a child records as parentCID (VMDK 1.1, "parentCID"). */
static int vmdk_parent_cid(const char *filename, const char *backing, const char *backing_fmt,
                           uint32_t *cid, BlockErrorInfo *err)
{
    char path[4096];
    BlockDriverState *parent;

    bdrv_resolve_backing_name(filename, backing, path, sizeof(path));
    parent = bdrv_open(path, backing_fmt && backing_fmt[0] ? backing_fmt : NULL, NULL,
                       BDRV_O_NO_BACKING, err);
    if (!parent) {
        return -ENOENT;
    }
    *cid = UINT32_MAX;
    if (parent->drv == &bdrv_vmdk) {
        *cid = ((VmdkState *)parent->opaque)->cid;
    }
    bdrv_close(parent);
    return 0;
}

static int vmdk_parse_create_options(const char *filename, QDict *options, VmdkCreateParams *p,
                                     BlockErrorInfo *err)
{
    static const char *const adapters[] = { "ide", "buslogic", "lsilogic", "legacyESX" };
    bool compat6 = false, known = false;
    uint64_t size;
    int ret = format_get_create_size(options, "vmdk", (1ull << 41) * 512, &size, err);

    if (ret < 0) {
        return ret;
    }
    p->sectors = div_round_up_u64(size, 512);
    p->subformat = qdict_get(options, "subformat") ? qdict_get(options, "subformat")
                                                   : "monolithicSparse";
    p->adapter_type = qdict_get(options, "adapter_type") ? qdict_get(options, "adapter_type")
                                                         : "ide";
    p->toolsversion = qdict_get(options, "toolsversion") ? qdict_get(options, "toolsversion")
                                                         : "2147483647";
    p->backing = qdict_get(options, "backing_file");
    if (qdict_get_bool(options, "compat6", false, &compat6, err) < 0 ||
        qdict_get_bool(options, "zeroed_grain", false, &p->zeroed_grain, err) < 0) {
        return -EINVAL;
    }
    p->hwversion = qdict_get(options, "hwversion") ? qdict_get(options, "hwversion")
                                                   : compat6 ? "6" : "4";
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++) {
        known |= strcmp(p->adapter_type, adapters[i]) == 0;
    }
    if (!known) {
        block_error_set(err, "Unknown adapter type: '%s'", p->adapter_type);
        return -EINVAL;
    }
    p->stream = strcmp(p->subformat, "streamOptimized") == 0;
    if (strcmp(p->subformat, "monolithicSparse") != 0 && !p->stream &&
        strcmp(p->subformat, "monolithicFlat") != 0) {
        block_error_set(err, "%s: unsupported VMDK subformat '%s' (monolithicSparse, "
                 "monolithicFlat or streamOptimized)", filename, p->subformat);
        return -ENOTSUP;
    }
    p->cid = vmdk_random_cid();
    p->parent_cid = UINT32_MAX;
    if (p->backing) {
        ret = vmdk_parent_cid(filename, p->backing, qdict_get(options, "backing_fmt"),
                              &p->parent_cid, err);
    }
    return ret;
}

static int vmdk_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    VmdkCreateParams p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (!options) {
        block_error_set(err, "vmdk: image size is required");
        return -EINVAL;
    }
    ret = vmdk_parse_create_options(filename, options, &p, err);
    if (ret < 0) {
        return ret;
    }
    if (strcmp(p.subformat, "monolithicFlat") == 0) {
        return vmdk_create_flat(filename, &p, err);
    }
    return vmdk_create_monolithic(filename, &p, err);
}

static const BlockOptionDesc vmdk_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "adapter_type", OPT_STRING, "Virtual adapter type, can be one of ide (default), lsilogic, "
      "buslogic or legacyESX" },
    { "backing_file", OPT_STRING, "File name of a base image" },
    { "backing_fmt", OPT_STRING, "Format of the base image" },
    { "compat6", OPT_BOOL, "VMDK version 6 image" },
    { "hwversion", OPT_STRING, "VMDK hardware version" },
    { "toolsversion", OPT_STRING, "VMware guest tools version" },
    { "subformat", OPT_STRING, "VMDK flat extent format, can be one of {monolithicSparse (default) "
      "| monolithicFlat | streamOptimized}" },
    { "zeroed_grain", OPT_BOOL, "Enable efficient zero writes using the zeroed-grain GTE feature" },
    { NULL, OPT_STRING, NULL },
};

const BlockDriver bdrv_vmdk = {
    .format_name = "vmdk",
    .instance_size = sizeof(VmdkState),
    .probe = vmdk_probe,
    .open = vmdk_open,
    .close = vmdk_close,
    .create = vmdk_create,
    .create_opts = vmdk_create_opts,
    .pread = vmdk_pread,
    .pwrite = vmdk_pwrite,
    .pwrite_zeroes = vmdk_pwrite_zeroes,
    .pwrite_compressed = vmdk_pwrite_compressed,
    .flush = vmdk_flush,
    .block_status = vmdk_block_status,
    .check = vmdk_check,
    .get_info = vmdk_get_info,
    .dump_info = vmdk_dump_info,
    .supports_backing = true,
};
