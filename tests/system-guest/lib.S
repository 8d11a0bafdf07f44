/*
 * Run-time library of the bare-metal tests: UART output (16550: LSR bit 5 THR
 * empty), hex printing, the ok/FAIL reporting, the exit through isa-debug-exit
 * (port 0xf4: the emulator exits with status (value << 1) | 1) and the exception
 * stubs for 32-bit and 64-bit IDTs (Intel SDM vol. 3A, 6.12 "Exception and
 * Interrupt Handling" and 6.14.1 "64-Bit Mode IDT"). A stub pushes 0 for the
 * vectors without an error code, then its vector; the common handler records
 * vector, error code, return address, CS, CR2 and stack pointers in the
 * variables (common.h) and resumes at V_RECOVER, or reports an unexpected
 * exception and exits.
 */
#include "common.h"

    .text
/* ===================== 16-bit ===================== */
    .code16
    .globl uart_init16, puts16, check_eq16, putc16, hex16
uart_init16:
    mov $UART + 3, %dx
    mov $0x80, %al              /* DLAB */
    out %al, %dx
    mov $UART, %dx
    mov $1, %al                 /* divisor 1: 115200 baud */
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $3, %al                 /* 8N1 */
    out %al, %dx
    mov $UART + 1, %dx
    xor %al, %al                /* no interrupts */
    out %al, %dx
    ret

putc16:
    push %dx
    push %cx
    push %ax
    mov $UART + 5, %dx
    mov $0xffff, %cx
1:  in %dx, %al
    test $0x20, %al
    loopz 1b
    pop %ax
    mov $UART, %dx
    out %al, %dx
    pop %cx
    pop %dx
    ret

/* puts16: the string at CS:SI */
puts16:
    push %ax
1:  cs lodsb
    test %al, %al
    jz 2f
    call putc16
    jmp 1b
2:  pop %ax
    ret

hex16:
    mov $4, %cx
1:  rol $4, %ax
    push %ax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $'a' - '9' - 1, %al
2:  call putc16
    pop %ax
    loop 1b
    ret

/* check_eq16: AX got, DX expected, CS:SI the name */
check_eq16:
    cmp %dx, %ax
    jne 1f
    push %si
    mov $R(s_ok), %si
    call puts16
    pop %si
    call puts16
    mov $'\n', %al
    jmp putc16
1:  incw V_FAILS
    push %dx
    push %ax
    push %si
    mov $R(s_fail), %si
    call puts16
    pop %si
    call puts16
    mov $R(s_got), %si
    call puts16
    pop %ax
    call hex16
    mov $R(s_want), %si
    call puts16
    pop %ax
    call hex16
    mov $'\n', %al
    jmp putc16

/* ===================== 32-bit ===================== */
    .code32
    .globl puts32, hex32, check_eq32, exit32, exc_stubs32, set_gate32, set_exc_gates32
putc32:
    push %edx
    push %ecx
    push %eax
    mov $UART + 5, %dx
    mov $0xffff, %ecx
1:  in %dx, %al
    test $0x20, %al
    loopz 1b
    pop %eax
    mov $UART, %dx
    out %al, %dx
    pop %ecx
    pop %edx
    ret

puts32:
    push %eax
1:  lodsb
    test %al, %al
    jz 2f
    call putc32
    jmp 1b
2:  pop %eax
    ret

hex32:
    push %ecx
    mov $8, %ecx
1:  rol $4, %eax
    push %eax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $'a' - '9' - 1, %al
2:  call putc32
    pop %eax
    loop 1b
    pop %ecx
    ret

check_eq32:
    cmp %edx, %eax
    jne 1f
    push %esi
    mov $s_ok, %esi
    call puts32
    pop %esi
    call puts32
    mov $'\n', %al
    jmp putc32
1:  incl V_FAILS
    push %edx
    push %eax
    push %esi
    mov $s_fail, %esi
    call puts32
    pop %esi
    call puts32
    mov $s_got, %esi
    call puts32
    pop %eax
    call hex32
    mov $s_want, %esi
    call puts32
    pop %eax
    call hex32
    mov $'\n', %al
    jmp putc32

/* exit32: prints "done N failed" and writes N to isa-debug-exit */
exit32:
    mov $s_done, %esi
    call puts32
    mov V_FAILS, %eax
    call hex32
    mov $'\n', %al
    call putc32
    mov V_FAILS, %eax
    out %al, $EXIT_PORT
    mov $s_noexit, %esi
    call puts32
1:  cli
    hlt
    jmp 1b

/* set_gate32: EDI vector, EAX handler, EDX attribute byte (P, DPL, type) */
set_gate32:
    push %eax
    push %edi
    lea IDT_ADDR(, %edi, 8), %edi
    mov %ax, (%edi)
    movw $0x08, 2(%edi)
    movb $0, 4(%edi)
    mov %dl, 5(%edi)
    shr $16, %eax
    mov %ax, 6(%edi)
    pop %edi
    pop %eax
    ret

/* set_exc_gates32: vectors 0-31 to exc_stubs32, interrupt gates of DPL 0 */
set_exc_gates32:
    push %eax
    push %edx
    push %edi
    xor %edi, %edi
1:  mov %edi, %eax
    shl $4, %eax
    add $exc_stubs32, %eax
    mov $0x8e, %edx
    call set_gate32
    inc %edi
    cmp $32, %edi
    jb 1b
    pop %edi
    pop %edx
    pop %eax
    ret

    .balign 16
exc_stubs32:
    .set vec, 0
    .rept 32
    .balign 16
    .if ((ERRCODE_MASK >> vec) & 1) == 0
    push $0
    .endif
    push $vec
    jmp exc_common32
    .set vec, vec + 1
    .endr

exc_common32:
    push %eax
    mov 4(%esp), %eax
    mov %eax, V_VEC
    mov 8(%esp), %eax
    mov %eax, V_ERR
    mov 12(%esp), %eax
    mov %eax, V_RIP
    mov 16(%esp), %eax
    mov %eax, V_CS
    mov %cr2, %eax
    mov %eax, V_CR2
    mov %esp, V_RSP
    mov V_RECOVER, %eax
    test %eax, %eax
    jz unexpected32
    mov %eax, 12(%esp)
    movl $0, V_RECOVER
    pop %eax
    add $8, %esp
    iret
unexpected32:
    incl V_FAILS
    mov $s_unexp, %esi
    call puts32
    mov V_VEC, %eax
    call hex32
    mov $s_err, %esi
    call puts32
    mov V_ERR, %eax
    call hex32
    mov $s_at, %esi
    call puts32
    mov V_RIP, %eax
    call hex32
    mov $'\n', %al
    call putc32
    jmp exit32

/* ===================== 64-bit ===================== */
    .code64
    .globl puts64, hex64, check_eq64, exit64, exc_stubs64, set_gate64, putc64
putc64:
    push %rdx
    push %rcx
    push %rax
    mov $UART + 5, %dx
    mov $0xffff, %ecx
1:  in %dx, %al
    test $0x20, %al
    loopz 1b
    pop %rax
    mov $UART, %dx
    out %al, %dx
    pop %rcx
    pop %rdx
    ret

puts64:
    push %rax
1:  lodsb
    test %al, %al
    jz 2f
    call putc64
    jmp 1b
2:  pop %rax
    ret

hex64:
    push %rcx
    mov $16, %ecx
1:  rol $4, %rax
    push %rax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $'a' - '9' - 1, %al
2:  call putc64
    pop %rax
    loop 1b
    pop %rcx
    ret

check_eq64:
    cmp %rdx, %rax
    jne 1f
    push %rsi
    mov $s_ok, %esi
    call puts64
    pop %rsi
    call puts64
    mov $'\n', %al
    jmp putc64
1:  incq V_FAILS
    push %rdx
    push %rax
    push %rsi
    mov $s_fail, %esi
    call puts64
    pop %rsi
    call puts64
    mov $s_got, %esi
    call puts64
    pop %rax
    call hex64
    mov $s_want, %esi
    call puts64
    pop %rax
    call hex64
    mov $'\n', %al
    jmp putc64

exit64:
    mov $s_done, %esi
    call puts64
    mov V_FAILS, %rax
    call hex64
    mov $'\n', %al
    call putc64
    mov V_FAILS, %rax
    out %al, $EXIT_PORT
    mov $s_noexit, %esi
    call puts64
1:  cli
    hlt
    jmp 1b

/* set_gate64: EDI vector, RAX handler, EDX attribute byte | IST << 8 */
set_gate64:
    push %rax
    push %rdi
    shl $4, %edi
    add $IDT_ADDR, %edi
    mov %ax, (%rdi)
    movw $0x10, 2(%rdi)
    mov %dh, 4(%rdi)
    mov %dl, 5(%rdi)
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
    movl $0, 12(%rdi)
    pop %rdi
    pop %rax
    ret

    .balign 16
exc_stubs64:
    .set vec, 0
    .rept 32
    .balign 16
    .if ((ERRCODE_MASK >> vec) & 1) == 0
    push $0
    .endif
    push $vec
    jmp exc_common64
    .set vec, vec + 1
    .endr

/* frame after push %rax: vec 8, err 16, rip 24, cs 32, rflags 40, rsp 48, ss 56 */
exc_common64:
    push %rax
    mov 8(%rsp), %rax
    mov %rax, V_VEC
    mov 16(%rsp), %rax
    mov %rax, V_ERR
    mov 24(%rsp), %rax
    mov %rax, V_RIP
    mov 32(%rsp), %rax
    mov %rax, V_CS
    mov 48(%rsp), %rax
    mov %rax, V_FRSP
    mov 56(%rsp), %rax
    mov %rax, V_FSS
    mov %cr2, %rax
    mov %rax, V_CR2
    mov %rsp, V_RSP
    mov V_RECOVER, %rax
    test %rax, %rax
    jz unexpected64
    mov %rax, 24(%rsp)
    movq $0, V_RECOVER
    pop %rax
    add $16, %rsp
    iretq
unexpected64:
    incq V_FAILS
    mov $s_unexp, %esi
    call puts64
    mov V_VEC, %rax
    call hex64
    mov $s_err, %esi
    call puts64
    mov V_ERR, %rax
    call hex64
    mov $s_at, %esi
    call puts64
    mov V_RIP, %rax
    call hex64
    mov $'\n', %al
    call putc64
    jmp exit64

    .section .rodata
s_ok:     .asciz "ok "
s_fail:   .asciz "FAIL "
s_got:    .asciz " got "
s_want:   .asciz " want "
s_done:   .asciz "done, failed: "
s_noexit: .asciz "FAIL isa-debug-exit did not stop the machine\n"
s_unexp:  .asciz "FAIL unexpected-exception vector "
s_err:    .asciz " error "
s_at:     .asciz " at "
