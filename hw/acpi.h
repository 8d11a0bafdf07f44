/*
 * ACPI for QEMU's "pc" machine: the PIIX4 power-management function (00:01.3,
 * 8086:7113) with its fixed hardware (PM1a event/control, PM timer, GPE0) and
 * the table builder (RSDP, RSDT, XSDT, FADT, FACS, MADT, HPET, DSDT with AML).
 *
 * References: ACPI 6.4 specification ch. 4 (fixed hardware), ch. 5 (tables),
 * ch. 19/20 (AML); Intel 82371AB PIIX4 datasheet (PM function, PMBA at 0x40,
 * PMREGMISC at 0x80); QEMU docs/specs/fw_cfg.rst and the "etc/table-loader"
 * command format SeaBIOS reads.
 */
#ifndef HW_ACPI_H
#define HW_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include "hw/irq.h"
#include "hw/pci.h"
#include "hw/fw_cfg.h"
#include "system/main-loop.h"
#include "system/memory.h"

/* Fixed values shared by the PM device and the tables (QEMU's pc defaults). */
enum {
    ACPI_PM_BASE = 0x600,        /* PM I/O block: PM1a_EVT +0 (4), PM1a_CNT +4 (2),
                                    PM_TMR +8 (4), GPE0 +0x0C (4: GPSTS 2, GPEN 2),
                                    as the PIIX4 datasheet lays out PMBA */
    ACPI_PM1_EVT_OFF = 0x00, ACPI_PM1_CNT_OFF = 0x04, ACPI_PM_TMR_OFF = 0x08,
    ACPI_GPE0_OFF = 0x0C, ACPI_PM_IO_LEN = 0x40, ACPI_GPE0_LEN = 4,
    ACPI_SCI_IRQ = 9,
    ACPI_SMI_CMD_PORT = 0xB2, ACPI_ENABLE_VALUE = 0xF1, ACPI_DISABLE_VALUE = 0xF0,
    ACPI_S5_SLP_TYP = 0,         /* the \_S5 package value the PM1a control decodes */
    ACPI_PM_TIMER_HZ = 3579545,
};

/* The PM function at devfn on bus; claims its I/O block at ACPI_PM_BASE (moved
 * when the guest reprograms PMBA) and port 0xB2; raises sci (level) while SCI_EN
 * is set (ACPI mode, entered by writing ACPI_ENABLE_VALUE to port 0xB2) and an
 * enabled PM1 event or GPE0 status bit is set.
 * S5 (SLP_TYP = ACPI_S5_SLP_TYP with SLP_EN) calls main_loop_request(REQ_SHUTDOWN). */
PCIDevice *acpi_pm_new(PCIBus *bus, int devfn, IOSpace *io, MainLoop *ml, IRQ sci);
/* Raises a GPE0 status bit (hot-plug and the like; none yet). */
void acpi_pm_gpe_raise(PCIDevice *pm, int bit);
/* A press of the fixed-hardware power button (PWRBTN_STS; QEMU's system_powerdown). */
void acpi_pm_power_button(PCIDevice *pm);

/* What the tables describe. */
typedef struct AcpiConfig {
    int ncpus;                   /* processors present (-smp cpus) */
    const uint8_t *apic_ids;     /* their local APIC IDs; NULL: 0..ncpus-1 */
    uint64_t ram_below_4g;       /* the 32-bit PCI hole is [ram_below_4g, 0xFEC00000) */
    uint64_t ram_above_4g;
    bool hpet;                   /* HPET at 0xFED00000 */
    const char *oem_id;          /* 6 chars, NULL: "QUETZL" */
} AcpiConfig;

/* The built tables. tables holds FACS, DSDT, FADT, MADT, HPET, RSDT, XSDT (each
 * 64-byte aligned) with table pointers relative to the base given to acpi_build;
 * rsdp is the 36-byte ACPI 2.0 RSDP; loader the SeaBIOS "etc/table-loader"
 * commands (128 bytes each) that place and patch them. */
typedef struct AcpiTables {
    uint8_t *tables;
    size_t tables_len;
    uint8_t rsdp[36];
    uint8_t *loader;
    size_t loader_len;
} AcpiTables;
void acpi_build(const AcpiConfig *cfg, uint64_t tables_base, AcpiTables *out);
void acpi_tables_free(AcpiTables *t);

/* (a) Firmware-less boot: writes the tables at tables_addr and the RSDP at
 * rsdp_addr (16-byte aligned; 0xE0000-0xFFFFF to be found by scanning, or give
 * it to boot_params.acpi_rsdp_addr). Uses address_space_write_rom. Returns the
 * bytes used at tables_addr. */
size_t acpi_install(const AcpiConfig *cfg, AddressSpace *as, uint64_t tables_addr,
                    uint64_t rsdp_addr);
/* (b) Firmware boot: adds "etc/acpi/tables", "etc/acpi/rsdp", "etc/table-loader". */
void acpi_add_fw_cfg(const AcpiConfig *cfg, FWCfgState *fw);

#endif
