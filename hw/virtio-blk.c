/*
 * virtio-blk (virtio 1.1, 5.2 "Block Device"): one request queue; requests
 * IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES; features SEG_MAX,
 * RO, FLUSH, DISCARD, WRITE_ZEROES. A request is a header (type, sector) the
 * device reads, the data, and a status byte the device writes last (5.2.6).
 * The disk I/O of each request runs on the worker thread (hw/blk-worker.c);
 * its data passes through a bounce buffer copied on the CPU thread.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/blk-worker.h"
#include "hw/virtio.h"
#include "system/drive-stats.h"

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };
#define F_SEG_MAX (1ull << 2)
#define F_RO (1ull << 5)
#define F_FLUSH (1ull << 9)
#define F_DISCARD (1ull << 13)
#define F_WRITE_ZEROES (1ull << 14)
#define SECTOR 512
#define CONFIG_SIZE 60
#define MAX_DISCARD_SECTORS (1u << 22)
#define ID_BYTES 20

typedef struct VirtioBlk {
    VirtioPCI *vp;
    BlkWorker *worker;
    VirtioBlkConfig cfg;
    uint64_t sectors;
    unsigned in_flight;
} VirtioBlk;

typedef struct Req {
    BlkJob job;
    VirtioBlk *s;
    VirtQueueElement e;
    uint32_t type;
    uint64_t sector;
    uint8_t *buf;                 /* out data (after the header) or in data */
    size_t len;                   /* data bytes */
    uint8_t status;
} Req;

static void blk_read_config(void *opaque, uint8_t *c)
{
    VirtioBlk *s = opaque;
    memset(c, 0, CONFIG_SIZE);
    for (int i = 0; i < 8; i++) {
        c[i] = s->sectors >> (8 * i);      /* capacity */
    }
    c[12] = VIRTIO_MAX_QUEUE - 2;          /* seg_max */
    uint32_t words[] = { MAX_DISCARD_SECTORS, 1, 1, MAX_DISCARD_SECTORS, 1 };
    for (int w = 0; w < 5; w++) {          /* discard and write-zeroes limits at 36 */
        for (int i = 0; i < 4; i++) {
            c[36 + 4 * w + i] = words[w] >> (8 * i);
        }
    }
    c[56] = 1;                             /* write_zeroes_may_unmap */
}

/* Copies between buf and the segments [first, first + n) of e, at most len bytes. */
static size_t copy_segs(AddressSpace *as, const VirtSeg *seg, unsigned n, uint8_t *buf,
                        size_t skip, size_t len, bool to_guest)
{
    size_t done = 0;
    for (unsigned i = 0; i < n && done < len; i++) {
        uint64_t a = seg[i].addr;
        size_t l = seg[i].len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        a += skip;
        l -= skip;
        skip = 0;
        if (l > len - done) {
            l = len - done;
        }
        if (to_guest) {
            address_space_write(as, a, buf + done, l);
        } else {
            address_space_read(as, a, buf + done, l);
        }
        done += l;
    }
    return done;
}

static int range_ok(VirtioBlk *s, uint64_t sector, uint64_t n)
{
    return sector <= s->sectors && n <= s->sectors - sector;
}

/* DISCARD / WRITE_ZEROES: 16-byte segments {sector, num_sectors, flags} (5.2.6). */
static uint8_t do_ranges(Req *r)
{
    VirtioBlk *s = r->s;
    for (size_t off = 0; off + 16 <= r->len; off += 16) {
        const uint8_t *p = r->buf + off;
        uint64_t sector = 0;
        for (int i = 7; i >= 0; i--) {
            sector = sector << 8 | p[i];
        }
        uint32_t n = p[8] | p[9] << 8 | p[10] << 16 | (uint32_t)p[11] << 24;
        uint32_t flags = p[12] | p[13] << 8 | p[14] << 16 | (uint32_t)p[15] << 24;
        if (!range_ok(s, sector, n) || n > MAX_DISCARD_SECTORS || (flags & ~1u)) {
            return S_IOERR;
        }
        if (r->type == T_DISCARD) {
            bdrv_pdiscard(s->cfg.bs, sector * SECTOR, (uint64_t)n * SECTOR);  /* a hint */
        } else if (bdrv_pwrite_zeroes(s->cfg.bs, sector * SECTOR, (uint64_t)n * SECTOR,
                                      (flags & 1) ? BDRV_REQ_MAY_UNMAP : 0) < 0) {
            return S_IOERR;
        }
    }
    return S_OK;
}

static void req_work(BlkJob *job)
{
    Req *r = (Req *)job;
    VirtioBlk *s = r->s;
    int ret = 0;
    int64_t t0 = drive_stats_now();
    switch (r->type) {
    case T_IN:
        ret = bdrv_pread(s->cfg.bs, r->sector * SECTOR, r->len, r->buf);
        drive_stats_account(s->cfg.stats, DRIVE_STAT_READ, r->sector * SECTOR, r->len, t0,
                            ret >= 0);
        break;
    case T_OUT:
        ret = bdrv_pwrite(s->cfg.bs, r->sector * SECTOR, r->len, r->buf,
                          s->cfg.writethrough ? BDRV_REQ_FUA : 0);
        drive_stats_account(s->cfg.stats, DRIVE_STAT_WRITE, r->sector * SECTOR, r->len, t0,
                            ret >= 0);
        break;
    case T_FLUSH:
        ret = bdrv_flush(s->cfg.bs);
        drive_stats_account(s->cfg.stats, DRIVE_STAT_FLUSH, 0, 0, t0, ret >= 0);
        break;
    case T_DISCARD: case T_WRITE_ZEROES:
        r->status = do_ranges(r);
        return;
    }
    r->status = ret < 0 ? S_IOERR : S_OK;
}

static void req_complete(Req *r)
{
    VirtioBlk *s = r->s;
    AddressSpace *as = virtio_as(s->vp);
    VirtSeg *in = r->e.seg + r->e.n_out;
    size_t written = 0;
    if ((r->type == T_IN || r->type == T_GET_ID) && r->status == S_OK) {
        written = copy_segs(as, in, r->e.n_in, r->buf, 0, r->len, true);
    }
    /* the status byte: the last byte of the last writable segment */
    VirtSeg *last = &in[r->e.n_in - 1];
    address_space_write(as, last->addr + last->len - 1, &r->status, 1);
    virtqueue_push(s->vp, virtio_queue(s->vp, 0), r->e.head, written + 1);
    virtio_notify(s->vp);
    free(r->buf);
    free(r);
}

static void req_done(BlkJob *job)
{
    Req *r = (Req *)job;
    r->s->in_flight--;
    if (r->status == S_IOERR && (r->type == T_IN || r->type == T_OUT || r->type == T_FLUSH)) {
        drive_stats_io_error(r->s->cfg.stats, r->type != T_IN);
    }
    req_complete(r);
}

/* Parses a popped element; false when it is malformed (no header, no status). */
static bool req_parse(VirtioBlk *s, Req *r)
{
    AddressSpace *as = virtio_as(s->vp);
    size_t out = 0, in = 0;
    for (unsigned i = 0; i < r->e.n_out; i++) {
        out += r->e.seg[i].len;
    }
    for (unsigned i = 0; i < r->e.n_in; i++) {
        in += r->e.seg[r->e.n_out + i].len;
    }
    uint8_t hdr[16];
    if (out < 16 || in < 1 || r->e.seg[r->e.n_out + r->e.n_in - 1].len < 1 ||
        copy_segs(as, r->e.seg, r->e.n_out, hdr, 0, 16, false) != 16) {
        return false;
    }
    r->type = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    r->sector = 0;
    for (int i = 15; i >= 8; i--) {
        r->sector = r->sector << 8 | hdr[i];
    }
    if (r->type == T_IN || r->type == T_GET_ID) {
        r->len = in - 1;
        if (r->type == T_GET_ID && r->len > ID_BYTES) {
            r->len = ID_BYTES;
        }
    } else {
        r->len = out - 16;
    }
    r->buf = malloc(r->len ? r->len : 1);
    if (r->type != T_IN && r->type != T_GET_ID) {
        copy_segs(as, r->e.seg, r->e.n_out, r->buf, 16, r->len, false);
    }
    return true;
}

/* What can be answered at once: unsupported types, bad ranges, RO writes. */
static bool req_immediate(VirtioBlk *s, Req *r)
{
    bool write = r->type == T_OUT || r->type == T_DISCARD || r->type == T_WRITE_ZEROES;
    r->status = S_OK;
    switch (r->type) {
    case T_IN: case T_OUT:
        if (r->len % SECTOR || !range_ok(s, r->sector, r->len / SECTOR)) {
            r->status = S_IOERR;
        }
        break;
    case T_GET_ID:
        memset(r->buf, 0, r->len);
        memcpy(r->buf, "QZVIRTIO0001", r->len < 12 ? r->len : 12);
        return true;
    case T_FLUSH: case T_DISCARD: case T_WRITE_ZEROES:
        break;
    default:
        r->status = S_UNSUPP;
    }
    if (write && s->cfg.read_only) {
        r->status = S_IOERR;
    }
    return r->status != S_OK;
}

static void blk_notify(void *opaque, int queue)
{
    VirtioBlk *s = opaque;
    VirtQueue *q = virtio_queue(s->vp, queue);
    for (;;) {
        Req *r = calloc(1, sizeof(*r));
        r->s = s;
        if (virtqueue_pop(s->vp, q, &r->e) <= 0) {
            free(r);
            return;                        /* empty, or broken: needs reset */
        }
        if (!req_parse(s, r)) {
            free(r->buf);
            free(r);
            virtio_set_needs_reset(s->vp);
            return;
        }
        if (req_immediate(s, r)) {
            req_complete(r);
            continue;
        }
        r->job.work = req_work;
        r->job.done = req_done;
        s->in_flight++;
        blk_worker_submit(s->worker, &r->job);
    }
}

static void blk_reset(void *opaque)
{
    VirtioBlk *s = opaque;
    blk_worker_drain(s->worker);
}

static void blk_free(void *opaque)
{
    VirtioBlk *s = opaque;
    blk_worker_free(s->worker);
    free(s);
}

/* Every request on the worker completes (pushed to the used ring) before a
 * snapshot: the queue state is then the transport's. */
static void blk_quiesce(void *opaque)
{
    VirtioBlk *s = opaque;
    blk_worker_drain(s->worker);
}

/* block_resize: the medium's new size, announced by a configuration change
 * (virtio 1.1, 5.2.4: capacity) */
static void blk_resized(void *opaque)
{
    VirtioBlk *s = opaque;
    s->sectors = bdrv_getlength(s->cfg.bs) / SECTOR;
    virtio_config_changed(s->vp);
}

PCIDevice *virtio_blk_new(PCIBus *bus, int devfn, AddressSpace *as, MainLoop *ml,
                          const VirtioBlkConfig *cfg)
{
    VirtioBlk *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    static VirtioDeviceOps ops_rw = {
        .device_id = 2, .class_code = 0x010000, .config_size = CONFIG_SIZE,
        .features = F_SEG_MAX | F_FLUSH | F_DISCARD | F_WRITE_ZEROES,
        .read_config = blk_read_config, .notify = blk_notify, .reset = blk_reset,
        .free = blk_free, .quiesce = blk_quiesce,
    };
    static VirtioDeviceOps ops_ro = {
        .device_id = 2, .class_code = 0x010000, .config_size = CONFIG_SIZE,
        .features = F_SEG_MAX | F_FLUSH | F_RO,
        .read_config = blk_read_config, .notify = blk_notify, .reset = blk_reset,
        .free = blk_free, .quiesce = blk_quiesce,
    };
    s->cfg = *cfg;
    s->sectors = bdrv_getlength(cfg->bs) / SECTOR;
    s->worker = blk_worker_new(ml);
    s->vp = virtio_pci_new(bus, devfn, as, cfg->read_only ? &ops_ro : &ops_rw, s, 1);
    if (cfg->stats) {
        cfg->stats->drain = blk_quiesce;
        cfg->stats->resized = blk_resized;
        cfg->stats->dev = s;
    }
    return virtio_pci_device(s->vp);
}
