/*
 * Far returns in user mode (Intel SDM vol. 2B, RET "far return"): the
 * "push %cs; push $label; lret" idiom, with RETF imm16 releasing arguments, in
 * the default operand size and (x86-64) with REX.W. Output compared with native.
 */
#include <stdio.h>

static unsigned long far_return(void)
{
    unsigned long r = 0;
#ifdef __x86_64__
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%cs, %%rcx\n\t"
                     "push %%rcx\n\t"
                     "push %%rax\n\t"
                     "lretq\n"
                     "1: mov $40, %0\n\t"
                     /* 32-bit operand size: the offset must fit (static, non-PIE) */
                     "sub $16, %%rsp\n\t"
                     "lea 2f(%%rip), %%rax\n\t"
                     "movl %%eax, (%%rsp)\n\t"
                     "movl %%ecx, 4(%%rsp)\n\t"
                     "lretl $8\n"
                     "2: add $2, %0\n\t"
                     : "=&r"(r) : : "rax", "rcx", "memory");
#else
    __asm__ volatile("mov %%cs, %%ecx\n\t"
                     "push $0x1234\n\t"            /* released by lret $4 */
                     "push %%ecx\n\t"
                     "push $1f\n\t"
                     "lret $4\n"
                     "1: mov $42, %0\n\t"
                     : "=&r"(r) : : "ecx", "memory");
#endif
    return r;
}

int main(void)
{
    printf("far return: %lu\n", far_return());
    return 0;
}
