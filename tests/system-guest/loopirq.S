/*
 * Bare-metal test: interrupts reach a CPU spinning in a loop of register-only
 * instructions (the translator keeps such a loop's registers in host registers
 * and jumps back inside its own code, tcg/loop.c: the exit request must still
 * end it). The PIT's IRQ0 (8254 channel 0 through the 8259A master, vector
 * 0x20) every 10 ms; the loop "add $1, %eax; add %eax, %ebx; jmp" can only be
 * left by the handler, which after three ticks returns to loop_done instead
 * (by rewriting the return EIP of the interrupt frame, Intel SDM vol. 3A, 6.12.1).
 * At each tick the handler checks that the interrupted state is exact: EBX
 * holds 1 + 2 + ... as far as EAX and the return EIP say (vol. 3A, 6.5: an
 * interrupt is taken at an instruction boundary). A translator that never
 * takes the interrupt hangs and the check script's timeout fails the test.
 * regs-at-stop: EAX EBX vary (where a nested KVM stops it, they count the loop)
 * expect: loop-irq-counted loop-irq-state loop-irq-in-loop loop-ran
 */
#include "common.h"

#define LAPIC      0xfee00000
#define PIT_COUNT  11932                /* 1193182 Hz / 11932: 10 ms */

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    ENTER_PM32
    mov $IDT_ADDR, %edi
    mov $256 * 8 / 4, %ecx
    xor %eax, %eax
    rep stosl
    call set_exc_gates32
    mov $0x20, %edi
    mov $irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    movl $0, V_A                /* ticks */
    movl $0, V_B                /* ticks with a wrong EBX */
    movl $0, V_C                /* ticks outside the loop */
    call pic_pit_init
    xor %eax, %eax
    xor %ebx, %ebx
    sti
loop_top:
    add $1, %eax
loop_mid:
    add %eax, %ebx
    jmp loop_top
loop_end:

loop_done:
    cli
    mov %eax, V_D
    mov $0xff, %al
    out %al, $0x21
    EQ32 V_A, $3, loop-irq-counted
    EQ32 V_B, $0, loop-irq-state
    EQ32 V_C, $0, loop-irq-in-loop
    xor %eax, %eax
    cmpl $0, V_D
    setne %al
    EQ32 %eax, $1, loop-ran
    jmp exit32

/* local APIC in virtual-wire mode (LINT0 ExtINT), the 8259A master at vector
 * 0x20 with only IRQ0 unmasked, the 8254 channel 0 in mode 2 every 10 ms */
pic_pit_init:
    VIRTUAL_WIRE LAPIC
    PIC_PIT_INIT PIT_COUNT
    ret

/* IRQ0: EBX must be EAX * (EAX + 1) / 2, or EAX * (EAX - 1) / 2 when the
 * interrupted instruction is the second add (mod 2^32: from the 64-bit
 * product); after the third tick it returns to loop_done */
irq0:
    push %edx
    push %ecx
    push %eax
    mov 12(%esp), %ecx          /* return EIP */
    cmp $loop_top, %ecx
    jb 4f
    cmp $loop_end, %ecx
    jb 5f
4:  incl V_C
    jmp 3f
5:  lea 1(%eax), %edx
    cmp $loop_mid, %ecx
    jne 1f
    lea -1(%eax), %edx
1:  mul %edx
    shrd $1, %edx, %eax
    cmp %eax, %ebx
    je 3f
    incl V_B
3:  incl V_A
    cmpl $3, V_A
    jb 2f
    movl $loop_done, 12(%esp)
2:  mov $0x20, %al              /* non-specific EOI */
    out %al, $0x20
    pop %eax
    pop %ecx
    pop %edx
    iret

    GDT_FLAT32
    RESET_VECTOR
