/*
 * QEMU Copy-On-Write image format, version 1 ("qcow"), read and write.
 *
 * Header (all fields big endian):
 *   0  magic "QFI\xfb"        4  version (1)
 *   8  backing file offset   16  backing file name length
 *  20  mtime                 24  virtual size in bytes
 *  32  cluster_bits          33  l2_bits        34  padding
 *  36  crypt_method (0 none, 1 AES: not supported)
 *  40  L1 table offset       48  end of header
 * A two-level table maps the disk: the L1 table (one u64 per 2^(cluster_bits +
 * l2_bits) bytes) points to L2 tables of 2^l2_bits u64 entries, each the host
 * offset of a cluster or 0 (unallocated: the backing file's data, or zeros).
 * Bit 63 of an L2 entry marks a compressed cluster: its low 63 - cluster_bits bits
 * hold the host offset, the cluster_bits bits above them the compressed size in
 * bytes; the data is raw DEFLATE (no zlib header).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "block/format-common.h"

#define QCOW_MAGIC          0x514649fbu
#define QCOW_VERSION        1
#define QCOW_HEADER_SIZE    48
#define QCOW_COMPRESSED     (1ull << 63)
#define QCOW_L2_CACHE_SIZE  16
#define QCOW_MAX_L1_ENTRIES (32u << 20)     /* 256 MiB of L1 table at most */
#define QCOW_DEFLATE_WINDOW (-12)

enum {
    HDR_MAGIC = 0, HDR_VERSION = 4, HDR_BACKING_OFFSET = 8, HDR_BACKING_SIZE = 16,
    HDR_MTIME = 20, HDR_SIZE = 24, HDR_CLUSTER_BITS = 32, HDR_L2_BITS = 33,
    HDR_CRYPT = 36, HDR_L1_OFFSET = 40,
};

typedef struct QcowL2Entry {
    uint64_t offset;            /* host offset of the table, 0 for a free slot */
    uint64_t *table;            /* host byte order */
    uint64_t last_use;
} QcowL2Entry;

typedef struct QcowState {
    unsigned cluster_bits, l2_bits;
    uint32_t cluster_size, l2_entries;
    uint64_t offset_mask;       /* host offset bits of a compressed entry */
    uint64_t l1_offset;
    uint32_t l1_entries;
    uint64_t *l1_table;         /* host byte order */
    QcowL2Entry l2_cache[QCOW_L2_CACHE_SIZE];
    uint64_t use_counter;
    uint8_t *cluster_buf;       /* one decompressed cluster */
    uint64_t cluster_buf_entry; /* the L2 entry it came from, 0 if none */
    uint8_t *compressed_buf;
    uint64_t file_end;          /* where the next allocation goes */
} QcowState;

static int qcow_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size >= 8 && load_be32(buf) == QCOW_MAGIC && load_be32(buf + 4) == QCOW_VERSION) {
        return 100;
    }
    return 0;
}

static int qcow_io_error(BlockDriverState *bs, const char *what, int ret)
{
    bdrv_set_error(bs, "%s: %s error: %s", bs->filename, what, strerror(-ret));
    return ret;
}

static int qcow_parse_header(BlockDriverState *bs, QcowState *s, const uint8_t *h,
                             int64_t file_len)
{
    uint64_t size = load_be64(h + HDR_SIZE);
    uint64_t l1_span, l1_bytes;

    if (load_be32(h + HDR_MAGIC) != QCOW_MAGIC) {
        bdrv_set_error(bs, "not a qcow image (bad magic)");
        return -EINVAL;
    }
    if (load_be32(h + HDR_VERSION) != QCOW_VERSION) {
        bdrv_set_error(bs, "unsupported qcow version %u", load_be32(h + HDR_VERSION));
        return -ENOTSUP;
    }
    if (load_be32(h + HDR_CRYPT) != 0) {
        bdrv_set_error(bs, "encrypted qcow images are not supported");
        return -ENOTSUP;
    }
    s->cluster_bits = h[HDR_CLUSTER_BITS];
    s->l2_bits = h[HDR_L2_BITS];
    if (s->cluster_bits < 9 || s->cluster_bits > 16) {
        bdrv_set_error(bs, "invalid qcow cluster size 2^%u", s->cluster_bits);
        return -EINVAL;
    }
    if (s->l2_bits < 6 || s->l2_bits > 16) {
        bdrv_set_error(bs, "invalid qcow L2 table size 2^%u entries", s->l2_bits);
        return -EINVAL;
    }
    s->cluster_size = 1u << s->cluster_bits;
    s->l2_entries = 1u << s->l2_bits;
    s->offset_mask = (1ull << (63 - s->cluster_bits)) - 1;
    if (size > (1ull << 62)) {
        bdrv_set_error(bs, "qcow image size %llu is too large", (unsigned long long)size);
        return -EFBIG;
    }
    l1_span = 1ull << (s->cluster_bits + s->l2_bits);
    if (div_round_up_u64(size, l1_span) > QCOW_MAX_L1_ENTRIES) {
        bdrv_set_error(bs, "qcow image size %llu needs too large an L1 table",
                       (unsigned long long)size);
        return -EFBIG;
    }
    s->l1_entries = div_round_up_u64(size, l1_span);
    s->l1_offset = load_be64(h + HDR_L1_OFFSET);
    l1_bytes = (uint64_t)s->l1_entries * 8;
    if (s->l1_offset > (uint64_t)file_len || l1_bytes > file_len - s->l1_offset ||
        (s->l1_entries && s->l1_offset < QCOW_HEADER_SIZE)) {
        bdrv_set_error(bs, "qcow L1 table lies outside the file");
        return -EINVAL;
    }
    bs->total_size = size;
    return 0;
}

static int qcow_read_backing_name(BlockDriverState *bs, const uint8_t *h, int64_t file_len)
{
    uint64_t offset = load_be64(h + HDR_BACKING_OFFSET);
    uint32_t len = load_be32(h + HDR_BACKING_SIZE);
    int ret;

    if (offset == 0 || len == 0) {
        return 0;
    }
    if (len >= sizeof(bs->backing_file) || offset > (uint64_t)file_len ||
        len > file_len - offset) {
        bdrv_set_error(bs, "qcow backing file name is too long or outside the file");
        return -EINVAL;
    }
    ret = block_file_pread(bs->file, offset, len, bs->backing_file);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the backing file name: %s", strerror(-ret));
        return ret;
    }
    bs->backing_file[len] = '\0';
    if (strlen(bs->backing_file) != len) {
        bdrv_set_error(bs, "qcow backing file name contains a NUL byte");
        return -EINVAL;
    }
    return 0;
}

static int qcow_open(BlockDriverState *bs, QDict *options, int flags)
{
    QcowState *s = bs->opaque;
    uint8_t header[QCOW_HEADER_SIZE];
    int64_t file_len = block_file_length(bs->file);
    int ret;

    if (file_len < 0) {
        bdrv_set_error(bs, "cannot get the file size: %s", strerror((int)-file_len));
        return (int)file_len;
    }
    if (file_len < QCOW_HEADER_SIZE) {
        bdrv_set_error(bs, "file too small for a qcow header");
        return -EINVAL;
    }
    ret = block_file_pread(bs->file, 0, QCOW_HEADER_SIZE, header);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the qcow header: %s", strerror(-ret));
        return ret;
    }
    ret = qcow_parse_header(bs, s, header, file_len);
    if (ret == 0) {
        ret = qcow_read_backing_name(bs, header, file_len);
    }
    if (ret < 0) {
        return ret;
    }
    s->l1_table = malloc(s->l1_entries ? (size_t)s->l1_entries * 8 : 1);
    s->cluster_buf = malloc(s->cluster_size);
    s->compressed_buf = malloc(s->cluster_size);
    for (int i = 0; i < QCOW_L2_CACHE_SIZE; i++) {
        s->l2_cache[i].table = malloc((size_t)s->l2_entries * 8);
        if (!s->l2_cache[i].table) {
            ret = -ENOMEM;
        }
    }
    if (!s->l1_table || !s->cluster_buf || !s->compressed_buf || ret < 0) {
        bdrv_set_error(bs, "out of memory for the qcow tables");
        return -ENOMEM;
    }
    ret = block_file_pread(bs->file, s->l1_offset, (uint64_t)s->l1_entries * 8, s->l1_table);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the qcow L1 table: %s", strerror(-ret));
        return ret;
    }
    for (uint32_t i = 0; i < s->l1_entries; i++) {
        s->l1_table[i] = load_be64(&s->l1_table[i]);
    }
    s->file_end = file_len;
    return 0;
}

static void qcow_close(BlockDriverState *bs)
{
    QcowState *s = bs->opaque;
    for (int i = 0; i < QCOW_L2_CACHE_SIZE; i++) {
        free(s->l2_cache[i].table);
        s->l2_cache[i].table = NULL;
    }
    free(s->l1_table);
    free(s->cluster_buf);
    free(s->compressed_buf);
    s->l1_table = NULL;
    s->cluster_buf = s->compressed_buf = NULL;
}

/* The L2 table at l2_offset, through a small cache evicting the least recently
 * used table (tables are written through, so eviction needs no write). */
static int qcow_load_l2(BlockDriverState *bs, QcowState *s, uint64_t l2_offset, uint64_t **table)
{
    QcowL2Entry *victim = &s->l2_cache[0];
    int ret;

    for (int i = 0; i < QCOW_L2_CACHE_SIZE; i++) {
        QcowL2Entry *e = &s->l2_cache[i];
        if (e->offset == l2_offset) {
            e->last_use = ++s->use_counter;
            *table = e->table;
            return 0;
        }
        if (e->last_use < victim->last_use) {
            victim = e;
        }
    }
    victim->offset = 0;
    ret = format_read_data(bs, bs->file, l2_offset, (uint64_t)s->l2_entries * 8, victim->table);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < s->l2_entries; i++) {
        victim->table[i] = load_be64(&victim->table[i]);
    }
    victim->offset = l2_offset;
    victim->last_use = ++s->use_counter;
    *table = victim->table;
    return 0;
}

/* The L2 entry for the cluster holding offset (0 when no L2 table exists). */
static int qcow_get_entry(BlockDriverState *bs, QcowState *s, uint64_t offset, uint64_t *entry)
{
    uint64_t l1_index = offset >> (s->cluster_bits + s->l2_bits);
    uint32_t l2_index = (offset >> s->cluster_bits) & (s->l2_entries - 1);
    uint64_t *table;
    int ret;

    *entry = 0;
    if (l1_index >= s->l1_entries || s->l1_table[l1_index] == 0) {
        return 0;
    }
    ret = qcow_load_l2(bs, s, s->l1_table[l1_index], &table);
    if (ret < 0) {
        return ret;
    }
    *entry = table[l2_index];
    return 0;
}

static int qcow_read_compressed(BlockDriverState *bs, QcowState *s, uint64_t entry)
{
    uint64_t host = entry & s->offset_mask;
    uint32_t csize = (entry >> (63 - s->cluster_bits)) & (s->cluster_size - 1);
    int ret;

    if (s->cluster_buf_entry == entry) {
        return 0;
    }
    s->cluster_buf_entry = 0;
    ret = format_read_data(bs, bs->file, host, csize, s->compressed_buf);
    if (ret < 0) {
        return ret;
    }
    if (format_inflate(s->compressed_buf, csize, s->cluster_buf, s->cluster_size,
                       QCOW_DEFLATE_WINDOW) != (int)s->cluster_size) {
        bdrv_set_error(bs, "%s: corrupt compressed cluster at host offset %llu", bs->filename,
                       (unsigned long long)host);
        return -EIO;
    }
    s->cluster_buf_entry = entry;
    return 0;
}

/* Grows *n (the part of the cluster at offset being read) over the following
 * clusters while they lie right after it in the file, so that one read does. */
static int qcow_extend_run(BlockDriverState *bs, QcowState *s, uint64_t offset, uint64_t bytes,
                           uint64_t entry, uint64_t *n)
{
    uint64_t start = offset & ~(uint64_t)(s->cluster_size - 1);

    while (*n < bytes) {
        uint64_t next_entry, next = offset + *n;
        int ret = qcow_get_entry(bs, s, next, &next_entry);
        if (ret < 0) {
            return ret;
        }
        if (next_entry != entry + (next - start)) {
            break;
        }
        *n += bytes - *n < s->cluster_size ? bytes - *n : s->cluster_size;
    }
    return 0;
}

static int qcow_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    QcowState *s = bs->opaque;
    uint8_t *out = buf;
    int ret;

    while (bytes > 0) {
        uint64_t in_cluster = offset & (s->cluster_size - 1);
        uint64_t n = s->cluster_size - in_cluster < bytes ? s->cluster_size - in_cluster : bytes;
        uint64_t entry;

        ret = qcow_get_entry(bs, s, offset, &entry);
        if (ret < 0) {
            return ret;
        }
        if (entry == 0) {
            ret = format_read_unallocated(bs, offset, n, out);
        } else if (entry & QCOW_COMPRESSED) {
            ret = qcow_read_compressed(bs, s, entry);
            if (ret == 0) {
                memcpy(out, s->cluster_buf + in_cluster, n);
            }
        } else {
            ret = qcow_extend_run(bs, s, offset, bytes, entry, &n);
            if (ret == 0) {
                ret = format_read_data(bs, bs->file, entry + in_cluster, n, out);
            }
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

static uint64_t qcow_allocate(QcowState *s, uint64_t bytes, bool cluster_aligned)
{
    uint64_t offset = cluster_aligned ? round_up_u64(s->file_end, s->cluster_size) : s->file_end;
    s->file_end = offset + bytes;
    return offset;
}

/* The L2 table covering offset; a new one is allocated and written (all zeros)
 * when needed, but only linked into the L1 table by qcow_link_l2 once the data
 * it will point to is on disk. */
static int qcow_prepare_l2(BlockDriverState *bs, QcowState *s, uint64_t offset,
                           uint64_t **table, uint64_t *l2_offset, bool *is_new)
{
    uint64_t l1_index = offset >> (s->cluster_bits + s->l2_bits);
    uint64_t bytes = (uint64_t)s->l2_entries * 8;
    int ret;

    *is_new = s->l1_table[l1_index] == 0;
    if (!*is_new) {
        *l2_offset = s->l1_table[l1_index];
        return qcow_load_l2(bs, s, *l2_offset, table);
    }
    *l2_offset = qcow_allocate(s, bytes, true);
    if (*l2_offset > s->offset_mask) {
        bdrv_set_error(bs, "%s: qcow image file too large", bs->filename);
        return -EFBIG;
    }
    ret = block_file_write_zeroes(bs->file, *l2_offset, bytes, false);
    if (ret < 0) {
        return qcow_io_error(bs, "write", ret);
    }
    return qcow_load_l2(bs, s, *l2_offset, table);
}

static int qcow_link_l2(BlockDriverState *bs, QcowState *s, uint64_t offset, uint64_t l2_offset)
{
    uint64_t l1_index = offset >> (s->cluster_bits + s->l2_bits);
    uint8_t field[8];
    int ret;

    store_be64(field, l2_offset);
    ret = block_file_pwrite(bs->file, s->l1_offset + l1_index * 8, 8, field);
    if (ret < 0) {
        return qcow_io_error(bs, "write", ret);
    }
    s->l1_table[l1_index] = l2_offset;
    return 0;
}

/* Points the cluster holding offset at entry: the L2 entry first, then (for a new
 * table) the L1 entry, so a crash leaves at most unreferenced space. */
static int qcow_set_entry(BlockDriverState *bs, QcowState *s, uint64_t offset, uint64_t *table,
                          uint64_t l2_offset, bool l2_is_new, uint64_t entry)
{
    uint32_t l2_index = (offset >> s->cluster_bits) & (s->l2_entries - 1);
    uint8_t field[8];
    int ret;

    store_be64(field, entry);
    ret = block_file_pwrite(bs->file, l2_offset + (uint64_t)l2_index * 8, 8, field);
    if (ret < 0) {
        return qcow_io_error(bs, "write", ret);
    }
    table[l2_index] = entry;
    return l2_is_new ? qcow_link_l2(bs, s, offset, l2_offset) : 0;
}

/* The current content of a whole cluster (for a partial write to a cluster that
 * gets a new place), into s->cluster_buf. */
static int qcow_fill_cluster(BlockDriverState *bs, QcowState *s, uint64_t cluster_start,
                             uint64_t entry)
{
    if (entry & QCOW_COMPRESSED) {
        return qcow_read_compressed(bs, s, entry);
    }
    s->cluster_buf_entry = 0;
    return format_read_unallocated(bs, cluster_start, s->cluster_size, s->cluster_buf);
}

/* Writes one cluster's worth (or part) to a new place: unallocated or compressed
 * clusters are never changed in place. */
static int qcow_write_new_cluster(BlockDriverState *bs, QcowState *s, uint64_t offset,
                                  uint64_t n, const uint8_t *data, uint64_t entry)
{
    uint64_t in_cluster = offset & (s->cluster_size - 1);
    uint64_t cluster_start = offset - in_cluster;
    uint64_t *table, l2_offset, host;
    bool l2_is_new;
    int ret;

    if (n != s->cluster_size) {
        ret = qcow_fill_cluster(bs, s, cluster_start, entry);
        if (ret < 0) {
            return ret;
        }
        s->cluster_buf_entry = 0;
        memcpy(s->cluster_buf + in_cluster, data, n);
        data = s->cluster_buf;
    }
    ret = qcow_prepare_l2(bs, s, offset, &table, &l2_offset, &l2_is_new);
    if (ret < 0) {
        return ret;
    }
    host = qcow_allocate(s, s->cluster_size, true);
    if (host > s->offset_mask) {
        bdrv_set_error(bs, "%s: qcow image file too large", bs->filename);
        return -EFBIG;
    }
    ret = block_file_pwrite(bs->file, host, s->cluster_size, data);
    if (ret < 0) {
        return qcow_io_error(bs, "write", ret);
    }
    return qcow_set_entry(bs, s, offset, table, l2_offset, l2_is_new, host);
}

static int qcow_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                       int flags)
{
    QcowState *s = bs->opaque;
    const uint8_t *in = buf;
    int ret;

    while (bytes > 0) {
        uint64_t in_cluster = offset & (s->cluster_size - 1);
        uint64_t n = s->cluster_size - in_cluster < bytes ? s->cluster_size - in_cluster : bytes;
        uint64_t entry;

        ret = qcow_get_entry(bs, s, offset, &entry);
        if (ret < 0) {
            return ret;
        }
        if (entry != 0 && !(entry & QCOW_COMPRESSED)) {
            ret = block_file_pwrite(bs->file, entry + in_cluster, n, in);
            if (ret < 0) {
                return qcow_io_error(bs, "write", ret);
            }
        } else if (entry != 0 || bs->backing || !buffer_is_zero(in, n)) {
            /* zeros over an unallocated cluster without backing file change nothing */
            ret = qcow_write_new_cluster(bs, s, offset, n, in, entry);
            if (ret < 0) {
                return ret;
            }
        }
        offset += n;
        bytes -= n;
        in += n;
    }
    return 0;
}

/* Compressed clusters [offset, offset + n clusters) of one L2 table: their data
 * packed in one write at the end of the file, then their L2 entries in one write
 * (and the L1 entry for a new table), so a crash only leaks. */
static int qcow_write_compressed_run(BlockDriverState *bs, QcowState *s, uint64_t offset,
                                     const uint8_t *data, const size_t *lens, uint64_t n)
{
    uint32_t first = (offset >> s->cluster_bits) & (s->l2_entries - 1);
    uint64_t *table, l2_offset, host, total = 0;
    uint8_t *packed = NULL, *entries = NULL;
    bool l2_is_new;
    int ret = qcow_prepare_l2(bs, s, offset, &table, &l2_offset, &l2_is_new);

    for (uint64_t k = 0; k < n; k++) {
        total += lens[k];
    }
    host = qcow_allocate(s, total, false);
    if (ret == 0 && host + total > s->offset_mask) {
        bdrv_set_error(bs, "%s: qcow image file too large", bs->filename);
        ret = -EFBIG;
    }
    packed = ret == 0 ? malloc(total) : NULL;
    entries = packed ? malloc(n * 8) : NULL;
    if (ret == 0 && !entries) {
        ret = -ENOMEM;
    }
    if (ret == 0) {
        uint64_t at = 0;
        for (uint64_t k = 0; k < n; k++) {
            memcpy(packed + at, data + k * s->cluster_size, lens[k]);
            store_be64(entries + k * 8, (host + at) | QCOW_COMPRESSED |
                                        (uint64_t)lens[k] << (63 - s->cluster_bits));
            at += lens[k];
        }
        ret = block_file_pwrite(bs->file, host, total, packed);
        if (ret == 0) {
            ret = block_file_pwrite(bs->file, l2_offset + (uint64_t)first * 8, n * 8, entries);
        }
        ret = ret < 0 ? qcow_io_error(bs, "write", ret) : 0;
    }
    for (uint64_t k = 0; ret == 0 && k < n; k++) {
        table[first + k] = load_be64(entries + k * 8);
    }
    free(packed);
    free(entries);
    if (ret == 0 && l2_is_new) {
        ret = qcow_link_l2(bs, s, offset, l2_offset);
    }
    return ret;
}

/* convert -c: whole clusters (the image's last one may be short), compressed on
 * several threads; a cluster that does not shrink is written as it is. */
static int qcow_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                  const void *buf)
{
    QcowState *s = bs->opaque;
    uint64_t count = div_round_up_u64(bytes, s->cluster_size);
    const uint8_t *in = buf;
    uint8_t *out;
    size_t *lens;
    int ret = 0;

    if (offset & (s->cluster_size - 1) ||
        (bytes & (s->cluster_size - 1) && offset + bytes != bs->total_size)) {
        bdrv_set_error(bs, "%s: compressed writes must cover whole clusters", bs->filename);
        return -EINVAL;
    }
    out = malloc(count * s->cluster_size);
    lens = malloc(count * sizeof(*lens));
    if (!out || !lens) {
        free(out);
        free(lens);
        return -ENOMEM;
    }
    /* the size field of an entry holds at most cluster_size - 1 */
    format_deflate_clusters(in, bytes, s->cluster_size, QCOW_DEFLATE_WINDOW, out,
                            s->cluster_size, s->cluster_size - 1, lens);
    for (uint64_t i = 0, j; ret == 0 && i < count; i = j) {
        uint64_t pos = i * s->cluster_size;
        uint32_t index = ((offset + pos) >> s->cluster_bits) & (s->l2_entries - 1);
        if (lens[i] == 0) {
            uint64_t n = bytes - pos < s->cluster_size ? bytes - pos : s->cluster_size;
            ret = qcow_pwrite(bs, offset + pos, n, in + pos, 0);
            j = i + 1;
            continue;
        }
        for (j = i; j < count && lens[j] && index + (j - i) < s->l2_entries; j++) {
        }
        ret = qcow_write_compressed_run(bs, s, offset + pos, out + pos, lens + i, j - i);
    }
    free(out);
    free(lens);
    return ret;
}

static int qcow_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             uint64_t *pnum, uint64_t *map)
{
    QcowState *s = bs->opaque;
    uint64_t entry, first, in_cluster = offset & (s->cluster_size - 1);
    uint64_t l1_span = 1ull << (s->cluster_bits + s->l2_bits);
    uint64_t limit = l1_span - (offset & (l1_span - 1));    /* stay within one L2 table */
    int ret;

    ret = qcow_get_entry(bs, s, offset, &first);
    if (ret < 0) {
        return ret;
    }
    *pnum = s->cluster_size - in_cluster;
    if (!(first & QCOW_COMPRESSED)) {
        while (*pnum < bytes && *pnum < limit) {
            ret = qcow_get_entry(bs, s, offset + *pnum, &entry);
            if (ret < 0) {
                return ret;
            }
            if (first == 0 ? entry != 0 : entry != first + in_cluster + *pnum) {
                break;
            }
            *pnum += s->cluster_size;
        }
    }
    if (first == 0) {
        return bs->backing ? 0 : BDRV_BLOCK_ZERO;
    }
    if (first & QCOW_COMPRESSED) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    }
    *map = first + in_cluster;
    return format_data_status(bs, bs->file, *map, pnum);
}

/* commit: the top image reads through to its backing file again. The L1 table
 * is cleared first (a crash then only leaks), then the file cut after it. */
static int qcow_make_empty(BlockDriverState *bs)
{
    QcowState *s = bs->opaque;
    uint64_t l1_bytes = (uint64_t)s->l1_entries * 8;
    int ret;

    memset(s->l1_table, 0, l1_bytes);
    ret = block_file_write_zeroes(bs->file, s->l1_offset, l1_bytes, false);
    if (ret == 0) {
        ret = block_file_flush(bs->file);
    }
    if (ret == 0) {
        ret = block_file_truncate(bs->file, s->l1_offset + l1_bytes);
    }
    if (ret < 0) {
        return qcow_io_error(bs, "write", ret);
    }
    for (int i = 0; i < QCOW_L2_CACHE_SIZE; i++) {
        s->l2_cache[i].offset = 0;
    }
    s->cluster_buf_entry = 0;
    s->file_end = s->l1_offset + l1_bytes;
    return 0;
}

static int qcow_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    QcowState *s = bs->opaque;
    bdi->cluster_size = s->cluster_size;
    bdi->is_dirty = false;
    return 0;
}

/* The creation options: no encryption; the layout depends on a backing file. */
static int qcow_create_options(const char *filename, QDict *options, const char **backing,
                               uint64_t *size, unsigned *cluster_bits, unsigned *l2_bits,
                               BlockErrorInfo *err)
{
    bool encrypt = false;

    *backing = options ? qdict_get(options, "backing_file") : NULL;
    if (options && qdict_get(options, "encryption") &&
        qdict_get_bool(options, "encryption", false, &encrypt, err) < 0) {
        return -EINVAL;
    }
    if (encrypt || (options && qdict_get(options, "encrypt.format"))) {
        block_error_set(err, "%s: encrypted qcow images are not supported", filename);
        return -ENOTSUP;
    }
    if (*backing && strlen(*backing) >= 1024) {
        block_error_set(err, "%s: backing file name too long", filename);
        return -EINVAL;
    }
    /* 512-byte clusters with a backing file: every sector write is a whole
     * cluster, so nothing is copied from the backing file (the usual layout). */
    *cluster_bits = *backing ? 9 : 12;
    *l2_bits = *backing ? 12 : 9;
    return format_get_create_size(options, "qcow",
                                  (uint64_t)QCOW_MAX_L1_ENTRIES << (*cluster_bits + *l2_bits),
                                  size, err);
}

static int qcow_write_new_image(BlockFile *file, const uint8_t *header, const char *backing,
                                uint64_t l1_offset, uint64_t l1_bytes)
{
    uint8_t *l1 = calloc(1, l1_bytes ? l1_bytes : 1);
    int ret = l1 ? block_file_pwrite(file, 0, QCOW_HEADER_SIZE, header) : -ENOMEM;

    if (ret == 0 && backing) {
        ret = block_file_pwrite(file, QCOW_HEADER_SIZE, strlen(backing), backing);
    }
    if (ret == 0 && l1_bytes) {
        ret = block_file_pwrite(file, l1_offset, l1_bytes, l1);
    }
    if (ret == 0) {
        ret = block_file_flush(file);
    }
    free(l1);
    return ret;
}

static int qcow_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    const char *backing;
    uint8_t header[QCOW_HEADER_SIZE];
    unsigned cluster_bits, l2_bits;
    uint64_t size, l1_offset, l1_bytes;
    BlockFile *file;
    int ret = qcow_create_options(filename, options, &backing, &size, &cluster_bits, &l2_bits,
                                  err);

    if (ret < 0) {
        return ret;
    }
    size = round_up_u64(size, 512);
    l1_offset = round_up_u64(QCOW_HEADER_SIZE + (backing ? strlen(backing) : 0), 8);
    l1_bytes = round_up_u64(div_round_up_u64(size, 1ull << (cluster_bits + l2_bits)) * 8, 512);

    memset(header, 0, sizeof(header));
    store_be32(header + HDR_MAGIC, QCOW_MAGIC);
    store_be32(header + HDR_VERSION, QCOW_VERSION);
    if (backing) {
        store_be64(header + HDR_BACKING_OFFSET, QCOW_HEADER_SIZE);
        store_be32(header + HDR_BACKING_SIZE, strlen(backing));
    }
    store_be64(header + HDR_SIZE, size);
    header[HDR_CLUSTER_BITS] = cluster_bits;
    header[HDR_L2_BITS] = l2_bits;
    store_be64(header + HDR_L1_OFFSET, l1_offset);

    ret = format_create_file(filename, &file, err);
    if (ret < 0) {
        return ret;
    }
    ret = qcow_write_new_image(file, header, backing, l1_offset, l1_bytes);
    if (ret < 0) {
        block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
    }
    block_file_close(file);
    return ret;
}

/* The name lives between the header and the L1 table; a longer one does not fit. */
static int qcow_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                    const char *backing_fmt)
{
    QcowState *s = bs->opaque;
    size_t len = backing_file ? strlen(backing_file) : 0;
    uint8_t fields[12];
    int ret;

    if (QCOW_HEADER_SIZE + len > s->l1_offset) {
        bdrv_set_error(bs, "%s: no room for a backing file name of %zu bytes in the qcow header",
                       bs->filename, len);
        return -ENOSPC;
    }
    if (len) {
        ret = block_file_pwrite(bs->file, QCOW_HEADER_SIZE, len, backing_file);
        if (ret < 0) {
            return qcow_io_error(bs, "write", ret);
        }
    }
    store_be64(fields, len ? QCOW_HEADER_SIZE : 0);
    store_be32(fields + 8, len);
    ret = block_file_pwrite(bs->file, HDR_BACKING_OFFSET, 12, fields);
    return ret < 0 ? qcow_io_error(bs, "write", ret) : 0;
}

static const BlockOptionDesc qcow_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "backing_file", OPT_STRING, "File name of a base image" },
    { "backing_fmt", OPT_STRING, "Image format of the base image" },
    { "encryption", OPT_BOOL, "Encrypt the image (not supported)" },
    { NULL, OPT_STRING, NULL },
};

const BlockDriver bdrv_qcow = {
    .format_name = "qcow",
    .instance_size = sizeof(QcowState),
    .probe = qcow_probe,
    .open = qcow_open,
    .close = qcow_close,
    .create = qcow_create,
    .create_opts = qcow_create_opts,
    .pread = qcow_pread,
    .pwrite = qcow_pwrite,
    .pwrite_compressed = qcow_pwrite_compressed,
    .block_status = qcow_block_status,
    .get_info = qcow_get_info,
    .change_backing_file = qcow_change_backing_file,
    .make_empty = qcow_make_empty,
    .supports_backing = true,
};
