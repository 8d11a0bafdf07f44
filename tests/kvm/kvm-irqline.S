/*
 * Bare-metal guest for tests/check-kvm.sh: an interrupt from a device model
 * of the machine (not a timer), as a driver would take it. The 16550A on COM1
 * raises IRQ 4 when its transmit holding register is empty and IER bit 1 is
 * set, through MCR's OUT2 gate (PC16550D data sheet, "Interrupt Enable
 * Register", "Modem Control Register"); the 8259 (ICW2 base 20H) turns it
 * into vector 24H, to the CPU through LINT0 in ExtINT mode (virtual wire, MP
 * spec 3.6.2.2). With kernel_irqchip=on the line reaches KVM's 8259 through
 * KVM_IRQ_LINE; otherwise our own. 32-bit protected mode; the handler records
 * its vector and frame and jumps on (no IRET: nested hosts' emulators do not
 * have protected-mode IRET).
 * checks: irq4-vector irq4-eip
 */
#include "common.h"

#define LAPIC   0xfee00000

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1
    movl $0, V_FAILS + 4
    ENTER_PM32
    mov $0x24, %edi
    mov $irq4, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    mov $0x11, %al              /* 8259 master: ICW1-ICW4, vector base 20H */
    out %al, $0x20
    mov $0x20, %al
    out %al, $0x21
    mov $0x04, %al
    out %al, $0x21
    mov $0x01, %al
    out %al, $0x21
    mov $0xef, %al              /* only IRQ 4 */
    out %al, $0x21
    VIRTUAL_WIRE LAPIC
    movl $0, V_A
    movl $0, V_B
    mov $UART + 4, %dx          /* MCR: DTR, RTS, OUT2 (the IRQ gate) */
    mov $0x0b, %al
    out %al, %dx
    sti
    mov $UART + 1, %dx          /* IER: THRE; the register is empty: IRQ 4 */
    mov $0x02, %al
    out %al, %dx
wait_irq:
    hlt
after_hlt:
    jmp wait_irq
irq4_done:
    cli
    mov $UART + 1, %dx          /* IER 0 and the gate shut: polled output again */
    xor %al, %al
    out %al, %dx
    mov $UART + 4, %dx
    mov $0x03, %al
    out %al, %dx
    mov $0x20, %al              /* EOI */
    out %al, $0x20
    EQ32 V_A, $0x24, irq4-vector
    mov V_B, %eax
    xor %ecx, %ecx              /* the frame's EIP: at or after the IER write */
    cmp $wait_irq - 5, %eax
    jb 1f
    cmp $after_hlt, %eax
    ja 1f
    inc %ecx
1:  EQ32 %ecx, $1, irq4-eip
    jmp exit32

irq4:
    movl $0x24, V_A
    mov (%esp), %eax
    mov %eax, V_B
    mov $STACK0, %esp
    jmp irq4_done

    .section .rodata
    GDT_FLAT32

    RESET_VECTOR
