/*
 * Speed reproducer, not a test (found by tests/check-sysfuzz.sh): single
 * stepping in real mode. EFLAGS.TF makes a #DB after every instruction (Intel
 * SDM vol. 3A, 17.3.1.4); the handler counts STEPS of them, then the guest
 * triple-faults (a zero-limit IVT), which ends the emulator under -no-reboot.
 *   gcc -c -Itests/system-guest -DSTEPS=100000 tests/sysfuzz/tf16-steps.S -o t.o
 *   ld -T tests/system-guest/image.ld t.o -o t.elf && objcopy -O binary t.elf t.bin
 *   time ./quetzal-system-x86_64 -bios $PWD/t.bin -display none -no-reboot
 * quetzal: 13.5 s (every step translates its code again: perf shows
 * backward_pass, tcg_optimize, tlb_protect_code); QEMU 7.2: 0.5 s. The same
 * count of INT/IRET pairs in real mode takes 0.26 s, and stepping in 32-bit
 * protected mode is fast too.
 */
#include "common.h"
    .section .text.start, "ax"
    .code16
    .globl start
start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $STACK0, %sp
    movw $R(db), 4
    movw $0xf000, 6
    movl $0, V_A
    pushf
    pop %ax
    or $0x100, %ax
    push %ax
    popf                        /* TF on: #DB after every instruction */
1:  nop
    jmp 1b
db:
    incl V_A
    cmpl $STEPS, V_A
    jae 2f
    iret
2:  lidtl %cs:R(zero)
    int3
zero: .word 0
    .long 0
    RESET_VECTOR
