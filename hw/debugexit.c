/*
 * QEMU's isa-debug-exit device: a write of v to its ports makes the emulator
 * exit with status (v << 1) | 1, so test guests report results (QEMU's
 * documented behaviour of "-device isa-debug-exit,iobase=,iosize="; default
 * iobase 0x501, iosize 2). Reads return 0.
 */
#include <stdlib.h>
#include "hw/device.h"
#include "hw/isa.h"

struct DebugExitState {
    Device dev;
    MainLoop *ml;
};

static uint64_t debugexit_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque; (void)off; (void)size;
    return 0;
}

static void debugexit_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    DebugExitState *s = opaque;
    (void)off;
    if (size < 4) {
        v &= (1u << (8 * size)) - 1;
    }
    main_loop_request(s->ml, REQ_EXIT_CODE, (int)(((uint32_t)v << 1) | 1));
}

static const MemOps debugexit_ops = { debugexit_read, debugexit_write };

static void debugexit_reset(void *dev) { (void)dev; }
static void debugexit_save(void *dev, SaveStream *f) { (void)dev; (void)f; }
static void debugexit_load(void *dev, SaveStream *f) { (void)dev; (void)f; }
static void debugexit_free(void *dev) { free(dev); }

static const DeviceOps debugexit_dev_ops = {
    .name = "isa-debug-exit", .reset = debugexit_reset, .save = debugexit_save,
    .load = debugexit_load, .free = debugexit_free,
};

DebugExitState *debugexit_new(IOSpace *io, MainLoop *ml, uint16_t iobase, uint16_t iosize)
{
    DebugExitState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &debugexit_dev_ops;
    s->ml = ml;
    ioport_register(io, "isa-debug-exit", iobase, iosize ? iosize : 1, &debugexit_ops, s);
    return s;
}
