/*
 * High Precision Event Timer (IA-PC HPET specification 1.0a, 2.3 "Register
 * interface"): a 64-bit up-counter at 100 MHz and 3 comparators.
 *
 * Registers (64-bit, also reachable as 32-bit halves): 0x000 capabilities/ID
 * (rev 1, 3 timers, 64-bit counter, LegacyReplacement capable, vendor 0x8086,
 * period 10,000,000 fs = 10 ns), 0x010 general configuration (bit 0 ENABLE_CNF,
 * bit 1 LEG_RT_CNF), 0x020 general interrupt status (write 1 to clear, level
 * mode), 0x0F0 main counter, 0x100 + 0x20 n timer n configuration/capability,
 * 0x108 + 0x20 n comparator, 0x110 + 0x20 n FSB route (not capable: reads 0).
 * Every timer is periodic-capable and 64-bit, may be switched to 32-bit mode,
 * and may be routed to I/O APIC inputs 20..23 (Tn_INT_ROUTE_CAP 0x00F00000).
 *
 * A comparator fires when the counter reaches it (in 32-bit mode: its low 32
 * bits, again on every wrap); a periodic timer then adds its period. As in the
 * spec, writes to a periodic timer's comparator set the period, or with
 * Tn_VAL_SET_CNF set both the comparator and the period. A host timer runs only
 * while a timer is armed (counter enabled and its output or status used).
 */
#include "hw/apic.h"

#include <stdlib.h>

#define HPET_NUM_TIMERS  3
#define HPET_PERIOD_FS   10000000ull             /* 100 MHz */
#define HPET_TICK_NS     10
/* Periodic timers re-arm the host timer at most this often (see hw/apic.c). */
#define HPET_MIN_REARM_NS 1000
#define HPET_CAP ((HPET_PERIOD_FS << 32) | (0x8086u << 16) | (1u << 15) | (1u << 13) | \
                  ((HPET_NUM_TIMERS - 1) << 8) | 0x01)
#define CFG_ENABLE       1ull
#define CFG_LEGACY       2ull
#define TN_LEVEL         (1ull << 1)
#define TN_INT_ENB       (1ull << 2)
#define TN_PERIODIC      (1ull << 3)
#define TN_PER_CAP       (1ull << 4)
#define TN_SIZE_CAP      (1ull << 5)
#define TN_VAL_SET       (1ull << 6)
#define TN_32BIT         (1ull << 8)
#define TN_ROUTE_SHIFT   9
#define TN_ROUTE_MASK    (0x1full << TN_ROUTE_SHIFT)
#define TN_ROUTE_CAP     0x00f00000ull
#define TN_WRITABLE      (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32BIT | \
                          TN_ROUTE_MASK)
#define TN_FIXED         ((TN_ROUTE_CAP << 32) | TN_PER_CAP | TN_SIZE_CAP)

typedef struct HPETTimer {
    struct HPETState *hpet;
    int n;
    Timer *timer;
    uint64_t config;
    uint64_t cmp;
    uint64_t period;
} HPETTimer;

struct HPETState {
    Device dev;
    MainLoop *ml;
    MemRegion *mmio;
    IRQ irqs[IOAPIC_NUM_PINS];
    IRQ legacy_out;
    uint64_t config;
    uint64_t isr;
    uint64_t counter;           /* the counter at base_ns (frozen while halted) */
    int64_t base_ns;
    bool line[IOAPIC_NUM_PINS]; /* the level each output line has now */
    HPETTimer t[HPET_NUM_TIMERS];
};

static bool hpet_enabled(const HPETState *s) { return s->config & CFG_ENABLE; }

static uint64_t hpet_counter(const HPETState *s)
{
    if (!hpet_enabled(s)) {
        return s->counter;
    }
    int64_t now = clock_ns(s->ml);
    return s->counter + (uint64_t)((now - s->base_ns) / HPET_TICK_NS);
}

/* The output line timer t drives, or -1. */
static int timer_route(const HPETTimer *t)
{
    const HPETState *s = t->hpet;
    if ((s->config & CFG_LEGACY) && t->n < 2) {
        return t->n == 0 ? 0 : 8;
    }
    int r = (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    return TN_ROUTE_CAP >> r & 1 ? r : -1;
}

/* Level-mode outputs follow their status bits. */
static void hpet_update_lines(HPETState *s)
{
    bool want[IOAPIC_NUM_PINS] = { false };
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        int r = timer_route(t);
        if (r >= 0 && hpet_enabled(s) && (t->config & TN_LEVEL) &&
            (t->config & TN_INT_ENB) && (s->isr >> i & 1)) {
            want[r] = true;
        }
    }
    for (int r = 0; r < IOAPIC_NUM_PINS; r++) {
        if (want[r] != s->line[r]) {
            s->line[r] = want[r];
            irq_set(&s->irqs[r], want[r]);
        }
    }
}

static void timer_fire(HPETTimer *t)
{
    HPETState *s = t->hpet;
    if (t->config & TN_LEVEL) {
        s->isr |= 1ull << t->n;
        hpet_update_lines(s);
        return;
    }
    int r = timer_route(t);
    if ((t->config & TN_INT_ENB) && r >= 0 && !s->line[r]) {
        irq_pulse(&s->irqs[r]);
    }
}

static uint64_t timer_mask(const HPETTimer *t)
{
    return t->config & TN_32BIT ? 0xffffffffull : ~0ull;
}

/* Arms the host timer for the next time the counter reaches the comparator,
 * strictly after the counter's current value. */
static void timer_arm(HPETTimer *t, int64_t min_ns)
{
    HPETState *s = t->hpet;
    bool used = t->config & (TN_INT_ENB | TN_LEVEL | TN_PERIODIC);
    if (!hpet_enabled(s) || !used) {
        timer_del(t->timer);
        return;
    }
    uint64_t now_count = hpet_counter(s);
    uint64_t ticks = (t->cmp - now_count - 1) & timer_mask(t);
    if (ticks >= (1ull << 56)) {
        timer_del(t->timer);    /* centuries away (a 64-bit one-shot that fired) */
        return;
    }
    ticks++;
    uint64_t since_base = now_count - s->counter + ticks;
    int64_t when = s->base_ns + (int64_t)since_base * HPET_TICK_NS;
    int64_t now = clock_ns(s->ml);
    timer_mod(t->timer, when < now + min_ns ? now + min_ns : when);
}

static void timer_cb(void *opaque)
{
    HPETTimer *t = opaque;
    HPETState *s = t->hpet;
    uint64_t now_count = hpet_counter(s);
    uint64_t m = timer_mask(t);
    uint64_t past = (now_count - t->cmp) & m;
    if (past > m / 2) {
        timer_arm(t, 0);        /* not there yet */
        return;
    }
    if ((t->config & TN_PERIODIC) && t->period) {
        uint64_t p = t->period & m;
        uint64_t k = p ? past / p + 1 : 1;
        t->cmp = (t->cmp + k * p) & m;
    }
    timer_fire(t);
    timer_arm(t, (t->config & TN_PERIODIC) ? HPET_MIN_REARM_NS : 0);
}

static void hpet_arm_all(HPETState *s)
{
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_arm(&s->t[i], 0);
    }
}

static void hpet_write_config(HPETState *s, uint64_t v)
{
    uint64_t old = s->config;
    if ((v ^ old) & CFG_ENABLE) {
        s->counter = hpet_counter(s);
        s->base_ns = clock_ns(s->ml);
    }
    s->config = v & (CFG_ENABLE | CFG_LEGACY);
    if ((v ^ old) & CFG_LEGACY) {
        irq_set(&s->legacy_out, (s->config & CFG_LEGACY) != 0);
    }
    hpet_update_lines(s);
    hpet_arm_all(s);
}

static void hpet_write_timer(HPETTimer *t, unsigned reg, uint64_t v)
{
    HPETState *s = t->hpet;
    if (reg == 0) {
        t->config = (t->config & ~TN_WRITABLE) | (v & TN_WRITABLE) | TN_FIXED;
        if (t->config & TN_32BIT) {
            t->cmp &= 0xffffffffull;
            t->period &= 0xffffffffull;
        }
        if (!(t->config & TN_LEVEL)) {
            s->isr &= ~(1ull << t->n);
        }
    } else if (reg == 1) {
        v &= timer_mask(t);
        if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET)) {
            t->cmp = v;
        }
        t->period = v;
        t->config &= ~TN_VAL_SET;
    }
    hpet_update_lines(s);
    timer_arm(t, 0);
}

/* 64-bit registers by their 8-byte-aligned offset. */
static uint64_t hpet_read64(HPETState *s, unsigned off)
{
    switch (off) {
    case 0x000: return HPET_CAP;
    case 0x010: return s->config;
    case 0x020: return s->isr;
    case 0x0f0: return hpet_counter(s);
    }
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_NUM_TIMERS) {
        HPETTimer *t = &s->t[(off - 0x100) / 0x20];
        switch ((off - 0x100) % 0x20) {
        case 0x00: return t->config;
        case 0x08: return t->cmp;
        }
    }
    return 0;
}

static void hpet_write64(HPETState *s, unsigned off, uint64_t v)
{
    switch (off) {
    case 0x010:
        hpet_write_config(s, v);
        return;
    case 0x020:
        s->isr &= ~v;
        hpet_update_lines(s);
        return;
    case 0x0f0:
        s->counter = v;
        s->base_ns = clock_ns(s->ml);
        hpet_arm_all(s);
        return;
    }
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_NUM_TIMERS) {
        HPETTimer *t = &s->t[(off - 0x100) / 0x20];
        unsigned r = (off - 0x100) % 0x20;
        if (r < 0x10) {
            hpet_write_timer(t, r / 8, v);
        }
    }
}

/* Registers are read in 32- or 64-bit pieces; narrower reads give 0 (as in
 * QEMU). */
static uint64_t hpet_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    if (size < 4) {
        return 0;
    }
    uint64_t v = hpet_read64(opaque, offset & ~7u) >> ((offset & 7) * 8);
    return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

/* A 32-bit write changes its half of the 64-bit register. */
static void hpet_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    HPETState *s = opaque;
    unsigned off = offset & ~7u;
    if (size == 8) {
        hpet_write64(s, off, value);
        return;
    }
    if (size != 4) {
        return;
    }
    unsigned shift = (offset & 4) * 8;
    uint64_t cur = off == 0x020 ? 0 : hpet_read64(s, off);
    /* the comparator's half-writes apply to what was written, not the current
     * periodic value */
    if (off >= 0x100 && (off - 0x100) % 0x20 == 0x08) {
        HPETTimer *t = &s->t[(off - 0x100) / 0x20];
        if ((t->config & TN_PERIODIC) && !(t->config & TN_VAL_SET)) {
            cur = t->period;
        }
    }
    uint64_t v = (cur & ~(0xffffffffull << shift)) | ((value & 0xffffffffull) << shift);
    hpet_write64(s, off, v);
}

static const MemOps hpet_ops_mmio = { hpet_mmio_read, hpet_mmio_write };

static void hpet_reset(void *dev)
{
    HPETState *s = dev;
    bool legacy = s->config & CFG_LEGACY;
    s->config = 0;
    s->isr = 0;
    s->counter = 0;
    s->base_ns = clock_ns(s->ml);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        t->config = TN_FIXED;
        t->cmp = ~0ull;
        t->period = 0;
        timer_del(t->timer);
    }
    hpet_update_lines(s);
    if (legacy) {
        irq_lower(&s->legacy_out);
    }
}

static void hpet_save(void *dev, SaveStream *f)
{
    HPETState *s = dev;
    save_u64(f, s->config);
    save_u64(f, s->isr);
    save_u64(f, hpet_counter(s));
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        save_u64(f, s->t[i].config);
        save_u64(f, s->t[i].cmp);
        save_u64(f, s->t[i].period);
    }
}

static void hpet_load(void *dev, SaveStream *f)
{
    HPETState *s = dev;
    s->config = load_u64(f) & (CFG_ENABLE | CFG_LEGACY);
    s->isr = load_u64(f);
    s->counter = load_u64(f);
    s->base_ns = clock_ns(s->ml);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].config = (load_u64(f) & TN_WRITABLE) | TN_FIXED;
        s->t[i].cmp = load_u64(f);
        s->t[i].period = load_u64(f);
    }
    if (f->error) {
        return;
    }
    irq_set(&s->legacy_out, (s->config & CFG_LEGACY) != 0);
    hpet_update_lines(s);
    hpet_arm_all(s);
}

static void hpet_free(void *dev)
{
    HPETState *s = dev;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_free(s->t[i].timer);
    }
    memory_region_remove(s->mmio);
    free(s);
}

static const DeviceOps hpet_dev_ops = {
    .name = "hpet", .reset = hpet_reset, .save = hpet_save, .load = hpet_load,
    .free = hpet_free,
};

HPETState *hpet_new(AddressSpace *as, MainLoop *ml, const IRQ irqs[24], IRQ legacy_out)
{
    HPETState *s = calloc(1, sizeof(*s));
    s->dev.ops = &hpet_dev_ops;
    s->ml = ml;
    for (int r = 0; r < IOAPIC_NUM_PINS; r++) {
        s->irqs[r] = irqs[r];
    }
    s->legacy_out = legacy_out;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].hpet = s;
        s->t[i].n = i;
        s->t[i].timer = timer_new(ml, timer_cb, &s->t[i]);
    }
    s->mmio = memory_add_mmio(as, "hpet", HPET_DEFAULT_BASE, 0x400, &hpet_ops_mmio, s,
                              APIC_MMIO_PRIORITY);
    hpet_reset(s);
    return s;
}

Device *hpet_device(HPETState *s)
{
    return &s->dev;
}
