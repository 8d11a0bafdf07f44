/*
 * convert without compression on several threads: one writer and up to -m - 1
 * readers (at most one thread more than there are processors in all) around
 * a ring of 2 MiB chunks (qemu-img(1)'s buffer size).
 *
 * Writing is done by one thread (the target image is not thread-safe, and a
 * host file system takes buffered writes to one file one at a time anyway),
 * so the writer is the bottleneck and does nothing but write: the readers ask
 * for a chunk's block status (one at a time: the source images are not
 * thread-safe either), read its data (data stored plainly in a host file, as
 * in raw files and qcow2 data clusters, by all readers at once through
 * bdrv_pread_mapped; other data one reader at a time) and find its zero runs
 * (convert_find_zeros). The writer writes the chunks in guest order, or in
 * the order they were read with -W ("out-of-order writes"; not by default for
 * raw targets either: out-of-order writes to a host file cost the file system
 * extent work).
 *
 * Wake-ups are few, as on a busy machine each may cost a whole time slice: a
 * reader that found the ring full sleeps until half of it is free again; the
 * writer sleeps only while the chunk it needs is being read, and when no
 * reader is reading ahead it reads the next chunk itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "tools/img-convert.h"

#define RING_CHUNKS 8

typedef enum { SLOT_FREE, SLOT_READING, SLOT_READY, SLOT_WRITING } SlotState;

typedef struct CopySlot {
    ConvertChunk chunk;
    SlotState state;
    uint64_t index;                 /* which chunk of the target */
    uint64_t ready_seq;             /* when it was read (-W order) */
} CopySlot;

typedef struct CopyPipeline {
    ConvertJob *job;
    bool any_order;                 /* write chunks as they are read */
    pthread_mutex_t lock;           /* guards the fields below */
    pthread_cond_t writer_wake, readers_wake;
    CopySlot slots[RING_CHUNKS];
    unsigned free_slots;
    uint64_t chunk_count, next_chunk, ready_seq;
    uint64_t written;               /* chunks written (in guest order: the next to write) */
    bool writer_taken, writer_waits, failed;
    unsigned readers_waiting;
    pthread_mutex_t source_lock;    /* block status and unmapped reads */
} CopyPipeline;

/* Block status, data and zero runs of one chunk (offset and bytes set). */
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
    if (ret == 0) {
        convert_find_zeros(job, chunk);
    }
    return ret;
}

/* Lock held: stops every thread. */
static void fail(CopyPipeline *cp)
{
    cp->failed = true;
    pthread_cond_broadcast(&cp->writer_wake);
    pthread_cond_broadcast(&cp->readers_wake);
}

static bool check_interrupt(CopyPipeline *cp)
{
    if (convert_interrupt_signal() && !cp->failed) {
        img_error("interrupted by signal %d; the incomplete target is removed",
                  convert_interrupt_signal());
        fail(cp);
    }
    return cp->failed;
}

/* Lock held: claims the next chunk to read into a free slot, or NULL. */
static CopySlot *claim_chunk(CopyPipeline *cp)
{
    if (cp->failed || cp->next_chunk == cp->chunk_count || !cp->free_slots) {
        return NULL;
    }
    for (unsigned i = 0; i < RING_CHUNKS; i++) {
        CopySlot *s = &cp->slots[i];
        if (s->state == SLOT_FREE) {
            ConvertJob *job = cp->job;
            s->state = SLOT_READING;
            s->index = cp->next_chunk++;
            s->chunk.offset = s->index * job->chunk_size;
            s->chunk.bytes = job->total_size - s->chunk.offset < job->chunk_size ?
                             job->total_size - s->chunk.offset : job->chunk_size;
            cp->free_slots--;
            return s;
        }
    }
    return NULL;
}

/* Reads a claimed slot, lock held (dropped meanwhile); false on failure. */
static bool fill_slot(CopyPipeline *cp, CopySlot *s)
{
    pthread_mutex_unlock(&cp->lock);
    int ret = read_chunk(cp, &s->chunk);
    pthread_mutex_lock(&cp->lock);
    if (ret < 0) {
        fail(cp);
        return false;
    }
    s->state = SLOT_READY;
    s->ready_seq = cp->ready_seq++;
    return true;
}

static void *reader_main(CopyPipeline *cp)
{
    pthread_mutex_lock(&cp->lock);
    while (!check_interrupt(cp) && cp->next_chunk < cp->chunk_count) {
        CopySlot *s = claim_chunk(cp);
        if (!s) {
            cp->readers_waiting++;
            pthread_cond_wait(&cp->readers_wake, &cp->lock);
            cp->readers_waiting--;
            continue;
        }
        if (fill_slot(cp, s) && cp->writer_waits) {
            pthread_cond_signal(&cp->writer_wake);
        }
    }
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

/* Lock held: the chunk to write next, if it is read. */
static CopySlot *next_ready(CopyPipeline *cp)
{
    CopySlot *best = NULL;
    for (unsigned i = 0; i < RING_CHUNKS; i++) {
        CopySlot *s = &cp->slots[i];
        if (s->state != SLOT_READY) {
            continue;
        }
        if (!cp->any_order && s->index == cp->written) {
            return s;
        }
        if (cp->any_order && (!best || s->ready_seq < best->ready_seq)) {
            best = s;
        }
    }
    return best;
}

/* Writes a ready slot, lock held (dropped meanwhile), and frees it. */
static void write_slot(CopyPipeline *cp, CopySlot *s)
{
    ConvertJob *job = cp->job;
    s->state = SLOT_WRITING;
    pthread_mutex_unlock(&cp->lock);
    int ret = convert_write_chunk(job, &s->chunk);
    pthread_mutex_lock(&cp->lock);
    s->state = SLOT_FREE;
    cp->free_slots++;
    if (ret < 0) {
        fail(cp);
        return;
    }
    cp->written++;
    uint64_t done = cp->written * job->chunk_size;
    img_progress_update(&job->progress, done < job->total_size ? done : job->total_size,
                        job->total_size);
    if (cp->readers_waiting && cp->free_slots >= RING_CHUNKS / 2) {
        pthread_cond_broadcast(&cp->readers_wake);
    }
}

static void writer_main(CopyPipeline *cp)
{
    pthread_mutex_lock(&cp->lock);
    while (!check_interrupt(cp) && cp->written < cp->chunk_count) {
        CopySlot *s = next_ready(cp);
        if (s) {
            write_slot(cp, s);
        } else if ((s = claim_chunk(cp))) {
            fill_slot(cp, s);       /* no reader is ahead: read it here */
        } else {
            cp->writer_waits = true;
            pthread_cond_wait(&cp->writer_wake, &cp->lock);
            cp->writer_waits = false;
        }
    }
    fail(cp);                       /* done or failed: the readers stop */
    pthread_mutex_unlock(&cp->lock);
}

/* The first thread to start writes, the others read. */
static void *copy_worker(void *opaque)
{
    CopyPipeline *cp = opaque;
    pthread_mutex_lock(&cp->lock);
    bool writer = !cp->writer_taken;
    cp->writer_taken = true;
    pthread_mutex_unlock(&cp->lock);
    if (writer) {
        writer_main(cp);
        return NULL;
    }
    return reader_main(cp);
}

int convert_copy_parallel(ConvertJob *job, unsigned workers)
{
    CopyPipeline *cp = calloc(1, sizeof(*cp));
    if (!cp) {
        abort();
    }
    cp->job = job;
    cp->chunk_count = (job->total_size + job->chunk_size - 1) / job->chunk_size;
    cp->any_order = job->out_of_order;
    cp->free_slots = RING_CHUNKS;
    for (unsigned i = 0; i < RING_CHUNKS; i++) {
        cp->slots[i].chunk.buffer = convert_alloc_chunk(job->chunk_size);
    }
    /* more threads than one more than the processors only contend for the
     * locks; -m 1: the writer reads too */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && workers > (unsigned long)cpus + 1) {
        workers = (unsigned)cpus + 1;
    }
    workers = workers < 1 ? 1 : workers > CONVERT_MAX_WORKERS ? CONVERT_MAX_WORKERS : workers;
    pthread_mutex_init(&cp->lock, NULL);
    pthread_mutex_init(&cp->source_lock, NULL);
    pthread_cond_init(&cp->writer_wake, NULL);
    pthread_cond_init(&cp->readers_wake, NULL);
    convert_run_workers(copy_worker, cp, workers);
    /* the writer set failed to stop the readers: only a short count is one */
    bool ok = cp->written == cp->chunk_count;
    for (unsigned i = 0; i < RING_CHUNKS; i++) {
        free(cp->slots[i].chunk.buffer);
        free(cp->slots[i].chunk.ranges);
    }
    pthread_mutex_destroy(&cp->lock);
    pthread_mutex_destroy(&cp->source_lock);
    pthread_cond_destroy(&cp->writer_wake);
    pthread_cond_destroy(&cp->readers_wake);
    free(cp);
    return ok ? 0 : -EIO;
}
