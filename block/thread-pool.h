/*
 * A small pool of worker threads for the block layer: runs one function on
 * each element of an array in parallel and waits for all of them. Used by the
 * host-file layer for aio=threads and by formats whose metadata work or
 * compression benefits from more than one core.
 */
#ifndef BLOCK_THREAD_POOL_H
#define BLOCK_THREAD_POOL_H

#include <stddef.h>

typedef struct ThreadPool ThreadPool;
typedef void ThreadPoolFunc(void *item, void *context);

/* threads: worker count (0: one per online CPU, at least 2) */
ThreadPool *thread_pool_new(unsigned threads);
void thread_pool_free(ThreadPool *pool);
unsigned thread_pool_size(const ThreadPool *pool);
/* calls func(items + i * item_size, context) for i in [0, count) on the workers
 * and the calling thread; returns when all calls have returned */
void thread_pool_run(ThreadPool *pool, ThreadPoolFunc *func, void *items, size_t item_size,
                     size_t count, void *context);

#endif
