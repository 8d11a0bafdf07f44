/*
 * Motorola MC146818 real-time clock and its 128 bytes of CMOS RAM at ports 0x70
 * (index; bit 7 masks NMI) and 0x71 (data), as in the PC/AT.
 *
 * The clock is not stepped: the time is base_time plus the main loop's clock
 * since base_ns (started from the host's UTC clock, so seconds turn over with
 * the host's). Registers 0-9 are produced from it on read in the format of
 * register B (BCD or binary, 12 or 24 hours). The update-in-progress bit of
 * register A is set for the 244 us + 1984 us before each second boundary, so a
 * reader that saw UIP clear has at least 244 us of stable registers. Flags of
 * register C are computed when read; a timer runs only while an enabled
 * interrupt (periodic, alarm, update-ended) is due, driving IRQ 8.
 *
 * Spec: Motorola MC146818A data sheet (registers A-D, update cycle, periodic
 * rates, alarm "don't care" values 0xc0-0xff); IBM PC/AT Technical Reference and
 * the common CMOS map (0x0f shutdown, 0x10-0x2d checksummed, 0x2e-0x2f checksum,
 * 0x32 century, memory and boot bytes as listed in hw/isa.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hw/device.h"
#include "hw/isa.h"

enum { SEC, SEC_ALARM, MIN, MIN_ALARM, HOUR, HOUR_ALARM, WDAY, MDAY, MONTH, YEAR,
       REG_A, REG_B, REG_C, REG_D };
#define CENTURY 0x32
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

#define NS_PER_SEC 1000000000LL
#define UIP_NS (244000 + 1984000)

struct RTCState {
    Device dev;
    uint8_t cmos[128];
    uint8_t index;
    uint8_t nmi_masked;
    MainLoop *ml;
    Timer *timer;
    IRQ irq;
    int irq_level;
    int64_t base_time;      /* seconds since the epoch at base_ns */
    int64_t base_ns;
    int64_t flags_ns;       /* register C's flags are current up to here */
};

static int64_t now_ns(RTCState *s)
{
    return clock_ns(s->ml);
}

static int64_t current_time(RTCState *s, int64_t ns)
{
    int64_t d = ns - s->base_ns;
    return s->base_time + (d >= 0 ? d / NS_PER_SEC : -((-d + NS_PER_SEC - 1) / NS_PER_SEC));
}

static uint8_t to_reg(RTCState *s, int v)
{
    return (s->cmos[REG_B] & B_DM_BINARY) ? v : (v / 10) << 4 | v % 10;
}

static int from_reg(RTCState *s, uint8_t v)
{
    return (s->cmos[REG_B] & B_DM_BINARY) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t hour_to_reg(RTCState *s, int h)
{
    if (s->cmos[REG_B] & B_24H) {
        return to_reg(s, h);
    }
    int h12 = h % 12 ? h % 12 : 12;
    return to_reg(s, h12) | (h >= 12 ? 0x80 : 0);
}

static int hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[REG_B] & B_24H) {
        return from_reg(s, v);
    }
    int h = from_reg(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* Fills registers 0, 2, 4, 6-9 and the century from time t. */
static void time_to_regs(RTCState *s, int64_t t)
{
    time_t tt = t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    s->cmos[SEC] = to_reg(s, tm.tm_sec);
    s->cmos[MIN] = to_reg(s, tm.tm_min);
    s->cmos[HOUR] = hour_to_reg(s, tm.tm_hour);
    s->cmos[WDAY] = to_reg(s, tm.tm_wday + 1);
    s->cmos[MDAY] = to_reg(s, tm.tm_mday);
    s->cmos[MONTH] = to_reg(s, tm.tm_mon + 1);
    s->cmos[YEAR] = to_reg(s, tm.tm_year % 100);
    s->cmos[CENTURY] = to_reg(s, (tm.tm_year + 1900) / 100);
}

static int64_t regs_to_time(RTCState *s)
{
    struct tm tm = {0};
    tm.tm_sec = from_reg(s, s->cmos[SEC]);
    tm.tm_min = from_reg(s, s->cmos[MIN]);
    tm.tm_hour = hour_from_reg(s, s->cmos[HOUR]);
    tm.tm_mday = from_reg(s, s->cmos[MDAY]);
    tm.tm_mon = from_reg(s, s->cmos[MONTH]) - 1;
    tm.tm_year = from_reg(s, s->cmos[CENTURY]) * 100 + from_reg(s, s->cmos[YEAR]) - 1900;
    return timegm(&tm);
}

static bool clock_running(RTCState *s)
{
    return !(s->cmos[REG_B] & B_SET);
}

/* Periodic interrupt period in ns, or 0 when the rate select is 0. */
static int64_t periodic_ns(RTCState *s)
{
    int rs = s->cmos[REG_A] & 15;
    if (rs == 0) {
        return 0;
    }
    if (rs < 3) {
        rs += 7;
    }
    return (NS_PER_SEC << (rs - 1)) / 32768;
}

static bool alarm_matches(RTCState *s, int64_t t)
{
    uint8_t save[10], cent = s->cmos[CENTURY];
    memcpy(save, s->cmos, sizeof(save));
    time_to_regs(s, t);
    static const int pairs[3][2] = { { SEC, SEC_ALARM }, { MIN, MIN_ALARM },
                                     { HOUR, HOUR_ALARM } };
    bool match = true;
    for (int i = 0; i < 3; i++) {
        uint8_t a = s->cmos[pairs[i][1]];
        if ((a & 0xc0) != 0xc0 && a != s->cmos[pairs[i][0]]) {
            match = false;
        }
    }
    memcpy(s->cmos, save, sizeof(save));
    s->cmos[CENTURY] = cent;
    return match;
}

/* Sets register C's flags for the events in (flags_ns, ns]. */
static void update_flags(RTCState *s, int64_t ns)
{
    int64_t from = s->flags_ns;
    if (ns <= from) {
        return;
    }
    int64_t per = periodic_ns(s);
    if (per && (ns - s->base_ns) / per != (from - s->base_ns) / per) {
        s->cmos[REG_C] |= C_PF;
    }
    if (clock_running(s)) {
        int64_t t0 = current_time(s, from), t1 = current_time(s, ns);
        if (t1 > t0) {
            s->cmos[REG_C] |= C_UF;
            for (int64_t t = t1; t > t0 && t > t1 - 86400; t--) {
                if (alarm_matches(s, t)) {
                    s->cmos[REG_C] |= C_AF;
                    break;
                }
            }
        }
    }
    s->flags_ns = ns;
}

/* IRQF and the IRQ 8 line; arms the timer for the next enabled event. */
static void rtc_update_irq(RTCState *s)
{
    int64_t ns = now_ns(s);
    update_flags(s, ns);
    uint8_t b = s->cmos[REG_B], c = s->cmos[REG_C];
    bool irqf = (c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE);
    s->cmos[REG_C] = irqf ? c | C_IRQF : c & ~C_IRQF;
    if (irqf != s->irq_level) {
        s->irq_level = irqf;
        irq_set(&s->irq, irqf);
    }
    int64_t next = INT64_MAX, per = periodic_ns(s);
    if (!irqf && (b & B_PIE) && per) {
        next = s->base_ns + ((ns - s->base_ns) / per + 1) * per;
    }
    if (!irqf && (b & (B_AIE | B_UIE)) && clock_running(s)) {
        int64_t sec = s->base_ns + ((ns - s->base_ns) / NS_PER_SEC + 1) * NS_PER_SEC;
        next = sec < next ? sec : next;
    }
    if (next == INT64_MAX) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, next);
    }
}

static void rtc_timer_cb(void *opaque)
{
    rtc_update_irq(opaque);
}

/* Brings registers 0-9 up to the clock (when it runs). */
static void refresh_time(RTCState *s)
{
    if (clock_running(s)) {
        time_to_regs(s, current_time(s, now_ns(s)));
    }
}

/* Restarts the clock from the time registers: the next update in one second. */
static void restart_clock(RTCState *s)
{
    int64_t ns = now_ns(s);
    update_flags(s, ns);
    s->base_time = regs_to_time(s);
    s->base_ns = ns;
    s->flags_ns = ns;
}

static bool uip(RTCState *s)
{
    if (!clock_running(s)) {
        return false;
    }
    int64_t frac = (now_ns(s) - s->base_ns) % NS_PER_SEC;
    if (frac < 0) {
        frac += NS_PER_SEC;
    }
    return frac >= NS_PER_SEC - UIP_NS;
}

static bool is_time_reg(int addr)
{
    return addr <= YEAR || addr == CENTURY;
}

uint8_t rtc_cmos_read(RTCState *s, int addr)
{
    addr &= 127;
    if (is_time_reg(addr)) {
        refresh_time(s);
        return s->cmos[addr];
    }
    switch (addr) {
    case REG_A:
        return (s->cmos[REG_A] & 0x7f) | (uip(s) ? A_UIP : 0);
    case REG_C: {
        rtc_update_irq(s);
        uint8_t v = s->cmos[REG_C];
        s->cmos[REG_C] = 0;
        rtc_update_irq(s);
        return v;
    }
    default:
        return s->cmos[addr];
    }
}

static void write_reg_b(RTCState *s, uint8_t v)
{
    bool was_running = clock_running(s);
    if (v & B_SET) {
        v &= ~B_UIE;                        /* setting SET clears UIE */
    }
    if (was_running) {
        refresh_time(s);                    /* in the old format */
    }
    int64_t t = current_time(s, now_ns(s));
    update_flags(s, now_ns(s));
    bool format_changed = (v ^ s->cmos[REG_B]) & (B_DM_BINARY | B_24H);
    s->cmos[REG_B] = v;
    if (was_running && format_changed) {
        time_to_regs(s, t);
    }
    if (!was_running && clock_running(s)) {
        restart_clock(s);
    }
}

void rtc_cmos_write(RTCState *s, int addr, uint8_t val)
{
    addr &= 127;
    if (is_time_reg(addr)) {
        refresh_time(s);
        s->cmos[addr] = val;
        if (clock_running(s) && addr != SEC_ALARM && addr != MIN_ALARM &&
            addr != HOUR_ALARM) {
            restart_clock(s);
        }
    } else if (addr == REG_A) {
        update_flags(s, now_ns(s));
        s->cmos[REG_A] = val & 0x7f;
    } else if (addr == REG_B) {
        write_reg_b(s, val);
    } else if (addr == REG_C || addr == REG_D) {
        return;                             /* read-only */
    } else {
        s->cmos[addr] = val;
        return;
    }
    rtc_update_irq(s);
}

void rtc_cmos_update_checksum(RTCState *s)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++) {
        sum += s->cmos[i];
    }
    s->cmos[0x2e] = sum >> 8;
    s->cmos[0x2f] = sum;
}

static void put16(RTCState *s, int addr, uint64_t v)
{
    if (v > 0xffff) {
        v = 0xffff;
    }
    s->cmos[addr] = v;
    s->cmos[addr + 1] = v >> 8;
}

void rtc_set_memory_size(RTCState *s, uint64_t below_4g, uint64_t above_4g)
{
    uint64_t ext = below_4g > (1 << 20) ? (below_4g - (1 << 20)) >> 10 : 0;
    put16(s, 0x15, 640);
    put16(s, 0x17, ext);
    put16(s, 0x30, ext);
    put16(s, 0x34, below_4g > (16 << 20) ? (below_4g - (16 << 20)) >> 16 : 0);
    uint64_t hi = above_4g >> 16;
    if (hi > 0xffffff) {
        hi = 0xffffff;
    }
    s->cmos[0x5b] = hi;
    s->cmos[0x5c] = hi >> 8;
    s->cmos[0x5d] = hi >> 16;
    rtc_cmos_update_checksum(s);
}

void rtc_set_boot_order(RTCState *s, const char *order)
{
    uint8_t dev[3] = { 0, 0, 0 };
    for (int i = 0; i < 3 && order && order[i]; i++) {
        switch (order[i]) {
        case 'a': dev[i] = 1; break;
        case 'c': dev[i] = 2; break;
        case 'd': dev[i] = 3; break;
        case 'n': dev[i] = 4; break;
        default: dev[i] = 0; break;
        }
    }
    s->cmos[0x3d] = dev[1] << 4 | dev[0];
    s->cmos[0x38] = (s->cmos[0x38] & 0x0f) | dev[2] << 4;
}

static uint64_t rtc_io_read(void *opaque, uint64_t off, unsigned size)
{
    RTCState *s = opaque;
    (void)size;
    if ((off & 1) == 0) {
        return 0xff;                        /* the index register is write-only */
    }
    return rtc_cmos_read(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    RTCState *s = opaque;
    (void)size;
    if ((off & 1) == 0) {
        s->index = v & 0x7f;
        s->nmi_masked = v >> 7 & 1;
    } else {
        rtc_cmos_write(s, s->index, v);
    }
}

static const MemOps rtc_ops = { rtc_io_read, rtc_io_write };

/* Starts the clock from the host's UTC time, seconds aligned with the host's. */
static void start_from_host(RTCState *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->base_time = ts.tv_sec;
    s->base_ns = now_ns(s) - ts.tv_nsec;
    s->flags_ns = now_ns(s);
}

static void rtc_reset(void *dev)
{
    RTCState *s = dev;
    /* data sheet: RESET clears PIE, AIE, UIE, SQWE and the flags of C */
    s->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | 0x08);
    s->cmos[REG_C] = 0;
    s->flags_ns = now_ns(s);
    s->irq_level = 0;
    irq_set(&s->irq, 0);
    timer_del(s->timer);
}

static void rtc_save(void *dev, SaveStream *f)
{
    RTCState *s = dev;
    save_bytes(f, s->cmos, sizeof(s->cmos));
    save_u8(f, s->index); save_u8(f, s->nmi_masked); save_u8(f, s->irq_level);
    save_u64(f, s->base_time); save_u64(f, s->base_ns); save_u64(f, s->flags_ns);
}

static void rtc_load(void *dev, SaveStream *f)
{
    RTCState *s = dev;
    load_bytes(f, s->cmos, sizeof(s->cmos));
    s->index = load_u8(f) & 0x7f; s->nmi_masked = load_u8(f) & 1;
    s->irq_level = load_u8(f) & 1;
    s->base_time = load_u64(f); s->base_ns = load_u64(f); s->flags_ns = load_u64(f);
    irq_set(&s->irq, s->irq_level);
    rtc_update_irq(s);
}

static void rtc_free(void *dev)
{
    RTCState *s = dev;
    timer_free(s->timer);
    free(s);
}

static const DeviceOps rtc_dev_ops = {
    .name = "mc146818rtc", .reset = rtc_reset, .save = rtc_save, .load = rtc_load,
    .free = rtc_free,
};

RTCState *rtc_new(IOSpace *io, MainLoop *ml, IRQ irq8)
{
    RTCState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &rtc_dev_ops;
    s->ml = ml;
    s->irq = irq8;
    s->timer = timer_new(ml, rtc_timer_cb, s);
    s->cmos[REG_A] = 0x26;                  /* 32.768 kHz time base, 1024 Hz */
    s->cmos[REG_B] = B_24H;                 /* BCD, 24 hours */
    s->cmos[REG_D] = 0x80;                  /* valid RAM and time */
    start_from_host(s);
    time_to_regs(s, s->base_time);
    rtc_update_irq(s);
    ioport_register(io, "rtc", 0x70, 2, &rtc_ops, s);
    return s;
}
