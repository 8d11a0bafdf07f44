/*
 * The PIIX3 PCI-to-ISA bridge (8086:7000) at 00:01.0 (Intel 82371SB PIIX3
 * datasheet): PIRQ route control registers 0x60-0x63 (bit 7 disables routing,
 * bits 3:0 the ISA IRQ), the reset control register at I/O port 0xCF9 (bit 2
 * RST_CPU starts a reset, bit 1 SYS_RST its kind). The ELCR (0x4D0/0x4D1) is
 * the PIC's. The IDE function is not modelled.
 *
 * PIRQ A-D drive the ISA IRQ lines their route registers name (never 0-2, 8, 13,
 * which the datasheet reserves) and, when the machine wires them, I/O APIC pins
 * 16-19 directly (the ACPI tables route through the registers, as QEMU's do).
 */
#include <stdlib.h>
#include "hw/pci.h"

enum { PIIX_PIRQC = 0x60, PIIX_ROUTE_DISABLE = 0x80 };

typedef struct PIIX3State {
    PCIDevice pci;
    MainLoop *ml;
    IRQ isa_irq[16];
    IRQ ioapic_pirq[4];
    bool have_ioapic;
    uint8_t pirq_level;       /* bit n: PIRQ n asserted */
    uint16_t isa_driven;      /* ISA IRQs this bridge currently asserts */
    uint8_t rcr;
} PIIX3State;

static bool routable(int irq)
{
    return irq >= 3 && irq != 8 && irq != 13 && irq < 16;
}

static void update_isa(PIIX3State *s)
{
    uint16_t want = 0;
    for (int n = 0; n < 4; n++) {
        uint8_t r = s->pci.config[PIIX_PIRQC + n];
        if ((s->pirq_level >> n & 1) && !(r & PIIX_ROUTE_DISABLE) && routable(r & 15)) {
            want |= 1u << (r & 15);
        }
    }
    uint16_t changed = want ^ s->isa_driven;
    s->isa_driven = want;
    for (int i = 0; i < 16; i++) {
        if (changed >> i & 1) {
            irq_set(&s->isa_irq[i], want >> i & 1);
        }
    }
}

static void piix3_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;
    if (level) {
        s->pirq_level |= 1u << pirq;
    } else {
        s->pirq_level &= ~(1u << pirq);
    }
    if (s->have_ioapic) {
        irq_set(&s->ioapic_pirq[pirq], level);
    }
    update_isa(s);
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size)
{
    (void)val;
    if (addr < PIIX_PIRQC + 4 && addr + size > PIIX_PIRQC) {
        update_isa((PIIX3State *)d);
    }
}

static uint64_t rcr_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off, (void)size;
    return ((PIIX3State *)opaque)->rcr;
}

static void rcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PIIX3State *s = opaque;
    (void)off, (void)size;
    if (val & 4) {
        main_loop_request(s->ml, REQ_RESET, 0);
    }
    s->rcr = val & 2;
}

static const MemOps rcr_ops = { rcr_read, rcr_write };

static void piix3_reset(void *opaque)
{
    PIIX3State *s = opaque;
    uint8_t *c = s->pci.config;
    pci_device_reset(&s->pci);
    c[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    c[PCI_STATUS] = 0x00;
    c[PCI_STATUS + 1] = 0x02;             /* DEVSEL medium */
    c[0x4c] = 0x4d;                       /* IORT */
    for (int n = 0; n < 4; n++) {
        c[PIIX_PIRQC + n] = PIIX_ROUTE_DISABLE;
    }
    c[0x69] = 0x02;                       /* TOM */
    c[0x70] = 0x80;                       /* MBIRQ0 */
    c[0x76] = 0x0c;
    c[0x77] = 0x0c;                       /* MBDMA */
    c[0x78] = 0x02;
    c[0x79] = 0x00;
    c[0xa0] = 0x08;                       /* SMI control */
    c[0xa8] = 0x0f;
    s->rcr = 0;
    update_isa(s);
}

static void piix3_save(void *opaque, SaveStream *ss)
{
    PIIX3State *s = opaque;
    pci_device_save(&s->pci, ss);
    save_u8(ss, s->pirq_level);
    save_u16(ss, s->isa_driven);
    save_u8(ss, s->rcr);
}

static void piix3_load(void *opaque, SaveStream *ss)
{
    PIIX3State *s = opaque;
    pci_device_load(&s->pci, ss);
    s->pirq_level = load_u8(ss) & 15;
    s->isa_driven = load_u16(ss);
    s->rcr = load_u8(ss) & 2;
}

static void piix3_free(void *opaque)
{
    free(opaque);
}

static const DeviceOps piix3_ops = {
    .name = "PIIX3", .reset = piix3_reset, .save = piix3_save, .load = piix3_load,
    .free = piix3_free,
};

PCIDevice *piix3_new(PCIBus *bus, MainLoop *ml, const IRQ *isa_irq, const IRQ *ioapic_pirq)
{
    PIIX3State *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->pci.dev.ops = &piix3_ops;
    s->ml = ml;
    for (int i = 0; i < 16; i++) {
        s->isa_irq[i] = isa_irq[i];
    }
    if (ioapic_pirq) {
        s->have_ioapic = true;
        for (int n = 0; n < 4; n++) {
            s->ioapic_pirq[n] = ioapic_pirq[n];
        }
    }
    pci_device_init(&s->pci, bus, PCI_DEVFN(1, 0), "PIIX3", 0x8086, 0x7000, 0x00,
                    0x060100, 0x80);
    s->pci.config_write = piix3_config_write;
    for (int a = 0x40; a < 0x100; a++) {
        s->pci.wmask[a] = 0xff;
    }
    for (int n = 0; n < 4; n++) {
        s->pci.wmask[PIIX_PIRQC + n] = 0x8f;
    }
    pci_bus_set_pirq_handler(bus, piix3_pirq, s);
    pci_bus_set_cf9_handler(bus, &rcr_ops, s);
    piix3_reset(s);
    return &s->pci;
}
