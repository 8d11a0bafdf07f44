/* An undefined instruction: the process dies with SIGILL. */
#include <stdio.h>

int main(void)
{
    printf("before\n");
    fflush(stdout);
    __asm__ volatile("ud2");
    printf("after\n");
    return 0;
}
