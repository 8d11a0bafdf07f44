/*
 * NS16550A tests: the probes Linux's 8250 driver makes (scratch, IER width,
 * loopback MSR, FIFO identification in IIR bits 7-6, THRE re-assertion), data
 * both ways through the back end, RX trigger levels and the character timeout,
 * interrupt identification priorities and OUT2 gating (NS16550A data sheet).
 */
#include <string.h>
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

#define COM1 0x3f8

void test_serial(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ irq = {0};
    CharDev *chr = fake_chardev_new();
    SerialState *u = serial_new(io, ml, COM1, fake_irq(&irq), chr);

    /* probes */
    outb(io, COM1 + 7, 0xa5);
    CHECK_EQ(inb(io, COM1 + 7), 0xa5, "scratch register");
    outb(io, COM1 + 1, 0xff);
    CHECK_EQ(inb(io, COM1 + 1), 0x0f, "IER bits 7-4 read 0");
    outb(io, COM1 + 1, 0);
    CHECK_EQ(inb(io, COM1 + 2), 0x01, "IIR: no interrupt, FIFOs off");
    outb(io, COM1 + 2, 0x01);
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "IIR bits 7-6 = 11: 16550A FIFOs");
    outb(io, COM1 + 4, 0x1a);                   /* loop, OUT2, RTS */
    CHECK_EQ(inb(io, COM1 + 6) & 0xf0, 0x90, "loopback MSR: DCD = OUT2, CTS = RTS");
    outb(io, COM1 + 4, 0x00);
    CHECK_EQ(inb(io, COM1 + 6) & 0xf0, 0xb0, "no loop: CTS, DSR, DCD asserted");
    CHECK_EQ(inb(io, COM1 + 5), 0x60, "LSR: THRE and TEMT");
    outb(io, COM1 + 3, 0x80);
    outb(io, COM1, 0x01); outb(io, COM1 + 1, 0x00);
    CHECK_EQ(inb(io, COM1), 0x01, "DLL");
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "IIR readable with DLAB (no EFR)");
    outb(io, COM1 + 3, 0x03);
    CHECK_EQ(inb(io, COM1 + 3), 0x03, "LCR 8N1");

    /* transmit */
    outb(io, COM1, 'h'); outb(io, COM1, 'i');
    size_t len;
    const uint8_t *out = fake_chardev_output(chr, &len);
    CHECK(len == 2 && !memcmp(out, "hi", 2), "bytes reach the back end");

    /* THRE interrupt, OUT2 gating */
    outb(io, COM1 + 1, 0x02);
    CHECK_EQ(inb(io, COM1 + 2), 0xc2, "enabling THRI with THR empty: THRE interrupt");
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "reading IIR acknowledged it");
    outb(io, COM1, 'x');
    CHECK_EQ(irq.level, 0, "no IRQ without OUT2");
    outb(io, COM1 + 4, 0x0b);                   /* DTR, RTS, OUT2 */
    CHECK_EQ(irq.level, 1, "IRQ with OUT2");
    inb(io, COM1 + 2);
    CHECK_EQ(irq.level, 0, "IRQ drops after IIR read");
    outb(io, COM1, 'y');
    CHECK_EQ(irq.level, 1, "next byte: THRE again");
    outb(io, COM1 + 1, 0x00);
    CHECK_EQ(irq.level, 0, "IER 0 lowers IRQ");

    /* receive: trigger level 8, timeout */
    outb(io, COM1 + 2, 0x87);
    outb(io, COM1 + 1, 0x01);
    CHECK_EQ(fake_chardev_input(chr, (const uint8_t *)"abc", 3), 3, "3 bytes taken");
    CHECK_EQ(inb(io, COM1 + 5) & 1, 1, "LSR DR");
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "below trigger: no RDA yet");
    fake_advance(ml, 3000000);                  /* 4 chars at 115200 = 347 us */
    CHECK_EQ(inb(io, COM1 + 2), 0xcc, "character timeout");
    CHECK_EQ(irq.level, 1, "timeout raises IRQ");
    CHECK_EQ(inb(io, COM1), 'a', "first byte");
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "reading RBR clears the timeout");
    inb(io, COM1); inb(io, COM1);
    CHECK_EQ(inb(io, COM1 + 5) & 1, 0, "FIFO empty");
    CHECK(fake_chardev_accepts(chr) >= 3, "back end told input is welcome");
    CHECK_EQ(fake_chardev_input(chr, (const uint8_t *)"0123456789abcdefXYZ", 19), 16,
             "FIFO takes 16");
    CHECK_EQ(inb(io, COM1 + 2), 0xc4, "at trigger: RDA");
    for (int i = 0; i < 16; i++) {
        inb(io, COM1);
    }
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "drained");
    fake_advance(ml, 3000000);
    CHECK_EQ(inb(io, COM1 + 2), 0xc1, "no timeout once empty");

    /* loopback, overrun without FIFO, line status interrupt */
    outb(io, COM1 + 2, 0x00);
    outb(io, COM1 + 4, 0x10);
    outb(io, COM1 + 1, 0x05);
    outb(io, COM1, 0x55);
    CHECK_EQ(inb(io, COM1 + 2), 0x04, "loopback byte: RDA (no FIFO)");
    outb(io, COM1, 0x66);
    CHECK_EQ(inb(io, COM1 + 2), 0x06, "overrun: line status has top priority");
    CHECK_EQ(inb(io, COM1 + 5) & 0x03, 0x03, "LSR OE and DR");
    CHECK_EQ(inb(io, COM1 + 5) & 0x02, 0, "OE cleared by reading LSR");
    CHECK_EQ(inb(io, COM1), 0x55, "first byte kept");
    fake_chardev_clear(chr);
    out = fake_chardev_output(chr, &len);
    CHECK_EQ(len, 0, "loopback sends nothing out");
    CHECK_EQ(fake_chardev_input(chr, (const uint8_t *)"z", 1), 0, "no input in loopback");

    /* modem status interrupt in loopback */
    inb(io, COM1 + 6);
    outb(io, COM1 + 1, 0x08);
    outb(io, COM1 + 4, 0x11);                   /* DTR -> DSR */
    CHECK_EQ(inb(io, COM1 + 2), 0x00, "modem status interrupt");
    CHECK_EQ(inb(io, COM1 + 6), 0x22, "DSR with DDSR");
    CHECK_EQ(inb(io, COM1 + 2), 0x01, "MSR read cleared it");

    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    ((Device *)u)->ops->save(u, &ss);
    outb(io, COM1 + 7, 0);
    rewind(f);
    ((Device *)u)->ops->load(u, &ss);
    CHECK(!ss.error, "load ok");
    CHECK_EQ(inb(io, COM1 + 7), 0xa5, "scratch restored");
    fclose(f);
    ((Device *)u)->ops->reset(u);
    CHECK_EQ(inb(io, COM1 + 4), 0, "reset MCR");

    ((Device *)u)->ops->free(u);
    chardev_close(chr);
    main_loop_free(ml);
    io_space_free(io);
}
