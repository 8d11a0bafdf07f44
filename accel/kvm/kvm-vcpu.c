/*
 * The KVM vCPUs, each on its own host thread (Linux Documentation/virt/kvm/
 * api.rst, "KVM_RUN"), and the big machine lock that keeps the device models
 * single-threaded, as QEMU's BQL does:
 *
 * - the machine thread (pc_run: main loop, timers, monitor, gdb stub) holds
 *   the lock except while it waits in kvm_cpu_exec or for the vCPUs to park;
 * - each vCPU thread runs KVM_RUN without it and takes it for every exit, so
 *   port I/O, MMIO, interrupt injection, IPIs and the APIC base are handled
 *   as if on the machine thread (one vCPU's exit at a time).
 *
 * The vCPUs keep running while the main loop runs its timers; the machine
 * parks them all (out of KVM_RUN, pending I/O completed) to read or write
 * their registers, for a stop (the monitor's stop, -S, a machine request,
 * savevm, migration's last pass); a vCPU parks on its own while it is halted
 * (userspace irqchip) or, as an AP, waits for its SIPI. A stop also freezes
 * the guests' TSCs and kvmclock (kvm-state.c) so that guest time, like the
 * machine clock, does not move while the machine is stopped.
 *
 * With our userspace APIC, an INIT or SIPI another CPU sends is applied by the
 * AP's own thread before it next runs (the machine's startup hook sets env as
 * Intel SDM vol. 3A, 8.4 and 10.6.1 say; the registers go to KVM from that
 * thread); with kernel_irqchip=on the kernel does INIT/SIPI itself and the APs
 * start in KVM_MP_STATE_UNINITIALIZED (api.rst, "KVM_SET_MP_STATE").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "accel/kvm/kvm-int.h"
#include "hw/apic.h"

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
    (void)sig;      /* only there to make KVM_RUN return EINTR */
}

static bool started(const KVMVcpu *v)
{
    return v->index < v->s->nstarted;
}

static bool on_thread(const KVMVcpu *v)
{
    return started(v) && pthread_equal(pthread_self(), v->thread);
}

/* the vCPU whose thread this is, or NULL */
static KVMVcpu *this_vcpu(KVMState *s)
{
    for (int i = 0; i < s->nstarted; i++) {
        if (on_thread(&s->vcpus[i])) {
            return &s->vcpus[i];
        }
    }
    return NULL;
}

/* Lock held: make v's KVM_RUN return soon. immediate_exit covers a vCPU
 * between its check and the ioctl (api.rst, "immediate_exit"). */
static void kick_vcpu(KVMVcpu *v)
{
    v->kicked = 1;
    v->run->immediate_exit = 1;
    if (started(v)) {
        pthread_kill(v->thread, SIG_KICK);
    }
}

/* Wakes the machine thread from kvm_cpu_exec; reeval: to look at the vCPUs
 * again (one halted, waits, failed or may wake) rather than to return. */
static void wake_machine(KVMState *s, bool reeval)
{
    if (reeval) {
        s->reeval = true;
    } else {        /* maybe from the kick thread, without the lock */
        __atomic_store_n(&s->leave, true, __ATOMIC_SEQ_CST);
    }
    sem_post(&s->msem);
}

static bool all_parked(KVMState *s)
{
    for (int i = 0; i < s->nstarted; i++) {
        if (!s->vcpus[i].parked) {
            return false;
        }
    }
    return true;
}

/* A stop: kvmclock, then each vCPU's TSC. */
static void freeze_time(KVMState *s)
{
    char *e = NULL;
    kvm_clock_freeze(s);
    for (int i = 0; i < s->nvcpus && !e; i++) {
        e = kvm_tsc_freeze(&s->vcpus[i]);
    }
    s->tsc_is_frozen = !e;
    free(e);
}

/* Machine thread, lock held: every vCPU out of KVM_RUN and waiting. From a
 * vCPU's thread (a request from its exit): the others are told to park, it
 * parks after its exit, and nobody waits. */
static void park_all(KVMState *s, bool stop)
{
    KVMVcpu *self = this_vcpu(s);
    for (int i = 0; i < s->nvcpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        v->run_allowed = false;
        if (v != self && started(v) && !v->parked) {
            kick_vcpu(v);
        }
    }
    if (self || !s->nstarted) {
        if (self) {
            self->park_self = true;
        }
        return;
    }
    while (!all_parked(s)) {
        pthread_cond_wait(&s->pcond, &s->bql);
    }
    if (stop && !s->tsc_is_frozen && !s->fatal) {
        freeze_time(s);
    }
}

/* --- exits --- */

static void handle_io(KVMVcpu *v)
{
    struct kvm_run *r = v->run;
    const X86BoardHooks *b = v->env->board;
    uint8_t *p = (uint8_t *)r + r->io.data_offset;
    for (uint32_t i = 0; i < r->io.count; i++, p += r->io.size) {
        if (r->io.direction == KVM_EXIT_IO_OUT) {
            uint32_t val = 0;
            memcpy(&val, p, r->io.size);
            b->io_write(v->env->board_opaque, r->io.port, val, r->io.size);
        } else {
            uint32_t val = b->io_read(v->env->board_opaque, r->io.port, r->io.size);
            memcpy(p, &val, r->io.size);
        }
    }
}

static void handle_mmio(KVMVcpu *v)
{
    struct kvm_run *r = v->run;
    if (r->mmio.is_write) {
        address_space_write(v->s->as, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
    } else {
        address_space_read(v->s->as, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
    }
}

/* The machine's APIC page and CPU-relative devices answer this vCPU. */
static void set_current(KVMVcpu *v)
{
    if (v->s->board.current) {
        v->s->board.current(v->s->board.opaque, v->index);
    }
}

/* Pending NMI and INTR from our userspace 8259/APIC: KVM_NMI, and KVM_INTERRUPT
 * when the guest can take one (api.rst, "KVM_INTERRUPT"); otherwise ask KVM to
 * exit as soon as it can (request_interrupt_window). */
static char *inject(KVMVcpu *v)
{
    struct kvm_run *r = v->run;
    CPUExec *cpu = v->env->exec;
    int req = cpu_interrupt_request(cpu);
    r->request_interrupt_window = 0;
    if (req & CPU_INTERRUPT_NMI) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_NMI);
        if (ioctl(v->fd, KVM_NMI) < 0) {
            return kvm_ioctl_error("KVM_NMI");
        }
    }
    if (!(req & CPU_INTERRUPT_HARD) || v->s->irqchip == KVM_IRQCHIP_KERNEL) {
        return NULL;
    }
    if (r->ready_for_interrupt_injection && r->if_flag) {
        int vec = v->env->board->get_interrupt(v->env->board_opaque);
        if (vec >= 0) {
            struct kvm_interrupt irq = { .irq = vec };
            if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0) {
                return kvm_ioctl_error("KVM_INTERRUPT");
            }
        }
        r->request_interrupt_window = !!(cpu_interrupt_request(cpu) & CPU_INTERRUPT_HARD);
    } else {
        r->request_interrupt_window = 1;
    }
    return NULL;
}

static void fatal(KVMVcpu *v, const char *what, unsigned long long detail)
{
    if (v->s->nvcpus > 1) {
        fprintf(stderr, "kvm: vCPU %d: %s (%llu); the guest stops. Registers:\n", v->index,
                what, detail);
    } else {
        fprintf(stderr, "kvm: %s (%llu); the guest stops. Registers:\n", what, detail);
    }
    char *e = kvm_get_registers(v);
    if (e) {
        fprintf(stderr, "%s\n", e);
        free(e);
    }
    x86_cpu_dump_state(v->env, stderr);
    v->fatal = v->s->fatal = true;
}

static void fatal_msg(KVMVcpu *v, char *m)
{
    fprintf(stderr, "%s\n", m ? m : "kvm: out of memory");
    free(m);
    v->fatal = v->s->fatal = true;
}

/* CR8 is the local APIC's TPR[7:4] (SDM vol. 3A, 11.8.6.5). Without an
 * in-kernel APIC, KVM takes CR8 from kvm_run at each entry and gives the
 * guest's back at each exit (api.rst, "cr8"); our APIC's TPR (offset 80H of
 * its page, where IA32_APIC_BASE maps it while enabled) follows both ways. */
static uint64_t apic_page(KVMVcpu *v)
{
    return (v->apic_base & (1u << 11)) ? v->apic_base & ~0xfffull : 0;
}

static void cr8_to_kvm(KVMVcpu *v)
{
    if (v->s->irqchip == KVM_IRQCHIP_KERNEL) {
        return;             /* the kernel's APIC has the TPR */
    }
    uint64_t page = apic_page(v);
    if (page) {
        uint32_t tpr = 0;
        address_space_read(v->s->as, page + 0x80, &tpr, 4);
        v->run->cr8 = (tpr >> 4) & 15;
    } else {
        v->run->cr8 = v->env->cr8;
    }
    v->cr8_entry = v->run->cr8;
}

static void cr8_from_kvm(KVMVcpu *v)
{
    uint64_t page = v->s->irqchip == KVM_IRQCHIP_KERNEL ? 0 : apic_page(v);
    v->env->cr8 = v->run->cr8;
    if (page && v->run->cr8 != v->cr8_entry) {      /* the guest moved to CR8 */
        uint32_t tpr = (uint32_t)(v->run->cr8 & 15) << 4;
        address_space_write(v->s->as, page + 0x80, &tpr, 4);
        v->cr8_entry = v->run->cr8;
    }
}

/* KVM has no A20 gate (its memory slots always decode bit 20): a guest that
 * turns A20 off (port 92H, the 8042) keeps seeing memory above 1 MiB, which
 * is worth one warning rather than silence. */
static void check_a20(KVMVcpu *v)
{
    if (!v->env->a20_mask_bit && !v->s->a20_warned) {
        v->s->a20_warned = true;
        fprintf(stderr, "quetzal-system-x86_64: warning: kvm: the guest disabled A20, "
                "which KVM does not model: addresses keep bit 20\n");
    }
}

/* The exit KVM_RUN just reported; lock held. Sets halted or fatal when the
 * vCPU must wait for the machine. */
static void handle_exit(KVMVcpu *v)
{
    struct kvm_run *r = v->run;
    /* Without an in-kernel irqchip the kernel still owns IA32_APIC_BASE (WRMSR
     * does not exit); kvm_run reports it after every exit (api.rst, "apic_base"),
     * and our APIC follows (enable/disable, the MMIO base). */
    if (r->apic_base != v->apic_base) {
        v->apic_base = r->apic_base;
        if (v->s->irqchip != KVM_IRQCHIP_KERNEL) {
            v->env->board->wrmsr(v->env->board_opaque, MSR_IA32_APIC_BASE, r->apic_base);
        }
    }
    switch (r->exit_reason) {
    case KVM_EXIT_IO:
        v->io_pending = true;
        handle_io(v);
        return;
    case KVM_EXIT_MMIO:
        v->io_pending = true;
        handle_mmio(v);
        return;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return;
    case KVM_EXIT_HLT:
        v->halted = true;
        return;
    case KVM_EXIT_SHUTDOWN:     /* triple fault: a reset, as TCG does */
        v->env->board->request_reset(v->env->board_opaque, "triple fault (KVM_EXIT_SHUTDOWN)");
        return;
    case KVM_EXIT_FAIL_ENTRY:
        fatal(v, "KVM_EXIT_FAIL_ENTRY, hardware reason",
              r->fail_entry.hardware_entry_failure_reason);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
        fatal(v, "KVM_EXIT_INTERNAL_ERROR, suberror", r->internal.suberror);
        return;
    default:
        fatal(v, "unhandled KVM exit reason", r->exit_reason);
    }
}

/* The state the machine changed goes in first; then one KVM_RUN and its exit.
 * Lock held on entry and return, not during KVM_RUN. */
static void run_once(KVMVcpu *v)
{
    char *e = NULL;
    if (v->s->map_dirty && (e = kvm_update_slots(v->s))) {
        fatal_msg(v, e);
        return;
    }
    if (v->regs_dirty) {
        if ((e = kvm_put_registers(v))) {
            fatal_msg(v, e);
            return;
        }
        v->regs_dirty = false;
    }
    if ((e = inject(v))) {
        fatal_msg(v, e);
        return;
    }
    set_current(v);
    cr8_to_kvm(v);
    v->in_run = true;
    pthread_mutex_unlock(&v->s->bql);
    int ret = ioctl(v->fd, KVM_RUN, 0);
    int err = errno;
    pthread_mutex_lock(&v->s->bql);
    v->in_run = false;
    v->io_pending = false;
    if (v->s->quit) {
        return;     /* the devices may be gone: leave the exit alone */
    }
    set_current(v);
    cr8_from_kvm(v);    /* KVM reports it after every return, EINTR too */
    if (ret < 0) {
        if (err != EINTR && err != EAGAIN) {
            errno = err;
            fatal_msg(v, kvm_ioctl_error("KVM_RUN"));
        }
        return;
    }
    handle_exit(v);
    check_a20(v);
}

/* --- parking --- */

/* Lock held: out of KVM_RUN with nothing half done (an I/O exit completes at
 * the next KVM_RUN, which immediate_exit makes return at once: api.rst), then
 * wait until the machine lets the vCPU run. */
static void park(KVMVcpu *v)
{
    KVMState *s = v->s;
    if (v->io_pending) {
        v->run->immediate_exit = 1;
        if (ioctl(v->fd, KVM_RUN, 0) < 0 && errno != EINTR) {
            fatal_msg(v, kvm_ioctl_error("KVM_RUN (completing I/O)"));
        }
        v->io_pending = false;
    }
    v->parked = true;
    pthread_cond_broadcast(&s->pcond);
    while (!v->run_allowed && !s->quit) {
        pthread_cond_wait(&s->vcond, &s->bql);
    }
    v->parked = false;
    v->kicked = 0;
    v->run->immediate_exit = 0;
}

/* The machine rewrote env: all of it goes in at the next entry, and what
 * only KVM holds for the old state (pending events, kvmclock) goes. */
static void env_rewritten(KVMVcpu *v)
{
    v->regs_dirty = true;
    v->halted = false;
    memset(&v->events, 0, sizeof(v->events));
    memset(v->pv_clock_msr, 0, sizeof(v->pv_clock_msr));
}

/* Userspace APIC: an INIT or SIPI this CPU received, applied to env by the
 * machine on this thread; false when it waits for a SIPI (parked meanwhile) */
static bool take_startup(KVMVcpu *v)
{
    KVMState *s = v->s;
    if (!s->board.startup || s->irqchip == KVM_IRQCHIP_KERNEL) {
        return true;
    }
    int st = s->board.startup(s->board.opaque, v->index);
    if (st & KVM_STARTUP_CHANGED) {
        env_rewritten(v);
    }
    v->waiting = (st & KVM_STARTUP_WAIT) != 0;
    return !v->waiting;
}

static void *vcpu_thread(void *opaque)
{
    KVMVcpu *v = opaque;
    KVMState *s = v->s;
    pthread_mutex_lock(&s->bql);
    while (!s->quit) {
        if (!v->run_allowed) {
            park(v);
            continue;
        }
        if (v->kicked) {        /* a kick meant for an earlier run */
            v->kicked = 0;
            v->run->immediate_exit = 0;
        }
        if (take_startup(v)) {
            run_once(v);
        }
        if (v->fatal || v->halted || v->waiting || v->park_self) {
            bool request = v->park_self;
            v->park_self = false;
            v->run_allowed = false;
            wake_machine(s, !request);
        }
    }
    v->parked = true;
    pthread_cond_broadcast(&s->pcond);
    pthread_mutex_unlock(&s->bql);
    return NULL;
}

/* Machine thread, at kvm_init: the lock is the machine thread's from now on. */
char *kvm_vcpu_start(KVMState *s)
{
    struct sigaction sa = { .sa_handler = kick_handler };   /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIG_KICK, &sa, NULL);
    pthread_mutex_init(&s->bql, NULL);
    pthread_cond_init(&s->vcond, NULL);
    pthread_cond_init(&s->pcond, NULL);
    sem_init(&s->msem, 0, 0);
    s->machine = pthread_self();
    pthread_mutex_lock(&s->bql);
    /* from here kvm_vcpu_stop_thread joins the nstarted threads, also those
     * created before a failing pthread_create */
    s->started = true;
    for (int i = 0; i < s->nvcpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        int err = pthread_create(&v->thread, NULL, vcpu_thread, v);
        if (err) {
            errno = err;
            return kvm_ioctl_error("pthread_create of a vCPU thread");
        }
        s->nstarted = i + 1;
    }
    return NULL;
}

void kvm_vcpu_stop_thread(KVMState *s)
{
    if (!s->started) {
        return;
    }
    s->quit = true;
    for (int i = 0; i < s->nstarted; i++) {
        kick_vcpu(&s->vcpus[i]);
    }
    pthread_cond_broadcast(&s->vcond);
    pthread_mutex_unlock(&s->bql);
    for (int i = 0; i < s->nstarted; i++) {
        pthread_join(s->vcpus[i].thread, NULL);
    }
    s->nstarted = 0;
    s->started = false;
    pthread_cond_destroy(&s->vcond);
    pthread_cond_destroy(&s->pcond);
    pthread_mutex_destroy(&s->bql);
    sem_destroy(&s->msem);
}

/* --- the machine thread's side --- */

/* A halted vCPU wakes for an NMI, or an INTR it can take (IF as of the HLT). */
static bool wakes_halted(KVMVcpu *v)
{
    int req = cpu_interrupt_request(v->env->exec);
    return (req & CPU_INTERRUPT_NMI) || ((req & CPU_INTERRUPT_HARD) && v->run->if_flag);
}

/* The TSCs, then kvmclock (KVM computes it from the TSC as it now is). */
static char *thaw_time(KVMState *s)
{
    char *e = NULL;
    for (int i = 0; i < s->nvcpus && !e; i++) {
        e = kvm_tsc_thaw(&s->vcpus[i]);
    }
    return e ? e : kvm_clock_thaw(s);
}

/* Lets v run unless it is halted or waits for its SIPI with nothing to wake
 * it; false if it stays parked. */
static bool release(KVMState *s, KVMVcpu *v)
{
    if (v->waiting || v->halted) {
        if (!v->wake && (v->waiting || !wakes_halted(v))) {
            return false;
        }
        v->waiting = v->halted = v->wake = false;
    }
    if (!v->run_allowed) {
        v->run_allowed = true;
        pthread_cond_broadcast(&s->vcond);
    } else if ((cpu_interrupt_request(v->env->exec) & (CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI)) &&
               !v->run->request_interrupt_window && s->irqchip != KVM_IRQCHIP_KERNEL) {
        kick_vcpu(v);           /* a device raised a line: inject it now */
    }
    return true;
}

int kvm_cpu_exec(KVMState *s)
{
    if (s->machine_kicked) {    /* a stop or request came first: no guest code */
        s->machine_kicked = false;
        return EXCP_INTERRUPT;
    }
    if (s->tsc_is_frozen) {     /* the machine goes on: so does guest time */
        s->tsc_is_frozen = false;
        char *e = thaw_time(s);
        if (e) {
            fprintf(stderr, "%s\n", e);
            free(e);
            return KVM_EXCP_FATAL;
        }
    }
    for (;;) {
        if (s->fatal) {
            return KVM_EXCP_FATAL;
        }
        bool any = false;
        for (int i = 0; i < s->nvcpus; i++) {
            any |= release(s, &s->vcpus[i]);
        }
        if (!any) {
            return EXCP_HLT;
        }
        s->reeval = false;
        pthread_mutex_unlock(&s->bql);
        while (sem_wait(&s->msem) < 0 && errno == EINTR) {
        }
        pthread_mutex_lock(&s->bql);
        if (s->fatal) {
            continue;
        }
        /* a request or the main loop's kick, even if a vCPU halted too */
        if (__atomic_exchange_n(&s->leave, false, __ATOMIC_SEQ_CST) || !s->reeval) {
            return EXCP_INTERRUPT;
        }
    }
}

/* From the main loop's kick thread (a timer is due, an fd is readable): the
 * machine thread leaves kvm_cpu_exec, the vCPUs run on. From the machine
 * thread itself (a stop, a request from a timer or the monitor): the vCPUs
 * park now. From a vCPU's own exit (a request from a device): it parks after
 * the exit, the others as soon as they can. */
void kvm_kick(KVMState *s)
{
    if (pthread_equal(pthread_self(), s->machine)) {
        s->machine_kicked = true;
        park_all(s, true);
    } else if (this_vcpu(s)) {
        park_all(s, false);
        wake_machine(s, false);
    } else {
        wake_machine(s, false);
    }
}

/* Lock held, any thread: vCPU index has an interrupt, or (startup) an INIT or
 * SIPI, to take. A vCPU in KVM_RUN leaves it (then injects or applies it);
 * one parked as halted or waiting is looked at again by the machine. */
void kvm_cpu_kick(KVMState *s, int index, bool startup)
{
    if (index < 0 || index >= s->nvcpus || s->irqchip == KVM_IRQCHIP_KERNEL) {
        return;
    }
    KVMVcpu *v = &s->vcpus[index];
    if (on_thread(v)) {
        return;                 /* its loop takes it before the next entry */
    }
    if (v->waiting || v->halted) {
        v->wake |= startup;
        if (!pthread_equal(pthread_self(), s->machine)) {
            wake_machine(s, true);
        }
    } else if (v->run_allowed) {
        kick_vcpu(v);
    }
}

/* The machine rewrote env (loader, debugger): all of it goes to the vCPUs
 * before they run again. */
void kvm_state_changed(KVMState *s)
{
    park_all(s, false);
    for (int i = 0; i < s->nvcpus; i++) {
        s->vcpus[i].regs_dirty = true;
        s->vcpus[i].halted = false;
        s->vcpus[i].waiting = false;    /* the startup hook decides again */
    }
}

/* A machine reset, before the machine rewrites env (x86_cpu_reset, the
 * loader): what only KVM holds goes back to its reset state too: no pending
 * events, kvmclock off, the APs waiting for their SIPI (the BSP runnable),
 * and with the kernel irqchip its local APICs. */
void kvm_reset(KVMState *s)
{
    kvm_state_changed(s);
    for (int i = 0; i < s->nvcpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        env_rewritten(v);
        v->waiting = v->wake = false;
        v->mp_state = i == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
        v->apic_base = 0;           /* the machine's APIC's, at the next put */
        v->lapic_reset = s->irqchip == KVM_IRQCHIP_KERNEL;
    }
}

/* As QEMU's cpu_synchronize_state: once read, env is the state and goes back
 * whole before the vCPU runs on, so a stop/cont round trip through env (and a
 * snapshot, a debugger write) keeps everything the vCPUs had. */
void kvm_sync_to_env(KVMState *s)
{
    park_all(s, false);
    for (int i = 0; i < s->nvcpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        if (v->regs_dirty || v->fatal) {
            continue;
        }
        char *e = kvm_get_registers(v);
        if (e) {
            fprintf(stderr, "%s\n", e);
            free(e);
            continue;
        }
        v->regs_dirty = true;
    }
}
