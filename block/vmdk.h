/*
 * VMware virtual disk (VMDK) driver internals, shared by block/vmdk.c
 * (descriptors, extent lists, request dispatch, status, info, check),
 * block/vmdk-sparse.c (hosted sparse and stream-optimized extents) and
 * block/vmdk-create.c (new images). The format is described in vmdk.c.
 */
#ifndef BLOCK_VMDK_H
#define BLOCK_VMDK_H

#include "block/format-common.h"

#define VMDK4_MAGIC          0x564d444bu      /* "KDMV" */
#define VMDK_GD_AT_END       UINT64_MAX
#define VMDK_FLAG_NL_DETECT  (1u << 0)
#define VMDK_FLAG_RGD        (1u << 1)
#define VMDK_FLAG_ZERO_GRAIN (1u << 2)
#define VMDK_FLAG_COMPRESSED (1u << 16)
#define VMDK_FLAG_MARKERS    (1u << 17)
#define VMDK_GTE_ZEROED      1u
#define VMDK_MARKER_EOS      0
#define VMDK_MARKER_FOOTER   3
#define VMDK_GT_CACHE_SIZE   16
#define VMDK_MAX_DESCRIPTOR  (1u << 20)
#define VMDK_MAX_EXTENTS     1024
#define VMDK_MAX_GD_ENTRIES  (64u << 20)
#define VMDK_MAX_DIRECTORIES (256u << 20)   /* bytes of grain directories per image */
#define VMDK_MAX_GRAIN       16384u         /* sectors (8 MiB) */

enum {
    HDR_MAGIC = 0, HDR_VERSION = 4, HDR_FLAGS = 8, HDR_CAPACITY = 12, HDR_GRAIN_SIZE = 20,
    HDR_DESC_OFFSET = 28, HDR_DESC_SIZE = 36, HDR_GTES_PER_GT = 44, HDR_RGD_OFFSET = 48,
    HDR_GD_OFFSET = 56, HDR_OVERHEAD = 64, HDR_UNCLEAN = 72, HDR_NL_CHARS = 73,
    HDR_COMPRESS_ALGORITHM = 77,
};

typedef enum { EXTENT_FLAT, EXTENT_SPARSE, EXTENT_ZERO } VmdkExtentType;
typedef enum { EXTENT_RW, EXTENT_RDONLY, EXTENT_NOACCESS } VmdkExtentAccess;

/* One slot of the grain-table cache shared by all extents of an image (so
 * that many extents cannot multiply its memory). */
typedef struct VmdkGtCacheEntry {
    const struct VmdkExtent *extent;    /* NULL for a free slot */
    uint64_t gt_sector;
    uint32_t *table;            /* host byte order */
    size_t entries;             /* capacity of table */
    uint64_t last_use;
} VmdkGtCacheEntry;

typedef struct VmdkExtent {
    VmdkExtentType type;
    VmdkExtentAccess access;
    BlockFile *file;
    bool owns_file;             /* false when it is bs->file */
    char filename[4096];        /* as named in the descriptor, then as opened */
    uint64_t start, length;     /* bytes of the virtual disk it covers */
    uint64_t flat_offset;       /* FLAT: where its data starts in the file */
    /* SPARSE */
    uint32_t version, flags;
    uint64_t grain_size;        /* bytes */
    uint32_t gtes_per_gt;
    uint32_t gd_entries;
    uint32_t *gd, *rgd;         /* sectors of GTs and their redundant copies */
    bool compressed, has_markers;
    uint64_t file_end;          /* where the next grain goes */
    bool stream_needs_eos;      /* grains appended since the end-of-stream marker */
} VmdkExtent;

typedef struct VmdkState {
    VmdkExtent *extents;
    int extent_count;
    VmdkGtCacheEntry gt_cache[VMDK_GT_CACHE_SIZE];
    uint64_t gt_use_counter;
    uint64_t directory_bytes;   /* grain directories of all extents, bounded */
    uint32_t cid, parent_cid;
    char create_type[64];
    uint8_t *grain_buf;         /* one decompressed grain */
    const VmdkExtent *grain_buf_extent;
    uint64_t grain_buf_gte;
    uint8_t *compressed_buf;
    size_t compressed_buf_size;
    /* the descriptor, kept to give the image a new CID when it is first written
     * (children record their parent's CID to notice it changed underneath) */
    char *descriptor;
    uint64_t descriptor_offset;     /* in bs->file */
    uint64_t descriptor_space;      /* bytes it may take (UINT64_MAX: own file) */
    bool cid_updated;
    int parent_cid_ok;              /* 0 unknown, 1 matches, -1 mismatch */
} VmdkState;

static inline bool vmdk_gte_is_zeroed(const VmdkExtent *e, uint32_t gte)
{
    return gte == VMDK_GTE_ZEROED && (e->flags & VMDK_FLAG_ZERO_GRAIN);
}

/* sets a one-line error naming the extent; returns ret */
int vmdk_io_error(BlockDriverState *bs, const VmdkExtent *e, const char *what, int ret);

/* block/vmdk-sparse.c: e->file is open; whole_disk when no descriptor sizes it */
int vmdk_open_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, bool whole_disk);
/* the GTE of the grain holding rel (an offset inside extent e); 0 without a GT */
int vmdk_get_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t *gte);
int vmdk_set_gte(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint32_t gte);
/* [rel, rel+n) of a sparse extent, within one grain */
int vmdk_read_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                     uint64_t n, uint8_t *out);
int vmdk_write_sparse(BlockDriverState *bs, VmdkState *s, VmdkExtent *e, uint64_t rel,
                      uint64_t n, const uint8_t *data);
/* several whole unallocated grains at once; *done = 0 when that does not apply */
int vmdk_write_sparse_run(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                          const uint8_t *data, uint64_t *done);
int vmdk_write_stream_run(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                          const uint8_t *data, uint64_t *done);
/* the end-of-stream marker after the last grain of a stream-optimized extent */
int vmdk_write_eos(BlockDriverState *bs, VmdkExtent *e);

/* reading through to the backing file: refused when the parent's CID is no
 * longer the one recorded here (it was written to since) */
int vmdk_check_parent_cid(BlockDriverState *bs);

/* block/vmdk-create.c */
uint32_t vmdk_random_cid(void);
int vmdk_create(const char *filename, QDict *options, BlockErrorInfo *err);
extern const BlockOptionDesc vmdk_create_opts[];

#endif
