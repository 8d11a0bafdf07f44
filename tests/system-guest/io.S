/*
 * Bare-metal test: I/O privilege in 32-bit protected mode and interrupts from
 * the PIT. At CPL 3 with IOPL 0 the TSS I/O permission bitmap decides (Intel
 * SDM vol. 1, 19.5.2 "I/O Permission Bit Map"): an allowed port works, a denied
 * one, a word access reaching a denied port and a port past the TSS limit raise
 * #GP(0); CLI/STI raise #GP(0) (vol. 2A, CLI); POPF changes neither IF nor IOPL
 * (vol. 2B, POPF). With IOPL 3 every port, CLI and STI are allowed and POPF
 * changes IF but still not IOPL. At CPL 0: STI;HLT wakes on IRQ0 of the PIT
 * (8254 channel 0 through the 8259A master, vector 0x20), and STI's interrupt
 * shadow (vol. 2B, STI: interrupts are recognized after the instruction that
 * follows STI): a pending IRQ is taken after exactly one more instruction, and
 * "STI; HLT" with a pending IRQ returns after the HLT.
 * The user code prints through the UART, whose ports the bitmap allows.
 * expect: iopl0-flags io-allowed-in io-allowed-out io-denied-vector
 * expect: io-denied-error io-denied-cs io-word-span-denied io-past-limit-denied
 * expect: cli-iopl0-vector cli-iopl0-error sti-iopl0-vector popf-iopl0-if-iopl
 * expect: iopl3-flags iopl3-denied-port iopl3-past-limit iopl3-cli-sti
 * expect: popf-iopl3-if popf-iopl3-keeps-iopl
 * expect: sti-hlt-woke sti-hlt-once sti-shadow-one-insn sti-shadow-eip
 * expect: sti-hlt-pending-eip
 */
#include "common.h"

#define TSS_LIMIT  (0x68 + 0x80)        /* a 128-byte bitmap (ports 0-0x3ff), 0xff */
#define BITMAP     (TSS_ADDR + 0x68)
#define LAPIC      0xfee00000
#define PIT_COUNT  11932                /* 1193182 Hz / 11932: 10 ms */

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    ENTER_PM32
    call setup_idt
    call setup_tss
    push $0x23                  /* ring 3, IOPL 0, IF 0 */
    push $USTACK_TOP
    push $0x002
    push $0x1b
    push $user
    iret

setup_idt:
    mov $IDT_ADDR, %edi
    mov $256 * 8 / 4, %ecx
    xor %eax, %eax
    rep stosl
    call set_exc_gates32
    mov $0x20, %edi
    mov $irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    mov $0x80, %edi
    mov $to_iopl3, %eax
    mov $0xee, %edx
    call set_gate32
    mov $0x81, %edi
    mov $ring3_done, %eax
    mov $0xee, %edx
    call set_gate32
    lidt idtr
    ret

/* the TSS: ESP0/SS0 and a bitmap denying all of ports 0-0x3ff but 0x80 and the
 * UART's 0x3f8-0x3ff; the byte after it is 0xff (19.5.2) */
setup_tss:
    mov $TSS_ADDR, %edi
    mov $0x68 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $RSP0_TOP, TSS_ADDR + 4
    movl $0x10, TSS_ADDR + 8
    movw $0x68, TSS_ADDR + 0x66
    mov $BITMAP, %edi
    mov $0x81, %ecx
    mov $0xff, %al
    rep stosb
    andb $0xfe, BITMAP + 0x80 / 8
    movb $0, BITMAP + 0x3f8 / 8
    mov $0x28, %ax
    ltr %ax
    ret

/* ---- ring 3, IOPL 0 ---- */
user:
    mov $0x23, %ax              /* IRET nulled DS and ES (DPL 0 < CPL 3) */
    mov %ax, %ds
    mov %ax, %es
    pushf
    pop %eax
    and $0x3200, %eax
    EQ32 %eax, $0, iopl0-flags
    TRAP32 in $0x80, %al
    EQ32 V_VEC, $-1, io-allowed-in
    TRAP32 out %al, $0x80
    EQ32 V_VEC, $-1, io-allowed-out
    TRAP32 in $0x81, %al
    EQ32 V_VEC, $13, io-denied-vector
    EQ32 V_ERR, $0, io-denied-error
    EQ32 V_CS, $0x1b, io-denied-cs
    TRAP32 in $0x80, %ax        /* 0x80 allowed, 0x81 denied */
    EQ32 V_VEC, $13, io-word-span-denied
    mov $0x400, %edx            /* its bitmap bits are past the TSS limit */
    TRAP32 in %dx, %al
    EQ32 V_VEC, $13, io-past-limit-denied
    TRAP32 cli
    EQ32 V_VEC, $13, cli-iopl0-vector
    EQ32 V_ERR, $0, cli-iopl0-error
    TRAP32 sti
    EQ32 V_VEC, $13, sti-iopl0-vector
    push $0x3202                /* IOPL 3, IF 1: both ignored, no fault */
    popf
    pushf
    pop %eax
    and $0x3200, %eax
    EQ32 %eax, $0, popf-iopl0-if-iopl
    int $0x80                   /* back with IOPL 3 */
    pushf
    pop %eax
    and $0x3200, %eax
    EQ32 %eax, $0x3000, iopl3-flags
    movl $0, V_VEC
    in $0x81, %al
    EQ32 V_VEC, $0, iopl3-denied-port
    mov $0x400, %edx
    in %dx, %al
    EQ32 V_VEC, $0, iopl3-past-limit
    sti
    cli
    EQ32 V_VEC, $0, iopl3-cli-sti
    push $0x0202                /* IOPL 0, IF 1: IF changes, IOPL does not */
    popf
    pushf
    pop %ebx
    push $0x3002
    popf
    mov %ebx, %eax
    and $0x200, %eax
    EQ32 %eax, $0x200, popf-iopl3-if
    mov %ebx, %eax
    and $0x3000, %eax
    EQ32 %eax, $0x3000, popf-iopl3-keeps-iopl
    int $0x81
1:  jmp 1b

to_iopl3:                       /* INT 0x80: return to ring 3 with IOPL 3 */
    orl $0x3000, 8(%esp)
    iret

/* ---- ring 0 again: the PIT ---- */
ring3_done:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov $STACK0, %esp
    call pic_pit_init
    movl $0, V_A
    sti
    hlt
    cli
    EQ32 V_A, $1, sti-hlt-woke
    /* one tick later, still one interrupt: it was acknowledged (EOI) */
    call wait_irq0_pending
    EQ32 V_A, $1, sti-hlt-once
    /* a pending IRQ0: STI, then one instruction, then the interrupt */
    movl $0, V_C
    sti
    movl $1, V_C
shadow_next:
    movl $2, V_C
    cli
    EQ32 V_D, $1, sti-shadow-one-insn
    EQ32 V_E, $shadow_next, sti-shadow-eip
    call wait_irq0_pending
    sti
    hlt
hlt_next:
    cli
    EQ32 V_E, $hlt_next, sti-hlt-pending-eip
    mov $0xff, %al
    out %al, $0x21
    jmp exit32

/* the local APIC in virtual-wire mode: after reset its LVT entries are masked,
 * LINT0 (where the 8259A's INTR arrives) included (SDM vol. 3A, 11.4.7.1 and
 * MP spec 3.6.2.2): software-enable it (SVR bit 8) and make LINT0 ExtINT. Then
 * the 8259A master at vector 0x20 (ICW1-ICW4), only IRQ0 unmasked; the 8254
 * channel 0 in mode 2 (rate generator) every 10 ms */
pic_pit_init:
    VIRTUAL_WIRE LAPIC
    PIC_PIT_INIT PIT_COUNT
    ret

/* wait_irq0_pending: polls the master's IRR (OCW3 0x0a) until IRQ0 is
 * requested; fails and exits after too many reads */
wait_irq0_pending:
    mov $0x0a, %al
    out %al, $0x20
    mov $20000000, %ecx
1:  in $0x20, %al
    test $1, %al
    jnz 2f
    loop 1b
    EQ32 $0, $1, irq0-never-pending
    jmp exit32
2:  ret

/* IRQ0: counts, records the return EIP and V_C, acknowledges */
irq0:
    push %eax
    incl V_A
    mov 4(%esp), %eax
    mov %eax, V_E
    mov V_C, %eax
    mov %eax, V_D
    mov $0x20, %al              /* non-specific EOI */
    out %al, $0x20
    pop %eax
    iret

    /* 0x18 user code32, 0x20 user data32, 0x28 the TSS32 at 0x3000 */
    GDT_FLAT32 256, 0x00cffb000000ffff, 0x00cff3000000ffff, 0x0000890030000000+TSS_LIMIT
    RESET_VECTOR
