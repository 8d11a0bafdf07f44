/*
 * qcow2 driver internals, shared by the block/qcow2*.c files (one concern each:
 * header and open (qcow2.c), creation/measure/amend (qcow2-create.c), metadata
 * cache (qcow2-cache.c), refcounts and allocation (qcow2-refcount.c), cluster
 * mapping (qcow2-cluster.c), compression (qcow2-compress.c), snapshots
 * (qcow2-snapshot.c), check and repair (qcow2-check.c), metadata overlap
 * protection (qcow2-overlap.c)). Nothing here is used outside the qcow2
 * driver; the driver itself is bdrv_qcow2 (block_int.h).
 *
 * Layout facts follow the qcow2 specification (docs/interop/qcow2.txt in QEMU).
 *
 * Crash consistency (what every writer here must keep): a reference to a cluster
 * (L1 entry, L2 entry, refcount-table entry, header field) reaches the file only
 * after the cluster's refcount increase and the cluster's contents did, separated
 * by a barrier (qcow2_barrier); a refcount decrease reaches the file only after
 * the last reference to the cluster was removed, again behind a barrier. A crash
 * at any point then leaves at most leaked clusters (refcount higher than the
 * number of references), never a reference to a free cluster.
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "block/block_int.h"

/* qcow2 spec, "Header" */
#define QCOW2_MAGIC                 0x514649fbu     /* "QFI\xfb" */
#define QCOW2_HEADER_V2_LENGTH      72
#define QCOW2_HEADER_V3_LENGTH      104
#define QCOW2_MIN_CLUSTER_BITS      9
#define QCOW2_MAX_CLUSTER_BITS      21             /* 2 MiB, as QEMU */
#define QCOW2_MAX_BACKING_NAME      1023
#define QCOW2_MAX_L1_BYTES          (32u << 20)    /* QEMU's limit */
#define QCOW2_MAX_REFTABLE_BYTES    (8u << 20)     /* QEMU's limit */
#define QCOW2_MAX_SNAPSHOTS         65536
#define QCOW2_MAX_SNAPSHOT_EXTRA    1024

/* header field offsets (qcow2 spec, "Header") */
#define QCOW2_OFF_BACKING_OFFSET    8
#define QCOW2_OFF_SIZE              24
#define QCOW2_OFF_L1_SIZE           36
#define QCOW2_OFF_REFTABLE_OFFSET   48
#define QCOW2_OFF_NB_SNAPSHOTS      60
#define QCOW2_OFF_INCOMPATIBLE      72

/* qcow2 spec, "incompatible_features" / "compatible_features" / "autoclear_features" */
#define QCOW2_INCOMPAT_DIRTY        (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT      (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2        (1ull << 4)
#define QCOW2_INCOMPAT_SUPPORTED    (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT)

/* header byte 104, compression_type (present when the header is longer) */
#define QCOW2_COMPRESSION_ZLIB      0
#define QCOW2_COMPRESSION_ZSTD      1
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* qcow2 spec, "Header extensions" */
#define QCOW2_EXT_END               0x00000000u
#define QCOW2_EXT_BACKING_FORMAT    0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE     0x6803f857u
#define QCOW2_EXT_BITMAPS           0x23852875u
#define QCOW2_EXT_CRYPTO            0x0537be77u
#define QCOW2_EXT_DATA_FILE         0x44415441u

/* qcow2 spec, "Cluster mapping": L1, L2 entries and cluster descriptors */
#define QCOW2_OFLAG_COPIED          (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED      (1ull << 62)
#define QCOW2_OFLAG_ZERO            (1ull << 0)
#define QCOW2_L1E_OFFSET_MASK       0x00fffffffffffe00ull
#define QCOW2_L2E_OFFSET_MASK       0x00fffffffffffe00ull
#define QCOW2_REFTABLE_OFFSET_MASK  0xfffffffffffffe00ull

typedef enum Qcow2ClusterType {
    QCOW2_CLUSTER_UNALLOCATED,
    QCOW2_CLUSTER_ZERO_PLAIN,     /* reads zeros, no host cluster */
    QCOW2_CLUSTER_ZERO_ALLOC,     /* reads zeros, host cluster preallocated */
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

/* A cache of cluster-sized metadata tables (L2 tables or refcount blocks) kept
 * in file byte order. Refcount blocks are written through; L2 tables are written
 * back (see qcow2-cluster.c for the ordering that requires). */
typedef struct Qcow2CacheEntry {
    uint64_t offset;              /* host offset of the table; 0 = slot empty */
    uint8_t *table;
    uint64_t last_use;
    bool dirty;
} Qcow2CacheEntry;

typedef struct Qcow2Cache {
    Qcow2CacheEntry *entries;
    unsigned count;
    uint64_t use_counter;
    uint32_t table_size;
    Qcow2CacheEntry *last;        /* the most recent hit, looked at first */
    uint8_t *memory;              /* the first slots' tables (CACHE_SMALL_SLOTS) */
    uint8_t *memory_big;          /* the other slots' tables, on huge pages */
} Qcow2Cache;

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id_str;
    char *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;           /* virtual size when taken */
    uint64_t icount;              /* UINT64_MAX when not recorded */
    uint32_t extra_data_size;     /* as read; unknown extra bytes are kept */
    uint8_t *extra_data;
} Qcow2Snapshot;

/* host ranges whose refcount drops once the L2 tables that dropped them are on disk */
typedef struct Qcow2PendingFree {
    uint64_t offset, bytes;
} Qcow2PendingFree;

typedef struct Qcow2State {
    int version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits;             /* log2 of entries per L2 table */
    uint64_t l2_entries;
    unsigned csize_shift;         /* compressed descriptor: sector count starts here */
    uint64_t csize_mask;
    uint64_t cluster_offset_mask; /* compressed descriptor: host offset bits */

    uint64_t l1_table_offset;
    uint32_t l1_size;
    uint64_t *l1_table;           /* host byte order */

    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint64_t refcount_table_size; /* entries */
    uint64_t *refcount_table;     /* host byte order */
    unsigned refcount_order, refcount_bits;
    uint64_t refcount_max;
    unsigned refblock_bits;       /* log2 of entries per refcount block */
    unsigned header_refcount_order; /* the width the file's header states */

    uint64_t incompatible_features, compatible_features, autoclear_features;
    uint32_t header_length;
    uint8_t compression_type;

    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size;      /* bytes of the snapshot table as read */
    Qcow2Snapshot *snapshots;

    /* header extensions we do not interpret, kept verbatim when the header is rewritten */
    uint8_t *unknown_extensions;
    size_t unknown_extensions_size;

    Qcow2Cache l2_cache;
    Qcow2Cache refblock_cache;

    Qcow2PendingFree *pending_frees;
    size_t nb_pending_frees, pending_frees_capacity;

    uint64_t free_cluster_index;  /* no free cluster below this one */
    uint64_t compressed_tail;     /* where the next compressed data may go in a
                                   * partly filled cluster; 0 = none */
    bool no_flush;                /* cache=unsafe: skip ordering barriers */
    bool metadata_prealloc_known, metadata_prealloc;

    /* last decompressed cluster, for sequential reads of compressed images */
    uint64_t decompressed_entry;
    uint8_t *decompressed;
    uint8_t *compressed_buffer;
    struct Qcow2Codec *decoder;
} Qcow2State;

/* --- byte order helpers (all numbers in qcow2 are big endian) --- */
static inline uint16_t qcow2_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t qcow2_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t qcow2_be64(const uint8_t *p)
{
    return (uint64_t)qcow2_be32(p) << 32 | qcow2_be32(p + 4);
}
static inline void qcow2_put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void qcow2_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void qcow2_put_be64(uint8_t *p, uint64_t v)
{
    qcow2_put_be32(p, (uint32_t)(v >> 32));
    qcow2_put_be32(p + 4, (uint32_t)v);
}
static inline uint64_t qcow2_align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
static inline uint64_t qcow2_div_round_up(uint64_t v, uint64_t d) { return (v + d - 1) / d; }

static inline uint64_t qcow2_offset_in_cluster(const Qcow2State *s, uint64_t offset)
{
    return offset & (s->cluster_size - 1);
}
static inline uint64_t qcow2_l2_entry_get(const uint8_t *table, uint64_t index)
{
    return qcow2_be64(table + index * 8);
}
static inline void qcow2_l2_entry_set(uint8_t *table, uint64_t index, uint64_t entry)
{
    qcow2_put_be64(table + index * 8, entry);
}

/* --- qcow2.c: header --- */
/* "WHAT 'file' failed: reason" unless a more precise reason was already set */
void qcow2_io_error(BlockDriverState *bs, int ret, const char *what);
int qcow2_barrier(BlockDriverState *bs);
int qcow2_write_header(BlockDriverState *bs);   /* the whole first cluster (extensions too) */
int qcow2_update_l1_location(BlockDriverState *bs, uint64_t offset, uint32_t size);
int qcow2_update_size(BlockDriverState *bs, uint64_t size);
int qcow2_set_incompatible(BlockDriverState *bs, uint64_t bits, bool set);
Qcow2ClusterType qcow2_cluster_type(const Qcow2State *s, uint64_t l2_entry);

/* --- qcow2-cache.c --- */
int qcow2_cache_init(Qcow2Cache *c, unsigned count, uint32_t table_size);
void qcow2_cache_destroy(Qcow2Cache *c);
/* the table at offset, read from the file on a miss; evicting may write back a
 * dirty L2 table (which is why callers never hold two tables of one cache) */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, uint8_t **table);
/* a zero-filled table for a freshly allocated cluster, not read from the file */
int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, uint8_t **table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint8_t *table);
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);    /* the cluster was freed */
void qcow2_cache_clear(Qcow2Cache *c);                       /* drops all (must be clean) */
bool qcow2_cache_has_dirty(const Qcow2Cache *c);
/* writes every dirty table (no barrier: the caller orders) */
int qcow2_cache_write_dirty(BlockDriverState *bs, Qcow2Cache *c);

/* --- qcow2-refcount.c --- */
int qcow2_refcount_init(BlockDriverState *bs);
uint64_t qcow2_refcount_from_block(const Qcow2State *s, const uint8_t *block, uint64_t index);
void qcow2_refcount_to_block(const Qcow2State *s, uint8_t *block, uint64_t index, uint64_t value);
void qcow2_set_refcount_order(Qcow2State *s, unsigned refcount_order);
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster_index, uint64_t *refcount);
/* adds addend (may be negative) to the refcount of every cluster touching
 * [offset, offset+bytes); refuses to overflow or go below zero */
int qcow2_update_refcount(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int64_t addend);
/* adds each[i] to the refcount of cluster first + i (nb clusters), one write
 * per refcount block; refuses to overflow */
int qcow2_add_refcounts(BlockDriverState *bs, uint64_t first, uint64_t nb, const uint32_t *each);
/* allocates nb contiguous clusters (refcount 1, written); returns the host offset
 * or a negative errno */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t nb);
/* the same, looking for free clusters from cluster index hint on */
int64_t qcow2_alloc_clusters_from(BlockDriverState *bs, uint64_t hint, uint64_t nb);
/* frees now (the caller has already removed and written every reference) */
int qcow2_free_clusters(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
/* frees after the next L2 write-back (the reference is in a dirty L2 table) */
int qcow2_free_later(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
int qcow2_apply_pending_frees(BlockDriverState *bs);
/* writes table (entries, host byte order) at offset, switches the header to it
 * behind barriers and takes ownership of table */
int qcow2_install_refcount_table(BlockDriverState *bs, uint64_t *table, uint64_t entries,
                                 uint64_t offset);
/* frees the host clusters of an L2 entry being replaced */
int qcow2_free_l2_entry_later(BlockDriverState *bs, uint64_t l2_entry);
int qcow2_free_l2_entry_now(BlockDriverState *bs, uint64_t l2_entry);
uint64_t qcow2_compressed_host_range(const Qcow2State *s, uint64_t l2_entry, uint64_t *bytes);
/* QEMU's measure arithmetic for the refcount structure (qcow2 spec, "Host cluster management") */
uint64_t qcow2_refcount_metadata_size(uint64_t clusters, uint64_t cluster_size,
                                      unsigned refcount_order);

/* --- qcow2-cluster.c --- */
int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t guest_offset, uint64_t *entry);
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size);
/* writes every dirty L2 table behind a barrier, then the pending refcount drops */
int qcow2_flush_metadata(BlockDriverState *bs);
int qcow2_co_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf);
int qcow2_co_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                    int flags);
int qcow2_co_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags);
int qcow2_co_pdiscard(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
int qcow2_co_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                          uint64_t *pnum, uint64_t *map);
int qcow2_co_truncate(BlockDriverState *bs, uint64_t size, bool shrink, int prealloc);
int qcow2_preallocate_metadata(BlockDriverState *bs, uint64_t offset, uint64_t bytes);
/* sets the L2 entry of one guest cluster (allocating the L2 table as needed);
 * the old entry's clusters are freed after the write-back */
int qcow2_set_l2_entry(BlockDriverState *bs, uint64_t guest_offset, uint64_t entry);

/* --- qcow2-overlap.c --- */
/* -EIO (and the image marked corrupt) when [offset, offset+bytes) holds metadata */
int qcow2_check_overlap(BlockDriverState *bs, uint64_t offset, uint64_t bytes);

/* --- qcow2-codec.c: one compressed cluster, per compression_type --- */
typedef struct Qcow2Codec Qcow2Codec;
int qcow2_codec_parse(const char *name);            /* -1: no such type */
const char *qcow2_codec_name(unsigned type);
bool qcow2_codec_supported(unsigned type);          /* built in */
/* whether compressing gives up quickly on data that cannot shrink */
bool qcow2_codec_skips_incompressible(unsigned type);
Qcow2Codec *qcow2_codec_new(unsigned type);         /* one per thread */
void qcow2_codec_free(Qcow2Codec *c);
/* compressed size, 0 when it does not fit in out_max bytes */
size_t qcow2_codec_compress(Qcow2Codec *c, const uint8_t *in, size_t size, uint8_t *out,
                            size_t out_max);
/* 0 when in (maybe followed by unrelated bytes) decodes to out_size bytes */
int qcow2_codec_decompress(Qcow2Codec *c, const uint8_t *in, size_t in_size, uint8_t *out,
                           size_t out_size);

/* --- qcow2-recompress.c: amend -o compression_type --- */
int qcow2_change_compression_type(BlockDriverState *bs, unsigned type);

/* --- qcow2-compress.c --- */
int qcow2_read_compressed(BlockDriverState *bs, uint64_t l2_entry, uint64_t offset_in_cluster,
                          uint64_t bytes, uint8_t *buf);
int qcow2_co_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                               const void *buf);
void *qcow2_compressor_new(BlockDriverState *bs);
void qcow2_compressor_free(void *compressor);
size_t qcow2_compress_cluster(BlockDriverState *bs, void *compressor, const void *in,
                              uint64_t bytes, void *out, size_t out_max);
int qcow2_pwrite_precompressed(BlockDriverState *bs, const BdrvCompressedCluster *clusters,
                               size_t count);

/* --- qcow2-snapshot.c --- */
int qcow2_read_snapshots(BlockDriverState *bs);
void qcow2_free_snapshots(Qcow2State *s);
int qcow2_snapshot_create(BlockDriverState *bs, const char *name);
int qcow2_snapshot_create_vm(BlockDriverState *bs, const char *name, uint64_t vm_state_size,
                             uint64_t vm_clock_nsec);
int qcow2_snapshot_goto(BlockDriverState *bs, const char *name);
int qcow2_snapshot_delete(BlockDriverState *bs, const char *name);
int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list);
/* adds addend to the refcount of every L2 table and cluster reachable from an L1 table */
int qcow2_update_tree_refcounts(BlockDriverState *bs, const uint64_t *l1, uint32_t l1_size,
                                int64_t addend);
/* rewrites the COPIED flags of the active L1 and L2 tables from the refcounts */
int qcow2_fix_copied_flags(BlockDriverState *bs);

/* --- qcow2-create.c: creation, measure, amend --- */
extern const BlockOptionDesc qcow2_create_options[];
int qcow2_create(const char *filename, QDict *options, BlockErrorInfo *err);
int qcow2_measure(QDict *options, BlockDriverState *in, uint64_t size,
                  uint64_t *required, uint64_t *fully_allocated);
int qcow2_amend(BlockDriverState *bs, QDict *options);
/* -EACCES with a reason when the image must not be written (corrupt bit) */
int qcow2_check_writable(BlockDriverState *bs);

/* --- qcow2-check.c --- */
int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix);
/* rewrites the refcount structure with another entry width (amend refcount_bits) */
int qcow2_change_refcount_order(BlockDriverState *bs, unsigned refcount_order);

#endif
