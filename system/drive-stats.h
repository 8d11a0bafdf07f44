/*
 * What a drive's device model tells the monitor: I/O accounting for
 * `info blockstats` / query-blockstats (QEMU's BlockDeviceStats: bytes,
 * operations, failed operations and total time per kind, and the time of the
 * last access for idle_time_ns) and tray movements made by the guest (START
 * STOP UNIT, for the DEVICE_TRAY_MOVED event) and failed requests (for
 * BLOCK_IO_ERROR). system/drive.c owns one per
 * drive and hands it to the device through its config (hw/ide.h, hw/isa-dma.h,
 * hw/virtio.h); a NULL pointer means nobody listens. Requests may finish on a
 * block worker thread, so the counters are updated atomically.
 */
#ifndef SYSTEM_DRIVE_STATS_H
#define SYSTEM_DRIVE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum { DRIVE_STAT_READ, DRIVE_STAT_WRITE, DRIVE_STAT_FLUSH, DRIVE_STAT_KINDS };

typedef struct DriveStats {
    uint64_t bytes[DRIVE_STAT_KINDS];
    uint64_t ops[DRIVE_STAT_KINDS];
    uint64_t failed[DRIVE_STAT_KINDS];
    uint64_t total_ns[DRIVE_STAT_KINDS];
    uint64_t wr_highest_offset;         /* end of the furthest write */
    int64_t last_ns;                    /* CLOCK_MONOTONIC of the last completion, 0: none */
    /* the guest opened or closed the tray (CPU thread) */
    void (*tray_moved)(void *opaque, struct DriveStats *s, bool open);
    /* a guest request failed and the device reports it to the guest (QEMU's
     * default error action "report"; CPU thread) */
    void (*io_error)(void *opaque, struct DriveStats *s, bool write);
    void *opaque;
    /* the other way, set by a device model that has them (CPU thread): the
     * monitor waits for the requests in flight (commit, block_resize) and
     * tells of a new medium size (block_resize) */
    void (*drain)(void *dev);
    void (*resized)(void *dev);
    void *dev;
} DriveStats;

static inline int64_t drive_stats_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One request of kind (DRIVE_STAT_*) for bytes at offset, started at start
 * (drive_stats_now()), done with success ok. */
static inline void drive_stats_account(DriveStats *s, int kind, uint64_t offset, uint64_t bytes,
                                       int64_t start, bool ok)
{
    if (!s) {
        return;
    }
    int64_t now = drive_stats_now();
    if (ok) {
        __atomic_fetch_add(&s->ops[kind], 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->bytes[kind], bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->total_ns[kind], (uint64_t)(now - start), __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_add(&s->failed[kind], 1, __ATOMIC_RELAXED);
    }
    if (ok && kind == DRIVE_STAT_WRITE) {
        uint64_t end = offset + bytes, cur = __atomic_load_n(&s->wr_highest_offset, __ATOMIC_RELAXED);
        while (end > cur && !__atomic_compare_exchange_n(&s->wr_highest_offset, &cur, end, false,
                                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
    }
    __atomic_store_n(&s->last_ns, now, __ATOMIC_RELAXED);
}

static inline void drive_stats_io_error(DriveStats *s, bool write)
{
    if (s && s->io_error) {
        s->io_error(s->opaque, s, write);
    }
}

static inline void drive_stats_drain(DriveStats *s)
{
    if (s && s->drain) {
        s->drain(s->dev);
    }
}

static inline void drive_stats_resized(DriveStats *s)
{
    if (s && s->resized) {
        s->resized(s->dev);
    }
}

static inline void drive_stats_tray(DriveStats *s, bool open)
{
    if (s && s->tray_moved) {
        s->tray_moved(s->opaque, s, open);
    }
}

#endif
