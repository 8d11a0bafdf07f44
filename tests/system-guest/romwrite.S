/*
 * Reproducer (not in the suite until the emulator is fixed: rename
 * "expect-when-fixed" to "expect"): the BIOS image below 1 MiB (0xF0000-
 * 0xFFFFF) is read-only after reset. On the i440FX the PAM0 register is 0 at
 * reset, so writes to that range go to the ROM and are dropped (Intel 82441FX
 * datasheet, PAM registers); QEMU 7.2 drops them too. A guest that writes into
 * its own ROM (lm64.S once did, through a wrong RIP-relative displacement)
 * must not change its code.
 * expect-when-fixed: rom-f0000-readonly rom-fffff-readonly
 */
#include "common.h"

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    mov $0xf000, %ax
    mov %ax, %es
    movw $0x1234, %es:R(rom_word)
    EQ16 %es:R(rom_word), $0xa55a, rom-f0000-readonly
    movb $0x00, %es:0xffff          /* the last byte of the reset-vector page */
    mov %es:0xffff, %al
    xor %ah, %ah
    EQ16 %ax, $0xff, rom-fffff-readonly
    mov V_FAILS, %al
    out %al, $EXIT_PORT
1:  hlt
    jmp 1b

    .section .rodata
rom_word:
    .word 0xa55a

    RESET_VECTOR 0xff
