/*
 * Test doubles for the APIC/HPET unit tests (see apic-fake.h): just enough of
 * system/memory.h, system/main-loop.h and the hw/device.h save streams.
 */
#include "tests/hw/apic-fake.h"

#include <stdlib.h>

#include "hw/device.h"

#define MAX_REGIONS 16
#define MAX_TIMERS 16

struct MemRegion {
    uint64_t base, size;
    const MemOps *ops;
    void *opaque;
    int priority;
    AddressSpace *as;
};

struct AddressSpace {
    MemRegion *r[MAX_REGIONS];
    int n;
};

struct Timer {
    MainLoop *ml;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;             /* -1: not pending */
};

struct MainLoop {
    int64_t now;
    Timer *t[MAX_TIMERS];
    int n;
};

AddressSpace *address_space_new(void) { return calloc(1, sizeof(AddressSpace)); }

void address_space_free(AddressSpace *as)
{
    for (int i = 0; i < as->n; i++) {
        free(as->r[i]);
    }
    free(as);
}

MemRegion *memory_add_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                           const MemOps *ops, void *opaque, int priority)
{
    (void)name;
    MemRegion *r = calloc(1, sizeof(*r));
    *r = (MemRegion){ base, size, ops, opaque, priority, as };
    if (as->n < MAX_REGIONS) {
        as->r[as->n++] = r;
    }
    return r;
}

void memory_region_move(MemRegion *r, uint64_t base) { r->base = base; }

void memory_region_remove(MemRegion *r)
{
    AddressSpace *as = r->as;
    for (int i = 0; i < as->n; i++) {
        if (as->r[i] == r) {
            as->r[i] = as->r[--as->n];
        }
    }
    free(r);
}

static MemRegion *find(AddressSpace *as, uint64_t addr)
{
    MemRegion *best = NULL;
    for (int i = 0; i < as->n; i++) {
        MemRegion *r = as->r[i];
        if (r->base != UINT64_MAX && addr >= r->base && addr - r->base < r->size &&
            (!best || r->priority > best->priority)) {
            best = r;
        }
    }
    return best;
}

uint64_t fake_mmio_read(AddressSpace *as, uint64_t addr, unsigned size)
{
    MemRegion *r = find(as, addr);
    if (!r) {
        return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    }
    return r->ops->read(r->opaque, addr - r->base, size);
}

void fake_mmio_write(AddressSpace *as, uint64_t addr, uint64_t value, unsigned size)
{
    MemRegion *r = find(as, addr);
    if (r) {
        r->ops->write(r->opaque, addr - r->base, value, size);
    }
}

MainLoop *main_loop_new(void) { return calloc(1, sizeof(MainLoop)); }
void main_loop_free(MainLoop *ml) { free(ml); }
int64_t clock_ns(MainLoop *ml) { return ml->now; }

Timer *timer_new(MainLoop *ml, TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    *t = (Timer){ ml, cb, opaque, -1 };
    if (ml->n < MAX_TIMERS) {
        ml->t[ml->n++] = t;
    }
    return t;
}

void timer_free(Timer *t)
{
    MainLoop *ml = t->ml;
    for (int i = 0; i < ml->n; i++) {
        if (ml->t[i] == t) {
            ml->t[i] = ml->t[--ml->n];
        }
    }
    free(t);
}

void timer_mod(Timer *t, int64_t expire_ns) { t->expire = expire_ns; }
void timer_del(Timer *t) { t->expire = -1; }
bool timer_pending(const Timer *t) { return t->expire >= 0; }
int64_t timer_expire_time(const Timer *t) { return t->expire; }

int fake_timers_pending(MainLoop *ml)
{
    int n = 0;
    for (int i = 0; i < ml->n; i++) {
        n += ml->t[i]->expire >= 0;
    }
    return n;
}

void fake_advance(MainLoop *ml, int64_t ns)
{
    int64_t end = ml->now + ns;
    for (;;) {
        Timer *next = NULL;
        for (int i = 0; i < ml->n; i++) {
            Timer *t = ml->t[i];
            if (t->expire >= 0 && t->expire <= end && (!next || t->expire < next->expire)) {
                next = t;
            }
        }
        if (!next) {
            break;
        }
        if (next->expire > ml->now) {
            ml->now = next->expire;
        }
        next->expire = -1;
        next->cb(next->opaque);
    }
    ml->now = end;
}

