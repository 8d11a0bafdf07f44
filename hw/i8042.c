/*
 * The PC/AT 8042 keyboard controller at 0x60 (data) and 0x64 (status/command)
 * with a keyboard and a minimal PS/2 mouse behind it. The controller's output
 * port drives A20 (bit 1) and the CPU reset line (bit 0, active low; commands
 * 0xf0-0xff pulse it). Bytes from the keyboard pass the set 2 to set 1
 * translation when the command byte asks (bit 6).
 *
 * Spec: IBM PC/AT Technical Reference (keyboard controller commands, status
 * register, command byte, output port); IBM PS/2 Hardware Interface Technical
 * Reference (keyboard commands 0xed-0xff, mouse commands 0xe6-0xff, replies
 * 0xfa ack, 0xaa BAT passed, 0xab 0x83 keyboard ID, 0x00 mouse ID).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "hw/isa.h"

#define QUEUE_SIZE 32
enum { ST_OBF = 1, ST_SYS = 4, ST_CMD = 8, ST_UNLOCKED = 16, ST_AUX = 32 };
enum { CTR_KBDINT = 1, CTR_AUXINT = 2, CTR_SYS = 4, CTR_KBDDIS = 16, CTR_AUXDIS = 32,
       CTR_XLATE = 64 };
enum { OUT_RESET = 1, OUT_A20 = 2 };

typedef struct Queue {
    uint8_t data[QUEUE_SIZE];
    uint8_t aux[QUEUE_SIZE];    /* per byte: it comes from the aux port */
    uint8_t head, count;
} Queue;

struct I8042State {
    Device dev;
    MainLoop *ml;
    IRQ kbd_irq, mouse_irq;
    void (*set_a20)(void *, bool);
    void *opaque;
    int kbd_level, mouse_level;
    uint8_t ram[32];            /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t ob;                 /* output buffer */
    bool ob_full, ob_aux, last_was_cmd;
    uint8_t pending;            /* controller command waiting for its data byte */
    Queue ctrl, kbd, aux;
    /* keyboard */
    bool kbd_scanning, xlate_break;
    uint8_t kbd_set, kbd_param_cmd, kbd_last;
    /* mouse */
    uint8_t aux_param_cmd;
    bool aux_streaming;         /* 0xf4 enable data reporting .. 0xf5 / 0xff / 0xf6 */
    uint8_t aux_buttons;
};

/* Set 2 make codes to set 1 (the 8042's translation); zero entries map to
 * themselves. Pairs from the keyboards' scan code tables. */
static const uint8_t xlate_pairs[][2] = {
    {0x76, 0x01}, {0x16, 0x02}, {0x1e, 0x03}, {0x26, 0x04}, {0x25, 0x05}, {0x2e, 0x06},
    {0x36, 0x07}, {0x3d, 0x08}, {0x3e, 0x09}, {0x46, 0x0a}, {0x45, 0x0b}, {0x4e, 0x0c},
    {0x55, 0x0d}, {0x66, 0x0e}, {0x0d, 0x0f}, {0x15, 0x10}, {0x1d, 0x11}, {0x24, 0x12},
    {0x2d, 0x13}, {0x2c, 0x14}, {0x35, 0x15}, {0x3c, 0x16}, {0x43, 0x17}, {0x44, 0x18},
    {0x4d, 0x19}, {0x54, 0x1a}, {0x5b, 0x1b}, {0x5a, 0x1c}, {0x14, 0x1d}, {0x1c, 0x1e},
    {0x1b, 0x1f}, {0x23, 0x20}, {0x2b, 0x21}, {0x34, 0x22}, {0x33, 0x23}, {0x3b, 0x24},
    {0x42, 0x25}, {0x4b, 0x26}, {0x4c, 0x27}, {0x52, 0x28}, {0x0e, 0x29}, {0x12, 0x2a},
    {0x5d, 0x2b}, {0x1a, 0x2c}, {0x22, 0x2d}, {0x21, 0x2e}, {0x2a, 0x2f}, {0x32, 0x30},
    {0x31, 0x31}, {0x3a, 0x32}, {0x41, 0x33}, {0x49, 0x34}, {0x4a, 0x35}, {0x59, 0x36},
    {0x7c, 0x37}, {0x11, 0x38}, {0x29, 0x39}, {0x58, 0x3a}, {0x05, 0x3b}, {0x06, 0x3c},
    {0x04, 0x3d}, {0x0c, 0x3e}, {0x03, 0x3f}, {0x0b, 0x40}, {0x83, 0x41}, {0x02, 0x41},
    {0x0a, 0x42}, {0x01, 0x43}, {0x09, 0x44}, {0x77, 0x45}, {0x7e, 0x46}, {0x6c, 0x47},
    {0x75, 0x48}, {0x7d, 0x49}, {0x7b, 0x4a}, {0x6b, 0x4b}, {0x73, 0x4c}, {0x74, 0x4d},
    {0x79, 0x4e}, {0x69, 0x4f}, {0x72, 0x50}, {0x7a, 0x51}, {0x70, 0x52}, {0x71, 0x53},
    {0x84, 0x54}, {0x61, 0x56}, {0x78, 0x57}, {0x07, 0x58}, {0x08, 0x64}, {0x1f, 0x5b},
    {0x27, 0x5c}, {0x2f, 0x5d},
};

static uint8_t xlate(uint8_t b)
{
    for (size_t i = 0; i < sizeof(xlate_pairs) / sizeof(xlate_pairs[0]); i++) {
        if (xlate_pairs[i][0] == b) {
            return xlate_pairs[i][1];
        }
    }
    return b;
}

static void q_push(Queue *q, uint8_t b, bool aux)
{
    if (q->count >= QUEUE_SIZE) {
        return;                             /* overflow: dropped */
    }
    int i = (q->head + q->count++) % QUEUE_SIZE;
    q->data[i] = b;
    q->aux[i] = aux;
}

static uint8_t q_pop(Queue *q, bool *aux)
{
    uint8_t b = q->data[q->head];
    *aux = q->aux[q->head];
    q->head = (q->head + 1) % QUEUE_SIZE;
    q->count--;
    return b;
}

static void update_irq(I8042State *s)
{
    uint8_t ctr = s->ram[0];
    int k = s->ob_full && !s->ob_aux && (ctr & CTR_KBDINT);
    int m = s->ob_full && s->ob_aux && (ctr & CTR_AUXINT);
    if (k != s->kbd_level) {
        s->kbd_level = k;
        irq_set(&s->kbd_irq, k);
    }
    if (m != s->mouse_level) {
        s->mouse_level = m;
        irq_set(&s->mouse_irq, m);
    }
}

/* Fills the output buffer: controller replies, then keyboard, then mouse. */
static void pump(I8042State *s)
{
    if (!s->ob_full) {
        Queue *q = s->ctrl.count ? &s->ctrl
                 : (s->kbd.count && !(s->ram[0] & CTR_KBDDIS)) ? &s->kbd
                 : (s->aux.count && !(s->ram[0] & CTR_AUXDIS)) ? &s->aux : NULL;
        if (q) {
            bool aux;
            s->ob = q_pop(q, &aux);
            s->ob_aux = aux;
            s->ob_full = true;
        }
    }
    update_irq(s);
}

static void ctrl_reply(I8042State *s, uint8_t b, bool aux)
{
    q_push(&s->ctrl, b, aux);
    pump(s);
}

/* A byte from the keyboard, translated to set 1 when the command byte says so. */
static void kbd_send(I8042State *s, uint8_t b)
{
    s->kbd_last = b;
    if (s->ram[0] & CTR_XLATE) {
        if (b == 0xf0) {
            s->xlate_break = true;
            return;
        }
        b = xlate(b) | (s->xlate_break ? 0x80 : 0);
        s->xlate_break = false;
    }
    q_push(&s->kbd, b, false);
    pump(s);
}

static void aux_send(I8042State *s, uint8_t b)
{
    q_push(&s->aux, b, true);
    pump(s);
}

void i8042_keyboard_input(I8042State *s, uint8_t scancode)
{
    if (s->kbd_scanning) {
        kbd_send(s, scancode);
    }
}

static void kbd_defaults(I8042State *s)
{
    s->kbd_set = 2;
    s->kbd_param_cmd = 0;
}

/* A byte the host sends to the keyboard. */
static void kbd_write(I8042State *s, uint8_t b)
{
    if (s->kbd_param_cmd) {
        uint8_t cmd = s->kbd_param_cmd;
        s->kbd_param_cmd = 0;
        kbd_send(s, 0xfa);
        if (cmd == 0xf0) {
            if (b == 0) {
                kbd_send(s, s->kbd_set);
            } else if (b <= 3) {
                s->kbd_set = b;
            }
        }
        return;
    }
    switch (b) {
    case 0xff:
        s->kbd.count = 0;
        kbd_defaults(s);
        s->kbd_scanning = true;
        kbd_send(s, 0xfa);
        kbd_send(s, 0xaa);
        break;
    case 0xfe: kbd_send(s, s->kbd_last); break;
    case 0xf2: kbd_send(s, 0xfa); kbd_send(s, 0xab); kbd_send(s, 0x83); break;
    case 0xee: kbd_send(s, 0xee); break;
    case 0xed: case 0xf0: case 0xf3:
        kbd_send(s, 0xfa);
        s->kbd_param_cmd = b;
        break;
    case 0xf4: s->kbd_scanning = true; kbd_send(s, 0xfa); break;
    case 0xf5: kbd_defaults(s); s->kbd_scanning = false; kbd_send(s, 0xfa); break;
    case 0xf6: kbd_defaults(s); kbd_send(s, 0xfa); break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        kbd_send(s, 0xfa);
        break;
    default: kbd_send(s, 0xfe); break;
    }
}

/* A byte the host sends to the mouse (command 0xd4). */
static void aux_write(I8042State *s, uint8_t b)
{
    if (s->aux_param_cmd) {
        s->aux_param_cmd = 0;
        aux_send(s, 0xfa);
        return;
    }
    switch (b) {
    case 0xff:
        s->aux.count = 0;
        s->aux_streaming = false;
        aux_send(s, 0xfa); aux_send(s, 0xaa); aux_send(s, 0x00);
        break;
    case 0xf4: s->aux_streaming = true; aux_send(s, 0xfa); break;
    case 0xf5: case 0xf6: s->aux_streaming = false; aux_send(s, 0xfa); break;
    case 0xf2: aux_send(s, 0xfa); aux_send(s, 0x00); break;
    case 0xe9:
        aux_send(s, 0xfa);      /* status: bit 5 reporting on, bits 0-2 buttons */
        aux_send(s, (s->aux_streaming ? 0x20 : 0) | s->aux_buttons);
        aux_send(s, 0x02); aux_send(s, 0x64);
        break;
    case 0xe8: case 0xf3:
        aux_send(s, 0xfa);
        s->aux_param_cmd = b;
        break;
    case 0xe6: case 0xe7: case 0xea: case 0xec: case 0xee: case 0xf0:
        aux_send(s, 0xfa);
        break;
    default: aux_send(s, 0xfe); break;
    }
}

/* Movement in stream mode: the standard 3-byte packet (PS/2 Hardware
 * Interface Technical Reference, "Data Report": byte 0 buttons in bits 0-2
 * (left, right, middle), bit 3 always 1, bits 4/5 X/Y sign, bits 6/7
 * overflow; bytes 1 and 2 the low 8 bits of X and Y, Y positive upward). */
void i8042_mouse_event(I8042State *s, int dx, int dy, unsigned buttons)
{
    if (!s->aux_streaming || s->aux.count > QUEUE_SIZE - 3) {
        return;
    }
    uint8_t b0 = (buttons & 7) | 0x08;
    if (dx < -256 || dx > 255) {
        b0 |= 0x40;
        dx = dx < 0 ? -256 : 255;
    }
    if (dy < -256 || dy > 255) {
        b0 |= 0x80;
        dy = dy < 0 ? -256 : 255;
    }
    b0 |= (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0);
    s->aux_buttons = buttons & 7;
    aux_send(s, b0);
    aux_send(s, dx & 0xff);
    aux_send(s, dy & 0xff);
}

static void write_outport(I8042State *s, uint8_t v)
{
    uint8_t old = s->outport;
    s->outport = v;
    if ((old ^ v) & OUT_A20 && s->set_a20) {
        s->set_a20(s->opaque, v & OUT_A20);
    }
    if (!(v & OUT_RESET)) {
        s->outport |= OUT_RESET;            /* the CPU resets; the line goes back high */
        main_loop_request(s->ml, REQ_RESET, 0);
    }
}

static uint8_t read_outport(I8042State *s)
{
    uint8_t v = s->outport & ~0x30;
    if (s->ob_full) {
        v |= s->ob_aux ? 0x20 : 0x10;
    }
    return v;
}

static void controller_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd < 0x40) {
        ctrl_reply(s, s->ram[cmd & 0x1f], false);
        return;
    }
    if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4)) {
        s->pending = cmd;
        return;
    }
    if (cmd >= 0xf0) {
        if (!(cmd & 1)) {
            main_loop_request(s->ml, REQ_RESET, 0);   /* pulse of the reset line */
        }
        return;
    }
    switch (cmd) {
    case 0xa7: s->ram[0] |= CTR_AUXDIS; break;
    case 0xa8: s->ram[0] &= ~CTR_AUXDIS; pump(s); break;
    case 0xa9: ctrl_reply(s, 0x00, false); break;
    case 0xaa: s->ram[0] |= CTR_SYS; ctrl_reply(s, 0x55, false); break;
    case 0xab: ctrl_reply(s, 0x00, false); break;
    case 0xad: s->ram[0] |= CTR_KBDDIS; break;
    case 0xae: s->ram[0] &= ~CTR_KBDDIS; pump(s); break;
    case 0xc0: ctrl_reply(s, 0x80, false); break;
    case 0xd0: ctrl_reply(s, read_outport(s), false); break;
    case 0xdd: write_outport(s, s->outport & ~OUT_A20); break;
    case 0xdf: write_outport(s, s->outport | OUT_A20); break;
    case 0xe0: ctrl_reply(s, 0x00, false); break;
    default: break;                         /* unknown commands are ignored */
    }
}

static void data_write(I8042State *s, uint8_t v)
{
    uint8_t cmd = s->pending;
    s->pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        s->ram[cmd & 0x1f] = v;
        if (cmd == 0x60) {
            pump(s);                        /* interrupt enables may have changed */
        }
        return;
    }
    switch (cmd) {
    case 0xd1: write_outport(s, v); break;
    case 0xd2: q_push(&s->ctrl, v, false); pump(s); break;
    case 0xd3: q_push(&s->ctrl, v, true); pump(s); break;
    case 0xd4: aux_write(s, v); break;
    default: kbd_write(s, v); break;
    }
}

static uint64_t i8042_read(I8042State *s, int port)
{
    if (port == 4) {
        return (s->ob_full ? ST_OBF : 0) | (s->ram[0] & CTR_SYS) |
               (s->last_was_cmd ? ST_CMD : 0) | ST_UNLOCKED |
               (s->ob_full && s->ob_aux ? ST_AUX : 0);
    }
    uint8_t v = s->ob;
    if (s->ob_full) {
        s->ob_full = false;
        update_irq(s);                      /* the line drops before the next byte */
        pump(s);
    }
    return v;
}

static void i8042_write(I8042State *s, int port, uint8_t v)
{
    if (port == 4) {
        s->last_was_cmd = true;
        s->pending = 0;
        controller_command(s, v);
    } else {
        s->last_was_cmd = false;
        data_write(s, v);
    }
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off; (void)size;
    return i8042_read(opaque, 0);
}

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off; (void)size;
    return i8042_read(opaque, 4);
}

static void data_write_io(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)off; (void)size;
    i8042_write(opaque, 0, v);
}

static void cmd_write_io(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)off; (void)size;
    i8042_write(opaque, 4, v);
}

static const MemOps data_ops = { data_read, data_write_io };
static const MemOps cmd_ops = { cmd_read, cmd_write_io };

static void i8042_reset(void *dev)
{
    I8042State *s = dev;
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CTR_KBDINT | CTR_AUXINT;
    s->outport = 0xc0 | OUT_A20 | OUT_RESET;  /* A20 on, as the CPU starts */
    s->ob = 0;
    s->ob_full = s->ob_aux = s->last_was_cmd = false;
    s->pending = 0;
    memset(&s->ctrl, 0, sizeof(Queue));
    memset(&s->kbd, 0, sizeof(Queue));
    memset(&s->aux, 0, sizeof(Queue));
    kbd_defaults(s);
    s->kbd_scanning = true;
    s->xlate_break = false;
    s->kbd_last = 0;
    s->aux_param_cmd = 0;
    s->aux_streaming = false;
    s->aux_buttons = 0;
    update_irq(s);
}

static void queue_save(Queue *q, SaveStream *f)
{
    save_bytes(f, q->data, QUEUE_SIZE);
    save_bytes(f, q->aux, QUEUE_SIZE);
    save_u8(f, q->head); save_u8(f, q->count);
}

static void queue_load(Queue *q, SaveStream *f)
{
    load_bytes(f, q->data, QUEUE_SIZE);
    load_bytes(f, q->aux, QUEUE_SIZE);
    q->head = load_u8(f) % QUEUE_SIZE;
    q->count = load_u8(f);
    if (q->count > QUEUE_SIZE) {
        q->count = 0;
        f->error = true;
    }
}

static void i8042_save(void *dev, SaveStream *f)
{
    I8042State *s = dev;
    save_bytes(f, s->ram, sizeof(s->ram));
    save_u8(f, s->outport); save_u8(f, s->ob);
    save_u8(f, s->ob_full | s->ob_aux << 1 | s->last_was_cmd << 2 | s->kbd_scanning << 3 |
               s->xlate_break << 4);
    save_u8(f, s->pending);
    queue_save(&s->ctrl, f); queue_save(&s->kbd, f); queue_save(&s->aux, f);
    save_u8(f, s->kbd_set); save_u8(f, s->kbd_param_cmd); save_u8(f, s->kbd_last);
    save_u8(f, s->aux_param_cmd);
    save_u8(f, s->aux_streaming | s->aux_buttons << 1);
}

static void i8042_load(void *dev, SaveStream *f)
{
    I8042State *s = dev;
    load_bytes(f, s->ram, sizeof(s->ram));
    s->outport = load_u8(f); s->ob = load_u8(f);
    uint8_t b = load_u8(f);
    s->ob_full = b & 1; s->ob_aux = b & 2; s->last_was_cmd = b & 4; s->kbd_scanning = b & 8;
    s->xlate_break = b & 16;
    s->pending = load_u8(f);
    queue_load(&s->ctrl, f); queue_load(&s->kbd, f); queue_load(&s->aux, f);
    s->kbd_set = load_u8(f); s->kbd_param_cmd = load_u8(f); s->kbd_last = load_u8(f);
    s->aux_param_cmd = load_u8(f);
    b = load_u8(f);
    s->aux_streaming = b & 1;
    s->aux_buttons = (b >> 1) & 7;
    if (s->set_a20) {
        s->set_a20(s->opaque, s->outport & OUT_A20);
    }
    update_irq(s);
}

static void i8042_free(void *dev)
{
    free(dev);
}

static const DeviceOps i8042_dev_ops = {
    .name = "i8042", .reset = i8042_reset, .save = i8042_save, .load = i8042_load,
    .free = i8042_free,
};

I8042State *i8042_new(IOSpace *io, MainLoop *ml, IRQ kbd_irq, IRQ mouse_irq,
                      void (*set_a20)(void *opaque, bool on), void *opaque)
{
    I8042State *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &i8042_dev_ops;
    s->ml = ml;
    s->kbd_irq = kbd_irq;
    s->mouse_irq = mouse_irq;
    s->set_a20 = set_a20;
    s->opaque = opaque;
    i8042_reset(s);
    ioport_register(io, "i8042-data", 0x60, 1, &data_ops, s);
    ioport_register(io, "i8042-cmd", 0x64, 1, &cmd_ops, s);
    return s;
}
