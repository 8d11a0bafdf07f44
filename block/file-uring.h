/*
 * aio=io_uring for host files (Linux io_uring through liburing): one ring
 * per open file, shared by the threads that submit batches to it.
 */
#ifndef BLOCK_FILE_URING_H
#define BLOCK_FILE_URING_H

#include <stdbool.h>

#include "block/block_int.h"

typedef struct BlockUring BlockUring;

/* false when Quetzal was built without liburing */
bool block_uring_built_in(void);
/* a ring of depth entries for fd; NULL when the kernel or build has none */
BlockUring *block_uring_new(int fd, unsigned depth);
void block_uring_free(BlockUring *u);
/* Runs the requests through the ring, depth at a time, and waits for them.
 * A request the ring cannot take or that completes short is handed to
 * fallback(req, ctx), which must finish it synchronously. */
int block_uring_submit(BlockUring *u, BlockFileRequest **reqs, unsigned count,
                       void (*fallback)(void *req, void *ctx), void *ctx);

#endif
