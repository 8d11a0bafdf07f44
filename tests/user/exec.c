/* execve of a program (itself, through /proc/self/exe) and readlink of
 * /proc/self/exe, which must name the program, not an emulator. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    path[n > 0 ? n : 0] = '\0';
    printf("argc %d argv0 %s exe %s\n", argc, basename(argv[0]), basename(path));
    fflush(stdout);
    if (argc == 1) {
        char *args[] = { "second", "with", "arguments", NULL };
        char *env[] = { "EXEC_TEST=yes", NULL };
        execve("/proc/self/exe", args, env);
        perror("execve");
        return 1;
    }
    const char *value = getenv("EXEC_TEST");
    printf("args %s %s env %s\n", argv[1], argc > 2 ? argv[2] : "-", value ? value : "unset");
    return 7;
}
