/*
 * 8259A pair tests, driven through ports 0x20/0x21/0xa0/0xa1/0x4d0 as a BIOS or
 * Linux would, checked against the Intel 8259A data sheet's rules.
 */
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

/* The PC initialisation sequence (master base 0x08 or 0x20, slave 0x70/0x28). */
static void pic_init(IOSpace *io, uint8_t mbase, uint8_t sbase, bool aeoi)
{
    outb(io, 0x20, 0x11); outb(io, 0x21, mbase); outb(io, 0x21, 0x04);
    outb(io, 0x21, aeoi ? 0x03 : 0x01);
    outb(io, 0xa0, 0x11); outb(io, 0xa1, sbase); outb(io, 0xa1, 0x02);
    outb(io, 0xa1, aeoi ? 0x03 : 0x01);
    outb(io, 0x21, 0x00); outb(io, 0xa1, 0x00);
}

static void test_basic(void)
{
    IOSpace *io = io_space_new();
    FakeIRQ intr = {0};
    PICState *p = pic_new(io, fake_irq(&intr));
    pic_init(io, 0x20, 0x28, false);
    IRQ i0 = pic_input(p, 0), i1 = pic_input(p, 1), i8 = pic_input(p, 8);
    IRQ i12 = pic_input(p, 12);

    CHECK_EQ(inb(io, 0x21), 0, "IMR after init");
    CHECK_EQ(pic_get_interrupt(p), -1, "no request: INTA gives -1");
    irq_raise(&i1);
    CHECK_EQ(intr.level, 1, "INTR on IRQ1");
    outb(io, 0x20, 0x0a);                       /* OCW3 read IRR */
    CHECK_EQ(inb(io, 0x20), 0x02, "IRR bit 1");
    irq_raise(&i0);
    CHECK_EQ(pic_get_interrupt(p), 0x20, "IRQ0 wins (highest priority)");
    outb(io, 0x20, 0x0b);                       /* OCW3 read ISR */
    CHECK_EQ(inb(io, 0x20), 0x01, "ISR bit 0");
    CHECK_EQ(intr.level, 0, "IRQ1 blocked while IRQ0 in service");
    outb(io, 0x20, 0x20);                       /* non-specific EOI */
    CHECK_EQ(intr.level, 1, "IRQ1 presented after EOI");
    CHECK_EQ(pic_get_interrupt(p), 0x21, "vector of IRQ1");
    outb(io, 0x20, 0x61);                       /* specific EOI 1 */
    CHECK_EQ(inb(io, 0x20), 0x00, "ISR empty after specific EOI");

    /* edge: holding the line high does not re-request */
    CHECK_EQ(pic_get_interrupt(p), -1, "edge request consumed");
    irq_lower(&i0); irq_lower(&i1);

    /* masking */
    outb(io, 0x21, 0x01);
    irq_raise(&i0);
    CHECK_EQ(intr.level, 0, "masked IRQ0 gives no INTR");
    outb(io, 0x20, 0x0a);
    CHECK_EQ(inb(io, 0x20) & 1, 1, "masked request still in IRR");
    outb(io, 0x21, 0x00);
    CHECK_EQ(intr.level, 1, "unmasking presents it");
    CHECK_EQ(pic_get_interrupt(p), 0x20, "IRQ0 vector");
    outb(io, 0x20, 0x20);
    irq_lower(&i0);

    /* cascade */
    irq_raise(&i12);
    CHECK_EQ(intr.level, 1, "slave request reaches INTR");
    CHECK_EQ(pic_get_interrupt(p), 0x2c, "IRQ12 vector from the slave");
    outb(io, 0x20, 0x0b);
    CHECK_EQ(inb(io, 0x20), 0x04, "master ISR bit 2 (cascade)");
    outb(io, 0xa0, 0x0b);
    CHECK_EQ(inb(io, 0xa0), 0x10, "slave ISR bit 4");
    irq_raise(&i8);
    CHECK_EQ(intr.level, 0, "IRQ8 waits: IR2 in service on the master (fully nested)");
    outb(io, 0xa0, 0x20);
    CHECK_EQ(intr.level, 0, "still waiting for the master's EOI");
    outb(io, 0x20, 0x20);
    CHECK_EQ(pic_get_interrupt(p), 0x28, "IRQ8 after both EOIs");
    outb(io, 0xa0, 0x20); outb(io, 0x20, 0x20);
    irq_lower(&i8); irq_lower(&i12);
    ((Device *)p)->ops->free(p);
    io_space_free(io);
}

static void test_modes(void)
{
    IOSpace *io = io_space_new();
    FakeIRQ intr = {0};
    PICState *p = pic_new(io, fake_irq(&intr));
    pic_init(io, 0x08, 0x70, true);
    IRQ i3 = pic_input(p, 3), i5 = pic_input(p, 5), i10 = pic_input(p, 10);

    /* auto-EOI: nothing stays in service */
    irq_raise(&i3);
    CHECK_EQ(pic_get_interrupt(p), 0x0b, "AEOI vector IRQ3");
    outb(io, 0x20, 0x0b);
    CHECK_EQ(inb(io, 0x20), 0, "AEOI leaves ISR empty");
    irq_lower(&i3);

    /* level-triggered via ELCR */
    pic_init(io, 0x08, 0x70, false);
    outb(io, 0x4d1, 0x04);                      /* IRQ10 level */
    CHECK_EQ(inb(io, 0x4d1), 0x04, "ELCR2 readback");
    outb(io, 0x4d0, 0xff);
    CHECK_EQ(inb(io, 0x4d0), 0xf8, "ELCR1: IRQ 0-2 edge only");
    outb(io, 0x4d0, 0x00);
    outb(io, 0x4d1, 0xff);
    CHECK_EQ(inb(io, 0x4d1), 0xde, "ELCR2: IRQ 8 and 13 edge only");
    outb(io, 0x4d1, 0x04);
    irq_raise(&i10);
    CHECK_EQ(pic_get_interrupt(p), 0x72, "level IRQ10 vector");
    outb(io, 0xa0, 0x20); outb(io, 0x20, 0x20);
    CHECK_EQ(intr.level, 1, "level line still high: requests again after EOI");
    irq_lower(&i10);
    CHECK_EQ(intr.level, 0, "level request gone with the line");

    /* spurious: edge request removed before INTA is not possible here; a request
     * that goes away on a level input gives IRQ 7 when acknowledged late */
    irq_raise(&i10);
    irq_lower(&i10);
    CHECK_EQ(pic_get_interrupt(p), -1, "no INTR, no vector");

    /* poll command */
    irq_raise(&i5);
    outb(io, 0x20, 0x0c);
    CHECK_EQ(inb(io, 0x20), 0x85, "poll: 0x80 | 5");
    outb(io, 0x20, 0x0b);
    CHECK_EQ(inb(io, 0x20), 0x20, "poll acknowledges: ISR bit 5");
    outb(io, 0x20, 0x0c);
    CHECK_EQ(inb(io, 0x20), 0x00, "poll with nothing pending");
    outb(io, 0x20, 0x20);
    irq_lower(&i5);

    /* special mask mode: a lower-priority request is served while a higher
     * one is in service and masked */
    irq_raise(&i3);
    CHECK_EQ(pic_get_interrupt(p), 0x0b, "IRQ3 in service");
    irq_raise(&i5);
    CHECK_EQ(intr.level, 0, "IRQ5 blocked by IRQ3 in service");
    outb(io, 0x21, 0x08);                       /* mask IRQ3 */
    outb(io, 0x20, 0x68);                       /* OCW3 set special mask */
    CHECK_EQ(intr.level, 1, "special mask lets IRQ5 through");
    CHECK_EQ(pic_get_interrupt(p), 0x0d, "IRQ5 vector");
    outb(io, 0x20, 0x48);                       /* reset special mask */
    outb(io, 0x20, 0x65); outb(io, 0x20, 0x63);
    outb(io, 0x21, 0x00);
    irq_lower(&i3); irq_lower(&i5);

    /* rotation: set priority so IRQ4 is lowest, IRQ5 becomes highest */
    outb(io, 0x20, 0xc4);
    irq_raise(&i3); irq_raise(&i5);
    CHECK_EQ(pic_get_interrupt(p), 0x0d, "after set-priority 4, IRQ5 beats IRQ3");
    outb(io, 0x20, 0xa0);                       /* rotate on non-specific EOI */
    CHECK_EQ(pic_get_interrupt(p), 0x0b, "then IRQ3");
    outb(io, 0x20, 0x20);
    irq_lower(&i3); irq_lower(&i5);

    /* save/load round trip */
    outb(io, 0x21, 0x5a);
    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    ((Device *)p)->ops->save(p, &ss);
    outb(io, 0x21, 0x00);
    rewind(f);
    ((Device *)p)->ops->load(p, &ss);
    CHECK(!ss.error, "load error");
    CHECK_EQ(inb(io, 0x21), 0x5a, "IMR restored by load");
    fclose(f);

    ((Device *)p)->ops->reset(p);
    CHECK_EQ(inb(io, 0x21), 0, "reset clears IMR");
    ((Device *)p)->ops->free(p);
    io_space_free(io);
}

void test_i8259(void)
{
    test_basic();
    test_modes();
}
