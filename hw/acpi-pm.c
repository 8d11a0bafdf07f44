/*
 * The PIIX4 power-management function (8086:7113, Intel 82371AB PIIX4
 * datasheet, function 3) as QEMU's "pc" has it at 00:01.3: the PM I/O block at
 * PMBA (config 0x40, enabled by PMREGMISC bit 0 at 0x80) holding the ACPI fixed
 * hardware (ACPI 6.4, 4.8): PM1a_STS/PM1a_EN (+0), PM1a_CNT (+4), the 24-bit
 * PM_TMR at 3.579545 MHz (+8), GPE0 status/enable (+0x0C); the SMI command
 * port 0xB2 switching ACPI mode (SCI_EN) on and off; the SCI, level-triggered.
 * Sleep state S5 (SLP_TYP = ACPI_S5_SLP_TYP, SLP_EN) powers the machine off.
 */
#include <stdlib.h>
#include "hw/acpi.h"

enum {
    PMBA = 0x40, PMREGMISC = 0x80,
    TMR_STS = 1 << 0, GBL_STS = 1 << 5, PWRBTN_STS = 1 << 8, RTC_STS = 1 << 10,
    WAK_STS = 1 << 15,
    SCI_EN = 1 << 0, SLP_TYP_SHIFT = 10, SLP_EN = 1 << 13,
    PM1_EVENTS = TMR_STS | GBL_STS | PWRBTN_STS | RTC_STS,
};

typedef struct ACPIPMState {
    PCIDevice pci;
    IOSpace *io;
    MainLoop *ml;
    IRQ sci;
    Timer *tmr_timer;
    uint32_t io_base;           /* mapped PM block, 0: none */
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe_sts, gpe_en;
    uint8_t apm_sts;            /* port 0xB3 */
    int sci_level;
} ACPIPMState;

static uint32_t pm_timer(ACPIPMState *s)
{
    unsigned __int128 t = (unsigned __int128)clock_ns(s->ml) * ACPI_PM_TIMER_HZ;
    return (uint32_t)(t / 1000000000u) & 0xffffff;
}

/* When bit 23 of the PM timer next changes (TMR_STS, ACPI 6.4 4.8.2.1). */
static int64_t next_tmr_overflow(ACPIPMState *s)
{
    unsigned __int128 ticks = (unsigned __int128)clock_ns(s->ml) * ACPI_PM_TIMER_HZ / 1000000000u;
    unsigned __int128 next = (ticks | 0x7fffff) + 1;
    return (int64_t)((next * 1000000000u + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

static void update_sci(ACPIPMState *s)
{
    int level = (s->pm1_cnt & SCI_EN) &&
                ((s->pm1_sts & s->pm1_en & PM1_EVENTS) || (s->gpe_sts & s->gpe_en));
    if (level != s->sci_level) {
        s->sci_level = level;
        irq_set(&s->sci, level);
    }
    if (s->pm1_en & TMR_STS) {
        if (!timer_pending(s->tmr_timer)) {
            timer_mod(s->tmr_timer, next_tmr_overflow(s));
        }
    } else {
        timer_del(s->tmr_timer);
    }
}

static void tmr_overflow(void *opaque)
{
    ACPIPMState *s = opaque;
    s->pm1_sts |= TMR_STS;
    update_sci(s);
}

static uint8_t pm_read_byte(ACPIPMState *s, uint32_t off)
{
    switch (off) {
    case 0: case 1: return s->pm1_sts >> (8 * off);
    case 2: case 3: return s->pm1_en >> (8 * (off - 2));
    case 4: case 5: return (s->pm1_cnt & ~SLP_EN) >> (8 * (off - 4));
    case 8: case 9: case 10: case 11: return pm_timer(s) >> (8 * (off - 8));
    case 12: case 13: return s->gpe_sts >> (8 * (off - 12));
    case 14: case 15: return s->gpe_en >> (8 * (off - 14));
    default: return 0;
    }
}

static void pm1_cnt_write(ACPIPMState *s, uint16_t v)
{
    s->pm1_cnt = (s->pm1_cnt & SCI_EN) | (v & ~(SCI_EN | SLP_EN));
    if ((v & SLP_EN) && ((v >> SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP) {
        main_loop_request(s->ml, REQ_SHUTDOWN, 0);
    }
}

static void pm_write_byte(ACPIPMState *s, uint32_t off, uint8_t v, uint16_t *cnt)
{
    int sh = 8 * (off & 1);
    switch (off) {
    case 0: case 1: s->pm1_sts &= ~((uint16_t)v << sh); break;
    case 2: case 3: s->pm1_en = (s->pm1_en & ~(0xff << sh)) | v << sh; break;
    case 4: case 5: *cnt = (*cnt & ~(0xff << sh)) | v << sh; break;
    case 12: case 13: s->gpe_sts &= ~((uint16_t)v << sh); break;
    case 14: case 15: s->gpe_en = (s->gpe_en & ~(0xff << sh)) | v << sh; break;
    default: break;
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t off, unsigned size)
{
    ACPIPMState *s = opaque;
    uint64_t v = 0;
    if (off == ACPI_PM_TMR_OFF && size == 4) {
        return pm_timer(s);            /* one consistent sample */
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)pm_read_byte(s, off + i) << (8 * i);
    }
    return v;
}

static void pm_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ACPIPMState *s = opaque;
    uint16_t cnt = s->pm1_cnt & ~SLP_EN;
    bool cnt_written = false;
    for (unsigned i = 0; i < size; i++) {
        pm_write_byte(s, off + i, val >> (8 * i), &cnt);
        cnt_written |= off + i == 4 || off + i == 5;
    }
    if (cnt_written) {
        pm1_cnt_write(s, cnt);
    }
    update_sci(s);
}

static const MemOps pm_io_ops = { pm_io_read, pm_io_write };

/* The APM control/status ports 0xB2/0xB3: ACPI enable/disable commands. */
static uint64_t smi_read(void *opaque, uint64_t off, unsigned size)
{
    ACPIPMState *s = opaque;
    (void)size;
    return off == 1 ? s->apm_sts : 0;
}

static void smi_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ACPIPMState *s = opaque;
    (void)size;
    if (off == 1) {
        s->apm_sts = val;
        return;
    }
    if ((val & 0xff) == ACPI_ENABLE_VALUE) {
        s->pm1_cnt |= SCI_EN;
    } else if ((val & 0xff) == ACPI_DISABLE_VALUE) {
        s->pm1_cnt &= ~SCI_EN;
    }
    update_sci(s);
}

static const MemOps smi_ops = { smi_read, smi_write };

/* Maps the PM block where PMBA says, if PMREGMISC enables it. */
static void update_io(ACPIPMState *s)
{
    const uint8_t *c = s->pci.config;
    uint32_t base = (c[PMBA] | c[PMBA + 1] << 8) & 0xffc0;
    if (!(c[PMREGMISC] & 1)) {
        base = 0;
    }
    if (base == s->io_base) {
        return;
    }
    if (s->io_base) {
        ioport_unregister(s->io, s->io_base, ACPI_PM_IO_LEN);
    }
    if (base) {
        ioport_register(s->io, "acpi-pm", base, ACPI_PM_IO_LEN, &pm_io_ops, s);
    }
    s->io_base = base;
}

static void pm_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size)
{
    (void)val;
    if ((addr < PMBA + 4 && addr + size > PMBA) || (addr <= PMREGMISC && addr + size > PMREGMISC)) {
        update_io((ACPIPMState *)d);
    }
}

static void pm_reset(void *opaque)
{
    ACPIPMState *s = opaque;
    uint8_t *c = s->pci.config;
    pci_device_reset(&s->pci);
    c[PCI_INTERRUPT_PIN] = 1;
    /* No firmware programs PMBA on the direct boot path: start at QEMU's default. */
    c[PMBA] = (ACPI_PM_BASE & 0xff) | 1;
    c[PMBA + 1] = ACPI_PM_BASE >> 8;
    c[PMREGMISC] = 1;
    c[0x90] = 1;                       /* SMBBA: I/O space indicator */
    /* DEVACTB APMC_EN already set: there is no SMM, so firmware must not try to
     * relocate SMBASE through port 0xB2 (QEMU's pc does the same with smm=off) */
    c[0x5b] = 0x02;
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe_sts = s->gpe_en = 0;
    s->apm_sts = 0;
    update_io(s);
    update_sci(s);
}

void acpi_pm_gpe_raise(PCIDevice *pm, int bit)
{
    ACPIPMState *s = (ACPIPMState *)pm;
    s->gpe_sts |= 1u << (bit & 15);
    update_sci(s);
}

void acpi_pm_power_button(PCIDevice *pm)
{
    ACPIPMState *s = (ACPIPMState *)pm;
    s->pm1_sts |= PWRBTN_STS;
    update_sci(s);
}

static void pm_save(void *opaque, SaveStream *ss)
{
    ACPIPMState *s = opaque;
    pci_device_save(&s->pci, ss);
    save_u16(ss, s->pm1_sts);
    save_u16(ss, s->pm1_en);
    save_u16(ss, s->pm1_cnt);
    save_u16(ss, s->gpe_sts);
    save_u16(ss, s->gpe_en);
    save_u8(ss, s->apm_sts);
}

static void pm_load(void *opaque, SaveStream *ss)
{
    ACPIPMState *s = opaque;
    pci_device_load(&s->pci, ss);
    s->pm1_sts = load_u16(ss);
    s->pm1_en = load_u16(ss);
    s->pm1_cnt = load_u16(ss) & ~SLP_EN;
    s->gpe_sts = load_u16(ss);
    s->gpe_en = load_u16(ss);
    s->apm_sts = load_u8(ss);
    update_io(s);
    update_sci(s);
}

static void pm_free(void *opaque)
{
    ACPIPMState *s = opaque;
    timer_free(s->tmr_timer);
    free(s);
}

static const DeviceOps pm_ops = {
    .name = "PIIX4_PM", .reset = pm_reset, .save = pm_save, .load = pm_load,
    .free = pm_free,
};

PCIDevice *acpi_pm_new(PCIBus *bus, int devfn, IOSpace *io, MainLoop *ml, IRQ sci)
{
    ACPIPMState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->pci.dev.ops = &pm_ops;
    s->io = io;
    s->ml = ml;
    s->sci = sci;
    s->tmr_timer = timer_new(ml, tmr_overflow, s);
    pci_device_init(&s->pci, bus, devfn, "PIIX4_PM", 0x8086, 0x7113, 0x03, 0x068000, 0x00);
    s->pci.config_write = pm_config_write;
    s->pci.wmask[PMBA] = 0xc0;
    s->pci.wmask[PMBA + 1] = 0xff;
    s->pci.wmask[PMREGMISC] = 0x01;
    for (int a = 0x58; a < 0x80; a++) {
        s->pci.wmask[a] = 0xff;        /* DEVACT/DEVRES registers: stored */
    }
    s->pci.wmask[0x90] = 0xf0;
    s->pci.wmask[0x91] = 0xff;         /* SMBBA */
    s->pci.wmask[0xd2] = 0x0f;         /* SMBHSTCFG */
    ioport_register(io, "apm", ACPI_SMI_CMD_PORT, 2, &smi_ops, s);
    pm_reset(s);
    return &s->pci;
}
