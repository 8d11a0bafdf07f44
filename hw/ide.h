/*
 * IDE/ATA storage: the ATA register file and commands of one IDE channel
 * (hw/ide-core.c, ATA/ATAPI-6 and ATA8-ACS), the ATAPI CD-ROM behind the PACKET
 * command (hw/ide-atapi.c, MMC-5/SPC-3), and the PIIX3 IDE PCI function
 * 00:01.1 with its legacy ports and bus-master DMA (hw/ide-piix.c, Intel
 * 82371SB datasheet and the SFF-8038i bus master programming interface).
 * Disk I/O goes through the block layer (block/block.h); DMA requests run on a
 * worker thread (hw/blk-worker.c) so the CPU keeps running.
 */
#ifndef HW_IDE_H
#define HW_IDE_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block.h"
#include "hw/irq.h"
#include "hw/pci.h"
#include "system/main-loop.h"
#include "system/memory.h"

/* One drive to attach: bs NULL is an empty CD-ROM drive (no medium). */
typedef struct IDEDriveConfig {
    BlockDriverState *bs;
    bool cdrom;
    bool read_only;
    bool present;
    bool writethrough;          /* cache=writethrough/directsync: write cache off */
    struct DriveStats *stats;   /* the monitor's accounting (system/drive-stats.h), or NULL */
} IDEDriveConfig;

/* --- hw/ide-core.c: one channel (two drives, one INTRQ line) --- */
typedef struct IDEBus IDEBus;
IDEBus *ide_bus_new(IRQ irq, MainLoop *ml);
void ide_bus_free(IDEBus *b);
void ide_bus_attach(IDEBus *b, int unit, const IDEDriveConfig *cfg);
void ide_bus_reset(IDEBus *b);                 /* hardware reset (RESET-) */
/* A snapshot of the channel (its controller's save/load, hw/device.h): the
 * worker is drained first, so no transfer is in flight; load sets s->error on
 * a bad stream. */
struct SaveStream;
void ide_bus_drain(IDEBus *b);
void ide_bus_save(IDEBus *b, struct SaveStream *s);
void ide_bus_load(IDEBus *b, struct SaveStream *s);
/* Command block registers 0-7 (offset from 0x1f0/0x170; 0 is the data port,
 * 16 or 32 bits wide) and the control block register (0x3f6/0x376). */
uint32_t ide_cmd_read(IDEBus *b, unsigned reg, unsigned size);
void ide_cmd_write(IDEBus *b, unsigned reg, uint32_t val, unsigned size);
uint8_t ide_ctrl_read(IDEBus *b);
void ide_ctrl_write(IDEBus *b, uint8_t val);
/* Replaces the medium of a CD-ROM drive (NULL: ejected); the guest sees a media
 * change (UNIT ATTENTION, a NEW MEDIA event). For the monitor's change/eject. */
void ide_cd_change(IDEBus *b, int unit, BlockDriverState *bs);
/* The monitor's eject: opens the tray of a CD-ROM drive and removes the medium;
 * -EBUSY when the guest locked it (PREVENT MEDIUM REMOVAL) and force is false,
 * -ENOTSUP when the unit is not a CD-ROM drive. */
int ide_cd_eject(IDEBus *b, int unit, bool force);
/* A CD-ROM drive's tray and lock state and its medium (NULL: none). */
bool ide_cd_status(IDEBus *b, int unit, bool *tray_open, bool *locked, BlockDriverState **bs);
/* Waits for the channel's DMA request in flight (before the monitor swaps images). */
void ide_bus_drain(IDEBus *b);

/* The DMA side, used by the bus master (hw/ide-piix.c). A DMA command of the
 * selected drive waits until the bus master starts: ide_dma_pending gives its
 * direction (to_memory: the device reads from the medium) and byte count. The
 * bus master hands a bounce buffer: for to_memory, ide_dma_start fills it (on
 * the worker thread) and calls done(opaque, ok, len) on the CPU thread with
 * the bytes to scatter; for writes the buffer holds the gathered data. */
typedef void IDEDMADone(void *opaque, bool ok, uint32_t len);
bool ide_dma_pending(IDEBus *b, bool *to_memory, uint32_t *bytes);
void ide_dma_start(IDEBus *b, uint8_t *buf, uint32_t len, IDEDMADone *done, void *opaque);
/* The bus master could not transfer (PRD table too short): ends the command
 * with an error. */
void ide_dma_abort(IDEBus *b);
/* Told when a DMA command becomes pending (so a bus master already started runs). */
void ide_bus_set_dma_notify(IDEBus *b, void (*notify)(void *opaque), void *opaque);

/* --- hw/ide-piix.c: PIIX3 IDE 8086:7010 at 00:01.1, legacy (compatibility)
 * mode: primary 0x1f0-0x1f7/0x3f6 on isa_irq14, secondary 0x170-0x177/0x376
 * on isa_irq15; bus master registers in BAR4 (I/O, 16 bytes). drives[0..3]:
 * primary master, primary slave, secondary master, secondary slave. */
PCIDevice *piix3_ide_new(PCIBus *bus, IOSpace *io, AddressSpace *as, MainLoop *ml,
                         IRQ irq14, IRQ irq15, const IDEDriveConfig drives[4]);
IDEBus *piix3_ide_bus(PCIDevice *d, int channel);

#endif
