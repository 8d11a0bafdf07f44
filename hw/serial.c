/*
 * National Semiconductor NS16550A UART (the PC's COM ports, 8 registers at
 * 0x3f8/0x2f8/...), connected to a character back end (system/char.h).
 *
 * Transmission is immediate: a byte written to THR goes to the back end at once,
 * so THR and the shifter are always empty again when the guest looks (THRE and
 * TEMT set) and a THRE interrupt follows every write. Received bytes wait in the
 * 16-byte receive FIFO; the character timeout (four character times, from the
 * divisor latch) is the only timer. In loopback (MCR bit 4) transmitted bytes
 * come back to the receiver and the modem inputs follow the MCR outputs. As on
 * the PC, the interrupt output reaches the IRQ line only through OUT2.
 *
 * Spec: NS16550A data sheet (register map, IIR priorities and identification
 * codes, FCR trigger levels, FIFO bits 7-6 of IIR, LSR, MSR deltas, loopback).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "hw/isa.h"

#define FIFO_SIZE 16
#define UART_CLOCK 1843200

enum { IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8 };
enum { LSR_DR = 1, LSR_OE = 2, LSR_PE = 4, LSR_FE = 8, LSR_BI = 16, LSR_THRE = 32,
       LSR_TEMT = 64, LSR_FIFOE = 128 };
enum { MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 16 };
enum { FCR_ENABLE = 1, FCR_CLEAR_RX = 2, FCR_CLEAR_TX = 4 };
#define LCR_DLAB 0x80

struct SerialState {
    Device dev;
    MainLoop *ml;
    CharDev *chr;
    Timer *timeout_timer;
    IRQ irq;
    int irq_level;
    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rx[FIFO_SIZE];
    uint8_t rx_head, rx_count;
    bool thre_pending;      /* THR empty interrupt, cleared by reading IIR or writing THR */
    bool timeout_pending;   /* character timeout indication */
};

static bool fifo_on(SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static int rx_trigger(SerialState *s)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

static int64_t char_time_ns(SerialState *s)
{
    int bits = 1 + 5 + (s->lcr & 3) + 1 + ((s->lcr & 4) ? 1 : 0) + ((s->lcr & 8) ? 1 : 0);
    uint32_t div = s->divisor ? s->divisor : 1;
    return (int64_t)1000000000 * 16 * div * bits / UART_CLOCK;
}

/* The highest-priority pending interrupt's IIR identification, or 1 (none). */
static uint8_t iir_id(SerialState *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr & (LSR_OE | LSR_PE | LSR_FE | LSR_BI))) {
        return 0x06;
    }
    if ((s->ier & IER_RDI) && s->rx_count >= rx_trigger(s)) {
        return 0x04;
    }
    if ((s->ier & IER_RDI) && s->timeout_pending) {
        return 0x0c;
    }
    if ((s->ier & IER_THRI) && s->thre_pending) {
        return 0x02;
    }
    if ((s->ier & IER_MSI) && (s->msr & 0x0f)) {
        return 0x00;
    }
    return 0x01;
}

static void serial_update_irq(SerialState *s)
{
    int level = !(iir_id(s) & 1) && (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

/* Modem status inputs: in loopback from MCR; otherwise CTS, DSR and DCD high. */
static void update_msr(SerialState *s)
{
    uint8_t in;
    if (s->mcr & MCR_LOOP) {
        in = (s->mcr & MCR_RTS ? 0x10 : 0) | (s->mcr & MCR_DTR ? 0x20 : 0) |
             (s->mcr & MCR_OUT1 ? 0x40 : 0) | (s->mcr & MCR_OUT2 ? 0x80 : 0);
    } else {
        in = 0xb0;
    }
    uint8_t old = s->msr, delta = 0;
    delta |= ((old ^ in) & 0x10) ? 1 : 0;                   /* DCTS */
    delta |= ((old ^ in) & 0x20) ? 2 : 0;                   /* DDSR */
    delta |= ((old & 0x40) && !(in & 0x40)) ? 4 : 0;        /* TERI: RI fell */
    delta |= ((old ^ in) & 0x80) ? 8 : 0;                   /* DDCD */
    s->msr = in | (old & 0x0f) | delta;
}

static void rx_clear(SerialState *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~(LSR_DR | LSR_FIFOE);
    s->timeout_pending = false;
    timer_del(s->timeout_timer);
}

static void rx_push(SerialState *s, uint8_t b)
{
    int cap = fifo_on(s) ? FIFO_SIZE : 1;
    if (s->rx_count >= cap) {
        s->lsr |= LSR_OE;                   /* overrun: the new byte is lost */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % FIFO_SIZE] = b;
    s->rx_count++;
    s->lsr |= LSR_DR;
    s->timeout_pending = false;
    if (fifo_on(s)) {
        timer_mod(s->timeout_timer, clock_ns(s->ml) + 4 * char_time_ns(s));
    }
}

static void timeout_cb(void *opaque)
{
    SerialState *s = opaque;
    if (s->rx_count) {
        s->timeout_pending = true;
        serial_update_irq(s);
    }
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0;
    }
    return (fifo_on(s) ? FIFO_SIZE : 1) - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;
    for (size_t i = 0; i < len; i++) {
        rx_push(s, buf[i]);
    }
    serial_update_irq(s);
}

static uint8_t rx_pop(SerialState *s)
{
    if (!s->rx_count) {
        return s->rx[s->rx_head];           /* the last byte again */
    }
    uint8_t b = s->rx[s->rx_head];
    s->rx_count--;
    if (s->rx_count) {
        s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
        timer_mod(s->timeout_timer, clock_ns(s->ml) + 4 * char_time_ns(s));
    } else {
        s->lsr &= ~LSR_DR;
        timer_del(s->timeout_timer);
    }
    s->timeout_pending = false;
    if (s->chr && !(s->mcr & MCR_LOOP)) {
        chardev_accept_input(s->chr);
    }
    return b;
}

static void transmit(SerialState *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP) {
        rx_push(s, b);
    } else if (s->chr) {
        chardev_write(s->chr, &b, 1);
    }
    s->thre_pending = true;                 /* THR empty again at once */
}

static uint64_t serial_read(void *opaque, uint64_t off, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v;
    (void)size;
    switch (off & 7) {
    case 0:
        v = (s->lcr & LCR_DLAB) ? s->divisor & 0xff : rx_pop(s);
        break;
    case 1:
        v = (s->lcr & LCR_DLAB) ? s->divisor >> 8 : s->ier;
        break;
    case 2:
        v = iir_id(s) | (fifo_on(s) ? 0xc0 : 0);
        if ((v & 0x0f) == 0x02) {
            s->thre_pending = false;        /* reading IIR acknowledges THRE */
        }
        break;
    case 3: v = s->lcr; break;
    case 4: v = s->mcr; break;
    case 5:
        v = s->lsr | LSR_THRE | LSR_TEMT;
        s->lsr &= ~(LSR_OE | LSR_PE | LSR_FE | LSR_BI);
        break;
    case 6:
        update_msr(s);
        v = s->msr;
        s->msr &= 0xf0;
        break;
    default: v = s->scr; break;
    }
    serial_update_irq(s);
    return v;
}

static void write_fcr(SerialState *s, uint8_t v)
{
    if ((v ^ s->fcr) & FCR_ENABLE) {
        rx_clear(s);                        /* changing the FIFO mode clears both */
    }
    if (v & FCR_CLEAR_RX) {
        rx_clear(s);
    }
    s->fcr = v & 0xc9;
}

static void serial_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = val;
    (void)size;
    switch (off & 7) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | v;
        } else {
            s->thre_pending = false;
            transmit(s, v);
        }
        break;
    case 1:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff) | v << 8;
        } else {
            if ((v & IER_THRI) && !(s->ier & IER_THRI)) {
                s->thre_pending = true;     /* THR is empty: interrupt at once */
            }
            s->ier = v & 0x0f;
        }
        break;
    case 2: write_fcr(s, v); break;
    case 3: s->lcr = v; break;
    case 4: {
        bool was_loop = s->mcr & MCR_LOOP;
        s->mcr = v & 0x1f;
        update_msr(s);
        if (was_loop && !(s->mcr & MCR_LOOP) && s->chr) {
            chardev_accept_input(s->chr);
        }
        break;
    }
    case 5: break;                          /* LSR: factory test only */
    case 6: break;
    default: s->scr = v; break;
    }
    serial_update_irq(s);
}

static const MemOps serial_ops = { serial_read, serial_write };

static void serial_reset(void *dev)
{
    SerialState *s = dev;
    s->divisor = 12;                        /* 9600 baud */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = 0xb0;
    s->scr = 0;
    s->fcr = 0;
    s->thre_pending = false;
    rx_clear(s);
    s->irq_level = 0;
    irq_set(&s->irq, 0);
}

static void serial_save(void *dev, SaveStream *f)
{
    SerialState *s = dev;
    save_u16(f, s->divisor);
    save_u8(f, s->ier); save_u8(f, s->lcr); save_u8(f, s->mcr); save_u8(f, s->lsr);
    save_u8(f, s->msr); save_u8(f, s->scr); save_u8(f, s->fcr);
    save_bytes(f, s->rx, FIFO_SIZE);
    save_u8(f, s->rx_head); save_u8(f, s->rx_count);
    save_u8(f, s->thre_pending | s->timeout_pending << 1);
    save_u8(f, s->irq_level);
    save_u64(f, timer_expire_time(s->timeout_timer));
}

static void serial_load(void *dev, SaveStream *f)
{
    SerialState *s = dev;
    s->divisor = load_u16(f);
    s->ier = load_u8(f) & 0x0f; s->lcr = load_u8(f); s->mcr = load_u8(f) & 0x1f;
    s->lsr = load_u8(f); s->msr = load_u8(f); s->scr = load_u8(f); s->fcr = load_u8(f) & 0xc9;
    load_bytes(f, s->rx, FIFO_SIZE);
    s->rx_head = load_u8(f) % FIFO_SIZE;
    s->rx_count = load_u8(f);
    if (s->rx_count > FIFO_SIZE) {
        s->rx_count = 0;
        f->error = true;
    }
    uint8_t b = load_u8(f);
    s->thre_pending = b & 1; s->timeout_pending = b & 2;
    s->irq_level = load_u8(f) & 1;
    int64_t t = load_u64(f);
    if (t >= 0) {
        timer_mod(s->timeout_timer, t);
    } else {
        timer_del(s->timeout_timer);
    }
    irq_set(&s->irq, s->irq_level);
    serial_update_irq(s);
}

static void serial_free(void *dev)
{
    SerialState *s = dev;
    if (s->chr) {
        chardev_set_handlers(s->chr, NULL, NULL, NULL);
    }
    timer_free(s->timeout_timer);
    free(s);
}

static const DeviceOps serial_dev_ops = {
    .name = "isa-serial", .reset = serial_reset, .save = serial_save,
    .load = serial_load, .free = serial_free,
};

SerialState *serial_new(IOSpace *io, MainLoop *ml, uint16_t base, IRQ irq, CharDev *chr)
{
    SerialState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &serial_dev_ops;
    s->ml = ml;
    s->chr = chr;
    s->irq = irq;
    s->timeout_timer = timer_new(ml, timeout_cb, s);
    serial_reset(s);
    ioport_register(io, "serial", base, 8, &serial_ops, s);
    if (chr) {
        chardev_set_handlers(chr, serial_can_receive, serial_receive, s);
    }
    return s;
}
