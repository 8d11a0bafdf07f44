/*
 * Local APIC in xAPIC mode and the APIC bus between the APICs (Intel SDM vol. 3A,
 * ch. 10 "Advanced Programmable Interrupt Controller (APIC)": 10.4 the APIC base
 * and registers, 10.5 the LVT and the timer incl. TSC-deadline mode (10.5.4.1),
 * 10.6 ICR/IPIs, 10.8 interrupt acceptance, priorities (TPR/PPR), IRR/ISR/TMR and
 * EOI, 10.9 the spurious vector, 10.11 MSIs).
 *
 * Choices: version register 0x00050014 (integrated APIC, 6 LVT entries: timer,
 * thermal, performance, LINT0, LINT1, error; no CMCI, no EOI-broadcast
 * suppression); the timer counts at APIC_BUS_HZ (1 GHz) divided by the divide
 * configuration; every LVT entry is masked at reset, LINT0 included (11.4.7.1),
 * so the 8259's INTR waits until firmware sets up virtual-wire mode
 * (apic_virtual_wire; the direct boot does it in the firmware's place); the APIC
 * hardware-disabled through IA32_APIC_BASE hides its page and passes the 8259's
 * INTR straight through.
 */
#include "hw/apic.h"

#include <stdlib.h>
#include <string.h>

#define APIC_VERSION    0x00050014u
#define LVT_NUM         6
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };
#define LVT_MASKED      (1u << 16)
#define LVT_LEVEL       (1u << 15)
#define LVT_REMOTE_IRR  (1u << 14)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_DEADLINE };
#define SVR_ENABLE      (1u << 8)
#define BASE_BSP        (1ull << 8)
#define BASE_ENABLE     (1ull << 11)
#define BASE_ADDR_MASK  0x000ffffffffff000ull
/* ESR bits (10.5.3) */
#define ESR_SEND_ILLEGAL_VECTOR 0x20
#define ESR_RECV_ILLEGAL_VECTOR 0x40
#define MAX_APICS       16
/* A periodic timer re-arms the host timer at most this often: a guest period
 * of a few ns would otherwise keep the CPU thread in timer callbacks (the IRR
 * bit coalesces the interrupts anyway). */
#define APIC_MIN_REARM_NS 1000
#define MAX_EOI_LISTENERS 4

struct APICBus {
    APICState *apics[MAX_APICS];
    int napics;
    APICState *current;          /* the APIC of the CPU now accessing the page */
    struct { void (*eoi)(void *, int); void *opaque; } eoi[MAX_EOI_LISTENERS];
    int neoi;
};

struct APICState {
    Device dev;
    AddressSpace *as;
    MainLoop *ml;
    APICBus *bus;
    MemRegion *mmio;
    uint64_t mapped_base;        /* where mmio is, UINT64_MAX hidden */
    Timer *timer;
    APICCallbacks cb;
    uint64_t tsc_hz;
    uint8_t initial_id;
    bool bsp;
    /* architectural state */
    uint64_t apicbase;
    uint8_t id;
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;   /* visible ESR, errors since the last ESR write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_NUM];
    uint32_t divide_conf;
    uint32_t initial_count;
    int64_t count_start_ns;      /* when the current count was initial_count */
    uint64_t tsc_deadline;
    bool lint_level[2];
    bool extint_msg;             /* an ExtINT message waits for its INTA */
};

static const uint32_t lvt_reset_value = LVT_MASKED;

/* --- 256-bit vector registers --- */

static void bit_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void bit_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool bit_test(const uint32_t *r, int v) { return r[v >> 5] >> (v & 31) & 1; }

static int highest_bit(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

/* --- priorities and the INTR output (10.8.3) --- */

static uint32_t apic_ppr(const APICState *s)
{
    int isrv = highest_bit(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr & 0xff : isr_class;
}

static bool hw_enabled(const APICState *s) { return s->apicbase & BASE_ENABLE; }
static bool sw_enabled(const APICState *s) { return s->svr & SVR_ENABLE; }

/* The 8259's INTR reaches the CPU: LINT0 unmasked in ExtINT mode, or the APIC
 * disabled (virtual wire); an ExtINT message counts too. */
static bool extint_pending(const APICState *s)
{
    if (!hw_enabled(s)) {
        return s->lint_level[0];
    }
    uint32_t l0 = s->lvt[LVT_LINT0];
    bool wire = !(l0 & LVT_MASKED) && ((l0 >> 8) & 7) == APIC_DM_EXTINT && s->lint_level[0];
    return wire || s->extint_msg;
}

/* An IRR vector above the processor priority class. */
static int deliverable_vector(const APICState *s)
{
    if (!hw_enabled(s) || !sw_enabled(s)) {
        return -1;
    }
    int v = highest_bit(s->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        return -1;
    }
    return v;
}

bool apic_intr_pending(APICState *s)
{
    return deliverable_vector(s) >= 0 || extint_pending(s);
}

static void apic_update_intr(APICState *s)
{
    if (s->cb.set_intr) {
        s->cb.set_intr(s->cb.cpu, apic_intr_pending(s));
    }
}

void apic_set_cr8(APICState *s, uint64_t cr8)
{
    s->tpr = (uint32_t)(cr8 & 0xf) << 4;
    apic_update_intr(s);
}

uint64_t apic_get_cr8(APICState *s)
{
    return s->tpr >> 4;
}

int apic_get_interrupt(APICState *s)
{
    int v = deliverable_vector(s);
    if (v >= 0) {
        bit_clear(s->irr, v);
        bit_set(s->isr, v);
        apic_update_intr(s);
        return v;
    }
    if (extint_pending(s)) {
        s->extint_msg = false;
        v = s->cb.pic_get_interrupt ? s->cb.pic_get_interrupt(s->cb.pic) : -1;
        apic_update_intr(s);
        return v;
    }
    /* something was pending but the TPR or a disable now hides it (10.9) */
    if (hw_enabled(s) && highest_bit(s->irr) >= 0) {
        apic_update_intr(s);
        return s->svr & 0xff;
    }
    apic_update_intr(s);
    return -1;
}

static void apic_error(APICState *s, uint32_t bits)
{
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[LVT_ERROR];
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        bit_clear(s->tmr, lvt & 0xff);
        bit_set(s->irr, lvt & 0xff);
    }
}

void apic_deliver_irq(APICState *s, int dm, int vector, int trigger_level)
{
    vector &= 0xff;
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (vector < 16) {
            apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
            break;
        }
        bit_set(s->irr, vector);
        if (trigger_level) {
            bit_set(s->tmr, vector);
        } else {
            bit_clear(s->tmr, vector);
        }
        break;
    case APIC_DM_NMI:
        if (s->cb.nmi) {
            s->cb.nmi(s->cb.cpu);
        }
        break;
    case APIC_DM_INIT:
        if (s->cb.init) {
            s->cb.init(s->cb.cpu);
        }
        break;
    case APIC_DM_SIPI:
        if (s->cb.sipi) {
            s->cb.sipi(s->cb.cpu, vector);
        }
        break;
    case APIC_DM_EXTINT:
        s->extint_msg = true;
        break;
    default:                    /* SMI and reserved modes: no SMM here */
        break;
    }
    apic_update_intr(s);
}

/* A local interrupt source (10.5.1) fires through LVT entry i. */
static void apic_local_irq(APICState *s, int i)
{
    uint32_t lvt = s->lvt[i];
    if (lvt & LVT_MASKED) {
        return;
    }
    int dm = i == LVT_TIMER ? APIC_DM_FIXED : (lvt >> 8) & 7;
    bool level = (i == LVT_LINT0 || i == LVT_LINT1) && (lvt & LVT_LEVEL) &&
                 dm == APIC_DM_FIXED;
    if (dm == APIC_DM_EXTINT) {
        apic_update_intr(s);    /* the wire itself carries it */
        return;
    }
    if (level) {
        if (lvt & LVT_REMOTE_IRR) {
            return;
        }
        s->lvt[i] |= LVT_REMOTE_IRR;
    }
    apic_deliver_irq(s, dm, lvt & 0xff, level);
}

static void apic_lint_set(void *opaque, int n, int level)
{
    APICState *s = opaque;
    bool old = s->lint_level[n];
    s->lint_level[n] = level != 0;
    if (!hw_enabled(s)) {
        /* no APIC: LINT0 is INTR, LINT1 is NMI */
        if (n == 1 && level && !old && s->cb.nmi) {
            s->cb.nmi(s->cb.cpu);
        }
        apic_update_intr(s);
        return;
    }
    uint32_t lvt = s->lvt[LVT_LINT0 + n];
    bool level_trig = (lvt & LVT_LEVEL) && ((lvt >> 8) & 7) == APIC_DM_FIXED;
    if (level && (!old || level_trig)) {
        apic_local_irq(s, LVT_LINT0 + n);
    }
    apic_update_intr(s);
}

IRQ apic_lint_irq(APICState *s, int n)
{
    return irq_line(apic_lint_set, s, n & 1);
}

/* --- the APIC bus: destinations (10.6.2) --- */

APICBus *apic_bus_new(void)
{
    return calloc(1, sizeof(APICBus));
}

void apic_bus_free(APICBus *bus)
{
    free(bus);
}

void apic_bus_add_eoi_listener(APICBus *bus, void (*eoi)(void *, int), void *opaque)
{
    if (bus->neoi < MAX_EOI_LISTENERS) {
        bus->eoi[bus->neoi].eoi = eoi;
        bus->eoi[bus->neoi].opaque = opaque;
        bus->neoi++;
    }
}

static bool apic_match_dest(const APICState *s, uint8_t dest, bool logical)
{
    if (!logical) {
        return dest == 0xff || dest == s->id;
    }
    if (dest == 0xff) {
        return true;
    }
    uint8_t ldr = s->ldr >> 24;
    if ((s->dfr >> 28) == 0xf) {                  /* flat model */
        return (ldr & dest) != 0;
    }
    /* cluster model: cluster in bits 7:4 (15 = all clusters), members 3:0 */
    return ((dest >> 4) == (ldr >> 4) || (dest >> 4) == 0xf) && (ldr & dest & 0xf);
}

static void bus_deliver(APICBus *bus, APICState *except, uint8_t dest, bool logical,
                        int dm, int vector, int trigger_level)
{
    for (int i = 0; i < bus->napics; i++) {
        APICState *s = bus->apics[i];
        if (s == except || !hw_enabled(s) || !apic_match_dest(s, dest, logical)) {
            continue;
        }
        apic_deliver_irq(s, dm, vector, trigger_level);
        if (dm == APIC_DM_LOWEST) {
            break;              /* one receiver (no priority arbitration) */
        }
    }
}

void apic_bus_deliver(APICBus *bus, uint8_t dest, bool logical, int dm, int vector,
                      int trigger_level)
{
    bus_deliver(bus, NULL, dest, logical, dm, vector, trigger_level);
}

void apic_bus_msi(APICBus *bus, uint64_t addr, uint32_t data)
{
    if ((addr & 0xfff00000ull) != 0xfee00000ull) {
        return;
    }
    bus_deliver(bus, NULL, (addr >> 12) & 0xff, (addr >> 2) & 1, (data >> 8) & 7,
                data & 0xff, (data >> 15) & 1);
}

/* ICR write (10.6.1): sends the IPI at once; delivery status stays idle. */
static void apic_send_ipi(APICState *s)
{
    uint32_t lo = s->icr_lo;
    int vector = lo & 0xff, dm = (lo >> 8) & 7;
    bool logical = (lo >> 11) & 1, level = (lo >> 15) & 1;
    if (dm == APIC_DM_INIT && level && !((lo >> 14) & 1)) {
        return;                 /* INIT level de-assert: arbitration IDs only */
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        apic_update_intr(s);
        return;
    }
    int trig = dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST ? level : 0;
    switch ((lo >> 18) & 3) {
    case 0:
        apic_bus_deliver(s->bus, s->icr_hi >> 24, logical, dm, vector, trig);
        break;
    case 1:
        apic_deliver_irq(s, dm, vector, trig);
        break;
    case 2:
        apic_bus_deliver(s->bus, 0xff, false, dm, vector, trig);
        break;
    default:
        bus_deliver(s->bus, s, 0xff, false, dm, vector, trig);
        break;
    }
}

/* EOI (10.8.5): retires the highest in-service vector. */
static void apic_eoi(APICState *s)
{
    int v = highest_bit(s->isr);
    if (v < 0) {
        return;
    }
    bit_clear(s->isr, v);
    for (int i = LVT_LINT0; i <= LVT_LINT1; i++) {
        if ((s->lvt[i] & 0xff) == (uint32_t)v && (s->lvt[i] & LVT_REMOTE_IRR)) {
            s->lvt[i] &= ~LVT_REMOTE_IRR;
            if (s->lint_level[i - LVT_LINT0]) {
                apic_local_irq(s, i);   /* still asserted: again */
            }
        }
    }
    if (bit_test(s->tmr, v)) {
        bit_clear(s->tmr, v);
        for (int i = 0; i < s->bus->neoi; i++) {
            s->bus->eoi[i].eoi(s->bus->eoi[i].opaque, v);
        }
    }
    apic_update_intr(s);
}

/* --- the timer (10.5.4) --- */

static int64_t timer_divisor(const APICState *s)
{
    uint32_t v = (s->divide_conf & 3) | ((s->divide_conf >> 1) & 4);
    return v == 7 ? 1 : 2 << v;
}

static int64_t tick_ns(const APICState *s)
{
    return timer_divisor(s) * (int64_t)(1000000000ull / APIC_BUS_HZ);
}

static int timer_mode(const APICState *s) { return LVT_TIMER_MODE(s->lvt[LVT_TIMER]); }

/* Ticks since the count was loaded. */
static int64_t timer_elapsed(const APICState *s, int64_t now)
{
    return now <= s->count_start_ns ? 0 : (now - s->count_start_ns) / tick_ns(s);
}

static uint32_t timer_current(const APICState *s, int64_t now)
{
    if (s->initial_count == 0 || timer_mode(s) == TIMER_DEADLINE) {
        return 0;
    }
    int64_t d = timer_elapsed(s, now);
    if (timer_mode(s) == TIMER_PERIODIC) {
        return s->initial_count - (uint32_t)(d % s->initial_count);
    }
    return d >= s->initial_count ? 0 : s->initial_count - (uint32_t)d;
}

static uint64_t guest_tsc(APICState *s)
{
    if (s->cb.read_tsc) {
        return s->cb.read_tsc(s->cb.cpu);
    }
    return (uint64_t)((unsigned __int128)clock_ns(s->ml) * s->tsc_hz / 1000000000u);
}

/* Programs the host timer for the next expiry of the current mode. */
static void timer_rearm(APICState *s)
{
    int64_t now = clock_ns(s->ml);
    if (timer_mode(s) == TIMER_DEADLINE) {
        if (s->tsc_deadline == 0) {
            timer_del(s->timer);
            return;
        }
        uint64_t tsc = guest_tsc(s);
        uint64_t delta = s->tsc_deadline > tsc ? s->tsc_deadline - tsc : 0;
        unsigned __int128 ns = ((unsigned __int128)delta * 1000000000u + s->tsc_hz - 1) / s->tsc_hz;
        timer_mod(s->timer, ns > (unsigned __int128)INT64_MAX / 2 ? INT64_MAX / 2 : now + (int64_t)ns);
        return;
    }
    if (s->initial_count == 0 || timer_mode(s) > TIMER_PERIODIC) {
        timer_del(s->timer);
        return;
    }
    int64_t d = timer_elapsed(s, now);
    int64_t n = s->initial_count;
    if (timer_mode(s) == TIMER_ONESHOT) {
        if (d >= n) {
            timer_del(s->timer);
            return;
        }
    } else {
        n = (d / n + 1) * n;        /* the next multiple of the period */
    }
    timer_mod(s->timer, s->count_start_ns + n * tick_ns(s));
}

static void apic_timer_cb(void *opaque)
{
    APICState *s = opaque;
    if (timer_mode(s) == TIMER_DEADLINE) {
        if (s->tsc_deadline == 0) {
            return;
        }
        if (guest_tsc(s) < s->tsc_deadline) {
            timer_rearm(s);         /* early by rounding */
            return;
        }
        s->tsc_deadline = 0;
        apic_local_irq(s, LVT_TIMER);
        return;
    }
    apic_local_irq(s, LVT_TIMER);
    if (timer_mode(s) == TIMER_PERIODIC) {
        timer_rearm(s);
        int64_t min = clock_ns(s->ml) + APIC_MIN_REARM_NS;
        if (timer_pending(s->timer) && timer_expire_time(s->timer) < min) {
            timer_mod(s->timer, min);
        }
    }
}

static void timer_set_lvt(APICState *s, uint32_t v)
{
    int old_mode = timer_mode(s);
    s->lvt[LVT_TIMER] = v;
    if (timer_mode(s) != old_mode) {
        /* switching to or from TSC-deadline mode disarms (10.5.4.1) */
        if (old_mode == TIMER_DEADLINE || timer_mode(s) == TIMER_DEADLINE) {
            s->tsc_deadline = 0;
            s->initial_count = 0;
        }
        timer_rearm(s);
    }
}

static void timer_set_divide(APICState *s, uint32_t v)
{
    int64_t now = clock_ns(s->ml);
    uint32_t cur = timer_current(s, now);
    s->divide_conf = v & 0xb;
    if (cur && timer_mode(s) <= TIMER_PERIODIC) {
        /* keep the current count, count on at the new rate */
        s->count_start_ns = now - (int64_t)(s->initial_count - cur) * tick_ns(s);
        timer_rearm(s);
    }
}

static void timer_set_initial(APICState *s, uint32_t v)
{
    if (timer_mode(s) == TIMER_DEADLINE) {
        return;                 /* ignored in TSC-deadline mode */
    }
    s->initial_count = v;
    s->count_start_ns = clock_ns(s->ml);
    timer_rearm(s);
}

/* --- registers (10.4.1, table 10-1) --- */

static uint32_t apic_reg_read(APICState *s, unsigned reg)
{
    switch (reg) {
    case 0x02: return (uint32_t)s->id << 24;
    case 0x03: return APIC_VERSION;
    case 0x08: return s->tpr;
    case 0x09: return 0;                        /* APR */
    case 0x0a: return apic_ppr(s);
    case 0x0d: return s->ldr;
    case 0x0e: return s->dfr;
    case 0x0f: return s->svr;
    case 0x28: return s->esr;
    case 0x30: return s->icr_lo;
    case 0x31: return s->icr_hi;
    case 0x38: return s->initial_count;
    case 0x39: return timer_current(s, clock_ns(s->ml));
    case 0x3e: return s->divide_conf;
    }
    if (reg >= 0x10 && reg < 0x18) {
        return s->isr[reg - 0x10];
    }
    if (reg >= 0x18 && reg < 0x20) {
        return s->tmr[reg - 0x18];
    }
    if (reg >= 0x20 && reg < 0x28) {
        return s->irr[reg - 0x20];
    }
    if (reg >= 0x32 && reg < 0x32 + LVT_NUM) {
        return s->lvt[reg - 0x32];
    }
    return 0;
}

/* Writable bits of each LVT entry (figure 10-8). */
static const uint32_t lvt_write_mask[LVT_NUM] = {
    [LVT_TIMER] = 0x000600ff | LVT_MASKED,
    [LVT_THERMAL] = 0x000007ff | LVT_MASKED,
    [LVT_PERF] = 0x000007ff | LVT_MASKED,
    [LVT_LINT0] = 0x0000a7ff | LVT_MASKED,
    [LVT_LINT1] = 0x0000a7ff | LVT_MASKED,
    [LVT_ERROR] = 0x000000ff | LVT_MASKED,
};

static void apic_write_lvt(APICState *s, int i, uint32_t v)
{
    v &= lvt_write_mask[i];
    if (!sw_enabled(s)) {
        v |= LVT_MASKED;        /* 10.4.7.2: masks stay set while disabled */
    }
    if (i == LVT_TIMER) {
        timer_set_lvt(s, v);
        return;
    }
    s->lvt[i] = (s->lvt[i] & LVT_REMOTE_IRR) | v;
    if (i == LVT_LINT0 || i == LVT_LINT1) {
        apic_lint_set(s, i - LVT_LINT0, s->lint_level[i - LVT_LINT0]);
    }
}

static void apic_write_svr(APICState *s, uint32_t v)
{
    s->svr = v & 0x3ff;
    if (!sw_enabled(s)) {
        for (int i = 0; i < LVT_NUM; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
    }
}

/* What BIOSes do for virtual-wire mode (MP spec 3.6.2.2): the APIC software-
 * enabled, LINT0 ExtINT (the 8259), LINT1 NMI. */
void apic_virtual_wire(APICState *s)
{
    apic_write_svr(s, 0x1ff);
    apic_write_lvt(s, LVT_LINT0, APIC_DM_EXTINT << 8);
    apic_write_lvt(s, LVT_LINT1, APIC_DM_NMI << 8);
}

static void apic_reg_write(APICState *s, unsigned reg, uint32_t v)
{
    switch (reg) {
    case 0x02: s->id = v >> 24; break;
    case 0x08: s->tpr = v & 0xff; break;
    case 0x0b: apic_eoi(s); return;
    case 0x0d: s->ldr = v & 0xff000000u; break;
    case 0x0e: s->dfr = v | 0x0fffffffu; break;
    case 0x0f: apic_write_svr(s, v); break;
    case 0x28: s->esr = s->esr_pending; s->esr_pending = 0; break;
    case 0x30: s->icr_lo = v & 0x000cdfffu; apic_send_ipi(s); break;
    case 0x31: s->icr_hi = v & 0xff000000u; break;
    case 0x38: timer_set_initial(s, v); break;
    case 0x3e: timer_set_divide(s, v); break;
    case 0x3f:                                  /* self IPI: x2APIC only */
        break;
    default:
        if (reg >= 0x32 && reg < 0x32 + LVT_NUM) {
            apic_write_lvt(s, reg - 0x32, v);
        }
        break;
    }
    apic_update_intr(s);
}

/* Registers are 32 bits wide on 16-byte boundaries; narrower reads take part of
 * the first dword, writes other than 32/64-bit at the register's start are
 * dropped. */
uint64_t apic_mmio_read(APICState *s, uint64_t offset, unsigned size)
{
    unsigned in = offset & 0xf;
    if (in >= 4) {
        return 0;
    }
    uint32_t v = apic_reg_read(s, (offset >> 4) & 0xff) >> (in * 8);
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

void apic_mmio_write(APICState *s, uint64_t offset, uint64_t value, unsigned size)
{
    if ((offset & 0xf) || size < 4) {
        return;
    }
    apic_reg_write(s, (offset >> 4) & 0xff, (uint32_t)value);
}

/* Every CPU sees its own APIC at the same address (10.4.1): the page of any
 * APIC mapped there reaches the current CPU's. */
static APICState *accessed_apic(APICState *s)
{
    APICState *cur = s->bus->current;
    return cur && cur->mapped_base == s->mapped_base ? cur : s;
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    return apic_mmio_read(accessed_apic(opaque), offset, size);
}

static void mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    apic_mmio_write(accessed_apic(opaque), offset, value, size);
}

void apic_bus_set_current(APICBus *bus, APICState *s)
{
    bus->current = s;
}

static const MemOps apic_mmio_ops = { mmio_read, mmio_write };

/* --- MSRs (10.4.4, 10.5.4.1) --- */

static void apic_map(APICState *s)
{
    uint64_t base = hw_enabled(s) ? s->apicbase & BASE_ADDR_MASK : UINT64_MAX;
    if (base != s->mapped_base) {
        s->mapped_base = base;
        memory_region_move(s->mmio, base);
    }
}

/* Register state after power-up or INIT (10.4.7.1), the base MSR apart. */
static void apic_reset_registers(APICState *s)
{
    s->id = s->initial_id;
    s->tpr = s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_NUM; i++) {
        s->lvt[i] = lvt_reset_value;
    }
    s->divide_conf = 0;
    s->initial_count = 0;
    s->count_start_ns = 0;
    s->tsc_deadline = 0;
    s->extint_msg = false;
    timer_del(s->timer);
}

/* INIT (10.4.7.3): as power-up, but the APIC ID and IA32_APIC_BASE stay. */
void apic_init_reset(APICState *s)
{
    uint8_t id = s->id;
    apic_reset_registers(s);
    s->id = id;
    apic_update_intr(s);
}

bool apic_rdmsr(APICState *s, uint32_t msr, uint64_t *value)
{
    switch (msr) {
    case MSR_IA32_APIC_BASE:
        *value = s->apicbase;
        return true;
    case MSR_IA32_TSC_DEADLINE:
        *value = timer_mode(s) == TIMER_DEADLINE ? s->tsc_deadline : 0;
        return true;
    }
    return false;
}

bool apic_wrmsr(APICState *s, uint32_t msr, uint64_t value)
{
    switch (msr) {
    case MSR_IA32_APIC_BASE:
        if (value & ~(BASE_ADDR_MASK | BASE_ENABLE | BASE_BSP)) {
            return false;       /* reserved bits, x2APIC enable: #GP */
        }
        bool was = hw_enabled(s);
        s->apicbase = (value & (BASE_ADDR_MASK | BASE_ENABLE)) | (s->bsp ? BASE_BSP : 0);
        if (was && !hw_enabled(s)) {
            apic_reset_registers(s);
        }
        apic_map(s);
        apic_update_intr(s);
        return true;
    case MSR_IA32_TSC_DEADLINE:
        if (timer_mode(s) == TIMER_DEADLINE && hw_enabled(s)) {
            s->tsc_deadline = value;
            timer_rearm(s);
        }
        return true;
    }
    return false;
}

/* --- device --- */

static void apic_reset(void *dev)
{
    APICState *s = dev;
    s->apicbase = APIC_DEFAULT_BASE | BASE_ENABLE | (s->bsp ? BASE_BSP : 0);
    apic_reset_registers(s);
    apic_map(s);
    apic_update_intr(s);
}

static void save_regs256(SaveStream *f, const uint32_t *r)
{
    for (int i = 0; i < 8; i++) {
        save_u32(f, r[i]);
    }
}

static void load_regs256(SaveStream *f, uint32_t *r)
{
    for (int i = 0; i < 8; i++) {
        r[i] = load_u32(f);
    }
}

static void apic_save(void *dev, SaveStream *f)
{
    APICState *s = dev;
    int64_t now = clock_ns(s->ml);
    save_u64(f, s->apicbase);
    save_u8(f, s->id);
    save_u32(f, s->tpr); save_u32(f, s->ldr); save_u32(f, s->dfr); save_u32(f, s->svr);
    save_regs256(f, s->isr); save_regs256(f, s->tmr); save_regs256(f, s->irr);
    save_u32(f, s->esr); save_u32(f, s->esr_pending);
    save_u32(f, s->icr_lo); save_u32(f, s->icr_hi);
    for (int i = 0; i < LVT_NUM; i++) {
        save_u32(f, s->lvt[i]);
    }
    save_u32(f, s->divide_conf);
    save_u32(f, s->initial_count);
    save_u64(f, (uint64_t)(now - s->count_start_ns));   /* relative to the clock */
    save_u64(f, s->tsc_deadline);
    save_u8(f, s->lint_level[0] | s->lint_level[1] << 1 | s->extint_msg << 2);
}

static void apic_load(void *dev, SaveStream *f)
{
    APICState *s = dev;
    s->apicbase = load_u64(f);
    s->id = load_u8(f);
    s->tpr = load_u32(f); s->ldr = load_u32(f); s->dfr = load_u32(f); s->svr = load_u32(f);
    load_regs256(f, s->isr); load_regs256(f, s->tmr); load_regs256(f, s->irr);
    s->esr = load_u32(f); s->esr_pending = load_u32(f);
    s->icr_lo = load_u32(f); s->icr_hi = load_u32(f);
    for (int i = 0; i < LVT_NUM; i++) {
        s->lvt[i] = load_u32(f);
    }
    s->divide_conf = load_u32(f);
    s->initial_count = load_u32(f);
    s->count_start_ns = clock_ns(s->ml) - (int64_t)load_u64(f);
    s->tsc_deadline = load_u64(f);
    uint8_t b = load_u8(f);
    s->lint_level[0] = b & 1; s->lint_level[1] = b >> 1 & 1; s->extint_msg = b >> 2 & 1;
    if (f->error) {
        return;
    }
    apic_map(s);
    timer_rearm(s);
    apic_update_intr(s);
}

static void apic_free(void *dev)
{
    APICState *s = dev;
    APICBus *bus = s->bus;
    for (int i = 0; i < bus->napics; i++) {
        if (bus->apics[i] == s) {
            bus->apics[i] = bus->apics[--bus->napics];
            break;
        }
    }
    if (bus->current == s) {
        bus->current = NULL;
    }
    timer_free(s->timer);
    memory_region_remove(s->mmio);
    free(s);
}

static const DeviceOps apic_ops = {
    .name = "apic", .reset = apic_reset, .save = apic_save, .load = apic_load,
    .free = apic_free,
};

APICState *apic_new(AddressSpace *as, MainLoop *ml, APICBus *bus, uint8_t id, bool bsp,
                    uint64_t tsc_hz, const APICCallbacks *cb)
{
    if (bus->napics >= MAX_APICS) {
        return NULL;
    }
    APICState *s = calloc(1, sizeof(*s));
    s->dev.ops = &apic_ops;
    s->as = as;
    s->ml = ml;
    s->bus = bus;
    s->cb = *cb;
    s->tsc_hz = tsc_hz ? tsc_hz : 1000000000u;
    s->initial_id = id;
    s->bsp = bsp;
    s->timer = timer_new(ml, apic_timer_cb, s);
    s->mmio = memory_add_mmio(as, "apic", APIC_DEFAULT_BASE, 0x1000, &apic_mmio_ops, s,
                              APIC_MMIO_PRIORITY);
    s->mapped_base = APIC_DEFAULT_BASE;
    bus->apics[bus->napics++] = s;
    apic_reset(s);
    return s;
}

Device *apic_device(APICState *s)
{
    return &s->dev;
}
