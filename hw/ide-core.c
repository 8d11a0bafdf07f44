/*
 * One IDE channel: two drives behind one register file pair, the ATA command
 * set of a hard disk (ATA/ATAPI-6, T13/1410D; ATA8-ACS, T13/1699-D):
 * IDENTIFY DEVICE, READ/WRITE SECTORS, READ/WRITE MULTIPLE, SET MULTIPLE MODE,
 * READ/WRITE DMA, their 48-bit EXT forms, READ VERIFY, FLUSH CACHE (EXT),
 * SET FEATURES, INITIALIZE DEVICE PARAMETERS, EXECUTE DEVICE DIAGNOSTIC, the
 * power-management no-ops; the PACKET commands go to hw/ide-atapi.c.
 *
 * Register writes reach both drives (each keeps its copy, as real devices
 * do); the command register goes to the selected one. The 48-bit registers
 * are two-deep FIFOs read back through the HOB bit of the device control
 * register (ATA8-ACS 6.1.1). A selected drive that is absent reads status 0
 * and ignores commands (ATA8-ACS, device 1 absent: device 0 answers with 00h).
 * PIO transfers are synchronous; DMA requests run on the channel's worker
 * thread (hw/blk-worker.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "hw/ide-internal.h"
#include "system/drive-stats.h"

/* --- interrupts --- */

static void update_irq(IDEBus *b)
{
    IDEDrive *d = &b->drive[b->cur];
    irq_set(&b->irq, d->irq_pending && !(b->ctrl & CTL_NIEN));
}

void ide_set_irq(IDEDrive *d)
{
    d->irq_pending = true;
    update_irq(d->bus);
}

/* --- helpers --- */

/* ATA strings: two characters a word, the first in the high byte (ATA8-ACS 3.2.9). */
void ide_put_string(uint16_t *words, int first, int nwords, const char *s)
{
    size_t len = strlen(s);
    for (int i = 0; i < nwords * 2; i++) {
        uint8_t c = (size_t)i < len ? (uint8_t)s[i] : ' ';
        if (i & 1) {
            words[first + i / 2] |= c;
        } else {
            words[first + i / 2] = (uint16_t)(c << 8);
        }
    }
}

static void put_le16(uint8_t *buf, const uint16_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        buf[2 * i] = w[i] & 0xff;
        buf[2 * i + 1] = w[i] >> 8;
    }
}

static void set_signature(IDEDrive *d)
{
    d->nsector = 1;
    d->lbal = 1;
    d->lbam = d->cdrom ? 0x14 : 0;
    d->lbah = d->cdrom ? 0xeb : 0;
    d->select &= 0x10;                     /* device register 00h, DEV kept */
}

static void command_done(IDEDrive *d)
{
    d->status = ST_DRDY | ST_DSC;
    d->end_fn = NULL;
    d->pos = d->end = 0;
    ide_set_irq(d);
}

static void command_error(IDEDrive *d, uint8_t error)
{
    d->status = ST_DRDY | ST_ERR;
    d->error = error;
    d->end_fn = NULL;
    d->pos = d->end = 0;
    d->dma_pending = false;
    ide_set_irq(d);
}

/* The LBA registers hold the address of a failing sector (ATA8-ACS error outputs). */
static void set_lba_regs(IDEDrive *d, uint64_t lba, bool lba48)
{
    d->lbal = lba;
    d->lbam = lba >> 8;
    d->lbah = lba >> 16;
    if (lba48) {
        d->hob_lbal = lba >> 24;
        d->hob_lbam = lba >> 32;
        d->hob_lbah = lba >> 40;
    } else {
        d->select = (d->select & 0xf0) | ((lba >> 24) & 0x0f);
    }
}

static bool is_lba48(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: case 0x25: case 0x29: case 0x34: case 0x35: case 0x39: case 0x42:
        return true;
    }
    return false;
}

/* The starting sector of a command: 48-bit LBA, 28-bit LBA or CHS (device bit 6). */
static uint64_t command_lba(IDEDrive *d, bool lba48)
{
    if (lba48) {
        return (uint64_t)d->lbal | (uint64_t)d->lbam << 8 | (uint64_t)d->lbah << 16 |
               (uint64_t)d->hob_lbal << 24 | (uint64_t)d->hob_lbam << 32 |
               (uint64_t)d->hob_lbah << 40;
    }
    if (d->select & 0x40) {
        return d->lbal | d->lbam << 8 | d->lbah << 16 | (uint32_t)(d->select & 0x0f) << 24;
    }
    uint32_t cyl = d->lbam | d->lbah << 8, head = d->select & 0x0f, sec = d->lbal;
    if (sec == 0 || sec > d->cur_secs || head >= d->cur_heads) {
        return UINT64_MAX;        /* no such sector: IDNF */
    }
    return ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + sec - 1;
}

static uint32_t command_count(IDEDrive *d, bool lba48)
{
    if (lba48) {
        uint32_t n = d->nsector | d->hob_nsector << 8;
        return n ? n : 65536;
    }
    return d->nsector ? d->nsector : 256;
}

/* Sets sector/remaining for a read or write; false (IDNF given) when out of range. */
static bool setup_rw(IDEDrive *d, uint8_t cmd)
{
    bool lba48 = is_lba48(cmd);
    uint64_t lba = command_lba(d, lba48);
    uint32_t n = command_count(d, lba48);
    if (lba == UINT64_MAX || lba >= d->nb_sectors || n > d->nb_sectors - lba) {
        if (lba != UINT64_MAX) {
            set_lba_regs(d, lba, lba48);
        }
        command_error(d, ER_IDNF);
        return false;
    }
    d->sector = lba;
    d->remaining = n;
    return true;
}

/* --- IDENTIFY DEVICE (ATA8-ACS 7.16, table 22) --- */

static void ata_identify(IDEDrive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof(w));
    uint64_t n = d->nb_sectors;
    uint32_t lba28 = n > 0x0fffffff ? 0x0fffffff : (uint32_t)n;
    uint32_t cur_cap = (uint32_t)d->cur_heads * d->cur_secs * d->cyls;
    char serial[21];
    snprintf(serial, sizeof(serial), "QZ%08d", d->unit + 1);
    w[0] = 0x0040;                         /* fixed device */
    w[1] = d->cyls;
    w[3] = d->heads;
    w[6] = d->secs;
    ide_put_string(w, 10, 10, serial);
    ide_put_string(w, 23, 4, "0.1");
    ide_put_string(w, 27, 20, "QUETZAL HARDDISK");
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0b00;                        /* IORDY, LBA, DMA */
    w[50] = 0x4000;
    w[51] = 0x0200;                        /* PIO mode 2 timing */
    w[53] = 0x0007;                        /* words 54-58, 64-70, 88 valid */
    w[54] = d->cyls;
    w[55] = d->cur_heads;
    w[56] = d->cur_secs;
    w[57] = cur_cap & 0xffff;
    w[58] = cur_cap >> 16;
    w[59] = d->mult_sectors ? 0x100 | d->mult_sectors : 0;
    w[60] = lba28 & 0xffff;
    w[61] = lba28 >> 16;
    w[63] = 0x07 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7) : 0);
    w[64] = 0x03;                          /* PIO 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x00f0;                        /* ATA/ATAPI-4 to -7 */
    w[82] = 0x0020;                        /* write cache */
    w[83] = 0x7400;                        /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit */
    w[84] = 0x4000;
    w[85] = d->write_cache ? 0x0020 : 0;
    w[86] = 0x3400;
    w[87] = 0x4000;
    w[88] = 0x3f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7) : 0);
    w[93] = 0x4000 | 0x2000 | 0x0001;      /* reset results, 80-wire cable */
    for (int i = 0; i < 4; i++) {
        w[100 + i] = (n >> (16 * i)) & 0xffff;
    }
    put_le16(d->buf, w, 256);
}

/* --- PIO data blocks --- */

static void pio_read_next(IDEDrive *d);

static void pio_read_block(IDEDrive *d)
{
    uint32_t max = d->cmd == 0xc4 || d->cmd == 0x29 ? d->mult_sectors : 1;
    d->chunk = d->remaining < max ? d->remaining : max;
    int64_t t0 = drive_stats_now();
    bool ok = bdrv_pread(d->bs, d->sector * IDE_SECTOR, d->chunk * IDE_SECTOR, d->buf) >= 0;
    drive_stats_account(d->stats, DRIVE_STAT_READ, d->sector * IDE_SECTOR, d->chunk * IDE_SECTOR,
                        t0, ok);
    if (!ok) {
        drive_stats_io_error(d->stats, false);
        set_lba_regs(d, d->sector, is_lba48(d->cmd));
        command_error(d, ER_UNC);
        return;
    }
    d->pos = 0;
    d->end = d->chunk * IDE_SECTOR;
    d->end_fn = pio_read_next;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_set_irq(d);
}

static void pio_read_next(IDEDrive *d)
{
    d->sector += d->chunk;
    d->remaining -= d->chunk;
    if (d->remaining) {
        pio_read_block(d);
    } else {
        d->status = ST_DRDY | ST_DSC;       /* no interrupt after the last block */
        d->end_fn = NULL;
        d->pos = d->end = 0;
    }
}

static void pio_write_done(IDEDrive *d);

static void pio_write_block(IDEDrive *d)
{
    uint32_t max = d->cmd == 0xc5 || d->cmd == 0x39 ? d->mult_sectors : 1;
    d->chunk = d->remaining < max ? d->remaining : max;
    d->pos = 0;
    d->end = d->chunk * IDE_SECTOR;
    d->end_fn = pio_write_done;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
}

static void pio_write_done(IDEDrive *d)
{
    int flags = d->write_cache ? 0 : BDRV_REQ_FUA;
    int64_t t0 = drive_stats_now();
    bool ok = bdrv_pwrite(d->bs, d->sector * IDE_SECTOR, d->chunk * IDE_SECTOR, d->buf, flags) >= 0;
    drive_stats_account(d->stats, DRIVE_STAT_WRITE, d->sector * IDE_SECTOR, d->chunk * IDE_SECTOR,
                        t0, ok);
    if (!ok) {
        drive_stats_io_error(d->stats, true);
        set_lba_regs(d, d->sector, is_lba48(d->cmd));
        command_error(d, ER_ABRT);
        return;
    }
    d->sector += d->chunk;
    d->remaining -= d->chunk;
    if (d->remaining) {
        pio_write_block(d);
        ide_set_irq(d);
    } else {
        command_done(d);
    }
}

/* --- DMA --- */

void ide_start_dma(IDEDrive *d, IDEDMAKind kind, uint64_t offset, uint32_t bytes,
                   void (*end)(IDEDrive *d, bool ok))
{
    d->dma_kind = kind;
    d->dma_offset = offset;
    d->dma_bytes = bytes;
    d->dma_end = end;
    d->dma_pending = true;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (d->bus->dma_notify) {
        d->bus->dma_notify(d->bus->dma_notify_opaque);
    }
}

static void ata_dma_end(IDEDrive *d, bool ok)
{
    if (ok) {
        d->sector += d->remaining;
        d->remaining = 0;
        command_done(d);
    } else {
        set_lba_regs(d, d->sector, is_lba48(d->cmd));
        command_error(d, d->dma_kind == DMA_DISK_READ ? ER_UNC : ER_ABRT);
    }
}

bool ide_dma_pending(IDEBus *b, bool *to_memory, uint32_t *bytes)
{
    IDEDrive *d = &b->drive[b->cur];
    if (!d->present || !d->dma_pending) {
        return false;
    }
    *to_memory = d->dma_kind != DMA_DISK_WRITE;
    *bytes = d->dma_bytes;
    return true;
}

static void dma_work(BlkJob *job)
{
    IDEBus *b = (IDEBus *)((char *)job - offsetof(IDEBus, job));
    IDEDrive *d = b->job_drive;
    int64_t t0 = drive_stats_now();
    switch (d->dma_kind) {
    case DMA_DISK_READ:
        /* no medium: the monitor ejected it after the command started */
        b->job_ret = d->bs ? bdrv_pread(d->bs, d->dma_offset, b->job_len, b->job_buf) : -1;
        drive_stats_account(d->stats, DRIVE_STAT_READ, d->dma_offset, b->job_len, t0,
                            b->job_ret >= 0);
        break;
    case DMA_DISK_WRITE:
        b->job_ret = bdrv_pwrite(d->bs, d->dma_offset, b->job_len, b->job_buf,
                                 d->write_cache ? 0 : BDRV_REQ_FUA);
        drive_stats_account(d->stats, DRIVE_STAT_WRITE, d->dma_offset, b->job_len, t0,
                            b->job_ret >= 0);
        break;
    default:
        memcpy(b->job_buf, d->resp, b->job_len);
        b->job_ret = 0;
        break;
    }
}

static void dma_job_done(BlkJob *job)
{
    IDEBus *b = (IDEBus *)((char *)job - offsetof(IDEBus, job));
    IDEDrive *d = b->job_drive;
    bool ok = b->job_ret >= 0;
    b->job_drive = NULL;
    if (!ok) {
        drive_stats_io_error(d->stats, d->dma_kind == DMA_DISK_WRITE);
    }
    /* the bus master moves the data and sets its status before the interrupt */
    b->job_done(b->job_opaque, ok, b->job_len);
    d->dma_end(d, ok);
}

void ide_dma_start(IDEBus *b, uint8_t *buf, uint32_t len, IDEDMADone *done, void *opaque)
{
    IDEDrive *d = &b->drive[b->cur];
    d->dma_pending = false;
    b->job_drive = d;
    b->job_buf = buf;
    b->job_len = len < d->dma_bytes ? len : d->dma_bytes;
    b->job_done = done;
    b->job_opaque = opaque;
    b->job.work = dma_work;
    b->job.done = dma_job_done;
    blk_worker_submit(b->worker, &b->job);
}

void ide_dma_abort(IDEBus *b)
{
    IDEDrive *d = &b->drive[b->cur];
    if (d->dma_pending) {
        d->dma_pending = false;
        if (d->cdrom) {
            d->dma_end(d, false);
        } else {
            command_error(d, ER_ABRT);
        }
    }
}

void ide_bus_set_dma_notify(IDEBus *b, void (*notify)(void *opaque), void *opaque)
{
    b->dma_notify = notify;
    b->dma_notify_opaque = opaque;
}

/* --- commands --- */

static void cmd_rw(IDEDrive *d, uint8_t cmd)
{
    bool write = cmd == 0x30 || cmd == 0x31 || cmd == 0x34 || cmd == 0xc5 || cmd == 0x39 ||
                 cmd == 0xca || cmd == 0xcb || cmd == 0x35;
    bool dma = cmd == 0xc8 || cmd == 0xc9 || cmd == 0x25 || cmd == 0xca || cmd == 0xcb ||
               cmd == 0x35;
    bool multiple = cmd == 0xc4 || cmd == 0x29 || cmd == 0xc5 || cmd == 0x39;
    if (multiple && !d->mult_sectors) {
        command_error(d, ER_ABRT);         /* SET MULTIPLE MODE not done */
        return;
    }
    if (write && d->read_only) {
        command_error(d, ER_ABRT);
        return;
    }
    if (!setup_rw(d, cmd)) {
        return;
    }
    if (dma) {
        ide_start_dma(d, write ? DMA_DISK_WRITE : DMA_DISK_READ, d->sector * IDE_SECTOR,
                      d->remaining * IDE_SECTOR, ata_dma_end);
    } else if (write) {
        pio_write_block(d);
    } else {
        pio_read_block(d);
    }
}

static void cmd_set_features(IDEDrive *d)
{
    switch (d->feature) {
    case 0x02: d->write_cache = true; break;
    case 0x82: d->write_cache = false; break;
    case 0x55: case 0xaa: case 0x66: case 0xcc: break;   /* read look-ahead, defaults */
    case 0x03: {
        uint8_t type = d->nsector >> 3, mode = d->nsector & 7;
        if (!((type <= 1 && mode <= 4) || (type == 4 && mode <= 2) || (type == 8 && mode <= 5))) {
            command_error(d, ER_ABRT);
            return;
        }
        d->xfer_mode = d->nsector;
        break;
    }
    default:
        command_error(d, ER_ABRT);
        return;
    }
    command_done(d);
}

static void cmd_flush(IDEDrive *d)
{
    int64_t t0 = drive_stats_now();
    bool ok = !d->bs || d->read_only || bdrv_flush(d->bs) >= 0;
    drive_stats_account(d->stats, DRIVE_STAT_FLUSH, 0, 0, t0, ok);
    if (!ok) {
        drive_stats_io_error(d->stats, true);
        command_error(d, ER_ABRT);
        return;
    }
    command_done(d);
}

static void cmd_diagnostic(IDEBus *b)
{
    for (int i = 0; i < 2; i++) {
        IDEDrive *d = &b->drive[i];
        if (d->present) {
            set_signature(d);
            d->error = 0x01;               /* device 0 passed, device 1 passed or absent */
            d->status = d->cdrom ? 0 : ST_DRDY | ST_DSC;
        }
    }
    b->cur = 0;
    ide_set_irq(&b->drive[0]);
}

/* ATA commands of a hard disk (and those an ATAPI device takes: ATA8-ACS 4.3). */
static void ata_command(IDEDrive *d, uint8_t cmd)
{
    d->cmd = cmd;
    d->error = 0;
    if (d->cdrom) {
        switch (cmd) {
        case 0xa0: atapi_packet_start(d); return;
        case 0xa1: atapi_identify(d); return;
        case 0x08:                         /* DEVICE RESET: no interrupt */
            atapi_reset(d);
            set_signature(d);
            d->status = 0;
            d->error = 0x01;
            return;
        case 0x90: cmd_diagnostic(d->bus); return;
        case 0xec:                         /* IDENTIFY DEVICE aborts with the signature */
            set_signature(d);
            command_error(d, ER_ABRT);
            return;
        case 0xef: cmd_set_features(d); return;
        case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe5: case 0xe7: case 0xea:
            if (cmd == 0xe5) {
                d->nsector = 0xff;
            }
            command_done(d);
            return;
        }
        command_error(d, ER_ABRT);
        return;
    }
    switch (cmd) {
    case 0xec:
        ata_identify(d);
        d->pos = 0;
        d->end = IDE_SECTOR;
        d->end_fn = NULL;
        d->status = ST_DRDY | ST_DSC | ST_DRQ;
        ide_set_irq(d);
        return;
    case 0x20: case 0x21: case 0x24: case 0xc4: case 0x29:
    case 0x30: case 0x31: case 0x34: case 0xc5: case 0x39:
    case 0xc8: case 0xc9: case 0x25: case 0xca: case 0xcb: case 0x35:
        cmd_rw(d, cmd);
        return;
    case 0x40: case 0x41: case 0x42:       /* READ VERIFY SECTORS (EXT) */
        if (setup_rw(d, cmd)) {
            command_done(d);
        }
        return;
    case 0xc6:                             /* SET MULTIPLE MODE: a power of two up to 16 */
        if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) {
            command_error(d, ER_ABRT);
        } else {
            d->mult_sectors = d->nsector;
            command_done(d);
        }
        return;
    case 0xe7: case 0xea: cmd_flush(d); return;
    case 0xef: cmd_set_features(d); return;
    case 0x91:                             /* INITIALIZE DEVICE PARAMETERS */
        if (!d->nsector) {
            command_error(d, ER_ABRT);
            return;
        }
        d->cur_secs = d->nsector;
        d->cur_heads = (d->select & 0x0f) + 1;
        command_done(d);
        return;
    case 0x90: cmd_diagnostic(d->bus); return;
    case 0x70:                             /* SEEK */
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe5: case 0xe6:
        if (cmd == 0xe5) {
            d->nsector = 0xff;             /* CHECK POWER MODE: active */
        }
        command_done(d);
        return;
    }
    command_error(d, ER_ABRT);             /* not supported (ATA8-ACS 6.3.2) */
}

/* --- registers --- */

static uint16_t data_read16(IDEDrive *d)
{
    if (!(d->status & ST_DRQ) || d->pos + 2 > d->end) {
        return 0xffff;
    }
    uint16_t v = d->buf[d->pos] | d->buf[d->pos + 1] << 8;
    d->pos += 2;
    if (d->pos >= d->end) {
        d->status &= ~ST_DRQ;
        if (d->end_fn) {
            d->end_fn(d);
        } else if (!d->cdrom) {
            d->status = ST_DRDY | ST_DSC;
        }
    }
    return v;
}

static void data_write16(IDEDrive *d, uint16_t v)
{
    if (!(d->status & ST_DRQ) || d->pos + 2 > d->end) {
        return;
    }
    d->buf[d->pos] = v;
    d->buf[d->pos + 1] = v >> 8;
    d->pos += 2;
    if (d->pos >= d->end) {
        d->status &= ~ST_DRQ;
        if (d->end_fn) {
            d->end_fn(d);
        }
    }
}

uint32_t ide_cmd_read(IDEBus *b, unsigned reg, unsigned size)
{
    IDEDrive *d = &b->drive[b->cur];
    bool hob = b->ctrl & CTL_HOB;
    if (reg == 0) {
        if (!d->present) {
            return size == 4 ? 0xffffffffu : 0xffff;
        }
        uint32_t v = data_read16(d);
        if (size == 4) {
            v |= (uint32_t)data_read16(d) << 16;
        }
        return v;
    }
    if (!b->drive[0].present && !b->drive[1].present) {
        return 0xff;                       /* nothing on the cable: pulled-up bus */
    }
    switch (reg) {
    case 1: return d->present ? d->error : 0;
    case 2: return hob ? d->hob_nsector : d->nsector;
    case 3: return hob ? d->hob_lbal : d->lbal;
    case 4: return hob ? d->hob_lbam : d->lbam;
    case 5: return hob ? d->hob_lbah : d->lbah;
    case 6: return d->select | 0xa0;
    default:
        if (!d->present) {
            return 0;
        }
        d->irq_pending = false;            /* reading Status acknowledges INTRQ */
        update_irq(b);
        return d->status;
    }
}

static void latch(uint8_t *cur, uint8_t *hob, uint8_t val)
{
    *hob = *cur;
    *cur = val;
}

void ide_cmd_write(IDEBus *b, unsigned reg, uint32_t val, unsigned size)
{
    if (reg == 0) {
        IDEDrive *d = &b->drive[b->cur];
        if (d->present) {
            data_write16(d, val);
            if (size == 4) {
                data_write16(d, val >> 16);
            }
        }
        return;
    }
    val &= 0xff;
    if (reg != 7) {
        b->ctrl &= ~CTL_HOB;               /* a register write clears HOB */
    }
    for (int i = 0; i < 2; i++) {
        IDEDrive *d = &b->drive[i];
        switch (reg) {
        case 1: latch(&d->feature, &d->hob_feature, val); break;
        case 2: latch(&d->nsector, &d->hob_nsector, val); break;
        case 3: latch(&d->lbal, &d->hob_lbal, val); break;
        case 4: latch(&d->lbam, &d->hob_lbam, val); break;
        case 5: latch(&d->lbah, &d->hob_lbah, val); break;
        case 6: d->select = val & ~0xa0; break;
        }
    }
    if (reg == 6) {
        b->cur = (val >> 4) & 1;
        update_irq(b);
        return;
    }
    if (reg == 7) {
        IDEDrive *d = &b->drive[b->cur];
        if (!d->present || ((d->status & (ST_BSY | ST_DRQ)) && val != 0x08)) {
            return;                        /* absent, or busy: ignored */
        }
        d->irq_pending = false;
        update_irq(b);
        ata_command(d, val);
    }
}

uint8_t ide_ctrl_read(IDEBus *b)
{
    IDEDrive *d = &b->drive[b->cur];
    if (!b->drive[0].present && !b->drive[1].present) {
        return 0xff;
    }
    return d->present ? d->status : 0;     /* alternate status: no acknowledge */
}

static void drive_reset(IDEDrive *d)
{
    d->status = d->cdrom ? 0 : ST_DRDY | ST_DSC;
    d->error = 0x01;
    d->feature = d->hob_feature = 0;
    d->hob_nsector = d->hob_lbal = d->hob_lbam = d->hob_lbah = 0;
    d->select = 0;
    set_signature(d);
    d->end_fn = NULL;
    d->pos = d->end = 0;
    d->dma_pending = false;
    d->irq_pending = false;
    d->mult_sectors = IDE_MAX_MULT;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
}

void ide_ctrl_write(IDEBus *b, uint8_t val)
{
    uint8_t old = b->ctrl;
    b->ctrl = val;
    if ((val & CTL_SRST) && !(old & CTL_SRST)) {
        blk_worker_drain(b->worker);
        for (int i = 0; i < 2; i++) {
            b->drive[i].status = ST_BSY;
            b->drive[i].dma_pending = false;
        }
    } else if (!(val & CTL_SRST) && (old & CTL_SRST)) {
        /* software reset done: signatures, device 0 selected (ATA8-ACS 11.2) */
        for (int i = 0; i < 2; i++) {
            IDEDrive *d = &b->drive[i];
            uint8_t mult = d->mult_sectors, wc = d->write_cache;
            drive_reset(d);
            d->mult_sectors = mult;        /* kept across a software reset */
            d->write_cache = wc;
            if (d->cdrom) {
                d->status = 0;
            }
        }
        b->cur = 0;
    }
    update_irq(b);
}

/* --- construction --- */

IDEBus *ide_bus_new(IRQ irq, MainLoop *ml)
{
    IDEBus *b = calloc(1, sizeof(*b));
    if (!b) {
        abort();
    }
    b->irq = irq;
    b->ml = ml;
    b->worker = blk_worker_new(ml);
    for (int i = 0; i < 2; i++) {
        b->drive[i].bus = b;
        b->drive[i].unit = i;
        b->drive[i].buf = calloc(1, IDE_BUF_SIZE);
        if (!b->drive[i].buf) {
            abort();
        }
    }
    return b;
}

void ide_bus_free(IDEBus *b)
{
    if (!b) {
        return;
    }
    blk_worker_free(b->worker);
    for (int i = 0; i < 2; i++) {
        free(b->drive[i].buf);
    }
    free(b);
}

/* The translated geometry BIOSes expect: 16 heads, 63 sectors, at most 16383
 * cylinders (ATA8-ACS annex B; the same values QEMU reports). */
static void set_geometry(IDEDrive *d)
{
    uint64_t cyls = d->nb_sectors / (16 * 63);
    d->heads = 16;
    d->secs = 63;
    d->cyls = cyls > 16383 ? 16383 : cyls < 2 ? 2 : (uint16_t)cyls;
}

void ide_bus_attach(IDEBus *b, int unit, const IDEDriveConfig *cfg)
{
    IDEDrive *d = &b->drive[unit & 1];
    d->present = cfg->present;
    d->cdrom = cfg->cdrom;
    d->read_only = cfg->read_only || cfg->cdrom;
    d->bs = cfg->bs;
    d->stats = cfg->stats;
    d->nb_sectors = d->bs && !d->cdrom ? bdrv_getlength(d->bs) / IDE_SECTOR : 0;
    set_geometry(d);
    d->writethrough = cfg->writethrough;
    d->write_cache = !d->writethrough;
    drive_reset(d);
    if (d->cdrom) {
        atapi_reset(d);
    }
}

void ide_bus_reset(IDEBus *b)
{
    blk_worker_drain(b->worker);
    b->ctrl = 0;
    b->cur = 0;
    for (int i = 0; i < 2; i++) {
        IDEDrive *d = &b->drive[i];
        drive_reset(d);
        d->write_cache = !d->writethrough;
        d->xfer_mode = 0;
        if (d->cdrom) {
            atapi_reset(d);
        }
    }
    update_irq(b);
}

void ide_cd_change(IDEBus *b, int unit, BlockDriverState *bs)
{
    IDEDrive *d = &b->drive[unit & 1];
    if (d->cdrom) {
        atapi_change_medium(d, bs);
    }
}

int ide_cd_eject(IDEBus *b, int unit, bool force)
{
    IDEDrive *d = &b->drive[unit & 1];
    if (!d->present || !d->cdrom) {
        return -ENOTSUP;
    }
    if (d->locked && !force) {
        return -EBUSY;
    }
    atapi_eject(d);
    return 0;
}

bool ide_cd_status(IDEBus *b, int unit, bool *tray_open, bool *locked, BlockDriverState **bs)
{
    IDEDrive *d = &b->drive[unit & 1];
    *tray_open = d->tray_open;
    *locked = d->locked;
    *bs = d->bs;
    return d->present && d->cdrom;
}

/* --- snapshots: the drives' registers and transfer state; the continuation
 * functions go as indexes into these tables --- */

static IDEEndFn *end_fn_at(int n)
{
    IDEEndFn *const core[] = { NULL, pio_read_next, pio_write_done };
    return n < 3 ? core[n] : n < 3 + ATAPI_END_FNS ? atapi_end_fns[n - 3] : NULL;
}

static int end_fn_index(IDEEndFn *fn)
{
    for (int n = 1; n < 3 + ATAPI_END_FNS; n++) {
        if (end_fn_at(n) == fn) {
            return n;
        }
    }
    return 0;
}

void ide_bus_drain(IDEBus *b)
{
    blk_worker_drain(b->worker);
}

static void save_drive(IDEDrive *d, SaveStream *s)
{
    save_u16(s, d->cur_heads); save_u16(s, d->cur_secs);
    uint8_t regs[] = { d->feature, d->nsector, d->lbal, d->lbam, d->lbah, d->hob_feature,
                       d->hob_nsector, d->hob_lbal, d->hob_lbam, d->hob_lbah, d->select,
                       d->status, d->error, d->irq_pending, d->cmd, d->mult_sectors,
                       d->write_cache, d->xfer_mode, d->dma_kind, d->dma_pending,
                       d->pkt_from_disk, d->sense_key, d->asc, d->ascq, d->tray_open,
                       d->locked, d->unit_attention, d->media_event };
    save_bytes(s, regs, sizeof(regs));
    save_u64(s, d->sector); save_u32(s, d->remaining); save_u32(s, d->chunk);
    save_u32(s, d->pos); save_u32(s, d->end);
    save_bytes(s, d->buf, d->end);
    save_u8(s, end_fn_index(d->end_fn));
    save_u8(s, d->dma_end == ata_dma_end ? 1 : d->dma_end == atapi_dma_end_fn ? 2 : 0);
    save_u64(s, d->dma_offset); save_u32(s, d->dma_bytes);
    save_bytes(s, d->packet, sizeof(d->packet));
    save_bytes(s, d->resp, sizeof(d->resp));
    save_u64(s, d->pkt_offset); save_u32(s, d->pkt_left); save_u32(s, d->resp_pos);
}

static void load_drive(IDEDrive *d, SaveStream *s)
{
    d->cur_heads = load_u16(s); d->cur_secs = load_u16(s);
    uint8_t r[28];
    load_bytes(s, r, sizeof(r));
    d->feature = r[0]; d->nsector = r[1]; d->lbal = r[2]; d->lbam = r[3]; d->lbah = r[4];
    d->hob_feature = r[5]; d->hob_nsector = r[6]; d->hob_lbal = r[7]; d->hob_lbam = r[8];
    d->hob_lbah = r[9]; d->select = r[10]; d->status = r[11]; d->error = r[12];
    d->irq_pending = r[13]; d->cmd = r[14]; d->mult_sectors = r[15]; d->write_cache = r[16];
    d->xfer_mode = r[17]; d->dma_kind = r[18] & 3; d->dma_pending = r[19];
    d->pkt_from_disk = r[20]; d->sense_key = r[21]; d->asc = r[22]; d->ascq = r[23];
    d->tray_open = r[24]; d->locked = r[25]; d->unit_attention = r[26]; d->media_event = r[27];
    d->sector = load_u64(s); d->remaining = load_u32(s); d->chunk = load_u32(s);
    d->pos = load_u32(s); d->end = load_u32(s);
    if (d->end > IDE_BUF_SIZE || d->pos > d->end) {
        s->error = true;
        d->pos = d->end = 0;
    }
    load_bytes(s, d->buf, d->end);
    d->end_fn = end_fn_at(load_u8(s));
    uint8_t de = load_u8(s);
    d->dma_end = de == 1 ? ata_dma_end : de == 2 ? atapi_dma_end_fn : NULL;
    d->dma_offset = load_u64(s); d->dma_bytes = load_u32(s);
    load_bytes(s, d->packet, sizeof(d->packet));
    load_bytes(s, d->resp, sizeof(d->resp));
    d->pkt_offset = load_u64(s); d->pkt_left = load_u32(s); d->resp_pos = load_u32(s);
    if (d->resp_pos > sizeof(d->resp) || (d->dma_pending && !d->dma_end)) {
        s->error = true;
    }
}

void ide_bus_save(IDEBus *b, SaveStream *s)
{
    save_u8(s, b->cur);
    save_u8(s, b->ctrl);
    for (int i = 0; i < 2; i++) {
        save_u8(s, b->drive[i].present);
        save_drive(&b->drive[i], s);
    }
}

void ide_bus_load(IDEBus *b, SaveStream *s)
{
    b->cur = load_u8(s) & 1;
    b->ctrl = load_u8(s);
    for (int i = 0; i < 2; i++) {
        if (load_u8(s) != b->drive[i].present) {
            s->error = true;            /* another drive set-up */
        }
        load_drive(&b->drive[i], s);
    }
    if (s->error) {
        ide_bus_reset(b);
        return;
    }
    update_irq(b);
}
