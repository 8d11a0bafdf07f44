/*
 * The KVM accelerator: the guest's vCPUs run on the host CPU through /dev/kvm
 * (Linux Documentation/virt/kvm/api.rst); only port I/O, MMIO, HLT and
 * shutdown come back here. The machine (hw/pc.c) keeps everything else: its
 * memory map (RAM and ROM regions become KVM memory slots, MMIO stays out of
 * them and arrives as KVM_EXIT_MMIO), its I/O ports, its userspace 8259/APIC
 * (interrupts injected with KVM_INTERRUPT; with kernel_irqchip=on KVM's own
 * controllers and 8254 instead: kvm-irqchip.c), its main loop and timers, and
 * the same CPUX86State TCG uses, synchronised both ways (kvm-cpu.c,
 * kvm-state.c), so the monitor, a debugger and snapshots see one CPU.
 *
 * Each vCPU runs on its own host thread (kvm-vcpu.c); device exits are handled
 * there under a big machine lock the machine thread holds everywhere but in
 * kvm_cpu_exec, so device models stay single-threaded as under TCG.
 * Dirty-page logging for migration is in kvm-dirty.c.
 */
#ifndef ACCEL_KVM_KVM_H
#define ACCEL_KVM_KVM_H

#include <stdbool.h>
#include "system/memory.h"
#include "target-i386/cpu.h"
#include "target-i386/machine.h"

typedef struct KVMState KVMState;

/* The default device; -accel kvm,device=PATH picks another (as QEMU's). */
#define KVM_DEFAULT_DEVICE "/dev/kvm"

typedef enum { KVM_IRQCHIP_USER, KVM_IRQCHIP_KERNEL, KVM_IRQCHIP_SPLIT } KVMIrqchipMode;
/* What the machine does for the vCPUs (hw/pc.c), with the machine lock held:
 * current: vCPU index handles an exit now (its local APIC answers the APIC
 *   page, as under TCG's round robin);
 * startup (userspace irqchip): on vCPU index's own thread before each entry,
 *   applies an INIT or SIPI it received to its env (Intel SDM vol. 3A, 8.4,
 *   10.6.1) and says so (KVM_STARTUP_CHANGED), and whether the CPU waits for
 *   a SIPI (KVM_STARTUP_WAIT: it runs nothing until kvm_cpu_kick). */
enum { KVM_STARTUP_CHANGED = 1, KVM_STARTUP_WAIT = 2 };
typedef struct KVMBoard {
    void *opaque;
    void (*current)(void *opaque, int index);
    int (*startup)(void *opaque, int index);
} KVMBoard;
typedef struct KVMOptions {
    bool cpu_host;                  /* -cpu host */
    KVMIrqchipMode irqchip;         /* -machine kernel_irqchip=off|on|split */
    KVMBoard board;
} KVMOptions;
/* Opens device, checks the API version and the capabilities we need, creates
 * the VM with as's RAM/ROM as memory slots (kept in step through a memory
 * listener) and a vCPU for each envs[i] (i < ncpus, at most 16; envs[0] is
 * the BSP), with KVM vCPU id = its APIC ID, on its own thread, whose CPUID is
 * the model's filtered by KVM_GET_SUPPORTED_CPUID, or with opts->cpu_host
 * KVM_GET_SUPPORTED_CPUID as is; opts NULL: the defaults (the model,
 * userspace interrupt controllers). NULL with *err (malloc'd, one line naming
 * the missing capability or the failing ioctl/open with its errno) on
 * failure. The calling thread is the machine thread and holds the machine
 * lock from now on. */
KVMState *kvm_init(const char *device, AddressSpace *as, CPUX86State **envs, int ncpus,
                   const KVMOptions *opts, char **err);
/* kernel_irqchip=on|off|split (also yes/no, true/false) -> *mode; false when
 * not one of them */
bool kvm_parse_irqchip(const char *value, KVMIrqchipMode *mode);

/* With kernel_irqchip=on, KVM's own 8259s, I/O APIC, local APIC and 8254
 * (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2) answer the guest, and the machine's
 * interrupt lines go to them by GSI (routed as the MADT says: GSI 0 to the
 * 8259's IRQ 0 and the I/O APIC's pin 2). */
bool kvm_irqchip_in_kernel(const KVMState *s);
void kvm_set_irq(KVMState *s, int gsi, int level);
void kvm_free(KVMState *s);

/* The envs were changed by the machine (reset, loader, debugger): written
 * to the vCPUs before they next run. Both park the vCPUs (until kvm_cpu_exec). */
void kvm_state_changed(KVMState *s);
/* The machine was reset (env too): as kvm_state_changed, and the state only
 * KVM holds (pending events, kvmclock, the kernel's local APIC) is reset. */
void kvm_reset(KVMState *s);
/* Reads every vCPU's registers into its env (for dumps, info registers,
 * snapshots). */
void kvm_sync_to_env(KVMState *s);

/* Snapshots and migration (target-i386/machine.h's X86CPUAccel): what only
 * KVM holds (pending events, kvmclock, the TSC), read after kvm_sync_to_env
 * with the machine stopped, and given back after a load (applied when the
 * vCPU next runs). NULL or a malloc'd one-line error naming the ioctl. */
char *kvm_cpu_accel_get(KVMState *s, int index, X86CPUAccel *a);
char *kvm_cpu_accel_put(KVMState *s, int index, const X86CPUAccel *a);
/* kernel_irqchip=on: the kernel runs INIT/SIPI, and CPU index waits for a
 * SIPI when its MP state is KVM_MP_STATE_UNINITIALIZED or INIT_RECEIVED (as
 * of the last kvm_sync_to_env); set puts it there (or back to runnable, or
 * halted as the CPU section says) after a load. */
bool kvm_cpu_waits_sipi(KVMState *s, int index);
void kvm_cpu_set_waits_sipi(KVMState *s, int index, bool wait);

/* kernel_irqchip=on (kvm-irqchip-state.c): the kernel holds the state of
 * the device whose section is called name ("isa-i8259", "ioapic", "apic",
 * "isa-pit"; an "apic" is CPU cpu's, the others ignore cpu), which save and
 * load write and read in that model's layout of section version version;
 * NULL or a malloc'd one-line error (load sets f->error on a payload that
 * does not fit). Machine stopped. */
bool kvm_irqchip_owns(const KVMState *s, const char *name);
char *kvm_irqchip_save(KVMState *s, const char *name, int cpu, uint32_t version,
                       SaveStream *f);
char *kvm_irqchip_load(KVMState *s, const char *name, int cpu, uint32_t version,
                       SaveStream *f);

/* Lets the vCPUs run and waits until something needs the machine: returns
 * EXCP_HLT (every vCPU halted with nothing to inject, or waiting for its
 * SIPI), EXCP_INTERRUPT (the main loop has work, or a request: the vCPUs may
 * run on meanwhile), or
 * KVM_EXCP_FATAL after printing the failure and the registers on stderr. */
#define KVM_EXCP_FATAL 0x20000
int kvm_cpu_exec(KVMState *s);

/* The machine's kick (main_loop_set_kick). From the main loop's kick thread:
 * the machine thread leaves kvm_cpu_exec while the vCPUs run on; from the
 * machine thread (a stop, a request): the vCPUs are parked before it
 * returns; from a device a vCPU's own exit reached: that vCPU parks after the
 * exit, the others as soon as they can. */
void kvm_kick(KVMState *s);
/* CPU index has an interrupt or NMI to take, or (startup) an INIT or SIPI
 * from our userspace APIC; from any thread, machine lock held. */
void kvm_cpu_kick(KVMState *s, int index, bool startup);

/* Dirty-page logging for live migration (api.rst, "KVM_GET_DIRTY_LOG"): from
 * start on, KVM records the guest's writes to RAM (every writable slot, also
 * slots the memory map adds later); each sync calls mark once per run of
 * pages written since start or the previous sync (guest-physical address,
 * length in bytes), then forgets them; stop ends the recording. Machine
 * thread. start/sync return NULL or a malloc'd one-line message naming the
 * ioctl; sync before start is an error. */
typedef void KVMDirtyMark(void *opaque, uint64_t gpa, uint64_t len);
char *kvm_dirty_log_start(KVMState *s);
char *kvm_dirty_log_sync(KVMState *s, KVMDirtyMark *mark, void *opaque);
void kvm_dirty_log_stop(KVMState *s);

#endif
