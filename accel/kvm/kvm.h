/*
 * The KVM accelerator: the guest's vCPU runs on the host CPU through /dev/kvm
 * (Linux Documentation/virt/kvm/api.rst); only port I/O, MMIO, HLT and
 * shutdown come back here. The machine (hw/pc.c) keeps everything else: its
 * memory map (RAM and ROM regions become KVM memory slots, MMIO stays out of
 * them and arrives as KVM_EXIT_MMIO), its I/O ports, its userspace 8259/APIC
 * (interrupts are injected with KVM_INTERRUPT; no in-kernel irqchip), its main
 * loop and timers (the kick interrupts KVM_RUN with a signal), and the same
 * CPUX86State TCG uses, synchronised both ways.
 *
 * The vCPU runs on the thread that calls kvm_cpu_exec (the machine's CPU
 * thread, as under TCG); the main loop's kick thread stops it with SIGUSR1.
 */
#ifndef ACCEL_KVM_KVM_H
#define ACCEL_KVM_KVM_H

#include <stdbool.h>
#include "system/memory.h"
#include "target-i386/cpu.h"

typedef struct KVMState KVMState;

/* The default device; -accel kvm,device=PATH picks another (as QEMU's). */
#define KVM_DEFAULT_DEVICE "/dev/kvm"

/* Opens device, checks the API version and the capabilities we need, creates
 * the VM with as's RAM/ROM as memory slots (kept in step through a memory
 * listener) and one vCPU for env, whose CPUID is the model's filtered by
 * KVM_GET_SUPPORTED_CPUID. NULL with *err (malloc'd, one line naming the
 * missing capability or the failing ioctl/open with its errno) on failure. */
KVMState *kvm_init(const char *device, AddressSpace *as, CPUX86State *env, char **err);
void kvm_free(KVMState *s);

/* env was changed by the machine (reset, loader): written to the vCPU before
 * it next runs. */
void kvm_state_changed(KVMState *s);
/* Reads the vCPU's registers into env (for dumps, info registers, snapshots). */
void kvm_sync_to_env(KVMState *s);

/* Runs the vCPU until something needs the machine: returns EXCP_HLT (halted,
 * nothing to inject), EXCP_INTERRUPT (I/O done, kicked, interrupt window), or
 * KVM_EXCP_FATAL after printing the failure and the registers on stderr. */
#define KVM_EXCP_FATAL 0x20000
int kvm_cpu_exec(KVMState *s);

/* Stops a running KVM_RUN soon. Async-signal and thread safe. */
void kvm_kick(KVMState *s);

#endif
