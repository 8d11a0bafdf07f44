/*
 * The generic block layer: format lookup and probing, opening images with their
 * backing chains (refusing loops), range checks and fallbacks around each
 * driver's I/O, and block status resolved through the chain.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "block/block_int.h"
#include "block/file-uring.h"

#define PROBE_BYTES 2048
#define MAX_CHAIN_DEPTH 256
#define ZERO_CHUNK (1024 * 1024)

void bdrv_set_error(BlockDriverState *bs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bs->err.msg, sizeof(bs->err.msg), fmt, ap);
    va_end(ap);
}

void block_error_set(BlockErrorInfo *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

const char *bdrv_last_error(const BlockDriverState *bs)
{
    return bs->err.msg;
}

/* Sets a generic reason when the driver failed without giving one. */
static int fail(BlockDriverState *bs, int ret, const char *what)
{
    if (ret < 0 && bs->err.msg[0] == '\0') {
        bdrv_set_error(bs, "%s failed: %s", what, strerror(-ret));
    }
    return ret;
}

const BlockDriver *bdrv_find_format(const char *name)
{
    for (int i = 0; block_driver_list[i]; i++) {
        if (strcmp(block_driver_list[i]->format_name, name) == 0) {
            return block_driver_list[i];
        }
    }
    return NULL;
}

void bdrv_list_formats(FILE *out)
{
    for (int i = 0; block_driver_list[i]; i++) {
        fprintf(out, "%s%s", i ? " " : "", block_driver_list[i]->format_name);
    }
}

const char *bdrv_format_name(const BlockDriverState *bs)
{
    return bs->drv ? bs->drv->format_name : "";
}

const BlockOptionDesc *bdrv_create_options(const char *format)
{
    const BlockDriver *drv = bdrv_find_format(format);
    return drv ? drv->create_opts : NULL;
}

bool bdrv_supports_backing(const char *format)
{
    const BlockDriver *drv = bdrv_find_format(format);
    return drv && drv->supports_backing;
}

int bdrv_parse_aio(const char *mode, int *flags)
{
    if (!strcmp(mode, "threads")) {
        *flags &= ~(BDRV_O_NATIVE_AIO | BDRV_O_IO_URING);
    } else if (!strcmp(mode, "native")) {
        *flags = (*flags & ~BDRV_O_IO_URING) | BDRV_O_NATIVE_AIO;
    } else if (!strcmp(mode, "io_uring")) {
        if (!block_uring_built_in()) {
            return -ENOTSUP;
        }
        *flags = (*flags & ~BDRV_O_NATIVE_AIO) | BDRV_O_IO_URING;
    } else {
        return -EINVAL;
    }
    return 0;
}

int bdrv_parse_prealloc(const char *text)
{
    static const char *const names[] = { "off", "metadata", "falloc", "full" };
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static const BlockDriver *probe_buffer(const uint8_t *buf, int size, const char *filename)
{
    const BlockDriver *best = NULL;
    int best_score = 0;
    for (int i = 0; block_driver_list[i]; i++) {
        const BlockDriver *drv = block_driver_list[i];
        int score = drv->probe ? drv->probe(buf, size, filename) : 0;
        if (score > best_score) {
            best_score = score;
            best = drv;
        }
    }
    return best;
}

const BlockDriver *bdrv_probe_file(const char *filename, BlockErrorInfo *err)
{
    BlockFile *file;
    if (block_file_open(filename, 0, &file, err) < 0) {
        return NULL;
    }
    uint8_t buf[PROBE_BYTES];
    int64_t length = block_file_length(file);
    int size = length < 0 ? 0 : length < PROBE_BYTES ? (int)length : PROBE_BYTES;
    int ret = block_file_pread(file, 0, size, buf);
    block_file_close(file);
    if (ret < 0) {
        block_error_set(err, "Could not read '%s': %s", filename, strerror(-ret));
        return NULL;
    }
    const BlockDriver *drv = probe_buffer(buf, size, filename);
    if (!drv) {
        block_error_set(err, "Could not open '%s': image format not recognized",
                 filename);
    }
    return drv;
}

void bdrv_resolve_backing_name(const char *image, const char *backing, char *out, size_t size)
{
    const char *slash = strrchr(image, '/');
    if (backing[0] == '/' || !slash || strstr(backing, "://")) {
        snprintf(out, size, "%s", backing);
        return;
    }
    snprintf(out, size, "%.*s%s", (int)(slash - image + 1), image, backing);
}

/* The identity of a file for loop detection: device and inode. */
typedef struct FileIdentity {
    dev_t device;
    ino_t inode;
} FileIdentity;

static BlockDriverState *open_one(const char *filename, const BlockDriver *drv, QDict *options,
                                  int flags, BlockErrorInfo *err)
{
    BlockFile *file;
    if (block_file_open(filename, flags, &file, err) < 0) {
        return NULL;
    }
    if (!drv) {
        uint8_t buf[PROBE_BYTES];
        int64_t length = block_file_length(file);
        int size = length < 0 ? 0 : length < PROBE_BYTES ? (int)length : PROBE_BYTES;
        if (block_file_pread(file, 0, size, buf) < 0 || !(drv = probe_buffer(buf, size, filename))) {
            block_error_set(err, "Could not open '%s': image format not recognized", filename);
            block_file_close(file);
            return NULL;
        }
    }
    BlockDriverState *bs = calloc(1, sizeof(*bs));
    if (!bs || !(bs->opaque = calloc(1, drv->instance_size ? drv->instance_size : 1))) {
        abort();
    }
    bs->drv = drv;
    bs->file = file;
    bs->open_flags = flags;
    bs->read_only = !(flags & BDRV_O_RDWR);
    snprintf(bs->filename, sizeof(bs->filename), "%s", filename);
    int ret = drv->open(bs, options, flags);
    if (ret < 0) {
        if (bs->err.msg[0]) {
            block_error_set(err, "Could not open '%s': %s", filename, bs->err.msg);
        } else {
            block_error_set(err, "Could not open '%s': %s", filename,
                     strerror(-ret));
        }
        block_file_close(file);
        free(bs->opaque);
        free(bs);
        return NULL;
    }
    return bs;
}

static int identify(const char *filename, FileIdentity *id)
{
    struct stat st;
    if (stat(filename, &st) < 0) {
        return -errno;
    }
    id->device = st.st_dev;
    id->inode = st.st_ino;
    return 0;
}

/* Appends text to buf (size bytes, *used of them taken), cutting it short
 * when full. */
static void append_text(char *buf, size_t size, size_t *used, const char *text)
{
    size_t n = strlen(text);
    if (n > size - 1 - *used) {
        n = size - 1 - *used;
    }
    memcpy(buf + *used, text, n);
    *used += n;
    buf[*used] = '\0';
}

/* Opens the backing chain below top, read-only, refusing loops and chains
 * deeper than MAX_CHAIN_DEPTH. */
static int open_backing_chain(BlockDriverState *top, QDict *options, int flags,
                              BlockErrorInfo *err)
{
    FileIdentity seen[MAX_CHAIN_DEPTH];
    int depth = 0;
    if (identify(top->filename, &seen[depth]) == 0) {
        depth++;
    }
    const char *forced_format = options ? qdict_get(options, "backing.driver") : NULL;
    int backing_flags = flags & ~(BDRV_O_RDWR);
    /* errors read as qemu-img's: "Could not open 'top': Could not open
     * backing file: " once per level down to the failing image */
    char prefix[sizeof(err->msg)];
    size_t used = 0;
    append_text(prefix, sizeof(prefix), &used, "Could not open '");
    append_text(prefix, sizeof(prefix), &used, top->filename);
    append_text(prefix, sizeof(prefix), &used, "': ");
    for (BlockDriverState *bs = top; bs->backing_file[0]; bs = bs->backing) {
        append_text(prefix, sizeof(prefix), &used, "Could not open backing file: ");
        char path[4096];
        bdrv_resolve_backing_name(bs->filename, bs->backing_file, path, sizeof(path));
        FileIdentity id;
        if (identify(path, &id) == 0) {
            for (int i = 0; i < depth; i++) {
                if (seen[i].device == id.device && seen[i].inode == id.inode) {
                    block_error_set(err, "Could not open '%s': backing file loop: '%s' is already in the "
                             "chain", top->filename, path);
                    return -ELOOP;
                }
            }
            if (depth == MAX_CHAIN_DEPTH) {
                block_error_set(err, "Could not open '%s': backing chain deeper than %d images",
                         top->filename, MAX_CHAIN_DEPTH);
                return -ELOOP;
            }
            seen[depth++] = id;
        }
        const char *format = bs == top && forced_format ? forced_format : bs->backing_format;
        const BlockDriver *drv = NULL;
        if (format[0] && !(drv = bdrv_find_format(format))) {
            block_error_set(err, "%sUnknown driver '%s'", prefix, format);
            return -EINVAL;
        }
        BlockErrorInfo backing_err = { "" };
        bs->backing = open_one(path, drv, NULL, backing_flags, &backing_err);
        if (!bs->backing) {
            if (flags & BDRV_O_UNSAFE_BACKING) {
                return 0;
            }
            block_error_set(err, "%s%s", prefix, backing_err.msg);
            return -ENOENT;
        }
    }
    return 0;
}

BlockDriverState *bdrv_open(const char *filename, const char *format, QDict *options,
                            int flags, BlockErrorInfo *err)
{
    const BlockDriver *drv = NULL;
    err->msg[0] = '\0';
    if (format && !(drv = bdrv_find_format(format))) {
        block_error_set(err, "Unknown driver '%s'", format);
        return NULL;
    }
    BlockDriverState *bs = open_one(filename, drv, options, flags, err);
    if (!bs || (flags & BDRV_O_NO_BACKING)) {
        return bs;
    }
    if (open_backing_chain(bs, options, flags, err) < 0) {
        bdrv_close(bs);
        return NULL;
    }
    return bs;
}

void bdrv_close(BlockDriverState *bs)
{
    while (bs) {
        BlockDriverState *backing = bs->backing;
        if (bs->drv->close) {
            bs->drv->close(bs);
        }
        block_file_close(bs->file);
        free(bs->opaque);
        free(bs);
        bs = backing;
    }
}

/* Rejects creation options the format does not know (qemu-img: "Invalid parameter"),
 * backing files for a format without them, and a size that is not one. */
static int check_create_options(const BlockDriver *drv, QDict *options, BlockErrorInfo *err)
{
    for (size_t i = 0; i < qdict_count(options); i++) {
        const char *key = qdict_key_at(options, i);
        bool known = strcmp(key, "size") == 0;
        uint64_t size;
        if (!drv->supports_backing &&
            (strcmp(key, "backing_file") == 0 || strcmp(key, "backing_fmt") == 0)) {
            block_error_set(err, "Backing file not supported for file format '%s'",
                            drv->format_name);
            return -EINVAL;
        }
        if (known && qdict_get_size(options, "size", 0, &size, err) < 0) {
            return -EINVAL;
        }
        for (const BlockOptionDesc *d = drv->create_opts; d && d->name && !known; d++) {
            known = strcmp(d->name, key) == 0;
        }
        if (!known) {
            block_error_set(err, "Invalid parameter '%s' for format '%s'", key,
                     drv->format_name);
            return -EINVAL;
        }
    }
    return 0;
}

int bdrv_check_create_options(const char *format, QDict *options, BlockErrorInfo *err)
{
    const BlockDriver *drv = bdrv_find_format(format);
    err->msg[0] = '\0';
    if (!drv) {
        block_error_set(err, "Unknown file format '%s'", format);
        return -EINVAL;
    }
    return options ? check_create_options(drv, options, err) : 0;
}

int bdrv_create(const char *format, const char *filename, QDict *options, BlockErrorInfo *err)
{
    const BlockDriver *drv = bdrv_find_format(format);
    err->msg[0] = '\0';
    if (!drv) {
        block_error_set(err, "Unknown file format '%s'", format);
        return -EINVAL;
    }
    if (!drv->create) {
        block_error_set(err, "Format driver '%s' does not support image creation",
                 format);
        return -ENOTSUP;
    }
    int ret = check_create_options(drv, options, err);
    if (ret < 0) {
        return ret;
    }
    ret = drv->create(filename, options, err);
    if (ret < 0 && err->msg[0] == '\0') {
        block_error_set(err, "%s: %s", filename, strerror(-ret));
    }
    return ret;
}

static int check_request(BlockDriverState *bs, uint64_t offset, uint64_t bytes, bool write)
{
    bs->err.msg[0] = '\0';
    if (write && bs->read_only) {
        bdrv_set_error(bs, "'%s' is opened read-only", bs->filename);
        return -EACCES;
    }
    if (offset > bs->total_size || bytes > bs->total_size - offset) {
        bdrv_set_error(bs, "request at offset %" PRIu64 " of %" PRIu64 " bytes is beyond the end "
                       "of '%s' (%" PRIu64 " bytes)", offset, bytes, bs->filename, bs->total_size);
        return -EIO;
    }
    return 0;
}

int bdrv_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    int ret = check_request(bs, offset, bytes, false);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    return fail(bs, bs->drv->pread(bs, offset, bytes, buf), "read");
}

int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf, int flags)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    if (!bs->drv->pwrite) {
        bdrv_set_error(bs, "format '%s' is read-only", bs->drv->format_name);
        return -ENOTSUP;
    }
    return fail(bs, bs->drv->pwrite(bs, offset, bytes, buf, flags), "write");
}

int bdrv_submit(BlockDriverState *bs, BdrvRequest *reqs, unsigned count)
{
    int first_error = 0;
    for (unsigned i = 0; i < count; i++) {
        reqs[i].ret = check_request(bs, reqs[i].offset, reqs[i].bytes, reqs[i].write);
        if (reqs[i].ret < 0 && !first_error) {
            first_error = reqs[i].ret;
        }
    }
    if (first_error) {
        return first_error;
    }
    if (!bs->drv->passthrough) {
        for (unsigned i = 0; i < count; i++) {
            reqs[i].ret = reqs[i].write ? bdrv_pwrite(bs, reqs[i].offset, reqs[i].bytes,
                                                      reqs[i].buf, 0)
                                        : bdrv_pread(bs, reqs[i].offset, reqs[i].bytes,
                                                     reqs[i].buf);
            if (reqs[i].ret < 0 && !first_error) {
                first_error = reqs[i].ret;
            }
        }
        return first_error;
    }
    BlockFileRequest *file_reqs = calloc(count ? count : 1, sizeof(*file_reqs));
    if (!file_reqs) {
        abort();
    }
    for (unsigned i = 0; i < count; i++) {
        file_reqs[i] = (BlockFileRequest){ reqs[i].offset, reqs[i].bytes, reqs[i].buf,
                                           reqs[i].write, 0 };
    }
    int ret = block_file_submit(bs->file, file_reqs, count);
    for (unsigned i = 0; i < count; i++) {
        reqs[i].ret = file_reqs[i].ret;
    }
    free(file_reqs);
    return fail(bs, ret, reqs[0].write ? "write" : "read");
}

int bdrv_pread_mapped(BlockDriverState *layer, uint64_t map, uint64_t bytes, void *buf,
                      BlockErrorInfo *err)
{
    if (!layer->drv->plain_map) {
        block_error_set(err, "%s: format '%s' has no plainly mapped data", layer->filename,
                        layer->drv->format_name);
        return -ENOTSUP;
    }
    /* raw reads past the end of its file as zeros, as bdrv_pread does;
     * formats whose metadata names the data refuse to */
    int ret = layer->drv->passthrough ? block_file_pread(layer->file, map, bytes, buf)
                                      : block_file_pread_data(layer->file, map, bytes, buf);
    if (ret == -EIO && !layer->drv->passthrough) {
        block_error_set(err, "%s: %" PRIu64 " bytes of data at host offset %" PRIu64 " lie past "
                        "the end of the file: %s", block_file_name(layer->file), bytes, map,
                        strerror(EIO));
    } else if (ret < 0) {
        block_error_set(err, "%s: read error: %s", block_file_name(layer->file), strerror(-ret));
    }
    return ret;
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    if (bs->drv->pwrite_zeroes) {
        ret = bs->drv->pwrite_zeroes(bs, offset, bytes, flags);
        if (ret != -ENOTSUP) {
            return fail(bs, ret, "write");
        }
        /* the format cannot describe zeros: write them as data */
        bs->err.msg[0] = '\0';
        ret = 0;
    }
    uint64_t chunk = bytes < ZERO_CHUNK ? bytes : ZERO_CHUNK;
    void *zeros = calloc(1, chunk);
    if (!zeros) {
        return fail(bs, -ENOMEM, "write");
    }
    while (bytes && ret >= 0) {
        uint64_t n = bytes < chunk ? bytes : chunk;
        ret = bdrv_pwrite(bs, offset, n, zeros, flags & BDRV_REQ_FUA);
        offset += n;
        bytes -= n;
    }
    free(zeros);
    return ret < 0 ? ret : 0;
}

int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0) {
        return ret;
    }
    if (!bs->drv->pwrite_compressed) {
        bdrv_set_error(bs, "Compression not supported for format '%s'", bs->drv->format_name);
        return -ENOTSUP;
    }
    return fail(bs, bs->drv->pwrite_compressed(bs, offset, bytes, buf), "compressed write");
}

struct BlockCompressor {
    BlockDriverState *bs;
    void *opaque;
};

BlockCompressor *bdrv_compressor_new(BlockDriverState *bs)
{
    if (!bs->drv->compressor_new || !bs->drv->pwrite_precompressed) {
        return NULL;
    }
    BlockCompressor *c = calloc(1, sizeof(*c));
    if (c && !(c->opaque = bs->drv->compressor_new(bs))) {
        free(c);
        c = NULL;
    }
    if (c) {
        c->bs = bs;
    }
    return c;
}

void bdrv_compressor_free(BlockCompressor *c)
{
    if (c) {
        c->bs->drv->compressor_free(c->opaque);
        free(c);
    }
}

size_t bdrv_compress_cluster(BlockCompressor *c, const void *in, uint64_t bytes, void *out,
                             size_t out_max)
{
    return c->bs->drv->compress_cluster(c->bs, c->opaque, in, bytes, out, out_max);
}

int bdrv_pwrite_precompressed(BlockDriverState *bs, const BdrvCompressedCluster *clusters,
                              size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int ret = check_request(bs, clusters[i].offset, 1, true);
        if (ret < 0) {
            return ret;
        }
    }
    if (!bs->drv->pwrite_precompressed) {
        bdrv_set_error(bs, "Compression not supported for format '%s'", bs->drv->format_name);
        return -ENOTSUP;
    }
    return fail(bs, bs->drv->pwrite_precompressed(bs, clusters, count), "compressed write");
}

int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    int ret = check_request(bs, offset, bytes, true);
    if (ret < 0 || !bs->drv->pdiscard || bytes == 0) {
        return ret;
    }
    ret = bs->drv->pdiscard(bs, offset, bytes);
    return ret == -ENOTSUP ? 0 : fail(bs, ret, "discard");
}

int bdrv_flush(BlockDriverState *bs)
{
    if (bs->read_only) {
        return 0;
    }
    bs->err.msg[0] = '\0';
    int ret = bs->drv->flush ? bs->drv->flush(bs) : 0;
    /* cache=unsafe: the format's caches are written out, the host's are not forced */
    if (ret == 0 && !(bs->open_flags & BDRV_O_NO_FLUSH)) {
        ret = block_file_flush(bs->file);
    }
    return fail(bs, ret, "flush");
}

uint64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->total_size;
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (bs->drv->get_allocated_file_size) {
        return bs->drv->get_allocated_file_size(bs);
    }
    return block_file_allocated_size(bs->file);
}

int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum, uint64_t *map)
{
    *map = 0;
    if (offset >= bs->total_size) {
        *pnum = 0;
        return 0;
    }
    if (bytes > bs->total_size - offset) {
        bytes = bs->total_size - offset;
    }
    if (!bs->drv->block_status) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }
    *pnum = 0;
    int ret = bs->drv->block_status(bs, offset, bytes, pnum, map);
    if (ret < 0) {
        return fail(bs, ret, "block status");
    }
    if (*pnum == 0 || *pnum > bytes) {
        *pnum = bytes;               /* a driver must answer at least one byte */
    }
    return ret;
}

int bdrv_block_status_chain(BlockDriverState *bs, BlockDriverState *base, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map, int *depth,
                            BlockDriverState **layer)
{
    *depth = 0;
    *map = 0;
    *layer = NULL;
    if (offset >= bs->total_size) {
        *pnum = 0;
        return 0;
    }
    if (bytes > bs->total_size - offset) {
        bytes = bs->total_size - offset;
    }
    for (BlockDriverState *cur = bs; cur && cur != base; cur = cur->backing, (*depth)++) {
        if (offset >= cur->total_size) {
            /* past the end of a shorter backing file: reads as zeros */
            *pnum = bytes;
            return BDRV_BLOCK_ZERO;
        }
        uint64_t n;
        int ret = bdrv_block_status(cur, offset, bytes, &n, map);
        if (ret < 0) {
            if (cur != bs) {
                bdrv_set_error(bs, "%s", cur->err.msg);
            }
            return ret;
        }
        bytes = n;
        if (ret & BDRV_BLOCK_ALLOCATED) {
            *pnum = bytes;
            *layer = cur;
            return ret;
        }
        if (!cur->backing || cur->backing == base) {
            /* unallocated with nothing below: zeros unless a base holds data */
            *pnum = bytes;
            if (!cur->backing) {
                ret |= BDRV_BLOCK_ZERO;
            }
            return ret & ~BDRV_BLOCK_OFFSET_VALID;
        }
    }
    *pnum = bytes;
    return 0;
}

int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map)
{
    int depth;
    BlockDriverState *layer;
    return bdrv_block_status_chain(bs, base, offset, bytes, pnum, map, &depth, &layer);
}

/* A driver callback that the format may not have: -ENOTSUP with a reason. */
static int unsupported(BlockDriverState *bs, const char *what)
{
    bdrv_set_error(bs, "format '%s' does not support %s", bs->drv->format_name, what);
    return -ENOTSUP;
}

int bdrv_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc)
{
    bs->err.msg[0] = '\0';
    if (bs->read_only) {
        bdrv_set_error(bs, "'%s' is opened read-only", bs->filename);
        return -EACCES;
    }
    if (!bs->drv->truncate) {
        return unsupported(bs, "resizing");
    }
    if (size < bs->total_size && !shrink) {
        bdrv_set_error(bs, "Use the --shrink option to perform a shrink operation.");
        return -EINVAL;
    }
    int ret = bs->drv->truncate(bs, size, shrink, prealloc);
    if (ret == 0) {
        bs->total_size = size;
    }
    return fail(bs, ret, "resize");
}

int bdrv_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    memset(res, 0, sizeof(*res));
    bs->err.msg[0] = '\0';
    if (!bs->drv->check) {
        return unsupported(bs, "checks");
    }
    return fail(bs, bs->drv->check(bs, res, fix), "check");
}

int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    memset(bdi, 0, sizeof(*bdi));
    if (!bs->drv->get_info) {
        return -ENOTSUP;
    }
    return bs->drv->get_info(bs, bdi);
}

int bdrv_amend(BlockDriverState *bs, QDict *options)
{
    bs->err.msg[0] = '\0';
    if (!bs->drv->amend) {
        return unsupported(bs, "amend");
    }
    return fail(bs, bs->drv->amend(bs, options), "amend");
}

int bdrv_make_empty(BlockDriverState *bs)
{
    bs->err.msg[0] = '\0';
    if (bs->read_only) {
        bdrv_set_error(bs, "'%s' is opened read-only", bs->filename);
        return -EACCES;
    }
    if (!bs->drv->make_empty) {
        return unsupported(bs, "emptying an image");
    }
    return fail(bs, bs->drv->make_empty(bs), "emptying the image");
}

int bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file, const char *backing_fmt)
{
    bs->err.msg[0] = '\0';
    if (!bs->drv->change_backing_file) {
        return unsupported(bs, "backing files");
    }
    int ret = bs->drv->change_backing_file(bs, backing_file, backing_fmt ? backing_fmt : "");
    if (ret == 0) {
        snprintf(bs->backing_file, sizeof(bs->backing_file), "%s", backing_file ? backing_file : "");
        snprintf(bs->backing_format, sizeof(bs->backing_format), "%s",
                 backing_fmt ? backing_fmt : "");
    }
    return fail(bs, ret, "changing the backing file");
}

int bdrv_snapshot_create(BlockDriverState *bs, const char *name)
{
    bs->err.msg[0] = '\0';
    if (!bs->drv->snapshot_create) {
        return unsupported(bs, "internal snapshots");
    }
    return fail(bs, bs->drv->snapshot_create(bs, name), "snapshot create");
}

int bdrv_snapshot_goto(BlockDriverState *bs, const char *name)
{
    bs->err.msg[0] = '\0';
    if (!bs->drv->snapshot_goto) {
        return unsupported(bs, "internal snapshots");
    }
    return fail(bs, bs->drv->snapshot_goto(bs, name), "snapshot apply");
}

int bdrv_snapshot_delete(BlockDriverState *bs, const char *name)
{
    bs->err.msg[0] = '\0';
    if (!bs->drv->snapshot_delete) {
        return unsupported(bs, "internal snapshots");
    }
    return fail(bs, bs->drv->snapshot_delete(bs, name), "snapshot delete");
}

int bdrv_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list)
{
    *list = NULL;
    if (!bs->drv->snapshot_list) {
        return 0;
    }
    return bs->drv->snapshot_list(bs, list);
}

int bdrv_measure(const char *format, QDict *options, BlockDriverState *in, uint64_t size,
                 uint64_t *required, uint64_t *fully_allocated, BlockErrorInfo *err)
{
    const BlockDriver *drv = bdrv_find_format(format);
    err->msg[0] = '\0';
    if (!drv) {
        block_error_set(err, "Unknown file format '%s'", format);
        return -EINVAL;
    }
    if (!drv->measure) {
        block_error_set(err, "Format driver '%s' does not support measure", format);
        return -ENOTSUP;
    }
    int ret = drv->measure(options, in, size, required, fully_allocated);
    if (ret < 0 && err->msg[0] == '\0') {
        block_error_set(err, "Cannot measure for format '%s': %s", format,
                 strerror(-ret));
    }
    return ret;
}
