/*
 * The emulated disks' worker thread (see hw/blk-worker.h). Jobs queue on a
 * list; the thread runs each job's work and moves it to the finished list,
 * then writes to an eventfd the main loop watches, whose handler runs the done
 * callbacks on the CPU thread (eventfd(2)).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "hw/blk-worker.h"

struct BlkWorker {
    MainLoop *ml;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;          /* work queued, or stop */
    pthread_cond_t idle;          /* queue empty and nothing running */
    BlkJob *queue, **queue_tail;
    BlkJob *finished, **finished_tail;
    bool running, stop;
    int efd;
};

static void *worker_main(void *opaque)
{
    BlkWorker *w = opaque;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->queue && !w->stop) {
            pthread_cond_wait(&w->cond, &w->lock);
        }
        if (!w->queue) {
            break;
        }
        BlkJob *job = w->queue;
        w->queue = job->next;
        if (!w->queue) {
            w->queue_tail = &w->queue;
        }
        w->running = true;
        pthread_mutex_unlock(&w->lock);
        job->work(job);
        pthread_mutex_lock(&w->lock);
        w->running = false;
        job->next = NULL;
        *w->finished_tail = job;
        w->finished_tail = &job->next;
        uint64_t one = 1;
        if (write(w->efd, &one, sizeof(one)) < 0) {
            /* the counter cannot overflow with one job at a time */
        }
        if (!w->queue) {
            pthread_cond_broadcast(&w->idle);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Runs the done callbacks of finished jobs (CPU thread). */
static void run_finished(BlkWorker *w)
{
    for (;;) {
        pthread_mutex_lock(&w->lock);
        BlkJob *job = w->finished;
        if (job) {
            w->finished = job->next;
            if (!w->finished) {
                w->finished_tail = &w->finished;
            }
        }
        pthread_mutex_unlock(&w->lock);
        if (!job) {
            return;
        }
        job->done(job);
    }
}

static void efd_readable(void *opaque)
{
    BlkWorker *w = opaque;
    uint64_t count;
    if (read(w->efd, &count, sizeof(count)) < 0) {
        /* EAGAIN: another handler call took it */
    }
    run_finished(w);
}

BlkWorker *blk_worker_new(MainLoop *ml)
{
    BlkWorker *w = calloc(1, sizeof(*w));
    if (!w) {
        abort();
    }
    w->ml = ml;
    w->queue_tail = &w->queue;
    w->finished_tail = &w->finished;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    pthread_cond_init(&w->idle, NULL);
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd < 0 || pthread_create(&w->thread, NULL, worker_main, w)) {
        abort();
    }
    main_loop_set_fd_handler(ml, w->efd, efd_readable, w);
    return w;
}

void blk_worker_submit(BlkWorker *w, BlkJob *job)
{
    job->next = NULL;
    pthread_mutex_lock(&w->lock);
    *w->queue_tail = job;
    w->queue_tail = &job->next;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void blk_worker_drain(BlkWorker *w)
{
    pthread_mutex_lock(&w->lock);
    while (w->queue || w->running) {
        pthread_cond_wait(&w->idle, &w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    run_finished(w);
}

void blk_worker_free(BlkWorker *w)
{
    if (!w) {
        return;
    }
    blk_worker_drain(w);
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    main_loop_set_fd_handler(w->ml, w->efd, NULL, NULL);
    close(w->efd);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    pthread_cond_destroy(&w->idle);
    free(w);
}
