/*
 * Bare-metal guest for tests/check-kvm.sh: CR8 is the local APIC's task
 * priority (SDM vol. 3A, 11.8.6.5: CR8[3:0] = TPR[7:4], both ways), and what
 * a disabled A20 gate does (port 92H bit 1, the PS/2 "fast A20": with A20 off
 * address bit 20 reads as 0, so 100000H aliases 0).
 * Real mode: A20 off through port 92H, a byte at 100000H compared with the
 * one at 0 (printed, not checked: under KVM the gate is not modelled and the
 * emulator warns); A20 back on. Long mode (identity map of 0-4 GiB in 2 MiB
 * pages, no interrupts): MOV CR8 5 -> the TPR reads 50H; TPR 70H through
 * the APIC's page -> MOV from CR8 reads 7; CR8 0 -> TPR 0.
 * kvm-expect: cr8-to-tpr tpr-to-cr8 cr8-clears-tpr
 */
#include "common.h"

#define LAPIC   0xfee00000
#define PML4    PT_BASE
#define PDPT    (PT_BASE + 0x1000)
#define PD0     (PT_BASE + 0x2000)
#define MSR_EFER 0xc0000080

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1
    movl $0, V_FAILS + 4
    /* A20: 0000:0600 and FFFF:0610 (= 100600H) differ while it is on */
    movb $0x11, 0x600
    mov $0xffff, %ax
    mov %ax, %es
    movb $0x22, %es:0x610
    in $0x92, %al
    and $~2, %al
    out %al, $0x92
    movb %es:0x610, %al         /* A20 off: the byte at 000600H */
    movzbw %al, %ax
    mov %ax, V_A
    in $0x92, %al
    or $2, %al
    out %al, $0x92
    xor %ax, %ax
    mov %ax, %es
    mov $R(s_a20), %si
    call puts16
    mov V_A, %ax
    call hex16
    mov $'\n', %al
    call putc16
    ENTER_PM32
    mov $PT_BASE, %edi
    mov $6 * 4096 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $PDPT + 3, PML4
    mov $PDPT, %edi
    mov $PD0 + 3, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $8, %edi
    add $0x1000, %eax
    loop 1b
    mov $PD0, %edi
    mov $0x83, %eax
    xor %edx, %edx
    mov $2048, %ecx
2:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $8, %edi
    add $0x200000, %eax
    adc $0, %edx
    loop 2b
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
    mov $LAPIC, %ebx
    mov $5, %eax
    mov %rax, %cr8
    mov 0x80(%rbx), %eax
    and $0xff, %eax
    mov %rax, V_A
    EQ64 V_A, $0x50, cr8-to-tpr
    movl $0x70, 0x80(%rbx)
    mov %cr8, %rax
    mov %rax, V_A
    EQ64 V_A, $7, tpr-to-cr8
    xor %eax, %eax
    mov %rax, %cr8
    mov 0x80(%rbx), %eax
    and $0xff, %eax
    mov %rax, V_A
    EQ64 V_A, $0, cr8-clears-tpr
    jmp exit64

    .section .rodata
s_a20: .asciz "a20-off-reads "
    GDT_FLAT32 256, 0x00209b0000000000

    RESET_VECTOR
