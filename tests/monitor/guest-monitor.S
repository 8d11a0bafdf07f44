/*
 * The monitor tests' bare-metal guest (tests/check-monitor.sh): in 32-bit
 * protected mode with paging (Intel SDM vol. 3A, 4.3: a 4 MiB identity page
 * and one 4 KiB page mapping linear 0x40000000 to physical 0x9000), it puts
 * "QUETZAL-MONITOR!" at physical 0x9000, keeps EBX = 0x5a5a1234, counts in
 * the dword at 0x9010, prints "tick" now and then and "key XXXXXXXX" for each
 * byte the 8042 delivers (port 0x64 bit 0, port 0x60). It never exits: the
 * monitor stops, inspects and quits it.
 */
#include "common.h"

#define PD      0x10000
#define PT      0x11000
#define ALIAS   0x40000000
#define DATA    0x9000

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START mask=1
    ENTER_PM32
    mov $pattern, %esi
    mov $DATA, %edi
    mov $16, %ecx
    rep movsb
    movl $0, DATA + 0x10
    /* page directory: 4 MiB identity page, the alias through a page table */
    mov $PD, %edi
    xor %eax, %eax
    mov $2048, %ecx             /* PD and PT */
    rep stosl
    movl $0x83, PD                          /* P, RW, PS */
    movl $PT + 3, PD + (ALIAS >> 22) * 4    /* P, RW */
    movl $DATA + 3, PT
    mov %cr4, %eax
    or $0x10, %eax              /* PSE */
    mov %eax, %cr4
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    jmp 1f
1:  mov $s_ready, %esi
    call puts32
    mov $0x5a5a1234, %ebx
    mov $0x100000, %ecx
loop:
    incl DATA + 0x10
    in $0x64, %al
    test $1, %al
    jz 2f
    in $0x60, %al
    movzbl %al, %eax
    mov $s_key, %esi
    call puts32
    call hex32
    mov $'\n', %al
    call putc32_pub
2:  dec %ecx
    jnz loop
    mov $s_tick, %esi
    call puts32
    mov $0x100000, %ecx
    jmp loop

putc32_pub:
    push %esi
    push %eax
    mov %esp, %esi
    movb $0, 1(%esi)
    call puts32
    pop %eax
    pop %esi
    ret

STR s_ready, "ready\n"
STR s_key, "key "
STR s_tick, "tick\n"
    .pushsection .rodata
pattern: .ascii "QUETZAL-MONITOR!"
    .popsection

    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00cf9b000000ffff    /* 0x08: flat 32-bit code */
    .quad 0x00cf93000000ffff    /* 0x10: flat data */
gdt_end:
gdtr:
    .word gdt_end - gdt_rom - 1
    .long GDT_ADDR

    RESET_VECTOR
