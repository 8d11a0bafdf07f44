/*
 * Unit tests of the local APIC, the I/O APIC and the HPET, driven through their
 * registers like a guest driver on a fake bus and a hand-advanced clock.
 * Expected values come from the specs: Intel SDM vol. 3A ch. 10 (register
 * layout, divide configuration table 10-5 in figure 10-10, PPR rule 10.8.3.1,
 * TSC-deadline 10.5.4.1), the 82093AA datasheet (redirection entries, Remote IRR)
 * and IA-PC HPET 1.0a (2.3: capabilities, comparators, periodic and legacy
 * replacement routing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/apic.h"
#include "tests/hw/apic-fake.h"

static int passed, failed;

#define CHECK(cond, ...) do {                                   \
        if (cond) {                                             \
            passed++;                                           \
        } else {                                                \
            failed++;                                           \
            printf("FAIL %s:%d: ", __func__, __LINE__);         \
            printf(__VA_ARGS__);                                \
            printf("\n");                                       \
        }                                                       \
    } while (0)
#define CHECK_EQ(got, want) do {                                                 \
        unsigned long long g_ = (got), w_ = (want);                              \
        CHECK(g_ == w_, "%s = 0x%llx, expected 0x%llx", #got, g_, w_);           \
    } while (0)

/* --- the machine around the devices --- */

typedef struct Rig {
    AddressSpace *as;
    MainLoop *ml;
    APICBus *bus;
    APICState *apic;
    IOAPICState *ioapic;
    HPETState *hpet;
    int intr;                   /* the CPU's INTR pin */
    int nmis, inits, sipis, sipi_vector;
    int pic_vector;             /* what the fake 8259 answers in INTA */
    int pic_intas;
    uint64_t tsc_offset;
    int line[24];               /* HPET outputs: level */
    int edges[24];              /* HPET outputs: rising edges */
    int legacy;
} Rig;

static void cpu_set_intr(void *o, int level) { ((Rig *)o)->intr = level; }
static void cpu_nmi(void *o) { ((Rig *)o)->nmis++; }
static void cpu_init(void *o) { ((Rig *)o)->inits++; }
static void cpu_sipi(void *o, int v) { ((Rig *)o)->sipis++; ((Rig *)o)->sipi_vector = v; }
static uint64_t cpu_tsc(void *o)
{
    Rig *r = o;
    return (uint64_t)clock_ns(r->ml) * 2 + r->tsc_offset;     /* 2 GHz */
}
static int pic_inta(void *o) { ((Rig *)o)->pic_intas++; return ((Rig *)o)->pic_vector; }

static void hpet_line(void *o, int n, int level)
{
    Rig *r = o;
    if (level && !r->line[n]) {
        r->edges[n]++;
    }
    r->line[n] = level;
}
static void hpet_legacy(void *o, int n, int level) { (void)n; ((Rig *)o)->legacy = level; }

static Rig *rig_new(void)
{
    Rig *r = calloc(1, sizeof(*r));
    r->as = address_space_new();
    r->ml = main_loop_new();
    r->bus = apic_bus_new();
    APICCallbacks cb = {
        .cpu = r, .set_intr = cpu_set_intr, .nmi = cpu_nmi, .read_tsc = cpu_tsc,
        .init = cpu_init, .sipi = cpu_sipi, .pic = r, .pic_get_interrupt = pic_inta,
    };
    r->apic = apic_new(r->as, r->ml, r->bus, 0, true, 2000000000ull, &cb);
    r->ioapic = ioapic_new(r->as, r->bus, 0);
    IRQ lines[24];
    for (int i = 0; i < 24; i++) {
        lines[i] = irq_line(hpet_line, r, i);
    }
    r->hpet = hpet_new(r->as, r->ml, lines, irq_line(hpet_legacy, r, 0));
    r->pic_vector = 0x20;
    return r;
}

static void rig_free(Rig *r)
{
    Device *d[3] = { hpet_device(r->hpet), ioapic_device(r->ioapic), apic_device(r->apic) };
    for (int i = 0; i < 3; i++) {
        d[i]->ops->free(d[i]);
    }
    apic_bus_free(r->bus);
    address_space_free(r->as);
    main_loop_free(r->ml);
    free(r);
}

#define APIC 0xfee00000ull
static uint32_t lapic_rd(Rig *r, unsigned reg) { return (uint32_t)fake_mmio_read(r->as, APIC + reg, 4); }
static void lapic_wr(Rig *r, unsigned reg, uint32_t v) { fake_mmio_write(r->as, APIC + reg, v, 4); }

static bool isr_bit(Rig *r, int v) { return lapic_rd(r, 0x100 + (v / 32) * 16) >> (v % 32) & 1; }
static bool irr_bit(Rig *r, int v) { return lapic_rd(r, 0x200 + (v / 32) * 16) >> (v % 32) & 1; }
static bool tmr_bit(Rig *r, int v) { return lapic_rd(r, 0x180 + (v / 32) * 16) >> (v % 32) & 1; }

/* A software-enabled APIC with LINT0/LINT1 as firmware leaves them. */
static Rig *rig_enabled(void)
{
    Rig *r = rig_new();
    lapic_wr(r, 0xf0, 0x1ff);
    lapic_wr(r, 0x350, 0x700);
    lapic_wr(r, 0x360, 0x400);
    return r;
}

/* Takes every pending interrupt (INTA + EOI); returns how many of vector. */
static int drain(Rig *r, int vector)
{
    int n = 0;
    while (r->intr) {
        int v = apic_get_interrupt(r->apic);
        n += v == vector;
        lapic_wr(r, 0xb0, 0);
    }
    return n;
}

/* --- local APIC --- */

static void test_reset_state(void)
{
    Rig *r = rig_new();
    uint64_t base = 0;
    CHECK(apic_rdmsr(r->apic, 0x1b, &base), "APIC_BASE readable");
    CHECK_EQ(base, 0xfee00000ull | 1 << 11 | 1 << 8);
    CHECK_EQ(lapic_rd(r, 0x20), 0);
    /* version 0x14, max LVT entry 5: six LVT entries */
    CHECK_EQ(lapic_rd(r, 0x30), 0x14 | 5 << 16);
    CHECK_EQ(lapic_rd(r, 0xf0), 0xff);
    CHECK_EQ(lapic_rd(r, 0xe0), 0xffffffffu);
    CHECK_EQ(lapic_rd(r, 0x320), 1u << 16);
    CHECK_EQ(lapic_rd(r, 0x370), 1u << 16);
    /* every LVT entry masked at reset, LINT0/LINT1 too (SDM vol. 3A, 11.4.7.1) */
    CHECK_EQ(lapic_rd(r, 0x350), 1u << 16);
    CHECK_EQ(lapic_rd(r, 0x360), 1u << 16);
    CHECK_EQ(lapic_rd(r, 0x390), 0);
    /* what firmware sets up for virtual-wire mode (MP spec 3.6.2.2) */
    apic_virtual_wire(r->apic);
    CHECK_EQ(lapic_rd(r, 0xf0), 0x1ff);
    CHECK_EQ(lapic_rd(r, 0x350), 7u << 8);             /* LINT0 ExtINT */
    CHECK_EQ(lapic_rd(r, 0x360), 4u << 8);             /* LINT1 NMI */
    CHECK(!apic_rdmsr(r->apic, 0x800, &base), "x2APIC MSRs not handled");
    CHECK(!apic_wrmsr(r->apic, 0x1b, 0xfee00000ull | 1 << 11 | 1 << 10), "x2APIC enable #GP");
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

static void test_timer_oneshot(void)
{
    Rig *r = rig_enabled();
    static const struct { uint32_t conf; int div; } divs[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    for (size_t i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
        int d = divs[i].div;
        lapic_wr(r, 0x320, 0x40);                      /* one-shot, vector 0x40 */
        lapic_wr(r, 0x3e0, divs[i].conf);
        lapic_wr(r, 0x380, 1000);
        CHECK_EQ(lapic_rd(r, 0x390), 1000);
        fake_advance(r->ml, 300 * d);                  /* 1 GHz bus clock / d */
        CHECK_EQ(lapic_rd(r, 0x390), 700);
        CHECK(!r->intr, "div %d: no interrupt before zero", d);
        fake_advance(r->ml, 700 * d - 1);
        CHECK(!r->intr && lapic_rd(r, 0x390) == 1, "div %d: one tick left", d);
        fake_advance(r->ml, 1);
        CHECK(r->intr, "div %d: fires at zero", d);
        CHECK_EQ(lapic_rd(r, 0x390), 0);
        CHECK_EQ(apic_get_interrupt(r->apic), 0x40);
        CHECK(isr_bit(r, 0x40) && !irr_bit(r, 0x40), "div %d: moved IRR to ISR", d);
        lapic_wr(r, 0xb0, 0);
        CHECK(!isr_bit(r, 0x40), "EOI clears ISR");
        fake_advance(r->ml, 10000 * d);
        CHECK(!r->intr && lapic_rd(r, 0x390) == 0, "div %d: one shot only", d);
    }
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

static void test_timer_periodic(void)
{
    Rig *r = rig_enabled();
    lapic_wr(r, 0x3e0, 0x1);                           /* divide by 4 */
    lapic_wr(r, 0x320, 1 << 17 | 0x41);
    lapic_wr(r, 0x380, 250);                           /* period 1000 ns */
    int n = 0;
    for (int i = 0; i < 100; i++) {
        fake_advance(r->ml, 100);
        n += drain(r, 0x41);
    }
    CHECK_EQ(n, 10);
    fake_advance(r->ml, 400);                          /* 0.4 periods: 100 ticks */
    CHECK_EQ(lapic_rd(r, 0x390), 150);
    /* a new divider keeps the count: 150 ticks left at /1 take 150 ns */
    lapic_wr(r, 0x3e0, 0xb);
    CHECK_EQ(lapic_rd(r, 0x390), 150);
    fake_advance(r->ml, 149);
    CHECK(!r->intr, "not before the count ends");
    fake_advance(r->ml, 1);
    CHECK(r->intr, "fires at the new rate");
    drain(r, 0x41);
    /* masked: counts on, no interrupt */
    lapic_wr(r, 0x320, 1 << 17 | 1 << 16 | 0x41);
    fake_advance(r->ml, 5000);
    CHECK(!r->intr && !irr_bit(r, 0x41), "masked timer is silent");
    CHECK(lapic_rd(r, 0x390) != 0, "masked periodic timer still counts");
    /* a 1 ns period: host callbacks at most once per microsecond */
    lapic_wr(r, 0x3e0, 0xb);
    lapic_wr(r, 0x320, 1 << 17 | 0x41);
    lapic_wr(r, 0x380, 1);
    n = 0;
    for (int i = 0; i < 100; i++) {
        fake_advance(r->ml, 1000);
        n += drain(r, 0x41);
    }
    CHECK(n >= 50 && n <= 100, "tiny period rate-limited: %d in 100 us", n);
    lapic_wr(r, 0x380, 0);                             /* stop */
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

static void test_timer_deadline(void)
{
    Rig *r = rig_enabled();
    uint64_t v;
    r->tsc_offset = 123456789;
    fake_advance(r->ml, 5000);
    lapic_wr(r, 0x320, 2 << 17 | 0x42);                /* TSC-deadline mode */
    lapic_wr(r, 0x380, 100);
    CHECK_EQ(lapic_rd(r, 0x380), 0);                   /* ignored in this mode */
    uint64_t tsc = cpu_tsc(r);
    CHECK(apic_wrmsr(r->apic, 0x6e0, tsc + 2000), "TSC_DEADLINE write");
    CHECK(apic_rdmsr(r->apic, 0x6e0, &v) && v == tsc + 2000, "deadline reads back");
    fake_advance(r->ml, 999);                          /* 2000 TSC ticks = 1000 ns */
    CHECK(!r->intr, "deadline not reached");
    fake_advance(r->ml, 1);
    CHECK(r->intr, "deadline fires");
    CHECK(apic_rdmsr(r->apic, 0x6e0, &v) && v == 0, "deadline cleared after firing");
    CHECK_EQ(drain(r, 0x42), 1);
    /* a deadline in the past fires at once; 0 disarms */
    apic_wrmsr(r->apic, 0x6e0, 1);
    fake_advance(r->ml, 0);
    CHECK_EQ(drain(r, 0x42), 1);
    apic_wrmsr(r->apic, 0x6e0, cpu_tsc(r) + 100);
    apic_wrmsr(r->apic, 0x6e0, 0);
    fake_advance(r->ml, 1000);
    CHECK(!r->intr, "disarmed by 0");
    /* leaving the mode disarms; the MSR then reads 0 and ignores writes */
    apic_wrmsr(r->apic, 0x6e0, cpu_tsc(r) + 100);
    lapic_wr(r, 0x320, 0x42);
    CHECK(apic_rdmsr(r->apic, 0x6e0, &v) && v == 0, "one-shot mode: MSR reads 0");
    apic_wrmsr(r->apic, 0x6e0, cpu_tsc(r) + 100);
    fake_advance(r->ml, 1000);
    CHECK(!r->intr, "no deadline in one-shot mode");
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

static void test_tpr_priority(void)
{
    Rig *r = rig_enabled();
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x35, 0);
    CHECK(r->intr, "vector 0x35 pending");
    lapic_wr(r, 0x80, 0x40);
    CHECK(!r->intr, "TPR 0x40 masks class 3");
    CHECK_EQ(lapic_rd(r, 0xa0), 0x40);
    lapic_wr(r, 0x80, 0x3f);
    CHECK(!r->intr, "TPR class 3 masks class 3");
    apic_set_cr8(r->apic, 2);
    CHECK_EQ(lapic_rd(r, 0x80), 0x20);                 /* CR8 is TPR[7:4] */
    CHECK(r->intr, "CR8 2 lets class 3 through");
    apic_set_cr8(r->apic, 3);
    CHECK(!r->intr, "CR8 3 masks class 3");
    lapic_wr(r, 0x80, 0x2f);
    CHECK_EQ(apic_get_cr8(r->apic), 2);
    CHECK(r->intr, "TPR class 2 lets class 3 through");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x35);
    /* PPR = ISRV class (3) above TPR class (2) */
    CHECK_EQ(lapic_rd(r, 0xa0), 0x30);
    lapic_wr(r, 0xb0, 0);
    CHECK_EQ(lapic_rd(r, 0xa0), 0x2f);
    /* spurious: pending when INTR rose, masked by the time of INTA */
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x36, 0);
    lapic_wr(r, 0xf0, 0x1ef);                          /* spurious vector 0xef */
    CHECK(r->intr, "0x36 pending");
    lapic_wr(r, 0x80, 0xf0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0xef);
    CHECK(irr_bit(r, 0x36) && !isr_bit(r, 0xef), "spurious leaves IRR, sets no ISR");
    lapic_wr(r, 0x80, 0);
    CHECK_EQ(drain(r, 0x36), 1);
    rig_free(r);
}

static void test_isr_eoi_order(void)
{
    Rig *r = rig_enabled();
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x50, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x50);
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x45, 0);
    CHECK(!r->intr, "lower class waits for the EOI of 0x50");
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x5f, 0);
    CHECK(!r->intr, "same class waits too");
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x61, 0);
    CHECK(r->intr, "higher class nests");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x61);
    CHECK(isr_bit(r, 0x50) && isr_bit(r, 0x61), "both in service");
    lapic_wr(r, 0xb0, 0);                              /* retires 0x61 */
    CHECK(!isr_bit(r, 0x61) && isr_bit(r, 0x50), "EOI retires the highest");
    CHECK(!r->intr, "0x5f, 0x45 still below 0x50");
    lapic_wr(r, 0xb0, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x5f);       /* highest first */
    lapic_wr(r, 0xb0, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x45);
    lapic_wr(r, 0xb0, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), -1);
    /* illegal vector received: ESR bit 6 after the ESR write */
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 3, 0);
    CHECK_EQ(lapic_rd(r, 0x280), 0);
    lapic_wr(r, 0x280, 0);
    CHECK_EQ(lapic_rd(r, 0x280), 0x40);
    lapic_wr(r, 0x280, 0);
    CHECK_EQ(lapic_rd(r, 0x280), 0);
    /* software disable holds delivery, masks the LVT */
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x70, 0);
    lapic_wr(r, 0xf0, 0xff);
    CHECK(!r->intr, "software-disabled APIC delivers nothing");
    CHECK(lapic_rd(r, 0x350) & 1 << 16, "LVT masked while disabled");
    lapic_wr(r, 0x350, 0x700);
    CHECK(lapic_rd(r, 0x350) & 1 << 16, "mask cannot be cleared while disabled");
    lapic_wr(r, 0xf0, 0x1ff);
    CHECK(r->intr, "enabled again");
    rig_free(r);
}

static void test_extint_nmi(void)
{
    Rig *r = rig_enabled();
    IRQ lint0 = apic_lint_irq(r->apic, 0), lint1 = apic_lint_irq(r->apic, 1);
    irq_raise(&lint0);
    CHECK(r->intr, "8259 INTR through LINT0 ExtINT");
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x80, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x80);       /* the APIC's own first */
    CHECK_EQ(r->pic_intas, 0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x20);       /* then the 8259's INTA */
    CHECK_EQ(r->pic_intas, 1);
    CHECK(!isr_bit(r, 0x20), "ExtINT is not in service in the APIC");
    lapic_wr(r, 0xb0, 0);
    lapic_wr(r, 0x350, 0x10700);
    CHECK(!r->intr, "LINT0 masked: INTR stays low");
    irq_lower(&lint0);
    /* APIC hardware-disabled: virtual wire, page gone */
    apic_wrmsr(r->apic, 0x1b, 0xfee00000ull | 1 << 8);
    CHECK_EQ(lapic_rd(r, 0x30), 0xffffffffu);
    irq_raise(&lint0);
    CHECK(r->intr, "disabled APIC passes INTR through");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x20);
    irq_lower(&lint0);
    CHECK(!r->intr, "INTR follows the 8259");
    irq_raise(&lint1);
    irq_lower(&lint1);
    CHECK_EQ(r->nmis, 1);
    apic_wrmsr(r->apic, 0x1b, 0xfee00000ull | 1 << 11 | 1 << 8);
    CHECK_EQ(lapic_rd(r, 0x30), 0x50014);
    CHECK_EQ(lapic_rd(r, 0xf0), 0xff);                 /* re-enabled in reset state */
    lapic_wr(r, 0xf0, 0x1ff);
    lapic_wr(r, 0x360, 0x400);
    irq_raise(&lint1);
    CHECK_EQ(r->nmis, 2);
    irq_raise(&lint1);
    CHECK_EQ(r->nmis, 2);                              /* edge: once */
    /* LINT0 level-triggered fixed: Remote IRR until EOI, again while asserted */
    lapic_wr(r, 0x350, 1 << 15 | 0x90);
    irq_raise(&lint0);
    CHECK(lapic_rd(r, 0x350) & 1 << 14, "Remote IRR set");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x90);
    lapic_wr(r, 0xb0, 0);
    CHECK(irr_bit(r, 0x90), "still asserted: again after EOI");
    irq_lower(&lint0);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x90);
    lapic_wr(r, 0xb0, 0);
    CHECK(!(lapic_rd(r, 0x350) & 1 << 14) && !r->intr, "deasserted: done");
    rig_free(r);
}

static void test_ipi(void)
{
    Rig *r = rig_enabled();
    lapic_wr(r, 0x300, 1 << 18 | 0x70);                /* self, fixed */
    CHECK(irr_bit(r, 0x70) && r->intr, "self IPI");
    CHECK_EQ(lapic_rd(r, 0x300) & 1 << 12, 0);         /* delivery status idle */
    drain(r, 0x70);
    lapic_wr(r, 0x20, 3u << 24);                       /* APIC ID 3 */
    lapic_wr(r, 0x310, 3u << 24);
    lapic_wr(r, 0x300, 0x71);                          /* physical dest 3 */
    CHECK(irr_bit(r, 0x71), "IPI to own ID");
    drain(r, 0x71);
    lapic_wr(r, 0x310, 4u << 24);
    lapic_wr(r, 0x300, 0x72);
    CHECK(!irr_bit(r, 0x72), "IPI to another ID misses");
    lapic_wr(r, 0x300, 3 << 18 | 0x73);                /* all excluding self */
    CHECK(!irr_bit(r, 0x73), "all-but-self misses self");
    lapic_wr(r, 0x300, 2 << 18 | 0x74);                /* all including self */
    CHECK(irr_bit(r, 0x74), "all-including-self hits");
    drain(r, 0x74);
    /* logical flat: LDR bit 0 */
    lapic_wr(r, 0xd0, 0x01000000);
    lapic_wr(r, 0x310, 0x03000000);
    lapic_wr(r, 0x300, 1 << 11 | 0x75);
    CHECK(irr_bit(r, 0x75), "logical flat match");
    drain(r, 0x75);
    lapic_wr(r, 0x310, 0x02000000);
    lapic_wr(r, 0x300, 1 << 11 | 0x76);
    CHECK(!irr_bit(r, 0x76), "logical flat miss");
    /* logical cluster: cluster 1, member bit 1 */
    lapic_wr(r, 0xe0, 0x0fffffff);
    lapic_wr(r, 0xd0, 0x12000000);
    lapic_wr(r, 0x310, 0x13000000);
    lapic_wr(r, 0x300, 1 << 11 | 0x77);
    CHECK(irr_bit(r, 0x77), "cluster match");
    drain(r, 0x77);
    lapic_wr(r, 0x310, 0x23000000);
    lapic_wr(r, 0x300, 1 << 11 | 0x78);
    CHECK(!irr_bit(r, 0x78), "other cluster misses");
    /* NMI, INIT, SIPI to self; INIT de-assert is ignored; illegal vector */
    lapic_wr(r, 0x300, 1 << 18 | 4 << 8);
    CHECK_EQ(r->nmis, 1);
    lapic_wr(r, 0x300, 1 << 18 | 1 << 15 | 1 << 14 | 5 << 8);
    lapic_wr(r, 0x300, 1 << 18 | 1 << 15 | 5 << 8);
    CHECK_EQ(r->inits, 1);
    lapic_wr(r, 0x300, 1 << 18 | 6 << 8 | 0x9a);
    CHECK(r->sipis == 1 && r->sipi_vector == 0x9a, "SIPI vector");
    lapic_wr(r, 0x370, 0xfe);                          /* error LVT */
    lapic_wr(r, 0x300, 1 << 18 | 0x05);
    lapic_wr(r, 0x280, 0);
    CHECK_EQ(lapic_rd(r, 0x280), 0x20);
    CHECK_EQ(drain(r, 0xfe), 1);
    /* MSI: address dest 3 physical, data vector 0x79 edge */
    apic_bus_msi(r->bus, 0xfee03000ull, 0x79);
    CHECK(irr_bit(r, 0x79), "MSI");
    rig_free(r);
}

/* --- I/O APIC --- */

#define IOAPIC 0xfec00000ull
static uint32_t ioapic_rd(Rig *r, uint8_t reg)
{
    fake_mmio_write(r->as, IOAPIC, reg, 4);
    return (uint32_t)fake_mmio_read(r->as, IOAPIC + 0x10, 4);
}
static void ioapic_wr(Rig *r, uint8_t reg, uint32_t v)
{
    fake_mmio_write(r->as, IOAPIC, reg, 4);
    fake_mmio_write(r->as, IOAPIC + 0x10, v, 4);
}
static void rte_wr(Rig *r, int pin, uint64_t e)
{
    ioapic_wr(r, 0x11 + 2 * pin, (uint32_t)(e >> 32));
    ioapic_wr(r, 0x10 + 2 * pin, (uint32_t)e);
}
static uint64_t rte_rd(Rig *r, int pin)
{
    return ioapic_rd(r, 0x10 + 2 * pin) | (uint64_t)ioapic_rd(r, 0x11 + 2 * pin) << 32;
}

static void test_ioapic(void)
{
    Rig *r = rig_enabled();
    CHECK_EQ(ioapic_rd(r, 1), 0x170020);               /* 24 entries, version 0x20 */
    CHECK_EQ(ioapic_rd(r, 0), 0);
    ioapic_wr(r, 0, 2u << 24);
    CHECK_EQ(ioapic_rd(r, 0), 2u << 24);
    for (int p = 0; p < 24; p++) {
        CHECK(rte_rd(r, p) == 1u << 16, "entry %d masked at reset", p);
    }
    IRQ pin4 = ioapic_irq(r->ioapic, 4), pin9 = ioapic_irq(r->ioapic, 9);
    /* edge, fixed, physical dest 0 */
    rte_wr(r, 4, 0x34);
    irq_raise(&pin4);
    CHECK(irr_bit(r, 0x34) && !tmr_bit(r, 0x34), "edge delivered, TMR clear");
    irq_raise(&pin4);
    CHECK_EQ(drain(r, 0x34), 1);
    irq_lower(&pin4);
    irq_raise(&pin4);
    CHECK_EQ(drain(r, 0x34), 1);                       /* next rising edge */
    irq_lower(&pin4);
    rte_wr(r, 4, 1 << 16 | 0x34);
    irq_raise(&pin4);
    irq_lower(&pin4);
    rte_wr(r, 4, 0x34);
    CHECK(!r->intr, "edge while masked is lost");
    /* level: Remote IRR, TMR, EOI broadcast */
    rte_wr(r, 9, 1 << 15 | 0x39);
    irq_raise(&pin9);
    CHECK(irr_bit(r, 0x39) && tmr_bit(r, 0x39), "level delivered, TMR set");
    CHECK(rte_rd(r, 9) & 1 << 14, "Remote IRR set");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x39);
    lapic_wr(r, 0xb0, 0);                              /* EOI broadcast */
    CHECK(irr_bit(r, 0x39), "still asserted: redelivered after EOI");
    CHECK(rte_rd(r, 9) & 1 << 14, "Remote IRR set again");
    irq_lower(&pin9);
    CHECK_EQ(apic_get_interrupt(r->apic), 0x39);
    lapic_wr(r, 0xb0, 0);
    CHECK(!(rte_rd(r, 9) & 1 << 14) && !r->intr, "deasserted: Remote IRR clear, quiet");
    /* masked level asserted: delivered on unmask */
    rte_wr(r, 9, 1 << 16 | 1 << 15 | 0x39);
    irq_raise(&pin9);
    CHECK(!r->intr, "masked level waits");
    rte_wr(r, 9, 1 << 15 | 0x39);
    CHECK(irr_bit(r, 0x39), "unmasked: delivered");
    irq_lower(&pin9);
    drain(r, 0x39);
    /* destination: physical 5 misses APIC 0; logical flat bit 0 hits LDR 1 */
    rte_wr(r, 4, 5ull << 56 | 0x44);
    irq_raise(&pin4);
    irq_lower(&pin4);
    CHECK(!irr_bit(r, 0x44), "physical dest 5 misses APIC 0");
    lapic_wr(r, 0xd0, 0x01000000);
    rte_wr(r, 4, 1ull << 56 | 1 << 11 | 1 << 8 | 0x45);   /* logical, lowest prio */
    irq_raise(&pin4);
    irq_lower(&pin4);
    CHECK(irr_bit(r, 0x45), "logical lowest-priority delivered");
    drain(r, 0x45);
    /* NMI and ExtINT delivery modes */
    rte_wr(r, 4, 4 << 8);
    irq_raise(&pin4);
    irq_lower(&pin4);
    CHECK_EQ(r->nmis, 1);
    rte_wr(r, 4, 7 << 8);
    irq_raise(&pin4);
    irq_lower(&pin4);
    CHECK(r->intr, "ExtINT message raises INTR");
    CHECK_EQ(apic_get_interrupt(r->apic), 0x20);
    CHECK(!r->intr, "ExtINT taken");
    /* version-0x20 EOI register clears Remote IRR */
    rte_wr(r, 9, 1 << 15 | 0x3a);
    irq_raise(&pin9);
    fake_mmio_write(r->as, IOAPIC + 0x40, 0x3a, 4);
    CHECK(rte_rd(r, 9) & 1 << 14, "redelivered at once while asserted");
    irq_lower(&pin9);
    fake_mmio_write(r->as, IOAPIC + 0x40, 0x3a, 4);
    CHECK(!(rte_rd(r, 9) & 1 << 14), "EOI register clears Remote IRR");
    rig_free(r);
}

/* --- HPET --- */

#define HPET 0xfed00000ull
static uint64_t hpet_rd(Rig *r, unsigned off) { return fake_mmio_read(r->as, HPET + off, 8); }
static void hpet_wr(Rig *r, unsigned off, uint64_t v) { fake_mmio_write(r->as, HPET + off, v, 8); }
static void hpet_wr32(Rig *r, unsigned off, uint32_t v) { fake_mmio_write(r->as, HPET + off, v, 4); }

static void test_hpet_counter(void)
{
    Rig *r = rig_new();
    /* 2.3.4: period (fs) 63:32, vendor 31:16, LEG_RT_CAP 15, COUNT_SIZE_CAP 13,
     * NUM_TIM_CAP 12:8 = timers - 1, REV_ID 7:0 */
    uint64_t cap = hpet_rd(r, 0);
    CHECK_EQ(cap >> 32, 1000000000000000ull / 100000000ull);   /* 100 MHz */
    CHECK_EQ((cap >> 8) & 0x1f, 2);
    CHECK(cap >> 13 & 1 && cap >> 15 & 1 && (cap & 0xff) != 0, "64-bit, legacy, rev");
    CHECK_EQ(fake_mmio_read(r->as, HPET + 4, 4), cap >> 32);
    for (int t = 0; t < 3; t++) {
        uint64_t c = hpet_rd(r, 0x100 + 0x20 * t);
        CHECK_EQ(c >> 32, 0x00f00000);                 /* IRQ 20..23 */
        CHECK(c & 1 << 4 && c & 1 << 5, "periodic-capable, 64-bit");
    }
    CHECK_EQ(hpet_rd(r, 0xf0), 0);
    fake_advance(r->ml, 1000000);
    CHECK_EQ(hpet_rd(r, 0xf0), 0);                     /* halted */
    hpet_wr(r, 0x10, 1);
    fake_advance(r->ml, 1000000);                      /* 1 ms = 100000 ticks */
    CHECK_EQ(hpet_rd(r, 0xf0), 100000);
    hpet_wr(r, 0x10, 0);
    fake_advance(r->ml, 1000000);
    CHECK_EQ(hpet_rd(r, 0xf0), 100000);
    hpet_wr32(r, 0xf4, 1);                             /* halves while halted */
    CHECK_EQ(hpet_rd(r, 0xf0), 0x100000000ull + 100000);
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

static void test_hpet_timers(void)
{
    Rig *r = rig_new();
    /* timer 0 one-shot, edge, IRQ 20, comparator 500 ticks = 5 us */
    hpet_wr(r, 0x100, 20 << 9 | 1 << 2);
    hpet_wr(r, 0x108, 500);
    hpet_wr(r, 0x10, 1);
    fake_advance(r->ml, 4990);
    CHECK_EQ(r->edges[20], 0);
    fake_advance(r->ml, 10);
    CHECK_EQ(r->edges[20], 1);
    CHECK(!r->line[20], "edge: pulse");
    fake_advance(r->ml, 1000000);
    CHECK_EQ(r->edges[20], 1);                         /* 64-bit one-shot: once */
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    /* timer 1 periodic, 10 us: comparator with VAL_SET, then the period */
    uint64_t now = hpet_rd(r, 0xf0);
    hpet_wr(r, 0x120, 21 << 9 | 1 << 6 | 1 << 3 | 1 << 2);
    hpet_wr(r, 0x128, now + 1000);
    hpet_wr(r, 0x128, 1000);
    fake_advance(r->ml, 100000);
    CHECK_EQ(r->edges[21], 10);
    CHECK_EQ(hpet_rd(r, 0x128), now + 11000);          /* the next match */
    hpet_wr(r, 0x120, 0);
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    /* timer 2 level, IRQ 22: status bit and line until cleared */
    now = hpet_rd(r, 0xf0);
    hpet_wr(r, 0x140, 22 << 9 | 1 << 2 | 1 << 1);
    hpet_wr(r, 0x148, now + 100);
    fake_advance(r->ml, 1000);
    CHECK(r->line[22] && (hpet_rd(r, 0x20) & 4), "level: line high, status set");
    hpet_wr(r, 0x20, 1);                               /* other bits: no effect */
    CHECK(r->line[22], "line stays");
    hpet_wr(r, 0x20, 4);
    CHECK(!r->line[22] && !(hpet_rd(r, 0x20) & 4), "cleared by writing 1");
    /* 32-bit mode: the comparator matches the low half, again every 2^32 ticks */
    hpet_wr(r, 0x10, 0);
    hpet_wr(r, 0xf0, 0x1fffffff0ull);
    hpet_wr(r, 0x140, 0);
    hpet_wr(r, 0x100, 1 << 8 | 20 << 9 | 1 << 2);
    hpet_wr(r, 0x108, 0x123456789ull);
    CHECK_EQ(hpet_rd(r, 0x108), 0x23456789);
    hpet_wr(r, 0x108, 0x10);                           /* after the wrap */
    int e = r->edges[20];
    hpet_wr(r, 0x10, 1);
    fake_advance(r->ml, 310);                          /* 0x20 ticks = 320 ns */
    CHECK_EQ(r->edges[20], e);
    fake_advance(r->ml, 10);
    CHECK_EQ(r->edges[20], e + 1);
    fake_advance(r->ml, 42949672960ll);                /* 2^32 ticks */
    CHECK_EQ(r->edges[20], e + 2);
    rig_free(r);
}

static void test_hpet_legacy(void)
{
    Rig *r = rig_new();
    hpet_wr(r, 0x100, 20 << 9 | 1 << 3 | 1 << 2 | 1 << 6);
    hpet_wr(r, 0x108, 1000);
    hpet_wr(r, 0x108, 1000);
    hpet_wr(r, 0x120, 21 << 9 | 1 << 2);
    hpet_wr(r, 0x128, 1500);
    hpet_wr(r, 0x10, 3);                               /* enable + LegacyReplacement */
    CHECK(r->legacy, "legacy output raised");
    fake_advance(r->ml, 50000);                        /* 5000 ticks */
    CHECK_EQ(r->edges[0], 5);                          /* timer 0 -> IRQ 0 */
    CHECK_EQ(r->edges[8], 1);                          /* timer 1 -> IRQ 8 */
    CHECK(r->edges[20] == 0 && r->edges[21] == 0, "route fields ignored");
    hpet_wr(r, 0x10, 1);
    CHECK(!r->legacy, "legacy output lowered");
    fake_advance(r->ml, 10000);
    CHECK_EQ(r->edges[20], 1);                         /* back to IRQ 20 */
    CHECK_EQ(r->edges[0], 5);
    hpet_wr(r, 0x10, 0);
    CHECK_EQ(fake_timers_pending(r->ml), 0);
    rig_free(r);
}

/* --- HPET to I/O APIC to local APIC, and save/load --- */

static void test_save_load(void)
{
    Rig *r = rig_enabled();
    lapic_wr(r, 0x80, 0x20);
    lapic_wr(r, 0xd0, 0x05000000);
    lapic_wr(r, 0x3e0, 0x3);
    lapic_wr(r, 0x320, 1 << 17 | 0x55);
    lapic_wr(r, 0x380, 1000);
    apic_deliver_irq(r->apic, APIC_DM_FIXED, 0x66, 1);
    rte_wr(r, 3, 1 << 15 | 0x33);
    hpet_wr(r, 0x10, 1);
    fake_advance(r->ml, 4000);                         /* 250 of 1000 ticks */
    FILE *f = tmpfile();
    SaveStream ss = { f, false };
    Device *d[3] = { apic_device(r->apic), ioapic_device(r->ioapic), hpet_device(r->hpet) };
    for (int i = 0; i < 3; i++) {
        d[i]->ops->save(d[i], &ss);
    }
    for (int i = 0; i < 3; i++) {
        d[i]->ops->reset(d[i]);
    }
    CHECK_EQ(lapic_rd(r, 0x80), 0);
    rewind(f);
    for (int i = 0; i < 3; i++) {
        d[i]->ops->load(d[i], &ss);
    }
    CHECK(!ss.error, "stream complete");
    fclose(f);
    CHECK_EQ(lapic_rd(r, 0x80), 0x20);
    CHECK_EQ(lapic_rd(r, 0xd0), 0x05000000);
    CHECK_EQ(lapic_rd(r, 0x390), 750);
    CHECK(irr_bit(r, 0x66) && tmr_bit(r, 0x66), "IRR/TMR restored");
    CHECK_EQ(rte_rd(r, 3), 1 << 15 | 0x33);
    CHECK_EQ(hpet_rd(r, 0xf0), 400);
    fake_advance(r->ml, 750 * 16);
    CHECK(irr_bit(r, 0x55), "timer runs on after load");
    rig_free(r);
}

int main(void)
{
    test_reset_state();
    test_timer_oneshot();
    test_timer_periodic();
    test_timer_deadline();
    test_tpr_priority();
    test_isr_eoi_order();
    test_extint_nmi();
    test_ipi();
    test_ioapic();
    test_hpet_counter();
    test_hpet_timers();
    test_hpet_legacy();
    test_save_load();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
