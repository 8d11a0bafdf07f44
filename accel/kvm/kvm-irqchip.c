/*
 * kernel_irqchip=on: KVM's own interrupt controllers and timer (Linux
 * Documentation/virt/kvm/api.rst, "KVM_CREATE_IRQCHIP", "KVM_SET_GSI_ROUTING",
 * "KVM_IRQ_LINE", "KVM_CREATE_PIT2"): two 8259s, an I/O APIC, the local APIC
 * and an 8254 in the kernel answer the guest's ports and MMIO, HLT waits in the
 * kernel, and the machine's device lines reach them through KVM_IRQ_LINE by
 * GSI. The routing is the PC's as our MADT describes it: ISA IRQ n on 8259
 * pin n (IRQ 2 is the cascade, so GSI 2 goes to no 8259 pin) and on I/O APIC
 * pin n, but IRQ 0 on I/O APIC pin 2 (the interrupt source override); GSIs
 * 16-23 on I/O APIC pins 16-23 only.
 * split (the local APIC in the kernel, the rest ours) is refused: our I/O
 * APIC would have to deliver through KVM_SIGNAL_MSI, which is hw/'s part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"

#define IOAPIC_PINS 24

bool kvm_parse_irqchip(const char *v, KVMIrqchipMode *mode)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *mode = KVM_IRQCHIP_KERNEL;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *mode = KVM_IRQCHIP_USER;
    } else if (!strcmp(v, "split")) {
        *mode = KVM_IRQCHIP_SPLIT;
    } else {
        return false;
    }
    return true;
}

bool kvm_irqchip_in_kernel(const KVMState *s)
{
    return s && s->irqchip == KVM_IRQCHIP_KERNEL;
}

/* From a device, on either thread, under the machine lock; a VM ioctl that
 * needs the vCPU neither parked nor kicked. */
void kvm_set_irq(KVMState *s, int gsi, int level)
{
    struct kvm_irq_level l = { .irq = gsi, .level = level };
    if (ioctl(s->vm_fd, KVM_IRQ_LINE, &l) < 0 && !s->irq_line_warned) {
        s->irq_line_warned = true;
        char *e = kvm_ioctl_error("KVM_IRQ_LINE");
        fprintf(stderr, "quetzal-system-x86_64: warning: %s (GSI %d)\n", e ? e : "kvm", gsi);
        free(e);
    }
}

static void route(struct kvm_irq_routing *r, uint32_t gsi, uint32_t chip, uint32_t pin)
{
    struct kvm_irq_routing_entry *e = &r->entries[r->nr++];
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

static char *set_routing(KVMState *s)
{
    struct kvm_irq_routing *r = calloc(1, sizeof(*r) + 48 * sizeof(r->entries[0]));
    for (uint32_t gsi = 0; gsi < IOAPIC_PINS; gsi++) {
        if (gsi < 16 && gsi != 2) {
            route(r, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, gsi & 7);
        }
        if (gsi != 2) {
            route(r, gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi);
        }
    }
    char *e = ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, r) < 0 ?
              kvm_ioctl_error("KVM_SET_GSI_ROUTING") : NULL;
    free(r);
    return e;
}

char *kvm_irqchip_create(KVMState *s)
{
    static const struct { int cap; const char *name; } need[] = {
        { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" }, { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
        { KVM_CAP_PIT2, "KVM_CAP_PIT2" },
    };
    char *m = NULL;
    if (s->irqchip == KVM_IRQCHIP_USER) {
        return NULL;
    }
    if (s->irqchip == KVM_IRQCHIP_SPLIT) {
        return strdup("kvm: kernel_irqchip=split is not supported (the machine's I/O APIC "
                      "does not deliver through KVM_SIGNAL_MSI); use on or off");
    }
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (ioctl(s->fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
            if (asprintf(&m, "kvm: kernel_irqchip=on: the host lacks %s", need[i].name) < 0) {
                m = NULL;
            }
            return m;
        }
    }
    if (ioctl(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        return kvm_ioctl_error("KVM_CREATE_IRQCHIP");
    }
    if ((m = set_routing(s))) {
        return m;
    }
    /* the speaker port 61H in the kernel too, so that the 8254's channel 2
     * gate and output (timing loops) are the kernel 8254's */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    if (ioctl(s->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        return kvm_ioctl_error("KVM_CREATE_PIT2");
    }
    return NULL;
}

/* The kernel's local APIC after a reset as the SDM has it (vol. 3A, 11.4.7.1:
 * every LVT entry masked, SVR FFH so software-disabled, TPR 0); KVM's own
 * reset leaves the BSP's LINT0 in ExtINT (api.rst: KVM_GET/SET_LAPIC take the
 * 1 KiB register page, each register at its MMIO offset). */
static char *reset_lapic(KVMVcpu *v)
{
    static const uint32_t lvt[] = { 0x320, 0x330, 0x340, 0x350, 0x360, 0x370 };
    struct kvm_lapic_state l;
    if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0) {
        return kvm_ioctl_error("KVM_GET_LAPIC");
    }
    uint32_t masked = 1u << 16, svr = 0xff, zero = 0;
    for (size_t i = 0; i < sizeof(lvt) / sizeof(lvt[0]); i++) {
        memcpy(l.regs + lvt[i], &masked, 4);
    }
    memcpy(l.regs + 0xf0, &svr, 4);
    memcpy(l.regs + 0x80, &zero, 4);
    if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0) {
        return kvm_ioctl_error("KVM_SET_LAPIC");
    }
    return NULL;
}

/* the vCPU's run state (api.rst, "KVM_GET_MP_STATE"): with the local APIC in
 * the kernel, HLT waits there, and a halted vCPU stays halted over a sync */
char *kvm_mp_state(KVMVcpu *v, bool put)
{
    if (v->s->irqchip != KVM_IRQCHIP_KERNEL) {
        return NULL;
    }
    if (put && v->lapic_reset) {
        char *e = reset_lapic(v);
        if (e) {
            return e;
        }
        v->lapic_reset = false;
    }
    struct kvm_mp_state mp = { .mp_state = v->mp_state };
    if (ioctl(v->fd, put ? KVM_SET_MP_STATE : KVM_GET_MP_STATE, &mp) < 0) {
        return kvm_ioctl_error(put ? "KVM_SET_MP_STATE" : "KVM_GET_MP_STATE");
    }
    v->mp_state = mp.mp_state;
    return NULL;
}
