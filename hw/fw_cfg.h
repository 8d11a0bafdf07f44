/*
 * QEMU's firmware configuration device (fw_cfg), as on the "pc" machine:
 * selector at I/O port 0x510 (16-bit, little-endian), data at 0x511 (8-bit),
 * DMA address at 0x514-0x51B (64-bit, big-endian; writing the low half at
 * 0x518 starts the transfer). Reference: QEMU docs/specs/fw_cfg.rst (public),
 * Linux include/uapi/linux/qemu_fw_cfg.h (the key numbers).
 *
 * Items are blobs selected by a 16-bit key; named files get keys from 0x20 up
 * and are listed in the file directory (key 0x19), sorted by name. DMA transfers
 * read and write guest memory through the AddressSpace.
 */
#ifndef HW_FW_CFG_H
#define HW_FW_CFG_H

#include <stddef.h>
#include <stdint.h>
#include "hw/device.h"
#include "system/memory.h"

enum {
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03, FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06, FW_CFG_KERNEL_ADDR = 0x07, FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09, FW_CFG_INITRD_ADDR = 0x0a, FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c, FW_CFG_NUMA = 0x0d, FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f, FW_CFG_KERNEL_ENTRY = 0x10, FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12, FW_CFG_CMDLINE_ADDR = 0x13, FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15, FW_CFG_SETUP_ADDR = 0x16, FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18, FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_WRITE_CHANNEL = 0x4000, FW_CFG_ARCH_LOCAL = 0x8000,
    /* x86 arch-local items (QEMU's pc): e820 table is also the file "etc/e820" */
    FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0, FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1,
    FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2, FW_CFG_E820_TABLE = FW_CFG_ARCH_LOCAL + 3,
    FW_CFG_HPET = FW_CFG_ARCH_LOCAL + 4,
};
enum { FW_CFG_IO_BASE = 0x510, FW_CFG_MAX_FILE_PATH = 56 };

typedef struct FWCfgState FWCfgState;

/* Claims ports 0x510-0x511 and 0x514-0x51B on io; DMA goes through as. Adds the
 * signature "QEMU", the ID (traditional + DMA) and an empty file directory. */
FWCfgState *fw_cfg_new(IOSpace *io, AddressSpace *as);
Device *fw_cfg_device(FWCfgState *s);      /* for the machine's device list */

/* Items. The data is copied. Adding a key again replaces its data. */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str);  /* with its NUL */
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);      /* little-endian */
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
/* Named file ("etc/e820", "bootorder", "etc/acpi/tables"...); returns its key.
 * Adding an existing name replaces its data. */
uint16_t fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len);

#endif
