/*
 * Commands that copy images: convert and dd.
 * convert walks the sources' block status so holes and zero runs are not
 * copied as data, detects zero runs in data (-S), compresses (-c) and writes
 * to a new or existing (-n) target. On failure it removes the target it
 * created, so nothing is left that looks like a complete copy.
 * A reader thread works ahead of the writer by up to -m chunks. Uncompressed
 * writes reach the target in order; compressed clusters are compressed and
 * stored by several workers (img-convert-compress.c), in completion order
 * with -W.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "tools/img-convert.h"

#define CONVERT_CHUNK (2 * 1024 * 1024)
/* uncompressed copies: the ring chunks of img-convert-copy.c (qemu-img's
 * buffer size: a write request per 2 MiB of data) */
#define COPY_CHUNK (2 * 1024 * 1024)
#define COMPRESS_CHUNK (8 * 1024 * 1024)
#define DEFAULT_SPARSE_SIZE 4096
#define MAX_SPARSE_SIZE (32768 * 512)

enum { OPTION_TARGET_IS_ZERO = 256, OPTION_SALVAGE, OPTION_OBJECT, OPTION_IMAGE_OPTS,
       OPTION_TARGET_IMAGE_OPTS, OPTION_BITMAPS };

/* The first error of a conversion, which several threads may hit at once (a
 * truncated file read by two workers): the one line reported. */
void convert_error(ConvertJob *job, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    if (atomic_exchange(&job->error_reported, true)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    img_error("%s", text);
}

void convert_run_workers(void *(*worker)(void *), void *arg, unsigned count)
{
    pthread_t threads[CONVERT_MAX_WORKERS];
    unsigned started = 0;
    for (; started + 1 < count && started + 1 < CONVERT_MAX_WORKERS; started++) {
        if (pthread_create(&threads[started], NULL, worker, arg) != 0) {
            break;                  /* fewer workers still finish the job */
        }
    }
    worker(arg);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
}

static ConvertSource *source_at(ConvertJob *job, uint64_t offset)
{
    for (int i = 0; i < job->source_count; i++) {
        if (offset < job->sources[i].start + job->sources[i].size) {
            return &job->sources[i];
        }
    }
    return NULL;
}

/* Reads target-space bytes from the sources (which are concatenated). */
int convert_read_sources(ConvertJob *job, uint64_t offset, uint64_t bytes, uint8_t *buf)
{
    while (bytes) {
        ConvertSource *src = source_at(job, offset);
        uint64_t local = offset - src->start;
        uint64_t n = src->size - local < bytes ? src->size - local : bytes;
        if (bdrv_pread(src->bs, local, n, buf) < 0) {
            convert_error(job, "error while reading at byte %" PRIu64 " of '%s': %s", local,
                      src->bs->filename, bdrv_last_error(src->bs));
            return -EIO;
        }
        offset += n;
        bytes -= n;
        buf += n;
    }
    return 0;
}

/* Block status of src at local, from the cache when it describes local:
 * each question covers the rest of the source, so a run of like data (a raw
 * file's data extent, a qcow2 source's contiguous clusters) is asked about
 * once rather than once per chunk. */
static int cached_status(ConvertJob *job, const ConvertSource *src, uint64_t local,
                         uint64_t *pnum, uint64_t *map, BlockDriverState **layer)
{
    ConvertStatusCache *c = &job->status_cache;
    if (c->src != src || local < c->start || local >= c->end) {
        int depth;
        BlockDriverState *base = job->target_has_backing ? src->bs->backing : NULL;
        uint64_t n;
        int ret = bdrv_block_status_chain(src->bs, base, local, src->size - local, &n,
                                          &c->map, &depth, &c->layer);
        if (ret < 0) {
            c->src = NULL;
            return ret;
        }
        c->src = src;
        c->start = local;
        c->end = local + n;
        c->status = ret;
    }
    *pnum = c->end - local;
    *map = (c->status & BDRV_BLOCK_OFFSET_VALID) ? c->map + (local - c->start) : 0;
    *layer = c->layer;
    return c->status;
}

/* What [offset, offset+bytes) of the target-space holds, and for how long;
 * for data stored plainly in a host file, which layer holds it and where
 * (*layer NULL otherwise). */
static int range_status(ConvertJob *job, uint64_t offset, uint64_t bytes, uint64_t *pnum,
                        RangeKind *kind, BlockDriverState **layer, uint64_t *map)
{
    ConvertSource *src = source_at(job, offset);
    uint64_t local = offset - src->start;
    BlockDriverState *base = job->target_has_backing ? src->bs->backing : NULL;
    int ret = cached_status(job, src, local, pnum, map, layer);
    if (ret < 0) {
        convert_error(job, "error while reading block status of '%s': %s", src->bs->filename,
                  bdrv_last_error(src->bs));
        return ret;
    }
    if (*pnum > bytes) {
        *pnum = bytes;
    }
    if (job->target_has_backing && !(ret & BDRV_BLOCK_ALLOCATED) && base) {
        *kind = RANGE_BACKING;
    } else if ((ret & BDRV_BLOCK_ZERO) && job->sparse_size) {
        *kind = RANGE_ZERO;
    } else {
        *kind = RANGE_DATA;
    }
    if (*kind != RANGE_DATA || !*layer || !(*layer)->drv->plain_map ||
        (ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID)) !=
        (BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID)) {
        *layer = NULL;
    }
    return 0;
}

int convert_write_error(ConvertJob *job, uint64_t offset)
{
    convert_error(job, "error while writing at byte %" PRIu64 ": %s", offset,
              bdrv_last_error(job->target));
    return -EIO;
}

int convert_write_zeroes(ConvertJob *job, uint64_t offset, uint64_t bytes)
{
    if (job->target_is_zero) {
        return 0;
    }
    if (bdrv_pwrite_zeroes(job->target, offset, bytes, BDRV_REQ_MAY_UNMAP) < 0) {
        return convert_write_error(job, offset);
    }
    return 0;
}

/* The run at the start of buf (target offset offset, bytes long) of -S units
 * (aligned in target space) that are all zero or all not. */
static uint64_t sparse_run(uint64_t unit, uint64_t offset, uint64_t bytes, const uint8_t *buf)
{
    uint64_t unit_end = (offset / unit + 1) * unit - offset;
    uint64_t run = unit_end < bytes ? unit_end : bytes;
    bool zero = img_is_zero(buf, run);
    /* extend the run while the following units are of the same kind */
    while (run < bytes) {
        uint64_t next = bytes - run < unit ? bytes - run : unit;
        if (img_is_zero(buf + run, next) != zero) {
            break;
        }
        run += next;
    }
    return run;
}

/* Deflate cannot shrink data that looks random (already compressed or
 * encrypted files), and trying costs as much as compressing text. Three 4 KiB
 * samples at the fastest level tell: when none of them shrinks, the cluster is
 * stored plainly without the full attempt. */
#define SAMPLE_SIZE 4096
bool convert_looks_incompressible(z_stream *z, const uint8_t *buf, uint64_t bytes)
{
    if (bytes < 4 * SAMPLE_SIZE) {
        return false;
    }
    uint8_t out[SAMPLE_SIZE];
    const uint64_t starts[3] = { 0, bytes / 2, bytes - SAMPLE_SIZE };
    for (int i = 0; i < 3; i++) {
        deflateReset(z);
        z->next_in = (Bytef *)(buf + starts[i]);
        z->avail_in = SAMPLE_SIZE;
        z->next_out = out;
        z->avail_out = SAMPLE_SIZE - 64;
        if (deflate(z, Z_FINISH) == Z_STREAM_END) {
            return false;            /* this sample shrank by at least 64 bytes */
        }
    }
    return true;
}

static ClusterKind classify_cluster(ConvertJob *job, const uint8_t *buf, uint64_t bytes)
{
    if (img_is_zero(buf, bytes)) {
        return CLUSTER_ZERO;
    }
    return job->sampler_ready && convert_looks_incompressible(&job->sampler, buf, bytes)
           ? CLUSTER_PLAIN : CLUSTER_COMPRESS;
}

/* Compressed output: runs of clusters worth compressing go to the format in
 * one request (it compresses them on several threads); zero clusters stay
 * unallocated; the rest, and what the format cannot compress, is written plainly. */
static int write_cluster_run(ConvertJob *job, ClusterKind kind, uint64_t offset, uint64_t bytes,
                             const uint8_t *buf)
{
    if (bytes == 0) {
        return 0;
    }
    if (kind == CLUSTER_ZERO) {
        return convert_write_zeroes(job, offset, bytes);
    }
    if (kind == CLUSTER_COMPRESS && bdrv_pwrite_compressed(job->target, offset, bytes, buf) == 0) {
        return 0;
    }
    if (bdrv_pwrite(job->target, offset, bytes, buf, 0) < 0) {
        return convert_write_error(job, offset);
    }
    return 0;
}

static int write_compressed(ConvertJob *job, uint64_t offset, uint64_t bytes, const uint8_t *buf,
                            const uint8_t *kinds)
{
    uint64_t run_start = 0;
    size_t index = 0;
    for (uint64_t pos = 0; pos < bytes; pos += job->cluster_size, index++) {
        if (kinds[index] == kinds[run_start / job->cluster_size]) {
            continue;
        }
        if (write_cluster_run(job, kinds[run_start / job->cluster_size], offset + run_start,
                              pos - run_start, buf + run_start) < 0) {
            return -EIO;
        }
        run_start = pos;
    }
    return write_cluster_run(job, kinds[run_start / job->cluster_size], offset + run_start,
                             bytes - run_start, buf + run_start);
}

static void add_range(ConvertChunk *chunk, const ConvertRange *range)
{
    if (chunk->range_count && chunk->ranges[chunk->range_count - 1].kind == range->kind &&
        range->kind != RANGE_DATA) {
        chunk->ranges[chunk->range_count - 1].bytes += range->bytes;
        return;
    }
    if (chunk->range_count == chunk->range_capacity) {
        chunk->range_capacity = chunk->range_capacity ? chunk->range_capacity * 2 : 16;
        chunk->ranges = realloc(chunk->ranges, chunk->range_capacity * sizeof(*chunk->ranges));
        if (!chunk->ranges) {
            abort();
        }
    }
    chunk->ranges[chunk->range_count++] = *range;
}

/* Compression: the chunk's data with zero ranges (holes, zero clusters of the
 * source) filled in by memset rather than read and scanned; clusters wholly
 * inside them are zero clusters without looking at their bytes. With
 * parallel_read only the zero clusters are found here; the workers read the
 * others (holes sharing a cluster with data read as zeros from a raw file). */
static int read_whole_chunk(ConvertJob *job, ConvertChunk *chunk)
{
    for (size_t i = 0; i < chunk->range_count && !job->parallel_read; i++) {
        ConvertRange *r = &chunk->ranges[i];
        uint8_t *dest = chunk->buffer + (r->offset - chunk->offset);
        if (r->kind == RANGE_ZERO) {
            /* only the parts sharing a cluster with other data are ever read */
            uint64_t head = r->offset % job->cluster_size ?
                            job->cluster_size - r->offset % job->cluster_size : 0;
            uint64_t tail = (r->offset + r->bytes) % job->cluster_size;
            if (head + tail >= r->bytes) {
                memset(dest, 0, r->bytes);
            } else {
                memset(dest, 0, head);
                memset(dest + r->bytes - tail, 0, tail);
            }
        } else if (convert_read_sources(job, r->offset, r->bytes, dest) < 0) {
            return -EIO;
        }
    }
    size_t index = 0, range = 0;
    for (uint64_t pos = 0; pos < chunk->bytes; pos += job->cluster_size, index++) {
        uint64_t n = chunk->bytes - pos < job->cluster_size ? chunk->bytes - pos
                                                            : job->cluster_size;
        uint64_t start = chunk->offset + pos;
        while (chunk->ranges[range].offset + chunk->ranges[range].bytes <= start) {
            range++;
        }
        ConvertRange *r = &chunk->ranges[range];
        chunk->cluster_kinds[index] = r->kind == RANGE_ZERO && start + n <= r->offset + r->bytes
                                      ? CLUSTER_ZERO
                                      : job->defer_classify ? CLUSTER_COMPRESS
                                      : classify_cluster(job, chunk->buffer + pos, n);
    }
    return 0;
}

/* Splits the DATA ranges of a chunk read uncompressed into runs of zero -S
 * units (aligned in target space) and the rest: the zero runs become ZERO
 * ranges (written as zeros where the target does not read as zeros). The
 * reading workers do this, so that the writer, which the target's single
 * writer makes the bottleneck, writes without scanning. */
void convert_find_zeros(ConvertJob *job, ConvertChunk *chunk)
{
    uint64_t unit = job->sparse_size;
    if (!unit || job->copy_offload) {
        return;                     /* -S 0, -C: data written as read */
    }
    ConvertRange *old = chunk->ranges;
    size_t count = chunk->range_count;
    chunk->ranges = NULL;
    chunk->range_count = chunk->range_capacity = 0;
    for (size_t i = 0; i < count; i++) {
        const ConvertRange *r = &old[i];
        if (r->kind != RANGE_DATA) {
            add_range(chunk, r);
            continue;
        }
        const uint8_t *buf = chunk->buffer + (r->offset - chunk->offset);
        for (uint64_t pos = 0; pos < r->bytes;) {
            uint64_t run = sparse_run(unit, r->offset + pos, r->bytes - pos, buf + pos);
            ConvertRange part = *r;
            part.offset = r->offset + pos;
            part.bytes = run;
            part.map = r->map + pos;
            if (img_is_zero(buf + pos, run)) {
                part.kind = RANGE_ZERO;
                part.layer = NULL;
            }
            add_range(chunk, &part);
            pos += run;
        }
    }
    free(old);
}

int convert_plan_chunk(ConvertJob *job, ConvertChunk *chunk)
{
    chunk->range_count = 0;
    chunk->whole = false;
    for (uint64_t pos = 0; pos < chunk->bytes;) {
        ConvertRange r = { .offset = chunk->offset + pos };
        if (range_status(job, r.offset, chunk->bytes - pos, &r.bytes, &r.kind, &r.layer,
                         &r.map) < 0) {
            return -EIO;
        }
        add_range(chunk, &r);
        pos += r.bytes;
    }
    return 0;
}

int convert_read_range(ConvertJob *job, const ConvertChunk *chunk, const ConvertRange *r)
{
    uint8_t *dest = chunk->buffer + (r->offset - chunk->offset);
    if (!r->layer) {
        return convert_read_sources(job, r->offset, r->bytes, dest);
    }
    BlockErrorInfo err = { "" };
    if (bdrv_pread_mapped(r->layer, r->map, r->bytes, dest, &err) < 0) {
        convert_error(job, "error while reading at byte %" PRIu64 ": %s", r->offset, err.msg);
        return -EIO;
    }
    return 0;
}

/* Reader side: classifies and reads one chunk. */
int convert_fill_chunk(ConvertJob *job, ConvertChunk *chunk)
{
    if (convert_plan_chunk(job, chunk) < 0) {
        return -EIO;
    }
    bool need_data = false;
    for (size_t i = 0; i < chunk->range_count; i++) {
        const ConvertRange *r = &chunk->ranges[i];
        /* compressed chunks are read whole; zero clusters are found in the data */
        need_data |= r->kind == RANGE_DATA || (r->kind == RANGE_ZERO && !job->target_is_zero);
        if (r->kind == RANGE_DATA && !job->compress && convert_read_range(job, chunk, r) < 0) {
            return -EIO;
        }
    }
    if (job->compress && need_data) {
        chunk->whole = true;
        return read_whole_chunk(job, chunk);
    }
    return 0;
}

/* Writer side: writes one chunk to the target. */
int convert_write_chunk(ConvertJob *job, ConvertChunk *chunk)
{
    if (chunk->whole) {
        return write_compressed(job, chunk->offset, chunk->bytes, chunk->buffer,
                                chunk->cluster_kinds);
    }
    for (size_t i = 0; i < chunk->range_count && !job->compress; i++) {
        const ConvertRange *r = &chunk->ranges[i];
        int ret = 0;
        if (r->kind == RANGE_ZERO) {
            ret = convert_write_zeroes(job, r->offset, r->bytes);
        } else if (r->kind == RANGE_DATA) {
            ret = bdrv_pwrite(job->target, r->offset, r->bytes,
                              chunk->buffer + (r->offset - chunk->offset), 0) < 0
                  ? convert_write_error(job, r->offset) : 0;
        }
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static void *reader_main(void *opaque)
{
    ConvertPipeline *p = opaque;
    ConvertJob *job = p->job;
    for (uint64_t index = 0; index < p->chunk_count; index++) {
        pthread_mutex_lock(&p->lock);
        while (p->produced - p->consumed == p->depth && !p->failed) {
            p->reader_waits = true;
            pthread_cond_wait(&p->changed, &p->lock);
        }
        p->reader_waits = false;
        bool stop = p->failed;
        pthread_mutex_unlock(&p->lock);
        if (stop) {
            break;
        }
        ConvertChunk *chunk = &p->slots[index % p->depth];
        chunk->offset = index * job->chunk_size;
        chunk->bytes = job->total_size - chunk->offset < job->chunk_size ?
                       job->total_size - chunk->offset : job->chunk_size;
        int ret = convert_fill_chunk(job, chunk);
        pthread_mutex_lock(&p->lock);
        if (ret < 0) {
            p->failed = true;
        } else {
            p->produced++;
        }
        bool wake = p->consumers_waiting || p->failed;
        pthread_mutex_unlock(&p->lock);
        if (wake) {
            pthread_cond_broadcast(&p->changed);
        }
        if (ret < 0) {
            break;
        }
    }
    return NULL;
}

/* Set by SIGINT/SIGTERM/SIGHUP: the writer stops and the half-made target is
 * removed. A signal handler can only reach process-wide state. */
static volatile sig_atomic_t convert_interrupted;

static void on_interrupt(int signal_number)
{
    convert_interrupted = signal_number;
}

int convert_interrupt_signal(void)
{
    return (int)convert_interrupted;
}

static void catch_interrupts(void)
{
    struct sigaction action = { .sa_handler = on_interrupt, .sa_flags = SA_RESTART };
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
}

static int write_all(ConvertPipeline *p)
{
    ConvertJob *job = p->job;
    for (uint64_t index = 0; index < p->chunk_count; index++) {
        if (convert_interrupted) {
            img_error("interrupted by signal %d; the incomplete target is removed",
                      (int)convert_interrupted);
            pthread_mutex_lock(&p->lock);
            p->failed = true;
            pthread_cond_broadcast(&p->changed);
            pthread_mutex_unlock(&p->lock);
            return -EINTR;
        }
        pthread_mutex_lock(&p->lock);
        while (p->consumed == p->produced && !p->failed) {
            p->consumers_waiting++;
            pthread_cond_wait(&p->changed, &p->lock);
            p->consumers_waiting--;
        }
        bool stop = p->failed;
        pthread_mutex_unlock(&p->lock);
        if (stop) {
            return -EIO;
        }
        ConvertChunk *chunk = &p->slots[index % p->depth];
        int ret = convert_write_chunk(job, chunk);
        pthread_mutex_lock(&p->lock);
        if (ret < 0) {
            p->failed = true;
        } else {
            p->consumed++;
        }
        bool wake = p->failed || (p->reader_waits &&
                                  p->depth - (p->produced - p->consumed) >= (p->depth + 1) / 2);
        pthread_mutex_unlock(&p->lock);
        if (wake) {
            pthread_cond_broadcast(&p->changed);
        }
        if (ret < 0) {
            return ret;
        }
        img_progress_update(&job->progress, chunk->offset + chunk->bytes, job->total_size);
    }
    return 0;
}

static int finish_run(ConvertJob *job, int ret);

/* A chunk buffer on huge pages where the kernel gives them (2 MiB aligned,
 * MADV_HUGEPAGE): every byte converted is copied into it out of the source's
 * page cache, scanned for zeros and copied out into the target's, and with
 * 4 KiB pages the TLB misses of those passes cost as much as the copies:
 * raw->qcow2 -W of the img.sh image, 11 pairs at load 8, CPU 0.31 s vs
 * 0.41 s (user 0.027 s vs 0.060 s). */
#define HUGE_PAGE (2u << 20)
uint8_t *convert_alloc_chunk(uint64_t bytes)
{
    void *buffer;
    if (posix_memalign(&buffer, bytes >= HUGE_PAGE ? HUGE_PAGE : 4096, bytes)) {
        abort();
    }
    if (bytes >= HUGE_PAGE) {
        madvise(buffer, bytes, MADV_HUGEPAGE);  /* a hint: 4 KiB pages work too */
    }
    return buffer;
}

static int convert_run(ConvertJob *job, unsigned depth, unsigned workers)
{
    if (!job->compress) {
        return finish_run(job, convert_copy_parallel(job, workers));
    }
    ConvertPipeline p = { .job = job, .depth = depth };
    p.chunk_count = (job->total_size + job->chunk_size - 1) / job->chunk_size;
    p.slots = calloc(depth, sizeof(*p.slots));
    if (!p.slots) {
        abort();
    }
    for (unsigned i = 0; i < depth; i++) {
        p.slots[i].cluster_kinds = malloc(job->chunk_size / job->cluster_size);
        p.slots[i].buffer = convert_alloc_chunk(job->chunk_size);
        if (!p.slots[i].cluster_kinds) {
            abort();
        }
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    pthread_t reader;
    int ret = -EIO;
    if (job->parallel_read) {
        ret = convert_compress_parallel(&p);    /* the workers fill the chunks */
    } else if (pthread_create(&reader, NULL, reader_main, &p) != 0) {
        img_error("cannot start the reader thread");
    } else {
        ret = job->defer_classify ? convert_compress_parallel(&p) : write_all(&p);
        pthread_join(reader, NULL);
    }
    for (unsigned i = 0; i < depth; i++) {
        free(p.slots[i].buffer);
        free(p.slots[i].ranges);
        free(p.slots[i].cluster_kinds);
    }
    free(p.slots);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    if (ret == 0 && p.failed) {
        ret = -EIO;
    }
    return finish_run(job, ret);
}

/* The flush at the end of a conversion that went well. */
static int finish_run(ConvertJob *job, int ret)
{
    if (ret == 0 && bdrv_flush(job->target) < 0) {
        img_error("error while flushing '%s': %s", job->target->filename,
                  bdrv_last_error(job->target));
        ret = -EIO;
    }
    return ret;
}

typedef struct ConvertOptions {
    const char *format, *out_format, *backing, *backing_fmt;
    bool compress, progress, quiet, no_create, target_is_zero, out_of_order;
    bool copy_offload, explicit_sparse;
    uint64_t sparse_size;
    unsigned parallel;               /* -m: chunks in flight between reader and writer */
    unsigned requests;               /* -m: uncompressed chunks copied at once */
    int src_flags, out_flags;
    QDict *create_opts;
} ConvertOptions;

static bool parse_convert_options(int argc, char **argv, ConvertOptions *o)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "target-is-zero", no_argument, NULL, OPTION_TARGET_IS_ZERO },
        { "salvage", no_argument, NULL, OPTION_SALVAGE },
        { "force-share", no_argument, NULL, 'U' },
        { "bitmaps", no_argument, NULL, OPTION_BITMAPS },
        { NULL, 0, NULL, 0 }
    };
    int c;
    uint64_t number;
    while ((c = getopt_long(argc, argv, ":hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:", long_options,
                            NULL)) != -1) {
        switch (c) {
        case 'f': o->format = optarg; break;
        case 'O': o->out_format = optarg; break;
        case 'B': o->backing = optarg; break;
        case 'F': o->backing_fmt = optarg; break;
        case 'c': o->compress = true; break;
        case 'p': o->progress = true; break;
        case 'q': o->quiet = true; break;
        case 'n': o->no_create = true; break;
        case 'W': o->out_of_order = true; break;
        case 'U': case OPTION_SALVAGE: break;
        case OPTION_TARGET_IS_ZERO: o->target_is_zero = true; break;
        case 'o':
            if (!img_add_options(o->create_opts, optarg)) {
                return false;
            }
            break;
        case 'S':
            if (parse_size(optarg, &o->sparse_size) < 0) {
                img_error("Invalid buffer size for sparse output specified: '%s'. You may use "
                          "k, M, G, T, P or E suffixes for kilobytes, megabytes, gigabytes, "
                          "terabytes, petabytes and exabytes.", optarg);
                return false;
            }
            /* qemu-img's limit: 32768 sectors */
            if (o->sparse_size % 512 || o->sparse_size > MAX_SPARSE_SIZE) {
                img_error("Invalid buffer size for sparse output specified. Valid sizes are "
                          "multiples of 512 up to %d. Select 0 to disable sparse detection "
                          "(fully allocates output).", MAX_SPARSE_SIZE);
                return false;
            }
            o->explicit_sparse = true;
            break;
        case 'm':
            if (parse_size(optarg, &number) < 0 || number < 1 || number > 16) {
                img_error("Invalid number of coroutines. Allowed number of coroutines is "
                          "between 1 and 16");
                return false;
            }
            o->parallel = (unsigned)number + 1;
            o->requests = (unsigned)number;
            break;
        case 'r':                    /* accepted; copies are not rate limited */
            if (parse_size(optarg, &number) < 0) {
                img_error("Invalid rate limit specified: '%s'. You may use k, M, G, T, P or E "
                          "suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes "
                          "and exabytes.", optarg);
                return false;
            }
            break;
        case 't':
            if (img_cache_flags(optarg, &o->out_flags) < 0) {
                return false;
            }
            break;
        case 'T':
            if (img_cache_flags(optarg, &o->src_flags) < 0) {
                return false;
            }
            break;
        case 'l':
            img_error("Snapshot conversion (-l) is not supported");
            return false;
        case 'C':
            o->copy_offload = true;
            break;
        case OPTION_BITMAPS:
            img_error("Persistent bitmaps (--bitmaps) are not supported");
            return false;
        default:
            img_error("usage: convert [--target-is-zero] [-U] [-C] [-c] [-p] [-q] [-n] "
                      "[-f fmt] [-t cache] [-T src_cache] [-O output_fmt] "
                      "[-B backing_file [-F backing_fmt]] [-o options] [-S sparse_size] "
                      "[-r rate_limit] [-m num_coroutines] [-W] [--salvage] "
                      "filename [filename2 [...]] output_filename");
            return false;
        }
    }
    return true;
}

/* Creates the target (unless -n) and opens it. */
static BlockDriverState *open_target(ConvertOptions *o, const char *filename, uint64_t size,
                                     bool *created)
{
    BlockErrorInfo err = { "" };
    if (!o->no_create) {
        char text[32];
        snprintf(text, sizeof(text), "%" PRIu64, size);
        qdict_put(o->create_opts, "size", text);
        if (o->backing) {
            qdict_put(o->create_opts, "backing_file", o->backing);
            const char *backing_fmt = o->backing_fmt;
            if (!backing_fmt) {
                /* record the backing file's format (found by content) in the image */
                char path[4096];
                bdrv_resolve_backing_name(filename, o->backing, path, sizeof(path));
                const BlockDriver *drv = bdrv_probe_file(path, &err);
                if (!drv) {
                    img_error("%s: Could not open backing image: %s", filename, err.msg);
                    return NULL;
                }
                backing_fmt = drv->format_name;
            }
            qdict_put(o->create_opts, "backing_fmt", backing_fmt);
        }
        bool existed = access(filename, F_OK) == 0;
        if (bdrv_create(o->out_format, filename, o->create_opts, &err) < 0) {
            img_error("%s: error while converting %s: %s", filename, o->out_format, err.msg);
            if (!existed) {
                unlink(filename);    /* a half-made image is no image */
            }
            return NULL;
        }
        *created = true;
    }
    BlockDriverState *bs = img_open(filename, o->out_format, BDRV_O_RDWR | o->out_flags);
    if (bs && bdrv_getlength(bs) < size) {
        img_error("Output image is too small: %s is %" PRIu64 " bytes, the input %" PRIu64,
                  filename, bdrv_getlength(bs), size);
        bdrv_close(bs);
        return NULL;
    }
    return bs;
}

static bool check_target_format(const ConvertOptions *o)
{
    const BlockDriver *drv = bdrv_find_format(o->out_format);
    if (!drv) {
        img_error("Unknown file format '%s'", o->out_format);
        return false;
    }
    if (o->compress && !drv->pwrite_compressed) {
        img_error("Compression not supported for this file format");
        return false;
    }
    if (o->backing && !drv->supports_backing) {
        img_error("Backing file not supported for file format '%s'", o->out_format);
        return false;
    }
    if (o->backing && o->no_create) {
        img_error("-B makes no sense when -n is given");
        return false;
    }
    /* qemu-img(1): -C copies data without reading it, so neither compression
     * nor zero detection (-S) can go with it */
    if (o->copy_offload && o->compress) {
        img_error("Cannot enable copy offloading when -c is used");
        return false;
    }
    if (o->copy_offload && o->explicit_sparse) {
        img_error("Cannot enable copy offloading when -S is used");
        return false;
    }
    if (o->target_is_zero && !o->no_create) {
        img_error("--target-is-zero requires use of -n flag");
        return false;
    }
    return true;
}

/* Opens the sources (concatenated in target space), refusing any whose chain
 * holds the target file: writing it would destroy what is being read. */
static bool open_sources(ConvertJob *job, char **names, int count, const ConvertOptions *o,
                         const char *out_filename)
{
    job->source_count = count;
    job->sources = calloc(count, sizeof(*job->sources));
    if (!job->sources) {
        abort();
    }
    for (int i = 0; i < count; i++) {
        ConvertSource *src = &job->sources[i];
        src->bs = img_open(names[i], o->format, o->src_flags);
        if (!src->bs) {
            return false;
        }
        src->start = job->total_size;
        src->size = bdrv_getlength(src->bs);
        job->total_size += src->size;
        for (BlockDriverState *layer = src->bs; layer; layer = layer->backing) {
            if (img_same_file(layer->filename, out_filename)) {
                img_error("Output file '%s' is also an input image ('%s')", out_filename,
                          names[i]);
                return false;
            }
        }
    }
    return true;
}

static void setup_job(ConvertJob *job, const ConvertOptions *o, bool created)
{
    BlockDriverInfo bdi = { 0 };
    bool have_info = bdrv_get_info(job->target, &bdi) == 0;
    job->cluster_size = have_info && bdi.cluster_size ? bdi.cluster_size : 65536;
    /* compression on the workers of img-convert-compress.c where the format
     * splits compressing from storing; else batches of more clusters per
     * request: the format compresses a request's clusters on all cores */
    BlockCompressor *probe = o->compress ? bdrv_compressor_new(job->target) : NULL;
    job->defer_classify = probe != NULL;
    bdrv_compressor_free(probe);
    /* sources whose virtual disk is their host file (raw) have no state to
     * share: the workers read their own clusters, the reader only asks for
     * block status. Holes read as zeros there. */
    job->parallel_read = job->defer_classify;
    for (int i = 0; i < job->source_count; i++) {
        const BlockDriverState *bs = job->sources[i].bs;
        job->parallel_read &= bs->drv->passthrough && !bs->backing;
    }
    uint64_t chunk = !o->compress ? COPY_CHUNK
                     : !job->defer_classify ? COMPRESS_CHUNK : CONVERT_CHUNK;
    job->chunk_size = job->cluster_size > chunk ? job->cluster_size : chunk;
    job->chunk_size -= job->chunk_size % job->cluster_size;
    job->compress = o->compress;
    job->out_of_order = o->out_of_order;
    job->sparse_size = o->sparse_size;
    job->copy_offload = o->copy_offload;
    job->target_has_backing = o->backing != NULL && job->source_count == 1;
    job->target_is_zero = (created && !o->backing) || o->target_is_zero;
    job->progress.enabled = o->progress && !o->quiet;
    job->progress.last_shown = -1;
    /* the samples use the format's deflate parameters (raw, 4 KiB window) at level 1 */
    job->sampler_ready = o->compress && !bdi.compression_skips_incompressible &&
        deflateInit2(&job->sampler, 1, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) == Z_OK;
}

int img_convert(int argc, char **argv)
{
    /* the target's default cache mode is "unsafe", as qemu-img's: a convert cut
     * short leaves no usable target anyway; -t writeback makes the end durable */
    ConvertOptions o = { .out_format = "raw", .sparse_size = DEFAULT_SPARSE_SIZE, .parallel = 8,
                         .requests = 8,
                         .out_flags = BDRV_O_NO_FLUSH,
                         .create_opts = qdict_new() };
    ConvertJob job = { 0 };
    int status = IMG_EXIT_ERROR;
    bool created = false;
    const char *out_filename = NULL;
    if (!parse_convert_options(argc, argv, &o) || !check_target_format(&o)) {
        goto out;
    }
    if (img_options_help(o.out_format, o.create_opts)) {
        status = 0;
        goto out;
    }
    if (argc - optind < 2) {
        img_error("Must specify image file name");
        goto out;
    }
    out_filename = argv[argc - 1];
    if (!open_sources(&job, argv + optind, argc - optind - 1, &o, out_filename)) {
        goto out;
    }
    catch_interrupts();
    job.target = open_target(&o, out_filename, job.total_size, &created);
    if (!job.target) {
        goto out;
    }
    setup_job(&job, &o, created);
    img_progress_update(&job.progress, 0, job.total_size);
    if (convert_run(&job, o.parallel, o.requests) == 0) {
        img_progress_finish(&job.progress);
        status = 0;
    }
out:
    if (job.sampler_ready) {
        deflateEnd(&job.sampler);
    }
    bdrv_close(job.target);
    for (int i = 0; i < job.source_count; i++) {
        bdrv_close(job.sources[i].bs);
    }
    if (status != 0 && created) {
        unlink(out_filename);        /* never leave a partial copy behind */
    }
    free(job.sources);
    qdict_free(o.create_opts);
    return status;
}

typedef struct DdOptions {
    const char *input, *output;
    uint64_t block_size, count, skip;
    bool have_count;
} DdOptions;

static bool parse_dd_operand(const char *arg, DdOptions *d)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        img_error("unrecognized operand %s", arg);
        return false;
    }
    size_t key_length = eq - arg;
    const char *value = eq + 1;
    if (!strncmp(arg, "if", key_length) && key_length == 2) {
        d->input = value;
    } else if (!strncmp(arg, "of", key_length) && key_length == 2) {
        d->output = value;
    } else if (!strncmp(arg, "bs", key_length) && key_length == 2) {
        if (parse_size(value, &d->block_size) < 0 || d->block_size == 0 ||
            d->block_size > INT32_MAX) {
            img_error("invalid number: '%s'", value);
            return false;
        }
    } else if (!strncmp(arg, "count", key_length) && key_length == 5) {
        if (parse_size(value, &d->count) < 0) {
            img_error("invalid number: '%s'", value);
            return false;
        }
        d->have_count = true;
    } else if (!strncmp(arg, "skip", key_length) && key_length == 4) {
        if (parse_size(value, &d->skip) < 0) {
            img_error("invalid number: '%s'", value);
            return false;
        }
    } else {
        img_error("unrecognized operand %s", arg);
        return false;
    }
    return true;
}

static int dd_copy(BlockDriverState *in, BlockDriverState *out, uint64_t start, uint64_t size,
                   uint64_t block_size)
{
    uint8_t *buf = malloc(block_size);
    int ret = 0;
    if (!buf) {
        abort();
    }
    for (uint64_t done = 0; done < size && ret == 0; done += block_size) {
        uint64_t n = size - done < block_size ? size - done : block_size;
        if (bdrv_pread(in, start + done, n, buf) < 0) {
            img_error("error while reading from input image file: %s", bdrv_last_error(in));
            ret = -EIO;
        } else if (bdrv_pwrite(out, done, n, buf, 0) < 0) {
            img_error("error while writing to output image file: %s", bdrv_last_error(out));
            ret = -EIO;
        }
    }
    free(buf);
    return ret == 0 ? bdrv_flush(out) : ret;
}

int img_dd(int argc, char **argv)
{
    DdOptions d = { .block_size = 512 };
    const char *format = NULL, *out_format = "raw";
    int c, status = IMG_EXIT_ERROR;
    while ((c = getopt(argc, argv, ":hf:O:U")) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'O': out_format = optarg; break;
        case 'U': break;
        default:
            img_error("usage: dd [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] "
                      "[skip=blocks] if=input of=output");
            return IMG_EXIT_ERROR;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!parse_dd_operand(argv[i], &d)) {
            return IMG_EXIT_ERROR;
        }
    }
    if (!d.input || !d.output) {
        img_error("Must specify both input and output files");
        return IMG_EXIT_ERROR;
    }
    if (img_same_file(d.input, d.output)) {
        img_error("Output file '%s' is the input file", d.output);
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *in = img_open(d.input, format, 0), *out = NULL;
    if (!in) {
        return IMG_EXIT_ERROR;
    }
    uint64_t in_size = bdrv_getlength(in);
    uint64_t start = d.skip > in_size / d.block_size ? in_size : d.skip * d.block_size;
    uint64_t size = in_size - start;
    if (d.have_count && d.count < size / d.block_size + 1 && d.count * d.block_size < size) {
        size = d.count * d.block_size;
    }
    QDict *opts = qdict_new();
    char text[32];
    snprintf(text, sizeof(text), "%" PRIu64, size);
    qdict_put(opts, "size", text);
    BlockErrorInfo err = { "" };
    bool created = false;
    if (bdrv_create(out_format, d.output, opts, &err) < 0) {
        img_error("%s: error while creating output image: %s", d.output, err.msg);
    } else if ((created = true) && (out = img_open(d.output, out_format, BDRV_O_RDWR))) {
        status = dd_copy(in, out, start, size, d.block_size) < 0 ? IMG_EXIT_ERROR : 0;
    }
    bdrv_close(out);
    bdrv_close(in);
    qdict_free(opts);
    if (status != 0 && created) {
        unlink(d.output);            /* never leave a partial copy behind */
    }
    return status;
}
