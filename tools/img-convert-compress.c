/*
 * convert -c on several threads. The reader thread (img-convert.c) reads the
 * source chunk by chunk; for raw sources there is none: a worker that runs
 * out of clusters asks for the next chunk's block status itself, and each
 * worker reads its own clusters, so the copies out of the page cache run in
 * parallel too. A set of workers takes the clusters of the chunks read
 * one at a time, as they come (no batch waits for its slowest
 * cluster), classifies them (zero, incompressible, worth compressing) and
 * compresses them, each worker with its own compressor. The store step
 * (allocation and write, bdrv_pwrite_precompressed straight from the
 * workers' buffers) is done by one worker at a time, whichever finds it free,
 * for every cluster that is ready: in guest order normally; with -W
 * ("out-of-order writes", qemu-img(1)) in the order the clusters finish, so
 * the host layout follows completion order as with qemu-img -W.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/img-convert.h"

/* On a busy machine the scheduler shares the cores out by runnable thread:
 * with 4 workers on 2 cores at load 10, convert -c zstd ran at 31-35% CPU
 * and 3.0-4.2 s, with 8 (as many as qemu-img's default coroutines, each
 * compressing on a pool thread) at 36-53% and 2.5-2.9 s, the CPU seconds
 * the same; idle, the extra workers only wait. */
#define MIN_WORKERS 8
#define MAX_WORKERS 8
/* clusters in flight: in guest order, a worker that the scheduler holds off
 * with the oldest cluster stalls the others once they are this far ahead */
#define ITEMS_PER_WORKER 32
#define MAX_ITEM_BYTES (32 * 1024 * 1024)
/* clusters stored in one step while others are still being compressed: each
 * step allocates and counts its host clusters in a refcount write or two,
 * so steps of one or two clusters cost more system calls than data writes */
#define STORE_BATCH 16

typedef enum { ITEM_FREE, ITEM_BUSY, ITEM_DONE } ItemState;

/* One cluster between the reader's chunk and the target. */
typedef struct CompressItem {
    ItemState state;
    uint64_t seq;                   /* guest order */
    uint64_t offset, bytes;
    ClusterKind kind;
    uint8_t *input;                 /* in the chunk's buffer */
    uint8_t *output;                /* cluster_size bytes */
    size_t size;                    /* compressed bytes */
    unsigned slot;                  /* the chunk's ring slot */
} CompressItem;

typedef struct CompressPipeline {
    ConvertPipeline *p;             /* its lock guards everything here */
    ConvertJob *job;
    CompressItem *items;            /* item seq is items[seq % item_count] */
    unsigned item_count;
    uint64_t next_seq;              /* the next item to hand out */
    uint64_t next_store;            /* in guest order: the next item to store */
    uint64_t cursor_chunk, cursor_pos;  /* where the next item comes from */
    uint64_t *remaining;            /* per ring slot: clusters not stored yet */
    unsigned *done_queue;           /* -W: finished items, oldest first */
    unsigned done_head, done_count;
    CompressItem **batch;           /* the store step's items */
    bool storing;
    unsigned working;               /* items being compressed */
    bool filling;                   /* parallel_read: a worker fills a chunk */
} CompressPipeline;

/* Gives back ring slots whose chunk is wholly handed out and stored, oldest
 * first (the reader refills them in order). Lock held. */
static void release_chunks(CompressPipeline *cp)
{
    ConvertPipeline *p = cp->p;
    while (p->consumed < cp->cursor_chunk && cp->remaining[p->consumed % p->depth] == 0) {
        ConvertChunk *chunk = &p->slots[p->consumed % p->depth];
        p->consumed++;
        img_progress_update(&cp->job->progress, chunk->offset + chunk->bytes,
                            cp->job->total_size);
        pthread_cond_broadcast(&p->changed);
    }
}

/* The next cluster to work on, or NULL: *finished when there will be none.
 * Lock held. */
static CompressItem *take_item(CompressPipeline *cp, bool *finished)
{
    ConvertPipeline *p = cp->p;
    uint32_t cluster = cp->job->cluster_size;
    *finished = p->failed || cp->cursor_chunk == p->chunk_count;
    while (!*finished && cp->cursor_chunk < p->produced) {
        unsigned slot = cp->cursor_chunk % p->depth;
        ConvertChunk *chunk = &p->slots[slot];
        if (cp->cursor_pos == 0) {
            cp->remaining[slot] = chunk->whole ? (chunk->bytes + cluster - 1) / cluster : 0;
        }
        if (!chunk->whole || cp->cursor_pos >= chunk->bytes) {
            /* nothing (more) to write in this chunk */
            cp->cursor_chunk++;
            cp->cursor_pos = 0;
            release_chunks(cp);
            *finished = cp->cursor_chunk == p->chunk_count;
            continue;
        }
        CompressItem *item = &cp->items[cp->next_seq % cp->item_count];
        if (item->state != ITEM_FREE) {
            return NULL;            /* all buffers in flight: wait for a store */
        }
        uint64_t pos = cp->cursor_pos;
        item->state = ITEM_BUSY;
        item->seq = cp->next_seq++;
        item->offset = chunk->offset + pos;
        item->bytes = chunk->bytes - pos < cluster ? chunk->bytes - pos : cluster;
        item->kind = chunk->cluster_kinds[pos / cluster];
        item->input = chunk->buffer + pos;
        item->size = 0;
        item->slot = slot;
        cp->cursor_pos += cluster;
        if (cp->cursor_pos >= chunk->bytes) {
            cp->cursor_chunk++;
            cp->cursor_pos = 0;
        }
        return item;
    }
    return NULL;
}

/* Writes n consecutive items of one kind (not CLUSTER_COMPRESS) in one request. */
static int store_run(ConvertJob *job, CompressItem **items, size_t n)
{
    uint64_t bytes = items[n - 1]->offset + items[n - 1]->bytes - items[0]->offset;
    if (items[0]->kind == CLUSTER_ZERO) {
        return convert_write_zeroes(job, items[0]->offset, bytes);
    }
    if (bdrv_pwrite(job->target, items[0]->offset, bytes, items[0]->input, 0) < 0) {
        return convert_write_error(job, items[0]->offset);
    }
    return 0;
}

static int store_compressed_items(ConvertJob *job, CompressItem **items, size_t n)
{
    BdrvCompressedCluster clusters[n];
    for (size_t i = 0; i < n; i++) {
        clusters[i] = (BdrvCompressedCluster){ items[i]->offset, items[i]->output,
                                               items[i]->size };
    }
    if (bdrv_pwrite_precompressed(job->target, clusters, n) < 0) {
        return convert_write_error(job, items[0]->offset);
    }
    return 0;
}

/* -W: a batch in kind and guest order, so that plain and zero clusters that
 * follow each other in the guest go in one request (one allocation) */
static int compare_items(const void *a, const void *b)
{
    const CompressItem *x = *(CompressItem *const *)a, *y = *(CompressItem *const *)b;
    if (x->kind != y->kind) {
        return x->kind < y->kind ? -1 : 1;
    }
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Stores a batch in its order: compressed clusters together, plain and zero
 * clusters merged while they follow each other in the guest and in memory. */
static int store_batch(ConvertJob *job, CompressItem **batch, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        bool compressed = batch[i]->kind == CLUSTER_COMPRESS;
        while (i + run < n && batch[i + run]->kind == batch[i]->kind &&
               (compressed || (batch[i + run]->slot == batch[i]->slot &&
                               batch[i + run]->offset == batch[i + run - 1]->offset +
                                                         batch[i + run - 1]->bytes))) {
            run++;
        }
        int ret = compressed ? store_compressed_items(job, batch + i, run)
                             : store_run(job, batch + i, run);
        if (ret < 0) {
            return ret;
        }
        i += run;
    }
    return 0;
}

/* The items ready to store now: the finished prefix in guest order, or with
 * -W every finished item in completion order. Lock held. */
static size_t collect_ready(CompressPipeline *cp)
{
    size_t n = 0;
    if (cp->job->out_of_order) {
        for (; cp->done_count; cp->done_count--, n++) {
            cp->batch[n] = &cp->items[cp->done_queue[cp->done_head]];
            cp->done_head = (cp->done_head + 1) % cp->item_count;
        }
        return n;
    }
    for (;;) {
        CompressItem *item = &cp->items[cp->next_store % cp->item_count];
        if (item->state != ITEM_DONE || item->seq != cp->next_store) {
            return n;
        }
        item->state = ITEM_BUSY;    /* being stored */
        cp->batch[n++] = item;
        cp->next_store++;
    }
}

/* Whether enough is ready for a store step: STORE_BATCH clusters, or
 * anything when no worker is compressing (none will finish to store it). Lock held. */
static bool worth_storing(const CompressPipeline *cp)
{
    unsigned batch = cp->item_count / 2 < STORE_BATCH ? cp->item_count / 2 : STORE_BATCH;
    if (!cp->working) {
        return true;
    }
    if (cp->job->out_of_order) {
        return cp->done_count >= batch;
    }
    for (uint64_t seq = cp->next_store; seq < cp->next_store + batch; seq++) {
        const CompressItem *item = &cp->items[seq % cp->item_count];
        if (item->state != ITEM_DONE || item->seq != seq) {
            return false;
        }
    }
    return true;
}

/* Called with the lock held after an item finished: unless another worker is
 * storing (it will see the item before it stops), store what is ready. */
static void store_ready(CompressPipeline *cp)
{
    ConvertPipeline *p = cp->p;
    if (cp->storing) {
        return;
    }
    cp->storing = true;
    size_t n;
    while (!p->failed && worth_storing(cp) && (n = collect_ready(cp)) > 0) {
        pthread_mutex_unlock(&p->lock);
        if (cp->job->out_of_order) {
            qsort(cp->batch, n, sizeof(*cp->batch), compare_items);
        }
        int ret = store_batch(cp->job, cp->batch, n);
        pthread_mutex_lock(&p->lock);
        for (size_t i = 0; i < n; i++) {
            cp->remaining[cp->batch[i]->slot]--;
            cp->batch[i]->state = ITEM_FREE;
        }
        p->failed |= ret < 0;
        release_chunks(cp);
        pthread_cond_broadcast(&p->changed);
    }
    cp->storing = false;
}

/* What a cluster becomes: zero, plain (deflate samples do not shrink, or the
 * compressed stream is no smaller than the cluster) or compressed. */
static int work_on(ConvertJob *job, CompressItem *item, BlockCompressor *compressor,
                   z_stream *sampler)
{
    if (item->kind != CLUSTER_COMPRESS) {
        return 0;
    }
    if (job->parallel_read && convert_read_sources(job, item->offset, item->bytes,
                                                   item->input) < 0) {
        return -EIO;
    }
    if (img_is_zero(item->input, item->bytes)) {
        item->kind = CLUSTER_ZERO;
        return 0;
    }
    if (sampler && convert_looks_incompressible(sampler, item->input, item->bytes)) {
        item->kind = CLUSTER_PLAIN;
        return 0;
    }
    item->size = compressor ? bdrv_compress_cluster(compressor, item->input, item->bytes,
                                                    item->output, job->cluster_size) : 0;
    if (!item->size) {
        item->kind = CLUSTER_PLAIN;
    }
    return 0;
}

/* With parallel_read the chunks need only their block status: the worker
 * that runs out of clusters fills the next chunk itself instead of waiting
 * for a reader thread to be scheduled (on a busy machine, many milliseconds).
 * Lock held; false when there is nothing it may fill now. */
static bool fill_next_chunk(CompressPipeline *cp)
{
    ConvertPipeline *p = cp->p;
    ConvertJob *job = cp->job;
    if (!job->parallel_read || cp->filling || p->failed || p->produced == p->chunk_count ||
        p->produced - p->consumed == p->depth) {
        return false;
    }
    uint64_t index = p->produced;
    ConvertChunk *chunk = &p->slots[index % p->depth];
    cp->filling = true;
    pthread_mutex_unlock(&p->lock);
    chunk->offset = index * job->chunk_size;
    chunk->bytes = job->total_size - chunk->offset < job->chunk_size ?
                   job->total_size - chunk->offset : job->chunk_size;
    int ret = convert_fill_chunk(job, chunk);
    pthread_mutex_lock(&p->lock);
    cp->filling = false;
    if (ret < 0) {
        p->failed = true;
    } else {
        p->produced++;
    }
    pthread_cond_broadcast(&p->changed);
    return true;
}

static void *worker_main(void *opaque)
{
    CompressPipeline *cp = opaque;
    ConvertPipeline *p = cp->p;
    ConvertJob *job = cp->job;
    BlockCompressor *compressor = bdrv_compressor_new(job->target);
    /* the samples use the deflate parameters of zlib-type clusters at level 1 */
    z_stream sampler_state = { 0 }, *sampler = NULL;
    if (job->sampler_ready &&
        deflateInit2(&sampler_state, 1, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) == Z_OK) {
        sampler = &sampler_state;
    }
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (convert_interrupt_signal() && !p->failed) {
            img_error("interrupted by signal %d; the incomplete target is removed",
                      convert_interrupt_signal());
            p->failed = true;
            pthread_cond_broadcast(&p->changed);
        }
        bool finished;
        CompressItem *item = take_item(cp, &finished);
        if (!item) {
            if (finished) {
                break;
            }
            if (!fill_next_chunk(cp)) {
                p->consumers_waiting++;
                pthread_cond_wait(&p->changed, &p->lock);
                p->consumers_waiting--;
            }
            continue;
        }
        cp->working++;
        pthread_mutex_unlock(&p->lock);
        int ret = work_on(job, item, compressor, sampler);
        pthread_mutex_lock(&p->lock);
        cp->working--;
        if (ret < 0) {
            p->failed = true;
            pthread_cond_broadcast(&p->changed);
        }
        item->state = ITEM_DONE;
        if (job->out_of_order) {
            cp->done_queue[(cp->done_head + cp->done_count++) % cp->item_count] =
                (unsigned)(item - cp->items);
        }
        store_ready(cp);
    }
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    if (sampler) {
        deflateEnd(sampler);
    }
    bdrv_compressor_free(compressor);
    return NULL;
}

static unsigned worker_count(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cpus > MIN_WORKERS ? (unsigned)cpus : MIN_WORKERS;
    return n > MAX_WORKERS ? MAX_WORKERS : n;
}

int convert_compress_parallel(ConvertPipeline *p)
{
    ConvertJob *job = p->job;
    unsigned workers = worker_count();
    unsigned items = workers * ITEMS_PER_WORKER;
    if ((uint64_t)items * job->cluster_size > MAX_ITEM_BYTES) {
        items = MAX_ITEM_BYTES / job->cluster_size;
    }
    CompressPipeline cp = { .p = p, .job = job,
                            .item_count = items > 2 * workers ? items : 2 * workers };
    cp.items = calloc(cp.item_count, sizeof(*cp.items));
    cp.done_queue = calloc(cp.item_count, sizeof(*cp.done_queue));
    cp.batch = calloc(cp.item_count, sizeof(*cp.batch));
    cp.remaining = calloc(p->depth, sizeof(*cp.remaining));
    if (!cp.items || !cp.done_queue || !cp.batch || !cp.remaining) {
        abort();
    }
    uint8_t *outputs = convert_alloc_chunk((uint64_t)cp.item_count * job->cluster_size);
    for (unsigned i = 0; i < cp.item_count; i++) {
        cp.items[i].output = outputs + (uint64_t)i * job->cluster_size;
    }
    convert_run_workers(worker_main, &cp, workers);
    free(outputs);
    free(cp.items);
    free(cp.done_queue);
    free(cp.batch);
    free(cp.remaining);
    return p->failed ? -EIO : 0;
}
