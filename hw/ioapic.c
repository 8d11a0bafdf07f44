/*
 * I/O APIC (Intel 82093AA I/O Advanced Programmable Interrupt Controller
 * datasheet, 3.0 "Register description"; the version-0x20 EOI register of later
 * chipsets, e.g. Intel ICH9 datasheet 13.5.5): 24 inputs, each routed through a
 * 64-bit redirection-table entry to the local APICs over the APIC bus.
 *
 * Registers: IOREGSEL at +0x00 selects, IOWIN at +0x10 accesses the indirect
 * registers: 0x00 ID (bits 27:24), 0x01 version (0x00170020: 24 entries, version
 * 0x20 as QEMU reports), 0x02 arbitration ID, 0x10 + 2n / 0x11 + 2n entry n low /
 * high. Entry: vector 7:0, delivery mode 10:8, destination mode 11, delivery
 * status 12 (RO), polarity 13, Remote IRR 14 (RO), trigger mode 15 (1 level),
 * mask 16, destination 63:56.
 */
#include "hw/apic.h"

#include <stdlib.h>

#define IOAPIC_VERSION  0x00170020u
#define RTE_DELIVS      (1ull << 12)
#define RTE_REMOTE_IRR  (1ull << 14)
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_RO_BITS     (RTE_DELIVS | RTE_REMOTE_IRR)
#define RTE_WRITABLE    (0xff00000000000000ull | 0x1afffull)

struct IOAPICState {
    Device dev;
    APICBus *bus;
    MemRegion *mmio;
    uint8_t initial_id;
    uint8_t id;
    uint8_t regsel;
    uint64_t rte[IOAPIC_NUM_PINS];
    uint32_t irr;               /* input levels (bit n: pin n asserted) */
};

static void ioapic_send(IOAPICState *s, int n)
{
    uint64_t e = s->rte[n];
    int dm = (e >> 8) & 7;
    bool level = (e & RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
    apic_bus_deliver(s->bus, e >> 56, (e >> 11) & 1, dm, e & 0xff, level);
}

/* A level entry sends while its input is asserted, unmasked and not waiting for
 * the EOI of the last message (Remote IRR). */
static void ioapic_service_level(IOAPICState *s, int n)
{
    uint64_t e = s->rte[n];
    if ((s->irr >> n & 1) && (e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR))) {
        s->rte[n] |= RTE_REMOTE_IRR;
        ioapic_send(s, n);
    }
}

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IOAPICState *s = opaque;
    if (n < 0 || n >= IOAPIC_NUM_PINS) {
        return;
    }
    uint32_t bit = 1u << n;
    bool old = s->irr & bit;
    s->irr = level ? s->irr | bit : s->irr & ~bit;
    if (s->rte[n] & RTE_LEVEL) {
        ioapic_service_level(s, n);
    } else if (level && !old && !(s->rte[n] & RTE_MASKED)) {
        ioapic_send(s, n);      /* a rising edge; while masked it is lost */
    }
}

IRQ ioapic_irq(IOAPICState *s, int n)
{
    return irq_line(ioapic_set_irq, s, n);
}

void ioapic_eoi(IOAPICState *s, int vector)
{
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        uint64_t e = s->rte[n];
        if ((e & 0xff) == (uint64_t)(vector & 0xff) && (e & RTE_REMOTE_IRR)) {
            s->rte[n] &= ~RTE_REMOTE_IRR;
            ioapic_service_level(s, n);     /* still asserted: once more */
        }
    }
}

static void ioapic_eoi_cb(void *opaque, int vector)
{
    ioapic_eoi(opaque, vector);
}

static uint32_t ioapic_read_reg(IOAPICState *s)
{
    unsigned r = s->regsel;
    switch (r) {
    case 0x00: return (uint32_t)s->id << 24;
    case 0x01: return IOAPIC_VERSION;
    case 0x02: return (uint32_t)s->id << 24;
    }
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(r - 0x10) / 2];
        return r & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0;                   /* reserved registers */
}

static void ioapic_write_reg(IOAPICState *s, uint32_t v)
{
    unsigned r = s->regsel;
    if (r == 0x00) {
        s->id = (v >> 24) & 0xf;
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_NUM_PINS) {
        return;
    }
    int n = (r - 0x10) / 2;
    uint64_t e = s->rte[n];
    uint64_t nv = r & 1 ? (e & 0xffffffffull) | (uint64_t)v << 32
                        : (e & 0xffffffff00000000ull) | v;
    s->rte[n] = (nv & RTE_WRITABLE) | (e & RTE_RO_BITS);
    if (!(s->rte[n] & RTE_LEVEL)) {
        s->rte[n] &= ~RTE_REMOTE_IRR;  /* meaningful for level entries only */
    }
    ioapic_service_level(s, n);        /* e.g. unmasked with the input asserted */
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    IOAPICState *s = opaque;
    if (size < 4) {
        return 0;               /* dword registers (QEMU also reads 0) */
    }
    switch (offset) {
    case 0x00: return s->regsel;
    case 0x10: return ioapic_read_reg(s);
    }
    return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    IOAPICState *s = opaque;
    switch (offset) {
    case 0x00:
        s->regsel = (uint8_t)value;
        break;
    case 0x10:
        if (size >= 4) {
            ioapic_write_reg(s, (uint32_t)value);
        }
        break;
    case 0x40:                                  /* EOI register (version 0x20) */
        ioapic_eoi(s, (int)(value & 0xff));
        break;
    }
    (void)size;
}

static const MemOps ioapic_ops_mmio = { ioapic_mmio_read, ioapic_mmio_write };

static void ioapic_reset(void *dev)
{
    IOAPICState *s = dev;
    s->id = s->initial_id;
    s->regsel = 0;
    s->irr = 0;
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        s->rte[n] = RTE_MASKED;
    }
}

static void ioapic_save(void *dev, SaveStream *f)
{
    IOAPICState *s = dev;
    save_u8(f, s->id);
    save_u8(f, s->regsel);
    save_u32(f, s->irr);
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        save_u64(f, s->rte[n]);
    }
}

static void ioapic_load(void *dev, SaveStream *f)
{
    IOAPICState *s = dev;
    s->id = load_u8(f);
    s->regsel = load_u8(f);
    s->irr = load_u32(f);
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        s->rte[n] = load_u64(f);
    }
}

static void ioapic_free(void *dev)
{
    IOAPICState *s = dev;
    memory_region_remove(s->mmio);
    free(s);
}

static const DeviceOps ioapic_dev_ops = {
    .name = "ioapic", .reset = ioapic_reset, .save = ioapic_save, .load = ioapic_load,
    .free = ioapic_free,
};

IOAPICState *ioapic_new(AddressSpace *as, APICBus *bus, uint8_t id)
{
    IOAPICState *s = calloc(1, sizeof(*s));
    s->dev.ops = &ioapic_dev_ops;
    s->bus = bus;
    s->initial_id = id;
    s->mmio = memory_add_mmio(as, "ioapic", IOAPIC_DEFAULT_BASE, 0x1000, &ioapic_ops_mmio,
                              s, APIC_MMIO_PRIORITY);
    apic_bus_add_eoi_listener(bus, ioapic_eoi_cb, s);
    ioapic_reset(s);
    return s;
}

Device *ioapic_device(IOAPICState *s)
{
    return &s->dev;
}
