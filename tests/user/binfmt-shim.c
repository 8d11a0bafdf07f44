/*
 * LD_PRELOAD shim for tests/check-user.sh: stands for the kernel's
 * binfmt_misc, which tells the interpreter about its flags in the auxiliary
 * vector (AT_FLAGS bit 0 for P, AT_EXECFD for O). QZ_AT_FLAGS and
 * QZ_AT_EXECFD give the values the emulator's getauxval returns.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/auxv.h>

unsigned long getauxval(unsigned long type)
{
    const char *v = type == AT_FLAGS ? getenv("QZ_AT_FLAGS")
                  : type == AT_EXECFD ? getenv("QZ_AT_EXECFD") : NULL;
    if (v) {
        return strtoul(v, NULL, 0);
    }
    unsigned long (*real)(unsigned long) =
        (unsigned long (*)(unsigned long))dlsym(RTLD_NEXT, "getauxval");
    return real ? real(type) : 0;
}
