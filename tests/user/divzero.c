/* Integer division by zero: the process dies with SIGFPE. */
#include <stdio.h>

int main(void)
{
    volatile int zero = 0;
    printf("before\n");
    fflush(stdout);
    printf("%d\n", 100 / zero);
    return 0;
}
