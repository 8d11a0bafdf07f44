/* A bad pointer dereference: the process dies with SIGSEGV. */
#include <stdio.h>

int main(int argc, char **argv)
{
    volatile int *bad = (volatile int *)(long)(16 * argc);
    printf("before\n");
    fflush(stdout);
    *bad = 1;
    printf("after\n");
    return 0;
}
