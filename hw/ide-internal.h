/*
 * What hw/ide-core.c (ATA) and hw/ide-atapi.c (the PACKET command set) share:
 * one drive's registers and transfer state. Not for other devices: they use
 * hw/ide.h.
 */
#ifndef HW_IDE_INTERNAL_H
#define HW_IDE_INTERNAL_H

#include "hw/blk-worker.h"
#include "hw/ide.h"

/* Status register (ATA8-ACS 6.2) and error register bits. */
enum { ST_BSY = 0x80, ST_DRDY = 0x40, ST_DF = 0x20, ST_DSC = 0x10, ST_DRQ = 0x08,
       ST_ERR = 0x01 };
enum { ER_UNC = 0x40, ER_IDNF = 0x10, ER_ABRT = 0x04 };
/* Device control register: nIEN, SRST, HOB. */
enum { CTL_NIEN = 0x02, CTL_SRST = 0x04, CTL_HOB = 0x80 };
/* ATAPI interrupt reason (sector count register): CoD, IO. */
enum { IR_COD = 0x01, IR_IO = 0x02 };

#define IDE_SECTOR 512
#define CD_SECTOR 2048
#define IDE_MAX_MULT 16
#define IDE_BUF_SIZE (64 * 1024 + 4096)

typedef struct IDEDrive IDEDrive;
typedef enum { DMA_NONE, DMA_DISK_READ, DMA_DISK_WRITE, DMA_FROM_RESP } IDEDMAKind;

struct IDEDrive {
    IDEBus *bus;
    int unit;
    bool present, cdrom, read_only;
    BlockDriverState *bs;
    struct DriveStats *stats;            /* the monitor's accounting, or NULL */
    uint64_t nb_sectors;                 /* 512-byte sectors (disks) */
    uint16_t cyls, heads, secs;          /* default CHS translation */
    uint16_t cur_heads, cur_secs;        /* INITIALIZE DEVICE PARAMETERS */
    /* Command block registers; hob_* the previous contents (48-bit FIFO). */
    uint8_t feature, nsector, lbal, lbam, lbah;
    uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
    uint8_t select, status, error;
    bool irq_pending;
    /* the command running */
    uint8_t cmd;
    uint64_t sector;                     /* next sector (ATA) */
    uint32_t remaining;                  /* sectors still to transfer (ATA) */
    uint32_t chunk;                      /* sectors in the current DRQ block */
    uint8_t mult_sectors;                /* SET MULTIPLE MODE, 0: disabled */
    bool write_cache;
    bool writethrough;                   /* write cache off at reset */
    uint8_t xfer_mode;                   /* SET FEATURES 03h: type << 3 | mode */
    /* PIO: buf[pos..end) is the DRQ data block; end_fn runs when it is done */
    uint8_t *buf;
    uint32_t pos, end;
    void (*end_fn)(IDEDrive *d);
    /* DMA */
    IDEDMAKind dma_kind;
    bool dma_pending;
    uint64_t dma_offset;                 /* byte offset in the image */
    uint32_t dma_bytes;
    void (*dma_end)(IDEDrive *d, bool ok);
    /* ATAPI */
    uint8_t packet[12];
    uint8_t resp[4096];                  /* a command's reply (not READ data) */
    uint64_t pkt_offset;                 /* READ: next byte in the image */
    uint32_t pkt_left;                   /* data-in bytes still to send */
    bool pkt_from_disk;
    uint32_t resp_pos;
    uint8_t sense_key, asc, ascq;
    bool tray_open, locked, unit_attention;
    uint8_t media_event;                 /* GET EVENT STATUS: 0 none, 2 new media, 3 removal */
};

struct IDEBus {
    IRQ irq;
    MainLoop *ml;
    BlkWorker *worker;
    IDEDrive drive[2];
    int cur;
    uint8_t ctrl;
    void (*dma_notify)(void *opaque);
    void *dma_notify_opaque;
    /* the DMA job on the worker */
    BlkJob job;
    IDEDrive *job_drive;
    uint8_t *job_buf;
    uint32_t job_len;
    int job_ret;
    IDEDMADone *job_done;
    void *job_opaque;
};

/* hw/ide-core.c helpers for the ATAPI side */
void ide_set_irq(IDEDrive *d);
void ide_start_dma(IDEDrive *d, IDEDMAKind kind, uint64_t offset, uint32_t bytes,
                   void (*end)(IDEDrive *d, bool ok));
void ide_put_string(uint16_t *words, int first, int nwords, const char *s);

/* hw/ide-atapi.c's continuations by number, for a saved drive (hw/ide-core.c
 * saves end_fn and dma_end as these indexes) */
typedef void IDEEndFn(IDEDrive *d);
typedef void IDEDMAEndFn(IDEDrive *d, bool ok);
#define ATAPI_END_FNS 3
extern IDEEndFn *const atapi_end_fns[ATAPI_END_FNS];
extern IDEDMAEndFn *const atapi_dma_end_fn;

/* hw/ide-atapi.c */
void atapi_identify(IDEDrive *d);
void atapi_packet_start(IDEDrive *d);      /* PACKET (A0h) */
void atapi_reset(IDEDrive *d);             /* power-on state of the drive */
void atapi_change_medium(IDEDrive *d, BlockDriverState *bs);
void atapi_eject(IDEDrive *d);            /* the monitor opens the tray */

#endif
