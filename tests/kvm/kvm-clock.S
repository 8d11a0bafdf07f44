/*
 * Bare-metal guest for tests/check-kvm.sh: the KVM paravirtual clock (Linux
 * Documentation/virt/kvm/x86/cpuid.rst and msr.rst). Prints the hypervisor
 * signature (CPUID 40000000H) and the kvmclock feature bits of 40000001H
 * (CLOCKSOURCE 0, NOP_IO_DELAY 1, CLOCKSOURCE2 3, STABLE 24); when
 * CLOCKSOURCE2 is there, enables kvmclock at PVTI (MSR 4B564D01H), checks the
 * time structure (version even, system_time set), then reads the clock
 * before and after 1.5 s of 8254 time, in which the harness stops the
 * machine for two seconds: the clock must have moved by about the 1.5 s only
 * ("kvmclock-skips-stop": 1.0-2.5 s, a loaded host's noise being some
 * 0.3 s; 3.5 s if it ran on), as the 8254 did.
 * Long mode (the 64-bit multiply of the pvclock formula), no interrupts.
 */
#include "common.h"

#define PML4    PT_BASE
#define PDPT    (PT_BASE + 0x1000)
#define PD0     (PT_BASE + 0x2000)
#define MSR_EFER 0xc0000080
#define PVTI    0x30000                 /* struct pvclock_vcpu_time_info */
#define PIT_SPIN 1789773                /* 1.5 s of 8254 ticks */

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1
    movl $0, V_FAILS + 4
    ENTER_PM32
    mov $PT_BASE, %edi
    mov $6 * 4096 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $PDPT + 3, PML4
    movl $PD0 + 3, PDPT
    movl $0x83, PD0             /* 0-2 MiB */
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $0x18, $lm64

    .code64
lm64:
    mov $0x40000000, %eax
    cpuid
    mov %ebx, V_A
    mov %ecx, V_A + 4
    mov %edx, V_A + 8
    movb $0, V_A + 12
    mov $s_sig, %esi
    call puts64
    mov $V_A, %esi
    call puts64
    mov $s_feat, %esi
    call puts64
    mov $0x40000001, %eax
    cpuid
    and $0x100000b, %eax
    mov %rax, V_E
    call hex64
    mov $s_nl, %esi
    call puts64
    testl $8, V_E
    jz done
    mov $0x4b564d01, %ecx       /* MSR_KVM_SYSTEM_TIME_NEW: PVTI, enabled */
    mov $PVTI | 1, %eax
    xor %edx, %edx
    wrmsr
    mov PVTI, %eax
    and $1, %eax
    mov %rax, V_A
    EQ64 V_A, $0, kvmclock-version-even
    xor %eax, %eax
    cmpq $0, PVTI + 16
    setne %al
    mov %rax, V_A
    EQ64 V_A, $1, kvmclock-system-time-set
    mov $0x34, %al              /* 8254 channel 0: mode 2, count 65536 */
    out %al, $0x43
    xor %al, %al
    out %al, $0x40
    out %al, $0x40
    call kvmclock_ns
    mov %rax, V_D
    mov $s_ready, %esi
    call puts64
    mov $PIT_SPIN, %esi
    call pit_spin
    call kvmclock_ns
    sub V_D, %rax
    xor %edx, %edx
    mov $1000000, %ecx
    div %rcx                    /* milliseconds */
    xor %ecx, %ecx
    cmp $1000, %rax
    jb 1f
    cmp $2500, %rax
    ja 1f
    inc %ecx
1:  mov %rcx, V_A
    EQ64 V_A, $1, kvmclock-skips-stop
done:
    jmp exit64

#include "pvclock.inc"

#include "pit-spin.inc"

    .section .rodata
s_sig:   .asciz "hypervisor "
s_feat:  .asciz "\nkvm-features "
s_nl:    .asciz "\n"
s_ready: .asciz "ready\n"
    GDT_FLAT32 256, 0x00209b0000000000

    RESET_VECTOR
