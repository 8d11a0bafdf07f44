/*
 * kernel_irqchip=on in snapshots and migration: the 8259s, I/O APIC, local
 * APIC and 8254 live in the kernel (KVM_GET/SET_IRQCHIP, KVM_GET/SET_LAPIC,
 * KVM_GET/SET_PIT2; Linux Documentation/virt/kvm/api.rst), so their state is
 * written into, and read from, the device sections of our userspace models
 * (hw/i8259.c "isa-i8259", hw/ioapic.c "ioapic", hw/apic.c "apic",
 * hw/i8254.c "isa-pit"), field by field in those models' meanings. A
 * snapshot taken under TCG thus loads into the kernel's chips, and one taken
 * with them loads into our models. Each layout is the one its model writes
 * at the version named below; another version is refused with one line.
 * What one side does not keep is saved as its reset value (the 8259's ICW3,
 * single and level-triggered modes, the 8254's null-count and gate freeze,
 * the local APIC's LINT input levels).
 * Times: our models count from the machine clock (ns), the kernel's 8254
 * from the host's CLOCK_MONOTONIC, the kernel's APIC timer by its current
 * count (TMCCT) at the bus clock both take as 1 GHz (hw/apic.h APIC_BUS_HZ).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"
#include "hw/apic.h"
#include "hw/isa.h"

/* the layout versions of the models' save functions this file writes */
static const struct { const char *name; uint32_t version; } chips[] = {
    { "isa-i8259", 0 }, { "ioapic", 0 }, { "apic", 0 }, { "isa-pit", 0 },
};

static int chip_index(const char *name)
{
    for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
        if (!strcmp(chips[i].name, name)) {
            return i;
        }
    }
    return -1;
}

bool kvm_irqchip_owns(const KVMState *s, const char *name)
{
    return kvm_irqchip_in_kernel(s) && chip_index(name) >= 0;
}

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);    /* the kernel's ktime_get() */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t machine_ns(KVMState *s)
{
    const CPUX86State *env = s->vcpus[0].env;
    const X86BoardHooks *b = env->board;
    return b && b->clock_ns ? b->clock_ns(env->board_opaque) : host_ns();
}

/* --- 8259 (Intel 8259A datasheet; the kernel's arch/x86/kvm/i8259.c) --- */

/* the IRQ with the highest priority in mask; rotation: priority_add is the
 * highest-priority input, our "lowest" the one just below it */
static int pic_highest(const struct kvm_pic_state *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int irq = (c->priority_add + p) & 7;
        if (mask & (1 << irq)) {
            return irq;
        }
    }
    return -1;
}

/* a request the chip would signal on INT (as hw/i8259.c decides it) */
static bool pic_int(const struct kvm_pic_state *c, uint8_t irr, bool master)
{
    int irq = pic_highest(c, irr & ~c->imr);
    if (irq < 0) {
        return false;
    }
    uint8_t isr = c->special_mask ? c->isr & ~c->imr : c->isr;
    if (master && c->special_fully_nested_mode) {
        isr &= ~(1 << 2);
    }
    int cur = pic_highest(c, isr);
    return cur < 0 || ((cur - c->priority_add) & 7) > ((irq - c->priority_add) & 7);
}

static void pic_chip_save(const struct kvm_pic_state *c, uint8_t irr, bool master,
                          SaveStream *f)
{
    save_u8(f, irr); save_u8(f, c->isr); save_u8(f, c->imr);
    save_u8(f, c->elcr); save_u8(f, c->last_irr); save_u8(f, (c->priority_add + 7) & 7);
    save_u8(f, c->irq_base & 0xf8); save_u8(f, master ? 0x04 : 0x02);
    save_u8(f, c->init_state ? c->init_state + 1 : 0);
    save_u8(f, (c->init4 ? 1 : 0) | (c->auto_eoi ? 8 : 0) | (c->rotate_on_auto_eoi ? 16 : 0) |
               (c->special_fully_nested_mode ? 32 : 0) | (c->special_mask ? 64 : 0) |
               (c->read_reg_select ? 128 : 0));
    save_u8(f, c->poll);
}

static void pic_chip_load(struct kvm_pic_state *c, SaveStream *f)
{
    c->irr = load_u8(f); c->isr = load_u8(f); c->imr = load_u8(f);
    c->elcr = load_u8(f) & c->elcr_mask; c->last_irr = load_u8(f);
    c->priority_add = (load_u8(f) + 1) & 7;
    c->irq_base = load_u8(f) & 0xf8;
    load_u8(f);                             /* ICW3: the PC's wiring */
    uint8_t step = load_u8(f);
    if (step > 4 || step == 1) {
        f->error = true;
    }
    c->init_state = step ? step - 1 : 0;
    uint8_t b = load_u8(f);
    c->init4 = b & 1; c->auto_eoi = !!(b & 8); c->rotate_on_auto_eoi = !!(b & 16);
    c->special_fully_nested_mode = !!(b & 32); c->special_mask = !!(b & 64);
    c->read_reg_select = !!(b & 128);
    c->poll = load_u8(f) & 1;
}

static char *pic_get(KVMState *s, struct kvm_irqchip c[2])
{
    memset(c, 0, 2 * sizeof(*c));
    c[0].chip_id = KVM_IRQCHIP_PIC_MASTER;
    c[1].chip_id = KVM_IRQCHIP_PIC_SLAVE;
    for (int i = 0; i < 2; i++) {
        if (ioctl(s->vm_fd, KVM_GET_IRQCHIP, &c[i]) < 0) {
            return kvm_ioctl_error("KVM_GET_IRQCHIP (8259)");
        }
    }
    return NULL;
}

/* our master's IRR bit 2 follows the slave's INT output */
static uint8_t pic_master_irr(const struct kvm_pic_state *m, const struct kvm_pic_state *sl)
{
    return (m->irr & ~4) | (pic_int(sl, sl->irr, false) ? 4 : 0);
}

static bool pic_master_int(const struct kvm_pic_state *m, const struct kvm_pic_state *sl)
{
    return pic_int(m, pic_master_irr(m, sl), true);
}

static char *pic_save(KVMState *s, SaveStream *f)
{
    struct kvm_irqchip c[2];
    char *e = pic_get(s, c);
    if (e) {
        return e;
    }
    const struct kvm_pic_state *m = &c[0].chip.pic, *sl = &c[1].chip.pic;
    pic_chip_save(m, pic_master_irr(m, sl), true, f);
    pic_chip_save(sl, sl->irr, false, f);
    save_u8(f, pic_master_int(m, sl));
    return NULL;
}

static char *pic_load(KVMState *s, SaveStream *f)
{
    struct kvm_irqchip c[2];
    char *e = pic_get(s, c);
    if (e) {
        return e;
    }
    pic_chip_load(&c[0].chip.pic, f);
    pic_chip_load(&c[1].chip.pic, f);
    load_u8(f);                             /* INT: the kernel derives it */
    /* IRQ 0 is the kernel 8254's, which pulses the line (low at rest): an
     * edge remembered from our 8254's high output would swallow its next
     * tick, and its reinjection then waits for an EOI that never comes */
    c[0].chip.pic.last_irr &= ~1;
    for (int i = 0; i < 2 && !f->error; i++) {
        if (ioctl(s->vm_fd, KVM_SET_IRQCHIP, &c[i]) < 0) {
            return kvm_ioctl_error("KVM_SET_IRQCHIP (8259)");
        }
    }
    return NULL;
}

/* --- I/O APIC (82093AA datasheet): ID, IOREGSEL, pin levels, the 24
 * redirection entries bit for bit --- */

static char *ioapic_get(KVMState *s, struct kvm_irqchip *c)
{
    memset(c, 0, sizeof(*c));
    c->chip_id = KVM_IRQCHIP_IOAPIC;
    return ioctl(s->vm_fd, KVM_GET_IRQCHIP, c) < 0 ? kvm_ioctl_error("KVM_GET_IRQCHIP (I/O APIC)")
                                                   : NULL;
}

static char *ioapic_save(KVMState *s, SaveStream *f)
{
    struct kvm_irqchip c;
    char *e = ioapic_get(s, &c);
    if (e) {
        return e;
    }
    const struct kvm_ioapic_state *io = &c.chip.ioapic;
    save_u8(f, io->id);
    save_u8(f, io->ioregsel);
    save_u32(f, io->irr);
    for (int n = 0; n < KVM_IOAPIC_NUM_PINS; n++) {
        save_u64(f, io->redirtbl[n].bits);
    }
    return NULL;
}

static char *ioapic_load(KVMState *s, SaveStream *f)
{
    struct kvm_irqchip c;
    char *e = ioapic_get(s, &c);
    if (e) {
        return e;
    }
    struct kvm_ioapic_state *io = &c.chip.ioapic;
    io->id = load_u8(f) & 0xf;
    io->ioregsel = load_u8(f);
    io->irr = load_u32(f) & 0xffffff & ~(1u << 2);   /* pin 2: the kernel 8254's, as above */
    for (int n = 0; n < KVM_IOAPIC_NUM_PINS; n++) {
        io->redirtbl[n].bits = load_u64(f);
    }
    if (!f->error && ioctl(s->vm_fd, KVM_SET_IRQCHIP, &c) < 0) {
        return kvm_ioctl_error("KVM_SET_IRQCHIP (I/O APIC)");
    }
    return NULL;
}

/* --- local APIC (SDM vol. 3A, ch. 11): KVM's register page, each register
 * at its MMIO offset --- */

static uint32_t reg(const struct kvm_lapic_state *l, unsigned off)
{
    uint32_t v;
    memcpy(&v, l->regs + off, 4);
    return v;
}

static void set_reg(struct kvm_lapic_state *l, unsigned off, uint32_t v)
{
    memcpy(l->regs + off, &v, 4);
}

/* the timer's divisor from the divide configuration (SDM vol. 3A, 11.5.4) */
static uint64_t apic_divisor(uint32_t tdcr)
{
    uint32_t v = (tdcr & 3) | ((tdcr >> 1) & 4);
    return v == 7 ? 1 : 2u << v;
}

static char *apic_base(KVMVcpu *v, uint64_t *base)
{
    if (v->regs_dirty && v->apic_base) {    /* loaded, not yet given to KVM */
        *base = v->apic_base;
        return NULL;
    }
    struct kvm_sregs sr;
    if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0) {
        return kvm_ioctl_error("KVM_GET_SREGS");
    }
    *base = sr.apic_base;
    return NULL;
}

static char *apic_save(KVMVcpu *v, SaveStream *f)
{
    struct kvm_lapic_state l;
    uint64_t base = 0;
    char *e = apic_base(v, &base);
    if (e) {
        return e;
    }
    if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0) {
        return kvm_ioctl_error("KVM_GET_LAPIC");
    }
    save_u64(f, base);
    save_u8(f, reg(&l, 0x20) >> 24);
    save_u32(f, reg(&l, 0x80)); save_u32(f, reg(&l, 0xd0));
    save_u32(f, reg(&l, 0xe0)); save_u32(f, reg(&l, 0xf0));
    for (unsigned base_off = 0x100; base_off <= 0x200; base_off += 0x80) {  /* ISR, TMR, IRR */
        for (int i = 0; i < 8; i++) {
            save_u32(f, reg(&l, base_off + 0x10 * i));
        }
    }
    save_u32(f, reg(&l, 0x280)); save_u32(f, 0);       /* ESR, nothing pending */
    save_u32(f, reg(&l, 0x300)); save_u32(f, reg(&l, 0x310));
    for (int i = 0; i < 6; i++) {
        save_u32(f, reg(&l, 0x320 + 0x10 * i));         /* timer ... error */
    }
    uint32_t tdcr = reg(&l, 0x3e0), init = reg(&l, 0x380), cur = reg(&l, 0x390);
    save_u32(f, tdcr);
    save_u32(f, init);
    /* ns since the count was the initial count, at 1 ns per bus cycle */
    save_u64(f, init >= cur ? (uint64_t)(init - cur) * apic_divisor(tdcr) : 0);
    save_u64(f, 0);                         /* TSC deadline: not offered with it */
    /* LINT0 is wired to the master 8259's INT (LINT1, NMI, stays low): our
     * model takes the line's level from here, not from the 8259's section */
    struct kvm_irqchip c[2];
    if ((e = pic_get(v->s, c))) {
        return e;
    }
    save_u8(f, pic_master_int(&c[0].chip.pic, &c[1].chip.pic));
    return NULL;
}

static char *apic_load(KVMVcpu *v, SaveStream *f)
{
    struct kvm_lapic_state l;
    if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0) {
        return kvm_ioctl_error("KVM_GET_LAPIC");
    }
    uint64_t base = load_u64(f);
    set_reg(&l, 0x20, (uint32_t)load_u8(f) << 24);
    set_reg(&l, 0x80, load_u32(f)); set_reg(&l, 0xd0, load_u32(f));
    set_reg(&l, 0xe0, load_u32(f)); set_reg(&l, 0xf0, load_u32(f));
    for (unsigned base_off = 0x100; base_off <= 0x200; base_off += 0x80) {
        for (int i = 0; i < 8; i++) {
            set_reg(&l, base_off + 0x10 * i, load_u32(f));
        }
    }
    uint32_t esr = load_u32(f);
    set_reg(&l, 0x280, esr | load_u32(f));
    set_reg(&l, 0x300, load_u32(f)); set_reg(&l, 0x310, load_u32(f));
    for (int i = 0; i < 6; i++) {
        set_reg(&l, 0x320 + 0x10 * i, load_u32(f));
    }
    uint32_t tdcr = load_u32(f), init = load_u32(f);
    uint64_t ticks = load_u64(f) / apic_divisor(tdcr);
    load_u64(f);                            /* TSC deadline */
    load_u8(f);                             /* LINT levels */
    set_reg(&l, 0x3e0, tdcr);
    set_reg(&l, 0x380, init);
    /* KVM restarts the timer from TMCCT (the count left) */
    set_reg(&l, 0x390, ticks < init ? init - (uint32_t)ticks : 0);
    if (f->error) {
        return NULL;
    }
    v->apic_base = base;                    /* KVM_SET_SREGS with the registers */
    if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0) {
        return kvm_ioctl_error("KVM_SET_LAPIC");
    }
    v->lapic_reset = false;
    return NULL;
}

/* --- 8254 (Intel 8254 datasheet; the kernel's arch/x86/kvm/i8254.c):
 * read/write states RW_STATE_LSB 1, MSB 2, WORD0 3, WORD1 4 --- */

static void pit_channel_save(const struct kvm_pit_channel_state *c, int64_t now_m,
                             int64_t now_h, SaveStream *f)
{
    uint32_t count = c->count ? c->count : 65536;
    bool never = c->mode > 5;               /* the kernel's 0xff: never programmed */
    save_u32(f, count > 65536 ? 65536 : count);
    save_u16(f, c->latched_count);
    save_u8(f, never ? 3 : c->mode); save_u8(f, never ? 3 : c->rw_mode & 3);
    save_u8(f, c->bcd & 1); save_u8(f, c->gate & 1);
    save_u8(f, c->count_latched == 3 ? 2 : c->count_latched ? 1 : 0);
    save_u8(f, c->status);
    save_u8(f, (c->status_latched ? 1 : 0) | (c->read_state == 4 ? 2 : 0) |
               (c->write_state == 4 ? 4 : 0) | (never ? 8 : 0));
    save_u8(f, c->write_latch);
    save_u64(f, (uint64_t)(now_m - (now_h - c->count_load_time)));
    save_u64(f, 0);
}

static void pit_channel_load(struct kvm_pit_channel_state *c, int64_t now_m, int64_t now_h,
                             SaveStream *f)
{
    c->count = load_u32(f);
    c->latched_count = load_u16(f);
    c->mode = load_u8(f); c->rw_mode = load_u8(f) & 3; c->bcd = load_u8(f) & 1;
    c->gate = load_u8(f) & 1;
    uint8_t latched = load_u8(f);
    c->status = load_u8(f);
    uint8_t b = load_u8(f);
    c->write_latch = load_u8(f);
    int64_t load_ns = (int64_t)load_u64(f);
    load_u64(f);                            /* ticks before a gate freeze */
    if (c->count == 0 || c->count > 65536 || c->mode > 5 || latched > 2) {
        f->error = true;
    }
    c->count_latched = latched == 2 ? 3 : latched == 0 ? 0 : c->rw_mode == 3 ? 4 : c->rw_mode;
    c->status_latched = b & 1;
    uint8_t first = c->rw_mode == 3 ? 3 : c->rw_mode;
    c->read_state = (b & 2) ? 4 : first;
    c->write_state = (b & 4) ? 4 : first;
    c->count_load_time = now_h - (now_m - load_ns);
}

static char *pit_save(KVMState *s, SaveStream *f)
{
    struct kvm_pit_state2 p;
    if (ioctl(s->vm_fd, KVM_GET_PIT2, &p) < 0) {
        return kvm_ioctl_error("KVM_GET_PIT2");
    }
    int64_t now_m = machine_ns(s), now_h = host_ns();
    for (int i = 0; i < 3; i++) {
        pit_channel_save(&p.channels[i], now_m, now_h, f);
    }
    /* port 61H: bit 0 channel 2's gate, bit 1 the speaker data */
    save_u8(f, (p.channels[2].gate & 1) | ((p.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) ? 2 : 0));
    save_u8(f, !(p.flags & KVM_PIT_FLAGS_HPET_LEGACY));
    save_u8(f, 0);
    /* IRQ 0 is current up to now: the kernel's pending ticks stay its own */
    int64_t ns = now_h - p.channels[0].count_load_time;
    save_u64(f, ns > 0 ? (uint64_t)((unsigned __int128)ns * PIT_FREQ / 1000000000u) : 0);
    return NULL;
}

static char *pit_load(KVMState *s, SaveStream *f)
{
    struct kvm_pit_state2 p;
    if (ioctl(s->vm_fd, KVM_GET_PIT2, &p) < 0) {
        return kvm_ioctl_error("KVM_GET_PIT2");
    }
    int64_t now_m = machine_ns(s), now_h = host_ns();
    for (int i = 0; i < 3; i++) {
        pit_channel_load(&p.channels[i], now_m, now_h, f);
    }
    uint8_t port61 = load_u8(f);
    bool irq_enabled = load_u8(f) & 1;
    load_u8(f);
    load_u64(f);
    p.flags &= ~(KVM_PIT_FLAGS_SPEAKER_DATA_ON | KVM_PIT_FLAGS_HPET_LEGACY);
    p.flags |= (port61 & 2 ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0) |
               (irq_enabled ? 0 : KVM_PIT_FLAGS_HPET_LEGACY);
    if (!f->error && ioctl(s->vm_fd, KVM_SET_PIT2, &p) < 0) {
        return kvm_ioctl_error("KVM_SET_PIT2");
    }
    return NULL;
}

/* --- the sections --- */

static char *version_error(const char *name, uint32_t version)
{
    char *m = NULL;
    if (asprintf(&m, "kvm: kernel_irqchip=on: device '%s' has section version %u; the "
                 "kernel's state is converted for version %u only", name, version,
                 chips[chip_index(name)].version) < 0) {
        m = NULL;
    }
    return m;
}

/* A section of chip name written (save) or read: the machine-wide chips
 * through their table, the "apic" (one per vCPU, the kernel's local APIC)
 * through CPU cpu's vCPU. */
static char *chip_section(KVMState *s, const char *name, int cpu, uint32_t version,
                          SaveStream *f, bool save)
{
    static char *(*const ops[2][4])(KVMState *, SaveStream *) = {
        { pic_load, ioapic_load, NULL, pit_load },
        { pic_save, ioapic_save, NULL, pit_save },
    };
    int i = chip_index(name);
    if (chips[i].version != version) {
        return version_error(name, version);
    }
    if (ops[save][i]) {
        return ops[save][i](s, f);
    }
    if (cpu < 0 || cpu >= s->nvcpus) {
        return kvm_no_vcpu_error(cpu);
    }
    return save ? apic_save(&s->vcpus[cpu], f) : apic_load(&s->vcpus[cpu], f);
}

char *kvm_irqchip_save(KVMState *s, const char *name, int cpu, uint32_t version,
                       SaveStream *f)
{
    return chip_section(s, name, cpu, version, f, true);
}

char *kvm_irqchip_load(KVMState *s, const char *name, int cpu, uint32_t version,
                       SaveStream *f)
{
    return chip_section(s, name, cpu, version, f, false);
}
