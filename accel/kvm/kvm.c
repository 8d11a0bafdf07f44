/*
 * The KVM accelerator: /dev/kvm checks, the VM, its memory slots taken from the
 * machine's memory map, and the vCPU run loop that hands port I/O and MMIO
 * exits to the machine's devices (Linux Documentation/virt/kvm/api.rst).
 * Register synchronisation and CPUID are in kvm-cpu.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "accel/kvm/kvm-int.h"
#include "hw/apic.h"

/* Where KVM on Intel keeps the real-mode TSS and identity map (3 + 1 pages),
 * just under a 256 KiB BIOS at the top of 4 GiB: guest RAM never reaches it. */
#define KVM_TSS_ADDR      0xfffbd000ull
#define KVM_IDENTITY_ADDR 0xfffbc000ull

#define SIG_KICK SIGUSR1

char *kvm_ioctl_error(const char *what)
{
    char *m = NULL;
    if (asprintf(&m, "kvm: %s failed: %s", what, strerror(errno)) < 0) {
        m = NULL;
    }
    return m;
}

static char *msg(const char *fmt, const char *a, int b)
{
    char *m = NULL;
    if (asprintf(&m, fmt, a, b) < 0) {
        m = NULL;
    }
    return m;
}

/* --- memory slots --- */

static int set_slot(KVMState *s, int id, const KVMSlot *sl)
{
    struct kvm_userspace_memory_region r = {
        .slot = id,
        .flags = sl && sl->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = sl ? sl->gpa : 0,
        .memory_size = sl ? sl->size : 0,       /* 0 deletes the slot */
        .userspace_addr = sl ? (uint64_t)(uintptr_t)sl->host : 0,
    };
    return ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* The RAM and ROM sections of the map, in address order. KVM needs page
 * alignment of addresses, sizes and host memory; a section without it stays
 * out of the slots, so its accesses come back as MMIO exits. */
static int collect_slots(KVMState *s, KVMSlot *out)
{
    int n = 0;
    uint64_t pa = 0;
    for (;;) {
        MemSection sec = memory_lookup(s->as, pa);
        uint64_t len = sec.len;
        if ((sec.kind == MEM_RAM || sec.kind == MEM_ROM) && len != UINT64_MAX &&
            !((pa | len | (uintptr_t)sec.host) & 0xfff) && n < KVM_MAX_SLOTS) {
            /* without read-only slots, ROM is mapped writable (guest writes stick) */
            out[n++] = (KVMSlot){ pa, len, sec.host, sec.kind == MEM_ROM && s->readonly_mem };
        }
        if (len == UINT64_MAX || pa + len < pa || pa + len == 0) {
            return n;
        }
        pa += len;
    }
}

static char *update_slots(KVMState *s)
{
    KVMSlot next[KVM_MAX_SLOTS];
    int n = collect_slots(s, next);
    s->map_dirty = false;
    for (int i = 0; i < s->nslots; i++) {
        if (set_slot(s, i, NULL) < 0) {
            return kvm_ioctl_error("KVM_SET_USER_MEMORY_REGION (delete)");
        }
    }
    for (int i = 0; i < n; i++) {
        if (set_slot(s, i, &next[i]) < 0) {
            return kvm_ioctl_error("KVM_SET_USER_MEMORY_REGION");
        }
    }
    memcpy(s->slots, next, sizeof(next));
    s->nslots = n;
    return NULL;
}

static void map_changed(void *opaque)
{
    ((KVMState *)opaque)->map_dirty = true;
}

/* --- set-up --- */

static void kick_handler(int sig)
{
    (void)sig;      /* only there to make KVM_RUN return EINTR */
}

static char *check_caps(KVMState *s, const char *device)
{
    static const struct { int cap; const char *name; } need[] = {
        { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
        { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
        { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
        { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    };
    int v = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (v < 0) {
        char *m = NULL;
        if (asprintf(&m, "kvm: KVM_GET_API_VERSION on %s failed: %s (not a KVM device?)",
                     device, strerror(errno)) < 0) {
            m = NULL;
        }
        return m;
    }
    if (v != KVM_API_VERSION) {
        return msg("kvm: %s reports API version %d, want 12", device, v);
    }
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (ioctl(s->fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
            return msg("kvm: the host lacks %s (%d)", need[i].name, need[i].cap);
        }
    }
    s->readonly_mem = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
    return NULL;
}

static char *create_vm(KVMState *s)
{
    if ((s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0)) < 0) {
        return kvm_ioctl_error("KVM_CREATE_VM");
    }
    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
        return kvm_ioctl_error("KVM_SET_TSS_ADDR");
    }
    uint64_t ident = KVM_IDENTITY_ADDR;
    if (ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
        ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0) {
        return kvm_ioctl_error("KVM_SET_IDENTITY_MAP_ADDR");
    }
    return update_slots(s);
}

static char *create_vcpu(KVMState *s)
{
    if ((s->vcpu_fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, 0)) < 0) {
        return kvm_ioctl_error("KVM_CREATE_VCPU");
    }
    int size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        return kvm_ioctl_error("KVM_GET_VCPU_MMAP_SIZE");
    }
    s->run_size = size;
    s->run = mmap(NULL, s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->vcpu_fd, 0);
    if (s->run == MAP_FAILED) {
        s->run = NULL;
        return kvm_ioctl_error("mmap of the vCPU's kvm_run");
    }
    struct sigaction sa = { .sa_handler = kick_handler };   /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIG_KICK, &sa, NULL);
    s->thread = pthread_self();
    return kvm_setup_cpuid(s);
}

KVMState *kvm_init(const char *device, AddressSpace *as, CPUX86State *env, char **err)
{
    KVMState *s = calloc(1, sizeof(*s));
    s->vm_fd = s->vcpu_fd = -1;
    s->as = as;
    s->env = env;
    s->regs_dirty = true;
    device = device ? device : KVM_DEFAULT_DEVICE;
    if ((s->fd = open(device, O_RDWR | O_CLOEXEC)) < 0) {
        if (asprintf(err, "kvm: cannot open %s: %s", device, strerror(errno)) < 0) {
            *err = NULL;
        }
        kvm_free(s);
        return NULL;
    }
    if ((*err = check_caps(s, device)) || (*err = create_vm(s)) || (*err = create_vcpu(s))) {
        kvm_free(s);
        return NULL;
    }
    MemListener l = { map_changed, NULL, s };
    memory_add_listener(as, &l);
    return s;
}

void kvm_free(KVMState *s)
{
    if (!s) {
        return;
    }
    if (s->run) {
        munmap(s->run, s->run_size);
    }
    if (s->vcpu_fd >= 0) {
        close(s->vcpu_fd);
    }
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    free(s);
}

void kvm_state_changed(KVMState *s)
{
    s->regs_dirty = true;
    s->halted = false;
}

void kvm_sync_to_env(KVMState *s)
{
    if (!s->regs_dirty) {
        char *e = kvm_get_registers(s);
        if (e) {
            fprintf(stderr, "%s\n", e);
            free(e);
        }
    }
}

void kvm_kick(KVMState *s)
{
    s->kicked = 1;
    s->run->immediate_exit = 1;
    pthread_kill(s->thread, SIG_KICK);
}

/* --- the run loop --- */

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
        s->halted = false;
        if (ioctl(s->vcpu_fd, KVM_NMI) < 0) {
            return kvm_ioctl_error("KVM_NMI");
        }
    }
    if (!(req & CPU_INTERRUPT_HARD)) {
        return NULL;
    }
    if (r->ready_for_interrupt_injection && r->if_flag) {
        int vec = s->env->board->get_interrupt(s->env->board_opaque);
        if (vec >= 0) {
            struct kvm_interrupt irq = { .irq = vec };
            s->halted = false;
            if (ioctl(s->vcpu_fd, KVM_INTERRUPT, &irq) < 0) {
                return kvm_ioctl_error("KVM_INTERRUPT");
            }
        }
        r->request_interrupt_window = !!(cpu_interrupt_request(cpu) & CPU_INTERRUPT_HARD);
    } else {
        r->request_interrupt_window = 1;
        if (r->if_flag) {
            s->halted = false;  /* an interrupt wakes the halted CPU */
        }
    }
    return NULL;
}

static int fatal(KVMState *s, const char *what, unsigned long long detail)
{
    fprintf(stderr, "kvm: %s (%llu); the guest stops. Registers:\n", what, detail);
    kvm_sync_to_env(s);
    x86_cpu_dump_state(s->env, stderr);
    return KVM_EXCP_FATAL;
}

static int fatal_msg(KVMState *s, char *m)
{
    fprintf(stderr, "%s\n", m ? m : "kvm: out of memory");
    free(m);
    return KVM_EXCP_FATAL;
}

/* One KVM_RUN and its exit. */
static int run_once(KVMState *s)
{
    struct kvm_run *r = s->run;
    int ret = ioctl(s->vcpu_fd, KVM_RUN, 0);
    if (s->kicked) {
        s->kicked = 0;
        r->immediate_exit = 0;
    }
    if (ret < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return EXCP_INTERRUPT;
        }
        return fatal_msg(s, kvm_ioctl_error("KVM_RUN"));
    }
    /* Without an in-kernel irqchip the kernel still owns IA32_APIC_BASE (WRMSR
     * does not exit); kvm_run reports it after every exit (api.rst, "apic_base"),
     * and our APIC follows (enable/disable, the MMIO base). */
    if (r->apic_base != s->apic_base) {
        s->apic_base = r->apic_base;
        s->env->board->wrmsr(s->env->board_opaque, MSR_IA32_APIC_BASE, r->apic_base);
    }
    switch (r->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(s);
        return EXCP_INTERRUPT;
    case KVM_EXIT_MMIO:
        handle_mmio(s);
        return EXCP_INTERRUPT;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return EXCP_INTERRUPT;
    case KVM_EXIT_HLT:
        s->halted = true;
        return EXCP_HLT;
    case KVM_EXIT_SHUTDOWN:     /* triple fault: a reset, as TCG does */
        s->env->board->request_reset(s->env->board_opaque, "triple fault (KVM_EXIT_SHUTDOWN)");
        return EXCP_INTERRUPT;
    case KVM_EXIT_FAIL_ENTRY:
        return fatal(s, "KVM_EXIT_FAIL_ENTRY, hardware reason",
                     r->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        return fatal(s, "KVM_EXIT_INTERNAL_ERROR, suberror", r->internal.suberror);
    default:
        return fatal(s, "unhandled KVM exit reason", r->exit_reason);
    }
}

int kvm_cpu_exec(KVMState *s)
{
    char *e = NULL;
    if (s->map_dirty && (e = update_slots(s))) {
        return fatal_msg(s, e);
    }
    if (s->regs_dirty) {
        if ((e = kvm_put_registers(s))) {
            return fatal_msg(s, e);
        }
        s->regs_dirty = false;
    }
    if ((e = inject(s))) {
        return fatal_msg(s, e);
    }
    if (s->halted) {
        return EXCP_HLT;
    }
    return run_once(s);
}
