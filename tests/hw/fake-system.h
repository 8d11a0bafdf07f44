/*
 * A small stand-in for system/ (memory.h, main-loop.h) and the save-stream
 * helpers of hw/device.h, for unit tests of devices: flat RAM, a list of MMIO
 * regions, a 64 KiB port table, a clock the test sets and timers it runs.
 */
#ifndef TESTS_HW_FAKE_SYSTEM_H
#define TESTS_HW_FAKE_SYSTEM_H

#include "system/memory.h"
#include "system/main-loop.h"

enum { FAKE_RAM_SIZE = 16 << 20 };

uint8_t *fake_ram(AddressSpace *as);
/* Sets the clock and runs the timers now due. */
void fake_set_clock(MainLoop *ml, int64_t ns);
/* The MMIO region at base (or NULL), for BAR tests. */
MemRegion *fake_mmio_at(AddressSpace *as, uint64_t base);

#endif
