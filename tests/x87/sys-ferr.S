/*
 * Bare-metal guest: x87 exceptions with CR0.NE = 0, the MS-DOS compatible
 * way (Intel SDM vol. 1, 8.7 and D.2): an unmasked exception asserts FERR#,
 * which the PC routes to IRQ 13 of the slave 8259; the processor takes it
 * before the next waiting x87 instruction, FWAIT or MMX instruction runs
 * (FERR# at the end of the faulting instruction, or deferred to the
 * waiting one: either way the interrupt returns to the waiting instruction
 * that follows it here). The handler writes port F0h (clears the latch),
 * clears the exception with FNCLEX and sends the EOIs; the waiting
 * instruction then runs. With NE = 1 the same sequence raises #MF.
 * qemu-system-x86_64 7.2 aborts on this guest (an assertion that the I/O
 * thread lock is held, tcg_handle_interrupt, when FERR# raises IRQ 13).
 * expect: ferr-count ferr-return ferr-sw-es ferr-no-mf ferr-after-es
 * expect: ferr-fld-count ferr-fld-return ferr-fld-value
 * expect: ferr-mmx-count ferr-mmx-return ne-mf-vector ne-mf-no-irq
 */
#include "common.h"
#include "sys-idt.h"

#define CNT     V_A             /* IRQ 13 handler runs */
#define RET     V_B             /* the EIP it returns to */
#define SW      V_C             /* the status word it saw */
#define SCRATCH V_D
#define LAPIC   0xfee00000

    .section .text.start, "ax"
    .code16
    .globl start
start:
    RESET_ENTRY
    call uart_init16
    ENTER_PM32
    EXC_IDT32
    mov $0x2d, %edi             /* IRQ 13: slave base 0x28 + 5 */
    mov $irq13, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    /* the 8259s: master vectors 0x20, slave 0x28, cascade on IRQ 2 */
    mov $0x11, %al
    out %al, $0x20
    out %al, $0xa0
    mov $0x20, %al
    out %al, $0x21
    mov $0x28, %al
    out %al, $0xa1
    mov $0x04, %al
    out %al, $0x21
    mov $0x02, %al
    out %al, $0xa1
    mov $0x01, %al
    out %al, $0x21
    out %al, $0xa1
    mov $0xfb, %al              /* master: IRQ 2 only; slave: IRQ 13 only */
    out %al, $0x21
    mov $0xdf, %al
    out %al, $0xa1
    /* the local APIC in virtual-wire mode: LINT0 (the 8259's INTR) ExtINT */
    movl $0x1ff, LAPIC + 0xf0
    movl $0x700, LAPIC + 0x350
    mov %cr0, %eax              /* MP; NE, EM, TS clear */
    and $~0x2c, %eax
    or $0x02, %eax
    mov %eax, %cr0
    movl $0, CNT
    sti

    /* 1/0 with ZE unmasked, then FWAIT */
    fninit
    fldcw cw_ze
    fld1
    TRAP32 fdivs zero
fwait_insn:
    fwait
    EQ32 CNT, $1, ferr-count
    EQ32 RET, $fwait_insn, ferr-return
    movzwl SW, %eax
    and $0x80, %eax
    EQ32 %eax, $0x80, ferr-sw-es
    EQ32 V_VEC, $-1, ferr-no-mf
    fnstsw %ax
    movzwl %ax, %eax
    and $0x80, %eax
    EQ32 %eax, $0, ferr-after-es

    /* FLD waits, and then loads */
    fninit
    fldcw cw_ze
    fld1
    fdivs zero
fld_insn:
    fld1
    EQ32 CNT, $2, ferr-fld-count
    EQ32 RET, $fld_insn, ferr-fld-return
    fistpl SCRATCH
    EQ32 SCRATCH, $1, ferr-fld-value

    /* an MMX instruction waits too */
    fninit
    fldcw cw_ze
    fld1
    fdivs zero
mmx_insn:
    paddb %mm0, %mm1
    EQ32 CNT, $3, ferr-mmx-count
    EQ32 RET, $mmx_insn, ferr-mmx-return
    emms

    /* CR0.NE = 1: #MF, no IRQ 13 */
    mov %cr0, %eax
    or $0x20, %eax
    mov %eax, %cr0
    fninit
    fldcw cw_ze
    fld1
    fdivs zero
    TRAP32 fwait
    EQ32 V_VEC, $16, ne-mf-vector
    EQ32 CNT, $3, ne-mf-no-irq
    fninit
    cli
    jmp exit32

/* IRQ 13: count, note where it returns and the status word, clear the
 * FERR# latch (port F0h) and the exception, EOI slave then master */
irq13:
    push %eax
    incl CNT
    mov 4(%esp), %eax
    mov %eax, RET
    fnstsw SW
    xor %al, %al
    out %al, $0xf0
    fnclex
    mov $0x20, %al
    out %al, $0xa0
    out %al, $0x20
    pop %eax
    iret

    .section .rodata
    .balign 8
cw_ze:
    .word 0x037b
zero:
    .long 0

    GDT_FLAT32
    RESET_VECTOR
