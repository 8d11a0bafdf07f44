/*
 * convert's shared state (img-convert.c): the job, the chunks the reader
 * thread hands to the writers, and the compressed writer on several threads
 * (img-convert-compress.c).
 */
#ifndef TOOLS_IMG_CONVERT_H
#define TOOLS_IMG_CONVERT_H

#include <pthread.h>
#include <stdatomic.h>
#include <zlib.h>

#include "tools/quetzal-img.h"
#include "block/block_int.h"

typedef struct ConvertSource {
    BlockDriverState *bs;
    uint64_t start, size;            /* where it lands in the target */
} ConvertSource;

/* the last block status asked of a source */
typedef struct ConvertStatusCache {
    const ConvertSource *src;        /* NULL: nothing cached */
    uint64_t start, end;             /* source bytes it describes */
    int status;
    uint64_t map;
    BlockDriverState *layer;
} ConvertStatusCache;

typedef struct ConvertJob {
    ConvertSource *sources;
    int source_count;
    uint64_t total_size;
    BlockDriverState *target;
    bool compress;
    uint64_t sparse_size;            /* 0: write everything as data */
    bool target_is_zero;             /* unwritten target ranges read as zeros */
    bool target_has_backing;         /* copy only the sources' top layer */
    uint64_t chunk_size;             /* multiple of the target's cluster size */
    uint32_t cluster_size;
    ImgProgress progress;
    z_stream sampler;                /* reader thread: compressibility samples */
    bool sampler_ready;
    bool out_of_order;               /* -W: store in completion order */
    bool defer_classify;             /* the compression workers classify clusters */
    bool parallel_read;              /* the compression workers read their clusters */
    bool copy_offload;               /* -C: data written as read, no zero detection */
    atomic_bool error_reported;      /* convert_error printed its line */
    /* the last block status asked of a source, for the whole rest of it (one
     * question per run of like data, not one per chunk); used by one thread
     * at a time, as the block status itself */
    ConvertStatusCache status_cache;
} ConvertJob;

typedef enum { RANGE_DATA, RANGE_ZERO, RANGE_BACKING } RangeKind;

/* How one cluster of a compressed conversion is written. */
typedef enum { CLUSTER_ZERO, CLUSTER_COMPRESS, CLUSTER_PLAIN } ClusterKind;

/* One chunk of target space on its way from the reader thread to the writer:
 * what each range of it is, and the data of its DATA ranges. */
typedef struct ConvertRange {
    uint64_t offset, bytes;
    RangeKind kind;
    BlockDriverState *layer;         /* DATA stored plainly at map in layer's file, or NULL */
    uint64_t map;
} ConvertRange;

typedef struct ConvertChunk {
    uint64_t offset, bytes;
    uint8_t *buffer;                 /* data of [offset, offset+bytes) where read */
    ConvertRange *ranges;
    size_t range_count, range_capacity;
    bool whole;                      /* compression: the whole chunk was read */
    uint8_t *cluster_kinds;          /* compression: a ClusterKind per cluster */
} ConvertChunk;

/* Reading (block status, source formats, decompression) runs on its own thread
 * ahead of writing, through a ring of `depth` chunks. Each image is only ever
 * used by one thread. */
typedef struct ConvertPipeline {
    ConvertJob *job;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ConvertChunk *slots;
    unsigned depth;
    uint64_t chunk_count, produced, consumed;
    bool failed;
    /* who sleeps on `changed`: a wake-up is sent only to someone waiting, and
     * the reader only once half the ring is free again (each wake-up may
     * preempt the waker, on a busy machine for a whole time slice) */
    bool reader_waits;
    unsigned consumers_waiting;
} ConvertPipeline;

/* runs worker(arg) on count threads (the caller's one of them; fewer when
 * threads cannot be started) and returns when all have */
#define CONVERT_MAX_WORKERS 16
void convert_run_workers(void *(*worker)(void *), void *arg, unsigned count);
/* reports the conversion's first error only (several threads may fail at once) */
void convert_error(ConvertJob *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* reads target-space bytes from the concatenated sources; thread-safe only
 * for sources with parallel_read */
int convert_read_sources(ConvertJob *job, uint64_t offset, uint64_t bytes, uint8_t *buf);
/* the reader's step for one chunk (offset and bytes set): block status,
 * reading, classification of compressed clusters */
int convert_fill_chunk(ConvertJob *job, ConvertChunk *chunk);
/* a chunk's block status only (offset and bytes set): its ranges */
int convert_plan_chunk(ConvertJob *job, ConvertChunk *chunk);
/* reads one DATA range of a planned chunk into the chunk's buffer: thread-safe
 * for ranges with a layer (bdrv_pread_mapped), else the sources' thread only */
int convert_read_range(ConvertJob *job, const ConvertChunk *chunk, const ConvertRange *r);
/* writes a chunk: compressed when read whole (-c), else its ZERO ranges as
 * zeros (nothing on a target that reads as zeros) and its DATA ranges as they
 * are (convert_find_zeros split out the zero runs of -S) */
int convert_write_chunk(ConvertJob *job, ConvertChunk *chunk);
/* splits a read chunk's DATA ranges where they hold zero -S units */
void convert_find_zeros(ConvertJob *job, ConvertChunk *chunk);
/* writes zeros where the target does not already read as zeros */
/* a chunk's data buffer (free() it), on huge pages where it can */
uint8_t *convert_alloc_chunk(uint64_t bytes);
int convert_write_zeroes(ConvertJob *job, uint64_t offset, uint64_t bytes);
int convert_write_error(ConvertJob *job, uint64_t offset);
/* the signal that interrupted the conversion, 0 if none */
int convert_interrupt_signal(void);
/* deflate at level 1 cannot shrink any of three 4 KiB samples of the cluster */
bool convert_looks_incompressible(z_stream *sampler, const uint8_t *buf, uint64_t bytes);

/* img-convert-compress.c: compresses and stores every chunk the reader
 * produces, for targets with split compression (bdrv_compressor_new); with
 * parallel_read there is no reader thread and the workers fill the chunks */
int convert_compress_parallel(ConvertPipeline *p);
/* img-convert-copy.c: the uncompressed conversion with up to `workers`
 * chunks read at once */
int convert_copy_parallel(ConvertJob *job, unsigned workers);

#endif
