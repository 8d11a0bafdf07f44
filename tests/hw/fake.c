/*
 * Test stand-ins for the I/O space, main loop, character back ends and save
 * streams (see fake.h). Not the real implementations: just enough for unit
 * tests of the ISA devices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/device.h"
#include "tests/hw/fake.h"

int test_passed, test_failed;

/* --- I/O space --- */
typedef struct IOEntry {
    const MemOps *ops;
    void *opaque;
    uint16_t base;
} IOEntry;

struct IOSpace {
    IOEntry port[65536];
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
    for (unsigned i = 0; i < count; i++) {
        io->port[(uint16_t)(base + i)] = (IOEntry){ ops, opaque, base };
    }
}

void ioport_unregister(IOSpace *io, uint16_t base, uint16_t count)
{
    for (unsigned i = 0; i < count; i++) {
        io->port[(uint16_t)(base + i)].ops = NULL;
    }
}

uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size)
{
    IOEntry *e = &io->port[port];
    if (!e->ops || !e->ops->read) {
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    }
    return e->ops->read(e->opaque, (uint16_t)(port - e->base), size);
}

void ioport_write(IOSpace *io, uint16_t port, uint32_t value, unsigned size)
{
    IOEntry *e = &io->port[port];
    if (e->ops && e->ops->write) {
        e->ops->write(e->opaque, (uint16_t)(port - e->base), value, size);
    }
}

uint8_t inb(IOSpace *io, uint16_t port)
{
    return ioport_read(io, port, 1);
}

void outb(IOSpace *io, uint16_t port, uint8_t v)
{
    ioport_write(io, port, v, 1);
}

/* --- main loop --- */
#define MAX_TIMERS 16
struct Timer {
    MainLoop *ml;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;         /* -1: not pending */
};

struct MainLoop {
    int64_t now;
    Timer *timers[MAX_TIMERS];
    int ntimers;
    MachineRequest req;
    int exit_code;
};

MainLoop *main_loop_new(void)
{
    return calloc(1, sizeof(MainLoop));
}

void main_loop_free(MainLoop *ml)
{
    free(ml);
}

int64_t clock_ns(MainLoop *ml)
{
    return ml->now;
}

Timer *timer_new(MainLoop *ml, TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    t->ml = ml;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    if (ml->ntimers < MAX_TIMERS) {
        ml->timers[ml->ntimers++] = t;
    }
    return t;
}

void timer_free(Timer *t)
{
    MainLoop *ml = t->ml;
    for (int i = 0; i < ml->ntimers; i++) {
        if (ml->timers[i] == t) {
            ml->timers[i] = ml->timers[--ml->ntimers];
            break;
        }
    }
    free(t);
}

void timer_mod(Timer *t, int64_t expire_ns) { t->expire = expire_ns < 0 ? 0 : expire_ns; }
void timer_del(Timer *t) { t->expire = -1; }
bool timer_pending(const Timer *t) { return t->expire >= 0; }
int64_t timer_expire_time(const Timer *t) { return t->expire; }

void main_loop_set_fd_handler(MainLoop *ml, int fd, FdHandler *h, void *opaque)
{
    (void)ml; (void)fd; (void)h; (void)opaque;
}

void main_loop_set_kick(MainLoop *ml, void (*kick)(void *), void *opaque)
{
    (void)ml; (void)kick; (void)opaque;
}

static Timer *earliest(MainLoop *ml, int64_t limit)
{
    Timer *best = NULL;
    for (int i = 0; i < ml->ntimers; i++) {
        Timer *t = ml->timers[i];
        if (t->expire >= 0 && t->expire <= limit && (!best || t->expire < best->expire)) {
            best = t;
        }
    }
    return best;
}

void main_loop_poll(MainLoop *ml, bool block, int64_t timeout_ns)
{
    (void)block; (void)timeout_ns;
    Timer *t;
    while ((t = earliest(ml, ml->now))) {
        t->expire = -1;
        t->cb(t->opaque);
    }
}

void fake_advance(MainLoop *ml, int64_t ns)
{
    int64_t end = ml->now + ns;
    Timer *t;
    while ((t = earliest(ml, end))) {
        if (t->expire > ml->now) {
            ml->now = t->expire;
        }
        t->expire = -1;
        t->cb(t->opaque);
    }
    ml->now = end;
}

void fake_set_clock(MainLoop *ml, int64_t ns)
{
    ml->now = ns;
}

int fake_timers_pending(MainLoop *ml)
{
    int n = 0;
    for (int i = 0; i < ml->ntimers; i++) {
        n += ml->timers[i]->expire >= 0;
    }
    return n;
}

void main_loop_request(MainLoop *ml, MachineRequest req, int exit_code)
{
    ml->req = req;
    ml->exit_code = exit_code;
}

MachineRequest main_loop_take_request(MainLoop *ml, int *exit_code)
{
    MachineRequest r = ml->req;
    if (exit_code) {
        *exit_code = ml->exit_code;
    }
    ml->req = REQ_NONE;
    return r;
}

/* --- IRQ lines --- */
static void fake_irq_handler(void *opaque, int n, int level)
{
    FakeIRQ *f = opaque;
    (void)n;
    if (level && !f->level) {
        f->rises++;
    }
    f->level = level;
}

IRQ fake_irq(FakeIRQ *f)
{
    return irq_line(fake_irq_handler, f, 0);
}

/* --- character back end --- */
struct CharDev {
    uint8_t out[4096];
    size_t out_len;
    int (*can_receive)(void *);
    void (*receive)(void *, const uint8_t *, size_t);
    void *opaque;
    int accepts;
};

CharDev *fake_chardev_new(void)
{
    return calloc(1, sizeof(CharDev));
}

CharDev *chardev_open(MainLoop *ml, const char *spec, char **err)
{
    (void)ml; (void)spec; (void)err;
    return fake_chardev_new();
}

void chardev_close(CharDev *c)
{
    free(c);
}

void chardev_write(CharDev *c, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && c->out_len < sizeof(c->out); i++) {
        c->out[c->out_len++] = buf[i];
    }
}

void chardev_set_handlers(CharDev *c, int (*can_receive)(void *),
                          void (*receive)(void *, const uint8_t *, size_t), void *opaque)
{
    c->can_receive = can_receive;
    c->receive = receive;
    c->opaque = opaque;
}

void chardev_accept_input(CharDev *c)
{
    c->accepts++;
}

const uint8_t *fake_chardev_output(CharDev *c, size_t *len)
{
    *len = c->out_len;
    return c->out;
}

void fake_chardev_clear(CharDev *c)
{
    c->out_len = 0;
}

size_t fake_chardev_input(CharDev *c, const uint8_t *buf, size_t len)
{
    if (!c->can_receive) {
        return 0;
    }
    int room = c->can_receive(c->opaque);
    size_t n = len < (size_t)room ? len : (size_t)room;
    if (n) {
        c->receive(c->opaque, buf, n);
    }
    return n;
}

int fake_chardev_accepts(CharDev *c)
{
    return c->accepts;
}

/* --- reporting --- */
void test_group(const char *name)
{
    (void)name;
}

int test_results(void)
{
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
