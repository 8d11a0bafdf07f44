/*
 * The KVM vCPU's state beyond REGS/SREGS/MSRs (Linux Documentation/virt/kvm/
 * api.rst), both ways with CPUX86State, so that a stop/cont, a debugger and a
 * snapshot see and keep all of it:
 * - XSAVE (x87, SSE and the AVX upper halves, in the standard XSAVE layout of
 *   Intel SDM vol. 1, 13.4-13.5) and XCR0 (KVM_GET/SET_XSAVE, _XCRS);
 * - DR0-DR3, DR6, DR7 (KVM_GET/SET_DEBUGREGS);
 * - pending events: exception, injected interrupt, NMI, interrupt shadow
 *   (KVM_GET/SET_VCPU_EVENTS); env has the shadow (HF_INHIBIT_IRQ) and NMI
 *   blocking, the rest stays in KVMVcpu between a get and the next put;
 * - the TSC and kvmclock, frozen over a stop (kvm-vcpu.c calls freeze and
 *   thaw); kvmclock's MSRs go with the MSRs in kvm-cpu.c.
 * Each part is skipped when the host lacks its capability (KVM_GET/SET_FPU
 * then carries x87/SSE: kvm-cpu.c).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"

/* the legacy region (FXSAVE image, SDM vol. 1, 10.5.1) and the header */
#define XS_FCW      0
#define XS_FSW      2
#define XS_FTW      4
#define XS_MXCSR    24
#define XS_ST       32
#define XS_XMM      160
#define XS_BV       512     /* XSTATE_BV */
#define XFEATURE_X87 1u
#define XFEATURE_SSE 2u
#define XFEATURE_YMM 4u

/* Where the AVX upper halves sit: CPUID.(EAX=0DH,ECX=2).EBX, which KVM's
 * buffer follows (api.rst, "KVM_GET_XSAVE2"); 576 on every CPU so far. */
static size_t ymm_offset(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(0xd, 2, &a, &b, &c, &d) || !b) {
        return 576;
    }
    return b;
}

static struct kvm_xsave *xsave_alloc(KVMVcpu *v)
{
    if (!v->s->xsave_size) {
        int n = ioctl(v->s->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
        v->s->xsave_size = n > (int)sizeof(struct kvm_xsave) ? (size_t)n : sizeof(struct kvm_xsave);
    }
    return calloc(1, v->s->xsave_size);
}

static char *get_xsave(KVMVcpu *v, struct kvm_xsave *x)
{
    bool v2 = v->s->xsave_size > sizeof(struct kvm_xsave);
    if (ioctl(v->fd, v2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, x) < 0) {
        return kvm_ioctl_error(v2 ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE");
    }
    return NULL;
}

/* env -> the buffer as read from the vCPU (components we do not model, such
 * as PKRU or AVX-512, keep the vCPU's values) */
static void xsave_from_env(uint8_t *b, CPUX86State *env)
{
    struct kvm_fpu f;
    kvm_fpu_from_env(&f, env);
    memcpy(b + XS_FCW, &f.fcw, 2);
    memcpy(b + XS_FSW, &f.fsw, 2);
    b[XS_FTW] = f.ftwx;
    memcpy(b + XS_MXCSR, &f.mxcsr, 4);
    memcpy(b + XS_ST, f.fpr, sizeof(f.fpr));
    memcpy(b + XS_XMM, f.xmm, sizeof(f.xmm));
    uint64_t bv;
    memcpy(&bv, b + XS_BV, 8);
    bv |= XFEATURE_X87 | XFEATURE_SSE;
    if (env->xcr0 & XFEATURE_YMM) {
        memcpy(b + ymm_offset(), env->ymmh_regs, sizeof(env->ymmh_regs));
        bv |= XFEATURE_YMM;
    }
    memcpy(b + XS_BV, &bv, 8);
}

/* the buffer -> env; a component whose XSTATE_BV bit is clear is in its
 * initial configuration (SDM vol. 1, 13.6): zeros, FCW 037FH */
static void xsave_to_env(CPUX86State *env, const uint8_t *b)
{
    struct kvm_fpu f;
    uint64_t bv;
    memset(&f, 0, sizeof(f));
    memcpy(&bv, b + XS_BV, 8);
    f.fcw = 0x37f;
    if (bv & XFEATURE_X87) {
        memcpy(&f.fcw, b + XS_FCW, 2);
        memcpy(&f.fsw, b + XS_FSW, 2);
        f.ftwx = b[XS_FTW];
        memcpy(f.fpr, b + XS_ST, sizeof(f.fpr));
    }
    memcpy(&f.mxcsr, b + XS_MXCSR, 4);
    if (bv & XFEATURE_SSE) {
        memcpy(f.xmm, b + XS_XMM, sizeof(f.xmm));
    }
    kvm_fpu_to_env(env, &f);
    memset(env->ymmh_regs, 0, sizeof(env->ymmh_regs));
    if (bv & XFEATURE_YMM) {
        memcpy(env->ymmh_regs, b + ymm_offset(), sizeof(env->ymmh_regs));
    }
}

static char *put_xsave(KVMVcpu *v)
{
    struct kvm_xsave *x = xsave_alloc(v);
    char *e = get_xsave(v, x);
    if (!e) {
        xsave_from_env((uint8_t *)x->region, v->env);
        if (ioctl(v->fd, KVM_SET_XSAVE, x) < 0) {
            e = kvm_ioctl_error("KVM_SET_XSAVE");
        }
    }
    free(x);
    return e;
}

static char *read_xsave(KVMVcpu *v)
{
    struct kvm_xsave *x = xsave_alloc(v);
    char *e = get_xsave(v, x);
    if (!e) {
        xsave_to_env(v->env, (const uint8_t *)x->region);
    }
    free(x);
    return e;
}

/* XCR0 (SDM vol. 1, 13.3): bit 0 is always set */
static char *xcrs(KVMVcpu *v, bool put)
{
    struct kvm_xcrs x;
    memset(&x, 0, sizeof(x));
    if (put) {
        x.nr_xcrs = 1;
        x.xcrs[0].value = v->env->xcr0 | XFEATURE_X87;
        return ioctl(v->fd, KVM_SET_XCRS, &x) < 0 ? kvm_ioctl_error("KVM_SET_XCRS") : NULL;
    }
    if (ioctl(v->fd, KVM_GET_XCRS, &x) < 0) {
        return kvm_ioctl_error("KVM_GET_XCRS");
    }
    for (uint32_t i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++) {
        if (x.xcrs[i].xcr == 0) {
            v->env->xcr0 = x.xcrs[i].value;
        }
    }
    return NULL;
}

static char *debugregs(KVMVcpu *v, bool put)
{
    struct kvm_debugregs d;
    CPUX86State *env = v->env;
    memset(&d, 0, sizeof(d));
    if (put) {
        memcpy(d.db, env->dr, sizeof(d.db));
        d.dr6 = env->dr[6];
        d.dr7 = env->dr[7];
        return ioctl(v->fd, KVM_SET_DEBUGREGS, &d) < 0 ?
               kvm_ioctl_error("KVM_SET_DEBUGREGS") : NULL;
    }
    if (ioctl(v->fd, KVM_GET_DEBUGREGS, &d) < 0) {
        return kvm_ioctl_error("KVM_GET_DEBUGREGS");
    }
    memcpy(env->dr, d.db, sizeof(d.db));
    env->dr[4] = env->dr[6] = d.dr6;    /* DR4/DR5 alias DR6/DR7 (vol. 3B, 17.2.2) */
    env->dr[5] = env->dr[7] = d.dr7;
    return NULL;
}

/* Pending events: what the last get saw, with env's interrupt shadow and NMI
 * blocking (the parts a debugger or the translator may have changed). */
static char *events(KVMVcpu *v, bool put)
{
    CPUX86State *env = v->env;
    struct kvm_vcpu_events *ev = &v->events;
    if (!put) {
        if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, ev) < 0) {
            return kvm_ioctl_error("KVM_GET_VCPU_EVENTS");
        }
        env->hflags = (env->hflags & ~HF_INHIBIT_IRQ) |
                      (ev->interrupt.shadow ? HF_INHIBIT_IRQ : 0);
        env->nmi_blocked = ev->nmi.masked;
        return NULL;
    }
    if (!(env->hflags & HF_INHIBIT_IRQ)) {
        ev->interrupt.shadow = 0;
    } else if (!ev->interrupt.shadow) {
        ev->interrupt.shadow = KVM_X86_SHADOW_INT_STI;  /* which kind env does not say */
    }
    ev->nmi.masked = env->nmi_blocked;
    ev->flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
    return ioctl(v->fd, KVM_SET_VCPU_EVENTS, ev) < 0 ?
           kvm_ioctl_error("KVM_SET_VCPU_EVENTS") : NULL;
}

char *kvm_put_state(KVMVcpu *v)
{
    char *e = NULL;
    if (v->s->have_xsave && (e = put_xsave(v))) {
        return e;
    }
    if (v->s->have_xcrs && (e = xcrs(v, true))) {
        return e;
    }
    if (v->s->have_debugregs && (e = debugregs(v, true))) {
        return e;
    }
    if (v->s->have_events && (e = events(v, true))) {
        return e;
    }
    return kvm_mp_state(v, true);
}

char *kvm_get_state(KVMVcpu *v)
{
    char *e = NULL;
    if (v->s->have_xsave && (e = read_xsave(v))) {
        return e;
    }
    if (v->s->have_xcrs && (e = xcrs(v, false))) {
        return e;
    }
    if (v->s->have_debugregs && (e = debugregs(v, false))) {
        return e;
    }
    if (v->s->have_events && (e = events(v, false))) {
        return e;
    }
    return kvm_mp_state(v, false);
}

/* --- freezing the TSC over a stop. KVM's TSC offset attribute (api.rst,
 * "KVM_VCPU_TSC_OFFSET", Linux 5.16) sets guest TSC = host TSC + offset
 * exactly; without it, a host write of IA32_TSC (MSR 10H, SDM vol. 3B, 18.17),
 * which KVM takes for a vCPU synchronisation (keeping the old offset) when the
 * value is within a second of what it expected, so stops of about a second
 * or less may not freeze there. --- */

static int tsc_offset_attr(KVMVcpu *v, unsigned long op, uint64_t *offset)
{
    struct kvm_device_attr a = {
        .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
        .addr = (uint64_t)(uintptr_t)offset,
    };
    return ioctl(v->fd, op, &a);
}

static char *tsc_msr(KVMVcpu *v, uint64_t *value, bool put)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e;
    } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 1;
    b.e.index = 0x10;
    b.e.data = *value;
    errno = 0;
    if (ioctl(v->fd, put ? KVM_SET_MSRS : KVM_GET_MSRS, &b) != 1) {
        errno = errno ? errno : EINVAL;
        return kvm_ioctl_error(put ? "KVM_SET_MSRS (IA32_TSC)" : "KVM_GET_MSRS (IA32_TSC)");
    }
    *value = b.e.data;
    return NULL;
}

/* kvmclock over a stop (api.rst, "KVM_GET_CLOCK"/"KVM_SET_CLOCK"): the
 * clock read at the stop is set again at cont, so that it skips the stop. */
void kvm_clock_freeze(KVMState *s)
{
    struct kvm_clock_data c;
    memset(&c, 0, sizeof(c));
    s->clock_frozen = ioctl(s->vm_fd, KVM_GET_CLOCK, &c) == 0;
    s->clock_at_stop = c.clock;
}

char *kvm_clock_thaw(KVMState *s)
{
    struct kvm_clock_data c;
    memset(&c, 0, sizeof(c));
    c.clock = s->clock_at_stop;
    if (!s->clock_frozen) {
        return NULL;
    }
    s->clock_frozen = false;
    return ioctl(s->vm_fd, KVM_SET_CLOCK, &c) < 0 ? kvm_ioctl_error("KVM_SET_CLOCK") : NULL;
}

char *kvm_tsc_freeze(KVMVcpu *v)
{
    if (tsc_offset_attr(v, KVM_HAS_DEVICE_ATTR, NULL) == 0) {
        v->tsc_by_offset = true;
        v->tsc_host_at_stop = __builtin_ia32_rdtsc();
        return tsc_offset_attr(v, KVM_GET_DEVICE_ATTR, &v->tsc_frozen) < 0 ?
               kvm_ioctl_error("KVM_GET_DEVICE_ATTR (KVM_VCPU_TSC_OFFSET)") : NULL;
    }
    v->tsc_by_offset = false;
    return tsc_msr(v, &v->tsc_frozen, false);
}

static char *tsc_write(KVMVcpu *v)
{
    if (!v->tsc_by_offset) {
        uint64_t val = v->tsc_frozen;
        return tsc_msr(v, &val, true);
    }
    /* the host TSC moved on by the stop: the offset takes it back */
    uint64_t off = v->tsc_frozen - (__builtin_ia32_rdtsc() - v->tsc_host_at_stop);
    return tsc_offset_attr(v, KVM_SET_DEVICE_ATTR, &off) < 0 ?
           kvm_ioctl_error("KVM_SET_DEVICE_ATTR (KVM_VCPU_TSC_OFFSET)") : NULL;
}

/* Writes the frozen TSC back; then reads it to see that the host took it:
 * some nested hosts (kvm_pvm) accept both forms and go on with the host's
 * TSC, which is worth one warning (the guest's TSC ran on over the stop). */
char *kvm_tsc_thaw(KVMVcpu *v)
{
    uint64_t want = v->tsc_by_offset ? v->tsc_host_at_stop + v->tsc_frozen : v->tsc_frozen;
    char *e = tsc_write(v);
    uint64_t now = 0;
    if (e || (e = tsc_msr(v, &now, false))) {
        return e;
    }
    int khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
    uint64_t slack = (khz > 0 ? (uint64_t)khz : 1000000) * 50;     /* 50 ms */
    if (now - want > slack && !v->s->tsc_warned) {
        v->s->tsc_warned = true;
        fprintf(stderr, "quetzal-system-x86_64: warning: kvm: the host's KVM ignored the "
                "TSC write at cont (the guest's TSC ran on over the stop)\n");
    }
    return NULL;
}

/* --- what only KVM holds, in the CPU section's meanings (target-i386/
 * machine.h, X86CPUAccel); the machine is stopped (the TSC and kvmclock
 * frozen by park_vcpu) and env synced. --- */

static uint64_t tsc_at_stop(KVMVcpu *v)
{
    return v->tsc_by_offset ? v->tsc_host_at_stop + v->tsc_frozen : v->tsc_frozen;
}

static char *vcpu_accel_get(KVMVcpu *v, X86CPUAccel *a)
{
    const struct kvm_vcpu_events *ev = &v->events;
    memset(a, 0, sizeof(*a));
    a->valid = true;
    a->exc_injected = ev->exception.injected || ev->exception.pending;
    a->exc_nr = ev->exception.nr;
    a->exc_has_error = a->exc_injected && ev->exception.has_error_code;
    a->exc_error = ev->exception.error_code;
    a->intr_injected = ev->interrupt.injected;
    a->intr_nr = ev->interrupt.nr;
    a->intr_soft = ev->interrupt.soft;
    a->nmi_injected = ev->nmi.injected || ev->nmi.pending;  /* accepted, not delivered */
    if (v->env->exec) {
        /* the CPU section's halted byte: HLT waits in the kernel with its
         * irqchip, else kvm_cpu_exec keeps the vCPU parked */
        cpu_set_halted(v->env->exec, v->s->irqchip == KVM_IRQCHIP_KERNEL
                                     ? v->mp_state == KVM_MP_STATE_HALTED : v->halted);
    }
    memcpy(a->kvmclock_msr, v->pv_clock_msr, sizeof(a->kvmclock_msr));
    char *e = NULL;
    if (v->s->tsc_is_frozen) {
        a->tsc = tsc_at_stop(v);
    } else if ((e = tsc_msr(v, &a->tsc, false))) {
        return e;
    }
    if (v->s->clock_frozen) {
        a->kvmclock_ns = v->s->clock_at_stop;
    } else {
        struct kvm_clock_data c;
        memset(&c, 0, sizeof(c));
        if (ioctl(v->s->vm_fd, KVM_GET_CLOCK, &c) < 0) {
            return kvm_ioctl_error("KVM_GET_CLOCK");
        }
        a->kvmclock_ns = c.clock;
    }
    return NULL;
}

/* Applied when the vCPU next runs: the events and kvmclock's MSRs with the
 * registers (kvm_put_registers), the TSC and the clock at the thaw
 * (kvm_cpu_exec), as after a stop. A version-1 section (a->valid false)
 * leaves all of it as it was. */
static char *vcpu_accel_put(KVMVcpu *v, const X86CPUAccel *a)
{
    if (v->s->irqchip == KVM_IRQCHIP_KERNEL && v->env->exec) {
        v->mp_state = cpu_is_halted(v->env->exec) ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
    }
    if (!a->valid) {
        return NULL;
    }
    struct kvm_vcpu_events *ev = &v->events;
    memset(&ev->exception, 0, sizeof(ev->exception));
    ev->exception.injected = a->exc_injected;
    ev->exception.nr = a->exc_nr;
    ev->exception.has_error_code = a->exc_has_error;
    ev->exception.error_code = a->exc_error;
    ev->interrupt.injected = a->intr_injected;
    ev->interrupt.nr = a->intr_nr;
    ev->interrupt.soft = a->intr_soft;
    ev->nmi.injected = 0;
    ev->nmi.pending = a->nmi_injected;
    memcpy(v->pv_clock_msr, a->kvmclock_msr, sizeof(v->pv_clock_msr));
    v->s->clock_at_stop = a->kvmclock_ns;
    v->s->clock_frozen = true;
    v->tsc_by_offset = tsc_offset_attr(v, KVM_HAS_DEVICE_ATTR, NULL) == 0;
    if (v->tsc_by_offset) {
        v->tsc_host_at_stop = __builtin_ia32_rdtsc();
        v->tsc_frozen = a->tsc - v->tsc_host_at_stop;
    } else {
        v->tsc_frozen = a->tsc;
    }
    v->s->tsc_is_frozen = true;
    return NULL;
}

char *kvm_cpu_accel_get(KVMState *s, int index, X86CPUAccel *a)
{
    return index >= 0 && index < s->nvcpus ? vcpu_accel_get(&s->vcpus[index], a)
                                           : kvm_no_vcpu_error(index);
}

char *kvm_cpu_accel_put(KVMState *s, int index, const X86CPUAccel *a)
{
    return index >= 0 && index < s->nvcpus ? vcpu_accel_put(&s->vcpus[index], a)
                                           : kvm_no_vcpu_error(index);
}

bool kvm_cpu_waits_sipi(KVMState *s, int index)
{
    if (index < 0 || index >= s->nvcpus) {
        return false;
    }
    uint32_t mp = s->vcpus[index].mp_state;
    return mp == KVM_MP_STATE_UNINITIALIZED || mp == KVM_MP_STATE_INIT_RECEIVED;
}

void kvm_cpu_set_waits_sipi(KVMState *s, int index, bool wait)
{
    if (index < 0 || index >= s->nvcpus || s->irqchip != KVM_IRQCHIP_KERNEL) {
        return;
    }
    KVMVcpu *v = &s->vcpus[index];
    if (wait) {
        v->mp_state = KVM_MP_STATE_INIT_RECEIVED;
    } else if (v->mp_state != KVM_MP_STATE_HALTED) {
        v->mp_state = KVM_MP_STATE_RUNNABLE;
    }
}
