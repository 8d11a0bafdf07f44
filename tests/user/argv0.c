/* Prints its arguments, argv[0] included, and whether descriptor 5 is open
 * (binfmt_misc's O flag must not leave the program's descriptor to it). */
#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] = %s\n", i, argv[i]);
    }
    printf("fd 5 open: %d\n", fcntl(5, F_GETFD) >= 0);
    return 0;
}
