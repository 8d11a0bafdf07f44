/*
 * The KVM vCPU on its own host thread (Linux Documentation/virt/kvm/api.rst,
 * "KVM_RUN"), and the big machine lock that keeps the device models
 * single-threaded, as QEMU's BQL does:
 *
 * - the machine thread (pc_run: main loop, timers, monitor, gdb stub) holds
 *   the lock except while it waits in kvm_cpu_exec or for the vCPU to park;
 * - the vCPU thread runs KVM_RUN without it and takes it for every exit, so
 *   port I/O, MMIO, interrupt injection and the APIC base are handled as if on
 *   the machine thread.
 *
 * The vCPU keeps running while the main loop runs its timers; the machine
 * parks it (out of KVM_RUN, pending I/O completed) to read or write its
 * registers, for a stop (the monitor's stop, -S, a machine request), and
 * while it is halted. A stop also freezes the guest's TSC (kvm-state.c) so
 * that guest time, like the machine clock,
 * does not move while the machine is stopped.
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

static bool on_vcpu(KVMState *s)
{
    return s->started && pthread_equal(pthread_self(), s->vcpu);
}

/* Machine thread, lock held: make KVM_RUN return soon. immediate_exit covers
 * a vCPU between its check and the ioctl (api.rst, "immediate_exit"). */
static void kick_vcpu(KVMState *s)
{
    s->kicked = 1;
    s->run->immediate_exit = 1;
    if (s->started) {
        pthread_kill(s->vcpu, SIG_KICK);
    }
}

/* Machine thread, lock held: the vCPU out of KVM_RUN and waiting. */
static void park_vcpu(KVMState *s, bool stop)
{
    s->run_allowed = false;
    if (!s->started || on_vcpu(s)) {
        return;
    }
    kick_vcpu(s);
    while (!s->parked) {
        pthread_cond_wait(&s->pcond, &s->bql);
    }
    if (stop && !s->tsc_is_frozen && !s->fatal) {
        char *e = kvm_tsc_freeze(s);
        s->tsc_is_frozen = !e;
        free(e);
    }
}

/* --- exits --- */

static void handle_io(KVMState *s)
{
    struct kvm_run *r = s->run;
    const X86BoardHooks *b = s->env->board;
    uint8_t *p = (uint8_t *)r + r->io.data_offset;
    for (uint32_t i = 0; i < r->io.count; i++, p += r->io.size) {
        if (r->io.direction == KVM_EXIT_IO_OUT) {
            uint32_t v = 0;
            memcpy(&v, p, r->io.size);
            b->io_write(s->env->board_opaque, r->io.port, v, r->io.size);
        } else {
            uint32_t v = b->io_read(s->env->board_opaque, r->io.port, r->io.size);
            memcpy(p, &v, r->io.size);
        }
    }
}

static void handle_mmio(KVMState *s)
{
    struct kvm_run *r = s->run;
    if (r->mmio.is_write) {
        address_space_write(s->as, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
    } else {
        address_space_read(s->as, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
    }
}

/* Pending NMI and INTR from our userspace 8259/APIC: KVM_NMI, and KVM_INTERRUPT
 * when the guest can take one (api.rst, "KVM_INTERRUPT"); otherwise ask KVM to
 * exit as soon as it can (request_interrupt_window). */
static char *inject(KVMState *s)
{
    struct kvm_run *r = s->run;
    CPUExec *cpu = s->env->exec;
    int req = cpu_interrupt_request(cpu);
    r->request_interrupt_window = 0;
    if (req & CPU_INTERRUPT_NMI) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_NMI);
        if (ioctl(s->vcpu_fd, KVM_NMI) < 0) {
            return kvm_ioctl_error("KVM_NMI");
        }
    }
    if (!(req & CPU_INTERRUPT_HARD) || s->irqchip == KVM_IRQCHIP_KERNEL) {
        return NULL;
    }
    if (r->ready_for_interrupt_injection && r->if_flag) {
        int vec = s->env->board->get_interrupt(s->env->board_opaque);
        if (vec >= 0) {
            struct kvm_interrupt irq = { .irq = vec };
            if (ioctl(s->vcpu_fd, KVM_INTERRUPT, &irq) < 0) {
                return kvm_ioctl_error("KVM_INTERRUPT");
            }
        }
        r->request_interrupt_window = !!(cpu_interrupt_request(cpu) & CPU_INTERRUPT_HARD);
    } else {
        r->request_interrupt_window = 1;
    }
    return NULL;
}

static void fatal(KVMState *s, const char *what, unsigned long long detail)
{
    fprintf(stderr, "kvm: %s (%llu); the guest stops. Registers:\n", what, detail);
    char *e = kvm_get_registers(s);
    if (e) {
        fprintf(stderr, "%s\n", e);
        free(e);
    }
    x86_cpu_dump_state(s->env, stderr);
    s->fatal = true;
}

static void fatal_msg(KVMState *s, char *m)
{
    fprintf(stderr, "%s\n", m ? m : "kvm: out of memory");
    free(m);
    s->fatal = true;
}

/* CR8 is the local APIC's TPR[7:4] (SDM vol. 3A, 11.8.6.5). Without an
 * in-kernel APIC, KVM takes CR8 from kvm_run at each entry and gives the
 * guest's back at each exit (api.rst, "cr8"); our APIC's TPR (offset 80H of
 * its page, where IA32_APIC_BASE maps it while enabled) follows both ways. */
static uint64_t apic_page(KVMState *s)
{
    return (s->apic_base & (1u << 11)) ? s->apic_base & ~0xfffull : 0;
}

static void cr8_to_kvm(KVMState *s)
{
    if (s->irqchip == KVM_IRQCHIP_KERNEL) {
        return;             /* the kernel's APIC has the TPR */
    }
    uint64_t page = apic_page(s);
    if (page) {
        uint32_t tpr = 0;
        address_space_read(s->as, page + 0x80, &tpr, 4);
        s->run->cr8 = (tpr >> 4) & 15;
    } else {
        s->run->cr8 = s->env->cr8;
    }
    s->cr8_entry = s->run->cr8;
}

static void cr8_from_kvm(KVMState *s)
{
    uint64_t page = s->irqchip == KVM_IRQCHIP_KERNEL ? 0 : apic_page(s);
    s->env->cr8 = s->run->cr8;
    if (page && s->run->cr8 != s->cr8_entry) {      /* the guest moved to CR8 */
        uint32_t tpr = (uint32_t)(s->run->cr8 & 15) << 4;
        address_space_write(s->as, page + 0x80, &tpr, 4);
        s->cr8_entry = s->run->cr8;
    }
}

/* KVM has no A20 gate (its memory slots always decode bit 20): a guest that
 * turns A20 off (port 92H, the 8042) keeps seeing memory above 1 MiB, which
 * is worth one warning rather than silence. */
static void check_a20(KVMState *s)
{
    if (!s->env->a20_mask_bit && !s->a20_warned) {
        s->a20_warned = true;
        fprintf(stderr, "quetzal-system-x86_64: warning: kvm: the guest disabled A20, "
                "which KVM does not model: addresses keep bit 20\n");
    }
}

/* The exit KVM_RUN just reported; lock held. Sets halted or fatal when the
 * vCPU must wait for the machine. */
static void handle_exit(KVMState *s)
{
    struct kvm_run *r = s->run;
    /* Without an in-kernel irqchip the kernel still owns IA32_APIC_BASE (WRMSR
     * does not exit); kvm_run reports it after every exit (api.rst, "apic_base"),
     * and our APIC follows (enable/disable, the MMIO base). */
    if (r->apic_base != s->apic_base) {
        s->apic_base = r->apic_base;
        if (s->irqchip != KVM_IRQCHIP_KERNEL) {
            s->env->board->wrmsr(s->env->board_opaque, MSR_IA32_APIC_BASE, r->apic_base);
        }
    }
    switch (r->exit_reason) {
    case KVM_EXIT_IO:
        s->io_pending = true;
        handle_io(s);
        return;
    case KVM_EXIT_MMIO:
        s->io_pending = true;
        handle_mmio(s);
        return;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return;
    case KVM_EXIT_HLT:
        s->halted = true;
        return;
    case KVM_EXIT_SHUTDOWN:     /* triple fault: a reset, as TCG does */
        s->env->board->request_reset(s->env->board_opaque, "triple fault (KVM_EXIT_SHUTDOWN)");
        return;
    case KVM_EXIT_FAIL_ENTRY:
        fatal(s, "KVM_EXIT_FAIL_ENTRY, hardware reason",
              r->fail_entry.hardware_entry_failure_reason);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
        fatal(s, "KVM_EXIT_INTERNAL_ERROR, suberror", r->internal.suberror);
        return;
    default:
        fatal(s, "unhandled KVM exit reason", r->exit_reason);
    }
}

/* The state the machine changed goes in first; then one KVM_RUN and its exit.
 * Lock held on entry and return, not during KVM_RUN. */
static void run_once(KVMState *s)
{
    char *e = NULL;
    if (s->map_dirty && (e = kvm_update_slots(s))) {
        fatal_msg(s, e);
        return;
    }
    if (s->regs_dirty) {
        if ((e = kvm_put_registers(s))) {
            fatal_msg(s, e);
            return;
        }
        s->regs_dirty = false;
    }
    if ((e = inject(s))) {
        fatal_msg(s, e);
        return;
    }
    cr8_to_kvm(s);
    s->in_run = true;
    pthread_mutex_unlock(&s->bql);
    int ret = ioctl(s->vcpu_fd, KVM_RUN, 0);
    int err = errno;
    pthread_mutex_lock(&s->bql);
    s->in_run = false;
    s->io_pending = false;
    if (s->quit) {
        return;     /* the devices may be gone: leave the exit alone */
    }
    cr8_from_kvm(s);    /* KVM reports it after every return, EINTR too */
    if (ret < 0) {
        if (err != EINTR && err != EAGAIN) {
            errno = err;
            fatal_msg(s, kvm_ioctl_error("KVM_RUN"));
        }
        return;
    }
    handle_exit(s);
    check_a20(s);
}

/* --- parking --- */

/* Lock held: out of KVM_RUN with nothing half done (an I/O exit completes at
 * the next KVM_RUN, which immediate_exit makes return at once: api.rst), the
 * then wait until the machine lets the vCPU run. */
static void park(KVMState *s)
{
    char *e = NULL;
    if (s->io_pending) {
        s->run->immediate_exit = 1;
        if (ioctl(s->vcpu_fd, KVM_RUN, 0) < 0 && errno != EINTR) {
            e = kvm_ioctl_error("KVM_RUN (completing I/O)");
        }
        s->io_pending = false;
    }
    if (e) {
        fatal_msg(s, e);
    }
    s->parked = true;
    pthread_cond_broadcast(&s->pcond);
    while (!s->run_allowed && !s->quit) {
        pthread_cond_wait(&s->vcond, &s->bql);
    }
    s->parked = false;
    s->kicked = 0;
    s->run->immediate_exit = 0;
}

static void *vcpu_thread(void *opaque)
{
    KVMState *s = opaque;
    pthread_mutex_lock(&s->bql);
    while (!s->quit) {
        if (!s->run_allowed) {
            park(s);
            continue;
        }
        if (s->kicked) {        /* a kick meant for an earlier run */
            s->kicked = 0;
            s->run->immediate_exit = 0;
        }
        run_once(s);
        if (s->fatal || s->halted || s->park_self) {
            s->park_self = false;
            s->run_allowed = false;
            sem_post(&s->msem);
        }
    }
    s->parked = true;
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
    int err = pthread_create(&s->vcpu, NULL, vcpu_thread, s);
    if (err) {
        pthread_mutex_unlock(&s->bql);
        errno = err;
        return kvm_ioctl_error("pthread_create of the vCPU thread");
    }
    s->started = true;
    return NULL;
}

void kvm_vcpu_stop_thread(KVMState *s)
{
    if (!s->started) {
        return;
    }
    s->quit = true;
    kick_vcpu(s);
    pthread_cond_broadcast(&s->vcond);
    pthread_mutex_unlock(&s->bql);
    pthread_join(s->vcpu, NULL);
    s->started = false;
    pthread_cond_destroy(&s->vcond);
    pthread_cond_destroy(&s->pcond);
    pthread_mutex_destroy(&s->bql);
    sem_destroy(&s->msem);
}

/* --- the machine thread's side --- */

/* A halted vCPU wakes for an NMI, or an INTR it can take (IF as of the HLT). */
static bool wakes_halted(KVMState *s)
{
    int req = cpu_interrupt_request(s->env->exec);
    return (req & CPU_INTERRUPT_NMI) || ((req & CPU_INTERRUPT_HARD) && s->run->if_flag);
}

int kvm_cpu_exec(KVMState *s)
{
    if (s->machine_kicked) {    /* a stop or request came first: no guest code */
        s->machine_kicked = false;
        return EXCP_INTERRUPT;
    }
    if (s->tsc_is_frozen) {     /* the machine goes on: so does guest time */
        s->tsc_is_frozen = false;
        char *e = kvm_tsc_thaw(s);
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
        if (s->halted) {
            if (!wakes_halted(s)) {
                return EXCP_HLT;
            }
            s->halted = false;
        }
        if (!s->run_allowed) {
            s->run_allowed = true;
            pthread_cond_broadcast(&s->vcond);
        } else if ((cpu_interrupt_request(s->env->exec) & (CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI)) &&
                   !s->run->request_interrupt_window) {
            kick_vcpu(s);       /* a device raised a line: inject it now */
        }
        pthread_mutex_unlock(&s->bql);
        while (sem_wait(&s->msem) < 0 && errno == EINTR) {
        }
        pthread_mutex_lock(&s->bql);
        if (!s->halted && !s->fatal) {
            return EXCP_INTERRUPT;
        }
    }
}

/* From the main loop's kick thread (a timer is due, an fd is readable): the
 * machine thread leaves kvm_cpu_exec, the vCPU runs on. From the machine
 * thread itself (a stop, a request from a timer or the monitor): the vCPU
 * parks now. From the vCPU's own I/O (a request from a device): it parks
 * after this exit. */
void kvm_kick(KVMState *s)
{
    if (pthread_equal(pthread_self(), s->machine)) {
        s->machine_kicked = true;
        park_vcpu(s, true);
    } else if (on_vcpu(s)) {
        s->park_self = true;
    } else {
        sem_post(&s->msem);
    }
}

/* The machine rewrote env (loader, debugger): all of it goes to the vCPU
 * before it runs again. */
void kvm_state_changed(KVMState *s)
{
    park_vcpu(s, false);
    s->regs_dirty = true;
    s->halted = false;
}

/* A machine reset: env is the reset CPU (x86_cpu_reset, the loader), and what
 * only KVM holds goes back to its reset state too: no pending events,
 * kvmclock off, runnable, and with the kernel irqchip its local APIC. */
void kvm_reset(KVMState *s)
{
    kvm_state_changed(s);
    memset(&s->events, 0, sizeof(s->events));
    memset(s->pv_clock_msr, 0, sizeof(s->pv_clock_msr));
    s->mp_state = KVM_MP_STATE_RUNNABLE;
    s->apic_base = 0;           /* the machine's APIC's, at the next put */
    s->lapic_reset = s->irqchip == KVM_IRQCHIP_KERNEL;
}

/* As QEMU's cpu_synchronize_state: once read, env is the state and goes back
 * whole before the vCPU runs on, so a stop/cont round trip through env (and a
 * snapshot, a debugger write) keeps everything the vCPU had. */
void kvm_sync_to_env(KVMState *s)
{
    park_vcpu(s, false);
    if (!s->regs_dirty && !s->fatal) {
        char *e = kvm_get_registers(s);
        if (e) {
            fprintf(stderr, "%s\n", e);
            free(e);
            return;
        }
        s->regs_dirty = true;
    }
}
