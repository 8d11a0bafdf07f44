/*
 * Bare-metal guest for tests/check-kvm.sh: a triple fault. Prints "before",
 * enters 32-bit protected mode with an empty IDT (limit 0) and executes INT3:
 * the vector lies outside the table, so the CPU raises #GP, which lies
 * outside too (#DF, and again: a shutdown; Intel SDM vol. 3A, 6.15
 * "Interrupt 8"). (Real mode would not do: KVM's emulator, which nested hosts
 * run real-mode code in, does not check the IVT's limit.) The machine resets; with -no-reboot it exits with
 * status 0, the guest having printed "before" once.
 */
#include "common.h"

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    mov $R(s_before), %si
    call puts16
    ENTER_PM32
    lidt idtr0
    int3
    mov $s_after, %esi          /* not reached */
    call puts32
1:  hlt
    jmp 1b

    .section .rodata
s_before: .asciz "before\n"
s_after:  .asciz "FAIL after the triple fault\n"
idtr0:
    .word 0
    .long 0
    GDT_FLAT32

    RESET_VECTOR
