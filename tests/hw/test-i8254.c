/*
 * 8254 PIT and port 0x61 tests: counts read after a known number of input clocks
 * (1.193182 MHz), IRQ 0 edges per mode, gate 2 through port 0x61, latch and
 * read-back commands, BCD (Intel 8254 data sheet).
 */
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

static int64_t ticks_ns(uint64_t t)
{
    return (int64_t)((t * 1000000000ULL + PIT_FREQ - 1) / PIT_FREQ);
}

static unsigned read16(IOSpace *io, uint16_t port)
{
    unsigned lo = inb(io, port);
    return lo | inb(io, port) << 8;
}

static void test_counting(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ irq = {0};
    PITState *p = pit_new(io, ml, fake_irq(&irq));

    /* channel 0, lobyte/hibyte, mode 2, count 0x1000 */
    outb(io, 0x43, 0x34); outb(io, 0x40, 0x00); outb(io, 0x40, 0x10);
    fake_advance(ml, ticks_ns(1000));
    outb(io, 0x43, 0x00);                       /* latch counter 0 */
    fake_advance(ml, ticks_ns(500));
    CHECK_EQ(read16(io, 0x40), 0x1000 - 1000, "latched count after 1000 ticks");
    CHECK_EQ(read16(io, 0x40), 0x1000 - 1500, "live count after 1500 ticks");

    /* periodic IRQ 0: count 1193 for 20 periods */
    int r0 = irq.rises;
    outb(io, 0x43, 0x34); outb(io, 0x40, 1193 & 0xff); outb(io, 0x40, 1193 >> 8);
    int r1 = irq.rises;
    fake_advance(ml, ticks_ns(1193 * 20) + 10);
    CHECK_EQ(irq.rises - r1, 20, "mode 2: 20 IRQ 0 rising edges in 20 periods");
    CHECK(r1 - r0 <= 1, "at most one edge at programming");
    CHECK_EQ(fake_timers_pending(ml), 1, "periodic mode keeps a timer");

    /* mode 3 square wave: high the first half, low the second */
    outb(io, 0x43, 0x36); outb(io, 0x40, 100); outb(io, 0x40, 0);
    r1 = irq.rises;
    fake_advance(ml, ticks_ns(10));
    CHECK_EQ(irq.level, 1, "mode 3 output high in first half");
    fake_advance(ml, ticks_ns(50));
    CHECK_EQ(irq.level, 0, "mode 3 output low in second half");
    fake_advance(ml, ticks_ns(1000) - ticks_ns(60));
    CHECK_EQ(irq.rises - r1, 10, "mode 3: 10 periods of 100 ticks");

    /* mode 4 one-shot (Linux's PIT clockevent) */
    outb(io, 0x43, 0x38); outb(io, 0x40, 0x10); outb(io, 0x40, 0x00);
    r1 = irq.rises;
    CHECK_EQ(irq.level, 1, "mode 4 output high while counting");
    fake_advance(ml, ticks_ns(16));
    fake_advance(ml, ticks_ns(2));
    CHECK_EQ(irq.rises - r1, 1, "mode 4: one strobe after the count");
    fake_advance(ml, ticks_ns(100000));
    CHECK_EQ(irq.rises - r1, 1, "mode 4: no more edges");
    CHECK_EQ(fake_timers_pending(ml), 0, "no timer once nothing is armed");

    /* mode 0 on channel 0: output low until terminal count */
    outb(io, 0x43, 0x30);
    CHECK_EQ(irq.level, 0, "mode 0 output low after the control word");
    outb(io, 0x40, 0x00); outb(io, 0x40, 0x01);
    fake_advance(ml, ticks_ns(255));
    CHECK_EQ(irq.level, 0, "mode 0 low before count");
    fake_advance(ml, ticks_ns(2));
    CHECK_EQ(irq.level, 1, "mode 0 high at terminal count");
    outb(io, 0x43, 0x00);
    CHECK_EQ(read16(io, 0x40), 0x10000 - 1, "mode 0 keeps counting down past 0 (wraps)");

    /* read-back: status of counter 0 then count */
    outb(io, 0x43, 0x34); outb(io, 0x40, 0x00); outb(io, 0x40, 0x20);
    outb(io, 0x43, 0xc2);                       /* latch count and status, counter 0 */
    CHECK_EQ(inb(io, 0x40), 0x80 | 0x30 | 0x04, "status: out 1, rw 3, mode 2, binary");
    CHECK_EQ(read16(io, 0x40), 0x2000, "read-back count");
    outb(io, 0x43, 0x30);
    outb(io, 0x43, 0xe2);                       /* status only */
    CHECK_EQ(inb(io, 0x40), 0x40 | 0x30, "status: null count, out 0, mode 0");

    /* BCD, LSB-only access */
    outb(io, 0x43, 0x15);                       /* counter 0, LSB, mode 2, BCD */
    outb(io, 0x40, 0x50);                       /* 50 decimal */
    fake_advance(ml, ticks_ns(7));
    CHECK_EQ(inb(io, 0x40), 0x43, "BCD count 50 - 7 = 43");
    outb(io, 0x43, 0x25);                       /* MSB only, BCD */
    outb(io, 0x40, 0x00);                       /* 0 = 10000 */
    fake_advance(ml, ticks_ns(1));
    CHECK_EQ(inb(io, 0x40), 0x99, "BCD 10000 - 1 = 9999: MSB 0x99");

    ((Device *)p)->ops->free(p);
    main_loop_free(ml);
    io_space_free(io);
}

static void test_port61(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ irq = {0};
    PITState *p = pit_new(io, ml, fake_irq(&irq));

    /* Linux's pit_calibrate_tsc: gate on, speaker off, ch2 mode 0, wait bit 5 */
    outb(io, 0x61, (inb(io, 0x61) & ~0x02) | 0x01);
    outb(io, 0x43, 0xb0);
    outb(io, 0x42, 11932 & 0xff); outb(io, 0x42, 11932 >> 8);
    CHECK_EQ(inb(io, 0x61) & 0x23, 0x01, "gate 1, speaker 0, out2 low");
    fake_advance(ml, ticks_ns(11000));
    CHECK_EQ(inb(io, 0x61) & 0x20, 0, "out2 still low before 10 ms");
    fake_advance(ml, ticks_ns(1000));
    CHECK_EQ(inb(io, 0x61) & 0x20, 0x20, "out2 high after 10 ms");

    /* quick_pit_calibrate reads the MSB without latching */
    outb(io, 0x43, 0xb0); outb(io, 0x42, 0xff); outb(io, 0x42, 0xff);
    fake_advance(ml, ticks_ns(256 * 3));
    inb(io, 0x42);
    CHECK_EQ(inb(io, 0x42), 0xfc, "MSB after 768 ticks from 0xffff");

    /* gate low stops a mode 0 count */
    outb(io, 0x43, 0xb0); outb(io, 0x42, 0x00); outb(io, 0x42, 0x10);
    fake_advance(ml, ticks_ns(0x100));
    outb(io, 0x61, 0x00);
    fake_advance(ml, ticks_ns(0x500));
    outb(io, 0x43, 0x80);
    CHECK_EQ(read16(io, 0x42), 0x0f00, "mode 0 frozen while gate low");
    outb(io, 0x61, 0x01);
    fake_advance(ml, ticks_ns(0x100));
    outb(io, 0x43, 0x80);
    CHECK_EQ(read16(io, 0x42), 0x0e00, "mode 0 resumes when gate rises");

    /* mode 2 on ch2: gate low forces out high, rising gate reloads */
    outb(io, 0x43, 0xb4); outb(io, 0x42, 0x00); outb(io, 0x42, 0x02);
    fake_advance(ml, ticks_ns(0x80));
    outb(io, 0x61, 0x00); outb(io, 0x61, 0x01);
    fake_advance(ml, ticks_ns(0x10));
    outb(io, 0x43, 0x80);
    CHECK_EQ(read16(io, 0x42), 0x01f0, "mode 2 reloads on gate rising edge");

    /* refresh toggle: bit 4 changes within 15.085 us */
    int b1 = inb(io, 0x61) & 0x10;
    fake_advance(ml, 15085);
    CHECK(b1 != (inb(io, 0x61) & 0x10), "refresh bit 4 toggles");
    outb(io, 0x61, 0x03);
    CHECK_EQ(inb(io, 0x61) & 0x0f, 0x03, "port 0x61 bits 0-1 read back");

    /* HPET legacy mode: IRQ 0 silenced */
    outb(io, 0x43, 0x34); outb(io, 0x40, 100); outb(io, 0x40, 0);
    pit_set_irq_enabled(p, false);
    int r = irq.rises;
    fake_advance(ml, ticks_ns(1000));
    CHECK_EQ(irq.rises, r, "no IRQ 0 edges while disabled");
    CHECK_EQ(fake_timers_pending(ml), 0, "no timer while disabled");
    pit_set_irq_enabled(p, true);
    fake_advance(ml, ticks_ns(1000));
    CHECK(irq.rises - r >= 9, "IRQ 0 back when enabled");

    /* save/load */
    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    outb(io, 0x43, 0x34); outb(io, 0x40, 0x00); outb(io, 0x40, 0x30);
    ((Device *)p)->ops->save(p, &ss);
    outb(io, 0x43, 0x30);
    rewind(f);
    ((Device *)p)->ops->load(p, &ss);
    CHECK(!ss.error, "load ok");
    outb(io, 0x43, 0xe2);
    CHECK_EQ(inb(io, 0x40) & 0x3f, 0x34, "mode 2 restored");
    fclose(f);

    ((Device *)p)->ops->free(p);
    main_loop_free(ml);
    io_space_free(io);
}

void test_i8254(void)
{
    test_counting();
    test_port61();
}
