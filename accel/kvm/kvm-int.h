/*
 * The KVM accelerator's private state, shared by kvm.c (VM, slots), kvm-vcpu.c
 * (the vCPU thread, its run loop and the big machine lock), kvm-cpu.c (register
 * synchronisation, CPUID) and kvm-dirty.c (dirty-page logging).
 */
#ifndef ACCEL_KVM_KVM_INT_H
#define ACCEL_KVM_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include "accel/kvm/kvm.h"

#define KVM_MAX_SLOTS 32

typedef struct KVMSlot {
    uint64_t gpa, size;
    void *host;
    bool readonly;
} KVMSlot;

#define KVM_MAX_VCPUS 16

/* One vCPU (its fd, kvm_run area, host thread and what only KVM holds for
 * it), indexed like the machine's CPUs; guarded by the machine lock. */
typedef struct KVMVcpu {
    KVMState *s;
    int index;
    int fd;
    struct kvm_run *run;
    CPUX86State *env;
    pthread_t thread;
    uint32_t mp_state;              /* KVM_MP_STATE_*, with the kernel irqchip */
    bool lapic_reset;               /* the kernel's local APIC to its reset state */
    struct kvm_vcpu_events events;  /* as last read; zeroed when the machine
                                     * rewrites env (reset, loader, debugger) */
    bool run_allowed;               /* the machine lets the vCPU run */
    bool parked;                    /* the thread is out of KVM_RUN and waits */
    bool in_run;                    /* between unlock and KVM_RUN's return */
    bool io_pending;                /* the last exit was I/O: KVM_RUN completes it */
    bool park_self;                 /* a request from the vCPU's own I/O */
    bool fatal;
    bool regs_dirty;                /* env is newer than the vCPU */
    bool halted;                    /* HLT with the userspace irqchip */
    bool waiting;                   /* an AP waiting for its SIPI (userspace APIC) */
    bool wake;                      /* an INIT or SIPI came while it waited */
    uint64_t tsc_frozen;            /* at a stop: the TSC offset, or IA32_TSC */
    uint64_t tsc_host_at_stop;      /* the host's TSC then (offset form) */
    bool tsc_by_offset;             /* KVM_VCPU_TSC_OFFSET, else the MSR */
    uint64_t pv_clock_msr[2];       /* kvmclock: MSR_KVM_SYSTEM_TIME(_NEW) */
    uint64_t apic_base;             /* IA32_APIC_BASE as our APIC last had it */
    uint64_t cr8_entry;             /* kvm_run's cr8 at the last entry */
    volatile sig_atomic_t kicked;
} KVMVcpu;

struct KVMState {
    int fd, vm_fd;
    size_t run_size;
    AddressSpace *as;
    KVMBoard board;
    bool readonly_mem;              /* KVM_CAP_READONLY_MEM */
    bool cpu_host;                  /* -cpu host: KVM's CPUID as is */
    KVMIrqchipMode irqchip;         /* KVM_IRQCHIP_KERNEL: KVM's PIC/IOAPIC/LAPIC/PIT */
    bool irq_line_warned;
    bool have_xsave, have_xcrs, have_debugregs, have_events;
    size_t xsave_size;              /* KVM_CAP_XSAVE2 on the VM, 4096 at least */
    KVMSlot slots[KVM_MAX_SLOTS];
    int nslots;
    bool dirty_logging;             /* slots carry KVM_MEM_LOG_DIRTY_PAGES */
    bool slot_fresh[KVM_MAX_SLOTS];  /* (re)created while logging: the next
                                      * sync reports all of it (kvm-dirty.c) */
    volatile bool map_dirty;        /* the memory map changed: rebuild the slots */
    KVMVcpu vcpus[KVM_MAX_VCPUS];
    int nvcpus;

    /* The big machine lock (QEMU's BQL): the machine thread holds it except
     * while it waits in kvm_cpu_exec or for the vCPUs to park; each vCPU
     * thread takes it for each exit, so device models, the APICs and each
     * env stay single-threaded. Everything here is guarded by it. */
    pthread_mutex_t bql;
    pthread_cond_t vcond;           /* parked vCPUs wait for run_allowed */
    pthread_cond_t pcond;           /* the machine waits for parked */
    sem_t msem;                     /* the machine waits for a vCPU or a kick */
    pthread_t machine;
    int nstarted;                   /* vCPU threads created */
    bool started;                   /* the lock and its conditions exist */
    bool quit;
    bool reeval;                    /* a vCPU halted, waits, failed or may wake */
    bool leave;                     /* kvm_cpu_exec returns: a request, a kick */
    bool tsc_is_frozen;             /* stopped: tsc_frozen goes back at cont */
    bool machine_kicked;            /* the machine thread kicked: return at once */
    bool fatal;                     /* some vCPU failed */
    uint64_t clock_at_stop;         /* KVM_GET_CLOCK at a stop */
    bool clock_frozen;
    bool tsc_warned;                /* the host ignored a TSC write (once) */
    bool a20_warned;
};

/* kvm-cpu.c. Each returns NULL or a malloc'd message naming the ioctl. */
char *kvm_put_registers(KVMVcpu *v);
char *kvm_get_registers(KVMVcpu *v);
char *kvm_setup_cpuid(KVMVcpu *v);
void kvm_fpu_from_env(struct kvm_fpu *f, const CPUX86State *env);
void kvm_fpu_to_env(CPUX86State *env, const struct kvm_fpu *f);

/* kvm-state.c: XSAVE/XCRs, debug registers, vcpu events (after REGS/SREGS/
 * MSRs), and IA32_TSC on its own; NULL or a malloc'd message. */
char *kvm_put_state(KVMVcpu *v);
char *kvm_get_state(KVMVcpu *v);
char *kvm_tsc_freeze(KVMVcpu *v);
char *kvm_tsc_thaw(KVMVcpu *v);
/* kvmclock (VM-wide) over a stop: frozen before the TSCs, thawed after them
 * (KVM computes it from the TSC as it then is) */
void kvm_clock_freeze(KVMState *s);
char *kvm_clock_thaw(KVMState *s);

/* kvm.c: brings the slots in line with the memory map (lock held);
 * kvm_set_slot registers slot id as sl (NULL deletes it), -1 with errno */
char *kvm_update_slots(KVMState *s);
int kvm_set_slot(KVMState *s, int id, const KVMSlot *sl);

/* kvm-vcpu.c: the vCPU threads; kvm_vcpu_stop_thread joins them (BQL held
 * by the caller, released on return) */
char *kvm_vcpu_start(KVMState *s);
void kvm_vcpu_stop_thread(KVMState *s);

/* kvm-irqchip.c: KVM_CREATE_IRQCHIP, routing and KVM_CREATE_PIT2 for
 * kernel_irqchip=on (VM, before the vCPUs); a vCPU's MP state with it */
char *kvm_irqchip_create(KVMState *s);
char *kvm_mp_state(KVMVcpu *v, bool put);

/* "IOCTL: strerror(errno)" as a malloc'd string */
char *kvm_ioctl_error(const char *what);
/* "kvm: no vCPU INDEX" for an index past the machine's vCPUs */
char *kvm_no_vcpu_error(int index);

#endif
