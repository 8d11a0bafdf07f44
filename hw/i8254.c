/*
 * Intel 8254 programmable interval timer at 0x40-0x43 (input clock 1.193182 MHz)
 * and the PC/AT's port 0x61 (System Control Port B): bit 0 gates counter 2,
 * bit 1 enables the speaker data, bit 4 is the refresh request toggle
 * (every 15.085 us), bit 5 reads counter 2's output.
 *
 * Counters are not stepped: a counter's value and output are computed from the
 * clock (ticks since the count was loaded). Counter 0's output drives IRQ 0 and a
 * timer is armed only for its next output edge.
 *
 * Spec: Intel 8254 / 82C54 data sheets (modes 0-5, control word, counter latch,
 * read-back command, status byte, BCD counting); IBM PC/AT Technical Reference
 * (port 0x61).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "hw/isa.h"

typedef struct PITChannel {
    uint32_t count;         /* the loaded count, 1..65536 (or 1..10000 BCD) */
    uint16_t latch;         /* latched count */
    uint8_t mode, rw, bcd;
    uint8_t gate;
    uint8_t latched;        /* bytes of latched count still to read (0, 1, 2) */
    uint8_t status;         /* latched status byte */
    bool status_latched;
    bool read_msb;          /* rw 3: next read gives the MSB */
    bool write_msb;         /* rw 3: next write is the MSB */
    uint8_t write_lsb;
    bool null_count;        /* no count loaded since the control word */
    bool frozen;            /* mode 0/4 with gate low: counting stopped */
    int64_t load_ns;        /* clock when counting (re)started */
    uint64_t frozen_ticks;  /* ticks counted before the gate went low */
} PITChannel;

struct PITState {
    Device dev;
    PITChannel ch[3];
    MainLoop *ml;
    Timer *timer;
    IRQ irq0;
    bool irq_enabled;
    int irq_level;
    uint64_t irq_ticks;     /* counter 0 ticks up to which IRQ 0 is current */
    uint8_t port61;         /* bits 0-3 as written */
};

#define NS_PER_SEC 1000000000LL

static uint64_t ns_to_ticks(int64_t ns)
{
    return (unsigned __int128)(uint64_t)ns * PIT_FREQ / NS_PER_SEC;
}

/* First clock time at which ticks have elapsed (rounded up). */
static int64_t ticks_to_ns(uint64_t ticks)
{
    return ((unsigned __int128)ticks * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ;
}

static uint64_t elapsed(PITState *s, PITChannel *c)
{
    if (c->null_count) {
        return 0;
    }
    if (c->frozen) {
        return c->frozen_ticks;
    }
    return c->frozen_ticks + ns_to_ticks(clock_ns(s->ml) - c->load_ns);
}

static uint32_t modulus(PITChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* The counting element after d ticks (data sheet, mode descriptions). */
static uint32_t counter_at(PITChannel *c, uint64_t d)
{
    uint32_t n = c->count;
    switch (c->mode) {
    case 2:
        return n - d % n;
    case 3: {
        uint64_t p = d % n, high = (n + 1) / 2;
        uint64_t h = p < high ? p : p - high;
        uint32_t v = n - 2 * h;
        return v & ~1u;
    }
    default:                                /* 0, 1, 4, 5: count down and wrap */
        return (n + modulus(c) - d % modulus(c)) % modulus(c);
    }
}

static int out_at(PITChannel *c, uint64_t d)
{
    uint32_t n = c->count;
    if (c->null_count) {
        return c->mode != 0;
    }
    switch (c->mode) {
    case 0: case 1: return d >= n;
    case 2: return n < 2 || d % n != n - 1;
    case 3: return d % n < (n + 1) / 2;
    default: return d != n;                 /* 4, 5: one-tick strobe */
    }
}

/* The first tick > d at which the output changes, or UINT64_MAX. */
static uint64_t next_edge(PITChannel *c, uint64_t d)
{
    uint32_t n = c->count;
    if (c->null_count || c->frozen) {
        return UINT64_MAX;
    }
    switch (c->mode) {
    case 0: case 1: return d < n ? n : UINT64_MAX;
    case 2: {
        if (n < 2) {
            return UINT64_MAX;
        }
        uint64_t base = d - d % n, p = d % n;
        return p < n - 1 ? base + n - 1 : base + n;
    }
    case 3: {
        uint64_t base = d - d % n, p = d % n, high = (n + 1) / 2;
        if (n < 2) {
            return UINT64_MAX;
        }
        return p < high ? base + high : base + n;
    }
    default:
        return d < n ? n : d == n ? n + 1 : UINT64_MAX;
    }
}

static void irq0_set(PITState *s, int level)
{
    if (level != s->irq_level) {
        s->irq_level = level;
        if (s->irq_enabled) {
            irq_set(&s->irq0, level);
        }
    }
}

/* Brings IRQ 0 up to the present, replaying at most a few edges (a late timer
 * loses whole periods, as a busy host would), and arms the timer for the next. */
static void pit_irq_update(PITState *s)
{
    PITChannel *c = &s->ch[0];
    uint64_t now = elapsed(s, c);
    int edges = 0;
    uint64_t e;
    while ((e = next_edge(c, s->irq_ticks)) <= now && edges < 4) {
        irq0_set(s, out_at(c, e));
        s->irq_ticks = e;
        edges++;
    }
    if (s->irq_ticks < now) {
        s->irq_ticks = now;
    }
    irq0_set(s, out_at(c, now));
    e = next_edge(c, now);
    if (e == UINT64_MAX || !s->irq_enabled) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, c->load_ns + ticks_to_ns(e - c->frozen_ticks));
    }
}

static void pit_timer_cb(void *opaque)
{
    pit_irq_update(opaque);
}

static void channel_changed(PITState *s, int i)
{
    if (i == 0) {
        s->irq_ticks = elapsed(s, &s->ch[0]);
        pit_irq_update(s);
    }
}

static void start_counting(PITState *s, PITChannel *c)
{
    c->null_count = false;
    c->frozen_ticks = 0;
    c->load_ns = clock_ns(s->ml);
    c->frozen = (c->mode == 0 || c->mode == 4) && !c->gate;
}

static uint32_t from_bcd(uint32_t v)
{
    return (v >> 12 & 15) * 1000 + (v >> 8 & 15) * 100 + (v >> 4 & 15) * 10 + (v & 15);
}

static uint16_t to_bcd(uint32_t v)
{
    return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
}

static void load_count(PITState *s, int i, uint32_t raw)
{
    PITChannel *c = &s->ch[i];
    uint32_t n = c->bcd ? from_bcd(raw) : raw;
    c->count = n ? n : modulus(c);
    start_counting(s, c);
    channel_changed(s, i);
}

static void pit_set_gate(PITState *s, int i, int gate)
{
    PITChannel *c = &s->ch[i];
    if (gate == c->gate) {
        return;
    }
    if (c->mode == 0 || c->mode == 4) {     /* gate low suspends counting */
        if (!gate && !c->null_count) {
            c->frozen_ticks = elapsed(s, c);
            c->frozen = true;
        } else if (gate && c->frozen) {
            c->frozen = false;
            c->load_ns = clock_ns(s->ml);
        }
    } else if (gate && !c->null_count) {    /* rising edge (re)triggers */
        start_counting(s, c);
    }
    c->gate = gate;
    channel_changed(s, i);
}

static uint8_t status_byte(PITState *s, PITChannel *c)
{
    int out = out_at(c, elapsed(s, c));
    if (c->mode == 2 || c->mode == 3) {
        out = c->gate ? out : 1;
    }
    return out << 7 | c->null_count << 6 | c->rw << 4 | c->mode << 1 | c->bcd;
}

static void latch_count(PITState *s, PITChannel *c)
{
    if (c->latched) {
        return;                             /* a second latch is ignored */
    }
    uint32_t v = counter_at(c, elapsed(s, c)) & 0xffff;
    c->latch = c->bcd ? to_bcd(v) : v;
    c->latched = c->rw == 3 ? 2 : 1;
    c->read_msb = c->rw == 2;
}

static void pit_control(PITState *s, uint8_t v)
{
    int sel = v >> 6;
    if (sel == 3) {                         /* read-back */
        for (int i = 0; i < 3; i++) {
            if (!(v & (2 << i))) {
                continue;
            }
            PITChannel *c = &s->ch[i];
            if (!(v & 0x10) && !c->status_latched) {
                c->status = status_byte(s, c);
                c->status_latched = true;
            }
            if (!(v & 0x20)) {
                latch_count(s, c);
            }
        }
        return;
    }
    PITChannel *c = &s->ch[sel];
    int rw = v >> 4 & 3;
    if (rw == 0) {
        latch_count(s, c);
        return;
    }
    c->rw = rw;
    c->mode = v >> 1 & 7;
    if (c->mode > 5) {
        c->mode -= 4;                       /* 6, 7 are 2, 3 */
    }
    c->bcd = v & 1;
    c->null_count = true;
    c->frozen = false;
    c->latched = 0;
    c->status_latched = false;
    c->read_msb = rw == 2;
    c->write_msb = rw == 2;
    channel_changed(s, sel);
}

static uint8_t pit_read_channel(PITState *s, int i)
{
    PITChannel *c = &s->ch[i];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    if (c->latched) {
        v = c->latch;
        c->latched--;
    } else {
        uint32_t raw = counter_at(c, elapsed(s, c)) & 0xffff;
        v = c->bcd ? to_bcd(raw) : raw;
    }
    bool msb = c->read_msb;
    if (c->rw == 3) {
        c->read_msb = !c->read_msb;
    }
    return msb ? v >> 8 : v & 0xff;
}

static void pit_write_channel(PITState *s, int i, uint8_t v)
{
    PITChannel *c = &s->ch[i];
    switch (c->rw) {
    case 1: load_count(s, i, v); break;
    case 2: load_count(s, i, v << 8); break;
    case 3:
        if (!c->write_msb) {
            c->write_lsb = v;
            c->write_msb = true;
        } else {
            c->write_msb = false;
            load_count(s, i, c->write_lsb | v << 8);
        }
        break;
    default: break;
    }
}

static uint64_t pit_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    if (off == 3) {
        return 0xff;                        /* the control word is write-only */
    }
    return pit_read_channel(opaque, off);
}

static void pit_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    if (off == 3) {
        pit_control(opaque, v);
    } else {
        pit_write_channel(opaque, off, v);
    }
}

static uint64_t port61_read(void *opaque, uint64_t off, unsigned size)
{
    PITState *s = opaque;
    PITChannel *c = &s->ch[2];
    (void)off; (void)size;
    int refresh = (clock_ns(s->ml) / 15085) & 1;
    int out2 = out_at(c, elapsed(s, c));
    if ((c->mode == 2 || c->mode == 3) && !c->gate) {
        out2 = 1;
    }
    return (s->port61 & 0x0f) | refresh << 4 | out2 << 5;
}

static void port61_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    PITState *s = opaque;
    (void)off; (void)size;
    s->port61 = v & 0x0f;
    pit_set_gate(s, 2, v & 1);
}

static const MemOps pit_ops = { pit_read, pit_write };
static const MemOps port61_ops = { port61_read, port61_write };

void pit_set_irq_enabled(PITState *s, bool enabled)
{
    if (enabled == s->irq_enabled) {
        return;
    }
    s->irq_enabled = enabled;
    if (enabled) {
        irq_set(&s->irq0, s->irq_level);
    } else {
        irq_set(&s->irq0, 0);
    }
    pit_irq_update(s);
}

static void pit_reset(void *dev)
{
    PITState *s = dev;
    for (int i = 0; i < 3; i++) {
        PITChannel *c = &s->ch[i];
        memset(c, 0, sizeof(*c));
        c->mode = 3;
        c->rw = 3;
        c->count = 65536;
        c->null_count = true;
        c->gate = i != 2;
    }
    s->port61 = 0;
    s->irq_ticks = 0;
    timer_del(s->timer);
    irq0_set(s, 0);
}

static void channel_save(PITChannel *c, SaveStream *f)
{
    save_u32(f, c->count); save_u16(f, c->latch);
    save_u8(f, c->mode); save_u8(f, c->rw); save_u8(f, c->bcd); save_u8(f, c->gate);
    save_u8(f, c->latched); save_u8(f, c->status);
    save_u8(f, c->status_latched | c->read_msb << 1 | c->write_msb << 2 |
               c->null_count << 3 | c->frozen << 4);
    save_u8(f, c->write_lsb);
    save_u64(f, c->load_ns); save_u64(f, c->frozen_ticks);
}

static void channel_load(PITChannel *c, SaveStream *f)
{
    c->count = load_u32(f); c->latch = load_u16(f);
    c->mode = load_u8(f); c->rw = load_u8(f) & 3; c->bcd = load_u8(f) & 1;
    c->gate = load_u8(f) & 1; c->latched = load_u8(f); c->status = load_u8(f);
    uint8_t b = load_u8(f);
    c->status_latched = b & 1; c->read_msb = b & 2; c->write_msb = b & 4;
    c->null_count = b & 8; c->frozen = b & 16;
    c->write_lsb = load_u8(f);
    c->load_ns = load_u64(f); c->frozen_ticks = load_u64(f);
    if (c->count == 0 || c->count > 65536 || c->mode > 5 || c->latched > 2) {
        f->error = true;
        c->count = 65536; c->mode = 3; c->latched = 0;
    }
}

static void pit_save(void *dev, SaveStream *f)
{
    PITState *s = dev;
    for (int i = 0; i < 3; i++) {
        channel_save(&s->ch[i], f);
    }
    save_u8(f, s->port61); save_u8(f, s->irq_enabled); save_u8(f, s->irq_level);
    save_u64(f, s->irq_ticks);
}

static void pit_load(void *dev, SaveStream *f)
{
    PITState *s = dev;
    for (int i = 0; i < 3; i++) {
        channel_load(&s->ch[i], f);
    }
    s->port61 = load_u8(f) & 0x0f;
    s->irq_enabled = load_u8(f) & 1;
    s->irq_level = load_u8(f) & 1;
    s->irq_ticks = load_u64(f);
    irq_set(&s->irq0, s->irq_enabled && s->irq_level);
    pit_irq_update(s);
}

static void pit_free(void *dev)
{
    PITState *s = dev;
    timer_free(s->timer);
    free(s);
}

static const DeviceOps pit_dev_ops = {
    .name = "isa-pit", .reset = pit_reset, .save = pit_save, .load = pit_load,
    .free = pit_free,
};

PITState *pit_new(IOSpace *io, MainLoop *ml, IRQ irq0)
{
    PITState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &pit_dev_ops;
    s->ml = ml;
    s->irq0 = irq0;
    s->irq_enabled = true;
    s->timer = timer_new(ml, pit_timer_cb, s);
    pit_reset(s);
    ioport_register(io, "pit", 0x40, 4, &pit_ops, s);
    ioport_register(io, "port61", 0x61, 1, &port61_ops, s);
    return s;
}
