/*
 * The exception IDT of the 32-bit bare-metal guests of tests/x87, mmx,
 * xsave and avx (after common.h, in 32-bit code with flat DS/ES):
 * EXC_IDT32 zeroes the 256 gates at IDT_ADDR (none present) and points
 * vectors 0-31 at lib.S's exc_stubs32 (set_exc_gates32). The guest adds its
 * own gates, then loads idtr (common.h's GDT_FLAT32 makes it). Clobbers EAX,
 * ECX, EDI.
 */
.macro EXC_IDT32
    mov $IDT_ADDR, %edi
    mov $256 * 8 / 4, %ecx
    xor %eax, %eax
    rep stosl
    call set_exc_gates32
.endm
