/*
 * The floppy disk controller: an Intel 82078 (82077AA-compatible) in PC-AT
 * mode (Intel 82078 44-pin datasheet; 82077AA datasheet, ch. 8 "Command set")
 * at ports 0x3F0-0x3F7 (DOR 0x3F2, MSR/DSR 0x3F4, FIFO 0x3F5, DIR/CCR 0x3F7;
 * 0x3F6 is the IDE controller's) with IRQ 6 and DMA channel 2, and two drives
 * whose geometry follows the image size (360 KB to 2.88 MB).
 *
 * Commands: SPECIFY, SENSE DRIVE STATUS, RECALIBRATE, SENSE INTERRUPT STATUS,
 * SEEK, READ DATA, WRITE DATA (multi-track, DMA), READ ID, VERSION,
 * CONFIGURE, PERPENDICULAR MODE, LOCK, DUMPREG, PART ID; others are invalid
 * (result ST0 = 80h). Transfers are DMA only (non-DMA mode is not modelled)
 * and synchronous: a 1.44 MB image is small.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/isa-dma.h"
#include "system/drive-stats.h"

enum { DOR_RESET = 0x04, DOR_DMA = 0x08 };
enum { MSR_RQM = 0x80, MSR_DIO = 0x40, MSR_CB = 0x10 };
enum { ST0_ABNORMAL = 0x40, ST0_INVALID = 0x80, ST0_SEEK_END = 0x20, ST0_NOT_READY = 0x08 };
enum { ST1_EN = 0x80, ST1_OR = 0x10, ST1_ND = 0x04, ST1_NW = 0x02 };
#define SECTOR 512
#define DMA_CHANNEL 2

typedef struct Drive {
    BlockDriverState *bs;
    struct DriveStats *stats;      /* the monitor's accounting, or NULL */
    bool read_only, changed;
    uint8_t cyls, heads, spt, cmos_type;
    uint8_t cyl;                   /* where the head is */
} Drive;

struct FDCState {
    Device dev;
    IRQ irq;
    I8237State *dma;
    Drive drive[2];
    uint8_t dor, dsr, ccr;
    uint8_t cmd[10], cmd_len, cmd_pos;
    uint8_t res[10], res_len, res_pos;
    uint8_t seek_st0;              /* ST0 of a finished seek, for SENSE INTERRUPT */
    bool seek_pending;
    int reset_senses;              /* after a reset: one ST0 C0h+n per drive (4) */
    uint8_t config, pretrk, perp, specify[2];
    bool lock, irq_level;
};

static const struct { uint32_t size; uint8_t cyls, heads, spt, type; } formats[] = {
    { 368640, 40, 2, 9, 1 }, { 737280, 80, 2, 9, 3 }, { 1228800, 80, 2, 15, 2 },
    { 1474560, 80, 2, 18, 4 }, { 2949120, 80, 2, 36, 5 },
};

static void set_irq(FDCState *s, bool level)
{
    s->irq_level = level;
    irq_set(&s->irq, level && (s->dor & DOR_DMA));
}

/* The result phase: n bytes in s->res, then an interrupt (when irq). */
static void result(FDCState *s, int n, bool irq)
{
    s->res_len = n;
    s->res_pos = 0;
    s->cmd_pos = 0;
    if (irq) {
        set_irq(s, true);
    }
}

static void invalid(FDCState *s)
{
    s->res[0] = ST0_INVALID;
    result(s, 1, false);
}

static void controller_reset(FDCState *s)
{
    s->cmd_pos = s->res_len = s->res_pos = 0;
    s->seek_pending = false;
    s->reset_senses = 4;
    set_irq(s, true);              /* reset completion interrupt (82077AA 8.2) */
}

/* Next sector position after (c, h, r); false at the end of what mt allows. */
static bool advance(Drive *d, uint8_t *c, uint8_t *h, uint8_t *r, uint8_t eot, bool mt)
{
    if (*r < eot && *r < d->spt) {
        (*r)++;
        return true;
    }
    *r = 1;
    if (mt && *h == 0 && d->heads > 1) {
        *h = 1;
        return true;
    }
    *h = mt ? 0 : *h;
    (*c)++;
    return false;
}

/* READ DATA / WRITE DATA (82077AA 8.3.1, 8.3.2). */
static void cmd_rw(FDCState *s, bool write)
{
    int ds = s->cmd[1] & 1;
    Drive *d = &s->drive[ds];
    uint8_t c = s->cmd[2], h = s->cmd[3], r = s->cmd[4], n = s->cmd[5], eot = s->cmd[6];
    bool mt = s->cmd[0] & 0x80;
    uint8_t st0 = (s->cmd[1] & 4) | ds, st1 = 0, st2 = 0;
    uint8_t buf[SECTOR];
    if (!d->bs) {
        st0 |= ST0_ABNORMAL | ST0_NOT_READY;
    } else if (write && d->read_only) {
        st0 |= ST0_ABNORMAL;
        st1 = ST1_NW;
    } else if (n != 2 || c >= d->cyls || h >= d->heads || r == 0 || r > d->spt) {
        st0 |= ST0_ABNORMAL;
        st1 = ST1_ND;              /* no sector with that ID */
    } else {
        for (;;) {
            uint64_t lba = ((uint64_t)c * d->heads + h) * d->spt + r - 1;
            bool tc = false;
            uint32_t moved;
            int ret;
            int64_t t0 = drive_stats_now();
            if (write) {
                moved = i8237_transfer(s->dma, DMA_CHANNEL, buf, SECTOR, &tc);
                ret = moved == SECTOR ? bdrv_pwrite(d->bs, lba * SECTOR, SECTOR, buf, 0) : 0;
                if (moved == SECTOR) {
                    drive_stats_account(d->stats, DRIVE_STAT_WRITE, lba * SECTOR, SECTOR, t0,
                                        ret >= 0);
                }
            } else {
                ret = bdrv_pread(d->bs, lba * SECTOR, SECTOR, buf);
                drive_stats_account(d->stats, DRIVE_STAT_READ, lba * SECTOR, SECTOR, t0, ret >= 0);
                moved = ret < 0 ? 0 : i8237_transfer(s->dma, DMA_CHANNEL, buf, SECTOR, &tc);
            }
            if (ret < 0 || moved < SECTOR) {
                st0 |= ST0_ABNORMAL;
                st1 |= ret < 0 ? ST1_ND : ST1_OR;   /* I/O error / DMA did not keep up */
                break;
            }
            bool more = advance(d, &c, &h, &r, eot, mt);
            if (tc) {
                break;                 /* terminal count: normal end */
            }
            if (!more) {
                st0 |= ST0_ABNORMAL;   /* end of cylinder before TC */
                st1 |= ST1_EN;
                break;
            }
        }
        d->cyl = c < d->cyls ? c : d->cyl;
    }
    uint8_t res[7] = { (uint8_t)(st0 | (h & 1) << 2), st1, st2, c, h, r, n };
    memcpy(s->res, res, 7);
    result(s, 7, true);
}

static void seek_done(FDCState *s, int ds, uint8_t cyl)
{
    Drive *d = &s->drive[ds];
    d->cyl = d->bs && cyl >= d->cyls ? d->cyls - 1 : cyl;
    if (d->bs) {
        d->changed = false;        /* a step with a disk in clears disk change */
    }
    s->seek_st0 = ST0_SEEK_END | (s->cmd[1] & 7);
    s->seek_pending = true;
    s->cmd_pos = 0;
    set_irq(s, true);
}

static void sense_interrupt(FDCState *s)
{
    if (s->reset_senses > 0) {
        int n = 4 - s->reset_senses--;
        s->res[0] = 0xc0 | n;
        s->res[1] = n < 2 ? s->drive[n].cyl : 0;
    } else if (s->seek_pending) {
        s->seek_pending = false;
        s->res[0] = s->seek_st0;
        s->res[1] = s->drive[s->seek_st0 & 1].cyl;
    } else {
        invalid(s);
        return;
    }
    set_irq(s, false);
    result(s, 2, false);
}

/* Bytes a command takes, from its first byte (0: invalid). */
static int command_length(uint8_t c)
{
    switch (c & 0x1f) {
    case 0x05: case 0x06: return 9;       /* WRITE/READ DATA (MT, MFM, SK bits) */
    case 0x03: return 3;                  /* SPECIFY */
    case 0x04: return 2;                  /* SENSE DRIVE STATUS */
    case 0x07: return 2;                  /* RECALIBRATE */
    case 0x08: return 1;                  /* SENSE INTERRUPT STATUS */
    case 0x0a: return 2;                  /* READ ID */
    case 0x0e: return 1;                  /* DUMPREG */
    case 0x0f: return 3;                  /* SEEK */
    case 0x10: return 1;                  /* VERSION */
    case 0x12: return 2;                  /* PERPENDICULAR MODE */
    case 0x13: return 4;                  /* CONFIGURE */
    case 0x14: return 1;                  /* LOCK */
    case 0x18: return 1;                  /* PART ID */
    }
    return 0;
}

static void execute(FDCState *s)
{
    uint8_t *c = s->cmd;
    Drive *d = &s->drive[c[1] & 1];
    switch (c[0] & 0x1f) {
    case 0x05: cmd_rw(s, true); return;
    case 0x06: cmd_rw(s, false); return;
    case 0x03:
        s->specify[0] = c[1];
        s->specify[1] = c[2];
        s->cmd_pos = 0;
        return;
    case 0x04:
        s->res[0] = 0x20 | (c[1] & 7) | (d->cyl == 0 ? 0x10 : 0) | (d->heads > 1 ? 0x08 : 0) |
                    (d->read_only ? 0x40 : 0);
        result(s, 1, false);
        return;
    case 0x07: seek_done(s, c[1] & 1, 0); return;
    case 0x0f: seek_done(s, c[1] & 1, c[2]); return;
    case 0x08: sense_interrupt(s); return;
    case 0x0a: {
        uint8_t st0 = (c[1] & 7) | (d->bs ? 0 : ST0_ABNORMAL | ST0_NOT_READY);
        uint8_t res[7] = { st0, 0, 0, d->cyl, (c[1] >> 2) & 1, 1, 2 };
        memcpy(s->res, res, 7);
        result(s, 7, true);
        return;
    }
    case 0x0e: {
        uint8_t res[10] = { s->drive[0].cyl, s->drive[1].cyl, 0, 0, s->specify[0], s->specify[1],
                            0, (uint8_t)(s->lock << 7 | s->perp), s->config, s->pretrk };
        memcpy(s->res, res, 10);
        result(s, 10, false);
        return;
    }
    case 0x10: s->res[0] = 0x90; result(s, 1, false); return;   /* enhanced controller */
    case 0x12: s->perp = c[1] & 0x7f; s->cmd_pos = 0; return;
    case 0x13: s->config = c[2]; s->pretrk = c[3]; s->cmd_pos = 0; return;
    case 0x14:
        s->lock = c[0] & 0x80;
        s->res[0] = s->lock << 4;
        result(s, 1, false);
        return;
    case 0x18: s->res[0] = 0x41; result(s, 1, false); return;  /* 82078 */
    }
    invalid(s);
}

static void fifo_write(FDCState *s, uint8_t v)
{
    if (s->res_pos < s->res_len) {
        return;                        /* result phase: the host must read */
    }
    s->res_len = s->res_pos = 0;
    if (s->cmd_pos == 0 && !command_length(v)) {
        invalid(s);
        return;
    }
    s->cmd[s->cmd_pos++] = v;
    if (s->cmd_pos == command_length(s->cmd[0])) {
        execute(s);
    }
}

static uint8_t fifo_read(FDCState *s)
{
    if (s->res_pos >= s->res_len) {
        return 0xff;
    }
    if (s->res_pos == 0 && (s->cmd[0] & 0x1f) != 0x08) {
        set_irq(s, false);             /* reading the result acknowledges */
    }
    uint8_t v = s->res[s->res_pos++];
    if (s->res_pos == s->res_len) {
        s->res_len = s->res_pos = 0;
    }
    return v;
}

static uint64_t fdc_read(void *opaque, uint64_t off, unsigned size)
{
    FDCState *s = opaque;
    (void)size;
    switch (off) {
    case 2: return s->dor;
    case 4:
        return MSR_RQM | (s->res_len ? MSR_DIO | MSR_CB : 0) | (s->cmd_pos ? MSR_CB : 0);
    case 5: return fifo_read(s);
    case 7: {
        Drive *d = &s->drive[s->dor & 1];
        return (!d->bs || d->changed) ? 0x80 : 0x00;
    }
    }
    return 0xff;
}

static void fdc_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    FDCState *s = opaque;
    (void)size;
    switch (off) {
    case 2: {
        uint8_t old = s->dor;
        s->dor = v;
        if (!(old & DOR_RESET) && (v & DOR_RESET)) {
            controller_reset(s);       /* the end of a reset pulse */
        }
        set_irq(s, s->irq_level);
        break;
    }
    case 4:
        s->dsr = v & 0x7f;
        if (v & 0x80) {
            controller_reset(s);       /* software reset, self-clearing */
        }
        break;
    case 5: fifo_write(s, v); break;
    case 7: s->ccr = v & 3; break;
    }
}

static uint64_t dir_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off;
    return fdc_read(opaque, 7, size);
}

static void dir_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)off;
    fdc_write(opaque, 7, v, size);
}

static const MemOps fdc_ops = { fdc_read, fdc_write };

/* The geometry of the disk in d, from its image size (80/2/18 when unknown or
 * empty); at creation also the CMOS drive type. */
static void set_geometry(Drive *d, bool cmos)
{
    d->cyls = 80, d->heads = 2, d->spt = 18;
    uint64_t size = d->bs ? bdrv_getlength(d->bs) : 0;
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        if (size == formats[f].size) {
            d->cyls = formats[f].cyls, d->heads = formats[f].heads;
            d->spt = formats[f].spt;
            if (cmos) {
                d->cmos_type = formats[f].type;
            }
        }
    }
}

/* The monitor's change/eject: a new disk (or none); the guest sees the disk
 * change line (DIR bit 7) until its next step with a disk in. */
void fdc_change(FDCState *s, int unit, BlockDriverState *bs, bool read_only)
{
    Drive *d = &s->drive[unit & 1];
    d->bs = bs;
    d->read_only = read_only;
    d->changed = true;
    set_geometry(d, false);
}

BlockDriverState *fdc_medium(FDCState *s, int unit)
{
    return s->drive[unit & 1].bs;
}
static const MemOps dir_ops = { dir_read, dir_write };

static void fdc_reset(void *opaque)
{
    FDCState *s = opaque;
    s->dor = DOR_RESET | DOR_DMA;
    s->dsr = s->ccr = 0;
    s->config = 0x20;
    s->lock = false;
    s->perp = s->pretrk = 0;
    s->cmd_pos = s->res_len = s->res_pos = 0;
    s->seek_pending = false;
    s->reset_senses = 0;
    for (int i = 0; i < 2; i++) {
        s->drive[i].cyl = 0;
        s->drive[i].changed = true;
    }
    set_irq(s, false);
}

static void fdc_free(void *opaque)
{
    free(opaque);
}

/* Transfers are synchronous: between commands only registers, FIFO phase and
 * head positions are state. The drives' media stay the command line's. */
static void fdc_save(void *opaque, SaveStream *f)
{
    FDCState *s = opaque;
    for (int i = 0; i < 2; i++) {
        save_u8(f, s->drive[i].cyl);
        save_u8(f, s->drive[i].changed);
    }
    save_u8(f, s->dor); save_u8(f, s->dsr); save_u8(f, s->ccr);
    save_bytes(f, s->cmd, sizeof(s->cmd));
    save_u8(f, s->cmd_len); save_u8(f, s->cmd_pos);
    save_bytes(f, s->res, sizeof(s->res));
    save_u8(f, s->res_len); save_u8(f, s->res_pos);
    save_u8(f, s->seek_st0); save_u8(f, s->seek_pending);
    save_u32(f, s->reset_senses);
    save_u8(f, s->config); save_u8(f, s->pretrk); save_u8(f, s->perp);
    save_u8(f, s->specify[0]); save_u8(f, s->specify[1]);
    save_u8(f, s->lock); save_u8(f, s->irq_level);
}

static void fdc_load(void *opaque, SaveStream *f)
{
    FDCState *s = opaque, t = *s;
    for (int i = 0; i < 2; i++) {
        t.drive[i].cyl = load_u8(f);
        t.drive[i].changed = load_u8(f);
    }
    t.dor = load_u8(f); t.dsr = load_u8(f); t.ccr = load_u8(f);
    load_bytes(f, t.cmd, sizeof(t.cmd));
    t.cmd_len = load_u8(f); t.cmd_pos = load_u8(f);
    load_bytes(f, t.res, sizeof(t.res));
    t.res_len = load_u8(f); t.res_pos = load_u8(f);
    t.seek_st0 = load_u8(f); t.seek_pending = load_u8(f);
    t.reset_senses = load_u32(f);
    t.config = load_u8(f); t.pretrk = load_u8(f); t.perp = load_u8(f);
    t.specify[0] = load_u8(f); t.specify[1] = load_u8(f);
    t.lock = load_u8(f); t.irq_level = load_u8(f);
    if (f->error || t.cmd_len > sizeof(t.cmd) || t.cmd_pos > sizeof(t.cmd) ||
        t.res_len > sizeof(t.res) || t.res_pos > sizeof(t.res)) {
        f->error = true;
        return;
    }
    *s = t;
    set_irq(s, s->irq_level);
}

static const DeviceOps fdc_dev_ops = { .name = "isa-fdc", .reset = fdc_reset, .free = fdc_free,
                                       .save = fdc_save, .load = fdc_load, .version = 1 };

uint8_t fdc_cmos_types(const FDCState *s)
{
    return s->drive[0].cmos_type << 4 | s->drive[1].cmos_type;
}

FDCState *fdc_new(IOSpace *io, IRQ irq6, I8237State *dma, const FDCDriveConfig drives[2])
{
    FDCState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &fdc_dev_ops;
    s->irq = irq6;
    s->dma = dma;
    for (int i = 0; i < 2; i++) {
        Drive *d = &s->drive[i];
        d->bs = drives ? drives[i].bs : NULL;
        d->read_only = drives && drives[i].read_only;
        d->stats = drives ? drives[i].stats : NULL;
        d->cmos_type = i == 0 || d->bs ? 4 : 0;   /* drive A is there, as on QEMU's pc */
        set_geometry(d, true);
    }
    ioport_register(io, "fdc", 0x3f0, 6, &fdc_ops, s);      /* 0x3f0-0x3f5 */
    ioport_register(io, "fdc-dir", 0x3f7, 1, &dir_ops, s);
    fdc_reset(s);
    return s;
}
