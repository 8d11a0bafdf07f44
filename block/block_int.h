/*
 * The block-driver interface: what one image format (one file in block/) provides.
 * The generic layer (block/block.c) opens files, probes formats, follows backing
 * chains and splits requests; a driver only maps guest offsets to its own layout.
 *
 * Offsets and lengths are bytes. Drivers may assume requests are within the
 * virtual size; the generic layer handles alignment to request_alignment.
 * All functions return 0 (or a byte count where noted) or a negative errno, and set
 * a one-line reason with bdrv_set_error for anything a user should see.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"

typedef struct BlockDriver BlockDriver;

struct BlockDriver {
    const char *format_name;            /* "qcow2", "raw", ... as qemu-img spells it */
    size_t instance_size;               /* bytes of driver state (bs->opaque) */
    /* score how likely buf (the first buf_size bytes of the file) is this format:
     * 0 = no, 100 = certain; filename only for formats that need it */
    int (*probe)(const uint8_t *buf, int buf_size, const char *filename);

    int (*open)(BlockDriverState *bs, QDict *options, int flags);
    void (*close)(BlockDriverState *bs);
    int (*create)(const char *filename, QDict *options, BlockErrorInfo *err);
    /* the creation options this format takes, for -o help and checking */
    const BlockOptionDesc *create_opts;

    /* I/O on the virtual disk. pread returns 0 with buf filled (zeros for holes
     * unless the backing file covers them: the driver reads its backing file via
     * bs->backing when a cluster is unallocated). */
    int (*pread)(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf);
    int (*pwrite)(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                  int flags);                       /* BDRV_REQ_* */
    int (*pwrite_zeroes)(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags);
    int (*pdiscard)(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
    int (*flush)(BlockDriverState *bs);
    /* status of [offset, offset+bytes): sets *pnum to the length with the same status
     * (at least 1 byte) and returns BDRV_BLOCK_* bits; *map = the host offset of
     * the data in the image file when BDRV_BLOCK_OFFSET_VALID */
    int (*block_status)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        uint64_t *pnum, uint64_t *map);
    int (*truncate)(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc);
    int (*check)(BlockDriverState *bs, BlockCheckResult *res, int fix);
    int (*get_info)(BlockDriverState *bs, BlockDriverInfo *bdi);
    /* format-specific information for `info`. human: the whole block, heading
     * included ("Format specific information:\n    compat: 1.1\n..."); json: only
     * the value of "format-specific", one object such as
     * {"type": "qcow2", "data": {"compat": "1.1", ...}} (the caller prints the key) */
    void (*dump_info)(BlockDriverState *bs, FILE *out, bool json);
    int (*amend)(BlockDriverState *bs, QDict *options);
    /* internal snapshots */
    int (*snapshot_create)(BlockDriverState *bs, const char *name);
    int (*snapshot_goto)(BlockDriverState *bs, const char *name);
    int (*snapshot_delete)(BlockDriverState *bs, const char *name);
    int (*snapshot_list)(BlockDriverState *bs, BlockSnapshotInfo **list);
    /* compressed cluster writes (convert -c): whole aligned clusters only */
    int (*pwrite_compressed)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             const void *buf);
    /* the two steps of bdrv_compress_cluster/bdrv_pwrite_precompressed (optional):
     * compress_cluster runs on any thread with its own compressor state */
    void *(*compressor_new)(BlockDriverState *bs);
    void (*compressor_free)(void *compressor);
    size_t (*compress_cluster)(BlockDriverState *bs, void *compressor, const void *in,
                               uint64_t bytes, void *out, size_t out_max);
    int (*pwrite_precompressed)(BlockDriverState *bs, const BdrvCompressedCluster *clusters,
                                size_t count);
    /* measure: bytes a new image of this format needs for size / for the data of in */
    int (*measure)(QDict *options, BlockDriverState *in, uint64_t size,
                   uint64_t *required, uint64_t *fully_allocated);
    bool supports_backing;
    /* bytes the image takes on the host when that is more than bs->file (an
     * image made of several files); NULL: bs->file's allocation */
    int64_t (*get_allocated_file_size)(BlockDriverState *bs);
    /* the virtual disk is the host file byte for byte (raw): batches of requests
     * may go straight to the host file */
    bool passthrough;
    /* a data range whose block status has BDRV_BLOCK_OFFSET_VALID lies
     * plainly (not compressed, not encrypted) in bs->file at *map, so it can
     * be read there directly (bdrv_pread_mapped) */
    bool plain_map;
    /* drop every cluster of this layer so that it reads from its backing file
     * again (commit without -d); optional */
    int (*make_empty)(BlockDriverState *bs);
    /* rewrite the backing file name (and format, may be NULL or "") in the header */
    int (*change_backing_file)(BlockDriverState *bs, const char *backing_file,
                               const char *backing_fmt);
};

/* --- the host file under an image (block/file.c): plain files and block devices,
 * with aio=threads (a thread pool) or aio=native (libaio, with O_DIRECT) --- */
typedef struct BlockFile BlockFile;
int block_file_open(const char *filename, int flags, BlockFile **out, BlockErrorInfo *err);
void block_file_close(BlockFile *f);
/* reads past the end of the file return zeros */
int block_file_pread(BlockFile *f, uint64_t offset, uint64_t bytes, void *buf);
/* 0 if [offset, offset + bytes) lies inside the file, else -EIO (or the
 * error of asking its length); asks the kernel only past the length last seen */
int block_file_holds(BlockFile *f, uint64_t offset, uint64_t bytes);
/* reads data that an image's metadata says the file holds: -EIO when part of
 * [offset, offset+bytes) lies past the end of the file, never zeros */
int block_file_pread_data(BlockFile *f, uint64_t offset, uint64_t bytes, void *buf);
int block_file_pwrite(BlockFile *f, uint64_t offset, uint64_t bytes, const void *buf);
/* writes the buffers back to back from offset (pwritev where it can) */
struct iovec;
int block_file_pwritev(BlockFile *f, uint64_t offset, const struct iovec *iov, int count);
int block_file_flush(BlockFile *f);
int block_file_truncate(BlockFile *f, uint64_t size);
int64_t block_file_length(BlockFile *f);
int64_t block_file_allocated_size(BlockFile *f);
int block_file_discard(BlockFile *f, uint64_t offset, uint64_t bytes);      /* punch a hole */
/* SEEK_DATA/SEEK_HOLE: sets *pnum and returns BDRV_BLOCK_DATA or BDRV_BLOCK_ZERO */
int block_file_status(BlockFile *f, uint64_t offset, uint64_t bytes, uint64_t *pnum);
/* zeros over a range: punching a hole when unmap is allowed, else
 * FALLOC_FL_ZERO_RANGE, else writing zeros */
int block_file_write_zeroes(BlockFile *f, uint64_t offset, uint64_t bytes, bool unmap);
int block_file_preallocate(BlockFile *f, uint64_t offset, uint64_t bytes);   /* posix_fallocate */
const char *block_file_name(const BlockFile *f);
uint32_t block_file_alignment(const BlockFile *f);      /* 1, or the O_DIRECT block size */
/* several requests at once (convert's parallel writes; metadata-heavy formats) */
typedef struct BlockFileRequest {
    uint64_t offset, bytes;
    void *buf;
    bool write;
    int ret;
} BlockFileRequest;
int block_file_submit(BlockFile *f, BlockFileRequest *reqs, unsigned count);

/* All drivers, in probe order. */
extern const BlockDriver bdrv_raw, bdrv_qcow2, bdrv_qcow, bdrv_vmdk, bdrv_vdi, bdrv_vpc;
/* block/drivers.c: the drivers linked in, NULL-terminated (one line per format) */
extern const BlockDriver *const block_driver_list[];

#endif
