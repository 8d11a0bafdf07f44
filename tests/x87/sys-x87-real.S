/*
 * Bare-metal guest: the real-address mode layouts of FNSTENV, FNSAVE,
 * FLDENV and FRSTOR (Intel SDM vol. 1, 8.1.10, figures 8-10 and 8-12):
 * FIP and FDP are 20-bit (16-bit form) or 32-bit linear addresses, CS or
 * DS base + offset, FOP beside FIP's high bits. 16-bit forms (the default
 * operand size) and 32-bit ones (66h), stored after an FMUL with a memory
 * operand at DS = 1234h, and the round trip of a loaded environment; then
 * FNSTENV in virtual-8086 mode, which uses the real layouts too (SDM vol.
 * 2A, FSTENV: "In virtual-8086 mode, the real mode layouts are used").
 * qemu-system-x86_64 7.2 differs: it stores the protected-mode layout here
 * (FCS F000h where FIP[19:16] and FOP go, FDP the offset 0100h, FDS 1234h)
 * and FLDENV does not load the pointers (23 of these checks fail under it).
 * expect: env16-cw env16-sw env16-tw env16-fip env16-fip-hi-fop env16-fdp
 * expect: env16-fdp-hi env32-fip env32-fip-hi-fop env32-fip-top env32-fdp
 * expect: env32-fdp-hi env32-fdp-top save16-fip-hi-fop save16-fdp save16-st0-hi
 * expect: save16-st0-exp ldenv16-fip ldenv16-fip-hi-fop ldenv16-fdp ldenv16-fdp-hi
 * expect: ldenv32-fip ldenv32-fip-hi-fop ldenv32-fip-top ldenv32-fdp
 * expect: ldenv32-fdp-hi ldenv32-fdp-top rstor32-st0 v86-env16-fip
 * expect: v86-env16-fip-hi-fop v86-env16-fdp v86-env16-fdp-hi v86-env32-fip-hi-fop
 * expect: v86-env32-fdp-hi
 */
#include "common.h"

#define ENV     0x600           /* stored images, ES = 0 */
#define IMAGE   0x700           /* images to load */
#define ENV2    0x780           /* stored in virtual-8086 mode */
#define ENV3    0x7c0
#define OPSEG   0x1234          /* DS of the FMUL operand */
#define OPOFF   0x0100          /* its offset: linear 0x12440 */

    .section .text.start, "ax"
    .code16
    .globl start
start:
    RESET_ENTRY
    call uart_init16
    mov %cr0, %eax              /* MP, NE; EM and TS clear */
    and $~0xc, %eax
    or $0x22, %eax
    mov %eax, %cr0

    /* the operand: 1.0 as a double at 1234:0100 */
    mov $OPSEG, %ax
    mov %ax, %ds
    movl $0, OPOFF
    movl $0x3ff00000, OPOFF + 4
    fninit
    fld1
fmul_insn:
    fmull OPOFF                 /* DC 0E: FOP = 4 << 8 | 0x0e */
    fnstenv %es:ENV             /* 16-bit form */
    xor %ax, %ax
    mov %ax, %ds
    EQ16 ENV + 0, $0x037f, env16-cw
    EQ16 ENV + 2, $0x3800, env16-sw
    EQ16 ENV + 4, $0x3fff, env16-tw
    EQ16 ENV + 6, $R(fmul_insn), env16-fip
    EQ16 ENV + 8, $0xf40e, env16-fip-hi-fop
    EQ16 ENV + 10, $0x2440, env16-fdp
    EQ16 ENV + 12, $0x1000, env16-fdp-hi

    fldcw ENV                   /* FNSTENV masked all: put the control word back */
    mov $OPSEG, %ax
    mov %ax, %ds
    fld1
fmul_insn2:
    fmull OPOFF
    .byte 0x66                  /* 32-bit form */
    fnstenv %es:ENV
    xor %ax, %ax
    mov %ax, %ds
    EQ16 ENV + 12, $R(fmul_insn2), env32-fip
    EQ16 ENV + 16, $0xf40e, env32-fip-hi-fop
    EQ16 ENV + 18, $0, env32-fip-top
    EQ16 ENV + 20, $0x2440, env32-fdp
    EQ16 ENV + 24, $0x1000, env32-fdp-hi
    EQ16 ENV + 26, $0, env32-fdp-top

    /* FNSAVE, 16-bit: the same pointers, then ST(0) = 1.0 at 14 */
    fninit
    mov $OPSEG, %ax
    mov %ax, %ds
    fld1
    fmull OPOFF
    fnsave %es:ENV
    xor %ax, %ax
    mov %ax, %ds
    EQ16 ENV + 8, $0xf40e, save16-fip-hi-fop
    EQ16 ENV + 10, $0x2440, save16-fdp
    EQ16 ENV + 14 + 6, $0x8000, save16-st0-hi
    EQ16 ENV + 14 + 8, $0x3fff, save16-st0-exp

    /* FLDENV 16-bit: FIP A5678h with FOP 123h, FDP 79ABCh; FNSTENV gives them back */
    movw $0x037f, IMAGE
    movw $0, IMAGE + 2
    movw $0xffff, IMAGE + 4
    movw $0x5678, IMAGE + 6
    movw $0xa123, IMAGE + 8
    movw $0x9abc, IMAGE + 10
    movw $0x7000, IMAGE + 12
    fldenv IMAGE
    fnstenv ENV
    EQ16 ENV + 6, $0x5678, ldenv16-fip
    EQ16 ENV + 8, $0xa123, ldenv16-fip-hi-fop
    EQ16 ENV + 10, $0x9abc, ldenv16-fdp
    EQ16 ENV + 12, $0x7000, ldenv16-fdp-hi

    /* FLDENV 32-bit: FIP 00AB5678h, FOP 123h, FDP 00CD9ABCh */
    movl $0xffff037f, IMAGE
    movl $0xffff0000, IMAGE + 4
    movl $0xffffffff, IMAGE + 8
    movl $0xffff5678, IMAGE + 12
    movl $0x000ab123, IMAGE + 16
    movl $0xffff9abc, IMAGE + 20
    movl $0x000cd000, IMAGE + 24
    .byte 0x66
    fldenv IMAGE
    .byte 0x66
    fnstenv ENV
    EQ16 ENV + 12, $0x5678, ldenv32-fip
    EQ16 ENV + 16, $0xb123, ldenv32-fip-hi-fop
    EQ16 ENV + 18, $0x000a, ldenv32-fip-top
    EQ16 ENV + 20, $0x9abc, ldenv32-fdp
    EQ16 ENV + 24, $0xd000, ldenv32-fdp-hi
    EQ16 ENV + 26, $0x000c, ldenv32-fdp-top

    /* FRSTOR 32-bit: the registers follow the 28-byte environment */
    movl $0xffff3800, IMAGE + 4     /* TOP = 7 */
    movl $0xffff3fff, IMAGE + 8     /* ST(0) = R7 valid */
    movl $0, IMAGE + 28
    movl $0xc0000000, IMAGE + 32
    movw $0x4000, IMAGE + 36        /* 3.0 */
    .byte 0x66
    frstor IMAGE
    fistps ENV + 0x40
    EQ16 ENV + 0x40, $3, rstor32-st0

    ENTER_PM32
    call set_exc_gates32
    mov $13, %edi               /* #GP: the way back from virtual-8086 mode */
    mov $v86_exit, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    movl $0x6000, TSS_ADDR + 4  /* ESP0, SS0 */
    movl $0x10, TSS_ADDR + 8
    movw $0x68, TSS_ADDR + 0x66 /* no I/O bitmap */
    mov $0x18, %ax
    ltr %ax
    fninit
    /* IRET to virtual-8086 mode: CS F000h, SS 0, DS 1234h, ES 0, IOPL 0 */
    mov %esp, V_E
    push $0                     /* GS, FS, DS, ES */
    push $0
    push $OPSEG
    push $0
    push $0                     /* SS:ESP */
    push $0x7800
    push $0x20002               /* EFLAGS: VM */
    push $0xf000                /* CS:EIP */
    push $R(v86_code)
    iret
v86_done:
    movzwl ENV2 + 6, %ecx
    EQ32 %ecx, $R(v86_fmul), v86-env16-fip
    movzwl ENV2 + 8, %ecx
    EQ32 %ecx, $0xf40e, v86-env16-fip-hi-fop
    movzwl ENV2 + 10, %ecx
    EQ32 %ecx, $0x2440, v86-env16-fdp
    movzwl ENV2 + 12, %ecx
    EQ32 %ecx, $0x1000, v86-env16-fdp-hi
    movzwl ENV3 + 16, %ecx
    EQ32 %ecx, $0xf40e, v86-env32-fip-hi-fop
    movzwl ENV3 + 24, %ecx
    EQ32 %ecx, $0x1000, v86-env32-fdp-hi
    jmp exit32

/* HLT in virtual-8086 mode (CPL 3): #GP here, back to v86_done */
v86_exit:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov V_E, %esp
    jmp v86_done

    .code16
v86_code:
    fld1
v86_fmul:
    fmull OPOFF
    fnstenv %es:ENV2
    .byte 0x66
    fnstenv %es:ENV3
    hlt

    /* GDT 0x18 32-bit TSS at TSS_ADDR */
    GDT_FLAT32 256, 0x0000890030000067
    RESET_VECTOR
