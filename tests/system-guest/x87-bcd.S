/*
 * Found by tests/check-sysfuzz.sh: the x87 packed-BCD instructions FBLD (DF /4) and FBSTP (DF /6) (Intel SDM vol. 1,
 * 4.7 "BCD and Packed BCD Integers": 18 digits in bytes 0-8, sign in bit 7 of
 * byte 9; vol. 2A, FBLD/FBSTP) in a bare-metal guest; QEMU 7.2 agrees.
 * expect: fbld-no-fault fbld-value fbstp-no-fault fbstp-low fbstp-high
 * expect: fbstp-sign
 */
#include "common.h"

#define BCD_IN   (VARS + 0x80)          /* 10 bytes each */
#define BCD_OUT  (VARS + 0x90)
#define INT_OUT  (VARS + 0xa0)

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    mov %cr0, %eax
    and $~0xc, %eax             /* EM = 0, TS = 0 */
    mov %eax, %cr0
    ENTER_PM32
    call set_exc_gates32
    lidt idtr
    fninit
    /* -1234567 as packed BCD: digits 67 45 23 01, sign byte 0x80 */
    movl $0x01234567, BCD_IN
    movl $0, BCD_IN + 4
    movw $0x8000, BCD_IN + 8
    TRAP32 fbld BCD_IN
    EQ32 V_VEC, $-1, fbld-no-fault
    fistpl INT_OUT
    EQ32 INT_OUT, $-1234567, fbld-value
    /* 98765432109876 back to BCD */
    fildll big
    TRAP32 fbstp BCD_OUT
    EQ32 V_VEC, $-1, fbstp-no-fault
    EQ32 BCD_OUT, $0x32109876, fbstp-low
    EQ32 BCD_OUT+4, $0x00987654, fbstp-high
    movzwl BCD_OUT+8, %eax
    EQ32 %eax, $0, fbstp-sign
    jmp exit32

    .section .rodata
    .balign 8
big:
    .quad 98765432109876
    GDT_FLAT32 32
    RESET_VECTOR
