/*
 * Bare-metal test of what an accelerator hands back to the machine: port I/O,
 * string port I/O, MMIO and hardware interrupts with HLT, in real mode, 32-bit
 * protected mode and long mode (tests/check-kvm.sh runs it under -accel kvm and
 * -accel tcg; check-baremetal under the default accelerator).
 * No protected-mode IRET anywhere: KVM's instruction emulator, which nested
 * hosts fall back on, handles IRET in real mode only (an unmodified guest's
 * IRET stops there with KVM_EXIT_INTERNAL_ERROR), so the interrupt handlers
 * here record their frame and jump on with a fresh stack.
 * Facts checked: 8259 IMR is read/write (8259A data sheet, OCW1); a port
 * nobody claims reads all-ones; REP INSB repeats (SDM vol. 2A, INS); real-mode
 * INT n through the IVT and IRET (vol. 3A, 20.1.4); local APIC version register
 * 0x10-0x15 for an integrated APIC and TPR bits 7:0 read/write (vol. 3A,
 * 11.4.8, 11.8.3.1); LINT0 as ExtINT takes the 8259's IRQ0 from the 8254 and
 * the frame's EIP is the instruction after HLT (6.12.1); long mode entry
 * (10.8.5) with EFER.LMA set.
 * expect: rm-imr-rw rm-unclaimed-port rm-rep-insb rm-int-iret rm-int-returned
 * expect: pm-cs pm-apic-version pm-tpr-rw pm-imr-rw pm-irq0-vector pm-irq0-eip
 * expect: lm-efer-lma lm-mul-rdx lm-tpr-rw lm-imr-rw lm-irq0-vector lm-irq0-rip
 */
#include "common.h"

#define LAPIC   0xfee00000
#define PML4    PT_BASE
#define PDPT    (PT_BASE + 0x1000)
#define PD0     (PT_BASE + 0x2000)      /* 4 page directories: 0-4 GiB in 2 MiB pages */
#define MSR_EFER 0xc0000080

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    movl $0, V_FAILS + 4
    /* --- real mode --- */
    mov $0x5a, %al
    out %al, $0xa1
    in $0xa1, %al
    movzbw %al, %ax
    mov %ax, V_A
    movl $0, V_B
    mov $V_B, %di               /* REP INSB: the IMR twice */
    mov $0xa1, %dx
    mov $2, %cx
    rep insb
    mov $0xff, %al
    out %al, $0xa1
    EQ16 V_A, $0x5a, rm-imr-rw
    mov $0x2e0, %dx             /* nothing at 0x2e0 on a pc */
    in %dx, %ax
    mov %ax, V_A
    EQ16 V_A, $0xffff, rm-unclaimed-port
    EQ16 V_B, $0x5a5a, rm-rep-insb
    movw $R(rm_int60), 0x60 * 4 /* IVT entry 0x60: F000:rm_int60 */
    movw $0xf000, 0x60 * 4 + 2
    movw $0, V_C
    int $0x60
    movw $1, V_D
    EQ16 V_C, $0x60, rm-int-iret
    EQ16 V_D, $1, rm-int-returned
    ENTER_PM32
    /* --- 32-bit protected mode --- */
    mov %cs, %eax
    mov %eax, V_A
    EQ32 V_A, $0x08, pm-cs
    mov LAPIC + 0x30, %eax
    and $0xf0, %eax
    mov %eax, V_A
    EQ32 V_A, $0x10, pm-apic-version
    movl $0x20, LAPIC + 0x80
    mov LAPIC + 0x80, %eax
    and $0xff, %eax
    mov %eax, V_A
    movl $0, LAPIC + 0x80
    EQ32 V_A, $0x20, pm-tpr-rw
    mov $0xa5, %al
    out %al, $0xa1
    in $0xa1, %al
    movzbl %al, %eax
    mov %eax, V_A
    mov $0xff, %al
    out %al, $0xa1
    EQ32 V_A, $0xa5, pm-imr-rw
    mov $0x20, %edi
    mov $pm_irq0, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr32
    call irq0_setup
    movl $0, V_A
    movl $0, V_B
    sti
pm_hlt:
    hlt
pm_after_hlt:
    jmp pm_hlt                  /* another interrupt first: wait on */
pm_irq0_done:
    EQ32 V_A, $0x20, pm-irq0-vector
    EQ32 V_B, $pm_after_hlt, pm-irq0-eip
    jmp to_long_mode

/* the 8259 (vector 0x20, only IRQ0), the 8254 channel 0 at 100 Hz, and the
 * local APIC in virtual-wire mode (SVR enabled, LINT0 ExtINT) */
irq0_setup:
    PIC_PIT_INIT 11932
    VIRTUAL_WIRE LAPIC
    ret

/* records vector and return EIP, masks and acknowledges IRQ0, goes on without IRET */
pm_irq0:
    movl $0x20, V_A
    mov (%esp), %eax
    mov %eax, V_B
    mov $0xff, %al
    out %al, $0x21
    mov $0x20, %al
    out %al, $0x20
    mov $STACK0, %esp
    jmp pm_irq0_done

to_long_mode:
    /* identity map of 0-4 GiB in 2 MiB pages */
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
    mov $0x83, %eax             /* P, RW, PS */
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
    mov $MSR_EFER, %ecx
    rdmsr
    shr $10, %eax
    and $1, %eax
    mov %rax, V_A
    EQ64 V_A, $1, lm-efer-lma
    mov $0x100000001, %rax
    mov $0x100000003, %rcx
    mul %rcx
    mov %rdx, V_A
    EQ64 V_A, $1, lm-mul-rdx
    mov $LAPIC, %ebx            /* above 2 GiB: no sign-extended disp32 */
    movl $0x30, 0x80(%rbx)
    mov 0x80(%rbx), %eax
    and $0xff, %eax
    mov %rax, V_A
    movl $0, 0x80(%rbx)
    EQ64 V_A, $0x30, lm-tpr-rw
    mov $0x3c, %al
    out %al, $0xa1
    in $0xa1, %al
    movzbq %al, %rax
    mov %rax, V_A
    mov $0xff, %al
    out %al, $0xa1
    EQ64 V_A, $0x3c, lm-imr-rw
    mov $lm_irq0, %eax          /* 64-bit interrupt gate 0x20, selector 0x18 */
    mov $IDT_ADDR + 0x20 * 16, %edi
    mov %ax, (%rdi)
    movw $0x18, 2(%rdi)
    movw $0x8e00, 4(%rdi)
    shr $16, %eax
    mov %ax, 6(%rdi)
    movq $0, 8(%rdi)
    lidt idtr64
    movq $0, V_A
    movq $0, V_B
    mov $0xfe, %al              /* IRQ0 unmasked again (the 8254 still runs) */
    out %al, $0x21
    sti
lm_hlt:
    hlt
lm_after_hlt:
    jmp lm_hlt
lm_irq0_done:
    EQ64 V_A, $0x20, lm-irq0-vector
    mov $lm_after_hlt, %rax
    EQ64 V_B, %rax, lm-irq0-rip
    jmp exit64

lm_irq0:
    movq $0x20, V_A
    mov (%rsp), %rax
    mov %rax, V_B
    mov $0xff, %al
    out %al, $0x21
    mov $0x20, %al
    out %al, $0x20
    mov $STACK0, %rsp
    jmp lm_irq0_done

    .code16
rm_int60:
    movw $0x60, V_C
    iret

    .section .rodata
    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08 code32 flat */
    .quad 0x00cf93000000ffff    /* 0x10 data flat */
    .quad 0x00209b0000000000    /* 0x18 code64 */
gdt_end:
gdtr:
    .word gdt_end - gdt_rom - 1
    .long GDT_ADDR
idtr32:
    .word 256 * 8 - 1
    .long IDT_ADDR
idtr64:
    .word 256 * 16 - 1
    .quad IDT_ADDR

    RESET_VECTOR
