/*
 * Bare-metal guest for the snapshot tests of tests/check-kvm.sh: state the
 * interrupt controllers and the timer hold, which a snapshot must carry
 * between accelerators and kernel_irqchip=on/off. The 8254's channel 0 runs
 * in mode 2 with count 0 (65536: 18.2 Hz); the 8259 (ICW2 base 20H, only
 * IRQ 0 unmasked) turns it into vector 20H, to the CPU through the local
 * APIC's LINT0 in ExtINT mode (virtual wire, MP spec 3.6.2.2). The handler
 * counts, sends the EOI, prints "tick N" every 8th tick and "DONE" at the
 * 48th, then goes back to STI; HLT (no IRET: nested hosts' emulators lack
 * the protected-mode IRET). A controller or timer a load left in its reset
 * state stops the ticks or sends them elsewhere. 32-bit protected mode.
 */
#include "common.h"

#define LAPIC   0xfee00000
#define TICKS   (VARS + 0x80)

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1
    ENTER_PM32
    mov $0x20, %edi
    mov $irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    movl $0, TICKS
    mov $0x11, %al              /* 8259 master: ICW1-ICW4, vector base 20H */
    out %al, $0x20
    mov $0x20, %al
    out %al, $0x21
    mov $0x04, %al
    out %al, $0x21
    mov $0x01, %al
    out %al, $0x21
    mov $0xfe, %al              /* only IRQ 0 */
    out %al, $0x21
    VIRTUAL_WIRE LAPIC
    mov $0x34, %al              /* 8254 channel 0: mode 2, LSB then MSB */
    out %al, $0x43
    xor %al, %al                /* count 0: 65536 */
    out %al, $0x40
    out %al, $0x40
idle:
    mov $STACK0, %esp
    sti
    hlt
    jmp idle

irq0:
    mov $0x20, %al              /* EOI */
    out %al, $0x20
    incl TICKS
    testl $7, TICKS
    jnz idle
    mov $s_tick, %esi
    call puts32
    mov TICKS, %eax
    call hex32
    mov $s_nl, %esi
    call puts32
    cmpl $48, TICKS
    jb idle
    mov $s_done, %esi
    call puts32
    jmp exit32

    .section .rodata
s_tick: .asciz "tick "
s_nl:   .asciz "\n"
s_done: .asciz "DONE\n"
    GDT_FLAT32

    RESET_VECTOR
