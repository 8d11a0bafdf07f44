/*
 * The PC's two 8237A DMA controllers (Intel 8237A datasheet; IBM PC/AT
 * Technical Reference): DMA1 at ports 0x00-0x0F (channels 0-3, bytes), DMA2
 * at 0xC0-0xDF (channels 4-7, words; registers on even ports, channel 4
 * cascades DMA1), and the page registers at 0x81-0x8F that give address
 * bits 23-16. A device (the floppy controller on channel 2) asks for a
 * transfer with i8237_transfer; the controller moves what the channel's
 * count allows, in the direction its mode register says, and sets the
 * channel's terminal count status bit when the count runs out.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/isa-dma.h"

typedef struct DMAChannel {
    uint16_t base_addr, base_count, addr, count;
    uint8_t mode, page;
} DMAChannel;

typedef struct DMAController {
    DMAChannel ch[4];
    uint8_t status, command, mask, temp;
    bool flipflop;
    int shift;                     /* 0: bytes (DMA1), 1: words (DMA2) */
} DMAController;

struct I8237State {
    Device dev;
    AddressSpace *as;
    DMAController c[2];
};

/* channel n of controller c's page register port (AT layout) */
static const uint8_t page_port[8] = { 0x87, 0x83, 0x81, 0x82, 0x8f, 0x8b, 0x89, 0x8a };

static void ctrl_write(DMAController *d, unsigned reg, uint8_t v)
{
    if (reg < 8) {
        DMAChannel *ch = &d->ch[reg >> 1];
        uint16_t *base = reg & 1 ? &ch->base_count : &ch->base_addr;
        uint16_t *cur = reg & 1 ? &ch->count : &ch->addr;
        *base = d->flipflop ? (*base & 0xff) | v << 8 : (*base & 0xff00) | v;
        *cur = *base;                  /* writing the base also loads the current */
        d->flipflop = !d->flipflop;
        return;
    }
    switch (reg) {
    case 8: d->command = v; break;
    case 9: break;                     /* software requests: not modelled */
    case 10: d->mask = v & 4 ? d->mask | 1u << (v & 3) : d->mask & ~(1u << (v & 3)); break;
    case 11: d->ch[v & 3].mode = v; break;
    case 12: d->flipflop = false; break;
    case 13:                           /* master clear */
        d->command = d->status = d->temp = 0;
        d->flipflop = false;
        d->mask = 0x0f;
        break;
    case 14: d->mask = 0; break;
    case 15: d->mask = v & 0x0f; break;
    }
}

static uint8_t ctrl_read(DMAController *d, unsigned reg)
{
    if (reg < 8) {
        DMAChannel *ch = &d->ch[reg >> 1];
        uint16_t v = reg & 1 ? ch->count : ch->addr;
        uint8_t b = d->flipflop ? v >> 8 : v & 0xff;
        d->flipflop = !d->flipflop;
        return b;
    }
    if (reg == 8) {
        uint8_t st = d->status;
        d->status &= 0xf0;             /* reading clears the TC bits */
        return st;
    }
    return reg == 13 ? d->temp : 0xff;
}

static uint64_t dma1_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return ctrl_read(&((I8237State *)opaque)->c[0], off);
}

static void dma1_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    ctrl_write(&((I8237State *)opaque)->c[0], off, v);
}

static uint64_t dma2_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return off & 1 ? 0xff : ctrl_read(&((I8237State *)opaque)->c[1], off >> 1);
}

static void dma2_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    if (!(off & 1)) {
        ctrl_write(&((I8237State *)opaque)->c[1], off >> 1, v);
    }
}

static uint64_t page_read(void *opaque, uint64_t off, unsigned size)
{
    I8237State *s = opaque;
    (void)size;
    for (int n = 0; n < 8; n++) {
        if (page_port[n] == 0x81 + off) {
            return s->c[n >> 2].ch[n & 3].page;
        }
    }
    return 0xff;
}

static void page_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    I8237State *s = opaque;
    (void)size;
    for (int n = 0; n < 8; n++) {
        if (page_port[n] == 0x81 + off) {
            s->c[n >> 2].ch[n & 3].page = v;
        }
    }
}

static const MemOps dma1_ops = { dma1_read, dma1_write };
static const MemOps dma2_ops = { dma2_read, dma2_write };
static const MemOps page_ops = { page_read, page_write };

uint32_t i8237_transfer(I8237State *s, int channel, uint8_t *buf, uint32_t len, bool *tc)
{
    DMAController *d = &s->c[channel >> 2];
    DMAChannel *ch = &d->ch[channel & 3];
    unsigned unit = 1u << d->shift;
    uint32_t done = 0;
    *tc = false;
    if ((d->mask >> (channel & 3) & 1) || (d->command & 4)) {
        return 0;                      /* masked, or the controller is disabled */
    }
    unsigned type = (ch->mode >> 2) & 3;   /* 1: write to memory, 2: read memory */
    bool down = ch->mode & 0x20;
    while (done + unit <= len) {
        uint64_t pa = d->shift ? ((uint64_t)(ch->page & 0xfe) << 16) | (uint32_t)ch->addr << 1
                               : (uint64_t)ch->page << 16 | ch->addr;
        if (type == 1) {
            address_space_write(s->as, pa, buf + done, unit);
        } else if (type == 2) {
            address_space_read(s->as, pa, buf + done, unit);
        }
        done += unit;
        ch->addr += down ? -1 : 1;
        if (ch->count-- == 0) {        /* the count ran out: terminal count */
            d->status |= 1u << (channel & 3);
            *tc = true;
            if (ch->mode & 0x10) {     /* autoinitialize */
                ch->addr = ch->base_addr;
                ch->count = ch->base_count;
            } else {
                d->mask |= 1u << (channel & 3);
            }
            break;
        }
    }
    return done;
}

static void i8237_reset(void *opaque)
{
    I8237State *s = opaque;
    for (int i = 0; i < 2; i++) {
        int shift = s->c[i].shift;
        memset(&s->c[i], 0, sizeof(s->c[i]));
        s->c[i].shift = shift;
        s->c[i].mask = 0x0f;
    }
}

static void i8237_free(void *opaque)
{
    free(opaque);
}

static void i8237_save(void *opaque, SaveStream *f)
{
    I8237State *s = opaque;
    for (int c = 0; c < 2; c++) {
        DMAController *d = &s->c[c];
        for (int i = 0; i < 4; i++) {
            save_u16(f, d->ch[i].base_addr); save_u16(f, d->ch[i].base_count);
            save_u16(f, d->ch[i].addr); save_u16(f, d->ch[i].count);
            save_u8(f, d->ch[i].mode); save_u8(f, d->ch[i].page);
        }
        save_u8(f, d->status); save_u8(f, d->command); save_u8(f, d->mask);
        save_u8(f, d->temp); save_u8(f, d->flipflop);
    }
}

static void i8237_load(void *opaque, SaveStream *f)
{
    I8237State *s = opaque;
    DMAController c[2];
    memcpy(c, s->c, sizeof(c));
    for (int k = 0; k < 2; k++) {
        DMAController *d = &c[k];
        for (int i = 0; i < 4; i++) {
            d->ch[i].base_addr = load_u16(f); d->ch[i].base_count = load_u16(f);
            d->ch[i].addr = load_u16(f); d->ch[i].count = load_u16(f);
            d->ch[i].mode = load_u8(f); d->ch[i].page = load_u8(f);
        }
        d->status = load_u8(f); d->command = load_u8(f); d->mask = load_u8(f);
        d->temp = load_u8(f); d->flipflop = load_u8(f);
    }
    if (!f->error) {
        memcpy(s->c, c, sizeof(c));
    }
}

static const DeviceOps i8237_ops = { .name = "i8237", .reset = i8237_reset, .free = i8237_free,
                                     .save = i8237_save, .load = i8237_load, .version = 1 };

I8237State *i8237_new(IOSpace *io, AddressSpace *as)
{
    I8237State *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &i8237_ops;
    s->as = as;
    s->c[1].shift = 1;
    ioport_register(io, "dma1", 0x00, 16, &dma1_ops, s);
    ioport_register(io, "dma2", 0xc0, 32, &dma2_ops, s);
    ioport_register(io, "dma-page", 0x81, 15, &page_ops, s);    /* 0x81-0x8f */
    i8237_reset(s);
    return s;
}
