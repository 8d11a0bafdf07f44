/*
 * The standard VGA (IBM VGA register set) with the Bochs VBE "dispi"
 * extension, as QEMU's `-vga std`: the core (hw/vga.c) owns the video memory,
 * the legacy ports 0x3b0-0x3df, the 0xA0000-0xBFFFF window and the dispi
 * ports 0x1ce/0x1cf; the PCI function 1234:1111 (hw/vga-pci.c) puts the video
 * memory on BAR0, the registers on the MMIO BAR2 and the VGA BIOS on its
 * expansion ROM BAR.
 *
 * Video memory layout (the one Bochs and QEMU use, so that the VBE linear
 * framebuffer, the banked window and the planar view agree): byte 4*o + p is
 * offset o of plane p. Chain-4 host address a reaches plane a&3 at offset
 * a>>2 (= vram[a]); odd/even host address a reaches plane a&1 (with the read
 * map's bit 1) at offset a>>1; planar mode reaches offset a of all planes. The
 * CRT controller's address counter is a plane offset (no word/dword shift).
 *
 * The renderer (ui/vga-render.c) reads the registers below directly.
 *
 * References: IBM VGA Technical Reference (registers, write modes 0-3, read
 * modes 0-1); FreeVGA "VGA/SVGA Video Programming" register pages; the Bochs
 * VBE interface (vbe_display_api.txt: ports 0x1ce/0x1cf, VBE_DISPI_* indexes).
 */
#ifndef HW_VGA_H
#define HW_VGA_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/device.h"
#include "system/memory.h"

#define VGA_VRAM_SIZE_DEFAULT (16u << 20)   /* QEMU's vgamem_mb=16 */

/* Bochs dispi register indexes (port 0x1ce) */
enum {
    VBE_DISPI_INDEX_ID, VBE_DISPI_INDEX_XRES, VBE_DISPI_INDEX_YRES, VBE_DISPI_INDEX_BPP,
    VBE_DISPI_INDEX_ENABLE, VBE_DISPI_INDEX_BANK, VBE_DISPI_INDEX_VIRT_WIDTH,
    VBE_DISPI_INDEX_VIRT_HEIGHT, VBE_DISPI_INDEX_X_OFFSET, VBE_DISPI_INDEX_Y_OFFSET,
    VBE_DISPI_INDEX_VIDEO_MEMORY_64K, VBE_DISPI_INDEX_NB
};
enum {
    VBE_DISPI_ENABLED = 0x01, VBE_DISPI_GETCAPS = 0x02, VBE_DISPI_8BIT_DAC = 0x20,
    VBE_DISPI_LFB_ENABLED = 0x40, VBE_DISPI_NOCLEARMEM = 0x80,
};
#define VBE_DISPI_ID5 0xB0C5
#define VBE_DISPI_MAX_XRES 16000
#define VBE_DISPI_MAX_YRES 12000
#define VBE_DISPI_MAX_BPP 32

typedef struct VGAState {
    Device dev;
    uint8_t *vram;
    uint32_t vram_size;
    MemRegion *vram_region;         /* RAM, unmapped until a PCI BAR places it */
    /* general registers */
    uint8_t misc;                   /* 0x3c2 write, 0x3cc read */
    uint8_t fcr;                    /* feature control */
    uint8_t st01;                   /* input status 1 (retrace bits toggle per read) */
    /* sequencer, graphics controller, CRT controller, attribute controller */
    uint8_t sr_index, sr[8];
    uint8_t gr_index, gr[16];
    uint8_t cr_index, cr[256];
    uint8_t ar_index, ar[0x15];
    bool ar_flip;                   /* false: next 0x3c0 write is an index */
    /* DAC */
    uint8_t pel_mask;
    uint8_t dac_read_index, dac_write_index, dac_sub, dac_state;
    uint8_t dac_cache[3];
    uint8_t palette[768];           /* 6-bit (or 8-bit with VBE_DISPI_8BIT_DAC) R,G,B */
    uint32_t latch;                 /* plane p in bits 8p..8p+7 */
    /* Bochs VBE */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_start;             /* byte offset of the visible frame */
    uint32_t vbe_line_offset;       /* bytes per virtual line */
    /* bumped by any register write the picture depends on (the renderer's
     * cue for a full redraw) */
    uint32_t generation;
    Device *owner;                  /* the PCI function wrapping it, if any */
} VGAState;

/* The core: allocates the video memory (an unmapped RAM region of as) and
 * claims the legacy ports, the dispi ports and the 0xA0000 window (priority 2). */
VGAState *vga_new(AddressSpace *as, IOSpace *io, uint32_t vram_size);
void vga_reset(VGAState *s);
/* Register access as through the I/O ports (the PCI MMIO BAR reuses these). */
uint8_t vga_ioport_read(VGAState *s, uint16_t port);
void vga_ioport_write(VGAState *s, uint16_t port, uint8_t val);
uint16_t vbe_read(VGAState *s, uint16_t index);
void vbe_write(VGAState *s, uint16_t index, uint16_t val);
/* Legacy window access; addr is relative to 0xA0000. */
uint8_t vga_mem_read(VGAState *s, uint32_t addr);
void vga_mem_write(VGAState *s, uint32_t addr, uint8_t val);
static inline bool vbe_enabled(const VGAState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

/* QEMU's stdvga PCI function 1234:1111 at devfn: BAR0 the video memory
 * (prefetchable), BAR2 4 KiB of MMIO (0x000 the EDID block, 0x400 VGA ports 0x3c0-0x3df, 0x500 the
 * dispi registers, 0x600 QEMU's extended registers), the expansion ROM BAR
 * holding rom (the VGA BIOS, may be NULL). */
struct PCIBus;
/* the EDID 1.4 block at MMIO offset 0 (hw/vga-edid.c): preferred 1280x800 */
void vga_edid_build(uint8_t edid[128]);
VGAState *vga_pci_new(struct PCIBus *bus, int devfn, AddressSpace *as, IOSpace *io,
                      const void *rom, size_t rom_size);

#endif
