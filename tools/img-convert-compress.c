/*
 * convert -c on several threads. The reader thread (img-convert.c) reads the
 * source chunk by chunk; for raw sources there is none: the dispatcher asks
 * for the next chunk's block status itself and each worker reads its own
 * clusters, so the copies out of the page cache run in parallel too.
 * The dispatcher (the calling thread) hands the clusters out one by one into
 * the workers' own queues, and does every store step (allocation and write,
 * bdrv_pwrite_precompressed straight from the workers' buffers): in guest
 * order normally; with -W ("out-of-order writes", qemu-img(1)) whatever has
 * finished, so the host layout follows completion order as with qemu-img -W.
 * A worker only classifies (zero, incompressible, worth compressing) and
 * compresses, with its own compressor; it shares no lock with the other
 * workers: it takes its clusters from its queue under its own mutex and
 * marks them finished with an atomic store, waking the dispatcher only when
 * it sleeps. So no compression waits for another's store step, and a worker
 * the scheduler holds off holds up nobody but itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/img-convert.h"

/* Compression workers. On a busy machine Linux shares the cores between
 * sessions, and within ours between threads; 8 is as many as qemu-img's
 * default requests in flight (each compressing on a pool thread). */
#define WORKERS 8
/* clusters queued per worker: the next one is there when it finishes one */
#define WORKER_QUEUE 2
/* clusters in flight: in guest order, a worker that the scheduler holds off
 * with the oldest cluster stalls the stores once the others are this far
 * ahead */
#define ITEMS_PER_WORKER 32
#define MAX_ITEM_BYTES (32 * 1024 * 1024)
/* clusters stored in one step while others are still being compressed: each
 * step allocates and counts its host clusters in a refcount write or two,
 * so steps of one or two clusters cost more system calls than data writes */
#define STORE_BATCH 16

/* FREE -> BUSY (the dispatcher queued it) -> DONE (its worker finished,
 * an atomic store) -> STORING (the dispatcher's store step) -> FREE */
typedef enum { ITEM_FREE, ITEM_BUSY, ITEM_DONE, ITEM_STORING } ItemState;

/* One cluster between the reader's chunk and the target. */
typedef struct CompressItem {
    ItemState state;                /* atomic between worker and dispatcher */
    bool failed;                    /* its source could not be read */
    uint64_t seq;                   /* guest order */
    uint64_t offset, bytes;
    ClusterKind kind;
    uint8_t *input;                 /* in the chunk's buffer */
    uint8_t *output;                /* cluster_size bytes */
    size_t size;                    /* compressed bytes */
    unsigned slot;                  /* the chunk's ring slot */
} CompressItem;

struct CompressPipeline;

/* One worker's queue, guarded by its own lock. */
typedef struct CompressWorker {
    struct CompressPipeline *cp;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    CompressItem *queue[WORKER_QUEUE];  /* oldest first; the first in work */
    unsigned head, count;
    bool sleeping, stop;
} CompressWorker;

typedef struct CompressPipeline {
    ConvertPipeline *p;             /* its lock guards the chunk ring */
    ConvertJob *job;
    CompressItem *items;            /* item seq is items[seq % item_count] */
    unsigned item_count;
    uint64_t next_seq;              /* the next item to hand out */
    uint64_t next_store;            /* in guest order: the next item to store */
    uint64_t cursor_chunk, cursor_pos;  /* where the next item comes from */
    uint64_t *remaining;            /* per ring slot: clusters not stored yet */
    CompressItem **batch;           /* the store step's items */
    unsigned in_flight;             /* handed out, not yet stored */
    bool filling;                   /* parallel_read: the dispatcher fills a chunk */
    CompressWorker *workers;
    unsigned worker_count;
    unsigned finished_count;        /* atomic: items the workers finished */
    bool dispatcher_sleeps;         /* atomic: wake it through p->changed */
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
        if (__atomic_load_n(&item->state, __ATOMIC_ACQUIRE) != ITEM_FREE) {
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

/* The items ready to store now, marked STORING: the finished prefix in guest
 * order, or with -W every finished item (sorted by the store step). */
static size_t collect_ready(CompressPipeline *cp)
{
    size_t n = 0;
    if (cp->job->out_of_order) {
        for (unsigned i = 0; i < cp->item_count; i++) {
            CompressItem *item = &cp->items[i];
            if (__atomic_load_n(&item->state, __ATOMIC_ACQUIRE) == ITEM_DONE) {
                item->state = ITEM_STORING;
                cp->batch[n++] = item;
            }
        }
        return n;
    }
    for (;;) {
        CompressItem *item = &cp->items[cp->next_store % cp->item_count];
        if (item->seq != cp->next_store ||
            __atomic_load_n(&item->state, __ATOMIC_ACQUIRE) != ITEM_DONE) {
            return n;
        }
        item->state = ITEM_STORING;
        cp->batch[n++] = item;
        cp->next_store++;
    }
}

/* How many items are ready to store, counting up to STORE_BATCH. */
static unsigned count_ready(const CompressPipeline *cp)
{
    unsigned n = 0;
    if (cp->job->out_of_order) {
        for (unsigned i = 0; i < cp->item_count && n < STORE_BATCH; i++) {
            n += __atomic_load_n(&cp->items[i].state, __ATOMIC_ACQUIRE) == ITEM_DONE;
        }
        return n;
    }
    for (uint64_t seq = cp->next_store; n < STORE_BATCH; seq++, n++) {
        const CompressItem *item = &cp->items[seq % cp->item_count];
        if (item->seq != seq || __atomic_load_n(&item->state, __ATOMIC_ACQUIRE) != ITEM_DONE) {
            break;
        }
    }
    return n;
}

/* Whether the oldest cluster not yet stored has finished: only storing it
 * frees the buffer and the chunk the next clusters need (buffers are taken
 * and chunks given back in guest order); with -W storing the others early
 * only makes smaller steps, each leaving the rest of its last compressed
 * cluster's host cluster unused when plain clusters follow it. */
static bool oldest_done(const CompressPipeline *cp)
{
    const CompressItem *oldest = NULL;
    for (unsigned i = 0; i < cp->item_count; i++) {
        const CompressItem *item = &cp->items[i];
        if (__atomic_load_n(&item->state, __ATOMIC_ACQUIRE) != ITEM_FREE &&
            (!oldest || item->seq < oldest->seq)) {
            oldest = item;
        }
    }
    return oldest && __atomic_load_n(&oldest->state, __ATOMIC_ACQUIRE) == ITEM_DONE;
}

/* One store step of what is ready, the pipeline's lock dropped meanwhile.
 * Lock held. */
static void store_step(CompressPipeline *cp)
{
    ConvertPipeline *p = cp->p;
    size_t n = collect_ready(cp);
    if (!n) {
        return;
    }
    /* after a failure the rest is only given back, not stored */
    int ret = p->failed ? -EIO : 0;
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        ret = cp->batch[i]->failed ? -EIO : ret;
    }
    if (ret == 0) {
        if (cp->job->out_of_order) {
            qsort(cp->batch, n, sizeof(*cp->batch), compare_items);
        }
        ret = store_batch(cp->job, cp->batch, n);
    }
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        cp->remaining[cp->batch[i]->slot]--;
        cp->batch[i]->state = ITEM_FREE;
    }
    cp->in_flight -= n;
    if (ret < 0 && !p->failed) {
        p->failed = true;
        pthread_cond_broadcast(&p->changed);
    }
    release_chunks(cp);
}

static void *worker_main(void *opaque)
{
    CompressWorker *w = opaque;
    CompressPipeline *cp = w->cp;
    ConvertJob *job = cp->job;
    BlockCompressor *compressor = bdrv_compressor_new(job->target);
    /* the samples use the deflate parameters of zlib-type clusters at level 1 */
    z_stream sampler_state = { 0 }, *sampler = NULL;
    if (job->sampler_ready &&
        deflateInit2(&sampler_state, 1, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) == Z_OK) {
        sampler = &sampler_state;
    }
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->count && !w->stop) {
            w->sleeping = true;
            pthread_cond_wait(&w->wake, &w->lock);
            w->sleeping = false;
        }
        if (!w->count) {
            break;
        }
        CompressItem *item = w->queue[w->head];
        pthread_mutex_unlock(&w->lock);
        item->failed = work_on(job, item, compressor, sampler) < 0;
        pthread_mutex_lock(&w->lock);
        w->head = (w->head + 1) % WORKER_QUEUE;
        w->count--;
        pthread_mutex_unlock(&w->lock);
        /* seq_cst: either the dispatcher sees the item finished before it
         * sleeps, or this sees it sleeping and wakes it */
        __atomic_store_n(&item->state, ITEM_DONE, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&cp->finished_count, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&cp->dispatcher_sleeps, __ATOMIC_SEQ_CST)) {
            pthread_mutex_lock(&cp->p->lock);
            pthread_cond_broadcast(&cp->p->changed);
            pthread_mutex_unlock(&cp->p->lock);
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    if (sampler) {
        deflateEnd(sampler);
    }
    bdrv_compressor_free(compressor);
    return NULL;
}

/* The worker with the fewest queued items, if one has room. */
static CompressWorker *least_busy(CompressPipeline *cp)
{
    CompressWorker *best = NULL;
    unsigned best_count = WORKER_QUEUE;
    for (unsigned i = 0; i < cp->worker_count; i++) {
        CompressWorker *w = &cp->workers[i];
        pthread_mutex_lock(&w->lock);
        unsigned count = w->count;
        pthread_mutex_unlock(&w->lock);
        if (count < best_count) {
            best = w;
            best_count = count;
            if (!count) {
                break;
            }
        }
    }
    return best;
}

static void queue_item(CompressWorker *w, CompressItem *item)
{
    pthread_mutex_lock(&w->lock);
    w->queue[(w->head + w->count++) % WORKER_QUEUE] = item;
    if (w->sleeping) {
        pthread_cond_signal(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
}

/* Hands out clusters while a worker has room; whether any was. *starved:
 * a worker had room but no cluster could be had (all buffers in flight, or
 * no chunk ready). Lock held. */
static bool hand_out(CompressPipeline *cp, bool *finished, bool *starved)
{
    bool any = false;
    CompressWorker *w;
    *finished = *starved = false;
    while (!cp->p->failed && (w = least_busy(cp)) != NULL) {
        CompressItem *item = take_item(cp, finished);
        if (!item) {
            if (*finished || !fill_next_chunk(cp)) {
                *starved = !*finished;
                break;
            }
            continue;
        }
        cp->in_flight++;
        queue_item(w, item);
        any = true;
    }
    *finished |= cp->p->failed;
    return any;
}

/* The dispatcher: hands out, stores, and sleeps when neither can be done
 * until a worker finishes a cluster or the reader a chunk. Lock held. */
static void dispatch(CompressPipeline *cp)
{
    ConvertPipeline *p = cp->p;
    for (;;) {
        if (convert_interrupt_signal() && !p->failed) {
            img_error("interrupted by signal %d; the incomplete target is removed",
                      convert_interrupt_signal());
            p->failed = true;
            pthread_cond_broadcast(&p->changed);
        }
        unsigned seen = __atomic_load_n(&cp->finished_count, __ATOMIC_SEQ_CST);
        bool finished, starved;
        bool handed = hand_out(cp, &finished, &starved);
        unsigned ready = count_ready(cp);
        /* a full batch, or whatever is ready when nothing more can be handed
         * out until a store frees buffers or chunks (or ever) */
        if (ready >= STORE_BATCH || (ready && (finished || (starved && oldest_done(cp))))) {
            store_step(cp);
            continue;
        }
        if (finished && !cp->in_flight) {
            return;
        }
        if (handed) {
            continue;
        }
        __atomic_store_n(&cp->dispatcher_sleeps, true, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&cp->finished_count, __ATOMIC_SEQ_CST) == seen) {
            p->consumers_waiting++;
            pthread_cond_wait(&p->changed, &p->lock);
            p->consumers_waiting--;
        }
        __atomic_store_n(&cp->dispatcher_sleeps, false, __ATOMIC_SEQ_CST);
    }
}

static void stop_workers(CompressPipeline *cp, unsigned started)
{
    for (unsigned i = 0; i < started; i++) {
        CompressWorker *w = &cp->workers[i];
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(cp->workers[i].thread, NULL);
    }
}

int convert_compress_parallel(ConvertPipeline *p)
{
    ConvertJob *job = p->job;
    unsigned items = WORKERS * ITEMS_PER_WORKER;
    if ((uint64_t)items * job->cluster_size > MAX_ITEM_BYTES) {
        items = MAX_ITEM_BYTES / job->cluster_size;
    }
    CompressPipeline cp = { .p = p, .job = job,
                            .item_count = items > 2 * WORKERS * WORKER_QUEUE ?
                                          items : 2 * WORKERS * WORKER_QUEUE };
    cp.items = calloc(cp.item_count, sizeof(*cp.items));
    cp.batch = calloc(cp.item_count, sizeof(*cp.batch));
    cp.remaining = calloc(p->depth, sizeof(*cp.remaining));
    cp.workers = calloc(WORKERS, sizeof(*cp.workers));
    if (!cp.items || !cp.batch || !cp.remaining || !cp.workers) {
        abort();
    }
    uint8_t *outputs = convert_alloc_chunk((uint64_t)cp.item_count * job->cluster_size);
    for (unsigned i = 0; i < cp.item_count; i++) {
        cp.items[i].output = outputs + (uint64_t)i * job->cluster_size;
    }
    for (; cp.worker_count < WORKERS; cp.worker_count++) {
        CompressWorker *w = &cp.workers[cp.worker_count];
        w->cp = &cp;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            break;                  /* fewer workers still finish the job */
        }
    }
    pthread_mutex_lock(&p->lock);
    if (cp.worker_count) {
        dispatch(&cp);
    } else {
        img_error("cannot start the compression threads");
        p->failed = true;
    }
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    stop_workers(&cp, cp.worker_count);
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_mutex_destroy(&cp.workers[i].lock);
        pthread_cond_destroy(&cp.workers[i].wake);
    }
    free(outputs);
    free(cp.items);
    free(cp.batch);
    free(cp.remaining);
    free(cp.workers);
    return p->failed ? -EIO : 0;
}
