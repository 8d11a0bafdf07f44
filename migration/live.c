/*
 * Live migration, precopy (as QEMU's default): the guest runs while its RAM
 * goes out in passes. Every write to a RAM page is logged (the guest's by the
 * accelerator's dirty source, migration/dirty.h: TCG's softmmu or KVM's dirty
 * log; DMA through the address space's ram_written listener); each pass
 * takes the pages dirtied since the last one. When what is left would go in the
 * downtime limit at the bandwidth seen (or after MAX_PASSES), the machine
 * stops and the rest goes with the devices and the CPU (vmstate.c): the
 * stream is the stop-and-copy one with earlier copies of the RAM sections.
 * The work runs in slices from a timer of the machine's main loop, so the
 * guest runs between them; the migrate command returns at once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "migration/dirty.h"
#include "migration/migration.h"
#include "system/main-loop.h"

#define MAX_PASSES 30
#define SLICE_BYTES (8u << 20)          /* per timer tick, without a speed limit */
#define SLICE_NS 2000000                /* between ticks: the guest runs */
#define DEFAULT_DOWNTIME_MS 300         /* QEMU's downtime-limit default */

static const char *const ram_names[] = { "pc.ram", "pc.ram-above-4g" };

typedef struct RamLog {
    MemRegion *r;
    uint8_t *host;
    uint64_t base, pages;
    uint8_t *dirty;                     /* written since the last sync */
    uint8_t *send;                      /* to go in this pass */
} RamLog;

struct LiveMigration {
    PCMachine *m;
    PCMachineView v;
    MigrationInfo *info;
    Channel *ch;
    Timer *timer;
    RamLog ram[2];
    int nram;
    DirtySource src;                    /* the guest's writes */
    bool active, listener, logging;
    int ri;                             /* the pass's cursor */
    uint64_t pi, pass_pages;
    int64_t t0, pass_t0;
    uint64_t chan_mark, last_left;      /* converged(): bytes written, the set before */
    void (*done)(void *opaque, bool ok);
    void *opaque;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void mark(LiveMigration *l, uint64_t paddr, uint64_t len)
{
    for (int i = 0; l->active && i < l->nram; i++) {
        RamLog *r = &l->ram[i];
        uint64_t size = r->pages * VMSTATE_PAGE;
        if (paddr + len <= r->base || paddr >= r->base + size) {
            continue;
        }
        uint64_t first = paddr > r->base ? paddr - r->base : 0;
        uint64_t end = paddr + len - r->base < size ? paddr + len - r->base : size;
        for (uint64_t p = first / VMSTATE_PAGE; p * VMSTATE_PAGE < end; p++) {
            r->dirty[p] = 1;
        }
    }
}

static void log_write(void *opaque, uint64_t paddr, uint64_t len) { mark(opaque, paddr, len); }

/* The pages written since the last sync become this pass's (with keep, on
 * top of the pass's own that were not sent yet); logging re-arms. */
static char *sync_dirty(LiveMigration *l, bool keep, uint64_t *left)
{
    uint64_t n = 0;
    char *err = l->src.ops->sync(&l->src);
    if (err) {
        return err;
    }
    for (int i = 0; i < l->nram; i++) {
        RamLog *r = &l->ram[i];
        for (uint64_t p = 0; p < r->pages; p++) {
            r->send[p] = r->dirty[p] | (keep ? r->send[p] : 0);
            n += r->send[p];
        }
        memset(r->dirty, 0, r->pages);
    }
    l->ri = 0;
    l->pi = 0;
    l->pass_pages = n;
    l->pass_t0 = now_ns();
    if (left) {
        *left = n;
    }
    return NULL;
}

/* Sends up to budget bytes of the pass's pages as one RAM section per
 * region; true when the pass is over. */
static char *send_slice(LiveMigration *l, uint64_t budget, bool *pass_over)
{
    FILE *f = channel_file(l->ch);
    uint64_t sent = 0;
    while (l->ri < l->nram && sent < budget) {
        RamLog *r = &l->ram[l->ri];
        uint64_t start = l->pi, n = 0;
        while (l->pi < r->pages && sent < budget) {
            n += r->send[l->pi];
            sent += r->send[l->pi] ? VMSTATE_PAGE : 0;
            l->pi++;
        }
        if (n) {
            char *err = vmstate_save_ram_range(f, ram_names[r - l->ram], r->host,
                                               r->pages * VMSTATE_PAGE, r->send, start, l->pi,
                                               &l->info->pages_sent);
            if (err) {
                return err;
            }
        }
        if (l->pi == r->pages) {
            l->ri++;
            l->pi = 0;
        }
    }
    *pass_over = l->ri == l->nram;
    return NULL;
}

static void finish(LiveMigration *l, char *err)
{
    l->active = false;
    timer_del(l->timer);
    if (l->logging) {
        l->src.ops->stop(&l->src);
        l->logging = false;
    }
    if (l->ch) {
        l->info->bytes = channel_bytes(l->ch);
        char *cerr = channel_close(l->ch);
        l->ch = NULL;
        if (!err) {
            err = cerr;
        } else {
            free(cerr);
        }
    }
    for (int i = 0; i < l->nram; i++) {
        free(l->ram[i].dirty);
        free(l->ram[i].send);
    }
    l->nram = 0;
    l->info->total_ms = (now_ns() - l->t0) / 1000000;
    if (l->info->status != MIG_CANCELLED) {
        l->info->status = err ? MIG_FAILED : MIG_COMPLETED;
    }
    free(l->info->error);
    l->info->error = err;
    l->done(l->opaque, !err);
}

/* The machine stops: the last dirty pages, devices, CPU. */
static void complete(LiveMigration *l)
{
    int64_t t = now_ns();
    main_loop_pause(l->v.ml);
    vmstate_stopped(l->m);
    /* the pass just synced has not gone out yet; the vCPU is stopped, so
     * this sync has the last of its writes */
    bool over = false;
    char *err = sync_dirty(l, true, NULL);
    if (!err) {
        err = send_slice(l, UINT64_MAX, &over);
    }
    if (!err) {
        err = vmstate_save_devices(l->m, channel_file(l->ch));
    }
    if (!err && fflush(channel_file(l->ch)) != 0) {
        err = strdup("cannot write the migration stream");
    }
    l->info->downtime_ms = (now_ns() - t) / 1000000;
    finish(l, err);
}

/* Bytes written to the channel since the last call (zero pages cost their
 * header only, unlike the pass's page count). */
static uint64_t pass_written(LiveMigration *l)
{
    fflush(channel_file(l->ch));
    uint64_t now = channel_bytes(l->ch), n = now - l->chan_mark;
    l->chan_mark = now;
    return n;
}

/* Whether the machine may stop after a pass that left `left` dirty pages:
 * they must go in the downtime limit at the bandwidth the pass saw (each
 * counted whole), and another pass must not be worth it: one that shrinks
 * the set fourfold costs the guest a little and the downtime much less. */
static bool converged(LiveMigration *l, uint64_t left, double bw, int64_t limit)
{
    double ms = (double)left * VMSTATE_PAGE / bw * 1000;
    bool shrinking = left * 4 < l->last_left && ms >= 2;
    l->last_left = left;
    return ms <= limit && !shrinking;
}

static void tick(void *opaque)
{
    LiveMigration *l = opaque;
    if (!l->active) {
        return;
    }
    uint64_t budget = SLICE_BYTES;
    if (l->info->speed_limit) {     /* bytes/s: this slice's share */
        budget = l->info->speed_limit / (1000000000 / SLICE_NS);
        budget = budget < VMSTATE_PAGE ? VMSTATE_PAGE : budget;
    }
    bool over = false;
    char *err = send_slice(l, budget, &over);
    if (err) {
        finish(l, err);
        return;
    }
    if (over) {
        l->info->dirty_passes++;
        int64_t dt = now_ns() - l->pass_t0;
        uint64_t wrote = pass_written(l);
        double bw = dt > 0 && wrote ? (double)wrote * 1e9 / dt : 1e9;   /* bytes/s */
        uint64_t left = 0;
        if ((err = sync_dirty(l, false, &left))) {
            finish(l, err);
            return;
        }
        int64_t limit = l->info->downtime_limit_ms ? l->info->downtime_limit_ms
                                                   : DEFAULT_DOWNTIME_MS;
        if (converged(l, left, bw, limit) ||
            l->info->dirty_passes >= MAX_PASSES) {
            complete(l);
            return;
        }
    }
    timer_mod(l->timer, clock_ns(l->v.ml) + SLICE_NS);
}

LiveMigration *live_migration_new(PCMachine *m, MigrationInfo *info,
                                  void (*done)(void *opaque, bool ok), void *opaque)
{
    LiveMigration *l = calloc(1, sizeof(*l));
    l->m = m;
    pc_machine_view(m, &l->v);
    l->info = info;
    l->done = done;
    l->opaque = opaque;
    l->timer = timer_new(l->v.ml, tick, l);
    dirty_source_init(&l->src, m);
    return l;
}

void live_migration_free(LiveMigration *l)
{
    if (l) {
        if (l->active) {
            live_migration_cancel(l);
        }
        timer_free(l->timer);
        free(l);
    }
}

bool live_migration_active(LiveMigration *l)
{
    return l->active;
}

/* The dirty source did not start: as if the channel had not opened. */
static char *start_failed(LiveMigration *l, char *err)
{
    l->active = false;
    if (l->logging) {
        l->src.ops->stop(&l->src);
        l->logging = false;
    }
    for (int i = 0; i < l->nram; i++) {
        free(l->ram[i].dirty);
        free(l->ram[i].send);
    }
    l->nram = 0;
    free(channel_close(l->ch));
    l->ch = NULL;
    l->info->status = MIG_FAILED;
    l->info->error = strdup(err);
    return err;
}

char *live_migration_start(LiveMigration *l, const char *uri)
{
    MigrationInfo *info = l->info;
    free(info->error);
    info->error = NULL;
    info->bytes = info->pages_sent = info->dirty_passes = 0;
    info->downtime_ms = info->total_ms = 0;
    info->live = true;
    info->status = MIG_SETUP;
    l->t0 = now_ns();
    l->chan_mark = 0;
    l->last_left = UINT64_MAX;
    char *err = NULL;
    if (!(l->ch = channel_open_out(uri, &err)) ||
        (err = vmstate_save_header(channel_file(l->ch)))) {
        info->status = MIG_FAILED;
        info->error = strdup(err);
        if (l->ch) {
            free(channel_close(l->ch));
            l->ch = NULL;
        }
        return err;
    }
    l->nram = 0;
    for (int i = 0; i < 2; i++) {
        MemRegion *r = memory_region_by_name(l->v.as, ram_names[i]);
        if (r) {
            RamLog *g = &l->ram[l->nram++];
            g->r = r;
            g->host = memory_region_host(r);
            g->base = memory_region_base(r);
            g->pages = memory_region_size(r) / VMSTATE_PAGE;
            g->dirty = malloc(g->pages);
            g->send = malloc(g->pages);
            memset(g->dirty, 1, g->pages);      /* the first pass: everything */
        }
    }
    if (!l->listener) {
        MemListener ml = { .ram_written = log_write, .opaque = l };
        memory_add_listener(l->v.as, &ml);
        l->listener = true;
    }
    l->active = true;
    if ((err = l->src.ops->start(&l->src, log_write, l)) ||
        (l->logging = true, err = sync_dirty(l, false, NULL))) {
        return start_failed(l, err);
    }
    info->setup_ms = (now_ns() - l->t0) / 1000000;
    info->status = MIG_ACTIVE;
    timer_mod(l->timer, clock_ns(l->v.ml));
    return NULL;
}

void live_migration_cancel(LiveMigration *l)
{
    if (l->active) {
        l->info->status = MIG_CANCELLED;
        finish(l, strdup("migration cancelled"));
    }
}
