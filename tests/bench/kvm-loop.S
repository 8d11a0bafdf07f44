/*
 * Flat guest for tests/bench/kvm.sh: from the reset vector into 32-bit
 * protected mode, then LOOPS rounds of integer work (xorshift32, multiply,
 * add, rotate, a data-dependent branch), prints the checksum on COM1 and exits
 * through isa-debug-exit. Built by the script with -DLOOPS=N.
 */
#include "common.h"

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    ENTER_PM32
    mov $0x12345678, %eax       /* xorshift32 state */
    xor %ebx, %ebx              /* checksum */
    mov $LOOPS, %ecx
1:  mov %eax, %edx              /* xorshift32 (Marsaglia 2003): 13, 17, 5 */
    shl $13, %edx
    xor %edx, %eax
    mov %eax, %edx
    shr $17, %edx
    xor %edx, %eax
    mov %eax, %edx
    shl $5, %edx
    xor %edx, %eax
    imul $0x9e3779b1, %eax, %edx
    add %edx, %ebx
    rol $7, %ebx
    test $1, %al
    jz 2f
    xor %eax, %ebx
2:  dec %ecx
    jnz 1b
    mov %ebx, V_A
    EQ32 V_A, $0, checksum      /* prints "FAIL checksum got X want 0": the figure */
    jmp exit32

    .section .rodata
    GDT_FLAT32

    RESET_VECTOR
