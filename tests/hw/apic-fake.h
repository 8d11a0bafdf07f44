/*
 * Test doubles for the APIC/HPET unit tests: a physical address space that only
 * dispatches MMIO regions, a main loop whose clock the test advances by hand and
 * whose timers fire in order of expiry, and save streams on a FILE.
 */
#ifndef TESTS_HW_APIC_FAKE_H
#define TESTS_HW_APIC_FAKE_H

#include <stdint.h>

#include "system/main-loop.h"
#include "system/memory.h"

uint64_t fake_mmio_read(AddressSpace *as, uint64_t addr, unsigned size);
void fake_mmio_write(AddressSpace *as, uint64_t addr, uint64_t value, unsigned size);
/* Moves the clock to now + ns, running every timer due on the way at its time. */
void fake_advance(MainLoop *ml, int64_t ns);
/* Timers armed now (to check that idle devices keep none). */
int fake_timers_pending(MainLoop *ml);

#endif
