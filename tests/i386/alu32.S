/* Arithmetic, logic, shifts, multiply/divide, bit and string-free
 * instructions in 32-bit protected mode (i386 Linux process). */
#include "harness32.inc"
#define ALL 0x8d5
#define LOGIC 0x8c5
#define CO 0x801
    START
    CASE ALL, add %ebx, %eax
    CASE ALL, add %bx, %ax
    CASE ALL, add %bh, %ah
    CASE ALL, adc %ebx, %eax
    CASE ALL, sub %ebx, %eax
    CASE ALL, sbb %bl, %dl
    CASE ALL, cmp %ebx, %eax
    CASE ALL, addl %ebx, (%esi)
    CASE ALL, subw $0x7fff, %ax
    CASE LOGIC, and %ebx, %eax
    CASE LOGIC, xor %bx, %ax
    CASE LOGIC, test %bl, %al
    CASE ALL, inc %eax
    CASE ALL, dec %ax
    CASE ALL, inc %dl
    CASE ALL, dec %esi; dec %edi; inc %ebx
    CASE ALL, neg %ebx
    CASE LOGIC, shl %eax
    CASE LOGIC, sar %ax
    CASE 0xc5, shr $7, %eax
    CASE 0xc4, shl %cl, %eax
    CASE 0xc4, sar %cl, %dl
    CASE CO, rol %eax
    CASE 0x1, rcr %cl, %ax
    CASE 0xc5, shld $4, %ebx, %eax
    CASE 0xc5, shrd %cl, %ebx, %edx
    CASE CO, mul %ebx
    CASE CO, imul %bx
    CASE CO, imul %ebx, %eax
    CASE CO, imul $-3, %ebx, %eax
    CASE 0, test %ebx, %ebx; jz 1f; xor %edx, %edx; div %ebx; 1:
    CASE 0, cmp $1, %ebx; jbe 1f; cltd; idiv %ebx; 1:
    CASE 0, cmp $1, %bx; jbe 1f; cwtd; idiv %bx; 1:
    CASE 0x41, bt %ebx, %eax
    CASE 0x41, btc $17, %eax
    CASE 0x40, bsf %ebx, %eax
    CASE 0x40, bsr %ebx, %eax
    CASE ALL, movzbl %bh, %eax
    CASE ALL, movswl %bx, %eax
    CASE ALL, bswap %eax
    CASE ALL, cwtl
    CASE ALL, cltd
    CASE ALL, lea 0x10(%eax,%ebx,4), %edx
    CASE ALL, lea 3(%bx,%si), %dx
    CASE ALL, xchg %ebx, %eax
    CASE ALL, xadd %ebx, (%esi)
    CASE ALL, cmpxchg %ebx, %edx
    CASE ALL, mov %ebx, %ecx; mov %eax, %edx; cmpxchg8b (%esi)
    CASE ALL, cmp %ebx, %eax; seta %dl; setl %dh; setbe %bl; setg %bh
    CASE ALL, cmp %ebx, %eax; cmovl %ebx, %edx
    CASE ALL, cmp %ebx, %eax; jg 1f; mov $1, %edx; 1:
    CASE ALL, push %eax; push %ebx; pop %eax; pop %ebx
    CASE ALL, pusha; mov $1, %eax; mov $2, %edx; popa
    CASE ALL, lahf
    CASE ALL, mov %bl, %ah; sahf
    FINISH
