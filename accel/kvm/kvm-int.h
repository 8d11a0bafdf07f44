/*
 * The KVM accelerator's private state, shared by kvm.c (VM, slots, run loop)
 * and kvm-cpu.c (register synchronisation, CPUID).
 */
#ifndef ACCEL_KVM_KVM_INT_H
#define ACCEL_KVM_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include "accel/kvm/kvm.h"

#define KVM_MAX_SLOTS 32

typedef struct KVMSlot {
    uint64_t gpa, size;
    void *host;
    bool readonly;
} KVMSlot;

struct KVMState {
    int fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    AddressSpace *as;
    CPUX86State *env;
    bool readonly_mem;              /* KVM_CAP_READONLY_MEM */
    KVMSlot slots[KVM_MAX_SLOTS];
    int nslots;
    volatile bool map_dirty;        /* the memory map changed: rebuild the slots */
    bool regs_dirty;                /* env is newer than the vCPU */
    bool halted;
    uint64_t apic_base;             /* IA32_APIC_BASE as our APIC last had it */
    volatile sig_atomic_t kicked;
    pthread_t thread;
};

/* kvm-cpu.c. Both return NULL or a malloc'd message naming the ioctl. */
char *kvm_put_registers(KVMState *s);
char *kvm_get_registers(KVMState *s);
char *kvm_setup_cpuid(KVMState *s);

/* "IOCTL: strerror(errno)" as a malloc'd string */
char *kvm_ioctl_error(const char *what);

#endif
