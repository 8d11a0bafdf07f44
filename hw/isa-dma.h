/*
 * ISA DMA and the devices that use it: the 8237A pair (hw/i8237.c) and the
 * floppy disk controller (hw/fdc.c, an 82078 in PC-AT mode at 0x3F0-0x3F7 on
 * IRQ 6 and DMA channel 2).
 */
#ifndef HW_ISA_DMA_H
#define HW_ISA_DMA_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block.h"
#include "hw/device.h"
#include "hw/irq.h"
#include "system/memory.h"

typedef struct I8237State I8237State;
I8237State *i8237_new(IOSpace *io, AddressSpace *as);
/* Moves up to len bytes between buf and memory on channel (0-7) as its mode
 * says (a "write" transfer fills memory from buf, a "read" fills buf); returns
 * the bytes moved (0 when the channel is masked); *tc at terminal count. */
uint32_t i8237_transfer(I8237State *s, int channel, uint8_t *buf, uint32_t len, bool *tc);

/* Floppy drives A and B: an image (NULL: no disk) read-only or not. */
typedef struct FDCDriveConfig {
    BlockDriverState *bs;
    bool read_only;
    struct DriveStats *stats;      /* the monitor's accounting (system/drive-stats.h), or NULL */
} FDCDriveConfig;
typedef struct FDCState FDCState;
FDCState *fdc_new(IOSpace *io, IRQ irq6, I8237State *dma, const FDCDriveConfig drives[2]);
/* The CMOS drive types (register 0x10: A in bits 7-4, B in 3-0; 4 = 1.44 MB). */
uint8_t fdc_cmos_types(const FDCState *s);
/* The monitor's change (bs) and eject (NULL) of drive unit's disk; the disk in it. */
void fdc_change(FDCState *s, int unit, BlockDriverState *bs, bool read_only);
BlockDriverState *fdc_medium(FDCState *s, int unit);

#endif
