/*
 * Test stand-ins for system/memory.h's I/O space, system/main-loop.h's clock and
 * timers and system/char.h's back ends, so the ISA device tests drive the
 * devices alone: a clock advanced by hand, timers run by fake_advance(), a
 * character back end that records what the device sent.
 */
#ifndef TESTS_HW_FAKE_H
#define TESTS_HW_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/irq.h"
#include "system/memory.h"
#include "system/main-loop.h"
#include "system/char.h"

extern int test_passed, test_failed;
#define CHECK(cond, ...) do { if (cond) { test_passed++; } else { test_failed++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define CHECK_EQ(got, want, what) do { long long g_ = (long long)(got), w_ = (long long)(want); \
    CHECK(g_ == w_, "%s: got %#llx, want %#llx", what, g_, w_); } while (0)

/* Moves the clock forward by ns, running timers as they fall due. */
void fake_advance(MainLoop *ml, int64_t ns);
void fake_set_clock(MainLoop *ml, int64_t ns);
int fake_timers_pending(MainLoop *ml);
uint8_t inb(IOSpace *io, uint16_t port);
void outb(IOSpace *io, uint16_t port, uint8_t v);

/* A recording IRQ line. */
typedef struct FakeIRQ {
    int level;
    int rises;
} FakeIRQ;
IRQ fake_irq(FakeIRQ *f);

/* The bytes a CharDev received from the device and the handlers it set. */
typedef struct FakeChar FakeChar;
CharDev *fake_chardev_new(void);
const uint8_t *fake_chardev_output(CharDev *c, size_t *len);
void fake_chardev_clear(CharDev *c);
/* Offers bytes to the device the way the main loop would (as many as it takes). */
size_t fake_chardev_input(CharDev *c, const uint8_t *buf, size_t len);
int fake_chardev_accepts(CharDev *c);

void test_group(const char *name);
int test_results(void);

#endif
