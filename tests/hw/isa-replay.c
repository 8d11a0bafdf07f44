/*
 * Replays a QEMU qtest command script (outb/outw/outl PORT VAL, inb/inw/inl
 * PORT, clock_step NS) against the ISA devices wired as on a PC (PIT -> IRQ 0,
 * i8042 -> IRQ 1/12, COM1 -> IRQ 4, RTC -> IRQ 8, all into the 8259A pair) and
 * answers as qtest does ("OK", "OK 0x%04x" ...), so tests/check-hw-isa.sh can
 * compare its answers with qemu-system-x86_64 -qtest running the same script.
 * The RTC is set to the time given as argv[1] (seconds since the epoch), as
 * QEMU's -rtc base= does.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hw/device.h"
#include "hw/isa.h"
#include "tests/hw/fake.h"

static void no_a20(void *opaque, bool on)
{
    (void)opaque; (void)on;
}

static void set_rtc(RTCState *r, long long t)
{
    time_t tt = t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    uint8_t b = rtc_cmos_read(r, 0x0b);
    int v[] = { tm.tm_sec, tm.tm_min, tm.tm_hour, tm.tm_wday + 1, tm.tm_mday,
                tm.tm_mon + 1, tm.tm_year % 100, (tm.tm_year + 1900) / 100 };
    int reg[] = { 0, 2, 4, 6, 7, 8, 9, 0x32 };
    rtc_cmos_write(r, 0x0b, b | 0x80);
    for (int i = 0; i < 8; i++) {
        rtc_cmos_write(r, reg[i], (v[i] / 10) << 4 | v[i] % 10);
    }
    rtc_cmos_write(r, 0x0b, b);
}

int main(int argc, char **argv)
{
    IOSpace *io = io_space_new();
    MainLoop *ml = main_loop_new();
    FakeIRQ intr = {0};
    PICState *pic = pic_new(io, fake_irq(&intr));
    pit_new(io, ml, pic_input(pic, 0));
    RTCState *rtc = rtc_new(io, ml, pic_input(pic, 8));
    serial_new(io, ml, 0x3f8, pic_input(pic, 4), NULL);
    i8042_new(io, ml, pic_input(pic, 1), pic_input(pic, 12), no_a20, NULL);
    port92_new(io, ml, no_a20, NULL);
    if (argc > 1) {
        set_rtc(rtc, atoll(argv[1]));
    }
    char line[256], cmd[32];
    unsigned long a, b;
    while (fgets(line, sizeof(line), stdin)) {
        int n = sscanf(line, "%31s %li %li", cmd, (long *)&a, (long *)&b);
        if (n < 1) {
            continue;
        }
        unsigned size = cmd[strlen(cmd) - 1] == 'b' ? 1 : cmd[strlen(cmd) - 1] == 'w' ? 2 : 4;
        if (!strncmp(cmd, "out", 3) && n == 3) {
            ioport_write(io, a, b, size);
            printf("OK\n");
        } else if (!strncmp(cmd, "in", 2) && n == 2) {
            printf(size == 4 ? "OK 0x%08x\n" : "OK 0x%04x\n", ioport_read(io, a, size));
        } else if (!strcmp(cmd, "clock_step") && n == 2) {
            fake_advance(ml, a);
            printf("OK %lld\n", (long long)clock_ns(ml));
        } else {
            printf("ERR\n");
        }
    }
    return 0;
}
