/*
 * Shared by the bare-metal test programs (tests/system-guest/*.S): the memory
 * map, the UART (16550 at 0x3f8: THR at +0, LSR at +5, bit 5 "THR empty"),
 * isa-debug-exit at port 0xf4, and the "ok NAME" / "FAIL NAME got X want Y"
 * reporting in 16-, 32- and 64-bit code.
 *
 * Each program is linked at 0xF0000 (image.ld) into a 64 KiB -bios image; the
 * reset vector (physical 0xFFFFFFF0, image offset 0xFFF0) far-jumps to
 * F000:start (Intel SDM vol. 3A, 9.1.4 "First Instruction Executed").
 * RAM use (below 640 KiB):
 *   0x0500 variables      0x1000 GDT   0x2000 IDT   0x3000 TSS + I/O bitmap
 *   0x7000 ring-0 stack top  0x9000 IST1 top  0x9800 IST2 top  0xA000 RSP0 top
 *   0xB000 ring-3 stack top  0x10000 page tables  0x20000.. test pages
 */
#define ROM_BASE   0xF0000
#define R(x)       ((x) - ROM_BASE)

#define VARS       0x500
#define V_FAILS    (VARS + 0x00)
#define V_VEC      (VARS + 0x08)
#define V_ERR      (VARS + 0x10)
#define V_RIP      (VARS + 0x18)
#define V_CS       (VARS + 0x20)
#define V_CR2      (VARS + 0x28)
#define V_RECOVER  (VARS + 0x30)
#define V_TRAPIP   (VARS + 0x38)
#define V_RSP      (VARS + 0x40)    /* stack pointer in the handler */
#define V_FRSP     (VARS + 0x48)    /* stack pointer in the frame */
#define V_FSS      (VARS + 0x50)
#define V_A        (VARS + 0x58)    /* scratch values of the tests */
#define V_B        (VARS + 0x60)
#define V_C        (VARS + 0x68)
#define V_D        (VARS + 0x70)
#define V_E        (VARS + 0x78)

#define GDT_ADDR   0x1000
#define IDT_ADDR   0x2000
#define TSS_ADDR   0x3000
#define STACK0     0x7000
#define IST1_TOP   0x9000
#define IST2_TOP   0x9800
#define RSP0_TOP   0xA000
#define USTACK_TOP 0xB000
#define PT_BASE    0x10000

#define UART       0x3f8
#define EXIT_PORT  0xf4

/* vectors that push an error code (Intel SDM vol. 3A, table 6-1) */
#define ERRCODE_MASK ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | \
                      (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

/* a string in .rodata */
.macro STR label, text:vararg
    .pushsection .rodata
\label: .asciz \text
    .popsection
.endm

/* --- 16-bit code (real mode and 16-bit protected mode, DS base 0) --- */
/* EQ16 src, expected, name: compares the 16-bit values */
.macro EQ16 src, exp, name
    mov \src, %ax
    mov \exp, %dx
    mov $R(.Ln\@), %si
    call check_eq16
    STR .Ln\@, "\name"
.endm

/* --- 32-bit code (flat segments) --- */
.macro EQ32 src, exp, name
    mov \src, %eax
    mov \exp, %edx
    mov $.Ln\@, %esi
    call check_eq32
    STR .Ln\@, "\name"
.endm

/* TRAP32 insn: runs insn expecting an exception; the handler resumes after it */
.macro TRAP32 insn:vararg
    movl $.Lr\@, V_RECOVER
    movl $.Li\@, V_TRAPIP
    movl $0xffffffff, V_VEC
.Li\@:
    \insn
.Lr\@:
.endm

/* --- 64-bit code --- */
.macro EQ64 src, exp, name
    mov \src, %rax
    mov \exp, %rdx
    mov $.Ln\@, %esi
    call check_eq64
    STR .Ln\@, "\name"
.endm

.macro TRAP64 insn:vararg
    movq $.Lr\@, V_RECOVER
    movq $.Li\@, V_TRAPIP
    movq $-1, V_VEC              /* no exception yet */
.Li\@:
    \insn
.Lr\@:
.endm

/* From the reset vector (real mode, CS = F000): interrupts off, DS = ES = SS = 0,
 * the stack at STACK0, the failure count cleared. */
.macro RESET_ENTRY
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %sp
    movl $0, V_FAILS
.endm

/* Real mode to flat 32-bit protected mode: copies the guest's gdt_rom..gdt_end
 * to GDT_ADDR, loads gdtr, sets CR0.PE and jumps to the label pm32 (emitted
 * here) with code 0x08, data 0x10 and the stack at STACK0. */
.macro ENTER_PM32
    mov $R(gdt_rom), %si
    mov $GDT_ADDR, %di
    mov $gdt_end - gdt_rom, %cx
    cs rep movsb
    lgdtl %cs:R(gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $pm32

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK0, %esp
.endm

/* --- the pieces every guest's start repeats --- */

/* GUEST_START [mask]: the first code at start (real mode): RESET_ENTRY,
 * V_RECOVER cleared, the UART set up; mask=1 also masks both 8259As (OCW1
 * 0xff to ports 0x21 and 0xa1) */
.macro GUEST_START mask=0
    RESET_ENTRY
    movl $0, V_RECOVER
    call uart_init16
    .if \mask
    mov $0xff, %al
    out %al, $0x21
    out %al, $0xa1
    .endif
.endm

/* PIC_PIT_INIT count: the 8259A master at vectors 0x20-0x27 (ICW1 0x11: edge,
 * cascade, ICW4 follows; ICW2 0x20; ICW3 0x04: the slave on IRQ2; ICW4 0x01:
 * 8086 mode, normal EOI) with only IRQ0 unmasked (OCW1 0xfe), then the 8254's
 * channel 0 in mode 2, the rate generator (control word 0x34: lobyte then
 * hibyte), every count periods of its 1.193182 MHz clock (8259A and 8254 data
 * sheets). Clobbers AL. */
.macro PIC_PIT_INIT count
    mov $0x11, %al
    out %al, $0x20
    mov $0x20, %al
    out %al, $0x21
    mov $0x04, %al
    out %al, $0x21
    mov $0x01, %al
    out %al, $0x21
    mov $0xfe, %al
    out %al, $0x21
    mov $0x34, %al
    out %al, $0x43
    mov $(\count) & 0xff, %al
    out %al, $0x40
    mov $(\count) >> 8, %al
    out %al, $0x40
.endm

/* VIRTUAL_WIRE lapic: the local APIC at lapic in virtual-wire mode: after reset
 * its LVT entries are masked, LINT0 (the 8259A's INTR) included (SDM vol. 3A,
 * 11.4.7.1; MP spec 3.6.2.2): software-enabled (SVR bit 8, spurious vector
 * 0xff) and LINT0 set to ExtINT, not masked (32-bit code, flat DS) */
.macro VIRTUAL_WIRE lapic
    movl $0x1ff, \lapic + 0xf0
    movl $0x700, \lapic + 0x350
.endm

/* GDT_FLAT32 [descriptors...]: in .rodata, gdt_rom..gdt_end for ENTER_PM32
 * (null, 0x08 flat code32, 0x10 flat data32, then the descriptors given, each
 * one word without spaces), gdtr (copied to GDT_ADDR) and idtr (IDT_ADDR with
 * gates entries, 256 by default) */
.macro GDT_FLAT32 gates=256, more:vararg
    .section .rodata
    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00cf9b000000ffff
    .quad 0x00cf93000000ffff
    .irp d, \more
    .quad \d
    .endr
gdt_end:
gdtr:
    .word gdt_end - gdt_rom - 1
    .long GDT_ADDR
idtr:
    .word \gates * 8 - 1
    .long IDT_ADDR
.endm

/* RESET_VECTOR [fill]: the last 16 bytes of the image (image.ld's .reset, at
 * physical 0xFFFFFFF0): a far jump to F000:start, the rest filled */
.macro RESET_VECTOR fill=0
    .section .reset, "ax"
    .code16
    ljmp $0xf000, $R(start)
    .fill 11, 1, \fill
.endm
