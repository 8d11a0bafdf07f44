/*
 * The ATAPI CD-ROM drive behind the PACKET command (ATA8-ACS 7.18, the packet
 * protocol of ATA8-ACS/ATA-6 9.8 and 9.9) and the MMC commands it runs
 * (SCSI Multimedia Commands MMC-5, SCSI Primary Commands SPC-3): TEST UNIT
 * READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10), READ(12), READ TOC
 * (formats 0, 1, 2), GET CONFIGURATION, MODE SENSE(6/10), GET EVENT STATUS
 * NOTIFICATION, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, MECHANISM
 * STATUS, SEEK, SET CD SPEED. The medium is a 2048-byte-sector image.
 *
 * Data-in goes by PIO in pieces of at most the byte count limit the host put
 * in the LBA mid/high registers, or by DMA (Features bit 0). Errors end the
 * command with CHECK CONDITION: ERR in Status, the sense key in Error bits
 * 7:4, the sense data for REQUEST SENSE.
 */
#include <string.h>
#include "hw/ide-internal.h"
#include "system/drive-stats.h"

enum { SK_NONE = 0, SK_NOT_READY = 2, SK_MEDIUM_ERROR = 3, SK_ILLEGAL = 5,
       SK_UNIT_ATTENTION = 6 };
enum { ASC_INVALID_OPCODE = 0x20, ASC_LBA_OUT_OF_RANGE = 0x21, ASC_INVALID_FIELD = 0x24,
       ASC_MEDIUM_CHANGED = 0x28, ASC_NO_MEDIUM = 0x3a, ASC_REMOVAL_PREVENTED = 0x53,
       ASC_INCOMPATIBLE_FORMAT = 0x30, ASC_UNRECOVERED_READ = 0x11 };
/* MMC-5 profiles: CD-ROM, DVD-ROM; a CD holds at most about 80 minutes. */
enum { PROFILE_CD = 0x0008, PROFILE_DVD = 0x0010 };
#define CD_MAX_SECTORS (80 * 60 * 75)

static void be16(uint8_t *p, uint32_t v) { p[0] = v >> 8; p[1] = v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }
static uint32_t rd16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) << 16 | rd16(p + 2); }

static bool has_medium(IDEDrive *d) { return d->bs && !d->tray_open; }

static uint32_t cd_sectors(IDEDrive *d)
{
    return has_medium(d) ? (uint32_t)(bdrv_getlength(d->bs) / CD_SECTOR) : 0;
}

/* --- completion --- */

static void packet_done(IDEDrive *d)
{
    d->status = ST_DRDY;
    d->error = 0;
    d->nsector = IR_IO | IR_COD;
    d->end_fn = NULL;
    d->pos = d->end = 0;
    ide_set_irq(d);
}

static void check_condition(IDEDrive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    d->status = ST_DRDY | ST_ERR;
    d->error = key << 4;
    d->nsector = IR_IO | IR_COD;
    d->end_fn = NULL;
    d->pos = d->end = 0;
    d->dma_pending = false;
    ide_set_irq(d);
}

static void not_ready(IDEDrive *d)
{
    check_condition(d, SK_NOT_READY, ASC_NO_MEDIUM, d->tray_open ? 2 : 1);
}

/* --- data-in by PIO: one DRQ piece at a time --- */

static void pio_piece_done(IDEDrive *d);

static void pio_send_piece(IDEDrive *d)
{
    uint32_t limit = d->lbam | d->lbah << 8;
    if (limit == 0 || limit == 0xffff) {
        limit = 0xfffe;
    }
    uint32_t n = d->pkt_left;
    if (n > limit) {
        n = limit & ~1u;                   /* pieces before the last are even */
    }
    if (d->pkt_from_disk) {
        int64_t t0 = drive_stats_now();
        bool ok = bdrv_pread(d->bs, d->pkt_offset, n, d->buf) >= 0;
        drive_stats_account(d->stats, DRIVE_STAT_READ, d->pkt_offset, n, t0, ok);
        if (!ok) {
            drive_stats_io_error(d->stats, false);
            check_condition(d, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
            return;
        }
        d->pkt_offset += n;
    } else {
        memcpy(d->buf, d->resp + d->resp_pos, n);
        d->resp_pos += n;
    }
    d->pos = 0;
    d->end = (n + 1) & ~1u;
    d->pkt_left -= n;
    d->end_fn = pio_piece_done;
    d->nsector = IR_IO;
    d->lbam = n;
    d->lbah = n >> 8;
    d->status = ST_DRDY | ST_DRQ;
    ide_set_irq(d);
}

static void pio_piece_done(IDEDrive *d)
{
    if (d->pkt_left) {
        pio_send_piece(d);
    } else {
        packet_done(d);
    }
}

static void dma_end(IDEDrive *d, bool ok)
{
    if (ok) {
        packet_done(d);
    } else {
        check_condition(d, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
    }
}

/* Sends len bytes: the reply in d->resp, or from the medium at offset. */
static void send_data(IDEDrive *d, bool from_disk, uint64_t offset, uint32_t len)
{
    d->sense_key = SK_NONE;
    d->asc = d->ascq = 0;
    if (len == 0) {
        packet_done(d);
        return;
    }
    if (d->feature & 1) {
        ide_start_dma(d, from_disk ? DMA_DISK_READ : DMA_FROM_RESP, offset, len, dma_end);
        return;
    }
    d->pkt_from_disk = from_disk;
    d->pkt_offset = offset;
    d->pkt_left = len;
    d->resp_pos = 0;
    pio_send_piece(d);
}

static void send_resp(IDEDrive *d, uint32_t len, uint32_t alloc)
{
    send_data(d, false, 0, len < alloc ? len : alloc);
}

/* --- commands --- */

static void cmd_inquiry(IDEDrive *d, const uint8_t *p)
{
    if (p[1] & 1) {                        /* no vital product data pages */
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    uint8_t *r = d->resp;
    memset(r, 0, 36);
    r[0] = 0x05;                           /* CD/DVD device */
    r[1] = 0x80;                           /* removable */
    r[2] = 0x05;                           /* SPC-3 */
    r[3] = 0x32;                           /* response data format 2 */
    r[4] = 31;
    memcpy(r + 8, "QUETZAL ", 8);
    memcpy(r + 16, "QUETZAL DVD-ROM ", 16);
    memcpy(r + 32, "0.1 ", 4);
    send_resp(d, 36, p[4]);
}

static void cmd_request_sense(IDEDrive *d, const uint8_t *p)
{
    uint8_t *r = d->resp;
    memset(r, 0, 18);
    r[0] = 0x70;                           /* current, fixed format (SPC-3 4.5.3) */
    r[2] = d->sense_key;
    r[7] = 10;
    r[12] = d->asc;
    r[13] = d->ascq;
    if (d->unit_attention) {
        r[2] = SK_UNIT_ATTENTION;
        r[12] = ASC_MEDIUM_CHANGED;
        r[13] = 0;
        d->unit_attention = false;
    }
    send_resp(d, 18, p[4]);
}

static void cmd_read_capacity(IDEDrive *d)
{
    uint32_t n = cd_sectors(d);
    be32(d->resp, n ? n - 1 : 0);          /* the last block's address */
    be32(d->resp + 4, CD_SECTOR);
    send_resp(d, 8, 8);
}

static void cmd_read(IDEDrive *d, const uint8_t *p)
{
    uint32_t lba = rd32(p + 2);
    uint32_t count = p[0] == 0x28 ? rd16(p + 7) : rd32(p + 6);
    uint32_t total = cd_sectors(d);
    if (lba > total || count > total - lba) {
        check_condition(d, SK_ILLEGAL, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    if ((uint64_t)count * CD_SECTOR > 0xffffffffu) {
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    send_data(d, true, (uint64_t)lba * CD_SECTOR, count * CD_SECTOR);
}

/* An address as LBA or as minutes/seconds/frames (MMC-5 6.1.4: MSF = LBA + 150). */
static void put_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        lba += 150;
        p[0] = 0;
        p[1] = lba / (75 * 60);
        p[2] = lba / 75 % 60;
        p[3] = lba % 75;
    } else {
        be32(p, lba);
    }
}

/* READ TOC/PMA/ATIP (MMC-5 6.26): one data track. */
static void cmd_read_toc(IDEDrive *d, const uint8_t *p)
{
    bool msf = p[1] & 2;
    uint8_t format = p[2] & 0x0f;
    uint32_t alloc = rd16(p + 7), total = cd_sectors(d), len;
    uint8_t *r = d->resp;
    memset(r, 0, 64);
    if (!format) {
        format = p[9] >> 6;                /* the older place of the format */
    }
    switch (format) {
    case 0:                                /* formatted TOC */
        if (p[6] > 1 && p[6] != 0xaa) {
            check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
            return;
        }
        r[2] = 1;
        r[3] = 1;
        len = 4;
        if (p[6] <= 1) {
            r[len + 1] = 0x14;             /* ADR 1, data track */
            r[len + 2] = 1;
            put_addr(r + len + 4, 0, msf);
            len += 8;
        }
        r[len + 1] = 0x14;
        r[len + 2] = 0xaa;                 /* lead-out */
        put_addr(r + len + 4, total, msf);
        len += 8;
        break;
    case 1:                                /* multi-session information */
        r[2] = 1;
        r[3] = 1;
        r[5] = 0x14;
        r[6] = 1;
        put_addr(r + 8, 0, msf);
        len = 12;
        break;
    case 2: {                              /* raw TOC: A0, A1, A2 and track 1 */
        static const uint8_t points[4] = { 0xa0, 0xa1, 0xa2, 1 };
        r[2] = 1;
        r[3] = 1;
        len = 4;
        for (int i = 0; i < 4; i++) {
            uint8_t *e = r + len;
            e[0] = 1;                      /* session */
            e[1] = 0x14;
            e[3] = points[i];
            if (points[i] == 0xa0 || points[i] == 0xa1) {
                e[8] = 1;                  /* first/last track; disc type 0 */
            } else {
                uint32_t a = (points[i] == 0xa2 ? total : 0) + 150;
                e[8] = a / (75 * 60);
                e[9] = a / 75 % 60;
                e[10] = a % 75;
            }
            len += 11;
        }
        break;
    }
    default:
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    be16(r, len - 2);
    send_resp(d, len, alloc);
}

/* One feature descriptor of GET CONFIGURATION (MMC-5 5.3). */
static uint32_t put_feature(uint8_t *r, uint16_t code, uint8_t flags, const uint8_t *data,
                            uint8_t len)
{
    be16(r, code);
    r[2] = flags;
    r[3] = len;
    memcpy(r + 4, data, len);
    return 4u + len;
}

static void cmd_get_configuration(IDEDrive *d, const uint8_t *p)
{
    uint8_t rt = p[1] & 3;
    uint16_t start = rd16(p + 2);
    uint32_t alloc = rd16(p + 7), total = cd_sectors(d);
    uint16_t profile = !has_medium(d) ? 0 : total > CD_MAX_SECTORS ? PROFILE_DVD : PROFILE_CD;
    uint8_t *r = d->resp;
    memset(r, 0, 256);
    be16(r + 6, profile);
    uint32_t len = 8;
    /* code, version/persistent/current flags, additional data */
    uint8_t profiles[8] = { 0, PROFILE_DVD, profile == PROFILE_DVD, 0,
                            0, PROFILE_CD, profile == PROFILE_CD, 0 };
    static const uint8_t core[8] = { 0, 0, 0, 2, 1, 0, 0, 0 };     /* ATAPI, DBE */
    static const uint8_t morphing[4] = { 2, 0, 0, 0 };            /* OCEvent */
    static const uint8_t removable[4] = { 0x29, 0, 0, 0 };        /* tray, eject, lock */
    uint8_t random[8] = { 0, 0, 0x08, 0, 0, 0x10, 0, 0 };         /* 2048-byte blocks */
    const struct { uint16_t code; uint8_t flags; const uint8_t *data; uint8_t len; } f[] = {
        { 0x0000, 0x03, profiles, 8 },
        { 0x0001, 0x0b, core, 8 },
        { 0x0002, 0x07, morphing, 4 },
        { 0x0003, 0x03, removable, 4 },
        { 0x0010, profile ? 0x01 : 0x00, random, 8 },
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        bool current = f[i].flags & 1;
        if (f[i].code < start || (rt == 1 && !current) || (rt == 2 && f[i].code != start)) {
            continue;
        }
        len += put_feature(r + len, f[i].code, f[i].flags, f[i].data, f[i].len);
    }
    if (rt == 3) {
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    be32(r, len - 4);
    send_resp(d, len, alloc);
}

/* MODE SENSE(6) and (10) (SPC-3 6.9, 6.10): the read error recovery page (01h)
 * and the MM capabilities page (2Ah, MMC-5 7.x). */
static void cmd_mode_sense(IDEDrive *d, const uint8_t *p)
{
    bool ten = p[0] == 0x5a;
    uint8_t page = p[2] & 0x3f, pc = p[2] >> 6;
    uint32_t alloc = ten ? rd16(p + 7) : p[4];
    uint32_t hdr = ten ? 8 : 4, len = hdr;
    uint8_t *r = d->resp;
    memset(r, 0, 128);
    if (pc == 3) {
        check_condition(d, SK_ILLEGAL, 0x39, 0);   /* saving parameters not supported */
        return;
    }
    if (page == 0x01 || page == 0x3f) {
        r[len] = 0x01;
        r[len + 1] = 6;
        len += 8;
    }
    if (page == 0x2a || page == 0x3f) {
        uint8_t *c = r + len;
        c[0] = 0x2a;
        c[1] = 20;
        if (pc != 1) {                     /* changeable values: none */
            c[2] = 0x03;                   /* reads CD-R, CD-RW */
            c[4] = 0x71;                   /* multi-session, mode 2 forms, audio */
            c[5] = 0x00;
            c[6] = 0x29 | (d->locked ? 0x02 : 0);   /* tray, eject, lock (state) */
            be16(c + 8, 706);              /* 4x, kB/s (obsolete field) */
            be16(c + 10, 2);
            be16(c + 12, 512);
            be16(c + 14, 706);
        }
        len += 22;
    }
    if (len == hdr) {
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    if (ten) {
        be16(r, len - 2);
        r[2] = 0x70;                       /* medium type: door closed, no disc type */
    } else {
        r[0] = len - 1;
        r[1] = 0x70;
    }
    send_resp(d, len, alloc);
}

/* GET EVENT STATUS NOTIFICATION (MMC-5 6.6), polled: the media class only. */
static void cmd_get_event(IDEDrive *d, const uint8_t *p)
{
    uint32_t alloc = rd16(p + 7);
    uint8_t *r = d->resp;
    if (!(p[1] & 1)) {                     /* asynchronous operation not supported */
        check_condition(d, SK_ILLEGAL, ASC_INVALID_FIELD, 0);
        return;
    }
    memset(r, 0, 8);
    r[3] = 0x10;                           /* supported: media */
    if (!(p[4] & 0x10)) {
        r[2] = 0x80;                       /* NEA: no requested class available */
        be16(r, 2);
        send_resp(d, 4, alloc);
        return;
    }
    r[2] = 0x04;                           /* media class */
    r[4] = d->media_event;
    r[5] = (has_medium(d) ? 0x02 : 0) | (d->tray_open ? 0x01 : 0);
    be16(r, 6);
    d->media_event = 0;
    send_resp(d, 8, alloc);
}

static void cmd_start_stop(IDEDrive *d, const uint8_t *p)
{
    bool loej = p[4] & 2, start = p[4] & 1;
    if (loej && !start) {
        if (d->locked) {
            check_condition(d, SK_ILLEGAL, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        if (!d->tray_open && d->bs) {
            d->media_event = 3;            /* media removal */
        }
        if (!d->tray_open) {
            d->tray_open = true;
            drive_stats_tray(d->stats, true);
        }
    } else if (loej && start && d->tray_open) {
        d->tray_open = false;
        if (d->bs) {
            d->media_event = 2;            /* new media */
            d->unit_attention = true;
        }
        drive_stats_tray(d->stats, false);
    }
    packet_done(d);
}

static void cmd_mechanism_status(IDEDrive *d, const uint8_t *p)
{
    memset(d->resp, 0, 8);
    d->resp[1] = d->tray_open ? 0x10 : 0;  /* door open */
    send_resp(d, 8, rd16(p + 8));
}

/* The commands that need a medium, and those a pending unit attention does
 * not stop (SPC-3 5.9.7: INQUIRY, REQUEST SENSE; MMC: GET EVENT STATUS,
 * GET CONFIGURATION). */
static bool needs_medium(uint8_t op)
{
    return op == 0x00 || op == 0x25 || op == 0x28 || op == 0xa8 || op == 0x43 || op == 0x2b;
}

static void packet_command(IDEDrive *d)
{
    const uint8_t *p = d->packet;
    uint8_t op = p[0];
    if (d->unit_attention && op != 0x12 && op != 0x03 && op != 0x4a && op != 0x46) {
        d->unit_attention = false;
        check_condition(d, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (needs_medium(op) && !has_medium(d)) {
        not_ready(d);
        return;
    }
    switch (op) {
    case 0x00: case 0x2b: case 0xbb:       /* TEST UNIT READY, SEEK, SET CD SPEED */
        d->sense_key = SK_NONE;
        d->asc = d->ascq = 0;
        packet_done(d);
        return;
    case 0x03: cmd_request_sense(d, p); return;
    case 0x12: cmd_inquiry(d, p); return;
    case 0x25: cmd_read_capacity(d); return;
    case 0x28: case 0xa8: cmd_read(d, p); return;
    case 0x43: cmd_read_toc(d, p); return;
    case 0x46: cmd_get_configuration(d, p); return;
    case 0x1a: case 0x5a: cmd_mode_sense(d, p); return;
    case 0x4a: cmd_get_event(d, p); return;
    case 0x1b: cmd_start_stop(d, p); return;
    case 0x1e:                             /* PREVENT ALLOW MEDIUM REMOVAL */
        d->locked = p[4] & 1;
        packet_done(d);
        return;
    case 0xbd: cmd_mechanism_status(d, p); return;
    }
    check_condition(d, SK_ILLEGAL, ASC_INVALID_OPCODE, 0);
}

/* --- the ATA side --- */

static void packet_received(IDEDrive *d)
{
    memcpy(d->packet, d->buf, 12);
    d->end_fn = NULL;
    packet_command(d);
}

void atapi_packet_start(IDEDrive *d)
{
    d->pos = 0;
    d->end = 12;
    d->end_fn = packet_received;
    d->nsector = IR_COD;                   /* command packet, to the device */
    d->status = ST_DRDY | ST_DRQ;          /* no interrupt: DRQ within 50 us */
}

static void identify_done(IDEDrive *d)
{
    d->status = ST_DRDY;
    d->end_fn = NULL;
}

/* IDENTIFY PACKET DEVICE (ATA8-ACS 7.17, table 30). */
void atapi_identify(IDEDrive *d)
{
    uint16_t w[256];
    memset(w, 0, sizeof(w));
    w[0] = 0x85c0;                         /* ATAPI, CD-ROM, removable, 50 us DRQ, 12 bytes */
    ide_put_string(w, 10, 10, d->unit ? "QZ00000002" : "QZ00000001");
    ide_put_string(w, 23, 4, "0.1");
    ide_put_string(w, 27, 20, "QUETZAL DVD-ROM");
    w[49] = 0x0b00;                        /* IORDY, LBA, DMA */
    w[53] = 0x0007;
    w[63] = 0x07 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7) : 0);
    w[64] = 0x03;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[71] = 30;
    w[72] = 30;
    w[80] = 0x001e;                        /* ATAPI-4 to -7 */
    w[82] = 0x0214;                        /* DEVICE RESET, PACKET, removable media */
    w[83] = 0x4000;
    w[84] = 0x4000;
    w[85] = 0x0214;
    w[87] = 0x4000;
    w[88] = 0x3f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7) : 0);
    w[93] = 0x4000 | 0x2000 | 0x0001;
    for (int i = 0; i < 256; i++) {
        d->buf[2 * i] = w[i];
        d->buf[2 * i + 1] = w[i] >> 8;
    }
    d->pos = 0;
    d->end = 512;
    d->end_fn = identify_done;
    d->status = ST_DRDY | ST_DRQ;
    ide_set_irq(d);
}

void atapi_reset(IDEDrive *d)
{
    d->sense_key = SK_NONE;
    d->asc = d->ascq = 0;
    d->locked = false;
    d->tray_open = false;
    d->unit_attention = false;
    d->media_event = 0;
}

void atapi_change_medium(IDEDrive *d, BlockDriverState *bs)
{
    d->bs = bs;
    d->tray_open = false;
    d->media_event = bs ? 2 : 3;
    d->unit_attention = bs != NULL;
}

void atapi_eject(IDEDrive *d)
{
    /* a READ still sending PIO pieces from the medium ends with NOT READY,
     * MEDIUM NOT PRESENT, as when the medium goes away under a real drive;
     * one waiting for its DMA fails when the bus master starts it (ide-core's
     * dma_work finds no medium), so that the bus master reports the error */
    bool reading = d->end_fn == pio_piece_done && d->pkt_from_disk;
    if (!d->tray_open && d->bs) {
        d->media_event = 3;                /* media removal */
    }
    d->tray_open = true;
    d->bs = NULL;
    if (reading) {
        d->end_fn = NULL;
        d->pos = d->end = 0;
        d->pkt_left = 0;
        not_ready(d);
    }
}

IDEEndFn *const atapi_end_fns[ATAPI_END_FNS] = { pio_piece_done, packet_received, identify_done };
IDEDMAEndFn *const atapi_dma_end_fn = dma_end;
