/*
 * Started by binfmt_misc (Documentation/admin-guide/binfmt-misc.rst;
 * scripts/quetzal-binfmt.sh registers us). The kernel runs the interpreter as
 * "INTERP FULLPATH ARGS..." (argv[0] of the program replaced by its path), or
 * with the P flag as "INTERP FULLPATH ARGV0 ARGS...", and then says so in the
 * auxiliary vector: AT_FLAGS bit 0, AT_FLAGS_PRESERVE_ARGV0 (Linux 5.12,
 * include/uapi/linux/binfmts.h). With the O flag (and C, which implies it) the
 * kernel opens the program for us and passes the descriptor as AT_EXECFD,
 * so that a program we may execute but not read still runs.
 */
#include <stdlib.h>
#include <sys/auxv.h>
#include "linux-user/user.h"

#define AT_FLAGS_PRESERVE_ARGV0 1

char **binfmt_arguments(int *argc, char **argv, int *exec_fd)
{
    unsigned long execfd = getauxval(AT_EXECFD);
    *exec_fd = execfd > 0 && execfd < INT_MAX ? (int)execfd : 0;
    if (!(getauxval(AT_FLAGS) & AT_FLAGS_PRESERVE_ARGV0) || *argc < 3) {
        return argv;
    }
    /* INTERP FULLPATH ARGV0 ARGS... -> INTERP -0 ARGV0 FULLPATH ARGS... */
    char **args = malloc(((size_t)*argc + 2) * sizeof(*args));
    if (!args) {
        return argv;
    }
    args[0] = argv[0];
    args[1] = "-0";
    args[2] = argv[2];
    args[3] = argv[1];
    for (int i = 3; i <= *argc; i++) {
        args[i + 1] = argv[i];      /* the rest, and the final NULL */
    }
    (*argc)++;
    return args;
}
