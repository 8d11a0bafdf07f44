/*
 * MC146818 RTC/CMOS tests: register formats (BCD/binary, 12/24 h), setting the
 * clock with SET, the update-in-progress window, periodic/update/alarm flags and
 * IRQ 8, NVRAM and the BIOS memory/boot bytes (MC146818A data sheet).
 */
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

static uint8_t cmos_in(IOSpace *io, uint8_t i)
{
    outb(io, 0x70, i);
    return inb(io, 0x71);
}

static void cmos_out(IOSpace *io, uint8_t i, uint8_t v)
{
    outb(io, 0x70, i);
    outb(io, 0x71, v);
}

static void set_clock(IOSpace *io)
{
    /* Wednesday 2026-12-02 23:59:58 */
    cmos_out(io, 0x0b, cmos_in(io, 0x0b) | 0x80);
    cmos_out(io, 0, 0x58); cmos_out(io, 2, 0x59); cmos_out(io, 4, 0x23);
    cmos_out(io, 6, 0x04); cmos_out(io, 7, 0x02); cmos_out(io, 8, 0x12);
    cmos_out(io, 9, 0x26); cmos_out(io, 0x32, 0x20);
    cmos_out(io, 0x0b, cmos_in(io, 0x0b) & ~0x80);
}

static void test_time(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ irq = {0};
    fake_set_clock(ml, 5000000000LL);
    RTCState *r = rtc_new(io, ml, fake_irq(&irq));

    CHECK_EQ(cmos_in(io, 0x0a) & 0x7f, 0x26, "register A");
    CHECK_EQ(cmos_in(io, 0x0b), 0x02, "register B: BCD, 24 h");
    CHECK_EQ(cmos_in(io, 0x0d), 0x80, "register D: VRT");
    CHECK_EQ(cmos_in(io, 0x32), 0x20, "century from the host clock");
    uint8_t sec = cmos_in(io, 0);
    CHECK((sec & 0x0f) < 10 && sec < 0x60, "host seconds in BCD");

    set_clock(io);
    CHECK_EQ(cmos_in(io, 0), 0x58, "seconds as set");
    CHECK_EQ(cmos_in(io, 0x0a) & 0x80, 0, "no UIP right after SET cleared");
    fake_advance(ml, 1000000000LL - 1000000);
    CHECK_EQ(cmos_in(io, 0x0a) & 0x80, 0x80, "UIP in the last 2.228 ms of the second");
    CHECK_EQ(cmos_in(io, 0), 0x58, "still :58 before the update");
    fake_advance(ml, 1000000000LL + 1000000);
    CHECK_EQ(cmos_in(io, 0x0a) & 0x80, 0, "UIP clear after the update");
    CHECK_EQ(cmos_in(io, 0), 0x00, "seconds roll over");
    CHECK_EQ(cmos_in(io, 2), 0x00, "minutes roll over");
    CHECK_EQ(cmos_in(io, 4), 0x00, "hours roll over");
    CHECK_EQ(cmos_in(io, 7), 0x03, "day of month 3");
    CHECK_EQ(cmos_in(io, 6), 0x05, "Thursday (Sunday = 1)");
    CHECK_EQ(cmos_in(io, 8), 0x12, "month");
    CHECK_EQ(cmos_in(io, 9), 0x26, "year");

    set_clock(io);
    cmos_out(io, 0x0b, 0x00);                   /* BCD, 12 h */
    CHECK_EQ(cmos_in(io, 4), 0x91, "12 h: 23 h is PM 11");
    cmos_out(io, 0x0b, 0x06);                   /* binary, 24 h */
    CHECK_EQ(cmos_in(io, 4), 23, "binary hours");
    CHECK_EQ(cmos_in(io, 2), 59, "binary minutes");
    cmos_out(io, 0x0b, 0x04);                   /* binary, 12 h */
    CHECK_EQ(cmos_in(io, 4), 0x8b, "binary 12 h: PM | 11");
    cmos_out(io, 0x0b, 0x82);                   /* SET, BCD 24 h */
    CHECK_EQ(cmos_in(io, 4), 0x23, "format change while setting");
    fake_advance(ml, 5000000000LL);
    CHECK_EQ(cmos_in(io, 0), 0x58, "clock stopped while SET");
    cmos_out(io, 0x0b, 0x02);

    ((Device *)r)->ops->free(r);
    main_loop_free(ml);
    io_space_free(io);
}

static void test_interrupts(void)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ irq = {0};
    RTCState *r = rtc_new(io, ml, fake_irq(&irq));
    set_clock(io);
    cmos_in(io, 0x0c);

    /* 1024 Hz periodic interrupt, acknowledged by reading C */
    cmos_out(io, 0x0b, 0x42);
    int n = 0;
    for (int i = 0; i < 1000; i++) {
        fake_advance(ml, 100000);
        if (irq.level) {
            uint8_t c = cmos_in(io, 0x0c);
            n += (c & 0xc0) == 0xc0;
            CHECK(irq.level == 0, "reading C lowers IRQ 8");
        }
    }
    CHECK(n >= 101 && n <= 103, "1024 Hz periodic: %d interrupts in 100 ms", n);
    CHECK_EQ(fake_timers_pending(ml), 1, "timer armed for the next period");
    cmos_out(io, 0x0a, 0x2f);                   /* 2 Hz */
    cmos_in(io, 0x0c);
    fake_advance(ml, 600000000);
    CHECK_EQ(cmos_in(io, 0x0c) & 0xc0, 0xc0, "2 Hz rate");
    cmos_out(io, 0x0b, 0x02);
    cmos_in(io, 0x0c);
    fake_advance(ml, 600000000);
    CHECK_EQ(cmos_in(io, 0x0c), 0x50, "PF and UF set without IRQF when disabled");
    CHECK_EQ(fake_timers_pending(ml), 0, "no timer when no interrupt is enabled");

    /* update-ended interrupts: one per second */
    cmos_out(io, 0x0b, 0x12);
    int rises = irq.rises;
    for (int i = 0; i < 30; i++) {
        fake_advance(ml, 100000000);
        if (irq.level) {
            cmos_in(io, 0x0c);
        }
    }
    CHECK_EQ(irq.rises - rises, 3, "3 update interrupts in 3 s");

    /* alarm: hour/minute don't care, second = now + 2 */
    cmos_out(io, 0x0b, 0x02);
    cmos_in(io, 0x0c);
    uint8_t s = cmos_in(io, 0);
    int sec = (s >> 4) * 10 + (s & 15);
    sec = (sec + 2) % 60;
    cmos_out(io, 1, (sec / 10) << 4 | sec % 10);
    cmos_out(io, 3, 0xc0);
    cmos_out(io, 5, 0xff);
    cmos_out(io, 0x0b, 0x22);
    rises = irq.rises;
    fake_advance(ml, 1000000000);
    CHECK_EQ(irq.rises - rises, 0, "alarm not yet");
    fake_advance(ml, 1100000000);
    CHECK_EQ(irq.rises - rises, 1, "alarm after 2 s");
    CHECK_EQ(cmos_in(io, 0x0c) & 0xa0, 0xa0, "AF and IRQF");
    cmos_out(io, 0x0b, 0x02);

    /* NVRAM and BIOS bytes */
    cmos_out(io, 0x40, 0x5a);
    CHECK_EQ(cmos_in(io, 0x40), 0x5a, "NVRAM byte");
    outb(io, 0x70, 0x8f);                       /* NMI masked, index 0x0f */
    outb(io, 0x71, 0x0a);
    CHECK_EQ(rtc_cmos_read(r, 0x0f), 0x0a, "index with NMI bit");
    cmos_out(io, 0x0c, 0xff);
    CHECK_EQ(cmos_in(io, 0x0c) & 0x0f, 0, "C read-only");
    cmos_out(io, 0x0d, 0x00);
    CHECK_EQ(cmos_in(io, 0x0d), 0x80, "D read-only");
    rtc_set_memory_size(r, 128 << 20, 1ULL << 30);
    CHECK_EQ(cmos_in(io, 0x15) | cmos_in(io, 0x16) << 8, 640, "base memory");
    CHECK_EQ(cmos_in(io, 0x17) | cmos_in(io, 0x18) << 8, 0xffff, "extended (capped)");
    CHECK_EQ(cmos_in(io, 0x34) | cmos_in(io, 0x35) << 8, 0x700, "64 KiB units above 16 MiB");
    CHECK_EQ(cmos_in(io, 0x5b) | cmos_in(io, 0x5c) << 8 | cmos_in(io, 0x5d) << 16, 0x4000,
             "64 KiB units above 4 GiB");
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++) {
        sum += cmos_in(io, i);
    }
    CHECK_EQ(cmos_in(io, 0x2e) << 8 | cmos_in(io, 0x2f), sum, "checksum");
    rtc_set_boot_order(r, "cdn");
    CHECK_EQ(cmos_in(io, 0x3d), 0x32, "boot order c, d");
    CHECK_EQ(cmos_in(io, 0x38) >> 4, 4, "third boot device n");

    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    ((Device *)r)->ops->save(r, &ss);
    cmos_out(io, 0x40, 0);
    rewind(f);
    ((Device *)r)->ops->load(r, &ss);
    CHECK(!ss.error, "load ok");
    CHECK_EQ(cmos_in(io, 0x40), 0x5a, "NVRAM restored");
    fclose(f);

    ((Device *)r)->ops->free(r);
    main_loop_free(ml);
    io_space_free(io);
}

void test_rtc(void)
{
    test_time();
    test_interrupts();
}
