/*
 * The x86 CPU's state in a snapshot or migration stream (migration/): every
 * architectural register a system-mode guest can observe (Intel SDM vol. 3A
 * ch. 2-3, vol. 1 ch. 8 and 10 for x87/SSE), the MSRs the CPU keeps, and the
 * pending NMI / HLT state of the execution loop. The lazy flags are saved as
 * the full RFLAGS they stand for. The x87 registers go as their 80-bit
 * extended images (the first 10 bytes of the host long double, little-endian).
 * The APIC timer and the TSC are relative to the machine clock, which the
 * stream carries separately (migration/vmstate.c), so they need no rebasing.
 * Fields since version 2 (X86CPUAccel, machine.h) follow at the end: what
 * an accelerator keeps outside CPUX86State (KVM's pending events, kvmclock,
 * the TSC's value), each in the meaning both accelerators share. Version 3
 * adds the CPU's start-up state (X86CPUStartup) after them, version 4 the x87
 * last-instruction pointers (FIP, FDP, FCS, FDS, FOP; SDM vol. 1, 8.1.8-8.1.10),
 * which older streams leave at zero as older builds kept them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/cputlb.h"
#include "accel/tcg/exec.h"
#include "hw/device.h"
#include "target-i386/cpu.h"
#include "target-i386/machine.h"

static void save_seg(SaveStream *s, const SegmentCache *c)
{
    save_u32(s, c->selector);
    save_u64(s, c->base);
    save_u32(s, c->limit);
    save_u32(s, c->flags);
}

static void load_seg(SaveStream *s, SegmentCache *c)
{
    c->selector = load_u32(s);
    c->base = load_u64(s);
    c->limit = load_u32(s);
    c->flags = load_u32(s);
}

static void save_u64s(SaveStream *s, const uint64_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        save_u64(s, v[i]);
    }
}

static void load_u64s(SaveStream *s, uint64_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        v[i] = load_u64(s);
    }
}

/* x87 and SSE/AVX: registers, control and status words, tags */
static void save_fpu(CPUX86State *env, SaveStream *s)
{
    for (int i = 0; i < 8; i++) {
        uint8_t img[10];
        memcpy(img, &env->fpregs[i], 10);
        save_bytes(s, img, 10);
        save_u8(s, env->fptags[i]);
    }
    save_u16(s, env->fpuc);
    save_u16(s, env->fpus);
    save_u32(s, env->fpstt);
    save_u32(s, env->mxcsr);
    for (int i = 0; i < 16; i++) {
        save_u64s(s, env->xmm_regs[i].q, 2);
        save_u64s(s, env->ymmh_regs[i].q, 2);
    }
}

static void load_fpu(CPUX86State *env, SaveStream *s)
{
    for (int i = 0; i < 8; i++) {
        uint8_t img[10];
        load_bytes(s, img, 10);
        memset(&env->fpregs[i], 0, sizeof(env->fpregs[i]));
        memcpy(&env->fpregs[i], img, 10);
        env->fptags[i] = load_u8(s);
    }
    env->fpuc = load_u16(s);
    env->fpus = load_u16(s);
    env->fpstt = load_u32(s) & 7;
    env->mxcsr = load_u32(s);
    for (int i = 0; i < 16; i++) {
        load_u64s(s, env->xmm_regs[i].q, 2);
        load_u64s(s, env->ymmh_regs[i].q, 2);
    }
}

/* the MSRs the CPU itself keeps (the APIC's are the APIC's section) */
static void save_msrs(CPUX86State *env, SaveStream *s)
{
    save_u64(s, env->efer);
    save_u64(s, env->star); save_u64(s, env->lstar); save_u64(s, env->cstar);
    save_u64(s, env->fmask); save_u64(s, env->kernel_gs_base);
    save_u64(s, env->sysenter_cs); save_u64(s, env->sysenter_esp); save_u64(s, env->sysenter_eip);
    save_u64(s, env->pat); save_u64(s, env->tsc_offset); save_u64(s, env->tsc_aux);
    save_u64(s, env->misc_enable); save_u64(s, env->spec_ctrl);
    save_u64(s, env->mtrr_cap_def_type);
    save_u64s(s, env->mtrr_fixed, 11);
    save_u64s(s, env->amd_perf, 8);
    save_u64(s, env->amd_hwcr);
    save_u64s(s, env->mtrr_var, 16);
    save_u64(s, env->xcr0);
}

static void load_msrs(CPUX86State *env, SaveStream *s)
{
    env->efer = load_u64(s);
    env->star = load_u64(s); env->lstar = load_u64(s); env->cstar = load_u64(s);
    env->fmask = load_u64(s); env->kernel_gs_base = load_u64(s);
    env->sysenter_cs = load_u64(s); env->sysenter_esp = load_u64(s);
    env->sysenter_eip = load_u64(s);
    env->pat = load_u64(s); env->tsc_offset = load_u64(s); env->tsc_aux = load_u64(s);
    env->misc_enable = load_u64(s); env->spec_ctrl = load_u64(s);
    env->mtrr_cap_def_type = load_u64(s);
    load_u64s(s, env->mtrr_fixed, 11);
    load_u64s(s, env->amd_perf, 8);
    env->amd_hwcr = load_u64(s);
    load_u64s(s, env->mtrr_var, 16);
    env->xcr0 = load_u64(s);
}

/* --- version 2: the accelerator's part --- */

static void save_accel(SaveStream *s, const X86CPUAccel *a)
{
    save_u8(s, a->exc_injected | a->exc_has_error << 1 | a->intr_injected << 2 |
               a->intr_soft << 3 | a->nmi_injected << 4);
    save_u8(s, a->exc_nr);
    save_u32(s, a->exc_error);
    save_u8(s, a->intr_nr);
    save_u64(s, a->tsc);
    save_u64s(s, a->kvmclock_msr, 2);
    save_u64(s, a->kvmclock_ns);
}

static void load_accel(SaveStream *s, X86CPUAccel *a)
{
    uint8_t f = load_u8(s);
    if (f & ~0x1fu) {
        s->error = true;
    }
    a->exc_injected = f & 1;
    a->exc_has_error = f & 2;
    a->intr_injected = f & 4;
    a->intr_soft = f & 8;
    a->nmi_injected = f & 16;
    a->exc_nr = load_u8(s);
    a->exc_error = load_u32(s);
    a->intr_nr = load_u8(s);
    a->tsc = load_u64(s);
    load_u64s(s, a->kvmclock_msr, 2);
    a->kvmclock_ns = load_u64(s);
    if ((a->exc_injected && a->exc_nr >= 32) || (a->exc_injected && a->intr_injected)) {
        s->error = true;            /* exceptions are vectors 0-31 (SDM vol. 3A, 6.3) */
    }
    a->valid = true;
}

/* TCG's TSC: the machine clock at X86_TSC_HZ plus tsc_offset (misc_helper.c) */
static uint64_t tsc_base(CPUX86State *env)
{
    int64_t ns = env->board && env->board->clock_ns ? env->board->clock_ns(env->board_opaque) : 0;
    return (uint64_t)((unsigned __int128)(uint64_t)ns * X86_TSC_HZ / 1000000000u);
}

void x86_cpu_accel_get(CPUX86State *env, X86CPUAccel *a)
{
    memset(a, 0, sizeof(*a));
    a->valid = true;
    a->tsc = tsc_base(env) + env->tsc_offset;
    a->kvmclock_ns = env->board && env->board->clock_ns ? env->board->clock_ns(env->board_opaque) : 0;
    int excp = env->exec ? env->exec->exception_index : -1;
    if (excp >= 0 && excp < 0x100) {    /* raised, not delivered yet */
        bool soft = env->exception_is_int;
        a->intr_injected = soft || excp >= 32;
        a->intr_soft = soft;
        a->intr_nr = a->exc_nr = excp;
        a->exc_injected = !a->intr_injected;
        a->exc_error = env->error_code;
        a->exc_has_error = a->exc_injected && (env->cr[0] & CR0_PE) &&
                           ((1u << excp) & 0x27d00u);     /* 8, 10-14, 17 */
    }
}

/* Under TCG: the TSC goes on from the stream's value (the 'K' clock is
 * loaded by then); an event being delivered is delivered when the CPU next
 * runs (the execution loop takes a pending exception_index first); a soft
 * interrupt KVM had queued is left to the INT n at RIP, which runs again.
 * kvmclock is KVM's: a guest that enabled it is told once that it stops. */
void x86_cpu_accel_put(CPUX86State *env, const X86CPUAccel *a)
{
    if (!a->valid) {
        return;
    }
    env->tsc_offset = a->tsc - tsc_base(env);
    if (env->exec && (a->exc_injected || (a->intr_injected && !a->intr_soft))) {
        env->exec->exception_index = a->exc_injected ? a->exc_nr : a->intr_nr;
        env->exception_is_int = 0;
        env->error_code = a->exc_has_error ? (int)a->exc_error : 0;
        cpu_set_halted(env->exec, false);
    }
    if (env->exec && a->nmi_injected) {
        env->nmi_blocked = false;
        cpu_interrupt(env->exec, CPU_INTERRUPT_NMI);
    }
    if ((a->kvmclock_msr[0] | a->kvmclock_msr[1]) & 1) {
        fprintf(stderr, "quetzal-system-x86_64: warning: the guest's kvmclock (enabled under "
                "KVM) does not run under TCG\n");
    }
}

/* --- version 4: the x87 last-instruction pointers --- */

static void save_fpptr(SaveStream *s, const CPUX86State *env)
{
    save_u64(s, env->fpip);
    save_u64(s, env->fpdp);
    save_u16(s, env->fpcs);
    save_u16(s, env->fpds);
    save_u16(s, env->fpop);
}

static void load_fpptr(SaveStream *s, CPUX86State *env)
{
    env->fpip = load_u64(s);
    env->fpdp = load_u64(s);
    env->fpcs = load_u16(s);
    env->fpds = load_u16(s);
    env->fpop = load_u16(s);
    if (env->fpop & ~0x7ffu) {      /* FOP is 11 bits */
        s->error = true;
    }
}

/* --- version 3: the start-up state --- */

static void save_startup(SaveStream *s, const X86CPUStartup *st)
{
    save_u8(s, st->wait_sipi | st->init_pending << 1 | (st->sipi_vector >= 0) << 2);
    save_u8(s, st->sipi_vector >= 0 ? st->sipi_vector : 0);
}

static void load_startup(SaveStream *s, X86CPUStartup *st)
{
    uint8_t f = load_u8(s);
    uint8_t vector = load_u8(s);
    if (f & ~7u) {
        s->error = true;
    }
    st->wait_sipi = f & 1;
    st->init_pending = f & 2;
    st->sipi_vector = (f & 4) ? vector : -1;
}

void x86_cpu_save(CPUX86State *env, const X86CPUAccel *a, const X86CPUStartup *st,
                  SaveStream *s)
{
    save_u64s(s, env->regs, 16);
    save_u64(s, env->rip);
    save_u64(s, x86_cpu_get_eflags(env));
    save_u32(s, env->hflags);
    for (int i = 0; i < 6; i++) {
        save_seg(s, &env->segs[i]);
    }
    save_seg(s, &env->gdt); save_seg(s, &env->ldt);
    save_seg(s, &env->idt); save_seg(s, &env->tr);
    save_u64s(s, env->cr, 5);
    save_u64(s, env->cr8);
    save_u64s(s, env->dr, 8);
    save_fpu(env, s);
    save_msrs(env, s);
    save_u8(s, env->a20_mask_bit);
    save_u8(s, env->nmi_blocked);
    int req = env->exec ? cpu_interrupt_request(env->exec) : 0;
    save_u8(s, (req & CPU_INTERRUPT_NMI) ? 1 : 0);     /* INTR is the APIC's/PIC's */
    save_u8(s, env->exec && cpu_is_halted(env->exec));
    save_accel(s, a);               /* version 2 */
    save_startup(s, st);            /* version 3 */
    save_fpptr(s, env);             /* version 4 */
}

void x86_cpu_load(CPUX86State *env, X86CPUAccel *acc, X86CPUStartup *startup, uint32_t ver,
                  SaveStream *s)
{
    /* a bad stream leaves env as it was; on the heap: env holds the TLB */
    CPUX86State *t = malloc(sizeof(*t));
    if (!t) {
        s->error = true;
        return;
    }
    *t = *env;
#define tmp (*t)
    load_u64s(s, tmp.regs, 16);
    tmp.rip = load_u64(s);
    uint64_t eflags = load_u64(s);
    uint32_t hflags = load_u32(s);
    for (int i = 0; i < 6; i++) {
        load_seg(s, &tmp.segs[i]);
    }
    load_seg(s, &tmp.gdt); load_seg(s, &tmp.ldt);
    load_seg(s, &tmp.idt); load_seg(s, &tmp.tr);
    load_u64s(s, tmp.cr, 5);
    tmp.cr8 = load_u64(s);
    load_u64s(s, tmp.dr, 8);
    load_fpu(&tmp, s);
    load_msrs(&tmp, s);
    uint8_t a20 = load_u8(s);
    tmp.nmi_blocked = load_u8(s);
    uint8_t nmi = load_u8(s);
    uint8_t halted = load_u8(s);
    X86CPUAccel a = { .valid = false };
    if (ver >= 2) {
        load_accel(s, &a);
    }
    X86CPUStartup st = { .sipi_vector = -1 };
    if (ver >= 3) {
        load_startup(s, &st);
    }
    tmp.fpip = tmp.fpdp = 0;
    tmp.fpcs = tmp.fpds = tmp.fpop = 0;
    if (ver >= 4) {
        load_fpptr(s, &tmp);
    }
    if (s->error) {
        free(t);
        return;
    }
    *env = tmp;
    free(t);
#undef tmp
    x86_cpu_set_eflags(env, eflags);
    env->hflags = hflags;       /* as saved: includes the interrupt shadow */
    env->a20_mask_bit = !a20;   /* forces the update (and TLB flush) */
    x86_cpu_set_a20(env, a20);
    env->old_exception = -1;
    env->triple_fault = false;
    if (env->exec) {
        tlb_flush(env->exec);
        tb_flush(env->exec);
        cpu_reset_interrupt(env->exec, CPU_INTERRUPT_NMI);
        if (nmi) {
            cpu_interrupt(env->exec, CPU_INTERRUPT_NMI);
        }
        cpu_set_halted(env->exec, halted);
    }
    *acc = a;
    *startup = st;
}
