/*
 * Worker-thread pool: one batch runs at a time; the workers and the caller take
 * items from it by index until none are left.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "block/thread-pool.h"

typedef struct ThreadPoolBatch {
    ThreadPoolFunc *func;
    char *items;
    size_t item_size, count;
    void *context;
    size_t next, done;
} ThreadPoolBatch;

struct ThreadPool {
    pthread_mutex_t lock;
    pthread_cond_t work_ready, work_done;
    pthread_mutex_t run_lock;        /* one batch at a time */
    ThreadPoolBatch *batch;
    unsigned generation;
    bool stopping;
    unsigned thread_count;
    pthread_t *threads;
};

/* Runs items of the current batch until none are left; called with lock held. */
static void run_items(ThreadPool *pool, ThreadPoolBatch *batch)
{
    while (batch->next < batch->count) {
        size_t index = batch->next++;
        pthread_mutex_unlock(&pool->lock);
        batch->func(batch->items + index * batch->item_size, batch->context);
        pthread_mutex_lock(&pool->lock);
        if (++batch->done == batch->count) {
            pthread_cond_broadcast(&pool->work_done);
        }
    }
}

static void *worker_main(void *opaque)
{
    ThreadPool *pool = opaque;
    pthread_mutex_lock(&pool->lock);
    while (!pool->stopping) {
        if (pool->batch && pool->batch->next < pool->batch->count) {
            run_items(pool, pool->batch);
            continue;
        }
        pthread_cond_wait(&pool->work_ready, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

ThreadPool *thread_pool_new(unsigned threads)
{
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 2 ? 2 : (unsigned)cpus;
    }
    ThreadPool *pool = calloc(1, sizeof(*pool));
    if (!pool) {
        abort();
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_cond_init(&pool->work_ready, NULL);
    pthread_cond_init(&pool->work_done, NULL);
    pool->threads = calloc(threads, sizeof(pthread_t));
    if (!pool->threads) {
        abort();
    }
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
            break;
        }
        pool->thread_count++;
    }
    return pool;
}

unsigned thread_pool_size(const ThreadPool *pool)
{
    return pool->thread_count;
}

void thread_pool_free(ThreadPool *pool)
{
    if (!pool) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->thread_count; i++) {
        pthread_join(pool->threads[i], NULL);
    }
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->run_lock);
    pthread_cond_destroy(&pool->work_ready);
    pthread_cond_destroy(&pool->work_done);
    free(pool->threads);
    free(pool);
}

void thread_pool_run(ThreadPool *pool, ThreadPoolFunc *func, void *items, size_t item_size,
                     size_t count, void *context)
{
    if (count == 0) {
        return;
    }
    ThreadPoolBatch batch = {
        .func = func, .items = items, .item_size = item_size, .count = count,
        .context = context,
    };
    pthread_mutex_lock(&pool->run_lock);
    pthread_mutex_lock(&pool->lock);
    pool->batch = &batch;
    pthread_cond_broadcast(&pool->work_ready);
    run_items(pool, &batch);
    while (batch.done < batch.count) {
        pthread_cond_wait(&pool->work_done, &pool->lock);
    }
    pool->batch = NULL;
    pthread_mutex_unlock(&pool->lock);
    pthread_mutex_unlock(&pool->run_lock);
}
