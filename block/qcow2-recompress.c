/*
 * qcow2 amend -o compression_type: switches the codec of an image
 * (qemu-img 7.2 only sets it at creation).
 *
 * Every compressed cluster must be re-encoded, and the header byte and the
 * compressed data must never disagree, even after a crash: the compressed
 * clusters are first written out plainly (readable under either type), then
 * the header switches, then they are compressed again with the new codec.
 * At every step the image is consistent. Compressed clusters kept only by
 * internal snapshots could not be re-encoded this way, so images with
 * snapshots are refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"

/* Guest offsets of the active layer's compressed clusters, in order. */
static int list_compressed(BlockDriverState *bs, uint64_t **list, size_t *count)
{
    Qcow2State *s = bs->opaque;
    size_t capacity = 0;
    *list = NULL;
    *count = 0;
    for (uint64_t offset = 0; offset < bs->total_size; offset += s->cluster_size) {
        uint64_t entry = 0;
        int ret = qcow2_get_l2_entry(bs, offset, &entry);
        if (ret < 0) {
            free(*list);
            return ret;
        }
        if (qcow2_cluster_type(s, entry) != QCOW2_CLUSTER_COMPRESSED) {
            continue;
        }
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            uint64_t *grown = realloc(*list, capacity * sizeof(**list));
            if (!grown) {
                free(*list);
                return -ENOMEM;
            }
            *list = grown;
        }
        (*list)[(*count)++] = offset;
    }
    return 0;
}

static uint64_t cluster_bytes(BlockDriverState *bs, uint64_t offset)
{
    Qcow2State *s = bs->opaque;
    uint64_t left = bs->total_size - offset;
    return left < s->cluster_size ? left : s->cluster_size;
}

/* Rewrites each listed cluster plainly (compressed == false) or compressed
 * with the image's current codec, then flushes the metadata. */
static int rewrite_clusters(BlockDriverState *bs, const uint64_t *list, size_t count,
                            bool compressed, uint8_t *buf)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t bytes = cluster_bytes(bs, list[i]);
        int ret = qcow2_co_pread(bs, list[i], bytes, buf);
        if (ret == 0) {
            ret = compressed ? qcow2_co_pwrite_compressed(bs, list[i], bytes, buf)
                             : qcow2_co_pwrite(bs, list[i], bytes, buf, 0);
        }
        if (ret < 0) {
            return ret;
        }
    }
    int ret = qcow2_flush_metadata(bs);
    return ret < 0 ? ret : block_file_flush(bs->file);
}

int qcow2_change_compression_type(BlockDriverState *bs, unsigned type)
{
    Qcow2State *s = bs->opaque;
    if (type == s->compression_type) {
        return 0;
    }
    if (type != QCOW2_COMPRESSION_ZLIB && s->version < 3) {
        bdrv_set_error(bs, "Non-zlib compression type is only supported with compatibility "
                       "level 1.1 and above (use version=v3 or greater)");
        return -EINVAL;
    }
    if (!qcow2_codec_supported(type)) {
        bdrv_set_error(bs, "compression type '%s' is not built in (libzstd was not found when "
                       "building)", qcow2_codec_name(type));
        return -ENOTSUP;
    }
    if (s->nb_snapshots) {
        bdrv_set_error(bs, "Changing the compression type of an image with internal snapshots "
                       "is not supported");
        return -ENOTSUP;
    }
    uint64_t *list;
    size_t count;
    int ret = list_compressed(bs, &list, &count);
    if (ret < 0) {
        return ret;
    }
    uint8_t *buf = malloc(s->cluster_size);
    if (!buf) {
        free(list);
        return -ENOMEM;
    }
    ret = rewrite_clusters(bs, list, count, false, buf);
    if (ret == 0) {
        s->compression_type = (uint8_t)type;
        if (s->header_length < QCOW2_HEADER_V3_LENGTH + 8) {
            s->header_length = QCOW2_HEADER_V3_LENGTH + 8;   /* room for the type byte */
        }
        s->incompatible_features = type ? s->incompatible_features | QCOW2_INCOMPAT_COMPRESSION
                                        : s->incompatible_features & ~QCOW2_INCOMPAT_COMPRESSION;
        qcow2_codec_free(s->decoder);
        s->decoder = NULL;
        s->decompressed_entry = 0;
        s->compressed_tail = 0;     /* the partly filled cluster holds the old codec's data */
        ret = qcow2_write_header(bs);
    }
    if (ret == 0) {
        ret = block_file_flush(bs->file);
    }
    if (ret == 0) {
        ret = rewrite_clusters(bs, list, count, true, buf);
    }
    free(buf);
    free(list);
    return ret;
}
