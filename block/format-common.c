/*
 * Code shared by the image-format drivers; see block/format-common.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <unistd.h>
#include "config-host.h"
#include "block/format-common.h"
#ifdef CONFIG_ZLIB
#include <zlib.h>
#endif

bool buffer_is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0 && ((uintptr_t)p & 7)) {
        if (*p++) {
            return false;
        }
        len--;
    }
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        if (word) {
            return false;
        }
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        if (*p++) {
            return false;
        }
        len--;
    }
    return true;
}

int format_read_unallocated(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    uint64_t backing_len, from_backing = 0;

    if (bs->backing) {
        backing_len = bdrv_getlength(bs->backing);
        if (offset < backing_len) {
            from_backing = backing_len - offset < bytes ? backing_len - offset : bytes;
            int ret = bdrv_pread(bs->backing, offset, from_backing, buf);
            if (ret < 0) {
                bdrv_set_error(bs, "%s: cannot read backing file %s: %s", bs->filename,
                               bs->backing->filename, bdrv_last_error(bs->backing));
                return ret;
            }
        }
    }
    memset((uint8_t *)buf + from_backing, 0, bytes - from_backing);
    return 0;
}

static void format_past_eof_error(BlockDriverState *bs, BlockFile *file, uint64_t host,
                                  uint64_t bytes, int64_t length)
{
    bdrv_set_error(bs, "%s: %llu bytes of data at host offset %llu lie past the end of "
                   "the file (%lld bytes): %s", block_file_name(file),
                   (unsigned long long)bytes, (unsigned long long)host,
                   (long long)length, strerror(EIO));
}

int format_check_in_file(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t bytes)
{
    int ret = block_file_holds(file, host, bytes);
    int64_t length;

    if (ret == -EIO && (length = block_file_length(file)) >= 0) {
        format_past_eof_error(bs, file, host, bytes, length);
    } else if (ret < 0) {
        bdrv_set_error(bs, "%s: cannot get the file size: %s", block_file_name(file),
                       strerror(-ret));
    }
    return ret;
}

int format_data_status(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t *pnum)
{
    uint64_t n = 0;
    int status = format_check_in_file(bs, file, host, *pnum);

    if (status < 0) {
        return status;
    }
    status = block_file_status(file, host, *pnum, &n);

    if (status < 0) {
        return status;
    }
    if (n > 0 && n < *pnum) {
        *pnum = n;
    }
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED |
           (status & BDRV_BLOCK_ZERO);
}

int format_read_data(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t bytes,
                     void *buf)
{
    int ret = block_file_pread_data(file, host, bytes, buf);
    int64_t length;

    if (ret == -EIO && (length = block_file_length(file)) >= 0 &&
        (host > (uint64_t)length || bytes > (uint64_t)length - host)) {
        format_past_eof_error(bs, file, host, bytes, length);
    } else if (ret < 0) {
        bdrv_set_error(bs, "%s: read error: %s", block_file_name(file), strerror(-ret));
    }
    return ret;
}

int format_create_file(const char *filename, BlockFile **out, BlockErrorInfo *err)
{
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int error = errno;
        block_error_set(err, "%s: cannot create: %s", filename, strerror(error));
        return -error;
    }
    close(fd);
    return block_file_open(filename, BDRV_O_RDWR, out, err);
}

int format_read_table32(BlockDriverState *bs, uint64_t offset, uint32_t count,
                        bool big_endian, const char *what, uint32_t **table)
{
    uint64_t bytes = (uint64_t)count * 4;
    uint32_t *t = malloc(bytes ? bytes : 1);
    int ret;

    if (!t) {
        bdrv_set_error(bs, "out of memory for the %s", what);
        return -ENOMEM;
    }
    ret = block_file_pread(bs->file, offset, bytes, t);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the %s: %s", what, strerror(-ret));
        free(t);
        return ret;
    }
    for (uint32_t i = 0; i < count; i++) {
        t[i] = big_endian ? load_be32(&t[i]) : load_le32(&t[i]);
    }
    *table = t;
    return 0;
}

int format_get_create_size(QDict *options, const char *format, uint64_t max_size,
                           uint64_t *size, BlockErrorInfo *err)
{
    if (!options || !qdict_get(options, "size")) {
        block_error_set(err, "%s: image size is required", format);
        return -EINVAL;
    }
    if (qdict_get_size(options, "size", 0, size, err) < 0) {
        return -EINVAL;
    }
    if (*size > max_size) {
        snprintf(err->msg, sizeof(err->msg),
                 "%s: image size %llu too large (at most %llu bytes)", format,
                 (unsigned long long)*size, (unsigned long long)max_size);
        return -EFBIG;
    }
    return 0;
}

#ifdef CONFIG_ZLIB
int format_deflate(const void *in, size_t in_len, void *out, size_t *out_len, int window_bits)
{
    z_stream zs;
    int ret;

    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = in_len;
    zs.next_out = out;
    zs.avail_out = *out_len;
    ret = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return ret == Z_STREAM_END ? 0 : -1;
}

int format_inflate(const void *in, size_t in_len, void *out, size_t out_len, int window_bits)
{
    z_stream zs;
    int ret;

    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, window_bits) != Z_OK) {
        return -1;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = in_len;
    zs.next_out = out;
    zs.avail_out = out_len;
    ret = inflate(&zs, Z_FINISH);
    inflateEnd(&zs);
    /* the stream may carry padding after its end, or be cut where out is full */
    if (ret == Z_STREAM_END || ((ret == Z_BUF_ERROR || ret == Z_OK) && zs.avail_out == 0)) {
        return (int)(out_len - zs.avail_out);
    }
    return -1;
}
#else
int format_deflate(const void *in, size_t in_len, void *out, size_t *out_len, int window_bits)
{
    (void)in; (void)in_len; (void)out; (void)out_len; (void)window_bits;
    return -1;
}

int format_inflate(const void *in, size_t in_len, void *out, size_t out_len, int window_bits)
{
    (void)in; (void)in_len; (void)out; (void)out_len; (void)window_bits;
    return -1;
}
#endif

/* One thread's share of format_deflate_clusters: every stride-th cluster. */
typedef struct DeflateShare {
    const uint8_t *in;
    uint64_t bytes;
    uint32_t cluster_size;
    int window_bits;
    uint8_t *out;
    size_t out_stride, capacity;
    size_t *lens;
    uint64_t first, stride, count;
} DeflateShare;

static void *deflate_share(void *opaque)
{
    DeflateShare *d = opaque;
    uint8_t *padded = NULL;

    for (uint64_t i = d->first; i < d->count; i += d->stride) {
        uint64_t start = i * d->cluster_size;
        const uint8_t *src = d->in + start;
        size_t len = d->capacity;
        if (d->bytes - start < d->cluster_size) {
            padded = padded ? padded : calloc(1, d->cluster_size);
            if (!padded) {
                d->lens[i] = 0;
                continue;
            }
            memcpy(padded, src, d->bytes - start);
            src = padded;
        }
        d->lens[i] = format_deflate(src, d->cluster_size, d->out + i * d->out_stride, &len,
                                    d->window_bits) == 0 ? len : 0;
    }
    free(padded);
    return NULL;
}

int format_deflate_clusters(const uint8_t *in, uint64_t bytes, uint32_t cluster_size,
                            int window_bits, uint8_t *out, size_t stride, size_t capacity,
                            size_t *lens)
{
    enum { MAX_THREADS = 8 };
    uint64_t count = div_round_up_u64(bytes, cluster_size);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (uint64_t)cpus;
    DeflateShare shares[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    bool started[MAX_THREADS] = { false };

    if (threads > count) {
        threads = count;
    }
    for (uint64_t t = 0; t < threads; t++) {
        shares[t] = (DeflateShare) { in, bytes, cluster_size, window_bits, out, stride, capacity,
                                     lens, t, threads, count };
        /* the calling thread takes share 0; a thread that cannot start is done inline */
        started[t] = t > 0 && pthread_create(&ids[t], NULL, deflate_share, &shares[t]) == 0;
    }
    for (uint64_t t = 0; t < threads; t++) {
        if (!started[t]) {
            deflate_share(&shares[t]);
        }
    }
    for (uint64_t t = 0; t < threads; t++) {
        if (started[t]) {
            pthread_join(ids[t], NULL);
        }
    }
    return 0;
}
