/*
 * The KVM vCPU's state both ways with CPUX86State, the structure TCG uses
 * (KVM_GET/SET_REGS, SREGS, FPU, MSRs; Linux Documentation/virt/kvm/api.rst;
 * XSAVE, XCRs, debug registers, events and the TSC are in kvm-state.c),
 * and its CPUID: the -cpu model's leaves with the feature bits the host's KVM
 * cannot give (KVM_GET_SUPPORTED_CPUID) taken out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <asm/kvm_para.h>
#include "accel/kvm/kvm-int.h"
#include "hw/apic.h"

/* --- segments: SegmentCache.flags is the descriptor's high dword masked with
 * 0x00f0ff00 (Intel SDM vol. 3A, 3.4.5) --- */

static void seg_to_kvm(struct kvm_segment *k, const SegmentCache *c, bool pe)
{
    uint32_t f = c->flags;
    *k = (struct kvm_segment){
        .base = c->base, .limit = c->limit, .selector = c->selector,
        .type = (f >> 8) & 15, .s = (f >> 12) & 1, .dpl = (f >> 13) & 3,
        .present = (f >> 15) & 1, .avl = (f >> 20) & 1, .l = (f >> 21) & 1,
        .db = (f >> 22) & 1, .g = (f >> 23) & 1,
    };
    k->unusable = pe && !k->present;
}

static void seg_from_kvm(SegmentCache *c, const struct kvm_segment *k)
{
    c->base = k->base;
    c->limit = k->limit;
    c->selector = k->selector;
    c->flags = k->unusable ? 0 :
        (uint32_t)k->type << 8 | (uint32_t)k->s << 12 | (uint32_t)k->dpl << 13 |
        (uint32_t)k->present << 15 | (uint32_t)k->avl << 20 | (uint32_t)k->l << 21 |
        (uint32_t)k->db << 22 | (uint32_t)k->g << 23;
}

static void put_sregs(struct kvm_sregs *sr, CPUX86State *env)
{
    bool pe = env->cr[0] & CR0_PE;
    memset(sr, 0, sizeof(*sr));
    struct kvm_segment *segs[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs };
    for (int i = 0; i < 6; i++) {
        seg_to_kvm(segs[i], &env->segs[i], pe);
    }
    seg_to_kvm(&sr->tr, &env->tr, pe);
    seg_to_kvm(&sr->ldt, &env->ldt, pe);
    /* VM entry wants a busy TSS in TR even before the guest loads one (SDM
     * vol. 3C, 26.3.1.2) and a usable-or-not LDT */
    if (!sr->tr.type) {
        sr->tr.type = 11;
        sr->tr.present = 1;
        sr->tr.unusable = 0;
        sr->tr.limit = sr->tr.limit ? sr->tr.limit : 0xffff;
    }
    sr->ldt.unusable = !sr->ldt.present;
    sr->gdt.base = env->gdt.base;
    sr->gdt.limit = env->gdt.limit;
    sr->idt.base = env->idt.base;
    sr->idt.limit = env->idt.limit;
    sr->cr0 = env->cr[0];
    sr->cr2 = env->cr[2];
    sr->cr3 = env->cr[3];
    sr->cr4 = env->cr[4];
    sr->cr8 = env->cr8;
    sr->efer = env->efer;
    uint64_t apic_base = 0;
    if (env->board && env->board->rdmsr(env->board_opaque, MSR_IA32_APIC_BASE, &apic_base)) {
        sr->apic_base = apic_base;
    }
}

static void get_sregs(CPUX86State *env, const struct kvm_sregs *sr)
{
    const struct kvm_segment *segs[6] = { &sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs };
    for (int i = 0; i < 6; i++) {
        seg_from_kvm(&env->segs[i], segs[i]);
    }
    seg_from_kvm(&env->tr, &sr->tr);
    seg_from_kvm(&env->ldt, &sr->ldt);
    env->gdt.base = sr->gdt.base;
    env->gdt.limit = sr->gdt.limit;
    env->idt.base = sr->idt.base;
    env->idt.limit = sr->idt.limit;
    env->cr[0] = sr->cr0;
    env->cr[2] = sr->cr2;
    env->cr[3] = sr->cr3;
    env->cr[4] = sr->cr4;
    env->cr8 = sr->cr8;
    env->efer = sr->efer;
}

/* --- x87/SSE in the FXSAVE layout (SDM vol. 1, 10.5.1): ST(i) in stack order,
 * the abridged tag word one bit per physical register, 1 = valid --- */

void kvm_fpu_from_env(struct kvm_fpu *f, const CPUX86State *env)
{
    memset(f, 0, sizeof(*f));
    f->fcw = env->fpuc;
    f->fsw = (env->fpus & ~0x3800u) | (env->fpstt & 7) << 11;
    for (int i = 0; i < 8; i++) {
        f->ftwx |= (env->fptags[i] ? 0 : 1) << i;
        memcpy(f->fpr[i], &env->fpregs[(env->fpstt + i) & 7], 10);
    }
    memcpy(f->xmm, env->xmm_regs, sizeof(f->xmm));
    f->mxcsr = env->mxcsr;
}

void kvm_fpu_to_env(CPUX86State *env, const struct kvm_fpu *f)
{
    env->fpuc = f->fcw;
    env->fpstt = (f->fsw >> 11) & 7;
    env->fpus = f->fsw & ~0x3800u;
    for (int i = 0; i < 8; i++) {
        env->fptags[i] = !((f->ftwx >> i) & 1);
        long double v = 0;
        memcpy(&v, f->fpr[i], 10);
        env->fpregs[(env->fpstt + i) & 7] = v;
    }
    memcpy(env->xmm_regs, f->xmm, sizeof(f->xmm));
    env->mxcsr = f->mxcsr;
}

/* --- MSRs that live in CPUX86State (SDM vol. 4) --- */

#define NMSRS 9
static uint64_t *msr_field(CPUX86State *env, int i, uint32_t *index)
{
    static const uint32_t idx[NMSRS] = { 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
                                         0xc0000102, 0x174, 0x175, 0x176, 0x277 };
    uint64_t *f[NMSRS] = { &env->star, &env->lstar, &env->cstar, &env->fmask,
                           &env->kernel_gs_base, &env->sysenter_cs, &env->sysenter_esp,
                           &env->sysenter_eip, &env->pat };
    *index = idx[i];
    return f[i];
}

typedef struct {
    struct kvm_msrs h;
    struct kvm_msr_entry e[NMSRS];
} MSRBuf;

/* kvmclock's MSRs (cpuid.rst, msr.rst): KVM's own, kept in KVMState */
static const uint32_t pv_msrs[2] = { MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_SYSTEM_TIME };

static char *pv_clock_msrs(KVMVcpu *v, bool put)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[2];
    } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 2;
    for (int i = 0; i < 2; i++) {
        b.e[i].index = pv_msrs[i];
        b.e[i].data = v->pv_clock_msr[i];
    }
    int n = ioctl(v->fd, put ? KVM_SET_MSRS : KVM_GET_MSRS, &b);
    if (n < 0) {
        return kvm_ioctl_error(put ? "KVM_SET_MSRS (kvmclock)" : "KVM_GET_MSRS (kvmclock)");
    }
    for (int i = 0; i < n && !put; i++) {
        v->pv_clock_msr[i] = b.e[i].data;
    }
    return NULL;
}

static char *msrs(KVMVcpu *v, bool put)
{
    MSRBuf b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = NMSRS;
    for (int i = 0; i < NMSRS; i++) {
        b.e[i].data = *msr_field(v->env, i, &b.e[i].index);
    }
    int n = ioctl(v->fd, put ? KVM_SET_MSRS : KVM_GET_MSRS, &b);
    if (n < 0) {
        return kvm_ioctl_error(put ? "KVM_SET_MSRS" : "KVM_GET_MSRS");
    }
    for (int i = 0; i < n && !put; i++) {
        uint32_t idx;
        *msr_field(v->env, i, &idx) = b.e[i].data;
    }
    return pv_clock_msrs(v, put);
}

char *kvm_put_registers(KVMVcpu *v)
{
    CPUX86State *env = v->env;
    struct kvm_regs r = { .rip = env->rip, .rflags = x86_cpu_get_eflags(env) };
    __u64 *g[16] = { &r.rax, &r.rcx, &r.rdx, &r.rbx, &r.rsp, &r.rbp, &r.rsi, &r.rdi,
                        &r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15 };
    for (int i = 0; i < 16; i++) {
        *g[i] = env->regs[i];
    }
    struct kvm_sregs sr;
    struct kvm_fpu f;
    put_sregs(&sr, env);
    if (v->s->irqchip == KVM_IRQCHIP_KERNEL && v->apic_base) {
        sr.apic_base = v->apic_base;    /* the kernel's APIC has it, not ours */
    }
    v->apic_base = sr.apic_base;
    kvm_fpu_from_env(&f, env);
    if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0) {
        return kvm_ioctl_error("KVM_SET_SREGS");
    }
    if (ioctl(v->fd, KVM_SET_REGS, &r) < 0) {
        return kvm_ioctl_error("KVM_SET_REGS");
    }
    if (!v->s->have_xsave && ioctl(v->fd, KVM_SET_FPU, &f) < 0) {
        return kvm_ioctl_error("KVM_SET_FPU");
    }
    char *e = msrs(v, true);
    return e ? e : kvm_put_state(v);
}

char *kvm_get_registers(KVMVcpu *v)
{
    CPUX86State *env = v->env;
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct kvm_fpu f;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0) {
        return kvm_ioctl_error("KVM_GET_REGS");
    }
    if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0) {
        return kvm_ioctl_error("KVM_GET_SREGS");
    }
    if (!v->s->have_xsave && ioctl(v->fd, KVM_GET_FPU, &f) < 0) {
        return kvm_ioctl_error("KVM_GET_FPU");
    }
    const uint64_t g[16] = { r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi,
                             r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };
    memcpy(env->regs, g, sizeof(g));
    env->rip = r.rip;
    get_sregs(env, &sr);
    if (!v->s->have_xsave) {
        kvm_fpu_to_env(env, &f);
    }
    x86_cpu_set_eflags(env, r.rflags);
    x86_update_hflags(env);
    char *e = msrs(v, false);
    return e ? e : kvm_get_state(v);
}

/* --- CPUID --- */

/* The model's answer for (leaf, sub), as the translator's CPUID gives it. */
static void model_cpuid(CPUX86State *scratch, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    scratch->regs[R_EAX] = leaf;
    scratch->regs[R_ECX] = sub;
    helper_cpuid(scratch);
    out[0] = scratch->regs[R_EAX];
    out[1] = scratch->regs[R_EBX];
    out[2] = scratch->regs[R_ECX];
    out[3] = scratch->regs[R_EDX];
}

/* Feature leaves are ANDed (the guest sees what both the model and KVM
 * offer); leaves describing the host's caches, topology and XSAVE layout
 * (4, 0xb, 0xd, 0x1f) are KVM's; the rest (vendor, signature, brand, limits)
 * are the model's. x2APIC and TSC-deadline are cleared: their MSRs would stay
 * in the kernel, away from our userspace APIC. */
/* The KVM paravirtual leaves (Linux Documentation/virt/kvm/x86/cpuid.rst):
 * "KVMKVMKVM" at 40000000H as KVM gives it, and at 40000001H the features
 * that need nothing from an in-kernel APIC: kvmclock (both MSR sets, the
 * stable bit) and the no-op port 80H delay. */
static void kvm_pv_features(struct kvm_cpuid_entry2 *e)
{
    e->eax &= (1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_NOP_IO_DELAY) |
              (1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);
    e->ebx = e->ecx = e->edx = 0;
}

/* -cpu host: KVM's leaves as they are, but for what our userspace APIC
 * cannot back (x2APIC, TSC-deadline: see filter_entry), this vCPU's APIC ID
 * and the package's logical processor count, and the hypervisor bit. */
static void host_entry(struct kvm_cpuid_entry2 *e, const CPUX86State *env)
{
    if (e->function == 1) {
        uint32_t n = (uint32_t)(env->nr_cores ? env->nr_cores : 1) *
                     (env->nr_threads ? env->nr_threads : 1);
        e->ebx = (e->ebx & 0xffff) | (n & 0xff) << 16 | (uint32_t)env->apic_id << 24;
        e->ecx = (e->ecx & ~((1u << 21) | (1u << 24))) | 1u << 31;
    } else if (e->function == KVM_CPUID_FEATURES) {
        kvm_pv_features(e);
    }
}

static void filter_entry(struct kvm_cpuid_entry2 *e, CPUX86State *scratch)
{
    uint32_t m[4];
    uint32_t *k[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
    model_cpuid(scratch, e->function, e->index, m);
    switch (e->function) {
    case 4: case 0xb: case 0xd: case 0x1f:
    case KVM_CPUID_SIGNATURE:
        return;
    case KVM_CPUID_FEATURES:
        kvm_pv_features(e);
        return;
    case 1:
        e->eax = m[0];
        e->ebx = m[1];                      /* this vCPU's APIC ID, the package's count */
        e->ecx &= m[2] & ~((1u << 21) | (1u << 24));
        e->ecx |= 1u << 31;                 /* hypervisor present */
        e->edx = (e->edx & m[3] & ~(1u << 28)) | (m[3] & (1u << 28));  /* HTT: the model's */
        return;
    case 7: case 0x80000001:
        for (int i = 0; i < 4; i++) {
            *k[i] &= (e->function == 7 && i == 0) ? ~0u : m[i];
        }
        return;
    case 0: case 0x80000000:
        e->eax = e->eax < m[0] ? e->eax : m[0];
        if (e->function == 0) {
            e->ebx = m[1], e->ecx = m[2], e->edx = m[3];
        }
        return;
    default:
        for (int i = 0; i < 4; i++) {
            *k[i] = m[i];
        }
    }
}

static struct kvm_cpuid2 *supported_cpuid(int fd)
{
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        c->nent = n;
        if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        free(c);
        if (errno != E2BIG) {
            return NULL;
        }
    }
    return NULL;
}

char *kvm_setup_cpuid(KVMVcpu *v)
{
    struct kvm_cpuid2 *c = supported_cpuid(v->s->fd);
    if (!c) {
        return kvm_ioctl_error("KVM_GET_SUPPORTED_CPUID");
    }
    CPUX86State *scratch = malloc(sizeof(*scratch));
    memcpy(scratch, v->env, sizeof(*scratch));
    scratch->hflags |= HF_SYSTEM;
    for (unsigned i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (v->s->cpu_host) {
            host_entry(e, v->env);
        } else {
            filter_entry(e, scratch);
        }
        if (e->function == 0xb || e->function == 0x1f) {
            e->edx = v->env->apic_id;       /* the x2APIC ID (SDM vol. 2A, CPUID) */
        }
    }
    free(scratch);
    char *err = NULL;
    if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
        err = kvm_ioctl_error("KVM_SET_CPUID2");
    }
    free(c);
    return err;
}

