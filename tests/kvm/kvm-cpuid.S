/*
 * Bare-metal guest for tests/check-kvm.sh: prints what CPUID says the CPU is
 * (SDM vol. 2A, CPUID): leaf 0's vendor string and leaf 1's EAX (family,
 * model, stepping), as "vendor NAME" and "signature XXXXXXXX", in 32-bit
 * protected mode; the test compares them with the model or, for -cpu host,
 * with the host CPU's own.
 */
#include "common.h"

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    ENTER_PM32
    xor %eax, %eax
    cpuid
    mov %ebx, V_A
    mov %edx, V_A + 4
    mov %ecx, V_A + 8
    movb $0, V_A + 12
    mov $s_vendor, %esi
    call puts32
    mov $V_A, %esi
    call puts32
    mov $s_sig, %esi
    call puts32
    mov $1, %eax
    cpuid
    call hex32
    mov $s_nl, %esi
    call puts32
    jmp exit32

    .section .rodata
s_vendor: .asciz "vendor "
s_sig:    .asciz "\nsignature "
s_nl:     .asciz "\n"
    GDT_FLAT32

    RESET_VECTOR
