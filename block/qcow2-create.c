/*
 * qcow2 image creation, size measurement and option amendment.
 *
 * A new image starts as a header, a one-cluster refcount table and one
 * refcount block; everything else (the L1 table, preallocated clusters) is
 * then allocated through the driver's own allocator, so creation exercises
 * the same code as normal writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2.h"

#define DEFAULT_CLUSTER_SIZE 65536

const BlockOptionDesc qcow2_create_options[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "compat", OPT_STRING, "Compatibility level (v2 [0.10] or v3 [1.1])" },
    { "backing_file", OPT_STRING, "File name of a base image" },
    { "backing_fmt", OPT_STRING, "Image format of the base image" },
    { "data_file", OPT_STRING, "File name of an external data file (not supported)" },
    { "data_file_raw", OPT_BOOL, "The external data file must stay valid as a raw image" },
    { "encryption", OPT_BOOL, "Encrypt the image (not supported)" },
    { "encrypt.format", OPT_STRING, "Encrypt the image, format choices: 'aes', 'luks'" },
    { "cluster_size", OPT_SIZE, "qcow2 cluster size" },
    { "extended_l2", OPT_BOOL, "Extended L2 tables (not supported)" },
    { "preallocation", OPT_STRING, "Preallocation mode (allowed values: off, metadata, falloc, full)" },
    { "lazy_refcounts", OPT_BOOL, "Postpone refcount updates" },
    { "refcount_bits", OPT_NUMBER, "Width of a reference count entry in bits" },
    { "compression_type", OPT_STRING, "Compression method used for image cluster compression" },
    { NULL, OPT_STRING, NULL },
};

typedef struct CreateSettings {
    uint64_t size;
    bool has_size;
    int version;
    unsigned cluster_bits;
    unsigned refcount_order;
    int prealloc;
    bool lazy_refcounts;
    const char *backing_file;
    const char *backing_fmt;
    unsigned compression_type;
} CreateSettings;

static int error_out(BlockErrorInfo *err, int ret, const char *fmt, const char *arg)
{
    snprintf(err->msg, sizeof(err->msg), fmt, arg);
    return ret;
}

static int parse_version(const char *compat, int *version, BlockErrorInfo *err)
{
    if (!compat || !strcmp(compat, "1.1") || !strcmp(compat, "v3")) {
        *version = 3;
    } else if (!strcmp(compat, "0.10") || !strcmp(compat, "v2")) {
        *version = 2;
    } else {
        return error_out(err, -EINVAL, "Parameter 'version' does not accept value '%s'", compat);
    }
    return 0;
}

static bool option_is_on(QDict *options, const char *key)
{
    bool value = false;
    BlockErrorInfo ignored;
    return options && qdict_get_bool(options, key, false, &value, &ignored) == 0 && value;
}

static int parse_geometry_options(QDict *options, CreateSettings *c, BlockErrorInfo *err)
{
    uint64_t cluster_size, refcount_bits;
    if (qdict_get_size(options, "cluster_size", DEFAULT_CLUSTER_SIZE, &cluster_size, err) < 0 ||
        qdict_get_size(options, "refcount_bits", 16, &refcount_bits, err) < 0) {
        return -EINVAL;
    }
    if (cluster_size < 512 || cluster_size > (2u << 20) || (cluster_size & (cluster_size - 1))) {
        return error_out(err, -EINVAL, "%s",
                         "Cluster size must be a power of two between 512 and 2048k");
    }
    if (refcount_bits == 0 || refcount_bits > 64 || (refcount_bits & (refcount_bits - 1))) {
        return error_out(err, -EINVAL, "%s",
                         "Refcount width must be a power of two and may not exceed 64 bits");
    }
    c->cluster_bits = (unsigned)__builtin_ctzll(cluster_size);
    c->refcount_order = (unsigned)__builtin_ctzll(refcount_bits);
    return 0;
}

static int parse_create_options(QDict *options, CreateSettings *c, BlockErrorInfo *err)
{
    memset(c, 0, sizeof(*c));
    const char *text;
    int ret = parse_version(options ? qdict_get(options, "compat") : NULL, &c->version, err);
    if (ret == 0) {
        ret = parse_geometry_options(options, c, err);
    }
    if (ret < 0) {
        return ret;
    }
    c->has_size = options && qdict_get(options, "size");
    if (c->has_size && qdict_get_size(options, "size", 0, &c->size, err) < 0) {
        return -EINVAL;
    }
    c->size = qcow2_align_up(c->size, 512);
    if (qdict_get_bool(options, "lazy_refcounts", false, &c->lazy_refcounts, err) < 0) {
        return -EINVAL;
    }
    text = options ? qdict_get(options, "preallocation") : NULL;
    c->prealloc = text ? bdrv_parse_prealloc(text) : BDRV_PREALLOC_OFF;
    if (c->prealloc < 0) {
        return error_out(err, -EINVAL, "Parameter 'preallocation' does not accept value '%s'",
                         text);
    }
    text = options ? qdict_get(options, "compression_type") : NULL;
    int type = text ? qcow2_codec_parse(text) : QCOW2_COMPRESSION_ZLIB;
    c->compression_type = type < 0 ? QCOW2_COMPRESSION_ZLIB : (unsigned)type;
    c->backing_file = options ? qdict_get(options, "backing_file") : NULL;
    c->backing_fmt = options ? qdict_get(options, "backing_fmt") : NULL;
    if (c->backing_file && !c->backing_file[0]) {
        c->backing_file = NULL;
    }
    return 0;
}

static int check_create_settings(QDict *options, const CreateSettings *c, BlockErrorInfo *err)
{
    const char *text;
    if (c->version < 3 && c->refcount_order != 4) {
        return error_out(err, -EINVAL, "%s", "Different refcount widths than 16 bits require "
                         "compatibility level 1.1 or above (use version=v3 or greater)");
    }
    if (c->version < 3 && c->lazy_refcounts) {
        return error_out(err, -EINVAL, "%s", "Lazy refcounts only supported with compatibility "
                         "level 1.1 and above (use version=v3 or greater)");
    }
    if (c->backing_file && c->prealloc != BDRV_PREALLOC_OFF) {
        return error_out(err, -EINVAL, "%s", "Backing file and preallocation can only be used at "
                         "the same time if extended_l2 is on");
    }
    if (option_is_on(options, "encryption") || (options && qdict_get(options, "encrypt.format"))) {
        return error_out(err, -ENOTSUP, "%s", "encrypted qcow2 images are not supported");
    }
    if (options && qdict_get(options, "data_file")) {
        return error_out(err, -ENOTSUP, "%s", "external data files are not supported");
    }
    if (option_is_on(options, "extended_l2")) {
        return error_out(err, -ENOTSUP, "%s", "extended L2 entries are not supported");
    }
    text = options ? qdict_get(options, "compression_type") : NULL;
    if (text && qcow2_codec_parse(text) < 0) {
        return error_out(err, -EINVAL, "Parameter 'compression-type' does not accept value '%s'",
                         text);
    }
    if (c->compression_type != QCOW2_COMPRESSION_ZLIB && c->version < 3) {
        return error_out(err, -EINVAL, "%s", "Non-zlib compression type is only supported with "
                         "compatibility level 1.1 and above (use version=v3 or greater)");
    }
    if (!qcow2_codec_supported(c->compression_type)) {
        return error_out(err, -ENOTSUP, "compression type '%s' is not built in (libzstd was "
                         "not found when building)", text);
    }
    if (c->backing_file && strlen(c->backing_file) > QCOW2_MAX_BACKING_NAME) {
        return error_out(err, -EINVAL, "%s", "Backing file name too long");
    }
    return 0;
}

/* The size of the backing image, when -o size was not given. */
static int backing_size(const char *filename, const CreateSettings *c, uint64_t *size,
                        BlockErrorInfo *err)
{
    char path[4096];
    bdrv_resolve_backing_name(filename, c->backing_file, path, sizeof(path));
    BlockErrorInfo backing_err = { "" };
    BlockDriverState *backing = bdrv_open(path, c->backing_fmt, NULL, 0, &backing_err);
    if (!backing) {
        snprintf(err->msg, sizeof(err->msg), "Could not open backing image: %s", backing_err.msg);
        return -ENOENT;
    }
    *size = bdrv_getlength(backing);
    bdrv_close(backing);
    return 0;
}

/* Header, refcount table (cluster 1) and one refcount block (cluster 2)
 * counting clusters 0 to 2. */
static int write_skeleton(int fd, const CreateSettings *c)
{
    uint64_t cluster_size = 1ull << c->cluster_bits;
    uint8_t *buf = calloc(3, cluster_size);
    if (!buf) {
        return -ENOMEM;
    }
    uint8_t *h = buf;
    qcow2_put_be32(h, QCOW2_MAGIC);
    qcow2_put_be32(h + 4, (uint32_t)c->version);
    qcow2_put_be32(h + 20, c->cluster_bits);
    qcow2_put_be64(h + QCOW2_OFF_REFTABLE_OFFSET, cluster_size);
    qcow2_put_be32(h + 56, 1);
    if (c->version >= 3) {
        qcow2_put_be64(h + 80, c->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0);
        qcow2_put_be32(h + 96, c->refcount_order);
        qcow2_put_be32(h + 100, QCOW2_HEADER_V3_LENGTH + 8);   /* with compression_type */
        /* qcow2 spec: a compression type other than zlib sets incompatible bit 3 */
        h[104] = (uint8_t)c->compression_type;
        qcow2_put_be64(h + 72, c->compression_type ? QCOW2_INCOMPAT_COMPRESSION : 0);
    }
    qcow2_put_be64(buf + cluster_size, 2 * cluster_size);
    Qcow2State geometry = { .refcount_order = c->refcount_order,
                            .refcount_max = c->refcount_order == 6
                                            ? UINT64_MAX : (1ull << (1u << c->refcount_order)) - 1 };
    for (uint64_t i = 0; i < 3; i++) {
        qcow2_refcount_to_block(&geometry, buf + 2 * cluster_size, i, 1);
    }
    ssize_t written = pwrite(fd, buf, 3 * cluster_size, 0);
    int ret = written == (ssize_t)(3 * cluster_size) ? 0 : (written < 0 ? -errno : -EIO);
    free(buf);
    return ret;
}

static BlockDriverState *open_for_setup(const char *filename, BlockErrorInfo *err)
{
    BlockFile *file;
    if (block_file_open(filename, BDRV_O_RDWR, &file, err) < 0) {
        return NULL;
    }
    BlockDriverState *bs = calloc(1, sizeof(*bs));
    Qcow2State *s = calloc(1, sizeof(*s));
    if (!bs || !s) {
        free(bs);
        free(s);
        block_file_close(file);
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return NULL;
    }
    bs->drv = &bdrv_qcow2;
    bs->opaque = s;
    bs->file = file;
    bs->open_flags = BDRV_O_RDWR | BDRV_O_NO_FLUSH | BDRV_O_NO_BACKING;
    snprintf(bs->filename, sizeof(bs->filename), "%s", filename);
    if (bdrv_qcow2.open(bs, NULL, bs->open_flags) < 0) {
        snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", filename, bs->err.msg);
        block_file_close(file);
        free(s);
        free(bs);
        return NULL;
    }
    return bs;
}

static void close_setup(BlockDriverState *bs)
{
    bdrv_qcow2.close(bs);
    block_file_close(bs->file);
    free(bs->opaque);
    free(bs);
}

/* Sizes the skeleton to the settings: L1 table, backing name, preallocation. */
static int finish_image(BlockDriverState *bs, const CreateSettings *c)
{
    Qcow2State *s = bs->opaque;
    uint64_t l2_coverage = s->l2_entries << s->cluster_bits;
    int ret = qcow2_grow_l1(bs, qcow2_div_round_up(c->size, l2_coverage));
    if (ret == 0 && c->backing_file) {
        snprintf(bs->backing_file, sizeof(bs->backing_file), "%s", c->backing_file);
        snprintf(bs->backing_format, sizeof(bs->backing_format), "%s",
                 c->backing_fmt ? c->backing_fmt : "");
    }
    bs->total_size = c->size;
    if (ret == 0) {
        ret = qcow2_write_header(bs);
    }
    if (ret == 0 && c->prealloc != BDRV_PREALLOC_OFF && c->size) {
        bs->total_size = 0;
        ret = bdrv_qcow2.truncate(bs, c->size, false, c->prealloc);
    }
    if (ret == 0) {
        ret = qcow2_flush_metadata(bs);
    }
    if (ret == 0) {
        ret = block_file_flush(bs->file);
    }
    return ret;
}

static int create_image(const char *filename, QDict *options, BlockErrorInfo *err)
{
    CreateSettings c;
    int ret = parse_create_options(options, &c, err);
    if (ret == 0) {
        ret = check_create_settings(options, &c, err);
    }
    if (ret == 0 && !c.has_size && c.backing_file) {
        ret = backing_size(filename, &c, &c.size, err);
    } else if (ret == 0 && !c.has_size) {
        ret = error_out(err, -EINVAL, "%s", "Image creation needs a size parameter");
    }
    if (ret < 0) {
        return ret;
    }
    if (c.size > (1ull << 62)) {
        return error_out(err, -EFBIG, "%s", "Image size is too large");
    }
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = -errno;
        snprintf(err->msg, sizeof(err->msg), "Could not create '%s': %s", filename,
                 strerror(-ret));
        return ret;
    }
    ret = write_skeleton(fd, &c);
    close(fd);
    if (ret < 0) {
        snprintf(err->msg, sizeof(err->msg), "Could not write '%s': %s", filename,
                 strerror(-ret));
        return ret;
    }
    BlockDriverState *bs = open_for_setup(filename, err);
    if (!bs) {
        return -EIO;
    }
    ret = finish_image(bs, &c);
    if (ret < 0) {
        snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", filename,
                 bs->err.msg[0] ? bs->err.msg : strerror(-ret));
    }
    close_setup(bs);
    return ret;
}

int qcow2_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    QDict *empty = options ? NULL : qdict_new();
    int ret = create_image(filename, options ? options : empty, err);
    if (empty) {
        qdict_free(empty);
    }
    return ret;
}

/* --- measure (QEMU's arithmetic, so that `measure` agrees with qemu-img) --- */

static uint64_t prealloc_size(uint64_t total_size, uint64_t cluster_size, unsigned refcount_order)
{
    uint64_t aligned = qcow2_align_up(total_size, cluster_size);
    uint64_t meta = cluster_size;                                  /* header */
    uint64_t l2_entries = qcow2_align_up(aligned / cluster_size, cluster_size / 8);
    meta += l2_entries * 8;                                        /* L2 tables */
    uint64_t l1_entries = qcow2_align_up(l2_entries * 8 / cluster_size, cluster_size / 8);
    meta += l1_entries * 8;                                        /* L1 table */
    meta += qcow2_refcount_metadata_size((meta + aligned) / cluster_size, cluster_size,
                                         refcount_order);
    return meta + aligned;
}

/* Bytes of data clusters the input's allocated (non-zero) areas need. */
static int measure_input(BlockDriverState *in, uint64_t cluster_size, uint64_t *required)
{
    uint64_t length = bdrv_getlength(in), pnum = 0;
    *required = 0;
    for (uint64_t offset = 0; offset < length; offset += pnum) {
        uint64_t map;
        int ret = bdrv_block_status_above(in, NULL, offset, length - offset, &pnum, &map);
        if (ret < 0) {
            return ret;
        }
        if (ret & BDRV_BLOCK_ZERO) {
            continue;
        }
        if ((ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) ==
            (BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED)) {
            pnum = qcow2_align_up(offset + pnum, cluster_size) - offset;
            *required += offset % cluster_size + pnum;
        }
    }
    return 0;
}

int qcow2_measure(QDict *options, BlockDriverState *in, uint64_t size,
                  uint64_t *required, uint64_t *fully_allocated)
{
    CreateSettings c;
    BlockErrorInfo err;
    QDict *empty = options ? NULL : qdict_new();
    int ret = parse_create_options(options ? options : empty, &c, &err);
    if (ret == 0) {
        ret = check_create_settings(options ? options : empty, &c, &err);
    }
    if (empty) {
        qdict_free(empty);
    }
    if (ret < 0) {
        return ret;
    }
    uint64_t cluster_size = 1ull << c.cluster_bits;
    uint64_t virtual_size = qcow2_align_up(in ? bdrv_getlength(in) : size, cluster_size);
    uint64_t data = 0;
    if (in && c.backing_file) {
        data = virtual_size;      /* the backing file may share nothing with the input */
    } else if (in) {
        int ret = measure_input(in, cluster_size, &data);
        if (ret < 0) {
            return ret;
        }
    }
    if (c.prealloc == BDRV_PREALLOC_FULL || c.prealloc == BDRV_PREALLOC_FALLOC) {
        data = virtual_size;
    }
    *fully_allocated = prealloc_size(virtual_size, cluster_size, c.refcount_order);
    *required = *fully_allocated - virtual_size + data;
    return 0;
}

/* --- amend --- */

int qcow2_check_writable(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->incompatible_features & QCOW2_INCOMPAT_CORRUPT) {
        bdrv_set_error(bs, "'%s' is marked corrupt; repair it with check -r all first",
                       bs->filename);
        return -EACCES;
    }
    return 0;
}

/* qcow2 v2 has no zero flag: zero clusters become unallocated (no backing
 * file) or are written out as zeros. */
static int downgrade_zero_clusters(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t *zeros = calloc(1, s->cluster_size);
    if (!zeros) {
        return -ENOMEM;
    }
    int ret = 0;
    for (uint64_t o = 0; ret == 0 && o < bs->total_size; o += s->cluster_size) {
        uint64_t entry;
        ret = qcow2_get_l2_entry(bs, o, &entry);
        Qcow2ClusterType type = ret == 0 ? qcow2_cluster_type(s, entry) : QCOW2_CLUSTER_NORMAL;
        if (type != QCOW2_CLUSTER_ZERO_PLAIN && type != QCOW2_CLUSTER_ZERO_ALLOC) {
            continue;
        }
        if (!bs->backing_file[0]) {
            ret = qcow2_set_l2_entry(bs, o, 0);
        } else {
            uint64_t length = bs->total_size - o < s->cluster_size ? bs->total_size - o
                                                                   : s->cluster_size;
            ret = qcow2_set_l2_entry(bs, o, 0);
            if (ret == 0) {
                ret = qcow2_co_pwrite(bs, o, length, zeros, 0);
            }
        }
    }
    free(zeros);
    return ret == 0 ? qcow2_flush_metadata(bs) : ret;
}

static int amend_version(BlockDriverState *bs, int version)
{
    Qcow2State *s = bs->opaque;
    if (version == s->version) {
        return 0;
    }
    if (version == 2) {
        if (s->refcount_order != 4) {
            bdrv_set_error(bs, "compat=0.10 requires refcount_bits=16");
            return -ENOTSUP;
        }
        if (s->nb_snapshots) {
            bdrv_set_error(bs, "downgrading an image with internal snapshots is not supported");
            return -ENOTSUP;
        }
        int ret = downgrade_zero_clusters(bs);
        if (ret < 0) {
            return ret;
        }
        s->compatible_features = s->incompatible_features = s->autoclear_features = 0;
        s->header_length = QCOW2_HEADER_V2_LENGTH;
    } else {
        s->header_length = QCOW2_HEADER_V3_LENGTH + 8;
    }
    s->version = version;
    return qcow2_write_header(bs);
}

int qcow2_amend(BlockDriverState *bs, QDict *options)
{
    Qcow2State *s = bs->opaque;
    BlockErrorInfo err = { "" };
    CreateSettings c;
    int ret = qcow2_check_writable(bs);
    if (ret == 0 && parse_create_options(options, &c, &err) < 0) {
        bdrv_set_error(bs, "%s", err.msg);
        return -EINVAL;
    }
    if (ret < 0) {
        return ret;
    }
    if (qdict_get(options, "cluster_size") && c.cluster_bits != s->cluster_bits) {
        bdrv_set_error(bs, "Changing the cluster size is not supported");
        return -ENOTSUP;
    }

    if (qdict_get(options, "preallocation") || qdict_get(options, "encryption")) {
        bdrv_set_error(bs, "Changing the preallocation or encryption is not supported");
        return -ENOTSUP;
    }
    ret = qcow2_flush_metadata(bs);
    if (ret == 0 && qdict_get(options, "compat")) {
        ret = amend_version(bs, c.version);
    }
    if (ret == 0 && qdict_get(options, "lazy_refcounts")) {
        if (c.lazy_refcounts && s->version < 3) {
            bdrv_set_error(bs, "Lazy refcounts only supported with compatibility level 1.1 "
                           "and above (use version=v3 or greater)");
            return -EINVAL;
        }
        /* refcounts are always kept up to date: the bit only allows laziness */
        s->compatible_features = c.lazy_refcounts
                                 ? s->compatible_features | QCOW2_COMPAT_LAZY_REFCOUNTS
                                 : s->compatible_features & ~QCOW2_COMPAT_LAZY_REFCOUNTS;
        ret = qcow2_write_header(bs);
    }
    if (ret == 0 && (qdict_get(options, "backing_file") || qdict_get(options, "backing_fmt"))) {
        snprintf(bs->backing_file, sizeof(bs->backing_file), "%s",
                 c.backing_file ? c.backing_file : bs->backing_file);
        snprintf(bs->backing_format, sizeof(bs->backing_format), "%s",
                 c.backing_fmt ? c.backing_fmt : bs->backing_format);
        ret = qcow2_write_header(bs);
    }
    if (ret == 0 && qdict_get(options, "refcount_bits")) {
        ret = qcow2_change_refcount_order(bs, c.refcount_order);
    }
    const char *type = qdict_get(options, "compression_type");
    if (ret == 0 && type && qcow2_codec_parse(type) < 0) {
        bdrv_set_error(bs, "Parameter 'compression-type' does not accept value '%s'", type);
        return -EINVAL;
    }
    if (ret == 0 && type) {
        ret = qcow2_change_compression_type(bs, c.compression_type);
    }
    if (ret == 0 && c.has_size && c.size != bs->total_size) {
        ret = qcow2_co_truncate(bs, c.size, true, BDRV_PREALLOC_OFF);
    }
    return ret;
}
