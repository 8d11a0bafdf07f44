/*
 * Bare-metal test: long mode (IA-32e) from the reset vector.
 * Real mode -> 32-bit protected mode -> CR4.PAE, 4-level page tables, EFER.LME
 * (and NXE, SCE) through WRMSR, CR0.PG, far jump to a 64-bit code segment
 * (Intel SDM vol. 3A, 10.8.5 "Initializing IA-32e Mode"). Then, in 64-bit mode:
 * 64-bit arithmetic and RIP-relative addressing (vol. 2A, 2.2.1.6); #PF through
 * a 64-bit IDT gate with CR2 and the error-code bits P, W/R, U/S, RSVD, I/D
 * (3A, 4.7); #GP(0) for non-canonical addresses (3A, 3.3.7.1); the 64-bit
 * frame (SS:RSP always pushed, RSP aligned to 16; 3A, 6.14.2) and the IST1
 * stack switch from the TSS (6.14.5); SYSCALL/SYSRET with STAR, LSTAR and
 * SFMASK (vol. 2B, SYSCALL/SYSRET) and SWAPGS with IA32_KERNEL_GS_BASE; IRETQ
 * to ring 3, faults from ring 3 and INT back through a DPL-3 gate on RSP0 with
 * a null SS (6.14.4); a compatibility-mode code segment called and returning
 * (3A, 5.8.3 / 3.4.5); NX fetch faults (EFER.NXE); CR0.WP; INVLPG after PTE
 * changes.
 * expect: lm-efer-lma lm-cs lm-mul-rdx lm-mul-rax lm-zero-extend lm-movabs
 * expect: lm-rip-lea lm-rip-load lm-rip-store
 * expect: pf-np-vector pf-np-error pf-np-cr2 pf-np-rip pf-write-error
 * expect: pf-pml4-error pf-pml4-cr2 pf-rsvd-error
 * expect: pf-loop-vector pf-loop-cr2 pf-loop-rip pf-loop-rdi pf-loop-rax pf-loop-rbx
 * expect: gp-noncanon-vector gp-noncanon-error gp-noncanon-jmp-vector
 * expect: frame-align-rsp frame-align-saved-rsp frame-align-ss frame-align-cs
 * expect: frame-align-return-rsp ist1-rsp ist1-saved-rsp ist1-rip ist1-return-rsp
 * expect: wp0-write-allowed wp1-write-error wp1-write-cr2
 * expect: invlpg-before invlpg-remap invlpg-unmap-error
 * expect: nx-vector nx-error nx-cr2 nx-rip nx-cleared-runs
 * expect: compat-cs compat-dec-not-rex compat-push-size compat-ud-cs compat-ud-vector
 * expect: compat-returned
 * expect: sysret-cs sysret-ss sysret-rflags user-gs-base syscall-rcx syscall-r11
 * expect: syscall-sfmask syscall-cs syscall-ss swapgs-user-rsp swapgs-gs-base
 * expect: swapgs-kernel-gs-base swapgs-back
 * expect: user-pf-supervisor-error user-pf-frame-cs user-pf-frame-ss
 * expect: user-pf-readonly-error user-int-dpl0-vector user-int-dpl0-error
 * expect: ring3-int-ss-null ring3-int-rsp0 ring3-frame-cs ring3-frame-ss
 * expect: ring3-frame-rsp ring3-frame-rip
 */
#include "common.h"

#define PML4    PT_BASE
#define PDPT    (PT_BASE + 0x1000)
#define PD      (PT_BASE + 0x2000)
#define PT      (PT_BASE + 0x3000)      /* 4 KiB pages for 0-2 MiB */
#define PTE(n)  (PT + (n) * 8)
#define KGS     0x800                   /* kernel GS area: +0 kernel RSP, +8 user RSP */
#define UGS     0x900                   /* user GS area: +0 a marker */

    .set rip_var, VARS + 0xf0           /* RAM for the RIP-relative store */

#define MSR_EFER        0xc0000080
#define MSR_STAR        0xc0000081
#define MSR_LSTAR       0xc0000082
#define MSR_SFMASK      0xc0000084
#define MSR_GS_BASE     0xc0000101
#define MSR_KGS_BASE    0xc0000102

/* WRMSR64 msr, value: EDX:EAX from a 64-bit immediate */
.macro WRMSR64 msr, val
    mov $\msr, %ecx
    mov $\val, %rax
    mov %rax, %rdx
    shr $32, %rdx
    wrmsr
.endm

/* RDMSR64 msr: RAX = the 64-bit value */
.macro RDMSR64 msr
    mov $\msr, %ecx
    rdmsr
    shl $32, %rdx
    mov %eax, %eax
    or %rdx, %rax
.endm

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    movl $0, V_FAILS + 4
    movl $0, V_RECOVER + 4
    in $0x92, %al               /* A20 on (port 0x92 bit 1), never reset */
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92
    mov $R(gdt_rom), %si        /* the GDT into RAM: LTR writes the busy bit */
    mov $GDT_ADDR, %di
    mov $gdt_end - gdt_rom, %cx
    cs rep movsb
    lgdtl %cs:R(gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm32

    .code32
pm32:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $STACK0, %esp
    /* page tables: identity map of 0-2 MiB in 4 KiB pages, all U/S = 1 */
    mov $PT_BASE, %edi
    mov $4 * 4096 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $PDPT + 7, PML4
    movl $PD + 7, PDPT
    movl $PT + 7, PD
    mov $PT, %edi
    mov $7, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $8, %edi
    add $0x1000, %eax
    loop 1b
    andl $~4, PTE(0x25)         /* 0x25000 supervisor only */
    andl $~2, PTE(0x24)         /* 0x24000 read-only */
    /* 10.8.5: PAE, CR3, EFER.LME, then CR0.PG activates IA-32e mode */
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $0x901, %eax             /* LME, NXE, SCE */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    and $~0x10000, %eax         /* WP = 0 for now */
    mov %eax, %cr0
    ljmp $0x10, $lm64

    .code64
lm64:
    mov $STACK0, %rsp
    RDMSR64 MSR_EFER
    and $0x500, %eax
    EQ64 %rax, $0x500, lm-efer-lma
    mov %cs, %eax
    EQ64 %rax, $0x10, lm-cs
    call setup_idt_tss

    /* 64-bit arithmetic: 2^64-1 * 3 = 2 * 2^64 + (2^64 - 3) */
    mov $-1, %rax
    mov $3, %ecx
    mul %rcx
    mov %rax, %rbx
    EQ64 %rdx, $2, lm-mul-rdx
    EQ64 %rbx, $-3, lm-mul-rax
    mov $-1, %rbx
    add $0, %ebx                /* a 32-bit destination zero-extends */
    EQ64 %rbx, $0xffffffff, lm-zero-extend
    movabs $0x123456789abcdef0, %rbx
    ror $16, %rbx
    EQ64 %rbx, $0xdef0123456789abc, lm-movabs
    lea rip_data(%rip), %rbx
    EQ64 %rbx, $rip_data, lm-rip-lea
    mov rip_data(%rip), %rbx
    EQ64 %rbx, $0xfedcba9876543210, lm-rip-load
    /* movq $0x55aa, rip_var(%rip), spelled out: GAS takes an absolute
     * symbol in sym(%rip) as the displacement itself; .text.start (start
     * first) is linked at ROM_BASE (image.ld) */
    .byte 0x48, 0xc7, 0x05
    .long rip_var - (ROM_BASE + (. + 8 - start))
    .long 0x55aa
    EQ64 rip_var, $0x55aa, lm-rip-store

    call test_pf
    call test_pf_loop
    call test_gp
    call test_frames
    call test_wp_invlpg
    call test_nx
    call test_compat
    jmp test_syscall            /* continues in ring 3, ends in ring3_back */

/* the IDT: vectors 0-31 to the stubs (#BP on IST1), 0x41 DPL 0, 0x42 without
 * IST to the vector-1 stub, 0x80 DPL 3; the TSS with RSP0 and IST1 */
setup_idt_tss:
    mov $IDT_ADDR, %edi
    mov $256 * 16 / 4, %ecx
    xor %eax, %eax
    rep stosl
    xor %edi, %edi
1:  mov %edi, %eax
    shl $4, %eax
    add $exc_stubs64, %eax
    mov $0x8e, %edx
    call set_gate64
    inc %edi
    cmp $32, %edi
    jb 1b
    mov $3, %edi
    mov $exc_stubs64 + 3 * 16, %eax
    mov $0x18e, %edx            /* IST 1 */
    call set_gate64
    mov $0x41, %edi
    mov $exc_stubs64, %eax
    mov $0x8e, %edx
    call set_gate64
    mov $0x42, %edi
    mov $exc_stubs64 + 16, %eax
    mov $0x8e, %edx
    call set_gate64
    mov $0x80, %edi
    mov $ring3_back, %eax
    mov $0xee, %edx
    call set_gate64
    lidt idtr(%rip)
    mov $TSS_ADDR, %edi
    mov $0x68 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movq $RSP0_TOP, TSS_ADDR + 4
    movq $IST1_TOP, TSS_ADDR + 36
    movw $0x68, TSS_ADDR + 0x66 /* no I/O bitmap */
    mov $0x38, %ax
    ltr %ax
    ret

test_pf:
    movl $0, PTE(0x23)          /* 0x23000 not present */
    invlpg 0x23000
    TRAP64 mov 0x23010, %rax
    EQ64 V_VEC, $14, pf-np-vector
    EQ64 V_ERR, $0, pf-np-error
    EQ64 V_CR2, $0x23010, pf-np-cr2
    EQ64 V_RIP, V_TRAPIP, pf-np-rip
    TRAP64 movq $1, 0x23ff8
    EQ64 V_ERR, $2, pf-write-error
    movabs $0x8000000010, %rbx  /* PML4 entry 1 not present */
    TRAP64 mov (%rbx), %rax
    EQ64 V_ERR, $0, pf-pml4-error
    EQ64 V_CR2, %rbx, pf-pml4-cr2
    /* bit 51 is above any MAXPHYADDR of a 4-level CPU: reserved (4.5.4) */
    movl $0x23007, PTE(0x23)
    orl $0x00080000, PTE(0x23) + 4
    invlpg 0x23000
    TRAP64 mov 0x23000, %rax
    /* P | RSVD = 9 (4.7: RSVD implies P); QEMU 7.2 reports 8: take either */
    mov V_ERR, %rax
    or $1, %eax
    EQ64 %rax, $9, pf-rsvd-error
    movl $0, PTE(0x23) + 4
    invlpg 0x23000
    ret

/* A page fault in a hot loop (hundreds of iterations: a translated loop that
 * keeps the registers in host registers, with the TLB-miss path storing them
 * only when it runs): at the fault the registers are those of the faulting
 * iteration, before its store (SDM vol. 3A, 6.6: a fault reports the state
 * before the instruction). The loop stores upward from 0x22000 into the
 * not-present 0x23000: the 513th iteration faults. */
test_pf_loop:
    movl $0, PTE(0x23)
    invlpg 0x23000
    mov $0x22000, %edi
    xor %eax, %eax
    xor %ebx, %ebx
    mov $3, %ecx
    mov $0x55, %edx
    movq $1f, V_RECOVER
pf_loop_top:
    add $1, %rax
    add %rax, %rbx
    imul $33, %rcx, %rcx
    xor %rcx, %rdx
pf_loop_store:
    mov %rdx, (%rdi)
    add $8, %rdi
    jmp pf_loop_top
1:  mov %rax, V_A
    mov %rbx, V_B
    mov %rdi, V_C
    EQ64 V_VEC, $14, pf-loop-vector
    EQ64 V_CR2, $0x23000, pf-loop-cr2
    EQ64 V_RIP, $pf_loop_store, pf-loop-rip
    EQ64 V_C, $0x23000, pf-loop-rdi
    EQ64 V_A, $513, pf-loop-rax
    EQ64 V_B, $131841, pf-loop-rbx     /* 513 * 514 / 2 */
    movl $0x23007, PTE(0x23)
    invlpg 0x23000
    ret

test_gp:
    movabs $0x0000800000000000, %rbx
    TRAP64 mov (%rbx), %rax
    EQ64 V_VEC, $13, gp-noncanon-vector
    EQ64 V_ERR, $0, gp-noncanon-error
    TRAP64 jmp *%rbx
    EQ64 V_VEC, $13, gp-noncanon-jmp-vector
    /* hardware faults on the JMP itself; QEMU 7.2 reports the target as RIP,
     * so the saved RIP is not checked */
    ret

/* the 64-bit frame: RSP aligned to 16 before the pushes, SS:RSP pushed at the
 * same privilege level; IST1 switches stacks unconditionally. The handler's
 * RSP is the frame (5 quadwords), the stub's two and its push %rax below. */
test_frames:
    mov %rsp, %rbx
    and $~15, %rsp
    sub $8, %rsp
    mov %rsp, %r12
    TRAP64 int $0x42
    mov %rsp, %r13
    mov %rbx, %rsp
    lea -72(%r12), %rcx
    EQ64 V_RSP, %rcx, frame-align-rsp
    EQ64 V_FRSP, %r12, frame-align-saved-rsp
    EQ64 V_FSS, $0x18, frame-align-ss
    EQ64 V_CS, $0x10, frame-align-cs
    EQ64 %r13, %r12, frame-align-return-rsp
    mov %rsp, %r12
    movq $1f, V_RECOVER
    int3
1:  mov %rsp, %r13
    EQ64 V_RSP, $(IST1_TOP-64), ist1-rsp
    EQ64 V_FRSP, %r12, ist1-saved-rsp
    EQ64 V_RIP, $1b, ist1-rip     /* a trap: the instruction after INT3 */
    EQ64 %r13, %r12, ist1-return-rsp
    ret

/* 0x24000 read-only: writable by ring 0 while CR0.WP = 0 (4.6.1); 0x27000
 * remapped to 0x28000 then unmapped, each followed by INVLPG */
test_wp_invlpg:
    movq $0x77, 0x24000
    EQ64 0x24000, $0x77, wp0-write-allowed
    mov %cr0, %rax
    or $0x10000, %rax
    mov %rax, %cr0
    TRAP64 movq $0x88, 0x24008
    EQ64 V_ERR, $3, wp1-write-error
    EQ64 V_CR2, $0x24008, wp1-write-cr2
    movq $0xaaaa, 0x27000
    movq $0xbbbb, 0x28000
    EQ64 0x27000, $0xaaaa, invlpg-before
    movl $0x28007, PTE(0x27)
    invlpg 0x27000
    EQ64 0x27000, $0xbbbb, invlpg-remap
    movl $0, PTE(0x27)
    invlpg 0x27000
    TRAP64 mov 0x27000, %rax
    EQ64 V_ERR, $0, invlpg-unmap-error
    movl $0x27007, PTE(0x27)
    invlpg 0x27000
    ret

/* 0x26000 holds "mov $0x4e58, %eax; ret", first with XD set (4.6.2) */
test_nx:
    movl $0x4e58b8, 0x26000
    movw $0xc300, 0x26004
    orl $0x80000000, PTE(0x26) + 4
    invlpg 0x26000
    mov $0x26000, %ebx
    TRAP64 jmp *%rbx
    EQ64 V_VEC, $14, nx-vector
    EQ64 V_ERR, $0x11, nx-error /* P | I/D */
    EQ64 V_CR2, $0x26000, nx-cr2
    EQ64 V_RIP, $0x26000, nx-rip
    andl $0x7fffffff, PTE(0x26) + 4
    invlpg 0x26000
    xor %eax, %eax
    call *%rbx
    EQ64 %rax, $0x4e58, nx-cleared-runs
    ret

/* a far CALL through an m16:32 pointer into the 32-bit code segment 0x08:
 * compatibility mode until its 32-bit far RET (vol. 2A, CALL: 32-bit operand
 * size pushes CS and EIP as 4 bytes each) */
test_compat:
    movq $0, V_E
    lcall *compat_ptr(%rip)
    EQ64 V_A, $0x08, compat-cs
    EQ64 V_B, $4, compat-dec-not-rex
    EQ64 V_C, $4, compat-push-size
    EQ64 V_D, $0x08, compat-ud-cs
    EQ64 V_E, $6, compat-ud-vector
    mov %rsp, %rax
    EQ64 %rax, $(STACK0-8), compat-returned
    ret

    .code32
compat32:
    xor %eax, %eax
    mov %cs, %ax
    mov %eax, V_A
    movl $0, V_A + 4
    mov $5, %eax
    .byte 0x48                  /* DEC EAX here, a REX.W prefix in 64-bit mode */
    mov %eax, V_B
    movl $0, V_B + 4
    mov %esp, %ecx
    push %eax
    sub %esp, %ecx
    pop %eax
    mov %ecx, V_C
    movl $0, V_C + 4
    TRAP32 ud2                  /* delivered through the 64-bit IDT */
    mov V_CS, %eax
    mov %eax, V_D
    movl $0, V_D + 4
    mov V_VEC, %eax
    mov %eax, V_E
    lret

    .code64
/* SYSRET to ring 3 (user1), SYSCALL back to sys_entry, which SWAPGS to the
 * kernel GS area for its stack */
test_syscall:
    WRMSR64 MSR_STAR, 0x0020001000000000   /* SYSRET base 0x20, SYSCALL CS 0x10 */
    WRMSR64 MSR_LSTAR, sys_entry
    WRMSR64 MSR_SFMASK, 0x700               /* TF, IF, DF */
    WRMSR64 MSR_GS_BASE, UGS
    WRMSR64 MSR_KGS_BASE, KGS
    movq $0x6a5b4c3d, UGS
    mov %rsp, KGS
    mov $user1, %ecx
    mov $0x3002, %r11d          /* IOPL 3: ring 3 prints its own results */
    mov $USTACK_TOP, %esp
    sysretq

user1:
    pushfq
    pop %rax
    mov %rax, V_C
    xor %eax, %eax
    mov %cs, %ax
    mov %rax, V_A
    mov %ss, %ax
    mov %rax, V_B
    mov %gs:0, %rax
    mov %rax, V_D
    push $0x3402                /* DF set: SFMASK clears it */
    popfq
    syscall
user1_after:
    jmp user1_after

sys_entry:
    swapgs
    mov %rsp, %gs:8
    mov %gs:0, %rsp
    mov %rcx, %r13
    mov %r11, %r14
    pushfq
    pop %r12
    cld
    xor %ebx, %ebx
    mov %cs, %bx
    xor %ebp, %ebp
    mov %ss, %bp
    EQ64 V_A, $0x33, sysret-cs
    EQ64 V_B, $0x2b, sysret-ss
    EQ64 V_C, $0x3002, sysret-rflags
    EQ64 V_D, $0x6a5b4c3d, user-gs-base
    EQ64 %r13, $user1_after, syscall-rcx
    EQ64 %r14, $0x3402, syscall-r11
    EQ64 %r12, $0x3002, syscall-sfmask
    EQ64 %rbx, $0x10, syscall-cs
    EQ64 %rbp, $0x18, syscall-ss
    EQ64 KGS+8, $USTACK_TOP, swapgs-user-rsp
    RDMSR64 MSR_GS_BASE
    EQ64 %rax, $KGS, swapgs-gs-base
    RDMSR64 MSR_KGS_BASE
    EQ64 %rax, $UGS, swapgs-kernel-gs-base
    swapgs
    RDMSR64 MSR_GS_BASE
    EQ64 %rax, $UGS, swapgs-back
    /* IRETQ to ring 3 (user2) */
    push $0x2b
    push $USTACK_TOP
    push $0x3002
    push $0x33
    push $user2
    iretq

user2:
    TRAP64 mov 0x25000, %rax
    EQ64 V_ERR, $5, user-pf-supervisor-error   /* P | U/S */
    EQ64 V_CS, $0x33, user-pf-frame-cs
    EQ64 V_FSS, $0x2b, user-pf-frame-ss
    TRAP64 movq $1, 0x24010
    EQ64 V_ERR, $7, user-pf-readonly-error     /* P | W | U/S */
    TRAP64 int $0x41
    EQ64 V_VEC, $13, user-int-dpl0-vector
    /* the IDT bit and the vector in the index field: 0x41 * 8 + 2 (Intel
     * SDM vol. 3A, 6.13 "Error Code"); QEMU 7.2 reports the byte offset
     * 0x41 * 16 + 2 in 64-bit mode: take either */
    mov V_ERR, %rax
    cmp $0x41*16+2, %eax
    jne 1f
    mov $0x41*8+2, %eax
1:  EQ64 %rax, $(0x41*8+2), user-int-dpl0-error
    mov %rsp, %r15
    int $0x80
ring3_ret:
    jmp ring3_ret

ring3_back:                     /* ring 0 on RSP0; SS null (6.14.4) */
    mov %rsp, %r12
    xor %ebx, %ebx
    mov %ss, %bx
    mov $STACK0, %esp
    EQ64 %rbx, $0, ring3-int-ss-null
    EQ64 %r12, $(RSP0_TOP-40), ring3-int-rsp0
    EQ64 (RSP0_TOP-32), $0x33, ring3-frame-cs
    EQ64 (RSP0_TOP-8), $0x2b, ring3-frame-ss
    EQ64 (RSP0_TOP-16), %r15, ring3-frame-rsp
    EQ64 (RSP0_TOP-40), $ring3_ret, ring3-frame-rip
    jmp exit64

    .section .rodata
    .balign 8
rip_data:
    .quad 0xfedcba9876543210
compat_ptr:
    .long compat32
    .word 0x08
    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08 code32 flat (also compatibility mode) */
    .quad 0x00209b0000000000    /* 0x10 code64 */
    .quad 0x00cf93000000ffff    /* 0x18 data flat */
    .quad 0x00cffb000000ffff    /* 0x20 user code32 (SYSRET base) */
    .quad 0x00cff3000000ffff    /* 0x28 user data */
    .quad 0x0020fb0000000000    /* 0x30 user code64 */
    .quad 0x0000890030000067    /* 0x38 TSS64 at 0x3000 (16 bytes) */
    .quad 0
gdt_end:
gdtr:
    .word gdt_end - gdt_rom - 1
    .long GDT_ADDR
idtr:
    .word 256 * 16 - 1
    .quad IDT_ADDR

    RESET_VECTOR
