/*
 * The anatomy every device shares. A device's state struct starts with a Device,
 * whose ops say how to reset it and how to save and load its state (for snapshots
 * and migration later); the machine keeps the list and resets them in order.
 *
 * A device file (hw/<name>.c) holds: the state struct (private), its reset, its
 * I/O callbacks, its save/load, and one constructor <name>_new(...) declared in
 * the header of its group (hw/isa.h, hw/apic.h, hw/pci.h, hw/acpi.h, hw/fw_cfg.h, hw/pc.h) taking everything it connects to explicitly (AddressSpace,
 * IOSpace, MainLoop, IRQ lines).
 */
#ifndef HW_DEVICE_H
#define HW_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A saved-state stream: fields in a fixed order, little-endian. */
typedef struct SaveStream {
    FILE *f;
    bool error;
} SaveStream;
void save_u8(SaveStream *s, uint8_t v);
void save_u16(SaveStream *s, uint16_t v);
void save_u32(SaveStream *s, uint32_t v);
void save_u64(SaveStream *s, uint64_t v);
void save_bytes(SaveStream *s, const void *buf, size_t len);
uint8_t load_u8(SaveStream *s);
uint16_t load_u16(SaveStream *s);
uint32_t load_u32(SaveStream *s);
uint64_t load_u64(SaveStream *s);
void load_bytes(SaveStream *s, void *buf, size_t len);

typedef struct DeviceOps {
    const char *name;                        /* QEMU's device name, e.g. "isa-serial" */
    void (*reset)(void *dev);
    void (*save)(void *dev, SaveStream *s);
    void (*load)(void *dev, SaveStream *s);  /* sets s->error on a bad stream */
    void (*free)(void *dev);
    /* the layout of what save writes: a stream with another version is refused
     * (migration/); bump it when save changes */
    uint32_t version;
} DeviceOps;

typedef struct Device {
    const DeviceOps *ops;
    struct Device *next;                     /* the machine's list */
} Device;

#endif
