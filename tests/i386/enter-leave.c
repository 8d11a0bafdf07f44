/*
 * ENTER with a nesting level and LEAVE at 16-bit operand size (Intel SDM vol. 2A,
 * ENTER/LEAVE): the frame-pointer copies are read through rBP with the stack
 * address size, so a 66-prefixed ENTER level 2 in 64-bit mode walks RBP, not BP.
 * Prints how far rSP and rBP moved; check-i386.sh compares with native.
 */
#include <stdio.h>

int main(void)
{
    unsigned long sp0, sp1, bp1;

    for (int level = 0; level < 4; level++) {
#ifdef __x86_64__
#define ENTER_CASE(n) \
        __asm__ volatile("mov %%rsp,%0\n push %%rbp\n mov %%rsp,%%rbp\n sub $64,%%rsp\n" \
                         "enterw $8," #n "\n mov %%rsp,%1\n mov %%rbp,%2\n leavew\n" \
                         "mov %%rbp,%%rsp\n pop %%rbp\n" \
                         : "=&r"(sp0), "=&r"(sp1), "=&r"(bp1) : : "memory")
#else
#define ENTER_CASE(n) \
        __asm__ volatile("mov %%esp,%0\n push %%ebp\n mov %%esp,%%ebp\n sub $64,%%esp\n" \
                         "enterw $8," #n "\n mov %%esp,%1\n mov %%ebp,%2\n leavew\n" \
                         "mov %%ebp,%%esp\n pop %%ebp\n" \
                         : "=&r"(sp0), "=&r"(sp1), "=&r"(bp1) : : "memory")
#endif
        switch (level) {
        case 0: ENTER_CASE($0); break;
        case 1: ENTER_CASE($1); break;
        case 2: ENTER_CASE($2); break;
        default: ENTER_CASE($3); break;
        }
        printf("enterw level %d: sp moved %ld, bp at %ld\n", level,
               (long)(sp0 - sp1), (long)(sp0 - bp1));
    }
    return 0;
}
