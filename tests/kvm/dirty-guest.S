/*
 * Real-mode guest for tests/kvm/dirty-test.c, loaded at 0x1000 with CS = DS =
 * 0: writes known pages, then reports each phase on port 0xf4 (the test
 * reads the dirty log there). Phase 1 writes 0x10000, 0x13000 and the two
 * pages 0x20000-0x21fff; phase 2 writes 0x30000 only; phase 3 (after the
 * test stopped logging) writes 0x40000.
 */
    .code16
    .text
    .globl _start
_start:
    mov $0x1000, %ax
    mov %ax, %ds
    movb $1, 0x0000             /* 0x10000 */
    movb $1, 0x3000             /* 0x13000 */
    mov $0x2000, %ax
    mov %ax, %ds
    movb $1, 0x0000             /* 0x20000 */
    movb $1, 0x1800             /* 0x21800 */
    mov $1, %al
    out %al, $0xf4
    mov $0x3000, %ax
    mov %ax, %ds
    movw $0x1234, 0x0010        /* 0x30010 */
    mov $2, %al
    out %al, $0xf4
    mov $0x4000, %ax
    mov %ax, %ds
    movb $1, 0x0000             /* 0x40000 */
    mov $3, %al
    out %al, $0xf4
1:  hlt
    jmp 1b
