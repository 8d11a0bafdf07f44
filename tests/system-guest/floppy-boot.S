/*
 * A floppy boot sector for tests/check-disk.sh (GNU as, 16-bit real mode,
 * loaded by SeaBIOS at 0:7C00): prints QZ-FLOPPY-BOOT on COM1, reads 53
 * sectors with INT 13h AH=02h in three calls (the rest of cylinder 0 head 0,
 * all of head 1, cylinder 1 head 0: a seek and both heads), prints the 16-bit
 * sum of their words as QZ-FLOPPY-SUM XXXX, writes the first of them to
 * C1/H1/S18 with AH=03h, prints QZ-FLOPPY-END and leaves through
 * isa-debug-exit (status 33); on an error QZ-FLOPPY-FAIL and AH (status 35).
 */
    .code16
    .text
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    sti
    mov $msg_boot, %si
    call puts
    mov $0x1000, %ax
    mov %ax, %es
    xor %bx, %bx
    mov $0x0211, %ax              /* 17 sectors from C0 H0 S2 */
    mov $0x0002, %cx
    mov $0x0000, %dx
    int $0x13
    jc fail
    add $(17 * 512), %bx
    mov $0x0212, %ax              /* 18 sectors from C0 H1 S1 */
    mov $0x0001, %cx
    mov $0x0100, %dx
    int $0x13
    jc fail
    add $(18 * 512), %bx
    mov $0x0212, %ax              /* 18 sectors from C1 H0 S1 */
    mov $0x0101, %cx
    mov $0x0000, %dx
    int $0x13
    jc fail
    xor %si, %si                  /* sum of the 53 * 256 words at 1000:0 */
    xor %dx, %dx
    mov $(53 * 256), %cx
sum:
    add %es:(%si), %dx
    add $2, %si
    loop sum
    mov $msg_sum, %si
    call puts
    mov %dx, %ax
    call puthex
    mov $msg_nl, %si
    call puts
    xor %bx, %bx                  /* write 1000:0 (the first sector read) to C1 H1 S18 */
    mov $0x0301, %ax
    mov $0x0112, %cx
    mov $0x0100, %dx
    int $0x13
    jc fail
    mov $msg_end, %si
    call puts
    mov $0x10, %al
    out %al, $0x01
    jmp exit
fail:
    mov %ah, %dl
    mov $msg_fail, %si
    call puts
    mov %dx, %ax
    call puthex
    mov $msg_nl, %si
    call puts
    mov $0x11, %al
exit:
    mov $0x501, %dx
    out %al, %dx
    hlt

/* COM1 output: waits for THR empty (LSR bit 5) */
putc:
    push %dx
    push %ax
    mov $0x3fd, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    pop %ax
    mov $0x3f8, %dx
    out %al, %dx
    pop %dx
    ret
puts:
    lodsb
    test %al, %al
    jz 2f
    call putc
    jmp puts
2:  ret
/* AX as four hex digits */
puthex:
    mov $4, %cx
3:  rol $4, %ax
    push %ax
    and $0x0f, %al
    add $'0', %al
    cmp $'9', %al
    jbe 4f
    add $7, %al
4:  call putc
    pop %ax
    loop 3b
    ret

msg_boot: .asciz "QZ-FLOPPY-BOOT\r\n"
msg_sum:  .asciz "QZ-FLOPPY-SUM "
msg_end:  .asciz "QZ-FLOPPY-END\r\n"
msg_fail: .asciz "QZ-FLOPPY-FAIL "
msg_nl:   .asciz "\r\n"
    .org 510
    .word 0xaa55
