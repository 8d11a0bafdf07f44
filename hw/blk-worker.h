/*
 * A worker thread for emulated disks: a device hands it a block request (a
 * function run off the CPU thread) and is called back on the CPU thread (a
 * main loop fd handler) once it is done, so guest code keeps running while the
 * host does the I/O. Requests run one at a time, in order. The device must not
 * touch the request's BlockDriverState or buffer until its done callback.
 */
#ifndef HW_BLK_WORKER_H
#define HW_BLK_WORKER_H

#include "system/main-loop.h"

typedef struct BlkWorker BlkWorker;
typedef struct BlkJob {
    void (*work)(struct BlkJob *job);     /* on the worker thread */
    void (*done)(struct BlkJob *job);     /* on the CPU thread */
    struct BlkJob *next;
} BlkJob;

BlkWorker *blk_worker_new(MainLoop *ml);
void blk_worker_free(BlkWorker *w);        /* drains first */
void blk_worker_submit(BlkWorker *w, BlkJob *job);
/* Waits for every submitted job and runs the done callbacks still due (device
 * reset, machine teardown). */
void blk_worker_drain(BlkWorker *w);

#endif
