/* system() and popen(): glibc starts /bin/sh through clone(CLONE_VM|CLONE_VFORK)
 * (posix_spawn); /bin/sh itself is a dynamically linked host program. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(void)
{
    fflush(stdout);
    int status = system("echo from system; exit 3");
    printf("system: exited %d with %d\n", WIFEXITED(status), WEXITSTATUS(status));
    FILE *pipe = popen("printf 'one\\ntwo\\n'", "r");
    char line[64];
    while (pipe && fgets(line, sizeof(line), pipe)) {
        printf("popen read: %s", line);
    }
    printf("pclose: %d\n", pipe ? pclose(pipe) : -1);
    return 0;
}
