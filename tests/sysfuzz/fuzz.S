/*
 * Robustness guest of tests/check-sysfuzz.sh: runs blocks of random bytes at
 * CPL 0 in real mode (MODE 16), 32-bit protected mode (MODE 32) or 64-bit mode
 * (MODE 64), one block after the other from block FUZZ_START to FUZZ_BLOCKS-1.
 * The bytes come from BLOCKS_INC (".byte" lines, BLOCK_SIZE bytes a block).
 *
 * Each block is copied to CODE_ADDR, followed by INT3s, and entered through
 * IRET with EFLAGS.TF set: the single-step trap (Intel SDM vol. 3A, 17.3.1.4)
 * comes back to db_* after every instruction, which counts the steps, stops
 * the block after STEP_LIMIT of them or before a HLT/MWAIT (nothing would wake
 * it: the 8259s are masked), and otherwise returns with TF set again and IF
 * clear. Every other vector ends the block. Before each block the guest prints
 * "B <index in hex>" and rebuilds its tables, control registers and UART, so a
 * block that wrecks the machine (a triple fault, a reset) only ends this run:
 * the script starts the next run after the last block printed. After the last
 * block it prints "fuzz-done" and triple-faults (a zero-limit IDT), which ends
 * the emulator under -no-reboot.
 */
#include "common.h"

#define CODE_ADDR  0x30000
#define SCRATCH    0x40000              /* what the registers point to */
#define FSTACK     0x58000              /* the blocks' stack */
#define STEP_LIMIT 128
#define V_IDX      V_A                  /* current block */
#define V_STEPS    V_B                  /* steps in this block */
#define V_EXC      V_C                  /* blocks ended by an exception */
#define V_TSTEPS   V_D                  /* steps in all blocks */
#define PML4       PT_BASE
#define PDPT       (PT_BASE + 0x1000)
#define PD         (PT_BASE + 0x2000)
#define FRAME_MIN  0x40000              /* a 32-bit frame must lie in RAM here */
#define FRAME_MAX  0x3f00000
#define END_FRAME  0x100                /* why a block ended, besides vectors */
#define END_STEPS  0x101
#define END_HLT    0x102
#define END_SYSCALL 0x103

    .section .text.start, "ax"
    .code16
    .globl start
start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %sp
    movl $0, V_EXC
    movl $0, V_TSTEPS
    movl $FUZZ_START, V_IDX
    mov $0xff, %al              /* mask both 8259s */
    out %al, $0x21
    out %al, $0xa1
    in $0x92, %al               /* A20 on, never the reset bit */
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92
#if MODE == 16
    jmp loop16
#else
    lgdtl %cs:R(gdtr_rom)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm32
#endif

/* uart16: the UART back to 115200 8N1, no loopback (MCR = DTR | RTS) */
uart16:
    mov $UART + 4, %dx
    mov $3, %al
    out %al, %dx
    jmp uart_init16

/* the "is this a HLT or MWAIT" test on the bytes at DS:SI (16-bit), ESI
 * (32-bit) or RSI (64-bit): legacy prefixes (and REX in 64-bit mode) skipped,
 * ZF set for F4 and 0F 01 C9 */
.macro IS_HLT rex
    mov $15, %ecx
1:  lodsb
    cmp $0xf4, %al
    je 3f
    cmp $0x0f, %al
    je 2f
    .irp p, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3
    cmp $\p, %al
    je 4f
    .endr
    .if \rex
    mov %al, %ah
    and $0xf0, %ah
    cmp $0x40, %ah
    je 4f
    .endif
    jmp 5f
4:  loop 1b
    jmp 5f
2:  lodsb
    cmp $0x01, %al
    jne 3f
    lodsb
    cmp $0xc9, %al
    jmp 3f
5:  or $1, %al                  /* ZF clear (AL is never 0 after OR 1) */
3:  ret
.endm

#if MODE == 16
/* ===================== real mode ===================== */
loop16:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %sp
    cld
    mov $0x32, %eax             /* CR0: ET, MP, NE; real mode */
    mov %eax, %cr0
    mov $0x600, %eax            /* CR4: OSFXSR, OSXMMEXCPT */
    mov %eax, %cr4
    fninit
    call uart16
    cmpl $FUZZ_BLOCKS, V_IDX
    jae done16
    mov $R(s_block), %si
    call puts16
    mov V_IDX, %ax
    call hex16
    mov $'\n', %al
    call putc16
    /* the IVT at IDT_ADDR: every vector to its stub, #DB to db16 */
    mov $IDT_ADDR, %di
    mov $R(stubs), %ax
    mov $256, %cx
1:  mov %ax, (%di)
    movw $0xf000, 2(%di)
    add $4, %di
    add $8, %ax
    loop 1b
    movw $R(db16), IDT_ADDR + 4
    lidtl %cs:R(ivt_desc)
    call copy_block16
    movw $0, V_STEPS
    mov $CODE_ADDR >> 4, %ax
    mov %ax, %ds
    xor %si, %si
    call is_hlt16
    mov $END_HLT, %ax
    jz end16
    mov $FSTACK >> 4, %ax
    mov %ax, %ss
    mov $0x8000, %sp
    pushw $0x0102               /* FLAGS: TF */
    pushw $CODE_ADDR >> 4
    pushw $0
    mov $SCRATCH >> 4, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov $0x1000, %eax
    mov $0x2000, %ebx
    mov $0x10, %ecx
    mov $0x3000, %edx
    mov $0x100, %esi
    mov $0x200, %edi
    mov $0x800, %ebp
    iret

/* end16: the block ended for reason AX (a vector or END_*) */
end16:
    xor %bx, %bx
    mov %bx, %ds
    mov %bx, %ss
    mov $STACK0, %sp
    mov %ax, V_E
    call uart16
    mov $R(s_result), %si
    call puts16
    mov V_IDX, %ax
    call hex16
    mov $' ', %al
    call putc16
    mov V_E, %ax
    call hex16
    mov $' ', %al
    call putc16
    mov V_STEPS, %ax
    call hex16
    incl V_IDX
    jmp loop16

/* copy_block16: block V_IDX from the ROM to CODE_ADDR, then 16 INT3s */
copy_block16:
    mov $CODE_ADDR >> 4, %ax
    mov %ax, %es
    xor %di, %di
    mov V_IDX, %ax
    mov $BLOCK_SIZE, %cx
    mul %cx
    add $R(blocks), %ax
    mov %ax, %si
    mov $BLOCK_SIZE, %cx
    cs rep movsb
    mov $0xcc, %al
    mov $16, %cx
    rep stosb
    xor %ax, %ax
    mov %ax, %es
    ret

is_hlt16:
    IS_HLT 0

/* the stub of vector v: AX = v, then exc16 */
    .balign 8
stubs:
    .set vec, 0
    .rept 256
    .balign 8
    mov $vec, %ax
    jmp exc16
    .set vec, vec + 1
    .endr
exc16:
    cli
    xor %bx, %bx
    mov %bx, %ds
    incl V_EXC
    jmp end16

/* db16: the frame is IP, CS, FLAGS at SS:SP; below segment 0x9000 it is in RAM */
db16:
    push %ax
    mov %ss, %ax
    cmp $0x9000, %ax
    jae 7f
    push %bp
    mov %sp, %bp
    push %ds
    push %si
    push %ecx
    xor %ax, %ax
    mov %ax, %ds
    incl V_TSTEPS
    incw V_STEPS
    cmpw $STEP_LIMIT, V_STEPS
    ja 8f
#ifdef TRACE
    /* -DTRACE: "S CS:IP" for every step, to compare emulators */
    mov $'S', %al
    call putc16
    mov 6(%bp), %ax
    call hex16
    mov $':', %al
    call putc16
    mov 4(%bp), %ax
    call hex16
    mov $'\n', %al
    call putc16
#endif
    mov 6(%bp), %ax             /* CS */
    mov %ax, %ds
    mov 4(%bp), %si             /* IP */
    cld
    call is_hlt16
    jz 6f
    orw $0x100, 8(%bp)          /* TF on, IF off in the saved FLAGS */
    andw $~0x200, 8(%bp)
    pop %ecx
    pop %si
    pop %ds
    pop %bp
    pop %ax
    iret
6:  mov $END_HLT, %ax
    jmp end16
7:  mov $END_FRAME, %ax
    jmp end16
8:  mov $END_STEPS, %ax
    jmp end16

done16:
    mov $R(s_done), %si
    call puts16
    mov V_TSTEPS + 2, %ax
    call hex16
    mov V_TSTEPS, %ax
    call hex16
    mov $R(s_exc), %si
    call puts16
    mov V_EXC + 2, %ax
    call hex16
    mov V_EXC, %ax
    call hex16
    mov $R(s_nl), %si
    call puts16
    lidtl %cs:R(zero_idt)
    int3
1:  jmp 1b

#else
/* ===================== 32-bit protected mode ===================== */
    .code32
pm32:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %esp
#if MODE == 64
    call lm_tables
    mov $0x620, %eax            /* PAE, OSFXSR, OSXMMEXCPT */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx       /* EFER.LME, NXE */
    rdmsr
    or $0x900, %eax
    wrmsr
    mov $0x80000033, %eax
    mov %eax, %cr0
    ljmp $0x10, $loop64
#else
    jmp loop32
#endif

/* copy_block32: block V_IDX to CODE_ADDR, then 16 INT3s */
copy_block32:
    mov V_IDX, %eax
    imul $BLOCK_SIZE, %eax
    lea blocks(%eax), %esi
    mov $CODE_ADDR, %edi
    mov $BLOCK_SIZE, %ecx
    rep movsb
    mov $0xcc, %al
    mov $16, %ecx
    rep stosb
    ret

/* print_block32: "B <index>" */
print_block32:
    mov $s_block, %esi
    call puts32
    mov V_IDX, %eax
    call hex32
    mov $s_nl, %esi
    jmp puts32

uart32:
    mov $UART + 4, %dx
    mov $3, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $0x80, %al
    out %al, %dx
    mov $UART, %dx
    mov $1, %al
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $3, %al
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al
    out %al, %dx
    ret

#if MODE == 32
loop32:
    lgdt gdtr_rom               /* in the ROM: stray stack pushes miss it */
    ljmp $0x08, $1f
1:  mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $STACK0, %esp
    cld
    mov $0x33, %eax             /* CR0: PE, MP, ET, NE */
    mov %eax, %cr0
    mov $0x600, %eax
    mov %eax, %cr4
    fninit
    call uart32
    cmpl $FUZZ_BLOCKS, V_IDX
    jae done32
    call print_block32
    mov $IDT_ADDR, %edi
    mov $256 * 8 / 4, %ecx
    xor %eax, %eax
    rep stosl
    xor %edi, %edi
1:  mov %edi, %eax
    shl $4, %eax
    add $stubs, %eax
    cmp $1, %edi
    jne 2f
    mov $db32, %eax
2:  mov $0x8e, %edx
    call set_gate32
    inc %edi
    cmp $256, %edi
    jb 1b
    lidt idtr32
    call copy_block32
    movl $0, V_STEPS
    mov $CODE_ADDR, %esi
    call is_hlt32
    mov $END_HLT, %eax
    jz end32
    mov $FSTACK, %esp
    push $0x102                 /* EFLAGS: TF */
    push $0x08
    push $CODE_ADDR
    mov $SCRATCH + 0x1000, %eax
    mov $SCRATCH + 0x2000, %ebx
    mov $0x10, %ecx
    mov $SCRATCH + 0x3000, %edx
    mov $SCRATCH + 0x100, %esi
    mov $SCRATCH + 0x200, %edi
    mov $SCRATCH + 0x800, %ebp
    iret

/* end32: the block ended for reason EAX (a vector or END_*) */
end32:
    mov $0x18, %bx
    mov %bx, %ds
    mov %bx, %es
    mov %bx, %ss
    mov $STACK0, %esp
    cld
    mov %eax, V_E
    call uart32
    mov $s_result, %esi
    call puts32
    mov V_IDX, %eax
    call hex32
    mov $s_sp, %esi
    call puts32
    mov V_E, %eax
    call hex32
    mov $s_sp, %esi
    call puts32
    mov V_STEPS, %eax
    call hex32
    incl V_IDX
    jmp loop32

is_hlt32:
    IS_HLT 0

/* the stub of vector v: EAX = v, then exc32 */
    .balign 16
stubs:
    .set vec, 0
    .rept 256
    .balign 16
    mov $vec, %eax
    jmp exc32
    .set vec, vec + 1
    .endr
exc32:
    cli
    mov $0x18, %bx
    mov %bx, %ds
    incl V_EXC
    jmp end32

/* db32: the frame (EIP, CS, EFLAGS) is used only where it can be RAM */
db32:
    cmp $FRAME_MIN, %esp
    jb 7f
    cmp $FRAME_MAX, %esp
    jae 7f
    push %ds
    push %eax
    push %esi
    push %ecx
    mov $0x18, %ax
    mov %ax, %ds
    incl V_TSTEPS
    incl V_STEPS
    cmpl $STEP_LIMIT, V_STEPS
    ja 8f
    mov 16(%esp), %esi          /* EIP; every code segment is flat */
    cld
    call is_hlt32
    jz 6f
    orl $0x100, 24(%esp)
    andl $~0x200, 24(%esp)
    pop %ecx
    pop %esi
    pop %eax
    pop %ds
    iret
6:  mov $END_HLT, %eax
    jmp end32
7:  mov $END_FRAME, %eax
    jmp end32
8:  mov $END_STEPS, %eax
    jmp end32

done32:
    mov $s_done, %esi
    call puts32
    mov V_TSTEPS, %eax
    call hex32
    mov $s_exc, %esi
    call puts32
    mov V_EXC, %eax
    call hex32
    mov $s_nl, %esi
    call puts32
    lidt zero_idt
    int3
1:  jmp 1b

#else
/* ===================== 64-bit mode ===================== */
/* lm_tables: PML4 -> PDPT -> PD, 0-1 GiB in 2 MiB pages, user-accessible */
lm_tables:
    mov $PT_BASE, %edi
    mov $3 * 4096 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movl $PDPT + 7, PML4
    movl $PD + 7, PDPT
    mov $PD, %edi
    mov $0x87, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $8, %edi
    add $0x200000, %eax
    loop 1b
    ret

    .code64
loop64:
    cld
    mov $gdt, %esi              /* in RAM: LTR marks the TSS busy */
    mov $GDT_ADDR, %edi
    mov $gdt_end - gdt, %ecx
    rep movsb
    lgdt gdtr(%rip)
    mov $STACK0, %esp
    push $0x10
    push $1f
    lretq
1:  mov $0x18, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    cld
    mov $0x620, %eax
    mov %rax, %cr4
    mov $PML4, %eax
    mov %rax, %cr3
    mov $0x80000033, %eax
    mov %rax, %cr0
    fninit
    mov $0x20, %ax              /* the GDT copy made the TSS available again */
    ltr %ax
    call uart64
    cmpl $FUZZ_BLOCKS, V_IDX
    jae done64
    mov $s_block, %esi
    call puts64
    mov V_IDX, %eax
    call hex64
    mov $s_nl, %esi
    call puts64
    mov $IDT_ADDR, %edi
    mov $256 * 16 / 4, %ecx
    xor %eax, %eax
    rep stosl
    xor %edi, %edi
1:  mov %edi, %eax
    shl $4, %eax
    add $stubs, %eax
    cmp $1, %edi
    jne 2f
    mov $db64, %eax
2:  mov $0x18e, %edx            /* every vector on IST1 */
    call set_gate64
    inc %edi
    cmp $256, %edi
    jb 1b
    lidt idtr64(%rip)
    mov $TSS_ADDR, %edi
    mov $0x68 / 4, %ecx
    xor %eax, %eax
    rep stosl
    movq $IST1_TOP, TSS_ADDR + 36
    movq $RSP0_TOP, TSS_ADDR + 4
    movw $0x68, TSS_ADDR + 0x66
    /* SYSCALL enters exc64 with TF masked; SYSRET lands at CPL 3 */
    mov $0xc0000081, %ecx
    xor %eax, %eax
    mov $0x00080010, %edx
    wrmsr
    mov $0xc0000082, %ecx
    mov $syscall64, %eax
    xor %edx, %edx
    wrmsr
    mov $0xc0000084, %ecx
    mov $0x700, %eax
    wrmsr
    mov $0xc0000080, %ecx
    rdmsr
    or $0x901, %eax
    wrmsr
    call copy_block64
    movl $0, V_STEPS
    mov $CODE_ADDR, %esi
    call is_hlt64
    mov $END_HLT, %eax
    jz end64
    push $0x18                  /* SS */
    push $FSTACK
    push $0x102                 /* RFLAGS: TF */
    push $0x10
    push $CODE_ADDR
    mov $SCRATCH + 0x1000, %eax
    mov $SCRATCH + 0x2000, %ebx
    mov $0x10, %ecx
    mov $SCRATCH + 0x3000, %edx
    mov $SCRATCH + 0x100, %esi
    mov $SCRATCH + 0x200, %edi
    mov $SCRATCH + 0x800, %ebp
    mov %rax, %r8
    mov %rbx, %r9
    mov %rcx, %r10
    mov %rdx, %r11
    mov %rsi, %r12
    mov %rdi, %r13
    mov %rbp, %r14
    mov %rbp, %r15
    iretq

copy_block64:
    mov V_IDX, %eax
    imul $BLOCK_SIZE, %eax
    lea blocks(%eax), %esi
    mov $CODE_ADDR, %edi
    mov $BLOCK_SIZE, %ecx
    rep movsb
    mov $0xcc, %al
    mov $16, %ecx
    rep stosb
    ret

uart64:
    mov $UART + 4, %dx
    mov $3, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $0x80, %al
    out %al, %dx
    mov $UART, %dx
    mov $1, %al
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $3, %al
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al
    out %al, %dx
    ret

/* end64: the block ended for reason EAX (a vector or END_*) */
end64:
    mov $STACK0, %esp
    cld
    mov %eax, V_E
    call uart64
    mov $s_result, %esi
    call puts64
    mov V_IDX, %eax
    call hex64
    mov $s_sp, %esi
    call puts64
    mov V_E, %eax
    call hex64
    mov $s_sp, %esi
    call puts64
    mov V_STEPS, %eax
    call hex64
    incl V_IDX
    jmp loop64

is_hlt64:
    IS_HLT 1

/* the stub of vector v: EAX = v, then exc64 */
    .balign 16
stubs:
    .set vec, 0
    .rept 256
    .balign 16
    mov $vec, %eax
    jmp exc64
    .set vec, vec + 1
    .endr
syscall64:
    mov $END_SYSCALL, %eax
exc64:
    cli
    incl V_EXC
    jmp end64

/* db64: on IST1, the frame is RIP, CS, RFLAGS, RSP, SS */
db64:
    push %rax
    push %rsi
    push %rcx
    incl V_TSTEPS
    incl V_STEPS
    cmpl $STEP_LIMIT, V_STEPS
    ja 8f
    mov 24(%rsp), %rsi          /* RIP: a #PF reading it ends the block */
    cld
    call is_hlt64
    jz 6f
    orq $0x100, 40(%rsp)
    andq $~0x200, 40(%rsp)
    pop %rcx
    pop %rsi
    pop %rax
    iretq
6:  mov $END_HLT, %eax
    jmp end64
8:  mov $END_STEPS, %eax
    jmp end64

done64:
    mov $s_done, %esi
    call puts64
    mov V_TSTEPS, %eax
    call hex64
    mov $s_exc, %esi
    call puts64
    mov V_EXC, %eax
    call hex64
    mov $s_nl, %esi
    call puts64
    lidt zero_idt(%rip)
    int3
1:  jmp 1b
#endif
#endif

    .section .rodata
s_block: .asciz "\nB "
s_result: .asciz "\nR "
s_sp:    .asciz " "
s_nl:    .asciz "\n"
s_done:  .asciz "\nfuzz-done steps "
s_exc:   .asciz " exceptions "
    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08 code32 flat */
    .quad 0x00209b0000000000    /* 0x10 code64 */
    .quad 0x00cf93000000ffff    /* 0x18 data flat */
    .quad 0x0000890030000067    /* 0x20 TSS64 at 0x3000 (16 bytes) */
    .quad 0
gdt_end:
gdtr:
    .word gdt_end - gdt - 1
    .quad GDT_ADDR
gdtr_rom:
    .word gdt_end - gdt - 1
    .long gdt
ivt_desc:
    .word 256 * 4 - 1
    .long IDT_ADDR
idtr32:
    .word 256 * 8 - 1
    .long IDT_ADDR
idtr64:
    .word 256 * 16 - 1
    .quad IDT_ADDR
zero_idt:
    .word 0
    .quad 0
blocks:
#include BLOCKS_INC

    RESET_VECTOR
