/*
 * Bare-metal guest for the live-migration tests of tests/check-kvm.sh: keeps
 * dirtying memory while it computes a checksum chain that depends on all of
 * it, so that a page a migration loses or sends stale changes the result.
 * Long mode (identity-mapped 2 MiB pages: a nested host runs that natively
 * where it emulates unpaged code), no interrupts. Iteration i (from 1)
 * picks a 64-byte slot of a 4 MiB buffer at 1 MiB by the chain s (page
 * (s ^ i) mod 1024, slot i mod 64), reads the dword there (0 when never
 * written), then s = s * 31 + that + i and writes s back. Every 2^BLOCK_SHIFT
 * iterations it prints "P <i> <s>" (hex); after BLOCKS blocks "DONE <s>",
 * then exits through isa-debug-exit (status 1). After each line it waits
 * 1/WAIT_HZ s of 8254 time (default 0.1 s), so that it runs long enough for a
 * migration however fast the host runs it (the output does not depend on it);
 * the live test waits less, so that every pass sees pages dirtied.
 * Guest time must go on across a migration: at each progress line the TSC
 * must have moved forward (by less than 2^40 ticks) and, where CPUID offers
 * it (KVM), kvmclock (enabled at PVTI; Linux Documentation/virt/kvm/x86/
 * msr.rst) too, by less than 3 s: a block takes well under that, and the
 * harness waits 5 s between source and destination, which a kvmclock that
 * did not skip the migration (its MSR and value not carried over) counts.
 * "tsc-bad N" and "kvmclock-bad N" at the end count the lines that failed.
 */
#include "common.h"

#ifndef BLOCKS
#define BLOCKS 64
#endif
#ifndef WAIT_HZ
#define WAIT_HZ 10
#endif
#ifndef BLOCK_SHIFT
#define BLOCK_SHIFT 22
#endif
#define BUF 0x100000
#define PIT_FREQ 1193182
#define PML4    PT_BASE
#define PDPT    (PT_BASE + 0x1000)
#define PD0     (PT_BASE + 0x2000)
#define MSR_EFER 0xc0000080
#define PVTI    0x30000                 /* struct pvclock_vcpu_time_info */
#define V_TSCBAD V_A
#define V_CLKBAD V_B
#define V_TSC    V_C
#define V_CLK    V_D
#define V_HAVECLK (VARS + 0x80)

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START 1               /* both 8259s masked */
    ENTER_PM32
    mov $PT_BASE, %edi          /* PML4, PDPT, PD: 0-8 MiB in 2 MiB pages */
    mov $3 * 4096 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $PDPT + 3, PML4
    movl $PD0 + 3, PDPT
    movl $0x000083, PD0
    movl $0x200083, PD0 + 8
    movl $0x400083, PD0 + 16
    movl $0x600083, PD0 + 24
    mov %cr4, %eax
    or $0x20, %eax              /* PAE */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $0x100, %eax             /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $0x18, $lm64

    .code64
lm64:
    movq $0, V_TSCBAD
    movq $0, V_CLKBAD
    movq $0, V_HAVECLK
    mov $0x40000001, %eax       /* KVM_FEATURE_CLOCKSOURCE2 */
    cpuid
    test $8, %eax
    jz 2f
    mov $0x4b564d01, %ecx       /* MSR_KVM_SYSTEM_TIME_NEW: PVTI, enabled */
    mov $PVTI | 1, %eax
    xor %edx, %edx
    wrmsr
    movq $1, V_HAVECLK
2:  mov $0x34, %al              /* 8254 channel 0: mode 2, count 65536 */
    out %al, $0x43
    xor %al, %al
    out %al, $0x40
    out %al, $0x40
    call time_check
    movq $0, V_TSCBAD           /* the first call only sets the baseline */
    movq $0, V_CLKBAD
    mov $1, %ebx                /* s */
    mov $1, %ecx                /* i */
1:  mov %ebx, %eax
    xor %ecx, %eax
    and $1023, %eax
    shl $12, %eax
    mov %ecx, %edx
    and $63, %edx
    shl $6, %edx
    add %edx, %eax
    mov BUF(%eax), %edx
    imul $31, %ebx, %ebx
    add %edx, %ebx
    add %ecx, %ebx
    mov %ebx, BUF(%eax)
    inc %ecx
    test $(1 << BLOCK_SHIFT) - 1, %ecx
    jnz 1b
    mov $s_p, %esi
    call puts64
    mov %ecx, %eax
    call hex32_64
    mov $s_sp, %esi
    call puts64
    mov %ebx, %eax
    call hex32_64
    mov $s_nl, %esi
    call puts64
    call time_check
    push %rbx
    push %rcx
    mov $PIT_FREQ / WAIT_HZ, %esi
    call pit_spin
    pop %rcx
    pop %rbx
    cmp $BLOCKS << BLOCK_SHIFT, %ecx
    jb 1b
    mov $s_done, %esi
    call puts64
    mov %ebx, %eax
    call hex32_64
    mov $s_tscbad, %esi
    call puts64
    mov V_TSCBAD, %eax
    call hex32_64
    mov $s_clkbad, %esi
    call puts64
    mov V_CLKBAD, %eax
    call hex32_64
    mov $s_nl, %esi
    call puts64
    jmp exit64

/* the TSC and kvmclock against their last values (all registers kept) */
time_check:
    push %rax
    push %rcx
    push %rdx
    push %r8
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, %rdx
    sub V_TSC, %rdx
    mov %rax, V_TSC
    shr $40, %rdx               /* backwards (huge unsigned) or >= 2^40 */
    jz 1f
    incl V_TSCBAD
1:  cmpq $0, V_HAVECLK
    je 2f
    call kvmclock_ns
    mov %rax, %rdx
    sub V_CLK, %rdx
    mov %rax, V_CLK
    mov $3000000000, %rax
    cmp %rax, %rdx
    jb 2f
    incl V_CLKBAD
2:  pop %r8
    pop %rdx
    pop %rcx
    pop %rax
    ret

#include "pvclock.inc"
#include "pit-spin.inc"

/* %eax as 8 hex digits (hex64 prints 16) */
hex32_64:
    push %rcx
    push %rax
    mov $8, %ecx
1:  rol $4, %eax
    mov %eax, (%rsp)
    and $0xf, %eax
    mov s_hex(%rax), %al
    movb %al, V_E
    movb $0, V_E + 1
    push %rsi
    mov $V_E, %esi
    call puts64
    pop %rsi
    mov (%rsp), %eax
    loop 1b
    pop %rax
    pop %rcx
    ret

    .section .rodata
s_p:    .asciz "P "
s_done: .asciz "DONE "
s_sp:   .asciz " "
s_tscbad: .asciz "\ntsc-bad "
s_clkbad: .asciz "\nkvmclock-bad "
s_nl:   .asciz "\n"
s_hex:  .ascii "0123456789abcdef"
    GDT_FLAT32 256, 0x00209b0000000000

    RESET_VECTOR
