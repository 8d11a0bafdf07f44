/* A breakpoint instruction: the process dies with SIGTRAP. */
#include <stdio.h>

int main(void)
{
    printf("before\n");
    fflush(stdout);
    __asm__ volatile("int3");
    printf("after\n");
    return 0;
}
