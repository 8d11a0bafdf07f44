/*
 * aio=io_uring for host files (io_uring_setup(2), liburing's queue helpers):
 * a batch of reads and writes is queued on the file's submission ring, sent
 * with one system call, and its completions are reaped before returning.
 * Unlike libaio this is asynchronous with the page cache too (no O_DIRECT
 * needed). A ring is not safe for concurrent use, so a lock serialises the
 * batches of different threads. Built when liburing is found (CONFIG_LIBURING).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "block/file-uring.h"

#ifdef CONFIG_LIBURING
#include <liburing.h>

struct BlockUring {
    struct io_uring ring;
    int fd;
    unsigned depth;
    pthread_mutex_t lock;
};

bool block_uring_built_in(void)
{
    return true;
}

BlockUring *block_uring_new(int fd, unsigned depth)
{
    BlockUring *u = calloc(1, sizeof(*u));
    if (!u) {
        return NULL;
    }
    if (io_uring_queue_init(depth, &u->ring, 0) < 0) {
        free(u);    /* kernel without io_uring, or io_uring disabled */
        return NULL;
    }
    u->fd = fd;
    u->depth = depth;
    pthread_mutex_init(&u->lock, NULL);
    return u;
}

void block_uring_free(BlockUring *u)
{
    if (u) {
        io_uring_queue_exit(&u->ring);
        pthread_mutex_destroy(&u->lock);
        free(u);
    }
}

/* Queues up to depth requests from reqs; returns how many were queued. */
static unsigned queue_batch(BlockUring *u, BlockFileRequest **reqs, unsigned count,
                            void (*fallback)(void *req, void *ctx), void *ctx, unsigned *taken)
{
    unsigned queued = 0;
    *taken = 0;
    while (*taken < count && queued < u->depth) {
        BlockFileRequest *req = reqs[(*taken)++];
        struct io_uring_sqe *sqe = req->bytes <= UINT32_MAX ? io_uring_get_sqe(&u->ring) : NULL;
        if (!sqe) {
            fallback(req, ctx);
            continue;
        }
        if (req->write) {
            io_uring_prep_write(sqe, u->fd, req->buf, (unsigned)req->bytes, req->offset);
        } else {
            io_uring_prep_read(sqe, u->fd, req->buf, (unsigned)req->bytes, req->offset);
        }
        io_uring_sqe_set_data(sqe, req);
        queued++;
    }
    return queued;
}

/* Reaps queued completions; short or interrupted transfers finish plainly. */
static int reap_batch(BlockUring *u, unsigned queued, void (*fallback)(void *req, void *ctx),
                      void *ctx)
{
    for (unsigned done = 0; done < queued; done++) {
        struct io_uring_cqe *cqe;
        int ret;
        do {
            ret = io_uring_wait_cqe(&u->ring, &cqe);
        } while (ret == -EINTR);
        if (ret < 0) {
            return ret;
        }
        BlockFileRequest *req = io_uring_cqe_get_data(cqe);
        int result = cqe->res;
        io_uring_cqe_seen(&u->ring, cqe);
        if (result >= 0 && (uint64_t)result == req->bytes) {
            req->ret = 0;
        } else if (result < 0 && result != -EAGAIN && result != -EINTR) {
            req->ret = result;
        } else {
            fallback(req, ctx);     /* end of file, partial transfer or retry */
        }
    }
    return 0;
}

int block_uring_submit(BlockUring *u, BlockFileRequest **reqs, unsigned count,
                       void (*fallback)(void *req, void *ctx), void *ctx)
{
    int ret = 0;
    pthread_mutex_lock(&u->lock);
    while (count && ret == 0) {
        unsigned taken;
        unsigned queued = queue_batch(u, reqs, count, fallback, ctx, &taken);
        unsigned submitted = 0;
        while (submitted < queued) {
            int n = io_uring_submit(&u->ring);
            if (n == -EINTR || n == -EAGAIN) {
                continue;
            }
            if (n <= 0) {
                ret = n < 0 ? n : -EIO;
                break;
            }
            submitted += (unsigned)n;
        }
        /* what went to the kernel is waited for even after an error: its
         * buffers stay in use until it completes */
        int reaped = reap_batch(u, submitted, fallback, ctx);
        ret = ret < 0 ? ret : reaped;
        reqs += taken;
        count -= taken;
    }
    pthread_mutex_unlock(&u->lock);
    return ret;
}

#else

bool block_uring_built_in(void)
{
    return false;
}

BlockUring *block_uring_new(int fd, unsigned depth)
{
    return NULL;
}

void block_uring_free(BlockUring *u)
{
}

int block_uring_submit(BlockUring *u, BlockFileRequest **reqs, unsigned count,
                       void (*fallback)(void *req, void *ctx), void *ctx)
{
    return -ENOTSUP;
}

#endif
