/*
 * The x86 CPU's section of a snapshot or migration stream
 * (target-i386/machine.c); the stream format is migration/migration.h's.
 */
#ifndef TARGET_I386_MACHINE_H
#define TARGET_I386_MACHINE_H

#include "hw/device.h"
#include "target-i386/cpu.h"

/* The CPU section's version: 1 is the architectural state; 2 adds the
 * X86CPUAccel fields at its end (a version-1 section still loads: those
 * fields are then absent, valid false); 3 adds X86CPUStartup after them
 * (absent from versions 1 and 2, streams of one CPU: a running CPU, nothing
 * pending). The stream holds one section per vCPU, instance = CPU index. */
#define X86_CPU_SAVE_VERSION 4
#define X86_CPU_SAVE_MIN_VERSION 1

/* State an accelerator keeps outside CPUX86State, in meanings both share,
 * so that a section saved under one loads under the other:
 * - an event the CPU was delivering when it stopped (Intel SDM vol. 3A, 6.4
 *   and 6.5: under KVM a queued injection, KVM_GET_VCPU_EVENTS; under TCG an
 *   exception_index the execution loop had not delivered yet): an exception
 *   (vector, error code if any), an interrupt (vector; soft: INT n), an NMI;
 *   a pending NMI not yet taken is the version-1 NMI byte, under either;
 * - IA32_TSC's value at the stop (SDM vol. 3B, 18.17): TCG derives it from
 *   the machine clock and tsc_offset, KVM from its vCPU; the rate is each
 *   accelerator's (TCG's X86_TSC_HZ, the host's under KVM);
 * - kvmclock (Linux Documentation/virt/kvm/x86/msr.rst): the guest's
 *   MSR_KVM_SYSTEM_TIME_NEW and MSR_KVM_SYSTEM_TIME, and the clock's value in
 *   ns at the stop (KVM_GET_CLOCK; under TCG, which has no kvmclock, the
 *   machine clock, both MSRs 0). */
typedef struct X86CPUAccel {
    bool valid;                     /* false: a version-1 section */
    bool exc_injected, exc_has_error;
    uint8_t exc_nr;
    uint32_t exc_error;
    bool intr_injected, intr_soft;
    uint8_t intr_nr;
    bool nmi_injected;
    uint64_t tsc;
    uint64_t kvmclock_msr[2];
    uint64_t kvmclock_ns;
} X86CPUAccel;

/* Where a CPU stands in the INIT/SIPI start-up protocol (Intel SDM vol. 3A,
 * 8.4 and 10.6.1; the board keeps it, hw/pc.c): in the wait-for-SIPI state
 * (an AP after RESET or INIT), an INIT received and not yet taken, a SIPI
 * received and not yet taken (its vector; -1 none). */
typedef struct X86CPUStartup {
    bool wait_sipi;
    bool init_pending;
    int sipi_vector;
} X86CPUStartup;

/* a: the accelerator's part (x86_cpu_accel_get under TCG, accel/kvm's under KVM) */
/* st: the board's start-up state of this CPU */
void x86_cpu_save(CPUX86State *env, const X86CPUAccel *a, const X86CPUStartup *st,
                  SaveStream *s);
/* A section of version ver (X86_CPU_SAVE_MIN_VERSION..X86_CPU_SAVE_VERSION):
 * sets s->error on a short or bad stream, env then unchanged; fills *a for
 * the accelerator to apply (x86_cpu_accel_put under TCG) and *st for the
 * board. */
void x86_cpu_load(CPUX86State *env, X86CPUAccel *a, X86CPUStartup *st, uint32_t ver,
                  SaveStream *s);
/* TCG's side of X86CPUAccel (env->exec's pending exception, the TSC). */
void x86_cpu_accel_get(CPUX86State *env, X86CPUAccel *a);
void x86_cpu_accel_put(CPUX86State *env, const X86CPUAccel *a);

#endif
