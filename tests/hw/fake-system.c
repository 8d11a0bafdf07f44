/*
 * The test stand-in for system/ described in fake-system.h. Not a model of
 * anything: just enough behaviour for device unit tests.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "tests/hw/fake-system.h"

enum { MAX_REGIONS = 64, MAX_TIMERS = 32 };

struct MemRegion {
    uint64_t base, size;
    const MemOps *ops;
    void *opaque;
    bool used;
};

struct AddressSpace {
    uint8_t *ram;
    MemRegion mmio[MAX_REGIONS];
};

typedef struct Port {
    const MemOps *ops;
    void *opaque;
    uint16_t base;
} Port;

struct IOSpace {
    Port ports[65536];
};

struct Timer {
    MainLoop *ml;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;                  /* -1: not pending */
};

struct MainLoop {
    int64_t now;
    Timer *timers[MAX_TIMERS];
    MachineRequest req;
    int code;
};

AddressSpace *address_space_new(void)
{
    AddressSpace *as = calloc(1, sizeof(*as));
    as->ram = calloc(1, FAKE_RAM_SIZE);
    return as;
}

void address_space_free(AddressSpace *as)
{
    free(as->ram);
    free(as);
}

uint8_t *fake_ram(AddressSpace *as)
{
    return as->ram;
}

MemRegion *memory_add_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                           const MemOps *ops, void *opaque, int priority)
{
    (void)name, (void)priority;
    for (int i = 0; i < MAX_REGIONS; i++) {
        if (!as->mmio[i].used) {
            as->mmio[i] = (MemRegion){ base, size, ops, opaque, true };
            return &as->mmio[i];
        }
    }
    abort();
}

void memory_region_move(MemRegion *r, uint64_t base)
{
    r->base = base;
}

MemRegion *fake_mmio_at(AddressSpace *as, uint64_t base)
{
    for (int i = 0; i < MAX_REGIONS; i++) {
        if (as->mmio[i].used && as->mmio[i].base == base) {
            return &as->mmio[i];
        }
    }
    return NULL;
}

void address_space_read(AddressSpace *as, uint64_t paddr, void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = paddr + i < FAKE_RAM_SIZE ? as->ram[paddr + i] : 0xff;
    }
}

void address_space_write(AddressSpace *as, uint64_t paddr, const void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (paddr + i < FAKE_RAM_SIZE) {
            as->ram[paddr + i] = ((const uint8_t *)buf)[i];
        }
    }
}

void address_space_write_rom(AddressSpace *as, uint64_t paddr, const void *buf, size_t len)
{
    address_space_write(as, paddr, buf, len);
}

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
    for (unsigned p = base; p < (unsigned)base + count && p < 65536; p++) {
        io->ports[p] = (Port){ ops, opaque, base };
    }
}

void ioport_unregister(IOSpace *io, uint16_t base, uint16_t count)
{
    for (unsigned p = base; p < (unsigned)base + count && p < 65536; p++) {
        io->ports[p] = (Port){ 0 };
    }
}

uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size)
{
    Port *p = &io->ports[port];
    if (!p->ops) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return p->ops->read(p->opaque, port - p->base, size);
}

void ioport_write(IOSpace *io, uint16_t port, uint32_t value, unsigned size)
{
    Port *p = &io->ports[port];
    if (p->ops) {
        p->ops->write(p->opaque, port - p->base, value, size);
    }
}

MainLoop *main_loop_new(void)
{
    return calloc(1, sizeof(MainLoop));
}

int64_t clock_ns(MainLoop *ml)
{
    return ml->now;
}

Timer *timer_new(MainLoop *ml, TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    *t = (Timer){ ml, cb, opaque, -1 };
    for (int i = 0; i < MAX_TIMERS; i++) {
        if (!ml->timers[i]) {
            ml->timers[i] = t;
            return t;
        }
    }
    abort();
}

void timer_free(Timer *t)
{
    for (int i = 0; i < MAX_TIMERS; i++) {
        if (t->ml->timers[i] == t) {
            t->ml->timers[i] = NULL;
        }
    }
    free(t);
}

void timer_mod(Timer *t, int64_t expire_ns) { t->expire = expire_ns; }
void timer_del(Timer *t) { t->expire = -1; }
bool timer_pending(const Timer *t) { return t->expire >= 0; }
int64_t timer_expire_time(const Timer *t) { return t->expire; }

void fake_set_clock(MainLoop *ml, int64_t ns)
{
    ml->now = ns;
    for (int i = 0; i < MAX_TIMERS; i++) {
        Timer *t = ml->timers[i];
        if (t && t->expire >= 0 && t->expire <= ns) {
            t->expire = -1;
            t->cb(t->opaque);
        }
    }
}

void main_loop_request(MainLoop *ml, MachineRequest req, int exit_code)
{
    ml->req = req;
    ml->code = exit_code;
}

MachineRequest main_loop_take_request(MainLoop *ml, int *exit_code)
{
    MachineRequest r = ml->req;
    if (exit_code) {
        *exit_code = ml->code;
    }
    ml->req = REQ_NONE;
    return r;
}

