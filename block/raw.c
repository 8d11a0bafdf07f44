/*
 * raw: the virtual disk is the host file byte for byte. Sparse-aware: holes
 * found with SEEK_DATA/SEEK_HOLE read as zeros and are reported as such, and
 * discards and unmapping zero writes punch holes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "block/block_int.h"

static const BlockOptionDesc raw_create_options[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "preallocation", OPT_STRING, "Preallocation mode (allowed values: off, falloc, full)" },
    { NULL, 0, NULL }
};

/* Anything can be a raw image: the lowest score, so every real format wins. */
static int raw_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    return 1;
}

static int raw_open(BlockDriverState *bs, QDict *options, int flags)
{
    int64_t length = block_file_length(bs->file);
    if (length < 0) {
        bdrv_set_error(bs, "cannot get the size: %s", strerror((int)-length));
        return (int)length;
    }
    bs->total_size = length;
    return 0;
}

static int raw_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    return block_file_pread(bs->file, offset, bytes, buf);
}

static int raw_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                      int flags)
{
    int ret = block_file_pwrite(bs->file, offset, bytes, buf);
    if (ret == 0 && (flags & BDRV_REQ_FUA)) {
        ret = block_file_flush(bs->file);
    }
    return ret;
}

static int raw_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    return block_file_write_zeroes(bs->file, offset, bytes, flags & BDRV_REQ_MAY_UNMAP);
}

static int raw_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    int ret = block_file_discard(bs->file, offset, bytes);
    return ret == -EOPNOTSUPP ? -ENOTSUP : ret;
}

static int raw_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                            uint64_t *pnum, uint64_t *map)
{
    int ret = block_file_status(bs->file, offset, bytes, pnum);
    *map = offset;
    return ret | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
}

static int raw_grow(BlockFile *file, uint64_t old_size, uint64_t size, int prealloc)
{
    int ret = block_file_truncate(file, size);
    if (ret < 0 || size <= old_size) {
        return ret;
    }
    if (prealloc == BDRV_PREALLOC_FALLOC) {
        return block_file_preallocate(file, old_size, size - old_size);
    }
    if (prealloc == BDRV_PREALLOC_FULL) {
        return block_file_write_zeroes(file, old_size, size - old_size, false);
    }
    return 0;
}

static int raw_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc)
{
    if (prealloc == BDRV_PREALLOC_METADATA) {
        bdrv_set_error(bs, "Unsupported preallocation mode 'metadata' for format raw");
        return -ENOTSUP;
    }
    return raw_grow(bs->file, bs->total_size, size, prealloc);
}

static int raw_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    uint64_t size;
    if (qdict_get_size(options, "size", 0, &size, err) < 0) {
        return -EINVAL;
    }
    const char *prealloc_name = qdict_get(options, "preallocation");
    int prealloc = prealloc_name ? bdrv_parse_prealloc(prealloc_name) : BDRV_PREALLOC_OFF;
    if (prealloc < 0 || prealloc == BDRV_PREALLOC_METADATA) {
        block_error_set(err, "Invalid preallocation mode: '%s'", prealloc_name);
        return -EINVAL;
    }
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        block_error_set(err, "Could not create '%s': %s", filename, strerror(e));
        return -e;
    }
    close(fd);
    BlockFile *file;
    int ret = block_file_open(filename, BDRV_O_RDWR, &file, err);
    if (ret < 0) {
        return ret;
    }
    ret = raw_grow(file, 0, size, prealloc);
    block_file_close(file);
    if (ret < 0) {
        block_error_set(err, "Could not resize '%s': %s", filename, strerror(-ret));
    }
    return ret;
}

static int raw_measure(QDict *options, BlockDriverState *in, uint64_t size, uint64_t *required,
                       uint64_t *fully_allocated)
{
    /* qemu-img reports the virtual size for both: raw has no metadata */
    *required = in ? bdrv_getlength(in) : size;
    *fully_allocated = *required;
    return 0;
}

const BlockDriver bdrv_raw = {
    .format_name = "raw",
    .instance_size = 1,
    .probe = raw_probe,
    .open = raw_open,
    .create = raw_create,
    .create_opts = raw_create_options,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .pwrite_zeroes = raw_pwrite_zeroes,
    .pdiscard = raw_pdiscard,
    .block_status = raw_block_status,
    .truncate = raw_truncate,
    .measure = raw_measure,
    .passthrough = true,
    .plain_map = true,
};
