/*
 * The machine's physical address space and I/O port space: what a CPU (through
 * the softmmu), DMA-capable devices and the boot loader reach at a physical
 * address. Devices register regions here; nothing else connects a CPU to a
 * device (Intel SDM vol. 1, 3.2 and ch. 19 for the two spaces).
 *
 * A region is RAM (host memory, guest-writable), ROM (host memory, guest writes
 * ignored), or MMIO (read/write callbacks). Where regions overlap, the one with the
 * higher priority wins (the APIC page over RAM, a PCI BAR over nothing). An
 * address no region covers is unassigned: reads return all-ones, writes are
 * dropped, as on a PC bus.
 *
 * Whoever caches translations of this map (the softmmu TLBs) registers a
 * listener and is told when it changes.
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device callbacks for MMIO and I/O ports. offset is relative to the region's
 * start; size is 1, 2, 4 or 8 bytes; values are little-endian numbers. */
typedef struct MemOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
} MemOps;

typedef enum MemKind { MEM_UNASSIGNED, MEM_RAM, MEM_ROM, MEM_MMIO } MemKind;

typedef struct AddressSpace AddressSpace;
typedef struct MemRegion MemRegion;

/* What lies at one physical address: for RAM/ROM, host points at that byte and
 * the run of host-contiguous bytes extends for len; for MMIO, region + offset. */
typedef struct MemSection {
    MemKind kind;
    uint8_t *host;              /* RAM/ROM: host address of paddr */
    MemRegion *region;          /* MMIO (and RAM/ROM): the region */
    uint64_t offset;            /* paddr - region start */
    uint64_t len;               /* bytes from paddr to the end of this section */
} MemSection;

AddressSpace *address_space_new(void);
void address_space_free(AddressSpace *as);

/* Regions. name is for messages and 'info mtree'. Returned regions stay owned by
 * the address space. */
MemRegion *memory_add_ram(AddressSpace *as, const char *name, uint64_t base, uint64_t size);
MemRegion *memory_add_rom(AddressSpace *as, const char *name, uint64_t base, uint64_t size);
MemRegion *memory_add_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                           const MemOps *ops, void *opaque, int priority);
/* The same host memory seen at a second address (the BIOS at 0xE0000 and at
 * 4 GiB - 128 KiB). */
MemRegion *memory_add_alias(AddressSpace *as, const char *name, uint64_t base,
                            MemRegion *target, uint64_t target_offset, uint64_t size);
uint8_t *memory_region_host(MemRegion *r);        /* RAM/ROM backing memory */
uint64_t memory_region_size(const MemRegion *r);
uint64_t memory_region_base(const MemRegion *r);     /* UINT64_MAX: not mapped */
/* Moves or hides a region (PCI BARs, PAM); base UINT64_MAX unmaps it. */
void memory_region_move(MemRegion *r, uint64_t base);
void memory_region_set_readonly(MemRegion *r, bool readonly);
void memory_region_remove(MemRegion *r);

/* Calls fn for every mapped region in creation order (the monitor's info mtree). */
void memory_foreach_region(AddressSpace *as,
                           void (*fn)(void *opaque, const char *name, MemKind kind,
                                      uint64_t base, uint64_t size, int priority,
                                      bool readonly, const char *alias_of),
                           void *opaque);

/* The region called name (not an alias), mapped or not, or NULL (a snapshot
 * saves the machine's RAM by name). */
MemRegion *memory_region_by_name(AddressSpace *as, const char *name);

/* Lookup of one physical address (the softmmu's TLB fill uses this). */
MemSection memory_lookup(AddressSpace *as, uint64_t paddr);

/* Accesses by physical address, for DMA, page walks and loaders. MMIO regions are
 * called in naturally aligned pieces; unassigned bytes read as 0xff. */
void address_space_read(AddressSpace *as, uint64_t paddr, void *buf, size_t len);
void address_space_write(AddressSpace *as, uint64_t paddr, const void *buf, size_t len);
/* Writes even into ROM (loading firmware and option ROMs). */
void address_space_write_rom(AddressSpace *as, uint64_t paddr, const void *buf, size_t len);
uint32_t ldl_phys(AddressSpace *as, uint64_t paddr);
uint64_t ldq_phys(AddressSpace *as, uint64_t paddr);
void stl_phys(AddressSpace *as, uint64_t paddr, uint32_t value);
void stq_phys(AddressSpace *as, uint64_t paddr, uint64_t value);

/* Told after every change of the map (regions added, moved, removed), and after a
 * write by address_space_write* into RAM (so translated code there is dropped). */
typedef struct MemListener {
    void (*map_changed)(void *opaque);
    void (*ram_written)(void *opaque, uint64_t paddr, uint64_t len);
    void *opaque;
} MemListener;
void memory_add_listener(AddressSpace *as, const MemListener *l);

/* --- I/O ports (16-bit port space, Intel SDM vol. 1, 19.2) --- */
typedef struct IOSpace IOSpace;
IOSpace *io_space_new(void);
void io_space_free(IOSpace *io);
/* Claims ports [base, base + count); the callbacks get offset = port - base. */
void ioport_register(IOSpace *io, const char *name, uint16_t base, uint16_t count,
                     const MemOps *ops, void *opaque);
void ioport_unregister(IOSpace *io, uint16_t base, uint16_t count);
/* Unclaimed ports read all-ones and ignore writes. */
uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size);
void ioport_write(IOSpace *io, uint16_t port, uint32_t value, unsigned size);

#endif
