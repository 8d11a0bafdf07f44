/*
 * Bare-metal guest for tests/check-kvm.sh: CPU state that must survive a
 * monitor stop / info registers / cont while the guest runs (under KVM: the
 * vCPU parked, its whole state read into the CPU structure and written back,
 * and the TSC frozen while stopped), and state the monitor must see.
 * 32-bit protected mode, no interrupts (8259 masked, IF=0), no IRET.
 * 1. loads x87 (ST0/ST1, control, status, tags), MXCSR and XMM0-7 through
 *    FXRSTOR (which KVM's instruction emulator, the fallback of nested hosts,
 *    has, unlike x87 loads), DR0-DR3 and
 *    DR7 (local enables, instruction breakpoints at addresses never run), and,
 *    built with -DWITH_AVX and when CPUID.1:ECX has XSAVE and AVX (SDM vol. 1,
 *    13.2 and 14.3), XCR0 = x87|SSE|AVX and the upper halves of YMM0-7 (VEX
 *    code, which KVM's instruction emulator does not have: a nested host that
 *    emulates the guest stops there);
 * 2. calibrates the TSC against 0.5 s of 8254 channel 0 time (1193182 Hz,
 *    counter latched through port 43H: 8254 data sheet), prints "ready", then
 *    counts TSC ticks over 1.5 s of 8254 time: the harness stops the machine
 *    for a second in there, and since the machine clock (and so the 8254)
 *    stands still while stopped, the ratio stays 3 only if the TSC stood
 *    still too (as under our TCG and QEMU's; QEMU's -accel kvm lets the TSC
 *    run on, its guests learning of the stop through kvmclock);
 * 3. checks every register from step 1 (FXSAVE), then exits.
 * kvm-expect: tsc-ratio x87-control mxcsr x87-st xmm-all dr0-3 dr7 [avx: xcr0 ymm-all]
 */
#include "common.h"

#define PIT_CALIB  596591               /* 0.5 s of 8254 ticks */
#define PIT_SPIN   1789773              /* 1.5 s */
#define SAVE       0x20000              /* registers stored for comparison */

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1               /* both 8259s masked */
    movl $0, V_FAILS + 4
    ENTER_PM32
    mov %cr0, %eax              /* x87 and SSE on: EM=0, MP=1, TS=0 */
    and $~0xc, %eax
    or $0x2, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    or $0x600, %eax             /* OSFXSR, OSXMMEXCPT */
    mov %eax, %cr4
    call load_state
    mov $0x34, %al              /* 8254 channel 0: mode 2, count 65536 */
    out %al, $0x43
    xor %al, %al
    out %al, $0x40
    out %al, $0x40
    mov $PIT_CALIB, %ecx
    call tsc_over_pit
    mov %eax, V_C               /* calibration: TSC ticks >> 8 */
    mov $s_ready, %esi
    call puts32
    mov $PIT_SPIN, %ecx
    call tsc_over_pit
    shl $4, %eax                /* 16 x the ratio: 48 for 1.5 s / 0.5 s */
    xor %edx, %edx
    divl V_C
    xor %ecx, %ecx              /* 1 when within 25 % (80 with a 1 s stop in) */
    cmp $36, %eax
    jb 1f
    cmp $60, %eax
    ja 1f
    inc %ecx
1:  mov %ecx, V_A
    EQ32 V_A, $1, tsc-ratio
    call check_state
    jmp exit32

/* ECX 8254 ticks: returns EAX = TSC ticks meanwhile >> 8 */
tsc_over_pit:
    call pit_read
    mov %eax, %ebx              /* EBX: last count */
    rdtsc
    mov %eax, V_D
    mov %edx, V_D + 4
    xor %edi, %edi              /* EDI: ticks so far */
1:  call pit_read
    mov %ebx, %edx              /* count down: elapsed = (last - now) mod 65536 */
    sub %eax, %edx
    and $0xffff, %edx
    add %edx, %edi
    mov %eax, %ebx
    cmp %ecx, %edi
    jb 1b
    rdtsc
    sub V_D, %eax
    sbb V_D + 4, %edx
    shrd $8, %edx, %eax
    ret

/* EAX = 8254 channel 0 count (latched) */
pit_read:
    xor %al, %al
    out %al, $0x43
    in $0x40, %al
    mov %al, %ah
    in $0x40, %al
    xchg %al, %ah
    movzwl %ax, %eax
    ret

#ifdef WITH_AVX
/* CPUID.1:ECX XSAVE (26) and AVX (28): V_E = 1 when both */
has_avx:
    push %ebx
    mov $1, %eax
    cpuid
    pop %ebx
    and $0x14000000, %ecx
    xor %eax, %eax
    cmp $0x14000000, %ecx
    sete %al
    mov %eax, V_E
    ret
#endif

load_state:
    fxrstor fx_image
    mov $0x11111000, %eax
    mov %eax, %dr0
    mov $0x22222000, %eax
    mov %eax, %dr1
    mov $0x33333000, %eax
    mov %eax, %dr2
    mov $0x44444000, %eax
    mov %eax, %dr3
    mov $0x455, %eax            /* L0-L3, instruction breakpoints */
    mov %eax, %dr7
#ifdef WITH_AVX
    call has_avx
    cmpl $0, V_E
    je 1f
    mov %cr4, %eax
    or $0x40000, %eax           /* OSXSAVE */
    mov %eax, %cr4
    xor %ecx, %ecx
    xor %edx, %edx
    mov $7, %eax                /* XCR0: x87, SSE, AVX */
    xsetbv
    vinsertf128 $1, pat + 0x70, %ymm0, %ymm0
    vinsertf128 $1, pat + 0x60, %ymm1, %ymm1
    vinsertf128 $1, pat + 0x50, %ymm2, %ymm2
    vinsertf128 $1, pat + 0x40, %ymm3, %ymm3
    vinsertf128 $1, pat + 0x30, %ymm4, %ymm4
    vinsertf128 $1, pat + 0x20, %ymm5, %ymm5
    vinsertf128 $1, pat + 0x10, %ymm6, %ymm6
    vinsertf128 $1, pat + 0x00, %ymm7, %ymm7
1:
#endif
    ret

check_state:
    fxsave SAVE
    mov $fx_image, %esi         /* FCW, FSW, abridged FTW */
    mov $SAVE, %edi
    mov $5, %ecx
    repe cmpsb
    sete %al
    movzbl %al, %eax
    EQ32 %eax, $1, x87-control
    mov SAVE + 24, %eax
    EQ32 %eax, $0x3f80, mxcsr
    mov $fx_image + 32, %esi    /* ST0-ST7: 10 bytes each in 16 */
    mov $SAVE + 32, %edi
    xor %edx, %edx
1:  mov $10, %ecx
    repe cmpsb
    je 2f
    inc %edx
2:  add %ecx, %esi
    add %ecx, %edi
    add $6, %esi
    add $6, %edi
    cmp $fx_image + 160, %esi
    jb 1b
    EQ32 %edx, $0, x87-st
    mov $fx_image + 160, %esi   /* XMM0-7 */
    mov $SAVE + 160, %edi
    mov $32, %ecx
    repe cmpsl
    sete %al
    movzbl %al, %eax
    EQ32 %eax, $1, xmm-all
    mov %dr0, %eax
    EQ32 %eax, $0x11111000, dr0
    mov %dr1, %eax
    EQ32 %eax, $0x22222000, dr1
    mov %dr2, %eax
    EQ32 %eax, $0x33333000, dr2
    mov %dr3, %eax
    EQ32 %eax, $0x44444000, dr3
    mov %dr7, %eax
    and $0xffff, %eax
    EQ32 %eax, $0x455, dr7
#ifdef WITH_AVX
    cmpl $0, V_E
    je 3f
    xor %ecx, %ecx
    xgetbv
    EQ32 %eax, $7, xcr0
    /* the upper half of YMMi is pattern 7-i */
    .irp r, 0, 1, 2, 3, 4, 5, 6, 7
    vextractf128 $1, %ymm\r, SAVE + 512 + (7 - \r) * 16
    .endr
    mov $pat, %esi
    mov $SAVE + 512, %edi
    mov $32, %ecx
    repe cmpsl
    sete %al
    movzbl %al, %eax
    EQ32 %eax, $1, ymm-all
3:
#endif
    ret

    .section .rodata
    .balign 16
/* FXSAVE image (SDM vol. 1, 10.5.1): FCW 037FH, TOP = 6 (FSW 3000H), R6/R7
 * valid (abridged FTW C0H), MXCSR rounding down (3F80H), ST0 = 1.0,
 * ST1 = pi, XMM0-7 = pat */
fx_image:
    .word 0x037f, 0x3000
    .byte 0xc0, 0
    .word 0
    .quad 0, 0
    .long 0x3f80, 0xffff
    .quad 0x8000000000000000, 0x3fff
    .quad 0xc90fdaa22168c235, 0x4000
    .fill 6 * 16, 1, 0
pat:
    .quad 0x0123456789abcdef, 0xfedcba9876543210
    .quad 0x1111111122222222, 0x3333333344444444
    .quad 0x5555555566666666, 0x7777777788888888
    .quad 0x99999999aaaaaaaa, 0xbbbbbbbbcccccccc
    .quad 0xddddddddeeeeeeee, 0xffffffff00000000
    .quad 0x0f0f0f0ff0f0f0f0, 0x00ff00ffff00ff00
    .quad 0x8000000000000001, 0x7ffffffffffffffe
    .quad 0xdeadbeefcafef00d, 0x0badc0de8badf00d
    .fill 512 - 288, 1, 0
s_ready: .asciz "ready\n"
    GDT_FLAT32

    RESET_VECTOR
