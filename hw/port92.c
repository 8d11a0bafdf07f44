/*
 * System Control Port A at 0x92 (PS/2 and later chipsets): bit 1 gates A20
 * ("fast A20"), bit 0 written 0 -> 1 resets the CPU (a fast reset request to the
 * machine). Other bits read back as written.
 *
 * Spec: IBM PS/2 Hardware Interface Technical Reference (System Control Port A);
 * Intel 82371AB (PIIX4) data sheet, port 92h.
 */
#include <stdlib.h>
#include "hw/device.h"
#include "hw/isa.h"

struct Port92State {
    Device dev;
    MainLoop *ml;
    void (*set_a20)(void *, bool);
    void *opaque;
    uint8_t value;
};

static uint64_t port92_read(void *opaque, uint64_t off, unsigned size)
{
    Port92State *s = opaque;
    (void)off; (void)size;
    return s->value;
}

static void port92_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->value;
    (void)off; (void)size;
    s->value = v & ~1;                      /* the reset bit does not stay set */
    if ((old ^ v) & 2 && s->set_a20) {
        s->set_a20(s->opaque, v & 2);
    }
    if (v & 1) {
        main_loop_request(s->ml, REQ_RESET, 0);
    }
}

static const MemOps port92_ops = { port92_read, port92_write };

static void port92_reset(void *dev)
{
    Port92State *s = dev;
    s->value = 0x02;                        /* A20 on, as the CPU starts */
}

static void port92_save(void *dev, SaveStream *f)
{
    Port92State *s = dev;
    save_u8(f, s->value);
}

static void port92_load(void *dev, SaveStream *f)
{
    Port92State *s = dev;
    s->value = load_u8(f) & ~1;
}

static void port92_free(void *dev)
{
    free(dev);
}

static const DeviceOps port92_dev_ops = {
    .name = "port92", .reset = port92_reset, .save = port92_save, .load = port92_load,
    .free = port92_free,
};

Port92State *port92_new(IOSpace *io, MainLoop *ml,
                        void (*set_a20)(void *opaque, bool on), void *opaque)
{
    Port92State *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &port92_dev_ops;
    s->ml = ml;
    s->set_a20 = set_a20;
    s->opaque = opaque;
    port92_reset(s);
    ioport_register(io, "port92", 0x92, 1, &port92_ops, s);
    return s;
}
