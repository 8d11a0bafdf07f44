/*
 * qcow2 cluster codecs: what one compressed cluster holds for each
 * compression_type of the header (qcow2 spec, header byte 104 and
 * incompatible bit 3): 0 = zlib, a raw deflate stream with a 4 KiB window;
 * 1 = zstd, one zstd frame (RFC 8878). A stored stream may be followed by
 * unrelated bytes up to the end of its last 512-byte sector, so decoding
 * stops once the cluster is complete. One codec serves one thread; it keeps
 * its library state between clusters instead of setting it up each time.
 * zstd is built in when libzstd is found (CONFIG_ZSTD).
 * With libdeflate (CONFIG_LIBDEFLATE, Debian's libdeflate-dev) zlib-type
 * clusters are compressed by libdeflate's whole-buffer compressor, about
 * twice as fast as zlib's deflate at the same level. Its stream may refer
 * back up to 32 KiB, more than the 4 KiB window QEMU declares; readers decode
 * a cluster in one inflate call with the whole cluster as output, where
 * inflate resolves a distance against the output of that call and the window
 * is never consulted (zlib inflate.c, "invalid distance too far back" is only
 * raised past both), so QEMU and our own reader accept it; check-img.sh has
 * qemu-img read clusters with such distances.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef CONFIG_ZSTD
#include <zstd.h>
#endif
#ifdef CONFIG_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "block/qcow2.h"

#define DEFLATE_WINDOW_BITS (-12)   /* raw deflate, 4 KiB window, as QEMU writes */

struct Qcow2Codec {
    unsigned type;
    bool deflate_ready, inflate_ready;
    z_stream deflate, inflate;
#ifdef CONFIG_LIBDEFLATE
    struct libdeflate_compressor *fast_deflate;
#endif
#ifdef CONFIG_ZSTD
    ZSTD_CCtx *zcompress;
    ZSTD_DCtx *zdecompress;
#endif
};

static const char *const codec_names[] = { "zlib", "zstd" };

int qcow2_codec_parse(const char *name)
{
    for (unsigned i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++) {
        if (!strcmp(name, codec_names[i])) {
            return (int)i;
        }
    }
    return -1;
}

const char *qcow2_codec_name(unsigned type)
{
    return type < sizeof(codec_names) / sizeof(codec_names[0]) ? codec_names[type] : "unknown";
}

bool qcow2_codec_supported(unsigned type)
{
#ifdef CONFIG_ZSTD
    return type == QCOW2_COMPRESSION_ZLIB || type == QCOW2_COMPRESSION_ZSTD;
#else
    return type == QCOW2_COMPRESSION_ZLIB;
#endif
}

Qcow2Codec *qcow2_codec_new(unsigned type)
{
    if (!qcow2_codec_supported(type)) {
        return NULL;
    }
    Qcow2Codec *c = calloc(1, sizeof(*c));
    if (c) {
        c->type = type;
    }
    return c;
}

void qcow2_codec_free(Qcow2Codec *c)
{
    if (!c) {
        return;
    }
#ifdef CONFIG_LIBDEFLATE
    if (c->fast_deflate) {
        libdeflate_free_compressor(c->fast_deflate);
    }
#endif
    if (c->deflate_ready) {
        deflateEnd(&c->deflate);
    }
    if (c->inflate_ready) {
        inflateEnd(&c->inflate);
    }
#ifdef CONFIG_ZSTD
    ZSTD_freeCCtx(c->zcompress);
    ZSTD_freeDCtx(c->zdecompress);
#endif
    free(c);
}

/* zstd checks whether a block shrinks before the real work (RFC 8878 raw
 * blocks), deflate through libdeflate samples the cluster first: either way
 * trying costs little more than a caller's sample would */
bool qcow2_codec_skips_incompressible(unsigned type)
{
#ifdef CONFIG_LIBDEFLATE
    (void)type;
    return true;
#else
    return type == QCOW2_COMPRESSION_ZSTD;
#endif
}

#ifdef CONFIG_LIBDEFLATE
/* Deflate cannot shrink data that looks random (compressed or encrypted
 * files), and trying costs as much as compressing text: three 4 KiB samples
 * (start, middle, end) tell, for the tenth of a full attempt. */
#define SAMPLE_SIZE 4096
static bool looks_incompressible(struct libdeflate_compressor *z, const uint8_t *in, size_t size)
{
    uint8_t out[SAMPLE_SIZE];
    if (size < 4 * SAMPLE_SIZE) {
        return false;
    }
    const size_t starts[3] = { 0, size / 2, size - SAMPLE_SIZE };
    for (int i = 0; i < 3; i++) {
        /* a sample that shrinks by at least 64 bytes: worth the real work */
        if (libdeflate_deflate_compress(z, in + starts[i], SAMPLE_SIZE, out, SAMPLE_SIZE - 64)) {
            return false;
        }
    }
    return true;
}
#endif

static size_t deflate_cluster(Qcow2Codec *c, const uint8_t *in, size_t size, uint8_t *out,
                              size_t out_max)
{
#ifdef CONFIG_LIBDEFLATE
    /* level 4: on 200 MB of Debian's /usr/bin and /usr/share/doc (a tar)
     * its clusters are 5% smaller than zlib's level 6 (Z_DEFAULT_COMPRESSION,
     * QEMU's, 4 KiB window) for a third of the CPU time; level 1 was 1.5%
     * larger, level 6 7% smaller for half the CPU time. A
     * reader inflating a whole cluster in one call accepts the longer
     * distances. Returns 0 when the stream does not fit in out_max. */
    if (c->fast_deflate || (c->fast_deflate = libdeflate_alloc_compressor(4))) {
        return looks_incompressible(c->fast_deflate, in, size) ? 0
               : libdeflate_deflate_compress(c->fast_deflate, in, size, out, out_max);
    }
#endif
    if (!c->deflate_ready) {
        if (deflateInit2(&c->deflate, Z_DEFAULT_COMPRESSION, Z_DEFLATED, DEFLATE_WINDOW_BITS, 9,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            return 0;
        }
        c->deflate_ready = true;
    } else if (deflateReset(&c->deflate) != Z_OK) {
        return 0;
    }
    c->deflate.next_in = (uint8_t *)in;
    c->deflate.avail_in = (uInt)size;
    c->deflate.next_out = out;
    c->deflate.avail_out = (uInt)out_max;
    return deflate(&c->deflate, Z_FINISH) == Z_STREAM_END ? out_max - c->deflate.avail_out : 0;
}

static int inflate_cluster(Qcow2Codec *c, const uint8_t *in, size_t in_size, uint8_t *out,
                           size_t out_size)
{
    if (!c->inflate_ready) {
        if (inflateInit2(&c->inflate, DEFLATE_WINDOW_BITS) != Z_OK) {
            return -ENOMEM;
        }
        c->inflate_ready = true;
    } else if (inflateReset(&c->inflate) != Z_OK) {
        return -EIO;
    }
    c->inflate.next_in = (uint8_t *)in;
    c->inflate.avail_in = (uInt)in_size;
    c->inflate.next_out = out;
    c->inflate.avail_out = (uInt)out_size;
    int ret = inflate(&c->inflate, Z_FINISH);
    bool ok = (ret == Z_STREAM_END || ret == Z_BUF_ERROR || ret == Z_OK) &&
              c->inflate.avail_out == 0;
    return ok ? 0 : -EIO;
}

#ifdef CONFIG_ZSTD
static size_t zstd_compress_cluster(Qcow2Codec *c, const uint8_t *in, size_t size, uint8_t *out,
                                    size_t out_max)
{
    if (!c->zcompress && !(c->zcompress = ZSTD_createCCtx())) {
        return 0;
    }
    size_t ret = ZSTD_compressCCtx(c->zcompress, out, out_max, in, size, ZSTD_CLEVEL_DEFAULT);
    return ZSTD_isError(ret) ? 0 : ret;     /* "destination too small": store it plain */
}

/* Decodes until the cluster is full: the frame's end may share its sector
 * with the next cluster's data, which must not be read as another frame. */
static int zstd_decompress_cluster(Qcow2Codec *c, const uint8_t *in, size_t in_size,
                                   uint8_t *out, size_t out_size)
{
    if (!c->zdecompress && !(c->zdecompress = ZSTD_createDCtx())) {
        return -ENOMEM;
    }
    ZSTD_DCtx_reset(c->zdecompress, ZSTD_reset_session_only);
    ZSTD_inBuffer input = { in, in_size, 0 };
    ZSTD_outBuffer output = { out, out_size, 0 };
    while (output.pos < output.size) {
        size_t before_in = input.pos, before_out = output.pos;
        size_t ret = ZSTD_decompressStream(c->zdecompress, &output, &input);
        if (ZSTD_isError(ret) || ret == 0 ||
            (input.pos == before_in && output.pos == before_out)) {
            break;      /* corrupt, a frame shorter than a cluster, or stuck */
        }
    }
    return output.pos == output.size ? 0 : -EIO;
}
#endif

size_t qcow2_codec_compress(Qcow2Codec *c, const uint8_t *in, size_t size, uint8_t *out,
                            size_t out_max)
{
#ifdef CONFIG_ZSTD
    if (c->type == QCOW2_COMPRESSION_ZSTD) {
        return zstd_compress_cluster(c, in, size, out, out_max);
    }
#endif
    return deflate_cluster(c, in, size, out, out_max);
}

int qcow2_codec_decompress(Qcow2Codec *c, const uint8_t *in, size_t in_size, uint8_t *out,
                           size_t out_size)
{
#ifdef CONFIG_ZSTD
    if (c->type == QCOW2_COMPRESSION_ZSTD) {
        return zstd_decompress_cluster(c, in, in_size, out, out_size);
    }
#endif
    return inflate_cluster(c, in, in_size, out, out_size);
}
