/*
 * Code shared by the image-format drivers (qcow, vmdk, vdi, vpc): byte-order
 * access to on-disk fields, reading what lies under an unallocated region, and
 * creating the host file of a new image.
 */
#ifndef BLOCK_FORMAT_COMMON_H
#define BLOCK_FORMAT_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "block/block_int.h"

/* On-disk fields are unaligned; memcpy keeps the accesses defined. */
static inline uint16_t load_le16(const void *p) { const uint8_t *b = p; return b[0] | b[1] << 8; }
static inline uint32_t load_le32(const void *p)
{
    const uint8_t *b = p;
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t load_le64(const void *p)
{
    const uint8_t *b = p;
    return load_le32(b) | (uint64_t)load_le32(b + 4) << 32;
}
static inline uint16_t load_be16(const void *p) { const uint8_t *b = p; return b[0] << 8 | b[1]; }
static inline uint32_t load_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}
static inline uint64_t load_be64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)load_be32(b) << 32 | load_be32(b + 4);
}
static inline void store_le16(void *p, uint16_t v) { uint8_t *b = p; b[0] = v; b[1] = v >> 8; }
static inline void store_le32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24;
}
static inline void store_le64(void *p, uint64_t v) { store_le32(p, v); store_le32((uint8_t *)p + 4, v >> 32); }
static inline void store_be16(void *p, uint16_t v) { uint8_t *b = p; b[0] = v >> 8; b[1] = v; }
static inline void store_be32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}
static inline void store_be64(void *p, uint64_t v) { store_be32(p, v >> 32); store_be32((uint8_t *)p + 4, v); }

static inline uint64_t round_up_u64(uint64_t v, uint64_t align) { return (v + align - 1) / align * align; }
static inline uint64_t div_round_up_u64(uint64_t v, uint64_t d) { return (v + d - 1) / d; }

bool buffer_is_zero(const void *buf, size_t len);

/* Fills buf with what an unallocated region of bs shows: the backing file's data
 * where it has any (zeros past its end), zeros without a backing file. */
int format_read_unallocated(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf);

/* Status of allocated data at host offset host of file: data, plus zero where
 * the host file has a hole (as qemu-img map reports it); may shorten *pnum.
 * -EIO (bs's reason set) when part of it lies past the end of the file. */
int format_data_status(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t *pnum);

/* 0 when [host, host+bytes) lies inside file; else -EIO with bs's one-line reason
 * (data the metadata lists but the file does not hold is lost, not zeros) */
int format_check_in_file(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t bytes);

/* Reads a table of count 32-bit entries at offset of bs's file into a new array,
 * in host byte order (entries stored big-endian when big_endian); what names the
 * table in the one-line error. */
int format_read_table32(BlockDriverState *bs, uint64_t offset, uint32_t count,
                        bool big_endian, const char *what, uint32_t **table);

/* Reads bytes at host offset host of file, data the image's metadata says the
 * file holds: on failure sets bs's one-line reason (naming the file, and saying
 * so when the data lies past the end of the file) and returns -EIO or the error. */
int format_read_data(BlockDriverState *bs, BlockFile *file, uint64_t host, uint64_t bytes,
                     void *buf);

/* Creates (or truncates) filename and opens it read-write for a new image. */
int format_create_file(const char *filename, BlockFile **out, BlockErrorInfo *err);

/* The "size" creation option: required, at most max_size bytes. */
int format_get_create_size(QDict *options, const char *format, uint64_t max_size,
                           uint64_t *size, BlockErrorInfo *err);

/* Raw DEFLATE (window_bits < 0) or zlib-wrapped (window_bits > 0) compression of
 * one cluster: 0 and *out_len, or -1 when zlib is missing or the output would
 * not fit. Decompression returns the bytes produced (at most out_len), or -1
 * for a corrupt stream. */
int format_deflate(const void *in, size_t in_len, void *out, size_t *out_len, int window_bits);
int format_inflate(const void *in, size_t in_len, void *out, size_t out_len, int window_bits);

/* Compresses the clusters of in[0, bytes) (the last one zero-padded to
 * cluster_size) on several threads: cluster i goes to out + i * stride and
 * lens[i] is its length, or 0 when it does not fit in capacity (<= stride) bytes. */
int format_deflate_clusters(const uint8_t *in, uint64_t bytes, uint32_t cluster_size,
                            int window_bits, uint8_t *out, size_t stride, size_t capacity,
                            size_t *lens);

#endif
