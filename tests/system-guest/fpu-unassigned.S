/*
 * Found by tests/check-sysfuzz.sh: the x87
 * state instructions FRSTOR, FNSAVE, FLDENV, FNSTENV (and FXSAVE) on an operand outside
 * RAM, in a flat 4 GiB data segment. Nothing answers there, yet nothing faults
 * either: a segment-limit or paging check is all that can raise #GP or #PF
 * (Intel SDM vol. 2A, FRSTOR "Protected Mode Exceptions"); QEMU 7.2 runs them
 * without an exception, and MOV and FLDCW from the same address do not fault
 * in either emulator. 64 MiB of RAM: 0xabd87860 is no memory, and 0x3fffff0
 * is RAM whose 108-byte FRSTOR operand runs past its end.
 * expect: mov-outside-ram fldcw-outside-ram frstor-outside-ram
 * expect: fnsave-outside-ram fldenv-outside-ram fnstenv-outside-ram
 * expect: frstor-across-ram-end fxsave-outside-ram
 */
#include "common.h"

#define NOWHERE 0xabd87860

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    ENTER_PM32
    call set_exc_gates32
    lidt idtr
    fninit
    /* EQ32 V_VEC, $-1: no exception */
    TRAP32 mov NOWHERE, %eax
    EQ32 V_VEC, $-1, mov-outside-ram
    TRAP32 fldcw NOWHERE
    EQ32 V_VEC, $-1, fldcw-outside-ram
    fninit
    TRAP32 frstor NOWHERE
    EQ32 V_VEC, $-1, frstor-outside-ram
    fninit
    TRAP32 fnsave NOWHERE
    EQ32 V_VEC, $-1, fnsave-outside-ram
    TRAP32 fldenv NOWHERE
    EQ32 V_VEC, $-1, fldenv-outside-ram
    fninit
    TRAP32 fnstenv NOWHERE
    EQ32 V_VEC, $-1, fnstenv-outside-ram
    fninit
    TRAP32 frstor 0x3fffff0
    EQ32 V_VEC, $-1, frstor-across-ram-end
    fninit
    TRAP32 fxsave NOWHERE       /* 16-byte aligned */
    EQ32 V_VEC, $-1, fxsave-outside-ram
    jmp exit32

    GDT_FLAT32 32
    RESET_VECTOR
