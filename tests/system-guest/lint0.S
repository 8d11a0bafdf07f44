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
    GUEST_START mask=1
    ENTER_PM32
    mov $0x20, %edi             /* IRQ0 at vector 0x20 */
    mov $irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    PIC_PIT_INIT 11932          /* only IRQ0, every 10 ms */
    movl $0, V_A
    sti
    call wait_irq0_pending      /* IF = 1, LINT0 masked: stays pending */
    call wait_irq0_pending
    cli
    EQ32 V_A, $0, lint0-masked-holds-irq0
    VIRTUAL_WIRE LAPIC          /* delivered now */
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

    GDT_FLAT32
    RESET_VECTOR
