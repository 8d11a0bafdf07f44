/* Arithmetic, logic, shifts, multiply/divide and bit instructions, 64-bit mode. */
#include "harness64.inc"
#define ALL 0x8d5
#define LOGIC 0x8c5
#define CO 0x801
    START
    CASE ALL, add %rbx, %rax
    CASE ALL, add %ebx, %eax
    CASE ALL, add %bx, %ax
    CASE ALL, add %bl, %al
    CASE ALL, add %bh, %ah
    CASE ALL, adc %rbx, %rax
    CASE ALL, adc %ebx, %eax
    CASE ALL, adc %bl, %dl
    CASE ALL, sub %rbx, %rax
    CASE ALL, sub %ebx, %eax
    CASE ALL, sub %bx, %ax
    CASE ALL, sub %bl, %al
    CASE ALL, sbb %rbx, %rax
    CASE ALL, sbb %ebx, %eax
    CASE ALL, sbb %bx, %dx
    CASE ALL, cmp %rbx, %rax
    CASE ALL, cmp %ebx, %eax
    CASE ALL, cmpb %bl, (%rsi)
    CASE ALL, addq %rbx, (%rsi)
    CASE ALL, subl 8(%rsi), %eax
    CASE ALL, addq $-5, %rax
    CASE ALL, addl $0x12345678, (%rsi)
    CASE ALL, subw $0x7fff, %ax
    CASE ALL, cmpb $0x80, %al
    CASE ALL, adcq $1, (%rsi)
    CASE LOGIC, and %rbx, %rax
    CASE LOGIC, or %ebx, %eax
    CASE LOGIC, xor %bx, %ax
    CASE LOGIC, xor %eax, %eax
    CASE LOGIC, xor %ah, %ah
    CASE LOGIC, test %rbx, %rax
    CASE LOGIC, test %bl, %al
    CASE LOGIC, testb $0x81, (%rsi)
    CASE LOGIC, andl $0xff00, %eax
    CASE LOGIC, orq $-16, (%rsi)
    CASE ALL, inc %rax
    CASE ALL, inc %eax
    CASE ALL, dec %ax
    CASE ALL, dec %al
    CASE ALL, incq (%rsi)
    CASE ALL, neg %rax
    CASE ALL, neg %ebx
    CASE ALL, negb (%rsi)
    CASE ALL, not %rax; add %rbx, %rax
    CASE ALL, notl (%rsi); not %bx
    /* shifts by 1: all but AF */
    CASE LOGIC, shl %rax
    CASE LOGIC, shr %eax
    CASE LOGIC, sar %ax
    CASE LOGIC, sar %al
    CASE LOGIC, shlb (%rsi)
    /* shifts by immediate: OF undefined */
    CASE 0xc5, shl $5, %rax
    CASE 0xc5, shr $31, %eax
    CASE 0xc5, sar $63, %rax
    CASE 0xc5, sar $3, %bl
    CASE 0xc5, shr $7, %ax
    CASE ALL, shl $0, %rax
    CASE 0xc5, shlq $13, (%rsi)
    /* shifts by cl: count masked, zero count keeps flags */
    CASE 0xc4, shl %cl, %rax
    CASE 0xc4, shr %cl, %eax
    CASE 0xc4, sar %cl, %rax
    CASE 0xc4, sar %cl, %dl
    CASE 0xc4, shl %cl, %dx
    /* rotates: CF, and OF for a count of one */
    CASE CO, rol %rax
    CASE CO, ror %eax
    CASE CO, rcl %rax
    CASE CO, rcr %bl
    CASE 0x1, rol $7, %rax
    CASE 0x1, ror $9, %ax
    CASE 0x1, rcl $3, %eax
    CASE 0x1, rcr $5, %dl
    CASE 0x1, rol %cl, %rax
    CASE 0x1, rcr %cl, %ax
    CASE 0x1, rcl %cl, %al
    /* double shifts */
    CASE 0xc5, shld $4, %rbx, %rax
    CASE 0xc5, shrd $12, %ebx, %eax
    CASE 0xc5, shld %cl, %rbx, %rdx
    CASE 0xc5, shrd %cl, %rbx, %rdx
    CASE 0xc5, shrd $3, %bx, %ax
    /* multiply: CF/OF defined */
    CASE CO, mul %rbx
    CASE CO, mul %ebx
    CASE CO, mul %bx
    CASE CO, mul %bl
    CASE CO, imul %rbx
    CASE CO, imul %ebx
    CASE CO, imul %bx
    CASE CO, imulb 8(%rsi)
    CASE CO, imul %rbx, %rax
    CASE CO, imul %ebx, %edx
    CASE CO, imul %bx, %ax
    CASE CO, imul $-3, %rbx, %rax
    CASE CO, imul $100000, %ebx, %eax
    CASE CO, imul $7, %bx, %dx
    /* divide: guard against #DE */
    CASE 0, test %rbx, %rbx; jz 1f; xor %edx, %edx; div %rbx; 1:
    CASE 0, test %ebx, %ebx; jz 1f; xor %edx, %edx; div %ebx; 1:
    CASE 0, test %bx, %bx; jz 1f; xor %edx, %edx; div %bx; 1:
    CASE 0, test %bl, %bl; jz 1f; movzbl %al, %eax; div %bl; 1:
    CASE 0, cmp $1, %rbx; jbe 1f; cqo; idiv %rbx; 1:
    CASE 0, cmp $1, %ebx; jbe 1f; cltd; idiv %ebx; 1:
    CASE 0, cmp $1, %bx; jbe 1f; cwtd; idiv %bx; 1:
    CASE 0, cmp $1, %bl; jbe 1f; movsbw %al, %ax; idiv %bl; 1:
    /* bit tests: CF; ZF unaffected */
    CASE 0x41, bt %rbx, %rax
    CASE 0x41, bts %ebx, %eax
    CASE 0x41, btr %bx, %ax
    CASE 0x41, btc $37, %rax
    CASE 0x41, bts $5, %eax
    CASE 0x41, and $15, %rbx; btcq %rbx, (%rsi)
    CASE 0x41, btl $33, (%rsi)
    /* bit scans */
    CASE 0x40, bsf %rbx, %rax
    CASE 0x40, bsr %rbx, %rax
    CASE 0x40, bsf %ebx, %eax
    CASE 0x40, bsr %bx, %ax
    CASE 0x41, tzcnt %rbx, %rax
    CASE 0x41, lzcnt %ebx, %eax
    CASE 0x41, lzcnt %bx, %ax
    CASE ALL, popcnt %rbx, %rax
    CASE ALL, popcnt %bx, %ax
    /* moves and extensions */
    CASE ALL, movzbl %bl, %eax
    CASE ALL, movzwq %bx, %rax
    CASE ALL, movsbq %bl, %rax
    CASE ALL, movswl %bx, %eax
    CASE ALL, movslq %ebx, %rax
    CASE ALL, movsbw %bh, %ax
    CASE ALL, mov %ebx, %eax
    CASE ALL, mov %bl, %ah
    CASE ALL, movabs $0x1122334455667788, %rax
    CASE ALL, mov $-1, %ax
    CASE ALL, bswap %rax
    CASE ALL, bswap %ebx
    CASE ALL, cbtw
    CASE ALL, cwtl
    CASE ALL, cltq
    CASE ALL, cwtd
    CASE ALL, cltd
    CASE ALL, cqto
    CASE ALL, lea 0x10(%rax,%rbx,4), %rdx
    CASE ALL, lea -1(%eax,%ebx,8), %edx
    CASE ALL, lea (%rbx), %dx
    CASE ALL, xchg %rbx, %rax
    CASE ALL, xchg %ebx, %edx
    CASE ALL, xchg %bl, %ah
    CASE ALL, xchg %rax, (%rsi)
    CASE ALL, xadd %rbx, %rax
    CASE ALL, xadd %ebx, (%rsi)
    CASE ALL, cmpxchg %rbx, %rdx
    CASE ALL, cmpxchg %ebx, %edx
    CASE ALL, mov %rax, %rdx; cmpxchg %ebx, %edx
    CASE ALL, lock cmpxchg %rbx, (%rsi)
    CASE ALL, cmpxchg %bl, %dl
    /* flags as values */
    CASE ALL, cmp %rbx, %rax; seta %dl; setl %dh; setbe %bl; setg %bh
    CASE ALL, cmp %ebx, %eax; setb %dl; setge %dh; setle %bl; sete %bh
    CASE ALL, sub %bl, %al; seto %dl; setp %dh; sets %bl; setns %bh
    CASE ALL, add %rbx, %rax; setc %dl; seto %dh; setle %bl; setg %bh
    CASE ALL, test %ebx, %eax; setle %dl; setg %dh; setbe %bl; setl %bh
    CASE ALL, inc %eax; setle %dl; setg %dh; sets %bl; seto %bh
    CASE ALL, cmp %rbx, %rax; cmovl %rbx, %rdx
    CASE ALL, cmp %ebx, %eax; cmovbe %ebx, %edx
    CASE ALL, cmp %bx, %ax; cmova %bx, %dx
    CASE ALL, cmp %ebx, %eax; cmovg 8(%rsi), %edx
    CASE ALL, cmp %rbx, %rax; jl 1f; mov $1, %edx; 1:
    CASE ALL, cmp %rbx, %rax; jae 1f; mov $1, %edx; 1:
    CASE ALL, add %rbx, %rax; jo 1f; mov $1, %edx; 1:
    CASE ALL, sub %bl, %al; jp 1f; mov $1, %edx; 1:
    CASE ALL, and %ebx, %eax; jle 1f; mov $1, %edx; 1:
    CASE ALL, lahf
    CASE ALL, mov %bl, %ah; sahf
    CASE ALL, cmc
    CASE ALL, clc
    CASE ALL, stc
    CASE ALL, mov %rbx, %rcx; jrcxz 1f; mov $1, %edx; 1:
    FINISH
