/*
 * convert without compression on several threads: up to -m requests at once,
 * as qemu-img(1) runs -m coroutines (8 by default). A worker takes the next
 * chunk and a free buffer, asks for the chunk's block status (one worker at a
 * time: the source images are not thread-safe) and reads its data: data
 * stored plainly in a host file (raw files, qcow2 data clusters) by all
 * workers at once through bdrv_pread_mapped, other data one worker at a time.
 * Writing is done by one worker at a time (the target image is not
 * thread-safe either), whichever finds it free once its chunk is read: it
 * writes every chunk that is ready, in guest order, or in the order they were
 * read with -W ("out-of-order writes") and for raw targets, where the order
 * cannot change the result. So reads of some chunks overlap the write of
 * another, and no chunk waits for a sleeping thread to be scheduled (on a
 * busy machine a wake-up can take a whole time slice).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "tools/img-convert.h"

#define SLOTS_PER_WORKER 2

typedef enum { SLOT_FREE, SLOT_BUSY, SLOT_READY } SlotState;

typedef struct CopySlot {
    ConvertChunk chunk;
    SlotState state;
    uint64_t index;                 /* which chunk of the target */
    uint64_t ready_seq;             /* when it was read (-W order) */
} CopySlot;

typedef struct CopyPipeline {
    ConvertJob *job;
    pthread_mutex_t lock;           /* guards the fields below and the target */
    pthread_cond_t changed;
    CopySlot *slots;
    unsigned slot_count, waiting;
    uint64_t chunk_count, next_chunk, next_write, written, ready_seq;
    bool any_order;                 /* write chunks as they are read */
    bool writing;
    bool failed;
    pthread_mutex_t source_lock;    /* block status and unmapped reads */
} CopyPipeline;

/* Block status and data of one chunk (offset and bytes set). */
static int read_chunk(CopyPipeline *cp, ConvertChunk *chunk)
{
    ConvertJob *job = cp->job;
    pthread_mutex_lock(&cp->source_lock);
    int ret = convert_plan_chunk(job, chunk);
    pthread_mutex_unlock(&cp->source_lock);
    for (size_t i = 0; i < chunk->range_count && ret == 0; i++) {
        const ConvertRange *r = &chunk->ranges[i];
        if (r->kind != RANGE_DATA) {
            continue;
        }
        if (r->layer) {
            ret = convert_read_range(job, chunk, r);
        } else {
            pthread_mutex_lock(&cp->source_lock);
            ret = convert_read_range(job, chunk, r);
            pthread_mutex_unlock(&cp->source_lock);
        }
    }
    return ret;
}

static void fail(CopyPipeline *cp)
{
    cp->failed = true;
    pthread_cond_broadcast(&cp->changed);
}

/* The chunk to write next, if it is read: in guest order, or (any order) the
 * caller's own chunk, else the one read first. Lock held. */
static CopySlot *next_ready(CopyPipeline *cp, CopySlot *own)
{
    if (cp->any_order && own && own->state == SLOT_READY) {
        return own;                 /* still in this core's cache */
    }
    CopySlot *best = NULL;
    for (unsigned i = 0; i < cp->slot_count; i++) {
        CopySlot *s = &cp->slots[i];
        if (s->state != SLOT_READY) {
            continue;
        }
        if (!cp->any_order && s->index == cp->next_write) {
            return s;
        }
        if (cp->any_order && (!best || s->ready_seq < best->ready_seq)) {
            best = s;
        }
    }
    return best;
}

/* Unless another worker is writing (it sees every chunk made ready before it
 * stops: both happen under the lock), writes what is ready. Lock held. */
static void write_ready(CopyPipeline *cp, CopySlot *own)
{
    ConvertJob *job = cp->job;
    if (cp->writing) {
        return;
    }
    cp->writing = true;
    CopySlot *s;
    while (!cp->failed && (s = next_ready(cp, own))) {
        own = NULL;
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&cp->lock);
        int ret = convert_write_chunk(job, &s->chunk);
        pthread_mutex_lock(&cp->lock);
        s->state = SLOT_FREE;
        cp->next_write++;
        cp->written++;
        if (ret < 0) {
            fail(cp);
            break;
        }
        img_progress_update(&job->progress, cp->written * job->chunk_size < job->total_size ?
                            cp->written * job->chunk_size : job->total_size, job->total_size);
        if (cp->waiting) {
            pthread_cond_signal(&cp->changed);  /* one slot for one reader */
        }
    }
    cp->writing = false;
}

static CopySlot *free_slot(CopyPipeline *cp)
{
    for (unsigned i = 0; i < cp->slot_count; i++) {
        if (cp->slots[i].state == SLOT_FREE) {
            return &cp->slots[i];
        }
    }
    return NULL;
}

static void *copy_worker(void *opaque)
{
    CopyPipeline *cp = opaque;
    ConvertJob *job = cp->job;
    CopySlot *own = NULL;           /* the chunk this worker just read */
    pthread_mutex_lock(&cp->lock);
    for (;;) {
        if (convert_interrupt_signal() && !cp->failed) {
            img_error("interrupted by signal %d; the incomplete target is removed",
                      convert_interrupt_signal());
            fail(cp);
        }
        write_ready(cp, own);
        own = NULL;
        if (cp->failed || cp->next_chunk == cp->chunk_count) {
            break;                  /* what is still being read is written by its reader */
        }
        CopySlot *s = free_slot(cp);
        if (!s) {
            cp->waiting++;
            pthread_cond_wait(&cp->changed, &cp->lock);
            cp->waiting--;
            continue;
        }
        s->state = SLOT_BUSY;
        s->index = cp->next_chunk++;
        pthread_mutex_unlock(&cp->lock);
        s->chunk.offset = s->index * job->chunk_size;
        s->chunk.bytes = job->total_size - s->chunk.offset < job->chunk_size ?
                         job->total_size - s->chunk.offset : job->chunk_size;
        int ret = read_chunk(cp, &s->chunk);
        pthread_mutex_lock(&cp->lock);
        if (ret < 0) {
            fail(cp);
            break;
        }
        s->state = SLOT_READY;
        s->ready_seq = cp->ready_seq++;
        own = s;
    }
    pthread_cond_broadcast(&cp->changed);   /* the others waiting for a slot may stop too */
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

int convert_copy_parallel(ConvertJob *job, unsigned workers)
{
    CopyPipeline cp = { .job = job };
    cp.chunk_count = (job->total_size + job->chunk_size - 1) / job->chunk_size;
    cp.any_order = job->out_of_order || job->target->drv->passthrough;
    /* -m requests at once, on at most one thread more than there are
     * processors: more threads only contend for the locks (futex calls) */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && workers > (unsigned long)cpus + 1) {
        workers = (unsigned)cpus + 1;
    }
    workers = workers < 1 ? 1 : workers > CONVERT_MAX_WORKERS ? CONVERT_MAX_WORKERS : workers;
    cp.slot_count = workers * SLOTS_PER_WORKER;
    cp.slots = calloc(cp.slot_count, sizeof(*cp.slots));
    if (!cp.slots) {
        abort();
    }
    for (unsigned i = 0; i < cp.slot_count; i++) {
        if (posix_memalign((void **)&cp.slots[i].chunk.buffer, 4096, job->chunk_size)) {
            abort();
        }
    }
    pthread_mutex_init(&cp.lock, NULL);
    pthread_mutex_init(&cp.source_lock, NULL);
    pthread_cond_init(&cp.changed, NULL);
    convert_run_workers(copy_worker, &cp, workers);
    for (unsigned i = 0; i < cp.slot_count; i++) {
        free(cp.slots[i].chunk.buffer);
        free(cp.slots[i].chunk.ranges);
    }
    free(cp.slots);
    pthread_mutex_destroy(&cp.lock);
    pthread_mutex_destroy(&cp.source_lock);
    pthread_cond_destroy(&cp.changed);
    if (!cp.failed && cp.written != cp.chunk_count) {
        img_error("internal error: %" PRIu64 " of %" PRIu64 " chunks written", cp.written,
                  cp.chunk_count);
        return -EIO;
    }
    return cp.failed ? -EIO : 0;
}
