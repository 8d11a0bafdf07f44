/*
 * The KVM accelerator: /dev/kvm checks, the VM, its vCPUs and its memory slots
 * taken from the machine's memory map (Linux Documentation/virt/kvm/api.rst).
 * The vCPU threads and their run loop are in kvm-vcpu.c, register
 * synchronisation and CPUID in kvm-cpu.c, dirty logging in kvm-dirty.c.
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

/* Where KVM on Intel keeps the real-mode TSS and identity map (3 + 1 pages),
 * just under a 256 KiB BIOS at the top of 4 GiB: guest RAM never reaches it. */
#define KVM_TSS_ADDR      0xfffbd000ull
#define KVM_IDENTITY_ADDR 0xfffbc000ull

char *kvm_ioctl_error(const char *what)
{
    char *m = NULL;
    if (asprintf(&m, "kvm: %s failed: %s", what, strerror(errno)) < 0) {
        m = NULL;
    }
    return m;
}

char *kvm_no_vcpu_error(int index)
{
    char *m = NULL;
    if (asprintf(&m, "kvm: no vCPU %d", index) < 0) {
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

/* Writable slots carry KVM_MEM_LOG_DIRTY_PAGES while dirty logging is on. */
int kvm_set_slot(KVMState *s, int id, const KVMSlot *sl)
{
    uint32_t flags = 0;
    if (sl && sl->readonly) {
        flags = KVM_MEM_READONLY;
    } else if (sl && s->dirty_logging) {
        flags = KVM_MEM_LOG_DIRTY_PAGES;
    }
    struct kvm_userspace_memory_region r = {
        .slot = id,
        .flags = flags,
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

static bool same_slot(const KVMSlot *a, const KVMSlot *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->host == b->host &&
           a->readonly == b->readonly;
}

/* Only the slots that changed are deleted and added again, so that the
 * others keep their dirty bitmaps (and the guest its memory meanwhile). */
char *kvm_update_slots(KVMState *s)
{
    KVMSlot next[KVM_MAX_SLOTS];
    int n = collect_slots(s, next);
    s->map_dirty = false;
    for (int i = 0; i < s->nslots; i++) {
        if ((i >= n || !same_slot(&s->slots[i], &next[i])) && kvm_set_slot(s, i, NULL) < 0) {
            return kvm_ioctl_error("KVM_SET_USER_MEMORY_REGION (delete)");
        }
    }
    for (int i = 0; i < n; i++) {
        if (i >= s->nslots || !same_slot(&s->slots[i], &next[i])) {
            if (kvm_set_slot(s, i, &next[i]) < 0) {
                return kvm_ioctl_error("KVM_SET_USER_MEMORY_REGION");
            }
            s->slot_fresh[i] = s->dirty_logging;    /* its old bitmap is gone */
        }
    }
    memcpy(s->slots, next, sizeof(next));
    s->nslots = n;
    return NULL;
}

/* The vCPU thread rebuilds the slots before its next KVM_RUN. */
static void map_changed(void *opaque)
{
    ((KVMState *)opaque)->map_dirty = true;
}

/* --- set-up --- */

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
    /* state beyond REGS/SREGS/FPU/MSRs, synced when the host has it */
    s->have_xsave = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
    s->have_xcrs = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
    s->have_debugregs = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) > 0;
    s->have_events = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS) > 0;
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
    char *e = kvm_irqchip_create(s);
    return e ? e : kvm_update_slots(s);
}

static char *create_vcpu(KVMState *s, KVMVcpu *v)
{
    /* the vCPU id is the APIC ID: the kernel's local APIC takes it as its ID */
    if ((v->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->env->apic_id)) < 0) {
        return kvm_ioctl_error("KVM_CREATE_VCPU");
    }
    int size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        return kvm_ioctl_error("KVM_GET_VCPU_MMAP_SIZE");
    }
    s->run_size = size;
    v->run = mmap(NULL, s->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        return kvm_ioctl_error("mmap of the vCPU's kvm_run");
    }
    return kvm_setup_cpuid(v);
}

static char *create_vcpus(KVMState *s, CPUX86State **envs, int ncpus)
{
    if (ncpus < 1 || ncpus > KVM_MAX_VCPUS) {
        return msg("kvm: %s%d vCPUs (1 to 16 are supported)", "", ncpus);
    }
    int max = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max <= 0) {
        max = ioctl(s->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    }
    if (max > 0 && ncpus > max) {
        return msg("kvm: the host allows %s%d vCPUs per VM (KVM_CAP_MAX_VCPUS)", "", max);
    }
    for (int i = 0; i < ncpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        s->nvcpus = i + 1;
        char *e = create_vcpu(s, v);
        if (e) {
            return e;
        }
    }
    return NULL;
}

KVMState *kvm_init(const char *device, AddressSpace *as, CPUX86State **envs, int ncpus,
                   const KVMOptions *opts, char **err)
{
    KVMState *s = calloc(1, sizeof(*s));
    s->cpu_host = opts && opts->cpu_host;
    s->irqchip = opts ? opts->irqchip : KVM_IRQCHIP_USER;
    if (opts) {
        s->board = opts->board;
    }
    s->vm_fd = -1;
    s->as = as;
    for (int i = 0; i < KVM_MAX_VCPUS; i++) {
        KVMVcpu *v = &s->vcpus[i];
        v->s = s;
        v->index = i;
        v->fd = -1;
        v->env = i < ncpus ? envs[i] : NULL;
        v->regs_dirty = true;
        v->mp_state = i == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
    }
    device = device ? device : KVM_DEFAULT_DEVICE;
    if ((s->fd = open(device, O_RDWR | O_CLOEXEC)) < 0) {
        if (asprintf(err, "kvm: cannot open %s: %s", device, strerror(errno)) < 0) {
            *err = NULL;
        }
        kvm_free(s);
        return NULL;
    }
    if ((*err = check_caps(s, device)) || (*err = create_vm(s)) ||
        (*err = create_vcpus(s, envs, ncpus))) {
        kvm_free(s);
        return NULL;
    }
    MemListener l = { map_changed, NULL, s };
    memory_add_listener(as, &l);
    if ((*err = kvm_vcpu_start(s))) {
        kvm_free(s);
        return NULL;
    }
    return s;
}

void kvm_free(KVMState *s)
{
    if (!s) {
        return;
    }
    kvm_vcpu_stop_thread(s);
    for (int i = 0; i < s->nvcpus; i++) {
        KVMVcpu *v = &s->vcpus[i];
        if (v->run) {
            munmap(v->run, s->run_size);
        }
        if (v->fd >= 0) {
            close(v->fd);
        }
    }
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    free(s);
}
