/*
 * Single-step around stack switches (found by tests/check-sysfuzz.sh): MOV SS
 * and POP SS inhibit debug exceptions, single-step traps included, until the
 * next instruction has run (Intel SDM vol. 3A, 6.8.3 "Masking Exceptions and
 * Interrupts When Switching Stacks"; vol. 2A, MOV: "...the next instruction is
 * executed before the single-step trap"). With EFLAGS.TF set in real mode, the
 * #DB handler records the IP of each trap: after NOP, not after MOV SS (it
 * comes after the NOP that follows), not after POP SS. QEMU 7.2 agrees.
 * expect: step-after-nop step-skips-mov-ss step-skips-pop-ss
 */
#include "common.h"

#define REC  (VARS + 0x80)              /* the IPs recorded by the handler */
#define NREC (VARS + 0x7e)

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    movw $0, NREC
    movw $R(db), 4              /* IVT vector 1 */
    movw $0xf000, 6
    xor %bx, %bx
    push %ss                    /* for the POP SS */
    pushf
    pop %ax
    or $0x100, %ax
    push %ax
    popf                        /* TF: traps from after the next instruction */
l1: nop
l2: mov %bx, %ss
l3: nop
l4: pop %ss
l5: nop
l6: nop
l7: nop
    EQ16 REC, $R(l2), step-after-nop
    EQ16 REC+2, $R(l4), step-skips-mov-ss
    EQ16 REC+4, $R(l6), step-skips-pop-ss
    mov $R(s_done16), %si
    call puts16
    mov V_FAILS, %ax
    call hex16
    mov $'\n', %al
    call putc16
    mov V_FAILS, %al
    out %al, $EXIT_PORT
1:  hlt
    jmp 1b

/* db: records IP; after three records clears TF in the saved FLAGS */
db:
    push %bp
    mov %sp, %bp
    push %si
    mov NREC, %si
    mov 2(%bp), %ax
    mov %ax, REC(%si)
    add $2, %si
    mov %si, NREC
    cmp $6, %si
    jb 1f
    andw $~0x100, 6(%bp)
1:  pop %si
    pop %bp
    iret

s_done16: .asciz "done, failed: "

    RESET_VECTOR
