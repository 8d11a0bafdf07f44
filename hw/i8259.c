/*
 * Two cascaded Intel 8259A programmable interrupt controllers, as in the PC/AT:
 * the master at 0x20/0x21, the slave at 0xa0/0xa1 on the master's IR2, and the
 * edge/level control registers (ELCR) at 0x4d0/0x4d1 of the PIIX chipsets.
 *
 * Spec: Intel 8259A data sheet (ICW1-ICW4, OCW1-OCW3, priority resolver, special
 * mask mode, auto-EOI, poll command, spurious IR7); Intel 82371AB (PIIX4) data
 * sheet for ELCR1/ELCR2 (IRQ 0, 1, 2, 8 and 13 are always edge-triggered).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "hw/isa.h"

typedef struct PICChip {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register */
    uint8_t elcr;           /* 1 = level-triggered input */
    uint8_t elcr_mask;      /* ELCR bits that may be set */
    uint8_t last_level;     /* input levels, for edge detection */
    uint8_t lowest;         /* the input with the lowest priority (rotation) */
    uint8_t vector_base;    /* ICW2 bits 7-3 */
    uint8_t icw3;
    uint8_t init_step;      /* 0: operational; 2, 3, 4: the ICW expected next */
    bool icw4_needed;
    bool single;
    bool ltim;              /* ICW1 level-triggered mode for all inputs */
    bool auto_eoi;
    bool rotate_auto_eoi;
    bool sfnm;              /* special fully nested mode */
    bool special_mask;
    bool read_isr;          /* OCW3: reads of port 0 give ISR (else IRR) */
    bool poll;              /* OCW3 poll command: next read of port 0 polls */
} PICChip;

struct PICState {
    Device dev;
    PICChip chip[2];        /* 0 master, 1 slave */
    IRQ intr;
    int intr_level;
    uint64_t irq_count[16];  /* rising edges per input, for the monitor's info irq */
};

static int prio_of(const PICChip *c, int irq)
{
    return (irq - c->lowest - 1) & 7;       /* 0 = highest */
}

/* The highest-priority set bit of mask, or -1. */
static int highest(const PICChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int irq = (c->lowest + 1 + p) & 7;
        if (mask & (1 << irq)) {
            return irq;
        }
    }
    return -1;
}

/* The request the chip would present now, or -1 (data sheet: priority resolver). */
static int chip_pending(const PICChip *c, bool is_master)
{
    int irq = highest(c, c->irr & ~c->imr);
    if (irq < 0) {
        return -1;
    }
    uint8_t isr = c->isr;
    if (c->special_mask) {
        isr &= ~c->imr;
    }
    if (is_master && c->sfnm) {
        isr &= ~(1 << 2);   /* the slave may interrupt its own service routine */
    }
    int cur = highest(c, isr);
    if (cur >= 0 && prio_of(c, cur) <= prio_of(c, irq)) {
        return -1;
    }
    return irq;
}

static void pic_update(PICState *s)
{
    PICChip *m = &s->chip[0];
    if (chip_pending(&s->chip[1], false) >= 0) {
        m->irr |= 1 << 2;   /* the cascade input follows the slave's INT level */
    } else {
        m->irr &= ~(1 << 2);
    }
    int level = chip_pending(m, true) >= 0;
    if (level != s->intr_level) {
        s->intr_level = level;
        irq_set(&s->intr, level);
    }
}

static void chip_set_input(PICChip *c, int n, int level)
{
    uint8_t bit = 1 << n;
    if (c->ltim || (c->elcr & bit)) {
        if (level) {
            c->irr |= bit;
        } else {
            c->irr &= ~bit;
        }
    } else if (level && !(c->last_level & bit)) {
        c->irr |= bit;
    }
    if (level) {
        c->last_level |= bit;
    } else {
        c->last_level &= ~bit;
    }
}

static void pic_set_irq(void *opaque, int irq, int level)
{
    PICState *s = opaque;
    if (irq < 0 || irq > 15) {
        return;
    }
    if (level && !(s->chip[irq >> 3].last_level & (1 << (irq & 7)))) {
        s->irq_count[irq]++;
    }
    chip_set_input(&s->chip[irq >> 3], irq & 7, level);
    pic_update(s);
}

/* The monitor's info pic (the fields QEMU's shows) and info irq. */
void pic_info(PICState *s, FILE *out)
{
    for (int i = 0; i < 2; i++) {
        const PICChip *c = &s->chip[i];
        fprintf(out, "pic%d: irr=%02x imr=%02x isr=%02x hprio=%d irq_base=%02x rr_sel=%d "
                "elcr=%02x fnm=%d\n", i, c->irr, c->imr, c->isr, (c->lowest + 1) & 7,
                c->vector_base, c->read_isr, c->elcr, c->sfnm);
    }
}

void pic_irq_stats(PICState *s, FILE *out)
{
    fprintf(out, "IRQ statistics:\n");
    for (int i = 0; i < 16; i++) {
        if (s->irq_count[i]) {
            fprintf(out, "%2d: %llu\n", i, (unsigned long long)s->irq_count[i]);
        }
    }
}

IRQ pic_input(PICState *s, int irq)
{
    return irq_line(pic_set_irq, s, irq);
}

bool pic_intr_pending(PICState *s)
{
    return s->intr_level;
}

/* One chip's acknowledge of irq: ISR set (or auto-EOI), edge request consumed. */
static void chip_ack(PICChip *c, int irq)
{
    uint8_t bit = 1 << irq;
    if (c->auto_eoi) {
        if (c->rotate_auto_eoi) {
            c->lowest = irq;
        }
    } else {
        c->isr |= bit;
    }
    if (!(c->ltim || (c->elcr & bit))) {
        c->irr &= ~bit;
    }
}

int pic_get_interrupt(PICState *s)
{
    PICChip *m = &s->chip[0], *sl = &s->chip[1];
    int irq = chip_pending(m, true);
    int vector;
    if (irq < 0) {
        if (!s->intr_level) {
            return -1;
        }
        vector = m->vector_base | 7;        /* spurious IRQ 7 */
    } else if (irq == 2) {
        int sirq = chip_pending(sl, false);
        chip_ack(m, 2);
        if (sirq >= 0) {
            chip_ack(sl, sirq);
            vector = sl->vector_base | sirq;
        } else {
            vector = sl->vector_base | 7;   /* spurious IRQ 15 */
        }
    } else {
        chip_ack(m, irq);
        vector = m->vector_base | irq;
    }
    pic_update(s);
    return vector;
}

/* OCW2: end of interrupt and priority rotation. */
static void chip_ocw2(PICChip *c, uint8_t v)
{
    int level = v & 7;
    int irq;
    switch (v >> 5) {
    case 0: c->rotate_auto_eoi = false; break;
    case 4: c->rotate_auto_eoi = true; break;
    case 1: case 5:                         /* non-specific EOI (and rotate) */
        irq = highest(c, c->isr);
        if (irq >= 0) {
            c->isr &= ~(1 << irq);
            if (v & 0x80) {
                c->lowest = irq;
            }
        }
        break;
    case 3: case 7:                         /* specific EOI (and rotate) */
        c->isr &= ~(1 << level);
        if (v & 0x80) {
            c->lowest = level;
        }
        break;
    case 6: c->lowest = level; break;       /* set priority */
    default: break;                         /* 2: no operation */
    }
}

static void chip_icw1(PICChip *c, uint8_t v)
{
    c->icw4_needed = v & 1;
    c->single = v & 2;
    c->ltim = v & 8;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr &= c->elcr;          /* the edge sense latches are reset */
    c->last_level = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_auto_eoi = false;
    c->sfnm = false;
}

static void chip_write(PICChip *c, int a0, uint8_t v)
{
    if (!a0) {
        if (v & 0x10) {
            chip_icw1(c, v);
        } else if (v & 0x08) {              /* OCW3 */
            if (v & 0x04) {
                c->poll = true;
            }
            if (v & 0x02) {
                c->read_isr = v & 1;
            }
            if (v & 0x40) {
                c->special_mask = v & 0x20;
            }
        } else {
            chip_ocw2(c, v);
        }
        return;
    }
    switch (c->init_step) {
    case 2:
        c->vector_base = v & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->auto_eoi = v & 2;
        c->sfnm = v & 0x10;
        c->init_step = 0;
        break;
    default:
        c->imr = v;                         /* OCW1 */
        break;
    }
}

/* The poll command: the read is an acknowledge; 0x80 | level or 0. */
static uint8_t pic_poll(PICState *s, int which)
{
    PICChip *c = &s->chip[which];
    int irq = chip_pending(c, which == 0);
    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    chip_ack(c, irq);
    pic_update(s);
    return 0x80 | irq;
}

static uint64_t pic_read(PICState *s, int which, int a0)
{
    PICChip *c = &s->chip[which];
    if (c->poll) {
        return pic_poll(s, which);
    }
    if (a0) {
        return c->imr;
    }
    return c->read_isr ? c->isr : c->irr;
}

static uint64_t master_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return pic_read(opaque, 0, off & 1);
}

static uint64_t slave_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return pic_read(opaque, 1, off & 1);
}

static void master_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    PICState *s = opaque;
    (void)size;
    chip_write(&s->chip[0], off & 1, v);
    pic_update(s);
}

static void slave_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    PICState *s = opaque;
    (void)size;
    chip_write(&s->chip[1], off & 1, v);
    pic_update(s);
}

static uint64_t elcr_read(void *opaque, uint64_t off, unsigned size)
{
    PICState *s = opaque;
    (void)size;
    return s->chip[off & 1].elcr;
}

static void elcr_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    PICState *s = opaque;
    PICChip *c = &s->chip[off & 1];
    (void)size;
    c->elcr = v & c->elcr_mask;
    pic_update(s);
}

static const MemOps master_ops = { master_read, master_write };
static const MemOps slave_ops = { slave_read, slave_write };
static const MemOps elcr_ops = { elcr_read, elcr_write };

static void pic_reset(void *dev)
{
    PICState *s = dev;
    for (int i = 0; i < 2; i++) {
        PICChip *c = &s->chip[i];
        uint8_t mask = c->elcr_mask;
        memset(c, 0, sizeof(*c));
        c->elcr_mask = mask;
        c->lowest = 7;
    }
    s->intr_level = 0;
    irq_set(&s->intr, 0);
}

static void chip_save(const PICChip *c, SaveStream *f)
{
    save_u8(f, c->irr); save_u8(f, c->isr); save_u8(f, c->imr);
    save_u8(f, c->elcr); save_u8(f, c->last_level); save_u8(f, c->lowest);
    save_u8(f, c->vector_base); save_u8(f, c->icw3); save_u8(f, c->init_step);
    save_u8(f, c->icw4_needed | c->single << 1 | c->ltim << 2 | c->auto_eoi << 3 |
               c->rotate_auto_eoi << 4 | c->sfnm << 5 | c->special_mask << 6 |
               c->read_isr << 7);
    save_u8(f, c->poll);
}

static void chip_load(PICChip *c, SaveStream *f)
{
    c->irr = load_u8(f); c->isr = load_u8(f); c->imr = load_u8(f);
    c->elcr = load_u8(f) & c->elcr_mask; c->last_level = load_u8(f);
    c->lowest = load_u8(f) & 7;
    c->vector_base = load_u8(f) & 0xf8; c->icw3 = load_u8(f);
    c->init_step = load_u8(f);
    if (c->init_step > 4 || c->init_step == 1) {
        f->error = true;
        c->init_step = 0;
    }
    uint8_t b = load_u8(f);
    c->icw4_needed = b & 1; c->single = b & 2; c->ltim = b & 4; c->auto_eoi = b & 8;
    c->rotate_auto_eoi = b & 16; c->sfnm = b & 32; c->special_mask = b & 64;
    c->read_isr = b & 128;
    c->poll = load_u8(f) & 1;
}

static void pic_save(void *dev, SaveStream *f)
{
    PICState *s = dev;
    chip_save(&s->chip[0], f);
    chip_save(&s->chip[1], f);
    save_u8(f, s->intr_level);
}

static void pic_load(void *dev, SaveStream *f)
{
    PICState *s = dev;
    chip_load(&s->chip[0], f);
    chip_load(&s->chip[1], f);
    s->intr_level = load_u8(f) & 1;
    irq_set(&s->intr, s->intr_level);
}

static void pic_free(void *dev)
{
    free(dev);
}

static const DeviceOps pic_dev_ops = {
    .name = "isa-i8259", .reset = pic_reset, .save = pic_save, .load = pic_load,
    .free = pic_free,
};

PICState *pic_new(IOSpace *io, IRQ intr)
{
    PICState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &pic_dev_ops;
    s->intr = intr;
    s->chip[0].elcr_mask = 0xf8;            /* IRQ 0, 1, 2 edge only */
    s->chip[1].elcr_mask = 0xde;            /* IRQ 8, 13 edge only */
    pic_reset(s);
    ioport_register(io, "pic-master", 0x20, 2, &master_ops, s);
    ioport_register(io, "pic-slave", 0xa0, 2, &slave_ops, s);
    ioport_register(io, "elcr", 0x4d0, 2, &elcr_ops, s);
    return s;
}
