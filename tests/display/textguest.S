/*
 * A minimal "bzImage" for the display tests: the boot protocol's header
 * (Linux Documentation/arch/x86/boot.rst) and real-mode setup code only. The
 * firmware's linuxboot option ROM jumps to offset 0x200 in real mode with the
 * BIOS still usable. The command line picks what goes on the text screen:
 *   "banner"  leaves SeaBIOS's screen as it is (its version line);
 *   "charset" writes codes 0-255 in attribute 0x07 and 128 attributes on 'H';
 *   "graphics13" sets mode 13h (INT 10h AX=0013h) and fills 320x200 with
 *             colour (x + y) & 0xff (chain-4 writes);
 *   "planar12" sets mode 12h (640x480, 16 colours) and paints every byte
 *             with write mode 2: colour (offset & 15), then, after a read
 *             that loads the latches, colour (offset >> 4) & 15 through bit
 *             mask 0x55.
 * Then the cursor is hidden (INT 10h AH=01h), "DISPLAY-READY" goes to COM1,
 * the byte 0x10 to isa-debug-exit (port 0x501) and the CPU halts.
 */
    .code16
    .text
    .globl _start
_start:
    .org 0x1f1
    .byte 1                         /* setup_sects: the setup is 2 sectors */
    .org 0x1fe
    .word 0xaa55
    .org 0x200
setup:
    .byte 0xeb, main - setup - 2    /* 0x200: jmp short over the header */
    .ascii "HdrS"                   /* 0x202 */
    .word 0x020f                    /* 0x206 protocol 2.15 */
    .org 0x211
    .byte 0x01                      /* loadflags: LOADED_HIGH */
    .org 0x214
    .long 0x100000                  /* code32_start */
    .org 0x228
cmdline: .long 0                    /* cmd_line_ptr, filled by the loader */
    .org 0x22c
    .long 0x37ffffff                /* initrd_addr_max */
    .org 0x238
    .long 255                       /* cmdline_size */
    .org 0x260
main:
    cli
    movw %cs, %ax
    movw %ax, %ds
    movw $0x9000, %sp
    sti
    movl %ds:(cmdline - setup), %eax
    movl %eax, %ebx
    shrl $4, %eax
    movw %ax, %es
    andw $15, %bx
    movb %es:(%bx), %al
    cmpb $'g', %al
    je mode13
    cmpb $'p', %al
    je mode12
    cmpb $'c', %al
    jne done
    /* charset: codes 0-255, 32 a row from row 2, column 8, every other cell */
    movw $0xb800, %ax
    movw %ax, %es
    xorw %cx, %cx
1:  movw %cx, %ax
    shrw $5, %ax                    /* row - 2 */
    addw $2, %ax
    movw $160, %dx
    mulw %dx
    movw %cx, %di
    andw $31, %di
    shlw $2, %di                    /* 2 cells a code */
    addw %ax, %di
    addw $16, %di
    movb %cl, %es:(%di)
    movb $0x07, %es:1(%di)
    incw %cx
    cmpw $256, %cx
    jb 1b
    /* attributes 0-127 on 'H', 32 a row from row 12 */
    xorw %cx, %cx
2:  movw %cx, %ax
    shrw $5, %ax
    addw $12, %ax
    movw $160, %dx
    mulw %dx
    movw %cx, %di
    andw $31, %di
    shlw $2, %di
    addw %ax, %di
    addw $16, %di
    movb $'H', %es:(%di)
    movb %cl, %es:1(%di)
    incw %cx
    cmpw $128, %cx
    jb 2b
    jmp done
mode13:
    movw $0x0013, %ax
    int $0x10
    movw $0xa000, %ax
    movw %ax, %es
    xorw %di, %di
    xorw %dx, %dx                   /* y */
6:  xorw %cx, %cx                   /* x */
7:  movw %cx, %ax
    addw %dx, %ax
    stosb
    incw %cx
    cmpw $320, %cx
    jb 7b
    incw %dx
    cmpw $200, %dx
    jb 6b
    jmp signal
mode12:
    movw $0x0012, %ax
    int $0x10
    movw $0xa000, %ax
    movw %ax, %es
    movw $0x3ce, %dx
    movw $0x0205, %ax               /* GR5: write mode 2 */
    outw %ax, %dx
    movw $0xff08, %ax               /* GR8: bit mask 0xff */
    outw %ax, %dx
    xorw %di, %di
8:  movw %di, %ax
    andb $15, %al
    movb %al, %es:(%di)
    incw %di
    cmpw $38400, %di
    jb 8b
    movw $0x5508, %ax               /* bit mask 0x55 */
    outw %ax, %dx
    xorw %di, %di
9:  movb %es:(%di), %al             /* loads the latches */
    movw %di, %ax
    shrw $4, %ax
    andb $15, %al
    movb %al, %es:(%di)
    incw %di
    cmpw $38400, %di
    jb 9b
    movw $0x0005, %ax               /* back to write mode 0, mask 0xff */
    outw %ax, %dx
    movw $0xff08, %ax
    outw %ax, %dx
    jmp signal
done:
    movb $0x01, %ah                 /* cursor off */
    movw $0x2000, %cx
    int $0x10
signal:
    movw $(msg - setup), %si
3:  movb %ds:(%si), %al
    testb %al, %al
    jz 4f
    movw $0x3f8, %dx
    outb %al, %dx
    incw %si
    jmp 3b
4:  movw $0x501, %dx
    movb $0x10, %al
    outb %al, %dx
5:  cli
    hlt
    jmp 5b
msg: .asciz "DISPLAY-READY\n"
    .org 0x400
    .fill 4096, 1, 0                /* the "protected-mode kernel" (never run) */
