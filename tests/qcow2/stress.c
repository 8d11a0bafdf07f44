/*
 * qcow2-stress: random I/O on an image through the block layer, for the qcow2
 * tests (tests/check-qcow2.sh).
 *
 *   qcow2-stress model IMAGE SEED OPS OUT.raw [snapshots]
 *       applies OPS random writes, zero writes, discards, compressed writes,
 *       flushes (and with "snapshots" snapshot create/apply/delete) to IMAGE
 *       and to an in-memory model of the disk, reads back through the driver
 *       against the model, and writes the model to OUT.raw so that qemu-img
 *       can compare it with IMAGE independently.
 *   qcow2-stress crash IMAGE SEED OPS LOG
 *       the same kind of random I/O with self-describing sector contents,
 *       logging "flushed N" after every flush; meant to be killed (kill -9).
 *   qcow2-stress verify IMAGE SEED OPS LOG
 *       after a crash: every sector must hold its contents as of the last
 *       logged flush or contents that an operation between that flush and
 *       the next one (which never completed) wrote there.
 *
 * Exit status 0 when every comparison held, 1 otherwise (one line on stderr).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

#define SECTOR 512
#define MAX_LATER_STATES 16
#define ZERO_GENERATION UINT32_MAX

typedef struct Random {
    uint64_t state;
} Random;

static uint64_t next_random(Random *r)
{
    /* xorshift64* */
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 2685821657736338717ull;
}

static uint64_t random_below(Random *r, uint64_t limit)
{
    return limit ? next_random(r) % limit : 0;
}

typedef enum OpKind { OP_WRITE, OP_ZERO, OP_DISCARD, OP_COMPRESSED, OP_FLUSH,
                      OP_SNAPSHOT_CREATE, OP_SNAPSHOT_APPLY, OP_SNAPSHOT_DELETE } OpKind;

typedef struct Op {
    OpKind kind;
    uint64_t offset, bytes;   /* sector aligned */
    int flags;
    unsigned snapshot;
} Op;

typedef struct Disk {
    BlockDriverState *bs;
    uint64_t size, cluster_size;
    bool snapshots;
} Disk;

/* Draws the next operation; offsets and lengths are whole sectors. */
static Op draw_op(Random *r, const Disk *d)
{
    Op op = { 0 };
    uint64_t pick = random_below(r, 100);
    uint64_t sectors = d->size / SECTOR;
    if (pick < 45) {
        op.kind = OP_WRITE;
    } else if (pick < 55) {
        op.kind = OP_ZERO;
    } else if (pick < 63) {
        op.kind = OP_DISCARD;
    } else if (pick < 71) {
        op.kind = OP_COMPRESSED;
    } else if (pick < 85 || !d->snapshots) {
        op.kind = OP_FLUSH;
    } else {
        op.kind = OP_SNAPSHOT_CREATE + (OpKind)random_below(r, 3);
        op.snapshot = (unsigned)random_below(r, 3);
        return op;
    }
    if (op.kind == OP_COMPRESSED || random_below(r, 3) == 0) {
        /* whole clusters */
        uint64_t clusters = d->size / d->cluster_size;
        uint64_t first = random_below(r, clusters);
        uint64_t count = 1 + random_below(r, clusters - first < 8 ? clusters - first : 8);
        op.offset = first * d->cluster_size;
        op.bytes = count * d->cluster_size;
    } else {
        uint64_t first = random_below(r, sectors);
        uint64_t count = 1 + random_below(r, sectors - first < 300 ? sectors - first : 300);
        op.offset = first * SECTOR;
        op.bytes = count * SECTOR;
    }
    op.flags = random_below(r, 2) ? BDRV_REQ_MAY_UNMAP : 0;
    return op;
}

/* The contents a write of generation gen puts into one sector. */
static void fill_sector(uint8_t *p, uint32_t gen, uint64_t sector)
{
    Random r = { (uint64_t)gen * 0x9e3779b97f4a7c15ull ^ (sector + 1) * 0xbf58476d1ce4e5b9ull };
    memcpy(p, &gen, 4);
    memcpy(p + 4, "QZST", 4);
    memcpy(p + 8, &sector, 8);
    for (int i = 16; i < SECTOR; i += 8) {
        uint64_t v = next_random(&r);
        memcpy(p + i, &v, 8);
    }
}

static void fill_range(uint8_t *buf, uint32_t gen, uint64_t offset, uint64_t bytes)
{
    for (uint64_t i = 0; i < bytes; i += SECTOR) {
        fill_sector(buf + i, gen, (offset + i) / SECTOR);
    }
}

static int fail(const char *what, uint64_t a, uint64_t b)
{
    fprintf(stderr, "qcow2-stress: %s (%" PRIu64 ", %" PRIu64 ")\n", what, a, b);
    return 1;
}

/* Whole clusters inside [offset, offset+bytes): what a discard drops. */
static void discarded_range(const Disk *d, const Op *op, uint64_t *start, uint64_t *end)
{
    *start = (op->offset + d->cluster_size - 1) / d->cluster_size * d->cluster_size;
    *end = (op->offset + op->bytes) / d->cluster_size * d->cluster_size;
    if (op->offset + op->bytes == d->size) {
        *end = d->size;
    }
}

static int apply_op(Disk *d, const Op *op, uint32_t gen, uint8_t *buf)
{
    char name[32];
    snprintf(name, sizeof(name), "s%u", op->snapshot);
    switch (op->kind) {
    case OP_WRITE:
        fill_range(buf, gen, op->offset, op->bytes);
        return bdrv_pwrite(d->bs, op->offset, op->bytes, buf, 0);
    case OP_COMPRESSED:
        fill_range(buf, gen, op->offset, op->bytes);
        /* compressible half: repeat the first sector's text */
        for (uint64_t i = 0; i < op->bytes; i += SECTOR) {
            memset(buf + i + 16, (int)(gen & 0xff), SECTOR / 2);
        }
        return bdrv_pwrite_compressed(d->bs, op->offset, op->bytes, buf);
    case OP_ZERO:
        return bdrv_pwrite_zeroes(d->bs, op->offset, op->bytes, op->flags);
    case OP_DISCARD:
        return bdrv_pdiscard(d->bs, op->offset, op->bytes);
    case OP_FLUSH:
        return bdrv_flush(d->bs);
    case OP_SNAPSHOT_CREATE:
        bdrv_snapshot_delete(d->bs, name);
        return bdrv_snapshot_create(d->bs, name);
    case OP_SNAPSHOT_APPLY:
    case OP_SNAPSHOT_DELETE: {
        BlockSnapshotInfo *list = NULL;
        int count = bdrv_snapshot_list(d->bs, &list);
        bool exists = false;
        for (int i = 0; i < count; i++) {
            exists |= strcmp(list[i].name, name) == 0;
        }
        free(list);
        if (!exists) {
            return 0;
        }
        return op->kind == OP_SNAPSHOT_APPLY ? bdrv_snapshot_goto(d->bs, name)
                                             : bdrv_snapshot_delete(d->bs, name);
    }
    }
    return -EINVAL;
}

/* --- model mode --- */

typedef struct Model {
    uint8_t *data;
    uint8_t *snapshot[3];
} Model;

static void model_apply(Model *m, const Disk *d, const Op *op, const uint8_t *buf)
{
    uint64_t start, end;
    switch (op->kind) {
    case OP_WRITE:
    case OP_COMPRESSED:
        memcpy(m->data + op->offset, buf, op->bytes);
        break;
    case OP_ZERO:
        memset(m->data + op->offset, 0, op->bytes);
        break;
    case OP_DISCARD:
        discarded_range(d, op, &start, &end);
        if (end > start) {
            memset(m->data + start, 0, end - start);
        }
        break;
    case OP_SNAPSHOT_CREATE:
        free(m->snapshot[op->snapshot]);
        m->snapshot[op->snapshot] = malloc(d->size);
        memcpy(m->snapshot[op->snapshot], m->data, d->size);
        break;
    case OP_SNAPSHOT_APPLY:
        if (m->snapshot[op->snapshot]) {
            memcpy(m->data, m->snapshot[op->snapshot], d->size);
        }
        break;
    case OP_SNAPSHOT_DELETE:
        free(m->snapshot[op->snapshot]);
        m->snapshot[op->snapshot] = NULL;
        break;
    default:
        break;
    }
}

static int compare_with_model(Disk *d, const Model *m, uint8_t *buf, uint64_t ops)
{
    for (uint64_t o = 0; o < d->size; o += 1 << 20) {
        uint64_t n = d->size - o < (1 << 20) ? d->size - o : (1 << 20);
        if (bdrv_pread(d->bs, o, n, buf) < 0) {
            return fail(bdrv_last_error(d->bs), o, ops);
        }
        for (uint64_t i = 0; i < n; i++) {
            if (buf[i] != m->data[o + i]) {
                return fail("read back differs from the model at byte, after op", o + i, ops);
            }
        }
    }
    return 0;
}

static int run_model(Disk *d, uint64_t seed, uint64_t ops, const char *out)
{
    Random r = { seed | 1 };
    Model m = { calloc(1, d->size), { NULL, NULL, NULL } };
    uint8_t *buf = malloc(d->size > (8u << 20) ? d->size : (8u << 20));
    if (!m.data || !buf) {
        return fail("out of memory", 0, 0);
    }
    /* a model of the current contents: the image may start non-empty */
    if (bdrv_pread(d->bs, 0, d->size, m.data) < 0) {
        return fail(bdrv_last_error(d->bs), 0, 0);
    }
    int status = 0;
    for (uint64_t i = 0; i < ops && status == 0; i++) {
        Op op = draw_op(&r, d);
        if (apply_op(d, &op, (uint32_t)i + 1, buf) < 0) {
            return fail(bdrv_last_error(d->bs), op.kind, i);
        }
        model_apply(&m, d, &op, buf);
        if (op.kind == OP_DISCARD && d->bs->backing) {
            /* discarded clusters may show the backing file (qcow2 v2):
             * the model takes what the image now reads there */
            uint64_t start, end;
            discarded_range(d, &op, &start, &end);
            if (end > start && bdrv_pread(d->bs, start, end - start, m.data + start) < 0) {
                return fail(bdrv_last_error(d->bs), start, i);
            }
        }
        if (i % 97 == 96 || op.kind == OP_SNAPSHOT_APPLY) {
            status = compare_with_model(d, &m, buf, i);
        }
    }
    if (status == 0) {
        status = compare_with_model(d, &m, buf, ops);
    }
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(m.data, 1, d->size, f) != d->size || fclose(f) != 0) {
        return fail("cannot write the model file", 0, 0);
    }
    for (int i = 0; i < 3; i++) {
        free(m.snapshot[i]);
    }
    free(m.data);
    free(buf);
    return status;
}

/* --- crash and verify modes --- */

static int run_crash(Disk *d, uint64_t seed, uint64_t ops, const char *log_name)
{
    Random r = { seed | 1 };
    FILE *log = fopen(log_name, "w");
    uint8_t *buf = malloc(8u << 20);
    if (!log || !buf) {
        return fail("cannot open the log", 0, 0);
    }
    setvbuf(log, NULL, _IONBF, 0);
    for (uint64_t i = 0; i < ops; i++) {
        Op op = draw_op(&r, d);
        if (apply_op(d, &op, (uint32_t)i + 1, buf) < 0) {
            return fail(bdrv_last_error(d->bs), op.kind, i);
        }
        if (op.kind == OP_FLUSH) {
            fprintf(log, "flushed %" PRIu64 "\n", i + 1);
        }
    }
    fprintf(log, "done\n");
    free(buf);
    return 0;
}

typedef struct SectorStates {
    uint32_t flushed;                     /* generation at the last flush */
    uint32_t later[MAX_LATER_STATES];
    unsigned nb_later;
    bool any_later;                       /* too many to list: accept any */
} SectorStates;

static void record_state(SectorStates *st, uint32_t gen, bool after_flush)
{
    if (!after_flush) {
        st->flushed = gen;
    } else if (st->nb_later < MAX_LATER_STATES) {
        st->later[st->nb_later++] = gen;
    } else {
        st->any_later = true;
    }
}

static uint64_t last_flushed(const char *log_name)
{
    FILE *log = fopen(log_name, "r");
    uint64_t last = 0, n;
    char line[64];
    while (log && fgets(line, sizeof(line), log)) {
        if (sscanf(line, "flushed %" SCNu64, &n) == 1) {
            last = n;
        }
    }
    if (log) {
        fclose(log);
    }
    return last;
}

static bool sector_matches(const uint8_t *p, uint32_t gen, uint64_t sector, bool compressed_form)
{
    uint8_t expect[SECTOR];
    if (gen == ZERO_GENERATION) {
        memset(expect, 0, SECTOR);
    } else {
        fill_sector(expect, gen, sector);
        if (compressed_form) {
            memset(expect + 16, (int)(gen & 0xff), SECTOR / 2);
        }
    }
    return memcmp(p, expect, SECTOR) == 0;
}

static bool sector_valid(const uint8_t *p, const SectorStates *st, uint64_t sector)
{
    if (st->any_later) {
        return true;
    }
    uint32_t candidates[MAX_LATER_STATES + 1];
    unsigned n = 0;
    candidates[n++] = st->flushed;
    for (unsigned i = 0; i < st->nb_later; i++) {
        candidates[n++] = st->later[i];
    }
    for (unsigned i = 0; i < n; i++) {
        if (sector_matches(p, candidates[i], sector, false) ||
            sector_matches(p, candidates[i], sector, true)) {
            return true;
        }
    }
    return false;
}

static int run_verify(Disk *d, uint64_t seed, uint64_t ops, const char *log_name)
{
    Random r = { seed | 1 };
    uint64_t flushed = last_flushed(log_name);
    uint64_t sectors = d->size / SECTOR;
    SectorStates *states = calloc(sectors, sizeof(*states));
    uint8_t *buf = malloc(d->size);
    if (!states || !buf) {
        return fail("out of memory", 0, 0);
    }
    for (uint64_t s = 0; s < sectors; s++) {
        states[s].flushed = ZERO_GENERATION;
    }
    /* the writer died before completing (or logging) the next flush: only
     * the operations up to it can have left traces */
    for (uint64_t i = 0; i < ops; i++) {
        Op op = draw_op(&r, d);
        bool after = i >= flushed;
        if (after && op.kind == OP_FLUSH) {
            break;
        }
        uint64_t start = op.offset, end = op.offset + op.bytes;
        uint32_t gen = (uint32_t)i + 1;
        if (op.kind == OP_DISCARD) {
            discarded_range(d, &op, &start, &end);
            gen = ZERO_GENERATION;
        } else if (op.kind == OP_ZERO) {
            gen = ZERO_GENERATION;
        } else if (op.kind != OP_WRITE && op.kind != OP_COMPRESSED) {
            continue;
        }
        for (uint64_t o = start; o < end; o += SECTOR) {
            record_state(&states[o / SECTOR], gen, after);
        }
    }
    if (bdrv_pread(d->bs, 0, d->size, buf) < 0) {
        return fail(bdrv_last_error(d->bs), 0, 0);
    }
    int status = 0;
    for (uint64_t s = 0; s < sectors && status == 0; s++) {
        if (!sector_valid(buf + s * SECTOR, &states[s], s)) {
            status = fail("sector holds neither its flushed nor a later content (sector, "
                          "flushed ops)", s, flushed);
        }
    }
    free(states);
    free(buf);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: qcow2-stress model|crash|verify IMAGE SEED OPS FILE "
                        "[snapshots]\n");
        return 2;
    }
    const char *mode = argv[1];
    uint64_t seed = strtoull(argv[3], NULL, 0), ops = strtoull(argv[4], NULL, 0);
    bool verify = strcmp(mode, "verify") == 0;
    BlockErrorInfo err = { "" };
    Disk d = { NULL, 0, 0, argc > 6 && strcmp(argv[6], "snapshots") == 0 };
    d.bs = bdrv_open(argv[2], NULL, NULL, verify ? 0 : BDRV_O_RDWR, &err);
    if (!d.bs) {
        fprintf(stderr, "qcow2-stress: %s\n", err.msg);
        return 1;
    }
    BlockDriverInfo info = { 0 };
    bdrv_get_info(d.bs, &info);
    d.size = bdrv_getlength(d.bs) / SECTOR * SECTOR;
    d.cluster_size = info.cluster_size ? info.cluster_size : 65536;
    int status;
    if (strcmp(mode, "model") == 0) {
        status = run_model(&d, seed, ops, argv[5]);
    } else if (strcmp(mode, "crash") == 0) {
        status = run_crash(&d, seed, ops, argv[5]);
    } else if (verify) {
        status = run_verify(&d, seed, ops, argv[5]);
    } else {
        status = fail("unknown mode", 0, 0);
    }
    bdrv_close(d.bs);
    return status;
}
