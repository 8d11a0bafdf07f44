/*
 * Bare-metal MMX test (system mode), built with tests/system-guest's lib.S,
 * common.h and image.ld: in 32-bit protected mode, MMX instructions raise #UD
 * with CR0.EM set and #NM with CR0.TS set (Intel SDM vol. 2, PADDB, EMMS,
 * MOVQ2DQ "Protected Mode Exceptions"; vol. 3A, 2.5 and table 2-2), run with
 * both clear; an MMX read sees the x87 register it aliases (vol. 1, 9.5); and
 * CPUID.1:EDX.MMX[bit 23] is set. With CR4.OSFXSR clear the forms with an
 * XMM operand raise #UD (vol. 3B, table 22-6), the MMX-only ones run (22-8). Prints "ok NAME" per check and "done"; the
 * suite runs it under quetzal-system-x86_64 and, when installed, under
 * qemu-system-x86_64 as a check of the test itself.
 * expect: em-paddb-ud em-emms-ud ts-paddb-nm ts-emms-nm ts-movq2dq-nm ts-movq-mem-nm
 * expect: clear-paddb-runs mmx-reads-x87 mmx-sets-top cpuid-mmx
 * expect: no-osfxsr-movq2dq-ud no-osfxsr-paddb-runs
 */
#include "common.h"
#include "../x87/sys-idt.h"

#define CR0_EM 4
#define CR0_TS 8

    .section .text.start, "ax"
    .code16
    .globl start
start:
    RESET_ENTRY
    movl $0, V_FAILS + 4
    call uart_init16
    mov $0xff, %al              /* mask both 8259s */
    out %al, $0x21
    out %al, $0xa1
    xor %ax, %ax
    mov %ax, %es
    ENTER_PM32
    EXC_IDT32
    lidt idtr
    /* MP and NE, CR4.OSFXSR as an OS sets them; the x87 unit initialised */
    mov %cr0, %eax
    and $~(CR0_EM | CR0_TS), %eax
    or $0x22, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    or $0x200, %eax
    mov %eax, %cr4
    fninit

    /* CR0.EM: #UD */
    mov %cr0, %eax
    or $CR0_EM, %eax
    mov %eax, %cr0
    TRAP32 paddb %mm1, %mm0
    EQ32 V_VEC, $6, em-paddb-ud
    TRAP32 emms
    EQ32 V_VEC, $6, em-emms-ud
    /* CR0.TS: #NM */
    mov %cr0, %eax
    and $~CR0_EM, %eax
    or $CR0_TS, %eax
    mov %eax, %cr0
    TRAP32 paddb %mm1, %mm0
    EQ32 V_VEC, $7, ts-paddb-nm
    TRAP32 emms
    EQ32 V_VEC, $7, ts-emms-nm
    TRAP32 movq2dq %mm1, %xmm0
    EQ32 V_VEC, $7, ts-movq2dq-nm
    TRAP32 movq V_A, %mm2
    EQ32 V_VEC, $7, ts-movq-mem-nm
    /* both clear: runs */
    clts
    movl $0xffffffff, V_VEC
    movl $0x01020304, V_A
    movl $0x05060708, V_A + 4
    movq V_A, %mm3
    paddb %mm3, %mm3
    movq %mm3, V_B
    emms
    EQ32 V_B, $0x02040608, clear-paddb-runs

    /* fld1 loads R7 = 1.0 (significand 0x8000000000000000); MMX reads it */
    fninit
    fld1
    movq %mm7, V_C
    EQ32 V_C + 4, $0x80000000, mmx-reads-x87
    fnstsw %ax
    and $0x3800, %eax
    EQ32 %eax, $0, mmx-sets-top
    emms
    fninit

    /* CR4.OSFXSR clear */
    mov %cr4, %eax
    and $~0x200, %eax
    mov %eax, %cr4
    TRAP32 movq2dq %mm1, %xmm0
    EQ32 V_VEC, $6, no-osfxsr-movq2dq-ud
    movl $0xffffffff, V_VEC
    movq V_A, %mm3
    psubb %mm3, %mm3
    movq %mm3, V_B
    emms
    EQ32 V_B, $0, no-osfxsr-paddb-runs

    mov $1, %eax
    cpuid
    shr $23, %edx
    and $1, %edx
    EQ32 %edx, $1, cpuid-mmx
    jmp exit32

    GDT_FLAT32
    RESET_VECTOR
