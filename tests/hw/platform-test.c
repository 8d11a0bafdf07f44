/*
 * Unit test of the PC platform devices (hw/pci.c, i440fx.c, piix.c, acpi-pm.c,
 * fw_cfg.c, acpi-tables.c) against the PCI, ACPI and fw_cfg specifications,
 * driven through the I/O ports as a BIOS or an OS does. Writes the built ACPI
 * tables to the folder given as argv[1] (for iasl). Ends with "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/acpi.h"
#include "hw/fw_cfg.h"
#include "hw/pci.h"
#include "tests/hw/fake-system.h"

static int passed, failed;

#define CHECK(cond, ...) do { if (cond) { passed++; } else { failed++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

typedef struct World {
    AddressSpace *as;
    IOSpace *io;
    MainLoop *ml;
    PCIBus *bus;
    PCIDevice *host, *isa, *pm;
    FWCfgState *fw;
    int isa_level[16], ioapic_level[4], sci_level;
    int pam_calls;
} World;

static void isa_irq_handler(void *opaque, int n, int level)
{
    ((World *)opaque)->isa_level[n] = level;
}

static void ioapic_handler(void *opaque, int n, int level)
{
    ((World *)opaque)->ioapic_level[n] = level;
}

static void sci_handler(void *opaque, int n, int level)
{
    ((World *)opaque)->sci_level = level;
}

static void pam_handler(void *opaque, uint32_t start, uint32_t size, bool r, bool w)
{
    ((World *)opaque)->pam_calls++;
}

static uint32_t cfg_read(World *w, int dev, int fn, int reg, unsigned size)
{
    ioport_write(w->io, 0xcf8, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc), 4);
    return ioport_read(w->io, 0xcfc + (reg & 3), size);
}

static void cfg_write(World *w, int dev, int fn, int reg, uint32_t v, unsigned size)
{
    ioport_write(w->io, 0xcf8, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc), 4);
    ioport_write(w->io, 0xcfc + (reg & 3), v, size);
}

static void world_init(World *w)
{
    IRQ isa[16], pirq[4];
    memset(w, 0, sizeof(*w));
    w->as = address_space_new();
    w->io = io_space_new();
    w->ml = main_loop_new();
    for (int i = 0; i < 16; i++) {
        isa[i] = irq_line(isa_irq_handler, w, i);
    }
    for (int i = 0; i < 4; i++) {
        pirq[i] = irq_line(ioapic_handler, w, i);
    }
    w->bus = pci_bus_new(w->io, w->as);
    w->host = i440fx_new(w->bus, pam_handler, w);
    w->isa = piix3_new(w->bus, w->ml, isa, pirq);
    w->pm = acpi_pm_new(w->bus, PCI_DEVFN(1, 3), w->io, w->ml, irq_line(sci_handler, w, 0));
    w->fw = fw_cfg_new(w->io, w->as);
}

/* --- PCI --- */

/* Enumerates bus 0 as a BIOS does: function 0 of each slot, functions 1-7 when
 * the header type says multi-function. */
static void test_enumeration(World *w)
{
    uint32_t found[8];
    int n = 0;
    for (int dev = 0; dev < 32; dev++) {
        int nfn = 1;
        for (int fn = 0; fn < nfn; fn++) {
            uint32_t id = cfg_read(w, dev, fn, 0, 4);
            if ((id & 0xffff) == 0xffff) {
                continue;
            }
            if (fn == 0 && (cfg_read(w, dev, 0, PCI_HEADER_TYPE, 1) & 0x80)) {
                nfn = 8;
            }
            if (n < 8) {
                found[n++] = (uint32_t)(dev << 3 | fn) << 16 | (id >> 16);
            }
        }
    }
    CHECK(n == 3, "found %d functions", n);
    CHECK(n >= 3 && found[0] == (0x00u << 16 | 0x1237) && found[1] == (0x08u << 16 | 0x7000)
          && found[2] == (0x0bu << 16 | 0x7113), "enumeration order/ids");
    CHECK(cfg_read(w, 0, 0, 0, 4) == 0x12378086, "i440fx id");
    CHECK(cfg_read(w, 1, 0, 0, 4) == 0x70008086, "piix3 id");
    CHECK(cfg_read(w, 1, 3, 0, 4) == 0x71138086, "piix4 pm id");
    CHECK(cfg_read(w, 0, 0, 8, 4) == 0x06000002, "host class/rev %08x", cfg_read(w, 0, 0, 8, 4));
    CHECK(cfg_read(w, 1, 0, 8, 4) == 0x06010000, "isa class/rev");
    CHECK(cfg_read(w, 1, 3, 8, 4) == 0x06800003, "pm class/rev");
    CHECK(cfg_read(w, 1, 0, PCI_HEADER_TYPE, 1) == 0x80, "piix3 multi-function");
    CHECK(cfg_read(w, 0, 0, PCI_HEADER_TYPE, 1) == 0x00, "host header type");
    CHECK(cfg_read(w, 1, 3, PCI_INTERRUPT_PIN, 1) == 1, "pm INTA");
    CHECK(cfg_read(w, 0, 0, 2, 2) == 0x1237 && cfg_read(w, 0, 0, 1, 1) == 0x80,
          "word/byte config reads");
    CHECK(cfg_read(w, 2, 0, 0, 4) == 0xffffffff, "empty slot reads all-ones");
    CHECK(cfg_read(w, 1, 1, 0, 2) == 0xffff, "absent function");
    ioport_write(w->io, 0xcf8, 0x80010000, 4);    /* bus 1 */
    CHECK(ioport_read(w->io, 0xcfc, 4) == 0xffffffff, "bus 1 is empty");
    ioport_write(w->io, 0xcf8, 0x80000804, 4);
    CHECK(ioport_read(w->io, 0xcf8, 4) == 0x80000804, "CONFIG_ADDRESS reads back");
    ioport_write(w->io, 0xcf8, 0x00000000, 4);    /* enable bit clear */
    CHECK(ioport_read(w->io, 0xcfc, 4) == 0xffffffff, "disabled CONFIG_ADDRESS");
    cfg_write(w, 0, 0, 0, 0xffffffff, 4);
    CHECK(cfg_read(w, 0, 0, 0, 4) == 0x12378086, "ids are read-only");
    cfg_write(w, 0, 0, PCI_INTERRUPT_LINE, 0xab, 1);
    CHECK(cfg_read(w, 0, 0, PCI_INTERRUPT_LINE, 1) == 0xab, "interrupt line is RW");
    /* PAM: PAM0 holds only the 0xF0000 nibble */
    int calls = w->pam_calls;
    cfg_write(w, 0, 0, 0x59, 0xff, 1);
    cfg_write(w, 0, 0, 0x5a, 0xff, 1);
    CHECK(cfg_read(w, 0, 0, 0x59, 1) == 0x30 && cfg_read(w, 0, 0, 0x5a, 1) == 0x33, "PAM masks");
    CHECK(w->pam_calls == calls + 3, "PAM handler calls %d", w->pam_calls - calls);
    /* PIIX4 PM: PMBA 0x600 with the I/O indicator, and it moves */
    CHECK(cfg_read(w, 1, 3, 0x40, 4) == 0x601, "PMBA %x", cfg_read(w, 1, 3, 0x40, 4));
    CHECK(cfg_read(w, 1, 3, 0x80, 1) == 1, "PMREGMISC");
    CHECK(cfg_read(w, 1, 3, 0x58, 4) & 1u << 25, "DEVACTB APMC_EN (no SMM to set up)");
    cfg_write(w, 1, 3, 0x40, 0xb000, 4);
    CHECK(cfg_read(w, 1, 3, 0x40, 4) == 0xb001, "PMBA moved");
    CHECK(ioport_read(w->io, 0x608, 4) == 0xffffffff && ioport_read(w->io, 0xb008, 4) != 0xffffffff,
          "PM block follows PMBA");
    cfg_write(w, 1, 3, 0x40, 0x600, 4);
    /* PIIX3 route registers reset to disabled */
    CHECK(cfg_read(w, 1, 0, 0x60, 4) == 0x80808080, "PIRQ routes at reset");
}

typedef struct TestDev {
    PCIDevice pci;
    uint32_t reg;
} TestDev;

static uint64_t tdev_read(void *opaque, uint64_t off, unsigned size)
{
    return ((TestDev *)opaque)->reg + off;
}

static void tdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ((TestDev *)opaque)->reg = val;
}

static const MemOps tdev_ops = { tdev_read, tdev_write };

static void test_pirq_and_bars(World *w)
{
    static TestDev t;
    t.reg = 0x1000;
    pci_device_init(&t.pci, w->bus, PCI_DEVFN(3, 0), "test", 0x1234, 0x5678, 0, 0xff0000, 0);
    t.pci.config[PCI_INTERRUPT_PIN] = 1;
    pci_register_bar(&t.pci, 0, 16, true, &tdev_ops, &t);
    pci_register_bar(&t.pci, 1, 4096, false, &tdev_ops, &t);
    /* BAR sizing: all-ones in, size mask and type bits out */
    cfg_write(w, 3, 0, 0x10, 0xffffffff, 4);
    cfg_write(w, 3, 0, 0x14, 0xffffffff, 4);
    CHECK(cfg_read(w, 3, 0, 0x10, 4) == 0xfffffff1, "io BAR size %08x", cfg_read(w, 3, 0, 0x10, 4));
    CHECK(cfg_read(w, 3, 0, 0x14, 4) == 0xfffff000, "mem BAR size");
    cfg_write(w, 3, 0, 0x10, 0xc000, 4);
    cfg_write(w, 3, 0, 0x14, 0xfebf0000, 4);
    CHECK(ioport_read(w->io, 0xc004, 4) == 0xffffffff, "BAR not decoded before COMMAND.IO");
    cfg_write(w, 3, 0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    CHECK(ioport_read(w->io, 0xc004, 4) == 0x1004, "io BAR decoded");
    CHECK(fake_mmio_at(w->as, 0xfebf0000) != NULL, "mem BAR mapped");
    cfg_write(w, 3, 0, 0x10, 0xd000, 4);
    CHECK(ioport_read(w->io, 0xc004, 4) == 0xffffffff && ioport_read(w->io, 0xd000, 4) == 0x1000,
          "io BAR moved");
    cfg_write(w, 3, 0, PCI_COMMAND, 0, 2);
    CHECK(ioport_read(w->io, 0xd000, 4) == 0xffffffff && !fake_mmio_at(w->as, 0xfebf0000),
          "BARs unmapped with decoding off");
    /* slot 3 INTA -> PIRQD (route register 0x63) and I/O APIC pin 19 */
    pci_set_irq(&t.pci, 1);
    CHECK(w->ioapic_level[3] == 1, "PIRQD on the I/O APIC");
    int any = 0;
    for (int i = 0; i < 16; i++) {
        any |= w->isa_level[i];
    }
    CHECK(!any, "disabled route drives no ISA IRQ");
    CHECK(cfg_read(w, 3, 0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, "interrupt status");
    cfg_write(w, 1, 0, 0x63, 11, 1);
    CHECK(w->isa_level[11] == 1, "routed to IRQ 11");
    cfg_write(w, 1, 0, 0x63, 10, 1);
    CHECK(w->isa_level[11] == 0 && w->isa_level[10] == 1, "re-routed to IRQ 10");
    cfg_write(w, 3, 0, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    CHECK(w->isa_level[10] == 0 && w->ioapic_level[3] == 0, "INTX_DISABLE");
    cfg_write(w, 3, 0, PCI_COMMAND, 0, 2);
    CHECK(w->isa_level[10] == 1, "INTx back");
    pci_set_irq(&t.pci, 0);
    CHECK(w->isa_level[10] == 0 && w->ioapic_level[3] == 0, "INTx lowered");
    cfg_write(w, 1, 0, 0x63, 0x80, 1);
}

static void test_reset_control(World *w)
{
    ioport_write(w->io, 0xcf9, 0x02, 1);
    CHECK(main_loop_take_request(w->ml, NULL) == REQ_NONE, "RCR without RST_CPU");
    CHECK(ioport_read(w->io, 0xcf9, 1) == 0x02, "RCR reads back");
    ioport_write(w->io, 0xcf9, 0x06, 1);
    CHECK(main_loop_take_request(w->ml, NULL) == REQ_RESET, "0xCF9 = 6 resets");
    ioport_write(w->io, 0xcf8, 0x80000000, 4);
    CHECK(ioport_read(w->io, 0xcf8, 4) == 0x80000000, "CONFIG_ADDRESS beside RCR");
}

/* --- ACPI PM --- */

static void test_pm(World *w)
{
    IOSpace *io = w->io;
    ioport_write(io, 0xb2, ACPI_ENABLE_VALUE, 1);
    CHECK(ioport_read(io, 0x604, 2) & 1, "SCI_EN after ACPI enable");
    fake_set_clock(w->ml, 0);
    uint32_t t0 = ioport_read(io, 0x608, 4);
    fake_set_clock(w->ml, 1000000000);
    uint32_t t1 = ioport_read(io, 0x608, 4);
    CHECK(((t1 - t0) & 0xffffff) == 3579545, "PM timer: %u ticks in 1 s", (t1 - t0) & 0xffffff);
    fake_set_clock(w->ml, 1010000000);
    CHECK(((ioport_read(io, 0x608, 4) - t1) & 0xffffff) == 35795, "PM timer: 10 ms");
    fake_set_clock(w->ml, 10000000000);
    CHECK(ioport_read(io, 0x608, 4) == (35795450u & 0xffffff), "PM timer wraps at 24 bits");
    CHECK(ioport_read(io, 0x608, 2) == (35795450u & 0xffff), "PM timer word read");
    /* TMR_STS when bit 23 toggles: tick 41943040 = 11.7176 s */
    ioport_write(io, 0x602, 1, 2);
    fake_set_clock(w->ml, 11717000000);
    CHECK(!(ioport_read(io, 0x600, 2) & 1) && !w->sci_level, "no TMR_STS before bit 23 flips");
    fake_set_clock(w->ml, 11718000000);
    CHECK((ioport_read(io, 0x600, 2) & 1) && w->sci_level, "TMR_STS and SCI");
    ioport_write(io, 0x600, 1, 2);
    CHECK(!(ioport_read(io, 0x600, 2) & 1) && !w->sci_level, "TMR_STS write-1-clear");
    ioport_write(io, 0x602, 0, 2);
    /* GPE0 */
    ioport_write(io, 0x60e, 1, 2);
    acpi_pm_gpe_raise(w->pm, 0);
    CHECK((ioport_read(io, 0x60c, 2) & 1) && w->sci_level, "GPE0 raises SCI");
    ioport_write(io, 0xb2, ACPI_DISABLE_VALUE, 1);
    CHECK(!(ioport_read(io, 0x604, 2) & 1) && !w->sci_level, "ACPI disable");
    ioport_write(io, 0xb2, ACPI_ENABLE_VALUE, 1);
    CHECK(w->sci_level, "ACPI enable again");
    ioport_write(io, 0x60c, 1, 2);
    CHECK(!w->sci_level, "GPE0 cleared");
    ioport_write(io, 0x60e, 0, 2);
    /* the power button: status always, SCI when PWRBTN_EN */
    acpi_pm_power_button(w->pm);
    CHECK((ioport_read(io, 0x600, 2) & 0x100) && !w->sci_level, "PWRBTN_STS, not enabled");
    ioport_write(io, 0x602, 0x100, 2);
    CHECK(w->sci_level, "PWRBTN_EN raises SCI");
    ioport_write(io, 0x600, 0x100, 2);
    CHECK(!w->sci_level && !(ioport_read(io, 0x600, 2) & 0x100), "PWRBTN_STS cleared");
    ioport_write(io, 0x602, 0, 2);
    /* sleep: only S5 (SLP_TYP 0) is implemented; SLP_EN reads as 0 */
    ioport_write(io, 0x604, 1 | 1 << 10 | 1 << 13, 2);
    CHECK(main_loop_take_request(w->ml, NULL) == REQ_NONE, "SLP_TYP 1 ignored");
    CHECK(!(ioport_read(io, 0x604, 2) & 1 << 13), "SLP_EN reads 0");
    ioport_write(io, 0x604, 1 | ACPI_S5_SLP_TYP << 10 | 1 << 13, 2);
    CHECK(main_loop_take_request(w->ml, NULL) == REQ_SHUTDOWN, "S5 shuts down");
    ioport_write(io, 0x605, (ACPI_S5_SLP_TYP << 2) | 1 << 5, 1);
    CHECK(main_loop_take_request(w->ml, NULL) == REQ_SHUTDOWN, "S5 by byte write");
}

/* --- fw_cfg --- */

static void fw_select(World *w, uint16_t key)
{
    ioport_write(w->io, 0x510, key, 2);
}

static void fw_read(World *w, void *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ((uint8_t *)buf)[i] = ioport_read(w->io, 0x511, 1);
    }
}

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Finds a file in the directory read through the ports; returns its key. */
static uint16_t fw_find(World *w, const char *name, uint32_t *size)
{
    uint8_t cnt[4], e[64];
    fw_select(w, FW_CFG_FILE_DIR);
    fw_read(w, cnt, 4);
    for (uint32_t i = 0; i < be(cnt, 4); i++) {
        fw_read(w, e, 64);
        if (strcmp((char *)e + 8, name) == 0) {
            *size = be(e, 4);
            return be(e + 4, 2);
        }
    }
    return 0;
}

/* Device reset returns the chipset to power-on values; save then load restores. */
static void test_reset_and_state(World *w)
{
    Device *devs[] = { &w->host->dev, &w->isa->dev, &w->pm->dev };
    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    cfg_write(w, 1, 0, 0x60, 0x0b0a0b0a, 4);
    cfg_write(w, 1, 3, 0x40, 0xb000, 4);
    cfg_write(w, 0, 0, 0x59, 0x30, 1);
    ioport_write(w->io, 0xb2, ACPI_ENABLE_VALUE, 1);
    ioport_write(w->io, 0xb002, 0x100, 2);
    for (int i = 0; i < 3; i++) {
        devs[i]->ops->save(devs[i], &ss);
    }
    for (int i = 0; i < 3; i++) {
        devs[i]->ops->reset(devs[i]);
    }
    CHECK(cfg_read(w, 1, 0, 0x60, 4) == 0x80808080 && cfg_read(w, 1, 3, 0x40, 4) == 0x601 &&
          cfg_read(w, 0, 0, 0x59, 1) == 0 && ioport_read(w->io, 0x604, 2) == 0 &&
          ioport_read(w->io, 0xb008, 4) == 0xffffffff, "reset values");
    rewind(f);
    for (int i = 0; i < 3; i++) {
        devs[i]->ops->load(devs[i], &ss);
    }
    CHECK(!ss.error, "load stream");
    CHECK(cfg_read(w, 1, 0, 0x60, 4) == 0x0b0a0b0a && cfg_read(w, 1, 3, 0x40, 4) == 0xb001 &&
          cfg_read(w, 0, 0, 0x59, 1) == 0x30 && (ioport_read(w->io, 0xb004, 2) & 1) &&
          ioport_read(w->io, 0xb002, 2) == 0x100 && ioport_read(w->io, 0x608, 4) == 0xffffffff,
          "state restored, PM block remapped");
    fclose(f);
    for (int i = 0; i < 3; i++) {
        devs[i]->ops->reset(devs[i]);
    }
    ioport_write(w->io, 0xb2, ACPI_ENABLE_VALUE, 1);
}

static void test_fw_cfg_ports(World *w)
{
    uint8_t b[64];
    FWCfgState *fw = w->fw;
    fw_select(w, FW_CFG_SIGNATURE);
    fw_read(w, b, 4);
    CHECK(memcmp(b, "QEMU", 4) == 0, "signature");
    fw_select(w, FW_CFG_ID);
    fw_read(w, b, 4);
    CHECK(le(b, 4) == 3, "ID: traditional + DMA");
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 2);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, 2);
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 128ull << 20);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, 0x123456);
    fw_cfg_add_string(fw, FW_CFG_CMDLINE_DATA, "console=ttyS0");
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, "\x01\x02\x03", 3);
    fw_cfg_add_bytes(fw, FW_CFG_E820_TABLE, "\xaa\xbb", 2);
    fw_select(w, FW_CFG_NB_CPUS);
    fw_read(w, b, 2);
    CHECK(le(b, 2) == 2, "nb_cpus (i16)");
    fw_select(w, FW_CFG_RAM_SIZE);
    fw_read(w, b, 8);
    CHECK(le(b, 8) == 128ull << 20, "ram size (i64)");
    fw_select(w, FW_CFG_KERNEL_SIZE);
    fw_read(w, b, 4);
    CHECK(le(b, 4) == 0x123456, "kernel size (i32)");
    fw_select(w, FW_CFG_CMDLINE_DATA);
    fw_read(w, b, 16);
    CHECK(strcmp((char *)b, "console=ttyS0") == 0 && b[14] == 0 && b[15] == 0,
          "cmdline string, zeros past the end");
    fw_select(w, FW_CFG_SETUP_DATA);
    fw_read(w, b, 3);
    CHECK(memcmp(b, "\x01\x02\x03", 3) == 0, "bytes item");
    fw_select(w, FW_CFG_E820_TABLE);
    fw_read(w, b, 2);
    CHECK(b[0] == 0xaa && b[1] == 0xbb, "arch-local item");
    fw_select(w, 0x3333);
    fw_read(w, b, 2);
    CHECK(b[0] == 0 && b[1] == 0, "missing item reads zeros");
    CHECK(ioport_read(w->io, 0x510, 2) == 0, "selector is write-only");
    /* files: directory sorted by name, keys from 0x20 */
    uint16_t kz = fw_cfg_add_file(fw, "zeta", "ZZ", 2);
    uint16_t ka = fw_cfg_add_file(fw, "bootorder", "/pci@i0cf8/ide@1,1\n", 20);
    uint16_t ke = fw_cfg_add_file(fw, "etc/boot-fail-wait", "\x05\0\0\0", 4);
    CHECK(kz == 0x20 && ka == 0x21 && ke == 0x22, "file keys %x %x %x", kz, ka, ke);
    CHECK(fw_cfg_add_file(fw, "zeta", "ZZZ", 3) == kz, "replacing keeps the key");
    uint8_t cnt[4], e[3][64];
    fw_select(w, FW_CFG_FILE_DIR);
    fw_read(w, cnt, 4);
    fw_read(w, e, sizeof(e));
    CHECK(be(cnt, 4) == 3, "directory count %u", (unsigned)be(cnt, 4));
    CHECK(strcmp((char *)e[0] + 8, "bootorder") == 0 && strcmp((char *)e[1] + 8,
          "etc/boot-fail-wait") == 0 && strcmp((char *)e[2] + 8, "zeta") == 0, "sorted");
    CHECK(be(e[0], 4) == 20 && be(e[0] + 4, 2) == ka && be(e[2], 4) == 3 && be(e[2] + 4, 2) == kz,
          "entry size/select");
    uint32_t size;
    uint16_t k = fw_find(w, "zeta", &size);
    fw_select(w, k);
    fw_read(w, b, 3);
    CHECK(size == 3 && memcmp(b, "ZZZ", 3) == 0, "file data through its key");
}

/* DMA: FWCfgDmaAccess at 0x1000, data at 0x2000. */
static uint32_t dma(World *w, uint32_t control, uint32_t len)
{
    uint8_t *ram = fake_ram(w->as);
    uint8_t d[16] = { 0 };
    for (int i = 0; i < 4; i++) {
        d[i] = control >> (24 - 8 * i);
        d[4 + i] = len >> (24 - 8 * i);
    }
    d[14] = 0x20;                               /* address 0x2000, big-endian */
    memcpy(ram + 0x1000, d, 16);
    ioport_write(w->io, 0x514, 0, 4);
    ioport_write(w->io, 0x518, __builtin_bswap32(0x1000), 4);
    return be(ram + 0x1000, 4);
}

static void test_fw_cfg_dma(World *w)
{
    uint8_t *ram = fake_ram(w->as);
    uint8_t b[64];
    CHECK(ioport_read(w->io, 0x514, 4) == 0x554d4551 && ioport_read(w->io, 0x518, 4) == 0x47464320,
          "DMA register signature \"QEMU CFG\"");
    memset(ram + 0x2000, 0xee, 64);
    CHECK(dma(w, FW_CFG_SIGNATURE << 16 | 8 | 2, 4) == 0, "DMA select+read status");
    CHECK(memcmp(ram + 0x2000, "QEMU", 4) == 0 && ram[0x2004] == 0xee, "DMA signature");
    CHECK(dma(w, FW_CFG_RAM_SIZE << 16 | 8 | 2, 8) == 0 && le(ram + 0x2000, 8) == 128ull << 20,
          "DMA i64 item");
    CHECK(dma(w, FW_CFG_CMDLINE_DATA << 16 | 8 | 4, 8) == 0 && dma(w, 2, 6) == 0 &&
          memcmp(ram + 0x2000, "ttyS0", 6) == 0, "DMA skip then read");
    memset(ram + 0x2000, 0xee, 64);
    CHECK(dma(w, FW_CFG_SETUP_DATA << 16 | 8 | 2, 8) == 0 &&
          memcmp(ram + 0x2000, "\x01\x02\x03\0\0\0\0\0", 8) == 0, "DMA past the end: zeros");
    uint32_t n = 4 + 64 * 3;
    CHECK(dma(w, FW_CFG_FILE_DIR << 16 | 8 | 2, n) == 0, "DMA directory");
    fw_select(w, FW_CFG_FILE_DIR);
    uint8_t dir[4 + 64 * 3];
    fw_read(w, dir, n);
    CHECK(memcmp(dir, ram + 0x2000, n) == 0, "DMA directory equals port directory");
    fw_select(w, FW_CFG_SIGNATURE);
    fw_read(w, b, 1);
    CHECK(dma(w, 2, 3) == 0 && memcmp(ram + 0x2000, "EMU", 3) == 0,
          "DMA read continues the port offset");
    CHECK(dma(w, FW_CFG_SIGNATURE << 16 | 8 | 16, 4) & 1, "DMA write sets the error bit");
    CHECK(ioport_read(w->io, 0x514, 4) == 0x554d4551, "DMA register after a transfer");
}

/* --- ACPI tables --- */

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--) {
        s += *p++;
    }
    return s;
}

/* A table at paddr in the fake RAM: signature, checksum, length; NULL if bad. */
static const uint8_t *table_at(World *w, uint64_t paddr, const char *sig)
{
    const uint8_t *t = fake_ram(w->as) + paddr;
    if (paddr + 36 > FAKE_RAM_SIZE || memcmp(t, sig, 4) != 0) {
        return NULL;
    }
    uint32_t len = le(t + 4, 4);
    return paddr + len <= FAKE_RAM_SIZE && sum8(t, len) == 0 ? t : NULL;
}

static void dump(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;
    if (!dir) {
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

static void check_fadt(World *w, const uint8_t *f)
{
    CHECK(le(f + 4, 4) == 244 && f[8] == 3, "FADT length 244, revision 3");
    CHECK(le(f + 40, 4) == le(f + 140, 8) && table_at(w, le(f + 40, 4), "DSDT"), "DSDT == X_DSDT");
    uint64_t facs = le(f + 36, 4);
    const uint8_t *fc = fake_ram(w->as) + facs;
    CHECK(facs % 64 == 0 && memcmp(fc, "FACS", 4) == 0 && le(fc + 4, 4) == 64, "FACS");
    CHECK(le(f + 46, 2) == 9 && le(f + 48, 4) == 0xb2 && f[52] == 0xf1 && f[53] == 0xf0,
          "SCI_INT, SMI_CMD, ACPI_ENABLE/DISABLE");
    CHECK(le(f + 56, 4) == 0x600 && le(f + 64, 4) == 0x604 && le(f + 76, 4) == 0x608 &&
          le(f + 80, 4) == 0x60c, "PM1a_EVT, PM1a_CNT, PM_TMR, GPE0 blocks");
    CHECK(f[88] == 4 && f[89] == 2 && f[91] == 4 && f[92] == 4, "block lengths");
    uint32_t flags = le(f + 112, 4);
    CHECK((flags & 0x425) == 0x425 && !(flags & 0x100), "flags %x: WBINVD PROC_C1 SLP_BUTTON "
          "RESET_REG_SUP, 24-bit timer", flags);
    CHECK(f[116] == 1 && f[117] == 8 && le(f + 120, 8) == 0xcf9 && f[128] == 6, "RESET_REG");
    CHECK(f[148] == 1 && le(f + 152, 8) == 0x600 && f[172] == 1 && le(f + 176, 8) == 0x604 &&
          le(f + 212, 8) == 0x608 && f[209] == 32, "X_ blocks");
}

static void check_madt(World *w, const uint8_t *m, int ncpus)
{
    uint32_t len = le(m + 4, 4);
    int lapic = 0, ioapic = 0, iso0 = 0, iso9 = 0, nmi = 0;
    CHECK(le(m + 36, 4) == 0xfee00000 && le(m + 40, 4) == 1, "MADT LAPIC address, PCAT_COMPAT");
    uint32_t off = 44;
    while (off + 2 <= len && m[off + 1] >= 2) {
        const uint8_t *e = m + off;
        lapic += e[0] == 0 && e[1] == 8 && e[3] == lapic && (le(e + 4, 4) & 1);
        ioapic += e[0] == 1 && e[1] == 12 && le(e + 4, 4) == 0xfec00000 && le(e + 8, 4) == 0;
        iso0 += e[0] == 2 && e[1] == 10 && e[3] == 0 && le(e + 4, 4) == 2 && le(e + 8, 2) == 0;
        iso9 += e[0] == 2 && (e[3] == 9 || e[3] == 5 || e[3] == 10 || e[3] == 11) &&
                le(e + 4, 4) == e[3] && le(e + 8, 2) == 0xd;
        nmi += e[0] == 4 && e[1] == 6 && e[2] == 0xff && e[5] == 1;
        off += e[1];
    }
    CHECK(off == len, "MADT entries fill the table");
    CHECK(lapic == ncpus && ioapic == 1 && iso0 == 1 && iso9 == 4 && nmi == 1,
          "MADT: %d LAPIC, %d IOAPIC, IRQ0->2 %d, SCI+links %d, NMI %d",
          lapic, ioapic, iso0, iso9, nmi);
}

/* What the OS does: RSDP by scanning 0xE0000-0xFFFFF, then XSDT and RSDT. */
static void check_installed(World *w, const AcpiConfig *cfg)
{
    const uint8_t *ram = fake_ram(w->as), *r = NULL;
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
        if (memcmp(ram + a, "RSD PTR ", 8) == 0) {
            r = ram + a;
            break;
        }
    }
    CHECK(r && sum8(r, 20) == 0 && sum8(r, 36) == 0 && r[15] == 2 && le(r + 20, 4) == 36,
          "RSDP found, checksums, revision 2");
    if (!r) {
        return;
    }
    const uint8_t *rsdt = table_at(w, le(r + 16, 4), "RSDT");
    const uint8_t *xsdt = table_at(w, le(r + 24, 8), "XSDT");
    CHECK(rsdt && xsdt, "RSDT and XSDT checksums");
    if (!rsdt || !xsdt) {
        return;
    }
    int n = (le(xsdt + 4, 4) - 36) / 8;
    CHECK(n == 3 && (le(rsdt + 4, 4) - 36) / 4 == (uint32_t)n, "3 tables listed");
    static const char *sigs[] = { "FACP", "APIC", "HPET" };
    for (int i = 0; i < n && i < 3; i++) {
        uint64_t a = le(xsdt + 36 + 8 * i, 8);
        CHECK(a == le(rsdt + 36 + 4 * i, 4) && table_at(w, a, sigs[i]), "table %s", sigs[i]);
    }
    const uint8_t *fadt = table_at(w, le(xsdt + 36, 8), "FACP");
    const uint8_t *madt = table_at(w, le(xsdt + 44, 8), "APIC");
    const uint8_t *hpet = table_at(w, le(xsdt + 52, 8), "HPET");
    if (fadt) {
        check_fadt(w, fadt);
    }
    if (madt) {
        check_madt(w, madt, cfg->ncpus);
    }
    CHECK(hpet && le(hpet + 4, 4) == 56 && le(hpet + 44, 8) == 0xfed00000 && hpet[40] == 0,
          "HPET table");
}

/* Runs "etc/table-loader" as the firmware does, with the files read by DMA. */
typedef struct LFile {
    char name[56];
    uint64_t addr;
} LFile;

static uint64_t lfile(LFile *f, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strncmp(f[i].name, name, 56) == 0) {
            return f[i].addr;
        }
    }
    return 0;
}

static bool run_loader(World *w, uint64_t high, uint64_t fseg)
{
    uint8_t *ram = fake_ram(w->as);
    uint32_t size;
    LFile files[4];
    int nf = 0;
    uint16_t k = fw_find(w, "etc/table-loader", &size);
    if (!k || size % 128) {
        return false;
    }
    uint8_t *cmds = malloc(size);
    fw_select(w, k);
    fw_read(w, cmds, size);
    for (uint32_t off = 0; off < size; off += 128) {
        const uint8_t *c = cmds + off;
        uint32_t cmd = le(c, 4);
        if (cmd == 1 && nf < 4) {                  /* ALLOCATE file align zone */
            uint32_t fsize, align = le(c + 60, 4);
            uint16_t key = fw_find(w, (const char *)c + 4, &fsize);
            uint64_t *at = c[64] == 2 ? &fseg : &high;
            *at = (*at + align - 1) / align * align;
            memcpy(files[nf].name, c + 4, 56);
            files[nf++].addr = *at;
            if (!key || dma(w, key << 16 | 8 | 2, 0) != 0) {
                return false;
            }
            fw_select(w, key);
            fw_read(w, ram + *at, fsize);
            *at += fsize;
        } else if (cmd == 2) {                     /* ADD_POINTER dest src offset size */
            uint64_t d = lfile(files, nf, (const char *)c + 4);
            uint64_t s = lfile(files, nf, (const char *)c + 60);
            uint32_t o = le(c + 116, 4);
            uint8_t sz = c[120];
            uint64_t v = le(ram + d + o, sz) + s;
            for (int i = 0; i < sz; i++) {
                ram[d + o + i] = v >> (8 * i);
            }
        } else if (cmd == 3) {                     /* ADD_CHECKSUM file offset start len */
            uint64_t f = lfile(files, nf, (const char *)c + 4);
            uint32_t o = le(c + 60, 4), st = le(c + 64, 4), len = le(c + 68, 4);
            ram[f + o] -= sum8(ram + f + st, len);
        } else {
            return false;
        }
    }
    free(cmds);
    return true;
}

static void test_acpi(World *w, const char *dir)
{
    AcpiConfig cfg = { .ncpus = 1, .ram_below_4g = 128 << 20, .hpet = true };
    AcpiTables t;
    uint8_t *ram = fake_ram(w->as);
    /* (a) firmware-less: tables at 1 MiB, RSDP in the BIOS area */
    size_t len = acpi_install(&cfg, w->as, 0x100000, 0xf0000);
    CHECK(len > 0 && len % 64 == 0, "installed %zu bytes", len);
    check_installed(w, &cfg);
    acpi_build(&cfg, 0x100000, &t);
    CHECK(memcmp(ram + 0x100000, t.tables, t.tables_len) == 0, "install writes the build");
    /* the tables one by one, for iasl */
    for (size_t off = 0; off + 8 <= t.tables_len; off += 64) {
        char name[16];
        uint32_t tl = le(t.tables + off + 4, 4);
        if (t.tables[off] < 'A' || tl < 36 || off + tl > t.tables_len) {
            continue;
        }
        snprintf(name, sizeof(name), "%.4s.dat", (const char *)t.tables + off);
        for (char *p = name; *p; p++) {
            *p = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
        }
        dump(dir, name, t.tables + off, tl);
        off += (tl + 63) / 64 * 64 - 64;
    }
    dump(dir, "rsdp.dat", t.rsdp, 36);
    acpi_tables_free(&t);
    /* (b) SeaBIOS: the loader relocates to the same bytes as a build at that base */
    memset(ram + 0xe0000, 0, 0x20000);
    acpi_add_fw_cfg(&cfg, w->fw);
    CHECK(run_loader(w, 0x300000, 0xf0000), "table-loader runs");
    acpi_build(&cfg, 0x300000, &t);
    CHECK(memcmp(ram + 0x300000, t.tables, t.tables_len) == 0, "loader result equals build");
    CHECK(memcmp(ram + 0xf0000, t.rsdp, 36) == 0, "loader RSDP equals build");
    acpi_tables_free(&t);
    check_installed(w, &cfg);
    /* more CPUs, no HPET, a large low RAM */
    AcpiConfig cfg4 = { .ncpus = 4, .ram_below_4g = 0xb0000000u, .hpet = false };
    acpi_build(&cfg4, 0x400000, &t);
    memcpy(ram + 0x400000, t.tables, t.tables_len);
    const uint8_t *x = table_at(w, le(t.rsdp + 24, 8), "XSDT");
    CHECK(x && le(x + 4, 4) == 36 + 16, "XSDT without HPET");
    if (x) {
        const uint8_t *m = table_at(w, le(x + 44, 8), "APIC");
        CHECK(m != NULL, "MADT (4 CPUs)");
        if (m) {
            check_madt(w, m, 4);
        }
        const uint8_t *f = table_at(w, le(x + 36, 8), "FACP");
        if (f) {
            const uint8_t *d = table_at(w, le(f + 40, 4), "DSDT");
            CHECK(d != NULL, "DSDT (4 CPUs)");
            if (d) {
                dump(dir, "dsdt4.dat", d, le(d + 4, 4));
            }
        }
    }
    acpi_tables_free(&t);
    /* 255 CPUs: a DSDT over 4 KiB (3-byte package lengths) and a long MADT */
    AcpiConfig big = { .ncpus = 255, .ram_below_4g = 0xc0000000u, .hpet = true };
    acpi_build(&big, 0x400000, &t);
    memcpy(ram + 0x400000, t.tables, t.tables_len);
    x = table_at(w, le(t.rsdp + 24, 8), "XSDT");
    const uint8_t *m = x ? table_at(w, le(x + 44, 8), "APIC") : NULL;
    CHECK(m != NULL, "MADT (255 CPUs)");
    if (m) {
        check_madt(w, m, 255);
    }
    const uint8_t *f = x ? table_at(w, le(x + 36, 8), "FACP") : NULL;
    const uint8_t *d = f ? table_at(w, le(f + 40, 4), "DSDT") : NULL;
    CHECK(d && le(d + 4, 4) > 4096, "DSDT (255 CPUs) over 4 KiB");
    if (d) {
        dump(dir, "dsdt255.dat", d, le(d + 4, 4));
    }
    acpi_tables_free(&t);
}

int main(int argc, char **argv)
{
    World w;
    world_init(&w);
    test_enumeration(&w);
    test_pirq_and_bars(&w);
    test_reset_control(&w);
    test_pm(&w);
    test_reset_and_state(&w);
    test_fw_cfg_ports(&w);
    test_fw_cfg_dma(&w);
    test_acpi(&w, argc > 1 ? argv[1] : NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
