/*
 * The block layer's public interface: open an image of any supported format,
 * read and write it at byte granularity, query allocation, create and check.
 * block/ knows no machine and no CPU; quetzal-img and (later) the emulated disks
 * use this header only.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct BlockDriverState BlockDriverState;
typedef struct QDict QDict;          /* string key -> string value options (block/options.c) */

/* open flags */
#define BDRV_O_RDWR       0x0002
#define BDRV_O_NOCACHE    0x0020     /* O_DIRECT (cache=none) */
#define BDRV_O_NATIVE_AIO 0x0080     /* aio=native (libaio) */
#define BDRV_O_NO_BACKING 0x0100
#define BDRV_O_UNSAFE_BACKING 0x0200 /* open even if the backing file is missing */
/* cache=unsafe (qemu-img convert's default for its target): a format may skip the
 * flushes that order its metadata updates; a crash can then lose more than leaks */
#define BDRV_O_NO_FLUSH   0x0800
/* opened by check: metadata pointing past the end of the file is read as zeros
 * and left for check to report (as qemu-img check does) instead of refusing the
 * image at open or failing with an I/O error; guest data reads past the end are
 * still I/O errors */
#define BDRV_O_CHECK      0x1000
#define BDRV_O_IO_URING   0x2000     /* aio=io_uring (liburing); falls back to threads */

/* write request flags */
#define BDRV_REQ_FUA       0x1
#define BDRV_REQ_MAY_UNMAP 0x2

/* block_status bits */
#define BDRV_BLOCK_DATA         0x01
#define BDRV_BLOCK_ZERO         0x02
#define BDRV_BLOCK_OFFSET_VALID 0x04
#define BDRV_BLOCK_ALLOCATED    0x10   /* this layer holds it (not the backing file) */
#define BDRV_BLOCK_COMPRESSED   0x20

typedef struct BlockErrorInfo {
    char msg[512];
} BlockErrorInfo;

typedef struct BlockOptionDesc {
    const char *name;
    enum { OPT_STRING, OPT_BOOL, OPT_NUMBER, OPT_SIZE } type;
    const char *help;
} BlockOptionDesc;

typedef struct BlockCheckResult {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    uint64_t image_end_offset;
    uint64_t allocated_clusters, total_clusters, fragmented_clusters, compressed_clusters;
} BlockCheckResult;

typedef struct BlockDriverInfo {
    uint32_t cluster_size;
    bool is_dirty;
    /* compressed writes give up on data that does not shrink about as fast
     * as a sample would tell (zstd): callers need not sample first */
    bool compression_skips_incompressible;
} BlockDriverInfo;

typedef struct BlockSnapshotInfo {
    char id[32];
    char name[256];
    uint64_t vm_state_size;
    uint64_t date_sec, date_nsec, vm_clock_nsec;
    uint64_t icount;
} BlockSnapshotInfo;

#define BDRV_CHECK_FIX_LEAKS  1
#define BDRV_CHECK_FIX_ERRORS 2

struct BlockDriverState {
    const struct BlockDriver *drv;
    void *opaque;                    /* driver state */
    char filename[4096];
    char backing_file[4096];         /* as recorded in the image */
    char backing_format[32];
    BlockDriverState *backing;       /* opened backing image, or NULL */
    struct BlockFile *file;          /* the host file holding the image (block/file.c) */
    uint64_t total_size;             /* virtual disk size in bytes */
    int open_flags;
    bool read_only;
    BlockErrorInfo err;              /* last error's one-line reason */
};

/* --- options: "key=value,key=value" strings as used by -o (block/options.c) --- */
QDict *qdict_new(void);
void qdict_free(QDict *d);
void qdict_put(QDict *d, const char *key, const char *value);   /* copies both */
const char *qdict_get(const QDict *d, const char *key);          /* NULL if absent */
bool qdict_del(QDict *d, const char *key);
/* parses "a=b,c=d" (",," escapes a comma) into d; -1 with err->msg on bad syntax */
int qdict_parse_opts(QDict *d, const char *opts, BlockErrorInfo *err);
/* typed getters: 0, or -1 with err->msg naming the option and the bad value */
int qdict_get_size(const QDict *d, const char *key, uint64_t def, uint64_t *out, BlockErrorInfo *err);
int qdict_get_bool(const QDict *d, const char *key, bool def, bool *out, BlockErrorInfo *err);
/* iteration over all entries, in insertion order */
size_t qdict_count(const QDict *d);
const char *qdict_key_at(const QDict *d, size_t index);
/* "10G", "512", "1.5M" (binary suffixes k/K M G T P E, bytes without one) */
int parse_size(const char *text, uint64_t *out);

/* writes text as a JSON string literal (for --output=json and drivers' dump_info) */
void block_print_json_string(FILE *out, const char *text);

/* --- formats --- */
const struct BlockDriver *bdrv_find_format(const char *name);
/* the format of an existing file by content (never by name); NULL + err if unknown */
const struct BlockDriver *bdrv_probe_file(const char *filename, BlockErrorInfo *err);
const char *bdrv_format_name(const BlockDriverState *bs);
/* prints the names of all formats, space separated */
void bdrv_list_formats(FILE *out);

/* --- images ---
 * Creation options use qemu-img's names: "size" (bytes), "backing_file",
 * "backing_fmt", "cluster_size", "compat", "preallocation" (off, metadata,
 * falloc, full), "lazy_refcounts", "refcount_bits", "subformat", ... */
/* format NULL probes; options may be NULL (e.g. "backing.file", driver specifics);
 * follows the backing chain unless BDRV_O_NO_BACKING, refusing loops */
BlockDriverState *bdrv_open(const char *filename, const char *format, QDict *options,
                            int flags, BlockErrorInfo *err);
void bdrv_close(BlockDriverState *bs);                  /* also closes the backing chain */
int bdrv_create(const char *format, const char *filename, QDict *options, BlockErrorInfo *err);
/* what bdrv_create checks first, for callers that must refuse bad options before
 * printing or writing anything: unknown options ("Invalid parameter"), backing
 * files for a format without them, a size that is not a size */
int bdrv_check_create_options(const char *format, QDict *options, BlockErrorInfo *err);

int bdrv_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf);
int bdrv_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf, int flags);
/* several reads or writes at once (bench, parallel copies): formats whose
 * virtual disk is their host file go to the host file's thread pool or libaio
 * in one batch; others run the requests one after another. Returns the first
 * failure; each request's own result is in ret. */
typedef struct BdrvRequest {
    uint64_t offset, bytes;
    void *buf;
    bool write;
    int ret;
} BdrvRequest;
int bdrv_submit(BlockDriverState *bs, BdrvRequest *reqs, unsigned count);
/* Reads bytes of plain data at host offset map of one layer of an image, as
 * bdrv_block_status_chain reported them for that layer (DATA with
 * BDRV_BLOCK_OFFSET_VALID). Only the layer's host file is touched, so several
 * threads may read at once while one other thread uses the image (convert's
 * parallel copies). -ENOTSUP, with err set, for a format that keeps its data
 * otherwise; data past the end of the file is -EIO (never zeros). */
int bdrv_pread_mapped(BlockDriverState *layer, uint64_t map, uint64_t bytes, void *buf,
                      BlockErrorInfo *err);
int bdrv_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags);
int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf);
/* Compressed writes in two steps, for a caller compressing on several threads
 * (convert -c): bdrv_compress_cluster may run on many threads at once, each
 * with its own BlockCompressor; bdrv_pwrite_precompressed stores clusters and
 * must be called by one thread at a time. Host space is allocated in the order
 * of the store calls. bdrv_compressor_new returns NULL when the format has no
 * such split (then use bdrv_pwrite_compressed). */
typedef struct BlockCompressor BlockCompressor;
BlockCompressor *bdrv_compressor_new(BlockDriverState *bs);
void bdrv_compressor_free(BlockCompressor *c);
/* compresses one cluster (bytes: the cluster size, or less for the image's
 * short last cluster, which is padded with zeros) into out (out_max bytes, at
 * least the cluster size); 0 when it does not shrink: write it plainly */
size_t bdrv_compress_cluster(BlockCompressor *c, const void *in, uint64_t bytes, void *out,
                             size_t out_max);
typedef struct BdrvCompressedCluster {
    uint64_t offset;                 /* guest offset, cluster aligned */
    const void *data;                /* what bdrv_compress_cluster made */
    size_t size;
} BdrvCompressedCluster;
int bdrv_pwrite_precompressed(BlockDriverState *bs, const BdrvCompressedCluster *clusters,
                              size_t count);
int bdrv_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
int bdrv_flush(BlockDriverState *bs);
uint64_t bdrv_getlength(BlockDriverState *bs);
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);
/* status of this layer only / resolved through the backing chain down to (not
 * including) base (NULL: the whole chain) */
int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum, uint64_t *map);
int bdrv_block_status_above(BlockDriverState *bs, BlockDriverState *base, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map);
/* as bdrv_block_status_above, also telling which layer answered: *depth is 0 for
 * bs, 1 for its backing file, ...; *layer that image (NULL when no layer holds
 * the range: then it reads as zeros) */
int bdrv_block_status_chain(BlockDriverState *bs, BlockDriverState *base, uint64_t offset,
                            uint64_t bytes, uint64_t *pnum, uint64_t *map, int *depth,
                            BlockDriverState **layer);
/* prealloc: one of the BDRV_PREALLOC_* values */
#define BDRV_PREALLOC_OFF      0
#define BDRV_PREALLOC_METADATA 1
#define BDRV_PREALLOC_FALLOC   2
#define BDRV_PREALLOC_FULL     3
int bdrv_parse_prealloc(const char *text);      /* -1 when not one of the names */
/* QEMU's aio= names: threads, native (libaio), io_uring; sets the flag in
 * *flags. -EINVAL for another name, -ENOTSUP for io_uring without liburing */
int bdrv_parse_aio(const char *mode, int *flags);
int bdrv_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc);
int bdrv_check(BlockDriverState *bs, BlockCheckResult *res, int fix);
int bdrv_get_info(BlockDriverState *bs, BlockDriverInfo *bdi);
int bdrv_amend(BlockDriverState *bs, QDict *options);
/* drops all data of this layer so it reads through to its backing file;
 * -ENOTSUP when the format cannot */
int bdrv_make_empty(BlockDriverState *bs);
/* rewrites the backing file name recorded in the image (rebase, commit) */
int bdrv_change_backing_file(BlockDriverState *bs, const char *backing_file, const char *backing_fmt);
int bdrv_snapshot_create(BlockDriverState *bs, const char *name);
int bdrv_snapshot_goto(BlockDriverState *bs, const char *name);
int bdrv_snapshot_delete(BlockDriverState *bs, const char *name);
int bdrv_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list);   /* count, malloc'd list */
int bdrv_measure(const char *format, QDict *options, BlockDriverState *in, uint64_t size,
                 uint64_t *required, uint64_t *fully_allocated, BlockErrorInfo *err);
/* the host file's name of this layer, the backing file name resolved against the
 * image's folder (into out), and the creation options of a format (NULL-terminated) */
void bdrv_resolve_backing_name(const char *image, const char *backing, char *out, size_t size);
const BlockOptionDesc *bdrv_create_options(const char *format);
bool bdrv_supports_backing(const char *format);
/* the last error's one-line reason for bs ("" if none) */
const char *bdrv_last_error(const BlockDriverState *bs);
void bdrv_set_error(BlockDriverState *bs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* formats a one-line reason into err (truncating long names quietly) */
void block_error_set(BlockErrorInfo *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
