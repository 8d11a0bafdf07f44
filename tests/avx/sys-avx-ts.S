/*
 * Bare-metal AVX test (system mode) for check-avx, built with
 * tests/system-guest's lib.S, common.h and image.ld and run under
 * quetzal-system-x86_64 -cpu max,+avx,+avx2,+fma,+f16c: in 32-bit protected
 * mode with CR0.TS set, VEX-encoded SSE/AVX/FMA/F16C instructions raise #NM
 * (Intel SDM vol. 2A, 2.8, the exception condition tables: "#NM If CR0.TS[bit
 * 3]=1"), before any memory access, while the VEX-encoded BMI1 ANDN, which
 * works on general registers only, runs; with TS clear they all run. Prints
 * "ok NAME" per check and "done". CR4.OSXSAVE and XCR0 = x87|SSE|AVX are set
 * first, as an OS does (without them every VEX SSE/AVX instruction is #UD).
 * expect: ts-vaddps-nm ts-vfmadd-nm ts-vpermq-nm ts-vzeroupper-nm ts-vmovdqu-nm
 * expect: ts-vgather-nm ts-vcvtph2ps-nm ts-andn-runs clear-vaddps-runs clear-vfmadd-runs
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
    /* MP and NE, CR4.OSFXSR and OSXSAVE, XCR0 = x87|SSE|AVX as an OS sets them
     * (without OSXSAVE and XCR0.AVX a VEX instruction is #UD, SDM vol. 1 13.5.3) */
    mov %cr0, %eax
    and $~(CR0_EM | CR0_TS), %eax
    or $0x22, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    or $0x40200, %eax
    mov %eax, %cr4
    xor %ecx, %ecx
    xor %edx, %edx
    mov $7, %eax
    xsetbv

    /* CR0.TS: #NM */
    mov %cr0, %eax
    or $CR0_TS, %eax
    mov %eax, %cr0
    TRAP32 vaddps %ymm1, %ymm2, %ymm3
    EQ32 V_VEC, $7, ts-vaddps-nm
    TRAP32 vfmadd231ps %xmm1, %xmm2, %xmm3
    EQ32 V_VEC, $7, ts-vfmadd-nm
    TRAP32 vpermq $0x1b, %ymm1, %ymm2
    EQ32 V_VEC, $7, ts-vpermq-nm
    TRAP32 vzeroupper
    EQ32 V_VEC, $7, ts-vzeroupper-nm
    /* an unmapped-looking address: #NM comes first */
    mov $0xfffffff0, %ebx
    TRAP32 vmovdqu (%ebx), %ymm0
    EQ32 V_VEC, $7, ts-vmovdqu-nm
    xor %ebx, %ebx
    TRAP32 vpgatherdd %xmm2, (%ebx,%xmm1,4), %xmm3
    EQ32 V_VEC, $7, ts-vgather-nm
    TRAP32 vcvtph2ps %xmm1, %ymm2
    EQ32 V_VEC, $7, ts-vcvtph2ps-nm
    mov $0x0ff0, %eax
    mov $0x1234, %ebx
    TRAP32 andn %ebx, %eax, %ecx
    EQ32 V_VEC, $0xffffffff, ts-andn-runs-vector
    EQ32 %ecx, $0x1004, ts-andn-runs

    /* both clear: runs */
    clts
    movl $0x3f800000, V_A        /* 1.0f */
    vbroadcastss V_A, %ymm1
    TRAP32 vaddps %ymm1, %ymm1, %ymm2
    vmovd %xmm2, %eax
    EQ32 %eax, $0x40000000, clear-vaddps-runs
    vfmadd231ps %xmm1, %xmm1, %xmm2
    vmovd %xmm2, %eax
    EQ32 %eax, $0x40400000, clear-vfmadd-runs
    jmp exit32

    GDT_FLAT32
    RESET_VECTOR
