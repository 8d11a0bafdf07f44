/*
 * 8042 tests: the sequences Linux's i8042/atkbd/psmouse drivers and SeaBIOS
 * use (self-test, command byte, port tests, aux loopback, keyboard reset and
 * identify, scan code set query through translation, mouse reset/ID), output
 * port A20 and reset; port 0x92; isa-debug-exit (PC/AT Technical Reference,
 * PS/2 Hardware Interface Technical Reference, QEMU's isa-debug-exit).
 */
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

typedef struct A20 {
    int on;
    int calls;
} A20;

static void set_a20(void *opaque, bool on)
{
    A20 *a = opaque;
    a->on = on;
    a->calls++;
}

static int ctl_reply(IOSpace *io, uint8_t cmd)
{
    outb(io, 0x64, cmd);
    if (!(inb(io, 0x64) & 1)) {
        return -1;
    }
    return inb(io, 0x60);
}

static int read_byte(IOSpace *io)
{
    return (inb(io, 0x64) & 1) ? inb(io, 0x60) : -1;
}

static void test_i8042_ctrl(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ k = {0}, m = {0};
    A20 a20 = { 1, 0 };
    I8042State *c = i8042_new(io, ml, fake_irq(&k), fake_irq(&m), set_a20, &a20);

    CHECK_EQ(inb(io, 0x64) & 0x11, 0x10, "status: empty, not inhibited");
    CHECK_EQ(ctl_reply(io, 0xaa), 0x55, "self-test");
    CHECK_EQ(inb(io, 0x64) & 0x04, 0x04, "system flag after self-test");
    CHECK_EQ(inb(io, 0x64) & 0x08, 0x08, "last write was a command");
    CHECK_EQ(ctl_reply(io, 0xab), 0x00, "keyboard port test");
    CHECK_EQ(ctl_reply(io, 0xa9), 0x00, "aux port test");
    int ctr = ctl_reply(io, 0x20);
    CHECK_EQ(ctr & 0x03, 0x03, "command byte: interrupts enabled at reset");
    outb(io, 0x64, 0x60); outb(io, 0x60, 0x47);
    CHECK_EQ(ctl_reply(io, 0x20), 0x47, "command byte written");
    outb(io, 0x64, 0xa7);
    CHECK_EQ(ctl_reply(io, 0x20) & 0x20, 0x20, "0xa7 disables aux");
    outb(io, 0x64, 0xa8);
    CHECK_EQ(ctl_reply(io, 0x20) & 0x20, 0x00, "0xa8 enables aux");
    outb(io, 0x64, 0xad);
    CHECK_EQ(ctl_reply(io, 0x20) & 0x10, 0x10, "0xad disables the keyboard");
    outb(io, 0x64, 0xae);

    /* aux loopback (Linux's i8042_check_aux) raises IRQ 12 */
    outb(io, 0x64, 0x60); outb(io, 0x60, 0x47);
    int mr = m.rises;
    outb(io, 0x64, 0xd3); outb(io, 0x60, 0x5a);
    CHECK_EQ(inb(io, 0x64) & 0x21, 0x21, "aux byte: OBF and AUXB");
    CHECK_EQ(m.rises - mr, 1, "IRQ 12 raised");
    CHECK_EQ(inb(io, 0x60), 0x5a, "loopback byte");
    CHECK_EQ(m.level, 0, "IRQ 12 lowered after read");
    int kr = k.rises;
    outb(io, 0x64, 0xd2); outb(io, 0x60, 0x1c);
    CHECK_EQ(k.rises - kr, 1, "0xd2: IRQ 1");
    CHECK_EQ(inb(io, 0x60), 0x1c, "0xd2 byte");

    /* keyboard: reset, identify, scan code set through translation */
    kr = k.rises;
    outb(io, 0x60, 0xff);
    CHECK_EQ(read_byte(io), 0xfa, "keyboard reset ack");
    CHECK_EQ(read_byte(io), 0xaa, "BAT passed");
    CHECK_EQ(k.rises - kr, 2, "one IRQ 1 edge per byte");
    outb(io, 0x60, 0xf2);
    CHECK_EQ(read_byte(io), 0xfa, "identify ack");
    CHECK_EQ(read_byte(io), 0xab, "ID byte 1");
    CHECK_EQ(read_byte(io), 0x41, "ID byte 2: 0x83 translated");
    outb(io, 0x60, 0xf0); outb(io, 0x60, 0x00);
    CHECK_EQ(read_byte(io), 0xfa, "F0 ack");
    CHECK_EQ(read_byte(io), 0xfa, "param ack");
    CHECK_EQ(read_byte(io), 0x41, "set 2 reads 0x41 translated");
    outb(io, 0x64, 0x60); outb(io, 0x60, 0x07);       /* translation off */
    outb(io, 0x60, 0xf2);
    read_byte(io); read_byte(io);
    CHECK_EQ(read_byte(io), 0x83, "ID byte 2 untranslated");
    outb(io, 0x60, 0xee);
    CHECK_EQ(read_byte(io), 0xee, "echo");
    outb(io, 0x60, 0xed); outb(io, 0x60, 0x07);
    CHECK_EQ(read_byte(io), 0xfa, "LED ack");
    CHECK_EQ(read_byte(io), 0xfa, "LED param ack");
    i8042_keyboard_input(c, 0x1c);
    i8042_keyboard_input(c, 0xf0);
    i8042_keyboard_input(c, 0x1c);
    CHECK_EQ(read_byte(io), 0x1c, "raw set 2 make");
    CHECK_EQ(read_byte(io), 0xf0, "raw break prefix");
    read_byte(io);
    outb(io, 0x64, 0x60); outb(io, 0x60, 0x47);
    i8042_keyboard_input(c, 0x1c);
    i8042_keyboard_input(c, 0xf0);
    i8042_keyboard_input(c, 0x1c);
    CHECK_EQ(read_byte(io), 0x1e, "translated make of A");
    CHECK_EQ(read_byte(io), 0x9e, "translated break of A");
    CHECK_EQ(read_byte(io), -1, "nothing more");
    outb(io, 0x60, 0x42);
    CHECK_EQ(read_byte(io), 0xfe, "unknown keyboard command: resend");

    /* mouse */
    outb(io, 0x64, 0xd4); outb(io, 0x60, 0xff);
    CHECK_EQ(read_byte(io), 0xfa, "mouse reset ack");
    CHECK_EQ(read_byte(io), 0xaa, "mouse BAT");
    CHECK_EQ(read_byte(io), 0x00, "mouse ID after reset");
    outb(io, 0x64, 0xd4); outb(io, 0x60, 0xf3);
    outb(io, 0x64, 0xd4); outb(io, 0x60, 200);
    CHECK_EQ(read_byte(io), 0xfa, "sample rate ack");
    CHECK_EQ(read_byte(io), 0xfa, "rate param ack");
    outb(io, 0x64, 0xd4); outb(io, 0x60, 0xf2);
    CHECK_EQ(read_byte(io), 0xfa, "get ID ack");
    CHECK_EQ(read_byte(io), 0x00, "standard PS/2 mouse");

    /* output port: A20 and reset */
    int op = ctl_reply(io, 0xd0);
    CHECK_EQ(op & 0x03, 0x03, "output port: A20 on, reset high");
    outb(io, 0x64, 0xd1); outb(io, 0x60, 0xdd);
    CHECK(a20.on == 0 && a20.calls == 1, "A20 off through the output port");
    outb(io, 0x64, 0xd1); outb(io, 0x60, 0xdf);
    CHECK(a20.on == 1 && a20.calls == 2, "A20 on (Linux's 0xdf)");
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_NONE, "no reset yet");
    outb(io, 0x64, 0xfe);
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_RESET, "0xfe pulses reset");
    outb(io, 0x64, 0xff);
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_NONE, "0xff pulses nothing");
    outb(io, 0x64, 0xd1); outb(io, 0x60, 0x02);
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_RESET, "output port bit 0 low resets");

    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    ((Device *)c)->ops->save(c, &ss);
    outb(io, 0x64, 0x60); outb(io, 0x60, 0x00);
    rewind(f);
    ((Device *)c)->ops->load(c, &ss);
    CHECK(!ss.error, "load ok");
    CHECK_EQ(ctl_reply(io, 0x20), 0x47, "command byte restored");
    fclose(f);

    ((Device *)c)->ops->free(c);
    main_loop_free(ml);
    io_space_free(io);
}

static void test_port92_debugexit(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    A20 a20 = { 1, 0 };
    Port92State *p = port92_new(io, ml, set_a20, &a20);
    CHECK_EQ(inb(io, 0x92), 0x02, "port 0x92: A20 on at reset");
    outb(io, 0x92, 0x00);
    CHECK(a20.on == 0 && a20.calls == 1, "fast A20 off");
    outb(io, 0x92, 0x02);
    CHECK(a20.on == 1 && a20.calls == 2, "fast A20 on");
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_NONE, "no reset");
    outb(io, 0x92, 0x03);
    CHECK_EQ(main_loop_take_request(ml, NULL), REQ_RESET, "bit 0 resets");
    CHECK_EQ(inb(io, 0x92), 0x02, "reset bit does not stay");

    DebugExitState *d = debugexit_new(io, ml, DEBUGEXIT_DEFAULT_IOBASE,
                                      DEBUGEXIT_DEFAULT_IOSIZE);
    int code = 0;
    outb(io, 0x501, 0x10);
    CHECK_EQ(main_loop_take_request(ml, &code), REQ_EXIT_CODE, "debug exit request");
    CHECK_EQ(code, 0x21, "exit code (0x10 << 1) | 1");
    ioport_write(io, 0x501, 0x0000, 2);
    main_loop_take_request(ml, &code);
    CHECK_EQ(code, 1, "exit code 1 for 0");
    outb(io, 0x502, 0x02);
    CHECK_EQ(main_loop_take_request(ml, &code), REQ_EXIT_CODE, "second port");
    CHECK_EQ(code, 5, "exit code 5");
    outb(io, 0x503, 0x02);
    CHECK_EQ(main_loop_take_request(ml, &code), REQ_NONE, "0x503 outside iosize 2");
    DebugExitState *d2 = debugexit_new(io, ml, 0xf4, 4);
    ioport_write(io, 0xf4, 0x31, 4);
    main_loop_take_request(ml, &code);
    CHECK_EQ(code, 0x63, "iobase 0xf4 iosize 4");

    ((Device *)p)->ops->free(p);
    ((Device *)d)->ops->free(d);
    ((Device *)d2)->ops->free(d2);
    main_loop_free(ml);
    io_space_free(io);
}

void test_i8042(void)
{
    test_i8042_ctrl();
    test_port92_debugexit();
}
