/*
 * qcow2 driver: header parsing and writing, open and close, feature bits,
 * image information and the driver table (qcow2 spec, "Header" and "Header
 * extensions"). Creation and measuring are in qcow2-create.c; cluster mapping,
 * refcounts, compression, snapshots and check have their own files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"

#define FEATURE_NAME_ENTRY_SIZE 48
#define DEFAULT_CACHE_BYTES     (4u << 20)
#define MIN_CACHE_TABLES        4
#define MAX_CACHE_TABLES        1024    /* lookups scan the cache */

void qcow2_io_error(BlockDriverState *bs, int ret, const char *what)
{
    /* the innermost failure names the real cause: keep it */
    if (!bs->err.msg[0]) {
        bdrv_set_error(bs, "%s '%s' failed: %s", what, bs->filename, strerror(-ret));
    }
}

int qcow2_barrier(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->no_flush) {
        return 0;
    }
    int ret = block_file_flush(bs->file);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "flushing");
    }
    return ret;
}

static int qcow2_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    /* the magic alone: an unsupported version is then refused by name */
    if (buf_size >= 4 && qcow2_be32(buf) == QCOW2_MAGIC) {
        return 100;
    }
    return 0;
}

/* --- header extensions --- */

typedef struct HeaderParse {
    const uint8_t *feature_table;     /* points into the header cluster */
    uint32_t feature_table_size;
} HeaderParse;

static int keep_unknown_extension(Qcow2State *s, const uint8_t *ext, size_t size)
{
    uint8_t *grown = realloc(s->unknown_extensions, s->unknown_extensions_size + size);
    if (!grown) {
        return -ENOMEM;
    }
    memcpy(grown + s->unknown_extensions_size, ext, size);
    s->unknown_extensions = grown;
    s->unknown_extensions_size += size;
    return 0;
}

static int parse_extensions(BlockDriverState *bs, const uint8_t *header, uint64_t start,
                            uint64_t end, HeaderParse *parse)
{
    Qcow2State *s = bs->opaque;
    uint64_t pos = start;
    while (pos + 8 <= end) {
        uint32_t type = qcow2_be32(header + pos), length = qcow2_be32(header + pos + 4);
        if (type == QCOW2_EXT_END) {
            return 0;
        }
        if (length > end - pos - 8) {
            bdrv_set_error(bs, "header extension 0x%08x is longer than the header", type);
            return -EINVAL;
        }
        const uint8_t *data = header + pos + 8;
        uint64_t padded = 8 + qcow2_align_up(length, 8);
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (length >= sizeof(bs->backing_format)) {
                bdrv_set_error(bs, "backing format name of %u bytes is too long", length);
                return -EINVAL;
            }
            memcpy(bs->backing_format, data, length);
            bs->backing_format[length] = '\0';
        } else if (type == QCOW2_EXT_FEATURE_TABLE) {
            parse->feature_table = data;
            parse->feature_table_size = length;
        } else {
            /* bitmaps, encryption, data file or unknown: kept as they are */
            int ret = keep_unknown_extension(s, header + pos,
                                             padded < end - pos ? padded : end - pos);
            if (ret < 0) {
                return ret;
            }
        }
        pos += padded;
    }
    return 0;
}

/* "Unsupported qcow2 feature(s): name, name" with names from the image's table. */
static void report_unknown_features(BlockDriverState *bs, uint64_t bits, const HeaderParse *p)
{
    char text[400] = "";
    size_t used = 0;
    for (int bit = 0; bit < 64; bit++) {
        if (!(bits & (1ull << bit))) {
            continue;
        }
        char name[FEATURE_NAME_ENTRY_SIZE] = "";
        for (uint32_t i = 0; i + FEATURE_NAME_ENTRY_SIZE <= p->feature_table_size;
             i += FEATURE_NAME_ENTRY_SIZE) {
            const uint8_t *e = p->feature_table + i;
            if (e[0] == 0 && e[1] == bit) {
                memcpy(name, e + 2, FEATURE_NAME_ENTRY_SIZE - 2);
                name[FEATURE_NAME_ENTRY_SIZE - 2] = '\0';
            }
        }
        int n = name[0] ? snprintf(text + used, sizeof(text) - used, "%s%s", used ? ", " : "", name)
                        : snprintf(text + used, sizeof(text) - used,
                                   "%sUnknown incompatible feature: %llx", used ? ", " : "",
                                   1ull << bit);
        if (n < 0 || (size_t)n >= sizeof(text) - used) {
            break;
        }
        used += (size_t)n;
    }
    bdrv_set_error(bs, "Unsupported qcow2 feature(s): %s", text);
}

/* --- header --- */

static int check_features(BlockDriverState *bs, uint32_t crypt_method, const HeaderParse *parse)
{
    Qcow2State *s = bs->opaque;
    uint64_t known = QCOW2_INCOMPAT_SUPPORTED | QCOW2_INCOMPAT_DATA_FILE |
                     QCOW2_INCOMPAT_COMPRESSION | QCOW2_INCOMPAT_EXTL2;
    if (s->incompatible_features & ~known) {
        report_unknown_features(bs, s->incompatible_features & ~known, parse);
        return -ENOTSUP;
    }
    if (s->incompatible_features & QCOW2_INCOMPAT_DATA_FILE) {
        bdrv_set_error(bs, "images with an external data file are not supported");
        return -ENOTSUP;
    }
    if (s->incompatible_features & QCOW2_INCOMPAT_EXTL2) {
        bdrv_set_error(bs, "images with extended L2 entries (subclusters) are not supported");
        return -ENOTSUP;
    }
    /* qcow2 spec, incompatible bit 3: set exactly when compression_type is not zlib */
    bool bit = s->incompatible_features & QCOW2_INCOMPAT_COMPRESSION;
    if (bit != (s->compression_type != QCOW2_COMPRESSION_ZLIB)) {
        bdrv_set_error(bs, "qcow2: Compression type incompatible feature "
                       "bit must %sbe set", bit ? "not " : "");
        return -EINVAL;
    }
    if (s->compression_type > QCOW2_COMPRESSION_ZSTD) {
        bdrv_set_error(bs, "qcow2: unknown compression type: %u",
                       s->compression_type);
        return -ENOTSUP;
    }
    if (!qcow2_codec_supported(s->compression_type)) {
        bdrv_set_error(bs, "qcow2: compression type %s is not built in (libzstd "
                       "was not found when building)",
                       qcow2_codec_name(s->compression_type));
        return -ENOTSUP;
    }
    if (crypt_method) {
        bdrv_set_error(bs, "encrypted images (crypt_method %u) are not supported", crypt_method);
        return -ENOTSUP;
    }
    return 0;
}

static int parse_geometry(BlockDriverState *bs, const uint8_t *h)
{
    Qcow2State *s = bs->opaque;
    s->cluster_bits = qcow2_be32(h + 20);
    if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS || s->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        bdrv_set_error(bs, "Unsupported cluster size: 2^%u", s->cluster_bits);
        return -EINVAL;
    }
    s->cluster_size = 1ull << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->l2_entries = 1ull << s->l2_bits;
    s->csize_shift = 62 - (s->cluster_bits - 8);
    s->csize_mask = (1ull << (s->cluster_bits - 8)) - 1;
    s->cluster_offset_mask = (1ull << s->csize_shift) - 1;
    s->refcount_order = s->version >= 3 ? qcow2_be32(h + 96) : 4;
    if (s->refcount_order > 6) {
        bdrv_set_error(bs, "Refcount width can be at most 64 bits (refcount_order %u)",
                       s->refcount_order);
        return -EINVAL;
    }
    qcow2_set_refcount_order(s, s->refcount_order);
    s->header_refcount_order = s->refcount_order;
    return 0;
}

static int parse_tables(BlockDriverState *bs, const uint8_t *h)
{
    Qcow2State *s = bs->opaque;
    uint64_t size = qcow2_be64(h + QCOW2_OFF_SIZE);
    s->l1_size = qcow2_be32(h + QCOW2_OFF_L1_SIZE);
    s->l1_table_offset = qcow2_be64(h + 40);
    s->refcount_table_offset = qcow2_be64(h + QCOW2_OFF_REFTABLE_OFFSET);
    s->refcount_table_clusters = qcow2_be32(h + 56);
    s->nb_snapshots = qcow2_be32(h + QCOW2_OFF_NB_SNAPSHOTS);
    s->snapshots_offset = qcow2_be64(h + 64);
    uint64_t l2_coverage = s->l2_entries << s->cluster_bits;
    if (size > (uint64_t)(QCOW2_MAX_L1_BYTES / 8) * l2_coverage || size > (1ull << 62)) {
        bdrv_set_error(bs, "virtual size %" PRIu64 " is too large", size);
        return -EFBIG;
    }
    if ((uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        bdrv_set_error(bs, "Active L1 table too large");
        return -EFBIG;
    }
    if (s->l1_size < qcow2_div_round_up(size, l2_coverage)) {
        bdrv_set_error(bs, "L1 table is too small");
        return -EINVAL;
    }
    if (qcow2_offset_in_cluster(s, s->l1_table_offset) ||
        qcow2_offset_in_cluster(s, s->refcount_table_offset)) {
        bdrv_set_error(bs, "L1 or refcount table offset is not cluster aligned");
        return -EINVAL;
    }
    if (s->refcount_table_clusters == 0 || s->refcount_table_offset == 0) {
        bdrv_set_error(bs, "Image does not contain a reference count table");
        return -EINVAL;
    }
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        bdrv_set_error(bs, "too many snapshots (%u)", s->nb_snapshots);
        return -EFBIG;
    }
    bs->total_size = size;
    return 0;
}

static int parse_backing_name(BlockDriverState *bs, const uint8_t *h)
{
    Qcow2State *s = bs->opaque;
    uint64_t offset = qcow2_be64(h + QCOW2_OFF_BACKING_OFFSET);
    uint32_t length = qcow2_be32(h + 16);
    bs->backing_file[0] = '\0';
    if (!offset) {
        return 0;
    }
    if (length > QCOW2_MAX_BACKING_NAME || offset > s->cluster_size ||
        length > s->cluster_size - offset) {
        bdrv_set_error(bs, "Backing file name too long or outside the header");
        return -EINVAL;
    }
    memcpy(bs->backing_file, h + offset, length);
    bs->backing_file[length] = '\0';
    if (strlen(bs->backing_file) != length) {
        bdrv_set_error(bs, "backing file name contains a NUL byte");
        return -EINVAL;
    }
    return 0;
}

static int read_l1_table(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    size_t bytes = (size_t)s->l1_size * 8;
    s->l1_table = calloc(s->l1_size ? s->l1_size : 1, 8);
    uint8_t *raw = malloc(bytes + 1);
    if (!s->l1_table || !raw) {
        free(raw);
        return -ENOMEM;
    }
    /* an L1 table past the end of the file would read as zeros: every cluster
     * unallocated in place of the image's data (check reads it so, and reports) */
    int ret = !bytes ? 0 : (bs->open_flags & BDRV_O_CHECK)
              ? block_file_pread(bs->file, s->l1_table_offset, bytes, raw)
              : block_file_pread_data(bs->file, s->l1_table_offset, bytes, raw);
    for (uint32_t i = 0; ret == 0 && i < s->l1_size; i++) {
        s->l1_table[i] = qcow2_be64(raw + i * 8);
    }
    free(raw);
    if (ret == -EIO && block_file_length(bs->file) >= 0 &&
        s->l1_table_offset + bytes > (uint64_t)block_file_length(bs->file)) {
        bdrv_set_error(bs, "image truncated: the L1 table lies past the end of the file "
                       "(expecting at least %llu bytes, the file has %lld)",
                       (unsigned long long)(s->l1_table_offset + bytes),
                       (long long)block_file_length(bs->file));
    } else if (ret < 0) {
        bdrv_set_error(bs, "cannot read the L1 table: %s", strerror(-ret));
    }
    return ret;
}

static int parse_header(BlockDriverState *bs, uint8_t **header_out)
{
    Qcow2State *s = bs->opaque;
    uint8_t fixed[QCOW2_HEADER_V3_LENGTH];
    int ret = block_file_pread(bs->file, 0, sizeof(fixed), fixed);
    if (ret < 0) {
        return ret;
    }
    if (qcow2_be32(fixed) != QCOW2_MAGIC) {
        bdrv_set_error(bs, "Image is not in qcow2 format");
        return -EINVAL;
    }
    s->version = (int)qcow2_be32(fixed + 4);
    if (s->version != 2 && s->version != 3) {
        bdrv_set_error(bs, "Unsupported qcow2 version %d", s->version);
        return -ENOTSUP;
    }
    ret = parse_geometry(bs, fixed);
    if (ret < 0) {
        return ret;
    }
    uint8_t *h = malloc(s->cluster_size);
    if (!h) {
        return -ENOMEM;
    }
    *header_out = h;
    ret = block_file_pread(bs->file, 0, s->cluster_size, h);
    if (ret < 0) {
        return ret;
    }
    s->header_length = QCOW2_HEADER_V2_LENGTH;
    if (s->version >= 3) {
        s->incompatible_features = qcow2_be64(h + 72);
        s->compatible_features = qcow2_be64(h + 80);
        s->autoclear_features = qcow2_be64(h + 88);
        s->header_length = qcow2_be32(h + 100);
        if (s->header_length < QCOW2_HEADER_V3_LENGTH || s->header_length % 8 ||
            s->header_length > s->cluster_size) {
            bdrv_set_error(bs, "qcow2 header length %u is invalid", s->header_length);
            return -EINVAL;
        }
        s->compression_type = s->header_length > 104 ? h[104] : 0;
    }
    return 0;
}

static int setup_caches(BlockDriverState *bs, QDict *options)
{
    Qcow2State *s = bs->opaque;
    uint64_t bytes = DEFAULT_CACHE_BYTES;
    const char *text = options ? qdict_get(options, "l2-cache-size") : NULL;
    if (text && parse_size(text, &bytes) < 0) {
        bdrv_set_error(bs, "invalid l2-cache-size '%s'", text);
        return -EINVAL;
    }
    uint64_t tables = bytes / s->cluster_size;
    if (tables < MIN_CACHE_TABLES) {
        tables = MIN_CACHE_TABLES;
    }
    if (tables > MAX_CACHE_TABLES) {
        tables = MAX_CACHE_TABLES;
    }
    int ret = qcow2_cache_init(&s->l2_cache, (unsigned)tables, (uint32_t)s->cluster_size);
    if (ret == 0) {
        ret = qcow2_cache_init(&s->refblock_cache, (unsigned)tables, (uint32_t)s->cluster_size);
    }
    return ret;
}

static void qcow2_free_state(Qcow2State *s)
{
    qcow2_cache_destroy(&s->l2_cache);
    qcow2_cache_destroy(&s->refblock_cache);
    qcow2_free_snapshots(s);
    free(s->l1_table);
    free(s->refcount_table);
    free(s->unknown_extensions);
    free(s->pending_frees);
    free(s->decompressed);
    free(s->compressed_buffer);
    qcow2_codec_free(s->decoder);
    memset(s, 0, sizeof(*s));
}

/* Read-write opening of an image whose refcounts may be stale (dirty bit) or
 * that carries auto-clear bits we do not maintain. */
static int prepare_for_writing(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int ret = 0;
    if (s->incompatible_features & QCOW2_INCOMPAT_DIRTY) {
        /* qcow2 spec: "make sure to scan L1/L2 tables to repair refcounts" */
        BlockCheckResult result;
        memset(&result, 0, sizeof(result));
        ret = qcow2_check(bs, &result, BDRV_CHECK_FIX_LEAKS | BDRV_CHECK_FIX_ERRORS);
        if (ret == 0 && result.corruptions > result.corruptions_fixed) {
            bdrv_set_error(bs, "dirty image could not be repaired");
            ret = -EIO;
        }
        if (ret == 0) {
            ret = qcow2_set_incompatible(bs, QCOW2_INCOMPAT_DIRTY, false);
        }
    }
    if (ret == 0 && s->autoclear_features) {
        /* qcow2 spec, "autoclear_features": clear what we do not keep up to date */
        s->autoclear_features = 0;
        ret = qcow2_write_header(bs);
    }
    return ret;
}

static int qcow2_open(BlockDriverState *bs, QDict *options, int flags)
{
    Qcow2State *s = bs->opaque;
    uint8_t *h = NULL;
    HeaderParse parse = { NULL, 0 };
    s->no_flush = flags & BDRV_O_NO_FLUSH;
    int ret = parse_header(bs, &h);
    uint64_t ext_end = 0;
    if (ret == 0) {
        uint64_t backing_offset = qcow2_be64(h + QCOW2_OFF_BACKING_OFFSET);
        ext_end = backing_offset && backing_offset < s->cluster_size ? backing_offset
                                                                      : s->cluster_size;
        ret = parse_extensions(bs, h, s->header_length, ext_end, &parse);
    }
    if (ret == 0) {
        ret = check_features(bs, qcow2_be32(h + 32), &parse);
    }
    if (ret == 0) {
        ret = parse_tables(bs, h);
    }
    if (ret == 0) {
        ret = parse_backing_name(bs, h);
    }
    free(h);
    if (ret == 0) {
        ret = read_l1_table(bs);
    }
    if (ret == 0) {
        ret = qcow2_refcount_init(bs);
    }
    if (ret == 0) {
        ret = setup_caches(bs, options);
    }
    if (ret == 0) {
        ret = qcow2_read_snapshots(bs);
    }
    /* a corrupt image opens read-write only for check -r; writes are refused */
    if (ret == 0 && !bs->read_only && !(s->incompatible_features & QCOW2_INCOMPAT_CORRUPT)) {
        ret = prepare_for_writing(bs);
    }
    if (ret < 0) {
        if (!bs->err.msg[0]) {
            bdrv_set_error(bs, "%s", strerror(-ret));
        }
        qcow2_free_state(s);
    }
    return ret;
}

/* The metadata caches are written out; bdrv_flush forces the host file
 * unless cache=unsafe (where a forced flush here made every convert wait for
 * the disk at the end). */
static int qcow2_flush(BlockDriverState *bs)
{
    return qcow2_flush_metadata(bs);
}

static void qcow2_close(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (!bs->read_only && qcow2_flush_metadata(bs) == 0 && !s->no_flush) {
        block_file_flush(bs->file);
    }
    qcow2_free_state(s);
}

/* Builds the header cluster: fixed fields, extensions, backing file name. */
static int build_header(BlockDriverState *bs, uint8_t *h, size_t *used)
{
    Qcow2State *s = bs->opaque;
    size_t pos = s->version >= 3 ? s->header_length : QCOW2_HEADER_V2_LENGTH;
    qcow2_put_be32(h, QCOW2_MAGIC);
    qcow2_put_be32(h + 4, (uint32_t)s->version);
    qcow2_put_be32(h + 20, s->cluster_bits);
    qcow2_put_be64(h + QCOW2_OFF_SIZE, bs->total_size);
    qcow2_put_be32(h + QCOW2_OFF_L1_SIZE, s->l1_size);
    qcow2_put_be64(h + 40, s->l1_table_offset);
    qcow2_put_be64(h + QCOW2_OFF_REFTABLE_OFFSET, s->refcount_table_offset);
    qcow2_put_be32(h + 56, s->refcount_table_clusters);
    qcow2_put_be32(h + QCOW2_OFF_NB_SNAPSHOTS, s->nb_snapshots);
    qcow2_put_be64(h + 64, s->snapshots_offset);
    if (s->version >= 3) {
        qcow2_put_be64(h + 72, s->incompatible_features);
        qcow2_put_be64(h + 80, s->compatible_features);
        qcow2_put_be64(h + 88, s->autoclear_features);
        qcow2_put_be32(h + 96, s->refcount_order);     /* switches with the table */
        qcow2_put_be32(h + 100, s->header_length);
        if (s->header_length > 104) {
            h[104] = s->compression_type;
        }
    }
    size_t format_length = strlen(bs->backing_format);
    if (bs->backing_file[0] && format_length) {
        qcow2_put_be32(h + pos, QCOW2_EXT_BACKING_FORMAT);
        qcow2_put_be32(h + pos + 4, (uint32_t)format_length);
        memcpy(h + pos + 8, bs->backing_format, format_length);
        pos += 8 + qcow2_align_up(format_length, 8);
    }
    if (pos + s->unknown_extensions_size + 8 > s->cluster_size) {
        return -EFBIG;
    }
    if (s->unknown_extensions_size) {
        memcpy(h + pos, s->unknown_extensions, s->unknown_extensions_size);
    }
    pos += s->unknown_extensions_size + 8;     /* end-of-extensions marker: zeros */
    size_t name_length = strlen(bs->backing_file);
    if (name_length) {
        if (name_length > QCOW2_MAX_BACKING_NAME || pos + name_length > s->cluster_size) {
            return -EFBIG;
        }
        qcow2_put_be64(h + QCOW2_OFF_BACKING_OFFSET, pos);
        qcow2_put_be32(h + 16, (uint32_t)name_length);
        memcpy(h + pos, bs->backing_file, name_length);
        pos += name_length;
    }
    *used = pos;
    return 0;
}

int qcow2_write_header(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t *h = calloc(1, s->cluster_size);
    if (!h) {
        return -ENOMEM;
    }
    size_t used;
    int ret = build_header(bs, h, &used);
    if (ret < 0) {
        bdrv_set_error(bs, "the header of '%s' has no room for its extensions and backing name",
                       bs->filename);
    } else {
        ret = block_file_pwrite(bs->file, 0, qcow2_align_up(used, 512) < s->cluster_size
                                ? qcow2_align_up(used, 512) : s->cluster_size, h);
        if (ret < 0) {
            qcow2_io_error(bs, ret, "writing the header of");
        }
    }
    free(h);
    return ret;
}

int qcow2_update_l1_location(BlockDriverState *bs, uint64_t offset, uint32_t size)
{
    /* l1_size and l1_table_offset are adjacent: one write switches both */
    uint8_t part[12];
    qcow2_put_be32(part, size);
    qcow2_put_be64(part + 4, offset);
    int ret = block_file_pwrite(bs->file, QCOW2_OFF_L1_SIZE, sizeof(part), part);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    return ret;
}

int qcow2_update_size(BlockDriverState *bs, uint64_t size)
{
    uint8_t part[8];
    qcow2_put_be64(part, size);
    int ret = block_file_pwrite(bs->file, QCOW2_OFF_SIZE, sizeof(part), part);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing the header of");
    }
    return ret;
}

int qcow2_set_incompatible(BlockDriverState *bs, uint64_t bits, bool set)
{
    Qcow2State *s = bs->opaque;
    uint64_t value = set ? s->incompatible_features | bits : s->incompatible_features & ~bits;
    if (value == s->incompatible_features) {
        return 0;
    }
    if (s->version < 3) {
        s->incompatible_features = value;     /* v2 has no field: kept in memory only */
        return 0;
    }
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = qcow2_barrier(bs);
    }
    uint8_t part[8];
    qcow2_put_be64(part, value);
    if (ret == 0) {
        ret = block_file_pwrite(bs->file, QCOW2_OFF_INCOMPATIBLE, sizeof(part), part);
    }
    if (ret == 0) {
        s->incompatible_features = value;
        ret = qcow2_barrier(bs);
    }
    return ret;
}

/* --- information --- */

static int qcow2_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    Qcow2State *s = bs->opaque;
    bdi->cluster_size = (uint32_t)s->cluster_size;
    bdi->is_dirty = s->incompatible_features & QCOW2_INCOMPAT_DIRTY;
    bdi->compression_skips_incompressible = qcow2_codec_skips_incompressible(s->compression_type);
    return 0;
}

static void qcow2_dump_info(BlockDriverState *bs, FILE *out, bool json)
{
    Qcow2State *s = bs->opaque;
    bool v3 = s->version >= 3;
    const char *yes_no[] = { "false", "true" };
    bool lazy = s->compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS;
    bool corrupt = s->incompatible_features & QCOW2_INCOMPAT_CORRUPT;
    if (json) {
        fprintf(out, "{\n        \"type\": \"qcow2\",\n        \"data\": {\n");
        fprintf(out, "            \"compat\": \"%s\",\n", v3 ? "1.1" : "0.10");
        fprintf(out, "            \"compression-type\": \"%s\",\n",
                qcow2_codec_name(s->compression_type));
        if (v3) {
            fprintf(out, "            \"lazy-refcounts\": %s,\n", yes_no[lazy]);
        }
        fprintf(out, "            \"refcount-bits\": %u%s\n", s->refcount_bits, v3 ? "," : "");
        if (v3) {
            fprintf(out, "            \"corrupt\": %s,\n", yes_no[corrupt]);
            fprintf(out, "            \"extended-l2\": false\n");
        }
        fprintf(out, "        }\n    }");
        return;
    }
    fprintf(out, "Format specific information:\n");
    fprintf(out, "    compat: %s\n", v3 ? "1.1" : "0.10");
    fprintf(out, "    compression type: %s\n", qcow2_codec_name(s->compression_type));
    if (v3) {
        fprintf(out, "    lazy refcounts: %s\n", yes_no[lazy]);
    }
    fprintf(out, "    refcount bits: %u\n", s->refcount_bits);
    if (v3) {
        fprintf(out, "    corrupt: %s\n", yes_no[corrupt]);
        fprintf(out, "    extended l2: false\n");
    }
}

static int qcow2_change_backing_file(BlockDriverState *bs, const char *backing_file,
                                     const char *backing_fmt)
{
    char old_file[sizeof(bs->backing_file)], old_format[sizeof(bs->backing_format)];
    memcpy(old_file, bs->backing_file, sizeof(old_file));
    memcpy(old_format, bs->backing_format, sizeof(old_format));
    if ((backing_file && strlen(backing_file) > QCOW2_MAX_BACKING_NAME) ||
        (backing_fmt && strlen(backing_fmt) >= sizeof(bs->backing_format))) {
        bdrv_set_error(bs, "backing file name or format too long");
        return -EINVAL;
    }
    snprintf(bs->backing_file, sizeof(bs->backing_file), "%s", backing_file ? backing_file : "");
    snprintf(bs->backing_format, sizeof(bs->backing_format), "%s",
             backing_file && backing_fmt ? backing_fmt : "");
    int ret = qcow2_flush_metadata(bs);
    if (ret == 0) {
        ret = qcow2_write_header(bs);
    }
    if (ret < 0) {
        memcpy(bs->backing_file, old_file, sizeof(old_file));
        memcpy(bs->backing_format, old_format, sizeof(old_format));
    }
    return ret;
}

static int qcow2_check_entry(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    return qcow2_check(bs, res, fix);
}

/* Entry points that modify the image refuse when it is marked corrupt. */
static int guarded_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                          int flags)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_co_pwrite(bs, offset, bytes, buf, flags);
}

static int guarded_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                 int flags)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_co_pwrite_zeroes(bs, offset, bytes, flags);
}

static int guarded_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_co_pdiscard(bs, offset, bytes);
}

static int guarded_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                     const void *buf)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_co_pwrite_compressed(bs, offset, bytes, buf);
}

static int guarded_pwrite_precompressed(BlockDriverState *bs,
                                        const BdrvCompressedCluster *clusters, size_t count)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_pwrite_precompressed(bs, clusters, count);
}

static int guarded_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc)
{
    int ret = qcow2_check_writable(bs);
    return ret < 0 ? ret : qcow2_co_truncate(bs, size, shrink, prealloc);
}

/* Snapshot operations change refcounts and COPIED flags in many clusters
 * that cannot switch at once; the dirty bit covers them, so that an image
 * left by a crash in between is repaired on its next read-write open (qcow2
 * spec, "Dirty bit"). */
static int run_snapshot_op(BlockDriverState *bs, const char *name,
                           int (*op)(BlockDriverState *bs, const char *name))
{
    int ret = qcow2_check_writable(bs);
    if (ret == 0) {
        ret = qcow2_set_incompatible(bs, QCOW2_INCOMPAT_DIRTY, true);
    }
    if (ret < 0) {
        return ret;
    }
    ret = op(bs, name);
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    /* refused before changing anything (unknown name, bad name): clean */
    if (ret == 0 || ret == -ENOENT || ret == -EINVAL) {
        int cleared = qcow2_set_incompatible(bs, QCOW2_INCOMPAT_DIRTY, false);
        ret = ret < 0 ? ret : cleared;
    }
    return ret;
}

static int guarded_snapshot_create(BlockDriverState *bs, const char *name)
{
    return run_snapshot_op(bs, name, qcow2_snapshot_create);
}

static int guarded_snapshot_goto(BlockDriverState *bs, const char *name)
{
    return run_snapshot_op(bs, name, qcow2_snapshot_goto);
}

static int guarded_snapshot_delete(BlockDriverState *bs, const char *name)
{
    return run_snapshot_op(bs, name, qcow2_snapshot_delete);
}

const BlockDriver bdrv_qcow2 = {
    .format_name = "qcow2",
    .instance_size = sizeof(Qcow2State),
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .create = qcow2_create,
    .create_opts = qcow2_create_options,
    .pread = qcow2_co_pread,
    .pwrite = guarded_pwrite,
    .pwrite_zeroes = guarded_pwrite_zeroes,
    .pdiscard = guarded_pdiscard,
    .flush = qcow2_flush,
    .block_status = qcow2_co_block_status,
    .truncate = guarded_truncate,
    .check = qcow2_check_entry,
    .get_info = qcow2_get_info,
    .dump_info = qcow2_dump_info,
    .amend = qcow2_amend,
    .snapshot_create = guarded_snapshot_create,
    .snapshot_goto = guarded_snapshot_goto,
    .snapshot_delete = guarded_snapshot_delete,
    .snapshot_list = qcow2_snapshot_list,
    .pwrite_compressed = guarded_pwrite_compressed,
    .compressor_new = qcow2_compressor_new,
    .compressor_free = qcow2_compressor_free,
    .compress_cluster = qcow2_compress_cluster,
    .pwrite_precompressed = guarded_pwrite_precompressed,
    .measure = qcow2_measure,
    .supports_backing = true,
    .plain_map = true,
    .change_backing_file = qcow2_change_backing_file,
};
