/*
 * After reset the local APIC is enabled in
 * IA32_APIC_BASE but its LVT entries are masked, LINT0 included (Intel SDM
 * vol. 3A, 11.4.7.1 "Local APIC State After Power-Up or Reset"), so the 8259A's
 * INTR, wired to LINT0, reaches no one until software sets LINT0 to ExtINT
 * (virtual-wire mode, MP spec 3.6.2.2) or disables the APIC. QEMU 7.2 holds
 * the interrupt; a pending IRQ0 must not be delivered here with IF = 1.
 * expect: lint0-masked-holds-irq0 lint0-extint-delivers
 */
#include "common.h"

#define LAPIC 0xfee00000

    .section .text.start, "ax"
    .code16
    .globl start
start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $STACK0, %sp
    movl $0, V_FAILS
    movl $0, V_RECOVER
    call uart_init16
    mov $0xff, %al
    out %al, $0xa1
    lgdtl %cs:R(gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm32

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %esp
    mov $0x20, %edi             /* IRQ0 at vector 0x20 */
    mov $irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    mov $0x11, %al              /* 8259A master: ICW1-ICW4, only IRQ0 */
    out %al, $0x20
    mov $0x20, %al
    out %al, $0x21
    mov $0x04, %al
    out %al, $0x21
    mov $0x01, %al
    out %al, $0x21
    mov $0xfe, %al
    out %al, $0x21
    mov $0x34, %al              /* 8254 channel 0, mode 2, 10 ms */
    out %al, $0x43
    mov $0x9c, %al
    out %al, $0x40
    mov $0x2e, %al
    out %al, $0x40
    movl $0, V_A
    sti
    call wait_irq0_pending      /* IF = 1, LINT0 masked: stays pending */
    call wait_irq0_pending
    cli
    EQ32 V_A, $0, lint0-masked-holds-irq0
    movl $0x1ff, LAPIC + 0xf0   /* virtual wire: delivered now */
    movl $0x700, LAPIC + 0x350
    sti
    nop
    cli
    EQ32 V_A, $1, lint0-extint-delivers
    jmp exit32

wait_irq0_pending:
    mov $0x0a, %al              /* OCW3: read IRR */
    out %al, $0x20
    mov $20000000, %ecx
1:  in $0x20, %al
    test $1, %al
    jnz 2f
    loop 1b
2:  ret

irq0:
    push %eax
    incl V_A
    mov $0x20, %al
    out %al, $0x20
    pop %eax
    iret

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff
    .quad 0x00cf93000000ffff
gdtr:
    .word 3 * 8 - 1
    .long gdt
idtr:
    .word 256 * 8 - 1
    .long IDT_ADDR

    .section .reset, "ax"
    .code16
    ljmp $0xf000, $R(start)
    .fill 11, 1, 0
