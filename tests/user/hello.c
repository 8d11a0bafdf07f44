/* The smallest end-to-end check: one line of output and an exit status. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello, world (%d arguments)\n", argc - 1);
    return 5;
}
