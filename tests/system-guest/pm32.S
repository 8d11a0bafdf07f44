/*
 * Bare-metal test: real mode, 16- and 32-bit protected mode.
 * From the reset state (Intel SDM vol. 3A, 9.1): real-mode segment arithmetic
 * (linear = segment * 16 + offset), the 1 MiB wrap with A20 masked and
 * unmasked through port 0x92 (PS/2 system control port A, bit 1), a GDT and far
 * jumps into a 16-bit then a 32-bit code segment (3A, 9.9.1), exceptions through
 * a 32-bit IDT with their error codes (3A, 6.13 and 6.15: #UD, #DE, #GP, #NP,
 * #DF as contributory + contributory, #PF with CR2 under 32-bit paging and
 * CR0.WP), far CALL/RET, and a ring-3 round trip: IRET to ring 3, back through
 * a DPL-3 interrupt gate with the stack switch from the TSS (3A, 6.12.1, 7.2.1).
 * expect: real-segment-alias real-segment-wrap a20-port92-on a20-on-no-wrap
 * expect: a20-port92-off a20-off-wrap pm16-cs pm16-push-size pm32-cs pm32-high-memory
 * expect: ud-vector ud-eip de-vector de-eip gp-vector gp-selector-error gp-null-ss
 * expect: np-vector np-error df-vector df-error pf-read-vector pf-read-error
 * expect: pf-read-cr2 pf-write-error pf-write-cr2 wp0-write-allowed pf-wp-error
 * expect: far-call-cs far-call-return ring3-frame-cs ring3-frame-ss ring3-frame-esp
 * expect: ring3-tss-esp0 ring3-cs-rpl
 */
#include "common.h"

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    movl $0, V_FAILS + 4

    /* segment arithmetic: 0x1234:0x0010 and 0x1235:0x0000 are both 0x12350 */
    mov $0x1234, %ax
    mov %ax, %es
    movw $0xbeef, %es:0x10
    mov $0x1235, %ax
    mov %ax, %fs
    EQ16 %fs:0, $0xbeef, real-segment-alias
    /* 0x1000:0xfffe and 0x0000:0xfffe + 0x10000 */
    mov $0x1000, %ax
    mov %ax, %es
    movw $0x5a5a, %es:0xfffe
    mov $0x1fff, %ax
    mov %ax, %fs
    EQ16 %fs:0xe, $0x5a5a, real-segment-wrap

    /* A20 on: 0xFFFF:0x0610 is 0x100600, distinct from 0x600 */
    in $0x92, %al
    or $0x02, %al
    and $0xfe, %al              /* never the fast-reset bit */
    out %al, $0x92
    in $0x92, %al
    and $0x02, %ax
    EQ16 %ax, $2, a20-port92-on
    mov $0xffff, %ax
    mov %ax, %fs
    movw $0x1111, 0x600
    movw $0x2222, %fs:0x610
    EQ16 0x600, $0x1111, a20-on-no-wrap
    /* A20 off: the same address wraps to 0x600 */
    in $0x92, %al
    and $0xfc, %al
    out %al, $0x92
    in $0x92, %al
    and $0x02, %ax
    EQ16 %ax, $0, a20-port92-off
    movw $0x3333, %fs:0x610
    EQ16 0x600, $0x3333, a20-off-wrap
    in $0x92, %al
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92

    /* the GDT into RAM (the TSS descriptor's busy bit is written) */
    xor %ax, %ax
    mov %ax, %es
    mov $R(gdt_rom), %si
    mov $GDT_ADDR, %di
    mov $gdt_end - gdt_rom, %cx
    cs rep movsb
    lgdtl %cs:R(gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmp $0x18, $R(pm16)
pm16:
    mov $0x20, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov %cs, %bx
    EQ16 %bx, $0x18, pm16-cs
    mov %sp, %bx
    push %ax
    mov %sp, %cx
    pop %ax
    sub %cx, %bx
    EQ16 %bx, $2, pm16-push-size
    ljmpl $0x08, $pm32

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $STACK0, %esp
    mov %cs, %eax
    movzwl %ax, %eax
    EQ32 %eax, $0x08, pm32-cs
    movl $0x600dcafe, 0x1f0000
    EQ32 0x1f0000, $0x600dcafe, pm32-high-memory

    /* IDT: vectors 0-31 to the stubs, 0x40 not present, 0x80 DPL 3 */
    mov $IDT_ADDR, %edi
    mov $256 * 8 / 4, %ecx
    xor %eax, %eax
    rep stosl
    call set_exc_gates32
    mov $0x40, %edi
    mov $exc_stubs32, %eax
    mov $0x0e, %edx             /* P = 0 */
    call set_gate32
    mov $0x80, %edi
    mov $ring3_back, %eax
    mov $0xee, %edx
    call set_gate32
    lidt idtr

    TRAP32 ud2
    EQ32 V_VEC, $6, ud-vector
    EQ32 V_RIP, V_TRAPIP, ud-eip
    mov $1, %eax
    xor %edx, %edx
    xor %ecx, %ecx
    TRAP32 div %ecx
    EQ32 V_VEC, $0, de-vector
    EQ32 V_RIP, V_TRAPIP, de-eip
    mov $0x1003, %eax           /* index 0x200 is past the GDT limit */
    TRAP32 mov %ax, %ds
    EQ32 V_VEC, $13, gp-vector
    EQ32 V_ERR, $0x1000, gp-selector-error
    xor %eax, %eax
    TRAP32 mov %ax, %ss
    EQ32 V_ERR, $0, gp-null-ss
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %ss
    TRAP32 int $0x40
    EQ32 V_VEC, $11, np-vector
    EQ32 V_ERR, $0x202, np-error  /* index 0x40, IDT bit */
    /* #DE whose gate is not present: #NP while delivering #DE is #DF */
    andb $0x7f, IDT_ADDR + 5
    mov $1, %eax
    xor %edx, %edx
    xor %ecx, %ecx
    TRAP32 div %ecx
    EQ32 V_VEC, $8, df-vector
    EQ32 V_ERR, $0, df-error
    orb $0x80, IDT_ADDR + 5

    /* 32-bit paging: page directory at PT_BASE, one page table for 0-4 MiB;
     * 0x23000 not present, 0x24000 read-only */
    mov $PT_BASE, %edi
    mov $2048, %ecx
    xor %eax, %eax
    rep stosl
    movl $PT_BASE + 0x1000 + 3, PT_BASE
    mov $PT_BASE + 0x1000, %edi
    mov $3, %eax
    mov $1024, %ecx
1:  stosl
    add $0x1000, %eax
    loop 1b
    movl $0, PT_BASE + 0x1000 + 0x23 * 4
    andl $~2, PT_BASE + 0x1000 + 0x24 * 4
    mov $PT_BASE, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    and $~0x10000, %eax         /* WP = 0 */
    mov %eax, %cr0
    TRAP32 mov 0x23010, %eax
    EQ32 V_VEC, $14, pf-read-vector
    EQ32 V_ERR, $0, pf-read-error
    EQ32 V_CR2, $0x23010, pf-read-cr2
    TRAP32 movl $1, 0x23ffc
    EQ32 V_ERR, $2, pf-write-error
    EQ32 V_CR2, $0x23ffc, pf-write-cr2
    movl $0x77, 0x24000         /* supervisor write, WP = 0: allowed */
    EQ32 0x24000, $0x77, wp0-write-allowed
    mov %cr0, %eax
    or $0x10000, %eax
    mov %eax, %cr0
    TRAP32 movl $0x88, 0x24000
    EQ32 V_ERR, $3, pf-wp-error
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0

    /* far CALL / RET through the same code segment */
    movl $0, V_A
    lcall $0x08, $far_target
    EQ32 V_B, $0x08, far-call-cs
    EQ32 V_A, $0x1234, far-call-return

    /* ring 3: TSS with ESP0/SS0, IRET to the DPL-3 code, INT 0x80 back */
    mov $TSS_ADDR, %edi
    mov $0x68 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $RSP0_TOP, TSS_ADDR + 4
    movl $0x10, TSS_ADDR + 8
    movw $0x68, TSS_ADDR + 0x66 /* no I/O bitmap */
    mov $0x38, %ax
    ltr %ax
    push $0x33                  /* SS: user data, RPL 3 */
    push $USTACK_TOP
    push $0x002                 /* EFLAGS: IOPL 0, IF 0 */
    push $0x2b                  /* CS: user code, RPL 3 */
    push $ring3_code
    iret

ring3_code:
    mov $0x33, %ax              /* IRET nulled DS: its DPL was below CPL 3 */
    mov %ax, %ds
    mov %cs, %eax
    mov %eax, V_C
    int $0x80
1:  jmp 1b

ring3_back:                     /* ring 0, on the TSS stack */
    mov %esp, V_RSP
    mov 4(%esp), %eax
    mov %eax, V_CS
    mov 12(%esp), %eax
    mov %eax, V_FRSP
    mov 16(%esp), %eax
    mov %eax, V_FSS
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov $STACK0, %esp
    EQ32 V_CS, $0x2b, ring3-frame-cs
    EQ32 V_FSS, $0x33, ring3-frame-ss
    EQ32 V_FRSP, $USTACK_TOP, ring3-frame-esp
    EQ32 V_RSP, $(RSP0_TOP-20), ring3-tss-esp0
    movzwl V_C, %eax
    and $3, %eax
    EQ32 %eax, $3, ring3-cs-rpl
    jmp exit32

far_target:
    mov 4(%esp), %eax
    mov %eax, V_B
    movl $0x1234, V_A
    lret

    /* 0x18 code16 (base 0xF0000), 0x20 data16 (base 0), 0x28 user code32,
     * 0x30 user data32, 0x38 the TSS32 at 0x3000 */
    GDT_FLAT32 256, 0x00009b0f0000ffff, 0x000093000000ffff, 0x00cffb000000ffff, \
        0x00cff3000000ffff, 0x0000890030000067

    RESET_VECTOR
