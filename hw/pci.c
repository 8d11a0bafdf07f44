/*
 * The PCI bus: configuration mechanism #1 and the generic configuration header
 * (PCI Local Bus Specification 3.0, 3.2.2.3.2 and ch. 6): CONFIG_ADDRESS at
 * 0xCF8 (bit 31 enable, bus 23:16, device 15:11, function 10:8, register 7:2),
 * CONFIG_DATA at 0xCFC-0xCFF; BAR sizing and decoding (6.2.5.1) gated by the
 * command register; INTx pins swizzled onto four PIRQ lines.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/pci.h"

struct PCIBus {
    IOSpace *io;
    AddressSpace *as;
    uint32_t config_address;
    PCIDevice *devs[256];
    uint8_t asserted[256];          /* INTx as seen on the bus (after INTX_DISABLE) */
    int pirq_count[4];
    void (*pirq_handler)(void *opaque, int pirq, int level);
    void *pirq_opaque;
    const MemOps *cf9_ops;
    void *cf9_opaque;
};

static uint32_t rd_le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint32_t)p[i] << (8 * i);
    }
    return v;
}

/* --- config access through the bus --- */

uint32_t pci_config_read(PCIBus *bus, int devfn, uint32_t addr, unsigned size)
{
    PCIDevice *d = bus->devs[devfn & 0xff];
    if (!d || addr + size > 256) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return d->config_read ? d->config_read(d, addr, size)
                          : pci_default_config_read(d, addr, size);
}

void pci_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t val, unsigned size)
{
    PCIDevice *d = bus->devs[devfn & 0xff];
    if (!d || addr + size > 256) {
        return;
    }
    pci_default_config_write(d, addr, val, size);
    if (d->config_write) {
        d->config_write(d, addr, val, size);
    }
}

/* The device CONFIG_ADDRESS selects, or -1 (disabled, or a bus other than 0). */
static int selected_devfn(PCIBus *bus)
{
    uint32_t a = bus->config_address;
    if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0) {
        return -1;
    }
    return (a >> 8) & 0xff;
}

static uint64_t cfg_port_read(void *opaque, uint64_t off, unsigned size)
{
    PCIBus *bus = opaque;
    if (off == 0 && size == 4) {
        return bus->config_address;
    }
    if (off == 1 && size == 1 && bus->cf9_ops) {
        return bus->cf9_ops->read(bus->cf9_opaque, 0, 1);
    }
    if (off >= 4) {
        int devfn = selected_devfn(bus);
        uint32_t reg = (bus->config_address & 0xfc) + (off - 4);
        if (devfn >= 0 && off - 4 + size <= 4) {
            return pci_config_read(bus, devfn, reg, size);
        }
    }
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void cfg_port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PCIBus *bus = opaque;
    if (off == 0 && size == 4) {
        bus->config_address = (uint32_t)val & 0x80fffffcu;
    } else if (off == 1 && size == 1) {
        if (bus->cf9_ops) {
            bus->cf9_ops->write(bus->cf9_opaque, 0, val, 1);
        }
    } else if (off >= 4 && off - 4 + size <= 4) {
        int devfn = selected_devfn(bus);
        if (devfn >= 0) {
            pci_config_write(bus, devfn, (bus->config_address & 0xfc) + (off - 4),
                             (uint32_t)val, size);
        }
    }
}

static const MemOps cfg_port_ops = { cfg_port_read, cfg_port_write };

PCIBus *pci_bus_new(IOSpace *io, AddressSpace *as)
{
    PCIBus *bus = calloc(1, sizeof(*bus));
    if (!bus) {
        abort();
    }
    bus->io = io;
    bus->as = as;
    ioport_register(io, "pci-conf", 0xcf8, 8, &cfg_port_ops, bus);
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    free(bus);
}

PCIDevice *pci_bus_find(PCIBus *bus, int devfn)
{
    return bus->devs[devfn & 0xff];
}

void pci_bus_set_pirq_handler(PCIBus *bus, void (*handler)(void *, int, int), void *opaque)
{
    bus->pirq_handler = handler;
    bus->pirq_opaque = opaque;
}

void pci_bus_set_cf9_handler(PCIBus *bus, const MemOps *ops, void *opaque)
{
    bus->cf9_ops = ops;
    bus->cf9_opaque = opaque;
}

/* --- BARs --- */

static uint64_t bar_address(PCIDevice *d, int i)
{
    PCIBar *b = &d->bars[i];
    uint16_t cmd = rd_le(d->config + PCI_COMMAND, 2);
    uint32_t v = rd_le(d->config + PCI_BASE_ADDRESS_0 + 4 * i, 4);
    uint64_t addr;
    if (b->io) {
        addr = v & ~3u;
        if (!(cmd & PCI_COMMAND_IO) || addr == 0 || addr + b->size > 0x10000) {
            return UINT64_MAX;
        }
    } else {
        addr = v & ~15u;
        if (!(cmd & PCI_COMMAND_MEMORY) || addr == 0 || addr + b->size > (1ull << 32)) {
            return UINT64_MAX;
        }
    }
    return addr;
}

static void bar_map(PCIDevice *d, int i, uint64_t addr)
{
    PCIBar *b = &d->bars[i];
    if (addr == b->mapped) {
        return;
    }
    if (b->io) {
        if (b->mapped != UINT64_MAX) {
            ioport_unregister(d->bus->io, b->mapped, b->size);
        }
        if (addr != UINT64_MAX) {
            ioport_register(d->bus->io, d->name, addr, b->size, b->ops, b->opaque);
        }
    } else if (b->region) {
        memory_region_move(b->region, addr);
    } else if (addr != UINT64_MAX) {
        b->region = memory_add_mmio(d->bus->as, d->name, addr, b->size, b->ops, b->opaque, 1);
    }
    b->mapped = addr;
}

static void update_bars(PCIDevice *d)
{
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (d->bars[i].size) {
            bar_map(d, i, bar_address(d, i));
        }
    }
}

void pci_register_bar(PCIDevice *d, int bar, uint64_t size, bool io,
                      const MemOps *ops, void *opaque)
{
    PCIBar *b = &d->bars[bar];
    uint32_t mask = io ? ~(uint32_t)(size - 1) & ~3u : ~(uint32_t)(size - 1) & ~15u;
    int off = PCI_BASE_ADDRESS_0 + 4 * bar;
    b->size = size;
    b->io = io;
    b->ops = ops;
    b->opaque = opaque;
    b->mapped = UINT64_MAX;
    for (int i = 0; i < 4; i++) {
        d->wmask[off + i] = mask >> (8 * i);
    }
    d->config[off] = io ? 1 : 0;    /* memory BARs: 32-bit, not prefetchable */
}

/* --- INTx --- */

static void update_irq(PCIDevice *d)
{
    PCIBus *bus = d->bus;
    uint16_t cmd = rd_le(d->config + PCI_COMMAND, 2);
    int pin = d->config[PCI_INTERRUPT_PIN];
    int level = d->irq_level && !(cmd & PCI_COMMAND_INTX_DISABLE) && pin >= 1 && pin <= 4;
    if (level == bus->asserted[d->devfn]) {
        return;
    }
    bus->asserted[d->devfn] = level;
    int pirq = ((d->devfn >> 3) + pin - 1) & 3;
    int before = bus->pirq_count[pirq] > 0;
    bus->pirq_count[pirq] += level ? 1 : -1;
    int after = bus->pirq_count[pirq] > 0;
    if (before != after && bus->pirq_handler) {
        bus->pirq_handler(bus->pirq_opaque, pirq, after);
    }
}

void pci_set_irq(PCIDevice *d, int level)
{
    d->irq_level = level != 0;
    if (level) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    update_irq(d);
}

/* --- default config space --- */

uint32_t pci_default_config_read(PCIDevice *d, uint32_t addr, unsigned size)
{
    return rd_le(d->config + addr, size);
}

void pci_default_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size)
{
    bool bars = false;
    for (unsigned i = 0; i < size; i++) {
        uint32_t a = addr + i;
        uint8_t v = val >> (8 * i);
        d->config[a] = (d->config[a] & ~d->wmask[a]) | (v & d->wmask[a]);
        d->config[a] &= ~(v & d->w1cmask[a]);
        bars |= (a >= PCI_COMMAND && a < PCI_COMMAND + 2) ||
                (a >= PCI_BASE_ADDRESS_0 && a < PCI_BASE_ADDRESS_0 + 24);
    }
    if (bars) {
        update_bars(d);
        update_irq(d);
    }
}

static void wr_le(uint8_t *p, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
}

void pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, uint8_t header_type)
{
    d->bus = bus;
    d->devfn = devfn;
    d->name = name;
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    wr_le(d->config + PCI_VENDOR_ID, vendor, 2);
    wr_le(d->config + PCI_DEVICE_ID, device, 2);
    d->config[PCI_REVISION_ID] = revision;
    wr_le(d->config + PCI_CLASS_PROG, class_code, 3);
    d->config[PCI_HEADER_TYPE] = header_type;
    /* command: I/O, memory, master, INTx disable; status: the error bits are RW1C */
    wr_le(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
          PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
    wr_le(d->w1cmask + PCI_STATUS, 0xf900, 2);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        d->bars[i].mapped = UINT64_MAX;
    }
    bus->devs[devfn & 0xff] = d;
}

void pci_device_reset(PCIDevice *d)
{
    wr_le(d->config + PCI_COMMAND, 0, 2);
    d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    d->config[PCI_STATUS + 1] = 0;
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        if (d->bars[i].size) {
            uint8_t *p = d->config + PCI_BASE_ADDRESS_0 + 4 * i;
            wr_le(p, d->bars[i].io ? 1 : 0, 4);
        }
    }
    d->irq_level = 0;
    update_bars(d);
    update_irq(d);
}

void pci_device_save(PCIDevice *d, SaveStream *s)
{
    save_bytes(s, d->config, sizeof(d->config));
    save_u8(s, d->irq_level);
}

void pci_device_load(PCIDevice *d, SaveStream *s)
{
    load_bytes(s, d->config, sizeof(d->config));
    d->irq_level = load_u8(s) != 0;
    update_bars(d);
    update_irq(d);
}
