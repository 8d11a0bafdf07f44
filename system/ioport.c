/*
 * The I/O port space (system/memory.h): 65536 ports, each pointing at the device
 * that claimed it (Intel SDM vol. 1, 19.2-19.3: 16-bit port addresses, 8/16/32-bit
 * accesses to consecutive ports). An access whose ports all belong to one device
 * reaches it as one access of that size; one spanning several owners is split
 * into byte accesses. Unclaimed ports read all-ones and ignore writes, as the
 * ISA bus does.
 */
#include <stdlib.h>
#include "system/memory.h"

typedef struct IOPortEntry {
    const MemOps *ops;
    void *opaque;
    uint16_t base;
} IOPortEntry;

struct IOSpace {
    IOPortEntry port[65536];
};

IOSpace *io_space_new(void)
{
    return calloc(1, sizeof(IOSpace));
}

void io_space_free(IOSpace *io)
{
    free(io);
}

void ioport_register(IOSpace *io, const char *name, uint16_t base, uint16_t count,
                     const MemOps *ops, void *opaque)
{
    (void)name;
    for (uint32_t i = 0; i < count && base + i < 65536; i++) {
        io->port[base + i] = (IOPortEntry){ ops, opaque, base };
    }
}

void ioport_unregister(IOSpace *io, uint16_t base, uint16_t count)
{
    for (uint32_t i = 0; i < count && base + i < 65536; i++) {
        io->port[base + i] = (IOPortEntry){ NULL, NULL, 0 };
    }
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

/* true when ports [port, port + size) all belong to the device at port */
static bool one_owner(IOSpace *io, uint16_t port, unsigned size)
{
    const IOPortEntry *e = &io->port[port];
    for (unsigned i = 1; i < size; i++) {
        const IOPortEntry *o = &io->port[(uint16_t)(port + i)];
        if (port + i > 0xffff || o->ops != e->ops || o->opaque != e->opaque || o->base != e->base) {
            return false;
        }
    }
    return true;
}

uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size)
{
    const IOPortEntry *e = &io->port[port];
    if (one_owner(io, port, size)) {
        if (!e->ops || !e->ops->read) {
            return size_mask(size);
        }
        return e->ops->read(e->opaque, port - e->base, size) & size_mask(size);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        /* bytes past port 0xFFFF reach nothing */
        uint32_t b = port + i > 0xffff ? 0xff : ioport_read(io, port + i, 1);
        v |= b << (8 * i);
    }
    return v;
}

void ioport_write(IOSpace *io, uint16_t port, uint32_t value, unsigned size)
{
    const IOPortEntry *e = &io->port[port];
    if (one_owner(io, port, size)) {
        if (e->ops && e->ops->write) {
            e->ops->write(e->opaque, port - e->base, value & size_mask(size), size);
        }
        return;
    }
    for (unsigned i = 0; i < size && port + i <= 0xffff; i++) {
        ioport_write(io, port + i, (value >> (8 * i)) & 0xff, 1);
    }
}
