/*
 * Bare-metal XSAVE test (system mode, -cpu max,+avx), built with
 * tests/system-guest's lib.S, common.h and image.ld, in 32-bit protected mode
 * at CPL 0, against the SDM's rules (vol. 1, 13.3; vol. 2C, XGETBV, XSETBV,
 * XSAVE "Protected Mode Exceptions"; vol. 2A, 2.3.10.1): CPUID.1:ECX.XSAVE set
 * and OSXSAVE following CR4.OSXSAVE; without CR4.OSXSAVE, XGETBV, XSAVE and
 * VEX instructions raise #UD; XCR0 is 1 after reset; XGETBV/XSETBV of an XCR
 * other than 0, XCR0 without x87, AVX without SSE or an unsupported bit raise
 * #GP; VEX needs XCR0 to enable SSE and AVX; CPUID leaf 0xD sizes follow XCR0;
 * XSAVE stores YMM_Hi128 at 576, raises #GP for a misaligned area and #NM with
 * CR0.TS; XRSTOR refuses a header with a reserved byte set (#GP); XSAVES
 * and XRSTORS (compacted format; XRSTORS #GP for the standard one), IA32_XSS
 * (0, non-zero writes #GP), CPUID.(0DH,1) EAX[3] and ECX; the x87 FIP, FCS,
 * FOP, FDP, FDS in FNSTENV; #MF at FWAIT for an unmasked exception.
 * The suite runs it under quetzal-system-x86_64 (qemu-system-x86_64 7.2 -cpu
 * max passes it except ts-xsave-nm: its TCG XSAVE ignores CR0.TS).
 * expect: cpuid-xsave osxsave-clear xgetbv-ud xsave-ud vex-ud cr4-osxsave cpuid-osxsave
 * expect: xcr0-reset xgetbv-ecx2-gp xsetbv-0-gp xsetbv-avx-nosse-gp xsetbv-bit3-gp
 * expect: xsetbv-ecx1-gp xsetbv-3 vex-ud-xcr0 size-xcr0-3 xsetbv-7 size-xcr0-7
 * expect: ymm-offset vex-runs xsave-ymm xsave-bv xsave-align-gp xrstor-header-gp
 * expect: cpuid-xsaves cpuid-xss-bits xss-zero xss-write-gp xss-write-0 xsaves-xcomp-lo
 * expect: xsaves-xcomp-hi xsaves-ymm xrstors-ymm xrstors-standard-gp
 * expect: x87-fip x87-fcs-fop x87-fdp x87-fds x87-mf
 * expect: ts-xsave-nm
 */
#include "common.h"
#include "../x87/sys-idt.h"

#define CR4_OSXSAVE (1 << 18)
#define AREA 0x20000            /* a 64-byte aligned XSAVE area */

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
    mov %cr0, %eax              /* MP, NE; EM and TS clear */
    and $~0xc, %eax
    or $0x22, %eax
    mov %eax, %cr0
    mov %cr4, %eax              /* OSFXSR, OSXMMEXCPT */
    or $0x600, %eax
    mov %eax, %cr4
    fninit

    mov $1, %eax
    cpuid
    mov %ecx, %ebx
    shr $26, %ecx
    and $1, %ecx
    EQ32 %ecx, $1, cpuid-xsave
    shr $27, %ebx
    and $1, %ebx
    EQ32 %ebx, $0, osxsave-clear
    xor %ecx, %ecx
    TRAP32 xgetbv
    EQ32 V_VEC, $6, xgetbv-ud
    mov $7, %eax
    xor %edx, %edx
    TRAP32 xsave AREA
    EQ32 V_VEC, $6, xsave-ud
    TRAP32 vmovdqu %ymm1, %ymm0
    EQ32 V_VEC, $6, vex-ud

    mov %cr4, %eax
    or $CR4_OSXSAVE, %eax
    mov %eax, %cr4
    mov %cr4, %eax
    and $CR4_OSXSAVE, %eax
    EQ32 %eax, $CR4_OSXSAVE, cr4-osxsave
    mov $1, %eax
    cpuid
    shr $27, %ecx
    and $1, %ecx
    EQ32 %ecx, $1, cpuid-osxsave
    xor %ecx, %ecx
    xgetbv
    EQ32 %eax, $1, xcr0-reset
    mov $2, %ecx
    TRAP32 xgetbv
    EQ32 V_VEC, $13, xgetbv-ecx2-gp

    xor %ecx, %ecx
    xor %edx, %edx
    xor %eax, %eax
    TRAP32 xsetbv
    EQ32 V_VEC, $13, xsetbv-0-gp
    xor %ecx, %ecx
    xor %edx, %edx             /* the handler does not keep EDX */
    mov $5, %eax
    TRAP32 xsetbv
    EQ32 V_VEC, $13, xsetbv-avx-nosse-gp
    xor %ecx, %ecx
    xor %edx, %edx             /* the handler does not keep EDX */
    mov $0xb, %eax
    TRAP32 xsetbv
    EQ32 V_VEC, $13, xsetbv-bit3-gp
    mov $1, %ecx
    xor %edx, %edx
    mov $3, %eax
    TRAP32 xsetbv
    EQ32 V_VEC, $13, xsetbv-ecx1-gp
    xor %ecx, %ecx
    xor %edx, %edx
    mov $3, %eax
    xsetbv
    xgetbv
    EQ32 %eax, $3, xsetbv-3
    TRAP32 vmovdqu %ymm1, %ymm0
    EQ32 V_VEC, $6, vex-ud-xcr0
    mov $0xd, %eax
    xor %ecx, %ecx
    cpuid
    EQ32 %ebx, $576, size-xcr0-3

    xor %ecx, %ecx
    xor %edx, %edx
    mov $7, %eax
    xsetbv
    xgetbv
    EQ32 %eax, $7, xsetbv-7
    mov $0xd, %eax
    xor %ecx, %ecx
    cpuid
    EQ32 %ebx, $832, size-xcr0-7
    mov $0xd, %eax
    mov $2, %ecx
    cpuid
    EQ32 %ebx, $576, ymm-offset

    /* YMM1 from 32 bytes of pattern, copied to YMM0 and stored */
    mov $0, %ecx
1:  lea 0x11(%ecx, %ecx, 2), %eax
    mov %al, AREA + 0x400(%ecx)
    inc %ecx
    cmp $32, %ecx
    jne 1b
    movl $0xffffffff, V_VEC
    vmovdqu AREA + 0x400, %ymm1
    vmovdqu %ymm1, %ymm0
    vmovdqu %ymm0, AREA + 0x440
    mov AREA + 0x440 + 28, %eax
    EQ32 V_VEC, $0xffffffff, vex-runs
    /* XSAVE of x87|SSE|AVX: YMM1's upper half at 576 + 16 */
    mov $AREA, %edi
    mov $0x400 / 4, %ecx
    xor %eax, %eax
    rep stosl
    mov $7, %eax
    xor %edx, %edx
    xsave AREA
    mov AREA + 0x440 + 28, %eax
    EQ32 AREA + 576 + 16 + 12, %eax, xsave-ymm
    mov AREA + 512, %eax        /* x87 is initial: XSTATE_BV[0] may be 0 or 1 */
    and $6, %eax
    EQ32 %eax, $6, xsave-bv
    mov $7, %eax
    xor %edx, %edx
    TRAP32 xsave AREA + 16
    EQ32 V_VEC, $13, xsave-align-gp
    movb $1, AREA + 512 + 17    /* a byte of the reserved header */
    mov $7, %eax
    xor %edx, %edx
    TRAP32 xrstor AREA
    EQ32 V_VEC, $13, xrstor-header-gp

    /* XSAVES/XRSTORS and IA32_XSS (13.11, 13.12; no supervisor component:
     * XSS reads 0 and takes only 0) */
    mov $0xd, %eax
    mov $1, %ecx
    cpuid
    mov %ecx, %ebx
    and $8, %eax
    EQ32 %eax, $8, cpuid-xsaves
    EQ32 %ebx, $0, cpuid-xss-bits
    mov $0xda0, %ecx
    rdmsr
    EQ32 %eax, $0, xss-zero
    mov $0xda0, %ecx
    mov $1, %eax
    xor %edx, %edx
    TRAP32 wrmsr
    EQ32 V_VEC, $13, xss-write-gp
    mov $0xda0, %ecx
    xor %eax, %eax
    xor %edx, %edx
    movl $0xffffffff, V_VEC
    wrmsr
    EQ32 V_VEC, $0xffffffff, xss-write-0
    mov $AREA, %edi
    mov $0x400 / 4, %ecx
    xor %eax, %eax
    rep stosl
    mov $7, %eax
    xor %edx, %edx
    xsaves AREA
    EQ32 AREA + 512 + 8, $7, xsaves-xcomp-lo
    EQ32 AREA + 512 + 12, $0x80000000, xsaves-xcomp-hi
    mov AREA + 0x440 + 28, %eax
    EQ32 AREA + 576 + 16 + 12, %eax, xsaves-ymm
    vpxor %ymm1, %ymm1, %ymm1
    mov $7, %eax
    xor %edx, %edx
    xrstors AREA
    vmovdqu %ymm1, AREA + 0x480
    mov AREA + 0x440 + 28, %eax
    EQ32 AREA + 0x480 + 28, %eax, xrstors-ymm
    mov $7, %eax
    xor %edx, %edx
    xsave AREA                  /* the standard format; XSAVE leaves XCOMP_BV */
    movl $0, AREA + 512 + 12
    TRAP32 xrstors AREA
    EQ32 V_VEC, $13, xrstors-standard-gp

    /* x87 last-instruction pointers in FNSTENV's 32-bit protected-mode
     * layout (vol. 1, 8.1.8-8.1.10, figure 8-9): FIP, FCS 08H and FOP 505H
     * (DD /0 with ModRM 05H), FDP and FDS 10H */
    fninit
fld_insn:
    fldl AREA + 0x400
    fnstenv AREA + 0x500
    EQ32 AREA + 0x500 + 12, $fld_insn, x87-fip
    EQ32 AREA + 0x500 + 16, $0x05050008, x87-fcs-fop
    EQ32 AREA + 0x500 + 20, $AREA + 0x400, x87-fdp
    mov AREA + 0x500 + 24, %eax
    and $0xffff, %eax
    EQ32 %eax, $0x10, x87-fds
    /* an unmasked zero divide: FWAIT raises #MF (vector 16) with CR0.NE */
    fninit
    movw $0x37b, AREA + 0x500
    fldcw AREA + 0x500
    fld1
    fldz
    fdivrp
    TRAP32 fwait
    EQ32 V_VEC, $16, x87-mf
    fnclex
    fninit
    mov %cr0, %eax
    or $8, %eax
    mov %eax, %cr0
    mov $7, %eax
    xor %edx, %edx
    TRAP32 xsave AREA
    EQ32 V_VEC, $7, ts-xsave-nm
    clts
    jmp exit32

    GDT_FLAT32
    RESET_VECTOR
