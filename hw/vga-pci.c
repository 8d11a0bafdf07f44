/*
 * QEMU's stdvga as a PCI function (vendor 1234, device 1111, class 0300
 * "VGA-compatible controller"): BAR0 is the video memory itself (a RAM
 * region, so that guest framebuffer writes run at memory speed; the renderer
 * finds what changed by comparing pages), BAR2 4 KiB of MMIO with the VGA
 * ports 0x3c0-0x3df at 0x400, the Bochs dispi registers at 0x500 (16-bit, one
 * per index) and QEMU's extended registers at 0x600 (size, framebuffer byte
 * order) that Linux's bochs-drm reads, and an expansion ROM BAR with the VGA
 * BIOS that SeaBIOS copies to 0xC0000 and runs. The EDID block at MMIO
 * offset 0 (hw/vga-edid.c) gives bochs-drm its modes.
 *
 * References: PCI Local Bus Specification 3.0, 6.2.5.1 (BARs) and 6.2.5.2
 * (Expansion ROM Base Address: bit 0 enables decode, the size is probed by
 * writing all ones); Linux drivers/gpu/drm/tiny/bochs.c for the MMIO layout.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/pci.h"
#include "hw/vga.h"

#define MMIO_SIZE 0x1000
#define MMIO_VGA_PORTS 0x400
#define MMIO_DISPI 0x500
#define MMIO_QEXT 0x600
#define QEXT_SIZE 8
#define QEXT_LITTLE_ENDIAN 0x1e1e1e1e
#define ROM_BAR_SIZE 0x10000

typedef struct VGAPCIState {
    PCIDevice pci;
    VGAState *vga;
    MemRegion *rom;
    uint32_t rom_bar_size;
    uint8_t edid[128];
} VGAPCIState;

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

/* BAR0 and the ROM BAR, which the generic bus code does not map (RAM and ROM
 * regions rather than MMIO callbacks). */
static void update_maps(VGAPCIState *v)
{
    const uint8_t *c = v->pci.config;
    bool mem = c[PCI_COMMAND] & PCI_COMMAND_MEMORY;
    uint32_t bar0 = rd32(c + PCI_BASE_ADDRESS_0) & ~15u;
    memory_region_move(v->vga->vram_region, mem && bar0 ? bar0 : UINT64_MAX);
    if (v->rom) {
        uint32_t rom = rd32(c + PCI_ROM_ADDRESS);
        uint32_t addr = rom & ~0x7ffu;
        memory_region_move(v->rom, mem && (rom & 1) && addr ? addr : UINT64_MAX);
    }
}

static void config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size)
{
    if (addr < PCI_BASE_ADDRESS_0 + 4 || (addr < PCI_ROM_ADDRESS + 4 && addr + size > PCI_ROM_ADDRESS)) {
        update_maps((VGAPCIState *)d);
    }
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    VGAPCIState *v = opaque;
    if (off < sizeof(v->edid)) {
        uint64_t r = 0;
        for (unsigned i = 0; i < size && off + i < sizeof(v->edid); i++) {
            r |= (uint64_t)v->edid[off + i] << (8 * i);
        }
        return r;
    }
    if (off >= MMIO_VGA_PORTS && off < MMIO_VGA_PORTS + 0x20) {
        uint64_t r = 0;
        for (unsigned i = 0; i < size; i++) {
            r |= (uint64_t)vga_ioport_read(v->vga, 0x3c0 + off - MMIO_VGA_PORTS + i) << (8 * i);
        }
        return r;
    }
    if (off >= MMIO_DISPI && off < MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB) {
        uint16_t r = vbe_read(v->vga, (off - MMIO_DISPI) / 2);
        return (off & 1) ? r >> 8 : r;
    }
    if (off == MMIO_QEXT) {
        return QEXT_SIZE;
    }
    if (off == MMIO_QEXT + 4) {
        return QEXT_LITTLE_ENDIAN;
    }
    return 0;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    VGAPCIState *v = opaque;
    if (off >= MMIO_VGA_PORTS && off < MMIO_VGA_PORTS + 0x20) {
        for (unsigned i = 0; i < size; i++) {
            vga_ioport_write(v->vga, 0x3c0 + off - MMIO_VGA_PORTS + i, val >> (8 * i));
        }
    } else if (off >= MMIO_DISPI && off < MMIO_DISPI + 2 * VBE_DISPI_INDEX_NB && size >= 2) {
        vbe_write(v->vga, (off - MMIO_DISPI) / 2, val);
    }
    /* the byte-order register stays little-endian: the only order we draw */
}

static const MemOps mmio_ops = { mmio_read, mmio_write };

static void vga_pci_reset(void *dev)
{
    VGAPCIState *v = dev;
    pci_device_reset(&v->pci);
    wr32(v->pci.config + PCI_BASE_ADDRESS_0, 0x08);     /* 32-bit prefetchable memory */
    wr32(v->pci.config + PCI_ROM_ADDRESS, 0);
    update_maps(v);
    vga_reset(v->vga);
}

static void vga_pci_save(void *dev, SaveStream *f)
{
    VGAPCIState *v = dev;
    pci_device_save(&v->pci, f);
    v->vga->dev.ops->save(v->vga, f);
}

static void vga_pci_load(void *dev, SaveStream *f)
{
    VGAPCIState *v = dev;
    pci_device_load(&v->pci, f);
    update_maps(v);
    v->vga->dev.ops->load(v->vga, f);
}

static void vga_pci_free(void *dev)
{
    VGAPCIState *v = dev;
    v->vga->dev.ops->free(v->vga);
    free(v);
}

static const DeviceOps vga_pci_ops = { "VGA", vga_pci_reset, vga_pci_save, vga_pci_load,
                                       vga_pci_free };

VGAState *vga_pci_new(PCIBus *bus, int devfn, AddressSpace *as, IOSpace *io,
                      const void *rom, size_t rom_size)
{
    VGAPCIState *v = calloc(1, sizeof(*v));
    v->vga = vga_new(as, io, VGA_VRAM_SIZE_DEFAULT);
    v->vga->owner = &v->pci.dev;
    pci_device_init(&v->pci, bus, devfn, "vga", 0x1234, 0x1111, 2, 0x030000, 0);
    v->pci.dev.ops = &vga_pci_ops;
    v->pci.config_write = config_write;
    v->pci.config[PCI_SUBSYSTEM_VENDOR_ID] = 0xf4;      /* 1af4:1100, as QEMU's */
    v->pci.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x1a;
    v->pci.config[PCI_SUBSYSTEM_ID + 1] = 0x11;
    wr32(v->pci.wmask + PCI_BASE_ADDRESS_0, ~(VGA_VRAM_SIZE_DEFAULT - 1) & ~15u);
    vga_edid_build(v->edid);
    pci_register_bar(&v->pci, 2, MMIO_SIZE, false, &mmio_ops, v);
    if (rom && rom_size) {
        uint32_t size = ROM_BAR_SIZE;
        while (size < rom_size) {
            size <<= 1;
        }
        v->rom_bar_size = size;
        v->rom = memory_add_rom(as, "vga.rom", UINT64_MAX, size);
        memcpy(memory_region_host(v->rom), rom, rom_size);
        wr32(v->pci.wmask + PCI_ROM_ADDRESS, ~(size - 1) | 1);
    }
    vga_pci_reset(v);
    return v->vga;
}
