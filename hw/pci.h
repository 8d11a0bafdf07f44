/*
 * PCI: configuration space, one bus (bus 0) reached through configuration
 * mechanism #1 (CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF), BARs and
 * INTx interrupts, plus the chipset functions of QEMU's "pc" machine:
 * the i440FX host bridge (00:00.0) and the PIIX3 PCI-to-ISA bridge (00:01.0).
 *
 * References: PCI Local Bus Specification 3.0, ch. 3.2.2.3.2 (mechanism #1),
 * ch. 6 (configuration header); Intel 82441FX PMC datasheet (PAM registers);
 * Intel 82371SB PIIX3 datasheet (PIRQ route control 0x60-0x63, reset control
 * register 0xCF9).
 */
#ifndef HW_PCI_H
#define HW_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/device.h"
#include "hw/irq.h"
#include "system/memory.h"
#include "system/main-loop.h"

/* Configuration header offsets (PCI 3.0, 6.1). */
enum {
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06, PCI_REVISION_ID = 0x08, PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a, PCI_CACHE_LINE_SIZE = 0x0c, PCI_LATENCY_TIMER = 0x0d,
    PCI_HEADER_TYPE = 0x0e, PCI_BASE_ADDRESS_0 = 0x10, PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e, PCI_ROM_ADDRESS = 0x30, PCI_CAPABILITY_LIST = 0x34,
    PCI_INTERRUPT_LINE = 0x3c, PCI_INTERRUPT_PIN = 0x3d,
};
enum { PCI_COMMAND_IO = 1, PCI_COMMAND_MEMORY = 2, PCI_COMMAND_MASTER = 4,
       PCI_COMMAND_INTX_DISABLE = 0x400 };
enum { PCI_STATUS_INTERRUPT = 0x08 };
#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))
#define PCI_NUM_BARS 6

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* One base address register. The device gives size (a power of two) and the
 * callbacks; the bus maps it where the guest programs it, when the command
 * register enables its space. */
typedef struct PCIBar {
    uint64_t size;              /* 0: BAR not implemented */
    bool io;                    /* I/O space, else 32-bit memory space */
    const MemOps *ops;
    void *opaque;
    uint64_t mapped;            /* current address, UINT64_MAX when unmapped */
    MemRegion *region;          /* memory BARs: the MMIO region once created */
} PCIBar;

/* A PCI function. A device's state struct starts with a PCIDevice (which starts
 * with the Device). config holds the 256-byte header; wmask the bits the guest
 * may write, w1cmask the bits a written 1 clears. */
struct PCIDevice {
    Device dev;
    PCIBus *bus;
    int devfn;
    const char *name;
    uint8_t config[256];
    uint8_t wmask[256];
    uint8_t w1cmask[256];
    PCIBar bars[PCI_NUM_BARS];
    int irq_level;              /* INTx as the device drives it */
    /* Optional hooks: config_read replaces the default read; config_write is
     * called after the default write updated config[] (and the BARs). */
    uint32_t (*config_read)(PCIDevice *d, uint32_t addr, unsigned size);
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size);
};

/* The bus: claims ports 0xCF8-0xCFF on io; memory BARs map into as. */
PCIBus *pci_bus_new(IOSpace *io, AddressSpace *as);
void pci_bus_free(PCIBus *bus);
PCIDevice *pci_bus_find(PCIBus *bus, int devfn);
/* Receives the 4 PIRQ lines (A-D): INTx of the device in slot s with pin p
 * (1=INTA..4=INTD) drives PIRQ (s + p - 1) & 3, as PIIX-based boards wire them. */
void pci_bus_set_pirq_handler(PCIBus *bus, void (*handler)(void *opaque, int pirq, int level),
                              void *opaque);
/* Byte accesses to port 0xCF9 (inside CONFIG_ADDRESS's dword) go here (PIIX3 RCR). */
void pci_bus_set_cf9_handler(PCIBus *bus, const MemOps *ops, void *opaque);

/* For device implementations. */
void pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code /* class << 16 | subclass << 8 | prog-if */,
                     uint8_t header_type);
void pci_device_reset(PCIDevice *d);   /* command/status/BARs to power-on values */
void pci_register_bar(PCIDevice *d, int bar, uint64_t size, bool io,
                      const MemOps *ops, void *opaque);
void pci_set_irq(PCIDevice *d, int level);           /* drives INTx (config INTERRUPT_PIN) */
uint32_t pci_default_config_read(PCIDevice *d, uint32_t addr, unsigned size);
void pci_default_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size);
void pci_device_save(PCIDevice *d, SaveStream *s);
void pci_device_load(PCIDevice *d, SaveStream *s);
/* Direct config access as mechanism #1 would do it (tests, machine set-up). */
uint32_t pci_config_read(PCIBus *bus, int devfn, uint32_t addr, unsigned size);
void pci_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t val, unsigned size);

/* i440FX host bridge 8086:1237 at 00:00.0. pam (optional) is told when the guest
 * changes a PAM register: the range [start, start + size) in 0xC0000-0xFFFFF is now
 * read from RAM (read_ram) and/or writable (write_ram); NULL keeps the BIOS area
 * as the machine mapped it. */
typedef void PAMHandler(void *opaque, uint32_t start, uint32_t size, bool read_ram,
                        bool write_ram);
PCIDevice *i440fx_new(PCIBus *bus, PAMHandler *pam, void *pam_opaque);

/* PIIX3 ISA bridge 8086:7000 at 00:01.0. PIRQ A-D are routed by the route
 * registers 0x60-0x63 to isa_irq[0..15] (the machine's IRQ lines feeding the PIC
 * and the I/O APIC pins 0-15; the ACPI link devices LNKA-D program them), and
 * also drive ioapic_pirq[0..3] (I/O APIC pins 16-19 as on boards wired that way;
 * the tables do not use them; NULL: none). Port 0xCF9 resets the machine
 * (main_loop_request(REQ_RESET)). */
PCIDevice *piix3_new(PCIBus *bus, MainLoop *ml, const IRQ *isa_irq /* [16] */,
                     const IRQ *ioapic_pirq /* [4] or NULL */);

#endif
